/*
 * feed.h — RSS and Atom feeds to posts: RSS 0.9x and 2.0, RSS 1.0 (RDF),
 * Atom 1.0 (and the Atom 0.3 that is still served). A pure parser: bytes
 * in, posts out, no network and no store.
 *
 * Real feeds are often broken; the parser takes what a reader would see:
 * the charset of the HTTP Content-Type wins over the XML declaration
 * (RFC 7303 §3), a wrong or missing declaration falls back to UTF-8, the
 * Japanese legacy encodings and windows-1252 in turn, markup in titles and
 * descriptions becomes text, bad dates are dropped rather than guessed.
 */
#ifndef JK_FEED_H
#define JK_FEED_H

#include <stddef.h>

#include "junkai/error.h"
#include "post.h"

/* Entries taken from one document; the rest are ignored. A feed with more
 * is either a dump or an attack, and a patrol polls it again anyway. */
#define JK_FEED_MAX_ENTRIES 10000u

/* Parse one feed document (data/len, any encoding) into posts appended to
 * out. content_type is the HTTP Content-Type header or NULL; its charset
 * parameter decides the encoding when present and usable. base_url is the
 * URL the document came from (after redirects); relative links resolve
 * against it and xml:base, and err messages name it (NULL: "feed").
 *
 * Each post: external_id from guid / atom:id / rdf:about / link, else the
 * hex SHA-256 of title, link and description; url the entry's link made
 * absolute (http and https only); author; posted_at in UTC as
 * "YYYY-MM-DDTHH:MM:SSZ" or NULL; lang; text = title "\n" body as plain
 * UTF-8 (at most JK_MAX_TEXT_BYTES). Entries with neither text nor a link
 * are left out.
 *
 * Returns JK_OK (possibly with no posts: an empty feed), JK_EPARSE when the
 * document is not an RSS or Atom feed, JK_ENOMEM. No entity from an
 * external DTD is loaded and internal entities cannot blow up (libxml2's
 * default amplification limits; no XML_PARSE_HUGE). */
int jk_feed_parse(const char *data, size_t len, const char *content_type, const char *base_url,
                  jk_posts *out, jk_error *err);

/* A feed date — RFC 822/2822 (pubDate: "Tue, 10 Jun 2003 04:00:00 GMT",
 * two-digit years, named zones such as JST) or RFC 3339/ISO 8601 (Atom,
 * dc:date: "2003-12-13T18:30:02+09:00", date only, no seconds) — as UTC
 * "YYYY-MM-DDTHH:MM:SSZ" in out (at least 21 bytes). A date without a zone
 * is taken as UTC. Returns JK_OK or JK_EPARSE (out is then ""). */
int jk_feed_date(const char *text, char *out, size_t outsz);

/* The charset parameter of a Content-Type header value ("text/xml;
 * charset="Shift_JIS"" gives "Shift_JIS") copied into out; JK_OK, or
 * JK_ENOTFOUND when there is none or it is not a plausible charset name. */
int jk_feed_content_charset(const char *content_type, char *out, size_t outsz);

#endif
