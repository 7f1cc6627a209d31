/*
 * hpke.c - RFC 9180 HPKE, suite DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 /
 * AES-128-GCM, modes base and psk.
 * see mdlg/hpke.h
 */
#include "mdlg/hpke.h"

#include "crypto/aead_local.h"
#include "crypto/crypto_local.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#define NH 32                         /* HKDF-SHA256 output */
#define LABEL_MAX 16                  /* longest label used here: "shared_secret" */
#define V1 "HPKE-v1"
#define V1_LEN 7

static const uint8_t g_suite_kem[] = { 'K', 'E', 'M', 0x00, 0x10 };
static const uint8_t g_suite_hpke[] = { 'H', 'P', 'K', 'E', 0x00, 0x10, 0x00, 0x01, 0x00, 0x01 };

/* The order n of P-256: a DeriveKeyPair candidate must be in [1, n). */
static const uint8_t g_p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const uint8_t g_empty[1];

static bool bytes_ok(struct mdlg_bytes b)
{
    return b.ptr != NULL || b.len == 0;
}

/* --- labeled KDF --- */

/* "HPKE-v1" || suite_id || label || tail, with an optional I2OSP(L, 2) in front. */
struct lbuf {
    uint8_t stack[256];
    uint8_t *p;
    size_t n;
};

static mdlg_err lbuf_build(struct lbuf *b, enum mdlg_hpke_label_suite s, long L, const char *label,
                           struct mdlg_bytes tail)
{
    const uint8_t *sid = s == MDLG_HPKE_LABEL_KEM ? g_suite_kem : g_suite_hpke;
    size_t sl = s == MDLG_HPKE_LABEL_KEM ? sizeof g_suite_kem : sizeof g_suite_hpke;
    size_t ll = strlen(label);
    b->n = (L >= 0 ? 2 : 0) + V1_LEN + sl + ll + tail.len;
    b->p = b->n <= sizeof b->stack ? b->stack : malloc(b->n);
    if (b->p == NULL)
        return MDLG_E_NO_MEMORY;
    uint8_t *w = b->p;
    if (L >= 0) {
        *w++ = (uint8_t)(L >> 8);
        *w++ = (uint8_t)L;
    }
    memcpy(w, V1, V1_LEN);
    memcpy(w + V1_LEN, sid, sl);
    memcpy(w + V1_LEN + sl, label, ll);
    if (tail.len > 0)
        memcpy(w + V1_LEN + sl + ll, tail.ptr, tail.len);
    return MDLG_E_OK;
}

/* The labeled input may hold a DH output or a shared secret: wipe it. */
static void lbuf_free(struct lbuf *b)
{
    OPENSSL_cleanse(b->p, b->n);
    if (b->p != b->stack)
        free(b->p);
}

static OSSL_PARAM octets(const char *key, const uint8_t *p, size_t n)
{
    return OSSL_PARAM_construct_octet_string(key, (void *)(n ? p : g_empty), n);
}

/* One HKDF call in mode (EXTRACT_ONLY or EXPAND_ONLY). */
static mdlg_err hkdf(int mode, const uint8_t *key, size_t klen, const uint8_t *salt, size_t slen,
                     const uint8_t *info, size_t ilen, uint8_t *out, size_t outlen)
{
    OSSL_PARAM params[6];
    size_t i = 0;
    params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA2-256", 0);
    params[i++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[i++] = octets(OSSL_KDF_PARAM_KEY, key, klen);
    if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
        params[i++] = octets(OSSL_KDF_PARAM_SALT, salt, slen);
    else
        params[i++] = octets(OSSL_KDF_PARAM_INFO, info, ilen);
    params[i] = OSSL_PARAM_construct_end();
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(mdlg__hkdf());
    int ok = ctx != NULL && EVP_KDF_derive(ctx, out, outlen, params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_labeled_extract(enum mdlg_hpke_label_suite s, struct mdlg_bytes salt,
                                   const char *label, struct mdlg_bytes ikm,
                                   uint8_t prk[MDLG_HPKE_SECRET_LEN])
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (label == NULL || strlen(label) > LABEL_MAX || prk == NULL || !bytes_ok(salt) ||
        !bytes_ok(ikm) || ikm.len > MDLG_HPKE_MAX_INPUT || salt.len > MDLG_HPKE_MAX_INPUT)
        return MDLG_E_USAGE;
    struct lbuf b;
    mdlg_err err = lbuf_build(&b, s, -1, label, ikm);
    if (err != MDLG_E_OK)
        return err;
    err = hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, b.p, b.n, salt.ptr, salt.len, NULL, 0, prk, NH);
    lbuf_free(&b);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_labeled_expand(enum mdlg_hpke_label_suite s,
                                  const uint8_t prk[MDLG_HPKE_SECRET_LEN], const char *label,
                                  struct mdlg_bytes info, uint8_t *out, size_t L)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (prk == NULL || label == NULL || strlen(label) > LABEL_MAX || out == NULL || L == 0 ||
        L > 255 * NH || !bytes_ok(info) || info.len > MDLG_HPKE_MAX_EXPORT_CONTEXT)
        return MDLG_E_USAGE;
    struct lbuf b;
    mdlg_err err = lbuf_build(&b, s, (long)L, label, info);
    if (err != MDLG_E_OK)
        return err;
    err = hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, NH, NULL, 0, b.p, b.n, out, L);
    lbuf_free(&b);
    return err;
}

/* --- KEM: DHKEM(P-256, HKDF-SHA256) --- */

/* SerializePublicKey: 04 || X || Y. */
static mdlg_err serialize_pk(const mdlg_pkey *k, uint8_t out[MDLG_HPKE_ENC_LEN])
{
    out[0] = 0x04;
    return mdlg_pkey_get_xy(k, out + 1, out + 33);
}

/* DeserializePublicKey: anything but an uncompressed point on P-256 is refused. */
static mdlg_err deserialize_pk(struct mdlg_bytes enc, mdlg_pkey **out)
{
    if (enc.len != MDLG_HPKE_ENC_LEN)
        return MDLG_E_DECRYPT_MALFORMED;
    if (enc.ptr[0] != 0x04)
        return MDLG_E_DECRYPT_KEY_INVALID;
    mdlg_err err = mdlg_pkey_from_ec_xy(MDLG_CRV_P256, enc.ptr + 1, 32, enc.ptr + 33, 32, out);
    if (err == MDLG_E_COSE_KEY_NOT_ON_CURVE || err == MDLG_E_COSE_KEY_MALFORMED)
        return MDLG_E_DECRYPT_KEY_INVALID;
    return err;
}

/* ExtractAndExpand(dh, kem_context = enc || pkRm). */
static mdlg_err extract_and_expand(const uint8_t dh[32], const uint8_t enc[MDLG_HPKE_ENC_LEN],
                                   const uint8_t pkRm[MDLG_HPKE_ENC_LEN],
                                   uint8_t shared_secret[MDLG_HPKE_SECRET_LEN])
{
    uint8_t kem_context[2 * MDLG_HPKE_ENC_LEN], prk[NH];
    memcpy(kem_context, enc, MDLG_HPKE_ENC_LEN);
    memcpy(kem_context + MDLG_HPKE_ENC_LEN, pkRm, MDLG_HPKE_ENC_LEN);
    mdlg_err err = mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_KEM, mdlg_bytes_make(NULL, 0),
                                             "eae_prk", mdlg_bytes_make(dh, 32), prk);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_KEM, prk, "shared_secret",
                                       mdlg_bytes_make(kem_context, sizeof kem_context),
                                       shared_secret, MDLG_HPKE_SECRET_LEN);
    OPENSSL_cleanse(prk, sizeof prk);
    return err;
}

/* DH(sk, pk) then ExtractAndExpand; enc and pkRm as serialized. */
static mdlg_err dh_and_derive(const mdlg_pkey *sk, const mdlg_pkey *pk,
                              const uint8_t enc[MDLG_HPKE_ENC_LEN],
                              const uint8_t pkRm[MDLG_HPKE_ENC_LEN],
                              uint8_t shared_secret[MDLG_HPKE_SECRET_LEN])
{
    uint8_t dh[66];
    size_t n = 0;
    mdlg_err err = mdlg_ecdh(sk, pk, dh, &n);
    if (err == MDLG_E_OK && n != 32)
        err = MDLG_E_CRYPTO_INTERNAL;
    if (err == MDLG_E_OK)
        err = extract_and_expand(dh, enc, pkRm, shared_secret);
    OPENSSL_cleanse(dh, sizeof dh);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_derive_keypair(struct mdlg_bytes ikm, uint8_t sk[MDLG_HPKE_SK_LEN],
                                  mdlg_pkey **out)
{
    if (sk == NULL || out == NULL || !bytes_ok(ikm))
        return MDLG_E_USAGE;
    uint8_t prk[NH];
    mdlg_err err = mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_KEM, mdlg_bytes_make(NULL, 0),
                                             "dkp_prk", ikm, prk);
    bool found = false;
    for (unsigned counter = 0; err == MDLG_E_OK && !found && counter <= 255; counter++) {
        uint8_t c = (uint8_t)counter;
        err = mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_KEM, prk, "candidate",
                                       mdlg_bytes_make(&c, 1), sk, MDLG_HPKE_SK_LEN);
        /* P-256's bitmask is 0xff: the candidate is used as it is. */
        static const uint8_t zero[MDLG_HPKE_SK_LEN];
        found = err == MDLG_E_OK && memcmp(sk, zero, sizeof zero) != 0 &&
                memcmp(sk, g_p256_order, sizeof g_p256_order) < 0;
    }
    OPENSSL_cleanse(prk, sizeof prk);
    if (err == MDLG_E_OK && !found)
        err = MDLG_E_CRYPTO_INTERNAL;   /* DeriveKeyPairError: probability ~2^-8192 */
    if (err == MDLG_E_OK)
        err = mdlg_pkey_from_private(MDLG_CRV_P256, sk, MDLG_HPKE_SK_LEN, out);
    if (err != MDLG_E_OK)
        OPENSSL_cleanse(sk, MDLG_HPKE_SK_LEN);
    return err;
}

static bool is_p256(const mdlg_pkey *k)
{
    return k != NULL && mdlg_pkey_curve(k) == MDLG_CRV_P256;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_encap(const mdlg_pkey *pkR, const mdlg_pkey *skE,
                         uint8_t shared_secret[MDLG_HPKE_SECRET_LEN],
                         uint8_t enc[MDLG_HPKE_ENC_LEN])
{
    if (!is_p256(pkR) || (skE != NULL && !is_p256(skE)) || shared_secret == NULL || enc == NULL)
        return MDLG_E_USAGE;
    mdlg_pkey *fresh = NULL;
    mdlg_err err = skE != NULL ? MDLG_E_OK : mdlg_pkey_generate(MDLG_CRV_P256, &fresh);
    const mdlg_pkey *e = skE != NULL ? skE : fresh;
    uint8_t pkRm[MDLG_HPKE_ENC_LEN];
    if (err == MDLG_E_OK)
        err = serialize_pk(e, enc);
    if (err == MDLG_E_OK)
        err = serialize_pk(pkR, pkRm);
    if (err == MDLG_E_OK)
        err = dh_and_derive(e, pkR, enc, pkRm, shared_secret);
    mdlg_pkey_free(fresh);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_decap(const mdlg_pkey *skR, struct mdlg_bytes enc,
                         uint8_t shared_secret[MDLG_HPKE_SECRET_LEN])
{
    if (!is_p256(skR) || shared_secret == NULL || !bytes_ok(enc))
        return MDLG_E_USAGE;
    mdlg_pkey *pkE = NULL;
    mdlg_err err = deserialize_pk(enc, &pkE);
    uint8_t pkRm[MDLG_HPKE_ENC_LEN];
    if (err == MDLG_E_OK)
        err = serialize_pk(skR, pkRm);
    if (err == MDLG_E_OK)
        err = dh_and_derive(skR, pkE, enc.ptr, pkRm, shared_secret);
    mdlg_pkey_free(pkE);
    return err;
}

/* --- key schedule --- */

/* VerifyPSKInputs: base mode takes no psk, psk mode both psk and psk_id. */
static bool psk_inputs_ok(enum mdlg_hpke_mode mode, const struct mdlg_hpke_psk *psk)
{
    bool got_psk = psk != NULL && psk->psk.len > 0;
    bool got_id = psk != NULL && psk->psk_id.len > 0;
    if (psk != NULL && (!bytes_ok(psk->psk) || !bytes_ok(psk->psk_id)))
        return false;
    if (mode == MDLG_HPKE_MODE_BASE)
        return !got_psk && !got_id;
    return mode == MDLG_HPKE_MODE_PSK && got_psk && got_id;
}

/* key_schedule_context = mode || LabeledExtract("", "psk_id_hash", psk_id) || ... "info_hash". */
static mdlg_err ks_context(enum mdlg_hpke_mode mode, struct mdlg_bytes psk_id,
                           struct mdlg_bytes info, uint8_t ksc[1 + 2 * NH])
{
    const struct mdlg_bytes none = mdlg_bytes_make(NULL, 0);
    ksc[0] = (uint8_t)mode;
    mdlg_err err = mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE, none, "psk_id_hash", psk_id,
                                             ksc + 1);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE, none, "info_hash", info,
                                        ksc + 1 + NH);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_key_schedule(struct mdlg_hpke_ctx *ctx, enum mdlg_hpke_mode mode,
                                const uint8_t shared_secret[MDLG_HPKE_SECRET_LEN],
                                struct mdlg_bytes info, const struct mdlg_hpke_psk *psk)
{
    if (ctx == NULL || shared_secret == NULL || !bytes_ok(info) || !psk_inputs_ok(mode, psk))
        return MDLG_E_USAGE;
    const struct mdlg_bytes none = mdlg_bytes_make(NULL, 0);
    struct mdlg_bytes key = psk ? psk->psk : none, id = psk ? psk->psk_id : none;
    uint8_t ksc[1 + 2 * NH], secret[NH];
    struct mdlg_bytes kscb = mdlg_bytes_make(ksc, sizeof ksc);
    mdlg_err err = ks_context(mode, id, info, ksc);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE,
                                        mdlg_bytes_make(shared_secret, MDLG_HPKE_SECRET_LEN),
                                        "secret", key, secret);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_HPKE, secret, "key", kscb, ctx->key,
                                       MDLG_HPKE_KEY_LEN);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_HPKE, secret, "base_nonce", kscb,
                                       ctx->base_nonce, MDLG_HPKE_NONCE_LEN);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_HPKE, secret, "exp", kscb,
                                       ctx->exporter_secret, MDLG_HPKE_SECRET_LEN);
    OPENSSL_cleanse(secret, sizeof secret);
    ctx->seq = 0;
    if (err != MDLG_E_OK)
        mdlg_hpke_ctx_wipe(ctx);
    return err;
}

static enum mdlg_hpke_mode mode_of(const struct mdlg_hpke_psk *psk)
{
    return psk != NULL ? MDLG_HPKE_MODE_PSK : MDLG_HPKE_MODE_BASE;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_setup_s(struct mdlg_hpke_ctx *ctx, const mdlg_pkey *pkR, const mdlg_pkey *skE,
                           struct mdlg_bytes info, const struct mdlg_hpke_psk *psk,
                           uint8_t enc[MDLG_HPKE_ENC_LEN])
{
    if (ctx == NULL || !bytes_ok(info) || info.len > MDLG_HPKE_MAX_INPUT)
        return MDLG_E_USAGE;
    uint8_t ss[MDLG_HPKE_SECRET_LEN];
    mdlg_err err = mdlg_hpke_encap(pkR, skE, ss, enc);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_key_schedule(ctx, mode_of(psk), ss, info, psk);
    OPENSSL_cleanse(ss, sizeof ss);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_setup_r(struct mdlg_hpke_ctx *ctx, const mdlg_pkey *skR, struct mdlg_bytes enc,
                           struct mdlg_bytes info, const struct mdlg_hpke_psk *psk)
{
    if (ctx == NULL || !bytes_ok(info) || info.len > MDLG_HPKE_MAX_INPUT ||
        !psk_inputs_ok(mode_of(psk), psk))
        return MDLG_E_USAGE;
    uint8_t ss[MDLG_HPKE_SECRET_LEN];
    mdlg_err err = mdlg_hpke_decap(skR, enc, ss);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_key_schedule(ctx, mode_of(psk), ss, info, psk);
    OPENSSL_cleanse(ss, sizeof ss);
    return err;
}

/* --- AEAD with the context --- */

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn). */
static void compute_nonce(const struct mdlg_hpke_ctx *ctx, uint8_t nonce[MDLG_HPKE_NONCE_LEN])
{
    memcpy(nonce, ctx->base_nonce, MDLG_HPKE_NONCE_LEN);
    for (size_t i = 0; i < 8; i++)
        nonce[MDLG_HPKE_NONCE_LEN - 1 - i] ^= (uint8_t)(ctx->seq >> (8 * i));
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_ctx_seal(struct mdlg_hpke_ctx *ctx, struct mdlg_bytes aad, struct mdlg_bytes pt,
                            uint8_t *ct, size_t ctcap, size_t *ctlen)
{
    if (ctx == NULL || ct == NULL || ctlen == NULL || !bytes_ok(aad) || !bytes_ok(pt) ||
        pt.len > SIZE_MAX - MDLG_HPKE_TAG_LEN || ctcap < pt.len + MDLG_HPKE_TAG_LEN)
        return MDLG_E_USAGE;
    if (ctx->seq == UINT64_MAX)
        return MDLG_E_USAGE;   /* MessageLimitReachedError (unreachable in practice) */
    uint8_t nonce[MDLG_HPKE_NONCE_LEN];
    compute_nonce(ctx, nonce);
    mdlg_err err = mdlg__gcm_seal(MDLG__AES128_GCM, ctx->key, nonce, aad.ptr, aad.len, pt.ptr,
                                  pt.len, ct, ct + pt.len);
    if (err != MDLG_E_OK)
        return err;
    *ctlen = pt.len + MDLG_HPKE_TAG_LEN;
    ctx->seq++;
    return MDLG_E_OK;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_ctx_open(struct mdlg_hpke_ctx *ctx, struct mdlg_bytes aad, struct mdlg_bytes ct,
                            uint8_t *pt, size_t ptcap, size_t *ptlen)
{
    if (ctx == NULL || ptlen == NULL || !bytes_ok(aad) || !bytes_ok(ct) ||
        (pt == NULL && ct.len > MDLG_HPKE_TAG_LEN))
        return MDLG_E_USAGE;
    if (ct.len < MDLG_HPKE_TAG_LEN)
        return MDLG_E_DECRYPT_MALFORMED;
    size_t n = ct.len - MDLG_HPKE_TAG_LEN;
    if (ptcap < n || ctx->seq == UINT64_MAX)
        return MDLG_E_USAGE;
    uint8_t nonce[MDLG_HPKE_NONCE_LEN];
    compute_nonce(ctx, nonce);
    mdlg_err err = mdlg__gcm_open(MDLG__AES128_GCM, ctx->key, nonce, aad.ptr, aad.len, ct.ptr, n,
                                  ct.ptr + n, pt);
    if (err != MDLG_E_OK)
        return err;
    *ptlen = n;
    ctx->seq++;
    return MDLG_E_OK;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_export(const struct mdlg_hpke_ctx *ctx, struct mdlg_bytes exporter_context,
                          uint8_t *out, size_t L)
{
    if (ctx == NULL)
        return MDLG_E_USAGE;
    return mdlg_hpke_labeled_expand(MDLG_HPKE_LABEL_HPKE, ctx->exporter_secret, "sec",
                                    exporter_context, out, L);
}

/* see mdlg/hpke.h */
void mdlg_hpke_ctx_wipe(struct mdlg_hpke_ctx *ctx)
{
    if (ctx != NULL)
        OPENSSL_cleanse(ctx, sizeof *ctx);
}

/* --- single shot --- */

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_open(const mdlg_pkey *skR, struct mdlg_bytes enc, struct mdlg_bytes info,
                        struct mdlg_bytes aad, struct mdlg_bytes ct, uint8_t *pt, size_t ptcap,
                        size_t *ptlen)
{
    struct mdlg_hpke_ctx ctx;
    mdlg_err err = mdlg_hpke_setup_r(&ctx, skR, enc, info, NULL);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_ctx_open(&ctx, aad, ct, pt, ptcap, ptlen);
    mdlg_hpke_ctx_wipe(&ctx);
    return err;
}

/* see mdlg/hpke.h */
mdlg_err mdlg_hpke_seal(const mdlg_pkey *pkR, struct mdlg_bytes info, struct mdlg_bytes aad,
                        struct mdlg_bytes pt, uint8_t enc[MDLG_HPKE_ENC_LEN], uint8_t *ct,
                        size_t ctcap, size_t *ctlen)
{
    struct mdlg_hpke_ctx ctx;
    mdlg_err err = mdlg_hpke_setup_s(&ctx, pkR, NULL, info, NULL, enc);
    if (err == MDLG_E_OK)
        err = mdlg_hpke_ctx_seal(&ctx, aad, pt, ct, ctcap, ctlen);
    mdlg_hpke_ctx_wipe(&ctx);
    return err;
}
