/*
 * submit.c — the submission engine (submit.h): one run takes the sender's
 * lock, recovers submissions a crash left "sending", and sends the due
 * ones; each attempt is begun in a committed batch, sent (HTTP through
 * src/net's jk_http, e-mail through smtp.c), kept as WARC evidence, and
 * finished in a second batch, each batch with its audit entry.
 * Must not touch: SQL (the store), printing (the caller's log callback).
 */
#include "submit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "civil.h"
#include "evidence.h"
#include "http.h"
#include "report.h"
#include "template.h"
#include "warc.h"

#ifndef JK_VERSION
#define JK_VERSION "0.1"
#endif

#define DEFAULT_MAX_ATTEMPTS 5
#define DEFAULT_BACKOFF_SECONDS 300
#define DEFAULT_BATCH 50
#define DEFAULT_TIMEOUT_MS 30000L
#define BACKOFF_CAP_SECONDS 86400
#define DETAIL_EXCERPT 300

/* ---- destinations ---- */

const char *jk_destination_type_name(jk_destination_type type)
{
    switch (type) {
    case JK_DEST_HTTP_FORM:
        return "http_form";
    case JK_DEST_HTTP_JSON:
        return "http_json";
    case JK_DEST_SMTP:
        return "smtp";
    }
    return "unknown";
}

void jk_destination_release(jk_destination *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->url);
    free(d->method);
    for (size_t i = 0; i < d->field_count; i++) {
        free(d->fields[i].name);
        free(d->fields[i].value);
    }
    free(d->fields);
    free(d->bearer_token_env);
    for (size_t i = 0; i < d->to_count; i++)
        free(d->to[i]);
    free(d->to);
    free(d->subject);
    free(d->body);
    memset(d, 0, sizeof *d);
}

bool jk_destination_takes(const jk_destination *d, const char *kind)
{
    jk_report_kind k;
    if (!d->kinds)
        return true;
    return kind && jk_report_kind_parse(kind, &k) && (d->kinds & (1u << k));
}

void jk_submit_idempotency_key(int64_t report_id, const char *body_sha256, char *out, size_t size)
{
    snprintf(out, size, "junkai-report-%lld-%.32s", (long long)report_id,
             body_sha256 ? body_sha256 : "");
}

/* ---- what goes out ---- */

static json_t *str_or_empty(const char *s)
{
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("");
}

/* "証拠 SHA-256" is no template name (names hold no spaces); it is also
 * reachable as "証拠_SHA-256". */
static void set_column(json_t *obj, const char *column, json_t *value)
{
    json_object_set(obj, column, value);
    if (strpbrk(column, " \t")) {
        char *alias = jk_strdup(column);
        for (char *p = alias; *p; p++)
            if (*p == ' ' || *p == '\t')
                *p = '_';
        json_object_set(obj, alias, value);
        free(alias);
    }
    json_decref(value);
}

json_t *jk_submit_context(const jk_report_row *r, const jk_report_org *org, const jk_destination *d,
                          const int64_t *items, size_t item_count)
{
    char key[96];
    jk_submit_idempotency_key(r->id, r->body_sha256, key, sizeof key);
    json_t *item_list = json_array();
    for (size_t i = 0; i < item_count; i++)
        json_array_append_new(item_list, json_integer((json_int_t)items[i]));
    json_t *body = json_stringn(r->body ? r->body : "", r->body ? r->body_len : 0);
    json_t *report =
        json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                  (json_int_t)r->id, "case", (json_int_t)r->case_id, "kind", str_or_empty(r->kind),
                  "doc_key", str_or_empty(r->doc_key), "title", str_or_empty(r->title), "body",
                  body ? body : json_string(""), "body_sha256", str_or_empty(r->body_sha256),
                  "created_by", str_or_empty(r->created_by), "created_at",
                  str_or_empty(r->created_at), "approved_by", str_or_empty(r->approved_by),
                  "approved_at", str_or_empty(r->approved_at), "items", item_list);
    json_t *field = json_object(), *rows = json_array(), *columns = json_array();
    json_t *stored = r->fields_json ? json_loads(r->fields_json, 0, NULL) : NULL;
    json_t *cols = json_object_get(stored, "columns"), *data = json_object_get(stored, "rows");
    for (size_t c = 0; c < json_array_size(cols); c++) {
        const char *name = json_string_value(json_array_get(cols, c));
        if (!name)
            continue;
        json_array_append_new(columns, json_string(name));
        jk_buf joined;
        jk_buf_init(&joined, 0);
        for (size_t k = 0; k < json_array_size(data); k++) {
            const char *v = json_string_value(json_array_get(json_array_get(data, k), c));
            if (k)
                jk_buf_putc(&joined, '\n');
            jk_buf_puts(&joined, v ? v : "");
        }
        json_t *v = json_stringn(joined.data ? joined.data : "", joined.len);
        set_column(field, name, v ? v : json_string(""));
        jk_buf_release(&joined);
    }
    for (size_t k = 0; k < json_array_size(data); k++) {
        json_t *row = json_object(), *src = json_array_get(data, k);
        for (size_t c = 0; c < json_array_size(cols); c++) {
            const char *name = json_string_value(json_array_get(cols, c));
            if (name)
                set_column(row, name, str_or_empty(json_string_value(json_array_get(src, c))));
        }
        json_array_append_new(rows, row);
    }
    json_decref(stored);
    jk_report_org none = {0};
    if (!org)
        org = &none;
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:{s:s, s:s}, s:s}", "report",
        report, "field", field, "rows", rows, "columns", columns, "organization", "name",
        str_or_empty(org->name), "department", str_or_empty(org->department), "contact_name",
        str_or_empty(org->contact_name), "email", str_or_empty(org->email), "phone",
        str_or_empty(org->phone), "address", str_or_empty(org->address), "destination", "name",
        d->name ? d->name : "", "type", jk_destination_type_name(d->type), "idempotency_key", key);
}

/* application/x-www-form-urlencoded as the WHATWG URL standard serializes
 * it (§5.2): * - . _ and alphanumerics kept, space as '+', the rest %XX. */
static void form_encode(jk_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '*' || c == '-' || c == '.' || c == '_') {
            jk_buf_putc(out, (char)c);
        } else if (c == ' ') {
            jk_buf_putc(out, '+');
        } else {
            jk_buf_putc(out, '%');
            jk_buf_putc(out, hex[c >> 4]);
            jk_buf_putc(out, hex[c & 15]);
        }
    }
}

static int render(const char *tmpl, const char *where, const json_t *ctx, jk_buf *out,
                  jk_error *err)
{
    jk_error e;
    int rc = jk_template_render(tmpl, strlen(tmpl), "template", ctx, out, &e);
    if (rc)
        return jk_error_set(err, rc, "%s: %s", where, e.message);
    return JK_OK;
}

int jk_submit_http_body(const jk_destination *d, const json_t *ctx, jk_buf *body,
                        const char **content_type, jk_error *err)
{
    char where[512];
    jk_buf value;
    jk_buf_init(&value, 0);
    int rc = JK_OK;
    if (d->type == JK_DEST_HTTP_FORM) {
        *content_type = "application/x-www-form-urlencoded";
        for (size_t i = 0; !rc && i < d->field_count; i++) {
            jk_buf_reset(&value);
            snprintf(where, sizeof where, "destinations.%s.fields.%s", d->name, d->fields[i].name);
            rc = render(d->fields[i].value, where, ctx, &value, err);
            if (rc)
                break;
            if (i)
                jk_buf_putc(body, '&');
            form_encode(body, d->fields[i].name, strlen(d->fields[i].name));
            jk_buf_putc(body, '=');
            form_encode(body, value.data ? value.data : "", value.len);
        }
    } else {
        *content_type = "application/json";
        json_t *doc;
        if (d->field_count) {
            doc = json_object();
            for (size_t i = 0; !rc && i < d->field_count; i++) {
                jk_buf_reset(&value);
                snprintf(where, sizeof where, "destinations.%s.fields.%s", d->name,
                         d->fields[i].name);
                rc = render(d->fields[i].value, where, ctx, &value, err);
                if (!rc) {
                    json_t *v = json_stringn(value.data ? value.data : "", value.len);
                    if (!v) /* a template pasted bytes that are no UTF-8 */
                        rc = jk_error_set(err, JK_EPARSE, "%s: the value is not UTF-8", where);
                    else
                        json_object_set_new(doc, d->fields[i].name, v);
                }
            }
        } else {
            const json_t *report = json_object_get(ctx, "report");
            doc = json_pack("{s:O, s:O, s:{s:O, s:O}}", "idempotency_key",
                            json_object_get(ctx, "idempotency_key"), "report", report, "fields",
                            "columns", json_object_get(ctx, "columns"), "rows",
                            json_object_get(ctx, "rows"));
        }
        char *text = !rc && doc ? json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (!rc && !text)
            rc = jk_error_set(err, JK_ENOMEM, "destinations.%s: out of memory", d->name);
        if (text)
            jk_buf_puts(body, text);
        free(text);
        json_decref(doc);
    }
    jk_buf_release(&value);
    return rc;
}

/* ---- one attempt ---- */

typedef struct report_copy {
    jk_report_row row;
    bool found;
} report_copy;

static char *dup_or_null(const char *s)
{
    return s ? jk_strdup(s) : NULL;
}

static int copy_report(void *p, const jk_report_row *r)
{
    report_copy *c = p;
    c->found = true;
    c->row = *r;
    c->row.kind = dup_or_null(r->kind);
    c->row.doc_key = dup_or_null(r->doc_key);
    c->row.title = dup_or_null(r->title);
    c->row.body = r->body ? jk_strndup(r->body, r->body_len) : NULL;
    c->row.fields_json = dup_or_null(r->fields_json);
    c->row.body_sha256 = dup_or_null(r->body_sha256);
    c->row.status = dup_or_null(r->status);
    c->row.created_by = dup_or_null(r->created_by);
    c->row.created_at = dup_or_null(r->created_at);
    c->row.approved_by = dup_or_null(r->approved_by);
    c->row.approved_at = dup_or_null(r->approved_at);
    c->row.destination = dup_or_null(r->destination);
    c->row.sent_by = c->row.sent_at = c->row.sent_via = NULL;
    c->row.submit_state = dup_or_null(r->submit_state);
    c->row.last_error = NULL;
    return 0;
}

static void report_copy_release(report_copy *c)
{
    free((char *)c->row.kind);
    free((char *)c->row.doc_key);
    free((char *)c->row.title);
    free((char *)c->row.body);
    free((char *)c->row.fields_json);
    free((char *)c->row.body_sha256);
    free((char *)c->row.status);
    free((char *)c->row.created_by);
    free((char *)c->row.created_at);
    free((char *)c->row.approved_by);
    free((char *)c->row.approved_at);
    free((char *)c->row.destination);
    free((char *)c->row.submit_state);
    memset(c, 0, sizeof *c);
}

/* What an attempt came to. */
typedef struct attempt {
    const char *outcome; /* delivered, retry, failed, uncertain */
    jk_buf detail;
    long retry_after; /* seconds the receiver asked for; 0: none */
    jk_buf warc;      /* the evidence file being built */
    const char *evidence_url;
    bool exchanged; /* an HTTP exchange (request + response) is in warc */
} attempt;

typedef struct run {
    const jk_submit_env *env;
    jk_http *http;
    attempt *current; /* where on_exchange writes */
    jk_submit_stats *stats;
} run;

static void logf_(const jk_submit_env *env, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void logf_(const jk_submit_env *env, const char *fmt, ...)
{
    if (!env->log)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    env->log(env->ctx, line);
}

static void on_exchange(void *ctx, const jk_http_exchange *x)
{
    run *r = ctx;
    if (!r->current)
        return;
    jk_evidence_meta meta = {0, 0, NULL, r->env->contact};
    jk_error err;
    if (jk_evidence_warc(&meta, x, &r->current->warc, &err) == JK_OK)
        r->current->exchanged = true;
    else
        logf_(r->env, "evidence of %s not built: %s", x->url ? x->url : "?", err.message);
}

/* The length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing past U+10FFFF); 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n > len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return n;
}

/* Text from outside (a response body, a server's reply, an error naming
 * it) for a detail, the audit log and a log line: one line, at most max
 * bytes, valid UTF-8; control characters and broken sequences become a
 * space. */
static void put_excerpt(jk_buf *out, const char *s, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, kept = 0;
    bool space = false;
    while (i < len && kept < max) {
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0 || u[i] <= 0x20 || u[i] == 0x7f) {
            space = kept > 0;
            i++;
            continue;
        }
        if (space) {
            jk_buf_putc(out, ' ');
            kept++;
            space = false;
        }
        jk_buf_append(out, s + i, n);
        kept += n;
        i += n;
    }
    if (i < len)
        jk_buf_puts(out, "…");
}

static void send_http(run *r, const jk_destination *d, const report_copy *rep, const json_t *ctx,
                      const char *key, attempt *a)
{
    jk_buf body;
    jk_buf_init(&body, 0);
    const char *type = NULL;
    jk_error err;
    a->evidence_url = d->url;
    if (jk_submit_http_body(d, ctx, &body, &type, &err)) {
        a->outcome = "failed";
        jk_buf_puts(&a->detail, err.message);
        jk_buf_release(&body);
        return;
    }
    char idem[160];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", key);
    char report_hdr[64];
    snprintf(report_hdr, sizeof report_hdr, "X-Junkai-Report: %lld", (long long)rep->row.id);
    const char *headers[] = {idem, report_hdr};
    jk_http_request req = {0};
    req.method = d->method ? d->method : "POST";
    req.url = d->url;
    req.body = body.data ? body.data : "";
    req.body_len = body.len;
    req.content_type = type;
    req.allow_private = d->allow_private;
    req.headers = headers;
    req.header_count = 2;
    req.accept = "application/json, text/html;q=0.9, */*;q=0.5";
    const char *token = d->bearer_token_env ? getenv(d->bearer_token_env) : NULL;
    if (d->bearer_token_env && (!token || !*token)) {
        a->outcome = "failed";
        jk_buf_printf(&a->detail,
                      "destinations.%s: the environment variable %s holding its token "
                      "is not set",
                      d->name, d->bearer_token_env);
        jk_buf_release(&body);
        return;
    }
    req.bearer_token = token;
    jk_http_response resp;
    jk_http_response_init(&resp);
    r->current = a;
    int rc = jk_http_fetch(r->http, &req, &resp, &err);
    r->current = NULL;
    if (rc == JK_OK) {
        long s = resp.status;
        const char *h = resp.headers ? resp.headers : "";
        size_t first = strcspn(h, "\r\n");
        put_excerpt(&a->detail, h, first, 120);
        if (resp.body.len) {
            jk_buf_puts(&a->detail, ": ");
            put_excerpt(&a->detail, resp.body.data, resp.body.len, DETAIL_EXCERPT);
        }
        if (s >= 200 && s < 300) {
            a->outcome = "delivered";
        } else if (s == 408 || s == 425 || s == 429 || (s >= 500 && s < 600)) {
            a->outcome = "retry";
            char *ra = jk_http_response_header(&resp, "Retry-After");
            long ms = jk_http_retry_after_ms(ra, (long long)time(NULL) * 1000);
            free(ra);
            if (ms > 0)
                a->retry_after = ms / 1000;
        } else {
            a->outcome = "failed"; /* the receiver refused it as it is */
        }
    } else if (rc == JK_ENET && resp.request_sent) {
        a->outcome = d->retry_unanswered ? "retry" : "uncertain";
        jk_buf_printf(&a->detail, "sent, no answer: %s", err.message);
    } else if (rc == JK_ENET) {
        a->outcome = "retry";
        jk_buf_puts(&a->detail, err.message);
    } else {
        a->outcome = "failed"; /* refused by policy (an internal address) or no URL */
        jk_buf_puts(&a->detail, err.message);
    }
    if (!a->exchanged) {
        /* no answer to keep: keep what was (or would have been) sent */
        char id[48], date[32];
        jk_warc_new_record_id(id);
        jk_warc_date((long long)time(NULL) * 1000, date);
        jk_warc_out rec = {0};
        rec.type = "resource";
        rec.record_id = id;
        rec.date = date;
        rec.target_uri = strpbrk(d->url, "\r\n") ? NULL : d->url;
        rec.content_type = type;
        rec.block = body.data ? body.data : "";
        rec.block_len = body.len;
        jk_warc_append(&a->warc, &rec, true, NULL);
    }
    jk_http_response_release(&resp);
    jk_buf_release(&body);
}

static void send_smtp(run *r, const jk_destination *d, const report_copy *rep, const json_t *ctx,
                      const char *key, attempt *a)
{
    const jk_submit_env *env = r->env;
    const jk_smtp_config *smtp = env->smtp;
    jk_error err;
    if (!smtp || !smtp->url) {
        a->outcome = "failed";
        jk_buf_printf(&a->detail, "destinations.%s: e-mail needs smtp: in junkai.yaml", d->name);
        return;
    }
    a->evidence_url = smtp->url;
    const char *password = NULL;
    if (smtp->username && *smtp->username) {
        password = smtp->password_env ? getenv(smtp->password_env) : NULL;
        if (!password || !*password) {
            a->outcome = "failed";
            jk_buf_printf(&a->detail,
                          "smtp: the environment variable %s holding the password is not set",
                          smtp->password_env ? smtp->password_env : "(smtp.password_env)");
            return;
        }
    }
    jk_buf subject, text, message, transcript;
    jk_buf_init(&subject, 0);
    jk_buf_init(&text, 0);
    jk_buf_init(&message, 0);
    jk_buf_init(&transcript, 0);
    char where[256];
    snprintf(where, sizeof where, "destinations.%s.subject", d->name);
    int rc = render(d->subject ? d->subject : "{{report.title}}", where, ctx, &subject, &err);
    snprintf(where, sizeof where, "destinations.%s.body", d->name);
    if (!rc)
        rc = render(d->body ? d->body : "{{report.body}}", where, ctx, &text, &err);
    char message_id[256], report_id[24];
    const char *domain = strchr(smtp->from ? smtp->from : "", '@');
    snprintf(message_id, sizeof message_id, "%s@%s", key, domain ? domain + 1 : "junkai.invalid");
    snprintf(report_id, sizeof report_id, "%lld", (long long)rep->row.id);
    jk_mail m = {0};
    m.from = smtp->from;
    m.from_name = smtp->from_name && *smtp->from_name             ? smtp->from_name
                  : env->org && env->org->name && *env->org->name ? env->org->name
                                                                  : NULL;
    m.to = (const char *const *)d->to;
    m.to_count = d->to_count;
    m.subject = subject.data ? subject.data : "";
    m.body = text.data ? text.data : "";
    m.body_len = text.len;
    m.message_id = message_id;
    m.date_unix = (int64_t)time(NULL);
    m.report_id = report_id;
    if (!rc)
        rc = jk_mail_build(&m, &message, &err);
    if (rc) {
        a->outcome = "failed";
        jk_buf_puts(&a->detail, err.message);
        goto done;
    }
    jk_smtp_result res;
    rc = jk_smtp_send(smtp, password, (const char *const *)d->to, d->to_count, message.data,
                      message.len, &transcript, &res, &err);
    if (rc == JK_OK) {
        a->outcome = "delivered";
        put_excerpt(&a->detail, res.reply, strlen(res.reply), DETAIL_EXCERPT);
    } else if (rc == JK_ENET && res.code >= 500) {
        a->outcome = "failed";
        jk_buf_puts(&a->detail, err.message);
    } else if (rc == JK_ENET && res.code >= 400) {
        a->outcome = "retry";
        jk_buf_puts(&a->detail, err.message);
    } else if (rc == JK_ENET && res.data_sent) {
        a->outcome = d->retry_unanswered ? "retry" : "uncertain";
        jk_buf_printf(&a->detail, "sent, no answer: %s", err.message);
    } else if (rc == JK_ENET) {
        a->outcome = "retry";
        jk_buf_puts(&a->detail, err.message);
    } else {
        a->outcome = "failed";
        jk_buf_puts(&a->detail, err.message);
    }
    /* the evidence: the message as sent and the dialogue */
    char info_id[48], msg_id[48], tr_id[48], date[32];
    jk_warc_new_record_id(info_id);
    jk_warc_new_record_id(msg_id);
    jk_warc_new_record_id(tr_id);
    jk_warc_date((long long)time(NULL) * 1000, date);
    jk_buf info, target;
    jk_buf_init(&info, 0);
    jk_buf_init(&target, 0);
    jk_buf_printf(&info, "software: junkai/" JK_VERSION "\r\nformat: WARC File Format 1.1\r\n"
                         "description: one e-mail submission of a junkai report\r\n");
    jk_buf_puts(&target, "mailto:");
    for (size_t i = 0; i < d->to_count; i++)
        jk_buf_printf(&target, "%s%s", i ? "," : "", d->to[i]);
    const jk_warc_out records[] = {
        {.type = "warcinfo",
         .record_id = info_id,
         .date = date,
         .content_type = "application/warc-fields",
         .block = info.data,
         .block_len = info.len},
        {.type = "resource",
         .record_id = msg_id,
         .date = date,
         .target_uri = target.data,
         .warcinfo_id = info_id,
         .content_type = "message/rfc822",
         .block = message.data,
         .block_len = message.len},
        {.type = "resource",
         .record_id = tr_id,
         .date = date,
         .target_uri = strpbrk(smtp->url, "\r\n") ? NULL : smtp->url,
         .concurrent_to = msg_id,
         .warcinfo_id = info_id,
         .content_type = "text/plain; charset=utf-8",
         .block = transcript.data ? transcript.data : "",
         .block_len = transcript.len},
    };
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        jk_warc_append(&a->warc, &records[i], true, NULL);
    jk_buf_release(&info);
    jk_buf_release(&target);
done:
    jk_buf_release(&subject);
    jk_buf_release(&text);
    jk_buf_release(&message);
    jk_buf_release(&transcript);
}

/* The metadata record naming what the file is evidence of. */
static void put_metadata(const jk_submit_env *env, const jk_destination *d, const char *dest_name,
                         const report_copy *rep, long n, const char *key, attempt *a)
{
    char id[48], date[32];
    jk_warc_new_record_id(id);
    jk_warc_date((long long)time(NULL) * 1000, date);
    jk_buf f;
    jk_buf_init(&f, 0);
    jk_buf_printf(&f, "report: %lld\r\ncase: %lld\r\n", (long long)rep->row.id,
                  (long long)rep->row.case_id);
    jk_buf_printf(&f, "report-body-sha256: %s\r\n",
                  rep->row.body_sha256 ? rep->row.body_sha256 : "");
    jk_buf_printf(&f, "destination: %.*s\r\n", (int)strcspn(dest_name, "\r\n"), dest_name);
    if (d)
        jk_buf_printf(&f, "destination-type: %s\r\n", jk_destination_type_name(d->type));
    jk_buf_printf(&f, "attempt: %ld\r\nidempotency-key: %s\r\n", n, key);
    jk_buf_printf(&f, "submitted-by: %.*s\r\n", (int)strcspn(env->user, "\r\n"), env->user);
    if (env->contact && *env->contact)
        jk_buf_printf(&f, "operator: %.*s\r\n", (int)strcspn(env->contact, "\r\n"), env->contact);
    jk_buf_printf(&f, "outcome: %s\r\ndetail: ", a->outcome);
    const char *dt = a->detail.data ? a->detail.data : "";
    jk_buf_append(&f, dt, strcspn(dt, "\r\n"));
    jk_buf_puts(&f, "\r\n");
    jk_warc_out rec = {0};
    rec.type = "metadata";
    rec.record_id = id;
    rec.date = date;
    rec.target_uri = a->evidence_url && !strpbrk(a->evidence_url, "\r\n") ? a->evidence_url : NULL;
    rec.content_type = "application/warc-fields";
    rec.block = f.data;
    rec.block_len = f.len;
    if (!a->warc.len) {
        /* a file of its own needs a warcinfo first */
        char info_id[48];
        jk_warc_new_record_id(info_id);
        static const char info[] = "software: junkai/" JK_VERSION "\r\n"
                                   "format: WARC File Format 1.1\r\n"
                                   "description: a junkai report submission attempt\r\n";
        jk_warc_out w = {0};
        w.type = "warcinfo";
        w.record_id = info_id;
        w.date = date;
        w.content_type = "application/warc-fields";
        w.block = info;
        w.block_len = sizeof info - 1;
        jk_warc_append(&a->warc, &w, true, NULL);
    }
    jk_warc_append(&a->warc, &rec, true, NULL);
    jk_buf_release(&f);
}

/* Store the WARC file; the evidence row's id, 0 when it could not be kept
 * (logged: the outcome is recorded all the same). */
static int64_t keep_evidence(const jk_submit_env *env, const report_copy *rep, attempt *a)
{
    char dir[4096], sha[65];
    snprintf(dir, sizeof dir, "%s/evidence", env->data_dir);
    char *rel = NULL;
    jk_error err;
    int64_t id = 0;
    int rc = jk_evidence_store_file(dir, a->warc.data, a->warc.len, sha, &rel, &err);
    if (!rc) {
        char path[600];
        snprintf(path, sizeof path, "evidence/%s", rel);
        jk_evidence_in ev = {0};
        ev.sha256 = sha;
        ev.path = path;
        ev.kind = "submission";
        ev.url = a->evidence_url;
        ev.size = (int64_t)a->warc.len;
        rc = jk_store_evidence_add(env->store, &ev, &id, &err);
    }
    if (rc)
        logf_(env, "report %lld: the attempt's evidence was not kept: %s", (long long)rep->row.id,
              err.message);
    free(rel);
    return rc ? 0 : id;
}

static const jk_destination *find_destination(const jk_submit_env *env, const char *name)
{
    for (size_t i = 0; name && i < env->destination_count; i++)
        if (strcmp(env->destinations[i].name, name) == 0)
            return &env->destinations[i];
    return NULL;
}

/* Append the audit entry (detail: a JSON object, stolen) and commit. */
static int audit_commit(const jk_submit_env *env, const char *action, int64_t report_id,
                        json_t *detail, jk_error *err)
{
    char target[32];
    snprintf(target, sizeof target, "report:%lld", (long long)report_id);
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    int rc = jk_store_audit_append(env->store, env->user, action, target, text, err);
    free(text);
    if (!rc)
        rc = jk_store_commit(env->store, err);
    if (rc)
        jk_store_rollback(env->store);
    else if (env->committed)
        env->committed(env->ctx);
    return rc;
}

static long backoff_for(const jk_submit_env *env, long attempt_no)
{
    long base = env->backoff_seconds > 0 ? env->backoff_seconds : DEFAULT_BACKOFF_SECONDS;
    long d = base;
    for (long i = 1; i < attempt_no && d < BACKOFF_CAP_SECONDS; i++)
        d *= 2;
    return d > BACKOFF_CAP_SECONDS ? BACKOFF_CAP_SECONDS : d;
}

/* Counts the retries that end the list of attempts so far, plus one for
 * the attempt under way (its outcome is not recorded yet). */
static int count_retries(void *ctx, const jk_submission_row *row)
{
    long *series = ctx;
    if (!row->outcome)
        return 0;
    *series = strcmp(row->outcome, "retry") == 0 ? *series + 1 : 1;
    return 0;
}

/* One report: begin, send, keep the evidence, finish. JK_OK unless the
 * store failed (then the run stops). */
static int submit_one(run *r, int64_t report_id, jk_error *run_err)
{
    const jk_submit_env *env = r->env;
    jk_error err;
    report_copy rep = {0};
    int rc = jk_store_report_get(env->store, report_id, copy_report, &rep, &err);
    if (rc) {
        logf_(env, "report %lld: %s", (long long)report_id, err.message);
        if (rc != JK_ENOTFOUND)
            jk_error_set(run_err, rc, "report %lld: %s", (long long)report_id, err.message);
        return rc == JK_ENOTFOUND ? JK_OK : rc;
    }
    const char *dest_name = rep.row.destination ? rep.row.destination : "";
    const jk_destination *d = find_destination(env, dest_name);
    char key[96];
    jk_submit_idempotency_key(rep.row.id, rep.row.body_sha256, key, sizeof key);

    /* 1. committed as "sending" before anything goes out */
    long n = 0;
    rc = jk_store_begin(env->store, &err);
    if (!rc)
        rc = jk_store_submit_begin(env->store, report_id, &n, &err);
    if (rc == JK_EINVAL) { /* someone else took it, or it was resolved meanwhile */
        jk_store_rollback(env->store);
        logf_(env, "report %lld: %s; skipped", (long long)report_id, err.message);
        report_copy_release(&rep);
        return JK_OK;
    }
    if (!rc)
        rc = audit_commit(env, "report.submit.start", report_id,
                          json_pack("{s:s, s:I, s:s}", "destination", dest_name, "attempt",
                                    (json_int_t)n, "idempotency_key", key),
                          &err);
    else
        jk_store_rollback(env->store);
    if (rc) {
        logf_(env, "report %lld: %s", (long long)report_id, err.message);
        jk_error_set(run_err, rc, "report %lld: %s", (long long)report_id, err.message);
        report_copy_release(&rep);
        return rc;
    }
    r->stats->attempted++;

    /* 2. send */
    attempt a;
    memset(&a, 0, sizeof a);
    jk_buf_init(&a.detail, 0);
    jk_buf_init(&a.warc, 0);
    if (!d) {
        a.outcome = "failed";
        jk_buf_printf(&a.detail, "no destination named \"%s\" in junkai.yaml", dest_name);
    } else if (!jk_destination_takes(d, rep.row.kind)) {
        a.outcome = "failed";
        jk_buf_printf(&a.detail, "destination %s does not take %s reports", d->name,
                      rep.row.kind ? rep.row.kind : "?");
    } else {
        int64_t *items = NULL;
        size_t count = 0;
        if (jk_store_report_items(env->store, report_id, &items, &count, &err))
            count = 0;
        json_t *ctx = jk_submit_context(&rep.row, env->org, d, items, count);
        free(items);
        if (!ctx) {
            a.outcome = "failed";
            jk_buf_puts(&a.detail, "the report's context could not be built (out of memory)");
        } else if (d->type == JK_DEST_SMTP) {
            send_smtp(r, d, &rep, ctx, key, &a);
        } else {
            send_http(r, d, &rep, ctx, key, &a);
        }
        json_decref(ctx);
    }
    long max = env->max_attempts > 0 ? env->max_attempts : DEFAULT_MAX_ATTEMPTS;
    int64_t now = (int64_t)time(NULL), next = 0;
    if (strcmp(a.outcome, "retry") == 0) {
        /* this attempt's place in the series since the report was queued
         * (a person's resolve --retry starts a new series) */
        long series = 1;
        if (jk_store_report_submissions(env->store, report_id, count_retries, &series, &err))
            series = n;
        if (series >= max) {
            a.outcome = "failed";
            jk_buf tmp;
            jk_buf_init(&tmp, 0);
            jk_buf_printf(&tmp, "gave up after %ld attempts: %s", series,
                          a.detail.data ? a.detail.data : "");
            jk_buf_release(&a.detail);
            a.detail = tmp;
        } else {
            long wait = backoff_for(env, series);
            if (a.retry_after > wait)
                wait = a.retry_after > BACKOFF_CAP_SECONDS ? BACKOFF_CAP_SECONDS : a.retry_after;
            next = now + wait;
        }
    }

    /* what the outside said goes into the store and the audit log only
     * as one clean line */
    jk_buf clean;
    jk_buf_init(&clean, 0);
    put_excerpt(&clean, a.detail.data ? a.detail.data : "", a.detail.len, 2 * DETAIL_EXCERPT);
    jk_buf_release(&a.detail);
    a.detail = clean;

    /* 3. the evidence, then the outcome */
    put_metadata(env, d, dest_name, &rep, n, key, &a);
    int64_t evidence_id = keep_evidence(env, &rep, &a);
    long first = env->first_check_seconds > 0 ? env->first_check_seconds : 86400;
    const char *detail = a.detail.data ? a.detail.data : "";
    rc = jk_store_begin(env->store, &err);
    if (!rc)
        rc = jk_store_submit_finish(env->store, report_id, env->user, a.outcome, next, detail,
                                    evidence_id, now + first, &err);
    if (!rc) {
        char action[48];
        snprintf(action, sizeof action, "report.submit.%s", a.outcome);
        json_t *dv = json_string(detail);
        json_t *dj =
            json_pack("{s:s, s:I, s:s, s:o}", "destination", dest_name, "attempt", (json_int_t)n,
                      "outcome", a.outcome, "detail", dv ? dv : json_string(""));
        if (dj && evidence_id)
            json_object_set_new(dj, "evidence", json_integer((json_int_t)evidence_id));
        if (dj && next)
            json_object_set_new(dj, "next_attempt_unix", json_integer((json_int_t)next));
        rc = audit_commit(env, action, report_id, dj, &err);
    } else {
        jk_store_rollback(env->store);
    }
    if (rc) {
        logf_(env, "report %lld: the outcome (%s) was not recorded: %s", (long long)report_id,
              a.outcome, err.message);
        jk_error_set(run_err, rc, "report %lld: the outcome (%s) was not recorded: %s",
                     (long long)report_id, a.outcome, err.message);
    } else {
        if (strcmp(a.outcome, "delivered") == 0)
            r->stats->delivered++;
        else if (strcmp(a.outcome, "retry") == 0)
            r->stats->retry++;
        else if (strcmp(a.outcome, "failed") == 0)
            r->stats->failed++;
        else
            r->stats->uncertain++;
        char when[48] = "";
        if (next) {
            char f[21];
            jk_utc_format(next, f);
            snprintf(when, sizeof when, "; next attempt %s", f);
        }
        logf_(env, "report %lld → %s (attempt %ld): %s: %s%s%s", (long long)report_id, dest_name, n,
              a.outcome, detail, when, evidence_id ? "" : " [no evidence kept]");
    }
    jk_buf_release(&a.detail);
    jk_buf_release(&a.warc);
    report_copy_release(&rep);
    return rc;
}

/* ---- the run ---- */

typedef struct due_entry {
    int64_t id;
    char *destination;
    size_t order;
} due_entry;

typedef struct due_list {
    due_entry *items;
    size_t count, cap;
} due_list;

static int keep_due(void *p, const jk_report_row *r)
{
    due_list *l = p;
    jk_grow((void **)&l->items, &l->cap, l->count + 1, sizeof *l->items);
    l->items[l->count] =
        (due_entry){r->id, jk_strdup(r->destination ? r->destination : ""), l->count};
    l->count++;
    return 0;
}

static int by_destination(const void *a, const void *b)
{
    const due_entry *x = a, *y = b;
    int c = strcmp(x->destination, y->destination);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* One sender per data directory: a POSIX record lock on DATA/submit.lock,
 * released by the kernel when the process ends however it ends. */
static int take_lock(const char *data_dir, int *fd_out, bool *busy, jk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/submit.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return jk_error_set(err, JK_EIO, "%s: %s", path, strerror(errno));
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        close(fd);
        if (e == EACCES || e == EAGAIN) {
            *busy = true;
            return JK_OK;
        }
        return jk_error_set(err, JK_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    *fd_out = fd;
    return JK_OK;
}

int jk_submit_run(const jk_submit_env *env, jk_submit_stats *stats, jk_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (!env->store || !env->data_dir || !env->user || !*env->user)
        return jk_error_set(err, JK_EINVAL, "submission: store, data directory and user needed");
    int lock = -1;
    int rc = take_lock(env->data_dir, &lock, &stats->busy, err);
    if (rc || stats->busy)
        return rc;

    /* whatever is "sending" now was left by a sender that died: no live
     * sender exists while we hold the lock */
    long recovered = 0;
    rc = jk_store_begin(env->store, err);
    if (!rc)
        rc = jk_store_submit_recover(env->store, &recovered, err);
    if (!rc && recovered) {
        char *text = NULL;
        json_t *d = json_pack("{s:I}", "count", (json_int_t)recovered);
        text = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = jk_store_audit_append(env->store, env->user, "report.submit.recover", "", text, err);
        free(text);
    }
    if (!rc)
        rc = jk_store_commit(env->store, err);
    if (rc) {
        jk_store_rollback(env->store);
        close(lock);
        return rc;
    }
    if (recovered) {
        stats->recovered = recovered;
        if (env->committed)
            env->committed(env->ctx);
        logf_(env,
              "%ld submission%s left \"sending\" by an interrupted run %s now \"uncertain\": "
              "it may have gone out; see 'junkai report list' and resolve with --retry or --drop",
              recovered, recovered == 1 ? "" : "s", recovered == 1 ? "is" : "are");
    }

    due_list due = {0};
    size_t batch = env->batch_size ? env->batch_size : DEFAULT_BATCH;
    rc = jk_store_submit_due(env->store, (int64_t)time(NULL), batch, keep_due, &due, err);
    run r = {env, NULL, NULL, stats};
    if (!rc && due.count) {
        qsort(due.items, due.count, sizeof *due.items, by_destination);
        jk_http_config hc;
        jk_http_config_default(&hc);
        hc.contact = env->contact && *env->contact ? env->contact : NULL;
        hc.timeout_ms = env->timeout_ms > 0 ? env->timeout_ms : DEFAULT_TIMEOUT_MS;
        if (env->max_body_bytes)
            hc.max_body_bytes = env->max_body_bytes;
        hc.max_retries = -1; /* retries are this engine's, each its own attempt */
        hc.min_interval_ms = env->min_interval_ms;
        hc.log = env->log;
        hc.log_ctx = env->ctx;
        hc.on_exchange = on_exchange;
        hc.exchange_ctx = &r;
        r.http = jk_http_new(&hc, err);
        if (!r.http)
            rc = err ? err->code : JK_ENET;
    }
    for (size_t i = 0; !rc && i < due.count; i++) {
        if (env->stop && *env->stop)
            break;
        rc = submit_one(&r, due.items[i].id, err);
    }
    jk_http_free(r.http);
    for (size_t i = 0; i < due.count; i++)
        free(due.items[i].destination);
    free(due.items);
    close(lock);
    return rc;
}
