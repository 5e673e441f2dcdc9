/*  Unit tests of Argon2id hashing and one-time passwords.  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
//  cmocka.h needs the three above before it.
#include "password.h"
#include "rules.h"
#include <cmocka.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static void
test_password_hash_is_argon2id_with_chosen_parameters (void **state)
{
    (void) state;
    char hash[IDENT_HASH_TEXT_MAX];
    assert_int_equal (ident_password_hash ("hop-khong-giay-2026", hash), 0);
    assert_non_null (strstr (hash, "$argon2id$v=19$m=19456,t=2,p=1$"));
}

static void
test_password_verify_accepts_the_password (void **state)
{
    (void) state;
    char hash[IDENT_HASH_TEXT_MAX];
    assert_int_equal (ident_password_hash ("mật-khẩu-2026", hash), 0);
    assert_true (ident_password_verify (hash, "mật-khẩu-2026"));
}

static void
test_password_verify_refuses_another_password (void **state)
{
    (void) state;
    char hash[IDENT_HASH_TEXT_MAX];
    assert_int_equal (ident_password_hash ("mật-khẩu-2026", hash), 0);
    assert_false (ident_password_verify (hash, "mật-khẩu-2027"));
    assert_false (ident_password_verify (hash, ""));
}

static void
test_password_hash_salts_each_hash (void **state)
{
    (void) state;
    char a[IDENT_HASH_TEXT_MAX], b[IDENT_HASH_TEXT_MAX];
    assert_int_equal (ident_password_hash ("giong-nhau-1", a), 0);
    assert_int_equal (ident_password_hash ("giong-nhau-1", b), 0);
    assert_string_not_equal (a, b);
}

static void
test_password_verify_refuses_missing_or_foreign_hash (void **state)
{
    (void) state;
    assert_false (ident_password_verify (NULL, "x"));
    assert_false (ident_password_verify ("plaintext", "plaintext"));
    assert_false (ident_password_verify ("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
}

static void
test_password_generate_meets_policy (void **state)
{
    (void) state;
    char otp[IDENT_OTP_MAX_CHARS + 1];
    for (int i = 0; i < 50; i++) {
        assert_int_equal (ident_password_generate (10, otp, sizeof otp), 0);
        assert_int_equal (strlen (otp), IDENT_OTP_MIN_CHARS);
        assert_int_equal (ident_password_policy (otp, "vanthu", NULL, 10), IDENT_PW_OK);
    }
}

static void
test_password_generate_honours_longer_minimum (void **state)
{
    (void) state;
    char otp[IDENT_OTP_MAX_CHARS + 1];
    assert_int_equal (ident_password_generate (24, otp, sizeof otp), 0);
    assert_int_equal (strlen (otp), 24);
}

static void
test_password_generate_differs_each_time (void **state)
{
    (void) state;
    char a[IDENT_OTP_MAX_CHARS + 1], b[IDENT_OTP_MAX_CHARS + 1];
    assert_int_equal (ident_password_generate (10, a, sizeof a), 0);
    assert_int_equal (ident_password_generate (10, b, sizeof b), 0);
    assert_string_not_equal (a, b);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_password_hash_is_argon2id_with_chosen_parameters),
        cmocka_unit_test (test_password_verify_accepts_the_password),
        cmocka_unit_test (test_password_verify_refuses_another_password),
        cmocka_unit_test (test_password_hash_salts_each_hash),
        cmocka_unit_test (test_password_verify_refuses_missing_or_foreign_hash),
        cmocka_unit_test (test_password_generate_meets_policy),
        cmocka_unit_test (test_password_generate_honours_longer_minimum),
        cmocka_unit_test (test_password_generate_differs_each_time),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
