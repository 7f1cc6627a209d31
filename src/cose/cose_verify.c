/*
 * cose_verify.c - Sig_structure / MAC_structure and verification.
 * see mdlg/cose.h
 */
#include "mdlg/cose.h"

void mdlg_cose_tbs(struct mdlg_cbor_buf *b, bool is_mac, struct mdlg_bytes protected_bytes,
                   struct mdlg_bytes external_aad, struct mdlg_bytes payload)
{
    mdlg_cbor_put_array(b, 4);
    mdlg_cbor_put_cstr(b, is_mac ? "MAC0" : "Signature1");
    mdlg_cbor_put_bstr(b, protected_bytes.ptr, protected_bytes.len);
    mdlg_cbor_put_bstr(b, external_aad.ptr, external_aad.len);
    mdlg_cbor_put_bstr(b, payload.ptr, payload.len);
}

/* The payload to authenticate: detached if given (and equal to any attached one). */
static mdlg_err pick_payload(const struct mdlg_cose_msg *m, struct mdlg_bytes detached,
                             struct mdlg_bytes *out)
{
    if (detached.ptr != NULL) {
        if (!m->payload_nil && !mdlg_bytes_eq(m->payload, detached))
            return MDLG_E_COSE_PAYLOAD_MISMATCH;
        *out = detached;
        return MDLG_E_OK;
    }
    if (m->payload_nil)
        return MDLG_E_COSE_PAYLOAD_MISSING;
    *out = m->payload;
    return MDLG_E_OK;
}

static bool sign_alg_supported(int64_t alg)
{
    return alg == MDLG_ALG_ES256 || alg == MDLG_ALG_ES384 || alg == MDLG_ALG_ES512 ||
           alg == MDLG_ALG_EDDSA;
}

mdlg_err mdlg_cose_sign1_verify(const struct mdlg_cose_msg *m, const mdlg_pkey *key,
                                struct mdlg_bytes detached, struct mdlg_bytes external_aad)
{
    uint8_t storage[2048];
    struct mdlg_cbor_buf tbs;
    struct mdlg_bytes payload;
    mdlg_err e = pick_payload(m, detached, &payload);
    if (e != MDLG_E_OK)
        return e;
    if (!m->hdr.has_alg || !sign_alg_supported(m->hdr.alg))
        return MDLG_E_COSE_ALG_UNSUPPORTED;
    mdlg_cbor_buf_init(&tbs, storage, sizeof storage);
    mdlg_cose_tbs(&tbs, false, m->protected_bytes, external_aad, payload);
    e = mdlg_cbor_buf_err(&tbs);
    if (e == MDLG_E_OK)
        e = mdlg_sig_verify(key, (int)m->hdr.alg, tbs.ptr, tbs.len, m->tag.ptr, m->tag.len);
    mdlg_cbor_buf_free(&tbs);
    return e;
}

mdlg_err mdlg_cose_mac0_verify(const struct mdlg_cose_msg *m, const uint8_t *key, size_t klen,
                               struct mdlg_bytes detached, struct mdlg_bytes external_aad)
{
    uint8_t storage[1024], mac[32];
    struct mdlg_cbor_buf tbs;
    struct mdlg_bytes payload;
    mdlg_err e = pick_payload(m, detached, &payload);
    if (e != MDLG_E_OK)
        return e;
    if (!m->hdr.has_alg || m->hdr.alg != MDLG_ALG_HMAC256)
        return MDLG_E_COSE_ALG_UNSUPPORTED;
    if (m->tag.len != sizeof mac)
        return MDLG_E_COSE_SIGNATURE_MALFORMED;
    mdlg_cbor_buf_init(&tbs, storage, sizeof storage);
    mdlg_cose_tbs(&tbs, true, m->protected_bytes, external_aad, payload);
    e = mdlg_cbor_buf_err(&tbs);
    if (e == MDLG_E_OK)
        e = mdlg_hmac_sha256(key, klen, tbs.ptr, tbs.len, mac);
    if (e == MDLG_E_OK && !mdlg_ct_equal(mac, m->tag.ptr, sizeof mac))
        e = MDLG_E_COSE_MAC_INVALID;
    mdlg_cbor_buf_free(&tbs);
    return e;
}
