/*
 * scanner.c — matching every term of every rule in one pass (one Hyperscan
 * database, helped by a bitmap and per-regex databases), and the per-item
 * evaluation of rule conditions.
 *
 * Owns: compiling a jk_ruleset into a jk_scanner, per-thread scratch, and
 * turning raw term matches into jk_hits with spans in the original text.
 * Must not touch: rule-pack parsing (rules.c) or text folding (normalize.c);
 * it only reads their results.
 *
 * Why this shape: identical terms are shared by many rules (テレグラム, 手押し,
 * 即日 …), so the database holds each distinct (pattern, kind, word flag)
 * once and a reference table fans a match out to every (rule, group, term)
 * that uses it. Literal patterns are compiled without start-of-match
 * tracking because their start is simply end − length.
 *
 * Where the time goes (bench/run.sh, perf on 30 MB of posts): Hyperscan's
 * pass was over half of `junkai scan`, and two kinds of term made most of
 * it. Regex terms compiled with HS_FLAG_SOM_LEFTMOST cost more than all
 * literal terms together, although few posts match most of them; so the
 * main database has every regex without start tracking, which reports the
 * same end offsets, and a post in which a regex matched is scanned again
 * with that regex alone and its leftmost starts (one small database per
 * regex), which gives exactly the matches the combined database gave. And
 * one-character literals (円, 月, 人, へ, 🥦 …) match everywhere and slow
 * the literal matcher down for all the others; they are looked up per
 * character in a bitmap instead. Matches from the three sources are put in
 * (end, start, pattern) order, the order Hyperscan reports in, before
 * anything depends on their order (the per-group cap).
 *
 * Nearly every post matches some term (円, する, http), but few can make a
 * rule fire. A rule can fire only if one of its trigger groups matched
 * (required_groups: for `a near b` the side with rarer-looking terms, for
 * `a and b` the cheapest operand, for `a or b` both), so matches touch only
 * the rules they trigger, and only those rules get their matches sorted
 * into groups and their conditions evaluated. Which groups trigger changes
 * only the speed, never a result (test_agrees_with_naive_reference).
 */
#include "junkai/scanner.h"

#include <hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "junkai/limits.h"
#include "rules_model.h"

/* Raw matches recorded per item. A hostile text full of one frequent term
 * would otherwise grow this without bound; beyond the cap further matches
 * are dropped (the rules that matter have long since matched). They are
 * recorded from the main pass first, then the regex passes, then the
 * one-character terms, so which ones a text past the cap loses depends on
 * that order too. */
#define MAX_RAW_MATCHES (1u << 18)

/* Matches kept per term group and item. A group that matched this often
 * has made its point; keeping more only costs time (a post that repeats
 * a common word hundreds of times). */
#define MAX_GROUP_MATCHES 256u

/* One-character trigger terms looked for by has_char before the character
 * pass; a handful is typical (the shipped packs have one). */
#define JK_TRIGGER_CHARS_MAX 8

typedef struct pattern_ref {
    uint32_t rule;
    uint32_t flat_group; /* index into the scanner's flattened group list */
    uint32_t term;       /* index into that group's terms */
} pattern_ref;

typedef struct pattern {
    uint32_t len; /* literal length in bytes; 0 for regexes */
    bool is_regex;
    bool word_boundary;
    bool one_char;      /* a literal of one character: matched by char_bits */
    uint32_t ref_first; /* refs[ref_first .. ref_first+ref_count) */
    uint32_t ref_count;
    uint32_t trigger_count; /* the first this many refs are into trigger groups */
} pattern;

typedef struct rule_plan {
    uint32_t group_base;                              /* first flattened group of the rule */
    uint8_t in_condition[JK_MAX_GROUPS_PER_RULE + 1]; /* group used by condition */
    /* groups whose match may make the rule fire (see required_groups); a
     * rule is evaluated on an item only when one of them matched */
    uint8_t trigger[JK_MAX_GROUPS_PER_RULE + 1];
} rule_plan;

/* A one-character literal: its code point and pattern. */
typedef struct char_term {
    uint32_t cp;
    uint32_t pattern;
} char_term;

struct jk_scanner {
    const jk_ruleset *rules;
    const jk_normalizer *norm;
    hs_database_t *db;       /* literals of two characters or more and regexes (no
                                start tracking); NULL when there are none */
    hs_database_t **som_dbs; /* per pattern: a regex alone, with leftmost
                                starts; NULL for literals */
    pattern *patterns;
    size_t pattern_count;
    /* one-character literals: a bit per BMP code point, the terms sorted by
     * code point, and whether any is outside the BMP */
    uint8_t char_bits[0x10000 / 8];
    char_term *chars;
    size_t char_count;
    bool char_astral;
    /* the one-character literals in some rule's trigger group, as UTF-8
     * (looked for with has_char); when there are more than fit, every item
     * counts as having one */
    char trigger_chars[JK_TRIGGER_CHARS_MAX][5];
    size_t trigger_char_count;
    bool trigger_chars_overflow;
    pattern_ref *refs;
    size_t ref_count;
    rule_plan *plans;
    size_t flat_group_count;
    /* rules whose condition holds with no match at all (e.g. `not a`);
     * they are evaluated on every item */
    uint32_t *always_rules;
    size_t always_count;
};

typedef struct raw_match {
    uint32_t pattern;
    uint32_t start, end; /* normalized byte offsets */
} raw_match;

typedef struct group_match {
    uint32_t flat_group;
    uint32_t term;
    uint32_t start, end;
} group_match;

struct jk_scan_scratch {
    const jk_scanner *scanner;
    hs_scratch_t *hs;
    jk_normalized normalized;

    raw_match *raw;
    size_t raw_count, raw_cap;
    raw_match *raw_tmp; /* sort_raw's merge buffer */
    size_t raw_tmp_cap;

    /* regex patterns that matched in the main pass (their starts are found
     * by a second pass); regex_epoch[p] == epoch when p is listed */
    uint32_t *regex_epoch;
    uint32_t *regexes;
    size_t regex_count, regex_cap;
    uint32_t rescan; /* the regex pattern being rescanned */

    group_match *gm;
    size_t gm_count, gm_cap;

    /* Per flattened group: [first, first+count) in gm, valid when
     * group_epoch == epoch. Epoch stamps avoid clearing per item. */
    uint32_t *group_first, *group_count, *group_epoch, *group_fill;
    uint32_t *touched_groups;
    size_t touched_group_count;
    uint32_t *rule_epoch;
    uint32_t epoch;

    uint32_t *touched;
    size_t touched_count, touched_cap;

    /* results */
    jk_hit *hits;
    size_t hit_count, hit_cap;
    jk_span *spans;
    size_t span_count, span_cap;
    const char **terms;
    size_t term_count, term_cap;
    /* positions of each hit's spans/terms while the pools may still move */
    size_t *hit_span_first, *hit_term_first;
    size_t hit_aux_cap;
    jk_span *tmp_spans;
    size_t tmp_span_cap;
};

/* ---- compiling ---------------------------------------------------------- */

typedef struct pattern_key_slot {
    uint32_t pattern_plus_one; /* 0 = empty */
} pattern_key_slot;

typedef struct builder {
    jk_scanner *sc;
    const jk_term **pattern_terms; /* representative term per pattern */
    size_t pattern_cap;
    /* per pattern, a temporary list of refs (linked through next_ref) */
    uint32_t *first_ref, *last_ref;
    pattern_ref *refs;
    uint32_t *next_ref;
    size_t ref_count, ref_cap;
    pattern_key_slot *table;
    size_t table_size;
} builder;

static uint64_t hash_term(const jk_term *t)
{
    uint64_t h = 1469598103934665603ull;
    h = (h ^ (uint64_t)t->is_regex) * 1099511628211ull;
    h = (h ^ (uint64_t)t->word_boundary) * 1099511628211ull;
    for (size_t i = 0; i < t->pattern_len; i++)
        h = (h ^ (unsigned char)t->pattern[i]) * 1099511628211ull;
    return h;
}

static bool same_term(const jk_term *a, const jk_term *b)
{
    return a->is_regex == b->is_regex && a->word_boundary == b->word_boundary &&
           a->pattern_len == b->pattern_len && memcmp(a->pattern, b->pattern, a->pattern_len) == 0;
}

static uint32_t builder_pattern_for(builder *b, const jk_term *t)
{
    size_t mask = b->table_size - 1;
    size_t i = (size_t)hash_term(t) & mask;
    for (;;) {
        uint32_t p = b->table[i].pattern_plus_one;
        if (p == 0)
            break;
        if (same_term(b->pattern_terms[p - 1], t))
            return p - 1;
        i = (i + 1) & mask;
    }
    jk_scanner *sc = b->sc;
    size_t id = sc->pattern_count++;
    jk_grow((void **)&b->pattern_terms, &b->pattern_cap, sc->pattern_count,
            sizeof *b->pattern_terms);
    b->pattern_terms[id] = t;
    b->table[i].pattern_plus_one = (uint32_t)id + 1;
    return (uint32_t)id;
}

/* Hyperscan expression text for a literal: every byte escaped as \xHH so no
 * character of the term is read as regex syntax. Compiled without
 * HS_FLAG_UTF8, where \xHH denotes a byte rather than a code point. */
static char *literal_expression(const jk_term *t)
{
    static const char hex[] = "0123456789abcdef";
    char *out = jk_malloc(t->pattern_len * 4 + 1);
    char *p = out;
    for (size_t i = 0; i < t->pattern_len; i++) {
        unsigned char c = (unsigned char)t->pattern[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
            *p++ = (char)c;
        } else {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

/* A rough guess of how often a term matches, for choosing which groups a
 * rule is triggered by: short literals match everywhere (円, 人, dm), long
 * ones rarely; regexes are assumed common. Only speed depends on it. */
static double term_cost(const jk_term *t)
{
    if (t->is_regex)
        return 0.5;
    size_t chars = 0;
    bool ascii = true;
    for (size_t i = 0; i < t->pattern_len; i++) {
        unsigned char c = (unsigned char)t->pattern[i];
        chars += (c & 0xC0) != 0x80;
        ascii &= c < 0x80;
    }
    if (ascii)
        return chars <= 1 ? 1.0 : chars == 2 ? 0.3 : chars == 3 ? 0.05 : 0.01;
    return chars <= 1 ? 1.0 : chars == 2 ? 0.1 : chars == 3 ? 0.02 : 0.005;
}

static double group_cost(const jk_group *g)
{
    double c = 0;
    for (size_t i = 0; i < g->term_count; i++)
        c += term_cost(&g->terms[i]);
    return c;
}

/* Groups of which at least one matched whenever c holds: a group for
 * itself, the cheaper side of `near`, the cheapest child of `and`, every
 * child of `or` and `N of`. False when there is no such set (`not`, or a
 * child that has none), and the caller falls back to every group the
 * condition names, which is enough for any condition that does not hold
 * with no match at all. */
static bool required_groups(const jk_rule *rule, const jk_cond *c, uint8_t *set, double *cost)
{
    switch (c->kind) {
    case JK_COND_GROUP:
        set[c->group] = 1;
        *cost = group_cost(&rule->groups[c->group]);
        return true;
    case JK_COND_NEAR: {
        size_t a = c->kids[0]->group, b = c->kids[1]->group;
        double ca = group_cost(&rule->groups[a]), cb = group_cost(&rule->groups[b]);
        set[ca <= cb ? a : b] = 1;
        *cost = ca <= cb ? ca : cb;
        return true;
    }
    case JK_COND_AND: {
        uint8_t best[JK_MAX_GROUPS_PER_RULE + 1];
        double best_cost = 0;
        bool found = false;
        for (size_t i = 0; i < c->kid_count; i++) {
            uint8_t kid[JK_MAX_GROUPS_PER_RULE + 1] = {0};
            double kc;
            if (required_groups(rule, c->kids[i], kid, &kc) && (!found || kc < best_cost)) {
                memcpy(best, kid, sizeof best);
                best_cost = kc;
                found = true;
            }
        }
        if (!found)
            return false;
        for (size_t g = 0; g <= JK_MAX_GROUPS_PER_RULE; g++)
            set[g] |= best[g];
        *cost = best_cost;
        return true;
    }
    case JK_COND_OR:
    case JK_COND_NOF: {
        if (c->kind == JK_COND_NOF && c->n == 0)
            return false;
        double sum = 0;
        for (size_t i = 0; i < c->kid_count; i++) {
            double kc;
            if (!required_groups(rule, c->kids[i], set, &kc))
                return false;
            sum += kc;
        }
        *cost = sum;
        return c->kid_count > 0;
    }
    case JK_COND_NOT:
        return false;
    }
    return false;
}

/* Does the condition hold when no group matched? Decides whether a rule must
 * be evaluated on items where none of its terms occur. */
static bool holds_without_matches(const jk_cond *c)
{
    switch (c->kind) {
    case JK_COND_GROUP:
    case JK_COND_NEAR:
        return false;
    case JK_COND_NOT:
        return !holds_without_matches(c->kids[0]);
    case JK_COND_AND:
        for (size_t i = 0; i < c->kid_count; i++)
            if (!holds_without_matches(c->kids[i]))
                return false;
        return true;
    case JK_COND_OR:
        for (size_t i = 0; i < c->kid_count; i++)
            if (holds_without_matches(c->kids[i]))
                return true;
        return false;
    case JK_COND_NOF: {
        unsigned n = 0;
        for (size_t i = 0; i < c->kid_count; i++)
            n += holds_without_matches(c->kids[i]);
        return n >= c->n;
    }
    }
    return false;
}

static void mark_condition_group(void *ctx, size_t group)
{
    rule_plan *plan = ctx;
    if (group <= JK_MAX_GROUPS_PER_RULE)
        plan->in_condition[group] = 1;
}

void jk_scanner_free(jk_scanner *sc)
{
    if (!sc)
        return;
    hs_free_database(sc->db);
    if (sc->som_dbs)
        for (size_t p = 0; p < sc->pattern_count; p++)
            hs_free_database(sc->som_dbs[p]);
    free(sc->som_dbs);
    free(sc->chars);
    free(sc->patterns);
    free(sc->refs);
    free(sc->plans);
    free(sc->always_rules);
    free(sc);
}

/* ---- compiled-database cache ------------------------------------------
 * Compiling ~3500 patterns takes Hyperscan most of a second, paid by every
 * command before its first post. The databases are a pure function of the
 * pattern lists, the Hyperscan version and the CPU, so they are kept in a
 * cache file whose header holds that whole description: a file is used
 * only when the description matches byte for byte and Hyperscan accepts
 * every database in it for this CPU; anything else is recompiled and
 * rewritten. Layout: magic, key length, key, database count, then each
 * database's length and serialized bytes (length 0: no database). */

static const char cache_magic[8] = {'J', 'K', 'H', 'S', 'D', 'B', '0', '2'};

static int describe_patterns(jk_buf *key, const char *what, char *const *expressions,
                             const unsigned *flags, size_t count)
{
    int rc = jk_buf_printf(key, "%s %zu\n", what, count);
    for (size_t p = 0; !rc && p < count; p++)
        rc = jk_buf_printf(key, "%u\t%s\n", flags[p], expressions[p]);
    return rc;
}

static uint64_t fnv1a(const char *data, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)data[i]) * 1099511628211ull;
    return h;
}

static void cache_path(char *path, size_t cap, const char *dir, const jk_buf *key)
{
    snprintf(path, cap, "%s/hs-%016llx.db", dir, (unsigned long long)fnv1a(key->data, key->len));
}

/* Load `count` databases into dbs (all or none). */
static bool cache_load(const char *path, const jk_buf *key, hs_database_t **dbs, size_t count)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t loaded = 0;
    char magic[8];
    uint64_t key_len = 0, db_count = 0;
    char *stored_key = NULL, *bytes = NULL;
    if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, cache_magic, 8) != 0 ||
        fread(&key_len, sizeof key_len, 1, fp) != 1 || key_len != key->len)
        goto done;
    stored_key = malloc(key_len ? key_len : 1);
    if (!stored_key || fread(stored_key, 1, key_len, fp) != key_len ||
        memcmp(stored_key, key->data, key_len) != 0)
        goto done;
    if (fread(&db_count, sizeof db_count, 1, fp) != 1 || db_count != count)
        goto done;
    for (; loaded < count; loaded++) {
        uint64_t db_len = 0;
        if (fread(&db_len, sizeof db_len, 1, fp) != 1 || db_len > (1ull << 30))
            break;
        dbs[loaded] = NULL;
        if (db_len == 0)
            continue; /* no database */
        free(bytes);
        bytes = malloc(db_len);
        if (!bytes || fread(bytes, 1, db_len, fp) != db_len)
            break;
        if (hs_deserialize_database(bytes, db_len, &dbs[loaded]) != HS_SUCCESS) {
            dbs[loaded] = NULL;
            break;
        }
    }
done:
    if (loaded < count) {
        for (size_t i = 0; i < loaded; i++) {
            hs_free_database(dbs[i]);
            dbs[i] = NULL;
        }
    }
    free(stored_key);
    free(bytes);
    fclose(fp);
    return count > 0 && loaded == count;
}

/* Best effort: a cache that cannot be written only costs the next start
 * its compile time. Written to a temporary name and renamed, so a reader
 * never sees half a file. */
static void cache_store(const char *path, const jk_buf *key, hs_database_t *const *dbs,
                        size_t count)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    bool ok = fp != NULL;
    uint64_t key_len = key->len, db_count = count;
    if (ok)
        ok = fwrite(cache_magic, 1, 8, fp) == 8 && fwrite(&key_len, sizeof key_len, 1, fp) == 1 &&
             fwrite(key->data, 1, key->len, fp) == key->len &&
             fwrite(&db_count, sizeof db_count, 1, fp) == 1;
    for (size_t i = 0; ok && i < count; i++) {
        char *bytes = NULL;
        size_t len = 0;
        ok = !dbs[i] || hs_serialize_database(dbs[i], &bytes, &len) == HS_SUCCESS;
        uint64_t db_len = len;
        if (ok)
            ok = fwrite(&db_len, sizeof db_len, 1, fp) == 1 && fwrite(bytes, 1, len, fp) == len;
        free(bytes);
    }
    if (fp && fclose(fp) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0)
        remove(tmp);
}

/* Is the literal t exactly one UTF-8 character? Its code point in *cp. */
static bool one_character(const jk_term *t, uint32_t *cp)
{
    if (t->is_regex || t->pattern_len == 0 || t->pattern_len > 4)
        return false;
    const unsigned char *u = (const unsigned char *)t->pattern;
    size_t n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    if (n != t->pattern_len)
        return false;
    uint32_t c = n == 1   ? u[0]
                 : n == 2 ? (u[0] & 0x1Fu) << 6
                 : n == 3 ? (u[0] & 0x0Fu) << 12
                          : (u[0] & 0x07u) << 18;
    for (size_t i = 1; i < n; i++)
        c |= (uint32_t)(u[i] & 0x3F) << (6 * (n - 1 - i));
    *cp = c;
    return true;
}

static int cmp_char_term(const void *a, const void *b)
{
    const char_term *x = a, *y = b;
    if (x->cp != y->cp)
        return x->cp < y->cp ? -1 : 1;
    return (x->pattern > y->pattern) - (x->pattern < y->pattern);
}

/* Compile (or load from the cache) the main database and one database per
 * regex. The terms are in b->pattern_terms. */
static int compile_databases(jk_scanner *sc, const builder *b, const char *cache_dir, jk_error *err)
{
    int rc = JK_OK;
    size_t n = sc->pattern_count, main_count = 0, regex_count = 0;
    char **expressions = jk_calloc(n ? n : 1, sizeof *expressions);
    unsigned *flags = jk_calloc(n ? n : 1, sizeof *flags), *ids = jk_calloc(n ? n : 1, sizeof *ids);
    char **som_expressions = jk_calloc(n ? n : 1, sizeof *som_expressions);
    unsigned *som_flags = jk_calloc(n ? n : 1, sizeof *som_flags);
    uint32_t *som_pattern = jk_calloc(n ? n : 1, sizeof *som_pattern);
    hs_database_t **dbs = jk_calloc(n + 1, sizeof *dbs); /* main, then one per regex */
    jk_buf key;
    jk_buf_init(&key, 0);
    for (size_t p = 0; p < n; p++) {
        const jk_term *t = b->pattern_terms[p];
        if (sc->patterns[p].one_char)
            continue;
        if (t->is_regex) {
            expressions[main_count] = jk_strndup(t->pattern, t->pattern_len);
            flags[main_count] = HS_FLAG_UTF8;
            som_expressions[regex_count] = expressions[main_count];
            som_flags[regex_count] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
            som_pattern[regex_count++] = (uint32_t)p;
        } else {
            expressions[main_count] = literal_expression(t);
            flags[main_count] = 0;
        }
        ids[main_count++] = (unsigned)p;
    }
    size_t db_count = 1 + regex_count;
    char path[4096] = "";
    bool from_cache = false;
    if (main_count == 0)
        goto done; /* no database: only one-character literals, or none */
    if (cache_dir && jk_buf_printf(&key, "%s\n", hs_version()) == JK_OK &&
        describe_patterns(&key, "main", expressions, flags, main_count) == JK_OK &&
        describe_patterns(&key, "som", som_expressions, som_flags, regex_count) == JK_OK) {
        cache_path(path, sizeof path, cache_dir, &key);
        from_cache = cache_load(path, &key, dbs, db_count);
    }
    if (!from_cache) {
        hs_compile_error_t *cerr = NULL;
        if (hs_compile_multi((const char *const *)expressions, flags, ids, (unsigned)main_count,
                             HS_MODE_BLOCK, NULL, &dbs[0], &cerr) != HS_SUCCESS) {
            const jk_term *t =
                cerr && cerr->expression >= 0 ? b->pattern_terms[ids[cerr->expression]] : NULL;
            if (t)
                rc = jk_error_set(err, JK_ECOMPILE, "cannot compile term \"%s\" (line %u): %s",
                                  t->source, t->line, cerr->message);
            else
                rc = jk_error_set(err, JK_ECOMPILE, "cannot compile rule terms: %s",
                                  cerr ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            dbs[0] = NULL;
            goto done;
        }
        for (size_t r = 0; r < regex_count; r++) {
            if (hs_compile(som_expressions[r], som_flags[r], HS_MODE_BLOCK, NULL, &dbs[1 + r],
                           &cerr) != HS_SUCCESS) {
                const jk_term *t = b->pattern_terms[som_pattern[r]];
                rc = jk_error_set(err, JK_ECOMPILE, "cannot compile term \"%s\" (line %u): %s",
                                  t->source, t->line, cerr ? cerr->message : "unknown error");
                hs_free_compile_error(cerr);
                dbs[1 + r] = NULL;
                goto done;
            }
        }
        if (path[0])
            cache_store(path, &key, dbs, db_count);
    }
    sc->db = dbs[0];
    dbs[0] = NULL;
    sc->som_dbs = jk_calloc(n, sizeof *sc->som_dbs);
    for (size_t r = 0; r < regex_count; r++) {
        sc->som_dbs[som_pattern[r]] = dbs[1 + r];
        dbs[1 + r] = NULL;
    }
done:
    for (size_t i = 0; i < db_count; i++)
        hs_free_database(dbs[i]);
    for (size_t i = 0; i < main_count; i++)
        free(expressions[i]); /* som_expressions share these */
    free(expressions);
    free(flags);
    free(ids);
    free(som_expressions);
    free(som_flags);
    free(som_pattern);
    free(dbs);
    jk_buf_release(&key);
    return rc;
}

int jk_scanner_new(const jk_ruleset *rs, const jk_normalizer *norm, jk_scanner **out, jk_error *err)
{
    return jk_scanner_new_cached(rs, norm, NULL, out, err);
}

int jk_scanner_new_cached(const jk_ruleset *rs, const jk_normalizer *norm, const char *cache_dir,
                          jk_scanner **out, jk_error *err)
{
    int rc = JK_OK;
    builder b;
    memset(&b, 0, sizeof b);
    size_t term_total = 0;

    *out = NULL;
    jk_scanner *sc = jk_calloc(1, sizeof *sc);
    sc->rules = rs;
    sc->norm = norm;
    b.sc = sc;

    sc->plans = jk_calloc(rs->rule_count ? rs->rule_count : 1, sizeof *sc->plans);
    for (size_t r = 0; r < rs->rule_count; r++) {
        const jk_rule *rule = &rs->rules[r];
        if (rule->group_count > JK_MAX_GROUPS_PER_RULE) {
            rc = jk_error_set(err, JK_EINVAL, "rule %s has too many groups", rule->id);
            goto done;
        }
        sc->plans[r].group_base = (uint32_t)sc->flat_group_count;
        sc->flat_group_count += rule->group_count;
        jk_cond_each_group(rule->condition, mark_condition_group, &sc->plans[r]);
        for (size_t g = 0; g < rule->group_count; g++)
            term_total += rule->groups[g].term_count;
        bool holds_empty = holds_without_matches(rule->condition);
        if (holds_empty && !(rule->exclude && holds_without_matches(rule->exclude))) {
            sc->always_rules =
                jk_reallocarray(sc->always_rules, sc->always_count + 1, sizeof *sc->always_rules);
            sc->always_rules[sc->always_count++] = (uint32_t)r;
        }
        /* A rule whose condition holds with nothing matched can still be
         * silenced by its exclusion's groups: any match may matter. */
        rule_plan *plan = &sc->plans[r];
        double cost;
        if (holds_empty)
            memset(plan->trigger, 1, sizeof plan->trigger);
        else if (!required_groups(rule, rule->condition, plan->trigger, &cost))
            memcpy(plan->trigger, plan->in_condition, sizeof plan->trigger);
    }

    b.table_size = 16;
    while (b.table_size < term_total * 2)
        b.table_size *= 2;
    b.table = jk_calloc(b.table_size, sizeof *b.table);
    b.refs = jk_calloc(term_total ? term_total : 1, sizeof *b.refs);
    b.next_ref = jk_calloc(term_total ? term_total : 1, sizeof *b.next_ref);
    b.first_ref = jk_calloc(term_total ? term_total : 1, sizeof *b.first_ref);
    b.last_ref = jk_calloc(term_total ? term_total : 1, sizeof *b.last_ref);

    /* Deduplicate terms into patterns and record who uses each. */
    for (size_t r = 0; r < rs->rule_count; r++) {
        const jk_rule *rule = &rs->rules[r];
        for (size_t g = 0; g < rule->group_count; g++) {
            const jk_group *grp = &rule->groups[g];
            for (size_t t = 0; t < grp->term_count; t++) {
                uint32_t p = builder_pattern_for(&b, &grp->terms[t]);
                uint32_t ref = (uint32_t)b.ref_count++;
                b.refs[ref] =
                    (pattern_ref){(uint32_t)r, sc->plans[r].group_base + (uint32_t)g, (uint32_t)t};
                b.next_ref[ref] = UINT32_MAX;
                if (b.first_ref[p] == 0) {
                    b.first_ref[p] = ref + 1; /* stored plus one: 0 = none */
                } else {
                    b.next_ref[b.last_ref[p]] = ref;
                }
                b.last_ref[p] = ref;
            }
        }
    }

    /* Lay each pattern's refs out contiguously. */
    sc->patterns = jk_calloc(sc->pattern_count ? sc->pattern_count : 1, sizeof *sc->patterns);
    sc->refs = jk_calloc(b.ref_count ? b.ref_count : 1, sizeof *sc->refs);
    for (size_t p = 0; p < sc->pattern_count; p++) {
        const jk_term *t = b.pattern_terms[p];
        pattern *pat = &sc->patterns[p];
        pat->is_regex = t->is_regex;
        pat->word_boundary = t->word_boundary;
        pat->len = t->is_regex ? 0 : (uint32_t)t->pattern_len;
        pat->ref_first = (uint32_t)sc->ref_count;
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t ref = b.first_ref[p] - 1; ref != UINT32_MAX; ref = b.next_ref[ref]) {
                const pattern_ref *pr = &b.refs[ref];
                const rule_plan *plan = &sc->plans[pr->rule];
                bool trigger = plan->trigger[pr->flat_group - plan->group_base] != 0;
                if (trigger == (pass == 0))
                    sc->refs[sc->ref_count++] = *pr;
            }
            if (pass == 0)
                pat->trigger_count = (uint32_t)sc->ref_count - pat->ref_first;
        }
        pat->ref_count = (uint32_t)sc->ref_count - pat->ref_first;
    }

    /* One-character literals go to the bitmaps, the rest to Hyperscan. */
    for (size_t p = 0; p < sc->pattern_count; p++) {
        uint32_t cp;
        if (!one_character(b.pattern_terms[p], &cp))
            continue;
        sc->patterns[p].one_char = true;
        sc->chars = jk_reallocarray(sc->chars, sc->char_count + 1, sizeof *sc->chars);
        sc->chars[sc->char_count++] = (char_term){cp, (uint32_t)p};
        if (sc->patterns[p].trigger_count) {
            const jk_term *t = b.pattern_terms[p];
            if (sc->trigger_char_count < JK_TRIGGER_CHARS_MAX && t->pattern_len < 5)
                memcpy(sc->trigger_chars[sc->trigger_char_count++], t->pattern, t->pattern_len);
            else
                sc->trigger_chars_overflow = true;
        }
        if (cp < 0x10000)
            sc->char_bits[cp >> 3] |= (uint8_t)(1u << (cp & 7));
        else
            sc->char_astral = true;
    }
    if (sc->char_count > 1)
        qsort(sc->chars, sc->char_count, sizeof *sc->chars, cmp_char_term);
    rc = compile_databases(sc, &b, cache_dir, err);
    if (rc)
        goto done;
    *out = sc;
    sc = NULL;

done:
    free(b.pattern_terms);
    free(b.first_ref);
    free(b.last_ref);
    free(b.refs);
    free(b.next_ref);
    free(b.table);
    jk_scanner_free(sc);
    return rc;
}

size_t jk_scanner_pattern_count(const jk_scanner *sc)
{
    return sc->pattern_count;
}

/* ---- scratch ------------------------------------------------------------ */

void jk_scan_scratch_free(jk_scan_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    jk_normalized_release(&s->normalized);
    free(s->raw);
    free(s->raw_tmp);
    free(s->regex_epoch);
    free(s->regexes);
    free(s->gm);
    free(s->group_first);
    free(s->group_count);
    free(s->group_epoch);
    free(s->group_fill);
    free(s->touched_groups);
    free(s->rule_epoch);
    free(s->touched);
    free(s->hits);
    free(s->spans);
    free(s->terms);
    free(s->hit_span_first);
    free(s->hit_term_first);
    free(s->tmp_spans);
    free(s);
}

int jk_scan_scratch_new(const jk_scanner *sc, jk_scan_scratch **out, jk_error *err)
{
    *out = NULL;
    jk_scan_scratch *s = jk_calloc(1, sizeof *s);
    s->scanner = sc;
    jk_normalized_init(&s->normalized);
    bool ok = !sc->db || hs_alloc_scratch(sc->db, &s->hs) == HS_SUCCESS;
    for (size_t p = 0; ok && sc->som_dbs && p < sc->pattern_count; p++)
        ok = !sc->som_dbs[p] || hs_alloc_scratch(sc->som_dbs[p], &s->hs) == HS_SUCCESS;
    if (!ok) {
        jk_scan_scratch_free(s);
        return jk_error_set(err, JK_ENOMEM, "cannot allocate matcher scratch space");
    }
    s->regex_epoch = jk_calloc(sc->pattern_count ? sc->pattern_count : 1, sizeof *s->regex_epoch);
    size_t ng = sc->flat_group_count ? sc->flat_group_count : 1;
    size_t nr = sc->rules->rule_count ? sc->rules->rule_count : 1;
    s->group_first = jk_calloc(ng, sizeof *s->group_first);
    s->group_count = jk_calloc(ng, sizeof *s->group_count);
    s->group_epoch = jk_calloc(ng, sizeof *s->group_epoch);
    s->group_fill = jk_calloc(ng, sizeof *s->group_fill);
    s->touched_groups = jk_calloc(ng, sizeof *s->touched_groups);
    s->rule_epoch = jk_calloc(nr, sizeof *s->rule_epoch);
    s->touched = jk_calloc(nr, sizeof *s->touched);
    s->touched_cap = nr;
    *out = s;
    return JK_OK;
}

/* ---- scanning ----------------------------------------------------------- */

static inline bool is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Record one match of pattern id at normalized [from, to). */
static inline void record(jk_scan_scratch *s, uint32_t id, size_t from, size_t to)
{
    const pattern *pat = &s->scanner->patterns[id];
    if (pat->word_boundary) {
        /* A term that begins or ends with a letter or digit must not be
         * glued to another letter or digit: "dm" is not inside "admin". */
        const unsigned char *text = (const unsigned char *)s->normalized.text;
        if (from > 0 && is_ascii_alnum(text[from]) && is_ascii_alnum(text[from - 1]))
            return;
        if (to < s->normalized.len && to > from && is_ascii_alnum(text[to - 1]) &&
            is_ascii_alnum(text[to]))
            return;
    }
    if (s->raw_count >= MAX_RAW_MATCHES)
        return;
    if (s->raw_count == s->raw_cap)
        jk_grow((void **)&s->raw, &s->raw_cap, s->raw_count + 1, sizeof *s->raw);
    s->raw[s->raw_count++] = (raw_match){id, (uint32_t)from, (uint32_t)to};
}

/* The main pass: literals are recorded; a regex is only noted, as this
 * database does not know where its matches start. */
static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)flags;
    (void)from;
    jk_scan_scratch *s = ctx;
    const pattern *pat = &s->scanner->patterns[id];
    if (pat->is_regex) {
        if (s->regex_epoch[id] != s->epoch) {
            s->regex_epoch[id] = s->epoch;
            jk_grow((void **)&s->regexes, &s->regex_cap, s->regex_count + 1, sizeof *s->regexes);
            s->regexes[s->regex_count++] = id;
        }
        return 0;
    }
    record(s, id, (size_t)(to - pat->len), (size_t)to);
    return 0;
}

/* The second pass of one regex (s->rescan), with leftmost starts. */
static int on_regex_match(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void *ctx)
{
    (void)id;
    (void)flags;
    jk_scan_scratch *s = ctx;
    record(s, s->rescan, (size_t)from, (size_t)to);
    return 0;
}

/* One-character literals: one bitmap test per character of the text
 * (normalized text is valid UTF-8). */
static void scan_chars(jk_scan_scratch *s)
{
    const jk_scanner *sc = s->scanner;
    const uint8_t *bits = sc->char_bits;
    const bool astral = sc->char_astral;
    const unsigned char *t = (const unsigned char *)s->normalized.text;
    const size_t len = s->normalized.len;
    for (size_t i = 0; i < len;) {
        unsigned c = t[i];
        uint32_t cp;
        size_t n;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if (c < 0xE0) {
            cp = (c & 0x1Fu) << 6 | (t[i + 1] & 0x3Fu);
            n = 2;
        } else if (c < 0xF0) {
            cp = (c & 0x0Fu) << 12 | (t[i + 1] & 0x3Fu) << 6 | (t[i + 2] & 0x3Fu);
            n = 3;
        } else {
            cp = (c & 0x07u) << 18 | (t[i + 1] & 0x3Fu) << 12 | (t[i + 2] & 0x3Fu) << 6 |
                 (t[i + 3] & 0x3Fu);
            n = 4;
        }
        if (cp < 0x10000 ? (bits[cp >> 3] >> (cp & 7)) & 1 : astral) {
            size_t lo = 0, hi = sc->char_count;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (sc->chars[mid].cp < cp)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < sc->char_count && sc->chars[lo].cp == cp; lo++)
                record(s, sc->chars[lo].pattern, i, i + n);
        }
        i += n;
    }
}

/* The first stage: the main database's pass, which records the literals
 * and notes the regexes that matched. */
static int match_main(jk_scan_scratch *s, jk_error *err)
{
    const jk_scanner *sc = s->scanner;
    s->regex_count = 0;
    if (s->normalized.len == 0 || !sc->db)
        return JK_OK;
    hs_error_t hrc =
        hs_scan(sc->db, s->normalized.text, (unsigned)s->normalized.len, 0, s->hs, on_match, s);
    if (hrc != HS_SUCCESS && hrc != HS_SCAN_TERMINATED)
        return jk_error_set(err, JK_ESCAN, "matcher failed (hyperscan error %d)", hrc);
    return JK_OK;
}

static inline void touch_rule(jk_scan_scratch *s, uint32_t rule)
{
    if (s->rule_epoch[rule] == s->epoch)
        return;
    s->rule_epoch[rule] = s->epoch;
    s->touched[s->touched_count++] = rule; /* room for every rule: scratch_new */
}

/* Touch the rules whose trigger groups hold pattern p. */
static inline void touch_triggers(jk_scan_scratch *s, uint32_t p)
{
    const jk_scanner *sc = s->scanner;
    const pattern *pat = &sc->patterns[p];
    for (uint32_t k = 0; k < pat->trigger_count; k++)
        touch_rule(s, sc->refs[pat->ref_first + k].rule);
}

/* Whether the UTF-8 character c (1–4 bytes) occurs in text: memchr for
 * its lead byte, which in valid UTF-8 starts a character. */
static bool has_char(const char *text, size_t len, const char *c)
{
    size_t n = strlen(c);
    for (const char *p = text; (p = memchr(p, c[0], len - (size_t)(p - text))) != NULL; p++)
        if ((size_t)(text + len - p) >= n && memcmp(p, c, n) == 0)
            return true;
    return false;
}

/* Touch the rules that the first stage's matches trigger; whether any
 * rule may fire is then known but for one-character trigger terms,
 * which the text is searched for directly. False: no rule can fire, and
 * the rest of the matching would change nothing. */
static bool may_fire(jk_scan_scratch *s)
{
    const jk_scanner *sc = s->scanner;
    for (size_t i = 0; i < s->raw_count; i++)
        touch_triggers(s, s->raw[i].pattern);
    for (size_t i = 0; i < s->regex_count; i++)
        touch_triggers(s, s->regexes[i]);
    for (size_t i = 0; i < sc->always_count; i++)
        touch_rule(s, sc->always_rules[i]);
    if (s->touched_count || sc->trigger_chars_overflow)
        return true;
    for (size_t i = 0; i < sc->trigger_char_count; i++)
        if (has_char(s->normalized.text, s->normalized.len, sc->trigger_chars[i]))
            return true;
    return false;
}

/* The second stage, for an item on which a rule may fire: the regexes
 * the main pass noted, again with their starts, and the one-character
 * literals. */
static int match_rest(jk_scan_scratch *s, jk_error *err)
{
    const jk_scanner *sc = s->scanner;
    if (s->normalized.len == 0)
        return JK_OK;
    for (size_t i = 0; i < s->regex_count; i++) {
        s->rescan = s->regexes[i];
        hs_error_t hrc = hs_scan(sc->som_dbs[s->rescan], s->normalized.text,
                                 (unsigned)s->normalized.len, 0, s->hs, on_regex_match, s);
        if (hrc != HS_SUCCESS && hrc != HS_SCAN_TERMINATED)
            return jk_error_set(err, JK_ESCAN, "matcher failed (hyperscan error %d)", hrc);
    }
    if (sc->char_count)
        scan_chars(s);
    return JK_OK;
}

static inline bool raw_before(const raw_match *x, const raw_match *y)
{
    if (x->end != y->end)
        return x->end < y->end;
    if (x->start != y->start)
        return x->start < y->start;
    return x->pattern < y->pattern;
}

/* Raw matches in (end, start, pattern) order: Hyperscan's own order, so
 * that the per-group cap keeps the same matches whatever found them. The
 * sources each report in that order, so the array is a few sorted runs
 * (the main pass, each regex pass, the characters): a natural merge sort
 * takes a pass or two. */
static void sort_raw(jk_scan_scratch *s)
{
    size_t n = s->raw_count;
    size_t i = 1;
    while (i < n && !raw_before(&s->raw[i], &s->raw[i - 1]))
        i++;
    if (i >= n)
        return; /* already in order */
    jk_grow((void **)&s->raw_tmp, &s->raw_tmp_cap, n, sizeof *s->raw_tmp);
    raw_match *from = s->raw, *to = s->raw_tmp;
    for (;;) {
        size_t runs = 0, lo = 0;
        while (lo < n) {
            size_t mid = lo + 1;
            while (mid < n && !raw_before(&from[mid], &from[mid - 1]))
                mid++;
            size_t hi = mid;
            if (hi < n) {
                hi++;
                while (hi < n && !raw_before(&from[hi], &from[hi - 1]))
                    hi++;
            }
            /* merge [lo, mid) and [mid, hi); ties keep the left run first */
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                to[k++] = raw_before(&from[b], &from[a]) ? from[b++] : from[a++];
            while (a < mid)
                to[k++] = from[a++];
            while (b < hi)
                to[k++] = from[b++];
            runs++;
            lo = hi;
        }
        raw_match *t = from;
        from = to;
        to = t;
        if (runs <= 1)
            break;
    }
    if (from != s->raw)
        memcpy(s->raw, from, n * sizeof *s->raw);
}

static int cmp_group_match(const void *a, const void *b)
{
    const group_match *x = a, *y = b;
    if (x->flat_group != y->flat_group)
        return x->flat_group < y->flat_group ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (x->term > y->term) - (x->term < y->term);
}

/* One group's matches arrive nearly in start order (Hyperscan reports by
 * end): insertion sort does little work there, with no callbacks. */
static void sort_group_matches(group_match *gm, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        group_match key = gm[i];
        size_t j = i;
        while (j > 0 && cmp_group_match(&gm[j - 1], &key) > 0) {
            gm[j] = gm[j - 1];
            j--;
        }
        gm[j] = key;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static inline size_t group_matches(const jk_scan_scratch *s, uint32_t flat,
                                   const group_match **first)
{
    if (s->group_epoch[flat] != s->epoch)
        return 0;
    *first = &s->gm[s->group_first[flat]];
    return s->group_count[flat];
}

/* Characters (not bytes) in normalized text[lo, hi). */
static size_t char_count(const char *text, size_t lo, size_t hi)
{
    size_t n = 0;
    for (size_t i = lo; i < hi; i++)
        n += ((unsigned char)text[i] & 0xC0) != 0x80;
    return n;
}

static bool near_holds(const jk_scan_scratch *s, uint32_t ga, uint32_t gb, unsigned within)
{
    const group_match *a = NULL, *b = NULL;
    size_t na = group_matches(s, ga, &a), nb = group_matches(s, gb, &b);
    if (!na || !nb)
        return false;
    /* A gap of `within` characters spans at most 4*within bytes of UTF-8,
     * so a byte window prunes candidates before counting characters. */
    size_t byte_window = (size_t)within * 4;
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && (size_t)b[j].end + byte_window < a[i].start)
            j++;
        for (size_t k = j; k < nb && b[k].start <= (size_t)a[i].end + byte_window; k++) {
            uint32_t lo, hi;
            if (a[i].end <= b[k].start) {
                lo = a[i].end;
                hi = b[k].start;
            } else if (b[k].end <= a[i].start) {
                lo = b[k].end;
                hi = a[i].start;
            } else {
                return true; /* overlap */
            }
            if (char_count(s->normalized.text, lo, hi) <= within)
                return true;
        }
    }
    return false;
}

static bool eval(const jk_scan_scratch *s, uint32_t group_base, const jk_cond *c)
{
    switch (c->kind) {
    case JK_COND_GROUP: {
        const group_match *first;
        return group_matches(s, group_base + (uint32_t)c->group, &first) > 0;
    }
    case JK_COND_AND:
        for (size_t i = 0; i < c->kid_count; i++)
            if (!eval(s, group_base, c->kids[i]))
                return false;
        return true;
    case JK_COND_OR:
        for (size_t i = 0; i < c->kid_count; i++)
            if (eval(s, group_base, c->kids[i]))
                return true;
        return false;
    case JK_COND_NOT:
        return !eval(s, group_base, c->kids[0]);
    case JK_COND_NOF: {
        unsigned n = 0;
        for (size_t i = 0; i < c->kid_count && n < c->n; i++)
            n += eval(s, group_base, c->kids[i]);
        return n >= c->n;
    }
    case JK_COND_NEAR:
        return near_holds(s, group_base + (uint32_t)c->kids[0]->group,
                          group_base + (uint32_t)c->kids[1]->group, c->n);
    }
    return false;
}

static int cmp_span(const void *a, const void *b)
{
    const jk_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Record a hit for rule r: spans of the groups its condition uses, mapped to
 * the original text and merged; the distinct terms that matched; the score. */
static void add_hit(jk_scan_scratch *s, uint32_t r)
{
    const jk_scanner *sc = s->scanner;
    const jk_rule *rule = &sc->rules->rules[r];
    const rule_plan *plan = &sc->plans[r];
    size_t nspans = 0, terms_before = s->term_count;

    for (size_t g = 0; g < rule->group_count; g++) {
        if (!plan->in_condition[g])
            continue;
        const group_match *m;
        size_t n = group_matches(s, plan->group_base + (uint32_t)g, &m);
        for (size_t i = 0; i < n; i++) {
            jk_grow((void **)&s->tmp_spans, &s->tmp_span_cap, nspans + 1, sizeof *s->tmp_spans);
            size_t os, oe;
            jk_normalized_to_original(&s->normalized, m[i].start, m[i].end, &os, &oe);
            s->tmp_spans[nspans++] = (jk_span){os, oe};
            const char *term = rule->groups[g].terms[m[i].term].source;
            bool seen = false;
            for (size_t k = terms_before; k < s->term_count && !seen; k++)
                seen = s->terms[k] == term;
            if (!seen) {
                jk_grow((void **)&s->terms, &s->term_cap, s->term_count + 1, sizeof *s->terms);
                s->terms[s->term_count++] = term;
            }
        }
    }
    if (nspans > 1)
        qsort(s->tmp_spans, nspans, sizeof *s->tmp_spans, cmp_span);
    size_t span_first = s->span_count;
    for (size_t i = 0; i < nspans; i++) {
        jk_span sp = s->tmp_spans[i];
        if (s->span_count > span_first && sp.start <= s->spans[s->span_count - 1].end) {
            if (sp.end > s->spans[s->span_count - 1].end)
                s->spans[s->span_count - 1].end = sp.end;
            continue;
        }
        jk_grow((void **)&s->spans, &s->span_cap, s->span_count + 1, sizeof *s->spans);
        s->spans[s->span_count++] = sp;
    }

    size_t distinct = s->term_count - terms_before;
    double f = distinct >= 3 ? 1.0 : distinct == 2 ? 0.9 : 0.8;

    jk_grow((void **)&s->hits, &s->hit_cap, s->hit_count + 1, sizeof *s->hits);
    if (s->hit_count + 1 > s->hit_aux_cap) {
        size_t cap = s->hit_cap;
        s->hit_span_first = jk_reallocarray(s->hit_span_first, cap, sizeof(size_t));
        s->hit_term_first = jk_reallocarray(s->hit_term_first, cap, sizeof(size_t));
        s->hit_aux_cap = cap;
    }
    jk_hit *h = &s->hits[s->hit_count];
    memset(h, 0, sizeof *h);
    h->rule = r;
    h->rule_id = rule->id;
    h->category = rule->category;
    h->score = rule->weight * f;
    h->span_count = s->span_count - span_first;
    h->term_count = distinct;
    s->hit_span_first[s->hit_count] = span_first;
    s->hit_term_first[s->hit_count] = terms_before;
    s->hit_count++;
}

int jk_scanner_scan(const jk_scanner *sc, jk_scan_scratch *s, const char *text, size_t len,
                    jk_scan_result *out, jk_error *err)
{
    memset(out, 0, sizeof *out);
    /* The offset map is built only when a rule fires (see add_hits). */
    int rc = jk_normalize_text(sc->norm, text, len, &s->normalized, err);
    if (rc)
        return rc;

    s->raw_count = s->gm_count = s->touched_count = 0;
    s->hit_count = s->span_count = s->term_count = 0;
    if (++s->epoch == 0) {
        /* wrapped: stale stamps could look current, so clear them once */
        memset(s->group_epoch, 0, sc->flat_group_count * sizeof *s->group_epoch);
        memset(s->rule_epoch, 0, sc->rules->rule_count * sizeof *s->rule_epoch);
        memset(s->regex_epoch, 0, sc->pattern_count * sizeof *s->regex_epoch);
        s->epoch = 1;
    }

    /* The rules that may fire: those with a match in a trigger group, and
     * those that hold with no match. An item on which none may fire (about
     * four in ten of the benchmark's posts) stops after the main pass: the
     * regex and character passes could add matches, but none that a
     * touched rule would read. */
    rc = match_main(s, err);
    if (rc)
        return rc;
    if (may_fire(s)) {
        size_t before = s->raw_count;
        rc = match_rest(s, err);
        if (rc)
            return rc;
        for (size_t i = before; i < s->raw_count; i++)
            touch_triggers(s, s->raw[i].pattern);
    }
    if (s->touched_count)
        sort_raw(s);

    /* Fan the matches of those rules out to per-group lists with a counting
     * sort: count per group, lay the groups out, fill. Each list stays in
     * Hyperscan's report order (by end), and is then put in start order. */
    s->touched_group_count = 0;
    for (size_t i = 0; s->touched_count && i < s->raw_count; i++) {
        const pattern *pat = &sc->patterns[s->raw[i].pattern];
        for (uint32_t k = 0; k < pat->ref_count; k++) {
            const pattern_ref *ref = &sc->refs[pat->ref_first + k];
            if (s->rule_epoch[ref->rule] != s->epoch)
                continue;
            uint32_t g = ref->flat_group;
            if (s->group_epoch[g] != s->epoch) {
                s->group_epoch[g] = s->epoch;
                s->group_count[g] = 0;
                s->touched_groups[s->touched_group_count++] = g;
            }
            if (s->group_count[g] < MAX_GROUP_MATCHES)
                s->group_count[g]++;
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < s->touched_group_count; i++) {
        uint32_t g = s->touched_groups[i];
        s->group_first[g] = (uint32_t)total;
        s->group_fill[g] = 0;
        total += s->group_count[g];
    }
    jk_grow((void **)&s->gm, &s->gm_cap, total + 1, sizeof *s->gm);
    s->gm_count = total;
    for (size_t i = 0; total && i < s->raw_count; i++) {
        const pattern *pat = &sc->patterns[s->raw[i].pattern];
        for (uint32_t k = 0; k < pat->ref_count; k++) {
            const pattern_ref *ref = &sc->refs[pat->ref_first + k];
            if (s->rule_epoch[ref->rule] != s->epoch)
                continue;
            uint32_t g = ref->flat_group;
            if (s->group_fill[g] < s->group_count[g])
                s->gm[s->group_first[g] + s->group_fill[g]++] =
                    (group_match){g, ref->term, s->raw[i].start, s->raw[i].end};
        }
    }
    for (size_t i = 0; i < s->touched_group_count; i++) {
        uint32_t g = s->touched_groups[i];
        sort_group_matches(s->gm + s->group_first[g], s->group_count[g]);
    }

    size_t fired = 0;
    for (size_t i = 0; i < s->touched_count; i++) {
        uint32_t r = s->touched[i];
        const jk_rule *rule = &sc->rules->rules[r];
        uint32_t base = sc->plans[r].group_base;
        if (!eval(s, base, rule->condition))
            continue;
        if (rule->exclude && eval(s, base, rule->exclude))
            continue;
        s->touched[fired++] = r; /* reuse the array for the rules that fired */
    }
    if (fired) {
        /* hits are reported in rule order; only the fired few are sorted */
        if (fired > 1)
            qsort(s->touched, fired, sizeof *s->touched, cmp_u32);
        /* Same text again, now with the map from normalized to original
         * offsets that spans need. */
        rc = jk_normalize(sc->norm, text, len, &s->normalized, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < fired; i++)
            add_hit(s, s->touched[i]);
    }

    /* Pools are final now; point the hits into them. */
    for (size_t i = 0; i < s->hit_count; i++) {
        jk_hit *h = &s->hits[i];
        h->spans = s->spans + s->hit_span_first[i];
        h->terms = s->terms + s->hit_term_first[i];
        double *cs = &out->category_score[h->category];
        *cs = 1.0 - (1.0 - *cs) * (1.0 - h->score);
    }
    out->hits = s->hits;
    out->hit_count = s->hit_count;
    out->normalized = &s->normalized;
    return JK_OK;
}
