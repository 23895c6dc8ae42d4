/*
 * store_cases.c — the backend-independent half of cases, reports,
 * submissions and removal checks (junkai/case.h): the status flow, the
 * argument checks, the SHA-256 of each report body, and dispatch through
 * the backend's case ops.
 * Must not touch: SQL (store_sqlite_cases.c).
 */
#include <sodium.h>
#include <string.h>

#include "civil.h"
#include "junkai/case.h"
#include "junkai/taxonomy.h"
#include "store_ops.h"

#define CASE_OPS(st) ((st)->ops->cases)

static const char *const case_statuses[] = {"new", "confirmed", "reported", "removed", "dismissed"};

bool jk_case_status_valid(const char *status)
{
    for (size_t i = 0; status && i < sizeof case_statuses / sizeof case_statuses[0]; i++)
        if (strcmp(status, case_statuses[i]) == 0)
            return true;
    return false;
}

bool jk_case_transition(const char *from, const char *to)
{
    /* the arrows of case.h; "reported" comes only from a sent report, so
     * that every reported case has the report that says where it went */
    static const struct {
        const char *from, *to;
    } arrows[] = {
        {"new", "confirmed"},    {"new", "dismissed"}, {"confirmed", "dismissed"},
        {"reported", "removed"}, {"dismissed", "new"},
    };
    if (!from || !to)
        return false;
    for (size_t i = 0; i < sizeof arrows / sizeof arrows[0]; i++)
        if (strcmp(arrows[i].from, from) == 0 && strcmp(arrows[i].to, to) == 0)
            return true;
    return false;
}

static bool valid_category(const char *id)
{
    jk_category c;
    return id && jk_category_from_id(id, strlen(id), &c) == JK_OK;
}

static bool nonempty(const char *s)
{
    return s && s[0];
}

int jk_store_case_add(jk_store *st, const char *title, const char *category, const char *status,
                      const char *created_by, int64_t *id, jk_error *err)
{
    if (!nonempty(title))
        return jk_error_set(err, JK_EINVAL, "a case needs a title");
    if (!valid_category(category))
        return jk_error_set(err, JK_EINVAL, "unknown category \"%s\"", category ? category : "");
    if (!status)
        status = "new";
    if (strcmp(status, "new") != 0 && strcmp(status, "confirmed") != 0)
        return jk_error_set(err, JK_EINVAL, "a case starts \"new\" or \"confirmed\"");
    if (!nonempty(created_by))
        return jk_error_set(err, JK_EINVAL, "a case needs the user who opened it");
    return CASE_OPS(st)->case_add(st->impl, title, category, status, created_by, id, err);
}

int jk_store_case_get(jk_store *st, int64_t id, jk_case_fn fn, void *ctx, jk_error *err)
{
    return CASE_OPS(st)->case_get(st->impl, id, fn, ctx, err);
}

int jk_store_case_list(jk_store *st, const jk_case_filter *filter, jk_case_fn fn, void *ctx,
                       jk_error *err)
{
    jk_case_filter none = {0};
    return CASE_OPS(st)->case_list(st->impl, filter ? filter : &none, fn, ctx, err);
}

int jk_store_case_update(jk_store *st, int64_t id, const jk_case_update *u, jk_error *err)
{
    if (u->title && !u->title[0])
        return jk_error_set(err, JK_EINVAL, "a case's title cannot be empty");
    if (u->category && !valid_category(u->category))
        return jk_error_set(err, JK_EINVAL, "unknown category \"%s\"", u->category);
    if (u->status && !jk_case_status_valid(u->status))
        return jk_error_set(err, JK_EINVAL, "unknown case status \"%s\"", u->status);
    return CASE_OPS(st)->case_update(st->impl, id, u, err);
}

int jk_store_case_item_add(jk_store *st, int64_t case_id, int64_t item_id, const char *user,
                           jk_error *err)
{
    if (!nonempty(user))
        return jk_error_set(err, JK_EINVAL, "adding an item to a case needs the user");
    return CASE_OPS(st)->case_item_add(st->impl, case_id, item_id, user, err);
}

int jk_store_case_item_rm(jk_store *st, int64_t item_id, jk_error *err)
{
    return CASE_OPS(st)->case_item_rm(st->impl, item_id, err);
}

int jk_store_item_case(jk_store *st, int64_t item_id, int64_t *case_id, jk_error *err)
{
    return CASE_OPS(st)->item_case(st->impl, item_id, case_id, err);
}

int jk_store_case_for_linked(jk_store *st, int64_t item_id, const char *category, int64_t *case_id,
                             jk_error *err)
{
    if (!valid_category(category))
        return jk_error_set(err, JK_EINVAL, "unknown category \"%s\"", category ? category : "");
    return CASE_OPS(st)->case_for_linked(st->impl, item_id, category, case_id, err);
}

int jk_store_case_links(jk_store *st, int64_t case_id, size_t limit, jk_case_link_fn fn, void *ctx,
                        jk_error *err)
{
    return CASE_OPS(st)->case_links(st->impl, case_id, limit, fn, ctx, err);
}

int jk_store_case_items(jk_store *st, int64_t case_id, jk_review_item_fn fn, void *ctx,
                        jk_error *err)
{
    return CASE_OPS(st)->case_items(st->impl, case_id, fn, ctx, err);
}

int jk_store_case_note_add(jk_store *st, int64_t case_id, const char *user, const char *text,
                           int64_t *id, jk_error *err)
{
    if (!nonempty(text))
        return jk_error_set(err, JK_EINVAL, "a note cannot be empty");
    if (!nonempty(user))
        return jk_error_set(err, JK_EINVAL, "a note needs its author");
    return CASE_OPS(st)->note_add(st->impl, case_id, user, text, id, err);
}

int jk_store_case_notes(jk_store *st, int64_t case_id, jk_case_note_fn fn, void *ctx, jk_error *err)
{
    return CASE_OPS(st)->notes(st->impl, case_id, fn, ctx, err);
}

int jk_store_case_evidence(jk_store *st, int64_t case_id, jk_case_evidence_fn fn, void *ctx,
                           jk_error *err)
{
    return CASE_OPS(st)->case_evidence(st->impl, case_id, fn, ctx, err);
}

int jk_store_evidence_get(jk_store *st, int64_t id, jk_case_evidence_fn fn, void *ctx,
                          jk_error *err)
{
    return CASE_OPS(st)->evidence_get(st->impl, id, fn, ctx, err);
}

int jk_store_audit_target(jk_store *st, const char *target, jk_audit_fn fn, void *ctx,
                          jk_error *err)
{
    return CASE_OPS(st)->audit_target(st->impl, target, fn, ctx, err);
}

static bool valid_kind(const char *kind)
{
    static const char *const kinds[] = {"ihc", "police", "deletion", "warning"};
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

int jk_store_report_add(jk_store *st, const jk_report_in *r, int64_t *id, jk_error *err)
{
    if (!valid_kind(r->kind))
        return jk_error_set(err, JK_EINVAL, "unknown report kind \"%s\"", r->kind ? r->kind : "");
    if (!nonempty(r->doc_key) || !nonempty(r->title) || !r->body)
        return jk_error_set(err, JK_EINVAL, "a report needs a key, a title and a body");
    if (!nonempty(r->created_by))
        return jk_error_set(err, JK_EINVAL, "a report needs the user who drafted it");
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(digest, (const unsigned char *)r->body, r->body_len);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return CASE_OPS(st)->report_add(st->impl, r, hex, id, err);
}

int jk_store_report_get(jk_store *st, int64_t id, jk_report_fn fn, void *ctx, jk_error *err)
{
    return CASE_OPS(st)->report_get(st->impl, id, fn, ctx, err);
}

int jk_store_case_reports(jk_store *st, int64_t case_id, bool include_superseded, jk_report_fn fn,
                          void *ctx, jk_error *err)
{
    return CASE_OPS(st)->case_reports(st->impl, case_id, include_superseded, fn, ctx, err);
}

int jk_store_report_items(jk_store *st, int64_t report_id, int64_t **items, size_t *count,
                          jk_error *err)
{
    return CASE_OPS(st)->report_items(st->impl, report_id, items, count, err);
}

int jk_store_report_approve(jk_store *st, int64_t id, const char *user, jk_error *err)
{
    if (!nonempty(user))
        return jk_error_set(err, JK_EINVAL, "an approval needs the approving user");
    return CASE_OPS(st)->report_approve(st->impl, id, user, err);
}

int jk_store_report_sent(jk_store *st, int64_t id, const char *user, const char *via,
                         int64_t first_check_unix, jk_error *err)
{
    if (!nonempty(user) || !nonempty(via))
        return jk_error_set(err, JK_EINVAL, "marking a report sent needs the user and the way");
    return CASE_OPS(st)->report_sent(st->impl, id, user, via, first_check_unix, err);
}

int jk_store_report_queue(jk_store *st, int64_t id, const char *destination, jk_error *err)
{
    if (!nonempty(destination))
        return jk_error_set(err, JK_EINVAL, "a submission needs a destination");
    return CASE_OPS(st)->report_queue(st->impl, id, destination, err);
}

int jk_store_submit_due(jk_store *st, int64_t now_unix, size_t limit, jk_report_fn fn, void *ctx,
                        jk_error *err)
{
    return CASE_OPS(st)->submit_due(st->impl, now_unix, limit, fn, ctx, err);
}

int jk_store_submit_begin(jk_store *st, int64_t id, long *attempt, jk_error *err)
{
    return CASE_OPS(st)->submit_begin(st->impl, id, attempt, err);
}

int jk_store_submit_finish(jk_store *st, int64_t id, const char *user, const char *outcome,
                           int64_t next_attempt_unix, const char *detail, int64_t evidence_id,
                           int64_t first_check_unix, jk_error *err)
{
    static const char *const outcomes[] = {"delivered", "retry", "failed", "uncertain"};
    bool known = false;
    for (size_t i = 0; outcome && i < sizeof outcomes / sizeof outcomes[0]; i++)
        known = known || strcmp(outcome, outcomes[i]) == 0;
    if (!known)
        return jk_error_set(err, JK_EINVAL, "unknown submission outcome \"%s\"",
                            outcome ? outcome : "");
    if (!nonempty(user))
        return jk_error_set(err, JK_EINVAL, "a submission needs the user it runs for");
    return CASE_OPS(st)->submit_finish(st->impl, id, user, outcome, next_attempt_unix, detail,
                                       evidence_id, first_check_unix, err);
}

int jk_store_submit_recover(jk_store *st, long *count, jk_error *err)
{
    return CASE_OPS(st)->submit_recover(st->impl, count, err);
}

int jk_store_submit_resolve(jk_store *st, int64_t id, bool retry, jk_error *err)
{
    return CASE_OPS(st)->submit_resolve(st->impl, id, retry, err);
}

int jk_store_report_submissions(jk_store *st, int64_t report_id, jk_submission_fn fn, void *ctx,
                                jk_error *err)
{
    return CASE_OPS(st)->submissions(st->impl, report_id, fn, ctx, err);
}

int jk_store_removal_due(jk_store *st, int64_t now_unix, size_t limit, jk_removal_fn fn, void *ctx,
                         jk_error *err)
{
    return CASE_OPS(st)->removal_due(st->impl, now_unix, limit, fn, ctx, err);
}

int jk_store_case_removals(jk_store *st, int64_t case_id, jk_removal_fn fn, void *ctx,
                           jk_error *err)
{
    return CASE_OPS(st)->case_removals(st->impl, case_id, fn, ctx, err);
}

int jk_store_removal_get(jk_store *st, int64_t item_id, jk_removal_fn fn, void *ctx, jk_error *err)
{
    return CASE_OPS(st)->removal_get(st->impl, item_id, fn, ctx, err);
}

int jk_store_removal_claim(jk_store *st, int64_t item_id, int64_t now_unix, int64_t lease_seconds,
                           bool *claimed, jk_error *err)
{
    *claimed = false;
    if (lease_seconds <= 0)
        return jk_error_set(err, JK_EINVAL, "a removal check's lease must be positive");
    return CASE_OPS(st)->removal_claim(st->impl, item_id, now_unix, now_unix + lease_seconds,
                                       claimed, err);
}

int jk_store_removal_record_at(jk_store *st, int64_t item_id, const char *result,
                               const char *reason, long http_status, int64_t at_unix,
                               int64_t next_check_unix, int64_t interval_seconds, jk_error *err)
{
    if (!result || (strcmp(result, "present") != 0 && strcmp(result, "removed") != 0 &&
                    strcmp(result, "unknown") != 0))
        return jk_error_set(err, JK_EINVAL, "a removal check is present, removed or unknown");
    if (at_unix < 0)
        return jk_error_set(err, JK_EINVAL, "a removal check's time is before 1970");
    return CASE_OPS(st)->removal_record(st->impl, item_id, result, reason, http_status, at_unix,
                                        next_check_unix, interval_seconds, err);
}

int jk_store_removal_record(jk_store *st, int64_t item_id, const char *result, const char *reason,
                            long http_status, int64_t next_check_unix, int64_t interval_seconds,
                            jk_error *err)
{
    return jk_store_removal_record_at(st, item_id, result, reason, http_status, 0, next_check_unix,
                                      interval_seconds, err);
}

int jk_store_removal_stats(jk_store *st, const char *by, jk_removal_stat_fn fn, void *ctx,
                           jk_error *err)
{
    if (!by || (strcmp(by, "category") != 0 && strcmp(by, "host") != 0))
        return jk_error_set(err, JK_EINVAL, "removal statistics are by category or by host");
    return CASE_OPS(st)->removal_stats(st->impl, strcmp(by, "host") == 0, fn, ctx, err);
}

int jk_store_outcome_stats(jk_store *st, jk_outcome_count_fn fn, void *ctx, jk_error *err)
{
    return CASE_OPS(st)->outcome_stats(st->impl, fn, ctx, err);
}

int jk_store_period_counts(jk_store *st, const char *from, const char *to, jk_period_count_fn fn,
                           void *ctx, jk_error *err)
{
    int64_t a, b;
    if (!from || !to || !jk_utc_parse(from, &a) || !jk_utc_parse(to, &b) || a > b)
        return jk_error_set(err, JK_EINVAL, "a period runs from one UTC time to a later one");
    return CASE_OPS(st)->period_counts(st->impl, from, to, fn, ctx, err);
}
