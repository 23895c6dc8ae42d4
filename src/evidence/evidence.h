/*
 * evidence.h — preserving what a patrol fetched: every HTTP exchange
 * becomes one WARC 1.1 file (warcinfo, request, response, metadata
 * records; warc.h) stored under DATA/evidence/sha256/AB/CD/<sha256>.warc.gz,
 * named by the SHA-256 of its bytes, written once and never rewritten, and
 * recorded in the store's evidence table. Items taken in from a page are
 * linked to the exchanges that page came from (item_evidence).
 *
 * The hook is jk_http_config.on_exchange, so every collector's fetches are
 * preserved without the collector knowing; a source added with
 * --no-evidence turns it off for that source.
 */
#ifndef JK_EVIDENCE_H
#define JK_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "junkai/error.h"
#include "junkai/store.h"

/* Who and what a WARC file's metadata record names. */
typedef struct jk_evidence_meta {
    int64_t run_id;          /* patrol run; 0 = none */
    int64_t source_id;       /* 0 = none */
    const char *source_name; /* may be NULL */
    const char *operator_;   /* junkai.yaml contact; may be NULL */
} jk_evidence_meta;

/* Build the WARC file of one exchange (every record its own gzip member)
 * into out. */
int jk_evidence_warc(const jk_evidence_meta *meta, const jk_http_exchange *x, jk_buf *out,
                     jk_error *err);

/* Store data as evidence_dir/sha256/AB/CD/<hex>.warc.gz: written to a
 * temporary file in evidence_dir/tmp, fsync'd, made read-only and linked
 * into place (never over an existing file: one there already holds the
 * same bytes). sha_hex gets the SHA-256; *rel_path (malloc'd) the path
 * below evidence_dir ("sha256/ab/cd/….warc.gz"). */
int jk_evidence_store_file(const char *evidence_dir, const void *data, size_t len, char sha_hex[65],
                           char **rel_path, jk_error *err);

/* The same for any evidence file: stored as
 * evidence_dir/sha256/AB/CD/<hex><suffix> (suffix such as ".png"). */
int jk_evidence_store_blob(const char *evidence_dir, const void *data, size_t len,
                           const char *suffix, char sha_hex[65], char **rel_path, jk_error *err);

/* The file name suffix of an evidence row's kind: "http" and "submission" (the
 * exchange of a report sent to a destination) → ".warc.gz",
 * "screenshot" → ".png", "dom" → ".html", "mhtml" → ".mhtml", "capture"
 * → ".json"; NULL for a kind junkai does not write. */
const char *jk_evidence_kind_suffix(const char *kind);

typedef struct jk_evidence_sink jk_evidence_sink;

/* A sink writing into data_dir/evidence and recording rows in store;
 * operator_ goes into every file's warcinfo and metadata (may be NULL);
 * log receives a line for every failure (may be NULL). */
jk_evidence_sink *jk_evidence_sink_new(const char *data_dir, jk_store *store, const char *operator_,
                                       void (*log)(void *ctx, const char *message), void *log_ctx);
void jk_evidence_sink_free(jk_evidence_sink *s);

/* The source whose fetches follow; keep false: they are not preserved.
 * Forgets evidence not yet linked to items. */
void jk_evidence_sink_source(jk_evidence_sink *s, int64_t run_id, int64_t source_id,
                             const char *source_name, bool keep);

/* For jk_http_config.on_exchange (ctx: the sink). A failure is logged and
 * counted, never fatal to the fetch. */
void jk_evidence_on_exchange(void *ctx, const jk_http_exchange *x);

/* Evidence rows written since the last jk_evidence_sink_clear: the
 * exchanges the next page of posts comes from. */
const int64_t *jk_evidence_sink_pending(const jk_evidence_sink *s, size_t *count);
void jk_evidence_sink_clear(jk_evidence_sink *s);

/* Files written, and failures (each one logged) since the sink began. */
long jk_evidence_sink_written(const jk_evidence_sink *s);
long jk_evidence_sink_errors(const jk_evidence_sink *s);

#endif
