/*
 * recheck_cli.h — running removal checks from the CLI (cmd_recheck.c):
 * `junkai recheck` and the patrol daemon's hook share it. Each check is
 * fetched and judged (src/collect/recheck.h), then recorded in a batch of
 * its own together with its audit entry (target "case:N", or "item:N" for
 * an item no longer in a case).
 */
#ifndef JK_RECHECK_CLI_H
#define JK_RECHECK_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "recheck.h"

typedef struct jk_recheck_run {
    jk_store *store;
    const char *data_dir;
    jk_recheck_ctx *check;
    volatile sig_atomic_t *stop;                 /* checked between items; may be NULL */
    FILE *out;                                   /* one line per result; NULL: through log */
    bool json;                                   /* results as JSON lines */
    void (*log)(void *ctx, const char *message); /* errors (and results when out is NULL) */
    void *log_ctx;
    long checked, present, removed, unknown, errors;
    long taken_elsewhere; /* due checks another checker took first */
} jk_recheck_run;

/* The schedule junkai.yaml asks for. */
void jk_cli_recheck_schedule(const jk_config *cfg, jk_recheck_schedule *s);
/* The platforms' tokens: JUNKAI_MASTODON_TOKEN, JUNKAI_MISSKEY_TOKEN,
 * JUNKAI_X_BEARER_TOKEN (else x_bearer_token in junkai.yaml). */
void jk_cli_recheck_tokens(const jk_config *cfg, jk_recheck_tokens *t);

/* Check every row as at now_unix (rows already found removed are
 * skipped). Problems are logged and counted in run->errors; the run goes
 * on with the next row. */
void jk_cli_recheck_rows(jk_recheck_run *run, const jk_removal_list *rows, int64_t now_unix);
/* Every check due at now_unix, in passes of at most batch rows, at most
 * max_passes passes (0: until none is due); each is taken first
 * (jk_store_removal_claim), so two checkers at once never make one check
 * twice. Returns the checks made. */
long jk_cli_recheck_due(jk_recheck_run *run, int64_t now_unix, size_t batch, int max_passes);

/* The patrol daemon's hook: at most `limit` due checks as at now, results
 * and errors through log (log_ctx). Returns the errors. */
long jk_cli_recheck_tick(jk_store *store, const char *data_dir, jk_http *http,
                         jk_evidence_sink *evidence, const jk_normalizer *norm,
                         const jk_config *cfg, volatile sig_atomic_t *stop,
                         void (*log)(void *ctx, const char *message), void *log_ctx, size_t limit);

#endif
