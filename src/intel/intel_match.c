/*
 * intel_match.c — the in-memory intel table and matching (see
 * intel_match.h).
 *
 * Keys are stored in one arena as [kind byte][key bytes][NUL]; entries
 * point at them by 32-bit offsets, and the table is an array of 8-byte
 * slots (32 bits of hash, entry number + 1) with linear probing at load
 * factor <= 1/2. A million entries take about 16 MB of slots, 20 MB of
 * entries and their keys. The hash is SipHash-2-4 (libsodium's
 * crypto_shorthash) under a random key per table, so list entries chosen
 * to collide (a partner's list is input too) cannot turn lookups into
 * linear scans.
 *
 * Must not touch: the store beyond jk_intel_load's reads; printing.
 */
#include "intel_match.h"

#include <libpsl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "url.h"

/* Kinds beside the indicator types (which are the exact kinds). */
enum { KIND_REGDOMAIN = JK_IND_TYPE_COUNT, KIND_PREFIX, KIND_COUNT };

/* At most this many prefixes of one URL are looked up. */
#define MAX_PREFIXES 64
/* At most this many entries are named as terms of one hit. */
#define MAX_TERMS 32

typedef struct intel_list {
    char *name;
    char *rule_id; /* "intel:NAME" */
    char *version;
    jk_category category;
    jk_intel_match_mode match;
} intel_list;

typedef struct entry {
    uint32_t key;   /* arena offset of [kind][key]\0 */
    uint32_t value; /* arena offset of the value shown (NUL-terminated) */
    uint32_t key_len; /* with the kind byte */
    uint32_t list;
} entry;

typedef struct slot {
    uint32_t hash;  /* high half of the 64-bit hash */
    uint32_t entry; /* entry index + 1; 0 = empty */
} slot;

struct jk_intel {
    intel_list *lists;
    size_t list_count, list_cap;
    entry *entries;
    size_t count, cap;
    jk_buf arena;
    slot *slots;
    size_t mask;
    size_t kind_count[KIND_COUNT];
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    jk_buf scratch; /* used while adding (single-threaded) */
};

typedef struct jk_intel_found {
    uint32_t list;
    uint32_t entry;
    size_t start, end;
} jk_intel_found;

int jk_intel_match_mode_from_name(const char *name, jk_intel_match_mode *out)
{
    static const char *const names[] = {"exact", "domain", "prefix"};
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, names[i])) {
            *out = (jk_intel_match_mode)i;
            return JK_OK;
        }
    return JK_ENOTFOUND;
}

jk_intel *jk_intel_new(void)
{
    if (sodium_init() < 0)
        return NULL;
    jk_intel *in = jk_calloc(1, sizeof *in);
    jk_buf_init(&in->arena, 0);
    jk_buf_init(&in->scratch, 0);
    crypto_shorthash_keygen(in->hash_key);
    return in;
}

void jk_intel_free(jk_intel *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->list_count; i++) {
        free(in->lists[i].name);
        free(in->lists[i].rule_id);
        free(in->lists[i].version);
    }
    free(in->lists);
    free(in->entries);
    free(in->slots);
    jk_buf_release(&in->arena);
    jk_buf_release(&in->scratch);
    free(in);
}

size_t jk_intel_entry_count(const jk_intel *in)
{
    return in && in->slots ? in->count : 0;
}

size_t jk_intel_list_count(const jk_intel *in)
{
    return in ? in->list_count : 0;
}

int jk_intel_add_list(jk_intel *in, const char *name, jk_category category,
                      jk_intel_match_mode match, const char *version, size_t *index)
{
    jk_grow((void **)&in->lists, &in->list_cap, in->list_count + 1, sizeof *in->lists);
    intel_list *l = &in->lists[in->list_count];
    l->name = jk_strdup(name);
    size_t n = strlen(name) + 7;
    l->rule_id = jk_malloc(n);
    snprintf(l->rule_id, n, "intel:%s", name);
    l->version = jk_strdup(version ? version : "");
    l->category = category;
    l->match = match;
    *index = in->list_count++;
    return JK_OK;
}

static uint64_t hash_key(const unsigned char key[crypto_shorthash_KEYBYTES], const char *s,
                         size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)s, n, key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}

/* Append [kind][s]\0 to the arena; *off receives its offset. */
static int arena_put(jk_intel *in, int kind, const char *s, size_t n, uint32_t *off,
                     jk_error *err)
{
    if (in->arena.len + n + 2 > UINT32_MAX)
        return jk_error_set(err, JK_ELIMIT, "intel lists hold more than 4 GiB of values");
    *off = (uint32_t)in->arena.len;
    int rc = kind >= 0 ? jk_buf_putc(&in->arena, (char)kind) : JK_OK;
    rc = rc ? rc : jk_buf_append(&in->arena, s, n);
    rc = rc ? rc : jk_buf_putc(&in->arena, '\0');
    return rc;
}

/* The host of a canonical href ("https://user@h:8080/x" → "h"). */
static void href_host(const char *v, size_t n, const char **h, size_t *hl)
{
    const char *sep = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/') {
            sep = v + i + 3;
            break;
        }
    *h = NULL;
    *hl = 0;
    if (!sep)
        return;
    const char *end = v + n, *a = sep;
    while (a < end && *a != '/' && *a != '?' && *a != '#')
        a++;
    const char *s = sep;
    for (const char *p = sep; p < a; p++)
        if (*p == '@')
            s = p + 1;
    const char *e = s;
    if (e < a && *e == '[') {
        while (e < a && *e != ']')
            e++;
        if (e < a)
            e++;
    } else {
        while (e < a && *e != ':')
            e++;
    }
    *h = s;
    *hl = (size_t)(e - s);
}

/* Where a canonical href's path starts (its first '/' after the
 * authority), or n when it has none (an opaque URL). */
static size_t path_start(const char *v, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/') {
            for (size_t k = i + 3; k < n; k++)
                if (v[k] == '/' || v[k] == '?' || v[k] == '#')
                    return v[k] == '/' ? k : n;
            return n;
        }
    return n;
}

/* The key of a URL entry matched by prefix: no fragment, and no trailing
 * '/' when there is no query, so "https://h/a/" and "https://h/a" both
 * mean "h/a and everything under it". */
static size_t prefix_key_len(const char *v, size_t n)
{
    const char *hash = memchr(v, '#', n);
    if (hash)
        n = (size_t)(hash - v);
    if (!memchr(v, '?', n) && n > 0 && v[n - 1] == '/' && path_start(v, n) < n)
        n--;
    return n;
}

int jk_intel_add(jk_intel *in, size_t list, const char *type, const char *value, size_t len,
                 jk_error *err)
{
    if (list >= in->list_count)
        return jk_error_set(err, JK_EINVAL, "no intel list %zu", list);
    jk_indicator_type t;
    if (jk_indicator_type_from_name(type, &t) != JK_OK)
        return JK_OK; /* hashes: shared, stored, never in a post */
    if (in->count >= INT32_MAX)
        return jk_error_set(err, JK_ELIMIT, "more than %d intel entries", INT32_MAX);
    const intel_list *l = &in->lists[list];
    int kind = (int)t;
    const char *key = value;
    size_t key_len = len;
    if (l->match == JK_INTEL_MATCH_DOMAIN && (t == JK_IND_DOMAIN || t == JK_IND_URL)) {
        const char *host = value;
        size_t hl = len;
        if (t == JK_IND_URL)
            href_host(value, len, &host, &hl);
        if (host && hl) {
            jk_buf_reset(&in->scratch);
            jk_buf_append(&in->scratch, host, hl);
            const char *reg = psl_registrable_domain(psl_builtin(), in->scratch.data);
            unsigned long a4;
            if (reg && in->scratch.data[0] != '[' &&
                jk_url_parse_ipv4(in->scratch.data, in->scratch.len, &a4) == 0) {
                kind = KIND_REGDOMAIN;
                key = reg;
                key_len = strlen(reg);
            }
        }
    } else if (l->match == JK_INTEL_MATCH_PREFIX && t == JK_IND_URL) {
        kind = KIND_PREFIX;
        key_len = prefix_key_len(value, len);
    }
    jk_grow((void **)&in->entries, &in->cap, in->count + 1, sizeof *in->entries);
    entry *e = &in->entries[in->count];
    e->list = (uint32_t)list;
    e->key_len = (uint32_t)key_len + 1;
    /* key may point into scratch: copy it before the value */
    int rc = arena_put(in, kind, key, key_len, &e->key, err);
    if (rc)
        return rc;
    if (kind == (int)t)
        e->value = e->key + 1; /* the value is the key */
    else if ((rc = arena_put(in, -1, value, len, &e->value, err)))
        return rc;
    in->count++;
    in->kind_count[kind]++;
    return JK_OK;
}

int jk_intel_build(jk_intel *in, jk_error *err)
{
    size_t cap = 16;
    while (cap < in->count * 2)
        cap *= 2;
    free(in->slots);
    in->slots = jk_calloc(cap, sizeof *in->slots);
    in->mask = cap - 1;
    for (size_t i = 0; i < in->count; i++) {
        const entry *e = &in->entries[i];
        uint64_t h = hash_key(in->hash_key, in->arena.data + e->key, e->key_len);
        size_t k = (size_t)h & in->mask;
        while (in->slots[k].entry)
            k = (k + 1) & in->mask;
        in->slots[k].hash = (uint32_t)(h >> 32);
        in->slots[k].entry = (uint32_t)i + 1;
    }
    (void)err;
    return JK_OK;
}

/* ---- matching ------------------------------------------------------------ */

void jk_intel_hits_init(jk_intel_hits *h)
{
    memset(h, 0, sizeof *h);
    jk_buf_init(&h->key, 0);
}

void jk_intel_hits_release(jk_intel_hits *h)
{
    free(h->hits);
    free(h->versions);
    free(h->found);
    free(h->spans);
    free(h->terms);
    jk_buf_release(&h->key);
    memset(h, 0, sizeof *h);
}

/* Look up key (h->key holds [kind][text]) and record every entry with
 * that key as found at [start, end). */
static void lookup(const jk_intel *in, jk_intel_hits *h, size_t start, size_t end)
{
    const char *k = h->key.data;
    size_t n = h->key.len;
    uint64_t hv = hash_key(in->hash_key, k, n);
    uint32_t top = (uint32_t)(hv >> 32);
    for (size_t i = (size_t)hv & in->mask; in->slots[i].entry; i = (i + 1) & in->mask) {
        if (in->slots[i].hash != top)
            continue;
        const entry *e = &in->entries[in->slots[i].entry - 1];
        if (e->key_len != n || memcmp(in->arena.data + e->key, k, n) != 0)
            continue;
        jk_grow((void **)&h->found, &h->found_cap, h->found_count + 1, sizeof *h->found);
        h->found[h->found_count++] = (jk_intel_found){e->list, in->slots[i].entry - 1, start, end};
    }
}

static void set_key(jk_intel_hits *h, int kind, const char *s, size_t n)
{
    jk_buf_reset(&h->key);
    jk_buf_putc(&h->key, (char)kind);
    jk_buf_append(&h->key, s, n);
}

/* Every prefix of a URL at a path-segment boundary (see prefix_key_len):
 * "https://h/a/b.php?q" → "https://h", "https://h/a", "https://h/a/b.php",
 * "https://h/a/b.php?q". */
static void lookup_prefixes(const jk_intel *in, jk_intel_hits *h, const jk_indicator *x)
{
    const char *v = x->value;
    size_t n = strlen(v);
    const char *hash = memchr(v, '#', n);
    if (hash)
        n = (size_t)(hash - v);
    const char *qm = memchr(v, '?', n);
    size_t q = qm ? (size_t)(qm - v) : n;
    size_t p0 = path_start(v, q);
    int looked = 0;
    if (p0 < q) {
        for (size_t i = p0; i < q && looked < MAX_PREFIXES; i++)
            if (v[i] == '/') {
                set_key(h, KIND_PREFIX, v, i);
                lookup(in, h, x->start, x->end);
                looked++;
            }
        if (v[q - 1] != '/') {
            set_key(h, KIND_PREFIX, v, q);
            lookup(in, h, x->start, x->end);
        }
    } else {
        set_key(h, KIND_PREFIX, v, q);
        lookup(in, h, x->start, x->end);
    }
    if (q < n) {
        set_key(h, KIND_PREFIX, v, n);
        lookup(in, h, x->start, x->end);
    }
}

static int cmp_found(const void *a, const void *b)
{
    const jk_intel_found *x = a, *y = b;
    if (x->list != y->list)
        return x->list < y->list ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

int jk_intel_match(const jk_intel *in, const jk_indicator_list *list, jk_intel_hits *h)
{
    h->count = 0;
    h->found_count = 0;
    if (!jk_intel_entry_count(in) || !list)
        return JK_OK;
    const psl_ctx_t *psl = psl_builtin();
    for (size_t i = 0; i < list->count; i++) {
        const jk_indicator *x = &list->items[i];
        if (in->kind_count[x->type]) {
            set_key(h, (int)x->type, x->value, strlen(x->value));
            lookup(in, h, x->start, x->end);
        }
        if (x->type == JK_IND_DOMAIN && in->kind_count[KIND_REGDOMAIN] && psl) {
            const char *reg = psl_registrable_domain(psl, x->value);
            if (reg) {
                set_key(h, KIND_REGDOMAIN, reg, strlen(reg));
                lookup(in, h, x->start, x->end);
            }
        }
        if (x->type == JK_IND_URL && in->kind_count[KIND_PREFIX])
            lookup_prefixes(in, h, x);
    }
    if (h->found_count == 0)
        return JK_OK;
    qsort(h->found, h->found_count, sizeof *h->found, cmp_found);
    /* spans and terms of all hits in two arrays sized for the worst case,
     * so the pointers hits hold never move while they are filled */
    if (h->span_cap < h->found_count) {
        free(h->spans);
        free(h->terms);
        h->span_cap = h->found_count;
        h->spans = jk_calloc(h->span_cap, sizeof *h->spans);
        h->terms = jk_calloc(h->span_cap, sizeof *h->terms);
    }
    size_t spans = 0, terms = 0;
    for (size_t i = 0; i < h->found_count;) {
        uint32_t l = h->found[i].list;
        if (h->count == h->hit_cap) {
            h->hit_cap = h->hit_cap ? h->hit_cap * 2 : 4;
            h->hits = jk_reallocarray(h->hits, h->hit_cap, sizeof *h->hits);
            h->versions = jk_reallocarray(h->versions, h->hit_cap, sizeof *h->versions);
        }
        jk_hit *hit = &h->hits[h->count];
        const intel_list *il = &in->lists[l];
        memset(hit, 0, sizeof *hit);
        hit->rule = JK_INTEL_RULE;
        hit->rule_id = il->rule_id;
        hit->category = il->category;
        hit->score = 1.0;
        hit->spans = h->spans + spans;
        hit->terms = h->terms + terms;
        h->versions[h->count] = il->version;
        size_t j = i;
        for (; j < h->found_count && h->found[j].list == l; j++) {
            const jk_intel_found *f = &h->found[j];
            jk_span *last = hit->span_count ? &h->spans[spans - 1] : NULL;
            if (last && f->start <= last->end) {
                if (f->end > last->end)
                    last->end = f->end;
            } else {
                h->spans[spans++] = (jk_span){f->start, f->end};
                hit->span_count++;
            }
            const char *term = in->arena.data + in->entries[f->entry].value;
            int seen = 0;
            for (size_t k = 0; k < hit->term_count && !seen; k++)
                seen = hit->terms[k] == term;
            if (!seen && hit->term_count < MAX_TERMS) {
                h->terms[terms++] = term;
                hit->term_count++;
            }
        }
        h->count++;
        i = j;
    }
    return JK_OK;
}

/* ---- loading from the store ------------------------------------------- */

typedef struct load_ctx {
    jk_intel *in;
    int64_t *ids; /* store id of list i */
    size_t id_count, id_cap;
    size_t last;  /* index of the last list looked up */
    jk_error *err;
    int rc;
} load_ctx;

static int load_list(void *p, const jk_intel_list_info *l)
{
    load_ctx *c = p;
    jk_category cat = JK_CAT_PHISHING;
    if (l->category)
        jk_category_from_id(l->category, strlen(l->category), &cat);
    jk_intel_match_mode mode = JK_INTEL_MATCH_EXACT;
    jk_intel_match_mode_from_name(l->match, &mode);
    char version[96];
    snprintf(version, sizeof version, "v%lld %s", (long long)l->version,
             l->imported_at ? l->imported_at : "");
    size_t index;
    jk_intel_add_list(c->in, l->name ? l->name : "?", cat, mode, version, &index);
    jk_grow((void **)&c->ids, &c->id_cap, c->id_count + 1, sizeof *c->ids);
    c->ids[c->id_count++] = l->id;
    return 0;
}

static int load_entry(void *p, int64_t list_id, const char *type, const char *value,
                      size_t value_len)
{
    load_ctx *c = p;
    if (c->last >= c->id_count || c->ids[c->last] != list_id) {
        size_t k = 0;
        while (k < c->id_count && c->ids[k] != list_id)
            k++;
        if (k == c->id_count)
            return 0; /* a list removed while reading */
        c->last = k;
    }
    c->rc = jk_intel_add(c->in, c->last, type, value, value_len, c->err);
    return c->rc;
}

int jk_intel_load(jk_store *st, jk_intel **out, jk_error *err)
{
    *out = NULL;
    jk_intel *in = jk_intel_new();
    if (!in)
        return jk_error_set(err, JK_ENOMEM, "cannot initialise libsodium");
    load_ctx c = {in, NULL, 0, 0, 0, err, 0};
    int rc = jk_store_intel_lists(st, load_list, &c, err);
    if (!rc && c.id_count)
        rc = jk_store_intel_entries(st, load_entry, &c, err);
    if (!rc)
        rc = c.rc;
    if (!rc)
        rc = jk_intel_build(in, err);
    free(c.ids);
    if (rc) {
        jk_intel_free(in);
        return rc;
    }
    *out = in;
    return JK_OK;
}
