/*
 * router.c — matching request paths against the route table's patterns,
 * segment by segment; a {name} segment matches any one non-empty segment.
 * Must not touch: HTTP, the store.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

const char *jk_role_name(jk_role role)
{
    switch (role) {
    case JK_ROLE_PATROLLER:
        return "patroller";
    case JK_ROLE_SUPERVISOR:
        return "supervisor";
    case JK_ROLE_ADMIN:
        return "admin";
    case JK_ROLE_NONE:
        break;
    }
    return "none";
}

bool jk_role_parse(const char *name, jk_role *out)
{
    static const jk_role roles[] = {JK_ROLE_PATROLLER, JK_ROLE_SUPERVISOR, JK_ROLE_ADMIN};
    for (size_t i = 0; name && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(name, jk_role_name(roles[i])) == 0) {
            *out = roles[i];
            return true;
        }
    return false;
}

/* Match one pattern; params are filled only on success. */
static bool path_matches(const char *pattern, const char *path, jk_route_match *m)
{
    size_t count = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        const char *pend = strchr(p, '/'), *send = strchr(s, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (slen == 0 || count == JK_ROUTE_MAX_PARAMS)
                return false;
            if (m) {
                m->params[count].ptr = s;
                m->params[count].len = slen;
            }
            count++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    if (*p || *s)
        return false;
    if (m)
        m->param_count = count;
    return true;
}

static bool method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

jk_route_result jk_route_find(const jk_route *routes, size_t count, const char *method,
                              const char *path, jk_route_match *match)
{
    bool path_seen = false;
    memset(match, 0, sizeof *match);
    for (size_t i = 0; i < count; i++) {
        if (!path_matches(routes[i].pattern, path, NULL))
            continue;
        path_seen = true;
        if (method_matches(routes[i].method, method)) {
            path_matches(routes[i].pattern, path, match);
            match->route = &routes[i];
            return JK_ROUTE_FOUND;
        }
    }
    return path_seen ? JK_ROUTE_NO_METHOD : JK_ROUTE_NO_PATH;
}

size_t jk_route_allow(const jk_route *routes, size_t count, const char *path, char *buf,
                      size_t size)
{
    size_t found = 0, used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (!path_matches(routes[i].pattern, path, NULL))
            continue;
        const char *m = routes[i].method;
        for (int head = 0; head < 2; head++) {
            const char *name = head ? "HEAD" : m;
            if (head && strcmp(m, "GET") != 0)
                break;
            int n = snprintf(buf + used, size - used, "%s%s", found || head ? ", " : "", name);
            if (n < 0 || (size_t)n >= size - used)
                return found + 1;
            used += (size_t)n;
        }
        found++;
    }
    return found;
}
