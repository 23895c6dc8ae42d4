/*
 * template.c — the report template language (template.h): the text is cut
 * into tokens (text runs and tags, standalone tag lines trimmed), sections
 * matched with their closing tags, then rendered recursively against a
 * stack of JSON contexts. Owns nothing past a call.
 */
#include "template.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_DEPTH_MAX 32
#define TEMPLATE_OUTPUT_MAX (16u << 20)
#define TEMPLATE_NAME_MAX 128
/* Nested sections over lists multiply: {{#a}}{{#a}}{{#a}}… over a long list
 * renders for ever while printing nothing, so the output cap alone does not
 * bound the time. Tokens rendered are capped as well. */
#define TEMPLATE_STEPS_MAX 20000000u

typedef enum tok_type {
    TOK_TEXT,
    TOK_VAR,
    TOK_SECTION,
    TOK_INVERTED,
    TOK_CLOSE,
    TOK_COMMENT
} tok_type;

typedef struct token {
    tok_type type;
    const char *ptr; /* the text run, or the tag's name */
    size_t len;
    unsigned line, col;
    size_t end; /* sections: the index of the closing token */
} token;

typedef struct parse {
    const char *text;
    size_t len;
    const char *name;
    token *toks;
    size_t count, cap;
    jk_error *err;
} parse;

static int push(parse *p, tok_type type, const char *ptr, size_t len, unsigned line, unsigned col)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        token *t = realloc(p->toks, cap * sizeof *t);
        if (!t)
            return jk_error_set(p->err, JK_ENOMEM, "%s: out of memory", p->name);
        p->toks = t;
        p->cap = cap;
    }
    p->toks[p->count++] = (token){type, ptr, len, line, col, 0};
    return JK_OK;
}

static void where(const parse *p, size_t pos, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < pos && i < p->len; i++) {
        if (p->text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)p->text[i] & 0xC0) != 0x80) {
            c++; /* columns count characters, not UTF-8 bytes */
        }
    }
    *line = l;
    *col = c;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int tokenize(parse *p)
{
    size_t text_start = 0, i = 0;
    while (i + 1 < p->len) {
        if (!(p->text[i] == '{' && p->text[i + 1] == '{')) {
            i++;
            continue;
        }
        size_t open = i;
        const char *close = NULL;
        for (size_t k = open + 2; k + 1 < p->len; k++) {
            if (p->text[k] == '}' && p->text[k + 1] == '}') {
                close = p->text + k;
                break;
            }
            if (p->text[k] == '\n' && p->text[open + 2] != '!')
                break;
        }
        unsigned line, col;
        where(p, open, &line, &col);
        if (!close)
            return jk_error_set(p->err, JK_EPARSE, "%s:%u:%u: \"{{\" is never closed by \"}}\"",
                                p->name, line, col);
        size_t tag_end = (size_t)(close - p->text) + 2;
        const char *in = p->text + open + 2;
        size_t in_len = (size_t)(close - in);
        tok_type type = TOK_VAR;
        if (in_len && (in[0] == '#' || in[0] == '^' || in[0] == '/' || in[0] == '!')) {
            type = in[0] == '#'   ? TOK_SECTION
                   : in[0] == '^' ? TOK_INVERTED
                   : in[0] == '/' ? TOK_CLOSE
                                  : TOK_COMMENT;
            in++;
            in_len--;
        }
        while (in_len && (blank(*in) || *in == '\n'))
            in++, in_len--;
        while (in_len && (blank(in[in_len - 1]) || in[in_len - 1] == '\n'))
            in_len--;
        if (type != TOK_COMMENT) {
            bool ok = in_len > 0 && in_len <= TEMPLATE_NAME_MAX;
            for (size_t k = 0; ok && k < in_len; k++)
                ok = !(blank(in[k]) || in[k] == '{' || in[k] == '}' || in[k] == '\n' ||
                       in[k] == '#' || in[k] == '^' || in[k] == '/');
            if (!ok)
                return jk_error_set(p->err, JK_EPARSE,
                                    "%s:%u:%u: \"%.*s\" is not a name (write {{name}}, "
                                    "{{#list}}…{{/list}} or {{^name}}…{{/name}})",
                                    p->name, line, col,
                                    (int)(tag_end - open > 60 ? 60 : tag_end - open),
                                    p->text + open);
        }
        /* A section, closing or comment tag alone on its line takes the
         * line with it. */
        size_t line_start = open;
        while (line_start > 0 && p->text[line_start - 1] != '\n')
            line_start--;
        size_t next = tag_end;
        if (type != TOK_VAR && line_start >= text_start) {
            bool alone = true;
            for (size_t k = line_start; alone && k < open; k++)
                alone = blank(p->text[k]);
            size_t k = tag_end;
            while (alone && k < p->len && p->text[k] != '\n')
                alone = blank(p->text[k++]);
            if (alone) {
                next = k < p->len ? k + 1 : k;
                open = line_start;
            }
        }
        int rc;
        if (open > text_start &&
            (rc = push(p, TOK_TEXT, p->text + text_start, open - text_start, 0, 0)))
            return rc;
        if ((rc = push(p, type, in, in_len, line, col)))
            return rc;
        i = text_start = next;
    }
    if (p->len > text_start)
        return push(p, TOK_TEXT, p->text + text_start, p->len - text_start, 0, 0);
    return JK_OK;
}

/* Match every section with its closing tag. */
static int match_sections(parse *p)
{
    size_t stack[TEMPLATE_DEPTH_MAX];
    size_t depth = 0;
    for (size_t i = 0; i < p->count; i++) {
        token *t = &p->toks[i];
        if (t->type == TOK_SECTION || t->type == TOK_INVERTED) {
            if (depth == TEMPLATE_DEPTH_MAX)
                return jk_error_set(p->err, JK_ELIMIT, "%s:%u:%u: sections nest deeper than %d",
                                    p->name, t->line, t->col, TEMPLATE_DEPTH_MAX);
            stack[depth++] = i;
        } else if (t->type == TOK_CLOSE) {
            if (!depth)
                return jk_error_set(p->err, JK_EPARSE, "%s:%u:%u: {{/%.*s}} closes nothing",
                                    p->name, t->line, t->col, (int)t->len, t->ptr);
            token *o = &p->toks[stack[depth - 1]];
            if (o->len != t->len || memcmp(o->ptr, t->ptr, t->len) != 0)
                return jk_error_set(
                    p->err, JK_EPARSE, "%s:%u:%u: {{/%.*s}} closes {{%c%.*s}} opened at %u:%u",
                    p->name, t->line, t->col, (int)t->len, t->ptr,
                    o->type == TOK_SECTION ? '#' : '^', (int)o->len, o->ptr, o->line, o->col);
            o->end = i;
            depth--;
        }
    }
    if (depth) {
        token *o = &p->toks[stack[depth - 1]];
        return jk_error_set(p->err, JK_EPARSE, "%s:%u:%u: {{%c%.*s}} is never closed", p->name,
                            o->line, o->col, o->type == TOK_SECTION ? '#' : '^', (int)o->len,
                            o->ptr);
    }
    return JK_OK;
}

typedef struct render {
    const parse *p;
    const json_t *stack[TEMPLATE_DEPTH_MAX + 1];
    size_t depth;
    jk_buf *out;
    jk_error *err;
    unsigned long steps;
} render;

static const json_t *lookup(const render *r, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return r->stack[r->depth - 1];
    size_t seg = 0;
    while (seg < len && name[seg] != '.')
        seg++;
    char key[TEMPLATE_NAME_MAX + 1];
    memcpy(key, name, seg);
    key[seg] = '\0';
    const json_t *v = NULL;
    for (size_t d = r->depth; d > 0 && !v; d--)
        if (json_is_object(r->stack[d - 1]))
            v = json_object_get(r->stack[d - 1], key);
    while (v && seg < len) {
        size_t from = seg + 1, to = from;
        while (to < len && name[to] != '.')
            to++;
        memcpy(key, name + from, to - from);
        key[to - from] = '\0';
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        seg = to;
    }
    return v;
}

static bool truthy(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return false;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    return true;
}

static int emit(render *r, const void *data, size_t len)
{
    if (r->out->len + len > TEMPLATE_OUTPUT_MAX)
        return jk_error_set(r->err, JK_ELIMIT, "%s: the output passes %u bytes", r->p->name,
                            TEMPLATE_OUTPUT_MAX);
    if (jk_buf_append(r->out, data, len))
        return jk_error_set(r->err, JK_ENOMEM, "%s: out of memory", r->p->name);
    return JK_OK;
}

static int emit_value(render *r, const json_t *v)
{
    char num[64];
    if (json_is_string(v))
        return emit(r, json_string_value(v), json_string_length(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return emit(r, num, strlen(num));
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%g", json_real_value(v));
        return emit(r, num, strlen(num));
    }
    if (json_is_boolean(v))
        return emit(r, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
    return JK_OK; /* null, missing, objects and lists print nothing */
}

static int render_range(render *r, size_t from, size_t to);

static int render_inside(render *r, const json_t *ctx, size_t from, size_t to)
{
    r->stack[r->depth++] = ctx;
    int rc = render_range(r, from, to);
    r->depth--;
    return rc;
}

static int render_range(render *r, size_t from, size_t to)
{
    int rc = JK_OK;
    for (size_t i = from; i < to && !rc; i++) {
        const token *t = &r->p->toks[i];
        if (++r->steps > TEMPLATE_STEPS_MAX)
            return jk_error_set(r->err, JK_ELIMIT, "%s: rendering takes more than %u steps",
                                r->p->name, TEMPLATE_STEPS_MAX);
        switch (t->type) {
        case TOK_TEXT:
            rc = emit(r, t->ptr, t->len);
            break;
        case TOK_VAR:
            rc = emit_value(r, lookup(r, t->ptr, t->len));
            break;
        case TOK_SECTION: {
            const json_t *v = lookup(r, t->ptr, t->len);
            if (json_is_array(v)) {
                for (size_t k = 0; k < json_array_size(v) && !rc; k++)
                    rc = render_inside(r, json_array_get(v, k), i + 1, t->end);
            } else if (json_is_object(v)) {
                rc = render_inside(r, v, i + 1, t->end);
            } else if (truthy(v)) {
                rc = render_range(r, i + 1, t->end);
            }
            i = t->end;
            break;
        }
        case TOK_INVERTED:
            if (!truthy(lookup(r, t->ptr, t->len)))
                rc = render_range(r, i + 1, t->end);
            i = t->end;
            break;
        case TOK_CLOSE:
        case TOK_COMMENT:
            break;
        }
    }
    return rc;
}

static int prepare(parse *p, const char *text, size_t len, const char *name, jk_error *err)
{
    *p = (parse){text, len, name ? name : "template", NULL, 0, 0, err};
    int rc = tokenize(p);
    if (!rc)
        rc = match_sections(p);
    return rc;
}

int jk_template_check(const char *text, size_t len, const char *name, jk_error *err)
{
    parse p;
    int rc = prepare(&p, text, len, name, err);
    free(p.toks);
    return rc;
}

int jk_template_render(const char *text, size_t len, const char *name, const json_t *ctx,
                       jk_buf *out, jk_error *err)
{
    parse p;
    int rc = prepare(&p, text, len, name, err);
    if (!rc) {
        render r = {&p, {ctx}, 1, out, err, 0};
        rc = render_range(&r, 0, p.count);
    }
    free(p.toks);
    return rc;
}
