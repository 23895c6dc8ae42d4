/*
 * html_text.h — HTML to readable text with libxml2's forgiving HTML parser,
 * shared by every collector that meets HTML: feed descriptions and titles,
 * Mastodon and Misskey content, web pages and bulletin-board threads.
 *
 * The text keeps what a reader sees: block elements and <br> become line
 * breaks, runs of white space collapse, entities are decoded, script, style
 * and similar non-text elements are dropped. The parser never touches the
 * network and recovers from any input.
 */
#ifndef JK_HTML_TEXT_H
#define JK_HTML_TEXT_H

#include <libxml/HTMLparser.h>
#include <stddef.h>

#include "buf.h"

/* Parse an HTML document or fragment. encoding is the charset the transport
 * declared (NULL: what the document declares, else UTF-8; "UTF-8": the
 * bytes are repaired as by jk_html_utf8_repair first); url is the base
 * for relative links (may be NULL). Returns NULL only when out of memory.
 * Free with xmlFreeDoc. */
htmlDocPtr jk_html_parse(const char *html, size_t len, const char *url, const char *encoding);

/* Append the text of node and everything below it to out. Returns JK_OK,
 * JK_ELIMIT when out reached its maximum (the text so far stays), or
 * JK_ENOMEM. */
int jk_html_append_text(const xmlNode *node, jk_buf *out);

/* An HTML fragment (UTF-8; invalid bytes become U+FFFD) as text, appended
 * to out. */
int jk_html_fragment_text(const char *html, size_t len, jk_buf *out);

/* Append s[0..len) to out as valid UTF-8: every byte that does not belong
 * to a valid sequence (RFC 3629) becomes U+FFFD, NUL bytes are dropped.
 * JK_OK, JK_ELIMIT (out's maximum; out ends on a character boundary) or
 * JK_ENOMEM. */
int jk_html_utf8_repair(const char *s, size_t len, jk_buf *out);

/* True when an element is one of the names in the NULL-terminated list,
 * ignoring case. */
int jk_html_is(const xmlNode *node, const char *const *names);

/* The value of attribute name on node, or NULL; the caller xmlFree()s it. */
char *jk_html_attr(const xmlNode *node, const char *name);

#endif
