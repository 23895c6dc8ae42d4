/*
 * warc.c — writing WARC 1.1 records (warc.h), each one its own gzip member
 * (zlib), with SHA-256 block and payload digests (libsodium); and the
 * HTTP helpers the reader shares (header end, dechunking).
 * Reading is warc_read.c.
 */
#include "warc.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "alloc.h"

void jk_warc_new_record_id(char out[48])
{
    unsigned char u[16];
    randombytes_buf(u, sizeof u);
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 48,
             "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

void jk_warc_date(long long unix_ms, char out[32])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char sec[24];
    strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", sec, (int)(unix_ms % 1000));
}

void jk_warc_sha256_label(const void *data, size_t len, char out[72])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, data, len);
    memcpy(out, "sha256:", 7);
    sodium_bin2hex(out + 7, 65, d, sizeof d);
}

size_t jk_warc_http_header_end(const void *block, size_t len)
{
    const unsigned char *b = block;
    for (size_t i = 0; i + 1 < len; i++) {
        if (b[i] != '\n')
            continue;
        if (b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return len;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int jk_warc_dechunk(const void *body, size_t len, jk_buf *out)
{
    const unsigned char *p = body, *end = p + len;
    for (;;) {
        /* chunk-size [; ext] CRLF */
        size_t size = 0;
        int digits = 0, v;
        while (p < end && (v = hex_value(*p)) >= 0) {
            if (size > (SIZE_MAX >> 4))
                return JK_EPARSE;
            size = size * 16 + (size_t)v;
            digits++;
            p++;
        }
        if (!digits)
            return JK_EPARSE;
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return JK_EPARSE;
        p = nl + 1;
        if (size == 0)
            return JK_OK; /* trailers, if any, are not payload */
        if ((size_t)(end - p) < size)
            return JK_EPARSE;
        int rc = jk_buf_append(out, p, size);
        if (rc)
            return rc;
        p += size;
        if (p < end && *p == '\r')
            p++;
        if (p >= end || *p != '\n')
            return JK_EPARSE;
        p++;
    }
}

/* Whether an HTTP header block (h[0..len), not NUL-terminated) has a
 * Transfer-Encoding field naming chunked. */
static bool says_chunked(const unsigned char *h, size_t len)
{
    static const char name[] = "\ntransfer-encoding:";
    const size_t n = sizeof name - 1;
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp((const char *)h + i, name, n) != 0)
            continue;
        size_t v = i + n, end = v;
        while (end < len && h[end] != '\r' && h[end] != '\n')
            end++;
        for (size_t j = v; j + 7 <= end; j++)
            if (strncasecmp((const char *)h + j, "chunked", 7) == 0)
                return true;
    }
    return false;
}

/* A field value must not break the header block it goes into. */
static bool field_ok(const char *v)
{
    return !v || !strpbrk(v, "\r\n");
}

static int put_field(jk_buf *b, const char *name, const char *value)
{
    if (!value)
        return JK_OK;
    return jk_buf_printf(b, "%s: %s\r\n", name, value);
}

static int gzip_member(jk_buf *out, const void *data, size_t len, jk_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip wrapper instead of zlib's */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return jk_error_set(err, JK_ENOMEM, "warc: zlib could not start");
    int rc = JK_OK;
    unsigned char chunk[16384];
    const unsigned char *in = data;
    size_t left = len;
    int zr;
    do {
        uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = take;
        in += take;
        left -= take;
        int flush = left ? Z_NO_FLUSH : Z_FINISH;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            zr = deflate(&z, flush);
            if (zr == Z_STREAM_ERROR) {
                rc = jk_error_set(err, JK_EIO, "warc: zlib failed");
                goto done;
            }
            rc = jk_buf_append(out, chunk, sizeof chunk - z.avail_out);
            if (rc) {
                jk_error_set(err, rc, "warc: record does not fit the buffer");
                goto done;
            }
        } while (z.avail_out == 0);
    } while (left);
done:
    deflateEnd(&z);
    return rc;
}

int jk_warc_append(jk_buf *out, const jk_warc_out *rec, bool gzip, jk_error *err)
{
    if (!rec->type || !rec->record_id || !rec->date)
        return jk_error_set(err, JK_EINVAL, "warc: a record needs a type, an id and a date");
    const char *values[] = {rec->type,          rec->record_id,  rec->date,
                            rec->target_uri,    rec->ip_address, rec->concurrent_to,
                            rec->warcinfo_id,   rec->filename,   rec->content_type,
                            rec->truncated};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (!field_ok(values[i]))
            return jk_error_set(err, JK_EINVAL, "warc: a %s record field holds a line break",
                                rec->type);
    char block_digest[72], payload_digest[72];
    jk_warc_sha256_label(rec->block ? rec->block : "", rec->block_len, block_digest);
    payload_digest[0] = '\0';
    if (rec->http) {
        const unsigned char *b = rec->block;
        size_t start = jk_warc_http_header_end(b, rec->block_len);
        const unsigned char *payload = b + start;
        size_t payload_len = rec->block_len - start;
        /* the entity body: chunked framing removed when the headers say so
         * and it parses; otherwise the bytes as they are */
        jk_buf plain;
        jk_buf_init(&plain, 0);
        bool chunked = says_chunked(b, start);
        if (chunked && jk_warc_dechunk(payload, payload_len, &plain) == JK_OK)
            jk_warc_sha256_label(plain.data ? plain.data : "", plain.len, payload_digest);
        else
            jk_warc_sha256_label(payload, payload_len, payload_digest);
        jk_buf_release(&plain);
    }

    jk_buf rec_bytes;
    jk_buf_init(&rec_bytes, 0);
    jk_buf *b = gzip ? &rec_bytes : out;
    size_t mark = out->len;
    int rc = jk_buf_puts(b, "WARC/1.1\r\n");
    if (!rc)
        rc = put_field(b, "WARC-Type", rec->type);
    if (!rc)
        rc = put_field(b, "WARC-Record-ID", rec->record_id);
    if (!rc)
        rc = put_field(b, "WARC-Date", rec->date);
    if (!rc)
        rc = put_field(b, "WARC-Filename", rec->filename);
    if (!rc)
        rc = put_field(b, "WARC-Target-URI", rec->target_uri);
    if (!rc)
        rc = put_field(b, "WARC-IP-Address", rec->ip_address);
    if (!rc)
        rc = put_field(b, "WARC-Concurrent-To", rec->concurrent_to);
    if (!rc)
        rc = put_field(b, "WARC-Warcinfo-ID", rec->warcinfo_id);
    if (!rc)
        rc = put_field(b, "WARC-Truncated", rec->truncated);
    if (!rc)
        rc = put_field(b, "WARC-Block-Digest", block_digest);
    if (!rc && payload_digest[0])
        rc = put_field(b, "WARC-Payload-Digest", payload_digest);
    if (!rc)
        rc = put_field(b, "Content-Type", rec->content_type);
    if (!rc)
        rc = jk_buf_printf(b, "Content-Length: %zu\r\n\r\n", rec->block_len);
    if (!rc && rec->block_len)
        rc = jk_buf_append(b, rec->block, rec->block_len);
    if (!rc)
        rc = jk_buf_puts(b, "\r\n\r\n");
    if (rc) {
        jk_error_set(err, rc, "warc: the %s record does not fit the buffer", rec->type);
    } else if (gzip) {
        rc = gzip_member(out, rec_bytes.data, rec_bytes.len, err);
    }
    if (rc && out->len > mark) {
        out->len = mark; /* no half record */
        out->data[mark] = '\0';
    }
    jk_buf_release(&rec_bytes);
    return rc;
}
