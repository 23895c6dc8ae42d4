/*
 * xapi.c — X API v2 recent-search responses into posts, the request URL,
 * and error summaries (xapi.h). Owns only parsing and formatting: it never
 * fetches, stores or reads the bearer token.
 */
#include "xapi.h"
#include "civil.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWEET_FIELDS "created_at,lang,author_id,entities,conversation_id,note_tweet"
#define USER_FIELDS "username,name"
/* X usernames are at most 15 characters today; older accounts and the
 * schema's future are given room, but only the characters a handle can
 * hold go into a URL we build. */
#define MAX_USERNAME 50
/* A next_token is a short opaque string (PaginationToken36); anything far
 * longer is not one. */
#define MAX_TOKEN_BYTES 1024
/* Longest expanded URL substituted into a text. */
#define MAX_EXPANDED_BYTES 4096

void jk_xapi_page_init(jk_xapi_page *page)
{
    memset(page, 0, sizeof *page);
    page->result_count = -1;
}

void jk_xapi_page_release(jk_xapi_page *page)
{
    free(page->newest_id);
    free(page->oldest_id);
    free(page->next_token);
    jk_xapi_page_init(page);
}

bool jk_xapi_is_id(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9' || n >= 19)
            return false;
    return n > 0;
}

static bool is_username(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= MAX_USERNAME ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return n > 0;
}

static void logf_parse(jk_xapi_log_fn log, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_parse(jk_xapi_log_fn log, void *ctx, const char *fmt, ...)
{
    if (!log)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log(ctx, msg);
}

/* A string member without embedded NUL (jansson allows them with
 * JSON_ALLOW_NUL, which the text needs), or NULL. */
static const char *str_member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    return strlen(s) == json_string_length(v) ? s : NULL;
}

/* ---- time ---------------------------------------------------------- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool format_utc(int y, int mo, int d, int h, int mi, int s, int offset_min, char out[21])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
        return false;
    if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
        return false;
    if (s == 60)
        s = 59; /* a leap second names the same moment for our purposes */
    long long t = jk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - (long long)offset_min * 60;
    if (t < 0)
        return false;
    long long days = t / 86400, rem = t % 86400;
    int64_t yy;
    int mm, dd;
    jk_civil_from_days(days, &yy, &mm, &dd);
    if (yy > 9999)
        return false;
    /* every field is in range, so this is exactly 20 characters; the
     * roomy buffer only quiets the compiler's worst-case arithmetic */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)yy, mm, dd, (int)(rem / 3600),
             (int)(rem % 3600 / 60), (int)(rem % 60));
    memcpy(out, tmp, 21);
    return true;
}

/* RFC 3339: 2021-01-06T18:40:40(.000)?(Z|±hh:mm) */
static bool rfc3339(const char *p, char out[21])
{
    int y, mo, d, h, mi, s, oh = 0, om = 0;
    if (strlen(p) < 20 || !digits(p, 4, &y) || p[4] != '-' || !digits(p + 5, 2, &mo) ||
        p[7] != '-' || !digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        !digits(p + 11, 2, &h) || p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' ||
        !digits(p + 17, 2, &s))
        return false;
    p += 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        sign = 0;
    else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
             digits(p + 4, 2, &om) && p[6] == '\0' && oh <= 23 && om <= 59)
        sign = *p == '+' ? 1 : -1;
    else
        return false;
    return format_utc(y, mo, d, h, mi, s, sign * (oh * 60 + om), out);
}

/* v1.1: "Wed Jan 06 18:40:40 +0000 2021" */
static bool twitter_classic(const char *p, char out[21])
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int mo = 0, d, h, mi, s, oh, om, y;
    if (strlen(p) != 30 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[19] != ' ' ||
        p[25] != ' ')
        return false;
    for (int i = 0; i < 12; i++)
        if (memcmp(p + 4, months + 3 * i, 3) == 0)
            mo = i + 1;
    if (!mo || !digits(p + 8, 2, &d) || !digits(p + 11, 2, &h) || p[13] != ':' ||
        !digits(p + 14, 2, &mi) || p[16] != ':' || !digits(p + 17, 2, &s) ||
        (p[20] != '+' && p[20] != '-') || !digits(p + 21, 2, &oh) || !digits(p + 23, 2, &om) ||
        oh > 23 || om > 59 || !digits(p + 26, 4, &y))
        return false;
    return format_utc(y, mo, d, h, mi, s, (p[20] == '+' ? 1 : -1) * (oh * 60 + om), out);
}

bool jk_xapi_time(const char *in, char out[21])
{
    out[0] = '\0';
    if (!in)
        return false;
    if (rfc3339(in, out) || twitter_classic(in, out))
        return true;
    out[0] = '\0';
    return false;
}

/* ---- text ---------------------------------------------------------- */

typedef struct short_link {
    const char *url; /* as it appears in the text (t.co) */
    size_t url_len;
    const char *expanded;
    size_t expanded_len;
} short_link;

/* The url → expanded_url pairs of an entities object worth substituting. */
static size_t collect_links(const json_t *entities, short_link *links, size_t max)
{
    const json_t *urls = json_object_get(entities, "urls");
    size_t n = 0, i;
    const json_t *u;
    if (!json_is_array(urls))
        return 0;
    json_array_foreach(urls, i, u) {
        if (n == max)
            break;
        const char *url = str_member(u, "url");
        const char *expanded = str_member(u, "expanded_url");
        if (!url || !expanded || !*url || !*expanded)
            continue;
        size_t el = strlen(expanded);
        if (el > MAX_EXPANDED_BYTES || strcmp(url, expanded) == 0)
            continue;
        links[n++] = (short_link){url, strlen(url), expanded, el};
    }
    return n;
}

/* t.co paths are alphanumeric: a link followed by one of these is a longer
 * link, while "https://t.co/abc." ends a sentence. */
static bool url_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Append the post text: X escapes exactly &, < and > in tweet text as
 * HTML entities, so those three (and only those) are decoded; short links
 * that entities name are replaced in the same pass, so an expanded URL
 * is never decoded a second time. */
static int append_text(jk_buf *out, const char *s, size_t len, const short_link *links,
                       size_t nlinks)
{
    static const struct {
        const char *entity;
        size_t len;
        char c;
    } entities[] = {{"&amp;", 5, '&'}, {"&lt;", 4, '<'}, {"&gt;", 4, '>'}};
    size_t start = 0, i = 0;
    int rc = JK_OK;
    while (!rc && i < len) {
        const char *rep = NULL;
        size_t rep_len = 0, skip = 0;
        if (s[i] == '&') {
            for (size_t e = 0; e < 3; e++)
                if (len - i >= entities[e].len &&
                    memcmp(s + i, entities[e].entity, entities[e].len) == 0) {
                    rep = &entities[e].c;
                    rep_len = 1;
                    skip = entities[e].len;
                    break;
                }
        } else if (s[i] == 'h') {
            for (size_t k = 0; k < nlinks; k++) {
                size_t ul = links[k].url_len;
                if (len - i >= ul && memcmp(s + i, links[k].url, ul) == 0 &&
                    (i + ul == len || !url_char((unsigned char)s[i + ul]))) {
                    rep = links[k].expanded;
                    rep_len = links[k].expanded_len;
                    skip = ul;
                    break;
                }
            }
        }
        if (!rep) {
            i++;
            continue;
        }
        rc = jk_buf_append(out, s + start, i - start);
        if (!rc)
            rc = jk_buf_append(out, rep, rep_len);
        i += skip;
        start = i;
    }
    if (!rc)
        rc = jk_buf_append(out, s + start, len - start);
    return rc;
}

/* ---- response ------------------------------------------------------ */

typedef struct parse_ctx {
    jk_xapi_log_fn log;
    void *log_ctx;
    const json_t *users; /* object: author id → user object (may be NULL) */
    jk_buf text;
    char url[160];
    char author[MAX_USERNAME + 2];
} parse_ctx;

static void log_problems(parse_ctx *pc, const json_t *errors, jk_xapi_page *page)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e) {
        page->errors++;
        const char *title = str_member(e, "title");
        const char *detail = str_member(e, "detail");
        const char *message = str_member(e, "message");
        const char *value = str_member(e, "value");
        const char *rid = str_member(e, "resource_id");
        char line[512];
        snprintf(line, sizeof line, "%s%s%s", title ? title : "", title && (detail || message) ? ": " : "",
                 detail ? detail : message ? message : "");
        for (char *c = line; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        logf_parse(pc->log, pc->log_ctx, "X API partial error %zu: %s%s%.40s%s", i,
                   line[0] ? line : "(no description)", rid || value ? " (" : "",
                   rid ? rid : value ? value : "", rid || value ? ")" : "");
    }
}

/* Returns 1 when the tweet was added, 0 when skipped (logged), or an error. */
static int take_tweet(parse_ctx *pc, const json_t *tw, size_t index, jk_posts *posts)
{
    const char *id = str_member(tw, "id");
    if (!json_is_object(tw) || !jk_xapi_is_id(id)) {
        logf_parse(pc->log, pc->log_ctx, "data[%zu]: no valid tweet id; skipped", index);
        return 0;
    }
    /* A long post's full text is in note_tweet; text holds its first 280. */
    const json_t *note = json_object_get(tw, "note_tweet");
    const json_t *tv = json_object_get(note, "text");
    const json_t *entities = json_object_get(note, "entities");
    if (!json_is_string(tv) || json_string_length(tv) == 0) {
        tv = json_object_get(tw, "text");
        entities = json_object_get(tw, "entities");
    }
    if (!json_is_string(tv)) {
        logf_parse(pc->log, pc->log_ctx, "data[%zu] (tweet %s): no text; skipped", index, id);
        return 0;
    }
    short_link links[64];
    size_t nlinks = collect_links(entities, links, sizeof links / sizeof links[0]);
    jk_buf_reset(&pc->text);
    int rc = append_text(&pc->text, json_string_value(tv), json_string_length(tv), links, nlinks);
    if (rc == JK_ELIMIT) {
        logf_parse(pc->log, pc->log_ctx, "data[%zu] (tweet %s): text longer than %u bytes; skipped",
                   index, id, JK_XAPI_MAX_TEXT_BYTES);
        return 0;
    }
    if (rc)
        return rc;

    const char *username = NULL;
    const char *author_id = str_member(tw, "author_id");
    if (author_id && pc->users) {
        username = str_member(json_object_get(pc->users, author_id), "username");
        if (username && !is_username(username))
            username = NULL;
    }
    if (username) {
        snprintf(pc->url, sizeof pc->url, "https://x.com/%s/status/%s", username, id);
        snprintf(pc->author, sizeof pc->author, "@%s", username);
    } else {
        snprintf(pc->url, sizeof pc->url, "https://x.com/i/web/status/%s", id);
    }
    char when[21];
    jk_xapi_time(str_member(tw, "created_at"), when);
    const char *lang = str_member(tw, "lang");
    jk_post post = {
        .external_id = (char *)id,
        .url = pc->url,
        .author = username ? pc->author : NULL,
        .posted_at = when[0] ? when : NULL,
        /* "und" is X's "undetermined", not a language */
        .lang = lang && *lang && strcmp(lang, "und") != 0 ? (char *)lang : NULL,
        .text = pc->text.data ? pc->text.data : (char *)"",
        .text_len = pc->text.len,
    };
    rc = jk_posts_add(posts, &post);
    return rc ? rc : 1;
}

static int dup_member(const json_t *meta, const char *key, char **out, bool id, jk_error *err)
{
    const json_t *v = json_object_get(meta, key);
    if (!v || json_is_null(v))
        return JK_OK;
    const char *s = str_member(meta, key);
    if (!s || (id && !jk_xapi_is_id(s)) || (!id && (!*s || strlen(s) > MAX_TOKEN_BYTES)))
        return jk_error_set(err, JK_EPARSE, "X API response: meta.%s is not %s", key,
                            id ? "a tweet id" : "a paging token");
    *out = strdup(s);
    return *out ? JK_OK : jk_error_set(err, JK_ENOMEM, "out of memory");
}

int jk_xapi_parse_search(const char *json, size_t len, jk_posts *posts, jk_xapi_page *page,
                         jk_xapi_log_fn log, void *log_ctx, jk_error *err)
{
    jk_xapi_page_release(page);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
    json_t *users = NULL;
    parse_ctx pc = {.log = log, .log_ctx = log_ctx};
    jk_buf_init(&pc.text, JK_XAPI_MAX_TEXT_BYTES);
    size_t first = posts->n;
    int rc = JK_OK;
    if (!root) {
        rc = jk_error_set(err, JK_EPARSE, "X API response: not JSON: %s at line %d column %d",
                          jerr.text, jerr.line, jerr.column);
        goto done;
    }
    const json_t *data = json_object_get(root, "data");
    const json_t *includes = json_object_get(root, "includes");
    const json_t *meta = json_object_get(root, "meta");
    const json_t *errors = json_object_get(root, "errors");
    if (!json_is_object(root) || (!data && !meta && !errors)) {
        char problem[256];
        jk_xapi_problem(json, len, problem, sizeof problem);
        rc = jk_error_set(err, JK_EPARSE, "X API response: not a search result%s%s",
                          problem[0] ? ": " : "", problem);
        goto done;
    }
    if ((data && !json_is_array(data)) || (includes && !json_is_object(includes)) ||
        (meta && !json_is_object(meta)) || (errors && !json_is_array(errors))) {
        rc = jk_error_set(err, JK_EPARSE,
                          "X API response: data, includes, meta or errors has the wrong type");
        goto done;
    }
    const json_t *result_count = json_object_get(meta, "result_count");
    if (result_count && !json_is_integer(result_count)) {
        rc = jk_error_set(err, JK_EPARSE, "X API response: meta.result_count is not a number");
        goto done;
    }
    page->result_count = result_count ? (long long)json_integer_value(result_count) : -1;
    if ((rc = dup_member(meta, "newest_id", &page->newest_id, true, err)) ||
        (rc = dup_member(meta, "oldest_id", &page->oldest_id, true, err)) ||
        (rc = dup_member(meta, "next_token", &page->next_token, false, err)))
        goto done;

    const json_t *ulist = json_object_get(includes, "users");
    if (ulist && !json_is_array(ulist)) {
        rc = jk_error_set(err, JK_EPARSE, "X API response: includes.users is not an array");
        goto done;
    }
    if (ulist) {
        /* indexed once: a page joins up to 100 tweets to their authors */
        users = json_object();
        if (!users) {
            rc = jk_error_set(err, JK_ENOMEM, "out of memory");
            goto done;
        }
        size_t i;
        json_t *u;
        json_array_foreach(ulist, i, u) {
            const char *uid = str_member(u, "id");
            if (uid && json_is_object(u) && !json_object_get(users, uid) &&
                json_object_set(users, uid, u) != 0) {
                rc = jk_error_set(err, JK_ENOMEM, "out of memory");
                goto done;
            }
        }
        pc.users = users;
    }
    if (errors)
        log_problems(&pc, errors, page);
    size_t i;
    const json_t *tw;
    json_array_foreach(data, i, tw) {
        page->tweets++;
        int r = take_tweet(&pc, tw, i, posts);
        if (r < 0) {
            rc = jk_error_set(err, r, "X API response: data[%zu]: %s", i, jk_strerror(r));
            goto done;
        }
        if (r == 0)
            page->skipped++;
    }
done:
    if (rc) {
        /* all or nothing: a caller never commits half a page it was told failed */
        while (posts->n > first) {
            jk_post *p = &posts->v[--posts->n];
            free(p->external_id);
            free(p->url);
            free(p->author);
            free(p->posted_at);
            free(p->lang);
            free(p->text);
        }
        jk_xapi_page_release(page);
    }
    jk_buf_release(&pc.text);
    json_decref(users);
    json_decref(root);
    return rc;
}

/* ---- request ------------------------------------------------------- */

static int put_encoded(jk_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = JK_OK;
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = jk_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = jk_buf_append(out, esc, 3);
        }
    }
    return rc;
}

int jk_xapi_search_url(jk_buf *out, const char *base, const char *query, const char *since_id,
                       const char *next_token, jk_error *err)
{
    if (!query || !*query)
        return jk_error_set(err, JK_EINVAL, "an X search needs a query");
    if (strlen(query) > JK_XAPI_MAX_QUERY_BYTES)
        return jk_error_set(err, JK_EINVAL, "the X search query is longer than %d bytes",
                            JK_XAPI_MAX_QUERY_BYTES);
    if (since_id && !jk_xapi_is_id(since_id))
        return jk_error_set(err, JK_EINVAL, "since_id \"%.40s\" is not a tweet id", since_id);
    if (!base || !*base)
        return jk_error_set(err, JK_EINVAL, "no X API base URL");
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    int rc = jk_buf_append(out, base, blen);
    if (!rc)
        rc = jk_buf_puts(out, "/2/tweets/search/recent?query=");
    if (!rc)
        rc = put_encoded(out, query);
    if (!rc)
        rc = jk_buf_printf(out,
                           "&max_results=%d&tweet.fields=" TWEET_FIELDS
                           "&expansions=author_id&user.fields=" USER_FIELDS,
                           JK_XAPI_MAX_RESULTS);
    if (!rc && since_id)
        rc = jk_buf_printf(out, "&since_id=%s", since_id);
    if (!rc && next_token) {
        rc = jk_buf_puts(out, "&next_token=");
        if (!rc)
            rc = put_encoded(out, next_token);
    }
    if (rc)
        return jk_error_set(err, rc, "X search URL: %s", jk_strerror(rc));
    return JK_OK;
}

void jk_xapi_problem(const char *json, size_t len, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = '\0';
    json_t *root = json ? json_loadb(json, len, 0, NULL) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    const char *title = str_member(root, "title");
    const char *detail = str_member(root, "detail");
    const json_t *errors = json_object_get(root, "errors");
    const json_t *first = json_array_get(errors, 0);
    const char *message = str_member(first, "message");
    if (!message)
        message = str_member(first, "detail");
    if (!detail && !title)
        detail = message;
    if (title && detail && strcmp(title, detail) != 0)
        snprintf(out, size, "%s: %s", title, detail);
    else if (title || detail)
        snprintf(out, size, "%s", title ? title : detail);
    if (title && detail && message && strlen(out) + 3 < size && strcmp(message, detail) != 0) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, " (%s)", message);
    }
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    json_decref(root);
}
