/*
 * rules_model.h — the in-memory form of loaded rule packs.
 *
 * Written by the loader (rules.c, condition.c), read by the scanner
 * (scanner.c). Everything here is owned by the jk_ruleset and immutable once
 * loading is finished. Not a public header.
 */
#ifndef JK_RULES_MODEL_H
#define JK_RULES_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/rules.h"

/* One term of a group. `pattern` is what the matcher receives: for a
 * literal, the term normalized with the ruleset's normalizer (never empty
 * after normalization — the loader rejects terms that normalize to
 * nothing); for a regex, the expression as written, applied to normalized
 * text. */
typedef struct jk_term {
    char *source; /* as the author wrote it */
    size_t source_len;
    char *pattern;
    size_t pattern_len;
    bool is_regex;
    /* For literals starting/ending with an ASCII letter or digit: match only
     * where the neighbouring normalized byte is not an ASCII letter/digit,
     * so "dm" does not hit inside "admin". Default true; `word: false` in
     * the pack turns it off. */
    bool word_boundary;
    unsigned line, column;
} jk_term;

typedef struct jk_group {
    char *name;
    jk_term *terms;
    size_t term_count;
    unsigned line, column;
} jk_group;

typedef enum jk_cond_kind {
    JK_COND_GROUP, /* true when group `group` matched at least once */
    JK_COND_AND,   /* all kids */
    JK_COND_OR,    /* any kid */
    JK_COND_NOT,   /* kids[0] false */
    JK_COND_NOF,   /* at least `n` kids true */
    JK_COND_NEAR   /* kids[0] and kids[1] are GROUP nodes; some match of
                      each within `n` normalized characters (gap between the
                      two spans; overlapping spans have gap 0) */
} jk_cond_kind;

typedef struct jk_cond {
    jk_cond_kind kind;
    size_t group; /* GROUP: index into the rule's groups */
    unsigned n;   /* NOF: threshold; NEAR: max distance */
    struct jk_cond **kids;
    size_t kid_count;
} jk_cond;

typedef struct jk_example {
    char *text;
    size_t len;
    unsigned line;
} jk_example;

typedef struct jk_rule {
    char *id;
    char *title;
    jk_category category;
    jk_severity severity;
    double weight; /* (0, 1]; default 0.5 */
    jk_group *groups;
    size_t group_count;
    jk_cond *condition; /* never NULL */
    jk_cond *exclude;   /* NULL when the rule has no exclusion */
    jk_example *hit_examples;
    size_t hit_example_count;
    jk_example *miss_examples;
    size_t miss_example_count;
    size_t pack; /* index into packs */
    unsigned line;
} jk_rule;

typedef struct jk_pack {
    char *name;
    char *version;
    char *language;
    char *description;
    char *path;
    size_t first_rule;
    size_t rule_count;
} jk_pack;

struct jk_ruleset {
    jk_pack *packs;
    size_t pack_count, pack_cap;
    jk_rule *rules;
    size_t rule_count, rule_cap;
    bool regex_parse_only; /* jk_ruleset_set_regex_build_check(rs, false) */
};

/* Condition tree helpers shared by loader and scanner (condition.c). */

/* Parse `text` (a condition expression) against the rule's group names.
 * Errors are appended to diags with `file`, and line/column computed from
 * base_line/base_column (the position of the expression in the YAML file)
 * plus the offset inside the expression. Returns NULL on error. */
jk_cond *jk_cond_parse(const char *text, size_t len, const jk_group *groups,
                       size_t group_count, const char *file,
                       unsigned base_line, unsigned base_column,
                       jk_diags *diags);

/* Where byte `offset` of a condition text lies in the pack file (1-based
 * line and column). */
typedef void (*jk_cond_locator)(void *ctx, size_t offset, unsigned *line,
                                unsigned *column);

/* Like jk_cond_parse, but error positions come from `locate`, so the loader
 * can map offsets through YAML quoting, escapes and line folding. */
jk_cond *jk_cond_parse_located(const char *text, size_t len,
                               const jk_group *groups, size_t group_count,
                               const char *file, jk_cond_locator locate,
                               void *locate_ctx, jk_diags *diags);
void jk_cond_free(jk_cond *c);

/* Call fn for every group index the condition refers to. */
void jk_cond_each_group(const jk_cond *c, void (*fn)(void *ctx, size_t group),
                        void *ctx);

#endif
