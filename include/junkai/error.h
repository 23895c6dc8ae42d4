/*
 * error.h — status codes and the error record every libjunkai call fills.
 *
 * Functions that can fail return 0 or a negative JK_E… code and, when the
 * caller passes a jk_error, write a message a user can read, naming the
 * place (file:line, item id) where there is one. The struct is plain data
 * owned by the caller; no allocation happens on the error path.
 */
#ifndef JUNKAI_ERROR_H
#define JUNKAI_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    JK_OK = 0,
    JK_ENOMEM = -1,   /* allocation failed */
    JK_EINVAL = -2,   /* bad argument from the caller */
    JK_EIO = -3,      /* reading or writing failed */
    JK_EPARSE = -4,   /* input could not be parsed */
    JK_ELIMIT = -5,   /* input exceeds a hard limit (see limits.h) */
    JK_ECOMPILE = -6, /* pattern database could not be built */
    JK_ESCAN = -7,    /* the matcher failed at run time */
    JK_ENOTFOUND = -8, /* a named thing does not exist */
    JK_ENET = -9,      /* a network fetch failed (DNS, connect, TLS, timeout, HTTP status) */
    JK_EDENIED = -10   /* refused by policy: private address, robots.txt, scheme */
};

#define JK_ERROR_MESSAGE_MAX 1024

typedef struct jk_error {
    int code;
    char message[JK_ERROR_MESSAGE_MAX];
} jk_error;

/* Record code and a printf-style message in err (which may be NULL) and
 * return code, so callers can write `return jk_error_set(err, ...)`. */
int jk_error_set(jk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reset err (may be NULL) to JK_OK with an empty message. */
void jk_error_clear(jk_error *err);

/* A short fixed name for a status code ("out of memory", …). */
const char *jk_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
