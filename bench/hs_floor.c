/*
 * hs_floor.c — the floor under `junkai scan`'s throughput: Hyperscan alone
 * finding every occurrence of the rule terms in already-normalized posts,
 * with nothing else done (no normalization, conditions or output). The
 * benchmark reports it beside junkai and ripgrep so a reader can tell how
 * much of the gap to ripgrep is the matcher itself.
 *
 * usage: hs_floor TERMS_FILE NORMALIZED_CORPUS
 *   TERMS_FILE: one normalized literal per line (`junkai rules terms |
 *   junkai normalize`); NORMALIZED_CORPUS: `junkai normalize CORPUS`.
 * Prints: "hyperscan floor: N terms, M matches, S s, R MB/s".
 */
#include <hs.h>
#include "bench_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int count_match(unsigned id, unsigned long long from, unsigned long long to,
                       unsigned flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(unsigned long long *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hs_floor TERMS_FILE NORMALIZED_CORPUS\n");
        return 2;
    }
    size_t terms_len, corpus_len;
    char *terms = bench_read_file(argv[1], &terms_len);
    char *corpus = bench_read_file(argv[2], &corpus_len);
    if (!terms || !corpus) {
        fprintf(stderr, "hs_floor: cannot read input\n");
        return 2;
    }
    /* every term byte escaped, compiled exactly as the scanner compiles
     * literal terms */
    char **exprs = NULL;
    unsigned count = 0;
    for (char *line = terms; line < terms + terms_len;) {
        char *nl = memchr(line, '\n', (size_t)(terms + terms_len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(terms + terms_len - line);
        if (n > 0) {
            char *e = malloc(n * 4 + 1), *p = e;
            for (size_t i = 0; i < n; i++)
                p += sprintf(p, "\\x%02x", (unsigned char)line[i]);
            exprs = realloc(exprs, (count + 1) * sizeof *exprs);
            exprs[count++] = e;
        }
        line += n + 1;
    }
    unsigned *flags = calloc(count, sizeof *flags), *ids = calloc(count, sizeof *ids);
    for (unsigned i = 0; i < count; i++)
        ids[i] = i;
    hs_database_t *db;
    hs_compile_error_t *cerr;
    if (hs_compile_multi((const char *const *)exprs, flags, ids, count, HS_MODE_BLOCK, NULL, &db,
                         &cerr) != HS_SUCCESS) {
        fprintf(stderr, "hs_floor: %s\n", cerr->message);
        return 2;
    }
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
        return 2;
    unsigned long long matches = 0;
    double start = bench_now();
    for (char *line = corpus; line < corpus + corpus_len;) {
        char *nl = memchr(line, '\n', (size_t)(corpus + corpus_len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(corpus + corpus_len - line);
        hs_scan(db, line, (unsigned)n, 0, scratch, count_match, &matches);
        line += n + 1;
    }
    double secs = bench_now() - start;
    printf("hyperscan floor: %u terms, %llu matches, %.3f s, %.1f MB/s\n", count, matches, secs,
           (double)corpus_len / 1048576.0 / secs);
    hs_free_scratch(scratch);
    hs_free_database(db);
    for (unsigned i = 0; i < count; i++)
        free(exprs[i]);
    free(exprs);
    free(flags);
    free(ids);
    free(terms);
    free(corpus);
    return 0;
}
