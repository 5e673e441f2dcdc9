/*  Unit tests of what a file is (R5.1): decided by its content with
    libmagic and, inside zip containers, by the main part's content type;
    never by its name. Programs, macro documents and plain archives are
    refused with a message naming what they are; the accepted kinds follow
    CABINET_ACCEPTED_TYPES.  */
#include "analyze.h"
#include "filetype.h"
#include "fixtures.h"
#include "rules.h"
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

static void
s_free (Cabinet__V1__DocumentAnalysis *a)
{
    protobuf_c_message_free_unpacked (&a->base, NULL);
}

//  The service's decision for an analysis under the default accepted kinds.
static cab_status_t
s_decide (const Cabinet__V1__DocumentAnalysis *a, docs_fault_t *fault)
{
    unsigned accepted = 0;
    char bad[32];
    assert_true (
        docs_types_parse ("pdf,docx,xlsx,doc,xls,pptx,jpg,png", &accepted, bad, sizeof bad));
    docs_check_type (a->file_type, a->mime_type, a->accepted_kind ? accepted : 0, fault);
    return fault->status;
}

/* ---- libmagic's answers sorted --------------------------------------------------------- */

static void
test_classify_known_kinds (void **state)
{
    (void) state;
    assert_int_equal (docs_magic_classify ("application/pdf", "PDF document"), DOCS_MAGIC_PDF);
    assert_int_equal (docs_magic_classify ("image/png", NULL), DOCS_MAGIC_PNG);
    assert_int_equal (docs_magic_classify ("image/jpeg", NULL), DOCS_MAGIC_JPG);
    assert_int_equal (docs_magic_classify ("application/msword", NULL), DOCS_MAGIC_DOC);
    assert_int_equal (docs_magic_classify ("application/vnd.ms-excel", NULL), DOCS_MAGIC_XLS);
}

static void
test_classify_zips_and_office_open_xml_look_inside (void **state)
{
    (void) state;
    assert_int_equal (docs_magic_classify ("application/zip", NULL), DOCS_MAGIC_ZIP);
    assert_int_equal (
        docs_magic_classify (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", NULL),
        DOCS_MAGIC_ZIP);
    assert_int_equal (
        docs_magic_classify ("application/vnd.ms-word.document.macroEnabled.12", NULL),
        DOCS_MAGIC_MACRO);
}

static void
test_classify_compound_files_by_description (void **state)
{
    (void) state;
    assert_int_equal (docs_magic_classify ("application/CDFV2",
                                           "Composite Document File V2 Document, Name of "
                                           "Creating Application: Microsoft Excel"),
                      DOCS_MAGIC_XLS);
    assert_int_equal (docs_magic_classify ("application/x-ole-storage",
                                           "CDF V2 Document, Name of Creating Application: "
                                           "Microsoft Office Word, Number of Pages: 7"),
                      DOCS_MAGIC_DOC);
    assert_int_equal (docs_magic_classify ("application/vnd.ms-office", "CDF V2 Document"),
                      DOCS_MAGIC_OLE);
}

static void
test_classify_programs_and_scripts (void **state)
{
    (void) state;
    assert_int_equal (docs_magic_classify ("application/x-dosexec", "PE32 executable"),
                      DOCS_MAGIC_EXE);
    assert_int_equal (docs_magic_classify ("application/x-pie-executable", NULL), DOCS_MAGIC_EXE);
    assert_int_equal (docs_magic_classify ("text/x-shellscript", NULL), DOCS_MAGIC_EXE);
    assert_int_equal (docs_magic_classify ("application/octet-stream", "PE32+ executable"),
                      DOCS_MAGIC_EXE);
    assert_int_equal (docs_magic_classify ("text/plain", "ASCII text"), DOCS_MAGIC_OTHER);
    assert_int_equal (docs_magic_classify (NULL, NULL), DOCS_MAGIC_OTHER);
}

static void
test_word_page_count_read_from_description (void **state)
{
    (void) state;
    assert_int_equal (docs_magic_doc_pages ("CDF V2 Document, Number of Pages: 12, Number of "
                                            "Words: 3000"),
                      12);
    assert_int_equal (docs_magic_doc_pages ("CDF V2 Document, Number of Pages: 0"), -1);
    assert_int_equal (docs_magic_doc_pages ("CDF V2 Document"), -1);
    assert_int_equal (docs_magic_doc_pages (NULL), -1);
}

/* ---- real files through libmagic --------------------------------------------------------- */

static void
test_png_named_pdf_is_a_png (void **state)
{
    (void) state;
    //  The service never sees the name: only the bytes decide.
    char path[64];
    int fd = fx_file (fx_png, sizeof fx_png, path, false);
    char named[80];
    snprintf (named, sizeof named, "%s.pdf", path);
    assert_int_equal (rename (path, named), 0);
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fd);
    unlink (named);
    assert_string_equal (a->file_type, "png");
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_OK);
    s_free (a);
}

static void
test_program_disguised_as_pdf_refused (void **state)
{
    (void) state;
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_fd (fx_elf, sizeof fx_elf));
    assert_string_equal (a->file_type, "exe");
    assert_false (a->accepted_kind);
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.code, "unsupported_media_type");
    assert_string_equal (fault.field, "file");
    assert_non_null (strstr (fault.message, "chương trình"));
    s_free (a);
}

static void
test_script_refused (void **state)
{
    (void) state;
    static const char script[] = "#!/bin/sh\nrm -rf / --no-preserve-root\n";
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_fd (script, sizeof script - 1));
    assert_string_equal (a->file_type, "exe");
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_INVALID_ARGUMENT);
    s_free (a);
}

static void
test_plain_text_refused_naming_its_type (void **state)
{
    (void) state;
    static const char text[] = "Đây chỉ là một tệp văn bản thường, không phải tài liệu.\n";
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_fd (text, sizeof text - 1));
    assert_string_equal (a->file_type, "other");
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "text/plain"));
    s_free (a);
}

static void
test_plain_zip_refused (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"bao-cao.txt", "Báo cáo", 0},
        {"phu-luc/so-lieu.csv", "a,b\n1,2\n", 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "zip");
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "nén"));
    s_free (a);
}

static void
test_macro_document_refused (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCM_TYPES, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {"word/vbaProject.bin", "\xd0\xcf\x11\xe0", 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "macro");
    docs_fault_t fault;
    assert_int_equal (s_decide (a, &fault), CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "macro"));
    s_free (a);
}

static void
test_docx_claiming_no_macros_but_carrying_them_refused (void **state)
{
    (void) state;
    const fx_part_t parts[] = {
        {"[Content_Types].xml", FX_DOCX_TYPES, 0},
        {"word/document.xml", FX_DOCX_BODY, 0},
        {"word/vbaProject.bin", "\xd0\xcf\x11\xe0", 0},
        {NULL, NULL, 0},
    };
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
    assert_string_equal (a->file_type, "macro");
    s_free (a);
}

//  Word, Excel and PowerPoint told apart from the inside, even when the
//  content types are not the first entry (libmagic then only sees a zip).
static void
test_office_kinds_told_apart_inside_the_zip (void **state)
{
    (void) state;
    static const struct {
        const char *types;
        const char *main;
        const char *kind;
    } cases[] = {
        {FX_DOCX_TYPES, "word/document.xml", "docx"},
        {FX_XLSX_TYPES, "xl/workbook.xml", "xlsx"},
        {FX_PPTX_TYPES, "ppt/presentation.xml", "pptx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fx_part_t parts[] = {
            {"aaa/first.xml", "<x/>", 0},
            {cases[i].main, "<root/>", 0},
            {"[Content_Types].xml", cases[i].types, 0},
            {NULL, NULL, 0},
        };
        Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_zip (parts, NULL));
        assert_string_equal (a->file_type, cases[i].kind);
        assert_true (a->accepted_kind);
        docs_type_t type;
        assert_true (docs_type_parse (cases[i].kind, &type));
        assert_string_equal (a->mime_type, docs_type_mime (type));
        s_free (a);
    }
}

static void
test_accepted_kind_outside_the_setting_refused (void **state)
{
    (void) state;
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_fd (fx_png, sizeof fx_png));
    unsigned accepted = 0;
    char bad[32];
    assert_true (docs_types_parse ("pdf,docx", &accepted, bad, sizeof bad));
    docs_fault_t fault;
    docs_check_type (a->file_type, a->mime_type, accepted, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "PNG"));
    assert_non_null (strstr (fault.message, "pdf, docx"));
    s_free (a);
}

static void
test_empty_file_is_not_a_document (void **state)
{
    (void) state;
    Cabinet__V1__DocumentAnalysis *a = s_analyze_fd (fx_fd ("", 0));
    assert_false (a->accepted_kind);
    s_free (a);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_classify_known_kinds),
        cmocka_unit_test (test_classify_zips_and_office_open_xml_look_inside),
        cmocka_unit_test (test_classify_compound_files_by_description),
        cmocka_unit_test (test_classify_programs_and_scripts),
        cmocka_unit_test (test_word_page_count_read_from_description),
        cmocka_unit_test (test_png_named_pdf_is_a_png),
        cmocka_unit_test (test_program_disguised_as_pdf_refused),
        cmocka_unit_test (test_script_refused),
        cmocka_unit_test (test_plain_text_refused_naming_its_type),
        cmocka_unit_test (test_plain_zip_refused),
        cmocka_unit_test (test_macro_document_refused),
        cmocka_unit_test (test_docx_claiming_no_macros_but_carrying_them_refused),
        cmocka_unit_test (test_office_kinds_told_apart_inside_the_zip),
        cmocka_unit_test (test_accepted_kind_outside_the_setting_refused),
        cmocka_unit_test (test_empty_file_is_not_a_document),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
