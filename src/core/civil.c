/*
 * civil.c — UTC calendar arithmetic (civil.h).
 */
#include "civil.h"

#include <stdio.h>
#include <string.h>

int64_t jk_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void jk_civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
    *day = d;
}

static bool digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

bool jk_utc_parse(const char *at, int64_t *seconds)
{
    int y, mo, d, h, mi, s;
    if (!at || !digits(at, 4, &y) || at[4] != '-' || !digits(at + 5, 2, &mo) || at[7] != '-' ||
        !digits(at + 8, 2, &d) || (at[10] != 'T' && at[10] != ' ') || !digits(at + 11, 2, &h) ||
        at[13] != ':' || !digits(at + 14, 2, &mi) || at[16] != ':' || !digits(at + 17, 2, &s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    *seconds = jk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

void jk_utc_format(int64_t seconds, char out[21])
{
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t rest = seconds - days * 86400;
    int64_t y;
    int m, d;
    jk_civil_from_days(days, &y, &m, &d);
    /* the fields are in range, so this is 20 characters; the roomy buffer
     * quiets the compiler's worst case */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)(y % 10000), m, d,
             (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60));
    memcpy(out, tmp, 21);
}
