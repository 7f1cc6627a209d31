/*
 * fastverify.c - the last step of OpenSSL's path validation (the
 * X509_STORE_CTX `verify` function: each certificate's signature by its
 * issuer and each one's validity at the check time) for the chain every
 * mdoc has, a DS directly under an anchor, without OpenSSL's per-call costs.
 *
 * Why: X509_verify sets up an EVP_PKEY_CTX and an EVP_MD_CTX and fetches
 * their implementations by name on every call, and X509_cmp_time formats the
 * check time as an ASN1_TIME (a heap allocation and a snprintf) for each of
 * the four comparisons; the two cost ~5.7 us + ~3 us over a bare P-256
 * verify (X509_verify_cert 80.7 us, X509_verify 73.7 us, EVP_PKEY_verify
 * 68.0 us on the development machine). Here the signature goes through the
 * anchor's cached EC_KEY form (mdlg__ecdsa_verify_der, which ends in the
 * same ECDSA_verify as OpenSSL's provider) over the exact tbsCertificate
 * bytes received, and the times through ASN1_TIME_cmp_time_t.
 *
 * Same outcome as OpenSSL's own step, in the same order, with the same
 * errors, depths and callback calls: the top certificate (the anchor; with
 * X509_V_FLAG_PARTIAL_CHAIN it is never signature-checked) gets its time
 * check, then the DS gets the issuer's keyUsage check, its signature check
 * and its time check. Anything else (longer chains, self-signature checks,
 * another signature algorithm, parameters on it, a key that is not an EC
 * key, an unexpected encoding) goes to OpenSSL's own function.
 * test_trust compares both on valid, tampered, expired and boundary cases.
 */
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "trust/trust_internal.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_index = -1;

static void index_init(void)
{
    g_index = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Reads a DER tag 0x30 header at p (of n bytes); *hl header size, *cl content size. */
static bool der_seq(const uint8_t *p, size_t n, size_t *hl, size_t *cl)
{
    if (n < 2 || p[0] != 0x30)
        return false;
    size_t k = p[1] < 0x80 ? 0 : p[1] & 0x7f, len = p[1];
    if (k > 3 || n < 2 + k || (k > 0 && p[2] == 0))
        return false;
    if (k > 0)
        len = 0;
    for (size_t i = 0; i < k; i++)
        len = len << 8 | p[2 + i];
    if ((k == 1 && len < 0x80) || len > n - 2 - k)
        return false;
    *hl = 2 + k;
    *cl = len;
    return true;
}

/* The tbsCertificate bytes inside a certificate's DER. */
static bool tbs_span(const uint8_t *der, size_t len, const uint8_t **tbs, size_t *tlen)
{
    size_t hl, cl, thl, tcl;
    if (!der_seq(der, len, &hl, &cl) || hl + cl != len || !der_seq(der + hl, cl, &thl, &tcl))
        return false;
    *tbs = der + hl;
    *tlen = thl + tcl;
    return true;
}

/* The digest of an ecdsa-with-SHA2 signature algorithm without parameters, or 0. */
static enum mdlg_hash_alg ecdsa_hash(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *obj;
    int ptype;
    X509_ALGOR_get0(&obj, &ptype, NULL, alg);
    if (ptype != V_ASN1_UNDEF)
        return 0;
    switch (OBJ_obj2nid(obj)) {
    case NID_ecdsa_with_SHA256: return MDLG_SHA256;
    case NID_ecdsa_with_SHA384: return MDLG_SHA384;
    case NID_ecdsa_with_SHA512: return MDLG_SHA512;
    }
    return 0;
}

/* The DS's signature parts when the fast path applies (else false: OpenSSL's step). */
struct sig_job {
    const uint8_t *tbs, *sig;
    size_t tlen, slen;
    enum mdlg_hash_alg h;
    const mdlg_pkey *key;
};

static bool fast_applies(X509_STORE_CTX *ctx, const struct mdlg__fast_verify *fc,
                         struct sig_job *j)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    unsigned long flags = X509_VERIFY_PARAM_get_flags(X509_STORE_CTX_get0_param(ctx));
    /* No DANE (its bare-key anchors) here: only TLS sets it, on its own contexts. */
    if (sk_X509_num(chain) != 2 || (flags & X509_V_FLAG_PARTIAL_CHAIN) == 0 ||
        (flags & X509_V_FLAG_CHECK_SS_SIGNATURE) != 0)
        return false;
    X509 *xs = sk_X509_value(chain, 0), *xi = sk_X509_value(chain, 1);
    const struct mdlg_anchor *a = X509_get_ex_data(xi, mdlg__anchor_ex_index());
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    X509_get0_signature(&sig, &alg, xs);
    if (xs != X509_STORE_CTX_get0_cert(ctx) || a == NULL || a->cert != xi || a->key == NULL ||
        X509_ALGOR_cmp(alg, X509_get0_tbs_sigalg(xs)) != 0 || (sig->flags & 0x07) != 0 ||
        (j->h = ecdsa_hash(alg)) == 0 || !tbs_span(fc->der, fc->len, &j->tbs, &j->tlen))
        return false;
    enum mdlg_curve crv = mdlg_pkey_curve(a->key);
    j->key = a->key;
    j->sig = ASN1_STRING_get0_data(sig);
    j->slen = (size_t)ASN1_STRING_length(sig);
    return crv == MDLG_CRV_P256 || crv == MDLG_CRV_P384 || crv == MDLG_CRV_P521;
}

/* OpenSSL's failure report: error, depth and certificate, then the callback's say. */
static int fail_cb(X509_STORE_CTX *ctx, X509 *x, int depth, int err)
{
    X509_STORE_CTX_set_error_depth(ctx, depth);
    X509_STORE_CTX_set_current_cert(ctx, x);
    X509_STORE_CTX_set_error(ctx, err);
    return X509_STORE_CTX_get_verify_cb(ctx)(0, ctx);
}

/*
 * X509_cmp_time: -1 if t is at or after the time, 1 if before, 0 if the
 * time is not in the strict RFC 5280 form (YYMMDDHHMMSSZ or
 * YYYYMMDDHHMMSSZ) or cannot be compared.
 */
static int cmp_time(const ASN1_TIME *tm, time_t t)
{
    int type = ASN1_STRING_type(tm), n = ASN1_STRING_length(tm);
    const unsigned char *d = ASN1_STRING_get0_data(tm);
    if (!((type == V_ASN1_UTCTIME && n == 13) || (type == V_ASN1_GENERALIZEDTIME && n == 15)))
        return 0;
    for (int i = 0; i < n - 1; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    if (d[n - 1] != 'Z')
        return 0;
    int c = ASN1_TIME_cmp_time_t(tm, t);
    return c == -2 ? 0 : c <= 0 ? -1 : 1;
}

/* OpenSSL's validity check of x at depth (the check time, or now, or none). */
static int check_time(X509_STORE_CTX *ctx, X509 *x, int depth)
{
    const X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
    unsigned long flags = X509_VERIFY_PARAM_get_flags(p);
    time_t t;
    if (flags & X509_V_FLAG_USE_CHECK_TIME)
        t = X509_VERIFY_PARAM_get_time(p);
    else if (flags & X509_V_FLAG_NO_CHECK_TIME)
        return 1;
    else
        t = time(NULL);
    int i = cmp_time(X509_get0_notBefore(x), t);
    if ((i == 0 && !fail_cb(ctx, x, depth, X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD)) ||
        (i > 0 && !fail_cb(ctx, x, depth, X509_V_ERR_CERT_NOT_YET_VALID)))
        return 0;
    i = cmp_time(X509_get0_notAfter(x), t);
    if ((i == 0 && !fail_cb(ctx, x, depth, X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD)) ||
        (i < 0 && !fail_cb(ctx, x, depth, X509_V_ERR_CERT_HAS_EXPIRED)))
        return 0;
    return 1;
}

/* Success at a depth: OpenSSL reports the certificate and asks the callback. */
static int pass_cb(X509_STORE_CTX *ctx, X509 *x, int depth)
{
    X509_STORE_CTX_set_current_cert(ctx, x);
    X509_STORE_CTX_set_error_depth(ctx, depth);
    return X509_STORE_CTX_get_verify_cb(ctx)(1, ctx);
}

/* RFC 5280 6.1.4 (n): the issuer's keyUsage must allow signing certificates. */
static int signing_allowed(X509 *issuer, X509 *subject)
{
    if (X509_get_extension_flags(subject) & EXFLAG_PROXY)
        return X509_get_key_usage(issuer) & KU_DIGITAL_SIGNATURE
                   ? X509_V_OK : X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE;
    return X509_get_key_usage(issuer) & KU_KEY_CERT_SIGN ? X509_V_OK
                                                          : X509_V_ERR_KEYUSAGE_NO_CERTSIGN;
}

/* The X509_STORE_CTX `verify` step (see the top of this file). */
static int fast_verify(X509_STORE_CTX *ctx)
{
    struct mdlg__fast_verify *fc = X509_STORE_CTX_get_ex_data(ctx, g_index);
    struct sig_job j;
    if (fc == NULL)
        return 0;
    if (!fast_applies(ctx, fc, &j))
        return fc->orig(ctx);
    fc->used = true;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    X509 *xs = sk_X509_value(chain, 0), *xi = sk_X509_value(chain, 1);
    X509_STORE_CTX_set_error_depth(ctx, 1);
    if (!check_time(ctx, xi, 1) || !pass_cb(ctx, xi, 1))
        return 0;
    int ku = signing_allowed(xi, xs);
    if (ku != X509_V_OK && !fail_cb(ctx, xi, 1, ku))
        return 0;
    if (mdlg__ecdsa_verify_der(j.key, j.h, j.tbs, j.tlen, j.sig, j.slen) != 1 &&
        !fail_cb(ctx, xs, 0, X509_V_ERR_CERT_SIGNATURE_FAILURE))
        return 0;
    if (!check_time(ctx, xs, 0))
        return 0;
    return pass_cb(ctx, xs, 0);
}

/* see trust/trust_internal.h */
bool mdlg__fast_verify_install(X509_STORE_CTX *ctx, struct mdlg__fast_verify *fc,
                               const uint8_t *leaf_der, size_t leaf_len)
{
    pthread_once(&g_once, index_init);
    fc->der = leaf_der;
    fc->len = leaf_len;
    fc->orig = X509_STORE_CTX_get_verify(ctx);
    fc->used = false;
    if (g_index < 0 || fc->orig == NULL || !X509_STORE_CTX_set_ex_data(ctx, g_index, fc))
        return false;
    X509_STORE_CTX_set_verify(ctx, fast_verify);
    return true;
}
