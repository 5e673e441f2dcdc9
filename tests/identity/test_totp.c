/*  Unit tests of HOTP/TOTP against the RFC 4226 and RFC 6238 test vectors
    (SHA-1, secret "12345678901234567890"), and of the one-use, +-1 step
    verification the sign-in uses.  */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
//  cmocka.h needs the three above before it.
#include "totp.h"
#include <cmocka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const unsigned char s_key[] = "12345678901234567890";
#define KEY_LEN 20

//  The 6-digit code at unix_time, as text.
static void
s_code_at (int64_t unix_time, char out[8])
{
    long code = ident_hotp (s_key, KEY_LEN, (uint64_t) ident_totp_step (unix_time), 6);
    snprintf (out, 8, "%06ld", code);
}

static void
test_hotp_matches_rfc4226_vectors (void **state)
{
    (void) state;
    static const long expected[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
    for (uint64_t counter = 0; counter < 10; counter++)
        assert_int_equal (ident_hotp (s_key, KEY_LEN, counter, 6), expected[counter]);
}

static void
test_totp_matches_rfc6238_sha1_vectors (void **state)
{
    (void) state;
    static const struct {
        int64_t time;
        long code;
    } vectors[] = {
        {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
        {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130},
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
        assert_int_equal (
            ident_hotp (s_key, KEY_LEN, (uint64_t) ident_totp_step (vectors[i].time), 8),
            vectors[i].code);
}

static void
test_totp_six_digits_is_eight_digits_mod_million (void **state)
{
    (void) state;
    assert_int_equal (ident_hotp (s_key, KEY_LEN, (uint64_t) ident_totp_step (59), 6), 287082);
}

static void
test_hotp_refuses_bad_digit_count (void **state)
{
    (void) state;
    assert_int_equal (ident_hotp (s_key, KEY_LEN, 0, 5), -1);
    assert_int_equal (ident_hotp (s_key, KEY_LEN, 0, 10), -1);
}

static void
test_totp_verify_accepts_current_step (void **state)
{
    (void) state;
    char code[8];
    int64_t now = 1234567890, step = 0;
    s_code_at (now, code);
    assert_true (ident_totp_verify (s_key, KEY_LEN, code, now, 0, &step));
    assert_int_equal (step, ident_totp_step (now));
}

static void
test_totp_verify_accepts_one_step_of_drift (void **state)
{
    (void) state;
    char code[8];
    int64_t now = 1234567890;
    s_code_at (now - IDENT_TOTP_STEP_SECONDS, code);
    assert_true (ident_totp_verify (s_key, KEY_LEN, code, now, 0, NULL));
    s_code_at (now + IDENT_TOTP_STEP_SECONDS, code);
    assert_true (ident_totp_verify (s_key, KEY_LEN, code, now, 0, NULL));
}

static void
test_totp_verify_refuses_two_steps_of_drift (void **state)
{
    (void) state;
    char code[8];
    int64_t now = 1234567890;
    s_code_at (now - 2 * IDENT_TOTP_STEP_SECONDS, code);
    assert_false (ident_totp_verify (s_key, KEY_LEN, code, now, 0, NULL));
}

static void
test_totp_verify_refuses_used_step (void **state)
{
    (void) state;
    char code[8];
    int64_t now = 1234567890;
    s_code_at (now, code);
    assert_false (ident_totp_verify (s_key, KEY_LEN, code, now, ident_totp_step (now), NULL));
}

static void
test_totp_verify_refuses_malformed_code (void **state)
{
    (void) state;
    assert_false (ident_totp_verify (s_key, KEY_LEN, "12345", 59, 0, NULL));
    assert_false (ident_totp_verify (s_key, KEY_LEN, "12345a", 59, 0, NULL));
    assert_false (ident_totp_verify (s_key, KEY_LEN, NULL, 59, 0, NULL));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_hotp_matches_rfc4226_vectors),
        cmocka_unit_test (test_totp_matches_rfc6238_sha1_vectors),
        cmocka_unit_test (test_totp_six_digits_is_eight_digits_mod_million),
        cmocka_unit_test (test_hotp_refuses_bad_digit_count),
        cmocka_unit_test (test_totp_verify_accepts_current_step),
        cmocka_unit_test (test_totp_verify_accepts_one_step_of_drift),
        cmocka_unit_test (test_totp_verify_refuses_two_steps_of_drift),
        cmocka_unit_test (test_totp_verify_refuses_used_step),
        cmocka_unit_test (test_totp_verify_refuses_malformed_code),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
