/*  libFuzzer target: any bytes through doc_legacy_to_unicode (detection and
    conversion of legacy Vietnamese text) and doc_legacy_decode. Whatever
    comes in, what comes out is valid UTF-8 in NFC, named by one of the
    three encodings, at most three times as long as the input; UTF-8 found
    to be Unicode comes back the same when converted again.  */
#include "cab_utf8.h"
#include "legacy.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GROWTH_MAX 3  //  output bytes per input byte, at most

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_check (const char *out, size_t size)
{
    if (!out)
        abort ();
    size_t len = strlen (out);
    if (len > GROWTH_MAX * size || !cab_utf8_valid (out, len))
        abort ();
    char *nfc = cab_utf8_nfc (out);
    if (!nfc || strcmp (nfc, out) != 0)
        abort ();
    free (nfc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *bytes = (const char *) data;
    const char *encoding = NULL;
    char *out = doc_legacy_to_unicode (bytes, size, &encoding);
    s_check (out, size);
    if (!encoding
        || (strcmp (encoding, DOC_LEGACY_UNICODE) && strcmp (encoding, DOC_LEGACY_TCVN3)
            && strcmp (encoding, DOC_LEGACY_VNI)))
        abort ();
    //  UTF-8 found to be Unicode stays so: a second pass changes nothing.
    if (strcmp (encoding, DOC_LEGACY_UNICODE) == 0 && cab_utf8_valid (bytes, size)) {
        const char *again_encoding;
        char *again = doc_legacy_to_unicode (out, strlen (out), &again_encoding);
        if (!again || strcmp (again, out) != 0 || strcmp (again_encoding, DOC_LEGACY_UNICODE))
            abort ();
        free (again);
    }
    free (out);

    static const char *const names[] = {DOC_LEGACY_UNICODE, DOC_LEGACY_TCVN3, DOC_LEGACY_VNI};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *decoded = doc_legacy_decode (bytes, size, names[i]);
        s_check (decoded, size);
        free (decoded);
    }
    doc_legacy_syllable (bytes, size);
    return 0;
}
