/*
 * server_internal.h — what the dispatcher (server.c) and the API handlers
 * (api.c) share: the request record and the reply helpers. Internal.
 */
#ifndef JK_SERVER_INTERNAL_H
#define JK_SERVER_INTERNAL_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "junkai/store.h"
#include "ratelimit.h"
#include "router.h"
#include "server.h"

struct MHD_Connection;

typedef struct jk_request {
    jk_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    jk_buf body;
    bool too_large;
    jk_route_match match;
    jk_store *store; /* borrowed from the pool for the request */
    json_t *json;    /* the parsed body (an object), or NULL */
    char client[INET6_ADDRSTRLEN];

    /* the caller, once authenticated */
    bool authed;
    int64_t user_id;
    char user[JK_SERVER_NAME_MAX + 1];
    jk_role role;
    char session_hash[65];
    char csrf[JK_TOKEN_HEX + 1];

    /* the reply */
    unsigned status;
    char *reply; /* malloc'd JSON text */
    size_t reply_len;
    const char *reply_type; /* NULL: JSON */
    char disposition[160];  /* Content-Disposition of a download; "" none */
    char set_cookie[256];
    unsigned retry_after;
    char allow[64];
} jk_request;

/* Server-wide state the handlers read. */
const jk_server_config *jk_server_config_of(const jk_server *srv);
jk_ratelimit *jk_server_user_limit(jk_server *srv);
jk_ratelimit *jk_server_ip_limit(jk_server *srv);
/* A hash that verifies no password, checked when the account is unknown
 * so that a wrong name takes as long as a wrong password. */
const char *jk_server_dummy_hash(const jk_server *srv);
/* Report an internal error (logged, never sent to the client). */
void jk_server_log(jk_server *srv, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reply with a JSON value (the reference is stolen). */
void jk_reply(jk_request *req, unsigned status, json_t *body);
/* Reply with JSON text already written into b (its storage is taken;
 * b is left empty). */
void jk_reply_buf(jk_request *req, unsigned status, jk_buf *b);
/* Reply with bytes of another type (a download when filename is not
 * NULL: Content-Disposition attachment). b's storage is taken. */
void jk_reply_bytes(jk_request *req, unsigned status, const char *type, const char *filename,
                    jk_buf *b);
/* Reply {"error": message}. */
void jk_reply_error(jk_request *req, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Reply 500 {"error":"internal error"} and log what happened. */
void jk_reply_internal(jk_request *req, const jk_error *err);

/* A query-string argument, or NULL. */
const char *jk_request_arg(jk_request *req, const char *name);
/* A request header, or NULL. */
const char *jk_request_header(jk_request *req, const char *name);

/* The API's route table (api.c). */
extern const jk_route jk_api_routes[];
extern const size_t jk_api_route_count;

#endif
