/*
 * collect_jsonl.c — the collector for a local JSONL file of posts. The
 * cursor is the byte offset after the last line taken in; it commits in the
 * same transaction as the posts before it, so a kill at any moment resumes
 * exactly where the last commit left off: nothing lost, nothing twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "input.h"
#include "junkai/limits.h"

#define COLLECT_BATCH 5000

static unsigned long long saved_offset(const char *state)
{
    /* the state is our own {"offset":N}; anything else starts over */
    const char *p = state ? strstr(state, "\"offset\":") : NULL;
    return p ? strtoull(p + 9, NULL, 10) : 0;
}

static void logf_place(jk_collect_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_place(jk_collect_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctx->log)
        ctx->log(ctx->log_ctx, msg);
}

static int commit_batch(jk_collect_ctx *ctx, const jk_source *src, unsigned long long offset,
                        int64_t finished, jk_error *err)
{
    char state[64];
    snprintf(state, sizeof state, "{\"offset\":%llu}", offset);
    int rc = jk_store_source_state(ctx->ingest->store, src->id, state, finished, err);
    if (!rc)
        rc = jk_store_commit(ctx->ingest->store, err);
    return rc;
}

int jk_collect_jsonl(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    unsigned long long base = saved_offset(src->state), offset = base;
    FILE *fp = fopen(src->target, "rb");
    if (!fp)
        return jk_error_set(err, JK_EIO, "source %s: cannot open %s: %s", src->name, src->target,
                            strerror(errno));
    if (base && fseeko(fp, (off_t)base, SEEK_SET) != 0) {
        fclose(fp);
        return jk_error_set(err, JK_EIO, "source %s: cannot seek in %s", src->name, src->target);
    }
    jk_line_reader reader;
    jk_line_reader_init(&reader, fp, JK_MAX_LINE_BYTES);
    jk_buf msg;
    jk_buf_init(&msg, 4096);
    int rc = jk_store_begin(ctx->ingest->store, err);
    long in_batch = 0;
    const char *line;
    size_t len;
    int got;
    while (!rc && (got = jk_line_reader_next(&reader, &line, &len)) != 0) {
        /* line numbers count from the cursor: name the byte offset too */
        unsigned long long at = offset;
        if (got < 0) {
            logf_place(ctx, "%s: line at byte %llu: %s; skipped", src->target, at,
                       got == JK_ELIMIT ? "too long" : "read error");
            ctx->ingest->skipped++;
            if (got != JK_ELIMIT) {
                rc = jk_error_set(err, JK_EIO, "source %s: read error", src->name);
                break;
            }
        } else if (len > 0) {
            jk_item_in item;
            memset(&item, 0, sizeof item);
            json_t *obj = NULL;
            char idbuf[32];
            jk_buf_reset(&msg);
            if (jk_ingest_parse_jsonl(line, len, &item, &obj, idbuf, sizeof idbuf, &msg)) {
                logf_place(ctx, "%s: line at byte %llu: %s; skipped", src->target, at, msg.data);
                ctx->ingest->skipped++;
            } else {
                if (!item.platform)
                    item.platform = src->name;
                item.source_id = src->id;
                item.run_id = ctx->run_id;
                item.raw = line;
                item.raw_len = len;
                int r = jk_ingest_post(ctx->ingest, &item, err);
                if (r == JK_ELIMIT) {
                    logf_place(ctx, "%s: post %s: %s; skipped", src->target, item.external_id,
                               err->message);
                } else if (r) {
                    rc = r;
                }
            }
            json_decref(obj);
        }
        offset = base + jk_line_reader_offset(&reader); /* the reader counts from base */
        if (!rc && ++in_batch == COLLECT_BATCH) {
            rc = commit_batch(ctx, src, offset, 0, err);
            if (!rc && ctx->progress)
                ctx->progress(ctx->progress_ctx);
            if (!rc && ctx->stop && *ctx->stop) {
                jk_buf_release(&msg);
                jk_line_reader_release(&reader);
                fclose(fp);
                return JK_OK; /* asked to stop: the cursor is saved */
            }
            if (!rc)
                rc = jk_store_begin(ctx->ingest->store, err);
            in_batch = 0;
        }
    }
    if (!rc)
        rc = commit_batch(ctx, src, offset, (int64_t)time(NULL), err);
    else
        jk_store_rollback(ctx->ingest->store);
    jk_buf_release(&msg);
    jk_line_reader_release(&reader);
    fclose(fp);
    return rc;
}
