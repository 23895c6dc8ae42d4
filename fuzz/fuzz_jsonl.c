/*
 * fuzz_jsonl.c — libFuzzer target for the JSONL post reader: arbitrary bytes
 * are read as a stream of lines (with a small line limit so the over-long
 * line path is exercised), each line parsed as a post, and each post
 * written back as a JSONL result line whose validity is checked.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "junkai/error.h"
#include "input.h"
#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    jk_line_reader reader;
    jk_line_reader_init(&reader, fp, 4096);
    jk_buf msg, out;
    jk_buf_init(&msg, 0);
    jk_buf_init(&out, 0);
    const char *line;
    size_t len;
    int rc;
    while ((rc = jk_line_reader_next(&reader, &line, &len)) != 0) {
        if (rc < 0 && rc != JK_ELIMIT)
            break;
        if (rc < 0)
            continue;
        if (len > 4096)
            abort(); /* the limit must hold */
        jk_jsonl_item item;
        jk_buf_reset(&msg);
        if (jk_jsonl_parse(line, len, &item, &msg) != 0) {
            if (msg.len == 0)
                abort(); /* every rejection explains itself */
            continue;
        }
        jk_filtered_hits none;
        memset(&none, 0, sizeof none);
        /* the indicators a scan prints with the item, grouped and escaped */
        jk_indicator_list found;
        jk_indicator_list_init(&found);
        jk_error ignored;
        jk_indicators_extract(item.text, item.text_len, &found, &ignored);
        jk_item_ref ref = {"fuzz", reader.line_no, item.text, item.text_len, item.object, &found};
        jk_buf_reset(&out);
        jk_output_jsonl(&out, &ref, &none);
        jk_indicator_list_release(&found);
        json_error_t jerr;
        json_t *back = json_loadb(out.data, out.len, JSON_ALLOW_NUL, &jerr);
        if (!back)
            abort(); /* our output must always be valid JSON */
        json_decref(back);
        json_decref(item.object);
    }
    jk_buf_release(&msg);
    jk_buf_release(&out);
    jk_line_reader_release(&reader);
    fclose(fp);
    return 0;
}
