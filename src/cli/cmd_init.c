/*
 * cmd_init.c — `junkai init`: create a data directory with its store
 * (junkai.db, schema migrated), evidence/ and a commented junkai.yaml.
 * Running it again on an existing directory only applies migrations.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_cli.h"
#include "cli.h"

static const char init_usage[] =
    "usage: junkai init [--data DIR]\n"
    "\n"
    "Create the data directory (default: $JUNKAI_DATA, else ./junkai-data) with\n"
    "its store junkai.db, an evidence/ directory and a junkai.yaml to edit.\n"
    "On an existing directory, bring the store's schema up to date.\n";

static const char default_config[] =
    "# junkai configuration (created by 'junkai init'). Every key is optional.\n"
    "# Rule packs: a file or directory per entry; empty means the shipped packs.\n"
    "rules: []\n"
    "# Who to contact about this patrol (an e-mail or URL); collectors send it\n"
    "# in their User-Agent, \"junkai/VERSION (+CONTACT)\", so site operators can\n"
    "# reach you.\n"
    "contact: \"\"\n"
    "# Limits of every fetch a collector makes.\n"
    "http:\n"
    "  max_body_bytes: 8388608   # responses are cut off here (after decompression)\n"
    "  timeout_seconds: 30\n"
    "  min_interval_ms: 1000     # between two requests to one host\n"
    "  max_redirects: 5\n"
    "  max_retries: 3            # on 429 and 5xx, with backoff (Retry-After honoured)\n"
    "# X API v2 bearer token (or set JUNKAI_X_BEARER_TOKEN in the environment).\n"
    "# x_bearer_token: \"\"\n"
    "# Who files the reports drafted from cases (their letterheads and the\n"
    "# reporter fields of the IHC and police reports).\n"
    "# organization:\n"
    "#   name: \"\"          # e.g. ○○県警察本部 サイバー犯罪対策課\n"
    "#   department: \"\"\n"
    "#   contact_name: \"\"\n"
    "#   email: \"\"\n"
    "#   phone: \"\"\n"
    "#   address: \"\"\n"
    "# Where approved reports are submitted, e-mail, retries and the daily\n"
    "# summary (docs/reports.md). Secrets stay out of this file: name the\n"
    "# environment variable that holds them.\n"
    "# destinations:\n"
    "#   - name: ihc-form\n"
    "#     type: http_form          # http_form | http_json | smtp\n"
    "#     kinds: [ihc]\n"
    "#     url: https://example.jp/report\n"
    "#     fields:\n"
    "#       url: \"{{field.URL}}\"\n"
    "#       detail: \"{{report.body}}\"\n"
    "# smtp:\n"
    "#   url: smtp://mail.example.jp:587\n"
    "#   from: patrol@example.jp\n"
    "#   username: patrol\n"
    "#   password_env: JUNKAI_SMTP_PASSWORD\n"
    "# submission: {max_attempts: 5, backoff_seconds: 300}\n"
    "# summary: {email_to: [chief@example.jp], utc_offset: \"+09:00\"}\n"
    "# Removal checks of reported items (docs/removal.md): the first check this\n"
    "# long after a report is sent, then doubling up to max_hours, none after\n"
    "# stop_days.\n"
    "# removal: {first_hours: 24, max_hours: 168, stop_days: 90}\n";

static int make_dir(const char *path)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        jk_cli_error("cannot create %s: %s", path, strerror(errno));
        return JK_EXIT_ERROR;
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (ch == 'd') {
            data = optarg;
        } else if (ch == 'h') {
            fputs(init_usage, stdout);
            return JK_EXIT_OK;
        } else {
            fputs(init_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    const char *dir = jk_data_dir(data);
    char path[4096];
    if (make_dir(dir))
        return JK_EXIT_ERROR;
    snprintf(path, sizeof path, "%s/evidence", dir);
    if (make_dir(path))
        return JK_EXIT_ERROR;
    snprintf(path, sizeof path, "%s/junkai.yaml", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        FILE *fp = fopen(path, "w");
        if (!fp || fputs(default_config, fp) < 0 || fclose(fp) != 0) {
            jk_cli_error("cannot write %s", path);
            return JK_EXIT_ERROR;
        }
    }
    snprintf(path, sizeof path, "%s/junkai.db", dir);
    jk_store *store;
    jk_error err;
    if (jk_store_open(path, &store, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    if (jk_cli_audit_record(store, dir, "init", dir, &err, "{s:i}", "schema",
                            jk_store_schema_version(store))) {
        jk_cli_error("%s", err.message);
        jk_store_close(store);
        return JK_EXIT_ERROR;
    }
    printf("initialised %s (store schema version %d)\n", dir, jk_store_schema_version(store));
    jk_store_close(store);
    return JK_EXIT_OK;
}
