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
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
