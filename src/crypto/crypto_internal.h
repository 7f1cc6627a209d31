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

/* The EVP_PKEY inside a handle (borrowed). */
EVP_PKEY *mdlg__pkey_evp(const mdlg_pkey *k);

#endif
