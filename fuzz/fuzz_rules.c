/*
 * fuzz_rules.c — libFuzzer target for the rule-pack loader: arbitrary bytes
 * are loaded as a YAML pack. Whatever happens, every diagnostic must carry a
 * message, a failed load must add nothing, and a pack that loads must
 * compile into a scanner that can scan its own examples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jk_normalizer *norm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_error err;
    if (!norm && jk_normalizer_new(JK_NORM_ALL, &norm, &err))
        abort();
    jk_ruleset *rs;
    if (jk_ruleset_new(&rs, &err))
        abort();
    jk_diags diags = {0};
    int rc = jk_ruleset_load_buffer(rs, norm, "fuzz.yaml", (const char *)data, size, &diags);
    for (size_t i = 0; i < diags.count; i++)
        if (!diags.items[i].message || !diags.items[i].message[0])
            abort();
    if (rc != 0) {
        if (jk_ruleset_rule_count(rs) != 0 || jk_ruleset_pack_count(rs) != 0 || diags.count == 0)
            abort(); /* a broken pack never half-loads, and always says why */
    } else {
        jk_scanner *sc;
        jk_scan_scratch *scratch;
        if (jk_scanner_new(rs, norm, &sc, &err) == 0) {
            if (jk_scan_scratch_new(sc, &scratch, &err))
                abort();
            for (size_t r = 0; r < jk_ruleset_rule_count(rs); r++) {
                jk_rule_info info;
                jk_ruleset_rule_info(rs, r, &info);
                for (size_t k = 0; k < info.hit_example_count; k++) {
                    jk_example_info ex;
                    jk_scan_result res;
                    jk_ruleset_rule_example(rs, r, 1, k, &ex);
                    if (jk_scanner_scan(sc, scratch, ex.text, ex.len, &res, &err) == 0)
                        for (size_t h = 0; h < res.hit_count; h++)
                            for (size_t s = 0; s < res.hits[h].span_count; s++)
                                if (res.hits[h].spans[s].end > ex.len ||
                                    res.hits[h].spans[s].start > res.hits[h].spans[s].end)
                                    abort();
                }
            }
            jk_scan_scratch_free(scratch);
            jk_scanner_free(sc);
        }
    }
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
    return 0;
}
