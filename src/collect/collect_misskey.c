/*
 * collect_misskey.c — the collector for a Misskey instance (TARGET: its
 * base URL). Every API call is a POST with a JSON body; a token, when
 * JUNKAI_MISSKEY_TOKEN is set, goes into the body as "i".
 *
 * Paging (Misskey ids sort by time; the server compares them as strings):
 *   first run (no cursor): the newest page, then untilId = the oldest id
 *     so far while pages come back non-empty, at most JK_SOCIAL_MAX_PAGES
 *     pages. Every page commits the cursor = the newest id of the first
 *     page, so a run killed mid-walk never skips later posts.
 *   later runs: sinceId = cursor. Misskey answers a sinceId-only request
 *     with the oldest notes after it, so while pages come back full,
 *     sinceId = the newest id seen goes on without a gap; each page
 *     commits that id.
 */
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "link_header.h"
#include "misskey.h"

#define MISSKEY_LIMIT 100

typedef struct run {
    jk_collect_ctx *ctx;
    const jk_source *src;
    const char *token;
    bool first_run;
    char *cursor; /* the since_id committed with every page */
    char *walked; /* first run: the oldest id so far (the next untilId) */
    jk_buf url, body;
    jk_social_log_ctx logc;
} run;

static int replace(char **slot, const char *id)
{
    char *copy = id ? strdup(id) : NULL;
    if (id && !copy)
        return JK_ENOMEM;
    free(*slot);
    *slot = copy;
    return JK_OK;
}

/* Update the cursor from one page; *more says whether to ask again. */
static int plan_next(run *r, int n, const jk_social_page *page, bool *more)
{
    int rc = JK_OK;
    *more = false;
    if (r->first_run) {
        if (n == 0 && (rc = replace(&r->cursor, page->newest_id)))
            return rc;
        if (!page->oldest_id || (r->walked && jk_misskey_id_cmp(page->oldest_id, r->walked) >= 0))
            return JK_OK; /* empty, or a server repeating itself */
        *more = true;
        return replace(&r->walked, page->oldest_id);
    }
    if (!page->newest_id || jk_misskey_id_cmp(page->newest_id, r->cursor) <= 0)
        return JK_OK;
    *more = page->elements >= MISSKEY_LIMIT;
    return replace(&r->cursor, page->newest_id);
}

static int one_page(run *r, int n, bool *more, jk_error *err)
{
    int rc = jk_misskey_page_request(r->src->target, r->src->query, MISSKEY_LIMIT,
                                     r->first_run ? NULL : r->cursor,
                                     r->first_run ? r->walked : NULL, r->token, &r->url, &r->body);
    if (rc)
        return jk_error_set(err, rc, "source %s: cannot build the request (%s)", r->src->name,
                            rc == JK_EINVAL ? "query or token is not UTF-8" : jk_strerror(rc));
    jk_http_request req = {0};
    req.method = "POST";
    req.url = r->url.data;
    req.body = r->body.data;
    req.body_len = r->body.len;
    req.content_type = "application/json";
    req.allow_private = r->src->allow_private;
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_social_page page;
    jk_social_page_init(&page);
    *more = false;
    rc = jk_social_fetch(r->ctx->http, r->src->name, &req, &resp, err);
    if (!rc)
        rc = jk_misskey_parse(resp.body.data, resp.body.len, r->url.data, &page,
                              jk_social_log_line, &r->logc, err);
    if (!rc && (rc = plan_next(r, n, &page, more)))
        jk_error_set(err, rc, "source %s: out of memory", r->src->name);
    if (!rc) {
        bool last = !*more || n + 1 == JK_SOCIAL_MAX_PAGES;
        rc = jk_social_commit(r->ctx, r->src, "misskey", &page, r->cursor, last, err);
    }
    jk_social_page_release(&page);
    jk_http_response_release(&resp);
    return rc;
}

int jk_collect_misskey(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    run r = {0};
    r.ctx = ctx;
    r.src = src;
    r.logc.ctx = ctx;
    r.logc.source = src->name;
    jk_buf_init(&r.url, 0);
    jk_buf_init(&r.body, 0);
    jk_social_mode mode;
    const char *term;
    size_t term_len;
    int rc;
    if (jk_social_query(src->query, &mode, &term, &term_len)) {
        rc = jk_error_set(err, JK_EINVAL, "source %s: query \"#\" names no hashtag", src->name);
        goto done;
    }
    if ((rc = jk_url_origin(src->target, NULL, NULL))) {
        rc = jk_error_set(err, rc, "source %s: %s is not an http(s) instance URL", src->name,
                          src->target);
        goto done;
    }
    r.token = getenv("JUNKAI_MISSKEY_TOKEN");
    if (r.token && !*r.token)
        r.token = NULL;
    if ((rc = jk_social_saved_cursor(src->state, &r.cursor))) {
        rc = jk_error_set(err, rc, "source %s: out of memory", src->name);
        goto done;
    }
    r.first_run = r.cursor == NULL;
    bool more = true;
    for (int n = 0; more && n < JK_SOCIAL_MAX_PAGES; n++) {
        rc = one_page(&r, n, &more, err);
        if (rc || (ctx->stop && *ctx->stop))
            break;
    }
done:
    free(r.cursor);
    free(r.walked);
    jk_buf_release(&r.url);
    jk_buf_release(&r.body);
    return rc;
}
