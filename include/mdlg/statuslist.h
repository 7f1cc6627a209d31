/*
 * statuslist.h - IETF Token Status List (draft-ietf-oauth-status-list),
 * CWT form, as referenced by an MSO's status.status_list {idx, uri}.
 *
 * A Status List Token is a COSE_Sign1 (optionally tagged 61 then 18) with
 *   protected: {1: alg, 16 (typ): "application/statuslist+cwt"}
 *   x5chain (33): the signer's certificate(s), leaf first
 *   payload: CWT claims {2 (sub): tstr = the uri, 6 (iat): int,
 *            ? 4 (exp): int, ? 65534 (ttl): uint,
 *            65533 (status_list): {"bits": 1|2|4|8, "lst": bstr (zlib)}}
 * Entry i occupies bits [i*bits, (i+1)*bits) of the decompressed byte
 * array, counted from the least significant bit of each byte.
 * Values: 0 VALID, 1 INVALID, 2 SUSPENDED (3 and above: not understood).
 */
#ifndef MDLG_STATUSLIST_H
#define MDLG_STATUSLIST_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/cbor.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"
#include "mdlg/trust.h"

#define MDLG_STATUSLIST_TYP "application/statuslist+cwt"

enum mdlg_status_value { MDLG_STATUS_VALID = 0, MDLG_STATUS_INVALID = 1,
                         MDLG_STATUS_SUSPENDED = 2 };

/* A verified, decompressed status list. Free with mdlg_status_list_free(). */
struct mdlg_status_list {
    unsigned bits;              /* 1, 2, 4 or 8 */
    uint8_t *lst;               /* decompressed bytes (heap) */
    size_t lst_len;
    int64_t iat, exp, ttl;      /* exp, ttl 0 if absent */
};

/*
 * Verifies token[0..len) at `now` as the status list for `uri`: typ, the
 * signer chain (mdlg_trust_verify_signer: to the anchor `anchor_sha256`, the
 * document's IACA, or to a "_status" anchor), the signature, sub == uri,
 * iat <= now, exp (if any) >= now, iat + ttl (if any) >= now, bits in
 * {1,2,4,8}, and inflates lst with at most MDLG_MAX_STATUS_LIST_BYTES of
 * output. Errors: STATUS_LIST_TOO_LARGE (token over MDLG_MAX_STATUS_TOKEN
 * or list over the cap), STATUS_LIST_INVALID (detail in *why), the chain's
 * CHAIN_* / CERT_* codes, COSE_* codes, NO_MEMORY.
 */
mdlg_err mdlg_status_list_verify(const uint8_t *token, size_t len, struct mdlg_bytes uri,
                                 mdlg_trust *t, const uint8_t anchor_sha256[32], int64_t now,
                                 struct mdlg_status_list *out, const char **why) MDLG_WARN_UNUSED;

/* The value of entry idx; STATUS_LIST_INVALID if idx is beyond the list. */
mdlg_err mdlg_status_list_get(const struct mdlg_status_list *l, uint64_t idx,
                              unsigned *value) MDLG_WARN_UNUSED;

void mdlg_status_list_free(struct mdlg_status_list *l);

/*
 * Bounded zlib inflate: at most `cap` bytes of output; STATUS_LIST_TOO_LARGE
 * as soon as more would follow, STATUS_LIST_INVALID if the data is not a
 * complete zlib stream. *out is malloc'd.
 */
mdlg_err mdlg_zlib_inflate_bounded(const uint8_t *in, size_t len, size_t cap, uint8_t **out,
                                   size_t *out_len) MDLG_WARN_UNUSED;

/* ---- building tokens (tests, demos) ---- */

struct mdlg_status_token_opts {
    const mdlg_pkey *key;              /* signer private key */
    const struct mdlg_bytes *x5chain;  /* signer certificate(s), leaf first */
    size_t x5chain_n;
    const char *uri;                   /* sub */
    int64_t iat, exp, ttl;             /* exp, ttl: 0 omits */
    unsigned bits;
    const uint8_t *values;             /* one value per entry (packed by the builder) */
    size_t n_values;
    const uint8_t *raw_list;           /* instead of values: these bytes, compressed as is */
    size_t raw_list_len;
    const char *typ;                   /* NULL: MDLG_STATUSLIST_TYP */
};

/* Appends a signed Status List Token to out. USAGE for missing options. */
mdlg_err mdlg_status_token_build(const struct mdlg_status_token_opts *o,
                                 struct mdlg_cbor_buf *out) MDLG_WARN_UNUSED;

#endif
