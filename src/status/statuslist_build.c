/*
 * statuslist_build.c - Status List Tokens for tests and demos: pack the
 * values, zlib-compress, sign as COSE_Sign1. see mdlg/statuslist.h
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mdlg/cose.h"
#include "mdlg/statuslist.h"

#define MAX_SIG 160

/* values[i] at bits [i*bits, (i+1)*bits), least significant bit first. */
static uint8_t *pack(const uint8_t *values, size_t n, unsigned bits, size_t *len)
{
    *len = (n * bits + 7) / 8;
    uint8_t *p = calloc(*len ? *len : 1, 1);
    for (size_t i = 0; p != NULL && i < n; i++) {
        size_t bit = i * bits;
        p[bit / 8] |= (uint8_t)((values[i] & ((1u << bits) - 1u)) << (bit % 8));
    }
    return p;
}

static mdlg_err compress_list(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    uLongf n = compressBound((uLong)len);
    *out = malloc(n);
    if (*out == NULL)
        return MDLG_E_NO_MEMORY;
    if (compress2(*out, &n, in, (uLong)len, Z_BEST_COMPRESSION) != Z_OK) {
        free(*out);
        return MDLG_E_INTERNAL;
    }
    *out_len = n;
    return MDLG_E_OK;
}

static void put_payload(struct mdlg_cbor_buf *b, const struct mdlg_status_token_opts *o,
                        const uint8_t *z, size_t zlen)
{
    mdlg_cbor_put_map(b, 3 + (o->exp != 0) + (o->ttl != 0));
    mdlg_cbor_put_uint(b, 2);
    mdlg_cbor_put_cstr(b, o->uri);
    if (o->exp != 0) {
        mdlg_cbor_put_uint(b, 4);
        mdlg_cbor_put_int(b, o->exp);
    }
    mdlg_cbor_put_uint(b, 6);
    mdlg_cbor_put_int(b, o->iat);
    if (o->ttl != 0) {
        mdlg_cbor_put_uint(b, 65534);
        mdlg_cbor_put_int(b, o->ttl);
    }
    mdlg_cbor_put_uint(b, 65533);
    mdlg_cbor_put_map(b, 2);
    mdlg_cbor_put_cstr(b, "bits");
    mdlg_cbor_put_uint(b, o->bits);
    mdlg_cbor_put_cstr(b, "lst");
    mdlg_cbor_put_bstr(b, z, zlen);
}

/* [protected {1: alg, 16: typ}, {33: x5chain}, payload, signature]. */
static mdlg_err sign_into(const struct mdlg_status_token_opts *o, struct mdlg_bytes payload,
                          struct mdlg_cbor_buf *out)
{
    struct mdlg_cbor_buf prot, tbs;
    uint8_t sig[MAX_SIG];
    size_t siglen = sizeof sig;
    int alg = mdlg_pkey_default_alg(o->key);
    mdlg_cbor_buf_init(&prot, NULL, 0);
    mdlg_cbor_buf_init(&tbs, NULL, 0);
    mdlg_cbor_put_map(&prot, 2);
    mdlg_cbor_put_uint(&prot, 1);
    mdlg_cbor_put_int(&prot, alg);
    mdlg_cbor_put_uint(&prot, 16);
    mdlg_cbor_put_cstr(&prot, o->typ ? o->typ : MDLG_STATUSLIST_TYP);
    mdlg_cose_tbs(&tbs, false, mdlg_cbor_buf_bytes(&prot), (struct mdlg_bytes){ NULL, 0 },
                  payload);
    mdlg_err e = alg == 0 ? MDLG_E_COSE_KEY_UNSUPPORTED : mdlg_cbor_buf_err(&tbs);
    if (e == MDLG_E_OK)
        e = mdlg_sig_sign(o->key, alg, tbs.ptr, tbs.len, sig, &siglen);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_tag(out, 18);
        mdlg_cbor_put_array(out, 4);
        mdlg_cbor_put_bstr(out, prot.ptr, prot.len);
        mdlg_cbor_put_map(out, 1);
        mdlg_cbor_put_uint(out, 33);
        if (o->x5chain_n > 1)
            mdlg_cbor_put_array(out, o->x5chain_n);
        for (size_t i = 0; i < o->x5chain_n; i++)
            mdlg_cbor_put_bstr(out, o->x5chain[i].ptr, o->x5chain[i].len);
        mdlg_cbor_put_bstr(out, payload.ptr, payload.len);
        mdlg_cbor_put_bstr(out, sig, siglen);
        e = mdlg_cbor_buf_err(out);
    }
    mdlg_cbor_buf_free(&prot);
    mdlg_cbor_buf_free(&tbs);
    return e;
}

mdlg_err mdlg_status_token_build(const struct mdlg_status_token_opts *o,
                                 struct mdlg_cbor_buf *out)
{
    if (o == NULL || out == NULL || o->key == NULL || o->uri == NULL || o->x5chain_n == 0 ||
        o->x5chain_n > MDLG_MAX_X5CHAIN || (o->values == NULL && o->raw_list == NULL))
        return MDLG_E_USAGE;
    size_t len = o->raw_list_len, zlen = 0;
    uint8_t *packed = o->raw_list ? NULL : pack(o->values, o->n_values, o->bits ? o->bits : 1, &len);
    uint8_t *z = NULL;
    if (o->raw_list == NULL && packed == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = compress_list(o->raw_list ? o->raw_list : packed, len, &z, &zlen);
    struct mdlg_cbor_buf payload;
    mdlg_cbor_buf_init(&payload, NULL, 0);
    if (e == MDLG_E_OK) {
        put_payload(&payload, o, z, zlen);
        e = mdlg_cbor_buf_err(&payload);
    }
    if (e == MDLG_E_OK)
        e = sign_into(o, mdlg_cbor_buf_bytes(&payload), out);
    mdlg_cbor_buf_free(&payload);
    free(z);
    free(packed);
    return e;
}
