/*  signature - PDF signatures verified with OpenSSL's CMS API (see
    signature.h). The signed bytes are streamed from the file with pread,
    never copied whole into memory.  */
#include "signature.h"
#include "cab_utf8.h"
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCAN_BLOCK (1 << 20)
#define TOKEN "/ByteRange"
#define TOKEN_LEN (sizeof TOKEN - 1)
#define RANGE_TEXT 160           //  bytes read after the token to parse the array
#define CANDIDATES_MAX 32        //  signatures considered
#define CONTENTS_MAX (4u << 20)  //  bytes of /Contents hex (2 MiB of CMS)
#define STREAM_BLOCK 65536

typedef struct {
    int64_t a, b, c, d;
} s_range_t;

static ssize_t
s_pread_all (int fd, void *buf, size_t len, int64_t offset)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread (fd, (char *) buf + got, len - got, (off_t) (offset + (int64_t) got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t) n;
    }
    return (ssize_t) got;
}

static bool
s_is_space (char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

//  Parse "[ a b c d ]" (after the token) at text. Returns false if it is
//  not four non-negative integers in brackets.
static bool
s_parse_range (const char *text, size_t len, s_range_t *range)
{
    size_t i = 0;
    while (i < len && s_is_space (text[i]))
        i++;
    if (i >= len || text[i] != '[')
        return false;
    i++;
    int64_t values[4];
    for (int k = 0; k < 4; k++) {
        while (i < len && s_is_space (text[i]))
            i++;
        if (i >= len || text[i] < '0' || text[i] > '9')
            return false;
        int64_t v = 0;
        int digits = 0;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            if (++digits > 15)
                return false;
            v = v * 10 + (text[i++] - '0');
        }
        values[k] = v;
    }
    while (i < len && s_is_space (text[i]))
        i++;
    if (i >= len || text[i] != ']')
        return false;
    range->a = values[0];
    range->b = values[1];
    range->c = values[2];
    range->d = values[3];
    return true;
}

//  Every /ByteRange of the file (at most CANDIDATES_MAX) into ranges.
static int
s_scan (int fd, int64_t size, s_range_t *ranges, int *count)
{
    *count = 0;
    char *block = malloc (SCAN_BLOCK);
    if (!block)
        return -1;
    //  Blocks overlap by the token's length so a token on a boundary is seen.
    for (int64_t offset = 0; offset < size; offset += SCAN_BLOCK - (int64_t) TOKEN_LEN) {
        ssize_t n = s_pread_all (fd, block, SCAN_BLOCK, offset);
        if (n < 0) {
            free (block);
            return -1;
        }
        for (ssize_t i = 0; i + (ssize_t) TOKEN_LEN <= n; i++) {
            if (block[i] != '/' || memcmp (block + i, TOKEN, TOKEN_LEN) != 0)
                continue;
            int64_t at = offset + i;
            if (i < (ssize_t) (SCAN_BLOCK - TOKEN_LEN) || offset + n >= size) {
                //  Not the overlap's repeat of a token seen in the next block.
                char text[RANGE_TEXT];
                ssize_t got = s_pread_all (fd, text, sizeof text, at + (int64_t) TOKEN_LEN);
                s_range_t range;
                if (got > 0 && s_parse_range (text, (size_t) got, &range)) {
                    bool seen = false;
                    for (int k = 0; k < *count; k++)
                        seen = seen || memcmp (&ranges[k], &range, sizeof range) == 0;
                    if (!seen && *count < CANDIDATES_MAX)
                        ranges[(*count)++] = range;
                }
            }
        }
        if (n < SCAN_BLOCK)
            break;
    }
    free (block);
    return 0;
}

static int
s_hex (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

//  The DER bytes of the /Contents hex string between the two ranges.
static unsigned char *
s_contents (int fd, const s_range_t *r, size_t *len)
{
    int64_t n = r->c - r->b;
    if (n < 2 || (uint64_t) n > CONTENTS_MAX)
        return NULL;
    char *hex = malloc ((size_t) n);
    unsigned char *der = malloc ((size_t) n / 2 + 1);
    if (!hex || !der || s_pread_all (fd, hex, (size_t) n, r->b) != n || hex[0] != '<'
        || hex[n - 1] != '>') {
        free (hex);
        free (der);
        return NULL;
    }
    size_t out = 0;
    int high = -1;
    for (int64_t i = 1; i < n - 1; i++) {
        if (s_is_space (hex[i]))
            continue;
        int v = s_hex (hex[i]);
        if (v < 0) {
            free (hex);
            free (der);
            return NULL;
        }
        if (high < 0)
            high = v;
        else {
            der[out++] = (unsigned char) (high << 4 | v);
            high = -1;
        }
    }
    free (hex);
    *len = out;
    return der;
}

//  Feed the signed bytes of r into an update function.
typedef int (*s_update_fn) (EVP_MD_CTX *ctx, const void *data, size_t n);

static bool
s_feed (int fd, const s_range_t *r, EVP_MD_CTX *ctx, s_update_fn update)
{
    unsigned char *block = malloc (STREAM_BLOCK);
    if (!block)
        return false;
    const int64_t spans[2][2] = {{r->a, r->b}, {r->c, r->d}};
    bool ok = true;
    for (int s = 0; s < 2 && ok; s++) {
        int64_t at = spans[s][0], left = spans[s][1];
        while (left > 0 && ok) {
            size_t want = left > STREAM_BLOCK ? STREAM_BLOCK : (size_t) left;
            ssize_t n = s_pread_all (fd, block, want, at);
            ok = n == (ssize_t) want && update (ctx, block, want) == 1;
            at += (int64_t) want;
            left -= (int64_t) want;
        }
    }
    free (block);
    return ok;
}

static void
s_common_name (const X509_NAME *name, char *out, size_t cap)
{
    out[0] = '\0';
    int i = name ? X509_NAME_get_index_by_NID (name, NID_commonName, -1) : -1;
    if (i < 0)
        return;
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8 (&utf8, data);
    if (n > 0) {
        size_t len = (size_t) n < cap - 1 ? (size_t) n : cap - 1;
        while (len > 0 && (utf8[len] & 0xc0) == 0x80 && (size_t) n > len)
            len--;  //  never cut a character in two
        memcpy (out, utf8, len);
        out[len] = '\0';
        if (!cab_utf8_valid (out, len))
            out[0] = '\0';
    }
    OPENSSL_free (utf8);
}

static int64_t
s_signing_time (CMS_SignerInfo *si)
{
    int idx = CMS_signed_get_attr_by_NID (si, NID_pkcs9_signingTime, -1);
    if (idx < 0)
        return 0;
    X509_ATTRIBUTE *attr = CMS_signed_get_attr (si, idx);
    ASN1_TYPE *value = attr ? X509_ATTRIBUTE_get0_type (attr, 0) : NULL;
    if (!value || (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME))
        return 0;
    struct tm tm;
    if (ASN1_TIME_to_tm (value->value.utctime, &tm) != 1)
        return 0;
    return (int64_t) timegm (&tm);
}

//  Is the signature intact? signer is the signing certificate.
static bool
s_intact (int fd, const s_range_t *r, CMS_SignerInfo *si, X509 *signer)
{
    X509_ALGOR *digest_alg = NULL;
    CMS_SignerInfo_get0_algs (si, NULL, NULL, &digest_alg, NULL);
    const ASN1_OBJECT *obj = NULL;
    if (digest_alg)
        X509_ALGOR_get0 (&obj, NULL, NULL, digest_alg);
    const EVP_MD *md = obj ? EVP_get_digestbyobj (obj) : NULL;
    if (!md)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    if (!ctx)
        return false;
    bool intact = false;
    if (CMS_signed_get_attr_count (si) > 0) {
        //  The signature covers the signed attributes, which carry the
        //  digest of the signed bytes.
        const ASN1_OCTET_STRING *expected = CMS_signed_get0_data_by_OBJ (
            si, OBJ_nid2obj (NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_len = 0;
        intact = expected && CMS_SignerInfo_verify (si) == 1
                 && EVP_DigestInit_ex (ctx, md, NULL) == 1 && s_feed (fd, r, ctx, EVP_DigestUpdate)
                 && EVP_DigestFinal_ex (ctx, digest, &digest_len) == 1
                 && (int) digest_len == ASN1_STRING_length (expected)
                 && memcmp (digest, ASN1_STRING_get0_data (expected), digest_len) == 0;
    } else {
        //  No signed attributes: the signature is over the bytes themselves.
        const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature (si);
        EVP_PKEY *key = X509_get0_pubkey (signer);
        intact = sig && key && EVP_DigestVerifyInit (ctx, NULL, md, NULL, key) == 1
                 && s_feed (fd, r, ctx, EVP_DigestVerifyUpdate)
                 && EVP_DigestVerifyFinal (ctx, ASN1_STRING_get0_data (sig),
                                           (size_t) ASN1_STRING_length (sig))
                        == 1;
    }
    EVP_MD_CTX_free (ctx);
    return intact;
}

static const char *
s_chain_problem (int error)
{
    switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return "chứng thư số của người ký đã hết hạn";
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return "chứng thư số của người ký chưa có hiệu lực";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return "chứng thư số không do tổ chức chứng thực được tin cậy cấp";
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return "chữ ký trên chứng thư số không hợp lệ";
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_INVALID_CA:
        return "chứng thư số không được phép dùng để ký";
    default:
        return "không xác minh được chứng thư số của người ký";
    }
}

//  Does signer chain to an anchor? On false, *problem says why.
static bool
s_trusted (X509 *signer, STACK_OF (X509) * certs, const char *anchors, const char **problem)
{
    X509_STORE *store = X509_STORE_new ();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
    bool trusted = false;
    *problem = "không đọc được tệp chứng thư gốc tin cậy (CABINET_TRUST_ANCHORS)";
    if (store && ctx && X509_STORE_load_file (store, anchors) == 1
        && X509_STORE_CTX_init (ctx, store, signer, certs) == 1) {
        //  Signing certificates of Vietnamese CAs often carry no S/MIME
        //  purpose: any purpose will do, the chain is what counts.
        X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_ANY);
        trusted = X509_verify_cert (ctx) == 1;
        if (!trusted)
            *problem = s_chain_problem (X509_STORE_CTX_get_error (ctx));
    }
    X509_STORE_CTX_free (ctx);
    X509_STORE_free (store);
    return trusted;
}

//  Verify the signature of range r into out.
static void
s_verify (int fd, int64_t size, const s_range_t *r, const char *anchors, docs_signature_t *out)
{
    out->covers_whole = r->c + r->d == size;
    size_t der_len = 0;
    unsigned char *der = s_contents (fd, r, &der_len);
    const unsigned char *p = der;
    CMS_ContentInfo *cms = der ? d2i_CMS_ContentInfo (NULL, &p, (long) der_len) : NULL;
    free (der);
    STACK_OF (CMS_SignerInfo) *infos = NULL;
    if (!cms || OBJ_obj2nid (CMS_get0_type (cms)) != NID_pkcs7_signed
        || !(infos = CMS_get0_SignerInfos (cms)) || sk_CMS_SignerInfo_num (infos) < 1) {
        snprintf (out->reason, sizeof out->reason, "Chữ ký số trong tệp bị hỏng, không đọc được");
        CMS_ContentInfo_free (cms);
        return;
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value (infos, 0);
    STACK_OF (X509) *certs = CMS_get1_certs (cms);
    X509 *signer = NULL;
    for (int i = 0; certs && i < sk_X509_num (certs) && !signer; i++)
        if (CMS_SignerInfo_cert_cmp (si, sk_X509_value (certs, i)) == 0)
            signer = sk_X509_value (certs, i);
    if (!signer) {
        snprintf (out->reason, sizeof out->reason,
                  "Chữ ký số không kèm chứng thư số của người ký: không kiểm tra được");
        goto cleanup;
    }
    CMS_SignerInfo_set1_signer_cert (si, signer);
    s_common_name (X509_get_subject_name (signer), out->signer, sizeof out->signer);
    s_common_name (X509_get_issuer_name (signer), out->issuer, sizeof out->issuer);
    out->signed_at = s_signing_time (si);
    out->intact = s_intact (fd, r, si, signer);
    if (!out->intact) {
        snprintf (out->reason, sizeof out->reason,
                  "Tài liệu đã bị thay đổi sau khi ký hoặc chữ ký số không hợp lệ");
        goto cleanup;
    }
    const char *problem = NULL;
    if (!anchors || !*anchors)
        snprintf (out->reason, sizeof out->reason,
                  "Nội dung còn nguyên vẹn từ khi ký; chưa cấu hình chứng thư gốc tin cậy nên "
                  "chưa xác thực được người ký");
    else if ((out->trusted = s_trusted (signer, certs, anchors, &problem)))
        snprintf (out->reason, sizeof out->reason, "Chữ ký số hợp lệ");
    else
        snprintf (out->reason, sizeof out->reason, "Nội dung còn nguyên vẹn từ khi ký nhưng %s",
                  problem);
    if (!out->covers_whole) {
        size_t used = strlen (out->reason);
        snprintf (out->reason + used, sizeof out->reason - used,
                  "; tệp có phần được bổ sung sau khi ký");
    }
cleanup:
    sk_X509_pop_free (certs, X509_free);
    CMS_ContentInfo_free (cms);
    ERR_clear_error ();
}

int
docs_signature_check (int fd, int64_t size, const char *anchors, docs_signature_t *out)
{
    memset (out, 0, sizeof *out);
    s_range_t ranges[CANDIDATES_MAX];
    int count = 0;
    if (s_scan (fd, size, ranges, &count) != 0) {
        snprintf (out->reason, sizeof out->reason, "Không đọc được tệp để kiểm tra chữ ký số");
        return -1;
    }
    //  The latest signature covers the most of the file; ranges that do not
    //  describe a signature of this file are ignored.
    const s_range_t *best = NULL;
    int valid = 0;
    for (int i = 0; i < count; i++) {
        const s_range_t *r = &ranges[i];
        if (r->a != 0 || r->b <= 0 || r->c <= r->b || r->d < 0 || r->c + r->d > size)
            continue;
        valid++;
        if (!best || r->c + r->d >= best->c + best->d)
            best = r;
    }
    out->count = valid;
    if (!best) {
        snprintf (out->reason, sizeof out->reason, "Tài liệu không có chữ ký số");
        return 0;
    }
    out->is_signed = true;
    s_verify (fd, size, best, anchors, out);
    if (valid > 1) {
        size_t used = strlen (out->reason);
        snprintf (out->reason + used, sizeof out->reason - used,
                  " (tệp có %d chữ ký; kết quả là của chữ ký sau cùng)", valid);
    }
    return 0;
}
