/*
 * cmd_intel.c — `junkai intel add|list|rm|export`: lists of known-bad
 * indicators (docs/intel.md). The work is in src/intel; this file reads
 * files, prints and sets the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_cli.h"
#include "cli.h"
#include "intel.h"
#include "intel_export.h"

static const char intel_usage[] =
    "usage: junkai intel add NAME FILE [--format csv|stix|misp] [--category CAT]\n"
    "                        [--match exact|domain|prefix] [--data DIR]\n"
    "       junkai intel list [--data DIR]\n"
    "       junkai intel rm NAME [--data DIR]\n"
    "       junkai intel export --format stix|misp|csv [--confirmed] [--defang] [--output FILE]\n"
    "                           [--data DIR]\n"
    "\n"
    "add     import FILE (\"-\": standard input) as the intel list NAME; adding\n"
    "        a NAME again replaces its entries as a new version. Formats: csv\n"
    "        (JPCERT/CC phishurl-list: date,URL,description; or type,value),\n"
    "        stix (a STIX 2.1 bundle; indicators with simple patterns), misp\n"
    "        (a MISP event). Default: guessed from the content.\n"
    "        --category: the category of its hits (default phishing)\n"
    "        --match exact: the canonical value (default)\n"
    "                domain: any host under an entry's registrable domain\n"
    "                prefix: any URL under an entry URL (path-segment prefix)\n"
    "        A refresh without --category or --match keeps the list's.\n"
    "list    the lists: name, version, import time, format, category, match,\n"
    "        entries, skipped, source file\n"
    "rm      remove a list and its entries\n"
    "export  the indicators of stored items as a STIX 2.1 bundle, a MISP event\n"
    "        or CSV (type,value,first_seen,last_seen,items): with --confirmed\n"
    "        only those of items a person confirmed in the workbench (their\n"
    "        latest decision is confirm), else those of every item with a\n"
    "        detection (a rule or intel hit). --defang writes\n"
    "        hxxp://example[.]com forms.\n"
    "\n"
    "Posts imported or patrolled later are matched against every list; a\n"
    "match is a detection with rule id intel:NAME. 'junkai scan --data DIR'\n"
    "matches too.\n";

/* Skipped entries: the first few are shown, the rest counted. */
#define SHOWN_SKIPS 20

typedef struct skip_log {
    long count;
} skip_log;

static void on_skip(void *ctx, const char *where, const char *why)
{
    skip_log *log = ctx;
    if (log->count++ < SHOWN_SKIPS)
        fprintf(stderr, "junkai: %s: %s; skipped\n", where, why);
}

/* The whole of path ("-": stdin) into b, at most max bytes. */
static int read_all(const char *path, jk_buf *b, size_t max)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        jk_cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    char chunk[1 << 16];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b->len + n > max) {
            jk_cli_error("%s: larger than %zu bytes", path, max);
            rc = -1;
            break;
        }
        jk_buf_append(b, chunk, n);
    }
    if (!rc && ferror(fp)) {
        jk_cli_error("%s: read error", path);
        rc = -1;
    }
    if (fp != stdin)
        fclose(fp);
    return rc;
}

static int print_list(void *ctx, const jk_intel_list_info *l)
{
    (void)ctx;
    printf("%s\tv%lld\t%s\t%s\t%s\t%s\t%ld\t%ld\t%s\n", l->name, (long long)l->version,
           l->imported_at ? l->imported_at : "", l->format ? l->format : "",
           l->category ? l->category : "", l->match ? l->match : "", l->entries, l->skipped,
           l->source ? l->source : "");
    return 0;
}

typedef struct find_list {
    const char *name;
    char category[64], match[16];
} find_list;

static int remember_list(void *ctx, const jk_intel_list_info *l)
{
    find_list *f = ctx;
    if (l->name && !strcmp(l->name, f->name)) {
        snprintf(f->category, sizeof f->category, "%s", l->category ? l->category : "");
        snprintf(f->match, sizeof f->match, "%s", l->match ? l->match : "");
        return 1;
    }
    return 0;
}

static int intel_add(jk_store *store, const char *data_dir, const char *name, const char *file,
                     const char *format, const char *category, const char *match)
{
    jk_buf data;
    jk_buf_init(&data, 0);
    int status = JK_EXIT_ERROR;
    if (read_all(file, &data, JK_INTEL_MAX_FILE))
        goto done;
    jk_intel_import_options opt;
    memset(&opt, 0, sizeof opt);
    opt.name = name;
    if (format) {
        if (jk_intel_format_from_name(format, &opt.format)) {
            jk_cli_error("--format must be csv, stix or misp, not \"%s\"", format);
            goto done;
        }
    } else {
        opt.format = jk_intel_format_sniff(data.data, data.len);
    }
    opt.category = category;
    opt.match = match;
    opt.source = file;
    skip_log log = {0};
    opt.skip = on_skip;
    opt.ctx = &log;
    jk_intel_import_result res;
    jk_error err;
    if (jk_intel_import(store, data.data ? data.data : "", data.len, &opt, &res, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    if (log.count > SHOWN_SKIPS)
        fprintf(stderr, "junkai: … and %ld more skipped\n", log.count - SHOWN_SKIPS);
    find_list f = {name, "", ""};
    jk_store_intel_lists(store, remember_list, &f, &err);
    printf("intel list %s v%lld: %ld entries from %s (%s; %ld read, %ld skipped; category %s, "
           "match %s)\n",
           name, (long long)res.version, res.entries, file, jk_intel_format_name(opt.format),
           res.objects, res.skipped, f.category, f.match);
    char what[300];
    snprintf(what, sizeof what, "intel:%s", name);
    if (jk_cli_audit_record(store, data_dir, "intel.add", what, &err, "{s:s, s:I, s:I, s:I}",
                            "file", file, "version", (json_int_t)res.version, "entries",
                            (json_int_t)res.entries, "skipped", (json_int_t)res.skipped)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    status = JK_EXIT_OK;
done:
    jk_buf_release(&data);
    return status;
}

static int intel_export(jk_store *store, const char *format, bool defang, bool confirmed,
                        const char *output)
{
    jk_intel_format f;
    if (!format || jk_intel_format_from_name(format, &f)) {
        jk_cli_error("export needs --format stix, misp or csv");
        return JK_EXIT_ERROR;
    }
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_intel_export_stats stats;
    jk_error err;
    int status = JK_EXIT_ERROR;
    if (jk_intel_export(store, f, defang, confirmed, time(NULL), &out, &stats, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    FILE *fp = output ? fopen(output, "wb") : stdout;
    if (!fp) {
        jk_cli_error("%s: %s", output, strerror(errno));
        goto done;
    }
    size_t wrote = fwrite(out.data, 1, out.len, fp);
    int closed = fp == stdout ? fflush(fp) : fclose(fp);
    if (wrote != out.len || closed != 0) {
        jk_cli_error("%s: write error", output ? output : "(stdout)");
        goto done;
    }
    fprintf(stderr, "junkai: exported %ld indicators", stats.written);
    if (stats.left_out)
        fprintf(stderr, " (%ld of types %s cannot carry left out)", stats.left_out,
                jk_intel_format_name(f));
    fputc('\n', stderr);
    status = JK_EXIT_OK;
done:
    jk_buf_release(&out);
    return status;
}

int cmd_intel(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"category", required_argument, NULL, 'c'},
        {"match", required_argument, NULL, 'm'},
        {"defang", no_argument, NULL, 'D'},
        {"confirmed", no_argument, NULL, 'C'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(intel_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? JK_EXIT_ERROR : JK_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *data = NULL, *format = NULL, *category = NULL, *match = NULL, *output = NULL;
    bool defang = false, confirmed = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc - 1, argv + 1, "ho:", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'f': format = optarg; break;
        case 'c': category = optarg; break;
        case 'm': match = optarg; break;
        case 'D': defang = true; break;
        case 'C': confirmed = true; break;
        case 'o': output = optarg; break;
        case 'h':
            fputs(intel_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(intel_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    static const struct {
        const char *name;
        int args;
    } subs[] = {{"add", 2}, {"list", 0}, {"rm", 1}, {"export", 0}};
    int known = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(sub, subs[i].name))
            known = i;
    if (known < 0) {
        jk_cli_error("unknown intel command \"%s\"; see 'junkai intel --help'", sub);
        return JK_EXIT_ERROR;
    }
    if (nrest != subs[known].args) {
        jk_cli_error("intel %s needs %s", sub,
                     known == 0 ? "NAME FILE" : known == 2 ? "NAME" : "no other arguments");
        return JK_EXIT_ERROR;
    }
    jk_store *store;
    if (jk_open_data_store(jk_data_dir(data), &store))
        return JK_EXIT_ERROR;
    int status = JK_EXIT_OK;
    jk_error err;
    char what[300];
    switch (known) {
    case 0:
        status = intel_add(store, jk_data_dir(data), rest[0], rest[1], format, category, match);
        break;
    case 1:
        if (jk_store_intel_lists(store, print_list, NULL, &err)) {
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        }
        break;
    case 2:
        snprintf(what, sizeof what, "intel:%s", rest[0]);
        if (jk_store_intel_list_rm(store, rest[0], &err) ||
            jk_cli_audit_record(store, jk_data_dir(data), "intel.rm", what, &err, NULL)) {
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        } else {
            printf("removed intel list %s\n", rest[0]);
        }
        break;
    default:
        status = intel_export(store, format, defang, confirmed, output);
    }
    jk_store_close(store);
    return status;
}
