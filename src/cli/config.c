/*
 * config.c — reading junkai.yaml (config.h) with libyaml's document API.
 * Owns: the key names and their meaning. Unknown keys are errors, so a
 * typo ("contcat") does not silently leave a default in place.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "alloc.h"

void jk_config_release(jk_config *cfg)
{
    free(cfg->contact);
    for (size_t i = 0; i < cfg->rule_count; i++)
        free(cfg->rules[i]);
    free(cfg->rules);
    free(cfg->x_bearer_token);
    free(cfg->org.name);
    free(cfg->org.department);
    free(cfg->org.contact_name);
    free(cfg->org.email);
    free(cfg->org.phone);
    free(cfg->org.address);
    memset(cfg, 0, sizeof *cfg);
}

static void clear(jk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_interval_ms = -1;
    cfg->max_redirects = -1;
    cfg->max_retries = -1;
    cfg->removal.first_hours = 24;
    cfg->removal.max_hours = 168;
    cfg->removal.stop_days = 90;
}

typedef struct reader {
    yaml_document_t *doc;
    const char *path;
    jk_error *err;
} reader;

static int fail(reader *r, const yaml_node_t *node, const char *what, const char *key)
{
    return jk_error_set(r->err, JK_EPARSE, "%s:%zu:%zu: %s: %s", r->path, node->start_mark.line + 1,
                        node->start_mark.column + 1, key, what);
}

static const char *scalar(const yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int get_string(reader *r, const yaml_node_t *node, const char *key, char **out)
{
    const char *s = scalar(node);
    if (!s)
        return fail(r, node, "expected a string", key);
    free(*out);
    *out = jk_strdup(s);
    return JK_OK;
}

static int get_number(reader *r, const yaml_node_t *node, const char *key, long min, long max,
                      long *out)
{
    const char *s = scalar(node);
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || errno || v < min || v > max) {
        char what[96];
        snprintf(what, sizeof what, "expected a whole number from %ld to %ld", min, max);
        return fail(r, node, what, key);
    }
    *out = v;
    return JK_OK;
}

static int read_http(reader *r, const yaml_node_t *map, jk_config *cfg)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map, "expected a mapping", "http");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        long n = 0;
        int rc;
        if (!key)
            return fail(r, k, "expected a key", "http");
        if (strcmp(key, "max_body_bytes") == 0) {
            rc = get_number(r, v, key, 1024, 1L << 30, &n);
            cfg->max_body_bytes = (size_t)n;
        } else if (strcmp(key, "timeout_seconds") == 0) {
            rc = get_number(r, v, key, 1, 3600, &n);
            cfg->timeout_ms = n * 1000;
        } else if (strcmp(key, "min_interval_ms") == 0) {
            rc = get_number(r, v, key, 0, 3600000, &n);
            cfg->min_interval_ms = n;
        } else if (strcmp(key, "max_redirects") == 0) {
            rc = get_number(r, v, key, 0, 20, &n);
            cfg->max_redirects = (int)n;
        } else if (strcmp(key, "max_retries") == 0) {
            rc = get_number(r, v, key, 0, 10, &n);
            cfg->max_retries = (int)n;
        } else {
            char name[160];
            snprintf(name, sizeof name, "http.%s", key);
            return fail(r, k,
                        "unknown key (known: max_body_bytes, timeout_seconds, "
                        "min_interval_ms, max_redirects, max_retries)",
                        name);
        }
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_rules(reader *r, const yaml_node_t *seq, jk_config *cfg)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail(r, seq, "expected a list of rule pack paths", "rules");
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        const yaml_node_t *v = yaml_document_get_node(r->doc, *it);
        const char *s = scalar(v);
        if (!s || !*s)
            return fail(r, v, "expected a path", "rules");
        cfg->rules = jk_realloc(cfg->rules, (cfg->rule_count + 1) * sizeof *cfg->rules);
        cfg->rules[cfg->rule_count++] = jk_strdup(s);
    }
    return JK_OK;
}

static int read_org(reader *r, const yaml_node_t *map, jk_config_org *org)
{
    static const char *const keys[] = {"name",  "department", "contact_name",
                                       "email", "phone",      "address"};
    char **slots[] = {&org->name,  &org->department, &org->contact_name,
                      &org->email, &org->phone,      &org->address};
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map,
                    "expected a mapping (name, department, contact_name, email, phone, "
                    "address)",
                    "organization");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        size_t i = 0;
        while (key && i < sizeof keys / sizeof keys[0] && strcmp(key, keys[i]) != 0)
            i++;
        char name[160];
        snprintf(name, sizeof name, "organization.%s", key ? key : "?");
        if (!key || i == sizeof keys / sizeof keys[0])
            return fail(r, k,
                        "unknown key (known: name, department, contact_name, email, "
                        "phone, address)",
                        name);
        int rc = get_string(r, v, name, slots[i]);
        if (rc)
            return rc;
    }
    return JK_OK;
}

/* removal: first_hours, max_hours, stop_days (config.h) */
static int read_removal(reader *r, const yaml_node_t *map, jk_config_removal *rm)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map, "expected a mapping (first_hours, max_hours, stop_days)", "removal");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        char name[160];
        snprintf(name, sizeof name, "removal.%s", key ? key : "?");
        int rc;
        if (key && strcmp(key, "first_hours") == 0)
            rc = get_number(r, v, name, 1, 24L * 365, &rm->first_hours);
        else if (key && strcmp(key, "max_hours") == 0)
            rc = get_number(r, v, name, 1, 24L * 365, &rm->max_hours);
        else if (key && strcmp(key, "stop_days") == 0)
            rc = get_number(r, v, name, 1, 3650, &rm->stop_days);
        else
            return fail(r, k, "unknown key (known: first_hours, max_hours, stop_days)", name);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_root(reader *r, const yaml_node_t *root, jk_config *cfg)
{
    if (!root || (root->type == YAML_SCALAR_NODE && !*root->data.scalar.value))
        return JK_OK; /* an empty file */
    if (root->type != YAML_MAPPING_NODE)
        return fail(r, root, "expected a mapping of settings", "junkai.yaml");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        int rc;
        if (!key)
            return fail(r, k, "expected a key", "junkai.yaml");
        if (strcmp(key, "contact") == 0)
            rc = get_string(r, v, key, &cfg->contact);
        else if (strcmp(key, "rules") == 0)
            rc = read_rules(r, v, cfg);
        else if (strcmp(key, "http") == 0)
            rc = read_http(r, v, cfg);
        else if (strcmp(key, "x_bearer_token") == 0)
            rc = get_string(r, v, key, &cfg->x_bearer_token);
        else if (strcmp(key, "organization") == 0)
            rc = read_org(r, v, &cfg->org);
        else if (strcmp(key, "removal") == 0)
            rc = read_removal(r, v, &cfg->removal);
        else
            return fail(r, k,
                        "unknown key (known: contact, rules, http, x_bearer_token, organization, "
                        "removal)",
                        key);
        if (rc)
            return rc;
    }
    return JK_OK;
}

int jk_config_load(const char *data_dir, jk_config *cfg, jk_error *err)
{
    clear(cfg);
    cfg->contact = jk_strdup("");
    char path[4096];
    snprintf(path, sizeof path, "%s/junkai.yaml", data_dir);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? JK_OK : jk_error_set(err, JK_EIO, "%s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    int rc = JK_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = jk_error_set(err, JK_EPARSE, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "not valid YAML");
    } else {
        reader r = {&doc, path, err};
        rc = read_root(&r, yaml_document_get_root_node(&doc), cfg);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    if (rc) {
        jk_config_release(cfg);
        clear(cfg);
    }
    return rc;
}
