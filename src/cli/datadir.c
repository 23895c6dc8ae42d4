/*
 * datadir.c — where the store lives: --data DIR, else $JUNKAI_DATA, else
 * ./junkai-data (DESIGN.md, "Defaults and data"), and opening its store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

const char *jk_data_dir(const char *option)
{
    if (option && *option)
        return option;
    const char *env = getenv("JUNKAI_DATA");
    return env && *env ? env : "./junkai-data";
}

int jk_open_data_store(const char *dir, jk_store **out)
{
    char path[4096];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        jk_cli_error("no data directory at %s; create it with 'junkai init --data %s'", dir, dir);
        return JK_EXIT_ERROR;
    }
    snprintf(path, sizeof path, "%s/junkai.db", dir);
    if (stat(path, &st) != 0) {
        jk_cli_error("%s has no junkai.db; run 'junkai init --data %s'", dir, dir);
        return JK_EXIT_ERROR;
    }
    jk_error err;
    if (jk_store_open(path, out, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    return 0;
}
