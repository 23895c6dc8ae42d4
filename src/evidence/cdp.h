/*
 * cdp.h — a small Chrome DevTools Protocol client over
 * --remote-debugging-pipe: JSON messages separated by NUL bytes on a pair
 * of descriptors (the browser reads fd 3, writes fd 4), no WebSocket.
 * Commands carry an id and get one reply with that id; everything else is
 * an event, handed to a callback while a reply is awaited.
 *
 * The reader (jk_cdp_reader) takes the browser's bytes, which are outside
 * input like any page's content (titles, DOM, URLs travel in them): a
 * message is bounded, a malformed one is skipped with an error, never
 * trusted. It is fuzzed (fuzz/fuzz_cdp.c).
 */
#ifndef JK_CDP_H
#define JK_CDP_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

/* ---- the reader ---- */

typedef struct jk_cdp_reader {
    jk_buf buf;
    size_t start;   /* where the next message begins */
    size_t scanned; /* bytes from start already searched for a NUL */
    size_t max;     /* the largest message accepted */
} jk_cdp_reader;

/* One message; root owned (jk_cdp_message_release), the rest borrowed
 * from it. */
typedef struct jk_cdp_message {
    json_t *root;
    long long id;           /* a reply's id; 0 for an event */
    const char *method;     /* an event's method; NULL for a reply */
    const char *session_id; /* NULL: the browser's own session */
    json_t *result;         /* a reply's result (NULL on error) */
    json_t *params;         /* an event's params (may be NULL) */
    bool is_error;
    long error_code;
    const char *error_message;
} jk_cdp_message;

void jk_cdp_reader_init(jk_cdp_reader *r, size_t max_message);
void jk_cdp_reader_release(jk_cdp_reader *r);
/* Take bytes; JK_ELIMIT when the message being read grows past max. */
int jk_cdp_reader_feed(jk_cdp_reader *r, const void *data, size_t len, jk_error *err);
/* The next complete message: JK_OK (m filled), JK_ENOTFOUND (none yet),
 * JK_EPARSE (one malformed message consumed; call again). */
int jk_cdp_reader_next(jk_cdp_reader *r, jk_cdp_message *m, jk_error *err);
void jk_cdp_message_release(jk_cdp_message *m);

/* ---- the connection ---- */

typedef void (*jk_cdp_event_fn)(void *ctx, const jk_cdp_message *event);

typedef struct jk_cdp {
    int fd; /* a socket: commands out, messages in */
    jk_cdp_reader reader;
    long long next_id;
    jk_cdp_event_fn on_event;
    void *event_ctx;
    volatile sig_atomic_t *stop; /* when set and nonzero: waits end early */
} jk_cdp;

void jk_cdp_init(jk_cdp *c, int fd, size_t max_message);
void jk_cdp_release(jk_cdp *c);

/* Send method (params stolen; NULL for none) to a session (NULL: the
 * browser) and wait until deadline_ms (CLOCK_MONOTONIC milliseconds) for
 * its reply; *result gets a new reference to the reply's result when
 * result is not NULL. JK_ENET on timeout, JK_EIO when the browser closed
 * the pipe or answered with an error (err names the method). */
int jk_cdp_call(jk_cdp *c, const char *session, const char *method, json_t *params,
                long long deadline_ms, json_t **result, jk_error *err);

/* Read and dispatch events until done(ctx) is true (JK_OK) or the
 * deadline passes (JK_ENET). */
int jk_cdp_wait(jk_cdp *c, long long deadline_ms, bool (*done)(void *ctx), void *ctx,
                jk_error *err);

/* CLOCK_MONOTONIC in milliseconds, the clock of every deadline above. */
long long jk_cdp_now_ms(void);

#endif
