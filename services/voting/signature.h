/*  vote_signature - the cryptography of signed ballots, all through
    OpenSSL 3's EVP interfaces: reading a person's ECDSA P-256 public key
    (SubjectPublicKeyInfo as base64 DER, as WebCrypto's exportKey('spki')
    gives it, or PEM), and verifying a ballot's ECDSA-SHA256 signature over
    its canonical string, given as base64 of either WebCrypto's raw r||s
    (64 bytes) or DER. No database, no clock: tests call it directly.  */
#ifndef VOTE_SIGNATURE_H
#define VOTE_SIGNATURE_H
#include "rules.h"
#include <stdbool.h>
#include <stddef.h>

#define VOTE_ALGORITHM "ECDSA-P256-SHA256"
#define VOTE_SIGNATURE_B64_MAX 200  //  characters of a base64 signature (DER is at most 72 bytes)
#define VOTE_KEY_TEXT_MAX 4096      //  characters of a public key as sent

//  Read a public key sent as base64 DER SubjectPublicKeyInfo or PEM
//  ("-----BEGIN PUBLIC KEY-----"). It must be an EC key on P-256. On
//  success returns 0 and *der (malloc'd, the caller's to free) holds its
//  DER form, *der_len its size. Otherwise returns -1 with fault set (400,
//  field public_key).
int vote_key_parse (const char *text, unsigned char **der, size_t *der_len, vote_fault_t *fault);

//  true if sig_b64 (base64 or base64url, raw r||s or DER) is a valid
//  ECDSA-SHA256 signature of msg[0..msg_len) by the key key_der (DER
//  SubjectPublicKeyInfo). Anything malformed is simply false.
bool vote_signature_verify (const unsigned char *key_der, size_t key_len, const char *msg,
                            size_t msg_len, const char *sig_b64);

//  Decode base64 (standard or url alphabet, padding optional, blanks and
//  line breaks ignored) into out (cap bytes). Returns the number of bytes, or -1 on bad input
//  or when out is too small.
long vote_base64_decode (const char *in, unsigned char *out, size_t cap);

//  Standard base64 with padding of in[0..n) into out (room for
//  4 * ((n + 2) / 3) + 1 bytes).
void vote_base64_encode (const unsigned char *in, size_t n, char *out);

#endif
