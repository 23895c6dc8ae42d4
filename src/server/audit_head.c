/*
 * audit_head.c — DATA/audit.head: the audit log's newest id and hash kept
 * beside the database, so cutting entries off the end of the log shows.
 */
#include "audit_head.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_TAG "junkai-audit-head-1"

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int jk_audit_head_read(const char *data_dir, int64_t *id, char hash[65], jk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir, JK_AUDIT_HEAD_FILE);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return jk_error_set(err, JK_ENOTFOUND, "%s: no audit head file", path);
        return jk_error_set(err, JK_EIO, "%s: %s", path, strerror(errno));
    }
    char line[256];
    char tag[32], hex[80];
    long long n = 0;
    bool ok = fgets(line, sizeof line, f) &&
              sscanf(line, "%31s %lld %79s", tag, &n, hex) == 3 && strcmp(tag, HEAD_TAG) == 0 &&
              n > 0 && is_hex64(hex);
    fclose(f);
    if (!ok)
        return jk_error_set(err, JK_EPARSE, "%s: not an audit head file (expected \"%s ID HASH\")",
                            path, HEAD_TAG);
    *id = (int64_t)n;
    memcpy(hash, hex, 65);
    return JK_OK;
}

typedef struct head_get {
    int64_t id;
    char hash[65];
} head_get;

static int take_head(void *p, const jk_audit_entry *e)
{
    head_get *h = p;
    h->id = e->id;
    snprintf(h->hash, sizeof h->hash, "%s", e->hash ? e->hash : "");
    return 1;
}

int jk_audit_head_of_store(jk_store *st, int64_t *id, char hash[65], jk_error *err)
{
    head_get h = {0, ""};
    int rc = jk_store_audit_list(st, 1, 0, take_head, &h, err);
    if (rc)
        return rc;
    *id = h.id;
    memcpy(hash, h.hash, 65);
    return JK_OK;
}

/* Whether the entry the file names is still in the store, unchanged. The
 * ids are contiguous from 1 in an intact log, so it sits at offset
 * (newest - id) newest first; anything else counts as not found. */
static int store_has(jk_store *st, int64_t newest, int64_t id, const char *hash, bool *has,
                     jk_error *err)
{
    *has = false;
    if (id > newest)
        return JK_OK;
    head_get h = {0, ""};
    int rc = jk_store_audit_list(st, 1, (size_t)(newest - id), take_head, &h, err);
    if (rc)
        return rc;
    *has = h.id == id && strcmp(h.hash, hash) == 0;
    return JK_OK;
}

static int write_head(int dirfd, const char *data_dir, int64_t id, const char *hash,
                      jk_error *err)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", JK_AUDIT_HEAD_FILE, (long)getpid());
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return jk_error_set(err, JK_EIO, "%s/%s: %s", data_dir, tmp, strerror(errno));
    char text[128];
    int len = snprintf(text, sizeof text, "%s %" PRId64 " %s\n", HEAD_TAG, id, hash);
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0)
        ok = false;
    if (ok && renameat(dirfd, tmp, dirfd, JK_AUDIT_HEAD_FILE) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok) {
        unlinkat(dirfd, tmp, 0);
        return jk_error_set(err, JK_EIO, "%s/%s: %s", data_dir, JK_AUDIT_HEAD_FILE,
                            strerror(saved));
    }
    if (fsync(dirfd) != 0)
        return jk_error_set(err, JK_EIO, "%s: fsync: %s", data_dir, strerror(errno));
    return JK_OK;
}

int jk_audit_head_sync(jk_store *st, const char *data_dir, jk_error *err)
{
    int dirfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return jk_error_set(err, JK_EIO, "%s: %s", data_dir, strerror(errno));
    /* One writer at a time (CLI runs and the server's threads), so a
     * slower writer never puts an older head back. */
    if (flock(dirfd, LOCK_EX) != 0) {
        int e = errno;
        close(dirfd);
        return jk_error_set(err, JK_EIO, "%s: lock: %s", data_dir, strerror(e));
    }
    int64_t newest;
    char hash[65];
    int rc = jk_audit_head_of_store(st, &newest, hash, err);
    if (rc || newest == 0)
        goto done;
    int64_t old_id;
    char old_hash[65];
    rc = jk_audit_head_read(data_dir, &old_id, old_hash, err);
    if (rc == JK_ENOTFOUND) {
        rc = write_head(dirfd, data_dir, newest, hash, err);
    } else if (rc == JK_OK && newest > old_id) {
        bool has;
        rc = store_has(st, newest, old_id, old_hash, &has, err);
        /* The entry the head names is gone or changed: keep the file as it
         * is, so `junkai verify` still sees the break. */
        if (!rc && has)
            rc = write_head(dirfd, data_dir, newest, hash, err);
    }
    /* A damaged head file (JK_EPARSE) is left for verify to report. */
    if (rc == JK_EPARSE)
        rc = JK_OK;
done:
    flock(dirfd, LOCK_UN);
    close(dirfd);
    return rc;
}
