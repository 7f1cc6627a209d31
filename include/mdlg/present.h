/*
 * present.h - the binary pieces of the online presentation flows (issue 3,
 * "Presentation requests"): what is not JSON and is shared by the service
 * (src/api) and the test wallet (`mdlgate wallet respond`).
 *
 *   - ISO/IEC 18013-7 Annex C (W3C DC API protocol "org-iso-mdoc"):
 *       DeviceRequest  = {"version": "1.0",
 *                         "docRequests": [{"itemsRequest": #6.24(bstr .cbor ItemsRequest)}]}
 *       ItemsRequest   = {"docType": DT, "nameSpaces": {ns: {element: false}}}
 *                        (+ "readerAuth" when the service has a reader key)
 *       EncryptionInfo = ["dcapi", {"nonce": bstr, "recipientPublicKey": COSE_Key}]
 *       EncryptedResponse = ["dcapi", {"enc": bstr(65), "cipherText": bstr}]
 *     HPKE base mode, DHKEM(P-256)/HKDF-SHA256/AES-128-GCM, info = the
 *     untagged SessionTranscript, aad empty (research §6.5).
 *   - Reader keys: a request stores one 32-byte secret seed (sealed by the
 *     store); each flow's P-256 key is derived from it with RFC 9180
 *     DeriveKeyPair(seed || label), one key per slot, so the HPKE key and
 *     the JWE keys of one request are distinct.
 *
 * All encodings are preferred and definite-length. Parsers take untrusted
 * bytes, bounded by MDLG_PRESENT_MAX_RESPONSE.
 */
#ifndef MDLG_PRESENT_H
#define MDLG_PRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/cbor.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

/* Largest EncryptedResponse / DeviceRequest / EncryptionInfo accepted (bytes). */
#define MDLG_PRESENT_MAX_RESPONSE (1024u * 1024u)
/* Requested elements per request. */
#define MDLG_PRESENT_MAX_ELEMENTS 64
/* Annex C EncryptionInfo nonce length used by mdlgate (>= 16 required). */
#define MDLG_PRESENT_EI_NONCE_LEN 32
/* Size of the reader-key seed a request stores. */
#define MDLG_READER_SEED_LEN 32

/* One requested data element. */
struct mdlg_present_element {
    const char *ns;
    const char *id;
};

/*
 * Appends the DeviceRequest above for doctype and the n elements (grouped by
 * namespace in first-seen order). USAGE for n == 0, n over the limit, an
 * empty string or a repeated (ns, id).
 */
mdlg_err mdlg_annexc_device_request(struct mdlg_cbor_buf *b, const char *doctype,
                                    const struct mdlg_present_element *el,
                                    size_t n) MDLG_WARN_UNUSED;

/* Reader authentication of an Annex C DeviceRequest (ISO 18013-5 §9.1.4). */
struct mdlg_annexc_reader {
    const mdlg_pkey *key;              /* P-256 private key of the reader certificate */
    const struct mdlg_bytes *x5chain;  /* DER, leaf first */
    size_t n_x5chain;
    struct mdlg_bytes transcript;      /* the untagged SessionTranscript of the request */
};

/*
 * The same DeviceRequest with docRequests[0].readerAuth when rd is non-NULL:
 * COSE_Sign1 [h'a1 01 26' (ES256), {33: x5chain}, nil, signature] over the
 * detached ReaderAuthenticationBytes = #6.24(bstr .cbor
 * ["ReaderAuthentication", SessionTranscript, ItemsRequestBytes]).
 */
mdlg_err mdlg_annexc_device_request_auth(struct mdlg_cbor_buf *b, const char *doctype,
                                         const struct mdlg_present_element *el, size_t n,
                                         const struct mdlg_annexc_reader *rd) MDLG_WARN_UNUSED;

/*
 * Wallet side: checks docRequests[0].readerAuth of the DeviceRequest
 * buf[0..len), if any (*present says; absent is OK). The x5chain must pass
 * mdlg_reader_chain_check (mdlg/reader.h; ca_pem NULL: no path validation)
 * and the signature must verify over ReaderAuthenticationBytes built from
 * `transcript` and the received ItemsRequestBytes. dns (may be NULL)
 * receives the leaf's dNSNames. READER_AUTH_INVALID (a shape, algorithm or
 * signature problem), READER_CERT_INVALID, CERT_MALFORMED; *why (may be
 * NULL) gets a static reason.
 */
mdlg_err mdlg_annexc_reader_auth_check(const uint8_t *buf, size_t len,
                                       struct mdlg_bytes transcript, const char *ca_pem,
                                       size_t ca_len, int64_t now, bool *present, char *dns,
                                       size_t dns_cap, const char **why) MDLG_WARN_UNUSED;

/*
 * Reads a DeviceRequest (the first docRequest only): doctype and elements as
 * views into buf, written to dt_out and el_out (cap entries; ns/id point at
 * NUL-free text inside buf, with lengths). CBOR_* for bad CBOR,
 * CBOR_MISSING_FIELD / CBOR_UNEXPECTED_TYPE for a wrong shape,
 * LIMIT_ELEMENTS beyond cap.
 */
struct mdlg_present_element_view {
    struct mdlg_bytes ns, id;
};
mdlg_err mdlg_annexc_device_request_parse(const uint8_t *buf, size_t len, struct mdlg_bytes *dt_out,
                                          struct mdlg_present_element_view *el_out, size_t cap,
                                          size_t *n_out) MDLG_WARN_UNUSED;

/* Appends EncryptionInfo for nonce (>= 16 bytes) and the recipient's P-256 public key. */
mdlg_err mdlg_annexc_encryption_info(struct mdlg_cbor_buf *b, const uint8_t *nonce, size_t nlen,
                                     const mdlg_pkey *recipient) MDLG_WARN_UNUSED;

/*
 * Reads EncryptionInfo: *recipient receives the P-256 public key (caller
 * frees). CBOR_* / COSE_KEY_* for bad input, CBOR_UNSUPPORTED if the first
 * element is not "dcapi" or the nonce is shorter than 16 bytes.
 */
mdlg_err mdlg_annexc_encryption_info_parse(const uint8_t *buf, size_t len,
                                           mdlg_pkey **recipient) MDLG_WARN_UNUSED;

/*
 * Wallet side: HPKE-seals the DeviceResponse to recipient with info =
 * transcript and appends the EncryptedResponse.
 */
mdlg_err mdlg_annexc_seal(const mdlg_pkey *recipient, struct mdlg_bytes transcript,
                          struct mdlg_bytes device_response,
                          struct mdlg_cbor_buf *out) MDLG_WARN_UNUSED;

/*
 * Reader side: parses an EncryptedResponse and opens it with skR and info =
 * transcript. On success *pt is a malloc'd DeviceResponse of *ptlen bytes.
 * Errors: LIMIT_BODY_SIZE over the bound; DECRYPT_MALFORMED when the bytes
 * are not an EncryptedResponse (any CBOR or shape problem); the HPKE codes
 * (DECRYPT_FAILED for a changed byte, a wrong key or another transcript,
 * DECRYPT_KEY_INVALID for a bad enc); NO_MEMORY.
 */
mdlg_err mdlg_annexc_open(const mdlg_pkey *skR, struct mdlg_bytes encrypted_response,
                          struct mdlg_bytes transcript, uint8_t **pt,
                          size_t *ptlen) MDLG_WARN_UNUSED;

/*
 * Answers checked against what was asked (POST /v1/requests/{id}/response).
 * After mdlg_verify(), for each document of res:
 *   - a docType other than `doctype`: RESPONSE_DOCTYPE_UNEXPECTED (no
 *     element context); its elements are not looked at further;
 *   - each disclosed element (issuer- or device-signed) that is not one of
 *     el[0..n): ELEMENT_NOT_REQUESTED naming its namespace and identifier
 *     (views into the DeviceResponse, never the value).
 * Such a document, and res, become invalid. Requested elements the holder
 * withheld are no error: see mdlg_present_disclosed(). Errors beyond
 * MDLG_MAX_DOC_ERRORS are counted in n_errors_dropped.
 */
struct mdlg_result;
struct mdlg_doc_result;
void mdlg_present_match(struct mdlg_result *res, const char *doctype,
                        const struct mdlg_present_element *el, size_t n);

/* True if d disclosed element e (issuer- or device-signed). */
bool mdlg_present_disclosed(const struct mdlg_doc_result *d, const struct mdlg_present_element *e);

/* Reader-key slots: one P-256 key per flow of a request. */
enum mdlg_reader_slot {
    MDLG_READER_SLOT_DCAPI_JWE = 0,    /* openid4vp-v1-unsigned, dc_api.jwt */
    MDLG_READER_SLOT_ANNEXC_HPKE = 1,  /* org-iso-mdoc */
    MDLG_READER_SLOT_REDIRECT_JWE = 2, /* openid4vp-v1-redirect, direct_post.jwt */
};

/* The slot's P-256 private key, DeriveKeyPair(seed || "mdlgate reader slot N"). */
mdlg_err mdlg_reader_key_derive(const uint8_t seed[MDLG_READER_SEED_LEN], enum mdlg_reader_slot slot,
                                mdlg_pkey **out) MDLG_WARN_UNUSED;

#endif
