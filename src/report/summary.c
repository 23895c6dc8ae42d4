/*
 * summary.c — the daily summary (summary.h): local calendar days turned
 * into UTC bounds, the store's counts of each period gathered per
 * category, the text and CSV, and writing both files safely.
 * Must not touch: SQL (jk_store_period_counts), printing.
 */
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "civil.h"
#include "csv.h"
#include "junkai/case.h"
#include "junkai/taxonomy.h"

bool jk_summary_parse_date(const char *t, int64_t *days)
{
    if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (t[i] < '0' || t[i] > '9'))
            return false;
    int64_t y = atoi(t);
    int m = atoi(t + 5), d = atoi(t + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int64_t n = jk_days_from_civil(y, m, d);
    int64_t yy;
    int mm, dd;
    jk_civil_from_days(n, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d) /* 2026-02-30 */
        return false;
    *days = n;
    return true;
}

static void format_day(int64_t days, char out[11])
{
    int64_t y;
    int m, d;
    jk_civil_from_days(days, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000), mm = (unsigned)m % 100, dd = (unsigned)d % 100;
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + mm / 10);
    out[6] = (char)('0' + mm % 10);
    out[7] = '-';
    out[8] = (char)('0' + dd / 10);
    out[9] = (char)('0' + dd % 10);
    out[10] = '\0';
}

void jk_summary_local_date(int64_t unix_seconds, int offset_minutes, char out[11])
{
    int64_t t = unix_seconds + (int64_t)offset_minutes * 60;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    format_day(days, out);
}

bool jk_summary_date_add(const char *date, int days, char out[11])
{
    int64_t n;
    if (!jk_summary_parse_date(date, &n))
        return false;
    format_day(n + days, out);
    return true;
}

/* ---- counting ---- */

static jk_summary_count *row_for(jk_summary_period *p, const char *category)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->rows[i].category, category) == 0)
            return &p->rows[i];
    p->rows = jk_reallocarray(p->rows, p->count + 1, sizeof *p->rows);
    jk_summary_count *r = &p->rows[p->count++];
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "%s", category);
    return r;
}

static int add_count(void *ctx, const jk_period_count *c)
{
    jk_summary_period *p = ctx;
    jk_summary_count *r = row_for(p, c->category ? c->category : "unknown");
    r->found += c->found;
    r->confirmed += c->confirmed;
    r->reported += c->reported;
    r->removed += c->removed;
    p->total.found += c->found;
    p->total.confirmed += c->confirmed;
    p->total.reported += c->reported;
    p->total.removed += c->removed;
    return 0;
}

static int collect_period(jk_store *st, int64_t first_day, int64_t last_day, int offset_minutes,
                          jk_summary_period *p, jk_error *err)
{
    memset(p, 0, sizeof *p);
    format_day(first_day, p->first);
    format_day(last_day, p->last);
    jk_utc_format(first_day * 86400 - (int64_t)offset_minutes * 60, p->from);
    jk_utc_format((last_day + 1) * 86400 - (int64_t)offset_minutes * 60, p->to);
    for (int c = 0; c < JK_CATEGORY_COUNT; c++)
        row_for(p, jk_category_id((jk_category)c));
    snprintf(p->total.category, sizeof p->total.category, "total");
    return jk_store_period_counts(st, p->from, p->to, add_count, p, err);
}

int jk_summary_collect(jk_store *st, const char *date, int offset_minutes, jk_summary *out,
                       jk_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t day;
    if (!jk_summary_parse_date(date, &day))
        return jk_error_set(err, JK_EINVAL, "\"%s\" is not a date (YYYY-MM-DD)", date ? date : "");
    if (offset_minutes < -14 * 60 || offset_minutes > 14 * 60)
        return jk_error_set(err, JK_EINVAL, "an offset from UTC is at most 14 hours");
    snprintf(out->date, sizeof out->date, "%s", date);
    out->utc_offset_minutes = offset_minutes;
    int64_t y;
    int m, d;
    jk_civil_from_days(day, &y, &m, &d);
    int rc = collect_period(st, day, day, offset_minutes, &out->day, err);
    if (!rc)
        rc = collect_period(st, jk_days_from_civil(y, m, 1), day, offset_minutes, &out->month, err);
    if (rc)
        jk_summary_release(out);
    return rc;
}

void jk_summary_release(jk_summary *s)
{
    if (!s)
        return;
    free(s->day.rows);
    free(s->month.rows);
    memset(s, 0, sizeof *s);
}

/* ---- text and CSV ---- */

static const char *label_of(const char *category)
{
    jk_category c;
    if (jk_category_from_id(category, strlen(category), &c) == JK_OK)
        return jk_category_label(c);
    return "";
}

static void offset_text(int minutes, char out[8])
{
    int a = minutes < 0 ? -minutes : minutes;
    snprintf(out, 8, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60 % 100, a % 60);
}

static void text_row(jk_buf *out, const jk_summary_count *r, const char *name, const char *label)
{
    jk_buf_printf(out, "%6ld %6ld %6ld %6ld  %s%s%s\n", r->found, r->confirmed, r->reported,
                  r->removed, name, label && *label ? " " : "", label ? label : "");
}

static void text_period(jk_buf *out, const jk_summary_period *p, const char *title)
{
    jk_buf_printf(out, "■ %s\n", title);
    jk_buf_puts(out, "  発見   確認   通報   削除  分類\n");
    bool any = false;
    for (size_t i = 0; i < p->count; i++) {
        const jk_summary_count *r = &p->rows[i];
        if (!(r->found || r->confirmed || r->reported || r->removed))
            continue;
        text_row(out, r, r->category, label_of(r->category));
        any = true;
    }
    if (!any)
        jk_buf_puts(out, "     0      0      0      0  (なし)\n");
    else
        text_row(out, &p->total, "計", NULL);
    jk_buf_putc(out, '\n');
}

int jk_summary_text(const jk_summary *s, jk_buf *out)
{
    char off[8], title[96];
    offset_text(s->utc_offset_minutes, off);
    jk_buf_printf(out, "junkai 巡回日報 %s（UTC%s の暦日）\n\n", s->date, off);
    snprintf(title, sizeof title, "%s", s->date);
    text_period(out, &s->day, title);
    snprintf(title, sizeof title, "今月（%s〜%s）", s->month.first, s->month.last);
    text_period(out, &s->month, title);
    jk_buf_puts(out,
                "発見: その日に取り込んだ投稿のうちルールに該当したもの（複数の分類に該当する投稿は"
                "それぞれの分類に数えます）\n"
                "確認: 担当者が確認（confirm）した投稿\n"
                "通報: 通報が送信済みになった投稿\n"
                "削除: 削除されたことが確認された投稿\n");
    return out->data ? JK_OK : JK_ENOMEM;
}

static int csv_period(jk_buf *out, const jk_summary_period *p, const char *name)
{
    char n[4][24];
    int rc = JK_OK;
    for (size_t i = 0; !rc && i <= p->count; i++) {
        const jk_summary_count *r = i < p->count ? &p->rows[i] : &p->total;
        snprintf(n[0], sizeof n[0], "%ld", r->found);
        snprintf(n[1], sizeof n[1], "%ld", r->confirmed);
        snprintf(n[2], sizeof n[2], "%ld", r->reported);
        snprintf(n[3], sizeof n[3], "%ld", r->removed);
        const char *cells[] = {
            name, p->first, p->last, r->category, i < p->count ? label_of(r->category) : "計",
            n[0], n[1],     n[2],    n[3]};
        rc = jk_csv_row(out, cells, 9);
    }
    return rc;
}

int jk_summary_csv(const jk_summary *s, jk_buf *out)
{
    static const char *const header[] = {"period", "first",     "last",     "category", "label",
                                         "found",  "confirmed", "reported", "removed"};
    int rc = jk_csv_bom(out);
    if (!rc)
        rc = jk_csv_row(out, header, 9);
    if (!rc)
        rc = csv_period(out, &s->day, "day");
    if (!rc)
        rc = csv_period(out, &s->month, "month");
    return rc;
}

/* ---- files ---- */

static int write_atomic(const char *dir, const char *name, const jk_buf *data, jk_error *err)
{
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return jk_error_set(err, JK_EIO, "%s: cannot create a file: %s", dir, strerror(errno));
    const char *p = data->data ? data->data : "";
    size_t left = data->len;
    int rc = JK_OK;
    while (left && !rc) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = jk_error_set(err, JK_EIO, "%s: %s", tmp, strerror(errno));
        else {
            p += n;
            left -= (size_t)n;
        }
    }
    if (!rc && (fchmod(fd, 0640) != 0 || fsync(fd) != 0))
        rc = jk_error_set(err, JK_EIO, "%s: %s", tmp, strerror(errno));
    close(fd);
    if (!rc && rename(tmp, path) != 0)
        rc = jk_error_set(err, JK_EIO, "%s: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

int jk_summary_write(const char *data_dir, const jk_summary *s, char **txt_path, jk_error *err)
{
    if (txt_path)
        *txt_path = NULL;
    char dir[4096], name[32];
    snprintf(dir, sizeof dir, "%s/summaries", data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return jk_error_set(err, JK_EIO, "%s: cannot create: %s", dir, strerror(errno));
    jk_buf csv, text;
    jk_buf_init(&csv, 0);
    jk_buf_init(&text, 0);
    int rc = jk_summary_csv(s, &csv);
    if (!rc)
        rc = jk_summary_text(s, &text);
    if (rc) {
        rc = jk_error_set(err, rc, "summary %s: out of memory", s->date);
    } else {
        snprintf(name, sizeof name, "%s.csv", s->date);
        rc = write_atomic(dir, name, &csv, err);
        snprintf(name, sizeof name, "%s.txt", s->date);
        if (!rc)
            rc = write_atomic(dir, name, &text, err);
    }
    if (!rc) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
        if (txt_path) {
            jk_buf p;
            jk_buf_init(&p, 0);
            jk_buf_printf(&p, "%s/%s", dir, name);
            *txt_path = p.data;
        }
    }
    jk_buf_release(&csv);
    jk_buf_release(&text);
    return rc;
}
