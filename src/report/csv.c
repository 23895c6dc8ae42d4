/*
 * csv.c — writing CSV rows (csv.h).
 */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include "junkai/error.h"

int jk_csv_bom(jk_buf *out)
{
    return jk_buf_append(out, "\xEF\xBB\xBF", 3) ? JK_ENOMEM : JK_OK;
}

static int cell(jk_buf *out, const char *s)
{
    if (!s || !*s)
        return JK_OK;
    bool guard = strchr("=+-@", s[0]) != NULL || (unsigned char)s[0] < 0x20;
    bool quote = guard || strpbrk(s, ",\"\r\n") != NULL;
    int rc = quote ? jk_buf_putc(out, '"') : 0;
    if (!rc && guard)
        rc = jk_buf_putc(out, '\'');
    for (const char *p = s; *p && !rc; p++)
        rc = *p == '"' ? jk_buf_append(out, "\"\"", 2) : jk_buf_putc(out, *p);
    if (!rc && quote)
        rc = jk_buf_putc(out, '"');
    return rc ? JK_ENOMEM : JK_OK;
}

int jk_csv_row(jk_buf *out, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && jk_buf_putc(out, ','))
            return JK_ENOMEM;
        if (cell(out, cells[i]))
            return JK_ENOMEM;
    }
    return jk_buf_append(out, "\r\n", 2) ? JK_ENOMEM : JK_OK;
}
