/*
 * test_xapi.c — the X API v2 recent-search parser and URL builder against
 * recorded responses (tweepy's cassettes, tests/data/x/), a hand-made
 * Japanese page with every field the parser reads, malformed shapes, and
 * X's own OpenAPI document (the field names we request and read must be
 * the ones it defines).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xapi.h"

typedef struct logbook {
    char text[8192];
    int lines;
} logbook;

static void note(void *ctx, const char *message)
{
    logbook *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s\n", message);
    l->lines++;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return s;
}

static char *data_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/x/%s", JK_SOURCE_DIR, name);
    char *s = slurp(path, len);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

static int parse_str(const char *json, jk_posts *posts, jk_xapi_page *page, logbook *log,
                     jk_error *err)
{
    return jk_xapi_parse_search(json, strlen(json), posts, page, note, log, err);
}

static void test_tweepy_search_recent(void **state)
{
    (void)state;
    size_t len;
    char *json = data_file("tweepy_search_recent_tweets.json", &len);
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    logbook log = {0};
    jk_error err;
    assert_int_equal(jk_xapi_parse_search(json, len, &posts, &page, note, &log, &err), JK_OK);
    assert_int_equal(posts.n, 10);
    assert_int_equal(page.tweets, 10);
    assert_int_equal(page.skipped, 0);
    assert_int_equal(page.result_count, 10);
    assert_string_equal(page.newest_id, "1578516068309794817");
    assert_string_equal(page.oldest_id, "1578511538419212288");
    assert_string_equal(page.next_token, "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul");
    assert_string_equal(posts.v[0].external_id, "1578516068309794817");
    assert_string_equal(posts.v[0].text, "2022-10-07 22:42:12.637103 tweepy");
    assert_int_equal(posts.v[0].text_len, strlen("2022-10-07 22:42:12.637103 tweepy"));
    /* default fields only: no author to name, so the id-only status URL */
    assert_string_equal(posts.v[0].url, "https://x.com/i/web/status/1578516068309794817");
    assert_null(posts.v[0].author);
    assert_null(posts.v[0].posted_at);
    assert_null(posts.v[0].lang);
    assert_string_equal(posts.v[9].external_id, "1578511538419212288");
    assert_int_equal(log.lines, 0);
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
    free(json);
}

static const jk_post *find(const jk_posts *posts, const char *id)
{
    for (size_t i = 0; i < posts->n; i++)
        if (strcmp(posts->v[i].external_id, id) == 0)
            return &posts->v[i];
    return NULL;
}

static void test_tweepy_timeline_entities_and_japanese(void **state)
{
    (void)state;
    size_t len;
    char *json = data_file("tweepy_get_home_timeline.json", &len);
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_error err;
    assert_int_equal(jk_xapi_parse_search(json, len, &posts, &page, NULL, NULL, &err), JK_OK);
    assert_int_equal(posts.n, 98);
    assert_int_equal(page.result_count, 98);
    const jk_post *p = find(&posts, "1576206775262785542");
    assert_non_null(p);
    assert_non_null(strstr(p->text, "この例では、Python と Flask を使用して"));
    /* X escapes & < > in text; the stored text is what a reader sees */
    p = find(&posts, "1578095129495482369");
    assert_non_null(p);
    assert_non_null(strstr(p->text, "@snowman & I are tes"));
    assert_null(strstr(p->text, "&amp;"));
    for (size_t i = 0; i < posts.n; i++) {
        assert_null(strstr(posts.v[i].text, "&amp;"));
        assert_null(strstr(posts.v[i].text, "&gt;"));
    }
    /* astral characters come through as UTF-8 (the JSON has surrogate pairs) */
    p = find(&posts, "1578414851688480769");
    assert_non_null(p);
    assert_non_null(strstr(p->text, "\xF0\x9F\x97\xAF"));
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
    free(json);
}

static void test_japanese_page_every_field(void **state)
{
    (void)state;
    size_t len;
    char *json = data_file("search_ja.json", &len);
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    logbook log = {0};
    jk_error err;
    assert_int_equal(jk_xapi_parse_search(json, len, &posts, &page, note, &log, &err), JK_OK);
    assert_int_equal(page.tweets, 5);
    assert_int_equal(posts.n, 3);
    assert_int_equal(page.skipped, 2);
    assert_int_equal(page.errors, 1);
    assert_string_equal(page.next_token, "b26v89c19zqg8o3fosbr1u1fjbnn4l1uzvyvyetngw9ml");
    assert_string_equal(page.newest_id, "1790000000000000003");

    const jk_post *p = &posts.v[0];
    assert_string_equal(p->external_id, "1790000000000000003");
    assert_string_equal(p->url, "https://x.com/kousyunyu_job/status/1790000000000000003");
    assert_string_equal(p->author, "@kousyunyu_job");
    assert_string_equal(p->posted_at, "2024-05-13T09:15:30Z");
    assert_string_equal(p->lang, "ja");
    /* &amp; decoded, the t.co link expanded, and the & inside the expanded
     * URL left as it is (not decoded twice) */
    assert_string_equal(p->text, "【高額バイト】即日10万円&手渡し OK >> 詳しくはDMで "
                                 "https://example.jp/job?id=1&ref=x #闇バイト");

    p = &posts.v[1];
    assert_string_equal(p->external_id, "1790000000000000002");
    assert_string_equal(p->author, "@white_anken");
    /* +09:00 → UTC */
    assert_string_equal(p->posted_at, "2024-05-13T09:10:00Z");
    /* the long post's full text, with the note's own link expanded */
    assert_non_null(strstr(p->text, "詳細は https://example.com/white?a=1 を見てください。"));
    assert_null(strstr(p->text, "…"));
    assert_null(strstr(p->text, "t.co"));

    p = &posts.v[2];
    assert_string_equal(p->external_id, "1790000000000000001");
    /* author not in includes.users (the errors[] entry says why) */
    assert_null(p->author);
    assert_string_equal(p->url, "https://x.com/i/web/status/1790000000000000001");
    assert_null(p->posted_at); /* "yesterday" */
    assert_null(p->lang);      /* "und" */
    assert_string_equal(p->text, "今日はいい天気ですね");

    assert_non_null(strstr(log.text, "data[2]: no valid tweet id; skipped"));
    assert_non_null(strstr(log.text, "data[4]: no valid tweet id; skipped"));
    assert_non_null(strstr(log.text, "Not Found Error: Could not find user with id: [2000000099]."));
    assert_int_equal(log.lines, 3);
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
    free(json);
}

static void test_empty_result(void **state)
{
    (void)state;
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_error err;
    logbook log = {0};
    assert_int_equal(parse_str("{\"meta\":{\"result_count\":0}}", &posts, &page, &log, &err),
                     JK_OK);
    assert_int_equal(posts.n, 0);
    assert_int_equal(page.result_count, 0);
    assert_null(page.newest_id);
    assert_null(page.next_token);
    /* errors only (every requested thing failed) is still an answer */
    assert_int_equal(parse_str("{\"errors\":[{\"title\":\"x\",\"detail\":\"y\"}]}", &posts, &page,
                               &log, &err),
                     JK_OK);
    assert_int_equal(page.errors, 1);
    assert_int_equal(posts.n, 0);
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
}

static void test_malformed_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *says;
    } cases[] = {
        {"", "not JSON"},
        {"{\"data\":[", "not JSON"},
        {"[1,2]", "not a search result"},
        {"{}", "not a search result"},
        {"{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}",
         "not a search result: Unauthorized"},
        {"{\"data\":{\"id\":\"1\",\"text\":\"a\"}}", "wrong type"},
        {"{\"data\":[],\"includes\":[]}", "wrong type"},
        {"{\"data\":[],\"meta\":\"x\"}", "wrong type"},
        {"{\"data\":[],\"errors\":{}}", "wrong type"},
        {"{\"data\":[],\"meta\":{\"newest_id\":\"12a\"}}", "meta.newest_id is not a tweet id"},
        {"{\"data\":[],\"meta\":{\"oldest_id\":12}}", "meta.oldest_id is not a tweet id"},
        {"{\"data\":[],\"meta\":{\"next_token\":5}}", "meta.next_token is not a paging token"},
        {"{\"data\":[],\"meta\":{\"next_token\":\"\"}}", "meta.next_token is not a paging token"},
        {"{\"data\":[],\"meta\":{\"result_count\":\"3\"}}", "result_count is not a number"},
        {"{\"data\":[],\"includes\":{\"users\":{}}}", "includes.users is not an array"},
    };
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_error err;
    /* a good page first: a bad one after it must leave it alone */
    assert_int_equal(parse_str("{\"data\":[{\"id\":\"7\",\"text\":\"keep\"}]}", &posts, &page, NULL,
                               &err),
                     JK_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = parse_str(cases[i].json, &posts, &page, NULL, &err);
        if (rc != JK_EPARSE || !strstr(err.message, cases[i].says))
            fail_msg("case %zu (%s): rc %d, message \"%s\"", i, cases[i].json, rc, err.message);
        assert_int_equal(posts.n, 1);
        assert_null(page.next_token);
    }
    /* a failing page with good tweets before the bad meta adds nothing */
    assert_int_equal(parse_str("{\"data\":[{\"id\":\"8\",\"text\":\"x\"}],\"meta\":{\"newest_id\":\"a\"}}",
                               &posts, &page, NULL, &err),
                     JK_EPARSE);
    assert_int_equal(posts.n, 1);
    assert_string_equal(posts.v[0].text, "keep");
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
}

static void test_malformed_tweets_skipped(void **state)
{
    (void)state;
    const char *json =
        "{\"data\":[1,null,\"s\",{},{\"id\":\"\",\"text\":\"a\"},{\"id\":\"12345678901234567890\","
        "\"text\":\"20 digits\"},{\"id\":\"1\"},{\"id\":\"2\",\"text\":5},"
        "{\"id\":\"3\",\"text\":\"ok\",\"lang\":7,\"created_at\":[],\"author_id\":{}},"
        "{\"id\":\"4\",\"text\":\"a\\u0000b\"},"
        "{\"id\":\"5\",\"text\":\"x\",\"author_id\":\"9\"}],"
        "\"includes\":{\"users\":[{\"id\":\"9\",\"username\":\"bad/../name\"},5]}}";
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    logbook log = {0};
    jk_error err;
    assert_int_equal(parse_str(json, &posts, &page, &log, &err), JK_OK);
    assert_int_equal(page.tweets, 11);
    assert_int_equal(posts.n, 3);
    assert_int_equal(page.skipped, 8);
    assert_int_equal(log.lines, 8);
    assert_non_null(strstr(log.text, "data[6] (tweet 1): no text; skipped"));
    assert_string_equal(posts.v[0].external_id, "3");
    assert_null(posts.v[0].lang);
    assert_null(posts.v[0].posted_at);
    /* text may hold NUL; the length says where it ends */
    assert_int_equal(posts.v[1].text_len, 3);
    assert_memory_equal(posts.v[1].text, "a\0b", 3);
    /* a username that could not be a handle never goes into a URL */
    assert_string_equal(posts.v[2].url, "https://x.com/i/web/status/5");
    assert_null(posts.v[2].author);
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
}

static void test_link_substitution_edges(void **state)
{
    (void)state;
    /* a short link that is a prefix of another is not replaced inside it;
     * an entity whose url does not occur changes nothing; repeated links
     * all expand */
    const char *json =
        "{\"data\":[{\"id\":\"1\",\"text\":\"https://t.co/abcd https://t.co/abc https://t.co/abc. &amp;amp; &quot;\","
        "\"entities\":{\"urls\":[{\"url\":\"https://t.co/abc\",\"expanded_url\":\"https://e.jp/&lt;\"},"
        "{\"url\":\"https://t.co/zzz\",\"expanded_url\":\"https://nowhere\"},"
        "{\"url\":5,\"expanded_url\":\"x\"},{\"url\":\"https://t.co/abcd\"}]}}]}";
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_error err;
    assert_int_equal(parse_str(json, &posts, &page, NULL, &err), JK_OK);
    assert_int_equal(posts.n, 1);
    assert_string_equal(posts.v[0].text,
                        "https://t.co/abcd https://e.jp/&lt; https://e.jp/&lt;. &amp; &quot;");
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
}

static void test_text_expansion_bounded(void **state)
{
    (void)state;
    /* 200 copies of one short link, each expanding to 4000 bytes: 800 kB,
     * over the per-post bound, so the tweet is skipped, not swallowed */
    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_buf_puts(&b, "{\"data\":[{\"id\":\"1\",\"text\":\""), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(jk_buf_puts(&b, "https://t.co/a "), 0);
    assert_int_equal(jk_buf_puts(&b, "\",\"entities\":{\"urls\":[{\"url\":\"https://t.co/a\","
                                     "\"expanded_url\":\"https://e/"),
                     0);
    for (int i = 0; i < 3990; i++)
        assert_int_equal(jk_buf_putc(&b, 'x'), 0);
    assert_int_equal(jk_buf_puts(&b, "\"}]}},{\"id\":\"2\",\"text\":\"fine\"}]}"), 0);
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    logbook log = {0};
    jk_error err;
    assert_int_equal(jk_xapi_parse_search(b.data, b.len, &posts, &page, note, &log, &err), JK_OK);
    assert_int_equal(posts.n, 1);
    assert_string_equal(posts.v[0].external_id, "2");
    assert_int_equal(page.skipped, 1);
    assert_non_null(strstr(log.text, "tweet 1): text longer than"));
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
    jk_buf_release(&b);
}

static void test_search_url(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_error err;
    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com/", "闇バイト OR \"即日 現金\" -is:retweet",
                                        "1790000000000000003", "b26v/+=", &err),
                     JK_OK);
    assert_string_equal(
        b.data,
        "https://api.x.com/2/tweets/search/recent?query="
        "%E9%97%87%E3%83%90%E3%82%A4%E3%83%88%20OR%20%22%E5%8D%B3%E6%97%A5%20%E7%8F%BE%E9%87%91%22"
        "%20-is%3Aretweet&max_results=100"
        "&tweet.fields=created_at,lang,author_id,entities,conversation_id,note_tweet"
        "&expansions=author_id&user.fields=username,name"
        "&since_id=1790000000000000003&next_token=b26v%2F%2B%3D");
    jk_buf_reset(&b);
    assert_int_equal(jk_xapi_search_url(&b, "http://127.0.0.1:8080", "a&b=c#d", NULL, NULL, &err),
                     JK_OK);
    assert_non_null(strstr(b.data, "http://127.0.0.1:8080/2/tweets/search/recent?query=a%26b%3Dc%23d&max"));
    assert_null(strstr(b.data, "since_id"));
    assert_null(strstr(b.data, "next_token"));

    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com", "", NULL, NULL, &err), JK_EINVAL);
    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com", NULL, NULL, NULL, &err), JK_EINVAL);
    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com", "q", "12&x=1", NULL, &err),
                     JK_EINVAL);
    assert_non_null(strstr(err.message, "not a tweet id"));
    /* the query limit at N and N+1 */
    char *q = malloc(JK_XAPI_MAX_QUERY_BYTES + 2);
    assert_non_null(q);
    memset(q, 'a', JK_XAPI_MAX_QUERY_BYTES + 1);
    q[JK_XAPI_MAX_QUERY_BYTES] = '\0';
    jk_buf_reset(&b);
    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com", q, NULL, NULL, &err), JK_OK);
    q[JK_XAPI_MAX_QUERY_BYTES] = 'a';
    q[JK_XAPI_MAX_QUERY_BYTES + 1] = '\0';
    assert_int_equal(jk_xapi_search_url(&b, "https://api.x.com", q, NULL, NULL, &err), JK_EINVAL);
    free(q);
    /* a full buffer is an error, not a cut URL */
    jk_buf small;
    jk_buf_init(&small, 40);
    assert_int_equal(jk_xapi_search_url(&small, "https://api.x.com", "q", NULL, NULL, &err),
                     JK_ELIMIT);
    jk_buf_release(&small);
    jk_buf_release(&b);
}

static void test_time(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2021-01-06T18:40:40.000Z", "2021-01-06T18:40:40Z"},
        {"2021-01-06T18:40:40Z", "2021-01-06T18:40:40Z"},
        {"2024-05-13T01:10:00+09:00", "2024-05-12T16:10:00Z"},
        {"2023-12-31T20:30:00-05:30", "2024-01-01T02:00:00Z"},
        {"2024-02-29T00:00:00.123456Z", "2024-02-29T00:00:00Z"},
        {"Wed Jan 06 18:40:40 +0000 2021", "2021-01-06T18:40:40Z"},
        {"Mon May 13 00:30:00 +0900 2024", "2024-05-12T15:30:00Z"},
        {"2023-02-29T00:00:00Z", ""},
        {"2021-13-01T00:00:00Z", ""},
        {"2021-01-06T24:00:00Z", ""},
        {"2021-01-06T18:40:40", ""},
        {"2021-01-06T18:40:40.Z", ""},
        {"2021-01-06T18:40:40Zjunk", ""},
        {"1970-01-01T00:00:00+00:01", ""},
        {"Wed Foo 06 18:40:40 +0000 2021", ""},
        {"yesterday", ""},
        {"", ""},
    };
    char out[21];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = jk_xapi_time(cases[i].in, out);
        if (ok != (cases[i].out[0] != '\0') || strcmp(out, cases[i].out) != 0)
            fail_msg("\"%s\" → \"%s\", want \"%s\"", cases[i].in, out, cases[i].out);
    }
    assert_false(jk_xapi_time(NULL, out));
}

static void test_problem_summary(void **state)
{
    (void)state;
    char out[256];
    const char *unauthorized =
        "{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}";
    jk_xapi_problem(unauthorized, strlen(unauthorized), out, sizeof out);
    assert_string_equal(out, "Unauthorized");
    const char *invalid =
        "{\"errors\":[{\"parameters\":{\"since_id\":[\"1\"]},\"message\":\"Invalid 'since_id':'1'.\\n\"}],"
        "\"title\":\"Invalid Request\",\"detail\":\"One or more parameters to your request was invalid.\","
        "\"type\":\"https://api.twitter.com/2/problems/invalid-request\"}";
    jk_xapi_problem(invalid, strlen(invalid), out, sizeof out);
    assert_string_equal(out, "Invalid Request: One or more parameters to your request was invalid. "
                             "(Invalid 'since_id':'1'. )");
    const char *v1 = "{\"errors\":[{\"code\":88,\"message\":\"Rate limit exceeded\"}]}";
    jk_xapi_problem(v1, strlen(v1), out, sizeof out);
    assert_string_equal(out, "Rate limit exceeded");
    jk_xapi_problem("<html>", 6, out, sizeof out);
    assert_string_equal(out, "");
    char tiny[8];
    jk_xapi_problem(invalid, strlen(invalid), tiny, sizeof tiny);
    assert_string_equal(tiny, "Invalid");
}

static void test_is_id(void **state)
{
    (void)state;
    assert_true(jk_xapi_is_id("1"));
    assert_true(jk_xapi_is_id("9999999999999999999"));
    assert_false(jk_xapi_is_id("99999999999999999999"));
    assert_false(jk_xapi_is_id(""));
    assert_false(jk_xapi_is_id(NULL));
    assert_false(jk_xapi_is_id("-1"));
    assert_false(jk_xapi_is_id("12 "));
}

/* ---- X's OpenAPI document ------------------------------------------ */

static json_t *openapi;

static json_t *schema(const char *name)
{
    return json_object_get(json_object_get(json_object_get(openapi, "components"), "schemas"), name);
}

static bool enum_has(const json_t *values, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
        return true;
    return false;
}

static void test_openapi_field_names(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/x-v2-openapi/latest-openapi.json", JK_SHARED_FIXTURES);
    json_error_t jerr;
    openapi = json_load_file(path, 0, &jerr);
    if (!openapi) {
        print_message("no %s; skipped\n", path);
        skip();
    }
    /* every tweet field we ask for exists */
    const json_t *params = json_object_get(json_object_get(openapi, "components"), "parameters");
    const json_t *tf = json_object_get(json_object_get(json_object_get(params, "TweetFieldsParameter"),
                                                       "schema"),
                                       "items");
    const char *asked[] = {"created_at", "lang", "author_id", "entities", "conversation_id",
                           "note_tweet"};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++)
        if (!enum_has(json_object_get(tf, "enum"), asked[i]))
            fail_msg("tweet.fields has no %s", asked[i]);
    const json_t *uf = json_object_get(
        json_object_get(json_object_get(params, "UserFieldsParameter"), "schema"), "items");
    assert_true(enum_has(json_object_get(uf, "enum"), "username"));
    assert_true(enum_has(json_object_get(uf, "enum"), "name"));
    const json_t *ex = json_object_get(
        json_object_get(json_object_get(params, "TweetExpansionsParameter"), "schema"), "items");
    assert_true(enum_has(json_object_get(ex, "enum"), "author_id"));
    /* and every member we read is where we read it */
    const json_t *tweet = json_object_get(schema("Tweet"), "properties");
    const char *read[] = {"id", "text", "author_id", "created_at", "lang", "entities", "note_tweet"};
    for (size_t i = 0; i < sizeof read / sizeof read[0]; i++)
        if (!json_object_get(tweet, read[i]))
            fail_msg("Tweet has no %s", read[i]);
    assert_non_null(json_object_get(
        json_object_get(json_object_get(tweet, "note_tweet"), "properties"), "text"));
    assert_non_null(json_object_get(
        json_object_get(json_object_get(tweet, "note_tweet"), "properties"), "entities"));
    const json_t *urlf = json_object_get(schema("UrlFields"), "properties");
    assert_non_null(json_object_get(urlf, "url"));
    assert_non_null(json_object_get(urlf, "expanded_url"));
    assert_non_null(json_object_get(json_object_get(schema("FullTextEntities"), "properties"), "urls"));
    const json_t *resp = json_object_get(schema("Get2TweetsSearchRecentResponse"), "properties");
    const json_t *meta = json_object_get(json_object_get(resp, "meta"), "properties");
    const char *metas[] = {"newest_id", "oldest_id", "result_count", "next_token"};
    for (size_t i = 0; i < 4; i++)
        assert_non_null(json_object_get(meta, metas[i]));
    assert_non_null(json_object_get(resp, "includes"));
    assert_non_null(json_object_get(resp, "errors"));
    assert_non_null(json_object_get(json_object_get(schema("Expansions"), "properties"), "users"));
    const json_t *user = json_object_get(schema("User"), "properties");
    assert_non_null(json_object_get(user, "username"));
    assert_non_null(json_object_get(user, "id"));
    /* the request parameters we send */
    const json_t *get = json_object_get(
        json_object_get(json_object_get(openapi, "paths"), "/2/tweets/search/recent"), "get");
    assert_non_null(get);
    const char *names[] = {"query", "since_id", "max_results", "next_token"};
    for (size_t k = 0; k < 4; k++) {
        bool found = false;
        size_t i;
        const json_t *p;
        json_array_foreach(json_object_get(get, "parameters"), i, p) {
            const char *n = json_string_value(json_object_get(p, "name"));
            if (n && strcmp(n, names[k]) == 0) {
                found = true;
                if (strcmp(n, "max_results") == 0)
                    assert_int_equal(json_integer_value(json_object_get(
                                         json_object_get(p, "schema"), "maximum")),
                                     JK_XAPI_MAX_RESULTS);
            }
        }
        if (!found)
            fail_msg("search/recent has no parameter %s", names[k]);
    }
    /* the schema's own Tweet example (v1.1-style created_at) parses */
    json_t *page = json_pack("{s:[O]}", "data", json_object_get(schema("Tweet"), "example"));
    assert_non_null(page);
    char *text = json_dumps(page, 0);
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page pg;
    jk_xapi_page_init(&pg);
    jk_error err;
    assert_int_equal(jk_xapi_parse_search(text, strlen(text), &posts, &pg, NULL, NULL, &err), JK_OK);
    assert_int_equal(posts.n, 1);
    assert_string_equal(posts.v[0].external_id, "1346889436626259968");
    assert_string_equal(posts.v[0].posted_at, "2021-01-06T18:40:40Z");
    jk_xapi_page_release(&pg);
    jk_posts_release(&posts);
    free(text);
    json_decref(page);
    json_decref(openapi);
    openapi = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tweepy_search_recent),
        cmocka_unit_test(test_tweepy_timeline_entities_and_japanese),
        cmocka_unit_test(test_japanese_page_every_field),
        cmocka_unit_test(test_empty_result),
        cmocka_unit_test(test_malformed_shapes),
        cmocka_unit_test(test_malformed_tweets_skipped),
        cmocka_unit_test(test_link_substitution_edges),
        cmocka_unit_test(test_text_expansion_bounded),
        cmocka_unit_test(test_search_url),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_problem_summary),
        cmocka_unit_test(test_is_id),
        cmocka_unit_test(test_openapi_field_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
