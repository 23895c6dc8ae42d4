/*
 * collect_mastodon.c — the collector for a Mastodon instance (TARGET: its
 * base URL) and the page fetch both social collectors share.
 *
 * Paging (https://docs.joinmastodon.org/api/guidelines/#pagination):
 *   first run (no cursor): the newest page, then older pages through
 *     Link rel="next" (max_id for search, which sends no Link), at most
 *     JK_SOCIAL_MAX_PAGES pages. Every page commits the cursor = the newest
 *     id of the first page, so a run killed mid-walk never skips the posts
 *     that arrive later; the store's dedupe makes a refetch harmless.
 *   later runs: min_id=cursor gives the page right after the cursor; while
 *     pages come back full, Link rel="prev" (or min_id=newest) goes on.
 *     Each page commits the newest id seen, so the cursor never passes a
 *     post not yet stored.
 * Links are followed only on the instance's own origin: a response must
 * not steer the patrol elsewhere.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "link_header.h"
#include "mastodon.h"

#define MASTODON_LIMIT 40

static void snippet(const jk_buf *body, char *out, size_t cap)
{
    size_t n = body->len < 200 ? body->len : 200;
    /* cut at a character boundary, and keep the log line on one line */
    while (n > 0 && n < body->len && ((unsigned char)body->data[n] & 0xC0) == 0x80)
        n--;
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)body->data[i];
        out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    out[n] = '\0';
}

int jk_social_fetch(jk_http *http, const char *source, jk_http_request *req,
                    jk_http_response *resp, jk_error *err)
{
    if (!http)
        return jk_error_set(err, JK_EINVAL, "source %s: no HTTP client to fetch %s", source,
                            req->url);
    if (!req->accept)
        req->accept = "application/json";
    int rc = jk_http_fetch(http, req, resp, err);
    if (rc)
        return rc; /* err names the URL and the reason */
    if (resp->status < 200 || resp->status > 299) {
        char text[201];
        snippet(&resp->body, text, sizeof text);
        return jk_error_set(err, JK_ENET, "source %s: %s %s: HTTP status %ld%s%s", source,
                            req->method ? req->method : "GET", req->url, resp->status,
                            text[0] ? ": " : "", text);
    }
    if (resp->truncated)
        return jk_error_set(err, JK_ELIMIT, "source %s: %s: the response was cut off at the size limit",
                            source, req->url);
    return JK_OK;
}

int jk_social_saved_cursor(const char *state, char **cursor)
{
    *cursor = NULL;
    if (!state || !*state)
        return JK_OK;
    json_t *root = json_loads(state, 0, NULL);
    const char *id = json_string_value(json_object_get(root, "since_id"));
    /* a cursor we cannot use means starting over: the store dedupes */
    if (jk_social_id_ok(id)) {
        *cursor = strdup(id);
        if (!*cursor) {
            json_decref(root);
            return JK_ENOMEM;
        }
    }
    json_decref(root);
    return JK_OK;
}

int jk_social_commit(jk_collect_ctx *ctx, const jk_source *src, const char *platform,
                     const jk_social_page *page, const char *cursor, bool last, jk_error *err)
{
    char state[32 + JK_SOCIAL_MAX_ID];
    if (cursor)
        snprintf(state, sizeof state, "{\"since_id\":\"%s\"}", cursor); /* id chars need no escape */
    else
        snprintf(state, sizeof state, "{}");
    ctx->ingest->skipped += (long)page->skipped;
    return jk_collect_take_page(ctx, src, platform, &page->posts, state,
                                last ? (int64_t)time(NULL) : 0, err);
}

void jk_social_log_line(void *log_ctx, const char *message)
{
    jk_social_log_ctx *l = log_ctx;
    jk_collect_logf(l->ctx, "source %s: %s", l->source, message);
}

/* Move *slot to a new copy of id. */
static int replace(char **slot, const char *id)
{
    char *copy = id ? strdup(id) : NULL;
    if (id && !copy)
        return JK_ENOMEM;
    free(*slot);
    *slot = copy;
    return JK_OK;
}

typedef struct run {
    jk_collect_ctx *ctx;
    const jk_source *src;
    const char *origin;
    const char *token;
    bool first_run;
    char *cursor; /* the since_id committed with every page */
    char *walked; /* first run: the oldest id so far; the walk must go older */
    jk_buf url;   /* a built page URL */
    jk_social_log_ctx logc;
} run;

/* The Link target to follow (next on the first run's walk back, prev
 * forward), if the response has one on the instance's origin. */
static int link_to_follow(run *r, const jk_http_response *resp, const char *url, char **link)
{
    *link = NULL;
    char *header = jk_http_response_header(resp, "Link");
    if (!header)
        return JK_OK;
    jk_links links;
    jk_links_init(&links);
    int rc = jk_link_header_parse(header, strlen(header), resp->final_url ? resp->final_url : url,
                                  &links, NULL);
    const char *target = jk_links_find(&links, r->first_run ? "next" : "prev");
    if (!rc && target && jk_url_on_origin(target, r->origin) && !(*link = strdup(target)))
        rc = JK_ENOMEM;
    jk_links_release(&links);
    free(header);
    return rc;
}

/* Update the cursor from one page and say where the next page is (*follow
 * borrowed from link or r->url; NULL: the run ends here). */
static int plan_next(run *r, int n, const jk_social_page *page, const char *link,
                     const char **follow)
{
    int rc = JK_OK;
    *follow = NULL;
    if (r->first_run) {
        if (n == 0 && (rc = replace(&r->cursor, page->newest_id)))
            return rc;
        /* older than anything so far, or a server repeating itself */
        if (!page->oldest_id || (r->walked && jk_mastodon_id_cmp(page->oldest_id, r->walked) >= 0))
            return JK_OK;
        if ((rc = replace(&r->walked, page->oldest_id)))
            return rc;
        *follow = link;
        if (!link && page->elements >= MASTODON_LIMIT) {
            rc = jk_mastodon_page_url(r->src->target, r->src->query, MASTODON_LIMIT, "max_id",
                                      page->oldest_id, &r->url);
            *follow = rc ? NULL : r->url.data;
        }
        return rc;
    }
    if (!page->newest_id || jk_mastodon_id_cmp(page->newest_id, r->cursor) <= 0)
        return JK_OK;
    if ((rc = replace(&r->cursor, page->newest_id)))
        return rc;
    if (page->elements < MASTODON_LIMIT)
        return JK_OK; /* caught up */
    *follow = link;
    if (!link) {
        rc = jk_mastodon_page_url(r->src->target, r->src->query, MASTODON_LIMIT, "min_id",
                                  r->cursor, &r->url);
        *follow = rc ? NULL : r->url.data;
    }
    return rc;
}

/* Fetch, parse and commit one page; *next becomes the following page's URL
 * or NULL. */
static int one_page(run *r, int n, const char *url, char **next, jk_error *err)
{
    jk_http_request req = {0};
    req.url = url;
    req.bearer_token = r->token;
    req.allow_private = r->src->allow_private;
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_social_page page;
    jk_social_page_init(&page);
    char *link = NULL;
    const char *follow = NULL;
    *next = NULL;
    int rc = jk_social_fetch(r->ctx->http, r->src->name, &req, &resp, err);
    if (!rc)
        rc = jk_mastodon_parse(resp.body.data, resp.body.len, url, &page, jk_social_log_line,
                               &r->logc, err);
    if (!rc && (rc = link_to_follow(r, &resp, url, &link)) == JK_OK)
        rc = plan_next(r, n, &page, link, &follow);
    if (rc == JK_ENOMEM)
        jk_error_set(err, rc, "source %s: out of memory", r->src->name);
    if (!rc) {
        bool last = !follow || n + 1 == JK_SOCIAL_MAX_PAGES;
        rc = jk_social_commit(r->ctx, r->src, "mastodon", &page, r->cursor, last, err);
        if (!rc && !last && !(*next = strdup(follow)))
            rc = jk_error_set(err, JK_ENOMEM, "source %s: out of memory", r->src->name);
    }
    free(link);
    jk_social_page_release(&page);
    jk_http_response_release(&resp);
    return rc;
}

int jk_collect_mastodon(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    run r = {0};
    r.ctx = ctx;
    r.src = src;
    r.logc.ctx = ctx;
    r.logc.source = src->name;
    jk_buf_init(&r.url, 0);
    char *origin = NULL, *url = NULL;
    jk_social_mode mode;
    const char *term;
    size_t term_len;
    int rc;
    if (jk_social_query(src->query, &mode, &term, &term_len)) {
        rc = jk_error_set(err, JK_EINVAL, "source %s: query \"#\" names no hashtag", src->name);
        goto done;
    }
    if ((rc = jk_url_origin(src->target, &origin, NULL))) {
        rc = jk_error_set(err, rc, "source %s: %s is not an http(s) instance URL", src->name,
                          src->target);
        goto done;
    }
    r.origin = origin;
    r.token = getenv("JUNKAI_MASTODON_TOKEN");
    if (r.token && !*r.token)
        r.token = NULL;
    if ((rc = jk_social_saved_cursor(src->state, &r.cursor)))
        goto oom;
    r.first_run = r.cursor == NULL;
    if ((rc = jk_mastodon_page_url(src->target, src->query, MASTODON_LIMIT,
                                   r.first_run ? NULL : "min_id", r.cursor, &r.url)))
        goto oom;
    if (!(url = strdup(r.url.data)))
        goto oom;
    for (int n = 0; url && n < JK_SOCIAL_MAX_PAGES; n++) {
        char *next = NULL;
        rc = one_page(&r, n, url, &next, err);
        free(url);
        url = next;
        if (rc || (ctx->stop && *ctx->stop))
            break;
    }
    goto done;
oom:
    rc = jk_error_set(err, JK_ENOMEM, "source %s: out of memory", src->name);
done:
    free(url);
    free(r.cursor);
    free(r.walked);
    free(origin);
    jk_buf_release(&r.url);
    return rc;
}
