/*
 * output.c — JSONL and human-readable rendering of scanned items.
 *
 * JSON is written by hand for hits (jk_buf_json_string does the escaping):
 * this runs once per input item on the hot path of `junkai scan`, where
 * building jansson trees per hit would cost more than the scan itself.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/taxonomy.h"

static double max_score(const jk_filtered_hits *hits)
{
    double m = 0;
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        if (hits->category_score[c] > m)
            m = hits->category_score[c];
    return m;
}

/* ---- indicators ---------------------------------------------------------- */

/* One occurrence, carrying what sorting needs (qsort has no context
 * argument, and scan threads share nothing). */
typedef struct indicator_ref {
    jk_indicator_type type;
    const char *value;
    size_t index; /* in the list */
} indicator_ref;

typedef struct indicator_group {
    size_t first;    /* index of the first occurrence in the list */
    size_t from, to; /* its members in the sorted array */
} indicator_group;

static int cmp_by_value(const void *a, const void *b)
{
    const indicator_ref *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    int c = strcmp(x->value, y->value);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

static int cmp_group(const void *a, const void *b)
{
    const indicator_group *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

int jk_output_indicators_json(jk_buf *out, const jk_indicator_list *list, bool defang)
{
    jk_buf_putc(out, '[');
    size_t n = list ? list->count : 0;
    if (n == 0)
        return jk_buf_putc(out, ']');
    indicator_ref *refs = jk_calloc(n, sizeof *refs);
    indicator_group *groups = jk_calloc(n, sizeof *groups);
    for (size_t i = 0; i < n; i++)
        refs[i] = (indicator_ref){list->items[i].type, list->items[i].value, i};
    qsort(refs, n, sizeof *refs, cmp_by_value);
    size_t g = 0;
    for (size_t i = 0; i < n; i++) {
        if (g && refs[groups[g - 1].from].type == refs[i].type &&
            strcmp(refs[groups[g - 1].from].value, refs[i].value) == 0) {
            groups[g - 1].to = i + 1;
            continue;
        }
        groups[g++] = (indicator_group){refs[i].index, i, i + 1};
    }
    qsort(groups, g, sizeof *groups, cmp_group);
    jk_buf shown;
    jk_buf_init(&shown, 0);
    for (size_t k = 0; k < g; k++) {
        const jk_indicator *x = &list->items[groups[k].first];
        const char *value = x->value;
        size_t value_len = strlen(value);
        if (defang && jk_indicator_defang(x->type, value, value_len, &shown) == JK_OK) {
            value = shown.data;
            value_len = shown.len;
        }
        jk_buf_puts(out, k ? ",{\"type\":\"" : "{\"type\":\"");
        jk_buf_puts(out, jk_indicator_type_name(x->type));
        jk_buf_puts(out, "\",\"value\":\"");
        jk_buf_json_string(out, value, value_len);
        jk_buf_puts(out, "\",\"spans\":[");
        for (size_t i = groups[k].from; i < groups[k].to; i++) {
            const jk_indicator *m = &list->items[refs[i].index];
            jk_buf_puts(out, i > groups[k].from ? ",[" : "[");
            jk_buf_put_uint(out, m->start);
            jk_buf_putc(out, ',');
            jk_buf_put_uint(out, m->end);
            jk_buf_putc(out, ']');
        }
        jk_buf_puts(out, "]}");
    }
    jk_buf_release(&shown);
    free(refs);
    free(groups);
    return jk_buf_putc(out, ']');
}

static void put_results(jk_buf *out, const jk_filtered_hits *hits,
                        const jk_indicator_list *indicators)
{
    jk_buf_puts(out, "\"score\":");
    jk_buf_put_score(out, max_score(hits));
    jk_buf_puts(out, ",\"categories\":{");
    bool first = true;
    for (int c = 0; c < JK_CATEGORY_COUNT; c++) {
        if (hits->category_score[c] <= 0)
            continue;
        jk_buf_puts(out, first ? "\"" : ",\"");
        jk_buf_puts(out, jk_category_id((jk_category)c));
        jk_buf_puts(out, "\":");
        jk_buf_put_score(out, hits->category_score[c]);
        first = false;
    }
    jk_buf_puts(out, "},\"hits\":[");
    for (size_t i = 0; i < hits->count; i++) {
        const jk_hit *h = hits->hits[i];
        jk_buf_puts(out, i ? ",{\"rule\":\"" : "{\"rule\":\"");
        jk_buf_json_string(out, h->rule_id, strlen(h->rule_id));
        jk_buf_puts(out, "\",\"category\":\"");
        jk_buf_puts(out, jk_category_id(h->category));
        jk_buf_puts(out, "\",\"score\":");
        jk_buf_put_score(out, h->score);
        jk_buf_puts(out, ",\"spans\":[");
        for (size_t k = 0; k < h->span_count; k++) {
            jk_buf_puts(out, k ? ",[" : "[");
            jk_buf_put_uint(out, h->spans[k].start);
            jk_buf_putc(out, ',');
            jk_buf_put_uint(out, h->spans[k].end);
            jk_buf_putc(out, ']');
        }
        jk_buf_puts(out, "],\"terms\":[");
        for (size_t k = 0; k < h->term_count; k++) {
            jk_buf_puts(out, k ? ",\"" : "\"");
            jk_buf_json_string(out, h->terms[k], strlen(h->terms[k]));
            jk_buf_putc(out, '"');
        }
        jk_buf_puts(out, "]}");
    }
    jk_buf_putc(out, ']');
    if (indicators) {
        jk_buf_puts(out, ",\"indicators\":");
        jk_output_indicators_json(out, indicators, false);
    }
    jk_buf_puts(out, "}\n");
}

int jk_output_jsonl(jk_buf *out, const jk_item_ref *item, const jk_filtered_hits *hits)
{
    if (item->object) {
        json_object_del(item->object, "score");
        json_object_del(item->object, "categories");
        json_object_del(item->object, "hits");
        json_object_del(item->object, "indicators");
        char *dumped = json_dumps(item->object, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!dumped)
            return JK_ENOMEM;
        size_t n = strlen(dumped);
        /* reopen the object: drop its closing brace and append our fields */
        jk_buf_append(out, dumped, n - 1);
        jk_buf_puts(out, n > 2 ? "," : "");
        free(dumped);
    } else {
        jk_buf_putc(out, '{');
        if (item->file) {
            jk_buf_puts(out, "\"file\":\"");
            jk_buf_json_string(out, item->file, strlen(item->file));
            jk_buf_puts(out, "\",");
        }
        jk_buf_puts(out, "\"line\":");
        jk_buf_put_uint(out, item->line);
        jk_buf_puts(out, ",\"text\":\"");
        jk_buf_json_string(out, item->text, item->text_len);
        jk_buf_puts(out, "\",");
    }
    put_results(out, hits, item->indicators);
    return JK_OK;
}

#define ANSI_MATCH "\033[1;31m"
#define ANSI_PLACE "\033[35m"
#define ANSI_RULE "\033[36m"
#define ANSI_RESET "\033[0m"

static int cmp_span(const void *a, const void *b)
{
    const jk_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

int jk_output_text(jk_buf *out, const jk_item_ref *item, const jk_filtered_hits *hits,
                   const jk_ruleset *rules, bool color)
{
    /* Union of every hit's spans, merged, to highlight once. */
    size_t total = 0;
    for (size_t i = 0; i < hits->count; i++)
        total += hits->hits[i]->span_count;
    jk_span *spans = jk_calloc(total ? total : 1, sizeof *spans);
    size_t n = 0;
    for (size_t i = 0; i < hits->count; i++)
        for (size_t k = 0; k < hits->hits[i]->span_count; k++)
            spans[n++] = hits->hits[i]->spans[k];
    qsort(spans, n, sizeof *spans, cmp_span);
    size_t merged = 0;
    for (size_t i = 0; i < n; i++) {
        if (merged && spans[i].start <= spans[merged - 1].end) {
            if (spans[i].end > spans[merged - 1].end)
                spans[merged - 1].end = spans[i].end;
        } else {
            spans[merged++] = spans[i];
        }
    }

    if (color)
        jk_buf_puts(out, ANSI_PLACE);
    jk_buf_printf(out, "%s:%lu", item->file ? item->file : "(stdin)", item->line);
    if (item->object) {
        json_t *id = json_object_get(item->object, "id");
        if (json_is_string(id))
            jk_buf_printf(out, " [%s]", json_string_value(id));
        else if (json_is_integer(id))
            jk_buf_printf(out, " [%lld]", (long long)json_integer_value(id));
    }
    if (color)
        jk_buf_puts(out, ANSI_RESET);
    jk_buf_puts(out, ": ");

    size_t pos = 0;
    for (size_t i = 0; i < merged; i++) {
        if (spans[i].start < pos || spans[i].end > item->text_len)
            continue;
        jk_buf_append(out, item->text + pos, spans[i].start - pos);
        jk_buf_puts(out, color ? ANSI_MATCH : "【");
        jk_buf_append(out, item->text + spans[i].start, spans[i].end - spans[i].start);
        jk_buf_puts(out, color ? ANSI_RESET : "】");
        pos = spans[i].end;
    }
    jk_buf_append(out, item->text + pos, item->text_len - pos);
    jk_buf_putc(out, '\n');
    free(spans);

    for (size_t i = 0; i < hits->count; i++) {
        const jk_hit *h = hits->hits[i];
        /* an intel list's hit (rule id "intel:LIST") indexes no rule */
        const char *title = "on an intel list";
        if (h->rule < jk_ruleset_rule_count(rules)) {
            jk_rule_info info;
            jk_ruleset_rule_info(rules, h->rule, &info);
            title = info.title;
        }
        jk_buf_printf(out, "    %-18s %.2f  %s%s%s  %s  (", jk_category_id(h->category),
                      h->score, color ? ANSI_RULE : "", h->rule_id, color ? ANSI_RESET : "",
                      title);
        for (size_t k = 0; k < h->term_count; k++)
            jk_buf_printf(out, "%s%s", k ? ", " : "", h->terms[k]);
        jk_buf_puts(out, ")\n");
    }
    if (item->indicators && item->indicators->count) {
        jk_buf_puts(out, "    indicators:");
        for (size_t i = 0; i < item->indicators->count; i++) {
            const jk_indicator *x = &item->indicators->items[i];
            jk_buf_printf(out, "%s %s=%s", i ? "," : "", jk_indicator_type_name(x->type),
                          x->value);
        }
        jk_buf_putc(out, '\n');
    }
    return JK_OK;
}
