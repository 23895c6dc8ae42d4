/*
 * api_sources.c — the API of the workbench's "sources and rules" screen:
 * a source's last run and "run now" (a child `junkai patrol --source NAME`
 * started by the server), the rule packs the server loaded, and a text
 * tried against them with the scanner `junkai scan` uses.
 *
 * Run now: the server spawns its own executable (/proc/self/exe) as
 * `patrol --source NAME --data DIR`; a detached thread reads the child's
 * standard error and reaps it. What the child did is recorded by the child
 * itself (its audit entry "patrol", target "source:NAME", with the outcome
 * line), so it outlives the server; the table below only knows what runs
 * now and how the last run of each source ended (exit status, last log
 * line) for as long as this process lives. The table is process-wide on
 * purpose: child processes belong to the process, not to one server.
 * Must not touch: HTTP framing (server.c), SQL (the store).
 */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"
#include "extract.h"
#include "junkai/case.h"
#include "junkai/taxonomy.h"

extern char **environ;

#define RUNS_MAX 64               /* sources whose last run-now is remembered */
#define RUN_MESSAGE_MAX 512       /* the kept log line */
#define TRY_TEXT_MAX (256 * 1024) /* a text tried against the rules */

/* ---- run now ---- */

typedef struct source_run {
    bool used;
    bool running;
    char dir[1024]; /* the data directory: two servers in one process differ */
    int64_t source_id;
    char name[JK_SERVER_NAME_MAX + 1];
    char user[JK_SERVER_NAME_MAX + 1];
    char started_at[32], finished_at[32];
    int exit_status; /* the child's exit status; -N: killed by signal N */
    char message[RUN_MESSAGE_MAX];
    time_t finished;
} source_run;

static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;
static source_run runs[RUNS_MAX];

static void utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

/* The slot of (dir, source), or NULL. Call with runs_lock held. */
static source_run *run_find(const char *dir, int64_t source_id)
{
    for (size_t i = 0; i < RUNS_MAX; i++)
        if (runs[i].used && runs[i].source_id == source_id && strcmp(runs[i].dir, dir) == 0)
            return &runs[i];
    return NULL;
}

/* A slot for a new run: the source's own, else a free one, else the one
 * that finished longest ago; NULL when every slot runs. Lock held. */
static source_run *run_slot(const char *dir, int64_t source_id)
{
    source_run *r = run_find(dir, source_id), *oldest = NULL;
    if (r)
        return r->running ? NULL : r;
    for (size_t i = 0; i < RUNS_MAX; i++) {
        if (!runs[i].used)
            return &runs[i];
        if (!runs[i].running && (!oldest || runs[i].finished < oldest->finished))
            oldest = &runs[i];
    }
    return oldest;
}

typedef struct reaper_arg {
    source_run *run;
    pid_t pid;
    int fd;
} reaper_arg;

/* The line worth showing of the child's log: its source's outcome
 * ("source NAME: 3 new, 0 already stored", "error: …"), else the last. */
static void keep_line(char *kept, bool *outcome, const char *line, size_t len)
{
    if (len > 8 && strncmp(line, "junkai: ", 8) == 0) {
        line += 8;
        len -= 8;
    }
    if (!len)
        return;
    bool is_outcome = strncmp(line, "source ", 7) == 0 || strncmp(line, "error:", 6) == 0 ||
                      strncmp(line, "no source", 9) == 0;
    if (*outcome && !is_outcome)
        return;
    *outcome = *outcome || is_outcome;
    snprintf(kept, RUN_MESSAGE_MAX, "%.*s",
             (int)(len < RUN_MESSAGE_MAX ? len : RUN_MESSAGE_MAX - 1), line);
}

static void *reap(void *p)
{
    reaper_arg a = *(reaper_arg *)p;
    free(p);
    char kept[RUN_MESSAGE_MAX] = "", line[RUN_MESSAGE_MAX * 2];
    size_t len = 0;
    bool outcome = false;
    char chunk[4096];
    ssize_t n;
    /* read to the end: a child blocked on a full pipe would never exit */
    while ((n = read(a.fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] == '\n' || chunk[i] == '\r') {
                keep_line(kept, &outcome, line, len);
                len = 0;
            } else if (len < sizeof line) {
                line[len++] = chunk[i];
            }
        }
    }
    keep_line(kept, &outcome, line, len);
    close(a.fd);
    int status = 0;
    while (waitpid(a.pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&runs_lock);
    a.run->running = false;
    a.run->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    snprintf(a.run->message, sizeof a.run->message, "%s", kept);
    utc_now(a.run->finished_at);
    a.run->finished = time(NULL);
    pthread_mutex_unlock(&runs_lock);
    return NULL;
}

/* Start `EXE patrol --source NAME --data DIR` with stderr on a pipe.
 * Returns 0 and the child's pid and the pipe's read end, or an errno. */
static int spawn_patrol(const char *name, const char *dir, pid_t *pid, int *fd)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return errno ? errno : ENOENT;
    exe[n] = '\0';
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC))
        return errno;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* no socket or store leaks in */
#endif
    /* `junkai serve` blocks SIGINT and SIGTERM in every thread (it waits
     * for them in one place); the patrol needs them to stop cleanly */
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {exe, "patrol", "--source", (char *)name, "--data", (char *)dir, NULL};
    int rc = posix_spawn(pid, exe, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pipefd[1]);
    if (rc) {
        close(pipefd[0]);
        return rc;
    }
    *fd = pipefd[0];
    return 0;
}

static json_t *run_json(const source_run *r)
{
    if (!r)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "state",
                     r->running            ? "running"
                     : r->exit_status == 0 ? "done"
                                           : "failed",
                     "user", r->user, "started_at", r->started_at, "finished_at",
                     r->running ? json_null() : json_string(r->finished_at), "exit_status",
                     r->running ? json_null() : json_integer(r->exit_status), "message",
                     r->running ? json_null() : json_string(r->message));
}

typedef struct source_found {
    int64_t id;
    bool found;
    char name[JK_SERVER_NAME_MAX + 1];
} source_found;

static int find_source(void *p, const jk_source *s)
{
    source_found *f = p;
    if (s->id == f->id && s->name && strlen(s->name) < sizeof f->name) {
        f->found = true;
        strcpy(f->name, s->name);
    }
    return 0;
}

void api_source_run(jk_request *req)
{
    source_found src = {0};
    if (!api_parse_id(req->match.params[0].ptr, req->match.params[0].len, &src.id)) {
        jk_reply_error(req, 404, "no such source");
        return;
    }
    jk_error err;
    if (jk_store_source_list(req->store, find_source, &src, &err)) {
        jk_reply_internal(req, &err);
        return;
    }
    if (!src.found) {
        jk_reply_error(req, 404, "no source %lld", (long long)src.id);
        return;
    }
    char dir[1024];
    api_data_dir(jk_server_config_of(req->srv), dir, sizeof dir);

    pthread_mutex_lock(&runs_lock);
    source_run *slot = run_slot(dir, src.id);
    if (!slot) {
        bool busy = run_find(dir, src.id) != NULL;
        pthread_mutex_unlock(&runs_lock);
        if (busy)
            jk_reply_error(req, 409, "source %s is running already", src.name);
        else
            jk_reply_error(req, 503, "too many sources running; try again later");
        return;
    }
    /* taken before the child starts, so a second click finds it running */
    memset(slot, 0, sizeof *slot);
    slot->used = slot->running = true;
    snprintf(slot->dir, sizeof slot->dir, "%s", dir);
    slot->source_id = src.id;
    snprintf(slot->name, sizeof slot->name, "%s", src.name);
    snprintf(slot->user, sizeof slot->user, "%s", req->user);
    utc_now(slot->started_at);
    pthread_mutex_unlock(&runs_lock);

    /* the request is recorded first; what the run stored, the child records */
    char target[JK_SERVER_NAME_MAX + 8];
    snprintf(target, sizeof target, "source:%s", src.name);
    int rc = api_write_begin(req, &err);
    if (!rc)
        rc = api_write_commit(req, "source.run", target,
                              json_pack("{s:I}", "source", (json_int_t)src.id), &err);
    pid_t pid = 0;
    int fd = -1, spawn_rc = rc ? 0 : spawn_patrol(src.name, dir, &pid, &fd);
    reaper_arg *arg = NULL;
    pthread_t thread;
    pthread_attr_t attr;
    bool started = false;
    if (!rc && !spawn_rc && (arg = malloc(sizeof *arg))) {
        *arg = (reaper_arg){slot, pid, fd};
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&thread, &attr, reap, arg) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!rc && !spawn_rc && !started) {
        /* no thread to watch it: stop it and reap it here */
        free(arg);
        kill(pid, SIGTERM);
        close(fd);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        spawn_rc = EAGAIN;
    }
    pthread_mutex_lock(&runs_lock);
    if (!started) {
        slot->running = false;
        slot->exit_status = 127;
        snprintf(slot->message, sizeof slot->message, "%s",
                 rc ? "not started: the audit entry could not be written"
                    : "not started: the patrol process could not be created");
        utc_now(slot->finished_at);
        slot->finished = time(NULL);
    }
    json_t *run = run_json(slot);
    pthread_mutex_unlock(&runs_lock);
    if (rc) {
        json_decref(run);
        jk_reply_internal(req, &err);
        return;
    }
    if (!started) {
        json_decref(run);
        jk_server_log(req->srv, "run now: cannot start a patrol of %s: %s", src.name,
                      strerror(spawn_rc));
        jk_reply_error(req, 500, "internal error");
        return;
    }
    jk_reply(
        req, 202,
        json_pack("{s:I, s:s, s:o}", "source", (json_int_t)src.id, "name", src.name, "run", run));
}

/* ---- a source's last run, for GET /api/sources ---- */

typedef struct last_patrol {
    json_t *entry; /* the newest "patrol" entry's summary */
} last_patrol;

static int keep_patrol(void *p, const jk_audit_entry *e)
{
    last_patrol *l = p;
    if (!e->action || strcmp(e->action, "patrol") != 0)
        return 0;
    json_t *detail = e->detail && e->detail[0] ? json_loads(e->detail, 0, NULL) : NULL;
    json_t *o =
        json_pack("{s:o, s:o}", "at", api_str_or_null(e->at), "user", api_str_or_null(e->user));
    static const char *const keys[] = {"fresh", "seen", "hits", "errors", "outcome"};
    for (size_t i = 0; detail && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(detail, keys[i]);
        if (v)
            json_object_set(o, keys[i], v);
    }
    json_decref(detail);
    json_decref(l->entry); /* oldest first: the last one seen is the newest */
    l->entry = o;
    return 0;
}

int api_sources_annotate(jk_request *req, json_t *sources, jk_error *err)
{
    char dir[1024];
    api_data_dir(jk_server_config_of(req->srv), dir, sizeof dir);
    size_t i;
    json_t *s;
    json_array_foreach(sources, i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        json_int_t id = json_integer_value(json_object_get(s, "id"));
        char target[JK_SERVER_NAME_MAX + 8];
        snprintf(target, sizeof target, "source:%s", name ? name : "");
        last_patrol l = {NULL};
        int rc = jk_store_audit_target(req->store, target, keep_patrol, &l, err);
        if (rc) {
            json_decref(l.entry);
            return rc;
        }
        json_object_set_new(s, "last_result", l.entry ? l.entry : json_null());
        pthread_mutex_lock(&runs_lock);
        json_object_set_new(s, "run", run_json(run_find(dir, (int64_t)id)));
        pthread_mutex_unlock(&runs_lock);
    }
    return JK_OK;
}

/* ---- rule packs ---- */

/* A score as `junkai scan` and the queue write it: three decimals. */
static json_t *score_json(double x)
{
    if (!(x > 0))
        x = 0;
    if (x > 1)
        x = 1;
    return json_real((double)(unsigned)(x * 1000.0 + 0.5) / 1000.0);
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

void api_rules_list(jk_request *req)
{
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    json_t *packs = json_array(), *rules = json_array();
    const jk_ruleset *rs = cfg->scanner ? cfg->rules : NULL;
    size_t pack_count = rs ? jk_ruleset_pack_count(rs) : 0;
    for (size_t p = 0; p < pack_count; p++) {
        jk_pack_info pi;
        jk_ruleset_pack_info(rs, p, &pi);
        /* the file's name only: where the server keeps it is not the
         * client's business */
        json_array_append_new(packs, json_pack("{s:I, s:o, s:o, s:o, s:o, s:I}", "index",
                                               (json_int_t)p, "name", api_str_or_null(pi.name),
                                               "version", api_str_or_null(pi.version), "language",
                                               api_str_or_null(pi.language), "file",
                                               api_str_or_null(base_name(pi.path)), "rules",
                                               (json_int_t)pi.rule_count));
    }
    size_t rule_count = rs ? jk_ruleset_rule_count(rs) : 0;
    for (size_t r = 0; r < rule_count; r++) {
        jk_rule_info ri;
        jk_ruleset_rule_info(rs, r, &ri);
        json_array_append_new(
            rules,
            json_pack("{s:o, s:o, s:s, s:s, s:s, s:f, s:I, s:o, s:I, s:I, s:I}", "id",
                      api_str_or_null(ri.id), "title", api_str_or_null(ri.title), "category",
                      jk_category_id(ri.category), "category_label", jk_category_label(ri.category),
                      "severity", jk_severity_name(ri.severity), "weight", ri.weight, "pack",
                      (json_int_t)ri.pack, "file", api_str_or_null(base_name(ri.file)), "line",
                      (json_int_t)ri.line, "hit_examples", (json_int_t)ri.hit_example_count,
                      "miss_examples", (json_int_t)ri.miss_example_count));
    }
    jk_reply(req, 200,
             json_pack("{s:b, s:o, s:o}", "loaded", rs != NULL, "packs", packs, "rules", rules));
}

/* A text against the server's scanner: the hits as `junkai scan` gives
 * them (rule, category, score, spans as byte offsets into the text,
 * terms), the categories' combined scores, the indicators, and the text as
 * normalized. Nothing is stored or logged: the text may be a real post. */
void api_rules_try(jk_request *req)
{
    const char *text;
    if (!api_require_body(req) || !api_body_string(req, "text", true, TRY_TEXT_MAX, &text))
        return;
    const jk_server_config *cfg = jk_server_config_of(req->srv);
    if (!cfg->scanner || !cfg->rules) {
        jk_reply_error(req, 503, "this server has no rules loaded");
        return;
    }
    size_t len = strlen(text);
    jk_error err;
    jk_scan_scratch *scratch = NULL;
    if (jk_scan_scratch_new(cfg->scanner, &scratch, &err)) {
        jk_reply_internal(req, &err);
        return;
    }
    jk_scan_result res;
    int rc = jk_scanner_scan(cfg->scanner, scratch, text, len, &res, &err);
    if (rc) {
        jk_scan_scratch_free(scratch);
        if (rc == JK_ELIMIT)
            jk_reply_error(req, 400, "the text could not be scanned: %s", err.message);
        else
            jk_reply_internal(req, &err);
        return;
    }
    json_t *hits = json_array(), *cats = json_object();
    double top = 0;
    for (size_t i = 0; i < res.hit_count; i++) {
        const jk_hit *h = &res.hits[i];
        jk_rule_info ri;
        jk_ruleset_rule_info(cfg->rules, h->rule, &ri);
        json_t *spans = json_array(), *terms = json_array();
        for (size_t k = 0; k < h->span_count; k++)
            json_array_append_new(spans, json_pack("[I, I]", (json_int_t)h->spans[k].start,
                                                   (json_int_t)h->spans[k].end));
        for (size_t k = 0; k < h->term_count; k++)
            json_array_append_new(terms, api_str_or_null(h->terms[k]));
        json_array_append_new(
            hits,
            json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "rule", api_str_or_null(h->rule_id),
                      "title", api_str_or_null(ri.title), "category", jk_category_id(h->category),
                      "category_label", jk_category_label(h->category), "score",
                      score_json(h->score), "spans", spans, "terms", terms));
    }
    for (int c = 0; c < JK_CATEGORY_COUNT; c++) {
        if (res.category_score[c] <= 0)
            continue;
        json_object_set_new(cats, jk_category_id((jk_category)c),
                            score_json(res.category_score[c]));
        if (res.category_score[c] > top)
            top = res.category_score[c];
    }
    json_t *normalized = res.normalized && res.normalized->text
                             ? json_stringn(res.normalized->text, res.normalized->len)
                             : NULL;
    jk_scan_scratch_free(scratch); /* the result lived in it */

    json_t *inds = json_array();
    jk_indicator_list list;
    jk_indicator_list_init(&list);
    if (jk_indicators_extract(text, len, &list, &err) == JK_OK)
        for (size_t i = 0; i < list.count; i++)
            json_array_append_new(inds, json_pack("{s:s, s:s, s:[I, I]}", "type",
                                                  jk_indicator_type_name(list.items[i].type),
                                                  "value", list.items[i].value, "span",
                                                  (json_int_t)list.items[i].start,
                                                  (json_int_t)list.items[i].end));
    jk_indicator_list_release(&list);
    jk_reply(req, 200,
             json_pack("{s:o, s:o, s:o, s:o, s:o}", "score", score_json(top), "categories", cats,
                       "hits", hits, "indicators", inds, "normalized",
                       normalized ? normalized : json_string("")));
}
