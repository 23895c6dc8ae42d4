/*
 * intel.h — intel lists (issue 5, docs/intel.md): reading lists of
 * known-bad indicators (JPCERT/CC-style CSV, STIX 2.1 bundles, MISP event
 * JSON), putting their values in the canonical form indicator extraction
 * gives (src/indicators), and importing a list into the store as a new
 * version.
 *
 * Owns: the readers (intel_csv.c, intel_stix.c with the STIX pattern
 * subset in stix_pattern.c, intel_misp.c), canonical values
 * (intel_canon.c) and the import (intel_import.c). Matching is
 * intel_match.h, export intel_export.h. No printing: problems with single
 * entries go to the caller's skip callback with where they are
 * (file:line, a STIX object id, a MISP attribute uuid).
 */
#ifndef JK_INTEL_H
#define JK_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"
#include "junkai/store.h"

/* Largest list file read (a million-URL CSV is about 80 MB). */
#define JK_INTEL_MAX_FILE (512u * 1024u * 1024u)
/* Longest single value (a URL) a list may hold. */
#define JK_INTEL_MAX_VALUE (64u * 1024u)
/* Bounds of the STIX pattern parser: text length, comparisons, nesting. */
#define JK_STIX_PATTERN_MAX (64u * 1024u)
#define JK_STIX_PATTERN_MAX_TERMS 4096u
#define JK_STIX_PATTERN_MAX_DEPTH 32u

typedef enum jk_intel_format { JK_INTEL_CSV, JK_INTEL_STIX, JK_INTEL_MISP } jk_intel_format;

/* "csv", "stix", "misp" ↔ enum; JK_ENOTFOUND for another name. */
const char *jk_intel_format_name(jk_intel_format f);
int jk_intel_format_from_name(const char *name, jk_intel_format *out);
/* Guess a file's format from its first bytes: JSON with a "bundle" or
 * "indicator" type is STIX, other JSON is MISP, anything else CSV. */
jk_intel_format jk_intel_format_sniff(const char *data, size_t len);

/* One value as a list gives it, before canonicalisation. */
typedef struct jk_intel_raw {
    const char *type; /* "url", "domain", "ip", "ipv4", "ipv6", "email", "md5",
                         "sha1", "sha256", or another indicator type name */
    const char *value;
    size_t value_len;
    const char *first_seen;  /* "YYYY-MM-DD…" or NULL */
    const char *description; /* NULL when none */
    const char *where;       /* "file:12", "indicator--…", a MISP uuid */
} jk_intel_raw;

/* Called per value read; a non-zero return stops reading and is returned
 * (an error code, already described in the caller's own jk_error). */
typedef int (*jk_intel_raw_fn)(void *ctx, const jk_intel_raw *raw);
/* Called per entry or object left out, with where and why. */
typedef void (*jk_intel_skip_fn)(void *ctx, const char *where, const char *why);

typedef struct jk_intel_reader {
    const char *name; /* the file name shown in `where` */
    jk_intel_raw_fn raw;
    jk_intel_skip_fn skip;
    void *ctx;
} jk_intel_reader;

/* Counts a reader reports (objects: CSV records, STIX objects, MISP
 * attributes; values: what reached raw(); skipped: what went to skip()). */
typedef struct jk_intel_read_stats {
    long objects, values, skipped;
} jk_intel_read_stats;

/* CSV with a header row (RFC 4180 quoting, one record per line): a "URL"
 * column (JPCERT/CC's phishurl-list: date,URL,description), or "type" and
 * "value" columns (junkai's own export); "date"/"first_seen" and
 * "description" are optional. Dates 2024/01/31 and 2024-01-31 are read.
 * A line with too few fields, a bad date or broken quoting is skipped
 * with file:line; JK_EPARSE only when the header names no value column. */
int jk_intel_read_csv(const char *data, size_t len, const jk_intel_reader *r,
                      jk_intel_read_stats *stats, jk_error *err);
/* A STIX 2.1 bundle (or one object, or an array of objects): every
 * indicator whose pattern_type is stix and whose pattern is in the subset
 * jk_stix_pattern_parse reads; others are skipped naming the object id.
 * JK_EPARSE when the file is not JSON. */
int jk_intel_read_stix(const char *data, size_t len, const jk_intel_reader *r,
                       jk_intel_read_stats *stats, jk_error *err);
/* A MISP event ({"Event":{…}}, {"response":[…]}, or an array of them):
 * Event.Attribute[] and Event.Object[].Attribute[] of types url, domain,
 * hostname, ip-src, ip-dst, email, email-src, email-dst, md5, sha1,
 * sha256, the pipe types (domain|ip, ip-dst|port, hostname|port,
 * filename|sha256, …), phone-number, btc, xmr. Deleted attributes and
 * other types are skipped naming the attribute's uuid. */
int jk_intel_read_misp(const char *data, size_t len, const jk_intel_reader *r,
                       jk_intel_read_stats *stats, jk_error *err);

/* ---- STIX patterns (STIX 2.1 §9) ---------------------------------------- */

/* One `object-path = 'value'` comparison of the subset: type is the
 * intel type ("url", "domain", "ipv4", "ipv6", "email", "md5", "sha1",
 * "sha256"); value is the string literal with its escapes resolved. */
typedef struct jk_stix_comparison {
    const char *type;
    char *value; /* owned */
    size_t value_len;
} jk_stix_comparison;

typedef struct jk_stix_pattern {
    jk_stix_comparison *items;
    size_t count, cap;
} jk_stix_pattern;

void jk_stix_pattern_init(jk_stix_pattern *p);
void jk_stix_pattern_release(jk_stix_pattern *p);
/* Parse a pattern made of `=` comparisons on url:value,
 * domain-name:value, ipv4-addr:value, ipv6-addr:value, email-addr:value
 * and file:hashes.(MD5|'SHA-1'|'SHA-256') joined by OR, inside one or
 * more observation expressions ([…] OR […]) with optional parentheses.
 * Appends the comparisons to out. JK_EPARSE (err says what and at which
 * offset) for malformed text and for everything outside the subset: AND,
 * FOLLOWEDBY, qualifiers, other operators, other object paths;
 * JK_ELIMIT past the bounds above. out is left empty on failure. */
int jk_stix_pattern_parse(const char *text, size_t len, jk_stix_pattern *out, jk_error *err);

/* ---- canonical values ----------------------------------------------------- */

/* Canonical form of a list value, as extraction writes it for a post:
 * defanged input refanged (hxxp, [.], full-width), URLs through the WHATWG
 * parser (href; "http://" added when there is no scheme), hosts lower
 * case and IDNA (punycode), IP addresses serialized, e-mail domains
 * canonical, hashes lower-case hex. *type receives the resolved type name
 * (static: "ip" becomes "ipv4" or "ipv6", a "domain" that is an address
 * becomes one); value receives the text (reset first).
 * JK_EPARSE with a message when the value is not of its type, JK_ENOTFOUND
 * for a type junkai does not know. */
int jk_intel_canonical(const char *type, const char *value, size_t len, const char **out_type,
                       jk_buf *out, jk_error *err);

/* ---- import ------------------------------------------------------------- */

typedef struct jk_intel_import_options {
    const char *name;     /* list name (required) */
    jk_intel_format format;
    const char *category; /* NULL: keep the list's (new list: phishing) */
    const char *match;    /* NULL: keep the list's (new list: exact) */
    const char *source;   /* file name, shown in `where` and stored */
    jk_intel_skip_fn skip; /* may be NULL */
    void *ctx;
} jk_intel_import_options;

typedef struct jk_intel_import_result {
    int64_t version;
    long entries;  /* stored (distinct canonical values) */
    long skipped;  /* values and objects left out */
    long objects;  /* records, objects or attributes read */
} jk_intel_import_result;

/* Read data[0..len) in opt->format and store it as the next version of
 * list opt->name in one batch: on any store error or a file that cannot
 * be read at all nothing changes. Entries that cannot be read or
 * canonicalised are skipped (reported through opt->skip) and counted. */
int jk_intel_import(jk_store *st, const char *data, size_t len,
                    const jk_intel_import_options *opt, jk_intel_import_result *res,
                    jk_error *err);

/* Is s one of "exact", "domain", "prefix"? */
bool jk_intel_match_mode_valid(const char *s);

#endif
