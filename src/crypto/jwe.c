/*
 * jwe.c - the crypto core of JWE ECDH-ES (RFC 7518 4.6): ECDH, the Concat
 * KDF and AES-GCM over fields the compact layer (src/json/jwe_json.c) has
 * already parsed.
 * see mdlg/jwe.h
 */
#include "mdlg/jwe.h"

#include "crypto/aead_local.h"
#include "crypto/crypto_local.h"

#include <string.h>

#include <openssl/crypto.h>

#define ECDH_MAX 66   /* P-521 shared secret */

static const struct {
    const char *name;
    enum mdlg_curve crv;
} g_crv_names[] = {
    { "P-256", MDLG_CRV_P256 },
    { "P-384", MDLG_CRV_P384 },
    { "P-521", MDLG_CRV_P521 },
};

static bool bytes_ok(struct mdlg_bytes b)
{
    return b.ptr != NULL || b.len == 0;
}

/* see mdlg/jwe.h */
enum mdlg_jwe_enc mdlg_jwe_enc_from_name(struct mdlg_bytes name)
{
    if (mdlg_bytes_eq_str(name, "A128GCM"))
        return MDLG_JWE_A128GCM;
    if (mdlg_bytes_eq_str(name, "A256GCM"))
        return MDLG_JWE_A256GCM;
    return MDLG_JWE_ENC_UNKNOWN;
}

/* see mdlg/jwe.h */
const char *mdlg_jwe_enc_name(enum mdlg_jwe_enc enc)
{
    switch (enc) {
    case MDLG_JWE_A128GCM: return "A128GCM";
    case MDLG_JWE_A256GCM: return "A256GCM";
    case MDLG_JWE_ENC_UNKNOWN: break;
    }
    return NULL;
}

/* see mdlg/jwe.h */
enum mdlg_curve mdlg_jwe_crv_from_name(struct mdlg_bytes name)
{
    for (size_t i = 0; i < sizeof g_crv_names / sizeof g_crv_names[0]; i++)
        if (mdlg_bytes_eq_str(name, g_crv_names[i].name))
            return g_crv_names[i].crv;
    return MDLG_CRV_NONE;
}

/* see mdlg/jwe.h */
const char *mdlg_jwe_crv_name(enum mdlg_curve crv)
{
    for (size_t i = 0; i < sizeof g_crv_names / sizeof g_crv_names[0]; i++)
        if (g_crv_names[i].crv == crv)
            return g_crv_names[i].name;
    return NULL;
}

/* --- Concat KDF --- */

static void be32(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

/* Hashes a 32-bit length prefix then the bytes (one OtherInfo field). */
static bool update_field(EVP_MD_CTX *md, struct mdlg_bytes b)
{
    uint8_t len[4];
    be32(len, (uint32_t)b.len);
    return EVP_DigestUpdate(md, len, 4) == 1 && (b.len == 0 || EVP_DigestUpdate(md, b.ptr, b.len) == 1);
}

/* K(round) = SHA-256(round || Z || OtherInfo). */
static bool kdf_round(EVP_MD_CTX *md, uint32_t round, struct mdlg_bytes z, struct mdlg_bytes alg,
                      struct mdlg_bytes apu, struct mdlg_bytes apv, size_t keylen,
                      uint8_t out[32])
{
    uint8_t counter[4], supp_pub[4];
    be32(counter, round);
    be32(supp_pub, (uint32_t)(keylen * 8));
    return EVP_DigestInit_ex(md, mdlg__md(MDLG_SHA256), NULL) == 1 &&
           EVP_DigestUpdate(md, counter, 4) == 1 && EVP_DigestUpdate(md, z.ptr, z.len) == 1 &&
           update_field(md, alg) && update_field(md, apu) && update_field(md, apv) &&
           EVP_DigestUpdate(md, supp_pub, 4) == 1 && EVP_DigestFinal_ex(md, out, NULL) == 1;
}

/* see mdlg/jwe.h */
mdlg_err mdlg_jwe_concat_kdf(struct mdlg_bytes z, struct mdlg_bytes algorithm_id,
                             struct mdlg_bytes apu, struct mdlg_bytes apv, uint8_t *out,
                             size_t keylen)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (out == NULL || keylen == 0 || keylen > 64 || z.ptr == NULL || z.len == 0 ||
        !bytes_ok(algorithm_id) || !bytes_ok(apu) || !bytes_ok(apv) ||
        algorithm_id.len > UINT32_MAX || apu.len > UINT32_MAX || apv.len > UINT32_MAX)
        return MDLG_E_USAGE;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md != NULL;
    uint8_t k[32];
    for (uint32_t round = 1; ok && (size_t)(round - 1) * 32 < keylen; round++) {
        size_t at = (size_t)(round - 1) * 32, n = keylen - at < 32 ? keylen - at : 32;
        ok = kdf_round(md, round, z, algorithm_id, apu, apv, keylen, k);
        if (ok)
            memcpy(out + at, k, n);
    }
    OPENSSL_cleanse(k, sizeof k);
    EVP_MD_CTX_free(md);
    if (!ok)
        OPENSSL_cleanse(out, keylen);
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* --- ECDH-ES --- */

/* alg, enc, encrypted_key, iv and tag: what the algorithms allow. */
static mdlg_err check_algs(const struct mdlg_jwe_parts *p, enum mdlg_jwe_enc *enc)
{
    if (p->alg.ptr == NULL || p->enc.ptr == NULL)
        return MDLG_E_DECRYPT_HEADER_INVALID;
    if (!mdlg_bytes_eq_str(p->alg, "ECDH-ES"))
        return MDLG_E_DECRYPT_UNSUPPORTED;
    *enc = mdlg_jwe_enc_from_name(p->enc);
    if (*enc == MDLG_JWE_ENC_UNKNOWN)
        return MDLG_E_DECRYPT_UNSUPPORTED;
    if (p->encrypted_key.len != 0)   /* direct key agreement: nothing is wrapped */
        return MDLG_E_DECRYPT_MALFORMED;
    if (p->iv.len != MDLG_JWE_IV_LEN || p->tag.len != MDLG_JWE_TAG_LEN)
        return MDLG_E_DECRYPT_MALFORMED;
    return MDLG_E_OK;
}

/* The epk as a key on the recipient's curve. */
static mdlg_err epk_key(const struct mdlg_jwe_parts *p, enum mdlg_curve want, mdlg_pkey **out)
{
    if (p->kty.ptr == NULL || p->crv.ptr == NULL)
        return MDLG_E_DECRYPT_HEADER_INVALID;
    if (!mdlg_bytes_eq_str(p->kty, "EC"))
        return MDLG_E_DECRYPT_UNSUPPORTED;
    enum mdlg_curve crv = mdlg_jwe_crv_from_name(p->crv);
    if (crv == MDLG_CRV_NONE)
        return MDLG_E_DECRYPT_UNSUPPORTED;
    if (p->epk_x.ptr == NULL || p->epk_y.ptr == NULL)
        return MDLG_E_DECRYPT_HEADER_INVALID;
    if (crv != want)
        return MDLG_E_DECRYPT_KEY_INVALID;
    mdlg_err err = mdlg_pkey_from_ec_xy(crv, p->epk_x.ptr, p->epk_x.len, p->epk_y.ptr,
                                        p->epk_y.len, out);
    if (err == MDLG_E_COSE_KEY_NOT_ON_CURVE || err == MDLG_E_COSE_KEY_MALFORMED)
        return MDLG_E_DECRYPT_KEY_INVALID;
    return err;
}

/* CEK = ConcatKDF(ECDH(priv, pub), AlgorithmID = enc, apu, apv). */
static mdlg_err derive_cek(const mdlg_pkey *priv, const mdlg_pkey *pub,
                           const struct mdlg_jwe_parts *p, enum mdlg_jwe_enc enc, uint8_t cek[32])
{
    uint8_t z[ECDH_MAX];
    size_t zlen = 0;
    mdlg_err err = mdlg_ecdh(priv, pub, z, &zlen);
    if (err == MDLG_E_OK)
        err = mdlg_jwe_concat_kdf(mdlg_bytes_make(z, zlen), p->enc, p->apu, p->apv, cek,
                                  (size_t)enc);
    OPENSSL_cleanse(z, sizeof z);
    return err;
}

static bool parts_ok(const struct mdlg_jwe_parts *p)
{
    return bytes_ok(p->epk_x) && bytes_ok(p->epk_y) && bytes_ok(p->apu) && bytes_ok(p->apv) &&
           bytes_ok(p->aad) && bytes_ok(p->iv) && bytes_ok(p->ciphertext) && bytes_ok(p->tag);
}

/* see mdlg/jwe.h */
mdlg_err mdlg_jwe_ecdh_es_decrypt(const mdlg_pkey *recipient, const struct mdlg_jwe_parts *p,
                                  uint8_t *pt)
{
    if (recipient == NULL || p == NULL || !parts_ok(p) || (pt == NULL && p->ciphertext.len))
        return MDLG_E_USAGE;
    enum mdlg_curve want = mdlg_pkey_curve(recipient);
    if (mdlg_jwe_crv_name(want) == NULL)
        return MDLG_E_USAGE;
    enum mdlg_jwe_enc enc = MDLG_JWE_ENC_UNKNOWN;
    mdlg_pkey *epk = NULL;
    mdlg_err err = check_algs(p, &enc);
    if (err == MDLG_E_OK)
        err = epk_key(p, want, &epk);
    uint8_t cek[32];
    if (err == MDLG_E_OK)
        err = derive_cek(recipient, epk, p, enc, cek);
    if (err == MDLG_E_OK)
        err = mdlg__gcm_open((enum mdlg__gcm)enc, cek, p->iv.ptr, p->aad.ptr, p->aad.len,
                             p->ciphertext.ptr, p->ciphertext.len, p->tag.ptr, pt);
    OPENSSL_cleanse(cek, sizeof cek);
    mdlg_pkey_free(epk);
    return err;
}

/* see mdlg/jwe.h */
mdlg_err mdlg_jwe_ecdh_es_encrypt(const mdlg_pkey *eph, const mdlg_pkey *recipient,
                                  const struct mdlg_jwe_parts *p, const uint8_t *pt, size_t len,
                                  uint8_t *ct, uint8_t tag[MDLG_JWE_TAG_LEN])
{
    if (eph == NULL || recipient == NULL || p == NULL || !parts_ok(p) || tag == NULL ||
        ((pt == NULL || ct == NULL) && len) || p->iv.len != MDLG_JWE_IV_LEN ||
        mdlg_jwe_crv_name(mdlg_pkey_curve(recipient)) == NULL)
        return MDLG_E_USAGE;
    enum mdlg_jwe_enc enc = mdlg_jwe_enc_from_name(p->enc);
    if (enc == MDLG_JWE_ENC_UNKNOWN)
        return MDLG_E_DECRYPT_UNSUPPORTED;
    uint8_t cek[32];
    mdlg_err err = derive_cek(eph, recipient, p, enc, cek);
    if (err == MDLG_E_OK)
        err = mdlg__gcm_seal((enum mdlg__gcm)enc, cek, p->iv.ptr, p->aad.ptr, p->aad.len, pt, len,
                             ct, tag);
    OPENSSL_cleanse(cek, sizeof cek);
    return err;
}
