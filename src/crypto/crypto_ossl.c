/*
 * crypto_ossl.c - one-time setup, digests, HMAC, HKDF, ECDH, randomness.
 * Keys live in crypto_key.c, signatures in crypto_sig.c.
 */
#include "crypto/crypto_local.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <sodium.h>

/* --- one-time setup --- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_ready;
static EVP_MD *g_md[3];   /* SHA-256, SHA-384, SHA-512 */
static EVP_MAC *g_hmac;
static EVP_KDF *g_hkdf;
static pthread_key_t g_md_ctx_key;   /* struct md_ctxs of the calling thread */
static bool g_md_ctx_key_ok;

/* One digest context per algorithm, reused by every mdlg_hash on a thread. */
struct md_ctxs {
    EVP_MD_CTX *c[3];
};

/* Thread exit: frees that thread's contexts. */
static void md_ctxs_free(void *p)
{
    struct md_ctxs *t = p;
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(t->c[i]);
    free(t);
}

/*
 * Fetching an algorithm is a locked name lookup in OpenSSL 3; doing it once
 * here keeps it off every call. The objects live until the process exits.
 * A failing sodium_init means no usable RNG, which we cannot recover from.
 */
static void crypto_init_once(void)
{
    if (sodium_init() < 0)
        abort();
    g_md[0] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    g_md[1] = EVP_MD_fetch(NULL, "SHA2-384", NULL);
    g_md[2] = EVP_MD_fetch(NULL, "SHA2-512", NULL);
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    g_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    g_md_ctx_key_ok = pthread_key_create(&g_md_ctx_key, md_ctxs_free) == 0;
    g_ready = g_md[0] && g_md[1] && g_md[2] && g_hmac && g_hkdf;
    ERR_clear_error();
}

bool mdlg__crypto_ready(void)
{
    pthread_once(&g_once, crypto_init_once);
    return g_ready;
}

const EVP_MD *mdlg__md(enum mdlg_hash_alg h)
{
    if (h < MDLG_SHA256 || h > MDLG_SHA512)
        return NULL;
    return g_md[h - MDLG_SHA256];
}

EVP_MAC *mdlg__hmac(void) { return g_hmac; }
EVP_KDF *mdlg__hkdf(void) { return g_hkdf; }

mdlg_err mdlg__ossl_fail(mdlg_err e)
{
    ERR_clear_error();
    return e;
}

/* --- digests --- */

/* see mdlg/crypto.h */
size_t mdlg_hash_len(enum mdlg_hash_alg h)
{
    switch (h) {
    case MDLG_SHA256: return 32;
    case MDLG_SHA384: return 48;
    case MDLG_SHA512: return 64;
    }
    return 0;
}

/*
 * The calling thread's context for h, made on first use; NULL if that
 * failed. A verification hashes about 20 times; EVP_Digest would allocate
 * and free a context and its provider state each time (and cleanse it),
 * where reinitialising a context of the same digest does neither. The
 * contexts hold no secret between calls (only what was hashed last, which
 * the caller has as the digest anyway).
 */
static EVP_MD_CTX *thread_md_ctx(enum mdlg_hash_alg h)
{
    struct md_ctxs *t = g_md_ctx_key_ok ? pthread_getspecific(g_md_ctx_key) : NULL;
    if (t == NULL && g_md_ctx_key_ok && (t = calloc(1, sizeof *t)) != NULL &&
        pthread_setspecific(g_md_ctx_key, t) != 0) {
        free(t);
        t = NULL;
    }
    if (t != NULL && t->c[h - MDLG_SHA256] == NULL)
        t->c[h - MDLG_SHA256] = EVP_MD_CTX_new();
    return t != NULL ? t->c[h - MDLG_SHA256] : NULL;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_hash(enum mdlg_hash_alg h, const uint8_t *msg, size_t len,
                   uint8_t out[MDLG_HASH_MAX])
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    const EVP_MD *md = mdlg__md(h);
    if (md == NULL || (msg == NULL && len != 0))
        return MDLG_E_USAGE;
    EVP_MD_CTX *ctx = thread_md_ctx(h);
    int ok = ctx != NULL ? EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
                               EVP_DigestUpdate(ctx, msg, len) == 1 &&
                               EVP_DigestFinal_ex(ctx, out, NULL) == 1
                         : EVP_Digest(msg, len, out, NULL, md, NULL) == 1;
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    uint8_t full[MDLG_HASH_MAX];
    mdlg_err err = mdlg_hash(MDLG_SHA256, msg, len, full);
    if (err == MDLG_E_OK)
        memcpy(out, full, 32);
    return err;
}

/* --- HMAC, HKDF --- */

/* A zero-length octet-string parameter still needs a non-NULL pointer. */
static const uint8_t g_empty[1];

static OSSL_PARAM octets(const char *key, const uint8_t *p, size_t n)
{
    return OSSL_PARAM_construct_octet_string(key, (void *)(n ? p : g_empty), n);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t len,
                          uint8_t out[32])
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if ((key == NULL && klen != 0) || (msg == NULL && len != 0))
        return MDLG_E_USAGE;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA2-256", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(g_hmac);
    size_t outlen = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, klen ? key : g_empty, klen, params) == 1 &&
             EVP_MAC_update(ctx, len ? msg : g_empty, len) == 1 &&
             EVP_MAC_final(ctx, out, &outlen, 32) == 1 && outlen == 32;
    EVP_MAC_CTX_free(ctx);
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* see mdlg/crypto.h */
bool mdlg_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (!mdlg__crypto_ready())
        return false;
    return sodium_memcmp(a, b, n) == 0;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_hkdf_sha256(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt, size_t saltlen,
                          const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (outlen == 0 || outlen > 255 * 32 || out == NULL || (ikm == NULL && ikmlen != 0) ||
        (salt == NULL && saltlen != 0) || (info == NULL && infolen != 0))
        return MDLG_E_USAGE;
    /* An absent salt means HashLen zero bytes (RFC 5869 2.2), the same HMAC key as "". */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA2-256", 0),
        octets(OSSL_KDF_PARAM_KEY, ikm, ikmlen),
        octets(OSSL_KDF_PARAM_SALT, salt, saltlen),
        octets(OSSL_KDF_PARAM_INFO, info, infolen),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(g_hkdf);
    int ok = ctx != NULL && EVP_KDF_derive(ctx, out, outlen, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* see mdlg/crypto.h */
void mdlg_random(uint8_t *buf, size_t n)
{
    (void)mdlg__crypto_ready();   /* sodium_init; aborts if the RNG is unusable */
    randombytes_buf(buf, n);
}

/* --- ECDH --- */

/*
 * The peer is not re-validated here (EVP_PKEY_derive_set_peer_ex(..., 0)):
 * every way a key enters this module (mdlg_pkey_from_ec_xy, PEM and X.509
 * decoding) already rejects points off the curve, and P-256/384/521 have
 * cofactor 1, so OpenSSL's extra full check (n * Q == O) would only cost a
 * scalar multiplication per call.
 */
static mdlg_err ecdh_derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    size_t n = 66;
    mdlg_err err = MDLG_E_CRYPTO_INTERNAL;
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1)
        goto done;
    if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1) {
        err = MDLG_E_COSE_KEY_MALFORMED;
        goto done;
    }
    /* X25519 fails here on a small-order peer (all-zero secret). */
    if (EVP_PKEY_derive(ctx, out, &n) != 1) {
        err = EVP_PKEY_is_a(peer, "X25519") ? MDLG_E_COSE_KEY_MALFORMED : MDLG_E_CRYPTO_INTERNAL;
        goto done;
    }
    *outlen = n;
    err = MDLG_E_OK;
done:
    EVP_PKEY_CTX_free(ctx);
    return err == MDLG_E_OK ? err : mdlg__ossl_fail(err);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_ecdh(const mdlg_pkey *priv, const mdlg_pkey *peer, uint8_t *out, size_t *outlen)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (priv == NULL || peer == NULL || out == NULL || outlen == NULL)
        return MDLG_E_USAGE;
    if (priv->crv == MDLG_CRV_NONE || priv->crv == MDLG_CRV_ED25519)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if (peer->crv != priv->crv)
        return MDLG_E_COSE_KEY_ALG_MISMATCH;
    EVP_PKEY *mine = mdlg__pkey_evp(priv), *theirs = mdlg__pkey_evp(peer);
    if (!mdlg__pkey_has_private(mine))
        return MDLG_E_USAGE;
    if (theirs == NULL)
        return mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
    return ecdh_derive(mine, theirs, out, outlen);
}
