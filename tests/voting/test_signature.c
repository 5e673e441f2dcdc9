/*  Unit tests: signed ballots. Keys are made here with OpenSSL (P-256, and
    P-384 and RSA as the wrong kinds), ballots signed over the canonical
    string and checked as WebCrypto sends them (raw r||s) and as openssl
    dgst makes them (DER); a wrong key, a tampered option or voter, a
    signature of other bytes, and malformed input are refused.  */
#include "rules.h"
#include "signature.h"
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
//  cmocka needs these before it, in this order.
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#define VOTE_ID "0190c0de-0000-7000-8000-000000000001"
#define VOTER "0190c0de-0000-7000-8000-00000000000a"
#define SIGNED_AT "2026-12-01T08:00:00+07:00"
#define COORD 32

typedef struct {
    EVP_PKEY *key;        //  P-256 pair
    EVP_PKEY *other;      //  another P-256 pair
    char spki_b64[256];   //  key's public half, base64 DER
    char other_b64[256];  //  other's
    unsigned char *der;   //  key's public DER, as vote_key_parse returns it
    size_t der_len;
} s_fixture_t;

static void
s_public_b64 (EVP_PKEY *key, char *out)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY (key, &der);
    assert_true (n > 0);
    vote_base64_encode (der, (size_t) n, out);
    OPENSSL_free (der);
}

static int
s_setup (void **state)
{
    s_fixture_t *f = calloc (1, sizeof *f);
    *state = f;
    if (!f)
        return -1;
    f->key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
    f->other = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
    if (!f->key || !f->other)
        return -1;
    s_public_b64 (f->key, f->spki_b64);
    s_public_b64 (f->other, f->other_b64);
    vote_fault_t fault;
    return vote_key_parse (f->spki_b64, &f->der, &f->der_len, &fault) == 0 ? 0 : -1;
}

static int
s_teardown (void **state)
{
    s_fixture_t *f = *state;
    if (!f)
        return 0;
    EVP_PKEY_free (f->key);
    EVP_PKEY_free (f->other);
    free (f->der);
    free (f);
    return 0;
}

//  The canonical string of a ballot for option.
static char *
s_canonical (const char *option, const char *voter)
{
    size_t n = vote_canonical (NULL, 0, VOTE_ID, option, voter, SIGNED_AT);
    char *out = malloc (n + 1);
    vote_canonical (out, n + 1, VOTE_ID, option, voter, SIGNED_AT);
    return out;
}

//  Sign msg with key: DER into der (returns its length).
static size_t
s_sign_der (EVP_PKEY *key, const char *msg, unsigned char *der, size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    size_t len = cap;
    assert_int_equal (EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, key), 1);
    assert_int_equal (EVP_DigestSign (ctx, der, &len, (const unsigned char *) msg, strlen (msg)),
                      1);
    EVP_MD_CTX_free (ctx);
    return len;
}

//  The signature of msg by key in base64: DER, or raw r||s as WebCrypto.
static void
s_sign_b64 (EVP_PKEY *key, const char *msg, bool raw, char *out)
{
    unsigned char der[80];
    size_t len = s_sign_der (key, msg, der, sizeof der);
    if (!raw) {
        vote_base64_encode (der, len, out);
        return;
    }
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG (NULL, &p, (long) len);
    assert_non_null (sig);
    unsigned char rs[2 * COORD];
    assert_int_equal (BN_bn2binpad (ECDSA_SIG_get0_r (sig), rs, COORD), COORD);
    assert_int_equal (BN_bn2binpad (ECDSA_SIG_get0_s (sig), rs + COORD, COORD), COORD);
    ECDSA_SIG_free (sig);
    vote_base64_encode (rs, sizeof rs, out);
}

static bool
s_verify (const s_fixture_t *f, const char *msg, const char *sig)
{
    return vote_signature_verify (f->der, f->der_len, msg, strlen (msg), sig);
}

static void
test_der_signature_verifies (void **state)
{
    s_fixture_t *f = *state;
    char *msg = s_canonical ("Tán thành", VOTER);
    char sig[160];
    s_sign_b64 (f->key, msg, false, sig);
    assert_true (s_verify (f, msg, sig));
    free (msg);
}

static void
test_raw_webcrypto_signature_verifies (void **state)
{
    s_fixture_t *f = *state;
    char *msg = s_canonical ("Không tán thành", VOTER);
    char sig[160];
    s_sign_b64 (f->key, msg, true, sig);
    assert_int_equal (strlen (sig), 88);  //  64 bytes
    assert_true (s_verify (f, msg, sig));
    free (msg);
}

static void
test_base64url_without_padding_is_accepted (void **state)
{
    s_fixture_t *f = *state;
    char *msg = s_canonical ("Tán thành", VOTER);
    char sig[160];
    s_sign_b64 (f->key, msg, true, sig);
    for (char *c = sig; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    char *pad = strchr (sig, '=');
    if (pad)
        *pad = '\0';
    assert_true (s_verify (f, msg, sig));
    free (msg);
}

static void
test_signature_by_another_key_is_refused (void **state)
{
    s_fixture_t *f = *state;
    char *msg = s_canonical ("Tán thành", VOTER);
    char sig[160];
    s_sign_b64 (f->other, msg, false, sig);
    assert_false (s_verify (f, msg, sig));
    s_sign_b64 (f->other, msg, true, sig);
    assert_false (s_verify (f, msg, sig));
    free (msg);
}

static void
test_tampered_option_is_refused (void **state)
{
    s_fixture_t *f = *state;
    char *signed_msg = s_canonical ("Tán thành", VOTER);
    char *sent = s_canonical ("Không tán thành", VOTER);
    char sig[160];
    s_sign_b64 (f->key, signed_msg, true, sig);
    assert_false (s_verify (f, sent, sig));
    free (signed_msg);
    free (sent);
}

static void
test_signature_for_another_voter_is_refused (void **state)
{
    s_fixture_t *f = *state;
    char *signed_msg = s_canonical ("Tán thành", VOTER);
    char *sent = s_canonical ("Tán thành", "0190c0de-0000-7000-8000-00000000000b");
    char sig[160];
    s_sign_b64 (f->key, signed_msg, false, sig);
    assert_false (s_verify (f, sent, sig));
    free (signed_msg);
    free (sent);
}

static void
test_stale_signing_time_is_refused (void **state)
{
    (void) state;
    //  The signature may be good; the time it states is checked apart.
    vote_fault_t fault;
    vote_check_signed_at (1796000000 - 10 * 60, 1796000000, &fault);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_string_equal (fault.field, "signed_at");
}

static void
test_malformed_signatures_are_false (void **state)
{
    s_fixture_t *f = *state;
    char *msg = s_canonical ("Tán thành", VOTER);
    assert_false (s_verify (f, msg, ""));
    assert_false (s_verify (f, msg, "không phải base64"));
    assert_false (s_verify (f, msg, "AAAA"));
    char zeros[100];
    unsigned char z[64] = {0};
    vote_base64_encode (z, sizeof z, zeros);
    assert_false (s_verify (f, msg, zeros));
    assert_false (vote_signature_verify (NULL, 0, msg, strlen (msg), zeros));
    free (msg);
}

static void
test_key_as_pem_gives_same_der (void **state)
{
    s_fixture_t *f = *state;
    BIO *bio = BIO_new (BIO_s_mem ());
    assert_int_equal (PEM_write_bio_PUBKEY (bio, f->key), 1);
    char pem[512] = {0};
    BIO_read (bio, pem, sizeof pem - 1);
    BIO_free (bio);
    unsigned char *der = NULL;
    size_t len = 0;
    vote_fault_t fault;
    assert_int_equal (vote_key_parse (pem, &der, &len, &fault), 0);
    assert_int_equal (len, f->der_len);
    assert_memory_equal (der, f->der, len);
    free (der);
}

static void
test_other_curves_and_rsa_are_refused (void **state)
{
    (void) state;
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
    char b64[1024];
    unsigned char *der = NULL;
    size_t len = 0;
    vote_fault_t fault;
    s_public_b64 (p384, b64);
    assert_int_equal (vote_key_parse (b64, &der, &len, &fault), -1);
    assert_int_equal (fault.status, CAB_INVALID_ARGUMENT);
    assert_non_null (strstr (fault.message, "P-256"));
    s_public_b64 (rsa, b64);
    assert_int_equal (vote_key_parse (b64, &der, &len, &fault), -1);
    assert_int_equal (vote_key_parse ("bm90IGEga2V5", &der, &len, &fault), -1);
    assert_string_equal (fault.field, "public_key");
    assert_int_equal (vote_key_parse ("", &der, &len, &fault), -1);
    assert_null (der);
    EVP_PKEY_free (p384);
    EVP_PKEY_free (rsa);
}

static void
test_base64_round_trip (void **state)
{
    (void) state;
    const unsigned char data[] = {0, 1, 2, 250, 251, 252, 253};
    char text[16];
    for (size_t n = 0; n <= sizeof data; n++) {
        vote_base64_encode (data, n, text);
        unsigned char back[16];
        assert_int_equal (vote_base64_decode (text, back, sizeof back), (long) n);
        assert_memory_equal (back, data, n);
    }
    //  Pasted with line breaks, as base64 tools wrap it.
    unsigned char back[16];
    assert_int_equal (vote_base64_decode ("AAEC\n+vv8\r\n/Q==\n", back, sizeof back), 7);
    assert_memory_equal (back, data, 7);
    assert_int_equal (vote_base64_decode ("AA==AA", back, sizeof back), -1);
    unsigned char small[2];
    assert_int_equal (vote_base64_decode ("AAAAAA==", small, sizeof small), -1);
    assert_int_equal (vote_base64_decode ("A", small, sizeof small), -1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_der_signature_verifies),
        cmocka_unit_test (test_raw_webcrypto_signature_verifies),
        cmocka_unit_test (test_base64url_without_padding_is_accepted),
        cmocka_unit_test (test_signature_by_another_key_is_refused),
        cmocka_unit_test (test_tampered_option_is_refused),
        cmocka_unit_test (test_signature_for_another_voter_is_refused),
        cmocka_unit_test (test_stale_signing_time_is_refused),
        cmocka_unit_test (test_malformed_signatures_are_false),
        cmocka_unit_test (test_key_as_pem_gives_same_der),
        cmocka_unit_test (test_other_curves_and_rsa_are_refused),
        cmocka_unit_test (test_base64_round_trip),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
