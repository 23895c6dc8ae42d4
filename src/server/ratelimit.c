/*
 * ratelimit.c — a bounded table of keys, each with a ring of its last
 * max_failures failure times. Linear lookup: logins are rare and each costs
 * an argon2id hash, which dwarfs a scan of a few thousand short keys.
 * Must not touch: HTTP, the store.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define KEY_MAX 160

typedef struct slot {
    char key[KEY_MAX]; /* "" = free */
    int64_t times[JK_RATELIMIT_MAX_FAILURES];
    unsigned count; /* failures in the ring (≤ max) */
    unsigned next;  /* where the next failure goes */
    int64_t last;
} slot;

struct jk_ratelimit {
    pthread_mutex_t lock;
    unsigned max;
    int64_t window;
    size_t capacity;
    slot *slots;
};

jk_ratelimit *jk_ratelimit_new(unsigned max_failures, unsigned window_seconds, size_t capacity)
{
    if (max_failures == 0 || max_failures > JK_RATELIMIT_MAX_FAILURES || window_seconds == 0 ||
        capacity == 0)
        return NULL;
    jk_ratelimit *rl = jk_calloc(1, sizeof *rl);
    pthread_mutex_init(&rl->lock, NULL);
    rl->max = max_failures;
    rl->window = window_seconds;
    rl->capacity = capacity;
    rl->slots = jk_calloc(capacity, sizeof *rl->slots);
    return rl;
}

void jk_ratelimit_free(jk_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

/* Keys longer than KEY_MAX - 1 are compared by their prefix: a bound on
 * memory, and an attacker gains nothing by sharing a long name's prefix. */
static slot *find(jk_ratelimit *rl, const char *key)
{
    for (size_t i = 0; i < rl->capacity; i++)
        if (rl->slots[i].key[0] && strncmp(rl->slots[i].key, key, KEY_MAX - 1) == 0)
            return &rl->slots[i];
    return NULL;
}

/* The oldest failure still in the ring, when the ring is full. */
static int64_t oldest(const jk_ratelimit *rl, const slot *s)
{
    return s->times[s->next % rl->max];
}

unsigned jk_ratelimit_check(jk_ratelimit *rl, const char *key, int64_t now)
{
    unsigned wait = 0;
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key);
    if (s && s->count >= rl->max) {
        int64_t until = oldest(rl, s) + rl->window;
        if (until > now)
            wait = (unsigned)(until - now);
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void jk_ratelimit_fail(jk_ratelimit *rl, const char *key, int64_t now)
{
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key);
    if (!s) {
        slot *victim = &rl->slots[0];
        for (size_t i = 0; i < rl->capacity; i++) {
            if (!rl->slots[i].key[0]) {
                victim = &rl->slots[i];
                break;
            }
            if (rl->slots[i].last < victim->last)
                victim = &rl->slots[i];
        }
        s = victim;
        memset(s, 0, sizeof *s);
        memcpy(s->key, key, strnlen(key, KEY_MAX - 1));
    }
    s->times[s->next] = now;
    s->next = (s->next + 1) % rl->max;
    if (s->count < rl->max)
        s->count++;
    s->last = now;
    pthread_mutex_unlock(&rl->lock);
}

void jk_ratelimit_reset(jk_ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, key);
    if (s)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&rl->lock);
}
