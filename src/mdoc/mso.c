/*
 * mso.c - MobileSecurityObject and value digests (18013-5 9.1.2.4, 9.3.1).
 * see mdlg/mdoc.h
 */
#include <stdlib.h>
#include <string.h>

#include "mdoc_internal.h"

#define ITEM_STACK_ITEMS 512u

static const struct mdlg_bytes none = { NULL, 0 };

/* Payload = #6.24(bstr .cbor MSO); returns the inner bytes. */
static bool mso_unwrap(struct doc_ctx *c, struct mdlg_bytes *inner)
{
    struct mdlg_cbor_item items[4];
    struct mdlg_cbor_doc pd;
    struct mdlg_bytes p = c->issuer_auth.payload;
    if (c->issuer_auth.payload_nil) {
        mdlg__doc_fail0(c, MDLG_CHECK_MSO, MDLG_E_COSE_PAYLOAD_MISSING, c->issuer_auth.offset,
                        "issuerAuth has no payload");
        return false;
    }
    if (p.len < 2 || p.ptr[0] != 0xd8 || p.ptr[1] != 0x18 ||
        mdlg_cbor_parse(&pd, p.ptr, p.len, items, 4, NULL) != MDLG_E_OK ||
        !mdlg_cbor_get_tag24(&pd, 0, inner)) {
        mdlg__doc_fail0(c, MDLG_CHECK_MSO, MDLG_E_MSO_NOT_TAGGED, c->issuer_auth.offset,
                        "issuerAuth payload must be #6.24(bstr .cbor MobileSecurityObject)");
        return false;
    }
    return true;
}

static bool parse_digest_alg(struct mdlg_bytes s, enum mdlg_hash_alg *h)
{
    if (mdlg_bytes_eq_str(s, "SHA-256"))
        *h = MDLG_SHA256;
    else if (mdlg_bytes_eq_str(s, "SHA-384"))
        *h = MDLG_SHA384;
    else if (mdlg_bytes_eq_str(s, "SHA-512"))
        *h = MDLG_SHA512;
    else
        return false;
    return true;
}

/* valueDigests: at most MDLG_MAX_NAMESPACES maps of at most MDLG_MAX_DIGESTS bstr. */
static mdlg_err check_value_digests(const struct mdlg_cbor_doc *m, uint32_t vd)
{
    if (!mdlg_cbor_is_type(m, vd, MDLG_CBOR_MAP))
        return MDLG_E_MSO_MALFORMED;
    if (m->items[vd].count > MDLG_MAX_NAMESPACES)
        return MDLG_E_LIMIT_NAMESPACES;
    for (uint32_t k = mdlg_cbor_first(m, vd); k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(m, vd, k);
        if (!mdlg_cbor_is_type(m, k, MDLG_CBOR_TSTR) || !mdlg_cbor_is_type(m, v, MDLG_CBOR_MAP))
            return MDLG_E_MSO_MALFORMED;
        if (m->items[v].count > MDLG_MAX_DIGESTS)
            return MDLG_E_LIMIT_DIGESTS;
        k = mdlg_cbor_next(m, vd, v);
    }
    return MDLG_E_OK;
}

/* The MSO's own fields; records failures under the MSO check. */
static bool mso_fields(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *m = &c->mso;
    struct mdlg_bytes ver, alg, dt;
    mdlg_err e = MDLG_E_OK;
    if (!mdlg_cbor_is_type(m, 0, MDLG_CBOR_MAP) ||
        !mdlg_cbor_get_tstr(m, mdlg_cbor_map_get_str(m, 0, "version"), &ver) ||
        !mdlg_cbor_get_tstr(m, mdlg_cbor_map_get_str(m, 0, "digestAlgorithm"), &alg) ||
        !mdlg_cbor_get_tstr(m, mdlg_cbor_map_get_str(m, 0, "docType"), &dt) ||
        !mdlg_cbor_is_type(m, mdlg_cbor_map_get_str(m, 0, "validityInfo"), MDLG_CBOR_MAP) ||
        !mdlg_cbor_is_type(m, mdlg_cbor_map_get_str(m, 0, "deviceKeyInfo"), MDLG_CBOR_MAP))
        e = MDLG_E_MSO_MALFORMED;
    else if (!mdlg_bytes_eq_str(ver, "1.0"))
        e = MDLG_E_MSO_VERSION_UNSUPPORTED;
    else if (!parse_digest_alg(alg, &c->halg))
        e = MDLG_E_MSO_DIGEST_ALG_UNSUPPORTED;
    else
        e = check_value_digests(m, mdlg_cbor_map_get_str(m, 0, "valueDigests"));
    if (e != MDLG_E_OK) {
        mdlg__doc_fail0(c, MDLG_CHECK_MSO, e, c->issuer_auth.offset, "MobileSecurityObject");
        return false;
    }
    mdlg__doc_pass(c, MDLG_CHECK_MSO);
    if (!mdlg_bytes_eq(dt, c->r->doctype))
        mdlg__doc_fail0(c, MDLG_CHECK_DOCTYPE, MDLG_E_MSO_DOCTYPE_MISMATCH, c->issuer_auth.offset,
                        "MSO docType differs from the Document's docType");
    else
        mdlg__doc_pass(c, MDLG_CHECK_DOCTYPE);
    return true;
}

/* MSO status.status_list (IETF Token Status List), recorded for revocation checks. */
static void mso_status(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *m = &c->mso;
    uint32_t sl = mdlg_cbor_map_get_str(m, mdlg_cbor_map_get_str(m, 0, "status"), "status_list");
    uint64_t idx;
    struct mdlg_bytes uri;
    if (mdlg_cbor_get_uint(m, mdlg_cbor_map_get_str(m, sl, "idx"), &idx) &&
        mdlg_cbor_get_tstr(m, mdlg_cbor_map_get_str(m, sl, "uri"), &uri)) {
        c->r->status_list_uri = uri;
        c->r->status_list_idx = idx;
    }
}

bool mdlg__step_mso(struct doc_ctx *c)
{
    struct mdlg_bytes inner;
    struct mdlg_diag diag = { 0 };
    if (!mso_unwrap(c, &inner))
        return false;
    mdlg_err e = mdlg__parse_alloc(&c->mso, inner, &c->mso_items, &diag);
    if (e != MDLG_E_OK) {
        mdlg__doc_fail0(c, MDLG_CHECK_MSO, e, (size_t)(inner.ptr - c->rd->buf) + diag.offset,
                        "MobileSecurityObject");
        return false;
    }
    if (!mso_fields(c))
        return false;
    mso_status(c);
    return true;
}

/* ---- digests ---- */

/* Seen (digestID, elementIdentifier) pairs in one namespace. */
struct seen {
    uint64_t ids[MDLG_MAX_ELEMENTS];
    struct mdlg_bytes names[MDLG_MAX_ELEMENTS];
    size_t n;
};

/* Decoded IssuerSignedItem fields. */
struct isi {
    uint64_t digest_id;
    struct mdlg_bytes id;
    struct mdlg_bytes value;
};

static mdlg_err read_item(struct mdlg_bytes inner, struct isi *it)
{
    struct mdlg_cbor_item stack_items[ITEM_STACK_ITEMS];
    struct mdlg_cbor_item *items = stack_items;
    struct mdlg_cbor_doc d;
    struct mdlg_bytes rnd;
    mdlg_err e = mdlg_cbor_parse(&d, inner.ptr, inner.len, items, ITEM_STACK_ITEMS, NULL);
    if (e == MDLG_E_CBOR_TOO_MANY_ITEMS)
        e = mdlg__parse_alloc(&d, inner, &items, NULL);
    uint32_t v = mdlg_cbor_map_get_str(&d, 0, "elementValue");
    if (e == MDLG_E_OK &&
        (!mdlg_cbor_get_uint(&d, mdlg_cbor_map_get_str(&d, 0, "digestID"), &it->digest_id) ||
         !mdlg_cbor_get_bstr(&d, mdlg_cbor_map_get_str(&d, 0, "random"), &rnd) ||
         !mdlg_cbor_get_tstr(&d, mdlg_cbor_map_get_str(&d, 0, "elementIdentifier"), &it->id) ||
         v == MDLG_CBOR_NONE))
        e = MDLG_E_ITEM_MALFORMED;
    if (e == MDLG_E_OK)
        it->value = mdlg_cbor_span(&d, v);
    if (items != stack_items)
        free(items);
    return e;
}

/* Records (id, name); returns the duplicate error if either was seen. */
static mdlg_err seen_add(struct seen *s, const struct isi *it)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->ids[i] == it->digest_id)
            return MDLG_E_MSO_DIGEST_ID_DUPLICATE;
        if (mdlg_bytes_eq(s->names[i], it->id))
            return MDLG_E_ITEM_ELEMENT_DUPLICATE;
    }
    s->ids[s->n] = it->digest_id;
    s->names[s->n++] = it->id;
    return MDLG_E_OK;
}

/* Compares H(exact IssuerSignedItemBytes) with valueDigests[ns][digestID]. */
static mdlg_err check_digest(struct doc_ctx *c, uint32_t vd_ns, struct mdlg_bytes span,
                             uint64_t digest_id)
{
    uint8_t h[MDLG_HASH_MAX];
    struct mdlg_bytes want;
    if (digest_id > (uint64_t)INT64_MAX ||
        !mdlg_cbor_get_bstr(&c->mso, mdlg_cbor_map_get_int(&c->mso, vd_ns, (int64_t)digest_id),
                            &want))
        return MDLG_E_MSO_DIGEST_MISSING;
    mdlg_err e = mdlg_hash(c->halg, span.ptr, span.len, h);
    if (e != MDLG_E_OK)
        return e;
    if (want.len != mdlg_hash_len(c->halg) || memcmp(want.ptr, h, want.len) != 0)
        return MDLG_E_MSO_DIGEST_MISMATCH;
    return MDLG_E_OK;
}

/* One IssuerSignedItemBytes at index `i` of namespace `ns`. */
static void check_item(struct doc_ctx *c, struct mdlg_bytes ns, uint32_t vd_ns, uint32_t i,
                       struct seen *seen)
{
    const struct mdlg_cbor_doc *d = c->rd;
    struct mdlg_bytes inner;
    struct isi it = { 0 };
    mdlg_err e;
    if (!mdlg_cbor_get_tag24(d, i, &inner))
        e = MDLG_E_ITEM_NOT_TAGGED;
    else if ((e = read_item(inner, &it)) == MDLG_E_OK && (e = seen_add(seen, &it)) == MDLG_E_OK)
        e = check_digest(c, vd_ns, mdlg_cbor_span(d, i), it.digest_id);
    if (e != MDLG_E_OK) {
        mdlg__doc_fail(c, MDLG_CHECK_DIGESTS, e, ns, it.id, d->items[i].off, NULL);
        return;
    }
    mdlg__doc_add_element(c, ns, it.id, it.value, false);
}

/* Value for the text key `key` (a view, not NUL-terminated) in map m, or NONE. */
static uint32_t map_get_text(const struct mdlg_cbor_doc *d, uint32_t m, struct mdlg_bytes key)
{
    for (uint32_t k = mdlg_cbor_first(d, m); k != MDLG_CBOR_NONE;) {
        struct mdlg_bytes name;
        uint32_t v = mdlg_cbor_next(d, m, k);
        if (mdlg_cbor_get_tstr(d, k, &name) && mdlg_bytes_eq(name, key))
            return v;
        k = mdlg_cbor_next(d, m, v);
    }
    return MDLG_CBOR_NONE;
}

/* One namespace: an array of IssuerSignedItemBytes. */
static void check_namespace(struct doc_ctx *c, uint32_t k, uint32_t arr, struct seen *seen)
{
    const struct mdlg_cbor_doc *d = c->rd;
    struct mdlg_bytes ns;
    if (!mdlg_cbor_get_tstr(d, k, &ns) || !mdlg_cbor_is_type(d, arr, MDLG_CBOR_ARRAY)) {
        mdlg__doc_fail0(c, MDLG_CHECK_DIGESTS, MDLG_E_DOC_MALFORMED, d->items[k].off,
                        "issuerSigned.nameSpaces must map tstr to arrays");
        return;
    }
    if (d->items[arr].count > MDLG_MAX_ELEMENTS) {
        mdlg__doc_fail(c, MDLG_CHECK_DIGESTS, MDLG_E_LIMIT_ELEMENTS, ns, none, d->items[arr].off,
                       NULL);
        return;
    }
    uint32_t vd_ns = map_get_text(&c->mso, mdlg_cbor_map_get_str(&c->mso, 0, "valueDigests"), ns);
    seen->n = 0;
    for (uint32_t i = mdlg_cbor_first(d, arr); i != MDLG_CBOR_NONE; i = mdlg_cbor_next(d, arr, i))
        check_item(c, ns, vd_ns, i, seen);
}

void mdlg__step_digests(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *d = c->rd;
    uint32_t nss = mdlg_cbor_map_get_str(d, mdlg_cbor_map_get_str(d, c->doc, "issuerSigned"),
                                         "nameSpaces");
    struct seen seen;
    if (nss != MDLG_CBOR_NONE && !mdlg_cbor_is_type(d, nss, MDLG_CBOR_MAP)) {
        mdlg__doc_fail0(c, MDLG_CHECK_DIGESTS, MDLG_E_DOC_MALFORMED, d->items[nss].off,
                        "issuerSigned.nameSpaces is not a map");
        return;
    }
    if (nss != MDLG_CBOR_NONE && d->items[nss].count > MDLG_MAX_NAMESPACES) {
        mdlg__doc_fail0(c, MDLG_CHECK_DIGESTS, MDLG_E_LIMIT_NAMESPACES, d->items[nss].off, NULL);
        return;
    }
    for (uint32_t k = mdlg_cbor_first(d, nss); nss != MDLG_CBOR_NONE && k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(d, nss, k);
        check_namespace(c, k, v, &seen);
        k = mdlg_cbor_next(d, nss, v);
    }
    mdlg__doc_pass(c, MDLG_CHECK_DIGESTS);
}
