/*
 * fuzz_misskey.c — libFuzzer target for the Misskey note parser, and for
 * the page request built from an arbitrary query (its body must always be
 * valid JSON, whatever the query holds).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "misskey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jk_social_page page;
    jk_social_page_init(&page);
    jk_error err;
    int rc = jk_misskey_parse((const char *)data, size, "http://127.0.0.1:3000/api/notes/search",
                              &page, NULL, NULL, &err);
    if (rc == JK_OK) {
        if (page.posts.n + page.skipped != page.elements)
            abort();
        if (page.newest_id && (!jk_social_id_ok(page.newest_id) ||
                               jk_misskey_id_cmp(page.newest_id, page.oldest_id) < 0))
            abort();
        for (size_t i = 0; i < page.posts.n; i++)
            if (!page.posts.v[i].external_id || !page.posts.v[i].text)
                abort();
    } else if (rc != JK_EPARSE || !strstr(err.message, "127.0.0.1:3000")) {
        abort();
    }
    jk_social_page_release(&page);

    char *query = malloc(size + 1);
    if (!query)
        return 0;
    memcpy(query, data, size);
    query[size] = '\0';
    jk_buf url, body;
    jk_buf_init(&url, 0);
    jk_buf_init(&body, 0);
    if (jk_misskey_page_request("https://k.example", query, 100, "9a", NULL, query, &url, &body) ==
        JK_OK) {
        json_t *j = json_loadb(body.data, body.len, 0, NULL);
        if (!j || json_integer_value(json_object_get(j, "limit")) != 100)
            abort();
        json_decref(j);
        if (strncmp(url.data, "https://k.example/api/notes/", 28) != 0)
            abort();
    }
    jk_buf_release(&url);
    jk_buf_release(&body);
    free(query);
    return 0;
}
