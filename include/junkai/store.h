/*
 * store.h — persistence of items, detections, sources and patrol runs.
 *
 * One interface, several backends behind an ops table (src/store/): SQLite
 * is the embedded default (one file, WAL mode, foreign keys on, versioned
 * migrations applied at open, FTS5 trigram search over items). Callers never
 * see SQL. A jk_store is used by one thread at a time.
 *
 * Writes happen inside a batch (jk_store_begin … jk_store_commit): a batch
 * commits atomically with whatever run bookkeeping it carries, so a crash
 * loses at most the batch in flight and never leaves half of one.
 */
#ifndef JUNKAI_STORE_H
#define JUNKAI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "junkai/error.h"
#include "junkai/scanner.h"
#include "junkai/taxonomy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jk_store jk_store;

/* Open (creating if needed) the store at `location`: a path to an SQLite
 * file. Applies pending migrations. */
int jk_store_open(const char *location, jk_store **out, jk_error *err);
void jk_store_close(jk_store *st);

/* The schema version after migrations. */
int jk_store_schema_version(jk_store *st);

int jk_store_begin(jk_store *st, jk_error *err);
int jk_store_commit(jk_store *st, jk_error *err);
void jk_store_rollback(jk_store *st);

/* A post to store. Strings are borrowed for the duration of the call;
 * NULL means unknown. text is (pointer, length) and may hold any bytes. */
typedef struct jk_item_in {
    const char *platform;    /* "x", "mastodon", "import", … (required) */
    const char *external_id; /* the platform's id (required) */
    const char *url;
    const char *author;
    const char *posted_at; /* ISO 8601 */
    const char *lang;
    const char *text;
    size_t text_len;
    const char *normalized; /* the text as the normalizer folds it, indexed
                               for search beside the text; may be NULL */
    size_t normalized_len;
    const char *raw; /* the bytes the item came from, for its SHA-256 */
    size_t raw_len;
    int64_t source_id; /* 0 = none */
    int64_t run_id;    /* 0 = none */
} jk_item_in;

/* Add an item unless it is already stored, by (platform, external_id) or
 * by the SHA-256 of its text. Sets *item_id (the new or existing row) and
 * *is_new. */
int jk_store_add_item(jk_store *st, const jk_item_in *item, int64_t *item_id, bool *is_new,
                      jk_error *err);

/* Store a detection for an item (one per rule; a repeat replaces it). */
int jk_store_add_detection(jk_store *st, int64_t item_id, const jk_hit *hit,
                           const char *pack_version, jk_error *err);

/* Store an indicator found in an item's text (type: "url", "domain",
 * "line_id", …; value canonical; [start, end) its bytes in the text). */
int jk_store_add_indicator(jk_store *st, int64_t item_id, const char *type, const char *value,
                           size_t start, size_t end, jk_error *err);

/* Patrol runs: started now, finished with counts. */
int jk_store_run_start(jk_store *st, const char *what, int64_t *run_id, jk_error *err);
int jk_store_run_finish(jk_store *st, int64_t run_id, long items_new, long items_seen,
                        long hits, long errors, jk_error *err);

/* Full-text search over items (FTS5 trigram index over the normalized
 * text; pass the query normalized the same way, so やさい also finds ﾔｻｲ).
 * Queries of fewer than three characters scan the original text for
 * `query` instead. Calls fn for each match, newest first, at most `limit`
 * times. */
typedef struct jk_search_row {
    int64_t item_id;
    const char *platform;
    const char *external_id;
    const char *url;
    const char *posted_at;
    const char *text;
    size_t text_len;
} jk_search_row;
typedef int (*jk_search_fn)(void *ctx, const jk_search_row *row);
int jk_store_search(jk_store *st, const char *query, const char *normalized_query,
                    size_t limit, jk_search_fn fn, void *ctx, jk_error *err);

/* Items holding every one of several words (a query typed with spaces:
 * "アカウント 売ります"). Words of three or more normalized characters
 * use the index; shorter ones are looked for in the original text. */
typedef struct jk_search_word {
    const char *original;
    const char *normalized; /* may be NULL: then original is used */
} jk_search_word;
int jk_store_search_words(jk_store *st, const jk_search_word *words, size_t count,
                          size_t limit, jk_search_fn fn, void *ctx, jk_error *err);

/* Counts for `junkai stats`. */
typedef struct jk_store_stats {
    long items;
    long items_hit;
    long category_items[JK_CATEGORY_COUNT]; /* items with a hit per category */
    long runs;
} jk_store_stats;
int jk_store_stats_get(jk_store *st, jk_store_stats *out, jk_error *err);

/* Per-day and per-platform counts: fn(ctx, day_or_platform, items, hits). */
typedef int (*jk_count_fn)(void *ctx, const char *key, long items, long hits);
int jk_store_count_by(jk_store *st, const char *what /* "day" | "platform" */, jk_count_fn fn,
                      void *ctx, jk_error *err);

/* Sources: a place and a query a collector patrols on a schedule. state is
 * the collector's own cursor (JSON text), saved with jk_store_source_state
 * inside the same batch as the items it covers, so a crash never leaves
 * the cursor ahead of (or behind) the stored items. */
typedef struct jk_source {
    int64_t id;
    const char *kind;   /* "jsonl", … */
    const char *name;   /* unique */
    const char *target; /* file path, URL, instance, … */
    const char *query;
    int64_t every_seconds;
    bool allow_private; /* may fetch loopback/private addresses */
    const char *state;
    const char *last_run_at;
    int64_t last_run_unix; /* 0 = never */
    /* how the last run ended (jk_store_source_outcome), finished or not */
    const char *last_attempt_at; /* NULL = never run */
    int last_ok;                 /* 1 ok, 0 failed, -1 never run */
    const char *last_outcome;    /* "source NAME: 3 new, …" or the error */
    int64_t failures;            /* failed runs in a row */
} jk_source;
typedef int (*jk_source_fn)(void *ctx, const jk_source *src);

int jk_store_source_add(jk_store *st, const jk_source *src, int64_t *id, jk_error *err);
int jk_store_source_list(jk_store *st, jk_source_fn fn, void *ctx, jk_error *err);
/* JK_ENOTFOUND when no source has that name. */
int jk_store_source_rm(jk_store *st, const char *name, jk_error *err);
/* Save a source's cursor; when finished_unix is not 0 the source's run is
 * complete and its last-run time becomes that moment (an interrupted run
 * leaves it, so the source stays due and resumes from the cursor). */
int jk_store_source_state(jk_store *st, int64_t id, const char *state, int64_t finished_unix,
                          jk_error *err);
/* Record how a run of the source ended: ok or not, and the line that says
 * so. A failure adds one to the source's failures in a row; success
 * clears them. JK_ENOTFOUND when no source has that id. */
int jk_store_source_outcome(jk_store *st, int64_t id, bool ok, const char *outcome,
                            jk_error *err);

/* Campaigns (issue 5): reading back items and their indicators so posts
 * that share one can be linked (src/campaign/). Strings in a row are valid
 * only during the callback; a callback returning non-zero stops the walk. */
typedef struct jk_indicator_row {
    int64_t item_id;
    const char *type;     /* "url", "line_id", … */
    const char *value;    /* canonical */
    const char *item_url; /* the item's own URL; NULL when unknown */
    size_t span_start, span_end;
} jk_indicator_row;
typedef int (*jk_indicator_row_fn)(void *ctx, const jk_indicator_row *row);
/* Every stored indicator, with its item's URL, in no particular order. */
int jk_store_indicator_rows(jk_store *st, jk_indicator_row_fn fn, void *ctx, jk_error *err);
/* One item's indicators, in span order (item_url is NULL in these rows). */
int jk_store_item_indicators(jk_store *st, int64_t item_id, jk_indicator_row_fn fn, void *ctx,
                             jk_error *err);

typedef struct jk_item_row {
    int64_t id;
    const char *platform;
    const char *external_id;
    const char *url;
    const char *author;
    const char *posted_at;
    const char *fetched_at;
    const char *text; /* NULL unless asked for */
    size_t text_len;
    uint32_t categories; /* bit (1u << jk_category) for each category detected */
} jk_item_row;
typedef int (*jk_item_fn)(void *ctx, const jk_item_row *row);
/* Call fn once with one item: by id, or when id is 0 by (platform,
 * external_id). with_text reads the text too (long posts cost a read of
 * their overflow pages). JK_ENOTFOUND when there is no such item. */
int jk_store_item_get(jk_store *st, int64_t id, const char *platform, const char *external_id,
                      bool with_text, jk_item_fn fn, void *ctx, jk_error *err);

/* Intel lists (issue 5; docs/intel.md): named lists of known-bad
 * indicators. Each import of a list is a new version that replaces its
 * entries; values are stored canonical (src/intel does that). */
typedef struct jk_intel_list_info {
    int64_t id;
    const char *name;
    const char *format;   /* "csv", "stix", "misp" */
    const char *category; /* a taxonomy id; NULL on put: keep (new list: "phishing") */
    const char *match;    /* "exact", "domain", "prefix"; NULL on put: keep ("exact") */
    const char *source;   /* the file imported */
    int64_t version;      /* 1, 2, … one up per import */
    const char *imported_at; /* ISO 8601 UTC time of this version */
    long entries, skipped;
} jk_intel_list_info;
typedef int (*jk_intel_list_fn)(void *ctx, const jk_intel_list_info *list);
typedef int (*jk_intel_entry_fn)(void *ctx, int64_t list_id, const char *type,
                                 const char *value, size_t value_len);

/* Create the list named list->name, or start its next version: its
 * entries are dropped, *version counts up. Inside a batch, so a failed
 * refresh leaves the previous version whole. */
int jk_store_intel_list_put(jk_store *st, const jk_intel_list_info *list, int64_t *list_id,
                            int64_t *version, jk_error *err);
/* Add one canonical entry (a repeated value is stored once). */
int jk_store_intel_entry_add(jk_store *st, int64_t list_id, const char *type, const char *value,
                             const char *first_seen, const char *description, jk_error *err);
/* Record the skipped count; *entries receives how many are stored. */
int jk_store_intel_list_finish(jk_store *st, int64_t list_id, long skipped, long *entries,
                               jk_error *err);
int jk_store_intel_lists(jk_store *st, jk_intel_list_fn fn, void *ctx, jk_error *err);
/* JK_ENOTFOUND when no list has that name. Its entries go with it. */
int jk_store_intel_list_rm(jk_store *st, const char *name, jk_error *err);
/* Every entry of every list, ordered by list (strings valid during fn). */
int jk_store_intel_entries(jk_store *st, jk_intel_entry_fn fn, void *ctx, jk_error *err);

/* The distinct indicators of items that have at least one detection, by
 * type and value, with when junkai first and last fetched an item holding
 * one and how many items hold it. */
typedef struct jk_indicator_export_row {
    const char *type;
    const char *value;
    const char *first_seen; /* ISO 8601 UTC */
    const char *last_seen;
    long items;
} jk_indicator_export_row;
typedef int (*jk_indicator_export_fn)(void *ctx, const jk_indicator_export_row *row);
/* confirmed_only: only items whose latest decision (the workbench's) is
 * "confirm"; otherwise every item with a detection. */
int jk_store_indicators_export(jk_store *st, bool confirmed_only, jk_indicator_export_fn fn,
                               void *ctx, jk_error *err);

/* ---- Review workbench: accounts, sessions, decisions, the ranked queue
 * and the hash-chained audit log (the server's half of the store). ---- */

/* An account. Strings are borrowed for the duration of the callback. */
typedef struct jk_user {
    int64_t id;
    const char *name;
    const char *role;          /* "patroller" | "supervisor" | "admin" */
    const char *password_hash; /* libsodium crypto_pwhash_str (argon2id) */
    bool disabled;
    const char *created_at;
} jk_user;
typedef int (*jk_user_fn)(void *ctx, const jk_user *user);

/* Add an account; JK_EINVAL when the name is taken or the role unknown. */
int jk_store_user_add(jk_store *st, const char *name, const char *role,
                      const char *password_hash, int64_t *id, jk_error *err);
/* Call fn once with the account named `name`; JK_ENOTFOUND when none. */
int jk_store_user_get(jk_store *st, const char *name, jk_user_fn fn, void *ctx, jk_error *err);
int jk_store_user_list(jk_store *st, jk_user_fn fn, void *ctx, jk_error *err);
/* Replace a password hash; the account's sessions end. JK_ENOTFOUND. */
int jk_store_user_set_password(jk_store *st, const char *name, const char *password_hash,
                               jk_error *err);
/* Disable an account and end its sessions. JK_ENOTFOUND. */
int jk_store_user_disable(jk_store *st, const char *name, jk_error *err);

/* Sessions are stored by the SHA-256 (hex) of their id, never the id. */
typedef struct jk_session {
    const char *csrf;
    int64_t expires_unix;
    jk_user user;
} jk_session;
typedef int (*jk_session_fn)(void *ctx, const jk_session *session);
/* Store a session; expired sessions are purged on the way. */
int jk_store_session_add(jk_store *st, const char *id_hash, int64_t user_id, const char *csrf,
                         int64_t expires_unix, jk_error *err);
/* Call fn with the live session: JK_ENOTFOUND when there is none, it has
 * expired at now_unix, or its account is disabled. */
int jk_store_session_get(jk_store *st, const char *id_hash, int64_t now_unix, jk_session_fn fn,
                         void *ctx, jk_error *err);
int jk_store_session_delete(jk_store *st, const char *id_hash, jk_error *err);

/* An item as the review queue shows it; score is its highest detection
 * score, status "pending" (no decision yet), "confirmed" or "dismissed". */
typedef struct jk_review_item {
    int64_t id;
    const char *platform;
    const char *external_id;
    const char *url;
    const char *author;
    const char *posted_at;
    const char *fetched_at;
    const char *text;
    size_t text_len;
    double score;
    const char *status;
    int64_t source_id; /* 0 = none */
} jk_review_item;
typedef int (*jk_review_item_fn)(void *ctx, const jk_review_item *item);

/* Queue filters; NULL / 0 mean "any". since/until are ISO 8601 dates or
 * times compared with the item's posting time (its fetch time when the
 * posting time is unknown), in UTC. */
typedef struct jk_queue_filter {
    const char *status; /* NULL = "pending" */
    const char *category;
    const char *source; /* a source's name */
    const char *platform;
    const char *since;
    const char *until;
    double min_score;
    size_t limit;
    size_t offset;
} jk_queue_filter;

/* Items with detections, highest score first, then the most recent, from
 * an index (no scan of the items). Calls fn per item. */
int jk_store_queue(jk_store *st, const jk_queue_filter *filter, jk_review_item_fn fn, void *ctx,
                   jk_error *err);
/* One item with its review status (an item without detections is
 * "unscored" with score 0); JK_ENOTFOUND. */
int jk_store_review_item_get(jk_store *st, int64_t id, jk_review_item_fn fn, void *ctx,
                             jk_error *err);

typedef struct jk_detection_row {
    const char *rule_id;
    const char *category;
    double score;
    const char *spans_json; /* [[start,end],…] byte offsets in the text */
    const char *pack_version;
} jk_detection_row;
typedef int (*jk_detection_fn)(void *ctx, const jk_detection_row *row);
/* An item's detections, highest score first. */
int jk_store_item_detections(jk_store *st, int64_t item_id, jk_detection_fn fn, void *ctx,
                             jk_error *err);

typedef struct jk_decision_row {
    const char *decision; /* "confirm" | "dismiss" */
    const char *category;
    const char *reason;
    const char *user;
    const char *at;
} jk_decision_row;
typedef int (*jk_decision_fn)(void *ctx, const jk_decision_row *row);
/* Record a person's decision on an item (the latest one counts); the item
 * leaves the pending queue. JK_ENOTFOUND when there is no such item. */
int jk_store_decision_add(jk_store *st, int64_t item_id, const jk_decision_row *decision,
                          jk_error *err);
/* An item's decisions, oldest first. */
int jk_store_item_decisions(jk_store *st, int64_t item_id, jk_decision_fn fn, void *ctx,
                            jk_error *err);

/* Found / confirmed / dismissed items per detection category and month
 * (YYYY-MM of the posting time). */
typedef struct jk_review_count {
    const char *category;
    const char *month;
    long found, confirmed, dismissed;
} jk_review_count;
typedef int (*jk_review_count_fn)(void *ctx, const jk_review_count *row);
int jk_store_review_stats(jk_store *st, jk_review_count_fn fn, void *ctx, jk_error *err);

/* The audit log: append-only, each entry's hash is SHA-256 over the
 * previous entry's hash (hex) followed by the entry's canonical encoding
 * (jk_audit_hash), so changing, removing or reordering an entry breaks
 * every later link. detail is JSON text ("" or NULL for none). */
typedef struct jk_audit_entry {
    int64_t id;
    const char *at; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    const char *user;
    const char *action;
    const char *target;
    const char *detail;
    const char *prev_hash; /* 64 hex digits; all zeros before the first */
    const char *hash;
} jk_audit_entry;
typedef int (*jk_audit_fn)(void *ctx, const jk_audit_entry *entry);

/* The hash of an entry from its prev_hash, id, at, user, action, target
 * and detail: hex SHA-256 of prev_hash || "junkai-audit-1" and each field
 * as "\n" LENGTH ":" BYTES (NULL as empty). out gets 64 hex digits + NUL. */
void jk_audit_hash(const jk_audit_entry *entry, char out[65]);
/* Append an entry, chained to the last one. Call inside a batch
 * (jk_store_begin) so the write it records and the entry commit together
 * and no other writer can interleave. */
int jk_store_audit_append(jk_store *st, const char *user, const char *action, const char *target,
                          const char *detail, jk_error *err);
/* Entries newest first. */
int jk_store_audit_list(jk_store *st, size_t limit, size_t offset, jk_audit_fn fn, void *ctx,
                        jk_error *err);
/* Walk the chain from the first entry. JK_OK when every link holds
 * (*checked = entries walked); else JK_EPARSE, *bad_id = the first entry
 * that does not verify and err says why. */
int jk_store_audit_verify(jk_store *st, long *checked, int64_t *bad_id, jk_error *err);

/* Evidence (src/evidence/): files under the data directory, each named by
 * the SHA-256 of its bytes and never rewritten, such as the WARC file of
 * one HTTP exchange; and which items were taken in from which file. */
typedef struct jk_evidence_in {
    const char *sha256; /* hex SHA-256 of the file (required) */
    const char *path;   /* relative to the data directory (required) */
    const char *kind;   /* "http": one fetch as WARC; "screenshot", "dom", "mhtml",
                           "capture": a page capture (required) */
    const char *url;
    int64_t item_id;   /* evidence about one item; 0 = none */
    int64_t run_id;    /* 0 = none */
    int64_t source_id; /* 0 = none */
    int64_t size;      /* bytes */
    const char *captured_at; /* UTC with milliseconds, when it was taken; NULL */
    const char *operator_;   /* who took it (account, cli:login, contact); NULL */
} jk_evidence_in;

/* Record an evidence file; *id is its row (the existing one when a file
 * with that SHA-256 is already recorded). Works inside or outside a
 * batch. */
int jk_store_evidence_add(jk_store *st, const jk_evidence_in *ev, int64_t *id, jk_error *err);
/* Link an item to evidence it was taken in from (a repeat is a no-op). */
int jk_store_item_evidence(jk_store *st, int64_t item_id, int64_t evidence_id, jk_error *err);
/* Whether a source's fetches are preserved as evidence (the default) or
 * not (`junkai source add --no-evidence`). JK_ENOTFOUND for no such
 * source. */
int jk_store_source_set_evidence(jk_store *st, int64_t source_id, bool keep, jk_error *err);
int jk_store_source_evidence(jk_store *st, int64_t source_id, bool *keep, jk_error *err);

/* An evidence row as `junkai verify` checks it; strings borrowed for the
 * callback. */
typedef struct jk_evidence_row {
    int64_t id;
    const char *sha256;
    const char *path; /* relative to the data directory */
    const char *kind;
    int64_t size;
} jk_evidence_row;
typedef int (*jk_evidence_fn)(void *ctx, const jk_evidence_row *row);
/* Every evidence row, oldest first; fn returning non-zero stops the walk. */
int jk_store_evidence_list(jk_store *st, jk_evidence_fn fn, void *ctx, jk_error *err);

#ifdef __cplusplus
}
#endif
#endif
