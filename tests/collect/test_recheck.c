/*
 * test_recheck.c — removal checks (src/collect/recheck.c) without the
 * network: the text-gone decision (normalized passages, markup and
 * spacing ignored), board posts gone and threads archived, the platforms'
 * "not found" answers, the plans (which URL, which token, whether private
 * addresses may be reached), and the backoff schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "recheck.h"

static jk_normalizer *norm;

static int setup(void **state)
{
    (void)state;
    jk_error err;
    return jk_normalizer_new(JK_NORM_ALL, &norm, &err);
}

static int teardown(void **state)
{
    (void)state;
    jk_normalizer_free(norm);
    return 0;
}

/* spans_json of the first occurrence of each word in text, into out */
static void spans_of(const char *text, const char *const *words, char *out, size_t size)
{
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_buf_putc(&b, '[');
    for (size_t i = 0; words[i]; i++) {
        const char *at = strstr(text, words[i]);
        assert_non_null(at);
        jk_buf_printf(&b, "%s[%zu,%zu]", i ? "," : "", (size_t)(at - text),
                      (size_t)(at - text) + strlen(words[i]));
    }
    jk_buf_putc(&b, ']');
    snprintf(out, size, "%s", b.data);
    jk_buf_release(&b);
}

static jk_removal_row web_row(const char *platform, const char *text, const char *spans)
{
    jk_removal_row r;
    memset(&r, 0, sizeof r);
    r.item_id = 7;
    r.platform = platform;
    r.url = "https://bbs.example.jp/page.html";
    r.external_id = r.url;
    r.text = text;
    r.text_len = strlen(text);
    r.spans_json = spans;
    return r;
}

static jk_recheck_verdict judge(const jk_removal_row *row, long status, const char *html,
                                bool truncated)
{
    jk_recheck_verdict v;
    memset(&v, 0, sizeof v);
    jk_recheck_judge_page(norm, row, status, html, html ? strlen(html) : 0,
                          "text/html; charset=utf-8",
                          row->url ? row->url : "https://bbs.example.jp/", truncated, &v);
    print_message("%s %s: %s\n", v.result, v.reason ? v.reason : "-", v.detail);
    return v;
}

static void test_passages_normalized_markup_ignored(void **state)
{
    (void)state;
    /* what the store holds: the text as first fetched, and the spans of
     * the rule's match in it */
    const char *text = "お知らせ\nやさい あります、都内手押し 即日";
    static const char *const words[] = {"やさい", "あります", "都内手押し", NULL};
    char spans[256];
    spans_of(text, words, spans, sizeof spans);
    jk_removal_row row = web_row("web", text, spans);

    /* the page now: half-width katakana, markup between the words, other
     * line breaks and spacing — the same content */
    jk_recheck_verdict v =
        judge(&row, 200,
              "<html><head><title>お知らせ</title></head><body>\n"
              "<p><b>ﾔｻｲ</b> <span>あ り ま す</span>、<br>\n  都内<i>手押し</i>　即日</p>"
              "</body></html>",
              false);
    assert_string_equal(v.result, "present");
    assert_null(v.reason);
    assert_int_equal(v.http_status, 200);

    size_t found, total;
    jk_error err;
    const char *page = "ﾔｻｲ と 都内 手押し";
    assert_int_equal(jk_recheck_passages(norm, text, strlen(text), spans, page, strlen(page),
                                         &found, &total, &err),
                     0);
    assert_int_equal(total, 3);
    assert_int_equal(found, 2); /* あります is not there */

    /* the board replaced the post with its "deleted" notice, answering 200 */
    v = judge(&row, 200,
              "<html><head><title>お知らせ</title></head><body><p>この投稿は削除されました</p>"
              "</body></html>",
              false);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "text_gone");
    assert_non_null(strstr(v.detail, "0 of 3"));

    /* one passage edited out is enough */
    v = judge(&row, 200, "<p>ﾔｻｲ あります</p><p>即日</p>", false);
    assert_string_equal(v.reason, "text_gone");
    assert_non_null(strstr(v.detail, "2 of 3"));

    /* a page cut off at the size limit proves nothing */
    v = judge(&row, 200, "<p>ﾔｻｲ</p>", true);
    assert_string_equal(v.result, "unknown");
    assert_string_equal(v.reason, "truncated");
}

static void test_status_decides_first(void **state)
{
    (void)state;
    const char *text = "やさい";
    jk_removal_row row = web_row("web", text, "[[0,9]]");
    jk_recheck_verdict v = judge(&row, 404, "<p>やさい</p>", false);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "http_404");
    v = judge(&row, 410, "", false);
    assert_string_equal(v.reason, "http_410");
    v = judge(&row, 503, "<p>busy</p>", false);
    assert_string_equal(v.result, "unknown");
    assert_string_equal(v.reason, "http_503");
    v = judge(&row, 429, "", false);
    assert_string_equal(v.result, "unknown");
    assert_string_equal(v.reason, "http_429");
    v = judge(&row, 403, "", false);
    assert_string_equal(v.result, "unknown");
    /* no spans (nothing matched): the status alone */
    jk_removal_row bare = web_row("web", text, NULL);
    v = judge(&bare, 200, "<p>something else</p>", false);
    assert_string_equal(v.result, "present");
    /* a tip's text is the citizen's note: status only */
    jk_removal_row tip =
        web_row("tip", "怪しい野菜の販売 https://bbs.example.jp/page.html", "[[0,6]]");
    v = judge(&tip, 200, "<p>nothing of the note</p>", false);
    assert_string_equal(v.result, "present");
    /* spans that do not fit the text are skipped, not trusted */
    jk_removal_row bad = web_row("web", text, "[[0,900],[5,2],\"x\",[0]]");
    v = judge(&bad, 200, "<p>other</p>", false);
    assert_string_equal(v.result, "present");
    jk_removal_row junk = web_row("web", text, "{not json");
    v = judge(&junk, 200, "<p>other</p>", false);
    assert_string_equal(v.result, "unknown");
}

#define THREAD "https://bbs.example.jp/test/read.cgi/x/123/"

static void thread_html(jk_buf *b, const int *numbers, size_t n, const char *banner)
{
    jk_buf_reset(b);
    jk_buf_printf(b, "<html><head><title>スレ</title></head><body>%s<div class=\"thread\">\n",
                  banner ? banner : "");
    for (size_t i = 0; i < n; i++)
        jk_buf_printf(b,
                      "<div class=\"post\" id=\"%d\" data-id=\"%d\"><div class=\"meta\">"
                      "<span class=\"number\">%d</span><span class=\"name\"><b>名無し</b></span>"
                      "<span class=\"date\">2024/01/02(火) 03:04:05.00</span>"
                      "<span class=\"uid\">ID:Ab%dxy</span></div>"
                      "<div class=\"message\"><span class=\"escaped\"> %s </span></div></div>\n",
                      numbers[i], numbers[i], numbers[i], numbers[i],
                      numbers[i] == 2 ? "受け子 募集 <br> 日払い 5万" : "普通の書き込み");
    jk_buf_puts(b, "</div></body></html>");
}

static void test_board_post_gone_and_archived(void **state)
{
    (void)state;
    const char *text = "受け子 募集\n日払い 5万";
    static const char *const words[] = {"受け子", "日払い", NULL};
    char spans[128];
    spans_of(text, words, spans, sizeof spans);
    jk_removal_row row = web_row("board", text, spans);
    row.url = THREAD "#2";
    row.external_id = THREAD "#2";
    jk_buf html;
    jk_buf_init(&html, 0);

    const int all[] = {1, 2, 3};
    thread_html(&html, all, 3, NULL);
    jk_recheck_verdict v;
    jk_recheck_judge_page(norm, &row, 200, html.data, html.len, "text/html", THREAD, false, &v);
    assert_string_equal(v.result, "present");
    assert_non_null(strstr(v.detail, "post 2"));

    const int without[] = {1, 3};
    thread_html(&html, without, 2, NULL);
    jk_recheck_judge_page(norm, &row, 200, html.data, html.len, "text/html", THREAD, false, &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "post_gone");

    thread_html(&html, all, 3,
                "<div class=\"stoplight\">■ このスレッドは過去ログ倉庫に格納されています</div>");
    jk_recheck_judge_page(norm, &row, 200, html.data, html.len, "text/html", THREAD, false, &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "thread_archived");

    /* a page of no thread layout at all (the board's error page) */
    const char *missing = "<p>そんな板orスレッドないです。</p>";
    jk_recheck_judge_page(norm, &row, 200, missing, strlen(missing), "text/html", THREAD, false,
                          &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "text_gone");
    jk_buf_release(&html);
}

static void test_platform_answers(void **state)
{
    (void)state;
    jk_recheck_verdict v;
#define S(x) x, strlen(x)
    jk_recheck_judge_mastodon(200, S("{\"id\":\"110\",\"content\":\"<p>x</p>\"}"), &v);
    assert_string_equal(v.result, "present");
    jk_recheck_judge_mastodon(404, S("{\"error\":\"Record not found\"}"), &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "http_404");
    jk_recheck_judge_mastodon(500, S("oops"), &v);
    assert_string_equal(v.result, "unknown");
    jk_recheck_judge_mastodon(200, S("<html>maintenance</html>"), &v);
    assert_string_equal(v.result, "unknown");

    jk_recheck_judge_misskey(200, S("{\"id\":\"9abc\",\"text\":\"x\"}"), &v);
    assert_string_equal(v.result, "present");
    jk_recheck_judge_misskey(400,
                             S("{\"error\":{\"message\":\"No such "
                               "note.\",\"code\":\"NO_SUCH_NOTE\",\"kind\":\"client\"}}"),
                             &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "no_such_note");
    jk_recheck_judge_misskey(400, S("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"}}"), &v);
    assert_string_equal(v.result, "unknown");
    jk_recheck_judge_misskey(404, S("{\"error\":{\"code\":\"NO_SUCH_ENDPOINT\"}}"), &v);
    assert_string_equal(v.result, "unknown");

    jk_recheck_judge_x(200, S("{\"data\":{\"id\":\"1790000000000001000\",\"text\":\"x\"}}"), &v);
    assert_string_equal(v.result, "present");
    jk_recheck_judge_x(
        200,
        S("{\"errors\":[{\"value\":\"1\",\"detail\":\"Could not find tweet with id: [1].\","
          "\"title\":\"Not Found Error\",\"resource_type\":\"tweet\",\"parameter\":\"id\","
          "\"type\":\"https://api.twitter.com/2/problems/resource-not-found\"}]}"),
        &v);
    assert_string_equal(v.result, "removed");
    assert_string_equal(v.reason, "not_found_error");
    jk_recheck_judge_x(200,
                       S("{\"errors\":[{\"title\":\"Authorization Error\",\"type\":"
                         "\"https://api.twitter.com/2/problems/not-authorized-for-resource\"}]}"),
                       &v);
    assert_string_equal(v.result, "unknown");
    jk_recheck_judge_x(401, S("{\"title\":\"Unauthorized\",\"status\":401}"), &v);
    assert_string_equal(v.result, "unknown");
    assert_string_equal(v.reason, "http_401");
    jk_recheck_judge_x(429, NULL, 0, &v);
    assert_string_equal(v.reason, "http_429");
#undef S
}

static jk_removal_row social_row(const char *kind, const char *target, const char *uri,
                                 const char *url)
{
    jk_removal_row r;
    memset(&r, 0, sizeof r);
    r.item_id = 3;
    r.platform = kind;
    r.source_kind = kind;
    r.source_target = target;
    r.external_id = uri;
    r.url = url;
    r.allow_private = true;
    r.text = "";
    return r;
}

static void test_plans(void **state)
{
    (void)state;
    jk_recheck_tokens tokens = {"mtok", "ktok", "xtok"};
    jk_recheck_plan p;
    jk_error err;

    /* a local Mastodon status: the API on the instance, with its token */
    jk_removal_row r = social_row("mastodon", "http://127.0.0.1:8081/",
                                  "http://127.0.0.1:8081/users/alice/statuses/110123",
                                  "http://127.0.0.1:8081/@alice/110123");
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_MASTODON);
    assert_string_equal(p.url, "http://127.0.0.1:8081/api/v1/statuses/110123");
    assert_string_equal(p.token, "mtok");
    assert_true(p.allow_private);
    assert_null(p.body);
    jk_recheck_plan_release(&p);

    /* a remote status: its home server, no token, never private */
    r.external_id = "https://remote.example/users/bob/statuses/42";
    r.url = "https://remote.example/@bob/42";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_MASTODON);
    assert_string_equal(p.url, "https://remote.example/api/v1/statuses/42");
    assert_null(p.token);
    assert_false(p.allow_private);
    jk_recheck_plan_release(&p);

    /* a Misskey note seen on a Mastodon instance */
    r.external_id = "https://misskey.example/notes/9a1b2c";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_MISSKEY);
    assert_string_equal(p.url, "https://misskey.example/api/notes/show");
    assert_non_null(strstr(p.body, "\"noteId\":\"9a1b2c\""));
    assert_null(strstr(p.body, "ktok"));
    jk_recheck_plan_release(&p);

    /* a local Misskey note: notes/show with the token in the body */
    r = social_row("misskey", "http://127.0.0.1:8082", "http://127.0.0.1:8082/notes/9xyz",
                   "http://127.0.0.1:8082/notes/9xyz");
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_MISSKEY);
    assert_string_equal(p.url, "http://127.0.0.1:8082/api/notes/show");
    assert_non_null(strstr(p.body, "\"noteId\":\"9xyz\""));
    assert_non_null(strstr(p.body, "\"i\":\"ktok\""));
    assert_true(p.allow_private);
    jk_recheck_plan_release(&p);

    /* an id that would change the API path is refused */
    r.external_id = "http://127.0.0.1:8082/notes/..%2f..";
    r.url = NULL;
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), JK_EINVAL);
    jk_recheck_plan_release(&p);

    /* X: the tweet lookup on the API base */
    r = social_row("x", "http://127.0.0.1:8083", "1790000000000001000",
                   "https://x.com/u/status/1790000000000001000");
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_X);
    assert_string_equal(p.url, "http://127.0.0.1:8083/2/tweets/1790000000000001000");
    assert_string_equal(p.token, "xtok");
    jk_recheck_plan_release(&p);
    r.external_id = "17/../../admin";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), JK_EINVAL);
    jk_recheck_plan_release(&p);

    /* a board post: the thread without the fragment, robots obeyed,
     * private allowed on the source's host only */
    r = social_row("web", THREAD, THREAD "#5", THREAD "#5");
    r.platform = "board";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_int_equal(p.kind, JK_RECHECK_PAGE);
    assert_string_equal(p.url, THREAD);
    assert_true(p.obey_robots && p.text_test && p.allow_private);
    assert_null(p.token);
    jk_recheck_plan_release(&p);
    r.url = "https://elsewhere.example/x";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_false(p.allow_private);
    jk_recheck_plan_release(&p);

    /* an imported or tipped URL: no source, never private */
    r = social_row("web", NULL, "1", "http://10.0.0.1/page");
    r.source_kind = NULL;
    r.platform = "tip";
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), 0);
    assert_false(p.allow_private);
    assert_false(p.text_test);
    jk_recheck_plan_release(&p);
    r.url = NULL;
    assert_int_equal(jk_recheck_plan_for(&r, &tokens, &p, &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "item 3"));
    jk_recheck_plan_release(&p);
}

static void test_schedule_backs_off(void **state)
{
    (void)state;
    jk_recheck_schedule s;
    jk_recheck_schedule_default(&s);
    const int64_t h = 3600, t0 = 1000000;
    int64_t next, interval;
    /* the first check, 24 h after the report, finds it present: 48 h */
    jk_recheck_next(&s, t0, 86400, 0, "present", t0 + 24 * h, &next, &interval);
    assert_int_equal(interval, 48 * h);
    assert_int_equal(next, t0 + 72 * h);
    jk_recheck_next(&s, t0, interval, 1, "present", next, &next, &interval);
    assert_int_equal(interval, 96 * h);
    jk_recheck_next(&s, t0, interval, 2, "present", next, &next, &interval);
    assert_int_equal(interval, 168 * h); /* capped at 7 days */
    jk_recheck_next(&s, t0, interval, 3, "present", next, &next, &interval);
    assert_int_equal(interval, 168 * h);
    /* unknown: retried at the same pace */
    int64_t before = interval, at = next;
    jk_recheck_next(&s, t0, interval, 4, "unknown", at, &next, &interval);
    assert_int_equal(interval, before);
    assert_int_equal(next, at + before);
    /* removed: no more checks */
    jk_recheck_next(&s, t0, interval, 5, "removed", at, &next, &interval);
    assert_int_equal(next, 0);
    /* the last check falls on day 90, then none */
    jk_recheck_next(&s, t0, 168 * h, 9, "present", t0 + 88 * 24 * h, &next, &interval);
    assert_int_equal(next, t0 + 90 * 24 * h);
    jk_recheck_next(&s, t0, 168 * h, 10, "present", t0 + 90 * 24 * h, &next, &interval);
    assert_int_equal(next, 0);
    /* a configured first interval (first_hours: 6) starts the doubling */
    s.first_seconds = 6 * h;
    jk_recheck_next(&s, t0, 86400, 0, "present", t0 + 6 * h, &next, &interval);
    assert_int_equal(interval, 12 * h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passages_normalized_markup_ignored),
        cmocka_unit_test(test_status_decides_first),
        cmocka_unit_test(test_board_post_gone_and_archived),
        cmocka_unit_test(test_platform_answers),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_schedule_backs_off),
    };
    return cmocka_run_group_tests_name("recheck", tests, setup, teardown);
}
