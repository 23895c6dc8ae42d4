/*
 * test_misskey.c — the Misskey parser over recorded demo.misskey.io notes
 * (tests/data/social, from Misskey.py's cassettes) and our own Japanese
 * notes; the request of one page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "misskey.h"

static char *read_data(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/social/%s", JK_SOURCE_DIR, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
    data[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return data;
}

typedef struct log_lines {
    char text[4096];
    int count;
} log_lines;

static void collect_log(void *ctx, const char *message)
{
    log_lines *l = ctx;
    l->count++;
    strncat(l->text, message, sizeof l->text - strlen(l->text) - 2);
    strcat(l->text, "\n");
}

static void test_recorded_notes(void **state)
{
    (void)state;
    size_t len;
    char *body = read_data("misskey_notes.json", &len);
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    log_lines log = {{0}, 0};
    assert_int_equal(jk_misskey_parse(body, len, "https://demo.misskey.io/api/notes/global-timeline",
                                      &page, collect_log, &log, &err),
                     JK_OK);
    assert_int_equal(page.elements, 4);
    assert_int_equal(page.posts.n, 4);
    assert_int_equal(log.count, 0);
    assert_string_equal(page.newest_id, "8brm7vo9ze");
    assert_string_equal(page.oldest_id, "8brm3iut9c");
    const jk_post *p = &page.posts.v[0];
    /* a local note (no uri): its address on the instance */
    assert_string_equal(p->external_id, "https://demo.misskey.io/notes/8brm7vo9ze");
    assert_string_equal(p->url, "https://demo.misskey.io/notes/8brm7vo9ze");
    assert_string_equal(p->author, "MPTU_xfWQ5RAi@demo.misskey.io");
    assert_string_equal(p->posted_at, "2020-09-04T09:43:44Z");
    assert_null(p->lang);
    assert_string_equal(p->text, "This is polls test!\n1\n2"); /* poll choices too */
    p = &page.posts.v[3];
    assert_string_equal(p->external_id, "https://demo.misskey.io/notes/8brm3iut9c");
    assert_string_equal(p->text, "Now testing Note tests");
    jk_social_page_release(&page);
    free(body);
}

static void test_japanese_notes(void **state)
{
    (void)state;
    size_t len;
    char *body = read_data("misskey_ja.json", &len);
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    log_lines log = {{0}, 0};
    const char *url = "http://127.0.0.1:8099/api/notes/search-by-tag";
    assert_int_equal(jk_misskey_parse(body, len, url, &page, collect_log, &log, &err), JK_OK);
    assert_int_equal(page.elements, 8);
    assert_int_equal(page.skipped, 3);
    assert_int_equal(page.posts.n, 5);
    assert_int_equal(log.count, 3);
    assert_non_null(strstr(log.text, "http://127.0.0.1:8099/api/notes/search-by-tag: note 3 (id "
                                     "9zzzz00004): renote without the renoted note; skipped"));
    assert_non_null(strstr(log.text, "note 5: not an object; skipped"));
    assert_non_null(strstr(log.text, "note 6: no usable id; skipped"));
    assert_string_equal(page.newest_id, "9zzzz00007");
    assert_string_equal(page.oldest_id, "9zzzz00002");

    const jk_post *p = &page.posts.v[0];
    assert_string_equal(p->external_id, "http://127.0.0.1:8099/notes/9zzzz00007");
    assert_string_equal(p->author, "taro@127.0.0.1:8099");
    assert_string_equal(p->posted_at, "2026-03-01T00:30:00Z");
    /* cw, then the MFM text as it is, then the file's caption */
    assert_string_equal(p->text, "閲覧注意\n本文です\n$[x2 でかい]\n口座の写真");

    p = &page.posts.v[1];
    assert_string_equal(p->external_id, "https://remote.example/notes/abc");
    assert_string_equal(p->url, "https://remote.example/@jiro/abc");
    assert_string_equal(p->author, "jiro@remote.example");
    assert_string_equal(p->posted_at, "2026-03-01T00:20:00Z");
    assert_string_equal(p->lang, "ja");

    /* a pure renote is the renoted note */
    p = &page.posts.v[2];
    assert_string_equal(p->external_id, "http://127.0.0.1:8099/notes/9zzzz00001");
    assert_string_equal(p->author, "hanako@127.0.0.1:8099");
    assert_string_equal(p->posted_at, "2026-02-28T00:00:00Z");
    assert_string_equal(p->text, "リノートされる元の投稿");

    /* a quote is a note of its own */
    p = &page.posts.v[3];
    assert_string_equal(p->external_id, "http://127.0.0.1:8099/notes/9zzzz00003");
    assert_string_equal(p->text, "引用します");

    p = &page.posts.v[4];
    assert_null(p->posted_at);
    assert_string_equal(p->text, "投票\nはい\nいいえ");
    jk_social_page_release(&page);
    free(body);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "", "{\"error\":{\"code\":\"GTL_DISABLED\"}}", "[1,2", "null", "\"notes\"", NULL};
    for (size_t i = 0; bodies[i]; i++) {
        jk_social_page page;
        jk_social_page_init(&page);
        jk_error err;
        assert_int_equal(jk_misskey_parse(bodies[i], strlen(bodies[i]), "https://k.example/api/x",
                                          &page, NULL, NULL, &err),
                         JK_EPARSE);
        assert_non_null(strstr(err.message, "https://k.example/api/x"));
        jk_social_page_release(&page);
    }
    /* deep renote chains end; ids with URL or JSON syntax are refused */
    const char *deep = "[{\"id\":\"a1\",\"text\":null,\"renoteId\":\"a2\",\"renote\":{\"id\":\"a2\","
                       "\"text\":null,\"renoteId\":\"a3\",\"renote\":{\"id\":\"a3\",\"text\":null,"
                       "\"renoteId\":\"a4\",\"renote\":{\"id\":\"a4\",\"text\":null,\"renoteId\":"
                       "\"a5\",\"renote\":{\"id\":\"a5\",\"text\":null,\"renoteId\":\"a6\","
                       "\"renote\":{\"id\":\"a6\",\"text\":\"deep\"}}}}}},"
                       "{\"id\":\"b\\\"1\",\"text\":\"x\"},{\"id\":7,\"text\":\"y\"}]";
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    assert_int_equal(jk_misskey_parse(deep, strlen(deep), "https://k.example/api/x", &page, NULL,
                                      NULL, &err),
                     JK_OK);
    assert_int_equal(page.posts.n, 1);
    assert_int_equal(page.skipped, 2);
    assert_string_equal(page.posts.v[0].external_id, "https://k.example/notes/a5");
    assert_string_equal(page.newest_id, "a1");
    jk_social_page_release(&page);
}

static void test_requests(void **state)
{
    (void)state;
    jk_buf url, body;
    jk_buf_init(&url, 0);
    jk_buf_init(&body, 0);
    assert_int_equal(jk_misskey_page_request("https://k.example/", "", 100, NULL, NULL, NULL, &url,
                                             &body),
                     JK_OK);
    assert_string_equal(url.data, "https://k.example/api/notes/global-timeline");
    assert_string_equal(body.data, "{\"limit\":100}");
    assert_int_equal(jk_misskey_page_request("https://k.example", "#闇バイト", 100, "9abc", NULL,
                                             "tok\"en", &url, &body),
                     JK_OK);
    assert_string_equal(url.data, "https://k.example/api/notes/search-by-tag");
    json_t *j = json_loads(body.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "tag")), "闇バイト");
    assert_string_equal(json_string_value(json_object_get(j, "sinceId")), "9abc");
    assert_string_equal(json_string_value(json_object_get(j, "i")), "tok\"en");
    assert_int_equal(json_integer_value(json_object_get(j, "limit")), 100);
    assert_null(json_object_get(j, "untilId"));
    json_decref(j);
    assert_int_equal(jk_misskey_page_request("https://k.example", "受け子 \"募集\"", 100, NULL,
                                             "9xyz", NULL, &url, &body),
                     JK_OK);
    assert_string_equal(url.data, "https://k.example/api/notes/search");
    j = json_loads(body.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "query")), "受け子 \"募集\"");
    assert_string_equal(json_string_value(json_object_get(j, "untilId")), "9xyz");
    assert_null(json_object_get(j, "i"));
    json_decref(j);
    assert_int_equal(jk_misskey_page_request("https://k.example", "#", 100, NULL, NULL, NULL, &url,
                                             &body),
                     JK_EINVAL);
    assert_int_equal(jk_misskey_page_request("https://k.example", "\xff\xfe", 100, NULL, NULL,
                                             NULL, &url, &body),
                     JK_EINVAL);
    assert_true(jk_misskey_id_cmp("9zzzz00001", "9zzzz00002") < 0);
    assert_true(jk_misskey_id_cmp("a", "9") > 0);
    jk_buf_release(&url);
    jk_buf_release(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_notes),
        cmocka_unit_test(test_japanese_notes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
