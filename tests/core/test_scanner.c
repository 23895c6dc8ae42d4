/*
 * test_scanner.c — compiling packs into one database and evaluating rule
 * conditions: near at N and N+1, N of, exclusions, word boundaries, regex
 * spans, terms shared between rules, scores, scratch reuse and threads;
 * one-character terms (matched without Hyperscan), regex starts (found by
 * a second pass), and every rule's result against a naive reference
 * evaluation over many generated texts (the scanner evaluates only the
 * rules a match can make fire).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "junkai/limits.h"
#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"
#include "rules_model.h"

typedef struct fixture {
    jk_normalizer *norm;
    jk_ruleset *rules;
    jk_scanner *scanner;
    jk_scan_scratch *scratch;
} fixture;

static const char pack[] = "pack: {name: t, version: '1', language: ja}\n"
                           "rules:\n"
                           "  - id: t.near\n"
                           "    category: drug_ad\n"
                           "    title: near\n"
                           "    weight: 1.0\n"
                           "    terms: {a: [あああ], b: [いいい]}\n"
                           "    condition: a near b within 3\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.nof\n"
                           "    category: fraud\n"
                           "    title: nof\n"
                           "    terms: {x: [もうかる], y: [ぜったい], z: [ほしょう]}\n"
                           "    condition: 2 of (x, y, z)\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.exclude\n"
                           "    category: drug_ad\n"
                           "    title: exclude\n"
                           "    weight: 0.5\n"
                           "    terms: {thing: [やさい], deal: [ておし]}\n"
                           "    condition: thing and deal\n"
                           "    exclude: [かていさいえん]\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.word\n"
                           "    category: fraud\n"
                           "    title: word\n"
                           "    terms: {dm: [dm]}\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.glued\n"
                           "    category: fraud\n"
                           "    title: glued\n"
                           "    terms: {dm: [{literal: dm, word: false}]}\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.regex\n"
                           "    category: drug_ad\n"
                           "    title: regex\n"
                           "    terms: {grams: [{regex: '[0-9]+ぐらむ'}]}\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.shared\n"
                           "    category: threat\n"
                           "    title: shared term with t.exclude\n"
                           "    weight: 0.5\n"
                           "    terms: {deal: [ておし]}\n"
                           "    examples: {hit: [x], miss: [y]}\n"
                           "  - id: t.absent\n"
                           "    category: self_harm_risk\n"
                           "    title: fires when a term is absent\n"
                           "    weight: 0.1\n"
                           "    terms: {calm: [へいわ]}\n"
                           "    condition: not calm\n"
                           "    examples: {hit: [x], miss: [y]}\n";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_normalizer_new(JK_NORM_ALL, &f->norm, &err), 0);
    assert_int_equal(jk_ruleset_new(&f->rules, &err), 0);
    int rc = jk_ruleset_load_buffer(f->rules, f->norm, "test.yaml", pack, sizeof pack - 1, &diags);
    for (size_t i = 0; i < diags.count; i++)
        print_error("%s:%u:%u: %s\n", diags.items[i].file, diags.items[i].line,
                    diags.items[i].column, diags.items[i].message);
    assert_int_equal(rc, 0);
    jk_diags_release(&diags);
    assert_int_equal(jk_scanner_new(f->rules, f->norm, &f->scanner, &err), 0);
    assert_int_equal(jk_scan_scratch_new(f->scanner, &f->scratch, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    jk_scan_scratch_free(f->scratch);
    jk_scanner_free(f->scanner);
    jk_ruleset_free(f->rules);
    jk_normalizer_free(f->norm);
    free(f);
    return 0;
}

static const jk_hit *find_hit(const jk_scan_result *res, const char *rule_id)
{
    for (size_t i = 0; i < res->hit_count; i++)
        if (strcmp(res->hits[i].rule_id, rule_id) == 0)
            return &res->hits[i];
    return NULL;
}

static jk_scan_result scan(fixture *f, const char *text)
{
    jk_scan_result res;
    jk_error err;
    assert_int_equal(jk_scanner_scan(f->scanner, f->scratch, text, strlen(text), &res, &err), 0);
    return res;
}

static void test_near_at_n_and_n_plus_1(void **state)
{
    fixture *f = *state;
    /* three characters between the terms: within 3 */
    jk_scan_result res = scan(f, "あああかきくいいい");
    assert_non_null(find_hit(&res, "t.near"));
    /* four characters: not within 3 */
    res = scan(f, "あああかきくけいいい");
    assert_null(find_hit(&res, "t.near"));
    /* order does not matter, overlap counts as 0 */
    res = scan(f, "いいいかあああ");
    assert_non_null(find_hit(&res, "t.near"));
}

static void test_n_of(void **state)
{
    fixture *f = *state;
    jk_scan_result res = scan(f, "もうかる話");
    assert_null(find_hit(&res, "t.nof"));
    res = scan(f, "絶対もうかる、ぜったい");
    assert_non_null(find_hit(&res, "t.nof"));
    res = scan(f, "ほしょう付きでもうかる");
    const jk_hit *h = find_hit(&res, "t.nof");
    assert_non_null(h);
    assert_int_equal(h->term_count, 2);
    assert_float_equal(h->score, 0.5 * 0.9, 1e-9);
}

static void test_exclusion(void **state)
{
    fixture *f = *state;
    jk_scan_result res = scan(f, "やさい ておし");
    assert_non_null(find_hit(&res, "t.exclude"));
    res = scan(f, "かていさいえんのやさい ておし");
    assert_null(find_hit(&res, "t.exclude"));
    /* the shared term still fires the other rule */
    assert_non_null(find_hit(&res, "t.shared"));
}

static void test_word_boundary(void **state)
{
    fixture *f = *state;
    jk_scan_result res = scan(f, "admin page");
    assert_null(find_hit(&res, "t.word"));
    assert_non_null(find_hit(&res, "t.glued"));
    res = scan(f, "DMください");
    assert_non_null(find_hit(&res, "t.word"));
    res = scan(f, "send a dm.");
    assert_non_null(find_hit(&res, "t.word"));
}

static void test_regex_spans_map_to_original(void **state)
{
    fixture *f = *state;
    const char *text = "価格 10ぐらむ";
    jk_scan_result res = scan(f, text);
    const jk_hit *h = find_hit(&res, "t.regex");
    assert_non_null(h);
    assert_int_equal(h->span_count, 1);
    /* regex matches are leftmost-longest from the first digit */
    assert_int_equal(h->spans[0].start, strlen("価格 "));
    assert_int_equal(h->spans[0].end, strlen(text));
}

static void test_category_scores_combine(void **state)
{
    fixture *f = *state;
    /* t.exclude (0.5 * 0.9) and t.regex (0.5 * 0.8) both in drug_ad */
    jk_scan_result res = scan(f, "やさい ておし 5ぐらむ");
    assert_non_null(find_hit(&res, "t.exclude"));
    assert_non_null(find_hit(&res, "t.regex"));
    double expect = 1.0 - (1.0 - 0.45) * (1.0 - 0.4);
    assert_float_equal(res.category_score[JK_CAT_DRUG_AD], expect, 1e-9);
    assert_true(res.category_score[JK_CAT_DRUG_AD] < 1.0);
    assert_float_equal(res.category_score[JK_CAT_PHISHING], 0.0, 0.0);
}

static void test_absent_term_rule_fires_without_matches(void **state)
{
    fixture *f = *state;
    jk_scan_result res = scan(f, "なにもない");
    assert_non_null(find_hit(&res, "t.absent"));
    assert_int_equal(find_hit(&res, "t.absent")->span_count, 0);
    res = scan(f, "へいわ");
    assert_null(find_hit(&res, "t.absent"));
}

static void test_scratch_reuse_resets(void **state)
{
    fixture *f = *state;
    jk_scan_result res = scan(f, "やさい ておし");
    assert_int_equal(res.hit_count, 3); /* exclude, shared, absent */
    res = scan(f, "へいわ");
    assert_int_equal(res.hit_count, 0);
    res = scan(f, "");
    assert_int_equal(res.hit_count, 1); /* absent */
}

static void test_oversize_text_is_refused(void **state)
{
    fixture *f = *state;
    size_t n = JK_MAX_TEXT_BYTES + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    jk_scan_result res;
    jk_error err;
    assert_int_equal(jk_scanner_scan(f->scanner, f->scratch, big, n, &res, &err), JK_ELIMIT);
    assert_int_equal(jk_scanner_scan(f->scanner, f->scratch, big, n - 1, &res, &err), 0);
    free(big);
}

typedef struct thread_arg {
    fixture *f;
    size_t hits;
} thread_arg;

static void *scan_thread(void *p)
{
    thread_arg *a = p;
    jk_scan_scratch *scratch;
    jk_error err;
    if (jk_scan_scratch_new(a->f->scanner, &scratch, &err))
        return NULL;
    for (int i = 0; i < 2000; i++) {
        jk_scan_result res;
        const char *t = i % 2 ? "やさい ておし" : "あああいいい";
        if (jk_scanner_scan(a->f->scanner, scratch, t, strlen(t), &res, &err) == 0)
            a->hits += res.hit_count;
    }
    jk_scan_scratch_free(scratch);
    return NULL;
}

static void test_threads_share_one_scanner(void **state)
{
    fixture *f = *state;
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){f, 0};
        assert_int_equal(pthread_create(&th[i], NULL, scan_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        /* 1000 × 3 hits + 1000 × 2 hits (near, absent) */
        assert_int_equal(args[i].hits, 5000);
    }
}

static void test_shared_terms_compile_once(void **state)
{
    fixture *f = *state;
    /* ておし appears in two rules; `dm` twice but with different word flags */
    assert_int_equal(jk_ruleset_rule_count(f->rules), 8);
    /* 13 terms, 12 distinct (pattern, word flag) pairs */
    assert_int_equal(jk_scanner_pattern_count(f->scanner), 12);
}

/* The compiled-database cache: the first compile writes a file, the next
 * loads it and scans the same; a damaged file is ignored and rewritten. */
static void test_compiled_database_cache(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/jk-hscache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    jk_error err;
    jk_scanner *first = NULL, *second = NULL, *third = NULL;
    assert_int_equal(jk_scanner_new_cached(f->rules, f->norm, dir, &first, &err), 0);
    char cmd[256], path[512] = "";
    snprintf(cmd, sizeof cmd, "ls %s/hs-*.db", dir);
    FILE *ls = popen(cmd, "r");
    assert_non_null(ls);
    assert_non_null(fgets(path, sizeof path, ls));
    pclose(ls);
    path[strcspn(path, "\n")] = '\0';
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 64);
    time_t written = st.st_mtime;

    assert_int_equal(jk_scanner_new_cached(f->rules, f->norm, dir, &second, &err), 0);
    jk_scan_scratch *scratch = NULL;
    assert_int_equal(jk_scan_scratch_new(second, &scratch, &err), 0);
    const char *text = "あああかきくいいい";
    jk_scan_result a, b;
    assert_int_equal(jk_scanner_scan(f->scanner, f->scratch, text, strlen(text), &a, &err), 0);
    size_t hits = a.hit_count;
    assert_int_equal(jk_scanner_scan(second, scratch, text, strlen(text), &b, &err), 0);
    assert_int_equal(b.hit_count, hits);
    assert_true(hits > 0);
    jk_scan_scratch_free(scratch);

    /* damage it: cut the file in half */
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    assert_int_equal(jk_scanner_new_cached(f->rules, f->norm, dir, &third, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 64 && st.st_mtime >= written);
    assert_int_equal(jk_scan_scratch_new(third, &scratch, &err), 0);
    assert_int_equal(jk_scanner_scan(third, scratch, text, strlen(text), &b, &err), 0);
    assert_int_equal(b.hit_count, hits);
    jk_scan_scratch_free(scratch);

    jk_scanner_free(first);
    jk_scanner_free(second);
    jk_scanner_free(third);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- one-character terms, regex starts, and a naive reference ---------- */

/* pack2, and pack2 without p.empty: a rule that holds with nothing
 * matched unless its exclusion silences it, so every one of its terms
 * (円 among them) triggers it. Without it, more items have no trigger
 * term and stop after the main pass; both ways must give the same
 * results. */
#define PACK2_HEAD                                                                                 \
    "pack: {name: p, version: '1', language: ja}\n"                                                \
    "rules:\n"                                                                                     \
    "  - id: p.near\n"                                                                             \
    "    category: fraud\n"                                                                        \
    "    title: near\n"                                                                            \
    "    terms: {a: [円, 万円], b: [てがみ, dm]}\n"                                          \
    "    condition: a near b within 3\n"                                                           \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.andnot\n"                                                                           \
    "    category: fraud\n"                                                                        \
    "    title: and not, or\n"                                                                     \
    "    terms: {a: [やさい], b: [へ], c: [s]}\n"                                              \
    "    condition: a and not b or c\n"                                                            \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.nof\n"                                                                              \
    "    category: fraud\n"                                                                        \
    "    title: 2 of\n"                                                                            \
    "    terms: {x: [円], y: [s], z: ['🥦'], w: [ておし]}\n"                                 \
    "    condition: 2 of (x, y, z, w)\n"                                                           \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.or\n"                                                                               \
    "    category: fraud\n"                                                                        \
    "    title: or, excluded\n"                                                                    \
    "    terms: {x: [へ], y: [くさ]}\n"                                                         \
    "    condition: x or y\n"                                                                      \
    "    exclude: [わら]\n"                                                                      \
    "    examples: {hit: [x], miss: [y]}\n"
#define PACK2_EMPTY                                                                                \
    "  - id: p.empty\n"                                                                            \
    "    category: fraud\n"                                                                        \
    "    title: holds with nothing matched, silenced unless b\n"                                   \
    "    terms: {a: [へいわ], b: [円]}\n"                                                      \
    "    condition: not a\n"                                                                       \
    "    exclude: not b\n"                                                                         \
    "    examples: {hit: [x], miss: [y]}\n"
#define PACK2_TAIL                                                                                 \
    "  - id: p.notnot\n"                                                                           \
    "    category: fraud\n"                                                                        \
    "    title: not not\n"                                                                         \
    "    terms: {a: [やさい], b: [円]}\n"                                                      \
    "    condition: not (not a) and b\n"                                                           \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.nofnot\n"                                                                           \
    "    category: fraud\n"                                                                        \
    "    title: 2 of with a not\n"                                                                 \
    "    terms: {a: [くさ], b: [へ], c: [s]}\n"                                                 \
    "    condition: 2 of (a, not b, c)\n"                                                          \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.excl\n"                                                                             \
    "    category: drug_ad\n"                                                                      \
    "    title: near, excluded\n"                                                                  \
    "    terms: {thing: [ておし, やさい], deal: [円, dm]}\n"                                \
    "    condition: thing near deal within 10\n"                                                   \
    "    exclude: [のうか]\n"                                                                   \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.glued\n"                                                                            \
    "    category: fraud\n"                                                                        \
    "    title: s inside words too\n"                                                              \
    "    terms: {s: [{literal: s, word: false}], e: ['🥦']}\n"                                   \
    "    condition: s and e\n"                                                                     \
    "    examples: {hit: [x], miss: [y]}\n"                                                        \
    "  - id: p.regex\n"                                                                            \
    "    category: fraud\n"                                                                        \
    "    title: regexes of several lengths\n"                                                      \
    "    terms: {w: [{regex: 'w+'}], man: [{regex: '[0-9]+万'}], jk: [{regex: 'j[kc][1-3]'}]}\n"  \
    "    condition: w or man or jk\n"                                                              \
    "    examples: {hit: [x], miss: [y]}\n"

static const char pack2[] = PACK2_HEAD PACK2_EMPTY PACK2_TAIL;
static const char pack2_no_always[] = PACK2_HEAD PACK2_TAIL;

static fixture *load_pack(const char *text, size_t len)
{
    fixture *f = calloc(1, sizeof *f);
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_normalizer_new(JK_NORM_ALL, &f->norm, &err), 0);
    assert_int_equal(jk_ruleset_new(&f->rules, &err), 0);
    int rc = jk_ruleset_load_buffer(f->rules, f->norm, "pack2.yaml", text, len, &diags);
    for (size_t i = 0; i < diags.count; i++)
        print_error("%s:%u:%u: %s\n", diags.items[i].file, diags.items[i].line,
                    diags.items[i].column, diags.items[i].message);
    assert_int_equal(rc, 0);
    jk_diags_release(&diags);
    assert_int_equal(jk_scanner_new(f->rules, f->norm, &f->scanner, &err), 0);
    assert_int_equal(jk_scan_scratch_new(f->scanner, &f->scratch, &err), 0);
    return f;
}

static fixture *load_pack2(void)
{
    return load_pack(pack2, sizeof pack2 - 1);
}

static void free_fixture(fixture *f)
{
    jk_scan_scratch_free(f->scratch);
    jk_scanner_free(f->scanner);
    jk_ruleset_free(f->rules);
    jk_normalizer_free(f->norm);
    free(f);
}

static void expect_span(const jk_hit *h, size_t k, const char *text, const char *part)
{
    assert_non_null(h);
    assert_true(k < h->span_count);
    const char *at = strstr(text, part);
    assert_non_null(at);
    if (h->spans[k].start != (size_t)(at - text) ||
        h->spans[k].end != (size_t)(at - text) + strlen(part))
        fail_msg("span %zu of %s is [%zu, %zu), want \"%s\" at [%zu, %zu)", k, h->rule_id,
                 h->spans[k].start, h->spans[k].end, part, (size_t)(at - text),
                 (size_t)(at - text) + strlen(part));
}

/* One-character terms (a kanji, an ASCII letter with and without word
 * boundaries, an emoji outside the BMP) match like any other term. */
static void test_one_character_terms(void **state)
{
    (void)state;
    fixture *f = load_pack2();
    const char *text = "手紙は５００円、ｄｍで";
    jk_scan_result res = scan(f, text);
    const jk_hit *h = find_hit(&res, "p.near");
    expect_span(h, 0, text, "円");
    expect_span(h, 1, text, "ｄｍ");
    res = scan(f, "yes 🥦");
    assert_null(find_hit(&res, "p.nof")); /* s inside "yes" is no word */
    expect_span(find_hit(&res, "p.glued"), 0, "yes 🥦", "s");
    expect_span(find_hit(&res, "p.glued"), 1, "yes 🥦", "🥦");
    res = scan(f, "S 🥦");
    assert_non_null(find_hit(&res, "p.nof"));
    res = scan(f, "ヘ");
    assert_non_null(find_hit(&res, "p.or"));
    res = scan(f, "ヘ わら");
    assert_null(find_hit(&res, "p.or"));
    free_fixture(f);
}

/* Regex matches start where the regex alone says (leftmost), whatever
 * their length, and the start decides word boundaries. */
static void test_regex_leftmost_starts(void **state)
{
    (void)state;
    fixture *f = load_pack2();
    const char *text = "草wwww 100万 と 2000万";
    jk_scan_result res = scan(f, text);
    const jk_hit *h = find_hit(&res, "p.regex");
    assert_non_null(h);
    assert_int_equal(h->span_count, 3);
    expect_span(h, 0, text, "wwww");
    expect_span(h, 1, text, "100万");
    expect_span(h, 2, text, "2000万");
    res = scan(f, "ajk2");
    assert_null(find_hit(&res, "p.regex")); /* starts inside a word */
    res = scan(f, "ＪＫ２です");
    expect_span(find_hit(&res, "p.regex"), 0, "ＪＫ２です", "ＪＫ２");
    free_fixture(f);
}

typedef struct ref_span {
    size_t start, end;
} ref_span;

#define REF_MAX 512

static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Every occurrence of the literal terms of group g in t, the slow way. */
static size_t ref_group(const jk_rule *rule, size_t g, const char *t, size_t len, ref_span *out)
{
    size_t n = 0;
    const jk_group *grp = &rule->groups[g];
    for (size_t k = 0; k < grp->term_count; k++) {
        const jk_term *term = &grp->terms[k];
        assert_false(term->is_regex);
        for (size_t i = 0; i + term->pattern_len <= len; i++) {
            if (memcmp(t + i, term->pattern, term->pattern_len) != 0)
                continue;
            size_t e = i + term->pattern_len;
            if (term->word_boundary &&
                ((i > 0 && alnum((unsigned char)t[i]) && alnum((unsigned char)t[i - 1])) ||
                 (e < len && alnum((unsigned char)t[e - 1]) && alnum((unsigned char)t[e]))))
                continue;
            assert_true(n < REF_MAX);
            out[n++] = (ref_span){i, e};
        }
    }
    return n;
}

static size_t chars_between(const char *t, size_t lo, size_t hi)
{
    size_t n = 0;
    for (size_t i = lo; i < hi; i++)
        n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

static bool ref_eval(const jk_rule *rule, const jk_cond *c, const char *t, size_t len)
{
    static ref_span a[REF_MAX], b[REF_MAX];
    switch (c->kind) {
    case JK_COND_GROUP:
        return ref_group(rule, c->group, t, len, a) > 0;
    case JK_COND_AND:
        for (size_t i = 0; i < c->kid_count; i++)
            if (!ref_eval(rule, c->kids[i], t, len))
                return false;
        return true;
    case JK_COND_OR:
        for (size_t i = 0; i < c->kid_count; i++)
            if (ref_eval(rule, c->kids[i], t, len))
                return true;
        return false;
    case JK_COND_NOT:
        return !ref_eval(rule, c->kids[0], t, len);
    case JK_COND_NOF: {
        unsigned n = 0;
        for (size_t i = 0; i < c->kid_count; i++)
            n += ref_eval(rule, c->kids[i], t, len);
        return n >= c->n;
    }
    case JK_COND_NEAR: {
        size_t na = ref_group(rule, c->kids[0]->group, t, len, a);
        size_t nb = ref_group(rule, c->kids[1]->group, t, len, b);
        for (size_t i = 0; i < na; i++)
            for (size_t k = 0; k < nb; k++) {
                size_t gap = a[i].end <= b[k].start   ? chars_between(t, a[i].end, b[k].start)
                             : b[k].end <= a[i].start ? chars_between(t, b[k].end, a[i].start)
                                                      : 0;
                if (gap <= c->n)
                    return true;
            }
        return false;
    }
    }
    return false;
}

/* Every rule's result on many generated texts agrees with evaluating every
 * rule naively on every text: the scanner skips rules none of whose
 * trigger groups matched, and finds one-character terms without
 * Hyperscan; neither may change a result. */
static void agrees_with_naive_reference(fixture *f)
{
    static const char *const pieces[] = {
        "円",       "万円", "５",   "てがみ", "手紙",  "dm",  "ＤＭ", "admin", "やさい",
        "ヤサイ",   "へ",   "ヘ",   "へいわ", "s",     "Ｓ",  "yes",  "🥦",  "ておし",
        "て.お.し", "くさ", "わら", "のうか", "の",    "野",  " ",    "、",    "a",
        "x",        "w",    "ww",   "1",      "100万", "jk2",
    };
    jk_normalized norm;
    jk_normalized_init(&norm);
    uint64_t rng = 0x243F6A8885A308D3ull;
    size_t fired_total = 0, unfired_total = 0;
    for (int round = 0; round < 4000; round++) {
        char text[512];
        size_t len = 0;
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int count = 1 + (int)(rng % 16);
        for (int k = 0; k < count; k++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            const char *p = pieces[(rng >> 8) % (sizeof pieces / sizeof pieces[0])];
            memcpy(text + len, p, strlen(p));
            len += strlen(p);
        }
        text[len] = '\0';
        jk_scan_result res;
        jk_error err;
        assert_int_equal(jk_scanner_scan(f->scanner, f->scratch, text, len, &res, &err), 0);
        assert_int_equal(jk_normalize_text(f->norm, text, len, &norm, &err), 0);
        for (size_t r = 0; r < f->rules->rule_count; r++) {
            const jk_rule *rule = &f->rules->rules[r];
            if (strcmp(rule->id, "p.regex") == 0)
                continue; /* the reference has no regex engine */
            bool want = ref_eval(rule, rule->condition, norm.text, norm.len) &&
                        !(rule->exclude && ref_eval(rule, rule->exclude, norm.text, norm.len));
            bool got = find_hit(&res, rule->id) != NULL;
            if (want != got)
                fail_msg("%s on \"%s\" (normalized \"%s\"): scanner %s, reference %s", rule->id,
                         text, norm.text, got ? "fires" : "silent", want ? "fires" : "silent");
            fired_total += want;
            unfired_total += !want;
        }
    }
    /* not vacuous: both outcomes occur often */
    assert_true(fired_total > 2000);
    assert_true(unfired_total > 2000);
    jk_normalized_release(&norm);
}

static void test_agrees_with_naive_reference(void **state)
{
    (void)state;
    fixture *f = load_pack2();
    agrees_with_naive_reference(f);
    free_fixture(f);
    /* without p.empty, more items have no trigger term and skip the regex
     * and character passes */
    f = load_pack(pack2_no_always, sizeof pack2_no_always - 1);
    agrees_with_naive_reference(f);
    /* a rule triggered only by a regex, or only by a one-character term,
     * still fires when that is all the text holds */
    jk_scan_result res = scan(f, "100万");
    expect_span(find_hit(&res, "p.regex"), 0, "100万", "100万");
    res = scan(f, "ヘ");
    expect_span(find_hit(&res, "p.or"), 0, "ヘ", "ヘ");
    res = scan(f, "ヘ 🥦");
    assert_non_null(find_hit(&res, "p.or"));
    assert_null(find_hit(&res, "p.nof"));
    res = scan(f, "S 🥦");
    assert_non_null(find_hit(&res, "p.nof"));
    free_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_near_at_n_and_n_plus_1),
        cmocka_unit_test(test_n_of),
        cmocka_unit_test(test_exclusion),
        cmocka_unit_test(test_word_boundary),
        cmocka_unit_test(test_regex_spans_map_to_original),
        cmocka_unit_test(test_category_scores_combine),
        cmocka_unit_test(test_absent_term_rule_fires_without_matches),
        cmocka_unit_test(test_scratch_reuse_resets),
        cmocka_unit_test(test_oversize_text_is_refused),
        cmocka_unit_test(test_threads_share_one_scanner),
        cmocka_unit_test(test_shared_terms_compile_once),
        cmocka_unit_test(test_compiled_database_cache),
        cmocka_unit_test(test_one_character_terms),
        cmocka_unit_test(test_regex_leftmost_starts),
        cmocka_unit_test(test_agrees_with_naive_reference),
    };
    return cmocka_run_group_tests_name("scanner", tests, setup, teardown);
}
