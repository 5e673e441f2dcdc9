/*  Unit tests: the route hooks of sign-in, sign-out and user updates.  */
#include "cab_crypto.h"
#include "cabinet/v1/identity.pb-c.h"
#include "hooks.h"
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
    gw_reply_t reply;
} s_fixture_t;

static int
s_setup (void **state)
{
    static s_fixture_t fixture;
    memset (&fixture, 0, sizeof fixture);
    fixture.env.session_max_age = 7200;
    fixture.env.cookie_secure = true;
    fixture.req.env = &fixture.env;
    fixture.req.arena = cab_arena_new ();
    snprintf (fixture.req.ip, sizeof fixture.req.ip, "2001:db8::7");
    fixture.req.user_agent = "Mozilla/5.0";
    gw_reply_init (&fixture.reply);
    *state = &fixture;
    return fixture.req.arena ? 0 : -1;
}

static int
s_teardown (void **state)
{
    s_fixture_t *f = *state;
    gw_reply_reset (&f->reply);
    cab_arena_destroy (&f->req.arena);
    return 0;
}

static void
test_login_before_takes_address_from_connection (void **state)
{
    s_fixture_t *f = *state;
    Cabinet__V1__LoginRequest login = CABINET__V1__LOGIN_REQUEST__INIT;
    login.ip = "10.0.0.1";  //  what a client might claim in the body
    assert_int_equal (gw_hook_login_before (&f->req, &login.base, NULL, &f->reply), 0);
    assert_string_equal (login.ip, "2001:db8::7");
    assert_string_equal (login.user_agent, "Mozilla/5.0");
    assert_false (gw_reply_decided (&f->reply));
}

static void
test_login_after_sets_session_and_csrf_cookies (void **state)
{
    s_fixture_t *f = *state;
    Cabinet__V1__LoginReply login = CABINET__V1__LOGIN_REPLY__INIT;
    login.token = "dG9rZW4tb2YtdGhlLXNlc3Npb24";
    gw_hook_login_after (&f->req, &login.base, &f->reply);
    char csrf[CAB_TOKEN_LEN + 1];
    cab_csrf_token (login.token, csrf);
    assert_string_equal (login.csrf_token, csrf);
    assert_int_equal (f->reply.header_count, 2);
    assert_string_equal (f->reply.headers[0].name, "Set-Cookie");
    assert_string_equal (f->reply.headers[0].value,
                         "cabinet_session=dG9rZW4tb2YtdGhlLXNlc3Npb24; Path=/; Max-Age=7200; "
                         "SameSite=Strict; HttpOnly; Secure");
    char expected[256];
    snprintf (expected, sizeof expected,
              "cabinet_csrf=%s; Path=/; Max-Age=7200; SameSite=Strict; Secure", csrf);
    assert_string_equal (f->reply.headers[1].value, expected);
}

static void
test_login_after_without_token_sets_no_cookie (void **state)
{
    s_fixture_t *f = *state;
    Cabinet__V1__LoginReply login = CABINET__V1__LOGIN_REPLY__INIT;
    login.token = "bad token; Domain=evil";
    gw_hook_login_after (&f->req, &login.base, &f->reply);
    assert_int_equal (f->reply.header_count, 0);
}

static void
test_logout_after_expires_cookies (void **state)
{
    s_fixture_t *f = *state;
    Cabinet__V1__Empty empty = CABINET__V1__EMPTY__INIT;
    gw_hook_logout_after (&f->req, &empty.base, &f->reply);
    assert_int_equal (f->reply.header_count, 2);
    assert_non_null (strstr (f->reply.headers[0].value, "Max-Age=0"));
    assert_non_null (strstr (f->reply.headers[1].value, "Max-Age=0"));
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T (test_login_before_takes_address_from_connection),
        T (test_login_after_sets_session_and_csrf_cookies),
        T (test_login_after_without_token_sets_no_cookie),
        T (test_logout_after_expires_cookies),
    };
#undef T
    return cmocka_run_group_tests (tests, NULL, NULL);
}
