/*
 * intel_canon.c — list values to the canonical form extraction gives a
 * post's indicators (docs/indicators.md, "Types and canonical values"), so
 * a list entry and an indicator compare as plain strings. Uses the
 * extractor's own pieces: refanging (fold.c), the WHATWG URL parser and
 * host parser (url.c), and extraction itself for the contact-point types.
 * Must not touch: the store, printing.
 */
#include <stdio.h>
#include <string.h>

#include "extract.h"
#include "intel.h"
#include "url.h"

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* A value shown in a message: at most 120 bytes of it. */
#define SHOWN(len) ((int)((len) > 120 ? 120 : (len)))

static int put_ipv4(unsigned long a, jk_buf *out)
{
    jk_buf_reset(out);
    return jk_buf_printf(out, "%lu.%lu.%lu.%lu", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255,
                         a & 255);
}

/* An IP address (IPv4 in any form the URL standard reads, IPv6 with or
 * without brackets, a /32 or /128 suffix tolerated). Returns 1 and fills
 * out when s is one, 0 when it is not an address, JK_EPARSE for a range. */
static int canon_ip(const char *s, size_t n, const char **type, jk_buf *out, jk_error *err)
{
    const char *slash = memchr(s, '/', n);
    if (slash) {
        const char *bits = slash + 1;
        size_t bl = n - (size_t)(bits - s);
        int v6 = memchr(s, ':', n) != NULL;
        if (!((v6 && bl == 3 && !memcmp(bits, "128", 3)) || (!v6 && bl == 2 && !memcmp(bits, "32", 2))))
            return jk_error_set(err, JK_EPARSE, "\"%.*s\" is an address range; ranges are not matched",
                                SHOWN(n), s);
        n = (size_t)(slash - s);
    }
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        s++, n -= 2;
    if (memchr(s, ':', n)) {
        unsigned short pieces[8];
        if (jk_url_parse_ipv6(s, n, pieces) != JK_OK)
            return 0;
        jk_buf_reset(out);
        *type = "ipv6";
        return jk_url_serialize_ipv6(pieces, out) == JK_OK ? 1 : JK_ENOMEM;
    }
    unsigned long a;
    if (n == 0 || jk_url_parse_ipv4(s, n, &a) <= 0)
        return 0;
    *type = "ipv4";
    return put_ipv4(a, out) == JK_OK ? 1 : JK_ENOMEM;
}

/* A domain name: lower case, IDNA to punycode, no root dot; labels of
 * letters, digits, '-' and '_' (the extractor's alphabet). */
static int canon_domain(const char *s, size_t n, jk_buf *out, jk_error *err)
{
    if (n && s[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !(c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') ||
                          (lower(c) >= 'a' && lower(c) <= 'z')))
            return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a domain name", SHOWN(n), s);
    }
    if (n == 0 || !memchr(s, '.', n) || jk_url_domain_to_ascii(s, n, out, NULL) != JK_OK)
        return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a domain name", SHOWN(n), s);
    if (out->len && out->data[out->len - 1] == '.')
        out->data[--out->len] = '\0';
    size_t label = 0;
    for (size_t i = 0; i <= out->len; i++) {
        if (i == out->len || out->data[i] == '.') {
            size_t l = i - label;
            if (l == 0 || l > 63)
                return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a domain name", SHOWN(n), s);
            label = i + 1;
        }
    }
    return JK_OK;
}

static int canon_host(const char *s, size_t n, const char **type, jk_buf *out, jk_error *err)
{
    int ip = canon_ip(s, n, type, out, err);
    if (ip != 0)
        return ip < 0 ? ip : JK_OK;
    *type = "domain";
    return canon_domain(s, n, out, err);
}

static int canon_url(const char *s, size_t n, jk_buf *out, jk_error *err)
{
    jk_buf text;
    jk_buf_init(&text, 0);
    int has_scheme = 0;
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            has_scheme = 1;
            break;
        }
    /* a list URL without a scheme is read as the extractor reads one */
    if (!has_scheme)
        jk_buf_puts(&text, "http://");
    jk_buf_append(&text, s, n);
    jk_url *u = NULL;
    int rc = jk_url_parse(text.data, text.len, NULL, &u, NULL);
    if (rc == JK_ENOMEM)
        goto done;
    if (rc || !u->host || !u->host[0]) {
        rc = jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a URL with a host", SHOWN(n), s);
        goto done;
    }
    jk_buf_reset(out);
    rc = jk_buf_puts(out, u->href);
done:
    jk_url_free(u);
    jk_buf_release(&text);
    return rc;
}

static int canon_email(const char *s, size_t n, jk_buf *out, jk_error *err)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@')
            at = s + i;
    if (n >= 7 && !strncmp(s, "mailto:", 7))
        s += 7, n -= 7;
    if (!at || at == s || at - s > 64 || at + 1 >= s + n)
        return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not an e-mail address", SHOWN(n), s);
    for (const char *p = s; p < at; p++)
        if (is_space((unsigned char)*p) || *p == '<' || *p == '>' || *p == ',')
            return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not an e-mail address", SHOWN(n), s);
    jk_buf domain;
    jk_buf_init(&domain, 0);
    int rc = canon_domain(at + 1, (size_t)(s + n - at - 1), &domain, err);
    if (!rc) {
        jk_buf_reset(out);
        rc = jk_buf_append(out, s, (size_t)(at - s));
        rc = rc ? rc : jk_buf_putc(out, '@');
        rc = rc ? rc : jk_buf_append(out, domain.data, domain.len);
    }
    jk_buf_release(&domain);
    return rc;
}

static int canon_hash(const char *type, size_t want, const char *s, size_t n, jk_buf *out,
                      jk_error *err)
{
    if (n != want)
        return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a %s hash (%zu hex digits)", SHOWN(n),
                            s, type, want);
    jk_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (!is_hex((unsigned char)s[i]))
            return jk_error_set(err, JK_EPARSE, "\"%.*s\" is not a %s hash", SHOWN(n), s, type);
        jk_buf_putc(out, (char)lower((unsigned char)s[i]));
    }
    return JK_OK;
}

/* Contact points, wallets, bank accounts: whatever extraction finds of
 * that type in the value (with its context word before it, which IDs
 * need), so a list value and a post's indicator are one string. */
static int canon_by_extraction(jk_indicator_type t, const char *s, size_t n, jk_buf *out,
                               jk_error *err)
{
    static const char *const context[JK_IND_TYPE_COUNT] = {
        [JK_IND_LINE_ID] = "LINE: ",         [JK_IND_TELEGRAM] = "Telegram: ",
        [JK_IND_SIGNAL] = "Signal: ",        [JK_IND_THREEMA] = "Threema: ",
        [JK_IND_SESSION] = "Session: ",      [JK_IND_WICKR] = "Wickr: ",
        [JK_IND_X_HANDLE] = "X: ",           [JK_IND_INSTAGRAM_HANDLE] = "Instagram: ",
    };
    jk_buf text;
    jk_buf_init(&text, 0);
    jk_indicator_list found;
    jk_indicator_list_init(&found);
    int rc = JK_EPARSE;
    for (int attempt = 0; attempt < 2 && rc; attempt++) {
        if (attempt == 1 && !context[t])
            break;
        jk_buf_reset(&text);
        if (attempt == 1)
            jk_buf_puts(&text, context[t]);
        jk_buf_append(&text, s, n);
        jk_indicator_list_release(&found);
        if (jk_indicators_extract(text.data, text.len, &found, NULL) == JK_ENOMEM) {
            rc = JK_ENOMEM;
            break;
        }
        for (size_t i = 0; i < found.count; i++)
            if (found.items[i].type == t) {
                jk_buf_reset(out);
                rc = jk_buf_puts(out, found.items[i].value);
                break;
            }
    }
    if (rc == JK_EPARSE)
        jk_error_set(err, rc, "\"%.*s\" is not a %s", SHOWN(n), s, jk_indicator_type_name(t));
    jk_indicator_list_release(&found);
    jk_buf_release(&text);
    return rc;
}

int jk_intel_canonical(const char *type, const char *value, size_t len, const char **out_type,
                       jk_buf *out, jk_error *err)
{
    if (len > JK_INTEL_MAX_VALUE)
        return jk_error_set(err, JK_ELIMIT, "a value of %zu bytes is longer than the %u-byte limit",
                            len, JK_INTEL_MAX_VALUE);
    jk_buf plain;
    jk_buf_init(&plain, 0);
    int rc = jk_indicators_refang(value, len, &plain);
    if (rc)
        goto done;
    const char *s = plain.data;
    size_t n = plain.len;
    while (n && is_space((unsigned char)*s))
        s++, n--;
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0) {
        rc = jk_error_set(err, JK_EPARSE, "empty %s value", type);
        goto done;
    }
    if (memchr(s, '\0', n)) {
        rc = jk_error_set(err, JK_EPARSE, "a %s value holds a NUL byte", type);
        goto done;
    }
    *out_type = NULL;
    if (!strcmp(type, "url")) {
        *out_type = "url";
        rc = canon_url(s, n, out, err);
    } else if (!strcmp(type, "domain") || !strcmp(type, "hostname")) {
        rc = canon_host(s, n, out_type, out, err);
    } else if (!strcmp(type, "ip") || !strcmp(type, "ipv4") || !strcmp(type, "ipv6")) {
        rc = canon_ip(s, n, out_type, out, err);
        if (rc == 0)
            rc = jk_error_set(err, JK_EPARSE, "\"%.*s\" is not an IP address", SHOWN(n), s);
        else if (rc > 0)
            rc = JK_OK;
    } else if (!strcmp(type, "email")) {
        *out_type = "email";
        rc = canon_email(s, n, out, err);
    } else if (!strcmp(type, "md5")) {
        *out_type = "md5";
        rc = canon_hash(type, 32, s, n, out, err);
    } else if (!strcmp(type, "sha1")) {
        *out_type = "sha1";
        rc = canon_hash(type, 40, s, n, out, err);
    } else if (!strcmp(type, "sha256")) {
        *out_type = "sha256";
        rc = canon_hash(type, 64, s, n, out, err);
    } else {
        jk_indicator_type t;
        if (jk_indicator_type_from_name(type, &t) != JK_OK) {
            rc = jk_error_set(err, JK_ENOTFOUND, "unknown indicator type \"%s\"", type);
            goto done;
        }
        *out_type = jk_indicator_type_name(t);
        rc = canon_by_extraction(t, s, n, out, err);
    }
done:
    jk_buf_release(&plain);
    return rc;
}
