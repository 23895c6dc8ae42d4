/*
 * normalize.c — folding obfuscated post text into one comparable form, with
 * a map from every normalized byte back to the original bytes.
 *
 * Owns: the per-code-point folding tables (built once from utf8proc's
 * Unicode data), and the two passes over a text: pass 1 decodes and folds
 * each character on its own (NFKC, case, kana, context-free look-alikes),
 * pass 2 applies what depends on neighbours (separators between letters,
 * look-alike kanji next to kana, digits inside words).
 * Must not touch: anything about rules or matching.
 *
 * Why tables: NFKC and case folding of one code point never change, so the
 * result for every BMP code point is computed once in jk_normalizer_new and
 * a text costs one lookup per character. Non-BMP characters (mostly emoji)
 * are folded on the fly. Each table entry is iterated to a fixpoint, so
 * normalizing normalized text changes nothing (idempotence).
 *
 * The separator policy (see docs/rules.md, "Normalization"):
 *  - a gap of spaces/punctuation between two letters is removed unless both
 *    sides are Latin/digit words and one of them is longer than one
 *    character ("the cat" keeps its space; "y a s a i" and "ヤ サ イ" do not);
 *  - a gap made only of symbols/emoji between such letters is a spacer and
 *    is removed (野⭐菜); symbols elsewhere are kept, so rules can match 🥦;
 *  - a gap mixing symbols and spaces keeps its symbols, with each run of
 *    spaces collapsed to one space;
 *  - spaces at the start and end of the text are dropped.
 */
#include "junkai/normalize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "alloc.h"
#include "junkai/limits.h"
#include "utf8.h"

enum char_class {
    CLS_DROP,  /* zero-width, variation selectors: removed, never a gap */
    CLS_SEP,   /* spaces, punctuation, controls */
    CLS_SYM,   /* emoji and other symbols */
    CLS_KANA,  /* hiragana, katakana, prolonged sound mark */
    CLS_HAN,   /* ideographs and other CJK letters */
    CLS_LATIN, /* letters and digits of space-separated scripts */
    CLS_MARK,  /* combining marks */
    CLS_RUN    /* pass 1 only: a run of hiragana and kanji that every step
                  leaves unchanged, copied through as bytes (see pass1) */
};

#define MAX_FOLD 18 /* longest fold of one BMP code point (U+FDFA is 18) */

/* The fold of one BMP code point. The common case (one code point out) is
 * answered from the entry alone, without touching the pool: one memory
 * access per character on the hot path. */
typedef struct fold_entry {
    int32_t value; /* the folded code point when len == 1, else pool offset */
    uint8_t len;   /* code points; 0 = dropped */
    uint8_t cls;   /* class of value when len == 1 */
    bool katakana; /* the input code point is written katakana */
} fold_entry;

struct jk_normalizer {
    unsigned flags;
    fold_entry fold[0x10000];
    uint8_t cls[0x10000]; /* class of a folded BMP code point */
    int32_t *pool;
    size_t pool_len, pool_cap;
};

/* One folded character of pass 1. */
typedef struct norm_char {
    int32_t cp;
    uint32_t ostart, oend;
    uint8_t cls;
    bool katakana; /* written in katakana (before kana folding) */
} norm_char;

struct jk_norm_work {
    norm_char *chars;
    size_t cap;
};

/* ---- context-free folding (table build) --------------------------------- */

static bool is_kana(int32_t c)
{
    return (c >= 0x3041 && c <= 0x309F) || (c >= 0x30A0 && c <= 0x30FF) ||
           (c >= 0x31F0 && c <= 0x31FF);
}

static bool is_han(int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x3FFFF) || (c >= 0xF900 && c <= 0xFAFF) || c == 0x3005 ||
           c == 0x3006 || c == 0x3007 || (c >= 0xAC00 && c <= 0xD7AF);
}

static bool is_variation_selector(int32_t c)
{
    return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
}

static uint8_t classify(int32_t c)
{
    if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF ||
        c == 0x00AD || is_variation_selector(c) || c == 0x20E3 || (c >= 0xE0000 && c <= 0xE007F))
        return CLS_DROP;
    if (c == 0x3099 || c == 0x309A) /* combining voiced marks, inside the kana block */
        return CLS_MARK;
    if (c == 0xFFFD) /* stands for invalid input: never a spacer, never dropped */
        return CLS_LATIN;
    if (is_kana(c) && c != 0x30FB && c != 0x30A0) /* ・ and ゠ are punctuation */
        return CLS_KANA;
    if (is_han(c))
        return CLS_HAN;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return CLS_LATIN;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CLS_MARK;
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
        return CLS_SYM;
    case UTF8PROC_CATEGORY_CF:
        return CLS_DROP;
    default:
        return CLS_SEP; /* Z*, P*, Sm, Sk, Cc, Cs */
    }
}

/* Cyrillic and Greek letters that pass for Latin ones (after case folding,
 * so uppercase look-alikes arrive as their lowercase forms). */
static int32_t latin_lookalike(int32_t c)
{
    switch (c) {
    case 0x0430: return 'a'; /* а */
    case 0x0432: return 'b'; /* в (В) */
    case 0x0435: return 'e'; /* е */
    case 0x0451: return 'e'; /* ё */
    case 0x043A: return 'k'; /* к (К) */
    case 0x043C: return 'm'; /* м (М) */
    case 0x043D: return 'h'; /* н (Н) */
    case 0x043E: return 'o'; /* о */
    case 0x0440: return 'p'; /* р */
    case 0x0441: return 'c'; /* с */
    case 0x0442: return 't'; /* т (Т) */
    case 0x0443: return 'y'; /* у */
    case 0x0445: return 'x'; /* х */
    case 0x0455: return 's'; /* ѕ */
    case 0x0456: return 'i'; /* і */
    case 0x0457: return 'i'; /* ї */
    case 0x0458: return 'j'; /* ј */
    case 0x0501: return 'd'; /* ԁ */
    case 0x051B: return 'q'; /* ԛ */
    case 0x051D: return 'w'; /* ԝ */
    case 0x04BB: return 'h'; /* һ */
    case 0x04CF: return 'l'; /* ӏ */
    case 0x03B1: return 'a'; /* α */
    case 0x03B2: return 'b'; /* β */
    case 0x03B5: return 'e'; /* ε */
    case 0x03B7: return 'n'; /* η */
    case 0x03B9: return 'i'; /* ι */
    case 0x03BA: return 'k'; /* κ */
    case 0x03BD: return 'v'; /* ν */
    case 0x03BF: return 'o'; /* ο */
    case 0x03C1: return 'p'; /* ρ */
    case 0x03C4: return 't'; /* τ */
    case 0x03C5: return 'u'; /* υ */
    case 0x03C7: return 'x'; /* χ */
    case 0x03C9: return 'w'; /* ω */
    case 0x03B6: return 'z'; /* ζ */
    case 0x3007: return '0'; /* 〇 */
    case 0x25CB: return '0'; /* ○ */
    case 0x25EF: return '0'; /* ◯ */
    case 0xFF0D: return 0x30FC; /* － (before NFKC turns it into '-') */
    case 0x2014: return 0x30FC; /* — */
    case 0x2015: return 0x30FC; /* ― */
    case 0x2500: return 0x30FC; /* ─ */
    default: return c;
    }
}

/* Katakana to hiragana: the blocks are parallel 0x60 apart. ヷ-ヺ have no
 * single hiragana; they become わ/ゐ/ゑ/を with the voiced mark. */
static size_t kana_fold(int32_t c, int32_t *out)
{
    if ((c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE) {
        out[0] = c - 0x60;
        return 1;
    }
    if (c >= 0x30F7 && c <= 0x30FA) {
        out[0] = 0x308F + (c - 0x30F7);
        out[1] = 0x3099;
        return 2;
    }
    if (c >= 0x31F0 && c <= 0x31FF) { /* small katakana extensions ㇰ… */
        out[0] = c;
        return 1;
    }
    out[0] = c;
    return 1;
}

/* Fold one code point without context. Returns the number of code points
 * written to out (at most MAX_FOLD; 0 = dropped). */
static size_t fold_once(unsigned flags, int32_t c, int32_t *out)
{
    int32_t buf[MAX_FOLD * 2];
    size_t n = 1;
    buf[0] = c;
    if (flags & JK_NORM_LOOKALIKE)
        buf[0] = latin_lookalike(c);
    int options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (flags & JK_NORM_NFKC)
        options |= UTF8PROC_COMPAT;
    if (flags & JK_NORM_CASE)
        options |= UTF8PROC_CASEFOLD;
    if (flags & (JK_NORM_NFKC | JK_NORM_CASE)) {
        int bound = 0;
        utf8proc_ssize_t r = utf8proc_decompose_char(buf[0], buf, MAX_FOLD, options, &bound);
        if (r < 0 || r > MAX_FOLD) {
            buf[0] = c;
            r = 1;
        }
        n = (size_t)r;
        if (n > 1) {
            r = utf8proc_normalize_utf32(buf, (utf8proc_ssize_t)n, options);
            n = r > 0 ? (size_t)r : 1;
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < n && m < MAX_FOLD; i++) {
        int32_t k = buf[i];
        if (flags & JK_NORM_LOOKALIKE) {
            k = latin_lookalike(k);
            /* accents on Latin letters: é is e for matching purposes */
            if (classify(k) == CLS_MARK && m > 0 && out[m - 1] < 0x250 && k != 0x3099 &&
                k != 0x309A)
                continue;
            if (k >= 0xC0 && k < 0x250) {
                int32_t d[MAX_FOLD];
                int bound = 0;
                utf8proc_ssize_t r = utf8proc_decompose_char(k, d, MAX_FOLD,
                                                             UTF8PROC_DECOMPOSE, &bound);
                if (r >= 1 && d[0] < 0x80)
                    k = d[0];
            }
        }
        int32_t kana[2];
        size_t kn = (flags & JK_NORM_KANA) ? kana_fold(k, kana) : (kana[0] = k, 1);
        for (size_t j = 0; j < kn && m < MAX_FOLD; j++) {
            if (classify(kana[j]) == CLS_DROP)
                continue;
            out[m++] = kana[j];
        }
    }
    return m;
}

/* Fold to a fixpoint so that folding folded text changes nothing. */
static size_t fold_codepoint(unsigned flags, int32_t c, int32_t *out)
{
    size_t n = fold_once(flags, c, out);
    for (int round = 0; round < 4; round++) {
        int32_t next[MAX_FOLD];
        size_t m = 0;
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            int32_t part[MAX_FOLD];
            size_t k = fold_once(flags, out[i], part);
            if (k != 1 || part[0] != out[i])
                changed = true;
            for (size_t j = 0; j < k && m < MAX_FOLD; j++)
                next[m++] = part[j];
        }
        if (!changed)
            break;
        memcpy(out, next, m * sizeof *out);
        n = m;
    }
    return n;
}

/* Katakana as written: full-width, half-width, or the prolonged sound mark
 * that katakana words use. Look-alike kanji imitate these (エ口, 力ワイイ). */
static bool written_katakana(int32_t c)
{
    return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || (c >= 0xFF66 && c <= 0xFF9D) ||
           (c >= 0x31F0 && c <= 0x31FF);
}

static void pool_push(jk_normalizer *nz, const int32_t *cps, size_t n)
{
    if (n == 0)
        return;
    jk_grow((void **)&nz->pool, &nz->pool_cap, nz->pool_len + n, sizeof *nz->pool);
    memcpy(nz->pool + nz->pool_len, cps, n * sizeof *cps);
    nz->pool_len += n;
}

int jk_normalizer_new(unsigned flags, jk_normalizer **out, jk_error *err)
{
    (void)err;
    jk_normalizer *nz = jk_calloc(1, sizeof *nz);
    nz->flags = flags & JK_NORM_ALL;
    for (int32_t c = 0; c < 0x10000; c++) {
        int32_t cps[MAX_FOLD];
        size_t n;
        if (c >= 0xD800 && c <= 0xDFFF) {
            cps[0] = 0xFFFD; /* never decoded; kept total for safety */
            n = 1;
        } else if (c < 0x80 && !(nz->flags & JK_NORM_CASE)) {
            cps[0] = c;
            n = 1;
        } else {
            n = fold_codepoint(nz->flags, c, cps);
        }
        fold_entry *fe = &nz->fold[c];
        fe->len = (uint8_t)n;
        if (n == 1) {
            fe->value = cps[0];
            fe->cls = classify(cps[0]);
        } else {
            fe->value = (int32_t)nz->pool_len;
            pool_push(nz, cps, n);
        }
        /* － and — fold to ー, which reads as katakana to its neighbours
         * whatever it was written as (idempotence needs the same answer for
         * the folded text) */
        fe->katakana = written_katakana(c) || (n == 1 && cps[0] == 0x30FC);
        nz->cls[c] = classify(c);
    }
    *out = nz;
    return JK_OK;
}

void jk_normalizer_free(jk_normalizer *nz)
{
    if (!nz)
        return;
    free(nz->pool);
    free(nz);
}

unsigned jk_normalizer_flags(const jk_normalizer *nz)
{
    return nz->flags;
}

void jk_normalized_init(jk_normalized *res)
{
    memset(res, 0, sizeof *res);
}

void jk_normalized_release(jk_normalized *res)
{
    free(res->text);
    free(res->orig_start);
    free(res->orig_end);
    if (res->work) {
        free(res->work->chars);
        free(res->work);
    }
    memset(res, 0, sizeof *res);
}

void jk_normalized_to_original(const jk_normalized *res, size_t nstart, size_t nend,
                               size_t *ostart, size_t *oend)
{
    *ostart = res->orig_start[nstart];
    *oend = res->orig_end[nend - 1];
}

/* ---- pass 1: decode and fold each character ----------------------------- */

static inline uint8_t class_of(const jk_normalizer *nz, int32_t c)
{
    return c < 0x10000 ? nz->cls[c] : classify(c);
}

/* Compose base + voiced/semi-voiced mark (か+゛→が) as NFC would; 0 when
 * the pair has no composed form. */
static int32_t compose_pair(int32_t base, int32_t mark)
{
    int32_t buf[2] = {base, mark};
    utf8proc_ssize_t n = utf8proc_normalize_utf32(buf, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    return n == 1 ? buf[0] : 0;
}

static void grow_chars(struct jk_norm_work *w, size_t need)
{
    size_t cap = w->cap ? w->cap : 256;
    while (cap < need)
        cap *= 2;
    w->chars = jk_reallocarray(w->chars, cap, sizeof *w->chars);
    w->cap = cap;
}

static inline void push_char(struct jk_norm_work *w, size_t *count, int32_t cp, uint32_t os,
                             uint32_t oe, uint8_t cls, bool katakana)
{
    if (*count == w->cap)
        grow_chars(w, *count + 1);
    w->chars[(*count)++] = (norm_char){cp, os, oe, cls, katakana};
}



/* A run segment keeps in `cp` whether its first and last characters are
 * kanji (the neighbours that look-alike folding asks about). */
#define RUN_FIRST_HAN 1
#define RUN_LAST_HAN 2

/* Is the 3-byte UTF-8 character at s a hiragana letter or a kanji that no
 * step changes? Those are most of Japanese text; recognising them from
 * their bytes lets pass 1 skip decoding and pass 2 copy them through. */
static inline bool plain_cjk(const unsigned char *s, bool *han)
{
    unsigned char a = s[0], b = s[1], c = s[2];
    if (a == 0xE3) { /* hiragana ぁ..ゖ: U+3041..U+3096 */
        *han = false;
        return (b == 0x81 && c >= 0x81 && c <= 0xBF) || (b == 0x82 && c >= 0x80 && c <= 0x96);
    }
    if (a < 0xE4 || a > 0xE9 || (a == 0xE4 && b < 0xB8) || (b & 0xC0) != 0x80 ||
        (c & 0xC0) != 0x80)
        return false; /* not U+4E00..U+9FFF */
    *han = true;
    int32_t cp = ((a & 0x0F) << 12) | ((b & 0x3F) << 6) | (c & 0x3F);
    switch (cp) { /* the look-alike kanji take the general path */
    case 0x5DE5: case 0x53E3: case 0x529B: case 0x4E8C:
    case 0x535C: case 0x5915: case 0x516B: case 0x4E00:
        return false;
    default:
        return true;
    }
}

static inline int32_t decode3(const unsigned char *s)
{
    return ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
}

static size_t pass1(const jk_normalizer *nz, const unsigned char *in, size_t len,
                    struct jk_norm_work *w)
{
    size_t count = 0;
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        size_t n;
        bool han;
        if (in[i] >= 0xE3 && in[i] <= 0xE9 && len - i >= 3 && plain_cjk(in + i, &han)) {
            size_t j = i + 3;
            bool last_han = han, next_han;
            uint32_t flags = han ? RUN_FIRST_HAN : 0;
            while (len - j >= 3 && plain_cjk(in + j, &next_han)) {
                last_han = next_han;
                j += 3;
            }
            if (last_han)
                flags |= RUN_LAST_HAN;
            if (w->cap - count < (len - i) + MAX_FOLD + 1)
                grow_chars(w, count + (len - i) + MAX_FOLD + 1);
            w->chars[count++] = (norm_char){(int32_t)flags, (uint32_t)i, (uint32_t)j, CLS_RUN,
                                            false};
            i = j;
            continue;
        }
        if (in[i] < 0x80) {
            cp = in[i];
            n = 1;
        } else {
            n = jk_utf8_decode(in + i, len - i, &cp);
        }
        if (n == 0) {
            cp = 0xFFFD;
            n = 1;
        }
        uint32_t os = (uint32_t)i, oe = (uint32_t)(i + n);
        i += n;

        /* Room for this character's output and every later one at one
         * entry per input byte, so the fast path needs no capacity check. */
        if (w->cap - count < (len - i) + MAX_FOLD + 1)
            grow_chars(w, count + (len - i) + MAX_FOLD + 1);
        /* Ideographs fold to themselves under every flag; skipping the
         * table for them keeps the table's hot part in cache. */
        if (cp >= 0x4E00 && cp <= 0x9FFF) {
            w->chars[count++] = (norm_char){cp, os, oe, CLS_HAN, false};
            continue;
        }
        if (cp < 0x10000) {
            const fold_entry *fe = &nz->fold[cp];
            if (fe->len == 1 && fe->cls != CLS_MARK && fe->cls != CLS_DROP) {
                w->chars[count++] = (norm_char){fe->value, os, oe, fe->cls, fe->katakana};
                continue;
            }
        }
        bool kata = written_katakana(cp);
        const int32_t *folded;
        int32_t dyn[MAX_FOLD];
        size_t fn;
        if (cp < 0x10000) {
            const fold_entry *fe = &nz->fold[cp];
            folded = fe->len == 1 ? &fe->value : nz->pool + fe->value;
            fn = fe->len;
        } else {
            fn = fold_codepoint(nz->flags, cp, dyn);
            folded = dyn;
        }
        for (size_t k = 0; k < fn; k++) {
            int32_t f = folded[k];
            uint8_t cls = class_of(nz, f);
            if (cls == CLS_DROP)
                continue;
            if (cls == CLS_MARK) {
                /* ｶﾞ arrives as カ + U+3099: compose with the previous
                 * character, which then covers both originals. */
                norm_char *prev = count ? &w->chars[count - 1] : NULL;
                if (prev && prev->cls == CLS_RUN) {
                    /* the mark belongs to the run's last character: split
                     * it off so it can compose (か + ゛ is が) */
                    uint32_t last = prev->oend - 3;
                    int32_t base = decode3(in + last);
                    bool base_han = (prev->cp & RUN_LAST_HAN) != 0;
                    if (last == prev->ostart) {
                        count--;
                    } else {
                        prev->oend = last;
                        bool h = false;
                        plain_cjk(in + last - 3, &h);
                        prev->cp = (prev->cp & RUN_FIRST_HAN) | (h ? RUN_LAST_HAN : 0);
                    }
                    push_char(w, &count, base, last, last + 3, base_han ? CLS_HAN : CLS_KANA,
                              false);
                    prev = &w->chars[count - 1];
                }
                if (prev && prev->cls != CLS_SEP && prev->cls != CLS_SYM) {
                    /* Accents are look-alike noise (é is e); dropping them
                     * before composing keeps folding idempotent. */
                    if ((nz->flags & JK_NORM_LOOKALIKE) && f != 0x3099 && f != 0x309A) {
                        prev->oend = oe; /* dropped, still covered */
                        continue;
                    }
                    int32_t composed = (nz->flags & JK_NORM_NFKC) ? compose_pair(prev->cp, f) : 0;
                    if (composed) {
                        prev->cp = composed;
                        prev->oend = oe;
                        continue;
                    }
                    push_char(w, &count, f, os, oe, prev->cls, prev->katakana);
                    continue;
                }
                if (nz->flags & JK_NORM_SEPARATORS)
                    cls = CLS_SYM;
                else
                    cls = CLS_LATIN;
            }
            push_char(w, &count, f, os, oe, cls, kata || f == 0x30FC);
        }
    }
    return count;
}

/* ---- pass 2: context ---------------------------------------------------- */

typedef struct emitter {
    jk_normalized *res;
    bool maps; /* fill orig_start/orig_end */
    size_t len;
    size_t word_start; /* output offset of the current Latin word, or SIZE_MAX */
    bool lookalike;
} emitter;

static void reserve_out(jk_normalized *res, size_t need, bool maps)
{
    if (need + 1 > res->text_cap) {
        size_t cap = res->text_cap ? res->text_cap : 256;
        while (cap < need + 1)
            cap *= 2;
        res->text = jk_realloc(res->text, cap);
        res->text_cap = cap;
    }
    if (maps && need > res->map_cap) {
        size_t cap = res->map_cap ? res->map_cap : 256;
        while (cap < need)
            cap *= 2;
        res->orig_start = jk_reallocarray(res->orig_start, cap, sizeof *res->orig_start);
        res->orig_end = jk_reallocarray(res->orig_end, cap, sizeof *res->orig_end);
        res->map_cap = cap;
    }
}

static inline void emit_cp(emitter *e, int32_t cp, uint32_t os, uint32_t oe)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    char *out = e->res->text + e->len;
    for (size_t k = 0; k < n; k++)
        out[k] = (char)b[k];
    if (e->maps) {
        if (e->len + n > e->res->map_cap)
            reserve_out(e->res, e->len + n, true);
        for (size_t k = 0; k < n; k++) {
            e->res->orig_start[e->len + k] = os;
            e->res->orig_end[e->len + k] = oe;
        }
    }
    e->len += n;
}

/* Digits and letters that imitate each other inside one ASCII word:
 * "42O" is 420 and "c0caine" is cocaine. Same byte length, so the offset
 * map is untouched. Short mixed tokens such as "1g" stay as they are. */
static void fold_word_slow(emitter *e)
{
    char *w = e->res->text + e->word_start;
    size_t n = e->len - e->word_start;
    e->word_start = SIZE_MAX;
    if (!e->lookalike || n < 2)
        return;
    size_t digits = 0, letters = 0, digitlike = 0;
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if (c >= 'a' && c <= 'z') {
            letters++;
            digitlike += c == 'o' || c == 'l' || c == 'i';
        } else
            return; /* not a plain ASCII word */
    }
    if (digits == 0 || letters == 0)
        return;
    if (letters == digitlike) {
        for (size_t i = 0; i < n; i++)
            if (w[i] == 'o')
                w[i] = '0';
            else if (w[i] == 'l' || w[i] == 'i')
                w[i] = '1';
    } else if (letters >= 3) {
        for (size_t i = 0; i < n; i++) {
            switch (w[i]) {
            case '0': w[i] = 'o'; break;
            case '1': w[i] = 'i'; break;
            case '3': w[i] = 'e'; break;
            case '4': w[i] = 'a'; break;
            case '5': w[i] = 's'; break;
            default: break;
            }
        }
    }
}

static inline void fold_word(emitter *e)
{
    if (e->word_start != SIZE_MAX)
        fold_word_slow(e);
}

static inline bool is_letter(uint8_t cls)
{
    return cls == CLS_KANA || cls == CLS_HAN || cls == CLS_LATIN || cls == CLS_RUN;
}

/* Is the side of ch that faces a neighbour a kanji? */
static inline bool han_toward(const norm_char *ch, bool first_side)
{
    if (ch->cls == CLS_RUN)
        return (ch->cp & (first_side ? RUN_FIRST_HAN : RUN_LAST_HAN)) != 0;
    return ch->cls == CLS_HAN;
}

/* Kanji that imitate katakana (工口 for エロ). */
static inline int32_t kanji_lookalike(int32_t c)
{
    switch (c) {
    case 0x5DE5: return 0x3048; /* 工 え */
    case 0x53E3: return 0x308D; /* 口 ろ */
    case 0x529B: return 0x304B; /* 力 か */
    case 0x4E8C: return 0x306B; /* 二 に */
    case 0x535C: return 0x3068; /* 卜 と */
    case 0x5915: return 0x305F; /* 夕 た */
    case 0x516B: return 0x306F; /* 八 は */
    case 0x4E00: return 0x30FC; /* 一 ー */
    default: return 0;
    }
}

/* Decide, for each run of look-alike kanji, whether it is disguised kana:
 * it is when two or more stand together (工口動画, but not inside a longer
 * kanji compound such as 人工口座), or when a lone one touches
 * katakana and its other side is not a kanji (エ口, 口リ, ア力ウント). A lone
 * one next to kanji or hiragana is a real kanji (口座, ネット口座, 協力して,
 * 一緒に): hiragana neighbours are ordinary okurigana, and a katakana word
 * followed by a kanji compound is ordinary Japanese.
 * Runs and neighbours skip gaps, as gaps between CJK letters vanish. */
static size_t fold_kanji_runs(norm_char *ch, size_t n, bool compose)
{
    size_t dropped = 0;
    size_t i = 0;
    while (i < n) {
        if (ch[i].cls != CLS_HAN || !kanji_lookalike(ch[i].cp)) {
            i++;
            continue;
        }
        size_t run_len = 0, j = i, last = i;
        while (j < n) {
            if (ch[j].cls == CLS_SEP || ch[j].cls == CLS_SYM) {
                j++;
                continue;
            }
            if (ch[j].cls == CLS_HAN && kanji_lookalike(ch[j].cp)) {
                run_len++;
                last = j;
                j++;
                continue;
            }
            break;
        }
        bool next_kata = j < n && ch[j].katakana, next_han = j < n && han_toward(&ch[j], true);
        bool prev_kata = false, prev_han = false;
        for (size_t k = i; k-- > 0;) {
            if (ch[k].cls == CLS_SEP || ch[k].cls == CLS_SYM)
                continue;
            prev_kata = ch[k].katakana;
            prev_han = han_toward(&ch[k], false);
            break;
        }
        if ((run_len >= 2 && !(prev_han && next_han)) || (prev_kata && !next_han) ||
            (next_kata && !prev_han)) {
            for (size_t k = i; k <= last; k++)
                if (ch[k].cls == CLS_HAN && kanji_lookalike(ch[k].cp)) {
                    ch[k].cp = kanji_lookalike(ch[k].cp);
                    ch[k].cls = CLS_KANA;
                    /* as the folded text will read when normalized again:
                     * え is hiragana, ー reads as katakana */
                    ch[k].katakana = ch[k].cp == 0x30FC;
                    /* 力ﾞ is disguised ガ: the voiced mark that could not
                     * compose with 力 composes with か now */
                    int32_t composed;
                    if (compose && k + 1 < n &&
                        (ch[k + 1].cp == 0x3099 || ch[k + 1].cp == 0x309A) &&
                        (composed = compose_pair(ch[k].cp, ch[k + 1].cp)) != 0) {
                        ch[k].cp = composed;
                        ch[k].oend = ch[k + 1].oend;
                        ch[k + 1].cls = CLS_DROP;
                        dropped++;
                    } else if (k + 1 < n && ch[k + 1].ostart == ch[k].oend &&
                               (ch[k + 1].cp == 0x3099 || ch[k + 1].cp == 0x309A)) {
                        /* an uncomposed mark takes its base's class */
                        ch[k + 1].cls = CLS_KANA;
                        ch[k + 1].katakana = ch[k].katakana;
                    }
                }
        }
        i = last + 1;
    }
    if (dropped == 0)
        return n;
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (ch[k].cls != CLS_DROP)
            ch[m++] = ch[k];
    return m;
}

/* Length of the Latin word (no gaps) that contains or starts at i,
 * scanning in direction dir. */
static size_t latin_run(const norm_char *ch, size_t n, size_t i, int dir)
{
    size_t len = 0;
    for (;;) {
        if (ch[i].cls != CLS_LATIN)
            break;
        len++;
        if (dir < 0) {
            if (i == 0)
                break;
            i--;
        } else {
            if (++i >= n)
                break;
        }
    }
    return len;
}

/* Copy a run of unchanged characters; each 3-byte character maps to its
 * own 3 original bytes. */
static void emit_run(emitter *e, const char *in, uint32_t os, uint32_t oe)
{
    size_t n = oe - os;
    memcpy(e->res->text + e->len, in + os, n);
    if (e->maps) {
        if (e->len + n > e->res->map_cap)
            reserve_out(e->res, e->len + n, true);
        for (size_t k = 0; k < n; k++) {
            uint32_t start = os + (uint32_t)(k / 3 * 3);
            e->res->orig_start[e->len + k] = start;
            e->res->orig_end[e->len + k] = start + 3;
        }
    }
    e->len += n;
}

static void pass2(const jk_normalizer *nz, const char *in, norm_char *ch, size_t n, emitter *e)
{
    bool seps = (nz->flags & JK_NORM_SEPARATORS) != 0;
    if ((nz->flags & JK_NORM_LOOKALIKE))
        n = fold_kanji_runs(ch, n, (nz->flags & JK_NORM_NFKC) != 0);
    size_t i = 0;
    while (i < n) {
        uint8_t cls = ch[i].cls;
        if (!seps || is_letter(cls)) {
            if (cls == CLS_LATIN) {
                if (e->word_start == SIZE_MAX)
                    e->word_start = e->len;
            } else {
                fold_word(e);
            }
            if (cls == CLS_RUN)
                emit_run(e, in, ch[i].ostart, ch[i].oend);
            else
                emit_cp(e, ch[i].cp, ch[i].ostart, ch[i].oend);
            i++;
            continue;
        }
        /* A gap: [i, j) of separators and symbols. */
        size_t j = i;
        bool has_sep = false, has_sym = false;
        while (j < n && !is_letter(ch[j].cls)) {
            has_sep |= ch[j].cls == CLS_SEP;
            has_sym |= ch[j].cls == CLS_SYM;
            j++;
        }
        bool at_start = i == 0, at_end = j == n;
        bool glue = false;
        if (!at_start && !at_end) {
            bool left_latin = ch[i - 1].cls == CLS_LATIN, right_latin = ch[j].cls == CLS_LATIN;
            if (!(left_latin && right_latin))
                glue = true;
            else
                glue = latin_run(ch, n, i - 1, -1) == 1 && latin_run(ch, n, j, +1) == 1;
        }
        if (!has_sym) {
            /* spaces and punctuation only */
            if (!glue && !at_start && !at_end) {
                fold_word(e);
                emit_cp(e, ' ', ch[i].ostart, ch[j - 1].oend);
            }
        } else if (!has_sep && glue) {
            /* symbols used as spacers between letters (野⭐菜): dropped */
        } else {
            /* keep symbols; each run of separators inside becomes a space */
            fold_word(e);
            size_t k = i;
            while (k < j) {
                if (ch[k].cls == CLS_SYM) {
                    emit_cp(e, ch[k].cp, ch[k].ostart, ch[k].oend);
                    k++;
                    continue;
                }
                size_t s = k;
                while (k < j && ch[k].cls != CLS_SYM)
                    k++;
                if (!(s == i && at_start) && !(k == j && at_end))
                    emit_cp(e, ' ', ch[s].ostart, ch[k - 1].oend);
            }
        }
        i = j;
    }
    fold_word(e);
}

static int normalize(const jk_normalizer *nz, const char *in, size_t len, jk_normalized *res,
                     bool maps, jk_error *err)
{
    if (len > JK_MAX_TEXT_BYTES)
        return jk_error_set(err, JK_ELIMIT, "text of %zu bytes exceeds the limit of %u bytes",
                            len, (unsigned)JK_MAX_TEXT_BYTES);
    if (!res->work)
        res->work = jk_calloc(1, sizeof *res->work);
    size_t n = pass1(nz, (const unsigned char *)in, len, res->work);
    emitter e = {res, maps, 0, SIZE_MAX, (nz->flags & JK_NORM_LOOKALIKE) != 0};
    /* Every output character is at most 4 bytes and each gap adds at most
     * one space, so this bound lets emit_cp skip text capacity checks. The
     * map grows as needed (it is built only for texts that hit). */
    reserve_out(res, len + 5 * n + 1, false);
    pass2(nz, in, res->work->chars, n, &e);
    res->text[e.len] = '\0';
    res->len = e.len;
    res->input_len = len;
    return JK_OK;
}

int jk_normalize(const jk_normalizer *nz, const char *in, size_t len, jk_normalized *res,
                 jk_error *err)
{
    return normalize(nz, in, len, res, true, err);
}

int jk_normalize_text(const jk_normalizer *nz, const char *in, size_t len, jk_normalized *res,
                      jk_error *err)
{
    return normalize(nz, in, len, res, false, err);
}
