/*
 * crypto_internal.h - shared between src/crypto and src/trust only (the two
 * modules allowed to include OpenSSL). Not part of the public API.
 */
#ifndef MDLG_CRYPTO_INTERNAL_H
#define MDLG_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "mdlg/crypto.h"

/* Wraps an EVP_PKEY; takes ownership of k. NULL on allocation failure (k is freed). */
mdlg_pkey *mdlg__pkey_wrap(EVP_PKEY *k);

/* The EVP_PKEY inside a handle (borrowed; built on first use for keys from coordinates). */
EVP_PKEY *mdlg__pkey_evp(const mdlg_pkey *k);

/*
 * ECDSA verification of a DER signature (an X.509 signatureValue) over msg
 * hashed with h, with the EC key k, exactly as OpenSSL's ECDSA signature
 * provider does it for X509_verify (ECDSA_verify: canonical DER only),
 * without its per-call context set-up. 1 valid, 0 not, -1 error or k not an
 * EC key; OpenSSL's error queue is left empty.
 */
int mdlg__ecdsa_verify_der(const mdlg_pkey *k, enum mdlg_hash_alg h, const uint8_t *msg,
                           size_t len, const uint8_t *der, size_t derlen);

#endif
