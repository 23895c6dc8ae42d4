/*
 * test_review_store.c — the store's review half through its public API:
 * the audit hash chain (a known answer pinning the canonical encoding,
 * verification, and tampering found at the right entry: a changed field,
 * a removed entry, a forged hash), the ranked queue kept by triggers
 * (order by score then time, filters, a decision moving an item out of the
 * pending queue, a rescore), accounts and sessions (expiry, disabling).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junkai/store.h"

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/junkai-test-review-%d.db", (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}

static void sql(const char *text)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
    sqlite3_close(db);
}

static void append(jk_store *st, const char *user, const char *action, const char *target,
                   const char *detail)
{
    jk_error err;
    assert_int_equal(jk_store_begin(st, &err), 0);
    assert_int_equal(jk_store_audit_append(st, user, action, target, detail, &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
}

static void test_audit_hash_known_answer(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    jk_audit_entry e = {7, "2025-06-01T00:00:00Z", "alice", "decision.confirm", "item:3",
                        "{\"reason\":\"x\"}", NULL, NULL};
    char prev[65];
    memset(prev, 'a', 64);
    prev[64] = '\0';
    e.prev_hash = prev;
    /* the documented encoding, built independently */
    char canon[512];
    int n = snprintf(canon, sizeof canon,
                     "%sjunkai-audit-1\n1:7\n20:2025-06-01T00:00:00Z\n5:alice\n16:decision.confirm"
                     "\n6:item:3\n14:{\"reason\":\"x\"}",
                     prev);
    unsigned char digest[32];
    crypto_hash_sha256(digest, (const unsigned char *)canon, (unsigned long long)n);
    char expect[65];
    sodium_bin2hex(expect, sizeof expect, digest, sizeof digest);
    char got[65];
    jk_audit_hash(&e, got);
    assert_string_equal(got, expect);
    /* every field counts; a field's bytes cannot slide into its neighbour */
    jk_audit_entry f = e;
    f.user = "alic";
    f.action = "edecision.confirm";
    char moved[65];
    jk_audit_hash(&f, moved);
    assert_string_not_equal(moved, got);
    f = e;
    f.id = 8;
    jk_audit_hash(&f, moved);
    assert_string_not_equal(moved, got);
}

typedef struct collect {
    int64_t ids[16];
    char hashes[16][65];
    size_t n;
} collect;

static int collect_entry(void *p, const jk_audit_entry *e)
{
    collect *c = p;
    if (c->n < 16) {
        c->ids[c->n] = e->id;
        snprintf(c->hashes[c->n], 65, "%s", e->hash);
        c->n++;
    }
    return 0;
}

static void test_audit_chain(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    long checked = -1;
    int64_t bad = -1;
    assert_int_equal(jk_store_audit_verify(st, &checked, &bad, &err), JK_OK);
    assert_int_equal(checked, 0); /* an empty log verifies */
    append(st, "alice", "session.login", "user:alice", "{\"ip\":\"127.0.0.1\"}");
    append(st, "alice", "decision.confirm", "item:1", "{}");
    append(st, "bob", "decision.dismiss", "item:2", "");
    append(st, "cli:root", "user.add", "user:carol", NULL);
    assert_int_equal(jk_store_audit_verify(st, &checked, &bad, &err), JK_OK);
    assert_int_equal(checked, 4);
    assert_int_equal(bad, 0);
    collect c = {0};
    assert_int_equal(jk_store_audit_list(st, 2, 1, collect_entry, &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[0], 3); /* newest first, after skipping one */
    assert_int_equal(c.ids[1], 2);
    /* junkai itself cannot change an entry */
    jk_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET user = 'eve' WHERE id = 2", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit WHERE id = 2", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);

    /* someone with the file can, and is found at that entry */
    sql("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
        "UPDATE audit SET detail = '{\"reason\":\"edited\"}' WHERE id = 2");
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_audit_verify(st, &checked, &bad, &err), JK_EPARSE);
    assert_int_equal(bad, 2);
    assert_int_equal(checked, 1);
    assert_non_null(strstr(err.message, "audit entry 2"));
    jk_store_close(st);

    /* restoring the field and re-hashing entry 2 breaks entry 3's link */
    /* (the first digit flipped to another: an 'f' made 'f' again left the
     * chain intact one run in sixteen) */
    sql("UPDATE audit SET detail = '{}', hash = CASE substr(hash, 1, 1) WHEN 'f' THEN '0' ELSE 'f'"
        " END || substr(hash, 2) WHERE id = 2");
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_audit_verify(st, &checked, &bad, &err), JK_EPARSE);
    assert_int_equal(bad, 2); /* the forged hash does not match entry 2's contents */
    jk_store_close(st);

    /* removing an entry is found at the next one */
    sql("DELETE FROM audit WHERE id = 2");
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_audit_verify(st, &checked, &bad, &err), JK_EPARSE);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(err.message, "audit entry 3"));
    jk_store_close(st);
}

static int64_t add_item(jk_store *st, const char *id, const char *posted, const char *text,
                        double score, const char *category)
{
    jk_item_in in = {0};
    in.platform = "x";
    in.external_id = id;
    in.posted_at = posted;
    in.text = text;
    in.text_len = strlen(text);
    int64_t item;
    bool is_new;
    jk_error err;
    assert_int_equal(jk_store_add_item(st, &in, &item, &is_new, &err), 0);
    if (score > 0) {
        jk_category c;
        assert_int_equal(jk_category_from_id(category, strlen(category), &c), 0);
        jk_span span = {0, 3};
        jk_hit hit = {0};
        hit.rule_id = "r1";
        hit.category = c;
        hit.score = score;
        hit.spans = &span;
        hit.span_count = 1;
        assert_int_equal(jk_store_add_detection(st, item, &hit, "1", &err), 0);
    }
    return item;
}

typedef struct ids {
    int64_t v[16];
    double score[16];
    size_t n;
} ids;

static int collect_item(void *p, const jk_review_item *it)
{
    ids *c = p;
    if (c->n < 16) {
        c->score[c->n] = it->score;
        c->v[c->n++] = it->id;
    }
    return 0;
}

static ids queue(jk_store *st, jk_queue_filter f)
{
    ids c = {0};
    jk_error err;
    assert_int_equal(jk_store_queue(st, &f, collect_item, &c, &err), 0);
    return c;
}

static void test_queue(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_begin(st, &err), 0);
    int64_t a = add_item(st, "a", "2025-06-01T10:00:00+09:00", "aaa one", 0.5, "drug_ad");
    int64_t b = add_item(st, "b", "2025-06-02T10:00:00Z", "bbb two", 0.9, "fraud");
    int64_t c = add_item(st, "c", "2025-06-03T10:00:00Z", "ccc three", 0.5, "drug_ad");
    int64_t none = add_item(st, "d", "2025-06-04T10:00:00Z", "ddd four", 0, NULL);
    assert_int_equal(jk_store_commit(st, &err), 0);

    jk_queue_filter f = {0};
    ids q = queue(st, f);
    assert_int_equal(q.n, 3); /* the item without detections is not queued */
    assert_int_equal(q.v[0], b); /* highest score */
    assert_int_equal(q.v[1], c); /* same score: the more recent first */
    assert_int_equal(q.v[2], a);
    f.category = "drug_ad";
    q = queue(st, f);
    assert_int_equal(q.n, 2);
    f.category = NULL;
    f.min_score = 0.6;
    assert_int_equal(queue(st, f).n, 1);
    f.min_score = 0;
    f.since = "2025-06-02";
    q = queue(st, f);
    assert_int_equal(q.n, 2);
    f.since = NULL;
    /* 10:00+09:00 is 01:00Z on June 1st: until 02:00Z includes it */
    f.until = "2025-06-01T02:00:00Z";
    q = queue(st, f);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.v[0], a);
    f.until = NULL;
    f.limit = 1;
    f.offset = 1;
    q = queue(st, f);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.v[0], c);
    f.limit = 0;
    f.offset = 0;

    /* a decision moves the item out of the pending queue */
    jk_decision_row d = {"dismiss", NULL, "benign", "alice", NULL};
    assert_int_equal(jk_store_decision_add(st, b, &d, &err), 0);
    q = queue(st, f);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.v[0], c);
    f.status = "dismissed";
    q = queue(st, f);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.v[0], b);
    f.status = NULL;
    assert_int_equal(jk_store_decision_add(st, 999, &d, &err), JK_ENOTFOUND);
    d.decision = "maybe";
    assert_int_equal(jk_store_decision_add(st, a, &d, &err), JK_EINVAL);

    /* a stronger detection re-ranks the item */
    assert_int_equal(jk_store_begin(st, &err), 0);
    jk_span span = {0, 3};
    jk_hit hit = {0};
    hit.rule_id = "r2";
    hit.category = JK_CAT_FRAUD;
    hit.score = 0.99;
    hit.spans = &span;
    hit.span_count = 1;
    assert_int_equal(jk_store_add_detection(st, a, &hit, "1", &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
    q = queue(st, f);
    assert_int_equal(q.v[0], a);
    assert_true(q.score[0] > 0.98);

    ids one = {0};
    assert_int_equal(jk_store_review_item_get(st, none, collect_item, &one, &err), 0);
    assert_int_equal(one.n, 1);
    assert_int_equal(jk_store_review_item_get(st, 12345, collect_item, &one, &err), JK_ENOTFOUND);
    jk_store_close(st);
}

static int count_user(void *p, const jk_user *u)
{
    (void)u;
    (*(int *)p)++;
    return 0;
}

static int count_session(void *p, const jk_session *s)
{
    (void)s;
    (*(int *)p)++;
    return 0;
}

static void test_accounts_sessions(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    int64_t id;
    assert_int_equal(jk_store_user_add(st, "alice", "admin", "$argon2id$x", &id, &err), 0);
    assert_int_equal(jk_store_user_add(st, "alice", "admin", "$argon2id$x", &id, &err), JK_EINVAL);
    assert_int_equal(jk_store_user_add(st, "bob", "root", "$argon2id$x", &id, &err), JK_EINVAL);
    int n = 0;
    assert_int_equal(jk_store_user_get(st, "alice", count_user, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(jk_store_user_get(st, "nobody", count_user, &n, &err), JK_ENOTFOUND);
    int64_t uid;
    assert_int_equal(jk_store_user_add(st, "pat", "patroller", "$argon2id$y", &uid, &err), 0);
    assert_int_equal(jk_store_session_add(st, "h1", uid, "csrf1", 2000, &err), 0);
    n = 0;
    assert_int_equal(jk_store_session_get(st, "h1", 1999, count_session, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(jk_store_session_get(st, "h1", 2000, count_session, &n, &err), JK_ENOTFOUND);
    assert_int_equal(jk_store_session_get(st, "h2", 1000, count_session, &n, &err), JK_ENOTFOUND);
    /* a new password ends the account's sessions */
    assert_int_equal(jk_store_session_add(st, "h3", uid, "csrf3", 4102444800LL, &err), 0);
    assert_int_equal(jk_store_user_set_password(st, "pat", "$argon2id$z", &err), 0);
    assert_int_equal(jk_store_session_get(st, "h3", 1000, count_session, &n, &err), JK_ENOTFOUND);
    /* so does disabling it, and no session of a disabled account is live */
    assert_int_equal(jk_store_session_add(st, "h4", uid, "csrf4", 4102444800LL, &err), 0);
    assert_int_equal(jk_store_user_disable(st, "pat", &err), 0);
    assert_int_equal(jk_store_session_get(st, "h4", 1000, count_session, &n, &err), JK_ENOTFOUND);
    assert_int_equal(jk_store_user_disable(st, "nobody", &err), JK_ENOTFOUND);
    n = 0;
    assert_int_equal(jk_store_user_list(st, count_user, &n, &err), 0);
    assert_int_equal(n, 2);
    jk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_hash_known_answer),
        cmocka_unit_test_setup_teardown(test_audit_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts_sessions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
