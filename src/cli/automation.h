/*
 * automation.h — the routine the patrol daemon runs between passes, and
 * what `junkai report` and `junkai summary` share with it: sending due
 * report submissions (src/report/submit.h) and writing (and e-mailing)
 * yesterday's summary once (src/report/summary.h).
 */
#ifndef JK_AUTOMATION_H
#define JK_AUTOMATION_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"
#include "junkai/store.h"
#include "submit.h"

typedef void (*jk_cli_log_fn)(void *ctx, const char *line);

/* A submission environment from junkai.yaml (cmd_report.c): the audit
 * user is the CLI's, every commit moves DATA/audit.head, log gets a line
 * per attempt. cfg and data_dir must outlive it. */
typedef struct jk_cli_submit {
    jk_submit_env env;
    jk_report_org org;
    char user[300];
    jk_cli_log_fn log;
    void *log_ctx;
} jk_cli_submit;
void jk_cli_submit_init(jk_cli_submit *s, jk_store *store, const char *data_dir,
                        const jk_config *cfg, jk_cli_log_fn log, void *log_ctx);

/* With write, count DATE, write DATA/summaries/DATE.txt and .csv and audit
 * it ("summary.write", target "summary:DATE"); with email, send the two
 * files as they are on disk to summary.email_to and audit that
 * ("summary.email"), skipped when only_once and the audit log holds a
 * summary.email for the day already (cmd_summary.c). log gets a line per
 * file and message; may be NULL. */
int jk_cli_summary_make(jk_store *store, const char *data_dir, const jk_config *cfg,
                        const char *date, bool write, bool email, bool only_once, jk_cli_log_fn log,
                        void *log_ctx, jk_error *err);
/* Whether the audit log holds a summary.email for DATE. */
bool jk_cli_summary_emailed(jk_store *store, const char *date);

typedef struct jk_automation jk_automation;

/* For the daemon: its own state (the last summary day done). */
jk_automation *jk_automation_new(jk_store *store, const char *data_dir, const jk_config *cfg,
                                 jk_cli_log_fn log, void *log_ctx);
void jk_automation_free(jk_automation *a);
/* One tick: due submissions (stop checked between reports), then
 * yesterday's summary if it is not written yet (and any of the six days
 * before it that a stopped daemon missed). Returns how many internal
 * errors (store, files) happened; outcomes of submissions are not errors. */
long jk_automation_tick(jk_automation *a, volatile sig_atomic_t *stop);

#endif
