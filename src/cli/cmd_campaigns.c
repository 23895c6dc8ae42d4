/*
 * cmd_campaigns.c — `junkai campaigns`: the groups of stored items linked
 * by shared indicators, largest first, with their categories, when they
 * were seen and the indicators that hold them together.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "campaign.h"
#include "cli.h"

static const char campaigns_usage[] =
    "usage: junkai campaigns [--data DIR] [--min-size N] [--max-share N] [--top N]\n"
    "                        [--limit N] [--format text|jsonl]\n"
    "\n"
    "List campaigns: groups of stored items connected through shared indicators\n"
    "(the same LINE ID, Telegram handle, phone, wallet, bank account, URL or site),\n"
    "largest first. Each shows its size, the categories detected in its items,\n"
    "when it was first and last seen (posted_at, else fetched_at) and the\n"
    "indicators linking it, most items first. A campaign's number is its lowest\n"
    "item number: 'junkai links NUMBER' shows its items. docs/campaigns.md says\n"
    "what links and what is ignored.\n"
    "\n"
    "  --min-size N     only campaigns of at least N items (default 2)\n"
    "  --max-share N    an indicator held by more than N items is too common to\n"
    "                   link them (default 500)\n"
    "  --top N          indicators shown per campaign (default 5)\n"
    "  --limit N        at most N campaigns (default: all)\n"
    "  --format jsonl   {\"campaign\",\"size\",\"categories\",\"first_seen\",\"last_seen\",\n"
    "                   \"indicators\":[{\"type\",\"value\",\"items\"}],\"items\"} per line\n"
    "                   (default when standard output is not a terminal)\n"
    "\n"
    "Exit status: 0 when a campaign was listed, 1 when none, 2 on error.\n";

static void print_campaign(jk_buf *b, bool jsonl, const jk_campaign *c,
                           const jk_campaign_summary *sum, size_t top)
{
    size_t shown = c->indicator_count < top ? c->indicator_count : top;
    jk_buf_reset(b);
    if (!jsonl) {
        jk_buf_printf(b, "campaign %lld  %zu items  %s .. %s", (long long)c->id, c->size,
                      sum->first_seen, sum->last_seen);
        for (int k = 0; k < JK_CATEGORY_COUNT; k++)
            if (sum->categories & (1u << k))
                jk_buf_printf(b, "  [%s]", jk_category_id((jk_category)k));
        jk_buf_puts(b, "\n ");
        for (size_t i = 0; i < shown; i++)
            jk_buf_printf(b, "%s %s %s (%zu)", i ? "," : "",
                          jk_indicator_type_name(c->indicators[i]->type),
                          c->indicators[i]->value, c->indicators[i]->items);
        if (shown < c->indicator_count)
            jk_buf_printf(b, ", %zu more", c->indicator_count - shown);
        jk_buf_putc(b, '\n');
        return;
    }
    jk_buf_printf(b, "{\"campaign\":%lld,\"size\":%zu,\"categories\":[", (long long)c->id,
                  c->size);
    bool first = true;
    for (int k = 0; k < JK_CATEGORY_COUNT; k++)
        if (sum->categories & (1u << k)) {
            jk_buf_printf(b, "%s\"%s\"", first ? "" : ",", jk_category_id((jk_category)k));
            first = false;
        }
    jk_buf_puts(b, "],\"first_seen\":\"");
    jk_buf_json_string(b, sum->first_seen, strlen(sum->first_seen));
    jk_buf_puts(b, "\",\"last_seen\":\"");
    jk_buf_json_string(b, sum->last_seen, strlen(sum->last_seen));
    jk_buf_puts(b, "\",\"indicators\":[");
    for (size_t i = 0; i < shown; i++) {
        jk_buf_printf(b, "%s{\"type\":\"%s\",\"value\":\"", i ? "," : "",
                      jk_indicator_type_name(c->indicators[i]->type));
        jk_buf_json_string(b, c->indicators[i]->value, strlen(c->indicators[i]->value));
        jk_buf_printf(b, "\",\"items\":%zu}", c->indicators[i]->items);
    }
    jk_buf_puts(b, "],\"items\":[");
    for (size_t i = 0; i < c->size; i++)
        jk_buf_printf(b, "%s%lld", i ? "," : "", (long long)c->items[i]);
    jk_buf_puts(b, "]}\n");
}

int cmd_campaigns(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"min-size", required_argument, NULL, 's'},
        {"max-share", required_argument, NULL, 'm'},
        {"top", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    bool jsonl = !isatty(STDOUT_FILENO);
    unsigned long min_size = 2, top = 5, limit = 0, n;
    jk_link_options lopt = {0};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 's':
            if (!jk_parse_uint(optarg, 100000000, &min_size) || min_size < 2) {
                jk_cli_error("--min-size must be a number from 2 to 100000000");
                return JK_EXIT_ERROR;
            }
            break;
        case 'm':
            if (!jk_parse_uint(optarg, 100000000, &n) || n < 2) {
                jk_cli_error("--max-share must be a number from 2 to 100000000");
                return JK_EXIT_ERROR;
            }
            lopt.max_share = n;
            break;
        case 't':
            if (!jk_parse_uint(optarg, 1000, &top)) {
                jk_cli_error("--top must be a number from 0 to 1000");
                return JK_EXIT_ERROR;
            }
            break;
        case 'l':
            if (!jk_parse_uint(optarg, 100000000, &limit) || limit == 0) {
                jk_cli_error("--limit must be a number from 1 to 100000000");
                return JK_EXIT_ERROR;
            }
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "text") == 0)
                jsonl = optarg[0] == 'j';
            else {
                jk_cli_error("--format must be text or jsonl");
                return JK_EXIT_ERROR;
            }
            break;
        case 'h': fputs(campaigns_usage, stdout); return JK_EXIT_OK;
        default: fputs(campaigns_usage, stderr); return JK_EXIT_ERROR;
        }
    }
    if (optind != argc) {
        jk_cli_error("campaigns takes no arguments; see 'junkai campaigns --help'");
        return JK_EXIT_ERROR;
    }
    jk_store *store;
    if (jk_open_data_store(jk_data_dir(data), &store))
        return JK_EXIT_ERROR;
    int status = JK_EXIT_ERROR;
    jk_error err;
    jk_linkage *lk = NULL;
    jk_buf out;
    jk_buf_init(&out, 0);
    if (jk_linkage_build(store, &lopt, &lk, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    size_t listed = 0, count = jk_linkage_campaign_count(lk);
    /* campaigns come largest first: the first one too small ends the list */
    for (size_t i = 0; i < count && (!limit || listed < limit); i++) {
        jk_campaign c;
        jk_linkage_campaign(lk, i, &c);
        if (c.size < min_size)
            break;
        jk_campaign_summary sum;
        if (jk_campaign_summarize(store, &c, &sum, &err)) {
            jk_cli_error("%s", err.message);
            goto done;
        }
        print_campaign(&out, jsonl, &c, &sum, top);
        fwrite(out.data, 1, out.len, stdout);
        listed++;
    }
    if (fflush(stdout) != 0) {
        jk_cli_error("writing the output: %s", strerror(errno));
        goto done;
    }
    if (jk_linkage_common_count(lk))
        fprintf(stderr,
                "junkai: %zu indicators held by more than %zu items were too common to link"
                " (--max-share)\n",
                jk_linkage_common_count(lk), jk_linkage_max_share(lk));
    status = listed ? JK_EXIT_OK : JK_EXIT_NOHIT;
done:
    jk_buf_release(&out);
    jk_linkage_free(lk);
    jk_store_close(store);
    return status;
}
