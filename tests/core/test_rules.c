/*
 * test_rules.c — the rule-pack loader and the condition parser: a valid
 * pack's model, every error class with its file:line:column, several errors
 * at once, all-or-nothing loading, duplicate ids across packs, condition
 * precedence and errors, the depth limit at N and N+1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/limits.h"
#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "rules_model.h"

static jk_normalizer *norm;

static int setup(void **state)
{
    (void)state;
    jk_error err;
    return jk_normalizer_new(JK_NORM_ALL, &norm, &err);
}

static int teardown(void **state)
{
    (void)state;
    jk_normalizer_free(norm);
    return 0;
}

#define HEADER "pack: {name: t, version: '1', language: ja}\nrules:\n"

/* Load text as a pack into rs; returns the status, diagnostics in diags. */
static int load(jk_ruleset *rs, const char *text, jk_diags *diags)
{
    return jk_ruleset_load_buffer(rs, norm, "t.yaml", text, strlen(text), diags);
}

/* Is there a diagnostic at line:column whose message contains part? */
static void expect_diag(const jk_diags *d, unsigned line, unsigned column, const char *part)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].line == line && d->items[i].column == column &&
            strstr(d->items[i].message, part))
            return;
    for (size_t i = 0; i < d->count; i++)
        print_message("  got %s:%u:%u: %s\n", d->items[i].file, d->items[i].line,
                      d->items[i].column, d->items[i].message);
    fail_msg("no diagnostic %u:%u containing \"%s\"", line, column, part);
}

static void test_valid_pack_model(void **state)
{
    (void)state;
    static const char text[] = HEADER
        "  - id: drug_ad.x\n"
        "    category: drug_ad\n"
        "    title: テスト\n"
        "    terms:\n"
        "      thing: [ヤサイ, {regex: 'a+b'}, {literal: DM, word: false}]\n"
        "    examples: {hit: [ﾔｻｲ, x], miss: [y, z]}\n";
    jk_ruleset *rs;
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_new(&rs, &err), 0);
    assert_int_equal(load(rs, text, &diags), 0);
    assert_int_equal(diags.count, 0);
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    const jk_rule *r = &rs->rules[0];
    assert_string_equal(r->id, "drug_ad.x");
    assert_int_equal(r->category, JK_CAT_DRUG_AD);
    assert_int_equal(r->severity, JK_SEV_MEDIUM); /* default */
    assert_float_equal(r->weight, 0.5, 0);        /* default */
    assert_int_equal(r->group_count, 1);
    assert_int_equal(r->groups[0].term_count, 3);
    /* literals are normalized like text, regexes are kept as written */
    assert_string_equal(r->groups[0].terms[0].pattern, "やさい");
    assert_string_equal(r->groups[0].terms[0].source, "ヤサイ");
    assert_true(r->groups[0].terms[1].is_regex);
    assert_string_equal(r->groups[0].terms[1].pattern, "a+b");
    assert_string_equal(r->groups[0].terms[2].pattern, "dm");
    assert_false(r->groups[0].terms[2].word_boundary);
    assert_true(r->groups[0].terms[0].word_boundary);
    /* one group: the condition defaults to it */
    assert_int_equal(r->condition->kind, JK_COND_GROUP);
    assert_int_equal(r->hit_example_count, 2);
    assert_int_equal(r->hit_examples[0].line, 8);
    jk_pack_info pi;
    jk_ruleset_pack_info(rs, 0, &pi);
    assert_string_equal(pi.name, "t");
    assert_string_equal(pi.path, "t.yaml");
    jk_ruleset_free(rs);
}

static void test_error_positions(void **state)
{
    (void)state;
    static const char text[] = HEADER
        "  - id: a.one\n"                       /* 3 */
        "    category: drugs\n"                 /* 4: unknown category */
        "    title: t\n"
        "    conditon: a\n"                     /* 6: unknown key */
        "    terms: {a: [x], b: [y]}\n"         /* 7 */
        "    condition: a and c\n"              /* 8: undefined group at col 22 */
        "    examples: {hit: [x], miss: [y]}\n"
        "  - id: a.two\n"                       /* 10 */
        "    category: fraud\n"
        "    terms:\n"
        "      g: [{regex: 'a(b'}]\n"           /* 13: bad regex */
        "    examples: {hit: [x], miss: [y]}\n" /* rule has no title */
        "  - id: a.one\n"                       /* 15: duplicate id */
        "    category: fraud\n"
        "    title: dup\n"
        "    terms: {g: [x], unused: [z]}\n"    /* 18: unused group */
        "    condition: g\n"
        "    examples: {hit: [x], miss: [y]}\n";
    jk_ruleset *rs;
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_new(&rs, &err), 0);
    assert_int_equal(load(rs, text, &diags), JK_EPARSE);
    expect_diag(&diags, 4, 15, "unknown category \"drugs\"");
    expect_diag(&diags, 6, 5, "unknown key \"conditon\"");
    expect_diag(&diags, 8, 22, "undefined term group \"c\"");
    expect_diag(&diags, 13, 19, "bad regular expression");
    expect_diag(&diags, 10, 5, "missing required key \"title\"");
    expect_diag(&diags, 15, 9, "duplicate rule id \"a.one\"");
    expect_diag(&diags, 18, 21, "never used");
    /* a broken pack adds nothing */
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    assert_int_equal(jk_ruleset_pack_count(rs), 0);
    jk_diags_release(&diags);

    /* a good pack loaded afterwards works */
    static const char good[] = HEADER
        "  - id: a.one\n"
        "    category: fraud\n"
        "    title: ok\n"
        "    terms: {g: [x]}\n"
        "    examples: {hit: [x], miss: [y]}\n";
    assert_int_equal(load(rs, good, &diags), 0);
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    /* and the same id in a second pack is a duplicate across packs */
    assert_int_equal(load(rs, good, &diags), JK_EPARSE);
    expect_diag(&diags, 3, 9, "first defined at t.yaml:3");
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

static void test_yaml_syntax_and_shape_errors(void **state)
{
    (void)state;
    jk_ruleset *rs;
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_new(&rs, &err), 0);
    assert_int_equal(load(rs, "pack: [unclosed\n", &diags), JK_EPARSE);
    assert_true(diags.count >= 1);
    assert_non_null(strstr(diags.items[0].message, "YAML"));
    jk_diags_release(&diags);
    assert_int_equal(load(rs, "", &diags), JK_EPARSE);
    assert_non_null(strstr(diags.items[0].message, "empty"));
    jk_diags_release(&diags);
    /* aliases are refused (exponential expansion) */
    static const char alias[] = HEADER
        "  - &r {id: a.b, category: fraud, title: t, terms: {g: [x]}, examples: {hit: [x]}}\n"
        "  - *r\n";
    assert_int_equal(load(rs, alias, &diags), JK_EPARSE);
    assert_non_null(strstr(diags.items[diags.count - 1].message, "alias"));
    jk_diags_release(&diags);
    /* a term that normalizes to nothing */
    static const char empty_term[] = HEADER
        "  - id: a.b\n    category: fraud\n    title: t\n"
        "    terms: {g: ['・・・']}\n    examples: {hit: [x]}\n";
    assert_int_equal(load(rs, empty_term, &diags), JK_EPARSE);
    expect_diag(&diags, 6, 17, "normalizes to nothing");
    jk_diags_release(&diags);
    /* invalid UTF-8 in the file */
    static const char bad_utf8[] = HEADER "  - id: \xff\n";
    assert_int_equal(load(rs, bad_utf8, &diags), JK_EPARSE);
    assert_true(diags.count >= 1);
    jk_diags_release(&diags);
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    jk_ruleset_free(rs);
}

/* ---- conditions --------------------------------------------------------- */

static jk_group groups[4];

static jk_cond *parse(const char *text, jk_diags *diags)
{
    static const char *const names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        groups[i].name = (char *)names[i];
    return jk_cond_parse(text, strlen(text), groups, 4, "c.yaml", 7, 16, diags);
}

static void test_condition_precedence(void **state)
{
    (void)state;
    jk_diags diags = {0};
    jk_cond *c = parse("a or b and c", &diags);
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kid_count, 2);
    assert_int_equal(c->kids[1]->kind, JK_COND_AND);
    jk_cond_free(c);

    c = parse("not a and (b or c)", &diags);
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_NOT);
    assert_int_equal(c->kids[1]->kind, JK_COND_OR);
    jk_cond_free(c);

    c = parse("2 of (a, b, c)", &diags);
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_NOF);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->kid_count, 3);
    jk_cond_free(c);

    c = parse("a near b within 40 and any of (c, d)", &diags);
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_NEAR);
    assert_int_equal(c->kids[0]->n, 40);
    assert_int_equal(c->kids[0]->kids[1]->group, 1);
    assert_int_equal(c->kids[1]->kind, JK_COND_OR);
    jk_cond_free(c);
    assert_int_equal(diags.count, 0);
}

static void test_condition_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned column; /* base column 16 + offset */
        const char *part;
    } cases[] = {
        {"a near", 22, "group name"},
        {"a near b", 24, "within"},
        {"a near b within x", 32, "number"},
        {"(a or b", 23, "')'"},
        {"a and e", 22, "undefined term group \"e\""},
        {"4 of (a, b, c)", 16, "between 1 and 3"},
        {"0 of (a)", 16, "between 1 and 1"},
        {"a b", 18, "unexpected"},
        {"(a or b) near c within 3", 16, "group names"},
        {"a near b within 10001", 32, "maximum"},
        {"", 16, "empty"},
        {"a and 野菜", 22, "unexpected character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jk_diags diags = {0};
        jk_cond *c = parse(cases[i].text, &diags);
        if (c)
            fail_msg("\"%s\" parsed", cases[i].text);
        expect_diag(&diags, 7, cases[i].column, cases[i].part);
        jk_diags_release(&diags);
    }
}

static void test_condition_depth_limit(void **state)
{
    (void)state;
    char text[4 * JK_MAX_CONDITION_DEPTH + 16];
    for (unsigned depth = JK_MAX_CONDITION_DEPTH; depth <= JK_MAX_CONDITION_DEPTH + 1; depth++) {
        size_t n = 0;
        for (unsigned i = 0; i < depth; i++)
            text[n++] = '(';
        text[n++] = 'a';
        for (unsigned i = 0; i < depth; i++)
            text[n++] = ')';
        text[n] = '\0';
        jk_diags diags = {0};
        jk_cond *c = parse(text, &diags);
        if (depth <= JK_MAX_CONDITION_DEPTH) {
            assert_non_null(c);
        } else {
            assert_null(c);
            assert_non_null(strstr(diags.items[0].message, "deeper"));
        }
        jk_cond_free(c);
        jk_diags_release(&diags);
    }
}

static void test_pack_size_limit(void **state)
{
    (void)state;
    jk_ruleset *rs;
    jk_error err;
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_new(&rs, &err), 0);
    size_t n = JK_MAX_PACK_BYTES + 1;
    char *big = malloc(n);
    memset(big, '#', n);
    assert_int_equal(jk_ruleset_load_buffer(rs, norm, "big.yaml", big, n, &diags), JK_ELIMIT);
    assert_non_null(strstr(diags.items[0].message, "limit"));
    jk_diags_release(&diags);
    free(big);
    jk_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_pack_model),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_yaml_syntax_and_shape_errors),
        cmocka_unit_test(test_condition_precedence),
        cmocka_unit_test(test_condition_errors),
        cmocka_unit_test(test_condition_depth_limit),
        cmocka_unit_test(test_pack_size_limit),
    };
    return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
