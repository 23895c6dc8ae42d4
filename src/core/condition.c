/*
 * condition.c — the rule condition language (docs/rules.md, "Conditions"):
 * a recursive-descent parser producing jk_cond trees, and the helpers that
 * walk and free them.
 *
 * Owns: tokenizing and parsing condition text, with a file:line:column for
 * every error. Must not touch: evaluation (scanner.c) or YAML (rules.c).
 *
 * Nesting is bounded by JK_MAX_CONDITION_DEPTH (parentheses, `of` lists and
 * `not` each count one level), so hostile packs such as "((((…" or
 * "not not not …" cannot exhaust the stack here, in jk_cond_free or in the
 * scanner's evaluation, which all recurse over the tree. The tree's height
 * is at most a small multiple of that depth.
 */
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
    size_t start, len;    /* byte range in the expression */
    unsigned long number; /* TOK_NUMBER, saturated at NUMBER_CAP */
} token;

/* Numbers are only ever compared with small limits (item counts and
 * JK_MAX_NEAR_DISTANCE); saturating keeps "within 99999999999999999999"
 * an ordinary range error instead of an overflow. */
#define NUMBER_CAP 1000000000ul

typedef struct parser {
    const char *text;
    size_t len, pos;
    token tok;
    const jk_group *groups;
    size_t group_count;
    const char *file;
    jk_cond_locator locate;
    void *locate_ctx;
    jk_diags *diags;
    bool failed;
} parser;

static const struct {
    const char *word;
    tok_kind kind;
} keywords[] = {
    {"and", TOK_AND},   {"or", TOK_OR},         {"not", TOK_NOT}, {"of", TOK_OF},
    {"near", TOK_NEAR}, {"within", TOK_WITHIN}, {"any", TOK_ANY}, {"all", TOK_ALL},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || is_digit(c);
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* ---- positions ---------------------------------------------------------- */

typedef struct base_position {
    const char *text;
    size_t len;
    unsigned line, column;
} base_position;

/* The locator of jk_cond_parse: the expression sits on one line starting at
 * base line:column, and columns count characters as YAML marks do (so a
 * group name after 野菜 is not shifted by the bytes of its UTF-8). */
static void locate_on_one_line(void *ctx, size_t offset, unsigned *line, unsigned *column)
{
    const base_position *b = ctx;
    unsigned col = b->column;
    for (size_t i = 0; i < offset && i < b->len; i++)
        col += ((unsigned char)b->text[i] & 0xC0) != 0x80;
    *line = b->line;
    *column = col;
}

static void fail_at(parser *p, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail_at(parser *p, size_t at, const char *fmt, ...)
{
    /* One error per expression: whatever follows the first is usually an
     * echo of it, and a second message would send the author looking for a
     * problem that is not there. */
    if (p->failed)
        return;
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = 0, column = 0;
    p->locate(p->locate_ctx, at, &line, &column);
    jk_diags_add(p->diags, p->file, line, column, "%s", msg);
}

/* ---- tokens ------------------------------------------------------------- */

static void next_token(parser *p)
{
    while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
                               p->text[p->pos] == '\n' || p->text[p->pos] == '\r'))
        p->pos++;
    token *t = &p->tok;
    t->start = p->pos;
    t->len = 1;
    t->number = 0;
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
    if (is_digit(c)) {
        size_t i = p->pos;
        unsigned long v = 0;
        for (; i < p->len && is_digit(p->text[i]); i++)
            v = v >= NUMBER_CAP ? NUMBER_CAP : v * 10 + (unsigned long)(p->text[i] - '0');
        t->kind = TOK_NUMBER;
        t->number = v > NUMBER_CAP ? NUMBER_CAP : v;
        t->len = i - p->pos;
        p->pos = i;
        return;
    }
    if (is_name_start(c)) {
        size_t i = p->pos;
        while (i < p->len && is_name_char(p->text[i]))
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
    /* Anything else is one bad token; take a whole UTF-8 character so the
     * message can quote it. */
    size_t i = p->pos + 1;
    while (i < p->len && ((unsigned char)p->text[i] & 0xC0) == 0x80)
        i++;
    t->kind = TOK_BAD;
    t->len = i - p->pos;
    p->pos = i;
}

/* The keyword that name spells in another case ("AND" -> "and"), or NULL;
 * names are case-sensitive, and that is the usual way "AND" ends up read
 * as a group name. */
static const char *keyword_ignoring_case(const char *name, size_t len)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strlen(keywords[k].word) == len && equal_nocase(keywords[k].word, name, len))
            return keywords[k].word;
    return NULL;
}

/* A phrase naming the token for messages: "end of condition", "')'",
 * "'near'", "group name \"x\"". Writes into buf. */
static const char *describe(const parser *p, const token *t, char *buf, size_t size)
{
    int n = (int)(t->len > 40 ? 40 : t->len);
    const char *s = p->text + t->start;
    switch (t->kind) {
    case TOK_END:
        return "end of condition";
    case TOK_NAME: {
        const char *kw = keyword_ignoring_case(s, t->len);
        if (kw)
            snprintf(buf, size, "group name \"%.*s\" (keywords are lower case: '%s')", n, s, kw);
        else
            snprintf(buf, size, "group name \"%.*s\"", n, s);
        return buf;
    }
    case TOK_NUMBER:
        snprintf(buf, size, "number %.*s", n, s);
        return buf;
    case TOK_BAD:
        /* a control character would garble the message */
        if ((unsigned char)s[0] < 0x20 || s[0] == 0x7f)
            snprintf(buf, size, "character 0x%02x", (unsigned)(unsigned char)s[0]);
        else if (s[0] == '&' || s[0] == '|' || s[0] == '!')
            /* the operators of C, grep and Sigma */
            snprintf(buf, size, "character '%c' (write '%s')", s[0],
                     s[0] == '&'   ? "and"
                     : s[0] == '|' ? "or"
                                   : "not");
        else
            snprintf(buf, size, "character '%.*s'", n, s);
        return buf;
    default:
        snprintf(buf, size, "'%.*s'", n, s);
        return buf;
    }
}

/* ---- trees -------------------------------------------------------------- */

static jk_cond *new_node(jk_cond_kind kind)
{
    jk_cond *c = jk_calloc(1, sizeof *c);
    c->kind = kind;
    return c;
}

/* Append a kid. jk_cond keeps no capacity field, so the array is resized
 * whenever kid_count reaches a power of two: amortized O(1) per kid even for
 * "a or a or a …" with a million terms. */
static void add_kid(jk_cond *c, jk_cond *kid)
{
    size_t n = c->kid_count;
    if (n == 0 || (n & (n - 1)) == 0)
        c->kids = jk_reallocarray(c->kids, n ? 2 * n : 1, sizeof *c->kids);
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

void jk_cond_each_group(const jk_cond *c, void (*fn)(void *ctx, size_t group), void *ctx)
{
    if (!c)
        return;
    if (c->kind == JK_COND_GROUP)
        fn(ctx, c->group);
    for (size_t i = 0; i < c->kid_count; i++)
        jk_cond_each_group(c->kids[i], fn, ctx);
}

/* ---- grammar ------------------------------------------------------------ */

static jk_cond *parse_or(parser *p, unsigned depth);

/* Enter one more nesting level; false (with an error at the current token)
 * past the limit. */
static bool enter(parser *p, unsigned depth)
{
    if (depth <= JK_MAX_CONDITION_DEPTH)
        return true;
    fail_at(p, p->tok.start, "condition nested deeper than %u levels",
            (unsigned)JK_MAX_CONDITION_DEPTH);
    return false;
}

static jk_cond *parse_group_name(parser *p)
{
    const char *name = p->text + p->tok.start;
    size_t len = p->tok.len;
    for (size_t g = 0; g < p->group_count; g++) {
        if (strlen(p->groups[g].name) == len && memcmp(p->groups[g].name, name, len) == 0) {
            jk_cond *c = new_node(JK_COND_GROUP);
            c->group = g;
            next_token(p);
            return c;
        }
    }
    /* Names are case-sensitive; say so when case is the only difference. */
    int n = (int)(len > 80 ? 80 : len);
    const char *kw = keyword_ignoring_case(name, len);
    if (kw) {
        fail_at(p, p->tok.start, "undefined term group \"%.*s\" (keywords are lower case: '%s')", n,
                name, kw);
        return NULL;
    }
    for (size_t g = 0; g < p->group_count; g++)
        if (strlen(p->groups[g].name) == len && equal_nocase(p->groups[g].name, name, len)) {
            fail_at(p, p->tok.start, "undefined term group \"%.*s\" (did you mean \"%s\"?)", n,
                    name, p->groups[g].name);
            return NULL;
        }
    fail_at(p, p->tok.start, "undefined term group \"%.*s\"", n, name);
    return NULL;
}

/* "(" expr { "," expr } ")", each expr appended to c as a kid; depth is
 * the level of the list's items. */
static bool parse_list(parser *p, jk_cond *c, unsigned depth)
{
    char buf[128];
    if (p->tok.kind != TOK_LPAREN) {
        fail_at(p, p->tok.start, "expected '(' after 'of', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        return false;
    }
    if (!enter(p, depth))
        return false;
    next_token(p);
    for (;;) {
        jk_cond *kid = parse_or(p, depth);
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
        fail_at(p, p->tok.start, "expected ',' or ')', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        return false;
    }
}

/* NUMBER "of" list | "any" "of" list | "all" "of" list */
static jk_cond *parse_of(parser *p, unsigned depth)
{
    char buf[128];
    token t = p->tok;
    next_token(p);
    if (p->tok.kind != TOK_OF) {
        fail_at(p, p->tok.start, "expected 'of' after '%.*s', found %s",
                (int)(t.len > 40 ? 40 : t.len), p->text + t.start,
                describe(p, &p->tok, buf, sizeof buf));
        return NULL;
    }
    next_token(p);
    jk_cond *c = new_node(t.kind == TOK_ANY   ? JK_COND_OR
                          : t.kind == TOK_ALL ? JK_COND_AND
                                              : JK_COND_NOF);
    if (!parse_list(p, c, depth + 1)) {
        jk_cond_free(c);
        return NULL;
    }
    if (t.kind == TOK_NUMBER) {
        if (t.number == 0 || t.number > c->kid_count) {
            fail_at(p, t.start, "'%.*s of' needs a number between 1 and %zu (the items listed)",
                    (int)(t.len > 40 ? 40 : t.len), p->text + t.start, c->kid_count);
            jk_cond_free(c);
            return NULL;
        }
        c->n = (unsigned)t.number;
    }
    return c;
}

static jk_cond *parse_primary(parser *p, unsigned depth)
{
    char buf[128];
    switch (p->tok.kind) {
    case TOK_NAME:
        return parse_group_name(p);
    case TOK_LPAREN: {
        if (!enter(p, depth + 1))
            return NULL;
        size_t open_at = p->tok.start;
        next_token(p);
        jk_cond *c = parse_or(p, depth + 1);
        if (!c)
            return NULL;
        if (p->tok.kind != TOK_RPAREN) {
            unsigned line, column;
            p->locate(p->locate_ctx, open_at, &line, &column);
            fail_at(p, p->tok.start, "expected ')' to close the '(' at %u:%u, found %s", line,
                    column, describe(p, &p->tok, buf, sizeof buf));
            jk_cond_free(c);
            return NULL;
        }
        next_token(p);
        return c;
    }
    case TOK_NUMBER:
    case TOK_ANY:
    case TOK_ALL:
        return parse_of(p, depth);
    default:
        fail_at(p, p->tok.start, "expected a group name, 'N of (…)', 'not' or '(', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        return NULL;
    }
}

/* primary [ "near" primary "within" NUMBER ]; both sides must be group
 * names because the scanner measures the distance between term matches,
 * which only a group has. */
static jk_cond *parse_near(parser *p, unsigned depth)
{
    char buf[128];
    size_t left_at = p->tok.start;
    jk_cond *left = parse_primary(p, depth);
    if (!left || p->tok.kind != TOK_NEAR)
        return left;
    jk_cond *c = new_node(JK_COND_NEAR);
    add_kid(c, left);
    next_token(p);
    size_t right_at = p->tok.start;
    if (p->tok.kind != TOK_NAME && p->tok.kind != TOK_LPAREN) {
        fail_at(p, p->tok.start, "expected a group name after 'near', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        jk_cond_free(c);
        return NULL;
    }
    jk_cond *right = parse_primary(p, depth);
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
        fail_at(p, p->tok.start, "expected 'within N' after 'near', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        jk_cond_free(c);
        return NULL;
    }
    next_token(p);
    if (p->tok.kind != TOK_NUMBER) {
        fail_at(p, p->tok.start, "expected a number after 'within', found %s",
                describe(p, &p->tok, buf, sizeof buf));
        jk_cond_free(c);
        return NULL;
    }
    if (p->tok.number > JK_MAX_NEAR_DISTANCE) {
        fail_at(p, p->tok.start, "'within %.*s' is more than the maximum distance, %u",
                (int)(p->tok.len > 40 ? 40 : p->tok.len), p->text + p->tok.start,
                (unsigned)JK_MAX_NEAR_DISTANCE);
        jk_cond_free(c);
        return NULL;
    }
    c->n = (unsigned)p->tok.number;
    next_token(p);
    return c;
}

/* "not" unary | near. A chain of `not`s is iterated, not recursed, while
 * counting each as a level. */
static jk_cond *parse_unary(parser *p, unsigned depth)
{
    unsigned nots = 0;
    while (p->tok.kind == TOK_NOT) {
        if (!enter(p, depth + nots + 1))
            return NULL;
        nots++;
        next_token(p);
    }
    jk_cond *c = parse_near(p, depth + nots);
    if (!c)
        return NULL;
    for (; nots > 0; nots--) {
        jk_cond *wrap = new_node(JK_COND_NOT);
        add_kid(wrap, c);
        c = wrap;
    }
    return c;
}

/* and = unary { "and" unary }; or = and { "or" and }. A single operand is
 * returned as is, so "a" is a GROUP node, not a one-kid AND. */
static jk_cond *parse_and(parser *p, unsigned depth)
{
    jk_cond *first = parse_unary(p, depth);
    if (!first || p->tok.kind != TOK_AND)
        return first;
    jk_cond *c = new_node(JK_COND_AND);
    add_kid(c, first);
    while (p->tok.kind == TOK_AND) {
        next_token(p);
        jk_cond *kid = parse_unary(p, depth);
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
    jk_cond *first = parse_and(p, depth);
    if (!first || p->tok.kind != TOK_OR)
        return first;
    jk_cond *c = new_node(JK_COND_OR);
    add_kid(c, first);
    while (p->tok.kind == TOK_OR) {
        next_token(p);
        jk_cond *kid = parse_and(p, depth);
        if (!kid) {
            jk_cond_free(c);
            return NULL;
        }
        add_kid(c, kid);
    }
    return c;
}

jk_cond *jk_cond_parse_located(const char *text, size_t len, const jk_group *groups,
                               size_t group_count, const char *file, jk_cond_locator locate,
                               void *locate_ctx, jk_diags *diags)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.text = text ? text : "";
    p.len = text ? len : 0;
    p.groups = groups;
    p.group_count = groups ? group_count : 0;
    p.file = file;
    p.locate = locate;
    p.locate_ctx = locate_ctx;
    p.diags = diags;
    next_token(&p);
    if (p.tok.kind == TOK_END) {
        fail_at(&p, 0, "empty condition");
        return NULL;
    }
    jk_cond *c = parse_or(&p, 0);
    if (c && p.tok.kind != TOK_END) {
        char buf[128];
        fail_at(&p, p.tok.start,
                "unexpected %s after a complete condition (missing 'and' or 'or'?)",
                describe(&p, &p.tok, buf, sizeof buf));
        jk_cond_free(c);
        return NULL;
    }
    return c;
}

jk_cond *jk_cond_parse(const char *text, size_t len, const jk_group *groups, size_t group_count,
                       const char *file, unsigned base_line, unsigned base_column, jk_diags *diags)
{
    base_position base = {text, text ? len : 0, base_line, base_column};
    return jk_cond_parse_located(text, len, groups, group_count, file, locate_on_one_line, &base,
                                 diags);
}
