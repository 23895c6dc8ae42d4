/*
 * cmd_case.c — `junkai case`: the cases of the workbench from the command
 * line: list them, show one (its items, reports and evidence), and write
 * its evidence package (src/report/package.h) to a file, which is audited
 * like the workbench's download.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_cli.h"
#include "auth.h"
#include "cli.h"
#include "junkai/case.h"
#include "package.h"

static const char case_usage[] =
    "usage: junkai case list [--status S] [--category C] [--limit N] [--data DIR]\n"
    "       junkai case show ID [--data DIR]\n"
    "       junkai case package ID [-o FILE] [--data DIR]\n"
    "\n"
    "list     cases, newest first: id, status, category, items, reports, title\n"
    "show     one case as JSON: the case, its items (id, url, text), its reports\n"
    "         (id, kind, status, sent date) and its evidence files\n"
    "package  the case's evidence package (.tar.gz: every evidence file, each\n"
    "         item's text, each report's text, case.json, manifest.json and\n"
    "         SHA256SUMS) written to FILE (default case-ID-evidence.tar.gz);\n"
    "         anyone can check it with `sha256sum -c SHA256SUMS` after\n"
    "         unpacking, or `junkai verify --package FILE`. Audited.\n";

static int print_case_line(void *ctx, const jk_case *c)
{
    (void)ctx;
    printf("%-6lld %-10s %-20s %4ld items %3ld reports  %s\n", (long long)c->id, c->status,
           c->category, c->items, c->reports, c->title);
    return 0;
}

static int case_list(jk_store *st, const jk_case_filter *f)
{
    jk_error err;
    if (jk_store_case_list(st, f, print_case_line, NULL, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    return JK_EXIT_OK;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int copy_case(void *p, const jk_case *c)
{
    *(json_t **)p =
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)c->id, "title",
                  str_or_null(c->title), "category", str_or_null(c->category), "status",
                  str_or_null(c->status), "assignee", str_or_null(c->assignee), "created_at",
                  str_or_null(c->created_at), "reported_at", str_or_null(c->reported_at),
                  "removed_at", str_or_null(c->removed_at));
    return 0;
}

static int add_item(void *p, const jk_review_item *it)
{
    json_t *text = json_stringn(it->text ? it->text : "", it->text ? it->text_len : 0);
    json_array_append_new(p, json_pack("{s:I, s:o, s:o, s:o, s:f}", "id", (json_int_t)it->id,
                                       "platform", str_or_null(it->platform), "url",
                                       str_or_null(it->url), "text", text ? text : json_null(),
                                       "score", it->score));
    return 0;
}

static int add_report(void *p, const jk_report_row *r)
{
    json_array_append_new(p, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)r->id,
                                       "kind", str_or_null(r->kind), "doc_key",
                                       str_or_null(r->doc_key), "status", str_or_null(r->status),
                                       "sent_at", str_or_null(r->sent_at), "body_sha256",
                                       str_or_null(r->body_sha256)));
    return 0;
}

static int add_evidence(void *p, const jk_case_evidence *ev)
{
    json_array_append_new(p, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)ev->id,
                                       "item", (json_int_t)ev->item_id, "kind",
                                       str_or_null(ev->kind), "sha256", str_or_null(ev->sha256),
                                       "path", str_or_null(ev->path), "created_at",
                                       str_or_null(ev->created_at)));
    return 0;
}

static int case_show(jk_store *st, int64_t id)
{
    jk_error err;
    json_t *c = NULL, *items = json_array(), *reports = json_array(), *evidence = json_array();
    int rc = jk_store_case_get(st, id, copy_case, &c, &err);
    if (!rc)
        rc = jk_store_case_items(st, id, add_item, items, &err);
    if (!rc)
        rc = jk_store_case_reports(st, id, false, add_report, reports, &err);
    if (!rc)
        rc = jk_store_case_evidence(st, id, add_evidence, evidence, &err);
    if (rc) {
        jk_cli_error("%s", err.message);
        json_decref(c);
        json_decref(items);
        json_decref(reports);
        json_decref(evidence);
        return JK_EXIT_ERROR;
    }
    json_t *o = json_pack("{s:o, s:o, s:o, s:o}", "case", c, "items", items, "reports", reports,
                          "evidence", evidence);
    char *text = json_dumps(o, JSON_INDENT(2));
    if (text)
        puts(text);
    free(text);
    json_decref(o);
    return JK_EXIT_OK;
}

static int case_package(jk_store *st, const char *data_dir, int64_t id, const char *out_path)
{
    char name[64], user[96];
    if (!out_path) {
        snprintf(name, sizeof name, "case-%lld-evidence.tar.gz", (long long)id);
        out_path = name;
    }
    jk_cli_audit_user(user, sizeof user);
    jk_buf pkg;
    jk_buf_init(&pkg, 0);
    jk_error err;
    int status = JK_EXIT_ERROR;
    if (jk_package_write(st, id, data_dir, user, &pkg, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    /* written whole, then renamed: a half-written package never carries
     * the final name */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", out_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        jk_cli_error("%s: cannot write: %s", tmp, strerror(errno));
        goto done;
    }
    size_t off = 0;
    while (off < pkg.len) {
        ssize_t n = write(fd, pkg.data + off, pkg.len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (off != pkg.len || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, out_path) != 0) {
        jk_cli_error("%s: cannot write: %s", out_path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    char hex[65];
    jk_sha256_hex(pkg.data, pkg.len, hex);
    char target[32];
    snprintf(target, sizeof target, "case:%lld", (long long)id);
    if (jk_cli_audit_record(st, data_dir, "case.package", target, &err, "{s:s, s:I, s:s}", "sha256",
                            hex, "size", (json_int_t)pkg.len, "file", out_path)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    printf("%s  %s (%zu bytes)\n", hex, out_path, pkg.len);
    status = JK_EXIT_OK;
done:
    jk_buf_release(&pkg);
    return status;
}

static bool parse_case_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0)
        return false;
    *id = (int64_t)v;
    return true;
}

int cmd_case(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"status", required_argument, NULL, 's'},
        {"category", required_argument, NULL, 'c'},
        {"limit", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *out_path = NULL;
    jk_case_filter filter = {0};
    filter.limit = 50;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 's':
            filter.status = optarg;
            break;
        case 'c':
            filter.category = optarg;
            break;
        case 'l':
            filter.limit = strtoul(optarg, NULL, 10);
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            fputs(case_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(case_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        fputs(case_usage, stderr);
        return JK_EXIT_ERROR;
    }
    const char *verb = argv[optind];
    bool list = strcmp(verb, "list") == 0;
    int64_t id = 0;
    if (!list && strcmp(verb, "show") != 0 && strcmp(verb, "package") != 0) {
        jk_cli_error("unknown case command \"%s\" (list, show, package)", verb);
        return JK_EXIT_ERROR;
    }
    if (list ? optind + 1 != argc : optind + 2 != argc || !parse_case_id(argv[optind + 1], &id)) {
        jk_cli_error(list ? "case list takes no arguments" : "case %s needs one case id", verb);
        return JK_EXIT_ERROR;
    }
    if (filter.status && !jk_case_status_valid(filter.status)) {
        jk_cli_error("--status must be new, confirmed, reported, removed or dismissed");
        return JK_EXIT_ERROR;
    }
    if (sodium_init() < 0) {
        jk_cli_error("cannot initialise libsodium");
        return JK_EXIT_ERROR;
    }
    const char *dir = jk_data_dir(data);
    jk_store *st;
    if (jk_open_data_store(dir, &st))
        return JK_EXIT_ERROR;
    int status = list                        ? case_list(st, &filter)
                 : strcmp(verb, "show") == 0 ? case_show(st, id)
                                             : case_package(st, dir, id, out_path);
    jk_store_close(st);
    return status;
}
