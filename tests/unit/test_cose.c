/*
 * test_cose.c - COSE_Sign1, COSE_Mac0 and COSE_Key (src/cose).
 *
 * Five tables, one cmocka test per row:
 *   vectors  external vectors (COSE WG examples, GlueCOSE, go-cose), each with
 *            the code expected under the mDL profile (cose.h) and the stage
 *            that must produce it. For the COSE WG files the test also reads
 *            the message itself and checks *why*: whether the received
 *            structure still matches the upstream ToBeSign/ToMac intermediate,
 *            and whether the tag verifies over that intermediate, so a
 *            rejection is pinned to the mutation the case is about;
 *   parse    hand-built messages for mdlg_cose_parse (structure, protected
 *            bucket, alg, crit, duplicate labels, x5chain);
 *   sign     fresh keys and mutated signatures for mdlg_cose_sign1_verify;
 *   mac      mdlg_cose_mac0_verify;
 *   key      mdlg_cose_key_decode.
 * Vector rows skip() when the shared directory ($MDLG_SHARED, default
 * ../shared) is absent; a file missing from a present shared directory fails.
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

#include "mdlg/cose.h"
#include "testutil.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

#define ITEMS 1024u

#define assert_err(got, want) assert_err_at((got), (want), __FILE__, __LINE__)

static void assert_err_at(mdlg_err got, mdlg_err want, const char *file, int line)
{
    if (got != want) {
        print_error("%s:%d: got %s, want %s\n", file, line, mdlg_err_name(got),
                    mdlg_err_name(want));
        _fail(file, line);
    }
}

/* Hex (spaces allowed) into a malloc'd buffer; fails the test on bad hex. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    uint8_t *p = mdlg_test_unhex(hex, len);
    if (p == NULL) {
        print_error("bad hex in test table: %s\n", hex);
        fail();
    }
    return p;
}

static void assert_bytes_eq(struct mdlg_bytes got, const uint8_t *want, size_t wlen)
{
    if (!mdlg_bytes_eq(got, mdlg_bytes_make(want, wlen))) {
        char *g = mdlg_test_hex_encode(got.ptr, got.len);
        char *w = mdlg_test_hex_encode(want, wlen);
        print_error("bytes differ:\n  got  %s\n  want %s\n", g, w);
        free(g);
        free(w);
        fail();
    }
}

/* One parsed buffer (items on the heap: 1024 items are ~48 KiB). */
struct parsed {
    struct mdlg_cbor_item items[ITEMS];
    struct mdlg_cbor_doc doc;
    struct mdlg_cose_msg msg;
    struct mdlg_diag diag;
};

static struct parsed *parsed_new(void)
{
    struct parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    return p;
}

/* mdlg_cbor_parse then mdlg_cose_parse of item 0. */
static mdlg_err parse_both(struct parsed *p, const uint8_t *buf, size_t len, bool is_mac)
{
    mdlg_err e = mdlg_cbor_parse(&p->doc, buf, len, p->items, ITEMS, NULL);
    assert_err(e, MDLG_E_OK);
    memset(&p->diag, 0, sizeof p->diag);
    return mdlg_cose_parse(&p->doc, 0, is_mac, &p->msg, &p->diag);
}

/* The Sig_structure / MAC_structure mdlg_cose_tbs builds, as a heap copy. */
static uint8_t *tbs_of(bool is_mac, struct mdlg_bytes prot, struct mdlg_bytes aad,
                       struct mdlg_bytes payload, size_t *len)
{
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cose_tbs(&b, is_mac, prot, aad, payload);
    assert_err(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    uint8_t *out = malloc(b.len ? b.len : 1);
    assert_non_null(out);
    memcpy(out, b.ptr, b.len);
    *len = b.len;
    mdlg_cbor_buf_free(&b);
    return out;
}

/* The public half of a key pair, imported the way a verifier receives it. */
static mdlg_pkey *public_of(const mdlg_pkey *k)
{
    uint8_t x[66], y[66];
    enum mdlg_curve crv = mdlg_pkey_curve(k);
    size_t n = mdlg_curve_size(crv);
    bool okp = crv == MDLG_CRV_ED25519 || crv == MDLG_CRV_X25519;
    mdlg_pkey *pub = NULL;
    assert_err(mdlg_pkey_get_xy(k, x, okp ? NULL : y), MDLG_E_OK);
    if (okp)
        assert_err(mdlg_pkey_from_okp(crv, x, n, &pub), MDLG_E_OK);
    else
        assert_err(mdlg_pkey_from_ec_xy(crv, x, n, y, n, &pub), MDLG_E_OK);
    return pub;
}

static mdlg_pkey *generate(enum mdlg_curve crv)
{
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_generate(crv, &k), MDLG_E_OK);
    return k;
}

/* Encodes a protected header {1: alg} (content of the bstr). */
static size_t prot_alg(uint8_t out[16], int64_t alg)
{
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, out, 16);
    mdlg_cbor_put_map(&b, 1);
    mdlg_cbor_put_int(&b, 1);
    mdlg_cbor_put_int(&b, alg);
    assert_err(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    assert_ptr_equal(b.ptr, out);
    return b.len;
}

/*
 * Untagged [prot, unprot, payload, tag]. payload.ptr NULL encodes nil.
 * unprot_hex is an encoded map. (Tags are covered by the parse table.)
 */
static uint8_t *build_msg(struct mdlg_bytes prot, const char *unprot_hex,
                          struct mdlg_bytes payload, struct mdlg_bytes sig, size_t *len)
{
    size_t ulen;
    uint8_t *unprot = unhex(unprot_hex, &ulen);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_array(&b, 4);
    mdlg_cbor_put_bstr(&b, prot.ptr, prot.len);
    mdlg_cbor_put_raw(&b, unprot, ulen);
    if (payload.ptr == NULL)
        mdlg_cbor_put_null(&b);
    else
        mdlg_cbor_put_bstr(&b, payload.ptr, payload.len);
    mdlg_cbor_put_bstr(&b, sig.ptr, sig.len);
    free(unprot);
    assert_err(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    uint8_t *out = malloc(b.len);
    assert_non_null(out);
    memcpy(out, b.ptr, b.len);
    *len = b.len;
    mdlg_cbor_buf_free(&b);
    return out;
}

static const uint8_t g_payload[] = "This is the content.";
static const uint8_t g_other[] = "This is the content!";
#define PAYLOAD mdlg_bytes_make(g_payload, sizeof g_payload - 1)
#define OTHER mdlg_bytes_make(g_other, sizeof g_other - 1)
#define NONE mdlg_bytes_make(NULL, 0)

/* ------------------------------------------------------------------------
 * 1. External vectors
 */

enum stage {
    AT_CBOR,     /* mdlg_cbor_parse of the whole message */
    AT_PARSE,    /* mdlg_cose_parse */
    AT_VERIFY,   /* mdlg_cose_sign1_verify / mdlg_cose_mac0_verify */
};

enum orig {
    ORIG_NA,       /* our API cannot compute the declared alg (HS384, ES512 on P-256, ...) */
    ORIG_VALID,    /* the message's tag is valid over the upstream intermediate */
    ORIG_INVALID,  /* it is not (the tag itself was changed) */
};

enum vfmt { WG, GLUE };

struct vcase {
    const char *file;   /* relative to the shared directory */
    enum vfmt fmt;
    bool mac;
    mdlg_err want;
    enum stage stage;
    bool tbs_equal;     /* WG: the received structure equals intermediates.ToBeSign/ToMac */
    enum orig orig;     /* WG */
    const char *why;
};

#define WGD "vectors/ext/cose-wg-examples/"
#define GLD "vectors/ext/gluecose-test-vectors/"
#define GOD "vectors/ext/go-cose-testdata/"

/*
 * Expected codes from reading each file's output.cbor, not its title:
 * sign-pass-02 and HMac-01 carry alg in the *protected* bucket (h'a10126',
 * h'a10105') and pass; only sign-pass-01 and mac-pass-01/02/03 have alg
 * unprotected only. sign-fail-02 ("Change signature") actually changes the
 * last payload byte. A vector's "intermediates" describe the message before
 * the case's mutation, which the tbs_equal/orig columns exploit.
 */
static const struct vcase g_vectors[] = {
    /* sign1-tests: ES256 on the RFC 8152 C.2.1 key */
    { WGD "sign1-tests/sign-fail-01.json", WG, false, MDLG_E_COSE_TAG_UNEXPECTED, AT_PARSE, true,
      ORIG_VALID, "tag 998 around an otherwise valid Sign1" },
    { WGD "sign1-tests/sign-fail-02.json", WG, false, MDLG_E_COSE_SIGNATURE_INVALID, AT_VERIFY,
      false, ORIG_VALID, "payload changed after signing ('.' -> '/')" },
    { WGD "sign1-tests/sign-fail-03.json", WG, false, MDLG_E_COSE_ALG_UNSUPPORTED, AT_VERIFY,
      false, ORIG_VALID, "protected alg changed to -999" },
    { WGD "sign1-tests/sign-fail-04.json", WG, false, MDLG_E_COSE_ALG_UNSUPPORTED, AT_PARSE,
      false, ORIG_VALID, "protected alg changed to the text \"unknown\"" },
    { WGD "sign1-tests/sign-fail-06.json", WG, false, MDLG_E_COSE_SIGNATURE_INVALID, AT_VERIFY,
      false, ORIG_VALID, "cty 0 added to the protected header after signing" },
    { WGD "sign1-tests/sign-fail-07.json", WG, false, MDLG_E_COSE_SIGNATURE_INVALID, AT_VERIFY,
      false, ORIG_VALID, "cty removed from the protected header after signing" },
    { WGD "sign1-tests/sign-pass-01.json", WG, false, MDLG_E_COSE_ALG_NOT_PROTECTED, AT_PARSE,
      true, ORIG_VALID, "protected h'a0', alg only unprotected (valid COSE, not mDL)" },
    { WGD "sign1-tests/sign-pass-02.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "external AAD; alg protected" },
    { WGD "sign1-tests/sign-pass-03.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "untagged" },
    /* mac0-tests: HMAC 256/256 */
    { WGD "mac0-tests/HMac-01.json", WG, true, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "alg 5 protected, tagged" },
    { WGD "mac0-tests/mac-fail-01.json", WG, true, MDLG_E_COSE_TAG_UNEXPECTED, AT_PARSE, true,
      ORIG_VALID, "tag 992 around an otherwise valid Mac0" },
    { WGD "mac0-tests/mac-fail-02.json", WG, true, MDLG_E_COSE_MAC_INVALID, AT_VERIFY, true,
      ORIG_INVALID, "last tag byte changed" },
    { WGD "mac0-tests/mac-fail-03.json", WG, true, MDLG_E_COSE_ALG_UNSUPPORTED, AT_VERIFY, false,
      ORIG_VALID, "protected alg changed to -999" },
    { WGD "mac0-tests/mac-fail-04.json", WG, true, MDLG_E_COSE_ALG_UNSUPPORTED, AT_PARSE, false,
      ORIG_VALID, "protected alg changed to the text \"Unknown\"" },
    { WGD "mac0-tests/mac-fail-06.json", WG, true, MDLG_E_COSE_MAC_INVALID, AT_VERIFY, false,
      ORIG_VALID, "cty added to the protected header after MACing" },
    { WGD "mac0-tests/mac-fail-07.json", WG, true, MDLG_E_COSE_MAC_INVALID, AT_VERIFY, false,
      ORIG_VALID, "cty removed from the protected header after MACing" },
    { WGD "mac0-tests/mac-pass-01.json", WG, true, MDLG_E_COSE_ALG_NOT_PROTECTED, AT_PARSE, true,
      ORIG_VALID, "protected h'a0', alg only unprotected" },
    { WGD "mac0-tests/mac-pass-02.json", WG, true, MDLG_E_COSE_ALG_NOT_PROTECTED, AT_PARSE, true,
      ORIG_VALID, "protected h'', alg only unprotected, external AAD" },
    { WGD "mac0-tests/mac-pass-03.json", WG, true, MDLG_E_COSE_ALG_NOT_PROTECTED, AT_PARSE, true,
      ORIG_VALID, "untagged, protected h'', alg only unprotected" },
    /* hmac-examples */
    { WGD "hmac-examples/HMac-enc-01.json", WG, true, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "HMAC 256/256" },
    { WGD "hmac-examples/HMac-enc-02.json", WG, true, MDLG_E_COSE_ALG_UNSUPPORTED, AT_VERIFY, true,
      ORIG_NA, "HMAC 384/384 (alg 6): not the mDL MAC" },
    { WGD "hmac-examples/HMac-enc-03.json", WG, true, MDLG_E_COSE_ALG_UNSUPPORTED, AT_VERIFY, true,
      ORIG_NA, "HMAC 512/512 (alg 7): not the mDL MAC" },
    { WGD "hmac-examples/HMac-enc-04.json", WG, true, MDLG_E_COSE_MAC_INVALID, AT_VERIFY, true,
      ORIG_INVALID, "HMAC 256/256 with the last tag byte changed" },
    { WGD "hmac-examples/HMac-enc-05.json", WG, true, MDLG_E_COSE_ALG_UNSUPPORTED, AT_VERIFY, true,
      ORIG_VALID, "HMAC 256/64 (alg 4, 8-byte tag): valid, but not the mDL MAC" },
    /* ecdsa-examples */
    { WGD "ecdsa-examples/ecdsa-sig-01.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "ES256, protected {alg, cty}" },
    { WGD "ecdsa-examples/ecdsa-sig-02.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "ES384 on P-384" },
    { WGD "ecdsa-examples/ecdsa-sig-03.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "ES512 on P-521" },
    { WGD "ecdsa-examples/ecdsa-sig-04.json", WG, false, MDLG_E_COSE_KEY_ALG_MISMATCH, AT_VERIFY,
      true, ORIG_NA, "ES512 over a P-256 key" },
    { WGD "RFC8152/Appendix_C_2_1.json", WG, false, MDLG_E_OK, AT_VERIFY, true, ORIG_VALID,
      "RFC 8152 C.2.1 ES256" },
    /* GlueCOSE positives */
    { GLD "sign1-verify-0000.json", GLUE, false, MDLG_E_OK, AT_VERIFY, false, ORIG_NA,
      "ES256 with external AAD" },
    { GLD "sign1-verify-0001.json", GLUE, false, MDLG_E_OK, AT_VERIFY, false, ORIG_NA,
      "ES256, protected {alg, cty}" },
    { GLD "sign1-verify-0002.json", GLUE, false, MDLG_E_OK, AT_VERIFY, false, ORIG_NA, "ES384" },
    { GLD "sign1-verify-0003.json", GLUE, false, MDLG_E_OK, AT_VERIFY, false, ORIG_NA, "ES512" },
    /* go-cose negatives */
    { GOD "sign1-verify-negative-0000.json", GLUE, false, MDLG_E_COSE_PROTECTED_NOT_BSTR, AT_PARSE,
      false, ORIG_NA, "protected header sent as a map" },
    { GOD "sign1-verify-negative-0001.json", GLUE, false, MDLG_E_COSE_PROTECTED_NOT_MAP, AT_PARSE,
      false, ORIG_NA, "protected bstr holds an array" },
    { GOD "sign1-verify-negative-0002.json", GLUE, false, MDLG_E_CBOR_DUPLICATE_KEY, AT_PARSE,
      false, ORIG_NA, "alg twice inside the protected map" },
    { GOD "sign1-verify-negative-0003.json", GLUE, false, MDLG_E_CBOR_DUPLICATE_KEY, AT_CBOR,
      false, ORIG_NA, "kid twice in the unprotected map (rejected by the CBOR reader)" },
};

/* Loads a shared JSON file: skip() without a shared directory, fail if it lacks the file. */
static json_t *load_vector(const char *rel)
{
    if (mdlg_test_shared() == NULL) {
        print_message("no shared directory ($MDLG_SHARED or ../shared): skipping %s\n", rel);
        skip();
    }
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL) {
        print_error("%s missing from %s\n", rel, mdlg_test_shared());
        fail();
    }
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL)
        print_error("%s: %s (line %d)\n", path, jerr.text, jerr.line);
    free(path);
    assert_non_null(j);
    return j;
}

/* j["a"]["b"]["0"]... along a '.'-separated path (numbers index arrays); NULL if absent. */
static json_t *jget(json_t *j, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok != NULL && j != NULL; tok = strtok(NULL, ".")) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

static const char *jstr(json_t *j, const char *path)
{
    const char *s = json_string_value(jget(j, path));
    if (s == NULL) {
        print_error("vector lacks string %s\n", path);
        fail();
    }
    return s;
}

static int64_t alg_number(const char *name)
{
    static const struct { const char *name; int64_t alg; } t[] = {
        { "ES256", -7 }, { "ES384", -35 }, { "ES512", -36 }, { "EdDSA", -8 },
        { "HS256", 5 }, { "HS256/64", 4 }, { "HS384", 6 }, { "HS512", 7 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].alg;
    print_error("unknown alg name %s in vector\n", name);
    fail();
    return 0;
}

/* An EC public key from a JWK object (crv, x, y). */
static mdlg_pkey *jwk_public(json_t *jwk)
{
    const char *crv = jstr(jwk, "crv");
    enum mdlg_curve c = strcmp(crv, "P-256") == 0 ? MDLG_CRV_P256
                      : strcmp(crv, "P-384") == 0 ? MDLG_CRV_P384
                      : strcmp(crv, "P-521") == 0 ? MDLG_CRV_P521 : MDLG_CRV_NONE;
    assert_int_not_equal(c, MDLG_CRV_NONE);
    size_t xl, yl;
    uint8_t *x = mdlg_test_b64url_decode(jstr(jwk, "x"), &xl);
    uint8_t *y = mdlg_test_b64url_decode(jstr(jwk, "y"), &yl);
    assert_non_null(x);
    assert_non_null(y);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_from_ec_xy(c, x, xl, y, yl, &k), MDLG_E_OK);
    free(x);
    free(y);
    return k;
}

/* Everything a vector row needs, from either JSON format. */
struct vinput {
    json_t *json;
    uint8_t *msg, *aad, *inter, *sym;
    size_t msg_len, aad_len, inter_len, sym_len;
    mdlg_pkey *pub;
    int64_t alg;        /* declared by the file (input.*.alg or top-level alg) */
};

static void vinput_load(const struct vcase *c, struct vinput *in)
{
    memset(in, 0, sizeof *in);
    in->json = load_vector(c->file);
    json_t *j = in->json;
    const char *aad_hex;
    if (c->fmt == WG) {
        json_t *op = jget(j, c->mac ? "input.mac0" : "input.sign0");
        assert_non_null(op);
        in->msg = unhex(jstr(j, "output.cbor"), &in->msg_len);
        in->inter = unhex(jstr(j, c->mac ? "intermediates.ToMac_hex"
                                         : "intermediates.ToBeSign_hex"), &in->inter_len);
        in->alg = alg_number(jstr(op, "alg"));
        aad_hex = json_string_value(jget(op, "external"));
        if (c->mac)
            in->sym = mdlg_test_b64url_decode(jstr(op, "recipients.0.key.k"), &in->sym_len);
        else
            in->pub = jwk_public(jget(op, "key"));
        if (c->mac)
            assert_non_null(in->sym);
    } else {
        json_t *op = jget(j, "sign1::verify");
        assert_non_null(op);
        in->msg = unhex(jstr(op, "taggedCOSESign1.cborHex"), &in->msg_len);
        in->alg = alg_number(jstr(j, "alg"));
        aad_hex = json_string_value(jget(op, "external"));
        in->pub = jwk_public(jget(j, "key"));
        /* No vector here uses a detached payload; a new one must not be run blind. */
        assert_null(jget(op, "detachedPayload"));
        bool should = json_is_true(jget(op, "shouldVerify"));
        assert_int_equal(should, c->want == MDLG_E_OK);
    }
    in->aad = unhex(aad_hex ? aad_hex : "", &in->aad_len);
}

static void vinput_free(struct vinput *in)
{
    json_decref(in->json);
    free(in->msg);
    free(in->aad);
    free(in->inter);
    free(in->sym);
    mdlg_pkey_free(in->pub);
}

/* Our verify entry point for a row. */
static mdlg_err verify_row(const struct vcase *c, const struct vinput *in,
                           const struct mdlg_cose_msg *m, struct mdlg_bytes detached,
                           struct mdlg_bytes aad)
{
    if (c->mac)
        return mdlg_cose_mac0_verify(m, in->sym, in->sym_len, detached, aad);
    return mdlg_cose_sign1_verify(m, in->pub, detached, aad);
}

/*
 * The test's own check of a tag over `tbs` under the file's declared alg
 * (HMAC 256/64 is HMAC-SHA-256 cut to 8 bytes), independent of src/cose.
 */
static mdlg_err own_check(const struct vinput *in, const uint8_t *tbs, size_t n,
                          struct mdlg_bytes tag)
{
    if (in->alg == MDLG_ALG_HMAC256 || in->alg == 4) {
        uint8_t mac[32];
        size_t want = in->alg == 4 ? 8 : 32;
        assert_err(mdlg_hmac_sha256(in->sym, in->sym_len, tbs, n, mac), MDLG_E_OK);
        return tag.len == want && memcmp(mac, tag.ptr, want) == 0 ? MDLG_E_OK
                                                                  : MDLG_E_COSE_MAC_INVALID;
    }
    return mdlg_sig_verify(in->pub, (int)in->alg, tbs, n, tag.ptr, tag.len);
}

/* Reads [prot, unprot, payload, tag] (after an optional tag) without src/cose. */
static void raw_view(const struct mdlg_cbor_doc *d, struct mdlg_bytes *prot,
                     struct mdlg_bytes *payload, struct mdlg_bytes *tag)
{
    uint32_t a = mdlg_cbor_is_type(d, 0, MDLG_CBOR_TAG) ? 1 : 0;
    assert_true(mdlg_cbor_is_type(d, a, MDLG_CBOR_ARRAY));
    assert_int_equal(d->items[a].count, 4);
    assert_true(mdlg_cbor_get_bstr(d, mdlg_cbor_array_get(d, a, 0), prot));
    assert_true(mdlg_cbor_get_bstr(d, mdlg_cbor_array_get(d, a, 2), payload));
    assert_true(mdlg_cbor_get_bstr(d, mdlg_cbor_array_get(d, a, 3), tag));
}

/*
 * WG "why" checks on the received bytes: does the structure rebuilt from the
 * message (h'a0' entering as h'', RFC 9052 3) equal the upstream
 * intermediate, and does the tag verify over that intermediate?
 */
static void wg_why(const struct vcase *c, const struct vinput *in, const struct mdlg_cbor_doc *d)
{
    struct mdlg_bytes prot, payload, tag;
    size_t n;
    raw_view(d, &prot, &payload, &tag);
    bool a0 = prot.len == 1 && prot.ptr[0] == 0xa0;
    struct mdlg_bytes eff = a0 ? mdlg_bytes_make(prot.ptr, 0) : prot;
    uint8_t *tbs = tbs_of(c->mac, eff, mdlg_bytes_make(in->aad, in->aad_len), payload, &n);
    bool eq = n == in->inter_len && memcmp(tbs, in->inter, n) == 0;
    if (c->tbs_equal)
        assert_bytes_eq(mdlg_bytes_make(tbs, n), in->inter, in->inter_len);
    else
        assert_false(eq);   /* the case mutated something inside the structure */
    free(tbs);

    if (c->orig != ORIG_NA)
        assert_err(own_check(in, in->inter, in->inter_len, tag),
                   c->orig == ORIG_VALID ? MDLG_E_OK
                   : c->mac ? MDLG_E_COSE_MAC_INVALID : MDLG_E_COSE_SIGNATURE_INVALID);

    /* The h'a0' choice: fed verbatim, the structure matches neither upstream nor the tag. */
    if (a0) {
        tbs = tbs_of(c->mac, prot, mdlg_bytes_make(in->aad, in->aad_len), payload, &n);
        assert_false(n == in->inter_len && memcmp(tbs, in->inter, n) == 0);
        assert_int_not_equal(own_check(in, tbs, n, tag), MDLG_E_OK);
        free(tbs);
    }
}

static void test_vector(void **state)
{
    const struct vcase *c = *state;
    struct vinput in;
    vinput_load(c, &in);
    struct parsed *p = parsed_new();
    struct mdlg_bytes aad = mdlg_bytes_make(in.aad, in.aad_len);
    print_message("%s: %s -> %s\n", c->file, c->why, mdlg_err_name(c->want));

    mdlg_err e = mdlg_cbor_parse(&p->doc, in.msg, in.msg_len, p->items, ITEMS, NULL);
    if (c->stage == AT_CBOR) {
        assert_err(e, c->want);
        goto done;
    }
    assert_err(e, MDLG_E_OK);
    e = mdlg_cose_parse(&p->doc, 0, c->mac, &p->msg, &p->diag);
    if (c->stage == AT_PARSE) {
        assert_err(e, c->want);
        assert_err(p->diag.code, c->want);
    } else {
        assert_err(e, MDLG_E_OK);
        const struct mdlg_cose_msg *m = &p->msg;
        if (c->fmt == WG) {
            /* Our Sig_structure / MAC_structure from the parsed message. */
            size_t n;
            uint8_t *tbs = tbs_of(c->mac, m->protected_bytes, aad, m->payload, &n);
            if (c->tbs_equal)
                assert_bytes_eq(mdlg_bytes_make(tbs, n), in.inter, in.inter_len);
            free(tbs);
        }
        assert_err(verify_row(c, &in, m, NONE, aad), c->want);
        if (c->want == MDLG_E_OK) {
            /* The same payload passed as "detached" as well: still OK. */
            assert_err(verify_row(c, &in, m, m->payload, aad), MDLG_E_OK);
            /* Any other external AAD must fail. */
            uint8_t other[1] = { 0x01 };
            assert_err(verify_row(c, &in, m, NONE, mdlg_bytes_make(other, in.aad_len ? 0 : 1)),
                       c->mac ? MDLG_E_COSE_MAC_INVALID : MDLG_E_COSE_SIGNATURE_INVALID);
        }
    }
    if (c->fmt == WG)
        wg_why(c, &in, &p->doc);
done:
    free(p);
    vinput_free(&in);
}

/* ------------------------------------------------------------------------
 * 2. mdlg_cose_parse on hand-built messages
 *
 * A row is either `whole` (the full message in hex) or assembled as
 * [tag] 84 | bstr(prot) or prot_raw | unprot | bstr payload | bstr 64 zero bytes.
 */

struct pcase {
    const char *name;
    bool mac;
    const char *whole;
    const char *tag;        /* hex of a tag head, e.g. "d2"; NULL: untagged */
    const char *prot;       /* content of the protected bstr */
    const char *prot_raw;   /* the first element as is (instead of prot) */
    const char *unprot;     /* NULL: a0 */
    mdlg_err want;
    /* checked when want is OK */
    size_t x5n;
    const char *kid;        /* hex, NULL: absent */
    bool nil;
};

#define ES256 "a10126"
#define HS256 "a10105"
#define X5_8 "88 4101 4102 4103 4104 4105 4106 4107 4108"
#define X5_9 "89 4101 4102 4103 4104 4105 4106 4107 4108 4109"

static const struct pcase g_parse[] = {
    /* --- the array and its tag --- */
    { "untagged Sign1", .prot = ES256, .want = MDLG_E_OK },
    { "tag 18", .tag = "d2", .prot = ES256, .want = MDLG_E_OK },
    { "tag 18 in a long head (d8 12)", .tag = "d812", .prot = ES256, .want = MDLG_E_OK },
    { "tag 17 on a Sign1", .tag = "d1", .prot = ES256, .want = MDLG_E_COSE_TAG_UNEXPECTED },
    { "tag 98 (COSE_Sign) on a Sign1", .tag = "d862", .prot = ES256,
      .want = MDLG_E_COSE_TAG_UNEXPECTED },
    { "tag 24 on a Sign1", .tag = "d818", .prot = ES256, .want = MDLG_E_COSE_TAG_UNEXPECTED },
    { "tag 18 twice", .tag = "d2d2", .prot = ES256, .want = MDLG_E_COSE_MALFORMED },
    { "Mac0 untagged", true, .prot = HS256, .want = MDLG_E_OK },
    { "Mac0 tag 17", true, .tag = "d1", .prot = HS256, .want = MDLG_E_OK },
    { "Mac0 tag 18", true, .tag = "d2", .prot = HS256, .want = MDLG_E_COSE_TAG_UNEXPECTED },
    { "array of 3", .whole = "83 43a10126 a0 40", .want = MDLG_E_COSE_MALFORMED },
    { "array of 5", .whole = "85 43a10126 a0 40 40 40", .want = MDLG_E_COSE_MALFORMED },
    { "empty array", .whole = "80", .want = MDLG_E_COSE_MALFORMED },
    { "tagged array of 3", .whole = "d2 83 43a10126 a0 40", .want = MDLG_E_COSE_MALFORMED },
    { "map instead of array", .whole = "a1 01 02", .want = MDLG_E_COSE_MALFORMED },
    { "bare bstr", .whole = "40", .want = MDLG_E_COSE_MALFORMED },
    { "tag 18 around a map", .whole = "d2 a0", .want = MDLG_E_COSE_MALFORMED },
    { "unprotected is an array", .whole = "84 43a10126 80 40 40", .want = MDLG_E_COSE_MALFORMED },
    { "unprotected is nil", .whole = "84 43a10126 f6 40 40", .want = MDLG_E_COSE_MALFORMED },
    { "payload is an int", .whole = "84 43a10126 a0 01 40", .want = MDLG_E_COSE_MALFORMED },
    { "payload is text", .whole = "84 43a10126 a0 60 40", .want = MDLG_E_COSE_MALFORMED },
    { "payload is undefined", .whole = "84 43a10126 a0 f7 40", .want = MDLG_E_COSE_MALFORMED },
    { "payload is a chunked bstr", .whole = "84 43a10126 a0 5f 4100 ff 40",
      .want = MDLG_E_COSE_MALFORMED },
    { "payload nil (detached)", .whole = "84 43a10126 a0 f6 40", .want = MDLG_E_OK, .nil = true },
    { "signature nil", .whole = "84 43a10126 a0 40 f6", .want = MDLG_E_COSE_MALFORMED },
    { "signature is text", .whole = "84 43a10126 a0 40 60", .want = MDLG_E_COSE_MALFORMED },
    { "indefinite outer array", .whole = "9f 43a10126 a0 40 40 ff", .want = MDLG_E_OK },
    /* --- the protected bucket --- */
    { "protected is a map", .prot_raw = "a10126", .want = MDLG_E_COSE_PROTECTED_NOT_BSTR },
    { "protected is an int", .prot_raw = "01", .want = MDLG_E_COSE_PROTECTED_NOT_BSTR },
    { "protected is nil", .prot_raw = "f6", .want = MDLG_E_COSE_PROTECTED_NOT_BSTR },
    { "protected is text", .prot_raw = "63616263", .want = MDLG_E_COSE_PROTECTED_NOT_BSTR },
    { "protected is a chunked bstr", .prot_raw = "5f 43a10126 ff",
      .want = MDLG_E_COSE_PROTECTED_NOT_BSTR },
    { "protected bstr holds an array", .prot = "820126", .want = MDLG_E_COSE_PROTECTED_NOT_MAP },
    { "protected bstr holds an int", .prot = "01", .want = MDLG_E_COSE_PROTECTED_NOT_MAP },
    { "protected bstr holds a tagged map", .prot = "d818a10126",
      .want = MDLG_E_COSE_PROTECTED_NOT_MAP },
    { "protected bstr with a trailing byte", .prot = "a1012600",
      .want = MDLG_E_CBOR_TRAILING_BYTES },
    { "protected bstr with a truncated map", .prot = "a20126",
      .want = MDLG_E_CBOR_LENGTH_EXCEEDS_INPUT },
    { "protected bstr with a truncated value", .prot = "a10138",
      .want = MDLG_E_CBOR_TRUNCATED },
    { "protected bstr with a stray break", .prot = "ff", .want = MDLG_E_CBOR_MALFORMED },
    { "protected map with alg twice", .prot = "a2 0126 0126",
      .want = MDLG_E_CBOR_DUPLICATE_KEY },
    { "protected indefinite map", .prot = "bf 0126 ff", .want = MDLG_E_OK },
    { "protected non-preferred map head", .prot = "b90001 0126", .want = MDLG_E_OK },
    /* --- alg --- */
    { "no headers at all (h'')", .prot = "", .want = MDLG_E_COSE_ALG_MISSING },
    { "protected h'a0', nothing else", .prot = "a0", .want = MDLG_E_COSE_ALG_MISSING },
    { "protected {cty: 0} only", .prot = "a10300", .want = MDLG_E_COSE_ALG_MISSING },
    { "alg only unprotected, protected h''", .prot = "", .unprot = "a10126",
      .want = MDLG_E_COSE_ALG_NOT_PROTECTED },
    { "alg only unprotected, protected h'a0'", .prot = "a0", .unprot = "a10126",
      .want = MDLG_E_COSE_ALG_NOT_PROTECTED },
    { "alg only unprotected, protected {cty}", .prot = "a10300", .unprot = "a10126",
      .want = MDLG_E_COSE_ALG_NOT_PROTECTED },
    { "Mac0 alg only unprotected", true, .prot = "", .unprot = "a10105",
      .want = MDLG_E_COSE_ALG_NOT_PROTECTED },
    { "alg as text \"ES256\"", .prot = "a1 01 6545533235 36",
      .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg as bstr", .prot = "a1 01 4126", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "alg as array", .prot = "a1 01 8126", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "alg as nil", .prot = "a1 01 f6", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "alg 2^64-1 (outside int64)", .prot = "a1 01 1bffffffffffffffff",
      .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg -2^64 (outside int64)", .prot = "a1 01 3bffffffffffffffff",
      .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg -999 (unknown: verify rejects it)", .prot = "a1 01 3903e6", .want = MDLG_E_OK },
    { "alg in both buckets, same value", .prot = ES256, .unprot = "a10126",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    { "alg in both buckets, different values", .prot = ES256, .unprot = "a10138 22",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    /* --- crit --- */
    { "crit [alg]", .prot = "a2 0126 02 8101", .want = MDLG_E_OK },
    { "crit [crit]", .prot = "a2 0126 02 8102", .want = MDLG_E_OK },
    { "crit [kid] with kid", .prot = "a3 0126 02 8104 04 4131", .want = MDLG_E_OK, .kid = "31" },
    { "crit [x5chain] with x5chain", .prot = "a3 0126 02 811821 1821 4101", .want = MDLG_E_OK,
      .x5n = 1 },
    { "crit [99] with 99 present", .prot = "a3 0126 02 811863 1863 00",
      .want = MDLG_E_COSE_CRIT_UNKNOWN },
    { "crit [99] with 99 absent", .prot = "a2 0126 02 811863", .want = MDLG_E_COSE_CRIT_UNKNOWN },
    { "crit [\"x\"] with \"x\" present", .prot = "a3 0126 02 816178 6178 00",
      .want = MDLG_E_COSE_CRIT_UNKNOWN },
    { "crit [1, 99]", .prot = "a3 0126 02 82011863 1863 00", .want = MDLG_E_COSE_CRIT_UNKNOWN },
    { "crit [cty] with cty absent", .prot = "a2 0126 02 8103",
      .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "crit [kid] with kid only unprotected", .prot = "a2 0126 02 8104", .unprot = "a1 04 4131",
      .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "crit []", .prot = "a2 0126 02 80", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "crit as an int", .prot = "a2 0126 02 01", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "crit in the unprotected bucket", .prot = ES256, .unprot = "a1 02 8101",
      .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "crit in both buckets", .prot = "a2 0126 02 8101", .unprot = "a1 02 8101",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    /* --- labels in both buckets, label types --- */
    { "kid in both buckets", .prot = "a2 0126 04 4131", .unprot = "a1 04 4131",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    { "cty in both buckets", .prot = "a2 0126 03 00", .unprot = "a1 03 00",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    { "unknown label 99 in both buckets", .prot = "a2 0126 1863 00", .unprot = "a1 1863 00",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    { "text label in both buckets", .prot = "a2 0126 6178 00", .unprot = "a1 6178 01",
      .want = MDLG_E_COSE_HEADER_DUPLICATE },
    { "label 4 and text \"4\" are different", .prot = "a2 0126 04 4131", .unprot = "a1 6134 00",
      .want = MDLG_E_OK, .kid = "31" },
    { "unknown int and text labels ignored", .prot = ES256, .unprot = "a2 6178 00 3a0001fde7 00",
      .want = MDLG_E_OK },
    { "bstr label", .prot = ES256, .unprot = "a1 4101 00", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "bstr label in protected", .prot = "a2 0126 4101 00",
      .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "kid unprotected", .prot = ES256, .unprot = "a1 04 423131", .want = MDLG_E_OK,
      .kid = "3131" },
    { "kid as an int", .prot = ES256, .unprot = "a1 04 01", .want = MDLG_E_COSE_HEADER_MALFORMED },
    { "kid as text", .prot = ES256, .unprot = "a1 04 6131", .want = MDLG_E_COSE_HEADER_MALFORMED },
    /* --- x5chain (33) --- */
    { "x5chain bstr unprotected", .prot = ES256, .unprot = "a1 1821 4101", .want = MDLG_E_OK,
      .x5n = 1 },
    { "x5chain array of 3", .prot = ES256, .unprot = "a1 1821 83 4101 4102 4103",
      .want = MDLG_E_OK, .x5n = 3 },
    { "x5chain array of 1", .prot = ES256, .unprot = "a1 1821 81 4101", .want = MDLG_E_OK,
      .x5n = 1 },
    { "x5chain protected", .prot = "a2 0126 1821 4101", .want = MDLG_E_OK, .x5n = 1 },
    { "x5chain of 8 (the limit)", .prot = ES256, .unprot = "a1 1821 " X5_8, .want = MDLG_E_OK,
      .x5n = 8 },
    { "x5chain of 9", .prot = ES256, .unprot = "a1 1821 " X5_9, .want = MDLG_E_LIMIT_X5CHAIN },
    { "x5chain of 9 protected", .prot = "a2 0126 1821 " X5_9, .want = MDLG_E_LIMIT_X5CHAIN },
    { "x5chain identical bstr in both", .prot = "a2 0126 1821 4101", .unprot = "a1 1821 4101",
      .want = MDLG_E_OK, .x5n = 1 },
    { "x5chain identical arrays in both", .prot = "a2 0126 1821 82 4101 4102",
      .unprot = "a1 1821 82 4101 4102", .want = MDLG_E_OK, .x5n = 2 },
    { "x5chain bstr vs array of the same cert", .prot = "a2 0126 1821 4101",
      .unprot = "a1 1821 81 4101", .want = MDLG_E_OK, .x5n = 1 },
    { "x5chain different certs in both", .prot = "a2 0126 1821 4101", .unprot = "a1 1821 4102",
      .want = MDLG_E_COSE_X5CHAIN_CONFLICT },
    { "x5chain same certs, other order", .prot = "a2 0126 1821 82 4101 4102",
      .unprot = "a1 1821 82 4102 4101", .want = MDLG_E_COSE_X5CHAIN_CONFLICT },
    { "x5chain unprotected longer", .prot = "a2 0126 1821 81 4101",
      .unprot = "a1 1821 82 4101 4102", .want = MDLG_E_COSE_X5CHAIN_CONFLICT },
    { "x5chain empty array", .prot = ES256, .unprot = "a1 1821 80",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain empty bstr", .prot = ES256, .unprot = "a1 1821 40",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain array with an empty bstr", .prot = ES256, .unprot = "a1 1821 82 4101 40",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain array with an int", .prot = ES256, .unprot = "a1 1821 82 4101 01",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain nested array", .prot = ES256, .unprot = "a1 1821 81 81 4101",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain as an int", .prot = ES256, .unprot = "a1 1821 01",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain as text", .prot = ES256, .unprot = "a1 1821 6178",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain as a chunked bstr", .prot = ES256, .unprot = "a1 1821 5f 4101 ff",
      .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
    { "x5chain valid protected, empty unprotected", .prot = "a2 0126 1821 4101",
      .unprot = "a1 1821 80", .want = MDLG_E_COSE_X5CHAIN_MALFORMED },
};

static uint8_t *build_pcase(const struct pcase *c, size_t *len)
{
    if (c->whole != NULL)
        return unhex(c->whole, len);
    size_t n;
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    if (c->tag != NULL) {
        uint8_t *t = unhex(c->tag, &n);
        mdlg_cbor_put_raw(&b, t, n);
        free(t);
    }
    mdlg_cbor_put_array(&b, 4);
    uint8_t *p = unhex(c->prot_raw ? c->prot_raw : c->prot, &n);
    if (c->prot_raw)
        mdlg_cbor_put_raw(&b, p, n);
    else
        mdlg_cbor_put_bstr(&b, p, n);
    free(p);
    p = unhex(c->unprot ? c->unprot : "a0", &n);
    mdlg_cbor_put_raw(&b, p, n);
    free(p);
    mdlg_cbor_put_bstr(&b, g_payload, sizeof g_payload - 1);
    uint8_t zeros[64] = { 0 };
    mdlg_cbor_put_bstr(&b, zeros, c->mac ? 32 : 64);
    assert_err(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    uint8_t *out = malloc(b.len);
    assert_non_null(out);
    memcpy(out, b.ptr, b.len);
    *len = b.len;
    mdlg_cbor_buf_free(&b);
    return out;
}

static void test_parse(void **state)
{
    const struct pcase *c = *state;
    size_t len;
    uint8_t *buf = build_pcase(c, &len);
    struct parsed *p = parsed_new();
    mdlg_err e = parse_both(p, buf, len, c->mac);
    assert_err(e, c->want);
    if (e != MDLG_E_OK) {
        assert_err(p->diag.code, c->want);
    } else {
        const struct mdlg_cose_msg *m = &p->msg;
        assert_true(m->hdr.has_alg);
        assert_int_equal(m->hdr.x5chain_n, c->x5n);
        assert_int_equal(m->payload_nil, c->nil);
        if (c->whole == NULL)
            assert_bytes_eq(m->payload, g_payload, sizeof g_payload - 1);
        if (c->kid == NULL) {
            assert_null(m->hdr.kid.ptr);
        } else {
            size_t kl;
            uint8_t *kid = unhex(c->kid, &kl);
            assert_bytes_eq(m->hdr.kid, kid, kl);
            free(kid);
        }
        /* Every view points into the received buffer. */
        assert_true(m->protected_bytes.ptr >= buf && m->protected_bytes.ptr < buf + len);
        assert_true(m->tag.ptr >= buf && m->tag.ptr + m->tag.len <= buf + len);
        for (size_t i = 0; i < m->hdr.x5chain_n; i++) {
            assert_int_equal(m->hdr.x5chain[i].len, 1);
            assert_int_equal(m->hdr.x5chain[i].ptr[0], i + 1);   /* leaf first, order kept */
            assert_true(m->hdr.x5chain[i].ptr > buf && m->hdr.x5chain[i].ptr < buf + len);
        }
    }
    free(p);
    free(buf);
}

/* A Sign1 inside a larger structure: idx, offset and diag. */
static void test_parse_nested(void **state)
{
    (void)state;
    /*
     * [1, 18([h'a10126', {}, h'01', h'00'])] and the same with tag 17, with
     * the tags in the two-byte head (d8 12) so that this test does not also
     * depend on the one-byte form the parse rows cover.
     */
    static const char *ok = "82 01 d812 84 43a10126 a0 4101 4100";
    static const char *bad = "82 01 d811 84 43a10126 a0 4101 4100";
    size_t len;
    uint8_t *buf = unhex(ok, &len);
    struct parsed *p = parsed_new();
    assert_err(mdlg_cbor_parse(&p->doc, buf, len, p->items, ITEMS, NULL), MDLG_E_OK);
    assert_err(mdlg_cose_parse(&p->doc, 2, false, &p->msg, NULL), MDLG_E_OK);
    assert_int_equal(p->msg.offset, 2);
    assert_int_equal(p->msg.hdr.alg, MDLG_ALG_ES256);
    assert_ptr_equal(p->msg.protected_bytes.ptr, buf + 6);
    assert_int_equal(p->msg.protected_bytes.len, 3);
    /* Index of the untagged array directly. */
    assert_err(mdlg_cose_parse(&p->doc, 3, false, &p->msg, NULL), MDLG_E_OK);
    assert_int_equal(p->msg.offset, 4);
    /* Not a message; past the end. */
    assert_err(mdlg_cose_parse(&p->doc, 1, false, &p->msg, NULL), MDLG_E_COSE_MALFORMED);
    assert_err(mdlg_cose_parse(&p->doc, p->doc.n, false, &p->msg, NULL), MDLG_E_COSE_MALFORMED);
    free(buf);

    buf = unhex(bad, &len);
    assert_err(mdlg_cbor_parse(&p->doc, buf, len, p->items, ITEMS, NULL), MDLG_E_OK);
    struct mdlg_diag diag = { 0 };
    struct mdlg_cose_msg untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    assert_err(mdlg_cose_parse(&p->doc, 2, false, &untouched, &diag),
               MDLG_E_COSE_TAG_UNEXPECTED);
    assert_err(diag.code, MDLG_E_COSE_TAG_UNEXPECTED);
    assert_int_equal(diag.offset, 2);
    assert_int_equal(((uint8_t *)&untouched)[0], 0x5a);   /* *out untouched on failure */
    free(buf);
    free(p);
}

/* ------------------------------------------------------------------------
 * 3. Sign1 verification with fresh keys
 */

/* Group orders, big-endian, at the field size (P-521: 66 bytes). */
static const char *const N_P256 =
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char *const N_P384 =
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";
static const char *const N_P521 =
    "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa"
    "51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409";

static const char *order_hex(enum mdlg_curve crv)
{
    return crv == MDLG_CRV_P256 ? N_P256 : crv == MDLG_CRV_P384 ? N_P384 : N_P521;
}

/* out = a - b over n big-endian bytes (a >= b). */
static void be_sub(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n)
{
    int borrow = 0;
    for (size_t i = n; i-- > 0;) {
        int d = (int)a[i] - (int)b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    assert_int_equal(borrow, 0);
}

/* DER INTEGER of a big-endian unsigned value. */
static size_t der_int(uint8_t *out, const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    size_t pad = (v[0] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, v, n);
    return 2 + pad + n;
}

/* Raw r||s to a DER ECDSA-Sig-Value. */
static size_t to_der(uint8_t *out, const uint8_t *rs, size_t len)
{
    uint8_t body[2 * (3 + 66)];
    size_t h = len / 2;
    size_t bl = der_int(body, rs, h);
    bl += der_int(body + bl, rs + h, h);
    size_t o = 0;
    out[o++] = 0x30;
    if (bl >= 128)
        out[o++] = 0x81;
    out[o++] = (uint8_t)bl;
    memcpy(out + o, body, bl);
    return o + bl;
}

enum smut {
    S_NONE,
    S_FLIP,      /* one bit of the signature */
    S_DER,       /* raw r||s re-encoded as DER */
    S_SHORT,     /* last byte dropped */
    S_LONG,      /* a zero byte appended */
    S_EMPTY,
    S_HIGH_S,    /* (r, n - s): the other valid signature; accepted */
    S_ZERO,      /* r = s = 0 */
    S_R_N,       /* r = n */
    S_S_N,       /* s = n */
    S_AAD,       /* verified with another external_aad */
    S_PAYLOAD,   /* signed one payload, sent another */
};

enum det { D_NONE, D_SAME, D_OTHER, D_EMPTY };

struct scase {
    const char *name;
    enum mdlg_curve crv;       /* signing key */
    int alg;                   /* alg in the protected header; 0: the key's own */
    const char *prot;          /* protected content sent (hex); NULL: {1: alg} */
    const char *signed_prot;   /* protected content signed over; NULL: as sent */
    enum mdlg_curve vcrv;      /* verify with a fresh key on this curve; NONE: the signer */
    enum smut mut;
    bool nil;                  /* payload nil in the message */
    enum det det;
    const char *aad;           /* external_aad (hex) on both sides; NULL: empty */
    mdlg_err want;
};

#define P256 MDLG_CRV_P256
#define P384 MDLG_CRV_P384
#define P521 MDLG_CRV_P521
#define ED MDLG_CRV_ED25519
#define X255 MDLG_CRV_X25519

static const struct scase g_sign[] = {
    { "ES256 round trip", P256, .want = MDLG_E_OK },
    { "ES384 round trip", P384, .want = MDLG_E_OK },
    { "ES512 round trip", P521, .want = MDLG_E_OK },
    { "EdDSA round trip", ED, .want = MDLG_E_OK },
    { "ES256 with external AAD", P256, .aad = "0102030405", .want = MDLG_E_OK },
    { "ES256 protected with kid and x5chain", P256, .prot = "a3 0126 04 4131 1821 4101",
      .want = MDLG_E_OK },
    { "ES256 over a non-preferred protected map (as received)", P256, .prot = "b90001 0126",
      .want = MDLG_E_OK },
    { "ES256 signed over the re-encoded protected map", P256, .prot = "b90001 0126",
      .signed_prot = "a10126", .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 signed without cty, sent with it", P256, .prot = "a2 0126 0300",
      .signed_prot = "a10126", .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 wrong key", P256, .vcrv = P256, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES384 wrong key", P384, .vcrv = P384, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "EdDSA wrong key", ED, .vcrv = ED, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 flipped bit", P256, .mut = S_FLIP, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES512 flipped bit", P521, .mut = S_FLIP, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "EdDSA flipped bit", ED, .mut = S_FLIP, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 other external AAD", P256, .mut = S_AAD, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "EdDSA other external AAD", ED, .mut = S_AAD, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 payload changed", P256, .mut = S_PAYLOAD, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 DER signature", P256, .mut = S_DER, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES384 DER signature", P384, .mut = S_DER, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES512 DER signature", P521, .mut = S_DER, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 63-byte signature", P256, .mut = S_SHORT, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 65-byte signature", P256, .mut = S_LONG, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 empty signature", P256, .mut = S_EMPTY, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "EdDSA 63-byte signature", ED, .mut = S_SHORT, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "EdDSA empty signature", ED, .mut = S_EMPTY, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 high-S (r, n-s)", P256, .mut = S_HIGH_S, .want = MDLG_E_OK },
    { "ES384 high-S (r, n-s)", P384, .mut = S_HIGH_S, .want = MDLG_E_OK },
    { "ES512 high-S (r, n-s)", P521, .mut = S_HIGH_S, .want = MDLG_E_OK },
    { "ES256 r = s = 0", P256, .mut = S_ZERO, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES384 r = s = 0", P384, .mut = S_ZERO, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 r = n", P256, .mut = S_R_N, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES256 s = n", P256, .mut = S_S_N, .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "ES512 header, P-256 key", P256, .alg = MDLG_ALG_ES512,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 header, P-384 key", P384, .alg = MDLG_ALG_ES256,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES384 header, P-256 key", P256, .alg = MDLG_ALG_ES384,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 header, P-521 key", P521, .alg = MDLG_ALG_ES256,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "EdDSA header, P-256 key", P256, .alg = MDLG_ALG_EDDSA,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 header, Ed25519 key", ED, .alg = MDLG_ALG_ES256,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 header, X25519 verification key", P256, .vcrv = X255,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "EdDSA header, X25519 verification key", ED, .vcrv = X255,
      .want = MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "alg -37 (PS256)", P256, .alg = -37, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg 5 (HMAC) on a Sign1", P256, .alg = MDLG_ALG_HMAC256,
      .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg -999", P256, .alg = -999, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg 0 (reserved)", P256, .prot = "a1 01 00", .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "detached payload", P256, .nil = true, .det = D_SAME, .want = MDLG_E_OK },
    { "EdDSA detached payload", ED, .nil = true, .det = D_SAME, .want = MDLG_E_OK },
    { "detached, other payload supplied", P256, .nil = true, .det = D_OTHER,
      .want = MDLG_E_COSE_SIGNATURE_INVALID },
    { "nil payload, none supplied", P256, .nil = true, .det = D_NONE,
      .want = MDLG_E_COSE_PAYLOAD_MISSING },
    { "attached payload, equal one supplied", P256, .det = D_SAME, .want = MDLG_E_OK },
    { "attached payload, other one supplied", P256, .det = D_OTHER,
      .want = MDLG_E_COSE_PAYLOAD_MISMATCH },
    { "attached payload, empty one supplied", P256, .det = D_EMPTY,
      .want = MDLG_E_COSE_PAYLOAD_MISMATCH },
};

/* Applies a signature mutation in place; returns the new length. */
static size_t mutate_sig(const struct scase *c, uint8_t *sig, size_t len)
{
    uint8_t tmp[2 * 66 + 8], n[66];
    size_t h = len / 2, nl;
    switch (c->mut) {
    case S_FLIP:
        sig[len / 3] ^= 0x04;
        return len;
    case S_DER:
        nl = to_der(tmp, sig, len);
        assert_int_not_equal(nl, len);
        memcpy(sig, tmp, nl);
        return nl;
    case S_SHORT:
        return len - 1;
    case S_LONG:
        sig[len] = 0;
        return len + 1;
    case S_EMPTY:
        return 0;
    case S_HIGH_S:
    case S_R_N:
    case S_S_N: {
        uint8_t *nb = unhex(order_hex(c->crv), &nl);
        assert_int_equal(nl, h);
        memcpy(n, nb, nl);
        free(nb);
        if (c->mut == S_HIGH_S) {
            be_sub(tmp, n, sig + h, h);
            assert_memory_not_equal(tmp, sig + h, h);
            memcpy(sig + h, tmp, h);
        } else {
            memcpy(c->mut == S_R_N ? sig : sig + h, n, h);
        }
        return len;
    }
    case S_ZERO:
        memset(sig, 0, len);
        return len;
    default:
        return len;
    }
}

static void test_sign(void **state)
{
    const struct scase *c = *state;
    mdlg_pkey *priv = generate(c->crv);
    mdlg_pkey *other = c->vcrv == MDLG_CRV_NONE ? NULL : generate(c->vcrv);
    mdlg_pkey *pub = public_of(other ? other : priv);
    int alg = c->alg ? c->alg : mdlg_pkey_default_alg(priv);
    uint8_t pbuf[64], sbuf[64];
    size_t plen, slen;
    if (c->prot != NULL) {
        uint8_t *t = unhex(c->prot, &plen);
        memcpy(pbuf, t, plen);
        free(t);
    } else {
        plen = prot_alg(pbuf, alg);
    }
    if (c->signed_prot != NULL) {
        uint8_t *t = unhex(c->signed_prot, &slen);
        memcpy(sbuf, t, slen);
        free(t);
    } else {
        memcpy(sbuf, pbuf, plen);
        slen = plen;
    }
    size_t aad_len;
    uint8_t *aad = unhex(c->aad ? c->aad : "", &aad_len);

    /* Sign with the key's own algorithm, whatever the header claims. */
    size_t tlen;
    uint8_t *tbs = tbs_of(false, mdlg_bytes_make(sbuf, slen), mdlg_bytes_make(aad, aad_len),
                          PAYLOAD, &tlen);
    uint8_t sig[2 * 66 + 16];
    size_t siglen = sizeof sig - 8;
    assert_err(mdlg_sig_sign(priv, mdlg_pkey_default_alg(priv), tbs, tlen, sig, &siglen),
               MDLG_E_OK);
    free(tbs);
    siglen = mutate_sig(c, sig, siglen);

    struct mdlg_bytes sent = c->nil ? NONE : c->mut == S_PAYLOAD ? OTHER : PAYLOAD;
    size_t mlen;
    uint8_t *msg = build_msg(mdlg_bytes_make(pbuf, plen), "a0", sent,
                             mdlg_bytes_make(sig, siglen), &mlen);
    struct parsed *p = parsed_new();
    assert_err(parse_both(p, msg, mlen, false), MDLG_E_OK);
    if (c->prot == NULL)
        assert_int_equal(p->msg.hdr.alg, alg);

    static const uint8_t empty[1];
    struct mdlg_bytes det = c->det == D_SAME ? PAYLOAD : c->det == D_OTHER ? OTHER
                          : c->det == D_EMPTY ? mdlg_bytes_make(empty, 0) : NONE;
    struct mdlg_bytes vaad = mdlg_bytes_make(aad, aad_len);
    static const uint8_t other_aad[] = { 0xaa };
    if (c->mut == S_AAD)
        vaad = mdlg_bytes_make(other_aad, sizeof other_aad);
    assert_err(mdlg_cose_sign1_verify(&p->msg, pub, det, vaad), c->want);

    free(p);
    free(msg);
    free(aad);
    mdlg_pkey_free(pub);
    mdlg_pkey_free(other);
    mdlg_pkey_free(priv);
}

/* Sig_structure bytes for a large payload are built on the heap, not in a fixed buffer. */
static void test_sign_large_payload(void **state)
{
    (void)state;
    size_t big = 100000;
    uint8_t *payload = malloc(big);
    assert_non_null(payload);
    for (size_t i = 0; i < big; i++)
        payload[i] = (uint8_t)(i * 7);
    mdlg_pkey *priv = generate(P256), *pub = public_of(priv);
    uint8_t prot[16], sig[64];
    size_t plen = prot_alg(prot, MDLG_ALG_ES256), tlen, siglen = sizeof sig, mlen;
    uint8_t *tbs = tbs_of(false, mdlg_bytes_make(prot, plen), NONE, mdlg_bytes_make(payload, big),
                          &tlen);
    assert_err(mdlg_sig_sign(priv, MDLG_ALG_ES256, tbs, tlen, sig, &siglen), MDLG_E_OK);
    uint8_t *msg = build_msg(mdlg_bytes_make(prot, plen), "a0", mdlg_bytes_make(payload, big),
                             mdlg_bytes_make(sig, siglen), &mlen);
    struct parsed *p = parsed_new();
    assert_err(parse_both(p, msg, mlen, false), MDLG_E_OK);
    assert_err(mdlg_cose_sign1_verify(&p->msg, pub, NONE, NONE), MDLG_E_OK);
    payload[big / 2] ^= 1;   /* detached copy differing in one byte */
    assert_err(mdlg_cose_sign1_verify(&p->msg, pub, mdlg_bytes_make(payload, big), NONE),
               MDLG_E_COSE_PAYLOAD_MISMATCH);
    free(p);
    free(msg);
    free(tbs);
    free(payload);
    mdlg_pkey_free(pub);
    mdlg_pkey_free(priv);
}

/* ------------------------------------------------------------------------
 * 4. Mac0 verification
 */

enum mmut { M_NONE, M_FLIP, M_TRUNC16, M_LONG33, M_EMPTY, M_WRONG_KEY, M_AAD, M_PAYLOAD };

struct mcase {
    const char *name;
    int64_t alg;          /* protected alg; 0: 5 */
    enum mmut mut;
    bool nil;
    enum det det;
    size_t klen;          /* key length; 0: 32 */
    mdlg_err want;
};

static const struct mcase g_mac[] = {
    { "HMAC 256/256 round trip", .want = MDLG_E_OK },
    { "HMAC with a 64-byte key", .klen = 64, .want = MDLG_E_OK },
    { "HMAC with a 100-byte key (hashed first)", .klen = 100, .want = MDLG_E_OK },
    { "detached payload", .nil = true, .det = D_SAME, .want = MDLG_E_OK },
    { "detached, other payload supplied", .nil = true, .det = D_OTHER,
      .want = MDLG_E_COSE_MAC_INVALID },
    { "nil payload, none supplied", .nil = true, .want = MDLG_E_COSE_PAYLOAD_MISSING },
    { "attached payload, equal one supplied", .det = D_SAME, .want = MDLG_E_OK },
    { "attached payload, other one supplied", .det = D_OTHER,
      .want = MDLG_E_COSE_PAYLOAD_MISMATCH },
    { "flipped bit", .mut = M_FLIP, .want = MDLG_E_COSE_MAC_INVALID },
    { "wrong key", .mut = M_WRONG_KEY, .want = MDLG_E_COSE_MAC_INVALID },
    { "other external AAD", .mut = M_AAD, .want = MDLG_E_COSE_MAC_INVALID },
    { "payload changed", .mut = M_PAYLOAD, .want = MDLG_E_COSE_MAC_INVALID },
    { "tag cut to 16 bytes", .mut = M_TRUNC16, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "tag of 33 bytes", .mut = M_LONG33, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "empty tag", .mut = M_EMPTY, .want = MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "alg 4 (HMAC 256/64)", .alg = 4, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg 6 (HMAC 384/384)", .alg = 6, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg 7 (HMAC 512/512)", .alg = 7, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
    { "alg -7 (ES256) on a Mac0", .alg = -7, .want = MDLG_E_COSE_ALG_UNSUPPORTED },
};

static void test_mac(void **state)
{
    const struct mcase *c = *state;
    uint8_t key[128], prot[16], mac[40];
    size_t klen = c->klen ? c->klen : 32, tlen, mlen;
    mdlg_random(key, klen);
    size_t plen = prot_alg(prot, c->alg ? c->alg : MDLG_ALG_HMAC256);
    uint8_t *tbs = tbs_of(true, mdlg_bytes_make(prot, plen), NONE, PAYLOAD, &tlen);
    assert_err(mdlg_hmac_sha256(key, klen, tbs, tlen, mac), MDLG_E_OK);
    free(tbs);
    size_t maclen = 32;
    switch (c->mut) {
    case M_FLIP: mac[31] ^= 0x80; break;
    case M_TRUNC16: maclen = 16; break;
    case M_LONG33: mac[32] = 0; maclen = 33; break;
    case M_EMPTY: maclen = 0; break;
    case M_WRONG_KEY: key[0] ^= 1; break;
    default: break;
    }
    struct mdlg_bytes sent = c->nil ? NONE : c->mut == M_PAYLOAD ? OTHER : PAYLOAD;
    uint8_t *msg = build_msg(mdlg_bytes_make(prot, plen), "a0", sent,
                             mdlg_bytes_make(mac, maclen), &mlen);
    struct parsed *p = parsed_new();
    assert_err(parse_both(p, msg, mlen, true), MDLG_E_OK);
    struct mdlg_bytes det = c->det == D_SAME ? PAYLOAD : c->det == D_OTHER ? OTHER : NONE;
    static const uint8_t other_aad[] = { 0xaa };
    struct mdlg_bytes aad = c->mut == M_AAD ? mdlg_bytes_make(other_aad, 1) : NONE;
    assert_err(mdlg_cose_mac0_verify(&p->msg, key, klen, det, aad), c->want);
    free(p);
    free(msg);
}

/* Known answers for mdlg_cose_tbs, and the WG h'' encoding of "no protected headers". */
static void test_tbs_known_answers(void **state)
{
    (void)state;
    static const struct {
        bool mac;
        const char *prot, *aad, *payload, *want;
    } t[] = {
        { false, "", "", "", "84 6a5369676e617475726531 40 40 40" },
        { true, "", "", "", "84 644d414330 40 40 40" },
        { false, "a10126", "11aa", "00",
          "84 6a5369676e617475726531 43a10126 4211aa 4100" },
        { true, "a10105", "", "546869732069732074686520636f6e74656e742e",
          "84644D41433043A101054054546869732069732074686520636F6E74656E742E" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t pl, al, yl, wl, n;
        uint8_t *prot = unhex(t[i].prot, &pl), *aad = unhex(t[i].aad, &al);
        uint8_t *pay = unhex(t[i].payload, &yl), *want = unhex(t[i].want, &wl);
        uint8_t *got = tbs_of(t[i].mac, mdlg_bytes_make(prot, pl), mdlg_bytes_make(aad, al),
                              mdlg_bytes_make(pay, yl), &n);
        assert_bytes_eq(mdlg_bytes_make(got, n), want, wl);
        free(prot), free(aad), free(pay), free(want), free(got);
    }
    /* NULL views with length 0 are the empty bstr. */
    size_t n;
    uint8_t *got = tbs_of(false, NONE, NONE, NONE, &n);
    uint8_t want[] = { 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1',
                       0x40, 0x40, 0x40 };
    assert_bytes_eq(mdlg_bytes_make(got, n), want, sizeof want);
    free(got);
    /* Payload lengths across head sizes: 23, 24, 255, 256, 65536. */
    static const size_t lens[] = { 23, 24, 255, 256, 65536 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t *pay = calloc(1, lens[i]);
        assert_non_null(pay);
        got = tbs_of(true, NONE, NONE, mdlg_bytes_make(pay, lens[i]), &n);
        size_t head = mdlg_cbor_head_len(lens[i]);
        assert_int_equal(n, 1 + 5 + 1 + 1 + head + lens[i]);
        free(got);
        free(pay);
    }
}

/* ------------------------------------------------------------------------
 * 5. COSE_Key
 */

/* The RFC 8152 C.7.1 / COSE WG keys as CBOR bstr items. */
#define P256X "5820 bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
#define P256Y "5820 20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"
#define P256Y_OFF "5820 20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117f"
#define P256_P "5820 ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
#define P256_Z "5820 0000000000000000000000000000000000000000000000000000000000000000"
#define P256X_SHORT "581f c5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
#define P256X_LONG "5821 00bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
#define P384X "5830 9132723f6292b010619dbe248d698c17b58756c639e7150f81bee4eb8ac37236ad0a1a19d67be32a66263e1e524d129c"
#define P384Y "5830 98cd3078c554d832ac603c4326410ff61662459b41f1f3df5dbcc83598ff7c5ed8411ca735679d1c4cb3009397d9ef2c"
#define P521X "5842 0072992cb3ac08ecf3e5c63dedec0d51a8c1f79ef2f82f94f3c737bf5de7986671eac625fe8257bbd0394644caaa3aaf8f27a4585fbbcad0f2457620085e5c8f42ad"
#define P521Y "5842 01dca6947bce88bc5790485ac97427342bc35f887d86d65a089377e247e60baa55e4e8501e2ada5724ac51d6909008033ebc10ac999b9d7f5cc2519f3fe1ea1d9475"
/* RFC 8032 7.1 TEST 1 public key; RFC 7748 6.1 Alice's public key. */
#define ED_X "5820 d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define X25519_X "5820 8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define B32 "5820 0001020304050607080910111213141516171819202122232425262728293031"

struct kcase {
    const char *name;
    const char *hex;
    mdlg_err want;
    enum mdlg_curve crv;   /* when OK */
};

static const struct kcase g_keys[] = {
    { "EC2 P-256", "a4 0102 2001 21" P256X " 22" P256Y, MDLG_E_OK, P256 },
    { "EC2 P-384", "a4 0102 2002 21" P384X " 22" P384Y, MDLG_E_OK, P384 },
    { "EC2 P-521", "a4 0102 2003 21" P521X " 22" P521Y, MDLG_E_OK, P521 },
    { "EC2 P-256 with kid, alg and key order shuffled",
      "a6 22" P256Y " 0326 0241 31 21" P256X " 2001 0102", MDLG_E_OK, P256 },
    { "OKP Ed25519", "a3 0101 2006 21" ED_X, MDLG_E_OK, ED },
    { "OKP X25519", "a3 0101 2004 21" X25519_X, MDLG_E_OK, X255 },
    { "kty 3 (RSA)", "a3 0103 20 5820 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
      " 21 43 010001", MDLG_E_COSE_KEY_UNSUPPORTED },
    { "kty 4 (Symmetric)", "a2 0104 20" B32, MDLG_E_COSE_KEY_UNSUPPORTED },
    { "kty 0 (reserved)", "a4 0100 2001 21" P256X " 22" P256Y, MDLG_E_COSE_KEY_UNSUPPORTED },
    { "kty as text \"EC2\"", "a4 01 63454332 2001 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "kty missing", "a3 2001 21" P256X " 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "kty as bstr", "a4 01 4102 2001 21" P256X " 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "crv 8 (brainpoolP256r1)", "a4 0102 2008 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv 4 (X25519) under EC2", "a4 0102 2004 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv 6 (Ed25519) under EC2", "a4 0102 2006 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv 1 (P-256) under OKP", "a3 0101 2001 21" P256X, MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv 7 (Ed448) under OKP", "a3 0101 2007 21 5839"
      "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv as text \"P-256\"", "a4 0102 20 65502d323536 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "crv missing", "a3 0102 21" P256X " 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "crv as bstr", "a4 0102 20 4101 21" P256X " 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "x missing", "a3 0102 2001 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "y missing", "a3 0102 2001 21" P256X, MDLG_E_COSE_KEY_MALFORMED },
    { "OKP x missing", "a2 0101 2006", MDLG_E_COSE_KEY_MALFORMED },
    { "x as an int", "a4 0102 2001 21 01 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "y as text", "a4 0102 2001 21" P256X " 22 6179", MDLG_E_COSE_KEY_MALFORMED },
    { "y true (compressed point)", "a4 0102 2001 21" P256X " 22 f5", MDLG_E_COSE_KEY_UNSUPPORTED },
    { "y false (compressed point)", "a4 0102 2001 21" P256X " 22 f4",
      MDLG_E_COSE_KEY_UNSUPPORTED },
    { "y nil", "a4 0102 2001 21" P256X " 22 f6", MDLG_E_COSE_KEY_MALFORMED },
    { "off-curve point (y + 1)", "a4 0102 2001 21" P256X " 22" P256Y_OFF,
      MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "x = y = 0", "a4 0102 2001 21" P256_Z " 22" P256_Z, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "x = p", "a4 0102 2001 21" P256_P " 22" P256Y, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-384 coordinates under crv P-256", "a4 0102 2001 21" P384X " 22" P384Y,
      MDLG_E_COSE_KEY_MALFORMED },
    { "P-256 coordinates under crv P-384", "a4 0102 2002 21" P256X " 22" P256Y,
      MDLG_E_COSE_KEY_MALFORMED },
    { "x of 31 bytes", "a4 0102 2001 21" P256X_SHORT " 22" P256Y, MDLG_E_COSE_KEY_MALFORMED },
    { "x of 33 bytes (leading zero)", "a4 0102 2001 21" P256X_LONG " 22" P256Y,
      MDLG_E_COSE_KEY_MALFORMED },
    { "Ed25519 x of 33 bytes", "a3 0101 2006 21 5821 00"
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      MDLG_E_COSE_KEY_MALFORMED },
    { "not a map", "82 0102", MDLG_E_COSE_KEY_MALFORMED },
    { "empty map", "a0", MDLG_E_COSE_KEY_MALFORMED },
};

static void test_key(void **state)
{
    const struct kcase *c = *state;
    size_t len;
    uint8_t *buf = unhex(c->hex, &len);
    struct parsed *p = parsed_new();
    assert_err(mdlg_cbor_parse(&p->doc, buf, len, p->items, ITEMS, NULL), MDLG_E_OK);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_cose_key_decode(&p->doc, 0, &k), c->want);
    if (c->want == MDLG_E_OK) {
        assert_non_null(k);
        assert_int_equal(mdlg_pkey_curve(k), c->crv);
    } else {
        assert_null(k);
    }
    mdlg_pkey_free(k);
    free(p);
    free(buf);
}

/* encode -> decode for fresh keys, the COSE_Key layout, and decode at a nested index. */
static void test_key_round_trip(void **state)
{
    (void)state;
    static const enum mdlg_curve curves[] = { P256, P384, P521, ED, X255 };
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        enum mdlg_curve crv = curves[i];
        bool okp = crv == ED || crv == X255;
        size_t n = mdlg_curve_size(crv);
        mdlg_pkey *priv = generate(crv), *pub = public_of(priv);
        struct mdlg_cbor_buf b;
        mdlg_cbor_buf_init(&b, NULL, 0);
        mdlg_cbor_put_array(&b, 2);   /* [0, COSE_Key]: decode item 2 */
        mdlg_cbor_put_uint(&b, 0);
        assert_err(mdlg_cose_key_encode(&b, pub), MDLG_E_OK);

        struct parsed *p = parsed_new();
        assert_err(mdlg_cbor_parse(&p->doc, b.ptr, b.len, p->items, ITEMS, NULL), MDLG_E_OK);
        const struct mdlg_cbor_doc *d = &p->doc;
        int64_t v;
        struct mdlg_bytes x, y;
        assert_true(mdlg_cbor_is_type(d, 2, MDLG_CBOR_MAP));
        assert_int_equal(d->items[2].count, okp ? 3 : 4);
        assert_true(mdlg_cbor_get_int(d, mdlg_cbor_map_get_int(d, 2, 1), &v));
        assert_int_equal(v, okp ? 1 : 2);
        assert_true(mdlg_cbor_get_int(d, mdlg_cbor_map_get_int(d, 2, -1), &v));
        assert_int_equal(v, crv);
        assert_true(mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_int(d, 2, -2), &x));
        assert_int_equal(x.len, n);
        if (!okp) {
            assert_true(mdlg_cbor_get_bstr(d, mdlg_cbor_map_get_int(d, 2, -3), &y));
            assert_int_equal(y.len, n);
        }

        mdlg_pkey *back = NULL;
        assert_err(mdlg_cose_key_decode(d, 2, &back), MDLG_E_OK);
        assert_int_equal(mdlg_pkey_curve(back), crv);
        uint8_t x1[66], y1[66], x2[66], y2[66];
        assert_err(mdlg_pkey_get_xy(pub, x1, okp ? NULL : y1), MDLG_E_OK);
        assert_err(mdlg_pkey_get_xy(back, x2, okp ? NULL : y2), MDLG_E_OK);
        assert_memory_equal(x1, x2, n);
        if (!okp)
            assert_memory_equal(y1, y2, n);

        /* The decoded key verifies what the original signed (not for X25519). */
        if (crv != X255) {
            uint8_t sig[2 * 66];
            size_t siglen = sizeof sig;
            int alg = mdlg_pkey_default_alg(priv);
            assert_err(mdlg_sig_sign(priv, alg, g_payload, 5, sig, &siglen), MDLG_E_OK);
            assert_err(mdlg_sig_verify(back, alg, g_payload, 5, sig, siglen), MDLG_E_OK);
        }
        /* Item 1 is the uint, not a key. */
        mdlg_pkey *none = NULL;
        assert_err(mdlg_cose_key_decode(d, 1, &none), MDLG_E_COSE_KEY_MALFORMED);
        assert_null(none);

        free(p);
        mdlg_cbor_buf_free(&b);
        mdlg_pkey_free(back);
        mdlg_pkey_free(pub);
        mdlg_pkey_free(priv);
    }
}

/* The COSE_Key of the WG key verifies the RFC 8152 C.2.1 message (if the vectors are here). */
static void test_key_verifies_vector(void **state)
{
    (void)state;
    json_t *j = load_vector(WGD "RFC8152/Appendix_C_2_1.json");
    size_t len, mlen;
    uint8_t *kb = unhex("a4 0102 2001 21" P256X " 22" P256Y, &len);
    uint8_t *msg = unhex(jstr(j, "output.cbor"), &mlen);
    struct parsed *pk = parsed_new(), *pm = parsed_new();
    assert_err(mdlg_cbor_parse(&pk->doc, kb, len, pk->items, ITEMS, NULL), MDLG_E_OK);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_cose_key_decode(&pk->doc, 0, &k), MDLG_E_OK);
    assert_err(parse_both(pm, msg, mlen, false), MDLG_E_OK);
    assert_err(mdlg_cose_sign1_verify(&pm->msg, k, NONE, NONE), MDLG_E_OK);
    mdlg_pkey_free(k);
    free(pk);
    free(pm);
    free(kb);
    free(msg);
    json_decref(j);
}

/* ------------------------------------------------------------------------
 * main: one group, one test per table row
 */

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

int main(void)
{
    static const struct {
        const char *name;
        CMUnitTestFunction fn;
    } single[] = {
        { "parse: nested message, offset and diag", test_parse_nested },
        { "sign: 100 kB payload", test_sign_large_payload },
        { "tbs: known answers", test_tbs_known_answers },
        { "key: encode/decode round trip", test_key_round_trip },
        { "key: WG COSE_Key verifies RFC 8152 C.2.1", test_key_verifies_vector },
    };
    size_t total = ROWS(g_vectors) + ROWS(g_parse) + ROWS(g_sign) + ROWS(g_mac) + ROWS(g_keys) +
                   ROWS(single);
    struct CMUnitTest *tests = calloc(total, sizeof *tests);
    char (*names)[160] = calloc(total, sizeof *names);
    if (tests == NULL || names == NULL)
        return 1;
    size_t n = 0;
#define ADD(fmt, arg, f, st)                                         \
    do {                                                             \
        snprintf(names[n], sizeof names[n], fmt, arg);               \
        tests[n] = (struct CMUnitTest){ names[n], f, NULL, NULL, (void *)(st) }; \
        n++;                                                         \
    } while (0)
    for (size_t i = 0; i < ROWS(g_vectors); i++)
        ADD("vector: %s", strrchr(g_vectors[i].file, '/') + 1, test_vector, &g_vectors[i]);
    for (size_t i = 0; i < ROWS(g_parse); i++)
        ADD("parse: %s", g_parse[i].name, test_parse, &g_parse[i]);
    for (size_t i = 0; i < ROWS(g_sign); i++)
        ADD("sign: %s", g_sign[i].name, test_sign, &g_sign[i]);
    for (size_t i = 0; i < ROWS(g_mac); i++)
        ADD("mac: %s", g_mac[i].name, test_mac, &g_mac[i]);
    for (size_t i = 0; i < ROWS(g_keys); i++)
        ADD("key: %s", g_keys[i].name, test_key, &g_keys[i]);
    for (size_t i = 0; i < ROWS(single); i++)
        ADD("%s", single[i].name, single[i].fn, NULL);
#undef ADD
    int rc = _cmocka_run_group_tests("cose", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
