/*
 * test_condition.c — the condition parser (condition.c) on its own: tree
 * shapes and precedence, `N of`, `near` bounds, error messages with their
 * exact columns, the nesting limit at N and N+1 for each construct that
 * nests, long flat lists, and the locator hook the loader uses.
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
#include "rules_model.h"

/* Groups a..d and deal; expressions sit at c.yaml:7:16 as if written after
 * "    condition: " on line 7. */
static jk_group groups[5];

static jk_cond *parse(const char *text, jk_diags *diags)
{
    static const char *const names[] = {"a", "b", "c", "d", "deal"};
    for (int i = 0; i < 5; i++)
        groups[i].name = (char *)names[i];
    return jk_cond_parse(text, strlen(text), groups, 5, "c.yaml", 7, 16, diags);
}

/* Parse text that must be valid. */
static jk_cond *parse_ok(const char *text)
{
    jk_diags diags = {0};
    jk_cond *c = parse(text, &diags);
    if (!c || diags.count != 0)
        fail_msg("\"%s\" did not parse: %s", text,
                 diags.count ? diags.items[0].message : "(no diagnostic)");
    jk_diags_release(&diags);
    return c;
}

static void expect_group(const jk_cond *c, size_t group)
{
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_GROUP);
    assert_int_equal(c->group, group);
    assert_int_equal(c->kid_count, 0);
}

static void test_single_group(void **state)
{
    (void)state;
    jk_cond *c = parse_ok("a");
    expect_group(c, 0);
    jk_cond_free(c);
    c = parse_ok("  deal\t\n");
    expect_group(c, 4);
    jk_cond_free(c);
}

static void test_precedence(void **state)
{
    (void)state;
    /* and binds tighter than or: a or (b and c) */
    jk_cond *c = parse_ok("a or b and c");
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kid_count, 2);
    expect_group(c->kids[0], 0);
    assert_int_equal(c->kids[1]->kind, JK_COND_AND);
    assert_int_equal(c->kids[1]->kid_count, 2);
    expect_group(c->kids[1]->kids[0], 1);
    expect_group(c->kids[1]->kids[1], 2);
    jk_cond_free(c);

    /* (a and b) or c */
    c = parse_ok("a and b or c");
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kids[0]->kind, JK_COND_AND);
    expect_group(c->kids[1], 2);
    jk_cond_free(c);

    /* chains are flat */
    c = parse_ok("a or b or c or d");
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kid_count, 4);
    expect_group(c->kids[3], 3);
    jk_cond_free(c);

    /* parentheses override */
    c = parse_ok("(a or b) and c");
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_OR);
    jk_cond_free(c);
}

static void test_not(void **state)
{
    (void)state;
    jk_cond *c = parse_ok("not a");
    assert_int_equal(c->kind, JK_COND_NOT);
    assert_int_equal(c->kid_count, 1);
    expect_group(c->kids[0], 0);
    jk_cond_free(c);

    /* not binds tighter than and */
    c = parse_ok("not a and b");
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_NOT);
    expect_group(c->kids[1], 1);
    jk_cond_free(c);

    c = parse_ok("not not a");
    assert_int_equal(c->kind, JK_COND_NOT);
    assert_int_equal(c->kids[0]->kind, JK_COND_NOT);
    expect_group(c->kids[0]->kids[0], 0);
    jk_cond_free(c);

    c = parse_ok("not (a or b)");
    assert_int_equal(c->kind, JK_COND_NOT);
    assert_int_equal(c->kids[0]->kind, JK_COND_OR);
    jk_cond_free(c);

    /* not applies to the whole near */
    c = parse_ok("not a near b within 3");
    assert_int_equal(c->kind, JK_COND_NOT);
    assert_int_equal(c->kids[0]->kind, JK_COND_NEAR);
    jk_cond_free(c);
}

static void test_of(void **state)
{
    (void)state;
    jk_cond *c = parse_ok("2 of (a, b, c)");
    assert_int_equal(c->kind, JK_COND_NOF);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->kid_count, 3);
    expect_group(c->kids[2], 2);
    jk_cond_free(c);

    c = parse_ok("any of (a, b)");
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kid_count, 2);
    jk_cond_free(c);

    c = parse_ok("all of (a,b,c)");
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kid_count, 3);
    jk_cond_free(c);

    /* N equal to the item count, one item, expressions as items */
    c = parse_ok("3 of (a, b and c, not d)");
    assert_int_equal(c->kind, JK_COND_NOF);
    assert_int_equal(c->n, 3);
    assert_int_equal(c->kids[1]->kind, JK_COND_AND);
    assert_int_equal(c->kids[2]->kind, JK_COND_NOT);
    jk_cond_free(c);

    c = parse_ok("1 of (a)");
    assert_int_equal(c->n, 1);
    assert_int_equal(c->kid_count, 1);
    jk_cond_free(c);

    c = parse_ok("1 of (2 of (a, b, c), d) and not deal");
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_NOF);
    assert_int_equal(c->kids[0]->kids[0]->kind, JK_COND_NOF);
    assert_int_equal(c->kids[0]->kids[0]->n, 2);
    jk_cond_free(c);
}

static void test_near(void **state)
{
    (void)state;
    jk_cond *c = parse_ok("a near deal within 40");
    assert_int_equal(c->kind, JK_COND_NEAR);
    assert_int_equal(c->n, 40);
    assert_int_equal(c->kid_count, 2);
    expect_group(c->kids[0], 0);
    expect_group(c->kids[1], 4);
    jk_cond_free(c);

    /* bounds: 0 and JK_MAX_NEAR_DISTANCE are fine */
    c = parse_ok("a near b within 0");
    assert_int_equal(c->n, 0);
    jk_cond_free(c);
    char text[64];
    snprintf(text, sizeof text, "a near b within %u", (unsigned)JK_MAX_NEAR_DISTANCE);
    c = parse_ok(text);
    assert_int_equal(c->n, JK_MAX_NEAR_DISTANCE);
    jk_cond_free(c);

    /* near binds tighter than and; a parenthesised name is still a name */
    c = parse_ok("a near (b) within 5 and any of (c, d)");
    assert_int_equal(c->kind, JK_COND_AND);
    assert_int_equal(c->kids[0]->kind, JK_COND_NEAR);
    expect_group(c->kids[0]->kids[1], 1);
    assert_int_equal(c->kids[1]->kind, JK_COND_OR);
    jk_cond_free(c);
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

static void test_errors(void **state)
{
    (void)state;
    char too_far[64];
    snprintf(too_far, sizeof too_far, "a near b within %u", (unsigned)JK_MAX_NEAR_DISTANCE + 1);
    const struct {
        const char *text;
        unsigned column; /* base column 16 + characters before the token */
        const char *part;
    } cases[] = {
        {"a near", 22, "expected a group name after 'near', found end of condition"},
        {"a near or", 23, "expected a group name after 'near', found 'or'"},
        {"a near b", 24, "expected 'within N' after 'near'"},
        {"a near b within x", 32, "expected a number after 'within', found group name \"x\""},
        {"a near b within", 31, "expected a number after 'within'"},
        {too_far, 32, "more than the maximum distance, 10000"},
        {"a near b within 99999999999999999999999", 32, "maximum distance"},
        {"(a or b) near c within 3", 16, "both sides of 'near' must be group names"},
        {"a near not b within 3", 23, "expected a group name after 'near'"},
        {"a near 2 of (b, c) within 3", 23, "expected a group name after 'near'"},
        {"a near (b or c) within 3", 23, "both sides of 'near' must be group names"},
        {"(a or b", 23, "expected ')' to close the '(' at 7:16, found end of condition"},
        {"((a) or b))", 26, "unexpected ')'"},
        {"a or b)", 22, "unexpected ')' after a complete condition"},
        {"a and e", 22, "undefined term group \"e\""},
        {"a AND b", 18, "keywords are lower case: 'and'"},
        {"a and Not b", 22, "keywords are lower case: 'not'"},
        {"A or b", 16, "undefined term group \"A\" (did you mean \"a\"?)"},
        {"4 of (a, b, c)", 16, "'4 of' needs a number between 1 and 3"},
        {"0 of (a)", 16, "between 1 and 1"},
        {"99999999999999999999 of (a)", 16, "between 1 and 1"},
        {"2 of a, b", 21, "expected '(' after 'of'"},
        {"2 (a, b)", 18, "expected 'of' after '2'"},
        {"any (a)", 20, "expected 'of' after 'any'"},
        {"all of ()", 24, "found ')'"},
        {"2 of (a b)", 24, "expected ',' or ')'"},
        {"a b", 18, "unexpected group name \"b\""},
        {"a and", 21, "found end of condition"},
        {"or a", 16, "found 'or'"},
        {"not", 19, "found end of condition"},
        {"", 16, "empty condition"},
        {"   ", 16, "empty condition"},
        {"a and 野菜", 22, "found character '野'"},
        {"野菜 or a", 16, "found character '野'"},
        {"a and \x01", 22, "character 0x01"},
        {"a & b", 18, "unexpected character '&' (write 'and') after a complete condition"},
        {"a and !b", 22, "found character '!' (write 'not')"},
        {"a || b", 18, "character '|' (write 'or')"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jk_diags diags = {0};
        jk_cond *c = parse(cases[i].text, &diags);
        if (c)
            fail_msg("\"%s\" parsed", cases[i].text);
        expect_diag(&diags, 7, cases[i].column, cases[i].part);
        /* one error per expression: later ones would be echoes */
        assert_int_equal(diags.count, 1);
        assert_string_equal(diags.items[0].file, "c.yaml");
        jk_diags_release(&diags);
    }
}

/* Columns count characters, not bytes: an error after 野菜 in a longer
 * text is where an editor shows it. */
static void test_error_column_counts_characters(void **state)
{
    (void)state;
    jk_diags diags = {0};
    jk_cond *c = parse("(a or 🥦) and b", &diags);
    assert_null(c);
    expect_diag(&diags, 7, 22, "found character '🥦'");
    jk_diags_release(&diags);
}

/* Build `depth` nested copies of open…close around "a". */
static char *nested(unsigned depth, const char *open, const char *close)
{
    size_t n = strlen(open) * depth + strlen(close) * depth + 2;
    char *s = malloc(n);
    assert_non_null(s);
    s[0] = '\0';
    for (unsigned i = 0; i < depth; i++)
        strcat(s, open);
    strcat(s, "a");
    for (unsigned i = 0; i < depth; i++)
        strcat(s, close);
    return s;
}

static void check_depth(const char *open, const char *close)
{
    for (unsigned depth = JK_MAX_CONDITION_DEPTH; depth <= JK_MAX_CONDITION_DEPTH + 1; depth++) {
        char *text = nested(depth, open, close);
        jk_diags diags = {0};
        jk_cond *c = parse(text, &diags);
        if (depth <= JK_MAX_CONDITION_DEPTH) {
            if (!c)
                fail_msg("depth %u of \"%s\" refused: %s", depth, open, diags.items[0].message);
        } else {
            assert_null(c);
            assert_int_equal(diags.count, 1);
            assert_non_null(strstr(diags.items[0].message, "nested deeper than 64 levels"));
        }
        jk_cond_free(c);
        jk_diags_release(&diags);
        free(text);
    }
}

static void test_depth_limit(void **state)
{
    (void)state;
    check_depth("(", ")");
    check_depth("not ", "");
    check_depth("1 of (", ")");
    check_depth("any of (b, ", ")");

    /* "(not " is two levels, so the limit falls at half as many */
    char text[8 * JK_MAX_CONDITION_DEPTH];
    for (unsigned units = JK_MAX_CONDITION_DEPTH / 2; units <= JK_MAX_CONDITION_DEPTH / 2 + 1;
         units++) {
        text[0] = '\0';
        for (unsigned i = 0; i < units; i++)
            strcat(text, "(not ");
        strcat(text, "a");
        for (unsigned i = 0; i < units; i++)
            strcat(text, ")");
        jk_diags diags = {0};
        jk_cond *c = parse(text, &diags);
        if (units <= JK_MAX_CONDITION_DEPTH / 2)
            assert_non_null(c);
        else
            assert_null(c);
        jk_cond_free(c);
        jk_diags_release(&diags);
    }
}

/* Hostile input far past the limit must fail cleanly, not recurse. */
static void test_depth_far_past_limit(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *text = malloc(2 * n + 2);
    assert_non_null(text);
    memset(text, '(', n);
    text[n] = 'a';
    memset(text + n + 1, ')', n);
    text[2 * n + 1] = '\0';
    jk_diags diags = {0};
    assert_null(parse(text, &diags));
    assert_int_equal(diags.count, 1);
    jk_diags_release(&diags);
    free(text);
    text = malloc(4 * n + 2);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 4 * i, "not ", 4);
    text[4 * n] = 'a';
    text[4 * n + 1] = '\0';
    assert_null(parse(text, &diags));
    assert_int_equal(diags.count, 1);
    jk_diags_release(&diags);
    free(text);
}

/* A long flat list stays one node with all its kids. */
static void test_long_flat_list(void **state)
{
    (void)state;
    const size_t items = 100000;
    char *text = malloc(items * 5 + 1);
    assert_non_null(text);
    size_t n = 0;
    for (size_t i = 0; i < items; i++) {
        if (i)
            n += (size_t)sprintf(text + n, " or ");
        text[n++] = (char)('a' + i % 4);
    }
    text[n] = '\0';
    jk_cond *c = parse_ok(text);
    assert_int_equal(c->kind, JK_COND_OR);
    assert_int_equal(c->kid_count, items);
    expect_group(c->kids[items - 1], (items - 1) % 4);
    jk_cond_free(c);
    free(text);
}

static void collect(void *ctx, size_t group)
{
    unsigned *seen = ctx;
    seen[group]++;
}

static void test_each_group(void **state)
{
    (void)state;
    jk_cond *c = parse_ok("a near b within 3 or 2 of (a, c, not d)");
    unsigned seen[5] = {0};
    jk_cond_each_group(c, collect, seen);
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 1);
    assert_int_equal(seen[3], 1);
    assert_int_equal(seen[4], 0);
    jk_cond_free(c);
    jk_cond_each_group(NULL, collect, seen); /* no-op */
    jk_cond_free(NULL);
}

/* The loader's hook: offsets go to the locator, whatever it answers is the
 * position reported. */
typedef struct fake_locator {
    size_t last_offset;
    unsigned calls;
} fake_locator;

static void fake_locate(void *ctx, size_t offset, unsigned *line, unsigned *column)
{
    fake_locator *f = ctx;
    f->last_offset = offset;
    f->calls++;
    *line = 100 + (unsigned)offset;
    *column = 3;
}

static void test_locator(void **state)
{
    (void)state;
    static const char *const names[] = {"x", "y"};
    jk_group g[2] = {{.name = (char *)names[0]}, {.name = (char *)names[1]}};
    fake_locator f = {0};
    jk_diags diags = {0};
    const char text[] = "x and\n  zz";
    jk_cond *c = jk_cond_parse_located(text, strlen(text), g, 2, "f.yaml", fake_locate, &f, &diags);
    assert_null(c);
    assert_int_equal(f.last_offset, 8);
    expect_diag(&diags, 108, 3, "undefined term group \"zz\"");
    jk_diags_release(&diags);

    /* text need not be NUL-terminated: only len bytes are read */
    const char part[] = "x or yz";
    c = jk_cond_parse_located(part, 6, g, 2, "f.yaml", fake_locate, &f, &diags);
    assert_non_null(c);
    assert_int_equal(c->kind, JK_COND_OR);
    expect_group(c->kids[1], 1);
    assert_int_equal(diags.count, 0);
    jk_cond_free(c);

    /* no groups at all: every name is undefined */
    c = jk_cond_parse_located("x", 1, NULL, 0, "f.yaml", fake_locate, &f, &diags);
    assert_null(c);
    assert_int_equal(diags.count, 1);
    jk_diags_release(&diags);

    /* diags may be NULL */
    assert_null(jk_cond_parse("nope", 4, g, 2, "f.yaml", 1, 1, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_group),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_not),
        cmocka_unit_test(test_of),
        cmocka_unit_test(test_near),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_column_counts_characters),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_far_past_limit),
        cmocka_unit_test(test_long_flat_list),
        cmocka_unit_test(test_each_group),
        cmocka_unit_test(test_locator),
    };
    return cmocka_run_group_tests_name("condition", tests, NULL, NULL);
}
