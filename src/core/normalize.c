/*
 * normalize.c — STUB (identity mapping) until the real normalizer lands.
 */
#include "junkai/normalize.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/limits.h"

struct jk_normalizer {
    unsigned flags;
};

int jk_normalizer_new(unsigned flags, jk_normalizer **out, jk_error *err)
{
    (void)err;
    *out = jk_calloc(1, sizeof **out);
    (*out)->flags = flags;
    return JK_OK;
}

void jk_normalizer_free(jk_normalizer *norm) { free(norm); }
unsigned jk_normalizer_flags(const jk_normalizer *norm) { return norm->flags; }

void jk_normalized_init(jk_normalized *res) { memset(res, 0, sizeof *res); }

void jk_normalized_release(jk_normalized *res)
{
    free(res->text);
    free(res->orig_start);
    free(res->orig_end);
    memset(res, 0, sizeof *res);
}

int jk_normalize(const jk_normalizer *norm, const char *in, size_t len,
                 jk_normalized *res, jk_error *err)
{
    (void)norm;
    if (len > JK_MAX_TEXT_BYTES)
        return jk_error_set(err, JK_ELIMIT, "text of %zu bytes exceeds the limit", len);
    if (len + 1 > res->text_cap) {
        res->text = jk_realloc(res->text, len + 1);
        res->text_cap = len + 1;
    }
    if (len + 1 > res->map_cap) {
        res->orig_start = jk_reallocarray(res->orig_start, len + 1, sizeof(uint32_t));
        res->orig_end = jk_reallocarray(res->orig_end, len + 1, sizeof(uint32_t));
        res->map_cap = len + 1;
    }
    memcpy(res->text, in, len);
    res->text[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        res->orig_start[i] = (uint32_t)i;
        res->orig_end[i] = (uint32_t)i + 1;
    }
    res->len = len;
    res->input_len = len;
    return JK_OK;
}

void jk_normalized_to_original(const jk_normalized *res, size_t nstart,
                               size_t nend, size_t *ostart, size_t *oend)
{
    *ostart = res->orig_start[nstart];
    *oend = res->orig_end[nend - 1];
}
