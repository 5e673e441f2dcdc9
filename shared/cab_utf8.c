/*  cab_utf8 - UTF-8 checks and NFC through utf8proc.  */
#include "cab_utf8.h"
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

bool
cab_utf8_valid (const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s;
    utf8proc_ssize_t left = (utf8proc_ssize_t) n;
    while (left > 0) {
        utf8proc_int32_t code;
        utf8proc_ssize_t used = utf8proc_iterate (p, left, &code);
        if (used < 0 || code == 0)
            return false;
        p += used;
        left -= used;
    }
    return true;
}

char *
cab_utf8_nfc (const char *s)
{
    if (!cab_utf8_valid (s, strlen (s)))
        return NULL;
    //  utf8proc_NFC returns malloc'd memory: the caller frees it with free().
    return (char *) utf8proc_NFC ((const utf8proc_uint8_t *) s);
}

static bool
s_blank (char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *
cab_utf8_clean (cab_arena_t *arena, const char *in)
{
    if (!in)
        return NULL;
    char *nfc = cab_utf8_nfc (in);
    if (!nfc)
        return NULL;
    const char *start = nfc;
    while (s_blank (*start))
        start++;
    size_t len = strlen (start);
    while (len > 0 && s_blank (start[len - 1]))
        len--;
    char *out = cab_arena_alloc (arena, len + 1);
    memcpy (out, start, len);
    out[len] = '\0';
    free (nfc);
    return out;
}

size_t
cab_utf8_length (const char *s)
{
    size_t count = 0;
    for (const unsigned char *c = (const unsigned char *) s; *c; c++)
        if ((*c & 0xc0) != 0x80)
            count++;
    return count;
}
