/*
 * civil.h — UTC calendar arithmetic without the C library's time zone
 * (timegm is neither C11 nor POSIX): days since the epoch of a proleptic
 * Gregorian date and back (H. Hinnant's algorithms), and the store's
 * "YYYY-MM-DDTHH:MM:SSZ" timestamps to seconds and back.
 */
#ifndef JK_CIVIL_H
#define JK_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

int64_t jk_days_from_civil(int64_t year, int month, int day);
void jk_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" (anything after the
 * seconds, such as "Z", is ignored); false when at is not one. */
bool jk_utc_parse(const char *at, int64_t *seconds);
/* "YYYY-MM-DDTHH:MM:SSZ" into out. */
void jk_utc_format(int64_t seconds, char out[21]);

#endif
