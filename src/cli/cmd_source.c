/*
 * cmd_source.c — `junkai source add|list|rm`: the places a patrol visits.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_cli.h"
#include "cli.h"
#include "collect.h"

static const char source_usage[] =
    "usage: junkai source add KIND NAME TARGET [--every DURATION] [--query Q]\n"
    "                         [--allow-private] [--no-evidence] [--data DIR]\n"
    "       junkai source list [--data DIR]\n"
    "       junkai source rm NAME [--data DIR]\n"
    "\n"
    "DURATION is like 30s, 15m, 6h, 1d (default 15m): a patrol runs the\n"
    "source when that long has passed since its last complete run.\n"
    "--allow-private lets a network collector fetch loopback and private\n"
    "addresses (tests, demos); without it they are refused.\n"
    "--no-evidence: the source's fetches are not preserved as WARC evidence\n"
    "files under DATA/evidence (they are by default; see docs/evidence.md).\n"
    "'list' prints one tab-separated line per source: name, kind, target,\n"
    "schedule, last complete run, cursor state, evidence|no-evidence, how\n"
    "the last run ended (ok, \"failed N in a row\", \"not run\"), when, and\n"
    "its outcome line.\n"
    "\n"
    "KIND is the collector, TARGET what it reads:\n";

static void print_usage(FILE *to)
{
    fputs(source_usage, to);
    size_t n;
    const jk_collector *c = jk_collectors(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(to, "  %-9s %s\n", c[i].kind, c[i].target);
}

/* "15m" → 900; false on junk or overflow */
static bool parse_duration(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || v > 100000000)
        return false;
    int64_t unit = 1;
    if (*end == 's' || *end == '\0')
        unit = 1;
    else if (*end == 'm')
        unit = 60;
    else if (*end == 'h')
        unit = 3600;
    else if (*end == 'd')
        unit = 86400;
    else
        return false;
    if (*end && end[1])
        return false;
    *out = (int64_t)v * unit;
    return true;
}

/* name, kind, target, schedule, last run, cursor state, evidence on/off */
static int print_source(void *ctx, const jk_source *s)
{
    jk_store *store = ctx;
    bool keep = true;
    jk_error err;
    if (jk_store_source_evidence(store, s->id, &keep, &err))
        keep = true; /* the default; a read error here is not worth failing the list */
    char last[64];
    if (s->last_ok < 0)
        snprintf(last, sizeof last, "not run");
    else if (s->last_ok)
        snprintf(last, sizeof last, "ok");
    else
        snprintf(last, sizeof last, "failed %lld in a row", (long long)s->failures);
    printf("%s\t%s\t%s\tevery %llds\t%s\t%s\t%s\t%s\t%s\t%s\n", s->name, s->kind,
           s->target ? s->target : "", (long long)s->every_seconds,
           s->last_run_at ? s->last_run_at : "never", s->state ? s->state : "",
           keep ? "evidence" : "no-evidence", last,
           s->last_attempt_at ? s->last_attempt_at : "", s->last_outcome ? s->last_outcome : "");
    return 0;
}

int cmd_source(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"every", required_argument, NULL, 'e'},
        {"query", required_argument, NULL, 'q'},
        {"allow-private", no_argument, NULL, 'p'},
        {"no-evidence", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? JK_EXIT_ERROR : JK_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *data = NULL;
    jk_source src;
    memset(&src, 0, sizeof src);
    src.every_seconds = 900;
    bool keep_evidence = true;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc - 1, argv + 1, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'q': src.query = optarg; break;
        case 'p': src.allow_private = true; break;
        case 'n': keep_evidence = false; break;
        case 'e':
            if (!parse_duration(optarg, &src.every_seconds)) {
                jk_cli_error("--every must be a duration such as 30s, 15m, 6h or 1d, not \"%s\"",
                             optarg);
                return JK_EXIT_ERROR;
            }
            break;
        case 'h':
            fputs(source_usage, stdout);
            return JK_EXIT_OK;
        default:
            print_usage(stderr);
            return JK_EXIT_ERROR;
        }
    }
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    jk_store *store = NULL;
    jk_error err;
    int status = JK_EXIT_OK;
    if (strcmp(sub, "add") == 0) {
        if (nrest != 3) {
            jk_cli_error("source add needs KIND NAME TARGET");
            return JK_EXIT_ERROR;
        }
        const jk_collector *collector = jk_collector_find(rest[0]);
        if (!collector) {
            jk_cli_error("unknown source kind \"%s\" (see junkai source --help)", rest[0]);
            return JK_EXIT_ERROR;
        }
        if (strcmp(rest[0], "x") == 0 && (!src.query || !*src.query)) {
            jk_cli_error("an x source needs --query (the recent search to run)");
            return JK_EXIT_ERROR;
        }
        src.kind = rest[0];
        src.name = rest[1];
        src.target = rest[2];
        char *absolute = NULL;
        if (collector->local_file) {
            /* a file source is patrolled from wherever junkai runs later */
            absolute = realpath(rest[2], NULL);
            if (!absolute) {
                jk_cli_error("%s: no such file", rest[2]);
                return JK_EXIT_ERROR;
            }
            src.target = absolute;
        } else if (strncmp(rest[2], "http://", 7) != 0 && strncmp(rest[2], "https://", 8) != 0) {
            jk_cli_error("%s: a %s source needs an http:// or https:// URL", rest[2], rest[0]);
            return JK_EXIT_ERROR;
        }
        if (jk_open_data_store(jk_data_dir(data), &store))
            return JK_EXIT_ERROR;
        int64_t id;
        int rc = jk_store_begin(store, &err);
        if (!rc)
            rc = jk_store_source_add(store, &src, &id, &err);
        if (!rc && !keep_evidence)
            rc = jk_store_source_set_evidence(store, id, false, &err);
        char what[300];
        snprintf(what, sizeof what, "source:%s", src.name);
        if (!rc)
            rc = jk_cli_audit_commit(store, jk_data_dir(data), "source.add", what, &err,
                                     "{s:s, s:s?, s:I, s:b}", "kind", src.kind, "target",
                                     src.target, "every_seconds", (json_int_t)src.every_seconds,
                                     "evidence", keep_evidence);
        if (rc)
            jk_store_rollback(store);
        if (rc) {
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        } else {
            printf("added source %s (%s %s, every %llds)\n", src.name, src.kind, src.target,
                   (long long)src.every_seconds);
        }
        free(absolute);
    } else if (strcmp(sub, "list") == 0) {
        if (jk_open_data_store(jk_data_dir(data), &store))
            return JK_EXIT_ERROR;
        if (jk_store_source_list(store, print_source, store, &err)) {
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        }
    } else if (strcmp(sub, "rm") == 0) {
        if (nrest != 1) {
            jk_cli_error("source rm needs NAME");
            return JK_EXIT_ERROR;
        }
        if (jk_open_data_store(jk_data_dir(data), &store))
            return JK_EXIT_ERROR;
        char what[300];
        snprintf(what, sizeof what, "source:%s", rest[0]);
        if (jk_store_source_rm(store, rest[0], &err) ||
            jk_cli_audit_record(store, jk_data_dir(data), "source.rm", what, &err, NULL)) {
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        }
    } else {
        jk_cli_error("unknown source command \"%s\"; see 'junkai source --help'", sub);
        return JK_EXIT_ERROR;
    }
    jk_store_close(store);
    return status;
}
