/*
 * intel_match.h — matching a post's indicators against every loaded
 * intel list (docs/intel.md, "Matching"). The lists' entries live in one
 * open-addressing hash table keyed by (kind, key): exact canonical values,
 * registrable domains (eTLD+1) and URL prefixes, so each lookup is O(1)
 * and a URL costs one lookup per path segment.
 *
 * A jk_intel is filled (add_list, add), built once, and is then
 * immutable: any number of threads may match with it, each with its own
 * jk_intel_hits. A match is a jk_hit like a rule's, with rule id
 * "intel:LIST", the list's category, score 1, the spans of the matching
 * indicators and the list entries as its terms.
 */
#ifndef JK_INTEL_MATCH_H
#define JK_INTEL_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "extract.h"
#include "junkai/error.h"
#include "junkai/scanner.h"
#include "junkai/store.h"
#include "junkai/taxonomy.h"

/* jk_hit.rule of an intel hit: it indexes no ruleset. */
#define JK_INTEL_RULE ((size_t)-1)

typedef enum jk_intel_match_mode {
    JK_INTEL_MATCH_EXACT,  /* the canonical value */
    JK_INTEL_MATCH_DOMAIN, /* a domain or URL entry: any host under its registrable domain */
    JK_INTEL_MATCH_PREFIX  /* a URL entry: any URL under it, at path-segment boundaries */
} jk_intel_match_mode;

/* "exact" / "domain" / "prefix"; JK_ENOTFOUND otherwise. */
int jk_intel_match_mode_from_name(const char *name, jk_intel_match_mode *out);

typedef struct jk_intel jk_intel;

jk_intel *jk_intel_new(void);
void jk_intel_free(jk_intel *in);

/* Add a list; *index receives its number for jk_intel_add. name and
 * version are copied (version: shown as a detection's pack version). */
int jk_intel_add_list(jk_intel *in, const char *name, jk_category category,
                      jk_intel_match_mode match, const char *version, size_t *index);
/* Add one canonical entry of list `list` (type: an indicator type name;
 * hash types are accepted and ignored, since posts carry no hashes).
 * JK_ELIMIT past 4 GiB of keys or 2^31 entries. */
int jk_intel_add(jk_intel *in, size_t list, const char *type, const char *value, size_t len,
                 jk_error *err);
/* Build the table over everything added; call after the last add. */
int jk_intel_build(jk_intel *in, jk_error *err);
/* Entries in the table (0: matching finds nothing and costs nothing). */
size_t jk_intel_entry_count(const jk_intel *in);
size_t jk_intel_list_count(const jk_intel *in);

/* Load every list of the store, built: *out is new (free with
 * jk_intel_free), with no entries when the store has no lists. */
int jk_intel_load(jk_store *st, jk_intel **out, jk_error *err);

/* What matched in one text: one hit per list, in list order. Pointers
 * stay valid until the next jk_intel_match with the same hits and while
 * the jk_intel lives. */
typedef struct jk_intel_hits {
    jk_hit *hits;
    const char **versions; /* versions[i]: the list version of hits[i] */
    size_t count;
    /* scratch, private */
    struct jk_intel_found *found;
    size_t found_count, found_cap, hit_cap;
    jk_span *spans;
    const char **terms;
    size_t span_cap;
    jk_buf key;
} jk_intel_hits;

void jk_intel_hits_init(jk_intel_hits *h);
void jk_intel_hits_release(jk_intel_hits *h);

/* Look up every indicator of list (as extraction gives them): exact
 * values, the registrable domain of each domain (a URL's host is a
 * domain indicator too), and the prefixes of each URL. Fills out. */
int jk_intel_match(const jk_intel *in, const jk_indicator_list *list, jk_intel_hits *out);

#endif
