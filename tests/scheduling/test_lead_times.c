/*  Unit tests of the lead-time rules (R3.4, R4.1, R4.3): every rule for
    every meeting type at its boundary (exactly at the limit, one second
    before, one second after), the node settings that feed them and their
    defaults, the violation text, and the time checks around approval.  */
#include "rules.h"
#include "worker.h"
#include <stdbool.h>
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

#define HOUR 3600LL
#define START 1796086800LL  //  2026-12-01T08:00:00+07:00

#define RULE_notice SCHED_RULE_NOTICE
#define RULE_reply SCHED_RULE_REPLY
#define RULE_documents SCHED_RULE_DOCUMENTS
#define RULE_support SCHED_RULE_SUPPORT
#define TYPE_regular SCHED_TYPE_REGULAR
#define TYPE_urgent SCHED_TYPE_URGENT
#define TYPE_emergency SCHED_TYPE_EMERGENCY

//  The regulations' values, which are also the settings' defaults:
//  notice 3 days / 1 day, replies 1 day / 5 hours, documents 3 days /
//  1 day, support 1 day; emergencies have none.
#define LEADS(X)                                                                                   \
    X (notice, regular, 72)                                                                        \
    X (notice, urgent, 24)                                                                         \
    X (notice, emergency, 0)                                                                       \
    X (reply, regular, 24)                                                                         \
    X (reply, urgent, 5)                                                                           \
    X (reply, emergency, 0)                                                                        \
    X (documents, regular, 72)                                                                     \
    X (documents, urgent, 24)                                                                      \
    X (documents, emergency, 0)                                                                    \
    X (support, regular, 24)                                                                       \
    X (support, urgent, 24)                                                                        \
    X (support, emergency, 24)

static sched_leads_t s_leads;

static int
s_setup (void **state)
{
    (void) state;
    memset (&s_leads, 0, sizeof s_leads);
#define FILL(rule, type, hours) s_leads.seconds[RULE_##rule][TYPE_##type] = (hours) *HOUR;
    LEADS (FILL)
#undef FILL
    return 0;
}

#define BOUNDARY_TESTS(rule, type, hours)                                                          \
    static void test_##rule##_##type##_in_time_exactly_at_the_limit (void **state)                 \
    {                                                                                              \
        (void) state;                                                                              \
        int64_t at = START - (hours) *HOUR;                                                        \
        assert_int_equal (sched_due (&s_leads, RULE_##rule, TYPE_##type, START), at);              \
        assert_true (sched_in_time (&s_leads, RULE_##rule, TYPE_##type, START, at));               \
        assert_int_equal (sched_late_seconds (&s_leads, RULE_##rule, TYPE_##type, START, at), 0);  \
    }                                                                                              \
    static void test_##rule##_##type##_in_time_one_second_before_the_limit (void **state)          \
    {                                                                                              \
        (void) state;                                                                              \
        int64_t at = START - (hours) *HOUR - 1;                                                    \
        assert_true (sched_in_time (&s_leads, RULE_##rule, TYPE_##type, START, at));               \
        assert_int_equal (sched_late_seconds (&s_leads, RULE_##rule, TYPE_##type, START, at), 0);  \
    }                                                                                              \
    static void test_##rule##_##type##_late_one_second_after_the_limit (void **state)              \
    {                                                                                              \
        (void) state;                                                                              \
        int64_t at = START - (hours) *HOUR + 1;                                                    \
        assert_false (sched_in_time (&s_leads, RULE_##rule, TYPE_##type, START, at));              \
        assert_int_equal (sched_late_seconds (&s_leads, RULE_##rule, TYPE_##type, START, at), 1);  \
    }

#define BOUNDARY_LIST(rule, type, hours)                                                           \
    cmocka_unit_test_setup (test_##rule##_##type##_in_time_exactly_at_the_limit, s_setup),         \
        cmocka_unit_test_setup (test_##rule##_##type##_in_time_one_second_before_the_limit,        \
                                s_setup),                                                          \
        cmocka_unit_test_setup (test_##rule##_##type##_late_one_second_after_the_limit, s_setup),

LEADS (BOUNDARY_TESTS)

/* ---- settings --------------------------------------------------------------------- */

static const char *const s_settings[] = {
    "CABINET_NOTICE_LEAD_HOURS_REGULAR",
    "CABINET_NOTICE_LEAD_HOURS_URGENT",
    "CABINET_NOTICE_LEAD_HOURS_EMERGENCY",
    "CABINET_REPLY_LEAD_HOURS_REGULAR",
    "CABINET_REPLY_LEAD_HOURS_URGENT",
    "CABINET_REPLY_LEAD_HOURS_EMERGENCY",
    "CABINET_DOCUMENTS_LEAD_HOURS_REGULAR",
    "CABINET_DOCUMENTS_LEAD_HOURS_URGENT",
    "CABINET_DOCUMENTS_LEAD_HOURS_EMERGENCY",
    "CABINET_SUPPORT_LEAD_HOURS",
    NULL,
};

static void
s_clear_settings (void)
{
    for (int i = 0; s_settings[i]; i++)
        unsetenv (s_settings[i]);
}

static void
test_settings_default_to_the_regulations (void **state)
{
    (void) state;
    s_clear_settings ();
    sched_settings_t settings;
    sched_settings_load (&settings, "test.node");
#define SAME(rule, type, hours)                                                                    \
    assert_int_equal (settings.leads.seconds[RULE_##rule][TYPE_##type], (hours) *HOUR);
    LEADS (SAME)
#undef SAME
}

static void
test_settings_are_read_per_node_from_the_environment (void **state)
{
    (void) state;
    s_clear_settings ();
    setenv ("CABINET_NOTICE_LEAD_HOURS_REGULAR", "48", 1);
    setenv ("CABINET_REPLY_LEAD_HOURS_URGENT", "3", 1);
    sched_settings_t settings;
    sched_settings_load (&settings, "test.node");
    s_clear_settings ();
    assert_int_equal (settings.leads.seconds[SCHED_RULE_NOTICE][SCHED_TYPE_REGULAR], 48 * HOUR);
    assert_int_equal (settings.leads.seconds[SCHED_RULE_REPLY][SCHED_TYPE_URGENT], 3 * HOUR);
    assert_int_equal (settings.leads.seconds[SCHED_RULE_NOTICE][SCHED_TYPE_URGENT], 24 * HOUR);
    assert_string_equal (settings.node_id, "test.node");
}

static void
test_settings_out_of_range_fall_back_to_default (void **state)
{
    (void) state;
    s_clear_settings ();
    setenv ("CABINET_NOTICE_LEAD_HOURS_REGULAR", "-5", 1);
    sched_settings_t settings;
    sched_settings_load (&settings, "test.node");
    s_clear_settings ();
    assert_int_equal (settings.leads.seconds[SCHED_RULE_NOTICE][SCHED_TYPE_REGULAR], 72 * HOUR);
}

/* ---- texts and the time checks around approval -------------------------------------- */

static void
test_violation_text_names_rule_lead_and_delay (void **state)
{
    (void) state;
    char buf[SCHED_MESSAGE_MAX];
    sched_violation_text (SCHED_RULE_NOTICE, SCHED_TYPE_REGULAR, 72 * HOUR, 5 * HOUR, buf,
                          sizeof buf);
    assert_non_null (strstr (buf, "Giấy mời"));
    assert_non_null (strstr (buf, "3 ngày"));
    assert_non_null (strstr (buf, "cuộc họp thường"));
    assert_non_null (strstr (buf, "trễ 5 giờ"));
}

static void
test_violation_text_of_reply_rule_for_urgent_meeting (void **state)
{
    (void) state;
    char buf[SCHED_MESSAGE_MAX];
    sched_violation_text (SCHED_RULE_REPLY, SCHED_TYPE_URGENT, 5 * HOUR, 90, buf, sizeof buf);
    assert_non_null (strstr (buf, "trả lời"));
    assert_non_null (strstr (buf, "5 giờ"));
    assert_non_null (strstr (buf, "khẩn"));
    assert_non_null (strstr (buf, "trễ 1 phút"));
}

static void
test_start_in_future_refuses_now (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_start_in_future (START, START, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    sched_check_start_in_future (START, START - 1, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_start_in_future (START, START + 1, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
}

static void
test_approve_refused_from_the_start (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_approve_time (START, START - 1, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_approve_time (START, START, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
    sched_check_approve_time (START, START + 1, &fault);
    assert_int_equal (fault.status, CAB_FAILED_PRECONDITION);
}

static void
test_support_state_allowed_until_one_second_before_start (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_support_state (SCHED_APPROVED, START - 1, START, &fault);
    assert_int_equal (fault.status, CAB_OK);
    sched_check_support_state (SCHED_APPROVED, START, START, &fault);
    assert_int_equal (fault.status, CAB_ABORTED);
}

static void
test_support_state_refused_unless_approved (void **state)
{
    (void) state;
    sched_fault_t fault;
    sched_check_support_state (SCHED_PENDING_APPROVAL, START - HOUR, START, &fault);
    assert_int_equal (fault.status, CAB_ABORTED);
    sched_check_support_state (SCHED_IN_PROGRESS, START - HOUR, START, &fault);
    assert_int_equal (fault.status, CAB_ABORTED);
}

static void
test_rule_and_type_names_round_trip (void **state)
{
    (void) state;
    sched_rule_t rule;
    sched_type_t type;
    assert_true (sched_rule_parse ("notice", &rule) && rule == SCHED_RULE_NOTICE);
    assert_true (sched_rule_parse ("support", &rule) && rule == SCHED_RULE_SUPPORT);
    assert_false (sched_rule_parse ("late", &rule));
    assert_true (sched_type_parse ("urgent", &type) && type == SCHED_TYPE_URGENT);
    assert_string_equal (sched_type_name (SCHED_TYPE_EMERGENCY), "emergency");
    assert_false (sched_type_parse ("Regular", &type));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        LEADS (BOUNDARY_LIST) cmocka_unit_test (test_settings_default_to_the_regulations),
        cmocka_unit_test (test_settings_are_read_per_node_from_the_environment),
        cmocka_unit_test (test_settings_out_of_range_fall_back_to_default),
        cmocka_unit_test (test_violation_text_names_rule_lead_and_delay),
        cmocka_unit_test (test_violation_text_of_reply_rule_for_urgent_meeting),
        cmocka_unit_test (test_start_in_future_refuses_now),
        cmocka_unit_test (test_approve_refused_from_the_start),
        cmocka_unit_test (test_support_state_allowed_until_one_second_before_start),
        cmocka_unit_test (test_support_state_refused_unless_approved),
        cmocka_unit_test (test_rule_and_type_names_round_trip),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
