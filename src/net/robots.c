/*
 * robots.c — robots.txt parsing and path checks (RFC 9309), see robots.h.
 * Owns nothing but the parsed rules; never touches the network.
 */
#include "robots.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

typedef struct robots_rule {
    bool allow;
    bool anchored;   /* the pattern ended with '$': match to the end */
    char *pattern;   /* normalised, without the final '$' */
    size_t len;
    size_t priority; /* octets of the normalised pattern, '$' included */
    const char *original; /* the value as written, inside r->text */
    size_t original_len;
    long line;
} robots_rule;

typedef struct rule_list {
    robots_rule *items;
    size_t count, cap;
} rule_list;

struct jk_robots {
    rule_list rules;
    char *text; /* a copy of the file, so verdicts can quote rules */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equals_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != lower(word[i]))
            return false;
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static void put_escaped(jk_buf *out, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
    jk_buf_append(out, esc, 3);
}

/* RFC 9309 §2.2.2: octets outside ASCII are compared percent-encoded,
 * and an escaped unreserved character is compared decoded. Escapes of
 * everything else stay escaped (hex made upper case) — which is also why
 * '*' and '$', both reserved, can never appear from decoding. */
static void normalise(const char *s, size_t len, jk_buf *out)
{
    jk_buf_reset(out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            unsigned char v = (unsigned char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            if (is_unreserved(v))
                jk_buf_putc(out, (char)v);
            else
                put_escaped(out, v);
            i += 2;
        } else if (c >= 0x80 || c <= 0x20 || c == 0x7f) {
            put_escaped(out, c);
        } else {
            jk_buf_putc(out, (char)c);
        }
    }
}

/* Glob match of pattern ('*' = any run of octets) against text. Without
 * anchored, the pattern need only match a prefix of text. Backtracking to
 * the last '*' only is enough for '*'-only globs and keeps the cost at
 * O(len(text) * len(pattern)) in the worst case instead of exponential. */
static bool glob_match(const char *p, size_t m, bool anchored, const char *t, size_t n)
{
    size_t i = 0, j = 0;
    size_t star_j = (size_t)-1, star_i = 0;
    while (i < n) {
        if (j < m && p[j] == '*') {
            star_j = j++;
            star_i = i;
            continue;
        }
        if (j < m && p[j] == t[i]) {
            i++;
            j++;
            continue;
        }
        if (j == m && !anchored)
            return true;
        if (star_j != (size_t)-1) {
            j = star_j + 1;
            i = ++star_i;
            continue;
        }
        return false;
    }
    while (j < m && p[j] == '*')
        j++;
    return j == m;
}

static void add_rule(rule_list *list, bool allow, const char *value, size_t len, long line,
                     jk_buf *scratch)
{
    normalise(value, len, scratch);
    if (scratch->len == 0 || scratch->len > JK_ROBOTS_MAX_PATTERN)
        return;
    robots_rule rule = {0};
    rule.allow = allow;
    rule.original = value;
    rule.original_len = len;
    rule.line = line;
    rule.priority = scratch->len;
    size_t plen = scratch->len;
    if (scratch->data[plen - 1] == '$') {
        rule.anchored = true;
        plen--;
    }
    /* Paths always start with '/'; a pattern written without one ("private",
     * as some files have it) means the same as "/private". */
    bool slash = plen == 0 || (scratch->data[0] != '/' && scratch->data[0] != '*');
    rule.pattern = jk_malloc(plen + 2);
    if (slash)
        rule.pattern[0] = '/';
    memcpy(rule.pattern + slash, scratch->data, plen);
    rule.len = plen + slash;
    rule.pattern[rule.len] = '\0';
    if (list->count == list->cap)
        jk_grow((void **)&list->items, &list->cap, list->count + 1, sizeof *list->items);
    list->items[list->count++] = rule;
}

static void free_rules(rule_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].pattern);
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* RFC 9309 §2.2.1: the product token of a user-agent line is its leading
 * run of letters, '_' and '-' ("junkai/1.0" names junkai). */
static bool names_product(const char *value, size_t len, const char *product)
{
    size_t n = 0;
    while (n < len && ((value[n] >= 'a' && value[n] <= 'z') || (value[n] >= 'A' && value[n] <= 'Z') ||
                       value[n] == '_' || value[n] == '-'))
        n++;
    return n > 0 && equals_nocase(value, n, product);
}

jk_robots *jk_robots_parse(const char *text, size_t len, const char *product)
{
    jk_robots *r = jk_calloc(1, sizeof *r);
    r->text = jk_malloc(len + 1);
    if (len)
        memcpy(r->text, text, len);
    r->text[len] = '\0';
    const char *s = r->text;
    const char *end = s + len;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;

    rule_list mine = {0}, star = {0};
    jk_buf scratch;
    jk_buf_init(&scratch, 0);
    bool in_group = false;     /* a user-agent line was seen */
    bool group_has_rule = false; /* ... and rules after it: next agent starts a group */
    bool group_mine = false, group_star = false;
    bool found_mine = false, found_star = false;
    long line_no = 0;

    while (s < end) {
        const char *eol = s;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        line_no++;
        const char *line_end = eol;
        if (eol < end && *eol == '\r' && eol + 1 < end && eol[1] == '\n')
            eol++;
        const char *next = eol < end ? eol + 1 : end;

        const char *hash = memchr(s, '#', (size_t)(line_end - s));
        if (hash)
            line_end = hash;
        const char *colon = memchr(s, ':', (size_t)(line_end - s));
        if (colon) {
            const char *k = s, *k_end = colon;
            while (k < k_end && is_space(*k))
                k++;
            while (k_end > k && is_space(k_end[-1]))
                k_end--;
            const char *v = colon + 1, *v_end = line_end;
            while (v < v_end && is_space(*v))
                v++;
            while (v_end > v && is_space(v_end[-1]))
                v_end--;
            size_t klen = (size_t)(k_end - k), vlen = (size_t)(v_end - v);

            if (equals_nocase(k, klen, "user-agent")) {
                if (!in_group || group_has_rule) {
                    group_mine = group_star = false;
                    group_has_rule = false;
                }
                in_group = true;
                if (vlen >= 1 && v[0] == '*' && (vlen == 1 || is_space(v[1]))) {
                    group_star = true;
                    found_star = true;
                } else if (names_product(v, vlen, product)) {
                    group_mine = true;
                    found_mine = true;
                }
            } else if (equals_nocase(k, klen, "allow") || equals_nocase(k, klen, "disallow")) {
                if (in_group) {
                    group_has_rule = true;
                    bool allow = klen == 5;
                    /* An empty Disallow allows everything: it is no rule. */
                    if (vlen > 0) {
                        if (group_mine)
                            add_rule(&mine, allow, v, vlen, line_no, &scratch);
                        if (group_star)
                            add_rule(&star, allow, v, vlen, line_no, &scratch);
                    }
                }
            }
            /* Sitemap, Crawl-delay and unknown lines neither end a group
             * nor belong to one (RFC 9309 §2.2.4). */
        }
        s = next;
    }
    jk_buf_release(&scratch);
    if (found_mine) {
        r->rules = mine;
        free_rules(&star);
    } else {
        r->rules = found_star ? star : (rule_list){0};
        if (!found_star)
            free_rules(&star);
        free_rules(&mine);
    }
    return r;
}

void jk_robots_free(jk_robots *r)
{
    if (!r)
        return;
    free_rules(&r->rules);
    free(r->text);
    free(r);
}

size_t jk_robots_rule_count(const jk_robots *r)
{
    return r ? r->rules.count : 0;
}

bool jk_robots_allowed(const jk_robots *r, const char *path, size_t len, jk_robots_verdict *why)
{
    jk_robots_verdict v = {true, false, NULL, 0, 0};
    jk_buf norm;
    jk_buf_init(&norm, 0);
    normalise(path, len, &norm);
    if (norm.len == 0 || norm.data[0] != '/') {
        /* An empty path is "/" (RFC 3986 §6.2.3). */
        jk_buf tmp;
        jk_buf_init(&tmp, 0);
        jk_buf_putc(&tmp, '/');
        jk_buf_append(&tmp, norm.data, norm.len);
        jk_buf_release(&norm);
        norm = tmp;
    }
    /* RFC 9309 §2.2.2: the robots.txt URI is implicitly allowed. */
    bool is_robots = norm.len == 11 && memcmp(norm.data, "/robots.txt", 11) == 0;
    const robots_rule *best = NULL;
    for (size_t i = 0; r && !is_robots && i < r->rules.count; i++) {
        const robots_rule *rule = &r->rules.items[i];
        if (best && (rule->priority < best->priority ||
                     (rule->priority == best->priority && (best->allow || !rule->allow))))
            continue;
        if (glob_match(rule->pattern, rule->len, rule->anchored, norm.data, norm.len))
            best = rule;
    }
    jk_buf_release(&norm);
    if (best) {
        v.allowed = best->allow;
        v.rule_is_allow = best->allow;
        v.pattern = best->original;
        v.pattern_len = best->original_len;
        v.line = best->line;
    }
    if (why)
        *why = v;
    return v.allowed;
}
