/*
 * test_trust.c - trust anchors, DS chain validation, Annex B profile,
 * jurisdiction binding, chain cache, test PKI.
 *
 * Vector cases read $MDLG_SHARED/vectors/mdoc (skipped when absent); the
 * other cases build their certificates with mdlg/testpki.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mdlg/limits.h"
#include "mdlg/testpki.h"
#include "mdlg/trust.h"
#include "../support/testcert.h"
#include "../support/testutil.h"

#define DAY 86400LL
#define T0 1735689600LL   /* 2025-01-01T00:00:00Z */

static int64_t at(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &tm.tm_sec);
    assert_int_equal(n, 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static void expect_err(const char *desc, mdlg_err got, const char *want)
{
    if (strcmp(mdlg_err_name(got), want) != 0)
        fail_msg("%s: got %s, want %s", desc, mdlg_err_name(got), want);
}

static void expect_bits(const char *desc, uint32_t got, uint32_t want)
{
    if (got != want)
        fail_msg("%s: leniencies 0x%x, want 0x%x", desc, got, want);
}

static mdlg_err verify1(mdlg_trust *t, const uint8_t *der, size_t len, int64_t now,
                        enum mdlg_policy p, bool cache, struct mdlg_chain_result *r)
{
    struct mdlg_bytes b = mdlg_bytes_make(der, len);
    return mdlg_trust_verify_ds(t, &b, 1, now, p, cache, r);
}

/* ------------------------------------------------------------------ */
/* Reference vectors                                                   */

#define MDOC "vectors/mdoc/"
#define ANNEXD MDOC "iso18013-5-annex-d/"
#define ISOMDL MDOC "isomdl-pki/"
#define MDOCTS MDOC "mdoc-ts/"
#define AUTH0 MDOC "auth0-mdl/nydmv_issuer_cert.pem"

struct vec_case {
    const char *desc;
    const char *anchors[3];     /* NULL-terminated, jurisdiction from the subject */
    const char *chain[4];       /* x5chain, leaf first, NULL-terminated */
    const char *at;
    enum mdlg_policy policy;
    const char *expect;         /* error name */
    uint32_t lenient;           /* exact leniency bits when OK */
    const char *jurisdiction;   /* checked when OK and not NULL */
};

#define S MDLG_POLICY_STRICT
#define L MDLG_POLICY_LENIENT

static const struct vec_case VEC[] = {
    { "annex D strict: CRL DP is a dNSName", { ANNEXD "iaca_root.pem" },
      { ANNEXD "ds_cert.pem" }, "2021-01-01T00:00:00", S, "CERT_PROFILE", 0, NULL },
    { "annex D lenient", { ANNEXD "iaca_root.pem" }, { ANNEXD "ds_cert.pem" },
      "2021-01-01T00:00:00", L, "OK", MDLG_LENIENT_CRL_DP_NOT_URI, "US" },
    { "annex D lenient with the IACA copied into x5chain",
      { ANNEXD "iaca_root.pem" }, { ANNEXD "ds_cert.pem", ANNEXD "iaca_root.pem" },
      "2021-01-01T00:00:00", L, "OK", MDLG_LENIENT_CRL_DP_NOT_URI, "US" },
    { "annex D DS expired", { ANNEXD "iaca_root.pem" }, { ANNEXD "ds_cert.pem" },
      "2021-10-02T00:00:00", L, "CERT_EXPIRED", 0, NULL },
    { "annex D DS expired (strict)", { ANNEXD "iaca_root.pem" }, { ANNEXD "ds_cert.pem" },
      "2021-10-01T12:00:00", S, "CERT_EXPIRED", 0, NULL },
    { "annex D DS not yet valid", { ANNEXD "iaca_root.pem" }, { ANNEXD "ds_cert.pem" },
      "2020-09-30T00:00:00", L, "CERT_NOT_YET_VALID", 0, NULL },
    { "reader cert as DS under the IACA", { ANNEXD "iaca_root.pem" },
      { ANNEXD "reader_cert.pem" }, "2021-01-01T00:00:00", L, "CHAIN_UNTRUSTED", 0, NULL },
    { "reader cert as DS under its own root: EKU", { ANNEXD "reader_root.pem" },
      { ANNEXD "reader_cert.pem" }, "2021-01-01T00:00:00", L, "DS_PROFILE_EKU", 0, NULL },
    { "isomdl DS: fully conformant", { ISOMDL "isomdl_iaca_root_cert.pem" },
      { ISOMDL "isomdl_iaca_signer.pem" }, "2024-01-01T00:00:00", S, "OK", 0, "US-NY" },
    { "isomdl 3-level chain", { ISOMDL "isomdl_iaca_root_cert.pem" },
      { ISOMDL "isomdl_iaca_leaf_signer.pem", ISOMDL "isomdl_iaca_intermediate.pem" },
      "2024-01-01T00:00:00", L, "CHAIN_INVALID", 0, NULL },
    { "isomdl 3-level chain (strict)", { ISOMDL "isomdl_iaca_root_cert.pem" },
      { ISOMDL "isomdl_iaca_leaf_signer.pem", ISOMDL "isomdl_iaca_intermediate.pem" },
      "2024-01-01T00:00:00", S, "CHAIN_INVALID", 0, NULL },
    { "isomdl DS with CA:TRUE", { ISOMDL "isomdl_iaca_root_cert.pem" },
      { ISOMDL "isomdl_incorrect_iaca_signer.pem" }, "2024-01-01T00:00:00", L,
      "DS_PROFILE_IS_CA", 0, NULL },
    { "isomdl DS with CA:TRUE (strict)", { ISOMDL "isomdl_iaca_root_cert.pem" },
      { ISOMDL "isomdl_incorrect_iaca_signer.pem" }, "2024-01-01T00:00:00", S,
      "DS_PROFILE_IS_CA", 0, NULL },
    { "multipaz P-384 IACA, negative DS serial", { ISOMDL "owf_multipaz_iaca_p384.pem" },
      { ISOMDL "owf_multipaz_ds_p384.pem" }, "2026-01-01T00:00:00", L, "OK",
      MDLG_LENIENT_CERT_SERIAL, "US" },
    { "multipaz negative serial (strict)", { ISOMDL "owf_multipaz_iaca_p384.pem" },
      { ISOMDL "owf_multipaz_ds_p384.pem" }, "2026-01-01T00:00:00", S, "CERT_PROFILE", 0,
      NULL },
    { "animo DS without CRL DP", { MDOCTS "animo-mdoc-05/root_certificate.pem" },
      { MDOCTS "animo-mdoc-05/ds_certificate.pem" }, "2026-01-01T00:00:00", L, "OK",
      MDLG_LENIENT_CERT_PROFILE, "NL" },
    { "animo DS without CRL DP (strict)", { MDOCTS "animo-mdoc-05/root_certificate.pem" },
      { MDOCTS "animo-mdoc-05/ds_certificate.pem" }, "2026-01-01T00:00:00", S,
      "CERT_PROFILE", 0, NULL },
    { "auth0: self-signed anchor is the signer (strict)", { AUTH0 }, { AUTH0 },
      "2024-01-01T00:00:00", S, "DS_PROFILE_EKU", 0, NULL },
    { "auth0: anchor is the signer", { AUTH0 }, { AUTH0 }, "2024-01-01T00:00:00", L, "OK",
      MDLG_LENIENT_ANCHOR_IS_SIGNER, "US-NY" },
    { "auth0: anchor is the signer, expired", { AUTH0 }, { AUTH0 }, "2034-01-01T00:00:00",
      L, "CERT_EXPIRED", 0, NULL },
    { "google: pinned DS passes the DS profile (strict)",
      { MDOCTS "google/signing_certificate.pem" }, { MDOCTS "google/signing_certificate.pem" },
      "2025-06-01T00:00:00", S, "OK", 0, "US-CA" },
    { "google: pinned DS", { MDOCTS "google/signing_certificate.pem" },
      { MDOCTS "google/signing_certificate.pem" }, "2025-06-01T00:00:00", L, "OK",
      MDLG_LENIENT_ANCHOR_IS_SIGNER, "US-CA" },
    { "google: the 'root' the test passes is unrelated",
      { MDOCTS "google/root_certificate_as_given.pem" },
      { MDOCTS "google/signing_certificate.pem" }, "2025-06-01T00:00:00", L,
      "CHAIN_UNTRUSTED", 0, NULL },
    { "ubique: pinned minimal cert (strict)", { MDOCTS "ubique/issuer_certificate.pem" },
      { MDOCTS "ubique/issuer_certificate.pem" }, "2025-02-01T00:00:00", S,
      "DS_PROFILE_EKU", 0, NULL },
    { "ubique: pinned minimal cert", { MDOCTS "ubique/issuer_certificate.pem" },
      { MDOCTS "ubique/issuer_certificate.pem" }, "2025-02-01T00:00:00", L, "OK",
      MDLG_LENIENT_ANCHOR_IS_SIGNER, "CH" },
    { "france: pinned utopia DS (strict)", { MDOCTS "france/issuer_certificate.pem" },
      { ANNEXD "ds_cert.pem" }, "2021-01-01T00:00:00", S, "CERT_PROFILE", 0, NULL },
    { "france: pinned utopia DS", { MDOCTS "france/issuer_certificate.pem" },
      { ANNEXD "ds_cert.pem" }, "2021-01-01T00:00:00", L, "OK",
      MDLG_LENIENT_ANCHOR_IS_SIGNER, "US" },
    { "BDR DS without its IACA", { ANNEXD "iaca_root.pem" },
      { MDOCTS "bdr/issuer_certificate.pem" }, "2025-06-01T00:00:00", L, "CHAIN_UNTRUSTED",
      0, NULL },
    { "AAMVA issuing CA is no DS", { MDOC "aamva-vical/aamva_dts_root_ca.pem" },
      { MDOC "aamva-vical/aamva_dts_issuing_ca.pem" }, "2025-11-18T00:00:00", L,
      "DS_PROFILE_EKU", 0, NULL },
};

static char *shared_file(const char *rel)
{
    char *p = mdlg_test_shared_path(rel);
    if (p == NULL)
        fail_msg("missing reference file %s", rel);
    return p;
}

static mdlg_trust *trust_from(const char *const *anchors)
{
    mdlg_trust *t = mdlg_trust_new();
    assert_non_null(t);
    for (size_t i = 0; i < 3 && anchors[i] != NULL; i++) {
        char *p = shared_file(anchors[i]);
        assert_int_equal(mdlg_trust_add_file(t, p, NULL), MDLG_E_OK);
        free(p);
    }
    return t;
}

static size_t chain_from(const char *const *files, struct mdlg_bytes *v)
{
    size_t n = 0;
    for (; n < 4 && files[n] != NULL; n++) {
        char *p = shared_file(files[n]);
        size_t len = 0;
        uint8_t *der = mdlg_test_pem_file_der(p, 0, &len);
        assert_non_null(der);
        v[n] = mdlg_bytes_make(der, len);
        free(p);
    }
    return n;
}

static void run_vec(const struct vec_case *c)
{
    mdlg_trust *t = trust_from(c->anchors);
    struct mdlg_bytes chain[4];
    size_t n = chain_from(c->chain, chain);
    struct mdlg_chain_result r;
    mdlg_err e = mdlg_trust_verify_ds(t, chain, n, at(c->at), c->policy, false, &r);
    expect_err(c->desc, e, c->expect);
    assert_int_equal(r.err, e);
    if (e == MDLG_E_OK) {
        expect_bits(c->desc, r.leniencies, c->lenient);
        assert_non_null(r.ds_key);
        assert_null(r.err_detail);
        if (c->jurisdiction != NULL && strcmp(r.jurisdiction, c->jurisdiction) != 0)
            fail_msg("%s: jurisdiction %s", c->desc, r.jurisdiction);
    } else {
        assert_null(r.ds_key);
        assert_non_null(r.err_detail);
    }
    mdlg_chain_result_clear(&r);
    for (size_t i = 0; i < n; i++)
        free((void *)chain[i].ptr);
    mdlg_trust_free(t);
}

static void test_vectors(void **state)
{
    (void)state;
    if (mdlg_test_shared() == NULL)
        skip();
    for (size_t i = 0; i < sizeof VEC / sizeof VEC[0]; i++)
        run_vec(&VEC[i]);
}

/* Fields of a successful result from the Annex D vector. */
static void test_vector_result_fields(void **state)
{
    (void)state;
    if (mdlg_test_shared() == NULL)
        skip();
    const char *anchors[] = { ANNEXD "iaca_root.pem", NULL };
    const char *files[] = { ANNEXD "ds_cert.pem", NULL };
    mdlg_trust *t = trust_from(anchors);
    struct mdlg_bytes ds[1];
    chain_from(files, ds);
    struct mdlg_chain_result r;
    assert_int_equal(mdlg_trust_verify_ds(t, ds, 1, at("2021-01-01T00:00:00"),
                                          MDLG_POLICY_LENIENT, true, &r), MDLG_E_OK);
    assert_string_equal(r.ds_subject, "C=US,CN=utopia ds");
    assert_string_equal(r.ds_country, "US");
    assert_string_equal(r.ds_state, "");
    assert_string_equal(r.ds_state_code, "");
    assert_int_equal(r.ds_not_before, at("2020-10-01T00:00:00"));
    assert_int_equal(r.ds_not_after, at("2021-10-01T00:00:00"));
    assert_int_equal(mdlg_pkey_curve(r.ds_key), MDLG_CRV_P256);
    uint8_t h[32];
    assert_int_equal(mdlg_sha256(ds[0].ptr, ds[0].len, h), MDLG_E_OK);
    assert_memory_equal(r.ds_sha256, h, 32);
    struct mdlg_anchor_info ai;
    assert_int_equal(mdlg_trust_anchor_info(t, 0, &ai), MDLG_E_OK);
    assert_memory_equal(r.anchor_sha256, ai.sha256, 32);
    assert_string_equal(ai.subject, "C=US,CN=utopia iaca");
    assert_int_equal(mdlg_trust_anchor_info(t, 1, &ai), MDLG_E_USAGE);
    mdlg_chain_result_clear(&r);
    free((void *)ds[0].ptr);
    mdlg_trust_free(t);
}

/* Jurisdictions derived from real IACA subjects. */
static void test_derived_jurisdictions(void **state)
{
    (void)state;
    if (mdlg_test_shared() == NULL)
        skip();
    static const struct { const char *file, *want; } cases[] = {
        { "iaca/LA-1.pem", "US-LA" },            /* ST = LA */
        { "iaca/AZ-10.pem", "US-AZ" },           /* ST = Arizona */
        { "iaca/CA-1.pem", "US-CA" },            /* ST = US-CA */
        { "iaca/NONSTATE-google-idcred-root-1.pem", "US" },
        { ANNEXD "iaca_root.pem", "US" },
        { AUTH0, "US-NY" },                      /* ST = New York */
        { ISOMDL "isomdl_iaca_root_cert.pem", "US-NY" },
        { ANNEXD "reader_root.pem", "_unknown" }, /* no C */
    };
    mdlg_trust *t = mdlg_trust_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = shared_file(cases[i].file);
        assert_int_equal(mdlg_trust_add_file(t, p, NULL), MDLG_E_OK);
        free(p);
        struct mdlg_anchor_info ai;
        assert_int_equal(mdlg_trust_anchor_info(t, i, &ai), MDLG_E_OK);
        if (strcmp(ai.jurisdiction, cases[i].want) != 0)
            fail_msg("%s: %s, want %s", cases[i].file, ai.jurisdiction, cases[i].want);
    }
    mdlg_trust_free(t);
}

/* ------------------------------------------------------------------ */
/* Generated PKI                                                       */

static struct mdlg_testpki_cert gen_iaca(const char *c, const char *st, uint32_t flags,
                                         int64_t nb, int64_t na)
{
    struct mdlg_testpki_iaca_opts o = { .country = c, .state = st, .flags = flags,
                                        .not_before = nb, .not_after = na };
    struct mdlg_testpki_cert out;
    assert_int_equal(mdlg_testpki_iaca(&o, &out), MDLG_E_OK);
    return out;
}

static struct mdlg_testpki_cert gen_ds(const struct mdlg_testpki_cert *iaca, const char *c,
                                       const char *st, uint32_t flags, int64_t nb, int64_t na)
{
    struct mdlg_testpki_ds_opts o = { .iaca = iaca, .country = c, .state = st, .flags = flags,
                                      .not_before = nb, .not_after = na };
    struct mdlg_testpki_cert out;
    assert_int_equal(mdlg_testpki_ds(&o, &out), MDLG_E_OK);
    return out;
}

struct gen_case {
    const char *desc;
    const char *iaca_st;        /* IACA: C=US and this ST (NULL: none) */
    uint32_t iaca_flags;
    int64_t iaca_nb, iaca_na;   /* relative to T0 */
    const char *anchor_juris;   /* NULL: derived */
    const char *ds_c, *ds_st;   /* NULL: inherit from the IACA */
    uint32_t ds_flags;
    int64_t ds_nb, ds_na;       /* relative to T0 */
    enum mdlg_policy policy;
    const char *expect;
    uint32_t lenient;
    const char *jurisdiction;   /* checked when OK */
};

#define IACA_OK -365 * DAY, 3650 * DAY
#define DS_OK -30 * DAY, 365 * DAY
#define CAL "California"

static const struct gen_case GEN[] = {
    { "conformant", CAL, 0, IACA_OK, NULL, NULL, NULL, 0, DS_OK, S, "OK", 0, "US-CA" },
    { "conformant, lenient", CAL, 0, IACA_OK, NULL, NULL, NULL, 0, DS_OK, L, "OK", 0,
      "US-CA" },
    { "country-wide IACA", NULL, 0, IACA_OK, NULL, NULL, NULL, 0, DS_OK, S, "OK", 0, "US" },
    { "country-wide anchor, state DS", NULL, 0, IACA_OK, NULL, NULL, "Texas", 0, DS_OK, S,
      "OK", 0, "US" },
    { "explicit jurisdiction", CAL, 0, IACA_OK, "US-CA", NULL, NULL, 0, DS_OK, S, "OK", 0,
      "US-CA" },
    { "non-state class", CAL, 0, IACA_OK, "_test", NULL, NULL, 0, DS_OK, S, "OK", 0,
      "_test" },
    { "California IACA filed as US-NY", CAL, 0, IACA_OK, "US-NY", NULL, NULL, 0, DS_OK, L,
      "JURISDICTION_ANCHOR_MISMATCH", 0, NULL },
    { "US IACA filed as NL", NULL, 0, IACA_OK, "NL", NULL, NULL, 0, DS_OK, L,
      "JURISDICTION_ANCHOR_MISMATCH", 0, NULL },
    { "DS ST differs", CAL, 0, IACA_OK, NULL, NULL, "Nevada", 0, DS_OK, L,
      "DS_PROFILE_STATE", 0, NULL },
    { "DS ST missing", CAL, 0, IACA_OK, NULL, NULL, "", 0, DS_OK, L, "DS_PROFILE_STATE", 0,
      NULL },
    { "DS ST as a code (strict)", CAL, 0, IACA_OK, NULL, NULL, "CA", 0, DS_OK, S,
      "DS_PROFILE_STATE", 0, NULL },
    { "DS ST as a code", CAL, 0, IACA_OK, NULL, NULL, "US-CA", 0, DS_OK, L, "OK",
      MDLG_LENIENT_CERT_PROFILE, "US-CA" },
    { "DS C differs", CAL, 0, IACA_OK, NULL, "CA", NULL, 0, DS_OK, L, "DS_PROFILE_COUNTRY",
      0, NULL },
    { "DS expired", CAL, 0, IACA_OK, NULL, NULL, NULL, 0, -400 * DAY, -1, L, "CERT_EXPIRED",
      0, NULL },
    { "DS not yet valid", CAL, 0, IACA_OK, NULL, NULL, NULL, 0, 1, 300 * DAY, L,
      "CERT_NOT_YET_VALID", 0, NULL },
    { "IACA expired", CAL, 0, -3650 * DAY, -1, NULL, NULL, NULL, 0, DS_OK, L,
      "CERT_EXPIRED", 0, NULL },
    { "DS without EKU", CAL, 0, IACA_OK, NULL, NULL, NULL, MDLG_TESTPKI_NO_EKU, DS_OK, L,
      "DS_PROFILE_EKU", 0, NULL },
    { "DS is a CA", CAL, 0, IACA_OK, NULL, NULL, NULL, MDLG_TESTPKI_IS_CA, DS_OK, L,
      "DS_PROFILE_IS_CA", 0, NULL },
    { "DS keyUsage keyCertSign", CAL, 0, IACA_OK, NULL, NULL, NULL, MDLG_TESTPKI_WRONG_KU,
      DS_OK, L, "DS_PROFILE_KEY_USAGE", 0, NULL },
    { "IACA not a CA", CAL, MDLG_TESTPKI_NOT_CA, IACA_OK, NULL, NULL, NULL, 0, DS_OK, L,
      "IACA_PROFILE_NOT_CA", 0, NULL },
    { "IACA without keyCertSign", CAL, MDLG_TESTPKI_WRONG_KU, IACA_OK, NULL, NULL, NULL, 0,
      DS_OK, L, "IACA_PROFILE_KEY_USAGE", 0, NULL },
    { "DS CRL DP dNSName (strict)", CAL, 0, IACA_OK, NULL, NULL, NULL,
      MDLG_TESTPKI_CRL_DP_DNS, DS_OK, S, "CERT_PROFILE", 0, NULL },
    { "DS CRL DP dNSName", CAL, 0, IACA_OK, NULL, NULL, NULL, MDLG_TESTPKI_CRL_DP_DNS, DS_OK,
      L, "OK", MDLG_LENIENT_CRL_DP_NOT_URI, "US-CA" },
    { "IACA without IAN (strict)", CAL, MDLG_TESTPKI_NO_IAN, IACA_OK, NULL, NULL, NULL, 0,
      DS_OK, S, "CERT_PROFILE", 0, NULL },
    { "IACA without IAN", CAL, MDLG_TESTPKI_NO_IAN, IACA_OK, NULL, NULL, NULL, 0, DS_OK, L,
      "OK", MDLG_LENIENT_CERT_PROFILE, "US-CA" },
    { "DS negative serial (strict)", CAL, 0, IACA_OK, NULL, NULL, NULL,
      MDLG_TESTPKI_NEGATIVE_SERIAL, DS_OK, S, "CERT_PROFILE", 0, NULL },
    { "DS negative serial", CAL, 0, IACA_OK, NULL, NULL, NULL, MDLG_TESTPKI_NEGATIVE_SERIAL,
      DS_OK, L, "OK", MDLG_LENIENT_CERT_SERIAL, "US-CA" },
};

static void run_gen(const struct gen_case *c)
{
    struct mdlg_testpki_cert iaca = gen_iaca("US", c->iaca_st, c->iaca_flags,
                                             T0 + c->iaca_nb, T0 + c->iaca_na);
    struct mdlg_testpki_cert ds = gen_ds(&iaca, c->ds_c, c->ds_st, c->ds_flags,
                                         T0 + c->ds_nb, T0 + c->ds_na);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_pem(t, iaca.pem, iaca.pem_len, c->anchor_juris),
                     MDLG_E_OK);
    struct mdlg_chain_result r;
    mdlg_err e = verify1(t, ds.der, ds.der_len, T0, c->policy, true, &r);
    expect_err(c->desc, e, c->expect);
    if (e == MDLG_E_OK) {
        expect_bits(c->desc, r.leniencies, c->lenient);
        if (strcmp(r.jurisdiction, c->jurisdiction) != 0)
            fail_msg("%s: jurisdiction %s", c->desc, r.jurisdiction);
    }
    mdlg_chain_result_clear(&r);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
}

static void test_generated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof GEN / sizeof GEN[0]; i++)
        run_gen(&GEN[i]);
}

static void test_untrusted(void **state)
{
    (void)state;
    struct mdlg_testpki_cert a = gen_iaca("US", CAL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert b = gen_iaca("US", CAL, 0, T0 - DAY, T0 + DAY); /* same name */
    struct mdlg_testpki_cert ds = gen_ds(&b, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    mdlg_trust *t = mdlg_trust_new();
    struct mdlg_chain_result r;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, true, &r), MDLG_E_NO_ANCHORS);
    assert_int_equal(mdlg_trust_add_der(t, a.der, a.der_len, NULL), MDLG_E_OK);
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, true, &r), MDLG_E_CHAIN_UNTRUSTED);
    assert_null(r.ds_key);
    assert_string_equal(r.ds_country, "US");   /* filled as far as known */
    assert_string_equal(r.ds_state_code, "US-CA");
    /* An unrelated DS offered with the right IACA as "intermediate". */
    struct mdlg_bytes chain[2] = { mdlg_bytes_make(ds.der, ds.der_len),
                                   mdlg_bytes_make(b.der, b.der_len) };
    assert_int_equal(mdlg_trust_verify_ds(t, chain, 2, T0, L, true, &r), MDLG_E_CHAIN_UNTRUSTED);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&b);
    mdlg_testpki_cert_free(&a);
}

/* A 3-level chain that OpenSSL accepts (the IACA has no pathlen). */
static void test_intermediate(void **state)
{
    (void)state;
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, MDLG_TESTPKI_NO_PATHLEN, T0 - DAY,
                                             T0 + 100 * DAY);
    struct mdlg_testpki_cert mid = gen_ds(&iaca, NULL, NULL,
                                          MDLG_TESTPKI_IS_CA | MDLG_TESTPKI_WRONG_KU,
                                          T0 - DAY, T0 + 2 * DAY);
    struct mdlg_testpki_cert ds = gen_ds(&mid, NULL, NULL, 0, T0 - DAY, T0 + 10 * DAY);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    struct mdlg_bytes chain[2] = { mdlg_bytes_make(ds.der, ds.der_len),
                                   mdlg_bytes_make(mid.der, mid.der_len) };
    struct mdlg_chain_result r;
    expect_err("3 levels strict", mdlg_trust_verify_ds(t, chain, 2, T0, S, true, &r),
               "CHAIN_INVALID");
    assert_int_equal(mdlg_trust_verify_ds(t, chain, 2, T0, L, true, &r), MDLG_E_OK);
    assert_int_equal(r.leniencies, MDLG_LENIENT_CERT_PROFILE);
    mdlg_chain_result_clear(&r);
    /* The intermediate's expiry is rechecked on a cache hit. */
    assert_int_equal(mdlg_trust_verify_ds(t, chain, 2, T0 + DAY, L, true, &r), MDLG_E_OK);
    assert_true(r.cached);
    mdlg_chain_result_clear(&r);
    expect_err("intermediate expired",
               mdlg_trust_verify_ds(t, chain, 2, T0 + 3 * DAY, L, true, &r), "CERT_EXPIRED");
    expect_err("no intermediate", verify1(t, ds.der, ds.der_len, T0, L, true, &r),
               "CHAIN_UNTRUSTED");
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&mid);
    mdlg_testpki_cert_free(&iaca);
}

/* A conformant DS pinned itself: strict accepts it, lenient names it. */
static void test_pinned_ds(void **state)
{
    (void)state;
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, 0, T0 - DAY, T0 + 100 * DAY);
    struct mdlg_testpki_cert ds2 = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    mdlg_trust *t = mdlg_trust_new();
    struct mdlg_chain_result r;
    assert_int_equal(mdlg_trust_add_der(t, ds2.der, ds2.der_len, "US-CA"), MDLG_E_OK);
    assert_int_equal(verify1(t, ds2.der, ds2.der_len, T0, S, true, &r), MDLG_E_OK);
    assert_int_equal(r.leniencies, 0);
    assert_string_equal(r.jurisdiction, "US-CA");
    mdlg_chain_result_clear(&r);
    assert_int_equal(verify1(t, ds2.der, ds2.der_len, T0, L, true, &r), MDLG_E_OK);
    assert_int_equal(r.leniencies, MDLG_LENIENT_ANCHOR_IS_SIGNER);
    mdlg_chain_result_clear(&r);
    expect_err("pinned, expired", verify1(t, ds2.der, ds2.der_len, T0 + 2 * DAY, L, true, &r),
               "CERT_EXPIRED");
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds2);
    mdlg_testpki_cert_free(&iaca);
}

/* Result fields and key types of generated chains. */
static void test_generated_fields(void **state)
{
    (void)state;
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "New York",
                                         .common_name = "NY test IACA",
                                         .curve = MDLG_CRV_P384, .not_before = T0 - DAY,
                                         .not_after = T0 + 100 * DAY };
    struct mdlg_testpki_cert iaca, ds;
    assert_int_equal(mdlg_testpki_iaca(&io, &iaca), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_curve(iaca.key), MDLG_CRV_P384);
    assert_non_null(strstr(iaca.pem, "-----BEGIN CERTIFICATE-----"));
    struct mdlg_testpki_ds_opts dop = { .iaca = &iaca, .common_name = "NY DS",
                                        .curve = MDLG_CRV_ED25519, .not_before = T0 - DAY,
                                        .not_after = T0 + 10 * DAY };
    assert_int_equal(mdlg_testpki_ds(&dop, &ds), MDLG_E_OK);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_pem(t, iaca.pem, iaca.pem_len, NULL), MDLG_E_OK);
    struct mdlg_chain_result r;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, S, false, &r), MDLG_E_OK);
    assert_string_equal(r.jurisdiction, "US-NY");
    assert_string_equal(r.ds_subject, "CN=NY DS,ST=New York,C=US");
    assert_string_equal(r.ds_state, "New York");
    assert_string_equal(r.ds_state_code, "US-NY");
    assert_int_equal(r.ds_not_before, T0 - DAY);
    assert_int_equal(r.ds_not_after, T0 + 10 * DAY);
    assert_int_equal(mdlg_pkey_curve(r.ds_key), MDLG_CRV_ED25519);
    assert_false(r.cached);
    mdlg_chain_result_clear(&r);
    assert_null(r.ds_key);
    /* The DS key pair signs; the key from the certificate verifies. */
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
    mdlg_testpki_cert_free(NULL);
}

static void test_testpki_usage(void **state)
{
    (void)state;
    struct mdlg_testpki_cert c;
    struct mdlg_testpki_iaca_opts io = { .country = NULL, .not_before = T0, .not_after = T0 + 1 };
    assert_int_equal(mdlg_testpki_iaca(&io, &c), MDLG_E_USAGE);
    io.country = "US";
    io.not_after = T0;
    assert_int_equal(mdlg_testpki_iaca(&io, &c), MDLG_E_USAGE);
    struct mdlg_testpki_cert bogus = { .der = (uint8_t *)"xx", .der_len = 2 };
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &bogus.key), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dop = { .iaca = &bogus, .not_before = T0, .not_after = T0 + 1 };
    assert_int_equal(mdlg_testpki_ds(&dop, &c), MDLG_E_CERT_MALFORMED);
    mdlg_pkey_free(bogus.key);
}

/* ------------------------------------------------------------------ */
/* Chain cache                                                         */

/* An IACA, a DS with a CRL DP deviation under it, and a trust set with the IACA. */
struct cache_fix {
    struct mdlg_testpki_cert iaca, ds;
    mdlg_trust *t;
};

static void cache_fix_make(struct cache_fix *f)
{
    f->iaca = gen_iaca("US", CAL, 0, T0 - 10 * DAY, T0 + 1000 * DAY);
    f->ds = gen_ds(&f->iaca, NULL, NULL, MDLG_TESTPKI_CRL_DP_DNS, T0 - DAY, T0 + 10 * DAY);
    f->t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_pem(f->t, f->iaca.pem, f->iaca.pem_len, NULL), MDLG_E_OK);
}

static void cache_fix_free(struct cache_fix *f)
{
    mdlg_trust_free(f->t);
    mdlg_testpki_cert_free(&f->ds);
    mdlg_testpki_cert_free(&f->iaca);
}

static void test_cache(void **state)
{
    (void)state;
    struct cache_fix f;
    cache_fix_make(&f);
    mdlg_trust *t = f.t;
    struct mdlg_testpki_cert ds = f.ds;
    struct mdlg_chain_result r1, r2, r3;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, true, &r1), MDLG_E_OK);
    assert_false(r1.cached);
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0 + 5 * DAY, L, true, &r2), MDLG_E_OK);
    assert_true(r2.cached);
    assert_ptr_equal(r1.ds_key, r2.ds_key);   /* the same refcounted key */
    assert_string_equal(r1.jurisdiction, r2.jurisdiction);
    assert_string_equal(r1.ds_subject, r2.ds_subject);
    assert_memory_equal(r1.anchor_sha256, r2.anchor_sha256, 32);
    assert_memory_equal(r1.ds_sha256, r2.ds_sha256, 32);
    assert_int_equal(r2.leniencies, MDLG_LENIENT_CRL_DP_NOT_URI);
    assert_int_equal(r1.ds_not_after, r2.ds_not_after);
    mdlg_chain_result_clear(&r1);
    mdlg_chain_result_clear(&r2);
    /* Expiry and not-yet-valid are still detected with a cached entry. */
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0 + 11 * DAY, L, true, &r3),
                     MDLG_E_CERT_EXPIRED);
    assert_null(r3.ds_key);
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0 - 2 * DAY, L, true, &r3),
                     MDLG_E_CERT_NOT_YET_VALID);
    /* The entry survives and is used again inside the window. */
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, true, &r3), MDLG_E_OK);
    assert_true(r3.cached);
    mdlg_chain_result_clear(&r3);
    cache_fix_free(&f);
}

/* At the edges of the DS window a cached answer is the fresh one (OpenSSL's rule). */
static void test_cache_edges(void **state)
{
    (void)state;
    struct cache_fix f;
    cache_fix_make(&f);
    struct mdlg_chain_result r;
    assert_int_equal(verify1(f.t, f.ds.der, f.ds.der_len, T0, L, true, &r), MDLG_E_OK);
    int64_t nb = r.ds_not_before, na = r.ds_not_after;
    mdlg_chain_result_clear(&r);
    const int64_t at[] = { nb - 1, nb, nb + 1, na - 1, na, na + 1 };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        mdlg_err fresh = verify1(f.t, f.ds.der, f.ds.der_len, at[i], L, false, &r);
        mdlg_chain_result_clear(&r);
        mdlg_err cached = verify1(f.t, f.ds.der, f.ds.der_len, at[i], L, true, &r);
        mdlg_chain_result_clear(&r);
        assert_int_equal(cached, fresh);
        assert_int_equal(fresh, at[i] < nb ? MDLG_E_CERT_NOT_YET_VALID
                                : at[i] >= na ? MDLG_E_CERT_EXPIRED : MDLG_E_OK);
    }
    cache_fix_free(&f);
}

/* What is part of the cache key, and use_cache = false. */
static void test_cache_keys(void **state)
{
    (void)state;
    struct cache_fix f;
    cache_fix_make(&f);
    mdlg_trust *t = f.t;
    struct mdlg_testpki_cert ds = f.ds, iaca = f.iaca;
    struct mdlg_chain_result r3;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, true, &r3), MDLG_E_OK);
    mdlg_chain_result_clear(&r3);
    /* The policy is part of the key: strict is not served the lenient success. */
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, S, true, &r3), MDLG_E_CERT_PROFILE);
    assert_false(r3.cached);
    /* use_cache = false neither reads nor writes. */
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, L, false, &r3), MDLG_E_OK);
    assert_false(r3.cached);
    mdlg_chain_result_clear(&r3);
    /* x5chain with the IACA copy is another key, same answer. */
    struct mdlg_bytes chain[2] = { mdlg_bytes_make(ds.der, ds.der_len),
                                   mdlg_bytes_make(iaca.der, iaca.der_len) };
    assert_int_equal(mdlg_trust_verify_ds(t, chain, 2, T0, L, true, &r3), MDLG_E_OK);
    assert_false(r3.cached);
    mdlg_chain_result_clear(&r3);
    assert_int_equal(mdlg_trust_verify_ds(t, chain, 2, T0, L, true, &r3), MDLG_E_OK);
    assert_true(r3.cached);
    mdlg_chain_result_clear(&r3);
    cache_fix_free(&f);
}

/* The anchor's own validity is rechecked on a hit. */
static void test_cache_anchor_expiry(void **state)
{
    (void)state;
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, 0, T0 - 10 * DAY, T0 + 2 * DAY);
    struct mdlg_testpki_cert ds = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + 10 * DAY);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    struct mdlg_chain_result r;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, S, true, &r), MDLG_E_OK);
    mdlg_chain_result_clear(&r);
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0 + DAY, S, true, &r), MDLG_E_OK);
    assert_true(r.cached);
    mdlg_chain_result_clear(&r);
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0 + 3 * DAY, S, true, &r),
                     MDLG_E_CERT_EXPIRED);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
}

/* More distinct DS certificates than the cache holds: still correct. */
static void test_cache_eviction(void **state)
{
    (void)state;
    enum { N = 1100 };
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, 0, T0 - DAY, T0 + 100 * DAY);
    mdlg_pkey *k = NULL;
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    struct mdlg_testpki_cert *ds = calloc(N, sizeof *ds);
    for (size_t round = 0; round < 2; round++) {
        for (size_t i = 0; i < N; i++) {
            struct mdlg_testpki_ds_opts o = { .iaca = &iaca, .key = k, .not_before = T0 - DAY,
                                              .not_after = T0 + DAY };
            if (round == 0)
                assert_int_equal(mdlg_testpki_ds(&o, &ds[i]), MDLG_E_OK);
            struct mdlg_chain_result r;
            assert_int_equal(verify1(t, ds[i].der, ds[i].der_len, T0, S, true, &r), MDLG_E_OK);
            mdlg_chain_result_clear(&r);
        }
    }
    for (size_t i = 0; i < N; i++)
        mdlg_testpki_cert_free(&ds[i]);
    free(ds);
    mdlg_pkey_free(k);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&iaca);
}

/* ------------------------------------------------------------------ */
/* Input limits and adding anchors                                     */

static void test_limits(void **state)
{
    (void)state;
    struct mdlg_testpki_cert iaca = gen_iaca("US", NULL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert ds = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    struct mdlg_chain_result r;
    struct mdlg_bytes v[MDLG_MAX_X5CHAIN + 1];
    for (size_t i = 0; i <= MDLG_MAX_X5CHAIN; i++)
        v[i] = mdlg_bytes_make(ds.der, ds.der_len);
    expect_err("9 entries", mdlg_trust_verify_ds(t, v, MDLG_MAX_X5CHAIN + 1, T0, L, true, &r),
               "LIMIT_X5CHAIN");
    expect_err("0 entries", mdlg_trust_verify_ds(t, v, 0, T0, L, true, &r), "CERT_MALFORMED");
    uint8_t *big = calloc(1, MDLG_MAX_CERT_SIZE + 1);
    expect_err("big", verify1(t, big, MDLG_MAX_CERT_SIZE + 1, T0, L, true, &r),
               "LIMIT_CERT_SIZE");
    expect_err("zeros", verify1(t, big, 100, T0, L, true, &r), "CERT_MALFORMED");
    memcpy(big, ds.der, ds.der_len);
    expect_err("trailing byte", verify1(t, big, ds.der_len + 1, T0, L, true, &r),
               "CERT_MALFORMED");
    expect_err("truncated", verify1(t, big, ds.der_len - 1, T0, L, true, &r), "CERT_MALFORMED");
    v[1] = mdlg_bytes_make(big, 50);
    expect_err("bad intermediate", mdlg_trust_verify_ds(t, v, 2, T0, L, true, &r),
               "CERT_MALFORMED");
    v[1] = mdlg_bytes_make(NULL, 0);
    expect_err("empty entry", mdlg_trust_verify_ds(t, v, 2, T0, L, true, &r), "CERT_MALFORMED");
    expect_err("no result", mdlg_trust_verify_ds(t, v, 1, T0, L, true, NULL), "USAGE");
    expect_err("no trust", mdlg_trust_verify_ds(NULL, v, 1, T0, L, true, &r), "USAGE");
    free(big);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
}

static void test_add(void **state)
{
    (void)state;
    struct mdlg_testpki_cert a = gen_iaca("US", "Ohio", 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert b = gen_iaca("NL", "NH", 0, T0 - DAY, T0 + DAY);
    size_t n = a.pem_len + b.pem_len + 64;
    char *both = malloc(n);
    snprintf(both, n, "junk before\n%s%s", a.pem, b.pem);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_pem(t, both, strlen(both), NULL), MDLG_E_OK);
    assert_int_equal(mdlg_trust_count(t), 2);
    assert_int_equal(mdlg_trust_add_pem(t, a.pem, a.pem_len, "US-OH"), MDLG_E_OK);  /* dup */
    assert_int_equal(mdlg_trust_add_der(t, b.der, b.der_len, NULL), MDLG_E_OK);      /* dup */
    assert_int_equal(mdlg_trust_count(t), 2);
    struct mdlg_anchor_info ai;
    assert_int_equal(mdlg_trust_anchor_info(t, 0, &ai), MDLG_E_OK);
    assert_string_equal(ai.jurisdiction, "US-OH");
    assert_string_equal(ai.state, "Ohio");
    assert_int_equal(ai.not_before, T0 - DAY);
    assert_int_equal(mdlg_trust_anchor_info(t, 1, &ai), MDLG_E_OK);
    assert_string_equal(ai.jurisdiction, "NL-NH");
    const char *nocert = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(mdlg_trust_add_pem(t, nocert, strlen(nocert), NULL), MDLG_E_CERT_MALFORMED);
    assert_int_equal(mdlg_trust_add_pem(t, "", 0, NULL), MDLG_E_CERT_MALFORMED);
    const char *badb64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert_int_equal(mdlg_trust_add_pem(t, badb64, strlen(badb64), NULL), MDLG_E_CERT_MALFORMED);
    assert_int_equal(mdlg_trust_add_der(t, b.der, b.der_len - 1, NULL), MDLG_E_CERT_MALFORMED);
    char longj[40];
    memset(longj, 'x', sizeof longj - 1);
    longj[sizeof longj - 1] = '\0';
    struct mdlg_testpki_cert c = gen_iaca("US", NULL, 0, T0 - DAY, T0 + DAY);
    assert_int_equal(mdlg_trust_add_der(t, c.der, c.der_len, longj), MDLG_E_USAGE);
    assert_int_equal(mdlg_trust_add_file(t, "/nonexistent/x.pem", NULL), MDLG_E_IO);
    assert_int_equal(mdlg_trust_count(t), 2);
    mdlg_trust_free(t);
    mdlg_trust_free(NULL);
    free(both);
    mdlg_testpki_cert_free(&c);
    mdlg_testpki_cert_free(&b);
    mdlg_testpki_cert_free(&a);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void sub(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
    assert_int_equal(mkdir(out, 0700), 0);
}

/* root/US-CA/ca.pem, root/_test/t.crt (DER), root/.hidden/h.pem, root/nl.pem. */
static void make_layout(const char *root, const struct mdlg_testpki_cert *ca,
                        const struct mdlg_testpki_cert *tst, const struct mdlg_testpki_cert *hid,
                        const struct mdlg_testpki_cert *nl)
{
    char d[300];
    sub(d, sizeof d, root, "US-CA");
    write_file(d, "ca.pem", ca->pem, ca->pem_len);
    write_file(d, "notes.txt", "hello", 5);
    sub(d, sizeof d, root, "_test");
    write_file(d, "t.crt", tst->der, tst->der_len);
    sub(d, sizeof d, root, ".hidden");
    write_file(d, "h.pem", hid->pem, hid->pem_len);
    write_file(root, "nl.pem", nl->pem, nl->pem_len);
}

static void test_load_dir(void **state)
{
    (void)state;
    struct mdlg_testpki_cert ca = gen_iaca("US", CAL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert tst = gen_iaca("US", NULL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert nl = gen_iaca("NL", NULL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert hid = gen_iaca("DE", NULL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert ds = gen_ds(&tst, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    char root[] = "/tmp/mdlg-trust-XXXXXX";
    assert_non_null(mkdtemp(root));
    make_layout(root, &ca, &tst, &hid, &nl);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_load_dir(t, root), MDLG_E_OK);
    assert_int_equal(mdlg_trust_count(t), 3);
    static const char *want[] = { "US-CA", "_test", "NL" };   /* name order */
    for (size_t i = 0; i < 3; i++) {
        struct mdlg_anchor_info ai;
        assert_int_equal(mdlg_trust_anchor_info(t, i, &ai), MDLG_E_OK);
        assert_string_equal(ai.jurisdiction, want[i]);
    }
    struct mdlg_chain_result r;
    assert_int_equal(verify1(t, ds.der, ds.der_len, T0, S, true, &r), MDLG_E_OK);
    assert_string_equal(r.jurisdiction, "_test");
    mdlg_chain_result_clear(&r);
    mdlg_trust_free(t);
    t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_load_dir(t, "/nonexistent-mdlg-dir"), MDLG_E_IO);
    write_file(root, "bad.pem", "not a cert", 10);
    assert_int_equal(mdlg_trust_load_dir(t, root), MDLG_E_CERT_MALFORMED);
    mdlg_trust_free(t);
    assert_true(mdlg_test_rm_tree(root));
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&hid);
    mdlg_testpki_cert_free(&nl);
    mdlg_testpki_cert_free(&tst);
    mdlg_testpki_cert_free(&ca);
}

/* ------------------------------------------------------------------ */
/* Jurisdiction names and leniency names                               */

static void test_normalize(void **state)
{
    (void)state;
    static const struct { const char *c, *st, *want; } cases[] = {
        { "US", "California", "US-CA" }, { "US", "california", "US-CA" },
        { "US", "CA", "US-CA" },          { "US", "ca", "US-CA" },
        { "US", "US-CA", "US-CA" },       { "us", "us-ca", "US-CA" },
        { NULL, "US-CA", "US-CA" },       { "", "US-NY", "US-NY" },
        { NULL, "California", "" },       { "US", " New York ", "US-NY" },
        { "US", "NEW YORK", "US-NY" },    { "US", "District of Columbia", "US-DC" },
        { "US", "Puerto Rico", "US-PR" }, { "US", "Guam", "US-GU" },
        { "US", "U.S. Virgin Islands", "US-VI" }, { "US", "American Samoa", "US-AS" },
        { "US", "Northern Mariana Islands", "US-MP" },
        { "US", "United States Minor Outlying Islands", "US-UM" },
        { "US", "West Virginia", "US-WV" }, { "US", "Atlantis", "" },
        { "US", "US-ZZ", "" },            { "US", "NL-NH", "" },
        { "US", "US-California", "" },    { "US", NULL, "" },
        { "US", "", "" },                 { "NL", "NH", "NL-NH" },
        { "NL", "Noord-Holland", "" },    { "DE", "DE-BY", "DE-BY" },
        { "DE", "by", "DE-BY" },          { "DE", "US-CA", "" },
        { "USA", "CA", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[16];
        mdlg_jurisdiction_normalize(cases[i].c, cases[i].st, out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("(%s, %s) -> '%s', want '%s'", cases[i].c ? cases[i].c : "NULL",
                     cases[i].st ? cases[i].st : "NULL", out, cases[i].want);
    }
    static const char codes[] =
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
        "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP UM";
    for (size_t i = 0; i + 1 < sizeof codes; i += 3) {
        char st[3] = { codes[i], codes[i + 1], 0 }, want[8], out[16];
        snprintf(want, sizeof want, "US-%s", st);
        mdlg_jurisdiction_normalize("US", st, out);
        assert_string_equal(out, want);
        mdlg_jurisdiction_normalize("US", want, out);
        assert_string_equal(out, want);
    }
}

static void test_leniency_names(void **state)
{
    (void)state;
    static const char *want[MDLG_LENIENCY_COUNT] = {
        "crl_dp_not_uri", "anchor_is_signer", "cert_profile_deviation",
        "tdate_fractional_seconds", "device_payload_attached", "cert_serial_nonconformant",
        "empty_document_errors",
    };
    for (unsigned i = 0; i < MDLG_LENIENCY_COUNT; i++)
        assert_string_equal(mdlg_leniency_name(1u << i), want[i]);
    assert_null(mdlg_leniency_name(0));
    assert_null(mdlg_leniency_name(3));
    assert_null(mdlg_leniency_name(1u << MDLG_LENIENCY_COUNT));
}

/* ------------------------------------------------------------------ */
/* Scale and threads                                                   */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double per_verify_us(mdlg_trust *t, const struct mdlg_testpki_cert *ds, int iters)
{
    double t0 = mono();
    for (int i = 0; i < iters; i++) {
        struct mdlg_chain_result r;
        assert_int_equal(verify1(t, ds->der, ds->der_len, T0, S, false, &r), MDLG_E_OK);
        mdlg_chain_result_clear(&r);
    }
    return (mono() - t0) / iters * 1e6;
}

/* Adds n self-signed anchors sharing one key pair; returns seconds spent adding. */
static double add_bulk(mdlg_trust *t, size_t n)
{
    mdlg_pkey *k = NULL;
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    double spent = 0;
    for (size_t i = 0; i < n; i++) {
        char cn[64];
        snprintf(cn, sizeof cn, "Bulk IACA %zu", i);
        /* A few decoys share the subject of the real IACA (different key). */
        struct mdlg_testpki_iaca_opts o = { .country = "US", .state = CAL,
                                            .common_name = i % 1000 == 0 ? NULL : cn,
                                            .key = k, .not_before = T0 - DAY,
                                            .not_after = T0 + DAY };
        struct mdlg_testpki_cert c;
        assert_int_equal(mdlg_testpki_iaca(&o, &c), MDLG_E_OK);
        double t0 = mono();
        assert_int_equal(mdlg_trust_add_der(t, c.der, c.der_len, NULL), MDLG_E_OK);
        spent += mono() - t0;
        mdlg_testpki_cert_free(&c);
    }
    mdlg_pkey_free(k);
    return spent;
}

static void test_many_anchors(void **state)
{
    (void)state;
    enum { BULK = 10000, ITERS = 200 };
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert ds = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    mdlg_trust *one = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(one, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    per_verify_us(one, &ds, 10);   /* warm up */
    double us1 = per_verify_us(one, &ds, ITERS);
    mdlg_trust *many = mdlg_trust_new();
    double add_s = add_bulk(many, BULK / 2);
    assert_int_equal(mdlg_trust_add_der(many, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    add_s += add_bulk(many, BULK / 2);
    assert_int_equal(mdlg_trust_count(many), BULK + 1);
    per_verify_us(many, &ds, 10);  /* first lookup sorts the store once */
    double usn = per_verify_us(many, &ds, ITERS);
    struct mdlg_chain_result r;
    assert_int_equal(verify1(many, ds.der, ds.der_len, T0, S, false, &r), MDLG_E_OK);
    struct mdlg_anchor_info ai;
    assert_int_equal(mdlg_trust_anchor_info(many, BULK / 2, &ai), MDLG_E_OK);
    assert_memory_equal(r.anchor_sha256, ai.sha256, 32);
    mdlg_chain_result_clear(&r);
    print_message("    %d anchors added in %.3f s; verify %.1f us with 1 anchor, "
                  "%.1f us with %d\n", BULK + 1, add_s, us1, usn, BULK + 1);
    mdlg_trust_free(many);
    mdlg_trust_free(one);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
}

struct thread_arg {
    mdlg_trust *t;
    const struct mdlg_testpki_cert *ds[2];
    int failures;
};

static void *worker(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 200; i++) {
        struct mdlg_chain_result r;
        const struct mdlg_testpki_cert *ds = a->ds[i % 2];
        mdlg_err e = verify1(a->t, ds->der, ds->der_len, T0, i % 3 ? L : S, i % 5 != 0, &r);
        if (e != MDLG_E_OK || strcmp(r.jurisdiction, "US-CA") != 0)
            a->failures++;
        mdlg_chain_result_clear(&r);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    enum { N = 8 };
    struct mdlg_testpki_cert iaca = gen_iaca("US", CAL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert d1 = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    struct mdlg_testpki_cert d2 = gen_ds(&iaca, NULL, NULL, 0, T0 - DAY, T0 + DAY);
    mdlg_trust *t = mdlg_trust_new();
    add_bulk(t, 50);   /* unsorted store: the first lookups, concurrent, sort it */
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    add_bulk(t, 50);
    pthread_t th[N];
    struct thread_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (struct thread_arg){ t, { &d1, &d2 }, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&d2);
    mdlg_testpki_cert_free(&d1);
    mdlg_testpki_cert_free(&iaca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_vector_result_fields),
        cmocka_unit_test(test_derived_jurisdictions),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_untrusted),
        cmocka_unit_test(test_intermediate),
        cmocka_unit_test(test_pinned_ds),
        cmocka_unit_test(test_generated_fields),
        cmocka_unit_test(test_testpki_usage),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_edges),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_cache_anchor_expiry),
        cmocka_unit_test(test_cache_eviction),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_leniency_names),
        cmocka_unit_test(test_many_anchors),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
