/*
 * test_router.c — route matching: exact paths, {param} segments, 404 vs
 * 405, HEAD answering GET routes, trailing slashes and empty segments, the
 * Allow list, role names; and the server's own table: every route has a
 * handler, writes need CSRF except login, and no two rows collide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "router.h"
#include "server.h"

static void h(struct jk_request *req)
{
    (void)req;
}

static const jk_route table[] = {
    {"POST", "/api/session", JK_ROLE_NONE, false, h, ""},
    {"GET", "/api/session", JK_ROLE_PATROLLER, false, h, ""},
    {"DELETE", "/api/session", JK_ROLE_PATROLLER, true, h, ""},
    {"GET", "/api/items/{id}", JK_ROLE_PATROLLER, false, h, ""},
    {"POST", "/api/items/{id}/decision", JK_ROLE_PATROLLER, true, h, ""},
    {"GET", "/api/a/{x}/b/{y}", JK_ROLE_ADMIN, false, h, ""},
};
#define N (sizeof table / sizeof table[0])

static void test_exact_and_method(void **state)
{
    (void)state;
    jk_route_match m;
    assert_int_equal(jk_route_find(table, N, "GET", "/api/session", &m), JK_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(m.param_count, 0);
    assert_int_equal(jk_route_find(table, N, "DELETE", "/api/session", &m), JK_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[2]);
    assert_int_equal(jk_route_find(table, N, "PUT", "/api/session", &m), JK_ROUTE_NO_METHOD);
    assert_null(m.route);
    assert_int_equal(jk_route_find(table, N, "HEAD", "/api/session", &m), JK_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/sessions", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/sessio", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/session/", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api//session", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "get", "/api/session", &m), JK_ROUTE_NO_METHOD);
}

static void test_params(void **state)
{
    (void)state;
    jk_route_match m;
    assert_int_equal(jk_route_find(table, N, "GET", "/api/items/42", &m), JK_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[3]);
    assert_int_equal(m.param_count, 1);
    assert_int_equal(m.params[0].len, 2);
    assert_memory_equal(m.params[0].ptr, "42", 2);
    assert_int_equal(jk_route_find(table, N, "POST", "/api/items/7/decision", &m),
                     JK_ROUTE_FOUND);
    assert_ptr_equal(m.route, &table[4]);
    assert_int_equal(m.params[0].len, 1);
    assert_memory_equal(m.params[0].ptr, "7", 1);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/items/7/decision", &m),
                     JK_ROUTE_NO_METHOD);
    /* a parameter is one non-empty segment */
    assert_int_equal(jk_route_find(table, N, "GET", "/api/items/", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/items", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/items/1/2", &m), JK_ROUTE_NO_PATH);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/a/one/b/two", &m), JK_ROUTE_FOUND);
    assert_int_equal(m.param_count, 2);
    assert_memory_equal(m.params[0].ptr, "one", 3);
    assert_int_equal(m.params[1].len, 3);
    assert_memory_equal(m.params[1].ptr, "two", 3);
    assert_int_equal(jk_route_find(table, N, "GET", "/api/a/one/c/two", &m), JK_ROUTE_NO_PATH);
}

static void test_allow(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(jk_route_allow(table, N, "/api/session", buf, sizeof buf), 3);
    assert_string_equal(buf, "POST, GET, HEAD, DELETE");
    assert_int_equal(jk_route_allow(table, N, "/api/items/9/decision", buf, sizeof buf), 1);
    assert_string_equal(buf, "POST");
    assert_int_equal(jk_route_allow(table, N, "/nowhere", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    char tiny[6];
    jk_route_allow(table, N, "/api/session", tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
}

static void test_roles(void **state)
{
    (void)state;
    jk_role r;
    assert_true(jk_role_parse("patroller", &r));
    assert_int_equal(r, JK_ROLE_PATROLLER);
    assert_true(jk_role_parse("admin", &r));
    assert_int_equal(r, JK_ROLE_ADMIN);
    assert_false(jk_role_parse("none", &r));
    assert_false(jk_role_parse("Admin", &r));
    assert_false(jk_role_parse(NULL, &r));
    assert_true(JK_ROLE_PATROLLER < JK_ROLE_SUPERVISOR && JK_ROLE_SUPERVISOR < JK_ROLE_ADMIN);
    assert_string_equal(jk_role_name(JK_ROLE_SUPERVISOR), "supervisor");
}

static void test_server_table(void **state)
{
    (void)state;
    size_t count;
    const jk_route *routes = jk_server_routes(&count);
    assert_true(count >= 10);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(routes[i].handler);
        assert_true(strncmp(routes[i].pattern, "/api/", 5) == 0);
        bool write = strcmp(routes[i].method, "GET") != 0;
        bool login = strcmp(routes[i].method, "POST") == 0 &&
                     strcmp(routes[i].pattern, "/api/session") == 0;
        /* every write but logging in carries the CSRF token; only login is open */
        assert_int_equal(routes[i].csrf, write && !login);
        assert_int_equal(routes[i].min_role == JK_ROLE_NONE, login);
        for (size_t j = 0; j < i; j++)
            assert_false(strcmp(routes[i].method, routes[j].method) == 0 &&
                         strcmp(routes[i].pattern, routes[j].pattern) == 0);
        jk_route_match m;
        if (!strchr(routes[i].pattern, '{')) {
            assert_int_equal(jk_route_find(routes, count, routes[i].method, routes[i].pattern, &m),
                             JK_ROUTE_FOUND);
            assert_ptr_equal(m.route, &routes[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_and_method), cmocka_unit_test(test_params),
        cmocka_unit_test(test_allow),            cmocka_unit_test(test_roles),
        cmocka_unit_test(test_server_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
