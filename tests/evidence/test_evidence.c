/*
 * test_evidence.c — evidence files (src/evidence/evidence.h): the WARC of
 * one exchange read back record by record, content-addressed storage
 * (name = SHA-256, read-only, never rewritten), and the sink recording
 * rows in a real store, honouring a source's --no-evidence switch.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "evidence.h"
#include "warc.h"

static char dir[64];

static const char req_headers[] = "GET /feed HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                                  "Authorization: [redacted]\r\n\r\n";
static const char resp_headers[] = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                   "Content-Length: 6\r\n\r\n";
static const char raw_body[] = "\x1f\x8b\x08\x00\x00\x01";

static jk_http_exchange exchange(void)
{
    jk_http_exchange x;
    memset(&x, 0, sizeof x);
    x.url = "http://127.0.0.1:8080/feed";
    x.method = "GET";
    x.request_headers = req_headers;
    x.request_headers_len = sizeof req_headers - 1;
    x.response_headers = resp_headers;
    x.response_headers_len = sizeof resp_headers - 1;
    x.raw_body = raw_body;
    x.raw_body_len = 6;
    x.status = 200;
    x.remote_ip = "127.0.0.1";
    x.fetched_unix_ms = 1714826400000LL;
    return x;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/jk_evidence_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+w %s && rm -rf %s", dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_warc_of_one_exchange(void **state)
{
    (void)state;
    jk_http_exchange x = exchange();
    x.truncated = true;
    jk_evidence_meta meta = {7, 3, "news", "ops@example.org"};
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err;
    assert_int_equal(jk_evidence_warc(&meta, &x, &out, &err), JK_OK);
    jk_warc_reader *r;
    assert_int_equal(jk_warc_reader_open_mem(out.data, out.len, "x", 0, &r, &err), JK_OK);
    jk_warc_record rec;
    jk_warc_record_init(&rec);
    const char *types[] = {"warcinfo", "request", "response", "metadata"};
    char response_id[64] = "", info_id[64] = "";
    for (int i = 0; i < 4; i++) {
        assert_int_equal(jk_warc_next(r, &rec, &err), JK_OK);
        assert_string_equal(rec.version, "WARC/1.1");
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Type"), types[i]);
        assert_int_equal(rec.block_digest, JK_WARC_DIGEST_OK);
        assert_string_equal(jk_warc_field_get(&rec, "WARC-Date"), "2024-05-04T12:40:00.000Z");
        if (i == 0) {
            snprintf(info_id, sizeof info_id, "%s", jk_warc_field_get(&rec, "WARC-Record-ID"));
            assert_non_null(strstr((const char *)rec.block, "software: junkai/"));
            assert_non_null(strstr((const char *)rec.block, "operator: ops@example.org\r\n"));
        } else {
            assert_string_equal(jk_warc_field_get(&rec, "WARC-Warcinfo-ID"), info_id);
            assert_string_equal(jk_warc_field_get(&rec, "WARC-Target-URI"), x.url);
        }
        if (i == 1) {
            assert_int_equal(rec.block_len, sizeof req_headers - 1);
            assert_memory_equal(rec.block, req_headers, rec.block_len);
            assert_string_equal(jk_warc_field_get(&rec, "Content-Type"),
                                "application/http;msgtype=request");
            assert_string_equal(jk_warc_field_get(&rec, "WARC-IP-Address"), "127.0.0.1");
        }
        if (i == 2) {
            snprintf(response_id, sizeof response_id, "%s",
                     jk_warc_field_get(&rec, "WARC-Record-ID"));
            assert_int_equal(rec.block_len, sizeof resp_headers - 1 + 6);
            assert_memory_equal(rec.block, resp_headers, sizeof resp_headers - 1);
            assert_memory_equal(rec.block + rec.payload_offset, raw_body, 6);
            assert_int_equal(rec.payload_digest, JK_WARC_DIGEST_OK);
            assert_string_equal(jk_warc_field_get(&rec, "WARC-Truncated"), "length");
        }
        if (i == 3) {
            char fields[512];
            snprintf(fields, sizeof fields, "%.*s", (int)rec.block_len, rec.block);
            assert_non_null(strstr(fields, "patrol-run: 7\r\n"));
            assert_non_null(strstr(fields, "source: news\r\n"));
            assert_non_null(strstr(fields, "operator: ops@example.org\r\n"));
            assert_non_null(strstr(fields, "remote-ip: 127.0.0.1\r\n"));
            assert_non_null(strstr(fields, "truncated: true\r\n"));
            assert_non_null(strstr(fields, "fetch-time: 2024-05-04T12:40:00.000Z\r\n"));
            assert_string_equal(jk_warc_field_get(&rec, "WARC-Concurrent-To"), response_id);
        }
    }
    assert_int_equal(jk_warc_next(r, &rec, &err), JK_ENOTFOUND);
    jk_warc_record_release(&rec);
    jk_warc_reader_free(r);
    jk_buf_release(&out);
}

static void test_content_addressed_file(void **state)
{
    (void)state;
    char evdir[128], sha[65], sha2[65], full[512];
    snprintf(evdir, sizeof evdir, "%s/evidence", dir);
    char *rel = NULL, *rel2 = NULL;
    jk_error err;
    assert_int_equal(jk_evidence_store_file(evdir, "same bytes", 10, sha, &rel, &err), JK_OK);
    unsigned char d[32];
    char hex[65];
    crypto_hash_sha256(d, (const unsigned char *)"same bytes", 10);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    assert_string_equal(sha, hex);
    char want[256];
    snprintf(want, sizeof want, "sha256/%.2s/%.2s/%s.warc.gz", hex, hex + 2, hex);
    assert_string_equal(rel, want);
    snprintf(full, sizeof full, "%s/%s", evdir, rel);
    struct stat st, st2;
    assert_int_equal(stat(full, &st), 0);
    assert_int_equal(st.st_size, 10);
    assert_int_equal(st.st_mode & 0222, 0); /* read-only */
    /* the same bytes again: the existing file is kept, not rewritten */
    assert_int_equal(jk_evidence_store_file(evdir, "same bytes", 10, sha2, &rel2, &err), JK_OK);
    assert_string_equal(rel2, rel);
    assert_int_equal(stat(full, &st2), 0);
    assert_int_equal(st2.st_ino, st.st_ino);
    /* nothing left behind in tmp */
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/tmp", evdir);
    assert_int_equal(rmdir(tmp), 0);
    free(rel);
    free(rel2);
}

static int count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_sink_records_rows(void **state)
{
    (void)state;
    char dbpath[128];
    snprintf(dbpath, sizeof dbpath, "%s/junkai.db", dir);
    jk_store *store;
    jk_error err;
    assert_int_equal(jk_store_open(dbpath, &store, &err), JK_OK);
    jk_source src = {0};
    src.kind = "feed";
    src.name = "news";
    src.target = "http://127.0.0.1:8080/feed";
    int64_t sid, quiet, run;
    assert_int_equal(jk_store_source_add(store, &src, &sid, &err), JK_OK);
    src.name = "quiet";
    assert_int_equal(jk_store_source_add(store, &src, &quiet, &err), JK_OK);
    assert_int_equal(jk_store_source_set_evidence(store, quiet, false, &err), JK_OK);
    assert_int_equal(jk_store_source_set_evidence(store, 999, false, &err), JK_ENOTFOUND);
    bool keep = false;
    assert_int_equal(jk_store_source_evidence(store, sid, &keep, &err), JK_OK);
    assert_true(keep); /* the default */
    assert_int_equal(jk_store_source_evidence(store, quiet, &keep, &err), JK_OK);
    assert_false(keep);
    assert_int_equal(jk_store_run_start(store, "patrol", &run, &err), JK_OK);

    jk_evidence_sink *sink = jk_evidence_sink_new(dir, store, "ops@example.org", NULL, NULL);
    assert_non_null(sink);
    jk_http_exchange x = exchange();
    jk_evidence_sink_source(sink, run, quiet, "quiet", false);
    jk_evidence_on_exchange(sink, &x);
    size_t n;
    jk_evidence_sink_pending(sink, &n);
    assert_int_equal(n, 0);
    jk_evidence_sink_source(sink, run, sid, "news", true);
    jk_evidence_on_exchange(sink, &x);
    jk_evidence_on_exchange(sink, &x);
    const int64_t *ids = jk_evidence_sink_pending(sink, &n);
    assert_int_equal(n, 2);
    assert_true(ids[0] != ids[1]); /* fresh record ids: two different files */
    assert_int_equal(jk_evidence_sink_written(sink), 2);
    assert_int_equal(jk_evidence_sink_errors(sink), 0);

    jk_item_in item = {0};
    item.platform = "feed";
    item.external_id = "n1";
    item.text = "text";
    item.text_len = 4;
    int64_t item_id;
    bool is_new;
    assert_int_equal(jk_store_add_item(store, &item, &item_id, &is_new, &err), JK_OK);
    assert_int_equal(jk_store_item_evidence(store, item_id, ids[0], &err), JK_OK);
    assert_int_equal(jk_store_item_evidence(store, item_id, ids[0], &err), JK_OK); /* repeat */
    jk_evidence_sink_clear(sink);
    jk_evidence_sink_pending(sink, &n);
    assert_int_equal(n, 0);
    jk_evidence_sink_free(sink);
    jk_store_close(store);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM evidence WHERE source_id = %lld AND run_id = %lld"
             " AND kind = 'http' AND url = 'http://127.0.0.1:8080/feed' AND size > 0"
             " AND path = 'evidence/sha256/' || substr(sha256,1,2) || '/' || substr(sha256,3,2)"
             " || '/' || sha256 || '.warc.gz'",
             (long long)sid, (long long)run);
    assert_int_equal(count(db, sql), 2);
    assert_int_equal(count(db, "SELECT count(*) FROM evidence"), 2);
    assert_int_equal(count(db, "SELECT count(*) FROM item_evidence"), 1);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT path, sha256, size FROM evidence", -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char full[512];
        snprintf(full, sizeof full, "%s/%s", dir, (const char *)sqlite3_column_text(st, 0));
        jk_warc_reader *r;
        assert_int_equal(jk_warc_reader_open_file(full, 0, &r, &err), JK_OK);
        jk_warc_record rec;
        jk_warc_record_init(&rec);
        int records = 0;
        while (jk_warc_next(r, &rec, &err) == JK_OK)
            records++;
        assert_int_equal(records, 4);
        jk_warc_record_release(&rec);
        jk_warc_reader_free(r);
        struct stat sb;
        assert_int_equal(stat(full, &sb), 0);
        assert_int_equal(sb.st_size, sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warc_of_one_exchange),
        cmocka_unit_test_setup_teardown(test_content_addressed_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_records_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
