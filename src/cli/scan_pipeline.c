/*
 * scan_pipeline.c — the reading, scanning and writing loop of `junkai scan`.
 *
 * Input is cut into batches (up to BATCH_ITEMS lines or BATCH_BYTES bytes,
 * never across files). With one thread a batch is scanned and written in
 * turn. With N threads the main thread reads and writes while N workers
 * scan; batches live in a ring of slots and are written strictly in input
 * order, so output is identical whatever the thread count. Memory is bounded
 * by the ring (slots × batch size), never by the input size.
 */
#include "scan_pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "junkai/limits.h"

#define BATCH_ITEMS 2048
#define BATCH_BYTES (1u << 20)

typedef enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_TAKEN, SLOT_DONE } slot_state;

typedef struct batch {
    const char *file; /* display name; NULL for stdin */
    jk_input_kind kind;
    jk_buf data;
    size_t *off, *len;
    unsigned long *line;
    size_t count, cap;
    jk_buf out, err;
    jk_scan_totals totals;
    slot_state state;
} batch;

/* Where reading stands across the list of inputs. */
typedef struct input_cursor {
    char **files;
    size_t file_count, next_file;
    bool use_stdin;
    FILE *fp;
    const char *name;
    jk_input_kind kind;
    jk_line_reader reader;
    bool open;
    FILE *err;
    jk_scan_totals *totals;
    jk_input_kind forced;
} input_cursor;

typedef struct worker_ctx {
    const jk_engine *eng;
    const jk_scan_options *opt;
    jk_scan_scratch *scratch;
    jk_filtered_hits filtered;
    jk_indicator_list indicators;
    jk_intel_hits intel_hits;
} worker_ctx;

static void batch_release(batch *b)
{
    jk_buf_release(&b->data);
    jk_buf_release(&b->out);
    jk_buf_release(&b->err);
    free(b->off);
    free(b->len);
    free(b->line);
}

static void note_skipped(jk_scan_totals *t, const char *file, unsigned long line)
{
    if (t->skipped++ == 0)
        snprintf(t->first_skipped, sizeof t->first_skipped, "%s:%lu", file ? file : "(stdin)",
                 line);
}

/* Open the next input; false when there is none left. */
static bool cursor_open_next(input_cursor *c)
{
    while (!c->open) {
        const char *path;
        if (c->use_stdin) {
            if (c->next_file > 0)
                return false;
            c->next_file = 1;
            path = "-";
        } else {
            if (c->next_file >= c->file_count)
                return false;
            path = c->files[c->next_file++];
        }
        if (strcmp(path, "-") == 0) {
            c->fp = stdin;
            c->name = c->use_stdin ? NULL : "(stdin)";
        } else {
            c->fp = fopen(path, "rb");
            if (!c->fp) {
                fprintf(c->err, "junkai: %s: %s\n", path, strerror(errno));
                c->totals->error = true;
                continue;
            }
            c->name = path;
        }
        jk_line_reader_init(&c->reader, c->fp, JK_MAX_LINE_BYTES);
        c->kind = c->forced;
        if (c->kind == JK_INPUT_AUTO) {
            const char *head;
            size_t n;
            if (jk_line_reader_peek(&c->reader, &head, &n) == JK_OK)
                c->kind = jk_input_sniff(head, n);
            else
                c->kind = JK_INPUT_TEXT;
        }
        c->open = true;
    }
    return true;
}

static void cursor_close(input_cursor *c)
{
    if (!c->open)
        return;
    if (c->fp != stdin)
        fclose(c->fp);
    jk_line_reader_release(&c->reader);
    c->open = false;
}

/* Fill b with the next lines of the current input. Returns false when all
 * input is consumed and b is empty. */
static bool fill_batch(input_cursor *c, batch *b)
{
    b->count = 0;
    jk_buf_reset(&b->data);
    jk_buf_reset(&b->out);
    jk_buf_reset(&b->err);
    memset(&b->totals, 0, sizeof b->totals);
    for (;;) {
        if (!cursor_open_next(c))
            return b->count > 0;
        b->file = c->name;
        b->kind = c->kind;
        while (b->count < BATCH_ITEMS && b->data.len < BATCH_BYTES) {
            const char *line;
            size_t len;
            int rc = jk_line_reader_next(&c->reader, &line, &len);
            if (rc == 1) {
                if (b->count == b->cap) {
                    b->cap = b->cap ? b->cap * 2 : 256;
                    b->off = jk_reallocarray(b->off, b->cap, sizeof *b->off);
                    b->len = jk_reallocarray(b->len, b->cap, sizeof *b->len);
                    b->line = jk_reallocarray(b->line, b->cap, sizeof *b->line);
                }
                b->off[b->count] = b->data.len;
                b->len[b->count] = len;
                b->line[b->count] = c->reader.line_no;
                b->count++;
                jk_buf_append(&b->data, line, len);
            } else if (rc == JK_ELIMIT) {
                jk_buf_printf(&b->err, "junkai: %s:%lu: line longer than %u bytes, skipped\n",
                              c->name ? c->name : "(stdin)", c->reader.line_no,
                              (unsigned)JK_MAX_LINE_BYTES);
                note_skipped(&b->totals, c->name, c->reader.line_no);
            } else if (rc == JK_EIO) {
                jk_buf_printf(&b->err, "junkai: %s: read error\n", c->name ? c->name : "(stdin)");
                b->totals.error = true;
                cursor_close(c);
                return true;
            } else {
                cursor_close(c);
                return true; /* a batch never spans two inputs */
            }
        }
        return true;
    }
}

static void filter_hits(const jk_scan_options *opt, const jk_scan_result *res,
                        jk_filtered_hits *f)
{
    f->count = 0;
    memset(f->category_score, 0, sizeof f->category_score);
    for (size_t i = 0; i < res->hit_count; i++) {
        const jk_hit *h = &res->hits[i];
        if (opt->has_category_filter && !opt->category_wanted[h->category])
            continue;
        if (h->score < opt->min_score)
            continue;
        jk_grow((void **)&f->hits, &f->cap, f->count + 1, sizeof *f->hits);
        f->hits[f->count++] = h;
        double *cs = &f->category_score[h->category];
        *cs = 1.0 - (1.0 - *cs) * (1.0 - h->score);
    }
}

/* Intel hits join the filtered rule hits under the same filters. */
static void add_intel_hits(const jk_scan_options *opt, const jk_intel_hits *ih,
                           jk_filtered_hits *f)
{
    for (size_t i = 0; i < ih->count; i++) {
        const jk_hit *h = &ih->hits[i];
        if ((opt->has_category_filter && !opt->category_wanted[h->category]) ||
            h->score < opt->min_score)
            continue;
        jk_grow((void **)&f->hits, &f->cap, f->count + 1, sizeof *f->hits);
        f->hits[f->count++] = h;
        double *cs = &f->category_score[h->category];
        *cs = 1.0 - (1.0 - *cs) * (1.0 - h->score);
    }
}

static void process_batch(worker_ctx *w, batch *b)
{
    const jk_scan_options *opt = w->opt;
    jk_buf msg;
    jk_buf_init(&msg, 4096);
    for (size_t i = 0; i < b->count; i++) {
        const char *line = b->data.data + b->off[i];
        size_t len = b->len[i];
        jk_item_ref item = {b->file, b->line[i], line, len, NULL, NULL};
        jk_jsonl_item parsed = {0};
        if (b->kind == JK_INPUT_JSONL) {
            size_t k = 0;
            while (k < len && (line[k] == ' ' || line[k] == '\t'))
                k++;
            if (k == len)
                continue; /* blank line between objects */
            jk_buf_reset(&msg);
            if (jk_jsonl_parse(line, len, &parsed, &msg) != JK_OK) {
                jk_buf_printf(&b->err, "junkai: %s:%lu: %s; line skipped\n",
                              b->file ? b->file : "(stdin)", b->line[i], msg.data);
                note_skipped(&b->totals, b->file, b->line[i]);
                continue;
            }
            item.object = parsed.object;
            item.text = parsed.text;
            item.text_len = parsed.text_len;
        } else if (len == 0) {
            continue;
        }

        jk_scan_result res;
        jk_error err;
        if (jk_scanner_scan(w->eng->scanner, w->scratch, item.text, item.text_len, &res, &err)) {
            jk_buf_printf(&b->err, "junkai: %s:%lu: %s; item skipped\n",
                          b->file ? b->file : "(stdin)", b->line[i], err.message);
            note_skipped(&b->totals, b->file, b->line[i]);
            json_decref(parsed.object);
            continue;
        }
        b->totals.items++;
        filter_hits(opt, &res, &w->filtered);
        bool extracted = false;
        if (jk_intel_entry_count(opt->intel)) {
            /* lists loaded: every item's indicators are looked up */
            jk_indicator_list_release(&w->indicators);
            jk_error ignored;
            jk_indicators_extract(item.text, item.text_len, &w->indicators, &ignored);
            extracted = true;
            jk_intel_match(opt->intel, &w->indicators, &w->intel_hits);
            add_intel_hits(opt, &w->intel_hits, &w->filtered);
        }
        if (w->filtered.count) {
            b->totals.hit_items++;
            for (int c = 0; c < JK_CATEGORY_COUNT; c++)
                b->totals.category_items[c] += w->filtered.category_score[c] > 0;
        }
        if (w->filtered.count || !opt->only_hits) {
            /* only for what is printed: --only-hits skips the rest */
            if (!extracted) {
                jk_indicator_list_release(&w->indicators);
                jk_error ignored;
                jk_indicators_extract(item.text, item.text_len, &w->indicators, &ignored);
            }
            item.indicators = &w->indicators;
            if (opt->format == JK_FORMAT_JSONL)
                jk_output_jsonl(&b->out, &item, &w->filtered);
            else
                jk_output_text(&b->out, &item, &w->filtered, w->eng->rules, opt->color);
        }
        json_decref(parsed.object);
    }
    jk_buf_release(&msg);
}

static void merge_totals(jk_scan_totals *into, const jk_scan_totals *t)
{
    if (into->skipped == 0 && t->skipped > 0)
        memcpy(into->first_skipped, t->first_skipped, sizeof into->first_skipped);
    into->items += t->items;
    into->hit_items += t->hit_items;
    into->skipped += t->skipped;
    into->error |= t->error;
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        into->category_items[c] += t->category_items[c];
}

static void write_batch(batch *b, FILE *out, FILE *err, jk_scan_totals *totals)
{
    if (b->err.len)
        fwrite(b->err.data, 1, b->err.len, err);
    if (b->out.len && fwrite(b->out.data, 1, b->out.len, out) != b->out.len)
        totals->error = true;
    merge_totals(totals, &b->totals);
}

/* ---- threads ------------------------------------------------------------ */

typedef struct ring {
    batch *slots;
    size_t slot_count;
    size_t next_take; /* sequence number of the next batch a worker takes */
    size_t next_seq;  /* sequence number of the next batch to fill */
    bool quit;
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* a slot became FILLED, or quit */
    pthread_cond_t work_done;  /* a slot became DONE */
} ring;

typedef struct worker {
    pthread_t thread;
    ring *ring;
    worker_ctx ctx;
} worker;

static void *worker_main(void *arg)
{
    worker *wk = arg;
    ring *r = wk->ring;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->quit && (r->next_take == r->next_seq ||
                            r->slots[r->next_take % r->slot_count].state != SLOT_FILLED))
            pthread_cond_wait(&r->work_ready, &r->lock);
        if (r->next_take == r->next_seq && r->quit)
            break;
        batch *b = &r->slots[r->next_take % r->slot_count];
        if (b->state != SLOT_FILLED)
            continue;
        r->next_take++;
        b->state = SLOT_TAKEN;
        pthread_mutex_unlock(&r->lock);
        process_batch(&wk->ctx, b);
        pthread_mutex_lock(&r->lock);
        b->state = SLOT_DONE;
        pthread_cond_signal(&r->work_done);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void run_threaded(const jk_engine *eng, const jk_scan_options *opt, input_cursor *cur,
                         FILE *out, FILE *err, jk_scan_totals *totals, worker_ctx *ctxs)
{
    ring r;
    memset(&r, 0, sizeof r);
    r.slot_count = (size_t)opt->threads * 2 + 2;
    r.slots = jk_calloc(r.slot_count, sizeof *r.slots);
    for (size_t i = 0; i < r.slot_count; i++) {
        jk_buf_init(&r.slots[i].data, 0);
        jk_buf_init(&r.slots[i].out, 0);
        jk_buf_init(&r.slots[i].err, 0);
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.work_ready, NULL);
    pthread_cond_init(&r.work_done, NULL);

    worker *workers = jk_calloc(opt->threads, sizeof *workers);
    unsigned started = 0;
    for (unsigned i = 0; i < opt->threads; i++) {
        workers[i].ring = &r;
        workers[i].ctx = ctxs[i];
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            break;
        started++;
    }
    if (started == 0) {
        fprintf(err, "junkai: cannot start scanning threads\n");
        totals->error = true;
    }

    size_t next_write = 0;
    bool input_done = started == 0;
    pthread_mutex_lock(&r.lock);
    for (;;) {
        bool progress = false;
        batch *w = &r.slots[next_write % r.slot_count];
        while (next_write < r.next_seq && w->state == SLOT_DONE) {
            pthread_mutex_unlock(&r.lock);
            write_batch(w, out, err, totals);
            pthread_mutex_lock(&r.lock);
            w->state = SLOT_FREE;
            next_write++;
            w = &r.slots[next_write % r.slot_count];
            progress = true;
        }
        batch *f = &r.slots[r.next_seq % r.slot_count];
        if (!input_done && f->state == SLOT_FREE) {
            pthread_mutex_unlock(&r.lock);
            bool more = fill_batch(cur, f);
            pthread_mutex_lock(&r.lock);
            if (more) {
                f->state = SLOT_FILLED;
                r.next_seq++;
                pthread_cond_signal(&r.work_ready);
            } else {
                input_done = true;
            }
            progress = true;
        }
        if (input_done && next_write == r.next_seq)
            break;
        if (!progress)
            pthread_cond_wait(&r.work_done, &r.lock);
    }
    r.quit = true;
    pthread_cond_broadcast(&r.work_ready);
    pthread_mutex_unlock(&r.lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    for (unsigned i = 0; i < opt->threads; i++)
    {
        ctxs[i].filtered = workers[i].ctx.filtered;
        ctxs[i].indicators = workers[i].ctx.indicators;
        ctxs[i].intel_hits = workers[i].ctx.intel_hits;
    }

    for (size_t i = 0; i < r.slot_count; i++)
        batch_release(&r.slots[i]);
    free(r.slots);
    free(workers);
    pthread_cond_destroy(&r.work_done);
    pthread_cond_destroy(&r.work_ready);
    pthread_mutex_destroy(&r.lock);
}

void jk_scan_files(const jk_engine *eng, const jk_scan_options *opt, char **files,
                   size_t file_count, FILE *out, FILE *err, jk_scan_totals *totals)
{
    memset(totals, 0, sizeof *totals);
    input_cursor cur;
    memset(&cur, 0, sizeof cur);
    cur.files = files;
    cur.file_count = file_count;
    cur.use_stdin = file_count == 0;
    cur.err = err;
    cur.totals = totals;
    cur.forced = opt->input;

    unsigned nthreads = opt->threads ? opt->threads : 1;
    worker_ctx *ctxs = jk_calloc(nthreads, sizeof *ctxs);
    for (unsigned i = 0; i < nthreads; i++) {
        jk_error e;
        ctxs[i].eng = eng;
        ctxs[i].opt = opt;
        jk_intel_hits_init(&ctxs[i].intel_hits);
        if (jk_scan_scratch_new(eng->scanner, &ctxs[i].scratch, &e)) {
            fprintf(err, "junkai: %s\n", e.message);
            totals->error = true;
            nthreads = i;
            break;
        }
    }

    if (nthreads == 1) {
        batch b;
        memset(&b, 0, sizeof b);
        while (fill_batch(&cur, &b)) {
            process_batch(&ctxs[0], &b);
            write_batch(&b, out, err, totals);
        }
        batch_release(&b);
    } else if (nthreads > 1) {
        jk_scan_options threaded = *opt;
        threaded.threads = nthreads;
        run_threaded(eng, &threaded, &cur, out, err, totals, ctxs);
    }
    cursor_close(&cur);
    fflush(out);
    for (unsigned i = 0; i < (opt->threads ? opt->threads : 1); i++) {
        jk_scan_scratch_free(ctxs[i].scratch);
        free(ctxs[i].filtered.hits);
        jk_indicator_list_release(&ctxs[i].indicators);
        jk_intel_hits_release(&ctxs[i].intel_hits);
    }
    free(ctxs);
}
