/*
 * output.h — writing scan results: one JSONL object per item, or a
 * human-readable view with the matched spans highlighted.
 */
#ifndef JK_OUTPUT_H
#define JK_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"
#include "extract.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"

typedef enum jk_format { JK_FORMAT_JSONL, JK_FORMAT_TEXT } jk_format;

/* Hits after the user's filters (--category, --min-score). */
typedef struct jk_filtered_hits {
    const jk_hit **hits;
    size_t count, cap;
    double category_score[JK_CATEGORY_COUNT];
} jk_filtered_hits;

typedef struct jk_item_ref {
    const char *file;   /* NULL for standard input */
    unsigned long line; /* 1-based line in that input */
    const char *text;
    size_t text_len;
    json_t *object; /* the JSONL object, or NULL for plain text input */
    const jk_indicator_list *indicators; /* found in text; NULL = not looked for */
} jk_item_ref;

/* Append item and its hits as one JSON line. For JSONL input the object is
 * passed through with "score", "categories" and "hits" set (replacing any
 * such fields it had); for text input the object is
 * {"file"?, "line", "text", "score", "categories", "hits"}. Hit spans are
 * byte offsets into the original text. */
int jk_output_jsonl(jk_buf *out, const jk_item_ref *item, const jk_filtered_hits *hits);

/* Append list as a JSON array of {"type","value","spans":[[s,e],…]}: one
 * entry per distinct (type, value), in order of first appearance. With
 * defang, values are written in their defanged form (hxxp, [.]). */
int jk_output_indicators_json(jk_buf *out, const jk_indicator_list *list, bool defang);

/* Append the human view: place, the text with spans highlighted (ANSI
 * colour when `color`, else 【…】 markers) and one line per hit. */
int jk_output_text(jk_buf *out, const jk_item_ref *item, const jk_filtered_hits *hits,
                   const jk_ruleset *rules, bool color);

#endif
