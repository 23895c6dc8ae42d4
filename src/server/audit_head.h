/*
 * audit_head.h — the audit log's head kept outside the database:
 * DATA/audit.head holds the id and hash of the newest entry, replaced
 * atomically after every write. The hash chain alone cannot show entries
 * cut off its end; a head the table no longer reaches does. Whoever can
 * rewrite both the file and the table can still forge both, so the head
 * can also be printed (`junkai verify --print-head`) and kept elsewhere.
 */
#ifndef JK_AUDIT_HEAD_H
#define JK_AUDIT_HEAD_H

#include <stdint.h>

#include "junkai/error.h"
#include "junkai/store.h"

#define JK_AUDIT_HEAD_FILE "audit.head"

/* Read DATA/audit.head: JK_ENOTFOUND when there is none, JK_EPARSE when
 * it is no head file (naming the path). */
int jk_audit_head_read(const char *data_dir, int64_t *id, char hash[65], jk_error *err);

/* The newest entry's id and hash (0 and "" when the log is empty). */
int jk_audit_head_of_store(jk_store *st, int64_t *id, char hash[65], jk_error *err);

/* Bring DATA/audit.head up to the store's newest entry: written to a
 * temporary file, fsync'd, renamed over the old one, directory fsync'd,
 * under an exclusive lock on the directory. The head only moves forward:
 * a store whose newest entry is older than the file's (entries removed)
 * leaves the file as it is, so the removal stays visible. Call after the
 * transaction holding the entry has committed. */
int jk_audit_head_sync(jk_store *st, const char *data_dir, jk_error *err);

#endif
