/*
 * fuzz_csv.c — libFuzzer target for CSV post import: arbitrary bytes as a
 * CSV stream; every post handed over must have an id and a text whose
 * length is right, and a failure must explain itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_posts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_post(void *ctx, jk_item_in *item, unsigned long record)
{
    (void)ctx;
    if (!item->external_id || !item->external_id[0] || !item->text || record < 2)
        abort();
    if (strlen(item->text) > item->text_len)
        abort(); /* the length covers at least the C string */
    return 0;
}

static void on_bad(void *ctx, unsigned long record, const char *why)
{
    (void)ctx;
    if (record < 2 || !why || !why[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    jk_error err;
    err.message[0] = '\0';
    if (jk_csv_posts(fp, check_post, on_bad, NULL, &err) != 0 && !err.message[0])
        abort();
    fclose(fp);
    return 0;
}
