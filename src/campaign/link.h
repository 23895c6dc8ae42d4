/*
 * link.h — which indicators link posts, and by what key (docs/campaigns.md).
 *
 * Owns: the rules that turn one stored indicator (type name, canonical
 * value) into a link key or a reason it cannot link: the built-in stoplist
 * of big platforms and shared hosts, site-root URLs, local addresses,
 * public hotline numbers, and domains compared by registrable domain.
 * Must not touch: the store or the grouping (campaign.c). Pure functions,
 * no global mutable state (the stoplists are const tables).
 */
#ifndef JK_LINK_H
#define JK_LINK_H

#include <stdbool.h>

#include "buf.h"
#include "extract.h"

typedef enum jk_link_status {
    JK_LINK_YES,            /* links the items holding the same key */
    JK_LINK_UNSHARED,       /* a key no other item holds */
    JK_LINK_COMMON,         /* a key held by more items than the limit */
    JK_LINK_OWN_SITE,       /* a domain of the site the item itself is on */
    JK_LINK_PLATFORM,       /* a big platform's own domain or URL */
    JK_LINK_SHARED_HOST,    /* the domain of a shortener or shared host (its URLs link) */
    JK_LINK_SITE_ROOT,      /* the root URL of a site: links as its domain instead */
    JK_LINK_ACCOUNT_URL,    /* a link to an account: links as that account (t.me/x → @x) */
    JK_LINK_LOCAL_ADDRESS,  /* private, loopback, link-local, multicast address */
    JK_LINK_PUBLIC_NUMBER,  /* a public hotline everyone quotes */
    JK_LINK_NO_DOMAIN,      /* a public suffix or a host with no registrable domain */
    JK_LINK_UNKNOWN_TYPE,   /* a type this version does not know */
} jk_link_status;

/* "links", "unshared", "common", "own-site", "platform", "shared-host",
 * "site-root", "account-url", "local-address", "public-number", "no-domain",
 * "unknown-type". */
const char *jk_link_status_name(jk_link_status status);

/* Decide what an indicator links by. On JK_LINK_YES *key_type is set and
 * key holds the key's value: the canonical value itself, or for a domain
 * its registrable domain (www.shop.example.jp and shop.example.jp link).
 * Otherwise the status says why it never links. key is reset first. */
jk_link_status jk_link_key(const char *type, const char *value, jk_indicator_type *key_type,
                           jk_buf *key);

/* The registrable domain of the site an item was posted on, from its own
 * URL (https://mstdn.jp/@a/1 → mstdn.jp), into out (reset first); false
 * (out empty) when the URL is missing, unparsable or has no domain.
 * Domains of that site in the item's text do not link it. */
bool jk_link_home(const char *item_url, jk_buf *out);

#endif
