/*
 * normalize.c — folding obfuscated post text into one comparable form, with
 * a map from every normalized byte back to the original bytes.
 *
 * Owns: the per-code-point folding table (built once from utf8proc's
 * Unicode data) and the single pass over a text that applies it together
 * with the folds that depend on neighbours (separators between letters,
 * look-alike kanji next to katakana, digits inside words).
 * Must not touch: anything about rules or matching.
 *
 * Why a table: NFKC, case and kana folding of one code point never change,
 * so jk_normalizer_new computes the result for every BMP code point once,
 * already encoded as UTF-8, with the class the context rules need. A text
 * then costs one lookup per character; ideographs (most of Japanese text)
 * skip even that, as they fold to themselves. Non-BMP characters (emoji,
 * rare kanji, math letters) are folded on the fly. Every fold is iterated
 * to a fixpoint, so normalizing normalized text changes nothing.
 *
 * Why one pass: the first version folded into an array of 16-byte records
 * and walked it again for the context rules, at about 100 MB/s. Context is
 * almost always one character wide, so this pass keeps a little state (the
 * last letter, the pending gap, the current Latin word) and looks ahead
 * only in the rare places that need it (a Latin letter after a gap, a
 * look-alike kanji, a dash).
 *
 * Character classes: letters are CJK (ideographs, kana, hangul) or Latin
 * (letters and digits of every other script, and U+FFFD, which stands for
 * invalid input and is never dropped); separators are spaces, controls,
 * punctuation (P*) and Sm/Sk symbols; symbols are So/Sc, emoji, private
 * use and unassigned code points; zero-width characters, format controls,
 * variation selectors, tags and the keycap mark are dropped anywhere (they
 * are spacers, so this is the separators step; without it they are kept).
 * With no step at all the output is the input with invalid bytes replaced.
 *
 * Separator policy (JK_NORM_SEPARATORS). A gap is a maximal run of
 * separators and symbols. Between two letters, a gap made only of
 * separators, or only of symbols (野⭐菜: emoji used as spacers), is removed
 * unless both sides are Latin words and one of them has more than one
 * letter: ヤ サ イ, や.さ.い, ｐ 活, y a s a i, 1 g and ﾔｻｲ ＴＨＣ (やさいthc)
 * are glued, as gluing Latin to CJK never makes a new English word, while
 * "the cat" keeps one space. A gap that is kept, or mixes separators with
 * symbols (野菜 🥦 手押し: the emoji is a word), keeps its symbols, and each
 * run of separators in it becomes one space. A gap at the start or end of
 * the text keeps its symbols (🥦あります, 手押し🍁) and drops the separator
 * runs at the very start and end. Word lengths count letters as written,
 * before gaps are removed, so "ab c d" becomes "ab cd".
 *
 * Look-alikes (JK_NORM_LOOKALIKE), context-free: Cyrillic and Greek letters
 * that pass for Latin ones, accents on Latin letters, 〇 ○ ◯ as 0. In
 * context:
 *  - a run of the kanji 工口力二卜夕八一 (runs skip gaps) is disguised
 *    katakana (え ろ か に と た は ー) when it reads as kana and not as a
 *    word (run_reads_as_kana): with katakana on both sides (ア力ウント,
 *    ア一ス) or a voiced mark after a member (力ﾞ: kanji take no voiced
 *    marks); a run of two or more with no kanji on either side (工口, 工口
 *    サイト), or with a kanji on one side only and no 一 (工口動画), but not
 *    when it starts with 一 and no katakana precedes (ー never begins a
 *    word: 一口, 一口サイズ) nor when it is a numeral pair (二口目); one
 *    look-alike after katakana (エ口, エ口い, エクスタシ一), except 力 (the
 *    suffix -力: コミュ力が) and a numeral before hiragana (ケーキ一つ); one
 *    look-alike between katakana and a kanji only if it is 口 工 夕 or 卜
 *    and forms no word with that kanji (エ口動画, ネッ卜販売, but ネット口座,
 *    ガラス工房; 力 and the numerals stay: プレゼン力向上, ランキング一位);
 *    one look-alike before katakana with no kanji before it (口リ, 力ード),
 *    except 一 (一パック), 二 八 unless the katakana cannot begin a word
 *    (二セット, but 八ッパ, 二ート) and 口 in 口コミ, 口パク. Beside
 *    kanji, hiragana or nothing a look-alike is a real kanji (口座, 人口リスト,
 *    協力して, 入口に, は二人で).
 *  - a dash (－ — ― ‐ – ─ ━ −) next to kana, with no gap between, is the
 *    prolonged sound mark ー (ア－ス, すげ―); elsewhere it is a separator.
 *  - in an ASCII word of lower-case letters and digits (fold_word): a word
 *    that starts with a digit and has only o as letters is a number (42O,
 *    1O万); in a word of three letters or more, a run of one or two of the
 *    digits 0 1 3 4 5 with letters on both sides, or a leading 1 before a
 *    vowel, is letters o l/i e a s (t0kyo, c0caine, sh4bu, 1ine); digits at
 *    a word's end or in longer runs stay (iphone15, 1ldk, gtx1050ti, 1g).
 *
 * Kana in context (JK_NORM_KANA): ヵ is か; ヶ is か (3ヶ月, 一ヶ所) except
 * between a kanji that is not a numeral and another kanji, where it is が
 * (霞ヶ関); ケ is か between a numeral and a counter kanji (3ケ月, 1ケ所)
 * and け elsewhere (counter_kana).
 *
 * Plus signs (JK_NORM_SEPARATORS): a + right after a Latin word, unless a
 * Latin letter or digit follows the signs (Disney+, C++, but a+b), or
 * right before a digit (+81), is kept as a letter; elsewhere it is a
 * separator (や+さ+い).
 *
 * Marks: a combining mark composes with the character before it (ｶﾞ, か +
 * U+3099; also ゛ ゜, which NFKC would turn into a space and a mark) and the
 * result covers both originals. Marks that do not compose stay attached;
 * under LOOKALIKE all but the kana voiced marks are dropped. Composition is
 * pairwise, which is all that kana and Latin accents need: several marks on
 * one base are not reordered canonically, and Hangul jamo are not joined
 * (NFC would do both).
 *
 * The offset map: output character c (all of its bytes) maps to the range
 * of the input character that produced it, or for a composed character to
 * the range from its base to its mark, or for a space that stands for a run
 * of separators to that whole run. Input characters that produce nothing
 * are "dropped": separators, symbols and marks of removed gaps, separators
 * at the start and end, and zero-width characters and variation selectors.
 * (An accent removed by LOOKALIKE is not dropped: its base's range grows
 * over it.) So every input byte is inside some output range or belongs to a
 * dropped character, and no invalid byte and no character whose NFKC form
 * has a letter or digit (ﾞ is a mark, ﹼ a space and a mark) is ever
 * dropped. tests/core/test_normalize.c checks exactly this on every result.
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

/* What a folded code point is to the context rules. */
enum kind {
    K_LATIN, /* letter or digit of a space-separated script */
    K_CJK,   /* ideograph, kana, hangul */
    K_SEP,   /* space, control, punctuation, Sm/Sk */
    K_SYM,   /* emoji and other symbols */
    K_DROP,  /* removed everywhere */
    K_MARK,  /* combining mark */
    K_SLOW,  /* table entry only: fold to several code points, see the pool */
    K_NONE   /* state only: no letter yet */
};

enum kind_flags {
    F_KANA = 1u << 0, /* hiragana or katakana (incl. ー) */
    F_HAN = 1u << 1,  /* a CJK letter that is not kana */
    F_KATA = 1u << 2, /* reads as katakana to a look-alike kanji next to it */
    F_LOOK = 1u << 3, /* look-alike kanji: folded by context (LOOKALIKE only) */
    F_DASH = 1u << 4, /* dash: ー next to kana (LOOKALIKE only) */
    F_CTR = 1u << 5,  /* ヶ or ケ: か, が or け by context (KANA only) */
    F_PLUS = 1u << 6  /* plus sign: kept at a word's edge (SEPARATORS only) */
};

#define MAX_FOLD 18 /* longest fold of one code point (U+FDFA is 18) */
#define NONE SIZE_MAX
/* Output slack: the fast path stores 4 bytes (and 4 map entries) at a time
 * whatever the character's length. */
#define SLACK 8

/* The fold of one BMP code point: kind and flags of the folded character
 * and its UTF-8, or for K_SLOW an offset into the pool (count, then code
 * points). 8 bytes, so the kana and ASCII parts stay in L1. */
typedef struct fold_entry {
    uint8_t kind;
    uint8_t flags;
    uint8_t nbytes;
    uint8_t wbits; /* word_bits of the folded character (see pass) */
    union {
        unsigned char utf8[4];
        uint32_t pool;
    } out;
} fold_entry;

struct jk_normalizer {
    unsigned flags;
    int32_t *pool;
    size_t pool_len, pool_cap;
    /* look-alike kanji among U+4E00..U+5DFF, one bit each */
    uint8_t look_kanji[(0x5E00 - 0x4E00) / 8];
    /* U+3000..U+30FF that fold to a 3-byte CJK letter without context (the
     * kana): UTF-8 in the low three bytes, flags in the top one; else 0 */
    uint32_t kana[0x100];
    fold_entry fold[0x10000];
};

/* ---- context-free folding (table build) --------------------------------- */

static bool is_kana(int32_t c)
{
    return (c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E ||
           (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FE) ||
           (c >= 0x31F0 && c <= 0x31FF) || c == 0x309F || c == 0x30FF;
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

static enum kind classify(int32_t c)
{
    if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF || c == 0x00AD ||
        is_variation_selector(c) || c == 0x20E3 || (c >= 0xE0000 && c <= 0xE007F))
        return K_DROP;
    if (c == 0x3099 || c == 0x309A)
        return K_MARK;
    if (c == 0xFFFD) /* stands for invalid input: never a spacer, never dropped */
        return K_LATIN;
    if (is_kana(c) || is_han(c))
        return K_CJK;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return K_LATIN;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return K_MARK;
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
        return K_SYM;
    case UTF8PROC_CATEGORY_CF:
        return K_DROP; /* bidi overrides, LRM/RLM: invisible */
    default:
        return K_SEP; /* Z*, P*, Sm, Sk, Cc, Cs */
    }
}

/* Cyrillic and Greek letters that pass for Latin ones (after case folding,
 * so upper-case look-alikes arrive as their lower-case forms), and the
 * circles that pass for zero. */
/* One row per character: the tables read as tables. */
/* clang-format off */
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
    case 0x043F: return 'n'; /* п */
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
    default: return c;
    }
}
/* clang-format on */

/* Dashes that stand for the prolonged sound mark next to kana. ASCII '-'
 * is not one: it is far too common between Latin words and numbers. */
static bool is_dash(int32_t c)
{
    return (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x2500 || c == 0x2501 ||
           c == 0xFF0D || c == 0xFE58 || c == 0xFE63;
}

/* Kanji that imitate katakana (工口 for エロ) and the kana they imitate,
 * given as hiragana since that is what katakana folds to. */
/* One row per character: the tables read as tables. */
/* clang-format off */
static int32_t kanji_lookalike(int32_t c)
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
/* clang-format on */

/* Katakana to hiragana: the blocks are parallel 0x60 apart. ヷ-ヺ have no
 * single hiragana; they become わ/ゐ/ゑ/を with the voiced mark. The small
 * katakana extensions ㇰ… have no hiragana and stay. ヵ ヶ are counters. */
static size_t kana_fold(int32_t c, int32_t *out)
{
    if (c == 0x30F5 || c == 0x30F6) {
        /* ヵ ヶ are not small letters but the counter か (3ヶ月, 一ヵ所; ヶ
         * also stands for が, which the pass decides: see counter_kana) */
        out[0] = 0x304B;
        return 1;
    }
    if ((c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE) {
        out[0] = c - 0x60;
        return 1;
    }
    if (c >= 0x30F7 && c <= 0x30FA) {
        out[0] = 0x308F + (c - 0x30F7);
        out[1] = 0x3099;
        return 2;
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
    buf[0] = (flags & JK_NORM_LOOKALIKE) ? latin_lookalike(c) : c;
    if ((flags & JK_NORM_NFKC) && (c == 0x309B || c == 0x309C)) {
        /* ゛ ゜: NFKC gives a space and the combining mark, which would never
         * meet the kana they follow (か゛ for が); treat them as the marks */
        buf[0] = c - 2;
    } else if (flags & (JK_NORM_NFKC | JK_NORM_CASE)) {
        int options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
        if (flags & JK_NORM_NFKC)
            options |= UTF8PROC_COMPAT;
        if (flags & JK_NORM_CASE)
            options |= UTF8PROC_CASEFOLD;
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
            if (classify(k) == K_MARK && m > 0 && out[m - 1] < 0x250 && k != 0x3099 && k != 0x309A)
                continue;
            if (k >= 0xC0 && k < 0x250) {
                int32_t d[MAX_FOLD];
                int bound = 0;
                utf8proc_ssize_t r =
                    utf8proc_decompose_char(k, d, MAX_FOLD, UTF8PROC_DECOMPOSE, &bound);
                if (r >= 1 && d[0] < 0x80)
                    k = d[0];
            }
        }
        int32_t kana[2];
        size_t kn = 1;
        kana[0] = k;
        if (flags & JK_NORM_KANA)
            kn = kana_fold(k, kana);
        for (size_t j = 0; j < kn && m < MAX_FOLD; j++) {
            /* zero-width characters and variation selectors are spacers:
             * removing them is the separators step's business */
            if ((flags & JK_NORM_SEPARATORS) && classify(kana[j]) == K_DROP)
                continue;
            out[m++] = kana[j];
        }
    }
    return m;
}

/* Fold to a fixpoint so that folding folded text changes nothing: every
 * code point of the result folds to itself. */
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
    /* One character is never "letters with spacers between": ㈱ is (株),
     * ⒈ is 1., ℅ is c/o. Keep the letters (and their marks); a fold with
     * no letter (… is ..., ¨ is a space and a mark) keeps its first code
     * point, so the character is one separator or one symbol. */
    if ((flags & JK_NORM_SEPARATORS) && n > 1) {
        bool letters = false;
        for (size_t i = 0; i < n; i++) {
            enum kind k = classify(out[i]);
            letters |= k == K_LATIN || k == K_CJK;
        }
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            enum kind k = classify(out[i]);
            if (!letters ? m == 0 : (k == K_LATIN || k == K_CJK || k == K_MARK))
                out[m++] = out[i];
        }
        n = m;
    }
    return n;
}

/* Katakana as written: full-width, half-width, small extensions, iteration
 * marks, and the prolonged sound mark that katakana words use. */
static bool written_katakana(int32_t c)
{
    return (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FE) ||
           (c >= 0xFF66 && c <= 0xFF9D) || (c >= 0x31F0 && c <= 0x31FF);
}

static size_t encode_utf8(int32_t cp, unsigned char *b)
{
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Kind and flags of a folded code point `cp`; `input` is the code point it
 * came from (katakana-ness and dashes are about what was written). */
static void describe(unsigned flags, int32_t input, int32_t cp, uint8_t *kind, uint8_t *fl)
{
    enum kind k = classify(cp);
    unsigned f = 0;
    if (k == K_DROP && !(flags & JK_NORM_SEPARATORS))
        k = K_SYM; /* kept as written */
    if (k == K_CJK)
        f |= is_kana(cp) ? F_KANA : F_HAN;
    /* ヵ ヶ are counters (3ヶ月), never part of a katakana word */
    if (k == K_CJK && (written_katakana(input) || written_katakana(cp)) && input != 0x30F5 &&
        input != 0x30F6)
        f |= F_KATA;
    if ((flags & JK_NORM_KANA) && (input == 0x30F6 || input == 0x30B1 || input == 0xFF79))
        f |= F_CTR; /* ヶ ケ ｹ */
    if ((flags & JK_NORM_SEPARATORS) && k == K_SEP && cp == '+')
        f |= F_PLUS;
    if (flags & JK_NORM_LOOKALIKE) {
        if (k == K_CJK && kanji_lookalike(cp))
            f |= F_LOOK;
        if (k == K_SEP && (is_dash(input) || is_dash(cp)))
            f |= F_DASH;
    }
    *kind = (uint8_t)k;
    *fl = (uint8_t)f;
}

static void pool_push(jk_normalizer *nz, const int32_t *cps, size_t n)
{
    jk_grow((void **)&nz->pool, &nz->pool_cap, nz->pool_len + n + 1, sizeof *nz->pool);
    nz->pool[nz->pool_len++] = (int32_t)n;
    memcpy(nz->pool + nz->pool_len, cps, n * sizeof *cps);
    nz->pool_len += n;
}

int jk_normalizer_new(unsigned flags, jk_normalizer **out, jk_error *err)
{
    (void)err;
    jk_normalizer *nz = jk_calloc(1, sizeof *nz);
    nz->flags = flags & JK_NORM_ALL;
    for (int32_t c = 0; c < 0x10000; c++) {
        fold_entry *fe = &nz->fold[c];
        int32_t cps[MAX_FOLD];
        size_t n;
        if (c >= 0xD800 && c <= 0xDFFF) {
            cps[0] = 0xFFFD; /* never decoded; kept total for safety */
            n = 1;
        } else {
            n = fold_codepoint(nz->flags, c, cps);
        }
        if (n == 0) {
            fe->kind = K_DROP;
            continue;
        }
        unsigned char b[4];
        size_t nb = encode_utf8(cps[0], b);
        size_t in_bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        describe(nz->flags, c, cps[0], &fe->kind, &fe->flags);
        /* The fast path takes single code points that never outgrow their
         * input (so it needs no capacity checks); marks go the slow way
         * because they compose with what precedes them. */
        if (n == 1 && nb <= in_bytes && fe->kind != K_MARK) {
            fe->nbytes = (uint8_t)nb;
            memcpy(fe->out.utf8, b, nb);
            fe->wbits = nb != 1                        ? 4
                        : (b[0] >= '0' && b[0] <= '9') ? 1
                        : (b[0] >= 'a' && b[0] <= 'z') ? 2
                                                       : 4;
        } else {
            fe->kind = K_SLOW;
            fe->flags &= F_KATA; /* carried to the letters of the fold */
            fe->out.pool = (uint32_t)nz->pool_len;
            pool_push(nz, cps, n);
        }
        if ((fe->flags & F_LOOK) && c >= 0x4E00 && c < 0x5E00)
            nz->look_kanji[(c - 0x4E00) >> 3] |= (uint8_t)(1u << (c & 7));
        if (c >= 0x3000 && c < 0x3100 && fe->kind == K_CJK && fe->nbytes == 3 &&
            !(fe->flags & (F_LOOK | F_CTR)))
            nz->kana[c - 0x3000] = fe->out.utf8[0] | (uint32_t)fe->out.utf8[1] << 8 |
                                   (uint32_t)fe->out.utf8[2] << 16 | (uint32_t)fe->flags << 24;
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
    memset(res, 0, sizeof *res);
}

void jk_normalized_to_original(const jk_normalized *res, size_t nstart, size_t nend, size_t *ostart,
                               size_t *oend)
{
    *ostart = res->orig_start[nstart];
    *oend = res->orig_end[nend - 1];
}

/* ---- decoding ----------------------------------------------------------- */

/* The folded code points of the input character at in[pos]: its length in
 * bytes, the code points in cps (count in *n) and the flags that are about
 * what was written (F_KATA, F_DASH: －  folds to '-', which is no dash).
 * Invalid bytes are U+FFFD. */
static size_t fold_at(const jk_normalizer *nz, const unsigned char *in, size_t len, size_t pos,
                      int32_t *cps, size_t *n, unsigned *kata)
{
    int32_t cp;
    size_t nb = jk_utf8_decode(in + pos, len - pos, &cp);
    *kata = 0;
    if (nb == 0) {
        cps[0] = 0xFFFD;
        *n = 1;
        return 1;
    }
    if (cp < 0x10000) {
        const fold_entry *fe = &nz->fold[cp];
        if (fe->kind == K_SLOW) {
            const int32_t *p = nz->pool + fe->out.pool;
            *n = (size_t)p[0];
            memcpy(cps, p + 1, *n * sizeof *cps);
            *kata = fe->flags & (F_KATA | F_DASH);
        } else if (fe->kind == K_DROP) {
            *n = 0;
        } else {
            /* every folded code point is BMP here: decode the entry */
            size_t k = jk_utf8_decode(fe->out.utf8, fe->nbytes, &cps[0]);
            *n = k ? 1 : 0;
            *kata = fe->flags & (F_KATA | F_DASH);
        }
        return nb;
    }
    /* Most non-BMP characters (emoji, rare kanji) have no decomposition and
     * no case: that is the whole of fold_codepoint for them, quickly. */
    const utf8proc_property_t *prop = utf8proc_get_property(cp);
    if (prop->decomp_seqindex == UINT16_MAX && prop->casefold_seqindex == UINT16_MAX) {
        cps[0] = cp;
        *n = (nz->flags & JK_NORM_SEPARATORS) && classify(cp) == K_DROP ? 0 : 1;
        return nb;
    }
    *n = fold_codepoint(nz->flags, cp, cps);
    return nb;
}

/* Kind and flags of a folded code point (a fixpoint of the fold). */
static inline void kind_of(const jk_normalizer *nz, int32_t cp, uint8_t *kind, uint8_t *fl)
{
    if (cp < 0x10000 && nz->fold[cp].kind != K_SLOW) {
        *kind = nz->fold[cp].kind;
        *fl = nz->fold[cp].flags;
        return;
    }
    describe(nz->flags, cp, cp, kind, fl);
}

/* ---- the pass ------------------------------------------------------------ */

typedef struct pass {
    const jk_normalizer *nz;
    const unsigned char *in;
    size_t in_len;
    jk_normalized *res;
    unsigned char *text;
    uint32_t *ostart, *oend;
    size_t len; /* output bytes so far */
    size_t cap; /* output capacity, text and (with maps) both maps */
    bool maps, seps, look, nfkc;

    size_t gap_start; /* input offset of the pending gap, or NONE */
    bool gap_sym;     /* the pending gap holds a symbol or mark */
    bool gap_sep;     /* ... and a separator */

    uint8_t prev_kind;  /* K_NONE, K_LATIN or K_CJK: the last letter */
    uint8_t prev_flags; /* its flags */
    size_t in_word;     /* Latin letters of the current word as written */

    size_t last_out;  /* output offset of the last character written outside a gap */
    uint32_t last_os; /* its original start */
    bool last_letter; /* it is a letter (or a mark attached to one) */

    size_t word_out;    /* output offset of the current Latin word, or NONE */
    unsigned word_bits; /* 1: ASCII digit, 2: ASCII lower-case letter, 4: other */

    size_t look_until; /* look-alike kanji starting before this offset ... */
    bool look_fold;    /* ... are folded (true) or kept */
} pass;

/* Position in the stream of folded code points: the rest of the current
 * character's fold, then the input from `pos`. */
typedef struct cursor {
    const int32_t *rest;
    size_t nrest;
    size_t pos;
    unsigned kata; /* F_KATA, F_DASH of the character as written */
    int32_t buf[MAX_FOLD];
} cursor;

/* A cursor over rest[0..nrest) (what is left of the current character's
 * folding), then the input from pos. buf is filled only when read. */
static inline void cursor_start(cursor *c, const int32_t *rest, size_t nrest, size_t pos)
{
    c->rest = rest;
    c->nrest = nrest;
    c->pos = pos;
    c->kata = 0;
}

/* Next folded code point, with the input offset after the character it
 * belongs to. */
static bool cursor_next(const pass *p, cursor *c, int32_t *cp, size_t *end)
{
    while (c->nrest == 0) {
        if (c->pos >= p->in_len)
            return false;
        size_t n;
        c->pos += fold_at(p->nz, p->in, p->in_len, c->pos, c->buf, &n, &c->kata);
        c->rest = c->buf;
        c->nrest = n;
    }
    *cp = *c->rest++;
    c->nrest--;
    *end = c->pos;
    return true;
}

/* Kind and flags of the code point a cursor yielded. */
static void cursor_kind(const pass *p, const cursor *c, int32_t cp, uint8_t *kind, uint8_t *fl)
{
    kind_of(p->nz, cp, kind, fl);
    if (*kind == K_CJK)
        *fl |= (uint8_t)(c->kata & F_KATA);
    if (*kind == K_SEP)
        *fl |= (uint8_t)(c->kata & F_DASH);
}

/* Kind and flags of the next code point that is not dropped or a mark
 * (marks belong to the letter before them); K_NONE at the end. */
static uint8_t peek_kind(const pass *p, const int32_t *rest, size_t nrest, size_t pos,
                         uint8_t *flags, bool skip_dashes)
{
    cursor c;
    cursor_start(&c, rest, nrest, pos);
    int32_t cp;
    size_t end;
    while (cursor_next(p, &c, &cp, &end)) {
        uint8_t k, f;
        cursor_kind(p, &c, cp, &k, &f);
        if (k == K_DROP || k == K_MARK || (skip_dashes && (f & F_DASH)))
            continue;
        *flags = f;
        return k;
    }
    *flags = 0;
    return K_NONE;
}

static void grow(pass *p, size_t need)
{
    size_t cap = p->cap * 2;
    if (cap < need)
        cap = need;
    jk_normalized *res = p->res;
    res->text = jk_realloc(res->text, cap + 1);
    res->text_cap = cap + 1;
    p->text = (unsigned char *)res->text;
    if (p->maps) {
        res->orig_start = jk_reallocarray(res->orig_start, cap, sizeof *res->orig_start);
        res->orig_end = jk_reallocarray(res->orig_end, cap, sizeof *res->orig_end);
        res->map_cap = cap;
        p->ostart = res->orig_start;
        p->oend = res->orig_end;
    }
    p->cap = cap;
}

/* Room for n more output bytes now and one per input byte from `next` on,
 * which is what the fast path assumes. */
static inline void ensure(pass *p, size_t n, size_t next)
{
    size_t need = p->len + n + (p->in_len - next) + SLACK;
    if (need > p->cap)
        grow(p, need);
}

/* Append one character's bytes (n <= 4), all mapped to [os, oe). */
static inline __attribute__((always_inline)) void put(pass *p, const unsigned char *b, unsigned n,
                                                      uint32_t os, uint32_t oe, const bool maps)
{
    memcpy(p->text + p->len, b, 4); /* SLACK makes the fixed-size copy safe */
    if (maps) {
        uint32_t *s = p->ostart + p->len, *e = p->oend + p->len;
        s[0] = s[1] = s[2] = s[3] = os;
        e[0] = e[1] = e[2] = e[3] = oe;
    }
    p->len += n;
}

static void put_cp(pass *p, int32_t cp, uint32_t os, uint32_t oe)
{
    unsigned char b[4] = {0};
    size_t n = encode_utf8(cp, b);
    if (p->maps)
        put(p, b, (unsigned)n, os, oe, true);
    else
        put(p, b, (unsigned)n, os, oe, false);
}

static inline bool ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool ascii_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Digits and letters that imitate each other inside one ASCII word (lower
 * case letters and digits only), only where attackers use them; same byte
 * length, so the offset map is untouched (docs/rules.md has the rule):
 *  - a word that starts with a digit and whose only letters are o is a
 *    number: 42O, 1O万, 5OOO円;
 *  - in a word of three letters or more, a run of one or two digits among
 *    0 1 3 4 5 with a letter on both sides is letters (t0kyo, c0caine,
 *    sh4bu, g00gle), and so is a leading 1 before a vowel (1ine, 1ogin);
 *    1 is l before a vowel (te1egram, ki11er) and i elsewhere (s1gnal).
 * Everything else stays: iphone15, 1ldk, rtx4090, gtx1050ti, 5ch, 1day,
 * thc0, c4 — model numbers, sizes, units and dates put digits at a word's
 * edge or in long runs. */
static void fold_word(pass *p)
{
    char *w = (char *)p->text + p->word_out;
    size_t n = p->len - p->word_out;
    size_t letters = 0, os = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ascii_digit(w[i])) {
            letters++;
            os += w[i] == 'o';
        }
    }
    if (ascii_digit(w[0]) && letters == os) {
        for (size_t i = 0; i < n; i++)
            if (w[i] == 'o')
                w[i] = '0';
        return;
    }
    if (letters < 3)
        return;
    for (size_t i = 0; i < n;) {
        if (!ascii_digit(w[i])) {
            i++;
            continue;
        }
        size_t start = i;
        bool foldable = true;
        while (i < n && ascii_digit(w[i])) {
            char c = w[i++];
            foldable &= c == '0' || c == '1' || c == '3' || c == '4' || c == '5';
        }
        if (!foldable || i == n)
            continue; /* digits at the end: iphone15, win10 */
        bool inside = start > 0 && i - start <= 2;
        bool lead = start == 0 && i == 1 && w[0] == '1' && ascii_vowel(w[1]);
        if (!inside && !lead)
            continue;
        char one = ascii_vowel(w[i]) ? 'l' : 'i';
        for (size_t k = start; k < i; k++) {
            static const char letter_of[5] = {'o', 0, 0, 'e', 'a'};
            w[k] = w[k] == '1' ? one : w[k] == '5' ? 's' : letter_of[w[k] - '0'];
        }
    }
}

static inline void end_word(pass *p)
{
    if (p->word_out != NONE) {
        if (p->word_bits == 3 && p->look)
            fold_word(p);
        p->word_out = NONE;
    }
}

/* Write out a gap that stays: its symbols, and one space for each run of
 * separators, except runs at the very start or end of the text. */
static void put_gap(pass *p, size_t from, size_t to, bool drop_leading, bool drop_trailing)
{
    size_t run_start = NONE, run_end = 0;
    bool any = false;
    size_t pos = from;
    while (pos < to) {
        int32_t cps[MAX_FOLD];
        size_t n;
        unsigned kata;
        size_t nb = fold_at(p->nz, p->in, p->in_len, pos, cps, &n, &kata);
        for (size_t k = 0; k < n; k++) {
            uint8_t kind, fl;
            kind_of(p->nz, cps[k], &kind, &fl);
            if (kind == K_DROP)
                continue;
            if (kind == K_SEP) {
                if (run_start == NONE)
                    run_start = pos;
                run_end = pos + nb;
                continue;
            }
            ensure(p, 8, to);
            if (run_start != NONE && (any || !drop_leading))
                put_cp(p, ' ', (uint32_t)run_start, (uint32_t)run_end);
            run_start = NONE;
            put_cp(p, cps[k], (uint32_t)pos, (uint32_t)(pos + nb));
            any = true;
        }
        pos += nb;
    }
    if (run_start != NONE && !drop_trailing && (any || !drop_leading)) {
        ensure(p, 1, to);
        put_cp(p, ' ', (uint32_t)run_start, (uint32_t)run_end);
    }
}

/* A letter of kind `kind` follows the pending gap [gap_start, gap_end):
 * remove the gap or write it out (see the policy at the top). rest/nrest/
 * next locate what follows the letter, to tell a one-letter word. */
static __attribute__((noinline)) void close_gap(pass *p, uint8_t kind, size_t gap_end,
                                                const int32_t *rest, size_t nrest, size_t next)
{
    size_t from = p->gap_start;
    p->gap_start = NONE;
    bool glue = false;
    if (p->prev_kind != K_NONE && !(p->gap_sym && p->gap_sep)) {
        uint8_t f;
        glue = p->prev_kind == K_CJK || kind == K_CJK ||
               (p->in_word == 1 && peek_kind(p, rest, nrest, next, &f, false) != K_LATIN);
    }
    p->in_word = 0;
    if (glue)
        return;
    end_word(p);
    p->last_out = NONE;
    if (p->gap_sym)
        put_gap(p, from, gap_end, p->prev_kind == K_NONE, false);
    else if (p->prev_kind != K_NONE)
        put_cp(p, ' ', (uint32_t)from, (uint32_t)gap_end); /* fits: replaces >= 1 byte */
}

/* A letter (folded, UTF-8 in b[0..n)) from input [os, oe). */
static inline __attribute__((always_inline)) void
letter(pass *p, uint8_t kind, uint8_t flags, const unsigned char *b, unsigned n, uint32_t os,
       uint32_t oe, const int32_t *rest, size_t nrest, const bool maps)
{
    if (p->gap_start != NONE) {
        /* the common gaps inline: separators between CJK letters vanish,
         * separators between Latin words become one space */
        if (!p->gap_sym && p->prev_kind != K_NONE && (p->prev_kind == K_CJK || kind == K_CJK)) {
            p->gap_start = NONE;
            p->in_word = 0;
        } else if (!p->gap_sym && p->prev_kind == K_LATIN && kind == K_LATIN && p->in_word > 1) {
            static const unsigned char space[4] = {' ', 0, 0, 0};
            uint32_t from = (uint32_t)p->gap_start;
            p->gap_start = NONE;
            p->in_word = 0;
            end_word(p);
            put(p, space, 1, from, os, maps);
        } else {
            close_gap(p, kind, os, rest, nrest, oe);
        }
    }
    if (kind == K_LATIN) {
        if (p->word_out == NONE) {
            p->word_out = p->len;
            p->word_bits = 0;
        }
        p->word_bits |= n != 1                         ? 4u
                        : (b[0] >= '0' && b[0] <= '9') ? 1u
                        : (b[0] >= 'a' && b[0] <= 'z') ? 2u
                                                       : 4u;
        p->in_word++;
    } else {
        end_word(p);
        p->in_word = 0;
    }
    p->last_out = p->len;
    p->last_os = os;
    p->last_letter = true;
    p->prev_kind = kind;
    p->prev_flags = flags;
    put(p, b, n, os, oe, maps);
}

/* A separator or symbol: part of a gap, or written as folded when
 * separators are not folded. */
static inline __attribute__((always_inline)) void spacer(pass *p, uint8_t kind,
                                                         const unsigned char *b, unsigned n,
                                                         uint32_t os, uint32_t oe, const bool maps)
{
    if (p->seps) {
        if (p->gap_start == NONE) {
            p->gap_start = os;
            p->gap_sym = p->gap_sep = false;
        }
        p->gap_sym |= kind != K_SEP;
        p->gap_sep |= kind == K_SEP;
        return;
    }
    end_word(p);
    p->in_word = 0;
    p->last_out = p->len;
    p->last_os = os;
    p->last_letter = false;
    put(p, b, n, os, oe, maps);
}

/* Is c one of the characters of the UTF-8 string set? (A whole encoded
 * character only matches at a character boundary of set.) */
static bool in_set(const char *set, int32_t c)
{
    unsigned char b[5] = {0};
    encode_utf8(c, b);
    return c > 0 && strstr(set, (const char *)b) != NULL;
}

/* Kana that cannot begin a word (small kana, ー, ん): a look-alike kanji
 * right before one is the start of that word (八ッパ, 二ート). */
static bool cannot_start_word(int32_t c)
{
    return in_set("ぁぃぅぇぉっゃゅょゎゕゖんァィゥェォッャュョヮンーｧｨｩｪｫｬｭｮｯｰﾝ", c) ||
           (c >= 0x31F0 && c <= 0x31FF); /* ㇰ-ㇿ */
}

/* Words that a look-alike kanji forms with the kanji after it, for the
 * place where a katakana word ends in a look-alike (エ口動画 is エロ動画, but
 * ネット口座, オネエ口調, ガラス工房 and ミーティング夕方 are real). Only 口 工
 * 夕 卜 fold there: 力 after katakana is the suffix -力 (コミュ力向上) and
 * 一 二 八 are numerals (ランキング一位). */
static bool kanji_word(int32_t look, int32_t next)
{
    const char *words;
    switch (look) {
    case 0x53E3: /* 口 */
        words = "座調論実臭紅元癖説頭語数内外止約車先上火付答出腔径述伝蓋角唇絵髭惜寄真移喧裏"
                "利汚減直笛々下当添入銭授吻舌話";
        break;
    case 0x5DE5: /* 工 */
        words = "事場作業夫房芸具学程員期法務費区匠賃数廠科面兵人";
        break;
    case 0x5915: /* 夕 */
        words = "方食飯日焼刊暮立陽闇涼映霧凪顔餉景月刻";
        break;
    case 0x535C: /* 卜 */
        words = "占部筮";
        break;
    default:
        return false;
    }
    return next >= 0x3400 && in_set(words, next);
}

static bool is_kanji_numeral(int32_t c)
{
    return c == 0x4E00 || c == 0x4E8C || c == 0x516B; /* 一 二 八 */
}

/* Does a run of look-alike kanji read as kana? first/second: its first two
 * members (second 0 for a run of one); prev_*: the letter before it;
 * n_*: the letter after it (n_bound: a kana that cannot begin a word, or a
 * dash that will be ー). See the header comment for the rules. */
static bool run_reads_as_kana(size_t run, bool ichi, bool voiced, int32_t first, int32_t second,
                              uint8_t pkind, uint8_t pflags, uint8_t nkind, uint8_t nflags,
                              int32_t ncp, bool n_bound)
{
    bool p_han = pkind == K_CJK && (pflags & F_HAN);
    bool p_kata = pkind == K_CJK && (pflags & F_KATA);
    bool n_han = nkind == K_CJK && (nflags & F_HAN);
    bool n_kata = nkind == K_CJK && (nflags & F_KATA);
    bool n_hira = nkind == K_CJK && (nflags & F_KANA) && !n_kata;
    if (voiced || (p_kata && n_kata))
        return true;
    if (run >= 2) {
        if (first == 0x4E00 && !p_kata)
            return false; /* ー never begins a word: 一口, 一口サイズ */
        if (run == 2 && !p_kata && !n_bound && is_kanji_numeral(first) &&
            (is_kanji_numeral(second) || second == 0x53E3 || second == 0x5915))
            return false; /* numerals: 二口目, 八一 */
        if (p_han && n_han)
            return false;                   /* 人工口座 */
        return !(ichi && (p_han || n_han)); /* 力一杯, 一口食べ */
    }
    if (p_kata && !n_han) {
        if (first == 0x529B)
            return false; /* コミュ力, コミュ力が: the suffix -力 */
        if (is_kanji_numeral(first) && n_hira && !n_bound)
            return false; /* ケーキ一つ */
        return true;      /* エ口, エ口い, エクスタシ一 */
    }
    if (p_kata)
        return kanji_word(first, ncp) ? false
                                      : first == 0x53E3 || first == 0x5DE5 || first == 0x5915 ||
                                            first == 0x535C; /* エ口動画, ネッ卜販売 */
    if (n_kata && !p_han) {
        if (first == 0x4E00)
            return false; /* 一パック: ー never begins a word */
        if (is_kanji_numeral(first))
            return n_bound; /* 八ッパ, 二ート; but 二セット, 八ページ */
        if (first == 0x53E3 && (ncp == 0x3053 || ncp == 0x3071 || ncp == 0x30B3 || ncp == 0x30D1))
            return false; /* 口コミ, 口パク */
        return true;      /* 口リ, 力ード, 夕バコ */
    }
    return false; /* beside kanji, hiragana or nothing: 口座, 協力して, 人口リスト */
}

/* A look-alike kanji: decide for its whole run (the first time one of the
 * run is seen) whether the run is disguised katakana. */
static void look_kanji(pass *p, int32_t cp, uint8_t flags, const unsigned char *b, unsigned n,
                       uint32_t os, uint32_t oe, const int32_t *rest, size_t nrest)
{
    if (os >= p->look_until) {
        size_t run = 1, run_end = oe;
        bool ichi = cp == 0x4E00;
        bool voiced = false;    /* a run member carries a voiced mark (力ﾞ) */
        bool after_look = true; /* the last code point seen is a run member */
        bool n_bound = false;
        int32_t second = 0, ncp = 0;
        uint8_t nkind = K_NONE, nflags = 0;
        cursor c;
        cursor_start(&c, rest, nrest, oe);
        int32_t x;
        size_t end;
        while (cursor_next(p, &c, &x, &end)) {
            uint8_t k, f;
            cursor_kind(p, &c, x, &k, &f);
            if (k == K_DROP)
                continue;
            if (k == K_MARK) {
                /* kanji never take voiced marks: this is kana */
                voiced |= (x == 0x3099 || x == 0x309A) && after_look;
                continue; /* other marks belong to the same base */
            }
            after_look = k == K_CJK && (f & F_LOOK);
            if (f & F_DASH) {
                /* a dash before kana will be ー, a katakana neighbour */
                uint8_t nf;
                if (peek_kind(p, c.rest, c.nrest, c.pos, &nf, true) == K_CJK && (nf & F_KANA)) {
                    nkind = K_CJK;
                    nflags = F_KANA | F_KATA;
                    ncp = 0x30FC;
                    n_bound = true;
                    break;
                }
                continue;
            }
            if (k == K_SEP || k == K_SYM)
                continue;
            if (f & F_LOOK) {
                if (run == 1)
                    second = x;
                run++;
                run_end = end;
                ichi |= x == 0x4E00;
                continue;
            }
            nkind = k;
            nflags = f;
            ncp = x;
            n_bound = cannot_start_word(x);
            break;
        }
        p->look_fold = run_reads_as_kana(run, ichi, voiced, cp, second, p->prev_kind, p->prev_flags,
                                         nkind, nflags, ncp, n_bound);
        p->look_until = run_end;
    }
    if (!p->look_fold) {
        letter(p, K_CJK, flags, b, n, os, oe, rest, nrest, p->maps);
        return;
    }
    int32_t kana = kanji_lookalike(cp);
    unsigned char kb[4] = {0};
    encode_utf8(kana, kb);
    /* read as katakana by what follows (and ー still does when the folded
     * text is normalized again) */
    letter(p, K_CJK, F_KANA | F_KATA, kb, 3, os, oe, rest, nrest, p->maps);
}

/* The code point of the last character written (0 for none). */
static int32_t last_written(const pass *p)
{
    if (p->len == 0)
        return 0;
    size_t i = p->len - 1;
    while (i > 0 && (p->text[i] & 0xC0) == 0x80)
        i--;
    int32_t cp = 0;
    if (!jk_utf8_decode(p->text + i, p->len - i, &cp))
        return 0;
    return cp;
}

/* The next letter's code point and flags, across gaps and marks (0 at the
 * end). */
static int32_t next_letter(const pass *p, const int32_t *rest, size_t nrest, size_t pos,
                           uint8_t *flags)
{
    cursor c;
    cursor_start(&c, rest, nrest, pos);
    int32_t x;
    size_t end;
    while (cursor_next(p, &c, &x, &end)) {
        uint8_t k, f;
        cursor_kind(p, &c, x, &k, &f);
        if (k == K_LATIN || k == K_CJK) {
            *flags = f;
            return x;
        }
    }
    *flags = 0;
    return 0;
}

/* Numerals before a counter: digits, kanji numerals, 数 何 幾 (数ヶ月). */
static bool is_numeral(int32_t c)
{
    return (c >= '0' && c <= '9') || in_set("〇一二三四五六七八九十百千万億兆両半数何幾", c);
}

/* Counters that ケ stands before as か (3ケ月, 1ケ所). */
static bool is_counter(int32_t c)
{
    return in_set("月所国年条日箇村店処", c);
}

/* ヶ and ケ (KANA only). ヶ is the counter か (3ヶ月, 一ヶ所, ヶ月) except
 * between two kanji of which the first is not a numeral, where it is the
 * particle が of place names (霞ヶ関, 自由ヶ丘). ケ is か only between a
 * numeral and a counter (3ケ月, 1ケ所); elsewhere it is the letter け. */
static void counter_kana(pass *p, const fold_entry *fe, uint32_t os, uint32_t oe)
{
    static const unsigned char ka[4] = {0xE3, 0x81, 0x8B, 0}, ga[4] = {0xE3, 0x81, 0x8C, 0};
    int32_t prev = p->prev_kind == K_NONE ? 0 : last_written(p);
    uint8_t nf;
    int32_t next = next_letter(p, NULL, 0, oe, &nf);
    bool small = fe->out.utf8[2] == ka[2]; /* ヶ folds to か in the table */
    const unsigned char *b;
    uint8_t flags = F_KANA;
    if (small)
        b = (is_han(prev) && !is_numeral(prev) && (nf & F_HAN) && is_han(next)) ? ga : ka;
    else if (is_numeral(prev) && is_counter(next))
        b = ka;
    else {
        b = fe->out.utf8;
        flags = (uint8_t)(fe->flags & ~F_CTR);
    }
    letter(p, K_CJK, flags, b, 3, os, oe, NULL, 0, p->maps);
}

/* A plus sign (SEPARATORS only). It means something at a word's edge —
 * after a Latin word with nothing between (Disney+, C++, Apple TV+) unless
 * a Latin letter or digit follows the signs (a+b, y+a+s+a+i), or before a
 * digit (+81) — and is then kept as a letter of its own; elsewhere it is a
 * separator (や+さ+い). */
static void plus_sign(pass *p, uint8_t kind, const unsigned char *b, unsigned n, uint32_t os,
                      uint32_t oe, const int32_t *rest, size_t nrest)
{
    bool after_word =
        p->gap_start == NONE && p->last_out != NONE && p->last_letter && p->prev_kind == K_LATIN;
    cursor c;
    cursor_start(&c, rest, nrest, oe);
    int32_t x = 0;
    size_t end;
    uint8_t nk = K_NONE;
    while (cursor_next(p, &c, &x, &end)) {
        uint8_t f;
        cursor_kind(p, &c, x, &nk, &f);
        if (nk == K_DROP || nk == K_MARK || (after_word && (f & F_PLUS))) {
            nk = K_NONE;
            continue;
        }
        break;
    }
    bool keep = after_word ? nk != K_LATIN : (x >= '0' && x <= '9' && nk == K_LATIN);
    if (!keep) {
        spacer(p, kind, b, n, os, oe, p->maps);
        return;
    }
    static const unsigned char plus[4] = {'+', 0, 0, 0};
    if (after_word)
        end_word(p); /* the sign is not part of the word's letters (1O+ is 10+) */
    letter(p, K_LATIN, 0, plus, 1, os, oe, rest, nrest, p->maps);
}

/* A dash: the prolonged sound mark when a kana touches it. */
static void dash(pass *p, uint8_t kind, const unsigned char *b, unsigned n, uint32_t os,
                 uint32_t oe, const int32_t *rest, size_t nrest)
{
    uint8_t f = 0;
    bool kana = (p->gap_start == NONE && p->last_out != NONE && p->last_letter &&
                 (p->prev_flags & F_KANA)) ||
                (peek_kind(p, rest, nrest, oe, &f, true) == K_CJK && (f & F_KANA));
    if (kana) {
        static const unsigned char choon[4] = {0xE3, 0x83, 0xBC, 0};
        letter(p, K_CJK, F_KANA | F_KATA, choon, 3, os, oe, rest, nrest, p->maps);
    } else if (p->maps) {
        spacer(p, kind, b, n, os, oe, true);
    } else {
        spacer(p, kind, b, n, os, oe, false);
    }
}

/* A combining mark: compose with the character before it, attach to it,
 * or (with nothing to attach to) count as a symbol. */
static void mark(pass *p, int32_t m, uint32_t os, uint32_t oe)
{
    if (p->gap_start != NONE || p->last_out == NONE || !p->last_letter) {
        if (p->seps) {
            if (p->gap_start == NONE) {
                p->gap_start = os;
                p->gap_sep = false;
            }
            p->gap_sym = true;
            return;
        }
        p->last_out = p->len;
        p->last_os = os;
        p->last_letter = false;
        put_cp(p, m, os, oe);
        return;
    }
    if (p->look && m != 0x3099 && m != 0x309A) {
        /* accents are look-alike noise: dropped, their base covers them */
        if (p->maps)
            for (size_t i = p->last_out; i < p->len; i++)
                p->oend[i] = oe;
        return;
    }
    if (p->nfkc) {
        int32_t base;
        if (jk_utf8_decode(p->text + p->last_out, p->len - p->last_out, &base)) {
            int32_t pair[2] = {base, m};
            utf8proc_ssize_t r =
                utf8proc_normalize_utf32(pair, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
            if (r == 1) {
                /* fold the composed character too (が stays が, but a
                 * composed Latin letter may case-fold) */
                int32_t cps[MAX_FOLD];
                size_t k = fold_codepoint(p->nz->flags, pair[0], cps);
                p->len = p->last_out;
                for (size_t i = 0; i < k; i++) {
                    uint8_t kind, fl;
                    kind_of(p->nz, cps[i], &kind, &fl);
                    if (i == 0 && (kind == K_LATIN || kind == K_CJK))
                        p->prev_flags = (uint8_t)(fl | (p->prev_flags & F_KATA));
                    put_cp(p, cps[i], p->last_os, oe);
                }
                if (p->word_out != NONE)
                    p->word_bits |= 4;
                return;
            }
        }
    }
    /* stays attached: the next mark may compose with nothing but this one */
    if (p->word_out != NONE)
        p->word_bits |= 4;
    p->last_out = p->len;
    p->last_os = os;
    put_cp(p, m, os, oe);
}

/* One folded code point of a character that took the slow path. */
static void feed(pass *p, int32_t cp, unsigned kata, uint32_t os, uint32_t oe, const int32_t *rest,
                 size_t nrest)
{
    uint8_t kind, fl;
    kind_of(p->nz, cp, &kind, &fl);
    unsigned char b[4] = {0};
    unsigned n = (unsigned)encode_utf8(cp, b);
    switch (kind) {
    case K_LATIN:
    case K_CJK:
        if (kind == K_CJK)
            fl |= (uint8_t)(kata & F_KATA);
        if (fl & F_LOOK)
            look_kanji(p, cp, fl, b, n, os, oe, rest, nrest);
        else
            letter(p, kind, fl, b, n, os, oe, rest, nrest, p->maps);
        break;
    case K_SEP:
    case K_SYM:
        if (kind == K_SEP)
            fl |= (uint8_t)(kata & F_DASH);
        if (fl & F_DASH)
            dash(p, kind, b, n, os, oe, rest, nrest);
        else if (fl & F_PLUS)
            plus_sign(p, kind, b, n, os, oe, rest, nrest);
        else
            spacer(p, kind, b, n, os, oe, p->maps);
        break;
    case K_MARK:
        mark(p, cp, os, oe);
        break;
    default:
        break;
    }
}

/* The character at in[pos] the slow way; returns its length. */
static __attribute__((noinline)) size_t slow_char(pass *p, size_t pos)
{
    int32_t cps[MAX_FOLD];
    size_t n;
    unsigned kata;
    size_t nb = fold_at(p->nz, p->in, p->in_len, pos, cps, &n, &kata);
    ensure(p, 4 * MAX_FOLD + 8, pos + nb);
    for (size_t k = 0; k < n; k++)
        feed(p, cps[k], kata, (uint32_t)pos, (uint32_t)(pos + nb), cps + k + 1, n - k - 1);
    return nb;
}

/* A character whose table entry is not K_SLOW. */
static inline __attribute__((always_inline)) void fast_char(pass *p, const fold_entry *fe,
                                                            size_t pos, size_t nb, const bool maps)
{
    uint32_t os = (uint32_t)pos, oe = (uint32_t)(pos + nb);
    switch (fe->kind) {
    case K_LATIN:
    case K_CJK:
        if (__builtin_expect(fe->flags & (F_LOOK | F_CTR), 0)) {
            if (fe->flags & F_CTR) {
                counter_kana(p, fe, os, oe);
            } else {
                int32_t cp = 0;
                jk_utf8_decode(fe->out.utf8, fe->nbytes, &cp);
                look_kanji(p, cp, fe->flags, fe->out.utf8, fe->nbytes, os, oe, NULL, 0);
            }
        } else {
            letter(p, fe->kind, fe->flags, fe->out.utf8, fe->nbytes, os, oe, NULL, 0, maps);
        }
        break;
    case K_SEP:
    case K_SYM:
        if (__builtin_expect(fe->flags & (F_DASH | F_PLUS), 0)) {
            if (fe->flags & F_DASH)
                dash(p, fe->kind, fe->out.utf8, fe->nbytes, os, oe, NULL, 0);
            else
                plus_sign(p, fe->kind, fe->out.utf8, fe->nbytes, os, oe, NULL, 0);
        } else
            spacer(p, fe->kind, fe->out.utf8, fe->nbytes, os, oe, maps);
        break;
    default: /* K_DROP */
        break;
    }
}

/* After a CJK letter: the rest of its run of CJK letters that fold to
 * 3 bytes without context (kanji, kana), which is most of Japanese text.
 * Nothing about the state changes inside such a run but the last letter,
 * so this writes bytes and nothing else. Returns the new input offset. */
static inline __attribute__((always_inline)) size_t cjk_run(pass *p, size_t i, const bool maps)
{
    const unsigned char *in = p->in;
    const size_t len = p->in_len;
    const uint32_t *kana = p->nz->kana;
    const uint8_t *look_kanji = p->nz->look_kanji;
    unsigned char *out = p->text + p->len;
    const size_t start = i;
    uint32_t v = 0;
    /* Kanji and kana alternate unpredictably in Japanese, so the loop
     * chooses between them with selects, not branches: the one branch is
     * the loop's exit. */
    while (len - i >= 3) {
        unsigned c = in[i], c1 = in[i + 1], c2 = in[i + 2];
        if ((c & 0xF0) != 0xE0 || (c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80)
            break;
        uint32_t cp = ((c & 0x0Fu) << 12) | ((c1 & 0x3Fu) << 6) | (c2 & 0x3Fu);
        uint32_t k = cp - 0x3000u, d = cp - 0x4E00u;
        uint32_t kv = kana[k & 0xFF];
        kv = k < 0x100 ? kv : 0;
        bool kanji = d < 0x5200;
        bool look = (d < 0x1000) & (look_kanji[(d & 0xFFF) >> 3] >> (d & 7) & 1);
        uint32_t hv = c | c1 << 8 | c2 << 16 | (uint32_t)F_HAN << 24;
        uint32_t nv = kanji ? hv : kv;
        if (nv == 0 || (kanji & look))
            break;
        v = nv;
        out[0] = (unsigned char)v;
        out[1] = (unsigned char)(v >> 8);
        out[2] = (unsigned char)(v >> 16);
        if (maps) {
            uint32_t *s = p->ostart + (size_t)(out - p->text),
                     *e = p->oend + (size_t)(out - p->text);
            s[0] = s[1] = s[2] = (uint32_t)i;
            e[0] = e[1] = e[2] = (uint32_t)(i + 3);
        }
        out += 3;
        i += 3;
    }
    if (i != start) {
        p->len = (size_t)(out - p->text);
        p->last_out = p->len - 3;
        p->last_os = (uint32_t)(i - 3);
        p->prev_flags = (uint8_t)(v >> 24);
    }
    return i;
}

/* After an ASCII letter or digit: the rest of its word. */
static inline __attribute__((always_inline)) size_t ascii_run(pass *p, size_t i, const bool maps)
{
    const unsigned char *in = p->in;
    const size_t len = p->in_len;
    const fold_entry *fold = p->nz->fold;
    unsigned char *out = p->text + p->len;
    const size_t start = i;
    unsigned bits = p->word_bits;
    while (i < len && in[i] < 0x80) {
        const fold_entry *fe = &fold[in[i]];
        if (fe->kind != K_LATIN)
            break;
        *out = fe->out.utf8[0];
        bits |= fe->wbits;
        if (maps) {
            size_t o = (size_t)(out - p->text);
            p->ostart[o] = (uint32_t)i;
            p->oend[o] = (uint32_t)(i + 1);
        }
        out++;
        i++;
    }
    if (i != start) {
        p->len = (size_t)(out - p->text);
        p->word_bits = bits;
        p->in_word += i - start;
        p->last_out = p->len - 1;
        p->last_os = (uint32_t)(i - 1);
    }
    return i;
}

static inline __attribute__((always_inline)) void run_pass(pass *p, const bool maps)
{
    const unsigned char *in = p->in;
    const size_t len = p->in_len;
    const fold_entry *fold = p->nz->fold;
    const bool look = p->look;
    size_t i = 0;
    while (i < len) {
        unsigned c = in[i];
        if (c < 0x80) {
            const fold_entry *fe = &fold[c];
            if (fe->kind == K_SEP && p->seps && c != '+') {
                /* spaces and punctuation: one gap, however long */
                if (p->gap_start == NONE) {
                    p->gap_start = i;
                    p->gap_sym = false;
                }
                p->gap_sep = true;
                i++;
                while (i < len && in[i] < 0x80 && fold[in[i]].kind == K_SEP && in[i] != '+')
                    i++;
                continue;
            }
            fast_char(p, fe, i, 1, maps);
            i++;
            if (fe->kind == K_LATIN)
                i = ascii_run(p, i, maps);
            continue;
        }
        if ((c & 0xF0) == 0xE0 && i + 2 < len && (in[i + 1] & 0xC0) == 0x80 &&
            (in[i + 2] & 0xC0) == 0x80) {
            int32_t cp =
                (int32_t)(((c & 0x0F) << 12) | ((in[i + 1] & 0x3Fu) << 6) | (in[i + 2] & 0x3Fu));
            if (cp >= 0x4E00 && cp <= 0x9FFF) {
                /* ideographs fold to themselves under every flag; skipping
                 * the table for them keeps its hot part in cache */
                if (__builtin_expect(look && cp < 0x5E00 &&
                                         (p->nz->look_kanji[(cp - 0x4E00) >> 3] >> (cp & 7) & 1),
                                     0)) {
                    const unsigned char b[4] = {(unsigned char)c, in[i + 1], in[i + 2], 0};
                    look_kanji(p, cp, F_HAN | F_LOOK, b, 3, (uint32_t)i, (uint32_t)(i + 3), NULL,
                               0);
                    i += 3;
                } else {
                    /* a copy, as put() reads 4 bytes */
                    const unsigned char b[4] = {(unsigned char)c, in[i + 1], in[i + 2], 0};
                    letter(p, K_CJK, F_HAN, b, 3, (uint32_t)i, (uint32_t)(i + 3), NULL, 0, maps);
                    i = cjk_run(p, i + 3, maps);
                }
                continue;
            }
            if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                const fold_entry *fe = &fold[cp];
                if (fe->kind != K_SLOW) {
                    fast_char(p, fe, i, 3, maps);
                    i += 3;
                    if (fe->kind == K_CJK && p->prev_kind == K_CJK && p->last_out != NONE)
                        i = cjk_run(p, i, maps);
                    continue;
                }
            }
        } else if ((c & 0xE0) == 0xC0 && c >= 0xC2 && i + 1 < len && (in[i + 1] & 0xC0) == 0x80) {
            const fold_entry *fe = &fold[((c & 0x1F) << 6) | (in[i + 1] & 0x3Fu)];
            if (fe->kind != K_SLOW) {
                fast_char(p, fe, i, 2, maps);
                i += 2;
                continue;
            }
        }
        i += slow_char(p, i);
    }
    if (p->gap_start != NONE) {
        size_t from = p->gap_start;
        p->gap_start = NONE;
        if (p->gap_sym) {
            end_word(p);
            put_gap(p, from, len, p->prev_kind == K_NONE, true);
        }
    }
    end_word(p);
}

static int normalize(const jk_normalizer *nz, const char *in, size_t len, jk_normalized *res,
                     bool maps, jk_error *err)
{
    if (len > JK_MAX_TEXT_BYTES)
        return jk_error_set(err, JK_ELIMIT, "text of %zu bytes exceeds the limit of %u bytes", len,
                            (unsigned)JK_MAX_TEXT_BYTES);
    /* Field by field: a zero-filling initializer costs a measurable share
     * of the time on post-sized texts. */
    pass p;
    p.nz = nz;
    p.in = (const unsigned char *)in;
    p.in_len = len;
    p.res = res;
    p.len = 0;
    p.maps = maps;
    p.seps = (nz->flags & JK_NORM_SEPARATORS) != 0;
    p.look = (nz->flags & JK_NORM_LOOKALIKE) != 0;
    p.nfkc = (nz->flags & JK_NORM_NFKC) != 0;
    p.gap_start = NONE;
    p.gap_sym = p.gap_sep = false;
    p.prev_kind = K_NONE;
    p.prev_flags = 0;
    p.in_word = 0;
    p.last_out = NONE;
    p.last_os = 0;
    p.last_letter = false;
    p.word_out = NONE;
    p.word_bits = 0;
    p.look_until = 0;
    p.look_fold = false;
    /* Output is about as long as input; the buffers are kept between calls
     * so a scanner reuses them for every post. */
    size_t want = len + len / 4 + 64;
    size_t have = res->text_cap ? res->text_cap - 1 : 0;
    if (maps && res->map_cap < have)
        have = res->map_cap;
    p.cap = have;
    p.text = (unsigned char *)res->text;
    p.ostart = res->orig_start;
    p.oend = res->orig_end;
    if (have < len + SLACK || !res->text)
        grow(&p, want);
    if (maps)
        run_pass(&p, true);
    else
        run_pass(&p, false);
    res->text[p.len] = '\0';
    res->len = p.len;
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
