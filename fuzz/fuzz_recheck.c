/*
 * fuzz_recheck.c — libFuzzer target for the removal checks' judges
 * (src/collect/recheck.c): arbitrary bytes as a page (web page and board
 * thread, under two charsets), as Mastodon, Misskey and X API answers, and
 * as a detection's spans_json. Every verdict must be one of the three
 * results with a reason where one is promised and a detail that says
 * something; the passage counts must hold (found <= total <= 32).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jk_normalizer *norm;

static void check(const jk_recheck_verdict *v)
{
    if (!v->result || !v->detail[0])
        abort();
    bool removed = strcmp(v->result, "removed") == 0;
    if (!removed && strcmp(v->result, "present") != 0 && strcmp(v->result, "unknown") != 0)
        abort();
    if ((removed || strcmp(v->result, "unknown") == 0) && !v->reason)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!norm) {
        jk_error err;
        if (jk_normalizer_new(JK_NORM_ALL, &norm, &err))
            abort();
    }
    const char *bytes = (const char *)data;
    static const long statuses[] = {200, 404, 410, 400, 500, 429, 301};
    long status = size ? statuses[data[0] % (sizeof statuses / sizeof statuses[0])] : 200;
    const char *text = "お知らせ\nやさい あります、都内手押し 即日";
    jk_removal_row row;
    memset(&row, 0, sizeof row);
    row.item_id = 1;
    row.platform = "web";
    row.url = "https://bbs.example.jp/test/read.cgi/x/123/#2";
    row.external_id = row.url;
    row.text = text;
    row.text_len = strlen(text);
    row.spans_json = "[[13,22],[23,35],[38,53]]";
    jk_recheck_verdict v;
    jk_recheck_judge_page(norm, &row, status, bytes, size, "text/html; charset=utf-8",
                          "https://bbs.example.jp/test/read.cgi/x/123/", false, &v);
    check(&v);
    row.platform = "board";
    jk_recheck_judge_page(norm, &row, 200, bytes, size, NULL,
                          "https://bbs.example.jp/test/read.cgi/x/123/", size % 2 == 0, &v);
    check(&v);
    jk_recheck_judge_mastodon(status, bytes, size, &v);
    check(&v);
    jk_recheck_judge_misskey(status, bytes, size, &v);
    check(&v);
    jk_recheck_judge_x(status, bytes, size, &v);
    check(&v);

    /* the bytes as spans over themselves, and as spans over the text */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    size_t found, total;
    jk_error err;
    if (jk_recheck_passages(norm, text, strlen(text), copy, copy, size, &found, &total, &err) ==
            JK_OK &&
        (found > total || total > 32))
        abort();
    if (jk_recheck_passages(norm, copy, size, row.spans_json, text, strlen(text), &found, &total,
                            &err) == JK_OK &&
        (found > total || total > 32))
        abort();
    free(copy);
    return 0;
}
