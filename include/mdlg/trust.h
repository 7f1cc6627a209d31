/*
 * trust.h - trust anchors per jurisdiction and Document Signer validation.
 *
 * A trust set (mdlg_trust) holds IACA certificates, each belonging to one
 * jurisdiction ("US-CA", "US" for a country-wide IACA, "NL", or a non-state
 * class such as "_wallet-issued" / "_test"). Once built it is read-only and
 * may be shared between threads; a new set is built and swapped in to change
 * trust (the service does that on SIGHUP).
 *
 * mdlg_trust_verify_ds() validates an x5chain (leaf = Document Signer first)
 * against the set at time `now` with OpenSSL's X509_STORE (check time set to
 * `now`), then applies the ISO 18013-5 Annex B profile checks. Anchors are
 * indexed (hash tables by subject and by fingerprint), so the cost of a
 * lookup does not grow with the number of anchors. Chain results are cached
 * per (DS certificate, trust set); validity against `now` is rechecked on
 * every call.
 */
#ifndef MDLG_TRUST_H
#define MDLG_TRUST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

typedef struct mdlg_trust mdlg_trust;

enum mdlg_policy {
    MDLG_POLICY_STRICT = 0,   /* 18013-5 as written */
    MDLG_POLICY_LENIENT = 1,  /* tolerate the named deviations below, and report them */
};

/*
 * Named leniencies: each tolerated deviation sets a bit, and the verdict
 * lists it by name (mdlg_leniency_name). In strict policy these deviations
 * are errors instead.
 */
enum mdlg_leniency {
    MDLG_LENIENT_CRL_DP_NOT_URI = 1u << 0,      /* CRL distribution point is not a URI */
    MDLG_LENIENT_ANCHOR_IS_SIGNER = 1u << 1,    /* x5chain leaf is itself a pinned anchor */
    MDLG_LENIENT_CERT_PROFILE = 1u << 2,        /* other Annex B profile deviations */
    MDLG_LENIENT_TDATE_FRACTION = 1u << 3,      /* tdate with fractional seconds */
    MDLG_LENIENT_DEVICE_PAYLOAD_ATTACHED = 1u << 4, /* deviceSignature carries the payload */
    MDLG_LENIENT_CERT_SERIAL = 1u << 5,         /* serial negative or > 20 octets */
    MDLG_LENIENT_EMPTY_DOCUMENT_ERRORS = 1u << 6, /* documentErrors: [] */
};
#define MDLG_LENIENCY_COUNT 7

/* Stable snake_case name of one leniency bit ("crl_dp_not_uri"), or NULL. */
const char *mdlg_leniency_name(uint32_t bit);

/* New empty set. Returns NULL on allocation failure. */
mdlg_trust *mdlg_trust_new(void);
void mdlg_trust_free(mdlg_trust *t);

/*
 * Adds every certificate in a PEM buffer as an anchor. `jurisdiction` may be
 * NULL: it is then derived from the certificate subject (C, plus ST mapped to
 * its ISO 3166-2 code: C=US, ST=California -> "US-CA"; C=US alone -> "US").
 * Duplicates (same SHA-256) are ignored. Returns CERT_MALFORMED if the buffer
 * holds no certificate.
 */
mdlg_err mdlg_trust_add_pem(mdlg_trust *t, const char *pem, size_t len,
                            const char *jurisdiction) MDLG_WARN_UNUSED;
mdlg_err mdlg_trust_add_der(mdlg_trust *t, const uint8_t *der, size_t len,
                            const char *jurisdiction) MDLG_WARN_UNUSED;
/*
 * Reads a certificate file: PEM (any number of certificates), or a single
 * DER certificate if the file has no PEM header. IO if unreadable.
 */
mdlg_err mdlg_trust_add_file(mdlg_trust *t, const char *path,
                             const char *jurisdiction) MDLG_WARN_UNUSED;
/*
 * Loads a trust directory: each subdirectory is a jurisdiction
 * (trust-dir/US-CA/NAME.pem -> "US-CA"); names starting with '.' are skipped.
 * Files *.pem, *.crt, *.cer, *.der are read (other names are ignored), in
 * name order; certificate files directly in `dir` get their jurisdiction
 * from the subject. Then every *.crl file (in the same places) is added with
 * mdlg_trust_add_crl(); a CRL that does not parse or matches no anchor is
 * skipped (its IACA's DS then have revocation "unavailable"). IO if a directory cannot be read, USAGE if a
 * subdirectory name is 32 bytes or longer, else the first add error.
 */
mdlg_err mdlg_trust_load_dir(mdlg_trust *t, const char *dir) MDLG_WARN_UNUSED;

size_t mdlg_trust_count(const mdlg_trust *t);

/* One anchor, for listings (`mdlgate trust list`). */
struct mdlg_anchor_info {
    char jurisdiction[32];
    char subject[256];          /* RFC 2253 one-line */
    char country[4];            /* subject C ("" if absent) */
    char state[64];             /* subject ST as written ("" if absent) */
    uint8_t sha256[32];         /* fingerprint of the DER */
    int64_t not_before;         /* unix seconds */
    int64_t not_after;
};

/* The i-th anchor in insertion order (duplicates not counted); USAGE if i >= count. */
mdlg_err mdlg_trust_anchor_info(const mdlg_trust *t, size_t i,
                                struct mdlg_anchor_info *out) MDLG_WARN_UNUSED;

/*
 * Revocation of the DS certificate by its IACA's CRL (RFC 5280), as found by
 * mdlg_trust_verify_ds():
 *   NOT_APPLICABLE  the signer is itself an anchor (no issuer to revoke it)
 *   GOOD            a CRL of the issuing IACA, current at `now`, does not list it
 *   REVOKED         the IACA's CRL lists its serial (CERT_REVOKED), current or not
 *   UNAVAILABLE     no CRL for that IACA, or the CRL is not current at `now`
 *                   (before thisUpdate or after nextUpdate), or the DS was
 *                   issued by an intermediate CA
 */
enum mdlg_crl_status {
    MDLG_CRL_NOT_APPLICABLE = 0,
    MDLG_CRL_GOOD,
    MDLG_CRL_REVOKED,
    MDLG_CRL_UNAVAILABLE,
};

/* "not_applicable", "good", "revoked", "unavailable". */
const char *mdlg_crl_status_name(enum mdlg_crl_status s);

/*
 * Adds a CRL (DER, or PEM "X509 CRL") to the set. It is attached to the
 * anchor whose subject equals the CRL issuer and whose key verifies the CRL
 * signature; a CRL for an anchor that already has one replaces it only if
 * its thisUpdate is later. Clears the chain cache. Errors: CRL_INVALID (does
 * not parse, or no anchor of this set signed it), USAGE, NO_MEMORY.
 * Add the anchors first.
 */
mdlg_err mdlg_trust_add_crl(mdlg_trust *t, const uint8_t *buf, size_t len) MDLG_WARN_UNUSED;

/* Number of anchors that have a CRL attached. */
size_t mdlg_trust_crl_count(const mdlg_trust *t);

/* Result of validating one Document Signer chain. */
struct mdlg_chain_result {
    mdlg_err err;               /* OK, or the first failure */
    const char *err_detail;     /* static text for err, or NULL */
    char jurisdiction[32];      /* the anchor's jurisdiction ("US-CA") */
    char ds_subject[256];       /* DS subject, RFC 2253 one-line */
    char ds_country[4];         /* DS subject C ("" if absent) */
    char ds_state[64];          /* DS subject ST as written ("" if absent) */
    char ds_state_code[16];     /* ST as ISO 3166-2 ("US-CA"), "" if unknown/absent */
    uint8_t anchor_sha256[32];
    uint8_t ds_sha256[32];
    int64_t ds_not_before;      /* unix seconds */
    int64_t ds_not_after;
    uint32_t leniencies;        /* enum mdlg_leniency bits applied */
    bool cached;                /* chain result came from the cache */
    enum mdlg_crl_status crl;   /* revocation of the DS by its IACA's CRL */
    const char *crl_detail;     /* static text on why the CRL is unavailable, or NULL */
    int64_t crl_next_update;    /* the CRL's nextUpdate (0 if none or no CRL) */
    mdlg_pkey *ds_key;          /* DS public key (owned by the result) */
};

/*
 * Validates x5chain[0..n) (DER, leaf first; further entries are offered as
 * intermediates, an entry equal to an anchor is ignored) against `t` at
 * `now` (unix seconds) under `policy`. `use_cache` lets the chain result be
 * reused for the same DS certificate and trust set (time is still checked).
 * On return *out is filled (also on failure, as far as known); the caller
 * must call mdlg_chain_result_clear() to release ds_key.
 * Returns out->err.
 *
 * Error codes: CERT_MALFORMED, LIMIT_X5CHAIN, LIMIT_CERT_SIZE, NO_ANCHORS,
 * CHAIN_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, CHAIN_INVALID,
 * DS_PROFILE_KEY_USAGE, DS_PROFILE_EKU, DS_PROFILE_IS_CA, IACA_PROFILE_NOT_CA,
 * IACA_PROFILE_KEY_USAGE, DS_PROFILE_COUNTRY, DS_PROFILE_STATE, CERT_PROFILE,
 * CERT_REVOKED (the IACA's CRL lists the DS; out->crl is REVOKED),
 * JURISDICTION_ANCHOR_MISMATCH (the anchor was added for a jurisdiction,
 * "US-NY", that the DS subject C/ST contradicts; "_class" jurisdictions do
 * not bind), and NO_MEMORY / CRYPTO_INTERNAL / INTERNAL / USAGE.
 *
 * Details:
 * - ds_key is set only when err is OK (a failed chain yields no usable key).
 * - Hard failures under both policies: path validation errors, missing EKU
 *   1.0.18013.5.1.2, keyUsage without digitalSignature, DS CA:TRUE, IACA not
 *   a CA or without keyCertSign, C/ST different from the IACA's.
 * - Deviations (strict: the error; lenient: the named leniency bit): CRL DP
 *   not a URI (CERT_PROFILE / CRL_DP_NOT_URI), serial negative, zero or > 20
 *   octets (CERT_PROFILE / CERT_SERIAL), and under CERT_PROFILE: missing
 *   IAN, CRL DP, SKI or AKI, forbidden extensions, keyUsage/EKU present but
 *   not exact or not critical (DS_PROFILE_KEY_USAGE/DS_PROFILE_EKU in
 *   strict), keyUsage absent, IACA basicConstraints without pathlen 0, ST
 *   spelled differently but naming the same subdivision, and an intermediate
 *   CA between DS and anchor (CHAIN_INVALID in strict).
 * - Anchor is signer (x5chain[0] is itself an anchor): strict applies the DS
 *   profile to it (e.g. no EKU -> DS_PROFILE_EKU); lenient accepts it with
 *   ANCHOR_IS_SIGNER and no profile checks. Validity at `now` always holds.
 * - Cache: keyed by the DER of every x5chain entry and the policy; only
 *   successes are stored. A hit rechecks DS and anchor validity at `now`;
 *   if that fails the full validation runs (and reports the error). A hit
 *   also recomputes the CRL status from the cached CRL window at `now`
 *   (GOOD only between thisUpdate and nextUpdate); the CRL set is fixed
 *   with the trust set (adding a CRL clears the cache).
 */
mdlg_err mdlg_trust_verify_ds(mdlg_trust *t, const struct mdlg_bytes *x5chain, size_t n,
                              int64_t now, enum mdlg_policy policy, bool use_cache,
                              struct mdlg_chain_result *out);

void mdlg_chain_result_clear(struct mdlg_chain_result *r);

/*
 * Validates the signer of data other than an MSO (a Status List Token):
 * x5chain[0..n) (leaf first) by RFC 5280 path validation at `now`, with no
 * Annex B profile. The path must end at the anchor whose SHA-256 is
 * `anchor_sha256` (the document's IACA; NULL: none) or at an anchor filed
 * under the jurisdiction "_status" (configured status-list anchors).
 * On OK *key is the leaf's public key (free with mdlg_pkey_free).
 * Errors: as mdlg_trust_verify_ds for the path, CHAIN_UNTRUSTED when the
 * path ends at another anchor.
 */
mdlg_err mdlg_trust_verify_signer(mdlg_trust *t, const struct mdlg_bytes *x5chain, size_t n,
                                  int64_t now, const uint8_t anchor_sha256[32],
                                  mdlg_pkey **key) MDLG_WARN_UNUSED;

/*
 * Maps a US state/territory name or code ("California", "CA", "US-CA") to
 * its ISO 3166-2 code for country `c`; writes "" if unknown. Used to compare
 * issuing_jurisdiction with certificate ST values.
 */
void mdlg_jurisdiction_normalize(const char *c, const char *st, char out[16]);

#endif
