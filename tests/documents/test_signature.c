/*  Unit tests of PDF signature verification (R5.4): signatures made here
    with OpenSSL's CMS API over a PDF's byte ranges, checked for integrity
    and against trust anchors; tampered, extended, damaged and unsigned
    files.  */
#include "fixtures.h"
#include "signature.h"
#include <stdbool.h>
#include <string.h>
#include <time.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define SIGNER_NAME "Nguyễn Văn An"
#define CA_NAME "Ban Cơ yếu Chính phủ thử nghiệm"

typedef struct {
    fx_identity_t ca;
    fx_identity_t other_ca;
    fx_identity_t leaf;         //  issued by ca
    fx_identity_t self_signed;  //  nobody's
    char ca_file[64];
    char other_ca_file[64];
} s_world_t;

static int
s_setup (void **state)
{
    s_world_t *w = calloc (1, sizeof *w);
    w->ca = fx_identity (CA_NAME, NULL, true);
    w->other_ca = fx_identity ("Tổ chức khác", NULL, true);
    w->leaf = fx_identity (SIGNER_NAME, &w->ca, false);
    w->self_signed = fx_identity (SIGNER_NAME, NULL, false);
    fx_pem_file (w->ca.cert, w->ca_file);
    fx_pem_file (w->other_ca.cert, w->other_ca_file);
    *state = w;
    return 0;
}

static int
s_teardown (void **state)
{
    s_world_t *w = *state;
    unlink (w->ca_file);
    unlink (w->other_ca_file);
    fx_identity_free (&w->ca);
    fx_identity_free (&w->other_ca);
    fx_identity_free (&w->leaf);
    fx_identity_free (&w->self_signed);
    free (w);
    return 0;
}

static docs_signature_t
s_check (const fx_buf_t *pdf, const char *anchors)
{
    int fd = fx_fd (pdf->data, pdf->len);
    docs_signature_t sig;
    assert_int_equal (docs_signature_check (fd, (int64_t) pdf->len, anchors, &sig), 0);
    close (fd);
    return sig;
}

static fx_buf_t
s_signed_pdf (const fx_identity_t *signer, X509 *chain)
{
    fx_buf_t pdf = fx_pdf (2, "Nghi quyet", true);
    fx_pdf_sign (&pdf, signer, chain);
    return pdf;
}

static void
test_unsigned_pdf_has_no_signature (void **state)
{
    (void) state;
    fx_buf_t pdf = fx_pdf (1, "Cong van", false);
    docs_signature_t sig = s_check (&pdf, NULL);
    assert_false (sig.is_signed);
    assert_int_equal (sig.count, 0);
    assert_non_null (strstr (sig.reason, "không có chữ ký"));
    free (pdf.data);
}

static void
test_signature_intact_without_anchors_is_untrusted (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->self_signed, NULL);
    docs_signature_t sig = s_check (&pdf, NULL);
    assert_true (sig.is_signed);
    assert_true (sig.intact);
    assert_false (sig.trusted);
    assert_true (sig.covers_whole);
    assert_int_equal (sig.count, 1);
    assert_string_equal (sig.signer, SIGNER_NAME);
    assert_non_null (strstr (sig.reason, "chưa cấu hình"));
    free (pdf.data);
}

static void
test_signing_time_read_from_signed_attributes (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->self_signed, NULL);
    docs_signature_t sig = s_check (&pdf, NULL);
    int64_t now = (int64_t) time (NULL);
    assert_true (sig.signed_at > now - 600 && sig.signed_at <= now + 5);
    free (pdf.data);
}

static void
test_signature_chaining_to_anchor_is_valid (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    docs_signature_t sig = s_check (&pdf, w->ca_file);
    assert_true (sig.intact);
    assert_true (sig.trusted);
    assert_string_equal (sig.signer, SIGNER_NAME);
    assert_string_equal (sig.issuer, CA_NAME);
    assert_string_equal (sig.reason, "Chữ ký số hợp lệ");
    free (pdf.data);
}

static void
test_signature_of_unknown_issuer_untrusted (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    docs_signature_t sig = s_check (&pdf, w->other_ca_file);
    assert_true (sig.intact);
    assert_false (sig.trusted);
    assert_non_null (strstr (sig.reason, "tin cậy"));
    free (pdf.data);
}

static void
test_self_signed_signature_untrusted_by_a_ca (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->self_signed, NULL);
    docs_signature_t sig = s_check (&pdf, w->ca_file);
    assert_true (sig.intact);
    assert_false (sig.trusted);
    free (pdf.data);
}

static void
test_unreadable_anchor_file_untrusted_with_reason (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    docs_signature_t sig = s_check (&pdf, "/nonexistent/anchors.pem");
    assert_true (sig.intact);
    assert_false (sig.trusted);
    assert_non_null (strstr (sig.reason, "CABINET_TRUST_ANCHORS"));
    free (pdf.data);
}

static void
test_tampered_content_not_intact (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    char *text = strstr (pdf.data, "Nghi quyet");
    assert_non_null (text);
    text[0] = 'X';  //  one byte of the signed range
    docs_signature_t sig = s_check (&pdf, w->ca_file);
    assert_true (sig.is_signed);
    assert_false (sig.intact);
    assert_false (sig.trusted);
    assert_non_null (strstr (sig.reason, "thay đổi"));
    free (pdf.data);
}

static void
test_bytes_appended_after_signing_reported (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    fx_printf (&pdf, "%% an incremental update made after signing\n");
    docs_signature_t sig = s_check (&pdf, w->ca_file);
    assert_true (sig.intact);
    assert_true (sig.trusted);
    assert_false (sig.covers_whole);
    assert_non_null (strstr (sig.reason, "bổ sung sau khi ký"));
    free (pdf.data);
}

static void
test_damaged_signature_blob_not_intact (void **state)
{
    s_world_t *w = *state;
    fx_buf_t pdf = s_signed_pdf (&w->leaf, NULL);
    char *contents = strstr (pdf.data, "/Contents <") + strlen ("/Contents <");
    memcpy (contents, "3082FFFF0000", 12);  //  a DER header that promises too much
    docs_signature_t sig = s_check (&pdf, w->ca_file);
    assert_true (sig.is_signed);
    assert_false (sig.intact);
    assert_non_null (strstr (sig.reason, "hỏng"));
    free (pdf.data);
}

static void
test_byte_range_outside_the_file_ignored (void **state)
{
    (void) state;
    static const char text[] = "%PDF-1.7\n<< /ByteRange [0 10 20 999999] /Contents <00> >>\n";
    fx_buf_t pdf = {0};
    fx_put (&pdf, text, sizeof text - 1);
    docs_signature_t sig = s_check (&pdf, NULL);
    assert_false (sig.is_signed);
    free (pdf.data);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_unsigned_pdf_has_no_signature),
        cmocka_unit_test (test_signature_intact_without_anchors_is_untrusted),
        cmocka_unit_test (test_signing_time_read_from_signed_attributes),
        cmocka_unit_test (test_signature_chaining_to_anchor_is_valid),
        cmocka_unit_test (test_signature_of_unknown_issuer_untrusted),
        cmocka_unit_test (test_self_signed_signature_untrusted_by_a_ca),
        cmocka_unit_test (test_unreadable_anchor_file_untrusted_with_reason),
        cmocka_unit_test (test_tampered_content_not_intact),
        cmocka_unit_test (test_bytes_appended_after_signing_reported),
        cmocka_unit_test (test_damaged_signature_blob_not_intact),
        cmocka_unit_test (test_byte_range_outside_the_file_ignored),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
