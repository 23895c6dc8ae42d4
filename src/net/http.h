/*
 * http.h — fetching over HTTP(S) for every network collector, with the
 * politeness and safety rules of a patrol built in, so no collector can
 * forget one (libcurl underneath).
 *
 * One jk_http serves one patrol process. It remembers, per host, when the
 * last request went out (rate limit), how many are in flight (concurrency
 * limit), its robots.txt rules, and a backoff after 429/5xx. It is not
 * shared between threads.
 *
 * Rules every fetch obeys:
 *   - only http and https; a User-Agent "junkai/VERSION (+CONTACT)";
 *   - the connected address is checked (after DNS, on every connection,
 *     so after every redirect too): loopback, private, link-local,
 *     multicast, reserved and other internal addresses are refused with
 *     JK_EDENIED unless the request says allow_private;
 *   - redirects are followed by hand (at most max_redirects), each hop
 *     checked like the first;
 *   - the body is cut off at max_body_bytes counted after decompression
 *     (gzip/deflate accepted), and the fetch at timeout_ms; a cut-off body
 *     is returned with truncated set, never loaded whole;
 *   - robots.txt of the host is fetched once per jk_http (same rules) and
 *     honoured when the request asks for it (page sources); it is kept
 *     24 hours (RFC 9309 §2.4), an unreachable one 10 minutes;
 *   - at least min_interval_ms between requests to one host; on 429 and
 *     5xx the request is retried up to max_retries times after a backoff
 *     (exponential with jitter, or Retry-After when the server sends one,
 *     capped at max_backoff_ms);
 *   - conditional GET: if_none_match / if_modified_since are sent when
 *     given, and a 304 comes back as status 304 with an empty body.
 */
#ifndef JK_HTTP_H
#define JK_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

typedef struct jk_http jk_http;

/* One HTTP exchange as it went over the wire, for evidence (src/evidence/):
 * every redirect hop and every retried attempt that got an answer is one.
 * The pointers live only during the on_exchange call. */
typedef struct jk_http_exchange {
    const char *url;             /* this hop's URL */
    const char *method;          /* "GET" or "POST" */
    const char *request_headers; /* request line and headers as sent, CRLF-ended,
                                    the bearer token replaced by "[redacted]" */
    size_t request_headers_len;
    const char *request_body; /* POST body or NULL */
    size_t request_body_len;
    const char *response_headers; /* status line and headers as received, up to
                                     and with the blank line */
    size_t response_headers_len;
    const char *raw_body; /* the body as received: content-coding (gzip …)
                             and chunked framing kept, nothing decoded */
    size_t raw_body_len;
    bool truncated; /* the body was cut off (max_body_bytes or the raw cap) */
    long status;
    const char *remote_ip; /* NULL when unknown */
    long long fetched_unix_ms;
} jk_http_exchange;

/* A field left 0 takes its default (so a zeroed config is a polite one);
 * min_interval_ms, max_retries, max_redirects and backoff_base_ms take a
 * negative value to mean none. */
typedef struct jk_http_config {
    const char *contact;     /* goes into the User-Agent; NULL: none given */
    size_t max_body_bytes;   /* default 8 MiB */
    long timeout_ms;         /* whole request; default 30000 */
    long connect_timeout_ms; /* default 10000 */
    int max_redirects;       /* default 5 */
    long min_interval_ms;    /* per host; default 1000 */
    int max_retries;         /* on 429/5xx/timeouts; default 3 */
    long max_backoff_ms;     /* default 60000 */
    long backoff_base_ms;    /* first retry waits about this; doubles; default 1000 */
    /* Called with a line for the log (cut-off bodies, retries, refusals);
     * may be NULL. */
    void (*log)(void *ctx, const char *message);
    void *log_ctx;
    /* When set and it becomes nonzero (a signal handler's flag), waits for
     * rate limits and backoff end early and the fetch fails with JK_ENET. */
    volatile sig_atomic_t *stop;
    /* When set, called after every exchange that got an HTTP answer (each
     * redirect hop and retry, robots.txt too) with its wire bytes; the raw
     * body is only collected when this is set. */
    void (*on_exchange)(void *ctx, const jk_http_exchange *x);
    void *exchange_ctx;
} jk_http_config;

/* Fill cfg with every default (contact, log, stop and on_exchange NULL). */
void jk_http_config_default(jk_http_config *cfg);

typedef struct jk_http_request {
    const char *method; /* "GET" (default when NULL), "POST" or "PUT" (a PUT sends
                           its body like a POST) */
    const char *url;
    const char *body; /* POST body, body_len bytes */
    size_t body_len;
    const char *content_type;      /* of the body, e.g. "application/json" */
    const char *bearer_token;      /* Authorization: Bearer …; never logged */
    const char *if_none_match;     /* ETag from the last fetch */
    const char *if_modified_since; /* Last-Modified from the last fetch */
    const char *accept;            /* Accept header; NULL: any */
    bool allow_private;            /* the source was added with --allow-private */
    bool obey_robots;              /* check the host's robots.txt first */
    /* More request headers, each "Name: value" (an Idempotency-Key…);
     * header_count of them. Sent on every hop and kept in the evidence. */
    const char *const *headers;
    size_t header_count;
} jk_http_request;

typedef struct jk_http_response {
    long status;        /* final HTTP status (after redirects); 304 possible */
    jk_buf body;        /* decompressed, at most max_body_bytes */
    bool truncated;     /* the body was cut off at the limit */
    char *final_url;    /* after redirects */
    char *content_type; /* header value or NULL */
    char *etag;
    char *last_modified;
    char *headers;        /* the final response's raw header block (status
                             line and headers, CRLF-separated), for evidence */
    char *request_headers; /* the request as sent, for evidence; the bearer
                              token is replaced by "[redacted]" */
    char *remote_ip;      /* the address that answered */
    long long fetched_unix_ms;
    int retries;          /* how many retries this fetch took (429/5xx/timeout) */
    /* Set also when the fetch fails: the request (its header block at
     * least) went out on the last attempt, or an earlier hop was answered,
     * so the server may have acted on it. A submitter tells "never sent"
     * (safe to send again) from "sent, no answer" by it. */
    bool request_sent;
} jk_http_response;

/* NULL on allocation failure or when libcurl cannot start (err says). A
 * NULL cfg takes every default. */
jk_http *jk_http_new(const jk_http_config *cfg, jk_error *err);
void jk_http_free(jk_http *h);

/* Fetch one URL, waiting for the host's rate limit and retrying as above.
 * Returns JK_OK whenever an HTTP answer arrived (check resp->status: 2xx,
 * 304, or an error status left after retries); JK_EDENIED when policy
 * refused the request (private address, robots.txt, scheme, too many
 * redirects); JK_ENET on DNS, connection, TLS or timeout failures;
 * JK_EINVAL on a malformed URL. err names the URL and the reason. resp
 * must have been initialised (jk_http_response_init); whatever it held is
 * released first, and the caller releases it in every case.
 *
 * Redirects: 303, and 301/302 after a POST, continue as GET without a
 * body (what browsers do, RFC 9110 §15.4); the bearer token is sent only
 * while the origin stays that of req->url. A POST is retried after
 * 429/5xx but not after a timeout (the server may have acted on it).
 * A Retry-After longer than max_backoff_ms is not waited for: the 429 or
 * 503 is returned as the answer. */
int jk_http_fetch(jk_http *h, const jk_http_request *req, jk_http_response *resp,
                  jk_error *err);

void jk_http_response_init(jk_http_response *resp);
void jk_http_response_release(jk_http_response *resp);

/* A header of the final response (case-insensitive name), copied into a
 * new string the caller frees; NULL when absent. For Link, Retry-After,
 * x-rate-limit-* and the like. */
char *jk_http_response_header(const jk_http_response *resp, const char *name);

/* True when addr (a numeric IPv4 or IPv6 address, as text) is one a patrol
 * must not reach without allow_private: loopback, RFC 1918 private,
 * carrier-grade NAT, link-local, unique-local, multicast, unspecified,
 * documentation and benchmarking ranges, broadcast, and IPv4 embedded in
 * IPv6 (mapped, NAT64, 6to4) when the embedded address is internal. */
bool jk_http_address_is_internal(const char *addr);
/* (Text that is no numeric address at all counts as internal too: the
 * check fails closed.) */

/* Milliseconds a Retry-After value (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date) asks to wait, measured from now_unix_ms; 0 for a date in the
 * past; -1 when value is NULL or neither form. */
long jk_http_retry_after_ms(const char *value, long long now_unix_ms);

#endif
