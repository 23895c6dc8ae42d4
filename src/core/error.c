/*
 * error.c — filling jk_error records (see junkai/error.h).
 */
#include "junkai/error.h"

#include <stdarg.h>
#include <stdio.h>

int jk_error_set(jk_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void jk_error_clear(jk_error *err)
{
    if (err) {
        err->code = JK_OK;
        err->message[0] = '\0';
    }
}

const char *jk_strerror(int code)
{
    switch (code) {
    case JK_OK: return "ok";
    case JK_ENOMEM: return "out of memory";
    case JK_EINVAL: return "invalid argument";
    case JK_EIO: return "input/output error";
    case JK_EPARSE: return "parse error";
    case JK_ELIMIT: return "limit exceeded";
    case JK_ECOMPILE: return "pattern compilation failed";
    case JK_ESCAN: return "scan failed";
    case JK_ENOTFOUND: return "not found";
    case JK_ENET: return "network error";
    case JK_EDENIED: return "refused by policy";
    default: return "unknown error";
    }
}
