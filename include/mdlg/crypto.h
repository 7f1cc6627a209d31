/*
 * crypto.h - the narrow crypto seam. Only src/crypto/ (and src/trust/ for
 * X.509) include OpenSSL; everything else sees these functions, COSE
 * algorithm numbers and opaque key handles.
 *
 * Result discipline ("did not verify" vs "could not verify"):
 *   MDLG_E_OK                     the signature/MAC is valid
 *   MDLG_E_COSE_SIGNATURE_INVALID the signature is well-formed but wrong
 *   MDLG_E_COSE_SIGNATURE_MALFORMED wrong length for the algorithm (e.g. DER)
 *   MDLG_E_COSE_KEY_ALG_MISMATCH  the key cannot be used with that algorithm
 *   MDLG_E_COSE_ALG_UNSUPPORTED   unknown algorithm number
 *   MDLG_E_CRYPTO_INTERNAL        OpenSSL failed for another reason
 * No OpenSSL error value escapes this module.
 */
#ifndef MDLG_CRYPTO_H
#define MDLG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/err.h"

/* COSE algorithm identifiers (IANA COSE Algorithms registry). */
enum mdlg_cose_alg {
    MDLG_ALG_ES256 = -7,
    MDLG_ALG_ES384 = -35,
    MDLG_ALG_ES512 = -36,
    MDLG_ALG_EDDSA = -8,
    MDLG_ALG_HMAC256 = 5,   /* HMAC 256/256 */
};

/* COSE curve identifiers (crv). */
enum mdlg_curve {
    MDLG_CRV_NONE = 0,
    MDLG_CRV_P256 = 1,
    MDLG_CRV_P384 = 2,
    MDLG_CRV_P521 = 3,
    MDLG_CRV_X25519 = 4,
    MDLG_CRV_ED25519 = 6,
};

enum mdlg_hash_alg {
    MDLG_SHA256 = 1,
    MDLG_SHA384 = 2,
    MDLG_SHA512 = 3,
};

#define MDLG_HASH_MAX 64

/* Opaque public or private key (wraps an EVP_PKEY). */
typedef struct mdlg_pkey mdlg_pkey;

/* Digest size in bytes for h (32, 48, 64), 0 if unknown. */
size_t mdlg_hash_len(enum mdlg_hash_alg h);

/* out receives mdlg_hash_len(h) bytes. */
mdlg_err mdlg_hash(enum mdlg_hash_alg h, const uint8_t *msg, size_t len,
                   uint8_t out[MDLG_HASH_MAX]) MDLG_WARN_UNUSED;

/* SHA-256 convenience. */
mdlg_err mdlg_sha256(const uint8_t *msg, size_t len, uint8_t out[32]) MDLG_WARN_UNUSED;

/*
 * EC2 public key from affine coordinates (big-endian, each exactly the field
 * size: 32/48/66 bytes). The point is checked to be on the curve
 * (COSE_KEY_NOT_ON_CURVE) and not the point at infinity.
 */
mdlg_err mdlg_pkey_from_ec_xy(enum mdlg_curve crv, const uint8_t *x, size_t xlen,
                              const uint8_t *y, size_t ylen, mdlg_pkey **out) MDLG_WARN_UNUSED;

/* OKP public key (Ed25519, X25519) from its 32-byte encoding. */
mdlg_err mdlg_pkey_from_okp(enum mdlg_curve crv, const uint8_t *x, size_t xlen,
                            mdlg_pkey **out) MDLG_WARN_UNUSED;

/*
 * Private key from its raw encoding: for P-256/384/521 the big-endian scalar
 * d (exactly the field size, 1 <= d < n, else COSE_KEY_MALFORMED; the public
 * point is computed), for Ed25519/X25519 the 32-byte private key.
 */
mdlg_err mdlg_pkey_from_private(enum mdlg_curve crv, const uint8_t *d, size_t dlen,
                                mdlg_pkey **out) MDLG_WARN_UNUSED;

/* Public or private key from PEM text (SPKI, PKCS#8 or SEC1 "EC PRIVATE KEY"). */
mdlg_err mdlg_pkey_from_pem(const char *pem, size_t len, mdlg_pkey **out) MDLG_WARN_UNUSED;

/* Curve of the key, MDLG_CRV_NONE if not an EC/OKP key we support. */
enum mdlg_curve mdlg_pkey_curve(const mdlg_pkey *k);

/* Field size in bytes of an EC curve (32, 48, 66; 32 for Ed25519/X25519). */
size_t mdlg_curve_size(enum mdlg_curve crv);

void mdlg_pkey_free(mdlg_pkey *k);

/* Adds a reference (the key is freed when the last reference is dropped). */
mdlg_pkey *mdlg_pkey_ref(mdlg_pkey *k);

/*
 * Verifies a COSE signature: ES256/384/512 take raw r||s (2 * field size;
 * DER is rejected as COSE_SIGNATURE_MALFORMED), high-S is accepted; EdDSA
 * takes the 64-byte Ed25519 signature. The algorithm must match the key:
 * ES256 needs P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519.
 */
mdlg_err mdlg_sig_verify(const mdlg_pkey *pub, int cose_alg, const uint8_t *msg, size_t len,
                         const uint8_t *sig, size_t siglen) MDLG_WARN_UNUSED;

/* HMAC-SHA-256. */
mdlg_err mdlg_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t len,
                          uint8_t out[32]) MDLG_WARN_UNUSED;

/* Constant-time equality of two n-byte buffers (libsodium). */
bool mdlg_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/*
 * ECDH: the raw shared secret (x-coordinate for EC curves, 32 bytes for
 * X25519). *outlen receives its length; out must hold 66 bytes.
 */
mdlg_err mdlg_ecdh(const mdlg_pkey *priv, const mdlg_pkey *peer, uint8_t *out,
                   size_t *outlen) MDLG_WARN_UNUSED;

/* HKDF-SHA-256 (extract then expand); outlen <= 255 * 32. */
mdlg_err mdlg_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt, size_t saltlen,
                          const uint8_t *info, size_t infolen, uint8_t *out,
                          size_t outlen) MDLG_WARN_UNUSED;

/* Fills buf with n random bytes (libsodium). */
void mdlg_random(uint8_t *buf, size_t n);

/* --- Signing side: used by the test issuer, benchmarks and tests. --- */

/* Fresh key pair on crv (P-256/384/521, Ed25519, X25519). */
mdlg_err mdlg_pkey_generate(enum mdlg_curve crv, mdlg_pkey **out) MDLG_WARN_UNUSED;

/* Raw r||s (or Ed25519) signature; *siglen in/out (buffer size / bytes written). */
mdlg_err mdlg_sig_sign(const mdlg_pkey *priv, int cose_alg, const uint8_t *msg, size_t len,
                       uint8_t *sig, size_t *siglen) MDLG_WARN_UNUSED;

/* Affine coordinates of an EC key (each mdlg_curve_size bytes); for OKP, x only (y NULL). */
mdlg_err mdlg_pkey_get_xy(const mdlg_pkey *k, uint8_t *x, uint8_t *y) MDLG_WARN_UNUSED;

/* PEM encoding (PKCS#8 private if the key has one, else SPKI); caller frees *pem. */
mdlg_err mdlg_pkey_to_pem(const mdlg_pkey *k, bool private_part, char **pem,
                          size_t *len) MDLG_WARN_UNUSED;

/* Natural COSE signature algorithm for a key (ES256 for P-256, ...), 0 if none. */
int mdlg_pkey_default_alg(const mdlg_pkey *k);

#endif
