/*
 * hs_floor.c — the floor under `junkai scan`'s throughput: the matcher
 * alone finding every occurrence of the rule terms in already-normalized
 * posts, with nothing else done (no normalization, conditions or output).
 * The benchmark reports it beside junkai and ripgrep so a reader can tell
 * how much of the gap to ripgrep is the matcher itself. It matches as the
 * scanner does: terms of two characters or more with one Hyperscan
 * database, one-character terms (円, 人, 🥦) by a per-character bitmap
 * (src/core/scanner.c explains why).
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

/* The length of the UTF-8 character at s[0..n) and its code point (the
 * input is the normalizer's output: valid UTF-8). */
static size_t utf8_char(const char *s, size_t n, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    size_t k = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    if (k > n)
        return 0;
    *cp = k == 1 ? u[0] : k == 2 ? u[0] & 0x1Fu : k == 3 ? u[0] & 0x0Fu : u[0] & 0x07u;
    for (size_t i = 1; i < k; i++)
        *cp = *cp << 6 | (u[i] & 0x3Fu);
    return k;
}

static int count_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                       void *ctx)
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
     * literal terms; one-character terms into the bitmap */
    char **exprs = NULL;
    unsigned count = 0, singles = 0;
    static unsigned char bits[0x110000 / 8];
    for (char *line = terms; line < terms + terms_len;) {
        char *nl = memchr(line, '\n', (size_t)(terms + terms_len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(terms + terms_len - line);
        unsigned cp;
        size_t k = utf8_char(line, n, &cp);
        if (n > 0 && k == n) {
            bits[cp >> 3] |= (unsigned char)(1u << (cp & 7));
            singles++;
        } else if (n > 0) {
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
        for (size_t i = 0; i < n;) {
            unsigned cp = 0;
            size_t k = utf8_char(line + i, n - i, &cp);
            if (k == 0)
                break;
            matches += (bits[cp >> 3] >> (cp & 7)) & 1;
            i += k;
        }
        line += n + 1;
    }
    double secs = bench_now() - start;
    printf("hyperscan floor: %u terms, %llu matches, %.3f s, %.1f MB/s\n", count + singles, matches,
           secs, (double)corpus_len / 1048576.0 / secs);
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
