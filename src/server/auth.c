/*
 * auth.c — password hashing, tokens and their comparison over libsodium.
 * Must not touch: HTTP, the store.
 */
#include "auth.h"

#include <sodium.h>
#include <string.h>

_Static_assert(JK_PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "room for a pwhash string");

int jk_password_hash(const char *password, size_t len, char out[JK_PASSWORD_HASH_MAX],
                     jk_error *err)
{
    if (len < JK_PASSWORD_MIN)
        return jk_error_set(err, JK_EINVAL, "a password needs at least %d characters",
                            JK_PASSWORD_MIN);
    if (len > JK_PASSWORD_MAX)
        return jk_error_set(err, JK_EINVAL, "a password may have at most %d bytes",
                            JK_PASSWORD_MAX);
    if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return jk_error_set(err, JK_ENOMEM, "not enough memory to hash a password");
    return JK_OK;
}

bool jk_password_verify(const char *hash, const char *password, size_t len)
{
    if (!hash || !password || len > JK_PASSWORD_MAX)
        return false;
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void jk_token_new(char out[JK_TOKEN_HEX + 1])
{
    unsigned char bytes[JK_TOKEN_BYTES];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(out, JK_TOKEN_HEX + 1, bytes, sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
}

void jk_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

bool jk_token_equal(const char *expected, const char *presented)
{
    if (!expected || !presented)
        return false;
    size_t len = strlen(expected);
    /* the length is not secret (every token has the same); the bytes are */
    if (strlen(presented) != len || len == 0)
        return false;
    return sodium_memcmp(expected, presented, len) == 0;
}

bool jk_token_well_formed(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++)
        if (i >= JK_TOKEN_HEX || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == JK_TOKEN_HEX;
}
