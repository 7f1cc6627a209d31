/*
 * test_conformance.c - mdlg_verify over the shared conformance vectors:
 * ISO 18013-5 Annex D, auth0 examples, real wallet responses (mdoc-ts), at
 * the instants the vectors README gives, with the expected verdict and the
 * exact error codes. Derived negatives (bit flips in the received bytes) are
 * built here from the Annex D response.
 *
 * Each row: vector files, instant, policy, expected validity, the expected
 * document error codes (in order) and leniencies. Rows skip() when the
 * shared directory is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mdlg/mdoc.h"
#include "mdlg/transcript.h"
#include "testutil.h"

#define MAX_EXPECT 4

/* A mutation applied to the response bytes before verification. */
enum mutation { M_NONE, M_FLIP_ISSUER_SIG, M_FLIP_RANDOM, M_DOCTYPE, M_FLIP_MAC, M_TRAILING };

struct row {
    const char *name;
    const char *response;       /* hex file under vectors/mdoc */
    const char *anchor;         /* PEM under vectors/mdoc */
    const char *transcript;     /* hex file (tagged or not), NULL = none */
    const char *reader_key;     /* PEM, NULL = none */
    const char *at;
    enum mdlg_policy policy;
    bool allow_no_device_auth;
    enum mutation mutation;
    bool valid;
    const char *response_errors[MAX_EXPECT];   /* response-level codes */
    const char *doc_errors[MAX_EXPECT];        /* first document's codes, in order */
    const char *element;                       /* element of the first doc error, if any */
    const char *leniencies[MAX_EXPECT];        /* exactly these, in bit order */
};

#define AD "vectors/mdoc/iso18013-5-annex-d/"
#define A0 "vectors/mdoc/auth0-mdl/"
#define MT "vectors/mdoc/mdoc-ts/"
#define LEN MDLG_POLICY_LENIENT
#define STR MDLG_POLICY_STRICT

static const struct row rows[] = {
    /* --- ISO 18013-5 Annex D (deviceMac with the reader key) --- */
    { "annexd valid at 2021-01-01 (lenient: DNS CRL point)", AD "device_response.hex",
      AD "iaca_root.pem", AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem",
      "2021-01-01T00:00:00Z", LEN, false, M_NONE, true, { 0 }, { 0 }, NULL,
      { "crl_dp_not_uri" } },
    { "annexd strict: DS CRL point is a dNSName", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      STR, false, M_NONE, false, { 0 }, { "CERT_PROFILE" }, NULL, { 0 } },
    { "annexd DS expired at 2021-10-01T12:00", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-10-01T12:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "CERT_EXPIRED" }, NULL, { 0 } },
    { "annexd rejected at 2021-10-02 (DS and MSO expired)", AD "device_response.hex",
      AD "iaca_root.pem", AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem",
      "2021-10-02T00:00:00Z", LEN, false, M_NONE, false, { 0 },
      { "CERT_EXPIRED", "MSO_EXPIRED" }, NULL, { 0 } },
    { "annexd before validFrom", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2020-10-01T13:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "MSO_NOT_YET_VALID" }, NULL, { "crl_dp_not_uri" } },
    { "annexd without the reader key", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", NULL, "2021-01-01T00:00:00Z", LEN, false, M_NONE, false,
      { 0 }, { "DEVICE_MAC_NO_READER_KEY" }, NULL, { "crl_dp_not_uri" } },
    { "annexd with another reader key", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_device_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "DEVICE_MAC_INVALID" }, NULL, { "crl_dp_not_uri" } },
    { "annexd with another transcript", AD "device_response.hex", AD "iaca_root.pem",
      MT "france/session_transcript.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "DEVICE_MAC_INVALID" }, NULL, { "crl_dp_not_uri" } },
    { "annexd issuer signature byte flipped", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_FLIP_ISSUER_SIG, false, { 0 }, { "COSE_SIGNATURE_INVALID" }, NULL,
      { "crl_dp_not_uri" } },
    { "annexd IssuerSignedItem random flipped", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_FLIP_RANDOM, false, { 0 }, { "MSO_DIGEST_MISMATCH" }, "family_name",
      { "crl_dp_not_uri" } },
    { "annexd docType changed to ...mDLx", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_DOCTYPE, false, { 0 }, { "MSO_DOCTYPE_MISMATCH", "DEVICE_MAC_INVALID" }, NULL,
      { "crl_dp_not_uri" } },
    { "annexd deviceMac tag flipped", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_FLIP_MAC, false, { 0 }, { "DEVICE_MAC_INVALID" }, NULL, { "crl_dp_not_uri" } },
    { "annexd trailing byte", AD "device_response.hex", AD "iaca_root.pem",
      AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem", "2021-01-01T00:00:00Z",
      LEN, false, M_TRAILING, false, { "CBOR_TRAILING_BYTES" }, { 0 }, NULL, { 0 } },
    { "annexd signed by an untrusted DS (reader root as anchor)", AD "device_response.hex",
      AD "reader_root.pem", AD "session_transcript_bytes.hex", AD "ephemeral_reader_key.pem",
      "2021-01-01T00:00:00Z", LEN, false, M_NONE, false, { 0 }, { "CHAIN_UNTRUSTED" }, NULL,
      { 0 } },

    /* --- auth0 examples (pre-standard OID4VP handover, self-signed signer) --- */
    { "auth0 example1", A0 "example1_device_response.hex", A0 "nydmv_issuer_cert.pem",
      A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z", LEN, false, M_NONE, true,
      { 0 }, { 0 }, NULL, { "anchor_is_signer", "device_payload_attached" } },
    { "auth0 example1 strict: no DS EKU, attached payload", A0 "example1_device_response.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      STR, false, M_NONE, false, { 0 }, { "DS_PROFILE_EKU", "DEVICE_AUTH_MALFORMED" }, NULL, { 0 } },
    { "auth0 example2 (partial disclosure)", A0 "example2_device_response.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      LEN, false, M_NONE, true, { 0 }, { 0 }, NULL, { "anchor_is_signer", "device_payload_attached" } },
    { "auth0 example3: family_name digest", A0 "example3_device_response.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "MSO_DIGEST_MISMATCH" }, "family_name",
      { "anchor_is_signer", "device_payload_attached" } },
    { "auth0 example4: device-signed elements without keyAuthorizations",
      A0 "example4_device_response.hex", A0 "nydmv_issuer_cert.pem",
      A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z", LEN, false, M_NONE, false,
      { 0 }, { "DEVICE_ELEMENT_UNAUTHORIZED", "DEVICE_ELEMENT_UNAUTHORIZED" }, NULL,
      { "anchor_is_signer", "device_payload_attached" } },
    { "auth0 issuer-signed only: no device auth", A0 "issuer_signed_only_device_response.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "DEVICE_AUTH_MISSING" }, NULL, { "anchor_is_signer" } },
    { "auth0 issuer-signed only, device auth waived", A0 "issuer_signed_only_device_response.hex",
      A0 "nydmv_issuer_cert.pem", NULL, NULL, "2024-01-01T00:00:00Z", LEN, true, M_NONE, true,
      { 0 }, { 0 }, NULL, { "anchor_is_signer" } },
    { "auth0 EUDI PID parser vector: conflicting x5chain", A0 "parser_eudi_pid_device_response.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "COSE_X5CHAIN_CONFLICT" }, NULL, { 0 } },
    { "auth0 mDL parser vector 2: no x5chain", A0 "parser_mdl_device_response2.hex",
      A0 "nydmv_issuer_cert.pem", A0 "session_transcript_bytes.hex", NULL, "2024-01-01T00:00:00Z",
      LEN, false, M_NONE, false, { 0 }, { "COSE_X5CHAIN_MISSING" }, NULL, { 0 } },

    /* --- real wallet responses (mdoc-ts) --- */
    { "google wallet (OpenID4VP draft 24 DC API)", MT "google/device_response.hex",
      MT "google/signing_certificate.pem", MT "google/session_transcript.hex", NULL,
      "2025-06-01T00:00:00Z", LEN, false, M_NONE, true, { 0 }, { 0 }, NULL,
      { "anchor_is_signer", "tdate_fractional_seconds" } },
    { "google wallet strict: fractional tdate", MT "google/device_response.hex",
      MT "google/signing_certificate.pem", MT "google/session_transcript.hex", NULL,
      "2025-06-01T00:00:00Z", STR, false, M_NONE, false, { 0 }, { "TDATE_MALFORMED" },
      NULL, { 0 } },
    { "google wallet with the france transcript", MT "google/device_response.hex",
      MT "google/signing_certificate.pem", MT "france/session_transcript.hex", NULL,
      "2025-06-01T00:00:00Z", LEN, false, M_NONE, false, { 0 }, { "DEVICE_SIGNATURE_INVALID" },
      NULL, { "anchor_is_signer", "tdate_fractional_seconds" } },
    { "france playground (18013-7 Annex B), pinned DS", MT "france/device_response.hex",
      MT "france/issuer_certificate.pem", MT "france/session_transcript.hex", NULL,
      "2021-01-01T00:00:00Z", LEN, false, M_NONE, true, { 0 }, { 0 }, NULL, { "anchor_is_signer" } },
    { "france playground via the Annex D IACA", MT "france/device_response.hex",
      AD "iaca_root.pem", MT "france/session_transcript.hex", NULL, "2021-01-01T00:00:00Z", LEN,
      false, M_NONE, true, { 0 }, { 0 }, NULL, { "crl_dp_not_uri" } },
    { "ubique (18013-7 Annex B draft 18)", MT "ubique/device_response.hex",
      MT "ubique/issuer_certificate.pem", MT "ubique/session_transcript.hex", NULL,
      "2025-02-01T00:00:00Z", LEN, false, M_NONE, true, { 0 }, { 0 }, NULL, { "anchor_is_signer" } },
    { "ubique after validUntil (DS still valid)", MT "ubique/device_response.hex",
      MT "ubique/issuer_certificate.pem", MT "ubique/session_transcript.hex", NULL,
      "2025-03-01T00:00:00Z", LEN, false, M_NONE, false, { 0 }, { "MSO_EXPIRED" }, NULL,
      { "anchor_is_signer" } },
    { "ubique after the DS expired", MT "ubique/device_response.hex",
      MT "ubique/issuer_certificate.pem", MT "ubique/session_transcript.hex", NULL,
      "2026-02-01T00:00:00Z", LEN, false, M_NONE, false, { 0 }, { "CERT_EXPIRED", "MSO_EXPIRED" },
      NULL, { 0 } },
    { "animo paradym (OpenID4VP 1.0)", MT "animo-mdoc-05/device_response.hex",
      MT "animo-mdoc-05/root_certificate.pem", MT "animo-mdoc-05/session_transcript.hex", NULL,
      "2026-01-12T00:00:00Z", LEN, false, M_NONE, true, { 0 }, { 0 }, NULL,
      { "cert_profile_deviation" } },
};

/* ---- helpers ---- */

static uint8_t *load_hex(const char *rel, size_t *len)
{
    char *p = mdlg_test_shared_path(rel);
    size_t n;
    uint8_t *txt = p ? mdlg_test_read_file(p, &n) : NULL;
    uint8_t *b = txt ? mdlg_test_unhex((const char *)txt, len) : NULL;
    free(p);
    free(txt);
    return b;
}

static mdlg_pkey *load_key(const char *rel)
{
    char *p = mdlg_test_shared_path(rel);
    size_t n;
    uint8_t *pem = p ? mdlg_test_read_file(p, &n) : NULL;
    mdlg_pkey *k = NULL;
    assert_non_null(pem);
    assert_int_equal(mdlg_pkey_from_pem((const char *)pem, n, &k), MDLG_E_OK);
    free(p);
    free(pem);
    return k;
}

/* Finds `needle` in buf; fails the test if absent. */
static size_t find(const uint8_t *buf, size_t len, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return i;
    fail_msg("pattern not found in the vector");
    return 0;
}

static void mutate(uint8_t **buf, size_t *len, enum mutation m)
{
    static const uint8_t random_key[] = { 0x66, 'r', 'a', 'n', 'd', 'o', 'm', 0x58, 0x20 };
    static const uint8_t doctype[] = "org.iso.18013.5.1.mDL";
    switch (m) {
    case M_FLIP_ISSUER_SIG: /* the issuerAuth signature is the 64 bytes before "deviceSigned" */
        (*buf)[find(*buf, *len, "deviceSigned", 12) - 10] ^= 0x01;
        break;
    case M_FLIP_RANDOM:     /* first item's random (family_name comes first in Annex D) */
        (*buf)[find(*buf, *len, random_key, sizeof random_key) + sizeof random_key + 3] ^= 0x80;
        break;
    case M_DOCTYPE: {       /* Document docType "...mDL" -> "...mDLx": one byte longer */
        size_t at = find(*buf, *len, doctype, sizeof doctype - 1);
        uint8_t *n = malloc(*len + 1);
        memcpy(n, *buf, at - 1);
        n[at - 1] = (*buf)[at - 1] + 1;         /* tstr head 0x75 -> 0x76 */
        memcpy(n + at, doctype, sizeof doctype - 1);
        n[at + sizeof doctype - 1] = 'x';
        memcpy(n + at + sizeof doctype, *buf + at + sizeof doctype - 1,
               *len - at - (sizeof doctype - 1));
        free(*buf);
        *buf = n;
        (*len)++;
        break;
    }
    case M_FLIP_MAC:        /* the MAC tag is the last 32 bytes before "status" */
        (*buf)[find(*buf, *len, "status", 6) - 3] ^= 0x01;
        break;
    case M_TRAILING:
        *buf = realloc(*buf, *len + 1);
        (*buf)[(*len)++] = 0x00;
        break;
    default:
        break;
    }
}

static void check_codes(const struct mdlg_doc_error *got, size_t n, const char *const *want,
                        const char *name)
{
    size_t w = 0;
    while (w < MAX_EXPECT && want[w])
        w++;
    for (size_t i = 0; i < n || i < w; i++) {
        const char *g = i < n ? mdlg_err_name(got[i].code) : "(none)";
        const char *e = i < w ? want[i] : "(none)";
        if (strcmp(g, e) != 0)
            fail_msg("%s: error %zu is %s, expected %s", name, i, g, e);
    }
}

static void check_leniencies(uint32_t bits, const char *const *want, const char *name)
{
    size_t w = 0;
    for (int i = 0; i < MDLG_LENIENCY_COUNT; i++) {
        if (!(bits & (1u << i)))
            continue;
        const char *got = mdlg_leniency_name(1u << i);
        if (w >= MAX_EXPECT || want[w] == NULL || strcmp(got, want[w]) != 0)
            fail_msg("%s: unexpected leniency %s", name, got);
        w++;
    }
    if (w < MAX_EXPECT && want[w] != NULL)
        fail_msg("%s: missing leniency %s", name, want[w]);
}

static void load_transcript(const char *rel, struct mdlg_cbor_buf *tb)
{
    size_t n;
    uint8_t *raw = load_hex(rel, &n);
    assert_non_null(raw);
    assert_int_equal(mdlg_transcript_raw(tb, raw, n, NULL), MDLG_E_OK);
    free(raw);
}

static void run_row(void **state)
{
    const struct row *r = *state;
    char *anchor = mdlg_test_shared_path(r->anchor);
    struct mdlg_cbor_buf tb;
    struct mdlg_result res;
    size_t len;
    if (mdlg_test_shared() == NULL || anchor == NULL)
        skip();
    uint8_t *resp = load_hex(r->response, &len);
    assert_non_null(resp);
    mutate(&resp, &len, r->mutation);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_file(t, anchor, NULL), MDLG_E_OK);
    mdlg_cbor_buf_init(&tb, NULL, 0);
    if (r->transcript)
        load_transcript(r->transcript, &tb);
    struct mdlg_verify_opts o = { .policy = r->policy, .trust = t,
                                  .allow_no_device_auth = r->allow_no_device_auth,
                                  .transcript = { tb.ptr, tb.len } };
    o.reader_key = r->reader_key ? load_key(r->reader_key) : NULL;
    bool frac;
    assert_int_equal(mdlg_parse_rfc3339(mdlg_bytes_make(r->at, strlen(r->at)), false, &o.now, &frac),
                     MDLG_E_OK);
    assert_int_equal(mdlg_verify(resp, len, &o, &res), MDLG_E_OK);
    check_codes(res.errors, res.n_errors, r->response_errors, r->name);
    if (res.n_docs > 0) {
        check_codes(res.docs[0].errors, res.docs[0].n_errors, r->doc_errors, r->name);
        check_leniencies(res.docs[0].leniencies, r->leniencies, r->name);
        if (r->element)
            assert_true(mdlg_bytes_eq_str(res.docs[0].errors[0].element, r->element));
    }
    assert_int_equal(res.valid, r->valid);
    mdlg_result_free(&res);
    mdlg_pkey_free((mdlg_pkey *)o.reader_key);
    mdlg_cbor_buf_free(&tb);
    mdlg_trust_free(t);
    free(resp);
    free(anchor);
}

int main(void)
{
    enum { N = sizeof rows / sizeof rows[0] };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){ rows[i].name, run_row, NULL, NULL, (void *)&rows[i] };
    return cmocka_run_group_tests_name("conformance", tests, NULL, NULL);
}
