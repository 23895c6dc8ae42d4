/*
 * test_template.c — the report template language (src/report/template.h)
 * and the CSV writer (csv.h): values, dotted names, sections over lists,
 * objects and booleans, inverted sections, standalone tag lines, comments,
 * errors naming file:line:column, the limits at N and N+1, and the CSV
 * quoting and formula guard a spreadsheet needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "template.h"

/* Render tpl against the JSON text ctx; the output (malloc'd) or NULL on
 * an error, whose code lands in *rc and message in err. */
static char *render(const char *tpl, const char *ctx_json, int *rc, jk_error *err)
{
    json_error_t jerr;
    json_t *ctx = json_loads(ctx_json, 0, &jerr);
    assert_non_null(ctx);
    jk_buf out;
    jk_buf_init(&out, 0);
    *rc = jk_template_render(tpl, strlen(tpl), "t.txt", ctx, &out, err);
    json_decref(ctx);
    if (*rc) {
        jk_buf_release(&out);
        return NULL;
    }
    jk_buf_putc(&out, '\0');
    return out.data;
}

static void expect(const char *tpl, const char *ctx, const char *want)
{
    int rc;
    jk_error err = {0};
    char *got = render(tpl, ctx, &rc, &err);
    if (rc)
        fail_msg("%s: %s", tpl, err.message);
    assert_string_equal(got, want);
    free(got);
}

static void expect_error(const char *tpl, int want_rc, const char *want_message)
{
    int rc;
    jk_error err = {0};
    char *got = render(tpl, "{}", &rc, &err);
    assert_null(got);
    assert_int_equal(rc, want_rc);
    if (!strstr(err.message, want_message))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, want_message);
    /* check agrees with render on syntax */
    jk_error err2 = {0};
    if (want_rc == JK_EPARSE)
        assert_int_equal(jk_template_check(tpl, strlen(tpl), "t.txt", &err2), JK_EPARSE);
}

static void values(void **state)
{
    (void)state;
    expect("a {{x}} b", "{\"x\":\"警告\"}", "a 警告 b");
    expect("{{ x }}", "{\"x\":\"spaced\"}", "spaced");
    expect("{{n}} {{r}} {{t}} {{f}}", "{\"n\":42,\"r\":0.5,\"t\":true,\"f\":false}",
           "42 0.5 true false");
    expect("[{{missing}}][{{nul}}][{{obj}}][{{list}}]", "{\"nul\":null,\"obj\":{},\"list\":[1]}",
           "[][][][]");
    expect("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");
    expect("{{a.x.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "");
    /* nothing is escaped: the output is plain text for letters and forms */
    expect("{{s}}", "{\"s\":\"<b>&\\\"'\"}", "<b>&\"'");
    expect("no tags at all", "{}", "no tags at all");
    expect("", "{}", "");
    expect("{ {x} }", "{\"x\":1}", "{ {x} }");
}

static void sections(void **state)
{
    (void)state;
    expect("{{#items}}[{{id}}]{{/items}}", "{\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}",
           "[1][2][3]");
    expect("{{#l}}{{.}},{{/l}}", "{\"l\":[\"a\",\"b\"]}", "a,b,");
    /* names resolve innermost first, then outward */
    expect("{{#items}}{{id}}@{{host}} {{/items}}",
           "{\"host\":\"h\",\"items\":[{\"id\":1},{\"id\":2,\"host\":\"own\"}]}", "1@h 2@own ");
    expect("{{#org}}{{name}}/{{mail}}{{/org}}", "{\"org\":{\"name\":\"N\",\"mail\":\"m\"}}", "N/m");
    expect("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}", "{\"yes\":true,\"no\":false}", "Y");
    expect("{{#e}}E{{/e}}{{#s}}S{{/s}}{{#z}}Z{{/z}}", "{\"e\":[],\"s\":\"\",\"z\":0}", "Z");
    expect("{{^l}}none{{/l}}{{^x}}no x{{/x}}", "{\"l\":[]}", "noneno x");
    expect("{{^l}}none{{/l}}", "{\"l\":[1]}", "");
    expect("{{#a}}{{#b}}{{c}}{{/b}}{{/a}}", "{\"a\":[{\"b\":[{\"c\":1},{\"c\":2}]},{\"b\":[]}]}",
           "12");
}

static void standalone_lines(void **state)
{
    (void)state;
    /* a line holding only a section, closing or comment tag vanishes */
    expect("head\n{{#l}}\n- {{.}}\n{{/l}}\ntail\n", "{\"l\":[\"x\",\"y\"]}",
           "head\n- x\n- y\ntail\n");
    expect("  {{! a comment\n spanning lines }}  \nbody", "{}", "body");
    expect("a {{! inline }}b", "{}", "a b");
    /* a variable alone on its line keeps the line */
    expect("{{x}}\nnext", "{\"x\":\"v\"}", "v\nnext");
    expect("{{#l}}\r\n{{.}}\r\n{{/l}}\r\n", "{\"l\":[1]}", "1\r\n");
}

static void errors(void **state)
{
    (void)state;
    expect_error("line\n  {{#items}}\n{{/item}}\n", JK_EPARSE,
                 "t.txt:3:1: {{/item}} closes {{#items}} opened at 2:3");
    expect_error("{{/x}}", JK_EPARSE, "t.txt:1:1: {{/x}} closes nothing");
    expect_error("ab\n{{^x}}", JK_EPARSE, "t.txt:2:1: {{^x}} is never closed");
    expect_error("日本語 {{x", JK_EPARSE, "t.txt:1:5: \"{{\" is never closed");
    expect_error("{{}}", JK_EPARSE, "is not a name");
    expect_error("{{a b}}", JK_EPARSE, "is not a name");
    expect_error("{{#}}{{/}}", JK_EPARSE, "is not a name");
}

static void depth_limit(void **state)
{
    (void)state;
    char tpl[1024];
    for (int depth = 32; depth <= 33; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            n += (size_t)snprintf(tpl + n, sizeof tpl - n, "{{#a}}");
        n += (size_t)snprintf(tpl + n, sizeof tpl - n, "x");
        for (int i = 0; i < depth; i++)
            n += (size_t)snprintf(tpl + n, sizeof tpl - n, "{{/a}}");
        int rc;
        jk_error err = {0};
        char *got = render(tpl, "{\"a\":true}", &rc, &err);
        if (depth == 32) {
            assert_int_equal(rc, JK_OK);
            assert_string_equal(got, "x");
            free(got);
        } else {
            assert_int_equal(rc, JK_ELIMIT);
            assert_non_null(strstr(err.message, "deeper than 32"));
        }
    }
}

static void output_and_time_limits(void **state)
{
    (void)state;
    /* 4096 × 4096 × 1 KiB = 16 GiB of output: cut at 16 MiB */
    char big[1100];
    memset(big, 'x', 1024);
    big[1024] = '\0';
    char tpl[1200];
    snprintf(tpl, sizeof tpl, "{{#l}}{{#l}}%s{{/l}}{{/l}}", big);
    json_t *l = json_array();
    for (int i = 0; i < 4096; i++)
        json_array_append_new(l, json_integer(i));
    json_t *ctx = json_pack("{s:o}", "l", l);
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err = {0};
    assert_int_equal(jk_template_render(tpl, strlen(tpl), "big.txt", ctx, &out, &err), JK_ELIMIT);
    assert_non_null(strstr(err.message, "big.txt: the output passes"));
    assert_true(out.len <= (16u << 20));
    jk_buf_release(&out);
    /* nested sections that print nothing: the step cap ends them */
    const char *silent = "{{#l}}{{#l}}{{#l}}{{^l}}never{{/l}}{{/l}}{{/l}}{{/l}}";
    jk_buf_init(&out, 0);
    assert_int_equal(jk_template_render(silent, strlen(silent), "slow.txt", ctx, &out, &err),
                     JK_ELIMIT);
    assert_non_null(strstr(err.message, "slow.txt: rendering takes more than"));
    assert_int_equal(out.len, 0);
    jk_buf_release(&out);
    json_decref(ctx);
}

static char *csv_of(const char *const *cells, size_t n)
{
    jk_buf out;
    jk_buf_init(&out, 0);
    assert_int_equal(jk_csv_row(&out, cells, n), JK_OK);
    jk_buf_putc(&out, '\0');
    return out.data;
}

static void csv_cells(void **state)
{
    (void)state;
    const char *plain[] = {"1", "https://example.jp/a", NULL, "", "野菜"};
    char *s = csv_of(plain, 5);
    assert_string_equal(s, "1,https://example.jp/a,,,野菜\r\n");
    free(s);
    const char *quoted[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rx"};
    s = csv_of(quoted, 4);
    assert_string_equal(s, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n");
    free(s);
    /* a posted "=HYPERLINK(…)" must never run as a formula in a spreadsheet */
    const char *formulas[] = {"=HYPERLINK(\"http://x\")", "+81 90", "-1", "@SUM(A1)", "\tx", "a=b"};
    s = csv_of(formulas, 6);
    assert_string_equal(s, "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+81 90\",\"'-1\",\"'@SUM(A1)\","
                           "\"'\tx\",a=b\r\n");
    free(s);
    jk_buf out;
    jk_buf_init(&out, 0);
    assert_int_equal(jk_csv_bom(&out), JK_OK);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.data, "\xEF\xBB\xBF", 3);
    jk_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values),           cmocka_unit_test(sections),
        cmocka_unit_test(standalone_lines), cmocka_unit_test(errors),
        cmocka_unit_test(depth_limit),      cmocka_unit_test(output_and_time_limits),
        cmocka_unit_test(csv_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
