/*
 * fuzz_extract.c — libFuzzer target for indicator extraction: arbitrary
 * bytes as a post. Invariants: spans lie inside the text, are ordered and
 * non-empty; every value is non-empty; every type has a name; defanging a
 * value and extracting from the defanged form never crashes; refang works
 * on the same input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    jk_error err;
    int rc = jk_indicators_extract(text, size, &l, &err);
    if (rc != JK_OK && rc != JK_ELIMIT)
        abort();
    jk_buf b;
    jk_buf_init(&b, 0);
    for (size_t i = 0; i < l.count; i++) {
        const jk_indicator *it = &l.items[i];
        if (it->start >= it->end || it->end > size || !it->value || !it->value[0])
            abort();
        if (i && l.items[i - 1].start > it->start)
            abort();
        if (!jk_indicator_type_name(it->type))
            abort();
        if (jk_indicator_defang(it->type, it->value, strlen(it->value), &b) != JK_OK)
            abort();
        if (i < 4) {
            jk_indicator_list again;
            jk_indicator_list_init(&again);
            (void)jk_indicators_extract(b.data, b.len, &again, &err);
            jk_indicator_list_release(&again);
        }
    }
    if (jk_indicators_refang(text, size, &b) != JK_OK)
        abort();
    jk_buf_release(&b);
    jk_indicator_list_release(&l);
    return 0;
}
