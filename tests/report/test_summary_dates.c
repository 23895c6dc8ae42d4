/*
 * test_summary_dates.c — the daily summary's calendar (src/report/
 * summary.c): dates checked, local days at an offset from UTC turned into
 * UTC bounds, month to date, and an empty store's files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "summary.h"

static void test_dates(void **state)
{
    (void)state;
    int64_t d;
    assert_true(jk_summary_parse_date("2024-02-29", &d));
    assert_false(jk_summary_parse_date("2026-02-29", &d));
    assert_false(jk_summary_parse_date("2026-13-01", &d));
    assert_false(jk_summary_parse_date("2026-1-01", &d));
    assert_false(jk_summary_parse_date("2026-01-01x", &d));
    assert_false(jk_summary_parse_date(NULL, &d));
    char out[11];
    assert_true(jk_summary_date_add("2026-12-31", 1, out));
    assert_string_equal(out, "2027-01-01");
    assert_true(jk_summary_date_add("2024-03-01", -1, out));
    assert_string_equal(out, "2024-02-29");
    /* 2026-12-05T15:30:00Z is already the 6th in Tokyo, still the 5th in UTC */
    jk_summary_local_date(1796484600, 540, out);
    assert_string_equal(out, "2026-12-06");
    jk_summary_local_date(1796484600, 0, out);
    assert_string_equal(out, "2026-12-05");
    jk_summary_local_date(1796428800, -330, out);
    assert_string_equal(out, "2026-12-04");
}

static void test_bounds_and_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/jk-summary-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128];
    snprintf(db, sizeof db, "%s/junkai.db", dir);
    jk_store *st;
    jk_error err;
    assert_int_equal(jk_store_open(db, &st, &err), 0);
    jk_summary s;
    assert_int_equal(jk_summary_collect(st, "2026-12-01", 540, &s, &err), 0);
    assert_string_equal(s.day.from, "2026-11-30T15:00:00Z");
    assert_string_equal(s.day.to, "2026-12-01T15:00:00Z");
    assert_string_equal(s.month.first, "2026-12-01");
    assert_string_equal(s.month.from, "2026-11-30T15:00:00Z");
    assert_true(s.day.count >= 17); /* every category, zeros too */
    assert_int_equal(s.day.total.found, 0);
    char *path = NULL;
    assert_int_equal(jk_summary_write(dir, &s, &path, &err), 0);
    assert_non_null(strstr(path, "/summaries/2026-12-01.txt"));
    jk_buf t;
    jk_buf_init(&t, 0);
    assert_int_equal(jk_summary_csv(&s, &t), 0);
    assert_memory_equal(t.data, "\xEF\xBB\xBFperiod,first,last,category", 27);
    jk_buf_release(&t);
    jk_summary_release(&s);
    assert_int_equal(jk_summary_collect(st, "2026-12-20", -300, &s, &err), 0);
    assert_string_equal(s.day.from, "2026-12-20T05:00:00Z");
    assert_string_equal(s.month.last, "2026-12-20");
    assert_string_equal(s.month.from, "2026-12-01T05:00:00Z");
    jk_summary_release(&s);
    assert_int_equal(jk_summary_collect(st, "2026-02-30", 540, &s, &err), JK_EINVAL);
    assert_non_null(strstr(err.message, "2026-02-30"));
    jk_store_close(st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_bounds_and_files),
    };
    return cmocka_run_group_tests_name("summary_dates", tests, NULL, NULL);
}
