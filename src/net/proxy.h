/*
 * proxy.h — a filtering forward proxy (HTTP and CONNECT) on
 * 127.0.0.1:ephemeral, so that a browser driven for evidence capture
 * (src/evidence/capture.c) obeys the same address rules as the collectors:
 * every destination is resolved here and checked with
 * jk_http_address_is_internal before a connection is made, for the page,
 * each redirect hop and every subresource alike, and the socket connects
 * to the very address that was checked (no second lookup to rebind).
 *
 * Internal addresses (loopback, private, link-local…) are refused unless
 * the request's host is one of private_hosts: allowing a page on a private
 * host does not let it reach any other internal host. Every refusal is
 * counted, logged and kept (the first JK_PROXY_REFUSALS_KEPT) with its URL.
 *
 * Plain HTTP requests are forwarded one per upstream connection
 * ("Connection: close"); CONNECT tunnels relay bytes both ways. Threads:
 * one accepting, one per client connection (at most max_connections).
 */
#ifndef JK_PROXY_H
#define JK_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

#define JK_PROXY_HEAD_MAX (64 * 1024)   /* a request's line and headers */
#define JK_PROXY_REFUSALS_KEPT 200      /* refusals kept with their URL */
#define JK_PROXY_CONNECTIONS_DEFAULT 64 /* client connections at once */
#define JK_PROXY_HOSTS_KEPT 500         /* distinct upstream hosts listed */

typedef struct jk_proxy jk_proxy;

typedef struct jk_proxy_config {
    /* hosts (as written in URLs, case-insensitive; an IPv6 literal without
     * brackets) that may resolve to internal addresses */
    const char *const *private_hosts;
    size_t private_host_count;
    /* hosts refused outright, before any lookup, whatever they resolve to:
     * a name (case-insensitive), or ".example.com" for a domain and all
     * its subdomains. For the browser's own services, which no page needs
     * (see src/evidence/capture.c). */
    const char *const *blocked_hosts;
    size_t blocked_host_count;
    long connect_timeout_ms;  /* upstream connect; 0: 10000 */
    long idle_timeout_ms;     /* a connection with no traffic; 0: 120000 */
    unsigned max_connections; /* 0: JK_PROXY_CONNECTIONS_DEFAULT */
    /* a line for every refusal and failure; called from proxy threads;
     * may be NULL */
    void (*log)(void *ctx, const char *message);
    void *log_ctx;
} jk_proxy_config;

/* Listen on 127.0.0.1 (a port the kernel picks) and serve on threads of
 * its own until jk_proxy_stop. The config's strings are copied. */
int jk_proxy_start(const jk_proxy_config *cfg, jk_proxy **out, jk_error *err);
unsigned jk_proxy_port(const jk_proxy *p);
/* Stop accepting, end every connection, join every thread; NULL ok. */
void jk_proxy_stop(jk_proxy *p);

/* A request the proxy did not carry: refused by policy (denied), or its
 * destination could not be resolved or reached. */
typedef struct jk_proxy_refusal {
    char *url;    /* http://host:port/path, or https://host:port for CONNECT */
    char *reason; /* "10.0.0.1 is an internal address", … */
    bool denied;  /* by policy; false: the network failed */
} jk_proxy_refusal;

/* Requests seen, refused by policy, and failed (thread-safe). */
long jk_proxy_request_count(jk_proxy *p);
long jk_proxy_refused_count(jk_proxy *p);
long jk_proxy_failed_count(jk_proxy *p);
/* Whether a blocked_hosts entry covers host: the same name, or for
 * ".example.com" the domain itself or any of its subdomains. */
bool jk_proxy_host_covered(const char *entry, const char *host);

/* Requests refused because their host is in blocked_hosts (counted apart
 * from refused_count and not in the refusal list). */
long jk_proxy_blocked_count(jk_proxy *p);
/* The distinct "host:port" the proxy connected to, first seen first (at most JK_PROXY_HOSTS_KEPT):
 * where the browser's traffic went. *out is a malloc'd array of malloc'd strings; free it with
 * jk_proxy_hosts_free. */
size_t jk_proxy_hosts(jk_proxy *p, char ***out);
void jk_proxy_hosts_free(char **hosts, size_t count);

/* Copies of the kept refusals and failures, oldest first (*out malloc'd;
 * free with jk_proxy_refusals_free). */
size_t jk_proxy_refusals(jk_proxy *p, jk_proxy_refusal **out);
void jk_proxy_refusals_free(jk_proxy_refusal *list, size_t count);

/* ---- the request head (exposed for the fuzz target and tests) ---- */

typedef struct jk_proxy_head {
    bool connect;    /* CONNECT host:port */
    char method[16]; /* GET, POST, … */
    char host[256];  /* lowercase; an IPv6 literal without brackets */
    unsigned port;   /* 1–65535 */
    char url[2048];  /* for logs: http://host:port/path or https://host:port */
    size_t head_len; /* bytes up to and with the blank line */
} jk_proxy_head;

/* Parse a request head (data holds at least the whole head). JK_EPARSE
 * for anything but "METHOD http://authority/… HTTP/1.x" or "CONNECT
 * host:port HTTP/1.x" with well-formed header lines; JK_ENOTFOUND when
 * the blank line is not there yet; JK_ELIMIT past JK_PROXY_HEAD_MAX. */
int jk_proxy_parse_head(const char *data, size_t len, jk_proxy_head *head, jk_error *err);

/* The request to send upstream for a plain HTTP head: the origin-form
 * request line, the headers without Proxy-* / Connection / Keep-Alive,
 * and "Connection: close" (every Proxy-* header is dropped). */
int jk_proxy_rewrite_head(const char *data, const jk_proxy_head *head, jk_buf *out, jk_error *err);

#endif
