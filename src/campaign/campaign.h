/*
 * campaign.h — posts linked by shared indicators, and campaigns: the
 * connected groups of linked posts (issue 5; docs/campaigns.md).
 *
 * A jk_linkage is computed from the store's indicators table on demand
 * (one read of every indicator, a sort, and a union-find), so it always
 * reflects what is stored and the frequency cut can change its mind as
 * items arrive. It is immutable once built and may be read from several
 * threads; building one uses the store, one thread at a time.
 *
 * Owns: grouping and the campaign summaries. What links is link.h.
 */
#ifndef JK_CAMPAIGN_H
#define JK_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "extract.h"
#include "junkai/store.h"
#include "link.h"

/* An indicator held by more items than this is too common to link them
 * (a news site, a celebrity's handle): the default of max_share. */
#define JK_LINK_DEFAULT_MAX_SHARE 500u

typedef struct jk_link_options {
    size_t max_share; /* 0 = JK_LINK_DEFAULT_MAX_SHARE */
} jk_link_options;

/* A link key: a value items share (for domains, the registrable domain). */
typedef struct jk_link_indicator {
    jk_indicator_type type;
    const char *value;
    size_t items; /* distinct items holding it */
} jk_link_indicator;

/* A campaign; pointers are owned by the linkage and live as long as it. */
typedef struct jk_campaign {
    int64_t id;           /* its lowest item id: `junkai links ID` shows it */
    size_t size;          /* items in it (at least 2) */
    const int64_t *items; /* ascending */
    const jk_link_indicator *const *indicators; /* the keys linking it, most items first */
    size_t indicator_count;
} jk_campaign;

typedef struct jk_linkage jk_linkage;

/* Read every indicator in the store and group the items that share one.
 * opt may be NULL (defaults). *out is new (free with jk_linkage_free).
 * Errors: the store's (JK_EIO). */
int jk_linkage_build(jk_store *st, const jk_link_options *opt, jk_linkage **out,
                     jk_error *err);
void jk_linkage_free(jk_linkage *lk);

/* Campaigns, largest first (equal sizes: lowest id first). */
size_t jk_linkage_campaign_count(const jk_linkage *lk);
void jk_linkage_campaign(const jk_linkage *lk, size_t index, jk_campaign *out);
/* The campaign an item belongs to; JK_ENOTFOUND when it links to nothing. */
int jk_linkage_campaign_of(const jk_linkage *lk, int64_t item_id, jk_campaign *out);

/* The linking keys an item holds (*keys owned by lk; 0 when none). */
size_t jk_linkage_item_keys(const jk_linkage *lk, int64_t item_id,
                            const jk_link_indicator *const **keys);

/* What one stored indicator (type, canonical value) of the item whose own
 * URL is item_url (may be NULL) does in this linkage.
 * *key is the key when there is one (links, unshared, common), else NULL. */
jk_link_status jk_linkage_status(const jk_linkage *lk, const char *item_url, const char *type,
                                 const char *value, const jk_link_indicator **key);

/* Keys too common to link (held by more than max_share items). */
size_t jk_linkage_common_count(const jk_linkage *lk);
size_t jk_linkage_max_share(const jk_linkage *lk);

/* What a campaign's items say about it, read from the store. */
#define JK_CAMPAIGN_TIME_MAX 64
typedef struct jk_campaign_summary {
    uint32_t categories; /* bit (1u << jk_category) per category detected in any item */
    char first_seen[JK_CAMPAIGN_TIME_MAX]; /* posted_at, else fetched_at (ISO 8601 text) */
    char last_seen[JK_CAMPAIGN_TIME_MAX];
} jk_campaign_summary;
int jk_campaign_summarize(jk_store *st, const jk_campaign *c, jk_campaign_summary *out,
                          jk_error *err);

#endif
