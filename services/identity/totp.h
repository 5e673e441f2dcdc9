/*  totp - one-time codes of RFC 4226 (HOTP) and RFC 6238 (TOTP, HMAC-SHA-1,
    30-second steps) for the second sign-in factor. HMAC comes from OpenSSL;
    secrets are raw bytes here (base32 is the caller's business).  */
#ifndef IDENT_TOTP_H
#define IDENT_TOTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENT_TOTP_STEP_SECONDS 30
#define IDENT_TOTP_WINDOW 1         //  steps accepted either side of now (clock drift)
#define IDENT_TOTP_SECRET_BYTES 20  //  160 bits, as RFC 4226 recommends

//  HOTP value of key for counter, with digits (6..9) decimal digits.
//  Returns the code (0 .. 10^digits - 1) or -1 on a crypto failure or bad
//  digits.
long ident_hotp (const unsigned char *key, size_t key_len, uint64_t counter, int digits);

//  The TOTP time step that contains unix_time.
int64_t ident_totp_step (int64_t unix_time);

//  Check a code (decimal text of IDENT_TOTP_DIGITS digits) against the
//  steps around unix_time. A step at or before last_step has been used
//  already and is refused, so a code works once. On a match returns true
//  and sets *step (may be NULL) to the matching step.
bool ident_totp_verify (const unsigned char *key, size_t key_len, const char *code,
                        int64_t unix_time, int64_t last_step, int64_t *step);

#endif
