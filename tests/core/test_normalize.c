/*
 * test_normalize.c — the normalizer: every folding step on the obfuscations
 * patrol staff see (table-driven), the offset map on chosen cases, invalid
 * UTF-8, limits at N and N+1, buffer reuse, and properties over many
 * generated strings for every step alone and all together.
 *
 * The invariants checked on every result (check_result):
 *  - text is valid UTF-8 and NUL-terminated;
 *  - 0 <= orig_start[i] < orig_end[i] <= input length, both maps
 *    non-decreasing, and all bytes of one output character share one range;
 *  - ranges start and end on input character boundaries;
 *  - coverage: an input byte outside every range belongs to a dropped
 *    character, and a dropped character is never an invalid byte nor one
 *    with a letter or digit (L*, N*; after NFKC when the normalizer does
 *    NFKC);
 *  - jk_normalize_text gives the same text;
 *  - with JK_NORM_ALL, normalizing the text again changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "junkai/limits.h"
#include "junkai/normalize.h"
#include "utf8.h"

static jk_normalizer *all;

static int setup(void **state)
{
    (void)state;
    jk_error err;
    return jk_normalizer_new(JK_NORM_ALL, &all, &err);
}

static int teardown(void **state)
{
    (void)state;
    jk_normalizer_free(all);
    return 0;
}

/* ---- invariants --------------------------------------------------------- */

/* Is the input character at in[pos] (length n) one that may be dropped?
 * Not if it is an invalid byte, nor if it has a letter or digit, after
 * NFKC (utf8proc's, not ours) when the normalizer does NFKC: ﾞ is Lm but
 * NFKC makes it a combining mark, ﹼ is Lo but NFKC makes it a space and a
 * mark, ㍿ is a symbol that NFKC makes 株式会社. */
static int droppable(const char *in, size_t pos, size_t n, int nfkc)
{
    int32_t cp;
    if (jk_utf8_decode((const unsigned char *)in + pos, n, &cp) == 0)
        return 0;
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
            return 0;
    }
    return 1;
}

/* Check every invariant of the header comment; `what` names the case in
 * failure messages. */
static void check_result(const jk_normalizer *norm, const char *in, size_t len,
                         const jk_normalized *res, const char *what)
{
    if (!jk_utf8_valid((const unsigned char *)res->text, res->len))
        fail_msg("%s: output is not valid UTF-8", what);
    assert_int_equal(res->text[res->len], '\0');
    assert_int_equal(res->input_len, len);

    /* input character boundaries */
    unsigned char *boundary = calloc(len + 1, 1);
    unsigned char *covered = calloc(len + 1, 1);
    assert_non_null(boundary);
    assert_non_null(covered);
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = jk_utf8_decode((const unsigned char *)in + i, len - i, &cp);
        boundary[i] = 1;
        i += n ? n : 1;
    }
    boundary[len] = 1;

    for (size_t i = 0; i < res->len;) {
        int32_t cp;
        size_t n = jk_utf8_decode((const unsigned char *)res->text + i, res->len - i, &cp);
        assert_true(n > 0);
        uint32_t s = res->orig_start[i], e = res->orig_end[i];
        if (!(s < e && e <= len))
            fail_msg("%s: byte %zu maps to [%u, %u) of %zu", what, i, s, e, len);
        if (!boundary[s] || !boundary[e])
            fail_msg("%s: byte %zu maps to [%u, %u), not character boundaries", what, i, s, e);
        for (size_t k = 1; k < n; k++)
            if (res->orig_start[i + k] != s || res->orig_end[i + k] != e)
                fail_msg("%s: the bytes of output character at %zu map differently", what, i);
        if (i > 0 && (s < res->orig_start[i - 1] || e < res->orig_end[i - 1]))
            fail_msg("%s: map decreases at byte %zu", what, i);
        for (uint32_t k = s; k < e; k++)
            covered[k] = 1;
        i += n;
    }
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = jk_utf8_decode((const unsigned char *)in + i, len - i, &cp);
        if (n == 0)
            n = 1;
        if (!covered[i] && !droppable(in, i, n, (jk_normalizer_flags(norm) & JK_NORM_NFKC) != 0))
            fail_msg("%s: letter or invalid byte at %zu (\"%.*s\") was dropped", what, i, (int)n,
                     in + i);
        for (size_t k = 1; k < n; k++)
            assert_int_equal(covered[i + k], covered[i]);
        i += n;
    }
    free(boundary);
    free(covered);

    jk_normalized t;
    jk_normalized_init(&t);
    jk_error err;
    assert_int_equal(jk_normalize_text(norm, in, len, &t, &err), 0);
    if (t.len != res->len || memcmp(t.text, res->text, t.len) != 0)
        fail_msg("%s: jk_normalize_text gives \"%s\", jk_normalize \"%s\"", what, t.text,
                 res->text);
    if (jk_normalizer_flags(norm) == JK_NORM_ALL) {
        assert_int_equal(jk_normalize(norm, res->text, res->len, &t, &err), 0);
        if (t.len != res->len || memcmp(t.text, res->text, t.len) != 0)
            fail_msg("%s: not idempotent: \"%s\" -> \"%s\"", what, res->text, t.text);
    }
    jk_normalized_release(&t);
}

/* ---- table-driven folding ----------------------------------------------- */

static void expect_span(const char *in, const char *norm_part, const char *orig_part);

typedef struct fold_case {
    const char *in;
    const char *want;
} fold_case;

static void run_cases(const jk_normalizer *norm, const fold_case *cases, size_t n)
{
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    for (size_t i = 0; i < n; i++) {
        const char *in = cases[i].in;
        assert_int_equal(jk_normalize(norm, in, strlen(in), &res, &err), 0);
        if (strcmp(res.text, cases[i].want) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "normalize(\"%s\") = \"%s\", want \"%s\"", in, res.text,
                     cases[i].want);
            jk_normalized_release(&res);
            fail_msg("%s", msg);
        }
        check_result(norm, in, strlen(in), &res, in);
    }
    jk_normalized_release(&res);
}

#define RUN(norm, cases) run_cases(norm, cases, sizeof cases / sizeof cases[0])

static void test_width_case_and_kana(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        {"ｙａｓａｉ", "yasai"},
        {"YASAI", "yasai"},
        {"ＴＨＣ", "thc"},
        {"ﾔｻｲ", "やさい"},
        {"ヤサイ", "やさい"},
        {"ｶﾞﾝｼﾞｬ", "がんじゃ"}, /* separate half-width voiced marks compose */
        {"ﾊﾟﾊﾟ活", "ぱぱ活"},
        {"ｸﾞﾚｰ", "ぐれー"},       /* ｰ is the prolonged sound mark */
        {"か\xE3\x82\x99", "が"}, /* combining U+3099 after kana */
        {"ハ\xE3\x82\x9A", "ぱ"}, /* combining U+309A after katakana */
        {"か゛", "が"},           /* spacing ゛ as a voiced mark */
        {"ヴ", "ゔ"},
        {"ｳﾞ", "ゔ"},
        {"ァィゥッャュョヮ", "ぁぃぅっゃゅょゎ"}, /* small kana stay small */
        {"ｧｨｩｯｬｭｮ", "ぁぃぅっゃゅょ"},
        {"ヵヶ", "かか"}, /* counters, not small letters (test_counter_ka) */
        {"ヽヾ", "ゝゞ"},
        {"ヷ", "わ\xE3\x82\x99"}, /* no precomposed hiragana */
        {"ー", "ー"},
        {"①②③", "123"},
        {"⑩", "10"},
        {"⑴", "1"}, /* (1): one character, not letters and spacers */
        {"㈱", "株"},
        {"㈱abc", "株abc"},
        {"㍿", "株式会社"},
        {"㌔", "きろ"},
        {"\xEF\xA4\x80", "\xE8\xB1\x88"}, /* compatibility ideograph U+F900 -> U+8C48 */
        {"Ⅻ", "xii"},
        {"𝐀𝐁𝐂", "abc"},        /* mathematical bold, outside the BMP */
        {"Straße", "strasse"}, /* full case folding */
    };
    RUN(all, cases);
}

static void test_separators_between_letters(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        {"ヤ サ イ", "やさい"},
        {"ヤ　サ　イ", "やさい"}, /* ideographic space */
        {"や.さ.い", "やさい"},
        {"や・さ・い", "やさい"},
        {"ﾔ･ｻ･ｲ", "やさい"}, /* half-width middle dot */
        {"や／さ／い", "やさい"},
        {"や_さ-い", "やさい"},
        {"や\nさ\tい", "やさい"},
        {"野菜、手押し。", "野菜手押し"},
        {"「野菜」！？", "野菜"},
        {"や\xE2\x80\x8Bさ\xE2\x80\x8Cい\xE2\x80\x8D", "やさい"}, /* U+200B-D */
        {"や\xEF\xBB\xBFさ\xE2\x81\xA0い", "やさい"},             /* U+FEFF, U+2060 */
        {"pay\xE2\x80\x8Bpal", "paypal"},                         /* inside a word too */
        {"野\xEF\xB8\x8F菜", "野菜"},                             /* U+FE0F */
        {"野\xF3\xA0\x84\x80菜", "野菜"},                         /* U+E0100 */
        {"野⭐菜", "野菜"},
        {"野\xE2\xAD\x90\xEF\xB8\x8F菜", "野菜"}, /* ⭐ + variation selector */
        {"野🥦菜", "野菜"},
        {"ｐ 活", "p活"},
        {"p活", "p活"},
        {"y a s a i", "yasai"},
        {"ｙ ａ ｓ ａ ｉ", "yasai"},
        {"1 g", "1g"},
        {"c.o.k.e", "coke"},
        {"S 0.2", "s02"},
        /* ordinary English is not glued into new words */
        {"the cat", "the cat"},
        {"I am here", "i am here"},
        {"a cat", "a cat"},
        {"ab c d", "ab cd"},
        {"the, cat!", "the cat"},
        {"  leading and trailing  ", "leading and trailing"},
        {"\n\t", ""},
        {"", ""},
        /* CJK next to a Latin word of any length: no space (docs/rules.md) */
        {"ﾔ.ｻ.ｲ ＴＨＣ", "やさいthc"},
        {"LINE 追加", "line追加"},
    };
    RUN(all, cases);
}

static void test_symbols_kept_where_they_are_words(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        {"🥦あります", "🥦あります"},
        {"手押し🍁", "手押し🍁"},
        {"野菜 🥦🍁", "野菜 🥦🍁"},
        {"野菜 🥦 手押し", "野菜 🥦 手押し"}, /* spaced out: a word, not a spacer */
        {"🥦\xEF\xB8\x8F 5g", "🥦 5g"},                 /* variation selector removed */
        {"❄\xEF\xB8\x8F", "❄"},
        {" 🧊💎 ", "🧊💎"},
        {"ab⭐cd", "ab⭐cd"}, /* between words of Latin: kept */
        {"\xEF\xBF\xBD", "\xEF\xBF\xBD"},
    };
    RUN(all, cases);
}

static void test_lookalikes(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        /* kanji that imitate katakana, in context */
        {"工口", "えろ"},
        {"工 口", "えろ"},
        {"工口動画", "えろ動画"},
        {"エ口", "えろ"},
        {"エ口い", "えろい"},
        {"口リ", "ろり"},
        {"ア力ウント", "あかうんと"},
        {"力ﾞ", "が"}, /* the voiced mark composes with the folded kana */
        {"ア一ス", "あーす"},
        {"卜一ク", "とーく"},
        /* real kanji stay kanji */
        {"口座", "口座"},
        {"口.座.買.取", "口座買取"},
        {"ネット口座", "ねっと口座"},
        {"人工口座", "人工口座"},
        {"協力", "協力"},
        {"協力して一緒に", "協力して一緒に"},
        {"入口に", "入口に"},
        {"は二人で", "は二人で"},
        {"一口食べ", "一口食べ"},
        {"力一杯", "力一杯"},
        {"一緒", "一緒"},
        /* dashes are ー next to kana, separators elsewhere */
        {"ア－ス", "あーす"},
        {"ア—ス", "あーす"},
        {"すげ―", "すげー"},
        {"ｰ", "ー"},
        {"1－2", "12"},
        {"ab—cd", "ab cd"},
        /* Cyrillic and Greek */
        {"раураl", "paypal"},
        {"ΑΡΡLΕ", "apple"},
        {"сосаіпе", "cocaine"},
        {"café", "cafe"},
        {"cafe\xCC\x81", "cafe"}, /* combining acute dropped */
        {"ÉLAN", "elan"},
        /* digits and letters */
        {"c0caine", "cocaine"},
        {"sh4bu", "shabu"},
        {"m3th", "meth"},
        {"42O", "420"},
        {"1O万", "10万"},
        {"〇〇駅", "00駅"},
        {"○", "0"},
        {"1g 10g 5g", "1g 10g 5g"},
        {"x1", "x1"},
    };
    RUN(all, cases);
}

/* A look-alike kanji next to katakana is folded when the run reads as
 * kana, and stays where it forms a real word: the rule authors' reports
 * (エ口動画 read え口動画) and the real words that must not change. */
static void test_lookalike_kanji_in_words(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        /* disguised katakana before a kanji word */
        {"エ口動画", "えろ動画"},
        {"エ口漫画", "えろ漫画"},
        {"エ口本", "えろ本"},
        {"エ口画像を", "えろ画像を"},
        {"エ 口 動 画", "えろ動画"},
        {"ネッ卜販売", "ねっと販売"},
        {"デー夕", "でーた"},
        {"デー夕消去", "でーた消去"},
        {"エクスタシ一", "えくすたしー"},
        {"エクスタシ一。", "えくすたしー"},
        {"ヘ口イン", "へろいん"},
        {"工口サイト", "えろさいと"},
        {"力ード", "かーど"},
        {"夕バコ", "たばこ"},
        {"八ッパ", "はっぱ"}, /* ッ cannot start a word: 八 is part of it */
        {"八ーブ", "はーぶ"},
        {"二ート", "にーと"},
        /* real words beside katakana stay */
        {"ネット口座", "ねっと口座"},
        {"ネット口座開設", "ねっと口座開設"},
        {"オネエ口調", "おねえ口調"},
        {"ガラス工房", "がらす工房"},
        {"トンネル工事", "とんねる工事"},
        {"ミーティング夕方", "みーてぃんぐ夕方"},
        {"人口", "人口"},
        {"人口リスト", "人口りすと"},
        {"一口", "一口"},
        {"一口サイズ", "一口さいず"},
        {"一口ちょうだい", "一口ちょうだい"},
        {"口コミ", "口こみ"},
        {"ネットの口コミ", "ねっとの口こみ"},
        {"口パク", "口ぱく"},
        {"コミュ力", "こみゅ力"},
        {"コミュ力が高い", "こみゅ力が高い"},
        {"プレゼン力向上", "ぷれぜん力向上"},
        {"集中力アップ", "集中力あっぷ"},
        {"ケーキ一つ", "けーき一つ"},
        {"ランキング一位", "らんきんぐ一位"},
        {"スプーン一杯", "すぷーん一杯"},
        {"一パック", "一ぱっく"},
        {"の一セット", "の一せっと"},
        {"二セット", "二せっと"},
        {"八ページ", "八ぺーじ"},
        {"二口目", "二口目"},
        {"協力して", "協力して"},
    };
    RUN(all, cases);
}

/* ヵ ヶ are counters (3ヶ月, 一ヶ所) read か, and ヶ between kanji is the
 * old particle が of place names (霞ヶ関); ケ is か only between a numeral
 * and a counter. Terms written with か or が match either spelling. */
static void test_counter_ka(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        {"3ヶ月", "3か月"},           {"３ヶ月", "3か月"},    {"3 ヶ 月", "3か月"},
        {"一ヶ所", "一か所"},         {"何ヶ月", "何か月"},   {"数ヶ国", "数か国"},
        {"十ヶ条", "十か条"},         {"ヶ月", "か月"},       {"ヶ", "か"},
        {"3ヵ月", "3か月"},           {"ヵ所", "か所"},       {"霞ヶ関", "霞が関"},
        {"自由ヶ丘", "自由が丘"},     {"茅ヶ崎", "茅が崎"},   {"3ケ月", "3か月"},
        {"1ケ所", "1か所"},           {"三ケ国", "三か国"},   {"ｹ月", "け月"},
        {"ケース", "けーす"},         {"3ケース", "3けーす"}, {"ケ月", "け月"},
        {"1ヶ月300円", "1か月300円"},
    };
    RUN(all, cases);
}

/* Digits and letters fold into each other only where attackers use them:
 * a digit inside a word of letters, O in a number. Model numbers, sizes,
 * prices and dates stay. */
static void test_digit_letter_lookalikes(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        /* attacks */
        {"T0kyo", "tokyo"},
        {"c0caine", "cocaine"},
        {"C0CA1NE", "cocaine"},
        {"1ine", "line"},
        {"1INE", "line"},
        {"Te1egram", "telegram"},
        {"s1gnal", "signal"},
        {"l0g1n", "login"},
        {"g00gle", "google"},
        {"ki11er", "killer"},
        {"h4ck", "hack"},
        {"p0rn", "porn"},
        {"5OOO円", "5000円"},
        {"3O代", "30代"},
        /* model numbers, sizes, units, dates stay */
        {"iPhone15", "iphone15"},
        {"iPhone 15 Pro", "iphone 15 pro"},
        {"1LDK", "1ldk"},
        {"3LDK", "3ldk"},
        {"RTX4090", "rtx4090"},
        {"GTX1050Ti", "gtx1050ti"},
        {"win10", "win10"},
        {"Windows11", "windows11"},
        {"mp3", "mp3"},
        {"A4サイズ", "a4さいず"},
        {"5ch", "5ch"},
        {"4chan", "4chan"},
        {"7eleven", "7eleven"},
        {"1day", "1day"},
        {"1st", "1st"},
        {"10l", "10l"},
        {"i5", "i5"},
        {"l0l", "l0l"},
        {"THC0", "thc0"},
        {"C4", "c4"},
        {"2024年1月1日", "2024年1月1日"},
        {"2024-01-01", "2024 01 01"},
        {"ver1.0", "ver1 0"},
        {"100g", "100g"},
    };
    RUN(all, cases);
}

/* A plus sign that ends a Latin word (Disney+, C++) or starts a number
 * (+81) is kept; between letters it is a spacer like any other. */
static void test_plus_sign(void **state)
{
    (void)state;
    static const fold_case cases[] = {
        {"Disney+", "disney+"},
        {"Disney＋", "disney+"},
        {"Disney+で見る", "disney+で見る"},
        {"Disney+ で見る", "disney+で見る"},
        {"Apple TV+", "apple tv+"},
        {"C++", "c++"},
        {"C++ is", "c++ is"},
        {"+81", "+81"},
        {"+81 90-1234-5678", "+81 90 1234 5678"},
        {"電話+81", "電話+81"},
        {"や+さ+い", "やさい"},
        {"ヤ＋サ＋イ", "やさい"},
        {"y+a+s+a+i", "yasai"},
        {"野菜+", "野菜"},
        {"+", ""},
    };
    RUN(all, cases);
    expect_span("見てDisney+で", "disney+", "Disney+");
    expect_span("tel +81-90", "+81", "+81");
}

static void test_steps_are_separable(void **state)
{
    (void)state;
    static const struct {
        unsigned flags;
        fold_case c;
    } cases[] = {
        {0, {"ヤ サ イ ＡＢ", "ヤ サ イ ＡＢ"}},
        {0,
         {"a\xFF"
          "b",
          "a\xEF\xBF\xBD"
          "b"}},
        {0, {"ｶﾞ\xE2\x80\x8B", "ｶﾞ\xE2\x80\x8B"}},
        {JK_NORM_KANA, {"ヤ サ イ ＡＢ", "や さ い ＡＢ"}},
        {JK_NORM_NFKC, {"ｶﾞ ＡＢ ①", "ガ AB 1"}},
        {JK_NORM_NFKC, {"㈱", "(株)"}}, /* parentheses are the separators step's business */
        {JK_NORM_CASE, {"ＡＢ AB", "ａｂ ab"}},
        {JK_NORM_SEPARATORS, {"ヤ サ イ", "ヤサイ"}},
        {JK_NORM_SEPARATORS, {"A B the cat", "AB the cat"}},
        {JK_NORM_LOOKALIKE, {"раураl エ口", "paypal エろ"}},
        {JK_NORM_LOOKALIKE, {"エ口動画 3ヶ月", "エろ動画 3ヶ月"}},
        {JK_NORM_KANA, {"3ヶ月 霞ヶ関 ヵ", "3か月 霞が関 か"}},
        {JK_NORM_SEPARATORS, {"Disney+ ヤ+サ", "Disney+ヤサ"}},
        {JK_NORM_NFKC | JK_NORM_CASE | JK_NORM_KANA, {"ﾔｻｲ ＴＨＣ", "やさい thc"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jk_normalizer *norm;
        jk_error err;
        assert_int_equal(jk_normalizer_new(cases[i].flags, &norm, &err), 0);
        assert_int_equal(jk_normalizer_flags(norm), cases[i].flags);
        run_cases(norm, &cases[i].c, 1);
        jk_normalizer_free(norm);
    }
}

/* ---- offset map ---------------------------------------------------------- */

/* The normalized substring `norm_part` of normalize(in) must map back to
 * exactly `orig_part` of in. */
static void expect_span(const char *in, const char *norm_part, const char *orig_part)
{
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, strlen(in), &res, &err), 0);
    const char *p = strstr(res.text, norm_part);
    if (!p)
        fail_msg("\"%s\" not in normalize(\"%s\") = \"%s\"", norm_part, in, res.text);
    size_t ns = (size_t)(p - res.text), os, oe;
    jk_normalized_to_original(&res, ns, ns + strlen(norm_part), &os, &oe);
    if (oe - os != strlen(orig_part) || memcmp(in + os, orig_part, oe - os) != 0)
        fail_msg("\"%s\" in \"%s\" maps to \"%.*s\", want \"%s\"", norm_part, in, (int)(oe - os),
                 in + os, orig_part);
    jk_normalized_release(&res);
}

/* The exact map of normalize(in): one "start-end" per output character. */
static void expect_map(const char *in, const char *want_text, const char *want_map)
{
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, strlen(in), &res, &err), 0);
    assert_string_equal(res.text, want_text);
    char map[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < res.len;) {
        int32_t cp;
        size_t n = jk_utf8_decode((const unsigned char *)res.text + i, res.len - i, &cp);
        used += (size_t)snprintf(map + used, sizeof map - used, "%s%u-%u", i ? " " : "",
                                 res.orig_start[i], res.orig_end[i]);
        i += n;
    }
    if (strcmp(map, want_map) != 0)
        fail_msg("map of \"%s\" is \"%s\", want \"%s\"", in, map, want_map);
    check_result(all, in, strlen(in), &res, in);
    jk_normalized_release(&res);
}

static void test_offsets_map_back_to_original(void **state)
{
    (void)state;
    expect_span("★ ﾔｻｲ、手 押 し", "やさい", "ﾔｻｲ");
    expect_span("★ ﾔｻｲ、手 押 し", "手押し", "手 押 し");
    expect_span("連絡は工口動画まで", "えろ", "工口");
    expect_span("ｐ 活しませんか", "p活", "ｐ 活");
    expect_span("the c0caine here", "cocaine", "c0caine");
    expect_span("野菜 🥦 手押し", "🥦", "🥦");
    /* a composed character maps to both of its originals */
    expect_map("ｶﾞ", "が", "0-6");
    expect_map("か\xE3\x82\x99き", "がき", "0-6 6-9");
    /* a dropped accent is covered by its base */
    expect_map("e\xCC\x81x", "ex", "0-3 3-4");
    /* a space stands for the whole run of separators it replaces */
    expect_map("ab  ,cd", "ab cd", "0-1 1-2 2-5 5-6 6-7");
    /* a removed gap maps nowhere; letters map to themselves */
    expect_map("や . さ", "やさ", "0-3 6-9");
    /* one character folding to several: each maps to the whole of it */
    expect_map("㍿x", "株式会社x", "0-3 0-3 0-3 0-3 3-4");
    /* invalid bytes: U+FFFD for each, mapped to that byte */
    expect_map("a\xFF\xFE"
               "b",
               "a\xEF\xBF\xBD\xEF\xBF\xBD"
               "b",
               "0-1 1-2 2-3 3-4");
    /* zero-width characters vanish; neighbours keep their own ranges */
    expect_map("a\xE2\x80\x8B"
               "b",
               "ab", "0-1 4-5");
}

static void test_text_only_matches_full(void **state)
{
    (void)state;
    const char *in = "ﾔｻｲ 手押し the cat 工口 🥦 c0caine ｶﾞ";
    jk_normalized a, b;
    jk_normalized_init(&a);
    jk_normalized_init(&b);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, strlen(in), &a, &err), 0);
    assert_int_equal(jk_normalize_text(all, in, strlen(in), &b, &err), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len);
    jk_normalized_release(&a);
    jk_normalized_release(&b);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF */
    const char in[] = "a\x80"
                      "b\xE3\x81"
                      "c\xC0\xAF"
                      "d\xED\xA0\x80"
                      "e\xF4\x90\x80\x80";
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, sizeof in - 1, &res, &err), 0);
    check_result(all, in, sizeof in - 1, &res, "invalid");
    /* every bad byte is one U+FFFD mapped to that byte */
    size_t replacements = 0;
    for (size_t i = 0; i + 2 < res.len; i++) {
        if (memcmp(res.text + i, "\xEF\xBF\xBD", 3) == 0) {
            assert_int_equal(res.orig_end[i] - res.orig_start[i], 1);
            assert_true((unsigned char)in[res.orig_start[i]] >= 0x80);
            replacements++;
            i += 2;
        }
    }
    assert_int_equal(replacements, 1 + 2 + 2 + 3 + 4);
    /* a truncated character at the very end */
    assert_int_equal(jk_normalize(all, "や\xE3\x82", 5, &res, &err), 0);
    assert_string_equal(res.text, "や\xEF\xBF\xBD\xEF\xBF\xBD");
    jk_normalized_release(&res);
}

static void test_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    size_t n = JK_MAX_TEXT_BYTES;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n + 1);
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, big, n, &res, &err), 0);
    assert_int_equal(res.len, n);
    assert_int_equal(res.orig_end[n - 1], n);
    assert_int_equal(jk_normalize(all, big, n + 1, &res, &err), JK_ELIMIT);
    assert_int_equal(err.code, JK_ELIMIT);
    assert_non_null(strstr(err.message, "limit"));
    assert_int_equal(jk_normalize_text(all, big, n + 1, &res, &err), JK_ELIMIT);
    assert_int_equal(jk_normalize(all, "", 0, &res, &err), 0);
    assert_int_equal(res.len, 0);
    assert_string_equal(res.text, "");
    jk_normalized_release(&res);
    /* the empty text on a fresh result, with and without the map */
    jk_normalized_init(&res);
    assert_int_equal(jk_normalize_text(all, "", 0, &res, &err), 0);
    assert_string_equal(res.text, "");
    jk_normalized_release(&res);
    free(big);
}

static void test_buffers_are_reused(void **state)
{
    (void)state;
    /* long, short, text-only, long again: results stay right as buffers
     * grow and are reused, and the map grows when first needed */
    size_t n = 100000;
    char *big = malloc(3 * n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        memcpy(big + 3 * i, i % 7 ? "ヤ" : "　", 3);
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize_text(all, big, 3 * n, &res, &err), 0);
    assert_int_equal(jk_normalize(all, "ﾔｻｲ", strlen("ﾔｻｲ"), &res, &err), 0);
    assert_string_equal(res.text, "やさい");
    assert_int_equal(jk_normalize(all, big, 3 * n, &res, &err), 0);
    check_result(all, big, 3 * n, &res, "big");
    assert_int_equal(jk_normalize_text(all, "ab", 2, &res, &err), 0);
    assert_string_equal(res.text, "ab");
    jk_normalized_release(&res);
    jk_normalized_release(&res); /* release twice is harmless */
    free(big);
}

/* ---- properties --------------------------------------------------------- */

/* clang-format off */
static const char *const pieces[] = {
    "a", "B", "z", "0", "1", "4", "o", "l", "i", "ab", "cat", "ｙ", "Ａ", "１", "ﾔ", "ｻ", "ｲ", "ﾞ",
    "ﾟ", "ｶ", "ｰ", "ﾊ", "ヤ", "サ", "イ", "ア", "カ", "ー", "ヷ", "ヴ", "ㇰ", "や", "さ", "い", "ぱ", "野",
    "菜", "手", "押", "工", "口", "力", "一", "二", "八", "座", "人", " ", "　", ".", "・", "･", "/", "-",
    "_", "、", "。", "「", "！", "#", "@", "$", "~", "\n", "\t", "⭐", "🥦", "🍁", "❄", "\xEF\xB8\x8F",
    "\xF3\xA0\x84\x80", "\xE2\x80\x8B", "\xE2\x80\x8D", "\xEF\xBB\xBF", "а", "р", "Ο", "é",
    "e\xCC\x81", "\xCC\x81", "\xE3\x82\x99", "゛", "゜", "①", "⑴", "㈱", "㍿", "Ⅻ", "𝐀", "〇", "○",
    "－", "—", "―", "ß", "+", "＋", "ヶ", "ヵ", "ケ", "ｹ", "エ", "ッ", "ン", "コ", "月", "3", "5", "夕",
    "卜", "\x80", "\xE3\x81", "\xFF", "\xF0\x9F", "\xED\xA0\x80",
};
/* clang-format on */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static size_t generate(char *in, size_t cap)
{
    size_t len = 0;
    int count = 1 + (int)(rng() % 24);
    for (int k = 0; k < count; k++) {
        const char *p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
        size_t n = strlen(p);
        if (len + n >= cap)
            break;
        memcpy(in + len, p, n);
        len += n;
    }
    return len;
}

static void properties(unsigned flags, int rounds)
{
    jk_normalizer *norm;
    jk_error err;
    assert_int_equal(jk_normalizer_new(flags, &norm, &err), 0);
    jk_normalized res;
    jk_normalized_init(&res);
    char in[512];
    rng_state = 0x9E3779B97F4A7C15ull ^ flags;
    for (int round = 0; round < rounds; round++) {
        size_t len = generate(in, sizeof in);
        assert_int_equal(jk_normalize(norm, in, len, &res, &err), 0);
        char what[600];
        snprintf(what, sizeof what, "flags %#x round %d \"%.*s\"", flags, round, (int)len, in);
        check_result(norm, in, len, &res, what);
    }
    jk_normalized_release(&res);
    jk_normalizer_free(norm);
}

static void test_properties_all_steps(void **state)
{
    (void)state;
    properties(JK_NORM_ALL, 20000);
}

static void test_properties_each_step(void **state)
{
    (void)state;
    static const unsigned flags[] = {
        0,
        JK_NORM_NFKC,
        JK_NORM_CASE,
        JK_NORM_KANA,
        JK_NORM_SEPARATORS,
        JK_NORM_LOOKALIKE,
        JK_NORM_NFKC | JK_NORM_CASE | JK_NORM_KANA,
        JK_NORM_ALL & ~JK_NORM_LOOKALIKE,
        JK_NORM_ALL & ~JK_NORM_SEPARATORS,
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        properties(flags[i], 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_case_and_kana),
        cmocka_unit_test(test_separators_between_letters),
        cmocka_unit_test(test_symbols_kept_where_they_are_words),
        cmocka_unit_test(test_lookalikes),
        cmocka_unit_test(test_lookalike_kanji_in_words),
        cmocka_unit_test(test_counter_ka),
        cmocka_unit_test(test_digit_letter_lookalikes),
        cmocka_unit_test(test_plus_sign),
        cmocka_unit_test(test_steps_are_separable),
        cmocka_unit_test(test_offsets_map_back_to_original),
        cmocka_unit_test(test_text_only_matches_full),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_limit_at_n_and_n_plus_1),
        cmocka_unit_test(test_buffers_are_reused),
        cmocka_unit_test(test_properties_all_steps),
        cmocka_unit_test(test_properties_each_step),
    };
    return cmocka_run_group_tests_name("normalize", tests, setup, teardown);
}
