/*
 * collect_x.c — the collector for X (Twitter) API v2 recent search. TARGET
 * is the API base URL (https://api.x.com), the source's query the search;
 * the bearer token comes from the environment only (JUNKAI_X_BEARER_TOKEN)
 * and never reaches the store or a log line.
 *
 * The cursor: {"since_id":ID} is the newest tweet of the last complete run.
 * A run asks for tweets after it, newest page first, and follows
 * meta.next_token to older pages (at most X_PAGE_CAP). Each page commits
 * with the state {"since_id":old, "pending_next_token":T,
 * "pending_newest":N}, so a run killed between pages resumes at page T
 * with the same since_id; only when the run's paging ends does since_id
 * become N. A kill therefore refetches at worst (the store dedupes) and
 * never skips. "resume_after" (unix time) holds a rate-limit reset that
 * later runs honour before asking again. A saved paging token the API
 * refuses (expired) restarts the run from the newest page with the same
 * since_id; a since_id it refuses (older than its 7-day window) is dropped.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "xapi.h"

#define X_TOKEN_ENV "JUNKAI_X_BEARER_TOKEN"
#define X_PLATFORM "x"
/* Pages per run: 500 posts. Reads are billed; a query that matches more
 * than this between two runs is too broad for a patrol (the log says so). */
#define X_PAGE_CAP 5
/* X's rate-limit window, for a 429 that names no reset time. */
#define X_DEFAULT_WINDOW 900
/* A reset further away than this is not believed (a day). */
#define X_MAX_WAIT 86400

typedef struct x_state {
    char since_id[20];    /* newest id of the last complete run; "" none */
    char pending_next[1025]; /* next_token of a run in progress; "" none */
    char pending_newest[20]; /* that run's newest id */
    long long resume_after;  /* unix time; 0 none */
} x_state;

static void copy_id(char *to, size_t size, const json_t *v)
{
    const char *s = json_string_value(v);
    to[0] = '\0';
    if (s && jk_xapi_is_id(s) && strlen(s) < size)
        memcpy(to, s, strlen(s) + 1);
}

/* The saved state; anything unreadable starts over (a fresh first run). */
static void load_state(const char *text, x_state *st)
{
    memset(st, 0, sizeof *st);
    json_t *root = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    copy_id(st->since_id, sizeof st->since_id, json_object_get(root, "since_id"));
    copy_id(st->pending_newest, sizeof st->pending_newest, json_object_get(root, "pending_newest"));
    const char *next = json_string_value(json_object_get(root, "pending_next_token"));
    if (next && *next && strlen(next) < sizeof st->pending_next)
        memcpy(st->pending_next, next, strlen(next) + 1);
    if (!st->pending_next[0])
        st->pending_newest[0] = '\0'; /* belongs to a run in progress only */
    json_t *ra = json_object_get(root, "resume_after");
    if (json_is_integer(ra) && json_integer_value(ra) > 0)
        st->resume_after = (long long)json_integer_value(ra);
    json_decref(root);
}

/* The state as JSON (caller frees), or NULL when out of memory. */
static char *dump_state(const x_state *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    if (st->since_id[0])
        bad |= json_object_set_new(o, "since_id", json_string(st->since_id));
    if (st->pending_next[0]) {
        bad |= json_object_set_new(o, "pending_next_token", json_string(st->pending_next));
        if (st->pending_newest[0])
            bad |= json_object_set_new(o, "pending_newest", json_string(st->pending_newest));
    }
    if (st->resume_after)
        bad |= json_object_set_new(o, "resume_after", json_integer(st->resume_after));
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void utc_clock(long long when, char out[16])
{
    time_t t = (time_t)when;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 16, "%H:%M:%S", &tm) == 0)
        snprintf(out, 16, "?");
}

typedef struct parse_log {
    jk_collect_ctx *ctx;
    const char *source;
} parse_log;

static void log_parse(void *ctx, const char *message)
{
    parse_log *pl = ctx;
    jk_collect_logf(pl->ctx, "source %s: %s", pl->source, message);
}

/* A header holding a non-negative number, or -1. */
static long long header_number(const jk_http_response *resp, const char *name)
{
    char *v = jk_http_response_header(resp, name);
    long long n = -1;
    if (v) {
        char *end;
        long long x = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end != v && *end == '\0' && x >= 0)
            n = x;
        free(v);
    }
    return n;
}

/* When to ask again after this response used up the window: the reset the
 * API announced, else Retry-After, else one window from now. */
static long long reset_time(const jk_http_response *resp, long long now)
{
    long long reset = header_number(resp, "x-rate-limit-reset");
    if (reset > now && reset - now <= X_MAX_WAIT)
        return reset;
    long long after = header_number(resp, "retry-after");
    if (after > 0 && after <= X_MAX_WAIT)
        return now + after;
    return now + X_DEFAULT_WINDOW;
}

/* The bearer token goes into a header: nothing that could end or split a
 * header line, and something to send. */
static const char *bearer_token(const jk_source *src, jk_error *err)
{
    const char *token = getenv(X_TOKEN_ENV);
    if (!token || !*token) {
        jk_error_set(err, JK_EINVAL,
                     "source %s: the X API needs a bearer token: set " X_TOKEN_ENV
                     " in the environment of junkai patrol (or x_bearer_token in junkai.yaml)",
                     src->name);
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)token; *p; p++)
        if (*p <= 0x20 || *p == 0x7f) {
            jk_error_set(err, JK_EINVAL,
                         "source %s: " X_TOKEN_ENV " holds a space or control character; "
                         "it must be the bearer token alone",
                         src->name);
            return NULL;
        }
    return token;
}

static int commit(jk_collect_ctx *ctx, const jk_source *src, const jk_posts *posts,
                  const x_state *st, int64_t finished, jk_error *err)
{
    char *state = dump_state(st);
    if (!state)
        return jk_error_set(err, JK_ENOMEM, "source %s: out of memory", src->name);
    int rc = jk_collect_take_page(ctx, src, X_PLATFORM, posts, state, finished, err);
    free(state);
    return rc;
}

/* An HTTP status other than 200 (after the fetch layer's retries). */
static int refused(const jk_source *src, const jk_http_response *resp, jk_error *err)
{
    char problem[300];
    jk_xapi_problem(resp->body.data, resp->body.len, problem, sizeof problem);
    const char *sep = problem[0] ? ": " : "";
    if (resp->status == 401)
        return jk_error_set(err, JK_EDENIED,
                            "source %s: the X API rejected the bearer token in " X_TOKEN_ENV
                            " (HTTP 401%s%s); check that it is a current app bearer token",
                            src->name, sep, problem);
    if (resp->status == 403)
        return jk_error_set(err, JK_EDENIED,
                            "source %s: the X API refused the bearer token in " X_TOKEN_ENV
                            " (HTTP 403%s%s); its app may lack access to recent search",
                            src->name, sep, problem);
    return jk_error_set(err, JK_ENET, "source %s: %s answered HTTP %ld%s%s", src->name,
                        src->target, resp->status, sep, problem);
}

int jk_collect_x(jk_collect_ctx *ctx, const jk_source *src, jk_error *err)
{
    if (!src->query || !*src->query)
        return jk_error_set(err, JK_EINVAL,
                            "source %s: an x source needs a search query (source add … --query Q)",
                            src->name);
    const char *token = bearer_token(src, err);
    if (!token)
        return err ? err->code : JK_EINVAL;
    if (!ctx->http)
        return jk_error_set(err, JK_EINVAL, "source %s: no HTTP client to fetch with", src->name);

    x_state st;
    load_state(src->state, &st);
    long long now = (long long)time(NULL);
    char clock[16];
    if (st.resume_after > now && st.resume_after - now <= X_MAX_WAIT) {
        utc_clock(st.resume_after, clock);
        jk_collect_logf(ctx, "source %s: rate limited until %s UTC; skipped", src->name, clock);
        return JK_OK;
    }
    st.resume_after = 0;

    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_http_response resp;
    jk_http_response_init(&resp);
    jk_buf url;
    jk_buf_init(&url, 64 * 1024);
    parse_log pl = {ctx, src->name};
    bool since_dropped = false, token_dropped = false;
    int pages = 0, rc = JK_OK;
    if (st.pending_next[0])
        jk_collect_logf(ctx, "source %s: resuming an interrupted search at its next page",
                        src->name);
    for (;;) {
        if (pages > 0 && ctx->stop && *ctx->stop)
            break; /* the state committed with the last page resumes here */
        jk_buf_reset(&url);
        rc = jk_xapi_search_url(&url, src->target, src->query, st.since_id[0] ? st.since_id : NULL,
                                st.pending_next[0] ? st.pending_next : NULL, err);
        if (rc) {
            char why[JK_ERROR_MESSAGE_MAX];
            snprintf(why, sizeof why, "%s", err ? err->message : "");
            rc = jk_error_set(err, rc, "source %s: %s", src->name, why);
            break;
        }
        jk_http_request req;
        memset(&req, 0, sizeof req);
        req.method = "GET";
        req.url = url.data;
        req.bearer_token = token;
        req.accept = "application/json";
        req.allow_private = src->allow_private;
        jk_http_response_release(&resp);
        jk_http_response_init(&resp);
        rc = jk_http_fetch(ctx->http, &req, &resp, err);
        if (rc && ctx->stop && *ctx->stop) {
            /* asked to stop while the fetch waited (rate limit, backoff):
             * what is committed resumes; nothing went wrong */
            rc = JK_OK;
            break;
        }
        if (rc) {
            char why[JK_ERROR_MESSAGE_MAX];
            snprintf(why, sizeof why, "%s", err ? err->message : jk_strerror(rc));
            rc = jk_error_set(err, rc, "source %s: %s", src->name, why);
            break;
        }
        now = (long long)time(NULL);
        if (resp.status == 429) {
            /* the fetch layer has already waited and retried */
            st.resume_after = reset_time(&resp, now);
            jk_posts_release(&posts);
            rc = commit(ctx, src, &posts, &st, now, err);
            if (!rc) {
                utc_clock(st.resume_after, clock);
                jk_collect_logf(ctx, "source %s: rate limited until %s UTC", src->name, clock);
            }
            break;
        }
        if (resp.status == 400) {
            char problem[300];
            jk_xapi_problem(resp.body.data, resp.body.len, problem, sizeof problem);
            if (st.pending_next[0] && !token_dropped) {
                /* a paging token saved by an interrupted run may have
                 * expired: search again from the newest with the same
                 * since_id (the store dedupes what comes twice) */
                jk_collect_logf(ctx, "source %s: the API refused the saved paging token (%s); "
                                     "searching again from the newest",
                                src->name, problem);
                token_dropped = true;
                st.pending_next[0] = st.pending_newest[0] = '\0';
                pages = 0;
                continue;
            }
            if (st.since_id[0] && !since_dropped && strstr(problem, "since_id")) {
                /* X only searches the last 7 days and refuses a since_id
                 * older than that: after a long pause, start over. */
                jk_collect_logf(ctx, "source %s: the API refused since_id %s (%s); searching "
                                     "without it",
                                src->name, st.since_id, problem);
                since_dropped = true;
                st.since_id[0] = st.pending_next[0] = st.pending_newest[0] = '\0';
                pages = 0;
                continue;
            }
        }
        if (resp.status != 200) {
            rc = refused(src, &resp, err);
            break;
        }
        if (resp.truncated) {
            rc = jk_error_set(err, JK_ELIMIT, "source %s: the answer from %s was cut off at the "
                                              "size limit",
                              src->name, src->target);
            break;
        }
        jk_posts_release(&posts);
        rc = jk_xapi_parse_search(resp.body.data, resp.body.len, &posts, &page, log_parse, &pl, err);
        if (rc) {
            char why[JK_ERROR_MESSAGE_MAX];
            snprintf(why, sizeof why, "%s", err ? err->message : "");
            rc = jk_error_set(err, rc, "source %s: %s: %s", src->name, src->target, why);
            break;
        }
        ctx->ingest->skipped += (long)page.skipped;
        pages++;
        /* the first page of a run carries its newest id */
        if (!st.pending_next[0] && page.newest_id)
            snprintf(st.pending_newest, sizeof st.pending_newest, "%s", page.newest_id);
        bool more = page.next_token != NULL && pages < X_PAGE_CAP;
        if (page.next_token && !more)
            jk_collect_logf(ctx, "source %s: stopped after %d pages; older matches of this run "
                                 "are left out (narrow the query or patrol more often)",
                            src->name, pages);
        long long remaining = header_number(&resp, "x-rate-limit-remaining");
        if (remaining == 0)
            st.resume_after = reset_time(&resp, now);
        if (more) {
            snprintf(st.pending_next, sizeof st.pending_next, "%s", page.next_token);
        } else {
            if (st.pending_newest[0])
                memcpy(st.since_id, st.pending_newest, sizeof st.since_id);
            st.pending_next[0] = st.pending_newest[0] = '\0';
        }
        bool stop_now = !more || remaining == 0;
        rc = commit(ctx, src, &posts, &st, stop_now ? now : 0, err);
        if (rc)
            break;
        if (stop_now) {
            if (remaining == 0) {
                utc_clock(st.resume_after, clock);
                jk_collect_logf(ctx, "source %s: rate limited until %s UTC", src->name, clock);
            }
            break;
        }
    }
    jk_buf_release(&url);
    jk_http_response_release(&resp);
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);
    return rc;
}
