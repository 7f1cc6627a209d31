/*
 * aead_local.h - AES-GCM for HPKE and JWE, private to src/crypto.
 *
 * One-shot seal/open with a 96-bit IV and a 128-bit tag. The ciphers are
 * fetched once (EVP_CIPHER_fetch is a locked lookup in OpenSSL 3).
 */
#ifndef MDLG_AEAD_LOCAL_H
#define MDLG_AEAD_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

#define MDLG__GCM_IV_LEN 12
#define MDLG__GCM_TAG_LEN 16

enum mdlg__gcm {
    MDLG__AES128_GCM = 16,   /* the value is the key length in bytes */
    MDLG__AES256_GCM = 32,
};

/*
 * Encrypts len bytes of pt into ct (ct may equal pt) and writes the tag.
 * key has (size_t)alg bytes. USAGE for a length above INT_MAX.
 */
mdlg_err mdlg__gcm_seal(enum mdlg__gcm alg, const uint8_t *key, const uint8_t iv[MDLG__GCM_IV_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t len,
                        uint8_t *ct, uint8_t tag[MDLG__GCM_TAG_LEN]) MDLG_WARN_UNUSED;

/*
 * Decrypts len bytes of ct into pt (pt may equal ct). DECRYPT_FAILED if the
 * tag does not verify; pt is then zeroed, never left holding unauthenticated
 * plaintext.
 */
mdlg_err mdlg__gcm_open(enum mdlg__gcm alg, const uint8_t *key, const uint8_t iv[MDLG__GCM_IV_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
                        const uint8_t tag[MDLG__GCM_TAG_LEN], uint8_t *pt) MDLG_WARN_UNUSED;

#endif
