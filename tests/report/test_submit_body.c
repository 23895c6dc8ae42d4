/*
 * test_submit_body.c — what a destination sends (src/report/submit.c):
 * the template context of a report (fields joined per column, rows, the
 * space-free aliases, the idempotency key), form encoding as the WHATWG
 * URL standard serializes it, JSON with mapped keys or the whole report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit.h"

static const jk_report_row *report(void)
{
    static jk_report_row r;
    memset(&r, 0, sizeof r);
    r.id = 12;
    r.case_id = 3;
    r.kind = "ihc";
    r.doc_key = "case";
    r.title = "通報 — テスト";
    r.body = "本文\n二行目";
    r.body_len = strlen(r.body);
    r.fields_json = "{\"columns\":[\"番号\",\"URL\",\"証拠 SHA-256\"],"
                    "\"rows\":[[\"1\",\"https://a.example/1\",\"aa\"],"
                    "[\"2\",\"https://b.example/2?x=1&y=2\",\"bb\"]]}";
    r.body_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    r.status = "approved";
    return &r;
}

static void test_key_and_kinds(void **state)
{
    (void)state;
    char key[96];
    jk_submit_idempotency_key(12, report()->body_sha256, key, sizeof key);
    assert_string_equal(key, "junkai-report-12-0123456789abcdef0123456789abcdef");
    jk_destination d = {0};
    assert_true(jk_destination_takes(&d, "warning"));
    d.kinds = 1u << JK_REPORT_POLICE;
    assert_true(jk_destination_takes(&d, "police"));
    assert_false(jk_destination_takes(&d, "ihc"));
    assert_false(jk_destination_takes(&d, "bogus"));
    assert_string_equal(jk_destination_type_name(JK_DEST_HTTP_JSON), "http_json");
}

static void test_form_body(void **state)
{
    (void)state;
    jk_destination_field fields[] = {
        {"url", "{{field.URL}}"},
        {"hash", "{{field.証拠_SHA-256}}"},
        {"t", "{{report.title}} #{{report.id}}"},
        {"each", "{{#rows}}{{番号}},{{/rows}}"},
        {"who", "{{organization.name}}/{{destination.name}}"},
        {"a b", "*-._~!"},
    };
    jk_destination d = {0};
    d.name = "form";
    d.type = JK_DEST_HTTP_FORM;
    d.fields = fields;
    d.field_count = sizeof fields / sizeof fields[0];
    jk_report_org org = {.name = "巡回"};
    int64_t items[] = {5, 6};
    json_t *ctx = jk_submit_context(report(), &org, &d, items, 2);
    assert_non_null(ctx);
    assert_int_equal(json_array_size(json_object_get(json_object_get(ctx, "report"), "items")), 2);
    jk_buf body;
    jk_buf_init(&body, 0);
    const char *type;
    jk_error err;
    assert_int_equal(jk_submit_http_body(&d, ctx, &body, &type, &err), 0);
    assert_string_equal(type, "application/x-www-form-urlencoded");
    assert_string_equal(
        body.data, "url=https%3A%2F%2Fa.example%2F1%0Ahttps%3A%2F%2Fb.example%2F2%3Fx%3D1%26y%3D2"
                   "&hash=aa%0Abb"
                   "&t=%E9%80%9A%E5%A0%B1+%E2%80%94+%E3%83%86%E3%82%B9%E3%83%88+%2312"
                   "&each=1%2C2%2C"
                   "&who=%E5%B7%A1%E5%9B%9E%2Fform"
                   "&a+b=*-._%7E%21");
    jk_buf_release(&body);
    json_decref(ctx);
}

static void test_json_body(void **state)
{
    (void)state;
    jk_destination_field fields[] = {{"title", "{{report.title}}"}, {"key", "{{idempotency_key}}"}};
    jk_destination d = {0};
    d.name = "api";
    d.type = JK_DEST_HTTP_JSON;
    d.fields = fields;
    d.field_count = 2;
    json_t *ctx = jk_submit_context(report(), NULL, &d, NULL, 0);
    jk_buf body;
    jk_buf_init(&body, 0);
    const char *type;
    jk_error err;
    assert_int_equal(jk_submit_http_body(&d, ctx, &body, &type, &err), 0);
    assert_string_equal(type, "application/json");
    json_t *doc = json_loads(body.data, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "title")), "通報 — テスト");
    assert_string_equal(json_string_value(json_object_get(doc, "key")),
                        "junkai-report-12-0123456789abcdef0123456789abcdef");
    for (size_t i = 0; i < body.len; i++)
        assert_true((unsigned char)body.data[i] < 0x80); /* \u escapes: any receiver reads it */
    json_decref(doc);
    json_decref(ctx);

    /* no fields: the whole report */
    d.field_count = 0;
    ctx = jk_submit_context(report(), NULL, &d, NULL, 0);
    jk_buf_reset(&body);
    assert_int_equal(jk_submit_http_body(&d, ctx, &body, &type, &err), 0);
    doc = json_loads(body.data, 0, NULL);
    json_t *r = json_object_get(doc, "report");
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 12);
    assert_string_equal(json_string_value(json_object_get(r, "body")), "本文\n二行目");
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "fields"), "rows")), 2);
    json_decref(doc);
    json_decref(ctx);
    jk_buf_release(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_and_kinds),
        cmocka_unit_test(test_form_body),
        cmocka_unit_test(test_json_body),
    };
    return cmocka_run_group_tests_name("submit_body", tests, NULL, NULL);
}
