/*
 * api.c — the review workbench's JSON API: the route table and one handler
 * per route. Handlers see an authenticated caller whose role and CSRF token
 * the dispatcher has already checked; every write runs in one store batch
 * with its audit entry, so a write is never stored without its record.
 * Errors are {"error": message} and never carry SQL, paths or internals.
 * Must not touch: HTTP framing (server.c), SQL (the store).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "junkai/case.h"
#include "junkai/taxonomy.h"
#include "api_internal.h"
#include "tip.h"

/* ---- reading the request ---- */

/* The string member key of the body (NULL when absent). Replies 400 and
 * returns false when it is required and missing, not a string, empty, or
 * longer than max bytes. */
bool api_body_string(jk_request *req, const char *key, bool required, size_t max, const char **out)
{
    *out = NULL;
    json_t *v = req->json ? json_object_get(req->json, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            jk_reply_error(req, 400, "\"%s\" is required", key);
            return false;
        }
        return true;
    }
    if (!json_is_string(v)) {
        jk_reply_error(req, 400, "\"%s\" must be a string", key);
        return false;
    }
    size_t len = json_string_length(v);
    if (len == 0 && required) {
        jk_reply_error(req, 400, "\"%s\" must not be empty", key);
        return false;
    }
    if (len > max || strlen(json_string_value(v)) != len) {
        jk_reply_error(req, 400, "\"%s\" is too long or holds a NUL", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool api_require_body(jk_request *req)
{
    if (!req->json) {
        jk_reply_error(req, 400, "a JSON object body is required");
        return false;
    }
    return true;
}

/* A decimal id of 1 to 18 digits (so it fits an int64). */
bool api_parse_id(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v > 0;
}

bool api_valid_category(const char *id)
{
    jk_category c;
    return id && jk_category_from_id(id, strlen(id), &c) == JK_OK;
}

/* YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and Z or ±HH:MM. */
static bool valid_time(const char *s)
{
    static const char date[] = "dddd-dd-dd";
    size_t n = strlen(s);
    if (n < 10 || n > 40)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (date[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != date[i])
            return false;
    if (n == 10)
        return true;
    if (s[10] != 'T' && s[10] != ' ')
        return false;
    return strspn(s + 11, "0123456789:.+-Z") == n - 11;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > JK_SERVER_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '@'))
            return false;
    }
    return true;
}

bool api_uint_arg(jk_request *req, const char *name, unsigned long max, size_t *out)
{
    const char *s = jk_request_arg(req, name);
    if (!s)
        return true;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > max || s[0] == '-') {
        jk_reply_error(req, 400, "%s must be a whole number up to %lu", name, max);
        return false;
    }
    *out = v;
    return true;
}

/* The data directory: configured, else the one holding the store. */
void api_data_dir(const jk_server_config *cfg, char *out, size_t size)
{
    if (cfg->data_dir) {
        snprintf(out, size, "%s", cfg->data_dir);
        return;
    }
    const char *slash = strrchr(cfg->db_path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else
        snprintf(out, size, "%.*s", (int)(slash - cfg->db_path), cfg->db_path);
}

/* ---- building replies ---- */

json_t *api_str_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

/* Items are written straight into the reply: the queue is the hot path,
 * and building it as jansson values cost most of a request (an allocation
 * per value and a hash table per object, ~3x the time of the queries). */
void api_put_str(jk_buf *b, const char *s, size_t len)
{
    if (!s) {
        jk_buf_puts(b, "null");
        return;
    }
    jk_buf_putc(b, '"');
    jk_buf_json_string(b, s, len); /* invalid UTF-8 becomes U+FFFD */
    jk_buf_putc(b, '"');
}

void api_put_field(jk_buf *b, bool first, const char *key, const char *value)
{
    jk_buf_puts(b, first ? "{\"" : ",\"");
    jk_buf_puts(b, key);
    jk_buf_puts(b, "\":");
    api_put_str(b, value, value ? strlen(value) : 0);
}

void api_put_int_field(jk_buf *b, const char *key, long long v)
{
    jk_buf_printf(b, ",\"%s\":%lld", key, v);
}

/* Spans are stored as the JSON text the store wrote ([[s,e],…]); copied
 * as they are when they hold nothing else, so a damaged row cannot inject
 * into the reply. */
static void put_spans(jk_buf *b, const char *spans)
{
    if (spans && spans[0] == '[' && strspn(spans, "[],0123456789") == strlen(spans))
        jk_buf_puts(b, spans);
    else
        jk_buf_puts(b, "[]");
}

typedef struct list_out {
    jk_buf *out;
    size_t count;
} list_out;

static int put_hit(void *p, const jk_detection_row *d)
{
    list_out *l = p;
    if (l->count++)
        jk_buf_putc(l->out, ',');
    api_put_field(l->out, true, "rule", d->rule_id);
    api_put_field(l->out, false, "category", d->category);
    jk_buf_puts(l->out, ",\"score\":");
    jk_buf_put_score(l->out, d->score);
    jk_buf_puts(l->out, ",\"spans\":");
    put_spans(l->out, d->spans_json);
    jk_buf_putc(l->out, '}');
    return 0;
}

static int put_indicator(void *p, const jk_indicator_row *r)
{
    list_out *l = p;
    if (l->count++)
        jk_buf_putc(l->out, ',');
    api_put_field(l->out, true, "type", r->type);
    api_put_field(l->out, false, "value", r->value);
    jk_buf_printf(l->out, ",\"span\":[%zu,%zu]}", r->span_start, r->span_end);
    return 0;
}

static int put_decision(void *p, const jk_decision_row *d)
{
    list_out *l = p;
    if (l->count++)
        jk_buf_putc(l->out, ',');
    api_put_field(l->out, true, "decision", d->decision);
    api_put_field(l->out, false, "category", d->category);
    api_put_field(l->out, false, "reason", d->reason);
    api_put_field(l->out, false, "user", d->user);
    api_put_field(l->out, false, "at", d->at);
    jk_buf_putc(l->out, '}');
    return 0;
}

int api_put_item(void *p, const jk_review_item *it)
{
    item_ctx *c = p;
    jk_buf *b = c->out;
    if (c->count++)
        jk_buf_putc(b, ',');
    jk_buf_printf(b, "{\"id\":%lld", (long long)it->id);
    api_put_field(b, false, "platform", it->platform);
    api_put_field(b, false, "external_id", it->external_id);
    api_put_field(b, false, "url", it->url);
    api_put_field(b, false, "author", it->author);
    api_put_field(b, false, "posted_at", it->posted_at);
    jk_buf_puts(b, ",\"text\":");
    api_put_str(b, it->text ? it->text : "", it->text ? it->text_len : 0);
    jk_buf_puts(b, ",\"score\":");
    jk_buf_put_score(b, it->score);
    api_put_field(b, false, "status", it->status);
    list_out l = {b, 0};
    jk_buf_puts(b, ",\"hits\":[");
    if ((c->rc = jk_store_item_detections(c->req->store, it->id, put_hit, &l, &c->err)))
        return 1;
    jk_buf_puts(b, "],\"indicators\":[");
    l.count = 0;
    if ((c->rc = jk_store_item_indicators(c->req->store, it->id, put_indicator, &l, &c->err)))
        return 1;
    jk_buf_putc(b, ']');
    if (c->full) {
        jk_buf_puts(b, ",\"decisions\":[");
        l.count = 0;
        if ((c->rc = jk_store_item_decisions(c->req->store, it->id, put_decision, &l, &c->err)))
            return 1;
        jk_buf_putc(b, ']');
        api_put_field(b, false, "fetched_at", it->fetched_at);
        if (it->source_id)
            api_put_int_field(b, "source_id", (long long)it->source_id);
        else
            jk_buf_puts(b, ",\"source_id\":null");
        int64_t case_id = 0; /* the case it was filed into */
        if ((c->rc = jk_store_item_case(c->req->store, it->id, &case_id, &c->err)))
            return 1;
        if (case_id)
            api_put_int_field(b, "case", (long long)case_id);
        else
            jk_buf_puts(b, ",\"case\":null");
    }
    jk_buf_putc(b, '}');
    return 0;
}

static json_t *user_json(int64_t id, const char *name, const char *role)
{
    return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id, "name", api_str_or_null(name), "role",
                     api_str_or_null(role));
}

/* ---- writes: a batch with its audit entry ---- */

int api_write_begin(jk_request *req, jk_error *err)
{
    return jk_store_begin(req->store, err);
}

/* Audit and commit; on failure the batch is rolled back. detail is stolen. */
int api_write_commit(jk_request *req, const char *action, const char *target, json_t *detail,
                     jk_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    int rc = jk_store_audit_append(req->store, req->authed ? req->user : "-", action, target,
                                   text ? text : "", err);
    free(text);
    if (!rc)
        rc = jk_store_commit(req->store, err);
    if (rc)
        jk_store_rollback(req->store);
    return rc;
}

int api_write_commit_on(jk_request *req, const char *action, const char *kind, int64_t id,
                        json_t *detail, jk_error *err)
{
    char target[48];
    snprintf(target, sizeof target, "%s:%lld", kind, (long long)id);
    return api_write_commit(req, action, target, detail, err);
}

/* ---- sessions ---- */

typedef struct login_user {
    bool found;
    bool disabled;
    int64_t id;
    char role[16];
    char hash[JK_PASSWORD_HASH_MAX];
} login_user;

static int copy_login_user(void *p, const jk_user *u)
{
    login_user *l = p;
    if (!u->password_hash || strlen(u->password_hash) >= sizeof l->hash || !u->role ||
        strlen(u->role) >= sizeof l->role)
        return 0;
    l->found = true;
    l->disabled = u->disabled;
    l->id = u->id;
    strcpy(l->role, u->role);
    strcpy(l->hash, u->password_hash);
    return 0;
}

static void session_login(jk_request *req)
{
    const char *name, *password;
    if (!api_require_body(req) ||
        !api_body_string(req, "username", true, JK_SERVER_NAME_MAX, &name) ||
        !api_body_string(req, "password", true, JK_PASSWORD_MAX, &password))
        return;
    char user_key[JK_SERVER_NAME_MAX + 8], ip_key[INET6_ADDRSTRLEN + 8];
    snprintf(user_key, sizeof user_key, "u:%s", name);
    snprintf(ip_key, sizeof ip_key, "ip:%s", req->client);
    int64_t now = (int64_t)time(NULL);
    jk_ratelimit *ul = jk_server_user_limit(req->srv), *il = jk_server_ip_limit(req->srv);
    unsigned wait_user = jk_ratelimit_check(ul, user_key, now);
    unsigned wait_ip = jk_ratelimit_check(il, ip_key, now);
    if (wait_user || wait_ip) {
        req->retry_after = wait_user > wait_ip ? wait_user : wait_ip;
        jk_reply_error(req, 429, "too many failed logins; try again in %u seconds",
                       req->retry_after);
        return;
    }
    login_user u = {0};
    jk_error err;
    int rc = jk_store_user_get(req->store, name, copy_login_user, &u, &err);
    if (rc && rc != JK_ENOTFOUND) {
        jk_reply_internal(req, &err);
        return;
    }
    bool usable = u.found && !u.disabled;
    /* an unknown or disabled account costs the same hash as a real one */
    bool ok = jk_password_verify(usable ? u.hash : jk_server_dummy_hash(req->srv), password,
                                 strlen(password)) &&
              usable;
    jk_role role;
    if (!ok || !jk_role_parse(u.role, &role)) {
        jk_ratelimit_fail(ul, user_key, now);
        jk_ratelimit_fail(il, ip_key, now);
        jk_reply_error(req, 401, "wrong username or password");
        return;
    }
    jk_ratelimit_reset(ul, user_key);

    char id[JK_TOKEN_HEX + 1], id_hash[65], csrf[JK_TOKEN_HEX + 1];
    jk_token_new(id);
    jk_token_new(csrf);
    jk_sha256_hex(id, JK_TOKEN_HEX, id_hash);
    req->authed = true;
    snprintf(req->user, sizeof req->user, "%s", name);
    char target[JK_SERVER_NAME_MAX + 8];
    snprintf(target, sizeof target, "user:%s", name);
    if ((rc = api_write_begin(req, &err)) ||
        (rc = jk_store_session_add(req->store, id_hash, u.id, csrf, now + JK_SERVER_SESSION_SECONDS,
                                   &err)) ||
        (rc = api_write_commit(req, "session.login", target, json_pack("{s:s}", "ip", req->client),
                               &err))) {
        jk_store_rollback(req->store);
        jk_reply_internal(req, &err);
        return;
    }
    snprintf(req->set_cookie, sizeof req->set_cookie,
             "junkai_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", id,
             JK_SERVER_SESSION_SECONDS,
             jk_server_config_of(req->srv)->secure_cookies ? "; Secure" : "");
    jk_reply(req, 200,
             json_pack("{s:s, s:o}", "csrf", csrf, "user", user_json(u.id, name, u.role)));
}

static void session_whoami(jk_request *req)
{
    jk_reply(req, 200,
             json_pack("{s:s, s:o}", "csrf", req->csrf, "user",
                       user_json(req->user_id, req->user, jk_role_name(req->role))));
}

static void session_logout(jk_request *req)
{
    jk_error err;
    char target[JK_SERVER_NAME_MAX + 8];
    snprintf(target, sizeof target, "user:%s", req->user);
    if (api_write_begin(req, &err) ||
        jk_store_session_delete(req->store, req->session_hash, &err) ||
        api_write_commit(req, "session.logout", target, NULL, &err)) {
        jk_store_rollback(req->store);
        jk_reply_internal(req, &err);
        return;
    }
    snprintf(req->set_cookie, sizeof req->set_cookie,
             "junkai_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             jk_server_config_of(req->srv)->secure_cookies ? "; Secure" : "");
    jk_reply(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- the queue and items ---- */

static void queue_list(jk_request *req)
{
    jk_queue_filter f = {0};
    f.limit = JK_SERVER_QUEUE_LIMIT;
    f.status = jk_request_arg(req, "status");
    f.category = jk_request_arg(req, "category");
    f.source = jk_request_arg(req, "source");
    f.platform = jk_request_arg(req, "platform");
    f.since = jk_request_arg(req, "since");
    f.until = jk_request_arg(req, "until");
    const char *min = jk_request_arg(req, "min_score");
    if (f.status && strcmp(f.status, "pending") != 0 && strcmp(f.status, "confirmed") != 0 &&
        strcmp(f.status, "dismissed") != 0) {
        jk_reply_error(req, 400, "status must be pending, confirmed or dismissed");
        return;
    }
    if (f.category && !api_valid_category(f.category)) {
        jk_reply_error(req, 400, "unknown category \"%s\"", f.category);
        return;
    }
    if ((f.since && !valid_time(f.since)) || (f.until && !valid_time(f.until))) {
        jk_reply_error(req, 400, "since and until are dates: YYYY-MM-DD[THH:MM:SSZ]");
        return;
    }
    if (min) {
        char *end;
        errno = 0;
        f.min_score = strtod(min, &end);
        if (!*min || *end || errno || !(f.min_score >= 0.0 && f.min_score <= 1.0)) {
            jk_reply_error(req, 400, "min_score must be a number from 0 to 1");
            return;
        }
    }
    if (!api_uint_arg(req, "limit", JK_SERVER_QUEUE_MAX, &f.limit) ||
        !api_uint_arg(req, "offset", 1000000000UL, &f.offset))
        return;
    if (f.limit == 0)
        f.limit = JK_SERVER_QUEUE_LIMIT;
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_buf_puts(&out, "{\"items\":[");
    item_ctx c = {req, &out, 0, false, JK_OK, {0}};
    jk_error err;
    int rc = jk_store_queue(req->store, &f, api_put_item, &c, &err);
    if (rc || c.rc) {
        jk_buf_release(&out);
        jk_reply_internal(req, rc ? &err : &c.err);
        return;
    }
    jk_buf_printf(&out, "],\"limit\":%zu,\"offset\":%zu}", f.limit, f.offset);
    jk_reply_buf(req, 200, &out);
}

static bool path_item_id(jk_request *req, int64_t *id)
{
    if (!api_parse_id(req->match.params[0].ptr, req->match.params[0].len, id)) {
        jk_reply_error(req, 404, "no such item");
        return false;
    }
    return true;
}

static void item_get(jk_request *req)
{
    int64_t id;
    if (!path_item_id(req, &id))
        return;
    jk_buf out;
    jk_buf_init(&out, 0);
    item_ctx c = {req, &out, 0, true, JK_OK, {0}};
    jk_error err;
    int rc = jk_store_review_item_get(req->store, id, api_put_item, &c, &err);
    if (rc == JK_ENOTFOUND) {
        jk_buf_release(&out);
        jk_reply_error(req, 404, "no item %lld", (long long)id);
        return;
    }
    if (rc || c.rc || c.count != 1) {
        jk_buf_release(&out);
        jk_reply_internal(req, rc ? &err : &c.err);
        return;
    }
    jk_reply_buf(req, 200, &out);
}

static bool read_decision(jk_request *req, decision_in *d)
{
    if (!api_require_body(req) || !api_body_string(req, "decision", true, 16, &d->decision) ||
        !api_body_string(req, "category", false, 64, &d->category) ||
        !api_body_string(req, "reason", false, JK_SERVER_TEXT_MAX, &d->reason))
        return false;
    if (strcmp(d->decision, "confirm") != 0 && strcmp(d->decision, "dismiss") != 0) {
        jk_reply_error(req, 400, "\"decision\" must be \"confirm\" or \"dismiss\"");
        return false;
    }
    if (d->category && !api_valid_category(d->category)) {
        jk_reply_error(req, 400, "unknown category \"%s\"", d->category);
        return false;
    }
    return true;
}

/* Store one decision and its audit entry inside the caller's batch. */
int api_apply_decision(jk_request *req, int64_t id, const decision_in *d, jk_error *err)
{
    jk_decision_row row = {d->decision, d->category, d->reason, req->user, NULL};
    int rc = jk_store_decision_add(req->store, id, &row, err);
    if (rc)
        return rc;
    char action[32], target[32];
    snprintf(action, sizeof action, "decision.%s", d->decision);
    snprintf(target, sizeof target, "item:%lld", (long long)id);
    json_t *detail = json_object();
    if (d->category)
        json_object_set_new(detail, "category", json_string(d->category));
    if (d->reason)
        json_object_set_new(detail, "reason", json_string(d->reason));
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    rc = jk_store_audit_append(req->store, req->user, action, target, text ? text : "", err);
    free(text);
    return rc;
}

static const char *status_after(const char *decision)
{
    return strcmp(decision, "confirm") == 0 ? "confirmed" : "dismissed";
}

/* A decision batch that failed (already rolled back). */
static void decision_failed(jk_request *req, int rc, int64_t id, const jk_error *err,
                            const char *suffix)
{
    if (rc == JK_ENOTFOUND)
        jk_reply_error(req, 404, "no item or case for item %lld%s", (long long)id, suffix);
    else if (rc == JK_EINVAL)
        jk_reply_error(req, 409, "%s%s", err->message, suffix);
    else
        jk_reply_internal(req, err);
}

static void item_decide(jk_request *req)
{
    int64_t id, choice, case_id = 0;
    decision_in d;
    if (!path_item_id(req, &id) || !read_decision(req, &d) || !api_case_choice(req, &choice))
        return;
    bool confirm = strcmp(d.decision, "confirm") == 0;
    jk_error err;
    int rc = jk_store_begin(req->store, &err);
    if (!rc)
        rc = api_apply_decision(req, id, &d, &err);
    if (!rc && confirm)
        rc = api_case_place(req, id, d.category, choice, &case_id, &err);
    if (!rc)
        rc = jk_store_commit(req->store, &err);
    if (rc) {
        jk_store_rollback(req->store);
        decision_failed(req, rc, id, &err, "");
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id, "decision", d.decision,
                       "status", status_after(d.decision), "case",
                       case_id ? json_integer(case_id) : json_null()));
}

static void decisions_bulk(jk_request *req)
{
    decision_in d;
    if (!api_require_body(req))
        return;
    json_t *items = json_object_get(req->json, "items");
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > JK_SERVER_BULK_MAX) {
        jk_reply_error(req, 400, "\"items\" must be an array of 1 to %d item ids",
                       JK_SERVER_BULK_MAX);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            jk_reply_error(req, 400, "\"items\"[%zu] is not an item id", i);
            return;
        }
    }
    int64_t choice, case_id = 0;
    if (!read_decision(req, &d) || !api_case_choice(req, &choice))
        return;
    bool confirm = strcmp(d.decision, "confirm") == 0;
    jk_error err;
    int64_t id = 0;
    int rc = jk_store_begin(req->store, &err);
    json_array_foreach(items, i, v)
    {
        if (rc)
            break;
        id = (int64_t)json_integer_value(v);
        rc = api_apply_decision(req, id, &d, &err);
        /* Items confirmed together belong together: the first one finds
         * (or opens) the case, the rest follow it there. */
        int64_t placed = 0;
        if (!rc && confirm)
            rc = api_case_place(req, id, d.category, case_id ? case_id : choice, &placed, &err);
        if (!rc && placed && !case_id)
            case_id = placed;
    }
    if (!rc)
        rc = jk_store_commit(req->store, &err);
    if (rc) {
        jk_store_rollback(req->store);
        decision_failed(req, rc, id, &err, " (nothing was decided)");
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:I, s:s, s:s, s:o}", "decided", (json_int_t)json_array_size(items),
                       "decision", d.decision, "status", status_after(d.decision), "case",
                       case_id ? json_integer(case_id) : json_null()));
}

/* ---- accounts ---- */

static int add_user(void *p, const jk_user *u)
{
    json_t *o = user_json(u->id, u->name, u->role);
    json_object_set_new(o, "disabled", json_boolean(u->disabled));
    json_object_set_new(o, "created_at", api_str_or_null(u->created_at));
    json_array_append_new(p, o);
    return 0;
}

static void users_list(jk_request *req)
{
    json_t *list = json_array();
    jk_error err;
    if (jk_store_user_list(req->store, add_user, list, &err)) {
        json_decref(list);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200, json_pack("{s:o}", "users", list));
}

static void users_add(jk_request *req)
{
    const char *name, *password, *role_name;
    jk_role role;
    if (!api_require_body(req) ||
        !api_body_string(req, "username", true, JK_SERVER_NAME_MAX, &name) ||
        !api_body_string(req, "password", true, JK_PASSWORD_MAX, &password) ||
        !api_body_string(req, "role", true, 16, &role_name))
        return;
    if (!valid_name(name)) {
        jk_reply_error(req, 400, "a username has letters, digits and - _ . @ only");
        return;
    }
    if (!jk_role_parse(role_name, &role)) {
        jk_reply_error(req, 400, "\"role\" must be patroller, supervisor or admin");
        return;
    }
    char hash[JK_PASSWORD_HASH_MAX];
    jk_error err;
    int rc = jk_password_hash(password, strlen(password), hash, &err);
    if (rc == JK_EINVAL) {
        jk_reply_error(req, 400, "%s", err.message);
        return;
    }
    int64_t id = 0;
    char target[JK_SERVER_NAME_MAX + 8];
    snprintf(target, sizeof target, "user:%s", name);
    if (!rc && !(rc = api_write_begin(req, &err)) &&
        !(rc = jk_store_user_add(req->store, name, role_name, hash, &id, &err)))
        rc = api_write_commit(req, "user.add", target, json_pack("{s:s}", "role", role_name), &err);
    if (rc) {
        jk_store_rollback(req->store);
        if (rc == JK_EINVAL)
            jk_reply_error(req, 409, "an account named \"%s\" already exists", name);
        else
            jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 201, json_pack("{s:o}", "user", user_json(id, name, role_name)));
}

/* ---- audit and stats ---- */

static int add_audit(void *p, const jk_audit_entry *e)
{
    json_t *detail = e->detail && e->detail[0] ? json_loads(e->detail, 0, NULL) : NULL;
    json_array_append_new(
        p, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)e->id, "at",
                     api_str_or_null(e->at), "user", api_str_or_null(e->user), "action",
                     api_str_or_null(e->action), "target", api_str_or_null(e->target), "detail",
                     detail ? detail : json_null(), "prev_hash", api_str_or_null(e->prev_hash),
                     "hash", api_str_or_null(e->hash)));
    return 0;
}

static void audit_list(jk_request *req)
{
    size_t limit = 100, offset = 0;
    if (!api_uint_arg(req, "limit", 1000, &limit) ||
        !api_uint_arg(req, "offset", 1000000000UL, &offset))
        return;
    if (limit == 0)
        limit = 100;
    json_t *list = json_array();
    jk_error err;
    if (jk_store_audit_list(req->store, limit, offset, add_audit, list, &err)) {
        json_decref(list);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200, json_pack("{s:o}", "entries", list));
}

static void audit_verify(jk_request *req)
{
    long checked = 0;
    int64_t bad = 0;
    jk_error err;
    int rc = jk_store_audit_verify(req->store, &checked, &bad, &err);
    if (rc && rc != JK_EPARSE) {
        jk_reply_internal(req, &err);
        return;
    }
    if (rc)
        jk_reply(req, 200,
                 json_pack("{s:b, s:I, s:I, s:s}", "ok", 0, "checked", (json_int_t)checked,
                           "bad_entry", (json_int_t)bad, "problem", err.message));
    else
        jk_reply(req, 200, json_pack("{s:b, s:I}", "ok", 1, "checked", (json_int_t)checked));
}

static int add_count(void *p, const jk_review_count *c)
{
    json_array_append_new(
        p, json_pack("{s:o, s:o, s:I, s:I, s:I}", "category", api_str_or_null(c->category), "month",
                     api_str_or_null(c->month), "found", (json_int_t)c->found, "confirmed",
                     (json_int_t)c->confirmed, "dismissed", (json_int_t)c->dismissed));
    return 0;
}

/* Reported / removed per category and month, and the time to removal per
 * category and per site: what became of the confirmed items. */
static int add_outcome(void *p, const jk_outcome_count *c)
{
    json_array_append_new(p, json_pack("{s:o, s:o, s:I, s:I}", "category",
                                       api_str_or_null(c->category), "month",
                                       api_str_or_null(c->month), "reported",
                                       (json_int_t)c->reported, "removed", (json_int_t)c->removed));
    return 0;
}

static json_t *hours_or_null(double h)
{
    return h < 0 ? json_null() : json_real(h);
}

static int add_removal_stat(void *p, const jk_removal_stat *r)
{
    json_array_append_new(
        p, json_pack("{s:o, s:I, s:I, s:o, s:o}", "key", api_str_or_null(r->key), "reported",
                     (json_int_t)r->reported, "removed", (json_int_t)r->removed,
                     "median_hours_found", hours_or_null(r->median_hours_found),
                     "median_hours_reported", hours_or_null(r->median_hours_reported)));
    return 0;
}

static void stats_outcomes(jk_request *req)
{
    json_t *outcomes = json_array(), *by_category = json_array(), *by_host = json_array();
    jk_error err;
    int rc = jk_store_outcome_stats(req->store, add_outcome, outcomes, &err);
    if (!rc)
        rc = jk_store_removal_stats(req->store, "category", add_removal_stat, by_category, &err);
    if (!rc)
        rc = jk_store_removal_stats(req->store, "host", add_removal_stat, by_host, &err);
    if (rc) {
        json_decref(outcomes);
        json_decref(by_category);
        json_decref(by_host);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:o, s:o, s:o}", "outcomes", outcomes, "removal_by_category", by_category,
                       "removal_by_host", by_host));
}

static void stats_get(jk_request *req)
{
    json_t *list = json_array();
    jk_error err;
    if (jk_store_review_stats(req->store, add_count, list, &err)) {
        json_decref(list);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200, json_pack("{s:o}", "counts", list));
}

/* ---- sources ---- */

static int add_source(void *p, const jk_source *s)
{
    json_t *o =
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:b, s:o}", "id", (json_int_t)s->id, "kind",
                  api_str_or_null(s->kind), "name", api_str_or_null(s->name), "target",
                  api_str_or_null(s->target), "query", api_str_or_null(s->query), "every_seconds",
                  (json_int_t)s->every_seconds, "allow_private", s->allow_private, "last_run_at",
                  api_str_or_null(s->last_run_at));
    /* how the last run ended, whoever ran it; null before the first */
    json_object_set_new(o, "last_attempt_at", api_str_or_null(s->last_attempt_at));
    json_object_set_new(o, "last_ok", s->last_ok < 0 ? json_null() : json_boolean(s->last_ok));
    json_object_set_new(o, "last_outcome", api_str_or_null(s->last_outcome));
    json_object_set_new(o, "failures", json_integer(s->failures));
    json_array_append_new(p, o);
    return 0;
}

static void sources_list(jk_request *req)
{
    json_t *list = json_array();
    jk_error err;
    if (jk_store_source_list(req->store, add_source, list, &err) ||
        api_sources_annotate(req, list, &err)) {
        json_decref(list);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200, json_pack("{s:o}", "sources", list));
}

static void sources_add(jk_request *req)
{
    jk_source src = {0};
    if (!api_require_body(req) || !api_body_string(req, "kind", true, 32, &src.kind) ||
        !api_body_string(req, "name", true, JK_SERVER_NAME_MAX, &src.name) ||
        !api_body_string(req, "target", false, 2048, &src.target) ||
        !api_body_string(req, "query", false, 2048, &src.query))
        return;
    if (!valid_name(src.name)) {
        jk_reply_error(req, 400, "a source name has letters, digits and - _ . @ only");
        return;
    }
    json_t *every = json_object_get(req->json, "every_seconds");
    json_t *priv = json_object_get(req->json, "allow_private");
    if (every && (!json_is_integer(every) || json_integer_value(every) < 0)) {
        jk_reply_error(req, 400, "\"every_seconds\" must be a whole number of seconds");
        return;
    }
    if (priv && !json_is_boolean(priv)) {
        jk_reply_error(req, 400, "\"allow_private\" must be true or false");
        return;
    }
    src.every_seconds = every ? (int64_t)json_integer_value(every) : 3600;
    src.allow_private = priv && json_is_true(priv);
    jk_error err;
    int64_t id = 0;
    char target[JK_SERVER_NAME_MAX + 8];
    snprintf(target, sizeof target, "source:%s", src.name);
    int rc = api_write_begin(req, &err);
    if (!rc && !(rc = jk_store_source_add(req->store, &src, &id, &err)))
        rc = api_write_commit(req, "source.add", target,
                              json_pack("{s:s, s:o, s:o, s:I, s:b}", "kind", src.kind, "target",
                                        api_str_or_null(src.target), "query",
                                        api_str_or_null(src.query), "every_seconds",
                                        (json_int_t)src.every_seconds, "allow_private",
                                        src.allow_private),
                              &err);
    if (rc) {
        jk_store_rollback(req->store);
        if (rc == JK_EINVAL)
            jk_reply_error(req, 409, "a source named \"%s\" already exists", src.name);
        else
            jk_reply_internal(req, &err);
        return;
    }
    src.id = id;
    json_t *list = json_array();
    add_source(list, &src);
    json_t *one = json_incref(json_array_get(list, 0));
    json_decref(list);
    jk_reply(req, 201, json_pack("{s:o}", "source", one));
}

/* ---- tips ---- */

/* A citizen's tip entered at the intake desk: stored as `junkai tip` stores
 * it, scanned with the server's engine when it has one. The contact stays
 * out of the audit entry: the log is permanent, the item can be handled. */
static void tips_add(jk_request *req)
{
    jk_tip tip;
    if (!api_require_body(req) || !api_body_string(req, "url", true, JK_TIP_FIELD_MAX, &tip.url) ||
        !api_body_string(req, "note", false, JK_TIP_FIELD_MAX, &tip.note) ||
        !api_body_string(req, "contact", false, JK_TIP_FIELD_MAX, &tip.contact))
        return;
    jk_error err;
    if (jk_tip_check(&tip, &err)) {
        jk_reply_error(req, 400, "%s", err.message);
        return;
    }
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    jk_ingest in;
    memset(&in, 0, sizeof in);
    bool scan = cfg->scanner && cfg->rules;
    if (scan && jk_ingest_init(&in, req->store, cfg->scanner, cfg->rules, &err)) {
        jk_ingest_release(&in);
        jk_reply_internal(req, &err);
        return;
    }
    jk_tip_result res;
    int rc = api_write_begin(req, &err);
    if (!rc) {
        rc = jk_tip_store(req->store, scan ? &in : NULL, &tip, &res, &err);
        if (rc) {
            jk_store_rollback(req->store);
        } else {
            char target[32];
            snprintf(target, sizeof target, "item:%lld", (long long)res.item_id);
            rc = api_write_commit(req, "tip.add", target,
                                  json_pack("{s:s, s:b, s:b}", "url", tip.url, "fresh", res.fresh,
                                            "scanned", res.scanned),
                                  &err);
        }
    }
    jk_ingest_release(&in);
    if (rc == JK_ELIMIT) {
        jk_reply_error(req, 400, "the tip could not be scanned: %s", err.message);
        return;
    }
    if (rc) {
        jk_reply_internal(req, &err);
        return;
    }
    const char *message = !res.scanned ? "stored unscanned: this server has no rules loaded"
                          : res.hits   ? "stored; rules hit: it is in the review queue"
                                       : "stored; no rule hit";
    jk_reply(req, res.fresh ? 201 : 200,
             json_pack("{s:I, s:b, s:b, s:b, s:s}", "id", (json_int_t)res.item_id, "fresh",
                       res.fresh, "scanned", res.scanned, "hits", res.hits, "message",
                       res.fresh ? message : "already registered"));
}

/* ---- the table ---- */

const jk_route jk_api_routes[] = {
    {"POST", "/api/session", JK_ROLE_NONE, false, session_login, "log in"},
    {"GET", "/api/session", JK_ROLE_PATROLLER, false, session_whoami, "who am I"},
    {"DELETE", "/api/session", JK_ROLE_PATROLLER, true, session_logout, "log out"},
    {"GET", "/api/queue", JK_ROLE_PATROLLER, false, queue_list, "the ranked review queue"},
    {"GET", "/api/items/{id}", JK_ROLE_PATROLLER, false, item_get, "one item"},
    {"POST", "/api/items/{id}/decision", JK_ROLE_PATROLLER, true, item_decide,
     "confirm or dismiss an item"},
    {"POST", "/api/decisions", JK_ROLE_PATROLLER, true, decisions_bulk,
     "confirm or dismiss many items"},
    {"GET", "/api/users", JK_ROLE_ADMIN, false, users_list, "list accounts"},
    {"POST", "/api/users", JK_ROLE_ADMIN, true, users_add, "add an account"},
    {"GET", "/api/audit", JK_ROLE_SUPERVISOR, false, audit_list, "the audit log, newest first"},
    {"GET", "/api/audit/verify", JK_ROLE_SUPERVISOR, false, audit_verify,
     "check the audit log's hash chain"},
    {"GET", "/api/stats", JK_ROLE_SUPERVISOR, false, stats_get,
     "found, confirmed, dismissed per category and month"},
    {"GET", "/api/stats/outcomes", JK_ROLE_SUPERVISOR, false, stats_outcomes,
     "reported and removed per category and month; median time to removal per category and host"},
    {"GET", "/api/sources", JK_ROLE_PATROLLER, false, sources_list,
     "list sources with their last run"},
    {"POST", "/api/sources", JK_ROLE_ADMIN, true, sources_add, "add a source"},
    {"POST", "/api/sources/{id}/run", JK_ROLE_ADMIN, true, api_source_run,
     "patrol one source now (a child junkai patrol --source)"},
    {"GET", "/api/rules", JK_ROLE_PATROLLER, false, api_rules_list,
     "the rule packs and rules the server loaded"},
    {"POST", "/api/rules/try", JK_ROLE_PATROLLER, true, api_rules_try,
     "scan a text with the server's rules (nothing stored)"},
    {"POST", "/api/tips", JK_ROLE_PATROLLER, true, tips_add, "register a citizen's tip"},
    {"GET", "/api/cases", JK_ROLE_PATROLLER, false, api_cases_list, "list cases, newest first"},
    {"POST", "/api/cases", JK_ROLE_PATROLLER, true, api_cases_add, "open a case"},
    {"GET", "/api/cases/{id}", JK_ROLE_PATROLLER, false, api_case_get,
     "one case: items, links, evidence, notes, reports, removals, history"},
    {"PATCH", "/api/cases/{id}", JK_ROLE_PATROLLER, true, api_case_update,
     "rename, recategorize, assign or move a case along its status flow"},
    {"POST", "/api/cases/{id}/items", JK_ROLE_PATROLLER, true, api_case_items_add,
     "confirm items into a case"},
    {"DELETE", "/api/cases/{id}/items/{item}", JK_ROLE_PATROLLER, true, api_case_item_rm,
     "take an item out of a case"},
    {"POST", "/api/cases/{id}/notes", JK_ROLE_PATROLLER, true, api_case_note_add,
     "add a note to a case"},
    {"POST", "/api/cases/{id}/reports", JK_ROLE_PATROLLER, true, api_case_reports_add,
     "draft a case's reports of one kind"},
    {"GET", "/api/cases/{id}/package", JK_ROLE_SUPERVISOR, false, api_case_package,
     "the case's evidence package (tar)"},
    {"GET", "/api/reports/{id}", JK_ROLE_PATROLLER, false, api_report_get,
     "one report, with its submission attempts"},
    {"GET", "/api/reports/{id}/download", JK_ROLE_PATROLLER, false, api_report_download,
     "a report as text, CSV or PDF"},
    {"POST", "/api/reports/{id}/approve", JK_ROLE_SUPERVISOR, true, api_report_approve,
     "approve a drafted report"},
    {"POST", "/api/reports/{id}/sent", JK_ROLE_SUPERVISOR, true, api_report_sent,
     "mark an approved report sent by hand"},
    {"GET", "/api/evidence/{id}", JK_ROLE_PATROLLER, false, api_evidence_get, "one evidence file"},
    {"POST", "/api/reports/{id}/submit", JK_ROLE_SUPERVISOR, true, api_report_submit,
     "queue an approved report for a destination"},
    {"POST", "/api/reports/{id}/resolve", JK_ROLE_SUPERVISOR, true, api_report_resolve,
     "answer a failed or uncertain submission: retry or drop"},
    {"GET", "/api/destinations", JK_ROLE_SUPERVISOR, false, api_destinations_list,
     "where approved reports can be submitted (names, types, kinds, hosts)"},
};
const size_t jk_api_route_count = sizeof jk_api_routes / sizeof jk_api_routes[0];
