/*
 * recheck.c — removal checks of reported items (recheck.h): how each
 * platform's item is re-fetched, how its answer is judged, when the next
 * check falls.
 *
 * Owns: the plans (which URL, which token, whether private addresses may
 * be reached), the verdicts and their reasons, the backoff. Must not
 * parse pages (webpage.c does) or talk to the network except through
 * jk_http, which applies robots.txt, the address checks and the rate
 * limits; must not commit (the caller's batch holds the audit entry too).
 */
#include "recheck.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "civil.h"
#include "junkai/limits.h"
#include "link_header.h"
#include "mastodon.h"
#include "webpage.h"

#define ACCEPT_HTML "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
#define MAX_PASSAGES 32
#define MAX_PASSAGE_BYTES 512
/* the banner 5ch puts over a thread that fell into the archive (dat落ち) */
#define ARCHIVE_BANNER "過去ログ倉庫に格納されています"

/* ---- the schedule ---- */

void jk_recheck_schedule_default(jk_recheck_schedule *s)
{
    s->first_seconds = 24 * 3600;
    s->max_seconds = 7 * 24 * 3600;
    s->stop_seconds = 90 * 24 * 3600;
}

void jk_recheck_next(const jk_recheck_schedule *s, int64_t reported_unix, int64_t interval_seconds,
                     long checks, const char *result, int64_t now_unix, int64_t *next_unix,
                     int64_t *interval)
{
    int64_t prev = checks == 0 || interval_seconds <= 0 ? s->first_seconds : interval_seconds;
    if (prev <= 0)
        prev = 3600;
    *interval = prev;
    *next_unix = 0;
    if (strcmp(result, "removed") == 0)
        return;
    if (strcmp(result, "present") == 0)
        *interval = prev > s->max_seconds / 2 ? s->max_seconds : prev * 2;
    if (*interval <= 0)
        *interval = prev;
    int64_t stop = reported_unix + s->stop_seconds;
    if (now_unix >= stop)
        return; /* that was the last one */
    *next_unix = now_unix + *interval;
    if (*next_unix > stop)
        *next_unix = stop;
}

/* ---- verdicts ---- */

static void verdict(jk_recheck_verdict *v, const char *result, const char *reason, long status,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void verdict(jk_recheck_verdict *v, const char *result, const char *reason, long status,
                    const char *fmt, ...)
{
    v->result = result;
    v->reason = reason;
    v->http_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
}

/* A status that says nothing about the content: 429, 5xx, 401/403, a
 * redirect left over … — "unknown", with the status in the reason. */
static void unknown_status(jk_recheck_verdict *v, long status)
{
    static const struct {
        long status;
        const char *reason;
    } known[] = {
        {400, "http_400"}, {401, "http_401"}, {403, "http_403"}, {404, "http_404"},
        {408, "http_408"}, {429, "http_429"}, {500, "http_500"}, {502, "http_502"},
        {503, "http_503"}, {504, "http_504"},
    };
    const char *reason = status >= 500 ? "http_5xx" : status >= 400 ? "http_4xx" : "http_other";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].status == status)
            reason = known[i].reason;
    verdict(v, "unknown", reason, status, "HTTP %ld says nothing about the content; checked again",
            status);
}

/* 404, 410, 451: the server says the content is gone. */
static bool gone_status(jk_recheck_verdict *v, long status)
{
    if (status == 404)
        verdict(v, "removed", "http_404", status, "HTTP 404 Not Found");
    else if (status == 410)
        verdict(v, "removed", "http_410", status, "HTTP 410 Gone");
    else if (status == 451)
        verdict(v, "removed", "http_451", status, "HTTP 451 Unavailable For Legal Reasons");
    else
        return false;
    return true;
}

/* ---- the text test ---- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Normalize in[0..len) and append it to out without white space: markup,
 * line breaks and indentation differ between a page and the stored text. */
static int fold(const jk_normalizer *norm, jk_normalized *res, const char *in, size_t len,
                jk_buf *out, jk_error *err)
{
    jk_buf_reset(out);
    int rc = jk_normalize_text(norm, in, len, res, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < res->len; i++)
        if (!is_space((unsigned char)res->text[i]) && (rc = jk_buf_putc(out, res->text[i])))
            return jk_error_set(err, rc, "removal check: out of memory");
    return JK_OK;
}

/* Knuth–Morris–Pratt: linear in the page whatever the passage (a naive
 * search is quadratic on "aaaa…", and pages are outside input). */
static bool contains(const char *hay, size_t hay_len, const char *needle, size_t n, size_t *fail)
{
    if (n == 0)
        return true;
    if (n > hay_len)
        return false;
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < n; i++) {
        while (k > 0 && needle[i] != needle[k])
            k = fail[k - 1];
        if (needle[i] == needle[k])
            k++;
        fail[i] = k;
    }
    for (size_t i = 0, k = 0; i < hay_len; i++) {
        while (k > 0 && hay[i] != needle[k])
            k = fail[k - 1];
        if (hay[i] == needle[k] && ++k == n)
            return true;
    }
    return false;
}

int jk_recheck_passages(const jk_normalizer *norm, const char *text, size_t text_len,
                        const char *spans_json, const char *page_text, size_t page_len,
                        size_t *found, size_t *total, jk_error *err)
{
    *found = *total = 0;
    if (!spans_json || !text)
        return JK_OK;
    json_error_t jerr;
    json_t *spans = json_loads(spans_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(spans)) {
        json_decref(spans);
        return jk_error_set(err, JK_EPARSE, "removal check: spans are not a JSON array (%s)",
                            spans ? "wrong type" : jerr.text);
    }
    jk_normalized res;
    jk_normalized_init(&res);
    jk_buf hay, needle;
    jk_buf_init(&hay, 0);
    jk_buf_init(&needle, 0);
    size_t *fail = NULL, fail_cap = 0;
    if (!page_text)
        page_len = 0;
    if (page_len > JK_MAX_TEXT_BYTES) {
        /* the normalizer's limit; a page is cut there, on a character */
        page_len = JK_MAX_TEXT_BYTES;
        while (page_len > 0 && ((unsigned char)page_text[page_len] & 0xC0) == 0x80)
            page_len--;
    }
    int rc = fold(norm, &res, page_text ? page_text : "", page_len, &hay, err);
    size_t index;
    json_t *span;
    json_array_foreach(spans, index, span)
    {
        if (rc || *total == MAX_PASSAGES)
            break;
        json_t *a = json_array_get(span, 0), *b = json_array_get(span, 1);
        if (json_array_size(span) != 2 || !json_is_integer(a) || !json_is_integer(b))
            continue;
        json_int_t start = json_integer_value(a), end = json_integer_value(b);
        if (start < 0 || end <= start || (size_t)end > text_len)
            continue; /* not a span of this text */
        size_t n = (size_t)(end - start);
        if (n > MAX_PASSAGE_BYTES) {
            n = MAX_PASSAGE_BYTES;
            while (n > 0 && ((unsigned char)text[start + (json_int_t)n] & 0xC0) == 0x80)
                n--; /* a character boundary */
        }
        if ((rc = fold(norm, &res, text + start, n, &needle, err)))
            break;
        if (needle.len == 0)
            continue; /* white space or marks only: nothing to look for */
        (*total)++;
        if (needle.len > fail_cap) {
            fail_cap = needle.len;
            fail = jk_reallocarray(fail, fail_cap, sizeof *fail);
        }
        if (contains(hay.data ? hay.data : "", hay.len, needle.data, needle.len, fail))
            (*found)++;
    }
    free(fail);
    jk_buf_release(&needle);
    jk_buf_release(&hay);
    jk_normalized_release(&res);
    json_decref(spans);
    return rc;
}

/* ---- judging a page ---- */

static bool is_page_type(const char *content_type)
{
    if (!content_type || !*content_type)
        return true;
    static const char *const types[] = {"text/", "application/xhtml+xml", "application/xml"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strncasecmp(content_type, types[i], strlen(types[i])) == 0)
            return true;
    return false;
}

/* The post number of a board item ("URL#12" → "12"), or NULL. */
static const char *post_number(const char *external_id)
{
    const char *hash = external_id ? strrchr(external_id, '#') : NULL;
    if (!hash || !hash[1])
        return NULL;
    for (const char *p = hash + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return NULL;
    return hash + 1;
}

static bool contains_text(const char *s, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(s + i, what, n) == 0)
            return true;
    return false;
}

/* The passages' test on hay: present when every one is there. */
static void text_test(const jk_normalizer *norm, const jk_removal_row *row, long status,
                      const char *hay, size_t hay_len, bool truncated, const char *where,
                      jk_recheck_verdict *v)
{
    size_t found, total;
    jk_error err;
    jk_error_clear(&err);
    int rc = jk_recheck_passages(norm, row->text, row->text_len, row->spans_json, hay, hay_len,
                                 &found, &total, &err);
    if (rc) {
        verdict(v, "unknown", "compare", status, "%s", err.message);
    } else if (total == 0) {
        verdict(v, "present", NULL, status, "HTTP %ld; no matched passage to compare", status);
    } else if (found == total) {
        verdict(v, "present", NULL, status, "HTTP %ld; %zu of %zu matched passages on %s", status,
                found, total, where);
    } else if (truncated) {
        verdict(v, "unknown", "truncated", status,
                "HTTP %ld; %zu of %zu matched passages in what came before the size limit", status,
                found, total);
    } else {
        verdict(v, "removed", "text_gone", status,
                "HTTP %ld; %zu of %zu matched passages left on %s", status, found, total, where);
    }
}

void jk_recheck_judge_page(const jk_normalizer *norm, const jk_removal_row *row, long status,
                           const char *body, size_t len, const char *content_type, const char *url,
                           bool truncated, jk_recheck_verdict *v)
{
    if (gone_status(v, status))
        return;
    if (status < 200 || status > 299) {
        unknown_status(v, status);
        return;
    }
    bool tip = row->platform && strcmp(row->platform, "tip") == 0;
    if (tip || !is_page_type(content_type)) {
        verdict(v, "present", NULL, status, "HTTP %ld%s%s; %s", status, content_type ? " " : "",
                content_type ? content_type : "",
                tip ? "a tip: judged by status only" : "not a page: judged by status only");
        return;
    }
    jk_webpage page;
    jk_error err;
    jk_error_clear(&err);
    if (jk_webpage_parse(body ? body : "", body ? len : 0, content_type, url, &page, &err)) {
        verdict(v, "unknown", "parse", status, "%s", err.message);
        return;
    }
    jk_buf hay;
    jk_buf_init(&hay, 0);
    const char *number =
        row->platform && strcmp(row->platform, "board") == 0 ? post_number(row->external_id) : NULL;
    if (number) {
        bool banner = contains_text(page.text, page.text_len, ARCHIVE_BANNER);
        const jk_post *post = NULL;
        for (size_t i = 0; i < page.posts.n; i++) {
            const jk_post *p = &page.posts.v[i];
            if (banner && contains_text(p->text, p->text_len, ARCHIVE_BANNER))
                banner = false; /* a post quoting it, not the board saying it */
            const char *n = post_number(p->external_id);
            if (page.layout && n && strcmp(n, number) == 0)
                post = p;
        }
        if (banner) {
            verdict(v, "removed", "thread_archived", status,
                    "HTTP %ld; the thread is in the archive (" ARCHIVE_BANNER ")", status);
        } else if (page.layout && !post && !truncated && !page.posts_truncated) {
            verdict(v, "removed", "post_gone", status, "HTTP %ld; post %s is not in the thread",
                    status, number);
        } else if (page.layout && !post) {
            verdict(v, "unknown", "truncated", status,
                    "HTTP %ld; post %s not in the part of the thread that was read", status,
                    number);
        } else if (post) {
            char where[64];
            snprintf(where, sizeof where, "post %s", number);
            text_test(norm, row, status, post->text, post->text_len, truncated, where, v);
        } else {
            jk_buf_printf(&hay, "%s\n%s", page.title, page.text);
            text_test(norm, row, status, hay.data, hay.len, truncated,
                      "the page (no thread layout)", v);
        }
    } else {
        jk_buf_printf(&hay, "%s\n%s", page.title, page.text);
        text_test(norm, row, status, hay.data, hay.len, truncated, "the page", v);
    }
    jk_buf_release(&hay);
    jk_webpage_release(&page);
}

/* ---- judging the platforms' API answers ---- */

static json_t *parse_json(const char *body, size_t len)
{
    return body && len ? json_loadb(body, len, 0, NULL) : NULL;
}

void jk_recheck_judge_mastodon(long status, const char *body, size_t len, jk_recheck_verdict *v)
{
    if (gone_status(v, status))
        return;
    if (status < 200 || status > 299) {
        unknown_status(v, status);
        return;
    }
    json_t *root = parse_json(body, len);
    const char *id = json_string_value(json_object_get(root, "id"));
    if (id)
        verdict(v, "present", NULL, status, "the instance has status %.64s", id);
    else
        verdict(v, "unknown", "parse", status, "HTTP %ld but no status in the answer", status);
    json_decref(root);
}

void jk_recheck_judge_misskey(long status, const char *body, size_t len, jk_recheck_verdict *v)
{
    json_t *root = parse_json(body, len);
    const char *code = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
    const char *id = json_string_value(json_object_get(root, "id"));
    if (code && strcmp(code, "NO_SUCH_NOTE") == 0)
        verdict(v, "removed", "no_such_note", status, "HTTP %ld, error NO_SUCH_NOTE", status);
    else if (status >= 200 && status <= 299 && id)
        verdict(v, "present", NULL, status, "the instance has note %.64s", id);
    else if (status >= 200 && status <= 299)
        verdict(v, "unknown", "parse", status, "HTTP %ld but no note in the answer", status);
    else if (code)
        verdict(v, "unknown", status >= 500 ? "http_5xx" : "api_error", status,
                "HTTP %ld, error %.64s", status, code);
    else
        unknown_status(v, status);
    json_decref(root);
}

/* X's "resource not found" problem about the tweet asked for. */
static bool x_not_found(const json_t *error)
{
    const char *title = json_string_value(json_object_get(error, "title"));
    const char *type = json_string_value(json_object_get(error, "type"));
    const char *resource = json_string_value(json_object_get(error, "resource_type"));
    static const char suffix[] = "/resource-not-found";
    bool not_found = (title && strcmp(title, "Not Found Error") == 0) ||
                     (type && strlen(type) >= sizeof suffix - 1 &&
                      strcmp(type + strlen(type) - (sizeof suffix - 1), suffix) == 0);
    return not_found && (!resource || strcmp(resource, "tweet") == 0);
}

void jk_recheck_judge_x(long status, const char *body, size_t len, jk_recheck_verdict *v)
{
    json_t *root = parse_json(body, len);
    const char *id = json_string_value(json_object_get(json_object_get(root, "data"), "id"));
    json_t *errors = json_object_get(root, "errors");
    bool gone = false;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) gone = gone || x_not_found(e);
    if (status >= 200 && status <= 299 && id)
        verdict(v, "present", NULL, status, "the API has tweet %.64s", id);
    else if (gone && (status == 200 || status == 404))
        verdict(v, "removed", "not_found_error", status, "HTTP %ld, Not Found Error", status);
    else if (status >= 200 && status <= 299)
        verdict(v, "unknown", "api_error", status, "HTTP %ld but no tweet in the answer", status);
    else
        unknown_status(v, status);
    json_decref(root);
}

/* ---- plans ---- */

void jk_recheck_plan_release(jk_recheck_plan *plan)
{
    free(plan->url);
    free(plan->body);
    memset(plan, 0, sizeof *plan);
}

/* The host of an http(s) URL, lower-cased, without port (caller frees);
 * NULL when it is none. */
static char *host_of(const char *url)
{
    char *auth = NULL;
    if (!url || jk_url_origin(url, NULL, &auth) != JK_OK)
        return NULL;
    char *colon = auth[0] == '[' ? strchr(auth, ']') : auth;
    colon = colon ? strchr(colon, ':') : NULL;
    if (colon)
        *colon = '\0';
    return auth;
}

static bool same_host(const char *a, const char *b)
{
    char *x = host_of(a), *y = host_of(b);
    bool same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

/* A URL without its fragment (caller frees); NULL unless http(s). */
static char *page_url(const char *url)
{
    if (!url || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return NULL;
    return jk_strndup(url, strcspn(url, "#"));
}

/* The path of an absolute URL (after the authority; "" when none). */
static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return "";
    p += 3;
    return p + strcspn(p, "/?#");
}

/* Match path against "/A/B/…": literal parts, "*" one segment, "$" the id
 * (a usable social id, copied into id). The path ends there (a query or
 * fragment may follow). */
static bool path_match(const char *path, const char *const *parts, char id[JK_SOCIAL_MAX_ID + 1])
{
    const char *p = path;
    id[0] = '\0';
    for (size_t i = 0; parts[i]; i++) {
        if (*p != '/')
            return false;
        p++;
        size_t n = strcspn(p, "/?#");
        if (strcmp(parts[i], "$") == 0) {
            if (n == 0 || n > JK_SOCIAL_MAX_ID)
                return false;
            memcpy(id, p, n);
            id[n] = '\0';
            if (!jk_social_id_ok(id))
                return false;
        } else if (strcmp(parts[i], "*") != 0 &&
                   (n != strlen(parts[i]) || memcmp(p, parts[i], n) != 0)) {
            return false;
        } else if (n == 0) {
            return false;
        }
        p += n;
    }
    return *p == '\0' || *p == '?' || *p == '#';
}

/* base without its trailing slashes, then fmt (caller frees). */
static char *api_url(const char *base, const char *fmt, const char *id)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    jk_buf b;
    jk_buf_init(&b, 0);
    jk_buf_append(&b, base, n);
    jk_buf_printf(&b, fmt, id);
    return b.data;
}

static int misskey_body(jk_recheck_plan *plan, const char *id, const char *token)
{
    json_t *o = json_pack("{s:s}", "noteId", id);
    if (o && token)
        json_object_set_new(o, "i", json_string(token));
    plan->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return plan->body ? JK_OK : JK_ENOMEM;
}

static const char *const MASTODON_URI[] = {"users", "*", "statuses", "$", NULL};
static const char *const MASTODON_URL[] = {"*", "$", NULL}; /* /@user/ID */
static const char *const MISSKEY_URI[] = {"notes", "$", NULL};

/* An item seen on a Mastodon or Misskey instance. */
static int social_plan(const jk_removal_row *row, const jk_recheck_tokens *tokens,
                       bool misskey_instance, jk_recheck_plan *plan, jk_error *err)
{
    char id[JK_SOCIAL_MAX_ID + 1];
    const char *uri = row->external_id ? row->external_id : row->url;
    const char *target = row->source_target ? row->source_target : "";
    char *target_origin = NULL, *uri_origin = NULL;
    if (jk_url_origin(target, &target_origin, NULL) == JK_ENOMEM ||
        (uri && jk_url_origin(uri, &uri_origin, NULL) == JK_ENOMEM))
        return JK_ENOMEM;
    bool local = target_origin && uri_origin && strcmp(target_origin, uri_origin) == 0;
    int rc = JK_OK;
    if (local && !misskey_instance &&
        (path_match(path_of(uri), MASTODON_URI, id) ||
         (row->url && same_host(row->url, target) &&
          path_match(path_of(row->url), MASTODON_URL, id) && path_of(row->url)[1] == '@'))) {
        plan->kind = JK_RECHECK_MASTODON;
        plan->url = api_url(target, "/api/v1/statuses/%s", id);
        plan->token = tokens->mastodon;
        plan->allow_private = row->allow_private;
    } else if (local && misskey_instance && path_match(path_of(uri), MISSKEY_URI, id)) {
        plan->kind = JK_RECHECK_MISSKEY;
        plan->url = api_url(target, "/api/notes/show", NULL);
        rc = misskey_body(plan, id, tokens->misskey);
        plan->allow_private = row->allow_private;
    } else if (uri_origin && path_match(path_of(uri), MASTODON_URI, id)) {
        /* a remote post: its home server has it under its own id */
        plan->kind = JK_RECHECK_MASTODON;
        plan->url = api_url(uri_origin, "/api/v1/statuses/%s", id);
        plan->allow_private = local && row->allow_private;
    } else if (uri_origin && path_match(path_of(uri), MISSKEY_URI, id)) {
        plan->kind = JK_RECHECK_MISSKEY;
        plan->url = api_url(uri_origin, "/api/notes/show", NULL);
        rc = misskey_body(plan, id, NULL);
        plan->allow_private = local && row->allow_private;
    } else {
        /* some other software's post: its page, by status only (these are
         * script-rendered pages, their text is not the post's) */
        plan->kind = JK_RECHECK_PAGE;
        plan->url = page_url(row->url);
        plan->allow_private = row->allow_private && same_host(row->url, target);
        plan->obey_robots = true;
        if (!plan->url)
            rc = jk_error_set(err, JK_EINVAL, "item %lld: no http(s) URL to check",
                              (long long)row->item_id);
    }
    free(target_origin);
    free(uri_origin);
    return rc;
}

int jk_recheck_plan_for(const jk_removal_row *row, const jk_recheck_tokens *tokens,
                        jk_recheck_plan *plan, jk_error *err)
{
    static const jk_recheck_tokens none = {NULL, NULL, NULL};
    memset(plan, 0, sizeof *plan);
    if (!tokens)
        tokens = &none;
    const char *kind = row->source_kind ? row->source_kind : "";
    if (strcmp(kind, "mastodon") == 0 || strcmp(kind, "misskey") == 0)
        return social_plan(row, tokens, strcmp(kind, "misskey") == 0, plan, err);
    if (strcmp(kind, "x") == 0) {
        const char *id = row->external_id ? row->external_id : "";
        size_t n = strspn(id, "0123456789");
        if (n == 0 || n > 20 || id[n])
            return jk_error_set(err, JK_EINVAL, "item %lld: \"%.40s\" is not a tweet id",
                                (long long)row->item_id, id);
        plan->kind = JK_RECHECK_X;
        plan->url = api_url(row->source_target ? row->source_target : "", "/2/tweets/%s", id);
        plan->token = tokens->x;
        plan->allow_private = row->allow_private;
        return JK_OK;
    }
    /* web, feed, jsonl, or no source at all (import, tip): the page */
    plan->kind = JK_RECHECK_PAGE;
    plan->url = page_url(row->url);
    if (!plan->url)
        return jk_error_set(err, JK_EINVAL, "item %lld: no http(s) URL to check",
                            (long long)row->item_id);
    plan->obey_robots = true;
    plan->text_test = !row->platform || strcmp(row->platform, "tip") != 0;
    plan->allow_private =
        row->source_kind && row->allow_private && same_host(row->url, row->source_target);
    return JK_OK;
}

/* ---- running a check ---- */

int jk_recheck_item(jk_recheck_ctx *ctx, const jk_removal_row *row, int64_t now_unix,
                    jk_recheck_result *out, jk_error *err)
{
    memset(out, 0, sizeof *out);
    out->checked_unix = now_unix;
    jk_recheck_verdict *v = &out->verdict;
    jk_recheck_plan plan;
    jk_error plan_err;
    jk_error_clear(&plan_err);
    jk_http_response resp;
    jk_http_response_init(&resp);
    if (ctx->evidence) {
        char name[64];
        snprintf(name, sizeof name, "removal check of item %lld", (long long)row->item_id);
        jk_evidence_sink_source(ctx->evidence, 0, 0, name, true);
    }
    int rc = jk_recheck_plan_for(row, &ctx->tokens, &plan, &plan_err);
    if (rc == JK_ENOMEM)
        goto done;
    if (rc) {
        verdict(v, "unknown", "no_url", 0, "%s", plan_err.message);
        rc = JK_OK;
        goto schedule;
    }
    snprintf(out->method, sizeof out->method, "%s", plan.body ? "POST" : "GET");
    snprintf(out->url, sizeof out->url, "%s", plan.url);
    jk_http_request req;
    memset(&req, 0, sizeof req);
    req.method = out->method;
    req.url = plan.url;
    req.body = plan.body;
    req.body_len = plan.body ? strlen(plan.body) : 0;
    req.content_type = plan.body ? "application/json" : NULL;
    req.bearer_token = plan.token;
    req.accept = plan.kind == JK_RECHECK_PAGE ? ACCEPT_HTML : "application/json";
    req.allow_private = plan.allow_private;
    req.obey_robots = plan.obey_robots;
    jk_error fetch_err;
    jk_error_clear(&fetch_err);
    rc = jk_http_fetch(ctx->http, &req, &resp, &fetch_err);
    if (rc == JK_ENOMEM)
        goto done;
    if (rc) {
        verdict(v, "unknown",
                rc == JK_EDENIED  ? "denied"
                : rc == JK_EINVAL ? "bad_url"
                                  : "network",
                0, "%s", fetch_err.message);
        rc = JK_OK;
        goto schedule;
    }
    switch (plan.kind) {
    case JK_RECHECK_MASTODON:
        jk_recheck_judge_mastodon(resp.status, resp.body.data, resp.body.len, v);
        break;
    case JK_RECHECK_MISSKEY:
        jk_recheck_judge_misskey(resp.status, resp.body.data, resp.body.len, v);
        break;
    case JK_RECHECK_X:
        jk_recheck_judge_x(resp.status, resp.body.data, resp.body.len, v);
        break;
    case JK_RECHECK_PAGE:
        if (plan.text_test) {
            jk_recheck_judge_page(
                ctx->norm, row, resp.status, resp.body.data, resp.body.len, resp.content_type,
                resp.final_url && *resp.final_url ? resp.final_url : plan.url, resp.truncated, v);
        } else if (!gone_status(v, resp.status)) {
            if (resp.status >= 200 && resp.status <= 299)
                verdict(v, "present", NULL, resp.status, "HTTP %ld; judged by status only",
                        resp.status);
            else
                unknown_status(v, resp.status);
        }
        break;
    }
schedule:;
    int64_t reported = 0;
    if (!row->reported_at || !jk_utc_parse(row->reported_at, &reported))
        reported = now_unix; /* never happens with the store's rows */
    jk_recheck_next(&ctx->schedule, reported, row->interval_seconds, row->checks, v->result,
                    now_unix, &out->next_check_unix, &out->interval_seconds);
done:
    if (rc == JK_ENOMEM)
        jk_error_set(err, rc, "removal check of item %lld: out of memory", (long long)row->item_id);
    jk_http_response_release(&resp);
    jk_recheck_plan_release(&plan);
    return rc;
}

int jk_recheck_record(jk_store *store, jk_evidence_sink *evidence, const jk_removal_row *row,
                      const jk_recheck_result *res, jk_error *err)
{
    const jk_recheck_verdict *v = &res->verdict;
    int rc = jk_store_removal_record_at(store, row->item_id, v->result, v->reason, v->http_status,
                                        res->checked_unix, res->next_check_unix,
                                        res->interval_seconds, err);
    size_t n;
    const int64_t *ids = jk_evidence_sink_pending(evidence, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = jk_store_item_evidence(store, row->item_id, ids[i], err);
    if (!rc)
        jk_evidence_sink_clear(evidence);
    return rc;
}

/* ---- copies of the store's rows ---- */

static char *dup_or_null(const char *s)
{
    return s ? jk_strdup(s) : NULL;
}

static int keep_row(void *ctx, const jk_removal_row *r)
{
    jk_removal_list *l = ctx;
    jk_grow((void **)&l->rows, &l->cap, l->count + 1, sizeof *l->rows);
    jk_removal_row *d = &l->rows[l->count++];
    *d = *r;
    d->url = dup_or_null(r->url);
    d->platform = dup_or_null(r->platform);
    d->external_id = dup_or_null(r->external_id);
    d->source_kind = dup_or_null(r->source_kind);
    d->source_target = dup_or_null(r->source_target);
    d->text = r->text ? jk_strndup(r->text, r->text_len) : NULL;
    d->spans_json = dup_or_null(r->spans_json);
    d->reported_at = dup_or_null(r->reported_at);
    d->last_check_at = dup_or_null(r->last_check_at);
    d->last_result = dup_or_null(r->last_result);
    d->removed_at = dup_or_null(r->removed_at);
    d->reason = dup_or_null(r->reason);
    return 0;
}

int jk_recheck_due(jk_store *store, int64_t now_unix, size_t limit, jk_removal_list *list,
                   jk_error *err)
{
    return jk_store_removal_due(store, now_unix, limit, keep_row, list, err);
}

int jk_recheck_get(jk_store *store, int64_t item_id, jk_removal_list *list, jk_error *err)
{
    return jk_store_removal_get(store, item_id, keep_row, list, err);
}

void jk_removal_list_release(jk_removal_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        jk_removal_row *r = &list->rows[i];
        free((char *)r->url);
        free((char *)r->platform);
        free((char *)r->external_id);
        free((char *)r->source_kind);
        free((char *)r->source_target);
        free((char *)r->text);
        free((char *)r->spans_json);
        free((char *)r->reported_at);
        free((char *)r->last_check_at);
        free((char *)r->last_result);
        free((char *)r->removed_at);
        free((char *)r->reason);
    }
    free(list->rows);
    memset(list, 0, sizeof *list);
}
