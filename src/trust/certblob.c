/* certblob.c - files and certificate blobs for the trust-list code. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

mdlg_err mdlg__read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return MDLG_E_IO;
    struct stat st;
    mdlg_err e = MDLG_E_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        e = MDLG_E_IO;
    else if ((uint64_t)st.st_size > max)
        e = MDLG_E_LIMIT_BODY_SIZE;
    else if ((*out = malloc((size_t)st.st_size + 1)) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK) {
        *len = fread(*out, 1, (size_t)st.st_size, f);
        (*out)[*len] = '\0';
        if (ferror(f) || *len != (size_t)st.st_size)
            e = MDLG_E_IO;
    }
    fclose(f);
    if (e != MDLG_E_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return e;
}

static mdlg_err certs_push(struct mdlg__certs *c, X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0)
        return MDLG_E_CERT_MALFORMED;
    void *a = realloc(c->c, (c->n + 1) * sizeof *c->c);
    if (a == NULL) {
        OPENSSL_free(der);
        return MDLG_E_NO_MEMORY;
    }
    c->c = a;
    c->c[c->n].der = malloc((size_t)n);
    if (c->c[c->n].der == NULL) {
        OPENSSL_free(der);
        return MDLG_E_NO_MEMORY;
    }
    memcpy(c->c[c->n].der, der, (size_t)n);
    c->c[c->n].len = (size_t)n;
    OPENSSL_free(der);
    if (!mdlg__sha256(c->c[c->n].der, (size_t)n, c->c[c->n].sha256)) {
        free(c->c[c->n].der);
        return MDLG_E_CRYPTO_INTERNAL;
    }
    c->n++;
    return MDLG_E_OK;
}

/* PEM blocks of buf; broken blocks are skipped (a later one may still match). */
static mdlg_err certs_pem(const uint8_t *buf, size_t len, struct mdlg__certs *out)
{
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    if (b == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = MDLG_E_OK;
    for (int guard = 0; guard < 4096 && e == MDLG_E_OK; guard++) {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (x == NULL) {
            unsigned long err = ERR_peek_last_error();
            ERR_clear_error();
            if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE)
                break;
            continue;   /* a damaged block: PEM_read_bio moved past it */
        }
        e = certs_push(out, x);
        X509_free(x);
    }
    BIO_free(b);
    return e;
}

mdlg_err mdlg__certs_from_blob(const uint8_t *buf, size_t len, struct mdlg__certs *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0 || len > INT_MAX)
        return MDLG_E_OK;
    if (memmem(buf, len, "-----BEGIN", 10) != NULL)
        return certs_pem(buf, len, out);
    X509 *x = mdlg__cert_parse(buf, len);
    if (x == NULL)
        return MDLG_E_OK;
    mdlg_err e = certs_push(out, x);
    X509_free(x);
    return e;
}

void mdlg__certs_free(struct mdlg__certs *c)
{
    for (size_t i = 0; c != NULL && i < c->n; i++)
        free(c->c[i].der);
    if (c != NULL) {
        free(c->c);
        c->c = NULL;
        c->n = 0;
    }
}

long mdlg__certs_find(const struct mdlg__certs *c, const uint8_t sha256[32])
{
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->c[i].sha256, sha256, 32) == 0)
            return (long)i;
    return -1;
}

bool mdlg__der_info(const uint8_t *der, size_t len, int64_t *nb, int64_t *na)
{
    X509 *x = mdlg__cert_parse(der, len);
    bool ok = x != NULL && mdlg__cert_window(x, nb, na);
    X509_free(x);
    return ok;
}
