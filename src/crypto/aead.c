/*
 * aead.c - AES-128-GCM / AES-256-GCM one-shot seal and open.
 * see crypto/aead_local.h
 */
#include "crypto/aead_local.h"
#include "crypto/crypto_local.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *g_gcm128;
static EVP_CIPHER *g_gcm256;

static void gcm_init_once(void)
{
    g_gcm128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    g_gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    ERR_clear_error();
}

static const EVP_CIPHER *gcm_cipher(enum mdlg__gcm alg)
{
    if (!mdlg__crypto_ready())
        return NULL;
    pthread_once(&g_once, gcm_init_once);
    return alg == MDLG__AES128_GCM ? g_gcm128 : alg == MDLG__AES256_GCM ? g_gcm256 : NULL;
}

/* Key, IV and AAD into a fresh context for direction enc (1 seal, 0 open). */
static EVP_CIPHER_CTX *gcm_start(enum mdlg__gcm alg, int enc, const uint8_t *key,
                                 const uint8_t *iv, const uint8_t *aad, size_t aadlen)
{
    const EVP_CIPHER *c = gcm_cipher(alg);
    EVP_CIPHER_CTX *ctx = c ? EVP_CIPHER_CTX_new() : NULL;
    int n = 0;
    if (ctx == NULL || EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) != 1 ||
        (aadlen > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* see crypto/aead_local.h */
mdlg_err mdlg__gcm_seal(enum mdlg__gcm alg, const uint8_t *key, const uint8_t iv[MDLG__GCM_IV_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t len,
                        uint8_t *ct, uint8_t tag[MDLG__GCM_TAG_LEN])
{
    if (key == NULL || iv == NULL || tag == NULL || (aad == NULL && aadlen) ||
        ((pt == NULL || ct == NULL) && len) || len > INT_MAX || aadlen > INT_MAX)
        return MDLG_E_USAGE;
    EVP_CIPHER_CTX *ctx = gcm_start(alg, 1, key, iv, aad, aadlen);
    int n = 0, fin = 0;
    uint8_t last[MDLG__GCM_TAG_LEN];   /* GCM's Final writes no bytes */
    int ok = ctx != NULL && (len == 0 || EVP_CipherUpdate(ctx, ct, &n, pt, (int)len) == 1) &&
             EVP_CipherFinal_ex(ctx, last, &fin) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, MDLG__GCM_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* see crypto/aead_local.h */
mdlg_err mdlg__gcm_open(enum mdlg__gcm alg, const uint8_t *key, const uint8_t iv[MDLG__GCM_IV_LEN],
                        const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
                        const uint8_t tag[MDLG__GCM_TAG_LEN], uint8_t *pt)
{
    if (key == NULL || iv == NULL || tag == NULL || (aad == NULL && aadlen) ||
        ((pt == NULL || ct == NULL) && len) || len > INT_MAX || aadlen > INT_MAX)
        return MDLG_E_USAGE;
    EVP_CIPHER_CTX *ctx = gcm_start(alg, 0, key, iv, aad, aadlen);
    int n = 0, fin = 0;
    uint8_t last[MDLG__GCM_TAG_LEN];   /* GCM's Final writes no bytes */
    if (ctx == NULL || (len > 0 && EVP_CipherUpdate(ctx, pt, &n, ct, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MDLG__GCM_TAG_LEN, (void *)tag) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        if (len > 0 && pt != NULL)
            OPENSSL_cleanse(pt, len);
        return mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
    }
    /* The only way Final fails after a successful Update is a tag mismatch. */
    int ok = EVP_CipherFinal_ex(ctx, last, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (ok)
        return MDLG_E_OK;
    if (len > 0)
        OPENSSL_cleanse(pt, len);
    return mdlg__ossl_fail(MDLG_E_DECRYPT_FAILED);
}
