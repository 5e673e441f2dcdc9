/*  cab_crypto - the few crypto primitives the parts share, all from OpenSSL:
    random tokens, SHA-256, the CSRF token derived from a session token, and
    base32/base64url text.  */
#ifndef CAB_CRYPTO_H
#define CAB_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>

#define CAB_TOKEN_LEN 43  //  256 random bits in base64url, no padding
#define CAB_SHA256_HEX 64

//  Fill out with a new random session/API token (CAB_TOKEN_LEN chars + NUL).
//  Returns 0, or -1 if the random generator failed.
int cab_token_new (char out[CAB_TOKEN_LEN + 1]);

//  Lower-case hex SHA-256 of n bytes (CAB_SHA256_HEX chars + NUL).
void cab_sha256_hex (const void *data, size_t n, char out[CAB_SHA256_HEX + 1]);

//  The CSRF token that goes with a session token: base64url of
//  SHA-256("cabinet-csrf\0" || token). Web pages read it from the
//  cabinet_csrf cookie and send it as X-CSRF-Token on writes.
void cab_csrf_token (const char *session_token, char out[CAB_TOKEN_LEN + 1]);

//  Constant-time comparison of two NUL-terminated strings.
bool cab_secure_equal (const char *a, const char *b);

//  base64url without padding of n bytes into out (room for 4*n/3+4 bytes).
void cab_base64url (const unsigned char *in, size_t n, char *out);

//  RFC 4648 base32 without padding (room for 8*n/5+2 bytes) and back.
//  cab_base32_decode returns the number of bytes, or -1 on bad input.
void cab_base32_encode (const unsigned char *in, size_t n, char *out);
int cab_base32_decode (const char *in, unsigned char *out, size_t cap);

//  Fill buf with n random bytes. Returns 0 or -1.
int cab_random (void *buf, size_t n);

#endif
