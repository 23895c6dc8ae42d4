/*
 * intel_export.c — the store's indicators as STIX 2.1 (§8.1 bundle, §4.5
 * identity, §4.7 indicator, §9 patterning), MISP event JSON, or CSV. See
 * intel_export.h. The JSON formats are built with jansson (an export is
 * not a hot path) and checked in tests against the OASIS schemas.
 * Must not touch: printing, the store beyond reading.
 */
#include "intel_export.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "extract.h"

typedef struct export_ctx {
    jk_intel_format format;
    bool defang;
    char now_stix[32];
    jk_intel_export_stats *stats;
    jk_buf shown, pattern;
    json_t *objects; /* STIX objects / MISP attributes */
    jk_buf *csv;
    const char *identity;
    int rc;
} export_ctx;

static void uuid_text(unsigned char b[16], char *out)
{
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

void jk_intel_stix_id(const char *prefix, const char *type, const char *value, char out[64])
{
    /* STIX asks for version 4 UUIDs for SDOs (§2.9): "random or
     * pseudo-random". A keyed hash of the indicator is pseudo-random and
     * stable, so partners see a re-export as the same objects. */
    static const unsigned char key[] = "junkai stix id v1";
    crypto_generichash_state st;
    unsigned char b[16];
    crypto_generichash_init(&st, key, sizeof key - 1, sizeof b);
    crypto_generichash_update(&st, (const unsigned char *)prefix, strlen(prefix) + 1);
    crypto_generichash_update(&st, (const unsigned char *)type, strlen(type) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, b, sizeof b);
    int n = snprintf(out, 64, "%s--", prefix);
    uuid_text(b, out + (n > 0 && n < 28 ? n : 0));
}

static void random_uuid(char out[40])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    uuid_text(b, out);
}

/* "2024-01-31T10:00:00Z" (SQLite's strftime) as a STIX timestamp; when
 * the text is not of that shape, fallback. */
static const char *stix_time(const char *t, const char *fallback, char out[32])
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (!t || strlen(t) != sizeof shape - 1)
        return fallback;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            return fallback;
    snprintf(out, 32, "%.19s.000Z", t);
    return out;
}

static const char *stix_object_type(const char *type)
{
    static const struct {
        const char *ours, *stix;
    } map[] = {{"url", "url"},
               {"domain", "domain-name"},
               {"ipv4", "ipv4-addr"},
               {"ipv6", "ipv6-addr"},
               {"email", "email-addr"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(type, map[i].ours))
            return map[i].stix;
    return NULL;
}

/* MISP attribute type and category per junkai type; NULL: "text". */
static void misp_type(const char *type, const char **mt, const char **cat)
{
    static const struct {
        const char *ours, *misp, *category;
    } map[] = {{"url", "url", "Network activity"},
               {"domain", "domain", "Network activity"},
               {"ipv4", "ip-dst", "Network activity"},
               {"ipv6", "ip-dst", "Network activity"},
               {"email", "email-src", "Payload delivery"},
               {"phone", "phone-number", "Person"},
               {"btc", "btc", "Financial fraud"},
               {"xmr", "xmr", "Financial fraud"},
               {"bank_account", "bank-account-nr", "Financial fraud"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(type, map[i].ours)) {
            *mt = map[i].misp;
            *cat = map[i].category;
            return;
        }
    *mt = "text";
    *cat = "Other";
}

static void csv_field(jk_buf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        jk_buf_puts(b, s);
        return;
    }
    jk_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            jk_buf_putc(b, '"');
        jk_buf_putc(b, *s);
    }
    jk_buf_putc(b, '"');
}

static int on_row(void *p, const jk_indicator_export_row *row)
{
    export_ctx *c = p;
    const char *value = row->value;
    jk_indicator_type t;
    if (c->defang && jk_indicator_type_from_name(row->type, &t) == JK_OK &&
        jk_indicator_defang(t, row->value, strlen(row->value), &c->shown) == JK_OK)
        value = c->shown.data;
    if (c->format == JK_INTEL_CSV) {
        csv_field(c->csv, row->type);
        jk_buf_putc(c->csv, ',');
        csv_field(c->csv, value);
        jk_buf_putc(c->csv, ',');
        csv_field(c->csv, row->first_seen);
        jk_buf_putc(c->csv, ',');
        csv_field(c->csv, row->last_seen);
        jk_buf_printf(c->csv, ",%ld\r\n", row->items);
        c->stats->written++;
        return 0;
    }
    char description[200];
    snprintf(description, sizeof description, "seen in %ld item%s collected by junkai (%s to %s)",
             row->items, row->items == 1 ? "" : "s", row->first_seen ? row->first_seen : "?",
             row->last_seen ? row->last_seen : "?");
    json_t *o;
    if (c->format == JK_INTEL_STIX) {
        const char *st = stix_object_type(row->type);
        if (!st) {
            c->stats->left_out++;
            return 0;
        }
        /* a string literal: ' and \ escaped (§9.2) */
        jk_buf_reset(&c->pattern);
        jk_buf_printf(&c->pattern, "[%s:value = '", st);
        for (const char *s = value; *s; s++) {
            if (*s == '\'' || *s == '\\')
                jk_buf_putc(&c->pattern, '\\');
            jk_buf_putc(&c->pattern, *s);
        }
        jk_buf_puts(&c->pattern, "']");
        char id[64], seen[32], name[160];
        jk_intel_stix_id("indicator", row->type, row->value, id);
        snprintf(name, sizeof name, "%s %.140s", row->type, value);
        o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:s}",
                      "type", "indicator", "spec_version", "2.1", "id", id, "created_by_ref",
                      c->identity, "created", c->now_stix, "modified", c->now_stix, "name", name,
                      "description", description, "indicator_types", "malicious-activity",
                      "pattern", c->pattern.data, "pattern_type", "stix", "pattern_version",
                      "2.1", "valid_from", stix_time(row->first_seen, c->now_stix, seen));
    } else {
        const char *mt, *cat;
        misp_type(row->type, &mt, &cat);
        char uuid[64], first[40], last[40];
        jk_intel_stix_id("misp", row->type, row->value, uuid);
        char comment[260];
        if (!strcmp(mt, "text"))
            snprintf(comment, sizeof comment, "junkai type %s; %s", row->type, description);
        else
            snprintf(comment, sizeof comment, "%s", description);
        snprintf(first, sizeof first, "%.19s.000000+00:00", row->first_seen ? row->first_seen : "");
        snprintf(last, sizeof last, "%.19s.000000+00:00", row->last_seen ? row->last_seen : "");
        o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "uuid", uuid + strlen("misp--"), "type",
                      mt, "category", cat, "value", value, "to_ids", strcmp(mt, "text") != 0,
                      "comment", comment);
        if (o && row->first_seen && strlen(row->first_seen) >= 19)
            json_object_set_new(o, "first_seen", json_string(first));
        if (o && row->last_seen && strlen(row->last_seen) >= 19)
            json_object_set_new(o, "last_seen", json_string(last));
    }
    /* json_pack fails on invalid UTF-8, which a stored value may hold */
    if (!o) {
        c->stats->left_out++;
        return 0;
    }
    json_array_append_new(c->objects, o);
    c->stats->written++;
    return 0;
}

static int dump(json_t *root, jk_buf *out, jk_error *err)
{
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text)
        return jk_error_set(err, JK_ENOMEM, "cannot write the export");
    int rc = jk_buf_puts(out, text);
    rc = rc ? rc : jk_buf_putc(out, '\n');
    free(text);
    return rc;
}

int jk_intel_export(jk_store *st, jk_intel_format format, bool defang, time_t now, jk_buf *out,
                    jk_intel_export_stats *stats, jk_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (sodium_init() < 0)
        return jk_error_set(err, JK_ENOMEM, "cannot initialise libsodium");
    export_ctx c;
    memset(&c, 0, sizeof c);
    c.format = format;
    c.defang = defang;
    c.stats = stats;
    c.csv = out;
    jk_buf_init(&c.shown, 0);
    jk_buf_init(&c.pattern, 0);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(c.now_stix, sizeof c.now_stix, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    char identity[64];
    jk_intel_stix_id("identity", "identity", "junkai", identity);
    c.identity = identity;
    if (format == JK_INTEL_CSV)
        jk_buf_puts(out, "type,value,first_seen,last_seen,items\r\n");
    else
        c.objects = json_array();
    int rc = jk_store_indicators_export(st, on_row, &c, err);
    if (rc || format == JK_INTEL_CSV)
        goto done;
    json_t *root;
    char id[40];
    random_uuid(id);
    if (format == JK_INTEL_STIX) {
        json_t *who = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity",
                                "spec_version", "2.1", "id", identity, "created", c.now_stix,
                                "modified", c.now_stix, "name", "junkai", "identity_class",
                                "system", "description",
                                "junkai cyber patrol: indicators of collected posts that a rule "
                                "pack or an intel list detected");
        json_array_insert_new(c.objects, 0, who);
        char bundle_id[64];
        snprintf(bundle_id, sizeof bundle_id, "bundle--%s", id);
        root = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", bundle_id, "objects",
                         c.objects);
    } else {
        char date[16], stamp[24];
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        snprintf(stamp, sizeof stamp, "%lld", (long long)now);
        root = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:{s:s}, s:o}}", "Event",
                         "uuid", id, "info", "junkai export: indicators of detected posts",
                         "date", date, "threat_level_id", "4", "analysis", "0", "distribution",
                         "0", "published", 0, "timestamp", stamp, "Orgc", "name", "junkai",
                         "Attribute", c.objects);
    }
    c.objects = NULL; /* the "o" format took our reference */
    if (!root) {
        rc = jk_error_set(err, JK_ENOMEM, "cannot build the export");
        goto done;
    }
    rc = dump(root, out, err);
    json_decref(root);
done:
    json_decref(c.objects);
    jk_buf_release(&c.shown);
    jk_buf_release(&c.pattern);
    return rc;
}
