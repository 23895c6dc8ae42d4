/*
 * server.h — the review workbench's HTTP server (libmicrohttpd): the JSON
 * API over the store and the web UI's static files. Accounts with roles,
 * sessions in HttpOnly SameSite=Strict cookies, a CSRF token on every
 * write, login rate limiting, and an audit entry for every write.
 *
 * Threads: MHD's internal polling thread with a pool of worker threads;
 * each request borrows one of a pool of store connections (SQLite in WAL
 * mode, so a patrol can write beside the server).
 */
#ifndef JK_SERVER_H
#define JK_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/error.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"
#include "router.h"

/* Limits (bounds on what a client can make the server hold or do). */
#define JK_SERVER_MAX_BODY (1024 * 1024)        /* request body: 413 beyond */
#define JK_SERVER_CONNECTION_MEMORY (32 * 1024) /* headers per connection */
#define JK_SERVER_CONNECTION_TIMEOUT 30         /* seconds idle */
#define JK_SERVER_CONNECTION_LIMIT 512
#define JK_SERVER_THREADS 4
#define JK_SERVER_SESSION_SECONDS (12 * 3600)
#define JK_SERVER_USER_FAILURES 5    /* failed logins per account … */
#define JK_SERVER_IP_FAILURES 20     /* … and per client address … */
#define JK_SERVER_FAILURE_WINDOW 300 /* … within this many seconds */
#define JK_SERVER_QUEUE_LIMIT 50     /* default page of the queue */
#define JK_SERVER_QUEUE_MAX 500      /* largest page */
#define JK_SERVER_BULK_MAX 1000      /* items in one bulk decision */
#define JK_SERVER_NAME_MAX 64        /* account and source names */
#define JK_SERVER_TEXT_MAX 4000      /* a decision's reason */

typedef struct jk_server jk_server;

typedef void (*jk_server_log_fn)(void *ctx, const char *message);

typedef struct jk_server_config {
    const char *db_path;  /* the store's SQLite file (required) */
    const char *web_dir;  /* static files; NULL = none served */
    const char *listen;   /* "127.0.0.1:8080" (default), "[::1]:0", … */
    unsigned threads;     /* 0 = JK_SERVER_THREADS */
    unsigned connections; /* store connections; 0 = one per thread */
    bool secure_cookies;  /* add Secure to the session cookie (behind TLS) */
    jk_server_log_fn log; /* internal errors go here; may be NULL */
    /* the engine tips are scanned with (POST /api/tips); NULL = none:
     * tips are stored unscanned. Not owned; must outlive the server. */
    const jk_scanner *scanner;
    const jk_ruleset *rules;
    void *log_ctx;
    /* the data directory: evidence files, the admin's report templates
     * (DATA/templates); NULL: the directory of db_path */
    const char *data_dir;
    /* the shipped report templates; NULL: the compiled-in directory (an
     * admin's copies in DATA/templates/ come first) */
    const char *default_templates_dir;
    /* who files reports (junkai.yaml organization:); may be NULL */
    const struct jk_report_org *org;
    /* the first removal check after a report is sent; 0: 24 hours */
    long removal_first_seconds;
    /* where approved reports may be submitted (junkai.yaml destinations:;
     * POST /api/reports/{id}/submit queues for one); not owned */
    const struct jk_destination *destinations;
    size_t destination_count;
} jk_server_config;

/* Open the store connections and start listening. JK_EINVAL on a bad
 * listen address, JK_EIO when the port cannot be bound or the store
 * opened. The server runs on its own threads until jk_server_stop. */
int jk_server_start(const jk_server_config *cfg, jk_server **out, jk_error *err);
/* The port bound (useful with port 0). */
unsigned jk_server_port(const jk_server *srv);
/* Stop accepting, finish requests under way, close everything; NULL ok. */
void jk_server_stop(jk_server *srv);

/* The route table (for `junkai serve --routes` and the docs test). */
const jk_route *jk_server_routes(size_t *count);

/* The default directory of the web UI's files: $JUNKAI_WEB_DIR, else the
 * repository's web/ compiled in. */
const char *jk_server_default_web_dir(void);

#endif
