/*
 * revocation.c - the revocation check of one document: the DS against its
 * IACA's CRL (computed with the chain, see mdlg/trust.h) and the MSO status
 * list entry, with the fail-open / fail-closed policy for missing data.
 */
#include <stdlib.h>

#include "mdlg/statuslist.h"
#include "mdoc_internal.h"

const char *mdlg_revocation_policy_name(enum mdlg_revocation_policy p)
{
    return p == MDLG_REVOCATION_FAIL_CLOSED ? "fail-closed" : "fail-open";
}

const char *mdlg_status_outcome_name(enum mdlg_status_outcome s)
{
    static const char *const n[] = { "not_applicable", "good", "revoked", "suspended",
                                     "unavailable" };
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "unknown";
}

static void sl_unavailable(struct mdlg_doc_result *r, mdlg_err e, const char *detail)
{
    r->status_list = MDLG_SL_UNAVAILABLE;
    r->status_list_err = e;
    r->status_list_detail = detail;
}

/* Fetches and verifies the token, then reads entry idx. */
static void check_status_list(struct doc_ctx *c)
{
    struct mdlg_doc_result *r = c->r;
    const struct mdlg_status_source *src = c->o->status_source;
    struct mdlg_status_list l;
    uint8_t *tok = NULL;
    size_t len = 0;
    const char *why = NULL;
    unsigned v = 0;
    if (src == NULL || src->get == NULL)
        return sl_unavailable(r, MDLG_E_IO, "no status list source configured");
    mdlg_err e = src->get(src->ud, r->status_list_uri, &tok, &len);
    if (e != MDLG_E_OK) {
        free(tok);
        return sl_unavailable(r, e, "the status list could not be obtained");
    }
    e = mdlg_status_list_verify(tok, len, r->status_list_uri, c->o->trust, r->chain.anchor_sha256,
                                c->o->now, &l, &why);
    free(tok);
    if (e == MDLG_E_OK && (e = mdlg_status_list_get(&l, r->status_list_idx, &v)) != MDLG_E_OK)
        why = "idx is beyond the status list";
    mdlg_status_list_free(&l);
    if (e != MDLG_E_OK)
        return sl_unavailable(r, e, why);
    r->status_list = v == MDLG_STATUS_VALID ? MDLG_SL_GOOD
                     : v == MDLG_STATUS_SUSPENDED ? MDLG_SL_SUSPENDED : MDLG_SL_REVOKED;
}

static void report_status(struct doc_ctx *c)
{
    size_t off = c->issuer_auth.offset;
    if (c->r->status_list == MDLG_SL_REVOKED)
        mdlg__doc_fail0(c, MDLG_CHECK_REVOCATION, MDLG_E_STATUS_REVOKED, off,
                        "the MSO's status list entry is INVALID (or a value mdlgate does not know)");
    else if (c->r->status_list == MDLG_SL_SUSPENDED)
        mdlg__doc_fail0(c, MDLG_CHECK_REVOCATION, MDLG_E_STATUS_SUSPENDED, off,
                        "the MSO's status list entry is SUSPENDED");
}

/* Under fail-closed, missing revocation data makes the document invalid. */
static void apply_policy(struct doc_ctx *c)
{
    struct mdlg_doc_result *r = c->r;
    size_t off = c->issuer_auth.offset;
    if (c->o->revocation != MDLG_REVOCATION_FAIL_CLOSED)
        return;
    if (r->chain.crl == MDLG_CRL_UNAVAILABLE)
        mdlg__doc_fail0(c, MDLG_CHECK_REVOCATION, MDLG_E_REVOCATION_UNAVAILABLE, off,
                        r->chain.crl_detail ? r->chain.crl_detail : "no usable CRL");
    if (r->status_list == MDLG_SL_UNAVAILABLE)
        mdlg__doc_fail0(c, MDLG_CHECK_REVOCATION, MDLG_E_REVOCATION_UNAVAILABLE, off,
                        r->status_list_detail ? r->status_list_detail : "no usable status list");
}

void mdlg__step_revocation(struct doc_ctx *c)
{
    struct mdlg_doc_result *r = c->r;
    r->revocation = c->o->revocation;
    if (r->chain.crl == MDLG_CRL_REVOKED) {
        r->checks[MDLG_CHECK_REVOCATION] = MDLG_CHECK_FAILED;  /* CERT_REVOKED already listed */
        return;
    }
    if (r->checks[MDLG_CHECK_ISSUER_CERTIFICATE] != MDLG_CHECK_OK ||
        r->checks[MDLG_CHECK_ISSUER_SIGNATURE] != MDLG_CHECK_OK ||
        r->checks[MDLG_CHECK_MSO] != MDLG_CHECK_OK)
        return;   /* nothing trustworthy to look up (and no URI from a forged MSO) */
    if (r->status_list_uri.ptr != NULL)
        check_status_list(c);
    report_status(c);
    apply_policy(c);
    mdlg__doc_pass(c, MDLG_CHECK_REVOCATION);
}
