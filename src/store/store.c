/*
 * store.c — the backend-independent half of the store: picks a backend,
 * computes what every backend needs the same way (SHA-256 of raw bytes and
 * text, spans as JSON), and dispatches through the ops table.
 * Must not touch: SQL (store_sqlite.c).
 */
#include "junkai/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"
#include "store_ops.h"

int jk_store_open(const char *location, jk_store **out, jk_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return jk_error_set(err, JK_EINVAL, "cannot initialise libsodium");
    jk_store *st = jk_calloc(1, sizeof *st);
    st->ops = &jk_store_sqlite_ops;
    int rc = st->ops->open(location, &st->impl, err);
    if (rc) {
        free(st);
        return rc;
    }
    *out = st;
    return JK_OK;
}

void jk_store_close(jk_store *st)
{
    if (!st)
        return;
    st->ops->close(st->impl);
    free(st);
}

int jk_store_schema_version(jk_store *st)
{
    return st->ops->schema_version(st->impl);
}

int jk_store_begin(jk_store *st, jk_error *err)
{
    return st->ops->begin(st->impl, err);
}

int jk_store_commit(jk_store *st, jk_error *err)
{
    return st->ops->commit(st->impl, err);
}

void jk_store_rollback(jk_store *st)
{
    st->ops->rollback(st->impl);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

int jk_store_add_item(jk_store *st, const jk_item_in *item, int64_t *item_id, bool *is_new,
                      jk_error *err)
{
    if (!item->platform || !item->external_id || !item->text)
        return jk_error_set(err, JK_EINVAL, "an item needs a platform, an id and a text");
    char raw_sha[65], text_sha[65];
    sha256_hex(item->raw ? item->raw : item->text, item->raw ? item->raw_len : item->text_len,
               raw_sha);
    sha256_hex(item->text, item->text_len, text_sha);
    return st->ops->add_item(st->impl, item, raw_sha, text_sha, item_id, is_new, err);
}

int jk_store_add_detection(jk_store *st, int64_t item_id, const jk_hit *hit,
                           const char *pack_version, jk_error *err)
{
    jk_buf spans;
    jk_buf_init(&spans, 0);
    jk_buf_putc(&spans, '[');
    for (size_t i = 0; i < hit->span_count; i++) {
        jk_buf_puts(&spans, i ? ",[" : "[");
        jk_buf_put_uint(&spans, hit->spans[i].start);
        jk_buf_putc(&spans, ',');
        jk_buf_put_uint(&spans, hit->spans[i].end);
        jk_buf_putc(&spans, ']');
    }
    jk_buf_putc(&spans, ']');
    int rc = st->ops->add_detection(st->impl, item_id, hit, spans.data, pack_version, err);
    jk_buf_release(&spans);
    return rc;
}

int jk_store_add_indicator(jk_store *st, int64_t item_id, const char *type, const char *value,
                           size_t start, size_t end, jk_error *err)
{
    return st->ops->add_indicator(st->impl, item_id, type, value, start, end, err);
}

int jk_store_run_start(jk_store *st, const char *what, int64_t *run_id, jk_error *err)
{
    return st->ops->run_start(st->impl, what, run_id, err);
}

int jk_store_run_finish(jk_store *st, int64_t run_id, long items_new, long items_seen,
                        long hits, long errors, jk_error *err)
{
    return st->ops->run_finish(st->impl, run_id, items_new, items_seen, hits, errors, err);
}

int jk_store_search(jk_store *st, const char *query, const char *normalized_query,
                    size_t limit, jk_search_fn fn, void *ctx, jk_error *err)
{
    jk_search_word word = {query, normalized_query};
    return st->ops->search(st->impl, &word, 1, limit, fn, ctx, err);
}

int jk_store_search_words(jk_store *st, const jk_search_word *words, size_t count,
                          size_t limit, jk_search_fn fn, void *ctx, jk_error *err)
{
    if (count == 0)
        return jk_error_set(err, JK_EINVAL, "search needs at least one word");
    return st->ops->search(st->impl, words, count, limit, fn, ctx, err);
}

int jk_store_stats_get(jk_store *st, jk_store_stats *out, jk_error *err)
{
    memset(out, 0, sizeof *out);
    return st->ops->stats(st->impl, out, err);
}

int jk_store_count_by(jk_store *st, const char *what, jk_count_fn fn, void *ctx,
                      jk_error *err)
{
    if (strcmp(what, "day") != 0 && strcmp(what, "platform") != 0)
        return jk_error_set(err, JK_EINVAL, "cannot count by \"%s\"", what);
    return st->ops->count_by(st->impl, what, fn, ctx, err);
}

int jk_store_source_add(jk_store *st, const jk_source *src, int64_t *id, jk_error *err)
{
    if (!src->kind || !src->name || !src->name[0])
        return jk_error_set(err, JK_EINVAL, "a source needs a kind and a name");
    return st->ops->source_add(st->impl, src, id, err);
}

int jk_store_source_list(jk_store *st, jk_source_fn fn, void *ctx, jk_error *err)
{
    return st->ops->source_list(st->impl, fn, ctx, err);
}

int jk_store_source_rm(jk_store *st, const char *name, jk_error *err)
{
    return st->ops->source_rm(st->impl, name, err);
}

int jk_store_source_state(jk_store *st, int64_t id, const char *state, int64_t now_unix,
                          jk_error *err)
{
    return st->ops->source_state(st->impl, id, state, now_unix, err);
}

int jk_store_source_outcome(jk_store *st, int64_t id, bool ok, const char *outcome,
                            jk_error *err)
{
    return st->ops->source_outcome(st->impl, id, ok, outcome, err);
}

/* Category bits of jk_item_row.categories must fit. */
_Static_assert(JK_CATEGORY_COUNT <= 32, "jk_item_row.categories holds one bit per category");

int jk_store_indicator_rows(jk_store *st, jk_indicator_row_fn fn, void *ctx, jk_error *err)
{
    return st->ops->indicator_rows(st->impl, 0, fn, ctx, err);
}

int jk_store_item_indicators(jk_store *st, int64_t item_id, jk_indicator_row_fn fn, void *ctx,
                             jk_error *err)
{
    if (item_id <= 0)
        return jk_error_set(err, JK_EINVAL, "item id %lld is not valid", (long long)item_id);
    return st->ops->indicator_rows(st->impl, item_id, fn, ctx, err);
}

int jk_store_item_get(jk_store *st, int64_t id, const char *platform, const char *external_id,
                      bool with_text, jk_item_fn fn, void *ctx, jk_error *err)
{
    if (id < 0 || (id == 0 && (!platform || !external_id)))
        return jk_error_set(err, JK_EINVAL, "an item is named by its id or platform and id");
    return st->ops->item_get(st->impl, id, platform, external_id, with_text, fn, ctx, err);
}

/* ---- intel lists (issue 5) ---------------------------------------------- */

int jk_store_intel_list_put(jk_store *st, const jk_intel_list_info *list, int64_t *list_id,
                            int64_t *version, jk_error *err)
{
    if (!list->name || !list->name[0] || !list->format)
        return jk_error_set(err, JK_EINVAL, "an intel list needs a name and a format");
    return st->ops->intel_list_put(st->impl, list, list_id, version, err);
}

int jk_store_intel_entry_add(jk_store *st, int64_t list_id, const char *type, const char *value,
                             const char *first_seen, const char *description, jk_error *err)
{
    if (!type || !value)
        return jk_error_set(err, JK_EINVAL, "an intel entry needs a type and a value");
    return st->ops->intel_entry_add(st->impl, list_id, type, value, first_seen, description,
                                    err);
}

int jk_store_intel_list_finish(jk_store *st, int64_t list_id, long skipped, long *entries,
                               jk_error *err)
{
    return st->ops->intel_list_finish(st->impl, list_id, skipped, entries, err);
}

int jk_store_intel_lists(jk_store *st, jk_intel_list_fn fn, void *ctx, jk_error *err)
{
    return st->ops->intel_lists(st->impl, fn, ctx, err);
}

int jk_store_intel_list_rm(jk_store *st, const char *name, jk_error *err)
{
    return st->ops->intel_list_rm(st->impl, name, err);
}

int jk_store_intel_entries(jk_store *st, jk_intel_entry_fn fn, void *ctx, jk_error *err)
{
    return st->ops->intel_entries(st->impl, fn, ctx, err);
}

int jk_store_indicators_export(jk_store *st, bool confirmed_only, jk_indicator_export_fn fn,
                               void *ctx, jk_error *err)
{
    return st->ops->indicator_export(st->impl, confirmed_only, fn, ctx, err);
}

/* ---- Review workbench: accounts, sessions, queue, decisions, audit ---- */

static bool known_role(const char *role)
{
    return role && (strcmp(role, "patroller") == 0 || strcmp(role, "supervisor") == 0 ||
                    strcmp(role, "admin") == 0);
}

int jk_store_user_add(jk_store *st, const char *name, const char *role,
                      const char *password_hash, int64_t *id, jk_error *err)
{
    if (!name || !name[0] || !password_hash)
        return jk_error_set(err, JK_EINVAL, "an account needs a name and a password");
    if (!known_role(role))
        return jk_error_set(err, JK_EINVAL,
                            "unknown role \"%s\" (patroller, supervisor or admin)",
                            role ? role : "");
    return st->ops->user_add(st->impl, name, role, password_hash, id, err);
}

int jk_store_user_get(jk_store *st, const char *name, jk_user_fn fn, void *ctx, jk_error *err)
{
    return st->ops->user_get(st->impl, name, fn, ctx, err);
}

int jk_store_user_list(jk_store *st, jk_user_fn fn, void *ctx, jk_error *err)
{
    return st->ops->user_list(st->impl, fn, ctx, err);
}

int jk_store_user_set_password(jk_store *st, const char *name, const char *password_hash,
                               jk_error *err)
{
    return st->ops->user_set_password(st->impl, name, password_hash, err);
}

int jk_store_user_disable(jk_store *st, const char *name, jk_error *err)
{
    return st->ops->user_disable(st->impl, name, err);
}

int jk_store_session_add(jk_store *st, const char *id_hash, int64_t user_id, const char *csrf,
                         int64_t expires_unix, jk_error *err)
{
    return st->ops->session_add(st->impl, id_hash, user_id, csrf, expires_unix, err);
}

int jk_store_session_get(jk_store *st, const char *id_hash, int64_t now_unix, jk_session_fn fn,
                         void *ctx, jk_error *err)
{
    return st->ops->session_get(st->impl, id_hash, now_unix, fn, ctx, err);
}

int jk_store_session_delete(jk_store *st, const char *id_hash, jk_error *err)
{
    return st->ops->session_delete(st->impl, id_hash, err);
}

int jk_store_queue(jk_store *st, const jk_queue_filter *filter, jk_review_item_fn fn, void *ctx,
                   jk_error *err)
{
    return st->ops->queue(st->impl, filter, fn, ctx, err);
}

int jk_store_review_item_get(jk_store *st, int64_t id, jk_review_item_fn fn, void *ctx,
                             jk_error *err)
{
    return st->ops->review_item_get(st->impl, id, fn, ctx, err);
}

int jk_store_item_detections(jk_store *st, int64_t item_id, jk_detection_fn fn, void *ctx,
                             jk_error *err)
{
    return st->ops->item_detections(st->impl, item_id, fn, ctx, err);
}

int jk_store_decision_add(jk_store *st, int64_t item_id, const jk_decision_row *decision,
                          jk_error *err)
{
    if (!decision->decision || (strcmp(decision->decision, "confirm") != 0 &&
                                strcmp(decision->decision, "dismiss") != 0))
        return jk_error_set(err, JK_EINVAL, "a decision is \"confirm\" or \"dismiss\"");
    if (!decision->user || !decision->user[0])
        return jk_error_set(err, JK_EINVAL, "a decision needs the user who made it");
    return st->ops->decision_add(st->impl, item_id, decision, err);
}

int jk_store_item_decisions(jk_store *st, int64_t item_id, jk_decision_fn fn, void *ctx,
                            jk_error *err)
{
    return st->ops->item_decisions(st->impl, item_id, fn, ctx, err);
}

int jk_store_review_stats(jk_store *st, jk_review_count_fn fn, void *ctx, jk_error *err)
{
    return st->ops->review_stats(st->impl, fn, ctx, err);
}

static void audit_field(crypto_hash_sha256_state *h, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    char head[32];
    int n = snprintf(head, sizeof head, "\n%zu:", len);
    crypto_hash_sha256_update(h, (const unsigned char *)head, (unsigned long long)n);
    if (len)
        crypto_hash_sha256_update(h, (const unsigned char *)s, len);
}

void jk_audit_hash(const jk_audit_entry *e, char out[65])
{
    static const char zeros[65] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    static const char tag[] = "junkai-audit-1";
    const char *prev = e->prev_hash ? e->prev_hash : zeros;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)e->id);
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)prev, strlen(prev));
    crypto_hash_sha256_update(&h, (const unsigned char *)tag, sizeof tag - 1);
    audit_field(&h, id);
    audit_field(&h, e->at);
    audit_field(&h, e->user);
    audit_field(&h, e->action);
    audit_field(&h, e->target);
    audit_field(&h, e->detail);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

int jk_store_audit_append(jk_store *st, const char *user, const char *action, const char *target,
                          const char *detail, jk_error *err)
{
    if (!user || !action)
        return jk_error_set(err, JK_EINVAL, "an audit entry needs a user and an action");
    int64_t last_id;
    char prev[65];
    int rc = st->ops->audit_last(st->impl, &last_id, prev, err);
    if (rc)
        return rc;
    /* The time is fixed here, not by the database, so the hash covers
     * exactly the text that is stored. */
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    jk_audit_entry e = {last_id + 1, at, user, action, target ? target : "",
                        detail ? detail : "", prev, NULL};
    char hash[65];
    jk_audit_hash(&e, hash);
    e.hash = hash;
    return st->ops->audit_insert(st->impl, &e, err);
}

int jk_store_audit_list(jk_store *st, size_t limit, size_t offset, jk_audit_fn fn, void *ctx,
                        jk_error *err)
{
    return st->ops->audit_walk(st->impl, false, limit, offset, fn, ctx, err);
}

typedef struct audit_check {
    char expected_prev[65];
    int64_t expected_id;
    long checked;
    int64_t bad_id;
    jk_error *err;
} audit_check;

static int audit_check_one(void *p, const jk_audit_entry *e)
{
    audit_check *c = p;
    if (e->id != c->expected_id || !e->prev_hash || strcmp(e->prev_hash, c->expected_prev) != 0) {
        c->bad_id = e->id;
        if (e->id != c->expected_id)
            jk_error_set(c->err, JK_EPARSE,
                         "audit entry %lld: expected entry %lld here (an entry was removed or "
                         "renumbered)",
                         (long long)e->id, (long long)c->expected_id);
        else
            jk_error_set(c->err, JK_EPARSE,
                         "audit entry %lld: its previous hash does not match entry %lld's hash",
                         (long long)e->id, (long long)(e->id - 1));
        return 1;
    }
    char hash[65];
    jk_audit_hash(e, hash);
    if (!e->hash || strlen(e->hash) != 64 || sodium_memcmp(hash, e->hash, 64) != 0) {
        c->bad_id = e->id;
        jk_error_set(c->err, JK_EPARSE,
                     "audit entry %lld: its contents do not match its hash (changed after it "
                     "was written)",
                     (long long)e->id);
        return 1;
    }
    memcpy(c->expected_prev, e->hash, 65);
    c->expected_id++;
    c->checked++;
    return 0;
}

int jk_store_audit_verify(jk_store *st, long *checked, int64_t *bad_id, jk_error *err)
{
    audit_check c;
    memset(c.expected_prev, '0', 64);
    c.expected_prev[64] = '\0';
    c.expected_id = 1;
    c.checked = 0;
    c.bad_id = 0;
    c.err = err;
    int rc = st->ops->audit_walk(st->impl, true, 0, 0, audit_check_one, &c, err);
    if (checked)
        *checked = c.checked;
    if (bad_id)
        *bad_id = c.bad_id;
    if (rc)
        return rc;
    return c.bad_id ? JK_EPARSE : JK_OK;
}

int jk_store_evidence_add(jk_store *st, const jk_evidence_in *ev, int64_t *id, jk_error *err)
{
    if (!ev->sha256 || !ev->path || !ev->kind)
        return jk_error_set(err, JK_EINVAL, "evidence needs a SHA-256, a path and a kind");
    return st->ops->evidence_add(st->impl, ev, id, err);
}

int jk_store_item_evidence(jk_store *st, int64_t item_id, int64_t evidence_id, jk_error *err)
{
    return st->ops->item_evidence(st->impl, item_id, evidence_id, err);
}

int jk_store_source_set_evidence(jk_store *st, int64_t source_id, bool keep, jk_error *err)
{
    return st->ops->source_set_evidence(st->impl, source_id, keep, err);
}

int jk_store_source_evidence(jk_store *st, int64_t source_id, bool *keep, jk_error *err)
{
    return st->ops->source_evidence(st->impl, source_id, keep, err);
}

int jk_store_evidence_list(jk_store *st, jk_evidence_fn fn, void *ctx, jk_error *err)
{
    return st->ops->evidence_list(st->impl, fn, ctx, err);
}
