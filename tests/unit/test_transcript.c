/*
 * test_transcript.c - SessionTranscript builders, raw/tagged transcripts,
 * RFC 7638 thumbprints and the JSON profile format.
 *
 * Vector cases read $MDLG_SHARED/vectors/mdoc/... at run time (inputs from
 * vectors/mdoc/README.md §3 and §4) and skip() when the shared directory is
 * absent; a missing file inside an existing shared directory is a failure.
 * Known answers that need no shared data are computed offline (see each
 * constant's comment).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "mdlg/crypto.h"
#include "mdlg/limits.h"
#include "mdlg/transcript.h"
#include "mdlg/transcript_json.h"
#include "testutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* Bytes of a shared .hex file; skip()s if the shared directory is absent. */
static uint8_t *shared_hex(const char *rel, size_t *len)
{
    if (mdlg_test_shared() == NULL) {
        print_message("shared directory absent (set MDLG_SHARED): skipping %s\n", rel);
        skip();
    }
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL)
        fail_msg("shared file missing: %s", rel);
    size_t n;
    uint8_t *text = mdlg_test_read_file(path, &n);
    free(path);
    assert_non_null(text);
    uint8_t *bytes = mdlg_test_unhex((const char *)text, len);
    free(text);
    if (bytes == NULL)
        fail_msg("not hex: %s", rel);
    return bytes;
}

/* Text of a shared file (NUL-terminated); skip()s if the shared directory is absent. */
static char *shared_text(const char *rel)
{
    if (mdlg_test_shared() == NULL) {
        print_message("shared directory absent (set MDLG_SHARED): skipping %s\n", rel);
        skip();
    }
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL)
        fail_msg("shared file missing: %s", rel);
    size_t n;
    char *text = (char *)mdlg_test_read_file(path, &n);
    free(path);
    assert_non_null(text);
    return text;
}

static void assert_bytes(const uint8_t *got, size_t glen, const uint8_t *exp, size_t elen)
{
    if (glen == elen && memcmp(got, exp, elen) == 0)
        return;
    char *g = mdlg_test_hex_encode(got, glen), *e = mdlg_test_hex_encode(exp, elen);
    print_error("got      %s\nexpected %s\n", g, e);
    free(g);
    free(e);
    fail_msg("bytes differ (%zu vs %zu bytes)", glen, elen);
}

static void assert_buf_hex(const struct mdlg_cbor_buf *b, const char *hex)
{
    size_t n;
    uint8_t *exp = mdlg_test_unhex(hex, &n);
    assert_non_null(exp);
    assert_bytes(b->ptr, b->len, exp, n);
    free(exp);
}

static void thumb_from_hex(const char *hex, uint8_t out[32])
{
    assert_int_equal(mdlg_test_hex_decode(hex, out, 32), 32);
}

/* ---- constants ---- */

/* OpenID4VP 1.0 Appendix B.2.6 example inputs (vectors/mdoc/README.md §4). */
#define SPEC_CLIENT_ID "x509_san_dns:example.com"
#define SPEC_NONCE "exc7gBkxjx1rdc9udRrveKvSsJIq80avlXeLHhGwqtA"
#define SPEC_RESPONSE_URI "https://example.com/response"
#define SPEC_ORIGIN "https://example.com"
#define SPEC_THUMB "4283ec927ae0f208daaa2d026a814f2b22dca52cf85ffa8f3f8626c6bd669047"

/* mdoc-ts wallet inputs (vectors/mdoc/README.md §3). */
#define ANIMO_THUMB "61a29f269176244d397cae26f7f80ab196bffcb65fe3052b540c78073dab7c1e"
#define ANIMO_URI "https://playground.animo.id/oid4vp/8caaebcc-d48c-471b-86b0-a534e15c4774/" \
                  "authorize?session=6c115dbc-1364-4e9f-a325-173eeec01a5a"
#define UBIQUE_CLIENT "Cq1anPb8vZU5j5C0d7hcsbuJLBpIawUJIDQRi2Ebwb4"
#define UBIQUE_URI "http://localhost:4000/api/presentation_request/" \
                   "dc8999df-d6ea-4c84-9985-37a8b81a82ec/callback"
#define GOOGLE_ORIGIN "https://ellis-occurrence-ac-smoking.trycloudflare.com"
#define GOOGLE_NONCE "UwQek7MemM55VM2Lc7UPPsdsxa-vejebSUo75B_G7vk"

/*
 * RFC 7517 Appendix A.1 example EC public key. Its RFC 7638 thumbprint was
 * computed offline with
 *   printf '%s' '{"crv":"P-256","kty":"EC","x":"MKBC...","y":"4Etl..."}' | sha256sum
 * and with python3 hashlib.sha256 (both agree).
 */
#define RFC7517_X "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
#define RFC7517_Y "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
#define RFC7517_THUMB "727f88fd634c0a57a1895a79d62ff4569384356d6ea447ab03cb046a6e619feb"

/*
 * Annex C (no public vector). EncryptionInfo = ["dcapi", {"nonce": h'000102..0f',
 * "recipientPublicKey": {1: 2, -1: 1, -2: x, -3: y}}] with x, y of the RFC 7517
 * A.1 key, CBOR-encoded by hand in python3 (125 bytes) and base64url-encoded
 * without padding (167 characters). Origin "https://verifier.example".
 * ANNEXC_TRANSCRIPT was computed offline with python3:
 *   info = b'\x82' + b'\x78\xa7' + B64 + b'\x78\x18' + ORIGIN
 *   h = hashlib.sha256(info).digest()
 *   transcript = bytes.fromhex('83f6f682') + b'\x65dcapi' + b'\x58\x20' + h
 */
#define ANNEXC_B64 "gmVkY2FwaaJlbm9uY2VQAAECAwQFBgcICQoLDA0OD3JyZWNpcGllbnRQdWJsaWNLZXmkAQIgASFY" \
                   "IDCgQkzSHClEg4otdckrN-duog2fAIk6O07uijwKr-w-Ilgg4Etl6SRW2YiLUrN5vfvVHuhp7x8P" \
                   "xltmWWlbbM4IFyM"
#define ANNEXC_ORIGIN "https://verifier.example"
#define ANNEXC_TRANSCRIPT "83f6f68265646361706958202fbec88c633fc8331fd39b053e3c5af5530fac6a" \
                          "18bcc5b41624a17591fa6e9b"

/* ---- builder vectors (table) ---- */

enum kind { K_OID4VP, K_OID4VP_DCAPI, K_ANNEX_B, K_ANNEX_C, K_DRAFT24 };

struct vec {
    const char *name;
    const char *file;        /* expected transcript, under $MDLG_SHARED */
    enum kind kind;
    const char *a[4];        /* string arguments in builder order (thumbprint slot unused) */
    const char *thumb;       /* hex, or NULL for CBOR null */
};

static const struct vec vecs[] = {
    { "oid4vp-1.0 spec redirect example", "vectors/mdoc/openid4vp-1.0/redirect_session_transcript.hex",
      K_OID4VP, { SPEC_CLIENT_ID, SPEC_NONCE, NULL, SPEC_RESPONSE_URI }, SPEC_THUMB },
    { "oid4vp-1.0 spec dcapi example", "vectors/mdoc/openid4vp-1.0/dcapi_session_transcript.hex",
      K_OID4VP_DCAPI, { SPEC_ORIGIN, SPEC_NONCE }, SPEC_THUMB },
    { "annex-b france", "vectors/mdoc/mdoc-ts/france/session_transcript.hex", K_ANNEX_B,
      { "example.com", "https://example.com/12345/response", "abcdefgh1234567890", "" }, NULL },
    { "annex-b ubique", "vectors/mdoc/mdoc-ts/ubique/session_transcript.hex", K_ANNEX_B,
      { UBIQUE_CLIENT, UBIQUE_URI, "abcdefg", "123456" }, NULL },
    { "oid4vp-1.0 animo", "vectors/mdoc/mdoc-ts/animo-mdoc-05/session_transcript.hex", K_OID4VP,
      { "x509_san_dns:playground.animo.id", "LMGPB6k--THpBUSkEBvLxmdMIi3Ee1fjHXXUUzBVa04", NULL,
        ANIMO_URI }, ANIMO_THUMB },
    { "draft24 dcapi google", "vectors/mdoc/mdoc-ts/google/session_transcript.hex", K_DRAFT24,
      { GOOGLE_ORIGIN, "web-origin:" GOOGLE_ORIGIN, GOOGLE_NONCE }, NULL },
};

static mdlg_err build_vec(const struct vec *v, struct mdlg_cbor_buf *b)
{
    uint8_t th[32];
    const uint8_t *tp = NULL;
    if (v->thumb != NULL) {
        thumb_from_hex(v->thumb, th);
        tp = th;
    }
    switch (v->kind) {
    case K_OID4VP: return mdlg_transcript_oid4vp_1_0(b, v->a[0], v->a[1], tp, v->a[3]);
    case K_OID4VP_DCAPI: return mdlg_transcript_oid4vp_dcapi_1_0(b, v->a[0], v->a[1], tp);
    case K_ANNEX_B: return mdlg_transcript_iso7_annex_b(b, v->a[0], v->a[1], v->a[2], v->a[3]);
    case K_ANNEX_C: return mdlg_transcript_iso7_annex_c(b, v->a[0], v->a[1]);
    case K_DRAFT24: return mdlg_transcript_oid4vp_dcapi_draft24(b, v->a[0], v->a[1], v->a[2]);
    }
    return MDLG_E_INTERNAL;
}

static void test_builder_vector(void **state)
{
    const struct vec *v = *state;
    size_t n;
    uint8_t *exp = shared_hex(v->file, &n);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(build_vec(v, &b), MDLG_E_OK);
    assert_bytes(b.ptr, b.len, exp, n);
    mdlg_cbor_buf_free(&b);
    free(exp);
}

/* ---- JSON profile vectors (table) ---- */

struct jvec {
    const char *name;
    const char *file;   /* expected transcript under $MDLG_SHARED, or NULL: use `hex` */
    const char *hex;
    const char *json;
};

static const struct jvec jvecs[] = {
    { "json openid4vp-1.0 spec", "vectors/mdoc/openid4vp-1.0/redirect_session_transcript.hex", NULL,
      "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"" SPEC_CLIENT_ID "\", \"nonce\": \""
      SPEC_NONCE "\", \"jwk_thumbprint\": \"" SPEC_THUMB "\", \"response_uri\": \""
      SPEC_RESPONSE_URI "\"}" },
    { "json openid4vp-1.0-dcapi spec", "vectors/mdoc/openid4vp-1.0/dcapi_session_transcript.hex", NULL,
      "{\"profile\": \"openid4vp-1.0-dcapi\", \"origin\": \"" SPEC_ORIGIN "\", \"nonce\": \""
      SPEC_NONCE "\", \"jwk_thumbprint\": \"4283EC927AE0F208DAAA2D026A814F2B22DCA52CF85FFA8F3F8626C6BD669047\"}" },
    { "json annex-b france", "vectors/mdoc/mdoc-ts/france/session_transcript.hex", NULL,
      "{\"profile\": \"iso18013-7-annex-b\", \"client_id\": \"example.com\", \"response_uri\": "
      "\"https://example.com/12345/response\", \"nonce\": \"abcdefgh1234567890\", "
      "\"mdoc_generated_nonce\": \"\"}" },
    { "json annex-b ubique", "vectors/mdoc/mdoc-ts/ubique/session_transcript.hex", NULL,
      "{\"mdoc_generated_nonce\": \"123456\", \"nonce\": \"abcdefg\", \"response_uri\": \""
      UBIQUE_URI "\", \"client_id\": \"" UBIQUE_CLIENT "\", \"profile\": \"iso18013-7-annex-b\"}" },
    { "json openid4vp-1.0 animo", "vectors/mdoc/mdoc-ts/animo-mdoc-05/session_transcript.hex", NULL,
      "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"x509_san_dns:playground.animo.id\", "
      "\"nonce\": \"LMGPB6k--THpBUSkEBvLxmdMIi3Ee1fjHXXUUzBVa04\", \"jwk_thumbprint\": \""
      ANIMO_THUMB "\", \"response_uri\": \"" ANIMO_URI "\"}" },
    { "json draft24 google", "vectors/mdoc/mdoc-ts/google/session_transcript.hex", NULL,
      "{\"profile\": \"openid4vp-draft24-dcapi\", \"origin\": \"" GOOGLE_ORIGIN "\", "
      "\"client_id\": \"web-origin:" GOOGLE_ORIGIN "\", \"nonce\": \"" GOOGLE_NONCE "\"}" },
    { "json annex-c known answer", NULL, ANNEXC_TRANSCRIPT,
      "{\"profile\": \"iso18013-7-annex-c\", \"encryption_info\": \"" ANNEXC_B64 "\", "
      "\"origin\": \"" ANNEXC_ORIGIN "\"}" },
    { "json raw untagged", NULL, "83f6f6f6", "{\"profile\": \"raw\", \"hex\": \"83F6f6F6\"}" },
    { "json raw tagged", NULL, "83f6f6f6", "{\"profile\": \"raw\", \"hex\": \"d8184483f6f6f6\"}" },
};

static void test_json_vector(void **state)
{
    const struct jvec *v = *state;
    size_t n;
    uint8_t *exp = v->file != NULL ? shared_hex(v->file, &n) : mdlg_test_unhex(v->hex, &n);
    assert_non_null(exp);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    char err[256];
    mdlg_err e = mdlg_transcript_from_json(v->json, strlen(v->json), &b, err, sizeof err);
    if (e != MDLG_E_OK)
        fail_msg("%s: %s", mdlg_err_name(e), err);
    assert_string_equal(err, "");
    assert_bytes(b.ptr, b.len, exp, n);
    mdlg_cbor_buf_free(&b);
    free(exp);
}

/* ---- JSON errors (table) ---- */

struct jerr {
    const char *json;
    mdlg_err code;
    const char *msg;   /* substring of the message */
};

#define OID4VP_HEAD "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"c\", \"nonce\": \"n\", " \
                    "\"response_uri\": \"u\""
#define DCAPI_HEAD "{\"profile\": \"openid4vp-1.0-dcapi\", \"nonce\": \"n\", "
#define ANNEXC_HEAD "{\"profile\": \"iso18013-7-annex-c\", \"origin\": \"https://a.example\", "

static const struct jerr jerrs[] = {
    { "{", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
    { "", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
    { "{} x", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
    { "[\"raw\"]", MDLG_E_TRANSCRIPT_MALFORMED, "JSON object" },
    { "\"raw\"", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
    { "{}", MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"profile\"" },
    { "{\"profile\": 1}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"profile\" must be a string" },
    { "{\"profile\": null}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"profile\" must be a string" },
    { "{\"profile\": \"openid4vp-2.0\"}", MDLG_E_TRANSCRIPT_PROFILE_UNKNOWN, "unknown profile \"openid4vp-2.0\"" },
    { "{\"profile\": \"RAW\", \"hex\": \"83f6f6f6\"}", MDLG_E_TRANSCRIPT_PROFILE_UNKNOWN, "unknown profile" },
    { "{\"profile\": \"raw\", \"profile\": \"raw\", \"hex\": \"83f6f6f6\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "duplicate" },
    { "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"c\", \"response_uri\": \"u\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"nonce\"" },
    { "{\"profile\": \"openid4vp-1.0\", \"nonce\": \"n\", \"response_uri\": \"u\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"client_id\"" },
    { "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"c\", \"nonce\": 5, \"response_uri\": \"u\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "field \"nonce\" must be a string" },
    { "{\"profile\": \"openid4vp-1.0\", \"client_id\": \"c\", \"nonce\": \"n\", \"response_uri\": null}",
      MDLG_E_TRANSCRIPT_MALFORMED, "field \"response_uri\" must be a string" },
    { OID4VP_HEAD ", \"jwk_thumbprnt\": null}", MDLG_E_TRANSCRIPT_MALFORMED, "unknown field \"jwk_thumbprnt\"" },
    { OID4VP_HEAD ", \"origin\": \"https://a.example\"}", MDLG_E_TRANSCRIPT_MALFORMED, "unknown field \"origin\"" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": \"4283ec92\"}", MDLG_E_TRANSCRIPT_MALFORMED, "\"jwk_thumbprint\" must be 64 hex" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": \"" "x283ec927ae0f208daaa2d026a814f2b22dca52cf85ffa8f3f8626c6bd669047" "\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "\"jwk_thumbprint\" must be 64 hex" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": 7}", MDLG_E_TRANSCRIPT_MALFORMED, "jwk_thumbprint" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": [\"4283\"]}", MDLG_E_TRANSCRIPT_MALFORMED, "jwk_thumbprint" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": {\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\"}}",
      MDLG_E_TRANSCRIPT_MALFORMED, "\"kty\" must be \"EC\"" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" RFC7517_X "\"}}",
      MDLG_E_TRANSCRIPT_MALFORMED, "\"crv\", \"x\", \"y\"" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": {\"kty\": \"EC\", \"crv\": \"P-257\", \"x\": \"" RFC7517_X
      "\", \"y\": \"" RFC7517_Y "\"}}", MDLG_E_TRANSCRIPT_MALFORMED, "jwk_thumbprint" },
    { OID4VP_HEAD ", \"jwk_thumbprint\": {\"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"" RFC7517_X
      "\", \"y\": \"" RFC7517_Y "\"}}", MDLG_E_TRANSCRIPT_MALFORMED, "jwk_thumbprint" },
    { DCAPI_HEAD "\"origin\": \"https://example.com/\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"origin\" must be a serialized origin" },
    { DCAPI_HEAD "\"origin\": \"origin:https://example.com\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"origin\"" },
    { DCAPI_HEAD "\"origin\": \"\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"origin\"" },
    { DCAPI_HEAD "\"origin\": 1}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"origin\" must be a string" },
    { "{\"profile\": \"openid4vp-1.0-dcapi\", \"origin\": \"https://a.example\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"nonce\"" },
    { "{\"profile\": \"iso18013-7-annex-b\", \"client_id\": \"c\", \"response_uri\": \"u\", \"nonce\": \"n\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"mdoc_generated_nonce\"" },
    { ANNEXC_HEAD "\"encryption_info\": \"gmVkY2Fwaa==\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"encryption_info\"" },
    { ANNEXC_HEAD "\"encryption_info\": \"gmVkY2Fwaa+/\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"encryption_info\"" },
    { ANNEXC_HEAD "\"encryption_info\": \"\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"encryption_info\"" },
    { ANNEXC_HEAD "\"encryption_info\": \"abc\", \"nonce\": \"n\"}", MDLG_E_TRANSCRIPT_MALFORMED, "unknown field \"nonce\"" },
    { "{\"profile\": \"openid4vp-draft24-dcapi\", \"origin\": \"https://a.example\", \"nonce\": \"n\"}",
      MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"client_id\"" },
    { "{\"profile\": \"raw\"}", MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"hex\"" },
    { "{\"profile\": \"raw\", \"hex\": \"\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"hex\" must be" },
    { "{\"profile\": \"raw\", \"hex\": \"83f6f6f\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"hex\" must be" },
    { "{\"profile\": \"raw\", \"hex\": \"83f6f6zz\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"hex\" must be" },
    { "{\"profile\": \"raw\", \"hex\": \"83 f6 f6 f6\"}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"hex\" must be" },
    { "{\"profile\": \"raw\", \"hex\": \"82f6f6\"}", MDLG_E_TRANSCRIPT_MALFORMED, "not a SessionTranscript" },
    { "{\"profile\": \"raw\", \"hex\": \"83f6f6f600\"}", MDLG_E_TRANSCRIPT_MALFORMED, "not a SessionTranscript" },
    { "{\"profile\": \"raw\", \"hex\": [\"83f6f6f6\"]}", MDLG_E_TRANSCRIPT_MALFORMED, "field \"hex\" must be a string" },
    /* jansson rejects \u0000 unless JSON_ALLOW_NUL */
    { "{\"profile\": \"raw\", \"hex\": \"83f6\\u0000f6f6\"}", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
    /* invalid UTF-8 in the document */
    { "{\"profile\": \"raw\", \"hex\": \"\xff\"}", MDLG_E_TRANSCRIPT_MALFORMED, "invalid transcript JSON" },
};

static void test_json_error(void **state)
{
    const struct jerr *t = *state;
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    char err[512];
    mdlg_err e = mdlg_transcript_from_json(t->json, strlen(t->json), &b, err, sizeof err);
    if (e != t->code)
        fail_msg("%s: got %s (%s), want %s", t->json, mdlg_err_name(e), err, mdlg_err_name(t->code));
    if (strstr(err, t->msg) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", t->json, err, t->msg);
    assert_int_equal(b.len, 0);   /* nothing appended */
    mdlg_cbor_buf_free(&b);
}

/* ---- raw transcripts (table) ---- */

struct rawcase {
    const char *name;
    const char *hex;
    mdlg_err code;
    const char *out;   /* expected appended bytes when OK */
    bool tagged;
};

static const struct rawcase raws[] = {
    { "minimal", "83f6f6f6", MDLG_E_OK, "83f6f6f6", false },
    { "nfc handover", "83f6f68242aabbf6", MDLG_E_OK, "83f6f68242aabbf6", false },
    { "tag24 engagement", "83d81842a000f6f6", MDLG_E_OK, "83d81842a000f6f6", false },
    { "indefinite array kept as is", "9ff6f6f6ff", MDLG_E_OK, "9ff6f6f6ff", false },
    { "non-preferred head kept as is", "9803f6f6f6", MDLG_E_OK, "9803f6f6f6", false },
    { "tag-24 wrapped", "d8184483f6f6f6", MDLG_E_OK, "83f6f6f6", true },
    { "empty", "", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "not an array (map)", "a0", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "not an array (tstr)", "63616263", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "null", "f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "2 elements", "82f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "4 elements", "84f6f6f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "0 elements", "80", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "trailing byte", "83f6f6f600", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "two transcripts", "83f6f6f683f6f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "truncated", "83f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "engagement is a uint", "8301f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "engagement is a bare bstr", "8342a000f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "reader key tagged 25", "83f6d81942a000f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 around a map", "d81841a0", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 around 2 elements", "d8184382f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 inner trailing byte", "d8184583f6f6f600", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 outer trailing byte", "d8184483f6f6f600", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 around tstr", "d8186483f6f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "tag-24 twice", "d81847d8184483f6f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "other tag", "d8194483f6f6f6", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "duplicate map key inside", "83f6f6a2010101 02", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
    { "bad utf-8 inside", "83f6f661ff", MDLG_E_TRANSCRIPT_MALFORMED, NULL, false },
};

static void test_raw_case(void **state)
{
    const struct rawcase *t = *state;
    size_t n;
    uint8_t *in = mdlg_test_unhex(t->hex, &n);
    assert_non_null(in);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    bool tagged = !t->tagged;
    assert_int_equal(mdlg_transcript_raw(&b, in, n, &tagged), t->code);
    if (t->code == MDLG_E_OK) {
        assert_buf_hex(&b, t->out);
        assert_int_equal(tagged, t->tagged);
    } else {
        assert_int_equal(b.len, 0);
    }
    mdlg_cbor_buf_free(&b);
    free(in);
}

/* Annex D SessionTranscriptBytes (d8 18 59 02 41 ...) unwraps; the auth0 one too. */
static void test_raw_shared_tagged(void **state)
{
    (void)state;
    static const char *files[] = {
        "vectors/mdoc/iso18013-5-annex-d/session_transcript_bytes.hex",
        "vectors/mdoc/auth0-mdl/session_transcript_bytes.hex",
    };
    for (size_t i = 0; i < COUNT(files); i++) {
        size_t n;
        uint8_t *in = shared_hex(files[i], &n);
        assert_true(n > 4 && in[0] == 0xd8 && in[1] == 0x18);
        struct mdlg_cbor_buf b, w;
        mdlg_cbor_buf_init(&b, NULL, 0);
        mdlg_cbor_buf_init(&w, NULL, 0);
        bool tagged = false;
        assert_int_equal(mdlg_transcript_raw(&b, in, n, &tagged), MDLG_E_OK);
        assert_true(tagged);
        assert_int_equal(b.ptr[0], 0x83);
        /* the inner array ends the input, and wrapping it again gives the input back */
        assert_true(b.len < n);
        assert_bytes(b.ptr, b.len, in + (n - b.len), b.len);
        assert_int_equal(mdlg_transcript_tagged_bytes(&w, b.ptr, b.len), MDLG_E_OK);
        assert_bytes(w.ptr, w.len, in, n);
        /* the untagged array is accepted as is */
        struct mdlg_cbor_buf u;
        mdlg_cbor_buf_init(&u, NULL, 0);
        assert_int_equal(mdlg_transcript_raw(&u, b.ptr, b.len, &tagged), MDLG_E_OK);
        assert_false(tagged);
        assert_bytes(u.ptr, u.len, b.ptr, b.len);
        mdlg_cbor_buf_free(&u);
        mdlg_cbor_buf_free(&w);
        mdlg_cbor_buf_free(&b);
        free(in);
    }
}

/* Raw JSON profile with the Annex D hex from the shared file. */
static void test_json_raw_annex_d(void **state)
{
    (void)state;
    char *hex = shared_text("vectors/mdoc/iso18013-5-annex-d/session_transcript_bytes.hex");
    size_t n;
    uint8_t *in = mdlg_test_unhex(hex, &n);
    assert_non_null(in);
    hex[strcspn(hex, "\r\n")] = '\0';
    size_t jlen = strlen(hex) + 64;
    char *json = malloc(jlen);
    assert_non_null(json);
    snprintf(json, jlen, "{\"profile\":\"raw\",\"hex\":\"%s\"}", hex);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(mdlg_transcript_from_json(json, strlen(json), &b, NULL, 0), MDLG_E_OK);
    assert_true(b.len < n);
    assert_bytes(b.ptr, b.len, in + (n - b.len), b.len);   /* unwrapped inner array */
    mdlg_cbor_buf_free(&b);
    free(json);
    free(in);
    free(hex);
}

/* ---- tagged bytes ---- */

static void test_tagged_bytes(void **state)
{
    (void)state;
    uint8_t st[64];
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, st, sizeof st);
    static const uint8_t t[] = { 0x83, 0xf6, 0xf6, 0xf6 };
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, t, sizeof t), MDLG_E_OK);
    assert_buf_hex(&b, "d8184483f6f6f6");
    /* 24-byte content needs the 1-byte length head (58 18) */
    uint8_t big[24] = { 0x83, 0xf6, 0xf6, 0x55 };
    mdlg_cbor_buf_init(&b, st, sizeof st);
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, big, sizeof big), MDLG_E_OK);
    assert_int_equal(b.len, 4 + 24);
    assert_memory_equal(b.ptr, "\xd8\x18\x58\x18", 4);
    /* the Annex C known answer, wrapped (python3: b'\xd8\x18\x58\x2c' + transcript) */
    size_t n;
    uint8_t *kat = mdlg_test_unhex(ANNEXC_TRANSCRIPT, &n);
    mdlg_cbor_buf_init(&b, st, sizeof st);
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, kat, n), MDLG_E_OK);
    assert_buf_hex(&b, "d818582c" ANNEXC_TRANSCRIPT);
    free(kat);
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, NULL, 4), MDLG_E_TRANSCRIPT_MALFORMED);
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, t, 0), MDLG_E_TRANSCRIPT_MALFORMED);
    assert_int_equal(mdlg_transcript_tagged_bytes(NULL, t, 4), MDLG_E_TRANSCRIPT_MALFORMED);
    mdlg_cbor_buf_free(&b);
}

/* ---- OpenID4VP layers: the handover and its info hash (spec example files) ---- */

static void test_oid4vp_layers(void **state)
{
    (void)state;
    static const struct { const char *info, *handover; size_t vec; } rows[] = {
        { "vectors/mdoc/openid4vp-1.0/redirect_handover_info.hex",
          "vectors/mdoc/openid4vp-1.0/redirect_handover.hex", 0 },
        { "vectors/mdoc/openid4vp-1.0/dcapi_handover_info.hex",
          "vectors/mdoc/openid4vp-1.0/dcapi_handover.hex", 1 },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        size_t ilen, hlen;
        uint8_t *info = shared_hex(rows[i].info, &ilen);
        uint8_t *ho = shared_hex(rows[i].handover, &hlen);
        struct mdlg_cbor_buf b;
        mdlg_cbor_buf_init(&b, NULL, 0);
        assert_int_equal(build_vec(&vecs[rows[i].vec], &b), MDLG_E_OK);
        /* transcript = 83 f6 f6 || handover; handover ends with SHA-256(info) */
        assert_int_equal(b.len, 3 + hlen);
        assert_memory_equal(b.ptr, "\x83\xf6\xf6", 3);
        assert_bytes(b.ptr + 3, hlen, ho, hlen);
        uint8_t h[32];
        assert_int_equal(mdlg_sha256(info, ilen, h), MDLG_E_OK);
        assert_bytes(b.ptr + b.len - 32, 32, h, 32);
        mdlg_cbor_buf_free(&b);
        free(ho);
        free(info);
    }
}

/* ---- Annex C ---- */

/*
 * Hand computation: dcapiInfo = [Base64EncryptionInfo, SerializedOrigin] is
 * written byte by byte here (82, then 78 a7 + the 167-byte string, then
 * 78 18 + the 24-byte origin), hashed with mdlg_sha256, and the transcript
 * 83 f6 f6 82 65 "dcapi" 58 20 <hash> is assembled by hand.
 */
static void test_annex_c_hand(void **state)
{
    (void)state;
    const char *b64 = ANNEXC_B64, *origin = ANNEXC_ORIGIN;
    assert_int_equal(strlen(b64), 0xa7);
    assert_int_equal(strlen(origin), 0x18);
    uint8_t info[1 + 2 + 0xa7 + 2 + 0x18], *p = info;
    *p++ = 0x82;
    *p++ = 0x78; *p++ = 0xa7;
    memcpy(p, b64, 0xa7); p += 0xa7;
    *p++ = 0x78; *p++ = 0x18;
    memcpy(p, origin, 0x18); p += 0x18;
    assert_int_equal(p - info, sizeof info);
    uint8_t exp[12 + 32] = { 0x83, 0xf6, 0xf6, 0x82, 0x65, 'd', 'c', 'a', 'p', 'i', 0x58, 0x20 };
    assert_int_equal(mdlg_sha256(info, sizeof info, exp + 12), MDLG_E_OK);

    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, b64, origin), MDLG_E_OK);
    assert_bytes(b.ptr, b.len, exp, sizeof exp);
    mdlg_cbor_buf_free(&b);
}

static void test_annex_c_kat(void **state)
{
    (void)state;
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, ANNEXC_ORIGIN), MDLG_E_OK);
    assert_buf_hex(&b, ANNEXC_TRANSCRIPT);
    mdlg_cbor_buf_free(&b);
    /* a different origin or one changed character of the string changes the transcript */
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, "https://verifier.example:443"),
                     MDLG_E_OK);
    assert_int_equal(b.len, 44);
    assert_memory_not_equal(b.ptr + 12, "\x2f\xbe\xc8\x8c", 4);
    mdlg_cbor_buf_free(&b);
}

/* ---- thumbprints ---- */

static void test_thumbprint_rfc7517(void **state)
{
    (void)state;
    uint8_t got[32], exp[32];
    thumb_from_hex(RFC7517_THUMB, exp);
    assert_int_equal(mdlg_jwk_thumbprint_ec("P-256", RFC7517_X, RFC7517_Y, got), MDLG_E_OK);
    assert_bytes(got, 32, exp, 32);
}

/* The OpenID4VP example verifier JWK (with use/alg/kid members) -> 4283ec92...9047. */
static void test_thumbprint_spec_jwk(void **state)
{
    (void)state;
    char *text = shared_text("vectors/mdoc/openid4vp-1.0/verifier_enc_jwk.json");
    json_t *jwk = json_loads(text, 0, NULL);
    assert_non_null(jwk);
    uint8_t got[32], exp[32];
    thumb_from_hex(SPEC_THUMB, exp);
    assert_int_equal(mdlg_jwk_thumbprint_ec(json_string_value(json_object_get(jwk, "crv")),
                                            json_string_value(json_object_get(jwk, "x")),
                                            json_string_value(json_object_get(jwk, "y")), got),
                     MDLG_E_OK);
    assert_bytes(got, 32, exp, 32);
    json_decref(jwk);
    free(text);
}

/* JSON dcapi profile with the whole JWK file as jwk_thumbprint -> the spec transcript. */
static void test_json_jwk_object(void **state)
{
    (void)state;
    size_t n;
    uint8_t *exp = shared_hex("vectors/mdoc/openid4vp-1.0/dcapi_session_transcript.hex", &n);
    char *jwk = shared_text("vectors/mdoc/openid4vp-1.0/verifier_enc_jwk.json");
    size_t jlen = strlen(jwk) + 256;
    char *json = malloc(jlen);
    assert_non_null(json);
    snprintf(json, jlen, "{\"profile\": \"openid4vp-1.0-dcapi\", \"origin\": \"" SPEC_ORIGIN
             "\", \"nonce\": \"" SPEC_NONCE "\", \"jwk_thumbprint\": %s}", jwk);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    char err[256];
    mdlg_err e = mdlg_transcript_from_json(json, strlen(json), &b, err, sizeof err);
    if (e != MDLG_E_OK)
        fail_msg("%s: %s", mdlg_err_name(e), err);
    assert_bytes(b.ptr, b.len, exp, n);
    mdlg_cbor_buf_free(&b);
    free(json);
    free(jwk);
    free(exp);
}

static void test_thumbprint_bad(void **state)
{
    (void)state;
    static const struct { const char *crv, *x, *y; } bad[] = {
        { "P-384", RFC7517_X, RFC7517_Y },          /* coordinates too short for P-384 */
        { "p-256", RFC7517_X, RFC7517_Y },
        { "secp256r1", RFC7517_X, RFC7517_Y },
        { "", RFC7517_X, RFC7517_Y },
        { "P-256", RFC7517_X "A", RFC7517_Y },
        { "P-256", RFC7517_X, "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFy" },
        { "P-256", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D=", RFC7517_Y },
        { "P-256", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D+", RFC7517_Y },
        { "P-256", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7\"}", RFC7517_Y },
        { "P-256", "", RFC7517_Y },
        { NULL, RFC7517_X, RFC7517_Y },
        { "P-256", NULL, RFC7517_Y },
        { "P-256", RFC7517_X, NULL },
    };
    uint8_t out[32];
    for (size_t i = 0; i < COUNT(bad); i++)
        if (mdlg_jwk_thumbprint_ec(bad[i].crv, bad[i].x, bad[i].y, out) != MDLG_E_TRANSCRIPT_MALFORMED)
            fail_msg("case %zu accepted", i);
    assert_int_equal(mdlg_jwk_thumbprint_ec("P-256", RFC7517_X, RFC7517_Y, NULL),
                     MDLG_E_TRANSCRIPT_MALFORMED);
    /* P-384 / P-521 sizes are accepted (64 and 88 characters) */
    char x384[65], x521[89];
    memset(x384, 'A', 64); x384[64] = '\0';
    memset(x521, 'A', 88); x521[88] = '\0';
    assert_int_equal(mdlg_jwk_thumbprint_ec("P-384", x384, x384, out), MDLG_E_OK);
    assert_int_equal(mdlg_jwk_thumbprint_ec("P-521", x521, x521, out), MDLG_E_OK);
    assert_int_equal(mdlg_jwk_thumbprint_ec("P-521", x384, x384, out), MDLG_E_TRANSCRIPT_MALFORMED);
}

/* ---- input checks ---- */

static void test_origin_valid(void **state)
{
    (void)state;
    static const char *good[] = {
        "https://example.com", "https://example.com:8443", "http://localhost:4000",
        "https://[::1]:8443", "android:apk-key-hash:Zm9vYmFy", "https://xn--bcher-kva.example",
        "chrome-extension://abcdef",
    };
    static const char *bad[] = {
        "", "https://example.com/", "https://example.com/path", "https://example.com?q",
        "https://example.com#f", "https://", "://example.com", "origin:https://example.com",
        "1https://example.com", "https://exa mple.com", "https://example.com\n", " https://a.b",
        "https://a.b\x7f", "\xff", "https://\xc3\x28", "example.com", "example.com/",
        "android:", "https:example.com/x?", ":", "-x://a.example",
        "web-origin:https://example.com",
    };
    for (size_t i = 0; i < COUNT(good); i++)
        if (!mdlg_transcript_origin_valid(good[i]))
            fail_msg("rejected \"%s\"", good[i]);
    for (size_t i = 0; i < COUNT(bad); i++)
        if (mdlg_transcript_origin_valid(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(mdlg_transcript_origin_valid(NULL));
    assert_true(mdlg_transcript_b64url_valid("AZaz09-_"));
    assert_false(mdlg_transcript_b64url_valid("AZaz09-_="));
    assert_false(mdlg_transcript_b64url_valid(""));
    assert_false(mdlg_transcript_b64url_valid(NULL));
}

/* Every builder rejects NULL strings, invalid UTF-8 and bad origins, appending nothing. */
static void test_builders_reject(void **state)
{
    (void)state;
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    const char *bad_utf8 = "n\xc0\xaf";   /* overlong '/' */
    const char *surrogate = "\xed\xa0\x80";
    const char *trunc = "ab\xe2\x82";
    const mdlg_err M = MDLG_E_TRANSCRIPT_MALFORMED;
    assert_int_equal(mdlg_transcript_oid4vp_1_0(NULL, "c", "n", NULL, "u"), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, NULL, "n", NULL, "u"), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, "c", NULL, NULL, "u"), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, "c", "n", NULL, NULL), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, "c", bad_utf8, NULL, "u"), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, surrogate, "n", NULL, "u"), M);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, "c", "n", NULL, trunc), M);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_1_0(&b, "https://a.example/", "n", NULL), M);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_1_0(&b, NULL, "n", NULL), M);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_1_0(&b, "https://a.example", NULL, NULL), M);
    assert_int_equal(mdlg_transcript_iso7_annex_b(&b, "c", "u", "n", NULL), M);
    assert_int_equal(mdlg_transcript_iso7_annex_b(&b, "c", NULL, "n", ""), M);
    assert_int_equal(mdlg_transcript_iso7_annex_b(&b, "c", "u", bad_utf8, ""), M);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64 "=", ANNEXC_ORIGIN), M);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, "", ANNEXC_ORIGIN), M);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, "verifier.example/"), M);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, NULL), M);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_draft24(&b, "https://a.example", NULL, "n"), M);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_draft24(&b, "https://a.example/x", "c", "n"), M);
    assert_int_equal(mdlg_transcript_raw(&b, NULL, 4, NULL), M);
    assert_int_equal(mdlg_transcript_raw(NULL, (const uint8_t *)"\x83\xf6\xf6\xf6", 4, NULL), M);
    assert_int_equal(b.len, 0);
    /* empty strings are fine where no check applies (France uses mdocGeneratedNonce "") */
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&b, "", "", NULL, ""), MDLG_E_OK);
    mdlg_cbor_buf_free(&b);
}

/* Builders append to what is already in the buffer, and report buffer errors. */
static void test_buffer_behaviour(void **state)
{
    (void)state;
    uint8_t st[8];
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, st, sizeof st);   /* grows to the heap */
    mdlg_cbor_put_uint(&b, 7);
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, ANNEXC_ORIGIN), MDLG_E_OK);
    assert_buf_hex(&b, "07" ANNEXC_TRANSCRIPT);
    mdlg_cbor_buf_free(&b);

    mdlg_cbor_buf_init(&b, st, sizeof st);
    b.max = 20;   /* a transcript needs 44 bytes */
    assert_int_equal(mdlg_transcript_iso7_annex_c(&b, ANNEXC_B64, ANNEXC_ORIGIN),
                     MDLG_E_LIMIT_BODY_SIZE);
    assert_int_equal(mdlg_transcript_raw(&b, (const uint8_t *)"\x83\xf6\xf6\xf6", 4, NULL),
                     MDLG_E_LIMIT_BODY_SIZE);   /* sticky */
    assert_int_equal(mdlg_transcript_tagged_bytes(&b, (const uint8_t *)"\x83\xf6\xf6\xf6", 4),
                     MDLG_E_LIMIT_BODY_SIZE);
    mdlg_cbor_buf_free(&b);

    /* the JSON path reports the buffer error too */
    mdlg_cbor_buf_init(&b, st, sizeof st);
    b.max = 4;
    char err[128];
    const char *j = "{\"profile\":\"iso18013-7-annex-b\",\"client_id\":\"c\",\"response_uri\":\"u\","
                    "\"nonce\":\"n\",\"mdoc_generated_nonce\":\"m\"}";
    assert_int_equal(mdlg_transcript_from_json(j, strlen(j), &b, err, sizeof err),
                     MDLG_E_LIMIT_BODY_SIZE);
    assert_non_null(strstr(err, "LIMIT_BODY_SIZE"));
    mdlg_cbor_buf_free(&b);
}

/* Long inputs (heap-grown info buffer) against a transcript assembled with the encoder. */
static void test_long_inputs(void **state)
{
    (void)state;
    size_t n = 5000;
    char *nonce = malloc(n + 1);
    assert_non_null(nonce);
    for (size_t i = 0; i < n; i++)
        nonce[i] = (char)('a' + i % 26);
    nonce[n] = '\0';
    uint8_t th[32], h[32];
    thumb_from_hex(RFC7517_THUMB, th);

    struct mdlg_cbor_buf info, exp, got;
    mdlg_cbor_buf_init(&info, NULL, 0);
    mdlg_cbor_put_array(&info, 4);
    mdlg_cbor_put_cstr(&info, "client");
    mdlg_cbor_put_cstr(&info, nonce);
    mdlg_cbor_put_bstr(&info, th, 32);
    mdlg_cbor_put_cstr(&info, "https://rp.example/cb");
    assert_int_equal(mdlg_cbor_buf_err(&info), MDLG_E_OK);
    assert_int_equal(mdlg_sha256(info.ptr, info.len, h), MDLG_E_OK);
    mdlg_cbor_buf_init(&exp, NULL, 0);
    mdlg_cbor_put_raw(&exp, "\x83\xf6\xf6\x82", 4);
    mdlg_cbor_put_cstr(&exp, "OpenID4VPHandover");
    mdlg_cbor_put_bstr(&exp, h, 32);

    mdlg_cbor_buf_init(&got, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&got, "client", nonce, th, "https://rp.example/cb"),
                     MDLG_E_OK);
    assert_bytes(got.ptr, got.len, exp.ptr, exp.len);

    /* Annex B with a long mdocGeneratedNonce: [H([c, m]), H([u, m]), n] */
    uint8_t h1[32], h2[32];
    mdlg_cbor_buf_free(&info);
    mdlg_cbor_buf_init(&info, NULL, 0);
    mdlg_cbor_put_array(&info, 2);
    mdlg_cbor_put_cstr(&info, "c");
    mdlg_cbor_put_cstr(&info, nonce);
    assert_int_equal(mdlg_sha256(info.ptr, info.len, h1), MDLG_E_OK);
    mdlg_cbor_buf_free(&info);
    mdlg_cbor_buf_init(&info, NULL, 0);
    mdlg_cbor_put_array(&info, 2);
    mdlg_cbor_put_cstr(&info, "u");
    mdlg_cbor_put_cstr(&info, nonce);
    assert_int_equal(mdlg_sha256(info.ptr, info.len, h2), MDLG_E_OK);
    mdlg_cbor_buf_free(&exp);
    mdlg_cbor_buf_init(&exp, NULL, 0);
    mdlg_cbor_put_raw(&exp, "\x83\xf6\xf6\x83", 4);
    mdlg_cbor_put_bstr(&exp, h1, 32);
    mdlg_cbor_put_bstr(&exp, h2, 32);
    mdlg_cbor_put_cstr(&exp, "n");
    mdlg_cbor_buf_free(&got);
    mdlg_cbor_buf_init(&got, NULL, 0);
    assert_int_equal(mdlg_transcript_iso7_annex_b(&got, "c", "u", "n", nonce), MDLG_E_OK);
    assert_bytes(got.ptr, got.len, exp.ptr, exp.len);

    mdlg_cbor_buf_free(&got);
    mdlg_cbor_buf_free(&exp);
    mdlg_cbor_buf_free(&info);
    free(nonce);
}

/* ---- JSON: equivalence with the builders and API edges (no shared data) ---- */

static void json_build(const char *json, struct mdlg_cbor_buf *b)
{
    char err[256];
    mdlg_cbor_buf_init(b, NULL, 0);
    mdlg_err e = mdlg_transcript_from_json(json, strlen(json), b, err, sizeof err);
    if (e != MDLG_E_OK)
        fail_msg("%s: %s (%s)", json, mdlg_err_name(e), err);
}

static void test_json_matches_builders(void **state)
{
    (void)state;
    struct mdlg_cbor_buf j, c;
    uint8_t th[32];
    thumb_from_hex(RFC7517_THUMB, th);

    /* jwk_thumbprint absent == null; a JWK object == its thumbprint in hex */
    json_build("{\"profile\":\"openid4vp-1.0\",\"client_id\":\"c\",\"nonce\":\"n\",\"response_uri\":\"u\"}", &j);
    mdlg_cbor_buf_init(&c, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&c, "c", "n", NULL, "u"), MDLG_E_OK);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    json_build("{\"profile\":\"openid4vp-1.0\",\"client_id\":\"c\",\"nonce\":\"n\",\"response_uri\":\"u\","
               "\"jwk_thumbprint\":null}", &j);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    mdlg_cbor_buf_free(&c);

    json_build("{\"profile\":\"openid4vp-1.0-dcapi\",\"origin\":\"https://rp.example\",\"nonce\":\"n\","
               "\"jwk_thumbprint\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC7517_X "\",\"y\":\""
               RFC7517_Y "\",\"use\":\"enc\",\"kid\":\"k1\"}}", &j);
    mdlg_cbor_buf_init(&c, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_1_0(&c, "https://rp.example", "n", th), MDLG_E_OK);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    json_build("{\"profile\":\"openid4vp-1.0-dcapi\",\"origin\":\"https://rp.example\",\"nonce\":\"n\","
               "\"jwk_thumbprint\":\"" RFC7517_THUMB "\"}", &j);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    mdlg_cbor_buf_free(&c);

    /* non-ASCII strings pass through byte for byte (JSON \u escapes decode to UTF-8) */
    json_build("{\"profile\":\"openid4vp-draft24-dcapi\",\"origin\":\"https://b\\u00fccher.example\","
               "\"client_id\":\"web-origin:x\",\"nonce\":\"\\u00e9\\ud83d\\ude00\"}", &j);
    mdlg_cbor_buf_init(&c, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_dcapi_draft24(&c, "https://b\xc3\xbc" "cher.example",
                                                          "web-origin:x", "\xc3\xa9\xf0\x9f\x98\x80"),
                     MDLG_E_OK);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    mdlg_cbor_buf_free(&c);

    json_build("{\"profile\":\"iso18013-7-annex-b\",\"client_id\":\"c\",\"response_uri\":\"u\","
               "\"nonce\":\"n\",\"mdoc_generated_nonce\":\"m\"}", &j);
    mdlg_cbor_buf_init(&c, NULL, 0);
    assert_int_equal(mdlg_transcript_iso7_annex_b(&c, "c", "u", "n", "m"), MDLG_E_OK);
    assert_bytes(j.ptr, j.len, c.ptr, c.len);
    mdlg_cbor_buf_free(&j);
    mdlg_cbor_buf_free(&c);
}

static void test_json_api_edges(void **state)
{
    (void)state;
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    const char *ok = "{\"profile\":\"raw\",\"hex\":\"83f6f6f6\"}";
    const char *bad = "{\"profile\":\"raw\",\"hex\":\"82f6f6\"}";

    /* errbuf may be NULL or tiny; it is cleared on success */
    assert_int_equal(mdlg_transcript_from_json(bad, strlen(bad), &b, NULL, 0), MDLG_E_TRANSCRIPT_MALFORMED);
    char tiny[8];
    assert_int_equal(mdlg_transcript_from_json(bad, strlen(bad), &b, tiny, sizeof tiny),
                     MDLG_E_TRANSCRIPT_MALFORMED);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    char err[64] = "stale";
    assert_int_equal(mdlg_transcript_from_json(ok, strlen(ok), &b, err, sizeof err), MDLG_E_OK);
    assert_string_equal(err, "");
    assert_buf_hex(&b, "83f6f6f6");

    /* len is honoured: the text need not be NUL-terminated, and a prefix is not the document */
    assert_int_equal(mdlg_transcript_from_json(ok, strlen(ok) - 1, &b, err, sizeof err),
                     MDLG_E_TRANSCRIPT_MALFORMED);
    assert_int_equal(mdlg_transcript_from_json(NULL, 0, &b, err, sizeof err), MDLG_E_TRANSCRIPT_MALFORMED);
    assert_int_equal(mdlg_transcript_from_json(ok, strlen(ok), NULL, err, sizeof err),
                     MDLG_E_TRANSCRIPT_MALFORMED);

    /* size limit, checked before parsing */
    char *big = calloc(1, MDLG_MAX_BODY + 1);
    assert_non_null(big);
    assert_int_equal(mdlg_transcript_from_json(big, MDLG_MAX_BODY + 1, &b, err, sizeof err),
                     MDLG_E_LIMIT_BODY_SIZE);
    free(big);

    /* already parsed objects */
    json_t *o = json_pack("{s:s, s:s}", "profile", "raw", "hex", "d8184483f6f6f6");
    assert_non_null(o);
    size_t before = b.len;
    assert_int_equal(mdlg_transcript_from_jansson(o, &b, err, sizeof err), MDLG_E_OK);
    assert_int_equal(b.len, before + 4);
    json_decref(o);
    json_t *arr = json_array();
    assert_int_equal(mdlg_transcript_from_jansson(arr, &b, err, sizeof err), MDLG_E_TRANSCRIPT_MALFORMED);
    assert_non_null(strstr(err, "JSON object"));
    json_decref(arr);
    assert_int_equal(mdlg_transcript_from_jansson(NULL, &b, err, sizeof err), MDLG_E_TRANSCRIPT_MALFORMED);
    /* a string with an embedded NUL (possible when built by code, not parsed) */
    o = json_object();
    json_object_set_new(o, "profile", json_string("openid4vp-draft24-dcapi"));
    json_object_set_new(o, "origin", json_string("https://a.example"));
    json_object_set_new(o, "client_id", json_stringn("a\0b", 3));
    json_object_set_new(o, "nonce", json_string("n"));
    assert_int_equal(mdlg_transcript_from_jansson(o, &b, err, sizeof err), MDLG_E_TRANSCRIPT_MALFORMED);
    assert_non_null(strstr(err, "\"client_id\""));
    json_decref(o);
    mdlg_cbor_buf_free(&b);
}

/* ---- runner ---- */

#define MAX_TESTS 160

static void add(struct CMUnitTest *t, size_t *n, const char *name, CMUnitTestFunction f,
                const void *state)
{
    if (*n >= MAX_TESTS)
        abort();
    t[*n] = (struct CMUnitTest){ name, f, NULL, NULL, (void *)state };
    (*n)++;
}

int main(void)
{
    static struct CMUnitTest t[MAX_TESTS];
    static char names[MAX_TESTS][96];
    size_t n = 0;
    for (size_t i = 0; i < COUNT(vecs); i++)
        add(t, &n, vecs[i].name, test_builder_vector, &vecs[i]);
    for (size_t i = 0; i < COUNT(jvecs); i++)
        add(t, &n, jvecs[i].name, test_json_vector, &jvecs[i]);
    for (size_t i = 0; i < COUNT(jerrs); i++) {
        snprintf(names[n], sizeof names[n], "json error %zu (%s)", i, mdlg_err_name(jerrs[i].code));
        add(t, &n, names[n], test_json_error, &jerrs[i]);
    }
    for (size_t i = 0; i < COUNT(raws); i++) {
        snprintf(names[n], sizeof names[n], "raw: %s", raws[i].name);
        add(t, &n, names[n], test_raw_case, &raws[i]);
    }
#define ADD(f) add(t, &n, #f, f, NULL)
    ADD(test_raw_shared_tagged);
    ADD(test_json_raw_annex_d);
    ADD(test_tagged_bytes);
    ADD(test_oid4vp_layers);
    ADD(test_annex_c_hand);
    ADD(test_annex_c_kat);
    ADD(test_thumbprint_rfc7517);
    ADD(test_thumbprint_spec_jwk);
    ADD(test_json_jwk_object);
    ADD(test_thumbprint_bad);
    ADD(test_origin_valid);
    ADD(test_builders_reject);
    ADD(test_buffer_behaviour);
    ADD(test_long_inputs);
    ADD(test_json_matches_builders);
    ADD(test_json_api_edges);
    return _cmocka_run_group_tests("transcript", t, n, NULL, NULL);
}
