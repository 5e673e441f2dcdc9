/*  Unit tests of replies to invitations (R4.1), delegates and substitutes,
    roll call (R4.4) and support requests (R4.3): the shape of each input
    and what the meeting's state allows.  */
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

#define UNIT_A "0190c0de-0000-7000-8000-0000000000a1"
#define UNIT_B "0190c0de-0000-7000-8000-0000000000b2"
#define INVITEE "0190c0de-0000-7000-8000-000000000001"
#define COLLEAGUE "0190c0de-0000-7000-8000-000000000002"
#define STRANGER "0190c0de-0000-7000-8000-000000000003"
#define START 1796086800LL
#define END (START + 7200)

static cab_status_t
s_input (const char *response, const char *reason, const char *delegate)
{
    sched_fault_t fault;
    sched_check_reply_input (response, reason, delegate, &fault);
    return fault.status;
}

static const char *
s_input_field (const char *response, const char *reason, const char *delegate)
{
    static sched_fault_t fault;
    sched_check_reply_input (response, reason, delegate, &fault);
    return fault.field;
}

/* ---- reply input ------------------------------------------------------------------ */

static void
test_reply_attend_needs_no_reason (void **state)
{
    (void) state;
    assert_int_equal (s_input ("attend", NULL, NULL), CAB_OK);
    assert_int_equal (s_input ("attend", "sẽ đến sớm", NULL), CAB_OK);
}

static void
test_reply_decline_with_reason_accepted (void **state)
{
    (void) state;
    assert_int_equal (s_input ("decline", "Đi công tác nước ngoài", NULL), CAB_OK);
}

static void
test_reply_decline_without_reason_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("decline", NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_string_equal (s_input_field ("decline", NULL, NULL), "reason");
}

static void
test_reply_decline_with_blank_reason_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("decline", "  \t ", NULL), CAB_INVALID_ARGUMENT);
}

static void
test_reply_delegate_with_reason_and_colleague_accepted (void **state)
{
    (void) state;
    assert_int_equal (s_input ("delegate", "Bận họp HĐND", COLLEAGUE), CAB_OK);
}

static void
test_reply_delegate_without_reason_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("delegate", "", COLLEAGUE), CAB_INVALID_ARGUMENT);
    assert_string_equal (s_input_field ("delegate", "", COLLEAGUE), "reason");
}

static void
test_reply_delegate_without_colleague_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("delegate", "Bận", NULL), CAB_INVALID_ARGUMENT);
    assert_string_equal (s_input_field ("delegate", "Bận", NULL), "delegate_user_id");
}

static void
test_reply_delegate_with_malformed_colleague_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("delegate", "Bận", "not-a-uuid"), CAB_INVALID_ARGUMENT);
}

static void
test_reply_attend_naming_a_colleague_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("attend", NULL, COLLEAGUE), CAB_INVALID_ARGUMENT);
}

static void
test_reply_unknown_or_pending_response_refused (void **state)
{
    (void) state;
    assert_int_equal (s_input ("maybe", NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_input ("pending", NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_input (NULL, NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_string_equal (s_input_field ("ATTEND", NULL, NULL), "response");
}

static void
test_reply_reason_too_long_refused (void **state)
{
    (void) state;
    static char reason[SCHED_REASON_MAX + 2];
    memset (reason, 'a', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    assert_int_equal (s_input ("decline", reason, NULL), CAB_INVALID_ARGUMENT);
}

/* ---- reply state ------------------------------------------------------------------- */

static cab_status_t
s_state (sched_status_t status, int64_t now, sched_reply_t current, bool is_delegate,
         sched_reply_t response)
{
    sched_fault_t fault;
    sched_check_reply_state (status, now, END, current, is_delegate, response, &fault);
    return fault.status;
}

static void
test_reply_to_approved_meeting_accepted (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_APPROVED, START - 86400, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_OK);
}

static void
test_reply_while_in_progress_accepted (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_IN_PROGRESS, START + 60, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_OK);
}

static void
test_reply_after_meeting_ended_refused (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_ENDED, END + 60, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_ABORTED);
}

static void
test_reply_after_end_time_of_unended_meeting_refused (void **state)
{
    (void) state;
    assert_int_equal (s_state (SCHED_APPROVED, END, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
                      CAB_ABORTED);
    assert_int_equal (
        s_state (SCHED_APPROVED, END - 1, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND), CAB_OK);
}

static void
test_reply_to_cancelled_meeting_refused (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_CANCELLED, START - 86400, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_ABORTED);
}

static void
test_reply_before_approval_refused (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_DRAFT, START - 86400, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_ABORTED);
    assert_int_equal (s_state (SCHED_PENDING_APPROVAL, START - 86400, SCHED_REPLY_PENDING, false,
                               SCHED_REPLY_ATTEND),
                      CAB_ABORTED);
    assert_int_equal (
        s_state (SCHED_REJECTED, START - 86400, SCHED_REPLY_PENDING, false, SCHED_REPLY_ATTEND),
        CAB_ABORTED);
}

static void
test_reply_changed_from_attend_to_decline_accepted (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_APPROVED, START - 86400, SCHED_REPLY_ATTEND, false, SCHED_REPLY_DECLINE),
        CAB_OK);
}

static void
test_reply_after_delegating_refused (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_APPROVED, START - 86400, SCHED_REPLY_DELEGATE, false, SCHED_REPLY_ATTEND),
        CAB_ABORTED);
}

static void
test_reply_delegate_by_a_delegate_refused (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_APPROVED, START - 86400, SCHED_REPLY_PENDING, true, SCHED_REPLY_DELEGATE),
        CAB_FAILED_PRECONDITION);
}

static void
test_reply_attend_by_a_delegate_accepted (void **state)
{
    (void) state;
    assert_int_equal (
        s_state (SCHED_APPROVED, START - 86400, SCHED_REPLY_PENDING, true, SCHED_REPLY_ATTEND),
        CAB_OK);
}

/* ---- delegates and substitutes -------------------------------------------------------- */

static sched_person_t
s_person (const char *id, const char *unit_id, bool active)
{
    sched_person_t p = {.id = id, .unit_id = unit_id, .node_id = "test.node", .active = active};
    return p;
}

static cab_status_t
s_stand_in (const sched_person_t *person, bool already_invited)
{
    sched_person_t invitee = s_person (INVITEE, UNIT_A, true);
    sched_fault_t fault;
    sched_check_stand_in ("delegate_user_id", &invitee, person, already_invited, &fault);
    return fault.status;
}

static void
test_delegate_colleague_of_same_agency_accepted (void **state)
{
    (void) state;
    sched_person_t colleague = s_person (COLLEAGUE, UNIT_A, true);
    assert_int_equal (s_stand_in (&colleague, false), CAB_OK);
}

static void
test_delegate_from_another_agency_refused (void **state)
{
    (void) state;
    sched_person_t stranger = s_person (STRANGER, UNIT_B, true);
    assert_int_equal (s_stand_in (&stranger, false), CAB_FAILED_PRECONDITION);
}

static void
test_delegate_unknown_person_not_found (void **state)
{
    (void) state;
    assert_int_equal (s_stand_in (NULL, false), CAB_NOT_FOUND);
}

static void
test_delegate_inactive_colleague_refused (void **state)
{
    (void) state;
    sched_person_t colleague = s_person (COLLEAGUE, UNIT_A, false);
    assert_int_equal (s_stand_in (&colleague, false), CAB_FAILED_PRECONDITION);
}

static void
test_delegate_to_oneself_refused (void **state)
{
    (void) state;
    sched_person_t self = s_person (INVITEE, UNIT_A, true);
    assert_int_equal (s_stand_in (&self, false), CAB_INVALID_ARGUMENT);
}

static void
test_delegate_already_invited_colleague_conflict (void **state)
{
    (void) state;
    sched_person_t colleague = s_person (COLLEAGUE, UNIT_A, true);
    assert_int_equal (s_stand_in (&colleague, true), CAB_ALREADY_EXISTS);
}

static void
test_delegate_field_is_named_in_fault (void **state)
{
    (void) state;
    sched_person_t invitee = s_person (INVITEE, UNIT_A, true);
    sched_person_t stranger = s_person (STRANGER, UNIT_B, true);
    sched_fault_t fault;
    sched_check_stand_in ("substitute_user_id", &invitee, &stranger, false, &fault);
    assert_string_equal (fault.field, "substitute_user_id");
    assert_non_null (strstr (fault.message, "cùng đơn vị"));
}

/* ---- roll call --------------------------------------------------------------------- */

static cab_status_t
s_roll (const char *status, const char *reason, const char *substitute)
{
    sched_fault_t fault;
    sched_check_roll_call_input (status, reason, substitute, &fault);
    return fault.status;
}

static void
test_roll_call_present_needs_nothing_more (void **state)
{
    (void) state;
    assert_int_equal (s_roll ("present", NULL, NULL), CAB_OK);
}

static void
test_roll_call_absent_needs_reason (void **state)
{
    (void) state;
    assert_int_equal (s_roll ("absent", NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_roll ("absent", "Ốm", NULL), CAB_OK);
}

static void
test_roll_call_substitute_needs_who_and_why (void **state)
{
    (void) state;
    assert_int_equal (s_roll ("substitute", "Đi công tác", NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_roll ("substitute", NULL, COLLEAGUE), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_roll ("substitute", "Đi công tác", COLLEAGUE), CAB_OK);
}

static void
test_roll_call_present_naming_substitute_refused (void **state)
{
    (void) state;
    assert_int_equal (s_roll ("present", NULL, COLLEAGUE), CAB_INVALID_ARGUMENT);
}

static void
test_roll_call_unknown_status_refused (void **state)
{
    (void) state;
    assert_int_equal (s_roll ("late", NULL, NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_roll (NULL, NULL, NULL), CAB_INVALID_ARGUMENT);
}

/* ---- support requests ---------------------------------------------------------------- */

static cab_status_t
s_support (const char *kind, const char *note)
{
    sched_fault_t fault;
    sched_check_support_input (kind, note, &fault);
    return fault.status;
}

static void
test_support_device_or_account_accepted (void **state)
{
    (void) state;
    assert_int_equal (s_support ("device", "Chưa được cấp máy tính bảng"), CAB_OK);
    assert_int_equal (s_support ("account", NULL), CAB_OK);
    assert_int_equal (s_support ("other", "Cần hướng dẫn"), CAB_OK);
}

static void
test_support_unknown_kind_refused (void **state)
{
    (void) state;
    assert_int_equal (s_support ("coffee", NULL), CAB_INVALID_ARGUMENT);
    assert_int_equal (s_support (NULL, NULL), CAB_INVALID_ARGUMENT);
}

static void
test_support_note_with_control_characters_refused (void **state)
{
    (void) state;
    assert_int_equal (s_support ("device", "a\x01b"), CAB_INVALID_ARGUMENT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reply_attend_needs_no_reason),
        cmocka_unit_test (test_reply_decline_with_reason_accepted),
        cmocka_unit_test (test_reply_decline_without_reason_refused),
        cmocka_unit_test (test_reply_decline_with_blank_reason_refused),
        cmocka_unit_test (test_reply_delegate_with_reason_and_colleague_accepted),
        cmocka_unit_test (test_reply_delegate_without_reason_refused),
        cmocka_unit_test (test_reply_delegate_without_colleague_refused),
        cmocka_unit_test (test_reply_delegate_with_malformed_colleague_refused),
        cmocka_unit_test (test_reply_attend_naming_a_colleague_refused),
        cmocka_unit_test (test_reply_unknown_or_pending_response_refused),
        cmocka_unit_test (test_reply_reason_too_long_refused),
        cmocka_unit_test (test_reply_to_approved_meeting_accepted),
        cmocka_unit_test (test_reply_while_in_progress_accepted),
        cmocka_unit_test (test_reply_after_meeting_ended_refused),
        cmocka_unit_test (test_reply_after_end_time_of_unended_meeting_refused),
        cmocka_unit_test (test_reply_to_cancelled_meeting_refused),
        cmocka_unit_test (test_reply_before_approval_refused),
        cmocka_unit_test (test_reply_changed_from_attend_to_decline_accepted),
        cmocka_unit_test (test_reply_after_delegating_refused),
        cmocka_unit_test (test_reply_delegate_by_a_delegate_refused),
        cmocka_unit_test (test_reply_attend_by_a_delegate_accepted),
        cmocka_unit_test (test_delegate_colleague_of_same_agency_accepted),
        cmocka_unit_test (test_delegate_from_another_agency_refused),
        cmocka_unit_test (test_delegate_unknown_person_not_found),
        cmocka_unit_test (test_delegate_inactive_colleague_refused),
        cmocka_unit_test (test_delegate_to_oneself_refused),
        cmocka_unit_test (test_delegate_already_invited_colleague_conflict),
        cmocka_unit_test (test_delegate_field_is_named_in_fault),
        cmocka_unit_test (test_roll_call_present_needs_nothing_more),
        cmocka_unit_test (test_roll_call_absent_needs_reason),
        cmocka_unit_test (test_roll_call_substitute_needs_who_and_why),
        cmocka_unit_test (test_roll_call_present_naming_substitute_refused),
        cmocka_unit_test (test_roll_call_unknown_status_refused),
        cmocka_unit_test (test_support_device_or_account_accepted),
        cmocka_unit_test (test_support_unknown_kind_refused),
        cmocka_unit_test (test_support_note_with_control_characters_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
