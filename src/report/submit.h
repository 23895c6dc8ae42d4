/*
 * submit.h — sending approved reports to where they go (DESIGN.md step 7,
 * "the RPA"): a destination is an HTTP form (application/x-www-form-
 * urlencoded), a JSON endpoint, or e-mail through SMTP; what goes out is
 * rendered from the report through the template language (template.h).
 *
 * Exactly once, as far as a sender can know it: a report is marked
 * "sending" in a committed batch of its own before a byte goes out, and the
 * outcome is recorded after. A crash in between leaves "sending", which the
 * next run turns into "uncertain" — a person decides (jk_store_submit_
 * resolve); it is never sent again by itself. An attempt that went out and
 * got no answer (a timeout after the request was sent) is "uncertain" too,
 * unless the destination says its receiver de-duplicates (retry_unanswered).
 * Every attempt carries the same idempotency key (HTTP Idempotency-Key, the
 * e-mail's Message-ID), derived from the report's id and body hash, so a
 * receiver can drop a repeat. Only one sender runs at a time per data
 * directory (a lock file), so recovering "sending" never touches a
 * submission that another process still has in flight.
 *
 * Outcomes: 2xx (SMTP: the message accepted) → delivered, the report sent
 * (removal checks scheduled by the store); 408, 425, 429, 5xx, SMTP 4xx, a
 * network failure before the request went out → retry after backoff
 * (backoff_seconds doubling per attempt, at least a Retry-After), failed
 * after max_attempts; other 4xx, SMTP 5xx, a refused address, a missing
 * destination → failed. Every attempt's exchange — request and response,
 * or the SMTP transcript and the message — is kept as a WARC evidence file
 * linked to the attempt.
 */
#ifndef JK_SUBMIT_H
#define JK_SUBMIT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "generate.h"
#include "junkai/case.h"
#include "junkai/error.h"
#include "junkai/store.h"
#include "smtp.h"

typedef enum jk_destination_type {
    JK_DEST_HTTP_FORM, /* application/x-www-form-urlencoded */
    JK_DEST_HTTP_JSON, /* a JSON object */
    JK_DEST_SMTP       /* an e-mail through junkai.yaml's smtp: */
} jk_destination_type;

/* "http_form", "http_json", "smtp". */
const char *jk_destination_type_name(jk_destination_type type);

typedef struct jk_destination_field {
    char *name;  /* the form field or JSON key */
    char *value; /* a template over the report */
} jk_destination_field;

/* One entry of junkai.yaml "destinations:"; strings owned by it
 * (jk_destination_release). */
typedef struct jk_destination {
    char *name; /* unique; what a report is queued for */
    jk_destination_type type;
    unsigned kinds;               /* bit (1u << jk_report_kind) per kind it takes; 0: every kind */
    char *url;                    /* HTTP: the endpoint */
    char *method;                 /* HTTP: "POST" (NULL) or "PUT" */
    jk_destination_field *fields; /* HTTP: the mapping, in order; http_json with none
                                     sends the report document (below) */
    size_t field_count;
    char *bearer_token_env; /* HTTP: the environment variable of a bearer token */
    char **to;              /* SMTP: the recipients */
    size_t to_count;
    char *subject;         /* SMTP: a template; NULL: "{{report.title}}" */
    char *body;            /* SMTP: a template; NULL: "{{report.body}}" */
    bool allow_private;    /* HTTP: may reach loopback/private addresses */
    bool retry_unanswered; /* the receiver de-duplicates by the idempotency key,
                              so an attempt without an answer may be repeated */
} jk_destination;

void jk_destination_release(jk_destination *d);
/* Whether d takes reports of kind (a report kind's name). */
bool jk_destination_takes(const jk_destination *d, const char *kind);

/* The stable key of a report's submission: "junkai-report-ID-" and the
 * first 32 hex digits of its body's SHA-256 (out: at least 80 bytes). */
void jk_submit_idempotency_key(int64_t report_id, const char *body_sha256, char *out, size_t size);

/* The context a destination's templates see: report (id, case, kind,
 * doc_key, title, body, body_sha256, created_by, created_at, approved_by,
 * approved_at, items), field (each column of the report's field list: its
 * values one per line, a column "証拠 SHA-256" also as "証拠_SHA-256"),
 * rows (one object per row, columns as keys), columns, organization,
 * destination (name, type), idempotency_key. Caller owns the result. */
json_t *jk_submit_context(const jk_report_row *r, const jk_report_org *org, const jk_destination *d,
                          const int64_t *items, size_t item_count);

/* What an HTTP destination sends for a report: the body (form-encoded or
 * JSON) and its content type (static). JK_EPARSE for a template that does
 * not render (err names destinations.NAME.fields.KEY). */
int jk_submit_http_body(const jk_destination *d, const json_t *ctx, jk_buf *body,
                        const char **content_type, jk_error *err);

typedef struct jk_submit_env {
    jk_store *store;
    const char *data_dir; /* evidence goes to DATA/evidence; the lock is DATA/submit.lock */
    const jk_destination *destinations;
    size_t destination_count;
    const jk_smtp_config *smtp; /* may be NULL: no e-mail destinations work */
    const jk_report_org *org;   /* for the templates; may be NULL */
    const char *user;           /* who sends ("cli:alice"); required */
    const char *contact;        /* User-Agent contact and the evidence's operator */
    long max_attempts;          /* 0: 5 */
    long backoff_seconds;       /* 0: 300; doubles per attempt, capped at a day */
    size_t batch_size;          /* due reports taken per run; 0: 50 */
    long timeout_ms;            /* per attempt; 0: 30 s */
    long min_interval_ms;       /* between two requests to one host, as
                                   jk_http_config: 0 its default (1 s), < 0 none */
    size_t max_body_bytes;      /* of a response kept; 0: 8 MiB */
    long first_check_seconds;   /* first removal check after delivery; 0: a day */
    /* when set and nonzero, no further report is started (the one in
     * flight finishes and is recorded) */
    volatile sig_atomic_t *stop;
    /* a line per attempt and per problem; may be NULL */
    void (*log)(void *ctx, const char *line);
    /* after every commit holding an audit entry (the CLI moves
     * DATA/audit.head forward); may be NULL */
    void (*committed)(void *ctx);
    void *ctx;
} jk_submit_env;

typedef struct jk_submit_stats {
    bool busy;      /* another sender holds the lock: nothing was done */
    long recovered; /* "sending" left by a crash, now "uncertain" */
    long attempted;
    long delivered, retry, failed, uncertain;
} jk_submit_stats;

/* Take the lock, recover what a crash left "sending", then send the due
 * submissions (at most batch_size, grouped by destination), each in the
 * order above, with audit entries "report.submit.start" and
 * "report.submit.OUTCOME" targeted "report:N". Returns JK_OK when the run
 * went through (outcomes are in stats, each logged); an error only when
 * the store or the lock failed. stats->busy without an error when another
 * sender is running. */
int jk_submit_run(const jk_submit_env *env, jk_submit_stats *stats, jk_error *err);

#endif
