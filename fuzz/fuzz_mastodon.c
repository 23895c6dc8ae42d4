/*
 * fuzz_mastodon.c — libFuzzer target for the Mastodon status parser and
 * the RFC 8288 Link header parser: the same bytes are parsed as an API
 * response and as a Link field value, and the results are checked for the
 * promises the collector relies on (ids safe for URLs and the cursor,
 * newest >= oldest, UTC timestamps, followed links on the origin).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "link_header.h"
#include "mastodon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_page(const jk_social_page *page)
{
    if (page->posts.n + page->skipped != page->elements)
        abort(); /* every element is a post or a counted skip */
    if ((page->newest_id == NULL) != (page->oldest_id == NULL))
        abort();
    if (page->newest_id && (!jk_social_id_ok(page->newest_id) || !jk_social_id_ok(page->oldest_id) ||
                            jk_mastodon_id_cmp(page->newest_id, page->oldest_id) < 0))
        abort();
    for (size_t i = 0; i < page->posts.n; i++) {
        const jk_post *p = &page->posts.v[i];
        if (!p->external_id || !*p->external_id || !p->text || strlen(p->text) > p->text_len)
            abort();
        if (p->posted_at && (strlen(p->posted_at) != 20 || p->posted_at[19] != 'Z'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    int rc = jk_mastodon_parse(text, size, "https://m.example/api/v1/timelines/public", &page, NULL,
                               NULL, &err);
    if (rc == JK_OK)
        check_page(&page);
    else if (rc != JK_EPARSE || !strstr(err.message, "https://m.example/"))
        abort();
    jk_social_page_release(&page);

    jk_links links;
    jk_links_init(&links);
    size_t skipped;
    if (jk_link_header_parse(text, size, "https://m.example/api/v1/timelines/public?limit=40",
                             &links, &skipped) != JK_OK)
        abort();
    for (size_t i = 0; i < links.n; i++)
        if (!links.v[i].target)
            abort();
    const char *next = jk_links_find(&links, "next");
    if (next && jk_url_on_origin(next, "https://m.example") &&
        strncasecmp(next, "https://m.example", 17) != 0)
        abort(); /* the origin check must not let another host through */
    jk_links_release(&links);

    /* the same bytes as a URL and as a timestamp */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *origin = NULL, *authority = NULL;
    if (jk_url_origin(s, &origin, &authority) == JK_OK &&
        (!origin || !authority || !strstr(origin, authority) || !jk_url_on_origin(origin, origin)))
        abort();
    free(origin);
    free(authority);
    char when[21];
    if (jk_social_time_utc(s, when) && (strlen(when) != 20 || when[10] != 'T'))
        abort();
    free(s);
    return 0;
}
