/*
 * testpki.h - a throw-away ISO 18013-5 PKI for tests, demos and the
 * `mdlgate issue` command: an IACA root and Document Signers under it,
 * following Annex B (or deliberately not, for negative tests).
 *
 * Nothing here is meant for production trust: keys are generated in memory
 * and serials come from OpenSSL's RNG. Certificates are returned as DER and
 * PEM (both malloc'd) together with their key pair, so a test can sign MSOs
 * with the DS key (mdlg_sig_sign) and add the IACA to a trust set.
 */
#ifndef MDLG_TESTPKI_H
#define MDLG_TESTPKI_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/crypto.h"
#include "mdlg/err.h"

/* Deviations from Annex B a generated certificate can carry. */
enum mdlg_testpki_flag {
    MDLG_TESTPKI_NO_EKU = 1u << 0,          /* DS: no extKeyUsage */
    MDLG_TESTPKI_IS_CA = 1u << 1,           /* DS: basicConstraints CA:TRUE */
    MDLG_TESTPKI_WRONG_KU = 1u << 2,        /* DS: keyUsage keyCertSign (no digitalSignature);
                                               IACA: keyUsage digitalSignature only */
    MDLG_TESTPKI_NOT_CA = 1u << 3,          /* IACA: basicConstraints CA:FALSE */
    MDLG_TESTPKI_CRL_DP_DNS = 1u << 4,      /* CRL distribution point as dNSName (Annex D) */
    MDLG_TESTPKI_NO_IAN = 1u << 5,          /* no issuerAltName */
    MDLG_TESTPKI_NEGATIVE_SERIAL = 1u << 6, /* negative serial number */
    MDLG_TESTPKI_NO_PATHLEN = 1u << 7,      /* IACA: CA:TRUE without pathLenConstraint */
};

/* A generated certificate. Release with mdlg_testpki_cert_free(). */
struct mdlg_testpki_cert {
    uint8_t *der;       /* malloc'd DER */
    size_t der_len;
    char *pem;          /* malloc'd, NUL-terminated "-----BEGIN CERTIFICATE-----..." */
    size_t pem_len;     /* without the NUL */
    mdlg_pkey *key;     /* the certificate's key pair (private part included) */
};

/* IACA root: self-signed; subject C, optional ST, CN. */
struct mdlg_testpki_iaca_opts {
    const char *country;      /* subject C, required ("US") */
    const char *state;        /* subject ST or NULL ("California") */
    const char *common_name;  /* NULL: "mdlgate test IACA" */
    const char *uri;          /* IAN URI, and CRL DP URI + "/crl"; NULL: "https://iaca.test" */
    enum mdlg_curve curve;    /* curve of a generated key; MDLG_CRV_NONE means P-256 */
    mdlg_pkey *key;           /* use this key pair instead (a reference is taken) */
    int64_t not_before;       /* unix seconds */
    int64_t not_after;
    uint32_t flags;           /* enum mdlg_testpki_flag */
};

/*
 * Generates an IACA: X.509 v3, positive 16-byte random serial (unless
 * NEGATIVE_SERIAL), basicConstraints critical CA:TRUE pathlen 0, keyUsage
 * critical keyCertSign|cRLSign, subjectKeyIdentifier, issuerAltName URI,
 * cRLDistributionPoints URI; signed with SHA-256/384/512 to match the curve
 * (Ed25519: EdDSA). USAGE if country is missing or not_after <= not_before.
 */
mdlg_err mdlg_testpki_iaca(const struct mdlg_testpki_iaca_opts *o,
                           struct mdlg_testpki_cert *out) MDLG_WARN_UNUSED;

/* Document Signer under an IACA made by mdlg_testpki_iaca(). */
struct mdlg_testpki_ds_opts {
    const struct mdlg_testpki_cert *iaca;  /* issuer (needs its private key) */
    const char *common_name;  /* NULL: "mdlgate test DS" */
    const char *country;      /* NULL: the IACA's C; "" omits C (a wrong C: set it) */
    const char *state;        /* NULL: the IACA's ST if any; "" omits ST (a wrong ST: set it) */
    const char *uri;          /* as for the IACA; NULL: "https://iaca.test" */
    enum mdlg_curve curve;    /* curve of a generated key; MDLG_CRV_NONE means P-256 */
    mdlg_pkey *key;           /* use this key pair instead (a reference is taken) */
    int64_t not_before;
    int64_t not_after;
    uint32_t flags;           /* enum mdlg_testpki_flag */
    const char *eku;          /* extKeyUsage OID; NULL: 1.0.18013.5.1.2 (DS). A reader-auth
                                 certificate: "1.0.18013.5.1.6" under a reader CA */
    const char *dns_name;     /* subjectAltName dNSName, or NULL for none */
};

/*
 * Generates a DS: keyUsage critical digitalSignature, extKeyUsage critical
 * 1.0.18013.5.1.2, authorityKeyIdentifier = IACA SKI, subjectKeyIdentifier,
 * issuerAltName URI, cRLDistributionPoints URI, subject C/ST copied from the
 * IACA unless overridden; flags add the deviations. CERT_MALFORMED if the
 * IACA DER does not parse. With IS_CA | WRONG_KU the result can itself
 * serve as `iaca` for a further DS (an intermediate, for negative tests).
 */
mdlg_err mdlg_testpki_ds(const struct mdlg_testpki_ds_opts *o,
                         struct mdlg_testpki_cert *out) MDLG_WARN_UNUSED;

/* A CRL issued by a generated IACA (RFC 5280 v2). */
struct mdlg_testpki_crl_opts {
    const struct mdlg_testpki_cert *iaca;   /* issuer name; signs unless `signer` is set */
    const mdlg_pkey *signer;                /* sign with this key instead (a forged CRL) */
    const struct mdlg_testpki_cert *const *revoked; /* certificates listed as revoked */
    size_t n_revoked;
    int64_t this_update;                    /* unix seconds (required) */
    int64_t next_update;                    /* 0: no nextUpdate */
};

/*
 * Generates a DER CRL: issuer = the IACA's subject, thisUpdate/nextUpdate,
 * one entry (serial, revocationDate = thisUpdate) per revoked certificate,
 * authorityKeyIdentifier and cRLNumber; signed like the IACA's own
 * certificates. *der is malloc'd. USAGE if iaca or this_update is missing,
 * CERT_MALFORMED if a certificate does not parse.
 */
mdlg_err mdlg_testpki_crl(const struct mdlg_testpki_crl_opts *o, uint8_t **der,
                          size_t *der_len) MDLG_WARN_UNUSED;

/* Frees the buffers and drops the key reference; zeroes *c. NULL is fine. */
void mdlg_testpki_cert_free(struct mdlg_testpki_cert *c);

#endif
