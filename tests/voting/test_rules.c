/*  Unit tests: the voting service's pure rules - who may manage and see a
    vote, its states, the inputs, who may vote when a vote opens, the
    tally with its percentages and thresholds, and the canonical string of
    a signed ballot.  */
#include "rules.h"
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define A "0190c0de-0000-7000-8000-00000000000a"
#define B "0190c0de-0000-7000-8000-00000000000b"
#define C "0190c0de-0000-7000-8000-00000000000c"
#define D "0190c0de-0000-7000-8000-00000000000d"
#define E "0190c0de-0000-7000-8000-00000000000e"
#define S "0190c0de-0000-7000-8000-0000000000ff"
#define VOTE_ID "0190c0de-0000-7000-8000-000000000001"

static void
test_manage_is_chair_or_secretary_else_403_or_404 (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_may_manage (VOTE_ROLE_CHAIR, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_manage (VOTE_ROLE_SECRETARY | VOTE_ROLE_INVITEE, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_manage (VOTE_ROLE_INVITEE, &f);
    assert_int_equal (f.status, CAB_PERMISSION_DENIED);
    assert_non_null (strstr (f.message, "chủ trì"));
    vote_may_manage (0, &f);
    assert_int_equal (f.status, CAB_NOT_FOUND);
    vote_may_see (VOTE_ROLE_INVITEE, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_see (0, &f);
    assert_int_equal (f.status, CAB_NOT_FOUND);
}

static void
test_open_needs_draft_and_meeting_in_progress (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_may_open (VOTE_DRAFT, "in_progress", &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_open (VOTE_DRAFT, "approved", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    assert_non_null (strstr (f.message, "Đã phê duyệt"));
    vote_may_open (VOTE_OPEN, "in_progress", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_open (VOTE_CLOSED, "in_progress", &f);
    assert_int_equal (f.status, CAB_ABORTED);
}

static void
test_cast_and_close_need_an_open_vote (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_may_cast (VOTE_OPEN, "in_progress", &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_cast (VOTE_OPEN, NULL, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_cast (VOTE_DRAFT, "in_progress", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    assert_string_equal (f.code, "vote_not_open");
    vote_may_cast (VOTE_CLOSED, "in_progress", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    //  The meeting ended with the vote open: nothing more until it closes.
    vote_may_cast (VOTE_OPEN, "ended", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    assert_string_equal (f.code, "vote_not_open");
    vote_may_cast (VOTE_OPEN, "cancelled", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_close (VOTE_OPEN, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_close (VOTE_DRAFT, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_close (VOTE_CLOSED, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_add_remote (VOTE_OPEN, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_add_remote (VOTE_CLOSED, &f);
    assert_int_equal (f.status, CAB_ABORTED);
}

static void
test_create_needs_approved_or_running_meeting (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_may_create ("approved", &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_create ("in_progress", &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_create ("ended", &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_create ("draft", &f);
    assert_int_equal (f.status, CAB_ABORTED);
}

static void
test_export_only_signed_named_closed (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_may_export (VOTE_CLOSED, false, true, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_may_export (VOTE_OPEN, false, true, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    vote_may_export (VOTE_CLOSED, true, true, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    vote_may_export (VOTE_CLOSED, false, false, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
}

static void
test_state_and_threshold_names_round_trip (void **state)
{
    (void) state;
    vote_state_t s;
    assert_true (vote_state_parse ("open", &s));
    assert_int_equal (s, VOTE_OPEN);
    assert_string_equal (vote_state_name (VOTE_CLOSED), "closed");
    assert_false (vote_state_parse ("opened", &s));
    vote_threshold_t t;
    assert_true (vote_threshold_parse (NULL, &t));
    assert_int_equal (t, VOTE_MAJORITY);
    assert_true (vote_threshold_parse ("two_thirds", &t));
    assert_int_equal (t, VOTE_TWO_THIRDS);
    assert_string_equal (vote_threshold_name (t), "two_thirds");
    assert_false (vote_threshold_parse ("unanimous", &t));
}

static void
test_options_refuse_few_blank_duplicate_multiline (void **state)
{
    (void) state;
    vote_fault_t f;
    char *good[] = {"Tán thành", "Không tán thành"};
    vote_check_options (good, 2, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_options (good, 1, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (f.field, "options");
    char *blank[] = {"Tán thành", "  "};
    vote_check_options (blank, 2, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    char *twice[] = {"Tán thành", "Tán thành"};
    vote_check_options (twice, 2, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (f.message, "lặp"));
    //  A line break would make the canonical string ambiguous.
    char *lines[] = {"Tán thành", "Không\ntán thành"};
    vote_check_options (lines, 2, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (vote_default_options[0], "Tán thành");
    assert_string_equal (vote_default_options[2], "Không biểu quyết");
}

static void
test_question_required_and_bounded (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_check_question ("Thông qua kế hoạch năm 2027?", &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_question (" ", &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (f.field, "question");
    vote_check_question (NULL, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    char long_question[VOTE_QUESTION_MAX + 2];
    memset (long_question, 'a', sizeof long_question - 1);
    long_question[sizeof long_question - 1] = '\0';
    vote_check_question (long_question, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
}

static void
test_option_index_is_exact (void **state)
{
    (void) state;
    char *options[] = {"Tán thành", "Không tán thành"};
    assert_int_equal (vote_option_index (options, 2, "Không tán thành"), 1);
    assert_int_equal (vote_option_index (options, 2, "tán thành"), -1);
    assert_int_equal (vote_option_index (options, 2, NULL), -1);
}

static void
test_ballot_fields_follow_the_vote (void **state)
{
    (void) state;
    vote_fault_t f;
    vote_check_ballot ("Tán thành", NULL, NULL, NULL, false, false, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_ballot (NULL, NULL, NULL, NULL, false, false, &f);
    assert_string_equal (f.field, "option");
    vote_check_ballot ("Tán thành", NULL, "2026-12-01T08:00:00+07:00", NULL, false, true, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (f.field, "signature");
    assert_string_equal (f.code, "signature_required");
    vote_check_ballot ("Tán thành", "c2ln", NULL, NULL, false, true, &f);
    assert_string_equal (f.field, "signed_at");
    vote_check_ballot ("Tán thành", "c2ln", NULL, NULL, false, false, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    vote_check_ballot ("Tán thành", NULL, NULL, "receipt", false, false, &f);
    assert_string_equal (f.field, "receipt");
    vote_check_ballot ("Tán thành", NULL, NULL, "receipt", true, false, &f);
    assert_int_equal (f.status, CAB_OK);
}

static void
test_signed_at_within_five_minutes (void **state)
{
    (void) state;
    vote_fault_t f;
    int64_t now = 1796000000;
    vote_check_signed_at (now, now, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_signed_at (now - VOTE_SKEW_S, now, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_signed_at (now + VOTE_SKEW_S, now, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_signed_at (now - VOTE_SKEW_S - 1, now, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (f.code, "signature_stale");
    vote_check_signed_at (now + VOTE_SKEW_S + 1, now, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
}

static void
test_eligible_present_substitute_and_remote (void **state)
{
    (void) state;
    //  A present, B absent but allowed remotely, C substituted by S, D
    //  absent (not allowed), E delegated their seat (not a member).
    vote_invitee_t invitees[] = {
        {A, "attend", "present", NULL}, {B, "decline", "absent", NULL},
        {C, "attend", "substitute", S}, {D, "pending", NULL, NULL},
        {E, "delegate", NULL, NULL},
    };
    char *remote[] = {B, D, A};
    vote_voter_t voters[5];
    size_t n = 0;
    int members = 0, present = 0;
    vote_eligible (invitees, 5, remote, 2, voters, &n, &members, &present);
    assert_int_equal (members, 4);
    assert_int_equal (present, 2);
    assert_int_equal (n, 4);
    assert_string_equal (voters[0].user_id, A);
    assert_int_equal (voters[0].kind, VOTE_VOTER_PRESENT);
    assert_string_equal (voters[1].user_id, B);
    assert_int_equal (voters[1].kind, VOTE_VOTER_REMOTE);
    assert_string_equal (voters[2].user_id, S);
    assert_string_equal (voters[2].member_id, C);
    assert_int_equal (voters[2].kind, VOTE_VOTER_SUBSTITUTE);
    assert_string_equal (voters[3].user_id, D);
    //  Remote for someone present changes nothing: A is present once.
    vote_eligible (invitees, 5, remote, 3, voters, &n, &members, &present);
    assert_int_equal (n, 4);
    assert_int_equal (present, 2);
}

static void
test_remote_only_for_absent_members (void **state)
{
    (void) state;
    vote_invitee_t invitees[] = {
        {A, "attend", "present", NULL},
        {B, "decline", "absent", NULL},
        {C, "attend", "substitute", S},
        {E, "delegate", NULL, NULL},
    };
    vote_fault_t f;
    vote_check_remote (invitees, 4, B, &f);
    assert_int_equal (f.status, CAB_OK);
    vote_check_remote (invitees, 4, A, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    vote_check_remote (invitees, 4, C, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    vote_check_remote (invitees, 4, E, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    vote_check_remote (invitees, 4, D, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    assert_non_null (strstr (f.message, "thành viên"));
}

static void
test_tally_percentages_of_eligible_and_present (void **state)
{
    (void) state;
    int counts[] = {2, 1, 0};
    vote_result_t r[3];
    vote_tally (counts, 3, 3, 6, r);
    assert_int_equal (r[0].count, 2);
    assert_true (r[0].percent_of_eligible == 66.67);
    assert_true (r[1].percent_of_eligible == 33.33);
    assert_true (r[0].percent_of_present == 33.33);
    assert_true (r[2].percent_of_present == 0.0);
    assert_true (vote_percent (1, 0) == 0.0);
    assert_true (vote_percent (1, 8) == 12.5);
    assert_true (vote_percent (2, 2) == 100.0);
}

static void
test_majority_is_more_than_half_of_members (void **state)
{
    (void) state;
    assert_false (vote_threshold_met (VOTE_MAJORITY, 5, 10));
    assert_true (vote_threshold_met (VOTE_MAJORITY, 6, 10));
    assert_true (vote_threshold_met (VOTE_MAJORITY, 5, 9));
    assert_false (vote_threshold_met (VOTE_MAJORITY, 4, 9));
    assert_false (vote_threshold_met (VOTE_MAJORITY, 0, 0));
}

static void
test_two_thirds_is_at_least_two_thirds_of_members (void **state)
{
    (void) state;
    assert_true (vote_threshold_met (VOTE_TWO_THIRDS, 2, 3));
    assert_false (vote_threshold_met (VOTE_TWO_THIRDS, 1, 3));
    assert_true (vote_threshold_met (VOTE_TWO_THIRDS, 7, 10));
    assert_false (vote_threshold_met (VOTE_TWO_THIRDS, 6, 10));
    assert_true (vote_threshold_met (VOTE_TWO_THIRDS, 4, 6));
    assert_false (vote_threshold_met (VOTE_TWO_THIRDS, 3, 6));
}

static void
test_canonical_string_is_exact (void **state)
{
    (void) state;
    char out[256];
    size_t n =
        vote_canonical (out, sizeof out, VOTE_ID, "Tán thành", A, "2026-12-01T08:00:00+07:00");
    assert_string_equal (out, "cabinet-ballot-v1\n" VOTE_ID "\nTán thành\n" A
                              "\n2026-12-01T08:00:00+07:00");
    assert_int_equal (n, strlen (out));
    //  The length is known before the buffer.
    assert_int_equal (vote_canonical (NULL, 0, VOTE_ID, "Tán thành", A, "x"),
                      strlen ("cabinet-ballot-v1\n" VOTE_ID "\nTán thành\n" A "\nx"));
}

static void
test_id_list_checks_each_id (void **state)
{
    (void) state;
    vote_fault_t f;
    char *good[] = {A, B};
    vote_check_id_list ("user_ids", good, 2, 10, &f);
    assert_int_equal (f.status, CAB_OK);
    char *bad[] = {A, "x"};
    vote_check_id_list ("user_ids", bad, 2, 10, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (f.message, "thứ 2"));
    vote_check_id_list ("user_ids", good, 2, 1, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_manage_is_chair_or_secretary_else_403_or_404),
        cmocka_unit_test (test_open_needs_draft_and_meeting_in_progress),
        cmocka_unit_test (test_cast_and_close_need_an_open_vote),
        cmocka_unit_test (test_create_needs_approved_or_running_meeting),
        cmocka_unit_test (test_export_only_signed_named_closed),
        cmocka_unit_test (test_state_and_threshold_names_round_trip),
        cmocka_unit_test (test_options_refuse_few_blank_duplicate_multiline),
        cmocka_unit_test (test_question_required_and_bounded),
        cmocka_unit_test (test_option_index_is_exact),
        cmocka_unit_test (test_ballot_fields_follow_the_vote),
        cmocka_unit_test (test_signed_at_within_five_minutes),
        cmocka_unit_test (test_eligible_present_substitute_and_remote),
        cmocka_unit_test (test_remote_only_for_absent_members),
        cmocka_unit_test (test_tally_percentages_of_eligible_and_present),
        cmocka_unit_test (test_majority_is_more_than_half_of_members),
        cmocka_unit_test (test_two_thirds_is_at_least_two_thirds_of_members),
        cmocka_unit_test (test_canonical_string_is_exact),
        cmocka_unit_test (test_id_list_checks_each_id),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
