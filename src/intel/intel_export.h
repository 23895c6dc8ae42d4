/*
 * intel_export.h — the store's indicators written for sharing with
 * partners (docs/intel.md, "Export"): a STIX 2.1 bundle, a MISP event,
 * or CSV (type,value,first_seen,last_seen,items).
 *
 * What is exported: every distinct indicator of the items that have at
 * least one detection (rule or intel hit). There are no confirmed
 * decisions yet (the workbench adds them); until then a detection is the
 * bar. No printing: the text is written into a buffer.
 */
#ifndef JK_INTEL_EXPORT_H
#define JK_INTEL_EXPORT_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "intel.h"
#include "junkai/store.h"

typedef struct jk_intel_export_stats {
    long written; /* indicators written */
    long left_out; /* indicators whose type the format cannot carry (STIX: contact points, wallets) */
} jk_intel_export_stats;

/* Write the export into out (appended). now is the export time (STIX
 * created/modified, MISP event date). defang writes values in their
 * defanged form (hxxp, [.]) for pasting into mail and tickets: a
 * defanged STIX or MISP file names the indicators but no tool will match
 * them. */
int jk_intel_export(jk_store *st, jk_intel_format format, bool defang, time_t now, jk_buf *out,
                    jk_intel_export_stats *stats, jk_error *err);

/* The STIX id of an indicator of `type` with canonical `value`:
 * "indicator--" and a UUID derived from them (BLAKE2b, shaped as an RFC
 * 9562 version 4 UUID), so exporting again names the same indicator with
 * the same id. out must hold 48 bytes. */
void jk_intel_stix_id(const char *prefix, const char *type, const char *value, char out[64]);

#endif
