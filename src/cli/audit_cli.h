/*
 * audit_cli.h — writes made through the CLI go into the audit log as done
 * by "cli:<login>" (the real user running junkai), and DATA/audit.head is
 * moved forward after each one (src/server/audit_head.h).
 */
#ifndef JK_AUDIT_CLI_H
#define JK_AUDIT_CLI_H

#include <stddef.h>

#include "junkai/error.h"
#include "junkai/store.h"

/* "cli:" and the login name of getuid() ("cli:uid-N" when it has none). */
void jk_cli_audit_user(char *out, size_t size);

/* For a write made in a batch: append the entry to that batch, commit, and
 * update the head file. On failure the caller rolls back, as it would for
 * a failed commit. detail_fmt is a jansson json_pack format ("{s:s, s:I}")
 * followed by its arguments, or NULL for no detail. */
int jk_cli_audit_commit(jk_store *st, const char *data_dir, const char *action,
                        const char *target, jk_error *err, const char *detail_fmt, ...);

/* For a write already committed on its own: the entry in a batch of its
 * own, then the head file. */
int jk_cli_audit_record(jk_store *st, const char *data_dir, const char *action,
                        const char *target, jk_error *err, const char *detail_fmt, ...);

/* Only the head file (after a commit that already holds its entry). A
 * failure is printed as a warning: the write itself stands. */
void jk_cli_audit_head(jk_store *st, const char *data_dir);

#endif
