/*
 * fuzz_rules.c — libFuzzer target for the rule-pack loader: arbitrary bytes
 * are loaded as a YAML pack, with the full normalizer or (for odd-sized
 * inputs) the identity one. Whatever happens:
 *   - every diagnostic has a file and a message;
 *   - a failed load adds nothing and says why;
 *   - a loaded pack satisfies the model's invariants (rules_model.h) that
 *     the scanner relies on, and loading it again fails on duplicate ids
 *     without changing the ruleset;
 *   - a loaded pack compiles into a scanner that can scan its own examples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/limits.h"
#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"
#include "rules_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jk_normalizer *norm_all, *norm_identity;

/* Check a condition tree; returns its height. */
static unsigned check_cond(const jk_cond *c, size_t group_count)
{
    if (!c)
        abort();
    unsigned height = 0;
    switch (c->kind) {
    case JK_COND_GROUP:
        if (c->group >= group_count || c->kid_count != 0)
            abort();
        return 1;
    case JK_COND_NOT:
        if (c->kid_count != 1)
            abort();
        break;
    case JK_COND_NEAR:
        if (c->kid_count != 2 || c->kids[0]->kind != JK_COND_GROUP ||
            c->kids[1]->kind != JK_COND_GROUP || c->n > JK_MAX_NEAR_DISTANCE)
            abort();
        break;
    case JK_COND_NOF:
        if (c->n == 0 || c->n > c->kid_count)
            abort();
        break;
    case JK_COND_AND:
    case JK_COND_OR:
        if (c->kid_count == 0)
            abort();
        break;
    default:
        abort();
    }
    for (size_t i = 0; i < c->kid_count; i++) {
        unsigned h = check_cond(c->kids[i], group_count);
        if (h > height)
            height = h;
    }
    /* at most a few nodes per nesting level */
    if (height + 1 > 4 * JK_MAX_CONDITION_DEPTH + 4)
        abort();
    return height + 1;
}

static void check_model(const jk_ruleset *rs)
{
    for (size_t r = 0; r < rs->rule_count; r++) {
        const jk_rule *rule = &rs->rules[r];
        if (!rule->id || !rule->title || rule->pack >= rs->pack_count || rule->group_count == 0 ||
            rule->group_count > JK_MAX_GROUPS_PER_RULE ||
            !(rule->weight > 0 && rule->weight <= 1) || rule->category >= JK_CATEGORY_COUNT)
            abort();
        check_cond(rule->condition, rule->group_count);
        if (rule->exclude)
            check_cond(rule->exclude, rule->group_count);
        for (size_t g = 0; g < rule->group_count; g++) {
            const jk_group *grp = &rule->groups[g];
            if (!grp->name || grp->term_count == 0 || grp->term_count > JK_MAX_TERMS_PER_GROUP)
                abort();
            for (size_t t = 0; t < grp->term_count; t++) {
                const jk_term *term = &grp->terms[t];
                if (term->pattern_len == 0 || strlen(term->pattern) != term->pattern_len ||
                    term->source_len == 0 || term->source_len > JK_MAX_TERM_BYTES ||
                    strlen(term->source) != term->source_len)
                    abort();
            }
        }
    }
}

static void count_term(void *ctx, const char *term, size_t len, int is_regex)
{
    (void)is_regex;
    if (!term || len == 0)
        abort();
    (*(size_t *)ctx)++;
}

static void scan_examples(const jk_ruleset *rs, const jk_normalizer *norm)
{
    jk_error err;
    jk_scanner *sc;
    jk_scan_scratch *scratch;
    if (jk_scanner_new(rs, norm, &sc, &err) != 0)
        return;
    if (jk_scan_scratch_new(sc, &scratch, &err))
        abort();
    for (size_t r = 0; r < jk_ruleset_rule_count(rs); r++) {
        jk_rule_info info;
        jk_ruleset_rule_info(rs, r, &info);
        for (int want = 0; want <= 1; want++) {
            size_t n = want ? info.hit_example_count : info.miss_example_count;
            for (size_t k = 0; k < n; k++) {
                jk_example_info ex;
                jk_scan_result res;
                jk_ruleset_rule_example(rs, r, want, k, &ex);
                if (jk_scanner_scan(sc, scratch, ex.text, ex.len, &res, &err) != 0)
                    continue;
                for (size_t h = 0; h < res.hit_count; h++)
                    for (size_t s = 0; s < res.hits[h].span_count; s++)
                        if (res.hits[h].spans[s].end > ex.len ||
                            res.hits[h].spans[s].start > res.hits[h].spans[s].end)
                            abort();
            }
        }
    }
    jk_scan_scratch_free(scratch);
    jk_scanner_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_error err;
    if (!norm_all && (jk_normalizer_new(JK_NORM_ALL, &norm_all, &err) ||
                      jk_normalizer_new(0, &norm_identity, &err)))
        abort();
    const jk_normalizer *norm = size & 1 ? norm_identity : norm_all;
    jk_ruleset *rs;
    if (jk_ruleset_new(&rs, &err))
        abort();
    jk_diags diags = {0};
    int rc = jk_ruleset_load_buffer(rs, norm, "fuzz.yaml", (const char *)data, size, &diags);
    for (size_t i = 0; i < diags.count; i++)
        if (!diags.items[i].file || !diags.items[i].message || !diags.items[i].message[0])
            abort();
    if (rc != 0) {
        if (jk_ruleset_rule_count(rs) != 0 || jk_ruleset_pack_count(rs) != 0 || diags.count == 0)
            abort(); /* a broken pack never half-loads, and always says why */
    } else {
        if (diags.count != 0 || jk_ruleset_pack_count(rs) != 1)
            abort();
        check_model(rs);
        size_t terms = 0;
        jk_ruleset_each_term(rs, count_term, &terms);
        size_t rules = jk_ruleset_rule_count(rs);
        if (rules > 0) {
            /* every id is now taken: the same pack again must be refused whole */
            rc = jk_ruleset_load_buffer(rs, norm, "again.yaml", (const char *)data, size, &diags);
            if (rc != JK_EPARSE || jk_ruleset_rule_count(rs) != rules ||
                jk_ruleset_pack_count(rs) != 1)
                abort();
        }
        scan_examples(rs, norm);
    }
    jk_diags_release(&diags);
    jk_ruleset_free(rs);
    return 0;
}
