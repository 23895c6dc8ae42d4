/*
 * cmd_search.c — `junkai search QUERY`: full-text search over stored items
 * (FTS5 trigram index over the original and the normalized text, so a
 * query in any spelling finds every obfuscated variant).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cli.h"

static const char search_usage[] =
    "usage: junkai search [--data DIR] [--limit N] [--format text|jsonl] QUERY\n"
    "\n"
    "Find stored posts containing every word of QUERY (words are separated by\n"
    "spaces), newest first. Words are matched in normalized form (ヤサイ also\n"
    "finds ﾔｻｲ and や.さ.い) through the trigram index; words of fewer than\n"
    "three characters are looked for in the original text.\n";

typedef struct search_ctx {
    bool jsonl;
    long rows;
    jk_buf line;
} search_ctx;

static int print_row(void *p, const jk_search_row *row)
{
    search_ctx *c = p;
    c->rows++;
    if (!c->jsonl) {
        printf("%lld\t%s\t%s\t%s\t%.*s\n", (long long)row->item_id, row->platform,
               row->external_id, row->posted_at ? row->posted_at : "", (int)row->text_len,
               row->text);
        return 0;
    }
    jk_buf *b = &c->line;
    jk_buf_reset(b);
    jk_buf_puts(b, "{\"item\":");
    jk_buf_put_uint(b, (unsigned long long)row->item_id);
    const char *keys[] = {"platform", "id", "url", "posted_at"};
    const char *vals[] = {row->platform, row->external_id, row->url, row->posted_at};
    for (int i = 0; i < 4; i++) {
        if (!vals[i])
            continue;
        jk_buf_printf(b, ",\"%s\":\"", keys[i]);
        jk_buf_json_string(b, vals[i], strlen(vals[i]));
        jk_buf_putc(b, '"');
    }
    jk_buf_puts(b, ",\"text\":\"");
    jk_buf_json_string(b, row->text, row->text_len);
    jk_buf_puts(b, "\"}\n");
    fwrite(b->data, 1, b->len, stdout);
    return 0;
}

int cmd_search(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    unsigned long limit = 50;
    search_ctx ctx = {!isatty(STDOUT_FILENO), 0, {0}};
    jk_buf_init(&ctx.line, 0);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd': data = optarg; break;
        case 'l':
            if (!jk_parse_uint(optarg, 1000000, &limit) || limit == 0) {
                jk_cli_error("--limit must be a number from 1 to 1000000");
                return JK_EXIT_ERROR;
            }
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0)
                ctx.jsonl = true;
            else if (strcmp(optarg, "text") == 0)
                ctx.jsonl = false;
            else {
                jk_cli_error("--format must be text or jsonl");
                return JK_EXIT_ERROR;
            }
            break;
        case 'h':
            fputs(search_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(search_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind + 1 != argc || !argv[optind][0]) {
        jk_cli_error("search needs one QUERY");
        return JK_EXIT_ERROR;
    }
    const char *query = argv[optind];
    jk_store *store;
    if (jk_open_data_store(jk_data_dir(data), &store))
        return JK_EXIT_ERROR;
    /* Words split at ASCII and ideographic spaces; each is folded on its
     * own, since folding the whole query would glue them together. */
    char *copy = jk_strdup(query);
    jk_search_word words[32];
    jk_normalized folded[32];
    size_t count = 0;
    for (char *p = copy; *p && count < 32;) {
        while (*p == ' ' || *p == '\t' || strncmp(p, "\xe3\x80\x80", 3) == 0)
            p += *p == ' ' || *p == '\t' ? 1 : 3;
        if (!*p)
            break;
        char *start = p;
        while (*p && *p != ' ' && *p != '\t' && strncmp(p, "\xe3\x80\x80", 3) != 0)
            p++;
        if (*p) {
            char *at = p;
            p += *p == ' ' || *p == '\t' ? 1 : 3;
            *at = '\0';
        }
        words[count].original = start;
        words[count].normalized = NULL;
        jk_normalized_init(&folded[count]);
        count++;
    }
    jk_normalizer *norm = NULL;
    jk_error err;
    int status = JK_EXIT_OK;
    int rc = count ? jk_normalizer_new(JK_NORM_ALL, &norm, &err)
                   : jk_error_set(&err, JK_EINVAL, "search needs a QUERY that is not blank");
    for (size_t i = 0; !rc && i < count; i++) {
        rc = jk_normalize(norm, words[i].original, strlen(words[i].original), &folded[i], &err);
        words[i].normalized = folded[i].text;
    }
    if (!rc)
        rc = jk_store_search_words(store, words, count, limit, print_row, &ctx, &err);
    if (rc) {
        jk_cli_error("%s", err.message);
        status = JK_EXIT_ERROR;
    } else {
        status = ctx.rows ? JK_EXIT_HIT : JK_EXIT_NOHIT;
    }
    for (size_t i = 0; i < count; i++)
        jk_normalized_release(&folded[i]);
    free(copy);
    jk_normalizer_free(norm);
    jk_store_close(store);
    jk_buf_release(&ctx.line);
    return status;
}
