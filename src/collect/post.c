/*
 * post.c — the list of posts a parser hands to a collector (post.h).
 */
#include "post.h"

#include <stdlib.h>
#include <string.h>

#include "junkai/error.h"

void jk_posts_init(jk_posts *list)
{
    list->v = NULL;
    list->n = list->cap = 0;
}

static void post_release(jk_post *p)
{
    free(p->external_id);
    free(p->url);
    free(p->author);
    free(p->posted_at);
    free(p->lang);
    free(p->text);
}

void jk_posts_release(jk_posts *list)
{
    for (size_t i = 0; i < list->n; i++)
        post_release(&list->v[i]);
    free(list->v);
    jk_posts_init(list);
}

static int copy_string(char **to, const char *s)
{
    *to = NULL;
    if (!s)
        return JK_OK;
    *to = strdup(s);
    return *to ? JK_OK : JK_ENOMEM;
}

int jk_posts_add(jk_posts *list, const jk_post *post)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        jk_post *v = realloc(list->v, cap * sizeof *v);
        if (!v)
            return JK_ENOMEM;
        list->v = v;
        list->cap = cap;
    }
    jk_post *p = &list->v[list->n];
    memset(p, 0, sizeof *p);
    int rc = JK_OK;
    if (copy_string(&p->external_id, post->external_id) || copy_string(&p->url, post->url) ||
        copy_string(&p->author, post->author) || copy_string(&p->posted_at, post->posted_at) ||
        copy_string(&p->lang, post->lang))
        rc = JK_ENOMEM;
    if (rc == JK_OK) {
        size_t len = post->text ? post->text_len : 0;
        p->text = malloc(len + 1);
        if (!p->text) {
            rc = JK_ENOMEM;
        } else {
            if (len)
                memcpy(p->text, post->text, len);
            p->text[len] = '\0';
            p->text_len = len;
        }
    }
    if (rc != JK_OK) {
        post_release(p);
        return rc;
    }
    list->n++;
    return JK_OK;
}
