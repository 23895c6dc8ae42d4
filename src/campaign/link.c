/*
 * link.c — which indicators link posts, and by what key (see link.h and
 * docs/campaigns.md "What links").
 *
 * Linking is transitive, so one wrong link merges two campaigns: every
 * rule here errs on the side of not linking. Must not touch: the store.
 */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#include "url.h"

typedef enum stop_tier {
    STOP_PLATFORM, /* the platform's domain and every URL on it: never link */
    STOP_SHARED,   /* many owners under one host: the domain never links, exact URLs do */
    STOP_SUFFIX,   /* users' sites as subdomains (foo.hatenablog.com): treated as a
                      public suffix, so the site one label below is the key */
    STOP_ACCOUNT,  /* every URL names an account or invite the extractor already
                      gives as its own indicator (t.me/name → telegram @name) */
} stop_tier;

typedef struct stop_entry {
    const char *host;
    stop_tier tier;
} stop_entry;

/* Big platforms, national news sites (an article is linked by thousands
 * of unrelated posts), shorteners and hosts of many users' pages.
 * Sorted by host (strcmp order: bsearch). A host matches its own entry or
 * the nearest parent that has one (docs.google.com is shared, the rest of
 * google.com a platform). Public suffixes libpsl already knows
 * (blogspot.com, github.io, wixsite.com) need no entry: their users'
 * sites are registrable domains of their own. */
static const stop_entry stoplist[] = {
    {"amazon.co.jp", STOP_PLATFORM},
    {"amazon.com", STOP_PLATFORM},
    {"ameblo.jp", STOP_SHARED},
    {"amzn.asia", STOP_SHARED},
    {"amzn.to", STOP_SHARED},
    {"apple.com", STOP_PLATFORM},
    {"apps.apple.com", STOP_SHARED},
    {"asahi.com", STOP_PLATFORM},
    {"bing.com", STOP_PLATFORM},
    {"bit.ly", STOP_SHARED},
    {"blog.fc2.com", STOP_SUFFIX},
    {"bsky.app", STOP_SHARED},
    {"bsky.social", STOP_SUFFIX},
    {"buff.ly", STOP_SHARED},
    {"cutt.ly", STOP_SHARED},
    {"discord.com", STOP_SHARED},
    {"discord.gg", STOP_ACCOUNT},
    {"discordapp.com", STOP_SHARED},
    {"docs.google.com", STOP_SHARED},
    {"drive.google.com", STOP_SHARED},
    {"dropbox.com", STOP_SHARED},
    {"example.com", STOP_PLATFORM}, /* RFC 2606: documentation, never a lead */
    {"example.net", STOP_PLATFORM},
    {"example.org", STOP_PLATFORM},
    {"exblog.jp", STOP_SUFFIX},
    {"facebook.com", STOP_PLATFORM},
    {"fb.com", STOP_PLATFORM},
    {"fb.me", STOP_PLATFORM},
    {"fc2.com", STOP_SUFFIX},
    {"fc2.net", STOP_SUFFIX},
    {"fedibird.com", STOP_SHARED},
    {"forms.gle", STOP_SHARED},
    {"forms.office.com", STOP_SHARED},
    {"github.com", STOP_SHARED},
    {"goo.gl", STOP_SHARED},
    {"goo.ne.jp", STOP_SHARED},
    {"google.co.jp", STOP_PLATFORM},
    {"google.com", STOP_PLATFORM},
    {"hatenablog.com", STOP_SUFFIX},
    {"hatenablog.jp", STOP_SUFFIX},
    {"hatenadiary.com", STOP_SUFFIX},
    {"hatenadiary.jp", STOP_SUFFIX},
    {"impress.co.jp", STOP_PLATFORM},
    {"instagram.com", STOP_PLATFORM},
    {"is.gd", STOP_SHARED},
    {"itmedia.co.jp", STOP_PLATFORM},
    {"jiji.com", STOP_PLATFORM},
    {"jimdofree.com", STOP_SUFFIX},
    {"jugem.jp", STOP_SUFFIX},
    {"kyodonews.jp", STOP_PLATFORM},
    {"lin.ee", STOP_SHARED},
    {"line.me", STOP_SHARED}, /* account URLs: see url_key; open-chat invites link */
    {"linkedin.com", STOP_PLATFORM},
    {"linktr.ee", STOP_SHARED},
    {"lit.link", STOP_SHARED},
    {"livedoor.blog", STOP_SUFFIX},
    {"livedoor.jp", STOP_SHARED},
    {"lolipop.jp", STOP_SUFFIX},
    {"mainichi.jp", STOP_PLATFORM},
    {"mastodon.social", STOP_SHARED},
    {"mega.nz", STOP_SHARED},
    {"microsoft.com", STOP_PLATFORM},
    {"misskey.io", STOP_SHARED},
    {"mstdn.jp", STOP_SHARED},
    {"nhk.jp", STOP_PLATFORM},
    {"nhk.or.jp", STOP_PLATFORM},
    {"nicovideo.jp", STOP_PLATFORM},
    {"nikkei.com", STOP_PLATFORM},
    {"note.com", STOP_SHARED},
    {"onedrive.live.com", STOP_SHARED},
    {"ow.ly", STOP_SHARED},
    {"pastebin.com", STOP_SHARED},
    {"pawoo.net", STOP_SHARED},
    {"pinterest.com", STOP_PLATFORM},
    {"play.google.com", STOP_SHARED},
    {"rebrand.ly", STOP_SHARED},
    {"reddit.com", STOP_PLATFORM},
    {"sakura.ne.jp", STOP_SUFFIX},
    {"sankei.com", STOP_PLATFORM},
    {"seesaa.net", STOP_SUFFIX},
    {"sites.google.com", STOP_SHARED},
    {"stores.jp", STOP_SUFFIX},
    {"t.co", STOP_PLATFORM}, /* X's wrapper of every link in a post */
    {"t.me", STOP_ACCOUNT},   /* accounts link as telegram */
    {"telegram.me", STOP_ACCOUNT},
    {"thebase.in", STOP_SUFFIX},
    {"threads.net", STOP_PLATFORM},
    {"tiktok.com", STOP_PLATFORM},
    {"tinyurl.com", STOP_SHARED},
    {"tokyo-np.co.jp", STOP_PLATFORM},
    {"twitch.tv", STOP_PLATFORM},
    {"twitter.com", STOP_PLATFORM},
    {"weebly.com", STOP_SUFFIX},
    {"wikipedia.org", STOP_PLATFORM},
    {"wordpress.com", STOP_SUFFIX},
    {"x.com", STOP_PLATFORM},
    {"xsrv.jp", STOP_SUFFIX},
    {"yahoo.co.jp", STOP_PLATFORM},
    {"yahoo.com", STOP_PLATFORM},
    {"yomiuri.co.jp", STOP_PLATFORM},
    {"youtu.be", STOP_PLATFORM},
    {"youtube.com", STOP_PLATFORM},
};

/* Public hotlines quoted in support replies and news, in E.164: posts that
 * print them have nothing else in common. */
static const char *const public_numbers[] = {
    "+81120279338", /* よりそいホットライン */
    "+81120783556", /* いのちの電話 (free dial) */
    "+81120997777", /* チャイルドライン */
    "+81570064556", /* こころの健康相談統一ダイヤル */
    "+81570783556", /* いのちの電話 (navi dial) */
};

static const char *const status_names[] = {
    [JK_LINK_YES] = "links",
    [JK_LINK_UNSHARED] = "unshared",
    [JK_LINK_COMMON] = "common",
    [JK_LINK_OWN_SITE] = "own-site",
    [JK_LINK_PLATFORM] = "platform",
    [JK_LINK_SHARED_HOST] = "shared-host",
    [JK_LINK_SITE_ROOT] = "site-root",
    [JK_LINK_ACCOUNT_URL] = "account-url",
    [JK_LINK_LOCAL_ADDRESS] = "local-address",
    [JK_LINK_PUBLIC_NUMBER] = "public-number",
    [JK_LINK_NO_DOMAIN] = "no-domain",
    [JK_LINK_UNKNOWN_TYPE] = "unknown-type",
};

const char *jk_link_status_name(jk_link_status status)
{
    if ((unsigned)status >= sizeof status_names / sizeof status_names[0])
        return "unknown";
    return status_names[status];
}

static int entry_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const stop_entry *)elem)->host);
}

/* The most specific stoplist entry for host (itself or a parent). */
static const stop_entry *stop_find(const char *host)
{
    for (const char *h = host; h && *h;) {
        const stop_entry *e =
            bsearch(h, stoplist, sizeof stoplist / sizeof stoplist[0], sizeof stoplist[0], entry_cmp);
        if (e)
            return e;
        h = strchr(h, '.');
        if (h)
            h++;
    }
    return NULL;
}

/* RFC 6890 special-purpose blocks that posts quote without meaning a
 * server of anyone's: home routers, localhost, link-local, CGNAT,
 * multicast and reserved. Documentation ranges are kept (tests use them). */
static bool ipv4_local(unsigned long a)
{
    unsigned b0 = (unsigned)(a >> 24), b1 = (unsigned)(a >> 16) & 0xff;
    return b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224 || (b0 == 169 && b1 == 254) ||
           (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168) ||
           (b0 == 100 && (b1 & 0xc0) == 64);
}

static bool ipv6_local(const unsigned short p[8])
{
    bool zero6 = !p[0] && !p[1] && !p[2] && !p[3] && !p[4];
    if (zero6 && !p[5] && !p[6] && (p[7] == 0 || p[7] == 1))
        return true; /* :: and ::1 */
    if (zero6 && p[5] == 0xffff) /* IPv4-mapped */
        return ipv4_local(((unsigned long)p[6] << 16) | p[7]);
    return (p[0] & 0xffc0) == 0xfe80 || (p[0] & 0xfe00) == 0xfc00 || (p[0] & 0xff00) == 0xff00;
}

static bool host_is_local(const char *host)
{
    size_t len = strlen(host);
    unsigned short p6[8];
    if (len > 2 && host[0] == '[' && host[len - 1] == ']')
        return jk_url_parse_ipv6(host + 1, len - 2, p6) == JK_OK && ipv6_local(p6);
    unsigned long a;
    return jk_url_parse_ipv4(host, len, &a) == 1 && ipv4_local(a);
}

static bool host_is_ip(const char *host)
{
    unsigned long a;
    return host[0] == '[' || jk_url_parse_ipv4(host, strlen(host), &a) == 1;
}

static jk_link_status domain_key(const char *host, jk_buf *key)
{
    const stop_entry *e = stop_find(host);
    if (e && e->tier == STOP_PLATFORM)
        return JK_LINK_PLATFORM;
    if (e && (e->tier == STOP_SHARED || e->tier == STOP_ACCOUNT))
        return JK_LINK_SHARED_HOST;
    if (e) { /* STOP_SUFFIX: the user's site is the label before the entry */
        size_t hl = strlen(host), el = strlen(e->host);
        if (hl == el || (hl == el + 4 && strncmp(host, "www.", 4) == 0))
            return JK_LINK_SHARED_HOST;
        const char *site = host + hl - el - 1; /* the '.' before the entry */
        while (site > host && site[-1] != '.')
            site--;
        jk_buf_puts(key, site);
        return JK_LINK_YES;
    }
    jk_error err;
    if (jk_registrable_domain(host, strlen(host), key, &err) != JK_OK) {
        jk_buf_reset(key);
        return JK_LINK_NO_DOMAIN;
    }
    return JK_LINK_YES;
}

/* URLs on shared hosts whose path names an account the extractor gives
 * as its own indicator (extract.c): they link as that account. Other URLs
 * there (LINE open-chat invites, /ti/g2/…) have no type of their own and
 * link as URLs. */
static const struct {
    const char *host, *path;
} account_paths[] = {
    {"discord.com", "/invite/"},
    {"discordapp.com", "/invite/"},
    {"line.me", "/R/ti/p/"},
    {"line.me", "/ti/p/"},
};

static bool account_path(const jk_url *url)
{
    if (url->opaque_path)
        return false;
    for (size_t i = 0; i < sizeof account_paths / sizeof account_paths[0]; i++)
        if (strcmp(url->host, account_paths[i].host) == 0 &&
            strncmp(url->path, account_paths[i].path, strlen(account_paths[i].path)) == 0)
            return true;
    return false;
}

static jk_link_status url_key(const char *value, jk_buf *key)
{
    jk_url *url = NULL;
    jk_error err;
    if (jk_url_parse(value, strlen(value), NULL, &url, &err) != JK_OK || !url->host ||
        !url->host[0]) {
        jk_url_free(url);
        jk_buf_puts(key, value); /* a URL without a host links as written */
        return JK_LINK_YES;
    }
    jk_link_status status = JK_LINK_YES;
    const stop_entry *e = host_is_ip(url->host) ? NULL : stop_find(url->host);
    if (host_is_local(url->host))
        status = JK_LINK_LOCAL_ADDRESS;
    else if (e && e->tier == STOP_PLATFORM)
        status = JK_LINK_PLATFORM;
    else if ((e && e->tier == STOP_ACCOUNT) || account_path(url))
        status = JK_LINK_ACCOUNT_URL;
    else if (!url->opaque_path && strcmp(url->path, "/") == 0 && !url->query && !url->fragment)
        status = JK_LINK_SITE_ROOT;
    else
        jk_buf_puts(key, value);
    jk_url_free(url);
    return status;
}

jk_link_status jk_link_key(const char *type, const char *value, jk_indicator_type *key_type,
                           jk_buf *key)
{
    jk_buf_reset(key);
    if (jk_indicator_type_from_name(type, key_type) != JK_OK)
        return JK_LINK_UNKNOWN_TYPE;
    unsigned long a4;
    unsigned short a6[8];
    switch (*key_type) {
    case JK_IND_DOMAIN:
        return domain_key(value, key);
    case JK_IND_URL:
        return url_key(value, key);
    case JK_IND_IPV4:
        if (jk_url_parse_ipv4(value, strlen(value), &a4) == 1 && ipv4_local(a4))
            return JK_LINK_LOCAL_ADDRESS;
        break;
    case JK_IND_IPV6:
        if (jk_url_parse_ipv6(value, strlen(value), a6) == JK_OK && ipv6_local(a6))
            return JK_LINK_LOCAL_ADDRESS;
        break;
    case JK_IND_PHONE:
        for (size_t i = 0; i < sizeof public_numbers / sizeof public_numbers[0]; i++)
            if (strcmp(value, public_numbers[i]) == 0)
                return JK_LINK_PUBLIC_NUMBER;
        break;
    default:
        break; /* contact points, wallets, bank accounts: the canonical value */
    }
    jk_buf_puts(key, value);
    return JK_LINK_YES;
}

bool jk_link_home(const char *item_url, jk_buf *out)
{
    jk_buf_reset(out);
    if (!item_url || !*item_url)
        return false;
    jk_url *url = NULL;
    jk_error err;
    bool ok = jk_url_parse(item_url, strlen(item_url), NULL, &url, &err) == JK_OK &&
              url->host && url->host[0] && !host_is_ip(url->host) &&
              domain_key(url->host, out) == JK_LINK_YES;
    if (!ok)
        jk_buf_reset(out);
    jk_url_free(url);
    return ok;
}
