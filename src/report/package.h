/*
 * package.h — a case's evidence package: one .tar.gz a supervisor hands
 * to the police or keeps with the file, checkable without junkai.
 *
 *   README.txt           what it is and how to check it
 *   case.json            the case, its items (text, hits, evidence rows),
 *                        notes, reports and history (audit entries with
 *                        their chain hashes)
 *   items/ID.txt         each item's text as collected
 *   evidence/…           every evidence file of its items, as stored
 *   reports/ID-KIND.txt  each report's text as drafted (and approved/sent)
 *   manifest.json        every file above with its SHA-256 and size
 *   SHA256SUMS           the same in `sha256sum -c` form
 *
 * jk_package_verify reads one back: every listed file present with its
 * hash, nothing unlisted, each evidence file carrying the SHA-256 its name
 * and case.json record, manifest and SHA256SUMS agreeing.
 */
#ifndef JK_PACKAGE_H
#define JK_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"
#include "junkai/store.h"

/* The package of case_id into out; data_dir holds evidence/. Evidence
 * files that cannot be read are not left out silently: the call fails
 * naming the file (JK_EIO). JK_ENOTFOUND for no such case. */
int jk_package_write(jk_store *st, int64_t case_id, const char *data_dir, const char *user,
                     jk_buf *out, jk_error *err);

/* One problem found in a package: the file it concerns ("" for the
 * package itself) and what is wrong. */
typedef void (*jk_package_problem_fn)(void *ctx, const char *name, const char *message);

/* Check the package at path. *files gets how many files were checked,
 * *problems how many problems were reported through fn. JK_EIO/JK_EPARSE
 * only when the file is not a readable package at all. */
int jk_package_verify(const char *path, jk_package_problem_fn fn, void *ctx, size_t *files,
                      size_t *problems, jk_error *err);

#endif
