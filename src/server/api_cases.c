/*
 * api_cases.c — the API of cases and their reports: listing and opening
 * cases, filing confirmed items into them, notes, the case view (items,
 * links, evidence, reports, removal checks, history), and a report's
 * approval, sending and submission. Every write is one batch with its
 * audit entry, targeted "case:N" or "report:N" so the case's history is
 * the audit log's.
 * Must not touch: HTTP framing (server.c), SQL (the store).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "auth.h"
#include "generate.h"
#include "junkai/capture_jobs.h"
#include "junkai/case.h"
#include "junkai/taxonomy.h"
#include "package.h"
#include "submit.h"
#include "url.h"

#define CASE_LINKS_MAX 200
#define CASE_TITLE_MAX 300

static json_t *int_or_null(int64_t v)
{
    return v ? json_integer((json_int_t)v) : json_null();
}

static bool path_id(jk_request *req, size_t which, const char *what, int64_t *id)
{
    if (req->match.param_count <= which ||
        !api_parse_id(req->match.params[which].ptr, req->match.params[which].len, id)) {
        jk_reply_error(req, 404, "no such %s", what);
        return false;
    }
    return true;
}

static void reply_store_error(jk_request *req, int rc, const jk_error *err)
{
    if (rc == JK_ENOTFOUND)
        jk_reply_error(req, 404, "%s", err->message);
    else if (rc == JK_EINVAL)
        jk_reply_error(req, 409, "%s", err->message);
    else
        jk_reply_internal(req, err);
}

static const char *label_of(const char *category)
{
    jk_category c;
    if (category && jk_category_from_id(category, strlen(category), &c) == JK_OK)
        return jk_category_label(c);
    return category;
}

static json_t *case_json(const jk_case *c)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}", "id",
                     (json_int_t)c->id, "title", api_str_or_null(c->title), "category",
                     api_str_or_null(c->category), "category_label",
                     api_str_or_null(label_of(c->category)), "status", api_str_or_null(c->status),
                     "assignee", api_str_or_null(c->assignee), "created_by",
                     api_str_or_null(c->created_by), "created_at", api_str_or_null(c->created_at),
                     "updated_at", api_str_or_null(c->updated_at), "reported_at",
                     api_str_or_null(c->reported_at), "removed_at", api_str_or_null(c->removed_at),
                     "items", (json_int_t)c->items, "reports", (json_int_t)c->reports);
}

static int add_case(void *p, const jk_case *c)
{
    json_array_append_new(p, case_json(c));
    return 0;
}

static int copy_case(void *p, const jk_case *c)
{
    *(json_t **)p = case_json(c);
    return 0;
}

/* ---- placing confirmed items ---- */

typedef struct best_hit {
    char category[48];
} best_hit;

static int first_hit(void *p, const jk_detection_row *d)
{
    best_hit *b = p;
    if (!b->category[0] && d->category)
        snprintf(b->category, sizeof b->category, "%s", d->category);
    return 0;
}

typedef struct item_brief {
    char url[512];
    char platform[32];
} item_brief;

static int copy_brief(void *p, const jk_review_item *it)
{
    item_brief *b = p;
    snprintf(b->url, sizeof b->url, "%s", it->url ? it->url : "");
    snprintf(b->platform, sizeof b->platform, "%s", it->platform ? it->platform : "");
    return 0;
}

/* "薬物広告 — bbs.example.jp (投稿 12)": what a new case is called until
 * someone renames it. */
static void new_case_title(jk_request *req, int64_t item_id, const char *category, char *out,
                           size_t size)
{
    item_brief b = {"", ""};
    jk_error err;
    jk_store_review_item_get(req->store, item_id, copy_brief, &b, &err);
    const char *where = b.platform;
    const char *p = strstr(b.url, "://");
    char host[256] = "";
    if (p) {
        p += 3;
        size_t n = strcspn(p, "/?#:");
        snprintf(host, sizeof host, "%.*s", (int)(n < sizeof host - 1 ? n : sizeof host - 1), p);
        where = host;
    }
    snprintf(out, size, "%s — %s (投稿 %lld)", label_of(category), where[0] ? where : "?",
             (long long)item_id);
}

int api_case_place(jk_request *req, int64_t item_id, const char *category, int64_t choice,
                   int64_t *case_id, jk_error *err)
{
    *case_id = 0;
    best_hit hit = {""};
    int rc;
    if (!category) {
        if ((rc = jk_store_item_detections(req->store, item_id, first_hit, &hit, err)))
            return rc;
        category = hit.category[0] ? hit.category : NULL;
    }
    int64_t current = 0;
    if ((rc = jk_store_item_case(req->store, item_id, &current, err)))
        return rc;
    if (current && (choice == 0 || choice == current)) {
        *case_id = current; /* confirmed again: it stays where it is */
        return JK_OK;
    }
    if (current)
        return jk_error_set(err, JK_EINVAL, "item %lld is already in case %lld", (long long)item_id,
                            (long long)current);
    int64_t target = choice > 0 ? choice : 0;
    if (!target && !category)
        return JK_OK; /* nothing says what it is: confirmed, not filed */
    if (!target && choice == 0 &&
        (rc = jk_store_case_for_linked(req->store, item_id, category, &target, err)))
        return rc;
    char audit_target[32];
    if (!target) {
        char title[CASE_TITLE_MAX];
        new_case_title(req, item_id, category, title, sizeof title);
        if ((rc = jk_store_case_add(req->store, title, category, "confirmed", req->user, &target,
                                    err)))
            return rc;
        snprintf(audit_target, sizeof audit_target, "case:%lld", (long long)target);
        char *detail = NULL;
        json_t *d = json_pack("{s:s, s:s, s:I}", "title", title, "category", category, "from_item",
                              (json_int_t)item_id);
        detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(d);
        rc = jk_store_audit_append(req->store, req->user, "case.open", audit_target,
                                   detail ? detail : "", err);
        free(detail);
        if (rc)
            return rc;
    }
    if ((rc = jk_store_case_item_add(req->store, target, item_id, req->user, err)))
        return rc;
    /* its page is captured as evidence after the request (capture_jobs.h) */
    int64_t capture_job;
    if ((rc = jk_store_capture_enqueue(req->store, item_id, req->user, &capture_job, err)))
        return rc;
    snprintf(audit_target, sizeof audit_target, "case:%lld", (long long)target);
    char detail[64];
    snprintf(detail, sizeof detail, "{\"item\":%lld}", (long long)item_id);
    if ((rc = jk_store_audit_append(req->store, req->user, "case.item_add", audit_target, detail,
                                    err)))
        return rc;
    *case_id = target;
    return JK_OK;
}

bool api_case_choice(jk_request *req, int64_t *choice)
{
    *choice = 0;
    json_t *v = req->json ? json_object_get(req->json, "case") : NULL;
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v) && strcmp(json_string_value(v), "new") == 0) {
        *choice = -1;
        return true;
    }
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *choice = (int64_t)json_integer_value(v);
        return true;
    }
    jk_reply_error(req, 400, "\"case\" must be a case id or \"new\"");
    return false;
}

/* ---- cases ---- */

void api_cases_list(jk_request *req)
{
    jk_case_filter f = {0};
    f.limit = 50;
    f.status = jk_request_arg(req, "status");
    f.category = jk_request_arg(req, "category");
    f.assignee = jk_request_arg(req, "assignee");
    if (f.status && !jk_case_status_valid(f.status)) {
        jk_reply_error(req, 400, "status must be new, confirmed, reported, removed or dismissed");
        return;
    }
    if (f.category && !api_valid_category(f.category)) {
        jk_reply_error(req, 400, "unknown category \"%s\"", f.category);
        return;
    }
    if (!api_uint_arg(req, "limit", 500, &f.limit) ||
        !api_uint_arg(req, "offset", 1000000000UL, &f.offset))
        return;
    if (f.limit == 0)
        f.limit = 50;
    json_t *list = json_array();
    jk_error err;
    if (jk_store_case_list(req->store, &f, add_case, list, &err)) {
        json_decref(list);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:o, s:I, s:I}", "cases", list, "limit", (json_int_t)f.limit, "offset",
                       (json_int_t)f.offset));
}

/* The "items" member: 0 to max item ids. */
static bool body_items(jk_request *req, bool required, json_t **items)
{
    *items = json_object_get(req->json, "items");
    if (!*items && !required)
        return true;
    if (!json_is_array(*items) || (required && json_array_size(*items) == 0) ||
        json_array_size(*items) > JK_SERVER_BULK_MAX) {
        jk_reply_error(req, 400, "\"items\" must be an array of 1 to %d item ids",
                       JK_SERVER_BULK_MAX);
        return false;
    }
    size_t i;
    json_t *v;
    json_array_foreach(*items, i, v) if (!json_is_integer(v) || json_integer_value(v) <= 0)
    {
        jk_reply_error(req, 400, "\"items\"[%zu] is not an item id", i);
        return false;
    }
    return true;
}

/* Confirm each item (as the case's category) and file it into the case. */
static int file_items(jk_request *req, int64_t case_id, const char *category, json_t *items,
                      int64_t *failed, jk_error *err)
{
    size_t i;
    json_t *v;
    decision_in d = {"confirm", category, NULL};
    json_array_foreach(items, i, v)
    {
        int64_t id = (int64_t)json_integer_value(v), placed;
        *failed = id;
        int rc = api_apply_decision(req, id, &d, err);
        if (!rc)
            rc = api_case_place(req, id, category, case_id, &placed, err);
        if (rc)
            return rc;
    }
    return JK_OK;
}

void api_cases_add(jk_request *req)
{
    const char *title, *category;
    json_t *items;
    if (!api_require_body(req) || !api_body_string(req, "title", true, CASE_TITLE_MAX, &title) ||
        !api_body_string(req, "category", true, 64, &category) || !body_items(req, false, &items))
        return;
    if (!api_valid_category(category)) {
        jk_reply_error(req, 400, "unknown category \"%s\"", category);
        return;
    }
    jk_error err;
    int64_t id = 0, failed = 0;
    char target[32];
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_case_add(req->store, title, category,
                               json_array_size(items) ? "confirmed" : "new", req->user, &id, &err);
    /* One entry opens the case's history, before the items filed with it
     * (case.item_add each) */
    if (!rc) {
        snprintf(target, sizeof target, "case:%lld", (long long)id);
        json_t *d = json_pack("{s:s, s:s}", "title", title, "category", category);
        char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(d);
        rc = jk_store_audit_append(req->store, req->user, "case.open", target, detail ? detail : "",
                                   &err);
        free(detail);
    }
    if (!rc && items)
        rc = file_items(req, id, category, items, &failed, &err);
    if (!rc)
        rc = jk_store_commit(req->store, &err);
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, &err);
        return;
    }
    json_t *c = NULL;
    if (jk_store_case_get(req->store, id, copy_case, &c, &err)) {
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 201, json_pack("{s:o}", "case", c));
}

/* ---- the case view ---- */

static int add_note(void *p, const jk_case_note *n)
{
    json_array_append_new(p, json_pack("{s:I, s:o, s:o, s:o}", "id", (json_int_t)n->id, "user",
                                       api_str_or_null(n->user), "text", api_str_or_null(n->text),
                                       "at", api_str_or_null(n->at)));
    return 0;
}

static int add_link(void *p, const jk_case_link *l)
{
    json_array_append_new(p,
                          json_pack("{s:I, s:o, s:o, s:o}", "item", (json_int_t)l->item_id, "type",
                                    api_str_or_null(l->type), "value", api_str_or_null(l->value),
                                    "case", int_or_null(l->other_case_id)));
    return 0;
}

static json_t *evidence_json(const jk_case_evidence *ev)
{
    return json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:I}", "item", int_or_null(ev->item_id), "id",
                     (json_int_t)ev->id, "sha256", api_str_or_null(ev->sha256), "kind",
                     api_str_or_null(ev->kind), "url", api_str_or_null(ev->url), "created_at",
                     api_str_or_null(ev->created_at), "size", (json_int_t)ev->size);
}

static int add_evidence(void *p, const jk_case_evidence *ev)
{
    json_array_append_new(p, evidence_json(ev));
    return 0;
}

static json_t *report_json(const jk_report_row *r, bool full)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
        " s:I, s:o}",
        "id", (json_int_t)r->id, "case", (json_int_t)r->case_id, "kind", api_str_or_null(r->kind),
        "doc_key", api_str_or_null(r->doc_key), "title", api_str_or_null(r->title), "status",
        api_str_or_null(r->status), "body_sha256", api_str_or_null(r->body_sha256), "created_by",
        api_str_or_null(r->created_by), "created_at", api_str_or_null(r->created_at), "approved_by",
        api_str_or_null(r->approved_by), "approved_at", api_str_or_null(r->approved_at), "sent_by",
        api_str_or_null(r->sent_by), "sent_at", api_str_or_null(r->sent_at), "sent_via",
        api_str_or_null(r->sent_via), "destination", api_str_or_null(r->destination),
        "submit_state", api_str_or_null(r->submit_state), "last_error",
        api_str_or_null(r->last_error), "attempts", (json_int_t)r->attempts, "next_attempt_unix",
        int_or_null(r->next_attempt_unix));
    if (full && o) {
        json_t *body = json_stringn(r->body ? r->body : "", r->body ? r->body_len : 0);
        json_object_set_new(o, "body", body ? body : json_string(""));
        json_t *fields = r->fields_json ? json_loads(r->fields_json, 0, NULL) : NULL;
        json_object_set_new(o, "fields", fields ? fields : json_null());
    }
    return o;
}

static int add_report(void *p, const jk_report_row *r)
{
    json_array_append_new(p, report_json(r, false));
    return 0;
}

static int add_removal(void *p, const jk_removal_row *r)
{
    json_array_append_new(
        p, json_pack("{s:I, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o}", "item",
                     (json_int_t)r->item_id, "url", api_str_or_null(r->url), "reported_at",
                     api_str_or_null(r->reported_at), "checks", (json_int_t)r->checks,
                     "next_check_unix", (json_int_t)r->next_check_unix, "last_check_at",
                     api_str_or_null(r->last_check_at), "last_result",
                     api_str_or_null(r->last_result), "removed_at", api_str_or_null(r->removed_at),
                     "reason", api_str_or_null(r->reason)));
    return 0;
}

static int add_history(void *p, const jk_audit_entry *e)
{
    json_t *detail = e->detail && e->detail[0] ? json_loads(e->detail, 0, NULL) : NULL;
    json_array_append_new(p, json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)e->id, "at",
                                       api_str_or_null(e->at), "user", api_str_or_null(e->user),
                                       "action", api_str_or_null(e->action), "detail",
                                       detail ? detail : json_null()));
    return 0;
}

void api_case_get(jk_request *req)
{
    int64_t id;
    if (!path_id(req, 0, "case", &id))
        return;
    jk_error err;
    json_t *c = NULL;
    int rc = jk_store_case_get(req->store, id, copy_case, &c, &err);
    if (rc) {
        reply_store_error(req, rc, &err);
        return;
    }
    /* the items as the queue writes them, parsed back into the reply */
    jk_buf items;
    jk_buf_init(&items, 0);
    jk_buf_putc(&items, '[');
    item_ctx ic = {req, &items, 0, true, JK_OK, {0}};
    rc = jk_store_case_items(req->store, id, api_put_item, &ic, &err);
    jk_buf_putc(&items, ']');
    json_t *item_list = !rc && !ic.rc ? json_loadb(items.data, items.len, 0, NULL) : NULL;
    jk_buf_release(&items);
    json_t *notes = json_array(), *links = json_array(), *evidence = json_array();
    json_t *reports = json_array(), *removals = json_array(), *history = json_array();
    char target[32];
    snprintf(target, sizeof target, "case:%lld", (long long)id);
    if (!rc && ic.rc) {
        rc = ic.rc;
        err = ic.err;
    }
    if (!rc)
        rc = jk_store_case_notes(req->store, id, add_note, notes, &err);
    if (!rc)
        rc = jk_store_case_links(req->store, id, CASE_LINKS_MAX, add_link, links, &err);
    if (!rc)
        rc = jk_store_case_evidence(req->store, id, add_evidence, evidence, &err);
    if (!rc)
        rc = jk_store_case_reports(req->store, id, false, add_report, reports, &err);
    if (!rc)
        rc = jk_store_case_removals(req->store, id, add_removal, removals, &err);
    if (!rc)
        rc = jk_store_audit_target(req->store, target, add_history, history, &err);
    if (rc || !item_list) {
        json_decref(c);
        json_decref(item_list);
        json_decref(notes);
        json_decref(links);
        json_decref(evidence);
        json_decref(reports);
        json_decref(removals);
        json_decref(history);
        jk_reply_internal(req, &err);
        return;
    }
    json_t *next = json_array();
    static const char *const statuses[] = {"new", "confirmed", "reported", "removed", "dismissed"};
    const char *status = json_string_value(json_object_get(c, "status"));
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (jk_case_transition(status, statuses[i]))
            json_array_append_new(next, json_string(statuses[i]));
    jk_reply(req, 200,
             json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "case", c, "items",
                       item_list, "notes", notes, "linked", links, "evidence", evidence, "reports",
                       reports, "removals", removals, "history", history, "transitions", next));
}

typedef struct case_state {
    char status[16];
} case_state;

static int copy_status(void *p, const jk_case *c)
{
    snprintf(((case_state *)p)->status, sizeof((case_state *)p)->status, "%s", c->status);
    return 0;
}

void api_case_update(jk_request *req)
{
    int64_t id;
    jk_case_update u = {0};
    if (!path_id(req, 0, "case", &id) || !api_require_body(req) ||
        !api_body_string(req, "title", false, CASE_TITLE_MAX, &u.title) ||
        !api_body_string(req, "category", false, 64, &u.category) ||
        !api_body_string(req, "assignee", false, JK_SERVER_NAME_MAX, &u.assignee) ||
        !api_body_string(req, "status", false, 16, &u.status))
        return;
    if (!u.title && !u.category && !u.assignee && !u.status) {
        jk_reply_error(req, 400, "nothing to change: title, category, assignee or status");
        return;
    }
    if (u.title && !u.title[0]) {
        jk_reply_error(req, 400, "\"title\" must not be empty");
        return;
    }
    if (u.category && !api_valid_category(u.category)) {
        jk_reply_error(req, 400, "unknown category \"%s\"", u.category);
        return;
    }
    jk_error err;
    case_state now = {""};
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_case_get(req->store, id, copy_status, &now, &err);
    if (!rc && u.status && strcmp(u.status, now.status) != 0 &&
        !jk_case_transition(now.status, u.status)) {
        jk_store_rollback(req->store);
        jk_reply_error(req, 409, "a %s case cannot become %s", now.status, u.status);
        return;
    }
    if (!rc)
        rc = jk_store_case_update(req->store, id, &u, &err);
    if (!rc) {
        json_t *detail = json_object();
        if (u.title)
            json_object_set_new(detail, "title", json_string(u.title));
        if (u.category)
            json_object_set_new(detail, "category", json_string(u.category));
        if (u.assignee)
            json_object_set_new(detail, "assignee", json_string(u.assignee));
        if (u.status)
            json_object_set_new(detail, "status", json_pack("[s, s]", now.status, u.status));
        rc = api_write_commit_on(req, "case.update", "case", id, detail, &err);
    }
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, &err);
        return;
    }
    json_t *c = NULL;
    if (jk_store_case_get(req->store, id, copy_case, &c, &err)) {
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply(req, 200, json_pack("{s:o}", "case", c));
}

typedef struct case_category {
    char category[48];
} case_category;

static int copy_category(void *p, const jk_case *c)
{
    snprintf(((case_category *)p)->category, sizeof((case_category *)p)->category, "%s",
             c->category);
    return 0;
}

void api_case_items_add(jk_request *req)
{
    int64_t id, failed = 0;
    json_t *items;
    if (!path_id(req, 0, "case", &id) || !api_require_body(req) || !body_items(req, true, &items))
        return;
    jk_error err;
    case_category cat = {""};
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_case_get(req->store, id, copy_category, &cat, &err);
    if (!rc)
        rc = file_items(req, id, cat.category, items, &failed, &err);
    if (!rc) {
        rc = api_write_commit_on(req, "case.items", "case", id, json_pack("{s:O}", "items", items),
                                 &err);
    }
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, &err);
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:I, s:I}", "case", (json_int_t)id, "added",
                       (json_int_t)json_array_size(items)));
}

void api_case_item_rm(jk_request *req)
{
    int64_t id, item;
    if (!path_id(req, 0, "case", &id) || !path_id(req, 1, "item", &item))
        return;
    jk_error err;
    int64_t in = 0;
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_item_case(req->store, item, &in, &err);
    if (!rc && in != id) {
        jk_store_rollback(req->store);
        jk_reply_error(req, 404, "item %lld is not in case %lld", (long long)item, (long long)id);
        return;
    }
    if (!rc)
        rc = jk_store_case_item_rm(req->store, item, &err);
    if (!rc) {
        rc = api_write_commit_on(req, "case.item_rm", "case", id,
                                 json_pack("{s:I}", "item", (json_int_t)item), &err);
    }
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, &err);
        return;
    }
    jk_reply(req, 200,
             json_pack("{s:I, s:I}", "case", (json_int_t)id, "removed", (json_int_t)item));
}

void api_case_note_add(jk_request *req)
{
    int64_t id, note = 0;
    const char *text;
    if (!path_id(req, 0, "case", &id) || !api_require_body(req) ||
        !api_body_string(req, "text", true, JK_SERVER_TEXT_MAX, &text))
        return;
    jk_error err;
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_case_note_add(req->store, id, req->user, text, &note, &err);
    if (!rc) {
        rc = api_write_commit_on(req, "case.note", "case", id, json_pack("{s:s}", "text", text),
                                 &err);
    }
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, &err);
        return;
    }
    jk_reply(req, 201, json_pack("{s:I, s:I}", "case", (json_int_t)id, "note", (json_int_t)note));
}

/* ---- reports ---- */

typedef struct report_full {
    json_t *json;
    char kind[16];
    char title[512];
    jk_buf body;
    char *fields;
    char status[16];
} report_full;

static int copy_report(void *p, const jk_report_row *r)
{
    report_full *f = p;
    f->json = report_json(r, true);
    snprintf(f->kind, sizeof f->kind, "%s", r->kind);
    snprintf(f->title, sizeof f->title, "%s", r->title);
    snprintf(f->status, sizeof f->status, "%s", r->status);
    jk_buf_append(&f->body, r->body, r->body_len);
    f->fields = r->fields_json ? strdup(r->fields_json) : NULL;
    return 0;
}

static void report_full_release(report_full *f)
{
    json_decref(f->json);
    jk_buf_release(&f->body);
    free(f->fields);
}

static int add_submission(void *p, const jk_submission_row *s)
{
    json_array_append_new(
        p,
        json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)s->id,
                  "destination", api_str_or_null(s->destination), "attempt", (json_int_t)s->attempt,
                  "started_at", api_str_or_null(s->started_at), "finished_at",
                  api_str_or_null(s->finished_at), "outcome", api_str_or_null(s->outcome), "detail",
                  api_str_or_null(s->detail), "evidence", int_or_null(s->evidence_id)));
    return 0;
}

void api_report_get(jk_request *req)
{
    int64_t id;
    if (!path_id(req, 0, "report", &id))
        return;
    report_full f = {0};
    jk_buf_init(&f.body, 0);
    jk_error err;
    int rc = jk_store_report_get(req->store, id, copy_report, &f, &err);
    int64_t *items = NULL;
    size_t count = 0;
    json_t *subs = json_array();
    if (!rc)
        rc = jk_store_report_items(req->store, id, &items, &count, &err);
    if (!rc)
        rc = jk_store_report_submissions(req->store, id, add_submission, subs, &err);
    if (rc) {
        json_decref(subs);
        free(items);
        report_full_release(&f);
        reply_store_error(req, rc, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(list, json_integer((json_int_t)items[i]));
    free(items);
    json_object_set_new(f.json, "items", list);
    json_object_set_new(f.json, "submissions", subs);
    jk_reply(req, 200, json_pack("{s:O}", "report", f.json));
    report_full_release(&f);
}

static void data_dir(const jk_server_config *cfg, char *out, size_t size);

static void report_env(jk_request *req, jk_report_env *env, char *templates, size_t size)
{
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    char dir[3072];
    data_dir(cfg, dir, sizeof dir);
    snprintf(templates, size, "%s/templates", dir);
    *env =
        (jk_report_env){req->store, templates, cfg->default_templates_dir, cfg->org, req->user, 0};
}

void api_case_reports_add(jk_request *req)
{
    int64_t id;
    const char *kind_name;
    jk_report_kind kind;
    if (!path_id(req, 0, "case", &id) || !api_require_body(req) ||
        !api_body_string(req, "kind", true, 16, &kind_name))
        return;
    if (!jk_report_kind_parse(kind_name, &kind)) {
        jk_reply_error(req, 400, "\"kind\" must be ihc, police, deletion or warning");
        return;
    }
    jk_report_env env;
    char templates[3200];
    report_env(req, &env, templates, sizeof templates);
    int64_t *ids = NULL;
    size_t count = 0;
    jk_error err;
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_report_generate(&env, id, kind, &ids, &count, &err);
    if (!rc) {
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(list, json_integer((json_int_t)ids[i]));
        rc = api_write_commit_on(req, "report.draft", "case", id,
                                 json_pack("{s:s, s:o}", "kind", kind_name, "reports", list), &err);
    }
    if (rc) {
        jk_store_rollback(req->store);
        free(ids);
        if (rc == JK_EPARSE || rc == JK_ELIMIT || rc == JK_EIO) /* the admin's template */
            jk_reply_error(req, 422, "%s", err.message);
        else
            reply_store_error(req, rc, &err);
        return;
    }
    json_t *reports = json_array();
    for (size_t i = 0; i < count; i++) {
        report_full f = {0};
        jk_buf_init(&f.body, 0);
        if (!jk_store_report_get(req->store, ids[i], copy_report, &f, &err) && f.json) {
            json_object_del(f.json, "fields");
            json_array_append(reports, f.json);
        }
        report_full_release(&f);
    }
    free(ids);
    jk_reply(req, 201,
             json_pack("{s:I, s:s, s:o}", "case", (json_int_t)id, "kind", kind_name, "reports",
                       reports));
}

void api_report_download(jk_request *req)
{
    int64_t id;
    if (!path_id(req, 0, "report", &id))
        return;
    const char *format = jk_request_arg(req, "format");
    if (!format)
        format = "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "pdf") != 0) {
        jk_reply_error(req, 400, "format must be text, csv or pdf");
        return;
    }
    report_full f = {0};
    jk_buf_init(&f.body, 0);
    jk_error err;
    int rc = jk_store_report_get(req->store, id, copy_report, &f, &err);
    if (rc) {
        report_full_release(&f);
        reply_store_error(req, rc, &err);
        return;
    }
    jk_buf out;
    jk_buf_init(&out, 0);
    char name[96];
    const char *type;
    if (strcmp(format, "text") == 0) {
        jk_buf_append(&out, f.body.data ? f.body.data : "", f.body.len);
        type = "text/plain; charset=utf-8";
        snprintf(name, sizeof name, "report-%lld-%s.txt", (long long)id, f.kind);
    } else if (strcmp(format, "csv") == 0) {
        rc = jk_report_csv(f.fields, &out, &err);
        type = "text/csv; charset=utf-8";
        snprintf(name, sizeof name, "report-%lld-%s.csv", (long long)id, f.kind);
    } else {
        jk_report_row row = {0};
        row.title = f.title;
        row.body = f.body.data ? f.body.data : "";
        row.body_len = f.body.len;
        rc = jk_report_pdf(&row, &out, &err);
        type = "application/pdf";
        snprintf(name, sizeof name, "report-%lld-%s.pdf", (long long)id, f.kind);
    }
    report_full_release(&f);
    if (rc) {
        jk_buf_release(&out);
        jk_reply_internal(req, &err);
        return;
    }
    jk_reply_bytes(req, 200, type, name, &out);
}

void api_case_package(jk_request *req)
{
    int64_t id;
    if (!path_id(req, 0, "case", &id))
        return;
    char dir[3072];
    data_dir(jk_server_config_of(req->srv), dir, sizeof dir);
    jk_buf out;
    jk_buf_init(&out, 0);
    jk_error err;
    /* handing evidence out is a write to the record: who took which
     * package when, with the package's hash */
    int rc = jk_package_write(req->store, id, dir, req->user, &out, &err);
    if (!rc)
        rc = api_write_begin(req, &err);
    if (!rc) {
        char hex[65];
        jk_sha256_hex(out.data ? out.data : "", out.len, hex);
        rc = api_write_commit_on(
            req, "case.package", "case", id,
            json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)out.len), &err);
    }
    if (rc) {
        jk_buf_release(&out);
        reply_store_error(req, rc, &err);
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "case-%lld-evidence.tar.gz", (long long)id);
    jk_reply_bytes(req, 200, "application/gzip", name, &out);
}

/* Reply 200 {"report": …} with the report as it is now (without its text
 * and fields: the caller just changed its state). */
static void reply_report(jk_request *req, int64_t id)
{
    report_full f = {0};
    jk_buf_init(&f.body, 0);
    jk_error err;
    if (jk_store_report_get(req->store, id, copy_report, &f, &err)) {
        report_full_release(&f);
        jk_reply_internal(req, &err);
        return;
    }
    json_object_del(f.json, "body");
    json_object_del(f.json, "fields");
    jk_reply(req, 200, json_pack("{s:O}", "report", f.json));
    report_full_release(&f);
}

/* The answer to a write on report id: the report as it is now, or the
 * error (rc) after rolling the write back. */
static void reply_report_written(jk_request *req, int64_t id, int rc, const jk_error *err)
{
    if (rc) {
        jk_store_rollback(req->store);
        reply_store_error(req, rc, err);
        return;
    }
    reply_report(req, id);
}

/* A report's state change (approve, sent), with its audit entry. */
static void report_write(jk_request *req, const char *action)
{
    int64_t id;
    if (!path_id(req, 0, "report", &id))
        return;
    const char *via = NULL;
    if (strcmp(action, "report.sent") == 0 && req->json &&
        !api_body_string(req, "via", false, 64, &via))
        return;
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    long first = cfg->removal_first_seconds > 0 ? cfg->removal_first_seconds : 86400;
    jk_error err;
    int rc = api_write_begin(req, &err);
    if (!rc) {
        if (strcmp(action, "report.approve") == 0)
            rc = jk_store_report_approve(req->store, id, req->user, &err);
        else
            rc = jk_store_report_sent(req->store, id, req->user, via ? via : "manual",
                                      (int64_t)time(NULL) + first, &err);
    }
    if (!rc) {
        json_t *detail = json_object();
        if (via || strcmp(action, "report.sent") == 0)
            json_object_set_new(detail, "via", json_string(via ? via : "manual"));
        rc = api_write_commit_on(req, action, "report", id, detail, &err);
    }
    reply_report_written(req, id, rc, &err);
}

void api_report_approve(jk_request *req)
{
    report_write(req, "report.approve");
}

void api_report_sent(jk_request *req)
{
    report_write(req, "report.sent");
}

/* Queue an approved report for one of junkai.yaml's destinations; the
 * patrol daemon (or `junkai report send-due`) sends it. */
void api_report_submit(jk_request *req)
{
    int64_t id;
    const char *name;
    if (!path_id(req, 0, "report", &id) || !api_require_body(req) ||
        !api_body_string(req, "destination", true, 64, &name))
        return;
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    const jk_destination *d = NULL;
    for (size_t i = 0; i < cfg->destination_count && !d; i++)
        if (strcmp(cfg->destinations[i].name, name) == 0)
            d = &cfg->destinations[i];
    if (!d) {
        jk_buf known;
        jk_buf_init(&known, 0);
        for (size_t i = 0; i < cfg->destination_count; i++)
            jk_buf_printf(&known, "%s%s", i ? ", " : "", cfg->destinations[i].name);
        jk_reply_error(req, 400, "junkai.yaml names no destination \"%s\" (%s%s)", name,
                       known.len ? "known: " : "destinations: is empty",
                       known.data ? known.data : "");
        jk_buf_release(&known);
        return;
    }
    report_full f = {0};
    jk_buf_init(&f.body, 0);
    jk_error err;
    int rc = jk_store_report_get(req->store, id, copy_report, &f, &err);
    if (rc) {
        report_full_release(&f);
        reply_store_error(req, rc, &err);
        return;
    }
    if (!jk_destination_takes(d, f.kind)) {
        jk_reply_error(req, 409, "destination %s does not take %s reports", d->name, f.kind);
        report_full_release(&f);
        return;
    }
    report_full_release(&f);
    rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_report_queue(req->store, id, d->name, &err);
    if (!rc) {
        rc = api_write_commit_on(req, "report.queue", "report", id,
                                 json_pack("{s:s}", "destination", d->name), &err);
    }
    reply_report_written(req, id, rc, &err);
}

/* A person's answer to a failed or uncertain submission, as `junkai report
 * resolve` gives it (the same store call, the same audit entry): "retry"
 * queues it again for the same destination with the same idempotency key,
 * "drop" gives the submission up (the report stays approved). */
void api_report_resolve(jk_request *req)
{
    int64_t id;
    const char *action;
    if (!path_id(req, 0, "report", &id) || !api_require_body(req) ||
        !api_body_string(req, "action", true, 16, &action))
        return;
    bool retry = strcmp(action, "retry") == 0;
    if (!retry && strcmp(action, "drop") != 0) {
        jk_reply_error(req, 400, "\"action\" must be retry or drop");
        return;
    }
    jk_error err;
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = jk_store_submit_resolve(req->store, id, retry, &err);
    if (!rc) {
        rc = api_write_commit_on(req, "report.resolve", "report", id,
                                 json_pack("{s:s}", "answer", retry ? "retry" : "drop"), &err);
    }
    reply_report_written(req, id, rc, &err);
}

/* The destinations junkai.yaml names (as the server read it at start),
 * for the workbench's "submit to…" choice: name, type, the report kinds
 * each takes and, for HTTP, the URL's host (with its port). Nothing else
 * of the URL — user and password in it, path, query — and nothing of the
 * secrets' configuration (token and password variables, SMTP login) is
 * told: a supervisor picks where a report goes, not how it gets there. */
void api_destinations_list(jk_request *req)
{
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    json_t *list = json_array();
    jk_buf host;
    jk_buf_init(&host, 0);
    for (size_t i = 0; i < cfg->destination_count; i++) {
        const jk_destination *d = &cfg->destinations[i];
        json_t *kinds = json_array();
        for (int k = 0; k < JK_REPORT_KIND_COUNT; k++)
            if (!d->kinds || (d->kinds & (1u << k)))
                json_array_append_new(kinds, json_string(jk_report_kind_name((jk_report_kind)k)));
        json_t *h = NULL;
        jk_url *url = NULL;
        jk_error err;
        if (d->type != JK_DEST_SMTP && d->url &&
            jk_url_parse(d->url, strlen(d->url), NULL, &url, &err) == JK_OK &&
            jk_url_get(url, "host", &host) == JK_OK && host.len)
            h = json_stringn(host.data, host.len);
        jk_url_free(url);
        json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o}", "name", d->name, "type",
                                              jk_destination_type_name(d->type), "kinds", kinds,
                                              "host", h ? h : json_null()));
    }
    jk_buf_release(&host);
    jk_reply(req, 200, json_pack("{s:o}", "destinations", list));
}

/* ---- evidence files ---- */

typedef struct evidence_file {
    bool found;
    char path[512];
    char kind[32];
    char sha256[65];
} evidence_file;

static int copy_evidence(void *p, const jk_case_evidence *ev)
{
    evidence_file *f = p;
    f->found = true;
    snprintf(f->path, sizeof f->path, "%s", ev->path ? ev->path : "");
    snprintf(f->kind, sizeof f->kind, "%s", ev->kind ? ev->kind : "");
    snprintf(f->sha256, sizeof f->sha256, "%s", ev->sha256 ? ev->sha256 : "");
    return 0;
}

/* The data directory: configured, else the one holding the store. */
static void data_dir(const jk_server_config *cfg, char *out, size_t size)
{
    if (cfg->data_dir) {
        snprintf(out, size, "%s", cfg->data_dir);
        return;
    }
    const char *slash = strrchr(cfg->db_path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else
        snprintf(out, size, "%.*s", (int)(slash - cfg->db_path), cfg->db_path);
}

void api_evidence_get(jk_request *req)
{
    int64_t id;
    if (!path_id(req, 0, "evidence", &id))
        return;
    evidence_file f = {0};
    jk_error err;
    int rc = jk_store_evidence_get(req->store, id, copy_evidence, &f, &err);
    if (rc) {
        reply_store_error(req, rc, &err);
        return;
    }
    /* a stored path is relative ("evidence/…") and never climbs out */
    if (strncmp(f.path, "evidence/", 9) != 0 || strstr(f.path, "..")) {
        jk_reply_error(req, 404, "evidence %lld has no readable file", (long long)id);
        return;
    }
    char dir[3072], path[4096];
    data_dir(jk_server_config_of(req->srv), dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, f.path);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        jk_reply_error(req, 404, "evidence %lld: the file is missing", (long long)id);
        return;
    }
    jk_buf b;
    jk_buf_init(&b, 0);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        jk_buf_append(&b, chunk, n);
    fclose(fp);
    /* captured pages are never rendered from our origin: only the PNG
     * shows inline; everything else downloads */
    const char *ext = strrchr(f.path, '.');
    bool png = ext && strcmp(ext, ".png") == 0;
    char name[128];
    snprintf(name, sizeof name, "evidence-%lld%s", (long long)id,
             strstr(f.path, ".warc.gz") ? ".warc.gz" : (ext ? ext : ""));
    jk_reply_bytes(req, 200, png ? "image/png" : "application/octet-stream", png ? NULL : name, &b);
}
