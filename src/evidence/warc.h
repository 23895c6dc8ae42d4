/*
 * warc.h — WARC 1.1 (ISO 28500:2017) records: a writer that appends one
 * record, gzip-compressed as its own member, and a reader that walks the
 * records of a plain or gzip WARC file and checks their digests.
 *
 * Digests junkai writes are "sha256:" and 64 lowercase hex digits (what
 * warcio writes by default); the reader also checks sha1 and sha256 given
 * in hex, base32 (RFC 4648) or base64, as other tools write them.
 *
 * The payload of an application/http block is what follows the HTTP
 * header block, with chunked transfer-coding removed (the entity body;
 * content-coding such as gzip is kept).
 */
#ifndef JK_WARC_H
#define JK_WARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"

/* ---- writing ---- */

/* One record to write. NULL fields are left out. */
typedef struct jk_warc_out {
    const char *type;          /* WARC-Type: "warcinfo", "request", … (required) */
    const char *record_id;     /* "<urn:uuid:…>" (required; jk_warc_new_record_id) */
    const char *date;          /* WARC-Date (required; jk_warc_date) */
    const char *target_uri;    /* WARC-Target-URI */
    const char *ip_address;    /* WARC-IP-Address */
    const char *concurrent_to; /* WARC-Concurrent-To: a record id */
    const char *warcinfo_id;   /* WARC-Warcinfo-ID */
    const char *filename;      /* WARC-Filename (warcinfo) */
    const char *content_type;  /* Content-Type of the block */
    const char *truncated;     /* WARC-Truncated reason ("length", …) */
    const void *block;
    size_t block_len;
    bool http; /* block is an HTTP message: add WARC-Payload-Digest */
} jk_warc_out;

/* Append the record to out (gzip: as one gzip member of its own, so any
 * record can be read from its offset alone). JK_EINVAL when a required
 * field is missing or a field holds CR/LF; JK_ENOMEM/JK_ELIMIT from out. */
int jk_warc_append(jk_buf *out, const jk_warc_out *rec, bool gzip, jk_error *err);

/* A fresh "<urn:uuid:…>" (version 4, random) in out[48]. */
void jk_warc_new_record_id(char out[48]);
/* unix_ms as WARC-Date: "2024-05-04T12:30:00.123Z" in out[32]. */
void jk_warc_date(long long unix_ms, char out[32]);

/* "sha256:" + hex of data, in out[72]. */
void jk_warc_sha256_label(const void *data, size_t len, char out[72]);

/* Where the payload of an HTTP message starts: after the blank line that
 * ends its header block (CRLF CRLF, or a bare LF LF from careless
 * writers); len when there is none. */
size_t jk_warc_http_header_end(const void *block, size_t len);

/* Remove chunked transfer-coding from body into out (trailers dropped).
 * JK_EPARSE when the framing is broken (out then holds what was read). */
int jk_warc_dechunk(const void *body, size_t len, jk_buf *out);

/* ---- reading ---- */

typedef struct jk_warc_field {
    char *name;
    char *value;
} jk_warc_field;

enum jk_warc_digest {
    JK_WARC_DIGEST_ABSENT = 0, /* no such header */
    JK_WARC_DIGEST_OK,
    JK_WARC_DIGEST_BAD,       /* the bytes do not match */
    JK_WARC_DIGEST_UNCHECKED, /* unknown algorithm or encoding, or a revisit */
};

typedef struct jk_warc_record {
    char *version; /* "WARC/1.1", … */
    jk_warc_field *fields;
    size_t field_count;
    const unsigned char *block; /* points into the reader's buffer */
    size_t block_len;
    size_t payload_offset; /* inside block: where the HTTP payload starts
                              (0 for blocks that are no HTTP message) */
    uint64_t offset;       /* of the record in the uncompressed stream */
    enum jk_warc_digest block_digest;
    enum jk_warc_digest payload_digest;
} jk_warc_record;

typedef struct jk_warc_reader jk_warc_reader;

/* Read from memory (data is copied after decompression) or a file. A gzip
 * stream (any number of members) is decompressed whole, at most max_bytes
 * (0: 1 GiB) uncompressed: JK_ELIMIT beyond that, JK_EPARSE for corrupt
 * gzip. name is used in messages. */
int jk_warc_reader_open_mem(const void *data, size_t len, const char *name, size_t max_bytes,
                            jk_warc_reader **out, jk_error *err);
int jk_warc_reader_open_file(const char *path, size_t max_bytes, jk_warc_reader **out,
                             jk_error *err);
void jk_warc_reader_free(jk_warc_reader *r);

/* The next record into rec (released first; the caller releases the last).
 * JK_OK with a record, JK_ENOTFOUND after the last one, JK_EPARSE naming
 * the offset when the stream is no WARC or a record is cut short (the
 * reader then stays at the end). */
int jk_warc_next(jk_warc_reader *r, jk_warc_record *rec, jk_error *err);

void jk_warc_record_init(jk_warc_record *rec);
void jk_warc_record_release(jk_warc_record *rec);

/* A field's value (case-insensitive name, first occurrence) or NULL. */
const char *jk_warc_field_get(const jk_warc_record *rec, const char *name);

/* Check a digest label ("sha256:…", "sha1:…"; hex, base32 or base64)
 * against data. */
enum jk_warc_digest jk_warc_digest_check(const char *label, const void *data, size_t len);

#endif
