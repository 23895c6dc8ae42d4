/*
 * html_text.c — HTML to readable text (html_text.h).
 *
 * Owns: parsing options (no network, recovery, no error output) and the
 * rules for where line breaks and spaces go. Must not know any site's
 * layout; that belongs to the collector that parses the page.
 */
#include "html_text.h"

#include <libxml/parser.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "junkai/error.h"
#include "utf8.h"

static const char *const skipped[] = {"script", "style",  "noscript", "template", "head",
                                      "iframe", "object", "svg",      "math",     "select",
                                      NULL};
static const char *const blocks[] = {
    "p",       "div",    "br",     "li",     "ul",       "ol",     "dl",         "dt",
    "dd",      "h1",     "h2",     "h3",     "h4",       "h5",     "h6",         "tr",
    "table",   "blockquote", "pre", "section", "article", "header", "footer",    "nav",
    "aside",   "hr",     "form",   "address", "figure",  "figcaption", "main",   "tbody",
    "thead",   "tfoot",  "caption", "details", "summary", "body",  "html",       NULL};
static const char *const cells[] = {"td", "th", NULL};

enum { GAP_NONE, GAP_SPACE, GAP_LINE };

typedef struct writer {
    jk_buf *out;
    int gap;       /* the break owed before the next visible character */
    int started;   /* something visible has been written */
    int rc;
} writer;

int jk_html_is(const xmlNode *node, const char *const *names)
{
    if (!node || node->type != XML_ELEMENT_NODE || !node->name)
        return 0;
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp((const char *)node->name, names[i]) == 0)
            return 1;
    return 0;
}

char *jk_html_attr(const xmlNode *node, const char *name)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    return (char *)xmlGetProp(node, (const xmlChar *)name);
}

static void owe(writer *w, int gap)
{
    if (gap > w->gap)
        w->gap = gap;
}

/* Bytes in a UTF-8 sequence that starts with lead byte c (1 for ASCII and
 * for bytes that cannot start one: the tree holds valid UTF-8 after
 * jk_html_parse, this only keeps a hand-made tree from tearing a char). */
static size_t seq_len(unsigned char c)
{
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    if (c >= 0xE0)
        return c <= 0xEF ? 3 : 1;
    return c >= 0xC2 ? 2 : 1;
}

static void put_text(writer *w, const char *s)
{
    while (*s && w->rc == JK_OK) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            owe(w, GAP_SPACE);
            s++;
            continue;
        }
        /* the owed break and the whole character go in with one append, so
         * text cut at the buffer's maximum ends on a character boundary
         * and never with a dangling space */
        char tmp[5];
        size_t n = 0;
        if (w->started && w->gap != GAP_NONE)
            tmp[n++] = w->gap == GAP_LINE ? '\n' : ' ';
        size_t len = seq_len((unsigned char)c), i = 0;
        while (i < len && s[i])
            tmp[n++] = s[i++];
        w->rc = jk_buf_append(w->out, tmp, n);
        if (w->rc != JK_OK)
            break;
        w->gap = GAP_NONE;
        w->started = 1;
        s += i;
    }
}

/* The gap an element owes before and after its content. */
static int gap_of(const xmlNode *node)
{
    if (jk_html_is(node, blocks))
        return GAP_LINE;
    if (jk_html_is(node, cells))
        return GAP_SPACE;
    return GAP_NONE;
}

/* Write the text of first and its following siblings and everything below
 * them; parent is where the walk climbs back to and stops. Iterative: a
 * page may nest elements as deep as its size allows (the parser runs
 * without a depth bound, see jk_html_parse), and no depth may exhaust the
 * stack or hide the text below it. */
static void walk(writer *w, const xmlNode *first, const xmlNode *parent)
{
    const xmlNode *node = first;
    while (node && w->rc == JK_OK) {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content)
                put_text(w, (const char *)node->content);
        } else if (node->type == XML_ELEMENT_NODE && !jk_html_is(node, skipped)) {
            owe(w, gap_of(node));
            if (node->children) {
                node = node->children;
                continue;
            }
            owe(w, gap_of(node));
        }
        /* on to the next sibling, closing every element left on the way up */
        while (node) {
            if (node->next) {
                node = node->next;
                break;
            }
            node = node->parent;
            if (!node || node == parent) {
                node = NULL;
                break;
            }
            owe(w, gap_of(node));
        }
    }
}

int jk_html_append_text(const xmlNode *node, jk_buf *out)
{
    writer w = {out, GAP_NONE, out->len > 0, JK_OK};
    if (!node)
        return JK_OK;
    if (node->type == XML_DOCUMENT_NODE || node->type == XML_HTML_DOCUMENT_NODE)
        walk(&w, node->children, node);
    else if (node->type == XML_ELEMENT_NODE && jk_html_is(node, skipped))
        return JK_OK;
    else if (node->type == XML_ELEMENT_NODE)
        walk(&w, node->children, node);
    else {
        /* a lone text node: walk it without its siblings */
        xmlNode copy = *node;
        copy.next = NULL;
        walk(&w, &copy, node->parent);
    }
    return w.rc;
}

int jk_html_utf8_repair(const char *s, size_t len, jk_buf *out)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* valid bytes from i - run not yet copied */
    int rc = JK_OK;
    while (i < len && rc == JK_OK) {
        int32_t cp;
        size_t n = u[i] ? jk_utf8_decode(u + i, len - i, &cp) : 0;
        if (n) {
            i += n;
            run += n;
            continue;
        }
        rc = jk_buf_append(out, s + i - run, run);
        if (rc == JK_OK && u[i])
            rc = jk_buf_append(out, replacement, 3);
        run = 0;
        i++;
    }
    if (rc == JK_OK)
        rc = jk_buf_append(out, s + i - run, run);
    return rc;
}

static int is_utf8_name(const char *encoding)
{
    return encoding && (strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0);
}

htmlDocPtr jk_html_parse(const char *html, size_t len, const char *url, const char *encoding)
{
    xmlInitParser();
    /* XML_PARSE_HUGE lifts libxml2's nesting bound (256): past it the
     * parser stops and every later byte of the page is lost, so a page
     * could hide its text from the patrol behind 300 <div>s. Every walk
     * over the tree here is iterative, and libxml2 frees trees of any
     * depth iteratively; the size of the input bounds the tree. */
    int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                  HTML_PARSE_NONET | HTML_PARSE_COMPACT | XML_PARSE_HUGE;
    if (len > (size_t)INT_MAX)
        len = (size_t)INT_MAX;
    /* libxml2 (2.9) passes invalid bytes of a document declared UTF-8
     * through into the tree, and every consumer of the text expects valid
     * UTF-8: repair first (invalid bytes to U+FFFD, NUL dropped). */
    jk_buf repaired;
    jk_buf_init(&repaired, 0);
    if (is_utf8_name(encoding) &&
        (memchr(html, '\0', len) || !jk_utf8_valid((const unsigned char *)html, len))) {
        if (jk_html_utf8_repair(html, len, &repaired) != JK_OK) {
            jk_buf_release(&repaired);
            return NULL;
        }
        html = repaired.data ? repaired.data : "";
        len = repaired.len > (size_t)INT_MAX ? (size_t)INT_MAX : repaired.len;
    }
    if (len == 0) {
        html = "<html></html>";
        len = strlen(html);
    }
    htmlDocPtr doc = htmlReadMemory(html, (int)len, url, encoding, options);
    jk_buf_release(&repaired);
    return doc;
}

int jk_html_fragment_text(const char *html, size_t len, jk_buf *out)
{
    if (len == 0)
        return JK_OK;
    htmlDocPtr doc = jk_html_parse(html, len, NULL, "UTF-8");
    if (!doc)
        return JK_ENOMEM;
    int rc = jk_html_append_text((const xmlNode *)doc, out);
    xmlFreeDoc(doc);
    return rc;
}
