/* testpki.c - generated IACA and DS certificates (see mdlg/testpki.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "mdlg/testpki.h"
#include "trust/trust_internal.h"

#define DEFAULT_URI "https://iaca.test"

static mdlg_err fail(mdlg_err e)
{
    ERR_clear_error();
    return e;
}

static mdlg_err key_for(mdlg_pkey *given, enum mdlg_curve crv, mdlg_pkey **out)
{
    if (given != NULL) {
        *out = mdlg_pkey_ref(given);
        return MDLG_E_OK;
    }
    return mdlg_pkey_generate(crv == MDLG_CRV_NONE ? MDLG_CRV_P256 : crv, out);
}

/* Digest matching the signer's curve (NULL for Ed25519, as OpenSSL wants). */
static const EVP_MD *md_for(const mdlg_pkey *signer)
{
    switch (mdlg_pkey_curve(signer)) {
    case MDLG_CRV_P384: return EVP_sha384();
    case MDLG_CRV_P521: return EVP_sha512();
    case MDLG_CRV_ED25519: return NULL;
    default: return EVP_sha256();
    }
}

/* 16 random bytes, top bit clear and next bit set (positive, 16 octets). */
static bool set_serial(X509 *x, bool negative)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return false;
    b[0] = (unsigned char)((b[0] & 0x7f) | 0x40);
    BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
    if (bn == NULL)
        return false;
    BN_set_negative(bn, negative ? 1 : 0);
    bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static bool name_add(X509_NAME *n, const char *field, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return true;
    return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value,
                                      -1, -1, 0) == 1;
}

static bool set_subject(X509 *x, const char *c, const char *st, const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    bool ok = n != NULL && name_add(n, "C", c) && name_add(n, "ST", st) &&
              name_add(n, "CN", cn) && X509_set_subject_name(x, n) == 1;
    X509_NAME_free(n);
    return ok;
}

/* Version, serial, subject, validity and public key of a new certificate. */
static X509 *cert_start(const char *c, const char *st, const char *cn, int64_t nb,
                        int64_t na, const mdlg_pkey *key, uint32_t flags)
{
    X509 *x = X509_new();
    bool ok = x != NULL && X509_set_version(x, X509_VERSION_3) == 1 &&
              set_serial(x, (flags & MDLG_TESTPKI_NEGATIVE_SERIAL) != 0) &&
              set_subject(x, c, st, cn) &&
              ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL &&
              ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL &&
              X509_set_pubkey(x, mdlg__pkey_evp(key)) == 1;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    bool ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* issuerAltName and cRLDistributionPoints, as the flags say. */
static bool add_contact_exts(X509 *x, X509V3_CTX *ctx, const char *uri, uint32_t flags)
{
    char ian[300], crl[300];
    if (uri == NULL)
        uri = DEFAULT_URI;
    if (strlen(uri) > 250)
        return false;
    snprintf(ian, sizeof ian, "URI:%s", uri);
    if (flags & MDLG_TESTPKI_CRL_DP_DNS)
        snprintf(crl, sizeof crl, "DNS:example.com");
    else
        snprintf(crl, sizeof crl, "URI:%s/crl", uri);
    return ((flags & MDLG_TESTPKI_NO_IAN) || add_ext(x, ctx, NID_issuer_alt_name, ian)) &&
           add_ext(x, ctx, NID_crl_distribution_points, crl);
}

/* Signs x and exports DER and PEM into out (malloc'd copies). */
static mdlg_err finish(X509 *x, const mdlg_pkey *signer, struct mdlg_testpki_cert *out)
{
    if (X509_sign(x, mdlg__pkey_evp(signer), md_for(signer)) <= 0)
        return MDLG_E_CRYPTO_INTERNAL;
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long plen = 0;
    mdlg_err e = MDLG_E_NO_MEMORY;
    if (n > 0 && b != NULL && PEM_write_bio_X509(b, x) == 1 &&
        (plen = BIO_get_mem_data(b, &pem)) > 0) {
        out->der = malloc((size_t)n);
        out->pem = malloc((size_t)plen + 1);
    }
    if (out->der != NULL && out->pem != NULL) {
        memcpy(out->der, der, (size_t)n);
        out->der_len = (size_t)n;
        memcpy(out->pem, pem, (size_t)plen);
        out->pem[plen] = '\0';
        out->pem_len = (size_t)plen;
        e = MDLG_E_OK;
    }
    OPENSSL_free(der);
    BIO_free(b);
    return e;
}

static bool iaca_exts(X509 *x, const struct mdlg_testpki_iaca_opts *o)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    const char *bc = (o->flags & MDLG_TESTPKI_NOT_CA)       ? "critical,CA:FALSE"
                     : (o->flags & MDLG_TESTPKI_NO_PATHLEN) ? "critical,CA:TRUE"
                                                            : "critical,CA:TRUE,pathlen:0";
    const char *ku = (o->flags & MDLG_TESTPKI_WRONG_KU) ? "critical,digitalSignature"
                                                        : "critical,keyCertSign,cRLSign";
    return add_ext(x, &ctx, NID_basic_constraints, bc) && add_ext(x, &ctx, NID_key_usage, ku) &&
           add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
           add_contact_exts(x, &ctx, o->uri, o->flags);
}

mdlg_err mdlg_testpki_iaca(const struct mdlg_testpki_iaca_opts *o,
                           struct mdlg_testpki_cert *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (o == NULL || out == NULL || o->country == NULL || o->not_after <= o->not_before)
        return MDLG_E_USAGE;
    mdlg_err e = key_for(o->key, o->curve, &out->key);
    if (e != MDLG_E_OK)
        return e;
    const char *cn = o->common_name ? o->common_name : "mdlgate test IACA";
    X509 *x = cert_start(o->country, o->state, cn, o->not_before, o->not_after, out->key,
                         o->flags);
    e = MDLG_E_NO_MEMORY;
    if (x != NULL && X509_set_issuer_name(x, X509_get_subject_name(x)) == 1 && iaca_exts(x, o))
        e = finish(x, out->key, out);
    X509_free(x);
    if (e != MDLG_E_OK)
        mdlg_testpki_cert_free(out);
    return fail(e);
}

static bool ds_exts(X509 *x, X509 *issuer, const struct mdlg_testpki_ds_opts *o)
{
    X509V3_CTX ctx;
    char eku[80], san[300];
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    snprintf(eku, sizeof eku, "critical,%s", o->eku ? o->eku : "1.0.18013.5.1.2");
    if (o->dns_name && snprintf(san, sizeof san, "DNS:%s", o->dns_name) >= (int)sizeof san)
        return false;
    const char *ku = (o->flags & MDLG_TESTPKI_WRONG_KU) ? "critical,keyCertSign"
                                                        : "critical,digitalSignature";
    return add_ext(x, &ctx, NID_key_usage, ku) &&
           ((o->flags & MDLG_TESTPKI_NO_EKU) ||
            add_ext(x, &ctx, NID_ext_key_usage, eku)) &&
           (!o->dns_name || add_ext(x, &ctx, NID_subject_alt_name, san)) &&
           (!(o->flags & MDLG_TESTPKI_IS_CA) ||
            add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")) &&
           add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
           add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
           add_contact_exts(x, &ctx, o->uri, o->flags);
}

/* The DS certificate body under issuer, signed by the IACA key. */
static mdlg_err ds_build(const struct mdlg_testpki_ds_opts *o, X509 *issuer,
                         struct mdlg_testpki_cert *out)
{
    char c[4], st[64];
    const X509_NAME *in = X509_get_subject_name(issuer);
    mdlg__name_attr(in, NID_countryName, c, sizeof c);
    mdlg__name_attr(in, NID_stateOrProvinceName, st, sizeof st);
    const char *cn = o->common_name ? o->common_name : "mdlgate test DS";
    X509 *x = cert_start(o->country ? o->country : c, o->state ? o->state : st, cn,
                         o->not_before, o->not_after, out->key, o->flags);
    mdlg_err e = MDLG_E_NO_MEMORY;
    if (x != NULL && X509_set_issuer_name(x, in) == 1 && ds_exts(x, issuer, o))
        e = finish(x, o->iaca->key, out);
    X509_free(x);
    return e;
}

mdlg_err mdlg_testpki_ds(const struct mdlg_testpki_ds_opts *o, struct mdlg_testpki_cert *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (o == NULL || out == NULL || o->iaca == NULL || o->iaca->key == NULL ||
        o->not_after <= o->not_before)
        return MDLG_E_USAGE;
    X509 *issuer = mdlg__cert_parse(o->iaca->der, o->iaca->der_len);
    if (issuer == NULL)
        return MDLG_E_CERT_MALFORMED;
    mdlg_err e = key_for(o->key, o->curve, &out->key);
    if (e == MDLG_E_OK)
        e = ds_build(o, issuer, out);
    X509_free(issuer);
    if (e != MDLG_E_OK)
        mdlg_testpki_cert_free(out);
    return fail(e);
}

void mdlg_testpki_cert_free(struct mdlg_testpki_cert *c)
{
    if (c == NULL)
        return;
    free(c->der);
    free(c->pem);
    mdlg_pkey_free(c->key);
    memset(c, 0, sizeof *c);
}
