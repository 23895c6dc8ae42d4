/*
 * store_ops.h — the table a storage backend fills (SQLite's VFS pattern).
 * store.c dispatches every public jk_store_* call through it; a PostgreSQL
 * backend adds a second table without touching callers. Internal header.
 */
#ifndef JK_STORE_OPS_H
#define JK_STORE_OPS_H

#include "junkai/capture_jobs.h"
#include "junkai/case.h"
#include "junkai/store.h"

/* Cases, reports, submissions and removal checks (junkai/case.h); the
 * public calls check their arguments, the backend only stores. */
struct jk_store_case_ops {
    int (*case_add)(void *impl, const char *title, const char *category, const char *status,
                    const char *created_by, int64_t *id, jk_error *err);
    int (*case_get)(void *impl, int64_t id, jk_case_fn fn, void *ctx, jk_error *err);
    int (*case_list)(void *impl, const jk_case_filter *f, jk_case_fn fn, void *ctx,
                     jk_error *err);
    int (*case_update)(void *impl, int64_t id, const jk_case_update *u, jk_error *err);
    int (*case_item_add)(void *impl, int64_t case_id, int64_t item_id, const char *user,
                         jk_error *err);
    int (*case_item_rm)(void *impl, int64_t item_id, jk_error *err);
    int (*item_case)(void *impl, int64_t item_id, int64_t *case_id, jk_error *err);
    int (*case_for_linked)(void *impl, int64_t item_id, const char *category, int64_t *case_id,
                           jk_error *err);
    int (*case_links)(void *impl, int64_t case_id, size_t limit, jk_case_link_fn fn, void *ctx,
                      jk_error *err);
    int (*case_items)(void *impl, int64_t case_id, jk_review_item_fn fn, void *ctx,
                      jk_error *err);
    int (*note_add)(void *impl, int64_t case_id, const char *user, const char *text,
                    int64_t *id, jk_error *err);
    int (*notes)(void *impl, int64_t case_id, jk_case_note_fn fn, void *ctx, jk_error *err);
    int (*case_evidence)(void *impl, int64_t case_id, jk_case_evidence_fn fn, void *ctx,
                         jk_error *err);
    int (*evidence_get)(void *impl, int64_t id, jk_case_evidence_fn fn, void *ctx,
                        jk_error *err);
    int (*audit_target)(void *impl, const char *target, jk_audit_fn fn, void *ctx,
                        jk_error *err);
    int (*report_add)(void *impl, const jk_report_in *r, const char *body_sha256, int64_t *id,
                      jk_error *err);
    int (*report_get)(void *impl, int64_t id, jk_report_fn fn, void *ctx, jk_error *err);
    int (*case_reports)(void *impl, int64_t case_id, bool all, jk_report_fn fn, void *ctx,
                        jk_error *err);
    int (*report_items)(void *impl, int64_t id, int64_t **items, size_t *count, jk_error *err);
    int (*report_approve)(void *impl, int64_t id, const char *user, jk_error *err);
    int (*report_sent)(void *impl, int64_t id, const char *user, const char *via,
                       int64_t first_check_unix, jk_error *err);
    int (*report_queue)(void *impl, int64_t id, const char *destination, jk_error *err);
    int (*submit_due)(void *impl, int64_t now_unix, size_t limit, jk_report_fn fn, void *ctx,
                      jk_error *err);
    int (*submit_begin)(void *impl, int64_t id, long *attempt, jk_error *err);
    int (*submit_finish)(void *impl, int64_t id, const char *user, const char *outcome,
                         int64_t next_attempt_unix, const char *detail, int64_t evidence_id,
                         int64_t first_check_unix, jk_error *err);
    int (*submit_recover)(void *impl, long *count, jk_error *err);
    int (*submit_resolve)(void *impl, int64_t id, bool retry, jk_error *err);
    int (*submissions)(void *impl, int64_t id, jk_submission_fn fn, void *ctx, jk_error *err);
    int (*removal_due)(void *impl, int64_t now_unix, size_t limit, jk_removal_fn fn, void *ctx,
                       jk_error *err);
    int (*case_removals)(void *impl, int64_t case_id, jk_removal_fn fn, void *ctx,
                         jk_error *err);
    int (*removal_get)(void *impl, int64_t item_id, jk_removal_fn fn, void *ctx, jk_error *err);
    int (*removal_claim)(void *impl, int64_t item_id, int64_t now_unix, int64_t until_unix,
                         bool *claimed, jk_error *err);
    int (*removal_record)(void *impl, int64_t item_id, const char *result, const char *reason,
                          long http_status, int64_t at_unix, int64_t next_check_unix,
                          int64_t interval_seconds, jk_error *err);
    int (*removal_stats)(void *impl, bool by_host, jk_removal_stat_fn fn, void *ctx,
                         jk_error *err);
    int (*outcome_stats)(void *impl, jk_outcome_count_fn fn, void *ctx, jk_error *err);
    int (*period_counts)(void *impl, const char *from, const char *to, jk_period_count_fn fn,
                         void *ctx, jk_error *err);
};

/* Capture jobs (junkai/capture_jobs.h). */
struct jk_store_capture_ops {
    int (*enqueue)(void *impl, int64_t item_id, const char *requested_by, int64_t *job_id,
                   jk_error *err);
    int (*claim)(void *impl, int64_t now_unix, int64_t lease_seconds, long max_attempts,
                 jk_capture_job_fn fn, void *ctx, jk_error *err);
    int (*finish)(void *impl, int64_t id, const char *outcome, int64_t evidence_id,
                  const char *error, int64_t retry_at_unix, jk_error *err);
    int (*release)(void *impl, int64_t id, jk_error *err);
    int (*requeue)(void *impl, int64_t id, jk_error *err);
    int (*jobs)(void *impl, const char *state, size_t limit, jk_capture_job_fn fn, void *ctx,
                jk_error *err);
};

struct jk_store_ops {
    const char *name;
    int (*open)(const char *location, void **impl, jk_error *err);
    void (*close)(void *impl);
    int (*schema_version)(void *impl);
    int (*begin)(void *impl, jk_error *err);
    int (*commit)(void *impl, jk_error *err);
    void (*rollback)(void *impl);
    int (*add_item)(void *impl, const jk_item_in *item, const char *raw_sha256,
                    const char *text_sha256, int64_t *item_id, bool *is_new, jk_error *err);
    int (*add_indicator)(void *impl, int64_t item_id, const char *type, const char *value,
                         size_t start, size_t end, jk_error *err);
    int (*add_detection)(void *impl, int64_t item_id, const jk_hit *hit, const char *spans_json,
                         const char *pack_version, jk_error *err);
    int (*run_start)(void *impl, const char *what, int64_t *run_id, jk_error *err);
    int (*run_finish)(void *impl, int64_t run_id, long items_new, long items_seen, long hits,
                      long errors, jk_error *err);
    int (*search)(void *impl, const jk_search_word *words, size_t count, size_t limit,
                  jk_search_fn fn, void *ctx, jk_error *err);
    int (*stats)(void *impl, jk_store_stats *out, jk_error *err);
    int (*count_by)(void *impl, const char *what, jk_count_fn fn, void *ctx, jk_error *err);
    int (*source_add)(void *impl, const jk_source *src, int64_t *id, jk_error *err);
    int (*source_list)(void *impl, jk_source_fn fn, void *ctx, jk_error *err);
    int (*source_rm)(void *impl, const char *name, jk_error *err);
    int (*source_state)(void *impl, int64_t id, const char *state, int64_t now_unix,
                        jk_error *err);
    int (*source_outcome)(void *impl, int64_t id, bool ok, const char *outcome, jk_error *err);
    /* campaigns (issue 5) */
    int (*indicator_rows)(void *impl, int64_t item_id, jk_indicator_row_fn fn, void *ctx,
                          jk_error *err);
    int (*item_get)(void *impl, int64_t id, const char *platform, const char *external_id,
                    bool with_text, jk_item_fn fn, void *ctx, jk_error *err);
    /* intel lists (issue 5) */
    int (*intel_list_put)(void *impl, const jk_intel_list_info *list, int64_t *list_id,
                          int64_t *version, jk_error *err);
    int (*intel_entry_add)(void *impl, int64_t list_id, const char *type, const char *value,
                           const char *first_seen, const char *description, jk_error *err);
    int (*intel_list_finish)(void *impl, int64_t list_id, long skipped, long *entries,
                             jk_error *err);
    int (*intel_lists)(void *impl, jk_intel_list_fn fn, void *ctx, jk_error *err);
    int (*intel_list_rm)(void *impl, const char *name, jk_error *err);
    int (*intel_entries)(void *impl, jk_intel_entry_fn fn, void *ctx, jk_error *err);
    int (*indicator_export)(void *impl, bool confirmed_only, jk_indicator_export_fn fn, void *ctx,
                            jk_error *err);
    /* review workbench (accounts, sessions, queue, decisions, audit) */
    int (*user_add)(void *impl, const char *name, const char *role, const char *password_hash,
                    int64_t *id, jk_error *err);
    int (*user_get)(void *impl, const char *name, jk_user_fn fn, void *ctx, jk_error *err);
    int (*user_list)(void *impl, jk_user_fn fn, void *ctx, jk_error *err);
    int (*user_set_password)(void *impl, const char *name, const char *password_hash,
                             jk_error *err);
    int (*user_disable)(void *impl, const char *name, jk_error *err);
    int (*session_add)(void *impl, const char *id_hash, int64_t user_id, const char *csrf,
                       int64_t expires_unix, jk_error *err);
    int (*session_get)(void *impl, const char *id_hash, int64_t now_unix, jk_session_fn fn,
                       void *ctx, jk_error *err);
    int (*session_delete)(void *impl, const char *id_hash, jk_error *err);
    int (*queue)(void *impl, const jk_queue_filter *filter, jk_review_item_fn fn, void *ctx,
                 jk_error *err);
    int (*review_item_get)(void *impl, int64_t id, jk_review_item_fn fn, void *ctx,
                           jk_error *err);
    int (*item_detections)(void *impl, int64_t item_id, jk_detection_fn fn, void *ctx,
                           jk_error *err);
    int (*decision_add)(void *impl, int64_t item_id, const jk_decision_row *decision,
                        jk_error *err);
    int (*item_decisions)(void *impl, int64_t item_id, jk_decision_fn fn, void *ctx,
                          jk_error *err);
    int (*review_stats)(void *impl, jk_review_count_fn fn, void *ctx, jk_error *err);
    /* the last entry's id and hash (0 and 64 zeros when the log is empty) */
    int (*audit_last)(void *impl, int64_t *id, char hash[65], jk_error *err);
    int (*audit_insert)(void *impl, const jk_audit_entry *entry, jk_error *err);
    /* oldest first when ascending, else newest first; limit 0 = all */
    int (*audit_walk)(void *impl, bool ascending, size_t limit, size_t offset, jk_audit_fn fn,
                      void *ctx, jk_error *err);
    /* evidence */
    int (*evidence_add)(void *impl, const jk_evidence_in *ev, int64_t *id, jk_error *err);
    int (*item_evidence)(void *impl, int64_t item_id, int64_t evidence_id, jk_error *err);
    int (*source_set_evidence)(void *impl, int64_t source_id, bool keep, jk_error *err);
    int (*source_evidence)(void *impl, int64_t source_id, bool *keep, jk_error *err);
    int (*evidence_list)(void *impl, jk_evidence_fn fn, void *ctx, jk_error *err);
    const struct jk_store_case_ops *cases;
    const struct jk_store_capture_ops *capture;
};

extern const struct jk_store_ops jk_store_sqlite_ops;

/* A store handle: its backend and the backend's connection. */
struct jk_store {
    const struct jk_store_ops *ops;
    void *impl;
};

#endif
