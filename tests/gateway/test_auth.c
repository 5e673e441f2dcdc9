/*  Unit tests: where the session token comes from, the CSRF decision for
    cookie sessions, and the cookies the gateway sets.  */
#include "auth.h"
#include "cab_crypto.h"
#include <stdlib.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

static const char s_token[] = "Qm9uam91ci1jYWJpbmV0LXNlc3Npb24tdG9rZW4tMDE";

static void
test_token_from_bearer_header (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token ("Bearer abc-DEF_123", NULL, &token), GW_TOKEN_BEARER);
    assert_string_equal (token, "abc-DEF_123");
}

static void
test_token_bearer_scheme_is_case_insensitive (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token ("bearer abc", NULL, &token), GW_TOKEN_BEARER);
    assert_string_equal (token, "abc");
}

static void
test_token_header_wins_over_cookie (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token ("Bearer from-header", "from-cookie", &token), GW_TOKEN_BEARER);
    assert_string_equal (token, "from-header");
}

static void
test_token_from_cookie (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token (NULL, s_token, &token), GW_TOKEN_COOKIE);
    assert_string_equal (token, s_token);
}

static void
test_token_absent_is_none (void **state)
{
    (void) state;
    const char *token = "stale";
    assert_int_equal (gw_auth_token (NULL, NULL, &token), GW_TOKEN_NONE);
    assert_null (token);
}

static void
test_token_other_scheme_is_malformed (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token ("Basic YWRtaW46YWRtaW4=", NULL, &token), GW_TOKEN_MALFORMED);
    assert_int_equal (gw_auth_token ("Bearer", NULL, &token), GW_TOKEN_MALFORMED);
    assert_int_equal (gw_auth_token ("Bearer ", NULL, &token), GW_TOKEN_MALFORMED);
    assert_null (token);
}

static void
test_token_with_bad_characters_is_malformed (void **state)
{
    (void) state;
    const char *token = NULL;
    assert_int_equal (gw_auth_token ("Bearer a;b", NULL, &token), GW_TOKEN_MALFORMED);
    assert_int_equal (gw_auth_token ("Bearer a b", NULL, &token), GW_TOKEN_MALFORMED);
    assert_int_equal (gw_auth_token (NULL, "a\r\nSet-Cookie: x", &token), GW_TOKEN_MALFORMED);
}

static void
test_token_too_long_is_malformed (void **state)
{
    (void) state;
    char cookie[GW_TOKEN_MAX + 2];
    memset (cookie, 'a', sizeof cookie - 1);
    cookie[sizeof cookie - 1] = '\0';
    const char *token = NULL;
    assert_int_equal (gw_auth_token (NULL, cookie, &token), GW_TOKEN_MALFORMED);
}

static void
test_csrf_not_required_for_reads (void **state)
{
    (void) state;
    assert_false (gw_auth_csrf_required ("GET", GW_TOKEN_COOKIE));
    assert_false (gw_auth_csrf_required ("HEAD", GW_TOKEN_COOKIE));
    assert_true (gw_auth_csrf_ok ("GET", GW_TOKEN_COOKIE, s_token, NULL));
}

static void
test_csrf_not_required_for_bearer_writes (void **state)
{
    (void) state;
    assert_false (gw_auth_csrf_required ("POST", GW_TOKEN_BEARER));
    assert_true (gw_auth_csrf_ok ("DELETE", GW_TOKEN_BEARER, s_token, NULL));
}

static void
test_csrf_cookie_write_without_header_is_refused (void **state)
{
    (void) state;
    assert_true (gw_auth_csrf_required ("PATCH", GW_TOKEN_COOKIE));
    assert_false (gw_auth_csrf_ok ("POST", GW_TOKEN_COOKIE, s_token, NULL));
    assert_false (gw_auth_csrf_ok ("POST", GW_TOKEN_COOKIE, s_token, ""));
}

static void
test_csrf_cookie_write_with_wrong_header_is_refused (void **state)
{
    (void) state;
    char other[CAB_TOKEN_LEN + 1];
    cab_csrf_token ("another-session-token", other);
    assert_false (gw_auth_csrf_ok ("DELETE", GW_TOKEN_COOKIE, s_token, other));
    //  The session token itself is not its CSRF token.
    assert_false (gw_auth_csrf_ok ("DELETE", GW_TOKEN_COOKIE, s_token, s_token));
}

static void
test_csrf_cookie_write_with_matching_header_passes (void **state)
{
    (void) state;
    char csrf[CAB_TOKEN_LEN + 1];
    cab_csrf_token (s_token, csrf);
    assert_true (gw_auth_csrf_ok ("POST", GW_TOKEN_COOKIE, s_token, csrf));
    assert_true (gw_auth_csrf_ok ("PUT", GW_TOKEN_COOKIE, s_token, csrf));
}

static void
test_session_cookie_is_http_only_and_strict (void **state)
{
    (void) state;
    char *cookie = gw_auth_cookie (GW_SESSION_COOKIE, "tok", 3600, true, false);
    assert_string_equal (cookie,
                         "cabinet_session=tok; Path=/; Max-Age=3600; SameSite=Strict; HttpOnly");
    free (cookie);
}

static void
test_csrf_cookie_is_readable_and_secure_when_asked (void **state)
{
    (void) state;
    char *cookie = gw_auth_cookie (GW_CSRF_COOKIE, "c", 60, false, true);
    assert_string_equal (cookie, "cabinet_csrf=c; Path=/; Max-Age=60; SameSite=Strict; Secure");
    free (cookie);
}

static void
test_cleared_cookie_expires_now (void **state)
{
    (void) state;
    gw_env_t env = {.cookie_secure = false};
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_auth_clear_cookies (&env, &reply);
    assert_int_equal (reply.header_count, 2);
    assert_string_equal (reply.headers[0].name, "Set-Cookie");
    assert_non_null (strstr (reply.headers[0].value, "cabinet_session=;"));
    assert_non_null (strstr (reply.headers[0].value, "Max-Age=0"));
    assert_non_null (strstr (reply.headers[1].value, "cabinet_csrf=;"));
    gw_reply_reset (&reply);
}

static void
test_clean_text_replaces_control_and_bad_bytes (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    assert_string_equal (gw_auth_clean_text (arena, "Mozilla/5.0 (Tiếng Việt)"),
                         "Mozilla/5.0 (Tiếng Việt)");
    assert_string_equal (gw_auth_clean_text (arena, "a\tb\x01"
                                                    "c"),
                         "a?b?c");
    assert_string_equal (gw_auth_clean_text (arena, "x\xff"
                                                    "y"),
                         "x?y");
    assert_null (gw_auth_clean_text (arena, NULL));
    cab_arena_destroy (&arena);
}

static void
test_clean_text_cuts_long_text_between_characters (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    //  "ệ" is three bytes: a cut at GW_USER_AGENT_MAX falls inside one.
    char text[GW_USER_AGENT_MAX + 16] = "";
    while (strlen (text) + 3 < sizeof text - 1)
        strcat (text, "ệ");
    char *clean = gw_auth_clean_text (arena, text);
    assert_true (strlen (clean) <= GW_USER_AGENT_MAX);
    assert_int_equal (strlen (clean) % 3, 0);
    assert_null (strchr (clean, '?'));
    cab_arena_destroy (&arena);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_token_from_bearer_header),
        cmocka_unit_test (test_token_bearer_scheme_is_case_insensitive),
        cmocka_unit_test (test_token_header_wins_over_cookie),
        cmocka_unit_test (test_token_from_cookie),
        cmocka_unit_test (test_token_absent_is_none),
        cmocka_unit_test (test_token_other_scheme_is_malformed),
        cmocka_unit_test (test_token_with_bad_characters_is_malformed),
        cmocka_unit_test (test_token_too_long_is_malformed),
        cmocka_unit_test (test_csrf_not_required_for_reads),
        cmocka_unit_test (test_csrf_not_required_for_bearer_writes),
        cmocka_unit_test (test_csrf_cookie_write_without_header_is_refused),
        cmocka_unit_test (test_csrf_cookie_write_with_wrong_header_is_refused),
        cmocka_unit_test (test_csrf_cookie_write_with_matching_header_passes),
        cmocka_unit_test (test_session_cookie_is_http_only_and_strict),
        cmocka_unit_test (test_csrf_cookie_is_readable_and_secure_when_asked),
        cmocka_unit_test (test_cleared_cookie_expires_now),
        cmocka_unit_test (test_clean_text_replaces_control_and_bad_bytes),
        cmocka_unit_test (test_clean_text_cuts_long_text_between_characters),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
