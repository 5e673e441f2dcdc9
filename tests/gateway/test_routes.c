/*  Unit tests: the gateway's route table and matching (exact paths, path
    parameters, 404 against 405 with its Allow list).  */
#include "routes.h"
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

typedef struct {
    gw_match_t match;
    const gw_route_t *route;
    gw_param_t params[GW_MAX_PATH_PARAMS];
    int count;
    char allow[64];
} s_result_t;

static s_result_t
s_match (const char *verb, const char *path)
{
    s_result_t r;
    memset (&r, 0, sizeof r);
    r.match = gw_route_match (verb, path, &r.route, r.params, &r.count, r.allow, sizeof r.allow);
    return r;
}

static void
test_match_exact_path (void **state)
{
    (void) state;
    s_result_t r = s_match ("GET", "/api/v1/me");
    assert_int_equal (r.match, GW_MATCH_FOUND);
    assert_string_equal (r.route->method, "identity.GetMe");
    assert_int_equal (r.count, 0);
}

static void
test_match_chooses_route_by_verb (void **state)
{
    (void) state;
    s_result_t r = s_match ("POST", "/api/v1/users");
    assert_int_equal (r.match, GW_MATCH_FOUND);
    assert_string_equal (r.route->method, "identity.CreateUser");
    assert_int_equal (r.route->status, 201);
}

static void
test_match_captures_path_parameter (void **state)
{
    (void) state;
    s_result_t r = s_match ("PATCH", "/api/v1/users/0190c0de-0000-7000-8000-000000000001");
    assert_int_equal (r.match, GW_MATCH_FOUND);
    assert_string_equal (r.route->method, "identity.UpdateUser");
    assert_int_equal (r.count, 1);
    assert_int_equal (r.params[0].name_len, 2);
    assert_memory_equal (r.params[0].name, "id", 2);
    assert_int_equal (r.params[0].value_len, 36);
    assert_memory_equal (r.params[0].value, "0190c0de-0000-7000-8000-000000000001", 36);
}

static void
test_match_parameter_before_literal_tail (void **state)
{
    (void) state;
    s_result_t r = s_match ("POST", "/api/v1/users/abc/reset-password");
    assert_int_equal (r.match, GW_MATCH_FOUND);
    assert_string_equal (r.route->method, "identity.ResetPassword");
    assert_int_equal (r.count, 1);
    assert_int_equal (r.params[0].value_len, 3);
    assert_memory_equal (r.params[0].value, "abc", 3);
}

static void
test_match_unknown_path_is_404 (void **state)
{
    (void) state;
    s_result_t r = s_match ("GET", "/api/v1/nothing-here");
    assert_int_equal (r.match, GW_MATCH_NO_PATH);
    assert_null (r.route);
    assert_string_equal (r.allow, "");
}

static void
test_match_wrong_verb_is_405_with_allow (void **state)
{
    (void) state;
    s_result_t r = s_match ("PUT", "/api/v1/users/42");
    assert_int_equal (r.match, GW_MATCH_BAD_VERB);
    assert_null (r.route);
    assert_string_equal (r.allow, "GET, PATCH, DELETE");
}

static void
test_match_empty_parameter_is_404 (void **state)
{
    (void) state;
    s_result_t r = s_match ("GET", "/api/v1/users//reset-password");
    assert_int_equal (r.match, GW_MATCH_NO_PATH);
}

static void
test_match_trailing_slash_is_404 (void **state)
{
    (void) state;
    assert_int_equal (s_match ("GET", "/api/v1/users/").match, GW_MATCH_NO_PATH);
    assert_int_equal (s_match ("GET", "/api/v1/me/").match, GW_MATCH_NO_PATH);
}

static void
test_match_prefix_alone_is_404 (void **state)
{
    (void) state;
    assert_int_equal (s_match ("GET", "/api/v1/u").match, GW_MATCH_NO_PATH);
    assert_int_equal (s_match ("GET", "/api/v1/users/1/extra").match, GW_MATCH_NO_PATH);
}

static void
test_match_is_case_sensitive (void **state)
{
    (void) state;
    assert_int_equal (s_match ("GET", "/API/V1/ME").match, GW_MATCH_NO_PATH);
    assert_int_equal (s_match ("get", "/api/v1/me").match, GW_MATCH_BAD_VERB);
}

static void
test_table_rows_are_complete (void **state)
{
    (void) state;
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        //  One RPC with both messages, or a handler, or a sink (with no
        //  handler: the sink writes the reply); only writes have sinks.
        if (route->sink) {
            assert_null (route->handler);
            assert_null (route->method);
            assert_true (gw_verb_is_write (route->verb));
            assert_non_null (route->sink->open);
            assert_non_null (route->sink->feed);
            assert_non_null (route->sink->finish);
            assert_non_null (route->sink->close);
            assert_non_null (route->sink->limit);
        } else if (route->handler)
            assert_null (route->method);
        else {
            assert_non_null (route->method);
            assert_non_null (strchr (route->method, '.'));
            assert_non_null (route->request);
            assert_non_null (route->reply);
        }
        assert_true (route->status == 200 || route->status == 201 || route->status == 204);
        assert_int_equal (route->pattern[0], '/');
    }
}

static void
test_table_has_no_duplicate_rows (void **state)
{
    (void) state;
    for (const gw_route_t *a = gw_routes; a->verb; a++)
        for (const gw_route_t *b = a + 1; b->verb; b++)
            assert_false (strcmp (a->verb, b->verb) == 0 && strcmp (a->pattern, b->pattern) == 0);
}

static void
test_table_rows_are_reachable (void **state)
{
    (void) state;
    //  A row shadowed by an earlier one would never be matched.
    for (const gw_route_t *route = gw_routes; route->verb; route++) {
        char path[128];
        size_t n = 0;
        for (const char *p = route->pattern; *p && n < sizeof path - 2; p++) {
            if (*p == '{') {
                path[n++] = 'x';
                p = strchr (p, '}');
            } else
                path[n++] = *p;
        }
        path[n] = '\0';
        s_result_t r = s_match (route->verb, path);
        assert_int_equal (r.match, GW_MATCH_FOUND);
        assert_ptr_equal (r.route, route);
    }
}

static void
test_verb_is_write_for_changes_only (void **state)
{
    (void) state;
    assert_true (gw_verb_is_write ("POST"));
    assert_true (gw_verb_is_write ("PATCH"));
    assert_true (gw_verb_is_write ("PUT"));
    assert_true (gw_verb_is_write ("DELETE"));
    assert_false (gw_verb_is_write ("GET"));
    assert_false (gw_verb_is_write ("HEAD"));
    assert_false (gw_verb_is_write ("OPTIONS"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_match_exact_path),
        cmocka_unit_test (test_match_chooses_route_by_verb),
        cmocka_unit_test (test_match_captures_path_parameter),
        cmocka_unit_test (test_match_parameter_before_literal_tail),
        cmocka_unit_test (test_match_unknown_path_is_404),
        cmocka_unit_test (test_match_wrong_verb_is_405_with_allow),
        cmocka_unit_test (test_match_empty_parameter_is_404),
        cmocka_unit_test (test_match_trailing_slash_is_404),
        cmocka_unit_test (test_match_prefix_alone_is_404),
        cmocka_unit_test (test_match_is_case_sensitive),
        cmocka_unit_test (test_table_rows_are_complete),
        cmocka_unit_test (test_table_has_no_duplicate_rows),
        cmocka_unit_test (test_table_rows_are_reachable),
        cmocka_unit_test (test_verb_is_write_for_changes_only),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
