/*
 * store_sqlite_cases.c — the SQLite statements of cases, reports,
 * submissions and removal checks (junkai/case.h; schema: migration 6 in
 * store_sqlite.c). Multi-statement operations rely on the caller's batch
 * (jk_store_begin) to commit as one.
 * Must not touch: argument checks and the status flow (store_cases.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "civil.h"
#include "sqlite_internal.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

enum {
    CS_CASE_ADD,
    CS_CASE_GET,
    CS_CASE_LIST,
    CS_CASE_UPDATE,
    CS_CASE_STATUS,
    CS_ITEM_EXISTS,
    CS_ITEM_CASE,
    CS_CASE_ITEM_INSERT,
    CS_CASE_CONFIRM,
    CS_CASE_TOUCH,
    CS_CASE_ITEM_RM,
    CS_CASE_ITEMS,
    CS_CASE_FOR_LINKED,
    CS_CASE_LINKS,
    CS_NOTE_ADD,
    CS_NOTES,
    CS_CASE_EVIDENCE,
    CS_AUDIT_TARGET,
    CS_EVIDENCE_GET,
    CS_REPORT_SUPERSEDE,
    CS_REPORT_ADD,
    CS_REPORT_ITEM_ADD,
    CS_REPORT_GET,
    CS_CASE_REPORTS,
    CS_REPORT_ITEMS,
    CS_REPORT_STATE,
    CS_REPORT_APPROVE,
    CS_REPORT_SENT,
    CS_REMOVAL_ADD,
    CS_CASE_REPORTED,
    CS_REPORT_QUEUE,
    CS_SUBMIT_DUE,
    CS_SUBMIT_BEGIN,
    CS_SUBMISSION_ADD,
    CS_SUBMIT_STATE,
    CS_SUBMISSION_FINISH,
    CS_SUBMIT_RECOVER,
    CS_SUBMISSIONS_RECOVER,
    CS_SUBMIT_RESOLVE,
    CS_SUBMISSIONS,
    CS_REMOVAL_DUE,
    CS_CASE_REMOVALS,
    CS_REMOVAL_RECORD,
    CS_REMOVAL_CLAIM,
    CS_CASE_REMOVED,
    CS_REMOVAL_ROWS,
    CS_REMOVAL_GET,
    CS_OUTCOME_STATS,
    CS_PERIOD_COUNTS,
    CS_COUNT
};

#define CASE_COLUMNS                                                                               \
    "c.id, c.title, c.category, c.status, c.assignee, c.created_by, c.created_at,"                 \
    " c.updated_at, c.reported_at, c.removed_at,"                                                  \
    " (SELECT count(*) FROM case_items x WHERE x.case_id = c.id),"                                 \
    " (SELECT count(*) FROM reports r WHERE r.case_id = c.id AND r.status <> 'superseded')"

#define REPORT_COLUMNS                                                                             \
    "id, case_id, kind, doc_key, title, body, fields, body_sha256, status, created_by,"            \
    " created_at, approved_by, approved_at, sent_by, sent_at, sent_via, destination,"              \
    " submit_state, attempts, coalesce(next_attempt_unix, 0), last_error"

#define REMOVAL_SELECT                                                                             \
    "SELECT r.item_id, coalesce(ci.case_id, 0), i.url, i.platform, i.external_id, s.kind,"         \
    " s.target, coalesce(s.allow_private, 0), i.text,"                                             \
    " (SELECT d.spans FROM detections d WHERE d.item_id = i.id"                                    \
    "  ORDER BY d.score DESC, d.rule_id LIMIT 1),"                                                 \
    " r.reported_at, coalesce(r.next_check_unix, 0), r.interval_seconds, r.checks,"                \
    " r.last_check_at, r.last_result, r.removed_at, r.reason"                                      \
    " FROM removal_checks r JOIN items i ON i.id = r.item_id"                                      \
    " LEFT JOIN case_items ci ON ci.item_id = r.item_id"                                           \
    " LEFT JOIN sources s ON s.id = i.source_id"

/* the category a reported item counts under: its case's, else its best
 * detection's (when it was taken out of the case after the report) */
#define REMOVAL_CATEGORY                                                                           \
    "coalesce((SELECT c.category FROM case_items ci JOIN cases c ON c.id = ci.case_id"             \
    "  WHERE ci.item_id = r.item_id),"                                                             \
    " (SELECT d.category FROM detections d WHERE d.item_id = r.item_id"                            \
    "  ORDER BY d.score DESC LIMIT 1), 'unknown')"

static const char *const case_statements[CS_COUNT] = {
    [CS_CASE_ADD] = "INSERT INTO cases (title, category, status, created_by)"
                    " VALUES (?1, ?2, ?3, ?4)",
    [CS_CASE_GET] = "SELECT " CASE_COLUMNS " FROM cases c WHERE c.id = ?1",
    [CS_CASE_LIST] = "SELECT " CASE_COLUMNS " FROM cases c"
                     " WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR c.category = ?2)"
                     " AND (?3 IS NULL OR coalesce(c.assignee, '') = ?3)"
                     " ORDER BY c.id DESC LIMIT ?4 OFFSET ?5",
    [CS_CASE_UPDATE] =
        "UPDATE cases SET title = coalesce(?2, title), category = coalesce(?3, category),"
        " assignee = CASE WHEN ?4 IS NULL THEN assignee WHEN ?4 = '' THEN NULL ELSE ?4 END,"
        " status = coalesce(?5, status),"
        " removed_at = CASE WHEN ?5 = 'removed' THEN coalesce(removed_at, " NOW ")"
        "   ELSE removed_at END,"
        " updated_at = " NOW " WHERE id = ?1",
    [CS_CASE_STATUS] = "SELECT status FROM cases WHERE id = ?1",
    [CS_ITEM_EXISTS] = "SELECT 1 FROM items WHERE id = ?1",
    [CS_ITEM_CASE] = "SELECT case_id FROM case_items WHERE item_id = ?1",
    [CS_CASE_ITEM_INSERT] = "INSERT INTO case_items (item_id, case_id, added_by)"
                            " VALUES (?1, ?2, ?3)",
    [CS_CASE_CONFIRM] = "UPDATE cases SET status = 'confirmed', updated_at = " NOW
                        " WHERE id = ?1 AND status = 'new'",
    [CS_CASE_TOUCH] = "UPDATE cases SET updated_at = " NOW " WHERE id = ?1",
    [CS_CASE_ITEM_RM] = "DELETE FROM case_items WHERE item_id = ?1 RETURNING case_id",
    [CS_CASE_ITEMS] =
        "SELECT i.id, i.platform, i.external_id, i.url, i.author, i.posted_at, i.fetched_at,"
        " i.text, coalesce(q.score, 0), coalesce(q.status, 'unscored'), i.source_id"
        " FROM case_items ci JOIN items i ON i.id = ci.item_id"
        " LEFT JOIN review_queue q ON q.item_id = i.id"
        " WHERE ci.case_id = ?1 ORDER BY ci.added_at, ci.item_id",
    /* a bare domain (a platform's, a news site's) links too much */
    [CS_CASE_FOR_LINKED] =
        "SELECT c.id FROM indicators a"
        " JOIN indicators b ON b.type = a.type AND b.value = a.value AND b.item_id <> a.item_id"
        " JOIN case_items ci ON ci.item_id = b.item_id JOIN cases c ON c.id = ci.case_id"
        " WHERE a.item_id = ?1 AND a.type <> 'domain' AND c.category = ?2"
        " AND c.status IN ('new', 'confirmed') ORDER BY c.id DESC LIMIT 1",
    [CS_CASE_LINKS] =
        "SELECT b.item_id, a.type, a.value, coalesce(oc.case_id, 0)"
        " FROM case_items ci JOIN indicators a ON a.item_id = ci.item_id"
        " JOIN indicators b ON b.type = a.type AND b.value = a.value"
        " LEFT JOIN case_items oc ON oc.item_id = b.item_id"
        " WHERE ci.case_id = ?1 AND a.type <> 'domain' AND coalesce(oc.case_id, 0) <> ?1"
        " GROUP BY b.item_id, a.type, a.value ORDER BY b.item_id LIMIT ?2",
    [CS_NOTE_ADD] = "INSERT INTO case_notes (case_id, user, text) VALUES (?1, ?2, ?3)",
    [CS_NOTES] = "SELECT id, user, text, at FROM case_notes WHERE case_id = ?1 ORDER BY id",
    /* both links: item_evidence (a fetch that yielded several items) and
     * evidence.item_id (a capture of one item) */
    [CS_CASE_EVIDENCE] =
        "SELECT x.item_id, e.id, e.sha256, e.path, e.kind, e.url, e.created_at, e.size,"
        " e.captured_at, e.operator"
        " FROM (SELECT ie.item_id AS item_id, ie.evidence_id AS evidence_id"
        "       FROM item_evidence ie JOIN case_items ci ON ci.item_id = ie.item_id"
        "       WHERE ci.case_id = ?1"
        "       UNION SELECT e2.item_id, e2.id FROM evidence e2"
        "       JOIN case_items ci ON ci.item_id = e2.item_id WHERE ci.case_id = ?1) x"
        " JOIN evidence e ON e.id = x.evidence_id ORDER BY x.item_id, e.created_at, e.id",
    [CS_EVIDENCE_GET] = "SELECT coalesce(item_id, 0), id, sha256, path, kind, url, created_at,"
                        " size, captured_at, operator FROM evidence WHERE id = ?1",
    [CS_AUDIT_TARGET] = "SELECT id, at, user, action, target, detail, prev_hash, hash"
                        " FROM audit WHERE target = ?1 ORDER BY id",
    [CS_REPORT_SUPERSEDE] =
        "UPDATE reports SET status = 'superseded',"
        " submit_state = CASE WHEN submit_state IN ('queued', 'retry') THEN NULL"
        "   ELSE submit_state END"
        " WHERE case_id = ?1 AND kind = ?2 AND doc_key = ?3 AND status IN ('draft', 'approved')"
        " AND coalesce(submit_state, '') NOT IN ('sending', 'uncertain')",
    [CS_REPORT_ADD] =
        "INSERT INTO reports (case_id, kind, doc_key, title, body, fields, body_sha256,"
        " created_by) VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, '[]'), ?7, ?8)",
    [CS_REPORT_ITEM_ADD] = "INSERT OR IGNORE INTO report_items (report_id, item_id)"
                           " VALUES (?1, ?2)",
    [CS_REPORT_GET] = "SELECT " REPORT_COLUMNS " FROM reports WHERE id = ?1",
    [CS_CASE_REPORTS] = "SELECT " REPORT_COLUMNS " FROM reports WHERE case_id = ?1"
                        " AND (?2 OR status <> 'superseded') ORDER BY kind, id",
    [CS_REPORT_ITEMS] = "SELECT item_id FROM report_items WHERE report_id = ?1 ORDER BY item_id",
    [CS_REPORT_STATE] = "SELECT status, coalesce(submit_state, ''), destination FROM reports"
                        " WHERE id = ?1",
    [CS_REPORT_APPROVE] = "UPDATE reports SET status = 'approved', approved_by = ?2,"
                          " approved_at = " NOW " WHERE id = ?1 AND status = 'draft'",
    [CS_REPORT_SENT] = "UPDATE reports SET status = 'sent', sent_by = ?2, sent_at = " NOW ","
                       " sent_via = ?3 WHERE id = ?1 AND status = 'approved'",
    /* WHERE true: SQLite's upsert after a SELECT needs it to parse */
    [CS_REMOVAL_ADD] = "INSERT INTO removal_checks (item_id, reported_at, next_check_unix)"
                       " SELECT item_id, " NOW ", ?2 FROM report_items WHERE report_id = ?1"
                       " AND true ON CONFLICT (item_id) DO NOTHING",
    [CS_CASE_REPORTED] =
        "UPDATE cases SET"
        " status = CASE WHEN status IN ('new', 'confirmed') OR (status = 'removed' AND ?2 > 0)"
        "   THEN 'reported' ELSE status END,"
        " removed_at = CASE WHEN status = 'removed' AND ?2 > 0 THEN NULL ELSE removed_at END,"
        " reported_at = coalesce(reported_at, " NOW "), updated_at = " NOW
        " WHERE id = (SELECT case_id FROM reports WHERE id = ?1)",
    [CS_REPORT_QUEUE] = "UPDATE reports SET destination = ?2, submit_state = 'queued',"
                        " next_attempt_unix = 0, last_error = NULL"
                        " WHERE id = ?1 AND status = 'approved'"
                        " AND (submit_state IS NULL OR submit_state = 'failed')",
    [CS_SUBMIT_DUE] = "SELECT " REPORT_COLUMNS " FROM reports"
                      " WHERE submit_state IN ('queued', 'retry') AND status = 'approved'"
                      " AND coalesce(next_attempt_unix, 0) <= ?1"
                      " ORDER BY coalesce(next_attempt_unix, 0), id LIMIT ?2",
    [CS_SUBMIT_BEGIN] = "UPDATE reports SET submit_state = 'sending', attempts = attempts + 1"
                        " WHERE id = ?1 AND status = 'approved'"
                        " AND submit_state IN ('queued', 'retry')"
                        " RETURNING attempts, destination",
    [CS_SUBMISSION_ADD] = "INSERT INTO submissions (report_id, destination, attempt)"
                          " VALUES (?1, ?2, ?3)",
    [CS_SUBMIT_STATE] = "UPDATE reports SET submit_state = ?2, next_attempt_unix = ?3,"
                        " last_error = ?4 WHERE id = ?1 AND submit_state = 'sending'",
    [CS_SUBMISSION_FINISH] =
        "UPDATE submissions SET finished_at = " NOW ", outcome = ?2, detail = ?3,"
        " evidence_id = ?4 WHERE id = (SELECT max(id) FROM submissions WHERE report_id = ?1)"
        " AND outcome IS NULL",
    [CS_SUBMIT_RECOVER] =
        "UPDATE reports SET submit_state = 'uncertain',"
        " last_error = 'interrupted while sending: it may have gone out; a person decides'"
        " WHERE submit_state = 'sending'",
    [CS_SUBMISSIONS_RECOVER] =
        "UPDATE submissions SET finished_at = " NOW ", outcome = 'uncertain',"
        " detail = 'interrupted while sending' WHERE outcome IS NULL",
    [CS_SUBMIT_RESOLVE] =
        "UPDATE reports SET submit_state = CASE WHEN ?2 THEN 'queued' END,"
        " destination = CASE WHEN ?2 THEN destination END, next_attempt_unix = 0"
        " WHERE id = ?1 AND status = 'approved' AND submit_state IN ('uncertain', 'failed')",
    [CS_SUBMISSIONS] = "SELECT id, report_id, destination, attempt, started_at, finished_at,"
                       " outcome, detail, coalesce(evidence_id, 0) FROM submissions"
                       " WHERE report_id = ?1 ORDER BY id",
    [CS_REMOVAL_DUE] = REMOVAL_SELECT " WHERE r.removed_at IS NULL"
                                      " AND r.next_check_unix IS NOT NULL"
                                      " AND r.next_check_unix <= ?1"
                                      " ORDER BY r.next_check_unix, r.item_id LIMIT ?2",
    [CS_CASE_REMOVALS] = REMOVAL_SELECT " WHERE ci.case_id = ?1 ORDER BY r.item_id",
    /* ?7: when the check ran (a recheck run "as if at" a later time);
     * NULL is now */
    [CS_REMOVAL_RECORD] =
        "UPDATE removal_checks SET checks = checks + 1, last_check_at = coalesce(?7, " NOW "),"
        " last_result = ?2, reason = ?3, last_status = ?4, next_check_unix = ?5,"
        " interval_seconds = coalesce(?6, interval_seconds),"
        " removed_at = CASE WHEN ?2 = 'removed' THEN coalesce(removed_at, ?7, " NOW ")"
        "   ELSE removed_at END"
        " WHERE item_id = ?1",
    [CS_REMOVAL_CLAIM] = "UPDATE removal_checks SET next_check_unix = ?3"
                         " WHERE item_id = ?1 AND removed_at IS NULL"
                         " AND next_check_unix IS NOT NULL AND next_check_unix <= ?2",
    [CS_CASE_REMOVED] =
        "UPDATE cases SET status = 'removed', removed_at = coalesce(?2, " NOW "),"
        " updated_at = " NOW " WHERE id = (SELECT case_id FROM case_items WHERE item_id = ?1)"
        " AND status = 'reported' AND NOT EXISTS (SELECT 1 FROM removal_checks r"
        "   JOIN case_items ci ON ci.item_id = r.item_id"
        "   WHERE ci.case_id = cases.id AND r.removed_at IS NULL)",
    [CS_REMOVAL_ROWS] = "SELECT " REMOVAL_CATEGORY ", i.url, i.fetched_at, r.reported_at,"
                        " r.removed_at FROM removal_checks r JOIN items i ON i.id = r.item_id",
    [CS_REMOVAL_GET] = REMOVAL_SELECT " WHERE r.item_id = ?1",
    [CS_OUTCOME_STATS] =
        "SELECT category, month, sum(rep), sum(rem) FROM ("
        " SELECT " REMOVAL_CATEGORY " AS category, substr(r.reported_at, 1, 7) AS month,"
        "  1 AS rep, 0 AS rem FROM removal_checks r"
        " UNION ALL SELECT " REMOVAL_CATEGORY ", substr(r.removed_at, 1, 7), 0, 1"
        "  FROM removal_checks r WHERE r.removed_at IS NOT NULL)"
        " GROUP BY category, month ORDER BY month, category",
    /* the daily summary: four counts of one period, each from its own
     * indexed time column (items_fetched, removal_checks' times are few) */
    [CS_PERIOD_COUNTS] =
        "SELECT category, sum(f), sum(c), sum(rep), sum(rem) FROM ("
        " SELECT d.category AS category, count(DISTINCT d.item_id) AS f, 0 AS c, 0 AS rep,"
        "  0 AS rem FROM items i JOIN detections d ON d.item_id = i.id"
        "  WHERE i.fetched_at >= ?1 AND i.fetched_at < ?2 GROUP BY d.category"
        " UNION ALL SELECT coalesce(x.category, (SELECT d.category FROM detections d"
        "   WHERE d.item_id = x.item_id ORDER BY d.score DESC, d.rule_id LIMIT 1), 'unknown'),"
        "  0, count(DISTINCT x.item_id), 0, 0 FROM decisions x"
        "  WHERE x.decision = 'confirm' AND x.at >= ?1 AND x.at < ?2 GROUP BY 1"
        " UNION ALL SELECT " REMOVAL_CATEGORY ", 0, 0, count(*), 0 FROM removal_checks r"
        "  WHERE r.reported_at >= ?1 AND r.reported_at < ?2 GROUP BY 1"
        " UNION ALL SELECT " REMOVAL_CATEGORY ", 0, 0, 0, count(*) FROM removal_checks r"
        "  WHERE r.removed_at >= ?1 AND r.removed_at < ?2 GROUP BY 1)"
        " GROUP BY category ORDER BY category",
};

int jk_sqlite_cases_prepare(sqlite_store *s, jk_error *err)
{
    return prepare_table(s, case_statements, CS_COUNT, &s->cases, "case", err);
}

void jk_sqlite_cases_finalize(sqlite_store *s)
{
    finalize_table(&s->cases, CS_COUNT);
}

static sqlite3_stmt *cs(sqlite_store *s, int which)
{
    return fresh(s->cases, which);
}

/* The first column of a one-row query as an integer; *found false when
 * there is no row. */
static int cs_int(sqlite_store *s, sqlite3_stmt *st, int64_t *value, bool *found, jk_error *err,
                  const char *what)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *value = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(s, err, what);
    return JK_OK;
}

/* ---- cases ---- */

typedef struct emit_ctx {
    void *fn;
    void *ctx;
    int rows;
} emit_ctx;

static int emit_case(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    e->rows++;
    jk_case c = {
        sqlite3_column_int64(st, 0),
        col_text(st, 1),
        col_text(st, 2),
        col_text(st, 3),
        col_text(st, 4),
        col_text(st, 5),
        col_text(st, 6),
        col_text(st, 7),
        col_text(st, 8),
        col_text(st, 9),
        (long)sqlite3_column_int64(st, 10),
        (long)sqlite3_column_int64(st, 11),
    };
    return ((jk_case_fn)e->fn)(e->ctx, &c);
}

static int sq_case_add(void *impl, const char *title, const char *category, const char *status,
                       const char *created_by, int64_t *id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_ADD);
    bind_text(st, 1, title);
    bind_text(st, 2, category);
    bind_text(st, 3, status);
    bind_text(st, 4, created_by);
    int rc = write_all(s, st, NULL, err, "opening a case");
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sq_case_get(void *impl, int64_t id, jk_case_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_GET);
    sqlite3_bind_int64(st, 1, id);
    emit_ctx e = {(void *)fn, ctx, 0};
    int rc = each_row(s, st, emit_case, &e, err, "reading a case");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no case %lld", (long long)id);
    return rc;
}

static int sq_case_list(void *impl, const jk_case_filter *f, jk_case_fn fn, void *ctx,
                        jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_LIST);
    bind_text(st, 1, f->status);
    bind_text(st, 2, f->category);
    bind_text(st, 3, f->assignee);
    sqlite3_bind_int64(st, 4, f->limit ? (sqlite3_int64)f->limit : -1);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->offset);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_case, &e, err, "listing cases");
}

static int sq_case_update(void *impl, int64_t id, const jk_case_update *u, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_UPDATE);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, u->title);
    bind_text(st, 3, u->category);
    bind_text(st, 4, u->assignee);
    bind_text(st, 5, u->status);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "updating a case");
    if (!rc && changes == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no case %lld", (long long)id);
    return rc;
}

static int sq_item_case(void *impl, int64_t item_id, int64_t *case_id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_ITEM_CASE);
    sqlite3_bind_int64(st, 1, item_id);
    bool found;
    *case_id = 0;
    return cs_int(s, st, case_id, &found, err, "finding an item's case");
}

static int sq_case_item_add(void *impl, int64_t case_id, int64_t item_id, const char *user,
                            jk_error *err)
{
    sqlite_store *s = impl;
    bool found;
    int64_t unused;
    sqlite3_stmt *st = cs(s, CS_CASE_STATUS);
    sqlite3_bind_int64(st, 1, case_id);
    int rc = cs_int(s, st, &unused, &found, err, "reading a case");
    if (rc)
        return rc;
    if (!found)
        return jk_error_set(err, JK_ENOTFOUND, "no case %lld", (long long)case_id);
    st = cs(s, CS_ITEM_EXISTS);
    sqlite3_bind_int64(st, 1, item_id);
    if ((rc = cs_int(s, st, &unused, &found, err, "reading an item")))
        return rc;
    if (!found)
        return jk_error_set(err, JK_ENOTFOUND, "no item %lld", (long long)item_id);
    int64_t current = 0;
    if ((rc = sq_item_case(impl, item_id, &current, err)))
        return rc;
    if (current == case_id)
        return JK_OK;
    if (current)
        return jk_error_set(err, JK_EINVAL, "item %lld is already in case %lld", (long long)item_id,
                            (long long)current);
    st = cs(s, CS_CASE_ITEM_INSERT);
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, case_id);
    bind_text(st, 3, user);
    if ((rc = write_all(s, st, NULL, err, "adding an item to a case")))
        return rc;
    st = cs(s, CS_CASE_CONFIRM);
    sqlite3_bind_int64(st, 1, case_id);
    if ((rc = write_all(s, st, NULL, err, "confirming a case")))
        return rc;
    st = cs(s, CS_CASE_TOUCH);
    sqlite3_bind_int64(st, 1, case_id);
    return write_all(s, st, NULL, err, "updating a case");
}

static int sq_case_item_rm(void *impl, int64_t item_id, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_ITEM_RM);
    sqlite3_bind_int64(st, 1, item_id);
    int64_t case_id = 0;
    bool found;
    int rc = cs_int(s, st, &case_id, &found, err, "taking an item out of its case");
    if (rc || !found)
        return rc;
    st = cs(s, CS_CASE_TOUCH);
    sqlite3_bind_int64(st, 1, case_id);
    return write_all(s, st, NULL, err, "updating a case");
}

static int emit_review_item(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    e->rows++;
    jk_review_item item = {
        sqlite3_column_int64(st, 0),
        col_text(st, 1),
        col_text(st, 2),
        col_text(st, 3),
        col_text(st, 4),
        col_text(st, 5),
        col_text(st, 6),
        col_text(st, 7),
        (size_t)sqlite3_column_bytes(st, 7),
        sqlite3_column_double(st, 8),
        col_text(st, 9),
        sqlite3_column_int64(st, 10),
    };
    return ((jk_review_item_fn)e->fn)(e->ctx, &item);
}

static int sq_case_items(void *impl, int64_t case_id, jk_review_item_fn fn, void *ctx,
                         jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_ITEMS);
    sqlite3_bind_int64(st, 1, case_id);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_review_item, &e, err, "reading a case's items");
}

static int sq_case_for_linked(void *impl, int64_t item_id, const char *category, int64_t *case_id,
                              jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_FOR_LINKED);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, category);
    bool found;
    *case_id = 0;
    return cs_int(s, st, case_id, &found, err, "finding a linked case");
}

static int emit_link(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_case_link link = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                         sqlite3_column_int64(st, 3)};
    return ((jk_case_link_fn)e->fn)(e->ctx, &link);
}

static int sq_case_links(void *impl, int64_t case_id, size_t limit, jk_case_link_fn fn, void *ctx,
                         jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_LINKS);
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_link, &e, err, "reading a case's links");
}

static int sq_note_add(void *impl, int64_t case_id, const char *user, const char *text, int64_t *id,
                       jk_error *err)
{
    sqlite_store *s = impl;
    bool found;
    int64_t unused;
    sqlite3_stmt *st = cs(s, CS_CASE_STATUS);
    sqlite3_bind_int64(st, 1, case_id);
    int rc = cs_int(s, st, &unused, &found, err, "reading a case");
    if (rc)
        return rc;
    if (!found)
        return jk_error_set(err, JK_ENOTFOUND, "no case %lld", (long long)case_id);
    st = cs(s, CS_NOTE_ADD);
    sqlite3_bind_int64(st, 1, case_id);
    bind_text(st, 2, user);
    bind_text(st, 3, text);
    if ((rc = write_all(s, st, NULL, err, "adding a note")))
        return rc;
    if (id)
        *id = sqlite3_last_insert_rowid(s->db);
    st = cs(s, CS_CASE_TOUCH);
    sqlite3_bind_int64(st, 1, case_id);
    return write_all(s, st, NULL, err, "updating a case");
}

static int emit_note(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_case_note n = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                      col_text(st, 3)};
    return ((jk_case_note_fn)e->fn)(e->ctx, &n);
}

static int sq_notes(void *impl, int64_t case_id, jk_case_note_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_NOTES);
    sqlite3_bind_int64(st, 1, case_id);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_note, &e, err, "reading notes");
}

static int emit_case_evidence(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    e->rows++;
    jk_case_evidence ev = {
        sqlite3_column_int64(st, 0),
        sqlite3_column_int64(st, 1),
        col_text(st, 2),
        col_text(st, 3),
        col_text(st, 4),
        col_text(st, 5),
        col_text(st, 6),
        sqlite3_column_int64(st, 7),
        col_text(st, 8),
        col_text(st, 9),
    };
    return ((jk_case_evidence_fn)e->fn)(e->ctx, &ev);
}

static int sq_case_evidence(void *impl, int64_t case_id, jk_case_evidence_fn fn, void *ctx,
                            jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_EVIDENCE);
    sqlite3_bind_int64(st, 1, case_id);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_case_evidence, &e, err, "reading a case's evidence");
}

static int sq_evidence_get(void *impl, int64_t id, jk_case_evidence_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_EVIDENCE_GET);
    sqlite3_bind_int64(st, 1, id);
    emit_ctx e = {(void *)fn, ctx, 0};
    int rc = each_row(s, st, emit_case_evidence, &e, err, "reading evidence");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no evidence %lld", (long long)id);
    return rc;
}

static int emit_audit(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_audit_entry a = {sqlite3_column_int64(st, 0),
                        col_text(st, 1),
                        col_text(st, 2),
                        col_text(st, 3),
                        col_text(st, 4),
                        col_text(st, 5),
                        col_text(st, 6),
                        col_text(st, 7)};
    return ((jk_audit_fn)e->fn)(e->ctx, &a);
}

static int sq_audit_target(void *impl, const char *target, jk_audit_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_AUDIT_TARGET);
    bind_text(st, 1, target);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_audit, &e, err, "reading the audit log");
}

/* ---- reports ---- */

static int sq_report_add(void *impl, const jk_report_in *r, const char *body_sha256, int64_t *id,
                         jk_error *err)
{
    sqlite_store *s = impl;
    bool found;
    int64_t unused;
    sqlite3_stmt *st = cs(s, CS_CASE_STATUS);
    sqlite3_bind_int64(st, 1, r->case_id);
    int rc = cs_int(s, st, &unused, &found, err, "reading a case");
    if (rc)
        return rc;
    if (!found)
        return jk_error_set(err, JK_ENOTFOUND, "no case %lld", (long long)r->case_id);
    st = cs(s, CS_REPORT_SUPERSEDE);
    sqlite3_bind_int64(st, 1, r->case_id);
    bind_text(st, 2, r->kind);
    bind_text(st, 3, r->doc_key);
    if ((rc = write_all(s, st, NULL, err, "superseding earlier drafts")))
        return rc;
    st = cs(s, CS_REPORT_ADD);
    sqlite3_bind_int64(st, 1, r->case_id);
    bind_text(st, 2, r->kind);
    bind_text(st, 3, r->doc_key);
    bind_text(st, 4, r->title);
    sqlite3_bind_text(st, 5, r->body, (int)r->body_len, SQLITE_TRANSIENT);
    bind_text(st, 6, r->fields_json);
    bind_text(st, 7, body_sha256);
    bind_text(st, 8, r->created_by);
    if ((rc = write_all(s, st, NULL, err, "storing a report")))
        return rc;
    int64_t report_id = sqlite3_last_insert_rowid(s->db);
    for (size_t i = 0; i < r->item_count; i++) {
        st = cs(s, CS_REPORT_ITEM_ADD);
        sqlite3_bind_int64(st, 1, report_id);
        sqlite3_bind_int64(st, 2, r->items[i]);
        if ((rc = write_all(s, st, NULL, err, "linking a report to its items")))
            return rc;
    }
    if (id)
        *id = report_id;
    return JK_OK;
}

static int emit_report(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    e->rows++;
    jk_report_row r = {
        .id = sqlite3_column_int64(st, 0),
        .case_id = sqlite3_column_int64(st, 1),
        .kind = col_text(st, 2),
        .doc_key = col_text(st, 3),
        .title = col_text(st, 4),
        .body = col_text(st, 5),
        .body_len = (size_t)sqlite3_column_bytes(st, 5),
        .fields_json = col_text(st, 6),
        .body_sha256 = col_text(st, 7),
        .status = col_text(st, 8),
        .created_by = col_text(st, 9),
        .created_at = col_text(st, 10),
        .approved_by = col_text(st, 11),
        .approved_at = col_text(st, 12),
        .sent_by = col_text(st, 13),
        .sent_at = col_text(st, 14),
        .sent_via = col_text(st, 15),
        .destination = col_text(st, 16),
        .submit_state = col_text(st, 17),
        .attempts = (long)sqlite3_column_int64(st, 18),
        .next_attempt_unix = sqlite3_column_int64(st, 19),
        .last_error = col_text(st, 20),
    };
    return ((jk_report_fn)e->fn)(e->ctx, &r);
}

static int sq_report_get(void *impl, int64_t id, jk_report_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REPORT_GET);
    sqlite3_bind_int64(st, 1, id);
    emit_ctx e = {(void *)fn, ctx, 0};
    int rc = each_row(s, st, emit_report, &e, err, "reading a report");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "no report %lld", (long long)id);
    return rc;
}

static int sq_case_reports(void *impl, int64_t case_id, bool all, jk_report_fn fn, void *ctx,
                           jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_REPORTS);
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int(st, 2, all ? 1 : 0);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_report, &e, err, "reading a case's reports");
}

static int sq_report_items(void *impl, int64_t id, int64_t **items, size_t *count, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REPORT_ITEMS);
    sqlite3_bind_int64(st, 1, id);
    size_t n = 0, cap = 0;
    int64_t *list = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = jk_reallocarray(list, cap, sizeof *list);
        }
        list[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        free(list);
        return db_error(s, err, "reading a report's items");
    }
    *items = list;
    *count = n;
    return JK_OK;
}

/* A report's status, submission state ("" when none) and destination,
 * copied into the caller's buffers. */
typedef struct report_state {
    char status[16];
    char submit[16];
    char destination[128];
} report_state;

static int read_state(sqlite_store *s, int64_t id, report_state *out, jk_error *err)
{
    sqlite3_stmt *st = cs(s, CS_REPORT_STATE);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *d = col_text(st, 2);
        snprintf(out->status, sizeof out->status, "%s", col_text(st, 0));
        snprintf(out->submit, sizeof out->submit, "%s", col_text(st, 1));
        snprintf(out->destination, sizeof out->destination, "%s", d ? d : "");
    }
    sqlite3_reset(st);
    if (step == SQLITE_DONE)
        return jk_error_set(err, JK_ENOTFOUND, "no report %lld", (long long)id);
    if (step != SQLITE_ROW)
        return db_error(s, err, "reading a report");
    return JK_OK;
}

static int sq_report_approve(void *impl, int64_t id, const char *user, jk_error *err)
{
    sqlite_store *s = impl;
    report_state state;
    int rc = read_state(s, id, &state, err);
    if (rc)
        return rc;
    if (strcmp(state.status, "draft") != 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is %s, not a draft", (long long)id,
                            state.status);
    sqlite3_stmt *st = cs(s, CS_REPORT_APPROVE);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, user);
    return write_all(s, st, NULL, err, "approving a report");
}

/* approved → sent, the case reported and removal checks scheduled. */
static int mark_sent(sqlite_store *s, int64_t id, const char *user, const char *via,
                     int64_t first_check_unix, jk_error *err)
{
    sqlite3_stmt *st = cs(s, CS_REPORT_SENT);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, user);
    bind_text(st, 3, via);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "marking a report sent");
    if (rc)
        return rc;
    if (changes == 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is not approved", (long long)id);
    st = cs(s, CS_REMOVAL_ADD);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, first_check_unix);
    int added = 0;
    if ((rc = write_all(s, st, &added, err, "scheduling removal checks")))
        return rc;
    st = cs(s, CS_CASE_REPORTED);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, added);
    return write_all(s, st, NULL, err, "marking a case reported");
}

static int sq_report_sent(void *impl, int64_t id, const char *user, const char *via,
                          int64_t first_check_unix, jk_error *err)
{
    sqlite_store *s = impl;
    report_state state;
    int rc = read_state(s, id, &state, err);
    if (rc)
        return rc;
    if (strcmp(state.status, "approved") != 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is %s, not approved", (long long)id,
                            state.status);
    if (strcmp(state.submit, "sending") == 0 || strcmp(state.submit, "queued") == 0 ||
        strcmp(state.submit, "retry") == 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is queued for %s (%s): resolve that first",
                            (long long)id, state.destination, state.submit);
    return mark_sent(s, id, user, via, first_check_unix, err);
}

static int sq_report_queue(void *impl, int64_t id, const char *destination, jk_error *err)
{
    sqlite_store *s = impl;
    report_state state;
    int rc = read_state(s, id, &state, err);
    if (rc)
        return rc;
    if (strcmp(state.status, "approved") != 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is %s: only an approved report goes out",
                            (long long)id, state.status);
    sqlite3_stmt *st = cs(s, CS_REPORT_QUEUE);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, destination);
    int changes = 0;
    if ((rc = write_all(s, st, &changes, err, "queueing a report")))
        return rc;
    if (changes == 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is already %s for %s", (long long)id,
                            state.submit, state.destination);
    return JK_OK;
}

static int sq_submit_due(void *impl, int64_t now_unix, size_t limit, jk_report_fn fn, void *ctx,
                         jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_SUBMIT_DUE);
    sqlite3_bind_int64(st, 1, now_unix);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_report, &e, err, "reading due submissions");
}

static int sq_submit_begin(void *impl, int64_t id, long *attempt, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_SUBMIT_BEGIN);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    long n = 0;
    char destination[128] = "";
    if (step == SQLITE_ROW) {
        n = (long)sqlite3_column_int64(st, 0);
        const char *d = col_text(st, 1);
        snprintf(destination, sizeof destination, "%s", d ? d : "");
        step = sqlite3_step(st);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return db_error(s, err, "starting a submission");
    if (n == 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is not waiting to be sent", (long long)id);
    st = cs(s, CS_SUBMISSION_ADD);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, destination);
    sqlite3_bind_int64(st, 3, n);
    int rc = write_all(s, st, NULL, err, "recording a submission");
    if (!rc && attempt)
        *attempt = n;
    return rc;
}

static int sq_submit_finish(void *impl, int64_t id, const char *user, const char *outcome,
                            int64_t next_attempt_unix, const char *detail, int64_t evidence_id,
                            int64_t first_check_unix, jk_error *err)
{
    sqlite_store *s = impl;
    report_state state;
    int rc = read_state(s, id, &state, err);
    if (rc)
        return rc;
    if (strcmp(state.submit, "sending") != 0)
        return jk_error_set(err, JK_EINVAL, "report %lld is not being sent", (long long)id);
    sqlite3_stmt *st = cs(s, CS_SUBMISSION_FINISH);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, outcome);
    bind_text(st, 3, detail);
    bind_id(st, 4, evidence_id);
    if ((rc = write_all(s, st, NULL, err, "recording a submission's outcome")))
        return rc;
    st = cs(s, CS_SUBMIT_STATE);
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, outcome);
    sqlite3_bind_int64(st, 3, strcmp(outcome, "retry") == 0 ? next_attempt_unix : 0);
    bind_text(st, 4, strcmp(outcome, "delivered") == 0 ? NULL : detail);
    if ((rc = write_all(s, st, NULL, err, "recording a submission's outcome")))
        return rc;
    if (strcmp(outcome, "delivered") == 0)
        return mark_sent(s, id, user, state.destination, first_check_unix, err);
    return JK_OK;
}

static int sq_submit_recover(void *impl, long *count, jk_error *err)
{
    sqlite_store *s = impl;
    int changes = 0;
    int rc = write_all(s, cs(s, CS_SUBMIT_RECOVER), &changes, err, "recovering submissions");
    if (!rc)
        rc = write_all(s, cs(s, CS_SUBMISSIONS_RECOVER), NULL, err, "recovering submissions");
    if (!rc && count)
        *count = changes;
    return rc;
}

static int sq_submit_resolve(void *impl, int64_t id, bool retry, jk_error *err)
{
    sqlite_store *s = impl;
    report_state state;
    int rc = read_state(s, id, &state, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = cs(s, CS_SUBMIT_RESOLVE);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, retry ? 1 : 0);
    int changes = 0;
    if ((rc = write_all(s, st, &changes, err, "resolving a submission")))
        return rc;
    if (changes == 0)
        return jk_error_set(err, JK_EINVAL,
                            "report %lld's submission is %s: only a failed or uncertain one is "
                            "resolved",
                            (long long)id, state.submit[0] ? state.submit : "not started");
    return JK_OK;
}

static int emit_submission(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_submission_row row = {
        sqlite3_column_int64(st, 0),
        sqlite3_column_int64(st, 1),
        col_text(st, 2),
        (long)sqlite3_column_int64(st, 3),
        col_text(st, 4),
        col_text(st, 5),
        col_text(st, 6),
        col_text(st, 7),
        sqlite3_column_int64(st, 8),
    };
    return ((jk_submission_fn)e->fn)(e->ctx, &row);
}

static int sq_submissions(void *impl, int64_t id, jk_submission_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_SUBMISSIONS);
    sqlite3_bind_int64(st, 1, id);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_submission, &e, err, "reading submissions");
}

/* ---- removal checks ---- */

static int emit_removal(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    e->rows++;
    jk_removal_row row = {
        .item_id = sqlite3_column_int64(st, 0),
        .case_id = sqlite3_column_int64(st, 1),
        .url = col_text(st, 2),
        .platform = col_text(st, 3),
        .external_id = col_text(st, 4),
        .source_kind = col_text(st, 5),
        .source_target = col_text(st, 6),
        .allow_private = sqlite3_column_int(st, 7) != 0,
        .text = col_text(st, 8),
        .text_len = (size_t)sqlite3_column_bytes(st, 8),
        .spans_json = col_text(st, 9),
        .reported_at = col_text(st, 10),
        .next_check_unix = sqlite3_column_int64(st, 11),
        .interval_seconds = sqlite3_column_int64(st, 12),
        .checks = (long)sqlite3_column_int64(st, 13),
        .last_check_at = col_text(st, 14),
        .last_result = col_text(st, 15),
        .removed_at = col_text(st, 16),
        .reason = col_text(st, 17),
    };
    return ((jk_removal_fn)e->fn)(e->ctx, &row);
}

static int sq_removal_due(void *impl, int64_t now_unix, size_t limit, jk_removal_fn fn, void *ctx,
                          jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REMOVAL_DUE);
    sqlite3_bind_int64(st, 1, now_unix);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_removal, &e, err, "reading due removal checks");
}

static int sq_case_removals(void *impl, int64_t case_id, jk_removal_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_CASE_REMOVALS);
    sqlite3_bind_int64(st, 1, case_id);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_removal, &e, err, "reading removal checks");
}

static int sq_removal_get(void *impl, int64_t item_id, jk_removal_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REMOVAL_GET);
    sqlite3_bind_int64(st, 1, item_id);
    emit_ctx e = {(void *)fn, ctx, 0};
    int rc = each_row(s, st, emit_removal, &e, err, "reading a removal check");
    if (!rc && e.rows == 0)
        rc = jk_error_set(err, JK_ENOTFOUND, "item %lld was never reported", (long long)item_id);
    return rc;
}

static int sq_removal_claim(void *impl, int64_t item_id, int64_t now_unix, int64_t until_unix,
                            bool *claimed, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REMOVAL_CLAIM);
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, now_unix);
    sqlite3_bind_int64(st, 3, until_unix);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "taking a removal check");
    *claimed = !rc && changes == 1;
    return rc;
}

static int sq_removal_record(void *impl, int64_t item_id, const char *result, const char *reason,
                             long http_status, int64_t at_unix, int64_t next_check_unix,
                             int64_t interval_seconds, jk_error *err)
{
    sqlite_store *s = impl;
    char at[21] = "";
    if (at_unix > 0)
        jk_utc_format(at_unix, at);
    sqlite3_stmt *st = cs(s, CS_REMOVAL_RECORD);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, result);
    bind_text(st, 3, reason);
    bind_id(st, 4, http_status);
    bind_id(st, 5, next_check_unix);
    bind_id(st, 6, interval_seconds);
    bind_text(st, 7, at_unix > 0 ? at : NULL);
    int changes = 0;
    int rc = write_all(s, st, &changes, err, "recording a removal check");
    if (rc)
        return rc;
    if (changes == 0)
        return jk_error_set(err, JK_ENOTFOUND, "item %lld was never reported", (long long)item_id);
    if (strcmp(result, "removed") != 0)
        return JK_OK;
    st = cs(s, CS_CASE_REMOVED);
    sqlite3_bind_int64(st, 1, item_id);
    bind_text(st, 2, at_unix > 0 ? at : NULL);
    return write_all(s, st, NULL, err, "marking a case removed");
}

/* Seconds since the epoch of a stored time; -1 if it is not one. */
static int64_t utc_seconds(const char *at)
{
    int64_t t;
    return jk_utc_parse(at, &t) ? t : -1;
}

/* The host of a URL, lower-cased, into out ("" when there is none). */
static void url_host(const char *url, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return;
    p += 3;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at)
        p = at + 1;
    const char *colon = p;
    if (*p == '[') /* an IPv6 literal keeps its brackets */
        colon = memchr(p, ']', (size_t)(end - p));
    colon = colon ? memchr(colon, ':', (size_t)(end - colon)) : NULL;
    if (colon)
        end = colon;
    size_t n = 0;
    for (; p < end && n + 1 < size; p++)
        out[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    out[n] = '\0';
}

typedef struct stat_group {
    char *key;
    long reported, removed;
    double *found, *since_report; /* hours, for each removed item */
} stat_group;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, long n)
{
    if (n == 0)
        return -1;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const stat_group *)a)->key, ((const stat_group *)b)->key);
}

static int sq_removal_stats(void *impl, bool by_host, jk_removal_stat_fn fn, void *ctx,
                            jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_REMOVAL_ROWS);
    stat_group *groups = NULL;
    size_t count = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char host[256];
        const char *key = col_text(st, 0);
        if (by_host) {
            url_host(col_text(st, 1), host, sizeof host);
            key = host[0] ? host : "(no URL)";
        }
        size_t g = 0;
        while (g < count && strcmp(groups[g].key, key) != 0)
            g++;
        if (g == count) {
            if (count == cap) {
                cap = cap ? cap * 2 : 16;
                groups = jk_reallocarray(groups, cap, sizeof *groups);
            }
            groups[count++] = (stat_group){jk_strdup(key), 0, 0, NULL, NULL};
        }
        stat_group *grp = &groups[g];
        grp->reported++;
        int64_t removed = utc_seconds(col_text(st, 4));
        if (removed < 0)
            continue;
        int64_t found = utc_seconds(col_text(st, 2)), reported = utc_seconds(col_text(st, 3));
        grp->found = jk_reallocarray(grp->found, (size_t)grp->removed + 1, sizeof *grp->found);
        grp->since_report =
            jk_reallocarray(grp->since_report, (size_t)grp->removed + 1, sizeof *grp->since_report);
        grp->found[grp->removed] = found < 0 ? 0 : (double)(removed - found) / 3600.0;
        grp->since_report[grp->removed] = reported < 0 ? 0 : (double)(removed - reported) / 3600.0;
        grp->removed++;
    }
    sqlite3_reset(st);
    int rc = step == SQLITE_DONE ? JK_OK : db_error(s, err, "reading removal checks");
    if (count)
        qsort(groups, count, sizeof *groups, cmp_group);
    bool stopped = false;
    for (size_t g = 0; g < count; g++) {
        if (!rc && !stopped) {
            jk_removal_stat row = {groups[g].key, groups[g].reported, groups[g].removed,
                                   median(groups[g].found, groups[g].removed),
                                   median(groups[g].since_report, groups[g].removed)};
            stopped = fn(ctx, &row) != 0;
        }
        free(groups[g].key);
        free(groups[g].found);
        free(groups[g].since_report);
    }
    free(groups);
    return rc;
}

static int emit_outcome(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_outcome_count row = {col_text(st, 0), col_text(st, 1), (long)sqlite3_column_int64(st, 2),
                            (long)sqlite3_column_int64(st, 3)};
    return ((jk_outcome_count_fn)e->fn)(e->ctx, &row);
}

static int sq_outcome_stats(void *impl, jk_outcome_count_fn fn, void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, cs(s, CS_OUTCOME_STATS), emit_outcome, &e, err, "counting outcomes");
}

static int emit_period(sqlite3_stmt *st, void *arg)
{
    emit_ctx *e = arg;
    jk_period_count row = {col_text(st, 0), (long)sqlite3_column_int64(st, 1),
                           (long)sqlite3_column_int64(st, 2), (long)sqlite3_column_int64(st, 3),
                           (long)sqlite3_column_int64(st, 4)};
    return ((jk_period_count_fn)e->fn)(e->ctx, &row);
}

static int sq_period_counts(void *impl, const char *from, const char *to, jk_period_count_fn fn,
                            void *ctx, jk_error *err)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = cs(s, CS_PERIOD_COUNTS);
    bind_text(st, 1, from);
    bind_text(st, 2, to);
    emit_ctx e = {(void *)fn, ctx, 0};
    return each_row(s, st, emit_period, &e, err, "counting a period");
}

const struct jk_store_case_ops jk_sqlite_case_ops = {
    .case_add = sq_case_add,
    .case_get = sq_case_get,
    .case_list = sq_case_list,
    .case_update = sq_case_update,
    .case_item_add = sq_case_item_add,
    .case_item_rm = sq_case_item_rm,
    .item_case = sq_item_case,
    .case_items = sq_case_items,
    .case_for_linked = sq_case_for_linked,
    .case_links = sq_case_links,
    .note_add = sq_note_add,
    .notes = sq_notes,
    .case_evidence = sq_case_evidence,
    .evidence_get = sq_evidence_get,
    .audit_target = sq_audit_target,
    .report_add = sq_report_add,
    .report_get = sq_report_get,
    .case_reports = sq_case_reports,
    .report_items = sq_report_items,
    .report_approve = sq_report_approve,
    .report_sent = sq_report_sent,
    .report_queue = sq_report_queue,
    .submit_due = sq_submit_due,
    .submit_begin = sq_submit_begin,
    .submit_finish = sq_submit_finish,
    .submit_recover = sq_submit_recover,
    .submit_resolve = sq_submit_resolve,
    .submissions = sq_submissions,
    .removal_due = sq_removal_due,
    .case_removals = sq_case_removals,
    .removal_get = sq_removal_get,
    .removal_record = sq_removal_record,
    .removal_claim = sq_removal_claim,
    .removal_stats = sq_removal_stats,
    .outcome_stats = sq_outcome_stats,
    .period_counts = sq_period_counts,
};
