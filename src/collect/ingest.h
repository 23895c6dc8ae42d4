/*
 * ingest.h — taking posts into the store: each post is scanned, stored once
 * (deduplicated by the store) and stored with its detections. Used by
 * `junkai import` and by every collector, inside the caller's batch.
 */
#ifndef JK_INGEST_H
#define JK_INGEST_H

#include <jansson.h>

#include "buf.h"
#include "extract.h"
#include "intel_match.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"
#include "junkai/store.h"

typedef struct jk_ingest {
    jk_store *store;
    const jk_scanner *scanner;
    const jk_ruleset *rules;
    jk_scan_scratch *scratch;
    jk_indicator_list indicators; /* reused for every post */
    jk_intel *intel;              /* the store's intel lists, loaded at init */
    jk_intel_hits intel_hits;     /* reused for every post */
    long fresh, seen, hits, skipped;
    int64_t last_item_id; /* the item the last jk_ingest_post stored or found */
} jk_ingest;

int jk_ingest_init(jk_ingest *in, jk_store *store, const jk_scanner *scanner,
                   const jk_ruleset *rules, jk_error *err);
void jk_ingest_release(jk_ingest *in);

/* Scan and store one post, with its detections and the indicators found
 * in its text (URLs, domains, contact points: src/indicators). Indicators
 * on one of the store's intel lists are detections too (rule id
 * "intel:LIST", the list's category). JK_OK when stored or already there; JK_ELIMIT
 * when the post was skipped (counted; err says why); any other error is the
 * store's and ends the batch. */
int jk_ingest_post(jk_ingest *in, jk_item_in *item, jk_error *err);

/* Fill item from one JSONL post ("id", "text", and optionally "platform",
 * "url", "author", "posted_at", "lang"). *object must be json_decref'd by
 * the caller after the item is used; idbuf holds a numeric id as text.
 * JK_EPARSE with a message in msg when the line is not a post. */
int jk_ingest_parse_jsonl(const char *line, size_t len, jk_item_in *item, json_t **object,
                          char *idbuf, size_t idcap, jk_buf *msg);

#endif
