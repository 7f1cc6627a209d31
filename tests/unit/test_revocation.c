/*
 * test_revocation.c - CRLs applied to Document Signers, MSO status lists
 * (IETF Token Status List, CWT), the fail-open / fail-closed policy and the
 * verdict's "revocation" object. PKIs, CRLs and tokens are generated here
 * (mdlg/testpki.h, mdlg/statuslist.h); the IETF example MSO is read from
 * $MDLG_SHARED (skipped when absent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/issuer.h"
#include "mdlg/limits.h"
#include "mdlg/mdoc.h"
#include "mdlg/statuslist.h"
#include "mdlg/testpki.h"
#include "mdlg/trust.h"
#include "mdlg/verdict.h"
#include "../support/testutil.h"

#define DAY 86400LL
#define T0 1735689600LL   /* 2025-01-01T00:00:00Z */
#define SL_URI "https://status.example/lists/7"

struct fx {
    struct mdlg_testpki_cert iaca, ds1, ds2, other_iaca, other_ds;
    mdlg_pkey *device;
};

static struct fx F;

static int fx_setup(void **state)
{
    (void)state;
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "California",
                                         .not_before = T0 - 400 * DAY, .not_after = T0 + 3650 * DAY };
    assert_int_equal(mdlg_testpki_iaca(&io, &F.iaca), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &F.iaca, .not_before = T0 - 300 * DAY,
                                        .not_after = T0 + 700 * DAY };
    assert_int_equal(mdlg_testpki_ds(&dso, &F.ds1), MDLG_E_OK);
    assert_int_equal(mdlg_testpki_ds(&dso, &F.ds2), MDLG_E_OK);
    io.common_name = "other IACA";
    assert_int_equal(mdlg_testpki_iaca(&io, &F.other_iaca), MDLG_E_OK);
    dso.iaca = &F.other_iaca;
    assert_int_equal(mdlg_testpki_ds(&dso, &F.other_ds), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &F.device), MDLG_E_OK);
    return 0;
}

static int fx_teardown(void **state)
{
    (void)state;
    mdlg_testpki_cert_free(&F.iaca);
    mdlg_testpki_cert_free(&F.ds1);
    mdlg_testpki_cert_free(&F.ds2);
    mdlg_testpki_cert_free(&F.other_iaca);
    mdlg_testpki_cert_free(&F.other_ds);
    mdlg_pkey_free(F.device);
    return 0;
}

/* A CRL of F.iaca (or signed by `signer`) listing `rev` (may be NULL). */
static mdlg_err add_crl(mdlg_trust *t, const struct mdlg_testpki_cert *rev, int64_t tu,
                        int64_t nu, const mdlg_pkey *signer)
{
    const struct mdlg_testpki_cert *list[1] = { rev };
    struct mdlg_testpki_crl_opts o = { .iaca = &F.iaca, .signer = signer, .revoked = list,
                                       .n_revoked = rev ? 1 : 0, .this_update = tu,
                                       .next_update = nu };
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(mdlg_testpki_crl(&o, &der, &len), MDLG_E_OK);
    mdlg_err e = mdlg_trust_add_crl(t, der, len);
    free(der);
    return e;
}

static mdlg_trust *trust_with_iaca(void)
{
    mdlg_trust *t = mdlg_trust_new();
    assert_non_null(t);
    assert_int_equal(mdlg_trust_add_der(t, F.iaca.der, F.iaca.der_len, NULL), MDLG_E_OK);
    return t;
}

/* A DeviceResponse signed by ds (issuer-signed only), optionally with a status list ref. */
static void issue(const struct mdlg_testpki_cert *ds, const char *sl_uri, uint64_t idx,
                  struct mdlg_cbor_buf *out)
{
    struct mdlg_issue_claims c;
    mdlg_issue_claims_init(&c);
    assert_int_equal(mdlg_issue_standard_claims(&c, "US", "US-CA", T0), MDLG_E_OK);
    struct mdlg_bytes chain = mdlg_bytes_make(ds->der, ds->der_len);
    struct mdlg_issue_opts o = { .items = c.items, .n_items = c.n_items, .ds_key = ds->key,
                                 .x5chain = &chain, .x5chain_n = 1, .signed_at = T0 - DAY,
                                 .valid_from = T0 - DAY, .valid_until = T0 + 300 * DAY,
                                 .device_key = F.device, .device_auth = MDLG_ISSUE_DEVICE_NONE,
                                 .status_list_uri = sl_uri, .status_list_idx = idx };
    mdlg_cbor_buf_init(out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, out), MDLG_E_OK);
    mdlg_issue_claims_free(&c);
}

/* ---- an in-memory status list source ---- */

struct mem_source { const uint8_t *tok; size_t len; int calls; };

static mdlg_err mem_get(void *ud, struct mdlg_bytes uri, uint8_t **buf, size_t *len)
{
    struct mem_source *m = ud;
    m->calls++;
    if (m->tok == NULL || !mdlg_bytes_eq_str(uri, SL_URI))
        return MDLG_E_IO;
    *buf = malloc(m->len);
    memcpy(*buf, m->tok, m->len);
    *len = m->len;
    return MDLG_E_OK;
}

struct tok_spec {
    const struct mdlg_testpki_cert *signer;
    unsigned bits;
    uint64_t idx;
    uint8_t value;
    int64_t iat, exp;
    const char *typ, *uri;
};

static void make_token(const struct tok_spec *s, struct mdlg_cbor_buf *out)
{
    size_t n = s->idx + 100;
    uint8_t *values = calloc(n, 1);
    values[s->idx] = s->value;
    values[s->idx + 1] = 1;   /* the neighbour is revoked: the index must be exact */
    struct mdlg_bytes chain = mdlg_bytes_make(s->signer->der, s->signer->der_len);
    struct mdlg_status_token_opts o = { .key = s->signer->key, .x5chain = &chain, .x5chain_n = 1,
                                        .uri = s->uri ? s->uri : SL_URI,
                                        .iat = s->iat ? s->iat : T0 - DAY, .exp = s->exp,
                                        .bits = s->bits ? s->bits : 1, .values = values,
                                        .n_values = n, .typ = s->typ };
    mdlg_cbor_buf_init(out, NULL, 0);
    assert_int_equal(mdlg_status_token_build(&o, out), MDLG_E_OK);
    free(values);
}

static void verify(mdlg_trust *t, const struct mdlg_cbor_buf *resp,
                   enum mdlg_revocation_policy pol, const struct mdlg_status_source *src,
                   bool cache, int64_t now, struct mdlg_result *r)
{
    struct mdlg_verify_opts o = { .now = now, .policy = MDLG_POLICY_STRICT, .trust = t,
                                  .allow_no_device_auth = true, .use_chain_cache = cache,
                                  .revocation = pol, .status_source = src };
    assert_int_equal(mdlg_verify(resp->ptr, resp->len, &o, r), MDLG_E_OK);
    assert_int_equal(r->n_docs, 1);
}

/* The document's codes, space separated, into out. */
static const char *codes(const struct mdlg_doc_result *d, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < d->n_errors; i++) {
        strncat(out, mdlg_err_name(d->errors[i].code), cap - strlen(out) - 2);
        strcat(out, " ");
    }
    return out;
}

static void expect_doc(const struct mdlg_result *r, bool valid, const char *want_codes,
                       enum mdlg_crl_status crl, enum mdlg_status_outcome sl)
{
    char got[512];
    const struct mdlg_doc_result *d = &r->docs[0];
    codes(d, got, sizeof got);
    if (d->valid != valid || strcmp(got, want_codes) != 0 || d->chain.crl != crl ||
        d->status_list != sl)
        fail_msg("valid %d codes '%s' crl %s status_list %s; want %d '%s' %s %s", d->valid, got,
                 mdlg_crl_status_name(d->chain.crl), mdlg_status_outcome_name(d->status_list),
                 valid, want_codes, mdlg_crl_status_name(crl), mdlg_status_outcome_name(sl));
}

/* ---- CRL ---- */

static void test_crl_revoked_ds(void **state)
{
    (void)state;
    mdlg_trust *t = trust_with_iaca();
    assert_int_equal(add_crl(t, &F.ds1, T0 - DAY, T0 + 30 * DAY, NULL), MDLG_E_OK);
    assert_int_equal(mdlg_trust_crl_count(t), 1);
    struct mdlg_cbor_buf resp;
    struct mdlg_result r;
    issue(&F.ds1, NULL, 0, &resp);
    for (int cache = 0; cache < 2; cache++) {   /* a revoked DS is never served from the cache */
        verify(t, &resp, MDLG_REVOCATION_FAIL_OPEN, NULL, true, T0, &r);
        expect_doc(&r, false, "CERT_REVOKED ", MDLG_CRL_REVOKED, MDLG_SL_NOT_APPLICABLE);
        assert_int_equal(r.docs[0].checks[MDLG_CHECK_REVOCATION], MDLG_CHECK_FAILED);
        mdlg_result_free(&r);
    }
    mdlg_cbor_buf_free(&resp);
    mdlg_trust_free(t);
}

static void test_crl_good_and_cache_window(void **state)
{
    (void)state;
    mdlg_trust *t = trust_with_iaca();
    assert_int_equal(add_crl(t, &F.ds2, T0 - DAY, T0 + 30 * DAY, NULL), MDLG_E_OK);
    struct mdlg_cbor_buf resp;
    struct mdlg_result r;
    issue(&F.ds1, NULL, 0, &resp);
    verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, NULL, true, T0, &r);
    expect_doc(&r, true, "", MDLG_CRL_GOOD, MDLG_SL_NOT_APPLICABLE);
    assert_int_equal(r.docs[0].chain.crl_next_update, T0 + 30 * DAY);
    mdlg_result_free(&r);
    verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, NULL, true, T0 + DAY, &r);
    assert_true(r.docs[0].chain.cached);
    expect_doc(&r, true, "", MDLG_CRL_GOOD, MDLG_SL_NOT_APPLICABLE);
    mdlg_result_free(&r);
    /* the cached entry's CRL window ends at nextUpdate */
    verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, NULL, true, T0 + 31 * DAY, &r);
    assert_true(r.docs[0].chain.cached);
    expect_doc(&r, false, "REVOCATION_UNAVAILABLE ", MDLG_CRL_UNAVAILABLE, MDLG_SL_NOT_APPLICABLE);
    mdlg_result_free(&r);
    mdlg_cbor_buf_free(&resp);
    mdlg_trust_free(t);
}

/* Expired CRL, CRL not yet valid, no CRL: unavailable, then the policy decides. */
static void test_crl_unavailable_policy(void **state)
{
    (void)state;
    static const struct { const char *name; int64_t tu, nu; bool has; } cases[] = {
        { "expired CRL", T0 - 60 * DAY, T0 - DAY, true },
        { "CRL not yet valid", T0 + DAY, T0 + 30 * DAY, true },
        { "no CRL", 0, 0, false },
    };
    struct mdlg_cbor_buf resp;
    issue(&F.ds1, NULL, 0, &resp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mdlg_trust *t = trust_with_iaca();
        if (cases[i].has)
            assert_int_equal(add_crl(t, NULL, cases[i].tu, cases[i].nu, NULL), MDLG_E_OK);
        struct mdlg_result r;
        print_message("%s\n", cases[i].name);
        verify(t, &resp, MDLG_REVOCATION_FAIL_OPEN, NULL, false, T0, &r);
        expect_doc(&r, true, "", MDLG_CRL_UNAVAILABLE, MDLG_SL_NOT_APPLICABLE);
        mdlg_result_free(&r);
        verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, NULL, false, T0, &r);
        expect_doc(&r, false, "REVOCATION_UNAVAILABLE ", MDLG_CRL_UNAVAILABLE,
                   MDLG_SL_NOT_APPLICABLE);
        mdlg_result_free(&r);
        mdlg_trust_free(t);
    }
    mdlg_cbor_buf_free(&resp);
}

static void test_crl_forged_refused(void **state)
{
    (void)state;
    mdlg_trust *t = trust_with_iaca();
    assert_int_equal(add_crl(t, &F.ds1, T0 - DAY, T0 + 30 * DAY, F.other_iaca.key),
                     MDLG_E_CRL_INVALID);
    uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
    assert_int_equal(mdlg_trust_add_crl(t, junk, sizeof junk), MDLG_E_CRL_INVALID);
    assert_int_equal(mdlg_trust_crl_count(t), 0);
    mdlg_trust_free(t);
}

/* ---- status list ---- */

static void test_status_list_values(void **state)
{
    (void)state;
    static const struct { unsigned bits; uint8_t value; bool valid; const char *codes;
                          enum mdlg_status_outcome sl; } cases[] = {
        { 1, 0, true, "", MDLG_SL_GOOD },
        { 1, 1, false, "STATUS_REVOKED ", MDLG_SL_REVOKED },
        { 2, 2, false, "STATUS_SUSPENDED ", MDLG_SL_SUSPENDED },
        { 2, 0, true, "", MDLG_SL_GOOD },
        { 4, 1, false, "STATUS_REVOKED ", MDLG_SL_REVOKED },
        { 8, 2, false, "STATUS_SUSPENDED ", MDLG_SL_SUSPENDED },
        { 8, 3, false, "STATUS_REVOKED ", MDLG_SL_REVOKED },
    };
    mdlg_trust *t = trust_with_iaca();
    assert_int_equal(add_crl(t, NULL, T0 - DAY, T0 + 30 * DAY, NULL), MDLG_E_OK);
    struct mdlg_cbor_buf resp;
    issue(&F.ds1, SL_URI, 1234, &resp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tok_spec s = { .signer = &F.ds2, .bits = cases[i].bits, .idx = 1234,
                              .value = cases[i].value };
        struct mdlg_cbor_buf tok;
        make_token(&s, &tok);
        struct mem_source m = { tok.ptr, tok.len, 0 };
        struct mdlg_status_source src = { mem_get, &m };
        struct mdlg_result r;
        verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, &src, false, T0, &r);
        expect_doc(&r, cases[i].valid, cases[i].codes, MDLG_CRL_GOOD, cases[i].sl);
        assert_int_equal(m.calls, 1);
        mdlg_result_free(&r);
        mdlg_cbor_buf_free(&tok);
    }
    mdlg_cbor_buf_free(&resp);
    mdlg_trust_free(t);
}

/* Tokens that must not be believed: the status is unavailable, then the policy. */
static void test_status_list_untrusted(void **state)
{
    (void)state;
    static const struct { const char *name; struct tok_spec s; mdlg_err why; } cases[] = {
        { "signer of another PKI", { .signer = &F.other_ds }, MDLG_E_CHAIN_UNTRUSTED },
        { "expired", { .exp = T0 - 60 }, MDLG_E_STATUS_LIST_INVALID },
        { "issued in the future", { .iat = T0 + DAY }, MDLG_E_STATUS_LIST_INVALID },
        { "wrong typ", { .typ = "application/cwt" }, MDLG_E_STATUS_LIST_INVALID },
        { "sub is another list", { .uri = "https://status.example/lists/8" },
          MDLG_E_STATUS_LIST_INVALID },
        { "bits 3", { .bits = 3 }, MDLG_E_STATUS_LIST_INVALID },
    };
    mdlg_trust *t = trust_with_iaca();
    assert_int_equal(add_crl(t, NULL, T0 - DAY, T0 + 30 * DAY, NULL), MDLG_E_OK);
    struct mdlg_cbor_buf resp;
    issue(&F.ds1, SL_URI, 5, &resp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tok_spec s = cases[i].s;
        s.signer = s.signer ? s.signer : &F.ds2;
        s.idx = 5;
        s.value = 1;   /* revoked, if it were believed */
        struct mdlg_cbor_buf tok;
        make_token(&s, &tok);
        struct mem_source m = { tok.ptr, tok.len, 0 };
        struct mdlg_status_source src = { mem_get, &m };
        struct mdlg_result r;
        print_message("%s\n", cases[i].name);
        verify(t, &resp, MDLG_REVOCATION_FAIL_OPEN, &src, false, T0, &r);
        expect_doc(&r, true, "", MDLG_CRL_GOOD, MDLG_SL_UNAVAILABLE);
        assert_string_equal(mdlg_err_name(r.docs[0].status_list_err), mdlg_err_name(cases[i].why));
        mdlg_result_free(&r);
        verify(t, &resp, MDLG_REVOCATION_FAIL_CLOSED, &src, false, T0, &r);
        expect_doc(&r, false, "REVOCATION_UNAVAILABLE ", MDLG_CRL_GOOD, MDLG_SL_UNAVAILABLE);
        mdlg_result_free(&r);
        mdlg_cbor_buf_free(&tok);
    }
    mdlg_cbor_buf_free(&resp);
    mdlg_trust_free(t);
}

/* A list of 2^24 zero bytes compresses to ~16 KiB and must be refused before it is inflated. */
static void test_status_list_zip_bomb(void **state)
{
    (void)state;
    size_t n = 2u * MDLG_MAX_STATUS_LIST_BYTES;
    uint8_t *zeros = calloc(n, 1);
    assert_non_null(zeros);
    struct mdlg_bytes chain = mdlg_bytes_make(F.ds2.der, F.ds2.der_len);
    struct mdlg_status_token_opts o = { .key = F.ds2.key, .x5chain = &chain, .x5chain_n = 1,
                                        .uri = SL_URI, .iat = T0 - DAY, .bits = 1,
                                        .raw_list = zeros, .raw_list_len = n };
    struct mdlg_cbor_buf tok;
    mdlg_cbor_buf_init(&tok, NULL, 0);
    assert_int_equal(mdlg_status_token_build(&o, &tok), MDLG_E_OK);
    assert_true(tok.len < 64 * 1024);
    free(zeros);
    mdlg_trust *t = trust_with_iaca();
    struct mdlg_status_list l;
    const char *why = NULL;
    uint8_t fp[32];
    assert_int_equal(mdlg_sha256(F.iaca.der, F.iaca.der_len, fp), MDLG_E_OK);
    assert_int_equal(mdlg_status_list_verify(tok.ptr, tok.len, mdlg_bytes_make((const uint8_t *)SL_URI,
                     strlen(SL_URI)), t, fp, T0, &l, &why), MDLG_E_STATUS_LIST_TOO_LARGE);
    assert_null(l.lst);
    /* the same list at exactly the cap is accepted */
    o.raw_list = zeros = calloc(MDLG_MAX_STATUS_LIST_BYTES, 1);
    o.raw_list_len = MDLG_MAX_STATUS_LIST_BYTES;
    mdlg_cbor_buf_free(&tok);
    mdlg_cbor_buf_init(&tok, NULL, 0);
    assert_int_equal(mdlg_status_token_build(&o, &tok), MDLG_E_OK);
    free(zeros);
    assert_int_equal(mdlg_status_list_verify(tok.ptr, tok.len, mdlg_bytes_make((const uint8_t *)SL_URI,
                     strlen(SL_URI)), t, fp, T0, &l, &why), MDLG_E_OK);
    assert_int_equal(l.lst_len, MDLG_MAX_STATUS_LIST_BYTES);
    mdlg_status_list_free(&l);
    mdlg_cbor_buf_free(&tok);
    mdlg_trust_free(t);
}

static void test_inflate_bounded_rejects_garbage(void **state)
{
    (void)state;
    uint8_t *out = NULL;
    size_t n = 0;
    static const uint8_t garbage[] = { 0x78, 0x9c, 0xff, 0xff, 0xff };
    assert_int_equal(mdlg_zlib_inflate_bounded(garbage, sizeof garbage, 1024, &out, &n),
                     MDLG_E_STATUS_LIST_INVALID);
    assert_null(out);
    static const uint8_t truncated[] = { 0x78, 0x9c, 0x63, 0x60 };
    assert_int_equal(mdlg_zlib_inflate_bounded(truncated, sizeof truncated, 1024, &out, &n),
                     MDLG_E_STATUS_LIST_INVALID);
}

/* ---- verdict JSON ---- */

static void test_verdict_revocation_json(void **state)
{
    (void)state;
    mdlg_trust *t = trust_with_iaca();   /* no CRL: unavailable */
    struct mdlg_cbor_buf resp;
    struct mdlg_result r;
    issue(&F.ds1, NULL, 0, &resp);
    static const enum mdlg_revocation_policy pols[] = { MDLG_REVOCATION_FAIL_OPEN,
                                                        MDLG_REVOCATION_FAIL_CLOSED };
    for (int i = 0; i < 2; i++) {
        verify(t, &resp, pols[i], NULL, false, T0, &r);
        json_t *j = mdlg_verdict_json(&r);
        json_t *rev = json_object_get(json_array_get(json_object_get(j, "documents"), 0),
                                      "revocation");
        assert_non_null(rev);
        assert_string_equal(json_string_value(json_object_get(rev, "crl")), "unavailable");
        assert_string_equal(json_string_value(json_object_get(rev, "status_list")),
                            "not_applicable");
        assert_string_equal(json_string_value(json_object_get(rev, "policy")),
                            i == 0 ? "fail-open" : "fail-closed");
        assert_int_equal(json_is_true(json_object_get(j, "valid")), i == 0);
        assert_int_equal(json_array_size(json_object_get(rev, "warnings")), i == 0 ? 1 : 0);
        json_decref(j);
        mdlg_result_free(&r);
    }
    mdlg_cbor_buf_free(&resp);
    mdlg_trust_free(t);
}

/* ---- the IETF draft's MSO example (shared vectors) ---- */

static void test_ietf_example_status(void **state)
{
    (void)state;
    char *path = mdlg_test_shared_path("vectors/mdoc/ietf-status-list/issuer_auth_with_status.hex");
    char *root = mdlg_test_shared_path("vectors/mdoc/iso18013-5-annex-d/iaca_root.pem");
    size_t hlen = 0, alen = 0;
    uint8_t *hex = path ? mdlg_test_read_file(path, &hlen) : NULL;
    free(path);
    if (hex == NULL || root == NULL) {
        free(root);
        skip();
    }
    uint8_t *ia = mdlg_test_unhex((const char *)hex, &alen);
    free(hex);
    assert_non_null(ia);
    /* {"version": "1.0", "documents": [{"docType": DT, "issuerSigned": {"issuerAuth": ia}}], "status": 0} */
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_map(&b, 3);
    mdlg_cbor_put_cstr(&b, "version");
    mdlg_cbor_put_cstr(&b, "1.0");
    mdlg_cbor_put_cstr(&b, "documents");
    mdlg_cbor_put_array(&b, 1);
    mdlg_cbor_put_map(&b, 2);
    mdlg_cbor_put_cstr(&b, "docType");
    mdlg_cbor_put_cstr(&b, MDLG_MDL_DOCTYPE);
    mdlg_cbor_put_cstr(&b, "issuerSigned");
    mdlg_cbor_put_map(&b, 1);
    mdlg_cbor_put_cstr(&b, "issuerAuth");
    mdlg_cbor_put_raw(&b, ia, alen);
    mdlg_cbor_put_cstr(&b, "status");
    mdlg_cbor_put_uint(&b, 0);
    free(ia);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_file(t, root, NULL), MDLG_E_OK);
    free(root);
    struct mdlg_verify_opts o = { .now = 1735689600, .policy = MDLG_POLICY_LENIENT, .trust = t,
                                  .allow_no_device_auth = true };
    struct mdlg_result r;
    assert_int_equal(mdlg_verify(b.ptr, b.len, &o, &r), MDLG_E_OK);
    assert_int_equal(r.n_docs, 1);
    assert_int_equal(r.docs[0].checks[MDLG_CHECK_ISSUER_SIGNATURE], MDLG_CHECK_OK);
    assert_true(mdlg_bytes_eq_str(r.docs[0].status_list_uri, "https://example.com/statuslists/1"));
    assert_int_equal(r.docs[0].status_list_idx, 412);
    /* no status list source: unavailable, fail-open keeps it a warning */
    assert_int_equal(r.docs[0].status_list, MDLG_SL_UNAVAILABLE);
    mdlg_result_free(&r);
    mdlg_cbor_buf_free(&b);
    mdlg_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crl_revoked_ds),
        cmocka_unit_test(test_crl_good_and_cache_window),
        cmocka_unit_test(test_crl_unavailable_policy),
        cmocka_unit_test(test_crl_forged_refused),
        cmocka_unit_test(test_status_list_values),
        cmocka_unit_test(test_status_list_untrusted),
        cmocka_unit_test(test_status_list_zip_bomb),
        cmocka_unit_test(test_inflate_bounded_rejects_garbage),
        cmocka_unit_test(test_verdict_revocation_json),
        cmocka_unit_test(test_ietf_example_status),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
