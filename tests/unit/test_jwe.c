/*
 * test_jwe.c - JWE ECDH-ES with A128GCM / A256GCM (include/mdlg/jwe.h):
 * the crypto core (src/crypto/jwe.c) and the compact layer
 * (src/json/jwe_json.c).
 *
 * Vectors from $MDLG_SHARED/vectors/ext/jwe (skip()ped when absent):
 * OpenID4VP 1.0 section 8.3, RFC 7518 App. C (Concat KDF), the
 * wallet-framework-dotnet mdoc and SD-JWT responses, RFC 7520 5.4 / 5.5
 * (other algorithms: rejected as unsupported, 5.5's Concat KDF checked).
 * Round trips and the tampering table need no files.
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

#include "mdlg/jwe.h"
#include "mdlg/limits.h"
#include "testutil.h"

#define JWE_DIR "vectors/ext/jwe/"
#define OID4VP JWE_DIR "openid4vp-1.0-sec8.3-encrypted-response.json"
#define RFC7518C JWE_DIR "rfc7518-appendixC-ecdh-es-concat-kdf.json"
#define WF JWE_DIR "wallet-framework-dotnet/"
#define WF_MDOC WF "oid4vp-mdoc-response-ecdh-es-a256gcm"
#define WF_SDJWT WF "oid4vp-sdjwt-response-ecdh-es-a256gcm"
#define CB JWE_DIR "ietf-jose-cookbook/jwe/"
#define CB54 CB "5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json"
#define CB55 CB "5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json"

#define B(p, n) mdlg_bytes_make((p), (n))
#define S(s) mdlg_bytes_make((s), strlen(s))

static void assert_err_at(mdlg_err got, mdlg_err want, const char *what, const char *file,
                          int line)
{
    if (got != want)
        fail_msg("%s:%d: %s: got %s (%d), want %s (%d)", file, line, what ? what : "",
                 mdlg_err_name(got), got, mdlg_err_name(want), want);
}
#define assert_err(got, want) assert_err_at((got), (want), NULL, __FILE__, __LINE__)

/* --- loading --- */

static uint8_t *shared_file(const char *rel, size_t *len)
{
    if (mdlg_test_shared() == NULL)
        skip();
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL)
        fail_msg("missing shared file %s", rel);
    uint8_t *data = mdlg_test_read_file(path, len);
    free(path);
    assert_non_null(data);
    return data;
}

static json_t *shared_json(const char *rel)
{
    size_t len;
    uint8_t *text = shared_file(rel, &len);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)text, len, 0, &jerr);
    free(text);
    assert_non_null(root);
    return root;
}

static const char *jstr(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s == NULL)
        fail_msg("vector lacks \"%s\"", key);
    return s;
}

/* A base64url field decoded into a malloc'd buffer. */
static uint8_t *jb64(json_t *obj, const char *key, size_t *len)
{
    uint8_t *b = mdlg_test_b64url_decode(jstr(obj, key), len);
    assert_non_null(b);
    return b;
}

/* The private key of an EC JWK with "d"; its x/y must match the JWK's. */
static mdlg_pkey *jwk_private(json_t *jwk)
{
    struct mdlg_bytes crvname = S(jstr(jwk, "crv"));
    enum mdlg_curve crv = mdlg_jwe_crv_from_name(crvname);
    assert_int_not_equal(crv, MDLG_CRV_NONE);
    size_t dl, xl, yl;
    uint8_t *d = jb64(jwk, "d", &dl), *x = jb64(jwk, "x", &xl), *y = jb64(jwk, "y", &yl);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_from_private(crv, d, dl, &k), MDLG_E_OK);
    uint8_t gx[66], gy[66];
    assert_err(mdlg_pkey_get_xy(k, gx, gy), MDLG_E_OK);
    assert_int_equal(xl, mdlg_curve_size(crv));
    assert_memory_equal(gx, x, xl);
    assert_memory_equal(gy, y, yl);
    free(d);
    free(x);
    free(y);
    return k;
}

/* The public part of an EC JWK. */
static mdlg_pkey *jwk_public(json_t *jwk)
{
    enum mdlg_curve crv = mdlg_jwe_crv_from_name(S(jstr(jwk, "crv")));
    size_t xl, yl;
    uint8_t *x = jb64(jwk, "x", &xl), *y = jb64(jwk, "y", &yl);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_from_ec_xy(crv, x, xl, y, yl, &k), MDLG_E_OK);
    free(x);
    free(y);
    return k;
}

static void hex_eq(const uint8_t *got, size_t n, const char *want_hex)
{
    size_t wl;
    uint8_t *want = mdlg_test_unhex(want_hex, &wl);
    assert_non_null(want);
    assert_int_equal(n, wl);
    if (memcmp(got, want, n) != 0)
        fail_msg("got %s, want %s", mdlg_test_hex_encode(got, n), want_hex);
    free(want);
}

/* The decoded protected header of a compact JWE. */
static json_t *compact_header(const char *jwe)
{
    char *seg = strndup(jwe, strcspn(jwe, "."));
    size_t n;
    uint8_t *h = mdlg_test_b64url_decode(seg, &n);
    json_error_t jerr;
    json_t *hdr = json_loadb((const char *)h, n, 0, &jerr);
    assert_non_null(hdr);
    free(seg);
    free(h);
    return hdr;
}

static mdlg_err decrypt(const mdlg_pkey *k, const char *jwe, uint8_t **pt, size_t *ptlen,
                        struct mdlg_jwe_info *info, struct mdlg_diag *diag)
{
    return mdlg_jwe_decrypt_compact(k, jwe, strlen(jwe), pt, ptlen, info, diag);
}

/* --- vectors --- */

/* Z and CEK from the header's epk and the recipient key, against our check's values. */
static void check_z_and_cek(const mdlg_pkey *k, json_t *hdr, json_t *check)
{
    mdlg_pkey *epk = jwk_public(json_object_get(hdr, "epk"));
    uint8_t z[66], cek[32];
    size_t zl = 0, apul = 0, apvl = 0;
    assert_err(mdlg_ecdh(k, epk, z, &zl), MDLG_E_OK);
    hex_eq(z, zl, jstr(check, "Z_hex"));
    const char *apu = json_string_value(json_object_get(hdr, "apu"));
    const char *apv = json_string_value(json_object_get(hdr, "apv"));
    uint8_t *apub = apu ? mdlg_test_b64url_decode(apu, &apul) : NULL;
    uint8_t *apvb = apv ? mdlg_test_b64url_decode(apv, &apvl) : NULL;
    enum mdlg_jwe_enc enc = mdlg_jwe_enc_from_name(S(jstr(hdr, "enc")));
    assert_err(mdlg_jwe_concat_kdf(B(z, zl), S(jstr(hdr, "enc")), B(apub, apul), B(apvb, apvl),
                                   cek, (size_t)enc), MDLG_E_OK);
    if (json_object_get(check, "cek_hex") != NULL)
        hex_eq(cek, (size_t)enc, jstr(check, "cek_hex"));
    free(apub);
    free(apvb);
    mdlg_pkey_free(epk);
}

static void test_oid4vp_1_0_sec8_3(void **state)
{
    (void)state;
    json_t *v = shared_json(OID4VP);
    mdlg_pkey *k = jwk_private(json_object_get(v, "recipient_private_jwk"));
    const char *jwe = jstr(v, "jwe_compact");
    json_t *hdr = compact_header(jwe);
    assert_true(json_equal(hdr, json_object_get(v, "expected_protected_header")));
    check_z_and_cek(k, hdr, json_object_get(v, "computed_by_our_check"));
    uint8_t *pt = NULL;
    size_t n = 0;
    struct mdlg_jwe_info info;
    assert_err(decrypt(k, jwe, &pt, &n, &info, NULL), MDLG_E_OK);
    assert_int_equal(pt[n], '\0');
    json_error_t jerr;
    json_t *payload = json_loadb((const char *)pt, n, 0, &jerr);
    assert_non_null(payload);
    assert_true(json_equal(payload, json_object_get(v, "expected_payload_json")));
    assert_int_equal(info.enc, MDLG_JWE_A128GCM);
    assert_int_equal(info.crv, MDLG_CRV_P256);
    assert_true(info.has_kid);
    assert_string_equal(info.kid, "ac");
    assert_false(info.has_apu || info.has_apv);
    free(pt);
    json_decref(payload);
    json_decref(hdr);
    mdlg_pkey_free(k);
    json_decref(v);
}

static void test_rfc7518_appendix_c(void **state)
{
    (void)state;
    json_t *v = shared_json(RFC7518C);
    mdlg_pkey *alice = jwk_private(json_object_get(v, "sender_ephemeral_private_jwk"));
    mdlg_pkey *bob = jwk_private(json_object_get(v, "recipient_private_jwk"));
    uint8_t z1[66], z2[66], key[16];
    size_t n1 = 0, n2 = 0, apul, apvl;
    assert_err(mdlg_ecdh(bob, alice, z1, &n1), MDLG_E_OK);
    assert_err(mdlg_ecdh(alice, bob, z2, &n2), MDLG_E_OK);
    hex_eq(z1, n1, jstr(v, "Z_hex"));
    hex_eq(z2, n2, jstr(v, "Z_hex"));
    json_t *hdr = json_object_get(v, "protected_header");
    uint8_t *apu = jb64(hdr, "apu", &apul), *apv = jb64(hdr, "apv", &apvl);
    assert_memory_equal(apu, "Alice", 5);
    assert_int_equal(json_integer_value(json_object_get(v, "keydatalen_bits")), 128);
    assert_err(mdlg_jwe_concat_kdf(B(z1, n1), S("A128GCM"), B(apu, apul), B(apv, apvl), key, 16),
               MDLG_E_OK);
    hex_eq(key, 16, jstr(v, "derived_key_hex"));
    /* the same keys through the compact layer: Alice's epk, "Alice"/"Bob", A128GCM */
    struct mdlg_jwe_encrypt_opts o = { .enc = MDLG_JWE_A128GCM, .apu = B(apu, apul),
                                       .apv = B(apv, apvl), .eph = alice };
    char *jwe = NULL;
    size_t jl = 0;
    uint8_t *pt = NULL;
    assert_err(mdlg_jwe_encrypt_compact(bob, &o, (const uint8_t *)"Bob's", 5, &jwe, &jl), MDLG_E_OK);
    json_t *got = compact_header(jwe);
    assert_string_equal(jstr(json_object_get(got, "epk"), "x"),
                        jstr(json_object_get(hdr, "epk"), "x"));
    assert_string_equal(jstr(got, "apu"), "QWxpY2U");
    assert_string_equal(jstr(got, "apv"), "Qm9i");
    assert_err(decrypt(bob, jwe, &pt, &n1, NULL, NULL), MDLG_E_OK);
    assert_memory_equal(pt, "Bob's", 5);
    free(pt);
    free(jwe);
    json_decref(got);
    free(apu);
    free(apv);
    mdlg_pkey_free(alice);
    mdlg_pkey_free(bob);
    json_decref(v);
}

/* state: the vector's base path (without .json). */
static void test_wallet_framework(void **state)
{
    const char *base = *state;
    char rel[256];
    snprintf(rel, sizeof rel, "%s.json", base);
    json_t *v = shared_json(rel);
    snprintf(rel, sizeof rel, "%s.plaintext.json", base);
    size_t wantlen, n = 0;
    uint8_t *want = shared_file(rel, &wantlen), *pt = NULL;
    mdlg_pkey *k = jwk_private(json_object_get(v, "recipient_private_jwk"));
    const char *jwe = jstr(v, "jwe_compact");
    json_t *check = json_object_get(v, "computed_by_our_check");
    json_t *hdr = compact_header(jwe);
    if (json_object_get(check, "Z_hex") != NULL)
        check_z_and_cek(k, hdr, check);
    struct mdlg_jwe_info info;
    assert_err(decrypt(k, jwe, &pt, &n, &info, NULL), MDLG_E_OK);
    assert_int_equal(n, wantlen);
    assert_memory_equal(pt, want, n);
    assert_int_equal(info.enc, MDLG_JWE_A256GCM);
    assert_true(info.has_apv);
    const char *apu = json_string_value(json_object_get(check, "apu_utf8"));
    assert_int_equal(info.has_apu, json_object_get(hdr, "apu") != NULL);
    if (apu != NULL) {   /* ISO 18013-7 Annex B: apu is the mdoc generated nonce */
        assert_int_equal(info.apu_len, strlen(apu));
        assert_memory_equal(info.apu, apu, info.apu_len);
    }
    assert_string_equal(info.kid, jstr(hdr, "kid"));
    free(pt);
    free(want);
    json_decref(hdr);
    mdlg_pkey_free(k);
    json_decref(v);
}

/* The mdoc vector's vp_token holds a CBOR DeviceResponse {status 0, version "1.0", documents}. */
static void test_wallet_framework_mdoc_payload(void **state)
{
    (void)state;
    json_t *v = shared_json(WF_MDOC ".json");
    mdlg_pkey *k = jwk_private(json_object_get(v, "recipient_private_jwk"));
    uint8_t *pt = NULL;
    size_t n = 0, dl = 0;
    assert_err(decrypt(k, jstr(v, "jwe_compact"), &pt, &n, NULL, NULL), MDLG_E_OK);
    json_error_t jerr;
    json_t *p = json_loadb((const char *)pt, n, 0, &jerr);
    json_t *tok = json_array_get(json_object_get(json_object_get(p, "vp_token"),
                                                 "eu.europa.ec.eudi.pid.1"), 0);
    assert_non_null(json_string_value(tok));
    uint8_t *dr = mdlg_test_b64url_decode(json_string_value(tok), &dl);
    assert_non_null(dr);
    static const uint8_t head[] = { 0xa3, 0x66, 's', 't', 'a', 't', 'u', 's', 0x00 };
    assert_true(dl > sizeof head);
    assert_memory_equal(dr, head, sizeof head);
    free(dr);
    json_decref(p);
    free(pt);
    mdlg_pkey_free(k);
    json_decref(v);
}

/* state: cookbook file; both use algorithms outside ECDH-ES + AES-GCM. */
struct cookbook {
    const char *rel;
    const char *path;   /* expected diagnostic path */
};

static void test_cookbook_unsupported(void **state)
{
    const struct cookbook *c = *state;
    json_t *v = shared_json(c->rel);
    mdlg_pkey *k = jwk_private(json_object_get(json_object_get(v, "input"), "key"));
    const char *jwe = jstr(json_object_get(v, "output"), "compact");
    uint8_t *pt = (uint8_t *)"untouched";
    size_t n = 7;
    struct mdlg_diag diag = { 0 };
    assert_err(decrypt(k, jwe, &pt, &n, NULL, &diag), MDLG_E_DECRYPT_UNSUPPORTED);
    assert_int_equal(diag.code, MDLG_E_DECRYPT_UNSUPPORTED);
    assert_string_equal(diag.path, c->path);
    assert_string_equal((const char *)pt, "untouched");
    assert_int_equal(n, 7);
    mdlg_pkey_free(k);
    json_decref(v);
}

/* RFC 7520 5.5: ECDH-ES direct with a 256-bit CEK; our Concat KDF must give the cookbook's cek. */
static void test_cookbook_5_5_concat_kdf(void **state)
{
    (void)state;
    json_t *v = shared_json(CB55);
    mdlg_pkey *k = jwk_private(json_object_get(json_object_get(v, "input"), "key"));
    json_t *ek = json_object_get(v, "encrypting_key");
    mdlg_pkey *eph = jwk_private(json_object_get(ek, "epk"));
    uint8_t z[66], z2[66], cek[32];
    size_t zl = 0, z2l = 0, wantl = 0;
    assert_err(mdlg_ecdh(k, eph, z, &zl), MDLG_E_OK);
    assert_err(mdlg_ecdh(eph, k, z2, &z2l), MDLG_E_OK);
    assert_memory_equal(z, z2, zl);
    assert_err(mdlg_jwe_concat_kdf(B(z, zl), S("A128CBC-HS256"), B(NULL, 0), B(NULL, 0), cek, 32),
               MDLG_E_OK);
    uint8_t *want = jb64(ek, "cek", &wantl);
    assert_int_equal(wantl, 32);
    assert_memory_equal(cek, want, 32);
    free(want);
    mdlg_pkey_free(k);
    mdlg_pkey_free(eph);
    json_decref(v);
}

/* --- without files --- */

static void test_concat_kdf_rounds(void **state)
{
    (void)state;
    uint8_t z[32] = { 7 }, a[64], b[64], c[16];
    /* 64 bytes = two SHA-256 rounds; the first 32 differ from a 32-byte key (keydatalen differs) */
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), B(NULL, 0), B(NULL, 0), a, 64), MDLG_E_OK);
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), B(NULL, 0), B(NULL, 0), b, 32), MDLG_E_OK);
    assert_memory_not_equal(a, b, 32);
    assert_memory_not_equal(a, a + 32, 32);
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), S("u"), B(NULL, 0), c, 16), MDLG_E_OK);
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), B(NULL, 0), S("u"), b, 16), MDLG_E_OK);
    assert_memory_not_equal(b, c, 16);   /* apu and apv are not interchangeable */
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), B(NULL, 0), B(NULL, 0), a, 0), MDLG_E_USAGE);
    assert_err(mdlg_jwe_concat_kdf(B(z, 32), S("X"), B(NULL, 0), B(NULL, 0), a, 65), MDLG_E_USAGE);
    assert_err(mdlg_jwe_concat_kdf(B(NULL, 0), S("X"), B(NULL, 0), B(NULL, 0), a, 16),
               MDLG_E_USAGE);
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(mdlg_jwe_enc_from_name(S("A128GCM")), MDLG_JWE_A128GCM);
    assert_int_equal(mdlg_jwe_enc_from_name(S("A256GCM")), MDLG_JWE_A256GCM);
    assert_int_equal(mdlg_jwe_enc_from_name(S("A192GCM")), MDLG_JWE_ENC_UNKNOWN);
    assert_int_equal(mdlg_jwe_enc_from_name(S("A128GCM ")), MDLG_JWE_ENC_UNKNOWN);
    assert_int_equal(mdlg_jwe_enc_from_name(B("A128GCM", 6)), MDLG_JWE_ENC_UNKNOWN);
    assert_string_equal(mdlg_jwe_enc_name(MDLG_JWE_A256GCM), "A256GCM");
    assert_null(mdlg_jwe_enc_name(MDLG_JWE_ENC_UNKNOWN));
    assert_int_equal(mdlg_jwe_crv_from_name(S("P-521")), MDLG_CRV_P521);
    assert_int_equal(mdlg_jwe_crv_from_name(S("secp256k1")), MDLG_CRV_NONE);
    assert_string_equal(mdlg_jwe_crv_name(MDLG_CRV_P384), "P-384");
    assert_null(mdlg_jwe_crv_name(MDLG_CRV_X25519));
}

static const struct {
    enum mdlg_curve crv;
    enum mdlg_jwe_enc enc;
    bool party;
} g_trips[] = {
    { MDLG_CRV_P256, MDLG_JWE_A128GCM, false }, { MDLG_CRV_P256, MDLG_JWE_A256GCM, true },
    { MDLG_CRV_P384, MDLG_JWE_A128GCM, true },  { MDLG_CRV_P384, MDLG_JWE_A256GCM, false },
    { MDLG_CRV_P521, MDLG_JWE_A128GCM, false }, { MDLG_CRV_P521, MDLG_JWE_A256GCM, true },
    { MDLG_CRV_P256, MDLG_JWE_ENC_UNKNOWN, false },   /* default: A128GCM */
};

static void test_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_trips / sizeof g_trips[0]; i++) {
        mdlg_pkey *k = NULL;
        assert_err(mdlg_pkey_generate(g_trips[i].crv, &k), MDLG_E_OK);
        static const char msg[] = "{\"vp_token\":{\"mdl\":[\"o2d2ZXJzaW9u\"]}}";
        struct mdlg_jwe_encrypt_opts o = { .enc = g_trips[i].enc, .kid = "reader-1" };
        if (g_trips[i].party) {
            o.apu = S("mdoc-nonce");
            o.apv = S("verifier-nonce");
        }
        char *jwe = NULL;
        size_t jl = 0, n = 0;
        uint8_t *pt = NULL;
        assert_err(mdlg_jwe_encrypt_compact(k, &o, (const uint8_t *)msg, strlen(msg), &jwe, &jl),
                   MDLG_E_OK);
        assert_int_equal(jl, strlen(jwe));
        struct mdlg_jwe_info info;
        assert_err(decrypt(k, jwe, &pt, &n, &info, NULL), MDLG_E_OK);
        assert_int_equal(n, strlen(msg));
        assert_memory_equal(pt, msg, n);
        assert_int_equal(info.crv, g_trips[i].crv);
        assert_int_equal(info.enc, g_trips[i].enc ? g_trips[i].enc : MDLG_JWE_A128GCM);
        assert_string_equal(info.kid, "reader-1");
        assert_int_equal(info.has_apu, g_trips[i].party);
        assert_int_equal(info.apv_len, g_trips[i].party ? 14 : 0);
        free(pt);
        free(jwe);
        mdlg_pkey_free(k);
    }
}

/* Empty plaintext and a fixed IV; two encryptions with fresh keys differ. */
static void test_roundtrip_edges(void **state)
{
    (void)state;
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    static const uint8_t iv[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    struct mdlg_jwe_encrypt_opts o = { .iv = iv };
    char *a = NULL, *b = NULL;
    size_t al, bl, n = 5;
    uint8_t *pt = NULL;
    assert_err(mdlg_jwe_encrypt_compact(k, &o, NULL, 0, &a, &al), MDLG_E_OK);
    assert_non_null(strstr(a, "..AQIDBAUGBwgJCgsM.."));   /* empty key, fixed IV, empty ct */
    assert_err(decrypt(k, a, &pt, &n, NULL, NULL), MDLG_E_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pt[0], '\0');
    free(pt);
    assert_err(mdlg_jwe_encrypt_compact(k, &o, NULL, 0, &b, &bl), MDLG_E_OK);
    assert_string_not_equal(a, b);   /* a fresh ephemeral key each time */
    free(a);
    free(b);
    /* usage errors */
    mdlg_pkey *ed = NULL;
    assert_err(mdlg_pkey_generate(MDLG_CRV_ED25519, &ed), MDLG_E_OK);
    assert_err(mdlg_jwe_encrypt_compact(ed, NULL, (const uint8_t *)"x", 1, &a, &al), MDLG_E_USAGE);
    o.enc = (enum mdlg_jwe_enc)24;
    assert_err(mdlg_jwe_encrypt_compact(k, &o, (const uint8_t *)"x", 1, &a, &al), MDLG_E_USAGE);
    assert_err(mdlg_jwe_decrypt_compact(NULL, "a.b.c.d.e", 9, &pt, &n, NULL, NULL), MDLG_E_USAGE);
    mdlg_pkey_free(ed);
    mdlg_pkey_free(k);
}

/* --- tampering: one JWE, changed one way per row --- */

static char *b64url(const void *p, size_t n)
{
    size_t m = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(m);
    sodium_bin2base64(s, m, n ? p : (const void *)"", n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

/* The five parts of a compact JWE as strings. */
struct parts {
    char *p[5];
};

static void split5(const char *jwe, struct parts *out)
{
    const char *s = jwe;
    for (int i = 0; i < 5; i++) {
        const char *dot = i < 4 ? strchr(s, '.') : s + strlen(s);
        assert_non_null(dot);
        out->p[i] = strndup(s, (size_t)(dot - s));
        s = dot + 1;
    }
}

static char *join5(const struct parts *x)
{
    size_t n = 5;
    for (int i = 0; i < 5; i++)
        n += strlen(x->p[i]);
    char *s = malloc(n);
    snprintf(s, n, "%s.%s.%s.%s.%s", x->p[0], x->p[1], x->p[2], x->p[3], x->p[4]);
    return s;
}

static void free5(struct parts *x)
{
    for (int i = 0; i < 5; i++)
        free(x->p[i]);
}

/* Replaces part i with the base64url of bytes (or with raw text if raw). */
static void set_part(struct parts *x, int i, const void *p, size_t n, bool raw)
{
    free(x->p[i]);
    x->p[i] = raw ? strndup(p, n) : b64url(p, n);
}

/* Flips bit 0 of byte `at` (from the end if negative) of decoded part i. */
static void flip(struct parts *x, int i, long at)
{
    size_t n;
    uint8_t *b = mdlg_test_b64url_decode(x->p[i], &n);
    assert_non_null(b);
    b[at >= 0 ? (size_t)at : n - (size_t)(-at)] ^= 1;
    set_part(x, i, b, n, false);
    free(b);
}

/* Header mutation: set key (dotted "epk.x" for one level) to JSON text, or delete it (NULL). */
static void set_header(struct parts *x, const char *key, const char *json_text)
{
    json_t *h = compact_header(x->p[0]), *obj = h;
    char k[32];
    snprintf(k, sizeof k, "%s", key);
    char *dot = strchr(k, '.');
    if (dot != NULL) {
        *dot = '\0';
        obj = json_object_get(h, k);
        memmove(k, dot + 1, strlen(dot + 1) + 1);
    }
    if (json_text == NULL) {
        json_object_del(obj, k);
    } else {
        json_error_t jerr;
        json_t *val = json_loads(json_text, JSON_DECODE_ANY, &jerr);
        assert_non_null(val);
        json_object_set_new(obj, k, val);
    }
    char *text = json_dumps(h, JSON_COMPACT);
    set_part(x, 0, text, strlen(text), false);
    free(text);
    json_decref(h);
}

enum op { O_NONE, O_FLIP, O_HDR, O_RAW_HDR, O_PART, O_RAW_PART, O_WRONG_KEY, O_TEXT };

struct tamper {
    const char *what;
    enum op op;
    int part;
    long at;             /* O_FLIP: byte */
    const char *key;     /* O_HDR: header key; O_PART/O_RAW_PART/O_RAW_HDR/O_TEXT: the text */
    const char *val;     /* O_HDR: JSON value text, NULL to delete */
    mdlg_err want;
    const char *path;    /* expected diag path, NULL to skip the check */
};

static const struct tamper g_tampers[] = {
    { "unchanged", O_NONE, 0, 0, NULL, NULL, MDLG_E_OK, NULL },
    { "tag bit", O_FLIP, 4, -1, NULL, NULL, MDLG_E_DECRYPT_FAILED, "tag" },
    { "ciphertext bit", O_FLIP, 3, 0, NULL, NULL, MDLG_E_DECRYPT_FAILED, "tag" },
    { "iv bit", O_FLIP, 2, 5, NULL, NULL, MDLG_E_DECRYPT_FAILED, "tag" },
    { "wrong key", O_WRONG_KEY, 0, 0, NULL, NULL, MDLG_E_DECRYPT_FAILED, "tag" },
    { "header kid changed (AAD)", O_HDR, 0, 0, "kid", "\"other\"", MDLG_E_DECRYPT_FAILED, "tag" },
    { "header member added (AAD)", O_HDR, 0, 0, "typ", "\"JWT\"", MDLG_E_DECRYPT_FAILED, "tag" },
    { "enc A128GCM -> A256GCM", O_HDR, 0, 0, "enc", "\"A256GCM\"", MDLG_E_DECRYPT_FAILED, "tag" },
    { "apu added", O_HDR, 0, 0, "apu", "\"QWxpY2U\"", MDLG_E_DECRYPT_FAILED, "tag" },
    { "enc A192GCM", O_HDR, 0, 0, "enc", "\"A192GCM\"", MDLG_E_DECRYPT_UNSUPPORTED,
      "protected.enc" },
    { "enc A128CBC-HS256", O_HDR, 0, 0, "enc", "\"A128CBC-HS256\"", MDLG_E_DECRYPT_UNSUPPORTED,
      "protected.enc" },
    { "enc missing", O_HDR, 0, 0, "enc", NULL, MDLG_E_DECRYPT_HEADER_INVALID, "protected.enc" },
    { "enc a number", O_HDR, 0, 0, "enc", "128", MDLG_E_DECRYPT_HEADER_INVALID, NULL },
    { "alg ECDH-ES+A128KW", O_HDR, 0, 0, "alg", "\"ECDH-ES+A128KW\"", MDLG_E_DECRYPT_UNSUPPORTED,
      "protected.alg" },
    { "alg dir", O_HDR, 0, 0, "alg", "\"dir\"", MDLG_E_DECRYPT_UNSUPPORTED, "protected.alg" },
    { "alg missing", O_HDR, 0, 0, "alg", NULL, MDLG_E_DECRYPT_HEADER_INVALID, "protected.alg" },
    { "alg null", O_HDR, 0, 0, "alg", "null", MDLG_E_DECRYPT_HEADER_INVALID, NULL },
    { "epk missing", O_HDR, 0, 0, "epk", NULL, MDLG_E_DECRYPT_HEADER_INVALID, "protected.epk" },
    { "epk a string", O_HDR, 0, 0, "epk", "\"k\"", MDLG_E_DECRYPT_HEADER_INVALID,
      "protected.epk" },
    { "epk.x missing", O_HDR, 0, 0, "epk.x", NULL, MDLG_E_DECRYPT_HEADER_INVALID,
      "protected.epk" },
    { "epk.kty missing", O_HDR, 0, 0, "epk.kty", NULL, MDLG_E_DECRYPT_HEADER_INVALID, NULL },
    { "epk.kty OKP", O_HDR, 0, 0, "epk.kty", "\"OKP\"", MDLG_E_DECRYPT_UNSUPPORTED,
      "protected.epk" },
    { "epk.crv P-192", O_HDR, 0, 0, "epk.crv", "\"P-192\"", MDLG_E_DECRYPT_UNSUPPORTED, NULL },
    { "epk.crv P-384 for a P-256 key", O_HDR, 0, 0, "epk.crv", "\"P-384\"",
      MDLG_E_DECRYPT_KEY_INVALID, "protected.epk" },
    { "epk.x off the curve", O_HDR, 0, 0, "epk.x",
      "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"", MDLG_E_DECRYPT_KEY_INVALID,
      "protected.epk" },
    { "epk.x 31 bytes", O_HDR, 0, 0, "epk.x", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
      MDLG_E_DECRYPT_KEY_INVALID, NULL },
    { "epk.x not base64url", O_HDR, 0, 0, "epk.x", "\"a+b/\"", MDLG_E_DECRYPT_HEADER_INVALID,
      "protected.epk.x/y" },
    { "epk.y a number", O_HDR, 0, 0, "epk.y", "5", MDLG_E_DECRYPT_HEADER_INVALID, NULL },
    { "apu an object", O_HDR, 0, 0, "apu", "{}", MDLG_E_DECRYPT_HEADER_INVALID,
      "protected.apu/apv" },
    { "apv padded", O_HDR, 0, 0, "apv", "\"Qm9i==\"", MDLG_E_DECRYPT_HEADER_INVALID, NULL },
    { "apu over 256 bytes", O_HDR, 0, 0, "apu",
      "\"" "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "\"", MDLG_E_LIMIT_STRING_SIZE, "protected.apu/apv" },
    { "kid a number", O_HDR, 0, 0, "kid", "1", MDLG_E_DECRYPT_HEADER_INVALID, "protected.kid" },
    { "zip DEF", O_HDR, 0, 0, "zip", "\"DEF\"", MDLG_E_DECRYPT_UNSUPPORTED, "protected.zip" },
    { "crit", O_HDR, 0, 0, "crit", "[\"b64\"]", MDLG_E_DECRYPT_UNSUPPORTED, "protected.crit" },
    { "header not JSON", O_RAW_HDR, 0, 0, "{\"alg\":", NULL, MDLG_E_DECRYPT_MALFORMED,
      "protected" },
    { "header an array", O_RAW_HDR, 0, 0, "[\"ECDH-ES\"]", NULL, MDLG_E_DECRYPT_MALFORMED, NULL },
    { "header duplicate key", O_RAW_HDR, 0, 0,
      "{\"alg\":\"ECDH-ES\",\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\"}", NULL,
      MDLG_E_DECRYPT_MALFORMED, NULL },
    { "header empty", O_RAW_PART, 0, 0, "", NULL, MDLG_E_DECRYPT_MALFORMED, "protected" },
    { "encrypted_key present", O_PART, 1, 0, "0123456789abcdef", NULL, MDLG_E_DECRYPT_MALFORMED,
      "encrypted_key" },
    { "iv 8 bytes", O_PART, 2, 0, "01234567", NULL, MDLG_E_DECRYPT_MALFORMED, "iv/tag" },
    { "iv empty", O_RAW_PART, 2, 0, "", NULL, MDLG_E_DECRYPT_MALFORMED, NULL },
    { "tag 15 bytes", O_PART, 4, 0, "0123456789abcde", NULL, MDLG_E_DECRYPT_MALFORMED, "iv/tag" },
    { "ciphertext '+'", O_RAW_PART, 3, 0, "ab+d", NULL, MDLG_E_DECRYPT_MALFORMED, "ciphertext" },
    { "ciphertext padded", O_RAW_PART, 3, 0, "YWI=", NULL, MDLG_E_DECRYPT_MALFORMED, NULL },
    { "ciphertext 5 chars", O_RAW_PART, 3, 0, "YWJjZ", NULL, MDLG_E_DECRYPT_MALFORMED, NULL },
    { "tag trailing bits", O_RAW_PART, 4, 0, "AAAAAAAAAAAAAAAAAAAAAB", NULL,
      MDLG_E_DECRYPT_MALFORMED, "tag" },
    { "four parts", O_TEXT, 0, 0, "e30.AAAA.AAAA.AAAA", NULL, MDLG_E_DECRYPT_MALFORMED, "jwe" },
    { "six parts", O_TEXT, 0, 0, "e30..AAAA.AAAA.AAAA.AAAA", NULL, MDLG_E_DECRYPT_MALFORMED,
      "jwe" },
    { "empty", O_TEXT, 0, 0, "", NULL, MDLG_E_DECRYPT_MALFORMED, "jwe" },
    { "JSON serialization", O_TEXT, 0, 0, "{\"protected\":\"e30\"}", NULL,
      MDLG_E_DECRYPT_MALFORMED, "jwe" },
};

static char *apply_tamper(const struct tamper *t, const char *jwe)
{
    if (t->op == O_TEXT)
        return strdup(t->key);
    struct parts x;
    split5(jwe, &x);
    switch (t->op) {
    case O_FLIP: flip(&x, t->part, t->at); break;
    case O_HDR: set_header(&x, t->key, t->val); break;
    case O_RAW_HDR: set_part(&x, 0, t->key, strlen(t->key), false); break;
    case O_PART: set_part(&x, t->part, t->key, strlen(t->key), false); break;
    case O_RAW_PART: set_part(&x, t->part, t->key, strlen(t->key), true); break;
    default: break;
    }
    char *out = join5(&x);
    free5(&x);
    return out;
}

static void test_tampering(void **state)
{
    (void)state;
    mdlg_pkey *k = NULL, *other = NULL;
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &other), MDLG_E_OK);
    static const char msg[] = "{\"vp_token\":{}}";
    struct mdlg_jwe_encrypt_opts o = { .kid = "ac" };
    char *jwe = NULL;
    size_t jl;
    assert_err(mdlg_jwe_encrypt_compact(k, &o, (const uint8_t *)msg, strlen(msg), &jwe, &jl),
               MDLG_E_OK);
    for (size_t i = 0; i < sizeof g_tampers / sizeof g_tampers[0]; i++) {
        const struct tamper *t = &g_tampers[i];
        char *bad = apply_tamper(t, jwe);
        uint8_t *pt = NULL;
        size_t n = 0;
        struct mdlg_diag diag = { 0 };
        mdlg_err got = decrypt(t->op == O_WRONG_KEY ? other : k, bad, &pt, &n, NULL, &diag);
        assert_err_at(got, t->want, t->what, __FILE__, __LINE__);
        if (got == MDLG_E_OK)
            assert_memory_equal(pt, msg, strlen(msg));
        else
            assert_null(pt);
        if (t->path != NULL && (diag.path == NULL || strcmp(diag.path, t->path) != 0))
            fail_msg("%s: diag path %s, want %s", t->what, diag.path ? diag.path : "(null)",
                     t->path);
        free(pt);
        free(bad);
    }
    free(jwe);
    mdlg_pkey_free(k);
    mdlg_pkey_free(other);
}

/* The spec's own response, tampered: the same codes as our JWEs. */
static void test_oid4vp_tampered(void **state)
{
    (void)state;
    json_t *v = shared_json(OID4VP);
    mdlg_pkey *k = jwk_private(json_object_get(v, "recipient_private_jwk"));
    const char *jwe = jstr(v, "jwe_compact");
    static const size_t rows[] = { 1, 2, 5, 7, 17 };   /* tag, ct, kid, enc, epk missing */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct tamper *t = &g_tampers[rows[i]];
        char *bad = apply_tamper(t, jwe);
        uint8_t *pt = NULL;
        size_t n = 0;
        assert_err_at(decrypt(k, bad, &pt, &n, NULL, NULL), t->want, t->what, __FILE__, __LINE__);
        free(bad);
    }
    /* a public-only recipient key cannot decrypt */
    mdlg_pkey *pub = jwk_public(json_object_get(v, "recipient_private_jwk"));
    uint8_t *pt = NULL;
    size_t n = 0;
    assert_err(decrypt(pub, jwe, &pt, &n, NULL, NULL), MDLG_E_USAGE);
    mdlg_pkey_free(pub);
    mdlg_pkey_free(k);
    json_decref(v);
}

static void test_size_limits(void **state)
{
    (void)state;
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    size_t big = MDLG_MAX_BODY + 1;
    char *s = malloc(big + 1);
    memset(s, 'A', big);
    s[big] = '\0';
    uint8_t *pt = NULL;
    size_t n = 0;
    assert_err(mdlg_jwe_decrypt_compact(k, s, big, &pt, &n, NULL, NULL), MDLG_E_LIMIT_BODY_SIZE);
    /* a protected header over MDLG_JWE_MAX_HEADER */
    size_t hl = MDLG_JWE_MAX_HEADER / 3 * 4 + 8;
    memset(s, 'e', hl);
    memcpy(s + hl, "..AAAA.AAAA.AAAA", 17);
    assert_err(mdlg_jwe_decrypt_compact(k, s, strlen(s), &pt, &n, NULL, NULL),
               MDLG_E_LIMIT_STRING_SIZE);
    free(s);
    mdlg_pkey_free(k);
}

/* xorshift64: a fixed seed, so a failure reproduces. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool is_decrypt_or_limit(mdlg_err e)
{
    return (e >= MDLG_E_DECRYPT_FAILED && e <= MDLG_E_DECRYPT_HEADER_INVALID) ||
           e == MDLG_E_LIMIT_STRING_SIZE;
}

/*
 * Seeded property: any one-character change, deletion or insertion in a
 * valid compact JWE is refused with a DECRYPT_* / LIMIT_* code (strict
 * base64url gives every byte string one encoding, so no edit can survive).
 */
static void test_random_edits_refused(void **state)
{
    (void)state;
    static const char alphabet[] = "ABCXYZabcxyz0189-_.=+/ {\"\"}";
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &k), MDLG_E_OK);
    struct mdlg_jwe_encrypt_opts o = { .apu = S("mdoc"), .apv = S("nonce"), .kid = "k1" };
    char *jwe = NULL;
    size_t jl = 0;
    assert_err(mdlg_jwe_encrypt_compact(k, &o, (const uint8_t *)"{}", 2, &jwe, &jl), MDLG_E_OK);
    char *buf = malloc(jl + 2);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 1500; i++) {
        size_t at = (size_t)(next_rand(&seed) % jl), n = jl;
        char c = alphabet[next_rand(&seed) % (sizeof alphabet - 1)];
        memcpy(buf, jwe, jl + 1);
        switch (next_rand(&seed) % 3) {
        case 0: buf[at] = c; break;
        case 1: memmove(buf + at, buf + at + 1, jl - at); n--; break;
        default: memmove(buf + at + 1, buf + at, jl - at + 1); buf[at] = c; n++; break;
        }
        uint8_t *pt = NULL;
        size_t ptlen = 0;
        mdlg_err got = mdlg_jwe_decrypt_compact(k, buf, n, &pt, &ptlen, NULL, NULL);
        if (n == jl && memcmp(buf, jwe, jl) == 0) {
            assert_err(got, MDLG_E_OK);
            free(pt);
            continue;
        }
        if (!is_decrypt_or_limit(got))
            fail_msg("edit %d at %zu: %s", i, at, mdlg_err_name(got));
        assert_null(pt);
    }
    free(buf);
    free(jwe);
    mdlg_pkey_free(k);
}

static const char *const g_wf[] = { WF_MDOC, WF_SDJWT };
static const struct cookbook g_cb[] = {
    { CB54, "protected.alg" },
    { CB55, "protected.enc" },
};

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oid4vp_1_0_sec8_3),
        cmocka_unit_test(test_rfc7518_appendix_c),
        { "wallet_framework_mdoc", test_wallet_framework, NULL, NULL, (void *)g_wf[0] },
        { "wallet_framework_sdjwt", test_wallet_framework, NULL, NULL, (void *)g_wf[1] },
        cmocka_unit_test(test_wallet_framework_mdoc_payload),
        { "cookbook_5_4_ecdh_es_a128kw_unsupported", test_cookbook_unsupported, NULL, NULL,
          (void *)&g_cb[0] },
        { "cookbook_5_5_a128cbc_hs256_unsupported", test_cookbook_unsupported, NULL, NULL,
          (void *)&g_cb[1] },
        cmocka_unit_test(test_cookbook_5_5_concat_kdf),
        cmocka_unit_test(test_concat_kdf_rounds),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_roundtrip_edges),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_oid4vp_tampered),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_random_edits_refused),
    };
    return cmocka_run_group_tests_name("jwe", tests, NULL, NULL);
}
