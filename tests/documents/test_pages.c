/*  Unit tests of page counting and text extraction (R5.5, R5.9): PDF
    through poppler, DOCX from its properties, XLSX by visible sheets, PPTX
    by slides, images one page; damaged files kept with pages unknown and a
    reason; zip bombs disguised as Office documents cost a bounded amount
    of inflating whatever their entries claim.  */
#include "analyze.h"
#include "fixtures.h"
#include "ooxml.h"
#include "pdf.h"
#include <stdbool.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define BOMB_BYTES (100u << 20)  //  inflates to 100 MiB, compresses to ~100 KiB

static Cabinet__V1__DocumentAnalysis *
s_analyze_fd (int fd)
{
    docs_analyze_opts_t opts;
    docs_analyze_opts_default (&opts, NULL);
    Cabinet__V1__DocumentAnalysis *a = docs_analyze_fd (fd, &opts, NULL, NULL);
    close (fd);
    assert_non_null (a);
    return a;
}

static Cabinet__V1__DocumentAnalysis *
s_analyze (const void *data, size_t n)
{
    return s_analyze_fd (fx_fd (data, n));
}

static void
s_free (Cabinet__V1__DocumentAnalysis *a)
{
    protobuf_c_message_free_unpacked (&a->base, NULL);
}

static bool
s_pages_known (const Cabinet__V1__DocumentAnalysis *a)
{
    return a->pages_known_case == CABINET__V1__DOCUMENT_ANALYSIS__PAGES_KNOWN_PAGES;
}

/* ---- PDF ------------------------------------------------------------------------------- */

static void
test_pdf_pages_counted (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (3, "Bao cao tong ket", false);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (pdf.data, pdf.len);
    assert_string_equal (a->file_type, "pdf");
    assert_string_equal (a->mime_type, "application/pdf");
    assert_true (a->accepted_kind);
    assert_true (s_pages_known (a));
    assert_int_equal (a->pages, 3);
    s_free (a);
    free (pdf.data);
}

static void
test_pdf_text_extracted (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (2, "Ke hoach chuyen doi so", false);
    Cabinet__V1__DocumentAnalysis *a = s_analyze (pdf.data, pdf.len);
    assert_non_null (a->text);
    assert_non_null (strstr (a->text, "Ke hoach chuyen doi so 1"));
    assert_non_null (strstr (a->text, "Ke hoach chuyen doi so 2"));
    assert_string_equal (a->text_encoding, "unicode");
    s_free (a);
    free (pdf.data);
}

static void
test_pdf_text_bounded (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (40, "Noi dung dai dong lap lai nhieu lan tren moi trang", false);
    int fd = fx_fd (pdf.data, pdf.len);
    docs_pdf_info_t info;
    assert_int_equal (docs_pdf_inspect (fd, 200, 30, &info), 0);
    close (fd);
    assert_int_equal (info.pages, 40);
    assert_true (info.text_len <= 200);
    assert_true (info.truncated);
    docs_pdf_info_clear (&info);
    free (pdf.data);
}

static void
test_pdf_corrupt_kept_with_pages_unknown (void **state)
{
    (void) state;
    static const char broken[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\n"
                                 "garbage that is not a PDF body at all\n%%EOF\n";
    Cabinet__V1__DocumentAnalysis *a = s_analyze (broken, sizeof broken - 1);
    assert_string_equal (a->file_type, "pdf");  //  libmagic: it is a PDF
    assert_true (a->accepted_kind);
    assert_false (s_pages_known (a));
    assert_non_null (a->pages_note);
    assert_non_null (strstr (a->pages_note, "PDF"));
    assert_null (a->refusal);
    s_free (a);
}

static void
test_pdf_truncated_still_counted_or_explained (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (4, "Cat ngang", false);
    //  The cross-reference table and trailer are gone: poppler rebuilds them
    //  or the file is kept with the reason.
    char *xref = strstr (pdf.data, "xref");
    Cabinet__V1__DocumentAnalysis *a = s_analyze (pdf.data, (size_t) (xref - pdf.data));
    assert_string_equal (a->file_type, "pdf");
    assert_true (s_pages_known (a) ? a->pages == 4 : a->pages_note != NULL);
    s_free (a);
    free (pdf.data);
}

/* ---- Word, Excel, PowerPoint ------------------------------------------------------------------
 */

static void
test_docx_pages_from_properties (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"_rels/.rels", FX_RELS, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {"docProps/app.xml", FX_APP ("12"), 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "docx");
    assert_string_equal (a->mime_type,
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_true (s_pages_known (a));
    assert_int_equal (a->pages, 12);
    s_free (a);
}

static void
test_docx_text_extracted_with_paragraphs (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {"docProps/app.xml", FX_APP ("1"), 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_non_null (a->text);
    assert_string_equal (a->text, "Báo cáo tình hình kinh tế\nHọp không giấy tờ\t2026\n");
    assert_false (a->text_truncated);
    s_free (a);
}

static void
test_docx_without_page_property_unknown_with_reason (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "docx");
    assert_true (a->accepted_kind);
    assert_false (s_pages_known (a));
    assert_non_null (a->pages_note);
    assert_non_null (strstr (a->pages_note, "số trang"));
    assert_non_null (a->text);  //  the text is there all the same
    s_free (a);
}

static void
test_docx_page_property_not_a_number_unknown (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {"docProps/app.xml", FX_APP ("mười hai"), 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_false (s_pages_known (a));
    s_free (a);
}

static void
test_xlsx_visible_sheets_counted (void **state)
{
    (void) state;
    static const char workbook[] =
        "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/"
        "spreadsheetml/2006/main\"><sheets><sheet name=\"Thu\" sheetId=\"1\"/>"
        "<sheet name=\"Chi\" sheetId=\"2\"/><sheet name=\"Tạm\" sheetId=\"3\" state=\"hidden\"/>"
        "<sheet name=\"Tổng\" sheetId=\"4\" state=\"visible\"/></sheets></workbook>";
    static const char strings[] =
        "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
        "2006/main\"><si><t>Dự toán ngân sách</t></si><si><r><t>Quyết </t></r><r><t>toán</t>"
        "</r></si></sst>";
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_XLSX_TYPES, 0},
        {"xl/workbook.xml", workbook, 0},
        {"xl/sharedStrings.xml", strings, 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "xlsx");
    assert_true (s_pages_known (a));
    assert_int_equal (a->pages, 3);
    assert_non_null (strstr (a->pages_note, "trang tính"));  //  a sheet counts as a page
    assert_string_equal (a->text, "Dự toán ngân sách\nQuyết toán\n");
    s_free (a);
}

static void
test_pptx_slides_counted (void **state)
{
    (void) state;
    static const char presentation[] =
        "<?xml version=\"1.0\"?><p:presentation xmlns:p=\"http://schemas.openxmlformats.org/"
        "presentationml/2006/main\" xmlns:r=\"r\"><p:sldIdLst><p:sldId id=\"256\" r:id=\"a\"/>"
        "<p:sldId id=\"257\" r:id=\"b\"/><p:sldId id=\"258\" r:id=\"c\"/><p:sldId id=\"259\" "
        "r:id=\"d\"/></p:sldIdLst></p:presentation>";
    static const char slide[] =
        "<?xml version=\"1.0\"?><p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>Mục tiêu năm "
        "2026</a:t></a:r></a:p></p:sld>";
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_PPTX_TYPES, 0},
        {"ppt/presentation.xml", presentation, 0},
        {"ppt/slides/slide1.xml", slide, 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "pptx");
    assert_true (s_pages_known (a));
    assert_int_equal (a->pages, 4);
    assert_string_equal (a->text, "Mục tiêu năm 2026\n");
    s_free (a);
}

static void
test_office_zip_with_broken_types_kept_or_refused_never_crashes (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", "<Types><Override PartName=", 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    //  libmagic names it a Word document (kept, pages unknown) or a zip
    //  (refused): never anything in between.
    if (a->accepted_kind) {
        assert_string_equal (a->file_type, "docx");
        assert_false (s_pages_known (a));
        assert_non_null (a->pages_note);
    } else
        assert_string_equal (a->file_type, "zip");
    s_free (a);
}

/* ---- images ------------------------------------------------------------------------------ */

static void
test_png_is_one_page (void **state)
{
    (void) state;
    Cabinet__V1__DocumentAnalysis *a = s_analyze (fx_png, sizeof fx_png);
    assert_string_equal (a->file_type, "png");
    assert_string_equal (a->mime_type, "image/png");
    assert_true (s_pages_known (a));
    assert_int_equal (a->pages, 1);
    assert_null (a->signature);
    s_free (a);
}

static void
test_jpg_is_one_page (void **state)
{
    (void) state;
    Cabinet__V1__DocumentAnalysis *a = s_analyze (fx_jpg, sizeof fx_jpg);
    assert_string_equal (a->file_type, "jpg");
    assert_string_equal (a->mime_type, "image/jpeg");
    assert_int_equal (a->pages, 1);
    s_free (a);
}

/* ---- zip bombs ---------------------------------------------------------------------------- */

static void
test_zip_bomb_docx_not_inflated (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", NULL, BOMB_BYTES},
        {"docProps/app.xml", NULL, BOMB_BYTES},
        {NULL, NULL, 0},
    };
    int fd = fx_zip (parts, NULL);
    struct stat st;
    fstat (fd, &st);
    assert_true (st.st_size < (off_t) (2u << 20));  //  small on disk
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fd);
    //  Kept as what it claims to be, pages unknown, text skipped: the
    //  declared sizes were over the limit, nothing was inflated for them.
    assert_string_equal (a->file_type, "docx");
    assert_false (s_pages_known (a));
    assert_non_null (a->pages_note);
    assert_true (a->has_inflated_bytes);
    assert_true (a->inflated_bytes < 65536);
    assert_true (a->text == NULL || a->text[0] == '\0');
    s_free (a);
}

//  Patch the uncompressed size recorded for name (local and central
//  headers) in the zip at path: a bomb that lies about its size.
static void
s_lie_about_size (const char *path, const char *name, uint32_t size)
{
    FILE *f = fopen (path, "r+b");
    assert_non_null (f);
    fseek (f, 0, SEEK_END);
    long len = ftell (f);
    unsigned char *data = malloc ((size_t) len);
    fseek (f, 0, SEEK_SET);
    assert_int_equal (fread (data, 1, (size_t) len, f), (size_t) len);
    size_t name_len = strlen (name);
    int patched = 0;
    for (long i = 0; i + 46 < len; i++) {
        unsigned char le[4] = {(unsigned char) size, (unsigned char) (size >> 8),
                               (unsigned char) (size >> 16), (unsigned char) (size >> 24)};
        if (memcmp (data + i, "PK\x03\x04", 4) == 0 && memcmp (data + i + 30, name, name_len) == 0
            && data[i + 26] == name_len) {
            memcpy (data + i + 22, le, 4);
            patched++;
        } else if (memcmp (data + i, "PK\x01\x02", 4) == 0
                   && memcmp (data + i + 46, name, name_len) == 0 && data[i + 28] == name_len) {
            memcpy (data + i + 24, le, 4);
            patched++;
        }
    }
    assert_int_equal (patched, 2);
    fseek (f, 0, SEEK_SET);
    fwrite (data, 1, (size_t) len, f);
    fclose (f);
    free (data);
}

static void
test_zip_bomb_lying_about_its_size_stops_at_the_claim (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", NULL, 40u << 20},
        {"docProps/app.xml", FX_APP ("3"), 0},
        {NULL, NULL, 0},
    };
    char path[64];
    int fd = fx_zip (parts, path);
    close (fd);
    s_lie_about_size (path, "word/document.xml", 1000);
    fd = open (path, O_RDONLY);
    unlink (path);
    docs_zip_limits_t limits = {
        .part_max = 8u << 20, .total_max = 16u << 20, .entries_max = 100, .text_max = 4096};
    docs_ooxml_t *zip = docs_ooxml_open (fd, &limits, NULL);
    assert_non_null (zip);
    assert_int_equal (docs_ooxml_kind (zip), DOCS_OOXML_DOCX);
    size_t len = 0;
    bool truncated = false;
    char *text = docs_ooxml_text (zip, DOCS_OOXML_DOCX, &len, &truncated);
    assert_non_null (text);
    assert_int_equal (len, 0);
    //  At most the claimed size and a byte (plus the small parts) came out.
    assert_true (docs_ooxml_inflated (zip) < 1000 + 1 + 4096);
    char note[256];
    assert_int_equal (docs_ooxml_pages (zip, DOCS_OOXML_DOCX, note, sizeof note), 3);
    free (text);
    docs_ooxml_destroy (&zip);
    close (fd);
}

static void
test_zip_parts_share_one_inflating_budget (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", NULL, 3u << 20},
        {"docProps/app.xml", FX_APP ("2"), 0},
        {NULL, NULL, 0},
    };
    int fd = fx_zip (parts, NULL);
    //  Each part would fit; the file's budget does not cover them all.
    docs_zip_limits_t limits = {
        .part_max = 4u << 20, .total_max = 2u << 20, .entries_max = 100, .text_max = 4096};
    docs_ooxml_t *zip = docs_ooxml_open (fd, &limits, NULL);
    assert_non_null (zip);
    assert_int_equal (docs_ooxml_kind (zip), DOCS_OOXML_DOCX);
    size_t len = 0;
    bool truncated = false;
    char *text = docs_ooxml_text (zip, DOCS_OOXML_DOCX, &len, &truncated);
    assert_true (truncated);
    assert_true (docs_ooxml_inflated (zip) <= limits.total_max);
    free (text);
    docs_ooxml_destroy (&zip);
    close (fd);
}

static void
test_zip_with_too_many_entries_not_opened (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"a.xml", "<a/>", 0},
        {"b.xml", "<b/>", 0},
        {"c.xml", "<c/>", 0},
        {NULL, NULL, 0},
    };
    int fd = fx_zip (parts, NULL);
    docs_zip_limits_t limits = {
        .part_max = 1u << 20, .total_max = 1u << 20, .entries_max = 3, .text_max = 4096};
    const char *why = NULL;
    assert_null (docs_ooxml_open (fd, &limits, &why));
    assert_non_null (why);
    close (fd);
}

/* ---- text as received --------------------------------------------------------------------- */

static void
test_text_controls_dropped_and_unicode_kept (void **state)
{
    (void) state;
    const char *encoding = NULL;
    char *text =
        docs_text_to_unicode ("Họp\r\nkhông\x01 giấy", strlen ("Họp\r\nkhông\x01 giấy"), &encoding);
    assert_string_equal (text, "Họp\n\nkhông giấy");
    assert_string_equal (encoding, "unicode");
    free (text);
}

static void
test_text_in_tcvn3_converted (void **state)
{
    (void) state;
    //  DESIGN.md's example: TCVN3 bytes read as Latin-1.
    const char *encoding = NULL;
    const char *legacy = "B\xc2\xb6o Th\xc2\xbeng";
    char *text = docs_text_to_unicode (legacy, strlen (legacy), &encoding);
    assert_string_equal (text, "Bảo Thắng");
    assert_string_equal (encoding, "tcvn3");
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_pdf_pages_counted),
        cmocka_unit_test (test_pdf_text_extracted),
        cmocka_unit_test (test_pdf_text_bounded),
        cmocka_unit_test (test_pdf_corrupt_kept_with_pages_unknown),
        cmocka_unit_test (test_pdf_truncated_still_counted_or_explained),
        cmocka_unit_test (test_docx_pages_from_properties),
        cmocka_unit_test (test_docx_text_extracted_with_paragraphs),
        cmocka_unit_test (test_docx_without_page_property_unknown_with_reason),
        cmocka_unit_test (test_docx_page_property_not_a_number_unknown),
        cmocka_unit_test (test_xlsx_visible_sheets_counted),
        cmocka_unit_test (test_pptx_slides_counted),
        cmocka_unit_test (test_office_zip_with_broken_types_kept_or_refused_never_crashes),
        cmocka_unit_test (test_png_is_one_page),
        cmocka_unit_test (test_jpg_is_one_page),
        cmocka_unit_test (test_zip_bomb_docx_not_inflated),
        cmocka_unit_test (test_zip_bomb_lying_about_its_size_stops_at_the_claim),
        cmocka_unit_test (test_zip_parts_share_one_inflating_budget),
        cmocka_unit_test (test_zip_with_too_many_entries_not_opened),
        cmocka_unit_test (test_text_controls_dropped_and_unicode_kept),
        cmocka_unit_test (test_text_in_tcvn3_converted),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
