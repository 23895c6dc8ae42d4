/*
 * smtp.c — e-mail messages (RFC 5322, MIME: RFC 2045–2047) and their
 * delivery through libcurl's SMTP client (smtp.h). Owns the message's
 * format and the transcript's redaction; the address ranges are src/net's
 * (jk_http_address_is_internal), checked on the socket curl is about to
 * open, so DNS cannot swap the server's address after a check.
 * Must not touch: the store, templates (the caller renders the text).
 */
#include "smtp.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "civil.h"
#include "http.h"

#define MAIL_LINE_MAX 76 /* RFC 2047 §2: lines holding encoded-words */
#define B64_LINE 76      /* RFC 2045 §6.8 */
#define DEFAULT_TIMEOUT_MS 60000L
#define CONNECT_TIMEOUT_MS 10000L

void jk_smtp_config_release(jk_smtp_config *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->from);
    free(c->from_name);
    free(c->username);
    free(c->password_env);
    memset(c, 0, sizeof *c);
}

bool jk_mail_address_valid(const char *addr)
{
    if (!addr)
        return false;
    size_t len = strlen(addr);
    if (len < 3 || len > 254)
        return false;
    const char *at = strchr(addr, '@');
    if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = addr; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("<>()[],;:\"\\", c))
            return false;
    }
    return at[1] != '.' && addr[len - 1] != '.';
}

/* ---- encoding ---- */

static int put_base64(jk_buf *out, const unsigned char *data, size_t len)
{
    if (!len)
        return JK_OK;
    size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(size);
    if (!b)
        return JK_ENOMEM;
    sodium_bin2base64(b, size, data, len, sodium_base64_VARIANT_ORIGINAL);
    int rc = jk_buf_puts(out, b);
    free(b);
    return rc;
}

/* base64 in lines of 76 characters, each ended by CRLF. */
static int put_base64_lines(jk_buf *out, const unsigned char *data, size_t len)
{
    const size_t chunk = B64_LINE / 4 * 3;
    int rc = JK_OK;
    for (size_t i = 0; !rc && i < len; i += chunk) {
        rc = put_base64(out, data + i, len - i < chunk ? len - i : chunk);
        if (!rc)
            rc = jk_buf_puts(out, "\r\n");
    }
    return rc;
}

int jk_mail_encode_header(const char *text, size_t used, jk_buf *out)
{
    jk_buf clean;
    jk_buf_init(&clean, 0);
    bool plain = true;
    for (const char *p = text ? text : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            c = ' ';
        if (c >= 0x80)
            plain = false;
        jk_buf_putc(&clean, (char)c);
    }
    const char *s = clean.data ? clean.data : "";
    size_t len = clean.len;
    /* "=?" in plain text would read as the start of an encoded-word */
    if (plain && used + len <= MAIL_LINE_MAX && !strstr(s, "=?")) {
        int rc = jk_buf_append(out, s, len);
        jk_buf_release(&clean);
        return rc;
    }
    int rc = JK_OK;
    size_t i = 0;
    bool first = true;
    while (!rc && i < len) {
        /* room on this line for "=?UTF-8?B?" + base64 + "?=" */
        size_t room = (first ? MAIL_LINE_MAX - (used < 40 ? used : 40) : MAIL_LINE_MAX - 1) - 12;
        size_t take = room / 4 * 3;
        if (take > len - i)
            take = len - i;
        /* never cut inside a UTF-8 character */
        while (take > 1 && i + take < len && ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--;
        if (!first)
            rc = jk_buf_puts(out, "\r\n ");
        if (!rc)
            rc = jk_buf_puts(out, "=?UTF-8?B?");
        if (!rc)
            rc = put_base64(out, (const unsigned char *)s + i, take);
        if (!rc)
            rc = jk_buf_puts(out, "?=");
        i += take;
        first = false;
    }
    jk_buf_release(&clean);
    return rc;
}

/* RFC 5322 §3.3 date in UTC, without the C library's locale. */
static void mail_date(int64_t t, char out[40])
{
    static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - day * 86400;
    int64_t y;
    int m, d;
    jk_civil_from_days(day, &y, &m, &d);
    snprintf(out, 40, "%s, %02d %s %04lld %02d:%02d:%02d +0000", days[((day % 7) + 7) % 7], d,
             months[m - 1], (long long)y, (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60));
}

static bool message_id_valid(const char *id)
{
    if (!id || !strchr(id, '@') || strlen(id) > 200)
        return false;
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>')
            return false;
    return true;
}

/* text in canonical form (CRLF line ends), base64 encoded */
static int put_text_body(jk_buf *out, const char *body, size_t len)
{
    jk_buf crlf;
    jk_buf_init(&crlf, 0);
    int rc = JK_OK;
    for (size_t i = 0; !rc && i < len; i++) {
        if (body[i] == '\r' && i + 1 < len && body[i + 1] == '\n')
            continue; /* the LF that follows writes the pair */
        if (body[i] == '\n' || body[i] == '\r')
            rc = jk_buf_puts(&crlf, "\r\n");
        else
            rc = jk_buf_putc(&crlf, body[i]);
    }
    if (!rc)
        rc = put_base64_lines(out, (const unsigned char *)(crlf.data ? crlf.data : ""), crlf.len);
    jk_buf_release(&crlf);
    return rc;
}

int jk_mail_build(const jk_mail *m, jk_buf *out, jk_error *err)
{
    if (!jk_mail_address_valid(m->from))
        return jk_error_set(err, JK_EINVAL, "mail: the sender \"%s\" is not an address",
                            m->from ? m->from : "");
    if (!m->to_count)
        return jk_error_set(err, JK_EINVAL, "mail: no recipient");
    for (size_t i = 0; i < m->to_count; i++)
        if (!jk_mail_address_valid(m->to[i]))
            return jk_error_set(err, JK_EINVAL, "mail: the recipient \"%s\" is not an address",
                                m->to[i] ? m->to[i] : "");
    if (!message_id_valid(m->message_id))
        return jk_error_set(err, JK_EINVAL, "mail: \"%s\" is not a message id",
                            m->message_id ? m->message_id : "");
    if (m->attachment_name) {
        for (const char *p = m->attachment_name; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '"' || *p == '\\')
                return jk_error_set(err, JK_EINVAL, "mail: the attachment's name must be ASCII");
        if (!m->attachment_type || strpbrk(m->attachment_type, "\r\n"))
            return jk_error_set(err, JK_EINVAL, "mail: the attachment needs a content type");
    }
    char date[40];
    mail_date(m->date_unix, date);
    int rc = jk_buf_printf(out, "Date: %s\r\nFrom: ", date);
    if (!rc && m->from_name && *m->from_name) {
        rc = jk_mail_encode_header(m->from_name, 6, out);
        if (!rc)
            rc = jk_buf_printf(out, " <%s>\r\n", m->from);
    } else if (!rc) {
        rc = jk_buf_printf(out, "%s\r\n", m->from);
    }
    if (!rc)
        rc = jk_buf_puts(out, "To: ");
    for (size_t i = 0; !rc && i < m->to_count; i++)
        rc = jk_buf_printf(out, "%s%s", m->to[i], i + 1 < m->to_count ? ",\r\n " : "\r\n");
    if (!rc)
        rc = jk_buf_puts(out, "Subject: ");
    if (!rc)
        rc = jk_mail_encode_header(m->subject ? m->subject : "", 9, out);
    if (!rc)
        rc = jk_buf_printf(out,
                           "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                           "Auto-Submitted: auto-generated\r\n",
                           m->message_id);
    if (!rc && m->report_id && !strpbrk(m->report_id, "\r\n"))
        rc = jk_buf_printf(out, "X-Junkai-Report: %s\r\n", m->report_id);
    /* base64 never holds '_' nor a '=' followed by more text, so the
     * boundary cannot occur inside a part */
    static const char boundary[] = "=_junkai_part_boundary";
    static const char text_part[] = "Content-Type: text/plain; charset=UTF-8\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n";
    if (!rc && m->attachment_name) {
        rc = jk_buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n%s",
                           boundary, boundary, text_part);
        if (!rc)
            rc = put_text_body(out, m->body ? m->body : "", m->body ? m->body_len : 0);
        if (!rc)
            rc = jk_buf_printf(out,
                               "--%s\r\nContent-Type: %s\r\n"
                               "Content-Disposition: attachment; filename=\"%s\"\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n",
                               boundary, m->attachment_type, m->attachment_name);
        if (!rc)
            rc = put_base64_lines(out, (const unsigned char *)(m->attachment ? m->attachment : ""),
                                  m->attachment ? m->attachment_len : 0);
        if (!rc)
            rc = jk_buf_printf(out, "--%s--\r\n", boundary);
    } else if (!rc) {
        rc = jk_buf_puts(out, text_part);
        if (!rc)
            rc = put_text_body(out, m->body ? m->body : "", m->body ? m->body_len : 0);
    }
    if (rc)
        return jk_error_set(err, rc, "mail: %s", jk_strerror(rc));
    return JK_OK;
}

/* ---- delivery ---- */

typedef struct smtp_ctx {
    const char *msg;
    size_t len, pos;
    jk_buf *transcript;
    bool allow_private;
    bool refused;
    char refused_ip[INET6_ADDRSTRLEN];
    bool secret_next; /* the server asked (334) for a credential */
    bool data_sent;
    char last_reply[256];
} smtp_ctx;

static size_t on_read(char *buf, size_t size, size_t count, void *userdata)
{
    smtp_ctx *x = userdata;
    size_t n = size * count, left = x->len - x->pos;
    if (n > left)
        n = left;
    memcpy(buf, x->msg + x->pos, n);
    x->pos += n;
    return n;
}

/* One transcript line per protocol line: prefix, the line without its
 * line end, '\n'. */
static void put_lines(jk_buf *t, const char *prefix, const char *data, size_t size)
{
    size_t i = 0;
    while (i < size) {
        size_t end = i;
        while (end < size && data[end] != '\n')
            end++;
        size_t stop = end;
        if (stop > i && data[stop - 1] == '\r')
            stop--;
        if (stop > i || end < size) {
            jk_buf_puts(t, prefix);
            jk_buf_append(t, data + i, stop - i);
            jk_buf_putc(t, '\n');
        }
        i = end + 1;
    }
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *userdata)
{
    (void)curl;
    smtp_ctx *x = userdata;
    if (!x->transcript)
        return 0;
    switch (type) {
    case CURLINFO_TEXT:
        put_lines(x->transcript, "* ", data, size);
        break;
    case CURLINFO_HEADER_IN: {
        put_lines(x->transcript, "< ", data, size);
        size_t n = size;
        while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
            n--;
        if (n >= sizeof x->last_reply)
            n = sizeof x->last_reply - 1;
        /* replies are ASCII (RFC 5321 §4.2); anything else is not passed on */
        for (size_t k = 0; k < n; k++)
            x->last_reply[k] = data[k] >= 0x20 && data[k] < 0x7f ? data[k] : '?';
        x->last_reply[n] = '\0';
        x->secret_next = size >= 3 && memcmp(data, "334", 3) == 0;
        break;
    }
    case CURLINFO_HEADER_OUT:
        if (x->secret_next) {
            /* the answer to a 334 challenge is a credential (AUTH LOGIN's
             * user name and password, or a SASL response) */
            jk_buf_puts(x->transcript, "> [redacted]\n");
            x->secret_next = false;
        } else if (size > 5 && strncasecmp(data, "AUTH ", 5) == 0) {
            size_t mech = 5;
            while (mech < size && data[mech] != ' ' && data[mech] != '\r' && data[mech] != '\n')
                mech++;
            jk_buf_puts(x->transcript, "> ");
            jk_buf_append(x->transcript, data, mech);
            jk_buf_puts(x->transcript, mech < size && data[mech] == ' ' ? " [redacted]\n" : "\n");
        } else {
            put_lines(x->transcript, "> ", data, size);
        }
        break;
    case CURLINFO_DATA_OUT:
        if (!x->data_sent)
            jk_buf_puts(x->transcript, "> [the message: the record beside this transcript]\n");
        x->data_sent = true;
        break;
    default:
        break; /* TLS records and the server's data are not the dialogue */
    }
    return 0;
}

static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    smtp_ctx *x = userdata;
    char ip[INET6_ADDRSTRLEN] = "(unknown address family)";
    if (purpose == CURLSOCKTYPE_IPCXN && address->family == AF_INET) {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        memcpy(&sin, &address->addr, address->addrlen < sizeof sin ? address->addrlen : sizeof sin);
        inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
    } else if (purpose == CURLSOCKTYPE_IPCXN && address->family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof sin6);
        memcpy(&sin6, &address->addr,
               address->addrlen < sizeof sin6 ? address->addrlen : sizeof sin6);
        inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof ip);
    }
    /* text that is no address counts as internal: fails closed */
    if (jk_http_address_is_internal(ip) && !x->allow_private) {
        if (!x->refused) {
            x->refused = true;
            snprintf(x->refused_ip, sizeof x->refused_ip, "%s", ip);
        }
        return CURL_SOCKET_BAD;
    }
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);
    if (fd != CURL_SOCKET_BAD)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* Take the password's own bytes out of the transcript too, in case a
 * mechanism sent it in a form the line rules above do not know. */
static void scrub(jk_buf *t, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!t || !t->data || n < 4)
        return;
    for (size_t i = 0; i + n <= t->len; i++)
        if (memcmp(t->data + i, secret, n) == 0)
            memset(t->data + i, '*', n);
}

int jk_smtp_send(const jk_smtp_config *cfg, const char *password, const char *const *to,
                 size_t to_count, const char *message, size_t message_len, jk_buf *transcript,
                 jk_smtp_result *res, jk_error *err)
{
    memset(res, 0, sizeof *res);
    if (!cfg->url ||
        (strncmp(cfg->url, "smtp://", 7) != 0 && strncmp(cfg->url, "smtps://", 8) != 0))
        return jk_error_set(err, JK_EINVAL, "smtp: \"%s\" is not an smtp:// or smtps:// URL",
                            cfg->url ? cfg->url : "");
    if (!jk_mail_address_valid(cfg->from))
        return jk_error_set(err, JK_EINVAL, "smtp: the sender \"%s\" is not an address",
                            cfg->from ? cfg->from : "");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return jk_error_set(err, JK_ENET, "smtp: libcurl could not start");
    CURL *c = curl_easy_init();
    if (!c) {
        curl_global_cleanup();
        return jk_error_set(err, JK_ENET, "smtp: libcurl could not create a handle");
    }
    struct curl_slist *rcpt = NULL;
    char line[300];
    int rc = JK_OK;
    for (size_t i = 0; !rc && i < to_count; i++) {
        if (!jk_mail_address_valid(to[i])) {
            rc = jk_error_set(err, JK_EINVAL, "smtp: the recipient \"%s\" is not an address",
                              to[i] ? to[i] : "");
            break;
        }
        snprintf(line, sizeof line, "<%s>", to[i]);
        struct curl_slist *next = curl_slist_append(rcpt, line);
        if (!next)
            rc = jk_error_set(err, JK_ENOMEM, "smtp: out of memory");
        else
            rcpt = next;
    }
    if (!rc && !rcpt)
        rc = jk_error_set(err, JK_EINVAL, "smtp: no recipient");
    if (rc) {
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        curl_global_cleanup();
        return rc;
    }
    smtp_ctx x;
    memset(&x, 0, sizeof x);
    x.msg = message;
    x.len = message_len;
    x.transcript = transcript;
    x.allow_private = cfg->allow_private;
    char errbuf[CURL_ERROR_SIZE] = "";
    snprintf(line, sizeof line, "<%s>", cfg->from);
    bool implicit_tls = strncmp(cfg->url, "smtps://", 8) == 0;
    curl_easy_setopt(c, CURLOPT_URL, cfg->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, line);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &x);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message_len);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     cfg->starttls && !implicit_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (cfg->username && *cfg->username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, password ? password : "");
    }
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* no proxy from the environment */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &x);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    res->code = code;
    res->data_sent = x.data_sent;
    res->refused = x.refused;
    snprintf(res->reply, sizeof res->reply, "%s", x.last_reply);
    if (cc == CURLE_OK) {
        rc = JK_OK;
    } else if (x.refused) {
        rc = jk_error_set(err, JK_EDENIED,
                          "refused: %s resolves to %s, an internal address; set smtp.allow_private "
                          "in junkai.yaml to allow it",
                          cfg->url, x.refused_ip);
    } else if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
        rc = jk_error_set(err, JK_EINVAL, "%s: %s", cfg->url,
                          errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else {
        rc = jk_error_set(err, JK_ENET, "%s: %s%s%s%s", cfg->url,
                          errbuf[0] ? errbuf : curl_easy_strerror(cc),
                          x.last_reply[0] ? " (the server said \"" : "", x.last_reply,
                          x.last_reply[0] ? "\")" : "");
    }
    if (transcript)
        scrub(transcript, password);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return rc;
}
