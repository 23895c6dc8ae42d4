/*
 * link_header.c — RFC 8288 Link header parsing and instance origins
 * (link_header.h).
 *
 * Owns: the Link grammar (RFC 8288 §3 over RFC 7230 §7 lists) and URL
 * splitting for origins. Must not fetch anything or know any platform's
 * paging parameters; the collectors decide which rel to follow.
 */
#include "link_header.h"

#include <libxml/uri.h>
#include <libxml/xmlmemory.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "junkai/error.h"

void jk_links_init(jk_links *links)
{
    links->v = NULL;
    links->n = links->cap = 0;
}

void jk_links_release(jk_links *links)
{
    for (size_t i = 0; i < links->n; i++) {
        free(links->v[i].target);
        free(links->v[i].rel);
    }
    free(links->v);
    jk_links_init(links);
}

/* RFC 7230 §3.2.6 tchar */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

typedef struct cursor {
    const char *s;
    size_t len, at;
} cursor;

static int peek(const cursor *c)
{
    return c->at < c->len ? (unsigned char)c->s[c->at] : -1;
}

static void skip_ows(cursor *c)
{
    while (c->at < c->len && is_ows((unsigned char)c->s[c->at]))
        c->at++;
}

/* After a malformed link-value: on to the next comma that is not inside
 * <…> or a quoted string, so one bad link does not hide the others. */
static void skip_to_next_value(cursor *c)
{
    bool in_quote = false, in_angle = false;
    for (; c->at < c->len; c->at++) {
        char ch = c->s[c->at];
        if (in_quote) {
            if (ch == '\\' && c->at + 1 < c->len)
                c->at++;
            else if (ch == '"')
                in_quote = false;
        } else if (in_angle) {
            if (ch == '>')
                in_angle = false;
        } else if (ch == '"') {
            in_quote = true;
        } else if (ch == '<') {
            in_angle = true;
        } else if (ch == ',') {
            return;
        }
    }
}

static char *copy_span(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* A quoted-string (RFC 7230 §3.2.6) starting at the opening quote, into a
 * new string with the escapes removed. NULL with *bad set when it never
 * closes. */
static char *quoted_string(cursor *c, bool *bad)
{
    size_t start = ++c->at, n = 0;
    char *out = malloc(c->len - start + 1);
    if (!out)
        return NULL;
    while (c->at < c->len) {
        char ch = c->s[c->at++];
        if (ch == '"') {
            out[n] = '\0';
            return out;
        }
        if (ch == '\\') {
            if (c->at >= c->len)
                break;
            ch = c->s[c->at++];
        }
        out[n++] = ch;
    }
    free(out);
    *bad = true;
    return NULL;
}

static char *resolve(const char *ref, size_t len, const char *base)
{
    char *plain = copy_span(ref, len);
    if (!plain || !base)
        return plain;
    xmlChar *abs = xmlBuildURI((const xmlChar *)plain, (const xmlChar *)base);
    if (!abs)
        return plain; /* unresolvable against base: keep it as written */
    char *out = strdup((const char *)abs);
    xmlFree(abs);
    if (!out)
        return plain;
    free(plain);
    return out;
}

/* One link-value at c (which points at '<'). JK_OK with *link filled, or
 * JK_EPARSE when it is malformed, or JK_ENOMEM. */
static int parse_link_value(cursor *c, const char *base, jk_link *link)
{
    size_t open = ++c->at;
    while (c->at < c->len && c->s[c->at] != '>') {
        unsigned char ch = (unsigned char)c->s[c->at];
        if (ch < 0x21 || ch == 0x7f || ch == '<')
            return JK_EPARSE; /* no white space or controls in a URI-Reference */
        c->at++;
    }
    if (c->at >= c->len)
        return JK_EPARSE;
    size_t close = c->at++;
    link->target = resolve(c->s + open, close - open, base);
    link->rel = NULL;
    if (!link->target)
        return JK_ENOMEM;
    for (;;) {
        skip_ows(c);
        int ch = peek(c);
        if (ch == -1 || ch == ',')
            return JK_OK;
        if (ch != ';')
            return JK_EPARSE;
        c->at++;
        skip_ows(c);
        size_t name = c->at;
        while (c->at < c->len && is_tchar((unsigned char)c->s[c->at]))
            c->at++;
        size_t name_len = c->at - name;
        if (name_len == 0) {
            /* a trailing ";" before the next link or the end is tolerated */
            if (peek(c) == -1 || peek(c) == ',')
                return JK_OK;
            return JK_EPARSE;
        }
        skip_ows(c);
        char *value = NULL;
        if (peek(c) == '=') {
            c->at++;
            skip_ows(c);
            if (peek(c) == '"') {
                bool bad = false;
                value = quoted_string(c, &bad);
                if (bad)
                    return JK_EPARSE;
                if (!value)
                    return JK_ENOMEM;
            } else {
                size_t v = c->at;
                while (c->at < c->len && is_tchar((unsigned char)c->s[c->at]))
                    c->at++;
                if (c->at == v)
                    return JK_EPARSE;
                value = copy_span(c->s + v, c->at - v);
                if (!value)
                    return JK_ENOMEM;
            }
        }
        /* §3.3: only the first rel counts; later ones are ignored */
        if (name_len == 3 && strncasecmp(c->s + name, "rel", 3) == 0 && !link->rel && value) {
            link->rel = value;
            value = NULL;
        }
        free(value);
    }
}

int jk_link_header_parse(const char *value, size_t len, const char *base, jk_links *links,
                         size_t *skipped)
{
    cursor c = {value, value ? len : 0, 0};
    size_t bad = 0;
    int rc = JK_OK;
    while (rc == JK_OK) {
        while (c.at < c.len && (is_ows((unsigned char)c.s[c.at]) || c.s[c.at] == ','))
            c.at++; /* empty list elements are allowed (RFC 7230 §7) */
        if (c.at >= c.len)
            break;
        jk_link link = {NULL, NULL};
        int r = peek(&c) == '<' ? parse_link_value(&c, base, &link) : JK_EPARSE;
        if (r == JK_OK && links->n == links->cap) {
            size_t cap = links->cap ? links->cap * 2 : 4;
            jk_link *v = realloc(links->v, cap * sizeof *v);
            if (v) {
                links->v = v;
                links->cap = cap;
            } else {
                r = JK_ENOMEM;
            }
        }
        if (r == JK_OK) {
            links->v[links->n++] = link;
            continue;
        }
        free(link.target);
        free(link.rel);
        if (r == JK_ENOMEM) {
            rc = r;
        } else {
            bad++;
            skip_to_next_value(&c);
        }
    }
    if (skipped)
        *skipped = bad;
    return rc;
}

static bool rel_lists(const char *rels, const char *rel)
{
    size_t want = strlen(rel);
    const char *p = rels;
    while (*p) {
        while (*p && is_ows((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && !is_ows((unsigned char)*p))
            p++;
        if ((size_t)(p - start) == want && want && strncasecmp(start, rel, want) == 0)
            return true;
    }
    return false;
}

const char *jk_links_find(const jk_links *links, const char *rel)
{
    for (size_t i = 0; i < links->n; i++)
        if (links->v[i].rel && rel_lists(links->v[i].rel, rel))
            return links->v[i].target;
    return NULL;
}

int jk_url_origin(const char *url, char **origin, char **authority)
{
    if (origin)
        *origin = NULL;
    if (authority)
        *authority = NULL;
    size_t scheme_len;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme_len = 4;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme_len = 5;
    else
        return JK_EINVAL;
    const char *start = url + scheme_len + 3;
    size_t end = strcspn(start, "/?#");
    /* user info is not part of the origin (RFC 6454 §4) */
    const char *host = start;
    for (size_t i = 0; i < end; i++)
        if (start[i] == '@')
            host = start + i + 1;
    size_t host_len = (size_t)(start + end - host);
    if (host_len == 0 || host[0] == ':')
        return JK_EINVAL;
    for (size_t i = 0; i < host_len; i++) {
        unsigned char ch = (unsigned char)host[i];
        if (ch <= 0x20 || ch == 0x7f || ch == '\\')
            return JK_EINVAL;
    }
    char *auth = copy_span(host, host_len);
    if (!auth)
        return JK_ENOMEM;
    for (char *p = auth; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (origin) {
        size_t n = scheme_len + 3 + host_len;
        *origin = malloc(n + 1);
        if (!*origin) {
            free(auth);
            return JK_ENOMEM;
        }
        memcpy(*origin, scheme_len == 4 ? "http://" : "https://", scheme_len + 3);
        memcpy(*origin + scheme_len + 3, auth, host_len + 1);
    }
    if (authority)
        *authority = auth;
    else
        free(auth);
    return JK_OK;
}

bool jk_url_on_origin(const char *url, const char *origin)
{
    char *o = NULL;
    if (!url || !origin || jk_url_origin(url, &o, NULL) != JK_OK)
        return false;
    bool same = strcmp(o, origin) == 0;
    free(o);
    /* jk_url_origin dropped any user info: a link carrying credentials is
     * not the instance's own paging link */
    if (same) {
        const char *start = strstr(url, "://") + 3;
        size_t end = strcspn(start, "/?#");
        if (memchr(start, '@', end))
            same = false;
    }
    return same;
}
