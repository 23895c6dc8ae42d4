/*
 * cmd_rules.c — `junkai rules check|test|list|terms|categories`: working
 * with rule packs. `check` validates files and prints every error as
 * file:line:column; `test` runs each rule's own examples through the same
 * scanner `junkai scan` uses.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"

static const char rules_usage[] =
    "usage: junkai rules check FILE…\n"
    "       junkai rules test [--rules PATH]… [--min-examples N] [--verbose]\n"
    "       junkai rules list [--rules PATH]…\n"
    "       junkai rules terms [--rules PATH]…\n"
    "       junkai rules categories\n"
    "\n"
    "  check       load each pack and print every error as file:line:column;\n"
    "              exit 2 if any pack has an error\n"
    "  test        run every rule's examples: each `hit` text must make the\n"
    "              rule fire, each `miss` text must not; every rule needs at\n"
    "              least N of each (default 2); exit 1 if any example fails\n"
    "  list        one line per rule: id, category, severity, weight, title\n"
    "  terms       every literal term as written, one per line (for grep -F -f)\n"
    "  categories  the taxonomy: id, group and label of each category\n"
    "\n"
    "--rules PATH is a pack file or a directory of packs (repeatable; default:\n"
    "the shipped packs).\n";

enum { OPT_RULES = 256, OPT_MIN_EXAMPLES, OPT_VERBOSE };

static const struct option rules_options[] = {
    {"rules", required_argument, NULL, OPT_RULES},
    {"min-examples", required_argument, NULL, OPT_MIN_EXAMPLES},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct rules_args {
    char **paths;
    size_t path_count, path_cap;
    unsigned long min_examples;
    bool verbose;
    char **rest; /* positional arguments */
    size_t rest_count;
} rules_args;

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, rules_args *a)
{
    memset(a, 0, sizeof *a);
    a->min_examples = 2;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "hv", rules_options, NULL)) != -1) {
        switch (ch) {
        case OPT_RULES:
            jk_grow((void **)&a->paths, &a->path_cap, a->path_count + 1, sizeof *a->paths);
            a->paths[a->path_count++] = optarg;
            break;
        case OPT_MIN_EXAMPLES:
            if (!jk_parse_uint(optarg, 1000, &a->min_examples)) {
                jk_cli_error("--min-examples must be a number, not \"%s\"", optarg);
                return JK_EXIT_ERROR;
            }
            break;
        case 'v':
        case OPT_VERBOSE:
            a->verbose = true;
            break;
        case 'h':
            fputs(rules_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(rules_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    a->rest = argv + optind;
    a->rest_count = (size_t)(argc - optind);
    return -1;
}

static int rules_check(rules_args *a)
{
    if (a->rest_count == 0) {
        jk_cli_error("rules check needs at least one FILE");
        return JK_EXIT_ERROR;
    }
    jk_engine eng;
    if (jk_engine_load_checked(&eng, a->rest, a->rest_count))
        return JK_EXIT_ERROR;
    int status = JK_EXIT_OK;
    if (eng.pack_errors) {
        status = JK_EXIT_ERROR;
    } else if (jk_engine_compile(&eng)) {
        status = JK_EXIT_ERROR;
    } else {
        printf("ok: %zu pack%s, %zu rules\n", jk_ruleset_pack_count(eng.rules),
               jk_ruleset_pack_count(eng.rules) == 1 ? "" : "s",
               jk_ruleset_rule_count(eng.rules));
    }
    jk_engine_release(&eng);
    return status;
}

static bool rule_fired(const jk_scan_result *res, size_t rule)
{
    for (size_t i = 0; i < res->hit_count; i++)
        if (res->hits[i].rule == rule)
            return true;
    return false;
}

static void print_example(const char *what, const jk_rule_info *info, const jk_example_info *ex)
{
    printf("FAIL %s:%u: %s: %s example did not behave: %.*s\n", info->file, ex->line, info->id,
           what, (int)ex->len, ex->text);
}

static int rules_test(rules_args *a)
{
    jk_engine eng;
    if (jk_engine_load(&eng, a->paths, a->path_count))
        return JK_EXIT_ERROR;
    if (jk_engine_compile(&eng)) {
        jk_engine_release(&eng);
        return JK_EXIT_ERROR;
    }
    jk_scan_scratch *scratch = NULL;
    jk_error err;
    if (jk_scan_scratch_new(eng.scanner, &scratch, &err)) {
        jk_cli_error("%s", err.message);
        jk_engine_release(&eng);
        return JK_EXIT_ERROR;
    }

    unsigned long passed = 0, failed = 0;
    size_t rules = jk_ruleset_rule_count(eng.rules);
    for (size_t r = 0; r < rules; r++) {
        jk_rule_info info;
        jk_ruleset_rule_info(eng.rules, r, &info);
        if (info.hit_example_count < a->min_examples ||
            info.miss_example_count < a->min_examples) {
            printf("FAIL %s:%u: %s: needs at least %lu hit and %lu miss examples (has %zu and "
                   "%zu)\n",
                   info.file, info.line, info.id, a->min_examples, a->min_examples,
                   info.hit_example_count, info.miss_example_count);
            failed++;
        }
        for (int want = 1; want >= 0; want--) {
            size_t n = want ? info.hit_example_count : info.miss_example_count;
            for (size_t i = 0; i < n; i++) {
                jk_example_info ex;
                jk_scan_result res;
                jk_ruleset_rule_example(eng.rules, r, want, i, &ex);
                if (jk_scanner_scan(eng.scanner, scratch, ex.text, ex.len, &res, &err)) {
                    printf("FAIL %s:%u: %s: %s\n", info.file, ex.line, info.id, err.message);
                    failed++;
                    continue;
                }
                if (rule_fired(&res, r) == (bool)want) {
                    passed++;
                    if (a->verbose)
                        printf("ok   %s:%u: %s\n", info.file, ex.line, info.id);
                } else {
                    print_example(want ? "hit" : "miss", &info, &ex);
                    failed++;
                }
            }
        }
    }
    printf("%zu packs, %zu rules\n", jk_ruleset_pack_count(eng.rules), rules);
    printf("%lu passed, %lu failed\n", passed, failed);
    jk_scan_scratch_free(scratch);
    int status = eng.pack_errors ? JK_EXIT_ERROR : failed ? 1 : JK_EXIT_OK;
    jk_engine_release(&eng);
    return status;
}

static int rules_list(rules_args *a)
{
    jk_engine eng;
    if (jk_engine_load(&eng, a->paths, a->path_count))
        return JK_EXIT_ERROR;
    size_t n = jk_ruleset_rule_count(eng.rules);
    for (size_t r = 0; r < n; r++) {
        jk_rule_info info;
        jk_ruleset_rule_info(eng.rules, r, &info);
        printf("%s\t%s\t%s\t%.2f\t%s\t%s:%u\n", info.id, jk_category_id(info.category),
               jk_severity_name(info.severity), info.weight, info.title, info.file, info.line);
    }
    int status = eng.pack_errors ? JK_EXIT_ERROR : JK_EXIT_OK;
    jk_engine_release(&eng);
    return status;
}

/* Terms repeat across rules; print each once. A sorted array of copies is
 * plenty for a few thousand terms. */
typedef struct term_set {
    char **items;
    size_t count, cap;
} term_set;

static void collect_term(void *ctx, const char *term, size_t len, int is_regex)
{
    term_set *set = ctx;
    if (is_regex || len == 0 || memchr(term, '\n', len))
        return;
    jk_grow((void **)&set->items, &set->cap, set->count + 1, sizeof *set->items);
    set->items[set->count++] = jk_strndup(term, len);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rules_terms(rules_args *a)
{
    jk_engine eng;
    if (jk_engine_load(&eng, a->paths, a->path_count))
        return JK_EXIT_ERROR;
    term_set set = {0};
    jk_ruleset_each_term(eng.rules, collect_term, &set);
    if (set.count > 1)
        qsort(set.items, set.count, sizeof *set.items, cmp_str);
    for (size_t i = 0; i < set.count; i++) {
        if (i == 0 || strcmp(set.items[i], set.items[i - 1]) != 0)
            puts(set.items[i]);
    }
    for (size_t i = 0; i < set.count; i++)
        free(set.items[i]);
    free(set.items);
    int status = eng.pack_errors ? JK_EXIT_ERROR : JK_EXIT_OK;
    jk_engine_release(&eng);
    return status;
}

static int rules_categories(void)
{
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        printf("%s\t%s\t%s\n", jk_category_id((jk_category)c), jk_category_group((jk_category)c),
               jk_category_label((jk_category)c));
    return JK_EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2) {
        fputs(rules_usage, stderr);
        return JK_EXIT_ERROR;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(rules_usage, stdout);
        return JK_EXIT_OK;
    }
    rules_args a;
    int status = parse_args(argc - 1, argv + 1, &a);
    if (status < 0) {
        if (strcmp(sub, "check") == 0)
            status = rules_check(&a);
        else if (strcmp(sub, "test") == 0)
            status = rules_test(&a);
        else if (strcmp(sub, "list") == 0)
            status = rules_list(&a);
        else if (strcmp(sub, "terms") == 0)
            status = rules_terms(&a);
        else if (strcmp(sub, "categories") == 0)
            status = rules_categories();
        else {
            jk_cli_error("unknown rules command \"%s\"; see 'junkai rules --help'", sub);
            status = JK_EXIT_ERROR;
        }
    }
    free(a.paths);
    return status;
}
