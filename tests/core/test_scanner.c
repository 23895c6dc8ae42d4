/*
 * test_scanner.c — compiling packs into one database and evaluating rule
 * conditions: near at N and N+1, N of, exclusions, word boundaries, regex
 * spans, terms shared between rules, scores, scratch reuse and threads.
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

typedef struct fixture {
    jk_normalizer *norm;
    jk_ruleset *rules;
    jk_scanner *scanner;
    jk_scan_scratch *scratch;
} fixture;

static const char pack[] =
    "pack: {name: t, version: '1', language: ja}\n"
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
    };
    return cmocka_run_group_tests_name("scanner", tests, setup, teardown);
}
