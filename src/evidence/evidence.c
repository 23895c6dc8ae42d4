/*
 * evidence.c — the evidence sink (evidence.h): one WARC file per HTTP
 * exchange, content-addressed under DATA/evidence, recorded in the store.
 *
 * One file per exchange rather than per patrol run: a file can only be
 * named by its hash once it is complete, and an item is committed (and
 * linked to its evidence) right after its page is fetched; a per-run file
 * would leave those links pointing at nothing until the run ends, and a
 * killed patrol would lose its evidence.
 */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "warc.h"

#ifndef JK_VERSION
#define JK_VERSION "0.1"
#endif

#define WARC_1_1_SPEC                                                                              \
    "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

struct jk_evidence_sink {
    char *data_dir;
    char *evidence_dir;
    jk_store *store;
    char *operator_;
    void (*log)(void *ctx, const char *message);
    void *log_ctx;
    int64_t run_id, source_id;
    char *source_name;
    bool keep;
    int64_t *pending;
    size_t pending_count, pending_cap;
    long written, errors;
};

/* ---- the WARC file of one exchange ---- */

static void put_warc_field(jk_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    /* a value with a line break would forge fields: cut it there */
    jk_buf_printf(b, "%s: %.*s\r\n", name, (int)strcspn(value, "\r\n"), value);
}

int jk_evidence_warc(const jk_evidence_meta *meta, const jk_http_exchange *x, jk_buf *out,
                     jk_error *err)
{
    char date[32], info_id[48], request_id[48], response_id[48], meta_id[48];
    jk_warc_date(x->fetched_unix_ms, date);
    jk_warc_new_record_id(info_id);
    jk_warc_new_record_id(request_id);
    jk_warc_new_record_id(response_id);
    jk_warc_new_record_id(meta_id);
    const char *target = x->url && !strpbrk(x->url, "\r\n") ? x->url : NULL;
    const char *ip = x->remote_ip && *x->remote_ip ? x->remote_ip : NULL;

    jk_buf info, block, fields;
    jk_buf_init(&info, 0);
    jk_buf_init(&block, 0);
    jk_buf_init(&fields, 0);
    put_warc_field(&info, "software", "junkai/" JK_VERSION);
    put_warc_field(&info, "format", "WARC File Format 1.1");
    put_warc_field(&info, "conformsTo", WARC_1_1_SPEC);
    put_warc_field(&info, "operator", meta->operator_ && *meta->operator_ ? meta->operator_ : NULL);
    put_warc_field(&info, "description", "one HTTP exchange of a junkai patrol");

    jk_warc_out rec;
    memset(&rec, 0, sizeof rec);
    rec.type = "warcinfo";
    rec.record_id = info_id;
    rec.date = date;
    rec.content_type = "application/warc-fields";
    rec.block = info.data;
    rec.block_len = info.len;
    int rc = jk_warc_append(out, &rec, true, err);

    if (!rc) {
        jk_buf_append(&block, x->request_headers, x->request_headers_len);
        if (x->request_body_len)
            jk_buf_append(&block, x->request_body, x->request_body_len);
        memset(&rec, 0, sizeof rec);
        rec.type = "request";
        rec.record_id = request_id;
        rec.date = date;
        rec.target_uri = target;
        rec.ip_address = ip;
        rec.concurrent_to = response_id;
        rec.warcinfo_id = info_id;
        rec.content_type = "application/http;msgtype=request";
        rec.block = block.data;
        rec.block_len = block.len;
        rec.http = true;
        rc = jk_warc_append(out, &rec, true, err);
    }
    if (!rc) {
        jk_buf_reset(&block);
        jk_buf_append(&block, x->response_headers, x->response_headers_len);
        if (x->raw_body_len)
            jk_buf_append(&block, x->raw_body, x->raw_body_len);
        memset(&rec, 0, sizeof rec);
        rec.type = "response";
        rec.record_id = response_id;
        rec.date = date;
        rec.target_uri = target;
        rec.ip_address = ip;
        rec.warcinfo_id = info_id;
        rec.content_type = "application/http;msgtype=response";
        rec.truncated = x->truncated ? "length" : NULL;
        rec.block = block.data;
        rec.block_len = block.len;
        rec.http = true;
        rc = jk_warc_append(out, &rec, true, err);
    }
    if (!rc) {
        char when[32];
        jk_warc_date(x->fetched_unix_ms, when);
        if (meta->run_id)
            jk_buf_printf(&fields, "patrol-run: %lld\r\n", (long long)meta->run_id);
        put_warc_field(&fields, "source", meta->source_name);
        if (meta->source_id)
            jk_buf_printf(&fields, "source-id: %lld\r\n", (long long)meta->source_id);
        put_warc_field(&fields, "operator",
                       meta->operator_ && *meta->operator_ ? meta->operator_ : NULL);
        put_warc_field(&fields, "fetch-time", when);
        put_warc_field(&fields, "remote-ip", ip);
        jk_buf_printf(&fields, "http-status: %ld\r\n", x->status);
        put_warc_field(&fields, "truncated", x->truncated ? "true" : "false");
        memset(&rec, 0, sizeof rec);
        rec.type = "metadata";
        rec.record_id = meta_id;
        rec.date = date;
        rec.target_uri = target;
        rec.concurrent_to = response_id;
        rec.warcinfo_id = info_id;
        rec.content_type = "application/warc-fields";
        rec.block = fields.data;
        rec.block_len = fields.len;
        rc = jk_warc_append(out, &rec, true, err);
    }
    jk_buf_release(&info);
    jk_buf_release(&block);
    jk_buf_release(&fields);
    return rc;
}

/* ---- content-addressed files ---- */

static int make_dir(const char *path, jk_error *err)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return jk_error_set(err, JK_EIO, "evidence: cannot create %s: %s", path, strerror(errno));
    return JK_OK;
}

/* fsync a directory so a rename or link into it survives a crash. */
static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int jk_evidence_store_file(const char *evidence_dir, const void *data, size_t len, char sha_hex[65],
                           char **rel_path, jk_error *err)
{
    return jk_evidence_store_blob(evidence_dir, data, len, ".warc.gz", sha_hex, rel_path, err);
}

const char *jk_evidence_kind_suffix(const char *kind)
{
    static const struct {
        const char *kind, *suffix;
    } kinds[] = {
        {"http", ".warc.gz"},  {"submission", ".warc.gz"}, {"screenshot", ".png"},
        {"dom", ".html"},      {"mhtml", ".mhtml"},        {"capture", ".json"},
    };
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].suffix;
    return NULL;
}

int jk_evidence_store_blob(const char *evidence_dir, const void *data, size_t len,
                           const char *suffix, char sha_hex[65], char **rel_path, jk_error *err)
{
    *rel_path = NULL;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(sha_hex, 65, digest, sizeof digest);

    jk_buf path, tmp;
    jk_buf_init(&path, 0);
    jk_buf_init(&tmp, 0);
    int rc = make_dir(evidence_dir, err);
    jk_buf_printf(&path, "%s/sha256", evidence_dir);
    if (!rc)
        rc = make_dir(path.data, err);
    jk_buf_printf(&path, "/%.2s", sha_hex);
    if (!rc)
        rc = make_dir(path.data, err);
    jk_buf_printf(&path, "/%.2s", sha_hex + 2);
    if (!rc)
        rc = make_dir(path.data, err);
    size_t dir_len = path.len;
    jk_buf_printf(&path, "/%s%s", sha_hex, suffix);
    jk_buf_printf(&tmp, "%s/tmp", evidence_dir);
    if (!rc)
        rc = make_dir(tmp.data, err);
    jk_buf_puts(&tmp, "/file-XXXXXX");
    if (rc)
        goto done;

    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = jk_error_set(err, JK_EIO, "evidence: cannot create a file in %s/tmp: %s", evidence_dir,
                          strerror(errno));
        goto done;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0 || fchmod(fd, 0444) != 0) {
        rc = jk_error_set(err, JK_EIO, "evidence: cannot write %s: %s", tmp.data, strerror(errno));
        close(fd);
        unlink(tmp.data);
        goto done;
    }
    close(fd);
    /* link(), not rename(): it never replaces an existing file. A file
     * already there has this very name, so it holds these very bytes. */
    if (link(tmp.data, path.data) != 0 && errno != EEXIST) {
        rc = jk_error_set(err, JK_EIO, "evidence: cannot store %s: %s", path.data, strerror(errno));
        unlink(tmp.data);
        goto done;
    }
    unlink(tmp.data);
    path.data[dir_len] = '\0';
    sync_dir(path.data);
    jk_buf_reset(&tmp);
    jk_buf_printf(&tmp, "sha256/%.2s/%.2s/%s%s", sha_hex, sha_hex + 2, sha_hex, suffix);
    *rel_path = tmp.data;
    jk_buf_init(&tmp, 0);
done:
    jk_buf_release(&path);
    jk_buf_release(&tmp);
    return rc;
}

/* ---- the sink ---- */

jk_evidence_sink *jk_evidence_sink_new(const char *data_dir, jk_store *store, const char *operator_,
                                       void (*log)(void *ctx, const char *message), void *log_ctx)
{
    if (sodium_init() < 0)
        return NULL;
    jk_evidence_sink *s = jk_calloc(1, sizeof *s);
    s->data_dir = jk_strdup(data_dir);
    jk_buf d;
    jk_buf_init(&d, 0);
    jk_buf_printf(&d, "%s/evidence", data_dir);
    s->evidence_dir = d.data;
    s->store = store;
    s->operator_ = operator_ && *operator_ ? jk_strdup(operator_) : NULL;
    s->log = log;
    s->log_ctx = log_ctx;
    return s;
}

void jk_evidence_sink_free(jk_evidence_sink *s)
{
    if (!s)
        return;
    free(s->data_dir);
    free(s->evidence_dir);
    free(s->operator_);
    free(s->source_name);
    free(s->pending);
    free(s);
}

void jk_evidence_sink_source(jk_evidence_sink *s, int64_t run_id, int64_t source_id,
                             const char *source_name, bool keep)
{
    s->run_id = run_id;
    s->source_id = source_id;
    free(s->source_name);
    s->source_name = source_name ? jk_strdup(source_name) : NULL;
    s->keep = keep;
    s->pending_count = 0;
}

static void sink_fail(jk_evidence_sink *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sink_fail(jk_evidence_sink *s, const char *fmt, ...)
{
    s->errors++;
    if (!s->log)
        return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->log_ctx, line);
}

void jk_evidence_on_exchange(void *ctx, const jk_http_exchange *x)
{
    jk_evidence_sink *s = ctx;
    if (!s || !s->keep)
        return;
    jk_evidence_meta meta = {s->run_id, s->source_id, s->source_name, s->operator_};
    jk_buf warc;
    jk_buf_init(&warc, 0);
    jk_error err;
    jk_error_clear(&err);
    char sha[65];
    char *rel = NULL;
    int rc = jk_evidence_warc(&meta, x, &warc, &err);
    if (!rc)
        rc = jk_evidence_store_file(s->evidence_dir, warc.data, warc.len, sha, &rel, &err);
    if (rc) {
        sink_fail(s, "source %s: evidence of %s not kept: %s",
                  s->source_name ? s->source_name : "?", x->url ? x->url : "?", err.message);
        jk_buf_release(&warc);
        return;
    }
    jk_buf path;
    jk_buf_init(&path, 0);
    jk_buf_printf(&path, "evidence/%s", rel);
    jk_evidence_in ev;
    memset(&ev, 0, sizeof ev);
    ev.sha256 = sha;
    ev.path = path.data;
    ev.kind = "http";
    ev.url = x->url;
    ev.run_id = s->run_id;
    ev.source_id = s->source_id;
    ev.size = (int64_t)warc.len;
    char fetched[32];
    jk_warc_date(x->fetched_unix_ms, fetched);
    ev.captured_at = fetched;
    ev.operator_ = s->operator_;
    int64_t id = 0;
    rc = jk_store_evidence_add(s->store, &ev, &id, &err);
    if (rc) {
        sink_fail(s, "source %s: evidence file %s/%s not recorded: %s",
                  s->source_name ? s->source_name : "?", s->data_dir, path.data, err.message);
    } else {
        s->written++;
        jk_grow((void **)&s->pending, &s->pending_cap, s->pending_count + 1, sizeof *s->pending);
        s->pending[s->pending_count++] = id;
    }
    free(rel);
    jk_buf_release(&path);
    jk_buf_release(&warc);
}

const int64_t *jk_evidence_sink_pending(const jk_evidence_sink *s, size_t *count)
{
    *count = s ? s->pending_count : 0;
    return s ? s->pending : NULL;
}

void jk_evidence_sink_clear(jk_evidence_sink *s)
{
    if (s)
        s->pending_count = 0;
}

long jk_evidence_sink_written(const jk_evidence_sink *s)
{
    return s ? s->written : 0;
}

long jk_evidence_sink_errors(const jk_evidence_sink *s)
{
    return s ? s->errors : 0;
}
