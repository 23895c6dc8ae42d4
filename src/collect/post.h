/*
 * post.h — what a collector's parser hands back: a list of posts taken from
 * one response (a feed, a timeline page, a thread), each with the fields an
 * item needs. Every string is owned by the list and NUL-terminated.
 *
 * Parsers fill a jk_posts and never touch the store; the collector glue
 * (collect_*.c) turns each post into a jk_item_in and ingests it.
 */
#ifndef JK_POST_H
#define JK_POST_H

#include <stddef.h>

typedef struct jk_post {
    char *external_id; /* the platform's id, or the feed entry's guid/link */
    char *url;         /* the post's own page, absolute; may be NULL */
    char *author;      /* handle or display name; may be NULL */
    char *posted_at;   /* ISO 8601 (UTC "…Z" where known); may be NULL */
    char *lang;        /* BCP 47 tag where the source says; may be NULL */
    char *text;        /* plain text (HTML already turned into text) */
    size_t text_len;
} jk_post;

typedef struct jk_posts {
    jk_post *v;
    size_t n, cap;
} jk_posts;

void jk_posts_init(jk_posts *list);
void jk_posts_release(jk_posts *list);

/* Append a post, copying every string (NULL stays NULL; text may hold any
 * bytes, text_len of them). Returns JK_OK or JK_ENOMEM. */
int jk_posts_add(jk_posts *list, const jk_post *post);

#endif
