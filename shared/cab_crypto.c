/*  cab_crypto - tokens, hashes and text encodings on top of OpenSSL.  */
#include "cab_crypto.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define TOKEN_BYTES 32

static const char s_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char s_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
cab_random (void *buf, size_t n)
{
    return RAND_bytes (buf, (int) n) == 1 ? 0 : -1;
}

void
cab_base64url (const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned) in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned) in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = s_b64url[(v >> 18) & 63];
        out[o++] = s_b64url[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = s_b64url[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = s_b64url[v & 63];
    }
    out[o] = '\0';
}

int
cab_token_new (char out[CAB_TOKEN_LEN + 1])
{
    unsigned char bytes[TOKEN_BYTES];
    if (cab_random (bytes, sizeof bytes) != 0)
        return -1;
    cab_base64url (bytes, sizeof bytes, out);
    OPENSSL_cleanse (bytes, sizeof bytes);
    return 0;
}

void
cab_sha256_hex (const void *data, size_t n, char out[CAB_SHA256_HEX + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest (data, n, digest, &len, EVP_sha256 (), NULL);
    for (unsigned int i = 0; i < len; i++) {
        out[2 * i] = "0123456789abcdef"[digest[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
    out[2 * len] = '\0';
}

void
cab_csrf_token (const char *session_token, char out[CAB_TOKEN_LEN + 1])
{
    static const char domain[] = "cabinet-csrf";  //  with its NUL: a separator
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ctx || !EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL)
        || !EVP_DigestUpdate (ctx, domain, sizeof domain)
        || !EVP_DigestUpdate (ctx, session_token, strlen (session_token))
        || !EVP_DigestFinal_ex (ctx, digest, &len))
        len = 0;
    EVP_MD_CTX_free (ctx);
    if (len != TOKEN_BYTES) {
        //  Never hand out a predictable token: an empty one matches nothing.
        out[0] = '\0';
        return;
    }
    cab_base64url (digest, len, out);
}

bool
cab_secure_equal (const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen (a), lb = strlen (b);
    if (la != lb || la == 0)
        return false;
    return CRYPTO_memcmp (a, b, la) == 0;
}

void
cab_base32_encode (const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        buffer = (buffer << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = s_b32[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = s_b32[(buffer << (5 - bits)) & 31];
    out[o] = '\0';
}

int
cab_base32_decode (const char *in, unsigned char *out, size_t cap)
{
    unsigned buffer = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *c = in; *c; c++) {
        if (*c == '=' || *c == ' ' || *c == '-')
            continue;
        char upper = (*c >= 'a' && *c <= 'z') ? (char) (*c - 32) : *c;
        const char *hit = strchr (s_b32, upper);
        if (!hit || !upper)
            return -1;
        buffer = (buffer << 5) | (unsigned) (hit - s_b32);
        bits += 5;
        if (bits >= 8) {
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char) (buffer >> (bits - 8));
            bits -= 8;
        }
    }
    return (int) o;
}
