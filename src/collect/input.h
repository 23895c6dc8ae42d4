/*
 * input.h — reading posts (for `junkai scan`, import and collectors): a
 * bounded line reader over a
 * FILE, and parsing one line into an item (plain text or a JSONL object).
 */
#ifndef JK_INPUT_H
#define JK_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

typedef struct jk_line_reader {
    FILE *fp;
    char *buf;
    size_t cap;
    size_t start, end; /* unread bytes are buf[start, end) */
    bool eof;
    unsigned long line_no; /* number of the line last returned */
    size_t max_line;
    unsigned long long total_read; /* bytes read from fp so far */
} jk_line_reader;

/* Bytes of the stream consumed through the end of the last line returned
 * (or skipped): where reading resumes after a restart. */
static inline unsigned long long jk_line_reader_offset(const jk_line_reader *r)
{
    return r->total_read - (r->end - r->start);
}

void jk_line_reader_init(jk_line_reader *r, FILE *fp, size_t max_line);
void jk_line_reader_release(jk_line_reader *r);

/* Next line without its "\n" (and "\r\n"). Returns 1 and sets *line, *len;
 * 0 at end of input; JK_ELIMIT when the line is longer than max_line (it is
 * skipped, line_no names it, and the next call goes on after it);
 * JK_EIO on a read error. *line stays valid until the next call. */
int jk_line_reader_next(jk_line_reader *r, const char **line, size_t *len);

/* The buffered, unread bytes at the start of the stream (reading once if
 * nothing is buffered yet), for sniffing the input kind. */
int jk_line_reader_peek(jk_line_reader *r, const char **data, size_t *len);

typedef enum jk_input_kind {
    JK_INPUT_AUTO,
    JK_INPUT_TEXT,
    JK_INPUT_JSONL,
    JK_INPUT_CSV /* import only: records may span lines */
} jk_input_kind;

/* Guess the kind of a stream from its first non-blank bytes: '{' means
 * JSONL. */
jk_input_kind jk_input_sniff(const char *data, size_t len);

/* One JSONL post: the parsed object (owned; json_decref it) and its text.
 * On error returns JK_EPARSE and writes a message (without place) to msg. */
typedef struct jk_jsonl_item {
    json_t *object;
    const char *text; /* borrowed from object */
    size_t text_len;
} jk_jsonl_item;

int jk_jsonl_parse(const char *line, size_t len, jk_jsonl_item *item, jk_buf *msg);

#endif
