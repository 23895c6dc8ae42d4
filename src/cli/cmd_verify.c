/*
 * cmd_verify.c — `junkai verify`: check what must not have changed. The
 * audit log's hash chain and its head (DATA/audit.head, which shows
 * entries cut off the end), and every evidence file: present, read-only,
 * its bytes hashing to the SHA-256 recorded for it and in its name, and
 * every WARC record in it with digests that hold. Files under
 * evidence/sha256/ that no row records are warned about.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "audit_head.h"
#include "capture.h"
#include "cli.h"
#include "package.h"
#include "evidence.h"
#include "warc.h"

static const char verify_usage[] =
    "usage: junkai verify [--data DIR] [--audit] [--evidence] [--format text|json]\n"
    "                     [--head ID:HASH]\n"
    "       junkai verify --print-head [--data DIR] [--format text|json]\n"
    "       junkai verify --package FILE [--format text|json]\n"
    "\n"
    "Check the audit log and the evidence files (both when neither option is\n"
    "given). The audit log: its hash chain from the first entry, and that the\n"
    "entry DATA/audit.head names is still there unchanged (else entries were\n"
    "cut off its end). Evidence: every recorded file exists, is read-only,\n"
    "hashes to the recorded SHA-256 (which its name carries too, with the\n"
    "suffix of its kind), every WARC record in a fetch's file parses with valid\n"
    "block and payload digests, and a screenshot is a PNG. Files\n"
    "under evidence/sha256/ that no row records are warnings.\n"
    "\n"
    "The first entry or file that does not match is named; all are counted.\n"
    "Exit 0 when everything matches, 1 when something does not, 2 on error.\n"
    "\n"
    "--print-head prints the newest audit entry's id and hash, to be kept\n"
    "somewhere the data directory's owner cannot rewrite; --head ID:HASH\n"
    "later checks that entry is still in the log, unchanged.\n"
    "\n"
    "--package FILE checks a case's evidence package (the .tar.gz that the\n"
    "workbench or `junkai case package` hands out) without a data directory:\n"
    "every file its manifest lists is there with that SHA-256 and size,\n"
    "nothing unlisted, evidence files hash to the names they carry, and\n"
    "manifest.json and SHA256SUMS agree.\n";

/* Uncompressed WARC bytes read into memory per file to check its records;
 * bigger files are hashed (streamed) but their records not parsed. */
#define VERIFY_WARC_MAX ((size_t)512 * 1024 * 1024)

typedef struct verify {
    const char *data_dir;
    bool json;
    json_t *problems; /* [{"what","name","problem"}] in the order found */
    json_t *warnings;
    /* audit */
    long audit_entries;
    int64_t audit_bad; /* first bad entry, 0 = none */
    int64_t expect_id; /* --head ID:HASH, kept elsewhere; 0 = none */
    char expect_hash[65];
    /* evidence */
    long files_checked, files_bad, unrecorded;
    char **recorded; /* the rows' paths, sorted, to find unrecorded files */
    size_t recorded_count, recorded_cap;
} verify;

static void problem(verify *v, const char *what, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(verify *v, const char *what, const char *name, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(v->problems,
                          json_pack("{s:s, s:s, s:s}", "what", what, "name", name, "problem", msg));
    if (!v->json)
        printf("MISMATCH %s %s: %s\n", what, name, msg);
}

static void warning(verify *v, const char *what, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void warning(verify *v, const char *what, const char *name, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(v->warnings,
                          json_pack("{s:s, s:s, s:s}", "what", what, "name", name, "warning", msg));
    if (!v->json)
        printf("warning: %s %s: %s\n", what, name, msg);
}

/* ---- the audit log ---- */

typedef struct entry_at {
    int64_t id;
    char hash[65];
} entry_at;

static int take_entry(void *p, const jk_audit_entry *e)
{
    entry_at *a = p;
    a->id = e->id;
    snprintf(a->hash, sizeof a->hash, "%s", e->hash ? e->hash : "");
    return 1;
}

/* The entry a head (the file, or one given with --head) names must still
 * be in the log with that hash. */
static int compare_head(verify *v, jk_store *st, const char *label, int64_t head_id,
                        const char *head_hash)
{
    if (v->audit_bad) {
        /* ids are only known to run 1..N in an intact chain */
        warning(v, "audit", label, "not compared: the chain is broken");
        return JK_OK;
    }
    char name[32];
    snprintf(name, sizeof name, "entry %lld", (long long)head_id);
    if (head_id > v->audit_entries) {
        problem(v, "audit", name,
                "%s names entry %lld but the log ends at entry %ld: entries were removed from "
                "its end",
                label, (long long)head_id, v->audit_entries);
        return JK_OK;
    }
    entry_at a = {0, ""};
    jk_error err;
    int rc = jk_store_audit_list(st, 1, (size_t)(v->audit_entries - head_id), take_entry, &a, &err);
    if (rc) {
        jk_cli_error("%s", err.message);
        return rc;
    }
    if (a.id != head_id || strcmp(a.hash, head_hash) != 0)
        problem(v, "audit", name,
                "%s gives it the hash %.16s…, the log %.16s…: the log was cut back and "
                "written again",
                label, head_hash, a.hash);
    return JK_OK;
}

static int check_audit(verify *v, jk_store *st)
{
    jk_error err;
    int rc = jk_store_audit_verify(st, &v->audit_entries, &v->audit_bad, &err);
    char name[32];
    if (rc == JK_EPARSE) {
        snprintf(name, sizeof name, "entry %lld", (long long)v->audit_bad);
        problem(v, "audit", name, "%s", err.message);
    } else if (rc) {
        jk_cli_error("%s", err.message);
        return rc;
    }
    if (v->expect_id && (rc = compare_head(v, st, "--head", v->expect_id, v->expect_hash)))
        return rc;
    int64_t head_id;
    char head_hash[65];
    rc = jk_audit_head_read(v->data_dir, &head_id, head_hash, &err);
    if (rc == JK_ENOTFOUND) {
        if (v->audit_entries > 0)
            warning(v, "audit", JK_AUDIT_HEAD_FILE,
                    "no head file: entries cut off the end of the log cannot be detected");
        return JK_OK;
    }
    if (rc) {
        problem(v, "audit", JK_AUDIT_HEAD_FILE, "%s", err.message);
        return JK_OK;
    }
    return compare_head(v, st, JK_AUDIT_HEAD_FILE, head_id, head_hash);
}

/* ---- evidence ---- */

static bool is_sha_hex(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* SHA-256 of an open file, read in chunks. */
static int hash_fd(int fd, char hex[65], int64_t *size)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char chunk[65536];
    ssize_t n;
    *size = 0;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        crypto_hash_sha256_update(&h, chunk, (unsigned long long)n);
        *size += n;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
    return 0;
}

static const char *digest_problem(enum jk_warc_digest d, bool required)
{
    if (d == JK_WARC_DIGEST_BAD)
        return "does not match";
    if (d == JK_WARC_DIGEST_ABSENT && required)
        return "is missing";
    return NULL;
}

/* Every record parses and its digests hold; else the first that does not
 * is named. */
static void check_records(verify *v, const char *full, const char *rel)
{
    jk_warc_reader *r;
    jk_error err;
    int rc = jk_warc_reader_open_file(full, VERIFY_WARC_MAX, &r, &err);
    if (rc == JK_ELIMIT) {
        warning(v, "evidence", rel, "records not checked: %s", err.message);
        return;
    }
    if (rc) {
        problem(v, "evidence", rel, "not a readable WARC file: %s", err.message);
        v->files_bad++;
        return;
    }
    jk_warc_record rec;
    jk_warc_record_init(&rec);
    long n = 0;
    while ((rc = jk_warc_next(r, &rec, &err)) == JK_OK) {
        n++;
        const char *type = jk_warc_field_get(&rec, "WARC-Type");
        const char *bad = digest_problem(rec.block_digest, true);
        const char *which = "block";
        if (!bad) {
            bad = digest_problem(rec.payload_digest, false);
            which = "payload";
        }
        if (bad) {
            problem(v, "evidence", rel, "record %ld (%s, offset %llu): its %s digest %s", n,
                    type ? type : "?", (unsigned long long)rec.offset, which, bad);
            break;
        }
    }
    if (rc != JK_OK && rc != JK_ENOTFOUND)
        problem(v, "evidence", rel, "%s", err.message);
    else if (rc == JK_ENOTFOUND && n == 0)
        problem(v, "evidence", rel, "holds no WARC record");
    if (rc != JK_ENOTFOUND || n == 0)
        v->files_bad++;
    jk_warc_record_release(&rec);
    jk_warc_reader_free(r);
}

/* A screenshot is a PNG (its SHA-256 already matched: this names a file
 * that was wrong when it was written). */
static void check_png(verify *v, const char *full, const char *rel)
{
    unsigned char head[33];
    FILE *f = fopen(full, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    unsigned w, h;
    if (!jk_capture_png_size(head, n, &w, &h)) {
        problem(v, "evidence", rel, "a screenshot that is not a PNG");
        v->files_bad++;
    }
}

static int check_file(void *p, const jk_evidence_row *row)
{
    verify *v = p;
    const char *rel = row->path ? row->path : "";
    jk_grow((void **)&v->recorded, &v->recorded_cap, v->recorded_count + 1, sizeof *v->recorded);
    v->recorded[v->recorded_count++] = jk_strdup(rel);
    v->files_checked++;
    char want[128];
    /* each kind has its suffix: .warc.gz for a fetch, .png, .html, .mhtml
     * and .json for a page capture */
    const char *suffix = jk_evidence_kind_suffix(row->kind);
    if (!suffix) {
        problem(v, "evidence", rel[0] ? rel : "(no path)", "row %lld: unknown kind \"%s\"",
                (long long)row->id, row->kind ? row->kind : "");
        v->files_bad++;
        return 0;
    }
    if (is_sha_hex(row->sha256))
        snprintf(want, sizeof want, "evidence/sha256/%.2s/%.2s/%s%s", row->sha256,
                 row->sha256 + 2, row->sha256, suffix);
    else
        want[0] = '\0';
    if (!want[0] || strcmp(rel, want) != 0) {
        problem(v, "evidence", rel[0] ? rel : "(no path)",
                "row %lld: the path does not carry its recorded SHA-256 %s", (long long)row->id,
                row->sha256 ? row->sha256 : "(none)");
        v->files_bad++;
        return 0;
    }
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", v->data_dir, rel);
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            problem(v, "evidence", rel, "missing");
        else
            problem(v, "evidence", rel, "cannot open: %s", strerror(errno));
        v->files_bad++;
        return 0;
    }
    struct stat sb;
    char hex[65];
    int64_t size = 0;
    const char *bad = NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        bad = "not a regular file";
    else if (hash_fd(fd, hex, &size) != 0)
        bad = strerror(errno);
    close(fd);
    if (bad) {
        problem(v, "evidence", rel, "%s", bad);
        v->files_bad++;
        return 0;
    }
    if (strcmp(hex, row->sha256) != 0) {
        problem(v, "evidence", rel, "its SHA-256 is %s, not the recorded one (changed)", hex);
        v->files_bad++;
        return 0;
    }
    if (row->size > 0 && size != row->size) {
        problem(v, "evidence", rel, "%lld bytes, recorded %lld", (long long)size,
                (long long)row->size);
        v->files_bad++;
        return 0;
    }
    if (sb.st_mode & 0222) {
        problem(v, "evidence", rel, "writable (mode %03o): evidence files are kept read-only",
                (unsigned)(sb.st_mode & 0777));
        v->files_bad++;
        return 0;
    }
    if (strcmp(suffix, ".warc.gz") == 0)
        check_records(v, full, rel);
    else if (strcmp(row->kind, "screenshot") == 0)
        check_png(v, full, rel);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_recorded(const verify *v, const char *rel)
{
    return v->recorded_count &&
           bsearch(&rel, v->recorded, v->recorded_count, sizeof *v->recorded, cmp_str) != NULL;
}

/* Walk evidence/sha256/AB/CD/ and warn about what no row names. */
static void find_unrecorded(verify *v, const char *rel, int depth)
{
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", v->data_dir, rel);
    DIR *d = opendir(full);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096], child_full[4096];
        int n1 = snprintf(child, sizeof child, "%s/%s", rel, e->d_name);
        int n2 = snprintf(child_full, sizeof child_full, "%s/%s", v->data_dir, child);
        struct stat sb;
        if (n1 < 0 || (size_t)n1 >= sizeof child || n2 < 0 || (size_t)n2 >= sizeof child_full ||
            lstat(child_full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) && depth < 2) {
            find_unrecorded(v, child, depth + 1);
        } else if (!is_recorded(v, child)) {
            v->unrecorded++;
            warning(v, "evidence", child, "unrecorded: no evidence row names this file");
        }
    }
    closedir(d);
}

static int check_evidence(verify *v, jk_store *st)
{
    jk_error err;
    if (jk_store_evidence_list(st, check_file, v, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (v->recorded_count)
        qsort(v->recorded, v->recorded_count, sizeof *v->recorded, cmp_str);
    find_unrecorded(v, "evidence/sha256", 0);
    return 0;
}

/* ---- the command ---- */

static int print_head(jk_store *st, bool json)
{
    int64_t id;
    char hash[65];
    jk_error err;
    if (jk_audit_head_of_store(st, &id, hash, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (json)
        printf("{\"id\":%lld,\"hash\":\"%s\"}\n", (long long)id, hash);
    else if (id)
        printf("%lld %s\n", (long long)id, hash);
    else
        printf("0 (the audit log is empty)\n");
    return JK_EXIT_OK;
}

static void report(verify *v, bool audit, bool evidence)
{
    size_t bad = json_array_size(v->problems);
    if (v->json) {
        json_t *out = json_pack("{s:b, s:O, s:O}", "ok", bad == 0, "problems", v->problems,
                                "warnings", v->warnings);
        if (audit)
            json_object_set_new(out, "audit",
                                json_pack("{s:I, s:I}", "entries", (json_int_t)v->audit_entries,
                                          "first_bad_entry", (json_int_t)v->audit_bad));
        if (evidence)
            json_object_set_new(out, "evidence",
                                json_pack("{s:I, s:I, s:I}", "files", (json_int_t)v->files_checked,
                                          "bad", (json_int_t)v->files_bad, "unrecorded",
                                          (json_int_t)v->unrecorded));
        char *text = json_dumps(out, JSON_INDENT(2));
        if (text)
            puts(text);
        free(text);
        json_decref(out);
        return;
    }
    if (audit && v->audit_bad)
        printf("audit log: BROKEN at entry %lld (%ld entries before it verify)\n",
               (long long)v->audit_bad, v->audit_entries);
    else if (audit)
        printf("audit log: %ld entries, chain intact\n", v->audit_entries);
    if (evidence)
        printf("evidence: %ld files, %ld do not match, %ld unrecorded\n", v->files_checked,
               v->files_bad, v->unrecorded);
    if (bad) {
        json_t *first = json_array_get(v->problems, 0);
        printf("FAILED: %zu mismatch%s; first: %s %s: %s\n", bad, bad == 1 ? "" : "es",
               json_string_value(json_object_get(first, "what")),
               json_string_value(json_object_get(first, "name")),
               json_string_value(json_object_get(first, "problem")));
    } else {
        printf("OK\n");
    }
}

typedef struct package_check {
    bool json;
    json_t *problems;
} package_check;

static void package_problem(void *ctx, const char *name, const char *message)
{
    package_check *pc = ctx;
    json_array_append_new(pc->problems, json_pack("{s:s, s:s}", "name", name, "problem", message));
    if (!pc->json)
        printf("MISMATCH package %s: %s\n", name[0] ? name : "(the package)", message);
}

static int verify_package(const char *path, bool json)
{
    package_check pc = {json, json_array()};
    size_t files = 0, problems = 0;
    jk_error err;
    if (jk_package_verify(path, package_problem, &pc, &files, &problems, &err)) {
        jk_cli_error("%s", err.message);
        json_decref(pc.problems);
        return JK_EXIT_ERROR;
    }
    if (json) {
        json_t *o = json_pack("{s:s, s:b, s:I, s:O}", "package", path, "ok", problems == 0, "files",
                              (json_int_t)files, "problems", pc.problems);
        char *text = json_dumps(o, JSON_COMPACT);
        if (text)
            puts(text);
        free(text);
        json_decref(o);
    } else if (problems) {
        printf("BROKEN %s: %zu of %zu files checked do not match\n", path, problems, files);
    } else {
        printf("OK %s: %zu files match their SHA-256\n", path, files);
    }
    json_decref(pc.problems);
    return problems ? 1 : JK_EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"audit", no_argument, NULL, 'a'},
        {"evidence", no_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"print-head", no_argument, NULL, 'p'},
        {"head", required_argument, NULL, 'H'},
        {"package", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *format = "text", *expect = NULL, *package = NULL;
    bool audit = false, evidence = false, head = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'a':
            audit = true;
            break;
        case 'e':
            evidence = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'p':
            head = true;
            break;
        case 'H':
            expect = optarg;
            break;
        case 'P':
            package = optarg;
            break;
        case 'h':
            fputs(verify_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(verify_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        fputs(verify_usage, stderr);
        return JK_EXIT_ERROR;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        jk_cli_error("--format must be text or json, not \"%s\"", format);
        return JK_EXIT_ERROR;
    }
    if (sodium_init() < 0) {
        jk_cli_error("cannot initialise libsodium");
        return JK_EXIT_ERROR;
    }
    if (package) {
        if (audit || evidence || head || expect || data) {
            jk_cli_error("--package checks a file on its own: no --data, --audit, "
                         "--evidence or --head with it");
            return JK_EXIT_ERROR;
        }
        return verify_package(package, strcmp(format, "json") == 0);
    }
    if (!audit && !evidence)
        audit = evidence = true;
    verify v;
    memset(&v, 0, sizeof v);
    v.data_dir = jk_data_dir(data);
    v.json = strcmp(format, "json") == 0;
    if (expect) {
        long long id = 0;
        char hex[80] = "";
        if (sscanf(expect, "%lld%*[: ]%79s", &id, hex) != 2 || id <= 0 || !is_sha_hex(hex)) {
            jk_cli_error("--head wants ID:HASH as --print-head gives it, not \"%s\"", expect);
            return JK_EXIT_ERROR;
        }
        v.expect_id = (int64_t)id;
        memcpy(v.expect_hash, hex, 65);
        audit = true;
    }
    jk_store *st;
    if (jk_open_data_store(v.data_dir, &st))
        return JK_EXIT_ERROR;
    if (head) {
        int status = print_head(st, v.json);
        jk_store_close(st);
        return status;
    }
    v.problems = json_array();
    v.warnings = json_array();
    int status = JK_EXIT_OK;
    if (audit && check_audit(&v, st))
        status = JK_EXIT_ERROR;
    if (status == JK_EXIT_OK && evidence && check_evidence(&v, st))
        status = JK_EXIT_ERROR;
    jk_store_close(st);
    if (status == JK_EXIT_OK) {
        report(&v, audit, evidence);
        if (json_array_size(v.problems))
            status = 1;
    }
    for (size_t i = 0; i < v.recorded_count; i++)
        free(v.recorded[i]);
    free(v.recorded);
    json_decref(v.problems);
    json_decref(v.warnings);
    return status;
}
