/*
 * generate.h — drafting a case's reports: the context of a case (its
 * items, their hits, evidence hashes, the organization filing) rendered
 * through the kind's template (templates/KIND.txt, an admin's copy in
 * DATA/templates/ first) and its field list (KIND.fields: the form's fields
 * and the CSV columns). One document per case for ihc and police, one per
 * site (host) for deletion, one per item for warning; each stored as a new
 * draft (jk_store_report_add: earlier unsent drafts of the same document
 * are superseded).
 *
 * And their downloads: the text as drafted, the CSV of the stored fields
 * (UTF-8 with BOM, formula-guarded), the PDF of the text.
 */
#ifndef JK_GENERATE_H
#define JK_GENERATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/case.h"
#include "junkai/error.h"
#include "junkai/store.h"
#include "report.h"

/* Who files the reports (junkai.yaml organization:); NULL strings are
 * empty. */
typedef struct jk_report_org {
    const char *name, *department, *contact_name, *email, *phone, *address;
} jk_report_org;

typedef struct jk_report_env {
    jk_store *store;
    const char *templates_dir;         /* the admin's: DATA/templates; may be NULL */
    const char *default_templates_dir; /* the shipped ones; NULL: compiled in */
    const jk_report_org *org;          /* may be NULL */
    const char *user;                  /* who drafts (required) */
    int64_t now_unix;                  /* 0: now */
} jk_report_env;

/* Draft every document of one kind for a case, inside the caller's batch.
 * *ids (malloc'd) gets the new reports' ids, *count how many. JK_ENOTFOUND
 * for no such case, JK_EINVAL for a case without items, JK_EPARSE for a
 * broken template (err names file:line:column). */
int jk_report_generate(const jk_report_env *env, int64_t case_id, jk_report_kind kind,
                       int64_t **ids, size_t *count, jk_error *err);

/* The context a case's documents are rendered from (every item); for the
 * template test and `junkai report context`. Caller owns the result. */
int jk_report_context(const jk_report_env *env, int64_t case_id, jk_report_kind kind, json_t **out,
                      jk_error *err);

/* Where KIND.SUFFIX is read from (the admin's directory when the file is
 * there); out gets the path. */
void jk_report_template_path(const jk_report_env *env, jk_report_kind kind, const char *suffix,
                             char *out, size_t size);

/* The CSV of a stored report's fields ({"columns":[…],"rows":[[…],…]}). */
int jk_report_csv(const char *fields_json, jk_buf *out, jk_error *err);
/* The PDF of a stored report's text. */
int jk_report_pdf(const jk_report_row *r, jk_buf *out, jk_error *err);

#endif
