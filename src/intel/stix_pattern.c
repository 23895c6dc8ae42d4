/*
 * stix_pattern.c — the part of STIX 2.1 patterning (STIX 2.1 §9, "STIX
 * Patterning") that names indicators outright: equality comparisons on
 * the value of a URL, domain name, IP address or e-mail address, or on a
 * file hash, joined by OR. Such a pattern is a list of values; anything
 * else (AND, FOLLOWEDBY, qualifiers, LIKE/MATCHES, other objects) needs a
 * pattern engine and is refused with the reason, so the importer can say
 * which indicators it left out and why.
 *
 * A hand-written recursive descent parser over the pattern grammar's
 * shape (STIXPattern.g4): observation expressions in [ ], optionally
 * parenthesised and ORed; inside, comparisons optionally parenthesised
 * and ORed. Bounded in length, terms and nesting. No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "intel.h"

typedef struct parser {
    const char *s;
    size_t n, i;
    unsigned depth;
    jk_stix_pattern *out;
    jk_error *err;
} parser;

void jk_stix_pattern_init(jk_stix_pattern *p)
{
    memset(p, 0, sizeof *p);
}

void jk_stix_pattern_release(jk_stix_pattern *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i].value);
    free(p->items);
    memset(p, 0, sizeof *p);
}

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' ||
                           p->s[p->i] == '\n'))
        p->i++;
}

static int is_word(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* Length of the keyword-like word at the cursor (letters only). */
static size_t word_len(const parser *p)
{
    size_t k = p->i;
    while (k < p->n && is_word((unsigned char)p->s[k]))
        k++;
    return k - p->i;
}

static int word_is(const parser *p, const char *kw)
{
    size_t l = word_len(p), kl = strlen(kw);
    if (l != kl)
        return 0;
    for (size_t k = 0; k < l; k++) {
        char c = p->s[p->i + k];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != kw[k])
            return 0;
    }
    return 1;
}

static int fail(parser *p, const char *what)
{
    return jk_error_set(p->err, JK_EPARSE, "%s at offset %zu", what, p->i);
}

/* After a complete expression: the word there decides between "more of
 * the subset" (OR) and "valid STIX we do not read". */
static int unsupported_word(parser *p)
{
    static const char *const words[] = {"AND", "FOLLOWEDBY", "WITHIN", "START", "STOP",
                                        "REPEATS"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (word_is(p, words[k]))
            return jk_error_set(p->err, JK_EPARSE, "unsupported: %s at offset %zu", words[k], p->i);
    return 0;
}

/* The object paths of the subset and the intel type each names. */
static const char *path_type(const char *s, size_t n)
{
    static const struct {
        const char *path, *type;
    } paths[] = {
        {"url:value", "url"},
        {"domain-name:value", "domain"},
        {"ipv4-addr:value", "ipv4"},
        {"ipv6-addr:value", "ipv6"},
        {"email-addr:value", "email"},
        {"file:hashes.MD5", "md5"},
        {"file:hashes.'MD5'", "md5"},
        {"file:hashes.SHA1", "sha1"},
        {"file:hashes.'SHA1'", "sha1"},
        {"file:hashes.'SHA-1'", "sha1"},
        {"file:hashes.SHA256", "sha256"},
        {"file:hashes.'SHA256'", "sha256"},
        {"file:hashes.'SHA-256'", "sha256"},
    };
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        const char *want = paths[k].path;
        if (strlen(want) != n)
            continue;
        /* object types and properties are lower case in STIX; hash names
         * are written in either case in the wild (file:hashes.md5) */
        size_t colon = (size_t)(strchr(want, ':') - want);
        if (memcmp(s, want, colon + 1) != 0)
            continue;
        size_t k2 = colon + 1;
        for (; k2 < n; k2++) {
            char a = s[k2], b = want[k2];
            if (a >= 'a' && a <= 'z')
                a = (char)(a - 32);
            if (b >= 'a' && b <= 'z')
                b = (char)(b - 32);
            if (a != b)
                break;
        }
        if (k2 == n)
            return paths[k].type;
    }
    return NULL;
}

/* An object path: type ':' property ('.' property | '[' index ']')*,
 * where a property may be a quoted string ('SHA-256'). */
static int read_path(parser *p, size_t *start, size_t *end)
{
    *start = p->i;
    while (p->i < p->n && is_word((unsigned char)p->s[p->i]))
        p->i++;
    if (p->i == *start || p->i >= p->n || p->s[p->i] != ':')
        return fail(p, "expected an object path (type:property)");
    p->i++;
    int need = 1;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (is_word((unsigned char)c)) {
            p->i++;
            need = 0;
        } else if (c == '\'' && need) {
            p->i++;
            while (p->i < p->n && p->s[p->i] != '\'')
                p->i++;
            if (p->i >= p->n)
                return fail(p, "unterminated quoted property");
            p->i++;
            need = 0;
        } else if (c == '.' && !need) {
            p->i++;
            need = 1;
        } else if (c == '[' && !need) {
            while (p->i < p->n && p->s[p->i] != ']')
                p->i++;
            if (p->i >= p->n)
                return fail(p, "unterminated list index");
            p->i++;
        } else {
            break;
        }
    }
    if (need)
        return fail(p, "incomplete object path");
    *end = p->i;
    return JK_OK;
}

/* A string literal 'a\'b\\c': escapes are \' and \\ only (§9.2). */
static int read_string(parser *p, char **value, size_t *len)
{
    if (p->i >= p->n || p->s[p->i] != '\'') {
        if (p->i < p->n && strchr("bhtBHT", p->s[p->i]) && p->i + 1 < p->n && p->s[p->i + 1] == '\'')
            return fail(p, "unsupported: binary, hex or timestamp constant");
        return fail(p, "unsupported: a comparison with a non-string constant");
    }
    size_t start = ++p->i;
    char *v = jk_malloc(p->n - start + 1);
    size_t o = 0;
    while (p->i < p->n && p->s[p->i] != '\'') {
        char c = p->s[p->i];
        if (c == '\\') {
            if (p->i + 1 >= p->n || (p->s[p->i + 1] != '\'' && p->s[p->i + 1] != '\\')) {
                free(v);
                return fail(p, "invalid escape in a string");
            }
            c = p->s[++p->i];
        }
        v[o++] = c;
        p->i++;
    }
    if (p->i >= p->n) {
        free(v);
        return fail(p, "unterminated string");
    }
    p->i++;
    v[o] = '\0';
    *value = v;
    *len = o;
    return JK_OK;
}

static int comparison(parser *p)
{
    skip_ws(p);
    if (word_is(p, "NOT"))
        return jk_error_set(p->err, JK_EPARSE, "unsupported: NOT at offset %zu", p->i);
    size_t ps = 0, pe = 0;
    int rc = read_path(p, &ps, &pe);
    if (rc)
        return rc;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '=') {
        p->i++;
    } else {
        size_t w = word_len(p);
        if (p->i < p->n && strchr("!<>", p->s[p->i]))
            return fail(p, "unsupported: an operator other than =");
        if (w)
            return jk_error_set(p->err, JK_EPARSE, "unsupported: operator %.*s at offset %zu",
                                (int)(w > 20 ? 20 : w), p->s + p->i, p->i);
        return fail(p, "expected an operator");
    }
    const char *type = path_type(p->s + ps, pe - ps);
    if (!type) {
        p->i = ps;
        return jk_error_set(p->err, JK_EPARSE, "unsupported: object path %.*s at offset %zu",
                            (int)(pe - ps > 80 ? 80 : pe - ps), p->s + ps, ps);
    }
    skip_ws(p);
    char *value = NULL;
    size_t len = 0;
    if ((rc = read_string(p, &value, &len)))
        return rc;
    if (p->out->count >= JK_STIX_PATTERN_MAX_TERMS) {
        free(value);
        return jk_error_set(p->err, JK_ELIMIT, "more than %u comparisons in a pattern",
                            JK_STIX_PATTERN_MAX_TERMS);
    }
    jk_grow((void **)&p->out->items, &p->out->cap, p->out->count + 1, sizeof *p->out->items);
    p->out->items[p->out->count++] = (jk_stix_comparison){type, value, len};
    return JK_OK;
}

static int comparison_or(parser *p);

static int comparison_term(parser *p)
{
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '(') {
        if (++p->depth > JK_STIX_PATTERN_MAX_DEPTH)
            return jk_error_set(p->err, JK_ELIMIT, "pattern nested deeper than %u",
                                JK_STIX_PATTERN_MAX_DEPTH);
        p->i++;
        int rc = comparison_or(p);
        if (rc)
            return rc;
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ')') {
            int u = unsupported_word(p);
            return u ? u : fail(p, "expected )");
        }
        p->i++;
        p->depth--;
        return JK_OK;
    }
    return comparison(p);
}

static int comparison_or(parser *p)
{
    int rc = comparison_term(p);
    while (!rc) {
        skip_ws(p);
        if (!word_is(p, "OR"))
            break;
        p->i += 2;
        rc = comparison_term(p);
    }
    return rc;
}

static int observation_or(parser *p);

static int observation_term(parser *p)
{
    skip_ws(p);
    if (p->i < p->n && (p->s[p->i] == '(' || p->s[p->i] == '[')) {
        char open = p->s[p->i], close = open == '(' ? ')' : ']';
        if (++p->depth > JK_STIX_PATTERN_MAX_DEPTH)
            return jk_error_set(p->err, JK_ELIMIT, "pattern nested deeper than %u",
                                JK_STIX_PATTERN_MAX_DEPTH);
        p->i++;
        int rc = open == '(' ? observation_or(p) : comparison_or(p);
        if (rc)
            return rc;
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != close) {
            int u = unsupported_word(p);
            return u ? u : fail(p, close == ')' ? "expected )" : "expected ]");
        }
        p->i++;
        p->depth--;
        skip_ws(p);
        return unsupported_word(p);
    }
    return fail(p, "expected [ or (");
}

static int observation_or(parser *p)
{
    int rc = observation_term(p);
    while (!rc) {
        skip_ws(p);
        if (!word_is(p, "OR"))
            break;
        p->i += 2;
        rc = observation_term(p);
    }
    return rc;
}

int jk_stix_pattern_parse(const char *text, size_t len, jk_stix_pattern *out, jk_error *err)
{
    if (len > JK_STIX_PATTERN_MAX)
        return jk_error_set(err, JK_ELIMIT, "pattern of %zu bytes is longer than the %u-byte limit",
                            len, JK_STIX_PATTERN_MAX);
    jk_error local;
    parser p = {text, len, 0, 0, out, err ? err : &local};
    size_t first = out->count;
    int rc = observation_or(&p);
    if (!rc) {
        skip_ws(&p);
        if (p.i != p.n)
            rc = fail(&p, "unexpected text after the pattern");
    }
    if (rc) {
        for (size_t i = first; i < out->count; i++)
            free(out->items[i].value);
        out->count = first;
    }
    return rc;
}
