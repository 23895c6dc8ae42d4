/*
 * test_rules.c — the rule-pack loader (rules.c): the model built from a
 * valid pack, every error class at its exact file:line:column, many errors
 * in one pack, all-or-nothing loading, duplicate ids within and across
 * packs, condition positions in every YAML scalar style, YAML and UTF-8
 * errors, each shape limit at N and N+1, files, and the introspection API.
 * Condition grammar details are in test_condition.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junkai/limits.h"
#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "rules_model.h"

#define DATA JK_SOURCE_DIR "/tests/data/rules/"

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

/* One rule around its terms line: lines 3-7, terms on line 6. */
#define RULE(id, terms)                                                                            \
    "  - id: " id "\n    category: fraud\n    title: t\n    terms: " terms                         \
    "\n    examples: {hit: [x], miss: [y]}\n"

static jk_ruleset *new_ruleset(void)
{
    jk_ruleset *rs;
    jk_error err;
    assert_int_equal(jk_ruleset_new(&rs, &err), 0);
    return rs;
}

static int load(jk_ruleset *rs, const char *text, jk_diags *diags)
{
    return jk_ruleset_load_buffer(rs, norm, "t.yaml", text, strlen(text), diags);
}

static void print_diags(const jk_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_message("  got %s:%u:%u: %s\n", d->items[i].file, d->items[i].line,
                      d->items[i].column, d->items[i].message);
}

/* Is there a diagnostic at line:column whose message contains part? */
static void expect_diag(const jk_diags *d, unsigned line, unsigned column, const char *part)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].line == line && d->items[i].column == column &&
            strstr(d->items[i].message, part))
            return;
    print_diags(d);
    fail_msg("no diagnostic %u:%u containing \"%s\"", line, column, part);
}

/* Load text expecting exactly one error, at line:column, containing part;
 * nothing may be added. */
static void expect_only_error(const char *text, unsigned line, unsigned column, const char *part)
{
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    int rc = load(rs, text, &diags);
    if (rc != JK_EPARSE || diags.count != 1) {
        print_diags(&diags);
        fail_msg("expected one error, got rc %d and %zu diagnostics for:\n%s", rc, diags.count,
                 text);
    }
    expect_diag(&diags, line, column, part);
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    assert_int_equal(jk_ruleset_pack_count(rs), 0);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

static void expect_loads(const char *text)
{
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    int rc = load(rs, text, &diags);
    if (rc != 0) {
        print_diags(&diags);
        fail_msg("pack did not load:\n%.400s", text);
    }
    assert_int_equal(diags.count, 0);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

/* The normalizer's output for a term, for comparing patterns without
 * depending on its exact folding. */
static char *normalized(const char *s)
{
    jk_normalized res;
    jk_error err;
    jk_normalized_init(&res);
    assert_int_equal(jk_normalize(norm, s, strlen(s), &res, &err), 0);
    char *out = strdup(res.text);
    jk_normalized_release(&res);
    return out;
}

static void expect_pattern(const jk_term *t, const char *source)
{
    char *want = normalized(source);
    assert_string_equal(t->source, source);
    assert_int_equal(t->source_len, strlen(source));
    assert_string_equal(t->pattern, want);
    assert_int_equal(t->pattern_len, strlen(want));
    assert_false(t->is_regex);
    free(want);
}

/* ---- a valid pack ------------------------------------------------------- */

static void test_valid_pack_model(void **state)
{
    (void)state;
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "valid.yaml", &diags), 0);
    assert_int_equal(diags.count, 0);
    assert_int_equal(jk_ruleset_pack_count(rs), 1);
    assert_int_equal(jk_ruleset_rule_count(rs), 3);

    jk_pack_info pi;
    jk_ruleset_pack_info(rs, 0, &pi);
    assert_string_equal(pi.name, "sample");
    assert_string_equal(pi.version, "1.2.0");
    assert_string_equal(pi.language, "ja");
    assert_string_equal(pi.path, DATA "valid.yaml");
    assert_int_equal(pi.first_rule, 0);
    assert_int_equal(pi.rule_count, 3);
    assert_string_equal(rs->packs[0].description, "規制薬物の広告・販売");

    /* rule 1: every key given */
    const jk_rule *r = &rs->rules[0];
    assert_string_equal(r->id, "drug_ad.cannabis.hand_delivery");
    assert_string_equal(r->title, "大麻の手押し・配送の広告");
    assert_int_equal(r->category, JK_CAT_DRUG_AD);
    assert_int_equal(r->severity, JK_SEV_HIGH);
    assert_float_equal(r->weight, 0.8, 1e-12);
    assert_int_equal(r->line, 10);
    assert_int_equal(r->pack, 0);
    assert_int_equal(r->group_count, 3);
    assert_string_equal(r->groups[0].name, "thing");
    assert_int_equal(r->groups[0].line, 16);
    assert_int_equal(r->groups[0].column, 7);
    assert_int_equal(r->groups[0].term_count, 5);
    expect_pattern(&r->groups[0].terms[2], "ガンジャ");
    expect_pattern(&r->groups[0].terms[4], "🥦");
    assert_int_equal(r->groups[0].terms[1].line, 16);
    assert_int_equal(r->groups[0].terms[1].column, 19);
    const jk_group *deal = &r->groups[1];
    assert_string_equal(deal->name, "deal");
    assert_int_equal(deal->term_count, 4);
    expect_pattern(&deal->terms[0], "手押し");
    assert_true(deal->terms[0].word_boundary); /* default */
    assert_true(deal->terms[2].is_regex);      /* kept as written */
    assert_string_equal(deal->terms[2].pattern, "[0-9]+g");
    assert_string_equal(deal->terms[2].source, "[0-9]+g");
    assert_true(deal->terms[2].word_boundary);
    assert_int_equal(deal->terms[2].line, 20);
    assert_int_equal(deal->terms[2].column, 11);
    expect_pattern(&deal->terms[3], "DM"); /* long form, normalized too */
    assert_false(deal->terms[3].word_boundary);
    assert_int_equal(deal->terms[3].line, 21);
    /* thing near deal within 40; exclude: farm */
    assert_int_equal(r->condition->kind, JK_COND_NEAR);
    assert_int_equal(r->condition->n, 40);
    assert_int_equal(r->condition->kids[0]->group, 0);
    assert_int_equal(r->condition->kids[1]->group, 1);
    assert_non_null(r->exclude);
    assert_int_equal(r->exclude->kind, JK_COND_GROUP);
    assert_int_equal(r->exclude->group, 2);
    assert_int_equal(r->hit_example_count, 2);
    assert_int_equal(r->miss_example_count, 2);
    assert_string_equal(r->hit_examples[1].text, "ﾔｻｲ 1g 5000円 手押し");
    assert_int_equal(r->hit_examples[1].line, 29);

    /* rule 2: defaults, and an exclude list as a hidden group */
    r = &rs->rules[1];
    assert_int_equal(r->severity, JK_SEV_MEDIUM);
    assert_float_equal(r->weight, 0.5, 0);
    assert_int_equal(r->group_count, 2);
    assert_int_equal(r->condition->kind, JK_COND_GROUP); /* the one group */
    assert_int_equal(r->condition->group, 0);
    assert_int_equal(r->condition->kid_count, 0);
    assert_int_equal(r->exclude->kind, JK_COND_GROUP);
    assert_int_equal(r->exclude->group, 1);
    assert_int_equal(r->groups[1].term_count, 2);
    expect_pattern(&r->groups[1].terms[1], "逮捕");
    /* the hidden group's name cannot be written in a condition */
    assert_int_equal(
        strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", r->groups[1].name[0]),
        NULL);
    assert_int_equal(r->hit_example_count, 1);
    assert_int_equal(r->hit_examples[0].line, 41);

    /* rule 3: a user group called "exclude" next to the key exclude */
    r = &rs->rules[2];
    assert_int_equal(r->severity, JK_SEV_CRITICAL);
    assert_float_equal(r->weight, 1.0, 0);
    assert_int_equal(r->group_count, 4);
    assert_string_equal(r->groups[3].name, "exclude");
    assert_int_equal(r->exclude->group, 3);
    /* 2 of (a, b, c) or (not a and b) */
    assert_int_equal(r->condition->kind, JK_COND_OR);
    assert_int_equal(r->condition->kids[0]->kind, JK_COND_NOF);
    assert_int_equal(r->condition->kids[0]->n, 2);
    assert_int_equal(r->condition->kids[1]->kind, JK_COND_AND);
    assert_int_equal(r->condition->kids[1]->kids[0]->kind, JK_COND_NOT);
    assert_int_equal(r->miss_example_count, 0);

    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

static void sink_count(void *ctx, const char *term, size_t len, int is_regex)
{
    size_t *counts = ctx;
    assert_int_equal(strlen(term), len);
    counts[is_regex ? 1 : 0]++;
}

static void test_introspection(void **state)
{
    (void)state;
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "valid.yaml", &diags), 0);

    jk_rule_info info;
    jk_ruleset_rule_info(rs, 0, &info);
    assert_string_equal(info.id, "drug_ad.cannabis.hand_delivery");
    assert_string_equal(info.title, "大麻の手押し・配送の広告");
    assert_int_equal(info.category, JK_CAT_DRUG_AD);
    assert_int_equal(info.severity, JK_SEV_HIGH);
    assert_float_equal(info.weight, 0.8, 1e-12);
    assert_int_equal(info.pack, 0);
    assert_string_equal(info.file, DATA "valid.yaml");
    assert_int_equal(info.line, 10);
    assert_int_equal(info.hit_example_count, 2);
    assert_int_equal(info.miss_example_count, 2);

    jk_example_info ex;
    jk_ruleset_rule_example(rs, 0, 1, 0, &ex);
    assert_string_equal(ex.text, "野菜あります　都内手押し即日OK");
    assert_int_equal(ex.len, strlen(ex.text));
    assert_int_equal(ex.line, 28);
    jk_ruleset_rule_example(rs, 0, 0, 1, &ex);
    assert_string_equal(ex.text, "今日は野菜を手で押しつぶしてスープに");
    assert_int_equal(ex.line, 32);

    /* 5+4+3 + 2+2 + 4 terms, one of them a regex */
    size_t counts[2] = {0, 0};
    jk_ruleset_each_term(rs, sink_count, counts);
    assert_int_equal(counts[0], 19);
    assert_int_equal(counts[1], 1);

    assert_string_equal(jk_severity_name(JK_SEV_LOW), "low");
    assert_string_equal(jk_severity_name(JK_SEV_MEDIUM), "medium");
    assert_string_equal(jk_severity_name(JK_SEV_HIGH), "high");
    assert_string_equal(jk_severity_name(JK_SEV_CRITICAL), "critical");
    assert_string_equal(jk_severity_name((jk_severity)42), "unknown");

    /* a second pack's rules follow the first's */
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "dup_first.yaml", &diags), 0);
    jk_pack_info pi;
    jk_ruleset_pack_info(rs, 1, &pi);
    assert_string_equal(pi.name, "first");
    assert_int_equal(pi.first_rule, 3);
    assert_int_equal(pi.rule_count, 1);
    jk_ruleset_rule_info(rs, 3, &info);
    assert_int_equal(info.pack, 1);
    assert_string_equal(info.id, "shared.id");
    assert_int_equal(diags.count, 0);

    jk_ruleset_free(rs);
    jk_ruleset_free(NULL);
    assert_int_equal(jk_ruleset_pack_count(NULL), 0);
}

/* ---- diagnostics -------------------------------------------------------- */

static void sink_format(void *ctx, const jk_diag *d)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s:%u:%u: %s\n", d->file, d->line, d->column, d->message);
}

static void test_diags(void **state)
{
    (void)state;
    jk_diags diags = {0};
    assert_int_equal(jk_diags_add(&diags, "a.yaml", 3, 4, "bad %s %d", "thing", 7), 0);
    assert_int_equal(jk_diags_add(&diags, NULL, 0, 0, "no file"), 0);
    assert_int_equal(diags.count, 2);
    char out[256] = "";
    jk_diags_each(&diags, sink_format, out);
    assert_string_equal(out, "a.yaml:3:4: bad thing 7\n(pack):0:0: no file\n");
    jk_diags_release(&diags);
    assert_int_equal(diags.count, 0);
    assert_null(diags.items);
    jk_diags_release(&diags); /* twice is fine */
    jk_diags_release(NULL);
    assert_int_equal(jk_diags_add(NULL, "x", 1, 1, "ignored"), 0);
    jk_diags_each(NULL, sink_format, out);
}

/* ---- errors ------------------------------------------------------------- */

/* One pack with many errors: all are reported, each at its place. */
static void test_many_errors(void **state)
{
    (void)state;
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "many_errors.yaml", &diags), JK_EPARSE);
    expect_diag(&diags, 4, 9, "pack name may only use a-z, 0-9, '_' and '-'");
    expect_diag(&diags, 6, 13, "\"language\" must be a BCP 47 tag");
    expect_diag(&diags, 7, 3, "unknown key \"colour\"");
    expect_diag(&diags, 10, 15, "unknown category \"drugs\" (see 'junkai rules categories')");
    expect_diag(&diags, 12, 5, "unknown key \"conditon\"");
    expect_diag(&diags, 14, 22, "undefined term group \"c\"");
    expect_diag(&diags, 16, 5, "missing required key \"title\"");
    expect_diag(&diags, 19, 19, "bad regular expression: ");
    expect_diag(&diags, 19, 35, "can match the empty string");
    expect_diag(&diags, 19, 61, "\"word\" must be true or false");
    expect_diag(&diags, 21, 9, "duplicate rule id \"a.one\" (first defined at ");
    expect_diag(&diags, 21, 9, "many_errors.yaml:9)");
    expect_diag(&diags, 24, 15, "\"severity\" must be low, medium, high or critical");
    expect_diag(&diags, 25, 13, "\"weight\" must be a number greater than 0 and at most 1");
    expect_diag(&diags, 26, 21, "term group \"farm\" is never used");
    expect_diag(&diags, 26, 32, "bad group name \"2bad\"");
    expect_diag(&diags, 26, 43, "bad group name \"not\"");
    expect_diag(&diags, 29, 9, "rule id \"a three\" may only use");
    expect_diag(&diags, 29, 5, "missing required key \"condition\"");
    expect_diag(&diags, 33, 37, "unknown key \"maybe\"");
    if (diags.count != 19) {
        print_diags(&diags);
        fail_msg("expected 19 diagnostics, got %zu", diags.count);
    }
    for (size_t i = 0; i < diags.count; i++) {
        assert_string_equal(diags.items[i].file, DATA "many_errors.yaml");
        /* in file order, as an author fixes them */
        if (i > 0)
            assert_true(diags.items[i - 1].line < diags.items[i].line ||
                        (diags.items[i - 1].line == diags.items[i].line &&
                         diags.items[i - 1].column <= diags.items[i].column));
    }
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    assert_int_equal(jk_ruleset_pack_count(rs), 0);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

/* Condition errors in every scalar style land exactly on the token: the
 * expected positions are read from the file (each zz is the error). */
static void test_condition_positions_in_every_style(void **state)
{
    (void)state;
    FILE *fp = fopen(DATA "cond_styles.yaml", "r");
    assert_non_null(fp);
    char line[512];
    unsigned lineno = 0, found = 0;
    unsigned want_line[16], want_col[16];
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *z = strstr(line, "zz");
        if (!z || line[0] == '#')
            continue;
        assert_true(found < 16);
        want_line[found] = lineno;
        want_col[found++] = (unsigned)(z - line) + 1; /* the lines are ASCII */
    }
    fclose(fp);
    assert_int_equal(found, 8);

    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "cond_styles.yaml", &diags), JK_EPARSE);
    for (unsigned i = 0; i < found; i++)
        expect_diag(&diags, want_line[i], want_col[i], "undefined term group \"zz\"");
    assert_int_equal(diags.count, found);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

/* Errors at the end of a condition point just after its last character,
 * also for block scalars whose source runs on over blank lines. */
static void test_condition_end_positions(void **state)
{
    (void)state;
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: a and\n", 8, 21,
                      "found end of condition");
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: |\n"
                                                             "      a and\n"
                                                             "\n"
                                                             "    exclude: b\n",
                      9, 12, "found end of condition");
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: \"a and b or\"\n", 8,
                      27, "found end of condition");
}

/* CRLF line ends and a BOM do not shift positions (libyaml counts the BOM
 * and each of CR and LF in its character index, not in columns). */
static void test_positions_with_crlf_and_bom(void **state)
{
    (void)state;
    expect_only_error("\xef\xbb\xbfpack: {name: t, version: '1', language: ja}\r\n"
                      "rules:\r\n"
                      "  - id: a.b\r\n"
                      "    category: fraud\r\n"
                      "    title: 野菜\r\n"
                      "    terms: {a: [x], b: [y]}\r\n"
                      "    examples: {hit: [x]}\r\n"
                      "    condition: a and\r\n"
                      "      b\tor zz\r\n",
                      9, 12, "undefined term group \"zz\"");
    expect_only_error("\xef\xbb\xbfpack: {name: t, version: '1', language: ja}\r\n"
                      "rules:\r\n"
                      "  - {id: a.b, category: fraud, title: 野菜, terms: {a: [x]},\r\n"
                      "     examples: {hit: [x]}, condition: \"野菜\"}\r\n",
                      4, 40, "found character '野'");
}

static void test_error_classes(void **state)
{
    (void)state;
    /* unknown and missing keys at every level */
    expect_only_error("pack: {name: t, version: '1', language: ja, nmae: x}\nrules: []\n", 1, 45,
                      "unknown key \"nmae\" in \"pack\"");
    expect_only_error("pack: {name: t, language: ja}\nrules: []\n", 1, 7,
                      "missing required key \"version\" in \"pack\"");
    expect_only_error("pack: {name: t, version: '1', language: ja}\n", 1, 1,
                      "missing required key \"rules\"");
    expect_only_error("pack: {name: t, version: '1', language: ja}\nrules: []\nextra: 1\n", 3, 1,
                      "unknown key \"extra\" in a rule pack");
    expect_only_error(HEADER "  - id: a.b\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n",
                      3, 5, "missing required key \"examples\"");
    expect_only_error(HEADER RULE("a.b", "{g: [{literal: x, wrod: false}]}"), 6, 30,
                      "unknown key \"wrod\" in a term");
    expect_only_error(HEADER "  - id: a.b\n    id: c.d\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: {hit: [x]}\n",
                      4, 5, "duplicate key \"id\" in a rule (first at line 3)");
    /* shapes */
    expect_only_error(HEADER "  - just a string\n", 3, 5, "a rule must be a mapping, not a string");
    expect_only_error("pack: {name: t, version: '1', language: ja}\nrules: {a: 1}\n", 2, 8,
                      "\"rules\" must be a list, not a mapping");
    expect_only_error("- a\n- b\n", 1, 1, "a rule pack must be a mapping, not a list");
    expect_only_error(HEADER RULE("a.b", "[x, y]"), 6, 12, "\"terms\" must be a mapping");
    expect_only_error(HEADER RULE("a.b", "{}"), 6, 12, "\"terms\" needs at least one group");
    expect_only_error(HEADER RULE("a.b", "{g: x}"), 6, 16,
                      "term group \"g\" must be a list of terms");
    expect_only_error(HEADER RULE("a.b", "{g: []}"), 6, 16, "term group \"g\" has no terms");
    expect_only_error(HEADER RULE("a.b", "{g: [[x]]}"), 6, 17,
                      "a term must be a string or a mapping");
    expect_only_error(HEADER RULE("a.b", "{g: [{word: false}]}"), 6, 17,
                      "needs \"literal\" or \"regex\"");
    expect_only_error(HEADER RULE("a.b", "{g: [{literal: x, regex: y}]}"), 6, 30,
                      "either \"literal\" or \"regex\", not both");
    expect_only_error(HEADER RULE("a.b", "{g: [{literal: [x]}]}"), 6, 27,
                      "a term must be a string, not a list");
    expect_only_error(HEADER RULE("a.b", "{g: ['']}"), 6, 17, "empty term");
    expect_only_error(HEADER RULE("a.b", "{g: [\"a\\0b\"]}"), 6, 17, "NUL");
    expect_only_error(HEADER RULE("a.b", "{[g]: [x]}"), 6, 13, "a group name must be a string");
    expect_only_error(HEADER RULE("a.b", "{g: [x], g: [y]}"), 6, 21, "duplicate term group \"g\"");
    expect_only_error(HEADER RULE("a.b", "{g-h: [x]}"), 6, 13, "bad group name \"g-h\"");
    expect_only_error(HEADER RULE("a.b", "{within: [x]}"), 6, 13, "bad group name \"within\"");
    /* values */
    expect_only_error(HEADER "  - id: a.b\n    category: [fraud]\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: {hit: [x]}\n",
                      4, 15, "\"category\" must be a string");
    expect_only_error(HEADER "  - id: a.b\n    category: fraud\n    title: ''\n"
                             "    terms: {g: [x]}\n    examples: {hit: [x]}\n",
                      5, 12, "\"title\" must not be empty");
    expect_only_error(HEADER
                      "  - id: a.b\n    category: fraud\n    title: |\n      two\n      lines\n"
                      "    terms: {g: [x]}\n    examples: {hit: [x]}\n",
                      5, 12, "\"title\" must be one line");
    expect_only_error(HEADER "  - id: ''\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: {hit: [x]}\n",
                      3, 9, "\"id\" must not be empty");
    expect_only_error(HEADER "  - id: a.b\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: [x]\n",
                      7, 15, "\"examples\" must be a mapping");
    expect_only_error(HEADER "  - id: a.b\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: {hit: x}\n",
                      7, 21, "\"hit\" must be a list of texts");
    expect_only_error(HEADER "  - id: a.b\n    category: fraud\n    title: t\n"
                             "    terms: {g: [x]}\n    examples: {miss: [[x]]}\n",
                      7, 23, "an example must be a text");
    expect_only_error("pack: {name: t, version: [1], language: ja}\nrules: []\n", 1, 26,
                      "\"version\" must be a string");
    expect_only_error("pack: {name: t, version: '1', language: ja_JP}\nrules: []\n", 1, 41,
                      "BCP 47");
    /* conditions and groups */
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: [a]\n", 8, 16,
                      "\"condition\" must be an expression, not a list");
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: a\n", 6, 21,
                      "term group \"b\" is never used");
    expect_only_error(HEADER RULE("a.b", "{a: [x], b: [y]}") "    condition: a\n"
                                                             "    exclude: a and bb\n",
                      9, 20, "undefined term group \"bb\"");
    expect_only_error(HEADER RULE("a.b", "{a: [x]}") "    exclude: []\n", 8, 14,
                      "the exclude list has no terms");
    expect_only_error(HEADER RULE("a.b", "{a: [x]}") "    exclude: {x: y}\n", 8, 14,
                      "\"exclude\" must be an expression, not a mapping");
    expect_only_error(HEADER RULE("a.b", "{a: [x]}") "    exclude: [{regex: '('}]\n", 8, 23,
                      "bad regular expression");
}

static void test_weight_and_severity_values(void **state)
{
    (void)state;
    static const char *const bad[] = {"0",      "-0.5", "1.5", "abc", "inf",   "nan",
                                      "0x1p-1", "1e5",  "''",  "[1]", "0.5.5", "~"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, HEADER RULE("a.b", "{g: [x]}") "    weight: %s\n", bad[i]);
        expect_only_error(text, 8, 13, "\"weight\" must be a number");
    }
    static const char *const good[] = {"1", "1.0", "0.001", "5e-1", ".5", "\"0.5\""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, HEADER RULE("a.b", "{g: [x]}") "    weight: %s\n", good[i]);
        expect_loads(text);
    }
    expect_only_error(HEADER RULE("a.b", "{g: [x]}") "    severity: High\n", 8, 15,
                      "\"severity\" must be");
    expect_loads(HEADER RULE("a.b", "{g: [x]}") "    severity: low\n");
}

static void test_regex_terms(void **state)
{
    (void)state;
    expect_only_error(HEADER RULE("a.b", "{g: [{regex: 'a(b'}]}"), 6, 25,
                      "bad regular expression: ");
    expect_only_error(HEADER RULE("a.b", "{g: [{regex: 'a*'}]}"), 6, 25,
                      "regular expression can match the empty string");
    expect_only_error(HEADER RULE("a.b", "{g: [{regex: '(?:)'}]}"), 6, 25, "empty string");
    expect_only_error(HEADER RULE("a.b", "{g: [{regex: 'a|'}]}"), 6, 25, "empty string");
    /* backreferences are outside Hyperscan's PCRE subset */
    expect_only_error(HEADER RULE("a.b", "{g: [{regex: '(a)\\1'}]}"), 6, 25,
                      "bad regular expression");
    expect_loads(HEADER RULE("a.b", "{g: [{regex: '[0-9]+(g|ぐらむ)', word: false}]}"));

    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(load(rs,
                          HEADER RULE("a.b", "{g: [{regex: 'ab+', word: false}, "
                                             "{regex: 'cd'}]}"),
                          &diags),
                     0);
    assert_true(rs->rules[0].groups[0].terms[0].is_regex);
    assert_false(rs->rules[0].groups[0].terms[0].word_boundary);
    assert_true(rs->rules[0].groups[0].terms[1].word_boundary);
    jk_ruleset_free(rs);
}

/* A term that normalizes to nothing is an error. Which strings do depends
 * on the normalizer, so the test asks it. */
static void test_term_normalizing_to_nothing(void **state)
{
    (void)state;
    static const char *const candidates[] = {"・・・", " ・ ", "。", "\u200b"};
    bool tried = false;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        char *n = normalized(candidates[i]);
        bool empty = n[0] == '\0';
        free(n);
        char text[512];
        snprintf(text, sizeof text, HEADER RULE("a.b", "{g: [ok, \"%s\"]}"), candidates[i]);
        if (empty) {
            expect_only_error(text, 6, 21, "normalizes to nothing");
            tried = true;
        } else {
            expect_loads(text);
        }
    }
    if (!tried)
        print_message("  note: no candidate normalizes to nothing with this normalizer\n");
}

/* A broken pack adds nothing; a good one loaded afterwards works; ids are
 * unique across packs and within one, also when the first holder failed. */
static void test_all_or_nothing_and_duplicates(void **state)
{
    (void)state;
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    /* rule 1 is fine, rule 2 is not: neither loads */
    assert_int_equal(
        load(rs, HEADER RULE("a.one", "{g: [x]}") RULE("a.two", "{g: [{regex: '('}]}"), &diags),
        JK_EPARSE);
    assert_int_equal(diags.count, 1);
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    assert_int_equal(jk_ruleset_pack_count(rs), 0);
    jk_diags_release(&diags);

    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "dup_first.yaml", &diags), 0);
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    /* across packs: the first definition's file and line are named */
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "dup_second.yaml", &diags), JK_EPARSE);
    assert_int_equal(diags.count, 1);
    expect_diag(&diags, 8, 9,
                "duplicate rule id \"shared.id\" (first defined at " DATA "dup_first.yaml:3)");
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    assert_int_equal(jk_ruleset_pack_count(rs), 1);
    jk_diags_release(&diags);
    /* the same file twice */
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "dup_first.yaml", &diags), JK_EPARSE);
    assert_int_equal(jk_ruleset_rule_count(rs), 1);
    jk_diags_release(&diags);

    /* within a pack, also when the first definition has an error */
    assert_int_equal(
        load(rs,
             HEADER "  - id: b.one\n    category: nope\n    title: t\n"
                    "    terms: {g: [x]}\n    examples: {hit: [x]}\n" RULE("b.one", "{g: [x]}"),
             &diags),
        JK_EPARSE);
    expect_diag(&diags, 4, 15, "unknown category \"nope\"");
    expect_diag(&diags, 8, 9, "duplicate rule id \"b.one\" (first defined at t.yaml:3)");
    assert_int_equal(diags.count, 2);
    jk_diags_release(&diags);

    /* and a good pack after all that */
    assert_int_equal(load(rs, HEADER RULE("c.one", "{g: [x]}") RULE("c.two", "{g: [y]}"), &diags),
                     0);
    assert_int_equal(diags.count, 0);
    assert_int_equal(jk_ruleset_rule_count(rs), 3);
    assert_int_equal(jk_ruleset_pack_count(rs), 2);
    assert_string_equal(rs->rules[2].id, "c.two");
    assert_int_equal(rs->rules[2].pack, 1);
    /* NULL diags: still refused, still all-or-nothing */
    assert_int_equal(load(rs, HEADER RULE("c.one", "{g: [x]}"), NULL), JK_EPARSE);
    assert_int_equal(load(rs, HEADER RULE("d.one", "{g: [x]}"), NULL), 0);
    assert_int_equal(jk_ruleset_rule_count(rs), 4);
    jk_ruleset_free(rs);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    expect_only_error("pack: [unclosed\nrules: []\n", 2, 6, "YAML syntax error");
    expect_only_error("pack:\n  name: t\n bad indent: x\n", 3, 2, "YAML syntax error");
    expect_only_error("pack: {name: 't}\n", 2, 1, "YAML syntax error");
    expect_only_error("", 1, 1, "empty rule pack");
    expect_only_error("# only a comment\n", 1, 1, "empty rule pack");
    /* aliases are refused (a small file could otherwise cost exponential
     * time); the error names the node that holds the alias */
    expect_only_error(HEADER "  - &r {id: a.b, category: fraud, title: t, terms: {g: [x]},"
                             " examples: {hit: [x]}}\n"
                             "  - *r\n",
                      3, 3, "aliases");
    expect_only_error(HEADER "  - {id: a.b, category: fraud, title: t, terms: {g: [x]},"
                             " examples: {hit: [x]}}\n"
                             "  - *nowhere\n",
                      4, 5, "YAML syntax error: found undefined alias");
    /* one document per pack; the first is still checked */
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(
        load(rs, HEADER RULE("a.b", "{g: [x]}") "    severity: no\n---\nfoo: 1\n", &diags),
        JK_EPARSE);
    expect_diag(&diags, 8, 15, "\"severity\" must be");
    expect_diag(&diags, 10, 1, "one YAML document");
    assert_int_equal(diags.count, 2);
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

/* Bytes libyaml refuses are reported where they are, counted in characters
 * (an editor's column), for each kind of damage. */
static void test_invalid_text(void **state)
{
    (void)state;
    expect_only_error(HEADER "  - id: \xff\n", 3, 9, "invalid leading UTF-8 octet (byte 0xff)");
    expect_only_error(HEADER "  - id: 野菜\xe3\x81\n", 3, 11, "invalid trailing UTF-8 octet");
    expect_only_error(HEADER "  - id: 野菜\xe3\x81", 3, 11, "incomplete UTF-8 octet sequence");
    expect_only_error(HEADER "  - id: \xc0\xaf\n", 3, 9, "invalid text");     /* overlong */
    expect_only_error(HEADER "  - id: \xed\xa0\x80\n", 3, 9, "invalid text"); /* surrogate */
    expect_only_error(HEADER "  - id: a\x01\n", 3, 10, "control characters are not allowed");
    expect_only_error("pack: {name: t, \r\n  version: '1',\r\n  language: \x7f}\r\n", 3, 13,
                      "control characters");
    /* a BOM takes no column */
    expect_only_error("\xef\xbb\xbfpack: \xff\n", 1, 7, "invalid leading UTF-8 octet");
    /* NUL bytes too */
    static const char with_nul[] = HEADER "  - id: a\0b\n";
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(
        jk_ruleset_load_buffer(rs, norm, "t.yaml", with_nul, sizeof with_nul - 1, &diags),
        JK_EPARSE);
    expect_diag(&diags, 3, 10, "invalid text");
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
}

/* ---- limits, each at N and N+1 ----------------------------------------- */

typedef struct text_buf {
    char *s;
    size_t len, cap;
} text_buf;

static void put(text_buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? 2 * b->cap + (size_t)n : 4096 + (size_t)n;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

static void test_terms_per_group_limit(void **state)
{
    (void)state;
    for (unsigned n = JK_MAX_TERMS_PER_GROUP; n <= JK_MAX_TERMS_PER_GROUP + 1; n++) {
        text_buf b = {0};
        put(&b, HEADER "  - id: a.b\n    category: fraud\n    title: t\n    terms:\n      g: [");
        for (unsigned i = 0; i < n; i++)
            put(&b, "%st%u", i ? ", " : "", i);
        put(&b, "]\n    examples: {hit: [x]}\n");
        if (n <= JK_MAX_TERMS_PER_GROUP)
            expect_loads(b.s);
        else
            expect_only_error(b.s, 7, 10, "term group \"g\" has 4097 terms; at most 4096");
        free(b.s);
    }
}

static void test_groups_per_rule_limit(void **state)
{
    (void)state;
    for (unsigned n = JK_MAX_GROUPS_PER_RULE; n <= JK_MAX_GROUPS_PER_RULE + 1; n++) {
        for (int with_list = 0; with_list <= 1; with_list++) {
            text_buf b = {0};
            put(&b, HEADER "  - id: a.b\n    category: fraud\n    title: t\n    terms:\n");
            for (unsigned i = 0; i < n; i++)
                put(&b, "      g%u: [t%u]\n", i, i);
            put(&b, "    condition: any of (");
            for (unsigned i = 0; i < n; i++)
                put(&b, "%sg%u", i ? ", " : "", i);
            put(&b, ")\n    examples: {hit: [x]}\n");
            if (with_list)
                put(&b, "    exclude: [news]\n");
            unsigned total = n + (unsigned)with_list;
            if (total <= JK_MAX_GROUPS_PER_RULE)
                expect_loads(b.s);
            else if (n > JK_MAX_GROUPS_PER_RULE)
                expect_only_error(b.s, 7, 7, "65 term groups in one rule; at most 64");
            else /* 64 groups and the hidden exclude group */
                expect_only_error(b.s, 7 + n + 2, 14,
                                  "the exclude list would be term group 65 of this rule");
            free(b.s);
        }
    }
}

static void test_term_bytes_limit(void **state)
{
    (void)state;
    for (unsigned n = JK_MAX_TERM_BYTES; n <= JK_MAX_TERM_BYTES + 1; n++) {
        for (int regex = 0; regex <= 1; regex++) {
            text_buf b = {0};
            put(&b, HEADER "  - id: a.b\n    category: fraud\n    title: t\n    terms:\n");
            put(&b, regex ? "      g: [{regex: '" : "      g: ['");
            /* a-z repeated: a literal the normalizer keeps, a plain regex */
            for (unsigned i = 0; i < n; i++)
                put(&b, "%c", 'a' + (int)(i % 26));
            put(&b, regex ? "'}]\n" : "']\n");
            put(&b, "    examples: {hit: [x]}\n");
            if (n <= JK_MAX_TERM_BYTES)
                expect_loads(b.s);
            else
                expect_only_error(b.s, 7, regex ? 19 : 11,
                                  "term of 1025 bytes is longer than the limit of 1024 bytes");
            free(b.s);
        }
    }
}

static void test_rules_per_pack_limit(void **state)
{
    (void)state;
    for (unsigned n = JK_MAX_RULES_PER_PACK; n <= JK_MAX_RULES_PER_PACK + 1; n++) {
        text_buf b = {0};
        put(&b, HEADER);
        for (unsigned i = 0; i < n; i++)
            put(&b, "  - {id: r%u, category: fraud, title: t, terms: {g: [x]}, examples: {}}\n", i);
        jk_ruleset *rs = new_ruleset();
        jk_diags diags = {0};
        int rc = load(rs, b.s, &diags);
        if (n <= JK_MAX_RULES_PER_PACK) {
            assert_int_equal(rc, 0);
            assert_int_equal(jk_ruleset_rule_count(rs), n);
        } else {
            assert_int_equal(rc, JK_EPARSE);
            assert_int_equal(diags.count, 1);
            expect_diag(&diags, 3, 3, "10001 rules in one pack; at most 10000");
            assert_int_equal(jk_ruleset_rule_count(rs), 0);
        }
        jk_diags_release(&diags);
        jk_ruleset_free(rs);
        free(b.s);
    }
}

static void test_pack_bytes_limit(void **state)
{
    (void)state;
    static const char pack[] = HEADER RULE("a.b", "{g: [x]}");
    for (size_t n = JK_MAX_PACK_BYTES; n <= JK_MAX_PACK_BYTES + 1; n++) {
        /* the pack, then a comment up to n bytes */
        char *big = malloc(n);
        assert_non_null(big);
        memcpy(big, pack, sizeof pack - 1);
        big[sizeof pack - 1] = '#';
        memset(big + sizeof pack, 'x', n - sizeof pack - 1);
        big[n - 1] = '\n';
        jk_ruleset *rs = new_ruleset();
        jk_diags diags = {0};
        int rc = jk_ruleset_load_buffer(rs, norm, "big.yaml", big, n, &diags);
        if (n <= JK_MAX_PACK_BYTES) {
            assert_int_equal(rc, 0);
            assert_int_equal(jk_ruleset_rule_count(rs), 1);
        } else {
            assert_int_equal(rc, JK_ELIMIT);
            assert_int_equal(diags.count, 1);
            assert_non_null(strstr(diags.items[0].message, "larger than the limit of 8388608"));
            assert_int_equal(jk_ruleset_rule_count(rs), 0);
        }
        /* and the same through a file */
        char path[] = "/tmp/jk_test_rules_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, big, n), (ssize_t)n);
        close(fd);
        jk_diags_release(&diags);
        jk_ruleset_free(rs);
        rs = new_ruleset();
        rc = jk_ruleset_load_file(rs, norm, path, &diags);
        assert_int_equal(rc, n <= JK_MAX_PACK_BYTES ? 0 : JK_ELIMIT);
        unlink(path);
        jk_diags_release(&diags);
        jk_ruleset_free(rs);
        free(big);
    }
}

static void test_files(void **state)
{
    (void)state;
    jk_ruleset *rs = new_ruleset();
    jk_diags diags = {0};
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA "no_such_pack.yaml", &diags), JK_EIO);
    expect_diag(&diags, 0, 0, "cannot open");
    assert_string_equal(diags.items[0].file, DATA "no_such_pack.yaml");
    jk_diags_release(&diags);
    assert_int_equal(jk_ruleset_load_file(rs, norm, DATA, &diags), JK_EIO);
    expect_diag(&diags, 0, 0, "not a regular file");
    jk_diags_release(&diags);
    /* a FIFO is refused without blocking on its open */
    char fifo[] = "/tmp/jk_test_rules_fifo_XXXXXX";
    int fd = mkstemp(fifo);
    assert_true(fd >= 0);
    close(fd);
    unlink(fifo);
    if (mkfifo(fifo, 0600) == 0) {
        assert_int_equal(jk_ruleset_load_file(rs, norm, fifo, &diags), JK_EIO);
        expect_diag(&diags, 0, 0, "not a regular file");
        jk_diags_release(&diags);
        unlink(fifo);
    }
    assert_int_equal(jk_ruleset_rule_count(rs), 0);
    /* bad arguments */
    assert_int_equal(jk_ruleset_load_buffer(rs, NULL, "x", "", 0, &diags), JK_EINVAL);
    assert_int_equal(jk_ruleset_load_buffer(NULL, norm, "x", "", 0, &diags), JK_EINVAL);
    assert_int_equal(jk_ruleset_load_buffer(rs, norm, "x", NULL, 3, &diags), JK_EINVAL);
    assert_int_equal(jk_ruleset_load_file(rs, norm, NULL, &diags), JK_EINVAL);
    jk_diags_release(&diags);
    jk_error err;
    assert_int_equal(jk_ruleset_new(NULL, &err), JK_EINVAL);
    jk_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_pack_model),
        cmocka_unit_test(test_introspection),
        cmocka_unit_test(test_diags),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_condition_positions_in_every_style),
        cmocka_unit_test(test_condition_end_positions),
        cmocka_unit_test(test_positions_with_crlf_and_bom),
        cmocka_unit_test(test_error_classes),
        cmocka_unit_test(test_weight_and_severity_values),
        cmocka_unit_test(test_regex_terms),
        cmocka_unit_test(test_term_normalizing_to_nothing),
        cmocka_unit_test(test_all_or_nothing_and_duplicates),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_invalid_text),
        cmocka_unit_test(test_terms_per_group_limit),
        cmocka_unit_test(test_groups_per_rule_limit),
        cmocka_unit_test(test_term_bytes_limit),
        cmocka_unit_test(test_rules_per_pack_limit),
        cmocka_unit_test(test_pack_bytes_limit),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
