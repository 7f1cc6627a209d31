/*
 * crypto_local.h - private to the .c files of src/crypto (not even src/trust):
 * the key handle layout, the curve/algorithm tables, the one-time setup and
 * the EC_KEY verification keys of crypto_ecdsa.c.
 */
#ifndef MDLG_CRYPTO_LOCAL_H
#define MDLG_CRYPTO_LOCAL_H

#include <stdatomic.h>

#include <openssl/evp.h>

#include "crypto/crypto_internal.h"

#define MDLG__EC_POINT_MAX (1 + 2 * 66)   /* 04 || x || y on P-521 */

/* An EC public key in the form ECDSA verification uses (an EC_KEY, see crypto_ecdsa.c). */
struct mdlg__ecv;

/*
 * A refcounted key. `crv` is computed once when the key is wrapped, so the
 * hot verify path does not ask OpenSSL for the group name on every call.
 *
 * `evp` is the EVP_PKEY every operation but ECDSA verification uses, and
 * `ecv` the EC_KEY form ECDSA verification uses (EC keys only). A key made
 * from COSE coordinates (mdlg_pkey_from_ec_xy: a device key, new for every
 * presentation, that is usually only verified with) starts with `ecv` and its
 * encoded point in `pt`; `evp` is built from `pt` on first use
 * (mdlg__pkey_evp). Any other key starts with `evp`; `ecv` is built from it
 * on its first ECDSA verification (mdlg__pkey_ecv). Both are pure functions
 * of the immutable key, installed once by compare-and-swap (threads sharing
 * a handle, such as a cached DS key, may race to build them; the loser frees
 * its copy) and freed with the handle. Neither is modified once installed;
 * OpenSSL allows concurrent verifications and reads on one key.
 */
struct mdlg_pkey {
    atomic_uint refs;
    enum mdlg_curve crv;
    _Atomic(EVP_PKEY *) evp;
    _Atomic(struct mdlg__ecv *) ecv;
    size_t ptlen;                        /* 0 unless made from coordinates */
    uint8_t pt[MDLG__EC_POINT_MAX];
};

/* The EC_KEY form of an EC key (built on first use); NULL if not EC or out of memory. */
const struct mdlg__ecv *mdlg__pkey_ecv(const mdlg_pkey *k);

/*
 * EC public key from an encoded point on crv (P-256/384/521). The point is
 * checked to be on the curve, with coordinates below p
 * (COSE_KEY_NOT_ON_CURVE); see crypto_ecdsa.c.
 */
mdlg_err mdlg__ecv_from_point(enum mdlg_curve crv, const uint8_t *pt, size_t len,
                              struct mdlg__ecv **out);

/*
 * ECDSA verification of raw r||s (each `half` bytes, big-endian) over a
 * digest: OpenSSL's result, 1 valid, 0 did not verify, -1 error (with
 * OpenSSL's error queue for the caller to read and clear).
 */
int mdlg__ecv_verify(const struct mdlg__ecv *v, const uint8_t *dgst, size_t dlen,
                     const uint8_t *rs, size_t half);

/*
 * The same over a DER ECDSA-Sig-Value (as X.509 carries it): OpenSSL's
 * ECDSA_verify, which also rejects a non-canonical encoding.
 */
int mdlg__ecv_verify_der(const struct mdlg__ecv *v, const uint8_t *dgst, size_t dlen,
                         const uint8_t *der, size_t derlen);

/* Releases v (kept as a blank shell for the next import on this thread when there is room). */
void mdlg__ecv_free(struct mdlg__ecv *v);

/* One supported curve. */
struct mdlg__curve {
    enum mdlg_curve crv;
    int nid;                 /* NID_X9_62_prime256v1, NID_ED25519, ... */
    const char *ossl_name;   /* group name (EC) or key type (OKP) for OpenSSL */
    size_t size;             /* field / encoding size in bytes */
    int alg;                 /* natural COSE signature alg, 0 for X25519 */
};

/* Table entry for crv, NULL if unsupported. */
const struct mdlg__curve *mdlg__curve_get(enum mdlg_curve crv);

/* True if k holds a private part (asks the provider; not for hot paths). */
bool mdlg__pkey_has_private(const EVP_PKEY *k);

/*
 * Runs the one-time setup (sodium_init, EVP_MD/EVP_MAC/EVP_KDF fetches)
 * exactly once across threads. False if a fetch failed.
 */
bool mdlg__crypto_ready(void);

/* The prefetched digest for h (mdlg__crypto_ready() must be true), NULL if unknown. */
const EVP_MD *mdlg__md(enum mdlg_hash_alg h);

/* Prefetched HMAC and HKDF implementations. */
EVP_MAC *mdlg__hmac(void);
EVP_KDF *mdlg__hkdf(void);

/* Drops whatever OpenSSL queued on this thread's error stack and returns e. */
mdlg_err mdlg__ossl_fail(mdlg_err e);

#endif
