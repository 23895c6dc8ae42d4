/*
 * smtp.h — e-mail for report submission and the daily summary: an RFC 5322
 * message built from UTF-8 text (the subject and display name as RFC 2047
 * encoded-words, the body text/plain; charset=UTF-8 in base64, an optional
 * attachment as multipart/mixed, Date and Message-ID headers), and its
 * delivery through libcurl's SMTP client with the same address check as
 * every fetch (src/net): a server on a loopback, private or otherwise
 * internal address is refused unless the configuration allows it.
 *
 * The whole SMTP dialogue is kept as a transcript (for evidence), with the
 * login's credentials replaced by "[redacted]".
 */
#ifndef JK_SMTP_H
#define JK_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "junkai/error.h"

/* junkai.yaml "smtp:". Strings are owned by whoever filled the struct
 * (jk_smtp_config_release frees them). */
typedef struct jk_smtp_config {
    char *url;          /* smtp://host[:port] or smtps://…; NULL: no e-mail configured */
    char *from;         /* the envelope and From: address */
    char *from_name;    /* the From: display name (UTF-8); NULL: none */
    char *username;     /* NULL: no login */
    char *password_env; /* the environment variable holding the password */
    bool starttls;      /* smtp://: require STARTTLS (refuse a server without it) */
    bool allow_private; /* the server may be on a loopback/private address */
    long timeout_ms;    /* the whole delivery; 0: 60 s */
} jk_smtp_config;

void jk_smtp_config_release(jk_smtp_config *c);

/* An address as junkai accepts one in its configuration: local@domain in
 * printable ASCII, no spaces, quotes, angle brackets, commas or control
 * characters, at most 254 bytes. */
bool jk_mail_address_valid(const char *addr);

/* Header text as RFC 2047 encoded-words where it needs them (non-ASCII,
 * or longer than a line allows): "=?UTF-8?B?…?=" words of at most 75
 * characters, cut between UTF-8 characters, folded with CRLF SP. Plain
 * ASCII is copied. CR, LF and other control characters become spaces (no
 * header can be injected through it). `used` is how many characters the
 * line holds before it ("Subject: " = 9). */
int jk_mail_encode_header(const char *text, size_t used, jk_buf *out);

typedef struct jk_mail {
    const char *from;      /* required */
    const char *from_name; /* may be NULL */
    const char *const *to; /* required, to_count of them */
    size_t to_count;
    const char *subject; /* UTF-8 */
    const char *body;    /* UTF-8 text, any line ends (sent as CRLF) */
    size_t body_len;
    const char *message_id; /* without the angle brackets (required) */
    int64_t date_unix;      /* the Date: header */
    const char *report_id;  /* an X-Junkai-Report header when set */
    /* one attachment when attachment_name is set */
    const char *attachment_name; /* ASCII file name */
    const char *attachment_type; /* "text/csv; charset=UTF-8" */
    const char *attachment;
    size_t attachment_len;
} jk_mail;

/* The message, CRLF line ends, appended to out. JK_EINVAL for a missing
 * or invalid address or message id. */
int jk_mail_build(const jk_mail *m, jk_buf *out, jk_error *err);

typedef struct jk_smtp_result {
    long code;       /* the server's last reply code; 0: none came */
    bool data_sent;  /* the message's bytes went out */
    bool refused;    /* the address check refused the server */
    char reply[256]; /* the server's last reply line */
} jk_smtp_result;

/* Deliver message (jk_mail_build's) to the recipients through cfg. The
 * password (may be NULL) is used when cfg->username is set. transcript
 * gets the dialogue ("> " our lines, "< " the server's, "* " curl's notes;
 * credentials redacted; the message's own bytes only counted). Returns
 * JK_OK once the server accepted the message (a 2xx answer to the end of
 * DATA); JK_EDENIED when the address check refused the server (err names
 * the URL and the address); JK_ENET for every other failure, res telling
 * whether the message went out and what the server last said; JK_EINVAL
 * for a malformed URL. */
int jk_smtp_send(const jk_smtp_config *cfg, const char *password, const char *const *to,
                 size_t to_count, const char *message, size_t message_len, jk_buf *transcript,
                 jk_smtp_result *res, jk_error *err);

#endif
