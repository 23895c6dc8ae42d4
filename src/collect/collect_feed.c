/*
 * collect_feed.c — the collector for an RSS or Atom feed URL: one
 * conditional GET per patrol (ETag / Last-Modified kept in the source's
 * state, {"etag":"…","last_modified":"…"}), the document parsed by
 * feed.c, its entries taken in as one batch committed with the new state.
 *
 * Feeds exist to be polled, so robots.txt is not consulted (as feed
 * readers do); every other rule of the fetch (address checks, limits, rate
 * limit, backoff) is jk_http's.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "feed.h"

static const char feed_accept[] =
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1";

/* Prefix err's message with the source's name, keeping its code. */
static int name_source(jk_error *err, int rc, const jk_source *src)
{
    if (!err)
        return rc;
    char msg[JK_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", err->message);
    return jk_error_set(err, rc, "source %s: %s", src->name, msg);
}

/* A string member of the saved state, or NULL. The state is our own
 * JSON; anything unreadable just means an unconditional fetch. */
static const char *state_string(json_t *state, const char *key)
{
    json_t *v = state ? json_object_get(state, key) : NULL;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    return s && *s ? s : NULL;
}

static char *new_state(const jk_http_response *resp)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    int bad = 0;
    if (resp->etag && *resp->etag)
        bad |= json_object_set_new(obj, "etag", json_string(resp->etag));
    if (resp->last_modified && *resp->last_modified)
        bad |= json_object_set_new(obj, "last_modified", json_string(resp->last_modified));
    char *s = bad ? NULL : json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    return s;
}

int jk_collect_feed(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    if (!ctx->http)
        return jk_error_set(err, JK_EINVAL, "source %s: no HTTP client to fetch %s", src->name,
                            src->target);
    json_error_t jerr;
    json_t *saved = src->state && *src->state ? json_loads(src->state, 0, &jerr) : NULL;
    jk_http_request req;
    memset(&req, 0, sizeof req);
    req.url = src->target;
    req.accept = feed_accept;
    req.if_none_match = state_string(saved, "etag");
    req.if_modified_since = state_string(saved, "last_modified");
    req.allow_private = src->allow_private;
    req.obey_robots = false;

    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_posts posts;
    jk_posts_init(&posts);
    char *state = NULL;
    int rc = jk_http_fetch(ctx->http, &req, &resp, err);
    if (rc) {
        rc = name_source(err, rc, src);
        goto done;
    }
    if (resp.status == 304) {
        /* unchanged: nothing to take, but the run is complete */
        rc = jk_collect_take_page(ctx, src, "feed", &posts, src->state ? src->state : "{}",
                                  (int64_t)time(NULL), err);
        goto done;
    }
    if (resp.status < 200 || resp.status > 299) {
        rc = jk_error_set(err, JK_ENET, "source %s: %s: HTTP status %ld", src->name, src->target,
                          resp.status);
        goto done;
    }
    const char *url = resp.final_url ? resp.final_url : src->target;
    if (resp.truncated)
        jk_collect_logf(ctx, "source %s: %s: body cut off at the size limit; reading what came",
                        src->name, url);
    rc = jk_feed_parse(resp.body.data, resp.body.len, resp.content_type, url, &posts, err);
    if (rc) {
        rc = name_source(err, rc, src);
        goto done;
    }
    state = new_state(&resp);
    if (!state) {
        rc = jk_error_set(err, JK_ENOMEM, "source %s: out of memory", src->name);
        goto done;
    }
    rc = jk_collect_take_page(ctx, src, "feed", &posts, state, (int64_t)time(NULL), err);
done:
    free(state);
    jk_posts_release(&posts);
    jk_http_response_release(&resp);
    json_decref(saved);
    return rc;
}
