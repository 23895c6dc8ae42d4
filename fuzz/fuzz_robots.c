/*
 * fuzz_robots.c — robots.txt parsing and path checks (src/net/robots.c),
 * plus the other text parsers of src/net that see server bytes: the
 * response header lookup, Retry-After and the address classifier.
 *
 * Input: "PATH\0ROBOTS" checks PATH (and a few fixed paths) against
 * ROBOTS; without a NUL the whole input is the robots.txt. Invariants:
 * /robots.txt is always allowed, and a refusal always names a Disallow
 * rule with its line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "robots.h"

static void check(const jk_robots *r, const char *path, size_t len)
{
    jk_robots_verdict v;
    bool ok = jk_robots_allowed(r, path, len, &v);
    if (ok != v.allowed)
        abort();
    if (!ok && (!v.pattern || v.rule_is_allow || v.line <= 0))
        abort();
    if (v.pattern && v.pattern_len == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    const char *robots = nul ? nul + 1 : text;
    size_t robots_len = nul ? size - (size_t)(nul + 1 - text) : size;

    jk_robots *r = jk_robots_parse(robots, robots_len, "junkai");
    if (!jk_robots_allowed(r, "/robots.txt", 11, NULL))
        abort();
    static const char *paths[] = {"/", "", "/a", "/private/x?y=1", "/%E3%83%84", "/x.gif"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        check(r, paths[i], strlen(paths[i]));
    if (nul)
        check(r, text, (size_t)(nul - text));
    jk_robots_free(r);

    /* The same bytes as a response header block and header values. */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    jk_http_response resp;
    jk_http_response_init(&resp);
    resp.headers = copy;
    static const char *names[] = {"Retry-After", "link", "ETag", "", ":"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *v = jk_http_response_header(&resp, names[i]);
        if (v) {
            (void)jk_http_retry_after_ms(v, 0);
            free(v);
        }
    }
    (void)jk_http_retry_after_ms(copy, 1700000000000LL);
    (void)jk_http_address_is_internal(copy);
    jk_http_response_release(&resp); /* frees copy */
    return 0;
}
