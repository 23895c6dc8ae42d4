/*
 * scan_pipeline.h — `junkai scan` over files or stdin: read in batches, scan
 * on N threads, write results in input order.
 */
#ifndef JK_SCAN_PIPELINE_H
#define JK_SCAN_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "input.h"
#include "intel_match.h"
#include "output.h"

typedef struct jk_scan_options {
    jk_input_kind input;
    jk_format format;
    bool only_hits;
    bool color;
    unsigned threads;
    double min_score;
    bool has_category_filter;
    bool category_wanted[JK_CATEGORY_COUNT];
    const jk_intel *intel; /* intel lists to match indicators against; NULL = none */
} jk_scan_options;

typedef struct jk_scan_totals {
    unsigned long items;     /* items scanned */
    unsigned long hit_items; /* items with at least one hit after filters */
    unsigned long skipped;   /* lines that could not be read as items */
    unsigned long category_items[JK_CATEGORY_COUNT];
    char first_skipped[512]; /* "file:line" of the first skipped line */
    bool error;              /* a file could not be opened or read */
} jk_scan_totals;

/* Scan the named files ("-" or none: standard input) and write results to
 * out. Per-item problems go to err with file:line and the run goes on. */
void jk_scan_files(const jk_engine *eng, const jk_scan_options *opt, char **files,
                   size_t file_count, FILE *out, FILE *err, jk_scan_totals *totals);

#endif
