/*
 * template.h — the text templates reports are drafted from: a small,
 * logic-less language (a subset of Mustache) an admin can edit without
 * programming, rendered against a JSON context.
 *
 *   {{name}} {{a.b.c}}     the value (strings as they are, numbers in
 *                          decimal, booleans as true/false; null, missing,
 *                          objects and lists: nothing)
 *   {{.}}                  the current element of a list
 *   {{#name}} … {{/name}}  a list: once per element, the element on top of
 *                          the context; an object: once, inside it; any
 *                          other true value once; false, null, "", [] and
 *                          missing: not at all
 *   {{^name}} … {{/name}}  once, exactly when {{#name}} would not run
 *   {{! comment }}         nothing
 * A name is looked up in the innermost context first, then outward. A
 * line holding nothing but a section, closing or comment tag vanishes
 * whole, so templates can keep one tag per line. Output is plain text:
 * nothing is escaped.
 *
 * Errors name the template and the place: "ihc.txt:12:5: {{/items}}
 * closes {{#item}} opened at 10:1".
 */
#ifndef JK_TEMPLATE_H
#define JK_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

/* Render text[0..len) against ctx, appending to out. name is used in
 * messages. JK_EPARSE for a malformed template, JK_ELIMIT when sections
 * nest deeper than 32, the output passes 16 MiB or rendering takes more
 * than 20 million steps (nested sections over long lists). */
int jk_template_render(const char *text, size_t len, const char *name, const json_t *ctx,
                       jk_buf *out, jk_error *err);

/* Only check the template's syntax (what an admin's editor calls). */
int jk_template_check(const char *text, size_t len, const char *name, jk_error *err);

#endif
