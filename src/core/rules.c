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
 * half-loads. YAML aliases are refused: a document may point many nodes at
 * one subtree, and walking such a graph would let a small file cost
 * exponential time.
 */
#include <errno.h>
#include <hs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int jk_diags_add(jk_diags *diags, const char *file, unsigned line, unsigned column,
                 const char *fmt, ...)
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
    for (size_t i = 0; i < diags->count; i++)
        sink(ctx, &diags->items[i]);
}

/* ---- model lifetime ----------------------------------------------------- */

static void free_rule(jk_rule *r)
{
    free(r->id);
    free(r->title);
    for (size_t g = 0; g < r->group_count; g++) {
        jk_group *grp = &r->groups[g];
        for (size_t t = 0; t < grp->term_count; t++) {
            free(grp->terms[t].source);
            free(grp->terms[t].pattern);
        }
        free(grp->terms);
        free(grp->name);
    }
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
    (void)err;
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

/* ---- the loader --------------------------------------------------------- */

/* Name of the hidden group that `exclude: [terms…]` creates. It starts with
 * a character no user group name may contain, so it cannot clash. */
#define EXCLUDE_GROUP "-exclude"

typedef struct loader {
    const char *file;
    yaml_document_t doc;
    jk_diags *diags;
    size_t errors;
    const jk_normalizer *norm;
    jk_normalized normalized;
    const jk_ruleset *existing;
    unsigned char *visited;
    size_t node_count;
    jk_pack pack;
    jk_rule *rules;
    size_t rule_count, rule_cap;
    /* every id seen in this pack, also of rules that failed, so that a
     * duplicate is reported even when its first definition had errors */
    struct seen_id {
        char *id;
        unsigned line;
    } *seen;
    size_t seen_count, seen_cap;
} loader;

static void error_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = n ? (unsigned)n->start_mark.line + 1 : 0;
    unsigned col = n ? (unsigned)n->start_mark.column + 1 : 0;
    jk_diags_add(L->diags, L->file, line, col, "%s", msg);
    L->errors++;
}

/* Every node is reached through exactly one parent unless an alias points
 * at it; a second visit means an alias. */
static yaml_node_t *node_at(loader *L, int index, const yaml_node_t *parent)
{
    yaml_node_t *n = yaml_document_get_node(&L->doc, index);
    if (!n)
        return NULL;
    size_t i = (size_t)(index - 1);
    if (i < L->node_count) {
        if (L->visited[i]) {
            error_at(L, parent, "YAML aliases are not supported in rule packs");
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
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
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

/* A required non-empty string. */
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
            error_at(L, k, "keys of %s must be strings", what);
            continue;
        }
        size_t i;
        for (i = 0; i < spec_count; i++)
            if (scalar_is(k, specs[i].name))
                break;
        if (i == spec_count) {
            size_t len;
            const char *s = scalar(k, &len);
            error_at(L, k, "unknown key \"%.*s\" in %s", (int)(len > 80 ? 80 : len), s, what);
            continue;
        }
        if (specs[i].value) {
            error_at(L, k, "duplicate key \"%s\" in %s", specs[i].name, what);
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

static bool valid_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static bool valid_group_name(const char *s, size_t len)
{
    static const char *const reserved[] = {"and", "or", "not", "of",
                                           "near", "within", "any", "all"};
    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], s, len) == 0)
            return false;
    return true;
}

/* Check a regex with exactly the flags the scanner compiles it with. */
static bool check_regex(loader *L, const yaml_node_t *n, const char *expr)
{
    const unsigned flags = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
        error_at(L, n, "bad regular expression: %s", cerr ? cerr->message : "unknown error");
        hs_free_compile_error(cerr);
        return false;
    }
    hs_free_database(db);
    hs_expr_info_t *info = NULL;
    if (hs_expression_info(expr, flags, &info, &cerr) == HS_SUCCESS) {
        bool empty = info->min_width == 0;
        free(info);
        if (empty) {
            error_at(L, n, "regular expression can match the empty string");
            return false;
        }
    } else {
        hs_free_compile_error(cerr);
    }
    return true;
}

static bool read_term(loader *L, yaml_node_t *n, jk_term *t)
{
    memset(t, 0, sizeof *t);
    t->word_boundary = true;
    t->line = (unsigned)n->start_mark.line + 1;
    t->column = (unsigned)n->start_mark.column + 1;
    yaml_node_t *text_node = n;
    if (n->type == YAML_MAPPING_NODE) {
        key_spec specs[] = {{"literal", false, NULL, NULL},
                            {"regex", false, NULL, NULL},
                            {"word", false, NULL, NULL}};
        read_mapping(L, n, "a term", specs, 3);
        if (specs[0].value && specs[1].value) {
            error_at(L, n, "a term is either \"literal\" or \"regex\", not both");
            return false;
        }
        if (!specs[0].value && !specs[1].value) {
            error_at(L, n, "a term needs \"literal\" or \"regex\"");
            return false;
        }
        t->is_regex = specs[1].value != NULL;
        text_node = t->is_regex ? specs[1].value : specs[0].value;
        if (specs[2].value) {
            if (scalar_is(specs[2].value, "true"))
                t->word_boundary = true;
            else if (scalar_is(specs[2].value, "false"))
                t->word_boundary = false;
            else {
                error_at(L, specs[2].value, "\"word\" must be true or false");
                return false;
            }
        }
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
        error_at(L, text_node, "term longer than %u bytes", (unsigned)JK_MAX_TERM_BYTES);
        return false;
    }
    if (memchr(s, '\0', len)) {
        error_at(L, text_node, "term contains a NUL character");
        return false;
    }
    t->source = jk_strndup(s, len);
    t->source_len = len;
    if (t->is_regex) {
        if (!check_regex(L, text_node, t->source))
            return false;
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
        error_at(L, text_node, "term \"%s\" normalizes to nothing", t->source);
        return false;
    }
    t->pattern = jk_strndup(L->normalized.text, L->normalized.len);
    t->pattern_len = L->normalized.len;
    return true;
}

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

static void read_groups(loader *L, yaml_node_t *n, jk_rule *r)
{
    if (!n || n->type != YAML_MAPPING_NODE) {
        error_at(L, n, "\"terms\" must be a mapping of group names to term lists, not %s",
                 type_name(n));
        return;
    }
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count == 0) {
        error_at(L, n, "\"terms\" needs at least one group");
        return;
    }
    if (count > JK_MAX_GROUPS_PER_RULE - 1) {
        error_at(L, n, "too many term groups (%zu); at most %u are allowed", count,
                 (unsigned)JK_MAX_GROUPS_PER_RULE - 1);
        return;
    }
    r->groups = jk_calloc(count + 1, sizeof *r->groups); /* +1: hidden exclude group */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key, n);
        yaml_node_t *v = node_at(L, p->value, n);
        if (!k || !v)
            continue;
        size_t len;
        const char *name = is_scalar(k) ? scalar(k, &len) : NULL;
        if (!name || !valid_group_name(name, len)) {
            error_at(L, k,
                     "bad group name: use letters, digits and '_' (not starting with a digit), "
                     "and not a keyword of the condition language");
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
        g->line = (unsigned)k->start_mark.line + 1;
        g->column = (unsigned)k->start_mark.column + 1;
        char what[160];
        snprintf(what, sizeof what, "term group \"%s\"", g->name);
        read_terms_into(L, v, g, what);
    }
}

/* Position of a condition's first character: a quoted scalar starts one
 * column after its quote. Block scalars start on the next line. */
static void condition_position(const yaml_node_t *n, unsigned *line, unsigned *col)
{
    *line = (unsigned)n->start_mark.line + 1;
    *col = (unsigned)n->start_mark.column + 1;
    switch (n->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        *col += 1;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE:
        *line += 1;
        break;
    default:
        break;
    }
}

static jk_cond *read_condition(loader *L, yaml_node_t *n, jk_rule *r, const char *what)
{
    if (!is_scalar(n)) {
        error_at(L, n, "\"%s\" must be an expression string, not %s", what, type_name(n));
        return NULL;
    }
    unsigned line, col;
    condition_position(n, &line, &col);
    size_t before = L->diags ? L->diags->count : 0;
    size_t len;
    const char *s = scalar(n, &len);
    jk_cond *c = jk_cond_parse(s, len, r->groups, r->group_count, L->file, line, col, L->diags);
    if (!c)
        L->errors += L->diags && L->diags->count > before ? L->diags->count - before : 1;
    return c;
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
        jk_example *ex = &(*out)[(*count)++];
        ex->text = jk_strndup(s, len);
        ex->len = len;
        ex->line = (unsigned)e->start_mark.line + 1;
    }
}

static void mark_used(void *ctx, size_t group)
{
    ((unsigned char *)ctx)[group] = 1;
}

static const jk_rule *find_rule(const jk_rule *rules, size_t count, const char *id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

static unsigned seen_line(const loader *L, const char *id)
{
    for (size_t i = 0; i < L->seen_count; i++)
        if (strcmp(L->seen[i].id, id) == 0)
            return L->seen[i].line;
    return 0;
}

static void read_rule(loader *L, yaml_node_t *n)
{
    key_spec specs[] = {
        {"id", true, NULL, NULL},        {"category", true, NULL, NULL},
        {"title", true, NULL, NULL},     {"severity", false, NULL, NULL},
        {"weight", false, NULL, NULL},   {"terms", true, NULL, NULL},
        {"condition", false, NULL, NULL}, {"exclude", false, NULL, NULL},
        {"examples", true, NULL, NULL},
    };
    enum { ID, CATEGORY, TITLE, SEVERITY, WEIGHT, TERMS, CONDITION, EXCLUDE, EXAMPLES };
    size_t errors_before = L->errors;
    if (!read_mapping(L, n, "a rule", specs, sizeof specs / sizeof specs[0]))
        return;

    jk_rule r;
    memset(&r, 0, sizeof r);
    r.line = (unsigned)n->start_mark.line + 1;
    r.severity = JK_SEV_MEDIUM;
    r.weight = 0.5;

    if (specs[ID].value && (r.id = string_value(L, specs[ID].value, "id"))) {
        const jk_rule *dup;
        if (!valid_id(r.id)) {
            error_at(L, specs[ID].value, "rule id \"%s\" may only use letters, digits, '_', '.' and '-'",
                     r.id);
        } else if (seen_line(L, r.id)) {
            error_at(L, specs[ID].value, "duplicate rule id \"%s\" (first defined at %s:%u)", r.id,
                     L->file, seen_line(L, r.id));
        } else if (L->existing &&
                   (dup = find_rule(L->existing->rules, L->existing->rule_count, r.id)) != NULL) {
            error_at(L, specs[ID].value, "duplicate rule id \"%s\" (first defined at %s:%u)", r.id,
                     L->existing->packs[dup->pack].path, dup->line);
        }
    }
    if (r.id && !seen_line(L, r.id)) {
        jk_grow((void **)&L->seen, &L->seen_cap, L->seen_count + 1, sizeof *L->seen);
        L->seen[L->seen_count].id = jk_strdup(r.id);
        L->seen[L->seen_count++].line = r.line;
    }
    if (specs[CATEGORY].value) {
        size_t len;
        if (!is_scalar(specs[CATEGORY].value)) {
            error_at(L, specs[CATEGORY].value, "\"category\" must be a string");
        } else {
            const char *s = scalar(specs[CATEGORY].value, &len);
            if (jk_category_from_id(s, len, &r.category) != JK_OK)
                error_at(L, specs[CATEGORY].value,
                         "unknown category \"%.*s\" (see 'junkai rules categories')",
                         (int)(len > 80 ? 80 : len), s);
        }
    }
    if (specs[TITLE].value)
        r.title = string_value(L, specs[TITLE].value, "title");
    if (specs[SEVERITY].value) {
        static const char *const names[] = {"low", "medium", "high", "critical"};
        bool found = false;
        for (int s = 0; s < 4 && !found; s++)
            if (scalar_is(specs[SEVERITY].value, names[s])) {
                r.severity = (jk_severity)s;
                found = true;
            }
        if (!found)
            error_at(L, specs[SEVERITY].value,
                     "severity must be low, medium, high or critical");
    }
    if (specs[WEIGHT].value) {
        bool ok = false;
        if (is_scalar(specs[WEIGHT].value)) {
            size_t len;
            const char *s = scalar(specs[WEIGHT].value, &len);
            char buf[64];
            if (len > 0 && len < sizeof buf) {
                memcpy(buf, s, len);
                buf[len] = '\0';
                char *end;
                errno = 0;
                double w = strtod(buf, &end);
                ok = errno == 0 && *end == '\0' && w > 0 && w <= 1;
                if (ok)
                    r.weight = w;
            }
        }
        if (!ok)
            error_at(L, specs[WEIGHT].value, "weight must be a number greater than 0 and at most 1");
    }
    if (specs[TERMS].value)
        read_groups(L, specs[TERMS].value, &r);

    if (specs[CONDITION].value) {
        r.condition = read_condition(L, specs[CONDITION].value, &r, "condition");
    } else if (r.group_count == 1) {
        r.condition = jk_calloc(1, sizeof *r.condition);
        r.condition->kind = JK_COND_GROUP;
        r.condition->group = 0;
    } else if (r.group_count > 1) {
        error_at(L, n, "a rule with several term groups needs a \"condition\"");
    }

    if (specs[EXCLUDE].value) {
        yaml_node_t *ex = specs[EXCLUDE].value;
        if (ex->type == YAML_SEQUENCE_NODE) {
            if (r.groups) {
                jk_group *g = &r.groups[r.group_count];
                g->name = jk_strdup(EXCLUDE_GROUP);
                g->line = (unsigned)ex->start_mark.line + 1;
                g->column = (unsigned)ex->start_mark.column + 1;
                read_terms_into(L, ex, g, "\"exclude\"");
                r.group_count++;
                r.exclude = jk_calloc(1, sizeof *r.exclude);
                r.exclude->kind = JK_COND_GROUP;
                r.exclude->group = r.group_count - 1;
            }
        } else {
            r.exclude = read_condition(L, ex, &r, "exclude");
        }
    }

    /* Every group must be used somewhere: an unused group is almost always
     * a typo in the condition. */
    if (r.groups && r.condition && (r.exclude || !specs[EXCLUDE].value)) {
        unsigned char used[JK_MAX_GROUPS_PER_RULE + 1] = {0};
        jk_cond_each_group(r.condition, mark_used, used);
        jk_cond_each_group(r.exclude, mark_used, used);
        for (size_t g = 0; g < r.group_count; g++)
            if (!used[g]) {
                jk_diags_add(L->diags, L->file, r.groups[g].line, r.groups[g].column,
                             "term group \"%s\" is never used in the condition or exclude",
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
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
                error_at(L, specs[0].value, "pack name may only use a-z, 0-9, '_' and '-'");
                break;
            }
    }
    if (specs[1].value)
        L->pack.version = string_value(L, specs[1].value, "version");
    if (specs[2].value)
        L->pack.language = string_value(L, specs[2].value, "language");
    if (specs[3].value)
        L->pack.description = string_value(L, specs[3].value, "description");
}

static void read_document(loader *L)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (!root) {
        error_at(L, NULL, "empty rule pack");
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

static const char *yaml_problem(const yaml_parser_t *p)
{
    return p->problem ? p->problem : "syntax error";
}

int jk_ruleset_load_buffer(jk_ruleset *rs, const jk_normalizer *norm, const char *name,
                           const char *buf, size_t len, jk_diags *diags)
{
    if (len > JK_MAX_PACK_BYTES) {
        jk_diags_add(diags, name, 0, 0, "rule pack of %zu bytes exceeds the limit of %u bytes",
                     len, (unsigned)JK_MAX_PACK_BYTES);
        return JK_ELIMIT;
    }
    loader L;
    memset(&L, 0, sizeof L);
    L.file = name ? name : "(pack)";
    L.diags = diags;
    L.norm = norm;
    L.existing = rs;
    jk_normalized_init(&L.normalized);
    int rc = JK_OK;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        jk_diags_add(diags, L.file, 0, 0, "cannot initialise the YAML parser");
        return JK_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &L.doc)) {
        jk_diags_add(diags, L.file, (unsigned)parser.problem_mark.line + 1,
                     (unsigned)parser.problem_mark.column + 1, "YAML: %s%s%s", yaml_problem(&parser),
                     parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return JK_EPARSE;
    }
    /* A second document in the same file would be silently ignored. */
    yaml_document_t extra;
    if (yaml_parser_load(&parser, &extra)) {
        if (yaml_document_get_root_node(&extra)) {
            yaml_node_t *r = yaml_document_get_root_node(&extra);
            jk_diags_add(diags, L.file, (unsigned)r->start_mark.line + 1,
                         (unsigned)r->start_mark.column + 1,
                         "a rule pack holds one YAML document; found another");
            L.errors++;
        }
        yaml_document_delete(&extra);
    } else {
        jk_diags_add(diags, L.file, (unsigned)parser.problem_mark.line + 1,
                     (unsigned)parser.problem_mark.column + 1, "YAML: %s", yaml_problem(&parser));
        L.errors++;
    }
    yaml_parser_delete(&parser);

    L.node_count = (size_t)(L.doc.nodes.top - L.doc.nodes.start);
    L.visited = jk_calloc(L.node_count ? L.node_count : 1, 1);
    if (L.errors == 0)
        read_document(&L);

    if (L.errors) {
        rc = JK_EPARSE;
        for (size_t i = 0; i < L.rule_count; i++)
            free_rule(&L.rules[i]);
        free_pack(&L.pack);
    } else {
        /* Commit the whole pack at once. */
        size_t pack_index = rs->pack_count;
        jk_grow((void **)&rs->packs, &rs->pack_cap, rs->pack_count + 1, sizeof *rs->packs);
        jk_grow((void **)&rs->rules, &rs->rule_cap, rs->rule_count + L.rule_count + 1,
                sizeof *rs->rules);
        L.pack.path = jk_strdup(L.file);
        L.pack.first_rule = rs->rule_count;
        L.pack.rule_count = L.rule_count;
        rs->packs[rs->pack_count++] = L.pack;
        for (size_t i = 0; i < L.rule_count; i++) {
            L.rules[i].pack = pack_index;
            rs->rules[rs->rule_count++] = L.rules[i];
        }
    }
    for (size_t i = 0; i < L.seen_count; i++)
        free(L.seen[i].id);
    free(L.seen);
    free(L.rules);
    free(L.visited);
    jk_normalized_release(&L.normalized);
    yaml_document_delete(&L.doc);
    return rc;
}

int jk_ruleset_load_file(jk_ruleset *rs, const jk_normalizer *norm, const char *path,
                         jk_diags *diags)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        jk_diags_add(diags, path, 0, 0, "cannot open: %s", strerror(errno));
        return JK_EIO;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        jk_diags_add(diags, path, 0, 0, "not a regular file");
        fclose(fp);
        return JK_EIO;
    }
    if ((unsigned long long)st.st_size > JK_MAX_PACK_BYTES) {
        jk_diags_add(diags, path, 0, 0, "rule pack of %lld bytes exceeds the limit of %u bytes",
                     (long long)st.st_size, (unsigned)JK_MAX_PACK_BYTES);
        fclose(fp);
        return JK_ELIMIT;
    }
    size_t size = (size_t)st.st_size;
    char *buf = jk_malloc(size + 1);
    size_t got = fread(buf, 1, size, fp);
    bool failed = ferror(fp) != 0;
    fclose(fp);
    if (failed) {
        jk_diags_add(diags, path, 0, 0, "read error");
        free(buf);
        return JK_EIO;
    }
    int rc = jk_ruleset_load_buffer(rs, norm, path, buf, got, diags);
    free(buf);
    return rc;
}

/* ---- introspection ------------------------------------------------------ */

size_t jk_ruleset_pack_count(const jk_ruleset *rs)
{
    return rs->pack_count;
}

size_t jk_ruleset_rule_count(const jk_ruleset *rs)
{
    return rs->rule_count;
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
    case JK_SEV_LOW: return "low";
    case JK_SEV_MEDIUM: return "medium";
    case JK_SEV_HIGH: return "high";
    case JK_SEV_CRITICAL: return "critical";
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

void jk_ruleset_each_term(const jk_ruleset *rs, jk_term_sink fn, void *ctx)
{
    for (size_t r = 0; r < rs->rule_count; r++)
        for (size_t g = 0; g < rs->rules[r].group_count; g++) {
            const jk_group *grp = &rs->rules[r].groups[g];
            for (size_t t = 0; t < grp->term_count; t++)
                fn(ctx, grp->terms[t].source, grp->terms[t].source_len, grp->terms[t].is_regex);
        }
}
