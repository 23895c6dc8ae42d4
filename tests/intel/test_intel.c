/*
 * test_intel.c — intel lists: the CSV, STIX and MISP readers on our own
 * fixtures (tests/data/intel) and on the OASIS STIX 2.1 example bundles,
 * the STIX pattern subset parser, canonical values, the matcher (exact,
 * registrable domain, URL prefix; case, IDNA and defanged posts), import
 * into a store with refresh and removal, and the export.
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

#include "buf.h"
#include "extract.h"
#include "intel.h"
#include "intel_export.h"
#include "intel_match.h"

#define DATA JK_SOURCE_DIR "/tests/data/intel/"

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(fp);
    if (b)
        b[n] = '\0';
    *len = (size_t)n;
    return b;
}

/* What a reader gave: "type=value|first_seen|description" lines and
 * "where: why" lines. */
typedef struct collected {
    jk_buf values, skips;
} collected;

static int collect_raw(void *ctx, const jk_intel_raw *raw)
{
    collected *c = ctx;
    jk_buf_printf(&c->values, "%s=%.*s|%s|%s\n", raw->type, (int)raw->value_len, raw->value,
                  raw->first_seen ? raw->first_seen : "", raw->description ? raw->description : "");
    return 0;
}

static void collect_skip(void *ctx, const char *where, const char *why)
{
    collected *c = ctx;
    jk_buf_printf(&c->skips, "%s: %s\n", where, why);
}

static void collected_init(collected *c)
{
    jk_buf_init(&c->values, 0);
    jk_buf_init(&c->skips, 0);
    jk_buf_puts(&c->values, "");
    jk_buf_puts(&c->skips, "");
}

static void collected_release(collected *c)
{
    jk_buf_release(&c->values);
    jk_buf_release(&c->skips);
}

/* ---- CSV -------------------------------------------------------------------- */

static void test_csv_jpcert(void **state)
{
    (void)state;
    size_t len;
    char *data = read_file(DATA "jpcert-phishurl.csv", &len);
    assert_non_null(data);
    collected c;
    collected_init(&c);
    jk_intel_reader r = {"jpcert-phishurl.csv", collect_raw, collect_skip, &c};
    jk_intel_read_stats st;
    jk_error err;
    assert_int_equal(jk_intel_read_csv(data, len, &r, &st, &err), JK_OK);
    assert_int_equal(st.objects, 11);
    assert_int_equal(st.values, 8);
    assert_int_equal(st.skipped, 3);
    /* dates both ways, Japanese descriptions kept, a quoted comma kept */
    assert_non_null(strstr(c.values.data, "url=https://amazon-co-jp.phish-example.com/ap/signin|"
                                          "2024-01-31|Amazon\n"));
    assert_non_null(strstr(c.values.data, "|2024-01-31|三井住友カード\n"));
    assert_non_null(strstr(c.values.data, "url=hxxps://mufg-bank[.]phish-example[.]org/|2024-02-01|"));
    assert_non_null(strstr(c.values.data, "|イオンカード, 偽サイト\n"));
    /* each broken line named by file:line, the rest read */
    assert_non_null(strstr(c.skips.data, "jpcert-phishurl.csv:6: date \"2024/02/3x\""));
    assert_non_null(strstr(c.skips.data, "jpcert-phishurl.csv:7: expected at least 2 fields"));
    assert_non_null(strstr(c.skips.data, "jpcert-phishurl.csv:8: not valid CSV"));
    assert_non_null(strstr(c.values.data, "国際化ドメイン名"));
    collected_release(&c);
    free(data);
}

static void test_csv_typed_and_bad_header(void **state)
{
    (void)state;
    const char *typed = "\xEF\xBB\xBFtype,value,first_seen,last_seen,items\r\n"
                        "domain,bad[.]example[.]com,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,3\r\n"
                        "telegram,@Scam_Channel,,,1\r\n";
    collected c;
    collected_init(&c);
    jk_intel_reader r = {"typed.csv", collect_raw, collect_skip, &c};
    jk_intel_read_stats st;
    jk_error err;
    assert_int_equal(jk_intel_read_csv(typed, strlen(typed), &r, &st, &err), JK_OK);
    assert_int_equal(st.values, 2);
    assert_string_equal(c.values.data, "domain=bad[.]example[.]com|2024-03-01|\n"
                                       "telegram=@Scam_Channel||\n");
    const char *bad = "when,where\n2024/01/01,x\n";
    assert_int_equal(jk_intel_read_csv(bad, strlen(bad), &r, &st, &err), JK_EPARSE);
    assert_non_null(strstr(err.message, "typed.csv:1: the header names no \"URL\" column"));
    assert_int_equal(jk_intel_read_csv("", 0, &r, &st, &err), JK_EPARSE);
    collected_release(&c);
}

/* ---- STIX patterns ------------------------------------------------------------- */

/* Parse and render "type=value;…", or "ERR:<message>". */
static void pattern(const char *text, char *out, size_t cap)
{
    jk_stix_pattern p;
    jk_stix_pattern_init(&p);
    jk_error err;
    int rc = jk_stix_pattern_parse(text, strlen(text), &p, &err);
    size_t o = 0;
    out[0] = '\0';
    if (rc) {
        snprintf(out, cap, "ERR:%.400s", err.message);
    } else {
        for (size_t i = 0; i < p.count && o < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s=%s;", p.items[i].type, p.items[i].value);
    }
    assert_true(rc || p.count > 0);
    jk_stix_pattern_release(&p);
}

static void test_stix_pattern(void **state)
{
    (void)state;
    char out[512];
    pattern("[url:value = 'http://x.example/a']", out, sizeof out);
    assert_string_equal(out, "url=http://x.example/a;");
    pattern("  [ domain-name:value='a.example' OR ipv4-addr:value = '192.0.2.1' ]  ", out, sizeof out);
    assert_string_equal(out, "domain=a.example;ipv4=192.0.2.1;");
    pattern("[ipv6-addr:value = '2001:db8::1'] OR ([email-addr:value = 'a@b.example'] OR "
            "[(url:value = 'http://c.example/' OR url:value = 'http://d.example/')])",
            out, sizeof out);
    assert_string_equal(out, "ipv6=2001:db8::1;email=a@b.example;url=http://c.example/;"
                             "url=http://d.example/;");
    pattern("[file:hashes.'SHA-256' = 'AB' OR file:hashes.MD5 = 'cd' OR file:hashes.md5 = 'ef' "
            "OR file:hashes.'SHA-1' = '01' or file:hashes.SHA256 = '02']",
            out, sizeof out);
    assert_string_equal(out, "sha256=AB;md5=cd;md5=ef;sha1=01;sha256=02;");
    pattern("[url:value = 'http://e.example/it\\'s\\\\x']", out, sizeof out);
    assert_string_equal(out, "url=http://e.example/it's\\x;");

    /* valid STIX outside the subset, each with its reason */
    pattern("[domain-name:value = 'a.example' AND ipv4-addr:value = '192.0.2.1']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: AND"));
    pattern("[url:value = 'http://a.example/'] AND [url:value = 'http://b.example/']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: AND"));
    pattern("[url:value = 'http://a.example/'] FOLLOWEDBY [url:value = 'http://b.example/']", out,
            sizeof out);
    assert_non_null(strstr(out, "unsupported: FOLLOWEDBY"));
    pattern("[url:value = 'http://a.example/'] WITHIN 300 SECONDS", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: WITHIN"));
    pattern("[url:value MATCHES '^http']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: operator MATCHES"));
    pattern("[url:value != 'http://a.example/']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: an operator other than ="));
    pattern("[x509-certificate:issuer = 'CN=WEBMAIL']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: object path x509-certificate:issuer"));
    pattern("[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: operator MATCHES"));
    pattern("[email-message:body_multipart[*].body_raw_ref.name = 'a.exe']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: object path email-message:body_multipart[*]"));
    pattern("[network-traffic:dst_port = 443]", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: object path"));
    pattern("[NOT url:value = 'x']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: NOT"));
    pattern("[file:hashes.'SHA-256' = h'ab']", out, sizeof out);
    assert_non_null(strstr(out, "unsupported: binary, hex or timestamp"));

    /* malformed */
    const char *broken[] = {"", "[", "]", "[url:value = 'x'", "[url:value = 'x]", "url:value = 'x'",
                            "[url:value = 'x'] OR", "[url:value 'x']", "[url: = 'x']",
                            "[:value = 'x']", "[url:value = 'x\\q']", "[url:value = 'x'] junk",
                            "[file:hashes.'SHA-256 = 'x']", "(([url:value = 'x'])"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        pattern(broken[i], out, sizeof out);
        if (strncmp(out, "ERR:", 4) != 0)
            fail_msg("accepted \"%s\": %s", broken[i], out);
    }
    /* bounds: nesting and comparisons */
    char deep[200];
    memset(deep, '(', 40);
    strcpy(deep + 40, "[url:value = 'x']");
    memset(deep + 57, ')', 40);
    deep[97] = '\0';
    pattern(deep, out, sizeof out);
    assert_non_null(strstr(out, "nested deeper than 32"));
    jk_buf many;
    jk_buf_init(&many, 0);
    jk_buf_putc(&many, '[');
    for (unsigned i = 0; i <= JK_STIX_PATTERN_MAX_TERMS; i++)
        jk_buf_printf(&many, "%surl:value = 'http://h%u.example/'", i ? " OR " : "", i);
    jk_buf_putc(&many, ']');
    jk_stix_pattern p;
    jk_stix_pattern_init(&p);
    jk_error err;
    assert_int_equal(jk_stix_pattern_parse(many.data, many.len, &p, &err), JK_ELIMIT);
    assert_int_equal(p.count, 0);
    jk_buf_release(&many);
}

/* ---- STIX bundles -------------------------------------------------------------- */

static void test_stix_bundle(void **state)
{
    (void)state;
    size_t len;
    char *data = read_file(DATA "stix-bundle.json", &len);
    assert_non_null(data);
    assert_int_equal(jk_intel_format_sniff(data, len), JK_INTEL_STIX);
    collected c;
    collected_init(&c);
    jk_intel_reader r = {"stix-bundle.json", collect_raw, collect_skip, &c};
    jk_intel_read_stats st;
    jk_error err;
    assert_int_equal(jk_intel_read_stix(data, len, &r, &st, &err), JK_OK);
    assert_int_equal(st.objects, 9);
    assert_int_equal(st.values, 9);
    assert_int_equal(st.skipped, 4);
    assert_non_null(strstr(c.values.data, "url=https://login.stix-phish.example.com/signin|"
                                          "2024-01-31T00:00:00Z|偽ログインページ\n"));
    assert_non_null(strstr(c.values.data, "domain=C2.Stix-Phish.example.net|"));
    assert_non_null(strstr(c.values.data, "ipv6=2001:DB8::7|"));
    assert_non_null(strstr(c.values.data, "url=hxxp://defanged.stix-phish[.]example.com/it's|"));
    assert_non_null(strstr(c.skips.data, "indicator--0b7c1bd3-9fa9-4d0e-b2a6-5c1e6a1f7e21: pattern: "
                                         "unsupported"));
    assert_non_null(strstr(c.skips.data, "indicator--6f1c7c5e-0d5f-4e5c-9d45-30a5a39f6e8b: pattern: "
                                         "unsupported: operator MATCHES"));
    assert_non_null(strstr(c.skips.data, "indicator--3c0b0f0e-6a7d-4d4c-8f1a-4b9f1e2d3c4b: "
                                         "pattern_type \"snort\" is not stix"));
    assert_non_null(strstr(c.skips.data, "indicator--9d3b4c6a-2e1f-4a5b-8c7d-6e5f4a3b2c1d: revoked"));
    assert_int_equal(jk_intel_read_stix("{\"type\":", 8, &r, &st, &err), JK_EPARSE);
    assert_non_null(strstr(err.message, "stix-bundle.json:1:"));
    assert_int_equal(jk_intel_read_stix("{\"a\":1}", 7, &r, &st, &err), JK_EPARSE);
    collected_release(&c);
    free(data);
}

/* The OASIS example bundles: most patterns are outside the subset; each
 * must read without error and give what its patterns name. */
static void test_stix_oasis_examples(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        long indicators, values, skipped;
    } files[] = {
        {"examples/indicator-for-c2-ip-address.json", 1, 1, 0},
        {"examples/indicator-to-campaign-relationship.json", 1, 1, 0},
        {"examples/indicators-for-C2-with-COA.json", 2, 2, 0},
        {"examples/infrastructure.json", 0, 0, 0},
        {"examples/interop-objectmarking-test.json", 0, 0, 0},
        {"examples/malicious-email-indicator-with-attachment.json", 2, 0, 2},
        /* x509-certificate AND patterns are the skipped ones; an
         * address range is a value here and dropped when canonicalised */
        {"examples/threat-reports/apt1.json", 12, 10, 2},
        {"examples/threat-reports/poisonivy.json", 25, 65, 2},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/stix21-oasis/%s", JK_SHARED_FIXTURES, files[i].file);
        size_t len;
        char *data = read_file(path, &len);
        if (!data)
            fail_msg("cannot read %s", path);
        collected c;
        collected_init(&c);
        jk_intel_reader r = {files[i].file, collect_raw, collect_skip, &c};
        jk_intel_read_stats st;
        jk_error err;
        int rc = jk_intel_read_stix(data, len, &r, &st, &err);
        if (rc)
            fail_msg("%s: %s", files[i].file, err.message);
        printf("# %s: %ld indicators, %ld values, %ld skipped\n", files[i].file, st.objects,
               st.values, st.skipped);
        assert_true(st.skipped <= st.objects);
        assert_int_equal(st.objects, files[i].indicators);
        assert_int_equal(st.values, files[i].values);
        assert_int_equal(st.skipped, files[i].skipped);
        collected_release(&c);
        free(data);
    }
}

/* ---- MISP ------------------------------------------------------------------------ */

static void test_misp_event(void **state)
{
    (void)state;
    size_t len;
    char *data = read_file(DATA "misp-event.json", &len);
    assert_non_null(data);
    assert_int_equal(jk_intel_format_sniff(data, len), JK_INTEL_MISP);
    collected c;
    collected_init(&c);
    jk_intel_reader r = {"misp-event.json", collect_raw, collect_skip, &c};
    jk_intel_read_stats st;
    jk_error err;
    assert_int_equal(jk_intel_read_misp(data, len, &r, &st, &err), JK_OK);
    assert_int_equal(st.objects, 12);
    assert_int_equal(st.values, 10);
    assert_int_equal(st.skipped, 3);
    assert_non_null(strstr(c.values.data, "url=https://misp-phish.example.com/verify?id=1|2024-02-10|"
                                          "SMS で配布\n"));
    assert_non_null(strstr(c.values.data, "domain=Misp-Phish.example.com|2024-02-10|"
                                          "フィッシングキャンペーン（テスト）\n"));
    assert_non_null(strstr(c.values.data, "ip=192.0.2.44|"));
    assert_non_null(strstr(c.values.data, "ip=2001:db8::44|"));
    assert_non_null(strstr(c.values.data, "email=support@misp-phish.example.com|"
                                          "2024-02-09T12:00:00.000000+00:00|"));
    assert_non_null(strstr(c.values.data, "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|"));
    assert_non_null(strstr(c.values.data, "url=hxxps://obj.misp-phish[.]example[.]com/login|"));
    assert_non_null(strstr(c.skips.data, "attribute a1000000-0000-4000-8000-000000000006: type "
                                         "\"vulnerability\""));
    assert_non_null(strstr(c.skips.data, "attribute a1000000-0000-4000-8000-000000000007: deleted"));
    /* a search answer wraps events; a list of them works too */
    const char *wrapped = "{\"response\":[{\"Event\":{\"Attribute\":[{\"type\":\"domain\",\"value\":"
                          "\"a.example.com\"}]}}]}";
    jk_buf_reset(&c.values);
    assert_int_equal(jk_intel_read_misp(wrapped, strlen(wrapped), &r, &st, &err), JK_OK);
    assert_string_equal(c.values.data, "domain=a.example.com||\n");
    assert_int_equal(jk_intel_read_misp("[1,2]", 5, &r, &st, &err), JK_EPARSE);
    assert_int_equal(jk_intel_read_misp("nope", 4, &r, &st, &err), JK_EPARSE);
    collected_release(&c);
    free(data);
}

/* ---- canonical values ----------------------------------------------------------- */

static void expect_canon(const char *type, const char *value, const char *want_type,
                         const char *want)
{
    jk_buf out;
    jk_buf_init(&out, 0);
    const char *t = NULL;
    jk_error err;
    int rc = jk_intel_canonical(type, value, strlen(value), &t, &out, &err);
    if (!want) {
        if (rc == JK_OK)
            fail_msg("%s \"%s\" accepted as %s", type, value, out.data);
    } else {
        if (rc)
            fail_msg("%s \"%s\": %s", type, value, err.message);
        assert_string_equal(t, want_type);
        assert_string_equal(out.data, want);
    }
    jk_buf_release(&out);
}

static void test_canonical(void **state)
{
    (void)state;
    expect_canon("url", "HTTPS://Example.COM:443/a/../b?q=1#f", "url", "https://example.com/b?q=1#f");
    expect_canon("url", " hxxps://evil[.]example[.]com/login ", "url", "https://evil.example.com/login");
    expect_canon("url", "evil.example.com/x", "url", "http://evil.example.com/x");
    expect_canon("url", "https://例え.jp/", "url", "https://xn--r8jz45g.jp/");
    expect_canon("url", "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／", "url", "https://example.com/");
    expect_canon("url", "not a url", NULL, NULL);
    expect_canon("url", "", NULL, NULL);
    expect_canon("domain", "WWW.Example.COM.", "domain", "www.example.com");
    expect_canon("domain", "例え.jp", "domain", "xn--r8jz45g.jp");
    expect_canon("domain", "evil[.]example[.]net", "domain", "evil.example.net");
    expect_canon("domain", "192.0.2.1", "ipv4", "192.0.2.1");
    expect_canon("domain", "exa mple.com", NULL, NULL);
    expect_canon("domain", "localhost", NULL, NULL);
    expect_canon("hostname", "[2001:DB8::1]", "ipv6", "2001:db8::1");
    expect_canon("ip", "192[.]0[.]2[.]1", "ipv4", "192.0.2.1");
    expect_canon("ip", "0xc0.0.2.1", "ipv4", "192.0.2.1");
    expect_canon("ipv4", "192.0.2.1/32", "ipv4", "192.0.2.1");
    expect_canon("ipv4", "192.0.2.0/24", NULL, NULL);
    expect_canon("ip", "2001:0DB8:0:0:0:0:0:0001", "ipv6", "2001:db8::1");
    expect_canon("ip", "not-an-ip", NULL, NULL);
    expect_canon("email", "Kyc.Team@Example.COM", "email", "Kyc.Team@example.com");
    expect_canon("email", "a[@]evil[.]example[.]jp", "email", "a@evil.example.jp");
    expect_canon("email", "@example.com", NULL, NULL);
    expect_canon("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256",
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_canon("md5", "d41d8cd98f00b204e9800998ecf8427", NULL, NULL);
    expect_canon("sha1", "zz39a3ee5e6b4b0d3255bfef95601890afd80709", NULL, NULL);
    expect_canon("telegram", "@Scam_Channel", "telegram", "@scam_channel");
    expect_canon("phone", "090-1234-5678", "phone", "+819012345678");
    expect_canon("line_id", "Shop.Line_99", "line_id", "shop.line_99");
    expect_canon("eth", "0x52908400098527886E0F7030069857D2E4169EE7", "eth",
                 "0x52908400098527886e0f7030069857d2e4169ee7");
    expect_canon("phone", "hello", NULL, NULL);
    expect_canon("nosuchtype", "x", NULL, NULL);
}

/* ---- matcher --------------------------------------------------------------------- */

typedef struct fixture {
    jk_intel *in;
    jk_intel_hits hits;
    jk_indicator_list ind;
} fixture;

static void add(jk_intel *in, size_t list, const char *type, const char *value)
{
    jk_buf canon;
    jk_buf_init(&canon, 0);
    const char *t;
    jk_error err;
    if (jk_intel_canonical(type, value, strlen(value), &t, &canon, &err))
        fail_msg("%s", err.message);
    assert_int_equal(jk_intel_add(in, list, t, canon.data, canon.len, &err), JK_OK);
    jk_buf_release(&canon);
}

static int matcher_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->in = jk_intel_new();
    size_t a, b, c;
    jk_intel_add_list(f->in, "lista", JK_CAT_PHISHING, JK_INTEL_MATCH_EXACT, "v1", &a);
    jk_intel_add_list(f->in, "listb", JK_CAT_FRAUD, JK_INTEL_MATCH_DOMAIN, "v2", &b);
    jk_intel_add_list(f->in, "listc", JK_CAT_PHISHING, JK_INTEL_MATCH_PREFIX, "v3", &c);
    add(f->in, a, "url", "https://evil.example.com/login");
    add(f->in, a, "domain", "bad.example.net");
    add(f->in, a, "ip", "192.0.2.1");
    add(f->in, a, "domain", "例え.example-idn.jp");
    add(f->in, a, "email", "kyc@evil.example.com");
    add(f->in, a, "telegram", "@scam_channel");
    add(f->in, a, "sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    add(f->in, b, "domain", "www.scam-example.co.jp");
    add(f->in, b, "url", "https://shop.fraud-example.com/x");
    add(f->in, b, "ip", "198.51.100.9");
    add(f->in, c, "url", "https://host.example.org/phish/");
    add(f->in, c, "url", "https://wide.example.org/");
    add(f->in, c, "url", "https://q.example.org/p?id=1");
    add(f->in, c, "domain", "bad.example.net"); /* a domain in a prefix list: exact */
    jk_error err;
    assert_int_equal(jk_intel_build(f->in, &err), JK_OK);
    jk_intel_hits_init(&f->hits);
    jk_indicator_list_init(&f->ind);
    *state = f;
    return 0;
}

static int matcher_teardown(void **state)
{
    fixture *f = *state;
    jk_intel_hits_release(&f->hits);
    jk_indicator_list_release(&f->ind);
    jk_intel_free(f->in);
    free(f);
    return 0;
}

/* Match text; render "rule:category:[s,e]…:term|term;" per hit. */
static const char *match(fixture *f, const char *text)
{
    static char out[1024];
    jk_indicator_list_release(&f->ind);
    jk_error err;
    assert_int_equal(jk_indicators_extract(text, strlen(text), &f->ind, &err), JK_OK);
    assert_int_equal(jk_intel_match(f->in, &f->ind, &f->hits), JK_OK);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->hits.count; i++) {
        const jk_hit *h = &f->hits.hits[i];
        assert_int_equal(h->rule, JK_INTEL_RULE);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s:%s:", h->rule_id, jk_category_id(h->category));
        for (size_t k = 0; k < h->span_count; k++)
            o += (size_t)snprintf(out + o, sizeof out - o, "[%zu,%zu]", h->spans[k].start,
                                  h->spans[k].end);
        for (size_t k = 0; k < h->term_count; k++)
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", k ? "|" : ":", h->terms[k]);
        o += (size_t)snprintf(out + o, sizeof out - o, ";");
    }
    return out;
}

static void test_match_exact(void **state)
{
    fixture *f = *state;
    assert_int_equal(jk_intel_entry_count(f->in), 13); /* the hash is not matchable */
    assert_string_equal(match(f, "see https://evil.example.com/login now"),
                        "intel:lista:phishing:[4,34]:https://evil.example.com/login;");
    /* case, defanged and full-width spellings are the same indicator */
    assert_string_equal(match(f, "HTTPS://EVIL.EXAMPLE.COM/login"),
                        "intel:lista:phishing:[0,30]:https://evil.example.com/login;");
    assert_string_equal(match(f, "hxxps://evil[.]example[.]com/login"),
                        "intel:lista:phishing:[0,34]:https://evil.example.com/login;");
    /* exact means exact: another path or a query is another URL */
    assert_string_equal(match(f, "https://evil.example.com/login?x=1 https://evil.example.com/"), "");
    assert_string_equal(match(f, "visit BAD.Example.NET today"),
                        "intel:lista:phishing:[6,21]:bad.example.net;"
                        "intel:listc:phishing:[6,21]:bad.example.net;");
    assert_string_equal(match(f, "sub.bad.example.net"), "");
    assert_string_equal(match(f, "http://192.0.2.1/x"), "intel:lista:phishing:[7,16]:192.0.2.1;");
    /* IDNA: a Unicode host in a post, punycode in the list */
    assert_string_equal(match(f, "詳細 https://例え.example-idn.jp/ まで"),
                        "intel:lista:phishing:[15,36]:xn--r8jz45g.example-idn.jp;");
    assert_string_equal(match(f, "連絡 kyc@evil.example.com"),
                        "intel:lista:phishing:[7,27]:kyc@evil.example.com;");
    assert_string_equal(match(f, "テレグラム @Scam_Channel"),
                        "intel:lista:phishing:[16,29]:@scam_channel;");
    /* two indicators of one list: one hit, both spans and terms */
    assert_string_equal(match(f, "bad.example.net and kyc@evil.example.com"),
                        "intel:lista:phishing:[0,15][20,40]:bad.example.net|kyc@evil.example.com;"
                        "intel:listc:phishing:[0,15]:bad.example.net;");
    assert_string_equal(match(f, "nothing here, example.com"), "");
}

static void test_match_domain(void **state)
{
    fixture *f = *state;
    /* the registrable domain under co.jp is scam-example.co.jp */
    assert_string_equal(match(f, "mail.scam-example.co.jp"),
                        "intel:listb:fraud:[0,23]:www.scam-example.co.jp;");
    assert_string_equal(match(f, "https://SCAM-example.co.jp/a"),
                        "intel:listb:fraud:[8,26]:www.scam-example.co.jp;");
    assert_string_equal(match(f, "scam-example.jp other-example.co.jp scam-example.co.jp.evil.com"), "");
    /* a URL entry in a domain list stands for its registrable domain */
    assert_string_equal(match(f, "https://cdn.fraud-example.com/"),
                        "intel:listb:fraud:[8,29]:https://shop.fraud-example.com/x;");
    assert_string_equal(match(f, "http://198.51.100.9/"), "intel:listb:fraud:[7,19]:198.51.100.9;");
}

static void test_match_prefix(void **state)
{
    fixture *f = *state;
    assert_string_equal(match(f, "https://host.example.org/phish/kit/index.php?a=1"),
                        "intel:listc:phishing:[0,48]:https://host.example.org/phish/;");
    assert_string_equal(match(f, "https://host.example.org/phish"),
                        "intel:listc:phishing:[0,30]:https://host.example.org/phish/;");
    /* path-segment boundaries: /phishing is not under /phish */
    assert_string_equal(match(f, "https://host.example.org/phishing https://host.example.org/"), "");
    assert_string_equal(match(f, "https://wide.example.org/anything/at/all?q#f"),
                        "intel:listc:phishing:[0,44]:https://wide.example.org/;");
    assert_string_equal(match(f, "http://wide.example.org/"), ""); /* another scheme, another origin */
    /* an entry with a query matches that query only */
    assert_string_equal(match(f, "https://q.example.org/p?id=1"),
                        "intel:listc:phishing:[0,28]:https://q.example.org/p?id=1;");
    assert_string_equal(match(f, "https://q.example.org/p?id=2 https://q.example.org/p"), "");
}

static void test_match_empty(void **state)
{
    (void)state;
    jk_intel *in = jk_intel_new();
    jk_error err;
    assert_int_equal(jk_intel_build(in, &err), JK_OK);
    assert_int_equal(jk_intel_entry_count(in), 0);
    jk_intel_hits h;
    jk_intel_hits_init(&h);
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    jk_indicators_extract("https://evil.example.com/login", 30, &l, &err);
    assert_int_equal(jk_intel_match(in, &l, &h), JK_OK);
    assert_int_equal(h.count, 0);
    assert_int_equal(jk_intel_match(NULL, &l, &h), JK_OK);
    jk_indicator_list_release(&l);
    jk_intel_hits_release(&h);
    jk_intel_free(in);
}

/* ---- store: import, refresh, load, remove, export ----------------------------- */

static char db[256];

static int store_setup(void **state)
{
    (void)state;
    snprintf(db, sizeof db, "/tmp/junkai-test-intel-%d.db", (int)getpid());
    unlink(db);
    return 0;
}

static int store_teardown(void **state)
{
    (void)state;
    char side[300];
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    return 0;
}

static int count_lists(void *ctx, const jk_intel_list_info *l)
{
    jk_buf *b = ctx;
    jk_buf_printf(b, "%s v%lld %s %s %s %ld %ld %s\n", l->name, (long long)l->version, l->format,
                  l->category, l->match, l->entries, l->skipped, l->source);
    return 0;
}

static void test_import_refresh_load(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), JK_OK);
    size_t len;
    char *data = read_file(DATA "jpcert-phishurl.csv", &len);
    collected c;
    collected_init(&c);
    jk_intel_import_options opt = {"jpcert", JK_INTEL_CSV, NULL, NULL, "jpcert-phishurl.csv",
                                   collect_skip, &c};
    jk_intel_import_result res;
    assert_int_equal(jk_intel_import(st, data, len, &opt, &res, &err), JK_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.entries, 6); /* 8 values, one not a URL, one repeated */
    assert_int_equal(res.skipped, 4);
    assert_non_null(strstr(c.skips.data, "jpcert-phishurl.csv:9: \"not a url at all\" is not a URL"));

    jk_intel *in;
    assert_int_equal(jk_intel_load(st, &in, &err), JK_OK);
    assert_int_equal(jk_intel_list_count(in), 1);
    assert_int_equal(jk_intel_entry_count(in), 6);
    jk_intel_free(in);

    /* a refresh is a new version replacing the entries; category and
     * match given now stay for later refreshes */
    const char *v2 = "date,URL,description\n2024/03/01,https://new.phish-example.com/,新規\n";
    opt.category = "fraud";
    opt.match = "domain";
    assert_int_equal(jk_intel_import(st, v2, strlen(v2), &opt, &res, &err), JK_OK);
    assert_int_equal(res.version, 2);
    assert_int_equal(res.entries, 1);
    opt.category = opt.match = NULL;
    opt.format = JK_INTEL_STIX;
    opt.name = "stix";
    free(data);
    data = read_file(DATA "stix-bundle.json", &len);
    assert_int_equal(jk_intel_import(st, data, len, &opt, &res, &err), JK_OK);
    assert_int_equal(res.entries, 8);
    assert_int_equal(res.skipped, 5); /* 4 indicators and one address range */
    jk_buf lists;
    jk_buf_init(&lists, 0);
    assert_int_equal(jk_store_intel_lists(st, count_lists, &lists, &err), JK_OK);
    assert_string_equal(lists.data, "jpcert v2 csv fraud domain 1 0 jpcert-phishurl.csv\n"
                                    "stix v1 stix phishing exact 8 5 jpcert-phishurl.csv\n");

    assert_int_equal(jk_intel_load(st, &in, &err), JK_OK);
    assert_int_equal(jk_intel_entry_count(in), 7); /* the two hashes are not matchable */
    jk_intel_hits h;
    jk_intel_hits_init(&h);
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    const char *post = "old https://amazon-co-jp.phish-example.com/ap/signin new "
                       "https://other.phish-example.com/ and c2.stix-phish.example.net";
    jk_indicators_extract(post, strlen(post), &l, &err);
    assert_int_equal(jk_intel_match(in, &l, &h), JK_OK);
    assert_int_equal(h.count, 2);
    /* version 2 is a domain list: its entry covers phish-example.com */
    assert_string_equal(h.hits[0].rule_id, "intel:jpcert");
    assert_int_equal(h.hits[0].category, JK_CAT_FRAUD);
    assert_int_equal(h.hits[0].span_count, 2);
    assert_non_null(strstr(h.versions[0], "v2 "));
    assert_string_equal(h.hits[1].rule_id, "intel:stix");
    assert_string_equal(h.hits[1].terms[0], "c2.stix-phish.example.net");
    jk_indicator_list_release(&l);
    jk_intel_hits_release(&h);
    jk_intel_free(in);

    /* a failed import changes nothing */
    opt.format = JK_INTEL_MISP;
    assert_int_equal(jk_intel_import(st, "{}", 2, &opt, &res, &err), JK_EPARSE);
    jk_buf_reset(&lists);
    jk_store_intel_lists(st, count_lists, &lists, &err);
    assert_non_null(strstr(lists.data, "stix v1 stix phishing exact 8 5"));
    opt.category = "nonsense";
    assert_int_equal(jk_intel_import(st, "{}", 2, &opt, &res, &err), JK_EINVAL);
    opt.category = NULL;
    opt.name = "bad name";
    assert_int_equal(jk_intel_import(st, "{}", 2, &opt, &res, &err), JK_EINVAL);

    assert_int_equal(jk_store_intel_list_rm(st, "stix", &err), JK_OK);
    assert_int_equal(jk_store_intel_list_rm(st, "stix", &err), JK_ENOTFOUND);
    assert_int_equal(jk_intel_load(st, &in, &err), JK_OK);
    assert_int_equal(jk_intel_entry_count(in), 1);
    jk_intel_free(in);
    jk_buf_release(&lists);
    collected_release(&c);
    free(data);
    jk_store_close(st);
}

static void test_export(void **state)
{
    (void)state;
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), JK_OK);
    assert_int_equal(jk_store_begin(st, &err), JK_OK);
    jk_item_in it;
    memset(&it, 0, sizeof it);
    it.platform = "import";
    it.external_id = "1";
    it.text = "x";
    it.text_len = 1;
    int64_t id1, id2;
    bool fresh;
    assert_int_equal(jk_store_add_item(st, &it, &id1, &fresh, &err), JK_OK);
    it.external_id = "2";
    it.text = "y";
    assert_int_equal(jk_store_add_item(st, &it, &id2, &fresh, &err), JK_OK);
    jk_store_add_indicator(st, id1, "url", "https://evil.example.com/a,b", 0, 1, &err);
    jk_store_add_indicator(st, id1, "telegram", "@scam", 0, 1, &err);
    jk_store_add_indicator(st, id2, "domain", "quiet.example.com", 0, 1, &err);
    jk_span span = {0, 1};
    jk_hit hit = {JK_INTEL_RULE, "intel:x", JK_CAT_PHISHING, 1.0, &span, 1, NULL, 0};
    assert_int_equal(jk_store_add_detection(st, id1, &hit, "v1", &err), JK_OK);
    assert_int_equal(jk_store_commit(st, &err), JK_OK);

    jk_buf out;
    jk_buf_init(&out, 0);
    jk_intel_export_stats stats;
    assert_int_equal(jk_intel_export(st, JK_INTEL_CSV, true, 0, &out, &stats, &err), JK_OK);
    assert_int_equal(stats.written, 2); /* item 2 has no detection */
    const char *csv = strchr(out.data, '\n') + 1;
    assert_non_null(strstr(csv, "telegram,@scam,"));
    assert_non_null(strstr(csv, "url,\"hxxps://evil[.]example[.]com/a,b\","));
    assert_null(strstr(out.data, "quiet"));

    jk_buf_reset(&out);
    assert_int_equal(jk_intel_export(st, JK_INTEL_STIX, false, 0, &out, &stats, &err), JK_OK);
    assert_int_equal(stats.written, 1);
    assert_int_equal(stats.left_out, 1);
    assert_non_null(strstr(out.data, "\"pattern\": \"[url:value = 'https://evil.example.com/a,b']\""));
    assert_non_null(strstr(out.data, "\"created\": \"1970-01-01T00:00:00.000Z\""));
    char id[64], again[64];
    jk_intel_stix_id("indicator", "url", "https://evil.example.com/a,b", id);
    jk_intel_stix_id("indicator", "url", "https://evil.example.com/a,b", again);
    assert_string_equal(id, again);
    assert_non_null(strstr(out.data, id));
    assert_int_equal(strlen(id), strlen("indicator--") + 36);
    assert_int_equal(id[strlen("indicator--") + 14], '4');
    jk_intel_stix_id("indicator", "domain", "https://evil.example.com/a,b", again);
    assert_string_not_equal(id, again);

    jk_buf_reset(&out);
    assert_int_equal(jk_intel_export(st, JK_INTEL_MISP, false, 0, &out, &stats, &err), JK_OK);
    assert_int_equal(stats.written, 2);
    assert_non_null(strstr(out.data, "\"type\": \"text\""));
    assert_non_null(strstr(out.data, "junkai type telegram"));
    /* what junkai exports as MISP reads back as a MISP list */
    collected c;
    collected_init(&c);
    jk_intel_reader r = {"export.json", collect_raw, collect_skip, &c};
    jk_intel_read_stats rs;
    assert_int_equal(jk_intel_read_misp(out.data, out.len, &r, &rs, &err), JK_OK);
    assert_int_equal(rs.values, 1);
    assert_non_null(strstr(c.values.data, "url=https://evil.example.com/a,b|"));
    collected_release(&c);
    jk_buf_release(&out);
    jk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_jpcert),
        cmocka_unit_test(test_csv_typed_and_bad_header),
        cmocka_unit_test(test_stix_pattern),
        cmocka_unit_test(test_stix_bundle),
        cmocka_unit_test(test_stix_oasis_examples),
        cmocka_unit_test(test_misp_event),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test_setup_teardown(test_match_exact, matcher_setup, matcher_teardown),
        cmocka_unit_test_setup_teardown(test_match_domain, matcher_setup, matcher_teardown),
        cmocka_unit_test_setup_teardown(test_match_prefix, matcher_setup, matcher_teardown),
        cmocka_unit_test(test_match_empty),
        cmocka_unit_test_setup_teardown(test_import_refresh_load, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_export, store_setup, store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
