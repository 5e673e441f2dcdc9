/*  fixtures - the files the documents tests feed to the service, built by
    the tests themselves: PDFs written object by object (with a digital
    signature made with OpenSSL's CMS API when asked), Office Open XML
    files and zip bombs built with libzip, tiny images, programs. Each test
    binary includes this once; everything is static.  */
#ifndef DOCS_TEST_FIXTURES_H
#define DOCS_TEST_FIXTURES_H
#include <fcntl.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* ---- a growing buffer -------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} fx_buf_t;

static inline void
fx_put (fx_buf_t *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = realloc (b->data, cap);
        if (!b->data)
            abort ();
        b->cap = cap;
    }
    memcpy (b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void __attribute__ ((format (printf, 2, 3)))
fx_printf (fx_buf_t *b, const char *fmt, ...)
{
    char text[8192];
    va_list args;
    va_start (args, fmt);
    int n = vsnprintf (text, sizeof text, fmt, args);
    va_end (args);
    if (n < 0 || (size_t) n >= sizeof text)
        abort ();
    fx_put (b, text, (size_t) n);
}

/* ---- files ------------------------------------------------------------------------- */

//  A temporary file holding data; its path into path (64 bytes). Returns
//  a read-only descriptor (the file is unlinked when unlink_now).
static inline int
fx_file (const void *data, size_t n, char path[64], bool unlink_now)
{
    snprintf (path, 64, "/tmp/cabinet-docs-test.XXXXXX");
    int fd = mkstemp (path);
    if (fd < 0)
        abort ();
    if (n && write (fd, data, n) != (ssize_t) n)
        abort ();
    close (fd);
    fd = open (path, O_RDONLY | O_CLOEXEC);
    if (unlink_now)
        unlink (path);
    return fd;
}

//  A read-only descriptor of data (the file is gone already).
static inline int
fx_fd (const void *data, size_t n)
{
    char path[64];
    return fx_file (data, n, path, true);
}

/* ---- PDF ---------------------------------------------------------------------------- */

#define FX_SIG_HEX 8192  //  hex digits kept for the CMS blob

//  A PDF of pages pages, each showing text (WinAnsi bytes, no parentheses
//  or backslashes), with a signature dictionary placeholder when
//  signature_slot. Offsets of the xref table are exact.
static inline fx_buf_t
fx_pdf (int pages, const char *text, bool signature_slot)
{
    fx_buf_t b = {0};
    int objects = 3 + 2 * pages + (signature_slot ? 1 : 0);
    size_t *offsets = calloc ((size_t) objects + 1, sizeof *offsets);
    fx_printf (&b, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n");
    offsets[1] = b.len;
    fx_printf (&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offsets[2] = b.len;
    fx_printf (&b, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", pages);
    for (int i = 0; i < pages; i++)
        fx_printf (&b, " %d 0 R", 4 + 2 * i);
    fx_printf (&b, " ] >>\nendobj\n");
    offsets[3] = b.len;
    fx_printf (&b, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
                   " /Encoding /WinAnsiEncoding >>\nendobj\n");
    for (int i = 0; i < pages; i++) {
        int page = 4 + 2 * i, content = 5 + 2 * i;
        offsets[page] = b.len;
        fx_printf (&b,
                   "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
                   " /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>\nendobj\n",
                   page, content);
        char stream[1024];
        int n =
            snprintf (stream, sizeof stream, "BT /F1 12 Tf 72 770 Td (%s %d) Tj ET\n", text, i + 1);
        offsets[content] = b.len;
        fx_printf (&b, "%d 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n", content, n,
                   stream);
    }
    if (signature_slot) {
        int sig = objects;
        offsets[sig] = b.len;
        fx_printf (&b,
                   "%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached"
                   " /ByteRange [0 0000000000 0000000000 0000000000] /Contents <",
                   sig);
        for (int i = 0; i < FX_SIG_HEX; i++)
            fx_put (&b, "0", 1);
        fx_printf (&b, "> /M (D:20260101080000+07'00') >>\nendobj\n");
    }
    size_t xref = b.len;
    fx_printf (&b, "xref\n0 %d\n0000000000 65535 f \n", objects + 1);
    for (int i = 1; i <= objects; i++)
        fx_printf (&b, "%010zu 00000 n \n", offsets[i]);
    fx_printf (&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", objects + 1,
               xref);
    free (offsets);
    return b;
}

/* ---- certificates and signatures -------------------------------------------------------- */

typedef struct {
    EVP_PKEY *key;
    X509 *cert;
} fx_identity_t;

static inline void
fx_identity_free (fx_identity_t *id)
{
    EVP_PKEY_free (id->key);
    X509_free (id->cert);
}

static inline void
fx_extension (X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb (&ctx);
    X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
    if (!ext)
        abort ();
    X509_add_ext (cert, ext, -1);
    X509_EXTENSION_free (ext);
}

//  A P-256 key and its certificate named cn (UTF-8), signed by issuer
//  (NULL: self-signed); a CA when ca.
static inline fx_identity_t
fx_identity (const char *cn, const fx_identity_t *issuer, bool ca)
{
    fx_identity_t id = {EVP_EC_gen ("P-256"), X509_new ()};
    if (!id.key || !id.cert)
        abort ();
    static long serial = 1;
    X509_set_version (id.cert, 2);
    ASN1_INTEGER_set (X509_get_serialNumber (id.cert), serial++);
    X509_gmtime_adj (X509_getm_notBefore (id.cert), -86400);
    X509_gmtime_adj (X509_getm_notAfter (id.cert), 86400L * 365);
    X509_NAME *name = X509_get_subject_name (id.cert);
    X509_NAME_add_entry_by_txt (name, "C", MBSTRING_ASC, (const unsigned char *) "VN", -1, -1, 0);
    X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0);
    X509_set_issuer_name (id.cert, issuer ? X509_get_subject_name (issuer->cert) : name);
    X509_set_pubkey (id.cert, id.key);
    X509 *issuer_cert = issuer ? issuer->cert : id.cert;
    if (ca) {
        fx_extension (id.cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        fx_extension (id.cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else
        fx_extension (id.cert, issuer_cert, NID_key_usage,
                      "critical,digitalSignature,nonRepudiation");
    if (!X509_sign (id.cert, issuer ? issuer->key : id.key, EVP_sha256 ()))
        abort ();
    return id;
}

//  A PEM file of cert; its path into path (64 bytes).
static inline void
fx_pem_file (X509 *cert, char path[64])
{
    snprintf (path, 64, "/tmp/cabinet-docs-anchor.XXXXXX");
    int fd = mkstemp (path);
    FILE *f = fd >= 0 ? fdopen (fd, "w") : NULL;
    if (!f || PEM_write_X509 (f, cert) != 1)
        abort ();
    fclose (f);
}

//  Sign pdf (made with a signature slot) in place: fill /ByteRange and put
//  the hex of a detached CMS SignedData by signer (with chain, may be
//  NULL) over the two ranges into /Contents.
static inline void
fx_pdf_sign (fx_buf_t *pdf, const fx_identity_t *signer, X509 *chain)
{
    char *range = strstr (pdf->data, "/ByteRange [");
    char *contents = strstr (pdf->data, "/Contents <");
    if (!range || !contents)
        abort ();
    size_t b = (size_t) (contents - pdf->data) + strlen ("/Contents ");
    size_t c = b + FX_SIG_HEX + 2;  //  after "<...>"
    size_t d = pdf->len - c;
    char filled[64];
    snprintf (filled, sizeof filled, "[0 %010zu %010zu %010zu]", b, c, d);
    memcpy (range + strlen ("/ByteRange "), filled, strlen (filled));
    BIO *signed_bytes = BIO_new (BIO_s_mem ());
    BIO_write (signed_bytes, pdf->data, (int) b);
    BIO_write (signed_bytes, pdf->data + c, (int) d);
    STACK_OF (X509) *certs = sk_X509_new_null ();
    if (chain)
        sk_X509_push (certs, chain);
    CMS_ContentInfo *cms =
        CMS_sign (signer->cert, signer->key, certs, signed_bytes, CMS_DETACHED | CMS_BINARY);
    if (!cms)
        abort ();
    unsigned char *der = NULL;
    int len = i2d_CMS_ContentInfo (cms, &der);
    if (len <= 0 || 2 * len > FX_SIG_HEX)
        abort ();
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < len; i++) {
        pdf->data[b + 1 + 2 * (size_t) i] = hex[der[i] >> 4];
        pdf->data[b + 2 + 2 * (size_t) i] = hex[der[i] & 15];
    }
    OPENSSL_free (der);
    CMS_ContentInfo_free (cms);
    sk_X509_free (certs);
    BIO_free (signed_bytes);
}

/* ---- zip files (Office Open XML) ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *text;  //  NUL-terminated content, or NULL with zeros bytes of zeros
    size_t zeros;
} fx_part_t;

//  A zip file of parts (NULL-name terminated) in that order. Returns a
//  read-only descriptor; its path into path (64 bytes) unless NULL.
static inline int
fx_zip (const fx_part_t *parts, char path_out[64])
{
    char path[64];
    snprintf (path, sizeof path, "/tmp/cabinet-docs-zip.XXXXXX");
    int tmp = mkstemp (path);
    if (tmp < 0)
        abort ();
    close (tmp);
    int error = 0;
    zip_t *za = zip_open (path, ZIP_TRUNCATE, &error);
    if (!za)
        abort ();
    void *zeros[16] = {NULL};
    int z = 0;
    for (const fx_part_t *p = parts; p->name; p++) {
        zip_source_t *src;
        if (p->text)
            src = zip_source_buffer (za, p->text, strlen (p->text), 0);
        else {
            zeros[z] = calloc (1, p->zeros);
            src = zip_source_buffer (za, zeros[z++], p->zeros, 0);
        }
        if (!src || zip_file_add (za, p->name, src, ZIP_FL_ENC_UTF_8) < 0)
            abort ();
    }
    if (zip_close (za) != 0)
        abort ();
    for (int i = 0; i < z; i++)
        free (zeros[i]);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (path_out)
        snprintf (path_out, 64, "%s", path);
    else
        unlink (path);
    return fd;
}

#define FX_CT_HEAD                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"               \
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"                                 \
    "<Default Extension=\"rels\" "                                                                 \
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
#define FX_OPENXML "application/vnd.openxmlformats-officedocument."

#define FX_DOCX_TYPES                                                                              \
    FX_CT_HEAD "<Override PartName=\"/word/document.xml\" ContentType=\"" FX_OPENXML               \
               "wordprocessingml.document.main+xml\"/></Types>"
#define FX_XLSX_TYPES                                                                              \
    FX_CT_HEAD "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" FX_OPENXML                 \
               "spreadsheetml.sheet.main+xml\"/></Types>"
#define FX_PPTX_TYPES                                                                              \
    FX_CT_HEAD "<Override PartName=\"/ppt/presentation.xml\" ContentType=\"" FX_OPENXML            \
               "presentationml.presentation.main+xml\"/></Types>"
#define FX_DOCM_TYPES                                                                              \
    FX_CT_HEAD "<Override PartName=\"/word/document.xml\" "                                        \
               "ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>"

#define FX_RELS                                                                                    \
    "<?xml version=\"1.0\"?><Relationships "                                                       \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>"

#define FX_DOCX_BODY                                                                               \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document "                                       \
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"            \
    "<w:p><w:r><w:t>Báo cáo tình hình</w:t></w:r><w:r><w:t xml:space=\"preserve\"> kinh tế"  \
    "</w:t></w:r></w:p><w:p><w:r><w:t>Họp không giấy tờ</w:t><w:tab/><w:t>2026</w:t></w:r>" \
    "</w:p></w:body></w:document>"

#define FX_APP(pages)                                                                              \
    "<?xml version=\"1.0\"?><Properties xmlns=\"http://schemas.openxmlformats.org/"                \
    "officeDocument/2006/extended-properties\"><Application>Microsoft Office Word</Application>"   \
    "<Pages>" pages "</Pages></Properties>"

/* ---- small files of other kinds ----------------------------------------------------------- */

//  A 1x1 PNG.
static const unsigned char fx_png[] __attribute__ ((unused)) = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
    0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

//  The start of a JFIF JPEG (what libmagic looks at).
static const unsigned char fx_jpg[] __attribute__ ((unused)) = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x00, 0x48,
    0x00, 0x48, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08,
    0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0a, 0x0c, 0x14, 0x0d, 0x0c, 0x0b, 0x0b, 0x0c, 0x19, 0x12,
    0x13, 0x0f, 0x14, 0x1d, 0x1a, 0x1f, 0x1e, 0x1d, 0x1a, 0x1c, 0x1c, 0x20, 0x24, 0x2e, 0x27, 0x20,
    0x22, 0x2c, 0x23, 0x1c, 0x1c, 0x28, 0x37, 0x29, 0x2c, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1f, 0x27,
    0x39, 0x3d, 0x38, 0x32, 0x3c, 0x2e, 0x33, 0x34, 0x32, 0xff, 0xd9,
};

//  The head of a 64-bit ELF executable.
static const unsigned char fx_elf[64] __attribute__ ((unused)) = {
    0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0,    0,    0,    0, 0, 0, 0, 0,
    0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x40, 0, 0, 0, 0, 0,
    0x40, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 0, 0,
    0,    0,    0,    0,    0x40, 0x00, 0x38, 0x00, 0x01, 0x00, 0,    0, 0, 0, 0, 0,
};

#endif
