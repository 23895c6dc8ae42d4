/*
 * test_input.c — the bounded line reader (limit at N and N+1, CRLF, BOM,
 * missing final newline, long lines skipped without being held) and JSONL
 * post parsing errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "junkai/error.h"

static FILE *stream(const char *data, size_t len)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    rewind(fp);
    return fp;
}

static void test_lines_crlf_bom_and_last_line(void **state)
{
    (void)state;
    static const char data[] = "\xEF\xBB\xBFone\r\ntwo\n\nthree";
    FILE *fp = stream(data, sizeof data - 1);
    jk_line_reader r;
    jk_line_reader_init(&r, fp, 100);
    const char *line;
    size_t len;
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(line, "one", 3);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_memory_equal(line, "two", 3);
    assert_int_equal(r.line_no, 2);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 5);
    assert_memory_equal(line, "three", 5);
    assert_int_equal(r.line_no, 4);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 0);
    jk_line_reader_release(&r);
    fclose(fp);
}

static void test_line_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    /* limit 10: a 10-byte line passes, an 11-byte line is skipped and the
     * reader goes on with the next line */
    static const char data[] = "0123456789\n0123456789a\nok\n";
    FILE *fp = stream(data, sizeof data - 1);
    jk_line_reader r;
    jk_line_reader_init(&r, fp, 10);
    const char *line;
    size_t len;
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 10);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), JK_ELIMIT);
    assert_int_equal(r.line_no, 2);
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_memory_equal(line, "ok", 2);
    assert_int_equal(r.line_no, 3);
    jk_line_reader_release(&r);
    fclose(fp);
}

static void test_huge_line_is_not_held(void **state)
{
    (void)state;
    /* 5 MB without a newline, limit 1000: the buffer must stay near one
     * read chunk rather than growing to the line's size */
    size_t n = 5u << 20;
    char *data = malloc(n + 4);
    memset(data, 'x', n);
    memcpy(data + n, "\nhi\n", 4);
    FILE *fp = stream(data, n + 4);
    jk_line_reader r;
    jk_line_reader_init(&r, fp, 1000);
    const char *line;
    size_t len;
    assert_int_equal(jk_line_reader_next(&r, &line, &len), JK_ELIMIT);
    assert_true(r.cap < (3u << 20));
    assert_int_equal(jk_line_reader_next(&r, &line, &len), 1);
    assert_memory_equal(line, "hi", 2);
    jk_line_reader_release(&r);
    fclose(fp);
    free(data);
}

static void test_jsonl_errors_explain(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *message_part;
    } cases[] = {
        {"{\"id\":1", "invalid JSON"},
        {"[1,2]", "JSON object"},
        {"{\"text\":\"x\"}", "\"id\""},
        {"{\"id\":true,\"text\":\"x\"}", "\"id\""},
        {"{\"id\":\"a\"}", "\"text\""},
        {"{\"id\":\"a\",\"text\":5}", "\"text\""},
        {"{\"id\":\"a\",\"text\":\"x\",\"text\":\"y\"}", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jk_buf msg;
        jk_buf_init(&msg, 0);
        jk_jsonl_item item;
        assert_int_equal(jk_jsonl_parse(cases[i].line, strlen(cases[i].line), &item, &msg),
                         JK_EPARSE);
        assert_non_null(strstr(msg.data, cases[i].message_part));
        jk_buf_release(&msg);
    }
    jk_buf msg;
    jk_buf_init(&msg, 0);
    jk_jsonl_item item;
    const char ok[] = "{\"id\":\"a\",\"text\":\"x\\u0000y\"}";
    assert_int_equal(jk_jsonl_parse(ok, sizeof ok - 1, &item, &msg), 0);
    assert_int_equal(item.text_len, 3); /* NUL inside text is kept */
    json_decref(item.object);
    jk_buf_release(&msg);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(jk_input_sniff("  \n{\"id\"", 8), JK_INPUT_JSONL);
    assert_int_equal(jk_input_sniff("\xEF\xBB\xBF{", 4), JK_INPUT_JSONL);
    assert_int_equal(jk_input_sniff("野菜", 6), JK_INPUT_TEXT);
    assert_int_equal(jk_input_sniff("", 0), JK_INPUT_TEXT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_crlf_bom_and_last_line),
        cmocka_unit_test(test_line_limit_at_n_and_n_plus_1),
        cmocka_unit_test(test_huge_line_is_not_held),
        cmocka_unit_test(test_jsonl_errors_explain),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
