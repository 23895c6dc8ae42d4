/*
 * capture.h — a page as a person saw it, kept as evidence: a full-page
 * PNG screenshot, the rendered DOM (HTML after scripts ran) and an MHTML
 * snapshot (the page with its resources), taken with Debian's headless
 * Chromium driven over the DevTools pipe (cdp.h), plus a manifest tying
 * the three together with the URL, the capture time, the operator and
 * every request the network policy refused.
 *
 * Safety is the collectors': the browser reaches the network only through
 * a filtering proxy (src/net/proxy.h) that refuses internal addresses
 * unless the capture is allowed them, and then only for the URL's own
 * host. The browser runs with a fresh temporary profile, no extensions,
 * a fixed viewport, and is killed with its whole process group on every
 * way out; the profile is removed.
 *
 * Files are stored like every evidence file (evidence.h: named by their
 * SHA-256, read-only, never rewritten), as rows of kind "screenshot"
 * (.png), "dom" (.html), "mhtml" (.mhtml) and "capture" (the manifest,
 * .json), linked to the item when there is one. `junkai capture` and the
 * capture jobs queued when an item is filed into a case use this.
 */
#ifndef JK_CAPTURE_H
#define JK_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"
#include "junkai/store.h"
#include "proxy.h"

#define JK_CAPTURE_TIMEOUT_DEFAULT_MS 30000L /* navigation and load */
#define JK_CAPTURE_TIMEOUT_MAX_MS 600000L
#define JK_CAPTURE_VIEWPORT_WIDTH 1280
#define JK_CAPTURE_VIEWPORT_HEIGHT 800
#define JK_CAPTURE_VIEWPORT_MIN 200
#define JK_CAPTURE_VIEWPORT_MAX 4096
/* The tallest (and widest) full-page screenshot in CSS pixels; a longer
 * page is cut there and its manifest says "truncated". Chromium's own
 * texture limit is of this order. */
#define JK_CAPTURE_PAGE_MAX 16384
/* The largest DevTools message (a screenshot or MHTML travels in one). */
#define JK_CAPTURE_MESSAGE_MAX ((size_t)256 * 1024 * 1024)
/* Startup of the browser, and each capture step after the load. */
#define JK_CAPTURE_STARTUP_MS 30000L
#define JK_CAPTURE_STEP_MS 60000L
/* After the load event, time for the page's own scripts to settle. */
#define JK_CAPTURE_SETTLE_MS 500L
#define JK_CAPTURE_DEFAULT_CHROMIUM "/usr/bin/chromium"

typedef struct jk_capture_options {
    const char *url;      /* http or https (required) */
    bool allow_private;   /* the URL's own host may be an internal address */
    long timeout_ms;      /* navigation and load; 0: the default */
    int width, height;    /* the viewport; 0: 1280×800 */
    const char *chromium; /* NULL: $JUNKAI_CHROMIUM, else /usr/bin/chromium */
    /* when set and it becomes nonzero (a signal's flag), the capture ends
     * early with JK_ENET */
    volatile sig_atomic_t *stop;
    /* lines for the log (refusals, a page that did not finish); may be
     * NULL; called from the proxy's threads too */
    void (*log)(void *ctx, const char *message);
    void *log_ctx;
} jk_capture_options;

typedef struct jk_capture_result {
    jk_buf png;      /* the full-page screenshot */
    jk_buf dom;      /* the rendered document as HTML */
    jk_buf mhtml;    /* Page.captureSnapshot */
    char *url;       /* as asked */
    char *final_url; /* after redirects */
    char *title;
    char *browser;    /* "Chrome/156.0…" */
    char *user_agent; /* as sent */
    long long started_unix_ms, captured_unix_ms;
    bool load_complete; /* the load event came before the timeout */
    bool truncated;     /* the page was taller or wider than JK_CAPTURE_PAGE_MAX */
    int viewport_width, viewport_height;
    long page_width, page_height; /* the document's size in CSS pixels */
    unsigned png_width, png_height;
    long timeout_ms;
    bool allow_private;
    long requests;             /* requests the proxy saw */
    long refused_total;        /* … refused by policy */
    long failed_total;         /* … that could not be resolved or reached */
    jk_proxy_refusal *refused; /* the first JK_PROXY_REFUSALS_KEPT of both */
    size_t refused_count;
    long blocked_total; /* the browser's own service requests, not carried */
    char **hosts;       /* "host:port" the proxy connected to for the page */
    size_t host_count;
} jk_capture_result;

void jk_capture_result_init(jk_capture_result *r);
void jk_capture_result_release(jk_capture_result *r);

/* Capture o->url into r (initialised by the caller, released by the
 * caller in every case). Errors name the URL: JK_EINVAL for a URL that is
 * not http(s) or options out of range; JK_EDENIED when the URL (or where
 * it redirects) is an internal address not allowed; JK_ENET when the page
 * does not answer within the timeout or the navigation fails; JK_EIO when
 * the browser cannot be started or fails. A page that answers but never
 * finishes loading is captured as it is at the timeout, with
 * load_complete false. Not thread-safe per result; captures in different
 * threads are independent. */
int jk_capture_page(const jk_capture_options *o, jk_capture_result *r, jk_error *err);

/* Whether data is a PNG; its IHDR's size when it is. */
bool jk_capture_png_size(const void *data, size_t len, unsigned *width, unsigned *height);

/* ---- keeping a capture as evidence ---- */

enum {
    JK_CAPTURE_SCREENSHOT,
    JK_CAPTURE_DOM,
    JK_CAPTURE_MHTML,
    JK_CAPTURE_MANIFEST,
    JK_CAPTURE_FILES
};

typedef struct jk_capture_saved {
    int64_t id[JK_CAPTURE_FILES]; /* evidence rows */
    char sha256[JK_CAPTURE_FILES][65];
    char *path[JK_CAPTURE_FILES]; /* relative to the data directory */
    int64_t size[JK_CAPTURE_FILES];
    int64_t audit_id;
} jk_capture_saved;

/* The kind of each file's row ("screenshot", "dom", "mhtml", "capture"). */
const char *jk_capture_kind(int which);

typedef struct jk_capture_record {
    int64_t item_id;        /* 0: none */
    const char *operator_;  /* who asked (account or cli:login) */
    const char *audit_user; /* the audit entry's user */
    int64_t job_id;         /* a capture job to mark done in the same batch; 0: none */
    const char *via;        /* "cli", "serve", …: in the manifest and audit detail */
} jk_capture_record;

/* Write the four files under data_dir/evidence and, in one batch, their
 * evidence rows (linked to the item), the audit entry "evidence.capture"
 * (target "item:N", else the URL) and the job's completion. saved's paths
 * are malloc'd (jk_capture_saved_release). */
int jk_capture_save(jk_store *st, const char *data_dir, const jk_capture_result *r,
                    const jk_capture_record *rec, jk_capture_saved *saved, jk_error *err);
void jk_capture_saved_release(jk_capture_saved *saved);

/* ---- capture jobs (queued when an item is filed into a case) ---- */

#define JK_CAPTURE_JOB_ATTEMPTS 3 /* tries before a job is failed */
#define JK_CAPTURE_JOB_RETRY_S 60 /* first wait before a retry; doubles */
#define JK_CAPTURE_JOB_LEASE_S                                                                     \
    900 /* a running job not finished by then                                                      \
            (its worker died) is taken again */

typedef struct jk_capture_outcome {
    int64_t job_id, item_id;
    char url[2048];
    long attempt;
    bool ok;
    bool will_retry; /* failed this time, queued again */
    char error[JK_ERROR_MESSAGE_MAX];
    jk_capture_saved saved; /* when ok */
    bool load_complete;
    long refused_total;
} jk_capture_outcome;

/* Take the oldest due job, capture it (allow_private and the operator as
 * the job says; the rest from base, whose url is ignored) and record the
 * outcome: the evidence and the job's completion in one batch, or the
 * error with a retry later (until JK_CAPTURE_JOB_ATTEMPTS) or for good.
 * JK_ENOTFOUND when no job is due; JK_OK when one was run (out says how
 * it went); another code when the store failed. A capture ended by
 * base->stop puts the job back as it was. audit_via names the worker
 * ("serve", "cli:root") in the audit detail. */
int jk_capture_run_next(jk_store *st, const char *data_dir, const jk_capture_options *base,
                        const char *audit_via, jk_capture_outcome *out, jk_error *err);

#endif
