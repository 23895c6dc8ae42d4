/*
 * test_audit_head.c — DATA/audit.head: written after appends, only moved
 * forward, never past an entry that no longer matches it, read back or
 * refused when damaged; the evidence rows listing verify walks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_head.h"
#include "junkai/store.h"

static char dir[64];
static char db[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/junkai-test-head-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/junkai.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void sql(const char *text)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
    sqlite3_close(h);
}

static void append_sync(jk_store *st, const char *action)
{
    jk_error err;
    assert_int_equal(jk_store_begin(st, &err), 0);
    assert_int_equal(jk_store_audit_append(st, "t", action, "", "", &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
    assert_int_equal(jk_audit_head_sync(st, dir, &err), 0);
}

static void head_is(int64_t want_id, const char *want_hash)
{
    int64_t id;
    char hash[65];
    jk_error err;
    assert_int_equal(jk_audit_head_read(dir, &id, hash, &err), 0);
    assert_int_equal(id, want_id);
    if (want_hash)
        assert_string_equal(hash, want_hash);
}

static void test_head_follows_and_holds(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), 0);
    int64_t id;
    char hash[65];
    assert_int_equal(jk_audit_head_read(dir, &id, hash, &err), JK_ENOTFOUND);
    /* an empty log writes no head */
    assert_int_equal(jk_audit_head_sync(st, dir, &err), 0);
    assert_int_equal(jk_audit_head_read(dir, &id, hash, &err), JK_ENOTFOUND);
    append_sync(st, "a");
    append_sync(st, "b");
    append_sync(st, "c");
    char h3[65];
    assert_int_equal(jk_audit_head_of_store(st, &id, h3, &err), 0);
    assert_int_equal(id, 3);
    head_is(3, h3);
    jk_store_close(st);

    /* cut the tail: appends do not move the head back or over it */
    sql("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id >= 2;");
    assert_int_equal(jk_store_open(db, &st, &err), 0);
    append_sync(st, "x"); /* id 2 */
    head_is(3, h3);
    append_sync(st, "y"); /* id 3, another hash */
    head_is(3, h3);
    append_sync(st, "z"); /* id 4: the head still names the old 3 */
    head_is(3, h3);
    jk_store_close(st);
}

static void test_damaged_head(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/audit.head", dir);
    const char *bad[] = {"", "junk\n", "junkai-audit-head-1 0 " /* id 0 */,
                         "junkai-audit-head-1 5 abc\n",
                         /* upper-case hex: the head is written lower-case only */
                         ("junkai-audit-head-1 5 "
                          "ABCDEF0000000000000000000000000000000000000000000000000000000000\n")};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        int64_t id;
        char hash[65];
        jk_error err;
        assert_int_equal(jk_audit_head_read(dir, &id, hash, &err), JK_EPARSE);
        assert_non_null(strstr(err.message, "audit.head"));
    }
    /* a damaged head is left for verify to report, not replaced */
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), 0);
    append_sync(st, "a");
    int64_t id;
    char hash[65];
    assert_int_equal(jk_audit_head_read(dir, &id, hash, &err), JK_EPARSE);
    jk_store_close(st);
}

static int count_rows(void *p, const jk_evidence_row *row)
{
    int *n = p;
    (*n)++;
    assert_int_equal(row->id, *n);
    assert_int_equal(strlen(row->sha256), 64);
    assert_non_null(strstr(row->path, row->sha256));
    assert_string_equal(row->kind, "http");
    assert_int_equal(row->size, 100 + *n);
    return *n == 2; /* stop after two */
}

static void test_evidence_list(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), 0);
    for (int i = 1; i <= 3; i++) {
        char sha[65], rel[200];
        memset(sha, '0' + i, 64);
        sha[64] = '\0';
        snprintf(rel, sizeof rel, "evidence/sha256/%.2s/%.2s/%s.warc.gz", sha, sha + 2, sha);
        jk_evidence_in ev = {sha, rel, "http", NULL, 0, 0, 0, 100 + i, NULL, NULL};
        int64_t id;
        assert_int_equal(jk_store_evidence_add(st, &ev, &id, &err), 0);
    }
    int n = 0;
    assert_int_equal(jk_store_evidence_list(st, count_rows, &n, &err), 0);
    assert_int_equal(n, 2);
    jk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_head_follows_and_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
