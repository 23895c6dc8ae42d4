/*
 * pdf.h — a report's text as a printable PDF letter: A4, Japanese fonts
 * (IPAex, from fonts-ipaexfont), the text wrapped and paginated by Pango,
 * a page number on every page. The text is laid out as it is: the template
 * decides the letter's shape.
 */
#ifndef JK_PDF_H
#define JK_PDF_H

#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

/* title: the PDF's document title (metadata). JK_EIO when Cairo fails. */
int jk_pdf_from_text(const char *title, const char *text, size_t len, jk_buf *out, jk_error *err);

#endif
