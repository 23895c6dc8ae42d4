/*
 * link_header.h — the HTTP Link header (RFC 8288 §3) as the social
 * collectors page with it (Mastodon's rel="next"/"prev"), and the URL
 * pieces they share: an instance's origin and authority.
 *
 * Pure functions over bytes: no network, no global state.
 */
#ifndef JK_LINK_HEADER_H
#define JK_LINK_HEADER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct jk_link {
    char *target; /* the URI between < and >, resolved against the base */
    char *rel;    /* the first rel parameter's value (relation types
                     separated by white space), unquoted; NULL if none */
} jk_link;

typedef struct jk_links {
    jk_link *v;
    size_t n, cap;
} jk_links;

void jk_links_init(jk_links *links);
void jk_links_release(jk_links *links);

/* Parse a Link field value: a comma-separated list of link-values
 *   "<" URI-Reference ">" *( OWS ";" OWS token [ "=" ( token / quoted-string ) ] )
 * (several Link fields joined with "," parse as one). Commas inside <…>
 * and quoted strings do not split. A malformed link-value is skipped up to
 * the next top-level comma and counted in *skipped (may be NULL); the
 * others are appended to links. base (may be NULL) is the URL the response
 * came from: relative targets are resolved against it (RFC 3986 §5).
 * Returns JK_OK or JK_ENOMEM. */
int jk_link_header_parse(const char *value, size_t len, const char *base, jk_links *links,
                         size_t *skipped);

/* The target of the first link whose rel lists relation type rel
 * (compared ignoring ASCII case, RFC 8288 §2.1.1), or NULL. Borrowed from
 * links. */
const char *jk_links_find(const jk_links *links, const char *rel);

/* Split an absolute http(s) URL: *origin = "scheme://authority" (scheme
 * and host lowercased, no user info), *authority = "host[:port]". Either
 * out-pointer may be NULL; the caller frees the strings. JK_EINVAL when
 * url is not http:// or https:// with a host; JK_ENOMEM. */
int jk_url_origin(const char *url, char **origin, char **authority);

/* True when url lies on origin (as jk_url_origin gives it): a link from a
 * response may only lead the collector back to the same instance. */
bool jk_url_on_origin(const char *url, const char *origin);

#endif
