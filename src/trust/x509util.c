/* x509util.c - small OpenSSL X.509 helpers for the trust module. */
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "trust/trust_internal.h"

/*
 * Through the crypto module's prefetched SHA-256: EVP_sha256() here made
 * OpenSSL 3.0 fetch the implementation by name on every call (~10k
 * instructions, as much as hashing a DS certificate), and this runs on every
 * verification (the chain cache key).
 */
bool mdlg__sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    return mdlg_sha256(p, n, out) == MDLG_E_OK;
}

bool mdlg__cert_sha256(X509 *x, uint8_t out[32])
{
    unsigned int len = 0;
    return X509_digest(x, EVP_sha256(), out, &len) == 1 && len == 32;
}

X509 *mdlg__cert_parse(const uint8_t *der, size_t len)
{
    if (len == 0 || len > LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x != NULL && p != der + len) {   /* trailing bytes */
        X509_free(x);
        x = NULL;
    }
    if (x == NULL)
        ERR_clear_error();
    return x;
}

bool mdlg__strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strlen(src);
    bool fits = n < cap;
    if (!fits)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

void mdlg__name_attr(const X509_NAME *name, int nid, char *out, size_t cap)
{
    out[0] = '\0';
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0) {
        ERR_clear_error();
        return;
    }
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    memcpy(out, utf8, len);
    out[len] = '\0';
    OPENSSL_free(utf8);
}

void mdlg__name_oneline(const X509_NAME *name, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        size_t len = n < 0 ? 0 : (size_t)n;
        if (len >= cap)
            len = cap - 1;
        if (len > 0)
            memcpy(out, p, len);
        out[len] = '\0';
    }
    BIO_free(b);
    ERR_clear_error();
}

bool mdlg__asn1_time(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return false;
    }
    *out = (int64_t)timegm(&tm);
    return true;
}

bool mdlg__cert_window(X509 *x, int64_t *nb, int64_t *na)
{
    return mdlg__asn1_time(X509_get0_notBefore(x), nb) &&
           mdlg__asn1_time(X509_get0_notAfter(x), na);
}

static int g_anchor_index = -1;
static pthread_once_t g_anchor_once = PTHREAD_ONCE_INIT;

static void anchor_index_init(void)
{
    g_anchor_index = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

int mdlg__anchor_ex_index(void)
{
    pthread_once(&g_anchor_once, anchor_index_init);
    return g_anchor_index;
}
