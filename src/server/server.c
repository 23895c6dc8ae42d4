/*
 * server.c — libmicrohttpd glue and the dispatcher: reads a request's body
 * under a size bound, routes it, authenticates the session, applies the
 * route's role and CSRF requirements, parses the JSON body, calls the
 * handler with a store connection from the pool, and sends its reply.
 * Paths outside /api/ are the web UI's static files.
 * Must not touch: SQL (the store), the API's semantics (api.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "audit_head.h"
#include "server_internal.h"

#define SESSION_COOKIE "junkai_session"

struct jk_server {
    jk_server_config cfg;
    char *db_path;
    char *data_dir; /* the db's directory: where audit.head lives */
    char *web_dir;
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_free;
    jk_store **stores;
    bool *busy;
    size_t store_count;
    jk_ratelimit *user_limit;
    jk_ratelimit *ip_limit;
    char dummy_hash[JK_PASSWORD_HASH_MAX];
};

const jk_server_config *jk_server_config_of(const jk_server *srv)
{
    return &srv->cfg;
}

jk_ratelimit *jk_server_user_limit(jk_server *srv)
{
    return srv->user_limit;
}

jk_ratelimit *jk_server_ip_limit(jk_server *srv)
{
    return srv->ip_limit;
}

const char *jk_server_dummy_hash(const jk_server *srv)
{
    return srv->dummy_hash;
}

const jk_route *jk_server_routes(size_t *count)
{
    *count = jk_api_route_count;
    return jk_api_routes;
}

const char *jk_server_default_web_dir(void)
{
    const char *env = getenv("JUNKAI_WEB_DIR");
    return env && *env ? env : JK_DEFAULT_WEB_DIR;
}

void jk_server_log(jk_server *srv, const char *fmt, ...)
{
    if (!srv->cfg.log)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv->cfg.log(srv->cfg.log_ctx, msg);
}

/* ---- the store pool: one connection per worker thread ---- */

static jk_store *pool_take(jk_server *srv)
{
    pthread_mutex_lock(&srv->pool_lock);
    for (;;) {
        for (size_t i = 0; i < srv->store_count; i++)
            if (!srv->busy[i]) {
                srv->busy[i] = true;
                pthread_mutex_unlock(&srv->pool_lock);
                return srv->stores[i];
            }
        pthread_cond_wait(&srv->pool_free, &srv->pool_lock);
    }
}

static void pool_give(jk_server *srv, jk_store *st)
{
    pthread_mutex_lock(&srv->pool_lock);
    for (size_t i = 0; i < srv->store_count; i++)
        if (srv->stores[i] == st)
            srv->busy[i] = false;
    pthread_cond_signal(&srv->pool_free);
    pthread_mutex_unlock(&srv->pool_lock);
}

/* ---- replies ---- */

void jk_reply(jk_request *req, unsigned status, json_t *body)
{
    req->reply_type = NULL;
    req->disposition[0] = '\0';
    free(req->reply);
    req->reply = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(body);
    if (!req->reply) {
        req->status = 500;
        req->reply = jk_strdup("{\"error\":\"internal error\"}");
    } else {
        req->status = status;
    }
    req->reply_len = strlen(req->reply);
}

void jk_reply_buf(jk_request *req, unsigned status, jk_buf *b)
{
    req->reply_type = NULL;
    req->disposition[0] = '\0';
    free(req->reply);
    req->reply = b->data ? b->data : jk_strdup("");
    req->reply_len = b->len;
    req->status = status;
    b->data = NULL;
    b->len = b->cap = 0;
}

void jk_reply_bytes(jk_request *req, unsigned status, const char *type, const char *filename,
                    jk_buf *b)
{
    jk_reply_buf(req, status, b);
    req->reply_type = type;
    if (filename)
        snprintf(req->disposition, sizeof req->disposition, "attachment; filename=\"%s\"",
                 filename);
}

void jk_reply_error(jk_request *req, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *text = json_string(msg);
    if (!text) /* a message quoting invalid UTF-8 from the client */
        text = json_string("bad request");
    json_t *body = json_object();
    json_object_set_new(body, "error", text);
    jk_reply(req, status, body);
}

void jk_reply_internal(jk_request *req, const jk_error *err)
{
    jk_server_log(req->srv, "%s %s: %s", req->method, req->path,
                  err && err->message[0] ? err->message : "internal error");
    jk_reply_error(req, 500, "internal error");
}

const char *jk_request_arg(jk_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *jk_request_header(jk_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* ---- static files ---- */

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* Only plain names: letters, digits, '-', '_', '.', never a segment that
 * starts with '.' (so no "..", no dotfiles) and nothing outside web_dir. */
static bool static_path_ok(const char *path)
{
    if (path[0] != '/' || strlen(path) > 256)
        return false;
    bool segment_start = true;
    for (const char *p = path + 1; *p; p++) {
        char c = *p;
        if (c == '/') {
            if (segment_start)
                return false;
            segment_start = true;
            continue;
        }
        if (segment_start && c == '.')
            return false;
        segment_start = false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return !segment_start || strcmp(path, "/") == 0;
}

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static struct MHD_Response *static_file(jk_request *req, unsigned *status)
{
    const char *web = req->srv->web_dir;
    const char *path = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
    char full[4096];
    int fd = -1;
    struct stat st;
    if (web && static_path_ok(path) &&
        snprintf(full, sizeof full, "%s%s", web, path) < (int)sizeof full) {
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        jk_reply_error(req, 404, "not found");
        return NULL;
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        jk_reply_error(req, 500, "internal error");
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", content_type(path));
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none';"
                            " form-action 'self'");
    add_security_headers(resp);
    *status = 200;
    return resp;
}

/* ---- dispatch ---- */

static int copy_session(void *p, const jk_session *s)
{
    jk_request *req = p;
    jk_role role;
    if (!s->user.name || !jk_role_parse(s->user.role, &role) ||
        strlen(s->user.name) > JK_SERVER_NAME_MAX || !s->csrf || strlen(s->csrf) > JK_TOKEN_HEX)
        return 0;
    req->authed = true;
    req->user_id = s->user.id;
    req->role = role;
    strcpy(req->user, s->user.name);
    strcpy(req->csrf, s->csrf);
    return 0;
}

/* Sets req->authed (and who) when the request carries a live session. */
static void authenticate(jk_request *req)
{
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (!jk_token_well_formed(cookie))
        return;
    jk_sha256_hex(cookie, JK_TOKEN_HEX, req->session_hash);
    jk_error err;
    int rc = jk_store_session_get(req->store, req->session_hash, (int64_t)time(NULL), copy_session,
                                  req, &err);
    if (rc && rc != JK_ENOTFOUND)
        jk_server_log(req->srv, "reading a session: %s", err.message);
}

static bool has_body_method(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static void dispatch_api(jk_request *req)
{
    const jk_route *route = req->match.route;
    if (route->min_role != JK_ROLE_NONE) {
        authenticate(req);
        if (!req->authed) {
            jk_reply_error(req, 401, "not logged in");
            return;
        }
        if (req->role < route->min_role) {
            jk_reply_error(req, 403, "this needs the %s role", jk_role_name(route->min_role));
            return;
        }
    }
    if (route->csrf) {
        /* SameSite=Strict already keeps the cookie off cross-site
         * requests; the token also stops a same-site page (another app on
         * this host) from writing with a logged-in browser. */
        const char *token = jk_request_header(req, "X-CSRF-Token");
        if (!token) {
            jk_reply_error(req, 403, "missing X-CSRF-Token header");
            return;
        }
        if (!jk_token_equal(req->csrf, token)) {
            jk_reply_error(req, 403, "wrong X-CSRF-Token");
            return;
        }
    }
    if (has_body_method(req->method) && req->body.len > 0) {
        json_error_t jerr;
        req->json = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
        if (!req->json) {
            jk_reply_error(req, 400, "invalid JSON at byte %d (line %d, column %d): %s",
                           jerr.position, jerr.line, jerr.column, jerr.text);
            return;
        }
        if (!json_is_object(req->json)) {
            jk_reply_error(req, 400, "the body must be a JSON object");
            return;
        }
    }
    route->handler(req);
    if (!req->reply)
        jk_reply_error(req, 500, "internal error");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        /* after the handler's commit: the entry it wrote is the head */
        jk_error err;
        if (jk_audit_head_sync(req->store, req->srv->data_dir, &err))
            jk_server_log(req->srv, "%s %s: audit head: %s", req->method, req->path, err.message);
    }
}

static bool is_api_path(const char *path)
{
    return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

static struct MHD_Response *dispatch(jk_request *req, unsigned *status)
{
    if (req->too_large) {
        jk_reply_error(req, 413, "the request body is larger than %d bytes", JK_SERVER_MAX_BODY);
    } else {
        jk_route_result r =
            jk_route_find(jk_api_routes, jk_api_route_count, req->method, req->path, &req->match);
        if (r == JK_ROUTE_FOUND) {
            req->store = pool_take(req->srv);
            dispatch_api(req);
            pool_give(req->srv, req->store);
            req->store = NULL;
        } else if (r == JK_ROUTE_NO_METHOD) {
            jk_route_allow(jk_api_routes, jk_api_route_count, req->path, req->allow,
                           sizeof req->allow);
            jk_reply_error(req, 405, "%s is not allowed here", req->method);
        } else if (is_api_path(req->path)) {
            jk_reply_error(req, 404, "no such route");
        } else if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
            struct MHD_Response *resp = static_file(req, status);
            if (resp)
                return resp;
        } else {
            strcpy(req->allow, "GET, HEAD");
            jk_reply_error(req, 405, "%s is not allowed here", req->method);
        }
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(req->reply_len, req->reply, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return NULL;
    req->reply = NULL; /* the response owns it now */
    MHD_add_response_header(resp, "Content-Type",
                            req->reply_type ? req->reply_type : "application/json; charset=utf-8");
    if (req->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", req->disposition);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    if (req->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", req->set_cookie);
    if (req->allow[0])
        MHD_add_response_header(resp, "Allow", req->allow);
    if (req->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", req->retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    *status = req->status;
    return resp;
}

static enum MHD_Result send_reply(jk_request *req)
{
    unsigned status = 500;
    struct MHD_Response *resp = dispatch(req, &status);
    if (!resp)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    jk_server *srv = cls;
    jk_request *req = *con_cls;
    if (!req) {
        req = jk_calloc(1, sizeof *req);
        req->srv = srv;
        req->conn = conn;
        req->method = method;
        req->path = url;
        jk_buf_init(&req->body, JK_SERVER_MAX_BODY);
        client_address(conn, req->client, sizeof req->client);
        *con_cls = req;
        /* refuse a declared oversized body before reading any of it */
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(length, &end, 10);
            if (errno || *end || n > JK_SERVER_MAX_BODY) {
                req->too_large = true;
                return send_reply(req);
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!req->too_large && jk_buf_append(&req->body, upload_data, *upload_size) != JK_OK)
            req->too_large = true; /* keep reading and drop the rest; 413 at the end */
        *upload_size = 0;
        return MHD_YES;
    }
    return send_reply(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    jk_request *req = *con_cls;
    if (!req)
        return;
    jk_buf_release(&req->body);
    json_decref(req->json);
    free(req->reply);
    free(req);
    *con_cls = NULL;
}

/* ---- start and stop ---- */

/* "host:port" or "[v6]:port" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, jk_error *err)
{
    char host[256];
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host || colon == listen)
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
    }
    if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
        atoi(port) > 65535)
        goto bad;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res)
        return jk_error_set(err, JK_EINVAL, "--listen %s: %s", listen, gai_strerror(gai));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return JK_OK;
bad:
    return jk_error_set(err, JK_EINVAL, "--listen %s: expected HOST:PORT (e.g. 127.0.0.1:8080)",
                        listen);
}

int jk_server_start(const jk_server_config *cfg, jk_server **out, jk_error *err)
{
    *out = NULL;
    if (!cfg->db_path)
        return jk_error_set(err, JK_EINVAL, "the server needs a store");
    if (sodium_init() < 0)
        return jk_error_set(err, JK_EINVAL, "cannot initialise libsodium");
    struct sockaddr_storage ss;
    int rc = parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:8080", &ss, err);
    if (rc)
        return rc;

    jk_server *srv = jk_calloc(1, sizeof *srv);
    srv->cfg = *cfg;
    srv->db_path = jk_strdup(cfg->db_path);
    const char *slash = strrchr(srv->db_path, '/');
    srv->data_dir =
        slash ? jk_strndup(srv->db_path, slash == srv->db_path ? 1 : (size_t)(slash - srv->db_path))
              : jk_strdup(".");
    srv->web_dir = cfg->web_dir ? jk_strdup(cfg->web_dir) : NULL;
    srv->cfg.db_path = srv->db_path;
    srv->cfg.web_dir = srv->web_dir;
    srv->cfg.listen = NULL;
    unsigned threads = cfg->threads ? cfg->threads : JK_SERVER_THREADS;
    srv->store_count = cfg->connections ? cfg->connections : threads;
    pthread_mutex_init(&srv->pool_lock, NULL);
    pthread_cond_init(&srv->pool_free, NULL);
    srv->stores = jk_calloc(srv->store_count, sizeof *srv->stores);
    srv->busy = jk_calloc(srv->store_count, sizeof *srv->busy);
    for (size_t i = 0; i < srv->store_count; i++)
        if ((rc = jk_store_open(srv->db_path, &srv->stores[i], err)))
            goto fail;
    srv->user_limit = jk_ratelimit_new(JK_SERVER_USER_FAILURES, JK_SERVER_FAILURE_WINDOW, 4096);
    srv->ip_limit = jk_ratelimit_new(JK_SERVER_IP_FAILURES, JK_SERVER_FAILURE_WINDOW, 4096);
    char dummy[JK_TOKEN_HEX + 1];
    jk_token_new(dummy);
    if ((rc = jk_password_hash(dummy, strlen(dummy), srv->dummy_hash, err)))
        goto fail;

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    socklen_t len = sizeof(struct sockaddr_in);
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
        len = sizeof(struct sockaddr_in6);
    }
    (void)len;
    srv->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)JK_SERVER_CONNECTION_MEMORY,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)JK_SERVER_CONNECTION_TIMEOUT,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)JK_SERVER_CONNECTION_LIMIT,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        rc = jk_error_set(err, JK_EIO, "cannot listen on %s (address in use or not allowed)",
                          cfg->listen ? cfg->listen : "127.0.0.1:8080");
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    *out = srv;
    return JK_OK;
fail:
    jk_server_stop(srv);
    return rc;
}

unsigned jk_server_port(const jk_server *srv)
{
    return srv->port;
}

void jk_server_stop(jk_server *srv)
{
    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    for (size_t i = 0; i < srv->store_count; i++)
        jk_store_close(srv->stores[i]);
    free(srv->stores);
    free(srv->busy);
    pthread_mutex_destroy(&srv->pool_lock);
    pthread_cond_destroy(&srv->pool_free);
    jk_ratelimit_free(srv->user_limit);
    jk_ratelimit_free(srv->ip_limit);
    free(srv->db_path);
    free(srv->data_dir);
    free(srv->web_dir);
    free(srv);
}
