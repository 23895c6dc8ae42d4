/*
 * cmd_import.c — `junkai import`: posts from JSONL or plain-text files into
 * the store, each scanned on the way in, its detections stored with it.
 * Items already stored (same platform and id, or same text) are counted as
 * seen and not added again, so importing a file twice adds nothing.
 * Every batch of items commits in one transaction.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "audit_cli.h"
#include "cli.h"
#include "csv_posts.h"
#include "ingest.h"
#include "input.h"
#include "junkai/limits.h"

#define IMPORT_BATCH 10000

static const char import_usage[] =
    "usage: junkai import [--data DIR] [--rules PATH]… [--input KIND] [--platform NAME] FILE…\n"
    "\n"
    "Store posts from FILEs (\"-\" for standard input) in the data directory,\n"
    "scanning each with the rule packs and storing its detections. JSONL\n"
    "objects need \"id\" and \"text\" and may carry \"platform\", \"url\",\n"
    "\"author\", \"posted_at\" and \"lang\"; a plain-text line is a post whose id\n"
    "is FILE:LINE. Posts already stored are not added twice.\n"
    "\n"
    "  --data DIR       data directory (default: $JUNKAI_DATA, else ./junkai-data)\n"
    "  --rules PATH     rule pack file or directory (repeatable; default: shipped)\n"
    "  --input KIND     text, jsonl, csv or auto (default: auto, per file; a .csv\n"
    "                   file is CSV with a header row naming id, text, …)\n"
    "  --platform NAME  platform of posts that do not name one (default: import)\n";

typedef struct csv_import {
    jk_ingest *in;
    const char *path;
    const char *platform;
    int64_t run_id;
    long in_batch;
    int status;
} csv_import;

static void csv_bad(void *p, unsigned long record, const char *why)
{
    csv_import *c = p;
    jk_cli_error("%s: record %lu: %s; skipped", c->path, record, why);
    c->in->skipped++;
}

static int csv_post(void *p, jk_item_in *item, unsigned long record)
{
    csv_import *c = p;
    jk_error err;
    if (!item->platform)
        item->platform = c->platform;
    item->run_id = c->run_id;
    int rc = jk_ingest_post(c->in, item, &err);
    if (rc == JK_ELIMIT) {
        jk_cli_error("%s: record %lu: %s; skipped", c->path, record, err.message);
    } else if (rc || (++c->in_batch == IMPORT_BATCH &&
                      (jk_store_commit(c->in->store, &err) || jk_store_begin(c->in->store, &err)))) {
        jk_cli_error("%s: record %lu: %s", c->path, record, err.message);
        c->status = JK_EXIT_ERROR;
        return 1;
    }
    if (c->in_batch == IMPORT_BATCH)
        c->in_batch = 0;
    return 0;
}

/* CSV records may hold newlines, so they do not go through the line
 * reader: libcsv reads the stream (src/collect/csv_posts.c). */
static int import_csv(jk_ingest *in, FILE *fp, const char *path, const char *platform,
                      int64_t run_id)
{
    csv_import c = {in, path, platform, run_id, 0, 0};
    jk_error err;
    if (jk_store_begin(in->store, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (jk_csv_posts(fp, csv_post, csv_bad, &c, &err)) {
        jk_cli_error("%s: %s", path, err.message);
        c.status = JK_EXIT_ERROR;
    }
    if (jk_store_commit(in->store, &err)) {
        jk_cli_error("%s", err.message);
        jk_store_rollback(in->store);
        c.status = JK_EXIT_ERROR;
    }
    return c.status;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int import_file(jk_ingest *in, const char *path, jk_input_kind forced,
                       const char *platform, int64_t run_id)
{
    jk_store *store = in->store;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        jk_cli_error("%s: cannot open", path);
        return JK_EXIT_ERROR;
    }
    if (forced == JK_INPUT_CSV || (forced == JK_INPUT_AUTO && ends_with(path, ".csv"))) {
        int st = import_csv(in, fp, path, platform, run_id);
        if (fp != stdin)
            fclose(fp);
        return st;
    }
    jk_line_reader reader;
    jk_line_reader_init(&reader, fp, JK_MAX_LINE_BYTES);
    jk_input_kind kind = forced;
    if (kind == JK_INPUT_AUTO) {
        const char *head;
        size_t len;
        kind = jk_line_reader_peek(&reader, &head, &len) == JK_OK ? jk_input_sniff(head, len)
                                                                 : JK_INPUT_TEXT;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    jk_buf msg;
    jk_buf_init(&msg, 4096);
    jk_error err;
    int status = 0, rc;
    long in_batch = 0;
    const char *line;
    size_t len;
    if (jk_store_begin(store, &err)) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
        goto done;
    }
    while ((rc = jk_line_reader_next(&reader, &line, &len)) != 0) {
        char place[512], local_id[512];
        snprintf(place, sizeof place, "%s:%lu", path, reader.line_no);
        if (rc < 0) {
            jk_cli_error("%s: %s; skipped", place,
                         rc == JK_ELIMIT ? "line too long" : "read error");
            in->skipped++;
            if (rc != JK_ELIMIT)
                break;
            continue;
        }
        jk_item_in item;
        memset(&item, 0, sizeof item);
        item.run_id = run_id;
        item.raw = line;
        item.raw_len = len;
        json_t *object = NULL;
        if (kind == JK_INPUT_JSONL) {
            if (len == 0)
                continue;
            jk_buf_reset(&msg);
            if (jk_ingest_parse_jsonl(line, len, &item, &object, local_id, sizeof local_id,
                                      &msg)) {
                jk_cli_error("%s: %s; skipped", place, msg.data);
                in->skipped++;
                continue;
            }
        } else {
            if (len == 0)
                continue;
            snprintf(local_id, sizeof local_id, "%s:%lu", base, reader.line_no);
            item.external_id = local_id;
            item.text = line;
            item.text_len = len;
        }
        if (!item.platform)
            item.platform = platform;
        int rc2 = jk_ingest_post(in, &item, &err);
        json_decref(object);
        if (rc2 == JK_ELIMIT) {
            jk_cli_error("%s: %s; skipped", place, err.message);
        } else if (rc2) {
            jk_cli_error("%s: %s", place, err.message);
            status = JK_EXIT_ERROR;
            break;
        }
        if (++in_batch == IMPORT_BATCH) {
            if (jk_store_commit(store, &err) || jk_store_begin(store, &err)) {
                jk_cli_error("%s", err.message);
                status = JK_EXIT_ERROR;
                break;
            }
            in_batch = 0;
        }
    }
    if (status == 0 && jk_store_commit(store, &err)) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
    }
    if (status)
        jk_store_rollback(store);
done:
    jk_buf_release(&msg);
    jk_line_reader_release(&reader);
    if (fp != stdin)
        fclose(fp);
    return status;
}

int cmd_import(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},
        {"input", required_argument, NULL, 'i'},
        {"platform", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *platform = "import";
    char **rules = NULL;
    size_t rule_count = 0, rule_cap = 0;
    jk_input_kind kind = JK_INPUT_AUTO;
    int status = JK_EXIT_ERROR;
    jk_engine eng;
    memset(&eng, 0, sizeof eng);
    jk_store *store = NULL;
    jk_ingest in;
    memset(&in, 0, sizeof in);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'p': platform = optarg; break;
        case 'r':
            jk_grow((void **)&rules, &rule_cap, rule_count + 1, sizeof *rules);
            rules[rule_count++] = optarg;
            break;
        case 'i':
            if (strcmp(optarg, "text") == 0)
                kind = JK_INPUT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0)
                kind = JK_INPUT_JSONL;
            else if (strcmp(optarg, "csv") == 0)
                kind = JK_INPUT_CSV;
            else if (strcmp(optarg, "auto") != 0) {
                jk_cli_error("--input must be text, jsonl, csv or auto, not \"%s\"", optarg);
                goto done;
            }
            break;
        case 'h':
            fputs(import_usage, stdout);
            status = JK_EXIT_OK;
            goto done;
        default:
            fputs(import_usage, stderr);
            goto done;
        }
    }
    if (optind == argc) {
        jk_cli_error("import needs at least one FILE (\"-\" for standard input)");
        goto done;
    }
    if (jk_open_data_store(jk_data_dir(data), &store))
        goto done;
    if (jk_engine_load(&eng, rules, rule_count) || jk_engine_compile(&eng))
        goto done;
    jk_error err;
    if (jk_ingest_init(&in, store, eng.scanner, eng.rules, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    int64_t run_id = 0;
    if (jk_store_run_start(store, "import", &run_id, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    status = JK_EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (import_file(&in, argv[i], kind, platform, run_id))
            status = JK_EXIT_ERROR;
    char what[32];
    snprintf(what, sizeof what, "run:%lld", (long long)run_id);
    if (jk_store_run_finish(store, run_id, in.fresh, in.seen, in.hits, in.skipped, &err) ||
        jk_cli_audit_record(store, jk_data_dir(data), "import", what, &err,
                            "{s:I, s:I, s:I, s:I, s:i}", "fresh", (json_int_t)in.fresh, "seen",
                            (json_int_t)in.seen, "hits", (json_int_t)in.hits, "skipped",
                            (json_int_t)in.skipped, "files", argc - optind)) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
    }
    printf("imported %ld new items (%ld already stored), %ld with hits, %ld lines skipped\n",
           in.fresh, in.seen, in.hits, in.skipped);
    if (eng.pack_errors)
        status = JK_EXIT_ERROR;
done:
    jk_ingest_release(&in);
    jk_engine_release(&eng);
    jk_store_close(store);
    free(rules);
    return status;
}
