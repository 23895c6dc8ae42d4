/*
 * phone.c — Japanese telephone numbers in the folded text, reported in
 * E.164 (+81 and the national number without its leading 0).
 *
 * Accepted shapes follow the numbering plan of the Ministry of Internal
 * Affairs and Communications: 070/080/090 mobile, 050 IP telephony and 020
 * with 11 digits; 0120, 0570, 0180, 0990 with 10 digits and 0800 with 11;
 * other 0X geographic numbers with 10 digits. Groups may be separated by
 * one hyphen (any of the look-alikes fold.c turns into '-'), a space or
 * parentheses; "+81", "+81-", "+81 (0)" prefixes are read too. A number
 * glued to letters or to more digits is not a phone number (order IDs,
 * hashes, URLs).
 */
#include <string.h>

#include "indicators_internal.h"

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int valid_national(const char *d, size_t n)
{
    if (n < 10 || d[0] != '0' || d[1] == '0')
        return 0;
    if (!memcmp(d, "0120", 4) || !memcmp(d, "0570", 4) || !memcmp(d, "0180", 4) ||
        !memcmp(d, "0990", 4))
        return n == 10;
    if (!memcmp(d, "0800", 4))
        return n == 11;
    if (!memcmp(d, "050", 3) || !memcmp(d, "070", 3) || !memcmp(d, "080", 3) ||
        !memcmp(d, "090", 3) || !memcmp(d, "020", 3))
        return n == 11;
    return n == 10;
}

/* Try a number starting at t[i]; on success set *end and the national
 * digits (with the leading 0). */
static int parse_at(const char *t, size_t n, size_t i, size_t *end, char *digits, size_t *nd)
{
    size_t p = i, count = 0;
    int intl = 0;
    if (t[p] == '+') {
        if (p + 2 >= n || t[p + 1] != '8' || t[p + 2] != '1')
            return 0;
        intl = 1;
        p += 3;
        if (p < n && (t[p] == '-' || t[p] == ' '))
            p++;
        if (p + 2 < n && t[p] == '(' && t[p + 1] == '0' && t[p + 2] == ')')
            p += 3; /* "+81 (0)3-..." */
        digits[count++] = '0';
        if (p < n && t[p] == '0')
            p++; /* "+81 090-..." repeats the trunk prefix */
    }
    int open_paren = 0;
    if (!intl && p < n && t[p] == '(') {
        open_paren = 1;
        p++;
    }
    size_t last_digit_end = 0;
    while (p < n) {
        char c = t[p];
        if (is_digit((unsigned char)c)) {
            if (count == 13)
                return 0;
            digits[count++] = c;
            p++;
            last_digit_end = p;
            continue;
        }
        /* one separator between digit groups */
        int sep = c == '-' || c == ' ' || (c == ')' && open_paren) || c == '(';
        if (!sep || count == 0)
            break;
        if (c == ')')
            open_paren = 0;
        if (c == '(')
            open_paren = 1;
        size_t q = p + 1;
        if (c == ')' && q < n && (t[q] == '-' || t[q] == ' '))
            q++; /* "(03) 1234-5678" */
        if (q >= n || !is_digit((unsigned char)t[q]))
            break;
        p = q;
    }
    if (count == 0 || last_digit_end == 0)
        return 0;
    if (last_digit_end < n && (is_alnum((unsigned char)t[last_digit_end]) || t[last_digit_end] == '_'))
        return 0;
    if (!valid_national(digits, count))
        return 0;
    *end = last_digit_end;
    *nd = count;
    return 1;
}

int jk_phone_scan(const jk_folded *f, jk_indicator_list *out, size_t first)
{
    const char *t = f->text;
    size_t n = f->len;
    char digits[16], value[20];
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c != '0' && c != '+' && c != '(')
            continue;
        if (i > 0) {
            unsigned char prev = (unsigned char)t[i - 1];
            if (is_alnum(prev) || prev == '.' || prev == '-' || prev == '+' || prev == '/' ||
                prev == '_' || prev == '=' || prev == '%' || prev == '#' || prev == '&')
                continue;
        }
        size_t end, nd;
        if (!parse_at(t, n, i, &end, digits, &nd))
            continue;
        if (jk_ind_overlaps(out, first, f, i, end)) {
            i = end - 1;
            continue;
        }
        memcpy(value, "+81", 3);
        memcpy(value + 3, digits + 1, nd - 1);
        int rc = jk_ind_emit(out, f, JK_IND_PHONE, i, end, value, nd + 2);
        if (rc)
            return rc;
        i = end - 1;
    }
    return JK_OK;
}
