/*
 * pdf.c — text to PDF through Pango and Cairo (pdf.h). One Pango layout
 * holds the whole text; its lines are placed page by page, so a line is
 * never cut between pages.
 */
#include "pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 56.7 /* 20 mm */
#define FOOTER 20.0
#define FONT "IPAexMincho, IPAexGothic, Noto Serif CJK JP, serif 10.5"

static cairo_status_t write_to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return jk_buf_append(closure, data, len) ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

static void page_number(cairo_t *cr, PangoFontDescription *font, int page)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    char num[32];
    snprintf(num, sizeof num, "- %d -", page);
    pango_layout_set_font_description(l, font);
    pango_layout_set_text(l, num, -1);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    cairo_move_to(cr, (PAGE_W - (double)w / PANGO_SCALE) / 2, PAGE_H - MARGIN + FOOTER / 2);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
}

int jk_pdf_from_text(const char *title, const char *text, size_t len, jk_buf *out, jk_error *err)
{
    if (!g_utf8_validate(text, (gssize)len, NULL))
        return jk_error_set(err, JK_EINVAL, "the report's text is not valid UTF-8");
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(write_to_buf, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return jk_error_set(err, JK_EIO, "PDF: %s",
                            cairo_status_to_string(cairo_surface_status(surface)));
    }
    if (title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "junkai");
    cairo_t *cr = cairo_create(surface);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string(FONT);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_width(layout, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text, (int)len);

    double body_h = PAGE_H - 2 * MARGIN - FOOTER;
    double page_top = 0; /* layout y (points) at the top of this page */
    int page = 1;
    cairo_set_source_rgb(cr, 0, 0, 0);
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double top = (double)logical.y / PANGO_SCALE;
        double bottom = top + (double)logical.height / PANGO_SCALE;
        if (bottom - page_top > body_h) {
            page_number(cr, font, page++);
            cairo_show_page(cr);
            page_top = top;
        }
        int baseline = pango_layout_iter_get_baseline(it);
        cairo_move_to(cr, MARGIN + (double)logical.x / PANGO_SCALE,
                      MARGIN + (double)baseline / PANGO_SCALE - page_top);
        pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    page_number(cr, font, page);
    cairo_show_page(cr);

    pango_font_description_free(font);
    g_object_unref(layout);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t st = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS)
        return jk_error_set(err, JK_EIO, "PDF: %s", cairo_status_to_string(st));
    return JK_OK;
}
