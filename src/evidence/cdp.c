/*
 * cdp.c — the DevTools pipe client of cdp.h: NUL-separated JSON messages,
 * commands matched to replies by id, events dispatched while waiting.
 * Must not touch: what a capture asks of the browser (capture.c).
 */
#include "cdp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define READ_CHUNK (256 * 1024)
#define TICK_MS 100

long long jk_cdp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the reader ---- */

void jk_cdp_reader_init(jk_cdp_reader *r, size_t max_message)
{
    memset(r, 0, sizeof r[0]);
    jk_buf_init(&r->buf, 0);
    r->max = max_message;
}

void jk_cdp_reader_release(jk_cdp_reader *r)
{
    jk_buf_release(&r->buf);
    r->start = r->scanned = 0;
}

int jk_cdp_reader_feed(jk_cdp_reader *r, const void *data, size_t len, jk_error *err)
{
    /* drop what was consumed before growing */
    if (r->start && r->start >= r->buf.len / 2) {
        memmove(r->buf.data, r->buf.data + r->start, r->buf.len - r->start);
        r->buf.len -= r->start;
        r->buf.data[r->buf.len] = '\0';
        r->start = 0;
    }
    /* a message longer than max is refused as soon as it is: no NUL in
     * the bytes pending past the bound */
    size_t pending = r->buf.len - r->start;
    if (pending + len > r->max && !memchr(data, '\0', len) &&
        !memchr(r->buf.data + r->start + r->scanned, '\0', pending - r->scanned))
        return jk_error_set(err, JK_ELIMIT, "DevTools message longer than %zu bytes", r->max);
    if (jk_buf_append(&r->buf, data, len))
        return jk_error_set(err, JK_ENOMEM, "DevTools message: out of memory");
    return JK_OK;
}

void jk_cdp_message_release(jk_cdp_message *m)
{
    json_decref(m->root);
    memset(m, 0, sizeof m[0]);
}

int jk_cdp_reader_next(jk_cdp_reader *r, jk_cdp_message *m, jk_error *err)
{
    memset(m, 0, sizeof m[0]);
    const char *base = r->buf.data + r->start;
    size_t pending = r->buf.len - r->start;
    const char *nul =
        pending > r->scanned ? memchr(base + r->scanned, '\0', pending - r->scanned) : NULL;
    if (!nul) {
        r->scanned = pending;
        if (pending > r->max)
            return jk_error_set(err, JK_ELIMIT, "DevTools message longer than %zu bytes", r->max);
        return JK_ENOTFOUND;
    }
    size_t len = (size_t)(nul - base);
    r->start += len + 1;
    r->scanned = 0;
    if (len > r->max)
        return jk_error_set(err, JK_ELIMIT, "DevTools message longer than %zu bytes", r->max);
    json_error_t jerr;
    json_t *root = json_loadb(base, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return jk_error_set(err, JK_EPARSE, "DevTools message is not JSON: %s (column %d)",
                            jerr.text, jerr.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return jk_error_set(err, JK_EPARSE, "DevTools message is not an object");
    }
    m->root = root;
    json_t *id = json_object_get(root, "id");
    json_t *method = json_object_get(root, "method");
    json_t *session = json_object_get(root, "sessionId");
    if (session && json_is_string(session))
        m->session_id = json_string_value(session);
    if (id) {
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            jk_cdp_message_release(m);
            return jk_error_set(err, JK_EPARSE, "DevTools reply with a bad id");
        }
        m->id = (long long)json_integer_value(id);
        json_t *e = json_object_get(root, "error");
        if (e) {
            m->is_error = true;
            json_t *code = json_object_get(e, "code");
            json_t *msg = json_object_get(e, "message");
            m->error_code = json_is_integer(code) ? (long)json_integer_value(code) : 0;
            m->error_message = json_is_string(msg) ? json_string_value(msg) : "error";
        } else {
            m->result = json_object_get(root, "result");
            if (m->result && !json_is_object(m->result)) {
                jk_cdp_message_release(m);
                return jk_error_set(err, JK_EPARSE, "DevTools reply whose result is no object");
            }
        }
        return JK_OK;
    }
    if (!method || !json_is_string(method)) {
        jk_cdp_message_release(m);
        return jk_error_set(err, JK_EPARSE, "DevTools message with neither id nor method");
    }
    m->method = json_string_value(method);
    m->params = json_object_get(root, "params");
    if (m->params && !json_is_object(m->params))
        m->params = NULL;
    return JK_OK;
}

/* ---- the connection ---- */

void jk_cdp_init(jk_cdp *c, int fd, size_t max_message)
{
    memset(c, 0, sizeof c[0]);
    c->fd = fd;
    c->next_id = 1;
    jk_cdp_reader_init(&c->reader, max_message);
}

void jk_cdp_release(jk_cdp *c)
{
    jk_cdp_reader_release(&c->reader);
}

static bool stopped(const jk_cdp *c)
{
    return c->stop && *c->stop;
}

static int send_message(jk_cdp *c, const char *text, size_t len, long long deadline,
                        const char *method, jk_error *err)
{
    /* the NUL that ends the message goes with it */
    size_t total = len + 1, off = 0;
    while (off < total) {
        const char *p = off < len ? text + off : "";
        size_t n = off < len ? len - off : 1;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            long long left = deadline - jk_cdp_now_ms();
            if (left <= 0 || stopped(c))
                return jk_error_set(err, JK_ENET, "%s: the browser does not read commands", method);
            struct pollfd pfd = {c->fd, POLLOUT, 0};
            (void)poll(&pfd, 1, (int)(left < TICK_MS ? left : TICK_MS));
            continue;
        }
        if (w <= 0)
            return jk_error_set(err, JK_EIO, "%s: the browser closed the DevTools pipe", method);
        off += (size_t)w;
    }
    return JK_OK;
}

/* Read what is there (waiting at most until the deadline, a tick at a
 * time). JK_OK after reading something or a quiet tick; JK_ENET past the
 * deadline or when stopped; JK_EIO at end of stream. */
static int read_some(jk_cdp *c, long long deadline, const char *what, jk_error *err)
{
    long long left = deadline - jk_cdp_now_ms();
    if (left <= 0)
        return jk_error_set(err, JK_ENET, "%s: no answer from the browser in time", what);
    if (stopped(c))
        return jk_error_set(err, JK_ENET, "%s: stopped", what);
    struct pollfd pfd = {c->fd, POLLIN, 0};
    int n = poll(&pfd, 1, (int)(left < TICK_MS ? left : TICK_MS));
    if (n < 0 && errno != EINTR)
        return jk_error_set(err, JK_EIO, "%s: %s", what, strerror(errno));
    if (n <= 0)
        return JK_OK;
    char chunk[READ_CHUNK];
    ssize_t got = recv(c->fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return JK_OK;
    if (got <= 0)
        return jk_error_set(err, JK_EIO, "%s: the browser closed the DevTools pipe", what);
    return jk_cdp_reader_feed(&c->reader, chunk, (size_t)got, err);
}

/* Hand out complete messages: events to the callback; the reply with
 * want_id (if any) into *reply (then JK_OK). JK_ENOTFOUND when no such
 * reply is there yet. */
static int drain(jk_cdp *c, long long want_id, jk_cdp_message *reply, jk_error *err)
{
    for (;;) {
        jk_cdp_message m;
        jk_error perr;
        int rc = jk_cdp_reader_next(&c->reader, &m, &perr);
        if (rc == JK_ENOTFOUND)
            return JK_ENOTFOUND;
        if (rc == JK_EPARSE)
            continue; /* a malformed message is skipped, never trusted */
        if (rc) {
            if (err)
                *err = perr;
            return rc;
        }
        if (m.id && want_id && m.id == want_id) {
            *reply = m;
            return JK_OK;
        }
        if (!m.id && c->on_event)
            c->on_event(c->event_ctx, &m);
        jk_cdp_message_release(&m);
    }
}

int jk_cdp_call(jk_cdp *c, const char *session, const char *method, json_t *params,
                long long deadline_ms, json_t **result, jk_error *err)
{
    if (result)
        *result = NULL;
    long long id = c->next_id++;
    json_t *msg = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method, "params",
                            params ? params : json_object());
    if (!msg)
        return jk_error_set(err, JK_ENOMEM, "%s: cannot build the command", method);
    if (session)
        json_object_set_new(msg, "sessionId", json_string(session));
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return jk_error_set(err, JK_ENOMEM, "%s: cannot build the command", method);
    int rc = send_message(c, text, strlen(text), deadline_ms, method, err);
    free(text);
    jk_cdp_message reply;
    while (!rc) {
        rc = drain(c, id, &reply, err);
        if (rc == JK_OK)
            break;
        if (rc != JK_ENOTFOUND)
            return rc;
        rc = read_some(c, deadline_ms, method, err);
    }
    if (rc)
        return rc;
    if (reply.is_error) {
        rc = jk_error_set(err, JK_EIO, "%s: %s (%ld)", method, reply.error_message,
                          reply.error_code);
    } else if (result) {
        *result = reply.result ? json_incref(reply.result) : json_object();
    }
    jk_cdp_message_release(&reply);
    return rc;
}

int jk_cdp_wait(jk_cdp *c, long long deadline_ms, bool (*done)(void *ctx), void *ctx, jk_error *err)
{
    for (;;) {
        int rc = drain(c, 0, NULL, err);
        if (rc != JK_ENOTFOUND)
            return rc;
        if (done(ctx))
            return JK_OK;
        if ((rc = read_some(c, deadline_ms, "waiting for the page", err)))
            return rc;
    }
}
