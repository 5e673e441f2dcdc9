/*  cab_uuid - UUIDv7: 48 bits of Unix milliseconds, then random bits, so ids
    sort by creation time (good for B-tree indexes and keyset pages).  */
#include "cab_uuid.h"
#include "cab_crypto.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
cab_uuid_v7 (char out[CAB_UUID_LEN + 1])
{
    unsigned char bytes[16];
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t ms = (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
    if (cab_random (bytes + 6, 10) != 0) {
        //  The generator failing is not something to hand out ids over.
        fprintf (stderr, "cab_uuid_v7: random generator failed\n");
        abort ();
    }
    for (int i = 0; i < 6; i++)
        bytes[i] = (unsigned char) (ms >> (40 - 8 * i));
    bytes[6] = (unsigned char) (0x70 | (bytes[6] & 0x0f));  //  version 7
    bytes[8] = (unsigned char) (0x80 | (bytes[8] & 0x3f));  //  RFC 9562 variant
    snprintf (out, CAB_UUID_LEN + 1,
              "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
              bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
              bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

bool
cab_uuid_valid (const char *s)
{
    if (!s || strlen (s) != CAB_UUID_LEN)
        return false;
    for (int i = 0; i < CAB_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit ((unsigned char) s[i]))
            return false;
    }
    return true;
}
