/*
 * url.h — a WHATWG URL parser and serializer (https://url.spec.whatwg.org/,
 * "URL parsing" §4.4, "host parsing" §3.5, "URL serializing" §4.5).
 *
 * Owns: the basic URL parser's state machine (no state override: the
 * setters are not implemented), host parsing (domain to ASCII through
 * libidn2's UTS #46 non-transitional processing, IPv4 number forms, IPv6),
 * percent-encode sets and the href serialization. It must not touch the
 * network or any store; indicator extraction (extract.c) is its user.
 *
 * Input is UTF-8 bytes; invalid UTF-8 sequences are read as U+FFFD, as a
 * browser decoding the page would. Every public function is reentrant:
 * there is no shared state.
 */
#ifndef JK_URL_H
#define JK_URL_H

#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

/* A parsed URL record (§4.1). All strings are owned, NUL-terminated and
 * already serialized/percent-encoded; free the record with jk_url_free. */
typedef struct jk_url {
    char *href;       /* the URL serializer's output */
    char *scheme;     /* lower-case, without ':' */
    char *username;   /* "" when absent */
    char *password;   /* "" when absent */
    char *host;       /* serialized host ("[::1]", "1.2.3.4", "xn--..."); NULL = null host */
    int port;         /* -1 = null (absent or the scheme's default port) */
    char *path;       /* serialized path ("/a/b"; the opaque path itself when opaque_path) */
    int opaque_path;  /* 1 for "mailto:x", "javascript:..." style URLs */
    char *query;      /* without '?'; NULL = null query */
    char *fragment;   /* without '#'; NULL = null fragment */
} jk_url;

/* Parse input[0..len) against an optional base URL (NULL for none).
 * On success *out is a new record (free with jk_url_free). Returns
 * JK_EPARSE with a message naming the input when the standard says
 * "failure", JK_ELIMIT past JK_URL_MAX_INPUT bytes. */
#define JK_URL_MAX_INPUT (1u << 20)
int jk_url_parse(const char *input, size_t len, const jk_url *base, jk_url **out,
                 jk_error *err);
void jk_url_free(jk_url *url);

/* The URL API's attribute getters (§6.1) written into out (reset first):
 * "protocol", "username", "password", "host", "hostname", "port",
 * "pathname", "search", "hash", "href". Unknown name: JK_EINVAL. */
int jk_url_get(const jk_url *url, const char *attribute, jk_buf *out);

/* Is scheme (lower-case, no ':') one of the special schemes (§4.2)? */
int jk_url_scheme_is_special(const char *scheme, size_t len);

/* The host parser (§3.5) with isOpaque = !special: input is the raw host
 * text (percent-encoded allowed); on success out holds the serialized
 * host. JK_EPARSE on failure. */
int jk_url_host_parse(const char *input, size_t len, int special, jk_buf *out,
                      jk_error *err);

/* Domain to ASCII (§3.3) with beStrict = false: out receives the ASCII
 * (punycode) form, lower-cased. JK_EPARSE when UTS #46 or the forbidden
 * domain code point check rejects it. */
int jk_url_domain_to_ascii(const char *domain, size_t len, jk_buf *out, jk_error *err);

/* Parse an IPv4 address the way the host parser does ("0x7f.1" is
 * 127.0.0.1): returns 1 and the address (host order) when input is one,
 * 0 when it is not an IPv4 form, -1 when it ends in a number but is
 * invalid (the URL parser's failure). */
int jk_url_parse_ipv4(const char *input, size_t len, unsigned long *address);

/* Parse the inside of "[...]" as an IPv6 address (§3.5 IPv6 parser):
 * 0 and eight 16-bit pieces on success, JK_EPARSE otherwise. */
int jk_url_parse_ipv6(const char *input, size_t len, unsigned short pieces[8]);
/* The IPv6 serializer (§3.6), without brackets ("2001:db8::1"). */
int jk_url_serialize_ipv6(const unsigned short pieces[8], jk_buf *out);

#endif
