/*
 * cmd_serve.c — `junkai serve`: the review workbench's server over the data
 * directory's store, until SIGINT or SIGTERM; `--routes` prints the API's
 * route table (METHOD PATH ROLE) instead. Beside the server, one thread
 * runs the capture jobs queued when items are filed into cases (one
 * capture at a time; src/evidence/capture.h).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_head.h"
#include "capture.h"
#include "cli.h"
#include "config.h"
#include "generate.h"
#include "server.h"

static const char serve_usage[] =
    "usage: junkai serve [--data DIR] [--listen HOST:PORT] [--web DIR] [--threads N]\n"
    "                    [--connections N] [--secure-cookies] [--no-capture] [--routes]\n"
    "\n"
    "Serve the review workbench (JSON API under /api/, the web UI's files\n"
    "elsewhere) over the store in DIR. Listens on 127.0.0.1:8080 unless told\n"
    "otherwise (port 0 picks a free one; the address is printed). Accounts are\n"
    "made with 'junkai user add'. Stops cleanly on SIGINT or SIGTERM. The rule\n"
    "packs patrols use (junkai.yaml rules:, else the shipped ones or\n"
    "$JUNKAI_RULES_DIR) scan tips entered through POST /api/tips and the rule\n"
    "try-out.\n"
    "\n"
    "  --web DIR          the UI's static files (default: the repository's web/)\n"
    "  --threads N        worker threads (default 4)\n"
    "  --connections N    store connections shared by the workers (default: one\n"
    "                     per thread)\n"
    "  --secure-cookies   mark the session cookie Secure (when behind TLS)\n"
    "  --no-capture       do not run capture jobs here (an item filed into a case\n"
    "                     queues a screenshot, DOM and MHTML capture of its page;\n"
    "                     by default a thread of the server takes them one at a\n"
    "                     time; 'junkai capture --pending' runs them too)\n"
    "  --routes           print the API's routes as METHOD PATH ROLE and exit\n";

static void log_stderr(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "junkai serve: %s\n", message);
}

/* ---- the capture worker ---- */

typedef struct capture_worker {
    pthread_t thread;
    const char *db_path, *data_dir;
    volatile sig_atomic_t stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
} capture_worker;

static void *capture_worker_main(void *arg)
{
    capture_worker *w = arg;
    jk_store *st;
    jk_error err;
    if (jk_store_open(w->db_path, &st, &err)) {
        fprintf(stderr, "junkai serve: captures not run: %s\n", err.message);
        return NULL;
    }
    jk_capture_options o;
    memset(&o, 0, sizeof o);
    o.stop = &w->stop;
    o.log = log_stderr;
    while (!w->stop) {
        jk_capture_outcome out;
        int rc = jk_capture_run_next(st, w->data_dir, &o, "serve", &out, &err);
        if (rc == JK_OK) {
            if (out.ok) {
                fprintf(stderr,
                        "junkai serve: capture job %lld: item %lld %s kept (evidence %lld)\n",
                        (long long)out.job_id, (long long)out.item_id, out.url,
                        (long long)out.saved.id[JK_CAPTURE_MANIFEST]);
                if (jk_audit_head_sync(st, w->data_dir, &err))
                    fprintf(stderr, "junkai serve: audit head not updated: %s\n", err.message);
            } else if (!w->stop) {
                fprintf(stderr, "junkai serve: capture job %lld failed (attempt %ld%s): %s\n",
                        (long long)out.job_id, out.attempt,
                        out.will_retry ? ", will be retried" : ", no more retries", out.error);
            }
            jk_capture_saved_release(&out.saved);
            continue; /* the next one may be due already */
        }
        if (rc != JK_ENOTFOUND)
            fprintf(stderr, "junkai serve: capture jobs: %s\n", err.message);
        /* a job queued by a request is taken within a second */
        pthread_mutex_lock(&w->lock);
        if (!w->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&w->wake, &w->lock, &until);
        }
        pthread_mutex_unlock(&w->lock);
    }
    jk_store_close(st);
    return NULL;
}

static int print_routes(void)
{
    size_t count;
    const jk_route *routes = jk_server_routes(&count);
    for (size_t i = 0; i < count; i++)
        printf("%s %s %s\n", routes[i].method, routes[i].pattern, jk_role_name(routes[i].min_role));
    return JK_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'},
        {"connections", required_argument, NULL, 'c'},
        {"secure-cookies", no_argument, NULL, 's'},
        {"routes", no_argument, NULL, 'r'},
        {"no-capture", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    jk_server_config cfg = {0};
    cfg.listen = "127.0.0.1:8080";
    cfg.web_dir = jk_server_default_web_dir();
    cfg.log = log_stderr;
    unsigned long n;
    bool capture = true;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'l':
            cfg.listen = optarg;
            break;
        case 'w':
            cfg.web_dir = optarg;
            break;
        case 't':
        case 'c':
            if (!jk_parse_uint(optarg, 64, &n) || n == 0) {
                jk_cli_error("--%s takes a number from 1 to 64",
                             ch == 't' ? "threads" : "connections");
                return JK_EXIT_ERROR;
            }
            if (ch == 't')
                cfg.threads = (unsigned)n;
            else
                cfg.connections = (unsigned)n;
            break;
        case 's':
            cfg.secure_cookies = true;
            break;
        case 'r':
            return print_routes();
        case 'n':
            capture = false;
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(serve_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        fputs(serve_usage, stderr);
        return JK_EXIT_ERROR;
    }
    const char *dir = jk_data_dir(data);
    jk_store *probe;
    if (jk_open_data_store(dir, &probe)) /* says how to create a missing store */
        return JK_EXIT_ERROR;
    jk_store_close(probe);
    char db[4096];
    snprintf(db, sizeof db, "%s/junkai.db", dir);
    cfg.db_path = db;
    cfg.data_dir = dir;
    jk_config conf;
    jk_error cerr;
    if (jk_config_load(dir, &conf, &cerr)) {
        jk_cli_error("%s", cerr.message);
        return JK_EXIT_ERROR;
    }
    jk_report_org org = {conf.org.name,  conf.org.department, conf.org.contact_name,
                         conf.org.email, conf.org.phone,      conf.org.address};
    cfg.org = &org;
    /* junkai.yaml removal.first_hours: when a sent report's first removal check falls */
    cfg.removal_first_seconds = conf.removal.first_hours * 3600;
    cfg.destinations = conf.destinations;
    cfg.destination_count = conf.destination_count;

    /* The server's threads inherit this mask, so the signals reach only
     * sigwait below and the server stops from one place. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    /* the packs patrols use scan tips entered through the API and the rule
     * try-out, so both answer as a patrol would; without rules the server
     * still serves and tips are stored unscanned */
    jk_engine eng;
    memset(&eng, 0, sizeof eng);
    if (jk_engine_load(&eng, conf.rules, conf.rule_count) == 0 &&
        jk_ruleset_rule_count(eng.rules) > 0 &&
        jk_engine_compile(&eng) == 0) {
        cfg.scanner = eng.scanner;
        cfg.rules = eng.rules;
    } else {
        fprintf(stderr, "junkai: no rules loaded: tips are stored unscanned\n");
    }

    jk_server *srv;
    jk_error err;
    if (jk_server_start(&cfg, &srv, &err)) {
        jk_cli_error("%s", err.message);
        jk_engine_release(&eng);
        jk_config_release(&conf);
        return JK_EXIT_ERROR;
    }
    const char *colon = strrchr(cfg.listen, ':');
    printf("junkai: serving http://%.*s:%u/ (data %s)\n", (int)(colon - cfg.listen), cfg.listen,
           jk_server_port(srv), dir);
    fflush(stdout);
    capture_worker worker;
    memset(&worker, 0, sizeof worker);
    worker.db_path = db;
    worker.data_dir = dir;
    pthread_mutex_init(&worker.lock, NULL);
    pthread_cond_init(&worker.wake, NULL);
    bool worker_started =
        capture && pthread_create(&worker.thread, NULL, capture_worker_main, &worker) == 0;
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "junkai: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (worker_started) {
        /* a capture under way ends within a moment; its job goes back */
        pthread_mutex_lock(&worker.lock);
        worker.stop = 1;
        pthread_cond_signal(&worker.wake);
        pthread_mutex_unlock(&worker.lock);
        pthread_join(worker.thread, NULL);
    }
    pthread_mutex_destroy(&worker.lock);
    pthread_cond_destroy(&worker.wake);
    jk_server_stop(srv);
    jk_engine_release(&eng);
    jk_config_release(&conf);
    return JK_EXIT_OK;
}
