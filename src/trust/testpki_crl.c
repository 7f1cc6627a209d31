/* testpki_crl.c - CRLs for generated IACAs (see mdlg/testpki.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "mdlg/testpki.h"
#include "trust/trust_internal.h"

/* Digest matching the signer's curve (NULL for Ed25519, as OpenSSL wants). */
static const EVP_MD *crl_md(const mdlg_pkey *signer)
{
    switch (mdlg_pkey_curve(signer)) {
    case MDLG_CRV_P384: return EVP_sha384();
    case MDLG_CRV_P521: return EVP_sha512();
    case MDLG_CRV_ED25519: return NULL;
    default: return EVP_sha256();
    }
}

static bool set_time(X509_CRL *crl, int64_t t, bool next)
{
    ASN1_TIME *a = ASN1_TIME_set(NULL, (time_t)t);
    bool ok = a != NULL &&
              (next ? X509_CRL_set1_nextUpdate(crl, a) : X509_CRL_set1_lastUpdate(crl, a)) == 1;
    ASN1_TIME_free(a);
    return ok;
}

/* One revoked entry: the certificate's serial, revoked at `when`. */
static bool add_revoked(X509_CRL *crl, const struct mdlg_testpki_cert *c, int64_t when)
{
    X509 *x = mdlg__cert_parse(c->der, c->der_len);
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)when);
    bool ok = x != NULL && r != NULL && t != NULL &&
              X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(x)) == 1 &&
              X509_REVOKED_set_revocationDate(r, t) == 1 && X509_CRL_add0_revoked(crl, r) == 1;
    if (!ok)
        X509_REVOKED_free(r);
    ASN1_TIME_free(t);
    X509_free(x);
    return ok;
}

static bool crl_exts(X509_CRL *crl, X509 *issuer)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
                                              "keyid:always");
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    bool ok = aki != NULL && X509_CRL_add_ext(crl, aki, -1) == 1 && num != NULL &&
              ASN1_INTEGER_set(num, 1) == 1 &&
              X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    X509_EXTENSION_free(aki);
    ASN1_INTEGER_free(num);
    return ok;
}

static mdlg_err crl_build(const struct mdlg_testpki_crl_opts *o, X509 *issuer, X509_CRL *crl)
{
    if (X509_CRL_set_version(crl, 1) != 1 ||
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
        !set_time(crl, o->this_update, false) ||
        (o->next_update != 0 && !set_time(crl, o->next_update, true)))
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < o->n_revoked; i++)
        if (o->revoked[i] == NULL || !add_revoked(crl, o->revoked[i], o->this_update))
            return MDLG_E_CERT_MALFORMED;
    if (!crl_exts(crl, issuer) || X509_CRL_sort(crl) != 1)
        return MDLG_E_CRYPTO_INTERNAL;
    const mdlg_pkey *signer = o->signer != NULL ? o->signer : o->iaca->key;
    if (X509_CRL_sign(crl, mdlg__pkey_evp(signer), crl_md(signer)) <= 0)
        return MDLG_E_CRYPTO_INTERNAL;
    return MDLG_E_OK;
}

mdlg_err mdlg_testpki_crl(const struct mdlg_testpki_crl_opts *o, uint8_t **der, size_t *der_len)
{
    if (o == NULL || o->iaca == NULL || o->iaca->key == NULL || o->this_update <= 0 ||
        der == NULL || der_len == NULL)
        return MDLG_E_USAGE;
    *der = NULL;
    *der_len = 0;
    X509 *issuer = mdlg__cert_parse(o->iaca->der, o->iaca->der_len);
    X509_CRL *crl = X509_CRL_new();
    mdlg_err e = issuer == NULL ? MDLG_E_CERT_MALFORMED : crl == NULL ? MDLG_E_NO_MEMORY
                                                                       : crl_build(o, issuer, crl);
    unsigned char *buf = NULL;
    int n = e == MDLG_E_OK ? i2d_X509_CRL(crl, &buf) : 0;
    if (e == MDLG_E_OK && n <= 0)
        e = MDLG_E_CRYPTO_INTERNAL;
    if (e == MDLG_E_OK && (*der = malloc((size_t)n)) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK) {
        memcpy(*der, buf, (size_t)n);
        *der_len = (size_t)n;
    }
    OPENSSL_free(buf);
    X509_CRL_free(crl);
    X509_free(issuer);
    ERR_clear_error();
    return e;
}
