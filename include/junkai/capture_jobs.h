/*
 * capture_jobs.h — the queue of page captures (screenshot, DOM, MHTML:
 * src/evidence/capture.h) that follow an item being filed into a case.
 * Part of the store (store.h): the same handle and batch rules.
 *
 * A job is queued in the batch that files the item, so a filed item always
 * has its capture asked for; a worker (`junkai serve`, `junkai capture
 * --pending`) claims one at a time. Claiming marks the job "running" with
 * a lease: a worker that dies mid-capture leaves it running, and once the
 * lease runs out the job is claimed again — retried, never lost. A failed
 * attempt is queued again later until the attempts run out; then the job
 * is "failed" with its last error, until a person queues it again.
 *
 *     queued ──claim──▶ running ──▶ done
 *       ▲                 │  │
 *       └── retry ────────┘  └──▶ failed ──requeue──▶ queued
 */
#ifndef JUNKAI_CAPTURE_JOBS_H
#define JUNKAI_CAPTURE_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "junkai/error.h"
#include "junkai/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jk_capture_job {
    int64_t id;
    int64_t item_id;
    const char *url;
    bool allow_private; /* the item's source was added with --allow-private */
    const char *state;  /* queued, running, done, failed */
    long attempts;
    int64_t next_attempt_unix;
    int64_t lease_until_unix;
    const char *last_error;
    const char *requested_by;
    const char *created_at;
    const char *updated_at;
    int64_t evidence_id; /* the capture's manifest row once done; 0 */
} jk_capture_job;
typedef int (*jk_capture_job_fn)(void *ctx, const jk_capture_job *job);

/* Queue a capture of an item's URL (inside the caller's batch). Nothing is
 * queued (*job_id 0) when the item has no http(s) URL or a capture of it
 * is queued or running already. JK_ENOTFOUND for no such item. */
int jk_store_capture_enqueue(jk_store *st, int64_t item_id, const char *requested_by,
                             int64_t *job_id, jk_error *err);

/* Claim the oldest job due at now_unix (queued and its time come, or
 * running with its lease run out): it becomes running, attempts + 1, the
 * lease until now_unix + lease_seconds; fn sees it as claimed. One
 * statement, so two workers never claim one job. A job whose lease ran
 * out with no attempts left becomes failed ("interrupted") instead.
 * JK_ENOTFOUND when none is due. */
int jk_store_capture_claim(jk_store *st, int64_t now_unix, int64_t lease_seconds, long max_attempts,
                           jk_capture_job_fn fn, void *ctx, jk_error *err);

/* The outcome of a claimed job: done (evidence_id: the manifest row),
 * queued again at retry_at_unix (error kept), or failed (retry_at_unix 0;
 * error kept). JK_EINVAL when the job is not running. */
int jk_store_capture_finish(jk_store *st, int64_t id, const char *outcome, int64_t evidence_id,
                            const char *error, int64_t retry_at_unix, jk_error *err);

/* Put a claimed job back as it was before the claim (the worker was
 * stopped, not the capture failing). */
int jk_store_capture_release(jk_store *st, int64_t id, jk_error *err);

/* A failed job back to the queue, its attempts reset. JK_EINVAL unless
 * failed; JK_ENOTFOUND. */
int jk_store_capture_requeue(jk_store *st, int64_t id, jk_error *err);

/* Jobs newest first, of one state (NULL: any); limit 0: all. */
int jk_store_capture_jobs(jk_store *st, const char *state, size_t limit, jk_capture_job_fn fn,
                          void *ctx, jk_error *err);

#ifdef __cplusplus
}
#endif
#endif
