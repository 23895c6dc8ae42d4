/*
 * collect_web.c — the "web" collector: one web page or bulletin-board
 * thread (target: its URL), fetched politely and taken in as posts.
 *
 * Owns: the conditional GET cursor (the source's state is
 * {"etag": …, "last_modified": …}) and the choice of platform ("board" for
 * a thread split into posts, "web" for a page taken whole). Must not parse
 * HTML (webpage.c does) or talk to the network except through ctx->http,
 * which applies robots.txt, the address checks and the rate limits.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "collect.h"
#include "webpage.h"

#define ACCEPT_HTML "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

typedef struct web_state {
    char *etag;
    char *last_modified;
} web_state;

static char *json_dup(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? jk_strdup(s) : NULL;
}

/* Read the cursor; a state that is not ours (hand-edited, another kind's)
 * only costs one unconditional fetch. */
static void state_read(jk_collect_ctx *ctx, const jk_source *src, web_state *st)
{
    memset(st, 0, sizeof *st);
    if (!src->state || !*src->state)
        return;
    json_error_t jerr;
    json_t *root = json_loads(src->state, 0, &jerr);
    if (!json_is_object(root)) {
        jk_collect_logf(ctx, "source %s: state is not a JSON object (%s); fetching afresh",
                        src->name, root ? "wrong type" : jerr.text);
        json_decref(root);
        return;
    }
    st->etag = json_dup(root, "etag");
    st->last_modified = json_dup(root, "last_modified");
    json_decref(root);
}

static void state_release(web_state *st)
{
    free(st->etag);
    free(st->last_modified);
    memset(st, 0, sizeof *st);
}

/* The new cursor as JSON text (caller frees), or NULL when out of memory. */
static char *state_write(const char *etag, const char *last_modified)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
    if (etag && *etag)
        json_object_set_new(root, "etag", json_string(etag));
    if (last_modified && *last_modified)
        json_object_set_new(root, "last_modified", json_string(last_modified));
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

/* Is the Content-Type one a page is parsed from? No header: look at the
 * bytes anyway (old boards send none). Images, PDFs, archives are not read
 * as HTML: their bytes would become nonsense text in the store. */
static int is_page_type(const char *content_type)
{
    if (!content_type || !*content_type)
        return 1;
    static const char *const types[] = {"text/", "application/xhtml+xml", "application/xml",
                                        NULL};
    for (size_t i = 0; types[i]; i++)
        if (strncasecmp(content_type, types[i], strlen(types[i])) == 0)
            return 1;
    return 0;
}

int jk_collect_web(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    if (!ctx->http)
        return jk_error_set(err, JK_EINVAL, "source %s: no HTTP client to fetch %s", src->name,
                            src->target);
    int rc = JK_OK;
    web_state st;
    state_read(ctx, src, &st);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_webpage page;
    jk_webpage_init(&page);
    char *state = NULL;

    jk_http_request req;
    memset(&req, 0, sizeof req);
    req.url = src->target;
    req.accept = ACCEPT_HTML;
    req.if_none_match = st.etag;
    req.if_modified_since = st.last_modified;
    req.allow_private = src->allow_private;
    req.obey_robots = true; /* a page source is a crawler's visit */
    jk_error fetch_err;
    jk_error_clear(&fetch_err);
    rc = jk_http_fetch(ctx->http, &req, &resp, &fetch_err);
    if (rc) {
        jk_error_set(err, rc, "source %s: %s", src->name, fetch_err.message);
        goto done;
    }
    int64_t now = (int64_t)time(NULL);
    if (resp.status == 304) {
        /* unchanged since the cursor: the run is complete, nothing to take */
        jk_collect_logf(ctx, "source %s: %s not modified", src->name, src->target);
        jk_posts none;
        jk_posts_init(&none);
        rc = jk_collect_take_page(ctx, src, "web", &none, src->state ? src->state : "{}", now,
                                  err);
        goto done;
    }
    if (resp.status < 200 || resp.status > 299) {
        rc = jk_error_set(err, JK_ENET, "source %s: %s answered HTTP %ld", src->name,
                          resp.final_url ? resp.final_url : src->target, resp.status);
        goto done;
    }
    const char *url = resp.final_url && *resp.final_url ? resp.final_url : src->target;
    if (!is_page_type(resp.content_type)) {
        rc = jk_error_set(err, JK_EPARSE, "source %s: %s is %s, not a web page", src->name, url,
                          resp.content_type);
        goto done;
    }
    if (resp.truncated)
        jk_collect_logf(ctx, "source %s: %s: body cut off at the size limit; parsing what came",
                        src->name, url);
    jk_error parse_err;
    rc = jk_webpage_parse(resp.body.data, resp.body.len, resp.content_type, url, &page,
                          &parse_err);
    if (rc) {
        jk_error_set(err, rc, "source %s: %s", src->name, parse_err.message);
        goto done;
    }
    jk_collect_logf(ctx, "source %s: %s: %zu %s%s (%s), %zu links%s", src->name, url,
                    page.posts.n, page.layout ? "posts" : "page",
                    page.posts_truncated ? " (more left on the page)" : "",
                    page.layout ? page.layout : "no board layout", page.link_count,
                    page.links_truncated ? " (more left on the page)" : "");
    state = state_write(resp.etag, resp.last_modified);
    if (!state) {
        rc = jk_error_set(err, JK_ENOMEM, "source %s: out of memory", src->name);
        goto done;
    }
    rc = jk_collect_take_page(ctx, src, page.layout ? "board" : "web", &page.posts, state, now,
                              err);
done:
    free(state);
    jk_webpage_release(&page);
    jk_http_response_release(&resp);
    state_release(&st);
    return rc;
}
