/*
 * crl.c - IACA CRLs: attached to their anchor once (signature checked with
 * the anchor's key), then consulted for each DS at `now`. See mdlg/trust.h.
 */
#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "trust/trust_internal.h"

const char *mdlg_crl_status_name(enum mdlg_crl_status s)
{
    static const char *const n[] = { "not_applicable", "good", "revoked", "unavailable" };
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "unknown";
}

/* DER, else PEM; NULL if neither. */
static X509_CRL *crl_parse(const uint8_t *buf, size_t len)
{
    const unsigned char *p = buf;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (c != NULL && p == buf + len)
        return c;
    X509_CRL_free(c);
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    c = b != NULL ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return c;
}

/* The anchor with the CRL's issuer name whose key verifies the CRL, or NULL. */
static struct mdlg_anchor *crl_signer(const mdlg_trust *t, X509_CRL *crl)
{
    const X509_NAME *issuer = X509_CRL_get_issuer(crl);
    for (size_t i = 0; i < t->n; i++) {
        struct mdlg_anchor *a = t->anchors[i];
        if (X509_NAME_cmp(X509_get_subject_name(a->cert), issuer) != 0)
            continue;
        EVP_PKEY *k = X509_get0_pubkey(a->cert);
        if (k != NULL && X509_CRL_verify(crl, k) == 1)
            return a;
        ERR_clear_error();
    }
    return NULL;
}

static bool crl_window(X509_CRL *crl, int64_t *tu, int64_t *nu)
{
    const ASN1_TIME *n = X509_CRL_get0_nextUpdate(crl);
    *nu = INT64_MAX;
    return mdlg__asn1_time(X509_CRL_get0_lastUpdate(crl), tu) &&
           (n == NULL || mdlg__asn1_time(n, nu));
}

mdlg_err mdlg_trust_add_crl(mdlg_trust *t, const uint8_t *buf, size_t len)
{
    if (t == NULL || buf == NULL || len == 0 || len > INT_MAX)
        return MDLG_E_USAGE;
    X509_CRL *crl = crl_parse(buf, len);
    int64_t tu, nu;
    struct mdlg_anchor *a = crl != NULL ? crl_signer(t, crl) : NULL;
    if (a == NULL || !crl_window(crl, &tu, &nu)) {
        X509_CRL_free(crl);
        return MDLG_E_CRL_INVALID;
    }
    X509_REVOKED *rev = NULL;
    X509_CRL_get0_by_serial(crl, &rev, X509_get_serialNumber(a->cert)); /* sorts it once */
    if (a->crl != NULL && a->crl_this >= tu) {
        X509_CRL_free(crl);   /* the one in place is as new or newer */
        return MDLG_E_OK;
    }
    X509_CRL_free(a->crl);
    a->crl = crl;
    a->crl_this = tu;
    a->crl_next = nu;
    mdlg__cache_clear(&t->cache);
    return MDLG_E_OK;
}

size_t mdlg_trust_crl_count(const mdlg_trust *t)
{
    size_t n = 0;
    for (size_t i = 0; t != NULL && i < t->n; i++)
        n += t->anchors[i]->crl != NULL;
    return n;
}

static void windowed_status(int64_t tu, int64_t nu, int64_t now, struct mdlg_chain_result *r)
{
    r->crl_next_update = nu == INT64_MAX ? 0 : nu;
    if (now < tu) {
        r->crl = MDLG_CRL_UNAVAILABLE;
        r->crl_detail = "the IACA's CRL is not yet valid (thisUpdate after now)";
    } else if (now > nu) {
        r->crl = MDLG_CRL_UNAVAILABLE;
        r->crl_detail = "the IACA's CRL has expired (nextUpdate before now)";
    } else {
        r->crl = MDLG_CRL_GOOD;
        r->crl_detail = NULL;
    }
}

void mdlg__crl_check(const struct mdlg_anchor *a, X509 *ds, int len, int64_t now,
                     struct mdlg_cache_entry *ce)
{
    struct mdlg_chain_result *r = &ce->r;
    X509_REVOKED *rev = NULL;
    ce->crl_windowed = false;
    r->crl_next_update = 0;
    r->crl_detail = NULL;
    if (len <= 1) {
        r->crl = MDLG_CRL_NOT_APPLICABLE;
    } else if (len > 2) {
        r->crl = MDLG_CRL_UNAVAILABLE;
        r->crl_detail = "the DS was issued by an intermediate CA (no CRL for it)";
    } else if (a->crl == NULL) {
        r->crl = MDLG_CRL_UNAVAILABLE;
        r->crl_detail = "no CRL for this IACA";
    } else if (X509_CRL_get0_by_cert(a->crl, &rev, ds) == 1) {
        r->crl = MDLG_CRL_REVOKED;
        r->crl_next_update = a->crl_next == INT64_MAX ? 0 : a->crl_next;
    } else {
        ce->crl_windowed = true;
        ce->crl_this = a->crl_this;
        ce->crl_next = a->crl_next;
        windowed_status(a->crl_this, a->crl_next, now, r);
    }
    ERR_clear_error();
}

void mdlg__crl_recheck(const struct mdlg_cache_entry *ce, int64_t now,
                       struct mdlg_chain_result *r)
{
    if (ce->crl_windowed)
        windowed_status(ce->crl_this, ce->crl_next, now, r);
}
