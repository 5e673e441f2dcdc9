/*  Unit tests: path and query parameters set on request messages.  */
#include "cabinet/v1/identity.pb-c.h"
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
    gw_env_t env;
    gw_request_t req;
    gw_param_t query[GW_MAX_QUERY_PARAMS];
    ProtobufCMessage *msg;
    cab_pbjson_error_t err;
} s_fixture_t;

static int
s_setup (void **state)
{
    static s_fixture_t fixture;
    memset (&fixture, 0, sizeof fixture);
    fixture.req.env = &fixture.env;
    fixture.req.arena = cab_arena_new ();
    fixture.req.query = fixture.query;
    *state = &fixture;
    return fixture.req.arena ? 0 : -1;
}

static int
s_teardown (void **state)
{
    s_fixture_t *f = *state;
    cab_arena_destroy (&f->req.arena);
    return 0;
}

static void
s_add_query (s_fixture_t *f, const char *name, const char *value)
{
    gw_param_t *q = &f->query[f->req.query_count++];
    q->name = name;
    q->name_len = strlen (name);
    q->value = value;
    q->value_len = strlen (value);
}

//  Route the request and give it an empty message of the route's type.
static const gw_route_t *
s_route (s_fixture_t *f, const char *verb, const char *path)
{
    const gw_route_t *route = NULL;
    f->req.verb = verb;
    f->req.path = path;
    assert_int_equal (
        gw_route_match (verb, path, &route, f->req.params, &f->req.param_count, NULL, 0),
        GW_MATCH_FOUND);
    f->msg = cab_arena_alloc (f->req.arena, route->request->sizeof_message);
    protobuf_c_message_init (route->request, f->msg);
    return route;
}

static void
test_bind_sets_query_parameters (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "GET", "/api/v1/users");
    s_add_query (f, "limit", "25");
    s_add_query (f, "q", "Nguyễn");
    s_add_query (f, "include_inactive", "true");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_OK);
    Cabinet__V1__ListUsersRequest *list = (Cabinet__V1__ListUsersRequest *) f->msg;
    assert_true (list->has_limit);
    assert_int_equal (list->limit, 25);
    assert_string_equal (list->q, "Nguyễn");
    assert_true (list->include_inactive);
    assert_null (list->cursor);
}

static void
test_bind_sets_path_parameter (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route =
        s_route (f, "GET", "/api/v1/units/0190c0de-0000-7000-8000-0000000000aa");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_OK);
    assert_string_equal (((Cabinet__V1__IdRequest *) f->msg)->id,
                         "0190c0de-0000-7000-8000-0000000000aa");
}

static void
test_bind_path_parameter_overrides_body (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "PATCH", "/api/v1/users/from-path");
    ((Cabinet__V1__UpdateUserRequest *) f->msg)->id = "from-body";
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_OK);
    assert_string_equal (((Cabinet__V1__UpdateUserRequest *) f->msg)->id, "from-path");
}

static void
test_bind_unknown_query_parameter_is_refused_with_field (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "GET", "/api/v1/directory");
    s_add_query (f, "q", "ubnd");
    s_add_query (f, "sort", "name");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_INVALID);
    assert_string_equal (f->err.field, "sort");
    assert_true (strlen (f->err.message) > 0);
}

static void
test_bind_bad_number_is_refused_with_field (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "GET", "/api/v1/audit/logins");
    s_add_query (f, "limit", "mười");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_INVALID);
    assert_string_equal (f->err.field, "limit");
}

static void
test_bind_query_on_body_route_is_refused (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "POST", "/api/v1/units");
    s_add_query (f, "name", "Sở Tư pháp");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_INVALID);
    assert_string_equal (f->err.field, "name");
    assert_null (((Cabinet__V1__CreateUnitRequest *) f->msg)->name);
}

static void
test_bind_query_naming_path_parameter_is_refused (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "DELETE", "/api/v1/users/a");
    s_add_query (f, "id", "b");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_INVALID);
    assert_string_equal (f->err.field, "id");
}

static void
test_bind_invalid_utf8_is_an_encoding_error (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "GET", "/api/v1/units");
    s_add_query (f, "q", "S\xc6");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_ENCODING);
    assert_string_equal (f->err.field, "q");
}

static void
test_bind_without_parameters_leaves_message_empty (void **state)
{
    s_fixture_t *f = *state;
    const gw_route_t *route = s_route (f, "GET", "/api/v1/units");
    assert_int_equal (gw_route_bind (route, &f->req, f->msg, &f->err), GW_BIND_OK);
    Cabinet__V1__ListUnitsRequest *list = (Cabinet__V1__ListUnitsRequest *) f->msg;
    assert_null (list->parent_id);
    assert_null (list->q);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_bind_sets_query_parameters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_sets_path_parameter, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_path_parameter_overrides_body, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_unknown_query_parameter_is_refused_with_field,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_bad_number_is_refused_with_field, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_query_on_body_route_is_refused, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_query_naming_path_parameter_is_refused, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_invalid_utf8_is_an_encoding_error, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bind_without_parameters_leaves_message_empty, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
