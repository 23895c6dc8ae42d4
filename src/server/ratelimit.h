/*
 * ratelimit.h — counting failed logins per key (a username, a client
 * address) in a sliding window: after `max_failures` failures within
 * `window_seconds` a key is refused until its oldest counted failure ages
 * out. A fixed number of keys is tracked; when full, the key whose last
 * failure is oldest is forgotten, so memory stays bounded under a flood of
 * names. Thread-safe (one mutex); the time is passed in, so tests control it.
 * Must not touch: HTTP, the store.
 */
#ifndef JK_RATELIMIT_H
#define JK_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct jk_ratelimit jk_ratelimit;

/* max_failures is at most JK_RATELIMIT_MAX_FAILURES. NULL on bad arguments. */
#define JK_RATELIMIT_MAX_FAILURES 64
jk_ratelimit *jk_ratelimit_new(unsigned max_failures, unsigned window_seconds, size_t capacity);
void jk_ratelimit_free(jk_ratelimit *rl);

/* 0 when key may try now; else the seconds to wait (for Retry-After). */
unsigned jk_ratelimit_check(jk_ratelimit *rl, const char *key, int64_t now);
/* Count a failure of key at now. */
void jk_ratelimit_fail(jk_ratelimit *rl, const char *key, int64_t now);
/* Forget key's failures (after a successful login). */
void jk_ratelimit_reset(jk_ratelimit *rl, const char *key);

#endif
