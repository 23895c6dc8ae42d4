/*
 * utf8.h — the one strict UTF-8 decoder of libjunkai (RFC 3629), shared by
 * the normalizer and the JSON writer so both agree on what is invalid.
 * Internal header.
 */
#ifndef JK_UTF8_H
#define JK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 character at s[0..avail); returns its length, or 0 for
 * an invalid byte (RFC 3629: no overlongs, surrogates or values past
 * U+10FFFF). */
static inline size_t jk_utf8_decode(const unsigned char *s, size_t avail, int32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0;
        *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* Is s[0..len) entirely valid UTF-8? */
static inline int jk_utf8_valid(const unsigned char *s, size_t len)
{
    int32_t cp;
    for (size_t i = 0; i < len;) {
        size_t n = jk_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

#endif
