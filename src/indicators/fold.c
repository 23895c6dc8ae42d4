/*
 * fold.c — the text the indicator scanners read: full-width ASCII folded
 * to ASCII and defanged forms refanged, with a map back to original byte
 * offsets so every span points into the text the user gave.
 *
 * Only the folds that indicators need happen here (full-width forms,
 * ideographic space, hyphen look-alikes between digits, an ideographic
 * full stop between ASCII letters); the normalizer's other folds (kana,
 * homoglyphs) are deliberately not used, so a span never covers text the
 * reader would not recognise as the indicator.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "indicators_internal.h"
#include "utf8.h"

size_t jk_ind_utf8(const char *s, size_t avail, int32_t *cp)
{
    return jk_utf8_decode((const unsigned char *)s, avail, cp);
}

/* Output of a folding stage. Neither stage ever lengthens the text (every
 * rewrite replaces a longer form by a shorter or equal one), so both
 * arrays are sized once from the input length and filled without checks
 * per byte: folding runs over every byte of every post. */
typedef struct out_text {
    char *text;
    size_t *map;
    size_t len;
} out_text;

static void out_init(out_text *o, size_t input_len)
{
    o->text = jk_malloc(input_len + 1);
    o->map = jk_calloc(input_len + 1, sizeof *o->map);
    o->len = 0;
}

static int put(out_text *o, char c, size_t origin)
{
    o->map[o->len] = origin;
    o->text[o->len++] = c;
    return 0;
}

static int put_bytes(out_text *o, const char *s, size_t n, size_t origin)
{
    for (size_t i = 0; i < n; i++) {
        o->map[o->len] = origin + i;
        o->text[o->len++] = s[i];
    }
    return 0;
}

static int is_ascii_digit(int c) { return c >= '0' && c <= '9'; }
static int is_ascii_alnum(int c)
{
    return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The ASCII character a full-width form (U+FF01..U+FF5E) stands for, or 0. */
static int fullwidth_ascii(int32_t cp)
{
    return (cp >= 0xFF01 && cp <= 0xFF5E) ? (int)(cp - 0xFEE0) : 0;
}

/* The next character at s[i..n) as ASCII after folding, or 0. */
static int next_ascii(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    int32_t cp;
    size_t k = jk_ind_utf8(s + i, n - i, &cp);
    if (k == 0)
        return 0;
    if (cp < 0x80)
        return (int)cp;
    return fullwidth_ascii(cp);
}

/* Stage 1: full-width and look-alike folding. */
static int fold_width(const char *s, size_t n, out_text *o)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        int32_t cp;
        size_t k = jk_ind_utf8(s + i, n - i, &cp);
        if (k == 0) {
            rc = put(o, s[i], i); /* invalid byte: kept, scanners skip it */
            i++;
            continue;
        }
        int prev = o->len ? (unsigned char)o->text[o->len - 1] : 0;
        int c = 0;
        if (cp < 0x80)
            c = 0;
        else if (fullwidth_ascii(cp))
            c = fullwidth_ascii(cp);
        else if (cp == 0x3000)
            c = ' ';
        else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE63)
            c = '-'; /* hyphens, dashes and minus written in phone numbers */
        else if ((cp == 0x30FC || cp == 0xFF70) && is_ascii_digit(prev) &&
                 is_ascii_digit(next_ascii(s, n, i + k)))
            c = '-'; /* "090ー1234ー5678": the long vowel mark as a hyphen */
        else if ((cp == 0x3002 || cp == 0xFF61) && is_ascii_alnum(prev) &&
                 is_ascii_alnum(next_ascii(s, n, i + k)))
            c = '.'; /* "example。com": only between ASCII, never in a sentence */
        if (c)
            rc = put(o, (char)c, i);
        else
            rc = put_bytes(o, s + i, k, i);
        i += k;
    }
    return rc;
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int match_ci(const char *s, size_t n, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    if (i + m > n)
        return 0;
    for (size_t k = 0; k < m; k++)
        if (lower((unsigned char)s[i + k]) != lit[k])
            return 0;
    return 1;
}

/* Bracketed defang tokens: inside text → replacement. */
static const struct {
    const char *inside;
    const char *plain;
} brackets[] = {
    {".", "."}, {"dot", "."}, {":", ":"}, {"://", "://"}, {"/", "/"},
    {"@", "@"}, {"at", "@"},  {"punkt", "."},
};

/* Stage 2: refang, over the width-folded text a[0..n) with map amap. */
static int refang(const char *a, size_t n, const size_t *amap, out_text *o)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        unsigned char c = (unsigned char)a[i];
        if (c == '[' || c == '(' || c == '{') {
            char close = c == '[' ? ']' : c == '(' ? ')' : '}';
            size_t hit = 0;
            const char *plain = NULL;
            for (size_t b = 0; b < sizeof brackets / sizeof brackets[0]; b++) {
                size_t m = strlen(brackets[b].inside);
                if (match_ci(a, n, i + 1, brackets[b].inside) && i + 1 + m < n && a[i + 1 + m] == close) {
                    hit = m + 2;
                    plain = brackets[b].plain;
                }
            }
            if (hit) {
                for (size_t k = 0; plain[k] && !rc; k++)
                    rc = put(o, plain[k], amap[i]);
                i += hit;
                continue;
            }
        }
        /* hxxp, hXXp, hxxps, fxp before "://" or a bracketed ":" */
        if ((c == 'h' || c == 'H') && match_ci(a, n, i, "hxxp")) {
            size_t j = i + 4 + (match_ci(a, n, i + 4, "s") ? 1 : 0);
            if (j < n && (a[j] == ':' || a[j] == '[' || a[j] == '(')) {
                rc = put_bytes(o, "http", 4, amap[i]);
                for (size_t k = i + 4; k < j && !rc; k++)
                    rc = put(o, 's', amap[k]);
                i = j;
                continue;
            }
        }
        if ((c == 'f' || c == 'F') && match_ci(a, n, i, "fxp") && i + 3 < n &&
            (a[i + 3] == ':' || a[i + 3] == '[')) {
            rc = put_bytes(o, "ftp", 3, amap[i]);
            i += 3;
            continue;
        }
        rc = put(o, (char)c, amap[i]);
        i++;
    }
    return rc;
}

int jk_fold(const char *text, size_t len, jk_folded *out)
{
    out_text a, b = {NULL, NULL, 0};
    out_init(&a, len);
    int rc = fold_width(text, len, &a);
    if (!rc) {
        out_init(&b, a.len);
        rc = refang(a.text, a.len, a.map, &b);
        b.map[b.len] = len;
        b.text[b.len] = '\0';
    }
    free(a.text);
    free(a.map);
    if (rc) {
        free(b.text);
        free(b.map);
        return rc;
    }
    out->text = b.text;
    out->len = b.len;
    out->map = b.map;
    out->first_item = 0;
    return JK_OK;
}

void jk_folded_release(jk_folded *f)
{
    free(f->text);
    free(f->map);
    f->text = NULL;
    f->map = NULL;
    f->len = 0;
}

int jk_indicators_refang(const char *text, size_t len, jk_buf *out)
{
    jk_folded f;
    int rc = jk_fold(text, len, &f);
    if (rc)
        return rc;
    jk_buf_reset(out);
    rc = jk_buf_append(out, f.text, f.len);
    jk_folded_release(&f);
    return rc;
}
