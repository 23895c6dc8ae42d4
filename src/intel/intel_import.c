/*
 * intel_import.c — one list file into the store as the list's next
 * version (see jk_intel_import): read, canonicalise, store, in one batch.
 * Must not touch: printing (skips go to the caller's callback).
 */
#include <string.h>

#include "intel.h"
#include "junkai/taxonomy.h"

typedef struct import_ctx {
    jk_store *st;
    int64_t list_id;
    const jk_intel_import_options *opt;
    jk_buf canon;
    long skipped;
    jk_error *err;
} import_ctx;

bool jk_intel_match_mode_valid(const char *s)
{
    return s && (!strcmp(s, "exact") || !strcmp(s, "domain") || !strcmp(s, "prefix"));
}

static void on_skip(void *p, const char *where, const char *why)
{
    import_ctx *c = p;
    if (c->opt->skip)
        c->opt->skip(c->opt->ctx, where, why);
}

static int on_raw(void *p, const jk_intel_raw *raw)
{
    import_ctx *c = p;
    const char *type;
    jk_error e;
    int rc = jk_intel_canonical(raw->type, raw->value, raw->value_len, &type, &c->canon, &e);
    if (rc == JK_ENOMEM)
        return jk_error_set(c->err, rc, "%s: out of memory", raw->where);
    if (rc) {
        c->skipped++;
        if (c->opt->skip)
            c->opt->skip(c->opt->ctx, raw->where, e.message);
        return JK_OK;
    }
    return jk_store_intel_entry_add(c->st, c->list_id, type, c->canon.data, raw->first_seen,
                                    raw->description, c->err);
}

int jk_intel_import(jk_store *st, const char *data, size_t len,
                    const jk_intel_import_options *opt, jk_intel_import_result *res,
                    jk_error *err)
{
    memset(res, 0, sizeof *res);
    jk_category cat;
    if (opt->category && jk_category_from_id(opt->category, strlen(opt->category), &cat))
        return jk_error_set(err, JK_EINVAL, "unknown category \"%s\"", opt->category);
    if (opt->match && !jk_intel_match_mode_valid(opt->match))
        return jk_error_set(err, JK_EINVAL, "match mode must be exact, domain or prefix, not \"%s\"",
                            opt->match);
    if (!opt->name || !opt->name[0])
        return jk_error_set(err, JK_EINVAL, "an intel list needs a name");
    for (const char *p = opt->name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return jk_error_set(err, JK_EINVAL,
                                "list name \"%s\": use letters, digits, '-', '_' and '.'",
                                opt->name);
    import_ctx c = {st, 0, opt, {0}, 0, err};
    jk_buf_init(&c.canon, 0);
    const char *source = opt->source ? opt->source : opt->name;
    jk_intel_list_info info = {0, opt->name, jk_intel_format_name(opt->format), opt->category,
                               opt->match, source, 0, NULL, 0, 0};
    jk_intel_reader reader = {source, on_raw, on_skip, &c};
    jk_intel_read_stats stats;
    int rc = jk_store_begin(st, err);
    if (rc)
        goto done;
    if ((rc = jk_store_intel_list_put(st, &info, &c.list_id, &res->version, err)))
        goto fail;
    switch (opt->format) {
    case JK_INTEL_CSV:
        rc = jk_intel_read_csv(data, len, &reader, &stats, err);
        break;
    case JK_INTEL_STIX:
        rc = jk_intel_read_stix(data, len, &reader, &stats, err);
        break;
    case JK_INTEL_MISP:
        rc = jk_intel_read_misp(data, len, &reader, &stats, err);
        break;
    default:
        rc = jk_error_set(err, JK_EINVAL, "unknown list format");
    }
    if (rc)
        goto fail;
    res->objects = stats.objects;
    res->skipped = stats.skipped + c.skipped;
    if ((rc = jk_store_intel_list_finish(st, c.list_id, res->skipped, &res->entries, err)))
        goto fail;
    rc = jk_store_commit(st, err);
    if (!rc)
        goto done;
fail:
    jk_store_rollback(st);
done:
    jk_buf_release(&c.canon);
    return rc;
}
