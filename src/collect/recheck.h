/*
 * recheck.h — removal checks: is a reported item still online?
 *
 * Every item a sent report covers has a removal check in the store
 * (junkai/case.h). A check re-fetches the item the way its platform needs
 * and judges the answer:
 *
 *   web page, board thread, feed item's link, imported or tipped URL:
 *       GET the URL (robots.txt obeyed). 404 → removed (http_404), 410 →
 *       removed (http_410). A page that answers: the passages the rules
 *       matched (the spans of the item's best detection) are looked for in
 *       the page's text, both normalized (jk_normalize: ﾔｻｲ and やさい are
 *       one) and without white space (markup and line breaks differ); any
 *       passage missing → removed (text_gone). A board thread (5ch/2ch
 *       layouts): the post's number missing → removed (post_gone); the
 *       thread moved to the archive (過去ログ倉庫) → removed
 *       (thread_archived). A platform's "deleted" page that answers 200 is
 *       caught by the text test. Tips are judged by status only (their text
 *       is the citizen's note, not the page's).
 *   Mastodon: GET /api/v1/statuses/ID on the instance; 404 → removed
 *       (http_404), 410 → removed (http_410).
 *   Misskey: POST /api/notes/show {"noteId"}; error code NO_SUCH_NOTE →
 *       removed (no_such_note).
 *   X API v2: GET /2/tweets/ID; an error titled "Not Found Error" (type
 *       …/resource-not-found) → removed (not_found_error).
 *   Anything else — a network error, 5xx, 429, 401/403, robots.txt or the
 *   address check refusing, a cut-off page — is "unknown": not removed,
 *   checked again later.
 *
 * Every fetch goes through jk_http (politeness, per-host rate limit,
 * address check) and is kept as WARC evidence through the sink, linked to
 * the item. A remote post seen on an instance (its uri on another host) is
 * checked on its home server, never with allow_private; a source's
 * allow_private covers only URLs on the source's own host.
 *
 * The fetch-and-judge step (jk_recheck_item) does not write the check;
 * jk_recheck_record does, inside the caller's batch, so the caller can
 * commit it together with its audit entry.
 */
#ifndef JK_RECHECK_H
#define JK_RECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence.h"
#include "http.h"
#include "junkai/case.h"
#include "junkai/error.h"
#include "junkai/normalize.h"

/* When checks run (junkai.yaml "removal:"). */
typedef struct jk_recheck_schedule {
    int64_t first_seconds; /* the first check after the report is sent; default 24 h */
    int64_t max_seconds;   /* the interval doubles up to this; default 7 days */
    int64_t stop_seconds;  /* no check later than this after the report; default 90 days */
} jk_recheck_schedule;

void jk_recheck_schedule_default(jk_recheck_schedule *s);

/* The check after one made at now_unix with result ("present", "removed",
 * "unknown") of an item reported at reported_unix, whose previous interval
 * was interval_seconds after `checks` earlier checks (0: this was the
 * first, which came first_seconds after the report). Present doubles the
 * interval up to max_seconds; unknown keeps it (retried, not backed off);
 * removed ends the checks. The last check falls on reported + stop_seconds;
 * after it *next_unix is 0 (no more checks). */
void jk_recheck_next(const jk_recheck_schedule *s, int64_t reported_unix, int64_t interval_seconds,
                     long checks, const char *result, int64_t now_unix, int64_t *next_unix,
                     int64_t *interval);

/* What a check concluded. Strings are static except detail. */
typedef struct jk_recheck_verdict {
    const char *result; /* "present", "removed" or "unknown" */
    const char *reason; /* http_404, http_410, text_gone, post_gone, thread_archived,
                           no_such_note, not_found_error; for unknown: http_NNN, network,
                           denied, truncated, no_url…; NULL for a plain present */
    long http_status;   /* 0 when no answer came */
    char detail[512];   /* one line for people */
} jk_recheck_verdict;

/* ---- judging an answer (pure: bytes in, a verdict out; fuzzed) ---- */

/* How many of the matched passages of text (spans_json: the detection's
 * [[start,end],…] byte offsets into text) occur in page_text, compared
 * normalized and without white space. *total counts usable passages (a
 * passage that normalizes to nothing is skipped; at most 32, each cut at
 * 512 bytes); 0 when spans_json is NULL or names none. JK_EPARSE when
 * spans_json is not such an array, JK_ELIMIT / JK_ENOMEM from the
 * normalizer. */
int jk_recheck_passages(const jk_normalizer *norm, const char *text, size_t text_len,
                        const char *spans_json, const char *page_text, size_t page_len,
                        size_t *found, size_t *total, jk_error *err);

/* A page's answer (status and body) for the reported item row: the status
 * test, then the board and text tests described above. url is the URL
 * fetched (after redirects), for parsing and messages. */
void jk_recheck_judge_page(const jk_normalizer *norm, const jk_removal_row *row, long status,
                           const char *body, size_t len, const char *content_type, const char *url,
                           bool truncated, jk_recheck_verdict *v);
/* The platforms' API answers. */
void jk_recheck_judge_mastodon(long status, const char *body, size_t len, jk_recheck_verdict *v);
void jk_recheck_judge_misskey(long status, const char *body, size_t len, jk_recheck_verdict *v);
void jk_recheck_judge_x(long status, const char *body, size_t len, jk_recheck_verdict *v);

/* ---- planning and running a check ---- */

typedef enum jk_recheck_kind {
    JK_RECHECK_PAGE,     /* GET the page */
    JK_RECHECK_MASTODON, /* GET /api/v1/statuses/ID */
    JK_RECHECK_MISSKEY,  /* POST /api/notes/show */
    JK_RECHECK_X         /* GET /2/tweets/ID */
} jk_recheck_kind;

/* The platforms' tokens (from the environment or junkai.yaml); NULL: none.
 * A token goes only to the source's own instance or API. */
typedef struct jk_recheck_tokens {
    const char *mastodon, *misskey, *x;
} jk_recheck_tokens;

/* How one item is checked. */
typedef struct jk_recheck_plan {
    jk_recheck_kind kind;
    char *url;  /* what is fetched (fragment removed); owned */
    char *body; /* POST body (Misskey), owned; NULL for GET */
    const char *token;
    bool allow_private;
    bool obey_robots;
    bool text_test; /* pages: compare the matched passages */
} jk_recheck_plan;

/* The plan for row (see the top of this file). JK_EINVAL (err says why,
 * naming the item) when the item has nothing to check (no URL, no usable
 * id); JK_ENOMEM. Release the plan in every case. */
int jk_recheck_plan_for(const jk_removal_row *row, const jk_recheck_tokens *tokens,
                        jk_recheck_plan *plan, jk_error *err);
void jk_recheck_plan_release(jk_recheck_plan *plan);

typedef struct jk_recheck_ctx {
    jk_http *http;
    const jk_normalizer *norm;  /* built with JK_NORM_ALL */
    jk_evidence_sink *evidence; /* every fetch kept and linked to the item; may be NULL */
    jk_recheck_schedule schedule;
    jk_recheck_tokens tokens;
} jk_recheck_ctx;

typedef struct jk_recheck_result {
    jk_recheck_verdict verdict;
    char method[8];           /* "GET" / "POST"; "" when nothing was fetched */
    char url[1024];           /* what was fetched */
    int64_t checked_unix;     /* when (the now given) */
    int64_t next_check_unix;  /* 0: no more checks */
    int64_t interval_seconds; /* what the next check follows */
} jk_recheck_result;

/* Check one reported item as at now_unix: plan, fetch, judge, and the next
 * check. A fetch that fails is a verdict ("unknown"), not an error; an
 * item with nothing to check is "unknown" too (reason no_url). Returns
 * JK_OK, or JK_ENOMEM. The evidence sink (if any) is pointed at the item
 * first; its files wait in the sink's pending list for jk_recheck_record. */
int jk_recheck_item(jk_recheck_ctx *ctx, const jk_removal_row *row, int64_t now_unix,
                    jk_recheck_result *out, jk_error *err);

/* Record the check in the store (jk_store_removal_record_at) and link the
 * evidence files the check wrote to the item; inside the caller's batch
 * (jk_store_begin … commit, with the audit entry). evidence may be NULL. */
int jk_recheck_record(jk_store *store, jk_evidence_sink *evidence, const jk_removal_row *row,
                      const jk_recheck_result *res, jk_error *err);

/* ---- the store's rows, copied (its strings live only in a callback) ---- */

typedef struct jk_removal_list {
    jk_removal_row *rows;
    size_t count, cap;
} jk_removal_list;

/* Checks due at now_unix (at most limit; 0: all), appended to list. */
int jk_recheck_due(jk_store *store, int64_t now_unix, size_t limit, jk_removal_list *list,
                   jk_error *err);
/* One item's check appended to list; JK_ENOTFOUND when it was never
 * reported. */
int jk_recheck_get(jk_store *store, int64_t item_id, jk_removal_list *list, jk_error *err);
void jk_removal_list_release(jk_removal_list *list);

#endif
