/*
 * main.c — the `junkai` program: global options and the command table.
 * Each subcommand lives in its own cmd_*.c file; adding one is a row here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const jk_command commands[] = {
    {"scan", cmd_scan, "scan posts (text or JSONL) with the rule packs; JSONL hits out"},
    {"rules", cmd_rules, "check, test and list rule packs"},
    {"normalize", cmd_normalize, "print text in the normalized form rules match against"},
    {"init", cmd_init, "create a data directory and its store"},
    {"import", cmd_import, "store posts from JSONL or text files, scanned on the way in"},
    {"search", cmd_search, "full-text search over stored posts"},
    {"stats", cmd_stats, "counts per category, platform and day from the store"},
    {"source", cmd_source, "add, list and remove the sources a patrol visits"},
    {"patrol", cmd_patrol, "run due sources through their collectors into the store"},
    {"tip", cmd_tip, "register a citizen's tip (a URL and a note) as an item"},
    {"extract", cmd_extract, "print the indicators (URLs, phones, IDs, wallets…) in posts"},
    {"links", cmd_links, "the items linked to an item by shared indicators, and its campaign"},
    {"campaigns", cmd_campaigns, "groups of items linked by shared indicators"},
    {"intel", cmd_intel, "import, list and export intel lists of known-bad indicators"},
    {"serve", cmd_serve, "serve the review workbench (JSON API and web UI) on loopback"},
    {"user", cmd_user, "add, list and disable the workbench's accounts"},
    {"verify", cmd_verify, "check the audit log's hash chain and every evidence file"},
    {"case", cmd_case, "list and show cases; write a case's evidence package"},
    {"recheck", cmd_recheck, "re-fetch reported items on a schedule: removed yet? since when?"},
    {"capture", cmd_capture, "keep a page as evidence: full-page screenshot, DOM and MHTML"},
    {"report", cmd_report, "list and show reports; submit approved ones to their destinations"},
    {"summary", cmd_summary, "write (and e-mail) the daily summary: found, reported, removed"},
};

static void usage(FILE *to)
{
    fputs("usage: junkai [--version] [--help] COMMAND [ARGS…]\n\n"
          "junkai (巡回) finds illegal and harmful posts for cyber patrol teams.\n\n"
          "Commands:\n",
          to);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'junkai COMMAND --help' for a command's options.\n", to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return JK_EXIT_ERROR;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return JK_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("junkai %s\n", JK_VERSION);
        return JK_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    jk_cli_error("'%s' is not a junkai command; see 'junkai --help'", name);
    return JK_EXIT_ERROR;
}
