/*
 * fuzz_xapi.c — libFuzzer target for the X API v2 recent-search parser:
 * arbitrary bytes are parsed as a response and every post that comes back
 * is checked against what the collector relies on (a tweet id, an x.com
 * URL, a bounded text, a normalized time); the same bytes also go through
 * the error-body summary, the time parser and the URL builder as a query.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "junkai/error.h"
#include "xapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const char *message)
{
    (void)ctx;
    if (!message || !*message)
        abort(); /* every log line says something */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_posts posts;
    jk_posts_init(&posts);
    jk_xapi_page page;
    jk_xapi_page_init(&page);
    jk_error err;
    int rc = jk_xapi_parse_search((const char *)data, size, &posts, &page, ignore, NULL, &err);
    if (rc) {
        if (posts.n != 0 || page.next_token || page.newest_id || !err.message[0])
            abort(); /* a failed page adds nothing and explains itself */
    } else {
        if (posts.n + page.skipped != page.tweets)
            abort();
        for (size_t i = 0; i < posts.n; i++) {
            const jk_post *p = &posts.v[i];
            if (!jk_xapi_is_id(p->external_id) || !p->url ||
                strncmp(p->url, "https://x.com/", 14) != 0 || !p->text ||
                p->text_len > JK_XAPI_MAX_TEXT_BYTES)
                abort();
            if (p->posted_at && strlen(p->posted_at) != 20)
                abort();
            if (p->author && p->author[0] != '@')
                abort();
        }
        if (page.newest_id && !jk_xapi_is_id(page.newest_id))
            abort();
    }
    jk_xapi_page_release(&page);
    jk_posts_release(&posts);

    char summary[128];
    jk_xapi_problem((const char *)data, size, summary, sizeof summary);
    if (strlen(summary) >= sizeof summary)
        abort();

    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char when[21];
    if (jk_xapi_time(s, when) && strlen(when) != 20)
        abort();
    jk_buf url;
    jk_buf_init(&url, 64 * 1024);
    if (jk_xapi_search_url(&url, "https://api.x.com", s, NULL, s, &err) == JK_OK) {
        /* the query and token are fully percent-encoded: no byte that
         * could end or split the URL survives */
        for (size_t i = 0; i < url.len; i++) {
            unsigned char c = (unsigned char)url.data[i];
            if (c <= 0x20 || c >= 0x7f || c == '#' || c == '"')
                abort();
        }
    }
    jk_buf_release(&url);
    free(s);
    return 0;
}
