/*  cab_utf8 - UTF-8 validation and NFC normalisation (utf8proc). Everything
    a person typed is stored in NFC, so "ệ" compares equal however typed.  */
#ifndef CAB_UTF8_H
#define CAB_UTF8_H
#include "cab_arena.h"
#include <stdbool.h>
#include <stddef.h>

//  true if the n bytes at s are well-formed UTF-8 without NUL bytes.
bool cab_utf8_valid (const char *s, size_t n);

//  NFC form of a NUL-terminated valid UTF-8 string. Returns a new string
//  (caller frees) or NULL if s is not valid UTF-8.
char *cab_utf8_nfc (const char *s);

//  What a person typed, made clean: checked as UTF-8, normalised to NFC,
//  leading and trailing blanks (space, tab, CR, LF) removed. Returns a copy
//  in arena, or NULL if in is not valid UTF-8. NULL in gives NULL.
char *cab_utf8_clean (cab_arena_t *arena, const char *in);

//  Number of code points in valid UTF-8 s.
size_t cab_utf8_length (const char *s);

#endif
