/*
 * test_html_text.c — HTML to readable text (src/collect/html_text.c): where
 * line breaks and spaces go, entities, dropped elements, hostile input
 * (deep nesting, invalid UTF-8, NUL bytes) and the buffer's maximum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "html_text.h"
#include "junkai/error.h"
#include "utf8.h"

/* The text of an HTML fragment, as a string the caller frees. */
static char *text_of(const char *html, size_t len)
{
    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_html_fragment_text(html, len, &b), JK_OK);
    char *s = b.data ? b.data : strdup("");
    assert_true(jk_utf8_valid((const unsigned char *)s, strlen(s)));
    return s;
}

static void expect_text(const char *html, const char *want)
{
    char *got = text_of(html, strlen(html));
    assert_string_equal(got, want);
    free(got);
}

static void block_elements_become_line_breaks(void **state)
{
    (void)state;
    expect_text("<p>一</p><p>二</p><div>三</div>四<h1>五</h1>", "一\n二\n三\n四\n五");
    expect_text("<ul><li>a</li><li>b</li></ul>after", "a\nb\nafter");
    expect_text("<dl><dt>1 ：名無し</dt><dd>本文</dd></dl>", "1 ：名無し\n本文");
    expect_text("<blockquote>q</blockquote><pre>p</pre>", "q\np");
}

static void inline_elements_join(void **state)
{
    (void)state;
    expect_text("a<b>b</b><i>c</i><span>d</span><a href=x>e</a>", "abcde");
    expect_text("<span>a</span> <span>b</span>", "a b");
}

static void white_space_collapses(void **state)
{
    (void)state;
    expect_text("  a \n\t b  \r\n c ", "a b c");
    expect_text("<p>  a  </p>  <p>  b  </p>", "a\nb");
    /* a non-breaking space is a character a reader sees, not white space */
    expect_text("a&nbsp;&nbsp;b", "a\xC2\xA0\xC2\xA0" "b");
    /* the ideographic space of Japanese text is kept too */
    expect_text("全角\xE3\x80\x80空白", "全角\xE3\x80\x80空白");
}

static void entities_are_decoded(void **state)
{
    (void)state;
    expect_text("&amp;&lt;&gt;&quot;&#39;", "&<>\"'");
    expect_text("&#12354;&#x3044;&copy;", "あい©");
    expect_text("&gt;&gt;1 &amp; &gt;&gt;2", ">>1 & >>2");
}

static void script_style_and_head_are_dropped(void **state)
{
    (void)state;
    expect_text("<script>var x = '<p>no</p>';</script>a<style>p{color:red}</style>b"
                "<noscript>n</noscript>c<template>t</template>d",
                "abcd");
    expect_text("<html><head><title>T</title><script>s</script></head><body>本文</body></html>",
                "本文");
    expect_text("<select><option>1</option></select>x<iframe>i</iframe>", "x");
}

static void br_breaks_lines_once(void **state)
{
    (void)state;
    expect_text("a<br>b", "a\nb");
    expect_text("a<br/>b<br />c", "a\nb\nc");
    /* consecutive breaks make one line break, and none at either end */
    expect_text("a<br><br><br>b", "a\nb");
    expect_text("<br><br>a<br><br>", "a");
    expect_text(" text<br> text ", "text\ntext");
}

static void table_cells_are_spaced(void **state)
{
    (void)state;
    expect_text("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>",
                "a b\nc d");
}

static void empty_and_text_only_input(void **state)
{
    (void)state;
    expect_text("", "");
    expect_text("   ", "");
    expect_text("<p></p><div> </div>", "");
    expect_text("plain text", "plain text");
}

static void deep_nesting_does_not_crash(void **state)
{
    (void)state;
    const size_t depth = 200000;
    jk_buf html;
    jk_buf_init(&html, 0);
    for (size_t i = 0; i < depth; i++)
        assert_int_equal(jk_buf_puts(&html, i % 2 ? "<div>" : "<span>"), JK_OK);
    assert_int_equal(jk_buf_puts(&html, "深い</div>後"), JK_OK);
    char *text = text_of(html.data, html.len);
    /* libxml2 (2.9) stops parsing at depth 256 unless told otherwise: the
     * text below that depth, and after it, must still be read — else a page
     * hides its words from the patrol behind 300 <div>s */
    assert_non_null(strstr(text, "深い"));
    assert_non_null(strstr(text, "後"));
    free(text);
    jk_buf_release(&html);

    /* unclosed inline formatting elements (the classic parser bomb) */
    jk_buf_init(&html, 0);
    for (size_t i = 0; i < 50000; i++)
        assert_int_equal(jk_buf_puts(&html, "<b><i><font>x"), JK_OK);
    text = text_of(html.data, html.len);
    assert_true(strlen(text) >= 1000);
    free(text);
    jk_buf_release(&html);
}

static void invalid_utf8_becomes_replacement_characters(void **state)
{
    (void)state;
    static const char html[] = "<p>ok\xFF\xFE日本\xE6\x97 x\xC0\xAFy\xED\xA0\x80z</p>";
    char *got = text_of(html, sizeof html - 1);
    assert_string_equal(got, "ok\xEF\xBF\xBD\xEF\xBF\xBD日本\xEF\xBF\xBD\xEF\xBF\xBD x"
                             "\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
    free(got);
}

static void nul_bytes_are_dropped(void **state)
{
    (void)state;
    static const char html[] = "<p>a\0b</p>\0<p>c</p>";
    char *got = text_of(html, sizeof html - 1);
    assert_string_equal(got, "ab\nc");
    free(got);
}

static void repair_reports_each_bad_byte(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    /* a cut-off sequence at the very end */
    assert_int_equal(jk_html_utf8_repair("\xE3\x81", 2, &b), JK_OK);
    assert_string_equal(b.data, "\xEF\xBF\xBD\xEF\xBF\xBD");
    jk_buf_reset(&b);
    /* four-byte characters and values past U+10FFFF */
    assert_int_equal(jk_html_utf8_repair("\xF0\x9F\x98\x80\xF4\x90\x80\x80", 8, &b), JK_OK);
    assert_string_equal(b.data, "\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    jk_buf_reset(&b);
    assert_int_equal(jk_html_utf8_repair("", 0, &b), JK_OK);
    assert_int_equal(b.len, 0);
    jk_buf_release(&b);
}

static void text_is_cut_on_a_character_boundary(void **state)
{
    (void)state;
    /* 10 three-byte characters into a buffer of 10 bytes: three fit */
    for (size_t max = 1; max <= 12; max++) {
        jk_buf b;
        jk_buf_init(&b, max);
        int rc = jk_html_fragment_text("あいうえおかきくけこ", strlen("あいうえおかきくけこ"), &b);
        assert_int_equal(rc, JK_ELIMIT);
        assert_int_equal(b.len, max / 3 * 3);
        assert_true(jk_utf8_valid((const unsigned char *)b.data, b.len));
        jk_buf_release(&b);
    }
    /* the space owed before a word is not left dangling at the cut */
    jk_buf b;
    jk_buf_init(&b, 4);
    assert_int_equal(jk_html_fragment_text("abcd efgh", 9, &b), JK_ELIMIT);
    assert_string_equal(b.data, "abcd");
    jk_buf_release(&b);
    /* exactly at the maximum is not an error */
    jk_buf_init(&b, 6);
    assert_int_equal(jk_html_fragment_text("<p>あい</p>", strlen("<p>あい</p>"), &b), JK_OK);
    assert_string_equal(b.data, "あい");
    jk_buf_release(&b);
}

static void appends_after_existing_text(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_buf_puts(&b, "title"), JK_OK);
    assert_int_equal(jk_html_fragment_text("<p>body</p>", 11, &b), JK_OK);
    assert_string_equal(b.data, "title\nbody");
    jk_buf_release(&b);
}

static void helpers_read_names_and_attributes(void **state)
{
    (void)state;
    static const char html[] = "<DIV CLASS=\"post x\" id=5><P>t</P></DIV>";
    htmlDocPtr doc = jk_html_parse(html, sizeof html - 1, NULL, "UTF-8");
    assert_non_null(doc);
    xmlNode *body = xmlDocGetRootElement(doc)->children;
    xmlNode *div = body->children;
    static const char *const divs[] = {"span", "div", NULL};
    static const char *const ps[] = {"p", NULL};
    assert_true(jk_html_is(div, divs));
    assert_false(jk_html_is(div, ps));
    assert_false(jk_html_is(NULL, divs));
    char *cls = jk_html_attr(div, "class");
    assert_string_equal(cls, "post x");
    xmlFree(cls);
    assert_null(jk_html_attr(div, "data-none"));
    /* a lone text node is read without its siblings */
    jk_buf b;
    jk_buf_init(&b, 0);
    xmlNode *text = div->children->children;
    assert_int_equal(jk_html_append_text(text, &b), JK_OK);
    assert_string_equal(b.data, "t");
    jk_buf_release(&b);
    xmlFreeDoc(doc);
}

static void declared_charset_is_used_when_none_given(void **state)
{
    (void)state;
    /* "日本" in Shift_JIS under a <meta charset>: libxml2 switches */
    static const char html[] = "<html><head><meta charset=\"Shift_JIS\"></head>"
                               "<body>\x93\xfa\x96\x7b</body></html>";
    htmlDocPtr doc = jk_html_parse(html, sizeof html - 1, NULL, NULL);
    assert_non_null(doc);
    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_html_append_text((xmlNode *)doc, &b), JK_OK);
    assert_string_equal(b.data, "日本");
    jk_buf_release(&b);
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_elements_become_line_breaks),
        cmocka_unit_test(inline_elements_join),
        cmocka_unit_test(white_space_collapses),
        cmocka_unit_test(entities_are_decoded),
        cmocka_unit_test(script_style_and_head_are_dropped),
        cmocka_unit_test(br_breaks_lines_once),
        cmocka_unit_test(table_cells_are_spaced),
        cmocka_unit_test(empty_and_text_only_input),
        cmocka_unit_test(deep_nesting_does_not_crash),
        cmocka_unit_test(invalid_utf8_becomes_replacement_characters),
        cmocka_unit_test(nul_bytes_are_dropped),
        cmocka_unit_test(repair_reports_each_bad_byte),
        cmocka_unit_test(text_is_cut_on_a_character_boundary),
        cmocka_unit_test(appends_after_existing_text),
        cmocka_unit_test(helpers_read_names_and_attributes),
        cmocka_unit_test(declared_charset_is_used_when_none_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
