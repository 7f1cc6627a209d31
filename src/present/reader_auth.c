/*
 * reader_auth.c - the wallet-side check of an Annex C readerAuth.
 * see mdlg/present.h
 */
#include <stdlib.h>

#include "mdlg/cose.h"
#include "mdlg/present.h"
#include "mdlg/reader.h"
#include "present_internal.h"

#define ITEMS_SMALL 1024u

static mdlg_err invalid(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return MDLG_E_READER_AUTH_INVALID;
}

/* Verifies msg (parsed readerAuth) against irb and transcript. */
static mdlg_err check_sig(const struct mdlg_cose_msg *m, struct mdlg_bytes irb,
                          struct mdlg_bytes transcript, const char *ca_pem, size_t ca_len,
                          int64_t now, char *dns, size_t dns_cap, const char **why)
{
    mdlg_pkey *key = NULL;
    struct mdlg_cbor_buf rab;
    if (!m->payload_nil)
        return invalid(why, "readerAuth must have a detached (nil) payload");
    if (m->hdr.alg != -7)
        return invalid(why, "readerAuth must be ES256");
    mdlg_err e = mdlg_reader_chain_check(m->hdr.x5chain, m->hdr.x5chain_n, ca_pem, ca_len, now,
                                         &key, dns, dns_cap, why);
    if (e != MDLG_E_OK)
        return e;
    mdlg_cbor_buf_init(&rab, NULL, 0);
    mdlg__annexc_reader_auth_bytes(&rab, transcript, irb);
    e = mdlg_cbor_buf_err(&rab);
    if (e == MDLG_E_OK &&
        mdlg_cose_sign1_verify(m, key, mdlg_cbor_buf_bytes(&rab), mdlg_bytes_make(NULL, 0)) !=
            MDLG_E_OK)
        e = invalid(why, "the readerAuth signature does not verify for this request and origin");
    mdlg_cbor_buf_free(&rab);
    mdlg_pkey_free(key);
    return e;
}

mdlg_err mdlg_annexc_reader_auth_check(const uint8_t *buf, size_t len,
                                       struct mdlg_bytes transcript, const char *ca_pem,
                                       size_t ca_len, int64_t now, bool *present, char *dns,
                                       size_t dns_cap, const char **why)
{
    struct mdlg_cbor_doc d;
    struct mdlg_cose_msg m;
    *present = false;
    if (len > MDLG_PRESENT_MAX_RESPONSE)
        return MDLG_E_LIMIT_BODY_SIZE;
    struct mdlg_cbor_item *items = calloc(ITEMS_SMALL, sizeof *items);
    if (items == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = mdlg_cbor_parse(&d, buf, len, items, ITEMS_SMALL, NULL);
    uint32_t r0 = e == MDLG_E_OK ? mdlg_cbor_array_get(&d, mdlg_cbor_map_get_str(
                                        &d, 0, "docRequests"), 0) : MDLG_CBOR_NONE;
    uint32_t ir = mdlg_cbor_map_get_str(&d, r0, "itemsRequest");
    uint32_t ra = mdlg_cbor_map_get_str(&d, r0, "readerAuth");
    if (e != MDLG_E_OK || ir == MDLG_CBOR_NONE)
        e = invalid(why, "not a DeviceRequest");
    else if (ra != MDLG_CBOR_NONE) {
        *present = true;
        e = mdlg_cose_parse(&d, ra, false, &m, NULL);
        e = e != MDLG_E_OK ? invalid(why, "readerAuth is not a COSE_Sign1")
                           : check_sig(&m, mdlg_cbor_span(&d, ir), transcript, ca_pem, ca_len,
                                       now, dns, dns_cap, why);
    }
    free(items);
    return e;
}
