/*  Unit tests: JSON <-> protobuf through descriptors (cab_pbjson).  */
#include "cab_arena.h"
#include "cab_pbjson.h"
#include "cabinet/v1/documents.pb-c.h"
#include "cabinet/v1/identity.pb-c.h"
#include <stdlib.h>
#include <string.h>

/*  cmocka needs these first  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static ProtobufCMessage *
s_parse (const ProtobufCMessageDescriptor *desc, const char *text, cab_arena_t *arena,
         cab_pbjson_error_t *err)
{
    json_error_t jerr;
    json_t *json = json_loads (text, JSON_DECODE_ANY, &jerr);
    assert_non_null (json);
    ProtobufCMessage *msg = cab_pbjson_parse (desc, json, cab_arena_allocator (arena), err);
    json_decref (json);
    return msg;
}

static void
test_parse_fills_strings_and_repeated (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    Cabinet__V1__CreateUserRequest *req = (Cabinet__V1__CreateUserRequest *) s_parse (
        &cabinet__v1__create_user_request__descriptor,
        "{\"username\":\"vanthu\",\"full_name\":\"Nguyễn Thị "
        "Thu\",\"roles\":[\"clerk\",\"member\"],"
        "\"phone\":null}",
        arena, &err);
    assert_non_null (req);
    assert_string_equal (req->username, "vanthu");
    assert_string_equal (req->full_name, "Nguyễn Thị Thu");
    assert_int_equal (req->n_roles, 2);
    assert_string_equal (req->roles[1], "member");
    assert_null (req->phone);
    assert_null (req->email);
    cab_arena_destroy (&arena);
}

static void
test_parse_normalises_to_nfc (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    Cabinet__V1__CreateUnitRequest *req = (Cabinet__V1__CreateUnitRequest *) s_parse (
        &cabinet__v1__create_unit_request__descriptor, "{\"name\":\"Vie\\u0323\\u0302t Nam\"}",
        arena, &err);
    assert_non_null (req);
    assert_string_equal (req->name, "Việt Nam");
    cab_arena_destroy (&arena);
}

static void
test_parse_refuses_unknown_field (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    assert_null (s_parse (&cabinet__v1__create_unit_request__descriptor,
                          "{\"name\":\"A\",\"is_admin\":true}", arena, &err));
    assert_string_equal (err.field, "is_admin");
    assert_non_null (strstr (err.message, "không được hỗ trợ"));
    cab_arena_destroy (&arena);
}

static void
test_parse_refuses_wrong_types (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    assert_null (
        s_parse (&cabinet__v1__create_user_request__descriptor, "{\"username\":5}", arena, &err));
    assert_string_equal (err.field, "username");
    assert_null (s_parse (&cabinet__v1__create_user_request__descriptor, "{\"roles\":\"clerk\"}",
                          arena, &err));
    assert_string_equal (err.field, "roles");
    assert_null (s_parse (&cabinet__v1__create_user_request__descriptor,
                          "{\"roles\":[\"clerk\",7]}", arena, &err));
    assert_string_equal (err.field, "roles[1]");
    assert_null (
        s_parse (&cabinet__v1__list_users_request__descriptor, "{\"limit\":1.5}", arena, &err));
    assert_null (s_parse (&cabinet__v1__list_users_request__descriptor, "{\"limit\":99999999999}",
                          arena, &err));
    assert_string_equal (err.field, "limit");
    assert_null (s_parse (&cabinet__v1__create_user_request__descriptor, "[1,2]", arena, &err));
    assert_string_equal (err.field, "");
    cab_arena_destroy (&arena);
}

static void
test_parse_refuses_embedded_nul (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    json_t *json = json_loads ("{\"name\":\"a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
    assert_non_null (json);
    assert_null (cab_pbjson_parse (&cabinet__v1__create_unit_request__descriptor, json,
                                   cab_arena_allocator (arena), &err));
    assert_string_equal (err.field, "name");
    json_decref (json);
    cab_arena_destroy (&arena);
}

static void
test_parse_marks_repeated_as_sent (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    cab_pbjson_error_t err;
    Cabinet__V1__UpdateUserRequest *req = (Cabinet__V1__UpdateUserRequest *) s_parse (
        &cabinet__v1__update_user_request__descriptor, "{\"roles\":[]}", arena, &err);
    assert_non_null (req);
    assert_true (req->has_roles_set && req->roles_set);
    assert_int_equal (req->n_roles, 0);
    req =
        (Cabinet__V1__UpdateUserRequest *) s_parse (&cabinet__v1__update_user_request__descriptor,
                                                    "{\"title\":\"Chánh Văn phòng\"}", arena, &err);
    assert_non_null (req);
    assert_false (req->roles_set);
    req = (Cabinet__V1__UpdateUserRequest *) s_parse (&cabinet__v1__update_user_request__descriptor,
                                                      "{\"roles\":null}", arena, &err);
    assert_non_null (req);
    assert_false (req->roles_set);
    //  The flag is the parser's own: a client cannot send it.
    assert_null (s_parse (&cabinet__v1__update_user_request__descriptor, "{\"roles_set\":true}",
                          arena, &err));
    assert_string_equal (err.field, "roles_set");
    cab_arena_destroy (&arena);
}

static void
test_parse_with_malloc_frees_cleanly (void **state)
{
    (void) state;
    cab_pbjson_error_t err;
    json_t *json = json_loads ("{\"username\":\"a\",\"roles\":[\"x\",\"y\"]}", 0, NULL);
    ProtobufCMessage *msg =
        cab_pbjson_parse (&cabinet__v1__create_user_request__descriptor, json, NULL, &err);
    assert_non_null (msg);
    protobuf_c_message_free_unpacked (msg, NULL);
    json_decref (json);
    json = json_loads ("{\"username\":\"a\",\"roles\":[\"x\",3]}", 0, NULL);
    assert_null (
        cab_pbjson_parse (&cabinet__v1__create_user_request__descriptor, json, NULL, &err));
    json_decref (json);
}

static void
test_set_converts_query_text (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    ProtobufCAllocator *alloc = cab_arena_allocator (arena);
    Cabinet__V1__ListUsersRequest req = CABINET__V1__LIST_USERS_REQUEST__INIT;
    cab_pbjson_error_t err;
    assert_int_equal (cab_pbjson_set (&req.base, "limit", "25", alloc, &err), 0);
    assert_true (req.has_limit);
    assert_int_equal (req.limit, 25);
    assert_int_equal (cab_pbjson_set (&req.base, "include_inactive", "true", alloc, &err), 0);
    assert_true (req.include_inactive);
    assert_int_equal (cab_pbjson_set (&req.base, "q", "Nguye\xcc\x82\xcc\x83n", alloc, &err), 0);
    assert_string_equal (req.q, "Nguyễn");
    assert_int_equal (cab_pbjson_set (&req.base, "limit", "2x", alloc, &err), -1);
    assert_string_equal (err.field, "limit");
    assert_int_equal (cab_pbjson_set (&req.base, "include_inactive", "maybe", alloc, &err), -1);
    assert_int_equal (cab_pbjson_set (&req.base, "sort", "name", alloc, &err), -1);
    assert_string_equal (err.field, "sort");
    assert_int_equal (cab_pbjson_set (&req.base, "q", "\xff", alloc, &err), -1);
    cab_arena_destroy (&arena);
}

static void
test_set_appends_to_repeated (void **state)
{
    (void) state;
    cab_arena_t *arena = cab_arena_new ();
    Cabinet__V1__CreateUserRequest req = CABINET__V1__CREATE_USER_REQUEST__INIT;
    cab_pbjson_error_t err;
    assert_int_equal (
        cab_pbjson_set (&req.base, "roles", "clerk", cab_arena_allocator (arena), &err), 0);
    assert_int_equal (
        cab_pbjson_set (&req.base, "roles", "member", cab_arena_allocator (arena), &err), 0);
    assert_int_equal (req.n_roles, 2);
    assert_string_equal (req.roles[0], "clerk");
    assert_string_equal (req.roles[1], "member");
    cab_arena_destroy (&arena);
}

static void
test_dump_writes_nulls_scalars_and_nested (void **state)
{
    (void) state;
    Cabinet__V1__User user = CABINET__V1__USER__INIT;
    user.id = "0190c0de-0000-7000-8000-000000000000";
    user.full_name = "Trần Văn Hùng";
    char *roles[] = {"approver"};
    user.n_roles = 1;
    user.roles = roles;
    user.has_active = true;
    user.active = true;
    Cabinet__V1__LoginReply reply = CABINET__V1__LOGIN_REPLY__INIT;
    reply.token = "t";
    reply.user = &user;
    json_t *json = cab_pbjson_dump (&reply.base);
    char *text = json_dumps (json, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null (strstr (text, "\"token\":\"t\""));
    assert_non_null (strstr (text, "\"full_name\":\"Trần Văn Hùng\""));
    assert_non_null (strstr (text, "\"roles\":[\"approver\"]"));
    assert_non_null (strstr (text, "\"active\":true"));
    assert_non_null (strstr (text, "\"must_change_password\":false"));
    assert_non_null (strstr (text, "\"one_time_password\":null"));
    free (text);
    json_decref (json);
}

//  A oneof of one scalar says "unknown": null until set, the number after.
static void
test_dump_unset_oneof_member_is_null (void **state)
{
    (void) state;
    Cabinet__V1__Document doc = CABINET__V1__DOCUMENT__INIT;
    json_t *json = cab_pbjson_dump (&doc.base);
    assert_true (json_is_null (json_object_get (json, "pages")));
    json_decref (json);
    doc.pages_known_case = CABINET__V1__DOCUMENT__PAGES_KNOWN_PAGES;
    doc.pages = 12;
    json = cab_pbjson_dump (&doc.base);
    assert_int_equal (json_integer_value (json_object_get (json, "pages")), 12);
    json_decref (json);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_fills_strings_and_repeated),
        cmocka_unit_test (test_parse_normalises_to_nfc),
        cmocka_unit_test (test_parse_refuses_unknown_field),
        cmocka_unit_test (test_parse_refuses_wrong_types),
        cmocka_unit_test (test_parse_refuses_embedded_nul),
        cmocka_unit_test (test_parse_marks_repeated_as_sent),
        cmocka_unit_test (test_parse_with_malloc_frees_cleanly),
        cmocka_unit_test (test_set_converts_query_text),
        cmocka_unit_test (test_set_appends_to_repeated),
        cmocka_unit_test (test_dump_writes_nulls_scalars_and_nested),
        cmocka_unit_test (test_dump_unset_oneof_member_is_null),
    };
    return cmocka_run_group_tests_name ("shared pbjson", tests, NULL, NULL);
}
