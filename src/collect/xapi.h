/*
 * xapi.h — the X (Twitter) API v2 recent-search response, read into posts:
 * GET /2/tweets/search/recent with expansions=author_id. Pure: no network,
 * no store; the collector (collect_x.c) fetches and commits.
 *
 * Field names follow X's OpenAPI document (Get2TweetsSearchRecentResponse:
 * data[] of Tweet, includes.users[] of User, meta, errors[] of Problem).
 */
#ifndef JK_XAPI_H
#define JK_XAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"
#include "post.h"

/* Results per page we ask for: the endpoint's maximum. */
#define JK_XAPI_MAX_RESULTS 100
/* Longest query the endpoint takes (OpenAPI: query maxLength). */
#define JK_XAPI_MAX_QUERY_BYTES 4096
/* One post's text after t.co links are expanded: a response full of one
 * short link repeated, each expanding to a long URL, must not blow up. */
#define JK_XAPI_MAX_TEXT_BYTES (256u * 1024u)

/* What the page says about paging (meta), and what the parser left out.
 * Strings are owned by the page; NULL when the response lacks them. */
typedef struct jk_xapi_page {
    char *newest_id;         /* meta.newest_id: the highest tweet id in the page */
    char *oldest_id;         /* meta.oldest_id */
    char *next_token;        /* meta.next_token; NULL on the last page */
    long long result_count;  /* meta.result_count; -1 when absent */
    size_t tweets;           /* entries in data[] */
    size_t skipped;          /* malformed tweets left out (logged) */
    size_t errors;           /* entries in errors[] (partial errors, logged) */
} jk_xapi_page;

typedef void (*jk_xapi_log_fn)(void *ctx, const char *message);

void jk_xapi_page_init(jk_xapi_page *page);
void jk_xapi_page_release(jk_xapi_page *page);

/* Read one search response (len bytes of JSON) and append a post per tweet
 * to posts: external_id the tweet id, url https://x.com/USERNAME/status/ID
 * (…/i/web/status/ID when the author is not in includes.users), author
 * "@username", posted_at created_at as "YYYY-MM-DDTHH:MM:SSZ", lang, and
 * the text — note_tweet.text for long posts — with &amp; &lt; &gt;
 * decoded and t.co links replaced by the expanded URLs that entities.urls
 * gives. A tweet without a valid id or text is skipped, counted in
 * page->skipped and logged; errors[] entries are counted and logged.
 * log may be NULL. page must be initialised; it is overwritten.
 * Returns JK_OK; JK_EPARSE (err says what) when the bytes are not JSON or
 * not shaped like a search response (posts then gain nothing); JK_ENOMEM. */
int jk_xapi_parse_search(const char *json, size_t len, jk_posts *posts, jk_xapi_page *page,
                         jk_xapi_log_fn log, void *log_ctx, jk_error *err);

/* Append to out the recent-search URL under base (the API base URL, e.g.
 * "https://api.x.com", a trailing slash allowed): the query percent-
 * encoded (RFC 3986 §2.1, every byte outside the unreserved set),
 * max_results=100, the tweet, expansion and user fields the parser reads,
 * and since_id / next_token when not NULL. JK_EINVAL when the query is
 * empty or longer than JK_XAPI_MAX_QUERY_BYTES, or since_id is not a
 * tweet id; JK_ELIMIT when out is full. */
int jk_xapi_search_url(jk_buf *out, const char *base, const char *query, const char *since_id,
                       const char *next_token, jk_error *err);

/* A one-line summary of an error response body (RFC 7807 problem: "title:
 * detail", or the first errors[].message), for messages about 4xx/5xx
 * answers; "" when the body says nothing readable. Always NUL-terminated;
 * control characters become spaces. */
void jk_xapi_problem(const char *json, size_t len, char *out, size_t size);

/* True for a tweet id: 1 to 19 ASCII digits (OpenAPI TweetId). */
bool jk_xapi_is_id(const char *s);

/* created_at as "YYYY-MM-DDTHH:MM:SSZ" (UTC) in out: from RFC 3339 with
 * optional fraction and Z or an offset, or the v1.1 form "Wed Jan 06
 * 18:40:40 +0000 2021" that X's own examples still show. Returns false
 * (out = "") when the text is neither or names an impossible time. */
bool jk_xapi_time(const char *in, char out[21]);

#endif
