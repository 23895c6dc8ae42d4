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
#include "report.h"
#include "template.h"

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
    for (size_t i = 0; i < cfg->destination_count; i++)
        jk_destination_release(&cfg->destinations[i]);
    free(cfg->destinations);
    jk_smtp_config_release(&cfg->smtp);
    for (size_t i = 0; i < cfg->summary_email_count; i++)
        free(cfg->summary_email_to[i]);
    free(cfg->summary_email_to);
    memset(cfg, 0, sizeof *cfg);
}

static void clear(jk_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_interval_ms = -1;
    cfg->max_redirects = -1;
    cfg->max_retries = -1;
    cfg->submit_max_attempts = 5;
    cfg->submit_backoff_seconds = 300;
    cfg->submit_batch_size = 50;
    cfg->smtp.starttls = true;
    cfg->summary_utc_offset_minutes = 9 * 60; /* JST: the teams junkai is for */
    cfg->removal.first_hours = 24;
    cfg->removal.max_hours = 168;
    cfg->removal.stop_days = 90;
}

/* -1 "default" → 0; 0 "none" → -1; a value stays. */
static long http_limit(long v)
{
    return v < 0 ? 0 : v ? v : -1;
}

void jk_config_http(const jk_config *cfg, jk_http_config *out)
{
    out->contact = cfg->contact && *cfg->contact ? cfg->contact : NULL;
    out->max_body_bytes = cfg->max_body_bytes;
    out->timeout_ms = cfg->timeout_ms;
    out->min_interval_ms = http_limit(cfg->min_interval_ms);
    out->max_redirects = (int)http_limit(cfg->max_redirects);
    out->max_retries = (int)http_limit(cfg->max_retries);
}

int jk_config_http_evidence(const jk_config *cfg, const char *data_dir, jk_store *store,
                            void (*log)(void *ctx, const char *message), void *log_ctx,
                            volatile sig_atomic_t *stop, jk_http **http,
                            jk_evidence_sink **evidence, jk_error *err)
{
    jk_http_config hcfg;
    memset(&hcfg, 0, sizeof hcfg);
    jk_config_http(cfg, &hcfg);
    hcfg.log = log;
    hcfg.log_ctx = log_ctx;
    hcfg.stop = stop;
    *http = NULL;
    *evidence = jk_evidence_sink_new(data_dir, store, hcfg.contact, log, log_ctx);
    if (!*evidence)
        return jk_error_set(err, JK_EIO, "evidence: cannot initialise libsodium");
    hcfg.on_exchange = jk_evidence_on_exchange;
    hcfg.exchange_ctx = *evidence;
    *http = jk_http_new(&hcfg, err);
    return *http ? JK_OK : JK_EIO;
}

const jk_destination *jk_config_destination(const jk_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->destination_count; i++)
        if (strcmp(cfg->destinations[i].name, name) == 0)
            return &cfg->destinations[i];
    return NULL;
}

typedef struct reader {
    yaml_document_t *doc;
    const char *path;
    jk_error *err;
    /* checked once the whole file is read (smtp: may follow destinations:) */
    yaml_mark_t first_smtp_destination;
    bool has_smtp_destination;
    yaml_mark_t summary_mark;
    yaml_mark_t smtp_mark;
    bool has_smtp;
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

static int fail_at(reader *r, yaml_mark_t m, const char *what, const char *key)
{
    return jk_error_set(r->err, JK_EPARSE, "%s:%zu:%zu: %s: %s", r->path, m.line + 1, m.column + 1,
                        key, what);
}

static int get_bool(reader *r, const yaml_node_t *node, const char *key, bool *out)
{
    const char *s = scalar(node);
    if (s && strcmp(s, "true") == 0)
        *out = true;
    else if (s && strcmp(s, "false") == 0)
        *out = false;
    else
        return fail(r, node, "expected true or false", key);
    return JK_OK;
}

/* A single string or a list of them; each must pass ok (NULL: non-empty). */
static int get_list(reader *r, const yaml_node_t *node, const char *key, bool (*ok)(const char *),
                    const char *what, char ***out, size_t *count)
{
    for (size_t i = 0; i < *count; i++)
        free((*out)[i]);
    free(*out);
    *out = NULL;
    *count = 0;
    const yaml_node_t *one = node->type == YAML_SCALAR_NODE ? node : NULL;
    size_t n = one ? 1 : 0;
    if (!one && node->type != YAML_SEQUENCE_NODE)
        return fail(r, node, what, key);
    if (!one)
        n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        return fail(r, node, what, key);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *v =
            one ? one : yaml_document_get_node(r->doc, node->data.sequence.items.start[i]);
        const char *s = scalar(v);
        if (!s || !*s || (ok && !ok(s)))
            return fail(r, v, what, key);
        *out = jk_realloc(*out, (*count + 1) * sizeof **out);
        (*out)[(*count)++] = jk_strdup(s);
    }
    return JK_OK;
}

static bool kind_ok(const char *s)
{
    jk_report_kind k;
    return jk_report_kind_parse(s, &k);
}

static bool env_name_ok(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return false;
    return true;
}

static bool http_url_ok(const char *s)
{
    const char *rest = strncmp(s, "https://", 8) == 0  ? s + 8
                       : strncmp(s, "http://", 7) == 0 ? s + 7
                                                       : NULL;
    if (!rest || !*rest || *rest == '/')
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* A template checked now, so a typo is found at load, not at 3 a.m. */
static int get_template(reader *r, const yaml_node_t *node, const char *key, char **out)
{
    int rc = get_string(r, node, key, out);
    jk_error e;
    if (!rc && jk_template_check(*out, strlen(*out), "template", &e))
        return fail(r, node, e.message, key);
    return rc;
}

static int read_fields(reader *r, const yaml_node_t *map, const char *where, jk_destination *d)
{
    if (map->type != YAML_MAPPING_NODE ||
        map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return fail(r, map,
                    "expected a mapping of form fields (or JSON keys) to templates, such as "
                    "url: \"{{field.URL}}\"",
                    where);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        if (!key || !*key)
            return fail(r, k, "expected a field name", where);
        char name[512];
        snprintf(name, sizeof name, "%.200s.%.200s", where, key);
        for (size_t i = 0; i < d->field_count; i++)
            if (strcmp(d->fields[i].name, key) == 0)
                return fail(r, k, "named twice", name);
        d->fields = jk_realloc(d->fields, (d->field_count + 1) * sizeof *d->fields);
        jk_destination_field *f = &d->fields[d->field_count++];
        f->name = jk_strdup(key);
        f->value = NULL;
        int rc = get_template(r, v, name, &f->value);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_destination(reader *r, const yaml_node_t *map, size_t index, jk_config *cfg)
{
    char where[160];
    snprintf(where, sizeof where, "destinations[%zu]", index);
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map, "expected a mapping (name, type, url, fields…)", where);
    cfg->destinations =
        jk_realloc(cfg->destinations, (cfg->destination_count + 1) * sizeof *cfg->destinations);
    jk_destination *d = &cfg->destinations[cfg->destination_count++];
    memset(d, 0, sizeof *d);
    /* the name first, so every later message can say which destination */
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *key = scalar(yaml_document_get_node(r->doc, p->key));
        if (key && strcmp(key, "name") == 0) {
            const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
            const char *s = scalar(v);
            if (!s || !name_ok(s))
                return fail(r, v,
                            "expected a name of letters, digits, '-', '_' or '.' (at most 64)",
                            "destinations.name");
            for (size_t i = 0; i + 1 < cfg->destination_count; i++)
                if (strcmp(cfg->destinations[i].name, s) == 0)
                    return fail(r, v, "a destination of that name comes earlier",
                                "destinations.name");
            d->name = jk_strdup(s);
            snprintf(where, sizeof where, "destinations.%s", s);
        }
    }
    if (!d->name)
        return fail(r, map, "every destination needs a name", where);
    bool has_type = false;
    const yaml_node_t *type_node = map, *fields_node = NULL;
    /* which keys were given, for the checks by type below */
    const yaml_node_t *url = NULL, *method = NULL, *token = NULL, *to = NULL, *subject = NULL,
                      *body = NULL, *allow = NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        char name[512];
        snprintf(name, sizeof name, "%.200s.%.200s", where, key ? key : "?");
        int rc = JK_OK;
        if (!key) {
            return fail(r, k, "expected a key", where);
        } else if (strcmp(key, "name") == 0) {
            continue;
        } else if (strcmp(key, "type") == 0) {
            const char *s = scalar(v);
            type_node = v;
            has_type = true;
            if (s && strcmp(s, "http_form") == 0)
                d->type = JK_DEST_HTTP_FORM;
            else if (s && strcmp(s, "http_json") == 0)
                d->type = JK_DEST_HTTP_JSON;
            else if (s && strcmp(s, "smtp") == 0)
                d->type = JK_DEST_SMTP;
            else
                return fail(r, v, "expected http_form, http_json or smtp", name);
        } else if (strcmp(key, "kinds") == 0) {
            char **kinds = NULL;
            size_t n = 0;
            rc = get_list(r, v, name, kind_ok,
                          "expected report kinds: ihc, police, deletion, warning (one or a list)",
                          &kinds, &n);
            for (size_t i = 0; i < n; i++) {
                jk_report_kind kind;
                if (jk_report_kind_parse(kinds[i], &kind))
                    d->kinds |= 1u << kind;
                free(kinds[i]);
            }
            free(kinds);
        } else if (strcmp(key, "url") == 0) {
            url = v;
            rc = get_string(r, v, name, &d->url);
            if (!rc && !http_url_ok(d->url))
                return fail(r, v, "expected an http:// or https:// URL", name);
        } else if (strcmp(key, "method") == 0) {
            method = v;
            rc = get_string(r, v, name, &d->method);
            if (!rc && strcmp(d->method, "POST") != 0 && strcmp(d->method, "PUT") != 0)
                return fail(r, v, "expected POST or PUT", name);
        } else if (strcmp(key, "fields") == 0) {
            fields_node = v;
            rc = read_fields(r, v, name, d);
        } else if (strcmp(key, "bearer_token_env") == 0) {
            token = v;
            rc = get_string(r, v, name, &d->bearer_token_env);
            if (!rc && !env_name_ok(d->bearer_token_env))
                return fail(r, v, "expected the name of an environment variable", name);
        } else if (strcmp(key, "to") == 0) {
            to = v;
            rc = get_list(r, v, name, jk_mail_address_valid,
                          "expected an e-mail address or a list of them", &d->to, &d->to_count);
        } else if (strcmp(key, "subject") == 0) {
            subject = v;
            rc = get_template(r, v, name, &d->subject);
        } else if (strcmp(key, "body") == 0) {
            body = v;
            rc = get_template(r, v, name, &d->body);
        } else if (strcmp(key, "allow_private") == 0) {
            allow = v;
            rc = get_bool(r, v, name, &d->allow_private);
        } else if (strcmp(key, "retry_unanswered") == 0) {
            rc = get_bool(r, v, name, &d->retry_unanswered);
        } else {
            return fail(r, k,
                        "unknown key (known: name, type, kinds, url, method, fields, "
                        "bearer_token_env, to, subject, body, allow_private, retry_unanswered)",
                        name);
        }
        if (rc)
            return rc;
    }
    char name[512];
    if (!has_type)
        return fail(r, map, "expected a type: http_form, http_json or smtp", where);
    if (d->type == JK_DEST_SMTP) {
        const yaml_node_t *http_only[] = {url, method, fields_node, token, allow};
        static const char *const names[] = {"url", "method", "fields", "bearer_token_env",
                                            "allow_private"};
        for (size_t i = 0; i < 5; i++)
            if (http_only[i]) {
                snprintf(name, sizeof name, "%.200s.%s", where, names[i]);
                return fail(r, http_only[i],
                            i == 4 ? "an e-mail destination goes through smtp:; set "
                                     "smtp.allow_private there"
                                   : "only for http_form and http_json destinations (the server "
                                     "is smtp.url)",
                            name);
            }
        if (!d->to_count)
            return fail(r, map, "an smtp destination needs to: (its recipients)", where);
        if (!r->has_smtp_destination) {
            r->has_smtp_destination = true;
            r->first_smtp_destination = type_node->start_mark;
        }
    } else {
        const yaml_node_t *smtp_only[] = {to, subject, body};
        static const char *const names[] = {"to", "subject", "body"};
        for (size_t i = 0; i < 3; i++)
            if (smtp_only[i]) {
                snprintf(name, sizeof name, "%.200s.%s", where, names[i]);
                return fail(r, smtp_only[i], "only for smtp destinations", name);
            }
        if (!d->url)
            return fail(r, map, "an HTTP destination needs url:", where);
        if (d->type == JK_DEST_HTTP_FORM && !d->field_count)
            return fail(r, map, "an http_form destination needs fields: (form field: template)",
                        where);
    }
    return JK_OK;
}

static int read_destinations(reader *r, const yaml_node_t *seq, jk_config *cfg)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail(r, seq, "expected a list of destinations (- name: …, type: …)", "destinations");
    size_t i = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++, i++) {
        int rc = read_destination(r, yaml_document_get_node(r->doc, *it), i, cfg);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_smtp(reader *r, const yaml_node_t *map, jk_smtp_config *smtp)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map, "expected a mapping (url, from, username, password_env, starttls…)",
                    "smtp");
    r->has_smtp = true;
    r->smtp_mark = map->start_mark;
    long seconds = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        char name[160];
        snprintf(name, sizeof name, "smtp.%s", key ? key : "?");
        int rc;
        if (!key) {
            return fail(r, k, "expected a key", "smtp");
        } else if (strcmp(key, "url") == 0) {
            rc = get_string(r, v, name, &smtp->url);
            const char *s = smtp->url;
            const char *rest = !s                               ? NULL
                               : strncmp(s, "smtp://", 7) == 0  ? s + 7
                               : strncmp(s, "smtps://", 8) == 0 ? s + 8
                                                                : NULL;
            if (!rc && (!rest || !*rest || strpbrk(s, " \t\r\n")))
                return fail(r, v, "expected smtp://host[:port] or smtps://host[:port]", name);
            if (!rc && memchr(rest, '@', strcspn(rest, "/")))
                return fail(r, v, "no user or password in the URL: set username and password_env",
                            name);
        } else if (strcmp(key, "from") == 0) {
            rc = get_string(r, v, name, &smtp->from);
            if (!rc && !jk_mail_address_valid(smtp->from))
                return fail(r, v, "expected an e-mail address", name);
        } else if (strcmp(key, "from_name") == 0) {
            rc = get_string(r, v, name, &smtp->from_name);
        } else if (strcmp(key, "username") == 0) {
            rc = get_string(r, v, name, &smtp->username);
        } else if (strcmp(key, "password_env") == 0) {
            rc = get_string(r, v, name, &smtp->password_env);
            if (!rc && !env_name_ok(smtp->password_env))
                return fail(r, v,
                            "expected the name of the environment variable holding the password",
                            name);
        } else if (strcmp(key, "starttls") == 0) {
            rc = get_bool(r, v, name, &smtp->starttls);
        } else if (strcmp(key, "allow_private") == 0) {
            rc = get_bool(r, v, name, &smtp->allow_private);
        } else if (strcmp(key, "timeout_seconds") == 0) {
            rc = get_number(r, v, name, 1, 3600, &seconds);
            smtp->timeout_ms = seconds * 1000;
        } else {
            return fail(r, k,
                        "unknown key (known: url, from, from_name, username, password_env, "
                        "starttls, allow_private, timeout_seconds)",
                        name);
        }
        if (rc)
            return rc;
    }
    if (!smtp->url)
        return fail(r, map, "needs url: (smtp://host:port or smtps://host:port)", "smtp");
    if (!smtp->from)
        return fail(r, map, "needs from: (the sender's address)", "smtp");
    if (smtp->username && !smtp->password_env)
        return fail(r, map, "a username needs password_env: (the variable holding the password)",
                    "smtp");
    if (smtp->username && !smtp->starttls && strncmp(smtp->url, "smtp://", 7) == 0 &&
        !smtp->allow_private)
        return fail(r, map,
                    "the password would cross the network in clear: set starttls: true or use "
                    "smtps://",
                    "smtp");
    return JK_OK;
}

/* A section of whole numbers, each key with its range and where it goes;
 * the messages list the keys. */
typedef struct number_key {
    const char *key;
    long min, max;
    long *out;
} number_key;

static int read_numbers(reader *r, const yaml_node_t *map, const char *section,
                        const number_key *keys, size_t n)
{
    char known[256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 keys[i].key);
    char what[320];
    if (map->type != YAML_MAPPING_NODE) {
        snprintf(what, sizeof what, "expected a mapping (%s)", known);
        return fail(r, map, what, section);
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        char name[160];
        snprintf(name, sizeof name, "%s.%s", section, key ? key : "?");
        size_t i = 0;
        while (key && i < n && strcmp(key, keys[i].key) != 0)
            i++;
        if (!key || i == n) {
            snprintf(what, sizeof what, "unknown key (known: %s)", known);
            return fail(r, k, what, name);
        }
        int rc = get_number(r, v, name, keys[i].min, keys[i].max, keys[i].out);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_submission(reader *r, const yaml_node_t *map, jk_config *cfg)
{
    const number_key keys[] = {
        {"max_attempts", 1, 100, &cfg->submit_max_attempts},
        {"backoff_seconds", 1, 86400, &cfg->submit_backoff_seconds},
        {"batch_size", 1, 1000, &cfg->submit_batch_size},
    };
    return read_numbers(r, map, "submission", keys, sizeof keys / sizeof keys[0]);
}

/* "+09:00", "-05:30", "+00:00" (also "Z"). */
static bool parse_offset(const char *s, int *minutes)
{
    if (strcmp(s, "Z") == 0) {
        *minutes = 0;
        return true;
    }
    if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return false;
    for (int i = 1; i < 6; i++)
        if (i != 3 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
    if (h > 14 || m > 59)
        return false;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

static int read_summary(reader *r, const yaml_node_t *map, jk_config *cfg)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(r, map, "expected a mapping (email_to, utc_offset)", "summary");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        char name[160];
        snprintf(name, sizeof name, "summary.%s", key ? key : "?");
        int rc = JK_OK;
        if (key && strcmp(key, "email_to") == 0) {
            rc = get_list(r, v, name, jk_mail_address_valid,
                          "expected an e-mail address or a list of them", &cfg->summary_email_to,
                          &cfg->summary_email_count);
            r->summary_mark = v->start_mark;
        } else if (key && strcmp(key, "utc_offset") == 0) {
            const char *s = scalar(v);
            if (!s || !parse_offset(s, &cfg->summary_utc_offset_minutes))
                return fail(r, v, "expected an offset from UTC such as \"+09:00\"", name);
        } else {
            return fail(r, k, "unknown key (known: email_to, utc_offset)", name);
        }
        if (rc)
            return rc;
    }
    return JK_OK;
}

/* removal: first_hours, max_hours, stop_days (config.h) */
static int read_removal(reader *r, const yaml_node_t *map, jk_config_removal *rm)
{
    const number_key keys[] = {
        {"first_hours", 1, 24L * 365, &rm->first_hours},
        {"max_hours", 1, 24L * 365, &rm->max_hours},
        {"stop_days", 1, 3650, &rm->stop_days},
    };
    return read_numbers(r, map, "removal", keys, sizeof keys / sizeof keys[0]);
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
        else if (strcmp(key, "destinations") == 0)
            rc = read_destinations(r, v, cfg);
        else if (strcmp(key, "smtp") == 0)
            rc = read_smtp(r, v, &cfg->smtp);
        else if (strcmp(key, "submission") == 0)
            rc = read_submission(r, v, cfg);
        else if (strcmp(key, "summary") == 0)
            rc = read_summary(r, v, cfg);
        else if (strcmp(key, "removal") == 0)
            rc = read_removal(r, v, &cfg->removal);
        else
            return fail(r, k,
                        "unknown key (known: contact, rules, http, x_bearer_token, organization, "
                        "destinations, smtp, submission, summary, removal)",
                        key);
        if (rc)
            return rc;
    }
    if (r->has_smtp_destination && !r->has_smtp)
        return fail_at(r, r->first_smtp_destination,
                       "an smtp destination needs the smtp: block (url, from)", "destinations");
    if (cfg->summary_email_count && !r->has_smtp)
        return fail_at(r, r->summary_mark,
                       "e-mailing the summary needs the smtp: block (url, from)",
                       "summary.email_to");
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
        reader r;
        memset(&r, 0, sizeof r);
        r.doc = &doc;
        r.path = path;
        r.err = err;
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
