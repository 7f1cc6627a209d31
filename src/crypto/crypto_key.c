/*
 * crypto_key.c - key handles: wrapping, import (COSE coordinates, raw OKP,
 * raw private scalars, PEM), generation and export.
 */
#define _GNU_SOURCE   /* memmem */
#include "crypto/crypto_local.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#define EC_POINT_MAX MDLG__EC_POINT_MAX

static const struct mdlg__curve g_curves[] = {
    { MDLG_CRV_P256, NID_X9_62_prime256v1, SN_X9_62_prime256v1, 32, MDLG_ALG_ES256 },
    { MDLG_CRV_P384, NID_secp384r1, SN_secp384r1, 48, MDLG_ALG_ES384 },
    { MDLG_CRV_P521, NID_secp521r1, SN_secp521r1, 66, MDLG_ALG_ES512 },
    { MDLG_CRV_X25519, NID_X25519, "X25519", 32, 0 },
    { MDLG_CRV_ED25519, NID_ED25519, "ED25519", 32, MDLG_ALG_EDDSA },
};

const struct mdlg__curve *mdlg__curve_get(enum mdlg_curve crv)
{
    for (size_t i = 0; i < sizeof g_curves / sizeof g_curves[0]; i++)
        if (g_curves[i].crv == crv)
            return &g_curves[i];
    return NULL;
}

static bool is_ec(enum mdlg_curve crv)
{
    return crv == MDLG_CRV_P256 || crv == MDLG_CRV_P384 || crv == MDLG_CRV_P521;
}

static bool is_okp(enum mdlg_curve crv)
{
    return crv == MDLG_CRV_X25519 || crv == MDLG_CRV_ED25519;
}

/* see mdlg/crypto.h */
size_t mdlg_curve_size(enum mdlg_curve crv)
{
    const struct mdlg__curve *c = mdlg__curve_get(crv);
    return c ? c->size : 0;
}

/* --- handles --- */

/* Maps an EC group name ("prime256v1", or a NIST alias "P-256") to our curve. */
static enum mdlg_curve ec_curve_of(const EVP_PKEY *k)
{
    char name[80];
    if (EVP_PKEY_get_group_name(k, name, sizeof name, NULL) != 1) {
        ERR_clear_error();   /* explicit parameters: no named group */
        return MDLG_CRV_NONE;
    }
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    for (size_t i = 0; i < sizeof g_curves / sizeof g_curves[0]; i++)
        if (g_curves[i].nid == nid && is_ec(g_curves[i].crv))
            return g_curves[i].crv;
    return MDLG_CRV_NONE;
}

static enum mdlg_curve curve_of(const EVP_PKEY *k)
{
    if (EVP_PKEY_is_a(k, "EC"))
        return ec_curve_of(k);
    if (EVP_PKEY_is_a(k, "ED25519"))
        return MDLG_CRV_ED25519;
    if (EVP_PKEY_is_a(k, "X25519"))
        return MDLG_CRV_X25519;
    return MDLG_CRV_NONE;
}

/* A new handle (one reference) holding either k or v; NULL when out of memory. */
static mdlg_pkey *handle_new(enum mdlg_curve crv, EVP_PKEY *k, struct mdlg__ecv *v)
{
    mdlg_pkey *h = malloc(sizeof *h);
    if (h == NULL)
        return NULL;
    atomic_init(&h->refs, 1);
    h->crv = crv;
    atomic_init(&h->evp, k);
    atomic_init(&h->ecv, v);
    h->ptlen = 0;
    return h;
}

/*
 * Wraps a key built here for a known curve, skipping the group-name query
 * of mdlg__pkey_wrap (~1 us).
 */
static mdlg_err wrap_as(EVP_PKEY *k, enum mdlg_curve crv, mdlg_pkey **out)
{
    mdlg_pkey *h = handle_new(crv, k, NULL);
    if (h == NULL) {
        EVP_PKEY_free(k);
        return MDLG_E_NO_MEMORY;
    }
    *out = h;
    return MDLG_E_OK;
}

/* see crypto/crypto_internal.h */
mdlg_pkey *mdlg__pkey_wrap(EVP_PKEY *k)
{
    mdlg_pkey *h = NULL;
    if (k != NULL)
        (void)wrap_as(k, curve_of(k), &h);
    return h;
}

static mdlg_err ec_import_public(enum mdlg_curve crv, const uint8_t *pt, size_t ptlen,
                                 EVP_PKEY **out);

/* see crypto/crypto_internal.h */
EVP_PKEY *mdlg__pkey_evp(const mdlg_pkey *k)
{
    if (k == NULL)
        return NULL;
    mdlg_pkey *h = (mdlg_pkey *)k;   /* const to callers; evp is a cache of pt */
    EVP_PKEY *e = atomic_load_explicit(&h->evp, memory_order_acquire), *none = NULL;
    if (e != NULL || h->ptlen == 0 || ec_import_public(h->crv, h->pt, h->ptlen, &e) != MDLG_E_OK)
        return e;
    if (!atomic_compare_exchange_strong_explicit(&h->evp, &none, e, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        EVP_PKEY_free(e);
        e = none;   /* another thread installed its copy first */
    }
    return e;
}

/* see crypto/crypto_local.h */
const struct mdlg__ecv *mdlg__pkey_ecv(const mdlg_pkey *k)
{
    mdlg_pkey *h = (mdlg_pkey *)k;   /* const to callers; ecv is a cache of evp */
    struct mdlg__ecv *v = atomic_load_explicit(&h->ecv, memory_order_acquire), *none = NULL;
    uint8_t pt[EC_POINT_MAX];
    size_t n = 0;
    if (v != NULL || !is_ec(h->crv))
        return v;
    EVP_PKEY *e = atomic_load_explicit(&h->evp, memory_order_acquire);
    if (e == NULL ||
        EVP_PKEY_get_octet_string_param(e, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt,
                                        &n) != 1 ||
        mdlg__ecv_from_point(h->crv, pt, n, &v) != MDLG_E_OK) {
        ERR_clear_error();
        return NULL;
    }
    if (!atomic_compare_exchange_strong_explicit(&h->ecv, &none, v, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        mdlg__ecv_free(v);
        v = none;
    }
    return v;
}

/* see mdlg/crypto.h */
mdlg_pkey *mdlg_pkey_ref(mdlg_pkey *k)
{
    if (k != NULL)
        atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
    return k;
}

/* see mdlg/crypto.h */
void mdlg_pkey_free(mdlg_pkey *k)
{
    if (k == NULL || atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
        return;
    mdlg__ecv_free(atomic_load_explicit(&k->ecv, memory_order_acquire));
    EVP_PKEY_free(atomic_load_explicit(&k->evp, memory_order_acquire));
    free(k);
}

/* see mdlg/crypto.h */
enum mdlg_curve mdlg_pkey_curve(const mdlg_pkey *k)
{
    return k ? k->crv : MDLG_CRV_NONE;
}

/* see mdlg/crypto.h */
int mdlg_pkey_default_alg(const mdlg_pkey *k)
{
    const struct mdlg__curve *c = mdlg__curve_get(mdlg_pkey_curve(k));
    return c ? c->alg : 0;
}

/* see crypto/crypto_local.h */
bool mdlg__pkey_has_private(const EVP_PKEY *k)
{
    bool has;
    if (k == NULL)
        return false;
    if (EVP_PKEY_is_a(k, "EC")) {
        BIGNUM *d = NULL;
        has = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
        BN_clear_free(d);
    } else {
        size_t n = 0;
        has = EVP_PKEY_get_raw_private_key(k, NULL, &n) == 1 && n > 0;
    }
    ERR_clear_error();
    return has;
}

/* Wraps a decoded key of unknown type, rejecting curves we do not support. */
static mdlg_err wrap_supported(EVP_PKEY *k, mdlg_pkey **out)
{
    enum mdlg_curve crv = curve_of(k);
    if (crv == MDLG_CRV_NONE) {
        EVP_PKEY_free(k);
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    }
    return wrap_as(k, crv, out);
}

/* --- EC2 public keys from COSE coordinates --- */

/*
 * One parameters-only key per EC curve, built once. Building the group from
 * its name costs ~13 us (EC_GROUP_new_by_curve_name) and EVP_PKEY_fromdata
 * ~25 us in OpenSSL 3.0; copying the parameters of a ready key and setting
 * the point costs ~6 us. The templates are only ever read, which OpenSSL
 * allows from several threads at once.
 */
static pthread_once_t g_templates_once = PTHREAD_ONCE_INIT;
static EVP_PKEY *g_templates[3];   /* P-256, P-384, P-521 */

static void templates_init(void)
{
    for (int i = 0; i < 3; i++) {
        const struct mdlg__curve *c = mdlg__curve_get(MDLG_CRV_P256 + i);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)c->ossl_name, 0),
            OSSL_PARAM_construct_end(),
        };
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
            (void)EVP_PKEY_fromdata(ctx, &g_templates[i], EVP_PKEY_KEY_PARAMETERS, params);
        EVP_PKEY_CTX_free(ctx);
    }
    ERR_clear_error();
}

static const EVP_PKEY *ec_template(enum mdlg_curve crv)
{
    pthread_once(&g_templates_once, templates_init);
    return g_templates[crv - MDLG_CRV_P256];
}

/*
 * Imports an uncompressed point into a copy of the curve template: the EVP
 * form of a key made from coordinates, built on its first use other than
 * ECDSA verification (mdlg__pkey_evp). The point was checked when the key
 * was made (mdlg__ecv_from_point, the same EC_KEY_oct2key that decodes it
 * here), so a failure now is only OpenSSL running out of memory; the code
 * stays COSE_KEY_NOT_ON_CURVE for a point OpenSSL refuses.
 */
static mdlg_err ec_import_public(enum mdlg_curve crv, const uint8_t *pt, size_t ptlen,
                                 EVP_PKEY **out)
{
    const EVP_PKEY *tmpl = ec_template(crv);
    EVP_PKEY *k = EVP_PKEY_new();
    mdlg_err err = MDLG_E_CRYPTO_INTERNAL;
    if (tmpl != NULL && k != NULL && EVP_PKEY_copy_parameters(k, tmpl) == 1)
        err = EVP_PKEY_set1_encoded_public_key(k, pt, ptlen) == 1 ? MDLG_E_OK
                                                                  : MDLG_E_COSE_KEY_NOT_ON_CURVE;
    if (err != MDLG_E_OK) {
        EVP_PKEY_free(k);
        return mdlg__ossl_fail(err);
    }
    *out = k;
    return MDLG_E_OK;
}

/*
 * see mdlg/crypto.h. Only the EC_KEY form is built here (what verifying the
 * device key's signature needs); OpenSSL validates the point while decoding
 * it (EC_POINT_oct2point rejects x or y >= p, and
 * EC_POINT_set_affine_coordinates a point off the curve, since the RT 4242
 * fix of 2016). The curves have cofactor 1 and 04||x||y cannot encode
 * infinity, so that is the complete public key check;
 * EVP_PKEY_public_check_quick would repeat it for ~7 us per key.
 * test_pkey_from_ec_xy pins this behaviour.
 */
mdlg_err mdlg_pkey_from_ec_xy(enum mdlg_curve crv, const uint8_t *x, size_t xlen,
                              const uint8_t *y, size_t ylen, mdlg_pkey **out)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (out == NULL)
        return MDLG_E_USAGE;
    if (!is_ec(crv))
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    const struct mdlg__curve *c = mdlg__curve_get(crv);
    if (x == NULL || y == NULL || xlen != c->size || ylen != c->size)
        return MDLG_E_COSE_KEY_MALFORMED;
    struct mdlg__ecv *v = NULL;
    mdlg_pkey *h = handle_new(crv, NULL, NULL);
    if (h == NULL)
        return MDLG_E_NO_MEMORY;
    h->pt[0] = 0x04;
    memcpy(h->pt + 1, x, c->size);
    memcpy(h->pt + 1 + c->size, y, c->size);
    h->ptlen = 1 + 2 * c->size;
    mdlg_err err = mdlg__ecv_from_point(crv, h->pt, h->ptlen, &v);
    if (err != MDLG_E_OK) {
        free(h);
        return err;
    }
    atomic_init(&h->ecv, v);
    *out = h;
    return MDLG_E_OK;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_from_okp(enum mdlg_curve crv, const uint8_t *x, size_t xlen, mdlg_pkey **out)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (out == NULL)
        return MDLG_E_USAGE;
    if (!is_okp(crv))
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    const struct mdlg__curve *c = mdlg__curve_get(crv);
    if (x == NULL || xlen != c->size)
        return MDLG_E_COSE_KEY_MALFORMED;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key_ex(NULL, c->ossl_name, NULL, x, xlen);
    if (k == NULL)
        return mdlg__ossl_fail(MDLG_E_COSE_KEY_MALFORMED);
    return wrap_as(k, crv, out);
}

/* --- private keys from raw scalars --- */

/* Q = d * G as an uncompressed point; d must already be in [1, n-1]. */
static bool ec_public_from_private(const EC_GROUP *g, const BIGNUM *d, uint8_t *pt,
                                   size_t *ptlen)
{
    EC_POINT *q = EC_POINT_new(g);
    bool ok = q != NULL && EC_POINT_mul(g, q, d, NULL, NULL, NULL) == 1;
    if (ok)
        *ptlen = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pt, EC_POINT_MAX, NULL);
    EC_POINT_free(q);
    return ok && *ptlen > 0;
}

static EVP_PKEY *ec_keypair_fromdata(const struct mdlg__curve *c, const BIGNUM *d,
                                     const uint8_t *pt, size_t ptlen)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    if (bld != NULL && ctx != NULL &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->ossl_name, 0) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, ptlen) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
        (void)EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return k;
}

/*
 * EC key pair from the big-endian scalar d (exactly the field size). The
 * scalar lives in a secure BIGNUM, so OSSL_PARAM_BLD also puts its copy in
 * secure (or at least cleansed-on-free) memory.
 */
static mdlg_err ec_from_private(const struct mdlg__curve *c, const uint8_t *d, EVP_PKEY **out)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(c->nid);
    BIGNUM *bd = BN_secure_new();
    uint8_t pt[EC_POINT_MAX];
    size_t ptlen = 0;
    mdlg_err err = MDLG_E_CRYPTO_INTERNAL;
    if (g == NULL || bd == NULL || BN_bin2bn(d, (int)c->size, bd) == NULL)
        goto done;
    if (BN_is_zero(bd) || BN_cmp(bd, EC_GROUP_get0_order(g)) >= 0) {
        err = MDLG_E_COSE_KEY_MALFORMED;
        goto done;
    }
    if (ec_public_from_private(g, bd, pt, &ptlen) && (*out = ec_keypair_fromdata(c, bd, pt, ptlen)))
        err = MDLG_E_OK;
done:
    BN_clear_free(bd);
    EC_GROUP_free(g);
    return err == MDLG_E_OK ? err : mdlg__ossl_fail(err);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_from_private(enum mdlg_curve crv, const uint8_t *d, size_t dlen,
                                mdlg_pkey **out)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    const struct mdlg__curve *c = mdlg__curve_get(crv);
    if (out == NULL)
        return MDLG_E_USAGE;
    if (c == NULL)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if (d == NULL || dlen != c->size)
        return MDLG_E_COSE_KEY_MALFORMED;
    EVP_PKEY *k = NULL;
    if (is_ec(crv)) {
        mdlg_err err = ec_from_private(c, d, &k);
        if (err != MDLG_E_OK)
            return err;
    } else {
        k = EVP_PKEY_new_raw_private_key_ex(NULL, c->ossl_name, NULL, d, dlen);
        if (k == NULL)
            return mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
    }
    return wrap_as(k, crv, out);
}

/* --- PEM --- */

/* Never prompt for a passphrase: encrypted keys are simply not supported. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static bool has_text(const char *s, size_t len, const char *needle)
{
    return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_from_pem(const char *pem, size_t len, mdlg_pkey **out)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    if (pem == NULL || out == NULL || len > INT_MAX)
        return MDLG_E_USAGE;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return mdlg__ossl_fail(MDLG_E_NO_MEMORY);
    EVP_PKEY *k;
    if (has_text(pem, len, "-----BEGIN PUBLIC KEY-----"))
        k = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    else
        k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();   /* the decoders queue errors for the formats they tried */
    if (k == NULL)
        return MDLG_E_COSE_KEY_MALFORMED;
    return wrap_supported(k, out);
}

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_to_pem(const mdlg_pkey *k, bool private_part, char **pem, size_t *len)
{
    EVP_PKEY *e = mdlg__pkey_evp(k);
    if (k == NULL || pem == NULL || len == NULL || (private_part && !mdlg__pkey_has_private(e)))
        return MDLG_E_USAGE;
    BIO *bio = e != NULL ? BIO_new(BIO_s_mem()) : NULL;
    int ok = bio != NULL &&
             (private_part ? PEM_write_bio_PrivateKey(bio, e, NULL, NULL, 0, NULL, NULL)
                           : PEM_write_bio_PUBKEY(bio, e)) == 1;
    char *data = NULL;
    long n = ok ? BIO_get_mem_data(bio, &data) : 0;
    char *copy = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (copy != NULL) {
        memcpy(copy, data, (size_t)n);
        copy[n] = '\0';
        *pem = copy;
        *len = (size_t)n;
    }
    BIO_free(bio);
    if (copy == NULL)
        return mdlg__ossl_fail(ok ? MDLG_E_NO_MEMORY : MDLG_E_CRYPTO_INTERNAL);
    return MDLG_E_OK;
}

/* --- generation, export --- */

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_generate(enum mdlg_curve crv, mdlg_pkey **out)
{
    if (!mdlg__crypto_ready())
        return MDLG_E_CRYPTO_INTERNAL;
    const struct mdlg__curve *c = mdlg__curve_get(crv);
    if (c == NULL)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if (out == NULL)
        return MDLG_E_USAGE;
    EVP_PKEY *k = is_ec(crv) ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->ossl_name)
                             : EVP_PKEY_Q_keygen(NULL, NULL, c->ossl_name);
    if (k == NULL)
        return mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
    return wrap_as(k, crv, out);
}

/* Writes one coordinate of an EC public key, left-padded to the field size. */
static bool ec_coordinate(const EVP_PKEY *k, const char *which, uint8_t *out, size_t size)
{
    BIGNUM *bn = NULL;
    bool ok = EVP_PKEY_get_bn_param(k, which, &bn) == 1 &&
              BN_bn2binpad(bn, out, (int)size) == (int)size;
    BN_free(bn);
    return ok;
}

/* see mdlg/crypto.h */
mdlg_err mdlg_pkey_get_xy(const mdlg_pkey *k, uint8_t *x, uint8_t *y)
{
    const struct mdlg__curve *c = mdlg__curve_get(mdlg_pkey_curve(k));
    if (c == NULL)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if (x == NULL || (is_ec(c->crv) && y == NULL))
        return MDLG_E_USAGE;
    if (k->ptlen > 0) {   /* made from these coordinates */
        memcpy(x, k->pt + 1, c->size);
        memcpy(y, k->pt + 1 + c->size, c->size);
        return MDLG_E_OK;
    }
    EVP_PKEY *e = mdlg__pkey_evp(k);
    bool ok;
    if (is_ec(c->crv)) {
        ok = ec_coordinate(e, OSSL_PKEY_PARAM_EC_PUB_X, x, c->size) &&
             ec_coordinate(e, OSSL_PKEY_PARAM_EC_PUB_Y, y, c->size);
    } else {
        size_t n = c->size;
        ok = EVP_PKEY_get_raw_public_key(e, x, &n) == 1 && n == c->size;
    }
    return ok ? MDLG_E_OK : mdlg__ossl_fail(MDLG_E_CRYPTO_INTERNAL);
}
