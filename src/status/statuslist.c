/*
 * statuslist.c - verifying a Status List Token (CWT) and reading an entry.
 * see mdlg/statuslist.h
 */
#include <stdlib.h>
#include <string.h>

#include "mdlg/cose.h"
#include "mdlg/limits.h"
#include "mdlg/statuslist.h"

#define CWT_TAG 61
#define LABEL_TYP 16
#define CLAIM_SUB 2
#define CLAIM_EXP 4
#define CLAIM_IAT 6
#define CLAIM_TTL 65534
#define CLAIM_STATUS_LIST 65533

/* The protected header's typ (16) must be the status list media type. */
static bool typ_ok(struct mdlg_bytes prot)
{
    struct mdlg_cbor_item items[64];
    struct mdlg_cbor_doc d;
    if (prot.len == 0 || mdlg_cbor_parse(&d, prot.ptr, prot.len, items, 64, NULL) != MDLG_E_OK)
        return false;
    return mdlg_cbor_str_eq(&d, mdlg_cbor_map_get_int(&d, 0, LABEL_TYP), MDLG_STATUSLIST_TYP,
                            strlen(MDLG_STATUSLIST_TYP));
}

/* Signer chain to the document's IACA (or a _status anchor), then the signature. */
static mdlg_err check_signature(const struct mdlg_cose_msg *m, mdlg_trust *t,
                                const uint8_t anchor[32], int64_t now, const char **why)
{
    struct mdlg_bytes none = { NULL, 0 };
    mdlg_pkey *key = NULL;
    if (!typ_ok(m->protected_bytes))
        return *why = "protected typ is not " MDLG_STATUSLIST_TYP, MDLG_E_STATUS_LIST_INVALID;
    if (m->hdr.x5chain_n == 0)
        return *why = "no x5chain", MDLG_E_STATUS_LIST_INVALID;
    mdlg_err e = mdlg_trust_verify_signer(t, m->hdr.x5chain, m->hdr.x5chain_n, now, anchor, &key);
    if (e != MDLG_E_OK)
        return *why = "signer does not chain to the document's IACA or a status anchor", e;
    e = mdlg_cose_sign1_verify(m, key, none, none);
    if (e != MDLG_E_OK)
        *why = "signature";
    mdlg_pkey_free(key);
    return e;
}

static bool opt_int(const struct mdlg_cbor_doc *d, uint32_t i, int64_t *v)
{
    *v = 0;
    return i == MDLG_CBOR_NONE || mdlg_cbor_get_int(d, i, v);
}

/* sub, iat, exp, ttl against uri and now. */
static mdlg_err check_claims(const struct mdlg_cbor_doc *d, struct mdlg_bytes uri, int64_t now,
                             struct mdlg_status_list *out, const char **why)
{
    struct mdlg_bytes sub;
    if (!mdlg_cbor_get_tstr(d, mdlg_cbor_map_get_int(d, 0, CLAIM_SUB), &sub) ||
        !mdlg_bytes_eq(sub, uri))
        return *why = "sub differs from the MSO's status_list uri", MDLG_E_STATUS_LIST_INVALID;
    if (!mdlg_cbor_get_int(d, mdlg_cbor_map_get_int(d, 0, CLAIM_IAT), &out->iat) ||
        !opt_int(d, mdlg_cbor_map_get_int(d, 0, CLAIM_EXP), &out->exp) ||
        !opt_int(d, mdlg_cbor_map_get_int(d, 0, CLAIM_TTL), &out->ttl) || out->ttl < 0)
        return *why = "iat missing, or iat/exp/ttl not integers", MDLG_E_STATUS_LIST_INVALID;
    if (out->iat > now)
        return *why = "issued in the future (iat after now)", MDLG_E_STATUS_LIST_INVALID;
    if (out->exp != 0 && now > out->exp)
        return *why = "expired (exp before now)", MDLG_E_STATUS_LIST_INVALID;
    if (out->ttl != 0 && now - out->iat > out->ttl)
        return *why = "stale (older than its ttl)", MDLG_E_STATUS_LIST_INVALID;
    return MDLG_E_OK;
}

/* status_list {bits, lst}: bits in {1,2,4,8}, lst inflated within the cap. */
static mdlg_err read_list(const struct mdlg_cbor_doc *d, struct mdlg_status_list *out,
                          const char **why)
{
    uint32_t sl = mdlg_cbor_map_get_int(d, 0, CLAIM_STATUS_LIST);
    uint64_t bits;
    struct mdlg_bytes lst;
    if (!mdlg_cbor_get_uint(d, mdlg_cbor_map_get_str(d, sl, "bits"), &bits) ||
        !mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_str(d, sl, "lst"), &lst))
        return *why = "status_list needs bits (uint) and lst (bstr)", MDLG_E_STATUS_LIST_INVALID;
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8)
        return *why = "bits is not 1, 2, 4 or 8", MDLG_E_STATUS_LIST_INVALID;
    out->bits = (unsigned)bits;
    mdlg_err e = mdlg_zlib_inflate_bounded(lst.ptr, lst.len, MDLG_MAX_STATUS_LIST_BYTES,
                                           &out->lst, &out->lst_len);
    if (e == MDLG_E_STATUS_LIST_TOO_LARGE)
        *why = "lst inflates beyond the limit";
    else if (e != MDLG_E_OK)
        *why = "lst is not a zlib stream";
    return e;
}

static mdlg_err verify_parsed(const struct mdlg_cbor_doc *d, struct mdlg_bytes uri,
                              mdlg_trust *t, const uint8_t anchor[32], int64_t now,
                              struct mdlg_status_list *out, const char **why)
{
    struct mdlg_cose_msg m;
    struct mdlg_cbor_doc pd;
    struct mdlg_cbor_item *items = NULL;
    uint32_t root = mdlg_cbor_untag(d, 0, CWT_TAG);
    mdlg_err e = mdlg_cose_parse(d, root == MDLG_CBOR_NONE ? 0 : root, false, &m, NULL);
    if (e != MDLG_E_OK)
        return *why = "not a COSE_Sign1", e;
    if ((e = check_signature(&m, t, anchor, now, why)) != MDLG_E_OK)
        return e;
    size_t cap = m.payload.len + 1 < MDLG_MAX_ITEMS ? m.payload.len + 1 : MDLG_MAX_ITEMS;
    if ((items = malloc(cap * sizeof *items)) == NULL)
        return MDLG_E_NO_MEMORY;
    if (mdlg_cbor_parse(&pd, m.payload.ptr, m.payload.len, items, (uint32_t)cap, NULL) != MDLG_E_OK ||
        !mdlg_cbor_is_type(&pd, 0, MDLG_CBOR_MAP))
        e = (*why = "payload is not a CBOR map", MDLG_E_STATUS_LIST_INVALID);
    if (e == MDLG_E_OK)
        e = check_claims(&pd, uri, now, out, why);
    if (e == MDLG_E_OK)
        e = read_list(&pd, out, why);
    free(items);
    return e;
}

mdlg_err mdlg_status_list_verify(const uint8_t *token, size_t len, struct mdlg_bytes uri,
                                 mdlg_trust *t, const uint8_t anchor_sha256[32], int64_t now,
                                 struct mdlg_status_list *out, const char **why)
{
    const char *dummy;
    why = why ? why : &dummy;
    *why = NULL;
    if (out == NULL || token == NULL || t == NULL)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    if (len > MDLG_MAX_STATUS_TOKEN)
        return *why = "token larger than the limit", MDLG_E_STATUS_LIST_TOO_LARGE;
    size_t cap = len + 1 < MDLG_MAX_ITEMS ? len + 1 : MDLG_MAX_ITEMS;
    struct mdlg_cbor_item *items = malloc(cap * sizeof *items);
    struct mdlg_cbor_doc d;
    if (items == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = mdlg_cbor_parse(&d, token, len, items, (uint32_t)cap, NULL);
    if (e != MDLG_E_OK)
        *why = "not CBOR";
    else
        e = verify_parsed(&d, uri, t, anchor_sha256, now, out, why);
    free(items);
    if (e != MDLG_E_OK)
        mdlg_status_list_free(out);
    return e;
}

mdlg_err mdlg_status_list_get(const struct mdlg_status_list *l, uint64_t idx, unsigned *value)
{
    if (l == NULL || l->lst == NULL || value == NULL || l->bits == 0 ||
        idx >= (uint64_t)l->lst_len * 8u / l->bits)
        return MDLG_E_STATUS_LIST_INVALID;
    uint64_t bit = idx * l->bits;
    *value = (l->lst[bit / 8] >> (bit % 8)) & ((1u << l->bits) - 1u);
    return MDLG_E_OK;
}

void mdlg_status_list_free(struct mdlg_status_list *l)
{
    if (l == NULL)
        return;
    free(l->lst);
    memset(l, 0, sizeof *l);
}
