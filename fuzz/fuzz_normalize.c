/*
 * fuzz_normalize.c — libFuzzer target for the normalizer: arbitrary bytes
 * are normalized with every step on, and the invariants the scanner relies
 * on are checked (aborting on violation): valid UTF-8 out, offset map in
 * range and non-decreasing, text-only mode gives the same text, folding is
 * idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/normalize.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jk_normalizer *norm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_error err;
    if (!norm && jk_normalizer_new(JK_NORM_ALL, &norm, &err))
        abort();
    jk_normalized a, b;
    jk_normalized_init(&a);
    jk_normalized_init(&b);
    if (jk_normalize(norm, (const char *)data, size, &a, &err))
        abort();
    if (!jk_utf8_valid((const unsigned char *)a.text, a.len) || a.text[a.len] != '\0')
        abort();
    for (size_t i = 0; i < a.len; i++) {
        if (a.orig_start[i] >= a.orig_end[i] || a.orig_end[i] > size)
            abort();
        if (i && (a.orig_start[i] < a.orig_start[i - 1] || a.orig_end[i] < a.orig_end[i - 1]))
            abort();
    }
    if (jk_normalize_text(norm, (const char *)data, size, &b, &err) || b.len != a.len ||
        memcmp(a.text, b.text, a.len) != 0)
        abort();
    if (jk_normalize(norm, a.text, a.len, &b, &err) || b.len != a.len ||
        memcmp(a.text, b.text, a.len) != 0)
        abort(); /* not idempotent */
    jk_normalized_release(&a);
    jk_normalized_release(&b);
    return 0;
}
