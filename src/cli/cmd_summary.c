/*
 * cmd_summary.c — `junkai summary`: the daily patrol summary of one day
 * (found, confirmed, reported, removed per category, and the month to
 * date) written to DATA/summaries/DATE.txt and DATE.csv, and e-mailed on
 * request. The patrol daemon makes yesterday's through automation.c.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_cli.h"
#include "automation.h"
#include "cli.h"
#include "smtp.h"
#include "summary.h"

#define SUMMARY_FILE_MAX (4u << 20)

static const char summary_usage[] =
    "usage: junkai summary [--date YYYY-MM-DD] [--email] [--data DIR]\n"
    "\n"
    "Count one day (yesterday unless --date says): per category, the items\n"
    "found (fetched with a hit), confirmed, reported (their report sent) and\n"
    "found removed, for the day and for its month up to it. Writes\n"
    "DATA/summaries/DATE.txt and DATE.csv and prints the text. Days are\n"
    "calendar days at summary.utc_offset of junkai.yaml (+09:00 unless set).\n"
    "--email also sends both files to summary.email_to through smtp:.\n"
    "The patrol daemon (junkai patrol without --once) writes yesterday's\n"
    "summary by itself once a day, and e-mails it when summary.email_to is set.\n";

static void say(jk_cli_log_fn log, void *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(jk_cli_log_fn log, void *ctx, const char *fmt, ...)
{
    if (!log)
        return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log(ctx, line);
}

static int read_small(const char *path, jk_buf *out, jk_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return jk_error_set(err, JK_EIO, "%s: cannot open", path);
    char chunk[8192];
    size_t n;
    int rc = JK_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (out->len + n > SUMMARY_FILE_MAX)
            rc = jk_error_set(err, JK_ELIMIT, "%s: larger than %u bytes", path, SUMMARY_FILE_MAX);
        else if (jk_buf_append(out, chunk, n))
            rc = jk_error_set(err, JK_ENOMEM, "%s: out of memory", path);
    }
    fclose(fp);
    return rc;
}

typedef struct emailed_scan {
    bool found;
} emailed_scan;

static int look_for_email(void *ctx, const jk_audit_entry *e)
{
    emailed_scan *s = ctx;
    if (e->action && strcmp(e->action, "summary.email") == 0)
        s->found = true;
    return 0;
}

bool jk_cli_summary_emailed(jk_store *store, const char *date)
{
    char target[32];
    snprintf(target, sizeof target, "summary:%s", date);
    emailed_scan s = {false};
    jk_error err;
    if (jk_store_audit_target(store, target, look_for_email, &s, &err))
        return false;
    return s.found;
}

static int email_summary(jk_store *store, const char *data_dir, const jk_config *cfg,
                         const char *date, jk_cli_log_fn log, void *log_ctx, jk_error *err)
{
    if (!cfg->summary_email_count)
        return jk_error_set(
            err, JK_EINVAL,
            "%s/junkai.yaml: summary.email_to names nobody to e-mail the summary to", data_dir);
    if (!cfg->smtp.url)
        return jk_error_set(err, JK_EINVAL, "%s/junkai.yaml: e-mail needs the smtp: block",
                            data_dir);
    const char *password = NULL;
    if (cfg->smtp.username && *cfg->smtp.username) {
        password = cfg->smtp.password_env ? getenv(cfg->smtp.password_env) : NULL;
        if (!password || !*password)
            return jk_error_set(err, JK_EINVAL,
                                "smtp: the environment variable %s holding the password is not set",
                                cfg->smtp.password_env ? cfg->smtp.password_env : "?");
    }
    char txt_path[4200], csv_path[4200], csv_name[32];
    snprintf(txt_path, sizeof txt_path, "%s/summaries/%s.txt", data_dir, date);
    snprintf(csv_path, sizeof csv_path, "%s/summaries/%s.csv", data_dir, date);
    snprintf(csv_name, sizeof csv_name, "%s.csv", date);
    jk_buf text, csv, message, subject;
    jk_buf_init(&text, 0);
    jk_buf_init(&csv, 0);
    jk_buf_init(&message, 0);
    jk_buf_init(&subject, 0);
    int rc = read_small(txt_path, &text, err);
    if (!rc)
        rc = read_small(csv_path, &csv, err);
    /* the same day and text give the same Message-ID: a receiver can drop
     * the repeat sent after a crash between sending and the audit entry */
    unsigned char d[crypto_hash_sha256_BYTES];
    char hex[65], message_id[256];
    crypto_hash_sha256(d, (const unsigned char *)(text.data ? text.data : ""), text.len);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    const char *domain = strchr(cfg->smtp.from ? cfg->smtp.from : "", '@');
    snprintf(message_id, sizeof message_id, "junkai-summary-%s-%.16s@%s", date, hex,
             domain ? domain + 1 : "junkai.invalid");
    jk_buf_printf(&subject, "junkai 巡回日報 %s", date);
    jk_mail m = {0};
    m.from = cfg->smtp.from;
    m.from_name = cfg->smtp.from_name && *cfg->smtp.from_name ? cfg->smtp.from_name
                  : cfg->org.name && *cfg->org.name           ? cfg->org.name
                                                              : NULL;
    m.to = (const char *const *)cfg->summary_email_to;
    m.to_count = cfg->summary_email_count;
    m.subject = subject.data;
    m.body = text.data ? text.data : "";
    m.body_len = text.len;
    m.message_id = message_id;
    m.date_unix = (int64_t)time(NULL);
    m.attachment_name = csv_name;
    m.attachment_type = "text/csv; charset=UTF-8";
    m.attachment = csv.data ? csv.data : "";
    m.attachment_len = csv.len;
    if (!rc)
        rc = jk_mail_build(&m, &message, err);
    jk_smtp_result res;
    if (!rc)
        rc = jk_smtp_send(&cfg->smtp, password, (const char *const *)cfg->summary_email_to,
                          cfg->summary_email_count, message.data, message.len, NULL, &res, err);
    if (!rc) {
        json_t *to = json_array();
        for (size_t i = 0; i < cfg->summary_email_count; i++)
            json_array_append_new(to, json_string(cfg->summary_email_to[i]));
        char target[32];
        snprintf(target, sizeof target, "summary:%s", date);
        rc = jk_cli_audit_record(store, data_dir, "summary.email", target, err, "{s:o, s:s, s:s}",
                                 "to", to, "message_id", message_id, "reply", res.reply);
        if (!rc)
            say(log, log_ctx, "summary %s e-mailed to %zu recipient%s (%s)", date,
                cfg->summary_email_count, cfg->summary_email_count == 1 ? "" : "s", res.reply);
    }
    jk_buf_release(&text);
    jk_buf_release(&csv);
    jk_buf_release(&message);
    jk_buf_release(&subject);
    return rc;
}

int jk_cli_summary_make(jk_store *store, const char *data_dir, const jk_config *cfg,
                        const char *date, bool write, bool email, bool only_once, jk_cli_log_fn log,
                        void *log_ctx, jk_error *err)
{
    int rc = JK_OK;
    if (write) {
        jk_summary s;
        char *path = NULL;
        rc = jk_summary_collect(store, date, cfg->summary_utc_offset_minutes, &s, err);
        if (!rc)
            rc = jk_summary_write(data_dir, &s, &path, err);
        if (!rc) {
            char target[32];
            snprintf(target, sizeof target, "summary:%s", date);
            rc = jk_cli_audit_record(store, data_dir, "summary.write", target, err,
                                     "{s:I, s:I, s:I, s:I}", "found", (json_int_t)s.day.total.found,
                                     "confirmed", (json_int_t)s.day.total.confirmed, "reported",
                                     (json_int_t)s.day.total.reported, "removed",
                                     (json_int_t)s.day.total.removed);
        }
        if (!rc)
            say(log, log_ctx, "summary %s written: %s and .csv", date, path);
        free(path);
        jk_summary_release(&s);
    }
    if (!rc && email && !(only_once && jk_cli_summary_emailed(store, date)))
        rc = email_summary(store, data_dir, cfg, date, log, log_ctx, err);
    return rc;
}

static void to_stderr(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "junkai: %s\n", line);
}

int cmd_summary(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"date", required_argument, NULL, 't'},
        {"email", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *date_arg = NULL;
    bool email = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 't':
            date_arg = optarg;
            break;
        case 'e':
            email = true;
            break;
        case 'h':
            fputs(summary_usage, stdout);
            return JK_EXIT_OK;
        default:
            fputs(summary_usage, stderr);
            return JK_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        jk_cli_error("summary takes no arguments ('%s'?); the day is --date YYYY-MM-DD",
                     argv[optind]);
        return JK_EXIT_ERROR;
    }
    int64_t days;
    if (date_arg && !jk_summary_parse_date(date_arg, &days)) {
        jk_cli_error("--date needs a date as YYYY-MM-DD, not \"%s\"", date_arg);
        return JK_EXIT_ERROR;
    }
    const char *dir = jk_data_dir(data);
    jk_config cfg;
    jk_error err;
    if (jk_config_load(dir, &cfg, &err)) {
        jk_cli_error("%s", err.message);
        return JK_EXIT_ERROR;
    }
    char date[11];
    if (date_arg) {
        snprintf(date, sizeof date, "%s", date_arg);
    } else {
        char today[11];
        jk_summary_local_date((int64_t)time(NULL), cfg.summary_utc_offset_minutes, today);
        jk_summary_date_add(today, -1, date);
    }
    int status = JK_EXIT_ERROR;
    jk_store *store = NULL;
    if (email && !cfg.summary_email_count) {
        jk_cli_error("%s/junkai.yaml: --email needs summary.email_to (and smtp:)", dir);
        goto done;
    }
    if (jk_open_data_store(dir, &store))
        goto done;
    if (jk_cli_summary_make(store, dir, &cfg, date, true, false, false, to_stderr, NULL, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/summaries/%s.txt", dir, date);
    jk_buf text;
    jk_buf_init(&text, 0);
    if (!read_small(path, &text, &err))
        fwrite(text.data ? text.data : "", 1, text.len, stdout);
    jk_buf_release(&text);
    if (email &&
        jk_cli_summary_make(store, dir, &cfg, date, false, true, false, to_stderr, NULL, &err)) {
        jk_cli_error("%s", err.message);
        goto done;
    }
    status = JK_EXIT_OK;
done:
    jk_store_close(store);
    jk_config_release(&cfg);
    return status;
}
