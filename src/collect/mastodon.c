/*
 * mastodon.c — Mastodon statuses into posts (mastodon.h), and the helpers
 * both social parsers share: query modes, URL encoding, UTC timestamps,
 * paging ids.
 *
 * Owns: which Status fields make an item and how (API reference:
 * https://docs.joinmastodon.org/entities/Status/). Must not fetch, page or
 * touch the store; collect_mastodon.c does that.
 */
#include "mastodon.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_text.h"
#include "junkai/limits.h"
#include "link_header.h"
#include "civil.h"

/* A reblog of a reblog does not exist in Mastodon; a hostile server may
 * still nest them, and the walk must end. */
#define MAX_REBLOG_DEPTH 4

void jk_social_page_init(jk_social_page *page)
{
    jk_posts_init(&page->posts);
    page->newest_id = page->oldest_id = NULL;
    page->elements = page->skipped = 0;
}

void jk_social_page_release(jk_social_page *page)
{
    jk_posts_release(&page->posts);
    free(page->newest_id);
    free(page->oldest_id);
    jk_social_page_init(page);
}

bool jk_social_id_ok(const char *id)
{
    size_t n = 0;
    if (!id)
        return false;
    for (; id[n]; n++) {
        char c = id[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-'))
            return false;
        if (n >= JK_SOCIAL_MAX_ID)
            return false;
    }
    return n > 0;
}

int jk_mastodon_id_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int jk_social_query(const char *query, jk_social_mode *mode, const char **term,
                    size_t *term_len)
{
    const char *s = query ? query : "";
    size_t n = strlen(s);
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    *mode = JK_SOCIAL_PUBLIC;
    if (n && s[0] == '#') {
        s++;
        n--;
        if (n == 0)
            return JK_EINVAL;
        *mode = JK_SOCIAL_TAG;
    } else if (n) {
        *mode = JK_SOCIAL_SEARCH;
    }
    *term = s;
    *term_len = n;
    return JK_OK;
}

int jk_social_url_encode(jk_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = JK_OK;
    for (size_t i = 0; i < len && rc == JK_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = jk_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = jk_buf_append(out, esc, 3);
        }
    }
    return rc;
}

int jk_mastodon_page_url(const char *base, const char *query, int limit, const char *param,
                         const char *id, jk_buf *out)
{
    jk_social_mode mode;
    const char *term;
    size_t term_len;
    if (jk_social_query(query, &mode, &term, &term_len))
        return JK_EINVAL;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    jk_buf_reset(out);
    int rc = jk_buf_append(out, base, base_len);
    if (!rc && mode == JK_SOCIAL_PUBLIC) {
        rc = jk_buf_printf(out, "/api/v1/timelines/public?limit=%d", limit);
    } else if (!rc && mode == JK_SOCIAL_TAG) {
        rc = jk_buf_puts(out, "/api/v1/timelines/tag/");
        if (!rc)
            rc = jk_social_url_encode(out, term, term_len);
        if (!rc)
            rc = jk_buf_printf(out, "?limit=%d", limit);
    } else if (!rc) {
        rc = jk_buf_puts(out, "/api/v2/search?q=");
        if (!rc)
            rc = jk_social_url_encode(out, term, term_len);
        if (!rc)
            rc = jk_buf_printf(out, "&type=statuses&resolve=false&limit=%d", limit);
    }
    if (!rc && param && id)
        rc = jk_buf_printf(out, "&%s=%s", param, id);
    return rc;
}

/* ---- time ---- */

static bool digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

bool jk_social_time_utc(const char *in, char out[21])
{
    int y, mo, d, h, mi, s;
    if (!in || strlen(in) < 19)
        return false;
    if (!digits(in, 4, &y) || in[4] != '-' || !digits(in + 5, 2, &mo) || in[7] != '-' ||
        !digits(in + 8, 2, &d) || (in[10] != 'T' && in[10] != 't' && in[10] != ' ') ||
        !digits(in + 11, 2, &h) || in[13] != ':' || !digits(in + 14, 2, &mi) ||
        in[16] != ':' || !digits(in + 17, 2, &s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
        return false;
    if (s == 60)
        s = 59; /* a leap second: the item's second is close enough */
    const char *p = in + 19;
    if (*p == '.' || *p == ',') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset = 0; /* minutes east of UTC */
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        int sign = *p == '-' ? -1 : 1;
        p++;
        if (!digits(p, 2, &oh))
            return false;
        p += 2;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9') {
            if (!digits(p, 2, &om))
                return false;
            p += 2;
        }
        if (oh > 23 || om > 59)
            return false;
        offset = sign * (oh * 60 + om);
    } else {
        return false; /* no zone: the instant is unknown */
    }
    if (*p)
        return false;
    int64_t t = jk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset * 60;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t yy;
    int mm, dd;
    jk_civil_from_days(days, &yy, &mm, &dd);
    if (yy < 0 || yy > 9999)
        return false;
    int fields[6] = {(int)yy, mm, dd, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
    static const char layout[] = "0000-00-00T00:00:00Z";
    memcpy(out, layout, sizeof layout);
    static const int ends[6] = {3, 6, 9, 12, 15, 18}; /* last digit of each field */
    for (int f = 0; f < 6; f++)
        for (int at = ends[f], v = fields[f]; v > 0; at--, v /= 10)
            out[at] = (char)('0' + v % 10);
    return true;
}

/* ---- statuses ---- */

typedef struct parse_state {
    const char *url;
    const char *authority; /* of the instance: completes local accounts */
    jk_social_page *page;
    jk_social_log log;
    void *log_ctx;
} parse_state;

void jk_social_skip(jk_social_page *page, jk_social_log log, void *log_ctx, const char *url,
                    const char *kind, size_t index, const char *id, const char *fmt, ...)
{
    page->skipped++;
    if (!log)
        return;
    char why[256], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (id)
        snprintf(msg, sizeof msg, "%s: %s %zu (id %s): %s; skipped", url, kind, index, id, why);
    else
        snprintf(msg, sizeof msg, "%s: %s %zu: %s; skipped", url, kind, index, why);
    log(log_ctx, msg);
}

const char *jk_social_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

#define skip_element(ps, index, id, ...)                                                        \
    jk_social_skip((ps)->page, (ps)->log, (ps)->log_ctx, (ps)->url, "status", index, id,       \
                   __VA_ARGS__)

/* An id as Mastodon sends it (a string; some servers send numbers). */
static const char *id_field(const json_t *obj, const char *key, char *num, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(num, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return num;
    }
    return json_string_value(v);
}

/* Keep id in *slot when it is further in direction sign (1 newer, -1
 * older) than what the slot holds. */
static int set_id(char **slot, const char *id, int sign, int (*cmp)(const char *, const char *))
{
    if (*slot && cmp(id, *slot) * sign <= 0)
        return JK_OK;
    char *copy = strdup(id);
    if (!copy)
        return JK_ENOMEM;
    free(*slot);
    *slot = copy;
    return JK_OK;
}

int jk_social_page_add_id(jk_social_page *page, const char *id,
                          int (*cmp)(const char *a, const char *b))
{
    int rc = set_id(&page->newest_id, id, 1, cmp);
    if (!rc)
        rc = set_id(&page->oldest_id, id, -1, cmp);
    return rc;
}

int jk_social_text_add(jk_buf *text, const char *s, size_t len)
{
    while (len && is_space(s[len - 1]))
        len--;
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    if (!len)
        return JK_OK;
    int rc = text->len ? jk_buf_putc(text, '\n') : JK_OK;
    return rc ? rc : jk_buf_append(text, s, len);
}

static int status_text(const json_t *st, jk_buf *text, jk_buf *scratch)
{
    const char *spoiler = jk_social_str(st, "spoiler_text");
    int rc = spoiler ? jk_social_text_add(text, spoiler, strlen(spoiler)) : JK_OK;
    const char *content = jk_social_str(st, "content");
    if (!rc && content) {
        jk_buf_reset(scratch);
        rc = jk_html_fragment_text(content, strlen(content), scratch);
        if (!rc && scratch->len)
            rc = jk_social_text_add(text, scratch->data, scratch->len);
    }
    /* alt text and poll options are written by the poster too: what a
     * patrol looks for can hide there */
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(st, "media_attachments"), i, m) {
        const char *desc = jk_social_str(m, "description");
        if (!rc && desc)
            rc = jk_social_text_add(text, desc, strlen(desc));
    }
    const json_t *opt;
    json_array_foreach(json_object_get(json_object_get(st, "poll"), "options"), i, opt) {
        const char *title = jk_social_str(opt, "title");
        if (!rc && title)
            rc = jk_social_text_add(text, title, strlen(title));
    }
    return rc;
}

static int parse_status(parse_state *ps, size_t index, const json_t *outer, jk_buf *text,
                        jk_buf *scratch, jk_buf *author)
{
    if (!json_is_object(outer)) {
        skip_element(ps, index, NULL, "not an object");
        return JK_OK;
    }
    char num[32];
    const char *id = id_field(outer, "id", num, sizeof num);
    if (!jk_social_id_ok(id)) {
        skip_element(ps, index, NULL, "no usable id");
        return JK_OK;
    }
    /* the id pages even when the status itself is unusable: the next page
     * must start past it */
    int rc = jk_social_page_add_id(ps->page, id, jk_mastodon_id_cmp);
    if (rc)
        return rc;
    const json_t *st = outer;
    for (int depth = 0; depth < MAX_REBLOG_DEPTH; depth++) {
        const json_t *inner = json_object_get(st, "reblog");
        if (!json_is_object(inner))
            break;
        st = inner;
    }
    const char *uri = jk_social_str(st, "uri");
    const char *url = jk_social_str(st, "url");
    if (!uri)
        uri = url;
    if (!uri) {
        skip_element(ps, index, id, "no uri");
        return JK_OK;
    }
    if (!url)
        url = uri;
    jk_buf_reset(text);
    rc = status_text(st, text, scratch);
    if (rc == JK_ELIMIT) {
        skip_element(ps, index, id, "text over %u bytes", JK_MAX_TEXT_BYTES);
        return JK_OK;
    }
    if (rc)
        return rc;
    jk_post post = {0};
    post.external_id = (char *)uri;
    post.url = (char *)url;
    const char *acct = jk_social_str(json_object_get(st, "account"), "acct");
    if (acct) {
        jk_buf_reset(author);
        rc = jk_buf_puts(author, acct);
        if (!rc && !strchr(acct, '@') && ps->authority)
            rc = jk_buf_printf(author, "@%s", ps->authority);
        if (rc == JK_ELIMIT) {
            skip_element(ps, index, id, "account name over %zu bytes", author->max);
            return JK_OK;
        }
        if (rc)
            return rc;
        post.author = author->data;
    }
    char when[21];
    if (jk_social_time_utc(jk_social_str(st, "created_at"), when))
        post.posted_at = when;
    post.lang = (char *)jk_social_str(st, "language");
    post.text = text->data ? text->data : "";
    post.text_len = text->len;
    return jk_posts_add(&ps->page->posts, &post);
}

int jk_mastodon_parse(const char *body, size_t len, const char *url, jk_social_page *page,
                      jk_social_log log, void *log_ctx, jk_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, JSON_DECODE_ANY, &jerr);
    if (!root)
        return jk_error_set(err, JK_EPARSE, "%s: not JSON (line %d: %s)", url, jerr.line,
                            jerr.text);
    const json_t *list = root;
    if (json_is_object(root))
        list = json_object_get(root, "statuses");
    int rc = JK_OK;
    if (!json_is_array(list)) {
        rc = jk_error_set(err, JK_EPARSE,
                          "%s: expected an array of statuses or {\"statuses\":[…]}, got %s", url,
                          json_is_object(root) ? "an object without statuses" : "another value");
        json_decref(root);
        return rc;
    }
    char *authority = NULL;
    if (jk_url_origin(url, NULL, &authority) == JK_ENOMEM) {
        json_decref(root);
        return jk_error_set(err, JK_ENOMEM, "%s: out of memory", url);
    }
    parse_state ps = {url, authority, page, log, log_ctx};
    jk_buf text, scratch, author;
    jk_buf_init(&text, JK_MAX_TEXT_BYTES);
    jk_buf_init(&scratch, JK_MAX_TEXT_BYTES);
    jk_buf_init(&author, 4096);
    size_t i;
    const json_t *el;
    json_array_foreach(list, i, el) {
        page->elements++;
        rc = parse_status(&ps, i, el, &text, &scratch, &author);
        if (rc)
            break;
    }
    if (rc)
        rc = jk_error_set(err, rc, "%s: %s while parsing statuses", url, jk_strerror(rc));
    jk_buf_release(&author);
    jk_buf_release(&scratch);
    jk_buf_release(&text);
    free(authority);
    json_decref(root);
    return rc;
}
