/*  signature - the digital signatures of a PDF (R5.4), verified with
    OpenSSL's CMS API rather than by trusting a viewer library.

    A signed PDF carries, for each signature, a dictionary with /ByteRange
    [a b c d] and /Contents <hex>: the signed bytes are [a, a+b) and
    [c, c+d) of the file, /Contents (which lies between them) is a CMS
    (PKCS#7) SignedData with detached content. The file is scanned for
    /ByteRange; the signature covering the most of the file (the latest)
    is verified:
    - intact: its signer's signature over the signed attributes is correct
      and their message digest equals the digest of the signed bytes
      (without signed attributes: the signature over the signed bytes);
    - trusted: the signer's certificate chains, with the certificates the
      signature carries, to a certificate of CABINET_TRUST_ANCHORS, checked
      at the present time (no revocation lists: offline nodes cannot fetch
      them). Without trust anchors a signature is checked for integrity and
      marked untrusted.  */
#ifndef DOCS_SIGNATURE_H
#define DOCS_SIGNATURE_H
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool is_signed;     //  a signature was found
    bool intact;        //  the signed bytes are unchanged
    bool trusted;       //  the certificate chains to a trust anchor
    bool covers_whole;  //  nothing was appended after signing
    int count;          //  signatures found
    char signer[256];   //  subject CN of the signing certificate (UTF-8), "" when unknown
    char issuer[256];   //  issuer CN
    int64_t signed_at;  //  signing time the signature states, 0 when none
    char reason[320];   //  Vietnamese: what was found
} docs_signature_t;

//  Look for and verify the signatures of the PDF on fd (size bytes; read
//  with pread, the offset is not used). anchors: path of a PEM file of
//  trusted certificates, or NULL / "" for none. Always fills out; returns
//  0, or -1 when the file could not be read.
int docs_signature_check (int fd, int64_t size, const char *anchors, docs_signature_t *out);

#endif
