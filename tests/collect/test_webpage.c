/*
 * test_webpage.c — web pages and board threads (src/collect/webpage.c):
 * the fixtures in tests/data/web/ in every layout and encoding, board time
 * to UTC, link resolution with <base>, charset choice, the post and text
 * limits at N and N+1, hostile bytes, and every HTML-ish file of the shared
 * fixtures parsed without a crash.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ftw.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "buf.h"
#include "junkai/limits.h"
#include "utf8.h"
#include "webpage.h"

#define THREAD_URL "http://127.0.0.1:8080/test/read.cgi/news4vip/1704131045/"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    jk_buf b;
    jk_buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(jk_buf_append(&b, chunk, n), JK_OK);
    fclose(f);
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

static void parse_fixture(const char *name, const char *content_type, const char *url,
                          jk_webpage *page)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/web/%s", JK_SOURCE_DIR, name);
    size_t len;
    char *html = read_all(path, &len);
    assert_non_null(html);
    jk_error err;
    int rc = jk_webpage_parse(html, len, content_type, url, page, &err);
    if (rc)
        fail_msg("%s: %s", name, err.message);
    free(html);
}

static int has_link(const jk_webpage *page, const char *url)
{
    for (size_t i = 0; i < page->link_count; i++)
        if (strcmp(page->links[i], url) == 0)
            return 1;
    return 0;
}

static void assert_post(const jk_post *p, const char *id, const char *author, const char *when,
                        const char *text)
{
    assert_string_equal(p->external_id, id);
    assert_string_equal(p->url, id);
    if (author)
        assert_string_equal(p->author, author);
    else
        assert_null(p->author);
    if (when)
        assert_string_equal(p->posted_at, when);
    else
        assert_null(p->posted_at);
    assert_string_equal(p->text, text);
    assert_int_equal(strlen(p->text), p->text_len);
}

static void check_5ch_thread(const jk_webpage *page)
{
    assert_string_equal(page->layout, "5ch");
    assert_string_equal(page->encoding, "CP932");
    assert_string_equal(page->title, "【悲報】最近のバイト募集、怪しすぎる件 Part3");
    assert_int_equal(page->posts.n, 4);
    assert_false(page->posts_truncated);
    const jk_post *v = page->posts.v;
    /* 03:04:05 on 2 January in Japan is 18:04:05 on 1 January in UTC */
    assert_post(&v[0], THREAD_URL "#1", "以下、5ちゃんねるからVIPがお送りします ID:Ab3dEf9h0",
                "2024-01-01T18:04:05Z",
                "「高収入・即日払い・荷物を受け取るだけ」ってＤＭが来た\n"
                "これ絶対アカンやつだよな？\nhttps://example.com/recruit?id=42");
    assert_post(&v[1], THREAD_URL "#2", "風吹けば名無し ID:Qw8Zx1Cv2", "2024-01-01T18:05:11Z",
                ">>1\n闇バイトやんけ & 通報しとけ");
    /* CP932's own characters (circled digits, the wave dash as U+FF5E) */
    assert_post(&v[2], THREAD_URL "#3", "以下、5ちゃんねるからVIPがお送りします ID:Ab3dEf9h0",
                "2024-01-02T00:00:00Z",
                "①警察\xE3\x80\x80②相談窓口\n\xEF\xBD\x9E どっちに連絡すればいい？ \xEF\xBD\x9E");
    /* no ID shown: the name alone; leap day */
    assert_post(&v[3], THREAD_URL "#4", "名無し◆Trip1234", "2024-02-29T14:59:59Z",
                "#9110 に電話しろ\nhttps://www.npa.go.jp/bureau/cyber/index.html");
    for (size_t i = 0; i < page->posts.n; i++)
        assert_string_equal(v[i].lang, "ja");

    /* links: absolute, fragments dropped, duplicates once, no mailto: or
     * javascript: */
    assert_true(has_link(page, "https://itest.5ch.net/"));
    assert_true(has_link(page, "http://127.0.0.1:8080/news4vip/"));
    assert_true(has_link(page, THREAD_URL "l50"));
    assert_true(has_link(page, "http://jump.5ch.net/?https://example.com/recruit?id=42"));
    assert_true(has_link(page, "https://www.npa.go.jp/bureau/cyber/index.html"));
    assert_true(has_link(page, "http://127.0.0.1:8080/test/read.cgi/news4vip/test/read.cgi/"
                               "news4vip/1704131045/1"));
    assert_int_equal(page->link_count, 7);
    for (size_t i = 0; i < page->link_count; i++) {
        assert_null(strchr(page->links[i], '#'));
        assert_true(strncmp(page->links[i], "http://", 7) == 0 ||
                    strncmp(page->links[i], "https://", 8) == 0);
    }
}

static void fivech_current_layout_in_shift_jis(void **state)
{
    (void)state;
    jk_webpage page;
    /* charset from <meta charset>; the page URL's fragment is not kept */
    parse_fixture("5ch_current_sjis.html", NULL, THREAD_URL "#bottom", &page);
    check_5ch_thread(&page);
    assert_string_equal(page.base_url, THREAD_URL);
    jk_webpage_release(&page);
    /* the same from the HTTP header, spelled differently */
    parse_fixture("5ch_current_sjis.html", "text/html; charset=\"shift_jis\"", THREAD_URL, &page);
    check_5ch_thread(&page);
    jk_webpage_release(&page);
}

static void check_classic(const jk_webpage *page, const char *url)
{
    char id[512];
    assert_string_equal(page->layout, "2ch-dl");
    assert_string_equal(page->encoding, "CP932");
    assert_string_equal(page->title, "携帯の名義貸しで小遣い稼ぎ");
    assert_int_equal(page->posts.n, 3);
    snprintf(id, sizeof id, "%s#1", url);
    assert_post(&page->posts.v[0], id, "名無しさん＠お腹いっぱい。 ID:sIm0cArd",
                "2019-12-31T15:00:00Z", "新規で契約した携帯を\n一台二万で買い取るって話が回ってきた");
    snprintf(id, sizeof id, "%s#2", url);
    /* the name inside a mailto: link */
    assert_post(&page->posts.v[1], id, "名無しさん＠お腹いっぱい。 ID:Nx7Kp2Lq",
                "2019-12-31T15:01:30Z", ">>1\n携帯電話不正利用防止法違反だぞ");
    snprintf(id, sizeof id, "%s#3", url);
    assert_post(&page->posts.v[2], id, "忍法帖 ★ ID:???", "2019-12-31T23:59:59Z",
                "詳しくはこちら http://example.org/law\nhttp://example.org/law");
    /* links resolve against <base href>, not the page's own URL */
    assert_string_equal(page->base_url, "https://hayabusa9.2ch.sc/test/read.cgi/news/1577804400/");
    assert_true(has_link(page, "https://hayabusa9.2ch.sc/test/news/"));
    assert_true(has_link(page, "https://hayabusa9.2ch.sc/test/read.cgi/news/1577804400/"));
    assert_true(has_link(page, "https://hayabusa9.2ch.sc/test/read.cgi/news/1577804400/1-100"));
    assert_true(has_link(page, "https://hayabusa9.2ch.sc/test/read.cgi/news/1577804400/l50"));
    assert_true(has_link(page, "http://example.org/law"));
    assert_int_equal(page->link_count, 6);
}

static void classic_read_cgi_layout(void **state)
{
    (void)state;
    jk_webpage page;
    const char *url = "http://127.0.0.1:9/test/read.cgi/news/1577804400/";
    /* <meta http-equiv="Content-Type" content="…; charset=Shift_JIS"> */
    parse_fixture("2ch_classic_sjis.html", "text/html", url, &page);
    check_classic(&page, url);
    jk_webpage_release(&page);
    /* no declaration anywhere: sniffed */
    parse_fixture("2ch_classic_sjis_nometa.html", NULL, url, &page);
    check_classic(&page, url);
    jk_webpage_release(&page);
}

static void check_euc(const jk_webpage *page)
{
    assert_string_equal(page->layout, "2ch-dl");
    assert_string_equal(page->encoding, "EUC-JP");
    assert_string_equal(page->title, "地域掲示板：駅前の話題");
    assert_int_equal(page->posts.n, 2);
    /* seconds present, no hundredths; and a time without any ID */
    assert_post(&page->posts.v[0], "https://bbs.example.jp/t/1#1", "駅前の住人 ID:euc11111",
                "2019-12-31T14:30:00Z", "年越しそばの店、今年も行列だった");
    assert_post(&page->posts.v[1], "https://bbs.example.jp/t/1#2", "通りすがり",
                "2019-12-31T15:15:00Z", "あけおめ。ことよろ");
}

static void euc_jp_declared_and_sniffed(void **state)
{
    (void)state;
    jk_webpage page;
    parse_fixture("board_eucjp.html", NULL, "https://bbs.example.jp/t/1", &page);
    check_euc(&page);
    jk_webpage_release(&page);
    parse_fixture("board_eucjp_nometa.html", NULL, "https://bbs.example.jp/t/1", &page);
    check_euc(&page);
    jk_webpage_release(&page);
    /* the HTTP header wins over <meta> */
    parse_fixture("board_eucjp.html", "text/html; charset=UTF-8", "https://bbs.example.jp/t/1",
                  &page);
    assert_string_equal(page.encoding, "UTF-8");
    assert_true(jk_utf8_valid((const unsigned char *)page.text, page.text_len));
    assert_null(strstr(page.text, "駅前"));
    jk_webpage_release(&page);
}

static void generic_page_is_one_post(void **state)
{
    (void)state;
    jk_webpage page;
    parse_fixture("generic_utf8.html", "text/html; charset=utf-8",
                  "https://blog.example.jp/articles/2024/page.html?x=1#frag", &page);
    assert_null(page.layout);
    assert_string_equal(page.encoding, "UTF-8");
    assert_string_equal(page.title, "副業の始め方 ガイド | 例のブログ");
    assert_int_equal(page.posts.n, 1);
    const jk_post *p = &page.posts.v[0];
    assert_string_equal(p->external_id, "https://blog.example.jp/articles/2024/page.html?x=1");
    assert_string_equal(p->url, p->external_id);
    assert_null(p->author);
    assert_null(p->posted_at);
    /* title, a line break, the body; no script, style or head */
    const char *want_start = "副業の始め方 ガイド | 例のブログ\nホーム このブログについて\n"
                             "副業の始め方ガイド\n在宅でできる副業を紹介します。\n"
                             "ただし「誰でも簡単に月100万円」のような話は詐欺の可能性が高いです。\n"
                             "データ入力\nライティング\n";
    assert_memory_equal(p->text, want_start, strlen(want_start));
    assert_null(strstr(p->text, "広告"));
    assert_null(strstr(p->text, "font-family"));
    assert_non_null(strstr(p->text, "© 2024 例のブログ & 仲間たち"));
    assert_int_equal(p->text_len, strlen(page.title) + 1 + page.text_len);

    /* every link, resolved against <base href>, in page order, once */
    static const char *const want[] = {
        "https://blog.example.jp/",
        "https://blog.example.jp/articles/about.html",
        "https://blog.example.jp/articles/2024/side-jobs.html", /* twice on the page */
        "https://cdn.example.net/guide.pdf",                    /* scheme-relative */
        "https://other.example.com/y?q=%e6%97%a5%e6%9c%ac",     /* host case, dots, UTF-8 */
        "https://blog.example.jp/articles/2024/?page=2",
        "https://blog.example.jp/articles/2024/", /* " #top ": the base itself */
        "https://blog.example.jp/map/tokyo",      /* <area> */
    };
    assert_int_equal(page.link_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < page.link_count; i++)
        assert_string_equal(page.links[i], want[i]);
    assert_false(page.links_truncated);
    jk_webpage_release(&page);
}

static void board_times_are_japan_time(void **state)
{
    (void)state;
    char out[21];
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"2024/01/02(火) 03:04:05.67", "2024-01-01T18:04:05Z"},
        {"2024/01/02(火) 09:00:00.00", "2024-01-02T00:00:00Z"},
        {"2020/01/01(水) 00:00:00.00 ID:xxxx", "2019-12-31T15:00:00Z"},
        {"2024/03/01(金) 08:59:59", "2024-02-29T23:59:59Z"}, /* leap year */
        {"2023/03/01(水) 08:59:59", "2023-02-28T23:59:59Z"},
        {"2000/03/01 00:00", "2000-02-29T15:00:00Z"}, /* no weekday, no seconds */
        {"05/01/01 12:34", "2005-01-01T03:34:00Z"},   /* two-digit year */
        {"99/12/31(金) 23:59:59", "1999-12-31T14:59:59Z"},
        {"2024/1/2(Tue) 3:04:05", "2024-01-01T18:04:05Z"},
        {"1 ：名無し：2021/06/15(火) 21:00:00.12", "2021-06-15T12:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0, sizeof out);
        if (!jk_webpage_board_time(cases[i].in, strlen(cases[i].in), out))
            fail_msg("no time found in \"%s\"", cases[i].in);
        assert_string_equal(out, cases[i].want);
    }
    static const char *const none[] = {
        "NG NG", "", "2023/02/29(水) 00:00:00", "2024/13/01 00:00", "2024/01/32 00:00",
        "2024/01/01 24:00", "2024/01/01 12:60", "2024/01/01", "12024/01/01 00:00:00",
        "2024/01/01(火 00:00", "2024-01-01T00:00:00Z", "Over 1000 Thread",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (jk_webpage_board_time(none[i], strlen(none[i]), out))
            fail_msg("a time found in \"%s\": %s", none[i], out);
}

static void resolve_follows_rfc3986(void **state)
{
    (void)state;
    /* RFC 3986 §5.4.1 normal examples (fragments dropped: links name
     * resources) */
    static const struct {
        const char *href, *want;
    } cases[] = {
        {"g", "http://a/b/c/g"},          {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},        {"/g", "http://a/g"},
        {"//g", "http://g/"},             {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},      {"#s", "http://a/b/c/d;p?q"},
        {"g#s", "http://a/b/c/g"},        {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"},        {"g;x", "http://a/b/c/g;x"},
        {"", "http://a/b/c/d;p?q"},       {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},          {"..", "http://a/b/"},
        {"../", "http://a/b/"},           {"../g", "http://a/b/g"},
        {"../..", "http://a/"},           {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},     {"/./g", "http://a/g"},
        {"g;x=1/../y", "http://a/b/c/y"}, {"  g\n\th ", "http://a/b/c/gh"},
        {"g h", "http://a/b/c/g%20h"},    {"https://EXAMPLE.jp/x", "https://example.jp/x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = jk_webpage_resolve("http://a/b/c/d;p?q", cases[i].href);
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("\"%s\" resolved to %s, want %s", cases[i].href, got ? got : "NULL",
                     cases[i].want);
        free(got);
    }
    static const char *const refused[] = {"javascript:alert(1)", "mailto:a@b.jp", "ftp://a/b",
                                          "tel:0312345678", "data:text/html,x", "file:///etc/passwd",
                                          "http://", "http://a:99999/"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *got = jk_webpage_resolve("http://a/b/c/d;p?q", refused[i]);
        if (got)
            fail_msg("\"%s\" resolved to %s", refused[i], got);
    }
    assert_null(jk_webpage_resolve("not a url", "g"));
    assert_null(jk_webpage_resolve(NULL, "g"));
}

static void charset_labels(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(jk_webpage_charset("Shift_JIS", 9, buf, sizeof buf), "CP932");
    assert_string_equal(jk_webpage_charset(" x-sjis ", 8, buf, sizeof buf), "CP932");
    assert_string_equal(jk_webpage_charset("Windows-31J", 11, buf, sizeof buf), "CP932");
    assert_string_equal(jk_webpage_charset("EUC-JP", 6, buf, sizeof buf), "EUC-JP");
    assert_string_equal(jk_webpage_charset("utf8", 4, buf, sizeof buf), "UTF-8");
    assert_string_equal(jk_webpage_charset("iso-2022-jp", 11, buf, sizeof buf), "ISO-2022-JP");
    assert_string_equal(jk_webpage_charset("ISO-8859-1", 10, buf, sizeof buf), "CP1252");
    /* a label iconv knows, as written */
    assert_string_equal(jk_webpage_charset("EUC-KR", 6, buf, sizeof buf), "EUC-KR");
    assert_null(jk_webpage_charset("no-such-charset", 15, buf, sizeof buf));
    assert_null(jk_webpage_charset("UTF-8//TRANSLIT", 15, buf, sizeof buf));
    assert_null(jk_webpage_charset("", 0, buf, sizeof buf));
}

/* A 5ch page of n posts (numbers from 1), each message msg. */
static void make_thread(jk_buf *b, size_t n, const char *msg)
{
    assert_int_equal(jk_buf_puts(b, "<html><head><meta charset=\"utf-8\"><title>t</title></head>"
                                    "<body><div class=\"thread\">"),
                     JK_OK);
    for (size_t i = 1; i <= n; i++)
        assert_int_equal(jk_buf_printf(b,
                                       "<div class=\"post\" id=\"%zu\"><div class=\"meta\"><span "
                                       "class=\"number\">%zu</span><span class=\"name\"><b>名無"
                                       "し</b></span><span class=\"date\">2024/01/02(火) "
                                       "03:04:05.67</span></div><div class=\"message\"><span "
                                       "class=\"escaped\">%s</span></div></div>\n",
                                       i, i, msg),
                         JK_OK);
    assert_int_equal(jk_buf_puts(b, "</div></body></html>"), JK_OK);
}

static void post_limit_at_n_and_n_plus_one(void **state)
{
    (void)state;
    for (size_t n = JK_WEBPAGE_MAX_POSTS; n <= JK_WEBPAGE_MAX_POSTS + 1; n++) {
        jk_buf html;
        jk_buf_init(&html, 0);
        make_thread(&html, n, "書き込み");
        jk_webpage page;
        jk_error err;
        assert_int_equal(jk_webpage_parse(html.data, html.len, NULL, THREAD_URL, &page, &err),
                         JK_OK);
        assert_int_equal(page.posts.n, JK_WEBPAGE_MAX_POSTS);
        assert_int_equal(page.posts_truncated, n > JK_WEBPAGE_MAX_POSTS);
        assert_string_equal(page.posts.v[JK_WEBPAGE_MAX_POSTS - 1].external_id,
                            THREAD_URL "#10000");
        jk_webpage_release(&page);
        jk_buf_release(&html);
    }
}

static void text_limit_at_n_and_n_plus_one(void **state)
{
    (void)state;
    /* a message of exactly JK_MAX_TEXT_BYTES ("あ" is 3 bytes, padded with
     * ASCII), then one byte more */
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t want = JK_MAX_TEXT_BYTES + extra;
        jk_buf msg;
        jk_buf_init(&msg, 0);
        while (msg.len + 3 <= JK_MAX_TEXT_BYTES - 1)
            assert_int_equal(jk_buf_puts(&msg, "あ"), JK_OK);
        while (msg.len < want)
            assert_int_equal(jk_buf_putc(&msg, 'x'), JK_OK);
        jk_buf html;
        jk_buf_init(&html, 0);
        make_thread(&html, 1, msg.data);
        jk_webpage page;
        jk_error err;
        assert_int_equal(jk_webpage_parse(html.data, html.len, NULL, THREAD_URL, &page, &err),
                         JK_OK);
        assert_int_equal(page.posts.n, 1);
        const jk_post *p = &page.posts.v[0];
        assert_int_equal(p->text_len, JK_MAX_TEXT_BYTES);
        assert_memory_equal(p->text, msg.data, JK_MAX_TEXT_BYTES);
        jk_webpage_release(&page);
        jk_buf_release(&html);
        jk_buf_release(&msg);
    }
    /* cut on a character boundary, never inside one */
    jk_buf msg;
    jk_buf_init(&msg, 0);
    while (msg.len < JK_MAX_TEXT_BYTES + 10)
        assert_int_equal(jk_buf_puts(&msg, "あ"), JK_OK);
    jk_buf html;
    jk_buf_init(&html, 0);
    make_thread(&html, 1, msg.data);
    jk_webpage page;
    jk_error err;
    assert_int_equal(jk_webpage_parse(html.data, html.len, NULL, THREAD_URL, &page, &err), JK_OK);
    const jk_post *p = &page.posts.v[0];
    assert_true(p->text_len <= JK_MAX_TEXT_BYTES && p->text_len > JK_MAX_TEXT_BYTES - 3);
    assert_true(jk_utf8_valid((const unsigned char *)p->text, p->text_len));
    jk_webpage_release(&page);
    /* the whole-page post too: title + "\n" + body, at most the limit */
    jk_buf_reset(&html);
    assert_int_equal(jk_buf_printf(&html, "<title>題</title><p>%s</p>", msg.data), JK_OK);
    assert_int_equal(jk_webpage_parse(html.data, html.len, NULL, "http://x.jp/", &page, &err),
                     JK_OK);
    p = &page.posts.v[0];
    assert_true(p->text_len <= JK_MAX_TEXT_BYTES && p->text_len > JK_MAX_TEXT_BYTES - 3);
    assert_true(jk_utf8_valid((const unsigned char *)p->text, p->text_len));
    assert_memory_equal(p->text, "題\nあ", strlen("題\nあ"));
    jk_webpage_release(&page);
    jk_buf_release(&html);
    jk_buf_release(&msg);
}

static void repeated_post_numbers_are_taken_once(void **state)
{
    (void)state;
    jk_buf html;
    jk_buf_init(&html, 0);
    make_thread(&html, 3, "本文");
    /* 5ch shows >>1 again above the thread in some views */
    jk_buf twice;
    jk_buf_init(&twice, 0);
    make_thread(&twice, 1, "もう一度");
    assert_int_equal(jk_buf_append(&html, twice.data, twice.len), JK_OK);
    jk_webpage page;
    jk_error err;
    assert_int_equal(jk_webpage_parse(html.data, html.len, NULL, THREAD_URL, &page, &err), JK_OK);
    assert_int_equal(page.posts.n, 3);
    assert_string_equal(page.posts.v[0].text, "本文");
    jk_webpage_release(&page);
    jk_buf_release(&html);
    jk_buf_release(&twice);
}

static void hostile_bytes(void **state)
{
    (void)state;
    jk_webpage page;
    jk_error err;
    /* broken Shift_JIS: a lead byte with no trail, a trail byte alone, a
     * NUL, a cut-off character at the very end */
    static const char sjis[] = "<meta charset=shift_jis><title>\x93\xfa\x96\x7b</title>"
                               "<p>a\x81 b\xfd c\0d \x93";
    assert_int_equal(jk_webpage_parse(sjis, sizeof sjis - 1, NULL, "http://x.jp/", &page, &err),
                     JK_OK);
    assert_string_equal(page.title, "日本");
    assert_true(jk_utf8_valid((const unsigned char *)page.text, page.text_len));
    assert_null(memchr(page.text, '\0', page.text_len));
    assert_non_null(strstr(page.text, "\xEF\xBF\xBD"));
    assert_non_null(strstr(page.text, "cd"));
    jk_webpage_release(&page);
    /* invalid UTF-8 declared as UTF-8 */
    static const char bad[] = "<p>ok\xFF\xC0\xAF end</p>";
    assert_int_equal(jk_webpage_parse(bad, sizeof bad - 1, "text/html; charset=utf-8",
                                      "http://x.jp/", &page, &err),
                     JK_OK);
    assert_string_equal(page.text, "ok\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end");
    jk_webpage_release(&page);
    /* nothing at all */
    assert_int_equal(jk_webpage_parse("", 0, NULL, "http://x.jp/", &page, &err), JK_OK);
    assert_int_equal(page.posts.n, 1);
    assert_string_equal(page.posts.v[0].text, "");
    assert_int_equal(page.link_count, 0);
    jk_webpage_release(&page);
    assert_int_equal(jk_webpage_parse(NULL, 10, NULL, "http://x.jp/", &page, &err), JK_OK);
    jk_webpage_release(&page);
    /* UTF-16 with a byte-order mark */
    static const char u16[] = "\xFF\xFE<\0p\0>\0\xe5\x65\x2c\x67<\0/\0p\0>\0";
    assert_int_equal(jk_webpage_parse(u16, sizeof u16 - 1, NULL, "http://x.jp/", &page, &err),
                     JK_OK);
    assert_string_equal(page.text, "日本");
    jk_webpage_release(&page);
    /* an ID glued to Japanese text is cut before it, whole characters only
     * (the fuzzer found a cut inside a character) */
    static const char glued[] = "<dl class=thread><dt>1 ：<b>名無し</b>：2020/01/01(水) "
                                "00:00:00.00 ID:Ab3dEf9h0日本語日本語日本語日本語日本語日本語"
                                "日本語日本語<dd>本文</dl>";
    assert_int_equal(jk_webpage_parse(glued, sizeof glued - 1, NULL, "http://x.jp/", &page, &err),
                     JK_OK);
    assert_int_equal(page.posts.n, 1);
    assert_string_equal(page.posts.v[0].author, "名無し ID:Ab3dEf9h0");
    jk_webpage_release(&page);
    /* a <base> that is not http(s) is ignored */
    static const char base[] = "<base href=\"javascript:x\"><a href=\"/a\">a</a>";
    assert_int_equal(jk_webpage_parse(base, sizeof base - 1, NULL, "http://x.jp/d/", &page, &err),
                     JK_OK);
    assert_int_equal(page.link_count, 1);
    assert_string_equal(page.links[0], "http://x.jp/a");
    jk_webpage_release(&page);
}

static void the_page_url_must_be_web(void **state)
{
    (void)state;
    jk_webpage page;
    jk_error err;
    assert_int_equal(jk_webpage_parse("<p>x</p>", 8, NULL, "file:///etc/passwd", &page, &err),
                     JK_EINVAL);
    assert_non_null(strstr(err.message, "file:///etc/passwd"));
    assert_int_equal(jk_webpage_parse("<p>x</p>", 8, NULL, NULL, &page, &err), JK_EINVAL);
}

/* ---- every HTML-ish file of the shared fixtures ----------------------- */

static size_t shared_parsed;

static int parse_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || sb->st_size > 16 * 1024 * 1024)
        return 0;
    const char *dot = strrchr(path, '.');
    static const char *const exts[] = {".html", ".htm", ".xhtml", ".xml", ".warc",
                                       ".arc",  ".txt", ".json",  ".md",  NULL};
    int wanted = 0;
    for (size_t i = 0; dot && exts[i]; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            wanted = 1;
    if (!wanted)
        return 0;
    size_t len;
    char *data = read_all(path, &len);
    if (!data)
        return 0;
    jk_webpage page;
    jk_error err;
    int rc = jk_webpage_parse(data, len, NULL, "https://fixtures.example/page", &page, &err);
    if (rc)
        fail_msg("%s: %s", path, err.message);
    if (!jk_utf8_valid((const unsigned char *)page.text, page.text_len) ||
        page.posts.n == 0 ||
        !jk_utf8_valid((const unsigned char *)page.posts.v[0].text, page.posts.v[0].text_len))
        fail_msg("%s: text not valid UTF-8 or no post", path);
    jk_webpage_release(&page);
    free(data);
    shared_parsed++;
    return 0;
}

static void shared_fixtures_parse_without_crash(void **state)
{
    (void)state;
    struct stat st;
    if (stat(JK_SHARED_FIXTURES, &st) != 0)
        skip();
    shared_parsed = 0;
    assert_int_equal(nftw(JK_SHARED_FIXTURES, parse_one, 16, FTW_PHYS), 0);
    /* the feeds alone are over two thousand files */
    assert_true(shared_parsed > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fivech_current_layout_in_shift_jis),
        cmocka_unit_test(classic_read_cgi_layout),
        cmocka_unit_test(euc_jp_declared_and_sniffed),
        cmocka_unit_test(generic_page_is_one_post),
        cmocka_unit_test(board_times_are_japan_time),
        cmocka_unit_test(resolve_follows_rfc3986),
        cmocka_unit_test(charset_labels),
        cmocka_unit_test(post_limit_at_n_and_n_plus_one),
        cmocka_unit_test(text_limit_at_n_and_n_plus_one),
        cmocka_unit_test(repeated_post_numbers_are_taken_once),
        cmocka_unit_test(hostile_bytes),
        cmocka_unit_test(the_page_url_must_be_web),
        cmocka_unit_test(shared_fixtures_parse_without_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
