/*
 * warc_read.c — reading WARC files (warc.h): gzip (any number of members)
 * or plain, record by record, with block and payload digests checked.
 * Written for evidence files and for the WARCs other tools write, so it is
 * lenient where they differ (LF line ends, missing record trailers) and
 * strict where a wrong answer would mislead (Content-Length, digests).
 * SHA-1 is here because most WARCs in the world carry sha1 digests and
 * libsodium has none.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "alloc.h"
#include "warc.h"

#define DEFAULT_MAX_BYTES ((size_t)1 << 30)
/* A WARC header block longer than this is no WARC header block. */
#define MAX_HEADER_BYTES (1024 * 1024)

struct jk_warc_reader {
    unsigned char *data;
    size_t len, pos;
    char *name;
    bool failed;
};

/* ---- SHA-1 (FIPS 180-4) ---- */

typedef struct sha1_ctx {
    uint32_t h[5];
    unsigned char block[64];
    size_t used;
    uint64_t bytes;
} sha1_ctx;

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_compress(sha1_ctx *c, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & cc) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ cc ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & cc) | (b & d) | (cc & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ cc ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
}

static void sha1(const void *data, size_t len, unsigned char out[20])
{
    sha1_ctx c = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, {0}, 0, 0};
    const unsigned char *p = data;
    c.bytes = len;
    while (len >= 64) {
        sha1_compress(&c, p);
        p += 64;
        len -= 64;
    }
    memcpy(c.block, p, len);
    c.used = len;
    c.block[c.used++] = 0x80;
    if (c.used > 56) {
        memset(c.block + c.used, 0, 64 - c.used);
        sha1_compress(&c, c.block);
        c.used = 0;
    }
    memset(c.block + c.used, 0, 56 - c.used);
    uint64_t bits = c.bytes * 8;
    for (int i = 0; i < 8; i++)
        c.block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_compress(&c, c.block);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(c.h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c.h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c.h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c.h[i];
    }
}

/* ---- digest labels ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode value (hex, base32 or base64) into out[want]; false when it is
 * none of them at that length. */
static bool decode_digest(const char *v, size_t vlen, unsigned char *out, size_t want)
{
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    if (vlen == 2 * want) {
        bool hex = true;
        for (size_t i = 0; i < vlen && hex; i++)
            hex = hexval((unsigned char)v[i]) >= 0;
        if (hex) {
            for (size_t i = 0; i < want; i++)
                out[i] = (unsigned char)(hexval((unsigned char)v[2 * i]) << 4 |
                                         hexval((unsigned char)v[2 * i + 1]));
            return true;
        }
    }
    size_t unpadded = vlen;
    while (unpadded && v[unpadded - 1] == '=')
        unpadded--;
    /* base32: 5 bits a character */
    if (unpadded == (want * 8 + 4) / 5) {
        uint32_t acc = 0;
        int bits = 0;
        size_t n = 0;
        bool ok = true;
        for (size_t i = 0; i < unpadded && ok; i++) {
            int c = v[i], d;
            if (c >= 'A' && c <= 'Z')
                d = c - 'A';
            else if (c >= 'a' && c <= 'z')
                d = c - 'a';
            else if (c >= '2' && c <= '7')
                d = c - '2' + 26;
            else
                d = -1;
            if (d < 0) {
                ok = false;
                break;
            }
            acc = (acc << 5) | (uint32_t)d;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                if (n < want)
                    out[n++] = (unsigned char)(acc >> bits);
                acc &= (1u << bits) - 1;
            }
        }
        if (ok && n == want)
            return true;
    }
    /* base64: 6 bits a character */
    if (unpadded == (want * 8 + 5) / 6) {
        uint32_t acc = 0;
        int bits = 0;
        size_t n = 0;
        for (size_t i = 0; i < unpadded; i++) {
            int c = v[i], d;
            if (c >= 'A' && c <= 'Z')
                d = c - 'A';
            else if (c >= 'a' && c <= 'z')
                d = c - 'a' + 26;
            else if (c >= '0' && c <= '9')
                d = c - '0' + 52;
            else if (c == '+' || c == '-')
                d = 62;
            else if (c == '/' || c == '_')
                d = 63;
            else
                return false;
            acc = (acc << 6) | (uint32_t)d;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if (n < want)
                    out[n++] = (unsigned char)(acc >> bits);
                acc &= (1u << bits) - 1;
            }
        }
        return n == want;
    }
    return false;
}

enum jk_warc_digest jk_warc_digest_check(const char *label, const void *data, size_t len)
{
    if (!label)
        return JK_WARC_DIGEST_ABSENT;
    while (*label == ' ' || *label == '\t')
        label++;
    const char *colon = strchr(label, ':');
    if (!colon)
        return JK_WARC_DIGEST_UNCHECKED;
    size_t alen = (size_t)(colon - label);
    const char *v = colon + 1;
    unsigned char want[32], got[32];
    size_t n;
    if ((alen == 4 && strncasecmp(label, "sha1", 4) == 0) ||
        (alen == 5 && strncasecmp(label, "sha-1", 5) == 0)) {
        n = 20;
        sha1(data, len, got);
    } else if ((alen == 6 && strncasecmp(label, "sha256", 6) == 0) ||
               (alen == 7 && strncasecmp(label, "sha-256", 7) == 0)) {
        n = 32;
        crypto_hash_sha256(got, data, len);
    } else {
        return JK_WARC_DIGEST_UNCHECKED;
    }
    if (!decode_digest(v, strlen(v), want, n))
        return JK_WARC_DIGEST_BAD; /* a known algorithm with a value that cannot be one */
    return memcmp(want, got, n) == 0 ? JK_WARC_DIGEST_OK : JK_WARC_DIGEST_BAD;
}

/* ---- opening ---- */

static int gunzip_all(const unsigned char *in, size_t len, size_t max, const char *name,
                      jk_buf *out, jk_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return jk_error_set(err, JK_ENOMEM, "%s: zlib could not start", name);
    int rc = JK_OK;
    unsigned char chunk[65536];
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = 0;
    for (;;) {
        size_t pos = (size_t)(z.next_in - in);
        if (z.avail_in == 0 && pos < len)
            z.avail_in = len - pos > (1u << 30) ? (1u << 30) : (uInt)(len - pos);
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t produced = sizeof chunk - z.avail_out;
        size_t consumed = (size_t)(z.next_in - in) - pos;
        if (produced) {
            if (out->len + produced > max) {
                rc = jk_error_set(err, JK_ELIMIT, "%s: more than %zu bytes uncompressed", name,
                                  max);
                break;
            }
            jk_buf_append(out, chunk, produced);
        }
        pos = (size_t)(z.next_in - in);
        if (zr == Z_STREAM_END) {
            /* the next gzip member, if any; anything else after the last
             * member (zero padding some tools add) ends the stream */
            if (len - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b)
                break;
            inflateReset(&z);
            continue;
        }
        if (zr == Z_OK || (zr == Z_BUF_ERROR && (produced || consumed)))
            continue;
        if (zr == Z_BUF_ERROR)
            rc = jk_error_set(err, JK_EPARSE, "%s: gzip stream cut short at byte %zu", name, pos);
        else
            rc = jk_error_set(err, JK_EPARSE, "%s: corrupt gzip data near byte %zu (%s)", name,
                              pos, z.msg ? z.msg : "inflate failed");
        break;
    }
    inflateEnd(&z);
    return rc;
}

int jk_warc_reader_open_mem(const void *data, size_t len, const char *name, size_t max_bytes,
                            jk_warc_reader **out, jk_error *err)
{
    *out = NULL;
    if (!name)
        name = "(WARC)";
    if (!max_bytes)
        max_bytes = DEFAULT_MAX_BYTES;
    const unsigned char *d = data;
    jk_buf plain;
    jk_buf_init(&plain, 0);
    if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
        int rc = gunzip_all(d, len, max_bytes, name, &plain, err);
        if (rc) {
            jk_buf_release(&plain);
            return rc;
        }
    } else {
        if (len > max_bytes)
            return jk_error_set(err, JK_ELIMIT, "%s: larger than %zu bytes", name, max_bytes);
        jk_buf_append(&plain, data, len);
    }
    jk_warc_reader *r = jk_calloc(1, sizeof *r);
    r->data = (unsigned char *)plain.data;
    r->len = plain.len;
    r->name = jk_strdup(name);
    *out = r;
    return JK_OK;
}

int jk_warc_reader_open_file(const char *path, size_t max_bytes, jk_warc_reader **out,
                             jk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return jk_error_set(err, JK_EIO, "%s: cannot open", path);
    jk_buf raw;
    jk_buf_init(&raw, 0);
    unsigned char chunk[65536];
    size_t n;
    size_t cap = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
    int rc = JK_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (raw.len + n > cap) {
            rc = jk_error_set(err, JK_ELIMIT, "%s: larger than %zu bytes", path, cap);
            break;
        }
        jk_buf_append(&raw, chunk, n);
    }
    if (!rc && ferror(f))
        rc = jk_error_set(err, JK_EIO, "%s: read error", path);
    fclose(f);
    if (!rc)
        rc = jk_warc_reader_open_mem(raw.data ? raw.data : "", raw.len, path, max_bytes, out, err);
    jk_buf_release(&raw);
    return rc;
}

void jk_warc_reader_free(jk_warc_reader *r)
{
    if (!r)
        return;
    free(r->data);
    free(r->name);
    free(r);
}

/* ---- records ---- */

void jk_warc_record_init(jk_warc_record *rec)
{
    memset(rec, 0, sizeof *rec);
}

void jk_warc_record_release(jk_warc_record *rec)
{
    if (!rec)
        return;
    free(rec->version);
    for (size_t i = 0; i < rec->field_count; i++) {
        free(rec->fields[i].name);
        free(rec->fields[i].value);
    }
    free(rec->fields);
    jk_warc_record_init(rec);
}

const char *jk_warc_field_get(const jk_warc_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->field_count; i++)
        if (strcasecmp(rec->fields[i].name, name) == 0)
            return rec->fields[i].value;
    return NULL;
}

/* One line from s[0..end): its length without CR/LF in *line_len; returns
 * where the next line starts, or NULL when no LF ends it. */
static const unsigned char *next_line(const unsigned char *s, const unsigned char *end,
                                      size_t *line_len)
{
    const unsigned char *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl)
        return NULL;
    const unsigned char *e = nl;
    if (e > s && e[-1] == '\r')
        e--;
    *line_len = (size_t)(e - s);
    return nl + 1;
}

static char *trimmed(const unsigned char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return jk_strndup((const char *)s, len);
}

static int fail(jk_warc_reader *r, jk_error *err, uint64_t at, const char *why)
{
    r->failed = true;
    r->pos = r->len;
    return jk_error_set(err, JK_EPARSE, "%s: record at offset %llu: %s", r->name,
                        (unsigned long long)at, why);
}

static void check_payload(jk_warc_record *rec)
{
    const char *label = jk_warc_field_get(rec, "WARC-Payload-Digest");
    const char *ctype = jk_warc_field_get(rec, "Content-Type");
    const char *type = jk_warc_field_get(rec, "WARC-Type");
    bool http = ctype && strncasecmp(ctype, "application/http", 16) == 0;
    if (http)
        rec->payload_offset = jk_warc_http_header_end(rec->block, rec->block_len);
    if (!label)
        return;
    if (type && strcasecmp(type, "revisit") == 0) {
        /* a revisit's payload digest names the payload it did not repeat */
        rec->payload_digest = JK_WARC_DIGEST_UNCHECKED;
        return;
    }
    const unsigned char *payload = rec->block + rec->payload_offset;
    size_t payload_len = rec->block_len - rec->payload_offset;
    rec->payload_digest = jk_warc_digest_check(label, payload, payload_len);
    if (rec->payload_digest != JK_WARC_DIGEST_BAD || !http)
        return;
    /* Writers differ on chunked responses: the entity body (dechunked, as
     * the standard says) or the bytes as sent. Either is accepted. */
    jk_buf plain;
    jk_buf_init(&plain, payload_len + 1);
    if (jk_warc_dechunk(payload, payload_len, &plain) == JK_OK &&
        jk_warc_digest_check(label, plain.data ? plain.data : "", plain.len) == JK_WARC_DIGEST_OK)
        rec->payload_digest = JK_WARC_DIGEST_OK;
    jk_buf_release(&plain);
}

int jk_warc_next(jk_warc_reader *r, jk_warc_record *rec, jk_error *err)
{
    jk_warc_record_release(rec);
    const unsigned char *end = r->data + r->len;
    /* blank lines between records (the record trailer, or extra ones) */
    while (r->pos < r->len && (r->data[r->pos] == '\r' || r->data[r->pos] == '\n'))
        r->pos++;
    if (r->pos >= r->len)
        return jk_error_set(err, JK_ENOTFOUND, "%s: no more records", r->name);
    uint64_t at = r->pos;
    const unsigned char *s = r->data + r->pos;
    size_t line_len;
    const unsigned char *next = next_line(s, end, &line_len);
    if (!next || line_len < 6 || memcmp(s, "WARC/", 5) != 0)
        return fail(r, err, at, "no WARC version line (not a WARC file, or ARC)");
    rec->version = jk_strndup((const char *)s, line_len);
    rec->offset = at;
    size_t cap = 0;
    s = next;
    for (;;) {
        if ((size_t)(s - (r->data + at)) > MAX_HEADER_BYTES) {
            jk_warc_record_release(rec);
            return fail(r, err, at, "header block too long");
        }
        next = next_line(s, end, &line_len);
        if (!next) {
            jk_warc_record_release(rec);
            return fail(r, err, at, "header block cut short");
        }
        if (line_len == 0) {
            s = next;
            break;
        }
        if ((*s == ' ' || *s == '\t') && rec->field_count) {
            /* a continuation line (folded value) */
            jk_warc_field *f = &rec->fields[rec->field_count - 1];
            char *more = trimmed(s, line_len);
            size_t a = strlen(f->value), b = strlen(more);
            f->value = jk_realloc(f->value, a + b + 2);
            f->value[a] = ' ';
            memcpy(f->value + a + 1, more, b + 1);
            free(more);
        } else {
            const unsigned char *colon = memchr(s, ':', line_len);
            if (!colon) {
                jk_warc_record_release(rec);
                return fail(r, err, at, "a header line without a colon");
            }
            jk_grow((void **)&rec->fields, &cap, rec->field_count + 1, sizeof *rec->fields);
            jk_warc_field *f = &rec->fields[rec->field_count++];
            f->name = trimmed(s, (size_t)(colon - s));
            f->value = trimmed(colon + 1, line_len - (size_t)(colon + 1 - s));
        }
        s = next;
    }
    const char *cl = jk_warc_field_get(rec, "Content-Length");
    char *cl_end = NULL;
    unsigned long long length = cl ? strtoull(cl, &cl_end, 10) : 0;
    if (!cl || cl_end == cl || *cl_end || *cl == '-') {
        jk_warc_record_release(rec);
        return fail(r, err, at, "no valid Content-Length");
    }
    size_t body_at = (size_t)(s - r->data);
    if (length > r->len - body_at) {
        jk_warc_record_release(rec);
        return fail(r, err, at, "the block is cut short (Content-Length beyond the end)");
    }
    rec->block = s;
    rec->block_len = (size_t)length;
    r->pos = body_at + (size_t)length;
    rec->block_digest = jk_warc_digest_check(jk_warc_field_get(rec, "WARC-Block-Digest"),
                                             rec->block, rec->block_len);
    check_payload(rec);
    return JK_OK;
}
