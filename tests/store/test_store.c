/*
 * test_store.c — the SQLite store through its public interface: schema
 * migrations (and re-opening), WAL and foreign keys, deduplication by id and
 * by text, detections, atomic batches, search (index and short-query scan,
 * normalized column), stats, sources' outcomes.
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

#include "junkai/store.h"

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/junkai-test-store-%d.db", (int)getpid());
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

static jk_item_in post(const char *platform, const char *id, const char *text, const char *norm)
{
    jk_item_in it;
    memset(&it, 0, sizeof it);
    it.platform = platform;
    it.external_id = id;
    it.text = text;
    it.text_len = strlen(text);
    it.normalized = norm;
    it.normalized_len = norm ? strlen(norm) : 0;
    return it;
}

static void test_open_migrates_and_reopens(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    int version = jk_store_schema_version(st);
    assert_true(version >= 2); /* later migrations append versions */
    jk_store_close(st);
    /* a second open applies nothing and keeps the version */
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_schema_version(st), version);
    jk_store_close(st);
    /* WAL mode is persistent in the file */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* migration 2: the trigram index merges at 16 segments, not 4 */
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM items_fts_config WHERE k = 'automerge'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 16);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_newer_schema_is_refused(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "newer"));
}

static void test_dedupe_detections_search_stats(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    int64_t run, a, b, c;
    bool fresh;
    assert_int_equal(jk_store_run_start(st, "test", &run, &err), 0);
    assert_int_equal(jk_store_begin(st, &err), 0);
    jk_item_in p1 = post("x", "1", "ﾔｻｲ あります 手押し", "やさいあります手押し");
    jk_item_in p2 = post("x", "2", "今日は晴れ", "今日は晴れ");
    assert_int_equal(jk_store_add_item(st, &p1, &a, &fresh, &err), 0);
    assert_true(fresh);
    assert_int_equal(jk_store_add_item(st, &p2, &b, &fresh, &err), 0);
    assert_true(fresh);
    /* same platform and id: already stored */
    jk_item_in again = post("x", "1", "edited text", NULL);
    assert_int_equal(jk_store_add_item(st, &again, &c, &fresh, &err), 0);
    assert_false(fresh);
    assert_int_equal(c, a);
    /* same text under another id (a repost): already stored */
    jk_item_in repost = post("mastodon", "99", "今日は晴れ", NULL);
    assert_int_equal(jk_store_add_item(st, &repost, &c, &fresh, &err), 0);
    assert_false(fresh);
    assert_int_equal(c, b);

    jk_span spans[2] = {{0, 9}, {20, 29}};
    jk_hit hit = {0, "drug_ad.x", JK_CAT_DRUG_AD, 0.72, spans, 2, NULL, 0};
    assert_int_equal(jk_store_add_detection(st, a, &hit, "1.0.0", &err), 0);
    /* a repeat of the same rule replaces, not duplicates */
    assert_int_equal(jk_store_add_detection(st, a, &hit, "1.0.1", &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
    assert_int_equal(jk_store_run_finish(st, run, 2, 2, 1, 0, &err), 0);

    jk_store_stats s;
    assert_int_equal(jk_store_stats_get(st, &s, &err), 0);
    assert_int_equal(s.items, 2);
    assert_int_equal(s.items_hit, 1);
    assert_int_equal(s.category_items[JK_CAT_DRUG_AD], 1);
    assert_int_equal(s.category_items[JK_CAT_FRAUD], 0);
    assert_int_equal(s.runs, 1);
    jk_store_close(st);
}

typedef struct hits {
    int64_t ids[16];
    int count;
} hits;

static int collect(void *p, const jk_search_row *row)
{
    hits *h = p;
    if (h->count < 16)
        h->ids[h->count++] = row->item_id;
    return 0;
}

static void test_search(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    int64_t a, b;
    bool fresh;
    assert_int_equal(jk_store_begin(st, &err), 0);
    jk_item_in p1 = post("x", "1", "ﾔｻｲ あります 都内手押し", "やさいあります都内手押し");
    jk_item_in p2 = post("x", "2", "野菜炒めを作った \"quoted\"", "野菜炒めを作った\"quoted\"");
    assert_int_equal(jk_store_add_item(st, &p1, &a, &fresh, &err), 0);
    assert_int_equal(jk_store_add_item(st, &p2, &b, &fresh, &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);

    hits h = {{0}, 0};
    /* indexed, through the normalized column: ヤサイ finds ﾔｻｲ */
    assert_int_equal(jk_store_search(st, "ヤサイ", "やさい", 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ids[0], a);
    /* a two-character query scans the text */
    h.count = 0;
    assert_int_equal(jk_store_search(st, "野菜", "野菜", 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ids[0], b);
    /* FTS syntax in a query is just text */
    h.count = 0;
    assert_int_equal(jk_store_search(st, "\"quoted\" OR", NULL, 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 0);
    h.count = 0;
    assert_int_equal(jk_store_search(st, "\"quoted\"", NULL, 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 1);
    /* nothing found */
    h.count = 0;
    /* several words: every one must be there; a short word checks the text */
    jk_search_word both[] = {{"ヤサイ", "やさい"}, {"手押し", "手押し"}};
    h.count = 0;
    assert_int_equal(jk_store_search_words(st, both, 2, 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ids[0], a);
    jk_search_word apart[] = {{"ヤサイ", "やさい"}, {"野菜", "野菜"}};
    h.count = 0;
    assert_int_equal(jk_store_search_words(st, apart, 2, 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 0); /* each word is stored, never in one post */
    jk_search_word short_word[] = {{"手押し", "手押し"}, {"ﾔｻ", "やさ"}};
    h.count = 0;
    assert_int_equal(jk_store_search_words(st, short_word, 2, 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 1);
    h.count = 0;
    assert_int_equal(jk_store_search(st, "存在しない語", "存在しない語", 10, collect, &h, &err), 0);
    assert_int_equal(h.count, 0);
    jk_store_close(st);
}

static void test_rollback_keeps_nothing(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    int64_t a;
    bool fresh;
    assert_int_equal(jk_store_begin(st, &err), 0);
    jk_item_in p1 = post("x", "1", "一件目", NULL);
    assert_int_equal(jk_store_add_item(st, &p1, &a, &fresh, &err), 0);
    jk_store_rollback(st);
    jk_store_stats s;
    assert_int_equal(jk_store_stats_get(st, &s, &err), 0);
    assert_int_equal(s.items, 0);
    /* a detection for a missing item violates the foreign key */
    jk_span sp = {0, 1};
    jk_hit hit = {0, "r", JK_CAT_FRAUD, 0.5, &sp, 1, NULL, 0};
    assert_int_not_equal(jk_store_add_detection(st, 12345, &hit, "1", &err), 0);
    jk_store_close(st);
}

typedef struct source_seen {
    int last_ok;
    int64_t failures;
    char outcome[200];
    bool attempted, completed;
} source_seen;

static int see_source(void *ctx, const jk_source *src)
{
    source_seen *s = ctx;
    s->last_ok = src->last_ok;
    s->failures = src->failures;
    snprintf(s->outcome, sizeof s->outcome, "%s", src->last_outcome ? src->last_outcome : "");
    s->attempted = src->last_attempt_at != NULL;
    s->completed = src->last_run_at != NULL;
    return 0;
}

/* A source's outcome: none before its first run, failures counted in a
 * row and cleared by a success, independent of its completed-run time. */
static void test_source_outcome(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    jk_source src = {0};
    src.kind = "jsonl";
    src.name = "board";
    src.target = "/tmp/x.jsonl";
    src.every_seconds = 60;
    int64_t id;
    assert_int_equal(jk_store_source_add(st, &src, &id, &err), 0);
    source_seen seen;
    assert_int_equal(jk_store_source_list(st, see_source, &seen, &err), 0);
    assert_int_equal(seen.last_ok, -1);
    assert_int_equal(seen.failures, 0);
    assert_false(seen.attempted);
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(jk_store_source_outcome(st, id, false, "error: gone", &err), 0);
        assert_int_equal(jk_store_source_list(st, see_source, &seen, &err), 0);
        assert_int_equal(seen.last_ok, 0);
        assert_int_equal(seen.failures, i);
        assert_string_equal(seen.outcome, "error: gone");
        assert_true(seen.attempted);
        assert_false(seen.completed);
    }
    assert_int_equal(jk_store_source_outcome(st, id, true, "source board: 1 new", &err), 0);
    assert_int_equal(jk_store_source_list(st, see_source, &seen, &err), 0);
    assert_int_equal(seen.last_ok, 1);
    assert_int_equal(seen.failures, 0);
    assert_string_equal(seen.outcome, "source board: 1 new");
    assert_int_equal(jk_store_source_outcome(st, id + 99, true, "x", &err), JK_ENOTFOUND);
    jk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedupe_detections_search_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_keeps_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_outcome, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
