/*  Unit tests of the identity service's pure rules: input shapes, password
    policy, password age, lockout, who may do what, LDAP filter escaping
    and LIKE patterns.  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
//  cmocka.h needs the three above before it.
#include "rules.h"
#include <cmocka.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define UNIT_A "0190c0de-0000-7000-8000-00000000000a"
#define UNIT_B "0190c0de-0000-7000-8000-00000000000b"
#define USER_1 "0190c0de-0000-7000-8000-000000000001"
#define USER_2 "0190c0de-0000-7000-8000-000000000002"
#define DAY 86400LL
#define NOW 1780000000LL

static char *s_sysadmin_roles[] = {"system_admin"};
static char *s_unitadmin_roles[] = {"unit_admin", "member"};
static char *s_member_roles[] = {"member", "clerk"};

static ident_actor_t
s_actor (char **roles, size_t n)
{
    ident_actor_t actor;
    cab_actor_init (&actor, USER_1, UNIT_A, roles, n);
    return actor;
}

/* ---- usernames ------------------------------------------------------------- */

static void
test_check_username_accepts_lowercase_digits_dot_dash_underscore (void **state)
{
    (void) state;
    assert_null (ident_check_username ("nguyen.van_a-1"));
    assert_null (ident_check_username ("abc"));
}

static void
test_check_username_refuses_uppercase (void **state)
{
    (void) state;
    assert_string_equal (ident_check_username ("NguyenVanA"),
                         "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -");
}

static void
test_check_username_refuses_diacritics_and_spaces (void **state)
{
    (void) state;
    assert_non_null (ident_check_username ("nguyễn"));
    assert_non_null (ident_check_username ("van a"));
    assert_non_null (ident_check_username ("a'; drop"));
}

static void
test_check_username_refuses_too_short_or_too_long (void **state)
{
    (void) state;
    char long_name[IDENT_USERNAME_MAX + 2];
    memset (long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_non_null (ident_check_username ("ab"));
    assert_non_null (ident_check_username (long_name));
    long_name[IDENT_USERNAME_MAX] = '\0';
    assert_null (ident_check_username (long_name));
}

static void
test_check_username_refuses_missing (void **state)
{
    (void) state;
    assert_string_equal (ident_check_username (NULL), "Vui lòng nhập tên đăng nhập");
    assert_string_equal (ident_check_username (""), "Vui lòng nhập tên đăng nhập");
}

/* ---- names, e-mail, phone --------------------------------------------------------- */

static void
test_check_full_name_counts_code_points_not_bytes (void **state)
{
    (void) state;
    //  200 letters "ễ" are 600 bytes but 200 characters: acceptable.
    char name[3 * IDENT_NAME_MAX + 4] = "";
    for (int i = 0; i < IDENT_NAME_MAX; i++)
        strcat (name, "ễ");
    assert_null (ident_check_full_name (name));
    strcat (name, "a");
    assert_non_null (ident_check_full_name (name));
}

static void
test_check_full_name_refuses_blank_and_control_chars (void **state)
{
    (void) state;
    assert_non_null (ident_check_full_name ("   "));
    assert_non_null (ident_check_full_name ("Lê\nMinh"));
    assert_null (ident_check_full_name ("Lê Minh Tuấn"));
}

static void
test_check_email_accepts_common_addresses (void **state)
{
    (void) state;
    assert_null (ident_check_email ("vanthu@ubnd.binhdinh.gov.vn"));
    assert_null (ident_check_email ("le.minh+hop@stttt.gov.vn"));
    assert_null (ident_check_email (""));
}

static void
test_check_email_refuses_malformed (void **state)
{
    (void) state;
    assert_non_null (ident_check_email ("vanthu"));
    assert_non_null (ident_check_email ("vanthu@"));
    assert_non_null (ident_check_email ("@gov.vn"));
    assert_non_null (ident_check_email ("a@@gov.vn"));
    assert_non_null (ident_check_email ("a@gov"));
    assert_non_null (ident_check_email ("a..b@gov.vn"));
    assert_non_null (ident_check_email ("a b@gov.vn"));
    assert_non_null (ident_check_email ("a@-gov.vn"));
    assert_non_null (ident_check_email ("a@gov.v1"));
}

static void
test_check_phone_accepts_digits_spaces_and_leading_plus (void **state)
{
    (void) state;
    assert_null (ident_check_phone ("0912 345 678"));
    assert_null (ident_check_phone ("+84 912 345 678"));
    assert_null (ident_check_phone (""));
}

static void
test_check_phone_refuses_letters_dashes_and_inner_plus (void **state)
{
    (void) state;
    assert_non_null (ident_check_phone ("0912-345-678"));
    assert_non_null (ident_check_phone ("09a2345678"));
    assert_non_null (ident_check_phone ("84+912345678"));
    assert_non_null (ident_check_phone ("12"));
    assert_non_null (ident_check_phone ("1234567890123456"));
}

static void
test_role_valid_knows_exactly_five_roles (void **state)
{
    (void) state;
    assert_true (ident_role_valid ("system_admin"));
    assert_true (ident_role_valid ("unit_admin"));
    assert_true (ident_role_valid ("clerk"));
    assert_true (ident_role_valid ("approver"));
    assert_true (ident_role_valid ("member"));
    assert_false (ident_role_valid ("chair"));
    assert_false (ident_role_valid ("System_Admin"));
    assert_false (ident_role_valid (NULL));
}

static void
test_rfc3339_valid_accepts_offsets_and_fractions (void **state)
{
    (void) state;
    assert_true (ident_rfc3339_valid ("2026-12-01T08:00:00+07:00"));
    assert_true (ident_rfc3339_valid ("2026-12-01T01:00:00.123Z"));
    assert_true (ident_rfc3339_valid ("2024-02-29T23:59:60-05:30"));
}

static void
test_rfc3339_valid_refuses_dates_without_time_or_offset (void **state)
{
    (void) state;
    assert_false (ident_rfc3339_valid ("2026-12-01"));
    assert_false (ident_rfc3339_valid ("2026-12-01T08:00:00"));
    assert_false (ident_rfc3339_valid ("2026-02-30T08:00:00Z"));
    assert_false (ident_rfc3339_valid ("2026-12-01T24:00:00Z"));
    assert_false (ident_rfc3339_valid ("2026-12-01T08:00:00+07:00; DROP"));
}

/* ---- password policy ----------------------------------------------------------- */

static void
test_password_policy_accepts_letters_and_digits (void **state)
{
    (void) state;
    assert_int_equal (ident_password_policy ("hop-khong-giay-2026", "vanthu", "cu-2025-abc", 10),
                      IDENT_PW_OK);
}

static void
test_password_policy_refuses_short (void **state)
{
    (void) state;
    assert_int_equal (ident_password_policy ("abc123", "vanthu", NULL, 10), IDENT_PW_TOO_SHORT);
}

static void
test_password_policy_counts_code_points (void **state)
{
    (void) state;
    //  "mậtkhẩu12" is 9 characters but more bytes: still too short for 10.
    assert_int_equal (ident_password_policy ("mậtkhẩu12", "vanthu", NULL, 10), IDENT_PW_TOO_SHORT);
    assert_int_equal (ident_password_policy ("mậtkhẩu123", "vanthu", NULL, 10), IDENT_PW_OK);
}

static void
test_password_policy_refuses_letters_only_or_digits_only (void **state)
{
    (void) state;
    assert_int_equal (ident_password_policy ("abcdefghijkl", "vanthu", NULL, 10),
                      IDENT_PW_LETTER_AND_DIGIT);
    assert_int_equal (ident_password_policy ("123456789012", "vanthu", NULL, 10),
                      IDENT_PW_LETTER_AND_DIGIT);
}

static void
test_password_policy_refuses_username_in_any_case (void **state)
{
    (void) state;
    assert_int_equal (ident_password_policy ("NguyenVan12", "nguyenvan12", NULL, 10),
                      IDENT_PW_IS_USERNAME);
}

static void
test_password_policy_refuses_old_password (void **state)
{
    (void) state;
    assert_int_equal (ident_password_policy ("giu-nguyen-2026", "vanthu", "giu-nguyen-2026", 10),
                      IDENT_PW_UNCHANGED);
}

static void
test_password_policy_message_names_minimum_length (void **state)
{
    (void) state;
    char buf[160];
    assert_string_equal (ident_password_policy_message (IDENT_PW_TOO_SHORT, 12, buf, sizeof buf),
                         "Mật khẩu phải có ít nhất 12 ký tự");
}

/* ---- password age ----------------------------------------------------------------- */

static void
test_password_expired_after_max_age (void **state)
{
    (void) state;
    assert_true (ident_password_expired (NOW - 91 * DAY, NOW, 90));
}

static void
test_password_expired_not_within_max_age (void **state)
{
    (void) state;
    assert_false (ident_password_expired (NOW - 89 * DAY, NOW, 90));
    assert_false (ident_password_expired (NOW - 90 * DAY, NOW, 90));
}

static void
test_password_expired_never_when_ageing_is_off (void **state)
{
    (void) state;
    assert_false (ident_password_expired (NOW - 3650 * DAY, NOW, 0));
}

static void
test_password_expired_when_change_time_unknown (void **state)
{
    (void) state;
    assert_true (ident_password_expired (0, NOW, 30));
}

/* ---- lockout ------------------------------------------------------------------------ */

static void
test_lockout_locked_at_threshold (void **state)
{
    (void) state;
    assert_true (ident_lockout_locked (5, 5));
    assert_true (ident_lockout_locked (6, 5));
}

static void
test_lockout_not_locked_below_threshold (void **state)
{
    (void) state;
    assert_false (ident_lockout_locked (4, 5));
    assert_false (ident_lockout_locked (0, 5));
}

static void
test_lockout_minutes_left_counts_from_oldest_failure (void **state)
{
    (void) state;
    //  Oldest counted failure 5 minutes ago, window 15: 10 minutes left.
    assert_int_equal (ident_lockout_minutes_left (NOW - 300, NOW, 15), 10);
    //  Partial minutes round up.
    assert_int_equal (ident_lockout_minutes_left (NOW - 301, NOW, 15), 10);
    assert_int_equal (ident_lockout_minutes_left (NOW - 360, NOW, 15), 9);
}

static void
test_lockout_minutes_left_is_at_least_one (void **state)
{
    (void) state;
    assert_int_equal (ident_lockout_minutes_left (NOW - 15 * 60, NOW, 15), 1);
}

/* ---- authorization ------------------------------------------------------------------ */

static void
test_may_manage_user_system_admin_everywhere (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_sysadmin_roles, 1);
    assert_true (ident_may_manage_user (&actor, UNIT_B, false));
    assert_true (ident_may_manage_user (&actor, UNIT_B, true));
}

static void
test_may_manage_user_unit_admin_own_unit_only (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_unitadmin_roles, 2);
    assert_true (ident_may_manage_user (&actor, UNIT_A, false));
    assert_false (ident_may_manage_user (&actor, UNIT_B, false));
}

static void
test_may_manage_user_unit_admin_never_a_system_admin (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_unitadmin_roles, 2);
    assert_false (ident_may_manage_user (&actor, UNIT_A, true));
}

static void
test_may_manage_user_member_nowhere (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_member_roles, 2);
    assert_false (ident_may_manage_user (&actor, UNIT_A, false));
}

static void
test_may_grant_roles_unit_admin_not_system_admin (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_unitadmin_roles, 2);
    char *ok_roles[] = {"clerk", "unit_admin"};
    char *bad_roles[] = {"member", "system_admin"};
    assert_true (ident_may_grant_roles (&actor, ok_roles, 2));
    assert_false (ident_may_grant_roles (&actor, bad_roles, 2));
}

static void
test_may_grant_roles_system_admin_any (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_sysadmin_roles, 1);
    char *roles[] = {"system_admin"};
    assert_true (ident_may_grant_roles (&actor, roles, 1));
}

static void
test_may_grant_roles_member_none (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_member_roles, 2);
    char *roles[] = {"member"};
    assert_false (ident_may_grant_roles (&actor, roles, 1));
}

static void
test_may_see_contact_self_and_admins_only (void **state)
{
    (void) state;
    ident_actor_t member = s_actor (s_member_roles, 2);
    ident_actor_t unit_admin = s_actor (s_unitadmin_roles, 2);
    ident_actor_t sysadmin = s_actor (s_sysadmin_roles, 1);
    assert_true (ident_may_see_contact (&member, USER_1, UNIT_A));
    assert_false (ident_may_see_contact (&member, USER_2, UNIT_A));
    assert_true (ident_may_see_contact (&unit_admin, USER_2, UNIT_A));
    assert_false (ident_may_see_contact (&unit_admin, USER_2, UNIT_B));
    assert_true (ident_may_see_contact (&sysadmin, USER_2, UNIT_B));
}

static void
test_may_rename_unit_unit_admin_own_only (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_unitadmin_roles, 2);
    assert_true (ident_may_rename_unit (&actor, UNIT_A));
    assert_false (ident_may_rename_unit (&actor, UNIT_B));
    assert_false (ident_may_restructure_units (&actor));
}

static void
test_may_restructure_units_system_admin (void **state)
{
    (void) state;
    ident_actor_t actor = s_actor (s_sysadmin_roles, 1);
    assert_true (ident_may_restructure_units (&actor));
    assert_true (ident_may_rename_unit (&actor, UNIT_B));
}

static void
test_login_scope_by_role (void **state)
{
    (void) state;
    ident_actor_t sysadmin = s_actor (s_sysadmin_roles, 1);
    ident_actor_t unit_admin = s_actor (s_unitadmin_roles, 2);
    ident_actor_t member = s_actor (s_member_roles, 2);
    assert_int_equal (ident_login_scope (&sysadmin), IDENT_LOGINS_ALL);
    assert_int_equal (ident_login_scope (&unit_admin), IDENT_LOGINS_OWN_UNIT);
    assert_int_equal (ident_login_scope (&member), IDENT_LOGINS_DENIED);
}

static void
test_actor_init_anonymous_has_no_rights (void **state)
{
    (void) state;
    ident_actor_t actor;
    cab_actor_init (&actor, NULL, NULL, NULL, 0);
    assert_false (actor.system_admin);
    assert_false (ident_may_manage_user (&actor, UNIT_A, false));
    assert_false (ident_may_see_contact (&actor, USER_1, UNIT_A));
}

/* ---- escaping ------------------------------------------------------------------------- */

static void
test_ldap_escape_rfc4515_specials (void **state)
{
    (void) state;
    char out[128];
    assert_true (ident_ldap_escape ("*)(uid=*))(|(uid=*", out, sizeof out));
    assert_string_equal (out, "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a");
    assert_true (ident_ldap_escape ("a\\b", out, sizeof out));
    assert_string_equal (out, "a\\5cb");
}

static void
test_ldap_escape_passes_utf8 (void **state)
{
    (void) state;
    char out[64];
    assert_true (ident_ldap_escape ("nguyễn.văn.a@tỉnh.vn", out, sizeof out));
    assert_string_equal (out, "nguyễn.văn.a@tỉnh.vn");
}

static void
test_ldap_escape_refuses_small_buffer (void **state)
{
    (void) state;
    char out[4];
    assert_false (ident_ldap_escape ("**", out, sizeof out));
    assert_string_equal (out, "");
}

static void
test_utf8_truncate_keeps_whole_characters (void **state)
{
    (void) state;
    char s[] = "Nguyễn";  //  "ễ" is 3 bytes at offsets 4..6
    ident_utf8_truncate (s, 5);
    assert_string_equal (s, "Nguy");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_check_username_accepts_lowercase_digits_dot_dash_underscore),
        cmocka_unit_test (test_check_username_refuses_uppercase),
        cmocka_unit_test (test_check_username_refuses_diacritics_and_spaces),
        cmocka_unit_test (test_check_username_refuses_too_short_or_too_long),
        cmocka_unit_test (test_check_username_refuses_missing),
        cmocka_unit_test (test_check_full_name_counts_code_points_not_bytes),
        cmocka_unit_test (test_check_full_name_refuses_blank_and_control_chars),
        cmocka_unit_test (test_check_email_accepts_common_addresses),
        cmocka_unit_test (test_check_email_refuses_malformed),
        cmocka_unit_test (test_check_phone_accepts_digits_spaces_and_leading_plus),
        cmocka_unit_test (test_check_phone_refuses_letters_dashes_and_inner_plus),
        cmocka_unit_test (test_role_valid_knows_exactly_five_roles),
        cmocka_unit_test (test_rfc3339_valid_accepts_offsets_and_fractions),
        cmocka_unit_test (test_rfc3339_valid_refuses_dates_without_time_or_offset),
        cmocka_unit_test (test_password_policy_accepts_letters_and_digits),
        cmocka_unit_test (test_password_policy_refuses_short),
        cmocka_unit_test (test_password_policy_counts_code_points),
        cmocka_unit_test (test_password_policy_refuses_letters_only_or_digits_only),
        cmocka_unit_test (test_password_policy_refuses_username_in_any_case),
        cmocka_unit_test (test_password_policy_refuses_old_password),
        cmocka_unit_test (test_password_policy_message_names_minimum_length),
        cmocka_unit_test (test_password_expired_after_max_age),
        cmocka_unit_test (test_password_expired_not_within_max_age),
        cmocka_unit_test (test_password_expired_never_when_ageing_is_off),
        cmocka_unit_test (test_password_expired_when_change_time_unknown),
        cmocka_unit_test (test_lockout_locked_at_threshold),
        cmocka_unit_test (test_lockout_not_locked_below_threshold),
        cmocka_unit_test (test_lockout_minutes_left_counts_from_oldest_failure),
        cmocka_unit_test (test_lockout_minutes_left_is_at_least_one),
        cmocka_unit_test (test_may_manage_user_system_admin_everywhere),
        cmocka_unit_test (test_may_manage_user_unit_admin_own_unit_only),
        cmocka_unit_test (test_may_manage_user_unit_admin_never_a_system_admin),
        cmocka_unit_test (test_may_manage_user_member_nowhere),
        cmocka_unit_test (test_may_grant_roles_unit_admin_not_system_admin),
        cmocka_unit_test (test_may_grant_roles_system_admin_any),
        cmocka_unit_test (test_may_grant_roles_member_none),
        cmocka_unit_test (test_may_see_contact_self_and_admins_only),
        cmocka_unit_test (test_may_rename_unit_unit_admin_own_only),
        cmocka_unit_test (test_may_restructure_units_system_admin),
        cmocka_unit_test (test_login_scope_by_role),
        cmocka_unit_test (test_actor_init_anonymous_has_no_rights),
        cmocka_unit_test (test_ldap_escape_rfc4515_specials),
        cmocka_unit_test (test_ldap_escape_passes_utf8),
        cmocka_unit_test (test_ldap_escape_refuses_small_buffer),
        cmocka_unit_test (test_utf8_truncate_keeps_whole_characters),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
