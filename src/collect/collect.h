/*
 * collect.h — collectors: one function per source kind that reads new
 * posts from the source and takes them into the store through jk_ingest,
 * committing each batch together with the source's cursor.
 */
#ifndef JK_COLLECT_H
#define JK_COLLECT_H

#include <signal.h>

#include "http.h"
#include "ingest.h"

/* Where collectors report per-post problems (file:line, URL, item id). */
typedef void (*jk_collect_log)(void *ctx, const char *message);

typedef struct jk_collect_ctx {
    jk_ingest *ingest;
    int64_t run_id;
    jk_collect_log log;
    void *log_ctx;
    volatile sig_atomic_t *stop; /* set by a signal handler: finish the batch, return */
    jk_http *http;               /* network collectors fetch through this only */
} jk_collect_ctx;

typedef int (*jk_collect_fn)(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

typedef struct jk_collector {
    const char *kind;    /* what `junkai source add KIND` takes */
    jk_collect_fn run;
    const char *target;  /* what TARGET means, for --help */
    int local_file;      /* TARGET is a path (made absolute); else an http(s) URL */
} jk_collector;

/* The collector of a source kind, or NULL. */
const jk_collector *jk_collector_find(const char *kind);
/* Every collector, in the order --help lists them; *count is set. */
const jk_collector *jk_collectors(size_t *count);

/* A JSONL file (target: its path), read from the byte offset saved in the
 * source's state ({"offset":N}) to the end. Returns 0, or an error that
 * ended the run (the batch in flight is rolled back, the cursor stays). */
int jk_collect_jsonl(jk_collect_ctx *ctx, const jk_source *src, jk_error *err);

#endif
