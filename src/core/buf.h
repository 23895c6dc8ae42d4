/*
 * buf.h — a growable byte buffer with a hard maximum (git's strbuf, curl's
 * dynbuf). Text travels as (pointer, length); the buffer is always
 * NUL-terminated for convenience but may contain NUL bytes.
 */
#ifndef JK_BUF_H
#define JK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct jk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* appends beyond this fail with JK_ELIMIT; 0 = no limit */
} jk_buf;

void jk_buf_init(jk_buf *b, size_t max);
void jk_buf_release(jk_buf *b);
void jk_buf_reset(jk_buf *b); /* len = 0, keeps storage */
int jk_buf_append(jk_buf *b, const void *data, size_t len);
int jk_buf_putc(jk_buf *b, char c);
int jk_buf_puts(jk_buf *b, const char *s);
int jk_buf_printf(jk_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int jk_buf_vprintf(jk_buf *b, const char *fmt, va_list ap);
/* Append a decimal number. */
int jk_buf_put_uint(jk_buf *b, unsigned long long v);
/* Append x (0 <= x <= 1 expected; clamped) with exactly three decimals,
 * as "0.720": scores are printed for every hit, and printf's float
 * formatting costs more than the scan that found them. */
int jk_buf_put_score(jk_buf *b, double x);
/* Append s as the inside of a JSON string (RFC 8259 §7): quotes, backslash
 * and control characters escaped; invalid UTF-8 bytes become U+FFFD so the
 * output is always valid JSON. */
int jk_buf_json_string(jk_buf *b, const char *s, size_t len);

#endif
