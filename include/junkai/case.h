/*
 * case.h — cases and what follows a person's confirmation (DESIGN.md,
 * steps 5–7): confirmed items grouped into a case with a category, a
 * status, an assignee and notes; the reports drafted from a case (draft →
 * approved by a supervisor → sent, each sent date kept); their automated
 * submission to a destination (attempts, retries, never twice); and the
 * removal checks of every reported item (when did it disappear).
 *
 * Part of the store (store.h): the same jk_store handle, the same batch
 * rules (writes inside jk_store_begin … jk_store_commit together with
 * their audit entry), strings borrowed for the duration of a callback.
 *
 * Status flow of a case:
 *     new ──▶ confirmed ──▶ reported ──▶ removed
 *      │ ▲        │
 *      ▼ │        ▼
 *    dismissed ◀──┘        (dismissed ──▶ new reopens)
 * "confirmed" follows from the first confirmed item, "reported" from the
 * first report marked sent, "removed" once every reported item is found
 * gone; people may also move a case along the arrows (jk_case_transition).
 */
#ifndef JUNKAI_CASE_H
#define JUNKAI_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "junkai/error.h"
#include "junkai/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether a person may move a case from status `from` to `to` (the arrows
 * above; "reported" only through a sent report). */
bool jk_case_transition(const char *from, const char *to);
/* One of new, confirmed, reported, removed, dismissed. */
bool jk_case_status_valid(const char *status);

typedef struct jk_case {
    int64_t id;
    const char *title;
    const char *category; /* a taxonomy id */
    const char *status;
    const char *assignee; /* an account name; NULL: nobody */
    const char *created_by;
    const char *created_at; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    const char *updated_at;
    const char *reported_at; /* when the first report was sent; NULL */
    const char *removed_at;  /* when the last reported item was found gone */
    long items;              /* how many items it holds */
    long reports;            /* reports not superseded */
} jk_case;
typedef int (*jk_case_fn)(void *ctx, const jk_case *c);

/* A new case; status "new" or "confirmed" (NULL: "new"). */
int jk_store_case_add(jk_store *st, const char *title, const char *category, const char *status,
                      const char *created_by, int64_t *id, jk_error *err);
/* JK_ENOTFOUND when there is no such case. */
int jk_store_case_get(jk_store *st, int64_t id, jk_case_fn fn, void *ctx, jk_error *err);

typedef struct jk_case_filter {
    const char *status;   /* NULL: any */
    const char *category; /* NULL: any */
    const char *assignee; /* NULL: any; "" nobody */
    size_t limit;         /* 0: all */
    size_t offset;
} jk_case_filter;
/* Newest first. */
int jk_store_case_list(jk_store *st, const jk_case_filter *filter, jk_case_fn fn, void *ctx,
                       jk_error *err);

/* Change what is not NULL (assignee "" = nobody). A status change is not
 * checked against jk_case_transition here: the caller decides who may do
 * what. JK_ENOTFOUND. */
typedef struct jk_case_update {
    const char *title;
    const char *category;
    const char *assignee;
    const char *status;
} jk_case_update;
int jk_store_case_update(jk_store *st, int64_t id, const jk_case_update *u, jk_error *err);

/* Put an item into a case (an item belongs to at most one case: JK_EINVAL
 * naming the other case when it is in one already; putting it where it is
 * is a no-op). A "new" case becomes "confirmed". JK_ENOTFOUND for no such
 * case or item. */
int jk_store_case_item_add(jk_store *st, int64_t case_id, int64_t item_id, const char *user,
                           jk_error *err);
/* Take an item out of its case, if it is in one. */
int jk_store_case_item_rm(jk_store *st, int64_t item_id, jk_error *err);
/* The case an item is in; *case_id 0 when none. */
int jk_store_item_case(jk_store *st, int64_t item_id, int64_t *case_id, jk_error *err);
/* The newest open case ("new" or "confirmed") of `category` holding an
 * item that shares an indicator (a phone, LINE ID, wallet, URL… — not a
 * bare domain) with item_id; *case_id 0 when there is none. Where a
 * confirmed item goes when the patroller names no case. */
int jk_store_case_for_linked(jk_store *st, int64_t item_id, const char *category, int64_t *case_id,
                             jk_error *err);

/* Items outside a case sharing an indicator with one of its items (as
 * above), with the shared indicator and the case the other item is in (0:
 * none); at most limit rows. */
typedef struct jk_case_link {
    int64_t item_id;
    const char *type, *value;
    int64_t other_case_id;
} jk_case_link;
typedef int (*jk_case_link_fn)(void *ctx, const jk_case_link *link);
int jk_store_case_links(jk_store *st, int64_t case_id, size_t limit, jk_case_link_fn fn, void *ctx,
                        jk_error *err);

/* A case's items, as the queue shows them, in the order they were added. */
int jk_store_case_items(jk_store *st, int64_t case_id, jk_review_item_fn fn, void *ctx,
                        jk_error *err);

typedef struct jk_case_note {
    int64_t id;
    const char *user;
    const char *text;
    const char *at;
} jk_case_note;
typedef int (*jk_case_note_fn)(void *ctx, const jk_case_note *note);
int jk_store_case_note_add(jk_store *st, int64_t case_id, const char *user, const char *text,
                           int64_t *id, jk_error *err);
/* Oldest first. */
int jk_store_case_notes(jk_store *st, int64_t case_id, jk_case_note_fn fn, void *ctx,
                        jk_error *err);

/* The evidence files of a case's items (WARC of the fetch, screenshots,
 * DOM snapshots…), by item then age. */
typedef struct jk_case_evidence {
    int64_t item_id;
    int64_t id;
    const char *sha256;
    const char *path; /* relative to the data directory */
    const char *kind;
    const char *url;
    const char *created_at;
    int64_t size;
    const char *captured_at; /* when the content was captured (NULL: created_at) */
    const char *operator_;   /* who or what captured it; NULL when not recorded */
} jk_case_evidence;
typedef int (*jk_case_evidence_fn)(void *ctx, const jk_case_evidence *ev);
int jk_store_case_evidence(jk_store *st, int64_t case_id, jk_case_evidence_fn fn, void *ctx,
                           jk_error *err);

/* One evidence file's row (item_id 0 when it names no item);
 * JK_ENOTFOUND. */
int jk_store_evidence_get(jk_store *st, int64_t id, jk_case_evidence_fn fn, void *ctx,
                          jk_error *err);

/* Audit entries whose target is `target` ("case:12"), oldest first: a
 * case's history. */
int jk_store_audit_target(jk_store *st, const char *target, jk_audit_fn fn, void *ctx,
                          jk_error *err);

/* ---- reports ---- */

/* A drafted report document: one of a case's reports of a kind ("ihc",
 * "police", "deletion", "warning"); doc_key says which part of the case
 * it covers ("case", "host:example.com", "item:5"). */
typedef struct jk_report_in {
    int64_t case_id;
    const char *kind;
    const char *doc_key;
    const char *title;
    const char *body; /* the rendered text */
    size_t body_len;
    const char *fields_json; /* [["name","value"],…] in order */
    const char *created_by;
    const int64_t *items; /* the items it covers */
    size_t item_count;
} jk_report_in;

typedef struct jk_report_row {
    int64_t id;
    int64_t case_id;
    const char *kind;
    const char *doc_key;
    const char *title;
    const char *body;
    size_t body_len;
    const char *fields_json;
    const char *body_sha256; /* hex SHA-256 of the body as drafted */
    const char *status;      /* draft, approved, sent, superseded */
    const char *created_by;
    const char *created_at;
    const char *approved_by, *approved_at;
    const char *sent_by, *sent_at, *sent_via; /* via: "manual" or a destination */
    const char *destination;                  /* set when queued for submission */
    const char *submit_state; /* NULL, queued, sending, retry, delivered, failed, uncertain */
    long attempts;
    int64_t next_attempt_unix;
    const char *last_error;
} jk_report_row;
typedef int (*jk_report_fn)(void *ctx, const jk_report_row *r);

/* Store a draft; an earlier draft or approved report of the same case,
 * kind and doc_key that was not sent is superseded (a sent one stays, and
 * the new draft is a follow-up). The body is never changed afterwards: a
 * new draft is a new row. */
int jk_store_report_add(jk_store *st, const jk_report_in *r, int64_t *id, jk_error *err);
int jk_store_report_get(jk_store *st, int64_t id, jk_report_fn fn, void *ctx, jk_error *err);
/* A case's reports not superseded (all with include_superseded), by kind
 * then id. */
int jk_store_case_reports(jk_store *st, int64_t case_id, bool include_superseded, jk_report_fn fn,
                          void *ctx, jk_error *err);
/* The items a report covers. */
int jk_store_report_items(jk_store *st, int64_t report_id, int64_t **items, size_t *count,
                          jk_error *err);
/* draft → approved. JK_EINVAL (with the status) for any other status. */
int jk_store_report_approve(jk_store *st, int64_t id, const char *user, jk_error *err);
/* approved → sent (the date kept), via "manual" or a destination's name;
 * the case becomes "reported" (if it was not already) and every item the
 * report covers gets a removal check, first due after first_check_unix.
 * JK_EINVAL unless approved. */
int jk_store_report_sent(jk_store *st, int64_t id, const char *user, const char *via,
                         int64_t first_check_unix, jk_error *err);

/* Automated submission: an approved report is queued for a destination;
 * the submitter takes due ones, marks each "sending" in a batch of its own
 * before anything goes out (so a crash leaves "sending", which
 * jk_store_submit_recover turns into "uncertain": a person decides, it is
 * never sent again by itself), then records the outcome. */
int jk_store_report_queue(jk_store *st, int64_t id, const char *destination, jk_error *err);
/* Reports queued or to retry whose time has come, oldest first. */
int jk_store_submit_due(jk_store *st, int64_t now_unix, size_t limit, jk_report_fn fn, void *ctx,
                        jk_error *err);
/* queued/retry → sending, attempts + 1; *attempt the new count. JK_EINVAL
 * when the report is in no such state (someone else took it). */
int jk_store_submit_begin(jk_store *st, int64_t id, long *attempt, jk_error *err);
/* Record an attempt's outcome: "delivered" (the report becomes sent, as
 * jk_store_report_sent with via = its destination), "retry" (due again at
 * next_attempt_unix), "failed" or "uncertain" (a person looks). detail: the
 * answer or error; evidence_id: the kept exchange or transcript (0: none). */
int jk_store_submit_finish(jk_store *st, int64_t id, const char *user, const char *outcome,
                           int64_t next_attempt_unix, const char *detail, int64_t evidence_id,
                           int64_t first_check_unix, jk_error *err);
/* Reports left "sending" by a crash become "uncertain"; *count of them. */
int jk_store_submit_recover(jk_store *st, long *count, jk_error *err);
/* A person's answer to "uncertain"/"failed": requeue it (retry = true) or
 * drop the submission (the report stays approved). */
int jk_store_submit_resolve(jk_store *st, int64_t id, bool retry, jk_error *err);

typedef struct jk_submission_row {
    int64_t id;
    int64_t report_id;
    const char *destination;
    long attempt;
    const char *started_at;
    const char *finished_at;
    const char *outcome; /* NULL while sending */
    const char *detail;
    int64_t evidence_id;
} jk_submission_row;
typedef int (*jk_submission_fn)(void *ctx, const jk_submission_row *row);
/* A report's attempts, oldest first. */
int jk_store_report_submissions(jk_store *st, int64_t report_id, jk_submission_fn fn, void *ctx,
                                jk_error *err);

/* ---- removal checks ---- */

/* What a removal check needs of a reported item. */
typedef struct jk_removal_row {
    int64_t item_id;
    int64_t case_id;
    const char *url;
    const char *platform;
    const char *external_id;
    const char *source_kind;   /* NULL: no source (import, tip) */
    const char *source_target; /* the instance or API base */
    bool allow_private;
    const char *text; /* the item's text, for the matched snippets */
    size_t text_len;
    const char *spans_json; /* the first detection's spans; NULL */
    const char *reported_at;
    int64_t next_check_unix;
    int64_t interval_seconds;
    long checks;
    const char *last_check_at;
    const char *last_result; /* NULL, present, removed, unknown */
    const char *removed_at;
    const char *reason;
} jk_removal_row;
typedef int (*jk_removal_fn)(void *ctx, const jk_removal_row *row);
/* Take a due check for one checker: its next check moves to now_unix +
 * lease_seconds, so another process listing due checks (a patrol and a
 * `junkai recheck --due` at once) does not fetch the same page again;
 * recording the check sets the real next time, and a checker that dies
 * leaves the check due again when the lease ends. *claimed is false when
 * the check is not due at now_unix any more (another checker took it, or
 * it was removed). */
int jk_store_removal_claim(jk_store *st, int64_t item_id, int64_t now_unix, int64_t lease_seconds,
                           bool *claimed, jk_error *err);
/* Checks due at now_unix (not yet removed), most overdue first. */
int jk_store_removal_due(jk_store *st, int64_t now_unix, size_t limit, jk_removal_fn fn, void *ctx,
                         jk_error *err);
/* One case's checks. */
int jk_store_case_removals(jk_store *st, int64_t case_id, jk_removal_fn fn, void *ctx,
                           jk_error *err);
/* Record a check: result "present", "removed" (reason: http_404, …) or
 * "unknown"; next_check_unix 0 = no more checks. When the last reported
 * item of a case is removed, the case becomes "removed". */
int jk_store_removal_record(jk_store *st, int64_t item_id, const char *result, const char *reason,
                            long http_status, int64_t next_check_unix, int64_t interval_seconds,
                            jk_error *err);
/* The same, for a check made at at_unix (0: now): last_check_at, and
 * removed_at of the item (and of its case when it was the last one), are
 * that time — `junkai recheck --now` runs checks as if at a later time. */
int jk_store_removal_record_at(jk_store *st, int64_t item_id, const char *result,
                               const char *reason, long http_status, int64_t at_unix,
                               int64_t next_check_unix, int64_t interval_seconds, jk_error *err);
/* One reported item's check (removed or not); JK_ENOTFOUND when the item
 * was never reported. */
int jk_store_removal_get(jk_store *st, int64_t item_id, jk_removal_fn fn, void *ctx, jk_error *err);

/* Reported and removed items, and time to removal, per category and per
 * site (host of the item's URL) — for the dashboard. */
typedef struct jk_removal_stat {
    const char *key;              /* a category id or a host */
    long reported;                /* reported items */
    long removed;                 /* of which found gone */
    double median_hours_found;    /* discovery → removal; -1 when none removed */
    double median_hours_reported; /* report → removal; -1 when none */
} jk_removal_stat;
typedef int (*jk_removal_stat_fn)(void *ctx, const jk_removal_stat *row);
/* by: "category" or "host". */
int jk_store_removal_stats(jk_store *st, const char *by, jk_removal_stat_fn fn, void *ctx,
                           jk_error *err);

/* Reported / removed counts per category and month (the month the report
 * was sent, or the removal found), to sit beside jk_store_review_stats. */
typedef struct jk_outcome_count {
    const char *category;
    const char *month;
    long reported, removed;
} jk_outcome_count;
typedef int (*jk_outcome_count_fn)(void *ctx, const jk_outcome_count *row);
int jk_store_outcome_stats(jk_store *st, jk_outcome_count_fn fn, void *ctx, jk_error *err);

/* What happened between two moments, per category (the daily summary):
 * items found (fetched with a detection of the category; an item with
 * two categories counts in both), items confirmed (a "confirm" decision
 * made then; the decision's category, else the item's best hit's), items
 * reported (their report sent then) and items found removed then. from
 * and to are UTC "YYYY-MM-DDTHH:MM:SSZ", [from, to). Only categories with
 * a count; by category id. */
typedef struct jk_period_count {
    const char *category;
    long found, confirmed, reported, removed;
} jk_period_count;
typedef int (*jk_period_count_fn)(void *ctx, const jk_period_count *row);
int jk_store_period_counts(jk_store *st, const char *from, const char *to, jk_period_count_fn fn,
                           void *ctx, jk_error *err);

#ifdef __cplusplus
}
#endif
#endif
