/*
 * crypto_local.h - private to the .c files of src/crypto (not even src/trust):
 * the key handle layout, the curve/algorithm tables and the one-time setup.
 */
#ifndef MDLG_CRYPTO_LOCAL_H
#define MDLG_CRYPTO_LOCAL_H

#include <stdatomic.h>

#include <openssl/evp.h>

#include "crypto/crypto_internal.h"

/*
 * A refcounted EVP_PKEY. `crv` is computed once when the key is wrapped
 * (the EVP_PKEY is never modified afterwards), so the hot verify path does
 * not ask OpenSSL for the group name on every call.
 *
 * `vctx` is a verify-initialised EVP_PKEY_CTX for the key, kept after the
 * key's first ECDSA verification and never used directly again: later
 * verifications work on an EVP_PKEY_CTX_dup of it, which only reads it, so
 * threads sharing the handle (a cached DS key) may copy it at once. It is a
 * pure function of the key (a cache, not state), installed once by
 * compare-and-swap, and freed with the handle.
 */
struct mdlg_pkey {
    atomic_uint refs;
    enum mdlg_curve crv;
    EVP_PKEY *evp;
    _Atomic(EVP_PKEY_CTX *) vctx;
};

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
