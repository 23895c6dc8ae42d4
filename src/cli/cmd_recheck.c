/*
 * cmd_recheck.c — `junkai recheck`: the removal checks of reported items.
 * Due checks (or one item's, --item) are fetched and judged
 * (src/collect/recheck.h), each result printed, recorded and audited on
 * the case's history in one batch. Also the runner the patrol daemon calls
 * every tick (recheck_cli.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "audit_cli.h"
#include "civil.h"
#include "cli.h"
#include "config.h"
#include "evidence.h"
#include "recheck_cli.h"

static const char recheck_usage[] =
    "usage: junkai recheck [--data DIR] [--once] [--now UNIX|ISO] [--item ID]\n"
    "                      [--format text|json]\n"
    "\n"
    "Removal checks: every item a sent report covers is fetched again on a\n"
    "schedule — first 24 hours after the report, then at intervals doubling up\n"
    "to 7 days, none after 90 days (junkai.yaml \"removal:\" first_hours,\n"
    "max_hours, stop_days) — and judged:\n"
    "  removed  404/410 (http_404, http_410); the matched passages no longer on\n"
    "           the page (text_gone: a platform's \"deleted\" page too); a board\n"
    "           post's number gone (post_gone) or the thread archived\n"
    "           (thread_archived); Mastodon 404, Misskey NO_SUCH_NOTE\n"
    "           (no_such_note), X \"Not Found Error\" (not_found_error)\n"
    "  present  the content is still there; the next check backs off\n"
    "  unknown  network error, 5xx, 429, robots.txt or the address check\n"
    "           refusing; checked again, never counted as removed\n"
    "A case whose reported items are all gone becomes \"removed\". Each result\n"
    "is printed, recorded, kept as WARC evidence of the fetch and written to\n"
    "the audit log on the case's history.\n"
    "\n"
    "  --once         run the due checks and exit (else: every minute until\n"
    "                 SIGTERM/SIGINT; 'junkai patrol' runs them too)\n"
    "  --now T        as if the time were T (seconds since 1970, or\n"
    "                 YYYY-MM-DDTHH:MM:SSZ): which checks are due, when they\n"
    "                 ran, when the next falls; implies --once\n"
    "  --item ID      check this reported item now, due or not; implies --once\n"
    "  --format F     text (default) or json: one JSON object per result\n"
    "\n"
    "Exit 0 when every check ran (whatever its result), 2 on an error.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void jk_cli_recheck_schedule(const jk_config *cfg, jk_recheck_schedule *s)
{
    jk_recheck_schedule_default(s);
    if (cfg->removal.first_hours > 0)
        s->first_seconds = (int64_t)cfg->removal.first_hours * 3600;
    if (cfg->removal.max_hours > 0)
        s->max_seconds = (int64_t)cfg->removal.max_hours * 3600;
    if (cfg->removal.stop_days > 0)
        s->stop_seconds = (int64_t)cfg->removal.stop_days * 86400;
}

/* A token is a header value or a JSON string: nothing that could split a
 * header line goes out. */
static const char *token_env(const char *name, const char *fallback)
{
    const char *t = getenv(name);
    if (!t || !*t)
        t = fallback;
    if (!t || !*t || strpbrk(t, "\r\n"))
        return NULL;
    return t;
}

void jk_cli_recheck_tokens(const jk_config *cfg, jk_recheck_tokens *t)
{
    t->mastodon = token_env("JUNKAI_MASTODON_TOKEN", NULL);
    t->misskey = token_env("JUNKAI_MISSKEY_TOKEN", NULL);
    t->x = token_env("JUNKAI_X_BEARER_TOKEN", cfg ? cfg->x_bearer_token : NULL);
}

static void run_log(jk_recheck_run *run, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void run_log(jk_recheck_run *run, const char *fmt, ...)
{
    char line[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (run->log)
        run->log(run->log_ctx, line);
    else
        fprintf(stderr, "junkai: %s\n", line);
}

typedef struct case_status {
    char status[16];
} case_status;

static int copy_status(void *ctx, const jk_case *c)
{
    snprintf(((case_status *)ctx)->status, sizeof((case_status *)ctx)->status, "%s", c->status);
    return 0;
}

/* The result as one line of text or JSON. */
static void print_result(jk_recheck_run *run, const jk_removal_row *row,
                         const jk_recheck_result *res, json_t *evidence, bool case_removed)
{
    const jk_recheck_verdict *v = &res->verdict;
    char checked[21], next[21];
    jk_utc_format(res->checked_unix, checked);
    if (res->next_check_unix)
        jk_utc_format(res->next_check_unix, next);
    if (run->json) {
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:s?, s:I, s:s, s:s, s:s, s:s, s:s?, s:f, s:O, s:b}", "item",
                      (json_int_t)row->item_id, "case", (json_int_t)row->case_id, "result",
                      v->result, "reason", v->reason, "status", (json_int_t)v->http_status,
                      "method", res->method, "url", res->url, "detail", v->detail, "checked_at",
                      checked, "next_check_at", res->next_check_unix ? next : NULL,
                      "interval_hours", (double)res->interval_seconds / 3600.0, "evidence",
                      evidence, "case_removed", case_removed);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (text && run->out)
            fprintf(run->out, "%s\n", text);
        else if (text)
            run_log(run, "removal check: %s", text);
        free(text);
        json_decref(o);
        return;
    }
    char when[96];
    if (res->next_check_unix)
        snprintf(when, sizeof when, "next check %s (after %.0f h)", next,
                 (double)res->interval_seconds / 3600.0);
    else
        snprintf(when, sizeof when, "no more checks");
    char where[48] = "";
    if (row->case_id)
        snprintf(where, sizeof where, " (case %lld)", (long long)row->case_id);
    char line[2048];
    snprintf(line, sizeof line, "item %lld%s: %s%s%s — %s %s — %s; %s%s", (long long)row->item_id,
             where, v->result, v->reason ? " " : "", v->reason ? v->reason : "",
             res->method[0] ? res->method : "-", res->url[0] ? res->url : "-", v->detail, when,
             case_removed ? "; every reported item of the case is gone: case removed" : "");
    if (run->out)
        fprintf(run->out, "%s\n", line);
    else
        run_log(run, "removal check: %s", line);
}

/* Record one result with its audit entry, in one batch. */
static int record(jk_recheck_run *run, const jk_removal_row *row, const jk_recheck_result *res,
                  json_t *evidence, bool *case_removed, jk_error *err)
{
    *case_removed = false;
    int rc = jk_store_begin(run->store, err);
    if (rc)
        return rc;
    rc = jk_recheck_record(run->store, run->check->evidence, row, res, err);
    case_status cs = {""};
    if (!rc && row->case_id && strcmp(res->verdict.result, "removed") == 0)
        rc = jk_store_case_get(run->store, row->case_id, copy_status, &cs, err);
    *case_removed = !rc && strcmp(cs.status, "removed") == 0;
    char target[48];
    if (row->case_id)
        snprintf(target, sizeof target, "case:%lld", (long long)row->case_id);
    else
        snprintf(target, sizeof target, "item:%lld", (long long)row->item_id);
    char checked[21], next[21];
    jk_utc_format(res->checked_unix, checked);
    if (res->next_check_unix)
        jk_utc_format(res->next_check_unix, next);
    const jk_recheck_verdict *v = &res->verdict;
    if (!rc)
        rc = jk_cli_audit_commit(run->store, run->data_dir, "removal.check", target, err,
                                 "{s:I, s:s, s:s?, s:I, s:s, s:s, s:s, s:s?, s:O, s:b}", "item",
                                 (json_int_t)row->item_id, "result", v->result, "reason", v->reason,
                                 "status", (json_int_t)v->http_status, "url", res->url, "detail",
                                 v->detail, "checked_at", checked, "next_check_at",
                                 res->next_check_unix ? next : NULL, "evidence", evidence,
                                 "case_removed", *case_removed);
    if (rc)
        jk_store_rollback(run->store);
    return rc;
}

/* How long a checker holds a due check it took: far beyond one check's
 * fetches and retries, short enough that a crashed checker's checks come
 * back the same day. */
#define CLAIM_SECONDS 900

/* Check rows; with claim (due checks), take each first and skip those
 * another checker took. */
static void check_rows(jk_recheck_run *run, const jk_removal_list *rows, int64_t now_unix,
                       bool claim)
{
    for (size_t i = 0; i < rows->count && !(run->stop && *run->stop); i++) {
        const jk_removal_row *row = &rows->rows[i];
        if (row->removed_at) {
            if (run->out)
                fprintf(run->out, "item %lld: found removed at %s (%s); not checked again\n",
                        (long long)row->item_id, row->removed_at,
                        row->reason ? row->reason : "no reason");
            continue;
        }
        jk_recheck_result res;
        jk_error err;
        jk_error_clear(&err);
        if (claim) {
            bool claimed;
            if (jk_store_removal_claim(run->store, row->item_id, now_unix, CLAIM_SECONDS, &claimed,
                                       &err)) {
                run_log(run, "error: item %lld: %s", (long long)row->item_id, err.message);
                run->errors++;
                continue;
            }
            if (!claimed) { /* a concurrent checker has it, or has done it */
                run->taken_elsewhere++;
                continue;
            }
        }
        if (jk_recheck_item(run->check, row, now_unix, &res, &err)) {
            run_log(run, "error: %s", err.message);
            run->errors++;
            continue;
        }
        /* the files of this check's fetches, before record links them */
        json_t *evidence = json_array();
        size_t n;
        const int64_t *ids = jk_evidence_sink_pending(run->check->evidence, &n);
        for (size_t k = 0; k < n; k++)
            json_array_append_new(evidence, json_integer((json_int_t)ids[k]));
        bool case_removed;
        if (record(run, row, &res, evidence, &case_removed, &err)) {
            run_log(run, "error: item %lld: removal check not recorded: %s",
                    (long long)row->item_id, err.message);
            run->errors++;
            json_decref(evidence);
            continue;
        }
        run->checked++;
        if (strcmp(res.verdict.result, "removed") == 0)
            run->removed++;
        else if (strcmp(res.verdict.result, "present") == 0)
            run->present++;
        else
            run->unknown++;
        print_result(run, row, &res, evidence, case_removed);
        json_decref(evidence);
    }
    if (run->check->evidence)
        jk_evidence_sink_source(run->check->evidence, 0, 0, NULL, false);
}

void jk_cli_recheck_rows(jk_recheck_run *run, const jk_removal_list *rows, int64_t now_unix)
{
    check_rows(run, rows, now_unix, false);
}

long jk_cli_recheck_due(jk_recheck_run *run, int64_t now_unix, size_t batch, int max_passes)
{
    long before = run->checked + run->errors;
    for (int pass = 0; (max_passes <= 0 || pass < max_passes) && !(run->stop && *run->stop);
         pass++) {
        jk_removal_list rows = {0};
        jk_error err;
        if (jk_recheck_due(run->store, now_unix, batch, &rows, &err)) {
            run_log(run, "error: %s", err.message);
            run->errors++;
            jk_removal_list_release(&rows);
            break;
        }
        size_t count = rows.count;
        long errors = run->errors;
        check_rows(run, &rows, now_unix, true);
        jk_removal_list_release(&rows);
        /* a row whose record failed stays due: do not spin on it */
        if (count < batch || run->errors > errors)
            break;
    }
    return run->checked + run->errors - before;
}

long jk_cli_recheck_tick(jk_store *store, const char *data_dir, jk_http *http,
                         jk_evidence_sink *evidence, const jk_normalizer *norm,
                         const jk_config *cfg, volatile sig_atomic_t *stop,
                         void (*log)(void *ctx, const char *message), void *log_ctx, size_t limit)
{
    jk_recheck_ctx check;
    memset(&check, 0, sizeof check);
    check.http = http;
    check.norm = norm;
    check.evidence = evidence;
    jk_cli_recheck_schedule(cfg, &check.schedule);
    jk_cli_recheck_tokens(cfg, &check.tokens);
    jk_recheck_run run;
    memset(&run, 0, sizeof run);
    run.store = store;
    run.data_dir = data_dir;
    run.check = &check;
    run.stop = stop;
    run.log = log;
    run.log_ctx = log_ctx;
    jk_cli_recheck_due(&run, (int64_t)time(NULL), limit, 1);
    return run.errors;
}

/* "1767225600" or "2026-01-01T00:00:00Z" (the Z may be left off). */
static bool parse_time(const char *s, int64_t *out)
{
    unsigned long n;
    if (jk_parse_uint(s, (unsigned long)INT64_MAX, &n)) {
        *out = (int64_t)n;
        return true;
    }
    size_t len = strlen(s);
    if ((len != 19 && !(len == 20 && s[19] == 'Z')) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':')
        return false;
    if (!jk_utc_parse(s, out))
        return false;
    char back[21];
    jk_utc_format(*out, back);
    return strncmp(back, s, 19) == 0; /* no 2026-02-31 */
}

static void log_stderr(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "junkai: %s\n", message);
}

int cmd_recheck(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"once", no_argument, NULL, 'o'},
        {"now", required_argument, NULL, 'n'},
        {"item", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    bool once = false, json = false;
    int64_t now = 0;
    int64_t item = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        unsigned long n;
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            once = true;
            break;
        case 'n':
            if (!parse_time(optarg, &now)) {
                jk_cli_error("--now %s: expected seconds since 1970 or YYYY-MM-DDTHH:MM:SSZ",
                             optarg);
                return JK_EXIT_ERROR;
            }
            once = true;
            break;
        case 'i':
            if (!jk_parse_uint(optarg, (unsigned long)INT64_MAX, &n) || n == 0) {
                jk_cli_error("--item %s: expected an item id", optarg);
                return JK_EXIT_ERROR;
            }
            item = (int64_t)n;
            once = true;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0) {
                json = true;
            } else if (strcmp(optarg, "text") != 0) {
                jk_cli_error("--format must be text or json");
                return JK_EXIT_ERROR;
            }
            break;
        case 'h':
            fputs(recheck_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(recheck_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        jk_cli_error("recheck takes no arguments (\"%s\"); see 'junkai recheck --help'",
                     argv[optind]);
        return JK_EXIT_ERROR;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int status = JK_EXIT_ERROR;
    const char *dir = jk_data_dir(data);
    jk_store *store = NULL;
    jk_normalizer *norm = NULL;
    jk_http *http = NULL;
    jk_evidence_sink *evidence = NULL;
    jk_config cfg;
    jk_error err;
    if (jk_config_load(dir, &cfg, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (jk_open_data_store(dir, &store))
        goto done;
    if (jk_normalizer_new(JK_NORM_ALL, &norm, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    if (jk_config_http_evidence(&cfg, dir, store, log_stderr, NULL, &stop_requested, &http,
                                &evidence, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    jk_recheck_ctx check;
    memset(&check, 0, sizeof check);
    check.http = http;
    check.norm = norm;
    check.evidence = evidence;
    jk_cli_recheck_schedule(&cfg, &check.schedule);
    jk_cli_recheck_tokens(&cfg, &check.tokens);
    jk_recheck_run run;
    memset(&run, 0, sizeof run);
    run.store = store;
    run.data_dir = dir;
    run.check = &check;
    run.stop = &stop_requested;
    run.out = stdout;
    run.json = json;
    run.log = log_stderr;

    if (item) {
        jk_removal_list rows = {0};
        int rc = jk_recheck_get(store, item, &rows, &err);
        if (rc) {
            jk_cli_error("%s", err.message);
            jk_removal_list_release(&rows);
            goto done;
        }
        jk_cli_recheck_rows(&run, &rows, now ? now : (int64_t)time(NULL));
        jk_removal_list_release(&rows);
    } else {
        do {
            int64_t at = now ? now : (int64_t)time(NULL);
            if (jk_cli_recheck_due(&run, at, 200, 0) == 0 && once) {
                char when[21];
                jk_utc_format(at, when);
                fprintf(json ? stderr : stdout, "%sno removal check is due at %s\n",
                        json ? "junkai: " : "", when);
            }
            fflush(run.out);
            for (int s = 0; !once && s < 60 && !stop_requested; s++)
                sleep(1);
        } while (!once && !stop_requested);
    }
    char elsewhere[64] = "";
    if (run.taken_elsewhere)
        snprintf(elsewhere, sizeof elsewhere, ", %ld taken by another checker",
                 run.taken_elsewhere);
    fprintf(stderr,
            "junkai: recheck %s: %ld checked (%ld removed, %ld present, %ld unknown)%s, "
            "%ld errors, %ld evidence files\n",
            stop_requested ? "stopped" : "done", run.checked, run.removed, run.present, run.unknown,
            elsewhere, run.errors, jk_evidence_sink_written(evidence));
    status = run.errors || jk_evidence_sink_errors(evidence) ? JK_EXIT_ERROR : JK_EXIT_OK;
done:
    jk_http_free(http);
    jk_evidence_sink_free(evidence);
    jk_normalizer_free(norm);
    jk_config_release(&cfg);
    jk_store_close(store);
    return status;
}
