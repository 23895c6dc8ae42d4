/*
 * buf.c — growable byte buffer with a hard maximum (see buf.h).
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/error.h"
#include "utf8.h"

void jk_buf_init(jk_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void jk_buf_release(jk_buf *b)
{
    free(b->data);
    jk_buf_init(b, b->max);
}

void jk_buf_reset(jk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(jk_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return JK_ELIMIT;
    size_t need = b->len + extra;
    if (b->max && need > b->max)
        return JK_ELIMIT;
    if (need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need + 1)
            cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
        b->data = jk_realloc(b->data, cap);
        b->cap = cap;
    }
    return JK_OK;
}

int jk_buf_append(jk_buf *b, const void *data, size_t len)
{
    int rc = reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return JK_OK;
}

int jk_buf_putc(jk_buf *b, char c)
{
    return jk_buf_append(b, &c, 1);
}

int jk_buf_puts(jk_buf *b, const char *s)
{
    return jk_buf_append(b, s, strlen(s));
}

int jk_buf_vprintf(jk_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return JK_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return JK_OK;
}

int jk_buf_printf(jk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = jk_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int jk_buf_put_uint(jk_buf *b, unsigned long long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return jk_buf_append(b, tmp + sizeof tmp - n, n);
}

int jk_buf_put_score(jk_buf *b, double x)
{
    if (!(x > 0))
        x = 0;
    if (x > 1)
        x = 1;
    unsigned thousandths = (unsigned)(x * 1000.0 + 0.5);
    char tmp[5] = {(char)('0' + thousandths / 1000), '.', (char)('0' + thousandths / 100 % 10),
                   (char)('0' + thousandths / 10 % 10), (char)('0' + thousandths % 10)};
    return jk_buf_append(b, tmp, sizeof tmp);
}

int jk_buf_json_string(jk_buf *b, const char *str, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;
    int rc = reserve(b, len + 2);
    if (rc)
        return rc;
    while (i < len) {
        unsigned char c = s[i];
        /* Fast path: copy runs of bytes that need no escaping. */
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            run++;
            continue;
        }
        if (run && (rc = jk_buf_append(b, s + i - run, run)))
            return rc;
        run = 0;
        if (c >= 0x80) {
            int32_t cp;
            size_t n = jk_utf8_decode(s + i, len - i, &cp);
            if (n) {
                rc = jk_buf_append(b, s + i, n);
                i += n;
            } else {
                rc = jk_buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            }
        } else {
            char esc[7];
            size_t elen = 2;
            esc[0] = '\\';
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            }
            rc = jk_buf_append(b, esc, elen);
            i++;
        }
        if (rc)
            return rc;
    }
    if (run)
        return jk_buf_append(b, s + i - run, run);
    return JK_OK;
}
