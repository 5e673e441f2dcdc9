/*  Unit tests: legacy Vietnamese encodings. TCVN3 is checked byte for byte
    against glibc's iconv (TCVN5712-1); VNI against its published layout;
    detection on real sentences in both shapes (raw bytes, and UTF-8
    mojibake through Windows-1252), and on Unicode and foreign text that
    must come back unchanged.  */
#include "cab_utf8.h"
#include "legacy.h"
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define ICONV_FAILED ((iconv_t) -1)
#define RANDOM_RUNS 3000
#define RANDOM_MAX 200
#define RANDOM_SEED 7u
#define LONG_LINES 2500  //  lines of a text longer than what detection reads

//  in (n bytes) converted with iconv; a new NUL-terminated string, NULL if
//  iconv refuses it.
static char *
s_iconv (const char *from, const char *to, const char *in, size_t n)
{
    iconv_t cd = iconv_open (to, from);
    assert_true (cd != ICONV_FAILED);
    size_t cap = n * 4 + 8;
    char *out = calloc (1, cap);
    char *src = (char *) in, *dst = out;
    size_t left = n, room = cap - 1;
    size_t rc = iconv (cd, &src, &left, &dst, &room);
    if (rc != (size_t) -1)  //  a decoder may hold a letter back, waiting for a tone mark
        rc = iconv (cd, NULL, NULL, &dst, &room);
    iconv_close (cd);
    if (rc == (size_t) -1) {
        free (out);
        return NULL;
    }
    return out;
}

//  Legacy bytes as they look after a program read them as Windows-1252
//  (its five unassigned bytes as Latin-1): the mojibake form.
static char *
s_mojibake (const char *bytes, size_t n)
{
    char *out = calloc (1, n * 3 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char *one = s_iconv ("CP1252", "UTF-8", bytes + i, 1);
        if (!one)
            one = s_iconv ("LATIN1", "UTF-8", bytes + i, 1);
        assert_non_null (one);
        memcpy (out + len, one, strlen (one));
        len += strlen (one);
        free (one);
    }
    return out;
}

//  The bytes behind a mojibake string (the reverse of s_mojibake).
static char *
s_bytes (const char *mojibake, size_t *n)
{
    size_t len = strlen (mojibake);
    char *out = calloc (1, len + 1);
    *n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) mojibake;
    while (*p) {
        utf8proc_int32_t cp;
        p += utf8proc_iterate (p, -1, &cp);
        char utf8[5] = {0};
        utf8proc_encode_char (cp, (utf8proc_uint8_t *) utf8);
        char *byte = s_iconv ("UTF-8", "CP1252", utf8, strlen (utf8));
        if (!byte)
            byte = s_iconv ("UTF-8", "LATIN1", utf8, strlen (utf8));
        assert_non_null (byte);
        out[(*n)++] = byte[0];
        free (byte);
    }
    return out;
}

//  Detection of text of n bytes must give expected, NFC, from encoding.
static void
s_expect (const char *text, size_t n, const char *expected, const char *encoding)
{
    const char *found = NULL;
    char *out = doc_legacy_to_unicode (text, n, &found);
    assert_non_null (out);
    if (strcmp (out, expected) != 0 || strcmp (found, encoding) != 0)
        fail_msg ("\"%.*s\" gave \"%s\" (%s), expected \"%s\" (%s)", (int) n, text, out, found,
                  expected, encoding);
    free (out);
}

static void
s_expect_string (const char *text, const char *expected, const char *encoding)
{
    s_expect (text, strlen (text), expected, encoding);
}

// ---- TCVN3 ----------------------------------------------------------------

static void
test_tcvn3_table_matches_iconv (void **state)
{
    (void) state;
    for (int b = 1; b < 256; b++) {
        char byte = (char) b;
        char *theirs = s_iconv ("TCVN5712-1", "UTF-8", &byte, 1);
        assert_non_null (theirs);
        char *nfc = cab_utf8_nfc (theirs);
        char *ours = doc_legacy_decode (&byte, 1, DOC_LEGACY_TCVN3);
        assert_non_null (ours);
        if (strcmp (ours, nfc) != 0)
            fail_msg ("TCVN3 byte 0x%02X: ours \"%s\", iconv \"%s\"", b, ours, nfc);
        free (theirs);
        free (nfc);
        free (ours);
    }
}

static void
test_tcvn3_combining_bytes_compose (void **state)
{
    (void) state;
    //  Base letters followed by TCVN3's combining tone bytes 0xB0-0xB4.
    static const char bytes[] = "a\xb3 A\xb0 \xa8\xb3 \xa9\xb4 \xac\xb1 y\xb2 b\xb3";
    char *theirs = s_iconv ("TCVN5712-1", "UTF-8", bytes, sizeof bytes - 1);
    char *nfc = cab_utf8_nfc (theirs);
    char *ours = doc_legacy_decode (bytes, sizeof bytes - 1, DOC_LEGACY_TCVN3);
    assert_string_equal (ours, nfc);
    assert_string_equal (ours, "á À ắ ậ ở ỹ b\xcc\x81");
    free (theirs);
    free (nfc);
    free (ours);
}

static void
test_tcvn3_sample_raw_and_mojibake (void **state)
{
    (void) state;
    //  "Uû" is U + ỷ: the old placement of the tone, kept as written.
    static const char raw[] = "U\xfb ban nh\xa9n d\xa9n t\xd8nh B\xd7nh \xa7\xdenh";
    const char *expected = "Uỷ ban nhân dân tỉnh Bình Định";
    char *theirs = s_iconv ("TCVN5712-1", "UTF-8", raw, sizeof raw - 1);
    assert_string_equal (theirs, expected);
    free (theirs);
    s_expect (raw, sizeof raw - 1, expected, DOC_LEGACY_TCVN3);
    s_expect_string ("Uû ban nh©n d©n tØnh B×nh §Þnh", expected, DOC_LEGACY_TCVN3);
    s_expect_string ("B¶o Th¾ng", "Bảo Thắng", DOC_LEGACY_TCVN3);
    s_expect_string ("§¾k L¾k", "Đắk Lắk", DOC_LEGACY_TCVN3);
}

static const char *const s_sentences[] = {
    "Thông báo kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp giao ban tháng 3",
    "Đề nghị các đồng chí đại biểu đến dự họp đúng giờ, mang theo tài liệu đã gửi.",
    "Biên bản cuộc họp Ban Thường vụ Tỉnh ủy ngày 15 tháng 3 năm 2024",
    "Về việc phê duyệt kế hoạch tổ chức Hội nghị trực tuyến (lần 2)",
    "Kính gửi: Sở Nội vụ; Sở Tài chính; Văn phòng Ủy ban nhân dân tỉnh.",
    "Thời gian: 8 giờ 00, ngày 15/3/2024. Địa điểm: Phòng họp số 2, UBND tỉnh.",
    "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
    "Người chủ trì: Nguyễn Văn Đức, Phó Chủ tịch Thường trực",
    "Quyết định số 125/QĐ-UBND về việc thành lập Tổ công tác liên ngành",
};

static void
test_tcvn3_sentences_detected (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_sentences / sizeof s_sentences[0]; i++) {
        const char *text = s_sentences[i];
        char *raw = s_iconv ("UTF-8", "TCVN5712-1", text, strlen (text));
        assert_non_null (raw);
        s_expect (raw, strlen (raw), text, DOC_LEGACY_TCVN3);
        char *mojibake = s_mojibake (raw, strlen (raw));
        s_expect_string (mojibake, text, DOC_LEGACY_TCVN3);
        free (mojibake);
        free (raw);
    }
}

// ---- VNI ------------------------------------------------------------------

//  The VNI layout: each vowel without a mark, then with sắc, huyền, hỏi,
//  ngã, nặng; then the circumflex and breve forms the same way; i, ỵ and đ
//  are single bytes. Written as mojibake (Windows-1252).
static const char *const s_vni_layout[][2] = {
    {"a aù aø aû aõ aï", "a á à ả ã ạ"},
    {"aâ aá aà aå aã aä", "â ấ ầ ẩ ẫ ậ"},
    {"aê aé aè aú aü aë", "ă ắ ằ ẳ ẵ ặ"},
    {"e eù eø eû eõ eï", "e é è ẻ ẽ ẹ"},
    {"eâ eá eà eå eã eä", "ê ế ề ể ễ ệ"},
    {"o où oø oû oõ oï", "o ó ò ỏ õ ọ"},
    {"oâ oá oà oå oã oä", "ô ố ồ ổ ỗ ộ"},
    {"ô ôù ôø ôû ôõ ôï", "ơ ớ ờ ở ỡ ợ"},
    {"u uù uø uû uõ uï", "u ú ù ủ ũ ụ"},
    {"ö öù öø öû öõ öï", "ư ứ ừ ử ữ ự"},
    {"i í ì æ ó ò", "i í ì ỉ ĩ ị"},
    {"y yù yø yû yõ î", "y ý ỳ ỷ ỹ ỵ"},
    {"ñ", "đ"},
    {"A AÙ AØ AÛ AÕ AÏ", "A Á À Ả Ã Ạ"},
    {"AÂ AÁ AÀ AÅ AÃ AÄ", "Â Ấ Ầ Ẩ Ẫ Ậ"},
    {"AÊ AÉ AÈ AÚ AÜ AË", "Ă Ắ Ằ Ẳ Ẵ Ặ"},
    {"E EÙ EØ EÛ EÕ EÏ", "E É È Ẻ Ẽ Ẹ"},
    {"EÂ EÁ EÀ EÅ EÃ EÄ", "Ê Ế Ề Ể Ễ Ệ"},
    {"O OÙ OØ OÛ OÕ OÏ", "O Ó Ò Ỏ Õ Ọ"},
    {"OÂ OÁ OÀ OÅ OÃ OÄ", "Ô Ố Ồ Ổ Ỗ Ộ"},
    {"Ô ÔÙ ÔØ ÔÛ ÔÕ ÔÏ", "Ơ Ớ Ờ Ở Ỡ Ợ"},
    {"U UÙ UØ UÛ UÕ UÏ", "U Ú Ù Ủ Ũ Ụ"},
    {"Ö ÖÙ ÖØ ÖÛ ÖÕ ÖÏ", "Ư Ứ Ừ Ử Ữ Ự"},
    {"I Í Ì Æ Ó Ò", "I Í Ì Ỉ Ĩ Ị"},
    {"Y YÙ YØ YÛ YÕ Î", "Y Ý Ỳ Ỷ Ỹ Ỵ"},
    {"Ñ", "Đ"},
};

static void
test_vni_layout_decoded (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_vni_layout / sizeof s_vni_layout[0]; i++) {
        const char *vni = s_vni_layout[i][0], *expected = s_vni_layout[i][1];
        char *out = doc_legacy_decode (vni, strlen (vni), DOC_LEGACY_VNI);
        assert_string_equal (out, expected);
        free (out);
        size_t n;
        char *raw = s_bytes (vni, &n);
        out = doc_legacy_decode (raw, n, DOC_LEGACY_VNI);
        assert_string_equal (out, expected);
        free (out);
        free (raw);
    }
}

static void
test_vni_marks_only_where_they_fit (void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"uâ", "uâ"},       //  no circumflex on u: the byte is a character
        {"oê", "oê"},       //  no breve on o
        {"ôâ", "ơâ"},       //  no circumflex on ơ
        {"baù", "bá"},      //  the mark belongs to the vowel
        {"bù", "bù"},       //  after a consonant it is a character
        {"aÙ", "aÙ"},       //  an uppercase mark does not go on a small letter
        {"Aù", "Á"},        //  a small mark on a capital does (case changed by a program)
        {"aâù", "ấ"},       //  circumflex and tone as two marks
        {"aêï", "ặ"},       //  breve and tone as two marks
        {"ñaëc", "đặc"},    //  one byte for circumflex/breve and tone together
        {"giöõa", "giữa"},  //  horn from ö
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = doc_legacy_decode (cases[i][0], strlen (cases[i][0]), DOC_LEGACY_VNI);
        assert_string_equal (out, cases[i][1]);
        free (out);
    }
}

static const char *const s_vni_sentences[][2] = {
    {"UÛy ban nhaân daân tænh Bình Ñònh", "Ủy ban nhân dân tỉnh Bình Định"},
    {"Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"},
    {"Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"},
    {"COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"},
    {"Thôøi gian: 8 giôø 00, ngaøy 15/3/2024. Ñòa ñieåm: Phoøng hoïp soá 2",
     "Thời gian: 8 giờ 00, ngày 15/3/2024. Địa điểm: Phòng họp số 2"},
    {"Ñeà nghò caùc ñoàng chí ñaïi bieåu ñeán döï hoïp ñuùng giôø",
     "Đề nghị các đồng chí đại biểu đến dự họp đúng giờ"},
    {"Ngöôøi chuû trì: Nguyeãn Vaên Ñöùc", "Người chủ trì: Nguyễn Văn Đức"},
    {"Quyeát ñònh veà vieäc thaønh laäp Toå coâng taùc",
     "Quyết định về việc thành lập Tổ công tác"},
    {"Hoäi nghò tröïc tuyeán Ñaék Laék", "Hội nghị trực tuyến Đắk Lắk"},
    {"Baûo Thaéng", "Bảo Thắng"},
    {"Kính göûi: Caùc sôû, ban, ngaønh", "Kính gửi: Các sở, ban, ngành"},
};

static void
test_vni_sentences_detected (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_vni_sentences / sizeof s_vni_sentences[0]; i++) {
        const char *mojibake = s_vni_sentences[i][0], *expected = s_vni_sentences[i][1];
        s_expect_string (mojibake, expected, DOC_LEGACY_VNI);
        size_t n;
        char *raw = s_bytes (mojibake, &n);
        s_expect (raw, n, expected, DOC_LEGACY_VNI);
        free (raw);
    }
}

// ---- what must not change --------------------------------------------------

static void
test_unicode_and_foreign_text_unchanged (void **state)
{
    (void) state;
    static const char *const texts[] = {
        "Hà Nội",
        "café",
        "Müller",
        "naïve",
        "São Paulo",
        "€100",
        "Ủy ban nhân dân tỉnh Bình Định",
        "Cà phê",
        "“Cà phê” sữa đá…",
        "Bà Müller",
        "Tôi yêu café",
        "Công ty ABC©",
        "Ðà Nẵng",
        "Où est le café ? À côté de la gare.",
        "Crème brûlée, œuvre, Ærø, Señor García",
        "Die Bürger sind über die Straße gegangen.",
        "The quick brown fox jumps over the lazy dog.",
        "Giá 25°C – 30°C, ± 2 %",
        "Đắk Lắk",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        s_expect_string (texts[i], texts[i], DOC_LEGACY_UNICODE);
}

static void
test_ascii_and_empty_unchanged (void **state)
{
    (void) state;
    s_expect_string ("Meeting at 8:00, room 2 (UBND).\n", "Meeting at 8:00, room 2 (UBND).\n",
                     DOC_LEGACY_UNICODE);
    s_expect ("", 0, "", DOC_LEGACY_UNICODE);
    const char *encoding = NULL;
    char *out = doc_legacy_to_unicode (NULL, 0, &encoding);
    assert_string_equal (out, "");
    assert_string_equal (encoding, DOC_LEGACY_UNICODE);
    free (out);
    out = doc_legacy_to_unicode ("abc", 3, NULL);
    assert_string_equal (out, "abc");
    free (out);
}

static void
test_unicode_made_nfc (void **state)
{
    (void) state;
    //  "Việt Nam" typed with combining marks (dot below and circumflex).
    s_expect_string ("Vie\xcc\xa3\xcc\x82t Nam", "Việt Nam", DOC_LEGACY_UNICODE);
    s_expect_string ("Ho\xcc\x80\x61", "Hòa", DOC_LEGACY_UNICODE);
}

static void
test_invalid_utf8_made_valid (void **state)
{
    (void) state;
    //  Windows-1252 French, not Vietnamese: read as Windows-1252.
    s_expect_string ("caf\xe9 cr\xe8me br\xfbl\xe9\x65", "café crème brûlée", DOC_LEGACY_UNICODE);
    //  NUL cannot be carried: U+FFFD. A cut UTF-8 sequence: its bytes as Windows-1252.
    s_expect ("a\0b", 3, "a\uFFFDb", DOC_LEGACY_UNICODE);
    s_expect ("Vi\xe1\xbb", 4, "Viá»", DOC_LEGACY_UNICODE);
    s_expect ("\x80\x81", 2, "€\xc2\x81", DOC_LEGACY_UNICODE);
}

static void
test_one_word_is_too_little (void **state)
{
    (void) state;
    //  One word alone does not change a text...
    s_expect_string ("B¶o", "B¶o", DOC_LEGACY_UNICODE);
    s_expect_string ("Ð", "Ð", DOC_LEGACY_UNICODE);
    //  ...but a known encoding converts it.
    char *out = doc_legacy_decode ("B¶o", strlen ("B¶o"), DOC_LEGACY_TCVN3);
    assert_string_equal (out, "Bảo");
    free (out);
    out = doc_legacy_decode ("Baûo", strlen ("Baûo"), DOC_LEGACY_VNI);
    assert_string_equal (out, "Bảo");
    free (out);
}

static void
test_decode_names (void **state)
{
    (void) state;
    assert_null (doc_legacy_decode ("abc", 3, "viscii"));
    assert_null (doc_legacy_decode ("abc", 3, NULL));
    char *out = doc_legacy_decode ("Vie\xcc\xa3\xcc\x82t", 8, DOC_LEGACY_UNICODE);
    assert_string_equal (out, "Việt");
    free (out);
    //  Unicode that no legacy byte becomes stays itself whatever is asked.
    out = doc_legacy_decode ("Nội", strlen ("Nội"), DOC_LEGACY_TCVN3);
    assert_string_equal (out, "Nội");
    free (out);
    //  ASCII bytes are read as TCVN3 too: 0x01 holds Ú.
    out = doc_legacy_decode ("\x01y", 2, DOC_LEGACY_TCVN3);
    assert_string_equal (out, "Úy");
    free (out);
}

static void
test_syllables_recognised (void **state)
{
    (void) state;
    static const char *const good[] = {
        "người", "Nguyễn", "khuỷu", "quốc",  "gì",    "giếng", "nghiêng", "Đắk",  "yêu",
        "uyên",  "quýt",   "thuở",  "xoong", "Ủy",    "Uỷ",    "hoà",     "hòa",  "TRƯỜNG",
        "kỹ",    "ghế",    "nghĩa", "giữa",  "khuya", "ngoài", "chuyện",  "việc", "à",
    };
    static const char *const bad[] = {
        "café", "nhaân", "Baûo", "Mỹller", "cafộ", "ce",     "ghà", "kà",  "đat",
        "ngh",  "bcd",   "aa",   "Sẫo",    "nạve", "Müller", "ủỷ",  "qua̋", "thắngg",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!doc_legacy_syllable (good[i], strlen (good[i])))
            fail_msg ("\"%s\" should be a syllable", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (doc_legacy_syllable (bad[i], strlen (bad[i])))
            fail_msg ("\"%s\" should not be a syllable", bad[i]);
    assert_false (doc_legacy_syllable ("", 0));
    assert_false (doc_legacy_syllable ("\xff", 1));
}

static void
test_long_text_converted_whole (void **state)
{
    (void) state;
    const char *line = s_sentences[2];
    char *raw_line = s_iconv ("UTF-8", "TCVN5712-1", line, strlen (line));
    size_t raw_len = strlen (raw_line), count = LONG_LINES;
    char *raw = malloc (count * (raw_len + 1) + 1);
    char *expected = malloc (count * (strlen (line) + 1) + 1);
    size_t r = 0, e = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy (raw + r, raw_line, raw_len);
        r += raw_len;
        raw[r++] = '\n';
        memcpy (expected + e, line, strlen (line));
        e += strlen (line);
        expected[e++] = '\n';
    }
    expected[e] = '\0';
    assert_true (r > 2 * 65536);
    s_expect (raw, r, expected, DOC_LEGACY_TCVN3);
    //  Mojibake at the start, then Unicode no legacy byte becomes: left as it is.
    char *mojibake = s_mojibake (raw, r);
    size_t m = strlen (mojibake);
    char *mixed = malloc (m + 16);
    memcpy (mixed, mojibake, m);
    memcpy (mixed + m, "Nội", strlen ("Nội") + 1);
    s_expect_string (mixed, mixed, DOC_LEGACY_UNICODE);
    free (mixed);
    free (mojibake);
    free (raw);
    free (expected);
    free (raw_line);
}

//  Any byte, or (like_text) two high bytes for every letter, as legacy text has.
static char
s_random_byte (bool like_text)
{
    if (!like_text)
        return (char) rand ();
    return (char) (rand () % 3 ? 0x80 + rand () % 0x80 : 'a' + rand () % 26);
}

static void
test_any_bytes_give_bounded_nfc (void **state)
{
    (void) state;
    srand (RANDOM_SEED);
    char in[RANDOM_MAX];
    for (int run = 0; run < RANDOM_RUNS; run++) {
        size_t n = (size_t) rand () % RANDOM_MAX;
        for (size_t i = 0; i < n; i++)
            in[i] = s_random_byte (run % 2 == 0);
        const char *encoding;
        char *out = doc_legacy_to_unicode (in, n, &encoding);
        assert_non_null (out);
        size_t len = strlen (out);
        assert_true (len <= 3 * n);
        assert_true (cab_utf8_valid (out, len));
        char *nfc = cab_utf8_nfc (out);
        assert_string_equal (nfc, out);
        free (nfc);
        free (out);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_tcvn3_table_matches_iconv),
        cmocka_unit_test (test_tcvn3_combining_bytes_compose),
        cmocka_unit_test (test_tcvn3_sample_raw_and_mojibake),
        cmocka_unit_test (test_tcvn3_sentences_detected),
        cmocka_unit_test (test_vni_layout_decoded),
        cmocka_unit_test (test_vni_marks_only_where_they_fit),
        cmocka_unit_test (test_vni_sentences_detected),
        cmocka_unit_test (test_unicode_and_foreign_text_unchanged),
        cmocka_unit_test (test_ascii_and_empty_unchanged),
        cmocka_unit_test (test_unicode_made_nfc),
        cmocka_unit_test (test_invalid_utf8_made_valid),
        cmocka_unit_test (test_one_word_is_too_little),
        cmocka_unit_test (test_decode_names),
        cmocka_unit_test (test_syllables_recognised),
        cmocka_unit_test (test_long_text_converted_whole),
        cmocka_unit_test (test_any_bytes_give_bounded_nfc),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
