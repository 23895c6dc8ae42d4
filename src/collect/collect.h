/*
 * collect.h — collectors: one function per source kind that reads new
 * posts from the source and takes them into the store through jk_ingest,
 * committing each batch together with the source's cursor.
 */
#ifndef JK_COLLECT_H
#define JK_COLLECT_H

#include <signal.h>

#include "http.h"
#include "ingest.h"
#include "post.h"

/* Where collectors report per-post problems (file:line, URL, item id). */
typedef void (*jk_collect_log)(void *ctx, const char *message);

typedef struct jk_collect_ctx {
    jk_ingest *ingest;
    int64_t run_id;
    jk_collect_log log;
    void *log_ctx;
    volatile sig_atomic_t *stop; /* set by a signal handler: finish the batch, return */
    jk_http *http;               /* network collectors fetch through this only */
    void (*progress)(void *ctx); /* called after each committed batch; may be NULL */
    void *progress_ctx;
    /* When set, items taken in are linked to the evidence of the fetches
     * their page came from (src/evidence/evidence.h); may be NULL. */
    struct jk_evidence_sink *evidence;
} jk_collect_ctx;

typedef int (*jk_collect_fn)(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

typedef struct jk_collector {
    const char *kind;    /* what `junkai source add KIND` takes */
    jk_collect_fn run;
    const char *target;  /* what TARGET means, for --help */
    int local_file;      /* TARGET is a path (made absolute); else an http(s) URL */
} jk_collector;

/* For network collectors: take one page of posts (one response) into the
 * store as one batch, committed together with the source's new state (a
 * JSON object the collector owns: cursors, ETag, …). platform names the
 * items' platform ("mastodon", "feed", …). raw/raw_len are the response
 * bytes the page came from (evidence; may be NULL). finished_unix as in
 * jk_store_source_state: not 0 when this is the last page of the run.
 * Posts that cannot be taken in (too long, no text) are logged with the
 * source name and the post's id or URL and skipped; the rest go on. */
int jk_collect_take_page(jk_collect_ctx *ctx, const jk_source *src, const char *platform,
                         const jk_posts *posts, const char *state, int64_t finished_unix,
                         jk_error *err);

/* Log a line through ctx->log, printf-style. */
void jk_collect_logf(jk_collect_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The collector of a source kind, or NULL. */
const jk_collector *jk_collector_find(const char *kind);
/* Every collector, in the order --help lists them; *count is set. */
const jk_collector *jk_collectors(size_t *count);

/* A JSONL file (target: its path), read from the byte offset saved in the
 * source's state ({"offset":N}) to the end. Returns 0, or an error that
 * ended the run (the batch in flight is rolled back, the cursor stays). */
int jk_collect_jsonl(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

/* A web page or bulletin-board thread (target: its URL), fetched with
 * robots.txt obeyed and a conditional GET ({"etag","last_modified"} in the
 * state); a thread of a known board layout becomes one "board" item per
 * post, any other page one "web" item (collect_web.c, webpage.h). */
int jk_collect_web(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

/* An RSS or Atom feed (target: its URL), fetched with a conditional GET
 * whose ETag / Last-Modified are kept in the source's state; the entries
 * go in as one batch. 304 commits the unchanged state; a non-2xx status or
 * a document that is not a feed is an error naming the URL. */
int jk_collect_feed(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

/* A Mastodon or Misskey instance (target: its base URL; query: empty for
 * the public timeline, "#tag" for a hashtag, other text for a search),
 * paged by id with the newest id saved as {"since_id":"…"}; see
 * collect_mastodon.c and collect_misskey.c. */
int jk_collect_mastodon(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);
int jk_collect_misskey(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);
/* X API v2 recent search (target: the API base URL; query: the search;
 * bearer token from JUNKAI_X_BEARER_TOKEN), cursor {"since_id":…} with
 * paging and rate-limit state (collect_x.c). */
int jk_collect_x(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

#endif
