/*  cab_uuid - UUIDv7 (RFC 9562): time-ordered ids, random bits from OpenSSL.  */
#ifndef CAB_UUID_H
#define CAB_UUID_H
#include <stdbool.h>

#define CAB_UUID_LEN 36

//  Write a new UUIDv7, lower-case canonical text, NUL-terminated, into out.
void cab_uuid_v7 (char out[CAB_UUID_LEN + 1]);

//  true if s is a canonical UUID (any version), 36 characters.
bool cab_uuid_valid (const char *s);

#endif
