/*
 * verify.c - DeviceResponse and Document orchestration (18013-5 9.3.1).
 * see mdlg/mdoc.h
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mdoc_internal.h"

static const char *const check_names[MDLG_CHECK_COUNT] = {
    "structure", "issuer_certificate", "issuer_signature", "mso", "doctype",
    "digests", "validity", "jurisdiction", "device_auth", "revocation",
};

const char *mdlg_check_name(enum mdlg_check c)
{
    return (unsigned)c < MDLG_CHECK_COUNT ? check_names[c] : "unknown";
}

/* ---- shared helpers (mdoc_internal.h) ---- */

void mdlg__doc_fail(struct doc_ctx *c, enum mdlg_check check, mdlg_err code,
                    struct mdlg_bytes ns, struct mdlg_bytes el, size_t offset, const char *detail)
{
    struct mdlg_doc_result *r = c->r;
    r->checks[check] = MDLG_CHECK_FAILED;
    if (r->n_errors >= MDLG_MAX_DOC_ERRORS) {
        r->n_errors_dropped++;
        return;
    }
    r->errors[r->n_errors++] = (struct mdlg_doc_error){ code, ns, el, offset, detail };
}

void mdlg__doc_fail0(struct doc_ctx *c, enum mdlg_check check, mdlg_err code, size_t offset,
                     const char *detail)
{
    struct mdlg_bytes none = { NULL, 0 };
    mdlg__doc_fail(c, check, code, none, none, offset, detail);
}

void mdlg__doc_pass(struct doc_ctx *c, enum mdlg_check check)
{
    if (c->r->checks[check] == MDLG_CHECK_NOT_RUN)
        c->r->checks[check] = MDLG_CHECK_OK;
}

/* Items for a buffer of len bytes: at most one per byte, and MDLG_MAX_ITEMS. */
static uint32_t items_bound(size_t len)
{
    return len + 1 < MDLG_MAX_ITEMS ? (uint32_t)len + 1 : MDLG_MAX_ITEMS;
}

mdlg_err mdlg__parse_alloc(struct mdlg_cbor_doc *d, struct mdlg_bytes b,
                           struct mdlg_cbor_item **items, struct mdlg_diag *diag)
{
    /* Real mdoc CBOR averages well over 8 bytes per item: try that first. */
    uint32_t max = items_bound(b.len), cap = b.len / 8 + 64 < max ? (uint32_t)(b.len / 8 + 64) : max;
    for (;;) {
        if ((*items = malloc(cap * sizeof **items)) == NULL)
            return MDLG_E_NO_MEMORY;
        mdlg_err e = mdlg_cbor_parse(d, b.ptr, b.len, *items, cap, diag);
        if (e != MDLG_E_CBOR_TOO_MANY_ITEMS || cap == max)
            return e;
        free(*items);
        cap = max;
        if (diag != NULL)
            *diag = (struct mdlg_diag){ 0 };
    }
}

void mdlg__doc_add_element(struct doc_ctx *c, struct mdlg_bytes ns, struct mdlg_bytes id,
                           struct mdlg_bytes value, bool device_signed)
{
    struct mdlg_doc_result *r = c->r;
    if (r->n_elements == c->elements_cap) {
        size_t cap = c->elements_cap ? c->elements_cap * 2 : 32;
        struct mdlg_element *p = realloc(r->elements, cap * sizeof *p);
        if (p == NULL)
            return;     /* the element is simply not reported */
        r->elements = p;
        c->elements_cap = cap;
    }
    r->elements[r->n_elements++] = (struct mdlg_element){ ns, id, value, device_signed };
}

/* ---- Document steps ---- */

/* A.2: docType, issuerSigned, issuerAuth as COSE_Sign1 with an x5chain. */
static bool step_structure(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *d = c->rd;
    uint32_t is = mdlg_cbor_map_get_str(d, c->doc, "issuerSigned");
    struct mdlg_diag diag = { 0 };
    if (!mdlg_cbor_is_type(d, c->doc, MDLG_CBOR_MAP) ||
        !mdlg_cbor_get_tstr(d, mdlg_cbor_map_get_str(d, c->doc, "docType"), &c->r->doctype) ||
        !mdlg_cbor_is_type(d, is, MDLG_CBOR_MAP)) {
        mdlg__doc_fail0(c, MDLG_CHECK_STRUCTURE, MDLG_E_DOC_MALFORMED, d->items[c->doc].off,
                        "Document needs docType (tstr) and issuerSigned (map)");
        return false;
    }
    uint32_t ia = mdlg_cbor_map_get_str(d, is, "issuerAuth");
    if (ia == MDLG_CBOR_NONE) {
        mdlg__doc_fail0(c, MDLG_CHECK_STRUCTURE, MDLG_E_CBOR_MISSING_FIELD, d->items[is].off,
                        "issuerSigned.issuerAuth is missing");
        return false;
    }
    mdlg_err e = mdlg_cose_parse(d, ia, false, &c->issuer_auth, &diag);
    if (e == MDLG_E_OK && c->issuer_auth.hdr.x5chain_n == 0)
        e = MDLG_E_COSE_X5CHAIN_MISSING;
    if (e != MDLG_E_OK) {
        mdlg__doc_fail0(c, MDLG_CHECK_STRUCTURE, e, d->items[ia].off, "issuerAuth");
        return false;
    }
    mdlg__doc_pass(c, MDLG_CHECK_STRUCTURE);
    return true;
}

/* B.4-5: the DS chains to an anchor at `now`, with the Annex B profile. */
static void step_chain(struct doc_ctx *c)
{
    const struct mdlg_cose_headers *h = &c->issuer_auth.hdr;
    mdlg_err e = mdlg_trust_verify_ds(c->o->trust, h->x5chain, h->x5chain_n, c->o->now,
                                      c->o->policy, c->o->use_chain_cache, &c->r->chain);
    c->r->leniencies |= c->r->chain.leniencies;
    if (e != MDLG_E_OK)
        mdlg__doc_fail0(c, MDLG_CHECK_ISSUER_CERTIFICATE, e, c->issuer_auth.offset,
                        c->r->chain.err_detail);
    else
        mdlg__doc_pass(c, MDLG_CHECK_ISSUER_CERTIFICATE);
}

/* B.6: issuerAuth signature with the DS key over the attached MSO payload. */
static void step_issuer_signature(struct doc_ctx *c)
{
    struct mdlg_bytes none = { NULL, 0 };
    if (c->r->chain.ds_key == NULL)
        return;    /* no usable DS certificate: reported by the chain step */
    mdlg_err e = mdlg_cose_sign1_verify(&c->issuer_auth, c->r->chain.ds_key, none, none);
    if (e != MDLG_E_OK)
        mdlg__doc_fail0(c, MDLG_CHECK_ISSUER_SIGNATURE, e, c->issuer_auth.offset, NULL);
    else
        mdlg__doc_pass(c, MDLG_CHECK_ISSUER_SIGNATURE);
}

static bool doc_ok(const struct mdlg_doc_result *r)
{
    if (r->n_errors > 0 || r->n_errors_dropped > 0)
        return false;
    for (int i = 0; i < MDLG_CHECK_COUNT; i++)
        if (r->checks[i] != MDLG_CHECK_OK)
            return false;
    return true;
}

/*
 * Element values are only worth anything under a valid issuer signature, and
 * device-signed ones also need a valid device authentication.
 */
static void drop_unauthenticated(struct mdlg_doc_result *r)
{
    size_t keep = 0;
    bool issuer_ok = r->checks[MDLG_CHECK_ISSUER_SIGNATURE] == MDLG_CHECK_OK &&
                     r->checks[MDLG_CHECK_ISSUER_CERTIFICATE] == MDLG_CHECK_OK;
    bool device_ok = r->checks[MDLG_CHECK_DEVICE_AUTH] == MDLG_CHECK_OK;
    for (size_t i = 0; issuer_ok && i < r->n_elements; i++)
        if (!r->elements[i].device_signed || device_ok)
            r->elements[keep++] = r->elements[i];
    r->n_elements = keep;
}

static void verify_document(const struct mdlg_verify_opts *o, const struct mdlg_cbor_doc *rd,
                            uint32_t doc, struct mdlg_doc_result *r)
{
    struct doc_ctx c = { .o = o, .rd = rd, .doc = doc, .r = r };
    memset(r, 0, sizeof *r);
    if (step_structure(&c)) {
        step_chain(&c);
        step_issuer_signature(&c);
        if (mdlg__step_mso(&c)) {
            mdlg__step_digests(&c);
            mdlg__step_validity(&c);
            mdlg__step_jurisdiction(&c);
            mdlg__step_device_auth(&c);
        }
        mdlg__step_revocation(&c);
    }
    r->valid = doc_ok(r);
    drop_unauthenticated(r);
    mdlg_pkey_free(c.device_key);
    free(c.mso_items);
}

/* ---- DeviceResponse ---- */

static void resp_fail(struct mdlg_result *out, mdlg_err code, size_t off, const char *detail)
{
    if (out->n_errors < MDLG_MAX_RESPONSE_ERRORS)
        out->errors[out->n_errors++] = (struct mdlg_doc_error){ code, { NULL, 0 }, { NULL, 0 },
                                                                off, detail };
}

/* A.1: version (major 1) and status (0 = OK). */
static void check_version_status(const struct mdlg_cbor_doc *d, struct mdlg_result *out)
{
    struct mdlg_bytes ver;
    uint32_t v = mdlg_cbor_map_get_str(d, 0, "version");
    uint32_t st = mdlg_cbor_map_get_str(d, 0, "status");
    if (v == MDLG_CBOR_NONE)
        resp_fail(out, MDLG_E_CBOR_MISSING_FIELD, 0, "version (tstr) is missing");
    else if (!mdlg_cbor_get_tstr(d, v, &ver))
        resp_fail(out, MDLG_E_CBOR_UNEXPECTED_TYPE, d->items[v].off, "version must be a tstr");
    else if (ver.len < 2 || memcmp(ver.ptr, "1.", 2) != 0)
        resp_fail(out, MDLG_E_RESPONSE_VERSION_UNSUPPORTED, d->items[v].off, NULL);
    if (st == MDLG_CBOR_NONE)
        resp_fail(out, MDLG_E_CBOR_MISSING_FIELD, 0, "status (uint) is missing");
    else if (!mdlg_cbor_get_uint(d, st, &out->status))
        resp_fail(out, MDLG_E_CBOR_UNEXPECTED_TYPE, d->items[st].off, "status must be a uint");
    else if (out->status != 0)
        resp_fail(out, MDLG_E_RESPONSE_STATUS_ERROR, 0, "the wallet reported an error status");
}

/* A.1: the response map; returns the documents array or NONE. */
static uint32_t check_response(const struct mdlg_cbor_doc *d, struct mdlg_result *out)
{
    uint32_t docs = mdlg_cbor_map_get_str(d, 0, "documents");
    uint32_t derr = mdlg_cbor_map_get_str(d, 0, "documentErrors");
    if (!mdlg_cbor_is_type(d, 0, MDLG_CBOR_MAP))
        return resp_fail(out, MDLG_E_CBOR_UNEXPECTED_TYPE, 0, "DeviceResponse is not a map"),
               MDLG_CBOR_NONE;
    check_version_status(d, out);
    if (derr != MDLG_CBOR_NONE && !mdlg_cbor_is_type(d, derr, MDLG_CBOR_ARRAY))
        resp_fail(out, MDLG_E_CBOR_UNEXPECTED_TYPE, d->items[derr].off, "documentErrors");
    else if (derr != MDLG_CBOR_NONE)
        out->n_document_errors = d->items[derr].count;
    if (docs == MDLG_CBOR_NONE || (mdlg_cbor_is_type(d, docs, MDLG_CBOR_ARRAY) &&
                                   d->items[docs].count == 0))
        return resp_fail(out, MDLG_E_RESPONSE_NO_DOCUMENTS, 0, NULL), MDLG_CBOR_NONE;
    if (!mdlg_cbor_is_type(d, docs, MDLG_CBOR_ARRAY))
        return resp_fail(out, MDLG_E_CBOR_UNEXPECTED_TYPE, d->items[docs].off, "documents"),
               MDLG_CBOR_NONE;
    if (d->items[docs].count > MDLG_MAX_DOCUMENTS)
        return resp_fail(out, MDLG_E_LIMIT_DOCUMENTS, d->items[docs].off, NULL), MDLG_CBOR_NONE;
    return docs;
}

static bool result_valid(const struct mdlg_result *out)
{
    if (out->n_errors > 0 || out->n_docs == 0)
        return false;
    for (size_t i = 0; i < out->n_docs; i++)
        if (!out->docs[i].valid)
            return false;
    return true;
}

mdlg_err mdlg_verify(const uint8_t *buf, size_t len, const struct mdlg_verify_opts *o,
                     struct mdlg_result *out)
{
    struct mdlg_cbor_doc d;
    struct mdlg_diag diag = { 0 };
    /* Not the ~40 KB of docs[]: each document is cleared when it is verified. */
    memset(out, 0, offsetof(struct mdlg_result, docs));
    out->n_docs = out->n_document_errors = 0;
    if (o == NULL || o->now <= 0 || o->trust == NULL || buf == NULL)
        return MDLG_E_USAGE;
    out->policy = o->policy;
    out->verified_at = o->now;
    if (len > MDLG_MAX_BODY)
        return resp_fail(out, MDLG_E_LIMIT_BODY_SIZE, 0, NULL), MDLG_E_OK;
    struct mdlg_cbor_item *items = NULL;
    mdlg_err e = mdlg__parse_alloc(&d, mdlg_bytes_make(buf, len), &items, &diag);
    if (e == MDLG_E_NO_MEMORY)
        return e;
    if (e != MDLG_E_OK) {
        resp_fail(out, e, diag.offset, NULL);
    } else {
        uint32_t docs = check_response(&d, out);
        for (uint32_t i = mdlg_cbor_first(&d, docs); docs != MDLG_CBOR_NONE && i != MDLG_CBOR_NONE;
             i = mdlg_cbor_next(&d, docs, i))
            verify_document(o, &d, i, &out->docs[out->n_docs++]);
    }
    out->valid = result_valid(out);
    free(items);
    return MDLG_E_OK;
}

void mdlg_result_free(struct mdlg_result *r)
{
    for (size_t i = 0; i < r->n_docs; i++) {
        free(r->docs[i].elements);
        r->docs[i].elements = NULL;
        mdlg_chain_result_clear(&r->docs[i].chain);
    }
    r->n_docs = 0;
}
