/*
 * fuzz_normalize.c — libFuzzer target for the normalizer. The input is
 * normalized twice over: as raw bytes, and decoded as a string of pieces
 * from an alphabet of the characters the context rules care about (kana,
 * look-alike kanji, separators, emoji, marks, invalid bytes), which random
 * bytes would almost never spell. Every invariant the scanner relies on is
 * checked, aborting on violation: valid NUL-terminated UTF-8 out; offset map
 * in range, non-decreasing, one range per output character, on input
 * character boundaries; no invalid byte and no character with a letter or
 * digit (after NFKC, when NFKC is on) dropped; text-only mode
 * gives the same text; with every step on, folding is idempotent. The raw
 * bytes also go through each step alone (invariants only, as idempotence
 * is promised for JK_NORM_ALL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "junkai/normalize.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* clang-format off */
static const char *const pieces[] = {
    "a", "B", "o", "l", "0", "1", "4", "ab", "ｙ", "Ａ", "ﾔ", "ｶ", "ﾊ", "ﾞ", "ﾟ", "ｰ", "ア", "カ",
    "ー", "ヷ", "ㇰ", "や", "か", "野", "座", "工", "口", "力", "一", "二", "八", "卜", " ", "　", ".", "・",
    "/", "、", "\n", "⭐", "🥦", "\xEF\xB8\x8F", "\xE2\x80\x8B", "а", "Ο", "é", "\xCC\x81",
    "\xE3\x82\x99", "゛", "①", "⑴", "㈱", "㍿", "〇", "－", "—", "ß", "\xFF", "\xE3\x81", "$",
    "+", "＋", "ヶ", "ヵ", "ケ", "ｹ", "エ", "ッ", "ン", "コ", "パ", "月", "関", "3", "5", "e", "夕", "つ",
};
/* clang-format on */

static jk_normalizer *norms[6];
static const unsigned norm_flags[6] = {JK_NORM_ALL,  JK_NORM_NFKC,       JK_NORM_CASE,
                                       JK_NORM_KANA, JK_NORM_SEPARATORS, JK_NORM_LOOKALIKE};

/* Must this input character be covered by the map? Invalid bytes and
 * characters with a letter or digit (after NFKC when the normalizer does
 * NFKC) must. */
static int letter_or_invalid(const unsigned char *s, size_t avail, int nfkc)
{
    int32_t cp;
    if (jk_utf8_decode(s, avail, &cp) == 0)
        return 1;
    int32_t buf[32];
    int bound = 0;
    utf8proc_ssize_t k = 1;
    buf[0] = cp;
    if (nfkc)
        k = utf8proc_decompose_char(cp, buf, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &bound);
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        utf8proc_category_t c = utf8proc_category(buf[i]);
        if ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
            (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO))
            return 1;
    }
    return 0;
}

static void check(const jk_normalizer *norm, int all, const unsigned char *in, size_t size)
{
    jk_error err;
    jk_normalized a, b;
    jk_normalized_init(&a);
    jk_normalized_init(&b);
    if (jk_normalize(norm, (const char *)in, size, &a, &err))
        abort();
    if (!jk_utf8_valid((const unsigned char *)a.text, a.len) || a.text[a.len] != '\0')
        abort();
    unsigned char *mark = calloc(size + 1, 1); /* 1: boundary, 2: covered */
    if (!mark)
        abort();
    for (size_t i = 0; i < size;) {
        int32_t cp;
        size_t n = jk_utf8_decode(in + i, size - i, &cp);
        mark[i] = 1;
        i += n ? n : 1;
    }
    mark[size] = 1;
    for (size_t i = 0; i < a.len;) {
        int32_t cp;
        size_t n = jk_utf8_decode((const unsigned char *)a.text + i, a.len - i, &cp);
        uint32_t s = a.orig_start[i], e = a.orig_end[i];
        if (s >= e || e > size || !(mark[s] & 1) || !(mark[e] & 1))
            abort();
        if (i && (s < a.orig_start[i - 1] || e < a.orig_end[i - 1]))
            abort();
        for (size_t k = 1; k < n; k++)
            if (a.orig_start[i + k] != s || a.orig_end[i + k] != e)
                abort();
        for (uint32_t k = s; k < e; k++)
            mark[k] |= 2;
        i += n;
    }
    int nfkc = (jk_normalizer_flags(norm) & JK_NORM_NFKC) != 0;
    for (size_t i = 0; i < size; i++)
        if ((mark[i] & 1) && !(mark[i] & 2) && letter_or_invalid(in + i, size - i, nfkc))
            abort(); /* a letter or an invalid byte was dropped */
    free(mark);
    if (jk_normalize_text(norm, (const char *)in, size, &b, &err) || b.len != a.len ||
        memcmp(a.text, b.text, a.len) != 0)
        abort();
    if (all && (jk_normalize(norm, a.text, a.len, &b, &err) || b.len != a.len ||
                memcmp(a.text, b.text, a.len) != 0))
        abort(); /* not idempotent */
    jk_normalized_release(&a);
    jk_normalized_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_error err;
    if (!norms[0])
        for (int i = 0; i < 6; i++)
            if (jk_normalizer_new(norm_flags[i], &norms[i], &err))
                abort();
    for (int i = 0; i < 6; i++)
        check(norms[i], i == 0, data, size);

    /* the same bytes as a string of pieces */
    size_t npieces = sizeof pieces / sizeof pieces[0];
    unsigned char *text = malloc(size * 8 + 1);
    if (!text)
        abort();
    size_t len = 0;
    for (size_t i = 0; i < size; i++) {
        const char *p = pieces[data[i] % npieces];
        size_t n = strlen(p);
        memcpy(text + len, p, n);
        len += n;
    }
    check(norms[0], 1, text, len);
    free(text);
    return 0;
}
