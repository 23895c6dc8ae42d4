/*
 * input.c — bounded line reading and JSONL post parsing for `junkai scan`.
 *
 * Streams: memory stays bounded by the longest allowed line (plus the read
 * chunk) however large the input, so a 1 GB file is never slurped.
 */
#include "input.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/error.h"

#define READ_CHUNK (1u << 20)

void jk_line_reader_init(jk_line_reader *r, FILE *fp, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->fp = fp;
    r->max_line = max_line;
}

void jk_line_reader_release(jk_line_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Read more input after the unread bytes; returns bytes read, 0 at EOF,
 * -1 on error. */
static long fill(jk_line_reader *r)
{
    if (r->eof)
        return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < READ_CHUNK) {
        r->cap = r->end + READ_CHUNK;
        r->buf = jk_realloc(r->buf, r->cap);
    }
    size_t n = fread(r->buf + r->end, 1, r->cap - r->end, r->fp);
    if (n == 0) {
        if (ferror(r->fp))
            return -1;
        r->eof = true;
        return 0;
    }
    r->end += n;
    r->total_read += n;
    return (long)n;
}

/* Drop input up to and including the next newline (rest of a long line). */
static int skip_rest_of_line(jk_line_reader *r)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            return 0;
        }
        r->start = r->end;
        long n = fill(r);
        if (n < 0)
            return JK_EIO;
        if (n == 0)
            return 0;
    }
}

int jk_line_reader_next(jk_line_reader *r, const char **line, size_t *len)
{
    size_t scanned = 0; /* bytes already searched for a newline */
    for (;;) {
        /* (no buffer until the first fill: NULL + 0 is undefined in C) */
        char *base = r->buf ? r->buf + r->start : NULL;
        size_t avail = r->end - r->start;
        char *nl = avail > scanned ? memchr(base + scanned, '\n', avail - scanned) : NULL;
        if (nl || (r->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - base) : avail;
            r->start += nl ? n + 1 : n;
            r->line_no++;
            if (n > r->max_line)
                return JK_ELIMIT;
            if (n > 0 && base[n - 1] == '\r')
                n--;
            /* a UTF-8 byte order mark starts some exported files */
            if (r->line_no == 1 && n >= 3 && memcmp(base, "\xEF\xBB\xBF", 3) == 0) {
                base += 3;
                n -= 3;
            }
            *line = base;
            *len = n;
            return 1;
        }
        if (r->eof)
            return 0;
        if (avail > r->max_line) {
            /* Too long: the line is dropped without ever being held whole. */
            r->line_no++;
            int rc = skip_rest_of_line(r);
            return rc ? rc : JK_ELIMIT;
        }
        scanned = avail;
        long got = fill(r);
        if (got < 0)
            return JK_EIO;
    }
}

int jk_line_reader_peek(jk_line_reader *r, const char **data, size_t *len)
{
    if (r->end == r->start && fill(r) < 0)
        return JK_EIO;
    *data = r->buf ? r->buf + r->start : "";
    *len = r->end - r->start;
    return JK_OK;
}

jk_input_kind jk_input_sniff(const char *data, size_t len)
{
    size_t i = 0;
    /* skip a UTF-8 byte order mark */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < len; i++) {
        char c = data[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{' ? JK_INPUT_JSONL : JK_INPUT_TEXT;
    }
    return JK_INPUT_TEXT;
}

int jk_jsonl_parse(const char *line, size_t len, jk_jsonl_item *item, jk_buf *msg)
{
    json_error_t jerr;
    memset(item, 0, sizeof *item);
    /* JSON_REJECT_DUPLICATES: two "text" fields would make what is shown and
     * what is scanned ambiguous. */
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!obj) {
        jk_buf_printf(msg, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return JK_EPARSE;
    }
    if (!json_is_object(obj)) {
        jk_buf_puts(msg, "a post must be a JSON object");
        goto fail;
    }
    json_t *id = json_object_get(obj, "id");
    if (!id || !(json_is_string(id) || json_is_integer(id))) {
        jk_buf_puts(msg, "a post needs an \"id\" (string or integer)");
        goto fail;
    }
    json_t *text = json_object_get(obj, "text");
    if (!text || !json_is_string(text)) {
        jk_buf_puts(msg, "a post needs a \"text\" string");
        goto fail;
    }
    item->object = obj;
    item->text = json_string_value(text);
    item->text_len = json_string_length(text);
    return JK_OK;
fail:
    json_decref(obj);
    return JK_EPARSE;
}
