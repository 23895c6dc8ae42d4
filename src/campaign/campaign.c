/*
 * campaign.c — linking items that share an indicator and grouping them
 * into campaigns (see campaign.h, docs/campaigns.md "How").
 *
 * One pass over the indicators table turns each row into a link key
 * (link.c; parsing results memoised per distinct URL and domain), giving
 * (key, item) pairs. Sorted and deduplicated they count the items per key;
 * keys held by 2..max_share items union their items (union by size, path
 * halving). The whole computation is redone on every call: the frequency
 * cut can un-link items as an indicator becomes common, which an
 * incrementally kept union-find cannot do.
 * Must not touch: SQL (the store's ops), printing.
 */
#include "campaign.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* --- string interning: (type, value) → dense index ------------------- */

typedef struct intern {
    char *arena; /* type byte, value, NUL; one after another */
    size_t arena_len, arena_cap;
    size_t *offs; /* entry → arena offset */
    uint64_t *hash;
    size_t count, cap;
    uint32_t *slots; /* open addressing: 0 empty, else entry + 1 */
    size_t nslots;   /* power of two */
} intern;

static uint64_t hash_key(unsigned type, const char *value, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ type; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)value[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static void intern_release(intern *t)
{
    free(t->arena);
    free(t->offs);
    free(t->hash);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static const char *intern_value(const intern *t, size_t i)
{
    return t->arena + t->offs[i] + 1;
}

static unsigned intern_type(const intern *t, size_t i)
{
    return (unsigned char)t->arena[t->offs[i]];
}

static void intern_grow_slots(intern *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slots = jk_calloc(n, sizeof *slots);
    for (size_t i = 0; i < t->count; i++) {
        size_t s = (size_t)t->hash[i] & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

static size_t intern_find(const intern *t, unsigned type, const char *value, uint64_t h)
{
    if (!t->nslots)
        return SIZE_MAX;
    for (size_t s = (size_t)h & (t->nslots - 1); t->slots[s]; s = (s + 1) & (t->nslots - 1)) {
        size_t i = t->slots[s] - 1;
        if (t->hash[i] == h && intern_type(t, i) == type && strcmp(intern_value(t, i), value) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* Index of (type, value), added when absent (*added says which). */
static size_t intern_get(intern *t, unsigned type, const char *value, bool *added)
{
    size_t len = strlen(value);
    uint64_t h = hash_key(type, value, len);
    if (added)
        *added = false;
    size_t found = intern_find(t, type, value, h);
    if (found != SIZE_MAX)
        return found;
    if ((t->count + 1) * 2 > t->nslots) /* load at most 1/2 */
        intern_grow_slots(t);
    if (t->count >= t->cap) {
        jk_grow((void **)&t->offs, &t->cap, t->count + 1, sizeof *t->offs);
        t->hash = jk_reallocarray(t->hash, t->cap, sizeof *t->hash);
    }
    size_t need = t->arena_len + len + 2;
    if (need > t->arena_cap)
        jk_grow((void **)&t->arena, &t->arena_cap, need, 1);
    size_t i = t->count++;
    t->offs[i] = t->arena_len;
    t->hash[i] = h;
    t->arena[t->arena_len] = (char)type;
    memcpy(t->arena + t->arena_len + 1, value, len + 1);
    t->arena_len = need;
    size_t s = (size_t)h & (t->nslots - 1);
    while (t->slots[s])
        s = (s + 1) & (t->nslots - 1);
    t->slots[s] = (uint32_t)(i + 1);
    if (added)
        *added = true;
    return i;
}

/* --- the linkage ---------------------------------------------------- */

typedef struct pair {
    size_t key;
    int64_t item; /* item id while reading; dense index after */
} pair;

typedef struct memo {
    jk_link_status status;
    size_t key; /* when status is JK_LINK_YES */
} memo;

struct jk_linkage {
    size_t max_share;
    intern keys;
    jk_link_indicator *key_info; /* per key */
    size_t common;

    int64_t *items; /* dense: ascending ids of items in campaigns */
    size_t item_count;
    size_t *item_campaign;    /* dense item → campaign */
    size_t *ik_item;                /* (dense item, key) sorted by item: an item's keys */
    const jk_link_indicator **ik_key;
    size_t ik_count;

    jk_campaign *campaigns;
    size_t campaign_count;
    int64_t *members;                    /* campaigns' items, campaign after campaign */
    const jk_link_indicator **ckeys;     /* campaigns' keys, campaign after campaign */
};

typedef struct build {
    jk_linkage *lk;
    intern raw;   /* distinct URL and domain values seen */
    memo *memos;  /* per raw entry */
    size_t memo_cap;
    pair *pairs;
    size_t pair_count, pair_cap;
    jk_buf key;
    int64_t home_item; /* the item whose home is in `home` (0 = none yet) */
    bool home_valid;
    jk_buf home;
} build;

static memo classify(build *b, const char *type, const char *value)
{
    memo m = {JK_LINK_UNKNOWN_TYPE, 0};
    jk_indicator_type kt;
    if (jk_indicator_type_from_name(type, &kt) != JK_OK)
        return m;
    bool parsed = kt == JK_IND_URL || kt == JK_IND_DOMAIN;
    size_t r = SIZE_MAX;
    if (parsed) { /* parsing and the public suffix list are the cost: once per value */
        bool added;
        r = intern_get(&b->raw, (unsigned)kt, value, &added);
        if (!added)
            return b->memos[r];
        if (r >= b->memo_cap)
            jk_grow((void **)&b->memos, &b->memo_cap, r + 1, sizeof *b->memos);
    }
    m.status = jk_link_key(type, value, &kt, &b->key);
    if (m.status == JK_LINK_YES)
        m.key = intern_get(&b->lk->keys, (unsigned)kt, b->key.data, NULL);
    if (parsed)
        b->memos[r] = m;
    return m;
}

static bool own_site(build *b, int64_t item_id, const char *item_url, size_t key)
{
    if (b->home_item != item_id) {
        b->home_item = item_id;
        b->home_valid = jk_link_home(item_url, &b->home);
    }
    return b->home_valid && strcmp(b->home.data, intern_value(&b->lk->keys, key)) == 0;
}

static int on_row(void *ctx, const jk_indicator_row *row)
{
    build *b = ctx;
    memo m = classify(b, row->type, row->value);
    if (m.status != JK_LINK_YES)
        return 0;
    if (intern_type(&b->lk->keys, m.key) == JK_IND_DOMAIN &&
        own_site(b, row->item_id, row->item_url, m.key))
        return 0;
    if (b->pair_count >= b->pair_cap)
        jk_grow((void **)&b->pairs, &b->pair_cap, b->pair_count + 1, sizeof *b->pairs);
    b->pairs[b->pair_count++] = (pair){m.key, row->item_id};
    return 0;
}

static int pair_by_key(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Keys in display order: most items first, then type, then value. */
static int key_order(const jk_link_indicator *x, const jk_link_indicator *y)
{
    if (x->items != y->items)
        return x->items > y->items ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->value, y->value);
}

static int cmp_key_ptr(const void *a, const void *b)
{
    return key_order(*(const jk_link_indicator *const *)a, *(const jk_link_indicator *const *)b);
}

typedef struct sort_ctx_pair {
    pair p;
    const jk_link_indicator *info;
} item_key_sort;

static int cmp_item_key(const void *a, const void *b)
{
    const item_key_sort *x = a, *y = b;
    if (x->p.item != y->p.item)
        return x->p.item < y->p.item ? -1 : 1;
    return key_order(x->info, y->info);
}

static int cmp_campaign(const void *a, const void *b)
{
    const jk_campaign *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static size_t find_root(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static size_t dense_index(const jk_linkage *lk, int64_t item_id)
{
    const int64_t *hit = bsearch(&item_id, lk->items, lk->item_count, sizeof *lk->items, cmp_id);
    return hit ? (size_t)(hit - lk->items) : SIZE_MAX;
}

/* From deduplicated (key, item id) pairs of linking keys: items, the
 * union-find, campaigns and their keys. */
static void group(jk_linkage *lk, pair *pairs, size_t n)
{
    /* dense items */
    lk->items = jk_reallocarray(NULL, n ? n : 1, sizeof *lk->items);
    for (size_t i = 0; i < n; i++)
        lk->items[i] = pairs[i].item;
    qsort(lk->items, n, sizeof *lk->items, cmp_id);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || lk->items[m - 1] != lk->items[i])
            lk->items[m++] = lk->items[i];
    lk->item_count = m;
    for (size_t i = 0; i < n; i++)
        pairs[i].item = (int64_t)dense_index(lk, pairs[i].item);

    /* union-find over dense items; pairs are grouped by key */
    size_t *parent = jk_reallocarray(NULL, m ? m : 1, sizeof *parent);
    size_t *size = jk_reallocarray(NULL, m ? m : 1, sizeof *size);
    for (size_t i = 0; i < m; i++) {
        parent[i] = i;
        size[i] = 1;
    }
    for (size_t i = 1; i < n; i++) {
        if (pairs[i].key != pairs[i - 1].key)
            continue;
        size_t a = find_root(parent, (size_t)pairs[i - 1].item);
        size_t b = find_root(parent, (size_t)pairs[i].item);
        if (a == b)
            continue;
        if (size[a] < size[b]) {
            size_t t = a;
            a = b;
            b = t;
        }
        parent[b] = a;
        size[a] += size[b];
    }

    /* campaigns: one per root; items ascending, so a root's first item
     * seen is the campaign's lowest id */
    size_t *root_campaign = size; /* reused: root → campaign index */
    for (size_t i = 0; i < m; i++)
        root_campaign[i] = SIZE_MAX;
    lk->campaigns = jk_reallocarray(NULL, m ? m : 1, sizeof *lk->campaigns);
    lk->campaign_count = 0;
    lk->item_campaign = jk_reallocarray(NULL, m ? m : 1, sizeof *lk->item_campaign);
    for (size_t i = 0; i < m; i++) {
        size_t r = find_root(parent, i);
        if (root_campaign[r] == SIZE_MAX) {
            root_campaign[r] = lk->campaign_count;
            lk->campaigns[lk->campaign_count++] = (jk_campaign){lk->items[i], 0, NULL, NULL, 0};
        }
        lk->item_campaign[i] = root_campaign[r];
        lk->campaigns[root_campaign[r]].size++;
    }
    /* order campaigns (largest first) and renumber */
    size_t cc = lk->campaign_count;
    size_t *order = jk_reallocarray(NULL, cc ? cc : 1, sizeof *order);
    for (size_t c = 0; c < cc; c++)
        lk->campaigns[c].indicator_count = c; /* remember the old index through the sort */
    qsort(lk->campaigns, cc, sizeof *lk->campaigns, cmp_campaign);
    for (size_t c = 0; c < cc; c++) {
        order[lk->campaigns[c].indicator_count] = c;
        lk->campaigns[c].indicator_count = 0;
    }
    for (size_t i = 0; i < m; i++)
        lk->item_campaign[i] = order[lk->item_campaign[i]];
    free(order);
    free(parent);
    free(size);

    /* members, campaign after campaign, ascending within */
    size_t *fill = jk_calloc(cc ? cc : 1, sizeof *fill);
    size_t off = 0;
    for (size_t c = 0; c < cc; c++) {
        fill[c] = off;
        off += lk->campaigns[c].size;
    }
    lk->members = jk_reallocarray(NULL, m ? m : 1, sizeof *lk->members);
    for (size_t c = 0; c < cc; c++)
        lk->campaigns[c].items = lk->members + fill[c];
    for (size_t i = 0; i < m; i++)
        lk->members[fill[lk->item_campaign[i]]++] = lk->items[i];

    /* keys per campaign (a key's items are all in one campaign) */
    size_t nkeys = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pairs[i].key != pairs[i - 1].key) {
            lk->campaigns[lk->item_campaign[pairs[i].item]].indicator_count++;
            nkeys++;
        }
    lk->ckeys = jk_reallocarray(NULL, nkeys ? nkeys : 1, sizeof *lk->ckeys);
    off = 0;
    for (size_t c = 0; c < cc; c++) {
        fill[c] = off;
        lk->campaigns[c].indicators = lk->ckeys + off;
        off += lk->campaigns[c].indicator_count;
    }
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pairs[i].key != pairs[i - 1].key)
            lk->ckeys[fill[lk->item_campaign[pairs[i].item]]++] = &lk->key_info[pairs[i].key];
    for (size_t c = 0; c < cc; c++)
        qsort((void *)lk->campaigns[c].indicators, lk->campaigns[c].indicator_count,
              sizeof *lk->ckeys, cmp_key_ptr);
    free(fill);

    /* an item's keys: pairs sorted by item, keys in display order */
    item_key_sort *ks = jk_reallocarray(NULL, n ? n : 1, sizeof *ks);
    for (size_t i = 0; i < n; i++)
        ks[i] = (item_key_sort){pairs[i], &lk->key_info[pairs[i].key]};
    qsort(ks, n, sizeof *ks, cmp_item_key);
    lk->ik_item = jk_reallocarray(NULL, n ? n : 1, sizeof *lk->ik_item);
    lk->ik_key = jk_reallocarray(NULL, n ? n : 1, sizeof *lk->ik_key);
    for (size_t i = 0; i < n; i++) {
        lk->ik_item[i] = (size_t)ks[i].p.item;
        lk->ik_key[i] = ks[i].info;
    }
    lk->ik_count = n;
    free(ks);
}

int jk_linkage_build(jk_store *st, const jk_link_options *opt, jk_linkage **out, jk_error *err)
{
    *out = NULL;
    jk_linkage *lk = jk_calloc(1, sizeof *lk);
    lk->max_share = opt && opt->max_share ? opt->max_share : JK_LINK_DEFAULT_MAX_SHARE;
    build b;
    memset(&b, 0, sizeof b);
    b.lk = lk;
    jk_buf_init(&b.key, 0);
    jk_buf_init(&b.home, 0);
    int rc = jk_store_indicator_rows(st, on_row, &b, err);
    if (rc)
        goto done;

    /* one pair per (key, item): an item naming a LINE ID twice holds it once */
    if (b.pair_count) /* no pairs: no array (qsort wants one anyway) */
        qsort(b.pairs, b.pair_count, sizeof *b.pairs, pair_by_key);
    size_t n = 0;
    for (size_t i = 0; i < b.pair_count; i++)
        if (n == 0 || b.pairs[n - 1].key != b.pairs[i].key || b.pairs[n - 1].item != b.pairs[i].item)
            b.pairs[n++] = b.pairs[i];

    /* the keys are final: values can point into the arena now */
    size_t nk = lk->keys.count;
    lk->key_info = jk_calloc(nk ? nk : 1, sizeof *lk->key_info);
    for (size_t k = 0; k < nk; k++)
        lk->key_info[k] = (jk_link_indicator){(jk_indicator_type)intern_type(&lk->keys, k),
                                              intern_value(&lk->keys, k), 0};
    for (size_t i = 0; i < n; i++)
        lk->key_info[b.pairs[i].key].items++;

    /* keep the pairs of keys that link: shared, and not too common */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        size_t items = lk->key_info[b.pairs[i].key].items;
        if (items >= 2 && items <= lk->max_share)
            b.pairs[kept++] = b.pairs[i];
        else if (items > lk->max_share && (i == 0 || b.pairs[i - 1].key != b.pairs[i].key))
            lk->common++;
    }
    group(lk, b.pairs, kept);
    *out = lk;
    lk = NULL;
done:
    jk_linkage_free(lk);
    intern_release(&b.raw);
    free(b.memos);
    free(b.pairs);
    jk_buf_release(&b.key);
    jk_buf_release(&b.home);
    return rc;
}

void jk_linkage_free(jk_linkage *lk)
{
    if (!lk)
        return;
    intern_release(&lk->keys);
    free(lk->key_info);
    free(lk->items);
    free(lk->item_campaign);
    free(lk->ik_item);
    free(lk->ik_key);
    free(lk->campaigns);
    free(lk->members);
    free(lk->ckeys);
    free(lk);
}

size_t jk_linkage_campaign_count(const jk_linkage *lk)
{
    return lk->campaign_count;
}

void jk_linkage_campaign(const jk_linkage *lk, size_t index, jk_campaign *out)
{
    *out = lk->campaigns[index];
}

int jk_linkage_campaign_of(const jk_linkage *lk, int64_t item_id, jk_campaign *out)
{
    size_t d = dense_index(lk, item_id);
    if (d == SIZE_MAX)
        return JK_ENOTFOUND;
    *out = lk->campaigns[lk->item_campaign[d]];
    return JK_OK;
}

static int cmp_dense(const void *key, const void *elem)
{
    size_t d = *(const size_t *)key, e = *(const size_t *)elem;
    return d < e ? -1 : d > e;
}

size_t jk_linkage_item_keys(const jk_linkage *lk, int64_t item_id,
                            const jk_link_indicator *const **keys)
{
    *keys = lk->ik_key;
    size_t d = dense_index(lk, item_id);
    if (d == SIZE_MAX)
        return 0;
    const size_t *hit = bsearch(&d, lk->ik_item, lk->ik_count, sizeof *lk->ik_item, cmp_dense);
    if (!hit)
        return 0;
    const size_t *first = hit, *end = hit;
    while (first > lk->ik_item && first[-1] == d)
        first--;
    while (end < lk->ik_item + lk->ik_count && *end == d)
        end++;
    *keys = lk->ik_key + (first - lk->ik_item);
    return (size_t)(end - first);
}

jk_link_status jk_linkage_status(const jk_linkage *lk, const char *item_url, const char *type,
                                 const char *value, const jk_link_indicator **key)
{
    *key = NULL;
    jk_indicator_type kt;
    jk_buf k, home;
    jk_buf_init(&k, 0);
    jk_buf_init(&home, 0);
    jk_link_status s = jk_link_key(type, value, &kt, &k);
    if (s != JK_LINK_YES)
        goto done;
    size_t i = intern_find(&lk->keys, (unsigned)kt, k.data, hash_key((unsigned)kt, k.data, k.len));
    if (kt == JK_IND_DOMAIN && jk_link_home(item_url, &home) && strcmp(home.data, k.data) == 0) {
        s = JK_LINK_OWN_SITE;
        goto done;
    }
    if (i == SIZE_MAX) { /* not read from the store: the item is newer than lk */
        s = JK_LINK_UNSHARED;
        goto done;
    }
    *key = &lk->key_info[i];
    if ((*key)->items > lk->max_share)
        s = JK_LINK_COMMON;
    else if ((*key)->items < 2)
        s = JK_LINK_UNSHARED;
done:
    jk_buf_release(&k);
    jk_buf_release(&home);
    return s;
}

size_t jk_linkage_common_count(const jk_linkage *lk)
{
    return lk->common;
}

size_t jk_linkage_max_share(const jk_linkage *lk)
{
    return lk->max_share;
}

typedef struct summary_ctx {
    jk_campaign_summary *out;
    bool any;
} summary_ctx;

static void copy_time(char dst[JK_CAMPAIGN_TIME_MAX], const char *src)
{
    size_t len = strlen(src);
    if (len >= JK_CAMPAIGN_TIME_MAX)
        len = JK_CAMPAIGN_TIME_MAX - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int on_member(void *ctx, const jk_item_row *row)
{
    summary_ctx *c = ctx;
    c->out->categories |= row->categories;
    const char *seen = row->posted_at && *row->posted_at ? row->posted_at : row->fetched_at;
    if (!seen || !*seen)
        return 0;
    /* ISO 8601 text in one zone sorts as time does */
    if (!c->any || strncmp(seen, c->out->first_seen, JK_CAMPAIGN_TIME_MAX - 1) < 0)
        copy_time(c->out->first_seen, seen);
    if (!c->any || strncmp(seen, c->out->last_seen, JK_CAMPAIGN_TIME_MAX - 1) > 0)
        copy_time(c->out->last_seen, seen);
    c->any = true;
    return 0;
}

int jk_campaign_summarize(jk_store *st, const jk_campaign *c, jk_campaign_summary *out,
                          jk_error *err)
{
    memset(out, 0, sizeof *out);
    summary_ctx ctx = {out, false};
    for (size_t i = 0; i < c->size; i++) {
        int rc = jk_store_item_get(st, c->items[i], NULL, NULL, false, on_member, &ctx, err);
        if (rc && rc != JK_ENOTFOUND) /* deleted since the linkage was built: skip */
            return rc;
    }
    return JK_OK;
}
