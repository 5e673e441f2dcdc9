/*  Unit tests of the scheduling service's input checks: RFC 3339 times
    (with offsets only) and their +07:00 form, meeting fields, invitee
    lists, who may be chair, secretary, approver and staff, catalogs, and
    the keyset cursor.  */
#include "rules.h"
#include <stdbool.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define NODE "test.node"
#define TOP "0190c0de-0000-7000-8000-0000000000a0"
#define HOST "0190c0de-0000-7000-8000-0000000000a1"
#define OTHER "0190c0de-0000-7000-8000-0000000000b2"
#define USER_1 "0190c0de-0000-7000-8000-000000000001"
#define USER_2 "0190c0de-0000-7000-8000-000000000002"
#define START 1796086800LL  //  2026-12-01T08:00:00+07:00

/* ---- times ------------------------------------------------------------------------- */

static void
test_time_parse_with_offset (void **state)
{
    (void) state;
    int64_t t = 0;
    assert_true (cab_time_parse ("2026-12-01T08:00:00+07:00", &t));
    assert_int_equal (t, START);
    assert_true (cab_time_parse ("2026-12-01T01:00:00Z", &t));
    assert_int_equal (t, START);
    assert_true (cab_time_parse ("2026-11-30T20:00:00-05:00", &t));
    assert_int_equal (t, START);
}

static void
test_time_parse_drops_fractions (void **state)
{
    (void) state;
    int64_t t = 0;
    assert_true (cab_time_parse ("2026-12-01T08:00:00.999+07:00", &t));
    assert_int_equal (t, START);
}

static void
test_time_parse_without_offset_refused (void **state)
{
    (void) state;
    int64_t t = 0;
    assert_false (cab_time_parse ("2026-12-01T08:00:00", &t));
    assert_false (cab_time_parse ("2026-12-01 08:00:00+07:00", &t));
    assert_false (cab_time_parse ("2026-12-01", &t));
    assert_false (cab_time_parse ("2026-12-01T08:00+07:00", &t));
    assert_false (cab_time_parse ("", &t));
    assert_false (cab_time_parse (NULL, &t));
}

static void
test_time_parse_impossible_dates_refused (void **state)
{
    (void) state;
    int64_t t = 0;
    assert_false (cab_time_parse ("2026-02-29T08:00:00+07:00", &t));
    assert_true (cab_time_parse ("2028-02-29T08:00:00+07:00", &t));
    assert_false (cab_time_parse ("2026-13-01T08:00:00+07:00", &t));
    assert_false (cab_time_parse ("2026-12-01T24:00:00+07:00", &t));
    assert_false (cab_time_parse ("2026-12-01T08:00:00+07:00x", &t));
    assert_false (cab_time_parse ("2026-12-01T08:00:00+24:00", &t));
}

static void
test_time_format_is_hanoi_time (void **state)
{
    (void) state;
    char out[CAB_TIME_TEXT];
    assert_string_equal (cab_time_format (START, out), "2026-12-01T08:00:00+07:00");
    assert_string_equal (cab_time_format (START + 16 * 3600 + 59, out),
                         "2026-12-02T00:00:59+07:00");
    assert_string_equal (cab_time_format (0, out), "1970-01-01T07:00:00+07:00");
}

static void
test_time_format_round_trips (void **state)
{
    (void) state;
    char out[CAB_TIME_TEXT];
    for (int64_t t = START - 400LL * 86400; t < START + 400LL * 86400; t += 86400 + 3599) {
        int64_t back = 0;
        assert_true (cab_time_parse (cab_time_format (t, out), &back));
        assert_int_equal (back, t);
    }
}

static cab_status_t
s_times (const char *start, const char *end, const char **field)
{
    sched_fault_t fault;
    int64_t s = 0, e = 0;
    sched_check_times (start, end, &s, &e, &fault);
    *field = fault.field;
    return fault.status;
}

static void
test_times_end_before_start_refused (void **state)
{
    (void) state;
    const char *field = NULL;
    assert_int_equal (s_times ("2026-12-01T10:00:00+07:00", "2026-12-01T08:00:00+07:00", &field),
                      CAB_INVALID_ARGUMENT);
    assert_string_equal (field, "end_at");
}

static void
test_times_end_equal_to_start_refused (void **state)
{
    (void) state;
    const char *field = NULL;
    assert_int_equal (s_times ("2026-12-01T08:00:00+07:00", "2026-12-01T01:00:00Z", &field),
                      CAB_INVALID_ARGUMENT);
}

static void
test_times_one_second_apart_accepted (void **state)
{
    (void) state;
    const char *field = NULL;
    assert_int_equal (s_times ("2026-12-01T08:00:00+07:00", "2026-12-01T08:00:01+07:00", &field),
                      CAB_OK);
}

static void
test_times_missing_or_without_offset_name_the_field (void **state)
{
    (void) state;
    const char *field = NULL;
    assert_int_equal (s_times (NULL, "2026-12-01T08:00:00+07:00", &field), CAB_INVALID_ARGUMENT);
    assert_string_equal (field, "start_at");
    assert_int_equal (s_times ("2026-12-01T08:00:00+07:00", "2026-12-01T10:00:00", &field),
                      CAB_INVALID_ARGUMENT);
    assert_string_equal (field, "end_at");
}

/* ---- meeting fields -------------------------------------------------------------------- */

static void
test_title_required_and_bounded (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_title ("Họp giao ban tuần", &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_title ("   ", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    sched_check_title (NULL, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    //  SCHED_TITLE_MAX + 1 letters "á" (two bytes each).
    static char long_title[(SCHED_TITLE_MAX + 1) * 2 + 1];
    for (int i = 0; i < SCHED_TITLE_MAX + 1; i++) {
        long_title[2 * i] = (char) 0xC3;
        long_title[2 * i + 1] = (char) 0xA1;
    }
    sched_check_title (long_title, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

static void
test_title_with_line_break_refused_content_with_line_break_accepted (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_title ("a\nb", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    sched_check_content ("1. Khai mạc\n2. Thảo luận", &fault);
    assert_int_equal (fault.status, CAB_OK);
}

static void
test_reason_required_only_when_asked (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_reason ("reason", NULL, false, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_reason ("reason", NULL, true, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.field, "reason");
}

static void
test_forms_are_the_api_forms (void **state)
{
    (void) state;
    assert_true (sched_form_valid ("in_person"));
    assert_true (sched_form_valid ("online"));
    assert_true (sched_form_valid ("hybrid"));
    assert_false (sched_form_valid ("video"));
    assert_false (sched_form_valid (NULL));
}

static void
test_id_optional_or_required (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_id ("room_id", NULL, false, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_id ("room_id", "", true, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    sched_check_id ("room_id", "phong-1", false, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.field, "room_id");
}

/* ---- invitees ------------------------------------------------------------------------ */

static cab_status_t
s_invitees (const sched_invitee_t *items, size_t n)
{
    sched_fault_t fault;
    sched_check_invitees (items, n, &fault);
    return fault.status;
}

static void
test_invitees_persons_and_agencies_accepted (void **state)
{
    (void) state;
    sched_invitee_t items[] = {{USER_1, NULL}, {NULL, OTHER}, {USER_2, ""}};
    assert_int_equal (s_invitees (items, 3), CAB_OK);
}

static void
test_invitees_both_or_neither_refused (void **state)
{
    (void) state;
    sched_invitee_t both[] = {{USER_1, OTHER}};
    sched_invitee_t neither[] = {{NULL, NULL}};
    assert_int_equal (s_invitees (both, 1), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_invitees (neither, 1), CAB_INVALID_ARGUMENT);
}

static void
test_invitees_duplicate_refused (void **state)
{
    (void) state;
    sched_invitee_t items[] = {{USER_1, NULL}, {NULL, OTHER}, {USER_1, NULL}};
    assert_int_equal (s_invitees (items, 3), CAB_INVALID_ARGUMENT);
}

static void
test_invitees_malformed_id_refused (void **state)
{
    (void) state;
    sched_invitee_t items[] = {{"daibieu1", NULL}};
    assert_int_equal (s_invitees (items, 1), CAB_INVALID_ARGUMENT);
}

static void
test_id_list_duplicates_refused (void **state)
{
    (void) state;
    char *ids[] = {USER_1, USER_2, USER_1};
    sched_fault_t fault;
    sched_check_id_list ("user_ids", ids, 2, 10, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_id_list ("user_ids", ids, 3, 10, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    sched_check_id_list ("user_ids", ids, 2, 1, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

/* ---- officers and staff ------------------------------------------------------------------ */

static char *s_line[] = {HOST, TOP};
static char *s_approver_roles[] = {"approver"};
static char *s_member_roles[] = {"member"};

static cab_status_t
s_officer (sched_officer_t which, const sched_person_t *person)
{
    sched_fault_t fault;
    sched_check_officer (which, person, NODE, s_line, 2, &fault);
    return fault.status;
}

static sched_person_t
s_person (const char *unit_id, const char *node_id, bool active, char **roles, size_t n)
{
    sched_person_t p = {.id = USER_1,
                        .unit_id = unit_id,
                        .node_id = node_id,
                        .active = active,
                        .roles = roles,
                        .n_roles = n};
    return p;
}

static void
test_chair_from_host_or_parent_agency_accepted (void **state)
{
    (void) state;
    sched_person_t host = s_person (HOST, NODE, true, s_member_roles, 1);
    sched_person_t top = s_person (TOP, NODE, true, s_member_roles, 1);
    assert_int_equal (s_officer (SCHED_OFFICER_CHAIR, &host), CAB_OK);
    assert_int_equal (s_officer (SCHED_OFFICER_CHAIR, &top), CAB_OK);
}

static void
test_chair_from_unrelated_agency_refused (void **state)
{
    (void) state;
    sched_person_t p = s_person (OTHER, NODE, true, s_member_roles, 1);
    assert_int_equal (s_officer (SCHED_OFFICER_CHAIR, &p), CAB_FAILED_PRECONDITION);
}

static void
test_secretary_from_another_node_refused (void **state)
{
    (void) state;
    sched_person_t p = s_person (HOST, "other.node", true, s_member_roles, 1);
    assert_int_equal (s_officer (SCHED_OFFICER_SECRETARY, &p), CAB_FAILED_PRECONDITION);
}

static void
test_officer_unknown_not_found (void **state)
{
    (void) state;
    assert_int_equal (s_officer (SCHED_OFFICER_CHAIR, NULL), CAB_NOT_FOUND);
    sched_fault_t fault;
    sched_check_officer (SCHED_OFFICER_SECRETARY, NULL, NODE, s_line, 2, &fault);
    assert_string_equal (fault.field, "secretary_id");
}

static void
test_officer_inactive_refused (void **state)
{
    (void) state;
    sched_person_t p = s_person (HOST, NODE, false, s_approver_roles, 1);
    assert_int_equal (s_officer (SCHED_OFFICER_APPROVER, &p), CAB_FAILED_PRECONDITION);
}

static void
test_approver_needs_approver_role (void **state)
{
    (void) state;
    sched_person_t with = s_person (HOST, NODE, true, s_approver_roles, 1);
    sched_person_t without = s_person (HOST, NODE, true, s_member_roles, 1);
    assert_int_equal (s_officer (SCHED_OFFICER_APPROVER, &with), CAB_OK);
    assert_int_equal (s_officer (SCHED_OFFICER_APPROVER, &without), CAB_FAILED_PRECONDITION);
}

static void
test_preparer_must_belong_to_preparing_agency (void **state)
{
    (void) state;
    sched_person_t p = s_person (HOST, NODE, true, s_member_roles, 1);
    sched_fault_t fault;
    sched_check_staff ("preparer_id", &p, NODE, HOST, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_staff ("preparer_id", &p, NODE, OTHER, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    sched_check_staff ("support_ids", &p, "other.node", NULL, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    sched_check_staff ("support_ids", NULL, NODE, NULL, &fault);
    assert_int_equal (fault.status, CAB_NOT_FOUND);
}

static void
test_invited_person_from_any_node_if_active (void **state)
{
    (void) state;
    sched_person_t p = s_person (OTHER, "other.node", true, NULL, 0);
    sched_fault_t fault;
    sched_check_invited_person (&p, &fault);
    assert_int_equal (fault.status, CAB_OK);
    p.active = false;
    sched_check_invited_person (&p, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    sched_check_invited_person (NULL, &fault);
    assert_int_equal (fault.status, CAB_NOT_FOUND);
}

/* ---- catalogs --------------------------------------------------------------------------- */

static cab_status_t
s_catalog (char **roles, size_t n, sched_catalog_t kind, const char *unit_id)
{
    sched_actor_t actor;
    cab_actor_init (&actor, USER_1, HOST, roles, n);
    sched_fault_t fault;
    sched_may_add_catalog (&actor, kind, unit_id, &fault);
    return fault.status;
}

static void
test_catalog_kinds_are_the_api_kinds (void **state)
{
    (void) state;
    static const char *const kinds[] = {"rooms",  "forms",     "types",
                                        "fields", "doc-types", "doc-fields"};
    for (int i = 0; i < 6; i++) {
        sched_catalog_t kind;
        assert_true (sched_catalog_parse (kinds[i], &kind));
        assert_string_equal (sched_catalog_name (kind), kinds[i]);
    }
    sched_catalog_t kind;
    assert_false (sched_catalog_parse ("buildings", &kind));
}

static void
test_catalog_room_by_unit_admin_of_that_agency_allowed (void **state)
{
    (void) state;
    char *roles[] = {"unit_admin"};
    assert_int_equal (s_catalog (roles, 1, SCHED_CATALOG_ROOMS, HOST), CAB_OK);
    assert_int_equal (s_catalog (roles, 1, SCHED_CATALOG_ROOMS, OTHER), CAB_PERMISSION_DENIED);
}

static void
test_catalog_fields_only_by_system_admin (void **state)
{
    (void) state;
    char *admin[] = {"system_admin"};
    char *unit_admin[] = {"unit_admin"};
    char *clerk[] = {"clerk"};
    assert_int_equal (s_catalog (admin, 1, SCHED_CATALOG_FIELDS, NULL), CAB_OK);
    assert_int_equal (s_catalog (admin, 1, SCHED_CATALOG_DOC_TYPES, NULL), CAB_OK);
    assert_int_equal (s_catalog (unit_admin, 1, SCHED_CATALOG_FIELDS, NULL), CAB_PERMISSION_DENIED);
    assert_int_equal (s_catalog (clerk, 1, SCHED_CATALOG_DOC_FIELDS, NULL), CAB_PERMISSION_DENIED);
}

static void
test_catalog_forms_and_types_are_fixed (void **state)
{
    (void) state;
    char *admin[] = {"system_admin"};
    assert_int_equal (s_catalog (admin, 1, SCHED_CATALOG_FORMS, NULL), CAB_FAILED_PRECONDITION);
    assert_int_equal (s_catalog (admin, 1, SCHED_CATALOG_TYPES, NULL), CAB_FAILED_PRECONDITION);
}

static void
test_catalog_name_required (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_name ("Phòng họp số 1", &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_name ("", &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

/* ---- cursors and patterns ---------------------------------------------------------------- */

static void
test_cursor_round_trip (void **state)
{
    (void) state;
    int64_t start = 0;
    char id[37];
    assert_true (sched_cursor_parse ("1796086800_" USER_1, &start, id));
    assert_int_equal (start, START);
    assert_string_equal (id, USER_1);
}

static void
test_cursor_malformed_refused (void **state)
{
    (void) state;
    int64_t start = 0;
    char id[37];
    assert_false (sched_cursor_parse ("1796086800", &start, id));
    assert_false (sched_cursor_parse ("_" USER_1, &start, id));
    assert_false (sched_cursor_parse ("12a_" USER_1, &start, id));
    assert_false (sched_cursor_parse ("12_not-a-uuid", &start, id));
    assert_false (sched_cursor_parse (NULL, &start, id));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_time_parse_with_offset),
        cmocka_unit_test (test_time_parse_drops_fractions),
        cmocka_unit_test (test_time_parse_without_offset_refused),
        cmocka_unit_test (test_time_parse_impossible_dates_refused),
        cmocka_unit_test (test_time_format_is_hanoi_time),
        cmocka_unit_test (test_time_format_round_trips),
        cmocka_unit_test (test_times_end_before_start_refused),
        cmocka_unit_test (test_times_end_equal_to_start_refused),
        cmocka_unit_test (test_times_one_second_apart_accepted),
        cmocka_unit_test (test_times_missing_or_without_offset_name_the_field),
        cmocka_unit_test (test_title_required_and_bounded),
        cmocka_unit_test (test_title_with_line_break_refused_content_with_line_break_accepted),
        cmocka_unit_test (test_reason_required_only_when_asked),
        cmocka_unit_test (test_forms_are_the_api_forms),
        cmocka_unit_test (test_id_optional_or_required),
        cmocka_unit_test (test_invitees_persons_and_agencies_accepted),
        cmocka_unit_test (test_invitees_both_or_neither_refused),
        cmocka_unit_test (test_invitees_duplicate_refused),
        cmocka_unit_test (test_invitees_malformed_id_refused),
        cmocka_unit_test (test_id_list_duplicates_refused),
        cmocka_unit_test (test_chair_from_host_or_parent_agency_accepted),
        cmocka_unit_test (test_chair_from_unrelated_agency_refused),
        cmocka_unit_test (test_secretary_from_another_node_refused),
        cmocka_unit_test (test_officer_unknown_not_found),
        cmocka_unit_test (test_officer_inactive_refused),
        cmocka_unit_test (test_approver_needs_approver_role),
        cmocka_unit_test (test_preparer_must_belong_to_preparing_agency),
        cmocka_unit_test (test_invited_person_from_any_node_if_active),
        cmocka_unit_test (test_catalog_kinds_are_the_api_kinds),
        cmocka_unit_test (test_catalog_room_by_unit_admin_of_that_agency_allowed),
        cmocka_unit_test (test_catalog_fields_only_by_system_admin),
        cmocka_unit_test (test_catalog_forms_and_types_are_fixed),
        cmocka_unit_test (test_catalog_name_required),
        cmocka_unit_test (test_cursor_round_trip),
        cmocka_unit_test (test_cursor_malformed_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
