/*
 * fuzz_url.c — libFuzzer target for the WHATWG URL parser: the input is
 * split at the first NUL into a base and a relative URL; both are parsed
 * alone and the second against the first. Invariants: a parsed href
 * parses again to itself (the serializer's output is a fixed point of the
 * parser, WHATWG URL §4.5 note), every getter works, and a failure
 * always carries a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const jk_url *u)
{
    static const char *attrs[] = {"href",     "protocol", "username", "password", "host",
                                  "hostname", "port",     "pathname", "search",   "hash"};
    jk_buf b;
    jk_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (jk_url_get(u, attrs[i], &b) != JK_OK || !b.data)
            abort();
    jk_buf_release(&b);
    jk_url *again = NULL;
    jk_error err;
    if (jk_url_parse(u->href, strlen(u->href), NULL, &again, &err) != JK_OK)
        abort();
    if (strcmp(again->href, u->href) != 0)
        abort();
    jk_url_free(again);
}

static jk_url *parse(const char *s, size_t n, const jk_url *base)
{
    jk_url *u = NULL;
    jk_error err;
    err.message[0] = '\0';
    int rc = jk_url_parse(s, n, base, &u, &err);
    if (rc != JK_OK) {
        if (u || !err.message[0])
            abort();
        return NULL;
    }
    check_round_trip(u);
    return u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    size_t base_len = nul ? (size_t)(nul - s) : size;
    jk_url *base = parse(s, base_len, NULL);
    if (nul) {
        const char *rel = nul + 1;
        size_t rel_len = size - base_len - 1;
        jk_url_free(parse(rel, rel_len, NULL));
        jk_url_free(parse(rel, rel_len, base));
    }
    jk_url_free(base);
    /* the host parser alone, both ways */
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_error err;
    (void)jk_url_host_parse(s, base_len, 1, &b, &err);
    (void)jk_url_host_parse(s, base_len, 0, &b, &err);
    jk_buf_release(&b);
    return 0;
}
