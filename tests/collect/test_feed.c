/*
 * test_feed.c — the feed parser (src/collect/feed.c) over feedparser's
 * recorded corpus (JK_SHARED_FIXTURES/feeds-feedparser) and our own broken
 * feeds (tests/data/feeds): ids, links, text, dates, authors, languages,
 * encodings, and that no file of the corpus crashes it or yields text that
 * is not UTF-8.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "buf.h"
#include "feed.h"
#include "junkai/limits.h"
#include "utf8.h"

#define FEEDPARSER JK_SHARED_FIXTURES "/feeds-feedparser"
#define OWN JK_SOURCE_DIR "/tests/data/feeds"

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    jk_buf b;
    jk_buf_init(&b, 0);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        assert_int_equal(jk_buf_append(&b, chunk, n), JK_OK);
    fclose(fp);
    *len = b.len;
    if (!b.data)
        return calloc(1, 1);
    return b.data;
}

static int parse_path(const char *path, const char *content_type, const char *base,
                      jk_posts *out, jk_error *err)
{
    size_t len;
    char *data = read_all(path, &len);
    if (!data)
        fail_msg("cannot read %s", path);
    int rc = jk_feed_parse(data, len, content_type, base, out, err);
    free(data);
    return rc;
}

/* Parse a file that must be a feed; the posts stay in *out. */
static void parse_ok(const char *path, const char *content_type, const char *base, jk_posts *out)
{
    jk_error err = {0};
    jk_posts_init(out);
    int rc = parse_path(path, content_type, base, out, &err);
    if (rc)
        fail_msg("%s: %s", path, err.message);
}

static const jk_post *post_with_id(const jk_posts *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].external_id && strcmp(p->v[i].external_id, id) == 0)
            return &p->v[i];
    fail_msg("no post with id %s among %zu", id, p->n);
    return NULL;
}

/* ---- dates and Content-Type -------------------------------------------- */

static void test_dates(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"},
        {"Sat, 04 May 2024 21:30:00 JST", "2024-05-04T12:30:00Z"},
        {"Sat, 04 May 2024 21:30:00 +0900", "2024-05-04T12:30:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 -0700", "2003-06-10T11:00:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T08:00:00Z"},
        {"Sun, 05 May 24 01:02:03 +0900", "2024-05-04T16:02:03Z"},   /* two-digit year, next day back */
        {"01 Jan 99 00:00 UT", "1999-01-01T00:00:00Z"},               /* no day name, no seconds */
        {"5 Jan 2003 17:35:58 Z", "2003-01-05T17:35:58Z"},
        {"Wed, 31 Dec 2003 23:30:00 -0130", "2004-01-01T01:00:00Z"},  /* into the next year */
        {"Mon, 01 Jan 2024", "2024-01-01T00:00:00Z"},
        {"Mon, 01 January 2024 10:00:00 GMT (UTC)", "2024-01-01T10:00:00Z"},
        {"Thu, 29 Feb 2024 12:00:00 GMT+09:00", "2024-02-29T03:00:00Z"},
        {"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
        {"2003-12-13T18:30:02+09:00", "2003-12-13T09:30:02Z"},
        {"2024-05-04T09:15:30.123+09:00", "2024-05-04T00:15:30Z"},
        {"2003-12-13T18:30-05:00", "2003-12-13T23:30:00Z"},
        {"2003-12-13 18:30:02", "2003-12-13T18:30:02Z"},
        {"2003-12-13", "2003-12-13T00:00:00Z"},
        {"2003-12", "2003-12-01T00:00:00Z"},
        {"20031213T183002Z", "2003-12-13T18:30:02Z"},
        {"2000-03-01T00:30:00+01:00", "2000-02-29T23:30:00Z"},       /* leap day 2000 */
        {"2003-12-31T24:00:00Z", "2004-01-01T00:00:00Z"},
        {"  2003-12-31T10:14:55Z  ", "2003-12-31T10:14:55Z"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (jk_feed_date(cases[i].in, out, sizeof out) != JK_OK)
            fail_msg("date \"%s\" not parsed", cases[i].in);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("date \"%s\": %s, want %s", cases[i].in, out, cases[i].out);
    }
    static const char *const bad[] = {
        "", "sometime last week", "Mon, 31 Feb 2020 10:00:00 GMT", "2003-13-01T00:00:00Z",
        "2003-02-29", "2003-12-13T25:00:00Z", "2003-12-13T18:61:00Z",
        "Thu, 01 Jan 2004 19:48:21 XYZ", "Jan 5 2004 10:00:00", "2003-12-13T18:30:02+25:00",
        "2003-12-13T18:30:02Z junk", "99999-01-01", "0000-01-01T00:00:00+01:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "x");
        if (jk_feed_date(bad[i], out, sizeof out) != JK_EPARSE)
            fail_msg("date \"%s\" parsed as %s", bad[i], out);
        assert_string_equal(out, "");
    }
    assert_int_equal(jk_feed_date(NULL, out, sizeof out), JK_EPARSE);
    assert_int_equal(jk_feed_date("2003-12-13", out, 20), JK_EPARSE); /* no room for the NUL */
}

static void test_content_charset(void **state)
{
    (void)state;
    char cs[48];
    assert_int_equal(jk_feed_content_charset("text/xml; charset=Shift_JIS", cs, sizeof cs), 0);
    assert_string_equal(cs, "Shift_JIS");
    assert_int_equal(jk_feed_content_charset("text/xml;charset = us-ascii", cs, sizeof cs), 0);
    assert_string_equal(cs, "us-ascii");
    assert_int_equal(jk_feed_content_charset("text/xml;charset= \"us-ascii\"", cs, sizeof cs), 0);
    assert_string_equal(cs, "us-ascii");
    assert_int_equal(jk_feed_content_charset("application/rss+xml; q=1; CHARSET='euc-jp'", cs,
                                             sizeof cs),
                     0);
    assert_string_equal(cs, "euc-jp");
    assert_int_equal(jk_feed_content_charset("text/xml", cs, sizeof cs), JK_ENOTFOUND);
    assert_int_equal(jk_feed_content_charset("text/xml; qs=0.9", cs, sizeof cs), JK_ENOTFOUND);
    assert_int_equal(jk_feed_content_charset("text/xml; charset=", cs, sizeof cs), JK_ENOTFOUND);
    assert_int_equal(jk_feed_content_charset("text/xml; charset=\"a b\"", cs, sizeof cs),
                     JK_ENOTFOUND);
    assert_int_equal(jk_feed_content_charset(NULL, cs, sizeof cs), JK_ENOTFOUND);
}

/* ---- feedparser's corpus: values ---------------------------------------- */

static void test_feedparser_rss(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(FEEDPARSER "/wellformed/namespace/rss2.0withAtomNS.xml", NULL,
             "http://feeds.delicious.com/v2/rss/", &p);
    assert_true(p.n >= 1);
    const jk_post *e = &p.v[0];
    assert_string_equal(e->external_id, "http://delicious.com/url/174603f9d836a1aafac49e28ace1c19e#wearehugh");
    assert_string_equal(e->url, "http://www.kylev.com/2005/03/29/rsync-and-vfat/");
    assert_string_equal(e->author, "wearehugh"); /* dc:creator */
    assert_string_equal(e->posted_at, "2009-12-25T03:30:22Z");
    assert_string_equal(e->text, "rsync and vfat | Geek at Play");
    jk_posts_release(&p);

    /* the item's own namespace decides which <description> is its own */
    parse_ok(FEEDPARSER "/wellformed/namespace/rss2.0noNSwithModulesLocalNameClash.xml", NULL, NULL,
             &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "Test Item - RSS2.0 no NS localName clash\ncorrect description");
    assert_string_equal(p.v[0].lang, "en-gb");
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/rss/item_guid.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].external_id, "http://guid.example.com/");
    assert_string_equal(p.v[0].url, "http://guid.example.com/"); /* a permalink guid */
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/rss/item_content_encoded.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "Example content"); /* <p> gone */
    assert_null(p.v[0].posted_at);
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/rss/item_description_br.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "article title\narticle byline\ntext of article");
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/rss/item_description_escaped_markup.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "Example description");
    jk_posts_release(&p);
}

static void test_feedparser_rdf(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(FEEDPARSER "/wellformed/namespace/rss1.0withModules.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    const char *id = "http://www.pocketsoap.com/weblog/rssTests/rss1.0withModules.xml#1";
    assert_string_equal(p.v[0].external_id, id); /* rdf:about */
    assert_string_equal(p.v[0].url, id);
    assert_string_equal(p.v[0].lang, "en-gb");
    assert_non_null(strstr(p.v[0].text, "Test Item - RSS 1.0\nThis is a fairly standard RSS 1.0 feed"));
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/rdf/rdf_item_title.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].external_id, "http://example.com/1");
    assert_string_equal(p.v[0].text, "Example title");
    jk_posts_release(&p);

    /* RSS 0.90, its own namespace; no id anywhere: the content hash */
    parse_ok(FEEDPARSER "/wellformed/rdf/rss090_item_title.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "Item title");
    assert_int_equal(strlen(p.v[0].external_id), 7 + 64);
    assert_memory_equal(p.v[0].external_id, "sha256:", 7);
    jk_posts_release(&p);
}

static void test_feedparser_atom(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(FEEDPARSER "/wellformed/namespace/atomthreadingwithentry.xml", NULL, NULL, &p);
    assert_true(p.n >= 1);
    const jk_post *e = post_with_id(&p, "tag:blogger.com,1999:blog-893591374313312737.post-4788628857625737701");
    assert_string_equal(e->url, "http://salmon-test.blogspot.com/2009/10/test-post.html?showComment=1260320342544#c4788628857625737701");
    assert_string_equal(e->author, "John");
    assert_string_equal(e->posted_at, "2009-12-09T00:59:02Z");
    assert_string_equal(e->text, "bloffo bliff by te...\nbloffo bliff by te...");
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/wellformed/atom10/entry_link_href.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].url, "http://www.example.com/");
    jk_posts_release(&p);

    /* xml:lang inherited from the feed, overridden on the way down */
    parse_ok(FEEDPARSER "/wellformed/lang/entry_title_xml_lang_inherit_2.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].lang, "fr");
    jk_posts_release(&p);
}

static void test_feedparser_encodings(void **state)
{
    (void)state;
    jk_posts p;
    /* no declaration at all: Shift_JIS and EUC-JP found by their kana */
    parse_ok(FEEDPARSER "/illformed/chardet/shiftjis.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.v[0].text, "DrecomRSSに記事投稿が反映されない…\n色々調べてたら、MT3.2がRSS1.0をサポートしていないことが判明。"));
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/illformed/chardet/eucjp.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_memory_equal(p.v[0].text, "ゲーム三昧な正月\n『SDガンダムGジェネレーションNEO』",
                        strlen("ゲーム三昧な正月\n『SDガンダムGジェネレーションNEO』"));
    jk_posts_release(&p);

    parse_ok(FEEDPARSER "/encoding/euc-kr-item.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "\xEB\x85\x84"); /* U+B144 */
    jk_posts_release(&p);

    /* windows-1252 quotes: as raw C1 bytes and as &#146; */
    const char *const moron[] = {FEEDPARSER "/encoding/demoronize-1.xml",
                                 FEEDPARSER "/encoding/demoronize-2.xml"};
    for (size_t i = 0; i < 2; i++) {
        parse_ok(moron[i], NULL, NULL, &p);
        assert_int_equal(p.n, 1);
        assert_string_equal(p.v[0].text, "don\xE2\x80\x99t");
        jk_posts_release(&p);
    }

    /* UTF-16 and UTF-32, with and without byte order marks, all readable */
    const char *const wide[] = {"utf-16le-autodetect.xml", "utf-16be-bom.xml", "utf-32le.xml",
                                "utf-32be-autodetect.xml", "u16.xml"};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/encoding/%s", FEEDPARSER, wide[i]);
        parse_ok(path, NULL, NULL, &p);
        jk_posts_release(&p);
    }
}

/* ---- feedparser's corpus: every file ------------------------------------ */

/* The "Header:" lines of a corpus file (simulated HTTP headers). */
static void header_value(const char *data, const char *name, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *p = data;
    size_t nlen = strlen(name);
    while ((p = strstr(p, "Header:")) != NULL) {
        p += 7;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            p += nlen + 1;
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, "\r\n");
            if (n >= outsz)
                n = outsz - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return;
        }
    }
}

typedef struct corpus_stats {
    size_t files, feeds, not_feeds, posts, with_date;
} corpus_stats;

static void check_string(const char *path, const char *what, const char *s)
{
    if (s && !jk_utf8_valid((const unsigned char *)s, strlen(s)))
        fail_msg("%s: %s is not UTF-8", path, what);
}

static void check_file(const char *path, corpus_stats *st)
{
    size_t len;
    char *data = read_all(path, &len);
    assert_non_null(data);
    char ct[256], base[256];
    /* the headers sit in a comment near the top, in ASCII or UTF-16/32;
     * ASCII is enough for the files that have them */
    char *head = strndup(data, len < 2048 ? len : 2048);
    assert_non_null(head);
    header_value(head, "Content-type", ct, sizeof ct);
    header_value(head, "Content-Location", base, sizeof base);
    free(head);
    if (!*base)
        snprintf(base, sizeof base, "http://fixtures.example/%s", strrchr(path, '/') + 1);
    jk_posts p;
    jk_posts_init(&p);
    jk_error err = {0};
    int rc = jk_feed_parse(data, len, *ct ? ct : NULL, base, &p, &err);
    free(data);
    st->files++;
    if (rc == JK_EPARSE) {
        assert_non_null(strstr(err.message, "not an RSS or Atom feed"));
        st->not_feeds++;
    } else if (rc != JK_OK) {
        fail_msg("%s: %d %s", path, rc, err.message);
    } else {
        st->feeds++;
    }
    for (size_t i = 0; i < p.n; i++) {
        const jk_post *e = &p.v[i];
        assert_non_null(e->external_id);
        assert_true(*e->external_id);
        check_string(path, "id", e->external_id);
        check_string(path, "url", e->url);
        check_string(path, "author", e->author);
        check_string(path, "lang", e->lang);
        assert_int_equal(strlen(e->text), e->text_len); /* no NUL inside */
        check_string(path, "text", e->text);
        assert_true(e->text_len <= JK_MAX_TEXT_BYTES);
        if (e->url)
            assert_true(strncmp(e->url, "http://", 7) == 0 || strncmp(e->url, "https://", 8) == 0);
        if (e->posted_at) {
            assert_int_equal(strlen(e->posted_at), 20);
            assert_int_equal(e->posted_at[19], 'Z');
            st->with_date++;
        }
        st->posts++;
    }
    jk_posts_release(&p);
}

static void walk_dir(const char *dir, corpus_stats *st)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            walk_dir(path, st);
        else if (S_ISREG(sb.st_mode))
            check_file(path, st);
    }
    closedir(d);
}

static void test_feedparser_every_file(void **state)
{
    (void)state;
    corpus_stats st = {0};
    walk_dir(FEEDPARSER "/wellformed", &st);
    walk_dir(FEEDPARSER "/illformed", &st);
    walk_dir(FEEDPARSER "/encoding", &st);
    walk_dir(FEEDPARSER "/entities", &st);
    print_message("feedparser corpus: %zu files, %zu feeds, %zu not feeds, %zu posts, %zu dated\n",
                  st.files, st.feeds, st.not_feeds, st.posts, st.with_date);
    assert_true(st.files > 2000);
    /* only CDF channels (a 1997 Microsoft format) and the empty document
     * are not feeds */
    assert_true(st.not_feeds <= 20);
    assert_true(st.posts > 400);
    assert_true(st.with_date >= 20);
}

/* ---- our own broken feeds ----------------------------------------------- */

static void test_shift_jis_served_as_utf8(void **state)
{
    (void)state;
    jk_posts p;
    /* the header says UTF-8, the bytes and the declaration are Shift_JIS */
    parse_ok(OWN "/sjis_served_as_utf8.xml", "application/rss+xml; charset=utf-8",
             "http://bbs.example.jp/rss.xml", &p);
    assert_int_equal(p.n, 2);
    const jk_post *a = &p.v[0];
    /* a guid that is no URI is kept apart from other feeds' "1234" */
    assert_string_equal(a->external_id, "http://bbs.example.jp/rss.xml#1234");
    assert_string_equal(a->url, "http://bbs.example.jp/thread/1234");
    assert_string_equal(a->author, "太郎");
    assert_string_equal(a->posted_at, "2024-05-04T12:30:00Z");
    assert_string_equal(a->lang, "ja");
    /* CP932, not plain Shift_JIS: ① and ～ survive */
    assert_string_equal(a->text, "手押し　即日対応します\n連絡はテレグラムまで。①番の件です～");
    const jk_post *b = &p.v[1];
    assert_string_equal(b->external_id, "http://bbs.example.jp/thread/1235");
    assert_string_equal(b->posted_at, "2024-05-04T16:02:03Z");
    assert_string_equal(b->text, "天気の話\n今日は晴れ");
    jk_posts_release(&p);
}

static void test_euc_jp(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(OWN "/eucjp.xml", NULL, "http://diary.example.jp/index.rdf", &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].external_id, "http://diary.example.jp/2006/01/03");
    assert_string_equal(p.v[0].author, "花子");                  /* dc:creator */
    assert_string_equal(p.v[0].posted_at, "2006-01-03T03:34:56Z"); /* dc:date, +09:00 */
    /* content:encoded wins over description, its HTML made text */
    assert_string_equal(p.v[0].text, "ゲーム三昧な正月\nずっとプレイしている。\n正月って食べてばっかり。");
    jk_posts_release(&p);
}

static void test_http_charset_beats_declaration(void **state)
{
    (void)state;
    /* declared latin-1 (every byte valid there), served as EUC-KR */
    static const char doc[] = "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'>"
                              "<channel><item><title>\xb3\xe2</title>"
                              "<link>http://kr.example/1</link></item></channel></rss>";
    jk_posts p;
    jk_posts_init(&p);
    jk_error err;
    assert_int_equal(jk_feed_parse(doc, sizeof doc - 1, "text/xml; charset=EUC-KR", NULL, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "\xEB\x85\x84");
    jk_posts_release(&p);
    /* without the header the declaration is believed */
    assert_int_equal(jk_feed_parse(doc, sizeof doc - 1, "text/xml", NULL, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "\xC2\xB3\xC3\xA2"); /* "³â" */
    jk_posts_release(&p);
}

static void test_stale_labels_and_broken_bytes(void **state)
{
    (void)state;
    jk_posts p;
    /* UTF-8 bytes under a latin-1 label (a server default, an old template) */
    parse_ok(OWN "/utf8_labelled_latin1.xml", "text/xml; charset=ISO-8859-1", NULL, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0].text, "日本語のタイトル");
    jk_posts_release(&p);
    /* one broken sequence in a UTF-8 feed: the rest stays UTF-8 */
    parse_ok(OWN "/utf8_one_bad_byte.xml", "text/xml; charset=utf-8", NULL, &p);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.v[0].text, "壊れた\xEF\xBF\xBD"));
    assert_non_null(strstr(p.v[0].text, "文字\n前半は正しいＵＴＦ－８で、一バイトだけ壊れている。"));
    jk_posts_release(&p);
}

static void test_html_in_titles(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(OWN "/html_in_title.xml", NULL, "http://news.example.com/rss", &p);
    assert_int_equal(p.n, 2);
    const jk_post *a = &p.v[0];
    assert_string_equal(a->external_id, "http://news.example.com/story/42");
    assert_string_equal(a->url, "http://news.example.com/section/story/42.html"); /* xml:base */
    assert_string_equal(a->posted_at, "2003-06-10T04:00:00Z");
    assert_string_equal(a->text, "Breaking: AT&T buys a lab\nFirst paragraph.\nSecond & last.");
    const jk_post *b = &p.v[1];
    assert_null(b->url); /* javascript: is no link to follow */
    assert_string_equal(b->posted_at, "2003-06-10T11:00:00Z");
    assert_non_null(strstr(b->text, "Red title\nLine one\nLine two"));
    assert_null(strstr(b->text, "<"));
    assert_null(strstr(b->text, "color"));
    jk_posts_release(&p);
}

static void test_missing_and_bad_dates(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(OWN "/no_dates.xml", NULL, "http://undated.example.org/rss", &p);
    /* the entry with nothing but a blank guid is left out */
    assert_int_equal(p.n, 4);
    for (size_t i = 0; i < p.n; i++)
        assert_null(p.v[i].posted_at);
    assert_string_equal(p.v[1].text, "Bad date");
    assert_string_equal(p.v[2].external_id, "http://undated.example.org/3");
    /* no guid, no link: the content hash, stable across parses */
    const char *hash = p.v[3].external_id;
    assert_memory_equal(hash, "sha256:", 7);
    assert_string_equal(p.v[3].text, "Only a description, no title, no link, no guid");
    jk_posts again;
    parse_ok(OWN "/no_dates.xml", NULL, "http://elsewhere.example.org/rss", &again);
    assert_string_equal(again.v[3].external_id, hash);
    jk_posts_release(&again);
    jk_posts_release(&p);
}

static void test_atom(void **state)
{
    (void)state;
    jk_posts p;
    parse_ok(OWN "/atom_ja.xml", "application/atom+xml", "https://blog.example.jp/atom.xml", &p);
    assert_int_equal(p.n, 3);
    const jk_post *a = post_with_id(&p, "tag:blog.example.jp,2024:entry-1");
    assert_string_equal(a->url, "https://blog.example.jp/entries/1"); /* alternate, not edit */
    assert_string_equal(a->author, "次郎");
    assert_string_equal(a->posted_at, "2024-05-04T00:15:30Z"); /* published beats updated */
    assert_string_equal(a->lang, "ja");
    assert_string_equal(a->text, "野菜あります\n詳しくはこちら\n二段落目");
    const jk_post *b = post_with_id(&p, "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6");
    assert_string_equal(b->author, "管理人"); /* the feed's author */
    assert_string_equal(b->posted_at, "2003-12-13T18:30:02Z");
    assert_string_equal(b->lang, "en");
    assert_string_equal(b->text, "Second entry\nPlain <summary> text"); /* type=text stays text */
    const jk_post *c = &p.v[2];
    assert_null(c->url);
    assert_null(c->posted_at);
    assert_string_equal(c->text, "No id, no link\nbody");
    jk_posts_release(&p);
}

static void test_entities_stay_contained(void **state)
{
    (void)state;
    jk_posts p;
    jk_posts_init(&p);
    jk_error err = {0};
    int rc = parse_path(OWN "/billion_laughs.xml", NULL, NULL, &p, &err);
    assert_true(rc == JK_OK || rc == JK_EPARSE);
    for (size_t i = 0; i < p.n; i++)
        assert_true(p.v[i].text_len < 1024 * 1024);
    jk_posts_release(&p);

    parse_ok(OWN "/xxe.xml", NULL, NULL, &p);
    assert_int_equal(p.n, 1);
    /* internal entities expand; external ones are never loaded */
    assert_string_equal(p.v[0].text, "hello world\n[][]");
    assert_null(strstr(p.v[0].text, "root:"));
    jk_posts_release(&p);
}

static void test_not_a_feed(void **state)
{
    (void)state;
    jk_posts p;
    jk_posts_init(&p);
    jk_error err = {0};
    assert_int_equal(parse_path(OWN "/not_a_feed.html", "text/html", "http://x/feed", &p, &err),
                     JK_EPARSE);
    assert_string_equal(err.message, "http://x/feed: not an RSS or Atom feed (root element <html>)");
    assert_int_equal(p.n, 0);
    assert_int_equal(jk_feed_parse("", 0, NULL, NULL, &p, &err), JK_EPARSE);
    assert_string_equal(err.message, "feed: not an RSS or Atom feed (empty document)");
    assert_int_equal(jk_feed_parse(NULL, 0, NULL, NULL, &p, &err), JK_EPARSE);
    assert_int_equal(jk_feed_parse("just text", 9, NULL, "http://x/", &p, &err), JK_EPARSE);
    assert_string_equal(err.message, "http://x/: not an RSS or Atom feed (no XML element in it)");
    assert_int_equal(p.n, 0);
}

static void test_limits(void **state)
{
    (void)state;
    /* JK_FEED_MAX_ENTRIES taken, the one after ignored */
    jk_buf doc;
    jk_buf_init(&doc, 0);
    assert_int_equal(jk_buf_puts(&doc, "<rss><channel>"), 0);
    for (unsigned i = 0; i < JK_FEED_MAX_ENTRIES + 1; i++)
        assert_int_equal(jk_buf_printf(&doc, "<item><title>t%u</title></item>", i), 0);
    assert_int_equal(jk_buf_puts(&doc, "</channel></rss>"), 0);
    jk_posts p;
    jk_posts_init(&p);
    jk_error err;
    assert_int_equal(jk_feed_parse(doc.data, doc.len, NULL, NULL, &p, &err), 0);
    assert_int_equal(p.n, JK_FEED_MAX_ENTRIES);
    assert_string_equal(p.v[JK_FEED_MAX_ENTRIES - 1].text, "t9999");
    jk_posts_release(&p);

    /* a description longer than JK_MAX_TEXT_BYTES, in 3-byte characters
     * so the cut must land on a boundary */
    jk_buf_reset(&doc);
    assert_int_equal(jk_buf_puts(&doc, "<rss><channel><item><title>長い</title><description>"), 0);
    for (size_t n = 0; n < JK_MAX_TEXT_BYTES / 3 + 10; n++)
        assert_int_equal(jk_buf_append(&doc, "あ", 3), 0);
    assert_int_equal(jk_buf_puts(&doc, "</description></item></channel></rss>"), 0);
    assert_int_equal(jk_feed_parse(doc.data, doc.len, NULL, NULL, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_true(p.v[0].text_len <= JK_MAX_TEXT_BYTES);
    assert_true(p.v[0].text_len > JK_MAX_TEXT_BYTES - 8);
    assert_true(jk_utf8_valid((const unsigned char *)p.v[0].text, p.v[0].text_len));
    assert_memory_equal(p.v[0].text, "長い\nあああ", strlen("長い\nあああ"));
    jk_posts_release(&p);
    jk_buf_release(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_content_charset),
        cmocka_unit_test(test_feedparser_rss),
        cmocka_unit_test(test_feedparser_rdf),
        cmocka_unit_test(test_feedparser_atom),
        cmocka_unit_test(test_feedparser_encodings),
        cmocka_unit_test(test_feedparser_every_file),
        cmocka_unit_test(test_shift_jis_served_as_utf8),
        cmocka_unit_test(test_euc_jp),
        cmocka_unit_test(test_http_charset_beats_declaration),
        cmocka_unit_test(test_stale_labels_and_broken_bytes),
        cmocka_unit_test(test_html_in_titles),
        cmocka_unit_test(test_missing_and_bad_dates),
        cmocka_unit_test(test_atom),
        cmocka_unit_test(test_entities_stay_contained),
        cmocka_unit_test(test_not_a_feed),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
