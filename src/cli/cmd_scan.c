/*
 * cmd_scan.c — `junkai scan`: posts in (files or stdin, plain text or
 * JSONL), hits out; no database. Exit 0 if anything hit, 1 if nothing did,
 * 2 on error — like grep.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "scan_pipeline.h"

static const char scan_usage[] =
    "usage: junkai scan [options] [FILE…]\n"
    "\n"
    "Scan posts with the rule packs and print what hit. Input is plain text\n"
    "(one post per line) or JSONL (objects with at least \"id\" and \"text\";\n"
    "other fields are passed through), from the FILEs or standard input.\n"
    "\n"
    "Options:\n"
    "  --rules PATH        rule pack file or directory (repeatable;\n"
    "                      default: the shipped packs)\n"
    "  --input KIND        text, jsonl or auto (default: auto, per file)\n"
    "  --format FMT        jsonl or text (default: text on a terminal, else jsonl)\n"
    "  --category ID       report only these categories (repeatable, or\n"
    "                      comma-separated; see 'junkai rules categories')\n"
    "  --min-score X       report only hits scoring at least X (0..1)\n"
    "  --only-hits         print only items that hit\n"
    "  --threads N         scan on N threads (default 1); output order is kept\n"
    "  --stats             print counts per category on standard error\n"
    "  --color WHEN        auto, always or never (text format)\n"
    "  --data DIR          also match every post's indicators against the intel\n"
    "                      lists stored in DIR (see 'junkai intel'); without it\n"
    "                      scan opens no store\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 if any item hit, 1 if none did, 2 on error. Lines that\n"
    "cannot be read as posts are reported with file:line and skipped.\n";

enum {
    OPT_RULES = 256,
    OPT_INPUT,
    OPT_FORMAT,
    OPT_CATEGORY,
    OPT_MIN_SCORE,
    OPT_ONLY_HITS,
    OPT_THREADS,
    OPT_STATS,
    OPT_COLOR,
    OPT_DATA
};

static const struct option scan_options[] = {
    {"rules", required_argument, NULL, OPT_RULES},
    {"input", required_argument, NULL, OPT_INPUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"category", required_argument, NULL, OPT_CATEGORY},
    {"min-score", required_argument, NULL, OPT_MIN_SCORE},
    {"only-hits", no_argument, NULL, OPT_ONLY_HITS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"stats", no_argument, NULL, OPT_STATS},
    {"color", required_argument, NULL, OPT_COLOR},
    {"data", required_argument, NULL, OPT_DATA},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool add_categories(jk_scan_options *opt, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        jk_category c;
        if (jk_category_from_id(p, len, &c) != JK_OK) {
            jk_cli_error("unknown category \"%.*s\" (see 'junkai rules categories')", (int)len, p);
            return false;
        }
        opt->category_wanted[c] = true;
        opt->has_category_filter = true;
        p += len + (comma != NULL);
    }
    return true;
}

static void print_stats(const jk_scan_totals *t)
{
    fprintf(stderr, "items: %lu, with hits: %lu, skipped lines: %lu\n", t->items, t->hit_items,
            t->skipped);
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        if (t->category_items[c])
            fprintf(stderr, "  %-20s %lu\n", jk_category_id((jk_category)c), t->category_items[c]);
}

int cmd_scan(int argc, char **argv)
{
    jk_scan_options opt;
    memset(&opt, 0, sizeof opt);
    opt.threads = 1;
    char **rule_paths = NULL;
    size_t rule_count = 0, rule_cap = 0;
    bool stats = false, format_set = false;
    int color = -1; /* auto */
    int status = JK_EXIT_ERROR;
    jk_engine eng;
    memset(&eng, 0, sizeof eng);
    const char *data = NULL;
    jk_intel *intel = NULL;

    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", scan_options, NULL)) != -1) {
        switch (ch) {
        case OPT_RULES:
            jk_grow((void **)&rule_paths, &rule_cap, rule_count + 1, sizeof *rule_paths);
            rule_paths[rule_count++] = optarg;
            break;
        case OPT_INPUT:
            if (strcmp(optarg, "text") == 0)
                opt.input = JK_INPUT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0)
                opt.input = JK_INPUT_JSONL;
            else if (strcmp(optarg, "auto") == 0)
                opt.input = JK_INPUT_AUTO;
            else {
                jk_cli_error("--input must be text, jsonl or auto, not \"%s\"", optarg);
                goto done;
            }
            break;
        case OPT_FORMAT:
            format_set = true;
            if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                opt.format = JK_FORMAT_JSONL;
            else if (strcmp(optarg, "text") == 0)
                opt.format = JK_FORMAT_TEXT;
            else {
                jk_cli_error("--format must be jsonl or text, not \"%s\"", optarg);
                goto done;
            }
            break;
        case OPT_CATEGORY:
            if (!add_categories(&opt, optarg))
                goto done;
            break;
        case OPT_MIN_SCORE:
            if (!jk_parse_double(optarg, &opt.min_score) || opt.min_score < 0 ||
                opt.min_score > 1) {
                jk_cli_error("--min-score must be a number from 0 to 1, not \"%s\"", optarg);
                goto done;
            }
            break;
        case OPT_ONLY_HITS:
            opt.only_hits = true;
            break;
        case OPT_THREADS: {
            unsigned long n;
            if (!jk_parse_uint(optarg, 256, &n) || n == 0) {
                jk_cli_error("--threads must be a number from 1 to 256, not \"%s\"", optarg);
                goto done;
            }
            opt.threads = (unsigned)n;
            break;
        }
        case OPT_STATS:
            stats = true;
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "always") == 0)
                color = 1;
            else if (strcmp(optarg, "never") == 0)
                color = 0;
            else if (strcmp(optarg, "auto") == 0)
                color = -1;
            else {
                jk_cli_error("--color must be auto, always or never, not \"%s\"", optarg);
                goto done;
            }
            break;
        case OPT_DATA:
            data = optarg;
            break;
        case 'h':
            fputs(scan_usage, stdout);
            status = JK_EXIT_OK;
            goto done;
        default:
            fputs(scan_usage, stderr);
            goto done;
        }
    }

    bool tty = isatty(STDOUT_FILENO);
    if (!format_set)
        opt.format = tty ? JK_FORMAT_TEXT : JK_FORMAT_JSONL;
    opt.color = color == 1 || (color == -1 && tty && getenv("NO_COLOR") == NULL);

    if (jk_engine_load(&eng, rule_paths, rule_count) || jk_engine_compile(&eng))
        goto done;
    if (data) {
        /* the lists are read once, then the store is closed: scanning
         * itself never touches it */
        jk_store *store;
        jk_error err;
        if (jk_open_data_store(data, &store))
            goto done;
        int rc = jk_intel_load(store, &intel, &err);
        jk_store_close(store);
        if (rc) {
            jk_cli_error("%s", err.message);
            goto done;
        }
        opt.intel = intel;
    }
    if (jk_ruleset_rule_count(eng.rules) == 0 && !jk_intel_entry_count(intel))
        jk_cli_error("warning: no rules loaded; nothing can hit");

    jk_scan_totals totals;
    jk_scan_files(&eng, &opt, argv + optind, (size_t)(argc - optind), stdout, stderr, &totals);
    if (totals.skipped)
        jk_cli_error("skipped %lu unreadable line%s (first at %s)", totals.skipped,
                     totals.skipped == 1 ? "" : "s", totals.first_skipped);
    if (stats)
        print_stats(&totals);
    if (totals.error || eng.pack_errors)
        status = JK_EXIT_ERROR;
    else
        status = totals.hit_items ? JK_EXIT_HIT : JK_EXIT_NOHIT;

done:
    jk_intel_free(intel);
    jk_engine_release(&eng);
    free(rule_paths);
    return status;
}
