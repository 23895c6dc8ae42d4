/*
 * webpage.h — one fetched web page or bulletin-board thread, parsed: its
 * title, its text, its links, and its posts.
 *
 * Pure: bytes in, a jk_webpage out; no network, no store. The collector
 * (collect_web.c) fetches and stores; the indicator work reads the links.
 *
 * Known board layouts are split into one post per message:
 *   "5ch"      5ch.net / 2ch.sc thread pages of today (div.post > div.meta
 *              + div.message);
 *   "2ch-dl"   the classic read.cgi page (<dl class="thread"> of dt/dd
 *              pairs), still served by many boards and mirrors.
 * Any other page is one post: the whole page.
 */
#ifndef JK_WEBPAGE_H
#define JK_WEBPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "junkai/error.h"
#include "post.h"

/* Posts taken from one page at most; the rest of a longer page is left and
 * posts_truncated set (a 5ch thread stops at 1000, so this is only hit by
 * pages built to exhaust memory). */
#define JK_WEBPAGE_MAX_POSTS 10000u
/* Links kept from one page at most (links_truncated is set past it). */
#define JK_WEBPAGE_MAX_LINKS 10000u

typedef struct jk_webpage {
    char *title;       /* "<title>" text, white space collapsed; "" when none */
    char *text;        /* the body's readable text (html_text.h rules) */
    size_t text_len;
    char **links;      /* absolute http(s) URLs, fragment removed, first
                          occurrence order, no duplicates */
    size_t link_count;
    bool links_truncated;
    jk_posts posts;    /* board posts, or the one whole-page post */
    bool posts_truncated;
    const char *layout; /* "5ch", "2ch-dl", or NULL for a page of no known
                           board layout (static string) */
    char *encoding;     /* the charset the bytes were decoded from, e.g.
                           "UTF-8", "CP932", "EUC-JP" */
    char *base_url;     /* what relative links were resolved against */
} jk_webpage;

void jk_webpage_init(jk_webpage *page);
/* Free everything the page owns; the page can be parsed into again. */
void jk_webpage_release(jk_webpage *page);

/*
 * Parse an HTML page of len bytes (any bytes: invalid sequences become
 * U+FFFD, NUL bytes are dropped).
 *
 * content_type is the HTTP Content-Type header (may be NULL): its charset
 * wins; else a byte-order mark, else <meta charset> or <meta http-equiv=
 * "Content-Type"> in the first bytes, else a sniff (UTF-8 when the bytes
 * are valid UTF-8, else EUC-JP when they are valid EUC-JP, else CP932 —
 * Microsoft's Shift_JIS, which is what Japanese boards really send).
 *
 * url is the page's final URL (after redirects), absolute http(s): links
 * resolve against it or against the page's <base href>. Board posts get
 * external_id and url "URL#N" (URL without its fragment), author the name
 * plus " ID:xxx" when the board shows one, posted_at the post's time
 * converted from Japan time to UTC ("YYYY-MM-DDTHH:MM:SSZ"), text the
 * message. The whole-page post gets external_id and url = URL and text =
 * title + "\n" + body text. Texts are cut at JK_MAX_TEXT_BYTES on a
 * character boundary.
 *
 * Returns JK_OK (out filled; release it), JK_EINVAL when url is missing or
 * not http(s), JK_ENOMEM. out is released on error. Thread-safe (libxml2
 * is initialised once by the caller's first parse, which must not race:
 * call xmlInitParser() before starting threads).
 */
int jk_webpage_parse(const char *html, size_t len, const char *content_type, const char *url,
                     jk_webpage *out, jk_error *err);

/* Resolve href (as written in an attribute) against the absolute URL base
 * (RFC 3986 §5.2 through libcurl's URL parser). Leading and trailing white
 * space is stripped, tabs and newlines inside are removed (WHATWG URL),
 * the fragment is dropped. Returns a new string (caller frees) or NULL when
 * the result is not a valid http or https URL. */
char *jk_webpage_resolve(const char *base, const char *href);

/* A board time as shown by 5ch/2ch ("2024/01/02(火) 03:04:05.67", also
 * two-digit years and no seconds), read as Japan Standard Time (UTC+9, no
 * daylight saving) and written to out as "YYYY-MM-DDTHH:MM:SSZ". Looks for
 * the first date in s[0..len). Returns true when one was found. */
bool jk_webpage_board_time(const char *s, size_t len, char out[21]);

/* The charset name to decode with for a declared label (HTTP or <meta>),
 * e.g. "shift_jis" → "CP932", "x-euc-jp" → "EUC-JP", "utf8" → "UTF-8";
 * NULL when the label is unknown to iconv or malformed. Static string or
 * one written into buf (size >= 48). */
const char *jk_webpage_charset(const char *label, size_t label_len, char *buf, size_t size);

#endif
