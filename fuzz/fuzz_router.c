/*
 * fuzz_router.c — route matching over the server's own table with any
 * method and path bytes: jk_route_find and jk_route_allow must neither
 * crash nor read outside the path, and a match's parameters must lie
 * inside the path. Input: method, a NUL, then the path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t mlen = strlen(text);
    const char *method = text;
    const char *path = mlen < size ? text + mlen + 1 : "/api/queue";
    size_t count;
    const jk_route *routes = jk_server_routes(&count);
    jk_route_match m;
    if (jk_route_find(routes, count, method, path, &m) == JK_ROUTE_FOUND) {
        size_t plen = strlen(path);
        for (size_t i = 0; i < m.param_count; i++)
            if (m.params[i].ptr < path || m.params[i].ptr + m.params[i].len > path + plen ||
                m.params[i].len == 0)
                abort();
    }
    char allow[64];
    jk_route_allow(routes, count, path, allow, sizeof allow);
    if (strlen(allow) >= sizeof allow)
        abort();
    free(text);
    return 0;
}
