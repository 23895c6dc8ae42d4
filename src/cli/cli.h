/*
 * cli.h — what the subcommands of the `junkai` program share: the command
 * table entry type, loading rule packs into a ready scanner, and printing
 * errors. Only cli/ prints or exits; the library layers return errors.
 */
#ifndef JK_CLI_H
#define JK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/normalize.h"
#include "junkai/rules.h"
#include "junkai/scanner.h"
#include "junkai/store.h"

/* Exit statuses, grep-style for `scan`. */
enum { JK_EXIT_HIT = 0, JK_EXIT_OK = 0, JK_EXIT_NOHIT = 1, JK_EXIT_ERROR = 2 };

typedef struct jk_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} jk_command;

int cmd_scan(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_normalize(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_patrol(int argc, char **argv);
int cmd_tip(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_links(int argc, char **argv);
int cmd_campaigns(int argc, char **argv);
int cmd_intel(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_recheck(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_summary(int argc, char **argv);

/* The data directory: the option if given, else $JUNKAI_DATA, else
 * ./junkai-data. */
const char *jk_data_dir(const char *option);
/* Open DIR/junkai.db, printing a hint to run 'junkai init' if missing. */
int jk_open_data_store(const char *dir, jk_store **out);

/* A normalizer, the rules loaded from packs, and the compiled scanner. */
typedef struct jk_engine {
    jk_normalizer *norm;
    jk_ruleset *rules;
    jk_scanner *scanner; /* NULL until jk_engine_compile */
    size_t pack_errors;  /* packs that failed to load (diagnostics printed) */
    /* what was loaded, kept to load again with the full regex check when
     * the scanner cannot be built (see jk_engine_compile) */
    char **paths;
    size_t path_count;
    bool regex_built; /* every regex was built at load already */
} jk_engine;

/* The directory of the shipped packs: $JUNKAI_RULES_DIR, else the one
 * compiled in. */
const char *jk_default_rules_dir(void);

/* Load every pack named in paths (files, or directories whose *.yaml files
 * load in name order); with no paths, the shipped packs. Diagnostics go to
 * stderr as file:line:column: message; a broken pack is skipped whole and
 * counted in pack_errors. Returns 0, or JK_EXIT_ERROR when the engine
 * could not be set up at all (message printed). */
int jk_engine_load(jk_engine *eng, char **paths, size_t path_count);
/* The same with every regular expression also built at load, so a pack
 * whose regex cannot be built is named and skipped before anything else
 * happens (`junkai rules check`). jk_engine_load only parses them, which
 * saves most of a start-up; should the scanner then fail to build,
 * jk_engine_compile loads again this way and builds without the bad pack. */
int jk_engine_load_checked(jk_engine *eng, char **paths, size_t path_count);
int jk_engine_compile(jk_engine *eng);
void jk_engine_release(jk_engine *eng);

/* Print "junkai: <message>" to stderr. */
void jk_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Parse "15", "0.5"; returns false on junk. */
bool jk_parse_uint(const char *s, unsigned long max, unsigned long *out);
bool jk_parse_double(const char *s, double *out);

#endif
