/*
 * test_json_dump.c - mdlg_json_dump_compact writes exactly what
 * json_dumps(j, JSON_COMPACT) writes: for a table of documents, for every
 * control and ASCII character, for multi-byte UTF-8, for a real verdict, and
 * it fails where jansson fails (a string that is not UTF-8). Byte strings of
 * element values are base64url as libsodium writes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

/* Both writers on j; the texts must be equal (or both fail). */
static void same_as_jansson(const json_t *j)
{
    size_t len = 0;
    char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    char *got = mdlg_json_dump_compact(j, &len);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(want);
    free(got);
}

static const char *const documents[] = {
    "{}", "[]", "null", "true", "false", "0", "-1", "9223372036854775807",
    "-9223372036854775808", "\"\"", "1.5", "-0.0", "1e300", "0.1", "[1,2.25,-3e-7]",
    "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
    "{\"z\":1,\"a\":2,\"m\":3}",                          /* insertion order, not sorted */
    "{\"q\\\"uote\":\"\\\\back\\/slash\",\"tab\":\"a\\tb\\nc\\rd\\be\\ff\"}",
    "{\"ctl\":\"\\u0001\\u001f\\u007f\",\"nul\":\"a\\u0000b\"}",
    "[\"caf\\u00e9\",\"\\u20ac\",\"\\ud83d\\ude00\",\"\\u2028\\u2029\",\"/\"]",
    "[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]",
    "{\"valid\":true,\"documents\":[{\"elements\":{\"ns\":{\"portrait\":\"_9j_4AAQ-\"}}}]}",
};

static void test_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++) {
        json_error_t err;
        json_t *j = json_loads(documents[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        assert_non_null(j);
        same_as_jansson(j);
        json_decref(j);
    }
}

/* Every byte 0x01..0x7f alone, at the start, in the middle and at the end of a string. */
static void test_every_ascii_byte(void **state)
{
    (void)state;
    for (int c = 1; c < 0x80; c++) {
        char s[8] = { 'a', (char)c, 'b', (char)c, (char)c, 0 };
        json_t *j = json_pack("{s:s,s:s%}", "x", s + 1, "y", s, (size_t)5);
        assert_non_null(j);
        same_as_jansson(j);
        json_decref(j);
    }
}

/* Not UTF-8 (made with the unchecked constructor): both writers refuse. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = { "\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                       "\xe2\x82", "\x80", "ok\xf5\x80\x80\x80", "\xc2" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_pack("[o]", json_stringn_nocheck(bad[i], strlen(bad[i])));
        assert_non_null(j);
        assert_null(json_dumps(j, JSON_COMPACT));
        assert_null(mdlg_json_dump_compact(j, NULL));
        json_decref(j);
    }
}

/* Byte strings in element values: base64url without padding, as libsodium encodes it. */
static void test_bstr_base64url(void **state)
{
    (void)state;
    static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 31, 32, 33, 2048, 2049, 2050 };
    uint8_t raw[2050];
    char want[2800];
    assert_true(sodium_init() >= 0);
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 167 + 13);   /* every 6-bit group value occurs */
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        struct mdlg_cbor_buf b;
        mdlg_cbor_buf_init(&b, NULL, 0);
        mdlg_cbor_put_bstr(&b, raw, lens[k]);
        assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
        json_t *j = mdlg_cbor_value_json(mdlg_cbor_buf_bytes(&b));
        sodium_bin2base64(want, sizeof want, raw, lens[k], sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), want);
        assert_int_equal(json_string_length(j), strlen(want));
        json_decref(j);
        mdlg_cbor_buf_free(&b);
    }
}

/* A verdict of the test issuer's standard presentation, as the API sends it. */
static void test_verdict(void **state)
{
    (void)state;
    const int64_t now = 1767225600;
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "California",
                                         .not_before = now - 86400, .not_after = now + 86400 };
    struct mdlg_testpki_cert iaca, ds;
    assert_int_equal(mdlg_testpki_iaca(&io, &iaca), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &iaca, .not_before = now - 86400,
                                        .not_after = now + 86400 };
    assert_int_equal(mdlg_testpki_ds(&dso, &ds), MDLG_E_OK);
    struct mdlg_issue_claims claims;
    mdlg_issue_claims_init(&claims);
    assert_int_equal(mdlg_issue_standard_claims(&claims, NULL, NULL, now), MDLG_E_OK);
    struct mdlg_bytes chain = { ds.der, ds.der_len };
    struct mdlg_cbor_buf resp;
    mdlg_cbor_buf_init(&resp, NULL, 0);
    static const uint8_t transcript[] = { 0x83, 0xf6, 0xf6, 0xf6 };   /* [null, null, null] */
    mdlg_pkey *device = NULL;
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &device), MDLG_E_OK);
    struct mdlg_issue_opts o = { .items = claims.items, .n_items = claims.n_items,
                                 .ds_key = ds.key, .x5chain = &chain, .x5chain_n = 1,
                                 .signed_at = now - 60, .valid_from = now - 60,
                                 .valid_until = now + 3600, .device_key = device,
                                 .transcript = { transcript, sizeof transcript } };
    assert_int_equal(mdlg_issue_device_response(&o, &resp), MDLG_E_OK);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_der(t, iaca.der, iaca.der_len, NULL), MDLG_E_OK);
    struct mdlg_verify_opts vo = { .now = now, .trust = t,
                                  .transcript = { transcript, sizeof transcript } };
    struct mdlg_result r;
    assert_int_equal(mdlg_verify(resp.ptr, resp.len, &vo, &r), MDLG_E_OK);
    json_t *v = mdlg_verdict_json(&r);
    assert_non_null(v);
    assert_true(json_is_true(json_object_get(v, "valid")));
    same_as_jansson(v);
    json_decref(v);
    mdlg_result_free(&r);
    mdlg_trust_free(t);
    mdlg_cbor_buf_free(&resp);
    mdlg_issue_claims_free(&claims);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&iaca);
    mdlg_pkey_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_every_ascii_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_bstr_base64url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
