/*
 * package.c — writing and checking a case's evidence package (package.h)
 * with libarchive (pax tar, gzip). The package is built in memory: cases
 * hold tens of items, not gigabytes.
 */
#include "package.h"

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "generate.h"
#include "junkai/case.h"

#define PACKAGE_FORMAT "junkai-evidence-package/1"
#define PACKAGE_FILE_MAX (512u << 20)
/* Names are looked up by a linear search (packages hold tens to thousands of
 * files); the cap keeps a hostile archive from making that quadratic. */
#define PACKAGE_ENTRIES_MAX 20000

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, data, len);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- writing ---- */

typedef struct writer {
    struct archive *a;
    json_t *files; /* [{path, sha256, size}] */
    jk_buf sums;
    time_t mtime;
    jk_error *err;
} writer;

static la_ssize_t to_buf(struct archive *a, void *p, const void *data, size_t len)
{
    (void)a;
    return jk_buf_append(p, data, len) ? -1 : (la_ssize_t)len;
}

/* Add a file to the archive; a listed one also goes into SHA256SUMS and the
 * manifest, with what meta says of it (stolen; may be NULL). */
static int put_file(writer *w, const char *path, const void *data, size_t len, bool listed,
                    json_t *meta)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0444);
    archive_entry_set_mtime(e, w->mtime, 0);
    int rc = JK_OK;
    if (archive_write_header(w->a, e) != ARCHIVE_OK ||
        (len && archive_write_data(w->a, data, len) != (la_ssize_t)len))
        rc = jk_error_set(w->err, JK_EIO, "package: %s: %s", path, archive_error_string(w->a));
    archive_entry_free(e);
    if (rc || !listed) {
        json_decref(meta);
        return rc;
    }
    char hex[65];
    sha256_hex(data, len, hex);
    json_t *entry =
        json_pack("{s:s, s:s, s:I}", "path", path, "sha256", hex, "size", (json_int_t)len);
    if (meta)
        json_object_update(entry, meta);
    json_decref(meta);
    json_array_append_new(w->files, entry);
    jk_buf_printf(&w->sums, "%s  %s\n", hex, path);
    return JK_OK;
}

static const char *member(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : "-";
}

/* MANIFEST.txt: the manifest for people, one file per line with its hash,
 * size, when it was captured or made and by whom, and what it is. */
static int put_manifest_text(writer *w, int64_t case_id, const char *now, const char *user)
{
    jk_buf t;
    jk_buf_init(&t, 0);
    jk_buf_printf(&t,
                  "junkai evidence package: case %lld, made %s by %s\n"
                  "Every file with its SHA-256, size, when it was captured (or made), by whom,\n"
                  "and what it is. Check them with: sha256sum -c SHA256SUMS\n\n",
                  (long long)case_id, now, user && *user ? user : "-");
    size_t i;
    json_t *f;
    json_array_foreach(w->files, i, f)
    {
        json_t *item = json_object_get(f, "item");
        char what[64] = "";
        if (json_is_integer(item))
            snprintf(what, sizeof what, " item %lld", (long long)json_integer_value(item));
        jk_buf_printf(&t, "%s  %10lld  %-20s  %-24s  %s  (%s%s%s%s)\n", member(f, "sha256"),
                      (long long)json_integer_value(json_object_get(f, "size")),
                      member(f, "captured_at"), member(f, "operator"), member(f, "path"),
                      member(f, "kind"), what, json_object_get(f, "url") ? " " : "",
                      json_object_get(f, "url") ? member(f, "url") : "");
    }
    int rc = put_file(w, "MANIFEST.txt", t.data ? t.data : "", t.len, true,
                      json_pack("{s:s}", "kind", "manifest"));
    jk_buf_release(&t);
    return rc;
}

static int put_json(writer *w, const char *path, json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return jk_error_set(w->err, JK_ENOMEM, "package: %s: out of memory", path);
    size_t len = strlen(text);
    int rc = put_file(w, path, text, len, true, json_pack("{s:s}", "kind", "record"));
    free(text);
    return rc;
}

static int read_whole(const char *path, jk_buf *out, jk_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return jk_error_set(err, JK_EIO, "evidence file %s cannot be read", path);
    char chunk[65536];
    size_t n;
    int rc = JK_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (out->len + n > PACKAGE_FILE_MAX || jk_buf_append(out, chunk, n))
            rc = jk_error_set(err, JK_ELIMIT, "evidence file %s is too large", path);
    if (!rc && ferror(fp))
        rc = jk_error_set(err, JK_EIO, "evidence file %s: read failed", path);
    fclose(fp);
    return rc;
}

static int add_note(void *p, const jk_case_note *n)
{
    json_array_append_new(p, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)n->id, "user",
                                       n->user ? n->user : "", "text", n->text ? n->text : "", "at",
                                       n->at ? n->at : ""));
    return 0;
}

typedef struct report_list {
    json_t *meta;
    writer *w;
    int rc;
} report_list;

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int add_report(void *p, const jk_report_row *r)
{
    report_list *l = p;
    char path[96];
    snprintf(path, sizeof path, "reports/%lld-%s.txt", (long long)r->id, r->kind);
    json_array_append_new(
        l->meta,
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                  (json_int_t)r->id, "kind", r->kind, "doc_key", r->doc_key, "title", r->title,
                  "status", r->status, "body_sha256", r->body_sha256, "file", path, "created_by",
                  r->created_by, "created_at", str_or_null(r->created_at), "approved_by",
                  str_or_null(r->approved_by), "approved_at", str_or_null(r->approved_at),
                  "sent_at", str_or_null(r->sent_at), "sent_via", str_or_null(r->sent_via)));
    if (!l->rc)
        l->rc =
            put_file(l->w, path, r->body, r->body_len, true,
                     json_pack("{s:s, s:I, s:s, s:s, s:o, s:o}", "kind", "report", "report",
                               (json_int_t)r->id, "captured_at", r->created_at ? r->created_at : "",
                               "operator", r->created_by ? r->created_by : "", "status",
                               str_or_null(r->status), "sent_at", str_or_null(r->sent_at)));
    return 0;
}

static int add_history(void *p, const jk_audit_entry *e)
{
    json_array_append_new(p, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                                       (json_int_t)e->id, "at", e->at, "user", e->user, "action",
                                       e->action, "detail", e->detail ? e->detail : "", "prev_hash",
                                       e->prev_hash, "hash", e->hash));
    return 0;
}

static const char readme[] =
    "junkai evidence package / 証拠パッケージ\n"
    "\n"
    "case.json      the case, its items, their hits and evidence records, notes,\n"
    "               reports and history (audit entries with their chain hashes)\n"
    "items/         each item's text as collected\n"
    "evidence/      the evidence files as kept (WARC records of each fetch,\n"
    "               screenshots, DOM snapshots), named by their SHA-256\n"
    "reports/       each report's text as drafted\n"
    "MANIFEST.txt   every file with its SHA-256, size, capture time, operator\n"
    "               and what it is (item, report, screenshot, WARC…)\n"
    "manifest.json  the same as JSON\n"
    "SHA256SUMS     the same for: sha256sum -c SHA256SUMS\n"
    "\n"
    "To check it: unpack and run `sha256sum -c SHA256SUMS`, or without\n"
    "unpacking: `junkai verify --package FILE`.\n";

int jk_package_write(jk_store *st, int64_t case_id, const char *data_dir, const char *user,
                     jk_buf *out, jk_error *err)
{
    jk_report_env env = {st, NULL, NULL, NULL, user, 0};
    json_t *ctx = NULL;
    int rc = jk_report_context(&env, case_id, JK_REPORT_POLICE, &ctx, err);
    if (rc)
        return rc;
    writer w = {archive_write_new(), json_array(), {0}, time(NULL), err};
    jk_buf_init(&w.sums, 0);
    archive_write_set_format_pax_restricted(w.a);
    archive_write_add_filter_gzip(w.a);
    if (archive_write_open2(w.a, out, NULL, to_buf, NULL, NULL) != ARCHIVE_OK)
        rc = jk_error_set(err, JK_EIO, "package: %s", archive_error_string(w.a));
    if (!rc)
        rc = put_file(&w, "README.txt", readme, sizeof readme - 1, true,
                      json_pack("{s:s}", "kind", "readme"));

    json_t *items = json_object_get(ctx, "items");
    json_t *seen = json_object(); /* an evidence file shared by items goes in once */
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (rc)
            break;
        char path[64];
        snprintf(path, sizeof path, "items/%lld.txt",
                 (long long)json_integer_value(json_object_get(item, "id")));
        json_t *text = json_object_get(item, "text");
        rc = put_file(&w, path, json_string_value(text), json_string_length(text), true,
                      json_pack("{s:s, s:O?, s:O?, s:O?, s:s}", "kind", "item", "item",
                                json_object_get(item, "id"), "url", json_object_get(item, "url"),
                                "captured_at", json_object_get(item, "fetched_at"), "operator",
                                "junkai"));
        json_object_set_new(item, "text_file", json_string(path));
        size_t k;
        json_t *ev;
        json_array_foreach(json_object_get(item, "evidence"), k, ev)
        {
            const char *rel = json_string_value(json_object_get(ev, "path"));
            if (rc || !rel || json_object_get(seen, rel))
                continue;
            if (strncmp(rel, "evidence/", 9) != 0 || strstr(rel, "..")) {
                rc = jk_error_set(err, JK_EINVAL,
                                  "evidence %lld: path \"%s\" is not below evidence/",
                                  (long long)json_integer_value(json_object_get(ev, "id")), rel);
                break;
            }
            jk_buf data;
            jk_buf_init(&data, 0);
            char full[4096];
            snprintf(full, sizeof full, "%s/%s", data_dir, rel);
            rc = read_whole(full, &data, err);
            if (!rc)
                rc = put_file(&w, rel, data.data, data.len, true,
                              json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "kind",
                                        json_object_get(ev, "kind"), "item",
                                        json_object_get(item, "id"), "url",
                                        json_object_get(ev, "url"), "captured_at",
                                        json_object_get(ev, "captured_at"), "operator",
                                        json_object_get(ev, "operator")));
            jk_buf_release(&data);
            json_object_set_new(seen, rel, json_true());
        }
    }
    json_decref(seen);

    json_t *notes = json_array(), *history = json_array();
    report_list reports = {json_array(), &w, 0};
    char target[32];
    snprintf(target, sizeof target, "case:%lld", (long long)case_id);
    if (!rc)
        rc = jk_store_case_notes(st, case_id, add_note, notes, err);
    if (!rc)
        rc = jk_store_case_reports(st, case_id, false, add_report, &reports, err);
    if (!rc)
        rc = reports.rc;
    if (!rc)
        rc = jk_store_audit_target(st, target, add_history, history, err);
    char now[21];
    jk_utc_format((int64_t)w.mtime, now);
    if (!rc) {
        json_t *doc = json_pack("{s:s, s:O, s:O, s:o, s:o, s:o}", "format", PACKAGE_FORMAT, "case",
                                json_object_get(ctx, "case"), "items", items, "notes", notes,
                                "reports", reports.meta, "history", history);
        notes = history = reports.meta = NULL;
        rc = put_json(&w, "case.json", doc);
        json_decref(doc);
    }
    if (!rc)
        rc = put_manifest_text(&w, case_id, now, user);
    if (!rc) {
        json_t *manifest = json_pack("{s:s, s:I, s:s, s:s, s:O}", "format", PACKAGE_FORMAT, "case",
                                     (json_int_t)case_id, "created_at", now, "created_by",
                                     user ? user : "", "files", w.files);
        rc = put_json(&w, "manifest.json", manifest);
        json_decref(manifest);
    }
    if (!rc)
        rc = put_file(&w, "SHA256SUMS", w.sums.data ? w.sums.data : "", w.sums.len, false, NULL);
    if (!rc && archive_write_close(w.a) != ARCHIVE_OK)
        rc = jk_error_set(err, JK_EIO, "package: %s", archive_error_string(w.a));
    archive_write_free(w.a);
    json_decref(notes);
    json_decref(history);
    json_decref(reports.meta);
    json_decref(w.files);
    jk_buf_release(&w.sums);
    json_decref(ctx);
    return rc;
}

/* ---- checking ---- */

typedef struct entry {
    char *path;
    char sha256[65];
    size_t size;
    bool listed;
} entry;

typedef struct checker {
    entry *e;
    size_t n;
    jk_buf sums, manifest, case_json;
    jk_package_problem_fn fn;
    void *ctx;
    size_t problems;
} checker;

static void problem(checker *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(checker *c, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->problems++;
    if (c->fn)
        c->fn(c->ctx, name, msg);
}

static entry *find(checker *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].path, path) == 0)
            return &c->e[i];
    return NULL;
}

static int read_entries(checker *c, const char *path, jk_error *err)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int rc = JK_OK;
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        rc = jk_error_set(err, JK_EIO, "%s: %s", path, archive_error_string(a));
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *ae;
    jk_buf data;
    jk_buf_init(&data, 0);
    int r;
    while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(ae);
        if (!name || archive_entry_filetype(ae) != AE_IFREG)
            continue;
        jk_buf_reset(&data);
        char chunk[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
            if (data.len + (size_t)n > PACKAGE_FILE_MAX || jk_buf_append(&data, chunk, (size_t)n)) {
                n = -1;
                break;
            }
        }
        if (n < 0) {
            rc = jk_error_set(err, JK_EPARSE, "%s: %s: %s", path, name,
                              archive_error_string(a) ? archive_error_string(a) : "too large");
            break;
        }
        if (find(c, name)) {
            problem(c, name, "appears twice in the package");
            continue;
        }
        if (c->n == PACKAGE_ENTRIES_MAX) {
            rc = jk_error_set(err, JK_ELIMIT, "%s: more than %d files: not a package junkai wrote",
                              path, PACKAGE_ENTRIES_MAX);
            break;
        }
        entry *ne = realloc(c->e, (c->n + 1) * sizeof *ne);
        if (!ne) {
            rc = jk_error_set(err, JK_ENOMEM, "out of memory");
            break;
        }
        c->e = ne;
        entry *e = &c->e[c->n++];
        e->path = strdup(name);
        if (!e->path) {
            c->n--;
            rc = jk_error_set(err, JK_ENOMEM, "out of memory");
            break;
        }
        e->size = data.len;
        e->listed = false;
        sha256_hex(data.data ? data.data : "", data.len, e->sha256);
        jk_buf *keep = strcmp(name, "SHA256SUMS") == 0      ? &c->sums
                       : strcmp(name, "manifest.json") == 0 ? &c->manifest
                       : strcmp(name, "case.json") == 0     ? &c->case_json
                                                            : NULL;
        if (keep)
            jk_buf_append(keep, data.data ? data.data : "", data.len);
    }
    if (!rc && r != ARCHIVE_EOF)
        rc = jk_error_set(err, JK_EPARSE, "%s: not a readable tar archive: %s", path,
                          archive_error_string(a));
    jk_buf_release(&data);
    archive_read_free(a);
    return rc;
}

/* SHA256SUMS lines: every one names a file with that hash. */
static void check_sums(checker *c)
{
    const char *p = c->sums.data ? c->sums.data : "", *end = p + c->sums.len;
    unsigned line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        line++;
        if (len < 67 || p[64] != ' ' || p[65] != ' ') {
            problem(c, "SHA256SUMS", "line %u is not \"HASH  PATH\"", line);
        } else {
            char path[1024];
            snprintf(path, sizeof path, "%.*s", (int)(len - 66), p + 66);
            entry *e = find(c, path);
            if (!e)
                problem(c, path, "listed in SHA256SUMS (line %u) but missing", line);
            else if (strncmp(e->sha256, p, 64) != 0)
                problem(c, path, "SHA-256 is %s, SHA256SUMS line %u says %.64s: changed", e->sha256,
                        line, p);
            else
                e->listed = true;
        }
        p = nl ? nl + 1 : end;
    }
}

static void check_manifest(checker *c)
{
    json_error_t jerr;
    json_t *m = json_loadb(c->manifest.data ? c->manifest.data : "", c->manifest.len, 0, &jerr);
    json_t *files = json_object_get(m, "files");
    if (!json_is_array(files)) {
        problem(c, "manifest.json", "not a manifest (line %d: %s)", jerr.line, jerr.text);
        json_decref(m);
        return;
    }
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        entry *e = path ? find(c, path) : NULL;
        if (!path || !sha)
            problem(c, "manifest.json", "files[%zu] has no path or sha256", i);
        else if (!e)
            problem(c, path, "listed in manifest.json but missing");
        else if (strcmp(e->sha256, sha) != 0)
            problem(c, path, "SHA-256 is %s, manifest.json says %s: changed", e->sha256, sha);
        else if ((json_int_t)e->size != json_integer_value(json_object_get(f, "size")))
            problem(c, path, "size %zu differs from manifest.json's", e->size);
    }
    json_decref(m);
}

/* Every evidence record of case.json names a file of the package with the
 * hash recorded when it was collected. */
static void check_evidence(checker *c)
{
    json_t *doc = json_loadb(c->case_json.data ? c->case_json.data : "", c->case_json.len, 0, NULL);
    size_t i, k;
    json_t *item, *ev;
    json_array_foreach(json_object_get(doc, "items"), i, item)
    {
        json_array_foreach(json_object_get(item, "evidence"), k, ev)
        {
            const char *path = json_string_value(json_object_get(ev, "path"));
            const char *sha = json_string_value(json_object_get(ev, "sha256"));
            entry *e = path ? find(c, path) : NULL;
            if (!e)
                problem(c, path ? path : "case.json", "evidence recorded in case.json is missing");
            else if (!sha || strcmp(sha, e->sha256) != 0)
                problem(c, path, "SHA-256 is %s, recorded at collection as %s", e->sha256,
                        sha ? sha : "(none)");
        }
    }
    if (!doc)
        problem(c, "case.json", "not readable JSON");
    json_decref(doc);
}

int jk_package_verify(const char *path, jk_package_problem_fn fn, void *ctx, size_t *files,
                      size_t *problems, jk_error *err)
{
    checker c = {0};
    c.fn = fn;
    c.ctx = ctx;
    jk_buf_init(&c.sums, 0);
    jk_buf_init(&c.manifest, 0);
    jk_buf_init(&c.case_json, 0);
    int rc = read_entries(&c, path, err);
    if (!rc) {
        if (!find(&c, "SHA256SUMS"))
            problem(&c, "SHA256SUMS", "missing: this is not a junkai evidence package");
        if (!find(&c, "manifest.json"))
            problem(&c, "manifest.json", "missing");
        if (!find(&c, "case.json"))
            problem(&c, "case.json", "missing");
        check_sums(&c);
        check_manifest(&c);
        check_evidence(&c);
        for (size_t i = 0; i < c.n; i++)
            if (!c.e[i].listed && strcmp(c.e[i].path, "SHA256SUMS") != 0)
                problem(&c, c.e[i].path, "not listed in SHA256SUMS: added afterwards");
    }
    *files = c.n;
    *problems = c.problems;
    for (size_t i = 0; i < c.n; i++)
        free(c.e[i].path);
    free(c.e);
    jk_buf_release(&c.sums);
    jk_buf_release(&c.manifest);
    jk_buf_release(&c.case_json);
    return rc;
}
