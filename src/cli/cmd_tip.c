/*
 * cmd_tip.c — `junkai tip URL`: a citizen's tip (通報・相談) as an intake desk
 * enters it — a URL, what it is, how to reach the person — stored as an item
 * of platform "tip" and scanned like any post, so it enters the same queue.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "audit_cli.h"
#include "cli.h"
#include "ingest.h"
#include "tip.h"

static const char tip_usage[] =
    "usage: junkai tip URL [--note TEXT] [--contact TEXT] [--data DIR] [--rules PATH]…\n"
    "\n"
    "Register a tip: the URL and a note of what it is (the text scanned), and\n"
    "optionally how to contact the person who sent it. The same URL and note\n"
    "registered twice are stored once.\n";

int cmd_tip(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"note", required_argument, NULL, 'n'},
        {"contact", required_argument, NULL, 'c'},
        {"rules", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *note = "", *contact = NULL;
    char *rules[16];
    size_t rule_count = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'n': note = optarg; break;
        case 'c': contact = optarg; break;
        case 'r':
            if (rule_count == sizeof rules / sizeof rules[0]) {
                jk_cli_error("too many --rules");
                return JK_EXIT_ERROR;
            }
            rules[rule_count++] = optarg;
            break;
        case 'h':
            fputs(tip_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(tip_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind + 1 != argc || !argv[optind][0]) {
        jk_cli_error("tip needs one URL");
        return JK_EXIT_ERROR;
    }
    jk_tip tip = {argv[optind], note, contact};
    jk_error err;
    if (jk_tip_check(&tip, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    int status = JK_EXIT_ERROR;
    jk_engine eng;
    memset(&eng, 0, sizeof eng);
    jk_store *store = NULL;
    jk_ingest in;
    memset(&in, 0, sizeof in);
    if (jk_open_data_store(jk_data_dir(data), &store))
        goto done;
    if (jk_engine_load(&eng, rules, rule_count) || jk_engine_compile(&eng))
        goto done;
    if (jk_ingest_init(&in, store, eng.scanner, eng.rules, &err))
        goto fail;
    if (jk_store_begin(store, &err))
        goto fail;
    jk_tip_result res;
    int rc = jk_tip_store(store, &in, &tip, &res, &err);
    if (rc && rc != JK_ELIMIT) {
        jk_store_rollback(store);
        goto fail;
    }
    if (jk_cli_audit_commit(store, jk_data_dir(data), "tip.add", tip.url, &err, "{s:b, s:I}",
                            "fresh", res.fresh != 0, "hits", (json_int_t)res.hits)) {
        jk_store_rollback(store);
        goto fail;
    }
    printf("%s tip for %s%s\n", res.fresh ? "registered" : "already registered:", tip.url,
           res.hits ? " (rules hit; it is in the queue with its detections)" : "");
    status = JK_EXIT_OK;
    goto done;
fail:
    jk_cli_error("%s", err.message);
done:
    jk_ingest_release(&in);
    jk_engine_release(&eng);
    jk_store_close(store);
    return status;
}
