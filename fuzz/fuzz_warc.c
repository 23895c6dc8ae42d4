/*
 * fuzz_warc.c — the WARC reader (src/evidence/warc_read.c) on any bytes,
 * plain or gzip, and the writer's round trip.
 *
 * Invariants: every record the reader returns lies inside what it read,
 * its payload offset inside its block, and a record junkai writes (with
 * the input as its block, as an HTTP message) reads back as the same bytes
 * with both digests matching.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(const void *data, size_t size)
{
    jk_warc_reader *r;
    jk_error err;
    if (jk_warc_reader_open_mem(data, size, "fuzz", 4u << 20, &r, &err) != JK_OK)
        return;
    jk_warc_record rec;
    jk_warc_record_init(&rec);
    int rc, n = 0;
    while ((rc = jk_warc_next(r, &rec, &err)) == JK_OK && n++ < 10000) {
        if (rec.payload_offset > rec.block_len || !rec.version)
            abort();
        for (size_t i = 0; i < rec.field_count; i++)
            if (!rec.fields[i].name || !rec.fields[i].value)
                abort();
        if (rec.block_len) {
            volatile unsigned char sum = 0;
            sum ^= rec.block[0];
            sum ^= rec.block[rec.block_len - 1];
            (void)sum;
        }
    }
    if (rc != JK_OK && rc != JK_ENOTFOUND && rc != JK_EPARSE)
        abort();
    jk_warc_record_release(&rec);
    jk_warc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_all(data, size);

    jk_buf plain;
    jk_buf_init(&plain, 0);
    (void)jk_warc_dechunk(data, size, &plain);
    jk_buf_release(&plain);

    for (int gz = 0; gz < 2; gz++) {
        jk_buf out;
        jk_buf_init(&out, 0);
        jk_error err;
        jk_warc_out rec = {.type = "response", .record_id = "<urn:uuid:0>", .date = "2024-01-01T00:00:00Z",
                           .content_type = "application/http;msgtype=response",
                           .block = data, .block_len = size, .http = true};
        if (jk_warc_append(&out, &rec, gz, &err) != JK_OK)
            abort();
        jk_warc_reader *r;
        if (jk_warc_reader_open_mem(out.data, out.len, "rt", 0, &r, &err) != JK_OK)
            abort();
        jk_warc_record got;
        jk_warc_record_init(&got);
        if (jk_warc_next(r, &got, &err) != JK_OK || got.block_len != size ||
            (size && memcmp(got.block, data, size) != 0) ||
            got.block_digest != JK_WARC_DIGEST_OK || got.payload_digest != JK_WARC_DIGEST_OK ||
            jk_warc_next(r, &got, &err) != JK_ENOTFOUND)
            abort();
        jk_warc_record_release(&got);
        jk_warc_reader_free(r);
        jk_buf_release(&out);
    }
    return 0;
}
