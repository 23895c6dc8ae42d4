/*
 * url.c — the WHATWG URL Standard's basic URL parser, host parser and
 * serializers (https://url.spec.whatwg.org/). See url.h.
 *
 * The state machine works on UTF-8 bytes rather than code points: every
 * byte that matters to a state transition is ASCII, and every non-ASCII
 * code point is percent-encoded byte by byte in all encode sets, so the
 * result is the same as the standard's code-point walk. The path is kept
 * serialized ("/a/b") while parsing; "remove the last item" cuts at the
 * last '/', which is safe because a segment never holds a literal '/'.
 *
 * Known divergence: UTS #46 is delegated to libidn2 label by label, and
 * libidn2 always applies CheckHyphens and DNS label length to non-ASCII
 * labels, which the standard turns off (tests/data/indicators/
 * url_known_failures.txt lists the cases).
 */
#include "url.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "alloc.h"
#include "utf8.h"

enum encode_set { SET_C0, SET_FRAGMENT, SET_QUERY, SET_SPECIAL_QUERY, SET_PATH, SET_USERINFO };

/* §1.3 percent-encode sets; each is a superset of the one before it except
 * that fragment and query branch off the C0 control set separately. */
static int in_encode_set(unsigned char c, enum encode_set set)
{
    if (c < 0x20 || c > 0x7E)
        return 1;
    switch (set) {
    case SET_C0:
        return 0;
    case SET_FRAGMENT:
        return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    case SET_USERINFO:
        if (c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || c == '[' ||
            c == '\\' || c == ']' || c == '|')
            return 1;
        /* fall through */
    case SET_PATH:
        if (c == '?' || c == '^' || c == '`' || c == '{' || c == '}')
            return 1;
        /* fall through */
    case SET_QUERY:
    case SET_SPECIAL_QUERY:
        if (set == SET_SPECIAL_QUERY && c == '\'')
            return 1;
        return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    }
    return 0;
}

static int put_encoded(jk_buf *b, unsigned char c, enum encode_set set)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!in_encode_set(c, set))
        return jk_buf_putc(b, (char)c);
    char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
    return jk_buf_append(b, esc, 3);
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int to_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Append s[0..len) with invalid UTF-8 replaced by U+FFFD. */
static int put_utf8_replacing(jk_buf *b, const unsigned char *s, size_t len)
{
    int rc = 0;
    for (size_t i = 0; i < len && !rc;) {
        int32_t cp;
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            rc = jk_buf_append(b, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            rc = jk_buf_append(b, s + i, n);
            i += n;
        }
    }
    return rc;
}

int jk_url_scheme_is_special(const char *s, size_t n)
{
    return (n == 3 && !memcmp(s, "ftp", 3)) || (n == 4 && !memcmp(s, "file", 4)) ||
           (n == 4 && !memcmp(s, "http", 4)) || (n == 5 && !memcmp(s, "https", 5)) ||
           (n == 2 && !memcmp(s, "ws", 2)) || (n == 3 && !memcmp(s, "wss", 3));
}

static int default_port(const char *s, size_t n)
{
    if ((n == 4 && !memcmp(s, "http", 4)) || (n == 2 && !memcmp(s, "ws", 2)))
        return 80;
    if ((n == 5 && !memcmp(s, "https", 5)) || (n == 3 && !memcmp(s, "wss", 3)))
        return 443;
    if (n == 3 && !memcmp(s, "ftp", 3))
        return 21;
    return -1;
}

/* ---------------------------------------------------------------- IPv4 */

/* §3.5 IPv4 number parser. Values saturate above 2^32 (every caller only
 * compares against bounds at or below 2^32). Returns 0 or -1 on failure. */
static int ipv4_number(const char *s, size_t n, uint64_t *value)
{
    if (n == 0)
        return -1;
    unsigned radix = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2, n -= 2, radix = 16;
    } else if (n >= 2 && s[0] == '0') {
        s += 1, n -= 1, radix = 8;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_value((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= radix)
            return -1;
        v = v * radix + (unsigned)d;
        if (v > (UINT64_C(1) << 33))
            v = UINT64_C(1) << 33;
    }
    *value = v;
    return 0;
}

/* §3.5 "ends in a number". */
static int ends_in_number(const char *s, size_t n)
{
    if (n == 0)
        return 0; /* one part only, and it is empty */
    if (s[n - 1] == '.')
        n--;      /* a trailing empty part is dropped */
    size_t start = n;
    while (start > 0 && s[start - 1] != '.')
        start--;
    const char *last = s + start;
    size_t last_len = n - start;
    if (last_len == 0)
        return 0;
    size_t i = 0;
    while (i < last_len && is_digit((unsigned char)last[i]))
        i++;
    if (i == last_len)
        return 1;
    uint64_t v;
    return ipv4_number(last, last_len, &v) == 0;
}

int jk_url_parse_ipv4(const char *s, size_t n, unsigned long *address)
{
    if (!ends_in_number(s, n))
        return 0;
    if (n && s[n - 1] == '.')
        n--; /* a trailing empty part is dropped (validation error only) */
    uint64_t numbers[4];
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (count == 4)
            return -1;
        if (ipv4_number(s + start, i - start, &numbers[count]) != 0)
            return -1;
        count++;
        start = i + 1;
    }
    for (size_t i = 0; i + 1 < count; i++)
        if (numbers[i] > 255)
            return -1;
    if (numbers[count - 1] >= (UINT64_C(1) << (8 * (5 - count))))
        return -1;
    uint64_t v = numbers[count - 1];
    for (size_t i = 0; i + 1 < count; i++)
        v += numbers[i] << (8 * (3 - i));
    *address = (unsigned long)v;
    return 1;
}

static int serialize_ipv4(unsigned long a, jk_buf *out)
{
    return jk_buf_printf(out, "%lu.%lu.%lu.%lu", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255,
                         a & 255);
}

/* ---------------------------------------------------------------- IPv6 */

int jk_url_parse_ipv6(const char *in, size_t n, unsigned short address[8])
{
    const unsigned char *s = (const unsigned char *)in;
    size_t p = 0;
    int piece = 0, compress = -1;
#define C(i) ((i) < n ? (int)s[i] : -1)
    memset(address, 0, 8 * sizeof address[0]);
    if (C(p) == ':') {
        if (C(p + 1) != ':')
            return JK_EPARSE;
        p += 2;
        piece++;
        compress = piece;
    }
    while (C(p) != -1) {
        if (piece == 8)
            return JK_EPARSE;
        if (C(p) == ':') {
            if (compress != -1)
                return JK_EPARSE;
            p++;
            piece++;
            compress = piece;
            continue;
        }
        unsigned value = 0;
        int length = 0;
        while (length < 4 && C(p) != -1 && hex_value(C(p)) >= 0) {
            value = value * 16 + (unsigned)hex_value(C(p));
            p++;
            length++;
        }
        if (C(p) == '.') {
            if (length == 0)
                return JK_EPARSE;
            p -= (size_t)length;
            if (piece > 6)
                return JK_EPARSE;
            int seen = 0;
            while (C(p) != -1) {
                int v4 = -1;
                if (seen > 0) {
                    if (C(p) == '.' && seen < 4)
                        p++;
                    else
                        return JK_EPARSE;
                }
                if (!is_digit(C(p)))
                    return JK_EPARSE;
                while (is_digit(C(p))) {
                    int d = C(p) - '0';
                    if (v4 == -1)
                        v4 = d;
                    else if (v4 == 0)
                        return JK_EPARSE;
                    else
                        v4 = v4 * 10 + d;
                    if (v4 > 255)
                        return JK_EPARSE;
                    p++;
                }
                address[piece] = (unsigned short)(address[piece] * 0x100 + v4);
                seen++;
                if (seen == 2 || seen == 4)
                    piece++;
            }
            if (seen != 4)
                return JK_EPARSE;
            break;
        } else if (C(p) == ':') {
            p++;
            if (C(p) == -1)
                return JK_EPARSE;
        } else if (C(p) != -1) {
            return JK_EPARSE;
        }
        address[piece] = (unsigned short)value;
        piece++;
    }
#undef C
    if (compress != -1) {
        int swaps = piece - compress;
        piece = 7;
        while (piece != 0 && swaps > 0) {
            unsigned short t = address[piece];
            address[piece] = address[compress + swaps - 1];
            address[compress + swaps - 1] = t;
            piece--;
            swaps--;
        }
    } else if (piece != 8) {
        return JK_EPARSE;
    }
    return JK_OK;
}

int jk_url_serialize_ipv6(const unsigned short a[8], jk_buf *out)
{
    /* §3.6: compress the first longest run of two or more zero pieces */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (a[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && a[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    int rc = 0, ignore0 = 0;
    for (int i = 0; i < 8 && !rc; i++) {
        if (ignore0 && a[i] == 0)
            continue;
        ignore0 = 0;
        if (i == best) {
            rc = jk_buf_puts(out, i == 0 ? "::" : ":");
            ignore0 = 1;
            continue;
        }
        rc = jk_buf_printf(out, "%x", a[i]);
        if (!rc && i != 7)
            rc = jk_buf_putc(out, ':');
    }
    return rc;
}

/* ---------------------------------------------------------------- hosts */

/* §3.2 forbidden host / domain code points (ASCII only, by definition). */
static int forbidden_host(unsigned char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == '#' || c == '/' ||
           c == ':' || c == '<' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
           c == ']' || c == '^' || c == '|';
}
static int forbidden_domain(unsigned char c)
{
    return forbidden_host(c) || c <= 0x1F || c == '%' || c == 0x7F;
}

/* Length of a UTS #46 label separator at s (full stop and the three
 * characters IDNA maps to it), or 0. */
static size_t label_separator(const unsigned char *s, size_t avail)
{
    if (s[0] == '.')
        return 1;
    if (avail >= 3 && ((s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x82) ||   /* U+3002 */
                       (s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8E) ||   /* U+FF0E */
                       (s[0] == 0xEF && s[1] == 0xBD && s[2] == 0xA1)))    /* U+FF61 */
        return 3;
    return 0;
}

static int starts_xn(const unsigned char *s, size_t n)
{
    return n >= 4 && to_lower(s[0]) == 'x' && to_lower(s[1]) == 'n' && s[2] == '-' && s[3] == '-';
}

/* libidn2 flags for one label. UTS #46 non-transitional processing is
 * what the standard asks for, but libidn2 then also applies IDNA2008's
 * stricter per-label tests (U+2603 SNOWMAN is "disallowed" there while
 * UTS #46 keeps it valid). Its transitional mode skips those tests, and
 * transitional and non-transitional processing differ only on the four
 * deviation characters (U+00DF, U+03C2, U+200C, U+200D) plus U+1E9E,
 * which maps to U+00DF. So a label without them gets the transitional
 * flag, which here yields exactly the non-transitional result; one with
 * them gets the non-transitional flag and IDNA2008's tests. */
static int idna_flags(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if ((s[i] == 0xC3 && s[i + 1] == 0x9F) || (s[i] == 0xCF && s[i + 1] == 0x82))
            return IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT;
        if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0x8C || s[i + 2] == 0x8D))
            return IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT;
        if (i + 2 < n && s[i] == 0xE1 && s[i + 1] == 0xBA && s[i + 2] == 0x9E)
            return IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT;
    }
    return IDN2_TRANSITIONAL | IDN2_NFC_INPUT;
}

/* RFC 5893 §2 Bidi Rule for one U-label (UTS #46 CheckBidi). libidn2's
 * transitional mode skips it, so it is applied here with utf8proc's
 * bidi classes. Returns 1 when the label passes. */
static int bidi_label_ok(const unsigned char *s, size_t n)
{
    int first = -1, last_strong = -1, has_en = 0, has_an = 0, rtl = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t k = jk_utf8_decode(s + i, n - i, &cp);
        if (k == 0)
            return 0;
        i += k;
        int bc = utf8proc_get_property(cp)->bidi_class;
        if (first == -1) {
            first = bc;
            if (bc == UTF8PROC_BIDI_CLASS_R || bc == UTF8PROC_BIDI_CLASS_AL)
                rtl = 1;
            else if (bc != UTF8PROC_BIDI_CLASS_L)
                return 0; /* rule 1 */
        }
        switch (bc) {
        case UTF8PROC_BIDI_CLASS_L:
            if (rtl)
                return 0; /* rule 2 */
            break;
        case UTF8PROC_BIDI_CLASS_R:
        case UTF8PROC_BIDI_CLASS_AL:
            if (!rtl)
                return 0; /* rule 5 */
            break;
        case UTF8PROC_BIDI_CLASS_AN:
            if (!rtl)
                return 0;
            has_an = 1;
            break;
        case UTF8PROC_BIDI_CLASS_EN:
            has_en = 1;
            break;
        case UTF8PROC_BIDI_CLASS_ES:
        case UTF8PROC_BIDI_CLASS_CS:
        case UTF8PROC_BIDI_CLASS_ET:
        case UTF8PROC_BIDI_CLASS_ON:
        case UTF8PROC_BIDI_CLASS_BN:
        case UTF8PROC_BIDI_CLASS_NSM:
            break;
        default:
            return 0;
        }
        if (bc != UTF8PROC_BIDI_CLASS_NSM)
            last_strong = bc;
    }
    if (first == -1)
        return 1; /* empty label */
    if (rtl) {
        if (has_en && has_an)
            return 0; /* rule 4 */
        return last_strong == UTF8PROC_BIDI_CLASS_R || last_strong == UTF8PROC_BIDI_CLASS_AL ||
               last_strong == UTF8PROC_BIDI_CLASS_EN || last_strong == UTF8PROC_BIDI_CLASS_AN; /* rule 3 */
    }
    return last_strong == UTF8PROC_BIDI_CLASS_L || last_strong == UTF8PROC_BIDI_CLASS_EN; /* rule 6 */
}

/* UTS #46 §4.1 step 4: when the domain is a Bidi domain name (some label
 * holds R, AL or AN), every label must satisfy the Bidi Rule. Labels are
 * decoded one by one: libidn2 refuses whole domains with long labels. */
static int bidi_domain_ok(const char *ascii)
{
    jk_buf u;
    jk_buf_init(&u, 0);
    int ok = 1;
    for (const char *l = ascii; ok;) {
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        char *label = jk_strndup(l, n), *unicode = NULL;
        if (starts_xn((const unsigned char *)label, n) &&
            idn2_to_unicode_8z8z(label, &unicode, 0) == IDN2_OK) {
            ok = jk_buf_puts(&u, unicode) == 0;
            idn2_free(unicode);
        } else {
            ok = jk_buf_puts(&u, label) == 0;
        }
        free(label);
        if (ok && dot)
            ok = jk_buf_putc(&u, '.') == 0;
        if (!dot)
            break;
        l = dot + 1;
    }
    const unsigned char *us = (const unsigned char *)(u.data ? u.data : "");
    int is_bidi = 0;
    for (size_t i = 0; ok && i < u.len && !is_bidi;) {
        int32_t cp;
        size_t k = jk_utf8_decode(us + i, u.len - i, &cp);
        if (k == 0)
            break;
        int bc = utf8proc_get_property(cp)->bidi_class;
        is_bidi = bc == UTF8PROC_BIDI_CLASS_R || bc == UTF8PROC_BIDI_CLASS_AL ||
                  bc == UTF8PROC_BIDI_CLASS_AN;
        i += k;
    }
    for (size_t start = 0; is_bidi && ok && start <= u.len;) {
        const char *dot = memchr(us + start, '.', u.len - start);
        size_t end = dot ? (size_t)(dot - (const char *)us) : u.len;
        ok = bidi_label_ok(us + start, end - start);
        start = end + 1;
    }
    jk_buf_release(&u);
    return ok;
}

int jk_url_domain_to_ascii(const char *domain, size_t len, jk_buf *out, jk_error *err)
{
    const unsigned char *s = (const unsigned char *)domain;
    jk_buf_reset(out);
    int rc = 0, all_ascii = 1;
    for (size_t k = 0; k < len; k++)
        if (s[k] >= 0x80)
            all_ascii = 0;
    char *label = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= len && !rc;) {
        size_t sep = i < len ? label_separator(s + i, len - i) : 0;
        if (i < len && !sep) {
            i++;
            continue;
        }
        const unsigned char *l = s + start;
        size_t n = i - start;
        int ascii = 1;
        for (size_t k = 0; k < n; k++)
            if (l[k] >= 0x80)
                ascii = 0;
        if (all_ascii || (ascii && !starts_xn(l, n))) {
            /* The standard's fast path: an ASCII domain is lower-cased and
             * not validated (even "xn--" labels with invalid Punycode); in
             * a non-ASCII domain, so is each ASCII label not an A-label. */
            for (size_t k = 0; k < n && !rc; k++)
                rc = jk_buf_putc(out, (char)to_lower(l[k]));
        } else {
            label = jk_strndup((const char *)l, n);
            char *ascii_label = NULL;
            int irc = idn2_to_ascii_8z(label, &ascii_label, idna_flags(l, n));
            if (irc != IDN2_OK) {
                rc = jk_error_set(err, JK_EPARSE, "domain label \"%.*s\": %s", (int)(n > 200 ? 200 : n),
                                  label, idn2_strerror(irc));
                break;
            }
            rc = jk_buf_puts(out, ascii_label);
            idn2_free(ascii_label);
            free(label);
            label = NULL;
        }
        if (!rc && i < len)
            rc = jk_buf_putc(out, '.');
        i += sep ? sep : 1;
        start = i;
    }
    free(label);
    if (rc)
        return rc == JK_EPARSE ? rc : jk_error_set(err, rc, "domain: %s", jk_strerror(rc));
    if (out->len == 0)
        return jk_error_set(err, JK_EPARSE, "empty domain");
    for (size_t k = 0; k < out->len; k++)
        if (forbidden_domain((unsigned char)out->data[k]))
            return jk_error_set(err, JK_EPARSE, "domain \"%.*s\" has forbidden code point 0x%02X",
                                (int)(out->len > 200 ? 200 : out->len), out->data,
                                (unsigned char)out->data[k]);
    if (!all_ascii && !bidi_domain_ok(out->data))
        return jk_error_set(err, JK_EPARSE, "domain \"%.*s\" breaks the Bidi Rule (RFC 5893)",
                            (int)(out->len > 200 ? 200 : out->len), out->data);
    return JK_OK;
}

int jk_url_host_parse(const char *input, size_t len, int special, jk_buf *out, jk_error *err)
{
    jk_buf_reset(out);
    if (len && input[0] == '[') {
        unsigned short a[8];
        if (input[len - 1] != ']' || jk_url_parse_ipv6(input + 1, len - 2, a) != JK_OK)
            return jk_error_set(err, JK_EPARSE, "invalid IPv6 address \"%.*s\"",
                                (int)(len > 200 ? 200 : len), input);
        int rc = jk_buf_putc(out, '[');
        if (!rc)
            rc = jk_url_serialize_ipv6(a, out);
        if (!rc)
            rc = jk_buf_putc(out, ']');
        return rc;
    }
    if (!special) {
        /* §3.5 opaque-host parser */
        for (size_t i = 0; i < len; i++)
            if (forbidden_host((unsigned char)input[i]))
                return jk_error_set(err, JK_EPARSE, "forbidden code point in host \"%.*s\"",
                                    (int)(len > 200 ? 200 : len), input);
        int rc = 0;
        for (size_t i = 0; i < len && !rc; i++)
            rc = put_encoded(out, (unsigned char)input[i], SET_C0);
        return rc;
    }
    if (len == 0)
        return jk_error_set(err, JK_EPARSE, "empty host");
    /* percent-decode, then UTF-8 decode without BOM (invalid → U+FFFD) */
    jk_buf decoded, utf8;
    jk_buf_init(&decoded, 0);
    jk_buf_init(&utf8, 0);
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)input[i];
        if (c == '%' && i + 2 < len + 0 && hex_value((unsigned char)input[i + 1]) >= 0 &&
            hex_value((unsigned char)input[i + 2]) >= 0) {
            c = (unsigned char)(hex_value((unsigned char)input[i + 1]) * 16 +
                                hex_value((unsigned char)input[i + 2]));
            i += 2;
        }
        rc = jk_buf_putc(&decoded, (char)c);
    }
    if (!rc)
        rc = put_utf8_replacing(&utf8, (const unsigned char *)decoded.data, decoded.len);
    if (!rc)
        rc = jk_url_domain_to_ascii(utf8.data ? utf8.data : "", utf8.len, out, err);
    if (!rc) {
        unsigned long a;
        int v4 = jk_url_parse_ipv4(out->data, out->len, &a);
        if (v4 < 0) {
            rc = jk_error_set(err, JK_EPARSE, "invalid IPv4 address \"%.*s\"",
                              (int)(out->len > 200 ? 200 : out->len), out->data);
        } else if (v4 > 0) {
            jk_buf_reset(out);
            rc = serialize_ipv4(a, out);
        }
    }
    jk_buf_release(&decoded);
    jk_buf_release(&utf8);
    return rc;
}

/* ---------------------------------------------------------------- parser */

typedef struct record {
    jk_buf scheme, username, password, host, path, query, fragment;
    int has_host, has_query, has_fragment, opaque, port;
} record;

static void record_init(record *r)
{
    jk_buf_init(&r->scheme, 0);
    jk_buf_init(&r->username, 0);
    jk_buf_init(&r->password, 0);
    jk_buf_init(&r->host, 0);
    jk_buf_init(&r->path, 0);
    jk_buf_init(&r->query, 0);
    jk_buf_init(&r->fragment, 0);
    r->has_host = r->has_query = r->has_fragment = r->opaque = 0;
    r->port = -1;
}

static void record_release(record *r)
{
    jk_buf_release(&r->scheme);
    jk_buf_release(&r->username);
    jk_buf_release(&r->password);
    jk_buf_release(&r->host);
    jk_buf_release(&r->path);
    jk_buf_release(&r->query);
    jk_buf_release(&r->fragment);
}

static int set_str(jk_buf *b, const char *s)
{
    jk_buf_reset(b);
    return jk_buf_puts(b, s ? s : "");
}

static int is_windows_drive(const char *s, size_t n) /* "c:" or "c|" */
{
    return n == 2 && is_alpha((unsigned char)s[0]) && (s[1] == ':' || s[1] == '|');
}
static int is_normalized_windows_drive(const char *s, size_t n)
{
    return n == 2 && is_alpha((unsigned char)s[0]) && s[1] == ':';
}
/* §4.2 "starts with a Windows drive letter" */
static int starts_with_windows_drive(const char *s, size_t n)
{
    if (n < 2 || !is_windows_drive(s, 2))
        return 0;
    return n == 2 || s[2] == '/' || s[2] == '\\' || s[2] == '?' || s[2] == '#';
}

static size_t path_count(const jk_buf *p)
{
    size_t c = 0;
    for (size_t i = 0; i < p->len; i++)
        c += p->data[i] == '/';
    return c;
}

/* First segment of a serialized non-opaque path. */
static void path_first(const jk_buf *p, const char **s, size_t *n)
{
    *s = p->len ? p->data + 1 : "";
    const char *e = p->len ? memchr(p->data + 1, '/', p->len - 1) : NULL;
    *n = p->len ? (e ? (size_t)(e - (p->data + 1)) : p->len - 1) : 0;
}

/* §4.1 shorten a URL's path */
static void path_shorten(record *r)
{
    if (r->scheme.len == 4 && !memcmp(r->scheme.data, "file", 4) && path_count(&r->path) == 1) {
        const char *s;
        size_t n;
        path_first(&r->path, &s, &n);
        if (is_normalized_windows_drive(s, n))
            return;
    }
    if (r->path.len == 0)
        return;
    size_t i = r->path.len;
    while (i > 0 && r->path.data[i - 1] != '/')
        i--;
    r->path.len = i - 1;
    r->path.data[r->path.len] = '\0';
}

static int path_append(record *r, const char *s, size_t n)
{
    int rc = jk_buf_putc(&r->path, '/');
    return rc ? rc : jk_buf_append(&r->path, s, n);
}

static int ascii_ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (to_lower((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}
static int is_single_dot(const char *s, size_t n)
{
    return ascii_ieq(s, n, ".") || ascii_ieq(s, n, "%2e");
}
static int is_double_dot(const char *s, size_t n)
{
    return ascii_ieq(s, n, "..") || ascii_ieq(s, n, ".%2e") || ascii_ieq(s, n, "%2e.") ||
           ascii_ieq(s, n, "%2e%2e");
}

static int copy_from_base(record *r, const jk_url *base, int host, int path, int query)
{
    int rc = 0;
    if (host) {
        rc = set_str(&r->username, base->username);
        if (!rc)
            rc = set_str(&r->password, base->password);
        r->has_host = base->host != NULL;
        if (!rc)
            rc = set_str(&r->host, base->host);
        r->port = base->port;
    }
    if (!rc && path) {
        rc = set_str(&r->path, base->path);
        r->opaque = base->opaque_path;
    }
    if (!rc && query) {
        r->has_query = base->query != NULL;
        rc = set_str(&r->query, base->query);
    }
    return rc;
}

enum state {
    S_SCHEME_START, S_SCHEME, S_NO_SCHEME, S_SPECIAL_RELATIVE_OR_AUTHORITY, S_PATH_OR_AUTHORITY,
    S_RELATIVE, S_RELATIVE_SLASH, S_SPECIAL_AUTHORITY_SLASHES, S_SPECIAL_AUTHORITY_IGNORE_SLASHES,
    S_AUTHORITY, S_HOST, S_PORT, S_FILE, S_FILE_SLASH, S_FILE_HOST, S_PATH_START, S_PATH,
    S_OPAQUE_PATH, S_QUERY, S_FRAGMENT
};

static char *take(jk_buf *b)
{
    char *s = b->data ? b->data : jk_strdup("");
    jk_buf_init(b, 0);
    return s;
}

static int serialize(const record *r, jk_buf *out)
{
    int rc = jk_buf_append(out, r->scheme.data, r->scheme.len);
    rc = rc ? rc : jk_buf_putc(out, ':');
    if (!rc && r->has_host) {
        rc = jk_buf_puts(out, "//");
        if (!rc && (r->username.len || r->password.len)) {
            rc = jk_buf_append(out, r->username.data, r->username.len);
            if (!rc && r->password.len) {
                rc = jk_buf_putc(out, ':');
                rc = rc ? rc : jk_buf_append(out, r->password.data, r->password.len);
            }
            rc = rc ? rc : jk_buf_putc(out, '@');
        }
        rc = rc ? rc : jk_buf_append(out, r->host.data, r->host.len);
        if (!rc && r->port >= 0)
            rc = jk_buf_printf(out, ":%d", r->port);
    }
    if (!rc && !r->has_host && !r->opaque && r->path.len >= 2 && r->path.data[1] == '/')
        rc = jk_buf_puts(out, "/.");
    rc = rc ? rc : jk_buf_append(out, r->path.data, r->path.len);
    if (!rc && r->has_query) {
        rc = jk_buf_putc(out, '?');
        rc = rc ? rc : jk_buf_append(out, r->query.data, r->query.len);
    }
    if (!rc && r->has_fragment) {
        rc = jk_buf_putc(out, '#');
        rc = rc ? rc : jk_buf_append(out, r->fragment.data, r->fragment.len);
    }
    return rc;
}

#define FAIL(...)                                                                            \
    do {                                                                                     \
        rc = jk_error_set(err, JK_EPARSE, __VA_ARGS__);                                      \
        goto done;                                                                           \
    } while (0)
#define TRY(x)                                                                               \
    do {                                                                                     \
        if ((rc = (x)) != 0)                                                                 \
            goto done;                                                                       \
    } while (0)

int jk_url_parse(const char *input, size_t len, const jk_url *base, jk_url **out, jk_error *err)
{
    *out = NULL;
    if (len > JK_URL_MAX_INPUT)
        return jk_error_set(err, JK_ELIMIT, "URL of %zu bytes exceeds the %u-byte limit", len,
                            JK_URL_MAX_INPUT);
    record r;
    record_init(&r);
    jk_buf in, buffer, host;
    jk_buf_init(&in, 0);
    jk_buf_init(&buffer, 0);
    jk_buf_init(&host, 0);
    int rc = 0;
    int shown = (int)(len > 200 ? 200 : len); /* bytes of input quoted in messages */

    /* Strip leading and trailing C0 control or space, remove all tab and
     * newline (§4.4 basic URL parser, steps 1-3). */
    const unsigned char *s = (const unsigned char *)input;
    size_t a = 0, b = len;
    while (a < b && s[a] <= 0x20)
        a++;
    while (b > a && s[b - 1] <= 0x20)
        b--;
    for (size_t i = a; i < b && !rc;) {
        if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < b && s[j] != '\t' && s[j] != '\n' && s[j] != '\r')
            j++;
        rc = put_utf8_replacing(&in, s + i, j - i);
        i = j;
    }
    if (rc)
        goto done;
    const char *c_in = in.data ? in.data : "";
    long n = (long)in.len;
    enum state state = S_SCHEME_START;
    int at_sign_seen = 0, inside_brackets = 0, password_token_seen = 0, special = 0;
    long p = 0;

#define REMAINING_STARTS(ch) (p + 1 < n && c_in[p + 1] == (ch))
    for (;;) {
        int c = p < n ? (unsigned char)c_in[p] : -1;
        switch (state) {
        case S_SCHEME_START:
            if (c != -1 && is_alpha(c)) {
                TRY(jk_buf_putc(&buffer, (char)to_lower(c)));
                state = S_SCHEME;
            } else {
                state = S_NO_SCHEME;
                p--;
            }
            break;
        case S_SCHEME:
            if (c != -1 && (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) {
                TRY(jk_buf_putc(&buffer, (char)to_lower(c)));
            } else if (c == ':') {
                TRY(jk_buf_append(&r.scheme, buffer.data, buffer.len));
                jk_buf_reset(&buffer);
                special = jk_url_scheme_is_special(r.scheme.data, r.scheme.len);
                if (r.scheme.len == 4 && !memcmp(r.scheme.data, "file", 4)) {
                    state = S_FILE;
                } else if (special && base && !strcmp(base->scheme, r.scheme.data)) {
                    state = S_SPECIAL_RELATIVE_OR_AUTHORITY;
                } else if (special) {
                    state = S_SPECIAL_AUTHORITY_SLASHES;
                } else if (REMAINING_STARTS('/')) {
                    state = S_PATH_OR_AUTHORITY;
                    p++;
                } else {
                    r.opaque = 1;
                    state = S_OPAQUE_PATH;
                }
            } else {
                jk_buf_reset(&buffer);
                state = S_NO_SCHEME;
                p = -1;
            }
            break;
        case S_NO_SCHEME:
            if (!base || (base->opaque_path && c != '#'))
                FAIL("\"%.*s\" is a relative URL without a usable base", shown, input);
            if (base->opaque_path && c == '#') {
                TRY(set_str(&r.scheme, base->scheme));
                TRY(copy_from_base(&r, base, 0, 1, 1));
                r.has_fragment = 1;
                state = S_FRAGMENT;
            } else if (strcmp(base->scheme, "file") != 0) {
                state = S_RELATIVE;
                p--;
            } else {
                state = S_FILE;
                p--;
            }
            break;
        case S_SPECIAL_RELATIVE_OR_AUTHORITY:
            if (c == '/' && REMAINING_STARTS('/')) {
                state = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
                p++;
            } else {
                state = S_RELATIVE;
                p--;
            }
            break;
        case S_PATH_OR_AUTHORITY:
            if (c == '/') {
                state = S_AUTHORITY;
            } else {
                state = S_PATH;
                p--;
            }
            break;
        case S_RELATIVE:
            TRY(set_str(&r.scheme, base->scheme));
            special = jk_url_scheme_is_special(r.scheme.data, r.scheme.len);
            if (c == '/' || (special && c == '\\')) {
                state = S_RELATIVE_SLASH;
            } else {
                TRY(copy_from_base(&r, base, 1, 1, 1));
                if (c == '?') {
                    jk_buf_reset(&r.query);
                    r.has_query = 1;
                    state = S_QUERY;
                } else if (c == '#') {
                    r.has_fragment = 1;
                    state = S_FRAGMENT;
                } else if (c != -1) {
                    r.has_query = 0;
                    jk_buf_reset(&r.query);
                    path_shorten(&r);
                    state = S_PATH;
                    p--;
                }
            }
            break;
        case S_RELATIVE_SLASH:
            if (special && (c == '/' || c == '\\')) {
                state = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
            } else if (c == '/') {
                state = S_AUTHORITY;
            } else {
                TRY(copy_from_base(&r, base, 1, 0, 0));
                state = S_PATH;
                p--;
            }
            break;
        case S_SPECIAL_AUTHORITY_SLASHES:
            if (c == '/' && REMAINING_STARTS('/')) {
                state = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
                p++;
            } else {
                state = S_SPECIAL_AUTHORITY_IGNORE_SLASHES;
                p--;
            }
            break;
        case S_SPECIAL_AUTHORITY_IGNORE_SLASHES:
            if (c != '/' && c != '\\') {
                state = S_AUTHORITY;
                p--;
            }
            break;
        case S_AUTHORITY:
            if (c == '@') {
                if (at_sign_seen) {
                    /* prepend "%40": earlier '@' were part of the userinfo */
                    jk_buf tmp;
                    jk_buf_init(&tmp, 0);
                    rc = jk_buf_puts(&tmp, "%40");
                    if (!rc)
                        rc = jk_buf_append(&tmp, buffer.data, buffer.len);
                    jk_buf_release(&buffer);
                    buffer = tmp;
                    if (rc)
                        goto done;
                }
                at_sign_seen = 1;
                for (size_t i = 0; i < buffer.len; i++) {
                    unsigned char ch = (unsigned char)buffer.data[i];
                    if (ch == ':' && !password_token_seen) {
                        password_token_seen = 1;
                        continue;
                    }
                    TRY(put_encoded(password_token_seen ? &r.password : &r.username, ch,
                                    SET_USERINFO));
                }
                jk_buf_reset(&buffer);
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (special && c == '\\')) {
                if (at_sign_seen && buffer.len == 0)
                    FAIL("\"%.*s\": credentials without a host", shown, input);
                p -= (long)buffer.len + 1;
                jk_buf_reset(&buffer);
                state = S_HOST;
            } else {
                TRY(jk_buf_putc(&buffer, (char)c));
            }
            break;
        case S_HOST:
            if (c == ':' && !inside_brackets) {
                if (buffer.len == 0)
                    FAIL("\"%.*s\": empty host before ':'", shown, input);
                if ((rc = jk_url_host_parse(buffer.data, buffer.len, special, &host, err)) != 0)
                    goto done;
                TRY(set_str(&r.host, host.data));
                r.has_host = 1;
                jk_buf_reset(&buffer);
                state = S_PORT;
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (special && c == '\\')) {
                p--;
                if (special && buffer.len == 0)
                    FAIL("\"%.*s\": a %s URL needs a host", shown, input, r.scheme.data);
                if ((rc = jk_url_host_parse(buffer.data ? buffer.data : "", buffer.len, special,
                                            &host, err)) != 0)
                    goto done;
                TRY(set_str(&r.host, host.data));
                r.has_host = 1;
                jk_buf_reset(&buffer);
                state = S_PATH_START;
            } else {
                if (c == '[')
                    inside_brackets = 1;
                if (c == ']')
                    inside_brackets = 0;
                TRY(jk_buf_putc(&buffer, (char)c));
            }
            break;
        case S_PORT:
            if (c != -1 && is_digit(c)) {
                TRY(jk_buf_putc(&buffer, (char)c));
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (special && c == '\\')) {
                if (buffer.len) {
                    long port = 0;
                    for (size_t i = 0; i < buffer.len && port <= 65535; i++)
                        port = port * 10 + (buffer.data[i] - '0');
                    if (port > 65535)
                        FAIL("\"%.*s\": port out of range", shown, input);
                    r.port = (int)port == default_port(r.scheme.data, r.scheme.len) ? -1 : (int)port;
                    jk_buf_reset(&buffer);
                }
                state = S_PATH_START;
                p--;
            } else {
                FAIL("\"%.*s\": invalid port", shown, input);
            }
            break;
        case S_FILE:
            TRY(set_str(&r.scheme, "file"));
            special = 1;
            TRY(set_str(&r.host, ""));
            r.has_host = 1;
            if (c == '/' || c == '\\') {
                state = S_FILE_SLASH;
            } else if (base && !strcmp(base->scheme, "file")) {
                r.has_host = base->host != NULL;
                TRY(set_str(&r.host, base->host));
                TRY(copy_from_base(&r, base, 0, 1, 1));
                if (c == '?') {
                    jk_buf_reset(&r.query);
                    r.has_query = 1;
                    state = S_QUERY;
                } else if (c == '#') {
                    r.has_fragment = 1;
                    state = S_FRAGMENT;
                } else if (c != -1) {
                    r.has_query = 0;
                    jk_buf_reset(&r.query);
                    if (!starts_with_windows_drive(c_in + p, (size_t)(n - p)))
                        path_shorten(&r);
                    else
                        jk_buf_reset(&r.path);
                    state = S_PATH;
                    p--;
                }
            } else {
                state = S_PATH;
                p--;
            }
            break;
        case S_FILE_SLASH:
            if (c == '/' || c == '\\') {
                state = S_FILE_HOST;
            } else {
                if (base && !strcmp(base->scheme, "file")) {
                    r.has_host = base->host != NULL;
                    TRY(set_str(&r.host, base->host));
                    if (!starts_with_windows_drive(c_in + p, (size_t)(n - p))) {
                        const char *bs = base->path;
                        size_t bn = 0;
                        if (!base->opaque_path && bs[0] == '/') {
                            bs++;
                            while (bs[bn] && bs[bn] != '/')
                                bn++;
                            if (is_normalized_windows_drive(bs, bn))
                                TRY(path_append(&r, bs, bn));
                        }
                    }
                }
                state = S_PATH;
                p--;
            }
            break;
        case S_FILE_HOST:
            if (c == -1 || c == '/' || c == '\\' || c == '?' || c == '#') {
                p--;
                if (is_windows_drive(buffer.data, buffer.len)) {
                    state = S_PATH; /* the buffer is the path's first segment */
                } else if (buffer.len == 0) {
                    TRY(set_str(&r.host, ""));
                    r.has_host = 1;
                    state = S_PATH_START;
                } else {
                    if ((rc = jk_url_host_parse(buffer.data, buffer.len, 1, &host, err)) != 0)
                        goto done;
                    if (!strcmp(host.data, "localhost"))
                        jk_buf_reset(&host);
                    TRY(set_str(&r.host, host.data));
                    r.has_host = 1;
                    jk_buf_reset(&buffer);
                    state = S_PATH_START;
                }
            } else {
                TRY(jk_buf_putc(&buffer, (char)c));
            }
            break;
        case S_PATH_START:
            if (special) {
                state = S_PATH;
                if (c != '/' && c != '\\')
                    p--;
            } else if (c == '?') {
                jk_buf_reset(&r.query);
                r.has_query = 1;
                state = S_QUERY;
            } else if (c == '#') {
                r.has_fragment = 1;
                state = S_FRAGMENT;
            } else if (c != -1) {
                state = S_PATH;
                if (c != '/')
                    p--;
            }
            break;
        case S_PATH:
            if (c == -1 || c == '/' || (special && c == '\\') || c == '?' || c == '#') {
                int slash = c == '/' || (special && c == '\\');
                if (is_double_dot(buffer.data, buffer.len)) {
                    path_shorten(&r);
                    if (!slash)
                        TRY(path_append(&r, "", 0));
                } else if (is_single_dot(buffer.data, buffer.len) && !slash) {
                    TRY(path_append(&r, "", 0));
                } else if (!is_single_dot(buffer.data, buffer.len)) {
                    if (r.scheme.len == 4 && !memcmp(r.scheme.data, "file", 4) && r.path.len == 0 &&
                        is_windows_drive(buffer.data, buffer.len))
                        buffer.data[1] = ':';
                    TRY(path_append(&r, buffer.data, buffer.len));
                }
                jk_buf_reset(&buffer);
                if (c == '?') {
                    jk_buf_reset(&r.query);
                    r.has_query = 1;
                    state = S_QUERY;
                }
                if (c == '#') {
                    r.has_fragment = 1;
                    state = S_FRAGMENT;
                }
            } else {
                TRY(put_encoded(&buffer, (unsigned char)c, SET_PATH));
            }
            break;
        case S_OPAQUE_PATH:
            if (c == '?') {
                jk_buf_reset(&r.query);
                r.has_query = 1;
                state = S_QUERY;
            } else if (c == '#') {
                r.has_fragment = 1;
                state = S_FRAGMENT;
            } else if (c == ' ') {
                if (REMAINING_STARTS('?') || REMAINING_STARTS('#'))
                    TRY(jk_buf_puts(&r.path, "%20"));
                else
                    TRY(jk_buf_putc(&r.path, ' '));
            } else if (c != -1) {
                TRY(put_encoded(&r.path, (unsigned char)c, SET_C0));
            }
            break;
        case S_QUERY:
            if (c == '#' || c == -1) {
                for (size_t i = 0; i < buffer.len; i++)
                    TRY(put_encoded(&r.query, (unsigned char)buffer.data[i],
                                    special ? SET_SPECIAL_QUERY : SET_QUERY));
                jk_buf_reset(&buffer);
                if (c == '#') {
                    r.has_fragment = 1;
                    state = S_FRAGMENT;
                }
            } else {
                TRY(jk_buf_putc(&buffer, (char)c));
            }
            break;
        case S_FRAGMENT:
            if (c != -1)
                TRY(put_encoded(&r.fragment, (unsigned char)c, SET_FRAGMENT));
            break;
        }
        if (p >= n)
            break;
        p++;
    }
#undef REMAINING_STARTS

    jk_buf href;
    jk_buf_init(&href, 0);
    if ((rc = serialize(&r, &href)) != 0) {
        jk_buf_release(&href);
        goto done;
    }
    jk_url *u = jk_calloc(1, sizeof *u);
    u->href = take(&href);
    u->scheme = take(&r.scheme);
    u->username = take(&r.username);
    u->password = take(&r.password);
    u->host = r.has_host ? take(&r.host) : NULL;
    u->port = r.port;
    u->path = take(&r.path);
    u->opaque_path = r.opaque;
    u->query = r.has_query ? take(&r.query) : NULL;
    u->fragment = r.has_fragment ? take(&r.fragment) : NULL;
    *out = u;
done:
    if (rc && rc != JK_EPARSE && err && err->code != rc)
        jk_error_set(err, rc, "URL \"%.*s\": %s", shown, input, jk_strerror(rc));
    record_release(&r);
    jk_buf_release(&in);
    jk_buf_release(&buffer);
    jk_buf_release(&host);
    return rc;
}

void jk_url_free(jk_url *u)
{
    if (!u)
        return;
    free(u->href);
    free(u->scheme);
    free(u->username);
    free(u->password);
    free(u->host);
    free(u->path);
    free(u->query);
    free(u->fragment);
    free(u);
}

int jk_url_get(const jk_url *u, const char *attribute, jk_buf *out)
{
    jk_buf_reset(out);
    int rc = 0;
    if (!strcmp(attribute, "href")) {
        rc = jk_buf_puts(out, u->href);
    } else if (!strcmp(attribute, "protocol")) {
        rc = jk_buf_puts(out, u->scheme);
        rc = rc ? rc : jk_buf_putc(out, ':');
    } else if (!strcmp(attribute, "username")) {
        rc = jk_buf_puts(out, u->username);
    } else if (!strcmp(attribute, "password")) {
        rc = jk_buf_puts(out, u->password);
    } else if (!strcmp(attribute, "host")) {
        if (u->host) {
            rc = jk_buf_puts(out, u->host);
            if (!rc && u->port >= 0)
                rc = jk_buf_printf(out, ":%d", u->port);
        }
    } else if (!strcmp(attribute, "hostname")) {
        if (u->host)
            rc = jk_buf_puts(out, u->host);
    } else if (!strcmp(attribute, "port")) {
        if (u->port >= 0)
            rc = jk_buf_printf(out, "%d", u->port);
    } else if (!strcmp(attribute, "pathname")) {
        rc = jk_buf_puts(out, u->path);
    } else if (!strcmp(attribute, "search")) {
        if (u->query && u->query[0]) {
            rc = jk_buf_putc(out, '?');
            rc = rc ? rc : jk_buf_puts(out, u->query);
        }
    } else if (!strcmp(attribute, "hash")) {
        if (u->fragment && u->fragment[0]) {
            rc = jk_buf_putc(out, '#');
            rc = rc ? rc : jk_buf_puts(out, u->fragment);
        }
    } else {
        return JK_EINVAL;
    }
    if (!rc && !out->data)
        rc = jk_buf_puts(out, ""); /* callers may read out->data */
    return rc;
}
