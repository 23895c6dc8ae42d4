/*
 * mastodon.h — Mastodon REST API responses into posts, and the pieces the
 * Mastodon and Misskey collectors share (query modes, timestamps, paging
 * ids, fetching one API page).
 *
 * The parsers are pure: bytes in, a jk_social_page out, no network and no
 * store. collect_mastodon.c and collect_misskey.c do the fetching and the
 * paging.
 */
#ifndef JK_MASTODON_H
#define JK_MASTODON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "http.h"
#include "junkai/error.h"
#include "post.h"

/* Paging ids (Mastodon's numeric strings, Misskey's aid/ulid/…) go into
 * URLs, JSON bodies and the saved cursor: only [A-Za-z0-9_-], at most this
 * long, are accepted from a response. */
#define JK_SOCIAL_MAX_ID 64

/* Where a parser reports an element it skipped (the message names the URL
 * and the element); may be NULL. */
typedef void (*jk_social_log)(void *ctx, const char *message);

/* One page of a timeline or search, parsed. */
typedef struct jk_social_page {
    jk_posts posts;
    char *newest_id; /* highest paging id among the elements, NULL if none */
    char *oldest_id; /* lowest */
    size_t elements; /* elements the response listed, skipped ones included */
    size_t skipped;  /* elements that gave no post (reason logged) */
} jk_social_page;

void jk_social_page_init(jk_social_page *page);
void jk_social_page_release(jk_social_page *page);

/* Parse a Mastodon response: a JSON array of Status (timelines) or a v2
 * search result {"statuses":[…]}. url is the request URL: its host
 * completes local accounts ("alice" → "alice@host") and it names the place
 * in messages. For each status (or, for a reblog, the reblogged status):
 * external_id = uri (url if uri is missing), url, author = account.acct,
 * posted_at = created_at in UTC as "YYYY-MM-DDTHH:MM:SSZ", lang =
 * language, text = spoiler_text, the content as text, media descriptions
 * and poll options, one per line. The page's paging ids are the statuses'
 * own local ids (the reblog's, not the reblogged one's).
 * JK_EPARSE (err names url) when the body is not JSON of either shape; a
 * malformed element is skipped, counted and logged. JK_ENOMEM. */
int jk_mastodon_parse(const char *body, size_t len, const char *url, jk_social_page *page,
                      jk_social_log log, void *log_ctx, jk_error *err);

/* Order of Mastodon ids: numbers as strings, so a longer id is newer, then
 * bytewise (Mastodon's own "compare by length, then lexically"). */
int jk_mastodon_id_cmp(const char *a, const char *b);

/* What a source's --query asks for. */
typedef enum jk_social_mode {
    JK_SOCIAL_PUBLIC, /* empty: the public / global timeline */
    JK_SOCIAL_TAG,    /* "#tag": the hashtag timeline */
    JK_SOCIAL_SEARCH  /* any other text: status search */
} jk_social_mode;

/* The mode of query (NULL = empty) and its term: the tag without "#", or
 * the search text, trimmed of white space (borrowed from query; *term_len
 * bytes). JK_EINVAL for "#" with no tag. */
int jk_social_query(const char *query, jk_social_mode *mode, const char **term,
                    size_t *term_len);

/* Percent-encode s (RFC 3986 §2.1, everything but unreserved) onto out. */
int jk_social_url_encode(jk_buf *out, const char *s, size_t len);

/* The URL of one Mastodon page: base (the instance URL, trailing "/"
 * ignored), query as above, limit, and an optional paging parameter
 * (param = "max_id", "min_id" or "since_id", id its value; NULL for the
 * newest page). Timelines: /api/v1/timelines/public or
 * /api/v1/timelines/tag/TAG; search: /api/v2/search?q=…&type=statuses&
 * resolve=false. Written to out (reset first). JK_EINVAL for a bad query. */
int jk_mastodon_page_url(const char *base, const char *query, int limit, const char *param,
                         const char *id, jk_buf *out);

/* A timestamp (ISO 8601 / RFC 3339 date-time, fractional seconds and any
 * offset) in UTC as "YYYY-MM-DDTHH:MM:SSZ" into out[21]. false when it is
 * not a valid date-time. */
bool jk_social_time_utc(const char *in, char out[21]);

/* True when id is a usable paging id (see JK_SOCIAL_MAX_ID). */
bool jk_social_id_ok(const char *id);

/* Widen page's newest/oldest ids to cover id, under the order cmp. */
int jk_social_page_add_id(jk_social_page *page, const char *id,
                          int (*cmp)(const char *a, const char *b));

/* A malformed element of a page (the index-th "status"/"note" of the
 * response at url, id when known) is skipped: counted in page->skipped and
 * logged as "URL: KIND N (id ID): WHY; skipped". Shared by both parsers. */
void jk_social_skip(jk_social_page *page, jk_social_log log, void *log_ctx, const char *url,
                    const char *kind, size_t index, const char *id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

/* A JSON object's member as a non-empty string, else NULL. */
const char *jk_social_str(const json_t *obj, const char *key);

/* Append one part of a post's text (trimmed; nothing when empty) as a line
 * of its own. JK_ELIMIT when text reached its maximum. */
int jk_social_text_add(jk_buf *text, const char *s, size_t len);

/* ---- collector glue shared by collect_mastodon.c and collect_misskey.c
 * (implemented in collect_mastodon.c; these touch the network and the
 * store, the functions above do not) ---- */

/* Pages one run fetches at most, per source. */
#define JK_SOCIAL_MAX_PAGES 5

struct jk_collect_ctx;
struct jk_source;

/* Fetch one API page: the request as given plus JSON accept headers, then
 * any answer but a complete 2xx body becomes an error naming the source,
 * the URL, the status and up to 200 bytes of the body. JK_OK with resp
 * filled otherwise; resp is released by the caller in every case. */
int jk_social_fetch(jk_http *http, const char *source, jk_http_request *req,
                    jk_http_response *resp, jk_error *err);

/* The cursor saved in a source's state ({"since_id":"…"}) as a new string,
 * or NULL when there is none (or it is unusable: the run starts over).
 * JK_OK or JK_ENOMEM. */
int jk_social_saved_cursor(const char *state, char **cursor);

/* Take one page into the store with the state {"since_id":cursor} (or {}
 * when cursor is NULL) in one batch; last marks the run finished. The
 * page's skipped elements are added to the ingest's skipped count. */
int jk_social_commit(struct jk_collect_ctx *ctx, const struct jk_source *src,
                     const char *platform, const jk_social_page *page, const char *cursor,
                     bool last, jk_error *err);

/* A jk_social_log that prefixes the source name and logs through the
 * collector context; log_ctx is a jk_social_log_ctx. */
typedef struct jk_social_log_ctx {
    struct jk_collect_ctx *ctx;
    const char *source;
} jk_social_log_ctx;
void jk_social_log_line(void *log_ctx, const char *message);

#endif
