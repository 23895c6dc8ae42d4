/*
 * fuzz_intel.c — libFuzzer target for the intel list readers. The first
 * byte picks the parser: 0 CSV, 1 the STIX pattern parser, 2 MISP JSON,
 * 3 STIX JSON; the rest is its input. Every value a reader hands over is
 * canonicalised, and canonical URLs, domains and addresses go into a
 * matcher that is then run over the same bytes as a post. Invariants:
 * readers either succeed or explain themselves; counts add up; every
 * skip names a place and a reason; a parsed pattern has comparisons with
 * known types; a canonical value canonicalises to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "intel.h"
#include "intel_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_ctx {
    jk_intel *in;
    size_t list;
    jk_buf canon, again;
    long values;
} fuzz_ctx;

static int on_raw(void *p, const jk_intel_raw *raw)
{
    fuzz_ctx *c = p;
    c->values++;
    if (!raw->type || !raw->value || !raw->where)
        abort();
    const char *type;
    jk_error err;
    int rc = jk_intel_canonical(raw->type, raw->value, raw->value_len, &type, &c->canon, &err);
    if (rc == JK_OK) {
        if (!type || c->canon.len == 0 || memchr(c->canon.data, '\0', c->canon.len))
            abort();
        /* idempotent: the canonical form of a canonical value is itself
         * (URLs aside: the URL standard itself is not idempotent for a
         * few inputs, e.g. "/." in opaque-looking paths) */
        const char *type2;
        if (strcmp(type, "url") != 0 &&
            jk_intel_canonical(type, c->canon.data, c->canon.len, &type2, &c->again, &err) == JK_OK &&
            (strcmp(type, type2) != 0 || strcmp(c->canon.data, c->again.data) != 0))
            abort();
        if (jk_intel_add(c->in, c->list, type, c->canon.data, c->canon.len, &err) != JK_OK)
            abort();
    } else if (!err.message[0]) {
        abort();
    }
    return 0;
}

static void on_skip(void *p, const char *where, const char *why)
{
    (void)p;
    if (!where || !why || !why[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    jk_error err;
    if (data[0] % 4 == 1) {
        jk_stix_pattern p;
        jk_stix_pattern_init(&p);
        int rc = jk_stix_pattern_parse(text, len, &p, &err);
        if (rc == JK_OK) {
            if (p.count == 0)
                abort();
            for (size_t i = 0; i < p.count; i++)
                if (!p.items[i].type || !p.items[i].value ||
                    strlen(p.items[i].value) > p.items[i].value_len)
                    abort();
        } else if (p.count != 0 || !err.message[0]) {
            abort();
        }
        jk_stix_pattern_release(&p);
        return 0;
    }
    fuzz_ctx c;
    memset(&c, 0, sizeof c);
    c.in = jk_intel_new();
    jk_intel_add_list(c.in, "fuzz", JK_CAT_PHISHING, (jk_intel_match_mode)(data[0] / 4 % 3), "v1",
                      &c.list);
    jk_buf_init(&c.canon, 0);
    jk_buf_init(&c.again, 0);
    jk_intel_reader r = {"fuzz", on_raw, on_skip, &c};
    jk_intel_read_stats st;
    int rc;
    switch (data[0] % 4) {
    case 0: rc = jk_intel_read_csv(text, len, &r, &st, &err); break;
    case 2: rc = jk_intel_read_misp(text, len, &r, &st, &err); break;
    default: rc = jk_intel_read_stix(text, len, &r, &st, &err); break;
    }
    if (rc == JK_OK && (st.values != c.values || st.skipped > st.objects))
        abort();
    if (rc != JK_OK && !err.message[0])
        abort();
    if (jk_intel_build(c.in, &err) != JK_OK)
        abort();
    jk_indicator_list l;
    jk_indicator_list_init(&l);
    jk_intel_hits h;
    jk_intel_hits_init(&h);
    if (len <= 4096) {
        jk_indicators_extract(text, len, &l, &err);
        jk_intel_match(c.in, &l, &h);
        for (size_t i = 0; i < h.count; i++) {
            const jk_hit *hit = &h.hits[i];
            if (hit->span_count == 0 || hit->term_count == 0 || hit->spans[0].end > len)
                abort();
            for (size_t k = 1; k < hit->span_count; k++)
                if (hit->spans[k].start <= hit->spans[k - 1].end)
                    abort(); /* sorted and merged */
        }
    }
    jk_intel_hits_release(&h);
    jk_indicator_list_release(&l);
    jk_buf_release(&c.canon);
    jk_buf_release(&c.again);
    jk_intel_free(c.in);
    return 0;
}
