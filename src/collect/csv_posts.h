/*
 * csv_posts.h — posts from CSV (RFC 4180, via libcsv): a header row names
 * the columns ("id", "text" required; "platform", "url", "author",
 * "posted_at", "lang" optional); each later record is one post. Quoted
 * fields may hold commas and newlines.
 */
#ifndef JK_CSV_POSTS_H
#define JK_CSV_POSTS_H

#include <stdio.h>

#include "junkai/error.h"
#include "junkai/store.h"

/* Called per post (record number counts the header as 1). Return non-zero
 * to stop. A record without id or text is reported through bad() and
 * skipped. */
typedef int (*jk_csv_post_fn)(void *ctx, jk_item_in *item, unsigned long record);
typedef void (*jk_csv_bad_fn)(void *ctx, unsigned long record, const char *why);

/* Read all of fp. Fails (JK_EPARSE) when the header lacks "id" or "text",
 * or the CSV is malformed (an unterminated quote); JK_ELIMIT when a field
 * exceeds JK_MAX_TEXT_BYTES. */
int jk_csv_posts(FILE *fp, jk_csv_post_fn post, jk_csv_bad_fn bad, void *ctx, jk_error *err);

#endif
