/*
 * webpage.c — a web page or bulletin-board thread as title, text, links and
 * posts (webpage.h).
 *
 * Owns: choosing the charset (HTTP header, BOM, <meta>, sniff) and decoding
 * to UTF-8 with iconv; the board layouts (which elements hold a post's
 * number, name, date, ID and message); board time (JST) to UTC; link
 * resolution. Must not fetch or store anything, and must not know the
 * generic HTML-to-text rules (html_text.c has them).
 */
#include "webpage.h"

#include <curl/curl.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "html_text.h"
#include "junkai/limits.h"
#include "utf8.h"
#include "civil.h"

/* How far into the bytes a <meta> charset is looked for. WHATWG's prescan
 * stops at 1024 bytes; Japanese pages often carry long comments and
 * scripts before it, and a later declaration is still the author's word. */
#define META_SCAN_BYTES 4096u
#define MAX_TITLE_BYTES 4096u
#define MAX_HREF_BYTES 8192u
/* A post number beyond this is not a number a board shows. */
#define MAX_POST_NUMBER 100000000ul

void jk_webpage_init(jk_webpage *page)
{
    memset(page, 0, sizeof *page);
    jk_posts_init(&page->posts);
}

void jk_webpage_release(jk_webpage *page)
{
    free(page->title);
    free(page->text);
    for (size_t i = 0; i < page->link_count; i++)
        free(page->links[i]);
    free(page->links);
    jk_posts_release(&page->posts);
    free(page->encoding);
    free(page->base_url);
    jk_webpage_init(page);
}

/* ---- charset ---------------------------------------------------------- */

typedef struct charset_alias {
    const char *label;
    const char *name;
} charset_alias;

/* WHATWG Encoding labels of the charsets Japanese pages use, mapped to the
 * iconv converter that decodes what those sites really send: Shift_JIS
 * pages are written by Windows tools, so CP932 (NEC and IBM extensions,
 * ①, ㈱, ～ as U+FF5E); EUC-JP as glibc's EUC-JP. */
static const charset_alias aliases[] = {
    {"utf-8", "UTF-8"},         {"utf8", "UTF-8"},           {"unicode-1-1-utf-8", "UTF-8"},
    {"shift_jis", "CP932"},     {"shift-jis", "CP932"},      {"sjis", "CP932"},
    {"x-sjis", "CP932"},        {"ms_kanji", "CP932"},       {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},   {"cp932", "CP932"},          {"ms932", "CP932"},
    {"x-ms-cp932", "CP932"},    {"euc-jp", "EUC-JP"},        {"x-euc-jp", "EUC-JP"},
    {"eucjp", "EUC-JP"},        {"cseucpkdfmtjapanese", "EUC-JP"},
    {"iso-2022-jp", "ISO-2022-JP"}, {"csiso2022jp", "ISO-2022-JP"},
    /* WHATWG: these labels all mean windows-1252 */
    {"us-ascii", "CP1252"},     {"ascii", "CP1252"},         {"iso-8859-1", "CP1252"},
    {"latin1", "CP1252"},       {"l1", "CP1252"},            {"windows-1252", "CP1252"},
    /* a <meta> cannot declare UTF-16 (the bytes it is in are ASCII) */
    {"utf-16", "UTF-8"},        {"utf-16le", "UTF-8"},       {"utf-16be", "UTF-8"},
};

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

const char *jk_webpage_charset(const char *label, size_t label_len, char *buf, size_t size)
{
    while (label_len && is_space((unsigned char)*label)) {
        label++;
        label_len--;
    }
    while (label_len && is_space((unsigned char)label[label_len - 1]))
        label_len--;
    if (label_len == 0 || label_len >= 40 || size < label_len + 1)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strlen(aliases[i].label) == label_len &&
            strncasecmp(aliases[i].label, label, label_len) == 0)
            return aliases[i].name;
    /* Any other label goes to iconv as written, if it is a plain name and
     * iconv knows it: no "//TRANSLIT"-style suffixes from a web page. */
    for (size_t i = 0; i < label_len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return NULL;
    }
    memcpy(buf, label, label_len);
    buf[label_len] = '\0';
    iconv_t cd = iconv_open("UTF-8", buf);
    if (cd == (iconv_t)-1)
        return NULL;
    iconv_close(cd);
    return buf;
}

/* The charset parameter of a Content-Type value, as (pointer, length). */
static int charset_param(const char *s, size_t len, const char **value, size_t *value_len)
{
    for (size_t i = 0; i + 8 <= len; i++) {
        if (strncasecmp(s + i, "charset", 7) != 0)
            continue;
        if (i > 0 && !(is_space((unsigned char)s[i - 1]) || s[i - 1] == ';' || s[i - 1] == '"' ||
                       s[i - 1] == '\''))
            continue;
        size_t j = i + 7;
        while (j < len && is_space((unsigned char)s[j]))
            j++;
        if (j >= len || s[j] != '=')
            continue;
        j++;
        while (j < len && is_space((unsigned char)s[j]))
            j++;
        char quote = 0;
        if (j < len && (s[j] == '"' || s[j] == '\''))
            quote = s[j++];
        size_t start = j;
        while (j < len && s[j] != quote && s[j] != ';' && !(quote == 0 && is_space((unsigned char)s[j])) &&
               s[j] != '"' && s[j] != '\'')
            j++;
        if (j == start)
            continue;
        *value = s + start;
        *value_len = j - start;
        return 1;
    }
    return 0;
}

/* One attribute of a tag being prescanned. */
typedef struct attr_span {
    const char *name, *value;
    size_t name_len, value_len;
} attr_span;

/* Read the next attribute of a tag at s[*i..end); 0 at the tag's end. */
static int next_attr(const char *s, size_t *i, size_t end, attr_span *a)
{
    size_t j = *i;
    while (j < end && (is_space((unsigned char)s[j]) || s[j] == '/'))
        j++;
    if (j >= end || s[j] == '>')
        return 0;
    a->name = s + j;
    while (j < end && !is_space((unsigned char)s[j]) && s[j] != '=' && s[j] != '>' && s[j] != '/')
        j++;
    a->name_len = (size_t)(s + j - a->name);
    a->value = NULL;
    a->value_len = 0;
    while (j < end && is_space((unsigned char)s[j]))
        j++;
    if (j < end && s[j] == '=') {
        j++;
        while (j < end && is_space((unsigned char)s[j]))
            j++;
        if (j < end && (s[j] == '"' || s[j] == '\'')) {
            char q = s[j++];
            a->value = s + j;
            while (j < end && s[j] != q)
                j++;
            a->value_len = (size_t)(s + j - a->value);
            if (j < end)
                j++;
        } else {
            a->value = s + j;
            while (j < end && !is_space((unsigned char)s[j]) && s[j] != '>')
                j++;
            a->value_len = (size_t)(s + j - a->value);
        }
    }
    *i = j;
    return 1;
}

static int attr_is(const attr_span *a, const char *name)
{
    return a->name_len == strlen(name) && strncasecmp(a->name, name, a->name_len) == 0;
}

/* The charset a <meta> in the first bytes declares (WHATWG "prescan a byte
 * stream", simplified: comments are skipped, the first usable
 * declaration wins). */
static const char *meta_charset(const char *s, size_t len, char *buf, size_t size)
{
    size_t end = len < META_SCAN_BYTES ? len : META_SCAN_BYTES;
    for (size_t i = 0; i < end; i++) {
        if (s[i] != '<')
            continue;
        if (i + 4 <= end && memcmp(s + i, "<!--", 4) == 0) {
            size_t j = i + 4;
            while (j + 3 <= end && memcmp(s + j, "-->", 3) != 0)
                j++;
            i = j + 2;
            continue;
        }
        if (i + 6 > end || strncasecmp(s + i, "<meta", 5) != 0 ||
            !(is_space((unsigned char)s[i + 5]) || s[i + 5] == '/'))
            continue;
        size_t j = i + 5;
        attr_span a;
        int http_equiv = 0;
        const char *content = NULL, *charset = NULL;
        size_t content_len = 0, charset_len = 0;
        while (next_attr(s, &j, end, &a)) {
            if (attr_is(&a, "charset") && a.value && !charset) {
                charset = a.value;
                charset_len = a.value_len;
            } else if (attr_is(&a, "http-equiv") && a.value && a.value_len == 12 &&
                       strncasecmp(a.value, "content-type", 12) == 0) {
                http_equiv = 1;
            } else if (attr_is(&a, "content") && a.value && !content) {
                content = a.value;
                content_len = a.value_len;
            }
        }
        i = j;
        const char *name = NULL;
        if (charset)
            name = jk_webpage_charset(charset, charset_len, buf, size);
        else if (http_equiv && content) {
            const char *v;
            size_t vlen;
            if (charset_param(content, content_len, &v, &vlen))
                name = jk_webpage_charset(v, vlen, buf, size);
        }
        if (name)
            return name;
    }
    return NULL;
}

/* Do the bytes decode from charset without a single invalid sequence? */
static int decodes_cleanly(const char *s, size_t len, const char *charset)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return 0;
    char out[4096];
    char *in = (char *)s;
    size_t left = len;
    int ok = 1;
    while (left > 0) {
        char *o = out;
        size_t room = sizeof out;
        if (iconv(cd, &in, &left, &o, &room) == (size_t)-1 && errno != E2BIG) {
            ok = 0;
            break;
        }
    }
    iconv_close(cd);
    return ok;
}

/* Decode s from charset into out as UTF-8: a byte that starts no valid
 * sequence becomes U+FFFD and decoding goes on after it, a cut-off
 * sequence at the end becomes U+FFFD; NUL bytes are dropped. */
static int decode(const char *s, size_t len, const char *charset, jk_buf *out)
{
    if (strcmp(charset, "UTF-8") == 0)
        return jk_html_utf8_repair(s, len, out);
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return jk_html_utf8_repair(s, len, out);
    char chunk[8192];
    char *in = (char *)s;
    size_t left = len;
    int rc = JK_OK;
    while (rc == JK_OK) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = left ? iconv(cd, &in, &left, &o, &room) : iconv(cd, NULL, NULL, &o, &room);
        int e = r == (size_t)-1 ? errno : 0;
        size_t made = (size_t)(o - chunk);
        /* drop NULs the converter produced (a NUL byte in the page) */
        size_t from = 0;
        for (size_t k = 0; k <= made && rc == JK_OK; k++) {
            if (k == made || chunk[k] == '\0') {
                rc = jk_buf_append(out, chunk + from, k - from);
                from = k + 1;
            }
        }
        if (rc != JK_OK)
            break;
        if (e == E2BIG)
            continue;
        if (e == EILSEQ || e == EINVAL) {
            rc = jk_buf_append(out, "\xEF\xBF\xBD", 3);
            if (e == EINVAL) /* cut off at the end: nothing more to read */
                left = 0;
            else {
                in++;
                left--;
            }
            continue;
        }
        if (e != 0) {
            rc = JK_ENOMEM;
            break;
        }
        if (left == 0)
            break;
    }
    iconv_close(cd);
    return rc;
}

/* Choose the charset (see webpage.h for the order); returns a static name
 * or buf. *skip is the length of a byte-order mark to skip. */
static const char *choose_charset(const char *s, size_t len, const char *content_type, char *buf,
                                  size_t size, size_t *skip)
{
    *skip = 0;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        *skip = 3;
        return "UTF-8";
    }
    if (len >= 2 && memcmp(s, "\xFF\xFE", 2) == 0) {
        *skip = 2;
        return "UTF-16LE";
    }
    if (len >= 2 && memcmp(s, "\xFE\xFF", 2) == 0) {
        *skip = 2;
        return "UTF-16BE";
    }
    const char *v;
    size_t vlen;
    const char *name = NULL;
    if (content_type && charset_param(content_type, strlen(content_type), &v, &vlen))
        name = jk_webpage_charset(v, vlen, buf, size);
    if (!name)
        name = meta_charset(s, len, buf, size);
    if (name)
        return name;
    if (jk_utf8_valid((const unsigned char *)s, len))
        return "UTF-8";
    /* Shift_JIS lead bytes 0x81-0x9F (bar EUC's 0x8E/0x8F) and trail bytes
     * below 0xA1 are invalid in EUC-JP, so Shift_JIS text fails this test
     * within a few characters, while EUC-JP text mostly reads as valid
     * (half-width kana) CP932: EUC-JP must be tried first. */
    if (decodes_cleanly(s, len, "EUC-JP"))
        return "EUC-JP";
    return "CP932";
}

/* ---- URLs --------------------------------------------------------------- */

char *jk_webpage_resolve(const char *base, const char *href)
{
    if (!base || !href)
        return NULL;
    /* WHATWG URL: strip leading and trailing C0 controls and spaces, remove
     * every tab and newline */
    size_t start = 0, end = strlen(href);
    while (start < end && (unsigned char)href[start] <= 0x20)
        start++;
    while (end > start && (unsigned char)href[end - 1] <= 0x20)
        end--;
    if (end - start > MAX_HREF_BYTES)
        return NULL;
    char *clean = jk_malloc(end - start + 1);
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
        char c = href[i];
        if (c == '#')
            break; /* a link is to a resource; the fragment names a place in it */
        if (c != '\t' && c != '\n' && c != '\r')
            clean[n++] = c;
    }
    clean[n] = '\0';
    char *result = NULL;
    CURLU *u = curl_url();
    if (!u)
        goto done;
    if (curl_url_set(u, CURLUPART_URL, base, CURLU_URLENCODE) != CURLUE_OK)
        goto done;
    /* libcurl 7.88 resolves an empty reference to the base's directory, not
     * to the base (RFC 3986 §5.2.2): an empty href keeps the base as is */
    if (n > 0 && curl_url_set(u, CURLUPART_URL, clean, CURLU_URLENCODE) != CURLUE_OK)
        goto done;
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    char *scheme = NULL;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        goto done;
    int web = strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0;
    curl_free(scheme);
    if (!web)
        goto done;
    char *host = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        curl_free(host);
        goto done;
    }
    /* host names are case-insensitive (RFC 3986 §3.2.2): one spelling, so
     * links dedupe */
    int upper = 0;
    for (char *p = host; *p; p++)
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
            upper = 1;
        }
    CURLUcode set = upper ? curl_url_set(u, CURLUPART_HOST, host, 0) : CURLUE_OK;
    curl_free(host);
    if (set != CURLUE_OK)
        goto done;
    char *full = NULL;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && full)
        result = jk_strdup(full);
    curl_free(full);
done:
    curl_url_cleanup(u);
    free(clean);
    return result;
}

/* A set of strings (links seen), open addressing; owns nothing. */
typedef struct string_set {
    const char **slots;
    size_t cap, count;
} string_set;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Insert s; returns 0 when it was there already. */
static int set_insert(string_set *set, const char *s)
{
    if ((set->count + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        const char **slots = jk_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slots[i])
                continue;
            size_t k = (size_t)hash_str(set->slots[i]) & (cap - 1);
            while (slots[k])
                k = (k + 1) & (cap - 1);
            slots[k] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t k = (size_t)hash_str(s) & (set->cap - 1);
    while (set->slots[k]) {
        if (strcmp(set->slots[k], s) == 0)
            return 0;
        k = (k + 1) & (set->cap - 1);
    }
    set->slots[k] = s;
    set->count++;
    return 1;
}

/* ---- tree helpers ------------------------------------------------------- */

/* Next node in document order below root; children skipped when asked.
 * Iterative, so no page can exhaust the stack. */
static const xmlNode *next_node(const xmlNode *node, const xmlNode *root, int skip_children)
{
    if (!skip_children && node->type == XML_ELEMENT_NODE && node->children)
        return node->children;
    while (node && node != root) {
        if (node->next)
            return node->next;
        node = node->parent;
    }
    return NULL;
}

static const xmlNode *first_in(const xmlNode *root)
{
    return root ? root->children : NULL;
}

/* Does the element's class attribute hold the token? */
static int has_class(const xmlNode *node, const char *token)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return 0;
    char *cls = jk_html_attr(node, "class");
    if (!cls)
        return 0;
    size_t tlen = strlen(token);
    int found = 0;
    for (const char *p = cls; *p && !found;) {
        while (*p && is_space((unsigned char)*p))
            p++;
        const char *q = p;
        while (*q && !is_space((unsigned char)*q))
            q++;
        if ((size_t)(q - p) == tlen && strncasecmp(p, token, tlen) == 0)
            found = 1;
        p = q;
    }
    xmlFree(cls);
    return found;
}

/* The first element below root (in document order) with the class token. */
static const xmlNode *find_class(const xmlNode *root, const char *token)
{
    for (const xmlNode *n = first_in(root); n; n = next_node(n, root, 0))
        if (n->type == XML_ELEMENT_NODE && has_class(n, token))
            return n;
    return NULL;
}

static const xmlNode *find_element(const xmlNode *root, const char *name)
{
    const char *const names[] = {name, NULL};
    for (const xmlNode *n = first_in(root); n; n = next_node(n, root, 0))
        if (jk_html_is(n, names))
            return n;
    return NULL;
}

/* Text of node (html_text rules) cut at max bytes; a new string. */
static char *node_text(const xmlNode *node, size_t max, size_t *len_out)
{
    jk_buf b;
    jk_buf_init(&b, max);
    int rc = node ? jk_html_append_text(node, &b) : JK_OK;
    if (rc == JK_ENOMEM) {
        jk_buf_release(&b);
        return NULL;
    }
    /* JK_ELIMIT: html_text stopped on a character boundary; keep it */
    char *s = b.data ? b.data : jk_strdup("");
    if (len_out)
        *len_out = b.data ? b.len : 0;
    return s;
}

/* ---- board time ------------------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read 1..max digits at s[*i]; the count read, 0 when none. */
static int read_num(const char *s, size_t len, size_t *i, int max, int *value)
{
    int n = 0, v = 0;
    while (*i < len && n < max && is_digit(s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    if (*i < len && is_digit(s[*i]))
        return 0; /* more digits than a field has */
    *value = v;
    return n;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

static int board_time_at(const char *s, size_t len, size_t i, char out[21])
{
    int y, mo, d, h, mi, sec = 0;
    int yd = read_num(s, len, &i, 4, &y);
    if ((yd != 2 && yd != 4) || i >= len || s[i] != '/')
        return 0;
    i++;
    if (!read_num(s, len, &i, 2, &mo) || i >= len || s[i] != '/')
        return 0;
    i++;
    if (!read_num(s, len, &i, 2, &d))
        return 0;
    if (yd == 2)
        y += y < 70 ? 2000 : 1900; /* 2ch showed two-digit years until 2004 */
    while (i < len && s[i] == ' ')
        i++;
    if (i < len && s[i] == '(') { /* the weekday: (火), (Tue), (祝) … */
        size_t j = i + 1;
        while (j < len && j < i + 24 && s[j] != ')')
            j++;
        if (j >= len || s[j] != ')')
            return 0;
        i = j + 1;
    }
    while (i < len && s[i] == ' ')
        i++;
    if (!read_num(s, len, &i, 2, &h) || i >= len || s[i] != ':')
        return 0;
    i++;
    if (read_num(s, len, &i, 2, &mi) != 2)
        return 0;
    if (i + 1 < len && s[i] == ':' && is_digit(s[i + 1])) {
        i++;
        if (read_num(s, len, &i, 2, &sec) != 2)
            return 0;
    }
    if (y < 1990 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 59)
        return 0;
    int64_t t = jk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - 9 * 3600;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t oy;
    int om, od;
    jk_civil_from_days(days, &oy, &om, &od);
    char tmp[64]; /* the compiler cannot see the ranges checked above */
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)oy, om, od,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (n != 20)
        return 0;
    memcpy(out, tmp, 21);
    return 1;
}

bool jk_webpage_board_time(const char *s, size_t len, char out[21])
{
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
            continue;
        if (board_time_at(s, len, i, out))
            return true;
    }
    return false;
}

/* ---- posts -------------------------------------------------------------- */

typedef struct parse_state {
    jk_webpage *page;
    const char *page_url; /* without fragment */
    unsigned long *numbers; /* post numbers taken, for duplicates */
    size_t numbers_n, numbers_cap;
    unsigned long max_number;
} parse_state;

/* Leading decimal number of s (after white space); 0 when none. */
static unsigned long leading_number(const char *s)
{
    while (is_space((unsigned char)*s))
        s++;
    unsigned long v = 0;
    int digits = 0;
    for (; is_digit(*s); s++) {
        if (++digits > 9)
            return 0;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    return v <= MAX_POST_NUMBER ? v : 0;
}

/* "ID:xxxx" at the first "ID:" in s, as a new string, or NULL. */
static char *find_id(const char *s)
{
    const char *p = strstr(s, "ID:");
    if (!p)
        return NULL;
    /* board IDs are ASCII ("ID:Ab3dEf9h0", "ID:???"); stopping at the first
     * other byte also keeps a cut from tearing a character */
    size_t n = 3;
    while (p[n] && (unsigned char)p[n] > 0x20 && (unsigned char)p[n] < 0x7F && n < 64)
        n++;
    if (n == 3)
        return NULL;
    return jk_strndup(p, n);
}

/* Take one board post. Numbers already taken on this page are skipped
 * (5ch repeats >>1 at the top of some views). */
static int add_board_post(parse_state *st, unsigned long number, const char *name, const char *id,
                          const char *when_text, const xmlNode *message)
{
    jk_webpage *page = st->page;
    if (number == 0)
        number = st->numbers_n + 1; /* unnumbered: its place on the page */
    if (number <= st->max_number)
        for (size_t i = 0; i < st->numbers_n; i++)
            if (st->numbers[i] == number)
                return JK_OK;
    if (page->posts.n >= JK_WEBPAGE_MAX_POSTS) {
        page->posts_truncated = true;
        return JK_OK;
    }
    jk_grow((void **)&st->numbers, &st->numbers_cap, st->numbers_n + 1, sizeof *st->numbers);
    st->numbers[st->numbers_n++] = number;
    if (number > st->max_number)
        st->max_number = number;

    int rc = JK_OK;
    jk_buf idbuf, author;
    jk_buf_init(&idbuf, 0);
    jk_buf_init(&author, 0);
    size_t text_len = 0;
    char *text = node_text(message, JK_MAX_TEXT_BYTES, &text_len);
    if (!text) {
        rc = JK_ENOMEM;
        goto done;
    }
    rc = jk_buf_printf(&idbuf, "%s#%lu", st->page_url, number);
    if (!rc && name && *name)
        rc = jk_buf_puts(&author, name);
    if (!rc && id && *id)
        rc = jk_buf_printf(&author, "%s%s", author.len ? " " : "", id);
    if (rc)
        goto done;
    char when[21];
    int dated = when_text && jk_webpage_board_time(when_text, strlen(when_text), when);
    jk_post post;
    memset(&post, 0, sizeof post);
    post.external_id = idbuf.data;
    post.url = idbuf.data;
    post.author = author.len ? author.data : NULL;
    post.posted_at = dated ? when : NULL;
    post.lang = "ja";
    post.text = text;
    post.text_len = text_len;
    rc = jk_posts_add(&page->posts, &post);
done:
    free(text);
    jk_buf_release(&idbuf);
    jk_buf_release(&author);
    return rc;
}

/* 5ch today: <div class="post" id="N" data-userid="ID:…"> holding
 * span.number, span.name, span.date, span.uid and div.message. */
static int split_5ch(parse_state *st, const xmlNode *root)
{
    int rc = JK_OK;
    for (const xmlNode *n = first_in(root); n && rc == JK_OK;) {
        if (n->type != XML_ELEMENT_NODE || !has_class(n, "post")) {
            n = next_node(n, root, 0);
            continue;
        }
        const xmlNode *message = find_class(n, "message");
        if (!message) {
            n = next_node(n, root, 0);
            continue;
        }
        const xmlNode *number_el = find_class(n, "number");
        const xmlNode *name_el = find_class(n, "name");
        const xmlNode *date_el = find_class(n, "date");
        const xmlNode *uid_el = find_class(n, "uid");
        char *number_text = number_el ? node_text(number_el, 64, NULL) : jk_html_attr(n, "id");
        char *name = name_el ? node_text(name_el, 1024, NULL) : NULL;
        char *date = date_el ? node_text(date_el, 256, NULL) : jk_html_attr(n, "data-date");
        char *uid = uid_el ? node_text(uid_el, 128, NULL) : jk_html_attr(n, "data-userid");
        const char *id = uid && strncmp(uid, "ID:", 3) == 0 && uid[3] ? uid : NULL;
        rc = add_board_post(st, number_text ? leading_number(number_text) : 0, name, id, date,
                            message);
        if (number_el)
            free(number_text);
        else
            xmlFree(number_text);
        free(name);
        if (date_el)
            free(date);
        else
            xmlFree(date);
        if (uid_el)
            free(uid);
        else
            xmlFree(uid);
        n = next_node(n, root, 1); /* a post holds no posts */
    }
    return rc;
}

/* The classic read.cgi: <dl class="thread"> of <dt>N ：<b>name</b>：date
 * ID:xxx</dt><dd>message</dd> pairs. */
static int split_dl(parse_state *st, const xmlNode *dl)
{
    static const char *const dt_names[] = {"dt", NULL};
    static const char *const dd_names[] = {"dd", NULL};
    int rc = JK_OK;
    for (const xmlNode *dt = dl->children; dt && rc == JK_OK; dt = dt->next) {
        if (!jk_html_is(dt, dt_names))
            continue;
        const xmlNode *dd = dt->next;
        while (dd && dd->type != XML_ELEMENT_NODE)
            dd = dd->next;
        if (!jk_html_is(dd, dd_names))
            continue;
        char *head = node_text(dt, 4096, NULL);
        if (!head)
            return JK_ENOMEM;
        const xmlNode *b = find_element(dt, "b");
        char *name = b ? node_text(b, 1024, NULL) : NULL;
        /* the date comes after the name: a name may hold digits and '/' */
        const char *after = head;
        const char *at = name && *name ? strstr(head, name) : NULL;
        if (at)
            after = at + strlen(name);
        else {
            /* skip "N ：" so the number is not read as a date */
            while (is_digit(*after) || *after == ' ')
                after++;
        }
        char *id = find_id(after);
        rc = add_board_post(st, leading_number(head), name, id, after, dd);
        free(head);
        free(name);
        free(id);
    }
    return rc;
}

/* Is this <dl> a thread? class="thread", or a first <dt> that reads like
 * a board post's head ("1 ：name：2020/01/01…"), as on mirrors that drop
 * the class. */
static int is_thread_dl(const xmlNode *dl)
{
    static const char *const dt_names[] = {"dt", NULL};
    if (has_class(dl, "thread"))
        return 1;
    const xmlNode *dt = dl->children;
    while (dt && dt->type != XML_ELEMENT_NODE)
        dt = dt->next;
    if (!jk_html_is(dt, dt_names))
        return 0;
    char *head = node_text(dt, 1024, NULL);
    char when[21];
    int yes = head && leading_number(head) > 0 && strstr(head, "\xEF\xBC\x9A") /* ： */ &&
              jk_webpage_board_time(head, strlen(head), when);
    free(head);
    return yes;
}

static int split_posts(parse_state *st, const xmlNode *doc)
{
    static const char *const dl_names[] = {"dl", NULL};
    int rc = split_5ch(st, doc);
    if (rc == JK_OK && st->page->posts.n > 0) {
        st->page->layout = "5ch";
        return JK_OK;
    }
    for (const xmlNode *n = first_in(doc); n && rc == JK_OK;) {
        if (jk_html_is(n, dl_names) && is_thread_dl(n)) {
            rc = split_dl(st, n);
            n = next_node(n, doc, 1);
        } else
            n = next_node(n, doc, 0);
    }
    if (rc == JK_OK && st->page->posts.n > 0)
        st->page->layout = "2ch-dl";
    return rc;
}

/* ---- the page ----------------------------------------------------------- */

static int collect_links(jk_webpage *page, const xmlNode *doc)
{
    static const char *const linking[] = {"a", "area", NULL};
    string_set seen = {NULL, 0, 0};
    size_t cap = 0;
    for (const xmlNode *n = first_in(doc); n; n = next_node(n, doc, 0)) {
        if (!jk_html_is(n, linking))
            continue;
        char *href = jk_html_attr(n, "href");
        if (!href)
            continue;
        char *abs = jk_webpage_resolve(page->base_url, href);
        xmlFree(href);
        if (!abs)
            continue;
        if (page->link_count >= JK_WEBPAGE_MAX_LINKS) {
            page->links_truncated = true;
            free(abs);
            break;
        }
        if (!set_insert(&seen, abs)) {
            free(abs);
            continue;
        }
        jk_grow((void **)&page->links, &cap, page->link_count + 1, sizeof *page->links);
        page->links[page->link_count++] = abs;
    }
    free(seen.slots);
    return JK_OK;
}

/* The whole page as one post: title, a line break, the body's text. */
static int add_page_post(jk_webpage *page, const char *page_url)
{
    jk_buf b;
    jk_buf_init(&b, JK_MAX_TEXT_BYTES);
    int rc = JK_OK;
    if (page->title[0])
        rc = jk_buf_printf(&b, "%s%s", page->title, page->text_len ? "\n" : "");
    if (rc == JK_OK) {
        size_t room = JK_MAX_TEXT_BYTES - b.len;
        size_t n = page->text_len < room ? page->text_len : room;
        /* back off to a character boundary */
        while (n < page->text_len && n > 0 && ((unsigned char)page->text[n] & 0xC0) == 0x80)
            n--;
        rc = jk_buf_append(&b, page->text, n);
    }
    if (rc == JK_OK) {
        jk_post post;
        memset(&post, 0, sizeof post);
        post.external_id = (char *)page_url;
        post.url = (char *)page_url;
        post.text = b.data ? b.data : "";
        post.text_len = b.len;
        rc = jk_posts_add(&page->posts, &post);
    }
    jk_buf_release(&b);
    return rc;
}

int jk_webpage_parse(const char *html, size_t len, const char *content_type, const char *url,
                     jk_webpage *out, jk_error *err)
{
    jk_webpage_init(out);
    int rc = JK_OK;
    htmlDocPtr doc = NULL;
    char *page_url = NULL;
    parse_state st;
    memset(&st, 0, sizeof st);
    jk_buf utf8;
    jk_buf_init(&utf8, 0);
    if (!html)
        len = 0;

    page_url = url ? jk_webpage_resolve(url, "") : NULL;
    if (!page_url) {
        rc = jk_error_set(err, JK_EINVAL, "%s: not an http or https URL", url ? url : "(none)");
        goto done;
    }
    char name_buf[64];
    size_t skip = 0;
    const char *charset = choose_charset(html ? html : "", len, content_type, name_buf,
                                         sizeof name_buf, &skip);
    out->encoding = jk_strdup(charset);
    /* 3 output bytes per input byte covers every Japanese charset and
     * U+FFFD for each bad byte; past that the page is cut, not refused */
    utf8.max = len < (SIZE_MAX - 64) / 4 ? len * 4 + 64 : SIZE_MAX;
    rc = html ? decode(html + skip, len - skip, charset, &utf8) : JK_OK;
    if (rc == JK_ELIMIT)
        rc = JK_OK;
    if (rc) {
        rc = jk_error_set(err, rc, "%s: cannot decode the page from %s", page_url, charset);
        goto done;
    }
    doc = jk_html_parse(utf8.data ? utf8.data : "", utf8.len, page_url, "UTF-8");
    if (!doc) {
        rc = jk_error_set(err, JK_ENOMEM, "%s: out of memory parsing the page", page_url);
        goto done;
    }
    const xmlNode *root = (const xmlNode *)doc;

    const xmlNode *title = find_element(root, "title");
    out->title = node_text(title, MAX_TITLE_BYTES, NULL);
    out->text = node_text(root, JK_MAX_TEXT_BYTES, &out->text_len);
    if (!out->title || !out->text) {
        rc = jk_error_set(err, JK_ENOMEM, "%s: out of memory", page_url);
        goto done;
    }

    out->base_url = jk_strdup(page_url);
    const xmlNode *base = find_element(root, "base");
    char *base_href = base ? jk_html_attr(base, "href") : NULL;
    if (base_href) {
        char *b = jk_webpage_resolve(page_url, base_href);
        if (b) {
            free(out->base_url);
            out->base_url = b;
        }
        xmlFree(base_href);
    }
    if ((rc = collect_links(out, root)) != JK_OK)
        goto done;

    st.page = out;
    st.page_url = page_url;
    if ((rc = split_posts(&st, root)) != JK_OK) {
        jk_error_set(err, rc, "%s: out of memory splitting posts", page_url);
        goto done;
    }
    if (out->posts.n == 0 && (rc = add_page_post(out, page_url)) != JK_OK) {
        jk_error_set(err, rc, "%s: out of memory", page_url);
        goto done;
    }
done:
    if (rc)
        jk_webpage_release(out);
    free(st.numbers);
    xmlFreeDoc(doc);
    jk_buf_release(&utf8);
    free(page_url);
    return rc;
}
