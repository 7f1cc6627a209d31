/*
 * jws.h - JWS compact serialization (RFC 7515) with ES256 and an x5c
 * header: the signed OpenID4VP request object (OpenID4VP 1.0 §5, JAR
 * RFC 9101, typ "oauth-authz-req+jwt"). Signing for the service, parsing
 * and verifying for the test wallet. JSON stays in src/json.
 *
 * Bounds: at most MDLG_JWS_MAX bytes of input, MDLG_READER_CHAIN_MAX x5c
 * entries of at most MDLG_MAX_CERT_SIZE each.
 */
#ifndef MDLG_JWS_H
#define MDLG_JWS_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"
#include "mdlg/reader.h"

#define MDLG_JWS_MAX (256u * 1024u)
/* The typ of an OpenID4VP request object. */
#define MDLG_JWS_TYP_REQUEST "oauth-authz-req+jwt"

/*
 * Signs payload (JSON text) as a compact JWS with the protected header
 * {"alg": "ES256", "typ": typ, "x5c": [base64 DER...]} (standard base64,
 * RFC 7515 §4.1.6). key must be P-256. *out is malloc'd, NUL-terminated.
 */
mdlg_err mdlg_jws_sign(const mdlg_pkey *key, const struct mdlg_bytes *x5c, size_t n_x5c,
                       const char *typ, const char *payload, char **out) MDLG_WARN_UNUSED;

/* A parsed compact JWS (caller-owned; release with mdlg_jws_clear). */
struct mdlg_jws {
    char alg[16], typ[64];
    struct mdlg_bytes x5c[MDLG_READER_CHAIN_MAX];   /* DER, malloc'd */
    size_t n_x5c;
    char *payload;                                  /* decoded payload, NUL-terminated */
    size_t payload_len;
    struct mdlg_bytes signing_input;                /* view: "<header>.<payload>" of the input */
    uint8_t sig[64];
    size_t sig_len;
};

/*
 * Splits and decodes jws[0..len): three base64url parts, a protected header
 * with alg and typ strings and an x5c array. REQUEST_OBJECT_INVALID for any
 * shape problem (and LIMIT_BODY_SIZE beyond MDLG_JWS_MAX); the signature is
 * not checked here.
 */
mdlg_err mdlg_jws_parse(const char *jws, size_t len, struct mdlg_jws *out) MDLG_WARN_UNUSED;

/* Checks alg == ES256 and the signature with key: OK or REQUEST_OBJECT_INVALID. */
mdlg_err mdlg_jws_verify(const struct mdlg_jws *j, const mdlg_pkey *key) MDLG_WARN_UNUSED;

void mdlg_jws_clear(struct mdlg_jws *j);

#endif
