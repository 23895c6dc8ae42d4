/*
 * test_http.c — jk_http against a real HTTP server on 127.0.0.1
 * (tests/net/http_fixture_server.py, started here with fork+exec), plus
 * the address classifier, Retry-After parsing and the robots.txt parser.
 * The server counts and logs requests per key (?k=NAME); the checks of
 * what it saw use a raw socket client here, not jk_http itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "robots.h"

/* ---- the fixture server ---- */

static pid_t server_pid = -1;
static int server_stdin = -1;
static int server_port;

static void stop_server(void)
{
    if (server_stdin >= 0) {
        close(server_stdin); /* the server exits at end of stdin */
        server_stdin = -1;
    }
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
    }
}

static int start_server(void **state)
{
    (void)state;
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execlp("python3", "python3", JK_SOURCE_DIR "/tests/net/http_fixture_server.py",
               (char *)NULL);
        _exit(127);
    }
    server_pid = pid;
    atexit(stop_server);
    close(in[0]);
    close(out[1]);
    server_stdin = in[1];
    fcntl(server_stdin, F_SETFD, FD_CLOEXEC);
    char line[32];
    size_t got = 0;
    struct pollfd p = {out[0], POLLIN, 0};
    while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n')) {
        if (poll(&p, 1, 15000) <= 0)
            break;
        ssize_t n = read(out[0], line + got, sizeof line - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(out[0]);
    line[got] = '\0';
    server_port = atoi(line);
    if (server_port <= 0) {
        fprintf(stderr, "fixture server did not start (got \"%s\")\n", line);
        stop_server();
        return -1;
    }
    return 0;
}

static int teardown_server(void **state)
{
    (void)state;
    stop_server();
    return 0;
}

/* GET path from the server over a plain socket; the body, malloc'd. */
static char *raw_get(const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)server_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)n), n);
    jk_buf b;
    jk_buf_init(&b, 0);
    char chunk[4096];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        jk_buf_append(&b, chunk, (size_t)r);
    close(fd);
    assert_non_null(b.data);
    char *body = strstr(b.data, "\r\n\r\n");
    assert_non_null(body);
    char *copy = strdup(body + 4);
    jk_buf_release(&b);
    return copy;
}

static long hits(const char *key)
{
    char path[256];
    snprintf(path, sizeof path, "/hits?k=%s", key);
    char *body = raw_get(path);
    long n = atol(body);
    free(body);
    return n;
}

static json_t *server_log(const char *key)
{
    char path[256];
    snprintf(path, sizeof path, "/log?k=%s", key);
    char *body = raw_get(path);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    return j;
}

static void set_robots(const char *mode)
{
    char path[128];
    snprintf(path, sizeof path, "/set-robots?mode=%s", mode);
    free(raw_get(path));
}

static char *url_of(const char *path)
{
    static char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_port, path);
    return url;
}

/* ---- helpers ---- */

typedef struct log_capture {
    jk_buf text;
} log_capture;

static void capture_log(void *ctx, const char *message)
{
    log_capture *c = ctx;
    jk_buf_puts(&c->text, message);
    jk_buf_putc(&c->text, '\n');
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Config for tests: quick backoff, no rate limit unless a test sets one. */
static jk_http_config test_config(log_capture *log)
{
    jk_http_config c;
    jk_http_config_default(&c);
    c.contact = "abuse@example.org";
    c.min_interval_ms = -1;
    c.backoff_base_ms = 20;
    c.max_backoff_ms = 3000;
    c.max_retries = 3;
    c.timeout_ms = 5000;
    if (log) {
        jk_buf_init(&log->text, 0);
        c.log = capture_log;
        c.log_ctx = log;
    }
    return c;
}

static jk_http *new_http(const jk_http_config *c)
{
    jk_error err;
    jk_http *h = jk_http_new(c, &err);
    if (!h)
        fail_msg("jk_http_new: %s", err.message);
    return h;
}

static jk_http_request get_private(const char *url)
{
    jk_http_request r = {0};
    r.url = url;
    r.allow_private = true;
    return r;
}

static const char *log_text(const log_capture *log)
{
    return log->text.data ? log->text.data : "";
}

/* ---- fetching ---- */

static void test_plain_200(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/plain?k=plain"));
    long long before = (long long)time(NULL) * 1000;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 12);
    assert_memory_equal(resp.body.data, "hello world\n", 12);
    assert_false(resp.truncated);
    assert_string_equal(resp.final_url, url_of("/plain?k=plain"));
    assert_string_equal(resp.content_type, "text/plain");
    assert_string_equal(resp.etag, "\"plain\"");
    assert_string_equal(resp.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_string_equal(resp.remote_ip, "127.0.0.1");
    assert_true(strncmp(resp.headers, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(resp.request_headers, "GET /plain?k=plain HTTP/1.1\r\n"));
    assert_non_null(strstr(resp.request_headers, "Accept: */*\r\n"));
    assert_true(resp.fetched_unix_ms >= before && resp.fetched_unix_ms < before + 60000);
    assert_int_equal(resp.retries, 0);
    char *multi = jk_http_response_header(&resp, "x-MULTI");
    assert_string_equal(multi, "a, b");
    free(multi);
    assert_null(jk_http_response_header(&resp, "X-Absent"));
    assert_int_equal(hits("plain"), 1);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_user_agent_and_token(void **state)
{
    (void)state;
    log_capture log;
    jk_http_config c = test_config(&log);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/echo?k=ua"));
    r.bearer_token = "s3cret-token";
    r.accept = "application/json";
    r.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    const char *body = resp.body.data;
    /* "junkai/VERSION (+contact)": the version is the project's */
    const char *ua = strstr(body, "User-Agent: junkai/");
    assert_non_null(ua);
    const char *eol = strchr(ua, '\n');
    assert_non_null(eol);
    const char *contact = strstr(ua, " (+abuse@example.org)\n");
    assert_true(contact && contact < eol + 1 && contact > ua + strlen("User-Agent: junkai/"));
    assert_non_null(strstr(body, "Authorization: Bearer s3cret-token\n"));
    assert_non_null(strstr(body, "Accept: application/json\n"));
    assert_non_null(strstr(body, "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\n"));
    /* the evidence copy never holds the token */
    assert_non_null(strstr(resp.request_headers, "Authorization: [redacted]\r\n"));
    assert_null(strstr(resp.request_headers, "s3cret"));
    assert_null(strstr(log_text(&log), "s3cret"));

    /* The token follows a redirect within the origin, not to another. */
    jk_http_request same = get_private(url_of("/to?where=/echo%3Fk%3Dsame&k=same"));
    same.bearer_token = "s3cret-token";
    assert_int_equal(jk_http_fetch(h, &same, &resp, &err), JK_OK);
    assert_non_null(strstr(resp.body.data, "Authorization: Bearer s3cret-token\n"));
    char where[256];
    snprintf(where, sizeof where, "/to?k=cross&where=http://localhost:%d/echo", server_port);
    jk_http_request cross = get_private(url_of(where));
    cross.bearer_token = "s3cret-token";
    assert_int_equal(jk_http_fetch(h, &cross, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_non_null(strstr(resp.final_url, "localhost"));
    assert_non_null(strstr(resp.body.data, "GET /echo"));
    assert_null(strstr(resp.body.data, "Authorization"));
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_buf_release(&log.text);
}

static void test_gzip_decoded(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/gzip?k=gzip"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 1700);
    assert_memory_equal(resp.body.data, "compressed hello compressed hello ", 34);
    char *enc = jk_http_response_header(&resp, "Content-Encoding");
    assert_string_equal(enc, "gzip");
    free(enc);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_body_limit(void **state)
{
    (void)state;
    log_capture log;
    jk_http_config c = test_config(&log);
    c.max_body_bytes = 65536;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    /* exactly the limit: whole */
    jk_http_request r = get_private(url_of("/large?n=65536&k=large"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.body.len, 65536);
    assert_false(resp.truncated);
    /* one more byte: cut off */
    r.url = url_of("/large?n=65537&k=large");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 65536);
    assert_true(resp.truncated);
    /* far more: cut off without reading it all */
    long long t0 = now_ms();
    r.url = url_of("/large?n=200000000&k=large");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.body.len, 65536);
    assert_true(resp.truncated);
    assert_true(now_ms() - t0 < 3000);
    assert_non_null(strstr(log_text(&log), "cut off at 65536 bytes"));
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_buf_release(&log.text);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    c.max_body_bytes = 1 << 20;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/bomb?k=bomb"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_true(resp.truncated);
    assert_int_equal(resp.body.len, 1 << 20);
    assert_int_equal(resp.body.data[0], 0);
    assert_int_equal(resp.body.data[(1 << 20) - 1], 0);
    char *len = jk_http_response_header(&resp, "Content-Length");
    assert_true(atol(len) < (1 << 20)); /* small on the wire */
    free(len);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_conditional_get(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/etag?k=etag"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.etag, "\"v1\"");
    char *etag = strdup(resp.etag);
    r.if_none_match = etag;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 304);
    assert_int_equal(resp.body.len, 0);
    assert_int_equal(hits("etag"), 2);
    free(etag);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_retry_429_retry_after(void **state)
{
    (void)state;
    log_capture log;
    jk_http_config c = test_config(&log);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/retry429?k=r429"));
    long long t0 = now_ms();
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    long long took = now_ms() - t0;
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.retries, 1);
    assert_int_equal(hits("r429"), 2);
    assert_true(took >= 990); /* Retry-After: 1 was honoured, not the 20 ms backoff */
    json_t *l = server_log("r429");
    double gap = json_real_value(json_object_get(json_array_get(l, 1), "t")) -
                 json_real_value(json_object_get(json_array_get(l, 0), "t"));
    assert_true(gap >= 0.99);
    json_decref(l);
    assert_non_null(strstr(log_text(&log), "HTTP 429; retry 1 of 3 in 1000 ms"));

    /* A Retry-After beyond max_backoff_ms: the 429 is the answer. */
    r.url = url_of("/retry-long?k=rlong");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 429);
    assert_int_equal(resp.retries, 0);
    assert_int_equal(hits("rlong"), 1);
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_buf_release(&log.text);
}

static void test_retry_503_then_200(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/flaky?k=flaky"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.retries, 2);
    assert_int_equal(hits("flaky"), 3);
    assert_memory_equal(resp.body.data, "after 503", 9);

    /* Retries run out: the last error status is the answer. */
    r.url = url_of("/always500?k=a500");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 500);
    assert_int_equal(resp.retries, 3);
    assert_int_equal(hits("a500"), 4);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_retry_timeout(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    c.timeout_ms = 400;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/slow?s=2&k=slow"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.retries, 1);
    assert_int_equal(hits("slow"), 2);
    /* With no retries left, a timeout is a network failure. */
    jk_http_config c2 = test_config(NULL);
    c2.timeout_ms = 300;
    c2.max_retries = -1;
    jk_http *h2 = new_http(&c2);
    r.url = url_of("/slow?s=1&k=slow2");
    assert_int_equal(jk_http_fetch(h2, &r, &resp, &err), JK_ENET);
    assert_non_null(strstr(err.message, "/slow?s=1&k=slow2"));
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_http_free(h2);
}

static void test_redirects(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    c.max_redirects = 3;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/redirect?n=3&k=chain"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.final_url, url_of("/end?k=chain"));
    assert_int_equal(hits("chain"), 4);
    assert_non_null(strstr(resp.request_headers, "GET /end?k=chain"));

    /* One hop too many is a refusal (JK_EDENIED), after max_redirects
     * followed hops. */
    r.url = url_of("/loop?k=loop");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "more than 3 redirects"));
    assert_int_equal(hits("loop"), 4);

    /* Only http(s) hops. */
    r.url = url_of("/to?where=file:///etc/passwd&k=tofile");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "only http and https"));
    r.url = url_of("/to?where=ftp://127.0.0.1/&k=toftp");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);

    /* POST answered by 303 continues as GET without the body. */
    jk_http_request p = get_private(url_of("/post303?k=p303"));
    p.method = "POST";
    p.body = "a=1";
    p.body_len = 3;
    assert_int_equal(jk_http_fetch(h, &p, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    assert_true(strncmp(resp.body.data, "GET /echo?k=p303\n", 17) == 0);
    json_t *l = server_log("p303");
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "method")),
                        "POST");
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 1), "method")),
                        "GET");
    json_decref(l);

    /* POST with a body is sent as such. */
    p.url = url_of("/echo?k=post");
    p.content_type = "application/json";
    p.body = "{\"q\":1}";
    p.body_len = 7;
    assert_int_equal(jk_http_fetch(h, &p, &resp, &err), JK_OK);
    assert_true(strncmp(resp.body.data, "POST /echo?k=post\n", 18) == 0);
    assert_non_null(strstr(resp.body.data, "Content-Type: application/json\n"));
    assert_non_null(strstr(resp.body.data, "\n{\"q\":1}"));
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_internal_refused(void **state)
{
    (void)state;
    log_capture log;
    jk_http_config c = test_config(&log);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = {0};
    r.url = url_of("/plain?k=denied");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    char want[1024];
    snprintf(want, sizeof want, "refused: %s resolves to 127.0.0.1, an internal address; add the "
             "source with --allow-private to allow it", url_of("/plain?k=denied"));
    assert_string_equal(err.message, want);
    assert_non_null(strstr(log_text(&log), "resolves to 127.0.0.1"));

    /* A name that resolves to loopback is checked after resolution. */
    char url[256];
    snprintf(url, sizeof url, "http://localhost:%d/plain?k=denied", server_port);
    r.url = url;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "an internal address"));
    snprintf(url, sizeof url, "http://[::ffff:127.0.0.1]:%d/plain?k=denied", server_port);
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    /* A redirect source is refused at its own first hop, before any
     * connection: nothing reaches the server. */
    r.url = url_of("/to?where=/plain&k=denied");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_int_equal(hits("denied"), 0);

    /* A kept-alive connection opened with allow_private is not reused by
     * a request without it. */
    jk_http_request ok = get_private(url_of("/plain?k=pool1"));
    assert_int_equal(jk_http_fetch(h, &ok, &resp, &err), JK_OK);
    r.url = url_of("/plain?k=pool2");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_int_equal(hits("pool1"), 1);
    assert_int_equal(hits("pool2"), 0);
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_buf_release(&log.text);
}

static void test_keep_alive(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/plain?k=ka"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    json_t *l = server_log("ka");
    assert_int_equal(json_array_size(l), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "port")),
                     json_integer_value(json_object_get(json_array_get(l, 1), "port")));
    json_decref(l);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_min_interval(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    c.min_interval_ms = 300;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/plain?k=interval"));
    long long t0 = now_ms();
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_true(now_ms() - t0 >= 300);
    json_t *l = server_log("interval");
    assert_int_equal(json_array_size(l), 2);
    double gap = json_real_value(json_object_get(json_array_get(l, 1), "t")) -
                 json_real_value(json_object_get(json_array_get(l, 0), "t"));
    assert_true(gap >= 0.299);
    json_decref(l);
    /* Another host is not held back by this one's interval. */
    char url[256];
    snprintf(url, sizeof url, "http://localhost:%d/plain?k=interval-other", server_port);
    r.url = url;
    long long t1 = now_ms();
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_true(now_ms() - t1 < 250);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

static void test_robots(void **state)
{
    (void)state;
    set_robots("rules");
    long before = hits("robots");
    log_capture log;
    jk_http_config c = test_config(&log);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private(url_of("/private/x?k=robots-private"));
    r.obey_robots = true;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    char want[1024];
    snprintf(want, sizeof want, "refused: %s is disallowed by http://127.0.0.1:%d/robots.txt "
             "line 6: \"Disallow: /private\"", url_of("/private/x?k=robots-private"), server_port);
    assert_string_equal(err.message, want);
    assert_int_equal(hits("robots-private"), 0);

    r.url = url_of("/private/open/y?k=robots-open");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(resp.status, 200);
    r.url = url_of("/data.secret?k=robots-secret");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK); /* query: no '$' match */
    r.url = url_of("/data.secret");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "Disallow: /*.secret$"));
    r.url = url_of("/plain?k=robots-plain");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    /* Without obey_robots the rules do not apply. */
    r.url = url_of("/private/x?k=robots-ignored");
    r.obey_robots = false;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    /* robots.txt was fetched once for all of these */
    assert_int_equal(hits("robots") - before, 1);
    jk_http_free(h);

    /* 5xx: everything disallowed (RFC 9309 §2.3.1.4) */
    set_robots("503");
    c.max_retries = 1;
    h = new_http(&c);
    r.url = url_of("/plain?k=robots503");
    r.obey_robots = true;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "robots.txt answered HTTP 503"));
    assert_int_equal(hits("robots503"), 0);
    jk_http_free(h);

    /* 4xx: no rules, everything allowed */
    set_robots("404");
    h = new_http(&c);
    r.url = url_of("/private/x?k=robots404");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_OK);
    assert_int_equal(hits("robots404"), 1);
    jk_http_free(h);
    set_robots("rules");

    /* robots.txt of an internal host is refused like the page. */
    c.max_retries = 3;
    h = new_http(&c);
    r.allow_private = false;
    r.url = url_of("/plain?k=robots-internal");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    assert_non_null(strstr(err.message, "robots.txt resolves to 127.0.0.1"));
    jk_http_free(h);
    jk_http_response_release(&resp);
    jk_buf_release(&log.text);
}

static void test_errors(void **state)
{
    (void)state;
    jk_http_config c = test_config(NULL);
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    jk_http_request r = get_private("not a url");
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "not a url"));
    r.url = "http://";
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EINVAL);
    r.url = "gopher://example.org/";
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EDENIED);
    r.url = url_of("/plain");
    r.method = "DELETE";
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EINVAL);
    r.method = NULL;
    r.if_none_match = "\"x\"\r\nX-Injected: 1";
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_EINVAL);
    r.if_none_match = NULL;

    /* A closed port: a network failure. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    r.url = url;
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_ENET);
    assert_non_null(strstr(err.message, url));

    /* A stop request ends the fetch. */
    volatile sig_atomic_t stop = 1;
    jk_http_config s = test_config(NULL);
    s.stop = &stop;
    jk_http *hs = new_http(&s);
    r.url = url_of("/plain?k=stopped");
    assert_int_equal(jk_http_fetch(hs, &r, &resp, &err), JK_ENET);
    assert_int_equal(hits("stopped"), 0);
    jk_http_free(hs);

    jk_http_config bad = test_config(NULL);
    bad.contact = "me\r\nX-Evil: 1";
    assert_null(jk_http_new(&bad, &err));
    jk_http_response_release(&resp);
    jk_http_free(h);
    jk_http_free(NULL);
}

static volatile sig_atomic_t alarm_stop;

static void on_alarm(int sig)
{
    (void)sig;
    alarm_stop = 1;
}

/* A stop request (a signal handler's flag) ends a transfer under way. */
static void test_stop_during_transfer(void **state)
{
    (void)state;
    alarm_stop = 0;
    jk_http_config c = test_config(NULL);
    c.stop = &alarm_stop;
    jk_http *h = new_http(&c);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_error err;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, 0}, {0, 200000}};
    setitimer(ITIMER_REAL, &t, NULL);
    long long t0 = now_ms();
    jk_http_request r = get_private(url_of("/slow?s=3&k=stop-mid"));
    assert_int_equal(jk_http_fetch(h, &r, &resp, &err), JK_ENET);
    assert_true(now_ms() - t0 < 1500);
    assert_non_null(strstr(err.message, "stopped"));
    assert_int_equal(hits("stop-mid"), 1);
    signal(SIGALRM, SIG_DFL);
    jk_http_response_release(&resp);
    jk_http_free(h);
}

/* ---- pure functions ---- */

static void test_address_is_internal(void **state)
{
    (void)state;
    static const char *internal[] = {
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255",
        "127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255",
        "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
        "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255", "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1",
        "febf::1", "fec0::1", "ff02::1", "2001:db8::1", "2001:db8:ffff::1", "100::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.168.0.1", "::ffff:169.254.169.254",
        "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:c0a8:0101::1",
        "2002:7f00:1::", "::127.0.0.1", "::10.0.0.1", "[::1]", "fe80::1%eth0",
        "2001:0:4136:e378:8000:63bf:80ff:fffe", /* Teredo, client 127.0.0.1 */
        "", "not an address", "127.1", "1.2.3.4.5", "::ffff:127.0.0.1:80",
    };
    static const char *public[] = {
        "8.8.8.8", "1.1.1.1", "11.0.0.1", "100.63.255.255", "100.128.0.0", "126.255.255.255",
        "128.0.0.1", "169.253.0.1", "172.15.255.255", "172.32.0.0", "192.0.1.1",
        "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255", "203.0.114.1",
        "2606:4700::1", "2001:4860:4860::8888", "2a00:1450:4001::1", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "2002:0808:0808::1", "[2606:4700::1]", "2001:db9::1",
        "fbff::1", "101::1",
    };
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++)
        if (!jk_http_address_is_internal(internal[i]))
            fail_msg("%s should be internal", internal[i]);
    for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
        if (jk_http_address_is_internal(public[i]))
            fail_msg("%s should be public", public[i]);
    assert_true(jk_http_address_is_internal(NULL));
}

static void test_retry_after(void **state)
{
    (void)state;
    long long now = 784111777000LL; /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_int_equal(jk_http_retry_after_ms("1", now), 1000);
    assert_int_equal(jk_http_retry_after_ms(" 120 ", now), 120000);
    assert_int_equal(jk_http_retry_after_ms("0", now), 0);
    assert_int_equal(jk_http_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
    assert_int_equal(jk_http_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);
    assert_int_equal(jk_http_retry_after_ms(NULL, now), -1);
    assert_int_equal(jk_http_retry_after_ms("", now), -1);
    assert_int_equal(jk_http_retry_after_ms("soon", now), -1);
    assert_true(jk_http_retry_after_ms("99999999999999999999999", now) > 86400000L);
}

static void test_response_header_lookup(void **state)
{
    (void)state;
    jk_http_response resp;
    jk_http_response_init(&resp);
    resp.headers = strdup("HTTP/1.1 200 OK\r\nLink: <a>; rel=next\r\nX-Rate-Limit-Remaining:  7 \r\n"
                          "X-Folded: one\r\n  two\r\nlink: <b>\r\nX-Empty:\r\n\r\n");
    char *v = jk_http_response_header(&resp, "LINK");
    assert_string_equal(v, "<a>; rel=next, <b>");
    free(v);
    v = jk_http_response_header(&resp, "x-rate-limit-remaining");
    assert_string_equal(v, "7");
    free(v);
    v = jk_http_response_header(&resp, "X-Folded");
    assert_string_equal(v, "one two");
    free(v);
    v = jk_http_response_header(&resp, "X-Empty");
    assert_string_equal(v, "");
    free(v);
    assert_null(jk_http_response_header(&resp, "HTTP/1.1 200 OK"));
    assert_null(jk_http_response_header(&resp, "X-Rate"));
    jk_http_response_release(&resp);
    assert_null(jk_http_response_header(&resp, "Link"));
}

/* ---- robots.txt parser ---- */

static bool allowed(const char *robots, const char *path)
{
    jk_robots *r = jk_robots_parse(robots, strlen(robots), "junkai");
    bool ok = jk_robots_allowed(r, path, strlen(path), NULL);
    jk_robots_free(r);
    return ok;
}

static void test_robots_longest_match(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n";
    assert_true(allowed(t, "/example/page/"));
    assert_true(allowed(t, "/example/page/ok.gif"));
    assert_false(allowed(t, "/example/page/disallowed.gif"));
    assert_true(allowed(t, "/other"));
    /* Order does not matter, length does. */
    const char *u = "User-agent: *\nDisallow: /a/b/c\nAllow: /a\nDisallow: /a/b\n";
    assert_false(allowed(u, "/a/b/c/d"));
    assert_false(allowed(u, "/a/bx"));
    assert_true(allowed(u, "/a/x"));
    /* Equal length: Allow wins. */
    assert_true(allowed("User-agent: *\nDisallow: /foo\nAllow: /foo\n", "/foo/bar"));
    assert_true(allowed("User-agent: *\nAllow: /foo\nDisallow: /foo\n", "/foo"));
    assert_true(allowed("User-agent: *\nDisallow: /f*o\nAllow: /f*o\n", "/fxo"));
    /* Matching is case-sensitive. */
    assert_true(allowed("User-agent: *\nDisallow: /Fish\n", "/fish"));
    assert_false(allowed("User-agent: *\nDisallow: /fish\n", "/fish.html"));
    assert_false(allowed("User-agent: *\nDisallow: /fish\n", "/fish?id=1"));
}

static void test_robots_wildcards(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nDisallow: /*.gif$\nDisallow: /fish*.php\nDisallow: /$\n";
    assert_false(allowed(t, "/a/b.gif"));
    assert_false(allowed(t, "/.gif"));
    assert_true(allowed(t, "/a/b.gif?x=1"));
    assert_true(allowed(t, "/a/b.gifx"));
    assert_false(allowed(t, "/fish.php"));
    assert_false(allowed(t, "/fishheads/catfish.php?p=1"));
    assert_true(allowed(t, "/Fish.PHP"));
    assert_false(allowed(t, "/"));
    assert_true(allowed(t, "/index.html"));
    assert_false(allowed(t, "")); /* empty path is "/" */
    /* '$' in the middle is literal; '*' at the end changes nothing. */
    assert_false(allowed("User-agent: *\nDisallow: /a$b\n", "/a$b/c"));
    assert_true(allowed("User-agent: *\nDisallow: /a$b\n", "/a"));
    assert_false(allowed("User-agent: *\nDisallow: /a***\n", "/a"));
    assert_false(allowed("User-agent: *\nDisallow: /*a*b*c$\n", "/xaybzc"));
    assert_true(allowed("User-agent: *\nDisallow: /*a*b*c$\n", "/xaybzcd"));
    assert_false(allowed("User-agent: *\nDisallow: *\n", "/anything"));
    /* A pattern without its leading slash. */
    assert_false(allowed("User-agent: *\nDisallow: private\n", "/private/x"));
}

static void test_robots_percent_encoding(void **state)
{
    (void)state;
    assert_false(allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz"));
    assert_false(allowed("User-agent: *\nDisallow: /foo/bar/baz\n", "/foo/bar/%62%61%7a"));
    assert_false(allowed("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "/foo/bar/%E3%83%84"));
    assert_false(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "/foo/bar/%e3%83%84"));
    assert_false(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "/foo/bar/\xE3\x83\x84"));
    /* An escaped reserved character stays distinct from the character. */
    assert_true(allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a/b"));
    assert_false(allowed("User-agent: *\nDisallow: /a%2fb\n", "/a%2Fb"));
    assert_true(allowed("User-agent: *\nDisallow: /%2A\n", "/x"));
}

static void test_robots_groups(void **state)
{
    (void)state;
    /* user-agent names match case-insensitively, version ignored */
    assert_false(allowed("User-agent: JUNKAI\nDisallow: /x\n", "/x"));
    assert_false(allowed("user-AGENT: Junkai/1.0 (+https://example.org)\ndisallow: /x\n", "/x"));
    assert_true(allowed("User-agent: junkaibot\nDisallow: /x\n", "/x"));
    /* no group for us and no "*": everything allowed */
    const char *other = "User-agent: otherbot\nDisallow: /\n";
    jk_robots *r = jk_robots_parse(other, strlen(other), "junkai");
    assert_int_equal(jk_robots_rule_count(r), 0);
    assert_true(jk_robots_allowed(r, "/x", 2, NULL));
    jk_robots_free(r);
    /* "*" applies when no group names us; ours replaces it when one does */
    assert_false(allowed("User-agent: otherbot\nAllow: /\n\nUser-agent: *\nDisallow: /\n", "/x"));
    assert_true(allowed("User-agent: *\nDisallow: /\n\nUser-agent: junkai\nDisallow: /y\n", "/x"));
    /* a blank line does not end a group: both agents share Disallow: / */
    assert_false(allowed("User-agent: junkai\n\nUser-agent: *\nDisallow: /\n", "/x"));
    /* our group, even with no rule in force, replaces "*" */
    assert_true(allowed("User-agent: junkai\nDisallow:\n\nUser-agent: *\nDisallow: /\n", "/x"));
    assert_true(allowed("User-agent: junkai\nAllow: /\nUser-agent: *\nDisallow: /\n", "/x"));
    /* consecutive user-agent lines share the rules that follow */
    assert_false(allowed("User-agent: a\nUser-agent: junkai\nUser-agent: b\nDisallow: /x\n", "/x"));
    /* groups for us are merged */
    const char *merged = "User-agent: junkai\nDisallow: /a\n\nUser-agent: z\nDisallow: /b\n\n"
                         "User-agent: junkai\nDisallow: /c\n";
    assert_false(allowed(merged, "/a"));
    assert_true(allowed(merged, "/b"));
    assert_false(allowed(merged, "/c"));
    /* rules before any user-agent line belong to no group */
    assert_true(allowed("Disallow: /\nUser-agent: *\nDisallow: /x\n", "/y"));
    /* an empty Disallow allows everything */
    assert_true(allowed("User-agent: *\nDisallow:\n", "/y"));
    /* sitemap lines and unknown keys do not break a group */
    assert_false(allowed("User-agent: *\nSitemap: https://x/s.xml\nCrawl-delay: 3\nDisallow: /y\n",
                         "/y"));
    /* /robots.txt is always allowed */
    assert_true(allowed("User-agent: *\nDisallow: /\n", "/robots.txt"));
    assert_false(allowed("User-agent: *\nDisallow: /\n", "/robots.txt?x"));
}

static void test_robots_syntax(void **state)
{
    (void)state;
    /* BOM, CRLF and CR line ends, comments, spaces around the colon */
    const char *t = "\xEF\xBB\xBF# comment\r\nUser-agent : * # all\r\n"
                    "Disallow :   /a   # trailing\rDisallow:/b\n\tAllow:\t/b/c\t\n";
    jk_robots *r = jk_robots_parse(t, strlen(t), "junkai");
    assert_int_equal(jk_robots_rule_count(r), 3);
    jk_robots_verdict v;
    assert_false(jk_robots_allowed(r, "/a/x", 4, &v));
    assert_false(v.rule_is_allow);
    assert_int_equal(v.line, 3);
    assert_int_equal(v.pattern_len, 2);
    assert_memory_equal(v.pattern, "/a", 2);
    assert_false(jk_robots_allowed(r, "/b", 2, &v));
    assert_int_equal(v.line, 4);
    assert_true(jk_robots_allowed(r, "/b/c", 4, &v));
    assert_true(v.rule_is_allow);
    assert_int_equal(v.line, 5);
    assert_true(jk_robots_allowed(r, "/z", 2, &v));
    assert_null(v.pattern);
    assert_int_equal(v.line, 0);
    jk_robots_free(r);
    /* NUL bytes and garbage do not stop the parser */
    const char bin[] = "User-agent: *\n\0\xff\xfe:::\nDisallow: /q\n";
    r = jk_robots_parse(bin, sizeof bin - 1, "junkai");
    assert_false(jk_robots_allowed(r, "/q", 2, NULL));
    jk_robots_free(r);
    r = jk_robots_parse("", 0, "junkai");
    assert_true(jk_robots_allowed(r, "/", 1, NULL));
    jk_robots_free(r);
    assert_true(jk_robots_allowed(NULL, "/", 1, NULL));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_address_is_internal),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_response_header_lookup),
        cmocka_unit_test(test_robots_longest_match),
        cmocka_unit_test(test_robots_wildcards),
        cmocka_unit_test(test_robots_percent_encoding),
        cmocka_unit_test(test_robots_groups),
        cmocka_unit_test(test_robots_syntax),
    };
    const struct CMUnitTest fetching[] = {
        cmocka_unit_test(test_plain_200),
        cmocka_unit_test(test_user_agent_and_token),
        cmocka_unit_test(test_gzip_decoded),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_conditional_get),
        cmocka_unit_test(test_retry_429_retry_after),
        cmocka_unit_test(test_retry_503_then_200),
        cmocka_unit_test(test_retry_timeout),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_internal_refused),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_min_interval),
        cmocka_unit_test(test_robots),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stop_during_transfer),
    };
    int failed = cmocka_run_group_tests_name("net_pure", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("net_fetch", fetching, start_server, teardown_server);
    return failed ? 1 : 0;
}
