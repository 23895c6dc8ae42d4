/*
 * cmd_patrol.c — `junkai patrol`: run every due source through its
 * collector into the store. `--once` makes one pass; without it the patrol
 * runs until SIGTERM or SIGINT, finishing the batch in flight (its cursor
 * saved) before it exits. `--source NAME` runs that one source now, due or
 * not, once (the workbench's "run now" starts exactly this as a child).
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "audit_cli.h"
#include "automation.h"
#include "cli.h"
#include "collect.h"
#include "config.h"
#include "evidence.h"
#include "recheck_cli.h"

static const char patrol_usage[] =
    "usage: junkai patrol [--once] [--source NAME] [--data DIR] [--rules PATH]…\n"
    "\n"
    "Run every due source (see 'junkai source') through its collector: new\n"
    "posts are scanned and stored with their detections, each batch committed\n"
    "with the source's cursor, so a patrol killed at any moment resumes where\n"
    "it stopped and stores nothing twice. --once makes one pass and exits;\n"
    "otherwise the patrol runs until SIGTERM or SIGINT, and between passes\n"
    "also sends the due report submissions (see 'junkai report') and writes\n"
    "yesterday's summary once a day (see 'junkai summary'). Each pass also\n"
    "runs the removal checks that have fallen due (at most 100; see 'junkai\n"
    "recheck'). Log lines go to standard error.\n"
    "\n"
    "  --source NAME   run only that source, now (due or not), once; the audit\n"
    "                  entry names it (target source:NAME) with its outcome\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct source_list {
    jk_source *items;
    size_t count, cap;
} source_list;

/* Copy each row: the store's strings live only during the callback. */
static int keep_source(void *ctx, const jk_source *s)
{
    source_list *l = ctx;
    jk_grow((void **)&l->items, &l->cap, l->count + 1, sizeof *l->items);
    jk_source *d = &l->items[l->count++];
    *d = *s;
    d->kind = jk_strdup(s->kind ? s->kind : "");
    d->name = jk_strdup(s->name ? s->name : "");
    d->target = jk_strdup(s->target ? s->target : "");
    d->query = s->query ? jk_strdup(s->query) : NULL;
    d->state = s->state ? jk_strdup(s->state) : NULL;
    d->last_run_at = NULL; /* not read here; the rows' strings are gone after the call */
    d->last_attempt_at = NULL;
    d->last_outcome = NULL;
    return 0;
}

static void free_sources(source_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free((char *)l->items[i].kind);
        free((char *)l->items[i].name);
        free((char *)l->items[i].target);
        free((char *)l->items[i].query);
        free((char *)l->items[i].state);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* What a terminal shows while a patrol runs: one status line, redrawn in
 * place, with log lines scrolling above it. Off a terminal there is no
 * status line, only the log. */
typedef struct progress {
    bool tty;
    bool shown; /* a status line is on screen */
    const jk_ingest *in;
    size_t due, done;
    const char *source; /* the one running, or NULL */
    time_t drawn;
} progress;

static void progress_clear(progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        p->shown = false;
    }
}

static void progress_draw(progress *p, bool force)
{
    if (!p->tty)
        return;
    time_t now = time(NULL);
    if (!force && p->shown && now == p->drawn)
        return; /* at most once a second between sources */
    p->drawn = now;
    fprintf(stderr, "\r\033[Kpatrol: sources %zu/%zu · items %ld new, %ld seen · %ld with hits%s%s",
            p->done, p->due, p->in->fresh, p->in->seen, p->in->hits, p->source ? " · now: " : "",
            p->source ? p->source : "");
    fflush(stderr);
    p->shown = true;
}

static void log_line(void *ctx, const char *message)
{
    progress *p = ctx;
    if (p)
        progress_clear(p);
    fprintf(stderr, "junkai: %s\n", message);
    if (p)
        progress_draw(p, true);
}

static void on_batch(void *ctx)
{
    progress_draw(ctx, false);
}

/* Whether a source is run in this pass: the one named (due or not), or
 * every due one. */
static bool runs_now(const jk_source *s, const char *only, int64_t now)
{
    if (only)
        return strcmp(s->name, only) == 0;
    return !(s->last_run_unix && now - s->last_run_unix < s->every_seconds);
}

/* One pass over the due sources (only: just that one); returns the number
 * of errors. outcome receives the last source's log line. */
static long patrol_pass(jk_store *store, jk_ingest *in, jk_http *http, progress *prog,
                        jk_evidence_sink *evidence, const char *only, int64_t *ran, char *outcome,
                        size_t outcome_size)
{
    source_list sources = {0};
    jk_error err;
    long errors = 0;
    *ran = 0;
    if (jk_store_source_list(store, keep_source, &sources, &err)) {
        jk_cli_error("%s", err.message);
        return 1;
    }
    int64_t now = (int64_t)time(NULL);
    int64_t run_id = 0;
    prog->due = prog->done = 0;
    for (size_t i = 0; i < sources.count; i++)
        prog->due += runs_now(&sources.items[i], only, now);
    if (only && !prog->due) {
        jk_cli_error("no source named \"%s\" (see 'junkai source list')", only);
        snprintf(outcome, outcome_size, "no source named \"%s\"", only);
        free_sources(&sources);
        return 1;
    }
    for (size_t i = 0; i < sources.count && !stop_requested; i++) {
        jk_source *s = &sources.items[i];
        if (!runs_now(s, only, now))
            continue;
        prog->source = s->name;
        progress_draw(prog, true);
        if (!run_id && jk_store_run_start(store, "patrol", &run_id, &err)) {
            jk_cli_error("%s", err.message);
            errors++;
            break;
        }
        long before_new = in->fresh, before_seen = in->seen;
        jk_collect_ctx ctx = {in,   run_id,   log_line, prog,    &stop_requested,
                              http, on_batch, prog,     evidence};
        bool keep_evidence = true;
        if (jk_store_source_evidence(store, s->id, &keep_evidence, &err))
            log_line(prog, err.message); /* keeps the default: preserved */
        jk_evidence_sink_source(evidence, run_id, s->id, s->name, keep_evidence);
        const jk_collector *collector = jk_collector_find(s->kind);
        int rc;
        if (collector)
            rc = collector->run(&ctx, s, &err);
        else
            rc = jk_error_set(&err, JK_EINVAL, "source %s: no collector for kind \"%s\"", s->name,
                              s->kind);
        (*ran)++;
        prog->done++;
        prog->source = NULL;
        char line[1200];
        if (rc) {
            snprintf(line, sizeof line, "error: %s", err.message);
            errors++;
        } else {
            snprintf(line, sizeof line, "source %s: %ld new, %ld already stored", s->name,
                     in->fresh - before_new, in->seen - before_seen);
        }
        if (stop_requested && !rc)
            snprintf(line + strlen(line), sizeof line - strlen(line), " (interrupted)");
        log_line(prog, line);
        snprintf(outcome, outcome_size, "%s", line);
        /* the source's own record of how it went, for `source list` and
         * the sources screen; a failure to save it is logged, not fatal */
        if (jk_store_source_outcome(store, s->id, rc == 0, line, &err))
            log_line(prog, err.message);
    }
    jk_evidence_sink_source(evidence, 0, 0, NULL, false);
    if (run_id && jk_store_run_finish(store, run_id, in->fresh, in->seen, in->hits, errors, &err))
        errors++;
    free_sources(&sources);
    progress_clear(prog);
    return errors;
}

int cmd_patrol(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'}, {"rules", required_argument, NULL, 'r'},
        {"once", no_argument, NULL, 'o'},       {"source", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *only = NULL;
    bool once = false;
    char **rules = NULL;
    size_t rule_count = 0, rule_cap = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            once = true;
            break;
        case 's':
            only = optarg;
            once = true;
            break; /* "run it now" is one run */
        case 'r':
            jk_grow((void **)&rules, &rule_cap, rule_count + 1, sizeof *rules);
            rules[rule_count++] = optarg;
            break;
        case 'h':
            fputs(patrol_usage, stdout);
            free(rules);
            return JK_EXIT_OK;
        default:
            fputs(patrol_usage, stderr);
            free(rules);
            return JK_EXIT_ERROR;
        }
    }
    /* Handlers first: a signal while the rule packs load still means
     * "stop after what is in flight", not death. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int status = JK_EXIT_ERROR;
    jk_engine eng;
    memset(&eng, 0, sizeof eng);
    jk_store *store = NULL;
    jk_ingest in;
    memset(&in, 0, sizeof in);
    jk_error err;
    jk_config cfg;
    jk_http *http = NULL;
    jk_evidence_sink *evidence = NULL;
    if (jk_config_load(jk_data_dir(data), &cfg, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    if (cfg.x_bearer_token && *cfg.x_bearer_token)
        setenv("JUNKAI_X_BEARER_TOKEN", cfg.x_bearer_token, 0); /* the environment wins */
    if (jk_open_data_store(jk_data_dir(data), &store))
        goto done;
    /* --rules replaces the packs named in junkai.yaml */
    if (rule_count ? jk_engine_load(&eng, rules, rule_count)
                   : jk_engine_load(&eng, cfg.rules, cfg.rule_count))
        goto done;
    if (jk_engine_compile(&eng))
        goto done;
    if (jk_ingest_init(&in, store, eng.scanner, eng.rules, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    progress prog = {isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0,
                     false,
                     &in,
                     0,
                     0,
                     NULL,
                     0};
    /* every exchange of every collector is preserved as a WARC file unless
     * its source was added with --no-evidence; SIGTERM ends a transfer
     * under way */
    if (jk_config_http_evidence(&cfg, jk_data_dir(data), store, log_line, &prog, &stop_requested,
                                &http, &evidence, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    long errors = 0;
    jk_automation *automation =
        once ? NULL : jk_automation_new(store, jk_data_dir(data), &cfg, log_line, &prog);
    char started[32], outcome[1200] = "";
    time_t t0 = time(NULL);
    struct tm tm0;
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t0, &tm0));
    do {
        int64_t ran;
        long evidence_errors = jk_evidence_sink_errors(evidence);
        errors +=
            patrol_pass(store, &in, http, &prog, evidence, only, &ran, outcome, sizeof outcome);
        /* removal checks of reported items that have fallen due (not when
         * one source is run by hand) */
        if (!stop_requested && !only)
            errors += jk_cli_recheck_tick(store, jk_data_dir(data), http, evidence, eng.norm, &cfg,
                                          &stop_requested, log_line, &prog, 100);
        errors += jk_evidence_sink_errors(evidence) - evidence_errors;
        if (once)
            break;
        errors += jk_automation_tick(automation, &stop_requested); /* submissions, summary */
        for (int s = 0; s < 5 && !stop_requested; s++)
            sleep(1); /* the next source may become due */
    } while (!stop_requested);
    fprintf(stderr,
            "junkai: patrol %s: %ld new items, %ld already stored, %ld with hits, "
            "%ld skipped, %ld errors, %ld evidence files\n",
            stop_requested ? "stopped" : "done", in.fresh, in.seen, in.hits, in.skipped, errors,
            jk_evidence_sink_written(evidence));
    status = errors || eng.pack_errors ? JK_EXIT_ERROR : JK_EXIT_OK;
    /* one source run on its own is that source's record: targeted, with
     * the outcome its log line gave (the workbench's source list shows it) */
    char target[300] = "";
    if (only)
        snprintf(target, sizeof target, "source:%s", only);
    int audit_rc =
        only
            ? jk_cli_audit_record(store, jk_data_dir(data), "patrol", target, &err,
                                  "{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "started",
                                  started, "stopped", stop_requested != 0, "fresh",
                                  (json_int_t)in.fresh, "seen", (json_int_t)in.seen, "hits",
                                  (json_int_t)in.hits, "skipped", (json_int_t)in.skipped, "errors",
                                  (json_int_t)errors, "evidence_files",
                                  (json_int_t)jk_evidence_sink_written(evidence), "source", only,
                                  "outcome", outcome)
            : jk_cli_audit_record(store, jk_data_dir(data), "patrol", "", &err,
                                  "{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "started", started,
                                  "stopped", stop_requested != 0, "fresh", (json_int_t)in.fresh,
                                  "seen", (json_int_t)in.seen, "hits", (json_int_t)in.hits,
                                  "skipped", (json_int_t)in.skipped, "errors", (json_int_t)errors,
                                  "evidence_files", (json_int_t)jk_evidence_sink_written(evidence));
    if (audit_rc) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
    }
    jk_automation_free(automation);
done:
    jk_http_free(http);
    jk_evidence_sink_free(evidence);
    jk_config_release(&cfg);
    jk_ingest_release(&in);
    jk_engine_release(&eng);
    jk_store_close(store);
    free(rules);
    return status;
}
