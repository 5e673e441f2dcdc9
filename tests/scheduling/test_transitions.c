/*  Unit tests of the meeting state machine: every action from every status
    by every role a person can hold in a meeting, each outcome written out
    here on its own (not derived from the table in rules.c), plus who may
    edit what in which status. A test is named for the outcome it expects:
    ..._to_<status> (allowed), ..._denied (403), ..._conflict (409).  */
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

#define ACTION_submit SCHED_SUBMIT
#define ACTION_approve SCHED_APPROVE
#define ACTION_reject SCHED_REJECT
#define ACTION_unapprove SCHED_UNAPPROVE
#define ACTION_cancel SCHED_CANCEL
#define ACTION_start SCHED_START
#define ACTION_end SCHED_END

#define STATUS_draft SCHED_DRAFT
#define STATUS_pending_approval SCHED_PENDING_APPROVAL
#define STATUS_approved SCHED_APPROVED
#define STATUS_rejected SCHED_REJECTED
#define STATUS_cancelled SCHED_CANCELLED
#define STATUS_in_progress SCHED_IN_PROGRESS
#define STATUS_ended SCHED_ENDED

#define ROLE_clerk SCHED_ROLE_CLERK
#define ROLE_approver SCHED_ROLE_APPROVER
#define ROLE_chair SCHED_ROLE_CHAIR
#define ROLE_secretary SCHED_ROLE_SECRETARY
#define ROLE_invitee SCHED_ROLE_INVITEE
#define ROLE_unit_clerk SCHED_ROLE_UNIT_CLERK
#define ROLE_staff SCHED_ROLE_STAFF
#define ROLE_nobody 0u

//  Outcome tokens: the expected status code and, when allowed, where to.
#define EXPECT_denied CAB_PERMISSION_DENIED, -1
#define EXPECT_conflict CAB_ABORTED, -1
#define EXPECT_to_pending_approval CAB_OK, SCHED_PENDING_APPROVAL
#define EXPECT_to_approved CAB_OK, SCHED_APPROVED
#define EXPECT_to_rejected CAB_OK, SCHED_REJECTED
#define EXPECT_to_cancelled CAB_OK, SCHED_CANCELLED
#define EXPECT_to_in_progress CAB_OK, SCHED_IN_PROGRESS
#define EXPECT_to_ended CAB_OK, SCHED_ENDED

static void
s_expect (sched_action_t action, sched_status_t from, unsigned roles, cab_status_t status, int to)
{
    sched_status_t got = SCHED_STATUS_COUNT;
    sched_fault_t fault;
    sched_transition (action, from, roles, &got, &fault);
    assert_int_equal (fault.status, status);
    if (status == CAB_OK)
        assert_int_equal (got, to);
    else {
        assert_int_equal (got, SCHED_STATUS_COUNT);  //  untouched
        assert_true (strlen (fault.message) > 0);
    }
}

#define EXPECT_ARGS(outcome) EXPECT_##outcome
#define S_EXPECT(action, from, roles, outcome)                                                     \
    s_expect_args (action, from, roles, EXPECT_ARGS (outcome))
#define s_expect_args(a, f, r, ...) s_expect (a, f, r, __VA_ARGS__)

//  One test per (action, from, role).
#define T(action, from, role, outcome)                                                             \
    static void test_##action##_from_##from##_by_##role##_##outcome (void **state)                 \
    {                                                                                              \
        (void) state;                                                                              \
        S_EXPECT (ACTION_##action, STATUS_##from, ROLE_##role, outcome);                           \
    }

#define R(action, from, role, outcome)                                                             \
    cmocka_unit_test (test_##action##_from_##from##_by_##role##_##outcome),

//  One row: the outcome for each role, in this order.
#define ROW(X, action, from, o_clerk, o_approver, o_chair, o_secretary, o_invitee, o_unit_clerk,   \
            o_staff, o_nobody)                                                                     \
    X (action, from, clerk, o_clerk)                                                               \
    X (action, from, approver, o_approver)                                                         \
    X (action, from, chair, o_chair)                                                               \
    X (action, from, secretary, o_secretary)                                                       \
    X (action, from, invitee, o_invitee)                                                           \
    X (action, from, unit_clerk, o_unit_clerk)                                                     \
    X (action, from, staff, o_staff)                                                               \
    X (action, from, nobody, o_nobody)

//  Invitees, invited agencies' clerks, staff and strangers never move a
//  meeting; the columns below say so for every row.
#define TRANSITIONS(X)                                                                             \
    ROW (X, submit, draft, to_pending_approval, denied, denied, denied, denied, denied, denied,    \
         denied)                                                                                   \
    ROW (X, submit, pending_approval, conflict, denied, denied, denied, denied, denied, denied,    \
         denied)                                                                                   \
    ROW (X, submit, approved, conflict, denied, denied, denied, denied, denied, denied, denied)    \
    ROW (X, submit, rejected, to_pending_approval, denied, denied, denied, denied, denied, denied, \
         denied)                                                                                   \
    ROW (X, submit, cancelled, conflict, denied, denied, denied, denied, denied, denied, denied)   \
    ROW (X, submit, in_progress, conflict, denied, denied, denied, denied, denied, denied, denied) \
    ROW (X, submit, ended, conflict, denied, denied, denied, denied, denied, denied, denied)       \
    ROW (X, approve, draft, denied, conflict, denied, denied, denied, denied, denied, denied)      \
    ROW (X, approve, pending_approval, denied, to_approved, denied, denied, denied, denied,        \
         denied, denied)                                                                           \
    ROW (X, approve, approved, denied, conflict, denied, denied, denied, denied, denied, denied)   \
    ROW (X, approve, rejected, denied, conflict, denied, denied, denied, denied, denied, denied)   \
    ROW (X, approve, cancelled, denied, conflict, denied, denied, denied, denied, denied, denied)  \
    ROW (X, approve, in_progress, denied, conflict, denied, denied, denied, denied, denied,        \
         denied)                                                                                   \
    ROW (X, approve, ended, denied, conflict, denied, denied, denied, denied, denied, denied)      \
    ROW (X, reject, draft, denied, conflict, denied, denied, denied, denied, denied, denied)       \
    ROW (X, reject, pending_approval, denied, to_rejected, denied, denied, denied, denied, denied, \
         denied)                                                                                   \
    ROW (X, reject, approved, denied, conflict, denied, denied, denied, denied, denied, denied)    \
    ROW (X, reject, rejected, denied, conflict, denied, denied, denied, denied, denied, denied)    \
    ROW (X, reject, cancelled, denied, conflict, denied, denied, denied, denied, denied, denied)   \
    ROW (X, reject, in_progress, denied, conflict, denied, denied, denied, denied, denied, denied) \
    ROW (X, reject, ended, denied, conflict, denied, denied, denied, denied, denied, denied)       \
    ROW (X, unapprove, draft, denied, denied, conflict, conflict, denied, denied, denied, denied)  \
    ROW (X, unapprove, pending_approval, denied, denied, conflict, conflict, denied, denied,       \
         denied, denied)                                                                           \
    ROW (X, unapprove, approved, denied, denied, to_pending_approval, to_pending_approval, denied, \
         denied, denied, denied)                                                                   \
    ROW (X, unapprove, rejected, denied, denied, conflict, conflict, denied, denied, denied,       \
         denied)                                                                                   \
    ROW (X, unapprove, cancelled, denied, denied, conflict, conflict, denied, denied, denied,      \
         denied)                                                                                   \
    ROW (X, unapprove, in_progress, denied, denied, conflict, conflict, denied, denied, denied,    \
         denied)                                                                                   \
    ROW (X, unapprove, ended, denied, denied, conflict, conflict, denied, denied, denied, denied)  \
    ROW (X, cancel, draft, to_cancelled, denied, to_cancelled, to_cancelled, denied, denied,       \
         denied, denied)                                                                           \
    ROW (X, cancel, pending_approval, denied, denied, to_cancelled, to_cancelled, denied, denied,  \
         denied, denied)                                                                           \
    ROW (X, cancel, approved, denied, denied, to_cancelled, to_cancelled, denied, denied, denied,  \
         denied)                                                                                   \
    ROW (X, cancel, rejected, to_cancelled, denied, to_cancelled, to_cancelled, denied, denied,    \
         denied, denied)                                                                           \
    ROW (X, cancel, cancelled, conflict, denied, conflict, conflict, denied, denied, denied,       \
         denied)                                                                                   \
    ROW (X, cancel, in_progress, conflict, denied, conflict, conflict, denied, denied, denied,     \
         denied)                                                                                   \
    ROW (X, cancel, ended, conflict, denied, conflict, conflict, denied, denied, denied, denied)   \
    ROW (X, start, draft, denied, denied, conflict, conflict, denied, denied, denied, denied)      \
    ROW (X, start, pending_approval, denied, denied, conflict, conflict, denied, denied, denied,   \
         denied)                                                                                   \
    ROW (X, start, approved, denied, denied, to_in_progress, to_in_progress, denied, denied,       \
         denied, denied)                                                                           \
    ROW (X, start, rejected, denied, denied, conflict, conflict, denied, denied, denied, denied)   \
    ROW (X, start, cancelled, denied, denied, conflict, conflict, denied, denied, denied, denied)  \
    ROW (X, start, in_progress, denied, denied, conflict, conflict, denied, denied, denied,        \
         denied)                                                                                   \
    ROW (X, start, ended, denied, denied, conflict, conflict, denied, denied, denied, denied)      \
    ROW (X, end, draft, denied, denied, conflict, conflict, denied, denied, denied, denied)        \
    ROW (X, end, pending_approval, denied, denied, conflict, conflict, denied, denied, denied,     \
         denied)                                                                                   \
    ROW (X, end, approved, denied, denied, conflict, conflict, denied, denied, denied, denied)     \
    ROW (X, end, rejected, denied, denied, conflict, conflict, denied, denied, denied, denied)     \
    ROW (X, end, cancelled, denied, denied, conflict, conflict, denied, denied, denied, denied)    \
    ROW (X, end, in_progress, denied, denied, to_ended, to_ended, denied, denied, denied, denied)  \
    ROW (X, end, ended, denied, denied, conflict, conflict, denied, denied, denied, denied)

//  The macro list takes (action, from, role, outcome); ROW hands X the role
//  name and its outcome column.
#define ROW_T(action, from, role, outcome) T (action, from, role, outcome)
#define ROW_R(action, from, role, outcome) R (action, from, role, outcome)

TRANSITIONS (ROW_T)

/* ---- combined roles and messages ----------------------------------------------- */

static void
test_approve_by_approver_who_is_also_chair_to_approved (void **state)
{
    (void) state;
    s_expect (SCHED_APPROVE, SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER | SCHED_ROLE_CHAIR, CAB_OK,
              SCHED_APPROVED);
}

static void
test_cancel_pending_by_clerk_who_is_also_secretary_to_cancelled (void **state)
{
    (void) state;
    s_expect (SCHED_CANCEL, SCHED_PENDING_APPROVAL, SCHED_ROLE_CLERK | SCHED_ROLE_SECRETARY, CAB_OK,
              SCHED_CANCELLED);
}

static void
test_submit_by_invitee_who_is_also_clerk_to_pending_approval (void **state)
{
    (void) state;
    s_expect (SCHED_SUBMIT, SCHED_DRAFT, SCHED_ROLE_CLERK | SCHED_ROLE_INVITEE, CAB_OK,
              SCHED_PENDING_APPROVAL);
}

static void
test_transition_conflict_names_current_status (void **state)
{
    (void) state;
    sched_status_t to;
    sched_fault_t fault;
    sched_transition (SCHED_APPROVE, SCHED_DRAFT, SCHED_ROLE_APPROVER, &to, &fault);
    assert_int_equal (fault.status, CAB_ABORTED);
    assert_non_null (strstr (fault.message, "Nháp"));
    assert_non_null (strstr (fault.message, "chờ phê duyệt"));
}

static void
test_transition_denied_says_who_may (void **state)
{
    (void) state;
    sched_status_t to;
    sched_fault_t fault;
    sched_transition (SCHED_START, SCHED_APPROVED, SCHED_ROLE_INVITEE, &to, &fault);
    assert_int_equal (fault.status, CAB_PERMISSION_DENIED);
    assert_non_null (strstr (fault.message, "chủ trì hoặc thư ký"));
}

static void
test_transition_out_of_range_action_is_invalid (void **state)
{
    (void) state;
    sched_status_t to;
    sched_fault_t fault;
    sched_transition (SCHED_ACTION_COUNT, SCHED_DRAFT, SCHED_ROLE_CLERK, &to, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
}

static void
test_action_needs_reason_for_reject_unapprove_cancel_only (void **state)
{
    (void) state;
    assert_true (sched_action_needs_reason (SCHED_REJECT));
    assert_true (sched_action_needs_reason (SCHED_UNAPPROVE));
    assert_true (sched_action_needs_reason (SCHED_CANCEL));
    assert_false (sched_action_needs_reason (SCHED_SUBMIT));
    assert_false (sched_action_needs_reason (SCHED_APPROVE));
    assert_false (sched_action_needs_reason (SCHED_START));
    assert_false (sched_action_needs_reason (SCHED_END));
}

static void
test_action_event_names_follow_api (void **state)
{
    (void) state;
    assert_string_equal (sched_action_event (SCHED_SUBMIT), "meeting.submitted");
    assert_string_equal (sched_action_event (SCHED_APPROVE), "meeting.approved");
    assert_string_equal (sched_action_event (SCHED_REJECT), "meeting.rejected");
    assert_string_equal (sched_action_event (SCHED_UNAPPROVE), "meeting.unapproved");
    assert_string_equal (sched_action_event (SCHED_CANCEL), "meeting.cancelled");
    assert_string_equal (sched_action_event (SCHED_START), "meeting.started");
    assert_string_equal (sched_action_event (SCHED_END), "meeting.ended");
}

static void
test_status_names_are_the_api_statuses (void **state)
{
    (void) state;
    static const char *const api[] = {"draft",     "pending_approval", "approved", "rejected",
                                      "cancelled", "in_progress",      "ended"};
    assert_int_equal (SCHED_STATUS_COUNT, 7);
    for (int i = 0; i < SCHED_STATUS_COUNT; i++) {
        sched_status_t parsed;
        assert_true (sched_status_parse (api[i], &parsed));
        assert_string_equal (sched_status_name (parsed), api[i]);
    }
    sched_status_t parsed;
    assert_false (sched_status_parse ("open", &parsed));
    assert_false (sched_status_parse (NULL, &parsed));
}

/* ---- editing ------------------------------------------------------------------------ */

#define ALL_FIELDS 0x7FFu

#define EDIT_allowed CAB_OK
#define EDIT_denied CAB_PERMISSION_DENIED
#define EDIT_conflict CAB_ABORTED

static void
s_edit (sched_status_t status, unsigned roles, unsigned fields, cab_status_t expected)
{
    sched_fault_t fault;
    sched_may_edit (status, roles, fields, &fault);
    assert_int_equal (fault.status, expected);
}

//  The clerk edits everything; the approver edits only what the approver
//  may amend; the fields each role sends are what that role could send.
#define FIELDS_clerk ALL_FIELDS
#define FIELDS_approver SCHED_EDIT_APPROVER_FIELDS
#define FIELDS_chair SCHED_EDIT_CONTENT
#define FIELDS_secretary SCHED_EDIT_CONTENT
#define FIELDS_invitee SCHED_EDIT_CONTENT
#define FIELDS_unit_clerk SCHED_EDIT_PARTICIPANTS
#define FIELDS_staff SCHED_EDIT_CONTENT
#define FIELDS_nobody SCHED_EDIT_TITLE

#define E(from, role, outcome)                                                                     \
    static void test_edit_##from##_by_##role##_##outcome (void **state)                            \
    {                                                                                              \
        (void) state;                                                                              \
        s_edit (STATUS_##from, ROLE_##role, FIELDS_##role, EDIT_##outcome);                        \
    }
#define ER(from, role, outcome) cmocka_unit_test (test_edit_##from##_by_##role##_##outcome),

#define EDIT_ROW(X, from, o_clerk, o_approver, o_chair, o_secretary, o_invitee, o_unit_clerk,      \
                 o_staff, o_nobody)                                                                \
    X (from, clerk, o_clerk)                                                                       \
    X (from, approver, o_approver)                                                                 \
    X (from, chair, o_chair)                                                                       \
    X (from, secretary, o_secretary)                                                               \
    X (from, invitee, o_invitee)                                                                   \
    X (from, unit_clerk, o_unit_clerk)                                                             \
    X (from, staff, o_staff)                                                                       \
    X (from, nobody, o_nobody)

#define EDITS(X)                                                                                   \
    EDIT_ROW (X, draft, allowed, denied, denied, denied, denied, denied, denied, denied)           \
    EDIT_ROW (X, pending_approval, denied, allowed, denied, denied, denied, denied, denied,        \
              denied)                                                                              \
    EDIT_ROW (X, approved, conflict, conflict, denied, denied, denied, denied, denied, denied)     \
    EDIT_ROW (X, rejected, allowed, denied, denied, denied, denied, denied, denied, denied)        \
    EDIT_ROW (X, cancelled, conflict, conflict, denied, denied, denied, denied, denied, denied)    \
    EDIT_ROW (X, in_progress, conflict, conflict, denied, denied, denied, denied, denied, denied)  \
    EDIT_ROW (X, ended, conflict, conflict, denied, denied, denied, denied, denied, denied)

EDITS (E)

static void
test_edit_pending_by_approver_changing_times_denied (void **state)
{
    (void) state;
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER, SCHED_EDIT_TIMES, CAB_PERMISSION_DENIED);
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER, SCHED_EDIT_ROOM, CAB_PERMISSION_DENIED);
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER, SCHED_EDIT_OFFICERS,
            CAB_PERMISSION_DENIED);
}

static void
test_edit_pending_by_approver_amending_content_and_participants_allowed (void **state)
{
    (void) state;
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER, SCHED_EDIT_CONTENT, CAB_OK);
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER, SCHED_EDIT_PARTICIPANTS, CAB_OK);
    s_edit (SCHED_PENDING_APPROVAL, SCHED_ROLE_APPROVER,
            SCHED_EDIT_CONTENT | SCHED_EDIT_PARTICIPANTS | SCHED_EDIT_TITLE, CAB_OK);
}

static void
test_edit_draft_by_clerk_who_is_also_approver_allowed (void **state)
{
    (void) state;
    s_edit (SCHED_DRAFT, SCHED_ROLE_CLERK | SCHED_ROLE_APPROVER, ALL_FIELDS, CAB_OK);
}

/* ---- reading, roll call, check-in, naming attendees -------------------------------- */

static void
test_view_by_officers_in_any_status (void **state)
{
    (void) state;
    assert_true (sched_may_view (SCHED_ROLE_CLERK, false, false));
    assert_true (sched_may_view (SCHED_ROLE_APPROVER, false, false));
    assert_true (sched_may_view (SCHED_ROLE_CHAIR, false, false));
    assert_true (sched_may_view (SCHED_ROLE_SECRETARY, false, false));
}

static void
test_view_by_invitee_only_once_published (void **state)
{
    (void) state;
    assert_false (sched_may_view (SCHED_ROLE_INVITEE, false, false));
    assert_true (sched_may_view (SCHED_ROLE_INVITEE, true, false));
    assert_false (sched_may_view (SCHED_ROLE_UNIT_CLERK, false, false));
    assert_true (sched_may_view (SCHED_ROLE_UNIT_CLERK, true, false));
    assert_false (sched_may_view (SCHED_ROLE_STAFF, false, false));
    assert_true (sched_may_view (SCHED_ROLE_STAFF, true, false));
}

static void
test_view_by_stranger_refused_unless_system_admin (void **state)
{
    (void) state;
    assert_false (sched_may_view (0, true, false));
    assert_true (sched_may_view (0, false, true));
}

static void
test_attendance_seen_by_chair_not_by_invitee (void **state)
{
    (void) state;
    assert_true (sched_may_see_attendance (SCHED_ROLE_CHAIR, false));
    assert_true (sched_may_see_attendance (SCHED_ROLE_SECRETARY, false));
    assert_false (sched_may_see_attendance (SCHED_ROLE_INVITEE, false));
    assert_true (sched_may_see_attendance (0, true));
}

static void
s_check (void (*fn) (sched_status_t, unsigned, sched_fault_t *), sched_status_t status,
         unsigned roles, cab_status_t expected)
{
    sched_fault_t fault;
    fn (status, roles, &fault);
    assert_int_equal (fault.status, expected);
}

static void
test_roll_call_by_secretary_in_progress_allowed (void **state)
{
    (void) state;
    s_check (sched_may_roll_call, SCHED_IN_PROGRESS, SCHED_ROLE_SECRETARY, CAB_OK);
    s_check (sched_may_roll_call, SCHED_APPROVED, SCHED_ROLE_SECRETARY, CAB_OK);
    s_check (sched_may_roll_call, SCHED_IN_PROGRESS, SCHED_ROLE_CHAIR, CAB_OK);
}

static void
test_roll_call_by_invitee_or_clerk_denied (void **state)
{
    (void) state;
    s_check (sched_may_roll_call, SCHED_IN_PROGRESS, SCHED_ROLE_INVITEE, CAB_PERMISSION_DENIED);
    s_check (sched_may_roll_call, SCHED_IN_PROGRESS, SCHED_ROLE_CLERK, CAB_PERMISSION_DENIED);
    s_check (sched_may_roll_call, SCHED_IN_PROGRESS, SCHED_ROLE_APPROVER, CAB_PERMISSION_DENIED);
}

static void
test_roll_call_before_approval_or_after_end_conflict (void **state)
{
    (void) state;
    s_check (sched_may_roll_call, SCHED_DRAFT, SCHED_ROLE_SECRETARY, CAB_ABORTED);
    s_check (sched_may_roll_call, SCHED_PENDING_APPROVAL, SCHED_ROLE_SECRETARY, CAB_ABORTED);
    s_check (sched_may_roll_call, SCHED_ENDED, SCHED_ROLE_SECRETARY, CAB_ABORTED);
    s_check (sched_may_roll_call, SCHED_CANCELLED, SCHED_ROLE_SECRETARY, CAB_ABORTED);
}

static void
test_check_in_by_invitee_in_progress_allowed (void **state)
{
    (void) state;
    s_check (sched_may_check_in, SCHED_IN_PROGRESS, SCHED_ROLE_INVITEE, CAB_OK);
}

static void
test_check_in_outside_the_meeting_conflict (void **state)
{
    (void) state;
    s_check (sched_may_check_in, SCHED_APPROVED, SCHED_ROLE_INVITEE, CAB_ABORTED);
    s_check (sched_may_check_in, SCHED_ENDED, SCHED_ROLE_INVITEE, CAB_ABORTED);
}

static void
test_check_in_by_non_invitee_denied (void **state)
{
    (void) state;
    s_check (sched_may_check_in, SCHED_IN_PROGRESS, SCHED_ROLE_CHAIR, CAB_PERMISSION_DENIED);
    s_check (sched_may_check_in, SCHED_IN_PROGRESS, 0, CAB_PERMISSION_DENIED);
}

static void
test_name_attendees_by_invited_agency_clerk_allowed (void **state)
{
    (void) state;
    s_check (sched_may_name_attendees, SCHED_APPROVED, SCHED_ROLE_UNIT_CLERK, CAB_OK);
    s_check (sched_may_name_attendees, SCHED_IN_PROGRESS, SCHED_ROLE_UNIT_CLERK, CAB_OK);
}

static void
test_name_attendees_by_host_clerk_denied (void **state)
{
    (void) state;
    s_check (sched_may_name_attendees, SCHED_APPROVED, SCHED_ROLE_CLERK, CAB_PERMISSION_DENIED);
}

static void
test_name_attendees_before_approval_conflict (void **state)
{
    (void) state;
    s_check (sched_may_name_attendees, SCHED_PENDING_APPROVAL, SCHED_ROLE_UNIT_CLERK, CAB_ABORTED);
    s_check (sched_may_name_attendees, SCHED_ENDED, SCHED_ROLE_UNIT_CLERK, CAB_ABORTED);
}

/* ---- marking a meeting secret (R6.5) ------------------------------------------------- */

static void
test_mark_secret_by_chair_until_the_end_allowed (void **state)
{
    (void) state;
    static const sched_status_t open[] = {SCHED_DRAFT, SCHED_PENDING_APPROVAL, SCHED_APPROVED,
                                          SCHED_IN_PROGRESS};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        s_check (sched_may_mark_secret, open[i], SCHED_ROLE_CHAIR, CAB_OK);
        s_check (sched_may_mark_secret, open[i], SCHED_ROLE_CHAIR | SCHED_ROLE_INVITEE, CAB_OK);
    }
}

static void
test_mark_secret_by_anyone_but_the_chair_denied (void **state)
{
    (void) state;
    static const unsigned others[] = {SCHED_ROLE_CLERK,
                                      SCHED_ROLE_APPROVER,
                                      SCHED_ROLE_SECRETARY,
                                      SCHED_ROLE_INVITEE,
                                      SCHED_ROLE_UNIT_CLERK,
                                      SCHED_ROLE_STAFF,
                                      SCHED_ROLE_CLERK | SCHED_ROLE_SECRETARY | SCHED_ROLE_APPROVER,
                                      0};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        s_check (sched_may_mark_secret, SCHED_APPROVED, others[i], CAB_PERMISSION_DENIED);
    sched_fault_t fault;
    sched_may_mark_secret (SCHED_APPROVED, SCHED_ROLE_SECRETARY, &fault);
    assert_non_null (strstr (fault.message, "chủ trì"));
}

static void
test_mark_secret_after_end_cancel_or_reject_conflict (void **state)
{
    (void) state;
    s_check (sched_may_mark_secret, SCHED_ENDED, SCHED_ROLE_CHAIR, CAB_ABORTED);
    s_check (sched_may_mark_secret, SCHED_CANCELLED, SCHED_ROLE_CHAIR, CAB_ABORTED);
    s_check (sched_may_mark_secret, SCHED_REJECTED, SCHED_ROLE_CHAIR, CAB_ABORTED);
    sched_fault_t fault;
    sched_may_mark_secret (SCHED_ENDED, SCHED_ROLE_CHAIR, &fault);
    assert_non_null (strstr (fault.message, "Đã kết thúc"));
    assert_string_equal (fault.field, "status");
}

/* ---- roles of the acting person ------------------------------------------------------ */

#define U_CLERK "0190c0de-0000-7000-8000-000000000001"
#define U_OTHER_CLERK "0190c0de-0000-7000-8000-000000000002"
#define U_APPROVER "0190c0de-0000-7000-8000-000000000003"
#define U_CHAIR "0190c0de-0000-7000-8000-000000000004"
#define U_SECRETARY "0190c0de-0000-7000-8000-000000000005"
#define HOST "0190c0de-0000-7000-8000-0000000000a1"
#define OTHER "0190c0de-0000-7000-8000-0000000000a2"

static sched_people_t
s_people (void)
{
    sched_people_t p = {.created_by = U_CLERK,
                        .host_unit_id = HOST,
                        .chair_id = U_CHAIR,
                        .secretary_id = U_SECRETARY,
                        .approver_id = U_APPROVER};
    return p;
}

static void
test_roles_of_creator_is_clerk (void **state)
{
    (void) state;
    char *roles[] = {"member"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_CLERK, OTHER, roles, 1);
    sched_people_t people = s_people ();
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_CLERK);
}

static void
test_roles_of_host_unit_clerk_is_clerk (void **state)
{
    (void) state;
    char *roles[] = {"clerk"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_OTHER_CLERK, HOST, roles, 1);
    sched_people_t people = s_people ();
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_CLERK);
}

static void
test_roles_of_clerk_of_other_unit_is_nobody (void **state)
{
    (void) state;
    char *roles[] = {"clerk"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_OTHER_CLERK, OTHER, roles, 1);
    sched_people_t people = s_people ();
    assert_int_equal (sched_roles_of (&actor, &people), 0);
}

static void
test_roles_of_invited_agency_clerk_is_unit_clerk (void **state)
{
    (void) state;
    char *roles[] = {"clerk"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_OTHER_CLERK, OTHER, roles, 1);
    sched_people_t people = s_people ();
    people.unit_invited = true;
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_UNIT_CLERK);
}

static void
test_roles_of_member_of_invited_agency_is_nobody (void **state)
{
    (void) state;
    char *roles[] = {"member"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_OTHER_CLERK, OTHER, roles, 1);
    sched_people_t people = s_people ();
    people.unit_invited = true;
    assert_int_equal (sched_roles_of (&actor, &people), 0);
}

static void
test_roles_of_officers_by_id (void **state)
{
    (void) state;
    char *roles[] = {"member"};
    sched_actor_t actor;
    sched_people_t people = s_people ();
    cab_actor_init (&actor, U_CHAIR, OTHER, roles, 1);
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_CHAIR);
    cab_actor_init (&actor, U_SECRETARY, OTHER, roles, 1);
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_SECRETARY);
    cab_actor_init (&actor, U_APPROVER, OTHER, roles, 1);
    assert_int_equal (sched_roles_of (&actor, &people), SCHED_ROLE_APPROVER);
}

static void
test_roles_of_anonymous_is_nobody (void **state)
{
    (void) state;
    sched_actor_t actor;
    cab_actor_init (&actor, NULL, NULL, NULL, 0);
    sched_people_t people = s_people ();
    people.invitee = true;
    assert_int_equal (sched_roles_of (&actor, &people), 0);
}

static void
test_create_meeting_needs_clerk_role (void **state)
{
    (void) state;
    char *clerk[] = {"clerk"};
    char *member[] = {"member", "approver"};
    sched_actor_t actor;
    cab_actor_init (&actor, U_CLERK, HOST, clerk, 1);
    assert_true (sched_may_create_meeting (&actor));
    cab_actor_init (&actor, U_CLERK, HOST, member, 2);
    assert_false (sched_may_create_meeting (&actor));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        TRANSITIONS (ROW_R) EDITS (ER)
            cmocka_unit_test (test_approve_by_approver_who_is_also_chair_to_approved),
        cmocka_unit_test (test_cancel_pending_by_clerk_who_is_also_secretary_to_cancelled),
        cmocka_unit_test (test_submit_by_invitee_who_is_also_clerk_to_pending_approval),
        cmocka_unit_test (test_transition_conflict_names_current_status),
        cmocka_unit_test (test_transition_denied_says_who_may),
        cmocka_unit_test (test_transition_out_of_range_action_is_invalid),
        cmocka_unit_test (test_action_needs_reason_for_reject_unapprove_cancel_only),
        cmocka_unit_test (test_action_event_names_follow_api),
        cmocka_unit_test (test_status_names_are_the_api_statuses),
        cmocka_unit_test (test_edit_pending_by_approver_changing_times_denied),
        cmocka_unit_test (test_edit_pending_by_approver_amending_content_and_participants_allowed),
        cmocka_unit_test (test_edit_draft_by_clerk_who_is_also_approver_allowed),
        cmocka_unit_test (test_view_by_officers_in_any_status),
        cmocka_unit_test (test_view_by_invitee_only_once_published),
        cmocka_unit_test (test_view_by_stranger_refused_unless_system_admin),
        cmocka_unit_test (test_attendance_seen_by_chair_not_by_invitee),
        cmocka_unit_test (test_roll_call_by_secretary_in_progress_allowed),
        cmocka_unit_test (test_roll_call_by_invitee_or_clerk_denied),
        cmocka_unit_test (test_roll_call_before_approval_or_after_end_conflict),
        cmocka_unit_test (test_check_in_by_invitee_in_progress_allowed),
        cmocka_unit_test (test_check_in_outside_the_meeting_conflict),
        cmocka_unit_test (test_check_in_by_non_invitee_denied),
        cmocka_unit_test (test_name_attendees_by_invited_agency_clerk_allowed),
        cmocka_unit_test (test_name_attendees_by_host_clerk_denied),
        cmocka_unit_test (test_name_attendees_before_approval_conflict),
        cmocka_unit_test (test_mark_secret_by_chair_until_the_end_allowed),
        cmocka_unit_test (test_mark_secret_by_anyone_but_the_chair_denied),
        cmocka_unit_test (test_mark_secret_after_end_cancel_or_reject_conflict),
        cmocka_unit_test (test_roles_of_creator_is_clerk),
        cmocka_unit_test (test_roles_of_host_unit_clerk_is_clerk),
        cmocka_unit_test (test_roles_of_clerk_of_other_unit_is_nobody),
        cmocka_unit_test (test_roles_of_invited_agency_clerk_is_unit_clerk),
        cmocka_unit_test (test_roles_of_member_of_invited_agency_is_nobody),
        cmocka_unit_test (test_roles_of_officers_by_id),
        cmocka_unit_test (test_roles_of_anonymous_is_nobody),
        cmocka_unit_test (test_create_meeting_needs_clerk_role),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
