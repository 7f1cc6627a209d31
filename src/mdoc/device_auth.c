/*
 * device_auth.c - mdoc authentication (18013-5 9.1.3) and keyAuthorizations.
 * see mdlg/mdoc.h
 */
#include <stdlib.h>
#include <string.h>

#include "mdoc_internal.h"

static const struct mdlg_bytes none = { NULL, 0 };

/*
 * DeviceAuthenticationBytes = #6.24(bstr .cbor ["DeviceAuthentication",
 * SessionTranscript, DocType, DeviceNameSpacesBytes]), spliced from the
 * transcript as given and the DeviceNameSpacesBytes as received.
 */
static mdlg_err build_device_auth_bytes(struct doc_ctx *c, struct mdlg_bytes dns_span,
                                        struct mdlg_cbor_buf *out)
{
    uint8_t storage[512];
    struct mdlg_cbor_buf inner;
    mdlg_cbor_buf_init(&inner, storage, sizeof storage);
    mdlg_cbor_put_array(&inner, 4);
    mdlg_cbor_put_cstr(&inner, "DeviceAuthentication");
    mdlg_cbor_put_raw(&inner, c->o->transcript.ptr, c->o->transcript.len);
    mdlg_cbor_put_tstr(&inner, c->r->doctype.ptr, c->r->doctype.len);
    mdlg_cbor_put_raw(&inner, dns_span.ptr, dns_span.len);
    mdlg_cbor_put_tag(out, 24);
    mdlg_cbor_put_bstr(out, inner.ptr, inner.len);
    mdlg_err e = mdlg_cbor_buf_err(&inner);
    mdlg_cbor_buf_free(&inner);
    return e != MDLG_E_OK ? e : mdlg_cbor_buf_err(out);
}

static mdlg_err verify_signature(struct doc_ctx *c, const struct mdlg_cose_msg *m,
                                 struct mdlg_bytes dab)
{
    if (!m->payload_nil) {
        if (c->o->policy != MDLG_POLICY_LENIENT)
            return MDLG_E_DEVICE_AUTH_MALFORMED;   /* 18013-5: detached payload */
        c->r->leniencies |= MDLG_LENIENT_DEVICE_PAYLOAD_ATTACHED;
    }
    mdlg_err e = mdlg_cose_sign1_verify(m, c->device_key, dab, none);
    return e == MDLG_E_COSE_SIGNATURE_INVALID ? MDLG_E_DEVICE_SIGNATURE_INVALID : e;
}

/* EMacKey = HKDF-SHA-256(ECDH(reader, device), SHA-256(SessionTranscriptBytes), "EMacKey"). */
static mdlg_err verify_mac(struct doc_ctx *c, const struct mdlg_cose_msg *m, struct mdlg_bytes dab)
{
    uint8_t z[66], salt[32], key[32], storage[512];
    size_t zlen;
    struct mdlg_cbor_buf stb;
    if (c->o->reader_key == NULL)
        return MDLG_E_DEVICE_MAC_NO_READER_KEY;
    mdlg_err e = mdlg_ecdh(c->o->reader_key, c->device_key, z, &zlen);
    if (e != MDLG_E_OK)
        return e == MDLG_E_CRYPTO_INTERNAL ? MDLG_E_DEVICE_KEY_INVALID : e;
    mdlg_cbor_buf_init(&stb, storage, sizeof storage);
    mdlg_cbor_put_tag(&stb, 24);
    mdlg_cbor_put_bstr(&stb, c->o->transcript.ptr, c->o->transcript.len);
    if ((e = mdlg_cbor_buf_err(&stb)) == MDLG_E_OK &&
        (e = mdlg_sha256(stb.ptr, stb.len, salt)) == MDLG_E_OK &&
        (e = mdlg_hkdf_sha256(z, zlen, salt, 32, (const uint8_t *)"EMacKey", 7, key, 32)) ==
            MDLG_E_OK)
        e = mdlg_cose_mac0_verify(m, key, sizeof key, dab, none);
    mdlg_cbor_buf_free(&stb);
    return e == MDLG_E_COSE_MAC_INVALID ? MDLG_E_DEVICE_MAC_INVALID : e;
}

/* True if keyAuthorizations allow (ns, id). */
static bool authorized(const struct mdlg_cbor_doc *m, uint32_t ka, struct mdlg_bytes ns,
                       struct mdlg_bytes id)
{
    struct mdlg_bytes s;
    uint32_t nss = mdlg_cbor_map_get_str(m, ka, "nameSpaces");
    uint32_t des = mdlg_cbor_map_get_str(m, ka, "dataElements");
    for (uint32_t i = mdlg_cbor_first(m, nss); mdlg_cbor_is_type(m, nss, MDLG_CBOR_ARRAY) &&
                                               i != MDLG_CBOR_NONE; i = mdlg_cbor_next(m, nss, i))
        if (mdlg_cbor_get_tstr(m, i, &s) && mdlg_bytes_eq(s, ns))
            return true;
    for (uint32_t k = mdlg_cbor_first(m, des); mdlg_cbor_is_type(m, des, MDLG_CBOR_MAP) &&
                                               k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(m, des, k);
        if (mdlg_cbor_get_tstr(m, k, &s) && mdlg_bytes_eq(s, ns) &&
            mdlg_cbor_is_type(m, v, MDLG_CBOR_ARRAY))
            for (uint32_t i = mdlg_cbor_first(m, v); i != MDLG_CBOR_NONE; i = mdlg_cbor_next(m, v, i))
                if (mdlg_cbor_get_tstr(m, i, &s) && mdlg_bytes_eq(s, id))
                    return true;
        k = mdlg_cbor_next(m, des, v);
    }
    return false;
}

/* DeviceNameSpaces: each element must be authorised; authorised ones are disclosed. */
static void device_elements(struct doc_ctx *c, const struct mdlg_cbor_doc *dn)
{
    const struct mdlg_cbor_doc *m = &c->mso;
    uint32_t ka = mdlg_cbor_map_get_str(m, mdlg_cbor_map_get_str(m, 0, "deviceKeyInfo"),
                                        "keyAuthorizations");
    for (uint32_t k = mdlg_cbor_first(dn, 0); k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(dn, 0, k);
        struct mdlg_bytes ns, id;
        if (!mdlg_cbor_get_tstr(dn, k, &ns) || !mdlg_cbor_is_type(dn, v, MDLG_CBOR_MAP)) {
            mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, MDLG_E_DEVICE_AUTH_MALFORMED, 0,
                            "DeviceNameSpaces must map tstr to maps");
            return;
        }
        for (uint32_t e = mdlg_cbor_first(dn, v); e != MDLG_CBOR_NONE;) {
            uint32_t ev = mdlg_cbor_next(dn, v, e);
            if (!mdlg_cbor_get_tstr(dn, e, &id))
                id = none;
            if (id.ptr != NULL && authorized(m, ka, ns, id))
                mdlg__doc_add_element(c, ns, id, mdlg_cbor_span(dn, ev), true);
            else
                mdlg__doc_fail(c, MDLG_CHECK_DEVICE_AUTH, MDLG_E_DEVICE_ELEMENT_UNAUTHORIZED, ns,
                               id, 0, "device-signed element not covered by keyAuthorizations");
            e = mdlg_cbor_next(dn, v, ev);
        }
        k = mdlg_cbor_next(dn, 0, v);
    }
}

/* Parses DeviceNameSpacesBytes' inner map and checks its elements. */
static void check_device_namespaces(struct doc_ctx *c, struct mdlg_bytes inner)
{
    struct mdlg_cbor_doc dn;
    struct mdlg_cbor_item *items = NULL;
    mdlg_err e = mdlg__parse_alloc(&dn, inner, &items, NULL);
    if (e == MDLG_E_OK && !mdlg_cbor_is_type(&dn, 0, MDLG_CBOR_MAP))
        e = MDLG_E_DEVICE_AUTH_MALFORMED;
    if (e == MDLG_E_OK && dn.items[0].count > MDLG_MAX_NAMESPACES)
        e = MDLG_E_LIMIT_NAMESPACES;
    if (e != MDLG_E_OK)
        mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, e, 0, "DeviceNameSpaces");
    else
        device_elements(c, &dn);
    free(items);
}

/*
 * RFC 9679 thumbprint of a decoded COSE_Key: SHA-256 of the deterministic
 * map of its required members (EC2 {1, -1, -2, -3}, OKP {1, -1, -2}).
 */
static void thumbprint(const struct mdlg_cbor_doc *m, uint32_t dk, struct mdlg_doc_result *r)
{
    static const int64_t labels[] = { 1, -1, -2, -3 };
    uint8_t storage[200];
    struct mdlg_cbor_buf b;
    int64_t kty = 0, v;
    struct mdlg_bytes x;
    if (!mdlg_cbor_get_int(m, mdlg_cbor_map_get_int(m, dk, 1), &kty) || (kty != 1 && kty != 2))
        return;
    size_t n = kty == 2 ? 4 : 3;
    mdlg_cbor_buf_init(&b, storage, sizeof storage);
    mdlg_cbor_put_map(&b, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t item = mdlg_cbor_map_get_int(m, dk, labels[i]);
        mdlg_cbor_put_int(&b, labels[i]);
        if (i < 2 && mdlg_cbor_get_int(m, item, &v))
            mdlg_cbor_put_int(&b, v);
        else if (i >= 2 && mdlg_cbor_get_bstr(m, item, &x))
            mdlg_cbor_put_bstr(&b, x.ptr, x.len);
        else
            b.err = MDLG_E_COSE_KEY_MALFORMED;
    }
    r->has_device_key_thumbprint =
        mdlg_cbor_buf_err(&b) == MDLG_E_OK &&
        mdlg_sha256(b.ptr, b.len, r->device_key_thumbprint) == MDLG_E_OK;
    mdlg_cbor_buf_free(&b);
}

/* The device key from the MSO, or a recorded failure. */
static bool load_device_key(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *m = &c->mso;
    uint32_t dk = mdlg_cbor_map_get_str(m, mdlg_cbor_map_get_str(m, 0, "deviceKeyInfo"),
                                        "deviceKey");
    mdlg_err e = mdlg_cose_key_decode(m, dk, &c->device_key);
    if (e == MDLG_E_OK)
        thumbprint(m, dk, c->r);
    if (e == MDLG_E_OK)
        return true;
    mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, MDLG_E_DEVICE_KEY_INVALID, c->issuer_auth.offset,
                    mdlg_err_name(e));
    return false;
}

/* Picks deviceSignature or deviceMac, verifies it over DeviceAuthenticationBytes. */
static void authenticate(struct doc_ctx *c, uint32_t ds, struct mdlg_bytes dns_span)
{
    const struct mdlg_cbor_doc *d = c->rd;
    uint32_t da = mdlg_cbor_map_get_str(d, ds, "deviceAuth");
    uint32_t sig = mdlg_cbor_map_get_str(d, da, "deviceSignature");
    uint32_t mac = mdlg_cbor_map_get_str(d, da, "deviceMac");
    struct mdlg_cose_msg m;
    struct mdlg_cbor_buf dab;
    uint8_t storage[1024];
    mdlg_err e;
    if ((sig == MDLG_CBOR_NONE) == (mac == MDLG_CBOR_NONE))
        e = MDLG_E_DEVICE_AUTH_MALFORMED;   /* exactly one of the two */
    else if (c->o->transcript.ptr == NULL)
        e = MDLG_E_TRANSCRIPT_MISSING;
    else
        e = mdlg_cose_parse(d, sig != MDLG_CBOR_NONE ? sig : mac, mac != MDLG_CBOR_NONE, &m, NULL);
    if (e != MDLG_E_OK) {
        mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, e, d->items[ds].off, "deviceAuth");
        return;
    }
    c->r->device_auth = sig != MDLG_CBOR_NONE ? MDLG_DEVAUTH_SIGNATURE : MDLG_DEVAUTH_MAC;
    mdlg_cbor_buf_init(&dab, storage, sizeof storage);
    e = build_device_auth_bytes(c, dns_span, &dab);
    if (e == MDLG_E_OK)
        e = sig != MDLG_CBOR_NONE ? verify_signature(c, &m, mdlg_cbor_buf_bytes(&dab))
                                  : verify_mac(c, &m, mdlg_cbor_buf_bytes(&dab));
    mdlg_cbor_buf_free(&dab);
    if (e != MDLG_E_OK)
        mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, e, m.offset, NULL);
}

void mdlg__step_device_auth(struct doc_ctx *c)
{
    const struct mdlg_cbor_doc *d = c->rd;
    uint32_t ds = mdlg_cbor_map_get_str(d, c->doc, "deviceSigned");
    uint32_t dns = mdlg_cbor_map_get_str(d, ds, "nameSpaces");
    struct mdlg_bytes inner;
    if (ds == MDLG_CBOR_NONE) {
        if (!c->o->allow_no_device_auth)
            mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, MDLG_E_DEVICE_AUTH_MISSING, 0,
                            "the document has no deviceSigned part");
        mdlg__doc_pass(c, MDLG_CHECK_DEVICE_AUTH);
        return;
    }
    if (!mdlg_cbor_is_type(d, ds, MDLG_CBOR_MAP) || !mdlg_cbor_get_tag24(d, dns, &inner)) {
        mdlg__doc_fail0(c, MDLG_CHECK_DEVICE_AUTH, MDLG_E_DEVICE_AUTH_MALFORMED, d->items[ds].off,
                        "deviceSigned.nameSpaces must be #6.24(bstr)");
        return;
    }
    if (!load_device_key(c))
        return;
    authenticate(c, ds, mdlg_cbor_span(d, dns));
    check_device_namespaces(c, inner);
    mdlg__doc_pass(c, MDLG_CHECK_DEVICE_AUTH);
}
