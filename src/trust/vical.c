/*
 * vical.c - verifying an ISO 18013-5 Annex C VICAL (the AAMVA DTS list) and
 * filing its IACAs per jurisdiction.
 *
 * Order: bounded CBOR walk, COSE_Sign1 structure, signer chain to the pinned
 * anchor at `now` (OpenSSL), signer EKU 1.0.18013.5.1.8, COSE signature over
 * the attached payload, then the payload itself: date <= now, nextUpdate
 * (stale is a warning), and each certificateInfo (SKI recomputed, country
 * and state normalised). Real-file quirks tolerated: a DER-wrapped `ski`,
 * capitalised keys, "AK" for Alaska.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "mdlg/cbor.h"
#include "mdlg/cose.h"
#include "mdlg/limits.h"
#include "mdlg/mdoc.h"
#include "mdlg/trust.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

#define VICAL_SIGNER_EKU "1.0.18013.5.1.8"

static mdlg_err why(struct mdlg_diag *diag, mdlg_err e, const char *path)
{
    if (diag != NULL && e != MDLG_E_OK) {
        diag->code = e;
        diag->path = path;
    }
    return e;
}

/* Map value for `key`, matched exactly, else ignoring ASCII case ("Extensions"). */
static uint32_t vget(const struct mdlg_cbor_doc *d, uint32_t map, const char *key)
{
    uint32_t v = mdlg_cbor_map_get_str(d, map, key);
    if (v != MDLG_CBOR_NONE || !mdlg_cbor_is_type(d, map, MDLG_CBOR_MAP))
        return v;
    size_t n = strlen(key);
    for (uint32_t k = mdlg_cbor_first(d, map); k != MDLG_CBOR_NONE;) {
        uint32_t val = mdlg_cbor_next(d, map, k);
        struct mdlg_bytes s;
        if (mdlg_cbor_get_tstr(d, k, &s) && s.len == n && strncasecmp((const char *)s.ptr, key, n) == 0)
            return val;
        k = val == MDLG_CBOR_NONE ? MDLG_CBOR_NONE : mdlg_cbor_next(d, map, val);
    }
    return MDLG_CBOR_NONE;
}

/* tstr value into out (truncated); false if absent or not text. */
static bool get_text(const struct mdlg_cbor_doc *d, uint32_t map, const char *key, char *out,
                     size_t cap)
{
    struct mdlg_bytes s;
    out[0] = '\0';
    if (!mdlg_cbor_get_tstr(d, vget(d, map, key), &s))
        return false;
    size_t n = s.len < cap ? s.len : cap - 1;
    memcpy(out, s.ptr, n);
    out[n] = '\0';
    return memchr(out, '\0', n) == NULL;
}

/* A tdate: #6.0(tstr), or a bare tstr. */
static bool get_tdate(const struct mdlg_cbor_doc *d, uint32_t map, const char *key, int64_t *t)
{
    struct mdlg_bytes s;
    bool frac;
    uint32_t v = mdlg_cbor_untag(d, vget(d, map, key), 0);
    return v != MDLG_CBOR_NONE && mdlg_cbor_get_tstr(d, v, &s) &&
           mdlg_parse_rfc3339(s, true, t, &frac) == MDLG_E_OK;
}

bool mdlg_vical_ski_matches(const uint8_t *ski, size_t ski_len, const uint8_t *der,
                            size_t der_len)
{
    for (int i = 0; i < 2 && ski_len >= 2 && ski[0] == 0x04 && ski[1] == ski_len - 2; i++) {
        ski += 2;   /* DER OCTET STRING wrapper(s): 04 16 04 14 keyId */
        ski_len -= 2;
    }
    X509 *x = mdlg__cert_parse(der, der_len);
    if (x == NULL)
        return false;
    uint8_t h[SHA_DIGEST_LENGTH];
    const ASN1_BIT_STRING *pk = X509_get0_pubkey_bitstr(x);
    const ASN1_OCTET_STRING *ext = X509_get0_subject_key_id(x);
    bool ok = pk != NULL && SHA1(pk->data, (size_t)pk->length, h) != NULL &&
              ski_len == sizeof h && memcmp(ski, h, sizeof h) == 0;
    if (!ok && ext != NULL)
        ok = (size_t)ext->length == ski_len && memcmp(ext->data, ski, ski_len) == 0;
    X509_free(x);
    ERR_clear_error();
    return ok;
}

static bool has_eku(X509 *x, const char *oid)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    bool found = false;
    for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku) && !found; i++) {
        char buf[64];
        OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 1);
        found = strcmp(buf, oid) == 0;
    }
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    return found;
}

static mdlg_err map_verify_error(int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return MDLG_E_CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID: return MDLG_E_CERT_NOT_YET_VALID;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return MDLG_E_CHAIN_UNTRUSTED;
    default: return MDLG_E_CHAIN_INVALID;
    }
}

static X509_STORE *anchor_store(const char *pem, size_t len, int *count)
{
    X509_STORE *st = X509_STORE_new();
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    *count = 0;
    while (st != NULL && b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(st, x) == 1)
            (*count)++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    return st;
}

/* x5chain (leaf first) to the pinned anchors at `now`; *leaf gets the signer. */
static mdlg_err verify_chain(const struct mdlg_cose_headers *h, const char *pem, size_t pem_len,
                             int64_t now, X509 **leaf)
{
    int n_anchors = 0;
    X509_STORE *st = anchor_store(pem, pem_len, &n_anchors);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    mdlg_err e = st && untrusted && ctx ? MDLG_E_OK : MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK && n_anchors == 0)
        e = MDLG_E_NO_ANCHORS;
    if (e == MDLG_E_OK && (*leaf = mdlg__cert_parse(h->x5chain[0].ptr, h->x5chain[0].len)) == NULL)
        e = MDLG_E_CERT_MALFORMED;
    for (size_t i = 1; e == MDLG_E_OK && i < h->x5chain_n; i++) {
        X509 *x = mdlg__cert_parse(h->x5chain[i].ptr, h->x5chain[i].len);
        if (x == NULL || !sk_X509_push(untrusted, x)) {
            X509_free(x);
            e = MDLG_E_CERT_MALFORMED;
        }
    }
    if (e == MDLG_E_OK && X509_STORE_CTX_init(ctx, st, *leaf, untrusted) != 1)
        e = MDLG_E_CRYPTO_INTERNAL;
    if (e == MDLG_E_OK) {
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
        if (X509_verify_cert(ctx) != 1)
            e = map_verify_error(X509_STORE_CTX_get_error(ctx));
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_free(st);
    ERR_clear_error();
    return e;
}

/* Structure, chain, EKU and signature of the signed VICAL; *payload on success. */
static mdlg_err verify_envelope(const struct mdlg_cbor_doc *d, const char *pem, size_t pem_len,
                                int64_t now, struct mdlg_vical *out, struct mdlg_bytes *payload,
                                struct mdlg_diag *diag)
{
    struct mdlg_cose_msg m;
    mdlg_err e = mdlg_cose_parse(d, 0, false, &m, diag);
    if (e != MDLG_E_OK)
        return why(diag, e, "COSE_Sign1");
    if (m.payload_nil)
        return why(diag, MDLG_E_COSE_PAYLOAD_MISSING, "payload");
    if (m.hdr.x5chain_n == 0)
        return why(diag, MDLG_E_COSE_X5CHAIN_MISSING, "x5chain");
    X509 *leaf = NULL;
    e = verify_chain(&m.hdr, pem, pem_len, now, &leaf);
    if (leaf != NULL) {
        mdlg__name_oneline(X509_get_subject_name(leaf), out->signer_subject,
                           sizeof out->signer_subject);
        int64_t nb;
        mdlg__cert_window(leaf, &nb, &out->signer_not_after);
    }
    if (e == MDLG_E_OK && !has_eku(leaf, VICAL_SIGNER_EKU))
        e = MDLG_E_VICAL_SIGNER_PROFILE;
    mdlg_pkey *key = NULL;
    if (e == MDLG_E_OK && (key = mdlg__pkey_wrap(X509_get_pubkey(leaf))) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK)
        e = mdlg_cose_sign1_verify(&m, key, mdlg_bytes_make(NULL, 0), mdlg_bytes_make(NULL, 0));
    mdlg_pkey_free(key);
    X509_free(leaf);
    *payload = m.payload;
    return why(diag, e, e == MDLG_E_OK ? NULL : "VICAL signer");
}

/* issuingCountry + stateOrProvinceName (or the certificate's C/ST) -> "US-AK". */
static mdlg_err entry_jurisdiction(const struct mdlg_cbor_doc *d, uint32_t ci, X509 *x,
                                   struct mdlg_vical_entry *e)
{
    char c[8], st[64], xc[4], xst[64], code[16], xcode[16];
    mdlg__name_attr(X509_get_subject_name(x), NID_countryName, xc, sizeof xc);
    mdlg__name_attr(X509_get_subject_name(x), NID_stateOrProvinceName, xst, sizeof xst);
    if (!get_text(d, ci, "issuingCountry", c, sizeof c))
        mdlg__strlcpy(c, xc, sizeof c);
    if (!get_text(d, ci, "stateOrProvinceName", st, sizeof st))
        mdlg__strlcpy(st, xst, sizeof st);
    mdlg_jurisdiction_normalize(c, st, code);
    mdlg_jurisdiction_normalize(xc, xst, xcode);
    if (code[0] && xcode[0] && strcmp(code, xcode) != 0)
        return MDLG_E_VICAL_MALFORMED;   /* the list and the certificate disagree */
    if (code[0] == '\0' && c[0] && xc[0] && strcasecmp(c, xc) != 0)
        return MDLG_E_VICAL_MALFORMED;
    const char *j = code[0] ? code : c[0] && strlen(c) == 2 ? c : "_unknown";
    mdlg__strlcpy(e->jurisdiction, j, sizeof e->jurisdiction);
    return MDLG_E_OK;
}

static mdlg_err read_entry(const struct mdlg_cbor_doc *d, uint32_t ci, struct mdlg_vical_entry *e,
                           struct mdlg_diag *diag)
{
    struct mdlg_bytes cert, ski;
    if (!mdlg_cbor_is_type(d, ci, MDLG_CBOR_MAP) ||
        !mdlg_cbor_get_bstr(d, vget(d, ci, "certificate"), &cert) ||
        !mdlg_cbor_get_bstr(d, vget(d, ci, "ski"), &ski))
        return why(diag, MDLG_E_VICAL_MALFORMED, "certificateInfos[].certificate/ski");
    if (cert.len > MDLG_MAX_CERT_SIZE)
        return why(diag, MDLG_E_LIMIT_CERT_SIZE, "certificateInfos[].certificate");
    X509 *x = mdlg__cert_parse(cert.ptr, cert.len);
    if (x == NULL)
        return why(diag, MDLG_E_CERT_MALFORMED, "certificateInfos[].certificate");
    mdlg_err err = MDLG_E_OK;
    int64_t nb;
    if (!mdlg_vical_ski_matches(ski.ptr, ski.len, cert.ptr, cert.len))
        err = why(diag, MDLG_E_VICAL_SKI_MISMATCH, "certificateInfos[].ski");
    else if ((err = entry_jurisdiction(d, ci, x, e)) != MDLG_E_OK)
        why(diag, err, "certificateInfos[].issuingCountry/stateOrProvinceName");
    e->ski_der_wrapped = ski.len == 24;
    mdlg__name_oneline(X509_get_subject_name(x), e->subject, sizeof e->subject);
    if (!mdlg__cert_window(x, &nb, &e->not_after) || !mdlg__cert_sha256(x, e->sha256))
        err = err ? err : MDLG_E_CERT_MALFORMED;
    X509_free(x);
    if (err == MDLG_E_OK && (e->der = malloc(cert.len)) == NULL)
        err = MDLG_E_NO_MEMORY;
    if (err == MDLG_E_OK) {
        memcpy(e->der, cert.ptr, cert.len);
        e->der_len = cert.len;
    }
    return err;
}

static mdlg_err read_payload(const struct mdlg_cbor_doc *d, int64_t now, struct mdlg_vical *v,
                             struct mdlg_diag *diag)
{
    uint32_t top = 0, infos = vget(d, top, "certificateInfos");
    char version[16];
    if (!mdlg_cbor_is_type(d, top, MDLG_CBOR_MAP) || !get_text(d, top, "version", version, sizeof version) ||
        !get_text(d, top, "vicalProvider", v->provider, sizeof v->provider) ||
        !get_tdate(d, top, "date", &v->date) || !mdlg_cbor_is_type(d, infos, MDLG_CBOR_ARRAY))
        return why(diag, MDLG_E_VICAL_MALFORMED, "version/vicalProvider/date/certificateInfos");
    uint32_t id = vget(d, top, "vicalIssueID");
    v->has_issue_id = id != MDLG_CBOR_NONE && mdlg_cbor_get_uint(d, id, &v->issue_id);
    if (vget(d, top, "nextUpdate") != MDLG_CBOR_NONE && !get_tdate(d, top, "nextUpdate", &v->next_update))
        return why(diag, MDLG_E_VICAL_MALFORMED, "nextUpdate");
    if (v->date > now)
        return why(diag, MDLG_E_VICAL_NOT_YET_VALID, "date");
    v->stale = v->next_update != 0 && now > v->next_update;
    size_t n = mdlg_cbor_at(d, infos)->count;
    if ((v->entries = calloc(n ? n : 1, sizeof *v->entries)) == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = MDLG_E_OK;
    for (uint32_t ci = mdlg_cbor_first(d, infos); ci != MDLG_CBOR_NONE && e == MDLG_E_OK;
         ci = mdlg_cbor_next(d, infos, ci))
        e = read_entry(d, ci, &v->entries[v->n++], diag);
    return e;
}

static mdlg_err parse_cbor(const uint8_t *buf, size_t len, struct mdlg_cbor_doc *d,
                           struct mdlg_cbor_item **items, struct mdlg_diag *diag)
{
    uint32_t cap = len < MDLG_MAX_ITEMS * 16u ? (uint32_t)len + 1 : MDLG_MAX_ITEMS * 16u;
    *items = malloc((size_t)cap * sizeof **items);
    if (*items == NULL)
        return MDLG_E_NO_MEMORY;
    return mdlg_cbor_parse(d, buf, len, *items, cap, diag);
}

mdlg_err mdlg_vical_verify(const uint8_t *buf, size_t len, const char *anchor_pem,
                           size_t anchor_len, int64_t now, struct mdlg_vical *out,
                           struct mdlg_diag *diag)
{
    if (out == NULL || buf == NULL || anchor_pem == NULL || anchor_len > INT_MAX)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    if (len > MDLG_VICAL_MAX_BYTES)
        return why(diag, MDLG_E_LIMIT_BODY_SIZE, "VICAL");
    struct mdlg_cbor_doc d, pd;
    struct mdlg_cbor_item *items = NULL, *pitems = NULL;
    struct mdlg_bytes payload = { 0 };
    mdlg_err e = parse_cbor(buf, len, &d, &items, diag);
    if (e == MDLG_E_OK)
        e = verify_envelope(&d, anchor_pem, anchor_len, now, out, &payload, diag);
    if (e == MDLG_E_OK)
        e = parse_cbor(payload.ptr, payload.len, &pd, &pitems, diag);
    if (e == MDLG_E_OK)
        e = read_payload(&pd, now, out, diag);
    free(items);
    free(pitems);
    if (e != MDLG_E_OK)
        mdlg_vical_free(out);
    return e;
}

void mdlg_vical_free(struct mdlg_vical *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        free(v->entries[i].der);
    free(v->entries);
    v->entries = NULL;
    v->n = 0;
}

static bool keep_not_vical(const char *j, const char *name)
{
    return j[0] == '.' || strncmp(name, "vical-", 6) != 0;
}

/* Last imported vicalIssueID from the set in force (0 if none). */
static uint64_t last_issue_id(const struct mdlg__set *s)
{
    char path[PATH_MAX + 16];
    uint8_t *buf = NULL;
    size_t len = 0;
    unsigned long long id = 0;
    if (s->cur[0] == '\0')
        return 0;
    snprintf(path, sizeof path, "%s/.vical-state", s->cur);
    if (mdlg__read_file(path, 256, &buf, &len) == MDLG_E_OK && sscanf((char *)buf, "%llu", &id) != 1)
        id = 0;
    free(buf);
    return id;
}

static mdlg_err write_entries(struct mdlg__set *s, const struct mdlg_vical *v)
{
    mdlg_err e = MDLG_E_OK;
    for (size_t i = 0; i < v->n && e == MDLG_E_OK; i++) {
        char name[40];
        const uint8_t *h = v->entries[i].sha256;
        snprintf(name, sizeof name, "vical-%02x%02x%02x%02x%02x%02x%02x%02x.pem", h[0], h[1], h[2],
                 h[3], h[4], h[5], h[6], h[7]);
        e = mdlg__set_put(s, v->entries[i].jurisdiction, name, v->entries[i].der,
                          v->entries[i].der_len);
    }
    if (e == MDLG_E_OK) {
        char state[96], date[21];
        mdlg_format_rfc3339(v->date, date);
        snprintf(state, sizeof state, "%llu %s\n", (unsigned long long)v->issue_id, date);
        e = mdlg__set_put_text(s, ".vical-state", state);
    }
    return e;
}

mdlg_err mdlg_vical_install(const struct mdlg_vical *v, const char *trust_dir)
{
    if (v == NULL || trust_dir == NULL)
        return MDLG_E_USAGE;
    struct mdlg__set s;
    mdlg_err e = mdlg__set_begin(&s, trust_dir);
    if (e != MDLG_E_OK)
        return e;
    if (v->has_issue_id && v->issue_id < last_issue_id(&s))
        e = MDLG_E_VICAL_ROLLBACK;
    if (e == MDLG_E_OK)
        e = mdlg__set_carry(&s, keep_not_vical);
    if (e == MDLG_E_OK)
        e = write_entries(&s, v);
    if (e != MDLG_E_OK) {
        mdlg__set_abort(&s);
        return e;
    }
    return mdlg__set_commit(&s);
}
