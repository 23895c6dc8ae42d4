/*
 * sqlite_internal.h — what the SQLite backend's files share: the
 * connection record and the small statement helpers. store_sqlite.c owns
 * the schema (every migration) and the patrol/review statements;
 * store_sqlite_cases.c the statements of cases, reports, submissions and
 * removal checks. Internal to src/store/.
 */
#ifndef JK_SQLITE_INTERNAL_H
#define JK_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stdlib.h>

#include "alloc.h"
#include "store_ops.h"

typedef struct sqlite_store {
    sqlite3 *db;
    sqlite3_stmt **stmt;    /* store_sqlite.c's ST_… statements */
    sqlite3_stmt **review;  /* store_sqlite.c's RV_… statements */
    sqlite3_stmt **cases;   /* store_sqlite_cases.c's statements */
    sqlite3_stmt **capture; /* store_sqlite_capture.c's statements */
    int version;
    char *path;
} sqlite_store;

static inline int db_error(sqlite_store *s, jk_error *err, const char *what)
{
    return jk_error_set(err, JK_EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static inline void bind_text(sqlite3_stmt *st, int col, const char *text)
{
    if (text)
        sqlite3_bind_text(st, col, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, col);
}

/* NULL for 0: optional references. */
static inline void bind_id(sqlite3_stmt *st, int col, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, col, id);
    else
        sqlite3_bind_null(st, col);
}

static inline const char *col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static inline int run_step(sqlite_store *s, sqlite3_stmt *st, jk_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_error(s, err, what);
    return JK_OK;
}

/* Step a query to the end, handing each row to emit; stops early when emit
 * returns non-zero. Resets the statement either way. */
static inline int each_row(sqlite_store *s, sqlite3_stmt *st, int (*emit)(sqlite3_stmt *, void *),
                           void *arg, jk_error *err, const char *what)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (emit(st, arg))
            break;
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? JK_OK : db_error(s, err, what);
    sqlite3_reset(st);
    return rc;
}

/* A file's table of statements, prepared once at open (after the
 * migrations) and kept for the connection's life; what names them in an
 * error ("case", "capture"). *out gets count statements. */
static inline int prepare_table(sqlite_store *s, const char *const *sql, int count,
                                sqlite3_stmt ***out, const char *what, jk_error *err)
{
    *out = jk_calloc((size_t)count, sizeof **out);
    for (int i = 0; i < count; i++)
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &(*out)[i], NULL) !=
            SQLITE_OK)
            return jk_error_set(err, JK_EIO, "%s: preparing %s statement %d: %s", s->path, what, i,
                                sqlite3_errmsg(s->db));
    return JK_OK;
}

static inline void finalize_table(sqlite3_stmt ***table, int count)
{
    for (int i = 0; *table && i < count; i++)
        sqlite3_finalize((*table)[i]);
    free(*table);
    *table = NULL;
}

/* One statement of a table, reset and unbound, ready to bind. */
static inline sqlite3_stmt *fresh(sqlite3_stmt **table, int which)
{
    sqlite3_stmt *st = table[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Run a write to its end (an UPDATE … RETURNING yields rows on the way);
 * *changes the rows it touched (may be NULL). */
static inline int write_all(sqlite_store *s, sqlite3_stmt *st, int *changes, jk_error *err,
                            const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_error(s, err, what);
    if (changes)
        *changes = sqlite3_changes(s->db);
    return JK_OK;
}

/* Prepare and finalize store_sqlite_cases.c's statements (at open, after
 * the migrations; at close). */
int jk_sqlite_cases_prepare(sqlite_store *s, jk_error *err);
void jk_sqlite_cases_finalize(sqlite_store *s);

extern const struct jk_store_case_ops jk_sqlite_case_ops;

/* store_sqlite_capture.c: the capture jobs (junkai/capture_jobs.h). */
int jk_sqlite_capture_prepare(sqlite_store *s, jk_error *err);
void jk_sqlite_capture_finalize(sqlite_store *s);
extern const struct jk_store_capture_ops jk_sqlite_capture_ops;

#endif
