/*
 * robots.h — the Robots Exclusion Protocol (RFC 9309): robots.txt text in,
 * the rules of one crawler's group out, and the check of a path against
 * them. Pure: no I/O, no clock; fetching and caching live in http.c.
 */
#ifndef JK_ROBOTS_H
#define JK_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct jk_robots jk_robots;

/* Rules longer than this (after percent-encoding normalisation) are
 * dropped: a matcher with wildcards costs path length times pattern
 * length, and no real site writes a path pattern this long. */
#define JK_ROBOTS_MAX_PATTERN 4096

/* Parse robots.txt (any bytes, len of them; need not be NUL-terminated)
 * and keep the rules that apply to product (a product token such as
 * "junkai", matched case-insensitively, RFC 9309 §2.2.1): every group
 * naming it, merged; else every "*" group, merged; else none (all
 * allowed). Never fails; allocation failure aborts (jk_malloc). Free with
 * jk_robots_free. */
jk_robots *jk_robots_parse(const char *text, size_t len, const char *product);
void jk_robots_free(jk_robots *r);

/* How many Allow/Disallow rules were kept for the chosen group. */
size_t jk_robots_rule_count(const jk_robots *r);

typedef struct jk_robots_verdict {
    bool allowed;
    /* The deciding rule, or NULL when no rule matched (allowed). pattern
     * points into r and lives as long as r; it is the value as written in
     * the file. */
    bool rule_is_allow;
    const char *pattern;
    size_t pattern_len;
    long line; /* 1-based line of the rule in the file; 0 when none */
} jk_robots_verdict;

/* Check path (the URL's path and query, "/a/b?c=d", len bytes) against
 * the rules: the matching rule with the most octets wins, Allow wins a
 * tie, no match allows (RFC 9309 §2.2.2); "/robots.txt" is always
 * allowed. Both sides are compared after percent-encoding
 * normalisation, so "/%7Efoo" and "/~foo" are the same path. why may be
 * NULL. */
bool jk_robots_allowed(const jk_robots *r, const char *path, size_t len, jk_robots_verdict *why);

#endif
