/*
 * cose_key.c - COSE_Key <-> mdlg_pkey.
 * see mdlg/cose.h
 */
#include "mdlg/cose.h"

#define KTY_OKP 1
#define KTY_EC2 2

/*
 * A label that must hold an int: *out set and OK; tstr (a name we do not
 * know) is COSE_KEY_UNSUPPORTED; absent or another type COSE_KEY_MALFORMED.
 */
static mdlg_err get_int_label(const struct mdlg_cbor_doc *d, uint32_t m, int64_t label,
                              int64_t *out)
{
    uint32_t i = mdlg_cbor_map_get_int(d, m, label);
    if (mdlg_cbor_get_int(d, i, out))
        return MDLG_E_OK;
    return mdlg_cbor_is_type(d, i, MDLG_CBOR_TSTR) ? MDLG_E_COSE_KEY_UNSUPPORTED
                                                    : MDLG_E_COSE_KEY_MALFORMED;
}

static mdlg_err decode_ec2(const struct mdlg_cbor_doc *d, uint32_t m, int64_t crv,
                           struct mdlg_bytes x, mdlg_pkey **out)
{
    struct mdlg_bytes y;
    bool compressed;
    uint32_t yi = mdlg_cbor_map_get_int(d, m, -3);
    if (crv != MDLG_CRV_P256 && crv != MDLG_CRV_P384 && crv != MDLG_CRV_P521)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if (mdlg_cbor_get_bool(d, yi, &compressed))
        return MDLG_E_COSE_KEY_UNSUPPORTED;     /* compressed point (y as the sign bit) */
    if (!mdlg_cbor_get_bstr(d, yi, &y))
        return MDLG_E_COSE_KEY_MALFORMED;
    return mdlg_pkey_from_ec_xy((enum mdlg_curve)crv, x.ptr, x.len, y.ptr, y.len, out);
}

/*
 * kty first: the meaning of the negative labels depends on it (for RSA, -1
 * is n; for Symmetric, -1 is k), so an unsupported kty must not be judged by
 * the EC2/OKP layout.
 */
mdlg_err mdlg_cose_key_decode(const struct mdlg_cbor_doc *d, uint32_t m, mdlg_pkey **out)
{
    int64_t kty, crv;
    struct mdlg_bytes x;
    mdlg_err e;
    if (!mdlg_cbor_is_type(d, m, MDLG_CBOR_MAP))
        return MDLG_E_COSE_KEY_MALFORMED;
    if ((e = get_int_label(d, m, 1, &kty)) != MDLG_E_OK)
        return e;
    if (kty != KTY_EC2 && kty != KTY_OKP)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    if ((e = get_int_label(d, m, -1, &crv)) != MDLG_E_OK)
        return e;
    if (!mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_int(d, m, -2), &x))
        return MDLG_E_COSE_KEY_MALFORMED;
    if (kty == KTY_EC2)
        return decode_ec2(d, m, crv, x, out);
    if (crv == MDLG_CRV_ED25519 || crv == MDLG_CRV_X25519)
        return mdlg_pkey_from_okp((enum mdlg_curve)crv, x.ptr, x.len, out);
    return MDLG_E_COSE_KEY_UNSUPPORTED;
}

mdlg_err mdlg_cose_key_encode(struct mdlg_cbor_buf *b, const mdlg_pkey *key)
{
    uint8_t x[66], y[66];
    enum mdlg_curve crv = mdlg_pkey_curve(key);
    size_t n = mdlg_curve_size(crv);
    bool okp = crv == MDLG_CRV_ED25519 || crv == MDLG_CRV_X25519;
    if (n == 0)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    mdlg_err e = mdlg_pkey_get_xy(key, x, okp ? NULL : y);
    if (e != MDLG_E_OK)
        return e;
    mdlg_cbor_put_map(b, okp ? 3 : 4);
    mdlg_cbor_put_int(b, 1);
    mdlg_cbor_put_int(b, okp ? KTY_OKP : KTY_EC2);
    mdlg_cbor_put_int(b, -1);
    mdlg_cbor_put_int(b, crv);
    mdlg_cbor_put_int(b, -2);
    mdlg_cbor_put_bstr(b, x, n);
    if (!okp) {
        mdlg_cbor_put_int(b, -3);
        mdlg_cbor_put_bstr(b, y, n);
    }
    return mdlg_cbor_buf_err(b);
}
