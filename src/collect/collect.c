/*
 * collect.c — the table of collectors, one per source kind. A new kind is
 * one line here and one collect_KIND.c.
 */
#include "collect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evidence.h"

static const jk_collector collectors[] = {
    {"jsonl", jk_collect_jsonl, "a local JSONL file of posts, read on from where the last patrol stopped", 1},
    {"feed", jk_collect_feed, "an RSS or Atom feed URL", 0},
    {"mastodon", jk_collect_mastodon, "a Mastodon instance URL; --query: none = public timeline, #TAG = hashtag\n"
     "            timeline, other text = status search (token: $JUNKAI_MASTODON_TOKEN)", 0},
    {"misskey", jk_collect_misskey, "a Misskey instance URL; --query: none = global timeline, #TAG = notes by\n"
     "            tag, other text = notes search (token: $JUNKAI_MISSKEY_TOKEN)", 0},
    {"web", jk_collect_web, "a web page or bulletin-board thread URL (5ch/2ch threads are split into\n"
     "            posts; robots.txt is honoured)", 0},
    {"x", jk_collect_x, "the X API v2 base URL (https://api.x.com); --query: the recent search (required;\n"
     "            token: $JUNKAI_X_BEARER_TOKEN or x_bearer_token in junkai.yaml)", 0},
};

const jk_collector *jk_collectors(size_t *count)
{
    *count = sizeof collectors / sizeof collectors[0];
    return collectors;
}

const jk_collector *jk_collector_find(const char *kind)
{
    for (size_t i = 0; i < sizeof collectors / sizeof collectors[0]; i++)
        if (strcmp(collectors[i].kind, kind) == 0)
            return &collectors[i];
    return NULL;
}

void jk_collect_logf(jk_collect_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctx->log)
        ctx->log(ctx->log_ctx, msg);
}

/* The item just taken in came from the fetches since the last page. */
static int link_evidence(jk_collect_ctx *ctx, jk_error *err)
{
    size_t n;
    const int64_t *ids = jk_evidence_sink_pending(ctx->evidence, &n);
    for (size_t i = 0; i < n; i++) {
        int rc = jk_store_item_evidence(ctx->ingest->store, ctx->ingest->last_item_id, ids[i], err);
        if (rc)
            return rc;
    }
    return JK_OK;
}

int jk_collect_take_page(jk_collect_ctx *ctx, const jk_source *src, const char *platform,
                         const jk_posts *posts, const char *state, int64_t finished_unix,
                         jk_error *err)
{
    jk_store *store = ctx->ingest->store;
    int rc = jk_store_begin(store, err);
    for (size_t i = 0; !rc && i < posts->n; i++) {
        const jk_post *p = &posts->v[i];
        if (!p->external_id || !*p->external_id) {
            jk_collect_logf(ctx, "source %s: post without an id%s%s; skipped", src->name,
                            p->url ? " at " : "", p->url ? p->url : "");
            ctx->ingest->skipped++;
            continue;
        }
        jk_item_in item;
        memset(&item, 0, sizeof item);
        item.platform = platform;
        item.external_id = p->external_id;
        item.url = p->url;
        item.author = p->author;
        item.posted_at = p->posted_at;
        item.lang = p->lang;
        item.text = p->text;
        item.text_len = p->text_len;
        /* the post's own text is what its hash covers: the same post met
         * again in another page or response must dedupe */
        item.raw = p->text;
        item.raw_len = p->text_len;
        item.source_id = src->id;
        item.run_id = ctx->run_id;
        int r = jk_ingest_post(ctx->ingest, &item, err);
        if (!r)
            r = link_evidence(ctx, err);
        if (r == JK_ELIMIT)
            jk_collect_logf(ctx, "source %s: post %s: %s; skipped", src->name, p->external_id,
                            err->message);
        else if (r)
            rc = r;
    }
    if (!rc)
        rc = jk_store_source_state(store, src->id, state, finished_unix, err);
    if (!rc)
        rc = jk_store_commit(store, err);
    else
        jk_store_rollback(store);
    if (!rc)
        jk_evidence_sink_clear(ctx->evidence);
    if (!rc && ctx->progress)
        ctx->progress(ctx->progress_ctx);
    return rc;
}
