/*
 * cmd_capture.c — `junkai capture`: a page kept as evidence by hand (a
 * full-page screenshot, the rendered DOM, an MHTML snapshot and their
 * manifest; src/evidence/capture.h), the capture jobs queued when items
 * are filed into cases (--pending runs the due ones, --jobs lists them,
 * --requeue JOB puts a failed one back).
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_cli.h"
#include "capture.h"
#include "cli.h"
#include "junkai/capture_jobs.h"
#include "warc.h"

static const char capture_usage[] =
    "usage: junkai capture URL [--data DIR] [--item ID] [--allow-private]\n"
    "                      [--timeout SECONDS] [--viewport WxH] [--user NAME]\n"
    "                      [--format text|json]\n"
    "       junkai capture --pending [--data DIR] [--timeout SECONDS] [--viewport WxH]\n"
    "       junkai capture --jobs [--state queued|running|done|failed] [--data DIR]\n"
    "       junkai capture --requeue JOB [--data DIR]\n"
    "\n"
    "Open URL in Debian's headless Chromium and keep, as evidence files named by\n"
    "their SHA-256 under DIR/evidence, a full-page PNG screenshot, the rendered\n"
    "DOM (HTML after the page's scripts ran), an MHTML snapshot, and a manifest\n"
    "(JSON) with the URL, the capture time, the operator and every request the\n"
    "network policy refused. The browser runs with a fresh profile, no\n"
    "extensions, a fixed viewport, and reaches the network only through a proxy\n"
    "that refuses loopback, private and link-local addresses.\n"
    "\n"
    "  --item ID          link the files to this item\n"
    "  --allow-private    the URL's own host may be an internal address (a test\n"
    "                     server on loopback); no other internal host is reached\n"
    "  --timeout SECONDS  for the page to answer and load (default 30); a page\n"
    "                     that answers but never finishes loading is captured as\n"
    "                     it is then, and its manifest says load_complete: false\n"
    "  --viewport WxH     the browser's window (default 1280x800)\n"
    "  --user NAME        the operator recorded (default cli:LOGIN)\n"
    "  --pending          run every capture job that is due (queued when an item\n"
    "                     is filed into a case), one at a time\n"
    "  --jobs             list capture jobs, newest first\n"
    "  --requeue JOB      queue a failed job again\n"
    "\n"
    "Exit 0 when the capture is kept; 2, with a message naming the URL, when it\n"
    "is refused or fails. --pending exits 1 when a job failed (its error is kept\n"
    "with the job).\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void log_stderr(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "junkai capture: %s\n", message);
}

static bool parse_viewport(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        return false;
    const char *second = end + 1;
    long b = strtol(second, &end, 10);
    if (end == second || *end)
        return false;
    if (a < JK_CAPTURE_VIEWPORT_MIN || a > JK_CAPTURE_VIEWPORT_MAX || b < JK_CAPTURE_VIEWPORT_MIN ||
        b > JK_CAPTURE_VIEWPORT_MAX)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static json_t *saved_json(const jk_capture_saved *s)
{
    json_t *files = json_object();
    for (int i = 0; i < JK_CAPTURE_FILES; i++)
        json_object_set_new(files, jk_capture_kind(i),
                            json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)s->id[i], "sha256",
                                      s->sha256[i], "path", s->path[i], "size",
                                      (json_int_t)s->size[i]));
    return files;
}

static void print_saved_text(const jk_capture_saved *s, const char *dir)
{
    for (int i = 0; i < JK_CAPTURE_FILES; i++)
        printf("  %-10s evidence %-6lld sha256 %s  %s/%s (%lld bytes)\n", jk_capture_kind(i),
               (long long)s->id[i], s->sha256[i], dir, s->path[i], (long long)s->size[i]);
}

static int item_seen(void *ctx, const jk_item_row *row)
{
    (void)row;
    *(bool *)ctx = true;
    return 0;
}

static int capture_url(jk_store *st, const char *dir, const jk_capture_options *o, int64_t item_id,
                       const char *user, bool json)
{
    jk_error err;
    if (item_id) {
        bool seen = false;
        int rc = jk_store_item_get(st, item_id, NULL, NULL, false, item_seen, &seen, &err);
        if (rc) {
            jk_cli_error("%s: --item %lld: %s", o->url, (long long)item_id, err.message);
            return JK_EXIT_ERROR;
        }
    }
    jk_capture_result r;
    jk_capture_result_init(&r);
    int rc = jk_capture_page(o, &r, &err);
    if (rc) {
        /* the library's message names the URL */
        jk_cli_error("%s", err.message);
        jk_capture_result_release(&r);
        return JK_EXIT_ERROR;
    }
    char audit_user[300];
    jk_cli_audit_user(audit_user, sizeof audit_user);
    jk_capture_record rec = {item_id, user ? user : audit_user, audit_user, 0, "cli"};
    jk_capture_saved saved;
    rc = jk_capture_save(st, dir, &r, &rec, &saved, &err);
    if (rc) {
        jk_cli_error("%s: not kept: %s", o->url, err.message);
        jk_capture_saved_release(&saved);
        jk_capture_result_release(&r);
        return JK_EXIT_ERROR;
    }
    jk_cli_audit_head(st, dir);
    char captured[32];
    jk_warc_date(r.captured_unix_ms, captured);
    if (json) {
        json_t *refused = json_array();
        for (size_t i = 0; i < r.refused_count; i++)
            if (r.refused[i].denied)
                json_array_append_new(refused, json_pack("{s:s, s:s}", "url", r.refused[i].url,
                                                         "reason", r.refused[i].reason));
        json_t *out = json_pack(
            "{s:s, s:s?, s:s?, s:s, s:b, s:b, s:{s:i, s:i}, s:{s:i, s:i}, s:I, s:o, s:o}", "url",
            r.url, "final_url", r.final_url, "title", r.title, "captured_at", captured,
            "load_complete", r.load_complete, "truncated", r.truncated, "viewport", "width",
            r.viewport_width, "height", r.viewport_height, "screenshot", "width", (int)r.png_width,
            "height", (int)r.png_height, "refused_total", (json_int_t)r.refused_total, "refused",
            refused, "files", saved_json(&saved));
        if (item_id)
            json_object_set_new(out, "item", json_integer(item_id));
        char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
        if (text)
            puts(text);
        free(text);
        json_decref(out);
    } else {
        printf("captured %s at %s%s\n", r.url, captured,
               r.load_complete ? "" : " (the page had not finished loading)");
        if (r.final_url && strcmp(r.final_url, r.url) != 0)
            printf("  final URL %s\n", r.final_url);
        printf("  screenshot %u×%u px%s\n", r.png_width, r.png_height,
               r.truncated ? " (cut off: the page is longer)" : "");
        print_saved_text(&saved, dir);
        if (r.refused_total) {
            printf("  refused %ld request%s:\n", r.refused_total, r.refused_total == 1 ? "" : "s");
            for (size_t i = 0; i < r.refused_count; i++)
                if (r.refused[i].denied)
                    printf("    %s: %s\n", r.refused[i].url, r.refused[i].reason);
        }
    }
    jk_capture_saved_release(&saved);
    jk_capture_result_release(&r);
    return JK_EXIT_OK;
}

static int run_pending(jk_store *st, const char *dir, const jk_capture_options *base)
{
    char via[300];
    jk_cli_audit_user(via, sizeof via);
    long ran = 0, failed = 0;
    while (!stop_requested) {
        jk_capture_outcome out;
        jk_error err;
        int rc = jk_capture_run_next(st, dir, base, via, &out, &err);
        if (rc == JK_ENOTFOUND)
            break;
        if (rc) {
            jk_cli_error("capture job %lld: %s", (long long)out.job_id, err.message);
            jk_capture_saved_release(&out.saved);
            return JK_EXIT_ERROR;
        }
        if (stop_requested && !out.ok) {
            fprintf(stderr, "junkai capture: stopped; job %lld is queued again\n",
                    (long long)out.job_id);
            break;
        }
        ran++;
        if (out.ok) {
            jk_cli_audit_head(st, dir);
            printf("job %lld item %lld: captured %s%s\n", (long long)out.job_id,
                   (long long)out.item_id, out.url,
                   out.load_complete ? "" : " (the page had not finished loading)");
            print_saved_text(&out.saved, dir);
        } else {
            failed++;
            printf("job %lld item %lld: FAILED (attempt %ld%s): %s\n", (long long)out.job_id,
                   (long long)out.item_id, out.attempt,
                   out.will_retry ? ", will be retried" : ", no more retries", out.error);
        }
        fflush(stdout);
        jk_capture_saved_release(&out.saved);
    }
    printf("%ld capture job%s run, %ld failed\n", ran, ran == 1 ? "" : "s", failed);
    return failed ? 1 : JK_EXIT_OK;
}

static int print_job(void *ctx, const jk_capture_job *j)
{
    (void)ctx;
    printf("%-6lld item %-6lld %-8s attempts %ld  %s  by %s  %s%s%s\n", (long long)j->id,
           (long long)j->item_id, j->state, j->attempts, j->url, j->requested_by,
           j->updated_at ? j->updated_at : "", j->last_error ? "  error: " : "",
           j->last_error ? j->last_error : "");
    return 0;
}

int cmd_capture(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"item", required_argument, NULL, 'i'},
        {"allow-private", no_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"viewport", required_argument, NULL, 'v'},
        {"user", required_argument, NULL, 'u'},
        {"format", required_argument, NULL, 'f'},
        {"pending", no_argument, NULL, 'P'},
        {"jobs", no_argument, NULL, 'J'},
        {"state", required_argument, NULL, 's'},
        {"requeue", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *user = NULL, *state = NULL;
    jk_capture_options o;
    memset(&o, 0, sizeof o);
    o.log = log_stderr;
    o.stop = &stop_requested;
    unsigned long n, item = 0, requeue = 0;
    bool json = false, pending = false, jobs = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'i':
        case 'R':
            if (!jk_parse_uint(optarg, 1UL << 53, &n) || n == 0) {
                jk_cli_error("--%s takes an id", ch == 'i' ? "item" : "requeue");
                return JK_EXIT_ERROR;
            }
            *(ch == 'i' ? &item : &requeue) = n;
            break;
        case 'p':
            o.allow_private = true;
            break;
        case 't':
            if (!jk_parse_uint(optarg, JK_CAPTURE_TIMEOUT_MAX_MS / 1000, &n) || n == 0) {
                jk_cli_error("--timeout takes seconds from 1 to %ld",
                             JK_CAPTURE_TIMEOUT_MAX_MS / 1000);
                return JK_EXIT_ERROR;
            }
            o.timeout_ms = (long)n * 1000;
            break;
        case 'v':
            if (!parse_viewport(optarg, &o.width, &o.height)) {
                jk_cli_error("--viewport takes WIDTHxHEIGHT, each %d to %d (e.g. 1280x800)",
                             JK_CAPTURE_VIEWPORT_MIN, JK_CAPTURE_VIEWPORT_MAX);
                return JK_EXIT_ERROR;
            }
            break;
        case 'u':
            if (!optarg[0] || strlen(optarg) > 200) {
                jk_cli_error("--user takes a name of 1 to 200 bytes");
                return JK_EXIT_ERROR;
            }
            user = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                jk_cli_error("--format is text or json");
                return JK_EXIT_ERROR;
            }
            json = strcmp(optarg, "json") == 0;
            break;
        case 'P':
            pending = true;
            break;
        case 'J':
            jobs = true;
            break;
        case 's':
            state = optarg;
            break;
        case 'h':
            fputs(capture_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(capture_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    int modes = (pending ? 1 : 0) + (jobs ? 1 : 0) + (requeue ? 1 : 0);
    if (modes > 1 || (modes == 1 && optind != argc) || (modes == 0 && optind + 1 != argc)) {
        jk_cli_error("capture takes one URL, or one of --pending, --jobs, --requeue JOB");
        fputs(capture_usage, stderr);
        return JK_EXIT_ERROR;
    }
    if (state && strcmp(state, "queued") && strcmp(state, "running") && strcmp(state, "done") &&
        strcmp(state, "failed")) {
        jk_cli_error("--state is queued, running, done or failed");
        return JK_EXIT_ERROR;
    }
    const char *dir = jk_data_dir(data);
    jk_store *st;
    if (jk_open_data_store(dir, &st))
        return JK_EXIT_ERROR;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int status;
    jk_error err;
    if (jobs) {
        status =
            jk_store_capture_jobs(st, state, 0, print_job, NULL, &err) ? JK_EXIT_ERROR : JK_EXIT_OK;
        if (status)
            jk_cli_error("%s", err.message);
    } else if (requeue) {
        char target[48];
        snprintf(target, sizeof target, "capture_job:%lu", requeue);
        int rc = jk_store_begin(st, &err);
        if (!rc)
            rc = jk_store_capture_requeue(st, (int64_t)requeue, &err);
        if (!rc)
            rc = jk_cli_audit_commit(st, dir, "capture.requeue", target, &err, NULL);
        if (rc) {
            jk_store_rollback(st);
            jk_cli_error("%s", err.message);
            status = JK_EXIT_ERROR;
        } else {
            printf("capture job %lu queued again\n", requeue);
            status = JK_EXIT_OK;
        }
    } else if (pending) {
        status = run_pending(st, dir, &o);
    } else {
        o.url = argv[optind];
        status = capture_url(st, dir, &o, (int64_t)item, user, json);
    }
    jk_store_close(st);
    return status;
}
