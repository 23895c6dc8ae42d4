/*
 * test_mastodon.c — the Mastodon parser over recorded mastodon.social
 * responses (tests/data/social, from Mastodon.py's cassettes) and our own
 * Japanese statuses; the Link header parser; page URLs; timestamps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "link_header.h"
#include "mastodon.h"

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

static const jk_post *find_post(const jk_social_page *page, const char *external_id)
{
    for (size_t i = 0; i < page->posts.n; i++)
        if (strcmp(page->posts.v[i].external_id, external_id) == 0)
            return &page->posts.v[i];
    return NULL;
}

static void test_recorded_statuses(void **state)
{
    (void)state;
    size_t len;
    char *body = read_data("mastodon_statuses.json", &len);
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    log_lines log = {{0}, 0};
    assert_int_equal(jk_mastodon_parse(body, len, "https://mastodon.social/api/v1/timelines/public",
                                       &page, collect_log, &log, &err),
                     JK_OK);
    assert_int_equal(page.elements, 6);
    assert_int_equal(page.skipped, 0);
    assert_int_equal(page.posts.n, 6);
    assert_string_equal(page.newest_id, "110447098625216345");
    assert_string_equal(page.oldest_id, "110446183735368325");

    /* a remote status: the URI is the origin's, the acct already has a host */
    const jk_post *p =
        find_post(&page, "https://icosahedron.website/users/halcy/statuses/110446222386355655");
    assert_non_null(p);
    assert_string_equal(p->url, "https://icosahedron.website/@halcy/110446222386355655");
    assert_string_equal(p->author, "halcy@icosahedron.website");
    assert_string_equal(p->posted_at, "2023-05-28T12:06:50Z");
    assert_string_equal(p->lang, "de");
    /* spoiler first, then the content as text, then the media description */
    assert_true(strncmp(p->text, "test post for mastodon.py stuff\n@halcy you're a doo-doo head",
                        60) == 0);
    assert_non_null(strstr(p->text, "#ThisIsAHashtag"));
    assert_null(strstr(p->text, "<p>"));
    assert_null(strstr(p->text, "<span"));
    assert_non_null(strstr(p->text, "\na furry cube breakdancing"));

    /* a local account gets the instance's host */
    p = find_post(&page, "https://mastodon.social/users/halcy/statuses/110447003454258227");
    assert_non_null(p);
    assert_string_equal(p->author, "halcy@mastodon.social");
    assert_string_equal(p->text, "image post\nfurry cube");

    /* poll options are text too */
    p = find_post(&page, "https://icosahedron.website/users/halcy/statuses/110446382983698223");
    assert_non_null(p);
    assert_non_null(strstr(p->text, "\nreal\nfr fr\nso true\n:hecker:"));

    /* a link's hidden parts (class="invisible") still spell the whole URL */
    p = find_post(&page, "https://mastodon.social/users/halcy/statuses/110447098625216345");
    assert_non_null(p);
    assert_non_null(
        strstr(p->text, "https://soundcloud.com/wakarangirl/popstars-dj-wakaran-girl-khard-bass-flex-1"));
    assert_int_equal(log.count, 0);
    jk_social_page_release(&page);
    free(body);
}

static void test_recorded_search_v2(void **state)
{
    (void)state;
    size_t len;
    char *body = read_data("mastodon_search_v2.json", &len);
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    assert_int_equal(jk_mastodon_parse(body, len,
                                       "https://mastodon.social/api/v2/search?q=halcy&type=statuses",
                                       &page, NULL, NULL, &err),
                     JK_OK);
    assert_int_equal(page.posts.n, 2);
    assert_string_equal(page.newest_id, "116388149027005349");
    assert_string_equal(page.oldest_id, "116388107849695302");
    const jk_post *p =
        find_post(&page, "https://social.sublingual.xyz/users/Jo/statuses/116388107097123650");
    assert_non_null(p);
    assert_string_equal(p->author, "Jo@social.sublingual.xyz");
    assert_string_equal(p->posted_at, "2026-04-11T21:06:15Z");
    assert_true(p->text_len > 0);
    jk_social_page_release(&page);
    free(body);
}

static void test_japanese_statuses(void **state)
{
    (void)state;
    size_t len;
    char *body = read_data("mastodon_ja.json", &len);
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    log_lines log = {{0}, 0};
    const char *url = "https://patrol.example/api/v1/timelines/tag/%E9%97%87";
    assert_int_equal(jk_mastodon_parse(body, len, url, &page, collect_log, &log, &err), JK_OK);
    assert_int_equal(page.elements, 7);
    assert_int_equal(page.skipped, 3);
    assert_int_equal(page.posts.n, 4);
    assert_int_equal(log.count, 3);
    /* each skip names the URL, the element and why */
    assert_non_null(strstr(log.text, "timelines/tag/%E9%97%87: status 3: not an object; skipped"));
    assert_non_null(strstr(log.text, "status 4 (id 110000000000000103): no uri; skipped"));
    assert_non_null(strstr(log.text, "status 5: no usable id; skipped"));
    /* paging covers the skipped status with a usable id, and a numeric id
     * (shorter, so older) */
    assert_string_equal(page.newest_id, "110000000000000107");
    assert_string_equal(page.oldest_id, "99");

    const jk_post *p = &page.posts.v[0];
    assert_string_equal(p->external_id,
                        "https://patrol.example/users/taro/statuses/110000000000000107");
    assert_string_equal(p->author, "taro@patrol.example");
    assert_string_equal(p->posted_at, "2026-03-01T00:30:00Z"); /* +09:00 to UTC */
    assert_string_equal(p->lang, "ja");
    assert_string_equal(p->text, "高収入バイト募集中！\n即日現金&手渡し<安心>\n"
                                 "詳細はhttps://example.jp/x まで \"DM\"で'連絡' #闇バイト");
    assert_int_equal(p->text_len, strlen(p->text));

    p = &page.posts.v[1];
    assert_string_equal(p->posted_at, "2026-03-01T00:20:00Z");
    assert_string_equal(p->text, "閲覧注意\nﾔｻｲ あります\n手押し ok\n野菜の写真（値段表つき）");

    /* a reblog is the reblogged status, the booster's id pages */
    p = &page.posts.v[2];
    assert_string_equal(p->external_id, "https://other.example/users/jiro/statuses/555");
    assert_string_equal(p->url, "https://other.example/@jiro/555");
    assert_string_equal(p->author, "jiro@other.example");
    assert_string_equal(p->posted_at, "2026-02-28T23:59:59Z");
    assert_string_equal(p->text, "受け子できる人DMください");

    p = &page.posts.v[3];
    assert_string_equal(p->external_id, "https://patrol.example/users/saburo/statuses/99");
    assert_string_equal(p->url, p->external_id); /* no url: the uri */
    assert_null(p->posted_at);                   /* not a date: left out, not invented */
    assert_null(p->lang);
    assert_string_equal(p->text, "投票: どれ？\n赤\n青");
    jk_social_page_release(&page);
    free(body);
}

static void expect_parse_error(const char *body, const char *needle)
{
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    jk_error_clear(&err);
    assert_int_equal(jk_mastodon_parse(body, strlen(body), "https://m.example/api/v1/x", &page,
                                       NULL, NULL, &err),
                     JK_EPARSE);
    assert_non_null(strstr(err.message, "https://m.example/api/v1/x"));
    assert_non_null(strstr(err.message, needle));
    assert_int_equal(page.posts.n, 0);
    jk_social_page_release(&page);
}

static void test_malformed_bodies(void **state)
{
    (void)state;
    expect_parse_error("", "not JSON");
    expect_parse_error("[{\"id\":\"1\"", "not JSON");
    expect_parse_error("<html>502 Bad Gateway</html>", "not JSON");
    expect_parse_error("{\"error\":\"Record not found\"}", "without statuses");
    expect_parse_error("{\"statuses\":{}}", "without statuses");
    expect_parse_error("\"x\"", "another value");
    expect_parse_error("null", "another value");

    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    assert_int_equal(jk_mastodon_parse("[]", 2, "https://m.example/", &page, NULL, NULL, &err),
                     JK_OK);
    assert_int_equal(page.elements, 0);
    assert_null(page.newest_id);
    assert_null(page.oldest_id);
    jk_social_page_release(&page);
    /* ids that would break a URL or the saved cursor are refused */
    const char *bad = "[{\"id\":\"1&max_id=2\",\"uri\":\"https://a/1\"},"
                      "{\"id\":\"\",\"uri\":\"https://a/2\"},"
                      "{\"id\":\"12345678901234567890123456789012345678901234567890123456789012345\","
                      "\"uri\":\"https://a/3\"},{\"id\":-5,\"uri\":\"https://a/4\"}]";
    assert_int_equal(jk_mastodon_parse(bad, strlen(bad), "https://m.example/", &page, NULL, NULL,
                                       &err),
                     JK_OK);
    assert_int_equal(page.skipped, 4);
    assert_int_equal(page.posts.n, 0);
    jk_social_page_release(&page);
}

static void test_id_order(void **state)
{
    (void)state;
    assert_true(jk_mastodon_id_cmp("99", "100") < 0);
    assert_true(jk_mastodon_id_cmp("110446183735368325", "110447098625216345") < 0);
    assert_true(jk_mastodon_id_cmp("20", "19") > 0);
    assert_int_equal(jk_mastodon_id_cmp("7", "7"), 0);
    assert_true(jk_social_id_ok("AbC_-9"));
    assert_false(jk_social_id_ok("a b"));
    assert_false(jk_social_id_ok("a\"b"));
    assert_false(jk_social_id_ok(""));
    assert_false(jk_social_id_ok(NULL));
    char id[JK_SOCIAL_MAX_ID + 2];
    memset(id, '1', sizeof id);
    id[JK_SOCIAL_MAX_ID] = '\0';
    assert_true(jk_social_id_ok(id)); /* N */
    id[JK_SOCIAL_MAX_ID] = '1';
    id[JK_SOCIAL_MAX_ID + 1] = '\0';
    assert_false(jk_social_id_ok(id)); /* N+1 */
}

static void test_time_utc(void **state)
{
    (void)state;
    char out[21];
    assert_true(jk_social_time_utc("2023-05-28T12:06:50.000Z", out));
    assert_string_equal(out, "2023-05-28T12:06:50Z");
    assert_true(jk_social_time_utc("2024-01-01T08:30:00+09:00", out));
    assert_string_equal(out, "2023-12-31T23:30:00Z");
    assert_true(jk_social_time_utc("2024-03-01T00:30:00+0100", out));
    assert_string_equal(out, "2024-02-29T23:30:00Z");
    assert_true(jk_social_time_utc("2023-12-31T20:00:00-05:00", out));
    assert_string_equal(out, "2024-01-01T01:00:00Z");
    assert_true(jk_social_time_utc("2020-09-04 09:40:21.173456z", out));
    assert_string_equal(out, "2020-09-04T09:40:21Z");
    assert_true(jk_social_time_utc("0001-01-01T00:00:00Z", out));
    assert_string_equal(out, "0001-01-01T00:00:00Z");
    assert_false(jk_social_time_utc("0000-01-01T00:00:00+01:00", out)); /* before year 0 */
    assert_false(jk_social_time_utc("2023-02-29T00:00:00Z", out));
    assert_false(jk_social_time_utc("2023-05-28T12:06:50", out)); /* no zone */
    assert_false(jk_social_time_utc("2023-05-28T24:00:00Z", out));
    assert_false(jk_social_time_utc("2023-05-28T12:06:50.Z", out));
    assert_false(jk_social_time_utc("2023-05-28T12:06:50Zjunk", out));
    assert_false(jk_social_time_utc("2023-13-01T00:00:00Z", out));
    assert_false(jk_social_time_utc("yesterday", out));
    assert_false(jk_social_time_utc(NULL, out));
}

static void test_page_urls(void **state)
{
    (void)state;
    jk_buf url;
    jk_buf_init(&url, 0);
    assert_int_equal(jk_mastodon_page_url("https://m.example/", NULL, 40, NULL, NULL, &url), JK_OK);
    assert_string_equal(url.data, "https://m.example/api/v1/timelines/public?limit=40");
    assert_int_equal(jk_mastodon_page_url("https://m.example", " #闇バイト ", 40, "min_id", "123", &url),
                     JK_OK);
    assert_string_equal(url.data, "https://m.example/api/v1/timelines/tag/"
                                  "%E9%97%87%E3%83%90%E3%82%A4%E3%83%88?limit=40&min_id=123");
    assert_int_equal(jk_mastodon_page_url("https://m.example", "受け子 募集&x=1", 40, "max_id", "9",
                                          &url),
                     JK_OK);
    assert_string_equal(url.data, "https://m.example/api/v2/search?q="
                                  "%E5%8F%97%E3%81%91%E5%AD%90%20%E5%8B%9F%E9%9B%86%26x%3D1"
                                  "&type=statuses&resolve=false&limit=40&max_id=9");
    assert_int_equal(jk_mastodon_page_url("https://m.example", "#", 40, NULL, NULL, &url), JK_EINVAL);
    jk_social_mode mode;
    const char *term;
    size_t n;
    assert_int_equal(jk_social_query("   ", &mode, &term, &n), JK_OK);
    assert_int_equal(mode, JK_SOCIAL_PUBLIC);
    assert_int_equal(jk_social_query("#tag", &mode, &term, &n), JK_OK);
    assert_int_equal(mode, JK_SOCIAL_TAG);
    assert_int_equal(n, 3);
    assert_int_equal(jk_social_query("a #tag", &mode, &term, &n), JK_OK);
    assert_int_equal(mode, JK_SOCIAL_SEARCH);
    jk_buf_release(&url);
}

/* ---- Link header (RFC 8288) ---- */

static const char *link_find(const char *header, const char *base, const char *rel,
                             size_t *skipped, jk_links *links)
{
    jk_links_init(links);
    assert_int_equal(jk_link_header_parse(header, strlen(header), base, links, skipped), JK_OK);
    return jk_links_find(links, rel);
}

#define ASSERT_LINK(header, base, rel, want, want_skipped)                                     \
    do {                                                                                       \
        jk_links links_;                                                                       \
        size_t skipped_ = 99;                                                                  \
        const char *got_ = link_find(header, base, rel, &skipped_, &links_);                  \
        if (want)                                                                              \
            assert_string_equal(got_, (const char *)(want));                                   \
        else                                                                                   \
            assert_null(got_);                                                                 \
        assert_int_equal(skipped_, want_skipped);                                              \
        jk_links_release(&links_);                                                             \
    } while (0)

static void test_link_header(void **state)
{
    (void)state;
    /* recorded from mastodon.social (conversation and trends cassettes) */
    const char *real = "<https://mastodon.social/api/v1/conversations?max_id=116262403687873880>; "
                       "rel=\"next\", <https://mastodon.social/api/v1/conversations?min_id="
                       "116368390488686134>; rel=\"prev\"";
    ASSERT_LINK(real, NULL, "next",
                "https://mastodon.social/api/v1/conversations?max_id=116262403687873880", 0);
    ASSERT_LINK(real, NULL, "prev",
                "https://mastodon.social/api/v1/conversations?min_id=116368390488686134", 0);
    ASSERT_LINK(real, NULL, "last", NULL, 0);
    ASSERT_LINK("<https://mastodon.social/api/v1/trends/tags?offset=10>; rel=\"next\"", NULL,
                "next", "https://mastodon.social/api/v1/trends/tags?offset=10", 0);
    /* a rel list, case-insensitive names and types, token values */
    ASSERT_LINK("<https://a.example/1>; rel=\"prev  next\"", NULL, "next", "https://a.example/1", 0);
    ASSERT_LINK("<https://a.example/1>; REL=NEXT", NULL, "next", "https://a.example/1", 0);
    ASSERT_LINK("<https://a.example/1>;rel=next;title=x", NULL, "Next", "https://a.example/1", 0);
    /* "nextx" is not "next" */
    ASSERT_LINK("<https://a.example/1>; rel=\"nextx prev\"", NULL, "next", NULL, 0);
    /* commas and semicolons inside quotes and URIs do not split */
    ASSERT_LINK("<https://a.example/1>; title=\"a, b; <c>\", <https://a.example/2?x=1,2;3>; "
                "rel=next",
                NULL, "next", "https://a.example/2?x=1,2;3", 0);
    ASSERT_LINK("<https://a.example/1>; title=\"say \\\"next\\\", ok\"; rel=next", NULL, "next",
                "https://a.example/1", 0);
    /* only the first rel counts (§3.3) */
    ASSERT_LINK("<https://a.example/1>; rel=prev; rel=next", NULL, "next", NULL, 0);
    /* relative references resolve against the response's URL */
    ASSERT_LINK("</api/v1/timelines/public?max_id=5>; rel=next",
                "https://i.example/api/v1/timelines/public?limit=40", "next",
                "https://i.example/api/v1/timelines/public?max_id=5", 0);
    ASSERT_LINK("<?max_id=5>; rel=next", "https://i.example/api/v1/timelines/public?limit=40",
                "next", "https://i.example/api/v1/timelines/public?max_id=5", 0);
    /* empty list elements, OWS, a trailing ";" */
    ASSERT_LINK(" , ,\t<https://a.example/1> ;\trel = \"next\" ; , ", NULL, "next",
                "https://a.example/1", 0);
    /* malformed link-values are skipped, the good ones kept */
    ASSERT_LINK("garbage; rel=next, <https://a.example/2>; rel=\"next\"", NULL, "next",
                "https://a.example/2", 1);
    ASSERT_LINK("<https://a.example/1>; rel=\"next", NULL, "next", NULL, 1);
    ASSERT_LINK("<https://a.example/1; rel=next", NULL, "next", NULL, 1);
    ASSERT_LINK("<https://a.example /1>; rel=next, <https://a.example/3>; rel=next", NULL, "next",
                "https://a.example/3", 1);
    ASSERT_LINK("<https://a.example/1> rel=next, <https://a.example/4>; rel=next", NULL, "next",
                "https://a.example/4", 1);
    ASSERT_LINK("<https://a.example/1>; =next, <https://a.example/5>; rel=", NULL, "next", NULL, 2);
    ASSERT_LINK("<https://a.example/1>; rel=\"next\"junk, <https://a.example/6>; rel=next", NULL,
                "next", "https://a.example/6", 1);
    ASSERT_LINK("", NULL, "next", NULL, 0);
    /* an embedded NUL makes its link-value malformed, not the header's end */
    jk_links links;
    jk_links_init(&links);
    const char nul[] = "<https://a.example/1>; rel=next\0, <https://a.example/2>; rel=prev";
    size_t skipped = 0;
    assert_int_equal(jk_link_header_parse(nul, sizeof nul - 1, NULL, &links, &skipped), JK_OK);
    assert_int_equal(links.n, 1);
    assert_int_equal(skipped, 1);
    assert_null(jk_links_find(&links, "next"));
    assert_string_equal(jk_links_find(&links, "prev"), "https://a.example/2");
    jk_links_release(&links);
}

static void test_origins(void **state)
{
    (void)state;
    char *origin, *authority;
    assert_int_equal(jk_url_origin("HTTPS://User:pw@Mastodon.Example:8443/path?x#y", &origin,
                                   &authority),
                     JK_OK);
    assert_string_equal(origin, "https://mastodon.example:8443");
    assert_string_equal(authority, "mastodon.example:8443");
    free(origin);
    free(authority);
    assert_int_equal(jk_url_origin("http://127.0.0.1:8080", &origin, NULL), JK_OK);
    assert_string_equal(origin, "http://127.0.0.1:8080");
    free(origin);
    assert_int_equal(jk_url_origin("ftp://a.example/", &origin, &authority), JK_EINVAL);
    assert_int_equal(jk_url_origin("https:///x", &origin, &authority), JK_EINVAL);
    assert_int_equal(jk_url_origin("https://:80/x", &origin, &authority), JK_EINVAL);
    assert_int_equal(jk_url_origin("https://a b/", &origin, &authority), JK_EINVAL);
    assert_null(origin);
    assert_null(authority);
    assert_true(jk_url_on_origin("https://m.example/api/v1/x?max_id=1", "https://m.example"));
    assert_true(jk_url_on_origin("https://M.EXAMPLE", "https://m.example"));
    assert_false(jk_url_on_origin("http://m.example/api", "https://m.example"));
    assert_false(jk_url_on_origin("https://m.example.evil/api", "https://m.example"));
    assert_false(jk_url_on_origin("https://m.example:444/api", "https://m.example"));
    assert_false(jk_url_on_origin("https://x@m.example/api", "https://m.example"));
    assert_false(jk_url_on_origin("https://m.example@evil.example/", "https://m.example"));
    assert_false(jk_url_on_origin("/api/v1", "https://m.example"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_statuses), cmocka_unit_test(test_recorded_search_v2),
        cmocka_unit_test(test_japanese_statuses), cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_id_order),          cmocka_unit_test(test_time_utc),
        cmocka_unit_test(test_page_urls),         cmocka_unit_test(test_link_header),
        cmocka_unit_test(test_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
