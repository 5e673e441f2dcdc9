/*  doc_legacy - legacy Vietnamese encodings (TCVN3/ABC, VNI) to Unicode NFC.

    TCVN3 (TCVN 5712:1993, the ABC fonts) gives each precomposed letter a
    byte of its own; the table below is glibc's TCVN5712-1 (the unit test
    checks all 256 bytes against iconv), five of whose bytes are combining
    tone marks that NFC then composes with the letter before them. VNI is a
    font encoding laid over Windows-1252: a vowel is an ASCII letter (or ô
    for ơ, ö for ư) followed by one mark byte for its shape and tone (VNI
    "a" + "á" is ấ), with uppercase mark bytes after uppercase letters, and
    i, ỵ and đ as single bytes. It is decoded into base letters and
    combining marks, which NFC composes.

    Detection. The text is read three ways: as it is (Unicode), as TCVN3
    and as VNI, where the legacy bytes are either the input itself (when it
    is not UTF-8) or recovered from mojibake (when every character of the
    UTF-8 input is one Windows-1252 or Latin-1 could have produced). Each
    reading is scored: words (runs of letters) containing a non-ASCII
    letter count as good when they are well-formed Vietnamese syllables and
    bad otherwise; symbols stuck to letters ("nh©n"), control characters
    and U+FFFD count as bad. ASCII words say nothing either way. A legacy
    reading wins only when (1) the text as it is has something bad in it,
    (2) the legacy reading has MIN_GOOD good words or more and at most one
    bad one per BAD_RATIO good ones, and (3) its good-minus-bad beats the text as it is.
    So Unicode Vietnamese (all good) and ASCII are never touched, and a
    foreign word ("café", "Müller") is not turned into a Vietnamese-looking
    one unless the whole text reads far better that way. Long texts are
    judged on their first SAMPLE_MAX bytes, then converted whole.  */
#include "legacy.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define REPLACEMENT 0xFFFD  //  for NUL, which a C string cannot hold
#define BUF_INITIAL 256     //  first size of a decoding buffer
#define WORD_MAX 12         //  letters; longer words are not syllables
#define SYLLABLE_BYTES 64   //  a syllable's bare letters, UTF-8
#define BAD_RATIO 4         //  a legacy reading may have 1 bad word per this many good
#define MIN_GOOD 2          //  one word alone is too little to change a text
#define SAMPLE_MAX 65536    //  bytes of text read to detect the encoding
#define ELLIPSIS 0x2026     //  "…" is ordinary punctuation next to a word
#define DECOMPOSED_MAX 4    //  a Vietnamese letter decomposes into at most 3 code points

//  Combining marks: the five tones and the three vowel shapes.
#define MARK_GRAVE 0x0300
#define MARK_ACUTE 0x0301
#define MARK_CIRCUMFLEX 0x0302
#define MARK_TILDE 0x0303
#define MARK_BREVE 0x0306
#define MARK_HOOK 0x0309
#define MARK_HORN 0x031B
#define MARK_DOT 0x0323

// ---- growing UTF-8 buffer ------------------------------------------------

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} s_buf_t;

static void
s_put (s_buf_t *buf, int32_t cp)
{
    if (buf->oom)
        return;
    if (buf->cap - buf->len < 5) {
        size_t cap = buf->cap ? buf->cap * 2 : BUF_INITIAL;
        char *data = realloc (buf->data, cap);
        if (!data) {
            buf->oom = true;
            return;
        }
        buf->data = data;
        buf->cap = cap;
    }
    if (cp == 0)
        cp = REPLACEMENT;
    buf->len += (size_t) utf8proc_encode_char (cp, (utf8proc_uint8_t *) buf->data + buf->len);
}

//  The buffer's text in NFC, as a new string; frees the buffer.
static char *
s_finish (s_buf_t *buf)
{
    char *out = NULL;
    if (!buf->oom) {
        if (!buf->data)
            out = calloc (1, 1);
        else {
            buf->data[buf->len] = '\0';
            out = (char *) utf8proc_NFC ((const utf8proc_uint8_t *) buf->data);
        }
    }
    free (buf->data);
    memset (buf, 0, sizeof *buf);
    return out;
}

// ---- single-byte tables ---------------------------------------------------

//  Windows-1252 at 0x80-0x9F; its five unassigned bytes read as the C1
//  controls of Latin-1, as the WHATWG decoder does.
static const uint16_t s_cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  //  80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  //  88
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  //  90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  //  98
};

static int32_t
s_cp1252 (unsigned char byte)
{
    return byte >= 0x80 && byte < 0xA0 ? s_cp1252_high[byte - 0x80] : byte;
}

//  The byte Windows-1252 or Latin-1 maps to cp, or -1.
static int
s_cp1252_byte (int32_t cp)
{
    if (cp >= 0 && cp < 0x100)
        return (int) cp;
    for (int i = 0; i < 32; i++)
        if (s_cp1252_high[i] == cp)
            return 0x80 + i;
    return -1;
}

//  TCVN3 (glibc TCVN5712-1) from 0x80; 0xB0-0xB4 are combining tone marks.
static const uint16_t s_tcvn3_high[128] = {
    0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8,  //  80
    0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC, 0x1EC8, 0x0128,  //  88
    0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8,  //  90
    0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA, 0x1EE2, 0x00D9, 0x1EE6, 0x0168,  //  98
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,  //  A0
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,  //  A8
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,  //  B0
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,  //  B8
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,  //  C0
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,  //  C8
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,  //  D0
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,  //  D8
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,  //  E0
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,  //  E8
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,  //  F0
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,  //  F8
};

//  TCVN3 below 0x80: ASCII, except twelve control bytes that hold
//  capitals (as glibc has them).
static const uint16_t s_tcvn3_c0[0x18] = {
    0x0000, 0x00DA, 0x1EE4, 0x0003, 0x1EEA, 0x1EEC, 0x1EEE, 0x0007,  //  00
    0x0008, 0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x000E, 0x000F,  //  08
    0x0010, 0x1EE8, 0x1EF0, 0x1EF2, 0x1EF6, 0x1EF8, 0x00DD, 0x1EF4,  //  10
};

static int32_t
s_tcvn3 (unsigned char byte)
{
    if (byte >= 0x80)
        return s_tcvn3_high[byte - 0x80];
    return byte < sizeof s_tcvn3_c0 / sizeof s_tcvn3_c0[0] ? s_tcvn3_c0[byte] : byte;
}

static void
s_decode_tcvn3 (const unsigned char *src, size_t n, s_buf_t *buf)
{
    for (size_t i = 0; i < n; i++)
        s_put (buf, s_tcvn3 (src[i]));
}

// ---- VNI ----------------------------------------------------------------

//  One VNI mark byte: its lowercase and uppercase forms (Windows-1252) and
//  what it puts on the vowel before it.
typedef struct {
    unsigned char lower;
    unsigned char upper;
    int32_t shape;  //  MARK_CIRCUMFLEX, MARK_BREVE or 0
    int32_t tone;   //  a tone mark or 0
} s_vni_mark_t;

static const s_vni_mark_t s_vni_marks[] = {
    {0xF9, 0xD9, 0, MARK_ACUTE},                //  ù Ù  sắc
    {0xF8, 0xD8, 0, MARK_GRAVE},                //  ø Ø  huyền
    {0xFB, 0xDB, 0, MARK_HOOK},                 //  û Û  hỏi
    {0xF5, 0xD5, 0, MARK_TILDE},                //  õ Õ  ngã
    {0xEF, 0xCF, 0, MARK_DOT},                  //  ï Ï  nặng
    {0xE2, 0xC2, MARK_CIRCUMFLEX, 0},           //  â Â  â ê ô
    {0xEA, 0xCA, MARK_BREVE, 0},                //  ê Ê  ă
    {0xE1, 0xC1, MARK_CIRCUMFLEX, MARK_ACUTE},  //  á Á  ấ ế ố
    {0xE0, 0xC0, MARK_CIRCUMFLEX, MARK_GRAVE},  //  à À  ầ ề ồ
    {0xE5, 0xC5, MARK_CIRCUMFLEX, MARK_HOOK},   //  å Å  ẩ ể ổ
    {0xE3, 0xC3, MARK_CIRCUMFLEX, MARK_TILDE},  //  ã Ã  ẫ ễ ỗ
    {0xE4, 0xC4, MARK_CIRCUMFLEX, MARK_DOT},    //  ä Ä  ậ ệ ộ
    {0xE9, 0xC9, MARK_BREVE, MARK_ACUTE},       //  é É  ắ
    {0xE8, 0xC8, MARK_BREVE, MARK_GRAVE},       //  è È  ằ
    {0xFA, 0xDA, MARK_BREVE, MARK_HOOK},        //  ú Ú  ẳ
    {0xFC, 0xDC, MARK_BREVE, MARK_TILDE},       //  ü Ü  ẵ
    {0xEB, 0xCB, MARK_BREVE, MARK_DOT},         //  ë Ë  ặ
};

//  VNI letters that are single bytes of their own.
typedef struct {
    unsigned char byte;
    int32_t cp;
} s_vni_letter_t;

static const s_vni_letter_t s_vni_letters[] = {
    {0xF1, 0x0111}, {0xD1, 0x0110},  //  ñ Ñ  đ Đ
    {0xE6, 0x1EC9}, {0xC6, 0x1EC8},  //  æ Æ  ỉ Ỉ
    {0xF3, 0x0129}, {0xD3, 0x0128},  //  ó Ó  ĩ Ĩ
    {0xF2, 0x1ECB}, {0xD2, 0x1ECA},  //  ò Ò  ị Ị
    {0xEE, 0x1EF5}, {0xCE, 0x1EF4},  //  î Î  ỵ Ỵ
    //  ì í Ì Í are themselves, as in Windows-1252
};

//  A mark byte after a vowel of that case; NULL if byte is none. After an
//  uppercase vowel a lowercase mark is taken too (text whose case a word
//  processor changed), never the reverse.
static const s_vni_mark_t *
s_vni_mark (unsigned char byte, bool upper)
{
    for (size_t i = 0; i < sizeof s_vni_marks / sizeof s_vni_marks[0]; i++)
        if (byte == s_vni_marks[i].lower || (upper && byte == s_vni_marks[i].upper))
            return &s_vni_marks[i];
    return NULL;
}

//  The vowel at byte: its ASCII letter and whether it has a horn (ô is ơ,
//  ö is ư). Returns false when byte is no VNI vowel base.
static bool
s_vni_vowel (unsigned char byte, char *base, bool *horn, bool *upper)
{
    static const char vowels[] = "aeiouyAEIOUY";
    *horn = false;
    if (byte == 0xF4 || byte == 0xD4 || byte == 0xF6 || byte == 0xD6) {
        *horn = true;
        *upper = byte == 0xD4 || byte == 0xD6;
        *base = (byte == 0xF4 || byte == 0xD4) ? 'o' : 'u';
        if (*upper)
            *base = (char) (*base - 'a' + 'A');
        return true;
    }
    if (byte == 0 || !strchr (vowels, byte))
        return false;
    *base = (char) byte;
    *upper = byte < 'a';
    return true;
}

static void
s_decode_vni (const unsigned char *src, size_t n, s_buf_t *buf)
{
    size_t i = 0;
    while (i < n) {
        unsigned char byte = src[i++];
        char base;
        bool horn, upper;
        if (!s_vni_vowel (byte, &base, &horn, &upper)) {
            int32_t cp = s_cp1252 (byte);
            for (size_t k = 0; k < sizeof s_vni_letters / sizeof s_vni_letters[0]; k++)
                if (s_vni_letters[k].byte == byte)
                    cp = s_vni_letters[k].cp;
            s_put (buf, cp);
            continue;
        }
        s_put (buf, base);
        if (horn)
            s_put (buf, MARK_HORN);
        char lower = (char) (upper ? base - 'A' + 'a' : base);
        //  Which shapes this vowel can take: circumflex on a, e, o; breve on a.
        bool circumflex_ok = !horn && strchr ("aeo", lower);
        bool breve_ok = !horn && lower == 'a';
        const s_vni_mark_t *mark = i < n ? s_vni_mark (src[i], upper) : NULL;
        if (!mark)
            continue;
        bool shape_ok = (mark->shape == MARK_CIRCUMFLEX && circumflex_ok)
                        || (mark->shape == MARK_BREVE && breve_ok) || mark->shape == 0;
        if (!shape_ok)
            continue;  //  a mark that cannot sit here is a character of its own
        i++;
        if (mark->shape)
            s_put (buf, mark->shape);
        if (mark->tone)
            s_put (buf, mark->tone);
        else if (mark->shape && i < n) {
            //  A shape alone may be followed by a separate tone mark.
            const s_vni_mark_t *tone = s_vni_mark (src[i], upper);
            if (tone && tone->shape == 0) {
                s_put (buf, tone->tone);
                i++;
            }
        }
    }
}

// ---- reading the input ---------------------------------------------------

//  The input as Unicode: UTF-8 sequences kept, any other byte read as
//  Windows-1252.
static void
s_decode_unicode (const unsigned char *src, size_t n, s_buf_t *buf)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t used = utf8proc_iterate (src + i, (utf8proc_ssize_t) (n - i), &cp);
        if (used < 0) {
            cp = s_cp1252 (src[i]);
            used = 1;
        }
        s_put (buf, cp);
        i += (size_t) used;
    }
}

static bool
s_utf8 (const unsigned char *src, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t used = utf8proc_iterate (src + i, (utf8proc_ssize_t) (n - i), &cp);
        if (used < 0)
            return false;
        i += (size_t) used;
    }
    return true;
}

//  The legacy bytes behind text: the text itself when raw (it is not
//  UTF-8); otherwise the bytes Windows-1252 or Latin-1 turned into its
//  characters, if every one of them can be such a character and one at
//  least is not ASCII. *owned is set when the bytes were allocated.
//  Returns NULL when there are none (or on out-of-memory, *oom set).
static const unsigned char *
s_legacy_bytes (const unsigned char *src, size_t n, bool raw, size_t *len, bool *owned, bool *oom)
{
    *owned = false;
    *len = n;
    if (raw)
        return src;
    unsigned char *bytes = malloc (n ? n : 1);
    if (!bytes) {
        *oom = true;
        return NULL;
    }
    size_t out = 0, i = 0;
    bool high = false;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t used = utf8proc_iterate (src + i, (utf8proc_ssize_t) (n - i), &cp);
        int byte = s_cp1252_byte (cp);
        if (byte < 0) {
            free (bytes);
            return NULL;
        }
        high = high || byte >= 0x80;
        bytes[out++] = (unsigned char) byte;
        i += (size_t) used;
    }
    if (!high) {
        free (bytes);
        return NULL;
    }
    *owned = true;
    *len = out;
    return bytes;
}

// ---- Vietnamese syllables ------------------------------------------------

//  Initial consonants, longest first where one is a prefix of another.
static const char *const s_onsets[] = {
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d",
    "đ",   "g",  "h",  "k",  "l",  "m",  "n",  "p",  "r",  "s",  "t",  "v", "x", "",
};

//  Final consonants ("" for none); k only in place names such as Đắk Lắk.
static const char *const s_codas[] = {"ng", "nh", "ch", "c", "k", "m", "n", "p", "t", ""};

//  Vowel nuclei (with their glides), whether they may end the syllable,
//  and the final consonants they take.
typedef struct {
    const char *nucleus;
    bool open;
    const char *codas;  //  space-separated
} s_nucleus_t;

static const s_nucleus_t s_nuclei[] = {
    {"a", true, "c ch m n ng nh p t"},
    {"ă", false, "c k m n ng p t"},
    {"â", false, "c m n ng p t"},
    {"e", true, "c m n ng p t"},
    {"ê", true, "ch m n ng nh p t"},
    {"i", true, "ch m n nh p t"},
    {"o", true, "c m n ng p t"},
    {"ô", true, "c m n ng p t"},
    {"ơ", true, "m n p t"},
    {"u", true, "c m n ng p t"},
    {"ư", true, "c m n ng t"},
    {"y", true, ""},
    {"oa", true, "c ch m n ng nh p t"},
    {"oă", false, "c m n ng t"},
    {"oe", true, "n t"},
    {"oo", false, "c ng"},
    {"uâ", false, "n ng t"},
    {"uê", true, "ch n nh"},
    {"uy", true, "ch n nh t"},
    {"uơ", true, ""},
    {"iê", false, "c m n ng p t"},
    {"yê", false, "m n ng t"},
    {"uô", false, "c m n ng t"},
    {"ươ", false, "c m n ng p t"},
    {"uyê", false, "n t"},
    //  vowel + glide: nothing may follow
    {"ai", true, ""},
    {"ao", true, ""},
    {"au", true, ""},
    {"ay", true, ""},
    {"âu", true, ""},
    {"ây", true, ""},
    {"eo", true, ""},
    {"êu", true, ""},
    {"ia", true, ""},
    {"iu", true, ""},
    {"oi", true, ""},
    {"ôi", true, ""},
    {"ơi", true, ""},
    {"ua", true, ""},
    {"ui", true, ""},
    {"ưa", true, ""},
    {"ưi", true, ""},
    {"ưu", true, ""},
    {"iêu", true, ""},
    {"yêu", true, ""},
    {"oai", true, ""},
    {"oay", true, ""},
    {"oao", true, ""},
    {"oeo", true, ""},
    {"uây", true, ""},
    {"uôi", true, ""},
    {"ươi", true, ""},
    {"ươu", true, ""},
    {"uya", true, ""},
    {"uyu", true, ""},
};

static bool
s_starts (const char *s, const char *prefix)
{
    return strncmp (s, prefix, strlen (prefix)) == 0;
}

static bool
s_in_list (const char *list, const char *word, size_t len)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn (p, " ");
        if (n == len && strncmp (p, word, len) == 0)
            return true;
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}

//  Rhyme (nucleus + final) after onset. shared: the onset's last letter
//  (the i of gi, the u of qu) was also taken as the rhyme's first, as in
//  "gì" or "quýt", so the spelling rules about what follows do not apply.
static bool
s_rhyme (const char *onset, const char *rhyme, int32_t tone, bool shared)
{
    size_t len = strlen (rhyme);
    for (size_t c = 0; c < sizeof s_codas / sizeof s_codas[0]; c++) {
        const char *coda = s_codas[c];
        size_t coda_len = strlen (coda);
        if (coda_len >= len || strcmp (rhyme + len - coda_len, coda) != 0)
            continue;
        size_t nucleus_len = len - coda_len;
        const s_nucleus_t *nucleus = NULL;
        for (size_t k = 0; k < sizeof s_nuclei / sizeof s_nuclei[0] && !nucleus; k++)
            if (strlen (s_nuclei[k].nucleus) == nucleus_len
                && strncmp (s_nuclei[k].nucleus, rhyme, nucleus_len) == 0)
                nucleus = &s_nuclei[k];
        if (!nucleus)
            continue;
        if (coda_len == 0 ? !nucleus->open : !s_in_list (nucleus->codas, coda, coda_len))
            continue;
        //  A syllable ending in a stop carries sắc or nặng.
        bool stop = coda_len > 0 && strchr ("ckpt", coda[0]);
        if (stop && tone != MARK_ACUTE && tone != MARK_DOT)
            continue;
        bool front = s_starts (rhyme, "i") || s_starts (rhyme, "e") || s_starts (rhyme, "ê")
                     || s_starts (rhyme, "y");
        if (!shared) {
            //  k, gh, ngh before i e ê y; c, g, ng elsewhere.
            bool soft = !strcmp (onset, "k") || !strcmp (onset, "gh") || !strcmp (onset, "ngh");
            bool hard = !strcmp (onset, "c") || !strcmp (onset, "g") || !strcmp (onset, "ng");
            if ((soft && !front) || (hard && front))
                continue;
            if (!strcmp (onset, "qu") && (s_starts (rhyme, "u") || s_starts (rhyme, "ư")))
                continue;
            if (!strcmp (onset, "gi") && s_starts (rhyme, "i"))
                continue;
        }
        //  yê opens a syllable (yên, yêu); after a consonant it is iê.
        if (s_starts (rhyme, "yê") && *onset)
            continue;
        if (s_starts (rhyme, "iê") && !*onset)
            continue;
        return true;
    }
    return false;
}

static bool
s_bare_syllable (const char *bare, int32_t tone)
{
    for (size_t o = 0; o < sizeof s_onsets / sizeof s_onsets[0]; o++) {
        const char *onset = s_onsets[o];
        if (!s_starts (bare, onset))
            continue;
        const char *rest = bare + strlen (onset);
        if (s_rhyme (onset, rest, tone, false))
            return true;
        bool gi = !strcmp (onset, "gi"), qu = !strcmp (onset, "qu");
        if (gi || qu) {
            char shared[SYLLABLE_BYTES + 2];
            shared[0] = gi ? 'i' : 'u';
            memcpy (shared + 1, rest, strlen (rest) + 1);
            if (s_rhyme (onset, shared, tone, true))
                return true;
        }
    }
    return false;
}

static bool
s_vowel (int32_t c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

//  Letters (code points) of one word -> whether they spell a syllable.
static bool
s_syllable_cps (const int32_t *cps, size_t n)
{
    char bare[SYLLABLE_BYTES];
    size_t len = 0;
    int tones = 0;
    int32_t tone = 0;
    if (n == 0 || n > WORD_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        int32_t cp = utf8proc_tolower (cps[i]);
        const char *letter = NULL;
        char ascii[2] = {0, 0};
        //  Đ, and Ð (eth), which many Vietnamese texts use in its place.
        if (cp == 0x0111 || cp == 0x00F0) {
            letter = "đ";
        } else {
            utf8proc_int32_t parts[DECOMPOSED_MAX];
            utf8proc_ssize_t k =
                utf8proc_decompose_char (cp, parts, DECOMPOSED_MAX, UTF8PROC_DECOMPOSE, NULL);
            if (k < 1 || k > DECOMPOSED_MAX || parts[0] < 'a' || parts[0] > 'z')
                return false;
            int32_t base = parts[0], shape = 0;
            for (utf8proc_ssize_t j = 1; j < k; j++) {
                int32_t mark = parts[j];
                if (mark == MARK_GRAVE || mark == MARK_ACUTE || mark == MARK_HOOK
                    || mark == MARK_TILDE || mark == MARK_DOT) {
                    if (!s_vowel (base))
                        return false;
                    tones++;
                    tone = mark;
                } else if ((mark == MARK_CIRCUMFLEX || mark == MARK_BREVE || mark == MARK_HORN)
                           && !shape)
                    shape = mark;
                else
                    return false;
            }
            if (shape == MARK_CIRCUMFLEX)
                letter = base == 'a' ? "â" : base == 'e' ? "ê" : base == 'o' ? "ô" : NULL;
            else if (shape == MARK_BREVE)
                letter = base == 'a' ? "ă" : NULL;
            else if (shape == MARK_HORN)
                letter = base == 'o' ? "ơ" : base == 'u' ? "ư" : NULL;
            else {
                ascii[0] = (char) base;
                letter = ascii;
            }
            if (!letter)
                return false;
        }
        size_t l = strlen (letter);
        if (len + l >= sizeof bare)
            return false;
        memcpy (bare + len, letter, l);
        len += l;
    }
    bare[len] = '\0';
    return tones <= 1 && s_bare_syllable (bare, tone);
}

bool
doc_legacy_syllable (const char *word, size_t size)
{
    //  Composed first, as decoded text is: "e" + U+0301 is "é".
    char copy[WORD_MAX * 4 + 1];
    if (size == 0 || size >= sizeof copy)
        return false;
    memcpy (copy, word, size);
    copy[size] = '\0';
    if (!s_utf8 ((const unsigned char *) copy, size) || strlen (copy) != size)
        return false;
    char *nfc = (char *) utf8proc_NFC ((const utf8proc_uint8_t *) copy);
    if (!nfc)
        return false;
    int32_t cps[WORD_MAX];
    size_t n = 0;
    bool fits = true;
    for (const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) nfc; *p && fits;) {
        utf8proc_int32_t cp;
        p += utf8proc_iterate (p, -1, &cp);
        if (n < WORD_MAX)
            cps[n++] = cp;
        else
            fits = false;
    }
    free (nfc);
    return fits && s_syllable_cps (cps, n);
}

// ---- scoring ----------------------------------------------------------

typedef struct {
    size_t good;  //  words with Vietnamese letters that are syllables
    size_t bad;   //  words with other non-ASCII letters, stray symbols, controls
} s_score_t;

static bool
s_letter (utf8proc_category_t cat)
{
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
}

//  A character that has no business next to a letter in ordinary text:
//  symbols, Latin-1's odd signs, private and unassigned code points.
static bool
s_odd (int32_t cp, utf8proc_category_t cat)
{
    if (cp < 0x80 || cp == ELLIPSIS)
        return false;
    switch (cat) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
        return false;
    default:
        return !s_letter (cat);
    }
}

static void
s_score_word (const int32_t *cps, size_t n, bool too_long, s_score_t *score)
{
    bool high = false, weird_case = false;
    for (size_t i = 0; i < n; i++) {
        high = high || cps[i] >= 0x80;
        //  "cỔ": a capital after a small letter is a decoding gone wrong
        if (i > 0 && utf8proc_category (cps[i - 1]) == UTF8PROC_CATEGORY_LL
            && utf8proc_category (cps[i]) == UTF8PROC_CATEGORY_LU)
            weird_case = true;
    }
    if (!high)
        return;  //  an ASCII word (English, a code, a name) says nothing either way
    if (too_long || weird_case || !s_syllable_cps (cps, n))
        score->bad++;
    else
        score->good++;
}

static void
s_score (const char *text, s_score_t *score)
{
    memset (score, 0, sizeof *score);
    int32_t word[WORD_MAX];
    size_t n = 0;
    bool too_long = false, prev_letter = false, pending_odd = false;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) text;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t used = utf8proc_iterate (p, -1, &cp);
        if (used < 1)
            break;  //  cannot happen: the text is NFC from utf8proc
        p += used;
        utf8proc_category_t cat = utf8proc_category (cp);
        bool letter = s_letter (cat);
        if (letter) {
            if (pending_odd)
                score->bad++;
            pending_odd = false;
            if (n < WORD_MAX)
                word[n++] = cp;
            else
                too_long = true;
        } else {
            if (n > 0 || too_long)
                s_score_word (word, n, too_long, score);
            n = 0;
            too_long = false;
            bool control = cat == UTF8PROC_CATEGORY_CC && (cp < '\t' || cp > '\r') && cp != ' ';
            if (control || cp == REPLACEMENT)
                score->bad++;
            else if (s_odd (cp, cat)) {
                if (prev_letter)
                    score->bad++;
                else
                    pending_odd = true;
                prev_letter = false;
                continue;
            }
            pending_odd = false;
        }
        prev_letter = letter;
    }
    if (n > 0 || too_long)
        s_score_word (word, n, too_long, score);
}

// ---- the interface --------------------------------------------------------

typedef enum { S_UNICODE, S_TCVN3, S_VNI } s_encoding_t;

static const char *const s_names[] = {DOC_LEGACY_UNICODE, DOC_LEGACY_TCVN3, DOC_LEGACY_VNI};

//  Decode src as enc (legacy bytes already recovered for TCVN3 and VNI).
static char *
s_decode (const unsigned char *src, size_t n, s_encoding_t enc)
{
    s_buf_t buf = {0};
    if (enc == S_TCVN3)
        s_decode_tcvn3 (src, n, &buf);
    else if (enc == S_VNI)
        s_decode_vni (src, n, &buf);
    else
        s_decode_unicode (src, n, &buf);
    return s_finish (&buf);
}

static long
s_margin (const s_score_t *score)
{
    return (long) score->good - (long) score->bad;
}

//  Which reading of sample (the start of the text; raw: not UTF-8) is best.
static s_encoding_t
s_detect (const unsigned char *sample, size_t n, bool raw, bool *oom)
{
    char *as_is_text = s_decode (sample, n, S_UNICODE);
    if (!as_is_text) {
        *oom = true;
        return S_UNICODE;
    }
    s_score_t as_is;
    s_score (as_is_text, &as_is);
    free (as_is_text);
    if (as_is.bad == 0)
        return S_UNICODE;  //  nothing looks wrong: leave it alone
    size_t len;
    bool owned;
    const unsigned char *legacy = s_legacy_bytes (sample, n, raw, &len, &owned, oom);
    if (!legacy)
        return S_UNICODE;
    s_encoding_t best = S_UNICODE;
    s_score_t best_score = as_is;
    for (s_encoding_t enc = S_TCVN3; enc <= S_VNI && !*oom; enc++) {
        char *text = s_decode (legacy, len, enc);
        if (!text) {
            *oom = true;
            break;
        }
        s_score_t score;
        s_score (text, &score);
        free (text);
        bool clear = score.good >= MIN_GOOD && score.bad * BAD_RATIO <= score.good;
        if (clear && s_margin (&score) > s_margin (&best_score)) {
            best = enc;
            best_score = score;
        }
    }
    if (owned)
        free ((void *) legacy);
    return best;
}

//  The first SAMPLE_MAX bytes or so of text, not cutting a UTF-8 sequence.
static size_t
s_sample (const unsigned char *text, size_t n)
{
    if (n <= SAMPLE_MAX)
        return n;
    size_t cut = SAMPLE_MAX;
    while (cut > 0 && (text[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

char *
doc_legacy_to_unicode (const char *bytes, size_t size, const char **encoding_p)
{
    const unsigned char *src = (const unsigned char *) (bytes ? bytes : "");
    if (!bytes)
        size = 0;
    if (encoding_p)
        *encoding_p = DOC_LEGACY_UNICODE;
    char *unicode = s_decode (src, size, S_UNICODE);
    if (!unicode)
        return NULL;
    //  UTF-8 is judged in its NFC form, so that converting the output again
    //  decides as the first time did; other bytes as they are.
    bool raw = !s_utf8 (src, size);
    const unsigned char *text = raw ? src : (const unsigned char *) unicode;
    size_t text_len = raw ? size : strlen (unicode);
    bool oom = false;
    s_encoding_t enc = s_detect (text, s_sample (text, text_len), raw, &oom);
    if (oom) {
        free (unicode);
        return NULL;
    }
    if (enc == S_UNICODE)
        return unicode;
    size_t len;
    bool owned;
    const unsigned char *legacy = s_legacy_bytes (text, text_len, raw, &len, &owned, &oom);
    if (!legacy) {
        //  Mojibake in the sample, then a character no legacy byte becomes:
        //  not a legacy text after all.
        if (!oom)
            return unicode;
        free (unicode);
        return NULL;
    }
    char *out = s_decode (legacy, len, enc);
    if (owned)
        free ((void *) legacy);
    free (unicode);
    if (out && encoding_p)
        *encoding_p = s_names[enc];
    return out;
}

char *
doc_legacy_decode (const char *bytes, size_t size, const char *encoding)
{
    const unsigned char *src = (const unsigned char *) (bytes ? bytes : "");
    if (!bytes)
        size = 0;
    if (!encoding)
        return NULL;
    if (strcmp (encoding, DOC_LEGACY_UNICODE) == 0)
        return s_decode (src, size, S_UNICODE);
    s_encoding_t enc;
    if (strcmp (encoding, DOC_LEGACY_TCVN3) == 0)
        enc = S_TCVN3;
    else if (strcmp (encoding, DOC_LEGACY_VNI) == 0)
        enc = S_VNI;
    else
        return NULL;
    size_t len;
    bool owned, oom = false;
    const unsigned char *legacy =
        s_legacy_bytes (src, size, !s_utf8 (src, size), &len, &owned, &oom);
    if (oom)
        return NULL;
    if (!legacy) {
        //  ASCII is read as the legacy bytes it is (TCVN3 keeps capitals among
        //  the control bytes); Unicode no legacy byte becomes is itself already.
        bool ascii = true;
        for (size_t i = 0; i < size && ascii; i++)
            ascii = src[i] < 0x80;
        if (!ascii)
            return s_decode (src, size, S_UNICODE);
        legacy = src;
        len = size;
    }
    char *out = s_decode (legacy, len, enc);
    if (owned)
        free ((void *) legacy);
    return out;
}
