/*
 * cose_msg.c - COSE_Sign1 / COSE_Mac0 parsing and header rules.
 * see mdlg/cose.h
 */
#include <string.h>

#include "mdlg/cose.h"

#define HDR_ITEMS 64u     /* items in one protected header map */
#define LABEL_ALG 1
#define LABEL_CRIT 2
#define LABEL_CTY 3
#define LABEL_KID 4
#define LABEL_X5CHAIN 33

struct hdr_state {
    struct mdlg_cose_headers *h;
    bool alg_unprotected;
    struct mdlg_bytes x5_other[MDLG_MAX_X5CHAIN];  /* x5chain from the other bucket */
    size_t x5_other_n;
    bool x5_seen;
};

/* Labels we understand, so `crit` may name them (cose.h: 1, 2, 3, 4, 33). */
static bool label_understood(int64_t l)
{
    return l == LABEL_ALG || l == LABEL_CRIT || l == LABEL_CTY || l == LABEL_KID ||
           l == LABEL_X5CHAIN;
}

/* True if key k of doc a equals key j of doc b (int or text label). */
static bool label_eq(const struct mdlg_cbor_doc *a, uint32_t k, const struct mdlg_cbor_doc *b,
                     uint32_t j)
{
    int64_t x, y;
    struct mdlg_bytes s, t;
    if (mdlg_cbor_get_int(a, k, &x) && mdlg_cbor_get_int(b, j, &y))
        return x == y;
    if (mdlg_cbor_get_tstr(a, k, &s) && mdlg_cbor_get_tstr(b, j, &t))
        return mdlg_bytes_eq(s, t);
    return false;
}

/* Reads an x5chain value (bstr or array of bstr) into out[]. */
static mdlg_err read_x5chain(const struct mdlg_cbor_doc *d, uint32_t v, struct mdlg_bytes *out,
                             size_t *n)
{
    *n = 0;
    if (mdlg_cbor_get_bstr(d, v, &out[0]) && out[0].len > 0) {
        *n = 1;
        return MDLG_E_OK;
    }
    if (!mdlg_cbor_is_type(d, v, MDLG_CBOR_ARRAY) || d->items[v].count == 0)
        return MDLG_E_COSE_X5CHAIN_MALFORMED;
    if (d->items[v].count > MDLG_MAX_X5CHAIN)
        return MDLG_E_LIMIT_X5CHAIN;
    for (uint32_t c = mdlg_cbor_first(d, v); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, v, c)) {
        if (!mdlg_cbor_get_bstr(d, c, &out[*n]) || out[*n].len == 0)
            return MDLG_E_COSE_X5CHAIN_MALFORMED;
        (*n)++;
    }
    return MDLG_E_OK;
}

static bool chains_equal(const struct mdlg_bytes *a, size_t na, const struct mdlg_bytes *b,
                         size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!mdlg_bytes_eq(a[i], b[i]))
            return false;
    return true;
}

/* x5chain from either bucket; a second occurrence must be identical. */
static mdlg_err take_x5chain(struct hdr_state *st, const struct mdlg_cbor_doc *d, uint32_t v)
{
    struct mdlg_bytes chain[MDLG_MAX_X5CHAIN];
    size_t n;
    mdlg_err e = read_x5chain(d, v, chain, &n);
    if (e != MDLG_E_OK)
        return e;
    if (st->x5_seen)
        return chains_equal(chain, n, st->h->x5chain, st->h->x5chain_n)
                   ? MDLG_E_OK : MDLG_E_COSE_X5CHAIN_CONFLICT;
    memcpy(st->h->x5chain, chain, n * sizeof chain[0]);
    st->h->x5chain_n = n;
    st->x5_seen = true;
    return MDLG_E_OK;
}

/* crit: a non-empty array of understood labels, all present in the protected map. */
static mdlg_err check_crit(const struct mdlg_cbor_doc *d, uint32_t map, uint32_t v)
{
    if (!mdlg_cbor_is_type(d, v, MDLG_CBOR_ARRAY) || d->items[v].count == 0)
        return MDLG_E_COSE_HEADER_MALFORMED;
    for (uint32_t c = mdlg_cbor_first(d, v); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, v, c)) {
        int64_t l;
        if (!mdlg_cbor_get_int(d, c, &l) || !label_understood(l))
            return MDLG_E_COSE_CRIT_UNKNOWN;
        if (mdlg_cbor_map_get_int(d, map, l) == MDLG_CBOR_NONE)
            return MDLG_E_COSE_HEADER_MALFORMED;
    }
    return MDLG_E_OK;
}

/*
 * The protected alg: an int (RFC 9052 alg is int / tstr). A text name or an
 * integer outside int64 is a well-formed alg we do not support; any other
 * type is a malformed header.
 */
static mdlg_err take_alg(struct mdlg_cose_headers *h, const struct mdlg_cbor_doc *d, uint32_t v)
{
    if (mdlg_cbor_get_int(d, v, &h->alg)) {
        h->has_alg = true;
        return MDLG_E_OK;
    }
    if (mdlg_cbor_is_type(d, v, MDLG_CBOR_TSTR) || mdlg_cbor_is_type(d, v, MDLG_CBOR_UINT) ||
        mdlg_cbor_is_type(d, v, MDLG_CBOR_NEGINT))
        return MDLG_E_COSE_ALG_UNSUPPORTED;
    return MDLG_E_COSE_HEADER_MALFORMED;
}

/* One header parameter. */
static mdlg_err take_param(struct hdr_state *st, const struct mdlg_cbor_doc *d, uint32_t map,
                           uint32_t k, uint32_t v, bool prot)
{
    int64_t label;
    if (!mdlg_cbor_get_int(d, k, &label))
        return mdlg_cbor_is_type(d, k, MDLG_CBOR_TSTR) ? MDLG_E_OK : MDLG_E_COSE_HEADER_MALFORMED;
    switch (label) {
    case LABEL_ALG:
        if (!prot) {
            st->alg_unprotected = true;
            return MDLG_E_OK;
        }
        return take_alg(st->h, d, v);
    case LABEL_CRIT:
        return prot ? check_crit(d, map, v) : MDLG_E_COSE_HEADER_MALFORMED;
    case LABEL_KID:
        return mdlg_cbor_get_bstr(d, v, &st->h->kid) ? MDLG_E_OK : MDLG_E_COSE_HEADER_MALFORMED;
    case LABEL_X5CHAIN:
        return take_x5chain(st, d, v);
    default:
        return MDLG_E_OK;
    }
}

/* Walks one header map; `other` (may be NULL) is the protected map for duplicate checks. */
static mdlg_err take_bucket(struct hdr_state *st, const struct mdlg_cbor_doc *d, uint32_t map,
                            bool prot, const struct mdlg_cbor_doc *od, uint32_t omap)
{
    for (uint32_t k = mdlg_cbor_first(d, map); k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(d, map, k);
        int64_t label = 0;
        bool is_x5 = mdlg_cbor_get_int(d, k, &label) && label == LABEL_X5CHAIN;
        if (od != NULL && !is_x5) {
            for (uint32_t j = mdlg_cbor_first(od, omap); j != MDLG_CBOR_NONE;
                 j = mdlg_cbor_next(od, omap, mdlg_cbor_next(od, omap, j)))
                if (label_eq(d, k, od, j))
                    return MDLG_E_COSE_HEADER_DUPLICATE;
        }
        mdlg_err e = take_param(st, d, map, k, v, prot);
        if (e != MDLG_E_OK)
            return e;
        k = mdlg_cbor_next(d, map, v);
    }
    return MDLG_E_OK;
}

/* Parses the protected bstr content and both buckets. */
static mdlg_err parse_headers(const struct mdlg_cbor_doc *d, uint32_t unprot,
                              struct mdlg_cose_msg *m, struct mdlg_diag *diag)
{
    struct mdlg_cbor_item items[HDR_ITEMS];
    struct mdlg_cbor_doc pd = { 0 };
    struct hdr_state st = { .h = &m->hdr };
    bool has_prot = m->protected_bytes.len > 0;
    mdlg_err e;
    if (has_prot) {
        e = mdlg_cbor_parse(&pd, m->protected_bytes.ptr, m->protected_bytes.len, items,
                            HDR_ITEMS, diag);
        if (e != MDLG_E_OK)
            return e;
        if (!mdlg_cbor_is_type(&pd, 0, MDLG_CBOR_MAP))
            return MDLG_E_COSE_PROTECTED_NOT_MAP;
        if ((e = take_bucket(&st, &pd, 0, true, NULL, 0)) != MDLG_E_OK)
            return e;
    }
    e = take_bucket(&st, d, unprot, false, has_prot ? &pd : NULL, 0);
    if (e != MDLG_E_OK)
        return e;
    if (!m->hdr.has_alg)
        return st.alg_unprotected ? MDLG_E_COSE_ALG_NOT_PROTECTED : MDLG_E_COSE_ALG_MISSING;
    return MDLG_E_OK;
}

/* The 4-element array (after an optional tag 18/17). */
static mdlg_err parse_array(const struct mdlg_cbor_doc *d, uint32_t a, struct mdlg_cose_msg *m,
                            uint32_t *unprot)
{
    if (!mdlg_cbor_is_type(d, a, MDLG_CBOR_ARRAY) || d->items[a].count != 4)
        return MDLG_E_COSE_MALFORMED;
    uint32_t p = mdlg_cbor_first(d, a);
    *unprot = mdlg_cbor_next(d, a, p);
    uint32_t pl = mdlg_cbor_next(d, a, *unprot);
    uint32_t sig = mdlg_cbor_next(d, a, pl);
    if (!mdlg_cbor_get_bstr(d, p, &m->protected_bytes))
        return MDLG_E_COSE_PROTECTED_NOT_BSTR;
    if (!mdlg_cbor_is_type(d, *unprot, MDLG_CBOR_MAP))
        return MDLG_E_COSE_MALFORMED;
    m->payload_nil = mdlg_cbor_is_null(d, pl);
    if (!m->payload_nil && !mdlg_cbor_get_bstr(d, pl, &m->payload))
        return MDLG_E_COSE_MALFORMED;
    if (!mdlg_cbor_get_bstr(d, sig, &m->tag))
        return MDLG_E_COSE_MALFORMED;
    /* RFC 9052 3: an empty map is sent as h''; treat a received h'a0' the same. */
    if (m->protected_bytes.len == 1 && m->protected_bytes.ptr[0] == 0xa0)
        m->protected_bytes.len = 0;
    return MDLG_E_OK;
}

mdlg_err mdlg_cose_parse(const struct mdlg_cbor_doc *d, uint32_t idx, bool is_mac,
                         struct mdlg_cose_msg *out, struct mdlg_diag *diag)
{
    struct mdlg_cose_msg m;
    uint32_t unprot;
    mdlg_err e;
    memset(&m, 0, sizeof m);
    if (idx >= d->n)
        return MDLG_E_COSE_MALFORMED;
    m.offset = d->items[idx].off;
    if (mdlg_cbor_is_type(d, idx, MDLG_CBOR_TAG)) {
        if (d->items[idx].v.u != (is_mac ? 17u : 18u)) {
            e = MDLG_E_COSE_TAG_UNEXPECTED;
            goto done;
        }
        idx++;
    }
    if ((e = parse_array(d, idx, &m, &unprot)) != MDLG_E_OK)
        goto done;
    e = parse_headers(d, unprot, &m, NULL);
done:
    if (e == MDLG_E_OK)
        *out = m;
    else if (diag != NULL && diag->code == MDLG_E_OK) {
        diag->code = e;
        diag->offset = m.offset;
    }
    return e;
}
