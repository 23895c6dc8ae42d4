/*
 * http.c — jk_http: every network fetch of a patrol, through one libcurl
 * easy handle (kept so connections are reused), with the safety and
 * politeness rules of http.h applied here and nowhere else. Owns the
 * per-host timing table and the robots.txt cache; robots.txt parsing is
 * robots.c, the address ranges address.c.
 */
#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "net_internal.h"
#include "robots.h"

#ifndef JK_VERSION
#define JK_VERSION "0.1"
#endif

/* Bounds that are not configurable: a header block larger than this is
 * an attack or a broken server, not a page. */
#define MAX_HEADER_BYTES (256 * 1024)
/* RFC 9309 §2.5: crawlers must read at least 500 KiB of robots.txt. */
#define ROBOTS_MAX_BYTES (512 * 1024)
#define ROBOTS_MIN_REDIRECTS 5 /* RFC 9309 §2.3.1.2 */
/* RFC 9309 §2.4: a cached robots.txt is used for at most 24 hours. An
 * unreachable one is retried sooner, since it blocks the whole host. */
#define ROBOTS_TTL_MS (24LL * 3600 * 1000)
#define ROBOTS_ERROR_TTL_MS (10LL * 60 * 1000)
/* A patrol visits a bounded set of hosts, but redirects are chosen by
 * servers: the tables are capped and forget their oldest entries. */
#define MAX_HOSTS 4096
#define MAX_ROBOTS 1024
/* The raw (still encoded) body kept for evidence may exceed the decoded
 * limit by chunk framing; this much is allowed over it. */
#define RAW_SLACK_BYTES (64 * 1024)

typedef struct host_state {
    char *host;
    long long next_ok_ms; /* monotonic: no request before this */
} host_state;

enum robots_state { ROBOTS_RULES, ROBOTS_ALLOW_ALL, ROBOTS_DISALLOW_ALL };

typedef struct robots_entry {
    char *origin;
    enum robots_state state;
    jk_robots *rules;
    char *reason; /* why everything is disallowed */
    long long expires_ms;
} robots_entry;

struct jk_http {
    CURL *curl;
    jk_http_config cfg;
    char *contact;
    char *user_agent;
    host_state *hosts;
    size_t host_count, host_cap;
    robots_entry *robots;
    size_t robots_count, robots_cap;
    uint64_t rng;
    /* A connection to an internal address (allowed for that request) may
     * sit in curl's connection cache; a later request without
     * allow_private must not reuse it, so the cache is dropped first. */
    bool pool_has_internal;
    char curl_error[CURL_ERROR_SIZE];
};

/* One transfer's collected output; reset before every hop and attempt. */
typedef struct hop {
    jk_http *h;
    bool allow_private;
    jk_buf body;
    size_t limit;
    bool truncated;
    jk_buf headers;
    size_t header_bytes;
    bool header_overflow;
    jk_buf sent;
    jk_buf raw;       /* body bytes as received, when on_exchange is set */
    bool keep_raw;
    bool raw_truncated;
    bool refused;
    char refused_ip[INET6_ADDRSTRLEN];
} hop;

/* ---- time, randomness, logging ---- */

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopped(const jk_http *h)
{
    return h->cfg.stop && *h->cfg.stop;
}

/* Sleep ms milliseconds in short slices so a stop request is seen;
 * false when stopped. */
static bool sleep_ms(jk_http *h, long long ms)
{
    long long until = monotonic_ms() + ms;
    for (;;) {
        if (stopped(h))
            return false;
        long long left = until - monotonic_ms();
        if (left <= 0)
            return true;
        if (left > 100)
            left = 100;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !stopped(h))
            ;
    }
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint64_t next_random(jk_http *h)
{
    uint64_t x = h->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    h->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void log_line(jk_http *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void log_line(jk_http *h, const char *fmt, ...)
{
    if (!h->cfg.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->cfg.log(h->cfg.log_ctx, line);
}

/* ---- config and lifetime ---- */

void jk_http_config_default(jk_http_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_body_bytes = 8u << 20;
    cfg->timeout_ms = 30000;
    cfg->connect_timeout_ms = 10000;
    cfg->max_redirects = 5;
    cfg->min_interval_ms = 1000;
    cfg->max_retries = 3;
    cfg->max_backoff_ms = 60000;
    cfg->backoff_base_ms = 1000;
}

static bool has_control(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

jk_http *jk_http_new(const jk_http_config *cfg, jk_error *err)
{
    jk_http_config def;
    jk_http_config_default(&def);
    jk_http_config c = cfg ? *cfg : def;
    if (c.contact && has_control(c.contact)) {
        jk_error_set(err, JK_EINVAL, "http: the contact \"%s\" holds a control character", c.contact);
        return NULL;
    }
#define TAKE_DEFAULT(field) \
    if (c.field == 0)       \
        c.field = def.field;
    TAKE_DEFAULT(max_body_bytes)
    TAKE_DEFAULT(timeout_ms)
    TAKE_DEFAULT(connect_timeout_ms)
    TAKE_DEFAULT(max_redirects)
    TAKE_DEFAULT(min_interval_ms)
    TAKE_DEFAULT(max_retries)
    TAKE_DEFAULT(max_backoff_ms)
    TAKE_DEFAULT(backoff_base_ms)
#undef TAKE_DEFAULT
    if (c.timeout_ms < 0 || c.connect_timeout_ms < 0 || c.max_backoff_ms < 0) {
        jk_error_set(err, JK_EINVAL, "http: timeouts and max_backoff_ms must not be negative");
        return NULL;
    }
    if (c.max_redirects < 0)
        c.max_redirects = 0;
    if (c.min_interval_ms < 0)
        c.min_interval_ms = 0;
    if (c.max_retries < 0)
        c.max_retries = 0;
    if (c.backoff_base_ms < 0)
        c.backoff_base_ms = 0;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        jk_error_set(err, JK_ENET, "http: libcurl could not start");
        return NULL;
    }
    jk_http *h = jk_calloc(1, sizeof *h);
    h->cfg = c;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        curl_global_cleanup();
        jk_error_set(err, JK_ENET, "http: libcurl could not create a handle");
        return NULL;
    }
    if (c.contact && *c.contact) {
        h->contact = jk_strdup(c.contact);
        h->cfg.contact = h->contact;
    } else {
        h->cfg.contact = NULL;
    }
    jk_buf ua;
    jk_buf_init(&ua, 0);
    jk_buf_puts(&ua, "junkai/" JK_VERSION);
    if (h->contact)
        jk_buf_printf(&ua, " (+%s)", h->contact);
    h->user_agent = ua.data;

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
                    (uint64_t)(uintptr_t)h ^ ((uint64_t)getpid() << 32);
    /* splitmix64 finaliser, so close seeds give unrelated sequences */
    seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
    seed ^= seed >> 31;
    h->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    return h;
}

void jk_http_free(jk_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    curl_global_cleanup();
    for (size_t i = 0; i < h->host_count; i++)
        free(h->hosts[i].host);
    free(h->hosts);
    for (size_t i = 0; i < h->robots_count; i++) {
        free(h->robots[i].origin);
        jk_robots_free(h->robots[i].rules);
        free(h->robots[i].reason);
    }
    free(h->robots);
    free(h->contact);
    free(h->user_agent);
    free(h);
}

/* ---- responses ---- */

void jk_http_response_init(jk_http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    jk_buf_init(&resp->body, 0);
}

void jk_http_response_release(jk_http_response *resp)
{
    if (!resp)
        return;
    jk_buf_release(&resp->body);
    free(resp->final_url);
    free(resp->content_type);
    free(resp->etag);
    free(resp->last_modified);
    free(resp->headers);
    free(resp->request_headers);
    free(resp->remote_ip);
    jk_http_response_init(resp);
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

char *jk_http_response_header(const jk_http_response *resp, const char *name)
{
    if (!resp || !resp->headers || !name)
        return NULL;
    size_t name_len = strlen(name);
    jk_buf out;
    jk_buf_init(&out, 0);
    bool found = false, in_match = false;
    const char *s = resp->headers;
    /* The first line is the status line. */
    s += strcspn(s, "\n");
    while (*s) {
        s++; /* past '\n' */
        const char *end = s + strcspn(s, "\n");
        const char *line_end = end;
        if (line_end > s && line_end[-1] == '\r')
            line_end--;
        if (line_end == s)
            break; /* blank line: end of the block */
        if (is_ows(*s)) {
            /* obsolete line folding (RFC 9112 §5.2): continues the value */
            if (in_match) {
                const char *v = s;
                while (v < line_end && is_ows(*v))
                    v++;
                const char *v_end = line_end;
                while (v_end > v && is_ows(v_end[-1]))
                    v_end--;
                if (v_end > v) {
                    jk_buf_putc(&out, ' ');
                    jk_buf_append(&out, v, (size_t)(v_end - v));
                }
            }
        } else {
            in_match = false;
            const char *colon = memchr(s, ':', (size_t)(line_end - s));
            if (colon && (size_t)(colon - s) == name_len && strncasecmp(s, name, name_len) == 0) {
                const char *v = colon + 1, *v_end = line_end;
                while (v < v_end && is_ows(*v))
                    v++;
                while (v_end > v && is_ows(v_end[-1]))
                    v_end--;
                /* Repeated fields combine with commas (RFC 9110 §5.3). */
                if (found)
                    jk_buf_puts(&out, ", ");
                jk_buf_append(&out, v, (size_t)(v_end - v));
                found = true;
                in_match = true;
            }
        }
        s = end;
    }
    if (!found) {
        jk_buf_release(&out);
        return NULL;
    }
    if (!out.data)
        return jk_strdup("");
    return out.data;
}

long jk_http_retry_after_ms(const char *value, long long now_unix_ms)
{
    if (!value)
        return -1;
    while (is_ows(*value))
        value++;
    size_t len = strlen(value);
    while (len && is_ows(value[len - 1]))
        len--;
    if (len == 0)
        return -1;
    size_t digits = strspn(value, "0123456789");
    if (digits == len) {
        long long seconds = 0;
        for (size_t i = 0; i < len; i++) {
            seconds = seconds * 10 + (value[i] - '0');
            if (seconds > 100000000LL) /* saturate: years are "forever" */
                break;
        }
        return (long)(seconds * 1000);
    }
    char date[64];
    if (len >= sizeof date)
        return -1;
    memcpy(date, value, len);
    date[len] = '\0';
    time_t t = curl_getdate(date, NULL);
    if (t == (time_t)-1)
        return -1;
    long long delta = (long long)t * 1000 - now_unix_ms;
    if (delta < 0)
        return 0;
    if (delta > 100000000000LL)
        delta = 100000000000LL;
    return (long)delta;
}

/* ---- per-host timing ---- */

static host_state *host_find(jk_http *h, const char *host)
{
    for (size_t i = 0; i < h->host_count; i++)
        if (strcmp(h->hosts[i].host, host) == 0)
            return &h->hosts[i];
    if (h->host_count == MAX_HOSTS) {
        /* Hosts whose wait is over constrain nothing; forget those. */
        long long now = monotonic_ms();
        size_t kept = 0;
        for (size_t i = 0; i < h->host_count; i++) {
            if (h->hosts[i].next_ok_ms > now)
                h->hosts[kept++] = h->hosts[i];
            else
                free(h->hosts[i].host);
        }
        h->host_count = kept;
        if (kept == MAX_HOSTS) {
            free(h->hosts[0].host);
            memmove(h->hosts, h->hosts + 1, (MAX_HOSTS - 1) * sizeof *h->hosts);
            h->host_count--;
        }
    }
    if (h->host_count == h->host_cap)
        jk_grow((void **)&h->hosts, &h->host_cap, h->host_count + 1, sizeof *h->hosts);
    host_state *s = &h->hosts[h->host_count++];
    s->host = jk_strdup(host);
    s->next_ok_ms = 0;
    return s;
}

static bool host_wait(jk_http *h, const char *host)
{
    long long wait = host_find(h, host)->next_ok_ms - monotonic_ms();
    return wait <= 0 || sleep_ms(h, wait);
}

/* After a request to host: the next may go min_interval_ms from now, or
 * after extra_ms (a backoff) when that is later. */
static void host_done(jk_http *h, const char *host, long long extra_ms)
{
    host_state *s = host_find(h, host);
    long long now = monotonic_ms();
    long long next = now + h->cfg.min_interval_ms;
    if (now + extra_ms > next)
        next = now + extra_ms;
    s->next_ok_ms = next;
}

/* ---- URLs ---- */

typedef struct url_parts {
    CURLU *u;
    char *scheme;
    char *host; /* lower case; IPv6 in brackets */
    char *port;
    char *path; /* path and query, for robots.txt */
    char *origin;
} url_parts;

static void url_release(url_parts *p)
{
    curl_url_cleanup(p->u);
    curl_free(p->scheme);
    curl_free(p->host);
    curl_free(p->port);
    free(p->path);
    free(p->origin);
    memset(p, 0, sizeof *p);
}

/* JK_EINVAL for text that is no URL, JK_EDENIED for a scheme other than
 * http(s). */
static int url_parse(const char *url, url_parts *p, jk_error *err)
{
    memset(p, 0, sizeof *p);
    p->u = curl_url();
    if (!p->u)
        return jk_error_set(err, JK_ENOMEM, "%s: out of memory", url);
    CURLUcode uc = curl_url_set(p->u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        url_release(p);
        return jk_error_set(err, JK_EINVAL, "%s: not a valid URL (%s)", url, curl_url_strerror(uc));
    }
    if (curl_url_get(p->u, CURLUPART_SCHEME, &p->scheme, 0) != CURLUE_OK ||
        (strcmp(p->scheme, "http") != 0 && strcmp(p->scheme, "https") != 0)) {
        int rc = jk_error_set(err, JK_EDENIED, "refused: %s: only http and https URLs are fetched",
                              url);
        url_release(p);
        return rc;
    }
    char *path = NULL, *query = NULL;
    if (curl_url_get(p->u, CURLUPART_HOST, &p->host, 0) != CURLUE_OK ||
        curl_url_get(p->u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(p->u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        url_release(p);
        return jk_error_set(err, JK_EINVAL, "%s: not a valid URL (no host)", url);
    }
    for (char *c = p->host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    curl_url_get(p->u, CURLUPART_QUERY, &query, 0);
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_buf_puts(&b, path);
    if (query)
        jk_buf_printf(&b, "?%s", query);
    p->path = b.data;
    curl_free(path);
    curl_free(query);
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "%s://%s:%s", p->scheme, p->host, p->port);
    p->origin = b.data;
    return JK_OK;
}

/* ---- curl callbacks ---- */

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
    hop *x = userdata;
    size_t n = size * count;
    size_t room = x->limit - x->body.len;
    if (n > room) {
        /* Counted after decoding, so a gzip bomb stops here too. A short
         * count makes curl end the transfer with CURLE_WRITE_ERROR. */
        jk_buf_append(&x->body, data, room);
        x->truncated = true;
        return 0;
    }
    jk_buf_append(&x->body, data, n);
    return n;
}

static size_t on_header(char *data, size_t size, size_t count, void *userdata)
{
    hop *x = userdata;
    size_t n = size * count;
    x->header_bytes += n;
    if (x->header_bytes > MAX_HEADER_BYTES) {
        x->header_overflow = true;
        return 0;
    }
    /* A status line starts a new response (after a 1xx interim one). */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        jk_buf_reset(&x->headers);
    jk_buf_append(&x->headers, data, n);
    return n;
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *userdata)
{
    (void)curl;
    hop *x = userdata;
    if (type == CURLINFO_HEADER_OUT) {
        jk_buf_reset(&x->sent);
        jk_buf_append(&x->sent, data, size);
    } else if (type == CURLINFO_DATA_IN && x->keep_raw && !x->raw_truncated) {
        /* DATA_IN is the body before curl removes chunked framing and
         * content-coding: what a WARC response record must hold. Capped
         * near the decoded limit (framing adds a little). */
        size_t cap = x->limit + RAW_SLACK_BYTES;
        size_t room = cap > x->raw.len ? cap - x->raw.len : 0;
        if (size > room) {
            size = room;
            x->raw_truncated = true;
        }
        jk_buf_append(&x->raw, data, size);
    }
    return 0;
}

/* A stop request ends a transfer under way too, not only the waits. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    hop *x = userdata;
    return stopped(x->h) ? 1 : 0;
}

/* Every connection curl makes passes here with the address it resolved,
 * before the socket exists: the one place where the address check cannot
 * be raced by DNS (rebinding) or skipped by a redirect. */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    hop *x = userdata;
    char ip[INET6_ADDRSTRLEN] = "(unknown address family)";
    bool internal = true;
    if (purpose == CURLSOCKTYPE_IPCXN && address->family == AF_INET) {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        memcpy(&sin, &address->addr,
               address->addrlen < sizeof sin ? address->addrlen : sizeof sin);
        inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
        internal = jk_net_ipv4_internal(ntohl(sin.sin_addr.s_addr));
    } else if (purpose == CURLSOCKTYPE_IPCXN && address->family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof sin6);
        memcpy(&sin6, &address->addr,
               address->addrlen < sizeof sin6 ? address->addrlen : sizeof sin6);
        inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof ip);
        internal = jk_net_ipv6_internal(sin6.sin6_addr.s6_addr);
    }
    if (internal && !x->allow_private) {
        if (!x->refused) {
            x->refused = true;
            snprintf(x->refused_ip, sizeof x->refused_ip, "%s", ip);
        }
        return CURL_SOCKET_BAD;
    }
    if (internal)
        x->h->pool_has_internal = true;
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);
    if (fd != CURL_SOCKET_BAD)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* ---- one transfer ---- */

typedef struct hop_request {
    const char *url;
    url_parts *parts;
    bool post; /* a body goes out (POST, or PUT with put set) */
    bool put;
    const char *body;
    size_t body_len;
    const char *content_type;
    const char *bearer_token; /* NULL once the origin changed */
    const char *if_none_match;
    const char *if_modified_since;
    const char *accept;
    const char *const *headers; /* the request's own, "Name: value" */
    size_t header_count;
} hop_request;

static int add_header(struct curl_slist **list, const char *name, const char *value)
{
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_buf_printf(&b, "%s: %s", name, value);
    struct curl_slist *next = curl_slist_append(*list, b.data);
    jk_buf_release(&b);
    if (!next)
        return JK_ENOMEM;
    *list = next;
    return JK_OK;
}

static void hop_reset(hop *x)
{
    jk_buf_reset(&x->body);
    x->truncated = false;
    jk_buf_reset(&x->headers);
    x->header_bytes = 0;
    x->header_overflow = false;
    jk_buf_reset(&x->sent);
    jk_buf_reset(&x->raw);
    x->raw_truncated = false;
    x->refused = false;
    x->refused_ip[0] = '\0';
}

/* Run one request; *cc is curl's result. JK_OK unless setting up failed. */
static int hop_perform(jk_http *h, hop *x, const hop_request *r, CURLcode *cc)
{
    if (!x->allow_private && h->pool_has_internal) {
        curl_easy_cleanup(h->curl);
        h->curl = NULL;
        h->pool_has_internal = false;
    }
    if (!h->curl && !(h->curl = curl_easy_init()))
        return JK_ENOMEM;
    hop_reset(x);
    CURL *c = h->curl;
    curl_easy_reset(c);
    struct curl_slist *headers = NULL;
    int rc = add_header(&headers, "Accept", r->accept ? r->accept : "*/*");
    if (!rc && r->bearer_token) {
        jk_buf b;
        jk_buf_init(&b, 0);
        jk_buf_printf(&b, "Bearer %s", r->bearer_token);
        rc = add_header(&headers, "Authorization", b.data);
        jk_buf_release(&b);
    }
    if (!rc && r->if_none_match)
        rc = add_header(&headers, "If-None-Match", r->if_none_match);
    if (!rc && r->if_modified_since)
        rc = add_header(&headers, "If-Modified-Since", r->if_modified_since);
    if (!rc && r->post)
        rc = add_header(&headers, "Content-Type",
                        r->content_type ? r->content_type : "application/x-www-form-urlencoded");
    for (size_t i = 0; !rc && i < r->header_count; i++) {
        struct curl_slist *next = curl_slist_append(headers, r->headers[i]);
        if (next)
            headers = next;
        else
            rc = JK_ENOMEM;
    }
    if (!rc && r->post) {
        /* No "Expect: 100-continue" round trip: bodies here are small. */
        struct curl_slist *next = curl_slist_append(headers, "Expect:");
        if (next)
            headers = next;
        else
            rc = JK_ENOMEM;
    }
    if (rc) {
        curl_slist_free_all(headers);
        return rc;
    }

    h->curl_error[0] = '\0';
    curl_easy_setopt(c, CURLOPT_CURLU, r->parts->u);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* no proxy from the environment */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    /* The debug callback is how curl shows the request as it went out;
     * it only runs with VERBOSE on, and then replaces curl's own stderr
     * output. */
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, x);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_error);
    if (h->cfg.stop) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (r->post) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        if (r->put)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    }
    *cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return JK_OK;
}

/* The request as sent, with the bearer token blanked: it is evidence
 * kept in the store, and tokens must not end up there. */
static char *redacted_request(const jk_buf *sent)
{
    if (!sent->len)
        return NULL;
    jk_buf out;
    jk_buf_init(&out, 0);
    const char *s = sent->data, *end = sent->data + sent->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *line_end = nl ? nl + 1 : end;
        if ((size_t)(end - s) > 14 && strncasecmp(s, "Authorization:", 14) == 0)
            jk_buf_puts(&out, "Authorization: [redacted]\r\n");
        else
            jk_buf_append(&out, s, (size_t)(line_end - s));
        s = line_end;
    }
    return out.data;
}

static bool retryable_status(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* ---- the fetch ---- */

/* Hand one answered exchange to cfg.on_exchange (evidence). */
static void report_exchange(jk_http *h, const hop *x, const hop_request *r, long status)
{
    char *request = redacted_request(&x->sent);
    char *ip = NULL;
    jk_http_exchange e;
    memset(&e, 0, sizeof e);
    e.url = r->url;
    e.method = r->put ? "PUT" : r->post ? "POST" : "GET";
    e.request_headers = request ? request : "";
    e.request_headers_len = request ? strlen(request) : 0;
    if (r->post && r->body) {
        e.request_body = r->body;
        e.request_body_len = r->body_len;
    }
    e.response_headers = x->headers.data ? x->headers.data : "";
    e.response_headers_len = x->headers.len;
    e.raw_body = x->raw.data;
    e.raw_body_len = x->raw.len;
    e.truncated = x->truncated || x->raw_truncated;
    e.status = status;
    if (curl_easy_getinfo(h->curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && *ip)
        e.remote_ip = ip;
    e.fetched_unix_ms = unix_ms();
    h->cfg.on_exchange(h->cfg.exchange_ctx, &e);
    free(request);
}

static int robots_check(jk_http *h, const url_parts *p, const char *url, bool allow_private,
                        jk_error *err);

static char *header_of(const jk_buf *headers, const char *name)
{
    jk_http_response tmp;
    jk_http_response_init(&tmp);
    tmp.headers = headers->data;
    return jk_http_response_header(&tmp, name);
}

static int fetch(jk_http *h, const jk_http_request *req, size_t limit, int max_redirects,
                 jk_http_response *resp, jk_error *err)
{
    hop x;
    memset(&x, 0, sizeof x);
    x.h = h;
    x.allow_private = req->allow_private;
    x.limit = limit;
    jk_buf_init(&x.body, 0);
    jk_buf_init(&x.headers, 0);
    jk_buf_init(&x.sent, 0);
    jk_buf_init(&x.raw, 0);
    x.keep_raw = h->cfg.on_exchange != NULL;
    url_parts parts = {0}, first = {0};
    char *url = jk_strdup(req->url);
    char *from = NULL; /* the URL that redirected here, for messages */
    int retries = 0;
    long status = 0;
    bool hop_answered = false; /* a redirect answered an earlier hop */
    int rc = url_parse(url, &first, err);
    if (rc)
        goto done;
    hop_request r = {0};
    r.put = req->method && strcmp(req->method, "PUT") == 0;
    r.post = r.put || (req->method && strcmp(req->method, "POST") == 0);
    r.body = req->body;
    r.body_len = req->body_len;
    r.content_type = req->content_type;
    r.bearer_token = req->bearer_token;
    r.if_none_match = req->if_none_match;
    r.if_modified_since = req->if_modified_since;
    r.accept = req->accept;
    r.headers = req->headers;
    r.header_count = req->header_count;

    for (int redirects = 0;; redirects++) {
        url_release(&parts);
        rc = url_parse(url, &parts, err);
        if (rc) {
            if (from && err) {
                char why[JK_ERROR_MESSAGE_MAX];
                snprintf(why, sizeof why, "%s", err->message);
                jk_error_set(err, rc, "%s (redirected from %s)", why, from);
            }
            goto done;
        }
        if (r.bearer_token && strcmp(parts.origin, first.origin) != 0)
            r.bearer_token = NULL;
        if (req->obey_robots) {
            rc = robots_check(h, &parts, url, req->allow_private, err);
            if (rc)
                goto done;
        }
        r.url = url;
        r.parts = &parts;
        CURLcode cc;
        for (;;) {
            if (!host_wait(h, parts.host)) {
                rc = jk_error_set(err, JK_ENET, "%s: stopped", url);
                goto done;
            }
            rc = hop_perform(h, &x, &r, &cc);
            if (rc) {
                jk_error_set(err, rc, "%s: could not set up the request", url);
                goto done;
            }
            status = 0;
            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
            if (h->cfg.on_exchange && (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && x.truncated)))
                report_exchange(h, &x, &r, status);
            bool can_retry = retries < h->cfg.max_retries;
            bool retry = false;
            long long delay = -1; /* -1: exponential backoff */
            if (cc != CURLE_OK && x.refused) {
                host_done(h, parts.host, 0);
                rc = jk_error_set(err, JK_EDENIED,
                                  "refused: %s resolves to %s, an internal address; add the "
                                  "source with --allow-private to allow it%s%s%s",
                                  url, x.refused_ip, from ? " (redirected from " : "",
                                  from ? from : "", from ? ")" : "");
                log_line(h, "%s", err ? err->message : "refused: internal address");
                goto done;
            }
            if (cc == CURLE_OPERATION_TIMEDOUT && can_retry && !r.post) {
                retry = true;
            } else if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && x.truncated)) {
                if (retryable_status(status) && can_retry) {
                    char *ra = header_of(&x.headers, "Retry-After");
                    long wait = jk_http_retry_after_ms(ra, unix_ms());
                    free(ra);
                    if (wait > h->cfg.max_backoff_ms) {
                        log_line(h,
                                 "%s: HTTP %ld asks to wait %ld s, longer than the %ld ms "
                                 "backoff limit; not retrying",
                                 url, status, wait / 1000, h->cfg.max_backoff_ms);
                    } else {
                        retry = true;
                        delay = wait;
                    }
                }
            } else {
                host_done(h, parts.host, 0);
                if (cc == CURLE_ABORTED_BY_CALLBACK)
                    rc = jk_error_set(err, JK_ENET, "%s: stopped", url);
                else if (cc == CURLE_WRITE_ERROR && x.header_overflow)
                    rc = jk_error_set(err, JK_ENET, "%s: response headers exceed %d bytes", url,
                                      MAX_HEADER_BYTES);
                else
                    rc = jk_error_set(err, JK_ENET, "%s: %s", url,
                                      h->curl_error[0] ? h->curl_error : curl_easy_strerror(cc));
                goto done;
            }
            if (!retry) {
                host_done(h, parts.host, 0);
                break;
            }
            if (delay < 0) {
                long long d = h->cfg.backoff_base_ms;
                for (int i = 0; i < retries && d < h->cfg.max_backoff_ms; i++)
                    d *= 2;
                if (d > h->cfg.max_backoff_ms)
                    d = h->cfg.max_backoff_ms;
                /* "equal jitter": at least half the step, so clients that
                 * failed together do not come back together */
                delay = d / 2 + (long long)(next_random(h) % (uint64_t)(d / 2 + 1));
            }
            retries++;
            if (cc == CURLE_OPERATION_TIMEDOUT)
                log_line(h, "%s: timed out; retry %d of %d in %lld ms", url, retries,
                         h->cfg.max_retries, delay);
            else
                log_line(h, "%s: HTTP %ld; retry %d of %d in %lld ms", url, status, retries,
                         h->cfg.max_retries, delay);
            host_done(h, parts.host, delay);
        }

        char *location = NULL;
        if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
            curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &location);
        if (!location) {
            if (x.truncated)
                log_line(h, "%s: body cut off at %zu bytes", url, x.body.len);
            break;
        }
        if (redirects >= max_redirects) {
            rc = jk_error_set(err, JK_EDENIED,
                              "refused: %s: more than %d redirects (the last to %s)", req->url,
                              max_redirects, location);
            goto done;
        }
        hop_answered = true;
        if (status == 303 || (r.post && !r.put && (status == 301 || status == 302))) {
            r.post = false;
            r.put = false;
            r.body = NULL;
            r.body_len = 0;
        }
        free(from);
        from = url;
        url = jk_strdup(location);
    }

    resp->status = status;
    resp->body = x.body;
    resp->body.max = limit;
    jk_buf_init(&x.body, 0);
    resp->truncated = x.truncated;
    resp->final_url = url;
    url = NULL;
    resp->headers = x.headers.data;
    jk_buf_init(&x.headers, 0);
    resp->content_type = jk_http_response_header(resp, "Content-Type");
    resp->etag = jk_http_response_header(resp, "ETag");
    resp->last_modified = jk_http_response_header(resp, "Last-Modified");
    resp->request_headers = redacted_request(&x.sent);
    char *ip = NULL;
    if (curl_easy_getinfo(h->curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && *ip)
        resp->remote_ip = jk_strdup(ip);
    resp->fetched_unix_ms = unix_ms();
    resp->retries = retries;
    resp->request_sent = true;
    rc = JK_OK;

done:
    if (rc)
        resp->request_sent = hop_answered || x.sent.len > 0;
    url_release(&parts);
    url_release(&first);
    free(url);
    free(from);
    jk_buf_release(&x.body);
    jk_buf_release(&x.headers);
    jk_buf_release(&x.sent);
    jk_buf_release(&x.raw);
    return rc;
}

/* ---- robots.txt ---- */

static robots_entry *robots_find(jk_http *h, const char *origin)
{
    long long now = monotonic_ms();
    for (size_t i = 0; i < h->robots_count; i++) {
        robots_entry *e = &h->robots[i];
        if (strcmp(e->origin, origin) != 0)
            continue;
        if (e->expires_ms > now)
            return e;
        free(e->origin);
        jk_robots_free(e->rules);
        free(e->reason);
        h->robots[i] = h->robots[--h->robots_count];
        return NULL;
    }
    return NULL;
}

static robots_entry *robots_add(jk_http *h, const char *origin)
{
    if (h->robots_count == MAX_ROBOTS) {
        size_t oldest = 0;
        for (size_t i = 1; i < h->robots_count; i++)
            if (h->robots[i].expires_ms < h->robots[oldest].expires_ms)
                oldest = i;
        free(h->robots[oldest].origin);
        jk_robots_free(h->robots[oldest].rules);
        free(h->robots[oldest].reason);
        h->robots[oldest] = h->robots[--h->robots_count];
    }
    if (h->robots_count == h->robots_cap)
        jk_grow((void **)&h->robots, &h->robots_cap, h->robots_count + 1, sizeof *h->robots);
    robots_entry *e = &h->robots[h->robots_count++];
    memset(e, 0, sizeof *e);
    e->origin = jk_strdup(origin);
    return e;
}

/* Fetch and judge ORIGIN/robots.txt (RFC 9309 §2.3.1): 2xx gives rules,
 * 4xx (but 429) means no rules, 5xx, 429 and network failures mean
 * everything is disallowed. A refusal by policy (internal address) is
 * the caller's refusal too. */
static int robots_load(jk_http *h, const url_parts *p, bool allow_private, robots_entry **out,
                       jk_error *err)
{
    jk_buf url;
    jk_buf_init(&url, 0);
    jk_buf_printf(&url, "%s/robots.txt", p->origin);
    jk_http_request req = {0};
    req.method = "GET";
    req.url = url.data;
    req.accept = "text/plain, */*;q=0.1";
    req.allow_private = allow_private;
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error e;
    jk_error_clear(&e);
    int max_redirects = h->cfg.max_redirects > ROBOTS_MIN_REDIRECTS ? h->cfg.max_redirects
                                                                      : ROBOTS_MIN_REDIRECTS;
    int rc = fetch(h, &req, ROBOTS_MAX_BYTES, max_redirects, &resp, &e);
    if (rc == JK_OK || (rc == JK_ENET && !stopped(h))) {
        robots_entry *entry = robots_add(h, p->origin);
        long long now = monotonic_ms();
        entry->expires_ms = now + ROBOTS_TTL_MS;
        if (rc == JK_ENET) {
            entry->state = ROBOTS_DISALLOW_ALL;
            jk_buf why;
            jk_buf_init(&why, 0);
            jk_buf_printf(&why, "could not be fetched (%s)", e.message);
            entry->reason = why.data;
            entry->expires_ms = now + ROBOTS_ERROR_TTL_MS;
        } else if (resp.status >= 200 && resp.status < 300) {
            entry->state = ROBOTS_RULES;
            entry->rules = jk_robots_parse(resp.body.data ? resp.body.data : "", resp.body.len,
                                           "junkai");
        } else if (resp.status >= 400 && resp.status < 500 && resp.status != 429) {
            entry->state = ROBOTS_ALLOW_ALL;
        } else if (resp.status >= 300 && resp.status < 400) {
            /* a redirect without a target: unavailable (§2.3.1.2) */
            entry->state = ROBOTS_ALLOW_ALL;
        } else {
            entry->state = ROBOTS_DISALLOW_ALL;
            jk_buf why;
            jk_buf_init(&why, 0);
            jk_buf_printf(&why, "answered HTTP %ld", resp.status);
            entry->reason = why.data;
            entry->expires_ms = now + ROBOTS_ERROR_TTL_MS;
        }
        if (entry->state == ROBOTS_DISALLOW_ALL)
            log_line(h, "%s %s: every path of %s counts as disallowed", url.data, entry->reason,
                     p->origin);
        *out = entry;
        rc = JK_OK;
    } else {
        rc = jk_error_set(err, rc, "%s", e.message);
    }
    jk_http_response_release(&resp);
    jk_buf_release(&url);
    return rc;
}

static int robots_check(jk_http *h, const url_parts *p, const char *url, bool allow_private,
                        jk_error *err)
{
    robots_entry *e = robots_find(h, p->origin);
    if (!e) {
        int rc = robots_load(h, p, allow_private, &e, err);
        if (rc)
            return rc;
    }
    if (strcmp(p->path, "/robots.txt") == 0)
        return JK_OK;
    int rc = JK_OK;
    if (e->state == ROBOTS_DISALLOW_ALL) {
        rc = jk_error_set(err, JK_EDENIED,
                          "refused: %s: %s/robots.txt %s, so every path counts as disallowed "
                          "(RFC 9309 §2.3.1.4)",
                          url, p->origin, e->reason);
    } else if (e->state == ROBOTS_RULES) {
        jk_robots_verdict v;
        if (!jk_robots_allowed(e->rules, p->path, strlen(p->path), &v))
            rc = jk_error_set(err, JK_EDENIED,
                              "refused: %s is disallowed by %s/robots.txt line %ld: "
                              "\"Disallow: %.*s\"",
                              url, p->origin, v.line, (int)(v.pattern_len > 200 ? 200 : v.pattern_len),
                              v.pattern);
    }
    if (rc)
        log_line(h, "%s", err ? err->message : "refused by robots.txt");
    return rc;
}

/* ---- the public fetch ---- */

int jk_http_fetch(jk_http *h, const jk_http_request *req, jk_http_response *resp, jk_error *err)
{
    jk_http_response_release(resp);
    if (!h || !req || !req->url)
        return jk_error_set(err, JK_EINVAL, "http: no URL to fetch");
    if (req->method && strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0 &&
        strcmp(req->method, "PUT") != 0)
        return jk_error_set(err, JK_EINVAL, "%s: method %s is not supported (GET, POST or PUT)",
                            req->url, req->method);
    for (size_t i = 0; i < req->header_count; i++) {
        const char *hdr = req->headers[i];
        size_t name = hdr ? strcspn(hdr, ":") : 0;
        bool ok = hdr && name > 0 && hdr[name] == ':' && !has_control(hdr);
        for (size_t k = 0; ok && k < name; k++)
            ok = hdr[k] > 0x20 && hdr[k] < 0x7f;
        if (!ok)
            return jk_error_set(err, JK_EINVAL, "%.200s: request header %zu is not \"Name: value\"",
                                req->url, i + 1);
    }
    const char *values[] = {req->url, req->content_type, req->bearer_token, req->if_none_match,
                            req->if_modified_since, req->accept};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (values[i] && has_control(values[i]))
            return jk_error_set(err, JK_EINVAL,
                                "%.200s: a header value or the URL holds a control character",
                                i == 0 ? "(URL)" : req->url);
    if (stopped(h))
        return jk_error_set(err, JK_ENET, "%s: stopped", req->url);
    return fetch(h, req, h->cfg.max_body_bytes, h->cfg.max_redirects, resp, err);
}
