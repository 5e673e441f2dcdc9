/*  Unit tests: what the gateway refuses before a service is asked (unknown
    path, wrong verb, size, Content-Type, sign-in, CSRF) and how it reads
    bodies (encoding, JSON syntax, shape, fields). No service is running:
    a request that gets as far as an RPC is answered 503.  */
#include "api.h"
#include "auth.h"
#include "cab_time.h"
#include "routes.h"
#include <jansson.h>
#include <string.h>
#include <zmq.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define MAX_BODY 1024

typedef struct {
    gw_env_t env;
    gw_request_t req;
    gw_reply_t reply;
    void *zmq;
    cab_rpc_async_t *rpc;  //  the HTTP thread's RPC client
    bool ended;            //  its call has ended
} s_fixture_t;

static int
s_setup (void **state)
{
    static s_fixture_t fixture;
    memset (&fixture, 0, sizeof fixture);
    fixture.env.services = gw_services_new ();
    fixture.env.max_body = MAX_BODY;
    fixture.env.session_max_age = 3600;
    fixture.req.env = &fixture.env;
    fixture.req.arena = cab_arena_new ();
    fixture.req.content_length = -1;
    snprintf (fixture.req.ip, sizeof fixture.req.ip, "192.0.2.10");
    gw_reply_init (&fixture.reply);
    fixture.zmq = zmq_ctx_new ();
    fixture.rpc = fixture.zmq ? cab_rpc_async_new (fixture.zmq) : NULL;
    *state = &fixture;
    return fixture.req.arena && fixture.env.services && fixture.rpc ? 0 : -1;
}

static int
s_teardown (void **state)
{
    s_fixture_t *f = *state;
    gw_reply_reset (&f->reply);
    cab_arena_destroy (&f->req.arena);
    gw_services_destroy (&f->env.services);
    cab_rpc_async_destroy (&f->rpc);
    zmq_ctx_term (f->zmq);
    return 0;
}

static void
s_request (s_fixture_t *f, const char *verb, const char *path)
{
    f->req.verb = verb;
    f->req.path = path;
}

static void
s_body (s_fixture_t *f, const char *body, size_t size)
{
    f->req.body = body;
    f->req.body_size = size;
    f->req.content_length = (long long) size;
    f->req.has_body = size > 0;
    f->req.content_type = "application/json";
}

static void
s_ended (void *arg)
{
    s_fixture_t *f = arg;
    f->ended = true;
}

//  The prepared call, sent and polled for as an HTTP thread does.
static void
s_send (s_fixture_t *f)
{
    f->ended = false;
    if (!gw_api_send (&f->req, &f->reply, f->rpc, s_ended, f))
        return;
    while (!f->ended) {
        zmq_pollitem_t items[4];
        size_t n = cab_rpc_async_items (f->rpc, items, 4);
        zmq_poll (items, (int) n, cab_rpc_async_timeout (f->rpc));
        cab_rpc_async_dispatch (f->rpc);
    }
    assert_true (gw_reply_decided (&f->reply));
}

//  The complete request's steps, as the HTTP layer takes them (the call on
//  this thread).
static void
s_finish (s_fixture_t *f)
{
    if (!gw_api_prepare (&f->req, &f->reply))
        return;
    if (gw_api_sends (&f->req))
        s_send (f);
    else
        gw_api_call (&f->req, &f->reply);
}

//  Run every step as the HTTP layer would.
static void
s_run (s_fixture_t *f)
{
    gw_api_begin (&f->req, &f->reply);
    if (f->req.must_ask)
        gw_api_authenticate (&f->req, &f->reply);
    if (!gw_reply_decided (&f->reply))
        s_finish (f);
}

static const char *
s_code (s_fixture_t *f)
{
    json_t *doc = json_loadb (f->reply.body, f->reply.size, 0, NULL);
    assert_non_null (doc);
    const char *code = json_string_value (json_object_get (json_object_get (doc, "error"), "code"));
    assert_non_null (code);
    char *copy = cab_arena_strdup (f->req.arena, code);
    json_decref (doc);
    return copy;
}

static const char *
s_field (s_fixture_t *f)
{
    json_t *doc = json_loadb (f->reply.body, f->reply.size, 0, NULL);
    assert_non_null (doc);
    const char *field =
        json_string_value (json_object_get (json_object_get (doc, "error"), "field"));
    char *copy = field ? cab_arena_strdup (f->req.arena, field) : NULL;
    json_decref (doc);
    return copy;
}

static const char *
s_header (s_fixture_t *f, const char *name)
{
    for (int i = 0; i < f->reply.header_count; i++)
        if (strcmp (f->reply.headers[i].name, name) == 0)
            return f->reply.headers[i].value;
    return NULL;
}

static void
test_begin_unknown_api_path_is_404_json (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "GET", "/api/v1/nowhere");
    s_run (f);
    assert_int_equal (f->reply.status, 404);
    assert_string_equal (s_code (f), "not_found");
}

static void
test_begin_wrong_verb_is_405_with_allow (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "DELETE", "/api/v1/units");
    s_run (f);
    assert_int_equal (f->reply.status, 405);
    assert_string_equal (s_header (f, "Allow"), "GET, POST");
}

static void
test_begin_write_to_web_page_is_405 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "POST", "/index.html");
    s_run (f);
    assert_int_equal (f->reply.status, 405);
    assert_string_equal (s_header (f, "Allow"), "GET, HEAD");
}

static void
test_begin_declared_length_over_limit_is_413 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "POST", "/api/v1/auth/login");
    f->req.content_length = MAX_BODY + 1;
    f->req.has_body = true;
    f->req.content_type = "application/json";
    gw_api_begin (&f->req, &f->reply);
    assert_int_equal (f->reply.status, 413);
    assert_string_equal (s_code (f), "too_large");
}

static void
test_begin_body_that_is_not_json_is_415 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, "username=a", 10);
    f->req.content_type = "application/x-www-form-urlencoded";
    s_run (f);
    assert_int_equal (f->reply.status, 415);
}

static void
test_begin_json_sent_as_form_is_taken_as_json (void **state)
{
    (void) state;
    assert_true (gw_api_maybe_json_type ("application/x-www-form-urlencoded"));
    assert_true (gw_api_maybe_json_type (NULL));
    assert_false (gw_api_maybe_json_type ("text/plain"));
    assert_false (gw_api_maybe_json_type ("multipart/form-data; boundary=x"));
}

static void
test_json_type_accepts_utf8_charset_only (void **state)
{
    (void) state;
    assert_true (gw_api_json_type ("application/json"));
    assert_true (gw_api_json_type ("Application/JSON; charset=UTF-8"));
    assert_true (gw_api_json_type ("application/json;charset=\"utf-8\""));
    assert_false (gw_api_json_type ("application/json; charset=windows-1258"));
    assert_false (gw_api_json_type ("application/jsonx"));
    assert_false (gw_api_json_type ("text/plain"));
    assert_false (gw_api_json_type (NULL));
}

static void
test_begin_session_route_without_token_is_401 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "GET", "/api/v1/me");
    s_run (f);
    assert_int_equal (f->reply.status, 401);
    assert_string_equal (s_code (f), "unauthenticated");
    assert_non_null (s_header (f, "WWW-Authenticate"));
}

static void
test_begin_cookie_write_without_csrf_is_403 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "POST", "/api/v1/me/password");
    f->req.cookie_session = "c2Vzc2lvbi10b2tlbg";
    s_run (f);
    assert_int_equal (f->reply.status, 403);
    assert_string_equal (s_code (f), "csrf");
}

static void
test_begin_bearer_without_service_is_503 (void **state)
{
    s_fixture_t *f = *state;
    s_request (f, "GET", "/api/v1/me");
    f->req.authorization = "Bearer c2Vzc2lvbi10b2tlbg";
    s_run (f);
    assert_int_equal (f->reply.status, 503);
    assert_string_equal (s_code (f), "unavailable");
}

static void
test_finish_invalid_utf8_body_is_400_invalid_encoding (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\":\"Tr\xe1\xba\"}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_code (f), "invalid_encoding");
}

static void
test_finish_malformed_json_is_400_invalid_json (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\": \"a\",}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_code (f), "invalid_json");
    assert_non_null (strstr (f->reply.body, "Nội dung JSON không hợp lệ"));
}

static void
test_finish_body_that_is_not_an_object_is_400 (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "[\"admin\", \"secret\"]";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_code (f), "invalid_json");
}

static void
test_finish_duplicate_key_is_400 (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\":\"a\",\"username\":\"b\"}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
}

static void
test_finish_unknown_field_is_400_with_field (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\":\"a\",\"password\":\"b\",\"remember\":true}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_code (f), "invalid_argument");
    assert_string_equal (s_field (f), "remember");
}

static void
test_finish_wrong_type_is_400_with_field (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\":\"a\",\"password\":12345}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_field (f), "password");
}

static void
test_finish_body_on_read_route_is_400 (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{}";
    s_request (f, "GET", "/api/v1/directory");
    s_body (f, body, sizeof body - 1);
    //  As if signed in: the route is found, the body has arrived.
    const gw_route_t *route = NULL;
    assert_int_equal (gw_route_match ("GET", "/api/v1/directory", &route, f->req.params,
                                      &f->req.param_count, NULL, 0),
                      GW_MATCH_FOUND);
    f->req.route = route;
    s_finish (f);
    assert_int_equal (f->reply.status, 400);
    assert_string_equal (s_code (f), "invalid_argument");
}

static void
test_finish_valid_login_reaches_the_service (void **state)
{
    s_fixture_t *f = *state;
    static const char body[] = "{\"username\":\"admin\",\"password\":\"mật khẩu\",\"totp\":null}";
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    s_run (f);
    //  Everything about the request was fine: only the missing service answers.
    assert_int_equal (f->reply.status, 503);
}

//  Prepare a valid sign-in as the HTTP layer does before sending its RPC,
//  with identity at an address where nothing answers.
static void
s_prepare_login (s_fixture_t *f, int timeout_ms)
{
    static const char body[] = "{\"username\":\"admin\",\"password\":\"mật khẩu\"}";
    cab_rpc_client_t *client = cab_rpc_client_new (f->zmq, "tcp://127.0.0.1:9", timeout_ms);
    assert_non_null (client);
    assert_int_equal (gw_services_add (f->env.services, "identity", &client), 0);
    f->env.rpc_timeout_ms = timeout_ms;
    s_request (f, "POST", "/api/v1/auth/login");
    s_body (f, body, sizeof body - 1);
    gw_api_begin (&f->req, &f->reply);
    assert_false (gw_reply_decided (&f->reply));
    assert_true (gw_api_prepare (&f->req, &f->reply));
    assert_true (gw_api_sends (&f->req));
}

static void
test_call_past_its_timeout_is_503_at_once (void **state)
{
    s_fixture_t *f = *state;
    s_prepare_login (f, 1500);
    f->req.waited_ms = 1600;  //  identity took longer than the timeout to authenticate
    int64_t start = cab_clock_ms ();
    assert_false (gw_api_send (&f->req, &f->reply, f->rpc, s_ended, f));
    assert_true (cab_clock_ms () - start < 500);
    assert_int_equal (f->reply.status, 503);
    assert_string_equal (s_code (f), "unavailable");
    assert_int_equal (cab_rpc_async_pending (f->rpc), 0);
}

static void
test_time_authenticating_counts_against_the_call (void **state)
{
    s_fixture_t *f = *state;
    s_prepare_login (f, 1500);
    f->req.waited_ms = 1000;  //  identity took that long: 500 ms of the timeout left
    int64_t start = cab_clock_ms ();
    s_send (f);
    int64_t took = cab_clock_ms () - start;
    assert_true (took >= 400 && took < 1200);
    assert_true (f->reply.status == 503 || f->reply.status == 504);
}

static void
test_authentication_waits_for_later_and_records_its_time (void **state)
{
    s_fixture_t *f = *state;
    cab_rpc_client_t *client = cab_rpc_client_new (f->zmq, "tcp://127.0.0.1:9", 300);
    assert_int_equal (gw_services_add (f->env.services, "identity", &client), 0);
    f->env.rpc_timeout_ms = 300;
    s_request (f, "GET", "/api/v1/me");
    f->req.authorization = "Bearer c2Vzc2lvbi10b2tlbg";
    gw_api_begin (&f->req, &f->reply);
    assert_true (f->req.must_ask);  //  not in the cache: identity is asked later
    assert_false (gw_reply_decided (&f->reply));
    gw_api_authenticate (&f->req, &f->reply);
    assert_false (f->req.must_ask);
    assert_int_equal (f->reply.status, 503);
    assert_true (f->req.waited_ms >= 250);
}

static void
test_api_path_covers_api_only (void **state)
{
    (void) state;
    assert_true (gw_api_path ("/api"));
    assert_true (gw_api_path ("/api/"));
    assert_true (gw_api_path ("/api/v1/me"));
    assert_false (gw_api_path ("/apis"));
    assert_false (gw_api_path ("/"));
    assert_false (gw_api_path ("/app.js"));
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T (test_begin_unknown_api_path_is_404_json),
        T (test_call_past_its_timeout_is_503_at_once),
        T (test_time_authenticating_counts_against_the_call),
        T (test_authentication_waits_for_later_and_records_its_time),
        T (test_begin_wrong_verb_is_405_with_allow),
        T (test_begin_write_to_web_page_is_405),
        T (test_begin_declared_length_over_limit_is_413),
        T (test_begin_body_that_is_not_json_is_415),
        cmocka_unit_test (test_begin_json_sent_as_form_is_taken_as_json),
        T (test_json_type_accepts_utf8_charset_only),
        T (test_begin_session_route_without_token_is_401),
        T (test_begin_cookie_write_without_csrf_is_403),
        T (test_begin_bearer_without_service_is_503),
        T (test_finish_invalid_utf8_body_is_400_invalid_encoding),
        T (test_finish_malformed_json_is_400_invalid_json),
        T (test_finish_body_that_is_not_an_object_is_400),
        T (test_finish_duplicate_key_is_400),
        T (test_finish_unknown_field_is_400_with_field),
        T (test_finish_wrong_type_is_400_with_field),
        T (test_finish_body_on_read_route_is_400),
        T (test_finish_valid_login_reaches_the_service),
        T (test_api_path_covers_api_only),
    };
#undef T
    return cmocka_run_group_tests (tests, NULL, NULL);
}
