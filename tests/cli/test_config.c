/*
 * test_config.c — junkai.yaml: values read, defaults kept, every mistake
 * reported with file:line:column.
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

#include "config.h"

static char dir[] = "/tmp/jk-config-XXXXXX";

static void write_config(const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/junkai.yaml", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_missing_file_means_defaults(void **state)
{
    (void)state;
    jk_config cfg;
    jk_error err;
    char empty[] = "/tmp/jk-config-empty-XXXXXX";
    assert_non_null(mkdtemp(empty));
    assert_int_equal(jk_config_load(empty, &cfg, &err), JK_OK);
    assert_string_equal(cfg.contact, "");
    assert_int_equal(cfg.rule_count, 0);
    assert_null(cfg.x_bearer_token);
    assert_int_equal(cfg.min_interval_ms, -1);
    assert_int_equal(cfg.max_retries, -1);
    assert_int_equal(cfg.removal.first_hours, 24);
    assert_int_equal(cfg.removal.max_hours, 168);
    assert_int_equal(cfg.removal.stop_days, 90);
    jk_config_release(&cfg);
    rmdir(empty);
}

static void test_values_are_read(void **state)
{
    (void)state;
    write_config("# a comment\n"
                 "contact: patrol@example.jp\n"
                 "rules: [rules/drugs.yaml, /opt/packs]\n"
                 "http:\n"
                 "  max_body_bytes: 65536\n"
                 "  timeout_seconds: 7\n"
                 "  min_interval_ms: 250\n"
                 "  max_redirects: 2\n"
                 "  max_retries: 0\n"
                 "x_bearer_token: AAAA\n");
    jk_config cfg;
    jk_error err;
    assert_int_equal(jk_config_load(dir, &cfg, &err), JK_OK);
    assert_string_equal(cfg.contact, "patrol@example.jp");
    assert_int_equal(cfg.rule_count, 2);
    assert_string_equal(cfg.rules[1], "/opt/packs");
    assert_int_equal(cfg.max_body_bytes, 65536);
    assert_int_equal(cfg.timeout_ms, 7000);
    assert_int_equal(cfg.min_interval_ms, 250);
    assert_int_equal(cfg.max_redirects, 2);
    assert_int_equal(cfg.max_retries, 0);
    assert_string_equal(cfg.x_bearer_token, "AAAA");
    jk_config_release(&cfg);
}

static void test_removal_section(void **state)
{
    (void)state;
    write_config("removal:\n"
                 "  first_hours: 6\n"
                 "  stop_days: 30\n");
    jk_config cfg;
    jk_error err;
    assert_int_equal(jk_config_load(dir, &cfg, &err), JK_OK);
    assert_int_equal(cfg.removal.first_hours, 6);
    assert_int_equal(cfg.removal.max_hours, 168); /* not given: the default */
    assert_int_equal(cfg.removal.stop_days, 30);
    jk_config_release(&cfg);
}

static void expect_error(const char *text, const char *place, const char *words)
{
    write_config(text);
    jk_config cfg;
    jk_error err;
    assert_int_equal(jk_config_load(dir, &cfg, &err), JK_EPARSE);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, place));
    assert_non_null(strstr(err.message, words));
    jk_config_release(&cfg);
}

static void test_mistakes_name_the_place(void **state)
{
    (void)state;
    expect_error("contact: a\ncontcat: b\n", "junkai.yaml:2:1", "unknown key");
    expect_error("http:\n  timeout_seconds: soon\n", "junkai.yaml:2:20", "whole number");
    expect_error("http:\n  max_redirects: 99\n", "junkai.yaml:2:18", "from 0 to 20");
    expect_error("http:\n  retries: 1\n", "junkai.yaml:2:3", "http.retries: unknown key");
    expect_error("rules: drugs.yaml\n", "junkai.yaml:1:8", "list");
    expect_error("contact: [a, b]\n", "junkai.yaml:1:10", "string");
    expect_error("contact: \"open\n", "junkai.yaml:", "");
    expect_error("- just\n- a list\n", "junkai.yaml:1:1", "mapping");
    expect_error("removal:\n  first_hour: 6\n", "junkai.yaml:2:3",
                 "removal.first_hour: unknown key");
    expect_error("removal:\n  stop_days: 0\n", "junkai.yaml:2:14", "from 1 to 3650");
    expect_error("removal: daily\n", "junkai.yaml:1:10", "first_hours");
}

static void test_destinations_smtp_submission_summary(void **state)
{
    (void)state;
    write_config("organization:\n"
                 "  name: 巡回\n"
                 "destinations:\n"
                 "  - name: ihc-form\n"
                 "    type: http_form\n"
                 "    kinds: [ihc, deletion]\n"
                 "    url: https://forms.example.jp/report\n"
                 "    fields:\n"
                 "      url: \"{{field.URL}}\"\n"
                 "      detail: \"{{report.body}}\"\n"
                 "  - name: api\n"
                 "    type: http_json\n"
                 "    url: http://10.0.0.5/api\n"
                 "    method: PUT\n"
                 "    allow_private: true\n"
                 "    retry_unanswered: true\n"
                 "    bearer_token_env: JK_API_TOKEN\n"
                 "  - name: police-mail\n"
                 "    type: smtp\n"
                 "    kinds: police\n"
                 "    to: [a@police.example.jp, b@police.example.jp]\n"
                 "    subject: \"【通報】{{report.title}}\"\n"
                 "smtp:\n"
                 "  url: smtps://mail.example.jp:465\n"
                 "  from: patrol@example.jp\n"
                 "  username: patrol\n"
                 "  password_env: JK_SMTP_PASSWORD\n"
                 "  timeout_seconds: 20\n"
                 "submission:\n"
                 "  max_attempts: 7\n"
                 "  backoff_seconds: 60\n"
                 "  batch_size: 10\n"
                 "summary:\n"
                 "  email_to: chief@example.jp\n"
                 "  utc_offset: \"-05:30\"\n");
    jk_config cfg;
    jk_error err;
    assert_int_equal(jk_config_load(dir, &cfg, &err), JK_OK);
    assert_int_equal(cfg.destination_count, 3);
    const jk_destination *d = jk_config_destination(&cfg, "ihc-form");
    assert_non_null(d);
    assert_int_equal(d->type, JK_DEST_HTTP_FORM);
    assert_true(jk_destination_takes(d, "ihc"));
    assert_true(jk_destination_takes(d, "deletion"));
    assert_false(jk_destination_takes(d, "police"));
    assert_int_equal(d->field_count, 2);
    assert_string_equal(d->fields[0].name, "url");
    assert_string_equal(d->fields[0].value, "{{field.URL}}");
    assert_null(d->method);
    assert_false(d->allow_private);
    d = jk_config_destination(&cfg, "api");
    assert_int_equal(d->type, JK_DEST_HTTP_JSON);
    assert_string_equal(d->method, "PUT");
    assert_true(d->allow_private);
    assert_true(d->retry_unanswered);
    assert_string_equal(d->bearer_token_env, "JK_API_TOKEN");
    assert_true(jk_destination_takes(d, "warning")); /* no kinds: every kind */
    d = jk_config_destination(&cfg, "police-mail");
    assert_int_equal(d->type, JK_DEST_SMTP);
    assert_int_equal(d->to_count, 2);
    assert_string_equal(d->to[1], "b@police.example.jp");
    assert_true(jk_destination_takes(d, "police"));
    assert_false(jk_destination_takes(d, "ihc"));
    assert_null(jk_config_destination(&cfg, "nowhere"));
    assert_string_equal(cfg.smtp.url, "smtps://mail.example.jp:465");
    assert_string_equal(cfg.smtp.password_env, "JK_SMTP_PASSWORD");
    assert_true(cfg.smtp.starttls);
    assert_int_equal(cfg.smtp.timeout_ms, 20000);
    assert_int_equal(cfg.submit_max_attempts, 7);
    assert_int_equal(cfg.submit_backoff_seconds, 60);
    assert_int_equal(cfg.submit_batch_size, 10);
    assert_int_equal(cfg.summary_email_count, 1);
    assert_string_equal(cfg.summary_email_to[0], "chief@example.jp");
    assert_int_equal(cfg.summary_utc_offset_minutes, -330);
    jk_config_release(&cfg);

    /* the defaults */
    write_config("contact: x\n");
    assert_int_equal(jk_config_load(dir, &cfg, &err), JK_OK);
    assert_int_equal(cfg.destination_count, 0);
    assert_null(cfg.smtp.url);
    assert_int_equal(cfg.submit_max_attempts, 5);
    assert_int_equal(cfg.submit_backoff_seconds, 300);
    assert_int_equal(cfg.summary_utc_offset_minutes, 540);
    jk_config_release(&cfg);
}

#define DEST "destinations:\n  - name: d\n"

static void test_destination_mistakes_name_the_place(void **state)
{
    (void)state;
    expect_error(DEST "    type: http_form\n    url: https://x.jp/\n    feilds: {a: b}\n",
                 "junkai.yaml:5:5", "destinations.d.feilds: unknown key");
    expect_error(DEST "    type: fax\n", "junkai.yaml:3:11", "http_form, http_json or smtp");
    expect_error(DEST "    url: https://x.jp/\n", "junkai.yaml:2:5", "expected a type");
    expect_error("destinations:\n  - type: http_json\n    url: https://x.jp/\n", "junkai.yaml:2:5",
                 "needs a name");
    expect_error(DEST "    type: http_json\n", "junkai.yaml:2:5", "needs url");
    expect_error(DEST "    type: http_json\n    url: ftp://x.jp/\n", "junkai.yaml:4:10",
                 "http:// or https://");
    expect_error(DEST "    type: http_form\n    url: https://x.jp/\n", "junkai.yaml:2:5",
                 "needs fields");
    expect_error(DEST "    type: http_form\n    url: https://x.jp/\n    fields:\n"
                      "      a: \"{{#x}} open\"\n",
                 "junkai.yaml:6:10",
                 "destinations.d.fields.a: template:1:1: {{#x}} is never closed");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n    method: GET\n",
                 "junkai.yaml:5:13", "POST or PUT");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n    kinds: [ihc, fax]\n",
                 "junkai.yaml:5:18", "report kinds");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n    allow_private: yes\n",
                 "junkai.yaml:5:20", "true or false");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n    to: a@b.jp\n",
                 "junkai.yaml:5:9", "only for smtp");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n"
                      "  - name: d\n    type: http_json\n    url: https://x.jp/\n",
                 "junkai.yaml:5:11", "comes earlier");
    expect_error(DEST "    type: smtp\n    to: [a@b.jp, \"not an address\"]\n"
                      "smtp: {url: \"smtp://m.jp\", from: p@b.jp}\n",
                 "junkai.yaml:4:18", "e-mail address");
    expect_error(DEST "    type: smtp\n    url: https://x.jp/\n", "junkai.yaml:4:10",
                 "destinations.d.url: only for http_form");
    expect_error(DEST "    type: smtp\n", "junkai.yaml:2:5", "needs to:");
    expect_error(DEST "    type: smtp\n    to: a@b.jp\n", "junkai.yaml:3:11",
                 "needs the smtp: block");
    expect_error(DEST "    type: smtp\n    to: a@b.jp\n    allow_private: true\n"
                      "smtp: {url: \"smtp://m.jp\", from: p@b.jp}\n",
                 "junkai.yaml:5:20", "smtp.allow_private");
    expect_error(DEST "    type: http_json\n    url: https://x.jp/\n    bearer_token_env: a-b\n",
                 "junkai.yaml:5:23", "environment variable");
}

static void test_smtp_and_summary_mistakes(void **state)
{
    (void)state;
    expect_error("smtp:\n  url: http://m.jp\n  from: p@b.jp\n", "junkai.yaml:2:8",
                 "smtp://host[:port]");
    expect_error("smtp:\n  url: smtp://user:pw@m.jp\n  from: p@b.jp\n", "junkai.yaml:2:8",
                 "no user or password in the URL");
    expect_error("smtp:\n  url: smtp://m.jp\n", "junkai.yaml:2:3", "needs from:");
    expect_error("smtp:\n  url: smtp://m.jp\n  from: p@b.jp\n  password: x\n", "junkai.yaml:4:3",
                 "smtp.password: unknown key");
    expect_error("smtp:\n  url: smtp://m.jp\n  from: p@b.jp\n  username: u\n", "junkai.yaml:2:3",
                 "needs password_env");
    expect_error("smtp:\n  url: smtp://m.jp\n  from: p@b.jp\n  username: u\n"
                 "  password_env: P\n  starttls: false\n",
                 "junkai.yaml:2:3", "in clear");
    expect_error("submission:\n  max_attempts: 0\n", "junkai.yaml:2:17", "from 1 to 100");
    expect_error("submission:\n  backoff: 3\n", "junkai.yaml:2:3", "unknown key");
    expect_error("summary:\n  email_to: [boss]\n", "junkai.yaml:2:14", "e-mail address");
    expect_error("summary:\n  email_to: boss@example.jp\n", "junkai.yaml:2:13",
                 "needs the smtp: block");
    expect_error("summary:\n  utc_offset: JST\n", "junkai.yaml:2:15", "+09:00");
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/junkai.yaml", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_file_means_defaults),
        cmocka_unit_test(test_values_are_read),
        cmocka_unit_test(test_removal_section),
        cmocka_unit_test(test_mistakes_name_the_place),
        cmocka_unit_test(test_destinations_smtp_submission_summary),
        cmocka_unit_test(test_destination_mistakes_name_the_place),
        cmocka_unit_test(test_smtp_and_summary_mistakes),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
