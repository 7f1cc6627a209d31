/*
 * annexc.c - ISO/IEC 18013-7 Annex C wire pieces (DeviceRequest,
 * EncryptionInfo, EncryptedResponse) and the reader-key slots.
 * see mdlg/present.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "mdlg/cose.h"
#include "mdlg/hpke.h"
#include "mdlg/present.h"
#include "present_internal.h"

/* Items for parsing the small Annex C structures (bounded: they are short). */
#define ITEMS_SMALL 1024u

/* ---- DeviceRequest ---- */

static bool same_ns(const struct mdlg_present_element *a, const struct mdlg_present_element *b)
{
    return strcmp(a->ns, b->ns) == 0;
}

/* Elements valid: non-empty, no repeats. */
static bool elements_ok(const struct mdlg_present_element *el, size_t n)
{
    if (n == 0 || n > MDLG_PRESENT_MAX_ELEMENTS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!el[i].ns || !el[i].id || !el[i].ns[0] || !el[i].id[0])
            return false;
        for (size_t j = 0; j < i; j++)
            if (same_ns(&el[i], &el[j]) && strcmp(el[i].id, el[j].id) == 0)
                return false;
    }
    return true;
}

/* True if el[i] is the first element of its namespace. */
static bool first_of_ns(const struct mdlg_present_element *el, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (same_ns(&el[i], &el[j]))
            return false;
    return true;
}

static void put_items_request(struct mdlg_cbor_buf *b, const char *doctype,
                              const struct mdlg_present_element *el, size_t n)
{
    size_t n_ns = 0;
    for (size_t i = 0; i < n; i++)
        n_ns += first_of_ns(el, i);
    mdlg_cbor_put_map(b, 2);
    mdlg_cbor_put_cstr(b, "docType");
    mdlg_cbor_put_cstr(b, doctype);
    mdlg_cbor_put_cstr(b, "nameSpaces");
    mdlg_cbor_put_map(b, n_ns);
    for (size_t i = 0; i < n; i++) {
        if (!first_of_ns(el, i))
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            k += same_ns(&el[i], &el[j]);
        mdlg_cbor_put_cstr(b, el[i].ns);
        mdlg_cbor_put_map(b, k);
        for (size_t j = i; j < n; j++)
            if (same_ns(&el[i], &el[j])) {
                mdlg_cbor_put_cstr(b, el[j].id);
                mdlg_cbor_put_bool(b, false);   /* intentToRetain: no */
            }
    }
}

/* ReaderAuthenticationBytes = #6.24(bstr .cbor ["ReaderAuthentication", transcript, irb]). */
void mdlg__annexc_reader_auth_bytes(struct mdlg_cbor_buf *out, struct mdlg_bytes transcript,
                                    struct mdlg_bytes items_request_bytes)
{
    struct mdlg_cbor_buf ra;
    mdlg_cbor_buf_init(&ra, NULL, 0);
    mdlg_cbor_put_array(&ra, 3);
    mdlg_cbor_put_cstr(&ra, "ReaderAuthentication");
    mdlg_cbor_put_raw(&ra, transcript.ptr, transcript.len);
    mdlg_cbor_put_raw(&ra, items_request_bytes.ptr, items_request_bytes.len);
    if (mdlg_cbor_buf_err(&ra) != MDLG_E_OK)
        out->err = mdlg_cbor_buf_err(&ra);
    mdlg_cbor_put_tag(out, 24);
    mdlg_cbor_put_bstr(out, ra.ptr, ra.len);
    mdlg_cbor_buf_free(&ra);
}

/* readerAuth = [h'a1 01 26', {33: x5chain}, nil, signature] over irb and the transcript. */
static mdlg_err put_reader_auth(struct mdlg_cbor_buf *b, const struct mdlg_annexc_reader *rd,
                                struct mdlg_bytes irb)
{
    static const uint8_t prot[] = { 0xa1, 0x01, 0x26 };   /* {1: -7} ES256 */
    struct mdlg_cbor_buf rab, tbs;
    uint8_t sig[64];
    size_t siglen = sizeof sig;
    mdlg_cbor_buf_init(&rab, NULL, 0);
    mdlg_cbor_buf_init(&tbs, NULL, 0);
    mdlg__annexc_reader_auth_bytes(&rab, rd->transcript, irb);
    mdlg_cose_tbs(&tbs, false, mdlg_bytes_make(prot, sizeof prot), mdlg_bytes_make(NULL, 0),
                  mdlg_cbor_buf_bytes(&rab));
    mdlg_err e = mdlg_cbor_buf_err(&tbs);
    if (e == MDLG_E_OK)
        e = mdlg_sig_sign(rd->key, -7, tbs.ptr, tbs.len, sig, &siglen);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_array(b, 4);
        mdlg_cbor_put_bstr(b, prot, sizeof prot);
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_uint(b, 33);
        if (rd->n_x5chain > 1)
            mdlg_cbor_put_array(b, rd->n_x5chain);
        for (size_t i = 0; i < rd->n_x5chain; i++)
            mdlg_cbor_put_bstr(b, rd->x5chain[i].ptr, rd->x5chain[i].len);
        mdlg_cbor_put_null(b);
        mdlg_cbor_put_bstr(b, sig, siglen);
    }
    mdlg_cbor_buf_free(&rab);
    mdlg_cbor_buf_free(&tbs);
    return e;
}

static mdlg_err put_device_request(struct mdlg_cbor_buf *b, struct mdlg_bytes ir,
                                   const struct mdlg_annexc_reader *rd)
{
    struct mdlg_cbor_buf irb;
    mdlg_cbor_buf_init(&irb, NULL, 0);
    mdlg_cbor_put_tag(&irb, 24);
    mdlg_cbor_put_bstr(&irb, ir.ptr, ir.len);
    mdlg_err e = mdlg_cbor_buf_err(&irb);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_map(b, 2);
        mdlg_cbor_put_cstr(b, "version");
        mdlg_cbor_put_cstr(b, "1.0");
        mdlg_cbor_put_cstr(b, "docRequests");
        mdlg_cbor_put_array(b, 1);
        mdlg_cbor_put_map(b, rd ? 2 : 1);
        mdlg_cbor_put_cstr(b, "itemsRequest");
        mdlg_cbor_put_raw(b, irb.ptr, irb.len);
    }
    if (e == MDLG_E_OK && rd) {
        mdlg_cbor_put_cstr(b, "readerAuth");
        e = put_reader_auth(b, rd, mdlg_cbor_buf_bytes(&irb));
    }
    mdlg_cbor_buf_free(&irb);
    return e == MDLG_E_OK ? mdlg_cbor_buf_err(b) : e;
}

mdlg_err mdlg_annexc_device_request_auth(struct mdlg_cbor_buf *b, const char *doctype,
                                         const struct mdlg_present_element *el, size_t n,
                                         const struct mdlg_annexc_reader *rd)
{
    struct mdlg_cbor_buf ir;
    if (doctype == NULL || doctype[0] == '\0' || !elements_ok(el, n) ||
        (rd && (rd->key == NULL || rd->n_x5chain == 0 || rd->transcript.ptr == NULL)))
        return MDLG_E_USAGE;
    mdlg_cbor_buf_init(&ir, NULL, 0);
    put_items_request(&ir, doctype, el, n);
    mdlg_err e = mdlg_cbor_buf_err(&ir);
    if (e == MDLG_E_OK)
        e = put_device_request(b, mdlg_cbor_buf_bytes(&ir), rd);
    mdlg_cbor_buf_free(&ir);
    return e;
}

mdlg_err mdlg_annexc_device_request(struct mdlg_cbor_buf *b, const char *doctype,
                                    const struct mdlg_present_element *el, size_t n)
{
    return mdlg_annexc_device_request_auth(b, doctype, el, n, NULL);
}

/* Parses buf into a heap items array; *items to free. */
static mdlg_err parse_small(struct mdlg_cbor_doc *d, const uint8_t *buf, size_t len,
                            struct mdlg_cbor_item **items)
{
    if (len > MDLG_PRESENT_MAX_RESPONSE)
        return MDLG_E_LIMIT_BODY_SIZE;
    if ((*items = calloc(ITEMS_SMALL, sizeof **items)) == NULL)
        return MDLG_E_NO_MEMORY;
    return mdlg_cbor_parse(d, buf, len, *items, ITEMS_SMALL, NULL);
}

static mdlg_err items_request_parse(const struct mdlg_cbor_doc *d, uint32_t ir,
                                    struct mdlg_bytes *dt,
                                    struct mdlg_present_element_view *el, size_t cap, size_t *n)
{
    uint32_t nss = mdlg_cbor_map_get_str(d, ir, "nameSpaces");
    if (!mdlg_cbor_get_tstr(d, mdlg_cbor_map_get_str(d, ir, "docType"), dt) ||
        !mdlg_cbor_is_type(d, nss, MDLG_CBOR_MAP))
        return MDLG_E_CBOR_MISSING_FIELD;
    *n = 0;
    for (uint32_t k = mdlg_cbor_first(d, nss); k != MDLG_CBOR_NONE;
         k = mdlg_cbor_next(d, nss, mdlg_cbor_next(d, nss, k))) {
        uint32_t m = mdlg_cbor_next(d, nss, k);
        struct mdlg_bytes ns;
        if (!mdlg_cbor_get_tstr(d, k, &ns) || !mdlg_cbor_is_type(d, m, MDLG_CBOR_MAP))
            return MDLG_E_CBOR_UNEXPECTED_TYPE;
        for (uint32_t e = mdlg_cbor_first(d, m); e != MDLG_CBOR_NONE;
             e = mdlg_cbor_next(d, m, mdlg_cbor_next(d, m, e))) {
            if (*n == cap)
                return MDLG_E_LIMIT_ELEMENTS;
            el[*n].ns = ns;
            if (!mdlg_cbor_get_tstr(d, e, &el[(*n)++].id))
                return MDLG_E_CBOR_UNEXPECTED_TYPE;
        }
    }
    return MDLG_E_OK;
}

mdlg_err mdlg_annexc_device_request_parse(const uint8_t *buf, size_t len, struct mdlg_bytes *dt_out,
                                          struct mdlg_present_element_view *el_out, size_t cap,
                                          size_t *n_out)
{
    struct mdlg_cbor_doc d, d2;
    struct mdlg_cbor_item *items = NULL, *items2 = NULL;
    struct mdlg_bytes inner;
    mdlg_err e = parse_small(&d, buf, len, &items);
    if (e == MDLG_E_OK) {
        uint32_t reqs = mdlg_cbor_map_get_str(&d, 0, "docRequests");
        uint32_t r0 = mdlg_cbor_array_get(&d, reqs, 0);
        if (!mdlg_cbor_get_tag24(&d, mdlg_cbor_map_get_str(&d, r0, "itemsRequest"), &inner))
            e = MDLG_E_CBOR_MISSING_FIELD;
    }
    if (e == MDLG_E_OK)
        e = parse_small(&d2, inner.ptr, inner.len, &items2);
    if (e == MDLG_E_OK)
        e = items_request_parse(&d2, 0, dt_out, el_out, cap, n_out);
    free(items);
    free(items2);
    return e;
}

/* ---- EncryptionInfo ---- */

mdlg_err mdlg_annexc_encryption_info(struct mdlg_cbor_buf *b, const uint8_t *nonce, size_t nlen,
                                     const mdlg_pkey *recipient)
{
    if (nonce == NULL || nlen < 16 || mdlg_pkey_curve(recipient) != MDLG_CRV_P256)
        return MDLG_E_USAGE;
    mdlg_cbor_put_array(b, 2);
    mdlg_cbor_put_cstr(b, "dcapi");
    mdlg_cbor_put_map(b, 2);
    mdlg_cbor_put_cstr(b, "nonce");
    mdlg_cbor_put_bstr(b, nonce, nlen);
    mdlg_cbor_put_cstr(b, "recipientPublicKey");
    return mdlg_cose_key_encode(b, recipient);
}

mdlg_err mdlg_annexc_encryption_info_parse(const uint8_t *buf, size_t len, mdlg_pkey **recipient)
{
    struct mdlg_cbor_doc d;
    struct mdlg_cbor_item *items = NULL;
    struct mdlg_bytes nonce;
    mdlg_err e = parse_small(&d, buf, len, &items);
    if (e == MDLG_E_OK) {
        uint32_t params = mdlg_cbor_array_get(&d, 0, 1);
        uint32_t key = mdlg_cbor_map_get_str(&d, params, "recipientPublicKey");
        if (!mdlg_cbor_str_eq(&d, mdlg_cbor_array_get(&d, 0, 0), "dcapi", 5) ||
            !mdlg_cbor_get_bstr(&d, mdlg_cbor_map_get_str(&d, params, "nonce"), &nonce) ||
            nonce.len < 16 || key == MDLG_CBOR_NONE)
            e = MDLG_E_CBOR_UNSUPPORTED;
        else
            e = mdlg_cose_key_decode(&d, key, recipient);
    }
    if (e == MDLG_E_OK && mdlg_pkey_curve(*recipient) != MDLG_CRV_P256) {
        mdlg_pkey_free(*recipient);
        *recipient = NULL;
        e = MDLG_E_COSE_KEY_UNSUPPORTED;
    }
    free(items);
    return e;
}

/* ---- EncryptedResponse ---- */

mdlg_err mdlg_annexc_seal(const mdlg_pkey *recipient, struct mdlg_bytes transcript,
                          struct mdlg_bytes device_response, struct mdlg_cbor_buf *out)
{
    uint8_t enc[MDLG_HPKE_ENC_LEN];
    size_t cap = device_response.len + MDLG_HPKE_TAG_LEN, ctlen = 0;
    uint8_t *ct = malloc(cap);
    if (ct == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = mdlg_hpke_seal(recipient, transcript, (struct mdlg_bytes){ NULL, 0 },
                                device_response, enc, ct, cap, &ctlen);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_array(out, 2);
        mdlg_cbor_put_cstr(out, "dcapi");
        mdlg_cbor_put_map(out, 2);
        mdlg_cbor_put_cstr(out, "enc");
        mdlg_cbor_put_bstr(out, enc, sizeof enc);
        mdlg_cbor_put_cstr(out, "cipherText");
        mdlg_cbor_put_bstr(out, ct, ctlen);
        e = mdlg_cbor_buf_err(out);
    }
    free(ct);
    return e;
}

/* enc and cipherText of an EncryptedResponse, as views. */
static mdlg_err response_parts(const struct mdlg_cbor_doc *d, struct mdlg_bytes *enc,
                               struct mdlg_bytes *ct)
{
    uint32_t data = mdlg_cbor_array_get(d, 0, 1);
    if (!mdlg_cbor_is_type(d, 0, MDLG_CBOR_ARRAY) || mdlg_cbor_at(d, 0)->count != 2 ||
        !mdlg_cbor_str_eq(d, mdlg_cbor_array_get(d, 0, 0), "dcapi", 5) ||
        !mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_str(d, data, "enc"), enc) ||
        !mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_str(d, data, "cipherText"), ct))
        return MDLG_E_DECRYPT_MALFORMED;
    return MDLG_E_OK;
}

mdlg_err mdlg_annexc_open(const mdlg_pkey *skR, struct mdlg_bytes encrypted_response,
                          struct mdlg_bytes transcript, uint8_t **pt, size_t *ptlen)
{
    struct mdlg_cbor_doc d;
    struct mdlg_cbor_item *items = NULL;
    struct mdlg_bytes enc, ct;
    mdlg_err e = parse_small(&d, encrypted_response.ptr, encrypted_response.len, &items);
    if (e != MDLG_E_OK && e != MDLG_E_LIMIT_BODY_SIZE && e != MDLG_E_NO_MEMORY)
        e = MDLG_E_DECRYPT_MALFORMED;
    if (e == MDLG_E_OK)
        e = response_parts(&d, &enc, &ct);
    if (e == MDLG_E_OK && ct.len < MDLG_HPKE_TAG_LEN)
        e = MDLG_E_DECRYPT_MALFORMED;
    *pt = NULL;
    if (e == MDLG_E_OK && (*pt = malloc(ct.len - MDLG_HPKE_TAG_LEN + 1)) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK)
        e = mdlg_hpke_open(skR, enc, transcript, (struct mdlg_bytes){ NULL, 0 }, ct, *pt,
                           ct.len - MDLG_HPKE_TAG_LEN + 1, ptlen);
    if (e != MDLG_E_OK) {
        free(*pt);
        *pt = NULL;
    }
    free(items);
    return e;
}

/* ---- reader keys ---- */

mdlg_err mdlg_reader_key_derive(const uint8_t seed[MDLG_READER_SEED_LEN], enum mdlg_reader_slot slot,
                                mdlg_pkey **out)
{
    uint8_t ikm[MDLG_READER_SEED_LEN + 32], sk[MDLG_HPKE_SK_LEN];
    int n = snprintf((char *)ikm + MDLG_READER_SEED_LEN, 32, "mdlgate reader slot %d", (int)slot);
    if (slot > MDLG_READER_SLOT_REDIRECT_JWE || n <= 0)
        return MDLG_E_USAGE;
    memcpy(ikm, seed, MDLG_READER_SEED_LEN);
    mdlg_err e = mdlg_hpke_derive_keypair((struct mdlg_bytes){ ikm, MDLG_READER_SEED_LEN + (size_t)n },
                                          sk, out);
    sodium_memzero(ikm, sizeof ikm);
    sodium_memzero(sk, sizeof sk);
    return e;
}
