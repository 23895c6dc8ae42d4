/*
 * test_campaign.c — what links (link keys, stoplist tiers, registrable
 * domains, local addresses, public numbers, an item's own site) and the
 * grouping over a real temporary store: campaigns of chains, the
 * frequency cut, duplicates, ordering, per-item keys, summaries from
 * detections and dates, a long chain, an empty store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign.h"
#include "link.h"

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/junkai-test-campaign-%d.db", (int)getpid());
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

/* --- link keys ------------------------------------------------------- */

static void expect_key(const char *type, const char *value, jk_link_status want,
                       const char *want_key)
{
    jk_buf key;
    jk_buf_init(&key, 0);
    jk_indicator_type t;
    jk_link_status got = jk_link_key(type, value, &t, &key);
    if (got != want)
        fail_msg("%s %s: status %s, want %s", type, value, jk_link_status_name(got),
                 jk_link_status_name(want));
    if (want == JK_LINK_YES) {
        assert_string_equal(key.data, want_key);
        assert_string_equal(jk_indicator_type_name(t), type);
    }
    jk_buf_release(&key);
}

static void test_link_keys(void **state)
{
    (void)state;
    /* contact points link on their canonical value */
    expect_key("line_id", "yasai_tokyo", JK_LINK_YES, "yasai_tokyo");
    expect_key("telegram", "@dark_job77", JK_LINK_YES, "@dark_job77");
    expect_key("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", JK_LINK_YES,
               "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    expect_key("bank_account", "三井住友銀行 新宿支店 普通 1234567", JK_LINK_YES,
               "三井住友銀行 新宿支店 普通 1234567");
    expect_key("phone", "+819012345678", JK_LINK_YES, "+819012345678");
    expect_key("phone", "+81570783556", JK_LINK_PUBLIC_NUMBER, NULL); /* いのちの電話 */
    expect_key("no_such_type", "x", JK_LINK_UNKNOWN_TYPE, NULL);

    /* domains by registrable domain, platforms and shared hosts not at all */
    expect_key("domain", "www.shop-a.co.jp", JK_LINK_YES, "shop-a.co.jp");
    expect_key("domain", "shop-a.co.jp", JK_LINK_YES, "shop-a.co.jp");
    expect_key("domain", "x.com", JK_LINK_PLATFORM, NULL);
    expect_key("domain", "mobile.twitter.com", JK_LINK_PLATFORM, NULL);
    expect_key("domain", "www.youtube.com", JK_LINK_PLATFORM, NULL);
    expect_key("domain", "t.me", JK_LINK_SHARED_HOST, NULL);
    expect_key("domain", "line.me", JK_LINK_SHARED_HOST, NULL);
    expect_key("domain", "bit.ly", JK_LINK_SHARED_HOST, NULL);
    expect_key("domain", "docs.google.com", JK_LINK_SHARED_HOST, NULL); /* nearest entry wins */
    expect_key("domain", "www.google.com", JK_LINK_PLATFORM, NULL);
    expect_key("domain", "example.com", JK_LINK_PLATFORM, NULL);
    /* users' sites under a shared suffix are their own */
    expect_key("domain", "foo.hatenablog.com", JK_LINK_YES, "foo.hatenablog.com");
    expect_key("domain", "a.foo.hatenablog.com", JK_LINK_YES, "foo.hatenablog.com");
    expect_key("domain", "hatenablog.com", JK_LINK_SHARED_HOST, NULL);
    expect_key("domain", "www.hatenablog.com", JK_LINK_SHARED_HOST, NULL);
    expect_key("domain", "bar.blog.fc2.com", JK_LINK_YES, "bar.blog.fc2.com");
    expect_key("domain", "foo.blogspot.com", JK_LINK_YES, "foo.blogspot.com"); /* libpsl */
    expect_key("domain", "blogspot.com", JK_LINK_NO_DOMAIN, NULL);
    expect_key("domain", "www3.nhk.or.jp", JK_LINK_PLATFORM, NULL);
    /* entries across the sorted table (bsearch finds them only in order) */
    const char *listed[] = {"amazon.co.jp", "bit.ly", "fc2.com", "google.co.jp", "lin.ee",
                            "mainichi.jp", "pawoo.net", "t.co", "tokyo-np.co.jp",
                            "twitter.com", "xsrv.jp", "youtube.com"};
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        jk_buf key;
        jk_buf_init(&key, 0);
        jk_indicator_type t;
        assert_int_not_equal(jk_link_key("domain", listed[i], &t, &key), JK_LINK_YES);
        jk_buf_release(&key);
    }
    /* a name ending "x.com" is not x.com */
    expect_key("domain", "phishx.com", JK_LINK_YES, "phishx.com");

    /* URLs: exact, except platforms, account links and site roots */
    expect_key("url", "https://shop-a.co.jp/buy?id=1", JK_LINK_YES, "https://shop-a.co.jp/buy?id=1");
    expect_key("url", "https://shop-a.co.jp/", JK_LINK_SITE_ROOT, NULL);
    expect_key("url", "https://x.com/home", JK_LINK_PLATFORM, NULL);
    expect_key("url", "https://x.com/", JK_LINK_PLATFORM, NULL);
    expect_key("url", "https://www.youtube.com/watch?v=abc", JK_LINK_PLATFORM, NULL);
    expect_key("url", "https://t.me/dark_job77", JK_LINK_ACCOUNT_URL, NULL);
    expect_key("url", "https://line.me/ti/p/~yasai_tokyo", JK_LINK_ACCOUNT_URL, NULL);
    expect_key("url", "https://line.me/R/ti/p/@shop", JK_LINK_ACCOUNT_URL, NULL);
    expect_key("url", "https://discord.com/invite/abc", JK_LINK_ACCOUNT_URL, NULL);
    expect_key("url", "https://line.me/ti/g2/OpenChatCode", JK_LINK_YES,
               "https://line.me/ti/g2/OpenChatCode");
    expect_key("url", "https://bit.ly/3xYz", JK_LINK_YES, "https://bit.ly/3xYz");
    expect_key("url", "https://bit.ly/", JK_LINK_SITE_ROOT, NULL);
    expect_key("url", "https://docs.google.com/forms/d/e/1FAIpQL/viewform", JK_LINK_YES,
               "https://docs.google.com/forms/d/e/1FAIpQL/viewform");
    expect_key("url", "http://192.168.0.1/admin", JK_LINK_LOCAL_ADDRESS, NULL);
    expect_key("url", "http://[::1]:8080/x", JK_LINK_LOCAL_ADDRESS, NULL);
    expect_key("url", "http://203.0.113.9/x.php", JK_LINK_YES, "http://203.0.113.9/x.php");

    /* addresses: local ones never link */
    expect_key("ipv4", "203.0.113.9", JK_LINK_YES, "203.0.113.9");
    expect_key("ipv4", "8.8.8.8", JK_LINK_YES, "8.8.8.8");
    const char *local4[] = {"192.168.1.1", "10.0.0.1", "127.0.0.1", "172.16.5.4",
                            "172.31.255.255", "169.254.1.1", "100.64.0.1", "0.0.0.0",
                            "224.0.0.1", "255.255.255.255"};
    for (size_t i = 0; i < sizeof local4 / sizeof local4[0]; i++)
        expect_key("ipv4", local4[i], JK_LINK_LOCAL_ADDRESS, NULL);
    expect_key("ipv4", "172.32.0.1", JK_LINK_YES, "172.32.0.1");
    expect_key("ipv4", "100.128.0.1", JK_LINK_YES, "100.128.0.1");
    expect_key("ipv6", "2001:db8::1", JK_LINK_YES, "2001:db8::1");
    const char *local6[] = {"::1", "::", "fe80::1", "fd00::5", "ff02::1", "::ffff:192.168.0.1"};
    for (size_t i = 0; i < sizeof local6 / sizeof local6[0]; i++)
        expect_key("ipv6", local6[i], JK_LINK_LOCAL_ADDRESS, NULL);

    assert_string_equal(jk_link_status_name(JK_LINK_YES), "links");
    assert_string_equal(jk_link_status_name(JK_LINK_SHARED_HOST), "shared-host");
    assert_string_equal(jk_link_status_name((jk_link_status)99), "unknown");
}

static void test_link_home(void **state)
{
    (void)state;
    jk_buf home;
    jk_buf_init(&home, 0);
    assert_true(jk_link_home("https://bbs.board-a.jp/test/read.cgi/x/1#5", &home));
    assert_string_equal(home.data, "board-a.jp");
    assert_true(jk_link_home("https://foo.hatenablog.com/entry/1", &home));
    assert_string_equal(home.data, "foo.hatenablog.com");
    assert_false(jk_link_home("https://mstdn.jp/@a/1", &home)); /* never links anyway */
    assert_int_equal(home.len, 0);
    assert_false(jk_link_home(NULL, &home));
    assert_false(jk_link_home("", &home));
    assert_false(jk_link_home("not a url", &home));
    assert_false(jk_link_home("http://203.0.113.1/x", &home));
    jk_buf_release(&home);
}

/* --- grouping over a store ------------------------------------------- */

static int64_t add_item(jk_store *st, const char *id, const char *url, const char *posted_at)
{
    jk_item_in it;
    memset(&it, 0, sizeof it);
    it.platform = "test";
    it.external_id = id;
    it.url = url;
    it.posted_at = posted_at;
    it.text = id; /* distinct texts: no deduplication */
    it.text_len = strlen(id);
    int64_t item;
    bool is_new;
    jk_error err;
    assert_int_equal(jk_store_add_item(st, &it, &item, &is_new, &err), 0);
    assert_true(is_new);
    return item;
}

static void add_ind(jk_store *st, int64_t item, const char *type, const char *value)
{
    jk_error err;
    assert_int_equal(jk_store_add_indicator(st, item, type, value, 0, 1, &err), 0);
}

static jk_store *open_store(void)
{
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(path, &st, &err), 0);
    assert_int_equal(jk_store_begin(st, &err), 0);
    return st;
}

static void commit(jk_store *st)
{
    jk_error err;
    assert_int_equal(jk_store_commit(st, &err), 0);
}

static void assert_items(const jk_campaign *c, const int64_t *want, size_t n)
{
    assert_int_equal(c->size, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(c->items[i], want[i]);
}

static void test_campaigns_group_chains(void **state)
{
    (void)state;
    jk_store *st = open_store();
    int64_t a = add_item(st, "a", NULL, "2024-05-03T00:00:00Z");
    int64_t b = add_item(st, "b", NULL, "2024-05-01T00:00:00Z");
    int64_t c = add_item(st, "c", NULL, NULL); /* fetched now: the latest */
    int64_t d = add_item(st, "d", NULL, "2024-06-01T00:00:00Z");
    int64_t e = add_item(st, "e", NULL, "2024-06-02T00:00:00Z");
    int64_t f = add_item(st, "f", NULL, NULL);
    int64_t g = add_item(st, "g", NULL, NULL);
    int64_t h = add_item(st, "h", NULL, NULL);
    /* a–b by LINE ID (b twice), b–c by Telegram: one campaign of three */
    add_ind(st, a, "line_id", "yasai_tokyo");
    add_ind(st, b, "line_id", "yasai_tokyo");
    add_ind(st, b, "line_id", "yasai_tokyo");
    add_ind(st, b, "telegram", "@dark_job77");
    add_ind(st, c, "telegram", "@dark_job77");
    add_ind(st, c, "url", "https://t.me/dark_job77");
    /* d–e by the same site written two ways */
    add_ind(st, d, "domain", "www.shop-a.co.jp");
    add_ind(st, e, "domain", "shop-a.co.jp");
    /* f alone; g and h share only a platform */
    add_ind(st, f, "phone", "+819012345678");
    add_ind(st, g, "url", "https://x.com/home");
    add_ind(st, g, "domain", "x.com");
    add_ind(st, h, "url", "https://x.com/home");
    add_ind(st, h, "domain", "x.com");
    jk_hit hit = {0, "drug.test", JK_CAT_DRUG_AD, 0.9, NULL, 0, NULL, 0};
    jk_error err;
    assert_int_equal(jk_store_add_detection(st, c, &hit, "1", &err), 0);
    hit.rule_id = "fraud.test";
    hit.category = JK_CAT_FRAUD;
    assert_int_equal(jk_store_add_detection(st, a, &hit, "1", &err), 0);
    commit(st);

    jk_linkage *lk;
    assert_int_equal(jk_linkage_build(st, NULL, &lk, &err), 0);
    assert_int_equal(jk_linkage_max_share(lk), JK_LINK_DEFAULT_MAX_SHARE);
    assert_int_equal(jk_linkage_campaign_count(lk), 2);
    jk_campaign cp;
    jk_linkage_campaign(lk, 0, &cp);
    assert_int_equal(cp.id, a);
    assert_items(&cp, (int64_t[]){a, b, c}, 3);
    assert_int_equal(cp.indicator_count, 2);
    /* equal counts: type order (line_id before telegram) */
    assert_int_equal(cp.indicators[0]->type, JK_IND_LINE_ID);
    assert_string_equal(cp.indicators[0]->value, "yasai_tokyo");
    assert_int_equal(cp.indicators[0]->items, 2); /* b's repeat counts once */
    assert_string_equal(cp.indicators[1]->value, "@dark_job77");

    jk_campaign_summary sum;
    assert_int_equal(jk_campaign_summarize(st, &cp, &sum, &err), 0);
    assert_int_equal(sum.categories, (1u << JK_CAT_DRUG_AD) | (1u << JK_CAT_FRAUD));
    assert_string_equal(sum.first_seen, "2024-05-01T00:00:00Z");
    assert_true(strcmp(sum.last_seen, "2025") > 0); /* c's fetched_at, today */

    jk_linkage_campaign(lk, 1, &cp);
    assert_items(&cp, (int64_t[]){d, e}, 2);
    assert_int_equal(cp.indicators[0]->type, JK_IND_DOMAIN);
    assert_string_equal(cp.indicators[0]->value, "shop-a.co.jp");
    assert_int_equal(jk_campaign_summarize(st, &cp, &sum, &err), 0);
    assert_int_equal(sum.categories, 0);
    assert_string_equal(sum.first_seen, "2024-06-01T00:00:00Z");
    assert_string_equal(sum.last_seen, "2024-06-02T00:00:00Z");

    /* per item */
    assert_int_equal(jk_linkage_campaign_of(lk, c, &cp), 0);
    assert_int_equal(cp.id, a);
    assert_int_equal(jk_linkage_campaign_of(lk, f, &cp), JK_ENOTFOUND);
    assert_int_equal(jk_linkage_campaign_of(lk, g, &cp), JK_ENOTFOUND);
    assert_int_equal(jk_linkage_campaign_of(lk, h, &cp), JK_ENOTFOUND);
    const jk_link_indicator *const *keys;
    assert_int_equal(jk_linkage_item_keys(lk, b, &keys), 2);
    assert_string_equal(keys[0]->value, "yasai_tokyo");
    assert_string_equal(keys[1]->value, "@dark_job77");
    assert_int_equal(jk_linkage_item_keys(lk, c, &keys), 1);
    assert_int_equal(jk_linkage_item_keys(lk, f, &keys), 0);

    const jk_link_indicator *key;
    assert_int_equal(jk_linkage_status(lk, NULL, "line_id", "yasai_tokyo", &key), JK_LINK_YES);
    assert_int_equal(key->items, 2);
    assert_int_equal(jk_linkage_status(lk, NULL, "domain", "www.shop-a.co.jp", &key), JK_LINK_YES);
    assert_string_equal(key->value, "shop-a.co.jp");
    assert_int_equal(jk_linkage_status(lk, NULL, "phone", "+819012345678", &key),
                     JK_LINK_UNSHARED);
    assert_int_equal(key->items, 1);
    assert_int_equal(jk_linkage_status(lk, NULL, "line_id", "never_seen", &key), JK_LINK_UNSHARED);
    assert_null(key);
    assert_int_equal(jk_linkage_status(lk, NULL, "domain", "x.com", &key), JK_LINK_PLATFORM);
    assert_null(key);
    assert_int_equal(jk_linkage_status(lk, "https://www.shop-a.co.jp/p/1", "domain", "shop-a.co.jp",
                                       &key),
                     JK_LINK_OWN_SITE);
    assert_int_equal(jk_linkage_common_count(lk), 0);
    jk_linkage_free(lk);
    jk_store_close(st);
}

static void test_frequency_cut_and_own_site(void **state)
{
    (void)state;
    jk_store *st = open_store();
    int64_t it[6];
    char id[8];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "i%d", i);
        /* i0 and i1 are posts on the board itself */
        it[i] = add_item(st, id, i < 2 ? "https://bbs.board-a.jp/t/1" : NULL, NULL);
    }
    /* a news site every item quotes: common at max_share 4 */
    for (int i = 0; i < 5; i++)
        add_ind(st, it[i], "domain", "news.example-news.jp");
    /* the board's own domain: links only the items posted elsewhere */
    add_ind(st, it[0], "domain", "bbs.board-a.jp");
    add_ind(st, it[1], "domain", "board-a.jp");
    add_ind(st, it[2], "domain", "board-a.jp");
    add_ind(st, it[3], "domain", "www.board-a.jp");
    /* exactly max_share items still link */
    for (int i = 2; i < 6; i++)
        add_ind(st, it[i], "x_handle", "@seller");
    commit(st);

    jk_link_options opt = {4};
    jk_linkage *lk;
    jk_error err;
    assert_int_equal(jk_linkage_build(st, &opt, &lk, &err), 0);
    assert_int_equal(jk_linkage_common_count(lk), 1);
    assert_int_equal(jk_linkage_campaign_count(lk), 1);
    jk_campaign cp;
    jk_linkage_campaign(lk, 0, &cp);
    assert_items(&cp, (int64_t[]){it[2], it[3], it[4], it[5]}, 4);
    assert_int_equal(cp.indicator_count, 2);
    assert_string_equal(cp.indicators[0]->value, "@seller");
    assert_int_equal(cp.indicators[0]->items, 4);
    assert_string_equal(cp.indicators[1]->value, "board-a.jp");
    assert_int_equal(cp.indicators[1]->items, 2);
    const jk_link_indicator *key;
    assert_int_equal(jk_linkage_status(lk, NULL, "domain", "news.example-news.jp", &key),
                     JK_LINK_COMMON);
    assert_int_equal(key->items, 5);
    jk_linkage_free(lk);

    /* with the default limit the news site links everything but i5 */
    assert_int_equal(jk_linkage_build(st, NULL, &lk, &err), 0);
    assert_int_equal(jk_linkage_campaign_count(lk), 1);
    jk_linkage_campaign(lk, 0, &cp);
    assert_int_equal(cp.size, 6);
    jk_linkage_free(lk);
    jk_store_close(st);
}

static void test_long_chain_and_many_groups(void **state)
{
    (void)state;
    jk_store *st = open_store();
    enum { CHAIN = 20000, PAIRS = 3000 };
    int64_t first = 0;
    char id[32], value[32];
    /* item k and k+1 share a phone: one campaign, as deep as union-find
     * trees get when unions arrive in the worst order */
    for (int k = 0; k < CHAIN; k++) {
        snprintf(id, sizeof id, "chain%d", k);
        int64_t item = add_item(st, id, NULL, NULL);
        if (!first)
            first = item;
        if (k > 0) {
            snprintf(value, sizeof value, "+8190%08d", k);
            add_ind(st, item, "phone", value);
        }
        if (k + 1 < CHAIN) {
            snprintf(value, sizeof value, "+8190%08d", k + 1);
            add_ind(st, item, "phone", value);
        }
    }
    for (int k = 0; k < PAIRS; k++) {
        snprintf(value, sizeof value, "pair_%d", k);
        for (int j = 0; j < 2; j++) {
            snprintf(id, sizeof id, "pair%d.%d", k, j);
            add_ind(st, add_item(st, id, NULL, NULL), "line_id", value);
        }
    }
    commit(st);
    jk_linkage *lk;
    jk_error err;
    assert_int_equal(jk_linkage_build(st, NULL, &lk, &err), 0);
    assert_int_equal(jk_linkage_campaign_count(lk), 1 + PAIRS);
    jk_campaign cp;
    jk_linkage_campaign(lk, 0, &cp);
    assert_int_equal(cp.size, CHAIN);
    assert_int_equal(cp.id, first);
    assert_int_equal(cp.indicator_count, CHAIN - 1);
    for (size_t i = 1; i < cp.size; i++)
        assert_true(cp.items[i - 1] < cp.items[i]);
    /* the pairs follow, lowest id first */
    int64_t prev = 0;
    for (size_t i = 1; i <= PAIRS; i++) {
        jk_linkage_campaign(lk, i, &cp);
        assert_int_equal(cp.size, 2);
        assert_int_equal(cp.items[1], cp.items[0] + 1);
        assert_true(cp.id > prev);
        prev = cp.id;
    }
    jk_linkage_free(lk);
    jk_store_close(st);
}

static void test_empty_store(void **state)
{
    (void)state;
    jk_store *st = open_store();
    commit(st);
    jk_linkage *lk;
    jk_error err;
    assert_int_equal(jk_linkage_build(st, NULL, &lk, &err), 0);
    assert_int_equal(jk_linkage_campaign_count(lk), 0);
    jk_campaign cp;
    assert_int_equal(jk_linkage_campaign_of(lk, 1, &cp), JK_ENOTFOUND);
    const jk_link_indicator *const *keys;
    assert_int_equal(jk_linkage_item_keys(lk, 1, &keys), 0);
    jk_linkage_free(lk);
    jk_linkage_free(NULL);
    jk_store_close(st);
}

static int got_item(void *ctx, const jk_item_row *row)
{
    *(jk_item_row *)ctx = *row;
    ((jk_item_row *)ctx)->text = NULL; /* not valid after the call */
    return 0;
}

static void test_store_reads_back(void **state)
{
    (void)state;
    jk_store *st = open_store();
    int64_t a = add_item(st, "a", "https://example.org/a", "2024-01-01T00:00:00Z");
    commit(st);
    jk_item_row row;
    jk_error err;
    assert_int_equal(jk_store_item_get(st, a, NULL, NULL, false, got_item, &row, &err), 0);
    assert_int_equal(row.id, a);
    assert_int_equal(row.text_len, 0);
    assert_int_equal(jk_store_item_get(st, 0, "test", "a", true, got_item, &row, &err), 0);
    assert_int_equal(row.id, a);
    assert_int_equal(row.text_len, 1);
    assert_int_equal(jk_store_item_get(st, a + 100, NULL, NULL, false, got_item, &row, &err),
                     JK_ENOTFOUND);
    assert_non_null(strstr(err.message, "no item"));
    assert_int_equal(jk_store_item_get(st, 0, "test", "zz", false, got_item, &row, &err),
                     JK_ENOTFOUND);
    assert_non_null(strstr(err.message, "test:zz"));
    assert_int_equal(jk_store_item_get(st, 0, NULL, NULL, false, got_item, &row, &err),
                     JK_EINVAL);
    jk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_keys),
        cmocka_unit_test(test_link_home),
        cmocka_unit_test_setup_teardown(test_campaigns_group_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frequency_cut_and_own_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_chain_and_many_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_reads_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
