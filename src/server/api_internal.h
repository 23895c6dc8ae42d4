/*
 * api_internal.h — what the API's handler files share: reading request
 * bodies and ids, writing items into replies, and the write batch with
 * its audit entry. api.c holds sessions, the queue, items, accounts,
 * audit, stats, sources and tips; api_cases.c cases and reports;
 * api_sources.c run-now, rule packs and the rule try-out. Internal
 * to src/server/.
 */
#ifndef JK_API_INTERNAL_H
#define JK_API_INTERNAL_H

#include "server_internal.h"

/* The string member key of the body (NULL when absent). Replies 400 and
 * returns false when it is required and missing, not a string, empty, or
 * longer than max bytes. */
bool api_body_string(jk_request *req, const char *key, bool required, size_t max, const char **out);
/* Replies 400 and returns false when there is no JSON object body. */
bool api_require_body(jk_request *req);
/* A decimal id of 1 to 18 digits (so it fits an int64). */
bool api_parse_id(const char *s, size_t len, int64_t *out);
bool api_valid_category(const char *id);
/* A query argument as a whole number up to max (unchanged when absent);
 * replies 400 and returns false when it is not one. */
bool api_uint_arg(jk_request *req, const char *name, unsigned long max, size_t *out);
json_t *api_str_or_null(const char *s);
/* The data directory: configured, else the one holding the store. */
void api_data_dir(const jk_server_config *cfg, char *out, size_t size);

/* Writing JSON straight into a reply buffer. */
void api_put_str(jk_buf *b, const char *s, size_t len);
void api_put_field(jk_buf *b, bool first, const char *key, const char *value);
void api_put_int_field(jk_buf *b, const char *key, long long v);

/* An item as the queue shows it (with hits and indicators; full: with
 * decisions too), for jk_review_item_fn; ctx is an item_ctx. */
typedef struct item_ctx {
    jk_request *req;
    jk_buf *out;
    size_t count;
    bool full;
    int rc;
    jk_error err;
} item_ctx;
int api_put_item(void *ctx, const jk_review_item *it);

/* A batch, and its audit entry + commit (rolled back on failure; detail
 * is stolen). */
int api_write_begin(jk_request *req, jk_error *err);
int api_write_commit(jk_request *req, const char *action, const char *target, json_t *detail,
                     jk_error *err);
/* The same with the target "KIND:ID" ("case:12", "report:7"). */
int api_write_commit_on(jk_request *req, const char *action, const char *kind, int64_t id,
                        json_t *detail, jk_error *err);

typedef struct decision_in {
    const char *decision, *category, *reason;
} decision_in;
/* Store one decision and its audit entry inside the caller's batch. */
int api_apply_decision(jk_request *req, int64_t id, const decision_in *d, jk_error *err);

/* Where a confirmed item goes (api_cases.c), inside the caller's batch:
 * choice > 0 that case, -1 a new case, 0 the open case of the category
 * linked to it by a shared indicator, else a new one. category NULL: the
 * item's best hit's. *case_id the case (0 when the item has no category
 * to file it under). Audited. */
int api_case_place(jk_request *req, int64_t item_id, const char *category, int64_t choice,
                   int64_t *case_id, jk_error *err);
/* The "case" member of a decision body: absent 0, "new" -1, or an id.
 * Replies 400 and returns false when it is none of them. */
bool api_case_choice(jk_request *req, int64_t *choice);

/* Route handlers of api_cases.c. */
void api_cases_list(jk_request *req);
void api_cases_add(jk_request *req);
void api_case_get(jk_request *req);
void api_case_update(jk_request *req);
void api_case_items_add(jk_request *req);
void api_case_item_rm(jk_request *req);
void api_case_note_add(jk_request *req);
void api_case_reports_add(jk_request *req);
void api_case_package(jk_request *req);
void api_report_get(jk_request *req);
void api_report_download(jk_request *req);
void api_report_approve(jk_request *req);
void api_report_sent(jk_request *req);
void api_report_submit(jk_request *req);
void api_report_resolve(jk_request *req);
void api_destinations_list(jk_request *req);
void api_evidence_get(jk_request *req);

/* api_sources.c: run now, rule packs, the rule try-out. */
void api_source_run(jk_request *req);
void api_rules_list(jk_request *req);
void api_rules_try(jk_request *req);
/* Add "last_result" (the newest patrol of the source alone, from the
 * audit log) and "run" (a run-now under way or ended, while this process
 * lives) to each source object of GET /api/sources. */
int api_sources_annotate(jk_request *req, json_t *sources, jk_error *err);

#endif
