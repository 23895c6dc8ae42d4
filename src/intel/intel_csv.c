/*
 * intel_csv.c — intel lists in CSV (see jk_intel_read_csv): JPCERT/CC's
 * phishing URL list (https://github.com/JPCERTCC/phishurl-list, header
 * `date,URL,description`) and anything with a URL column, or `type,value`
 * rows as `junkai intel export --format csv` writes them.
 *
 * libcsv does the RFC 4180 field parsing. Each physical line is parsed
 * on its own: list records never span lines, and so one broken line
 * (a stray quote) costs that line only, with its exact line number,
 * instead of swallowing the rest of the file into one quoted field.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "intel.h"

enum { COL_NONE = -1, COL_URL, COL_TYPE, COL_VALUE, COL_DATE, COL_DESC, COL_COUNT };
#define MAX_FIELDS 64

typedef struct line_fields {
    jk_buf text;               /* the fields' bytes, each NUL-terminated */
    size_t off[MAX_FIELDS], len[MAX_FIELDS];
    size_t count;              /* fields seen (may exceed MAX_FIELDS) */
    int records;               /* records on this line (1 expected) */
} line_fields;

static void on_field(void *data, size_t len, void *ctx)
{
    line_fields *f = ctx;
    if (f->count < MAX_FIELDS) {
        f->off[f->count] = f->text.len;
        f->len[f->count] = len;
        jk_buf_append(&f->text, data ? data : "", data ? len : 0);
        jk_buf_putc(&f->text, '\0');
    }
    f->count++;
}

static void on_record(int terminator, void *ctx)
{
    (void)terminator;
    ((line_fields *)ctx)->records++;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int name_is(const char *s, size_t n, const char *want)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n != strlen(want))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != want[i])
            return 0;
    return 1;
}

static int column_of(const char *s, size_t n)
{
    if (name_is(s, n, "url"))
        return COL_URL;
    if (name_is(s, n, "type"))
        return COL_TYPE;
    if (name_is(s, n, "value") || name_is(s, n, "indicator"))
        return COL_VALUE;
    if (name_is(s, n, "date") || name_is(s, n, "first_seen") || name_is(s, n, "firstseen"))
        return COL_DATE;
    if (name_is(s, n, "description") || name_is(s, n, "comment") || name_is(s, n, "note"))
        return COL_DESC;
    return COL_NONE;
}

static int digits(const char *s, size_t n, int *v)
{
    if (n == 0 || n > 4)
        return 0;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* "2024/01/31", "2024-1-31", "2024/01/31 10:00:00" → "2024-01-31";
 * 0 when the text is not such a date. */
static int read_date(const char *s, size_t n, char out[16])
{
    while (n && s[n - 1] == ' ')
        n--;
    size_t a = 0;
    while (a < n && s[a] >= '0' && s[a] <= '9')
        a++;
    if (a != 4 || a >= n || (s[a] != '/' && s[a] != '-'))
        return 0;
    char sep = s[a];
    size_t b = a + 1;
    while (b < n && s[b] >= '0' && s[b] <= '9')
        b++;
    if (b >= n || s[b] != sep)
        return 0;
    size_t c = b + 1;
    while (c < n && s[c] >= '0' && s[c] <= '9')
        c++;
    if (c < n && s[c] != ' ' && s[c] != 'T')
        return 0;
    int y, m, d;
    if (!digits(s, 4, &y) || b - a - 1 > 2 || c - b - 1 > 2 || !digits(s + a + 1, b - a - 1, &m) ||
        !digits(s + b + 1, c - b - 1, &d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
    return 1;
}

int jk_intel_read_csv(const char *data, size_t len, const jk_intel_reader *r,
                      jk_intel_read_stats *stats, jk_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (len > JK_INTEL_MAX_FILE)
        return jk_error_set(err, JK_ELIMIT, "%s: larger than %u bytes", r->name, JK_INTEL_MAX_FILE);
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3; /* a UTF-8 byte order mark, as spreadsheet exports write */
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return jk_error_set(err, JK_ENOMEM, "cannot set up the CSV parser");
    line_fields f;
    memset(&f, 0, sizeof f);
    jk_buf_init(&f.text, 0);
    jk_buf where;
    jk_buf_init(&where, 0);
    int map[MAX_FIELDS];
    size_t header_fields = 0, need = 0;
    int have_header = 0, col_index[COL_COUNT];
    int rc = JK_OK;
    unsigned long line_no = 0;
    size_t pos = 0;
    while (pos < len && !rc) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl != NULL);
        line_no++;
        if (n && line[n - 1] == '\r')
            n--;
        size_t blank = 0;
        while (blank < n && (line[blank] == ' ' || line[blank] == '\t'))
            blank++;
        if (blank == n)
            continue;
        jk_buf_reset(&where);
        jk_buf_printf(&where, "%s:%lu", r->name, line_no);

        jk_buf_reset(&f.text);
        f.count = 0;
        f.records = 0;
        int broken = csv_parse(&parser, line, n, on_field, on_record, &f) != n ||
                     csv_fini(&parser, on_field, on_record, &f) != 0;
        if (broken) {
            /* a strict-mode error leaves the parser mid-record: start over */
            csv_free(&parser);
            if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
                rc = jk_error_set(err, JK_ENOMEM, "cannot set up the CSV parser");
                break;
            }
        }
        if (!have_header) {
            if (broken) {
                rc = jk_error_set(err, JK_EPARSE, "%s: the header row is not valid CSV",
                                  where.data);
                break;
            }
            have_header = 1;
            header_fields = f.count < MAX_FIELDS ? f.count : MAX_FIELDS;
            for (int c = 0; c < COL_COUNT; c++)
                col_index[c] = -1;
            for (size_t i = 0; i < header_fields; i++) {
                map[i] = column_of(f.text.data + f.off[i], f.len[i]);
                if (map[i] != COL_NONE && col_index[map[i]] < 0)
                    col_index[map[i]] = (int)i;
            }
            if (col_index[COL_URL] < 0 && (col_index[COL_TYPE] < 0 || col_index[COL_VALUE] < 0)) {
                rc = jk_error_set(err, JK_EPARSE,
                                  "%s: the header names no \"URL\" column (nor \"type\" and "
                                  "\"value\" columns)",
                                  where.data);
                break;
            }
            for (int c = 0; c < COL_COUNT; c++)
                if (c != COL_DESC && col_index[c] >= 0 && (size_t)col_index[c] + 1 > need)
                    need = (size_t)col_index[c] + 1;
            continue;
        }
        stats->objects++;
        const char *why = NULL;
        char whybuf[96];
        if (broken) {
            why = "not valid CSV (a stray or unterminated quote)";
        } else if (f.count < need) {
            snprintf(whybuf, sizeof whybuf, "expected at least %zu fields, found %zu", need,
                     f.count);
            why = whybuf;
        }
        char date[16];
        const char *first_seen = NULL;
        if (!why && col_index[COL_DATE] >= 0) {
            size_t k = (size_t)col_index[COL_DATE];
            if (f.len[k] && !read_date(f.text.data + f.off[k], f.len[k], date)) {
                snprintf(whybuf, sizeof whybuf, "date \"%.40s\" is not YYYY/MM/DD or YYYY-MM-DD",
                         f.text.data + f.off[k]);
                why = whybuf;
            } else if (f.len[k]) {
                first_seen = date;
            }
        }
        if (why) {
            stats->skipped++;
            if (r->skip)
                r->skip(r->ctx, where.data, why);
            continue;
        }
        jk_intel_raw raw;
        memset(&raw, 0, sizeof raw);
        size_t vk;
        if (col_index[COL_URL] >= 0) {
            raw.type = "url";
            vk = (size_t)col_index[COL_URL];
        } else {
            raw.type = f.text.data + f.off[col_index[COL_TYPE]];
            vk = (size_t)col_index[COL_VALUE];
        }
        raw.value = f.text.data + f.off[vk];
        raw.value_len = f.len[vk];
        raw.first_seen = first_seen;
        if (col_index[COL_DESC] >= 0 && (size_t)col_index[COL_DESC] < f.count &&
            f.len[col_index[COL_DESC]])
            raw.description = f.text.data + f.off[col_index[COL_DESC]];
        raw.where = where.data;
        stats->values++;
        rc = r->raw(r->ctx, &raw);
    }
    if (!rc && !have_header)
        rc = jk_error_set(err, JK_EPARSE, "%s: empty file (no header row)", r->name);
    csv_free(&parser);
    jk_buf_release(&f.text);
    jk_buf_release(&where);
    return rc;
}
