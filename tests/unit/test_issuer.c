/*
 * test_issuer.c - the test issuer (include/mdlg/issuer.h) against the
 * verifier (mdlg_verify): every tamper flag gives its exact error code, the
 * untampered response is valid under the strict policy, for every curve,
 * digest algorithm and device authentication mode, and the jurisdiction,
 * validity and keyAuthorizations rules hold.
 *
 * Everything is generated here (testpki, fresh keys); no shared files needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdlg/cbor.h"
#include "mdlg/issuer.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/transcript.h"
#include "mdlg/trust.h"

#define DAY 86400
#define AT 1767225600          /* 2026-01-01T00:00:00Z: issuance instant */
#define NOW (AT + 3600)        /* verification instant */

/* ---- fixture: a PKI, a device key, a transcript and the standard claims ---- */

struct pki {
    struct mdlg_testpki_cert iaca, ds;
    mdlg_pkey *device;
};

struct env {
    struct pki p256;
    struct mdlg_cbor_buf transcript;
    struct mdlg_issue_claims claims;
};

static void make_pki(struct pki *p, enum mdlg_curve ds_curve, enum mdlg_curve dev_curve,
                     const char *state)
{
    enum mdlg_curve iaca_curve = ds_curve == MDLG_CRV_ED25519 ? MDLG_CRV_P256 : ds_curve;
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = state, .curve = iaca_curve,
                                         .not_before = AT - 30 * DAY,
                                         .not_after = AT + 5 * 365 * DAY };
    memset(p, 0, sizeof *p);
    assert_int_equal(mdlg_testpki_iaca(&io, &p->iaca), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &p->iaca, .curve = ds_curve,
                                        .not_before = AT - DAY, .not_after = AT + 365 * DAY };
    assert_int_equal(mdlg_testpki_ds(&dso, &p->ds), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_generate(dev_curve, &p->device), MDLG_E_OK);
}

static void free_pki(struct pki *p)
{
    mdlg_testpki_cert_free(&p->iaca);
    mdlg_testpki_cert_free(&p->ds);
    mdlg_pkey_free(p->device);
}

static int setup(void **state)
{
    struct env *env = calloc(1, sizeof *env);
    assert_non_null(env);
    make_pki(&env->p256, MDLG_CRV_P256, MDLG_CRV_P256, "US-CA");
    mdlg_cbor_buf_init(&env->transcript, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&env->transcript, "x509_san_dns:rp.example",
                                                 "nonce-1234567890", NULL,
                                                 "https://rp.example/response"),
                     MDLG_E_OK);
    mdlg_issue_claims_init(&env->claims);
    assert_int_equal(mdlg_issue_standard_claims(&env->claims, NULL, NULL, AT), MDLG_E_OK);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    struct env *env = *state;
    free_pki(&env->p256);
    mdlg_cbor_buf_free(&env->transcript);
    mdlg_issue_claims_free(&env->claims);
    free(env);
    return 0;
}

/* Issue options over a PKI and claims, valid from AT for 30 days. */
static struct mdlg_issue_opts base_opts(const struct env *env, const struct pki *p,
                                        const struct mdlg_issue_claims *claims,
                                        struct mdlg_bytes *chain)
{
    *chain = mdlg_bytes_make(p->ds.der, p->ds.der_len);
    struct mdlg_issue_opts o = {
        .items = claims->items, .n_items = claims->n_items, .decoys = 2,
        .ds_key = p->ds.key, .x5chain = chain, .x5chain_n = 1,
        .signed_at = AT, .valid_from = AT, .valid_until = AT + 30 * DAY,
        .device_key = p->device, .device_auth = MDLG_ISSUE_DEVICE_SIGNATURE,
        .transcript = mdlg_cbor_buf_bytes(&env->transcript),
    };
    return o;
}

struct verify_setup {
    const char *anchor_jurisdiction;   /* NULL: derived from the IACA subject */
    enum mdlg_policy policy;
    bool allow_no_device_auth;
    const mdlg_pkey *reader_key;
    int64_t now;                       /* 0: NOW */
};

/* Verifies `resp` with the PKI's IACA as the only anchor; fills *res. */
static void verify(const struct env *env, const struct pki *p, struct mdlg_bytes resp,
                   const struct verify_setup *vs, struct mdlg_result *res)
{
    mdlg_trust *t = mdlg_trust_new();
    assert_non_null(t);
    assert_int_equal(mdlg_trust_add_der(t, p->iaca.der, p->iaca.der_len,
                                        vs->anchor_jurisdiction),
                     MDLG_E_OK);
    struct mdlg_verify_opts vo = {
        .now = vs->now ? vs->now : NOW, .policy = vs->policy,
        .allow_no_device_auth = vs->allow_no_device_auth, .trust = t,
        .transcript = mdlg_cbor_buf_bytes(&env->transcript), .reader_key = vs->reader_key,
    };
    assert_int_equal(mdlg_verify(resp.ptr, resp.len, &vo, res), MDLG_E_OK);
    mdlg_trust_free(t);
}

static void print_errors(const struct mdlg_result *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        print_message("  response error %s\n", mdlg_err_name(r->errors[i].code));
    for (size_t d = 0; d < r->n_docs; d++)
        for (size_t i = 0; i < r->docs[d].n_errors; i++)
            print_message("  doc %zu error %s (%s)\n", d, mdlg_err_name(r->docs[d].errors[i].code),
                          r->docs[d].errors[i].detail ? r->docs[d].errors[i].detail : "");
}

/* want OK: valid with no errors. Otherwise: invalid, and `want` is the only error
 * (or one of two when `also` is set). */
static void expect(const struct mdlg_result *r, mdlg_err want, mdlg_err also)
{
    if (want == MDLG_E_OK) {
        if (!r->valid)
            print_errors(r);
        assert_true(r->valid);
        assert_int_equal(r->n_docs, 1);
        assert_int_equal(r->docs[0].n_errors, 0);
        return;
    }
    bool found = false, other = r->n_errors > 0 || r->n_docs != 1;
    for (size_t i = 0; r->n_docs == 1 && i < r->docs[0].n_errors; i++) {
        mdlg_err code = r->docs[0].errors[i].code;
        if (code == want)
            found = true;
        else if (also == MDLG_E_OK || code != also)
            other = true;
    }
    if (!found || other || r->valid) {
        print_message("want %s%s%s, got:\n", mdlg_err_name(want), also ? " and " : "",
                      also ? mdlg_err_name(also) : "");
        print_errors(r);
    }
    assert_false(r->valid);
    assert_true(found);
    assert_false(other);
}

/* Issues with `o`, verifies, checks the expected outcome. */
static void round_trip(const struct env *env, const struct pki *p,
                       const struct mdlg_issue_opts *o, const struct verify_setup *vs,
                       mdlg_err want, mdlg_err also)
{
    struct mdlg_cbor_buf out;
    struct mdlg_result res;
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(o, &out), MDLG_E_OK);
    verify(env, p, mdlg_cbor_buf_bytes(&out), vs, &res);
    expect(&res, want, also);
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&out);
}

/* ---- the tamper table ---- */

struct tamper_case {
    const char *tamper;                 /* stable name, NULL for none */
    enum mdlg_issue_device_auth mode;
    enum mdlg_policy policy;
    bool allow_no_device_auth;
    mdlg_err want;
    uint32_t want_leniencies;
};

static const struct tamper_case tamper_cases[] = {
    { NULL, MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false, MDLG_E_OK, 0 },
    { NULL, MDLG_ISSUE_DEVICE_MAC, MDLG_POLICY_STRICT, false, MDLG_E_OK, 0 },
    { NULL, MDLG_ISSUE_DEVICE_NONE, MDLG_POLICY_STRICT, true, MDLG_E_OK, 0 },
    { NULL, MDLG_ISSUE_DEVICE_NONE, MDLG_POLICY_STRICT, false, MDLG_E_DEVICE_AUTH_MISSING, 0 },
    { "digest", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_MSO_DIGEST_MISMATCH, 0 },
    { "issuer-signature", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_COSE_SIGNATURE_INVALID, 0 },
    { "device-signature", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_SIGNATURE_INVALID, 0 },
    { "device-signature", MDLG_ISSUE_DEVICE_MAC, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_MAC_INVALID, 0 },
    { "doctype", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_MSO_DOCTYPE_MISMATCH, 0 },
    { "mso-untagged", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_MSO_NOT_TAGGED, 0 },
    { "mso-untagged", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_LENIENT, false,
      MDLG_E_MSO_NOT_TAGGED, 0 },
    { "duplicate-digest-id", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_MSO_DIGEST_ID_DUPLICATE, 0 },
    { "attached-device-payload", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_LENIENT, false,
      MDLG_E_OK, MDLG_LENIENT_DEVICE_PAYLOAD_ATTACHED },
    { "attached-device-payload", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_AUTH_MALFORMED, 0 },
    { "wrong-transcript", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_SIGNATURE_INVALID, 0 },
    { "wrong-transcript", MDLG_ISSUE_DEVICE_MAC, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_MAC_INVALID, 0 },
    { "drop-device-signed", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, false,
      MDLG_E_DEVICE_AUTH_MISSING, 0 },
    { "drop-device-signed", MDLG_ISSUE_DEVICE_SIGNATURE, MDLG_POLICY_STRICT, true,
      MDLG_E_OK, 0 },
};

static const char *mode_name(enum mdlg_issue_device_auth m)
{
    return m == MDLG_ISSUE_DEVICE_MAC ? "mac" : m == MDLG_ISSUE_DEVICE_NONE ? "none" : "signature";
}

static void test_tamper_table(void **state)
{
    struct env *env = *state;
    mdlg_pkey *reader;
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &reader), MDLG_E_OK);
    for (size_t i = 0; i < sizeof tamper_cases / sizeof tamper_cases[0]; i++) {
        const struct tamper_case *tc = &tamper_cases[i];
        struct mdlg_bytes chain;
        struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain);
        struct verify_setup vs = { .policy = tc->policy, .reader_key = reader,
                                   .allow_no_device_auth = tc->allow_no_device_auth };
        struct mdlg_cbor_buf out;
        struct mdlg_result res;
        print_message("case %zu: tamper %s, device auth %s, %s\n", i,
                      tc->tamper ? tc->tamper : "(none)", mode_name(tc->mode),
                      tc->policy == MDLG_POLICY_STRICT ? "strict" : "lenient");
        o.device_auth = tc->mode;
        o.reader_key = reader;
        if (tc->tamper)
            assert_true(mdlg_tamper_from_name(tc->tamper, &o.tamper));
        mdlg_cbor_buf_init(&out, NULL, 0);
        assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
        verify(env, &env->p256, mdlg_cbor_buf_bytes(&out), &vs, &res);
        expect(&res, tc->want, MDLG_E_OK);
        if (tc->want == MDLG_E_OK)
            assert_int_equal(res.docs[0].leniencies, tc->want_leniencies);
        if (tc->want == MDLG_E_MSO_DIGEST_MISMATCH)   /* the first disclosed string element */
            assert_true(mdlg_bytes_eq_str(res.docs[0].errors[0].element, "family_name"));
        mdlg_result_free(&res);
        mdlg_cbor_buf_free(&out);
    }
    mdlg_pkey_free(reader);
}

static void test_tamper_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < MDLG_TAMPER_COUNT; i++) {
        const char *n = mdlg_tamper_name(1u << i);
        uint32_t bit = 0;
        assert_non_null(n);
        assert_true(mdlg_tamper_from_name(n, &bit));
        assert_int_equal(bit, 1u << i);
    }
    uint32_t bit;
    assert_null(mdlg_tamper_name(1u << MDLG_TAMPER_COUNT));
    assert_null(mdlg_tamper_name(3));
    assert_false(mdlg_tamper_from_name("no-such-defect", &bit));
    assert_false(mdlg_tamper_from_name(NULL, &bit));
    assert_string_equal(mdlg_tamper_name(MDLG_TAMPER_DUPLICATE_DIGEST_ID), "duplicate-digest-id");
}

/* ---- the untampered response: content and shape ---- */

static void test_standard_elements(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain);
    struct verify_setup vs = { .policy = MDLG_POLICY_STRICT };
    struct mdlg_cbor_buf out;
    struct mdlg_result res;
    assert_int_equal(env->claims.n_items, MDLG_STANDARD_DISCLOSED + MDLG_STANDARD_WITHHELD);
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    verify(env, &env->p256, mdlg_cbor_buf_bytes(&out), &vs, &res);
    expect(&res, MDLG_E_OK, MDLG_E_OK);
    const struct mdlg_doc_result *d = &res.docs[0];
    assert_true(mdlg_bytes_eq_str(d->doctype, MDLG_MDL_DOCTYPE));
    assert_string_equal(d->chain.jurisdiction, "US-CA");
    assert_int_equal(d->device_auth, MDLG_DEVAUTH_SIGNATURE);
    assert_int_equal(d->n_elements, MDLG_STANDARD_DISCLOSED);
    assert_true(mdlg_bytes_eq_str(d->valid_from.text, "2026-01-01T00:00:00Z"));
    assert_true(mdlg_bytes_eq_str(d->valid_until.text, "2026-01-31T00:00:00Z"));
    bool family = false, portrait = false, birth = false;
    for (size_t i = 0; i < d->n_elements; i++) {
        const struct mdlg_element *el = &d->elements[i];
        assert_true(mdlg_bytes_eq_str(el->ns, MDLG_MDL_NAMESPACE));
        assert_false(mdlg_bytes_eq_str(el->id, "sex"));      /* withheld */
        assert_false(mdlg_bytes_eq_str(el->id, "height"));
        if (mdlg_bytes_eq_str(el->id, "family_name"))
            family = mdlg_bytes_eq(el->value, mdlg_bytes_make("\x63" "Doe", 4));
        if (mdlg_bytes_eq_str(el->id, "birth_date"))   /* 1004("1990-01-01") */
            birth = mdlg_bytes_eq(el->value, mdlg_bytes_make("\xd9\x03\xec\x6a" "1990-01-01", 14));
        if (mdlg_bytes_eq_str(el->id, "portrait"))     /* bstr(2048) ffd8ffe0 ... ffd9 */
            portrait = el->value.len == 3 + 2048 && memcmp(el->value.ptr, "\x59\x08\x00\xff\xd8\xff\xe0", 7) == 0 &&
                       memcmp(el->value.ptr + el->value.len - 2, "\xff\xd9", 2) == 0;
    }
    assert_true(family);
    assert_true(birth);
    assert_true(portrait);
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&out);
}

/* Finds the MSO in a DeviceResponse and counts valueDigests of the mDL namespace. */
static void mso_digest_ids(struct mdlg_bytes resp, uint64_t *ids, size_t cap, size_t *n)
{
    static struct mdlg_cbor_item items[8192], mitems[4096];
    struct mdlg_cbor_doc d, m;
    struct mdlg_bytes payload, inner;
    assert_int_equal(mdlg_cbor_parse(&d, resp.ptr, resp.len, items, 8192, NULL), MDLG_E_OK);
    uint32_t doc = mdlg_cbor_array_get(&d, mdlg_cbor_map_get_str(&d, 0, "documents"), 0);
    uint32_t ia = mdlg_cbor_map_get_str(&d, mdlg_cbor_map_get_str(&d, doc, "issuerSigned"),
                                        "issuerAuth");
    assert_true(mdlg_cbor_get_bstr(&d, mdlg_cbor_array_get(&d, ia, 2), &payload));
    /* payload = d8 18 59 LLLL MSO */
    assert_true(payload.len > 5 && payload.ptr[0] == 0xd8 && payload.ptr[1] == 0x18);
    struct mdlg_cbor_item pitems[2];
    struct mdlg_cbor_doc pd;
    assert_int_equal(mdlg_cbor_parse(&pd, payload.ptr, payload.len, pitems, 2, NULL), MDLG_E_OK);
    assert_true(mdlg_cbor_get_tag24(&pd, 0, &inner));
    assert_int_equal(mdlg_cbor_parse(&m, inner.ptr, inner.len, mitems, 4096, NULL), MDLG_E_OK);
    uint32_t vd = mdlg_cbor_map_get_str(&m, mdlg_cbor_map_get_str(&m, 0, "valueDigests"),
                                        MDLG_MDL_NAMESPACE);
    assert_true(mdlg_cbor_is_type(&m, vd, MDLG_CBOR_MAP));
    *n = 0;
    for (uint32_t k = mdlg_cbor_first(&m, vd); k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(&m, vd, k);
        struct mdlg_bytes dg;
        assert_true(*n < cap);
        assert_true(mdlg_cbor_get_uint(&m, k, &ids[(*n)++]));
        assert_true(mdlg_cbor_get_bstr(&m, v, &dg));
        assert_int_equal(dg.len, 32);
        k = mdlg_cbor_next(&m, vd, v);
    }
    struct mdlg_bytes x5;   /* one DS certificate: a bare bstr */
    assert_true(mdlg_cbor_get_bstr(&d, mdlg_cbor_map_get_int(&d, mdlg_cbor_array_get(&d, ia, 1), 33),
                                   &x5));
}

static void test_mso_shape(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain);
    struct mdlg_cbor_buf out;
    uint64_t ids[64];
    size_t n;
    o.decoys = 3;
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    mso_digest_ids(mdlg_cbor_buf_bytes(&out), ids, 64, &n);
    /* 14 disclosed + 2 withheld + 3 decoys, ascending, distinct, not 0..n-1. */
    assert_int_equal(n, MDLG_STANDARD_DISCLOSED + MDLG_STANDARD_WITHHELD + 3);
    bool sequential = true;
    for (size_t i = 0; i < n; i++) {
        assert_true(ids[i] < 65536);
        if (i > 0)
            assert_true(ids[i] > ids[i - 1]);
        sequential = sequential && ids[i] == i;
    }
    assert_false(sequential);
    mdlg_cbor_buf_free(&out);
}

/* ---- curves, digest algorithms, device MAC ---- */

struct curve_case {
    enum mdlg_curve ds, device, reader;   /* reader NONE: deviceSignature */
    enum mdlg_hash_alg digest;
};

static const struct curve_case curve_cases[] = {
    { MDLG_CRV_P384, MDLG_CRV_P384, MDLG_CRV_NONE, 0 },
    { MDLG_CRV_P521, MDLG_CRV_P521, MDLG_CRV_NONE, 0 },
    { MDLG_CRV_ED25519, MDLG_CRV_ED25519, MDLG_CRV_NONE, 0 },
    { MDLG_CRV_P256, MDLG_CRV_ED25519, MDLG_CRV_NONE, 0 },
    { MDLG_CRV_ED25519, MDLG_CRV_P256, MDLG_CRV_NONE, 0 },
    { MDLG_CRV_P256, MDLG_CRV_P256, MDLG_CRV_NONE, MDLG_SHA384 },
    { MDLG_CRV_P384, MDLG_CRV_P521, MDLG_CRV_NONE, MDLG_SHA512 },
    { MDLG_CRV_P256, MDLG_CRV_P256, MDLG_CRV_P256, 0 },
    { MDLG_CRV_P384, MDLG_CRV_P384, MDLG_CRV_P384, MDLG_SHA384 },
    { MDLG_CRV_P256, MDLG_CRV_P521, MDLG_CRV_P521, 0 },
};

static void test_curves(void **state)
{
    struct env *env = *state;
    for (size_t i = 0; i < sizeof curve_cases / sizeof curve_cases[0]; i++) {
        const struct curve_case *cc = &curve_cases[i];
        struct pki p;
        struct mdlg_bytes chain;
        mdlg_pkey *reader = NULL;
        print_message("curve case %zu: ds %d device %d reader %d digest %d\n", i, cc->ds,
                      cc->device, cc->reader, cc->digest);
        make_pki(&p, cc->ds, cc->device, "US-CA");
        struct mdlg_issue_opts o = base_opts(env, &p, &env->claims, &chain);
        o.digest_alg = cc->digest;
        if (cc->reader != MDLG_CRV_NONE) {
            assert_int_equal(mdlg_pkey_generate(cc->reader, &reader), MDLG_E_OK);
            o.device_auth = MDLG_ISSUE_DEVICE_MAC;
            o.reader_key = reader;
        }
        struct verify_setup vs = { .policy = MDLG_POLICY_STRICT, .reader_key = reader };
        round_trip(env, &p, &o, &vs, MDLG_E_OK, MDLG_E_OK);
        mdlg_pkey_free(reader);
        free_pki(&p);
    }
}

/* The DS chain given as [DS, IACA] (x5chain array): the IACA copy is ignored. */
static void test_chain_array(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain[2];
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain[0]);
    struct verify_setup vs = { .policy = MDLG_POLICY_STRICT };
    chain[1] = mdlg_bytes_make(env->p256.iaca.der, env->p256.iaca.der_len);
    o.x5chain = chain;
    o.x5chain_n = 2;
    round_trip(env, &env->p256, &o, &vs, MDLG_E_OK, MDLG_E_OK);
}

/* ---- validity ---- */

static void test_validity(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain);
    o.valid_until = AT + DAY;
    struct verify_setup expired = { .policy = MDLG_POLICY_STRICT, .now = AT + 2 * DAY };
    round_trip(env, &env->p256, &o, &expired, MDLG_E_MSO_EXPIRED, MDLG_E_OK);
    o.valid_from = AT + 2 * DAY;
    o.valid_until = AT + 10 * DAY;
    struct verify_setup early = { .policy = MDLG_POLICY_STRICT, .now = AT + DAY };
    round_trip(env, &env->p256, &o, &early, MDLG_E_MSO_NOT_YET_VALID, MDLG_E_OK);
    o.valid_from = AT;
    o.expected_update = AT + 5 * DAY;
    struct verify_setup ok = { .policy = MDLG_POLICY_STRICT };
    round_trip(env, &env->p256, &o, &ok, MDLG_E_OK, MDLG_E_OK);
}

/* ---- jurisdiction ---- */

static void test_jurisdiction(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct mdlg_issue_claims ny;
    struct verify_setup strict = { .policy = MDLG_POLICY_STRICT };

    /* Data claims US-NY, the DS and IACA are US-CA. The anchor (US-CA) then also
     * does not belong to the claimed jurisdiction, so both codes may appear. */
    mdlg_issue_claims_init(&ny);
    assert_int_equal(mdlg_issue_standard_claims(&ny, "US", "US-NY", AT), MDLG_E_OK);
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &ny, &chain);
    round_trip(env, &env->p256, &o, &strict, MDLG_E_JURISDICTION_DATA_MISMATCH,
               MDLG_E_JURISDICTION_ANCHOR_MISMATCH);
    mdlg_issue_claims_free(&ny);

    /* DS from the US-CA IACA, data US-CA, but the anchor was added as US-NY. */
    o = base_opts(env, &env->p256, &env->claims, &chain);
    struct verify_setup as_ny = { .policy = MDLG_POLICY_STRICT, .anchor_jurisdiction = "US-NY" };
    round_trip(env, &env->p256, &o, &as_ny, MDLG_E_JURISDICTION_ANCHOR_MISMATCH, MDLG_E_OK);

    /* Certificates with ST = "California" (a name, not a code) and data "US-CA": valid. */
    struct pki cal;
    make_pki(&cal, MDLG_CRV_P256, MDLG_CRV_P256, "California");
    o = base_opts(env, &cal, &env->claims, &chain);
    round_trip(env, &cal, &o, &strict, MDLG_E_OK, MDLG_E_OK);
    free_pki(&cal);

    /* A country-level IACA and DS (no ST) and no issuing_jurisdiction element: valid. */
    struct mdlg_issue_claims us;
    struct mdlg_result res;
    struct mdlg_cbor_buf out;
    make_pki(&cal, MDLG_CRV_P256, MDLG_CRV_P256, NULL);
    mdlg_issue_claims_init(&us);
    assert_int_equal(mdlg_issue_standard_claims(&us, "US", "", AT), MDLG_E_OK);
    assert_int_equal(us.n_items, MDLG_STANDARD_DISCLOSED - 1 + MDLG_STANDARD_WITHHELD);
    o = base_opts(env, &cal, &us, &chain);
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    verify(env, &cal, mdlg_cbor_buf_bytes(&out), &strict, &res);
    expect(&res, MDLG_E_OK, MDLG_E_OK);
    assert_string_equal(res.docs[0].chain.jurisdiction, "US");
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&out);
    mdlg_issue_claims_free(&us);
    free_pki(&cal);

    /* issuing_country differs from the certificates' C. */
    struct mdlg_issue_claims ca;
    mdlg_issue_claims_init(&ca);
    assert_int_equal(mdlg_issue_standard_claims(&ca, "CA", "US-CA", AT), MDLG_E_OK);
    o = base_opts(env, &env->p256, &ca, &chain);
    round_trip(env, &env->p256, &o, &strict, MDLG_E_JURISDICTION_DATA_MISMATCH,
               MDLG_E_JURISDICTION_ANCHOR_MISMATCH);
    mdlg_issue_claims_free(&ca);
}

/* ---- device-signed elements and keyAuthorizations ---- */

static void test_device_signed(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct verify_setup strict = { .policy = MDLG_POLICY_STRICT };
    static const uint8_t yes[] = { 0xf5 };
    const struct mdlg_issue_item dev[] = {
        { "org.example.device", "fresh", { yes, 1 }, false },
        { MDLG_MDL_NAMESPACE, "age_over_65", { (const uint8_t *)"\xf4", 1 }, false },
    };
    const char *const nss[] = { "org.example.device" };
    const struct mdlg_issue_element_ref els[] = { { MDLG_MDL_NAMESPACE, "age_over_65" } };
    struct mdlg_issue_opts o = base_opts(env, &env->p256, &env->claims, &chain);
    o.device_items = dev;
    o.n_device_items = 2;

    /* Neither authorised. */
    struct mdlg_cbor_buf out;
    struct mdlg_result res;
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    verify(env, &env->p256, mdlg_cbor_buf_bytes(&out), &strict, &res);
    assert_false(res.valid);
    assert_int_equal(res.docs[0].n_errors, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(res.docs[0].errors[i].code, MDLG_E_DEVICE_ELEMENT_UNAUTHORIZED);
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&out);

    /* One by namespace, one by data element: valid, both device-signed. */
    o.key_auth_namespaces = nss;
    o.n_key_auth_namespaces = 1;
    o.key_auth_elements = els;
    o.n_key_auth_elements = 1;
    mdlg_cbor_buf_init(&out, NULL, 0);
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    verify(env, &env->p256, mdlg_cbor_buf_bytes(&out), &strict, &res);
    expect(&res, MDLG_E_OK, MDLG_E_OK);
    size_t n_dev = 0;
    for (size_t i = 0; i < res.docs[0].n_elements; i++)
        n_dev += res.docs[0].elements[i].device_signed;
    assert_int_equal(n_dev, 2);
    assert_int_equal(res.docs[0].n_elements, MDLG_STANDARD_DISCLOSED + 2);
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&out);

    /* Only the namespace authorised: the mDL element is not. */
    o.n_key_auth_elements = 0;
    round_trip(env, &env->p256, &o, &strict, MDLG_E_DEVICE_ELEMENT_UNAUTHORIZED, MDLG_E_OK);
}

/* ---- claims helpers and usage errors ---- */

static void test_claims(void **state)
{
    (void)state;
    struct mdlg_issue_claims c;
    mdlg_issue_claims_init(&c);
    assert_int_equal(mdlg_issue_claims_add(&c, "ns", "a", (const uint8_t *)"\x01", 1, false),
                     MDLG_E_OK);
    /* Not exactly one CBOR item: empty, trailing bytes, truncated. */
    assert_int_equal(mdlg_issue_claims_add(&c, "ns", "b", (const uint8_t *)"", 0, false),
                     MDLG_E_USAGE);
    assert_int_equal(mdlg_issue_claims_add(&c, "ns", "b", (const uint8_t *)"\x01\x02", 2, false),
                     MDLG_E_USAGE);
    assert_int_equal(mdlg_issue_claims_add(&c, "ns", "b", (const uint8_t *)"\x62" "a", 2, false),
                     MDLG_E_USAGE);
    assert_int_equal(mdlg_issue_claims_set_doctype(&c, "org.example.doc"), MDLG_E_OK);
    assert_string_equal(c.doctype, "org.example.doc");
    assert_int_equal(c.n_items, 1);
    mdlg_issue_claims_free(&c);
    assert_int_equal(c.n_items, 0);
    mdlg_issue_claims_free(&c);   /* twice is fine */
}

static void test_usage_errors(void **state)
{
    struct env *env = *state;
    struct mdlg_bytes chain;
    struct mdlg_cbor_buf out;
    mdlg_cbor_buf_init(&out, NULL, 0);
    const struct mdlg_issue_opts good = base_opts(env, &env->p256, &env->claims, &chain);
    struct mdlg_issue_opts o;
    const struct mdlg_issue_item one[] = {
        { MDLG_MDL_NAMESPACE, "family_name", { (const uint8_t *)"\x63" "Doe", 4 }, false },
    };

    o = good; o.transcript = (struct mdlg_bytes){ NULL, 0 };
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.transcript = mdlg_bytes_make("\xa0", 1);       /* not an array */
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.device_auth = MDLG_ISSUE_DEVICE_MAC;          /* no reader key */
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.ds_key = NULL;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.x5chain_n = 0;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.valid_until = o.valid_from - 1;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.tamper = 1u << MDLG_TAMPER_COUNT;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.items = one; o.n_items = 1; o.tamper = MDLG_TAMPER_DUPLICATE_DIGEST_ID;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    o = good; o.device_auth = MDLG_ISSUE_DEVICE_NONE; o.tamper = MDLG_TAMPER_DEVICE_SIGNATURE;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_USAGE);
    assert_int_equal(out.len, 0);

    /* Transcript not needed without a device part; one item is enough. */
    o = good; o.device_auth = MDLG_ISSUE_DEVICE_NONE; o.transcript = (struct mdlg_bytes){ 0 };
    o.items = one; o.n_items = 1;
    assert_int_equal(mdlg_issue_device_response(&o, &out), MDLG_E_OK);
    assert_true(out.len > 0);
    mdlg_cbor_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tamper_names),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_tamper_table),
        cmocka_unit_test(test_standard_elements),
        cmocka_unit_test(test_mso_shape),
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_chain_array),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_jurisdiction),
        cmocka_unit_test(test_device_signed),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests_name("issuer", tests, setup, teardown);
}
