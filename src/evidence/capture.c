/*
 * capture.c — page captures with headless Chromium (capture.h): start the
 * browser behind the filtering proxy with a fresh profile, drive it over
 * the DevTools pipe (cdp.h), take the screenshot, DOM and MHTML, and
 * always end with the browser's process group killed and the profile gone.
 *
 * Why a pipe and a proxy: --remote-debugging-pipe needs no port (nothing
 * else on the machine can drive the browser), and a proxy that resolves
 * and checks every destination is the one place where redirects,
 * subresources, WebSockets and loopback (--proxy-bypass-list=<-loopback>)
 * all pass; QUIC is off and WebRTC may not use UDP outside the proxy, so
 * nothing goes around it.
 * Must not touch: the address rules (src/net/), SQL (src/store/).
 */
#define _GNU_SOURCE /* close_range */
#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cdp.h"
#include "evidence.h"
#include "http.h"
#include "junkai/capture_jobs.h"
#include "warc.h"

#ifndef JK_VERSION
#define JK_VERSION "0.1"
#endif

extern char **environ;

static const char *const capture_kinds[JK_CAPTURE_FILES] = {"screenshot", "dom", "mhtml",
                                                            "capture"};

const char *jk_capture_kind(int which)
{
    return which >= 0 && which < JK_CAPTURE_FILES ? capture_kinds[which] : NULL;
}

void jk_capture_result_init(jk_capture_result *r)
{
    memset(r, 0, sizeof *r);
    jk_buf_init(&r->png, 0);
    jk_buf_init(&r->dom, 0);
    jk_buf_init(&r->mhtml, 0);
}

void jk_capture_result_release(jk_capture_result *r)
{
    jk_buf_release(&r->png);
    jk_buf_release(&r->dom);
    jk_buf_release(&r->mhtml);
    free(r->url);
    free(r->final_url);
    free(r->title);
    free(r->browser);
    free(r->user_agent);
    jk_proxy_refusals_free(r->refused, r->refused_count);
    jk_proxy_hosts_free(r->hosts, r->host_count);
    jk_capture_result_init(r);
}

bool jk_capture_png_size(const void *data, size_t len, unsigned *width, unsigned *height)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *p = data;
    if (len < 33 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
        return false;
    *width = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
    *height = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
    return true;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the URL's host ---- */

/* The host of an http(s) URL, lowercase, brackets kept off an IPv6
 * literal. JK_EINVAL naming the URL otherwise. */
static int url_host(const char *url, char *host, size_t size, jk_error *err)
{
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return jk_error_set(err, JK_EINVAL, "%s: only http and https URLs are captured", url);
    const char *auth = url + skip;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', auth_len);
    if (at) {
        auth_len -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    const char *h = auth;
    size_t n;
    if (auth_len && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (!close)
            return jk_error_set(err, JK_EINVAL, "%s: bad IPv6 address", url);
        h = auth + 1;
        n = (size_t)(close - h);
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        n = colon ? (size_t)(colon - auth) : auth_len;
    }
    if (n == 0 || n >= size)
        return jk_error_set(err, JK_EINVAL, "%s: no host", url);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c <= 0x20 || c == 0x7f || c == '%' || c == '\\')
            return jk_error_set(err, JK_EINVAL, "%s: bad character in the host", url);
        host[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    host[n] = '\0';
    return JK_OK;
}

/* Refuse early, before any browser starts, a URL whose host has only
 * internal addresses when they are not allowed (the proxy would refuse it
 * too; this gives the clearer message). */
static int precheck_host(const char *url, const char *host, bool allow_private, jk_error *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, NULL, &hints, &res);
    if (gai != 0) /* no browser is started for a page that cannot be */
        return jk_error_set(err, JK_ENET, "%s: cannot resolve %s: %s", url, host,
                            gai_strerror(gai));
    char first[INET6_ADDRSTRLEN] = "";
    bool any_public = false;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, text, sizeof text);
        else if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, text,
                      sizeof text);
        if (!first[0])
            snprintf(first, sizeof first, "%s", text);
        if (!jk_http_address_is_internal(text))
            any_public = true;
    }
    freeaddrinfo(res);
    if (any_public || allow_private)
        return JK_OK;
    return jk_error_set(err, JK_EDENIED,
                        "%s: refused: %s resolves to %s, an internal address; capture it with "
                        "--allow-private (or from a source added with --allow-private)",
                        url, host, first);
}

/* ---- the browser process ---- */

typedef struct browser {
    char *tmp_dir; /* holds profile/ and chromium.log */
    pid_t pid;     /* also the process group */
    int fd;        /* our end of the DevTools socket */
} browser;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    (void)remove(path);
    return 0;
}

/* The last line of the browser's log, for an error message. */
static void log_tail(const browser *b, char *out, size_t size)
{
    out[0] = '\0';
    if (!b->tmp_dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/chromium.log", b->tmp_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strstr(line, "ERROR") || strstr(line, "FATAL") || strstr(line, "rror"))
            snprintf(out, size, "%.*s", (int)strcspn(line, "\n"), line);
    fclose(f);
}

/* Kill the whole process group (renderers, zygotes, crash handler), reap
 * the browser, remove the temporary profile. Safe to call twice. */
static void browser_end(browser *b)
{
    if (b->pid > 0) {
        /* a moment for Browser.close to end it cleanly */
        for (int i = 0; i < 30; i++) {
            if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
                (void)kill(-b->pid, SIGKILL);
                b->pid = 0;
                break;
            }
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (b->pid > 0) {
            (void)kill(-b->pid, SIGKILL);
            (void)kill(b->pid, SIGKILL);
            while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR)
                ;
            b->pid = 0;
        }
    }
    if (b->fd >= 0) {
        close(b->fd);
        b->fd = -1;
    }
    if (b->tmp_dir) {
        (void)nftw(b->tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(b->tmp_dir);
        b->tmp_dir = NULL;
    }
}

/* An environment for the browser: ours, with HOME, TMPDIR and the XDG
 * directories in the temporary directory, so nothing of the user's
 * profile is read or written and the browser's own temporary files
 * (shared memory files with --disable-dev-shm-usage) go when it does. */
static char **browser_env(const char *tmp)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = jk_calloc(n + 5, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "HOME=", 5) != 0 && strncmp(environ[i], "XDG_CONFIG_HOME=", 16) &&
            strncmp(environ[i], "XDG_CACHE_HOME=", 15) != 0 && strncmp(environ[i], "TMPDIR=", 7))
            env[k++] = jk_strdup(environ[i]);
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "HOME=%s", tmp);
    env[k++] = b.data;
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "XDG_CONFIG_HOME=%s/config", tmp);
    env[k++] = b.data;
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "XDG_CACHE_HOME=%s/cache", tmp);
    env[k++] = b.data;
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "TMPDIR=%s", tmp);
    env[k++] = b.data;
    return env;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int browser_start(browser *b, const char *exe, int width, int height, unsigned proxy_port,
                         jk_error *err)
{
    const char *base = getenv("TMPDIR");
    jk_buf tmp;
    jk_buf_init(&tmp, 0);
    jk_buf_printf(&tmp, "%s/junkai-capture-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp.data)) {
        int rc = jk_error_set(err, JK_EIO, "capture: cannot create a temporary profile in %s: %s",
                              base && *base ? base : "/tmp", strerror(errno));
        jk_buf_release(&tmp);
        return rc;
    }
    b->tmp_dir = tmp.data;
    if (access(exe, X_OK) != 0)
        return jk_error_set(err, JK_EIO,
                            "capture: %s cannot be run (%s); install Debian's chromium "
                            "(apt-get install chromium) or set JUNKAI_CHROMIUM",
                            exe, strerror(errno));

    char arg_profile[4200], arg_window[64], arg_proxy[64], log_path[4200];
    snprintf(arg_profile, sizeof arg_profile, "--user-data-dir=%s/profile", b->tmp_dir);
    snprintf(arg_window, sizeof arg_window, "--window-size=%d,%d", width, height);
    snprintf(arg_proxy, sizeof arg_proxy, "--proxy-server=http://127.0.0.1:%u", proxy_port);
    snprintf(log_path, sizeof log_path, "%s/chromium.log", b->tmp_dir);
    const char *args[40];
    size_t n = 0;
    args[n++] = exe;
    args[n++] = "--headless";
    if (geteuid() == 0)
        args[n++] = "--no-sandbox"; /* Chromium's sandbox refuses to run as root */
    args[n++] = "--disable-gpu";
    args[n++] = "--disable-extensions";
    args[n++] = "--no-first-run";
    args[n++] = "--no-default-browser-check";
    args[n++] = "--disable-background-networking";
    args[n++] = "--disable-component-update";
    args[n++] = "--disable-sync";
    args[n++] = "--disable-default-apps";
    args[n++] = "--disable-domain-reliability";
    args[n++] = "--disable-breakpad";
    args[n++] = "--disable-quic";
    /* one list: a second --disable-features would replace the first */
    args[n++] = "--disable-features=Translate,OptimizationHints,MediaRouter,"
                "DialMediaRouteProvider,InterestFeedContentSuggestions,"
                "NetworkTimeServiceQuerying";
    args[n++] = "--force-webrtc-ip-handling-policy=disable_non_proxied_udp";
    args[n++] = arg_proxy;
    args[n++] = "--proxy-bypass-list=<-loopback>";
    args[n++] = "--mute-audio";
    args[n++] = "--hide-scrollbars";
    args[n++] = "--disable-dev-shm-usage";
    args[n++] = arg_window;
    args[n++] = arg_profile;
    args[n++] = "--remote-debugging-pipe";
    args[n++] = "about:blank";
    args[n] = NULL;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return jk_error_set(err, JK_EIO, "capture: socketpair: %s", strerror(errno));
    int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char **env = browser_env(b->tmp_dir);
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536)
        max_fd = 65536;
    pid_t parent = getpid();
    pid_t pid = logfd >= 0 && nullfd >= 0 ? fork() : -1;
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec */
        setpgid(0, 0);
        /* if junkai itself is killed (SIGKILL: no cleanup runs), the
         * browser goes with it; its helpers follow when the pipe closes */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(125);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        int s = fcntl(sv[1], F_DUPFD, 10);
        if (s < 0 || dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 ||
            dup2(s, 3) < 0 || dup2(s, 4) < 0)
            _exit(126);
        /* nothing else of ours (server sockets, the store) goes along */
        if (close_range(5, ~0U, 0) != 0)
            for (long fd = 5; fd < max_fd; fd++)
                close((int)fd);
        execve(exe, (char *const *)args, env);
        _exit(127);
    }
    int saved = errno;
    free_strings(env);
    if (logfd >= 0)
        close(logfd);
    if (nullfd >= 0)
        close(nullfd);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return jk_error_set(err, JK_EIO, "capture: cannot start %s: %s", exe, strerror(saved));
    }
    setpgid(pid, pid); /* also here: no race with the child's own call */
    b->pid = pid;
    b->fd = sv[0];
    return JK_OK;
}

/* ---- driving the page ---- */

#define LOADS_KEPT 64

typedef struct page_state {
    const char *session;
    char frame_id[128];
    char loader_id[128];
    bool navigated;              /* frame_id/loader_id known */
    char loads[LOADS_KEPT][128]; /* "frame loader" of every load seen */
    size_t load_count;
    bool crashed;
    bool dialog;
    jk_cdp *cdp;
} page_state;

static void on_event(void *ctx, const jk_cdp_message *m)
{
    page_state *ps = ctx;
    if (m->session_id && ps->session && strcmp(m->session_id, ps->session) != 0)
        return;
    if (strcmp(m->method, "Page.lifecycleEvent") == 0) {
        const char *name = json_string_value(json_object_get(m->params, "name"));
        const char *frame = json_string_value(json_object_get(m->params, "frameId"));
        const char *loader = json_string_value(json_object_get(m->params, "loaderId"));
        if (name && frame && loader && strcmp(name, "load") == 0 && ps->load_count < LOADS_KEPT)
            snprintf(ps->loads[ps->load_count++], sizeof ps->loads[0], "%.60s %.60s", frame,
                     loader);
    } else if (strcmp(m->method, "Inspector.targetCrashed") == 0 ||
               strcmp(m->method, "Target.targetCrashed") == 0) {
        ps->crashed = true;
    } else if (strcmp(m->method, "Page.javascriptDialogOpening") == 0) {
        ps->dialog = true;
    }
}

static bool page_loaded(void *ctx)
{
    page_state *ps = ctx;
    if (ps->crashed)
        return true;
    if (ps->dialog) {
        /* an alert() would hold the load forever: answer it */
        ps->dialog = false;
        (void)jk_cdp_call(ps->cdp, ps->session, "Page.handleJavaScriptDialog",
                          json_pack("{s:b}", "accept", 1), jk_cdp_now_ms() + 5000, NULL, NULL);
    }
    if (!ps->navigated)
        return false;
    char want[128];
    snprintf(want, sizeof want, "%.60s %.60s", ps->frame_id, ps->loader_id);
    for (size_t i = 0; i < ps->load_count; i++)
        if (strcmp(ps->loads[i], want) == 0)
            return true;
    return false;
}

static bool never(void *ctx)
{
    page_state *ps = ctx;
    return ps->crashed;
}

static char *dup_json_string(json_t *v)
{
    return json_is_string(v) ? jk_strndup(json_string_value(v), json_string_length(v)) : NULL;
}

/* Runtime.evaluate returning a string by value into out. */
static int eval_string(jk_cdp *c, const char *session, const char *expr, long long deadline,
                       jk_buf *out, const char *what, const char *url, jk_error *err)
{
    json_t *res = NULL;
    int rc = jk_cdp_call(c, session, "Runtime.evaluate",
                         json_pack("{s:s, s:b}", "expression", expr, "returnByValue", 1), deadline,
                         &res, err);
    if (rc)
        return rc;
    json_t *v = json_object_get(json_object_get(res, "result"), "value");
    if (!json_is_string(v)) {
        json_decref(res);
        return jk_error_set(err, JK_EIO, "%s: the page gave no %s", url, what);
    }
    rc = jk_buf_append(out, json_string_value(v), json_string_length(v));
    json_decref(res);
    return rc ? jk_error_set(err, rc, "%s: %s too large", url, what) : JK_OK;
}

/* A base64 member of a reply, decoded into out. */
static int take_base64(json_t *res, const char *member, jk_buf *out, const char *url,
                       const char *what, jk_error *err)
{
    json_t *v = json_object_get(res, member);
    if (!json_is_string(v))
        return jk_error_set(err, JK_EIO, "%s: the browser gave no %s", url, what);
    size_t b64_len = json_string_length(v);
    size_t cap = b64_len / 4 * 3 + 3;
    jk_buf_reset(out);
    if (jk_buf_append(out, "", 0) || cap > JK_CAPTURE_MESSAGE_MAX)
        return jk_error_set(err, JK_ELIMIT, "%s: %s too large", url, what);
    out->data = jk_realloc(out->data, cap + 1);
    out->cap = cap + 1;
    size_t bin_len = 0;
    if (sodium_base642bin((unsigned char *)out->data, cap, json_string_value(v), b64_len, NULL,
                          &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return jk_error_set(err, JK_EPARSE, "%s: the %s is not base64", url, what);
    out->len = bin_len;
    out->data[bin_len] = '\0';
    return JK_OK;
}

/* The refusal that explains a failed page, if any: one for its URL, or
 * for its host. */
static const jk_proxy_refusal *refusal_for(const jk_capture_result *r, const char *url,
                                           const char *host)
{
    for (size_t i = 0; url && i < r->refused_count; i++)
        if (strcmp(r->refused[i].url, url) == 0)
            return &r->refused[i];
    for (size_t i = 0; host && i < r->refused_count; i++) {
        char h[300];
        jk_error ignored;
        if (url_host(r->refused[i].url, h, sizeof h, &ignored) == JK_OK && strcmp(h, host) == 0)
            return &r->refused[i];
    }
    return NULL;
}

/* The browser's own services. Chromium calls some of them whatever its
 * flags say (the component updater, the account list of the sign-in
 * code: --disable-component-update and --disable-background-networking
 * do not stop them in Chromium 156), and a police capture must not tell
 * Google that, when and from where it looked at a page. No page needs
 * them to render, so the proxy refuses them; a page's own request to one
 * (a "Sign in with Google" button) is lost with them, which changes no
 * evidence. The captured URL's own host is never blocked. */
static const char *const browser_services[] = {
    "accounts.google.com",            /* sign-in: ListAccounts */
    "update.googleapis.com",          /* component and extension updates */
    ".gvt1.com",                      /* their downloads */
    "dl.google.com",                  /* … */
    "clients1.google.com",            /* network time, crash and update pings */
    "clients2.google.com",            /* … */
    "clients3.google.com",            /* … */
    "clients4.google.com",            /* … */
    "clients5.google.com",            /* … */
    "clients6.google.com",            /* … */
    "clients2.googleusercontent.com", /* extension downloads */
    "safebrowsing.googleapis.com",    /* Safe Browsing lists */
    "optimizationguide-pa.googleapis.com",
    "content-autofill.googleapis.com",
    "clientservices.googleapis.com", /* variations seed */
    "android.clients.google.com",
    "mtalk.google.com", /* push messaging */
    "chromewebstore.googleapis.com",
};

/* The list without the URL's own host (or its domain entry); returns the
 * count put in out. */
static size_t browser_services_except(const char *host, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof browser_services / sizeof *browser_services; i++)
        if (!jk_proxy_host_covered(browser_services[i], host))
            out[n++] = browser_services[i];
    return n;
}

static void take_refusals(jk_proxy *proxy, jk_capture_result *r)
{
    jk_proxy_refusals_free(r->refused, r->refused_count);
    r->refused_count = jk_proxy_refusals(proxy, &r->refused);
    r->refused_total = jk_proxy_refused_count(proxy);
    r->failed_total = jk_proxy_failed_count(proxy);
    r->requests = jk_proxy_request_count(proxy);
    r->blocked_total = jk_proxy_blocked_count(proxy);
    jk_proxy_hosts_free(r->hosts, r->host_count);
    r->host_count = jk_proxy_hosts(proxy, &r->hosts);
}

static void capture_log(const jk_capture_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void capture_log(const jk_capture_options *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->log(o->log_ctx, line);
}

static int drive(const jk_capture_options *o, jk_cdp *c, jk_proxy *proxy, const char *host,
                 jk_capture_result *r, jk_error *err)
{
    const char *url = o->url;
    long long deadline = jk_cdp_now_ms() + JK_CAPTURE_STARTUP_MS;
    json_t *res = NULL;
    page_state ps;
    memset(&ps, 0, sizeof ps);
    ps.cdp = c;
    c->on_event = on_event;
    c->event_ctx = &ps;

    int rc = jk_cdp_call(c, NULL, "Browser.getVersion", NULL, deadline, &res, err);
    if (rc)
        return rc;
    r->browser = dup_json_string(json_object_get(res, "product"));
    char *ua = dup_json_string(json_object_get(res, "userAgent"));
    json_decref(res);
    /* "HeadlessChrome" marks the request as a robot's; the page should be
     * what a person's browser gets */
    if (ua) {
        char *h = strstr(ua, "HeadlessChrome");
        if (h)
            memmove(h, h + 8, strlen(h + 8) + 1);
        r->user_agent = ua;
    }
    if ((rc = jk_cdp_call(c, NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
                          deadline, &res, err)))
        return rc;
    char target_id[128];
    snprintf(target_id, sizeof target_id, "%s",
             json_string_value(json_object_get(res, "targetId"))
                 ? json_string_value(json_object_get(res, "targetId"))
                 : "");
    json_decref(res);
    if ((rc = jk_cdp_call(c, NULL, "Target.attachToTarget",
                          json_pack("{s:s, s:b}", "targetId", target_id, "flatten", 1), deadline,
                          &res, err)))
        return rc;
    char session[128];
    snprintf(session, sizeof session, "%s",
             json_string_value(json_object_get(res, "sessionId"))
                 ? json_string_value(json_object_get(res, "sessionId"))
                 : "");
    json_decref(res);
    ps.session = session;
    if ((rc = jk_cdp_call(c, session, "Page.enable", NULL, deadline, NULL, err)) ||
        (rc = jk_cdp_call(c, session, "Page.setLifecycleEventsEnabled",
                          json_pack("{s:b}", "enabled", 1), deadline, NULL, err)) ||
        (rc = jk_cdp_call(c, session, "Emulation.setDeviceMetricsOverride",
                          json_pack("{s:i, s:i, s:i, s:b}", "width", r->viewport_width, "height",
                                    r->viewport_height, "deviceScaleFactor", 1, "mobile", 0),
                          deadline, NULL, err)))
        return rc;
    if (r->user_agent &&
        (rc = jk_cdp_call(c, session, "Emulation.setUserAgentOverride",
                          json_pack("{s:s}", "userAgent", r->user_agent), deadline, NULL, err)))
        return rc;

    /* navigate and wait for the load, both within the timeout */
    long long nav_deadline = jk_cdp_now_ms() + r->timeout_ms;
    r->started_unix_ms = wall_ms();
    jk_error nerr;
    rc = jk_cdp_call(c, session, "Page.navigate", json_pack("{s:s}", "url", url), nav_deadline,
                     &res, &nerr);
    take_refusals(proxy, r);
    if (rc == JK_ENET && !(o->stop && *o->stop))
        return jk_error_set(err, JK_ENET, "%s: the page did not answer within %ld s", url,
                            r->timeout_ms / 1000);
    if (rc)
        return jk_error_set(err, rc, "%s: %s", url, nerr.message);
    const char *nav_error = json_string_value(json_object_get(res, "errorText"));
    if (nav_error && *nav_error) {
        const jk_proxy_refusal *why = refusal_for(r, NULL, host);
        if (why && why->denied)
            rc = jk_error_set(err, JK_EDENIED, "%s: refused: %s (%s)", url, why->reason, nav_error);
        else if (why)
            rc = jk_error_set(err, JK_ENET, "%s: the page could not be loaded: %s (%s)", url,
                              why->reason, nav_error);
        else
            rc = jk_error_set(err, JK_ENET, "%s: the page could not be loaded: %s", url, nav_error);
        json_decref(res);
        return rc;
    }
    snprintf(ps.frame_id, sizeof ps.frame_id, "%s",
             json_string_value(json_object_get(res, "frameId"))
                 ? json_string_value(json_object_get(res, "frameId"))
                 : "");
    const char *loader = json_string_value(json_object_get(res, "loaderId"));
    snprintf(ps.loader_id, sizeof ps.loader_id, "%s", loader ? loader : "");
    ps.navigated = true;
    json_decref(res);

    rc = jk_cdp_wait(c, nav_deadline, page_loaded, &ps, err);
    if (o->stop && *o->stop)
        return jk_error_set(err, JK_ENET, "%s: stopped", url);
    if (ps.crashed)
        return jk_error_set(err, JK_EIO, "%s: the page crashed the browser", url);
    if (rc == JK_ENET) {
        r->load_complete = false;
        capture_log(o, "%s: the page did not finish loading within %ld s; captured as it was", url,
                    r->timeout_ms / 1000);
    } else if (rc) {
        return rc;
    } else {
        r->load_complete = true;
        /* a moment for what the page's scripts do after the load */
        long long settle = jk_cdp_now_ms() + JK_CAPTURE_SETTLE_MS;
        jk_error ignored;
        (void)jk_cdp_wait(c, settle < nav_deadline ? settle : nav_deadline, never, &ps, &ignored);
        if (ps.crashed)
            return jk_error_set(err, JK_EIO, "%s: the page crashed the browser", url);
    }

    long long step = jk_cdp_now_ms() + JK_CAPTURE_STEP_MS;
    jk_buf text;
    jk_buf_init(&text, 0);
    rc = eval_string(c, session, "JSON.stringify([document.URL, document.title])", step, &text,
                     "URL and title", url, err);
    if (!rc) {
        json_t *pair = json_loadb(text.data, text.len, 0, NULL);
        r->final_url = dup_json_string(json_array_get(pair, 0));
        r->title = dup_json_string(json_array_get(pair, 1));
        json_decref(pair);
    }
    jk_buf_release(&text);
    if (rc)
        return rc;
    /* the page itself was refused (a redirect into private space): the
     * proxy's refusal page is no evidence of anything */
    take_refusals(proxy, r);
    const jk_proxy_refusal *why = refusal_for(r, r->final_url, NULL);
    if (why && !why->denied)
        return jk_error_set(err, JK_ENET, "%s: the page could not be loaded: %s: %s", url, why->url,
                            why->reason);
    if (why)
        return jk_error_set(err, JK_EDENIED, "%s: refused: %s went to %s: %s", url, url, why->url,
                            why->reason);

    if ((rc = jk_cdp_call(c, session, "Page.getLayoutMetrics", NULL, step, &res, err)))
        return rc;
    json_t *size = json_object_get(res, "cssContentSize");
    if (!size)
        size = json_object_get(res, "contentSize");
    double cw = json_number_value(json_object_get(size, "width"));
    double ch = json_number_value(json_object_get(size, "height"));
    json_decref(res);
    r->page_width = (long)(cw + 0.999);
    r->page_height = (long)(ch + 0.999);
    long shot_w = r->page_width > r->viewport_width ? r->page_width : r->viewport_width;
    long shot_h = r->page_height > r->viewport_height ? r->page_height : r->viewport_height;
    if (shot_w > JK_CAPTURE_PAGE_MAX || shot_h > JK_CAPTURE_PAGE_MAX) {
        r->truncated = true;
        capture_log(o, "%s: the page is %ld×%ld px; the screenshot is cut at %d px", url,
                    r->page_width, r->page_height, JK_CAPTURE_PAGE_MAX);
        if (shot_w > JK_CAPTURE_PAGE_MAX)
            shot_w = JK_CAPTURE_PAGE_MAX;
        if (shot_h > JK_CAPTURE_PAGE_MAX)
            shot_h = JK_CAPTURE_PAGE_MAX;
    }
    json_t *clip = json_pack("{s:i, s:i, s:I, s:I, s:i}", "x", 0, "y", 0, "width",
                             (json_int_t)shot_w, "height", (json_int_t)shot_h, "scale", 1);
    if ((rc = jk_cdp_call(c, session, "Page.captureScreenshot",
                          json_pack("{s:s, s:b, s:b, s:o}", "format", "png",
                                    "captureBeyondViewport", 1, "fromSurface", 1, "clip", clip),
                          step, &res, err)))
        return rc;
    r->captured_unix_ms = wall_ms();
    rc = take_base64(res, "data", &r->png, url, "screenshot", err);
    json_decref(res);
    if (rc)
        return rc;
    if (!jk_capture_png_size(r->png.data, r->png.len, &r->png_width, &r->png_height))
        return jk_error_set(err, JK_EIO, "%s: the screenshot is not a PNG", url);

    rc = eval_string(c, session,
                     "(document.doctype ? new XMLSerializer().serializeToString(document.doctype)"
                     " + '\\n' : '') + document.documentElement.outerHTML",
                     step, &r->dom, "DOM", url, err);
    if (rc)
        return rc;
    if ((rc = jk_cdp_call(c, session, "Page.captureSnapshot", json_pack("{s:s}", "format", "mhtml"),
                          step, &res, err)))
        return rc;
    json_t *data = json_object_get(res, "data");
    if (!json_is_string(data))
        rc = jk_error_set(err, JK_EIO, "%s: the browser gave no MHTML", url);
    else if (jk_buf_append(&r->mhtml, json_string_value(data), json_string_length(data)))
        rc = jk_error_set(err, JK_ELIMIT, "%s: MHTML too large", url);
    json_decref(res);
    if (rc)
        return rc;
    take_refusals(proxy, r);
    /* ask the browser to end; browser_end kills what is left either way */
    (void)jk_cdp_call(c, NULL, "Browser.close", NULL, jk_cdp_now_ms() + 2000, NULL, NULL);
    return JK_OK;
}

static void proxy_log_line(void *ctx, const char *message)
{
    const jk_capture_options *o = ctx;
    capture_log(o, "capture proxy: %s", message);
}

int jk_capture_page(const jk_capture_options *o, jk_capture_result *r, jk_error *err)
{
    if (!o->url || !o->url[0])
        return jk_error_set(err, JK_EINVAL, "capture: no URL");
    char host[256];
    int rc = url_host(o->url, host, sizeof host, err);
    if (rc)
        return rc;
    r->url = jk_strdup(o->url);
    r->timeout_ms = o->timeout_ms ? o->timeout_ms : JK_CAPTURE_TIMEOUT_DEFAULT_MS;
    r->viewport_width = o->width ? o->width : JK_CAPTURE_VIEWPORT_WIDTH;
    r->viewport_height = o->height ? o->height : JK_CAPTURE_VIEWPORT_HEIGHT;
    r->allow_private = o->allow_private;
    if (r->timeout_ms < 1000 || r->timeout_ms > JK_CAPTURE_TIMEOUT_MAX_MS)
        return jk_error_set(err, JK_EINVAL, "%s: the timeout must be 1 to %ld seconds", o->url,
                            JK_CAPTURE_TIMEOUT_MAX_MS / 1000);
    if (r->viewport_width < JK_CAPTURE_VIEWPORT_MIN ||
        r->viewport_width > JK_CAPTURE_VIEWPORT_MAX ||
        r->viewport_height < JK_CAPTURE_VIEWPORT_MIN ||
        r->viewport_height > JK_CAPTURE_VIEWPORT_MAX)
        return jk_error_set(err, JK_EINVAL, "%s: the viewport must be %d to %d pixels each way",
                            o->url, JK_CAPTURE_VIEWPORT_MIN, JK_CAPTURE_VIEWPORT_MAX);
    if ((rc = precheck_host(o->url, host, o->allow_private, err)))
        return rc;
    if (sodium_init() < 0)
        return jk_error_set(err, JK_EIO, "capture: libsodium cannot start");

    const char *exe = o->chromium;
    if (!exe || !*exe)
        exe = getenv("JUNKAI_CHROMIUM");
    if (!exe || !*exe)
        exe = JK_CAPTURE_DEFAULT_CHROMIUM;

    const char *hosts[1] = {host};
    jk_proxy_config pc;
    memset(&pc, 0, sizeof pc);
    pc.private_hosts = hosts;
    pc.private_host_count = o->allow_private ? 1 : 0;
    const char *blocked[sizeof browser_services / sizeof *browser_services];
    pc.blocked_hosts = blocked;
    pc.blocked_host_count = browser_services_except(host, blocked);
    pc.log = proxy_log_line;
    pc.log_ctx = (void *)o;
    jk_proxy *proxy = NULL;
    if ((rc = jk_proxy_start(&pc, &proxy, err)))
        return rc;

    browser b = {NULL, 0, -1};
    jk_cdp cdp;
    jk_cdp_init(&cdp, -1, JK_CAPTURE_MESSAGE_MAX);
    cdp.stop = o->stop;
    rc = browser_start(&b, exe, r->viewport_width, r->viewport_height, jk_proxy_port(proxy), err);
    if (!rc) {
        cdp.fd = b.fd;
        rc = drive(o, &cdp, proxy, host, r, err);
        if (rc && err && (rc == JK_EIO) && strstr(err->message, "closed the DevTools pipe")) {
            char tail[300];
            log_tail(&b, tail, sizeof tail);
            if (tail[0]) {
                char msg[JK_ERROR_MESSAGE_MAX];
                snprintf(msg, sizeof msg, "%s", err->message);
                jk_error_set(err, rc, "%s: %s (browser: %s)", o->url, msg, tail);
            }
        }
    }
    browser_end(&b);
    jk_cdp_release(&cdp);
    take_refusals(proxy, r);
    jk_proxy_stop(proxy);
    return rc;
}

/* ---- keeping a capture ---- */

void jk_capture_saved_release(jk_capture_saved *saved)
{
    for (int i = 0; i < JK_CAPTURE_FILES; i++)
        free(saved->path[i]);
    memset(saved, 0, sizeof *saved);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The manifest: what was captured, when, by whom, how, and the hashes of
 * the three files it ties together. */
static char *manifest_json(const jk_capture_result *r, const jk_capture_record *rec,
                           const jk_capture_saved *saved)
{
    char started[32], captured[32];
    jk_warc_date(r->started_unix_ms, started);
    jk_warc_date(r->captured_unix_ms, captured);
    json_t *refused = json_array(), *unreachable = json_array();
    for (size_t i = 0; i < r->refused_count; i++)
        json_array_append_new(
            r->refused[i].denied ? refused : unreachable,
            json_pack("{s:s, s:s}", "url", r->refused[i].url, "reason", r->refused[i].reason));
    json_t *files = json_object();
    for (int i = 0; i < JK_CAPTURE_MANIFEST; i++)
        json_object_set_new(files, capture_kinds[i],
                            json_pack("{s:s, s:I, s:s}", "sha256", saved->sha256[i], "size",
                                      (json_int_t)saved->size[i], "path", saved->path[i]));
    json_t *m = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:b, s:I, s:b, s:{s:i, s:i},"
        " s:{s:I, s:I}, s:{s:i, s:i}, s:b, s:o, s:o, s:I, s:I, s:o, s:o}",
        "format", "junkai-capture/1", "software", "junkai/" JK_VERSION, "url", str_or_null(r->url),
        "final_url", str_or_null(r->final_url), "title", str_or_null(r->title), "item",
        rec->item_id ? json_integer(rec->item_id) : json_null(), "operator",
        str_or_null(rec->operator_), "started_at", started, "captured_at", captured, "via",
        str_or_null(rec->via), "load_complete", r->load_complete, "timeout_seconds",
        (json_int_t)(r->timeout_ms / 1000), "allow_private", r->allow_private, "viewport", "width",
        r->viewport_width, "height", r->viewport_height, "page", "width", (json_int_t)r->page_width,
        "height", (json_int_t)r->page_height, "screenshot_size", "width", (int)r->png_width,
        "height", (int)r->png_height, "truncated", r->truncated, "browser", str_or_null(r->browser),
        "user_agent", str_or_null(r->user_agent), "requests", (json_int_t)r->requests,
        "refused_total", (json_int_t)r->refused_total, "refused", refused, "files", files);
    if (!m) {
        json_decref(unreachable);
        return NULL;
    }
    json_object_set_new(m, "unreachable", unreachable);
    json_object_set_new(m, "unreachable_total", json_integer(r->failed_total));
    json_t *hosts = json_array();
    for (size_t i = 0; i < r->host_count; i++)
        json_array_append_new(hosts, json_string(r->hosts[i]));
    json_object_set_new(m, "hosts", hosts);
    json_object_set_new(m, "blocked_browser_requests", json_integer(r->blocked_total));
    char *text = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(m);
    return text;
}

int jk_capture_save(jk_store *st, const char *data_dir, const jk_capture_result *r,
                    const jk_capture_record *rec, jk_capture_saved *saved, jk_error *err)
{
    memset(saved, 0, sizeof *saved);
    if (sodium_init() < 0)
        return jk_error_set(err, JK_EIO, "capture: libsodium cannot start");
    jk_buf dir;
    jk_buf_init(&dir, 0);
    jk_buf_printf(&dir, "%s/evidence", data_dir);
    const jk_buf *bodies[3] = {&r->png, &r->dom, &r->mhtml};
    char *manifest = NULL;
    int rc = JK_OK;
    /* the files first: a row never names a file that is not there (a
     * file without its row is what `junkai verify` calls unrecorded) */
    for (int i = 0; i < JK_CAPTURE_FILES && !rc; i++) {
        const char *data;
        size_t len;
        if (i < JK_CAPTURE_MANIFEST) {
            data = bodies[i]->data ? bodies[i]->data : "";
            len = bodies[i]->len;
        } else {
            manifest = manifest_json(r, rec, saved);
            if (!manifest) {
                rc = jk_error_set(err, JK_ENOMEM, "%s: cannot write the manifest", r->url);
                break;
            }
            data = manifest;
            len = strlen(manifest);
        }
        char *rel = NULL;
        rc = jk_evidence_store_blob(dir.data, data, len, jk_evidence_kind_suffix(capture_kinds[i]),
                                    saved->sha256[i], &rel, err);
        if (!rc) {
            jk_buf p;
            jk_buf_init(&p, 0);
            jk_buf_printf(&p, "evidence/%s", rel);
            saved->path[i] = p.data;
            saved->size[i] = (int64_t)len;
        }
        free(rel);
    }
    free(manifest);
    jk_buf_release(&dir);
    if (rc)
        return rc;

    char captured[32];
    jk_warc_date(r->captured_unix_ms, captured);
    if ((rc = jk_store_begin(st, err)))
        return rc;
    for (int i = 0; i < JK_CAPTURE_FILES && !rc; i++) {
        jk_evidence_in ev;
        memset(&ev, 0, sizeof ev);
        ev.sha256 = saved->sha256[i];
        ev.path = saved->path[i];
        ev.kind = capture_kinds[i];
        ev.url = r->url;
        ev.item_id = rec->item_id;
        ev.size = saved->size[i];
        ev.captured_at = captured;
        ev.operator_ = rec->operator_;
        rc = jk_store_evidence_add(st, &ev, &saved->id[i], err);
        /* the same bytes captured before keep their first row: the link
         * says this item has them too */
        if (!rc && rec->item_id)
            rc = jk_store_item_evidence(st, rec->item_id, saved->id[i], err);
    }
    if (!rc && rec->job_id)
        rc = jk_store_capture_finish(st, rec->job_id, "done", saved->id[JK_CAPTURE_MANIFEST], NULL,
                                     0, err);
    if (!rc) {
        char target[64];
        if (rec->item_id)
            snprintf(target, sizeof target, "item:%lld", (long long)rec->item_id);
        json_t *d = json_pack(
            "{s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:s, s:b, s:I}", "url", r->url, "final_url",
            str_or_null(r->final_url), "manifest", saved->sha256[JK_CAPTURE_MANIFEST], "screenshot",
            (json_int_t)saved->id[JK_CAPTURE_SCREENSHOT], "dom",
            (json_int_t)saved->id[JK_CAPTURE_DOM], "mhtml", (json_int_t)saved->id[JK_CAPTURE_MHTML],
            "capture", (json_int_t)saved->id[JK_CAPTURE_MANIFEST], "captured_at", captured,
            "load_complete", r->load_complete, "refused", (json_int_t)r->refused_total);
        if (rec->job_id)
            json_object_set_new(d, "job", json_integer(rec->job_id));
        if (rec->via)
            json_object_set_new(d, "via", json_string(rec->via));
        char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(d);
        rc = jk_store_audit_append(st, rec->audit_user ? rec->audit_user : "-", "evidence.capture",
                                   rec->item_id ? target : r->url, detail ? detail : "", err);
        free(detail);
    }
    if (!rc)
        rc = jk_store_commit(st, err);
    if (rc)
        jk_store_rollback(st);
    return rc;
}

/* ---- capture jobs ---- */

typedef struct claimed {
    int64_t id, item_id;
    long attempts;
    bool allow_private;
    char url[2048];
    char requested_by[256];
    bool url_too_long;
} claimed;

static int take_job(void *ctx, const jk_capture_job *job)
{
    claimed *c = ctx;
    c->id = job->id;
    c->item_id = job->item_id;
    c->attempts = job->attempts;
    c->allow_private = job->allow_private;
    c->url_too_long = strlen(job->url ? job->url : "") >= sizeof c->url;
    snprintf(c->url, sizeof c->url, "%s", job->url ? job->url : "");
    snprintf(c->requested_by, sizeof c->requested_by, "%s",
             job->requested_by ? job->requested_by : "-");
    return 0;
}

int jk_capture_run_next(jk_store *st, const char *data_dir, const jk_capture_options *base,
                        const char *audit_via, jk_capture_outcome *out, jk_error *err)
{
    memset(out, 0, sizeof *out);
    claimed job;
    memset(&job, 0, sizeof job);
    int64_t now = (int64_t)time(NULL);
    int rc = jk_store_capture_claim(st, now, JK_CAPTURE_JOB_LEASE_S, JK_CAPTURE_JOB_ATTEMPTS,
                                    take_job, &job, err);
    if (rc)
        return rc;
    out->job_id = job.id;
    out->item_id = job.item_id;
    out->attempt = job.attempts;
    snprintf(out->url, sizeof out->url, "%s", job.url);

    jk_capture_options o = *base;
    o.url = job.url;
    o.allow_private = job.allow_private;
    jk_capture_result r;
    jk_capture_result_init(&r);
    jk_error cerr;
    jk_error_clear(&cerr);
    int crc = job.url_too_long
                  ? jk_error_set(&cerr, JK_ELIMIT, "item %lld: its URL is too long to capture",
                                 (long long)job.item_id)
                  : jk_capture_page(&o, &r, &cerr);
    if (crc && base->stop && *base->stop) {
        /* stopped, not failed: the job goes back as it was */
        jk_capture_result_release(&r);
        snprintf(out->error, sizeof out->error, "%s", cerr.message);
        return jk_store_capture_release(st, job.id, err);
    }
    if (!crc) {
        jk_capture_record rec = {job.item_id, job.requested_by, job.requested_by, job.id,
                                 audit_via};
        crc = jk_capture_save(st, data_dir, &r, &rec, &out->saved, &cerr);
        out->load_complete = r.load_complete;
        out->refused_total = r.refused_total;
    }
    jk_capture_result_release(&r);
    if (!crc) {
        out->ok = true;
        return JK_OK;
    }
    snprintf(out->error, sizeof out->error, "item %lld: %.990s", (long long)job.item_id,
             cerr.message);
    /* a refusal or a bad URL will not change by waiting */
    bool final = crc == JK_EDENIED || crc == JK_EINVAL || job.attempts >= JK_CAPTURE_JOB_ATTEMPTS;
    int64_t retry_at = now + (int64_t)JK_CAPTURE_JOB_RETRY_S * (1LL << (job.attempts - 1));
    out->will_retry = !final;
    return jk_store_capture_finish(st, job.id, final ? "failed" : "retry", 0, out->error,
                                   final ? 0 : retry_at, err);
}
