/*
 * rules.h — rule packs: loading, checking and introspection.
 *
 * A jk_ruleset holds the rules of any number of YAML rule packs (format:
 * docs/rules.md). Loading a pack is all-or-nothing: when a pack has any
 * error, every error is reported as a diagnostic with file:line:column and
 * nothing of that pack is added. Terms are normalized with the normalizer
 * given at load time, the same one the scanner applies to text.
 *
 * A ruleset is built by one thread; once loading is finished it is read-only
 * and may be shared (the scanner keeps a pointer to it).
 */
#ifndef JUNKAI_RULES_H
#define JUNKAI_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/error.h"
#include "junkai/normalize.h"
#include "junkai/taxonomy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jk_ruleset jk_ruleset;

/* One problem found while loading, with a 1-based line and column
 * (0 when unknown). Strings are owned by the jk_diags that holds it. */
typedef struct jk_diag {
    char *file;
    unsigned line;
    unsigned column;
    char *message;
} jk_diag;

/* A growable list of diagnostics; zero-initialise, free with
 * jk_diags_release. */
typedef struct jk_diags {
    jk_diag *items;
    size_t count;
    size_t cap;
} jk_diags;

void jk_diags_release(jk_diags *diags);

/* Append a diagnostic (copies file and message). Returns 0 or JK_ENOMEM. */
int jk_diags_add(jk_diags *diags, const char *file, unsigned line,
                 unsigned column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Write "file:line:column: message" (one per line) to a caller buffer-free
 * callback; used by the CLI and tests. */
typedef void (*jk_diag_sink)(void *ctx, const jk_diag *d);
void jk_diags_each(const jk_diags *diags, jk_diag_sink sink, void *ctx);

int jk_ruleset_new(jk_ruleset **out, jk_error *err);
void jk_ruleset_free(jk_ruleset *rs);

/* How far each regular expression term is checked at load. With build
 * (the default) it is parsed and also built by Hyperscan, so a pack whose
 * regex parses but cannot be built is refused at load with file:line:column.
 * Without, it is only parsed and checked for empty matches — about 2 ms
 * less per regex, most of a start-up — and a regex that cannot be built
 * makes jk_scanner_new fail naming the term; the caller then loads again
 * with the build check to find and leave out that pack. */
void jk_ruleset_set_regex_build_check(jk_ruleset *rs, bool build);

/* Load one pack from a file. On any problem, appends every diagnostic found
 * to diags, adds nothing and returns JK_EPARSE (JK_EIO when the file cannot
 * be read, JK_ELIMIT when it is larger than JK_MAX_PACK_BYTES). Rule ids must
 * be unique across the whole ruleset. `norm` must be the normalizer the
 * scanner will use. */
int jk_ruleset_load_file(jk_ruleset *rs, const jk_normalizer *norm,
                         const char *path, jk_diags *diags);

/* Same, from memory; `name` stands for the file name in diagnostics. */
int jk_ruleset_load_buffer(jk_ruleset *rs, const jk_normalizer *norm,
                           const char *name, const char *buf, size_t len,
                           jk_diags *diags);

/* Introspection for the CLI (rules list, rules test) and the scanner. */
size_t jk_ruleset_pack_count(const jk_ruleset *rs);
size_t jk_ruleset_rule_count(const jk_ruleset *rs);

typedef struct jk_pack_info {
    const char *name;
    const char *version;
    const char *language;
    const char *path;
    size_t first_rule; /* rules of this pack are [first_rule, first_rule+rule_count) */
    size_t rule_count;
} jk_pack_info;

void jk_ruleset_pack_info(const jk_ruleset *rs, size_t pack,
                          jk_pack_info *out);

typedef enum jk_severity {
    JK_SEV_LOW,
    JK_SEV_MEDIUM,
    JK_SEV_HIGH,
    JK_SEV_CRITICAL
} jk_severity;

const char *jk_severity_name(jk_severity s);

typedef struct jk_rule_info {
    const char *id;
    const char *title;
    jk_category category;
    jk_severity severity;
    double weight;
    size_t pack;
    const char *file;
    unsigned line;
    size_t hit_example_count;
    size_t miss_example_count;
} jk_rule_info;

void jk_ruleset_rule_info(const jk_ruleset *rs, size_t rule,
                          jk_rule_info *out);

/* The examples of a rule: texts that must hit (`hit`) and must not (`miss`),
 * with the line each was written on. */
typedef struct jk_example_info {
    const char *text;
    size_t len;
    unsigned line;
} jk_example_info;

void jk_ruleset_rule_example(const jk_ruleset *rs, size_t rule, int want_hit,
                             size_t index, jk_example_info *out);

/* Every term of every rule as the author wrote it (literal terms only, not
 * regular expressions), calling fn once per term; used by the benchmark to
 * feed the same terms to grep and ripgrep. */
typedef void (*jk_term_sink)(void *ctx, const char *term, size_t len,
                             int is_regex);
void jk_ruleset_each_term(const jk_ruleset *rs, jk_term_sink fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
