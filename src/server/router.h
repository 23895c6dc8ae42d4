/*
 * router.h — the server's route table: method, path pattern, minimum role,
 * whether a write must carry the session's CSRF token, and the handler.
 * The dispatcher (server.c) applies role and CSRF checks from the row, so
 * no handler can forget them. Matching is pure string work (unit-tested).
 * Must not touch: HTTP, the store.
 */
#ifndef JK_ROUTER_H
#define JK_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

/* Roles in increasing power; a route admits its role and every higher one. */
typedef enum jk_role {
    JK_ROLE_NONE = 0, /* no login needed */
    JK_ROLE_PATROLLER,
    JK_ROLE_SUPERVISOR,
    JK_ROLE_ADMIN,
} jk_role;

/* "patroller", "supervisor", "admin" ("none" for JK_ROLE_NONE). */
const char *jk_role_name(jk_role role);
/* Parse an account role (never "none"); false when unknown. */
bool jk_role_parse(const char *name, jk_role *out);

struct jk_request;
typedef void (*jk_route_handler)(struct jk_request *req);

typedef struct jk_route {
    const char *method;  /* "GET", "POST", … (GET routes also answer HEAD) */
    const char *pattern; /* "/api/items/{id}/decision": {name} is one segment */
    jk_role min_role;
    bool csrf; /* a write that must carry X-CSRF-Token */
    jk_route_handler handler;
    const char *summary;
} jk_route;

#define JK_ROUTE_MAX_PARAMS 4

typedef struct jk_route_match {
    const jk_route *route;
    size_t param_count;
    struct {
        const char *ptr; /* into the matched path, not NUL-terminated */
        size_t len;
    } params[JK_ROUTE_MAX_PARAMS];
} jk_route_match;

typedef enum jk_route_result {
    JK_ROUTE_FOUND,
    JK_ROUTE_NO_PATH,   /* no pattern matches the path: 404 */
    JK_ROUTE_NO_METHOD, /* a pattern matches, not with this method: 405 */
} jk_route_result;

/* Find the route for (method, path) in a table of count rows. */
jk_route_result jk_route_find(const jk_route *routes, size_t count, const char *method,
                              const char *path, jk_route_match *match);

/* Write the methods that path answers to into buf as "GET, HEAD, POST"
 * (for a 405's Allow header); returns the number of routes matched. */
size_t jk_route_allow(const jk_route *routes, size_t count, const char *path, char *buf,
                      size_t size);

#endif
