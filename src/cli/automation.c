/*
 * automation.c — what the patrol daemon does between passes
 * (automation.h): the due report submissions, and yesterday's summary
 * written once (its file is the mark: DATA/summaries/DATE.txt exists once
 * both files are complete) and e-mailed once (the audit log's
 * summary.email entry is the mark), so a restarted daemon neither repeats
 * nor skips a day.
 */
#include "automation.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc.h"
#include "summary.h"

#define BACKFILL_DAYS 6         /* days before yesterday a stopped daemon makes up */
#define EMAIL_RETRY_SECONDS 600 /* after a failed summary e-mail */

struct jk_automation {
    jk_store *store;
    const char *data_dir;
    const jk_config *cfg;
    jk_cli_log_fn log;
    void *log_ctx;
    char done_day[11];        /* the yesterday whose summary is complete */
    int64_t email_not_before; /* after a failed e-mail */
};

jk_automation *jk_automation_new(jk_store *store, const char *data_dir, const jk_config *cfg,
                                 jk_cli_log_fn log, void *log_ctx)
{
    jk_automation *a = jk_calloc(1, sizeof *a);
    a->store = store;
    a->data_dir = data_dir;
    a->cfg = cfg;
    a->log = log;
    a->log_ctx = log_ctx;
    return a;
}

void jk_automation_free(jk_automation *a)
{
    free(a);
}

static void say(jk_automation *a, const char *what, const jk_error *err)
{
    char line[1200];
    snprintf(line, sizeof line, "%s: %s", what, err->message);
    if (a->log)
        a->log(a->log_ctx, line);
}

static bool summary_exists(const jk_automation *a, const char *date)
{
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/summaries/%s.txt", a->data_dir, date);
    return stat(path, &sb) == 0;
}

/* Whether any summary was ever written here: a fresh data directory gets
 * yesterday's only, not a week of empty days. */
static bool any_summary(const jk_automation *a)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summaries", a->data_dir);
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        found = n == 14 && e->d_name[0] != '.' && strcmp(e->d_name + 10, ".txt") == 0;
    }
    closedir(d);
    return found;
}

static long summary_tick(jk_automation *a)
{
    int64_t now = (int64_t)time(NULL);
    char today[11], yesterday[11], day[11];
    jk_summary_local_date(now, a->cfg->summary_utc_offset_minutes, today);
    jk_summary_date_add(today, -1, yesterday);
    if (strcmp(a->done_day, yesterday) == 0)
        return 0;
    long errors = 0;
    jk_error err;
    if (!summary_exists(a, yesterday)) {
        /* the oldest missing day first, back to the last one written */
        int back = 0;
        if (any_summary(a))
            while (back < BACKFILL_DAYS && jk_summary_date_add(yesterday, -(back + 1), day) &&
                   !summary_exists(a, day))
                back++;
        for (int k = back; k >= 0; k--) {
            jk_summary_date_add(yesterday, -k, day);
            if (jk_cli_summary_make(a->store, a->data_dir, a->cfg, day, true, false, false, a->log,
                                    a->log_ctx, &err)) {
                say(a, "summary", &err);
                return 1; /* tried again next tick */
            }
            if (k && a->cfg->summary_email_count &&
                jk_cli_summary_make(a->store, a->data_dir, a->cfg, day, false, true, true, a->log,
                                    a->log_ctx, &err)) {
                say(a, "summary e-mail", &err);
                errors++;
            }
        }
    }
    if (a->cfg->summary_email_count && !jk_cli_summary_emailed(a->store, yesterday)) {
        if (now < a->email_not_before)
            return errors;
        if (jk_cli_summary_make(a->store, a->data_dir, a->cfg, yesterday, false, true, true, a->log,
                                a->log_ctx, &err)) {
            say(a, "summary e-mail (tried again in 10 minutes)", &err);
            a->email_not_before = now + EMAIL_RETRY_SECONDS;
            return errors + 1;
        }
    }
    snprintf(a->done_day, sizeof a->done_day, "%s", yesterday);
    return errors;
}

long jk_automation_tick(jk_automation *a, volatile sig_atomic_t *stop)
{
    long errors = 0;
    jk_cli_submit s;
    jk_cli_submit_init(&s, a->store, a->data_dir, a->cfg, a->log, a->log_ctx);
    s.env.stop = stop;
    jk_submit_stats stats;
    jk_error err;
    if (jk_submit_run(&s.env, &stats, &err)) {
        say(a, "submissions", &err);
        errors++;
    }
    if (!(stop && *stop))
        errors += summary_tick(a);
    return errors;
}
