/*  password - Argon2id hashing and one-time password generation.  */
#include "password.h"
#include "cab_crypto.h"
#include "cab_log.h"
#include "rules.h"
#include <argon2.h>
#include <string.h>

//  No 0/O, 1/l/I: a one-time password is read aloud or typed off a screen.
static const char s_alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

int
ident_password_hash (const char *password, char out[IDENT_HASH_TEXT_MAX])
{
    unsigned char salt[IDENT_SALT_BYTES];
    if (cab_random (salt, sizeof salt)) {
        cab_error ("password hash: no random salt");
        return -1;
    }
    size_t need = argon2_encodedlen (IDENT_ARGON2_T, IDENT_ARGON2_M_KIB, IDENT_ARGON2_P,
                                     IDENT_SALT_BYTES, IDENT_HASH_BYTES, Argon2_id);
    if (need > IDENT_HASH_TEXT_MAX) {
        cab_error ("password hash: encoded form needs %zu bytes", need);
        return -1;
    }
    int rc = argon2id_hash_encoded (IDENT_ARGON2_T, IDENT_ARGON2_M_KIB, IDENT_ARGON2_P, password,
                                    strlen (password), salt, sizeof salt, IDENT_HASH_BYTES, out,
                                    IDENT_HASH_TEXT_MAX);
    if (rc != ARGON2_OK) {
        cab_error ("password hash: %s", argon2_error_message (rc));
        return -1;
    }
    return 0;
}

bool
ident_password_verify (const char *encoded, const char *password)
{
    if (!encoded || !password || strncmp (encoded, "$argon2id$", 10) != 0)
        return false;
    return argon2id_verify (encoded, password, strlen (password)) == ARGON2_OK;
}

static bool
s_has_letter_and_digit (const char *s)
{
    bool letter = false, digit = false;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digit = true;
        else
            letter = true;
    }
    return letter && digit;
}

int
ident_password_generate (long min_chars, char *out, size_t cap)
{
    size_t n = min_chars > IDENT_OTP_MIN_CHARS ? (size_t) min_chars : IDENT_OTP_MIN_CHARS;
    if (n > IDENT_OTP_MAX_CHARS)
        n = IDENT_OTP_MAX_CHARS;
    if (cap == 0)
        return -1;
    if (n > cap - 1)
        n = cap - 1;
    const unsigned alphabet = (unsigned) (sizeof s_alphabet - 1);
    //  Largest multiple of the alphabet size below 256: bytes above it are
    //  drawn again so every character is equally likely.
    const unsigned limit = 256 - 256 % alphabet;
    do {
        size_t o = 0;
        while (o < n) {
            unsigned char bytes[32];
            if (cab_random (bytes, sizeof bytes))
                return -1;
            for (size_t i = 0; i < sizeof bytes && o < n; i++)
                if (bytes[i] < limit)
                    out[o++] = s_alphabet[bytes[i] % alphabet];
        }
        out[o] = '\0';
    } while (!s_has_letter_and_digit (out));
    return 0;
}
