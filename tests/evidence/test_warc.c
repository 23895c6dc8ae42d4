/*
 * test_warc.c — the WARC writer and reader (src/evidence/warc.h): records
 * written and read back byte for byte, digests against values computed
 * here, gzip members independent of each other, and the sample WARCs of
 * warcio and jwarc (../shared/fixtures) read with the counts, types and
 * digest verdicts their SOURCE.md and .test files give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zlib.h>

#include "warc.h"

static const char response_block[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "hello world";

static void sha256_label(const void *data, size_t len, char out[72])
{
    unsigned char d[32];
    crypto_hash_sha256(d, data, len);
    strcpy(out, "sha256:");
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

static void write_pair(jk_buf *out, bool gzip)
{
    char id1[48], id2[48], date[32];
    jk_warc_new_record_id(id1);
    jk_warc_new_record_id(id2);
    jk_warc_date(1714826400123LL, date);
    jk_error err;
    jk_warc_out rec;
    memset(&rec, 0, sizeof rec);
    rec.type = "response";
    rec.record_id = id1;
    rec.date = date;
    rec.target_uri = "http://example.org/a";
    rec.ip_address = "192.0.2.1";
    rec.content_type = "application/http;msgtype=response";
    rec.block = response_block;
    rec.block_len = sizeof response_block - 1;
    rec.http = true;
    assert_int_equal(jk_warc_append(out, &rec, gzip, &err), JK_OK);
    static const char req[] = "GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n";
    memset(&rec, 0, sizeof rec);
    rec.type = "request";
    rec.record_id = id2;
    rec.date = date;
    rec.target_uri = "http://example.org/a";
    rec.concurrent_to = id1;
    rec.content_type = "application/http;msgtype=request";
    rec.block = req;
    rec.block_len = sizeof req - 1;
    rec.http = true;
    assert_int_equal(jk_warc_append(out, &rec, gzip, &err), JK_OK);
}

static void test_date_and_id(void **state)
{
    (void)state;
    char date[32], id[48], id2[48];
    jk_warc_date(1714826400123LL, date);
    assert_string_equal(date, "2024-05-04T12:40:00.123Z");
    jk_warc_new_record_id(id);
    jk_warc_new_record_id(id2);
    assert_int_equal(strlen(id), 47);
    assert_memory_equal(id, "<urn:uuid:", 10);
    assert_int_equal(id[10 + 14], '4'); /* version 4 */
    assert_string_not_equal(id, id2);
}

static void test_roundtrip_plain_and_gzip(void **state)
{
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        jk_buf out;
        jk_buf_init(&out, 0);
        write_pair(&out, gz);
        if (gz)
            assert_int_equal((unsigned char)out.data[0], 0x1f);
        else
            assert_memory_equal(out.data, "WARC/1.1\r\n", 10);
        jk_warc_reader *r;
        jk_error err;
        assert_int_equal(jk_warc_reader_open_mem(out.data, out.len, "t", 0, &r, &err), JK_OK);
        jk_warc_record rec;
        jk_warc_record_init(&rec);
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_OK);
        assert_string_equal(rec.version, "WARC/1.1");
        assert_string_equal(jk_warc_field_get(&rec, "warc-type"), "response");
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Date"), "2024-05-04T12:40:00.123Z");
        assert_string_equal(jk_warc_field_get(&rec, "WARC-IP-Address"), "192.0.2.1");
        assert_int_equal(rec.block_len, sizeof response_block - 1);
        assert_memory_equal(rec.block, response_block, rec.block_len);
        assert_int_equal(rec.block_digest, JK_WARC_DIGEST_OK);
        assert_int_equal(rec.payload_digest, JK_WARC_DIGEST_OK);
        assert_memory_equal(rec.block + rec.payload_offset, "hello world", 11);
        char want[72];
        sha256_label(response_block, sizeof response_block - 1, want);
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Block-Digest"), want);
        sha256_label("hello world", 11, want);
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Payload-Digest"), want);
        char *response_id = strdup(jk_warc_field_get(&rec, "WARC-Record-ID"));
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_OK);
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Type"), "request");
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Concurrent-To"), response_id);
        /* a request without a body has the empty payload */
        sha256_label("", 0, want);
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Payload-Digest"), want);
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_ENOTFOUND);
        free(response_id);
        jk_warc_record_release(&rec);
        jk_warc_reader_free(r);
        jk_buf_release(&out);
    }
}

/* Every gzip member inflates on its own, from its own offset, to exactly
 * one whole record. */
static void test_gzip_members_independent(void **state)
{
    (void)state;
    jk_buf out;
    jk_buf_init(&out, 0);
    write_pair(&out, true);
    size_t pos = 0;
    int members = 0;
    while (pos < out.len) {
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(inflateInit2(&z, 31), Z_OK);
        unsigned char plain[4096];
        z.next_in = (unsigned char *)out.data + pos;
        z.avail_in = (uInt)(out.len - pos);
        z.next_out = plain;
        z.avail_out = sizeof plain;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        size_t n = sizeof plain - z.avail_out;
        pos += (size_t)(z.next_in - ((unsigned char *)out.data + pos));
        inflateEnd(&z);
        jk_warc_reader *r;
        jk_error err;
        assert_int_equal(jk_warc_reader_open_mem(plain, n, "member", 0, &r, &err), JK_OK);
        jk_warc_record rec;
        jk_warc_record_init(&rec);
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_OK);
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_ENOTFOUND);
        assert_memory_equal(plain + n - 4, "\r\n\r\n", 4);
        jk_warc_reader_free(r);
        members++;
    }
    assert_int_equal(members, 2);
    jk_buf_release(&out);
}

static void test_chunked_payload_digest(void **state)
{
    (void)state;
    static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n";
    char id[48], date[32], want[72];
    jk_warc_new_record_id(id);
    jk_warc_date(0, date);
    jk_warc_out rec = {.type = "response", .record_id = id, .date = date,
                       .content_type = "application/http;msgtype=response",
                       .block = chunked, .block_len = sizeof chunked - 1, .http = true};
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err;
    assert_int_equal(jk_warc_append(&out, &rec, false, &err), JK_OK);
    sha256_label("Wikipedia", 9, want);
    assert_non_null(strstr(out.data, want));
    jk_warc_reader *r;
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len, "c", 0, &r, &err), JK_OK);
    jk_warc_record got;
    jk_warc_record_init(&got);
    assert_int_equal(jk_warc_next(r, &got, &err), JK_OK);
    assert_int_equal(got.payload_digest, JK_WARC_DIGEST_OK);
    assert_int_equal(got.block_digest, JK_WARC_DIGEST_OK);
    jk_warc_record_release(&got);
    jk_warc_reader_free(r);
    jk_buf_release(&out);

    jk_buf plain;
    jk_buf_init(&plain, 0);
    assert_int_equal(jk_warc_dechunk("5\r\nabc", 6, &plain), JK_EPARSE);
    jk_buf_release(&plain);
}

static void test_tampered_block_is_caught(void **state)
{
    (void)state;
    jk_buf out;
    jk_buf_init(&out, 0);
    write_pair(&out, false);
    char *w = strstr(out.data, "hello world");
    assert_non_null(w);
    w[0] = 'j';
    jk_warc_reader *r;
    jk_error err;
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len, "t", 0, &r, &err), JK_OK);
    jk_warc_record rec;
    jk_warc_record_init(&rec);
    assert_int_equal(jk_warc_next(r, &rec, &err), JK_OK);
    assert_int_equal(rec.block_digest, JK_WARC_DIGEST_BAD);
    assert_int_equal(rec.payload_digest, JK_WARC_DIGEST_BAD);
    jk_warc_record_release(&rec);
    jk_warc_reader_free(r);
    /* cut short: Content-Length beyond the end */
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len / 3, "t", 0, &r, &err), JK_OK);
    assert_int_equal(jk_warc_next(r, &rec, &err), JK_EPARSE);
    assert_non_null(strstr(err.message, "offset 0"));
    jk_warc_reader_free(r);
    jk_buf_release(&out);
}

static void test_refuses_line_breaks_in_fields(void **state)
{
    (void)state;
    char id[48], date[32];
    jk_warc_new_record_id(id);
    jk_warc_date(0, date);
    jk_warc_out rec = {.type = "request", .record_id = id, .date = date,
                       .target_uri = "http://x/\r\nWARC-Type: forged"};
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err;
    assert_int_equal(jk_warc_append(&out, &rec, true, &err), JK_EINVAL);
    assert_int_equal(out.len, 0);
    jk_buf_release(&out);
}

static void test_digest_labels(void **state)
{
    (void)state;
    /* FIPS 180 test vector: SHA-1("abc") */
    assert_int_equal(jk_warc_digest_check("sha1:a9993e364706816aba3e25717850c26c9cd0d89d", "abc", 3),
                     JK_WARC_DIGEST_OK);
    assert_int_equal(jk_warc_digest_check("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", "abc", 3),
                     JK_WARC_DIGEST_OK);
    assert_int_equal(jk_warc_digest_check("sha1:qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", "abc", 3),
                     JK_WARC_DIGEST_OK);
    assert_int_equal(jk_warc_digest_check("SHA-1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", "abd", 3),
                     JK_WARC_DIGEST_BAD);
    assert_int_equal(
        jk_warc_digest_check(
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc", 3),
        JK_WARC_DIGEST_OK);
    assert_int_equal(jk_warc_digest_check("sha1:not-a-digest", "abc", 3), JK_WARC_DIGEST_BAD);
    assert_int_equal(jk_warc_digest_check("md5:kAFQmDzST7DWlj99KOF/cg==", "abc", 3),
                     JK_WARC_DIGEST_UNCHECKED);
    assert_int_equal(jk_warc_digest_check(NULL, "abc", 3), JK_WARC_DIGEST_ABSENT);
    /* SHA-1 across the padding boundary lengths */
    static const char *const vec[][2] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    };
    for (size_t i = 0; i < 2; i++) {
        char label[64];
        snprintf(label, sizeof label, "sha1:%s", vec[i][1]);
        assert_int_equal(jk_warc_digest_check(label, vec[i][0], strlen(vec[i][0])),
                         JK_WARC_DIGEST_OK);
    }
}

/* ---- the fixtures ---- */

typedef struct summary {
    char types[256]; /* "warcinfo,response,…" */
    int count;
    int end_rc; /* JK_ENOTFOUND when the file read to its end */
    int block[32], payload[32];
} summary;

static void read_fixture(const char *rel, summary *s)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", JK_SHARED_FIXTURES, rel);
    memset(s, 0, sizeof *s);
    jk_warc_reader *r;
    jk_error err;
    assert_int_equal(jk_warc_reader_open_file(path, 0, &r, &err), JK_OK);
    jk_warc_record rec;
    jk_warc_record_init(&rec);
    int rc;
    while ((rc = jk_warc_next(r, &rec, &err)) == JK_OK) {
        const char *t = jk_warc_field_get(&rec, "WARC-Type");
        if (s->count)
            strcat(s->types, ",");
        strncat(s->types, t ? t : "?", sizeof s->types - strlen(s->types) - 1);
        if (s->count < 32) {
            s->block[s->count] = rec.block_digest;
            s->payload[s->count] = rec.payload_digest;
        }
        s->count++;
    }
    s->end_rc = rc;
    jk_warc_record_release(&rec);
    jk_warc_reader_free(r);
}

static void test_fixtures_warcio(void **state)
{
    (void)state;
    summary s;
    read_fixture("warc-warcio/data/example.warc.gz", &s);
    assert_string_equal(s.types, "warcinfo,warcinfo,response,request,revisit,request");
    assert_int_equal(s.end_rc, JK_ENOTFOUND);
    assert_int_equal(s.payload[4], JK_WARC_DIGEST_UNCHECKED); /* revisit */
    read_fixture("warc-warcio/data/example.warc", &s);
    assert_string_equal(s.types, "warcinfo,warcinfo,response,request,revisit,request");
    assert_int_equal(s.block[2], JK_WARC_DIGEST_OK);
    assert_int_equal(s.payload[2], JK_WARC_DIGEST_OK);
    /* example-digest-bad.warc.test: the first record's payload digest
     * fails, the others pass (one of them written in base64) */
    read_fixture("warc-warcio/data/example-digest-bad.warc", &s);
    assert_int_equal(s.count, 4);
    assert_int_equal(s.payload[0], JK_WARC_DIGEST_BAD);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s.block[i], JK_WARC_DIGEST_OK);
    for (int i = 1; i < 4; i++)
        assert_int_equal(s.payload[i], JK_WARC_DIGEST_OK);
    /* hex sha1 over a chunked response */
    read_fixture("warc-warcio/data/example-iana.org-chunked.warc", &s);
    assert_string_equal(s.types, "warcinfo,response,request");
    assert_int_equal(s.block[1], JK_WARC_DIGEST_OK);
    assert_int_equal(s.payload[1], JK_WARC_DIGEST_OK);
    read_fixture("warc-warcio/data/example-resource.warc.gz", &s);
    assert_string_equal(s.types, "warcinfo,warcinfo,resource");
    read_fixture("warc-warcio/data/post-test.warc.gz", &s);
    assert_string_equal(s.types, "response,request,response,request,response,request");
    for (int i = 0; i < 6; i++)
        assert_int_equal(s.block[i], JK_WARC_DIGEST_OK);
    read_fixture("warc-warcio/data/example-wget-bad-target-uri.warc.gz", &s);
    assert_string_equal(s.types, "warcinfo,request,response,metadata,resource,resource");
    /* broken on purpose: digests that do not match, a record cut short */
    read_fixture("warc-warcio/data/example-wrong-chunks.warc.gz", &s);
    assert_int_equal(s.block[0], JK_WARC_DIGEST_BAD);
    read_fixture("warc-warcio/data/example-trunc.warc", &s);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.end_rc, JK_EPARSE);
    read_fixture("warc-warcio/data/standard-torture-validate-record.warc", &s);
    assert_int_equal(s.count, 17);
    /* ARC is not WARC: refused at the first record, no crash */
    read_fixture("warc-warcio/data/example.arc.gz", &s);
    assert_int_equal(s.count, 0);
    assert_int_equal(s.end_rc, JK_EPARSE);
    /* the rest: read without a crash to their end or an error */
    static const char *const rest[] = {
        "example-bad-non-chunked.warc.gz", "example-bad.warc.gz.bad",
        "example-space-in-target-uri.warc.gz", "example.arc", "bad.arc",
        "example-space-in-url.arc", "standard-torture-validate-field.warc",
        "example-digest.warc"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "warc-warcio/data/%s", rest[i]);
        read_fixture(rel, &s);
        assert_true(s.end_rc == JK_ENOTFOUND || s.end_rc == JK_EPARSE);
    }
}

static void test_fixtures_jwarc(void **state)
{
    (void)state;
    summary s;
    read_fixture("warc-jwarc/cc.warc.gz", &s);
    assert_string_equal(s.types, "response");
    assert_int_equal(s.block[0], JK_WARC_DIGEST_OK);
    assert_int_equal(s.payload[0], JK_WARC_DIGEST_OK);
    /* a gzip member with an FEXTRA "sl" subfield */
    read_fixture("warc-jwarc/gzip_extra_sl.warc.gz", &s);
    assert_string_equal(s.types, "warcinfo");
    assert_int_equal(s.block[0], JK_WARC_DIGEST_OK);
    assert_int_equal(s.end_rc, JK_ENOTFOUND);
}

static void test_gzip_limits(void **state)
{
    (void)state;
    jk_buf out;
    jk_buf_init(&out, 0);
    write_pair(&out, true);
    jk_warc_reader *r;
    jk_error err;
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len, "t", 100, &r, &err), JK_ELIMIT);
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len - 5, "t", 0, &r, &err), JK_EPARSE);
    jk_buf_release(&out);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_and_id),
        cmocka_unit_test(test_roundtrip_plain_and_gzip),
        cmocka_unit_test(test_gzip_members_independent),
        cmocka_unit_test(test_chunked_payload_digest),
        cmocka_unit_test(test_tampered_block_is_caught),
        cmocka_unit_test(test_refuses_line_breaks_in_fields),
        cmocka_unit_test(test_digest_labels),
        cmocka_unit_test(test_fixtures_warcio),
        cmocka_unit_test(test_fixtures_jwarc),
        cmocka_unit_test(test_gzip_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
