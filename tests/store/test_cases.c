/*
 * test_cases.c — cases, reports, submissions and removal checks in the
 * SQLite store (junkai/case.h): the status flow, one case per item,
 * reports never rewritten and superseded by a newer draft, approve → sent
 * scheduling removal checks, submission states surviving a crash as
 * "uncertain", a due removal check taken by one checker at a time,
 * removal statistics with their medians.
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

#include "junkai/case.h"
#include "junkai/store.h"

static char path[256];

static int setup(void **state)
{
    snprintf(path, sizeof path, "/tmp/junkai-test-cases-%d.db", (int)getpid());
    unlink(path);
    jk_store *st;
    jk_error err;
    if (jk_store_open(path, &st, &err))
        return -1;
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    jk_store_close(*state);
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}

static int64_t add_item(jk_store *st, const char *id, const char *url, const char *text)
{
    jk_item_in it;
    memset(&it, 0, sizeof it);
    it.platform = "web";
    it.external_id = id;
    it.url = url;
    it.text = text;
    it.text_len = strlen(text);
    int64_t item_id;
    bool is_new;
    jk_error err;
    assert_int_equal(jk_store_begin(st, &err), 0);
    assert_int_equal(jk_store_add_item(st, &it, &item_id, &is_new, &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
    return item_id;
}

typedef struct case_copy {
    char status[16], category[48], assignee[32];
    char reported_at[24], removed_at[24];
    long items, reports;
} case_copy;

static int copy_case(void *ctx, const jk_case *c)
{
    case_copy *out = ctx;
    snprintf(out->status, sizeof out->status, "%s", c->status);
    snprintf(out->category, sizeof out->category, "%s", c->category);
    snprintf(out->assignee, sizeof out->assignee, "%s", c->assignee ? c->assignee : "");
    snprintf(out->reported_at, sizeof out->reported_at, "%s", c->reported_at ? c->reported_at : "");
    snprintf(out->removed_at, sizeof out->removed_at, "%s", c->removed_at ? c->removed_at : "");
    out->items = c->items;
    out->reports = c->reports;
    return 0;
}

static case_copy get_case(jk_store *st, int64_t id)
{
    case_copy c;
    memset(&c, 0, sizeof c);
    jk_error err;
    assert_int_equal(jk_store_case_get(st, id, copy_case, &c, &err), 0);
    return c;
}

static void test_case_flow_and_one_case_per_item(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t a = add_item(st, "1", "https://bbs.example.jp/t/1", "野菜あります 手押し");
    int64_t b = add_item(st, "2", "https://bbs.example.jp/t/2", "冷たいのあります");
    int64_t c1, c2;
    assert_int_equal(jk_store_case_add(st, "", "drug_ad", NULL, "alice", &c1, &err), JK_EINVAL);
    assert_int_equal(jk_store_case_add(st, "t", "no_such", NULL, "alice", &c1, &err), JK_EINVAL);
    assert_int_equal(jk_store_case_add(st, "t", "drug_ad", "reported", "alice", &c1, &err),
                     JK_EINVAL);
    assert_int_equal(jk_store_case_add(st, "薬物広告 bbs", "drug_ad", NULL, "alice", &c1, &err), 0);
    assert_int_equal(jk_store_case_add(st, "other", "drug_ad", NULL, "bob", &c2, &err), 0);
    assert_string_equal(get_case(st, c1).status, "new");

    assert_int_equal(jk_store_case_item_add(st, c1, a, "alice", &err), 0);
    assert_string_equal(get_case(st, c1).status, "confirmed");
    assert_int_equal(jk_store_case_item_add(st, c1, a, "alice", &err), 0); /* no-op */
    assert_int_equal(jk_store_case_item_add(st, c2, a, "bob", &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "already in case"));
    assert_int_equal(jk_store_case_item_add(st, c1, 9999, "alice", &err), JK_ENOTFOUND);
    assert_int_equal(jk_store_case_item_add(st, 9999, b, "alice", &err), JK_ENOTFOUND);
    assert_int_equal(jk_store_case_item_add(st, c1, b, "alice", &err), 0);
    assert_int_equal(get_case(st, c1).items, 2);

    int64_t in = -1;
    assert_int_equal(jk_store_item_case(st, b, &in, &err), 0);
    assert_int_equal(in, c1);
    assert_int_equal(jk_store_case_item_rm(st, b, &err), 0);
    assert_int_equal(jk_store_item_case(st, b, &in, &err), 0);
    assert_int_equal(in, 0);
    assert_int_equal(get_case(st, c1).items, 1);

    jk_case_update u = {.assignee = "carol", .title = "renamed"};
    assert_int_equal(jk_store_case_update(st, c1, &u, &err), 0);
    assert_string_equal(get_case(st, c1).assignee, "carol");
    jk_case_update clear = {.assignee = ""};
    assert_int_equal(jk_store_case_update(st, c1, &clear, &err), 0);
    assert_string_equal(get_case(st, c1).assignee, "");
    jk_case_update bad = {.status = "closed"};
    assert_int_equal(jk_store_case_update(st, c1, &bad, &err), JK_EINVAL);
    assert_int_equal(jk_store_case_update(st, 9999, &u, &err), JK_ENOTFOUND);

    assert_true(jk_case_transition("new", "dismissed"));
    assert_true(jk_case_transition("dismissed", "new"));
    assert_false(jk_case_transition("confirmed", "reported"));
    assert_false(jk_case_transition("removed", "new"));

    int64_t note;
    assert_int_equal(jk_store_case_note_add(st, c1, "alice", "", &note, &err), JK_EINVAL);
    assert_int_equal(jk_store_case_note_add(st, 9999, "alice", "x", &note, &err), JK_ENOTFOUND);
    assert_int_equal(jk_store_case_note_add(st, c1, "alice", "連絡先が同じ", &note, &err), 0);
}

typedef struct list_count {
    int rows;
    int64_t last;
} list_count;

static int count_case(void *ctx, const jk_case *c)
{
    list_count *n = ctx;
    n->rows++;
    n->last = c->id;
    return 0;
}

static int count_removal(void *ctx, const jk_removal_row *r)
{
    (void)r;
    ((list_count *)ctx)->rows++;
    return 0;
}

static int count_report(void *ctx, const jk_report_row *r)
{
    (void)r;
    ((list_count *)ctx)->rows++;
    return 0;
}

static int count_submission(void *ctx, const jk_submission_row *r)
{
    (void)r;
    ((list_count *)ctx)->rows++;
    return 0;
}

static void test_case_list_filters(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t ids[3];
    assert_int_equal(jk_store_case_add(st, "a", "drug_ad", NULL, "u", &ids[0], &err), 0);
    assert_int_equal(jk_store_case_add(st, "b", "phishing", "confirmed", "u", &ids[1], &err), 0);
    assert_int_equal(jk_store_case_add(st, "c", "phishing", NULL, "u", &ids[2], &err), 0);
    list_count n = {0, 0};
    jk_case_filter f = {.category = "phishing"};
    assert_int_equal(jk_store_case_list(st, &f, count_case, &n, &err), 0);
    assert_int_equal(n.rows, 2);
    assert_int_equal(n.last, ids[1]); /* newest first */
    memset(&n, 0, sizeof n);
    jk_case_filter g = {.status = "confirmed", .assignee = ""};
    assert_int_equal(jk_store_case_list(st, &g, count_case, &n, &err), 0);
    assert_int_equal(n.rows, 1);
    memset(&n, 0, sizeof n);
    jk_case_filter page = {.limit = 1, .offset = 1};
    assert_int_equal(jk_store_case_list(st, &page, count_case, &n, &err), 0);
    assert_int_equal(n.rows, 1);
    assert_int_equal(n.last, ids[1]);
}

typedef struct report_copy {
    char status[16], submit[16], sha[65], via[32];
    char body[256];
    long attempts;
    int rows;
} report_copy;

static int copy_report(void *ctx, const jk_report_row *r)
{
    report_copy *out = ctx;
    out->rows++;
    snprintf(out->status, sizeof out->status, "%s", r->status);
    snprintf(out->submit, sizeof out->submit, "%s", r->submit_state ? r->submit_state : "");
    snprintf(out->sha, sizeof out->sha, "%s", r->body_sha256);
    snprintf(out->via, sizeof out->via, "%s", r->sent_via ? r->sent_via : "");
    snprintf(out->body, sizeof out->body, "%.*s", (int)r->body_len, r->body);
    out->attempts = r->attempts;
    return 0;
}

static report_copy get_report(jk_store *st, int64_t id)
{
    report_copy r;
    memset(&r, 0, sizeof r);
    jk_error err;
    assert_int_equal(jk_store_report_get(st, id, copy_report, &r, &err), 0);
    return r;
}

static int64_t draft(jk_store *st, int64_t case_id, const char *key, const char *body,
                     const int64_t *items, size_t n)
{
    jk_report_in in = {case_id, "deletion", key, "送信防止措置依頼", body, strlen(body),
                       "[[\"host\",\"bbs.example.jp\"]]", "alice", items, n};
    int64_t id;
    jk_error err;
    assert_int_equal(jk_store_begin(st, &err), 0);
    assert_int_equal(jk_store_report_add(st, &in, &id, &err), 0);
    assert_int_equal(jk_store_commit(st, &err), 0);
    return id;
}

static void test_reports_supersede_approve_send(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t a = add_item(st, "1", "https://bbs.example.jp/t/1", "野菜あります");
    int64_t b = add_item(st, "2", "https://Other.example.com:8443/p?id=2", "手押しです");
    int64_t c;
    assert_int_equal(jk_store_case_add(st, "t", "drug_ad", NULL, "alice", &c, &err), 0);
    assert_int_equal(jk_store_case_item_add(st, c, a, "alice", &err), 0);
    assert_int_equal(jk_store_case_item_add(st, c, b, "alice", &err), 0);
    int64_t items[] = {a, b};

    int64_t r1 = draft(st, c, "host:bbs.example.jp", "first", items, 2);
    int64_t r2 = draft(st, c, "host:bbs.example.jp", "second", items, 2);
    assert_string_equal(get_report(st, r1).status, "superseded");
    assert_string_equal(get_report(st, r2).status, "draft");
    assert_string_equal(get_report(st, r2).body, "second");
    /* sha256("second") */
    assert_string_equal(get_report(st, r2).sha,
                        "16367aacb67a4a017c8da8ab95682ccb390863780f7114dda0a0e0c55644c7c4");
    assert_int_equal(get_case(st, c).reports, 1);
    /* the text is fixed once stored, even by hand */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE reports SET body = 'forged'", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);

    int64_t *covered;
    size_t count;
    assert_int_equal(jk_store_report_items(st, r2, &covered, &count, &err), 0);
    assert_int_equal(count, 2);
    free(covered);

    assert_int_equal(jk_store_report_sent(st, r2, "sup", "manual", 100, &err), JK_EINVAL);
    assert_int_equal(jk_store_report_approve(st, r2, "sup", &err), 0);
    assert_int_equal(jk_store_report_approve(st, r2, "sup", &err), JK_EINVAL);
    assert_int_equal(jk_store_report_sent(st, r2, "sup", "manual", 100, &err), 0);
    report_copy sent = get_report(st, r2);
    assert_string_equal(sent.status, "sent");
    assert_string_equal(sent.via, "manual");
    case_copy cc = get_case(st, c);
    assert_string_equal(cc.status, "reported");
    assert_true(cc.reported_at[0] != '\0');

    /* a new draft after a sent one is a follow-up: the sent one stays */
    int64_t r3 = draft(st, c, "host:bbs.example.jp", "follow-up", items, 2);
    assert_string_equal(get_report(st, r2).status, "sent");
    assert_string_equal(get_report(st, r3).status, "draft");

    /* both items are due for a removal check after t=100 */
    list_count due = {0, 0};
    assert_int_equal(jk_store_removal_due(st, 99, 0, count_removal, &due,
                                          &err),
                     0);
    assert_int_equal(due.rows, 0);
    assert_int_equal(jk_store_removal_due(st, 100, 0, count_removal, &due,
                                          &err),
                     0);
    assert_int_equal(due.rows, 2);

    /* one checker takes a due check; a second at the same moment cannot,
     * nor one within the lease; after it the check is due again */
    bool claimed = false;
    assert_int_equal(jk_store_removal_claim(st, a, 100, 60, &claimed, &err), 0);
    assert_true(claimed);
    assert_int_equal(jk_store_removal_claim(st, a, 100, 60, &claimed, &err), 0);
    assert_false(claimed);
    assert_int_equal(jk_store_removal_claim(st, a, 159, 60, &claimed, &err), 0);
    assert_false(claimed);
    memset(&due, 0, sizeof due);
    assert_int_equal(jk_store_removal_due(st, 100, 0, count_removal, &due, &err), 0);
    assert_int_equal(due.rows, 1); /* b only */
    assert_int_equal(jk_store_removal_claim(st, a, 160, 60, &claimed, &err), 0);
    assert_true(claimed);
    assert_int_equal(jk_store_removal_claim(st, 9999, 160, 60, &claimed, &err), 0);
    assert_false(claimed);
    assert_int_equal(jk_store_removal_claim(st, a, 160, 0, &claimed, &err), JK_EINVAL);

    assert_int_equal(jk_store_removal_record(st, a, "present", NULL, 200, 200, 172800, &err), 0);
    assert_string_equal(get_case(st, c).status, "reported");
    assert_int_equal(jk_store_removal_record(st, a, "removed", "http_404", 404, 0, 0, &err), 0);
    assert_string_equal(get_case(st, c).status, "reported"); /* b is still up */
    assert_int_equal(jk_store_removal_record(st, b, "removed", "text_gone", 200, 0, 0, &err), 0);
    cc = get_case(st, c);
    assert_string_equal(cc.status, "removed");
    assert_true(cc.removed_at[0] != '\0');
    assert_int_equal(jk_store_removal_record(st, 9999, "removed", NULL, 0, 0, 0, &err),
                     JK_ENOTFOUND);
    memset(&due, 0, sizeof due);
    assert_int_equal(jk_store_removal_due(st, 1000000, 0, count_removal,
                                          &due, &err),
                     0);
    assert_int_equal(due.rows, 0);
}

typedef struct stat_copy {
    char key[64][64];
    long reported[64], removed[64];
    double med_found[64];
    int rows;
} stat_copy;

static int copy_stat(void *ctx, const jk_removal_stat *s)
{
    stat_copy *out = ctx;
    snprintf(out->key[out->rows], sizeof out->key[0], "%s", s->key);
    out->reported[out->rows] = s->reported;
    out->removed[out->rows] = s->removed;
    out->med_found[out->rows] = s->median_hours_found;
    out->rows++;
    return 0;
}

static void test_removal_stats_medians(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t ids[3];
    ids[0] = add_item(st, "1", "https://a.example.jp/1", "x1");
    ids[1] = add_item(st, "2", "https://A.example.jp:443/2", "x2");
    ids[2] = add_item(st, "3", "https://b.example.jp/3", "x3");
    int64_t c;
    assert_int_equal(jk_store_case_add(st, "t", "phishing", NULL, "u", &c, &err), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(jk_store_case_item_add(st, c, ids[i], "u", &err), 0);
    jk_report_in in = {c, "police", "case", "通報", "body", 4, NULL, "u", ids, 3};
    int64_t r;
    assert_int_equal(jk_store_report_add(st, &in, &r, &err), 0);
    assert_int_equal(jk_store_report_approve(st, r, "sup", &err), 0);
    assert_int_equal(jk_store_report_sent(st, r, "sup", "manual", 0, &err), 0);
    assert_int_equal(jk_store_removal_record(st, ids[0], "removed", "http_404", 404, 0, 0, &err),
                     0);
    assert_int_equal(jk_store_removal_record(st, ids[1], "removed", "http_410", 410, 0, 0, &err),
                     0);
    /* fix the times: found at 00:00, removed after 2 h and 4 h */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE items SET fetched_at = '2026-01-01T00:00:00Z';"
                                  "UPDATE removal_checks SET reported_at = '2026-01-01T01:00:00Z';"
                                  "UPDATE removal_checks SET removed_at = '2026-01-01T02:00:00Z'"
                                  " WHERE item_id = 1;"
                                  "UPDATE removal_checks SET removed_at = '2026-01-01T04:00:00Z'"
                                  " WHERE item_id = 2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    stat_copy *s = calloc(1, sizeof *s);
    assert_int_equal(jk_store_removal_stats(st, "category", copy_stat, s, &err), 0);
    assert_int_equal(s->rows, 1);
    assert_string_equal(s->key[0], "phishing");
    assert_int_equal(s->reported[0], 3);
    assert_int_equal(s->removed[0], 2);
    assert_true(s->med_found[0] > 2.999 && s->med_found[0] < 3.001);

    memset(s, 0, sizeof *s);
    assert_int_equal(jk_store_removal_stats(st, "host", copy_stat, s, &err), 0);
    assert_int_equal(s->rows, 2);
    assert_string_equal(s->key[0], "a.example.jp"); /* case and port folded */
    assert_int_equal(s->reported[0], 2);
    assert_string_equal(s->key[1], "b.example.jp");
    assert_int_equal(s->removed[1], 0);
    assert_true(s->med_found[1] < 0);
    assert_int_equal(jk_store_removal_stats(st, "month", copy_stat, s, &err), JK_EINVAL);
    free(s);
}

static void test_submission_states(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t a = add_item(st, "1", "https://bbs.example.jp/t/1", "野菜");
    int64_t c;
    assert_int_equal(jk_store_case_add(st, "t", "drug_ad", NULL, "u", &c, &err), 0);
    assert_int_equal(jk_store_case_item_add(st, c, a, "u", &err), 0);
    int64_t r = draft(st, c, "host:bbs.example.jp", "letter", &a, 1);
    assert_int_equal(jk_store_report_queue(st, r, "ihc-form", &err), JK_EINVAL); /* a draft */
    assert_int_equal(jk_store_report_approve(st, r, "sup", &err), 0);
    assert_int_equal(jk_store_report_queue(st, r, "ihc-form", &err), 0);
    assert_int_equal(jk_store_report_queue(st, r, "ihc-form", &err), JK_EINVAL); /* twice */
    assert_int_equal(jk_store_report_sent(st, r, "sup", "manual", 0, &err), JK_EINVAL);

    list_count due = {0, 0};
    assert_int_equal(jk_store_submit_due(st, 0, 0, count_report, &due, &err),
                     0);
    assert_int_equal(due.rows, 1);
    long attempt = 0;
    assert_int_equal(jk_store_submit_begin(st, r, &attempt, &err), 0);
    assert_int_equal(attempt, 1);
    assert_int_equal(jk_store_submit_begin(st, r, &attempt, &err), JK_EINVAL); /* taken */
    assert_int_equal(jk_store_submit_finish(st, r, "sup", "retry", 500, "HTTP 503", 0, 0, &err),
                     0);
    memset(&due, 0, sizeof due);
    assert_int_equal(jk_store_submit_due(st, 499, 0, count_report, &due,
                                         &err),
                     0);
    assert_int_equal(due.rows, 0);
    assert_int_equal(jk_store_submit_due(st, 500, 0, count_report, &due,
                                         &err),
                     0);
    assert_int_equal(due.rows, 1);

    /* a crash mid-send: never sent again by itself */
    assert_int_equal(jk_store_submit_begin(st, r, &attempt, &err), 0);
    assert_int_equal(attempt, 2);
    long recovered = 0;
    assert_int_equal(jk_store_submit_recover(st, &recovered, &err), 0);
    assert_int_equal(recovered, 1);
    assert_string_equal(get_report(st, r).submit, "uncertain");
    memset(&due, 0, sizeof due);
    assert_int_equal(jk_store_submit_due(st, 1000000, 0, count_report, &due,
                                         &err),
                     0);
    assert_int_equal(due.rows, 0);
    assert_int_equal(jk_store_submit_finish(st, r, "sup", "delivered", 0, "", 0, 0, &err),
                     JK_EINVAL);
    assert_int_equal(jk_store_submit_resolve(st, r, true, &err), 0);
    assert_int_equal(jk_store_submit_begin(st, r, &attempt, &err), 0);
    assert_int_equal(jk_store_submit_finish(st, r, "sup", "delivered", 0, "HTTP 200", 0, 50,
                                            &err),
                     0);
    report_copy rc = get_report(st, r);
    assert_string_equal(rc.status, "sent");
    assert_string_equal(rc.via, "ihc-form");
    assert_string_equal(rc.submit, "delivered");
    assert_int_equal(rc.attempts, 3);
    assert_string_equal(get_case(st, c).status, "reported");
    list_count subs = {0, 0};
    assert_int_equal(jk_store_report_submissions(st, r, count_submission,
                                                 &subs, &err),
                     0);
    assert_int_equal(subs.rows, 3);
}

typedef struct removal_copy {
    char last_check_at[32], removed_at[32], reason[32], result[16];
    int64_t next_check_unix, interval_seconds;
    long checks;
    int rows;
} removal_copy;

static int copy_removal(void *ctx, const jk_removal_row *r)
{
    removal_copy *c = ctx;
    snprintf(c->last_check_at, sizeof c->last_check_at, "%s",
             r->last_check_at ? r->last_check_at : "");
    snprintf(c->removed_at, sizeof c->removed_at, "%s", r->removed_at ? r->removed_at : "");
    snprintf(c->reason, sizeof c->reason, "%s", r->reason ? r->reason : "");
    snprintf(c->result, sizeof c->result, "%s", r->last_result ? r->last_result : "");
    c->next_check_unix = r->next_check_unix;
    c->interval_seconds = r->interval_seconds;
    c->checks = r->checks;
    c->rows++;
    return 0;
}

/* A check recorded "as if at" a given time: last_check_at, removed_at and
 * the case's removed_at are that time, not the clock's. */
static void test_removal_record_at(void **state)
{
    jk_store *st = *state;
    jk_error err;
    int64_t a = add_item(st, "1", "https://bbs.example.jp/t/1", "野菜");
    int64_t b = add_item(st, "2", "https://bbs.example.jp/t/2", "手押し");
    int64_t c;
    assert_int_equal(jk_store_case_add(st, "t", "drug_ad", NULL, "u", &c, &err), 0);
    assert_int_equal(jk_store_case_item_add(st, c, a, "u", &err), 0);
    assert_int_equal(jk_store_case_item_add(st, c, b, "u", &err), 0);
    removal_copy rc = {0};
    assert_int_equal(jk_store_removal_get(st, a, copy_removal, &rc, &err), JK_ENOTFOUND);
    int64_t items[2] = {a, b};
    jk_report_in in = {c, "police", "case", "通報", "body", 4, NULL, "u", items, 2};
    int64_t r;
    assert_int_equal(jk_store_report_add(st, &in, &r, &err), 0);
    assert_int_equal(jk_store_report_approve(st, r, "sup", &err), 0);
    assert_int_equal(jk_store_report_sent(st, r, "sup", "manual", 100, &err), 0);
    assert_int_equal(jk_store_removal_get(st, a, copy_removal, &rc, &err), 0);
    assert_int_equal(rc.rows, 1);
    assert_int_equal(rc.checks, 0);
    assert_int_equal(rc.next_check_unix, 100);

    /* 2030-01-01T00:00:00Z = 1893456000 */
    assert_int_equal(jk_store_removal_record_at(st, a, "present", NULL, 200, 1893456000,
                                                1893456000 + 172800, 172800, &err),
                     0);
    memset(&rc, 0, sizeof rc);
    assert_int_equal(jk_store_removal_get(st, a, copy_removal, &rc, &err), 0);
    assert_string_equal(rc.last_check_at, "2030-01-01T00:00:00Z");
    assert_string_equal(rc.result, "present");
    assert_string_equal(rc.removed_at, "");
    assert_int_equal(rc.checks, 1);
    assert_int_equal(rc.interval_seconds, 172800);
    assert_int_equal(rc.next_check_unix, 1893456000 + 172800);

    assert_int_equal(jk_store_removal_record_at(st, a, "removed", "http_404", 404,
                                                1893456000 + 7200, 0, 0, &err),
                     0);
    assert_int_equal(jk_store_removal_record_at(st, b, "removed", "text_gone", 200,
                                                1893456000 + 3600 * 5, 0, 0, &err),
                     0);
    memset(&rc, 0, sizeof rc);
    assert_int_equal(jk_store_removal_get(st, a, copy_removal, &rc, &err), 0);
    assert_string_equal(rc.removed_at, "2030-01-01T02:00:00Z");
    assert_string_equal(rc.reason, "http_404");
    assert_int_equal(rc.next_check_unix, 0);
    case_copy cc = get_case(st, c);
    assert_string_equal(cc.status, "removed");
    assert_string_equal(cc.removed_at, "2030-01-01T05:00:00Z"); /* the last one's time */
    assert_int_equal(jk_store_removal_record_at(st, a, "removed", NULL, 0, -5, 0, 0, &err),
                     JK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_case_flow_and_one_case_per_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports_supersede_approve_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removal_stats_medians, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submission_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removal_record_at, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
