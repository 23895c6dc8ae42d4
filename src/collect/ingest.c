/*
 * ingest.c — scan a post, store it and its detections (see ingest.h).
 * Must not touch: transactions (the caller's batch) or printing.
 */
#include "ingest.h"

#include <stdio.h>
#include <string.h>

#include "input.h"

int jk_ingest_init(jk_ingest *in, jk_store *store, const jk_scanner *scanner,
                   const jk_ruleset *rules, jk_error *err)
{
    memset(in, 0, sizeof *in);
    in->store = store;
    in->scanner = scanner;
    in->rules = rules;
    jk_indicator_list_init(&in->indicators);
    jk_intel_hits_init(&in->intel_hits);
    int rc = jk_intel_load(store, &in->intel, err);
    return rc ? rc : jk_scan_scratch_new(scanner, &in->scratch, err);
}

void jk_ingest_release(jk_ingest *in)
{
    jk_scan_scratch_free(in->scratch);
    in->scratch = NULL;
    jk_indicator_list_release(&in->indicators);
    jk_intel_hits_release(&in->intel_hits);
    jk_intel_free(in->intel);
    in->intel = NULL;
}

int jk_ingest_post(jk_ingest *in, jk_item_in *item, jk_error *err)
{
    jk_scan_result res;
    if (jk_scanner_scan(in->scanner, in->scratch, item->text, item->text_len, &res, err)) {
        in->skipped++;
        return JK_ELIMIT;
    }
    item->normalized = res.normalized->text;
    item->normalized_len = res.normalized->len;
    int64_t id;
    bool is_new;
    int rc = jk_store_add_item(in->store, item, &id, &is_new, err);
    if (rc)
        return rc;
    in->last_item_id = id;
    if (!is_new) {
        in->seen++;
        return JK_OK;
    }
    in->fresh++;
    for (size_t i = 0; i < res.hit_count; i++) {
        jk_rule_info info;
        jk_pack_info pack;
        jk_ruleset_rule_info(in->rules, res.hits[i].rule, &info);
        jk_ruleset_pack_info(in->rules, info.pack, &pack);
        if ((rc = jk_store_add_detection(in->store, id, &res.hits[i], pack.version, err)))
            return rc;
    }
    /* Indicators: a text with more than the limit keeps the ones found
     * (the list is filled up to it); other failures cannot happen on text
     * the scanner accepted. */
    jk_indicator_list_release(&in->indicators);
    jk_error ignored;
    jk_indicators_extract(item->text, item->text_len, &in->indicators, &ignored);
    for (size_t i = 0; i < in->indicators.count; i++) {
        const jk_indicator *ind = &in->indicators.items[i];
        if ((rc = jk_store_add_indicator(in->store, id, jk_indicator_type_name(ind->type),
                                         ind->value, ind->start, ind->end, err)))
            return rc;
    }
    /* with no lists loaded this is one test: the hot path stays as it was */
    in->intel_hits.count = 0;
    if (jk_intel_entry_count(in->intel))
        jk_intel_match(in->intel, &in->indicators, &in->intel_hits);
    for (size_t i = 0; i < in->intel_hits.count; i++)
        if ((rc = jk_store_add_detection(in->store, id, &in->intel_hits.hits[i],
                                         in->intel_hits.versions[i], err)))
            return rc;
    in->hits += res.hit_count > 0 || in->intel_hits.count > 0;
    return JK_OK;
}

static const char *json_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int jk_ingest_parse_jsonl(const char *line, size_t len, jk_item_in *item, json_t **object,
                          char *idbuf, size_t idcap, jk_buf *msg)
{
    jk_jsonl_item parsed;
    *object = NULL;
    if (jk_jsonl_parse(line, len, &parsed, msg))
        return JK_EPARSE;
    json_t *id = json_object_get(parsed.object, "id");
    if (json_is_integer(id)) {
        snprintf(idbuf, idcap, "%lld", (long long)json_integer_value(id));
        item->external_id = idbuf;
    } else {
        item->external_id = json_string_value(id);
    }
    item->text = parsed.text;
    item->text_len = parsed.text_len;
    item->platform = json_str(parsed.object, "platform");
    item->url = json_str(parsed.object, "url");
    item->author = json_str(parsed.object, "author");
    item->posted_at = json_str(parsed.object, "posted_at");
    item->lang = json_str(parsed.object, "lang");
    *object = parsed.object;
    return JK_OK;
}
