/*
 * csv_posts.c — CSV records to posts (see csv_posts.h). libcsv does the
 * RFC 4180 parsing; this file maps the header's column names and bounds
 * field sizes.
 */
#include "csv_posts.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/limits.h"

enum { COL_ID, COL_TEXT, COL_PLATFORM, COL_URL, COL_AUTHOR, COL_POSTED_AT, COL_LANG, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"id", "text", "platform", "url",
                                                    "author", "posted_at", "lang"};

typedef struct reader {
    int map[64]; /* field index -> column, or -1 */
    size_t field;
    unsigned long record;
    char *values[COL_COUNT];
    size_t lengths[COL_COUNT];
    bool header_done, stop, too_big, bad_header;
    jk_csv_post_fn post;
    jk_csv_bad_fn bad;
    void *ctx;
} reader;

static void on_field(void *data, size_t len, void *p)
{
    reader *r = p;
    size_t f = r->field++;
    if (len > JK_MAX_TEXT_BYTES) {
        r->too_big = true;
        return;
    }
    if (!r->header_done) {
        if (f < 64) {
            r->map[f] = -1;
            for (int c = 0; c < COL_COUNT; c++)
                if (strlen(column_names[c]) == len && memcmp(column_names[c], data, len) == 0)
                    r->map[f] = c;
        }
        return;
    }
    if (f >= 64 || r->map[f] < 0)
        return;
    int c = r->map[f];
    free(r->values[c]);
    r->values[c] = jk_strndup(data ? data : "", data ? len : 0);
    r->lengths[c] = data ? len : 0;
}

static void on_record(int terminator, void *p)
{
    (void)terminator;
    reader *r = p;
    r->record++;
    r->field = 0;
    if (!r->header_done) {
        r->header_done = true;
        bool has_id = false, has_text = false;
        for (int i = 0; i < 64; i++) {
            has_id |= r->map[i] == COL_ID;
            has_text |= r->map[i] == COL_TEXT;
        }
        if (!has_id || !has_text)
            r->bad_header = r->stop = true;
        return;
    }
    if (r->stop)
        return;
    if (r->too_big) {
        r->bad(r->ctx, r->record, "a field is longer than the limit");
        r->too_big = false;
    } else if (!r->values[COL_ID] || !r->values[COL_ID][0] || !r->values[COL_TEXT]) {
        r->bad(r->ctx, r->record, "a post needs an \"id\" and a \"text\"");
    } else {
        jk_item_in item;
        memset(&item, 0, sizeof item);
        item.external_id = r->values[COL_ID];
        item.text = r->values[COL_TEXT];
        item.text_len = r->lengths[COL_TEXT];
        item.platform = r->values[COL_PLATFORM] && r->values[COL_PLATFORM][0]
                            ? r->values[COL_PLATFORM] : NULL;
        item.url = r->values[COL_URL];
        item.author = r->values[COL_AUTHOR];
        item.posted_at = r->values[COL_POSTED_AT];
        item.lang = r->values[COL_LANG];
        if (r->post(r->ctx, &item, r->record))
            r->stop = true;
    }
    for (int c = 0; c < COL_COUNT; c++) {
        free(r->values[c]);
        r->values[c] = NULL;
        r->lengths[c] = 0;
    }
}

int jk_csv_posts(FILE *fp, jk_csv_post_fn post, jk_csv_bad_fn bad, void *ctx, jk_error *err)
{
    struct csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0)
        return jk_error_set(err, JK_ENOMEM, "cannot start the CSV parser");
    reader r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 64; i++)
        r.map[i] = -1;
    r.post = post;
    r.bad = bad;
    r.ctx = ctx;
    int rc = JK_OK;
    char buf[1 << 16];
    size_t n;
    while (!r.stop && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (csv_parse(&parser, buf, n, on_field, on_record, &r) != n) {
            rc = jk_error_set(err, JK_EPARSE, "CSV record %lu: %s", r.record + 1,
                              csv_strerror(csv_error(&parser)));
            break;
        }
    }
    if (!rc && !r.stop && csv_fini(&parser, on_field, on_record, &r) != 0)
        rc = jk_error_set(err, JK_EPARSE, "CSV record %lu: %s", r.record + 1,
                          csv_strerror(csv_error(&parser)));
    if (r.bad_header)
        rc = jk_error_set(err, JK_EPARSE,
                          "the CSV header must name an \"id\" and a \"text\" column");
    for (int c = 0; c < COL_COUNT; c++)
        free(r.values[c]);
    csv_free(&parser);
    return rc;
}
