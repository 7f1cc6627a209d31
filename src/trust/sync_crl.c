/*
 * sync_crl.c - `trust sync` fetches each IACA root's CRL and keeps it next
 * to the root (<J>/<id>.crl) once the root's key has verified it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "mdlg/limits.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

const char *mdlg_sync_crl_name(enum mdlg_sync_crl s)
{
    static const char *const n[] = { "none", "fetched", "kept", "failed" };
    return (unsigned)s < MDLG_SYNC_CRL_COUNT ? n[s] : "unknown";
}

/* First URI of the certificate's CRL distribution points into out ("" if none). */
static void crl_dp_uri(X509 *x, char *out, size_t cap)
{
    out[0] = '\0';
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    for (int i = 0; dps != NULL && i < sk_DIST_POINT_num(dps) && out[0] == '\0'; i++) {
        DIST_POINT_NAME *dpn = sk_DIST_POINT_value(dps, i)->distpoint;
        if (dpn == NULL || dpn->type != 0)
            continue;
        for (int k = 0; k < sk_GENERAL_NAME_num(dpn->name.fullname); k++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(dpn->name.fullname, k);
            if (g->type != GEN_URI)
                continue;
            const unsigned char *p = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
            int n = ASN1_STRING_length(g->d.uniformResourceIdentifier);
            if (n > 0 && (size_t)n < cap && memchr(p, '\0', (size_t)n) == NULL) {
                memcpy(out, p, (size_t)n);
                out[n] = '\0';
                break;
            }
        }
    }
    CRL_DIST_POINTS_free(dps);
    ERR_clear_error();
}

/* True if buf is a DER CRL issued and signed by root x. */
static bool crl_verifies(const uint8_t *buf, size_t len, X509 *x)
{
    const unsigned char *p = buf;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    EVP_PKEY *k = X509_get0_pubkey(x);
    bool ok = crl != NULL && p == buf + len && k != NULL &&
              X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(x)) == 0 &&
              X509_CRL_verify(crl, k) == 1;
    X509_CRL_free(crl);
    ERR_clear_error();
    return ok;
}

/* CRL bytes from the mirror or a URL; NULL with *why set if none. */
static uint8_t *crl_obtain(const struct mdlg_sync_opts *o, const struct mdlg_manifest_root *r,
                           X509 *x, size_t *len, const char **why, bool *no_source)
{
    uint8_t *buf = NULL;
    char url[MDLG_MANIFEST_URL_MAX];
    *no_source = false;
    if (o->mirror_dir != NULL) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.crl", o->mirror_dir, r->id);
        if (mdlg__read_file(path, MDLG_MAX_CRL_SIZE, &buf, len) != MDLG_E_OK)
            *no_source = true, *why = "no CRL in the mirror directory";
        return buf;
    }
    if (r->crl[0] != '\0')
        mdlg__strlcpy(url, r->crl, sizeof url);
    else
        crl_dp_uri(x, url, sizeof url);
    if (url[0] == '\0')
        return *no_source = true, *why = "no CRL URL in the manifest or the certificate", NULL;
    long cms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000;
    long tms = o->total_timeout_ms > 0 ? o->total_timeout_ms : 15000;
    if (mdlg__fetch_url(url, MDLG_MAX_CRL_SIZE, cms, tms, &buf, len, why) != MDLG_E_OK)
        return NULL;
    return buf;
}

mdlg_err mdlg__sync_crl(const struct mdlg_sync_opts *o, struct mdlg__set *set, const char *j,
                        const struct mdlg_manifest_root *r, const uint8_t *root_der,
                        size_t root_len, struct mdlg_sync_root *res)
{
    char name[80];
    size_t len = 0;
    bool no_source = false;
    X509 *x = mdlg__cert_parse(root_der, root_len);
    if (x == NULL)
        return MDLG_E_INTERNAL;
    snprintf(name, sizeof name, "%s.crl", r->id);
    uint8_t *buf = crl_obtain(o, r, x, &len, &res->crl_detail, &no_source);
    mdlg_err e = MDLG_E_OK;
    if (buf != NULL && crl_verifies(buf, len, x)) {
        res->crl = MDLG_SYNC_CRL_FETCHED;
        e = mdlg__set_put_raw(set, j, name, buf, len);
    } else {
        if (buf != NULL)
            res->crl_detail = "CRL does not parse or is not signed by this root";
        free(buf);
        buf = mdlg__set_read_cur(set, j, name, &len);
        res->crl = buf != NULL ? MDLG_SYNC_CRL_KEPT
                               : no_source ? MDLG_SYNC_CRL_NONE : MDLG_SYNC_CRL_FAILED;
        if (buf != NULL)
            e = mdlg__set_put_raw(set, j, name, buf, len);
    }
    free(buf);
    X509_free(x);
    return e;
}
