/*
 * tip.h — a citizen's tip (通報・相談) as an intake desk enters it: a URL, a
 * note of what it is, how to reach the sender. Stored as an item of
 * platform "tip" whose text is the note and the URL (what is scanned), so it
 * enters the same review queue as any post. Used by `junkai tip` and by the
 * server's POST /api/tips, inside the caller's batch.
 */
#ifndef JK_TIP_H
#define JK_TIP_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest.h"

#define JK_TIP_FIELD_MAX 4000 /* bytes of the URL, the note, the contact */

typedef struct jk_tip {
    const char *url;     /* http:// or https:// (required) */
    const char *note;    /* what it is; NULL = "" */
    const char *contact; /* how to reach the sender; may be NULL */
} jk_tip;

typedef struct jk_tip_result {
    int64_t item_id;
    bool fresh;   /* stored now (false: the same URL and note were already there) */
    bool scanned; /* false when no scanner was given */
    bool hits;    /* a rule or intel list matched */
} jk_tip_result;

/* JK_OK, or JK_EINVAL with a message naming the field. */
int jk_tip_check(const jk_tip *tip, jk_error *err);

/* Store the tip. With in (an initialized jk_ingest) it is scanned and its
 * detections and indicators stored like a post's; with in NULL it is stored
 * unscanned into store. Transactions are the caller's. */
int jk_tip_store(jk_store *store, jk_ingest *in, const jk_tip *tip, jk_tip_result *out,
                 jk_error *err);

#endif
