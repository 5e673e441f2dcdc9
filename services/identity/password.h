/*  password - Argon2id password hashes (libargon2) and one-time passwords.
    Parameters follow OWASP's minimum for Argon2id: t=2, m=19 MiB, p=1,
    16-byte random salt, 32-byte hash, stored in the PHC encoded form.  */
#ifndef IDENT_PASSWORD_H
#define IDENT_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#define IDENT_ARGON2_T 2
#define IDENT_ARGON2_M_KIB 19456
#define IDENT_ARGON2_P 1
#define IDENT_SALT_BYTES 16
#define IDENT_HASH_BYTES 32
#define IDENT_HASH_TEXT_MAX 160  //  room for the encoded form with these parameters
#define IDENT_OTP_MIN_CHARS 16   //  one-time passwords: at least this long
#define IDENT_OTP_MAX_CHARS IDENT_PASSWORD_MAX

//  Hash password into out (IDENT_HASH_TEXT_MAX bytes) as an Argon2id
//  encoded string. Returns 0, or -1 on failure (logged).
int ident_password_hash (const char *password, char out[IDENT_HASH_TEXT_MAX]);

//  true if password matches the encoded hash. A NULL or malformed hash is
//  a mismatch.
bool ident_password_verify (const char *encoded, const char *password);

//  Write a random one-time password of max(min_chars, IDENT_OTP_MIN_CHARS)
//  characters (at most cap - 1) with letters and digits, avoiding look-alike
//  characters, into out. Returns 0, or -1 if the random generator failed.
int ident_password_generate (long min_chars, char *out, size_t cap);

#endif
