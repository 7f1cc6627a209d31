/*
 * mdoc.h - ISO/IEC 18013-5 DeviceResponse verification (9.3.1).
 *
 * One verification path for every entry point (CLI, server, tests, bench,
 * fuzzers): mdlg_verify() takes the received DeviceResponse bytes, the
 * SessionTranscript the relying party built itself, trust anchors and the
 * instant `now`, and fills a result whose views point into the received
 * buffer (keep it alive while using the result).
 *
 * Per document, in order: structure; issuer certificate chain (to an anchor
 * of the document's own jurisdiction, at `now`); issuer signature; MSO
 * (tag 24, version, digest algorithm); docType match; digests of every
 * disclosed element over the exact received IssuerSignedItemBytes; validity
 * (DS certificate, MSO signed/validFrom/validUntil); jurisdiction binding;
 * device authentication (deviceSignature or deviceMac over
 * DeviceAuthenticationBytes built from the received spans) and
 * keyAuthorizations for device-signed elements.
 */
#ifndef MDLG_MDOC_H
#define MDLG_MDOC_H

#include <stdbool.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"
#include "mdlg/limits.h"
#include "mdlg/trust.h"

#define MDLG_MAX_DOC_ERRORS 32
#define MDLG_MAX_RESPONSE_ERRORS 4

/* What to do when revocation data is unavailable (see README "Revocation"). */
enum mdlg_revocation_policy {
    MDLG_REVOCATION_FAIL_OPEN = 0,    /* valid, with a warning in the verdict */
    MDLG_REVOCATION_FAIL_CLOSED,      /* invalid: REVOCATION_UNAVAILABLE */
};

/* "fail-open", "fail-closed". */
const char *mdlg_revocation_policy_name(enum mdlg_revocation_policy p);

/* Outcome of the MSO status list check. */
enum mdlg_status_outcome {
    MDLG_SL_NOT_APPLICABLE = 0,       /* the MSO has no status.status_list */
    MDLG_SL_GOOD,                     /* entry idx is 0 (VALID) */
    MDLG_SL_REVOKED,                  /* 1 (INVALID), or a value mdlgate does not know */
    MDLG_SL_SUSPENDED,                /* 2 (SUSPENDED) */
    MDLG_SL_UNAVAILABLE,              /* no token, or it failed verification (status_list_err) */
};

/* "not_applicable", "good", "revoked", "suspended", "unavailable". */
const char *mdlg_status_outcome_name(enum mdlg_status_outcome s);

/*
 * Where Status List Tokens come from: get() returns the token bytes for
 * `uri` (malloc'd, at most MDLG_MAX_STATUS_TOKEN) or an error (IO when it
 * has none). Implementations: mdlg/statussource.h.
 */
struct mdlg_status_source {
    mdlg_err (*get)(void *ud, struct mdlg_bytes uri, uint8_t **buf, size_t *len);
    void *ud;
};

struct mdlg_verify_opts {
    int64_t now;                    /* verification instant, unix seconds (required) */
    enum mdlg_policy policy;
    bool allow_no_device_auth;      /* accept documents without deviceSigned */
    bool use_chain_cache;           /* reuse DS chain results (time rechecked) */
    int64_t clock_skew;             /* seconds tolerated on MSO validity (>= 0) */
    struct mdlg_bytes transcript;   /* untagged SessionTranscript CBOR; ptr NULL if none */
    const mdlg_pkey *reader_key;    /* reader ephemeral private key, for deviceMac */
    mdlg_trust *trust;              /* anchors (required) */
    enum mdlg_revocation_policy revocation;     /* default fail-open */
    const struct mdlg_status_source *status_source; /* NULL: status lists unavailable */
};

/* The named checks, in the order they run. */
enum mdlg_check {
    MDLG_CHECK_STRUCTURE = 0,
    MDLG_CHECK_ISSUER_CERTIFICATE,
    MDLG_CHECK_ISSUER_SIGNATURE,
    MDLG_CHECK_MSO,
    MDLG_CHECK_DOCTYPE,
    MDLG_CHECK_DIGESTS,
    MDLG_CHECK_VALIDITY,
    MDLG_CHECK_JURISDICTION,
    MDLG_CHECK_DEVICE_AUTH,
    MDLG_CHECK_REVOCATION,      /* CRL (chain.crl) and MSO status list */
    MDLG_CHECK_COUNT
};

/* Stable snake_case name of a check ("issuer_signature"). */
const char *mdlg_check_name(enum mdlg_check c);

enum mdlg_check_state { MDLG_CHECK_NOT_RUN = 0, MDLG_CHECK_OK, MDLG_CHECK_FAILED };

enum mdlg_device_auth { MDLG_DEVAUTH_NONE = 0, MDLG_DEVAUTH_SIGNATURE, MDLG_DEVAUTH_MAC };

struct mdlg_doc_error {
    mdlg_err code;
    struct mdlg_bytes ns;        /* namespace, ptr NULL if not element-specific */
    struct mdlg_bytes element;   /* element identifier, ptr NULL if none */
    size_t offset;               /* byte offset in the DeviceResponse, 0 if unknown */
    const char *detail;          /* static human text, or NULL */
};

/* A disclosed element whose digest (or device authorization) checked out. */
struct mdlg_element {
    struct mdlg_bytes ns;
    struct mdlg_bytes id;
    struct mdlg_bytes value;     /* encoded CBOR of elementValue (received bytes) */
    bool device_signed;
};

/* A tdate as received plus its value. */
struct mdlg_tdate {
    struct mdlg_bytes text;      /* RFC 3339 text, ptr NULL if absent */
    int64_t t;                   /* unix seconds (fraction dropped) */
};

struct mdlg_doc_result {
    bool valid;
    struct mdlg_bytes doctype;
    struct mdlg_chain_result chain;
    struct mdlg_tdate signed_at, valid_from, valid_until, expected_update;
    enum mdlg_device_auth device_auth;
    uint8_t checks[MDLG_CHECK_COUNT];     /* enum mdlg_check_state */
    uint32_t leniencies;                  /* enum mdlg_leniency bits (chain's included) */
    struct mdlg_doc_error errors[MDLG_MAX_DOC_ERRORS];
    size_t n_errors;
    size_t n_errors_dropped;              /* errors beyond MDLG_MAX_DOC_ERRORS */
    struct mdlg_element *elements;        /* heap, n_elements entries */
    size_t n_elements;
    struct mdlg_bytes status_list_uri;    /* MSO status.status_list.uri, ptr NULL if absent */
    uint64_t status_list_idx;
    enum mdlg_status_outcome status_list;  /* the status list check */
    mdlg_err status_list_err;             /* why it is unavailable (OK if not) */
    const char *status_list_detail;       /* static text, or NULL */
    enum mdlg_revocation_policy revocation; /* the policy applied */
    bool has_device_key_thumbprint;       /* the MSO deviceKey decoded */
    uint8_t device_key_thumbprint[32];    /* its RFC 9679 COSE Key thumbprint (SHA-256) */
};

struct mdlg_result {
    bool valid;                           /* every document valid, no response error */
    enum mdlg_policy policy;
    int64_t verified_at;
    uint64_t status;                      /* DeviceResponse.status */
    struct mdlg_doc_error errors[MDLG_MAX_RESPONSE_ERRORS];   /* response-level */
    size_t n_errors;
    struct mdlg_doc_result docs[MDLG_MAX_DOCUMENTS];
    size_t n_docs;
    size_t n_document_errors;             /* entries in documentErrors (wallet-reported) */
};

/*
 * Verifies buf[0..len) as a DeviceResponse. Always fills *out (call
 * mdlg_result_free afterwards); of docs[], only the first n_docs entries
 * are written (the rest is left as it was). Returns OK when a verdict was reached (valid
 * or not: see out->valid), or a 9xx code when it could not verify at all
 * (USAGE for a missing `now`/trust, NO_MEMORY).
 */
mdlg_err mdlg_verify(const uint8_t *buf, size_t len, const struct mdlg_verify_opts *opts,
                     struct mdlg_result *out) MDLG_WARN_UNUSED;

void mdlg_result_free(struct mdlg_result *r);

/*
 * Parses an RFC 3339 date-time ("2021-01-01T00:00:00Z"). Strict: UTC 'Z' and
 * no fraction. `allow_fraction` accepts ".ddd" (reported via *had_fraction).
 */
mdlg_err mdlg_parse_rfc3339(struct mdlg_bytes s, bool allow_fraction, int64_t *t,
                            bool *had_fraction) MDLG_WARN_UNUSED;

/* Formats unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into out[21]. */
void mdlg_format_rfc3339(int64_t t, char out[21]);

#endif
