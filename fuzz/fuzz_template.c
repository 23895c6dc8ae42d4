/*
 * fuzz_template.c — libFuzzer target for the report template language
 * (src/report/template.h), which admins edit by hand: arbitrary bytes as a
 * template rendered against a context shaped like a case's (lists of
 * objects, nested objects, numbers, booleans, nulls). A template that
 * fails must say why; the syntax check must agree with rendering; output
 * stays under its cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *context(void)
{
    static const char text[] =
        "{\"case\":{\"id\":7,\"title\":\"t\",\"category_label\":\"薬物\"},"
        "\"items\":[{\"number\":1,\"url\":\"https://a.example/1\",\"rules\":[{\"id\":\"r1\"}],"
        "\"evidence\":[{\"sha256\":\"ab\"},{\"sha256\":\"cd\"}]},"
        "{\"number\":2,\"url\":null,\"rules\":[],\"evidence\":[]}],"
        "\"organization\":{\"name\":\"n\",\"email\":\"\"},\"flag\":true,\"off\":false,"
        "\"ratio\":0.25,\"list\":[\"a\",\"b\",\"c\"]}";
    return json_loads(text, 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *ctx = context();
    if (!ctx)
        abort();
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err = {0}, check_err = {0};
    int rc = jk_template_render((const char *)data, size, "fuzz.txt", ctx, &out, &err);
    int check = jk_template_check((const char *)data, size, "fuzz.txt", &check_err);
    if (rc != JK_OK && rc != JK_EPARSE && rc != JK_ELIMIT)
        abort();
    if (rc && strncmp(err.message, "fuzz.txt", 8) != 0)
        abort(); /* every error names the template */
    /* the syntax check and rendering agree on what does not parse */
    if ((rc == JK_EPARSE) != (check == JK_EPARSE))
        abort();
    if (out.len > (16u << 20))
        abort();
    jk_buf_release(&out);
    json_decref(ctx);
    return 0;
}
