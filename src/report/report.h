/*
 * report.h — the kinds of report junkai drafts from a case (DESIGN.md,
 * step 7) and their stable names. The names are used in the store, the
 * API, template file names (templates/KIND.txt) and the CLI.
 *
 *   ihc       Internet Hotline Center report: the fields of its form
 *   police    a report to the police (通報): every item, URL, category,
 *             time found and evidence hashes
 *   deletion  a deletion request (送信防止措置依頼) letter, one per site
 *             operator (grouped by host)
 *   warning   a warning reply text (返信型警告), one per item
 */
#ifndef JK_REPORT_H
#define JK_REPORT_H

#include <stdbool.h>

typedef enum jk_report_kind {
    JK_REPORT_IHC,
    JK_REPORT_POLICE,
    JK_REPORT_DELETION,
    JK_REPORT_WARNING,
    JK_REPORT_KIND_COUNT
} jk_report_kind;

/* "ihc", "police", "deletion", "warning". */
const char *jk_report_kind_name(jk_report_kind kind);
/* false when name is none of them. */
bool jk_report_kind_parse(const char *name, jk_report_kind *out);

#endif
