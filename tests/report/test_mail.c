/*
 * test_mail.c — e-mail messages (src/report/smtp.c): addresses accepted,
 * RFC 2047 encoded-words that decode back to the text and keep within
 * line limits, no header injection through a subject, the message's
 * headers and its base64 body in canonical CRLF form, the attachment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

static void test_addresses(void **state)
{
    (void)state;
    assert_true(jk_mail_address_valid("patrol@example.jp"));
    assert_true(jk_mail_address_valid("a.b+c@sub.example.co.jp"));
    assert_false(jk_mail_address_valid(NULL));
    assert_false(jk_mail_address_valid(""));
    assert_false(jk_mail_address_valid("patrol"));
    assert_false(jk_mail_address_valid("@example.jp"));
    assert_false(jk_mail_address_valid("a@"));
    assert_false(jk_mail_address_valid("a@b@c.jp"));
    assert_false(jk_mail_address_valid("a b@c.jp"));
    assert_false(jk_mail_address_valid("a@c.jp\r\nBcc: x@y.jp"));
    assert_false(jk_mail_address_valid("<a@c.jp>"));
    assert_false(jk_mail_address_valid("a,b@c.jp"));
    assert_false(jk_mail_address_valid("巡回@example.jp"));
}

/* Decode "=?UTF-8?B?…?=" words (folded with CRLF SP) back to the text. */
static char *decode_words(const char *s, size_t used)
{
    static char out[4096];
    size_t n = 0;
    const char *p = s;
    size_t line = used;
    while (*p) {
        if (p[0] == '\r') {
            assert_true(p[1] == '\n' && p[2] == ' ');
            p += 3;
            line = 1;
            continue;
        }
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        size_t word = (size_t)(end + 2 - p);
        assert_true(word <= 75); /* RFC 2047 §2 */
        line += word;
        assert_true(line <= 76);
        size_t got = 0;
        assert_int_equal(sodium_base642bin((unsigned char *)out + n, sizeof out - n, p + 10,
                                           (size_t)(end - p - 10), NULL, &got, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        /* every word holds whole UTF-8 characters */
        assert_true(got == 0 || ((unsigned char)out[n] & 0xC0) != 0x80);
        n += got;
        p = end + 2;
    }
    out[n] = '\0';
    return out;
}

static void test_encoded_words(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_mail_encode_header("Daily summary", 9, &b), 0);
    assert_string_equal(b.data, "Daily summary");

    const char *ja = "【通報】インターネット・ホットラインセンターへの通報 — 人身売買・臓器売買 — "
                     "example.invalid (投稿 36) 😀 絵文字も";
    jk_buf_reset(&b);
    assert_int_equal(jk_mail_encode_header(ja, 9, &b), 0);
    assert_non_null(strstr(b.data, "\r\n "));
    assert_string_equal(decode_words(b.data, 9), ja);

    /* a line break in a subject is no new header */
    jk_buf_reset(&b);
    assert_int_equal(jk_mail_encode_header("hi\r\nBcc: evil@example.jp", 9, &b), 0);
    assert_null(strchr(b.data, '\r'));
    assert_null(strchr(b.data, '\n'));
    assert_string_equal(b.data, "hi  Bcc: evil@example.jp");
    jk_buf_reset(&b);
    assert_int_equal(jk_mail_encode_header("件名\n改行", 9, &b), 0);
    assert_string_equal(decode_words(b.data, 9), "件名 改行");

    /* long ASCII is folded as words too; "=?" in plain text is encoded */
    char longer[300];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    jk_buf_reset(&b);
    assert_int_equal(jk_mail_encode_header(longer, 9, &b), 0);
    assert_string_equal(decode_words(b.data, 9), longer);
    jk_buf_reset(&b);
    assert_int_equal(jk_mail_encode_header("=?UTF-8?B?x?=", 9, &b), 0);
    assert_string_equal(decode_words(b.data, 9), "=?UTF-8?B?x?=");
    jk_buf_release(&b);
}

static const char *header(const char *msg, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = msg; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncmp(p, "\r\n", 2) == 0)
            break; /* the end of the header block */
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 2, *e = strstr(v, "\r\n");
            snprintf(out, size, "%.*s", (int)(e - v), v);
            return out;
        }
    }
    return NULL;
}

static void test_message(void **state)
{
    (void)state;
    const char *to[] = {"a@police.example.jp", "b@police.example.jp"};
    const char *body = "一行目\n二行目\r\n三行目\n.dot line\n";
    jk_mail m = {0};
    m.from = "patrol@example.jp";
    m.from_name = "巡回チーム";
    m.to = to;
    m.to_count = 2;
    m.subject = "通報 12";
    m.body = body;
    m.body_len = strlen(body);
    m.message_id = "junkai-report-12-0123@example.jp";
    m.date_unix = 1796428800; /* 2026-12-05T00:00:00Z, a Saturday */
    m.report_id = "12";
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err;
    assert_int_equal(jk_mail_build(&m, &out, &err), 0);
    char v[512];
    assert_string_equal(header(out.data, "Date", v, sizeof v), "Sat, 05 Dec 2026 00:00:00 +0000");
    assert_string_equal(header(out.data, "Message-ID", v, sizeof v),
                        "<junkai-report-12-0123@example.jp>");
    assert_string_equal(header(out.data, "X-Junkai-Report", v, sizeof v), "12");
    assert_string_equal(header(out.data, "MIME-Version", v, sizeof v), "1.0");
    assert_string_equal(header(out.data, "Content-Type", v, sizeof v), "text/plain; charset=UTF-8");
    assert_string_equal(header(out.data, "Content-Transfer-Encoding", v, sizeof v), "base64");
    assert_non_null(strstr(out.data, "\r\nTo: a@police.example.jp,\r\n b@police.example.jp\r\n"));
    assert_non_null(strstr(out.data, " <patrol@example.jp>\r\n"));
    assert_string_equal(decode_words(header(out.data, "Subject", v, sizeof v), 9), "通報 12");
    /* every line ends CRLF; no bare LF */
    for (size_t i = 0; i < out.len; i++)
        if (out.data[i] == '\n')
            assert_int_equal(out.data[i - 1], '\r');
    const char *b64 = strstr(out.data, "\r\n\r\n") + 4;
    unsigned char decoded[512];
    size_t got = 0;
    assert_int_equal(sodium_base642bin(decoded, sizeof decoded, b64, strlen(b64), "\r\n", &got,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    const char *canonical = "一行目\r\n二行目\r\n三行目\r\n.dot line\r\n";
    assert_int_equal(got, strlen(canonical));
    assert_memory_equal(decoded, canonical, got);

    /* with an attachment: multipart/mixed, the CSV's bytes intact */
    jk_buf_reset(&out);
    const char csv[] = "\xEF\xBB\xBF"
                       "a,b\r\n1,2\r\n";
    m.attachment_name = "2026-12-05.csv";
    m.attachment_type = "text/csv; charset=UTF-8";
    m.attachment = csv;
    m.attachment_len = sizeof csv - 1;
    assert_int_equal(jk_mail_build(&m, &out, &err), 0);
    assert_string_equal(header(out.data, "Content-Type", v, sizeof v),
                        "multipart/mixed; boundary=\"=_junkai_part_boundary\"");
    assert_non_null(strstr(out.data, "filename=\"2026-12-05.csv\""));
    assert_non_null(strstr(out.data, "\r\n--=_junkai_part_boundary--\r\n"));

    /* refused */
    jk_buf_reset(&out);
    m.from = "nobody";
    assert_int_equal(jk_mail_build(&m, &out, &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "nobody"));
    m.from = "patrol@example.jp";
    m.message_id = "no at sign";
    assert_int_equal(jk_mail_build(&m, &out, &err), JK_EINVAL);
    m.message_id = "x@y";
    m.to_count = 0;
    assert_int_equal(jk_mail_build(&m, &out, &err), JK_EINVAL);
    jk_buf_release(&out);
}

static void test_refused_server(void **state)
{
    (void)state;
    /* loopback without allow_private: refused before any byte */
    jk_smtp_config c = {0};
    c.url = "smtp://127.0.0.1:9";
    c.from = "patrol@example.jp";
    const char *to[] = {"a@example.jp"};
    jk_buf t;
    jk_buf_init(&t, 0);
    jk_smtp_result res;
    jk_error err;
    assert_int_equal(jk_smtp_send(&c, NULL, to, 1, "x", 1, &t, &res, &err), JK_EDENIED);
    assert_true(res.refused);
    assert_false(res.data_sent);
    assert_non_null(strstr(err.message, "smtp://127.0.0.1:9"));
    assert_non_null(strstr(err.message, "127.0.0.1"));
    c.url = "http://127.0.0.1:9";
    assert_int_equal(jk_smtp_send(&c, NULL, to, 1, "x", 1, &t, &res, &err), JK_EINVAL);
    jk_buf_release(&t);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_refused_server),
    };
    return cmocka_run_group_tests_name("mail", tests, NULL, NULL);
}
