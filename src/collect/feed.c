/*
 * feed.c — RSS and Atom documents to posts (feed.h).
 *
 * Owns: choosing the document's encoding and turning it into clean UTF-8,
 * the libxml2 options that keep the parse off the network and away from
 * external entities, the element names of RSS 0.9x/1.0/2.0 and Atom
 * 0.3/1.0, and feed date formats. Must not fetch anything or touch the
 * store: collect_feed.c does that.
 *
 * Decoding happens here rather than in libxml2: a feed whose declaration
 * lies (Shift_JIS bytes declared UTF-8 is common on Japanese sites) makes
 * libxml2 stop at the first bad byte, and which encoding libxml2 then uses
 * depends on its version. Converting first, with iconv and a fixed order of
 * guesses, gives every version the same text and libxml2 only ever sees
 * valid UTF-8.
 */
#include "feed.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "html_text.h"
#include "junkai/limits.h"
#include "utf8.h"
#include "civil.h"

#define NS_RSS10 "http://purl.org/rss/1.0/"
#define NS_RSS090 "http://my.netscape.com/rdf/simple/0.9/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"

/* Decoded documents beyond this are refused: the fetch already caps the
 * body (8 MiB by default) and no encoding more than triples it. */
#define MAX_DECODED_BYTES (64u * 1024u * 1024u)
/* Internal entities are followed this deep when taking text out; libxml2
 * has already checked them for loops and amplification. */
#define MAX_ENTITY_DEPTH 8
#define MAX_TREE_DEPTH 256

/* ---- encodings --------------------------------------------------------- */

int jk_feed_content_charset(const char *content_type, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!content_type)
        return JK_ENOTFOUND;
    const char *p = strchr(content_type, ';');
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t name_len = (size_t)(p - name);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=') {
            p = strchr(p, ';');
            continue;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
        const char *value = p;
        while (*p && (quote ? *p != quote : (*p != ';' && *p != ' ' && *p != '\t')))
            p++;
        size_t value_len = (size_t)(p - value);
        if (name_len == 7 && strncasecmp(name, "charset", 7) == 0) {
            if (value_len == 0 || value_len >= outsz || value_len > 40)
                return JK_ENOTFOUND;
            for (size_t i = 0; i < value_len; i++) {
                unsigned char c = (unsigned char)value[i];
                if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
                    return JK_ENOTFOUND;
            }
            memcpy(out, value, value_len);
            out[value_len] = '\0';
            return JK_OK;
        }
        p = strchr(p, ';');
    }
    return JK_ENOTFOUND;
}

/* The iconv name for an encoding label. Labels map to the superset real
 * servers mean by them (WHATWG Encoding: latin-1 and us-ascii are
 * windows-1252, Shift_JIS is Microsoft's CP932, EUC-JP carries the NEC
 * and IBM extensions). */
static const char *iconv_name(const char *label)
{
    static const struct {
        const char *label, *name;
    } map[] = {
        {"utf-8", "UTF-8"},         {"utf8", "UTF-8"},           {"unicode-1-1-utf-8", "UTF-8"},
        {"shift_jis", "CP932"},     {"shift-jis", "CP932"},      {"sjis", "CP932"},
        {"x-sjis", "CP932"},        {"ms_kanji", "CP932"},       {"windows-31j", "CP932"},
        {"csshiftjis", "CP932"},    {"cp932", "CP932"},          {"ms932", "CP932"},
        {"euc-jp", "EUC-JP-MS"},    {"x-euc-jp", "EUC-JP-MS"},   {"eucjp", "EUC-JP-MS"},
        {"us-ascii", "CP1252"},     {"ascii", "CP1252"},         {"iso-8859-1", "CP1252"},
        {"iso8859-1", "CP1252"},    {"iso_8859-1", "CP1252"},    {"latin1", "CP1252"},
        {"l1", "CP1252"},           {"windows-1252", "CP1252"},  {"cp1252", "CP1252"},
        {"gb2312", "GB18030"},      {"gbk", "GB18030"},          {"x-gbk", "GB18030"},
        {"euc-kr", "CP949"},        {"ks_c_5601-1987", "CP949"}, {"big5", "BIG5-HKSCS"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(label, map[i].label) == 0)
            return map[i].name;
    return label;
}

/* Strict conversion to UTF-8: JK_EPARSE at the first byte that is not in
 * the encoding, JK_ENOTFOUND when iconv does not know it. */
static int iconv_convert(const char *data, size_t len, const char *encoding, jk_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return JK_ENOTFOUND;
    int rc = JK_OK;
    char *in = (char *)data;
    size_t in_left = len;
    char chunk[8192];
    while (in_left > 0 && rc == JK_OK) {
        char *o = chunk;
        size_t o_left = sizeof chunk;
        size_t r = iconv(cd, &in, &in_left, &o, &o_left);
        int e = errno;
        if (o != chunk)
            rc = jk_buf_append(out, chunk, (size_t)(o - chunk));
        if (r == (size_t)-1 && e != E2BIG && rc == JK_OK)
            rc = JK_EPARSE; /* EILSEQ, or EINVAL: cut off in a character */
    }
    if (rc == JK_OK) {
        char *o = chunk;
        size_t o_left = sizeof chunk;
        if (iconv(cd, NULL, NULL, &o, &o_left) == (size_t)-1)
            rc = JK_EPARSE;
        else if (o != chunk)
            rc = jk_buf_append(out, chunk, (size_t)(o - chunk));
    }
    iconv_close(cd);
    return rc;
}

/* UTF-8 with every invalid byte replaced by U+FFFD. */
static int utf8_lossy(const char *data, size_t len, jk_buf *out)
{
    const unsigned char *s = (const unsigned char *)data;
    int rc = JK_OK;
    for (size_t i = 0; i < len && rc == JK_OK;) {
        int32_t cp;
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            rc = jk_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            rc = jk_buf_append(out, s + i, n);
            i += n;
        }
    }
    return rc;
}

/* Counts over bytes that are meant to be UTF-8. */
static void utf8_census(const char *data, size_t len, size_t *valid_multi, size_t *invalid)
{
    const unsigned char *s = (const unsigned char *)data;
    *valid_multi = *invalid = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            (*invalid)++;
            i++;
        } else {
            if (n > 1)
                (*valid_multi)++;
            i += n;
        }
    }
}

/* A guessed Japanese decoding is believed only when it yields kana: real
 * Japanese text is full of them, while Latin text read as CP932 comes out
 * as stray kanji and half-width katakana. */
static int looks_japanese(const char *utf8, size_t len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t kana = 0, halfwidth = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        if (cp >= 0x3041 && cp <= 0x30FF)
            kana++;
        else if (cp >= 0xFF61 && cp <= 0xFF9F)
            halfwidth++;
        i += n;
    }
    return kana > 0 && halfwidth <= kana;
}

/* C1 controls in text are windows-1252 bytes that went through a
 * latin-1 decoder on their way ("don\u0092t"): put back the character
 * windows-1252 meant, U+FFFD for its five unassigned bytes. */
static int put_cp1252_c1(jk_buf *out, int32_t cp)
{
    static const uint16_t cp1252[32] = {
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
    unsigned u = cp1252[cp - 0x80];
    char b[3];
    if (u < 0x800) {
        b[0] = (char)(0xC0 | (u >> 6));
        b[1] = (char)(0x80 | (u & 0x3F));
        return jk_buf_append(out, b, 2);
    }
    b[0] = (char)(0xE0 | (u >> 12));
    b[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    b[2] = (char)(0x80 | (u & 0x3F));
    return jk_buf_append(out, b, 3);
}

/* The text with every C1 control replaced (see put_cp1252_c1); they come
 * as raw bytes and as character references (&#146;) alike. */
static int fix_c1(jk_buf *text)
{
    const unsigned char *s = (const unsigned char *)text->data;
    size_t i = 0;
    while (i + 1 < text->len && !(s[i] == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F))
        i++;
    if (i + 1 >= text->len)
        return JK_OK;
    jk_buf fixed;
    jk_buf_init(&fixed, text->max);
    int rc = jk_buf_append(&fixed, s, i);
    while (i < text->len && rc == JK_OK) {
        if (i + 1 < text->len && s[i] == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
            rc = put_cp1252_c1(&fixed, s[i + 1]);
            i += 2;
        } else {
            rc = jk_buf_putc(&fixed, (char)s[i++]);
        }
    }
    if (rc != JK_OK && rc != JK_ELIMIT) {
        jk_buf_release(&fixed);
        return rc;
    }
    jk_buf_release(text);
    *text = fixed; /* cut at the limit when the characters grew past it */
    return JK_OK;
}

/* Valid UTF-8 in, text libxml2 accepts out: a leading BOM goes, and code
 * points XML 1.0 forbids (C0 controls but tab and line ends, U+FFFE,
 * U+FFFF) become U+FFFD, so one stray control byte cannot end the parse. */
static int xml_clean(const char *utf8, size_t len, jk_buf *out)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3;
    int rc = JK_OK;
    size_t run = i;
    while (i < len && rc == JK_OK) {
        int32_t cp;
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            n = 1, cp = 0xFFFD; /* cannot happen on converted text; stay safe */
        int bad = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
                  cp == 0xFFFF || (n == 1 && s[i] >= 0x80);
        if (bad) {
            rc = jk_buf_append(out, s + run, i - run);
            if (rc == JK_OK)
                rc = jk_buf_append(out, "\xEF\xBF\xBD", 3);
            run = i + n;
        }
        i += n;
    }
    if (rc == JK_OK && len > run) /* (s may be NULL when len is 0) */
        rc = jk_buf_append(out, s + run, len - run);
    return rc;
}

/* The encoding a byte order mark or the first bytes name (XML 1.0
 * Appendix F), and how many BOM bytes there are. */
static const char *sniff_encoding(const unsigned char *s, size_t len)
{
    if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)
        return "UTF-32BE";
    if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0)
        return "UTF-32LE";
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        return "UTF-8";
    if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
        return "UTF-16BE";
    if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
        return "UTF-16LE";
    return NULL;
}

static const char *sniff_nul_pattern(const unsigned char *s, size_t len)
{
    if (len < 4)
        return NULL;
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == '<')
        return "UTF-32BE";
    if (s[0] == '<' && s[1] == 0 && s[2] == 0 && s[3] == 0)
        return "UTF-32LE";
    if (s[0] == 0 && s[1] == '<' && s[2] == 0 && s[3] == '?')
        return "UTF-16BE";
    if (s[0] == '<' && s[1] == 0 && s[2] == '?' && s[3] == 0)
        return "UTF-16LE";
    return NULL;
}

/* The encoding="…" of the XML declaration, for ASCII-compatible bytes. */
static int declared_encoding(const char *data, size_t len, char *out, size_t outsz)
{
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (len - i < 6 || memcmp(data + i, "<?xml", 5) != 0)
        return JK_ENOTFOUND;
    size_t end = i;
    size_t limit = len < i + 512 ? len : i + 512;
    while (end + 1 < limit && !(data[end] == '?' && data[end + 1] == '>'))
        end++;
    for (size_t j = i + 5; j + 8 < end; j++) {
        if (memcmp(data + j, "encoding", 8) != 0)
            continue;
        size_t k = j + 8;
        while (k < end && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r' || data[k] == '\n'))
            k++;
        if (k >= end || data[k] != '=')
            return JK_ENOTFOUND;
        k++;
        while (k < end && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r' || data[k] == '\n'))
            k++;
        if (k >= end || (data[k] != '"' && data[k] != '\''))
            return JK_ENOTFOUND;
        char quote = data[k++];
        size_t start = k;
        while (k < end && data[k] != quote)
            k++;
        size_t n = k - start;
        if (k >= end || n == 0 || n >= outsz || n > 40)
            return JK_ENOTFOUND;
        for (size_t m = 0; m < n; m++) {
            unsigned char c = (unsigned char)data[start + m];
            if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
                return JK_ENOTFOUND;
        }
        memcpy(out, data + start, n);
        out[n] = '\0';
        return JK_OK;
    }
    return JK_ENOTFOUND;
}

enum { TRUSTED, GUESS_JAPANESE, LOSSY_UTF8, LAST_RESORT };

typedef struct candidate {
    const char *encoding; /* iconv name */
    int how;
} candidate;

static void add_candidate(candidate *list, size_t *n, const char *encoding, int how)
{
    if (!encoding)
        return;
    for (size_t i = 0; i < *n; i++)
        if (list[i].how == how && strcasecmp(list[i].encoding, encoding) == 0)
            return;
    list[*n].encoding = encoding;
    list[*n].how = how;
    (*n)++;
}

static xmlDocPtr read_utf8(const jk_buf *clean, const char *base_url)
{
    /* No XML_PARSE_NOENT (entities stay references, external ones are
     * never loaded), no DTDLOAD, no HUGE (libxml2 keeps its entity
     * amplification and depth limits); NONET in case anything asks. */
    int options = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                  XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA | XML_PARSE_COMPACT;
    size_t len = clean->len > (size_t)INT_MAX ? (size_t)INT_MAX : clean->len;
    if (len == 0)
        return NULL;
    return xmlReadMemory(clean->data, (int)len, base_url, "UTF-8", options);
}

/* Decode data by the first candidate that converts cleanly and yields a
 * root element. *doc is NULL when none does. */
static int decode_and_read(const char *data, size_t len, const char *content_type,
                           const char *base_url, xmlDocPtr *doc)
{
    *doc = NULL;
    const unsigned char *s = (const unsigned char *)data;
    char http_charset[48], declared[48];
    int have_http = jk_feed_content_charset(content_type, http_charset, sizeof http_charset) == 0;
    int have_decl = declared_encoding(data, len, declared, sizeof declared) == 0;

    candidate list[12];
    size_t n = 0;
    /* RFC 7303 §3.3: a BOM first, then the charset parameter, then the
     * XML declaration; UTF-8 when nothing says. */
    add_candidate(list, &n, sniff_encoding(s, len), TRUSTED);
    size_t valid_multi, invalid;
    utf8_census(data, len, &valid_multi, &invalid);
    /* Bytes that are all valid UTF-8, non-ASCII included, are UTF-8
     * whatever the label says: legacy-encoded text practically never is
     * valid UTF-8, while stale labels (a server's default ISO-8859-1, a
     * template's old Shift_JIS declaration) are common. */
    if (invalid == 0 && valid_multi > 0)
        add_candidate(list, &n, "UTF-8", TRUSTED);
    if (have_http)
        add_candidate(list, &n, iconv_name(http_charset), TRUSTED);
    add_candidate(list, &n, sniff_nul_pattern(s, len), TRUSTED);
    if (have_decl)
        add_candidate(list, &n, iconv_name(declared), TRUSTED);
    add_candidate(list, &n, "UTF-8", TRUSTED);
    /* mostly UTF-8 with a few broken sequences (a cut-off character, a
     * stray byte) is UTF-8, not a legacy encoding in disguise */
    if (invalid > 0 && valid_multi >= 8 * invalid)
        add_candidate(list, &n, "UTF-8", LOSSY_UTF8);
    add_candidate(list, &n, "EUC-JP-MS", GUESS_JAPANESE);
    add_candidate(list, &n, "CP932", GUESS_JAPANESE);
    add_candidate(list, &n, "CP1252", LAST_RESORT);
    add_candidate(list, &n, "ISO-8859-1", LAST_RESORT);
    add_candidate(list, &n, "UTF-8", LOSSY_UTF8);

    jk_buf utf8, clean;
    jk_buf_init(&utf8, MAX_DECODED_BYTES);
    jk_buf_init(&clean, MAX_DECODED_BYTES);
    int rc = JK_OK;
    for (size_t i = 0; i < n && !*doc; i++) {
        jk_buf_reset(&utf8);
        jk_buf_reset(&clean);
        int r;
        if (list[i].how == LOSSY_UTF8)
            r = utf8_lossy(data, len, &utf8);
        else if (strcmp(list[i].encoding, "UTF-8") == 0)
            r = jk_utf8_valid(s, len) ? jk_buf_append(&utf8, data, len) : JK_EPARSE;
        else
            r = iconv_convert(data, len, list[i].encoding, &utf8);
        if (r == JK_ENOMEM) {
            rc = r;
            break;
        }
        if (r != JK_OK)
            continue; /* not this encoding (or too big decoded) */
        if (list[i].how == GUESS_JAPANESE && !looks_japanese(utf8.data, utf8.len))
            continue;
        r = xml_clean(utf8.data, utf8.len, &clean);
        if (r == JK_ENOMEM) {
            rc = r;
            break;
        }
        if (r != JK_OK)
            continue;
        xmlDocPtr d = read_utf8(&clean, base_url);
        if (d && xmlDocGetRootElement(d))
            *doc = d;
        else if (d)
            xmlFreeDoc(d);
    }
    jk_buf_release(&utf8);
    jk_buf_release(&clean);
    return rc;
}

/* ---- dates ------------------------------------------------------------- */

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

typedef struct when {
    int64_t year;
    int month, day, hour, minute, second;
    int offset_minutes; /* local time minus UTC */
} when;

static int format_utc(const when *w, char *out, size_t outsz)
{
    if (w->month < 1 || w->month > 12 || w->day < 1 || w->day > days_in_month(w->year, w->month) ||
        w->hour < 0 || w->hour > 24 || w->minute < 0 || w->minute > 59 || w->second < 0 ||
        w->second > 60 || (w->hour == 24 && (w->minute || w->second)))
        return JK_EPARSE;
    int second = w->second == 60 ? 59 : w->second; /* a leap second: not representable */
    int64_t t = jk_days_from_civil(w->year, w->month, w->day) * 86400 + w->hour * 3600 +
                w->minute * 60 + second - (int64_t)w->offset_minutes * 60;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    int64_t y;
    int m, d;
    jk_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999 || outsz < 21)
        return JK_EPARSE;
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
    return JK_OK;
}

static int read_digits(const char **p, int min, int max, int *value)
{
    int n = 0, v = 0;
    while (n < max && isdigit((unsigned char)(*p)[n])) {
        v = v * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n < min || isdigit((unsigned char)(*p)[n]))
        return -1;
    *p += n;
    *value = v;
    return n;
}

/* Exactly n digits (ISO 8601 fields have fixed widths, and the basic
 * format runs them together). */
static int read_fixed(const char **p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *value = v;
    return n;
}

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
        (*p)++;
}

static int only_space_left(const char *p)
{
    skip_space(&p);
    if (*p == '(') { /* RFC 2822 comment, e.g. "(PST)" */
        while (*p && *p != ')')
            p++;
        if (*p == ')')
            p++;
        skip_space(&p);
    }
    return *p == '\0';
}

/* ±HH:MM, ±HHMM, ±HH */
static int read_numeric_zone(const char **p, int *offset)
{
    int sign = **p == '-' ? -1 : 1;
    const char *q = *p + 1;
    int hh, mm = 0;
    if (read_digits(&q, 2, 4, &hh) < 0)
        return -1;
    if (q - (*p + 1) == 4) {
        mm = hh % 100;
        hh /= 100;
    } else if (q - (*p + 1) != 2) {
        return -1;
    } else if (*q == ':') {
        q++;
        if (read_digits(&q, 2, 2, &mm) < 0)
            return -1;
    }
    if (hh > 23 || mm > 59)
        return -1;
    *offset = sign * (hh * 60 + mm);
    *p = q;
    return 0;
}

/* RFC 3339 / ISO 8601 (W3C-DTF profile): YYYY[-MM[-DD]][Thh:mm[:ss[.f]]][zone] */
static int parse_iso(const char *s, when *w)
{
    const char *p = s;
    int year;
    memset(w, 0, sizeof *w);
    w->month = w->day = 1;
    skip_space(&p);
    if (read_fixed(&p, 4, &year) < 0)
        return -1;
    w->year = year;
    if (*p == '-') {
        p++;
        if (read_fixed(&p, 2, &w->month) < 0)
            return -1;
        if (*p == '-') {
            p++;
            if (read_fixed(&p, 2, &w->day) < 0)
                return -1;
        }
    } else if (isdigit((unsigned char)*p)) { /* basic format YYYYMMDD */
        int md;
        if (read_fixed(&p, 4, &md) < 0)
            return -1;
        w->month = md / 100;
        w->day = md % 100;
    }
    if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        if (read_fixed(&p, 2, &w->hour) < 0)
            return -1;
        if (*p == ':')
            p++;
        if (read_fixed(&p, 2, &w->minute) < 0)
            return -1;
        if (*p == ':' || isdigit((unsigned char)*p)) {
            if (*p == ':')
                p++;
            if (read_fixed(&p, 2, &w->second) < 0)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return -1;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        skip_space(&p);
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            if (read_numeric_zone(&p, &w->offset_minutes) < 0)
                return -1;
        }
    }
    return only_space_left(p) ? 0 : -1;
}

static int month_from_name(const char *p, size_t n)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, months[i], 3) == 0)
            return i + 1;
    return 0;
}

static int zone_from_name(const char *p, size_t n, int *offset)
{
    static const struct {
        const char *name;
        int minutes;
    } zones[] = {
        {"UT", 0},        {"UTC", 0},      {"GMT", 0},        {"Z", 0},         {"EST", -300},
        {"EDT", -240},    {"CST", -360},   {"CDT", -300},     {"MST", -420},    {"MDT", -360},
        {"PST", -480},    {"PDT", -420},   {"JST", 540},      {"KST", 540},     {"HKT", 480},
        {"SGT", 480},     {"CET", 60},     {"CEST", 120},     {"MET", 60},      {"MEST", 120},
        {"EET", 120},     {"EEST", 180},   {"WET", 0},        {"WEST", 60},     {"BST", 60},
        {"AEST", 600},    {"AEDT", 660},   {"ACST", 570},     {"AWST", 480},    {"NZST", 720},
        {"NZDT", 780},    {"AKST", -540},  {"AKDT", -480},    {"HST", -600},
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strlen(zones[i].name) == n && strncasecmp(p, zones[i].name, n) == 0) {
            *offset = zones[i].minutes;
            return 0;
        }
    /* RFC 2822 §4.3: other single-letter military zones carry no reliable
     * meaning and are read as -0000 (UTC, offset unknown) */
    if (n == 1 && isalpha((unsigned char)*p) && toupper((unsigned char)*p) != 'J') {
        *offset = 0;
        return 0;
    }
    return -1;
}

/* RFC 822 / RFC 2822 §3.3 with the obsolete forms (§4.3) that feeds still
 * use: [day-name ","] day month year hh:mm[:ss] zone */
static int parse_rfc822(const char *s, when *w)
{
    const char *p = s;
    memset(w, 0, sizeof *w);
    skip_space(&p);
    if (isalpha((unsigned char)*p)) { /* day name, not checked against the date */
        const char *q = p;
        while (isalpha((unsigned char)*q))
            q++;
        if (month_from_name(p, (size_t)(q - p)) && q - p <= 9 && isspace((unsigned char)*q))
            return -1; /* "Jan 5 2004": not RFC 822; rather none than a guess */
        p = q;
        skip_space(&p);
        if (*p == ',')
            p++;
        skip_space(&p);
    }
    if (read_digits(&p, 1, 2, &w->day) < 0)
        return -1;
    skip_space(&p);
    if (*p == '-')
        p++;
    const char *m0 = p;
    while (isalpha((unsigned char)*p))
        p++;
    size_t mlen = (size_t)(p - m0);
    if (mlen != 3 && !(mlen > 3 && mlen <= 9))
        return -1;
    w->month = month_from_name(m0, mlen);
    if (!w->month)
        return -1;
    if (*p == '.')
        p++;
    skip_space(&p);
    if (*p == '-')
        p++;
    int year, ndigits = read_digits(&p, 2, 4, &year);
    if (ndigits < 0)
        return -1;
    if (ndigits == 2)
        year += year < 50 ? 2000 : 1900; /* RFC 2822 §4.3 */
    else if (ndigits == 3)
        year += 1900;
    w->year = year;
    skip_space(&p);
    if (!*p)
        return 0; /* a date without a time */
    if (read_digits(&p, 1, 2, &w->hour) < 0 || *p++ != ':' || read_digits(&p, 2, 2, &w->minute) < 0)
        return -1;
    if (*p == ':') {
        p++;
        if (read_digits(&p, 2, 2, &w->second) < 0)
            return -1;
    }
    skip_space(&p);
    if (*p == '+' || *p == '-') {
        if (read_numeric_zone(&p, &w->offset_minutes) < 0)
            return -1;
    } else if (isalpha((unsigned char)*p)) {
        const char *z = p;
        while (isalpha((unsigned char)*p))
            p++;
        if (zone_from_name(z, (size_t)(p - z), &w->offset_minutes) < 0)
            return -1;
        if (*p == '+' || *p == '-') { /* "GMT+09:00" */
            int extra;
            if (read_numeric_zone(&p, &extra) < 0)
                return -1;
            w->offset_minutes += extra;
        }
    }
    return only_space_left(p) ? 0 : -1;
}

int jk_feed_date(const char *text, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!text || strlen(text) > 128)
        return JK_EPARSE;
    when w;
    if (parse_iso(text, &w) == 0 || parse_rfc822(text, &w) == 0) {
        if (format_utc(&w, out, outsz) == JK_OK)
            return JK_OK;
    }
    if (outsz)
        out[0] = '\0';
    return JK_EPARSE;
}

/* ---- the tree ---------------------------------------------------------- */

static const char *ns_of(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
}

static int same_ns(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name &&
           strcmp((const char *)n->name, name) == 0 && same_ns(ns_of(n), ns);
}

/* The first child element of parent named ns:name. */
static const xmlNode *child(const xmlNode *parent, const char *ns, const char *name)
{
    if (!parent)
        return NULL;
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (is_el(c, ns, name))
            return c;
    return NULL;
}

/* Append b to out up to its maximum, cut at a character boundary; JK_ELIMIT
 * when cut. */
static int append_capped(jk_buf *out, const char *s, size_t n)
{
    size_t room = out->max ? (out->max > out->len ? out->max - out->len : 0) : n;
    if (n <= room)
        return jk_buf_append(out, s, n);
    size_t cut = room;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    int rc = jk_buf_append(out, s, cut);
    return rc ? rc : JK_ELIMIT;
}

/* Drop a partial UTF-8 character left at the end by a cut. */
static void trim_partial_tail(jk_buf *b)
{
    size_t i = b->len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)b->data[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)b->data[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (lead >= 0x80 && need != back + 1) {
        b->len = i - 1;
        b->data[b->len] = '\0';
    }
}

static int gather_text(const xmlDoc *doc, const xmlNode *n, jk_buf *out, int entity_depth,
                       int depth)
{
    int rc = JK_OK;
    for (; n && rc == JK_OK; n = n->next) {
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (n->content)
                rc = append_capped(out, (const char *)n->content, strlen((const char *)n->content));
            break;
        case XML_ELEMENT_NODE:
            if (depth < MAX_TREE_DEPTH)
                rc = gather_text(doc, n->children, out, entity_depth, depth + 1);
            break;
        case XML_ENTITY_REF_NODE: {
            /* only entities declared in the document itself; an external
             * one was never loaded and stays empty */
            xmlEntityPtr ent = xmlGetDocEntity(doc, n->name);
            if (ent && ent->etype == XML_INTERNAL_GENERAL_ENTITY && entity_depth < MAX_ENTITY_DEPTH)
                rc = gather_text(doc, ent->children, out, entity_depth + 1, depth + 1);
            break;
        }
        default:
            break;
        }
    }
    return rc;
}

/* The text content of an element as a new string (NULL when n is NULL or
 * on allocation failure), at most JK_MAX_TEXT_BYTES. */
static char *string_of(const xmlNode *n)
{
    if (!n)
        return NULL;
    jk_buf b;
    jk_buf_init(&b, JK_MAX_TEXT_BYTES);
    int rc = gather_text(n->doc, n->children, &b, 0, 0);
    if (rc == JK_ENOMEM || jk_buf_putc(&b, '\0') == JK_ENOMEM) {
        jk_buf_release(&b);
        return NULL;
    }
    if (!b.data) {
        char *empty = calloc(1, 1);
        return empty;
    }
    return b.data;
}

/* s trimmed of white space, in place; NULL stays NULL. */
static char *trim(char *s)
{
    if (!s)
        return NULL;
    size_t start = 0, len = strlen(s);
    while (start < len && isspace((unsigned char)s[start]))
        start++;
    while (len > start && isspace((unsigned char)s[len - 1]))
        len--;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

static char *trimmed_string_of(const xmlNode *n)
{
    char *s = trim(string_of(n));
    if (s && !*s) {
        free(s);
        return NULL;
    }
    return s;
}

/* Plain text with runs of white space made one space, ends trimmed. */
static int append_plain(jk_buf *out, const char *s)
{
    int rc = JK_OK, gap = 0, any = 0;
    for (; *s && rc == JK_OK; s++) {
        if (isspace((unsigned char)*s)) {
            gap = 1;
            continue;
        }
        if (gap && any)
            rc = jk_buf_putc(out, ' ');
        if (rc == JK_OK)
            rc = jk_buf_putc(out, *s);
        gap = 0;
        any = 1;
    }
    return rc;
}

/* Markup in a title or description: feeds escape it or wrap it in CDATA,
 * and either way a reader sees its text. */
static int looks_like_markup(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '&')
            return 1;
        if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!' ||
                          p[1] == '?'))
            return 1;
    }
    return 0;
}

static int append_html_string(jk_buf *out, const char *s)
{
    if (!s || !*s)
        return JK_OK;
    if (!looks_like_markup(s))
        return append_plain(out, s);
    return jk_html_fragment_text(s, strlen(s), out);
}

/* An Atom text construct (RFC 4287 §3.1; Atom 0.3 mode="escaped|xml|base64"). */
static int append_atom_text(jk_buf *out, const xmlNode *n)
{
    if (!n)
        return JK_OK;
    char *type = (char *)xmlGetProp(n, (const xmlChar *)"type");
    char *mode = (char *)xmlGetProp(n, (const xmlChar *)"mode");
    char *src = (char *)xmlGetProp(n, (const xmlChar *)"src");
    int rc = JK_OK;
    int has_elements = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            has_elements = 1;
    if (src || (mode && strcasecmp(mode, "base64") == 0)) {
        /* out-of-line or binary content: nothing to read here */
    } else if ((type && (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0) &&
                !(mode && strcasecmp(mode, "xml") == 0)) ||
               (mode && strcasecmp(mode, "escaped") == 0)) {
        char *s = string_of(n);
        rc = s ? append_html_string(out, s) : JK_ENOMEM;
        free(s);
    } else if (has_elements || (type && (strcasecmp(type, "xhtml") == 0 ||
                                         strcasecmp(type, "application/xhtml+xml") == 0))) {
        rc = jk_html_append_text(n, out);
    } else if (!type || strcasecmp(type, "text") == 0 || strncasecmp(type, "text/", 5) == 0) {
        char *s = string_of(n);
        rc = s ? append_plain(out, s) : JK_ENOMEM;
        free(s);
    }
    xmlFree(type);
    xmlFree(mode);
    xmlFree(src);
    return rc;
}

/* An absolute http(s) URL for href as seen at node (xml:base, then the
 * document's URL, RFC 3986 §5); NULL for anything else. */
static char *resolve_url(const xmlNode *node, const char *href)
{
    if (!href || !*href)
        return NULL;
    xmlChar *base = xmlNodeGetBase(node->doc, node);
    xmlChar *abs = xmlBuildURI((const xmlChar *)href, base);
    xmlFree(base);
    char *url = NULL;
    if (abs && (strncasecmp((const char *)abs, "http://", 7) == 0 ||
                strncasecmp((const char *)abs, "https://", 8) == 0)) {
        url = strdup((const char *)abs);
    }
    xmlFree(abs);
    return url;
}

static int valid_lang(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 35 || !isalpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

static char *lang_of(const xmlNode *n)
{
    xmlChar *l = xmlNodeGetLang(n);
    char *lang = NULL;
    if (l && valid_lang((const char *)l))
        lang = strdup((const char *)l);
    xmlFree(l);
    return lang;
}

/* "sha256:" and the hex SHA-256 of the parts, each ended by a NUL. */
static char *content_id(const char *title, const char *link, const char *description)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    const char *parts[] = {title, link, description};
    for (size_t i = 0; i < 3; i++) {
        const char *p = parts[i] ? parts[i] : "";
        crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p) + 1);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    char *id = malloc(7 + 2 * sizeof digest + 1);
    if (!id)
        return NULL;
    memcpy(id, "sha256:", 7);
    sodium_bin2hex(id + 7, 2 * sizeof digest + 1, digest, sizeof digest);
    return id;
}

/* An id without a scheme ("1234", as many RSS guids are) is only unique
 * inside its feed: qualify it with the feed's URL so two feeds' "1" stay
 * two posts. URIs (http:, tag:, urn:) are global already. */
static char *qualified_id(const char *id, const char *base_url)
{
    if (!id)
        return NULL;
    const char *p = id;
    if (isalpha((unsigned char)*p)) {
        while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
            p++;
        if (*p == ':')
            return strdup(id);
    }
    if (!base_url)
        return strdup(id);
    size_t n = strlen(base_url) + 1 + strlen(id) + 1;
    char *q = malloc(n);
    if (q)
        snprintf(q, n, "%s#%s", base_url, id);
    return q;
}

typedef struct entry_fields {
    char *id, *link_raw, *url, *author, *date_raw, *lang;
    char *title_raw, *body_raw; /* for the content id */
    const xmlNode *title, *body;
    int atom;
} entry_fields;

static void fields_release(entry_fields *f)
{
    free(f->id);
    free(f->link_raw);
    free(f->url);
    free(f->author);
    free(f->date_raw);
    free(f->lang);
    free(f->title_raw);
    free(f->body_raw);
}

typedef struct feed_ctx {
    const char *base_url;
    const char *feed_lang; /* channel language, may be NULL */
    char *feed_author;     /* Atom feed-level author, may be NULL */
    jk_posts *out;
    size_t taken;
} feed_ctx;

static int emit(feed_ctx *fc, entry_fields *f)
{
    jk_buf text, body;
    jk_buf_init(&text, JK_MAX_TEXT_BYTES);
    jk_buf_init(&body, JK_MAX_TEXT_BYTES);
    int rc = f->atom ? append_atom_text(&text, f->title) : append_html_string(&text, f->title_raw);
    if (rc == JK_OK) {
        rc = f->atom ? append_atom_text(&body, f->body) : append_html_string(&body, f->body_raw);
        if (rc == JK_ELIMIT) {
            trim_partial_tail(&body);
            rc = JK_OK;
        }
        if (rc == JK_OK && text.len && body.len)
            rc = jk_buf_putc(&text, '\n');
        if (rc == JK_OK && body.len)
            rc = append_capped(&text, body.data, body.len);
    }
    jk_buf_release(&body);
    if (rc == JK_ELIMIT) {
        trim_partial_tail(&text);
        rc = JK_OK;
    }
    if (rc == JK_OK)
        rc = fix_c1(&text);
    if (rc == JK_OK)
        trim_partial_tail(&text);
    if (rc != JK_OK || (text.len == 0 && !f->url)) {
        jk_buf_release(&text);
        return rc; /* nothing to read and nowhere to look */
    }
    char *id = NULL;
    if (f->id)
        id = qualified_id(f->id, fc->base_url);
    else if (f->url)
        id = strdup(f->url);
    else if (f->link_raw)
        id = qualified_id(f->link_raw, fc->base_url);
    else
        id = content_id(f->title_raw, f->link_raw, f->body_raw);
    char date[32];
    jk_post post = {
        .external_id = id,
        .url = f->url,
        .author = f->author ? f->author : fc->feed_author,
        .posted_at = jk_feed_date(f->date_raw, date, sizeof date) == JK_OK ? date : NULL,
        .lang = f->lang ? f->lang : (char *)fc->feed_lang,
        .text = text.data,
        .text_len = text.len,
    };
    rc = id ? jk_posts_add(fc->out, &post) : JK_ENOMEM;
    if (rc == JK_OK)
        fc->taken++;
    free(id);
    jk_buf_release(&text);
    return rc;
}

static int first_string(const xmlNode *n, const char *ns, const char *const *names, char **out)
{
    *out = NULL;
    for (size_t i = 0; names[i] && !*out; i++) {
        const xmlNode *c = child(n, ns, names[i]);
        if (c) {
            *out = trimmed_string_of(c);
        }
    }
    return JK_OK;
}

/* RSS 2.0's <author> is "email (Name)": the name is what a reader sees;
 * a bare address stays as it is. Takes ownership of s. */
static char *rss_author_name(char *s)
{
    char *open = strchr(s, '(');
    char *close = open ? strrchr(open, ')') : NULL;
    if (!open || !close || close == open + 1 || !strchr(s, '@') || strchr(s, '@') > open)
        return s;
    *close = '\0';
    char *name = trim(strdup(open + 1));
    if (!name || !*name) {
        free(name);
        return s;
    }
    free(s);
    return name;
}

static int rss_item(feed_ctx *fc, const xmlNode *item)
{
    const char *ns = ns_of(item);
    entry_fields f;
    memset(&f, 0, sizeof f);
    const xmlNode *guid = child(item, ns, "guid");
    f.id = trimmed_string_of(guid);
    if (!f.id) {
        xmlChar *about = xmlGetNsProp(item, (const xmlChar *)"about", (const xmlChar *)NS_RDF);
        if (about && *about)
            f.id = trim(strdup((const char *)about));
        xmlFree(about);
    }
    const xmlNode *link = child(item, ns, "link");
    f.link_raw = trimmed_string_of(link);
    f.url = link ? resolve_url(link, f.link_raw) : NULL;
    if (!f.url && guid && f.id) {
        xmlChar *perma = xmlGetProp(guid, (const xmlChar *)"isPermaLink");
        if (!perma || strcasecmp((const char *)perma, "false") != 0)
            f.url = resolve_url(guid, f.id);
        xmlFree(perma);
    }
    f.title_raw = trimmed_string_of(child(item, ns, "title"));
    f.body_raw = trimmed_string_of(child(item, NS_CONTENT, "encoded"));
    if (!f.body_raw)
        f.body_raw = trimmed_string_of(child(item, ns, "description"));
    if (!f.body_raw)
        f.body_raw = trimmed_string_of(child(item, NS_DC, "description"));
    static const char *const author_names[] = {"author", NULL};
    static const char *const dc_author_names[] = {"creator", NULL};
    first_string(item, ns, author_names, &f.author);
    if (f.author)
        f.author = rss_author_name(f.author);
    if (!f.author)
        first_string(item, NS_DC, dc_author_names, &f.author);
    static const char *const date_names[] = {"pubDate", NULL};
    static const char *const dc_date_names[] = {"date", NULL};
    first_string(item, ns, date_names, &f.date_raw);
    if (!f.date_raw)
        first_string(item, NS_DC, dc_date_names, &f.date_raw);
    f.lang = lang_of(item);
    int rc = emit(fc, &f);
    fields_release(&f);
    return rc;
}

static char *atom_author(const xmlNode *n, const char *ns)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (!is_el(c, ns, "author"))
            continue;
        char *name = trimmed_string_of(child(c, ns, "name"));
        if (name)
            return name;
    }
    return NULL;
}

static int atom_entry(feed_ctx *fc, const xmlNode *entry)
{
    const char *ns = ns_of(entry);
    entry_fields f;
    memset(&f, 0, sizeof f);
    f.atom = 1;
    f.id = trimmed_string_of(child(entry, ns, "id"));
    /* RFC 4287 §4.2.7.2: no rel means "alternate"; prefer an HTML one */
    const xmlNode *best = NULL;
    int best_rank = 0;
    for (const xmlNode *c = entry->children; c; c = c->next) {
        if (!is_el(c, ns, "link"))
            continue;
        xmlChar *rel = xmlGetProp(c, (const xmlChar *)"rel");
        xmlChar *type = xmlGetProp(c, (const xmlChar *)"type");
        int rank = 0;
        if (!rel || strcmp((const char *)rel, "alternate") == 0)
            rank = (!type || strstr((const char *)type, "html")) ? 2 : 1;
        if (rank > best_rank) {
            best = c;
            best_rank = rank;
        }
        xmlFree(rel);
        xmlFree(type);
    }
    if (best) {
        xmlChar *href = xmlGetProp(best, (const xmlChar *)"href");
        if (href) {
            f.link_raw = trim(strdup((const char *)href));
            f.url = resolve_url(best, f.link_raw);
        }
        xmlFree(href);
    }
    f.title = child(entry, ns, "title");
    f.body = child(entry, ns, "content");
    if (!f.body)
        f.body = child(entry, ns, "summary");
    f.title_raw = trimmed_string_of(f.title);
    f.body_raw = trimmed_string_of(f.body);
    f.author = atom_author(entry, ns);
    if (!f.author) {
        static const char *const dc_author_names[] = {"creator", NULL};
        first_string(entry, NS_DC, dc_author_names, &f.author);
    }
    static const char *const date_names[] = {"published", "issued", "created", "updated",
                                             "modified", NULL};
    first_string(entry, ns, date_names, &f.date_raw);
    if (!f.date_raw) {
        static const char *const dc_date_names[] = {"date", NULL};
        first_string(entry, NS_DC, dc_date_names, &f.date_raw);
    }
    f.lang = lang_of(f.body ? f.body : entry);
    int rc = emit(fc, &f);
    fields_release(&f);
    return rc;
}

typedef int (*entry_fn)(feed_ctx *fc, const xmlNode *node);

static int each_child(feed_ctx *fc, const xmlNode *parent, const char *name, int any_ns,
                      const char *ns, entry_fn fn)
{
    int rc = JK_OK;
    for (const xmlNode *c = parent ? parent->children : NULL; c && rc == JK_OK; c = c->next) {
        if (fc->taken >= JK_FEED_MAX_ENTRIES)
            break;
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, name) != 0)
            continue;
        if (!any_ns && !same_ns(ns_of(c), ns))
            continue;
        rc = fn(fc, c);
    }
    return rc;
}

/* Atom 1.0, 0.3 and the drafts before it (Echo, Pie, …) all have a root
 * <feed> whose children share its namespace, whichever that is. */
static int root_is_atom(const xmlNode *root)
{
    return strcmp((const char *)root->name, "feed") == 0;
}

int jk_feed_parse(const char *data, size_t len, const char *content_type, const char *base_url,
                  jk_posts *out, jk_error *err)
{
    const char *where = base_url ? base_url : "feed";
    xmlInitParser();
    xmlDocPtr doc = NULL;
    int rc = decode_and_read(data ? data : "", data ? len : 0, content_type, base_url, &doc);
    if (rc)
        return jk_error_set(err, rc, "%s: out of memory reading the feed", where);
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return jk_error_set(err, JK_EPARSE, "%s: not an RSS or Atom feed (%s)", where,
                            len ? "no XML element in it" : "empty document");
    }
    feed_ctx fc = {base_url, NULL, NULL, out, 0};
    const char *name = (const char *)root->name;
    char *channel_lang = NULL;
    if (strcmp(name, "rss") == 0 || strcmp(name, "RDF") == 0) {
        const xmlNode *channel = NULL;
        for (const xmlNode *c = root->children; c && !channel; c = c->next)
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "channel") == 0)
                channel = c;
        if (channel) {
            const char *cns = ns_of(channel);
            channel_lang = trimmed_string_of(child(channel, cns, "language"));
            if (!channel_lang)
                channel_lang = trimmed_string_of(child(channel, NS_DC, "language"));
            if (channel_lang && !valid_lang(channel_lang)) {
                free(channel_lang);
                channel_lang = NULL;
            }
            if (!channel_lang)
                channel_lang = lang_of(channel);
        }
        fc.feed_lang = channel_lang;
        /* RSS 2.0 puts items in the channel, RSS 1.0 beside it; broken
         * feeds do either, so both places are read. Items take the
         * namespace they are in (none, RSS 1.0, RSS 0.90) for their own
         * elements. */
        rc = each_child(&fc, channel, "item", 1, NULL, rss_item);
        if (rc == JK_OK)
            rc = each_child(&fc, root, "item", 1, NULL, rss_item);
    } else if (root_is_atom(root)) {
        fc.feed_author = atom_author(root, ns_of(root));
        rc = each_child(&fc, root, "entry", 0, ns_of(root), atom_entry);
    } else {
        rc = jk_error_set(err, JK_EPARSE, "%s: not an RSS or Atom feed (root element <%.64s>)",
                          where, name);
        xmlFreeDoc(doc);
        return rc;
    }
    free(channel_lang);
    free(fc.feed_author);
    xmlFreeDoc(doc);
    if (rc)
        return jk_error_set(err, rc, "%s: %s while reading the feed", where, jk_strerror(rc));
    return JK_OK;
}
