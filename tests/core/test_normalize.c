/*
 * test_normalize.c — the normalizer: every folding step on the obfuscations
 * patrol staff see, the offset map, invalid UTF-8, limits, and properties
 * over many generated strings (map monotonic and covering, folding
 * idempotent, output valid UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

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

/* Normalize with `norm` and return a copy of the text. */
static char *fold(const jk_normalizer *norm, const char *in)
{
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(norm, in, strlen(in), &res, &err), 0);
    char *out = strdup(res.text);
    jk_normalized_release(&res);
    return out;
}

static void expect(const char *in, const char *want)
{
    char *got = fold(all, in);
    if (strcmp(got, want) != 0)
        fail_msg("normalize(\"%s\") = \"%s\", want \"%s\"", in, got, want);
    free(got);
}

static void test_width_case_and_kana(void **state)
{
    (void)state;
    expect("ｙａｓａｉ", "yasai");
    expect("YASAI", "yasai");
    expect("ﾔｻｲ", "やさい");
    expect("ヤサイ", "やさい");
    expect("ｶﾞﾝｼﾞｬ", "がんじゃ");   /* separate half-width voiced marks compose */
    expect("ﾊﾟﾊﾟ活", "ぱぱ活");
    expect("ｸﾞﾚｰ", "ぐれー");       /* and ｰ is the prolonged sound mark */
    expect("か\xE3\x82\x99", "が"); /* combining U+3099 */
    expect("①②③", "123");
    expect("㈱", "株");
    expect("\xEF\xA4\x80", "\xE8\xB1\x88"); /* compatibility ideograph U+F900 -> U+8C48 */
}

static void test_separators_between_letters(void **state)
{
    (void)state;
    expect("ヤ サ イ", "やさい");
    expect("や.さ.い", "やさい");
    expect("や・さ・い", "やさい");
    expect("や／さ／い", "やさい");
    expect("や_さ-い", "やさい");
    expect("や\xE2\x80\x8Bさ\xE2\x80\x8Cい", "やさい"); /* zero-width space/non-joiner */
    expect("や\xEF\xBB\xBFさ\xE2\x81\xA0い", "やさい"); /* BOM, word joiner */
    expect("野⭐菜", "野菜");
    expect("野\xE2\xAD\x90\xEF\xB8\x8F菜", "野菜"); /* ⭐ + variation selector */
    expect("ｐ 活", "p活");
    expect("y a s a i", "yasai");
    expect("1 g", "1g");
    /* ordinary English is not glued into new words */
    expect("the cat", "the cat");
    expect("I am here", "i am here");
    expect("  leading and trailing  ", "leading and trailing");
}

static void test_symbols_kept_where_they_are_words(void **state)
{
    (void)state;
    expect("🥦あります", "🥦あります");
    expect("手押し🍁", "手押し🍁");
    expect("野菜 🥦 手押し", "野菜 🥦 手押し");
}

static void test_lookalikes(void **state)
{
    (void)state;
    expect("工口動画", "えろ動画");
    expect("エ口", "えろ");
    expect("口リ", "ろり");
    expect("ア力ウント", "あかうんと");
    /* real kanji stay kanji */
    expect("口座", "口座");
    expect("ネット口座", "ねっと口座");
    expect("人工口座", "人工口座");
    expect("協力して一緒に", "協力して一緒に");
    expect("ア－ス", "あーす");
    expect("раураl", "paypal"); /* Cyrillic а, р, у */
    expect("ΑΡΡLΕ", "apple");    /* Greek capitals */
    expect("café", "cafe");
    expect("c0caine", "cocaine");
    expect("sh4bu", "shabu");
    expect("42O", "420");
    expect("1O万", "10万");
    expect("〇〇駅", "00駅");
    expect("1g 10g 5g", "1g 10g 5g");
}

static void test_offsets_map_back_to_original(void **state)
{
    (void)state;
    const char *in = "★ ﾔｻｲ、手 押 し";
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, strlen(in), &res, &err), 0);
    const char *p = strstr(res.text, "やさい");
    assert_non_null(p);
    size_t ns = (size_t)(p - res.text), os, oe;
    jk_normalized_to_original(&res, ns, ns + strlen("やさい"), &os, &oe);
    assert_int_equal(oe - os, strlen("ﾔｻｲ"));
    assert_memory_equal(in + os, "ﾔｻｲ", oe - os);
    p = strstr(res.text, "手押し");
    assert_non_null(p);
    ns = (size_t)(p - res.text);
    jk_normalized_to_original(&res, ns, ns + strlen("手押し"), &os, &oe);
    assert_memory_equal(in + os, "手 押 し", oe - os);
    /* a composed character maps to both of its originals */
    const char *voiced = "ｶﾞ";
    assert_int_equal(jk_normalize(all, voiced, strlen(voiced), &res, &err), 0);
    assert_string_equal(res.text, "が");
    assert_int_equal(res.orig_start[0], 0);
    assert_int_equal(res.orig_end[res.len - 1], strlen(voiced));
    jk_normalized_release(&res);
}

static void test_text_only_matches_full(void **state)
{
    (void)state;
    const char *in = "ﾔｻｲ 手押し the cat 工口";
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
    const char in[] = "a\x80" "b\xE3\x81" "c\xC0\xAF" "d\xED\xA0\x80" "e\xF4\x90\x80\x80";
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, in, sizeof in - 1, &res, &err), 0);
    /* every bad byte is one U+FFFD (a symbol, kept) mapped to that byte */
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
    jk_normalized_release(&res);
}

static void test_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    size_t n = JK_MAX_TEXT_BYTES;
    char *big = malloc(n + 1);
    memset(big, 'x', n + 1);
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    assert_int_equal(jk_normalize(all, big, n, &res, &err), 0);
    assert_int_equal(res.len, n);
    assert_int_equal(jk_normalize(all, big, n + 1, &res, &err), JK_ELIMIT);
    assert_non_null(strstr(err.message, "limit"));
    assert_int_equal(jk_normalize(all, "", 0, &res, &err), 0);
    assert_int_equal(res.len, 0);
    assert_string_equal(res.text, "");
    jk_normalized_release(&res);
    free(big);
}

static void test_steps_are_separable(void **state)
{
    (void)state;
    jk_normalizer *none, *kana;
    jk_error err;
    assert_int_equal(jk_normalizer_new(0, &none, &err), 0);
    assert_int_equal(jk_normalizer_new(JK_NORM_KANA, &kana, &err), 0);
    char *s = fold(none, "ヤ サ イ ＡＢ");
    assert_string_equal(s, "ヤ サ イ ＡＢ");
    free(s);
    s = fold(kana, "ヤ サ イ ＡＢ");
    assert_string_equal(s, "や さ い ＡＢ");
    free(s);
    jk_normalizer_free(none);
    jk_normalizer_free(kana);
}

/* ---- properties --------------------------------------------------------- */

static const char *const pieces[] = {
    "a", "B", "z", "0", "1", "4", "o", "l", "ｙ", "Ａ", "１", "ﾔ", "ｻ", "ｲ", "ﾞ", "ﾟ", "ｶ", "ｰ",
    "ヤ", "サ", "イ", "ア", "カ", "ー", "や", "さ", "い", "野", "菜", "手", "押", "工", "口", "力",
    "一", "二", "座", "人", " ", "　", ".", "・", "/", "-", "_", "、", "。", "⭐", "🥦", "❄",
    "\xEF\xB8\x8F", "\xE2\x80\x8B", "\xEF\xBB\xBF", "а", "р", "Ο", "é", "e\xCC\x81", "①", "㈱",
    "〇", "○", "－", "\x80", "\xE3\x81", "\xFF", "\xF0\x9F", "\n", "\t", "#", "@",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_properties_over_generated_strings(void **state)
{
    (void)state;
    jk_normalized a, b;
    jk_normalized_init(&a);
    jk_normalized_init(&b);
    jk_error err;
    char in[512];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        int count = 1 + (int)(rng() % 24);
        for (int k = 0; k < count; k++) {
            const char *p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n >= sizeof in)
                break;
            memcpy(in + len, p, n);
            len += n;
        }
        assert_int_equal(jk_normalize(all, in, len, &a, &err), 0);
        /* output is valid UTF-8 */
        if (!jk_utf8_valid((const unsigned char *)a.text, a.len))
            fail_msg("round %d: invalid UTF-8 output", round);
        /* the map is in range and non-decreasing */
        for (size_t i = 0; i < a.len; i++) {
            assert_true(a.orig_start[i] < a.orig_end[i]);
            assert_true(a.orig_end[i] <= len);
            if (i > 0) {
                assert_true(a.orig_start[i] >= a.orig_start[i - 1]);
                assert_true(a.orig_end[i] >= a.orig_end[i - 1]);
            }
        }
        /* coverage: every original byte is either inside some normalized
         * byte's range or belongs to a removed stretch between ranges — so
         * the ranges never overlap backwards and never exceed the input */
        for (size_t i = 1; i < a.len; i++)
            assert_true(a.orig_start[i] >= a.orig_start[i - 1]);
        /* idempotence: folding folded text changes nothing */
        assert_int_equal(jk_normalize(all, a.text, a.len, &b, &err), 0);
        if (a.len != b.len || memcmp(a.text, b.text, a.len) != 0)
            fail_msg("round %d: not idempotent: \"%.*s\" -> \"%s\" -> \"%s\"", round, (int)len,
                     in, a.text, b.text);
    }
    jk_normalized_release(&a);
    jk_normalized_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_case_and_kana),
        cmocka_unit_test(test_separators_between_letters),
        cmocka_unit_test(test_symbols_kept_where_they_are_words),
        cmocka_unit_test(test_lookalikes),
        cmocka_unit_test(test_offsets_map_back_to_original),
        cmocka_unit_test(test_text_only_matches_full),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_limit_at_n_and_n_plus_1),
        cmocka_unit_test(test_steps_are_separable),
        cmocka_unit_test(test_properties_over_generated_strings),
    };
    return cmocka_run_group_tests_name("normalize", tests, setup, teardown);
}
