/*
 * fuzz_submit.c — libFuzzer target for what a submission sends out: the
 * bytes up to the first NUL are a report's stored field list (its cells come
 * from posted text), the rest its title and text. The template context must
 * build, the form body must hold only form-encoded bytes, and the e-mail's
 * header block must hold no bare CR or LF (no header injection through a
 * title) and no line over 998 bytes (RFC 5322 §2.1.1).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "submit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t flen = nul ? (size_t)(nul - data) : size;
    char *fields = strndup((const char *)data, flen);
    size_t tlen = nul ? size - flen - 1 : 0;
    char *text = malloc(tlen + 1);
    if (!fields || !text)
        abort();
    if (tlen)
        memcpy(text, nul + 1, tlen);
    text[tlen] = '\0';

    jk_report_row r;
    memset(&r, 0, sizeof r);
    r.id = 7;
    r.kind = "ihc";
    r.title = text; /* up to its first NUL */
    r.body = text;
    r.body_len = tlen;
    r.fields_json = fields;
    r.body_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    jk_destination_field map[] = {{"u", "{{field.URL}}"},
                                  {"rows", "{{#rows}}{{URL}}|{{/rows}}"},
                                  {"t", "{{report.title}}"}};
    jk_destination d;
    memset(&d, 0, sizeof d);
    d.name = "fuzz";
    d.type = JK_DEST_HTTP_FORM;
    d.fields = map;
    d.field_count = 3;
    json_t *ctx = jk_submit_context(&r, NULL, &d, NULL, 0);
    if (!ctx)
        abort();
    jk_buf body;
    jk_buf_init(&body, 0);
    const char *type;
    jk_error err;
    if (jk_submit_http_body(&d, ctx, &body, &type, &err) == JK_OK)
        for (size_t i = 0; i < body.len; i++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._%+=&",
                        body.data[i]))
                abort();
    jk_buf_release(&body);
    json_decref(ctx);

    const char *to[] = {"a@example.jp"};
    jk_mail m;
    memset(&m, 0, sizeof m);
    m.from = "patrol@example.jp";
    m.from_name = text;
    m.to = to;
    m.to_count = 1;
    m.subject = text;
    m.body = text;
    m.body_len = tlen;
    m.message_id = "x@example.jp";
    jk_buf msg;
    jk_buf_init(&msg, 0);
    if (jk_mail_build(&m, &msg, &err) == JK_OK) {
        size_t line = 0;
        for (size_t i = 0; i < msg.len; i++) {
            char c = msg.data[i];
            if (c == '\r' && (i + 1 >= msg.len || msg.data[i + 1] != '\n'))
                abort();
            if (c == '\n' && (i == 0 || msg.data[i - 1] != '\r'))
                abort();
            line = c == '\n' ? 0 : line + 1;
            if (line > 998)
                abort();
        }
    }
    jk_buf_release(&msg);
    free(fields);
    free(text);
    return 0;
}
