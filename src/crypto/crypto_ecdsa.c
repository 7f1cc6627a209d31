/*
 * crypto_ecdsa.c - ECDSA verification keys through OpenSSL's EC_KEY API.
 *
 * The only file of mdlgate that uses an API OpenSSL 3.0 deprecated (EC_KEY,
 * EC_KEY_oct2key, ECDSA_do_verify; all still supported in every 3.x). Why:
 * every presentation brings a new device key, and the EVP route for a new key
 * (copy the curve parameters of a template, set the point, then
 * EVP_PKEY_CTX_new_from_pkey + EVP_PKEY_verify_init, which fetch the key
 * management and the signature implementation by name in 3.0) cost 905k
 * instructions and 79.5 us per import + P-256 verify, against 851k and
 * 70.4 us here, when one bare EVP_PKEY_verify on a ready context costs 832k
 * and 68.5 us (callgrind, and CPU time on the idle 2-core development
 * machine, OpenSSL 3.0.22). For keys that are reused (a cached DS key) it
 * also skips the DER round trip of the signature (i2d/d2i/i2d inside
 * ECDSA_verify) and the context copy, about 10k instructions per call.
 *
 * The semantics are those of the EVP route, which ends in the same code:
 * EC_KEY_oct2key is what the EC key management calls to set an encoded
 * point (x or y >= p and points off the curve are rejected there);
 * ECDSA_do_verify is what ECDSA_verify calls after decoding the DER, so r or
 * s equal to 0 or >= n return 0, high-S is accepted, the digest is truncated
 * to the order's bit length, and u1*G + u2*Q at infinity is an error
 * (EC_R_POINT_AT_INFINITY, mapped by the caller). The Wycheproof P1363
 * files for P-256/384/521 in test_crypto pin all of it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/crypto_local.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/err.h>

/* One group per EC curve, built once and only read afterwards (EC_KEY_set_group copies it). */
static pthread_once_t g_groups_once = PTHREAD_ONCE_INIT;
static EC_GROUP *g_groups[3];   /* P-256, P-384, P-521 */

/*
 * Blank keys, per thread: up to SHELLS EC_KEYs per curve whose group is
 * already set, taken by the next import instead of EC_KEY_new +
 * EC_KEY_set_group (a deep copy of the group) + EC_KEY_free, which cost
 * ~2.3 us per device key (71.9 -> 69.5 us for import + P-256 verify). A
 * shell keeps nothing that is read again: the group is the curve's, and
 * EC_KEY_oct2key overwrites the point before any use (a shell whose decoding
 * failed is freed, not kept). Freed at thread exit.
 */
#define SHELLS 2
struct shells {
    EC_KEY *k[3][SHELLS];
    int n[3];
};
static pthread_key_t g_shells_key;
static bool g_shells_key_ok;

static void shells_free(void *p)
{
    struct shells *t = p;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < t->n[c]; i++)
            EC_KEY_free(t->k[c][i]);
    free(t);
}

static void groups_init(void)
{
    for (int i = 0; i < 3; i++)
        g_groups[i] = EC_GROUP_new_by_curve_name(mdlg__curve_get(MDLG_CRV_P256 + i)->nid);
    g_shells_key_ok = pthread_key_create(&g_shells_key, shells_free) == 0;
    ERR_clear_error();
}

/* The calling thread's shells (made on first use), NULL if they cannot be. */
static struct shells *thread_shells(void)
{
    struct shells *t = g_shells_key_ok ? pthread_getspecific(g_shells_key) : NULL;
    if (t == NULL && g_shells_key_ok && (t = calloc(1, sizeof *t)) != NULL &&
        pthread_setspecific(g_shells_key, t) != 0) {
        free(t);
        t = NULL;
    }
    return t;
}

/* A key with the group of curve index c set: a kept shell, or a new one. */
static EC_KEY *shell_take(int c)
{
    struct shells *t = thread_shells();
    if (t != NULL && t->n[c] > 0)
        return t->k[c][--t->n[c]];
    EC_KEY *k = EC_KEY_new();
    if (k != NULL && EC_KEY_set_group(k, g_groups[c]) != 1) {
        EC_KEY_free(k);
        k = NULL;
    }
    return k;
}

/* Keeps k as a shell of its curve if there is room, else frees it. */
static void shell_give(EC_KEY *k)
{
    int nid = EC_GROUP_get_curve_name(EC_KEY_get0_group(k));
    struct shells *t = thread_shells();
    for (int c = 0; t != NULL && c < 3; c++) {
        if (mdlg__curve_get(MDLG_CRV_P256 + c)->nid == nid && t->n[c] < SHELLS) {
            t->k[c][t->n[c]++] = k;
            return;
        }
    }
    EC_KEY_free(k);
}

static const EC_GROUP *group_of(enum mdlg_curve crv)
{
    if (crv < MDLG_CRV_P256 || crv > MDLG_CRV_P521)
        return NULL;
    pthread_once(&g_groups_once, groups_init);
    return g_groups[crv - MDLG_CRV_P256];
}

/* see crypto/crypto_local.h */
mdlg_err mdlg__ecv_from_point(enum mdlg_curve crv, const uint8_t *pt, size_t len,
                              struct mdlg__ecv **out)
{
    const EC_GROUP *g = group_of(crv);
    EC_KEY *k = g != NULL ? shell_take(crv - MDLG_CRV_P256) : NULL;
    if (k == NULL)
        return mdlg__ossl_fail(g == NULL ? MDLG_E_COSE_KEY_UNSUPPORTED : MDLG_E_NO_MEMORY);
    if (EC_KEY_oct2key(k, pt, len, NULL) != 1) {   /* the point may be half written: not kept */
        EC_KEY_free(k);
        return mdlg__ossl_fail(MDLG_E_COSE_KEY_NOT_ON_CURVE);
    }
    *out = (struct mdlg__ecv *)k;
    return MDLG_E_OK;
}

/* see crypto/crypto_local.h */
int mdlg__ecv_verify(const struct mdlg__ecv *v, const uint8_t *dgst, size_t dlen,
                     const uint8_t *rs, size_t half)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, (int)half, NULL), *s = BN_bin2bn(rs + half, (int)half, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        return -1;
    }
    /* Only read: the group, the point and the method (as the EVP route does on a shared key). */
    int rc = ECDSA_do_verify(dgst, (int)dlen, sig, (EC_KEY *)v);
    ECDSA_SIG_free(sig);
    return rc;
}

/* see crypto/crypto_local.h */
int mdlg__ecv_verify_der(const struct mdlg__ecv *v, const uint8_t *dgst, size_t dlen,
                         const uint8_t *der, size_t derlen)
{
    if (derlen > INT_MAX)
        return -1;
    /* What the ECDSA provider calls for X.509: decodes, insists on canonical DER, verifies. */
    return ECDSA_verify(0, dgst, (int)dlen, der, (int)derlen, (EC_KEY *)v);
}

/* see crypto/crypto_local.h */
void mdlg__ecv_free(struct mdlg__ecv *v)
{
    if (v != NULL)
        shell_give((EC_KEY *)v);
}
