/*  totp - HOTP/TOTP (RFC 4226, RFC 6238) over OpenSSL's HMAC-SHA-1.  */
#include "totp.h"
#include "rules.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

#define HOTP_DIGITS_MIN 6
#define HOTP_DIGITS_MAX 9

long
ident_hotp (const unsigned char *key, size_t key_len, uint64_t counter, int digits)
{
    if (digits < HOTP_DIGITS_MIN || digits > HOTP_DIGITS_MAX)
        return -1;
    unsigned char message[8];
    for (int i = 7; i >= 0; i--) {
        message[i] = (unsigned char) (counter & 0xFF);
        counter >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC (EVP_sha1 (), key, (int) key_len, message, sizeof message, mac, &mac_len)
        || mac_len < 20)
        return -1;
    //  Dynamic truncation (RFC 4226 section 5.3).
    int offset = mac[mac_len - 1] & 0x0F;
    unsigned long binary =
        ((unsigned long) (mac[offset] & 0x7F) << 24) | ((unsigned long) mac[offset + 1] << 16)
        | ((unsigned long) mac[offset + 2] << 8) | (unsigned long) mac[offset + 3];
    unsigned long modulus = 1;
    for (int i = 0; i < digits; i++)
        modulus *= 10;
    return (long) (binary % modulus);
}

int64_t
ident_totp_step (int64_t unix_time)
{
    return unix_time / IDENT_TOTP_STEP_SECONDS;
}

bool
ident_totp_verify (const unsigned char *key, size_t key_len, const char *code, int64_t unix_time,
                   int64_t last_step, int64_t *step)
{
    if (!ident_totp_code_valid (code))
        return false;
    long wanted = strtol (code, NULL, 10);
    int64_t now_step = ident_totp_step (unix_time);
    bool found = false;
    //  Look at every step of the window, not stopping at the first match,
    //  so the time taken does not depend on which step matched.
    for (int64_t s = now_step - IDENT_TOTP_WINDOW; s <= now_step + IDENT_TOTP_WINDOW; s++) {
        if (s < 0)
            continue;
        long value = ident_hotp (key, key_len, (uint64_t) s, IDENT_TOTP_DIGITS);
        if (value >= 0 && value == wanted && s > last_step && !found) {
            found = true;
            if (step)
                *step = s;
        }
    }
    return found;
}
