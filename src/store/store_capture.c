/*
 * store_capture.c — the backend-independent half of the capture jobs
 * (junkai/capture_jobs.h): argument checks and dispatch through the
 * backend's capture ops.
 * Must not touch: SQL (store_sqlite_capture.c).
 */
#include <string.h>

#include "junkai/capture_jobs.h"
#include "store_ops.h"

#define CAPTURE_OPS(st) ((st)->ops->capture)

int jk_store_capture_enqueue(jk_store *st, int64_t item_id, const char *requested_by,
                             int64_t *job_id, jk_error *err)
{
    if (item_id <= 0)
        return jk_error_set(err, JK_EINVAL, "a capture needs an item");
    if (!requested_by || !requested_by[0])
        return jk_error_set(err, JK_EINVAL, "a capture needs the user who asked for it");
    return CAPTURE_OPS(st)->enqueue(st->impl, item_id, requested_by, job_id, err);
}

int jk_store_capture_claim(jk_store *st, int64_t now_unix, int64_t lease_seconds, long max_attempts,
                           jk_capture_job_fn fn, void *ctx, jk_error *err)
{
    if (lease_seconds <= 0 || max_attempts <= 0)
        return jk_error_set(err, JK_EINVAL, "a claim needs a lease and attempts");
    return CAPTURE_OPS(st)->claim(st->impl, now_unix, lease_seconds, max_attempts, fn, ctx, err);
}

int jk_store_capture_finish(jk_store *st, int64_t id, const char *outcome, int64_t evidence_id,
                            const char *error, int64_t retry_at_unix, jk_error *err)
{
    const char *state;
    if (outcome && strcmp(outcome, "done") == 0)
        state = "done";
    else if (outcome && strcmp(outcome, "retry") == 0)
        state = "queued";
    else if (outcome && strcmp(outcome, "failed") == 0)
        state = "failed";
    else
        return jk_error_set(err, JK_EINVAL, "a capture ends done, retry or failed");
    if (strcmp(state, "done") != 0 && (!error || !error[0]))
        return jk_error_set(err, JK_EINVAL, "a failed capture needs its error");
    return CAPTURE_OPS(st)->finish(st->impl, id, state, evidence_id,
                                   strcmp(state, "done") == 0 ? NULL : error, retry_at_unix, err);
}

int jk_store_capture_release(jk_store *st, int64_t id, jk_error *err)
{
    return CAPTURE_OPS(st)->release(st->impl, id, err);
}

int jk_store_capture_requeue(jk_store *st, int64_t id, jk_error *err)
{
    return CAPTURE_OPS(st)->requeue(st->impl, id, err);
}

int jk_store_capture_jobs(jk_store *st, const char *state, size_t limit, jk_capture_job_fn fn,
                          void *ctx, jk_error *err)
{
    return CAPTURE_OPS(st)->jobs(st->impl, state, limit, fn, ctx, err);
}
