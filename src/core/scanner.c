/*
 * scanner.c — one Hyperscan database for every term of every rule, and the
 * per-item evaluation of rule conditions.
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
 * tracking because their start is simply end − length; only regex terms pay
 * for HS_FLAG_SOM_LEFTMOST.
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
 * are dropped (the rules that matter have long since matched). */
#define MAX_RAW_MATCHES (1u << 18)

/* Matches kept per term group and item. A group that matched this often
 * has made its point; keeping more only costs time (a post that repeats
 * a common word hundreds of times). */
#define MAX_GROUP_MATCHES 256u

typedef struct pattern_ref {
    uint32_t rule;
    uint32_t flat_group; /* index into the scanner's flattened group list */
    uint32_t term;       /* index into that group's terms */
} pattern_ref;

typedef struct pattern {
    uint32_t len;        /* literal length in bytes; 0 for regexes */
    bool is_regex;
    bool word_boundary;
    uint32_t ref_first;  /* refs[ref_first .. ref_first+ref_count) */
    uint32_t ref_count;
} pattern;

typedef struct rule_plan {
    uint32_t group_base;   /* first flattened group of the rule */
    uint8_t in_condition[JK_MAX_GROUPS_PER_RULE + 1]; /* group used by condition */
} rule_plan;

struct jk_scanner {
    const jk_ruleset *rules;
    const jk_normalizer *norm;
    hs_database_t *db; /* NULL when the ruleset has no terms */
    pattern *patterns;
    size_t pattern_count;
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
           a->pattern_len == b->pattern_len &&
           memcmp(a->pattern, b->pattern, a->pattern_len) == 0;
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
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            (c >= 'A' && c <= 'Z')) {
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
    free(sc->patterns);
    free(sc->refs);
    free(sc->plans);
    free(sc->always_rules);
    free(sc);
}

/* ---- compiled-database cache ------------------------------------------
 * Compiling ~2000 patterns takes Hyperscan most of a second, paid by every
 * command before its first post. The database is a pure function of the
 * pattern list, the Hyperscan version and the CPU, so it is kept in a
 * cache file whose header holds that whole description: a file is used
 * only when the description matches byte for byte and Hyperscan accepts
 * it for this CPU; anything else is recompiled and rewritten. */

static const char cache_magic[8] = {'J', 'K', 'H', 'S', 'D', 'B', '0', '1'};

static int describe_patterns(jk_buf *key, char *const *expressions, const unsigned *flags,
                             size_t count)
{
    int rc = jk_buf_printf(key, "%s\n", hs_version());
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

static hs_database_t *cache_load(const char *path, const jk_buf *key)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    hs_database_t *db = NULL;
    char magic[8];
    uint64_t key_len = 0, db_len = 0;
    char *stored_key = NULL, *bytes = NULL;
    if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, cache_magic, 8) != 0 ||
        fread(&key_len, sizeof key_len, 1, fp) != 1 || key_len != key->len)
        goto done;
    stored_key = malloc(key_len ? key_len : 1);
    if (!stored_key || fread(stored_key, 1, key_len, fp) != key_len ||
        memcmp(stored_key, key->data, key_len) != 0)
        goto done;
    if (fread(&db_len, sizeof db_len, 1, fp) != 1 || db_len == 0 || db_len > (1ull << 30))
        goto done;
    bytes = malloc(db_len);
    if (!bytes || fread(bytes, 1, db_len, fp) != db_len)
        goto done;
    if (hs_deserialize_database(bytes, db_len, &db) != HS_SUCCESS)
        db = NULL;
done:
    free(stored_key);
    free(bytes);
    fclose(fp);
    return db;
}

/* Best effort: a cache that cannot be written only costs the next start
 * its compile time. Written to a temporary name and renamed, so a reader
 * never sees half a file. */
static void cache_store(const char *path, const jk_buf *key, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    bool ok = fp != NULL;
    uint64_t key_len = key->len, db_len = len;
    if (ok)
        ok = fwrite(cache_magic, 1, 8, fp) == 8 && fwrite(&key_len, sizeof key_len, 1, fp) == 1 &&
             fwrite(key->data, 1, key->len, fp) == key->len &&
             fwrite(&db_len, sizeof db_len, 1, fp) == 1 && fwrite(bytes, 1, len, fp) == len;
    if (fp && fclose(fp) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0)
        remove(tmp);
    free(bytes);
}

int jk_scanner_new(const jk_ruleset *rs, const jk_normalizer *norm,
                   jk_scanner **out, jk_error *err)
{
    return jk_scanner_new_cached(rs, norm, NULL, out, err);
}

int jk_scanner_new_cached(const jk_ruleset *rs, const jk_normalizer *norm,
                          const char *cache_dir, jk_scanner **out, jk_error *err)
{
    int rc = JK_OK;
    builder b;
    memset(&b, 0, sizeof b);
    char **expressions = NULL;
    unsigned *flags = NULL, *ids = NULL;
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
        if (holds_without_matches(rule->condition) &&
            !(rule->exclude && holds_without_matches(rule->exclude))) {
            sc->always_rules = jk_reallocarray(sc->always_rules, sc->always_count + 1,
                                               sizeof *sc->always_rules);
            sc->always_rules[sc->always_count++] = (uint32_t)r;
        }
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
                b.refs[ref] = (pattern_ref){(uint32_t)r,
                                            sc->plans[r].group_base + (uint32_t)g,
                                            (uint32_t)t};
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
        for (uint32_t ref = b.first_ref[p] - 1; ref != UINT32_MAX; ref = b.next_ref[ref])
            sc->refs[sc->ref_count++] = b.refs[ref];
        pat->ref_count = (uint32_t)sc->ref_count - pat->ref_first;
    }

    if (sc->pattern_count > 0) {
        expressions = jk_calloc(sc->pattern_count, sizeof *expressions);
        flags = jk_calloc(sc->pattern_count, sizeof *flags);
        ids = jk_calloc(sc->pattern_count, sizeof *ids);
        for (size_t p = 0; p < sc->pattern_count; p++) {
            const jk_term *t = b.pattern_terms[p];
            if (t->is_regex) {
                expressions[p] = jk_strndup(t->pattern, t->pattern_len);
                flags[p] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
            } else {
                expressions[p] = literal_expression(t);
                flags[p] = 0;
            }
            ids[p] = (unsigned)p;
        }
        jk_buf key;
        jk_buf_init(&key, 0);
        char path[4096] = "";
        bool from_cache = false;
        if (cache_dir && describe_patterns(&key, expressions, flags, sc->pattern_count) == JK_OK) {
            cache_path(path, sizeof path, cache_dir, &key);
            sc->db = cache_load(path, &key);
            from_cache = sc->db != NULL;
        }
        hs_compile_error_t *cerr = NULL;
        if (!sc->db && hs_compile_multi((const char *const *)expressions, flags, ids,
                             (unsigned)sc->pattern_count, HS_MODE_BLOCK, NULL, &sc->db,
                             &cerr) != HS_SUCCESS) {
            const jk_term *t = cerr && cerr->expression >= 0
                                   ? b.pattern_terms[cerr->expression]
                                   : NULL;
            if (t)
                rc = jk_error_set(err, JK_ECOMPILE, "cannot compile term \"%s\" (line %u): %s",
                                  t->source, t->line, cerr->message);
            else
                rc = jk_error_set(err, JK_ECOMPILE, "cannot compile rule terms: %s",
                                  cerr ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            jk_buf_release(&key);
            goto done;
        }
        if (path[0] && !from_cache)
            cache_store(path, &key, sc->db);
        jk_buf_release(&key);
    }
    *out = sc;
    sc = NULL;

done:
    if (expressions)
        for (size_t p = 0; p < b.sc->pattern_count; p++)
            free(expressions[p]);
    free(expressions);
    free(flags);
    free(ids);
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
    if (sc->db && hs_alloc_scratch(sc->db, &s->hs) != HS_SUCCESS) {
        jk_scan_scratch_free(s);
        return jk_error_set(err, JK_ENOMEM, "cannot allocate matcher scratch space");
    }
    size_t ng = sc->flat_group_count ? sc->flat_group_count : 1;
    size_t nr = sc->rules->rule_count ? sc->rules->rule_count : 1;
    s->group_first = jk_calloc(ng, sizeof *s->group_first);
    s->group_count = jk_calloc(ng, sizeof *s->group_count);
    s->group_epoch = jk_calloc(ng, sizeof *s->group_epoch);
    s->group_fill = jk_calloc(ng, sizeof *s->group_fill);
    s->touched_groups = jk_calloc(ng, sizeof *s->touched_groups);
    s->rule_epoch = jk_calloc(nr, sizeof *s->rule_epoch);
    *out = s;
    return JK_OK;
}

/* ---- scanning ----------------------------------------------------------- */

static inline bool is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int on_match(unsigned int id, unsigned long long from,
                    unsigned long long to, unsigned int flags, void *ctx)
{
    (void)flags;
    jk_scan_scratch *s = ctx;
    const pattern *pat = &s->scanner->patterns[id];
    if (!pat->is_regex)
        from = to - pat->len;
    if (pat->word_boundary) {
        /* A term that begins or ends with a letter or digit must not be
         * glued to another letter or digit: "dm" is not inside "admin". */
        const unsigned char *text = (const unsigned char *)s->normalized.text;
        if (from > 0 && is_ascii_alnum(text[from]) && is_ascii_alnum(text[from - 1]))
            return 0;
        if (to < s->normalized.len && to > from && is_ascii_alnum(text[to - 1]) &&
            is_ascii_alnum(text[to]))
            return 0;
    }
    if (s->raw_count >= MAX_RAW_MATCHES)
        return 0;
    jk_grow((void **)&s->raw, &s->raw_cap, s->raw_count + 1, sizeof *s->raw);
    s->raw[s->raw_count++] = (raw_match){id, (uint32_t)from, (uint32_t)to};
    return 0;
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

static void touch_rule(jk_scan_scratch *s, uint32_t rule)
{
    if (s->rule_epoch[rule] == s->epoch)
        return;
    s->rule_epoch[rule] = s->epoch;
    jk_grow((void **)&s->touched, &s->touched_cap, s->touched_count + 1, sizeof *s->touched);
    s->touched[s->touched_count++] = rule;
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

int jk_scanner_scan(const jk_scanner *sc, jk_scan_scratch *s, const char *text,
                    size_t len, jk_scan_result *out, jk_error *err)
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
        s->epoch = 1;
    }

    if (sc->db && s->normalized.len > 0) {
        hs_error_t hrc = hs_scan(sc->db, s->normalized.text, (unsigned)s->normalized.len, 0,
                                 s->hs, on_match, s);
        if (hrc != HS_SUCCESS && hrc != HS_SCAN_TERMINATED)
            return jk_error_set(err, JK_ESCAN, "matcher failed (hyperscan error %d)", hrc);
    }

    /* Fan raw matches out to per-group lists with a counting sort: count
     * per group, lay the groups out, fill. Each list stays in Hyperscan's
     * report order (by end), and is then put in start order. */
    s->touched_group_count = 0;
    for (size_t i = 0; i < s->raw_count; i++) {
        const pattern *pat = &sc->patterns[s->raw[i].pattern];
        for (uint32_t k = 0; k < pat->ref_count; k++) {
            const pattern_ref *ref = &sc->refs[pat->ref_first + k];
            uint32_t g = ref->flat_group;
            if (s->group_epoch[g] != s->epoch) {
                s->group_epoch[g] = s->epoch;
                s->group_count[g] = 0;
                s->touched_groups[s->touched_group_count++] = g;
            }
            if (s->group_count[g] < MAX_GROUP_MATCHES)
                s->group_count[g]++;
            touch_rule(s, ref->rule);
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
    for (size_t i = 0; i < s->raw_count; i++) {
        const pattern *pat = &sc->patterns[s->raw[i].pattern];
        for (uint32_t k = 0; k < pat->ref_count; k++) {
            const pattern_ref *ref = &sc->refs[pat->ref_first + k];
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
    for (size_t i = 0; i < sc->always_count; i++)
        touch_rule(s, sc->always_rules[i]);

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
