/*
 * intel_bench.c — the intel matcher at a million entries: how long the
 * lists take to load and how many indicator lookups per second the hash
 * table answers, against two peers measured in the same run on the same
 * entries and queries:
 *   - a sorted array of "type\tvalue" strings searched with bsearch,
 *   - SQLite's own index (intel_entries(type, value), a prepared
 *     SELECT per lookup) — what matching straight from the store costs.
 *
 * usage: intel_bench [ENTRIES [LOOKUPS]]   (default 1000000, 2000000)
 * Half of the lookups are of listed values, half of values not listed.
 * A store is written to $TMPDIR (removed at the end): the load time
 * reported for junkai is jk_intel_load from it, as ingest does.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "extract.h"
#include "intel.h"
#include "intel_match.h"

/* Entry i: 70 % URLs, 30 % domains, all distinct. */
static void make_value(unsigned long i, int listed, char *type, size_t tcap, char *out, size_t cap)
{
    const char *tag = listed ? "phish" : "clean";
    if (i % 10 < 7) {
        snprintf(type, tcap, "url");
        snprintf(out, cap, "https://login-%lu.%s-bench.example.com/account/verify/%lu", i, tag,
                 i * 7919 % 100003);
    } else {
        snprintf(type, tcap, "domain");
        snprintf(out, cap, "cdn%lu.%s-bench.example.net", i, tag);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    unsigned long q = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;
    if (n == 0 || q == 0) {
        fprintf(stderr, "usage: intel_bench [ENTRIES [LOOKUPS]]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/intel_bench_%d.db", tmp, (int)getpid());
    unlink(path);
    jk_error err;
    jk_store *st;
    if (jk_store_open(path, &st, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    char type[16], value[256];

    /* 1. the list into the store (what `junkai intel add` does) */
    double t0 = bench_now();
    jk_intel_list_info info = {0, "bench", "csv", "phishing", "exact", "bench", 0, NULL, 0, 0};
    int64_t list_id, version;
    long entries;
    jk_store_begin(st, &err);
    jk_store_intel_list_put(st, &info, &list_id, &version, &err);
    for (unsigned long i = 0; i < n; i++) {
        make_value(i, 1, type, sizeof type, value, sizeof value);
        jk_store_intel_entry_add(st, list_id, type, value, NULL, NULL, &err);
    }
    jk_store_intel_list_finish(st, list_id, 0, &entries, &err);
    jk_store_commit(st, &err);
    double t_store = bench_now() - t0;

    /* 2. junkai: load every list from the store into the hash table */
    t0 = bench_now();
    jk_intel *in;
    if (jk_intel_load(st, &in, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double t_load = bench_now() - t0;

    /* the queries: one indicator each, as extraction would give them */
    jk_indicator_list *queries = calloc(q, sizeof *queries);
    unsigned long expect_hits = 0;
    for (unsigned long k = 0; k < q; k++) {
        unsigned long i = (k * 2654435761u) % n;
        int listed = k % 2 == 0;
        expect_hits += listed;
        make_value(i, listed, type, sizeof type, value, sizeof value);
        jk_indicator_list_init(&queries[k]);
        queries[k].items = calloc(1, sizeof *queries[k].items);
        queries[k].count = queries[k].cap = 1;
        jk_indicator_type_from_name(type, &queries[k].items[0].type);
        queries[k].items[0].value = strdup(value);
        queries[k].items[0].end = strlen(value);
    }

    jk_intel_hits hits;
    jk_intel_hits_init(&hits);
    t0 = bench_now();
    unsigned long found = 0;
    for (unsigned long k = 0; k < q; k++) {
        jk_intel_match(in, &queries[k], &hits);
        found += hits.count;
    }
    double t_match = bench_now() - t0;

    /* 3. peer: sorted array + bsearch over the same entries */
    t0 = bench_now();
    char **sorted = malloc(n * sizeof *sorted);
    for (unsigned long i = 0; i < n; i++) {
        make_value(i, 1, type, sizeof type, value, sizeof value);
        size_t tl = strlen(type), vl = strlen(value);
        sorted[i] = malloc(tl + vl + 2);
        memcpy(sorted[i], type, tl);
        sorted[i][tl] = '\t';
        memcpy(sorted[i] + tl + 1, value, vl + 1);
    }
    qsort(sorted, n, sizeof *sorted, cmp_str);
    double t_sort = bench_now() - t0;
    t0 = bench_now();
    unsigned long found_bs = 0;
    char key[300];
    for (unsigned long k = 0; k < q; k++) {
        const jk_indicator *x = &queries[k].items[0];
        snprintf(key, sizeof key, "%s\t%s", jk_indicator_type_name(x->type), x->value);
        const char *kp = key;
        found_bs += bsearch(&kp, sorted, n, sizeof *sorted, cmp_str) != NULL;
    }
    double t_bs = bench_now() - t0;

    /* 4. peer: SQLite's index, one prepared lookup per indicator */
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT 1 FROM intel_entries WHERE type = ?1 AND value = ?2", -1, &s,
                       NULL);
    unsigned long qs = q < 200000 ? q : 200000; /* slower: a sample is enough */
    t0 = bench_now();
    unsigned long found_sql = 0;
    for (unsigned long k = 0; k < qs; k++) {
        const jk_indicator *x = &queries[k].items[0];
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, jk_indicator_type_name(x->type), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, x->value, -1, SQLITE_STATIC);
        found_sql += sqlite3_step(s) == SQLITE_ROW;
    }
    double t_sql = bench_now() - t0;
    sqlite3_finalize(s);
    sqlite3_close(db);

    printf("intel_bench: %lu entries (%ld stored), %lu lookups (%lu of listed values)\n", n,
           entries, q, expect_hits);
    printf("  store import (SQLite, one batch)   %7.2f s\n", t_store);
    printf("  junkai load (store -> hash table)  %7.2f s\n", t_load);
    printf("  sorted array build (peer)          %7.2f s\n", t_sort);
    printf("  junkai hash lookups     %12.0f /s  (%lu found)\n", q / t_match, found);
    printf("  sorted array + bsearch  %12.0f /s  (%lu found)\n", q / t_bs, found_bs);
    printf("  SQLite index            %12.0f /s  (%lu of %lu found)\n", qs / t_sql, found_sql, qs);
    printf("  ratio: hash / bsearch = %.1fx, hash / SQLite = %.1fx\n", (q / t_match) / (q / t_bs),
           (q / t_match) / (qs / t_sql));
    int bad = found != expect_hits || found_bs != expect_hits;

    jk_intel_hits_release(&hits);
    for (unsigned long k = 0; k < q; k++)
        jk_indicator_list_release(&queries[k]);
    free(queries);
    for (unsigned long i = 0; i < n; i++)
        free(sorted[i]);
    free(sorted);
    jk_intel_free(in);
    jk_store_close(st);
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    if (bad)
        fprintf(stderr, "intel_bench: lookups disagree with the expected count\n");
    return bad;
}
