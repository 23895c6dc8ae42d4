/*
 * intel_stix.c — intel lists from STIX 2.1 JSON (STIX 2.1 §8.1 bundle,
 * §4.7 indicator): the values named by each indicator's pattern, in the
 * subset stix_pattern.c reads. Also the sniffing of a file's format.
 * Must not touch: the store, printing.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "intel.h"

static const char *const format_names[] = {"csv", "stix", "misp"};

const char *jk_intel_format_name(jk_intel_format f)
{
    return (unsigned)f < 3 ? format_names[f] : "?";
}

int jk_intel_format_from_name(const char *name, jk_intel_format *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, format_names[i])) {
            *out = (jk_intel_format)i;
            return JK_OK;
        }
    return JK_ENOTFOUND;
}

jk_intel_format jk_intel_format_sniff(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= len || (data[i] != '{' && data[i] != '['))
        return JK_INTEL_CSV;
    /* a STIX bundle says so near its start; looking at a bounded head
     * keeps a half-gigabyte MISP dump from being scanned twice */
    size_t head = len - i < 4096 ? len - i : 4096;
    const char *h = data + i;
    static const char *const marks[] = {"\"bundle\"", "\"indicator\"", "\"spec_version\""};
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        size_t ml = strlen(marks[m]);
        for (size_t k = 0; k + ml <= head; k++)
            if (!memcmp(h + k, marks[m], ml))
                return JK_INTEL_STIX;
    }
    return JK_INTEL_MISP;
}

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int read_indicator(json_t *o, size_t index, const jk_intel_reader *r,
                          jk_intel_read_stats *stats, jk_buf *where, jk_stix_pattern *pat)
{
    const char *id = str(o, "id");
    jk_buf_reset(where);
    if (id)
        jk_buf_puts(where, id);
    else
        jk_buf_printf(where, "%s: objects[%zu]", r->name, index);
    stats->objects++;
    const char *why = NULL;
    const char *pattern_type = str(o, "pattern_type");
    const char *pattern = str(o, "pattern");
    char whybuf[JK_ERROR_MESSAGE_MAX + 32];
    if (json_is_true(json_object_get(o, "revoked")))
        why = "revoked";
    else if (pattern_type && strcmp(pattern_type, "stix") != 0) {
        snprintf(whybuf, sizeof whybuf, "pattern_type \"%.40s\" is not stix", pattern_type);
        why = whybuf;
    } else if (!pattern)
        why = "no pattern";
    jk_stix_pattern_release(pat);
    if (!why) {
        jk_error e;
        if (jk_stix_pattern_parse(pattern, json_string_length(json_object_get(o, "pattern")), pat,
                                  &e)) {
            snprintf(whybuf, sizeof whybuf, "pattern: %s", e.message);
            why = whybuf;
        }
    }
    if (why) {
        stats->skipped++;
        if (r->skip)
            r->skip(r->ctx, where->data, why);
        return JK_OK;
    }
    const char *first_seen = str(o, "valid_from");
    const char *description = str(o, "name");
    if (!description)
        description = str(o, "description");
    for (size_t k = 0; k < pat->count; k++) {
        jk_intel_raw raw = {pat->items[k].type, pat->items[k].value, pat->items[k].value_len,
                            first_seen, description, where->data};
        stats->values++;
        int rc = r->raw(r->ctx, &raw);
        if (rc)
            return rc;
    }
    return JK_OK;
}

int jk_intel_read_stix(const char *data, size_t len, const jk_intel_reader *r,
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
    json_t *objects = NULL;
    if (json_is_array(root))
        objects = root;
    else if (json_is_object(root) && json_is_array(json_object_get(root, "objects")))
        objects = json_object_get(root, "objects");
    int rc = JK_OK;
    jk_buf where;
    jk_buf_init(&where, 0);
    jk_stix_pattern pat;
    jk_stix_pattern_init(&pat);
    if (objects) {
        size_t i;
        json_t *o;
        json_array_foreach(objects, i, o) {
            const char *type = json_is_object(o) ? str(o, "type") : NULL;
            if (type && !strcmp(type, "indicator") &&
                (rc = read_indicator(o, i, r, stats, &where, &pat)))
                break;
        }
    } else if (json_is_object(root) && str(root, "type")) {
        /* one object on its own; only an indicator names values */
        if (!strcmp(str(root, "type"), "indicator"))
            rc = read_indicator(root, 0, r, stats, &where, &pat);
    } else {
        rc = jk_error_set(err, JK_EPARSE, "%s: not a STIX bundle (no \"objects\" array)", r->name);
    }
    jk_stix_pattern_release(&pat);
    jk_buf_release(&where);
    json_decref(root);
    return rc;
}
