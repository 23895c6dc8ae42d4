/*
 * normalize_speed.c — a quick timing of the normalizer, not a test: reads a
 * file, splits it into lines (posts are about line-sized), and normalizes
 * every line with JK_NORM_ALL, first text-only (what the scanner does for
 * every post) and then with the offset map (what it does for posts that
 * hit). Prints MB/s of input for each. Never a pass/fail gate (STYLE.md:
 * benchmarks print numbers; they do not fail builds).
 *
 * usage: normalize_speed FILE [ROUNDS] [--text-only]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "junkai/normalize.h"

static double run(const jk_normalizer *norm, const char *data, size_t len, int maps,
                  size_t *out_bytes)
{
    jk_normalized res;
    jk_normalized_init(&res);
    jk_error err;
    size_t total = 0;
    double t0 = bench_now();
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int rc =
            maps ? jk_normalize(norm, p, n, &res, &err) : jk_normalize_text(norm, p, n, &res, &err);
        if (rc == 0)
            total += res.len;
        p += n + 1;
    }
    double t = bench_now() - t0;
    jk_normalized_release(&res);
    *out_bytes = total;
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: normalize_speed FILE [ROUNDS] [--text-only]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    /* --text-only: without the offset map, as `junkai scan` folds every post */
    int last_mode = argc > 3 && strcmp(argv[3], "--text-only") == 0 ? 0 : 1;
    size_t len;
    char *data = bench_read_file(argv[1], &len);
    if (!data) {
        perror(argv[1]);
        return 2;
    }
    jk_normalizer *norm;
    jk_error err;
    double t0 = bench_now();
    if (jk_normalizer_new(JK_NORM_ALL, &norm, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    printf("normalizer built in %.1f ms\n", (bench_now() - t0) * 1e3);
    for (int maps = 0; maps <= last_mode; maps++) {
        double best = 1e30;
        size_t out = 0;
        for (int r = 0; r < rounds; r++) {
            double t = run(norm, data, len, maps, &out);
            if (t < best)
                best = t;
        }
        printf("%-9s %8.1f MB/s  (%zu bytes in, %zu out, best of %d: %.3f s)\n",
               maps ? "with map" : "text only", (double)len / best / 1e6, len, out, rounds, best);
    }
    jk_normalizer_free(norm);
    free(data);
    return 0;
}
