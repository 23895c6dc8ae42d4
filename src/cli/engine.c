/*
 * engine.c — loading rule packs into a compiled scanner for subcommands,
 * and the small helpers every subcommand shares (error printing, number
 * parsing).
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"

void jk_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("junkai: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool jk_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

bool jk_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return false;
    double v = strtod(s, &end);
    if (errno || *end || v != v)
        return false;
    *out = v;
    return true;
}

const char *jk_default_rules_dir(void)
{
    const char *env = getenv("JUNKAI_RULES_DIR");
    return env && *env ? env : JK_DEFAULT_RULES_DIR;
}

static void print_diag(void *ctx, const jk_diag *d)
{
    (void)ctx;
    if (d->line)
        fprintf(stderr, "%s:%u:%u: %s\n", d->file, d->line, d->column, d->message);
    else
        fprintf(stderr, "%s: %s\n", d->file, d->message);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_one(jk_engine *eng, const char *path)
{
    jk_diags diags = {0};
    if (jk_ruleset_load_file(eng->rules, eng->norm, path, &diags) != JK_OK) {
        if (diags.count == 0)
            jk_cli_error("%s: cannot load rule pack", path);
        jk_diags_each(&diags, print_diag, NULL);
        eng->pack_errors++;
    }
    jk_diags_release(&diags);
}

/* Load a file, or every *.yaml / *.yml file of a directory in name order
 * (so the load order, and with it rule indexes, is reproducible). */
static void load_path(jk_engine *eng, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        jk_cli_error("%s: %s", path, strerror(errno));
        eng->pack_errors++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        load_one(eng, path);
        return;
    }
    DIR *dir = opendir(path);
    if (!dir) {
        jk_cli_error("%s: %s", path, strerror(errno));
        eng->pack_errors++;
        return;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        bool yaml = (n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0) ||
                    (n > 4 && strcmp(de->d_name + n - 4, ".yml") == 0);
        if (!yaml || de->d_name[0] == '.')
            continue;
        jk_grow((void **)&names, &cap, count + 1, sizeof *names);
        size_t plen = strlen(path) + 1 + n + 1;
        names[count] = jk_malloc(plen);
        snprintf(names[count], plen, "%s/%s", path, de->d_name);
        count++;
    }
    closedir(dir);
    if (count > 1)
        qsort(names, count, sizeof *names, cmp_str);
    for (size_t i = 0; i < count; i++) {
        load_one(eng, names[i]);
        free(names[i]);
    }
    free(names);
}

/* (Re)load the packs of eng->paths into a new ruleset. */
static int load_all(jk_engine *eng, bool build_regex)
{
    jk_error err;
    jk_ruleset_free(eng->rules);
    eng->rules = NULL;
    eng->pack_errors = 0;
    if (jk_ruleset_new(&eng->rules, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    jk_ruleset_set_regex_build_check(eng->rules, build_regex);
    eng->regex_built = build_regex;
    if (eng->path_count == 0)
        load_path(eng, jk_default_rules_dir());
    for (size_t i = 0; i < eng->path_count; i++)
        load_path(eng, eng->paths[i]);
    return 0;
}

static int engine_load(jk_engine *eng, char **paths, size_t path_count, bool build_regex)
{
    jk_error err;
    memset(eng, 0, sizeof *eng);
    if (jk_normalizer_new(JK_NORM_ALL, &eng->norm, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    eng->paths = jk_calloc(path_count ? path_count : 1, sizeof *eng->paths);
    for (size_t i = 0; i < path_count; i++)
        eng->paths[i] = jk_strdup(paths[i]);
    eng->path_count = path_count;
    return load_all(eng, build_regex);
}

int jk_engine_load(jk_engine *eng, char **paths, size_t path_count)
{
    return engine_load(eng, paths, path_count, false);
}

int jk_engine_load_checked(jk_engine *eng, char **paths, size_t path_count)
{
    return engine_load(eng, paths, path_count, true);
}

/* mkdir -p for the cache directory; false when it cannot be made */
static bool make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int failed = mkdir(path, 0700) != 0 && errno != EEXIST;
        *p = '/';
        if (failed)
            return false;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* Where compiled pattern databases are kept: $JUNKAI_CACHE_DIR ("off"
 * turns the cache off), else $XDG_CACHE_HOME/junkai, else
 * ~/.cache/junkai. NULL when there is none to use. */
static const char *cache_dir(char *buf, size_t cap)
{
    const char *env = getenv("JUNKAI_CACHE_DIR");
    if (env && strcmp(env, "off") == 0)
        return NULL;
    if (env && *env)
        snprintf(buf, cap, "%s", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/')
        snprintf(buf, cap, "%s/junkai", env);
    else if ((env = getenv("HOME")) && *env == '/')
        snprintf(buf, cap, "%s/.cache/junkai", env);
    else
        return NULL;
    return make_dirs(buf) ? buf : NULL;
}

int jk_engine_compile(jk_engine *eng)
{
    jk_error err;
    char dir[4096];
    const char *cache = cache_dir(dir, sizeof dir);
    int rc = jk_scanner_new_cached(eng->rules, eng->norm, cache, &eng->scanner, &err);
    if (rc == JK_ECOMPILE && !eng->regex_built) {
        /* A regex parsed but Hyperscan cannot build it: load again with the
         * build check, which names the pack (file:line:column) and leaves
         * it out, as a load with that check would have from the start. */
        if (load_all(eng, true))
            return JK_EXIT_ERROR;
        rc = jk_scanner_new_cached(eng->rules, eng->norm, cache, &eng->scanner, &err);
    }
    if (rc) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    return 0;
}

void jk_engine_release(jk_engine *eng)
{
    jk_scanner_free(eng->scanner);
    jk_ruleset_free(eng->rules);
    jk_normalizer_free(eng->norm);
    for (size_t i = 0; i < eng->path_count; i++)
        free(eng->paths[i]);
    free(eng->paths);
    memset(eng, 0, sizeof *eng);
}
