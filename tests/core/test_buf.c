/*
 * test_buf.c — the growable buffer: limits at N and N+1, JSON escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "junkai/error.h"

static void test_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 4);
    assert_int_equal(jk_buf_append(&b, "abcd", 4), JK_OK);
    assert_int_equal(b.len, 4);
    assert_int_equal(jk_buf_putc(&b, 'e'), JK_ELIMIT);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "abcd");
    jk_buf_release(&b);
}

static void test_printf_grows(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(jk_buf_printf(&b, "%d,", i), JK_OK);
    assert_true(b.len > 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    jk_buf_release(&b);
}

static void test_json_escaping(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    const char in[] = "a\"b\\c\n\x01野\xff";
    assert_int_equal(jk_buf_json_string(&b, in, sizeof in - 1), JK_OK);
    assert_string_equal(b.data, "a\\\"b\\\\c\\n\\u0001野\xEF\xBF\xBD");
    jk_buf_reset(&b);
    /* truncated multi-byte sequence and surrogate are replaced, not copied */
    assert_int_equal(jk_buf_json_string(&b, "\xE3\x81", 2), JK_OK);
    assert_string_equal(b.data, "\xEF\xBF\xBD\xEF\xBF\xBD");
    jk_buf_reset(&b);
    assert_int_equal(jk_buf_json_string(&b, "\xED\xA0\x80", 3), JK_OK);
    assert_int_equal(b.len, 9);
    jk_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_at_n_and_n_plus_1),
        cmocka_unit_test(test_printf_grows),
        cmocka_unit_test(test_json_escaping),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
