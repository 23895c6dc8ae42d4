/*
 * fuzz_webpage.c — libFuzzer target for the web page / board thread parser:
 * arbitrary bytes as a page, once with no declared charset (the meta
 * prescan and the sniff run) and once under a charset the first byte picks
 * (the HTTP header path). Every result must be valid UTF-8 with lengths
 * that agree, posts within the limits, links absolute http(s) without
 * fragments, and a failure must explain itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "junkai/limits.h"
#include "utf8.h"
#include "webpage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t len)
{
    if (!s || strlen(s) != len || !jk_utf8_valid((const unsigned char *)s, len))
        abort();
}

static void parse(const char *html, size_t len, const char *content_type)
{
    jk_webpage page;
    jk_error err;
    err.message[0] = '\0';
    int rc = jk_webpage_parse(html, len, content_type,
                              "https://bbs.example.jp/test/read.cgi/x/123/", &page, &err);
    if (rc) {
        if (!err.message[0])
            abort();
        return;
    }
    check_text(page.title, strlen(page.title));
    check_text(page.text, page.text_len);
    if (page.text_len > JK_MAX_TEXT_BYTES || page.posts.n == 0 ||
        page.posts.n > JK_WEBPAGE_MAX_POSTS || page.link_count > JK_WEBPAGE_MAX_LINKS)
        abort();
    for (size_t i = 0; i < page.posts.n; i++) {
        const jk_post *p = &page.posts.v[i];
        check_text(p->text, p->text_len);
        if (p->text_len > JK_MAX_TEXT_BYTES || !p->external_id ||
            strncmp(p->external_id, "https://bbs.example.jp/", 23) != 0)
            abort();
        if (p->author)
            check_text(p->author, strlen(p->author));
        if (p->posted_at && strlen(p->posted_at) != 20)
            abort();
    }
    for (size_t i = 0; i < page.link_count; i++) {
        const char *l = page.links[i];
        if ((strncmp(l, "http://", 7) != 0 && strncmp(l, "https://", 8) != 0) || strchr(l, '#'))
            abort();
    }
    jk_webpage_release(&page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        "text/html; charset=Shift_JIS", "text/html; charset=EUC-JP",
        "text/html; charset=utf-8",     "text/html; charset=ISO-2022-JP",
        "text/html",                    "text/html; charset=\"bogus\"",
    };
    parse((const char *)data, size, NULL);
    if (size > 0)
        parse((const char *)data + 1, size - 1, types[data[0] % (sizeof types / sizeof types[0])]);
    return 0;
}
