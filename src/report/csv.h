/*
 * csv.h — CSV cells as spreadsheet programs read them safely: RFC 4180
 * quoting, CRLF line ends, a UTF-8 byte order mark so Excel reads Japanese
 * text, and formula injection guarded (a cell starting with = + - @ or a
 * control character gets a leading apostrophe, so posted text is never run
 * as a formula by whoever opens the file).
 */
#ifndef JK_CSV_H
#define JK_CSV_H

#include <stddef.h>

#include "buf.h"

/* The byte order mark, once at the start of a file. */
int jk_csv_bom(jk_buf *out);
/* One row of n cells (a NULL cell is empty) and its CRLF. */
int jk_csv_row(jk_buf *out, const char *const *cells, size_t n);

#endif
