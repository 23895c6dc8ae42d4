/*
 * test_capture_proxy.c — the capture proxy (src/net/proxy.h): request
 * heads parsed and refused as they must be (the head bound at N and N+1
 * bytes), plain HTTP rewritten to origin form, and the running proxy in
 * front of a real upstream on 127.0.0.1: a host allowed private addresses
 * is reached, the same host not allowed is refused and recorded without a
 * connection being made, CONNECT tunnels relay, another internal address
 * is refused at once, and an unreachable one counts as a failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy.h"

/* ---- heads ---- */

static int parse(const char *s, jk_proxy_head *h)
{
    return jk_proxy_parse_head(s, strlen(s), h, NULL);
}

static void test_parse_heads(void **state)
{
    (void)state;
    jk_proxy_head h;
    assert_int_equal(
        parse("GET http://Example.ORG/a?b=1 HTTP/1.1\r\nHost: example.org\r\n\r\n", &h), JK_OK);
    assert_false(h.connect);
    assert_string_equal(h.method, "GET");
    assert_string_equal(h.host, "example.org");
    assert_int_equal(h.port, 80);
    assert_string_equal(h.url, "http://Example.ORG/a?b=1");
    assert_int_equal(parse("POST http://127.0.0.1:8080 HTTP/1.0\n\n", &h), JK_OK);
    assert_int_equal(h.port, 8080);
    assert_int_equal(parse("CONNECT example.org:443 HTTP/1.1\r\n\r\n", &h), JK_OK);
    assert_true(h.connect);
    assert_int_equal(h.port, 443);
    assert_string_equal(h.url, "https://example.org:443");
    assert_int_equal(parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", &h), JK_OK);
    assert_string_equal(h.host, "::1");
    assert_int_equal(h.port, 8443);
    assert_int_equal(parse("GET http://[::ffff:10.0.0.1]/ HTTP/1.1\r\n\r\n", &h), JK_OK);
    assert_string_equal(h.host, "::ffff:10.0.0.1");

    assert_int_equal(parse("GET http://example.org/ HTTP/1.1\r\nHost: x\r\n", &h), JK_ENOTFOUND);
    static const char *const bad[] = {
        "GET /relative HTTP/1.1\r\n\r\n",
        "GET ftp://example.org/ HTTP/1.1\r\n\r\n",
        "GET https://example.org/ HTTP/1.1\r\n\r\n",
        "GET http://user@example.org/ HTTP/1.1\r\n\r\n",
        "GET http://example.org:0/ HTTP/1.1\r\n\r\n",
        "GET http://example.org:65536/ HTTP/1.1\r\n\r\n",
        "GET http://exa mple.org/ HTTP/1.1\r\n\r\n",
        "GET http://exa%2eorg/ HTTP/1.1\r\n\r\n",
        "GET http://[::1/ HTTP/1.1\r\n\r\n",
        "GET http://[zz]/ HTTP/1.1\r\n\r\n",
        "CONNECT example.org HTTP/1.1\r\n\r\n",
        "CONNECT example.org:443 HTTP/2\r\n\r\n",
        "G(T http://example.org/ HTTP/1.1\r\n\r\n",
        "GET http://example.org/ HTTP/1.1\r\nno colon\r\n\r\n",
        "GET http://example.org/ HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n",
        "\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jk_error err;
        int rc = jk_proxy_parse_head(bad[i], strlen(bad[i]), &h, &err);
        if (rc != JK_EPARSE)
            fail_msg("accepted (%d): %s", rc, bad[i]);
    }
}

/* A head of exactly JK_PROXY_HEAD_MAX bytes parses; one byte more does not. */
static void test_head_limit(void **state)
{
    (void)state;
    static const char line[] = "GET http://example.org/ HTTP/1.1\r\nX-Pad: ";
    for (size_t total = JK_PROXY_HEAD_MAX; total <= JK_PROXY_HEAD_MAX + 1; total++) {
        char *head = malloc(total + 1);
        size_t pad = total - (sizeof line - 1) - 4;
        memcpy(head, line, sizeof line - 1);
        memset(head + sizeof line - 1, 'a', pad);
        memcpy(head + sizeof line - 1 + pad, "\r\n\r\n", 4);
        head[total] = '\0';
        jk_proxy_head h;
        jk_error err;
        int rc = jk_proxy_parse_head(head, total, &h, &err);
        if (total == JK_PROXY_HEAD_MAX) {
            assert_int_equal(rc, JK_OK);
            assert_int_equal(h.head_len, total);
        } else {
            assert_int_equal(rc, JK_ELIMIT);
        }
        free(head);
    }
}

static void test_rewrite(void **state)
{
    (void)state;
    static const char head[] = "GET http://example.org:81?q=1#frag HTTP/1.1\r\n"
                               "Host: example.org:81\r\nProxy-Connection: keep-alive\r\n"
                               "Connection: keep-alive\r\nKeep-Alive: 300\r\n"
                               "proxy-authorization: x\r\nAccept: */*\r\n\r\n";
    jk_proxy_head h;
    assert_int_equal(jk_proxy_parse_head(head, sizeof head - 1, &h, NULL), JK_OK);
    jk_buf out;
    jk_buf_init(&out, 0);
    assert_int_equal(jk_proxy_rewrite_head(head, &h, &out, NULL), JK_OK);
    assert_string_equal(out.data, "GET /?q=1 HTTP/1.1\r\nHost: example.org:81\r\n"
                                  "Accept: */*\r\nConnection: close\r\n\r\n");
    jk_buf_release(&out);
}

/* ---- the running proxy ---- */

typedef struct upstream {
    int fd;
    int port;
    int requests;
    char last[4096];
    pthread_t thread;
} upstream;

static void *upstream_main(void *arg)
{
    upstream *u = arg;
    for (;;) {
        int c = accept(u->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[4096];
        size_t n = 0;
        while (n < sizeof buf - 1) {
            ssize_t got = recv(c, buf + n, sizeof buf - 1 - n, 0);
            if (got <= 0)
                break;
            n += (size_t)got;
            buf[n] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        buf[n] = '\0';
        u->requests++;
        snprintf(u->last, sizeof u->last, "%s", buf);
        static const char reply[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
        (void)send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
        close(c);
    }
}

static int upstream_start(upstream *u)
{
    memset(u, 0, sizeof *u);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    u->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (u->fd < 0 || bind(u->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(u->fd, 8) != 0 ||
        getsockname(u->fd, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    u->port = ntohs(sa.sin_port);
    return pthread_create(&u->thread, NULL, upstream_main, u);
}

static void upstream_stop(upstream *u)
{
    shutdown(u->fd, SHUT_RDWR);
    close(u->fd);
    pthread_join(u->thread, NULL);
}

/* Send a request to the proxy and read what comes back until it closes. */
static void exchange(unsigned port, const char *request, char *reply, size_t size)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    size_t n = 0;
    reply[0] = '\0';
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t got = recv(fd, reply + n, size - 1 - n, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
        reply[n] = '\0';
        if (n == size - 1)
            break;
        /* a tunnel stays open: stop once the upstream's answer is in */
        if (strstr(reply, "hello") ||
            (strstr(reply, "\r\n\r\n") && strstr(reply, " 200 Conn") && !strstr(request, "GET /")))
            break;
    }
    reply[n] = '\0';
    close(fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_host_covered(void **state)
{
    (void)state;
    assert_true(jk_proxy_host_covered("accounts.google.com", "accounts.google.com"));
    assert_true(jk_proxy_host_covered("accounts.google.com", "ACCOUNTS.Google.com"));
    assert_false(jk_proxy_host_covered("accounts.google.com", "xaccounts.google.com"));
    assert_false(jk_proxy_host_covered("accounts.google.com", "a.accounts.google.com"));
    assert_true(jk_proxy_host_covered(".gvt1.com", "gvt1.com"));
    assert_true(jk_proxy_host_covered(".gvt1.com", "r1.sn-x.gvt1.com"));
    assert_false(jk_proxy_host_covered(".gvt1.com", "xgvt1.com"));
    assert_false(jk_proxy_host_covered(".gvt1.com", "gvt1.com.evil.example"));
}

static void test_live(void **state)
{
    (void)state;
    upstream u;
    assert_int_equal(upstream_start(&u), 0);
    const char *allowed[] = {"127.0.0.1"};
    jk_proxy_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.private_hosts = allowed;
    cfg.private_host_count = 1;
    const char *blocked[] = {".service.example", "blocked.example"};
    cfg.blocked_hosts = blocked;
    cfg.blocked_host_count = 2;
    jk_proxy *p;
    assert_int_equal(jk_proxy_start(&cfg, &p, NULL), JK_OK);
    char req[512], reply[4096];

    /* the allowed host: forwarded in origin form, one request, closed */
    snprintf(req, sizeof req,
             "GET http://127.0.0.1:%d/x?y HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Proxy-Connection: keep-alive\r\n\r\n",
             u.port, u.port);
    exchange(jk_proxy_port(p), req, reply, sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(reply, "hello"));
    assert_int_equal(u.requests, 1);
    assert_true(strncmp(u.last, "GET /x?y HTTP/1.1\r\n", 19) == 0);
    assert_non_null(strstr(u.last, "Connection: close\r\n"));
    assert_null(strstr(u.last, "Proxy-Connection"));

    /* a CONNECT tunnel to it relays bytes both ways */
    snprintf(req, sizeof req,
             "CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\nGET /t HTTP/1.1\r\nHost: x\r\n\r\n", u.port);
    exchange(jk_proxy_port(p), req, reply, sizeof reply);
    assert_non_null(strstr(reply, "200 Connection Established"));
    assert_non_null(strstr(reply, "hello"));
    assert_int_equal(u.requests, 2);
    assert_true(strncmp(u.last, "GET /t HTTP/1.1", 15) == 0);

    /* another internal address: refused at once, no connection tried
     * (10.255.255.1 would hang a connect) */
    double t0 = now_s();
    exchange(jk_proxy_port(p), "CONNECT 10.255.255.1:443 HTTP/1.1\r\n\r\n", reply, sizeof reply);
    assert_true(now_s() - t0 < 2.0);
    assert_non_null(strstr(reply, "HTTP/1.1 403 Forbidden"));
    assert_non_null(strstr(reply, "internal address"));
    /* an allowed host with nothing listening: a failure, not a refusal */
    exchange(jk_proxy_port(p), "GET http://127.0.0.1:1/ HTTP/1.1\r\n\r\n", reply, sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 502"));
    /* not a proxy request */
    exchange(jk_proxy_port(p), "GET / HTTP/1.1\r\n\r\n", reply, sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 400"));

    /* a blocked host (the browser's own services): refused before any
     * lookup, counted apart from the refusals */
    exchange(jk_proxy_port(p), "CONNECT update.service.example:443 HTTP/1.1\r\n\r\n", reply,
             sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 403 Forbidden"));
    assert_non_null(strstr(reply, "browser's own service"));
    exchange(jk_proxy_port(p), "GET http://Blocked.Example/x HTTP/1.1\r\n\r\n", reply,
             sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 403 Forbidden"));
    assert_int_equal(jk_proxy_blocked_count(p), 2);

    assert_int_equal(jk_proxy_refused_count(p), 1);
    assert_int_equal(jk_proxy_failed_count(p), 1);
    assert_int_equal(jk_proxy_request_count(p), 7);
    /* where the traffic went: the upstream once, however often; not the
     * refused, failed or blocked hosts */
    char **hosts;
    size_t host_count = jk_proxy_hosts(p, &hosts);
    char expect[64];
    snprintf(expect, sizeof expect, "127.0.0.1:%d", u.port);
    assert_int_equal(host_count, 1);
    assert_string_equal(hosts[0], expect);
    jk_proxy_hosts_free(hosts, host_count);
    jk_proxy_refusal *list;
    size_t n = jk_proxy_refusals(p, &list);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].url, "https://10.255.255.1:443");
    assert_true(list[0].denied);
    assert_non_null(strstr(list[0].reason, "10.255.255.1"));
    assert_string_equal(list[1].url, "http://127.0.0.1:1/");
    assert_false(list[1].denied);
    jk_proxy_refusals_free(list, n);
    jk_proxy_stop(p);

    /* the same host without private addresses allowed: refused, recorded,
     * and the upstream never sees a connection */
    assert_int_equal(jk_proxy_start(NULL, &p, NULL), JK_OK);
    snprintf(req, sizeof req, "GET http://127.0.0.1:%d/secret HTTP/1.1\r\n\r\n", u.port);
    exchange(jk_proxy_port(p), req, reply, sizeof reply);
    assert_non_null(strstr(reply, "HTTP/1.1 403 Forbidden"));
    assert_int_equal(u.requests, 2);
    assert_int_equal(jk_proxy_refused_count(p), 1);
    n = jk_proxy_refusals(p, &list);
    assert_int_equal(n, 1);
    assert_non_null(strstr(list[0].url, "/secret"));
    jk_proxy_refusals_free(list, n);
    jk_proxy_stop(p);
    upstream_stop(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_heads), cmocka_unit_test(test_head_limit),
        cmocka_unit_test(test_rewrite),     cmocka_unit_test(test_host_covered),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
