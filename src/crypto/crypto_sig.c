/*
 * crypto_sig.c - COSE signatures: ES256/384/512 (raw r||s) and EdDSA.
 *
 * COSE carries ECDSA signatures as fixed-size r||s. Verification hands r and
 * s to ECDSA_do_verify on the key's EC_KEY form (crypto_ecdsa.c explains why
 * that API) and lets OpenSSL do all range checks, so r or s equal to 0 or
 * >= n is "did not verify". Signing converts OpenSSL's DER to r||s.
 * Wycheproof's P1363 files pin the encoding.
 */
#include "crypto/crypto_local.h"

#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>

#define DER_SIG_MAX (3 + 2 * (3 + 66))   /* SEQUENCE of two INTEGERs on P-521 */

struct sig_alg {
    int alg;
    enum mdlg_curve crv;
    enum mdlg_hash_alg hash;   /* 0 for EdDSA (pure, no pre-hash) */
};

static const struct sig_alg g_sig_algs[] = {
    { MDLG_ALG_ES256, MDLG_CRV_P256, MDLG_SHA256 },
    { MDLG_ALG_ES384, MDLG_CRV_P384, MDLG_SHA384 },
    { MDLG_ALG_ES512, MDLG_CRV_P521, MDLG_SHA512 },
    { MDLG_ALG_EDDSA, MDLG_CRV_ED25519, 0 },
};

static const struct sig_alg *sig_alg_get(int alg)
{
    for (size_t i = 0; i < sizeof g_sig_algs / sizeof g_sig_algs[0]; i++)
        if (g_sig_algs[i].alg == alg)
            return &g_sig_algs[i];
    return NULL;
}

/* Signature size in bytes: 2 * field size for ECDSA, 64 for Ed25519. */
static size_t sig_size(const struct sig_alg *a)
{
    return a->hash ? 2 * mdlg_curve_size(a->crv) : 64;
}

/* A non-NULL pointer for empty messages (some providers dislike NULL). */
static const uint8_t g_no_msg[1];

/* --- DER -> raw r||s --- */

/* Raw r||s (each left-padded to `half` bytes) from OpenSSL's DER signature. */
static bool der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (s == NULL)
        return false;
    bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), out, (int)half) == (int)half &&
              BN_bn2binpad(ECDSA_SIG_get0_s(s), out + half, (int)half) == (int)half;
    ECDSA_SIG_free(s);
    return ok;
}

/* --- verify --- */

/*
 * Maps a failed OpenSSL verify (rc != 1) to our codes and empties the
 * error queue. 0 is "did not verify". A negative value is "could not
 * verify", with one exception: OpenSSL's ECDSA reports u1*G + u2*Q landing on
 * the point at infinity (reachable with crafted r, s: Wycheproof "point at
 * infinity during verify") as an error, but that is simply a wrong signature.
 */
static mdlg_err verify_failure(int rc)
{
    bool at_infinity = false;
    unsigned long e;
    while ((e = ERR_get_error()) != 0)
        at_infinity |= ERR_GET_LIB(e) == ERR_LIB_EC && ERR_GET_REASON(e) == EC_R_POINT_AT_INFINITY;
    return rc == 0 || at_infinity ? MDLG_E_COSE_SIGNATURE_INVALID : MDLG_E_CRYPTO_INTERNAL;
}

/*
 * ECDSA: hash (mdlg_hash, the prefetched EVP_MD), then ECDSA_do_verify
 * on the digest, which truncates it to the order's bit length as ECDSA
 * requires. The key's EC_KEY form is built on its first verification
 * (mdlg__pkey_ecv), or when it was made from coordinates.
 */
static mdlg_err ecdsa_verify(const mdlg_pkey *pub, enum mdlg_hash_alg h, const uint8_t *msg,
                             size_t len, const uint8_t *sig, size_t half)
{
    uint8_t dgst[MDLG_HASH_MAX];
    if (mdlg_hash(h, msg, len, dgst) != MDLG_E_OK)
        return MDLG_E_CRYPTO_INTERNAL;
    const struct mdlg__ecv *v = mdlg__pkey_ecv(pub);
    int rc = v != NULL ? mdlg__ecv_verify(v, dgst, mdlg_hash_len(h), sig, half) : -1;
    return rc == 1 ? MDLG_E_OK : verify_failure(rc);
}

/* see crypto/crypto_internal.h */
int mdlg__ecdsa_verify_der(const mdlg_pkey *k, enum mdlg_hash_alg h, const uint8_t *msg,
                           size_t len, const uint8_t *der, size_t derlen)
{
    uint8_t dgst[MDLG_HASH_MAX];
    const struct mdlg__ecv *v = k != NULL ? mdlg__pkey_ecv(k) : NULL;
    int rc = -1;
    if (msg == NULL && len == 0)
        msg = g_no_msg;
    if (v != NULL && msg != NULL && mdlg_hash(h, msg, len, dgst) == MDLG_E_OK)
        rc = mdlg__ecv_verify_der(v, dgst, mdlg_hash_len(h), der, derlen);
    ERR_clear_error();
    return rc;
}

/* Ed25519 is one-shot over the whole message (EVP_DigestVerify, no digest). */
static mdlg_err eddsa_verify(EVP_PKEY *k, const uint8_t *msg, size_t len, const uint8_t *sig,
                             size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return mdlg__ossl_fail(MDLG_E_NO_MEMORY);
    int rc = -1;
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1)
        rc = EVP_DigestVerify(ctx, sig, siglen, msg, len);
    EVP_MD_CTX_free(ctx);
    return rc == 1 ? MDLG_E_OK : verify_failure(rc);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_sig_verify(const mdlg_pkey *pub, int cose_alg, const uint8_t *msg, size_t len,
                         const uint8_t *sig, size_t siglen)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    const struct sig_alg *a = sig_alg_get(cose_alg);
    if (a == NULL)
        return MDLG_E_COSE_ALG_UNSUPPORTED;
    if (pub == NULL || (msg == NULL && len != 0))
        return MDLG_E_USAGE;
    if (pub->crv != a->crv)
        return MDLG_E_COSE_KEY_ALG_MISMATCH;
    if (sig == NULL || siglen != sig_size(a))
        return MDLG_E_COSE_SIGNATURE_MALFORMED;
    if (msg == NULL)
        msg = g_no_msg;
    if (a->hash == 0)
        return eddsa_verify(mdlg__pkey_evp(pub), msg, len, sig, siglen);
    return ecdsa_verify(pub, a->hash, msg, len, sig, siglen / 2);
}

/* --- sign --- */

/* EVP_DigestSign into out (*outlen in: capacity, out: bytes written). */
static bool digest_sign(EVP_PKEY *k, const EVP_MD *md, const uint8_t *msg, size_t len,
                        uint8_t *out, size_t *outlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, k) == 1 &&
              EVP_DigestSign(ctx, out, outlen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_sig_sign(const mdlg_pkey *priv, int cose_alg, const uint8_t *msg, size_t len,
                       uint8_t *sig, size_t *siglen)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    const struct sig_alg *a = sig_alg_get(cose_alg);
    if (a == NULL)
        return MDLG_E_COSE_ALG_UNSUPPORTED;
    if (priv == NULL || sig == NULL || siglen == NULL || (msg == NULL && len != 0))
        return MDLG_E_USAGE;
    if (priv->crv != a->crv)
        return MDLG_E_COSE_KEY_ALG_MISMATCH;
    size_t want = sig_size(a);
    EVP_PKEY *k = mdlg__pkey_evp(priv);
    if (*siglen < want || !mdlg__pkey_has_private(k))
        return MDLG_E_USAGE;
    if (msg == NULL)
        msg = g_no_msg;
    uint8_t der[DER_SIG_MAX];
    size_t n = a->hash ? sizeof der : want;
    bool ok = a->hash ? digest_sign(k, mdlg__md(a->hash), msg, len, der, &n) &&
                            der_to_raw(der, n, want / 2, sig)
                      : digest_sign(k, NULL, msg, len, sig, &n) && n == want;
    if (!ok)
        return mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
    *siglen = want;
    return MDLG_E_OK;
}
