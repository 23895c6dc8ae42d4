/*
 * store_sqlite_capture.c — the SQLite statements of the capture jobs
 * (junkai/capture_jobs.h; schema: the capture migration in
 * store_sqlite.c). Claiming is one UPDATE … RETURNING, so two workers
 * (a server and `junkai capture --pending`) never take the same job.
 * Must not touch: argument checks (store_capture.c).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sqlite_internal.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

enum {
    CJ_ITEM_EXISTS,
    CJ_ENQUEUE,
    CJ_FAIL_EXPIRED,
    CJ_CLAIM,
    CJ_FINISH,
    CJ_RELEASE,
    CJ_REQUEUE,
    CJ_STATE,
    CJ_LIST,
    CJ_COUNT
};

#define JOB_COLUMNS                                                                                \
    "id, item_id, url, allow_private, state, attempts, next_attempt_unix,"                         \
    " coalesce(lease_until_unix, 0), last_error, requested_by, created_at, updated_at,"            \
    " coalesce(evidence_id, 0)"

static const char *const capture_statements[CJ_COUNT] = {
    [CJ_ITEM_EXISTS] = "SELECT 1 FROM items WHERE id = ?1",
    /* allow_private follows the item's source; one open job per item */
    [CJ_ENQUEUE] = "INSERT INTO capture_jobs (item_id, url, allow_private, requested_by)"
                   " SELECT i.id, i.url, coalesce(s.allow_private, 0), ?2 FROM items i"
                   " LEFT JOIN sources s ON s.id = i.source_id"
                   " WHERE i.id = ?1 AND (lower(substr(i.url, 1, 7)) = 'http://'"
                   "   OR lower(substr(i.url, 1, 8)) = 'https://')"
                   " AND NOT EXISTS (SELECT 1 FROM capture_jobs j WHERE j.item_id = i.id"
                   "   AND j.state IN ('queued', 'running'))"
                   " RETURNING id",
    [CJ_FAIL_EXPIRED] =
        "UPDATE capture_jobs SET state = 'failed', lease_until_unix = NULL,"
        " last_error = 'interrupted: the worker stopped during attempt ' || attempts"
        "   || coalesce(' (before that: ' || last_error || ')', ''),"
        " updated_at = " NOW ", finished_at = " NOW
        " WHERE state = 'running' AND lease_until_unix <= ?1 AND attempts >= ?2",
    [CJ_CLAIM] =
        "UPDATE capture_jobs SET state = 'running', attempts = attempts + 1,"
        " lease_until_unix = ?1 + ?2, updated_at = " NOW " WHERE id = (SELECT id FROM capture_jobs"
        "   WHERE (state = 'queued' AND next_attempt_unix <= ?1)"
        "   OR (state = 'running' AND lease_until_unix <= ?1)"
        "   ORDER BY next_attempt_unix, id LIMIT 1)"
        " RETURNING " JOB_COLUMNS,
    [CJ_FINISH] = "UPDATE capture_jobs SET state = ?2, evidence_id = ?3, last_error = ?4,"
                  " next_attempt_unix = CASE WHEN ?2 = 'queued' THEN ?5 ELSE next_attempt_unix END,"
                  " lease_until_unix = NULL, updated_at = " NOW ","
                  " finished_at = CASE WHEN ?2 IN ('done', 'failed') THEN " NOW " END"
                  " WHERE id = ?1 AND state = 'running'",
    [CJ_RELEASE] =
        "UPDATE capture_jobs SET state = 'queued', attempts = max(attempts - 1, 0),"
        " lease_until_unix = NULL, updated_at = " NOW " WHERE id = ?1 AND state = 'running'",
    [CJ_REQUEUE] = "UPDATE capture_jobs SET state = 'queued', attempts = 0, next_attempt_unix = 0,"
                   " finished_at = NULL, updated_at = " NOW " WHERE id = ?1 AND state = 'failed'",
    [CJ_STATE] = "SELECT state FROM capture_jobs WHERE id = ?1",
    [CJ_LIST] = "SELECT " JOB_COLUMNS " FROM capture_jobs WHERE (?1 IS NULL OR state = ?1)"
                " ORDER BY id DESC LIMIT ?2",
};

int jk_sqlite_capture_prepare(sqlite_store *s, jk_error *err)
{
    return prepare_table(s, capture_statements, CJ_COUNT, &s->capture, "capture", err);
}

void jk_sqlite_capture_finalize(sqlite_store *s)
{
    finalize_table(&s->capture, CJ_COUNT);
}

static sqlite3_stmt *cj(sqlite_store *s, int which)
{
    return fresh(s->capture, which);
}

static int cj_exists(sqlite_store *s, sqlite3_stmt *st, bool *found, jk_error *err,
                     const char *what)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? JK_OK : db_error(s, err, what);
}

static int sqlite_capture_enqueue(void *impl, int64_t item_id, const char *requested_by,
                                  int64_t *job_id, jk_error *err)
{
    sqlite_store *s = impl;
    *job_id = 0;
    sqlite3_stmt *st = cj(s, CJ_ITEM_EXISTS);
    sqlite3_bind_int64(st, 1, item_id);
    bool found;
    int rc = cj_exists(s, st, &found, err, "finding an item");
    if (rc)
        return rc;
    if (!found)
        return jk_error_set(err, JK_ENOTFOUND, "no item %lld", (long long)item_id);
    st = cj(s, CJ_ENQUEUE);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, requested_by);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *job_id = sqlite3_column_int64(st, 0);
        step = sqlite3_step(st);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? JK_OK : db_error(s, err, "queueing a capture");
}

static void fill_job(sqlite3_stmt *st, jk_capture_job *job)
{
    memset(job, 0, sizeof *job);
    job->id = sqlite3_column_int64(st, 0);
    job->item_id = sqlite3_column_int64(st, 1);
    job->url = col_text(st, 2);
    job->allow_private = sqlite3_column_int(st, 3) != 0;
    job->state = col_text(st, 4);
    job->attempts = (long)sqlite3_column_int64(st, 5);
    job->next_attempt_unix = sqlite3_column_int64(st, 6);
    job->lease_until_unix = sqlite3_column_int64(st, 7);
    job->last_error = col_text(st, 8);
    job->requested_by = col_text(st, 9);
    job->created_at = col_text(st, 10);
    job->updated_at = col_text(st, 11);
    job->evidence_id = sqlite3_column_int64(st, 12);
}

static int sqlite_capture_claim(void *impl, int64_t now_unix, int64_t lease_seconds,
                                long max_attempts, jk_capture_job_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cj(s, CJ_FAIL_EXPIRED);
    sqlite3_bind_int64(st, 1, now_unix);
    sqlite3_bind_int64(st, 2, max_attempts);
    int rc = write_all(s, st, NULL, err, "failing interrupted captures");
    if (rc)
        return rc;
    st = cj(s, CJ_CLAIM);
    sqlite3_bind_int64(st, 1, now_unix);
    sqlite3_bind_int64(st, 2, lease_seconds);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return step == SQLITE_DONE ? JK_ENOTFOUND : db_error(s, err, "claiming a capture");
    }
    jk_capture_job job;
    fill_job(st, &job);
    /* the row is read before the statement finishes: the callback sees it
     * while its strings are alive */
    if (fn)
        fn(ctx, &job);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    return step == SQLITE_DONE ? JK_OK : db_error(s, err, "claiming a capture");
}

static int job_not_running(sqlite_store *s, int64_t id, const char *want, jk_error *err)
{
    sqlite3_stmt *st = cj(s, CJ_STATE);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    int rc;
    if (step == SQLITE_ROW)
        rc = jk_error_set(err, JK_EINVAL, "capture job %lld is %s, not %s", (long long)id,
                          col_text(st, 0), want);
    else if (step == SQLITE_DONE)
        rc = jk_error_set(err, JK_ENOTFOUND, "no capture job %lld", (long long)id);
    else
        rc = db_error(s, err, "reading a capture job");
    sqlite3_reset(st);
    return rc;
}

static int sqlite_capture_finish(void *impl, int64_t id, const char *outcome, int64_t evidence_id,
                                 const char *error, int64_t retry_at_unix, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cj(s, CJ_FINISH);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, outcome);
    bind_id(st, 3, evidence_id);
    bind_text(st, 4, error);
    sqlite3_bind_int64(st, 5, retry_at_unix);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "recording a capture's outcome");
    if (!rc && changes == 0)
        rc = job_not_running(s, id, "running", err);
    return rc;
}

static int sqlite_capture_release(void *impl, int64_t id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cj(s, CJ_RELEASE);
    sqlite3_bind_int64(st, 1, id);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "putting a capture back");
    if (!rc && changes == 0)
        rc = job_not_running(s, id, "running", err);
    return rc;
}

static int sqlite_capture_requeue(void *impl, int64_t id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cj(s, CJ_REQUEUE);
    sqlite3_bind_int64(st, 1, id);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "queueing a capture again");
    if (!rc && changes == 0)
        rc = job_not_running(s, id, "failed", err);
    return rc;
}

typedef struct list_ctx {
    jk_capture_job_fn fn;
    void *ctx;
} list_ctx;

static int emit_job(sqlite3_stmt *st, void *arg)
{
    list_ctx *l = arg;
    jk_capture_job job;
    fill_job(st, &job);
    return l->fn(l->ctx, &job);
}

static int sqlite_capture_jobs(void *impl, const char *state, size_t limit, jk_capture_job_fn fn,
                               void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cj(s, CJ_LIST);
    bind_text(st, 1, state);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    list_ctx l = {fn, ctx};
    return each_row(s, st, emit_job, &l, err, "listing capture jobs");
}

const struct jk_store_capture_ops jk_sqlite_capture_ops = {
    .enqueue = sqlite_capture_enqueue,
    .claim = sqlite_capture_claim,
    .finish = sqlite_capture_finish,
    .release = sqlite_capture_release,
    .requeue = sqlite_capture_requeue,
    .jobs = sqlite_capture_jobs,
};
