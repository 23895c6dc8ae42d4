/*
 * intel_misp.c — intel lists from MISP event JSON (the MISP core format,
 * draft-dulaunoy-misp-core-format: Event, Attribute, Object): the
 * attributes whose types name indicators junkai can match or share.
 * Must not touch: the store, printing.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "intel.h"

/* MISP attribute type → the intel type of each '|'-separated part
 * (NULL: that part is not an indicator, e.g. a file name or a port). */
typedef struct misp_type {
    const char *misp;
    const char *part[2];
} misp_type;

static const misp_type types[] = {
    {"url", {"url", NULL}},
    {"domain", {"domain", NULL}},
    {"hostname", {"domain", NULL}},
    {"ip-src", {"ip", NULL}},
    {"ip-dst", {"ip", NULL}},
    {"email", {"email", NULL}},
    {"email-src", {"email", NULL}},
    {"email-dst", {"email", NULL}},
    {"md5", {"md5", NULL}},
    {"sha1", {"sha1", NULL}},
    {"sha256", {"sha256", NULL}},
    {"domain|ip", {"domain", "ip"}},
    {"hostname|port", {"domain", NULL}},
    {"ip-src|port", {"ip", NULL}},
    {"ip-dst|port", {"ip", NULL}},
    {"filename|md5", {NULL, "md5"}},
    {"filename|sha1", {NULL, "sha1"}},
    {"filename|sha256", {NULL, "sha256"}},
    {"phone-number", {"phone", NULL}},
    {"btc", {"btc", NULL}},
    {"xmr", {"xmr", NULL}},
};

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

typedef struct misp_ctx {
    const jk_intel_reader *r;
    jk_intel_read_stats *stats;
    jk_buf where;
    const char *event_date;
    const char *event_info;
} misp_ctx;

static void skip(misp_ctx *c, const char *why)
{
    c->stats->skipped++;
    if (c->r->skip)
        c->r->skip(c->r->ctx, c->where.data, why);
}

static int read_attribute(misp_ctx *c, json_t *a, const char *path, size_t index)
{
    if (!json_is_object(a))
        return JK_OK;
    c->stats->objects++;
    const char *uuid = str(a, "uuid");
    jk_buf_reset(&c->where);
    if (uuid)
        jk_buf_printf(&c->where, "%s: attribute %s", c->r->name, uuid);
    else
        jk_buf_printf(&c->where, "%s: %s[%zu]", c->r->name, path, index);
    const char *type = str(a, "type");
    json_t *value = json_object_get(a, "value");
    if (!type || !json_is_string(value)) {
        skip(c, "no type or value");
        return JK_OK;
    }
    if (json_is_true(json_object_get(a, "deleted"))) {
        skip(c, "deleted");
        return JK_OK;
    }
    const misp_type *t = NULL;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        if (!strcmp(types[k].misp, type))
            t = &types[k];
    if (!t) {
        char why[96];
        snprintf(why, sizeof why, "type \"%.40s\" is not an indicator junkai matches", type);
        skip(c, why);
        return JK_OK;
    }
    const char *v = json_string_value(value);
    size_t vl = json_string_length(value);
    const char *bar = t->part[1] || strchr(t->misp, '|') ? memchr(v, '|', vl) : NULL;
    if (strchr(t->misp, '|') && !bar) {
        skip(c, "a composite value without '|'");
        return JK_OK;
    }
    const char *first_seen = str(a, "first_seen");
    if (!first_seen)
        first_seen = c->event_date;
    const char *description = str(a, "comment");
    if (!description || !description[0])
        description = c->event_info;
    for (int part = 0; part < 2; part++) {
        if (!t->part[part])
            continue;
        const char *pv = part == 0 ? v : bar + 1;
        size_t pl = part == 0 ? (bar ? (size_t)(bar - v) : vl) : vl - (size_t)(bar + 1 - v);
        jk_intel_raw raw = {t->part[part], pv, pl, first_seen, description, c->where.data};
        c->stats->values++;
        int rc = c->r->raw(c->r->ctx, &raw);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_attributes(misp_ctx *c, json_t *list, const char *path)
{
    if (!json_is_array(list))
        return JK_OK;
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        int rc = read_attribute(c, a, path, i);
        if (rc)
            return rc;
    }
    return JK_OK;
}

static int read_event(misp_ctx *c, json_t *event)
{
    if (!json_is_object(event))
        return JK_OK;
    c->event_date = str(event, "date");
    c->event_info = str(event, "info");
    int rc = read_attributes(c, json_object_get(event, "Attribute"), "Event.Attribute");
    json_t *objects = json_object_get(event, "Object");
    if (!rc && json_is_array(objects)) {
        size_t i;
        json_t *o;
        json_array_foreach(objects, i, o) {
            char path[64];
            snprintf(path, sizeof path, "Event.Object[%zu].Attribute", i);
            if (json_is_object(o) && (rc = read_attributes(c, json_object_get(o, "Attribute"), path)))
                break;
        }
    }
    return rc;
}

/* {"Event": {…}} or a bare event (has "Attribute" or "Object"). */
static json_t *event_of(json_t *v)
{
    if (!json_is_object(v))
        return NULL;
    json_t *e = json_object_get(v, "Event");
    if (json_is_object(e))
        return e;
    if (json_object_get(v, "Attribute") || json_object_get(v, "Object"))
        return v;
    return NULL;
}

int jk_intel_read_misp(const char *data, size_t len, const jk_intel_reader *r,
                       jk_intel_read_stats *stats, jk_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (len > JK_INTEL_MAX_FILE)
        return jk_error_set(err, JK_ELIMIT, "%s: larger than %u bytes", r->name, JK_INTEL_MAX_FILE);
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root)
        return jk_error_set(err, JK_EPARSE, "%s:%d:%d: %s", r->name, jerr.line, jerr.column,
                            jerr.text);
    misp_ctx c = {r, stats, {0}, NULL, NULL};
    jk_buf_init(&c.where, 0);
    /* a MISP search answer wraps events in "response" */
    json_t *list = json_is_array(root) ? root : json_object_get(root, "response");
    int rc = JK_OK, events = 0;
    if (json_is_array(list)) {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            json_t *e = event_of(v);
            if (!e)
                continue;
            events++;
            if ((rc = read_event(&c, e)))
                break;
        }
    } else if (event_of(root)) {
        events++;
        rc = read_event(&c, event_of(root));
    }
    if (!rc && events == 0)
        rc = jk_error_set(err, JK_EPARSE, "%s: no MISP event (an object with \"Event\")", r->name);
    jk_buf_release(&c.where);
    json_decref(root);
    return rc;
}
