/*
 * config.h — the data directory's junkai.yaml: who runs this patrol (the
 * contact sent in every User-Agent), which rule packs to load, the HTTP
 * limits of collectors and platform credentials. Every key is optional;
 * a missing file means every default.
 */
#ifndef JK_CONFIG_H
#define JK_CONFIG_H

#include <stddef.h>

#include "junkai/error.h"

/* Who files the reports (the sender block of every report template). */
typedef struct jk_config_org {
    char *name;         /* 団体名; "" when unset */
    char *department;   /* 部署 */
    char *contact_name; /* 担当者 */
    char *email;
    char *phone;
    char *address;
} jk_config_org;

/* Where approved reports are submitted (junkai.yaml "destinations:"). */
typedef enum jk_destination_type {
    JK_DEST_HTTP_FORM, /* application/x-www-form-urlencoded */
    JK_DEST_HTTP_JSON, /* a JSON object */
    JK_DEST_SMTP       /* an e-mail through smtp: */
} jk_destination_type;

typedef struct jk_config_field {
    char *name;  /* the form field or JSON key */
    char *value; /* a template over the report ("{{report.title}}", "{{field.URL}}") */
} jk_config_field;

typedef struct jk_config_destination {
    char *name; /* unique; what a report is queued for */
    jk_destination_type type;
    char *kinds;  /* report kinds it takes, comma-separated; "" = all */
    char *url;    /* HTTP: the endpoint */
    char *method; /* HTTP: "POST" (default) or "PUT" */
    jk_config_field *fields; /* HTTP: the mapping, in order */
    size_t field_count;
    char *to;      /* SMTP: recipients, comma-separated */
    char *subject; /* SMTP: a template; default "{{report.title}}" */
    int allow_private; /* may reach loopback/private addresses (tests, intranet) */
} jk_config_destination;

typedef struct jk_config_smtp {
    char *url;          /* smtp://host:port or smtps://…; "" = no e-mail */
    char *from;
    char *username;     /* "" = no login */
    char *password_env; /* the environment variable holding the password */
    int starttls;       /* require STARTTLS on smtp:// */
} jk_config_smtp;

typedef struct jk_config {
    char *contact;           /* "" when unset */
    char **rules;            /* rule pack paths; rule_count of them */
    size_t rule_count;
    char *x_bearer_token;    /* NULL when unset */
    size_t max_body_bytes;   /* 0 = the fetch layer's default */
    long timeout_ms;         /* 0 = default */
    long min_interval_ms;    /* -1 = default */
    int max_redirects;       /* -1 = default */
    int max_retries;         /* -1 = default */
    jk_config_org org;
    jk_config_destination *destinations;
    size_t destination_count;
    jk_config_smtp smtp;
    long removal_first_hours;   /* first removal check after a report; default 24 */
    long removal_max_hours;     /* backing off up to; default 168 */
    long removal_stop_days;     /* stop checking after; default 90 */
    long submit_max_attempts;   /* default 5 */
    long submit_backoff_seconds; /* first retry after; doubles; default 300 */
    char *summary_email_to;     /* daily summary recipients; "" = not e-mailed */
} jk_config;

/* Read DIR/junkai.yaml into cfg (cleared first). A missing file is not an
 * error. Returns JK_OK, or JK_EPARSE with err naming file:line:column of
 * the first problem (unknown key, wrong type, bad number). */
int jk_config_load(const char *data_dir, jk_config *cfg, jk_error *err);
void jk_config_release(jk_config *cfg);

#endif
