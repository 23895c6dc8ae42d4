/*
 * fuzz_feed.c — libFuzzer target for the feed parser: arbitrary bytes as a
 * feed document. The first byte picks the Content-Type (none, a charset the
 * document may contradict, a bogus one) so the encoding fallbacks are
 * exercised too. Every post must come out as valid UTF-8 within the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "junkai/limits.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s)
{
    if (s && !jk_utf8_valid((const unsigned char *)s, strlen(s)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {
        NULL,
        "application/rss+xml; charset=utf-8",
        "text/xml; charset=Shift_JIS",
        "text/xml; charset=\"EUC-JP\"",
        "application/atom+xml; charset=iso-8859-1",
        "text/xml; charset=utf-16",
        "text/xml; charset=bogus-charset",
        "text/html",
    };
    if (size == 0)
        return 0;
    const char *type = types[data[0] % (sizeof types / sizeof types[0])];
    jk_posts posts;
    jk_posts_init(&posts);
    jk_error err;
    int rc = jk_feed_parse((const char *)data + 1, size - 1, type, "http://fuzz.example/feed/",
                           &posts, &err);
    if (rc != JK_OK && rc != JK_EPARSE && rc != JK_ENOMEM)
        abort();
    if (rc != JK_OK && posts.n != 0)
        abort();
    if (posts.n > JK_FEED_MAX_ENTRIES)
        abort();
    for (size_t i = 0; i < posts.n; i++) {
        const jk_post *p = &posts.v[i];
        if (!p->external_id || !*p->external_id || !p->text || p->text_len > JK_MAX_TEXT_BYTES ||
            strlen(p->text) != p->text_len)
            abort();
        check(p->external_id);
        check(p->url);
        check(p->author);
        check(p->lang);
        check(p->text);
        if (p->posted_at && strlen(p->posted_at) != 20)
            abort();
    }
    jk_posts_release(&posts);
    return 0;
}
