/*
 * summary.h — the daily patrol summary (DESIGN.md "Stats", for the
 * supervisor's morning): per category, what was found, confirmed, reported
 * and found removed on one day and in its month up to that day, as text and
 * as CSV (csv.h: BOM, formula guard), written to DATA/summaries/DATE.txt and
 * DATE.csv. Days are calendar days at a fixed offset from UTC (junkai.yaml
 * summary.utc_offset, +09:00 unless told).
 */
#ifndef JK_SUMMARY_H
#define JK_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"
#include "junkai/store.h"

typedef struct jk_summary_count {
    char category[64]; /* a taxonomy id, or what the store holds ("unknown") */
    long found, confirmed, reported, removed;
} jk_summary_count;

typedef struct jk_summary_period {
    char first[11], last[11]; /* local dates, YYYY-MM-DD, both included */
    char from[21], to[21];    /* the UTC bounds, [from, to) */
    jk_summary_count *rows;   /* every category of the taxonomy in its order,
                                 then any other the store named */
    size_t count;
    jk_summary_count total; /* sums of the rows (an item with two categories
                               counts twice in found) */
} jk_summary_period;

typedef struct jk_summary {
    char date[11];
    int utc_offset_minutes;
    jk_summary_period day, month;
} jk_summary;

/* YYYY-MM-DD (a real date) as days since 1970-01-01. */
bool jk_summary_parse_date(const char *text, int64_t *days);
/* The local date of a moment at the offset. */
void jk_summary_local_date(int64_t unix_seconds, int offset_minutes, char out[11]);
/* The local date `days` after (or before) date; false for a bad date. */
bool jk_summary_date_add(const char *date, int days, char out[11]);

/* Count one day and its month to date. JK_EINVAL for a bad date. */
int jk_summary_collect(jk_store *st, const char *date, int offset_minutes, jk_summary *out,
                       jk_error *err);
void jk_summary_release(jk_summary *s);

/* The text (Japanese, for the team) and the CSV (columns: period, first,
 * last, category, label, found, confirmed, reported, removed; a total row
 * per period). */
int jk_summary_text(const jk_summary *s, jk_buf *out);
int jk_summary_csv(const jk_summary *s, jk_buf *out);

/* Write DATA/summaries/DATE.csv, then DATE.txt (each to a temporary file,
 * synced, renamed over: a reader sees the old file or the new, and a
 * .txt means both are complete). *txt_path (malloc'd, may be NULL) the
 * text file's path. */
int jk_summary_write(const char *data_dir, const jk_summary *s, char **txt_path, jk_error *err);

#endif
