/*
 * scanner.h — compile a ruleset into one matcher and scan texts with it.
 *
 * Every term of every rule becomes one pattern in a single Hyperscan
 * database; one pass over the normalized text finds every term, then each
 * rule whose terms matched has its condition evaluated. A jk_scanner is
 * immutable after jk_scanner_new and may be shared by threads; each thread
 * scans with its own jk_scan_scratch.
 */
#ifndef JUNKAI_SCANNER_H
#define JUNKAI_SCANNER_H

#include <stddef.h>

#include "junkai/error.h"
#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "junkai/taxonomy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jk_scanner jk_scanner;
typedef struct jk_scan_scratch jk_scan_scratch;

/* Compile rs. Both rs and norm are borrowed and must outlive the scanner. */
int jk_scanner_new(const jk_ruleset *rs, const jk_normalizer *norm,
                   jk_scanner **out, jk_error *err);
/* The same, keeping the compiled pattern database in cache_dir (which
 * must exist; NULL = no cache): a later start with the same patterns, the
 * same Hyperscan and CPU loads it instead of compiling. A cache file that
 * is missing, stale or damaged is ignored and rewritten. */
int jk_scanner_new_cached(const jk_ruleset *rs, const jk_normalizer *norm,
                          const char *cache_dir, jk_scanner **out, jk_error *err);
void jk_scanner_free(jk_scanner *sc);

int jk_scan_scratch_new(const jk_scanner *sc, jk_scan_scratch **out,
                        jk_error *err);
void jk_scan_scratch_free(jk_scan_scratch *scratch);

/* A byte range [start, end) in the original text. */
typedef struct jk_span {
    size_t start;
    size_t end;
} jk_span;

/* One rule that fired on a text. Pointers stay valid until the next scan
 * with the same scratch. */
typedef struct jk_hit {
    size_t rule; /* index into the ruleset (jk_ruleset_rule_info) */
    const char *rule_id;
    jk_category category;
    double score; /* 0..1: rule weight scaled by how much matched */
    const jk_span *spans; /* sorted, merged, original byte offsets */
    size_t span_count;
    const char *const *terms; /* distinct terms that matched, as written */
    size_t term_count;
} jk_hit;

typedef struct jk_scan_result {
    const jk_hit *hits; /* ordered by rule index */
    size_t hit_count;
    /* Per-category score combining the category's hits (noisy-OR:
     * 1 - prod(1 - score)); 0 where nothing hit. */
    double category_score[JK_CATEGORY_COUNT];
    /* The normalized form of the text, for callers that show it. Its
     * offset map (orig_start/orig_end) is filled only when hit_count > 0:
     * the scanner builds it just for texts whose spans it reports. */
    const jk_normalized *normalized;
} jk_scan_result;

/* Scan text[0..len). Fails only with JK_ELIMIT, JK_ENOMEM or JK_ESCAN;
 * invalid UTF-8 is not an error. */
int jk_scanner_scan(const jk_scanner *sc, jk_scan_scratch *scratch,
                    const char *text, size_t len, jk_scan_result *out,
                    jk_error *err);

/* Number of distinct patterns in the compiled database. */
size_t jk_scanner_pattern_count(const jk_scanner *sc);

#ifdef __cplusplus
}
#endif
#endif
