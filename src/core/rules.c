/*
 * rules.c — loading YAML rule packs (docs/rules.md) into a jk_ruleset.
 *
 * Owns: reading a pack file, walking its YAML document, validating every
 * key with file:line:column diagnostics, normalizing literal terms, checking
 * regex terms with Hyperscan, and the ruleset's introspection API.
 * Must not touch: matching (scanner.c); conditions are parsed by
 * condition.c.
 *
 * Loading is all-or-nothing: a pack is built aside and appended to the
 * ruleset only when it produced no diagnostic, so a broken pack never
 * half-loads. Within a pack the loader keeps going after an error wherever
 * the rest still makes sense, so one run of `junkai rules check` shows every
 * problem. YAML aliases are refused: a document may point many nodes at one
 * subtree, and walking such a graph would let a small file cost exponential
 * time.
 *
 * Positions: libyaml marks count characters (each of CR and LF counts one
 * in the index), lines break at LF, CR, CRLF, NEL, LS and PS, and columns
 * count characters; diagnostics use the same convention, 1-based. A UTF-8
 * BOM is removed before libyaml sees the text: with the encoding set
 * explicitly, libyaml 0.2.5 counts it as a column, so a block mapping on
 * line 1 would seem indented and the next line would not parse.
 */
#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "alloc.h"
#include "junkai/limits.h"
#include "rules_model.h"

/* ---- diagnostics -------------------------------------------------------- */

void jk_diags_release(jk_diags *diags)
{
    if (!diags)
        return;
    for (size_t i = 0; i < diags->count; i++) {
        free(diags->items[i].file);
        free(diags->items[i].message);
    }
    free(diags->items);
    memset(diags, 0, sizeof *diags);
}

int jk_diags_add(jk_diags *diags, const char *file, unsigned line, unsigned column, const char *fmt,
                 ...)
{
    if (!diags)
        return JK_OK;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jk_grow((void **)&diags->items, &diags->cap, diags->count + 1, sizeof *diags->items);
    jk_diag *d = &diags->items[diags->count++];
    d->file = jk_strdup(file ? file : "(pack)");
    d->line = line;
    d->column = column;
    d->message = jk_strdup(msg);
    return JK_OK;
}

void jk_diags_each(const jk_diags *diags, jk_diag_sink sink, void *ctx)
{
    if (!diags || !sink)
        return;
    for (size_t i = 0; i < diags->count; i++)
        sink(ctx, &diags->items[i]);
}

/* ---- model lifetime ----------------------------------------------------- */

static void free_group(jk_group *g)
{
    for (size_t t = 0; t < g->term_count; t++) {
        free(g->terms[t].source);
        free(g->terms[t].pattern);
    }
    free(g->terms);
    free(g->name);
}

static void free_rule(jk_rule *r)
{
    free(r->id);
    free(r->title);
    for (size_t g = 0; g < r->group_count; g++)
        free_group(&r->groups[g]);
    free(r->groups);
    jk_cond_free(r->condition);
    jk_cond_free(r->exclude);
    for (size_t i = 0; i < r->hit_example_count; i++)
        free(r->hit_examples[i].text);
    for (size_t i = 0; i < r->miss_example_count; i++)
        free(r->miss_examples[i].text);
    free(r->hit_examples);
    free(r->miss_examples);
}

static void free_pack(jk_pack *p)
{
    free(p->name);
    free(p->version);
    free(p->language);
    free(p->description);
    free(p->path);
}

int jk_ruleset_new(jk_ruleset **out, jk_error *err)
{
    if (!out)
        return jk_error_set(err, JK_EINVAL, "jk_ruleset_new: no place for the result");
    *out = jk_calloc(1, sizeof **out);
    return JK_OK;
}

void jk_ruleset_free(jk_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->rule_count; i++)
        free_rule(&rs->rules[i]);
    for (size_t i = 0; i < rs->pack_count; i++)
        free_pack(&rs->packs[i]);
    free(rs->rules);
    free(rs->packs);
    free(rs);
}

/* ---- positions in the pack text ----------------------------------------- */

/* Length of the line break at s (YAML 1.1 §5.4 as libyaml reads it: CRLF,
 * CR, LF, NEL, LS, PS), 0 when s does not start with one. */
static size_t line_break_len(const char *s, size_t avail)
{
    const unsigned char *u = (const unsigned char *)s;
    if (avail == 0)
        return 0;
    if (u[0] == '\n')
        return 1;
    if (u[0] == '\r')
        return avail >= 2 && u[1] == '\n' ? 2 : 1;
    if (avail >= 2 && u[0] == 0xC2 && u[1] == 0x85)
        return 2;
    if (avail >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
        return 3;
    return 0;
}

/* Bytes in the UTF-8 character whose lead byte is c (1 for a stray
 * continuation byte, so walks always advance). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static size_t utf8_len_at(const char *s, size_t avail)
{
    size_t n = utf8_len((unsigned char)s[0]);
    return n > avail ? avail : n;
}

/* 1-based line and column of byte `off` of buf, counted the way libyaml
 * counts them. Used for reader errors, which libyaml reports only as a byte
 * offset. */
static void position_of_offset(const char *buf, size_t len, size_t off, unsigned *line,
                               unsigned *column)
{
    size_t i = 0;
    unsigned l = 1, c = 1;
    if (off > len)
        off = len;
    while (i < off) {
        size_t b = line_break_len(buf + i, len - i);
        if (b) {
            i += b;
            l++;
            c = 1;
        } else {
            i += utf8_len_at(buf + i, len - i);
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* Maps libyaml's character indexes to byte offsets. Lookups come roughly in
 * file order, so the cursor walks from the last answer in either direction
 * and the total work stays proportional to the file. The text is valid
 * UTF-8 (libyaml checked), so a character is a lead byte and its
 * continuation bytes. */
typedef struct text_cursor {
    const char *buf;
    size_t len;
    size_t chars, bytes; /* character index `chars` starts at byte `bytes` */
} text_cursor;

static size_t byte_at_char(text_cursor *tc, size_t index)
{
    while (tc->chars < index && tc->bytes < tc->len) {
        tc->bytes += utf8_len_at(tc->buf + tc->bytes, tc->len - tc->bytes);
        tc->chars++;
    }
    while (tc->chars > index && tc->bytes > 0) {
        do
            tc->bytes--;
        while (tc->bytes > 0 && ((unsigned char)tc->buf[tc->bytes] & 0xC0) == 0x80);
        tc->chars--;
    }
    return tc->bytes;
}

/* ---- the loader --------------------------------------------------------- */

/* Name of the hidden group that `exclude: [terms…]` creates. It starts with
 * a character no group name may contain, so it can clash neither with a
 * user's group nor with a name in a condition. */
#define EXCLUDE_GROUP "-exclude"

/* Rule ids seen so far (of earlier packs and of this one), for duplicate
 * checks in constant time: a pack may hold JK_MAX_RULES_PER_PACK rules. */
typedef struct id_slot {
    const char *id; /* NULL: empty slot */
    const char *file;
    unsigned line;
    bool owned; /* id was copied for this load (the rule may be dropped) */
} id_slot;

typedef struct id_table {
    id_slot *slots;
    size_t cap, count; /* cap is a power of two */
} id_table;

typedef struct loader {
    const char *file;
    const char *buf;
    size_t len;
    text_cursor cursor;
    yaml_document_t doc;
    jk_diags *diags;
    size_t errors;
    const jk_normalizer *norm;
    bool regex_parse_only; /* the ruleset's setting */
    jk_normalized normalized;
    unsigned char *visited;
    size_t node_count;
    jk_pack pack;
    jk_rule *rules;
    size_t rule_count, rule_cap;
    id_table ids;
} loader;

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static id_slot *id_find(const id_table *t, const char *id)
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = (size_t)hash_id(id) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].id)
            return NULL;
        if (strcmp(t->slots[i].id, id) == 0)
            return &t->slots[i];
    }
}

static void id_insert(id_table *t, const char *id, const char *file, unsigned line, bool owned)
{
    if (2 * (t->count + 1) > t->cap) { /* keep the load at most one half */
        size_t cap = t->cap ? 2 * t->cap : 64;
        id_slot *slots = jk_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].id)
                continue;
            size_t j = (size_t)hash_id(t->slots[i].id) & (cap - 1);
            while (slots[j].id)
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t j = (size_t)hash_id(id) & (t->cap - 1);
    while (t->slots[j].id)
        j = (j + 1) & (t->cap - 1);
    t->slots[j] = (id_slot){owned ? jk_strdup(id) : id, file, line, owned};
    t->count++;
}

static void id_table_release(id_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].owned)
            free((char *)t->slots[i].id);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static unsigned line_of(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 1;
}

static unsigned column_of(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.column + 1 : 1;
}

static void error_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Report an error at node n (the top of the file when n is NULL). */
static void error_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jk_diags_add(L->diags, L->file, line_of(n), column_of(n), "%s", msg);
    L->errors++;
}

/* Every node is reached through exactly one parent unless an alias points
 * at it; a second visit means an alias. libyaml's document API keeps no
 * position for the alias itself, so the error names the parent. */
static yaml_node_t *node_at(loader *L, int index, const yaml_node_t *parent)
{
    yaml_node_t *n = yaml_document_get_node(&L->doc, index);
    if (!n)
        return NULL;
    size_t i = (size_t)(index - 1);
    if (i < L->node_count) {
        if (L->visited[i]) {
            error_at(L, parent, "YAML aliases (*name) are not supported in rule packs");
            return NULL;
        }
        L->visited[i] = 1;
    }
    return n;
}

static bool is_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE;
}

static const char *type_name(const yaml_node_t *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a string";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n, size_t *len)
{
    *len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

static bool scalar_is(const yaml_node_t *n, const char *s)
{
    return is_scalar(n) && n->data.scalar.length == strlen(s) &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* Longest stretch of user text quoted in a message. */
#define QUOTE_MAX 80
#define QUOTE_LEN(len) ((int)((len) > QUOTE_MAX ? QUOTE_MAX : (len)))

/* A required non-empty string without NUL characters (they would cut the
 * C string the model stores). */
static char *string_value(loader *L, const yaml_node_t *n, const char *key)
{
    if (!is_scalar(n)) {
        error_at(L, n, "\"%s\" must be a string, not %s", key, type_name(n));
        return NULL;
    }
    size_t len;
    const char *s = scalar(n, &len);
    if (len == 0) {
        error_at(L, n, "\"%s\" must not be empty", key);
        return NULL;
    }
    if (memchr(s, '\0', len)) {
        error_at(L, n, "\"%s\" contains a NUL character", key);
        return NULL;
    }
    return jk_strndup(s, len);
}

typedef struct key_spec {
    const char *name;
    bool required;
    yaml_node_t *value; /* filled */
    yaml_node_t *key;
} key_spec;

/* Match a mapping's keys against specs: unknown keys, duplicates and missing
 * required keys are errors. Returns false when n is not a mapping. */
static bool read_mapping(loader *L, yaml_node_t *n, const char *what, key_spec *specs,
                         size_t spec_count)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        error_at(L, n, "%s must be a mapping, not %s", what, type_name(n));
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key, n);
        yaml_node_t *v = node_at(L, p->value, n);
        if (!k || !v)
            continue;
        if (!is_scalar(k)) {
            error_at(L, k, "keys of %s must be strings, not %s", what, type_name(k));
            continue;
        }
        size_t i;
        for (i = 0; i < spec_count; i++)
            if (scalar_is(k, specs[i].name))
                break;
        if (i == spec_count) {
            size_t len;
            const char *s = scalar(k, &len);
            error_at(L, k, "unknown key \"%.*s\" in %s", QUOTE_LEN(len), s, what);
            continue;
        }
        if (specs[i].value) {
            error_at(L, k, "duplicate key \"%s\" in %s (first at line %u)", specs[i].name, what,
                     line_of(specs[i].key));
            continue;
        }
        specs[i].key = k;
        specs[i].value = v;
    }
    for (size_t i = 0; i < spec_count; i++)
        if (specs[i].required && !specs[i].value)
            error_at(L, n, "missing required key \"%s\" in %s", specs[i].name, what);
    return true;
}

static bool is_ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* docs/rules.md: rule ids are [A-Za-z0-9_.-]+ */
static bool valid_rule_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(is_ascii_alpha(*s) || is_ascii_digit(*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* docs/rules.md: group names are [A-Za-z_][A-Za-z0-9_]* and not a keyword
 * of the condition language. */
static bool valid_group_name(const char *s, size_t len)
{
    static const char *const reserved[] = {"and",  "or",     "not", "of",
                                           "near", "within", "any", "all"};
    if (len == 0 || !(is_ascii_alpha(s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(is_ascii_alpha(s[i]) || is_ascii_digit(s[i]) || s[i] == '_'))
            return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], s, len) == 0)
            return false;
    return true;
}

/* A BCP 47 tag's shape (RFC 5646 §2.1, loosely): a 2–8 letter primary
 * subtag, then subtags of 1–8 letters or digits, joined by '-'. Catches
 * "japanese" vs "ja_JP" mistakes without a registry. */
static bool valid_language_tag(const char *s)
{
    size_t n = 0, subtags = 0;
    for (;; s++) {
        if (*s == '-' || *s == '\0') {
            if (n == 0 || n > 8 || (subtags == 0 && n < 2))
                return false;
            subtags++;
            n = 0;
            if (*s == '\0')
                return true;
            continue;
        }
        if (!(is_ascii_alpha(*s) || (subtags > 0 && is_ascii_digit(*s))))
            return false;
        n++;
    }
}

/* Check a regex with exactly the flags and mode the scanner compiles it
 * with, so a pack that loads always compiles. Hyperscan refuses patterns
 * that can match the empty string in that mode anyway, but its message
 * speaks of a flag the author cannot set; the min_width test says it in
 * the pack's terms. */
static bool check_regex(loader *L, const yaml_node_t *n, const char *expr)
{
    const unsigned flags = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    if (hs_expression_info(expr, flags, &info, &cerr) != HS_SUCCESS) {
        error_at(L, n, "bad regular expression: %s",
                 cerr && cerr->message ? cerr->message : "rejected by Hyperscan");
        hs_free_compile_error(cerr);
        return false;
    }
    /* allocated by Hyperscan's misc allocator, malloc unless someone set
     * one; libjunkai never does */
    bool empty = info->min_width == 0;
    free(info);
    if (empty) {
        error_at(L, n,
                 "regular expression can match the empty string; a term must match at "
                 "least one character");
        return false;
    }
    if (L->regex_parse_only)
        return true; /* built by the scanner, which names it if it cannot */
    hs_database_t *db = NULL;
    if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
        error_at(L, n, "bad regular expression: %s",
                 cerr && cerr->message ? cerr->message : "rejected by Hyperscan");
        hs_free_compile_error(cerr);
        return false;
    }
    hs_free_database(db);
    return true;
}

/* Read one term (a string, or a mapping with literal/regex and word) into
 * t. Returns false, with t released, on error. */
static bool read_term(loader *L, yaml_node_t *n, jk_term *t)
{
    memset(t, 0, sizeof *t);
    t->word_boundary = true;
    t->line = line_of(n);
    t->column = column_of(n);
    yaml_node_t *text_node = n;
    if (n->type == YAML_MAPPING_NODE) {
        key_spec specs[] = {{"literal", false, NULL, NULL},
                            {"regex", false, NULL, NULL},
                            {"word", false, NULL, NULL}};
        size_t before = L->errors;
        read_mapping(L, n, "a term", specs, 3);
        if (specs[0].value && specs[1].value) {
            error_at(L, specs[1].key, "a term is either \"literal\" or \"regex\", not both");
            return false;
        }
        if (!specs[0].value && !specs[1].value) {
            error_at(L, n, "a term mapping needs \"literal\" or \"regex\"");
            return false;
        }
        if (specs[2].value) {
            if (scalar_is(specs[2].value, "true"))
                t->word_boundary = true;
            else if (scalar_is(specs[2].value, "false"))
                t->word_boundary = false;
            else
                error_at(L, specs[2].value, "\"word\" must be true or false");
        }
        if (L->errors != before)
            return false;
        t->is_regex = specs[1].value != NULL;
        text_node = t->is_regex ? specs[1].value : specs[0].value;
    } else if (n->type != YAML_SCALAR_NODE) {
        error_at(L, n, "a term must be a string or a mapping, not %s", type_name(n));
        return false;
    }
    if (!is_scalar(text_node)) {
        error_at(L, text_node, "a term must be a string, not %s", type_name(text_node));
        return false;
    }
    size_t len;
    const char *s = scalar(text_node, &len);
    if (len == 0) {
        error_at(L, text_node, "empty term");
        return false;
    }
    if (len > JK_MAX_TERM_BYTES) {
        error_at(L, text_node, "term of %zu bytes is longer than the limit of %u bytes", len,
                 (unsigned)JK_MAX_TERM_BYTES);
        return false;
    }
    if (memchr(s, '\0', len)) {
        error_at(L, text_node, "term contains a NUL character");
        return false;
    }
    if (t->is_regex) {
        if (!check_regex(L, text_node, s)) /* scalars are NUL-terminated */
            return false;
        t->source = jk_strndup(s, len);
        t->source_len = len;
        t->pattern = jk_strndup(s, len);
        t->pattern_len = len;
        return true;
    }
    jk_error err;
    if (jk_normalize(L->norm, s, len, &L->normalized, &err) != JK_OK) {
        error_at(L, text_node, "cannot normalize term: %s", err.message);
        return false;
    }
    if (L->normalized.len == 0) {
        error_at(L, text_node, "term \"%.*s\" normalizes to nothing (only spaces or separators)",
                 QUOTE_LEN(len), s);
        return false;
    }
    t->source = jk_strndup(s, len);
    t->source_len = len;
    t->pattern = jk_strndup(L->normalized.text, L->normalized.len);
    t->pattern_len = L->normalized.len;
    return true;
}

/* Read a list of terms into g; `what` names the list in messages. */
static void read_terms_into(loader *L, yaml_node_t *seq, jk_group *g, const char *what)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        error_at(L, seq, "%s must be a list of terms, not %s", what, type_name(seq));
        return;
    }
    size_t count = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (count == 0) {
        error_at(L, seq, "%s has no terms", what);
        return;
    }
    if (count > JK_MAX_TERMS_PER_GROUP) {
        error_at(L, seq, "%s has %zu terms; at most %u are allowed", what, count,
                 (unsigned)JK_MAX_TERMS_PER_GROUP);
        return;
    }
    g->terms = jk_calloc(count, sizeof *g->terms);
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *n = node_at(L, *it, seq);
        if (!n)
            continue;
        jk_term *t = &g->terms[g->term_count];
        if (read_term(L, n, t)) {
            g->term_count++;
        } else {
            free(t->source);
            free(t->pattern);
        }
    }
}

/* Number of groups a rule may need room for: its `terms` entries and the
 * hidden exclude group. */
static size_t group_room(const yaml_node_t *terms)
{
    size_t n = 1;
    if (terms && terms->type == YAML_MAPPING_NODE)
        n += (size_t)(terms->data.mapping.pairs.top - terms->data.mapping.pairs.start);
    return n;
}

/* Read the `terms` mapping into r's groups. Returns false when the mapping
 * as a whole is unusable; errors inside single groups still return true,
 * so the condition is checked against the names that were given. */
static bool read_groups(loader *L, yaml_node_t *n, jk_rule *r)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        error_at(L, n, "\"terms\" must be a mapping of group names to term lists, not %s",
                 type_name(n));
        return false;
    }
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count == 0) {
        error_at(L, n, "\"terms\" needs at least one group");
        return false;
    }
    if (count > JK_MAX_GROUPS_PER_RULE) {
        error_at(L, n, "%zu term groups in one rule; at most %u are allowed", count,
                 (unsigned)JK_MAX_GROUPS_PER_RULE);
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key, n);
        yaml_node_t *v = node_at(L, p->value, n);
        if (!k || !v)
            continue;
        if (!is_scalar(k)) {
            error_at(L, k, "a group name must be a string, not %s", type_name(k));
            continue;
        }
        size_t len;
        const char *name = scalar(k, &len);
        if (!valid_group_name(name, len)) {
            error_at(L, k,
                     "bad group name \"%.*s\": use letters, digits and '_', not starting with a "
                     "digit, and not a keyword of the condition language",
                     QUOTE_LEN(len), name);
            continue;
        }
        bool dup = false;
        for (size_t g = 0; g < r->group_count && !dup; g++)
            dup = strlen(r->groups[g].name) == len && memcmp(r->groups[g].name, name, len) == 0;
        if (dup) {
            error_at(L, k, "duplicate term group \"%.*s\"", (int)len, name);
            continue;
        }
        jk_group *g = &r->groups[r->group_count++];
        g->name = jk_strndup(name, len);
        g->line = line_of(k);
        g->column = column_of(k);
        char what[160];
        snprintf(what, sizeof what, "term group \"%s\"", g->name);
        read_terms_into(L, v, g, what);
    }
    return true;
}

/* Position of byte `offset` of a scalar's value in the file. The value is
 * what libyaml made of the source: quotes removed, escapes decoded
 * ('' in single quotes, \x.. \u.... and escaped line breaks in double
 * quotes), lines folded, block indentation stripped. The walk replays that
 * on the source text: equal characters advance both, a run of white space
 * and line breaks in the source stands for a run of white space (or none)
 * in the value. Condition tokens never start with white space, so an error
 * offset always lands on a character both sides agree on, and the result
 * is exact for every scalar style. Should the texts ever disagree, the
 * remaining characters are counted on from the last agreeing place. */
typedef struct scalar_locator {
    loader *L;
    const yaml_node_t *node;
} scalar_locator;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Length of the white space or line break character at s in a value. */
static size_t value_space_len(const char *s, size_t avail)
{
    if (avail == 0)
        return 0;
    if (is_blank(s[0]))
        return 1;
    return line_break_len(s, avail);
}

static void locate_in_scalar(void *ctx, size_t offset, unsigned *line_out, unsigned *col_out)
{
    const scalar_locator *sl = ctx;
    loader *L = sl->L;
    const yaml_node_t *n = sl->node;
    const char *value = (const char *)n->data.scalar.value;
    size_t vlen = n->data.scalar.length;
    size_t start = byte_at_char(&L->cursor, n->start_mark.index);
    size_t end = byte_at_char(&L->cursor, n->end_mark.index);
    const char *raw = L->buf + start;
    size_t rlen = end > start ? end - start : 0;
    yaml_scalar_style_t style = n->data.scalar.style;
    unsigned line = line_of(n), col = column_of(n);
    size_t r = 0, v = 0, b;

    if (offset > vlen)
        offset = vlen;
    if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
        r = 1;
        col++;
    } else if (style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE) {
        /* skip the header line ("|-2 # comment"); content starts below */
        while (r < rlen && !line_break_len(raw + r, rlen - r))
            r++;
        if (r < rlen) {
            r += line_break_len(raw + r, rlen - r);
            line++;
            col = 1;
        }
    }
    while (v < offset && r < rlen) {
        if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && raw[r] == '\\' && r + 1 < rlen) {
            if ((b = line_break_len(raw + r + 1, rlen - r - 1))) {
                r += 1 + b; /* an escaped line break stands for nothing */
                line++;
                col = 1;
                continue;
            }
            size_t esc = raw[r + 1] == 'x' ? 4 : raw[r + 1] == 'u' ? 6 : raw[r + 1] == 'U' ? 10 : 2;
            if (esc > rlen - r)
                esc = rlen - r;
            r += esc;
            col += (unsigned)esc; /* escapes are ASCII */
            v += utf8_len_at(value + v, vlen - v);
            continue;
        }
        if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE && raw[r] == '\'' && r + 1 < rlen &&
            raw[r + 1] == '\'') {
            r += 2;
            col += 2;
            v++;
            continue;
        }
        b = line_break_len(raw + r, rlen - r);
        if (!b) {
            size_t cl = utf8_len_at(raw + r, rlen - r);
            if (cl <= vlen - v && memcmp(raw + r, value + v, cl) == 0) {
                r += cl;
                v += cl;
                col++;
                continue;
            }
        }
        bool raw_space = b || is_blank(raw[r]);
        if (!raw_space && !value_space_len(value + v, vlen - v))
            break; /* the texts disagree; count on below */
        size_t w;
        while (v < offset && (w = value_space_len(value + v, vlen - v)))
            v += w;
        /* An offset inside the run, or at the very end (a block scalar's
         * source runs on over trailing blank lines), stays where the run
         * starts; otherwise the character after the run is the target. */
        if (v == offset && (v == vlen || value_space_len(value + v, vlen - v)))
            break;
        while (r < rlen) {
            if ((b = line_break_len(raw + r, rlen - r))) {
                r += b;
                line++;
                col = 1;
            } else if (is_blank(raw[r])) {
                r++;
                col++;
            } else {
                break;
            }
        }
    }
    for (; v < offset; v++)
        col += ((unsigned char)value[v] & 0xC0) != 0x80;
    *line_out = line;
    *col_out = col;
}

/* Parse the expression in scalar n against the rule's groups. */
static jk_cond *read_condition(loader *L, yaml_node_t *n, jk_rule *r, const char *key)
{
    if (!is_scalar(n)) {
        error_at(L, n, "\"%s\" must be an expression, not %s", key, type_name(n));
        return NULL;
    }
    scalar_locator sl = {L, n};
    size_t before = L->diags->count;
    size_t len;
    const char *s = scalar(n, &len);
    jk_cond *c = jk_cond_parse_located(s, len, r->groups, r->group_count, L->file, locate_in_scalar,
                                       &sl, L->diags);
    if (!c)
        L->errors += L->diags->count > before ? L->diags->count - before : 1;
    return c;
}

/* `exclude:` is either an expression or a list of terms; a list becomes the
 * hidden group EXCLUDE_GROUP and a condition naming it. */
static void read_exclude(loader *L, yaml_node_t *n, jk_rule *r)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        r->exclude = read_condition(L, n, r, "exclude");
        return;
    }
    if (r->group_count >= JK_MAX_GROUPS_PER_RULE) {
        error_at(L, n,
                 "the exclude list would be term group %u of this rule; at most %u are allowed",
                 (unsigned)r->group_count + 1, (unsigned)JK_MAX_GROUPS_PER_RULE);
        return;
    }
    jk_group *g = &r->groups[r->group_count++];
    g->name = jk_strdup(EXCLUDE_GROUP);
    g->line = line_of(n);
    g->column = column_of(n);
    size_t before = L->errors;
    read_terms_into(L, n, g, "the exclude list");
    if (L->errors != before)
        return;
    r->exclude = jk_calloc(1, sizeof *r->exclude);
    r->exclude->kind = JK_COND_GROUP;
    r->exclude->group = r->group_count - 1;
}

static void read_examples(loader *L, yaml_node_t *n, jk_example **out, size_t *count,
                          const char *what)
{
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        error_at(L, n, "\"%s\" must be a list of texts, not %s", what, type_name(n));
        return;
    }
    size_t total = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = jk_calloc(total ? total : 1, sizeof **out);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node_at(L, *it, n);
        if (!e)
            continue;
        if (!is_scalar(e)) {
            error_at(L, e, "an example must be a text, not %s", type_name(e));
            continue;
        }
        size_t len;
        const char *s = scalar(e, &len);
        if (len > JK_MAX_TEXT_BYTES) {
            /* `junkai rules test` could never scan it */
            error_at(L, e, "example of %zu bytes is longer than the limit of %u bytes", len,
                     (unsigned)JK_MAX_TEXT_BYTES);
            continue;
        }
        jk_example *ex = &(*out)[(*count)++];
        ex->text = jk_strndup(s, len);
        ex->len = len;
        ex->line = line_of(e);
    }
}

static void mark_used(void *ctx, size_t group)
{
    if (group <= JK_MAX_GROUPS_PER_RULE)
        ((unsigned char *)ctx)[group] = 1;
}

static void read_rule_id(loader *L, yaml_node_t *n, jk_rule *r)
{
    r->id = string_value(L, n, "id");
    if (!r->id)
        return;
    if (!valid_rule_id(r->id)) {
        error_at(L, n, "rule id \"%.*s\" may only use letters, digits, '_', '.' and '-'",
                 QUOTE_LEN(strlen(r->id)), r->id);
        return;
    }
    /* Ids are recorded even when the rule later fails, so that a duplicate
     * is reported although its first definition had errors. */
    const id_slot *first = id_find(&L->ids, r->id);
    if (first) {
        error_at(L, n, "duplicate rule id \"%s\" (first defined at %s:%u)", r->id, first->file,
                 first->line);
        return;
    }
    id_insert(&L->ids, r->id, L->file, r->line, true);
}

static void read_category(loader *L, yaml_node_t *n, jk_rule *r)
{
    if (!is_scalar(n)) {
        error_at(L, n, "\"category\" must be a string, not %s", type_name(n));
        return;
    }
    size_t len;
    const char *s = scalar(n, &len);
    if (jk_category_from_id(s, len, &r->category) != JK_OK)
        error_at(L, n, "unknown category \"%.*s\" (see 'junkai rules categories')", QUOTE_LEN(len),
                 s);
}

static void read_severity(loader *L, yaml_node_t *n, jk_rule *r)
{
    static const jk_severity all[] = {JK_SEV_LOW, JK_SEV_MEDIUM, JK_SEV_HIGH, JK_SEV_CRITICAL};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (scalar_is(n, jk_severity_name(all[i]))) {
            r->severity = all[i];
            return;
        }
    error_at(L, n, "\"severity\" must be low, medium, high or critical");
}

/* A decimal number in (0, 1]. Only digits, '.', exponents and signs are
 * accepted, so strtod's "inf", "nan" and hex floats stay out. */
static void read_weight(loader *L, yaml_node_t *n, jk_rule *r)
{
    if (is_scalar(n)) {
        size_t len;
        const char *s = scalar(n, &len);
        char buf[64];
        bool plain = len > 0 && len < sizeof buf;
        for (size_t i = 0; plain && i < len; i++)
            plain = is_ascii_digit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
                    s[i] == '+' || s[i] == '-';
        if (plain) {
            memcpy(buf, s, len);
            buf[len] = '\0';
            char *end;
            errno = 0;
            double w = strtod(buf, &end);
            if (errno == 0 && *end == '\0' && isfinite(w) && w > 0 && w <= 1) {
                r->weight = w;
                return;
            }
        }
    }
    error_at(L, n, "\"weight\" must be a number greater than 0 and at most 1");
}

static void read_rule(loader *L, yaml_node_t *n)
{
    key_spec specs[] = {
        {"id", true, NULL, NULL},         {"category", true, NULL, NULL},
        {"title", true, NULL, NULL},      {"severity", false, NULL, NULL},
        {"weight", false, NULL, NULL},    {"terms", true, NULL, NULL},
        {"condition", false, NULL, NULL}, {"exclude", false, NULL, NULL},
        {"examples", true, NULL, NULL},
    };
    enum { ID, CATEGORY, TITLE, SEVERITY, WEIGHT, TERMS, CONDITION, EXCLUDE, EXAMPLES };
    size_t errors_before = L->errors;
    if (!read_mapping(L, n, "a rule", specs, sizeof specs / sizeof specs[0]))
        return;

    jk_rule r;
    memset(&r, 0, sizeof r);
    r.line = line_of(n);
    r.severity = JK_SEV_MEDIUM;
    r.weight = 0.5;
    r.groups = jk_calloc(group_room(specs[TERMS].value), sizeof *r.groups);

    if (specs[ID].value)
        read_rule_id(L, specs[ID].value, &r);
    if (specs[CATEGORY].value)
        read_category(L, specs[CATEGORY].value, &r);
    if (specs[TITLE].value && (r.title = string_value(L, specs[TITLE].value, "title")) &&
        strpbrk(r.title, "\r\n"))
        error_at(L, specs[TITLE].value, "\"title\" must be one line");
    if (specs[SEVERITY].value)
        read_severity(L, specs[SEVERITY].value, &r);
    if (specs[WEIGHT].value)
        read_weight(L, specs[WEIGHT].value, &r);
    /* Without usable terms every group name in an expression would be
     * reported as undefined: echoes of the one real error, so the
     * expressions are not read then. */
    bool groups_ok = specs[TERMS].value && read_groups(L, specs[TERMS].value, &r);

    size_t user_groups = r.group_count;
    if (!groups_ok) {
        /* nothing to check the expressions against */
    } else if (specs[CONDITION].value) {
        r.condition = read_condition(L, specs[CONDITION].value, &r, "condition");
    } else if (user_groups == 1) {
        r.condition = jk_calloc(1, sizeof *r.condition);
        r.condition->kind = JK_COND_GROUP;
        r.condition->group = 0;
    } else if (user_groups > 1) {
        error_at(L, n, "missing required key \"condition\" in a rule with %zu term groups",
                 user_groups);
    }
    if (specs[EXCLUDE].value && (groups_ok || specs[EXCLUDE].value->type == YAML_SEQUENCE_NODE))
        read_exclude(L, specs[EXCLUDE].value, &r);

    /* Every group must be used somewhere: an unused group is almost always
     * a typo in the condition. Skipped when an expression failed to parse,
     * since its groups are unknown then. */
    if (r.condition && (r.exclude || !specs[EXCLUDE].value)) {
        unsigned char used[JK_MAX_GROUPS_PER_RULE + 1] = {0};
        jk_cond_each_group(r.condition, mark_used, used);
        jk_cond_each_group(r.exclude, mark_used, used);
        for (size_t g = 0; g < r.group_count; g++)
            if (!used[g]) {
                jk_diags_add(L->diags, L->file, r.groups[g].line, r.groups[g].column,
                             "term group \"%s\" is never used (not in the condition or exclude)",
                             r.groups[g].name);
                L->errors++;
            }
    }

    if (specs[EXAMPLES].value) {
        key_spec ex[] = {{"hit", false, NULL, NULL}, {"miss", false, NULL, NULL}};
        if (read_mapping(L, specs[EXAMPLES].value, "\"examples\"", ex, 2)) {
            if (ex[0].value)
                read_examples(L, ex[0].value, &r.hit_examples, &r.hit_example_count, "hit");
            if (ex[1].value)
                read_examples(L, ex[1].value, &r.miss_examples, &r.miss_example_count, "miss");
        }
    }

    if (L->errors != errors_before || !r.id || !r.title || !r.condition) {
        free_rule(&r);
        return;
    }
    jk_grow((void **)&L->rules, &L->rule_cap, L->rule_count + 1, sizeof *L->rules);
    L->rules[L->rule_count++] = r;
}

static void read_pack_meta(loader *L, yaml_node_t *n)
{
    key_spec specs[] = {{"name", true, NULL, NULL},
                        {"version", true, NULL, NULL},
                        {"language", true, NULL, NULL},
                        {"description", false, NULL, NULL}};
    if (!read_mapping(L, n, "\"pack\"", specs, 4))
        return;
    if (specs[0].value && (L->pack.name = string_value(L, specs[0].value, "name"))) {
        for (const char *c = L->pack.name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || is_ascii_digit(*c) || *c == '_' || *c == '-')) {
                error_at(L, specs[0].value, "pack name may only use a-z, 0-9, '_' and '-'");
                break;
            }
    }
    if (specs[1].value)
        L->pack.version = string_value(L, specs[1].value, "version");
    if (specs[2].value && (L->pack.language = string_value(L, specs[2].value, "language")) &&
        !valid_language_tag(L->pack.language))
        error_at(L, specs[2].value, "\"language\" must be a BCP 47 tag such as ja or ja-JP");
    if (specs[3].value)
        L->pack.description = string_value(L, specs[3].value, "description");
}

static void read_document(loader *L)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (!root) {
        error_at(L, NULL, "empty rule pack: expected \"pack:\" and \"rules:\"");
        return;
    }
    L->visited[0] = 1;
    key_spec specs[] = {{"pack", true, NULL, NULL}, {"rules", true, NULL, NULL}};
    if (!read_mapping(L, root, "a rule pack", specs, 2))
        return;
    if (specs[0].value)
        read_pack_meta(L, specs[0].value);
    yaml_node_t *rules = specs[1].value;
    if (!rules)
        return;
    if (rules->type != YAML_SEQUENCE_NODE) {
        error_at(L, rules, "\"rules\" must be a list, not %s", type_name(rules));
        return;
    }
    size_t count = (size_t)(rules->data.sequence.items.top - rules->data.sequence.items.start);
    if (count > JK_MAX_RULES_PER_PACK) {
        error_at(L, rules, "%zu rules in one pack; at most %u are allowed", count,
                 (unsigned)JK_MAX_RULES_PER_PACK);
        return;
    }
    for (yaml_node_item_t *it = rules->data.sequence.items.start;
         it < rules->data.sequence.items.top; it++) {
        yaml_node_t *n = node_at(L, *it, rules);
        if (n)
            read_rule(L, n);
    }
}

/* Report libyaml's error. Reader errors (bad UTF-8, control characters)
 * carry a byte offset instead of a mark. */
static void yaml_error(loader *L, const yaml_parser_t *p)
{
    unsigned line, col;
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < L->len ? p->problem_offset : L->len;
        /* For a bad trailing byte libyaml gives the offset of that byte;
         * point at the character it broke, where the author must look. */
        if (strstr(problem, "trailing")) {
            size_t s = off;
            while (s > 0 && off - s < 3 && ((unsigned char)L->buf[s - 1] & 0xC0) == 0x80)
                s--;
            if (s > 0 && (unsigned char)L->buf[s - 1] >= 0xC0)
                off = s - 1;
        }
        position_of_offset(L->buf, L->len, off, &line, &col);
        if (p->problem_value >= 0)
            jk_diags_add(L->diags, L->file, line, col, "invalid text: %s (byte 0x%02x)", problem,
                         (unsigned)(p->problem_value & 0xFF));
        else
            jk_diags_add(L->diags, L->file, line, col, "invalid text: %s", problem);
    } else if (p->error == YAML_MEMORY_ERROR) {
        jk_diags_add(L->diags, L->file, 0, 0, "out of memory while parsing YAML");
    } else {
        line = (unsigned)p->problem_mark.line + 1;
        col = (unsigned)p->problem_mark.column + 1;
        if (p->context)
            jk_diags_add(L->diags, L->file, line, col, "YAML syntax error: %s %s (at %u:%u)",
                         problem, p->context, (unsigned)p->context_mark.line + 1,
                         (unsigned)p->context_mark.column + 1);
        else
            jk_diags_add(L->diags, L->file, line, col, "YAML syntax error: %s", problem);
    }
    L->errors++;
}

/* Parse the YAML text into L->doc. Returns false when there is no document
 * to walk (errors are reported). A second document is reported but the
 * first is still checked. */
static bool parse_yaml(loader *L)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        jk_diags_add(L->diags, L->file, 0, 0, "cannot initialise the YAML parser");
        L->errors++;
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)L->buf, L->len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &L->doc)) {
        yaml_error(L, &parser);
        yaml_parser_delete(&parser);
        return false;
    }
    yaml_document_t extra;
    if (yaml_parser_load(&parser, &extra)) {
        yaml_node_t *root = yaml_document_get_root_node(&extra);
        if (root)
            error_at(L, root,
                     "a rule pack holds one YAML document; this is a second one (remove '---')");
        yaml_document_delete(&extra);
    } else {
        yaml_error(L, &parser);
    }
    yaml_parser_delete(&parser);
    return true;
}

/* Diagnostics in file order. The walk reports a mapping's unknown keys
 * before its values' errors and a rule's unused groups after its
 * condition, but an author fixes a file top to bottom. The sort is stable
 * (original order breaks ties), so messages at one place keep their
 * order. */
typedef struct ordered_diag {
    jk_diag d;
    size_t order;
} ordered_diag;

static int cmp_ordered_diag(const void *pa, const void *pb)
{
    const ordered_diag *a = pa, *b = pb;
    if (a->d.line != b->d.line)
        return a->d.line < b->d.line ? -1 : 1;
    if (a->d.column != b->d.column)
        return a->d.column < b->d.column ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void sort_diags(jk_diags *diags, size_t first)
{
    size_t n = diags->count - first;
    if (n < 2)
        return;
    ordered_diag *tmp = jk_reallocarray(NULL, n, sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        tmp[i] = (ordered_diag){diags->items[first + i], i};
    qsort(tmp, n, sizeof *tmp, cmp_ordered_diag);
    for (size_t i = 0; i < n; i++)
        diags->items[first + i] = tmp[i].d;
    free(tmp);
}

/* Append the pack built in L to rs; L no longer owns its parts. */
static void commit(loader *L, jk_ruleset *rs)
{
    size_t pack_index = rs->pack_count;
    jk_grow((void **)&rs->packs, &rs->pack_cap, rs->pack_count + 1, sizeof *rs->packs);
    jk_grow((void **)&rs->rules, &rs->rule_cap, rs->rule_count + L->rule_count, sizeof *rs->rules);
    L->pack.path = jk_strdup(L->file);
    L->pack.first_rule = rs->rule_count;
    L->pack.rule_count = L->rule_count;
    rs->packs[rs->pack_count++] = L->pack;
    memset(&L->pack, 0, sizeof L->pack);
    for (size_t i = 0; i < L->rule_count; i++) {
        L->rules[i].pack = pack_index;
        rs->rules[rs->rule_count++] = L->rules[i];
    }
    L->rule_count = 0;
}

void jk_ruleset_set_regex_build_check(jk_ruleset *rs, bool build)
{
    if (rs)
        rs->regex_parse_only = !build;
}

int jk_ruleset_load_buffer(jk_ruleset *rs, const jk_normalizer *norm, const char *name,
                           const char *buf, size_t len, jk_diags *diags)
{
    const char *file = name ? name : "(pack)";
    if (!rs || !norm || (!buf && len)) {
        jk_diags_add(diags, file, 0, 0,
                     "jk_ruleset_load_buffer: missing ruleset, normalizer or text");
        return JK_EINVAL;
    }
    if (len > JK_MAX_PACK_BYTES) {
        jk_diags_add(diags, file, 0, 0,
                     "rule pack of %zu bytes is larger than the limit of %u bytes", len,
                     (unsigned)JK_MAX_PACK_BYTES);
        return JK_ELIMIT;
    }
    loader L;
    memset(&L, 0, sizeof L);
    jk_diags local = {0};
    L.file = file;
    L.buf = buf ? buf : "";
    L.len = len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        L.buf += 3;
        L.len -= 3;
    }
    L.cursor = (text_cursor){L.buf, L.len, 0, 0};
    L.diags = diags ? diags : &local; /* errors are counted even when nobody reads them */
    L.norm = norm;
    L.regex_parse_only = rs->regex_parse_only;
    jk_normalized_init(&L.normalized);
    size_t first_diag = L.diags->count;
    for (size_t i = 0; i < rs->rule_count; i++)
        id_insert(&L.ids, rs->rules[i].id, rs->packs[rs->rules[i].pack].path, rs->rules[i].line,
                  false);

    if (parse_yaml(&L)) {
        L.node_count = (size_t)(L.doc.nodes.top - L.doc.nodes.start);
        L.visited = jk_calloc(L.node_count ? L.node_count : 1, 1);
        read_document(&L);
        yaml_document_delete(&L.doc);
    }

    int rc = JK_OK;
    if (L.errors)
        rc = JK_EPARSE;
    else
        commit(&L, rs);
    sort_diags(L.diags, first_diag);

    for (size_t i = 0; i < L.rule_count; i++)
        free_rule(&L.rules[i]);
    free(L.rules);
    free_pack(&L.pack);
    free(L.visited);
    id_table_release(&L.ids);
    jk_normalized_release(&L.normalized);
    jk_diags_release(&local);
    return rc;
}

int jk_ruleset_load_file(jk_ruleset *rs, const jk_normalizer *norm, const char *path,
                         jk_diags *diags)
{
    if (!path) {
        jk_diags_add(diags, "(pack)", 0, 0, "jk_ruleset_load_file: no path");
        return JK_EINVAL;
    }
    /* O_NONBLOCK: opening a FIFO must not hang before the regular-file
     * check below refuses it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        jk_diags_add(diags, path, 0, 0, "cannot open: %s", strerror(errno));
        return JK_EIO;
    }
    int rc = JK_OK;
    char *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        jk_diags_add(diags, path, 0, 0, "not a regular file");
        rc = JK_EIO;
        goto done;
    }
    if ((unsigned long long)st.st_size > JK_MAX_PACK_BYTES) {
        jk_diags_add(diags, path, 0, 0,
                     "rule pack of %lld bytes is larger than the limit of %u bytes",
                     (long long)st.st_size, (unsigned)JK_MAX_PACK_BYTES);
        rc = JK_ELIMIT;
        goto done;
    }
    /* Read to end of file rather than trusting st_size: the file may have
     * grown since, and must not slip past the limit that way. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    buf = jk_malloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > JK_MAX_PACK_BYTES) {
                jk_diags_add(diags, path, 0, 0, "rule pack is larger than the limit of %u bytes",
                             (unsigned)JK_MAX_PACK_BYTES);
                rc = JK_ELIMIT;
                goto done;
            }
            cap = cap * 2 > (size_t)JK_MAX_PACK_BYTES + 1 ? (size_t)JK_MAX_PACK_BYTES + 1 : cap * 2;
            buf = jk_realloc(buf, cap);
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            jk_diags_add(diags, path, 0, 0, "read error: %s", strerror(errno));
            rc = JK_EIO;
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > JK_MAX_PACK_BYTES) {
        jk_diags_add(diags, path, 0, 0, "rule pack is larger than the limit of %u bytes",
                     (unsigned)JK_MAX_PACK_BYTES);
        rc = JK_ELIMIT;
        goto done;
    }
    rc = jk_ruleset_load_buffer(rs, norm, path, buf, len, diags);
done:
    free(buf);
    close(fd);
    return rc;
}

/* ---- introspection ------------------------------------------------------ */

size_t jk_ruleset_pack_count(const jk_ruleset *rs)
{
    return rs ? rs->pack_count : 0;
}

size_t jk_ruleset_rule_count(const jk_ruleset *rs)
{
    return rs ? rs->rule_count : 0;
}

void jk_ruleset_pack_info(const jk_ruleset *rs, size_t pack, jk_pack_info *out)
{
    const jk_pack *p = &rs->packs[pack];
    out->name = p->name;
    out->version = p->version;
    out->language = p->language;
    out->path = p->path;
    out->first_rule = p->first_rule;
    out->rule_count = p->rule_count;
}

const char *jk_severity_name(jk_severity s)
{
    switch (s) {
    case JK_SEV_LOW:
        return "low";
    case JK_SEV_MEDIUM:
        return "medium";
    case JK_SEV_HIGH:
        return "high";
    case JK_SEV_CRITICAL:
        return "critical";
    }
    return "unknown";
}

void jk_ruleset_rule_info(const jk_ruleset *rs, size_t rule, jk_rule_info *out)
{
    const jk_rule *r = &rs->rules[rule];
    out->id = r->id;
    out->title = r->title;
    out->category = r->category;
    out->severity = r->severity;
    out->weight = r->weight;
    out->pack = r->pack;
    out->file = rs->packs[r->pack].path;
    out->line = r->line;
    out->hit_example_count = r->hit_example_count;
    out->miss_example_count = r->miss_example_count;
}

void jk_ruleset_rule_example(const jk_ruleset *rs, size_t rule, int want_hit, size_t index,
                             jk_example_info *out)
{
    const jk_rule *r = &rs->rules[rule];
    const jk_example *e = want_hit ? &r->hit_examples[index] : &r->miss_examples[index];
    out->text = e->text;
    out->len = e->len;
    out->line = e->line;
}

/* Terms of every group, the hidden exclude group included (its terms are
 * terms the author wrote); sinks that want literals only skip is_regex. */
void jk_ruleset_each_term(const jk_ruleset *rs, jk_term_sink fn, void *ctx)
{
    if (!rs || !fn)
        return;
    for (size_t r = 0; r < rs->rule_count; r++)
        for (size_t g = 0; g < rs->rules[r].group_count; g++) {
            const jk_group *grp = &rs->rules[r].groups[g];
            for (size_t t = 0; t < grp->term_count; t++)
                fn(ctx, grp->terms[t].source, grp->terms[t].source_len, grp->terms[t].is_regex);
        }
}
