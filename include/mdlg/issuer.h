/*
 * issuer.h - a test issuer: ISO/IEC 18013-5 DeviceResponses built from
 * caller-supplied keys, certificates and claims, for tests, the benchmark,
 * the fuzz seed corpus and demos. Not for production issuance.
 *
 * mdlg_issue_device_response() writes one DeviceResponse holding one
 * Document (layouts: shared research/mdl-verification.md §2, §3, §4.C):
 *
 *   {"version": "1.0",
 *    "documents": [{"docType": DT,
 *                   "issuerSigned": {"nameSpaces": {ns: [IssuerSignedItemBytes, ...]},
 *                                    "issuerAuth": [h'a1 01 <alg>', {33: DS cert(s)},
 *                                                   MobileSecurityObjectBytes, sig]},
 *                   "deviceSigned": {"nameSpaces": #6.24(bstr .cbor DeviceNameSpaces),
 *                                    "deviceAuth": {"deviceSignature": [h'a1 01 <alg>', {},
 *                                                                       null, sig]}}}],
 *    "status": 0}
 *
 *   IssuerSignedItemBytes = #6.24(bstr .cbor {"digestID": uint, "random": bstr (16 bytes),
 *                                             "elementIdentifier": tstr, "elementValue": any})
 *   MobileSecurityObject  = {"version": "1.0", "digestAlgorithm": "SHA-256",
 *                            "valueDigests": {ns: {digestID: H(IssuerSignedItemBytes)}},
 *                            "deviceKeyInfo": {"deviceKey": COSE_Key, ? "keyAuthorizations"},
 *                            "docType": DT, "validityInfo": {"signed", "validFrom",
 *                            "validUntil", ? "expectedUpdate": #6.0(tstr)}}
 *
 * digestIDs are distinct random numbers below 2^16 (per namespace), so they
 * appear in random order, as with real issuers; the MSO also covers the
 * withheld items and `decoys` random digests per namespace. The x5chain is
 * one bstr for a single certificate, else an array (leaf first). issuerAuth
 * uses ES256/ES384/ES512/EdDSA by the DS key's curve; deviceSignature by the
 * device key's curve; deviceMac is HMAC 256/256 with
 *   EMacKey = HKDF-SHA-256(ECDH(device private, reader public),
 *                          salt = SHA-256(#6.24(bstr .cbor SessionTranscript)),
 *                          info = "EMacKey", 32 bytes).
 * All encodings are preferred (shortest heads), definite length.
 */
#ifndef MDLG_ISSUER_H
#define MDLG_ISSUER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/bytes.h"
#include "mdlg/cbor.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

#define MDLG_MDL_DOCTYPE "org.iso.18013.5.1.mDL"
#define MDLG_MDL_NAMESPACE "org.iso.18013.5.1"

/* One data element. */
struct mdlg_issue_item {
    const char *ns;              /* namespace ("org.iso.18013.5.1") */
    const char *id;              /* elementIdentifier */
    struct mdlg_bytes value;     /* elementValue: exactly one encoded CBOR item */
    bool withheld;               /* digest in the MSO, element not disclosed */
};

/* A (namespace, element) pair for keyAuthorizations.dataElements. */
struct mdlg_issue_element_ref {
    const char *ns;
    const char *id;
};

enum mdlg_issue_device_auth {
    MDLG_ISSUE_DEVICE_SIGNATURE = 0, /* deviceSignature (COSE_Sign1, detached payload) */
    MDLG_ISSUE_DEVICE_MAC,           /* deviceMac (COSE_Mac0, needs reader_key) */
    MDLG_ISSUE_DEVICE_NONE,          /* no deviceSigned part (issuerSigned-only data) */
};

/*
 * Defects to build in, each with a stable name (mdlg_tamper_name) used by
 * `mdlgate issue --tamper NAME`. The verifier's expected answer is noted.
 */
enum mdlg_tamper {
    MDLG_TAMPER_DIGEST = 1u << 0,            /* "digest": one byte of the first disclosed
                                                string/bstr (else bool/small int) elementValue
                                                changed after the digests were taken
                                                -> MSO_DIGEST_MISMATCH */
    MDLG_TAMPER_ISSUER_SIGNATURE = 1u << 1,  /* "issuer-signature": a byte of the issuerAuth
                                                signature flipped -> COSE_SIGNATURE_INVALID */
    MDLG_TAMPER_DEVICE_SIGNATURE = 1u << 2,  /* "device-signature": a byte of the device
                                                signature (or MAC tag) flipped
                                                -> DEVICE_SIGNATURE_INVALID / DEVICE_MAC_INVALID */
    MDLG_TAMPER_DOCTYPE = 1u << 3,           /* "doctype": MSO docType = DT + ".tampered"
                                                -> MSO_DOCTYPE_MISMATCH */
    MDLG_TAMPER_MSO_UNTAGGED = 1u << 4,      /* "mso-untagged": issuerAuth payload is the MSO
                                                itself, not #6.24(bstr) -> MSO_NOT_TAGGED */
    MDLG_TAMPER_DUPLICATE_DIGEST_ID = 1u << 5, /* "duplicate-digest-id": the second disclosed
                                                item of a namespace reuses the first one's
                                                digestID -> MSO_DIGEST_ID_DUPLICATE */
    MDLG_TAMPER_ATTACHED_DEVICE_PAYLOAD = 1u << 6, /* "attached-device-payload": the
                                                deviceSignature carries DeviceAuthenticationBytes
                                                as its payload (auth0's wallet does this) */
    MDLG_TAMPER_WRONG_TRANSCRIPT = 1u << 7,  /* "wrong-transcript": the device signs (MACs)
                                                over another SessionTranscript
                                                -> DEVICE_SIGNATURE_INVALID / DEVICE_MAC_INVALID */
    MDLG_TAMPER_DROP_DEVICE_SIGNED = 1u << 8, /* "drop-device-signed": no deviceSigned
                                                -> DEVICE_AUTH_MISSING */
};
#define MDLG_TAMPER_COUNT 9

/* Stable name of one tamper bit ("issuer-signature"), or NULL. */
const char *mdlg_tamper_name(uint32_t bit);

/* The bit for a stable name; false if unknown. */
bool mdlg_tamper_from_name(const char *name, uint32_t *bit);

struct mdlg_issue_opts {
    const char *doctype;                  /* NULL: MDLG_MDL_DOCTYPE */
    const struct mdlg_issue_item *items;  /* issuer-signed elements, in output order */
    size_t n_items;
    unsigned decoys;                      /* extra random digests per namespace (<= 64) */
    enum mdlg_hash_alg digest_alg;        /* 0: SHA-256 */

    const mdlg_pkey *ds_key;              /* Document Signer private key (required) */
    const struct mdlg_bytes *x5chain;     /* DER certificates, DS first (1..MDLG_MAX_X5CHAIN) */
    size_t x5chain_n;

    int64_t signed_at;                    /* unix seconds, all three required */
    int64_t valid_from;
    int64_t valid_until;
    int64_t expected_update;              /* 0: absent */

    const mdlg_pkey *device_key;          /* MSO deviceKey; private unless device_auth is NONE */
    enum mdlg_issue_device_auth device_auth;
    struct mdlg_bytes transcript;         /* untagged SessionTranscript array (required for
                                             SIGNATURE and MAC) */
    const mdlg_pkey *reader_key;          /* reader ephemeral public key (MAC), same curve as
                                             device_key */

    const struct mdlg_issue_item *device_items; /* DeviceNameSpaces elements (withheld ignored) */
    size_t n_device_items;
    const char *const *key_auth_namespaces;     /* keyAuthorizations.nameSpaces */
    size_t n_key_auth_namespaces;
    const struct mdlg_issue_element_ref *key_auth_elements; /* keyAuthorizations.dataElements */
    size_t n_key_auth_elements;

    uint32_t tamper;                      /* enum mdlg_tamper bits */

    const char *status_list_uri;          /* MSO "status": {"status_list": {"idx", "uri"}};
                                             NULL: no status */
    uint64_t status_list_idx;
};

/*
 * Appends the DeviceResponse to `out` (caller-initialised). Returns OK;
 * USAGE for missing or inconsistent options (no DS key or chain, no items,
 * validFrom > validUntil, no transcript or reader key where needed, a tamper
 * flag with nothing to act on, an item value that is not one CBOR item);
 * crypto errors (COSE_KEY_ALG_MISMATCH, CRYPTO_INTERNAL, ...); NO_MEMORY or
 * LIMIT_BODY_SIZE from the buffer.
 */
mdlg_err mdlg_issue_device_response(const struct mdlg_issue_opts *o,
                                    struct mdlg_cbor_buf *out) MDLG_WARN_UNUSED;

/* ----------------------------------------------------------------------------
 * Claims: an owned list of items (every string and value is a heap copy).
 */
struct mdlg_issue_claims {
    char *doctype;                 /* NULL: MDLG_MDL_DOCTYPE */
    struct mdlg_issue_item *items;
    size_t n_items;
    size_t cap;
};

void mdlg_issue_claims_init(struct mdlg_issue_claims *c);
void mdlg_issue_claims_free(struct mdlg_issue_claims *c);

/* Copies ns, id and the encoded value (USAGE if value is not one CBOR item). */
mdlg_err mdlg_issue_claims_add(struct mdlg_issue_claims *c, const char *ns, const char *id,
                               const uint8_t *value, size_t len,
                               bool withheld) MDLG_WARN_UNUSED;

/* Replaces the doctype with a copy of dt. */
mdlg_err mdlg_issue_claims_set_doctype(struct mdlg_issue_claims *c,
                                       const char *dt) MDLG_WARN_UNUSED;

/*
 * Appends the "standard presentation" (used by `mdlgate bench` and as the
 * default of `mdlgate issue`): 14 disclosed elements of org.iso.18013.5.1 -
 * family_name, given_name, birth_date (full-date, #6.1004), issue_date,
 * expiry_date (full-date), issuing_country, issuing_authority,
 * issuing_jurisdiction, document_number, portrait (2048-byte bstr, JPEG SOI
 * ffd8ffe0 ... EOI ffd9, deterministic), driving_privileges (one category
 * "C" with issue/expiry dates), un_distinguishing_sign, age_over_18,
 * age_over_21 - plus 2 withheld ones (sex, height) that only the MSO covers.
 * country NULL: "US"; jurisdiction NULL: "US-CA" (issuing_jurisdiction), "": no
 * issuing_jurisdiction element (13 disclosed, for a DS without ST);
 * issue_date is the date of `at` minus 180 days, expiry_date 8 years later
 * (`at` 0: 2025-01-01).
 */
mdlg_err mdlg_issue_standard_claims(struct mdlg_issue_claims *c, const char *country,
                                    const char *jurisdiction, int64_t at) MDLG_WARN_UNUSED;

#define MDLG_STANDARD_DISCLOSED 14
#define MDLG_STANDARD_WITHHELD 2

#endif
