/*
 * condition.c — the rule condition language (docs/rules.md, "Conditions"):
 * a small recursive-descent parser producing jk_cond trees, and helpers
 * that walk them.
 *
 * Owns: tokenizing and parsing condition text with positions for errors.
 * Must not touch: evaluation (scanner.c) or YAML (rules.c).
 *
 * Recursion is bounded by JK_MAX_CONDITION_DEPTH, so hostile packs such as
 * "((((((…" cannot exhaust the stack.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "junkai/limits.h"
#include "rules_model.h"

typedef enum tok_kind {
    TOK_END,
    TOK_NAME,
    TOK_NUMBER,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_AND,
    TOK_OR,
    TOK_NOT,
    TOK_OF,
    TOK_NEAR,
    TOK_WITHIN,
    TOK_ANY,
    TOK_ALL,
    TOK_BAD
} tok_kind;

typedef struct token {
    tok_kind kind;
    size_t start, len;
    unsigned long number;
} token;

typedef struct parser {
    const char *text;
    size_t len, pos;
    token tok;
    const jk_group *groups;
    size_t group_count;
    const char *file;
    unsigned base_line, base_column;
    jk_diags *diags;
    bool failed;
} parser;

static const struct {
    const char *word;
    tok_kind kind;
} keywords[] = {
    {"and", TOK_AND}, {"or", TOK_OR},         {"not", TOK_NOT}, {"of", TOK_OF},
    {"near", TOK_NEAR}, {"within", TOK_WITHIN}, {"any", TOK_ANY}, {"all", TOK_ALL},
};

/* Column of byte offset `at` in the expression: columns count characters,
 * as YAML positions do. */
static unsigned column_of(const parser *p, size_t at)
{
    unsigned col = p->base_column;
    for (size_t i = 0; i < at && i < p->len; i++)
        col += ((unsigned char)p->text[i] & 0xC0) != 0x80;
    return col;
}

static void fail_at(parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return; /* one error per expression: later ones are usually echoes */
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jk_diags_add(p->diags, p->file, p->base_line, column_of(p, at), "%s", msg);
}

static void next_token(parser *p)
{
    while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
                               p->text[p->pos] == '\n' || p->text[p->pos] == '\r'))
        p->pos++;
    token *t = &p->tok;
    t->start = p->pos;
    t->len = 1;
    if (p->pos >= p->len) {
        t->kind = TOK_END;
        t->len = 0;
        return;
    }
    char c = p->text[p->pos];
    if (c == '(' || c == ')' || c == ',') {
        t->kind = c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA;
        p->pos++;
        return;
    }
    if (isdigit((unsigned char)c)) {
        size_t i = p->pos;
        unsigned long v = 0;
        while (i < p->len && isdigit((unsigned char)p->text[i])) {
            if (v <= 100000000ul)
                v = v * 10 + (unsigned long)(p->text[i] - '0');
            i++;
        }
        t->kind = TOK_NUMBER;
        t->number = v;
        t->len = i - p->pos;
        p->pos = i;
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t i = p->pos;
        while (i < p->len && (isalnum((unsigned char)p->text[i]) || p->text[i] == '_'))
            i++;
        t->kind = TOK_NAME;
        t->len = i - p->pos;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (strlen(keywords[k].word) == t->len &&
                memcmp(keywords[k].word, p->text + p->pos, t->len) == 0)
                t->kind = keywords[k].kind;
        p->pos = i;
        return;
    }
    t->kind = TOK_BAD;
    /* report a whole UTF-8 character, not one byte of it */
    size_t i = p->pos + 1;
    while (i < p->len && ((unsigned char)p->text[i] & 0xC0) == 0x80)
        i++;
    t->len = i - p->pos;
    p->pos = i;
}

static jk_cond *new_node(jk_cond_kind kind)
{
    jk_cond *c = jk_calloc(1, sizeof *c);
    c->kind = kind;
    return c;
}

static void add_kid(jk_cond *c, jk_cond *kid)
{
    c->kids = jk_reallocarray(c->kids, c->kid_count + 1, sizeof *c->kids);
    c->kids[c->kid_count++] = kid;
}

void jk_cond_free(jk_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->kid_count; i++)
        jk_cond_free(c->kids[i]);
    free(c->kids);
    free(c);
}

static const char *describe(const token *t)
{
    switch (t->kind) {
    case TOK_END: return "end of condition";
    case TOK_NAME: return "a group name";
    case TOK_NUMBER: return "a number";
    case TOK_LPAREN: return "'('";
    case TOK_RPAREN: return "')'";
    case TOK_COMMA: return "','";
    case TOK_BAD: return "an unexpected character";
    default: return "a keyword";
    }
}

static jk_cond *parse_or(parser *p, unsigned depth);

static jk_cond *parse_group_name(parser *p)
{
    if (p->tok.kind != TOK_NAME) {
        fail_at(p, p->tok.start, "expected a group name, found %s", describe(&p->tok));
        return NULL;
    }
    for (size_t g = 0; g < p->group_count; g++) {
        if (strlen(p->groups[g].name) == p->tok.len &&
            memcmp(p->groups[g].name, p->text + p->tok.start, p->tok.len) == 0) {
            jk_cond *c = new_node(JK_COND_GROUP);
            c->group = g;
            next_token(p);
            return c;
        }
    }
    fail_at(p, p->tok.start, "undefined term group \"%.*s\"", (int)p->tok.len,
            p->text + p->tok.start);
    return NULL;
}

/* "(" expr { "," expr } ")" appended to c */
static bool parse_list(parser *p, jk_cond *c, unsigned depth)
{
    if (p->tok.kind != TOK_LPAREN) {
        fail_at(p, p->tok.start, "expected '(' after 'of', found %s", describe(&p->tok));
        return false;
    }
    next_token(p);
    for (;;) {
        jk_cond *kid = parse_or(p, depth + 1);
        if (!kid)
            return false;
        add_kid(c, kid);
        if (p->tok.kind == TOK_COMMA) {
            next_token(p);
            continue;
        }
        if (p->tok.kind == TOK_RPAREN) {
            next_token(p);
            return true;
        }
        fail_at(p, p->tok.start, "expected ',' or ')', found %s", describe(&p->tok));
        return false;
    }
}

static jk_cond *parse_primary(parser *p, unsigned depth)
{
    if (depth > JK_MAX_CONDITION_DEPTH) {
        fail_at(p, p->tok.start, "condition nested deeper than %u levels",
                (unsigned)JK_MAX_CONDITION_DEPTH);
        return NULL;
    }
    token t = p->tok;
    switch (t.kind) {
    case TOK_NAME:
        return parse_group_name(p);
    case TOK_LPAREN: {
        next_token(p);
        jk_cond *c = parse_or(p, depth + 1);
        if (!c)
            return NULL;
        if (p->tok.kind != TOK_RPAREN) {
            fail_at(p, p->tok.start, "expected ')', found %s", describe(&p->tok));
            jk_cond_free(c);
            return NULL;
        }
        next_token(p);
        return c;
    }
    case TOK_NUMBER:
    case TOK_ANY:
    case TOK_ALL: {
        next_token(p);
        if (p->tok.kind != TOK_OF) {
            fail_at(p, p->tok.start, "expected 'of' after '%.*s'", (int)t.len, p->text + t.start);
            return NULL;
        }
        next_token(p);
        jk_cond *c = new_node(t.kind == TOK_ANY ? JK_COND_OR
                              : t.kind == TOK_ALL ? JK_COND_AND
                                                  : JK_COND_NOF);
        if (!parse_list(p, c, depth)) {
            jk_cond_free(c);
            return NULL;
        }
        if (t.kind == TOK_NUMBER) {
            if (t.number == 0 || t.number > c->kid_count) {
                fail_at(p, t.start, "'%lu of' needs between 1 and %zu items", t.number,
                        c->kid_count);
                jk_cond_free(c);
                return NULL;
            }
            c->n = (unsigned)t.number;
        }
        return c;
    }
    default:
        fail_at(p, t.start, "expected a group name, 'N of', 'not' or '(', found %s",
                describe(&t));
        return NULL;
    }
}

static jk_cond *parse_near(parser *p, unsigned depth)
{
    size_t left_at = p->tok.start;
    jk_cond *left = parse_primary(p, depth);
    if (!left || p->tok.kind != TOK_NEAR)
        return left;
    size_t near_at = p->tok.start;
    next_token(p);
    size_t right_at = p->tok.start;
    jk_cond *right = parse_primary(p, depth);
    jk_cond *c = new_node(JK_COND_NEAR);
    add_kid(c, left);
    if (!right) {
        jk_cond_free(c);
        return NULL;
    }
    add_kid(c, right);
    if (left->kind != JK_COND_GROUP || right->kind != JK_COND_GROUP) {
        fail_at(p, left->kind != JK_COND_GROUP ? left_at : right_at,
                "both sides of 'near' must be group names");
        jk_cond_free(c);
        return NULL;
    }
    if (p->tok.kind != TOK_WITHIN) {
        fail_at(p, p->tok.start, "expected 'within N' after 'near' (at column %u)",
                column_of(p, near_at));
        jk_cond_free(c);
        return NULL;
    }
    next_token(p);
    if (p->tok.kind != TOK_NUMBER) {
        fail_at(p, p->tok.start, "expected a number after 'within', found %s",
                describe(&p->tok));
        jk_cond_free(c);
        return NULL;
    }
    if (p->tok.number > JK_MAX_NEAR_DISTANCE) {
        fail_at(p, p->tok.start, "'within %lu' exceeds the maximum distance %u", p->tok.number,
                (unsigned)JK_MAX_NEAR_DISTANCE);
        jk_cond_free(c);
        return NULL;
    }
    c->n = (unsigned)p->tok.number;
    next_token(p);
    return c;
}

static jk_cond *parse_unary(parser *p, unsigned depth)
{
    if (p->tok.kind == TOK_NOT) {
        if (depth > JK_MAX_CONDITION_DEPTH) {
            fail_at(p, p->tok.start, "condition nested deeper than %u levels",
                    (unsigned)JK_MAX_CONDITION_DEPTH);
            return NULL;
        }
        next_token(p);
        jk_cond *kid = parse_unary(p, depth + 1);
        if (!kid)
            return NULL;
        jk_cond *c = new_node(JK_COND_NOT);
        add_kid(c, kid);
        return c;
    }
    return parse_near(p, depth);
}

static jk_cond *parse_binary(parser *p, unsigned depth, tok_kind op)
{
    jk_cond *first = op == TOK_OR ? parse_binary(p, depth, TOK_AND) : parse_unary(p, depth);
    if (!first || p->tok.kind != op)
        return first;
    jk_cond *c = new_node(op == TOK_OR ? JK_COND_OR : JK_COND_AND);
    add_kid(c, first);
    while (p->tok.kind == op) {
        next_token(p);
        jk_cond *kid = op == TOK_OR ? parse_binary(p, depth, TOK_AND) : parse_unary(p, depth);
        if (!kid) {
            jk_cond_free(c);
            return NULL;
        }
        add_kid(c, kid);
    }
    return c;
}

static jk_cond *parse_or(parser *p, unsigned depth)
{
    return parse_binary(p, depth, TOK_OR);
}

jk_cond *jk_cond_parse(const char *text, size_t len, const jk_group *groups,
                       size_t group_count, const char *file, unsigned base_line,
                       unsigned base_column, jk_diags *diags)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.text = text;
    p.len = len;
    p.groups = groups;
    p.group_count = group_count;
    p.file = file;
    p.base_line = base_line;
    p.base_column = base_column;
    p.diags = diags;
    next_token(&p);
    if (p.tok.kind == TOK_END) {
        fail_at(&p, 0, "empty condition");
        return NULL;
    }
    jk_cond *c = parse_or(&p, 0);
    if (c && p.tok.kind != TOK_END) {
        fail_at(&p, p.tok.start, "unexpected %s after the end of the condition",
                describe(&p.tok));
        jk_cond_free(c);
        return NULL;
    }
    if (!c)
        return NULL;
    return c;
}

void jk_cond_each_group(const jk_cond *c, void (*fn)(void *ctx, size_t group), void *ctx)
{
    if (!c)
        return;
    if (c->kind == JK_COND_GROUP)
        fn(ctx, c->group);
    for (size_t i = 0; i < c->kid_count; i++)
        jk_cond_each_group(c->kids[i], fn, ctx);
}
