/*
 * audit_cli.c — the CLI's audit entries ("cli:<login>") and head file.
 */
#include "audit_cli.h"

#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "audit_head.h"

void jk_cli_audit_user(char *out, size_t size)
{
    uid_t uid = getuid();
    struct passwd *pw = getpwuid(uid);
    if (pw && pw->pw_name)
        snprintf(out, size, "cli:%s", pw->pw_name);
    else
        snprintf(out, size, "cli:uid-%ld", (long)uid);
}

void jk_cli_audit_head(jk_store *st, const char *data_dir)
{
    jk_error err;
    if (jk_audit_head_sync(st, data_dir, &err))
        fprintf(stderr, "junkai: warning: audit head not updated: %s\n", err.message);
}

static int commit_v(jk_store *st, const char *data_dir, const char *action, const char *target,
                    jk_error *err, const char *fmt, va_list ap)
{
    char *detail = NULL;
    if (fmt) {
        json_error_t jerr;
        json_t *j = json_vpack_ex(&jerr, 0, fmt, ap);
        if (!j)
            return jk_error_set(err, JK_EINVAL, "audit detail for %s: %s", action, jerr.text);
        detail = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        if (!detail)
            return jk_error_set(err, JK_ENOMEM, "audit detail for %s: out of memory", action);
    }
    char user[300];
    jk_cli_audit_user(user, sizeof user);
    int rc = jk_store_audit_append(st, user, action, target, detail ? detail : "", err);
    free(detail);
    if (!rc)
        rc = jk_store_commit(st, err);
    if (!rc)
        jk_cli_audit_head(st, data_dir);
    return rc;
}

int jk_cli_audit_commit(jk_store *st, const char *data_dir, const char *action,
                        const char *target, jk_error *err, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    int rc = commit_v(st, data_dir, action, target, err, detail_fmt, ap);
    va_end(ap);
    return rc;
}

int jk_cli_audit_record(jk_store *st, const char *data_dir, const char *action,
                        const char *target, jk_error *err, const char *detail_fmt, ...)
{
    int rc = jk_store_begin(st, err);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, detail_fmt);
    rc = commit_v(st, data_dir, action, target, err, detail_fmt, ap);
    va_end(ap);
    if (rc)
        jk_store_rollback(st);
    return rc;
}
