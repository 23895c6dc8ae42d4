/*
 * cmd_report.c — `junkai report list|show|submit|send-due|resolve`: a
 * case's reports seen from the command line, and their submission to the
 * destinations of junkai.yaml (src/report/submit.h does the sending).
 * Every write is audited (audit_cli.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "civil.h"
#include "audit_cli.h"
#include "automation.h"
#include "cli.h"
#include "config.h"
#include "junkai/case.h"

static const char report_usage[] =
    "usage: junkai report list [--case ID] [--data DIR]\n"
    "       junkai report show ID [--data DIR]\n"
    "       junkai report submit ID --to DESTINATION [--data DIR]\n"
    "       junkai report send-due [--data DIR]\n"
    "       junkai report resolve ID --retry|--drop [--data DIR]\n"
    "\n"
    "Reports are drafted and approved in the workbench (junkai serve). Here:\n"
    "  list      one tab-separated line per report (newest case first): id,\n"
    "            case, kind, status, submission state (- for none), destination\n"
    "            (- for none), attempts, title. Superseded drafts are left out.\n"
    "  show      a report: its state, fields, text and every submission attempt\n"
    "            with its evidence file.\n"
    "  submit    queue an approved report for a destination of junkai.yaml\n"
    "            (destinations:); the patrol daemon or send-due sends it.\n"
    "  send-due  send the queued submissions that are due now, then exit. Exit\n"
    "            status 0 when every one was delivered or will be retried, 1 when\n"
    "            one failed or is uncertain, 2 on an error (or another sender\n"
    "            running).\n"
    "  resolve   a person's answer to a failed or uncertain submission: --retry\n"
    "            queues it again (same idempotency key), --drop gives up on it\n"
    "            (the report stays approved and can be marked sent by hand).\n"
    "\n"
    "A submission is marked \"sending\" before anything goes out; if junkai dies\n"
    "then, the next run marks it \"uncertain\" and never sends it again by itself.\n"
    "See docs/reports.md.\n";

/* ---- the submission environment (shared with the patrol daemon) ---- */

static void forward_log(void *ctx, const char *line)
{
    jk_cli_submit *s = ctx;
    if (s->log)
        s->log(s->log_ctx, line);
}

static void head_moved(void *ctx)
{
    jk_cli_submit *s = ctx;
    jk_cli_audit_head(s->env.store, s->env.data_dir);
}

void jk_cli_submit_init(jk_cli_submit *s, jk_store *store, const char *data_dir,
                        const jk_config *cfg, jk_cli_log_fn log, void *log_ctx)
{
    memset(s, 0, sizeof *s);
    s->org = (jk_report_org){cfg->org.name,  cfg->org.department, cfg->org.contact_name,
                             cfg->org.email, cfg->org.phone,      cfg->org.address};
    jk_cli_audit_user(s->user, sizeof s->user);
    s->log = log;
    s->log_ctx = log_ctx;
    jk_submit_env *e = &s->env;
    e->store = store;
    e->data_dir = data_dir;
    e->destinations = cfg->destinations;
    e->destination_count = cfg->destination_count;
    e->smtp = cfg->smtp.url ? &cfg->smtp : NULL;
    e->org = &s->org;
    e->user = s->user;
    e->contact = cfg->contact;
    e->max_attempts = cfg->submit_max_attempts;
    e->backoff_seconds = cfg->submit_backoff_seconds;
    e->batch_size = cfg->submit_batch_size > 0 ? (size_t)cfg->submit_batch_size : 0;
    e->timeout_ms = cfg->timeout_ms;
    jk_http_config limits = {0};
    jk_config_http(cfg, &limits);
    e->min_interval_ms = limits.min_interval_ms;
    e->max_body_bytes = cfg->max_body_bytes;
    e->log = forward_log;
    e->committed = head_moved;
    e->ctx = s;
}

/* ---- list and show ---- */

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static int print_report_line(void *ctx, const jk_report_row *r)
{
    (void)ctx;
    printf("%lld\t%lld\t%s\t%s\t%s\t%s\t%ld\t%s\n", (long long)r->id, (long long)r->case_id,
           r->kind, r->status, or_dash(r->submit_state), or_dash(r->destination), r->attempts,
           r->title ? r->title : "");
    return 0;
}

typedef struct case_ids {
    int64_t *ids;
    size_t count, cap;
} case_ids;

static int keep_case(void *ctx, const jk_case *c)
{
    case_ids *l = ctx;
    jk_grow((void **)&l->ids, &l->cap, l->count + 1, sizeof *l->ids);
    l->ids[l->count++] = c->id;
    return 0;
}

static int report_list(jk_store *store, int64_t case_id, jk_error *err)
{
    if (case_id)
        return jk_store_case_reports(store, case_id, false, print_report_line, NULL, err);
    case_ids cases = {0};
    jk_case_filter f = {0};
    int rc = jk_store_case_list(store, &f, keep_case, &cases, err);
    for (size_t i = 0; !rc && i < cases.count; i++)
        rc = jk_store_case_reports(store, cases.ids[i], false, print_report_line, NULL, err);
    free(cases.ids);
    return rc;
}

static int print_report(void *ctx, const jk_report_row *r)
{
    (void)ctx;
    printf("report %lld (case %lld)\n", (long long)r->id, (long long)r->case_id);
    printf("kind:        %s (%s)\n", r->kind, r->doc_key ? r->doc_key : "");
    printf("title:       %s\n", r->title ? r->title : "");
    printf("status:      %s\n", r->status);
    printf("drafted:     %s by %s\n", or_dash(r->created_at), or_dash(r->created_by));
    if (r->approved_at)
        printf("approved:    %s by %s\n", r->approved_at, or_dash(r->approved_by));
    if (r->sent_at)
        printf("sent:        %s by %s via %s\n", r->sent_at, or_dash(r->sent_by),
               or_dash(r->sent_via));
    printf("body sha256: %s\n", or_dash(r->body_sha256));
    if (r->submit_state) {
        printf("submission:  %s to %s, %ld attempt%s\n", r->submit_state, or_dash(r->destination),
               r->attempts, r->attempts == 1 ? "" : "s");
        if (r->next_attempt_unix && strcmp(r->submit_state, "retry") == 0) {
            char f[21];
            jk_utc_format(r->next_attempt_unix, f);
            printf("next:        %s\n", f);
        }
        if (r->last_error)
            printf("last error:  %s\n", r->last_error);
    }
    json_t *fields = r->fields_json ? json_loads(r->fields_json, 0, NULL) : NULL;
    json_t *columns = json_object_get(fields, "columns"), *rows = json_object_get(fields, "rows");
    for (size_t k = 0; k < json_array_size(rows); k++) {
        printf("\nfields (row %zu):\n", k + 1);
        for (size_t c = 0; c < json_array_size(columns); c++)
            printf("  %s: %s\n", json_string_value(json_array_get(columns, c)),
                   json_string_value(json_array_get(json_array_get(rows, k), c)));
    }
    json_decref(fields);
    printf("\n%.*s%s", (int)r->body_len, r->body ? r->body : "",
           r->body_len && r->body[r->body_len - 1] == '\n' ? "" : "\n");
    return 0;
}

typedef struct show_ctx {
    jk_store *store;
    long count;
} show_ctx;

static int print_evidence_path(void *ctx, const jk_case_evidence *ev)
{
    (void)ctx;
    printf("    evidence %lld: %s (sha256 %s)\n", (long long)ev->id, or_dash(ev->path),
           or_dash(ev->sha256));
    return 0;
}

static int print_submission(void *ctx, const jk_submission_row *s)
{
    show_ctx *c = ctx;
    if (!c->count++)
        printf("\nsubmission attempts:\n");
    printf("  %ld. %s → %s: %s (%s – %s)\n", s->attempt, or_dash(s->destination),
           s->outcome ? s->outcome : "sending", or_dash(s->detail), or_dash(s->started_at),
           or_dash(s->finished_at));
    jk_error err;
    if (s->evidence_id &&
        jk_store_evidence_get(c->store, s->evidence_id, print_evidence_path, NULL, &err))
        printf("    evidence %lld: %s\n", (long long)s->evidence_id, err.message);
    return 0;
}

/* ---- writes ---- */

typedef struct kind_of {
    char kind[16];
    char status[16];
} kind_of;

static int copy_kind(void *ctx, const jk_report_row *r)
{
    kind_of *k = ctx;
    snprintf(k->kind, sizeof k->kind, "%s", r->kind);
    snprintf(k->status, sizeof k->status, "%s", r->status);
    return 0;
}

static int report_submit(jk_store *store, const char *data_dir, const jk_config *cfg, int64_t id,
                         const char *to)
{
    const jk_destination *d = jk_config_destination(cfg, to);
    if (!d) {
        jk_buf names;
        jk_buf_init(&names, 0);
        for (size_t i = 0; i < cfg->destination_count; i++)
            jk_buf_printf(&names, "%s%s", i ? ", " : "", cfg->destinations[i].name);
        jk_cli_error("%s/junkai.yaml names no destination \"%s\" (%s%s)", data_dir, to,
                     names.len ? "known: " : "destinations: is empty",
                     names.data ? names.data : "");
        jk_buf_release(&names);
        return JK_EXIT_ERROR;
    }
    jk_error err;
    kind_of k = {"", ""};
    int rc = jk_store_report_get(store, id, copy_kind, &k, &err);
    if (!rc && !jk_destination_takes(d, k.kind))
        rc = jk_error_set(&err, JK_EINVAL,
                          "destination %s does not take %s reports (kinds: in "
                          "junkai.yaml)",
                          d->name, k.kind);
    if (!rc)
        rc = jk_store_begin(store, &err);
    if (!rc) {
        char target[32];
        snprintf(target, sizeof target, "report:%lld", (long long)id);
        rc = jk_store_report_queue(store, id, d->name, &err);
        if (!rc)
            rc = jk_cli_audit_commit(store, data_dir, "report.queue", target, &err, "{s:s}",
                                     "destination", d->name);
        if (rc)
            jk_store_rollback(store);
    }
    if (rc) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    printf("report %lld queued for %s (%s %s)\n", (long long)id, d->name,
           jk_destination_type_name(d->type),
           d->type == JK_DEST_SMTP ? (d->to_count ? d->to[0] : "") : d->url);
    return JK_EXIT_OK;
}

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
    fflush(stdout);
}

static int report_send_due(jk_store *store, const char *data_dir, const jk_config *cfg)
{
    jk_cli_submit s;
    jk_cli_submit_init(&s, store, data_dir, cfg, print_line, NULL);
    jk_submit_stats stats;
    jk_error err;
    int rc = jk_submit_run(&s.env, &stats, &err);
    if (rc) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (stats.busy) {
        jk_cli_error("another sender (a patrol daemon or send-due) is running on %s; try again "
                     "when it is done",
                     data_dir);
        return JK_EXIT_ERROR;
    }
    printf("send-due: %ld attempted: %ld delivered, %ld to retry, %ld failed, %ld uncertain%s\n",
           stats.attempted, stats.delivered, stats.retry, stats.failed, stats.uncertain,
           stats.recovered ? " (and interrupted ones marked uncertain)" : "");
    return stats.failed || stats.uncertain ? 1 : JK_EXIT_OK;
}

static int report_resolve(jk_store *store, const char *data_dir, int64_t id, bool retry)
{
    jk_error err;
    int rc = jk_store_begin(store, &err);
    if (!rc) {
        char target[32];
        snprintf(target, sizeof target, "report:%lld", (long long)id);
        rc = jk_store_submit_resolve(store, id, retry, &err);
        if (!rc)
            rc = jk_cli_audit_commit(store, data_dir, "report.resolve", target, &err, "{s:s}",
                                     "answer", retry ? "retry" : "drop");
        if (rc)
            jk_store_rollback(store);
    }
    if (rc) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    printf(retry ? "report %lld queued again (the same idempotency key goes with it)\n"
                 : "report %lld: submission dropped; the report stays approved\n",
           (long long)id);
    return JK_EXIT_OK;
}

static bool parse_id(const char *s, int64_t *out)
{
    unsigned long v;
    if (!s || !jk_parse_uint(s, 999999999999UL, &v) || v == 0)
        return false;
    *out = (int64_t)v;
    return true;
}

int cmd_report(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"case", required_argument, NULL, 'c'},
        {"to", required_argument, NULL, 't'},
        {"retry", no_argument, NULL, 'r'},
        {"drop", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(report_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? JK_EXIT_ERROR : JK_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *data = NULL, *to = NULL, *case_arg = NULL;
    bool retry = false, drop = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc - 1, argv + 1, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'c':
            case_arg = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'r':
            retry = true;
            break;
        case 'x':
            drop = true;
            break;
        case 'h':
            fputs(report_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(report_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    bool needs_id =
        strcmp(sub, "show") == 0 || strcmp(sub, "submit") == 0 || strcmp(sub, "resolve") == 0;
    bool known = needs_id || strcmp(sub, "list") == 0 || strcmp(sub, "send-due") == 0;
    if (!known) {
        jk_cli_error("'%s' is not a report command (list, show, submit, send-due, resolve)", sub);
        return JK_EXIT_ERROR;
    }
    int64_t id = 0, case_id = 0;
    if (needs_id && (nrest != 1 || !parse_id(rest[0], &id))) {
        jk_cli_error("report %s needs one report id", sub);
        return JK_EXIT_ERROR;
    }
    if (!needs_id && nrest != 0) {
        jk_cli_error("report %s takes no arguments ('%s'?)", sub, rest[0]);
        return JK_EXIT_ERROR;
    }
    if (case_arg && !parse_id(case_arg, &case_id)) {
        jk_cli_error("--case needs a case id, not \"%s\"", case_arg);
        return JK_EXIT_ERROR;
    }
    if (strcmp(sub, "submit") == 0 && !to) {
        jk_cli_error("report submit needs --to DESTINATION");
        return JK_EXIT_ERROR;
    }
    if (strcmp(sub, "resolve") == 0 && retry == drop) {
        jk_cli_error("report resolve needs exactly one of --retry and --drop");
        return JK_EXIT_ERROR;
    }
    const char *dir = jk_data_dir(data);
    jk_config cfg;
    jk_error err;
    if (jk_config_load(dir, &cfg, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    jk_store *store = NULL;
    int status = JK_EXIT_ERROR;
    if (jk_open_data_store(dir, &store))
        goto done;
    if (strcmp(sub, "list") == 0) {
        status = report_list(store, case_id, &err) ? JK_EXIT_ERROR : JK_EXIT_OK;
        if (status)
            jk_cli_error("%s", err.message);
    } else if (strcmp(sub, "show") == 0) {
        show_ctx c = {store, 0};
        int rc = jk_store_report_get(store, id, print_report, NULL, &err);
        if (!rc)
            rc = jk_store_report_submissions(store, id, print_submission, &c, &err);
        status = rc ? JK_EXIT_ERROR : JK_EXIT_OK;
        if (rc)
            jk_cli_error("%s", err.message);
    } else if (strcmp(sub, "submit") == 0) {
        status = report_submit(store, dir, &cfg, id, to);
    } else if (strcmp(sub, "send-due") == 0) {
        status = report_send_due(store, dir, &cfg);
    } else {
        status = report_resolve(store, dir, id, retry);
    }
done:
    jk_store_close(store);
    jk_config_release(&cfg);
    return status;
}
