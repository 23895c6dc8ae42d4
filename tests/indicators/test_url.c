/*
 * test_url.c — the WHATWG URL parser against the standard's shared test
 * data (web-platform-tests url/resources: urltestdata.json, toascii.json).
 *
 * Every case runs. A case that fails must be listed, by its index in the
 * JSON array, in tests/data/indicators/url_known_failures.txt with a
 * reason; an unlisted failure is a regression and fails the test, and so
 * does a listed case that now passes (the list must stay honest).
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

#include "buf.h"
#include "junkai/error.h"
#include "url.h"

#define KNOWN_FAILURES JK_SOURCE_DIR "/tests/data/indicators/url_known_failures.txt"

/* Known failures: "<file> <index> <reason>" lines, '#' comments. */
typedef struct known {
    char file[32];
    int index;
    int seen;
} known;

static known *load_known(size_t *count)
{
    FILE *f = fopen(KNOWN_FAILURES, "r");
    assert_non_null(f);
    known *k = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            k = realloc(k, cap * sizeof *k);
            assert_non_null(k);
        }
        assert_int_equal(sscanf(line, "%31s %d", k[n].file, &k[n].index), 2);
        k[n].seen = 0;
        n++;
    }
    fclose(f);
    *count = n;
    return k;
}

static known *find_known(known *k, size_t n, const char *file, int index)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(k[i].file, file) && k[i].index == index)
            return &k[i];
    return NULL;
}

static const char *str(json_t *o, const char *key, size_t *len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

/* Run one urltestdata case; returns 1 when it behaves as expected. */
static int run_case(json_t *c, char *why, size_t why_len)
{
    size_t in_len = 0, base_len = 0;
    const char *input = str(c, "input", &in_len);
    const char *base_s = str(c, "base", &base_len);
    jk_url *base = NULL, *u = NULL;
    jk_error err;
    int ok = 0;
    if (base_s && jk_url_parse(base_s, base_len, NULL, &base, &err) != JK_OK) {
        snprintf(why, why_len, "base did not parse: %.400s", err.message);
        return 0;
    }
    int rc = jk_url_parse(input, in_len, base, &u, &err);
    if (json_is_true(json_object_get(c, "failure"))) {
        ok = rc == JK_EPARSE;
        if (!ok)
            snprintf(why, why_len, "expected failure, got %s", u ? u->href : "other error");
        goto done;
    }
    if (rc != JK_OK) {
        snprintf(why, why_len, "failed: %.400s", err.message);
        goto done;
    }
    static const char *attrs[] = {"href",     "protocol", "username", "password", "host",
                                  "hostname", "port",     "pathname", "search",   "hash"};
    jk_buf got;
    jk_buf_init(&got, 0);
    ok = 1;
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0] && ok; i++) {
        size_t want_len = 0;
        const char *want = str(c, attrs[i], &want_len);
        if (!want)
            continue;
        assert_int_equal(jk_url_get(u, attrs[i], &got), JK_OK);
        if (got.len != want_len || memcmp(got.data, want, want_len) != 0) {
            snprintf(why, why_len, "%s: got \"%s\" want \"%s\"", attrs[i], got.data, want);
            ok = 0;
        }
    }
    jk_buf_release(&got);
done:
    jk_url_free(u);
    jk_url_free(base);
    return ok;
}

static void test_urltestdata(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *root = json_load_file(JK_SHARED_FIXTURES "/url-wpt/urltestdata.json", JSON_ALLOW_NUL, &jerr);
    if (!root)
        fail_msg("urltestdata.json: %s (line %d)", jerr.text, jerr.line);
    size_t nknown;
    known *k = load_known(&nknown);
    size_t cases = 0, passed = 0, unexpected = 0;
    for (size_t i = 0; i < json_array_size(root); i++) {
        json_t *c = json_array_get(root, i);
        if (!json_is_object(c))
            continue; /* comment strings */
        cases++;
        char why[512] = "";
        int ok = run_case(c, why, sizeof why);
        known *kn = find_known(k, nknown, "urltestdata", (int)i);
        if (kn)
            kn->seen = 1;
        if (ok) {
            passed++;
            if (kn) {
                printf("urltestdata %zu now passes: remove it from the known failures\n", i);
                unexpected++;
            }
        } else if (!kn) {
            size_t l = 0;
            printf("urltestdata %zu FAILED (input \"%s\"): %s\n", i, str(c, "input", &l), why);
            unexpected++;
        }
    }
    printf("urltestdata.json: %zu of %zu cases pass (%.1f %%)\n", passed, cases,
           100.0 * (double)passed / (double)cases);
    assert_int_equal(cases, 891);
    assert_int_equal(unexpected, 0);
    /* measured: all 891 pass, so the bar is all of them */
    assert_int_equal(passed, cases);
    free(k);
    json_decref(root);
}

/* Load a JSON file whose strings may hold lone UTF-16 surrogate escapes
 * ("\\uD900"), which jansson refuses: they become "\\uFFFD", as the
 * JavaScript USVString conversion of the URL API turns them into U+FFFD. */
static json_t *load_json_usv(const char *file, json_error_t *jerr)
{
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    text[size] = '\0';
    for (long i = 0; i + 6 <= size; i++) {
        if (text[i] != '\\' || text[i + 1] != 'u' || (text[i + 2] != 'd' && text[i + 2] != 'D'))
            continue;
        int hi = strchr("89abAB", text[i + 3]) != NULL;
        int lo = strchr("cdefCDEF", text[i + 3]) != NULL;
        if (hi && i + 12 <= size && text[i + 6] == '\\' && text[i + 7] == 'u' &&
            (text[i + 8] == 'd' || text[i + 8] == 'D') &&
            strchr("cdefCDEF", text[i + 9])) {
            i += 11; /* a valid pair */
            continue;
        }
        if (hi || lo)
            memcpy(text + i + 2, "FFFD", 4);
    }
    json_t *root = json_loads(text, JSON_ALLOW_NUL, jerr);
    free(text);
    return root;
}

static void run_host_cases(const char *file, const char *name, size_t min_pass)
{
    json_error_t jerr;
    json_t *root = load_json_usv(file, &jerr);
    if (!root)
        fail_msg("%s: %s (line %d)", file, jerr.text, jerr.line);
    size_t nknown;
    known *k = load_known(&nknown);
    size_t cases = 0, passed = 0, unexpected = 0;
    jk_buf out;
    jk_buf_init(&out, 0);
    for (size_t i = 0; i < json_array_size(root); i++) {
        json_t *c = json_array_get(root, i);
        if (!json_is_object(c))
            continue;
        cases++;
        size_t in_len = 0, want_len = 0;
        const char *input = str(c, "input", &in_len);
        const char *want = str(c, "output", &want_len); /* NULL: must fail */
        jk_error err;
        int rc = jk_url_host_parse(input, in_len, 1, &out, &err);
        int ok = want ? rc == JK_OK && out.len == want_len && !memcmp(out.data, want, want_len)
                      : rc == JK_EPARSE;
        known *kn = find_known(k, nknown, name, (int)i);
        if (ok) {
            passed++;
            if (kn) {
                printf("%s %zu now passes: remove it from the known failures\n", name, i);
                unexpected++;
            }
        } else if (!kn) {
            printf("%s %zu FAILED (input \"%s\"): got %s want %s\n", name, i, input,
                   rc ? err.message : out.data, want ? want : "failure");
            unexpected++;
        }
    }
    printf("%s: %zu of %zu cases pass\n", name, passed, cases);
    assert_int_equal(unexpected, 0);
    assert_true(passed >= min_pass);
    jk_buf_release(&out);
    free(k);
    json_decref(root);
}

static void test_toascii(void **state)
{
    (void)state;
    run_host_cases(JK_SHARED_FIXTURES "/url-wpt/toascii.json", "toascii", 77); /* measured 77 of 87 */
}

/* UTS #46 conformance cases as WPT runs them (host of "https://INPUT/x"). */
static void test_idnatest(void **state)
{
    (void)state;
    run_host_cases(JK_SHARED_FIXTURES "/url-wpt/IdnaTestV2.json", "IdnaTestV2", 2551); /* measured 2551 of 2671 */
}

static void test_api_basics(void **state)
{
    (void)state;
    jk_url *u = NULL;
    jk_error err;
    const char in[] = "HTTPS://User:Pw@EXAMPLE.com.:443/a/./b/../c?q=1#f";
    assert_int_equal(jk_url_parse(in, sizeof in - 1, NULL, &u, &err), JK_OK);
    assert_string_equal(u->href, "https://User:Pw@example.com./a/c?q=1#f");
    assert_int_equal(u->port, -1);
    jk_url_free(u);

    assert_int_equal(jk_url_parse("http://[::1", 11, NULL, &u, &err), JK_EPARSE);
    assert_null(u);
    assert_non_null(strstr(err.message, "IPv6"));
    assert_int_equal(jk_url_parse("rel/path", 8, NULL, &u, &err), JK_EPARSE);

    unsigned long a;
    assert_int_equal(jk_url_parse_ipv4("0x7f.1", 6, &a), 1);
    assert_int_equal(a, 0x7f000001UL);
    assert_int_equal(jk_url_parse_ipv4("1.2.256", 7, &a), 1);
    assert_int_equal(a, 0x01020100UL); /* the last part spans the remaining bytes */
    assert_int_equal(jk_url_parse_ipv4("1.2.3.256", 9, &a), -1);
    assert_int_equal(jk_url_parse_ipv4("999999999.", 10, &a), 1);
    assert_int_equal(a, 999999999UL);
    assert_int_equal(jk_url_parse_ipv4("256.1.1.1", 9, &a), -1);
    assert_int_equal(jk_url_parse_ipv4("example.com", 11, &a), 0);

    jk_buf b;
    jk_buf_init(&b, 0);
    assert_int_equal(jk_url_domain_to_ascii("ドメイン.テスト", strlen("ドメイン.テスト"), &b, &err), JK_OK);
    assert_string_equal(b.data, "xn--eckwd4c7c.xn--zckzah");
    assert_int_equal(jk_url_domain_to_ascii("a%b.com", 7, &b, &err), JK_EPARSE);
    jk_buf_release(&b);

    /* limit at N+1 */
    char *big = malloc(JK_URL_MAX_INPUT + 1);
    assert_non_null(big);
    memset(big, 'a', JK_URL_MAX_INPUT + 1);
    assert_int_equal(jk_url_parse(big, JK_URL_MAX_INPUT + 1, NULL, &u, &err), JK_ELIMIT);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_basics),
        cmocka_unit_test(test_urltestdata),
        cmocka_unit_test(test_toascii),
        cmocka_unit_test(test_idnatest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
