/*
 * test_verdict_text.c - mdlg_verdict_text writes exactly what
 * mdlg_json_dump_compact(mdlg_verdict_json(r)) writes: for real verdicts
 * (valid, tampered, lenient), for a table of element values covering every
 * CBOR type and the cases the tree treats unusually (reals, NaN, integers
 * beyond int64, chunked strings, non-text and NUL-bearing map keys, values
 * that do not parse), and for made-up results that set every optional
 * member (errors of every shape, warnings, status list, document errors,
 * repeated and interleaved element names, text that is not UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "mdlg/cbor.h"
#include "mdlg/issuer.h"
#include "mdlg/json_dump.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/verdict.h"

/* The direct text must equal the tree's (or both fail). Returns the text's length. */
static size_t same_as_tree(const struct mdlg_result *r)
{
    json_t *j = mdlg_verdict_json(r);
    size_t want_len = 0, got_len = 0;
    char *want = j ? mdlg_json_dump_compact(j, &want_len) : NULL;
    char *got = mdlg_verdict_text(r, &got_len);
    json_decref(j);
    if (want == NULL) {
        assert_null(got);
        return 0;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(got_len, want_len);
    assert_int_equal(strlen(got), got_len);
    free(want);
    free(got);
    return got_len;
}

/* ---- real verdicts ---- */

struct fixture {
    struct mdlg_testpki_cert iaca, ds;
    struct mdlg_issue_claims claims;
    struct mdlg_cbor_buf resp;
    mdlg_pkey *device;
    mdlg_trust *trust;
};

static const int64_t now = 1767225600;
static const uint8_t transcript[] = { 0x83, 0xf6, 0xf6, 0xf6 };   /* [null, null, null] */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "California",
                                         .not_before = now - 86400, .not_after = now + 86400 };
    assert_int_equal(mdlg_testpki_iaca(&io, &f->iaca), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &f->iaca, .not_before = now - 86400,
                                        .not_after = now + 86400 };
    assert_int_equal(mdlg_testpki_ds(&dso, &f->ds), MDLG_E_OK);
    mdlg_issue_claims_init(&f->claims);
    assert_int_equal(mdlg_issue_standard_claims(&f->claims, NULL, NULL, now), MDLG_E_OK);
    struct mdlg_bytes chain = { f->ds.der, f->ds.der_len };
    mdlg_cbor_buf_init(&f->resp, NULL, 0);
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &f->device), MDLG_E_OK);
    struct mdlg_issue_opts o = { .items = f->claims.items, .n_items = f->claims.n_items,
                                 .ds_key = f->ds.key, .x5chain = &chain, .x5chain_n = 1,
                                 .signed_at = now - 60, .valid_from = now - 60,
                                 .valid_until = now + 3600, .device_key = f->device,
                                 .transcript = { transcript, sizeof transcript } };
    assert_int_equal(mdlg_issue_device_response(&o, &f->resp), MDLG_E_OK);
    f->trust = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(f->trust, f->iaca.der, f->iaca.der_len, NULL), MDLG_E_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mdlg_trust_free(f->trust);
    mdlg_cbor_buf_free(&f->resp);
    mdlg_issue_claims_free(&f->claims);
    mdlg_testpki_cert_free(&f->ds);
    mdlg_testpki_cert_free(&f->iaca);
    mdlg_pkey_free(f->device);
    free(f);
    return 0;
}

/* Verifies the fixture's response with byte `flip` (if >= 0) changed; compares the texts. */
static void verify_and_compare(struct fixture *f, long flip, enum mdlg_policy policy, bool valid)
{
    uint8_t *buf = malloc(f->resp.len);
    memcpy(buf, f->resp.ptr, f->resp.len);
    if (flip >= 0)
        buf[flip] ^= 0x01;
    struct mdlg_verify_opts vo = { .now = now, .trust = f->trust, .policy = policy,
                                  .transcript = { transcript, sizeof transcript } };
    struct mdlg_result *r = calloc(1, sizeof *r);
    assert_int_equal(mdlg_verify(buf, f->resp.len, &vo, r), MDLG_E_OK);
    assert_int_equal(r->valid, valid);
    size_t n = same_as_tree(r);
    assert_true(n > (valid ? 2000u : 10u));
    mdlg_result_free(r);
    free(r);
    free(buf);
}

static void test_real_verdicts(void **state)
{
    struct fixture *f = *state;
    verify_and_compare(f, -1, MDLG_POLICY_STRICT, true);
    verify_and_compare(f, -1, MDLG_POLICY_LENIENT, true);
    /* tampered at a spread of offsets: digests, signatures, structure */
    for (long off = 7; off < (long)f->resp.len; off += (long)f->resp.len / 23)
        verify_and_compare(f, off, MDLG_POLICY_STRICT, false);
}

/* ---- made-up results ---- */

static uint8_t *unhex(const char *hex, size_t *n)
{
    size_t len = strlen(hex) / 2;
    uint8_t *p = malloc(len + 1);
    assert_int_equal(sodium_hex2bin(p, len + 1, hex, strlen(hex), NULL, n, NULL), 0);
    return p;
}

static struct mdlg_bytes b(const char *s)
{
    return (struct mdlg_bytes){ (const uint8_t *)s, strlen(s) };
}

/* A result with one document: every optional member set; elements as given. */
static struct mdlg_result *made_up(struct mdlg_element *el, size_t n)
{
    struct mdlg_result *r = calloc(1, sizeof *r);
    struct mdlg_doc_result *d = &r->docs[0];
    r->verified_at = now;
    r->n_docs = 1;
    r->n_document_errors = 2;
    r->errors[r->n_errors++] = (struct mdlg_doc_error){ .code = MDLG_E_CBOR_MALFORMED,
                                                       .offset = 12, .detail = "a \"quoted\"\tdetail" };
    d->doctype = b("org.iso.18013.5.1.mDL");
    snprintf(d->chain.jurisdiction, sizeof d->chain.jurisdiction, "US-NY");
    snprintf(d->chain.ds_subject, sizeof d->chain.ds_subject, "CN=Caf\xc3\xa9 DS,ST=US-NY,C=US");
    for (int i = 0; i < 32; i++)
        d->chain.anchor_sha256[i] = (uint8_t)(i * 37), d->chain.ds_sha256[i] = (uint8_t)(255 - i);
    d->chain.crl = MDLG_CRL_UNAVAILABLE;
    d->chain.crl_next_update = now + 86400;
    d->signed_at.text = b("2026-01-01T00:00:00Z");
    d->valid_until.text = b("2027-01-01T00:00:00Z");
    d->expected_update.text = b("2026-06-01T00:00:00Z");
    d->device_auth = MDLG_DEVAUTH_MAC;
    for (int i = 0; i < MDLG_CHECK_COUNT; i++)
        d->checks[i] = (uint8_t)(i % 3);
    d->leniencies = 0x55;
    d->errors[d->n_errors++] = (struct mdlg_doc_error){ .code = MDLG_E_MSO_DIGEST_MISMATCH,
        .ns = b("org.iso.18013.5.1"), .element = b("family_name"), .offset = 4096 };
    d->errors[d->n_errors++] = (struct mdlg_doc_error){ .code = MDLG_E_CERT_REVOKED };
    d->n_errors_dropped = 7;
    d->status_list = MDLG_SL_UNAVAILABLE;
    d->status_list_err = MDLG_E_IO;
    d->status_list_uri = b("https://status.example/1");
    d->status_list_idx = 42;
    d->elements = el;
    d->n_elements = n;
    return r;
}

/* Element values (encoded CBOR, hex) and why each is here. */
static const char *const values[] = {
    "01", "20", "1b7fffffffffffffff", "3b7fffffffffffffff",
    "1bffffffffffffffff", "3bffffffffffffffff",               /* beyond int64: reals */
    "f93c00", "fb3fb999999999999a", "f97e00", "f97c00",       /* reals, NaN, infinity */
    "6568656c6c6f", "60", "40", "43010203", "62c3a9",
    "68220a5c2f7f01091f",                                     /* escapes and controls */
    "63610062",                                               /* NUL inside a text value */
    "7f61616262636162ff", "7fff", "5f41014202035f",           /* chunked (last one broken) */
    "5f410142020341ffff", "5fff",
    "83010203", "8281018080", "8201f97e00",                   /* NaN inside an array */
    "a2616101616202", "a0", "a26161f97e00616202",             /* NaN member dropped */
    "a20101613102",                                           /* keys 1 and "1" collide */
    "a201616102616262",                                       /* integer keys */
    "a16361006201", "a1410102", "a17f6161ff01",               /* NUL, bstr, chunked keys */
    "c074323032302d30312d30315430303a30303a30305a",           /* tdate */
    "d903ec6a323032302d30312d3031",                           /* full-date */
    "f4", "f5", "f6", "f7", "ff", "", "0102",                 /* simple; not CBOR at all */
    "81a3756973737565725f646174655f6b6579d903ec6a323032302d30312d30316a657870697279"
    "5f64617465d903ec6a323033302d30312d3031767665686963"
    "6c655f63617465676f72795f636f64656143",                   /* driving_privileges */
};

static void test_element_values(void **state)
{
    (void)state;
    size_t nv = sizeof values / sizeof values[0];
    struct mdlg_element *el = calloc(nv, sizeof *el);
    uint8_t **raw = calloc(nv, sizeof *raw);
    char (*ids)[16] = calloc(nv, sizeof *ids);
    for (size_t i = 0; i < nv; i++) {
        size_t n = 0;
        raw[i] = unhex(values[i], &n);
        snprintf(ids[i], sizeof ids[i], "e%zu", i);
        el[i] = (struct mdlg_element){ .ns = b(i % 3 ? "ns.a" : "ns.b"), .id = b(ids[i]),
                                       .value = { raw[i], n } };
    }
    /* each value alone, then all together (more than one namespace, interleaved) */
    for (size_t i = 0; i < nv; i++) {
        struct mdlg_result *r = made_up(&el[i], 1);
        same_as_tree(r);
        free(r);
    }
    struct mdlg_result *r = made_up(el, nv);
    assert_true(same_as_tree(r) > 1000);
    free(r);
    for (size_t i = 0; i < nv; i++)
        free(raw[i]);
    free(raw);
    free(ids);
    free(el);
}

/* Maps with 1..40 text keys (past the writer's own limit), and 70 elements (past its limit). */
static void test_sizes(void **state)
{
    (void)state;
    struct mdlg_element el[70];
    struct mdlg_cbor_buf maps[40];
    char ids[70][8];
    for (size_t k = 0; k < 40; k++) {
        mdlg_cbor_buf_init(&maps[k], NULL, 0);
        mdlg_cbor_put_map(&maps[k], k + 1);
        for (size_t i = 0; i <= k; i++) {
            char key[8];
            snprintf(key, sizeof key, "k%zu", i);
            mdlg_cbor_put_cstr(&maps[k], key);
            mdlg_cbor_put_uint(&maps[k], i);
        }
        assert_int_equal(mdlg_cbor_buf_err(&maps[k]), MDLG_E_OK);
    }
    for (size_t i = 0; i < 70; i++) {
        snprintf(ids[i], sizeof ids[i], "x%zu", i);
        el[i] = (struct mdlg_element){ .ns = b("ns"), .id = b(ids[i]),
                                       .value = mdlg_cbor_buf_bytes(&maps[i % 40]) };
    }
    for (size_t n = 1; n <= 70; n += 23) {
        struct mdlg_result *r = made_up(el, n);
        same_as_tree(r);
        free(r);
    }
    for (size_t k = 0; k < 40; k++)
        mdlg_cbor_buf_free(&maps[k]);
}

/* Names and texts the tree treats unusually. */
static void test_odd_results(void **state)
{
    (void)state;
    static const uint8_t one[] = { 0x01 };
    struct mdlg_bytes v = { one, 1 };
    struct mdlg_element el[] = {
        { .ns = b("ns.a"), .id = b("same"), .value = v },
        { .ns = b("ns.b"), .id = b("other"), .value = v },
        { .ns = b("ns.a"), .id = b("same"), .value = { (const uint8_t *)"\x02", 1 } },
        { .ns = { (const uint8_t *)"ns\0x", 4 }, .id = b("nul"), .value = v },
        { .ns = b("ns.c"), .id = b("\xff"), .value = v },
    };
    for (size_t n = 1; n <= sizeof el / sizeof el[0]; n++) {
        struct mdlg_result *r = made_up(el, n);
        same_as_tree(r);
        free(r);
    }
    struct mdlg_result *r = made_up(el, 2);
    struct mdlg_doc_result *d = &r->docs[0];
    d->errors[0].detail = "not UTF-8: \xc3";   /* jansson drops the member */
    same_as_tree(r);
    d->errors[0].detail = NULL;
    d->chain.crl_detail = "\xe2\x82";             /* the warning goes */
    same_as_tree(r);
    d->chain.crl_detail = NULL;
    d->revocation = MDLG_REVOCATION_FAIL_CLOSED;   /* no warnings member */
    same_as_tree(r);
    snprintf(d->chain.ds_subject, sizeof d->chain.ds_subject, "CN=\xc0\x80");
    same_as_tree(r);                               /* the document goes */
    d->chain.ds_subject[0] = '\0';
    d->chain.jurisdiction[0] = '\0';
    d->status_list_uri = (struct mdlg_bytes){ NULL, 0 };
    d->valid_from.text = b("");
    r->n_document_errors = 0;
    d->n_errors_dropped = 0;
    same_as_tree(r);
    snprintf(d->chain.jurisdiction, sizeof d->chain.jurisdiction, "DE");
    r->docs[1] = r->docs[0];
    snprintf(r->docs[1].chain.jurisdiction, sizeof r->docs[1].chain.jurisdiction, "US-ZZ");
    r->n_docs = 2;
    r->valid = true;
    r->policy = MDLG_POLICY_LENIENT;
    same_as_tree(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_verdicts, setup, teardown),
        cmocka_unit_test(test_element_values),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_odd_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
