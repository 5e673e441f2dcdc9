/*  Unit tests: the pure rules of opinion polls - who may create, see,
    manage and answer a poll, its states (an open poll past its deadline is
    closed), the shape of polls and answers, how an answer is read against
    the questions, comments on the attached documents, and the exact bytes
    of the canonical string a signed answer signs.  */
#include "poll_rules.h"
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

#define ME "0190c0de-0000-7000-8000-00000000000a"
#define OTHER "0190c0de-0000-7000-8000-00000000000b"
#define OFFICE "0190c0de-0000-7000-8000-0000000000f1"
#define ELSEWHERE "0190c0de-0000-7000-8000-0000000000f2"
#define POLL "0190c0de-0000-7000-8000-000000000001"
#define Q1 "0190c0de-0000-7000-8000-000000000011"
#define Q2 "0190c0de-0000-7000-8000-000000000012"
#define Q3 "0190c0de-0000-7000-8000-000000000013"
#define DOC "0190c0de-0000-7000-8000-0000000000d1"
#define NOW 1800000000

static char *s_opts1[] = {"Đồng ý", "Không đồng ý", "Ý kiến khác"};
static char *s_opts2[] = {"Kinh tế", "Xã hội", "Môi trường"};
static const poll_question_t s_questions[] = {
    {Q1, POLL_CHOICE, "Đồng ý?", s_opts1, 3, false, true, 0},
    {Q2, POLL_CHOICE, "Lĩnh vực", s_opts2, 3, true, false, 0},
    {Q3, POLL_TEXT, "Ý kiến", NULL, 0, false, true, 10},
};

static cab_actor_t
s_actor (const char *user, const char *unit, bool clerk, bool approver, bool admin)
{
    cab_actor_t a = {.user_id = user,
                     .unit_id = unit,
                     .clerk = clerk,
                     .approver = approver,
                     .system_admin = admin};
    return a;
}

static void
test_create_is_for_office_roles_and_admins (void **state)
{
    (void) state;
    vote_fault_t f;
    cab_actor_t clerk = s_actor (ME, OFFICE, true, false, false);
    poll_may_create (&clerk, &f);
    assert_int_equal (f.status, CAB_OK);
    cab_actor_t leader = s_actor (ME, OFFICE, false, true, false);
    poll_may_create (&leader, &f);
    assert_int_equal (f.status, CAB_OK);
    cab_actor_t admin = s_actor (ME, OFFICE, false, false, true);
    poll_may_create (&admin, &f);
    assert_int_equal (f.status, CAB_OK);
    cab_actor_t member = s_actor (ME, OFFICE, false, false, false);
    poll_may_create (&member, &f);
    assert_int_equal (f.status, CAB_PERMISSION_DENIED);
    assert_non_null (strstr (f.message, "văn thư"));
}

static void
test_roles_creator_office_of_same_agency_respondent (void **state)
{
    (void) state;
    cab_actor_t me = s_actor (ME, OFFICE, true, false, false);
    assert_int_equal (poll_roles (&me, ME, OFFICE, false), POLL_ROLE_CREATOR | POLL_ROLE_OFFICE);
    cab_actor_t colleague = s_actor (OTHER, OFFICE, false, true, false);
    assert_int_equal (poll_roles (&colleague, ME, OFFICE, false), POLL_ROLE_OFFICE);
    cab_actor_t clerk_elsewhere = s_actor (OTHER, ELSEWHERE, true, false, false);
    assert_int_equal (poll_roles (&clerk_elsewhere, ME, OFFICE, true), POLL_ROLE_RESPONDENT);
    cab_actor_t admin = s_actor (OTHER, ELSEWHERE, false, false, true);
    assert_int_equal (poll_roles (&admin, ME, OFFICE, false), POLL_ROLE_OFFICE);
    cab_actor_t member = s_actor (OTHER, OFFICE, false, false, false);
    assert_int_equal (poll_roles (&member, ME, OFFICE, false), 0);
}

static void
test_see_draft_only_creator_and_office (void **state)
{
    (void) state;
    vote_fault_t f;
    poll_may_see (POLL_ROLE_RESPONDENT, POLL_DRAFT, &f);
    assert_int_equal (f.status, CAB_NOT_FOUND);
    poll_may_see (POLL_ROLE_RESPONDENT, POLL_OPEN, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_see (POLL_ROLE_OFFICE, POLL_DRAFT, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_see (0, POLL_ARCHIVED, &f);
    assert_int_equal (f.status, CAB_NOT_FOUND);
    poll_may_manage (POLL_ROLE_OFFICE, POLL_OPEN, &f);
    assert_int_equal (f.status, CAB_PERMISSION_DENIED);
    poll_may_manage (POLL_ROLE_RESPONDENT, POLL_DRAFT, &f);
    assert_int_equal (f.status, CAB_NOT_FOUND);
    poll_may_manage (POLL_ROLE_CREATOR, POLL_DRAFT, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_read_all (POLL_ROLE_RESPONDENT, &f);
    assert_int_equal (f.status, CAB_PERMISSION_DENIED);
    poll_may_read_results (POLL_ROLE_RESPONDENT, POLL_OPEN, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    poll_may_read_results (POLL_ROLE_RESPONDENT, POLL_CLOSED, &f);
    assert_int_equal (f.status, CAB_OK);
}

static void
test_deadline_closes_an_open_poll (void **state)
{
    (void) state;
    assert_int_equal (poll_effective_state (POLL_OPEN, NOW, NOW - 1), POLL_OPEN);
    assert_int_equal (poll_effective_state (POLL_OPEN, NOW, NOW), POLL_CLOSED);
    assert_int_equal (poll_effective_state (POLL_DRAFT, NOW, NOW + 9), POLL_DRAFT);
    assert_int_equal (poll_effective_state (POLL_ARCHIVED, NOW, NOW + 9), POLL_ARCHIVED);
    poll_state_t s;
    assert_true (poll_state_parse ("archived", &s));
    assert_int_equal (s, POLL_ARCHIVED);
    assert_false (poll_state_parse ("sent", &s));
}

static void
test_transitions_follow_the_states (void **state)
{
    (void) state;
    vote_fault_t f;
    poll_may_send (POLL_DRAFT, NOW + 10, NOW, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_send (POLL_DRAFT, NOW, NOW, &f);
    assert_int_equal (f.status, CAB_FAILED_PRECONDITION);
    poll_may_send (POLL_OPEN, NOW + 10, NOW, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    poll_may_edit (POLL_DRAFT, &f);
    assert_int_equal (f.status, CAB_OK);
    for (poll_state_t st = POLL_OPEN; st <= POLL_ARCHIVED; st++) {
        poll_may_edit (st, &f);
        assert_int_equal (f.status, CAB_ABORTED);
    }
    poll_may_close (POLL_OPEN, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_close (POLL_CLOSED, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    poll_may_archive (POLL_OPEN, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    poll_may_archive (POLL_CLOSED, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_answer (POLL_OPEN, POLL_ROLE_RESPONDENT, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_may_answer (POLL_CLOSED, POLL_ROLE_RESPONDENT, &f);
    assert_int_equal (f.status, CAB_ABORTED);
    assert_string_equal (f.code, "poll_not_open");
    poll_may_answer (POLL_OPEN, POLL_ROLE_CREATOR | POLL_ROLE_OFFICE, &f);
    assert_int_equal (f.status, CAB_PERMISSION_DENIED);
    assert_string_equal (f.code, "not_respondent");
}

static void
test_inputs_title_deadline_documents_targets (void **state)
{
    (void) state;
    vote_fault_t f;
    poll_check_title ("Lấy ý kiến", &f);
    assert_int_equal (f.status, CAB_OK);
    poll_check_title (" ", &f);
    assert_string_equal (f.field, "title");
    poll_check_title ("Hai\ndòng", &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_deadline (NOW, NOW, &f);
    assert_string_equal (f.field, "deadline");
    poll_check_deadline (NOW + 400 * 86400, NOW, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_deadline (NOW + 60, NOW, &f);
    assert_int_equal (f.status, CAB_OK);
    char *docs[] = {DOC, DOC};
    poll_check_documents (docs, 1, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_check_documents (docs, 2, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_target_in_t targets[] = {{ME, NULL}, {NULL, OFFICE}, {ME, OFFICE}, {NULL, "x"}};
    poll_check_targets (targets, 2, true, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_check_targets (targets, 0, true, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_targets (&targets[2], 1, true, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_targets (&targets[3], 1, true, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_target_in_t twice[] = {{ME, NULL}, {ME, NULL}};
    poll_check_targets (twice, 2, true, &f);
    assert_non_null (strstr (f.message, "lặp lại"));
}

static void
test_questions_choice_and_text_shapes (void **state)
{
    (void) state;
    vote_fault_t f;
    for (size_t i = 0; i < 3; i++) {
        poll_check_question (i, &s_questions[i], &f);
        assert_int_equal (f.status, CAB_OK);
    }
    char *one[] = {"Một"};
    poll_question_t q = {NULL, POLL_CHOICE, "Chọn?", one, 1, false, true, 0};
    poll_check_question (0, &q, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    char *same[] = {"Một", "Một"};
    q.options = same;
    q.n_options = 2;
    poll_check_question (0, &q, &f);
    assert_non_null (strstr (f.message, "lặp lại"));
    char *lines[] = {"Một", "Hai\nBa"};
    q.options = lines;
    poll_check_question (0, &q, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_question_t text = {NULL, POLL_TEXT, "Ý kiến?", s_opts1, 3, false, true, 0};
    poll_check_question (1, &text, &f);
    assert_non_null (strstr (f.message, "thứ 2"));
    text.n_options = 0;
    text.max_length = POLL_TEXT_MAX + 1;
    poll_check_question (1, &text, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_question_count (0, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_question_count (POLL_QUESTIONS_MAX + 1, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
}

//  Read answers; returns the fault's code ("" when accepted).
static const char *
s_read (const poll_item_in_t *items, size_t n, poll_item_t *out, size_t *n_out)
{
    static vote_fault_t f;
    poll_read_answers (s_questions, 3, items, n, out, n_out, &f);
    if (f.status == CAB_OK)
        return "";
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (f.field, "answers");
    return f.code ? f.code : "other";
}

static void
test_answers_read_against_the_questions (void **state)
{
    (void) state;
    char *agree[] = {"Đồng ý"};
    char *fields[] = {"Môi trường", "Kinh tế"};
    poll_item_in_t items[] = {
        {Q3, NULL, 0, "Tốt"},
        {Q2, fields, 2, NULL},
        {Q1, agree, 1, NULL},
    };
    poll_item_t out[3];
    size_t n = 0;
    assert_string_equal (s_read (items, 3, out, &n), "");
    //  In the poll's order, choices as ascending indexes.
    assert_int_equal (n, 3);
    assert_int_equal (out[0].question, 0);
    assert_int_equal (out[0].choices[0], 0);
    assert_int_equal (out[1].n_choices, 2);
    assert_int_equal (out[1].choices[0], 0);
    assert_int_equal (out[1].choices[1], 2);
    assert_string_equal (out[2].text, "Tốt");
    //  The optional question left out is no answer.
    poll_item_in_t without[] = {items[0], items[2]};
    assert_string_equal (s_read (without, 2, out, &n), "");
    assert_int_equal (n, 2);
}

static void
test_answers_refused_with_their_codes (void **state)
{
    (void) state;
    char *agree[] = {"Đồng ý"};
    char *two[] = {"Đồng ý", "Không đồng ý"};
    char *unknown[] = {"Tán thành"};
    char *twice[] = {"Kinh tế", "Kinh tế"};
    poll_item_t out[4];
    size_t n = 0;
    poll_item_in_t base[] = {{Q1, agree, 1, NULL}, {Q3, NULL, 0, "Tốt"}};
    poll_item_in_t a[] = {base[0], base[1], {"0190c0de-0000-7000-8000-0000000000ee", NULL, 0, "?"}};
    assert_string_equal (s_read (a, 3, out, &n), "unknown_question");
    poll_item_in_t b[] = {{Q1, unknown, 1, NULL}, base[1]};
    assert_string_equal (s_read (b, 2, out, &n), "option_not_offered");
    poll_item_in_t c[] = {{Q1, two, 2, NULL}, base[1]};
    assert_string_equal (s_read (c, 2, out, &n), "too_many_choices");
    poll_item_in_t d[] = {base[0], base[1], {Q2, twice, 2, NULL}};
    assert_string_equal (s_read (d, 3, out, &n), "too_many_choices");
    poll_item_in_t e[] = {base[0]};
    assert_string_equal (s_read (e, 1, out, &n), "missing_answer");
    poll_item_in_t f[] = {base[0], {Q3, NULL, 0, "   "}};
    assert_string_equal (s_read (f, 2, out, &n), "missing_answer");
    poll_item_in_t g[] = {base[0], {Q3, NULL, 0, "mười một ký"}};
    assert_string_equal (s_read (g, 2, out, &n), "text_too_long");
    poll_item_in_t h[] = {base[0], {Q3, NULL, 0, "mười ký tự"}};
    assert_string_equal (s_read (h, 2, out, &n), "");
    poll_item_in_t i[] = {{Q1, NULL, 0, "Đồng ý"}, base[1]};
    assert_string_equal (s_read (i, 2, out, &n), "answer_kind");
    poll_item_in_t j[] = {base[0], base[1], base[1]};
    assert_string_equal (s_read (j, 3, out, &n), "other");
}

static void
test_comments_on_attached_documents_only (void **state)
{
    (void) state;
    vote_fault_t f;
    char *docs[] = {DOC};
    poll_comment_t ok[] = {{DOC, 2, "Điều 5", "Nên sửa", "Điều 5 mới"},
                           {DOC, 0, NULL, "Thiếu", NULL}};
    poll_check_comments (ok, 2, docs, 1, &f);
    assert_int_equal (f.status, CAB_OK);
    poll_comment_t elsewhere[] = {{ME, 0, NULL, "Nên sửa", NULL}};
    poll_check_comments (elsewhere, 1, docs, 1, &f);
    assert_string_equal (f.code, "document_not_attached");
    poll_comment_t blank[] = {{DOC, 0, NULL, " ", NULL}};
    poll_check_comments (blank, 1, docs, 1, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_comment_t page[] = {{DOC, -1, NULL, "x", NULL}};
    poll_check_comments (page, 1, docs, 1, &f);
    assert_int_equal (f.status, CAB_INVALID_ARGUMENT);
    poll_check_signature_fields (NULL, NULL, true, &f);
    assert_string_equal (f.code, "signature_required");
    poll_check_signature_fields ("abc", NULL, true, &f);
    assert_string_equal (f.field, "signed_at");
    poll_check_signature_fields ("abc", "t", false, &f);
    assert_string_equal (f.field, "signature");
    poll_check_signature_fields (NULL, NULL, false, &f);
    assert_int_equal (f.status, CAB_OK);
}

static void
test_canonical_string_is_exact (void **state)
{
    (void) state;
    poll_item_t items[] = {
        {.question = 0, .choices = {1}, .n_choices = 1},
        {.question = 1, .choices = {0, 2}, .n_choices = 2},
        {.question = 2, .text = "Dòng 1\nDòng \"2\"\t\\ /\x01"},
    };
    poll_comment_t comments[] = {{DOC, 3, "Điều 1", "Sửa", NULL}, {DOC, 0, NULL, "Thêm", "Mới"}};
    char *s =
        poll_canonical (POLL, ME, "2026-12-01T08:00:00+07:00", s_questions, items, 3, comments, 2);
    assert_non_null (s);
    assert_string_equal (s, "cabinet-poll-answer-v1\n" POLL "\n" ME "\n2026-12-01T08:00:00+07:00\n"
                            "q " Q1 " [\"Không đồng ý\"]\n"
                            "q " Q2 " [\"Kinh tế\",\"Môi trường\"]\n"
                            "q " Q3 " \"Dòng 1\\nDòng \\\"2\\\"\\t\\\\ /\\u0001\"\n"
                            "c " DOC " 3 \"Điều 1\" \"Sửa\" null\n"
                            "c " DOC " - null \"Thêm\" \"Mới\"");
    free (s);
    //  Nothing answered, no comment: the four lines alone.
    s = poll_canonical (POLL, ME, "t", s_questions, items, 0, comments, 0);
    assert_string_equal (s, "cabinet-poll-answer-v1\n" POLL "\n" ME "\nt");
    free (s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_create_is_for_office_roles_and_admins),
        cmocka_unit_test (test_roles_creator_office_of_same_agency_respondent),
        cmocka_unit_test (test_see_draft_only_creator_and_office),
        cmocka_unit_test (test_deadline_closes_an_open_poll),
        cmocka_unit_test (test_transitions_follow_the_states),
        cmocka_unit_test (test_inputs_title_deadline_documents_targets),
        cmocka_unit_test (test_questions_choice_and_text_shapes),
        cmocka_unit_test (test_answers_read_against_the_questions),
        cmocka_unit_test (test_answers_refused_with_their_codes),
        cmocka_unit_test (test_comments_on_attached_documents_only),
        cmocka_unit_test (test_canonical_string_is_exact),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
