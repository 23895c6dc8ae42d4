/*
 * test_auth.c — the server's secrets and the login limiter: password hashes
 * verify only their password and are argon2id; tokens are 256-bit hex and
 * differ; CSRF comparison rejects wrong, shorter, longer, empty and NULL
 * tokens; cookie syntax; the rate limiter's window, Retry-After, reset,
 * per-key independence and bounded table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "ratelimit.h"

static void test_password(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char hash[JK_PASSWORD_HASH_MAX];
    jk_error err;
    assert_int_equal(jk_password_hash("correct horse", 13, hash, &err), JK_OK);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_true(jk_password_verify(hash, "correct horse", 13));
    assert_false(jk_password_verify(hash, "correct hors", 12));
    assert_false(jk_password_verify(hash, "Correct horse", 13));
    assert_false(jk_password_verify(NULL, "correct horse", 13));
    /* salted: the same password hashes differently */
    char again[JK_PASSWORD_HASH_MAX];
    assert_int_equal(jk_password_hash("correct horse", 13, again, &err), JK_OK);
    assert_string_not_equal(hash, again);
    /* length bounds at N-1 / N */
    assert_int_equal(jk_password_hash("1234567", JK_PASSWORD_MIN - 1, hash, &err), JK_EINVAL);
    assert_int_equal(jk_password_hash("12345678", JK_PASSWORD_MIN, hash, &err), JK_OK);
    static char big[JK_PASSWORD_MAX + 1];
    memset(big, 'x', sizeof big);
    assert_int_equal(jk_password_hash(big, JK_PASSWORD_MAX + 1, hash, &err), JK_EINVAL);
    assert_false(jk_password_verify(hash, big, JK_PASSWORD_MAX + 1));
}

static void test_tokens(void **state)
{
    (void)state;
    char a[JK_TOKEN_HEX + 1], b[JK_TOKEN_HEX + 1];
    jk_token_new(a);
    jk_token_new(b);
    assert_int_equal(strlen(a), 64);
    assert_string_not_equal(a, b);
    assert_true(jk_token_well_formed(a));
    assert_false(jk_token_well_formed(NULL));
    assert_false(jk_token_well_formed(""));
    char bad[80];
    snprintf(bad, sizeof bad, "%.63s", a);
    assert_false(jk_token_well_formed(bad));
    snprintf(bad, sizeof bad, "%sa", a);
    assert_false(jk_token_well_formed(bad));
    snprintf(bad, sizeof bad, "%.63sG", a);
    assert_false(jk_token_well_formed(bad));
    char h[65];
    jk_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_csrf_compare(void **state)
{
    (void)state;
    char t[JK_TOKEN_HEX + 1], other[JK_TOKEN_HEX + 1];
    jk_token_new(t);
    strcpy(other, t);
    assert_true(jk_token_equal(t, other));
    other[63] = other[63] == '0' ? '1' : '0'; /* last byte differs */
    assert_false(jk_token_equal(t, other));
    strcpy(other, t);
    other[0] = other[0] == '0' ? '1' : '0'; /* first byte differs */
    assert_false(jk_token_equal(t, other));
    other[0] = t[0];
    other[63] = '\0'; /* a prefix */
    assert_false(jk_token_equal(t, other));
    char longer[80];
    snprintf(longer, sizeof longer, "%s0", t);
    assert_false(jk_token_equal(t, longer));
    assert_false(jk_token_equal(t, ""));
    assert_false(jk_token_equal(t, NULL));
    assert_false(jk_token_equal(NULL, t));
    assert_false(jk_token_equal("", "")); /* no session token: nothing matches */
}

static void test_ratelimit_window(void **state)
{
    (void)state;
    jk_ratelimit *rl = jk_ratelimit_new(5, 300, 16);
    assert_non_null(rl);
    int64_t t = 1000000;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + i), 0);
        jk_ratelimit_fail(rl, "u:alice", t + i);
    }
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 4), 0);
    jk_ratelimit_fail(rl, "u:alice", t + 10); /* the fifth */
    /* limited until the first failure (at t) is 300 s old */
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 10), 290);
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 299), 1);
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 300), 0);
    /* others are not affected */
    assert_int_equal(jk_ratelimit_check(rl, "u:bob", t + 10), 0);
    assert_int_equal(jk_ratelimit_check(rl, "u:alic", t + 10), 0);
    /* one more failure after the window slid: the ring's oldest is now t+1 */
    jk_ratelimit_fail(rl, "u:alice", t + 300);
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 300), 1);
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 301), 0); /* 4 in the window */
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 310), 0);
    jk_ratelimit_reset(rl, "u:alice");
    jk_ratelimit_fail(rl, "u:alice", t + 311);
    assert_int_equal(jk_ratelimit_check(rl, "u:alice", t + 311), 0);
    jk_ratelimit_free(rl);
    assert_null(jk_ratelimit_new(0, 300, 16));
    assert_null(jk_ratelimit_new(JK_RATELIMIT_MAX_FAILURES + 1, 300, 16));
    jk_ratelimit_free(NULL);
}

static void test_ratelimit_bounded(void **state)
{
    (void)state;
    jk_ratelimit *rl = jk_ratelimit_new(2, 60, 4);
    jk_ratelimit_fail(rl, "ip:1", 100);
    jk_ratelimit_fail(rl, "ip:1", 101);
    assert_true(jk_ratelimit_check(rl, "ip:1", 102) > 0);
    /* four other keys fill the table; the oldest (ip:1) is forgotten */
    char key[16];
    for (int i = 2; i <= 5; i++) {
        snprintf(key, sizeof key, "ip:%d", i);
        jk_ratelimit_fail(rl, key, 102 + i);
    }
    assert_int_equal(jk_ratelimit_check(rl, "ip:1", 110), 0);
    jk_ratelimit_fail(rl, "ip:5", 111);
    assert_true(jk_ratelimit_check(rl, "ip:5", 112) > 0);
    /* very long keys are bounded, not overflowed */
    char longkey[1000];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    jk_ratelimit_fail(rl, longkey, 120);
    jk_ratelimit_fail(rl, longkey, 121);
    assert_true(jk_ratelimit_check(rl, longkey, 122) > 0);
    jk_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password),         cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_csrf_compare),     cmocka_unit_test(test_ratelimit_window),
        cmocka_unit_test(test_ratelimit_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
