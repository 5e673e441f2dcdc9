/*  Unit tests: error documents and the mapping of RPC failures to HTTP.  */
#include "reply.h"
#include <jansson.h>
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

//  Parse a reply body; fails the test if it is not a JSON object.
static json_t *
s_parse (const char *text, size_t size)
{
    json_t *json = json_loadb (text, size, 0, NULL);
    assert_non_null (json);
    assert_true (json_is_object (json));
    return json;
}

static const char *
s_error_member (json_t *doc, const char *name)
{
    return json_string_value (json_object_get (json_object_get (doc, "error"), name));
}

static void
test_error_body_has_code_message_field (void **state)
{
    (void) state;
    char *text = gw_error_body ("invalid_argument", "Họ và tên không được để trống", "full_name");
    assert_non_null (text);
    json_t *doc = s_parse (text, strlen (text));
    assert_int_equal (json_object_size (doc), 1);
    assert_string_equal (s_error_member (doc, "code"), "invalid_argument");
    assert_string_equal (s_error_member (doc, "message"), "Họ và tên không được để trống");
    assert_string_equal (s_error_member (doc, "field"), "full_name");
    json_decref (doc);
    free (text);
}

static void
test_error_body_omits_unknown_field (void **state)
{
    (void) state;
    char *with_null = gw_error_body ("not_found", "Không tìm thấy", NULL);
    char *with_empty = gw_error_body ("not_found", "Không tìm thấy", "");
    json_t *a = s_parse (with_null, strlen (with_null));
    json_t *b = s_parse (with_empty, strlen (with_empty));
    assert_null (json_object_get (json_object_get (a, "error"), "field"));
    assert_null (json_object_get (json_object_get (b, "error"), "field"));
    assert_int_equal (json_object_size (json_object_get (a, "error")), 2);
    json_decref (a);
    json_decref (b);
    free (with_null);
    free (with_empty);
}

static void
test_error_body_keeps_vietnamese_unescaped (void **state)
{
    (void) state;
    char *text = gw_error_body ("csrf", "Thiếu mã", NULL);
    assert_non_null (strstr (text, "Thiếu mã"));
    assert_null (strstr (text, "\\u"));
    free (text);
}

static void
test_error_body_escapes_quotes (void **state)
{
    (void) state;
    char *text = gw_error_body ("invalid_argument", "Trường \"x\" sai", "a\"b");
    json_t *doc = s_parse (text, strlen (text));
    assert_string_equal (s_error_member (doc, "message"), "Trường \"x\" sai");
    assert_string_equal (s_error_member (doc, "field"), "a\"b");
    json_decref (doc);
    free (text);
}

static void
test_reply_error_sets_status_type_and_code (void **state)
{
    (void) state;
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_error (&reply, 415, "unsupported_media_type", "Phải là JSON", "Content-Type");
    assert_int_equal (reply.status, 415);
    assert_string_equal (reply.content_type, GW_CONTENT_JSON);
    assert_string_equal (reply.error_code, "unsupported_media_type");
    json_t *doc = s_parse (reply.body, reply.size);
    assert_string_equal (s_error_member (doc, "field"), "Content-Type");
    json_decref (doc);
    gw_reply_reset (&reply);
    assert_false (gw_reply_decided (&reply));
}

static void
test_rpc_error_uses_service_code_and_message (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_FAILED_PRECONDITION};
    snprintf (result.message, sizeof result.message, "Mật khẩu phải có ít nhất 10 ký tự");
    snprintf (result.field, sizeof result.field, "new_password");
    snprintf (result.code, sizeof result.code, "password_too_short");
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 422);
    json_t *doc = s_parse (reply.body, reply.size);
    assert_string_equal (s_error_member (doc, "code"), "password_too_short");
    assert_string_equal (s_error_member (doc, "message"), "Mật khẩu phải có ít nhất 10 ký tự");
    assert_string_equal (s_error_member (doc, "field"), "new_password");
    json_decref (doc);
    gw_reply_reset (&reply);
}

static void
test_rpc_error_without_code_uses_status_code (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_NOT_FOUND};
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 404);
    json_t *doc = s_parse (reply.body, reply.size);
    assert_string_equal (s_error_member (doc, "code"), cab_status_code (CAB_NOT_FOUND));
    assert_string_equal (s_error_member (doc, "message"), cab_status_message (CAB_NOT_FOUND));
    json_decref (doc);
    gw_reply_reset (&reply);
}

static void
test_rpc_unavailable_is_503_with_retry_message (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_UNAVAILABLE};
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 503);
    json_t *doc = s_parse (reply.body, reply.size);
    assert_string_equal (s_error_member (doc, "message"),
                         "Dịch vụ tạm thời không sẵn sàng, vui lòng thử lại");
    json_decref (doc);
    gw_reply_reset (&reply);
}

static void
test_rpc_unavailable_keeps_the_service_message (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_UNAVAILABLE};
    snprintf (result.message, sizeof result.message, "%s",
              "Không kết nối được hệ thống xác thực tập trung");
    snprintf (result.code, sizeof result.code, "ldap_unavailable");
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 503);
    json_t *doc = s_parse (reply.body, reply.size);
    assert_string_equal (s_error_member (doc, "message"),
                         "Không kết nối được hệ thống xác thực tập trung");
    assert_string_equal (s_error_member (doc, "code"), "ldap_unavailable");
    json_decref (doc);
    gw_reply_reset (&reply);
}

static void
test_rpc_deadline_is_504 (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_DEADLINE_EXCEEDED};
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 504);
    gw_reply_reset (&reply);
}

static void
test_rpc_internal_hides_service_message (void **state)
{
    (void) state;
    cab_rpc_result_t result = {.status = CAB_INTERNAL};
    snprintf (result.message, sizeof result.message, "relation \"users\" does not exist");
    gw_reply_t reply;
    gw_reply_init (&reply);
    gw_reply_rpc_error (&reply, &result);
    assert_int_equal (reply.status, 500);
    assert_null (strstr (reply.body, "relation"));
    gw_reply_reset (&reply);
}

static void
test_http_status_is_an_error_for_every_failure (void **state)
{
    (void) state;
    for (int s = CAB_CANCELLED; s <= CAB_STATUS_MAX; s++)
        assert_true (gw_reply_http_status ((cab_status_t) s) >= 400);
    assert_int_equal (gw_reply_http_status (CAB_INVALID_ARGUMENT), 400);
    assert_int_equal (gw_reply_http_status (CAB_UNAUTHENTICATED), 401);
    assert_int_equal (gw_reply_http_status (CAB_PERMISSION_DENIED), 403);
}

static void
test_reply_headers_are_copied (void **state)
{
    (void) state;
    gw_reply_t reply;
    gw_reply_init (&reply);
    char value[] = "a=1";
    assert_int_equal (gw_reply_header (&reply, "Set-Cookie", value), 0);
    value[0] = 'b';
    assert_string_equal (reply.headers[0].value, "a=1");
    for (int i = 1; i < GW_REPLY_MAX_HEADERS; i++)
        assert_int_equal (gw_reply_header (&reply, "X-Test", "v"), 0);
    assert_int_equal (gw_reply_header (&reply, "X-Too-Many", "v"), -1);
    gw_reply_reset (&reply);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_error_body_has_code_message_field),
        cmocka_unit_test (test_error_body_omits_unknown_field),
        cmocka_unit_test (test_error_body_keeps_vietnamese_unescaped),
        cmocka_unit_test (test_error_body_escapes_quotes),
        cmocka_unit_test (test_reply_error_sets_status_type_and_code),
        cmocka_unit_test (test_rpc_error_uses_service_code_and_message),
        cmocka_unit_test (test_rpc_error_without_code_uses_status_code),
        cmocka_unit_test (test_rpc_unavailable_is_503_with_retry_message),
        cmocka_unit_test (test_rpc_unavailable_keeps_the_service_message),
        cmocka_unit_test (test_rpc_deadline_is_504),
        cmocka_unit_test (test_rpc_internal_hides_service_message),
        cmocka_unit_test (test_http_status_is_an_error_for_every_failure),
        cmocka_unit_test (test_reply_headers_are_copied),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
