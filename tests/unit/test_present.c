/*
 * test_present.c - the online-presentation pieces of include/mdlg/present.h
 * that need no vectors: answers checked against the request
 * (mdlg_present_match, mdlg_present_disclosed); reader authentication:
 * the Annex C readerAuth (COSE_Sign1 over ReaderAuthenticationBytes), the
 * reader identity (EKU 1.0.18013.5.1.6) and the signed request object (JWS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mdlg/jws.h"
#include "mdlg/mdoc.h"
#include "mdlg/present.h"
#include "mdlg/reader.h"
#include "mdlg/testpki.h"

#define S(s) mdlg_bytes_make((s), strlen(s))
#define NS "org.iso.18013.5.1"
#define MDL "org.iso.18013.5.1.mDL"

/* ---- mdlg_present_match ---- */

static const struct mdlg_present_element asked[] = {
    { NS, "family_name" }, { NS, "portrait" }, { "org.iso.18013.5.1.aamva", "DHS_compliance" },
};
#define N_ASKED (sizeof asked / sizeof asked[0])

struct match_case {
    const char *name;
    const char *doctype;             /* of the document */
    const char *disclosed[4];        /* element ids in NS, NULL-terminated */
    bool valid;                      /* after the match */
    mdlg_err code;                   /* the error added, OK if none */
    const char *element;             /* the element it names, NULL if none */
    size_t n_missing;                /* requested elements not disclosed */
};

static const struct match_case match_cases[] = {
    { "all asked for, all given", MDL, { "family_name", "portrait" }, true, MDLG_E_OK, NULL, 1 },
    { "withheld: no error", MDL, { "family_name" }, true, MDLG_E_OK, NULL, 2 },
    { "nothing disclosed", MDL, { NULL }, true, MDLG_E_OK, NULL, 3 },
    { "over-disclosure", MDL, { "family_name", "birth_date" }, false,
      MDLG_E_ELEMENT_NOT_REQUESTED, "birth_date", 2 },
    { "another doctype", "org.iso.23220.photoid.1", { "family_name" }, false,
      MDLG_E_RESPONSE_DOCTYPE_UNEXPECTED, NULL, 2 },
    { "doctype prefix only", "org.iso.18013.5.1.mDLx", { NULL }, false,
      MDLG_E_RESPONSE_DOCTYPE_UNEXPECTED, NULL, 3 },
};

static void run_match(const struct match_case *c)
{
    struct mdlg_element els[4];
    struct mdlg_result *res = calloc(1, sizeof *res);
    assert_non_null(res);
    size_t n = 0;
    for (; n < 4 && c->disclosed[n]; n++)
        els[n] = (struct mdlg_element){ S(NS), S(c->disclosed[n]), S("\xf5"), false };
    res->valid = true;
    res->n_docs = 1;
    res->docs[0] = (struct mdlg_doc_result){ .valid = true, .doctype = S(c->doctype),
                                             .elements = els, .n_elements = n };
    mdlg_present_match(res, MDL, asked, N_ASKED);
    print_message("%s\n", c->name);
    assert_int_equal(res->valid, c->valid);
    assert_int_equal(res->docs[0].valid, c->valid);
    assert_int_equal(res->docs[0].n_errors, c->code != MDLG_E_OK);
    if (c->code != MDLG_E_OK)
        assert_int_equal(res->docs[0].errors[0].code, c->code);
    if (c->element) {
        assert_true(mdlg_bytes_eq_str(res->docs[0].errors[0].ns, NS));
        assert_true(mdlg_bytes_eq_str(res->docs[0].errors[0].element, c->element));
    }
    size_t missing = 0;
    for (size_t i = 0; i < N_ASKED; i++)
        missing += !mdlg_present_disclosed(&res->docs[0], &asked[i]);
    assert_int_equal(missing, c->n_missing);
    free(res);
}

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++)
        run_match(&match_cases[i]);
}

/* Many unrequested elements: the first 32 listed, the rest counted. */
static void test_match_error_cap(void **state)
{
    (void)state;
    static char ids[40][16];
    struct mdlg_element els[40];
    struct mdlg_result *res = calloc(1, sizeof *res);
    assert_non_null(res);
    for (unsigned i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "x%u", i % 100u);
        els[i] = (struct mdlg_element){ S(NS), S(ids[i]), S("\xf5"), false };
    }
    res->valid = true;
    res->n_docs = 1;
    res->docs[0] = (struct mdlg_doc_result){ .valid = true, .doctype = S(MDL), .elements = els,
                                             .n_elements = 40 };
    mdlg_present_match(res, MDL, asked, N_ASKED);
    assert_false(res->valid);
    assert_int_equal(res->docs[0].n_errors, MDLG_MAX_DOC_ERRORS);
    assert_int_equal(res->docs[0].n_errors_dropped, 40 - MDLG_MAX_DOC_ERRORS);
    free(res);
}

/* ---- reader authentication: readerAuth (COSE) and the request object (JWS) ---- */

struct reader_pki {
    struct mdlg_testpki_cert ca, leaf, other_ca, ds;
};

static void reader_pki_make(struct reader_pki *p)
{
    int64_t now = time(NULL);
    struct mdlg_testpki_iaca_opts co = { .country = "US", .common_name = "test reader CA",
                                         .not_before = now - 60, .not_after = now + 86400 };
    assert_int_equal(mdlg_testpki_iaca(&co, &p->ca), MDLG_E_OK);
    assert_int_equal(mdlg_testpki_iaca(&co, &p->other_ca), MDLG_E_OK);
    struct mdlg_testpki_ds_opts lo = { .iaca = &p->ca, .not_before = now - 60,
                                       .not_after = now + 86400, .eku = "1.0.18013.5.1.6",
                                       .dns_name = "rp.example" };
    assert_int_equal(mdlg_testpki_ds(&lo, &p->leaf), MDLG_E_OK);
    lo.eku = NULL;   /* a DS certificate: not a reader certificate */
    assert_int_equal(mdlg_testpki_ds(&lo, &p->ds), MDLG_E_OK);
}

static void reader_pki_free(struct reader_pki *p)
{
    mdlg_testpki_cert_free(&p->ca);
    mdlg_testpki_cert_free(&p->leaf);
    mdlg_testpki_cert_free(&p->other_ca);
    mdlg_testpki_cert_free(&p->ds);
}

static const struct mdlg_present_element two[] = { { NS, "family_name" }, { NS, "portrait" } };
static const uint8_t tx_a[] = { 0x83, 0xf6, 0xf6, 0x82, 0x65, 'd', 'c', 'a', 'p', 'i', 0x41, 0x01 };
static const uint8_t tx_b[] = { 0x83, 0xf6, 0xf6, 0x82, 0x65, 'd', 'c', 'a', 'p', 'i', 0x41, 0x02 };

enum ra_mutation { RA_NONE, RA_OTHER_TRANSCRIPT, RA_FLIP_SIG, RA_FLIP_ITEMS, RA_OTHER_CA,
                   RA_NOT_READER_CERT, RA_UNSIGNED };

struct ra_case {
    const char *name;
    enum ra_mutation m;
    mdlg_err want;
    bool present;
};

static const struct ra_case ra_cases[] = {
    { "signed, checked with the CA", RA_NONE, MDLG_E_OK, true },
    { "another transcript (origin)", RA_OTHER_TRANSCRIPT, MDLG_E_READER_AUTH_INVALID, true },
    { "a signature byte changed", RA_FLIP_SIG, MDLG_E_READER_AUTH_INVALID, true },
    { "an ItemsRequest byte changed", RA_FLIP_ITEMS, MDLG_E_READER_AUTH_INVALID, true },
    { "another reader CA", RA_OTHER_CA, MDLG_E_READER_CERT_INVALID, true },
    { "signed with a DS certificate", RA_NOT_READER_CERT, MDLG_E_READER_CERT_INVALID, true },
    { "no readerAuth", RA_UNSIGNED, MDLG_E_OK, false },
};

/* Offset of the last occurrence of needle in hay (for the in-place mutations). */
static size_t last_of(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), at = 0;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            at = i;
    assert_true(at > 0);
    return at;
}

static void run_ra(const struct reader_pki *p, const struct ra_case *c)
{
    const struct mdlg_testpki_cert *leaf = c->m == RA_NOT_READER_CERT ? &p->ds : &p->leaf;
    struct mdlg_bytes chain = { leaf->der, leaf->der_len };
    struct mdlg_annexc_reader rd = { leaf->key, &chain, 1, { tx_a, sizeof tx_a } };
    struct mdlg_cbor_buf b;
    bool present = true;
    char dns[256];
    const char *why = NULL;
    const struct mdlg_testpki_cert *ca = c->m == RA_OTHER_CA ? &p->other_ca : &p->ca;
    print_message("%s\n", c->name);
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(mdlg_annexc_device_request_auth(&b, MDL, two, 2,
                                                     c->m == RA_UNSIGNED ? NULL : &rd), MDLG_E_OK);
    if (c->m == RA_FLIP_SIG)
        b.ptr[b.len - 1] ^= 1;
    if (c->m == RA_FLIP_ITEMS)
        b.ptr[last_of(b.ptr, b.len, "portrait")] ^= 0x20;   /* "Portrait" */
    struct mdlg_bytes tx = c->m == RA_OTHER_TRANSCRIPT ? mdlg_bytes_make(tx_b, sizeof tx_b)
                                                        : mdlg_bytes_make(tx_a, sizeof tx_a);
    mdlg_err e = mdlg_annexc_reader_auth_check(b.ptr, b.len, tx, ca->pem, ca->pem_len, time(NULL),
                                               &present, dns, sizeof dns, &why);
    assert_int_equal(e, c->want);
    assert_int_equal(present, c->present);
    if (e != MDLG_E_OK)
        assert_non_null(why);
    if (e == MDLG_E_OK && present)
        assert_string_equal(dns, "rp.example");
    mdlg_cbor_buf_free(&b);
}

static void test_reader_auth_table(void **state)
{
    (void)state;
    struct reader_pki p;
    reader_pki_make(&p);
    for (size_t i = 0; i < sizeof ra_cases / sizeof ra_cases[0]; i++)
        run_ra(&p, &ra_cases[i]);
    reader_pki_free(&p);
}

/* The reader identity: the service refuses a certificate without the reader EKU or another key. */
static void test_reader_id_load(void **state)
{
    (void)state;
    struct reader_pki p;
    struct mdlg_reader_id id;
    char *kp = NULL, *other = NULL;
    size_t kn = 0, on = 0;
    const char *why = NULL;
    reader_pki_make(&p);
    assert_int_equal(mdlg_pkey_to_pem(p.leaf.key, true, &kp, &kn), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_to_pem(p.ds.key, true, &other, &on), MDLG_E_OK);
    assert_int_equal(mdlg_reader_id_load(kp, kn, p.leaf.pem, p.leaf.pem_len, &id, &why), MDLG_E_OK);
    assert_string_equal(id.dns_name, "rp.example");
    assert_int_equal(strlen(id.x509_hash), 43);
    assert_int_equal(id.n_chain, 1);
    /* The validity window is the leaf's (now - 60 .. now + 86400 in reader_pki_make), inclusive. */
    int64_t nb = id.not_before, na = id.not_after;
    assert_int_equal(na - nb, 86400 + 60);
    static const struct { bool from_end; int64_t delta; mdlg_err want; } at[] = {
        { false, -1, MDLG_E_READER_CERT_INVALID }, { false, 0, MDLG_E_OK }, { false, 1, MDLG_E_OK },
        { true, -1, MDLG_E_OK }, { true, 0, MDLG_E_OK }, { true, 1, MDLG_E_READER_CERT_INVALID },
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        why = NULL;
        assert_int_equal(mdlg_reader_id_check_time(&id, (at[i].from_end ? na : nb) + at[i].delta,
                                                   &why), at[i].want);
        assert_true((why != NULL) == (at[i].want != MDLG_E_OK));
    }
    mdlg_reader_id_clear(&id);
    assert_int_equal(mdlg_reader_id_load(other, on, p.ds.pem, p.ds.pem_len, &id, &why),
                     MDLG_E_READER_CERT_INVALID);
    assert_int_equal(mdlg_reader_id_load(other, on, p.leaf.pem, p.leaf.pem_len, &id, &why),
                     MDLG_E_READER_CERT_INVALID);
    assert_int_equal(mdlg_reader_id_load(kp, kn, "junk", 4, &id, &why), MDLG_E_CERT_MALFORMED);
    free(kp);
    free(other);
    reader_pki_free(&p);
}

/* JWS: a round trip, then each defect refused. */
static void jws_of(const struct mdlg_testpki_cert *leaf, const char *typ, const char *payload,
                   char **out)
{
    struct mdlg_bytes chain = { leaf->der, leaf->der_len };
    assert_int_equal(mdlg_jws_sign(leaf->key, &chain, 1, typ, payload, out), MDLG_E_OK);
}

static mdlg_err jws_check(const char *jws, const mdlg_pkey *key)
{
    struct mdlg_jws j;
    mdlg_err e = mdlg_jws_parse(jws, strlen(jws), &j);
    if (e == MDLG_E_OK) {
        e = mdlg_jws_verify(&j, key);
        mdlg_jws_clear(&j);
    }
    return e;
}

static void test_jws(void **state)
{
    (void)state;
    struct reader_pki p;
    reader_pki_make(&p);
    char *jws = NULL, *other = NULL;
    jws_of(&p.leaf, MDLG_JWS_TYP_REQUEST, "{\"nonce\":\"n-0S6\"}", &jws);
    struct mdlg_jws j;
    assert_int_equal(mdlg_jws_parse(jws, strlen(jws), &j), MDLG_E_OK);
    assert_string_equal(j.typ, "oauth-authz-req+jwt");
    assert_string_equal(j.alg, "ES256");
    assert_string_equal(j.payload, "{\"nonce\":\"n-0S6\"}");
    assert_int_equal(j.n_x5c, 1);
    assert_memory_equal(j.x5c[0].ptr, p.leaf.der, p.leaf.der_len);
    assert_int_equal(mdlg_jws_verify(&j, p.leaf.key), MDLG_E_OK);
    assert_int_equal(mdlg_jws_verify(&j, p.ds.key), MDLG_E_REQUEST_OBJECT_INVALID);
    mdlg_jws_clear(&j);
    /* the payload swapped for another one, signature kept */
    jws_of(&p.leaf, MDLG_JWS_TYP_REQUEST, "{\"nonce\":\"evil\"}", &other);
    size_t h = strcspn(jws, "."), sig = strlen(jws) - strlen(strrchr(jws, '.'));
    size_t oh = strcspn(other, "."), osig = strlen(other) - strlen(strrchr(other, '.'));
    char *mixed = calloc(1, strlen(jws) + strlen(other) + 1);
    assert_non_null(mixed);
    memcpy(mixed, jws, h);                        /* header of the first */
    memcpy(mixed + h, other + oh, osig - oh);     /* payload of the other */
    strcat(mixed, jws + sig);                     /* signature of the first */
    assert_int_equal(jws_check(mixed, p.leaf.key), MDLG_E_REQUEST_OBJECT_INVALID);
    static const char *const malformed[] = {
        "", "a.b", "a.b.c.d", "..", "eyJhbGciOiJub25lIn0.e30.", "!!!.e30.AAAA",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_int_equal(jws_check(malformed[i], p.leaf.key), MDLG_E_REQUEST_OBJECT_INVALID);
    free(jws);
    free(other);
    free(mixed);
    reader_pki_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_match_error_cap),
        cmocka_unit_test(test_reader_auth_table),
        cmocka_unit_test(test_reader_id_load),
        cmocka_unit_test(test_jws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
