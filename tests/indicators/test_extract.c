/*
 * test_extract.c — indicator extraction: hits and near-misses per type,
 * spans into the original text, canonical values, defang/refang, limits,
 * and the public test data of established tools (JK_SHARED_FIXTURES):
 * bitcoinjs address vectors, ioc-fanger's defanged/fanged pairs and
 * ioc-extractor's input corpus.
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

#include "extract.h"
#include "indicators_internal.h"

/* Extract from s; return the list (caller releases). */
static jk_indicator_list run(const char *s)
{
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    jk_error err;
    int rc = jk_indicators_extract(s, strlen(s), &l, &err);
    if (rc != JK_OK)
        fail_msg("extract failed: %s", err.message);
    return l;
}

/* Index of the indicator of type with value in l, or -1. */
static int find(const jk_indicator_list *l, jk_indicator_type type, const char *value)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].type == type && !strcmp(l->items[i].value, value))
            return (int)i;
    return -1;
}

static size_t count_type(const jk_indicator_list *l, jk_indicator_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        n += l->items[i].type == type;
    return n;
}

static void dump(const char *text, const jk_indicator_list *l)
{
    printf("  in: %s\n", text);
    for (size_t i = 0; i < l->count; i++)
        printf("    %s %zu-%zu \"%.*s\" => %s\n", jk_indicator_type_name(l->items[i].type), l->items[i].start,
               l->items[i].end, (int)(l->items[i].end - l->items[i].start), text + l->items[i].start,
               l->items[i].value);
}

/* Assert text yields type/value and that its span covers exactly `span`
 * (NULL: do not check the span). */
static void expect_span(const char *text, jk_indicator_type type, const char *value, const char *span)
{
    jk_indicator_list l = run(text);
    int i = find(&l, type, value);
    if (i < 0) {
        dump(text, &l);
        fail_msg("expected %s \"%s\"", jk_indicator_type_name(type), value);
    }
    if (span) {
        const jk_indicator *it = &l.items[i];
        if (it->end - it->start != strlen(span) || memcmp(text + it->start, span, strlen(span)) != 0) {
            dump(text, &l);
            fail_msg("span of %s is \"%.*s\", expected \"%s\"", value, (int)(it->end - it->start),
                     text + it->start, span);
        }
    }
    jk_indicator_list_release(&l);
}
#define expect(text, type, value) expect_span(text, type, value, NULL)

/* Assert text yields no indicator of type (any value). */
static void expect_none(const char *text, jk_indicator_type type)
{
    jk_indicator_list l = run(text);
    if (count_type(&l, type) != 0) {
        dump(text, &l);
        fail_msg("expected no %s", jk_indicator_type_name(type));
    }
    jk_indicator_list_release(&l);
}

/* ------------------------------------------------------------ URLs */

static void test_urls(void **state)
{
    (void)state;
    expect_span("詳しくはhttps://Example.COM:443/a/./b?utm_source=x#top まで", JK_IND_URL,
                "https://example.com/a/b?utm_source=x#top", "https://Example.COM:443/a/./b?utm_source=x#top");
    expect_span("詳しくはhttps://Example.COM:443/a まで", JK_IND_DOMAIN, "example.com", "Example.COM");
    /* defanged forms are read, spans cover the defanged text */
    expect_span("hxxps://evil[.]example[.]co[.]jp/login", JK_IND_URL, "https://evil.example.co.jp/login",
                "hxxps://evil[.]example[.]co[.]jp/login");
    expect("hXXp://bad(.)example(.)com/x.php", JK_IND_URL, "http://bad.example.com/x.php");
    expect("hxxp[:]//bad[dot]example[dot]net/", JK_IND_URL, "http://bad.example.net/");
    expect("hxxp://example.com[/]test", JK_IND_URL, "http://example.com/test");
    /* full-width dots and slashes */
    expect_span("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｐａｔｈ だよ", JK_IND_URL, "https://example.com/path",
                "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｐａｔｈ");
    expect("example。com/abc", JK_IND_URL, "http://example.com/abc");
    /* scheme-less with a path, IP hosts, ports */
    expect("example[.]com/", JK_IND_URL, "http://example.com/");
    expect("192.168.0.1:9090/url", JK_IND_URL, "http://192.168.0.1:9090/url");
    expect("http://[fdc4:2581:575b:5a72:0000:0000:0000:0001]:80/path", JK_IND_URL,
           "http://[fdc4:2581:575b:5a72::1]/path");
    expect("http://0x7f.1/", JK_IND_URL, "http://127.0.0.1/");
    /* IDN: Unicode host to punycode */
    expect("https://例え.jp/ を見て", JK_IND_URL, "https://xn--r8jz45g.jp/");
    expect("https://例え.jp/ を見て", JK_IND_DOMAIN, "xn--r8jz45g.jp");
    /* trailing punctuation and brackets are not part of the URL */
    expect_span("(see https://example.org/a_(b)).", JK_IND_URL, "https://example.org/a_(b)",
                "https://example.org/a_(b)");
    expect_span("「https://example.org/x」", JK_IND_URL, "https://example.org/x", "https://example.org/x");
    /* trailing dot of the host removed, tracking parameters kept */
    expect("http://example.com./?fbclid=abc", JK_IND_URL, "http://example.com./?fbclid=abc");
    expect("http://example.com./?fbclid=abc", JK_IND_DOMAIN, "example.com");
    /* near misses */
    expect_none("http://example,com/", JK_IND_URL);
    expect_none("http://[example.com", JK_IND_URL);
    expect_none("http://localhost/", JK_IND_URL);
    expect_none("http://192,168,0,1", JK_IND_URL); /* cut at the comma: "192" is no host anyone wrote */
    expect_none("javascript:alert(1)", JK_IND_URL);
    expect_none("file.txt/path", JK_IND_URL);
}

static void test_links_to_accounts(void **state)
{
    (void)state;
    expect("https://t.me/evilchannel", JK_IND_TELEGRAM, "@evilchannel");
    expect("t.me/joinchat/AbCdEf123", JK_IND_TELEGRAM, "t.me/+AbCdEf123");
    expect("https://t.me/+AbCdEf123", JK_IND_TELEGRAM, "t.me/+AbCdEf123");
    expect_none("https://t.me/s/", JK_IND_TELEGRAM);
    expect("https://line.me/ti/p/~yamada01", JK_IND_LINE_ID, "yamada01");
    expect("https://line.me/R/ti/p/@shop123", JK_IND_LINE_ID, "@shop123");
    expect("https://discord.gg/AbCdEf", JK_IND_DISCORD_INVITE, "discord.gg/AbCdEf");
    expect("https://discord.com/invite/XyZ987", JK_IND_DISCORD_INVITE, "discord.gg/XyZ987");
    expect("https://x.com/Some_User", JK_IND_X_HANDLE, "@some_user");
    expect("https://twitter.com/some_user/status/1", JK_IND_X_HANDLE, "@some_user");
    expect_none("https://x.com/home", JK_IND_X_HANDLE);
    expect("https://www.instagram.com/some.user/", JK_IND_INSTAGRAM_HANDLE, "@some.user");
    expect_none("https://www.instagram.com/p/Cxyz/", JK_IND_INSTAGRAM_HANDLE);
}

/* ------------------------------------------------------------ hosts */

static void test_domains(void **state)
{
    (void)state;
    expect_span("連絡はwww.example.co.jpへ", JK_IND_DOMAIN, "www.example.co.jp", "www.example.co.jp");
    expect("example[dot]com", JK_IND_DOMAIN, "example.com");
    expect("short[.]is", JK_IND_DOMAIN, "short.is");
    expect("EXAMPLE.COM", JK_IND_DOMAIN, "example.com");
    expect("xn--r8jz45g.jp", JK_IND_DOMAIN, "xn--r8jz45g.jp");
    expect("ドメインは 例え.jp です", JK_IND_DOMAIN, "xn--r8jz45g.jp");
    expect("main[.]py", JK_IND_DOMAIN, "main.py"); /* defanged: the writer meant a host */
    /* near misses: file names, versions, numbers, suffix alone */
    expect_none("report.pdf を送ります", JK_IND_DOMAIN);
    expect_none("script main.py と setup.sh", JK_IND_DOMAIN);
    expect_none("version 1.2.3 / v2.0.1", JK_IND_DOMAIN);
    expect_none("co.jp", JK_IND_DOMAIN);
    expect_none("x.x.x.x", JK_IND_DOMAIN);
    expect_none("tooshor.t", JK_IND_DOMAIN);
    expect_none("_____.tld", JK_IND_DOMAIN);
    expect_none("-bad-.com", JK_IND_DOMAIN);
}

static void test_ips(void **state)
{
    (void)state;
    expect_span("IP 192.168.0.1 から", JK_IND_IPV4, "192.168.0.1", "192.168.0.1");
    expect("192[.]168[.]0[.]1", JK_IND_IPV4, "192.168.0.1");
    expect("１９２．１６８．０．１", JK_IND_IPV4, "192.168.0.1");
    expect("192.168.0.1:9090", JK_IND_IPV4, "192.168.0.1");
    expect_none("1.5", JK_IND_IPV4);
    expect_none("85.85", JK_IND_IPV4);
    expect_none("1.2.3.4.5", JK_IND_IPV4);
    expect_none("256.1.1.1", JK_IND_IPV4);
    expect_none("01.2.3.4", JK_IND_IPV4);
    expect("fdc4:2581:575b:5a72:0000:0000:0000:0001", JK_IND_IPV6, "fdc4:2581:575b:5a72::1");
    expect_span("[2001:DB8::1]:443", JK_IND_IPV6, "2001:db8::1", "2001:DB8::1");
    expect("::ffff:192.0.2.1", JK_IND_IPV6, "::ffff:c000:201");
    expect_none("12:30:00 に集合", JK_IND_IPV6);
    expect_none("a:b:c", JK_IND_IPV6);
}

static void test_emails(void **state)
{
    (void)state;
    expect_span("メールはtaro.yamada@Example.CO.JPまで", JK_IND_EMAIL, "taro.yamada@example.co.jp",
                "taro.yamada@Example.CO.JP");
    expect("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ に連絡", JK_IND_EMAIL, "taro@example.com");
    expect("user[@]example[.]com", JK_IND_EMAIL, "user@example.com");
    expect("user(at)example(dot)net", JK_IND_EMAIL, "user@example.net");
    expect("mailto:info+tag@example.org", JK_IND_EMAIL, "info+tag@example.org");
    expect_none("user@localhost", JK_IND_EMAIL);
    expect_none("user@example.invalidtld", JK_IND_EMAIL);
    expect_none("@example.com", JK_IND_EMAIL);
}

/* ------------------------------------------------------------ phones */

static void test_phones(void **state)
{
    (void)state;
    expect_span("電話090-1234-5678まで", JK_IND_PHONE, "+819012345678", "090-1234-5678");
    expect("03(1234)5678", JK_IND_PHONE, "+81312345678");
    expect("(03) 1234-5678", JK_IND_PHONE, "+81312345678");
    expect_span("フリーダイヤル０１２０－１２３－４５６", JK_IND_PHONE, "+81120123456",
                "０１２０－１２３－４５６");
    expect("+81 90 1234 5678", JK_IND_PHONE, "+819012345678");
    expect("+81-3-1234-5678", JK_IND_PHONE, "+81312345678");
    expect("+81 (0)3 1234 5678", JK_IND_PHONE, "+81312345678");
    expect("0570-000-123", JK_IND_PHONE, "+81570000123");
    expect("0800-123-4567", JK_IND_PHONE, "+818001234567");
    expect("050-1234-5678", JK_IND_PHONE, "+815012345678");
    expect("090ー1111ー2222", JK_IND_PHONE, "+819011112222");
    expect("080−1234−5678", JK_IND_PHONE, "+818012345678"); /* U+2212 minus */
    expect("080‐1234‐5678", JK_IND_PHONE, "+818012345678"); /* U+2010 hyphen */
    expect("09012345678", JK_IND_PHONE, "+819012345678");
    expect_none("注文番号 090-1234-56789", JK_IND_PHONE);   /* too many digits */
    expect_none("0120-123-4567", JK_IND_PHONE);             /* 0120 has 10 digits */
    expect_none("ID12090-1234-5678", JK_IND_PHONE);         /* glued to letters/digits */
    expect_none("192.168.0.1", JK_IND_PHONE);
    expect_none("2024-01-15", JK_IND_PHONE);
    expect_none("00-1234-5678", JK_IND_PHONE);
}

/* ------------------------------------------------------------ messengers */

static void test_messenger_ids(void **state)
{
    (void)state;
    expect_span("LINE: abc_123 で", JK_IND_LINE_ID, "abc_123", "abc_123");
    expect("ライン→taro99", JK_IND_LINE_ID, "taro99");
    expect_span("ＬＩＮＥ ＩＤ：hanako_x", JK_IND_LINE_ID, "hanako_x", "hanako_x");
    expect("LINE ID:Hanako.X", JK_IND_LINE_ID, "hanako.x");
    expect("LINE@shop99", JK_IND_LINE_ID, "@shop99");
    expect("LINEは@abc_def", JK_IND_LINE_ID, "@abc_def");
    expect_none("ガイドライン: abcdef", JK_IND_LINE_ID);
    expect_none("オンライン abcdef", JK_IND_LINE_ID);
    expect_none("ONLINE: abcdef", JK_IND_LINE_ID);
    expect("テレグラム @shady_dealer", JK_IND_TELEGRAM, "@shady_dealer");
    expect("tg: darkshop01", JK_IND_TELEGRAM, "@darkshop01");
    expect("Telegram:@Dark_Shop", JK_IND_TELEGRAM, "@dark_shop");
    expect_none("tg: abc", JK_IND_TELEGRAM); /* Telegram names are 5+ characters */
    expect("Signal: alice.42", JK_IND_SIGNAL, "alice.42");
    expect_none("Signal: alice", JK_IND_SIGNAL);
    expect("Threema ID: ECHOECH0", JK_IND_THREEMA, "ECHOECH0");
    expect_none("Threema: ECHO", JK_IND_THREEMA);
    expect("Session ID: 05d871fc80ca007eed9b2f4df72853e2a2d5465a92fcb1889fb5c84aa2833b3b40",
           JK_IND_SESSION, "05d871fc80ca007eed9b2f4df72853e2a2d5465a92fcb1889fb5c84aa2833b3b40");
    expect_none("Session: 06d871fc80ca007eed9b2f4df72853e2a2d5465a92fcb1889fb5c84aa2833b3b40", JK_IND_SESSION);
    expect("Wickr: bob_w", JK_IND_WICKR, "bob_w");
    expect("インスタ @some.user", JK_IND_INSTAGRAM_HANDLE, "@some.user");
    expect("Twitter: @JackDorsey", JK_IND_X_HANDLE, "@jackdorsey");
    expect_span("DMは@abc_123まで", JK_IND_X_HANDLE, "@abc_123", "@abc_123");
    expect_none("DMは@abc_1234567890123まで", JK_IND_X_HANDLE); /* X names are 15 at most */
    expect_none("mail me at a@b", JK_IND_X_HANDLE);
}

/* ------------------------------------------------------------ wallets */

static void test_wallets(void **state)
{
    (void)state;
    expect("BTC: 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", JK_IND_BTC, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH");
    expect_none("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ", JK_IND_BTC); /* checksum */
    expect("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", JK_IND_BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    expect("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", JK_IND_BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    expect_none("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", JK_IND_BTC);
    /* EIP-55: the checksummed form and the all-lower form pass, a wrong case does not */
    expect("送金先 0x32Be343B94f860124dC4fEe278FDCBD38C102D88 まで", JK_IND_ETH,
           "0x32be343b94f860124dc4fee278fdcbd38c102d88");
    expect("0x32be343b94f860124dc4fee278fdcbd38c102d88", JK_IND_ETH, "0x32be343b94f860124dc4fee278fdcbd38c102d88");
    expect_none("0x32be343B94f860124dC4fEe278FDCBD38C102D88", JK_IND_ETH);
    expect_none("0x32Be343B94f860124dC4fEe278FDCBD38C102D8", JK_IND_ETH); /* 39 digits */
    /* Monero: block base58 and Keccak checksum (addresses from ioc-extractor's input) */
    expect("49urk473npMgWFFBBk2xLMjEqTgg1PHMzg1MjDWBST5AMEEyh58TjCvLEf58uu5kruPWu5pA1RBPKX3quEQpHKoGQ1zbTGe",
           JK_IND_XMR, "49urk473npMgWFFBBk2xLMjEqTgg1PHMzg1MjDWBST5AMEEyh58TjCvLEf58uu5kruPWu5pA1RBPKX3quEQpHKoGQ1zbTGe");
    expect_none("49urk473npMgWFFBBk2xLMjEqTgg1PHMzg1MjDWBST5AMEEyh58TjCvLEf58uu5kruPWu5pA1RBPKX3quEQpHKoGQ1zbTGf",
                JK_IND_XMR);
    /* TRON: base58check with version 0x41 (the USDT TRC-20 contract) */
    expect("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", JK_IND_TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    expect_none("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", JK_IND_TRX);
    /* Keccak-256 known answers: "" and "abc" */
    uint8_t h[32];
    jk_keccak256((const uint8_t *)"", 0, h);
    static const uint8_t empty[4] = {0xc5, 0xd2, 0x46, 0x01};
    assert_memory_equal(h, empty, 4);
    jk_keccak256((const uint8_t *)"abc", 3, h);
    static const uint8_t abc[4] = {0x4e, 0x03, 0x65, 0x7a};
    assert_memory_equal(h, abc, 4);
    /* a 136-byte input crosses the rate: padding goes in a block of its own */
    uint8_t block[136];
    memset(block, 'a', sizeof block);
    jk_keccak256(block, sizeof block, h);
    uint8_t h2[32];
    jk_keccak256(block, sizeof block - 1, h2);
    assert_memory_not_equal(h, h2, 32);
}

/* ------------------------------------------------------------ bank */

static void test_bank_accounts(void **state)
{
    (void)state;
    expect_span("振込先は三井住友銀行 新宿支店 普通 1234567 です", JK_IND_BANK_ACCOUNT,
                "三井住友銀行 新宿支店 普通 1234567", "三井住友銀行 新宿支店 普通 1234567");
    expect("みずほ銀行渋谷支店(普)7654321", JK_IND_BANK_ACCOUNT, "みずほ銀行 渋谷支店 普通 7654321");
    expect("楽天銀行 当座預金 口座番号 1112223", JK_IND_BANK_ACCOUNT, "楽天銀行 当座 1112223");
    expect("ＰａｙＰａｙ銀行 ビジネス営業部 普通 １２３４５６７", JK_IND_BANK_ACCOUNT,
           "PayPay銀行 ビジネス営業部 普通 1234567");
    expect("ゆうちょ銀行 記号12345 番号12345678", JK_IND_BANK_ACCOUNT, "ゆうちょ銀行 記号 12345 番号 12345678");
    expect("城南信用金庫 本店 普通 0012345", JK_IND_BANK_ACCOUNT, "城南信用金庫 本店 普通 0012345");
    expect_none("銀行に行った。1234567円", JK_IND_BANK_ACCOUNT);
    expect_none("三井住友銀行 1234567", JK_IND_BANK_ACCOUNT); /* no branch, no type */
    expect_none("三井住友銀行 新宿支店 普通 123", JK_IND_BANK_ACCOUNT);
}

/* ------------------------------------------------------------ API */

static void test_spans_and_order(void **state)
{
    (void)state;
    const char *text = "ａ https://example.com/x と 090-1234-5678";
    jk_indicator_list l = run(text);
    assert_true(l.count >= 3);
    for (size_t i = 1; i < l.count; i++)
        assert_true(l.items[i - 1].start <= l.items[i].start);
    assert_int_equal(l.items[0].type, JK_IND_URL);
    assert_int_equal(l.items[0].start, 4); /* after the 3-byte full-width 'a' and a space */
    jk_indicator_list_release(&l);
    /* items already in the list are kept */
    l = run("example.com");
    jk_error err;
    assert_int_equal(jk_indicators_extract("example.org", 11, &l, &err), JK_OK);
    assert_int_equal(l.count, 2);
    jk_indicator_list_release(&l);
    /* type names round-trip */
    for (int t = 0; t < JK_IND_TYPE_COUNT; t++) {
        jk_indicator_type back;
        assert_int_equal(jk_indicator_type_from_name(jk_indicator_type_name((jk_indicator_type)t), &back), JK_OK);
        assert_int_equal(back, t);
    }
    assert_string_equal(jk_indicator_type_name(JK_IND_INSTAGRAM_HANDLE), "instagram_handle");
    assert_null(jk_indicator_type_name(JK_IND_TYPE_COUNT));
    jk_indicator_type t;
    assert_int_equal(jk_indicator_type_from_name("nope", &t), JK_ENOTFOUND);
    /* invalid UTF-8 is skipped, not fatal */
    l = run("\xff\xfe example.com \xc3");
    assert_int_not_equal(find(&l, JK_IND_DOMAIN, "example.com"), -1);
    jk_indicator_list_release(&l);
}

static void test_limits(void **state)
{
    (void)state;
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    jk_error err;
    size_t big = JK_INDICATOR_MAX_TEXT + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, ' ', big);
    assert_int_equal(jk_indicators_extract(text, big, &l, &err), JK_ELIMIT);
    assert_int_equal(jk_indicators_extract(text, big - 1, &l, &err), JK_OK);
    free(text);
    /* N indicators pass, N+1 is refused */
    jk_buf b;
    jk_buf_init(&b, 0);
    for (unsigned i = 0; i < JK_INDICATOR_MAX_COUNT; i++)
        jk_buf_printf(&b, "10.%u.%u.%u ", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    assert_int_equal(jk_indicators_extract(b.data, b.len, &l, &err), JK_OK);
    assert_int_equal(l.count, JK_INDICATOR_MAX_COUNT);
    jk_indicator_list_release(&l);
    jk_buf_puts(&b, "10.255.255.255");
    assert_int_equal(jk_indicators_extract(b.data, b.len, &l, &err), JK_ELIMIT);
    assert_non_null(strstr(err.message, "indicators"));
    jk_indicator_list_release(&l);
    jk_buf_release(&b);
}

static void test_defang(void **state)
{
    (void)state;
    static const struct {
        jk_indicator_type type;
        const char *value, *defanged;
    } cases[] = {
        {JK_IND_URL, "https://evil.example.com/a.php?x=1", "hxxps://evil[.]example[.]com/a.php?x=1"},
        {JK_IND_URL, "ftp://files.example.org/", "fxp://files[.]example[.]org/"},
        {JK_IND_DOMAIN, "example.co.jp", "example[.]co[.]jp"},
        {JK_IND_IPV4, "192.0.2.1", "192[.]0[.]2[.]1"},
        {JK_IND_IPV6, "2001:db8::1", "2001[:]db8[:][:]1"},
        {JK_IND_EMAIL, "user@example.com", "user[@]example[.]com"},
        {JK_IND_PHONE, "+819012345678", "+819012345678"},
    };
    jk_buf b, back;
    jk_buf_init(&b, 0);
    jk_buf_init(&back, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(jk_indicator_defang(cases[i].type, cases[i].value, strlen(cases[i].value), &b), JK_OK);
        assert_string_equal(b.data, cases[i].defanged);
        /* and the extractor reads the defanged form back to the same value */
        if (cases[i].type != JK_IND_PHONE) {
            assert_int_equal(jk_indicators_refang(b.data, b.len, &back), JK_OK);
            assert_string_equal(back.data, cases[i].value);
            expect(b.data, cases[i].type, cases[i].value);
        }
    }
    jk_buf_release(&b);
    jk_buf_release(&back);
}

static void test_registrable_domain(void **state)
{
    (void)state;
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_error err;
    assert_int_equal(jk_registrable_domain("www.example.co.jp", 17, &b, &err), JK_OK);
    assert_string_equal(b.data, "example.co.jp");
    assert_int_equal(jk_registrable_domain("a.b.city.kawasaki.jp", 20, &b, &err), JK_OK);
    assert_string_equal(b.data, "city.kawasaki.jp");
    assert_int_equal(jk_registrable_domain("WWW.例え.JP.", strlen("WWW.例え.JP."), &b, &err), JK_OK);
    assert_string_equal(b.data, "xn--r8jz45g.jp");
    assert_int_equal(jk_registrable_domain("co.jp", 5, &b, &err), JK_ENOTFOUND);
    assert_int_equal(jk_registrable_domain("192.0.2.1", 9, &b, &err), JK_ENOTFOUND);
    assert_int_equal(jk_registrable_domain("a b.com", 7, &b, &err), JK_EPARSE);
    jk_buf_release(&b);
}

/* ------------------------------------------------------------ fixtures */

static json_t *load(const char *path)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        fail_msg("%s: %s", path, jerr.text);
    return root;
}

static int is_btc(const char *addr)
{
    jk_indicator_list l = run(addr);
    int hit = l.count == 1 && l.items[0].type == JK_IND_BTC && l.items[0].start == 0 &&
              l.items[0].end == strlen(addr);
    jk_indicator_list_release(&l);
    return hit;
}

/* bitcoinjs-lib's address vectors: every bitcoin/testnet/regtest address
 * is found, every invalid one is not. Litecoin vectors are valid
 * base58check but not Bitcoin (version bytes 48 and 50), so they must not
 * be reported as btc. */
static void test_fixture_bitcoinjs(void **state)
{
    (void)state;
    json_t *root = load(JK_SHARED_FIXTURES "/crypto-bitcoinjs/address.json");
    size_t valid = 0, invalid = 0, idx;
    json_t *e;
    json_array_foreach(json_object_get(root, "standard"), idx, e)
    {
        const char *net = json_string_value(json_object_get(e, "network"));
        json_t *a = json_object_get(e, "base58check");
        if (!a)
            a = json_object_get(e, "bech32");
        const char *addr = json_string_value(a);
        if (!strcmp(net, "litecoin")) {
            assert_false(is_btc(addr));
        } else {
            if (!is_btc(addr))
                fail_msg("valid %s address %s not found", net, addr);
            valid++;
        }
    }
    json_array_foreach(json_object_get(root, "bech32"), idx, e)
    {
        assert_true(is_btc(json_string_value(json_object_get(e, "address"))));
        valid++;
    }
    json_t *inv = json_object_get(root, "invalid");
    const char *groups[] = {"bech32", "fromBase58Check", "toOutputScript"};
    for (size_t g = 0; g < 3; g++) {
        json_array_foreach(json_object_get(inv, groups[g]), idx, e)
        {
            const char *addr = json_string_value(json_object_get(e, "address"));
            if (!addr || json_object_get(e, "network"))
                continue; /* scripts, or a case about a custom network's prefix */
            if (json_object_get(e, "paymentException"))
                continue; /* well-formed bech32m whose x-only key is not on secp256k1: telling
                             needs curve arithmetic, which extraction does not do */
            if (is_btc(addr))
                fail_msg("invalid address %s (%s) accepted", addr,
                         json_string_value(json_object_get(e, "exception")));
            invalid++;
        }
    }
    json_decref(root);

    /* Bitcoin Core's base58 vectors: addresses (not private keys) valid,
     * the invalid list rejected (bad checksum, version or length). */
    root = load(JK_SHARED_FIXTURES "/crypto-bitcoinjs/core/base58_keys_valid.json");
    json_array_foreach(root, idx, e)
    {
        const char *addr = json_string_value(json_array_get(e, 0));
        json_t *meta = json_array_get(e, 2);
        if (json_is_true(json_object_get(meta, "isPrivkey"))) {
            assert_false(is_btc(addr)); /* a WIF private key is not an address */
            continue;
        }
        if (!is_btc(addr))
            fail_msg("core valid address %s not found", addr);
        valid++;
    }
    json_decref(root);
    root = load(JK_SHARED_FIXTURES "/crypto-bitcoinjs/core/base58_keys_invalid.json");
    json_array_foreach(root, idx, e)
    {
        const char *addr = json_string_value(json_array_get(e, 0));
        if (is_btc(addr))
            fail_msg("core invalid string %s accepted", addr);
        jk_indicator_list l = run(addr);
        assert_int_equal(count_type(&l, JK_IND_TRX), 0);
        jk_indicator_list_release(&l);
        invalid++;
    }
    json_decref(root);
    printf("bitcoinjs: %zu valid accepted, %zu invalid rejected\n", valid, invalid);
    assert_true(valid >= 40 && invalid >= 60);
}

static char **read_lines(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char buf[4096];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            lines = realloc(lines, cap * sizeof *lines);
            assert_non_null(lines);
        }
        lines[n++] = strdup(buf);
    }
    fclose(f);
    *count = n;
    return lines;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* ioc-fanger: line N of the fanged file is the refang of line N of the
 * defanged one. Our refang must produce exactly that line, and the
 * extractor must find the same indicators (by canonical value) in both. */
static void test_fixture_ioc_fanger(void **state)
{
    (void)state;
    size_t nd, nf;
    char **def = read_lines(JK_SHARED_FIXTURES "/ioc-fanger/sample_text_defanged.txt", &nd);
    char **fan = read_lines(JK_SHARED_FIXTURES "/ioc-fanger/sample_text_fanged.txt", &nf);
    assert_int_equal(nd, nf);
    jk_buf b;
    jk_buf_init(&b, 0);
    size_t same_text = 0, same_indicators = 0, with_indicators = 0;
    for (size_t i = 0; i < nd; i++) {
        assert_int_equal(jk_indicators_refang(def[i], strlen(def[i]), &b), JK_OK);
        if (!strcmp(b.data, fan[i]))
            same_text++;
        else
            printf("ioc-fanger line %zu: refang gives \"%s\", expected \"%s\"\n", i + 1, b.data, fan[i]);
        jk_indicator_list a = run(def[i]), c = run(fan[i]);
        int same = a.count == c.count;
        for (size_t k = 0; same && k < a.count; k++)
            same = a.items[k].type == c.items[k].type && !strcmp(a.items[k].value, c.items[k].value);
        if (same)
            same_indicators++;
        else
            printf("ioc-fanger line %zu: indicators differ\n", i + 1);
        with_indicators += c.count > 0;
        size_t hexlen = strspn(fan[i], "0123456789abcdefABCDEF");
        int hash_only = fan[i][hexlen] == '\0' && (hexlen == 32 || hexlen == 40 || hexlen == 64);
        if (c.count == 0 && !hash_only)
            fail_msg("ioc-fanger line %zu: no indicator in \"%s\"", i + 1, fan[i]);
        jk_indicator_list_release(&a);
        jk_indicator_list_release(&c);
    }
    printf("ioc-fanger: %zu/%zu lines refang exactly, %zu/%zu give the same indicators (%zu with any)\n",
           same_text, nd, same_indicators, nd, with_indicators);
    assert_int_equal(same_text, nd);
    assert_int_equal(same_indicators, nd);
    /* every line but the bare file hashes (not an indicator type here) holds one */
    assert_int_equal(with_indicators, 901);
    jk_buf_release(&b);
    free_lines(def, nd);
    free_lines(fan, nf);
}

/* ioc-extractor's input corpus. Upstream keeps its expectations in its
 * own spec code, not in a data file, so the expectations here are ours,
 * line by line, for the lines that state an indicator plainly. Where the
 * WHATWG URL standard decides a form, it wins: "http://example.com:80/path"
 * canonicalises to "http://example.com/path" (default port removed). */
static void test_fixture_ioc_extractor(void **state)
{
    (void)state;
    size_t n;
    char **lines = read_lines(JK_SHARED_FIXTURES "/ioc-extractor/input.txt", &n);
    assert_int_equal(n, 101);
    static const struct {
        size_t line; /* 1-based */
        jk_indicator_type type;
        const char *value; /* NULL: no indicator of this type on the line */
    } cases[] = {
        {1, JK_IND_URL, "http://192.168.0.1/"},
        {3, JK_IND_URL, "http://192.168.0.1/path"},
        {4, JK_IND_URL, "http://192.168.0.1/path"},
        {4, JK_IND_IPV4, "192.168.0.1"},
        {5, JK_IND_URL, "http://192.168.0.1/path"},
        {6, JK_IND_IPV4, "192.168.0.1"},
        {7, JK_IND_URL, "http://example.com/path"},
        {8, JK_IND_IPV6, "fdc4:2581:575b:5a72::1"},
        {9, JK_IND_IPV6, "fdc4:2581:575b:5a72::1"},
        {11, JK_IND_URL, "http://example.com/"},
        {12, JK_IND_URL, "http://example.com/"},
        {13, JK_IND_URL, "http://example.com/"},
        {14, JK_IND_URL, "http://example.com/"},
        {15, JK_IND_URL, "http://example.com/"},
        {16, JK_IND_URL, "http://example.com/"},
        {17, JK_IND_DOMAIN, "example.com"},
        {18, JK_IND_IPV4, "192.168.0.1"},
        {19, JK_IND_URL, NULL}, /* "http://example[.com/": an unbalanced defang is not a host */
        {20, JK_IND_URL, "http://[fdc4:2581:575b:5a72::1]/path"},
        {21, JK_IND_URL, "http://example.com/test"},
        {22, JK_IND_URL, NULL}, /* "http://[example.com" */
        {25, JK_IND_URL, NULL}, /* "http://example,com/" */
        {38, JK_IND_DOMAIN, NULL}, /* "example,com" */
        {42, JK_IND_URL, "http://exa-mple.com/"},
        {43, JK_IND_URL, "http://ex4mple.com/"},
        {44, JK_IND_DOMAIN, "short.is"},
        {47, JK_IND_DOMAIN, NULL}, /* "AAAAA" */
        {48, JK_IND_DOMAIN, NULL}, /* "+example.tld+": "tld" is no public suffix */
        {49, JK_IND_IPV4, NULL},   /* "85" */
        {50, JK_IND_IPV4, NULL},   /* "85.85" */
        {52, JK_IND_DOMAIN, NULL}, /* "_____.tld" */
        {54, JK_IND_DOMAIN, NULL}, /* "x.x.x.x" */
        {55, JK_IND_DOMAIN, NULL}, /* "tooshor.t" */
        {57, JK_IND_URL, "http://123.123.123.123/test"},
        {60, JK_IND_URL, "tcp://example.com:80/"}, /* not special: the WHATWG parser keeps port 80 */
        {62, JK_IND_DOMAIN, "example.com"},
        {64, JK_IND_URL, "http://192.168.0.1/some/url"},
        {65, JK_IND_IPV4, "192.168.0.1"},
        {66, JK_IND_URL, "http://192.168.0.1:9090/url"},
        {68, JK_IND_URL, "http://192.188.0.1:9090/url"},
        {95, JK_IND_XMR, "49urk473npMgWFFBBk2xLMjEqTgg1PHMzg1MjDWBST5AMEEyh58TjCvLEf58uu5kruPWu5pA1RBPKX3quEQpHKoGQ1zbTGe"},
        {96, JK_IND_XMR, "46bxDoy3pszR42Ds5FeygfWdbMfH7qB5hZHqEPnX6EgVhksrbzJtQYQeETZtniMfWk4Bt7TXmgybpZYRu2fTdppoAf9x7Yd"},
        {97, JK_IND_BTC, "1HB5XMLmzFVj8ALj6mfBsbifRoD4miY36v"},
        {98, JK_IND_BTC, "1J6PYEzr4CUoGbnXrELyHszoTSz3wCsCaj"},
        {101, JK_IND_ETH, "0x32be343b94f860124dc4fee278fdcbd38c102d88"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *line = lines[cases[i].line - 1];
        if (cases[i].value)
            expect(line, cases[i].type, cases[i].value);
        else
            expect_none(line, cases[i].type);
    }
    /* hashes (lines 74-78) are not indicators of ours */
    jk_indicator_list l = run(lines[73]);
    assert_int_equal(l.count, 0);
    jk_indicator_list_release(&l);
    free_lines(lines, n);
}

/* "id" right after a few letters at the very start of a text: the check
 * for "LINE id" must not look before the text (found by fuzz_extract). */
static void test_id_near_text_start(void **state)
{
    (void)state;
    const char *texts[] = {"LINID: 08d8abc", "xid: abcdef", "ID: abcdef", "eid:x", "line id: abc_12"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        /* an exact-size heap copy, so ASan sees any read before or after it */
        size_t n = strlen(texts[k]);
        char *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, texts[k], n);
        jk_indicator_list l;
        jk_indicator_list_init(&l);
        jk_error err;
        assert_int_equal(jk_indicators_extract(copy, n, &l, &err), JK_OK);
        if (k == 4)
            assert_true(find(&l, JK_IND_LINE_ID, "abc_12") >= 0);
        jk_indicator_list_release(&l);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_links_to_accounts),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_ips),
        cmocka_unit_test(test_emails),
        cmocka_unit_test(test_phones),
        cmocka_unit_test(test_messenger_ids),
        cmocka_unit_test(test_wallets),
        cmocka_unit_test(test_bank_accounts),
        cmocka_unit_test(test_spans_and_order),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_defang),
        cmocka_unit_test(test_registrable_domain),
        cmocka_unit_test(test_fixture_bitcoinjs),
        cmocka_unit_test(test_fixture_ioc_fanger),
        cmocka_unit_test(test_fixture_ioc_extractor),
        cmocka_unit_test(test_id_near_text_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
