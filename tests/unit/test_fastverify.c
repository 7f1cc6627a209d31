/*
 * test_fastverify.c - src/trust/fastverify.c against OpenSSL's own
 * signature-and-time step of path validation: on the same chains and check
 * times, X509_verify_cert must give the same result, error, error depth and
 * current certificate with and without it, and it must take its own path
 * for the ECDSA chains (and OpenSSL's for the others).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/testpki.h"
#include "mdlg/trust.h"
#include "trust/trust_internal.h"

#define DAY 86400LL
#define T0 1735689600LL   /* 2025-01-01T00:00:00Z */

enum tamper { NONE, SIG_BYTE, TBS_BYTE, OTHER_KEY };

struct fv_case {
    const char *desc;
    enum mdlg_curve iaca_crv;   /* MDLG_CRV_NONE: P-256 */
    uint32_t iaca_flags;
    enum tamper tamper;
    bool fast;                  /* fastverify.c must take its own path (else OpenSSL's) */
    int want_at_t0;             /* OpenSSL's error at T0 (X509_V_OK: valid) */
};

static const struct fv_case CASES[] = {
    { "P-256 IACA", MDLG_CRV_NONE, 0, NONE, true, X509_V_OK },
    { "P-384 IACA (ecdsa-with-SHA384)", MDLG_CRV_P384, 0, NONE, true, X509_V_OK },
    { "P-521 IACA (ecdsa-with-SHA512)", MDLG_CRV_P521, 0, NONE, true, X509_V_OK },
    { "signature byte changed", MDLG_CRV_NONE, 0, SIG_BYTE, true,
      X509_V_ERR_CERT_SIGNATURE_FAILURE },
    { "serial byte changed", MDLG_CRV_NONE, 0, TBS_BYTE, true,
      X509_V_ERR_CERT_SIGNATURE_FAILURE },
    /* (its key identifiers differ, so OpenSSL finds no issuer and never reaches the step) */
    { "same issuer name, other key", MDLG_CRV_NONE, 0, OTHER_KEY, false,
      X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY },
    /* (OpenSSL 3.0 rejects it as a CA before the step; the step's own keyUsage check is moot) */
    { "IACA without keyCertSign", MDLG_CRV_NONE, MDLG_TESTPKI_WRONG_KU, NONE, false,
      X509_V_ERR_INVALID_CA },
    { "IACA not a CA", MDLG_CRV_NONE, MDLG_TESTPKI_NOT_CA, NONE, false, X509_V_ERR_INVALID_CA },
    { "Ed25519 IACA (OpenSSL's path)", MDLG_CRV_ED25519, 0, NONE, false, X509_V_OK },
};

/* Check times relative to T0; the DS is valid [T0-30d, T0+365d], the IACA [T0-365d, T0+3650d]. */
static const int64_t TIMES[] = {
    0, -30 * DAY - 1, -30 * DAY, 365 * DAY - 1, 365 * DAY, 365 * DAY + 1,
    -365 * DAY - 1, -365 * DAY, 3650 * DAY, 3650 * DAY + 1,
};

struct outcome {
    int rc, err, depth;
    X509 *cert;
    bool fast;
};

static struct outcome run(mdlg_trust *t, X509 *leaf, const uint8_t *der, size_t len,
                          int64_t now, bool hook)
{
    struct mdlg__fast_verify fv = { 0 };
    struct outcome o = { 0 };
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_CTX_init(ctx, t->store, leaf, NULL), 1);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    if (hook)
        assert_true(mdlg__fast_verify_install(ctx, &fv, der, len));
    o.rc = X509_verify_cert(ctx);
    o.err = X509_STORE_CTX_get_error(ctx);
    o.depth = X509_STORE_CTX_get_error_depth(ctx);
    o.cert = X509_STORE_CTX_get_current_cert(ctx);
    o.fast = fv.used;
    X509_STORE_CTX_free(ctx);
    return o;
}

/* Flips the last byte of the DS signature, or of its serial number. */
static void tamper_der(uint8_t *der, size_t len, enum tamper how)
{
    if (how == SIG_BYTE) {
        der[len - 1] ^= 0x01;
    } else if (how == TBS_BYTE) {
        size_t p = 4 + 4 + 5;          /* 30 82 LL LL, tbs 30 82 LL LL, version a0 03 02 01 02 */
        assert_int_equal(der[p], 0x02);   /* serialNumber INTEGER, short length */
        der[p + 1 + der[p + 1]] ^= 0x01;
    }
}

static void check_case(const struct fv_case *c)
{
    mdlg_pkey *k = NULL;
    if (c->iaca_crv != MDLG_CRV_NONE)
        assert_int_equal(mdlg_pkey_generate(c->iaca_crv, &k), MDLG_E_OK);
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "California", .key = k,
                                         .flags = c->iaca_flags, .not_before = T0 - 365 * DAY,
                                         .not_after = T0 + 3650 * DAY };
    struct mdlg_testpki_cert iaca, signer, ds;
    assert_int_equal(mdlg_testpki_iaca(&io, &iaca), MDLG_E_OK);
    io.key = NULL;   /* OTHER_KEY: same subject, fresh key */
    assert_int_equal(mdlg_testpki_iaca(&io, &signer), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = c->tamper == OTHER_KEY ? &signer : &iaca,
                                        .not_before = T0 - 30 * DAY, .not_after = T0 + 365 * DAY };
    assert_int_equal(mdlg_testpki_ds(&dso, &ds), MDLG_E_OK);
    tamper_der(ds.der, ds.der_len, c->tamper);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    X509 *leaf = mdlg__cert_parse(ds.der, ds.der_len);
    assert_non_null(leaf);
    for (size_t i = 0; i < sizeof TIMES / sizeof TIMES[0]; i++) {
        struct outcome a = run(t, leaf, ds.der, ds.der_len, T0 + TIMES[i], false);
        struct outcome b = run(t, leaf, ds.der, ds.der_len, T0 + TIMES[i], true);
        if (a.rc != b.rc || a.err != b.err || a.depth != b.depth || a.cert != b.cert ||
            b.fast != c->fast)
            fail_msg("%s at T0%+lld: OpenSSL rc %d err %d depth %d, fastverify rc %d err %d "
                     "depth %d (own path %d)", c->desc, (long long)TIMES[i], a.rc, a.err,
                     a.depth, b.rc, b.err, b.depth, b.fast);
        if (TIMES[i] == 0 && a.err != c->want_at_t0)
            fail_msg("%s: OpenSSL says %d at T0, expected %d", c->desc, a.err, c->want_at_t0);
    }
    X509_free(leaf);
    mdlg_trust_free(t);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&signer);
    mdlg_testpki_cert_free(&iaca);
    mdlg_pkey_free(k);
}

static void test_same_as_openssl(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        check_case(&CASES[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_openssl),
    };
    return cmocka_run_group_tests_name("fastverify", tests, NULL, NULL);
}
