/*  doc_legacy - Vietnamese text in the legacy 8-bit encodings (TCVN3/ABC
    and VNI) found, detected and converted to Unicode NFC (R5.7).

    Legacy text arrives in two shapes: raw 8-bit bytes (a .txt file or a
    field typed in an old program; not valid UTF-8), or "mojibake" UTF-8 in
    which each legacy byte was already turned into a character through
    Windows-1252 or Latin-1 ("B¶o Th¾ng" for TCVN3 "Bảo Thắng", "Baûo
    Thaéng" for VNI). Both are recognised. Detection decodes the text each
    way and counts the words that are well-formed Vietnamese syllables
    against those that are not; a legacy reading is taken only when the
    text as it stands shows signs of being wrong and the legacy reading is
    clearly Vietnamese. Ordinary Unicode text, Vietnamese or not, is never
    changed but for NFC.  */
#ifndef DOC_LEGACY_H
#define DOC_LEGACY_H
#include <stdbool.h>
#include <stddef.h>

#define DOC_LEGACY_UNICODE "unicode"
#define DOC_LEGACY_TCVN3 "tcvn3"
#define DOC_LEGACY_VNI "vni"

//  Detect whether text (UTF-8 bytes as received, or raw 8-bit bytes) is Vietnamese in a legacy
//  encoding (TCVN3/ABC or VNI); return a newly allocated UTF-8 NFC string converted to Unicode,
//  or a copy of the input (made valid UTF-8 NFC) when it is already Unicode. *encoding_p is set
//  to "unicode", "tcvn3" or "vni". NULL on out-of-memory.
//
//  "Made valid": a byte that does not belong to a UTF-8 sequence is read as
//  Windows-1252, and NUL becomes U+FFFD. The output is at most three times
//  as long as the input. The encoding is judged on the first 64 KiB.
//  encoding_p may be NULL; bytes may be NULL when size is 0.
char *doc_legacy_to_unicode (const char *bytes, size_t size, const char **encoding_p);

//  Convert text whose encoding is known ("unicode", "tcvn3" or "vni", as
//  doc_legacy_to_unicode names them), raw or mojibake as above, without
//  detection. Returns a new UTF-8 NFC string (caller frees), or NULL for
//  an unknown encoding name or on out-of-memory.
char *doc_legacy_decode (const char *bytes, size_t size, const char *encoding);

//  true if the size bytes at word (UTF-8, any case) spell one well-formed
//  Vietnamese syllable: an onset, a vowel nucleus, a final consonant the
//  nucleus allows, at most one tone mark (on a vowel, anywhere in the
//  nucleus: old and new placements are both accepted), and a sắc or nặng
//  tone before a final c, ch, p, t.
bool doc_legacy_syllable (const char *word, size_t size);

#endif
