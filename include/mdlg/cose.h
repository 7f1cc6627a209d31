/*
 * cose.h - COSE_Sign1, COSE_Mac0 and COSE_Key (RFC 9052/9053/9360) for mdoc.
 *
 * Parsing yields views into the received bytes; verification builds
 * Sig_structure / MAC_structure from those exact spans. Profile (ISO 18013-5):
 *   - `alg` is read only from the protected header; alg only in the
 *     unprotected header is COSE_ALG_NOT_PROTECTED;
 *   - the protected header is a bstr holding a map; h'' and h'a0' both mean
 *     "no protected headers" (and enter Sig_structure as h'', RFC 9052 3);
 *   - `crit` may name only labels this module understands (1, 2, 3, 4, 33);
 *   - a label may not appear in both headers, except an identical x5chain;
 *   - x5chain (33) is one bstr or an array of bstr, leaf first;
 *   - Sign1: ES256/ES384/ES512 (raw r||s) and EdDSA; Mac0: HMAC 256/256 only;
 *   - tag 18 (Sign1) / 17 (Mac0) is optional; any other tag is rejected.
 */
#ifndef MDLG_COSE_H
#define MDLG_COSE_H

#include <stdbool.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/cbor.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"
#include "mdlg/limits.h"

/* Header parameters mdlgate reads (merged from both buckets). */
struct mdlg_cose_headers {
    bool has_alg;
    int64_t alg;                                 /* from the protected header only */
    struct mdlg_bytes kid;                       /* ptr NULL if absent */
    struct mdlg_bytes x5chain[MDLG_MAX_X5CHAIN]; /* DER certificates, leaf first */
    size_t x5chain_n;
};

/* A parsed COSE_Sign1 or COSE_Mac0. All views point into the parsed buffer. */
struct mdlg_cose_msg {
    struct mdlg_bytes protected_bytes;  /* content of the protected bstr (h'a0' -> empty) */
    struct mdlg_bytes payload;          /* content of the payload bstr */
    bool payload_nil;                   /* payload was nil (detached) */
    struct mdlg_bytes tag;              /* signature (Sign1) or MAC tag (Mac0) */
    struct mdlg_cose_headers hdr;
    size_t offset;                      /* offset of the message in its buffer */
};

/*
 * Parses item `idx` of `d` as COSE_Sign1 (is_mac false) or COSE_Mac0.
 * On failure diag (if non-NULL) gets the offset. Errors: COSE_MALFORMED,
 * COSE_TAG_UNEXPECTED, COSE_PROTECTED_NOT_BSTR, COSE_PROTECTED_NOT_MAP,
 * COSE_HEADER_MALFORMED, COSE_ALG_MISSING, COSE_ALG_NOT_PROTECTED,
 * COSE_CRIT_UNKNOWN, COSE_HEADER_DUPLICATE, COSE_X5CHAIN_MALFORMED,
 * COSE_X5CHAIN_CONFLICT, LIMIT_X5CHAIN, and CBOR errors from the header bstr.
 * A protected alg that is text or an integer outside int64 cannot be held in
 * `hdr.alg` and is rejected here as COSE_ALG_UNSUPPORTED; an alg of another
 * type is COSE_HEADER_MALFORMED. Other unsupported alg numbers parse and are
 * rejected by the verify functions.
 */
mdlg_err mdlg_cose_parse(const struct mdlg_cbor_doc *d, uint32_t idx, bool is_mac,
                         struct mdlg_cose_msg *out, struct mdlg_diag *diag) MDLG_WARN_UNUSED;

/*
 * Verifies a parsed COSE_Sign1 with `key`. `detached` is the payload to use
 * when the message's payload is nil; if the message carries a payload and
 * `detached.ptr` is non-NULL, the two must be byte-equal
 * (COSE_PAYLOAD_MISMATCH) and the signature is checked over `detached`.
 * If neither is available: COSE_PAYLOAD_MISSING. `external_aad` is usually
 * empty. Returns OK, COSE_SIGNATURE_INVALID, COSE_SIGNATURE_MALFORMED,
 * COSE_ALG_UNSUPPORTED, COSE_KEY_ALG_MISMATCH, NO_MEMORY or CRYPTO_INTERNAL.
 */
mdlg_err mdlg_cose_sign1_verify(const struct mdlg_cose_msg *m, const mdlg_pkey *key,
                                struct mdlg_bytes detached,
                                struct mdlg_bytes external_aad) MDLG_WARN_UNUSED;

/*
 * Verifies a parsed COSE_Mac0 (HMAC 256/256) with a raw key, comparing the
 * tag in constant time. Payload rules as for Sign1. Returns OK,
 * COSE_MAC_INVALID, COSE_ALG_UNSUPPORTED, COSE_SIGNATURE_MALFORMED (tag
 * length), COSE_PAYLOAD_*, CRYPTO_INTERNAL.
 */
mdlg_err mdlg_cose_mac0_verify(const struct mdlg_cose_msg *m, const uint8_t *key, size_t klen,
                               struct mdlg_bytes detached,
                               struct mdlg_bytes external_aad) MDLG_WARN_UNUSED;

/* Builds ["Signature1"|"MAC0", protected, external_aad, payload] into b. */
void mdlg_cose_tbs(struct mdlg_cbor_buf *b, bool is_mac, struct mdlg_bytes protected_bytes,
                   struct mdlg_bytes external_aad, struct mdlg_bytes payload);

/*
 * COSE_Key (item `idx`) to a public key: EC2 (kty 2) P-256/384/521 with x
 * and y as bstr (compressed points are rejected), OKP (kty 1) Ed25519 or
 * X25519. The point is checked on the curve. Errors: COSE_KEY_MALFORMED,
 * COSE_KEY_UNSUPPORTED, COSE_KEY_NOT_ON_CURVE.
 */
mdlg_err mdlg_cose_key_decode(const struct mdlg_cbor_doc *d, uint32_t idx,
                              mdlg_pkey **out) MDLG_WARN_UNUSED;

/* Encodes a public key as a COSE_Key map (used by the test issuer). */
mdlg_err mdlg_cose_key_encode(struct mdlg_cbor_buf *b, const mdlg_pkey *key) MDLG_WARN_UNUSED;

#endif
