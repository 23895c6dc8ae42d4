/*
 * misskey.c — Misskey notes into posts, and the request of one page
 * (misskey.h).
 *
 * Owns: which Note fields make an item (API reference:
 * https://misskey-hub.net/en/docs/for-developers/api/ and the Note schema
 * of the instance's /api-doc). Note text is MFM, plain text with inline
 * markup, kept as it is. Must not fetch, page or touch the store.
 */
#include "misskey.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/limits.h"
#include "link_header.h"

/* A renote's "renote" is packed one level deep by Misskey; a hostile
 * server may nest further, and the walk must end. */
#define MAX_RENOTE_DEPTH 4

int jk_misskey_id_cmp(const char *a, const char *b)
{
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

int jk_misskey_page_request(const char *base, const char *query, int limit, const char *since_id,
                            const char *until_id, const char *token, jk_buf *url_out,
                            jk_buf *body_out)
{
    jk_social_mode mode;
    const char *term;
    size_t term_len;
    if (jk_social_query(query, &mode, &term, &term_len))
        return JK_EINVAL;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    jk_buf_reset(url_out);
    jk_buf_reset(body_out);
    static const char *const paths[] = {"/api/notes/global-timeline", "/api/notes/search-by-tag",
                                        "/api/notes/search"};
    int rc = jk_buf_append(url_out, base, base_len);
    if (!rc)
        rc = jk_buf_puts(url_out, paths[mode]);
    json_t *body = json_object();
    if (!body)
        return JK_ENOMEM;
    /* jansson escapes every string: the query and token cannot break out */
    int bad = json_object_set_new(body, "limit", json_integer(limit));
    if (mode != JK_SOCIAL_PUBLIC)
        bad |= json_object_set_new(body, mode == JK_SOCIAL_TAG ? "tag" : "query",
                                   json_stringn(term, term_len));
    if (since_id)
        bad |= json_object_set_new(body, "sinceId", json_string(since_id));
    if (until_id)
        bad |= json_object_set_new(body, "untilId", json_string(until_id));
    if (token)
        bad |= json_object_set_new(body, "i", json_string(token));
    char *text = bad ? NULL : json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return rc ? rc : JK_EINVAL; /* a query or token that is not UTF-8 */
    if (!rc)
        rc = jk_buf_puts(body_out, text);
    free(text);
    return rc;
}

typedef struct parse_state {
    const char *url;
    const char *origin;    /* of the instance: local notes' addresses */
    const char *authority; /* of the instance: local users' host */
    jk_social_page *page;
    jk_social_log log;
    void *log_ctx;
} parse_state;

#define skip_note(ps, index, id, ...)                                                           \
    jk_social_skip((ps)->page, (ps)->log, (ps)->log_ctx, (ps)->url, "note", index, id,         \
                   __VA_ARGS__)

static int note_text(const json_t *note, jk_buf *text)
{
    const char *cw = jk_social_str(note, "cw");
    const char *body = jk_social_str(note, "text");
    int rc = cw ? jk_social_text_add(text, cw, strlen(cw)) : JK_OK;
    if (!rc && body)
        rc = jk_social_text_add(text, body, strlen(body));
    size_t i;
    const json_t *el;
    json_array_foreach(json_object_get(note, "files"), i, el) {
        const char *comment = jk_social_str(el, "comment");
        if (!rc && comment)
            rc = jk_social_text_add(text, comment, strlen(comment));
    }
    json_array_foreach(json_object_get(json_object_get(note, "poll"), "choices"), i, el) {
        const char *choice = jk_social_str(el, "text");
        if (!rc && choice)
            rc = jk_social_text_add(text, choice, strlen(choice));
    }
    return rc;
}

/* A renote without a text, files or poll of its own stands for the note
 * it renotes; a quote (renote with text) is a note of its own. */
static bool is_pure_renote(const json_t *note)
{
    if (!jk_social_str(note, "renoteId") && !json_is_object(json_object_get(note, "renote")))
        return false;
    if (jk_social_str(note, "text") || jk_social_str(note, "cw"))
        return false;
    if (json_array_size(json_object_get(note, "files")) > 0)
        return false;
    return !json_is_object(json_object_get(note, "poll"));
}

static int parse_note(parse_state *ps, size_t index, const json_t *outer, jk_buf *text,
                      jk_buf *scratch)
{
    if (!json_is_object(outer)) {
        skip_note(ps, index, NULL, "not an object");
        return JK_OK;
    }
    const char *id = json_string_value(json_object_get(outer, "id"));
    if (!jk_social_id_ok(id)) {
        skip_note(ps, index, NULL, "no usable id");
        return JK_OK;
    }
    int rc = jk_social_page_add_id(ps->page, id, jk_misskey_id_cmp);
    if (rc)
        return rc;
    const json_t *note = outer;
    for (int depth = 0; depth < MAX_RENOTE_DEPTH && is_pure_renote(note); depth++) {
        const json_t *inner = json_object_get(note, "renote");
        if (!json_is_object(inner)) {
            skip_note(ps, index, id, "renote without the renoted note");
            return JK_OK;
        }
        note = inner;
    }
    const char *note_id = json_string_value(json_object_get(note, "id"));
    const char *uri = jk_social_str(note, "uri");
    const char *url = jk_social_str(note, "url");
    jk_buf_reset(scratch);
    if (!uri) {
        /* a local note: its address on the instance */
        if (!jk_social_id_ok(note_id) || !ps->origin) {
            skip_note(ps, index, id, "no uri and no usable id for a local address");
            return JK_OK;
        }
        rc = jk_buf_printf(scratch, "%s/notes/%s", ps->origin, note_id);
        if (rc)
            return rc;
        uri = scratch->data;
    }
    if (!url)
        url = uri;
    jk_buf_reset(text);
    rc = note_text(note, text);
    if (rc == JK_ELIMIT) {
        skip_note(ps, index, id, "text over %u bytes", JK_MAX_TEXT_BYTES);
        return JK_OK;
    }
    if (rc)
        return rc;
    jk_post post = {0};
    post.external_id = (char *)uri;
    post.url = (char *)url;
    const json_t *user = json_object_get(note, "user");
    const char *username = jk_social_str(user, "username");
    char *author = NULL;
    if (username) {
        const char *host = jk_social_str(user, "host");
        if (!host)
            host = ps->authority;
        size_t n = strlen(username) + (host ? strlen(host) + 1 : 0) + 1;
        author = malloc(n);
        if (!author)
            return JK_ENOMEM;
        snprintf(author, n, host ? "%s@%s" : "%s", username, host ? host : "");
        post.author = author;
    }
    char when[21];
    if (jk_social_time_utc(jk_social_str(note, "createdAt"), when))
        post.posted_at = when;
    post.lang = (char *)jk_social_str(note, "lang");
    post.text = text->data ? text->data : "";
    post.text_len = text->len;
    rc = jk_posts_add(&ps->page->posts, &post);
    free(author);
    return rc;
}

int jk_misskey_parse(const char *body, size_t len, const char *url, jk_social_page *page,
                     jk_social_log log, void *log_ctx, jk_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, JSON_DECODE_ANY, &jerr);
    if (!root)
        return jk_error_set(err, JK_EPARSE, "%s: not JSON (line %d: %s)", url, jerr.line,
                            jerr.text);
    if (!json_is_array(root)) {
        int rc = jk_error_set(err, JK_EPARSE, "%s: expected an array of notes, got %s", url,
                              json_is_object(root) ? "an object" : "another value");
        json_decref(root);
        return rc;
    }
    char *origin = NULL, *authority = NULL;
    if (jk_url_origin(url, &origin, &authority) == JK_ENOMEM) {
        json_decref(root);
        return jk_error_set(err, JK_ENOMEM, "%s: out of memory", url);
    }
    parse_state ps = {url, origin, authority, page, log, log_ctx};
    jk_buf text, scratch;
    jk_buf_init(&text, JK_MAX_TEXT_BYTES);
    jk_buf_init(&scratch, 0);
    int rc = JK_OK;
    size_t i;
    const json_t *el;
    json_array_foreach(root, i, el) {
        page->elements++;
        rc = parse_note(&ps, i, el, &text, &scratch);
        if (rc)
            break;
    }
    if (rc)
        rc = jk_error_set(err, rc, "%s: %s while parsing notes", url, jk_strerror(rc));
    jk_buf_release(&scratch);
    jk_buf_release(&text);
    free(origin);
    free(authority);
    json_decref(root);
    return rc;
}
