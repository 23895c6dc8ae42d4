/*
 * auth.h — the server's secrets: password hashes (argon2id through
 * libsodium's crypto_pwhash_str), random session ids and CSRF tokens, the
 * SHA-256 under which a session id is stored, and constant-time token
 * comparison. Also used by `junkai user`. Call sodium_init() first
 * (jk_store_open does).
 * Must not touch: HTTP, the store.
 */
#ifndef JK_AUTH_H
#define JK_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/error.h"

/* Passwords shorter than this are refused; longer than the max too (the
 * hash costs the same, but the body carrying it should stay small). */
#define JK_PASSWORD_MIN 8
#define JK_PASSWORD_MAX 1024
/* crypto_pwhash_STRBYTES: room for an encoded argon2id hash */
#define JK_PASSWORD_HASH_MAX 128
/* random bytes in a session id and a CSRF token (256 bits), and the hex
 * text length of each */
#define JK_TOKEN_BYTES 32
#define JK_TOKEN_HEX (2 * JK_TOKEN_BYTES)

/* Hash a password (len bytes) with argon2id at the interactive limits.
 * JK_EINVAL when its length is outside [JK_PASSWORD_MIN, JK_PASSWORD_MAX],
 * JK_ENOMEM when the hash's memory could not be had. Thread-safe. */
int jk_password_hash(const char *password, size_t len, char out[JK_PASSWORD_HASH_MAX],
                     jk_error *err);
/* true when password matches the stored hash. Thread-safe. */
bool jk_password_verify(const char *hash, const char *password, size_t len);

/* JK_TOKEN_BYTES random bytes as hex into out (JK_TOKEN_HEX + 1 bytes). */
void jk_token_new(char out[JK_TOKEN_HEX + 1]);
/* Hex SHA-256 of len bytes. */
void jk_sha256_hex(const void *data, size_t len, char out[65]);
/* Compare a presented token with the expected one in constant time (for
 * equal lengths); NULL or a different length is false. */
bool jk_token_equal(const char *expected, const char *presented);
/* true when s is exactly JK_TOKEN_HEX lowercase hex digits (a well-formed
 * session cookie). */
bool jk_token_well_formed(const char *s);

#endif
