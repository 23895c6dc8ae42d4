/*
 * generate.c — drafting a case's reports (generate.h): reads the case, its
 * items, their detections and evidence into one JSON context, cuts it into
 * the kind's documents, renders each through KIND.txt and KIND.fields and
 * stores the drafts. Also the CSV and PDF of a stored report.
 */
#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "csv.h"
#include "junkai/taxonomy.h"
#include "pdf.h"
#include "template.h"

#ifndef JK_DEFAULT_TEMPLATES_DIR
#define JK_DEFAULT_TEMPLATES_DIR "templates"
#endif

#define TEMPLATE_FILE_MAX (1u << 20)
#define EXCERPT_CHARS 120
#define JST_OFFSET (9 * 3600)

static const char *const kind_labels[JK_REPORT_KIND_COUNT] = {
    "インターネット・ホットラインセンターへの通報",
    "警察への情報提供（通報）",
    "送信防止措置依頼",
    "返信型警告",
};

static const char *label_of(const char *category)
{
    jk_category c;
    if (category && jk_category_from_id(category, strlen(category), &c) == JK_OK)
        return jk_category_label(c);
    return category ? category : "";
}

static json_t *str_or_empty(const char *s)
{
    return json_string(s ? s : "");
}

/* "2026-12-05T01:02:03Z" as "2026-12-05 10:02 JST"; "" when unreadable. */
static void jst_of(const char *utc, char *out, size_t size)
{
    int64_t t;
    out[0] = '\0';
    if (!utc || !jk_utc_parse(utc, &t))
        return;
    char f[21];
    jk_utc_format(t + JST_OFFSET, f);
    snprintf(out, size, "%.10s %.5s JST", f, f + 11);
}

void jk_report_template_path(const jk_report_env *env, jk_report_kind kind, const char *suffix,
                             char *out, size_t size)
{
    const char *name = jk_report_kind_name(kind);
    if (env->templates_dir) {
        snprintf(out, size, "%s/%s.%s", env->templates_dir, name, suffix);
        FILE *fp = fopen(out, "rb");
        if (fp) {
            fclose(fp);
            return;
        }
    }
    snprintf(out, size, "%s/%s.%s",
             env->default_templates_dir ? env->default_templates_dir : JK_DEFAULT_TEMPLATES_DIR,
             name, suffix);
}

static int read_file(const char *path, jk_buf *out, jk_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return jk_error_set(err, JK_EIO, "%s: cannot open the template", path);
    char chunk[8192];
    size_t n;
    int rc = JK_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (out->len + n > TEMPLATE_FILE_MAX)
            rc = jk_error_set(err, JK_ELIMIT, "%s: larger than %u bytes", path, TEMPLATE_FILE_MAX);
        else if (jk_buf_append(out, chunk, n))
            rc = jk_error_set(err, JK_ENOMEM, "%s: out of memory", path);
    }
    if (!rc && ferror(fp))
        rc = jk_error_set(err, JK_EIO, "%s: read failed", path);
    fclose(fp);
    return rc;
}

/* ---- the context ---- */

typedef struct gather {
    json_t *items; /* [item…] in the case's order */
    json_t *by_id; /* "id" → the same item objects */
    json_t *kase;
    jk_store *store;
    jk_error *err;
    int rc;
} gather;

static int copy_case(void *p, const jk_case *c)
{
    gather *g = p;
    g->kase = json_pack("{s:I, s:o, s:o, s:s, s:o, s:o}", "id", (json_int_t)c->id, "title",
                        str_or_empty(c->title), "category", str_or_empty(c->category),
                        "category_label", label_of(c->category), "status", str_or_empty(c->status),
                        "created_at", str_or_empty(c->created_at));
    return 0;
}

static int add_rule(void *p, const jk_detection_row *d)
{
    json_t *item = p;
    json_t *rules = json_object_get(item, "rules");
    json_array_append_new(rules, json_pack("{s:o, s:o, s:s, s:f}", "id", str_or_empty(d->rule_id),
                                           "category", str_or_empty(d->category), "category_label",
                                           label_of(d->category), "score", d->score));
    if (!json_string_length(json_object_get(item, "hit_category"))) {
        json_object_set_new(item, "hit_category", str_or_empty(d->category));
        json_object_set_new(item, "hit_category_label", json_string(label_of(d->category)));
    }
    return 0;
}

static void host_of(const char *url, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return;
    p += 3;
    const char *at = p + strcspn(p, "/?#@");
    if (*at == '@')
        p = at + 1; /* userinfo is not the host */
    size_t n = strcspn(p, "/?#:");
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
    out[n] = '\0';
}

/* The first EXCERPT_CHARS characters on one line. */
static json_t *excerpt_of(const char *text, size_t len)
{
    jk_buf b;
    jk_buf_init(&b, 0);
    size_t chars = 0, i = 0;
    while (i < len && chars < EXCERPT_CHARS) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + n > len)
            break;
        if (c == '\n' || c == '\r' || c == '\t')
            jk_buf_putc(&b, ' ');
        else
            jk_buf_append(&b, text + i, n);
        i += n;
        chars++;
    }
    if (i < len)
        jk_buf_puts(&b, "…");
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    jk_buf_release(&b);
    return s ? s : json_string("");
}

static int add_item(void *p, const jk_review_item *it)
{
    gather *g = p;
    char host[256], found[32];
    host_of(it->url, host, sizeof host);
    jst_of(it->fetched_at, found, sizeof found);
    json_t *text = json_stringn(it->text ? it->text : "", it->text_len);
    if (!text) /* not UTF-8: the store keeps what was fetched; say so */
        text = json_string("(本文は UTF-8 ではないため省略)");
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:s, s:[], s:[]}", "id",
        (json_int_t)it->id, "url", str_or_empty(it->url), "host", host, "platform",
        str_or_empty(it->platform), "author", str_or_empty(it->author), "posted_at",
        str_or_empty(it->posted_at), "fetched_at", str_or_empty(it->fetched_at), "found_at", found,
        "text", text, "excerpt", excerpt_of(it->text ? it->text : "", it->text_len), "status",
        str_or_empty(it->status), "hit_category", "", "hit_category_label", "", "rules",
        "evidence");
    if (!o)
        return g->rc =
                   jk_error_set(g->err, JK_ENOMEM, "item %lld: out of memory", (long long)it->id);
    json_array_append(g->items, o);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)it->id);
    json_object_set_new(g->by_id, key, o);
    return 0;
}

static int add_evidence(void *p, const jk_case_evidence *ev)
{
    gather *g = p;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)ev->item_id);
    json_t *item = json_object_get(g->by_id, key);
    if (!item)
        return 0;
    json_array_append_new(
        json_object_get(item, "evidence"),
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}", "id", (json_int_t)ev->id,
                  "sha256", str_or_empty(ev->sha256), "kind", str_or_empty(ev->kind), "path",
                  str_or_empty(ev->path), "url", str_or_empty(ev->url), "created_at",
                  str_or_empty(ev->created_at), "size", (json_int_t)ev->size, "captured_at",
                  str_or_empty(ev->captured_at ? ev->captured_at : ev->created_at), "operator",
                  str_or_empty(ev->operator_)));
    return 0;
}

static json_t *org_json(const jk_report_org *org)
{
    jk_report_org none = {0};
    if (!org)
        org = &none;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "name", str_or_empty(org->name),
                     "department", str_or_empty(org->department), "contact_name",
                     str_or_empty(org->contact_name), "email", str_or_empty(org->email), "phone",
                     str_or_empty(org->phone), "address", str_or_empty(org->address));
}

int jk_report_context(const jk_report_env *env, int64_t case_id, jk_report_kind kind, json_t **out,
                      jk_error *err)
{
    *out = NULL;
    gather g = {json_array(), json_object(), NULL, env->store, err, 0};
    int rc = jk_store_case_get(env->store, case_id, copy_case, &g, err);
    if (!rc)
        rc = jk_store_case_items(env->store, case_id, add_item, &g, err);
    if (!rc)
        rc = g.rc;
    for (size_t i = 0; !rc && i < json_array_size(g.items); i++) {
        json_t *item = json_array_get(g.items, i);
        rc = jk_store_item_detections(env->store, json_integer_value(json_object_get(item, "id")),
                                      add_rule, item, err);
    }
    if (!rc)
        rc = jk_store_case_evidence(env->store, case_id, add_evidence, &g, err);
    if (rc) {
        json_decref(g.items);
        json_decref(g.by_id);
        json_decref(g.kase);
        return rc;
    }
    int64_t now = env->now_unix ? env->now_unix : (int64_t)time(NULL);
    char f[21], today[64], now_text[32];
    jk_utc_format(now + JST_OFFSET, f);
    snprintf(today, sizeof today, "%.4s年%d月%d日", f, atoi(f + 5), atoi(f + 8));
    snprintf(now_text, sizeof now_text, "%.10s %.5s JST", f, f + 11);
    for (size_t i = 0; i < json_array_size(g.items); i++) {
        json_t *item = json_array_get(g.items, i);
        json_object_set_new(item, "category", json_copy(json_object_get(g.kase, "category")));
        json_object_set_new(item, "category_label",
                            json_copy(json_object_get(g.kase, "category_label")));
        json_object_set_new(item, "number", json_integer((json_int_t)i + 1));
    }
    json_decref(g.by_id);
    *out = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:I}", "today", today, "now", now_text,
                     "organization", org_json(env->org), "kind", jk_report_kind_name(kind),
                     "kind_label", kind_labels[kind], "case", g.kase, "items", g.items,
                     "item_count", (json_int_t)json_array_size(g.items));
    if (!*out)
        return jk_error_set(err, JK_ENOMEM, "case %lld: out of memory", (long long)case_id);
    return JK_OK;
}

/* ---- the field list ---- */

typedef struct field {
    char *column;
    const char *tmpl; /* into the file's text */
    size_t tmpl_len;
    char name[320]; /* "police.fields:3" for messages */
} field;

typedef struct field_list {
    jk_buf text;
    field *f;
    size_t n;
} field_list;

static void fields_release(field_list *fl)
{
    for (size_t i = 0; i < fl->n; i++)
        free(fl->f[i].column);
    free(fl->f);
    jk_buf_release(&fl->text);
}

/* KIND.fields: one "column<TAB>template" per line; blank lines and lines
 * starting with '#' are skipped. */
static int fields_load(const char *path, const char *shown, field_list *fl, jk_error *err)
{
    jk_buf_init(&fl->text, 0);
    fl->f = NULL;
    fl->n = 0;
    int rc = read_file(path, &fl->text, err);
    if (rc)
        return rc;
    const char *p = fl->text.data ? fl->text.data : "", *end = p + fl->text.len;
    unsigned line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len && p[0] != '#') {
            const char *tab = memchr(p, '\t', len);
            if (!tab || tab == p)
                return jk_error_set(err, JK_EPARSE,
                                    "%s:%u: write the column name, a TAB, then its template", shown,
                                    line);
            field *nf = realloc(fl->f, (fl->n + 1) * sizeof *nf);
            if (!nf)
                return jk_error_set(err, JK_ENOMEM, "%s: out of memory", shown);
            fl->f = nf;
            field *f = &fl->f[fl->n];
            f->column = strndup(p, (size_t)(tab - p));
            if (!f->column)
                return jk_error_set(err, JK_ENOMEM, "%s: out of memory", shown);
            fl->n++;
            f->tmpl = tab + 1;
            f->tmpl_len = len - (size_t)(tab + 1 - p);
            snprintf(f->name, sizeof f->name, "%s:%u", shown, line);
            if ((rc = jk_template_check(f->tmpl, f->tmpl_len, f->name, err)))
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    if (!fl->n)
        return jk_error_set(err, JK_EPARSE, "%s: no fields", shown);
    return JK_OK;
}

/* ---- one document ---- */

typedef struct kind_files {
    jk_buf text;
    char text_name[64];
    field_list fields;
} kind_files;

/* {"columns":[…],"rows":[[…]…]}: a row per item, each cell rendered with
 * the document's context and "item" set to that item. */
static int render_fields(const kind_files *kf, json_t *doc, char **out, jk_error *err)
{
    json_t *columns = json_array(), *rows = json_array();
    json_t *result = json_pack("{s:o, s:o}", "columns", columns, "rows", rows);
    for (size_t i = 0; i < kf->fields.n; i++)
        json_array_append_new(columns, json_string(kf->fields.f[i].column));
    json_t *items = json_object_get(doc, "items");
    json_t *saved = json_incref(json_object_get(doc, "item"));
    int rc = JK_OK;
    jk_buf cell;
    jk_buf_init(&cell, 0);
    for (size_t k = 0; !rc && k < json_array_size(items); k++) {
        json_object_set(doc, "item", json_array_get(items, k));
        json_t *row = json_array();
        json_array_append_new(rows, row);
        for (size_t i = 0; !rc && i < kf->fields.n; i++) {
            const field *f = &kf->fields.f[i];
            jk_buf_reset(&cell);
            rc = jk_template_render(f->tmpl, f->tmpl_len, f->name, doc, &cell, err);
            if (!rc) {
                json_t *v = json_stringn(cell.data ? cell.data : "", cell.len);
                json_array_append_new(row, v ? v : json_string(""));
            }
        }
    }
    jk_buf_release(&cell);
    if (saved)
        json_object_set_new(doc, "item", saved);
    else
        json_object_del(doc, "item");
    *out = rc ? NULL : json_dumps(result, JSON_COMPACT);
    json_decref(result);
    if (!rc && !*out)
        rc = jk_error_set(err, JK_ENOMEM, "fields: out of memory");
    return rc;
}

static int store_doc(const jk_report_env *env, const kind_files *kf, jk_report_kind kind,
                     json_t *doc, const char *doc_key, const char *title, int64_t *id,
                     jk_error *err)
{
    json_object_set_new(doc, "report", json_pack("{s:s}", "title", title));
    jk_buf body;
    jk_buf_init(&body, 0);
    char *fields = NULL;
    int rc = jk_template_render(kf->text.data ? kf->text.data : "", kf->text.len, kf->text_name,
                                doc, &body, err);
    if (!rc)
        rc = render_fields(kf, doc, &fields, err);
    json_t *items = json_object_get(doc, "items");
    size_t n = json_array_size(items);
    int64_t *ids = n ? calloc(n, sizeof *ids) : NULL;
    if (!rc && n && !ids)
        rc = jk_error_set(err, JK_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        ids[i] = json_integer_value(json_object_get(json_array_get(items, i), "id"));
    if (!rc) {
        jk_report_in in = {json_integer_value(json_object_get(json_object_get(doc, "case"), "id")),
                           jk_report_kind_name(kind),
                           doc_key,
                           title,
                           body.data ? body.data : "",
                           body.len,
                           fields,
                           env->user,
                           ids,
                           n};
        rc = jk_store_report_add(env->store, &in, id, err);
    }
    free(ids);
    free(fields);
    jk_buf_release(&body);
    return rc;
}

static int load_kind(const jk_report_env *env, jk_report_kind kind, kind_files *kf, jk_error *err)
{
    char path[4096], shown[64];
    jk_buf_init(&kf->text, 0);
    jk_buf_init(&kf->fields.text, 0);
    kf->fields.f = NULL;
    kf->fields.n = 0;
    snprintf(kf->text_name, sizeof kf->text_name, "%s.txt", jk_report_kind_name(kind));
    jk_report_template_path(env, kind, "txt", path, sizeof path);
    int rc = read_file(path, &kf->text, err);
    if (!rc)
        rc =
            jk_template_check(kf->text.data ? kf->text.data : "", kf->text.len, kf->text_name, err);
    if (!rc) {
        jk_buf_release(&kf->fields.text);
        snprintf(shown, sizeof shown, "%s.fields", jk_report_kind_name(kind));
        jk_report_template_path(env, kind, "fields", path, sizeof path);
        rc = fields_load(path, shown, &kf->fields, err);
    }
    return rc;
}

static int push_id(int64_t **ids, size_t *count, int64_t id, jk_error *err)
{
    int64_t *n = realloc(*ids, (*count + 1) * sizeof *n);
    if (!n)
        return jk_error_set(err, JK_ENOMEM, "out of memory");
    *ids = n;
    n[(*count)++] = id;
    return JK_OK;
}

int jk_report_generate(const jk_report_env *env, int64_t case_id, jk_report_kind kind,
                       int64_t **ids, size_t *count, jk_error *err)
{
    *ids = NULL;
    *count = 0;
    if ((unsigned)kind >= JK_REPORT_KIND_COUNT)
        return jk_error_set(err, JK_EINVAL, "no such report kind");
    kind_files kf;
    int rc = load_kind(env, kind, &kf, err);
    json_t *ctx = NULL;
    if (!rc)
        rc = jk_report_context(env, case_id, kind, &ctx, err);
    json_t *items = ctx ? json_object_get(ctx, "items") : NULL;
    if (!rc && json_array_size(items) == 0)
        rc = jk_error_set(err, JK_EINVAL, "case %lld holds no items to report", (long long)case_id);
    const char *case_title =
        ctx ? json_string_value(json_object_get(json_object_get(ctx, "case"), "title")) : "";
    char title[1024], key[320];
    int64_t id;
    if (!rc && (kind == JK_REPORT_IHC || kind == JK_REPORT_POLICE)) {
        snprintf(title, sizeof title, "%s — %s", kind_labels[kind], case_title);
        rc = store_doc(env, &kf, kind, ctx, "case", title, &id, err);
        if (!rc)
            rc = push_id(ids, count, id, err);
    } else if (!rc && kind == JK_REPORT_DELETION) {
        /* one letter per site operator: items grouped by host, in the
         * order hosts first appear */
        json_t *hosts = json_object(), *order = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            const char *h = json_string_value(json_object_get(item, "host"));
            if (!h || !*h)
                h = "(ホスト不明)";
            json_t *list = json_object_get(hosts, h);
            if (!list) {
                list = json_array();
                json_object_set_new(hosts, h, list);
                json_array_append_new(order, json_string(h));
            }
            json_array_append(list, item);
        }
        json_t *h;
        json_array_foreach(order, i, h)
        {
            if (rc)
                break;
            json_t *doc = json_copy(ctx);
            json_object_set(doc, "host", h);
            json_t *list = json_object_get(hosts, json_string_value(h));
            json_object_set(doc, "items", list);
            json_object_set_new(doc, "item_count", json_integer((json_int_t)json_array_size(list)));
            snprintf(title, sizeof title, "%s — %s", kind_labels[kind], json_string_value(h));
            snprintf(key, sizeof key, "host:%s", json_string_value(h));
            rc = store_doc(env, &kf, kind, doc, key, title, &id, err);
            if (!rc)
                rc = push_id(ids, count, id, err);
            json_decref(doc);
        }
        json_decref(hosts);
        json_decref(order);
    } else if (!rc) { /* warning: one reply text per item */
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item)
        {
            if (rc)
                break;
            json_t *doc = json_copy(ctx);
            json_object_set(doc, "item", item);
            json_object_set_new(doc, "items", json_pack("[O]", item));
            json_object_set_new(doc, "item_count", json_integer(1));
            json_int_t item_id = json_integer_value(json_object_get(item, "id"));
            snprintf(title, sizeof title, "%s — 投稿 %lld", kind_labels[kind], (long long)item_id);
            snprintf(key, sizeof key, "item:%lld", (long long)item_id);
            rc = store_doc(env, &kf, kind, doc, key, title, &id, err);
            if (!rc)
                rc = push_id(ids, count, id, err);
            json_decref(doc);
        }
    }
    json_decref(ctx);
    jk_buf_release(&kf.text);
    fields_release(&kf.fields);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *count = 0;
    }
    return rc;
}

/* ---- downloads ---- */

int jk_report_csv(const char *fields_json, jk_buf *out, jk_error *err)
{
    json_error_t jerr;
    json_t *f = json_loads(fields_json ? fields_json : "", 0, &jerr);
    json_t *columns = json_object_get(f, "columns"), *rows = json_object_get(f, "rows");
    if (!json_is_array(columns) || !json_is_array(rows)) {
        json_decref(f);
        return jk_error_set(err, JK_EPARSE, "the report's stored fields are not readable");
    }
    size_t n = json_array_size(columns);
    const char **cells = calloc(n ? n : 1, sizeof *cells);
    int rc = cells ? jk_csv_bom(out) : JK_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        cells[i] = json_string_value(json_array_get(columns, i));
    if (!rc)
        rc = jk_csv_row(out, cells, n);
    for (size_t r = 0; !rc && r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r);
        for (size_t i = 0; i < n; i++)
            cells[i] = json_string_value(json_array_get(row, i));
        rc = jk_csv_row(out, cells, n);
    }
    free(cells);
    json_decref(f);
    if (rc)
        return jk_error_set(err, JK_ENOMEM, "CSV: out of memory");
    return JK_OK;
}

int jk_report_pdf(const jk_report_row *r, jk_buf *out, jk_error *err)
{
    return jk_pdf_from_text(r->title, r->body ? r->body : "", r->body_len, out, err);
}
