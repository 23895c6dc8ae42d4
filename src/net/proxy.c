/*
 * proxy.c — the filtering forward proxy of proxy.h: the browser of an
 * evidence capture reaches the network only through it, so every
 * connection it makes (the page, redirects, subresources, WebSockets) is
 * checked against the address rules of src/net before it is made.
 *
 * Every blocking wait is a poll() of at most POLL_TICK_MS that looks at
 * the stop flag, so jk_proxy_stop ends every thread within a tick without
 * closing descriptors under another thread's feet.
 * Must not touch: what a capture does with the page (src/evidence/).
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "http.h"
#include "net_internal.h"

#define POLL_TICK_MS 200
#define RELAY_CHUNK 65536

typedef struct conn_slot {
    pthread_t thread;
    bool used;        /* a thread was started in this slot */
    atomic_bool done; /* … and has finished (ready to join) */
    int fd;           /* the client connection */
    struct jk_proxy *proxy;
} conn_slot;

struct jk_proxy {
    char **private_hosts;
    size_t private_host_count;
    char **blocked_hosts;
    size_t blocked_host_count;
    long connect_timeout_ms, idle_timeout_ms;
    void (*log)(void *ctx, const char *message);
    void *log_ctx;
    int listen_fd;
    unsigned port;
    pthread_t accept_thread;
    bool accept_started;
    atomic_bool stopping;
    conn_slot *slots;
    unsigned slot_count;
    pthread_mutex_t lock; /* the counters and the refusal list */
    long requests, refused, failed, blocked;
    jk_proxy_refusal *refusals;
    size_t refusal_count, refusal_cap;
    char **hosts; /* "host:port" gone to, first seen first */
    size_t host_count, host_cap;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void proxy_log(jk_proxy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void proxy_log(jk_proxy *p, const char *fmt, ...)
{
    if (!p->log)
        return;
    char line[2600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    p->log(p->log_ctx, line);
}

/* ---- parsing the request head ---- */

static bool is_tchar(unsigned char c)
{
    /* c != 0: strchr finds the terminating NUL of its own string */
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* host[:port] or [v6][:port] into head->host / head->port. */
static int parse_authority(const char *a, size_t len, unsigned default_port, jk_proxy_head *head,
                           jk_error *err)
{
    const char *host = a;
    size_t host_len;
    const char *rest;
    if (len && a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (!close)
            return jk_error_set(err, JK_EPARSE, "proxy: unterminated IPv6 literal");
        host = a + 1;
        host_len = (size_t)(close - host);
        rest = close + 1;
        char v6[64];
        struct in6_addr tmp;
        if (host_len == 0 || host_len >= sizeof v6)
            return jk_error_set(err, JK_EPARSE, "proxy: bad IPv6 literal");
        memcpy(v6, host, host_len);
        v6[host_len] = '\0';
        if (inet_pton(AF_INET6, v6, &tmp) != 1)
            return jk_error_set(err, JK_EPARSE, "proxy: bad IPv6 literal");
    } else {
        const char *colon = memchr(a, ':', len);
        host_len = colon ? (size_t)(colon - a) : len;
        rest = a + host_len;
        if (host_len == 0)
            return jk_error_set(err, JK_EPARSE, "proxy: no host");
        for (size_t i = 0; i < host_len; i++) {
            unsigned char c = (unsigned char)a[i];
            if (!(isalnum(c) || c == '.' || c == '-' || c == '_'))
                return jk_error_set(err, JK_EPARSE, "proxy: bad character in host");
        }
    }
    if (host_len >= sizeof head->host)
        return jk_error_set(err, JK_EPARSE, "proxy: host name too long");
    for (size_t i = 0; i < host_len; i++)
        head->host[i] = (char)tolower((unsigned char)host[i]);
    head->host[host_len] = '\0';
    size_t rest_len = len - (size_t)(rest - a);
    if (rest_len == 0) {
        if (!default_port)
            return jk_error_set(err, JK_EPARSE, "proxy: CONNECT needs a port");
        head->port = default_port;
        return JK_OK;
    }
    if (rest[0] != ':' || rest_len < 2 || rest_len > 6)
        return jk_error_set(err, JK_EPARSE, "proxy: bad port");
    unsigned long port = 0;
    for (size_t i = 1; i < rest_len; i++) {
        if (!isdigit((unsigned char)rest[i]))
            return jk_error_set(err, JK_EPARSE, "proxy: bad port");
        port = port * 10 + (unsigned long)(rest[i] - '0');
    }
    if (port == 0 || port > 65535)
        return jk_error_set(err, JK_EPARSE, "proxy: port out of range");
    head->port = (unsigned)port;
    return JK_OK;
}

/* The end of the line starting at p (the LF), or NULL. */
static const char *line_end(const char *p, const char *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

int jk_proxy_parse_head(const char *data, size_t len, jk_proxy_head *head, jk_error *err)
{
    memset(head, 0, sizeof *head);
    size_t scan = len < JK_PROXY_HEAD_MAX ? len : JK_PROXY_HEAD_MAX;
    const char *end = data + scan;
    /* the head ends at the first empty line */
    const char *p = data, *first_lf = NULL;
    size_t head_len = 0;
    while (p < end) {
        const char *lf = line_end(p, end);
        if (!lf)
            break;
        if (!first_lf)
            first_lf = lf;
        size_t line_len = (size_t)(lf - p);
        if (line_len && p[line_len - 1] == '\r')
            line_len--;
        if (line_len == 0 && p != data) {
            head_len = (size_t)(lf + 1 - data);
            break;
        }
        p = lf + 1;
    }
    if (!head_len) {
        if (len >= JK_PROXY_HEAD_MAX)
            return jk_error_set(err, JK_ELIMIT, "proxy: request head longer than %d bytes",
                                JK_PROXY_HEAD_MAX);
        return jk_error_set(err, JK_ENOTFOUND, "proxy: request head incomplete");
    }
    head->head_len = head_len;
    if (memchr(data, '\0', head_len))
        return jk_error_set(err, JK_EPARSE, "proxy: NUL byte in the request head");

    /* METHOD SP target SP HTTP/1.x */
    const char *line = data;
    size_t line_len = (size_t)(first_lf - data);
    if (line_len && line[line_len - 1] == '\r')
        line_len--;
    const char *sp1 = memchr(line, ' ', line_len);
    if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof head->method)
        return jk_error_set(err, JK_EPARSE, "proxy: bad request line");
    for (const char *c = line; c < sp1; c++)
        if (!is_tchar((unsigned char)*c))
            return jk_error_set(err, JK_EPARSE, "proxy: bad method");
    memcpy(head->method, line, (size_t)(sp1 - line));
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', line_len - (size_t)(target - line));
    if (!sp2 || sp2 == target)
        return jk_error_set(err, JK_EPARSE, "proxy: bad request line");
    size_t target_len = (size_t)(sp2 - target);
    size_t version_len = line_len - (size_t)(sp2 + 1 - line);
    if (version_len != 8 ||
        (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 && memcmp(sp2 + 1, "HTTP/1.0", 8) != 0))
        return jk_error_set(err, JK_EPARSE, "proxy: not HTTP/1.x");
    for (size_t i = 0; i < target_len; i++)
        if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] == 0x7f)
            return jk_error_set(err, JK_EPARSE, "proxy: bad request target");

    int rc;
    if (strcmp(head->method, "CONNECT") == 0) {
        head->connect = true;
        if ((rc = parse_authority(target, target_len, 0, head, err)))
            return rc;
        snprintf(head->url, sizeof head->url, "https://%.*s", (int)target_len, target);
    } else {
        if (target_len < 7 || strncasecmp(target, "http://", 7) != 0)
            return jk_error_set(err, JK_EPARSE,
                                "proxy: only http:// targets and CONNECT are proxied");
        const char *auth = target + 7;
        size_t auth_len = strcspn(auth, "/?#");
        if (auth + auth_len > sp2)
            auth_len = (size_t)(sp2 - auth);
        if (memchr(auth, '@', auth_len))
            return jk_error_set(err, JK_EPARSE, "proxy: user information in the URL");
        if ((rc = parse_authority(auth, auth_len, 80, head, err)))
            return rc;
        snprintf(head->url, sizeof head->url, "%.*s", (int)target_len, target);
    }

    /* header lines: token ":" value; no obsolete line folding */
    p = first_lf + 1;
    while (p < data + head_len) {
        const char *lf = line_end(p, data + head_len);
        size_t n = (size_t)(lf - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0)
            break;
        const char *colon = memchr(p, ':', n);
        if (!colon || colon == p)
            return jk_error_set(err, JK_EPARSE, "proxy: bad header line");
        for (const char *c = p; c < colon; c++)
            if (!is_tchar((unsigned char)*c))
                return jk_error_set(err, JK_EPARSE, "proxy: bad header name");
        p = lf + 1;
    }
    return JK_OK;
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

int jk_proxy_rewrite_head(const char *data, const jk_proxy_head *head, jk_buf *out, jk_error *err)
{
    if (head->connect)
        return jk_error_set(err, JK_EINVAL, "proxy: a CONNECT head is not rewritten");
    /* the path: what follows the authority in the absolute target */
    /* parsed already: one space after the method, the target has none */
    const char *target = data + strlen(head->method) + 1;
    const char *auth = target + 7;
    size_t target_len = strcspn(target, " ");
    size_t auth_len = strcspn(auth, "/?# ");
    const char *path = auth + auth_len;
    size_t path_len = target_len - 7 - auth_len;
    const char *hash = memchr(path, '#', path_len);
    if (hash)
        path_len = (size_t)(hash - path);
    int rc = jk_buf_printf(out, "%s %s%.*s HTTP/1.1\r\n", head->method,
                           path_len && path[0] == '/' ? "" : "/", (int)path_len, path);
    const char *p = memchr(data, '\n', head->head_len) + 1;
    const char *end = data + head->head_len;
    while (!rc && p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(lf - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0)
            break;
        size_t name_len = (size_t)((const char *)memchr(p, ':', n) - p);
        /* every Proxy-* header was meant for this proxy, not the server */
        bool drop = (name_len >= 6 && strncasecmp(p, "Proxy-", 6) == 0) ||
                    header_is(p, name_len, "Connection") || header_is(p, name_len, "Keep-Alive");
        if (!drop) {
            rc = jk_buf_append(out, p, n);
            if (!rc)
                rc = jk_buf_puts(out, "\r\n");
        }
        p = lf + 1;
    }
    if (!rc)
        rc = jk_buf_puts(out, "Connection: close\r\n\r\n");
    return rc ? jk_error_set(err, rc, "proxy: request head too large") : JK_OK;
}

/* ---- the connections ---- */

static bool stopping(jk_proxy *p)
{
    return atomic_load(&p->stopping);
}

/* Wait until fd is ready for events or the deadline passes (-1: none);
 * 1 ready, 0 timed out or stopping, -1 error. */
static int wait_fd(jk_proxy *p, int fd, short events, long long deadline)
{
    for (;;) {
        if (stopping(p))
            return 0;
        long long left = deadline < 0 ? POLL_TICK_MS : deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {fd, events, 0};
        int n = poll(&pfd, 1, (int)(left < POLL_TICK_MS ? left : POLL_TICK_MS));
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            return 1;
    }
}

static int send_all(jk_proxy *p, int fd, const char *data, size_t len, long long deadline)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (wait_fd(p, fd, POLLOUT, deadline) != 1)
                return -1;
            continue;
        }
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void refuse(jk_proxy *p, const char *url, const char *reason, bool denied)
{
    pthread_mutex_lock(&p->lock);
    if (denied)
        p->refused++;
    else
        p->failed++;
    if (p->refusal_count < JK_PROXY_REFUSALS_KEPT) {
        jk_grow((void **)&p->refusals, &p->refusal_cap, p->refusal_count + 1, sizeof *p->refusals);
        p->refusals[p->refusal_count].url = jk_strdup(url);
        p->refusals[p->refusal_count].reason = jk_strdup(reason);
        p->refusals[p->refusal_count].denied = denied;
        p->refusal_count++;
    }
    pthread_mutex_unlock(&p->lock);
    /* network failures are the page's own business (and the browser's
     * background requests on a closed network): only refusals are logged */
    if (denied)
        proxy_log(p, "refused %s: %s", url, reason);
}

static bool private_allowed(jk_proxy *p, const char *host)
{
    for (size_t i = 0; i < p->private_host_count; i++)
        if (strcasecmp(p->private_hosts[i], host) == 0)
            return true;
    return false;
}

bool jk_proxy_host_covered(const char *entry, const char *host)
{
    if (entry[0] != '.')
        return strcasecmp(entry, host) == 0;
    size_t en = strlen(entry), hn = strlen(host);
    return (hn >= en && strcasecmp(host + hn - en, entry) == 0) || strcasecmp(host, entry + 1) == 0;
}

static bool host_blocked(const jk_proxy *p, const char *host)
{
    for (size_t i = 0; i < p->blocked_host_count; i++)
        if (jk_proxy_host_covered(p->blocked_hosts[i], host))
            return true;
    return false;
}

/* Note where the traffic went (under the lock; a short list, scanned). */
static void note_host(jk_proxy *p, const jk_proxy_head *h)
{
    char key[300];
    if (strchr(h->host, ':'))
        snprintf(key, sizeof key, "[%s]:%u", h->host, h->port);
    else
        snprintf(key, sizeof key, "%s:%u", h->host, h->port);
    pthread_mutex_lock(&p->lock);
    bool seen = false;
    for (size_t i = 0; i < p->host_count && !seen; i++)
        seen = strcmp(p->hosts[i], key) == 0;
    if (!seen && p->host_count < JK_PROXY_HOSTS_KEPT) {
        jk_grow((void **)&p->hosts, &p->host_cap, p->host_count + 1, sizeof *p->hosts);
        p->hosts[p->host_count++] = jk_strdup(key);
    }
    pthread_mutex_unlock(&p->lock);
}

static void addr_text(const struct sockaddr *sa, char *out, size_t size, bool *internal)
{
    *internal = true; /* fail closed */
    out[0] = '\0';
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
        *internal = jk_net_ipv4_internal(ntohl(in->sin_addr.s_addr));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)size);
        *internal = jk_net_ipv6_internal(in6->sin6_addr.s6_addr);
    }
}

/* Connect with a timeout; the socket is left non-blocking. */
static int connect_to(jk_proxy *p, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno == EINPROGRESS && wait_fd(p, fd, POLLOUT, now_ms() + p->connect_timeout_ms) == 1) {
        int so = 0;
        socklen_t sl = sizeof so;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) == 0 && so == 0)
            return fd;
    }
    close(fd);
    return -1;
}

/* Resolve, check every address, and connect to the first one allowed.
 * Returns the socket, or -1 with *denied set when policy refused every
 * address (reason says why) rather than the network failing. */
static int open_upstream(jk_proxy *p, const jk_proxy_head *h, bool *denied, char *reason,
                         size_t reason_size)
{
    *denied = false;
    char port[8];
    snprintf(port, sizeof port, "%u", h->port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(h->host, port, &hints, &res);
    if (gai != 0) {
        snprintf(reason, reason_size, "cannot resolve %s: %s", h->host, gai_strerror(gai));
        return -1;
    }
    bool may_private = private_allowed(p, h->host);
    int fd = -1, tried = 0, refused = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN];
        bool internal;
        addr_text(ai->ai_addr, text, sizeof text, &internal);
        if (internal && !may_private) {
            if (!refused++)
                snprintf(reason, reason_size,
                         "%s resolves to %s, an internal address (not allowed for this capture)",
                         h->host, text);
            continue;
        }
        tried++;
        fd = connect_to(p, ai);
        if (fd < 0)
            snprintf(reason, reason_size, "cannot connect to %s port %u: %s", text, h->port,
                     strerror(errno ? errno : ECONNREFUSED));
    }
    freeaddrinfo(res);
    *denied = fd < 0 && refused > 0 && tried == 0;
    return fd;
}

static void reply_status(jk_proxy *p, int fd, int status, const char *text, const char *why)
{
    char msg[1400];
    int body_len = snprintf(NULL, 0, "junkai capture proxy: %s\n", why);
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %d\r\nConnection: close\r\n\r\njunkai capture proxy: %s\n",
                     status, text, body_len, why);
    if (n > 0)
        (void)send_all(p, fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1,
                       now_ms() + 5000);
}

/* Copy bytes both ways until both sides are done, the connection idles
 * past the timeout, or the proxy stops. */
static void relay(jk_proxy *p, int a, int b)
{
    char *chunk = jk_malloc(RELAY_CHUNK);
    bool a_open = true, b_open = true; /* reading side still open */
    long long idle_deadline = now_ms() + p->idle_timeout_ms;
    while ((a_open || b_open) && !stopping(p) && now_ms() < idle_deadline) {
        struct pollfd fds[2] = {{a, a_open ? POLLIN : 0, 0}, {b, b_open ? POLLIN : 0, 0}};
        int n = poll(fds, 2, POLL_TICK_MS);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            int from = i == 0 ? a : b, to = i == 0 ? b : a;
            bool *open_side = i == 0 ? &a_open : &b_open;
            if (!*open_side || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = recv(from, chunk, RELAY_CHUNK, MSG_DONTWAIT);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0) {
                *open_side = false;
                shutdown(to, SHUT_WR);
                if (got < 0)
                    goto done;
                continue;
            }
            idle_deadline = now_ms() + p->idle_timeout_ms;
            if (send_all(p, to, chunk, (size_t)got, idle_deadline) != 0)
                goto done;
        }
    }
done:
    free(chunk);
}

static void serve_connection(jk_proxy *p, int fd)
{
    jk_buf in;
    jk_buf_init(&in, JK_PROXY_HEAD_MAX + RELAY_CHUNK);
    jk_proxy_head h;
    jk_error err;
    int rc = JK_ENOTFOUND;
    long long deadline = now_ms() + 30000;
    char chunk[8192];
    while (rc == JK_ENOTFOUND) {
        if (wait_fd(p, fd, POLLIN, deadline) != 1)
            goto done;
        ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0 || jk_buf_append(&in, chunk, (size_t)n) != 0)
            goto done;
        rc = jk_proxy_parse_head(in.data, in.len, &h, &err);
    }
    pthread_mutex_lock(&p->lock);
    p->requests++;
    pthread_mutex_unlock(&p->lock);
    if (rc) {
        proxy_log(p, "bad request: %s", err.message);
        reply_status(p, fd, 400, "Bad Request", err.message);
        goto done;
    }
    if (host_blocked(p, h.host)) {
        pthread_mutex_lock(&p->lock);
        p->blocked++;
        pthread_mutex_unlock(&p->lock);
        reply_status(p, fd, 403, "Forbidden", "the browser's own service, not the page's");
        goto done;
    }
    bool denied;
    char reason[600] = "";
    int up = open_upstream(p, &h, &denied, reason, sizeof reason);
    if (up >= 0)
        note_host(p, &h);
    if (up < 0) {
        refuse(p, h.url, reason, denied);
        if (denied)
            reply_status(p, fd, 403, "Forbidden", reason);
        else
            reply_status(p, fd, 502, "Bad Gateway", reason);
        goto done;
    }
    if (h.connect) {
        static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
        if (send_all(p, fd, ok, sizeof ok - 1, now_ms() + 5000) != 0 ||
            (in.len > h.head_len &&
             send_all(p, up, in.data + h.head_len, in.len - h.head_len, now_ms() + 5000) != 0)) {
            close(up);
            goto done;
        }
    } else {
        jk_buf fwd;
        jk_buf_init(&fwd, 0);
        int wrc = jk_proxy_rewrite_head(in.data, &h, &fwd, &err);
        if (!wrc && in.len > h.head_len)
            wrc = jk_buf_append(&fwd, in.data + h.head_len, in.len - h.head_len);
        if (wrc || send_all(p, up, fwd.data, fwd.len, now_ms() + p->idle_timeout_ms) != 0) {
            jk_buf_release(&fwd);
            close(up);
            goto done;
        }
        jk_buf_release(&fwd);
    }
    relay(p, fd, up);
    close(up);
done:
    jk_buf_release(&in);
}

static void *connection_thread(void *arg)
{
    conn_slot *s = arg;
    serve_connection(s->proxy, s->fd);
    close(s->fd);
    s->fd = -1;
    atomic_store(&s->done, true);
    return NULL;
}

static void *accept_thread(void *arg)
{
    jk_proxy *p = arg;
    while (!stopping(p)) {
        struct pollfd pfd = {p->listen_fd, POLLIN, 0};
        int n = poll(&pfd, 1, POLL_TICK_MS);
        if (n <= 0)
            continue;
        int fd = accept(p->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* the browser must not inherit it */
        conn_slot *slot = NULL;
        for (unsigned i = 0; i < p->slot_count && !slot; i++) {
            conn_slot *s = &p->slots[i];
            if (s->used && atomic_load(&s->done)) {
                pthread_join(s->thread, NULL);
                s->used = false;
            }
            if (!s->used)
                slot = s;
        }
        if (!slot) {
            proxy_log(p, "too many connections (%u): one closed", p->slot_count);
            close(fd);
            continue;
        }
        slot->fd = fd;
        slot->proxy = p;
        atomic_store(&slot->done, false);
        if (pthread_create(&slot->thread, NULL, connection_thread, slot) != 0) {
            close(fd);
            continue;
        }
        slot->used = true;
    }
    for (unsigned i = 0; i < p->slot_count; i++)
        if (p->slots[i].used) {
            pthread_join(p->slots[i].thread, NULL);
            p->slots[i].used = false;
        }
    return NULL;
}

int jk_proxy_start(const jk_proxy_config *cfg, jk_proxy **out, jk_error *err)
{
    *out = NULL;
    jk_proxy *p = jk_calloc(1, sizeof *p);
    p->listen_fd = -1;
    pthread_mutex_init(&p->lock, NULL);
    p->connect_timeout_ms = cfg && cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    p->idle_timeout_ms = cfg && cfg->idle_timeout_ms > 0 ? cfg->idle_timeout_ms : 120000;
    p->slot_count =
        cfg && cfg->max_connections ? cfg->max_connections : JK_PROXY_CONNECTIONS_DEFAULT;
    p->slots = jk_calloc(p->slot_count, sizeof *p->slots);
    if (cfg) {
        p->log = cfg->log;
        p->log_ctx = cfg->log_ctx;
        if (cfg->private_host_count) {
            p->private_hosts = jk_calloc(cfg->private_host_count, sizeof *p->private_hosts);
            for (size_t i = 0; i < cfg->private_host_count; i++) {
                const char *h = cfg->private_hosts[i];
                size_t n = strlen(h);
                if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
                    p->private_hosts[i] = jk_strndup(h + 1, n - 2);
                else
                    p->private_hosts[i] = jk_strdup(h);
            }
            p->private_host_count = cfg->private_host_count;
        }
        if (cfg->blocked_host_count) {
            p->blocked_hosts = jk_calloc(cfg->blocked_host_count, sizeof *p->blocked_hosts);
            for (size_t i = 0; i < cfg->blocked_host_count; i++)
                p->blocked_hosts[i] = jk_strdup(cfg->blocked_hosts[i]);
            p->blocked_host_count = cfg->blocked_host_count;
        }
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    int rc = JK_OK;
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(p->listen_fd, 128) != 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&sa, &sl) != 0) {
        rc = jk_error_set(err, JK_EIO, "capture proxy: cannot listen on 127.0.0.1: %s",
                          strerror(errno));
        goto fail;
    }
    p->port = ntohs(sa.sin_port);
    if (pthread_create(&p->accept_thread, NULL, accept_thread, p) != 0) {
        rc = jk_error_set(err, JK_EIO, "capture proxy: cannot start a thread");
        goto fail;
    }
    p->accept_started = true;
    *out = p;
    return JK_OK;
fail:
    jk_proxy_stop(p);
    return rc;
}

unsigned jk_proxy_port(const jk_proxy *p)
{
    return p->port;
}

void jk_proxy_stop(jk_proxy *p)
{
    if (!p)
        return;
    atomic_store(&p->stopping, true);
    if (p->accept_started)
        pthread_join(p->accept_thread, NULL);
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    for (size_t i = 0; i < p->private_host_count; i++)
        free(p->private_hosts[i]);
    free(p->private_hosts);
    for (size_t i = 0; i < p->blocked_host_count; i++)
        free(p->blocked_hosts[i]);
    free(p->blocked_hosts);
    jk_proxy_hosts_free(p->hosts, p->host_count);
    jk_proxy_refusals_free(p->refusals, p->refusal_count);
    free(p->slots);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

long jk_proxy_request_count(jk_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    long n = p->requests;
    pthread_mutex_unlock(&p->lock);
    return n;
}

long jk_proxy_refused_count(jk_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    long n = p->refused;
    pthread_mutex_unlock(&p->lock);
    return n;
}

long jk_proxy_blocked_count(jk_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    long n = p->blocked;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t jk_proxy_hosts(jk_proxy *p, char ***out)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->host_count;
    *out = jk_calloc(n ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++)
        (*out)[i] = jk_strdup(p->hosts[i]);
    pthread_mutex_unlock(&p->lock);
    return n;
}

void jk_proxy_hosts_free(char **hosts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(hosts[i]);
    free(hosts);
}

long jk_proxy_failed_count(jk_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    long n = p->failed;
    pthread_mutex_unlock(&p->lock);
    return n;
}

size_t jk_proxy_refusals(jk_proxy *p, jk_proxy_refusal **out)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->refusal_count;
    *out = n ? jk_calloc(n, sizeof **out) : NULL;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].url = jk_strdup(p->refusals[i].url);
        (*out)[i].reason = jk_strdup(p->refusals[i].reason);
        (*out)[i].denied = p->refusals[i].denied;
    }
    pthread_mutex_unlock(&p->lock);
    return n;
}

void jk_proxy_refusals_free(jk_proxy_refusal *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].url);
        free(list[i].reason);
    }
    free(list);
}
