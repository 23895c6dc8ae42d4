/*
 * bench_util.h — what the benchmark's small C tools share: reading a whole
 * file and a monotonic clock. Tools only, never linked into junkai.
 */
#ifndef JK_BENCH_UTIL_H
#define JK_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The whole file at path (caller frees), or NULL; its size in *len. */
static inline char *bench_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    fclose(fp);
    *len = n;
    return buf;
}

/* Seconds on a monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
