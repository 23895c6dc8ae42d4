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

/* Nesting deeper than this is not followed: real pages stay far below it,
 * and a hostile page of a million nested <div>s must not exhaust the
 * stack. libxml2 limits its own tree depth as well (256 without
 * HTML_PARSE_HUGE), this keeps the walk safe on any tree handed in. */
#define MAX_TEXT_DEPTH 512

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

static void put_text(writer *w, const char *s)
{
    for (; *s && w->rc == JK_OK; s++) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            owe(w, GAP_SPACE);
            continue;
        }
        if (w->started && w->gap != GAP_NONE)
            w->rc = jk_buf_putc(w->out, w->gap == GAP_LINE ? '\n' : ' ');
        w->gap = GAP_NONE;
        w->started = 1;
        if (w->rc == JK_OK)
            w->rc = jk_buf_putc(w->out, c);
    }
}

static void walk(writer *w, const xmlNode *node, int depth)
{
    for (; node && w->rc == JK_OK; node = node->next) {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content)
                put_text(w, (const char *)node->content);
            continue;
        }
        if (node->type != XML_ELEMENT_NODE || jk_html_is(node, skipped))
            continue;
        int block = jk_html_is(node, blocks);
        int cell = jk_html_is(node, cells);
        if (block)
            owe(w, GAP_LINE);
        else if (cell)
            owe(w, GAP_SPACE);
        if (depth < MAX_TEXT_DEPTH)
            walk(w, node->children, depth + 1);
        if (block)
            owe(w, GAP_LINE);
        else if (cell)
            owe(w, GAP_SPACE);
    }
}

int jk_html_append_text(const xmlNode *node, jk_buf *out)
{
    writer w = {out, GAP_NONE, out->len > 0, JK_OK};
    if (!node)
        return JK_OK;
    if (node->type == XML_DOCUMENT_NODE || node->type == XML_HTML_DOCUMENT_NODE)
        walk(&w, node->children, 0);
    else if (node->type == XML_ELEMENT_NODE && jk_html_is(node, skipped))
        return JK_OK;
    else if (node->type == XML_ELEMENT_NODE)
        walk(&w, node->children, 0);
    else {
        /* a lone text node: walk it without its siblings */
        xmlNode copy = *node;
        copy.next = NULL;
        walk(&w, &copy, 0);
    }
    return w.rc;
}

htmlDocPtr jk_html_parse(const char *html, size_t len, const char *url, const char *encoding)
{
    xmlInitParser();
    int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                  HTML_PARSE_NONET | HTML_PARSE_COMPACT;
    if (len > (size_t)INT_MAX)
        len = (size_t)INT_MAX;
    if (len == 0) {
        html = "<html></html>";
        len = strlen(html);
    }
    return htmlReadMemory(html, (int)len, url, encoding, options);
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
