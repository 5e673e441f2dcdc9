/*  vote_signature - public keys and ECDSA ballot signatures through
    OpenSSL 3 (see signature.h). No hand-made cryptography: keys are read
    with d2i_PUBKEY / PEM_read_bio_PUBKEY, signatures checked with
    EVP_DigestVerify; only the conversion of WebCrypto's raw r||s to DER
    is done here, through ECDSA_SIG.  */
#include "signature.h"
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define P256_GROUP "prime256v1"
#define P256_COORD 32  //  bytes of r and of s
#define RAW_SIGNATURE (2 * P256_COORD)
#define DER_SIGNATURE_MAX 80
#define GROUP_NAME_MAX 64

/* ---- base64 -------------------------------------------------------------------------- */

static int
s_b64_value (unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long
vote_base64_decode (const char *in, unsigned char *out, size_t cap)
{
    if (!in)
        return -1;
    size_t n = 0, digits = 0, pad = 0;
    unsigned bits = 0;
    int have = 0;
    for (const unsigned char *p = (const unsigned char *) in; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;  //  keys are often pasted with line breaks
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = s_b64_value (*p);
        if (v < 0 || pad > 0)
            return -1;  //  not base64, or data after the padding
        digits++;
        bits = (bits << 6) | (unsigned) v;
        have += 6;
        if (have >= 8) {
            have -= 8;
            if (n == cap)
                return -1;
            out[n++] = (unsigned char) (bits >> have);
            bits &= (1u << have) - 1;
        }
    }
    if (digits % 4 == 1 || pad > 2)
        return -1;
    return (long) n;
}

void
vote_base64_encode (const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock ((unsigned char *) out, in, (int) n);
}

/* ---- keys ---------------------------------------------------------------------------- */

//  The key as an EVP_PKEY, from DER or PEM text. NULL if neither.
static EVP_PKEY *
s_key_read (const char *text)
{
    if (strstr (text, "-----BEGIN")) {
        BIO *bio = BIO_new_mem_buf (text, -1);
        EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY (bio, NULL, NULL, NULL) : NULL;
        BIO_free (bio);
        return key;
    }
    size_t cap = strlen (text);
    unsigned char *der = malloc (cap + 1);
    EVP_PKEY *key = NULL;
    long n = der ? vote_base64_decode (text, der, cap) : -1;
    if (n > 0) {
        const unsigned char *p = der;
        key = d2i_PUBKEY (NULL, &p, n);
        //  Bytes after the key are not a key.
        if (key && p != der + n) {
            EVP_PKEY_free (key);
            key = NULL;
        }
    }
    free (der);
    return key;
}

static bool
s_is_p256 (EVP_PKEY *key)
{
    char group[GROUP_NAME_MAX];
    size_t len = 0;
    return EVP_PKEY_is_a (key, "EC")
           && EVP_PKEY_get_group_name (key, group, sizeof group, &len) == 1
           && strcmp (group, P256_GROUP) == 0;
}

//  Refuse the key with message. Returns -1.
static int
s_bad_key (vote_fault_t *fault, const char *message)
{
    vote_fault_set (fault, CAB_INVALID_ARGUMENT, "public_key", "%s", message);
    return -1;
}

int
vote_key_parse (const char *text, unsigned char **der, size_t *der_len, vote_fault_t *fault)
{
    vote_fault_clear (fault);
    *der = NULL;
    *der_len = 0;
    if (!text || !*text)
        return s_bad_key (fault, "Vui lòng gửi khóa công khai");
    if (strlen (text) > VOTE_KEY_TEXT_MAX)
        return s_bad_key (fault, "Khóa công khai quá dài");
    EVP_PKEY *key = s_key_read (text);
    if (!key)
        return s_bad_key (fault, "Không đọc được khóa công khai: cần SubjectPublicKeyInfo dạng "
                                 "base64 (DER) hoặc PEM");
    int rc = -1;
    if (!s_is_p256 (key))
        s_bad_key (fault, "Chỉ nhận khóa ECDSA trên đường cong P-256");
    else {
        int n = i2d_PUBKEY (key, NULL);
        unsigned char *out = n > 0 ? malloc ((size_t) n) : NULL;
        unsigned char *p = out;
        if (out && i2d_PUBKEY (key, &p) == n) {
            *der = out;
            *der_len = (size_t) n;
            rc = 0;
        } else {
            free (out);
            vote_fault_set (fault, CAB_INTERNAL, "public_key", "Không xử lý được khóa công khai");
        }
    }
    EVP_PKEY_free (key);
    return rc;
}

/* ---- signatures ---------------------------------------------------------------------- */

static bool
s_verify_der (EVP_PKEY *key, const unsigned char *sig, size_t sig_len, const char *msg,
              size_t msg_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    bool ok = ctx && EVP_DigestVerifyInit (ctx, NULL, EVP_sha256 (), NULL, key) == 1
              && EVP_DigestVerify (ctx, sig, sig_len, (const unsigned char *) msg, msg_len) == 1;
    EVP_MD_CTX_free (ctx);
    return ok;
}

//  WebCrypto's r||s as DER into out (cap bytes). Returns its length, or 0.
static size_t
s_raw_to_der (const unsigned char *raw, unsigned char *out, size_t cap)
{
    ECDSA_SIG *sig = ECDSA_SIG_new ();
    BIGNUM *r = BN_bin2bn (raw, P256_COORD, NULL);
    BIGNUM *s = BN_bin2bn (raw + P256_COORD, P256_COORD, NULL);
    size_t len = 0;
    if (sig && r && s && ECDSA_SIG_set0 (sig, r, s) == 1) {
        r = s = NULL;  //  owned by sig now
        int n = i2d_ECDSA_SIG (sig, NULL);
        unsigned char *p = out;
        if (n > 0 && (size_t) n <= cap && i2d_ECDSA_SIG (sig, &p) == n)
            len = (size_t) n;
    }
    BN_free (r);
    BN_free (s);
    ECDSA_SIG_free (sig);
    return len;
}

bool
vote_signature_verify (const unsigned char *key_der, size_t key_len, const char *msg,
                       size_t msg_len, const char *sig_b64)
{
    if (!key_der || !msg || !sig_b64 || strlen (sig_b64) > VOTE_SIGNATURE_B64_MAX)
        return false;
    unsigned char sig[VOTE_SIGNATURE_B64_MAX];
    long n = vote_base64_decode (sig_b64, sig, sizeof sig);
    if (n <= 0)
        return false;
    const unsigned char *p = key_der;
    EVP_PKEY *key = d2i_PUBKEY (NULL, &p, (long) key_len);
    if (!key)
        return false;
    bool ok = false;
    if (s_is_p256 (key)) {
        //  DER first; 64 bytes that are not a valid DER signature are r||s.
        ok = s_verify_der (key, sig, (size_t) n, msg, msg_len);
        if (!ok && n == RAW_SIGNATURE) {
            unsigned char der[DER_SIGNATURE_MAX];
            size_t der_len = s_raw_to_der (sig, der, sizeof der);
            ok = der_len > 0 && s_verify_der (key, der, der_len, msg, msg_len);
        }
    }
    EVP_PKEY_free (key);
    return ok;
}
