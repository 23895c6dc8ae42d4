/*
 * test_cdp.c — the DevTools message reader (src/evidence/cdp.h): messages
 * split at NUL bytes however the bytes arrive, replies and events told
 * apart, malformed messages skipped with an error, and the message bound
 * held at N and N+1 bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cdp.h"

static void feed(jk_cdp_reader *r, const char *s, size_t len)
{
    assert_int_equal(jk_cdp_reader_feed(r, s, len, NULL), JK_OK);
}

static void test_split_any_way(void **state)
{
    (void)state;
    static const char stream[] =
        "{\"id\":1,\"result\":{\"product\":\"Chrome/1\"}}\0"
        "{\"method\":\"Page.lifecycleEvent\",\"sessionId\":\"S\",\"params\":{\"name\":\"load\"}}\0"
        "{\"id\":2,\"error\":{\"code\":-32000,\"message\":\"Cannot navigate\"}}\0";
    size_t len = sizeof stream - 1;
    /* every way of cutting the stream in two gives the same messages */
    for (size_t cut = 0; cut <= len; cut++) {
        jk_cdp_reader r;
        jk_cdp_reader_init(&r, 1 << 20);
        feed(&r, stream, cut);
        jk_cdp_message m[4];
        size_t got = 0;
        int rc;
        while ((rc = jk_cdp_reader_next(&r, &m[got], NULL)) == JK_OK)
            got++;
        assert_int_equal(rc, JK_ENOTFOUND);
        feed(&r, stream + cut, len - cut);
        while (got < 3 && jk_cdp_reader_next(&r, &m[got], NULL) == JK_OK)
            got++;
        assert_int_equal(got, 3);
        assert_int_equal(m[0].id, 1);
        assert_string_equal(json_string_value(json_object_get(m[0].result, "product")), "Chrome/1");
        assert_null(m[0].method);
        assert_int_equal(m[1].id, 0);
        assert_string_equal(m[1].method, "Page.lifecycleEvent");
        assert_string_equal(m[1].session_id, "S");
        assert_non_null(m[1].params);
        assert_int_equal(m[2].id, 2);
        assert_true(m[2].is_error);
        assert_int_equal(m[2].error_code, -32000);
        assert_string_equal(m[2].error_message, "Cannot navigate");
        for (size_t i = 0; i < 3; i++)
            jk_cdp_message_release(&m[i]);
        jk_cdp_message m4;
        assert_int_equal(jk_cdp_reader_next(&r, &m4, NULL), JK_ENOTFOUND);
        jk_cdp_reader_release(&r);
    }
}

static void test_malformed_skipped(void **state)
{
    (void)state;
    static const char stream[] = "not json\0"
                                 "[1,2]\0"
                                 "{\"id\":-4,\"result\":{}}\0"
                                 "{\"id\":3,\"result\":7}\0"
                                 "{\"params\":{}}\0"
                                 "{\"id\":1,\"id\":2}\0"
                                 "{\"id\":9,\"result\":{}}\0";
    jk_cdp_reader r;
    jk_cdp_reader_init(&r, 1024);
    feed(&r, stream, sizeof stream - 1);
    jk_cdp_message m;
    jk_error err;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(jk_cdp_reader_next(&r, &m, &err), JK_EPARSE);
        assert_null(m.root);
        assert_true(strstr(err.message, "DevTools") != NULL);
    }
    assert_int_equal(jk_cdp_reader_next(&r, &m, &err), JK_OK);
    assert_int_equal(m.id, 9);
    jk_cdp_message_release(&m);
    jk_cdp_reader_release(&r);
}

/* A message of exactly max bytes is read; one byte more is refused. */
static void test_limit(void **state)
{
    (void)state;
    enum { MAX = 64 };
    char msg[MAX + 2];
    for (size_t len = MAX; len <= MAX + 1; len++) {
        /* {"id":1,"result":{"x":"aaa…"}} padded to len bytes */
        static const char head[] = "{\"id\":1,\"result\":{\"x\":\"";
        static const char tail[] = "\"}}";
        size_t pad = len - (sizeof head - 1) - (sizeof tail - 1);
        memcpy(msg, head, sizeof head - 1);
        memset(msg + sizeof head - 1, 'a', pad);
        memcpy(msg + sizeof head - 1 + pad, tail, sizeof tail - 1);
        msg[len] = '\0';
        jk_cdp_reader r;
        jk_cdp_reader_init(&r, MAX);
        jk_cdp_message m;
        jk_error err;
        int rc = jk_cdp_reader_feed(&r, msg, len + 1, &err);
        if (rc == JK_OK)
            rc = jk_cdp_reader_next(&r, &m, &err);
        if (len == MAX) {
            assert_int_equal(rc, JK_OK);
            assert_int_equal(m.id, 1);
            jk_cdp_message_release(&m);
        } else {
            assert_int_equal(rc, JK_ELIMIT);
            assert_true(strstr(err.message, "longer than 64 bytes") != NULL);
        }
        jk_cdp_reader_release(&r);
    }
    /* a message that never ends is refused once it passes the bound */
    jk_cdp_reader r;
    jk_cdp_reader_init(&r, MAX);
    char chunk[40];
    memset(chunk, 'x', sizeof chunk);
    jk_error err;
    assert_int_equal(jk_cdp_reader_feed(&r, chunk, sizeof chunk, &err), JK_OK);
    assert_int_equal(jk_cdp_reader_feed(&r, chunk, sizeof chunk, &err), JK_ELIMIT);
    jk_cdp_reader_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_any_way),
        cmocka_unit_test(test_malformed_skipped),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
