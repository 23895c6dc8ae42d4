/*
 * config.h — the data directory's junkai.yaml: who runs this patrol (the
 * contact sent in every User-Agent), which rule packs to load, the HTTP
 * limits of collectors, platform credentials, who files reports, where
 * approved reports are submitted (destinations, SMTP, retries) and the
 * daily summary. Every key is optional; a missing file means every
 * default. Secrets (the SMTP password, a destination's token) are never in
 * the file: it names the environment variables holding them.
 */
#ifndef JK_CONFIG_H
#define JK_CONFIG_H

#include <signal.h>
#include <stddef.h>

#include "evidence.h"
#include "http.h"
#include "junkai/error.h"
#include "smtp.h"
#include "submit.h"

/* Who files the reports (the sender block of every report template). */
typedef struct jk_config_org {
    char *name;         /* 団体名; "" when unset */
    char *department;   /* 部署 */
    char *contact_name; /* 担当者 */
    char *email;
    char *phone;
    char *address;
} jk_config_org;

/* Removal checks of reported items (junkai.yaml "removal:"): the first one
 * first_hours after a report is sent, then at intervals doubling up to
 * max_hours, none after stop_days from the report (src/collect/recheck.h). */
typedef struct jk_config_removal {
    long first_hours; /* default 24 */
    long max_hours;   /* default 168 (7 days) */
    long stop_days;   /* default 90 */
} jk_config_removal;

typedef struct jk_config {
    char *contact; /* "" when unset */
    char **rules;  /* rule pack paths; rule_count of them */
    size_t rule_count;
    char *x_bearer_token;         /* NULL when unset */
    size_t max_body_bytes;        /* 0 = the fetch layer's default */
    long timeout_ms;              /* 0 = default */
    long min_interval_ms;         /* -1 = default */
    int max_redirects;            /* -1 = default */
    int max_retries;              /* -1 = default */
    jk_config_org org;            /* organization: who files the reports */
    jk_config_removal removal;    /* removal: the schedule of removal checks */
    jk_destination *destinations; /* destinations: where reports are submitted */
    size_t destination_count;
    jk_smtp_config smtp;         /* smtp: the e-mail relay (smtp.url NULL: none) */
    long submit_max_attempts;    /* submission.max_attempts; default 5 */
    long submit_backoff_seconds; /* submission.backoff_seconds; doubles; default 300 */
    long submit_batch_size;      /* submission.batch_size; default 50 */
    char **summary_email_to;     /* summary.email_to; summary_email_count of them */
    size_t summary_email_count;
    int summary_utc_offset_minutes; /* summary.utc_offset; default +09:00 (540) */
} jk_config;

/* Read DIR/junkai.yaml into cfg (cleared first). A missing file is not an
 * error. Returns JK_OK, or JK_EPARSE with err naming file:line:column of
 * the first problem (unknown key, wrong type, bad number, a template that
 * does not parse, a destination that cannot work). */
int jk_config_load(const char *data_dir, jk_config *cfg, jk_error *err);
void jk_config_release(jk_config *cfg);

/* The HTTP limits of junkai.yaml (contact, max_body_bytes, timeout,
 * min_interval_ms, max_redirects, max_retries) written over out, in
 * jk_http's terms: the file says -1 for "default" and 0 for "none", jk_http
 * takes 0 for its default and a negative value for none. The other fields
 * of out are left as they are. cfg must outlive out (the contact is
 * borrowed). */
void jk_config_http(const jk_config *cfg, jk_http_config *out);

/* An HTTP client on junkai.yaml's limits whose every exchange (each hop,
 * retry, robots.txt) is kept as a WARC evidence file under data_dir by
 * *evidence, which the caller names sources on and frees after *http.
 * log receives the failures of both; stop ends a transfer under way.
 * An error code with a message when either cannot be made. */
int jk_config_http_evidence(const jk_config *cfg, const char *data_dir, jk_store *store,
                            void (*log)(void *ctx, const char *message), void *log_ctx,
                            volatile sig_atomic_t *stop, jk_http **http,
                            jk_evidence_sink **evidence, jk_error *err);

/* The destination named name, or NULL. */
const jk_destination *jk_config_destination(const jk_config *cfg, const char *name);

#endif
