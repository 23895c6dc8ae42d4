/*
 * cmd_stats.c — `junkai stats`: what the store holds: items, items hit per
 * category, and counts per platform and per day; text or JSON. With
 * --removals: reported items, those found removed, and the median time to
 * removal per category and per site (host).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "junkai/case.h"

static const char stats_usage[] =
    "usage: junkai stats [--data DIR] [--format text|json] [--removals]\n"
    "\n"
    "Counts from the store: items, items with a hit per category, patrol runs,\n"
    "and items and hits per platform and per day (by fetch date).\n"
    "\n"
    "--removals: instead, the removal checks (see 'junkai recheck') per\n"
    "category and per host of the item's URL: reported items, those found\n"
    "removed, and the median hours from the report to the removal and from\n"
    "discovery (when junkai fetched the item) to the removal (\"-\" / null when\n"
    "none was removed).\n";

typedef struct count_ctx {
    jk_buf *out;
    bool json;
    bool first;
} count_ctx;

static int put_count(void *p, const char *key, long items, long hits)
{
    count_ctx *c = p;
    if (c->json) {
        jk_buf_puts(c->out, c->first ? "{\"key\":\"" : ",{\"key\":\"");
        jk_buf_json_string(c->out, key, strlen(key));
        jk_buf_printf(c->out, "\",\"items\":%ld,\"hits\":%ld}", items, hits);
    } else {
        jk_buf_printf(c->out, "  %-20s %8ld items %8ld hit\n", key, items, hits);
    }
    c->first = false;
    return 0;
}

typedef struct removal_ctx {
    jk_buf *out;
    bool json;
    bool first;
} removal_ctx;

static void put_hours(jk_buf *out, bool json, double hours)
{
    if (hours < 0)
        jk_buf_puts(out, json ? "null" : "       -");
    else
        jk_buf_printf(out, json ? "%.2f" : "%8.1f", hours);
}

static int put_removal(void *p, const jk_removal_stat *r)
{
    removal_ctx *c = p;
    if (c->json) {
        jk_buf_puts(c->out, c->first ? "{\"key\":\"" : ",{\"key\":\"");
        jk_buf_json_string(c->out, r->key, strlen(r->key));
        jk_buf_printf(c->out,
                      "\",\"reported\":%ld,\"removed\":%ld,\"median_hours_reported\":", r->reported,
                      r->removed);
        put_hours(c->out, true, r->median_hours_reported);
        jk_buf_puts(c->out, ",\"median_hours_found\":");
        put_hours(c->out, true, r->median_hours_found);
        jk_buf_putc(c->out, '}');
    } else {
        jk_buf_printf(c->out, "  %-28s %8ld %8ld ", r->key, r->reported, r->removed);
        put_hours(c->out, false, r->median_hours_reported);
        jk_buf_putc(c->out, ' ');
        put_hours(c->out, false, r->median_hours_found);
        jk_buf_putc(c->out, '\n');
    }
    c->first = false;
    return 0;
}

static int removal_stats(jk_store *store, bool json, jk_buf *out, jk_error *err)
{
    removal_ctx ctx = {out, json, true};
    static const char header[] = "  %-28s %8s %8s %8s %8s\n";
    if (json) {
        jk_buf_puts(out, "{\"by_category\":[");
    } else {
        jk_buf_puts(out, "removal checks by category (median hours to removal after the report, "
                         "after discovery):\n");
        jk_buf_printf(out, header, "category", "reported", "removed", "h:report", "h:found");
    }
    int rc = jk_store_removal_stats(store, "category", put_removal, &ctx, err);
    if (rc)
        return rc;
    if (json) {
        jk_buf_puts(out, "],\"by_host\":[");
    } else {
        jk_buf_puts(out, "by host:\n");
        jk_buf_printf(out, header, "host", "reported", "removed", "h:report", "h:found");
    }
    ctx.first = true;
    if ((rc = jk_store_removal_stats(store, "host", put_removal, &ctx, err)))
        return rc;
    if (json)
        jk_buf_puts(out, "]}\n");
    return JK_OK;
}

int cmd_stats(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"removals", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    bool json = false, removals = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'd') {
            data = optarg;
        } else if (ch == 'f') {
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                jk_cli_error("--format must be text or json");
                return JK_EXIT_ERROR;
            }
        } else if (ch == 'r') {
            removals = true;
        } else if (ch == 'h') {
            fputs(stats_usage, stdout);
            return JK_EXIT_OK;
        } else {
            fputs(stats_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    jk_store *store;
    if (jk_open_data_store(jk_data_dir(data), &store))
        return JK_EXIT_ERROR;
    jk_store_stats s;
    jk_error err;
    jk_buf out;
    jk_buf_init(&out, 0);
    count_ctx ctx = {&out, json, true};
    int status = JK_EXIT_OK;
    if (removals) {
        if (removal_stats(store, json, &out, &err))
            goto fail;
        fwrite(out.data, 1, out.len, stdout);
        goto done;
    }
    if (jk_store_stats_get(store, &s, &err)) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
        goto done;
    }
    if (json) {
        jk_buf_printf(&out, "{\"items\":%ld,\"items_hit\":%ld,\"runs\":%ld,\"categories\":{",
                      s.items, s.items_hit, s.runs);
        for (int c = 0; c < JK_CATEGORY_COUNT; c++)
            jk_buf_printf(&out, "%s\"%s\":%ld", c ? "," : "", jk_category_id((jk_category)c),
                          s.category_items[c]);
        jk_buf_puts(&out, "},\"platforms\":[");
    } else {
        jk_buf_printf(&out, "items: %ld, with hits: %ld, patrol runs: %ld\n", s.items,
                      s.items_hit, s.runs);
        for (int c = 0; c < JK_CATEGORY_COUNT; c++)
            if (s.category_items[c])
                jk_buf_printf(&out, "  %-20s %8ld\n", jk_category_id((jk_category)c),
                              s.category_items[c]);
        jk_buf_puts(&out, "by platform:\n");
    }
    if (jk_store_count_by(store, "platform", put_count, &ctx, &err))
        goto fail;
    jk_buf_puts(&out, json ? "],\"days\":[" : "by day:\n");
    ctx.first = true;
    if (jk_store_count_by(store, "day", put_count, &ctx, &err))
        goto fail;
    if (json)
        jk_buf_puts(&out, "]}\n");
    fwrite(out.data, 1, out.len, stdout);
    goto done;
fail:
    jk_cli_error("%s", err.message);
    status = JK_EXIT_ERROR;
done:
    jk_buf_release(&out);
    jk_store_close(store);
    return status;
}
