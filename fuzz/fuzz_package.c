/*
 * fuzz_package.c — libFuzzer target for the evidence package checker
 * (src/report/package.h, `junkai verify --package`), which reads archives
 * that come back from outside: arbitrary bytes as the package file. It
 * must never crash, every problem names its file and says what is wrong,
 * and the counts it returns agree with the problems it reported.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_problem(void *ctx, const char *name, const char *message)
{
    if (!name || !message || !message[0])
        abort();
    (*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-package-%d.tar", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    size_t files = 0, problems = 0, seen = 0;
    jk_error err = {0};
    int rc = jk_package_verify(path, on_problem, &seen, &files, &problems, &err);
    if (rc && !err.message[0])
        abort();
    if (problems != seen)
        abort();
    unlink(path);
    return 0;
}
