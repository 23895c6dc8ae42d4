/*
 * misskey.h — Misskey API responses (arrays of Note) into posts, and the
 * request of one Misskey page. Pure: no network, no store;
 * collect_misskey.c fetches and pages.
 */
#ifndef JK_MISSKEY_H
#define JK_MISSKEY_H

#include "mastodon.h"

/* Parse a Misskey response: a JSON array of Note (timelines, tag search,
 * search). url is the request URL: its origin builds the address of local
 * notes ("ORIGIN/notes/ID") and its host completes local users
 * (user.host null → "username@host"). For each note (for a renote without
 * text of its own, the renoted note): external_id = uri if present, else
 * the local address; url = url, else uri, else the local address;
 * author = username@host; posted_at = createdAt in UTC; lang = lang if the
 * server sends one; text = cw, text, file captions and poll choices, one
 * per line. Paging ids are the listed notes' own ids (opaque strings that
 * sort by time, compared bytewise as Misskey's database does).
 * JK_EPARSE (err names url) when the body is not a JSON array; a malformed
 * element is skipped, counted and logged. JK_ENOMEM. */
int jk_misskey_parse(const char *body, size_t len, const char *url, jk_social_page *page,
                     jk_social_log log, void *log_ctx, jk_error *err);

/* Order of Misskey ids (bytewise). */
int jk_misskey_id_cmp(const char *a, const char *b);

/* The request of one Misskey page: *url_out gets BASE/api/notes/
 * global-timeline, search-by-tag ({"tag":…}) or search ({"query":…}) after
 * the query (see jk_social_query), body_out the JSON body with limit,
 * sinceId or untilId (at most one, NULL for none) and "i" = token when
 * token is not NULL. Both buffers are reset first. JK_EINVAL for a bad
 * query; JK_ENOMEM. */
int jk_misskey_page_request(const char *base, const char *query, int limit, const char *since_id,
                            const char *until_id, const char *token, jk_buf *url_out,
                            jk_buf *body_out);

#endif
