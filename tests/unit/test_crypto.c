/*
 * test_crypto.c - the crypto seam (include/mdlg/crypto.h).
 *
 * Wycheproof vectors (ECDSA P1363, HMAC-SHA-256, HKDF-SHA-256, ECDH P-256)
 * come from $MDLG_SHARED and are skip()ped when it is absent; the rest are
 * tables of known answers and negative cases that need no files.
 */
#define _GNU_SOURCE   /* memmem */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "mdlg/crypto.h"
#include "testutil.h"

#define WYCHEPROOF "vectors/ext/wycheproof/testvectors_v1/"
#define ANNEX_D "vectors/mdoc/iso18013-5-annex-d/"

/* A decoded hex field; 8192 bytes covers every vector used here. */
struct buf {
    uint8_t b[8192];
    size_t n;
};

static void unhex(const char *hex, struct buf *out)
{
    out->n = mdlg_test_hex_decode(hex, out->b, sizeof out->b);
    assert_true(out->n != (size_t)-1);
}

static void jhex(json_t *obj, const char *key, struct buf *out)
{
    const char *s = json_string_value(json_object_get(obj, key));
    assert_non_null(s);
    unhex(s, out);
}

/* Fixed-size big-endian value from a hex string (test constants). */
static void unhex_exact(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(mdlg_test_hex_decode(hex, out, n), n);
}

/*
 * Loads a shared file. skip()s when the shared directory is absent; a
 * missing file inside a present directory is a failure, not a skip.
 */
static uint8_t *shared_file(const char *rel, size_t *len)
{
    if (mdlg_test_shared() == NULL)
        skip();
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL)
        print_error("missing shared file %s\n", rel);
    assert_non_null(path);
    uint8_t *data = mdlg_test_read_file(path, len);
    free(path);
    assert_non_null(data);
    return data;
}

static json_t *wycheproof(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, WYCHEPROOF "%s", name);
    size_t len;
    uint8_t *text = shared_file(rel, &len);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)text, len, 0, &jerr);
    free(text);
    assert_non_null(root);
    return root;
}

/*
 * Wycheproof writes integers minimally (a leading 00 keeps them positive),
 * so they can be shorter or one byte longer than the field. Fits v into
 * exactly `size` bytes; false if it has more significant bytes than that.
 */
static bool fit(const uint8_t *v, size_t n, uint8_t *out, size_t size)
{
    while (n > size && v[0] == 0)
        v++, n--;
    if (n > size)
        return false;
    memset(out, 0, size - n);
    memcpy(out + size - n, v, n);
    return true;
}

static mdlg_pkey *key_from_pem_file(const char *rel)
{
    size_t len;
    char *pem = (char *)shared_file(rel, &len);
    mdlg_pkey *k = NULL;
    assert_int_equal(mdlg_pkey_from_pem(pem, len, &k), MDLG_E_OK);
    free(pem);
    return k;
}

#define assert_err(expr, code) assert_string_equal(mdlg_err_name(expr), mdlg_err_name(code))

/* --- Wycheproof ECDSA (IEEE P1363 = raw r||s, what COSE uses) --- */

struct ecdsa_file {
    const char *name;
    int alg;
    enum mdlg_curve crv;
};

static const struct ecdsa_file ecdsa_files[] = {
    { "ecdsa_secp256r1_sha256_p1363_test.json", MDLG_ALG_ES256, MDLG_CRV_P256 },
    { "ecdsa_secp384r1_sha384_p1363_test.json", MDLG_ALG_ES384, MDLG_CRV_P384 },
    { "ecdsa_secp521r1_sha512_p1363_test.json", MDLG_ALG_ES512, MDLG_CRV_P521 },
};

struct tally {
    size_t total, valid, invalid, acceptable, accepted, skipped, bad_keys;
};

/*
 * Checks one verdict: valid must be OK, invalid must not be, acceptable may
 * be either. A rejection must be "did not verify" or "malformed", never an
 * internal error (that would mean OpenSSL choked on r or s).
 */
static void check_verdict(const char *file, json_t *t, mdlg_err got, const mdlg_err *ok_rejects,
                          struct tally *c)
{
    const char *result = json_string_value(json_object_get(t, "result"));
    long long id = json_integer_value(json_object_get(t, "tcId"));
    bool accepted = got == MDLG_E_OK;
    bool known_reject = false;
    for (const mdlg_err *e = ok_rejects; *e != MDLG_E_OK; e++)
        known_reject |= got == *e;
    c->total++;
    if (strcmp(result, "acceptable") == 0) {
        c->acceptable++;
        c->accepted += accepted;
    } else if (strcmp(result, "valid") == 0) {
        c->valid++;
    } else {
        c->invalid++;
    }
    bool want = strcmp(result, "valid") == 0;
    bool fine = strcmp(result, "acceptable") == 0 ? (accepted || known_reject)
                                                  : (want ? accepted : known_reject);
    if (!fine) {
        print_error("%s tcId %lld (%s): got %s\n", file, id, result, mdlg_err_name(got));
        fail();
    }
}

static const mdlg_err sig_rejects[] = {
    MDLG_E_COSE_SIGNATURE_INVALID, MDLG_E_COSE_SIGNATURE_MALFORMED, MDLG_E_OK,
};

/* A group's key; NULL (counted) when the key itself is not a valid point. */
static mdlg_pkey *ecdsa_group_key(const struct ecdsa_file *f, json_t *g, struct tally *c)
{
    json_t *pk = json_object_get(g, "publicKey");
    size_t size = mdlg_curve_size(f->crv);
    struct buf wx, wy;
    uint8_t x[66], y[66];
    jhex(pk, "wx", &wx);
    jhex(pk, "wy", &wy);
    mdlg_pkey *k = NULL;
    if (!fit(wx.b, wx.n, x, size) || !fit(wy.b, wy.n, y, size) ||
        mdlg_pkey_from_ec_xy(f->crv, x, size, y, size, &k) != MDLG_E_OK) {
        c->bad_keys++;
        return NULL;
    }
    return k;
}

static void ecdsa_group(const struct ecdsa_file *f, json_t *g, struct tally *c)
{
    mdlg_pkey *k = ecdsa_group_key(f, g, c);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(g, "tests"), i, t) {
        static struct buf msg, sig;
        jhex(t, "msg", &msg);
        jhex(t, "sig", &sig);
        mdlg_err e = k ? mdlg_sig_verify(k, f->alg, msg.b, msg.n, sig.b, sig.n)
                       : MDLG_E_COSE_SIGNATURE_INVALID;   /* unusable key: every test must be invalid */
        check_verdict(f->name, t, e, sig_rejects, c);
    }
    mdlg_pkey_free(k);
}

static void test_wycheproof_ecdsa(void **state)
{
    const struct ecdsa_file *f = *state;
    json_t *root = wycheproof(f->name);
    struct tally c = { 0 };
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(root, "testGroups"), i, g)
        ecdsa_group(f, g, &c);
    print_message("%s: %zu tests: %zu valid accepted, %zu invalid rejected, "
                  "%zu acceptable (%zu accepted), %zu groups with an unusable key\n",
                  f->name, c.total, c.valid, c.invalid, c.acceptable, c.accepted, c.bad_keys);
    assert_int_equal(c.total, json_integer_value(json_object_get(root, "numberOfTests")));
    assert_true(c.valid > 100);
    json_decref(root);
}

/* --- Wycheproof HMAC-SHA-256 (truncated tags compare as prefixes) --- */

static void test_wycheproof_hmac(void **state)
{
    (void)state;
    json_t *root = wycheproof("hmac_sha256_test.json");
    struct tally c = { 0 };
    size_t i, j;
    json_t *g, *t;
    json_array_foreach(json_object_get(root, "testGroups"), i, g) {
        size_t tag_bytes = (size_t)json_integer_value(json_object_get(g, "tagSize")) / 8;
        assert_true(tag_bytes > 0 && tag_bytes <= 32);
        json_array_foreach(json_object_get(g, "tests"), j, t) {
            static struct buf key, msg, tag;
            uint8_t mac[32];
            jhex(t, "key", &key);
            jhex(t, "msg", &msg);
            jhex(t, "tag", &tag);
            assert_int_equal(mdlg_hmac_sha256(key.b, key.n, msg.b, msg.n, mac), MDLG_E_OK);
            bool same = tag.n == tag_bytes && mdlg_ct_equal(mac, tag.b, tag_bytes);
            check_verdict("hmac", t, same ? MDLG_E_OK : MDLG_E_COSE_MAC_INVALID,
                          (const mdlg_err[]){ MDLG_E_COSE_MAC_INVALID, MDLG_E_OK }, &c);
        }
    }
    print_message("hmac_sha256: %zu tests: %zu valid, %zu invalid rejected\n", c.total, c.valid,
                  c.invalid);
    assert_int_equal(c.total, json_integer_value(json_object_get(root, "numberOfTests")));
    json_decref(root);
}

/* --- Wycheproof HKDF-SHA-256 (the invalid ones ask for > 255 * 32 bytes) --- */

static void test_wycheproof_hkdf(void **state)
{
    (void)state;
    json_t *root = wycheproof("hkdf_sha256_test.json");
    struct tally c = { 0 };
    size_t i, j;
    json_t *g, *t;
    json_array_foreach(json_object_get(root, "testGroups"), i, g) {
        json_array_foreach(json_object_get(g, "tests"), j, t) {
            static struct buf ikm, salt, info, okm, out;
            jhex(t, "ikm", &ikm);
            jhex(t, "salt", &salt);
            jhex(t, "info", &info);
            jhex(t, "okm", &okm);
            size_t size = (size_t)json_integer_value(json_object_get(t, "size"));
            assert_true(size <= sizeof out.b);
            mdlg_err e = mdlg_hkdf_sha256(ikm.b, ikm.n, salt.b, salt.n, info.b, info.n, out.b, size);
            if (e == MDLG_E_OK && (okm.n != size || memcmp(out.b, okm.b, size) != 0))
                e = MDLG_E_INTERNAL;   /* wrong output: not a rejection we accept */
            check_verdict("hkdf", t, e, (const mdlg_err[]){ MDLG_E_USAGE, MDLG_E_OK }, &c);
        }
    }
    print_message("hkdf_sha256: %zu tests: %zu valid, %zu invalid rejected\n", c.total, c.valid,
                  c.invalid);
    assert_int_equal(c.total, json_integer_value(json_object_get(root, "numberOfTests")));
    json_decref(root);
}

/* --- Wycheproof ECDH P-256 with raw points --- */

/*
 * Our API takes COSE x/y coordinates, so only an uncompressed 65-byte point
 * can be expressed; every other encoding counts as rejected (a valid one is
 * counted as skipped instead).
 */
static mdlg_err ecdh_case(json_t *t, bool *expressible)
{
    static struct buf pub, priv, shared;
    uint8_t d[32], z[66];
    size_t zlen = 0;
    jhex(t, "public", &pub);
    jhex(t, "private", &priv);
    jhex(t, "shared", &shared);
    *expressible = pub.n == 65 && pub.b[0] == 0x04;
    if (!*expressible)
        return MDLG_E_COSE_KEY_MALFORMED;
    mdlg_pkey *peer = NULL, *me = NULL;
    mdlg_err e = mdlg_pkey_from_ec_xy(MDLG_CRV_P256, pub.b + 1, 32, pub.b + 33, 32, &peer);
    if (e == MDLG_E_OK) {
        assert_true(fit(priv.b, priv.n, d, sizeof d));
        assert_int_equal(mdlg_pkey_from_private(MDLG_CRV_P256, d, sizeof d, &me), MDLG_E_OK);
        e = mdlg_ecdh(me, peer, z, &zlen);
    }
    if (e == MDLG_E_OK && (zlen != shared.n || memcmp(z, shared.b, zlen) != 0))
        e = MDLG_E_INTERNAL;
    mdlg_pkey_free(peer);
    mdlg_pkey_free(me);
    return e;
}

static void test_wycheproof_ecdh(void **state)
{
    (void)state;
    json_t *root = wycheproof("ecdh_secp256r1_ecpoint_test.json");
    static const mdlg_err rejects[] = {
        MDLG_E_COSE_KEY_NOT_ON_CURVE, MDLG_E_COSE_KEY_MALFORMED, MDLG_E_OK,
    };
    struct tally c = { 0 };
    size_t i, j, not_xy = 0;
    json_t *g, *t;
    json_array_foreach(json_object_get(root, "testGroups"), i, g) {
        json_array_foreach(json_object_get(g, "tests"), j, t) {
            bool expressible;
            mdlg_err e = ecdh_case(t, &expressible);
            bool invalid = strcmp(json_string_value(json_object_get(t, "result")), "invalid") == 0;
            if (!expressible && !invalid) {
                c.skipped++;   /* a valid or acceptable compressed point */
                continue;
            }
            not_xy += !expressible;
            check_verdict("ecdh", t, e, rejects, &c);
        }
    }
    print_message("ecdh_secp256r1_ecpoint: %zu checked: %zu valid (shared secret matches), "
                  "%zu invalid rejected (%zu by mdlg_pkey_from_ec_xy, %zu not expressible as "
                  "x/y: compressed or empty); %zu valid/acceptable compressed points skipped\n",
                  c.total, c.valid, c.invalid, c.invalid - not_xy, not_xy, c.skipped);
    assert_int_equal(c.total + c.skipped, json_integer_value(json_object_get(root, "numberOfTests")));
    json_decref(root);
}

/* --- signatures: round trips and the edges of r, s --- */

static const enum mdlg_curve all_sig_curves[] = {
    MDLG_CRV_P256, MDLG_CRV_P384, MDLG_CRV_P521, MDLG_CRV_ED25519,
};

/* Group orders n, big-endian, field-size long. */
static const char *const curve_order[] = {
    [MDLG_CRV_P256] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    [MDLG_CRV_P384] = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
                      "581a0db248b0a77aecec196accc52973",
    [MDLG_CRV_P521] = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                      "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
};

static mdlg_pkey *generate(enum mdlg_curve crv)
{
    mdlg_pkey *k = NULL;
    assert_int_equal(mdlg_pkey_generate(crv, &k), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_curve(k), crv);
    return k;
}

/* The public half alone, rebuilt from its coordinates. */
static mdlg_pkey *public_half(const mdlg_pkey *k)
{
    enum mdlg_curve crv = mdlg_pkey_curve(k);
    size_t n = mdlg_curve_size(crv);
    uint8_t x[66], y[66];
    mdlg_pkey *pub = NULL;
    if (crv == MDLG_CRV_ED25519 || crv == MDLG_CRV_X25519) {
        assert_int_equal(mdlg_pkey_get_xy(k, x, NULL), MDLG_E_OK);
        assert_int_equal(mdlg_pkey_from_okp(crv, x, n, &pub), MDLG_E_OK);
    } else {
        assert_int_equal(mdlg_pkey_get_xy(k, x, y), MDLG_E_OK);
        assert_int_equal(mdlg_pkey_from_ec_xy(crv, x, n, y, n, &pub), MDLG_E_OK);
    }
    return pub;
}

static void sign(const mdlg_pkey *k, const uint8_t *msg, size_t len, uint8_t *sig, size_t *siglen)
{
    *siglen = 132;
    assert_int_equal(mdlg_sig_sign(k, mdlg_pkey_default_alg(k), msg, len, sig, siglen), MDLG_E_OK);
}

static void test_sign_verify_roundtrip(void **state)
{
    (void)state;
    static const uint8_t msg[] = "Sig_structure stand-in";
    for (size_t i = 0; i < sizeof all_sig_curves / sizeof all_sig_curves[0]; i++) {
        mdlg_pkey *k = generate(all_sig_curves[i]);
        mdlg_pkey *pub = public_half(k);
        int alg = mdlg_pkey_default_alg(k);
        uint8_t sig[132];
        size_t siglen;
        sign(k, msg, sizeof msg, sig, &siglen);
        assert_int_equal(siglen, all_sig_curves[i] == MDLG_CRV_ED25519
                                     ? 64 : 2 * mdlg_curve_size(all_sig_curves[i]));
        assert_err(mdlg_sig_verify(pub, alg, msg, sizeof msg, sig, siglen), MDLG_E_OK);
        assert_err(mdlg_sig_verify(k, alg, msg, sizeof msg, sig, siglen), MDLG_E_OK);
        assert_err(mdlg_sig_verify(pub, alg, msg, sizeof msg - 1, sig, siglen),
                   MDLG_E_COSE_SIGNATURE_INVALID);
        sig[siglen - 1] ^= 1;
        assert_err(mdlg_sig_verify(pub, alg, msg, sizeof msg, sig, siglen),
                   MDLG_E_COSE_SIGNATURE_INVALID);
        /* The public half cannot sign. */
        siglen = sizeof sig;
        assert_err(mdlg_sig_sign(pub, alg, msg, sizeof msg, sig, &siglen), MDLG_E_USAGE);
        mdlg_pkey_free(pub);
        mdlg_pkey_free(k);
    }
}

/*
 * One key shared by several threads, all starting before any use: they race
 * to build and install the key's lazily built form (a key from PEM has its
 * EVP_PKEY and gets its EC_KEY on the first verification; a key from
 * coordinates has its EC_KEY and gets its EVP_PKEY on the first PEM export)
 * and then use it. Every thread alternates a good and a tampered signature
 * and exports the PEM, so a form that kept state from a failure, or a race
 * that lost the key, shows as a wrong answer.
 */
#define SHARED_THREADS 4
#define SHARED_ROUNDS 25

struct shared_job {
    mdlg_pkey *pub;
    const uint8_t *msg;
    size_t len;
    uint8_t good[64], bad[64];
    const char *pem;   /* the expected public PEM */
    pthread_barrier_t *start;
    int wrong;
};

static void *shared_verify(void *arg)
{
    struct shared_job *j = arg;
    pthread_barrier_wait(j->start);
    for (int i = 0; i < SHARED_ROUNDS; i++) {
        char *pem = NULL;
        size_t n = 0;
        j->wrong += mdlg_sig_verify(j->pub, MDLG_ALG_ES256, j->msg, j->len, j->good, 64) !=
                    MDLG_E_OK;
        j->wrong += mdlg_pkey_to_pem(j->pub, false, &pem, &n) != MDLG_E_OK ||
                    strcmp(pem, j->pem) != 0;
        j->wrong += mdlg_sig_verify(j->pub, MDLG_ALG_ES256, j->msg, j->len, j->bad, 64) !=
                    MDLG_E_COSE_SIGNATURE_INVALID;
        free(pem);
    }
    return NULL;
}

/* The public half of k made from PEM (true) or from coordinates (false). */
static mdlg_pkey *shared_key(const mdlg_pkey *k, bool from_pem, const char *pem)
{
    mdlg_pkey *pub = NULL;
    if (!from_pem)
        return public_half(k);
    assert_int_equal(mdlg_pkey_from_pem(pem, strlen(pem), &pub), MDLG_E_OK);
    return pub;
}

static void run_shared(mdlg_pkey *pub, const uint8_t *msg, size_t len, const uint8_t sig[64],
                       const char *pem)
{
    struct shared_job jobs[SHARED_THREADS];
    pthread_t th[SHARED_THREADS];
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, SHARED_THREADS), 0);
    for (int i = 0; i < SHARED_THREADS; i++) {
        jobs[i] = (struct shared_job){ .pub = pub, .msg = msg, .len = len, .pem = pem,
                                       .start = &start };
        memcpy(jobs[i].good, sig, 64);
        memcpy(jobs[i].bad, sig, 64);
        jobs[i].bad[i] ^= 0x40;   /* r changed */
        assert_int_equal(pthread_create(&th[i], NULL, shared_verify, &jobs[i]), 0);
    }
    for (int i = 0; i < SHARED_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].wrong, 0);
    }
    pthread_barrier_destroy(&start);
}

static void test_verify_shared_key_threads(void **state)
{
    (void)state;
    static const uint8_t msg[] = "one DS key, many verifications";
    mdlg_pkey *k = generate(MDLG_CRV_P256);
    uint8_t sig[64];
    size_t siglen, pemlen;
    char *pem = NULL;
    sign(k, msg, sizeof msg, sig, &siglen);
    assert_int_equal(siglen, 64);
    assert_int_equal(mdlg_pkey_to_pem(k, false, &pem, &pemlen), MDLG_E_OK);
    for (int from_pem = 0; from_pem < 2; from_pem++) {
        mdlg_pkey *pub = shared_key(k, from_pem, pem);
        run_shared(pub, msg, sizeof msg, sig, pem);
        /* Still right afterwards, through the installed forms. */
        assert_err(mdlg_sig_verify(pub, MDLG_ALG_ES256, msg, sizeof msg, sig, 64), MDLG_E_OK);
        sig[63] ^= 1;
        assert_err(mdlg_sig_verify(pub, MDLG_ALG_ES256, msg, sizeof msg, sig, 64),
                   MDLG_E_COSE_SIGNATURE_INVALID);
        sig[63] ^= 1;
        mdlg_pkey_free(pub);
    }
    free(pem);
    mdlg_pkey_free(k);
}

/*
 * Keys made from coordinates one after another, each freed before the next
 * (a freed key's EC_KEY is kept as a blank shell for the next import on the
 * thread): each verifies its own signature and rejects its predecessor's,
 * also right after an import that failed on a point off the curve.
 */
static void test_keys_in_turn(void **state)
{
    (void)state;
    static const uint8_t msg[] = "one after another";
    for (size_t c = 0; c < 3; c++) {
        enum mdlg_curve crv = all_sig_curves[c];
        size_t n = mdlg_curve_size(crv);
        uint8_t prev[132] = { 0 }, sig[132], x[66], y[66];
        size_t siglen = 0, prevlen = 0;
        for (int i = 0; i < 4; i++) {
            mdlg_pkey *k = generate(crv), *pub = public_half(k), *bad = NULL;
            int alg = mdlg_pkey_default_alg(k);
            sign(k, msg, sizeof msg, sig, &siglen);
            assert_err(mdlg_pkey_get_xy(k, x, y), MDLG_E_OK);
            y[n - 1] ^= 1;
            assert_err(mdlg_pkey_from_ec_xy(crv, x, n, y, n, &bad), MDLG_E_COSE_KEY_NOT_ON_CURVE);
            assert_err(mdlg_sig_verify(pub, alg, msg, sizeof msg, sig, siglen), MDLG_E_OK);
            if (prevlen > 0)
                assert_err(mdlg_sig_verify(pub, alg, msg, sizeof msg, prev, prevlen),
                           MDLG_E_COSE_SIGNATURE_INVALID);
            memcpy(prev, sig, siglen);
            prevlen = siglen;
            mdlg_pkey_free(pub);
            mdlg_pkey_free(k);
        }
    }
}

/* out = n - v over `size` big-endian bytes (v < n). */
static void sub_from(const uint8_t *n, const uint8_t *v, uint8_t *out, size_t size)
{
    int borrow = 0;
    for (size_t i = size; i-- > 0;) {
        int d = n[i] - v[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

/* s -> n - s is the other valid signature; COSE does not require low-S. */
static void test_ecdsa_high_s_and_range(void **state)
{
    (void)state;
    static const uint8_t msg[] = "range";
    for (size_t i = 0; i < 3; i++) {
        enum mdlg_curve crv = all_sig_curves[i];
        size_t h = mdlg_curve_size(crv);
        mdlg_pkey *k = generate(crv);
        int alg = mdlg_pkey_default_alg(k);
        uint8_t sig[132], alt[132], n[66];
        size_t siglen;
        unhex_exact(curve_order[crv], n, h);
        sign(k, msg, sizeof msg, sig, &siglen);
        memcpy(alt, sig, siglen);
        sub_from(n, sig + h, alt + h, h);
        assert_err(mdlg_sig_verify(k, alg, msg, sizeof msg, alt, siglen), MDLG_E_OK);
        /* r or s in {0, n, 2^bits - 1}: well-formed length, so "invalid", not a crash. */
        for (int which = 0; which < 2; which++) {
            for (int edge = 0; edge < 3; edge++) {
                memcpy(alt, sig, siglen);
                uint8_t *half = alt + which * h;
                if (edge == 0)
                    memset(half, 0, h);
                else if (edge == 1)
                    memcpy(half, n, h);
                else
                    memset(half, 0xff, h);
                assert_err(mdlg_sig_verify(k, alg, msg, sizeof msg, alt, siglen),
                           MDLG_E_COSE_SIGNATURE_INVALID);
            }
        }
        mdlg_pkey_free(k);
    }
}

/* Minimal DER SEQUENCE { r, s } (the form COSE forbids). */
static size_t to_der(const uint8_t *sig, size_t h, uint8_t *out)
{
    size_t o = 2;
    for (int i = 0; i < 2; i++) {
        const uint8_t *v = sig + i * h;
        size_t n = h;
        while (n > 1 && v[0] == 0)
            v++, n--;
        bool pad = v[0] & 0x80;
        out[o++] = 0x02;
        out[o++] = (uint8_t)(n + pad);
        if (pad)
            out[o++] = 0;
        memcpy(out + o, v, n);
        o += n;
    }
    out[0] = 0x30;
    out[1] = (uint8_t)(o - 2);
    return o;
}

struct shape_case {
    const char *what;
    enum mdlg_curve key;
    int alg;
    int siglen_delta;   /* added to the correct signature length */
    bool der;
    mdlg_err want;
};

static const struct shape_case shape_cases[] = {
    { "ES256 sig as DER", MDLG_CRV_P256, MDLG_ALG_ES256, 0, true, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES384 sig as DER", MDLG_CRV_P384, MDLG_ALG_ES384, 0, true, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 one byte short", MDLG_CRV_P256, MDLG_ALG_ES256, -1, false, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES256 one byte long", MDLG_CRV_P256, MDLG_ALG_ES256, 1, false, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES512 as 2x64 bytes", MDLG_CRV_P521, MDLG_ALG_ES512, -4, false, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "EdDSA 63 bytes", MDLG_CRV_ED25519, MDLG_ALG_EDDSA, -1, false, MDLG_E_COSE_SIGNATURE_MALFORMED },
    { "ES384 on a P-256 key", MDLG_CRV_P256, MDLG_ALG_ES384, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 on a P-384 key", MDLG_CRV_P384, MDLG_ALG_ES256, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES512 on a P-256 key", MDLG_CRV_P256, MDLG_ALG_ES512, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "EdDSA on a P-256 key", MDLG_CRV_P256, MDLG_ALG_EDDSA, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 on an Ed25519 key", MDLG_CRV_ED25519, MDLG_ALG_ES256, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "ES256 on an X25519 key", MDLG_CRV_X25519, MDLG_ALG_ES256, 0, false, MDLG_E_COSE_KEY_ALG_MISMATCH },
    { "PS256 (-37)", MDLG_CRV_P256, -37, 0, false, MDLG_E_COSE_ALG_UNSUPPORTED },
    { "HMAC 256/256 as a signature", MDLG_CRV_P256, MDLG_ALG_HMAC256, 0, false, MDLG_E_COSE_ALG_UNSUPPORTED },
};

/* Verifies a genuine signature reshaped as the case says. */
static void test_signature_shape_and_alg(void **state)
{
    (void)state;
    static const uint8_t msg[] = "shape";
    for (size_t i = 0; i < sizeof shape_cases / sizeof shape_cases[0]; i++) {
        const struct shape_case *tc = &shape_cases[i];
        mdlg_pkey *k = generate(tc->key);
        uint8_t sig[140] = { 0 }, der[160];
        size_t siglen = 0;
        if (mdlg_pkey_default_alg(k) != 0)
            sign(k, msg, sizeof msg, sig, &siglen);
        else
            siglen = 64;
        const uint8_t *p = sig;
        size_t n = (size_t)((long)siglen + tc->siglen_delta);
        if (tc->der) {
            n = to_der(sig, siglen / 2, der);
            p = der;
        }
        mdlg_err got = mdlg_sig_verify(k, tc->alg, msg, sizeof msg, p, n);
        if (got != tc->want)
            print_error("%s: got %s\n", tc->what, mdlg_err_name(got));
        assert_err(got, tc->want);
        mdlg_pkey_free(k);
    }
}

/* RFC 8032 7.1 TEST 2 (one-byte message): a fixed Ed25519 known answer. */
static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    uint8_t sk[32], pk[32], sig[64], got[64], x[32];
    const uint8_t msg[] = { 0x72 };
    unhex_exact("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", sk, 32);
    unhex_exact("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", pk, 32);
    unhex_exact("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", sig, 64);
    mdlg_pkey *priv = NULL, *pub = NULL;
    assert_int_equal(mdlg_pkey_from_private(MDLG_CRV_ED25519, sk, 32, &priv), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_from_okp(MDLG_CRV_ED25519, pk, 32, &pub), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_get_xy(priv, x, NULL), MDLG_E_OK);
    assert_memory_equal(x, pk, 32);
    size_t n = sizeof got;
    assert_int_equal(mdlg_sig_sign(priv, MDLG_ALG_EDDSA, msg, 1, got, &n), MDLG_E_OK);
    assert_int_equal(n, 64);
    assert_memory_equal(got, sig, 64);
    assert_err(mdlg_sig_verify(pub, MDLG_ALG_EDDSA, msg, 1, sig, 64), MDLG_E_OK);
    assert_err(mdlg_sig_verify(pub, MDLG_ALG_EDDSA, msg, 0, sig, 64), MDLG_E_COSE_SIGNATURE_INVALID);
    mdlg_pkey_free(priv);
    mdlg_pkey_free(pub);
}

/* --- key import --- */

/* A point on P-256 with x = 0: (0, sqrt(b)). Written with x = p it must fail. */
#define P256_P "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
#define P256_Y0 "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4"

struct xy_case {
    const char *what;
    enum mdlg_curve crv;
    const char *x, *y;   /* NULL: take the coordinate of a fresh key */
    int yflip;           /* XOR into the last byte of y of the fresh key */
    size_t xlen, ylen;   /* 0: the field size */
    mdlg_err want;
};

static const struct xy_case xy_cases[] = {
    { "fresh P-256 point", MDLG_CRV_P256, NULL, NULL, 0, 0, 0, MDLG_E_OK },
    { "fresh P-521 point", MDLG_CRV_P521, NULL, NULL, 0, 0, 0, MDLG_E_OK },
    { "P-256 y off by one bit", MDLG_CRV_P256, NULL, NULL, 1, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-384 y off by one bit", MDLG_CRV_P384, NULL, NULL, 1, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-521 y off by one bit", MDLG_CRV_P521, NULL, NULL, 1, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-256 (0, sqrt b) is on the curve", MDLG_CRV_P256, "00", P256_Y0, 0, 0, 0, MDLG_E_OK },
    { "P-256 x = p (== 0 mod p)", MDLG_CRV_P256, P256_P, P256_Y0, 0, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-256 (0, 0)", MDLG_CRV_P256, "00", "00", 0, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-256 all ones", MDLG_CRV_P256, "ff", "ff", 0, 0, 0, MDLG_E_COSE_KEY_NOT_ON_CURVE },
    { "P-256 x 31 bytes", MDLG_CRV_P256, NULL, NULL, 0, 31, 0, MDLG_E_COSE_KEY_MALFORMED },
    { "P-256 y 33 bytes", MDLG_CRV_P256, NULL, NULL, 0, 0, 33, MDLG_E_COSE_KEY_MALFORMED },
    { "P-521 x 64 bytes", MDLG_CRV_P521, NULL, NULL, 0, 64, 0, MDLG_E_COSE_KEY_MALFORMED },
    { "X25519 as EC2", MDLG_CRV_X25519, NULL, NULL, 0, 32, 32, MDLG_E_COSE_KEY_UNSUPPORTED },
    { "Ed25519 as EC2", MDLG_CRV_ED25519, NULL, NULL, 0, 32, 32, MDLG_E_COSE_KEY_UNSUPPORTED },
    { "curve 99", (enum mdlg_curve)99, NULL, NULL, 0, 32, 32, MDLG_E_COSE_KEY_UNSUPPORTED },
};

/* Fills a coordinate from hex: "00"/"ff" repeat that byte, longer hex is exact. */
static void coordinate(const char *hex, uint8_t *out, size_t size)
{
    if (strlen(hex) == 2) {
        uint8_t b;
        unhex_exact(hex, &b, 1);
        memset(out, b, size);
    } else {
        unhex_exact(hex, out, size);
    }
}

static void test_pkey_from_ec_xy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof xy_cases / sizeof xy_cases[0]; i++) {
        const struct xy_case *tc = &xy_cases[i];
        size_t size = mdlg_curve_size(tc->crv) ? mdlg_curve_size(tc->crv) : 32;
        uint8_t x[70] = { 0 }, y[70] = { 0 };
        if (tc->x != NULL) {
            coordinate(tc->x, x, size);
            coordinate(tc->y, y, size);
        } else if (tc->crv >= MDLG_CRV_P256 && tc->crv <= MDLG_CRV_P521) {
            mdlg_pkey *k = generate(tc->crv);
            assert_int_equal(mdlg_pkey_get_xy(k, x, y), MDLG_E_OK);
            mdlg_pkey_free(k);
            y[size - 1] ^= (uint8_t)tc->yflip;
        }
        mdlg_pkey *k = NULL;
        mdlg_err got = mdlg_pkey_from_ec_xy(tc->crv, x, tc->xlen ? tc->xlen : size, y,
                                            tc->ylen ? tc->ylen : size, &k);
        if (got != tc->want)
            print_error("%s: got %s\n", tc->what, mdlg_err_name(got));
        assert_err(got, tc->want);
        assert_true((k != NULL) == (got == MDLG_E_OK));
        mdlg_pkey_free(k);
    }
}

static void test_pkey_from_okp_and_private(void **state)
{
    (void)state;
    uint8_t b[66];
    memset(b, 0x42, sizeof b);
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_from_okp(MDLG_CRV_ED25519, b, 31, &k), MDLG_E_COSE_KEY_MALFORMED);
    assert_err(mdlg_pkey_from_okp(MDLG_CRV_P256, b, 32, &k), MDLG_E_COSE_KEY_UNSUPPORTED);
    assert_err(mdlg_pkey_from_okp(MDLG_CRV_X25519, b, 32, &k), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_curve(k), MDLG_CRV_X25519);
    assert_int_equal(mdlg_pkey_default_alg(k), 0);
    mdlg_pkey_free(k);
    /* Private scalars must be 1 <= d < n. */
    uint8_t n[66];
    unhex_exact(curve_order[MDLG_CRV_P256], n, 32);
    assert_err(mdlg_pkey_from_private(MDLG_CRV_P256, n, 32, &k), MDLG_E_COSE_KEY_MALFORMED);
    memset(b, 0, 32);
    assert_err(mdlg_pkey_from_private(MDLG_CRV_P256, b, 32, &k), MDLG_E_COSE_KEY_MALFORMED);
    assert_err(mdlg_pkey_from_private(MDLG_CRV_P256, b, 31, &k), MDLG_E_COSE_KEY_MALFORMED);
    n[31] -= 1;   /* n - 1 is the largest valid scalar */
    assert_err(mdlg_pkey_from_private(MDLG_CRV_P256, n, 32, &k), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_default_alg(k), MDLG_ALG_ES256);
    mdlg_pkey_free(k);
}

/* openssl ecparam -name secp384r1 -genkey: an "EC PARAMETERS" block, then SEC1. */
static const char sec1_p384[] =
    "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n"
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MIGkAgEBBDDmPPWbCufh0jDPfzV0w+FpFhE1bqixpvyRnUkFCoUJPmoh1dXBNnLr\n"
    "vhzLr4f1BYegBwYFK4EEACKhZANiAASkJDb4uguGVB8+2gj3eElV2v/oD2bH/G/K\n"
    "Bl3ESyRmtJ9aM+StMDgcwCQdXMxlXnHVja3t0LszRgD51mo0Mc/0YdBNsY2WnqLa\n"
    "prmyx7QLq6irrdrzJf2ZsEg4MmNRF7I=\n"
    "-----END EC PRIVATE KEY-----\n";
static const char spki_p384[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEpCQ2+LoLhlQfPtoI93hJVdr/6A9mx/xv\n"
    "ygZdxEskZrSfWjPkrTA4HMAkHVzMZV5x1Y2t7dC7M0YA+dZqNDHP9GHQTbGNlp6i\n"
    "2qa5sse0C6uoq63a8yX9mbBIODJjURey\n"
    "-----END PUBLIC KEY-----\n";
static const char pkcs8_ed25519[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIDfVQEkhFgCMENMjeYc9Jr4cR+tM/em2uUJyO6Y9hSx\n"
    "-----END PRIVATE KEY-----\n";
static const char spki_ed25519[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAznephqtdKnydIhokJ7W3rvKrCnOGQgRTEGHLXEz91sU=\n"
    "-----END PUBLIC KEY-----\n";
static const char spki_secp256k1[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEez5vqnt1UGSdSW52NE+Uc27v7/JOarFr\n"
    "9DmMkCJRclP2Ussct/bnd9sh7xpeyOpHphZLTKqMDYXQDjXrPsHYdA==\n"
    "-----END PUBLIC KEY-----\n";

struct pem_pair {
    const char *priv, *pub;
    enum mdlg_curve crv;
};

static const struct pem_pair pem_pairs[] = {
    { sec1_p384, spki_p384, MDLG_CRV_P384 },
    { pkcs8_ed25519, spki_ed25519, MDLG_CRV_ED25519 },
};

static mdlg_pkey *pem_key(const char *pem)
{
    mdlg_pkey *k = NULL;
    assert_err(mdlg_pkey_from_pem(pem, strlen(pem), &k), MDLG_E_OK);
    return k;
}

/* Private and public PEM halves match: sign with one, verify with the other. */
static void test_pem_pairs(void **state)
{
    (void)state;
    static const uint8_t msg[] = "pem";
    for (size_t i = 0; i < sizeof pem_pairs / sizeof pem_pairs[0]; i++) {
        mdlg_pkey *priv = pem_key(pem_pairs[i].priv), *pub = pem_key(pem_pairs[i].pub);
        assert_int_equal(mdlg_pkey_curve(priv), pem_pairs[i].crv);
        assert_int_equal(mdlg_pkey_curve(pub), pem_pairs[i].crv);
        uint8_t sig[132];
        size_t siglen;
        sign(priv, msg, sizeof msg, sig, &siglen);
        assert_err(mdlg_sig_verify(pub, mdlg_pkey_default_alg(pub), msg, sizeof msg, sig, siglen),
                   MDLG_E_OK);
        mdlg_pkey_free(priv);
        mdlg_pkey_free(pub);
    }
    /* SEC1 without the "EC PARAMETERS" block in front. */
    mdlg_pkey *bare = pem_key(strstr(sec1_p384, "-----BEGIN EC PRIVATE KEY-----"));
    assert_int_equal(mdlg_pkey_curve(bare), MDLG_CRV_P384);
    mdlg_pkey_free(bare);
}

static void test_pem_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "not pem at all", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----\n",
    };
    mdlg_pkey *k = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_err(mdlg_pkey_from_pem(bad[i], strlen(bad[i]), &k), MDLG_E_COSE_KEY_MALFORMED);
    assert_err(mdlg_pkey_from_pem(spki_secp256k1, strlen(spki_secp256k1), &k),
               MDLG_E_COSE_KEY_UNSUPPORTED);
    assert_null(k);
}

/* Generated keys survive PEM export/import (private as PKCS#8, public as SPKI). */
/* Base64 (with padding) of n bytes into out (NUL-terminated). */
static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
}

/*
 * A P-256 public key sent as a compressed point (SubjectPublicKeyInfo, as a
 * certificate may carry it): its ECDSA verification form is built from the
 * point OpenSSL decoded, so it must verify like the key itself.
 */
static void test_compressed_point_key(void **state)
{
    (void)state;
    static const uint8_t spki_head[] = {   /* SPKI, id-ecPublicKey, prime256v1, 33-byte point */
        0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00,
    };
    static const uint8_t msg[] = "compressed";
    mdlg_pkey *k = generate(MDLG_CRV_P256), *pub = NULL;
    uint8_t x[32], y[32], der[sizeof spki_head + 33], sig[64];
    char pem[200] = "-----BEGIN PUBLIC KEY-----\n";
    size_t siglen;
    assert_err(mdlg_pkey_get_xy(k, x, y), MDLG_E_OK);
    memcpy(der, spki_head, sizeof spki_head);
    der[sizeof spki_head] = (uint8_t)(0x02 | (y[31] & 1));
    memcpy(der + sizeof spki_head + 1, x, 32);
    base64(der, sizeof der, pem + strlen(pem));
    strcat(pem, "\n-----END PUBLIC KEY-----\n");
    assert_err(mdlg_pkey_from_pem(pem, strlen(pem), &pub), MDLG_E_OK);
    sign(k, msg, sizeof msg, sig, &siglen);
    assert_err(mdlg_sig_verify(pub, MDLG_ALG_ES256, msg, sizeof msg, sig, 64), MDLG_E_OK);
    sig[40] ^= 1;
    assert_err(mdlg_sig_verify(pub, MDLG_ALG_ES256, msg, sizeof msg, sig, 64),
               MDLG_E_COSE_SIGNATURE_INVALID);
    uint8_t x2[32], y2[32];
    assert_err(mdlg_pkey_get_xy(pub, x2, y2), MDLG_E_OK);
    assert_memory_equal(y, y2, 32);   /* decompressed to the same point */
    mdlg_pkey_free(pub);
    mdlg_pkey_free(k);
}

static void test_pem_roundtrip(void **state)
{
    (void)state;
    static const enum mdlg_curve curves[] = {
        MDLG_CRV_P256, MDLG_CRV_P384, MDLG_CRV_P521, MDLG_CRV_ED25519, MDLG_CRV_X25519,
    };
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        mdlg_pkey *k = generate(curves[i]), *pub = public_half(k), *back = NULL;
        char *pem = NULL;
        size_t len = 0;
        uint8_t x1[66], y1[66], x2[66], y2[66];
        assert_err(mdlg_pkey_to_pem(k, true, &pem, &len), MDLG_E_OK);
        assert_int_equal(strlen(pem), len);
        assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
        assert_err(mdlg_pkey_from_pem(pem, len, &back), MDLG_E_OK);
        free(pem);
        assert_err(mdlg_pkey_get_xy(k, x1, y1), MDLG_E_OK);
        assert_err(mdlg_pkey_get_xy(back, x2, y2), MDLG_E_OK);
        assert_memory_equal(x1, x2, mdlg_curve_size(curves[i]));
        mdlg_pkey_free(back);
        assert_err(mdlg_pkey_to_pem(pub, true, &pem, &len), MDLG_E_USAGE);
        assert_err(mdlg_pkey_to_pem(pub, false, &pem, &len), MDLG_E_OK);
        assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
        assert_err(mdlg_pkey_from_pem(pem, len, &back), MDLG_E_OK);
        assert_int_equal(mdlg_pkey_curve(back), curves[i]);
        free(pem);
        mdlg_pkey_free(back);
        mdlg_pkey_free(pub);
        mdlg_pkey_free(k);
    }
}

/* The Annex D PKCS#8 keys carry the coordinates listed in the .txt files. */
static void test_annex_d_keys(void **state)
{
    (void)state;
    static const char *const names[] = { "static_device_key", "ephemeral_reader_key",
                                         "ephemeral_device_key" };
    for (size_t i = 0; i < 3; i++) {
        char rel[128];
        size_t len;
        snprintf(rel, sizeof rel, ANNEX_D "%s.txt", names[i]);
        char *txt = (char *)shared_file(rel, &len);
        snprintf(rel, sizeof rel, ANNEX_D "%s.pem", names[i]);
        mdlg_pkey *k = key_from_pem_file(rel), *fromd = NULL;
        uint8_t x[32], y[32], d[32], x2[32], y2[32];
        char hx[65], hy[65], hd[65];
        assert_int_equal(sscanf(txt, "curve=P-256 x=%64s y=%64s d=%64s", hx, hy, hd), 3);
        free(txt);
        unhex_exact(hx, x, 32);
        unhex_exact(hy, y, 32);
        unhex_exact(hd, d, 32);
        assert_err(mdlg_pkey_get_xy(k, x2, y2), MDLG_E_OK);
        assert_memory_equal(x, x2, 32);
        assert_memory_equal(y, y2, 32);
        assert_err(mdlg_pkey_from_private(MDLG_CRV_P256, d, 32, &fromd), MDLG_E_OK);
        assert_err(mdlg_pkey_get_xy(fromd, x2, y2), MDLG_E_OK);
        assert_memory_equal(x, x2, 32);
        assert_memory_equal(y, y2, 32);
        mdlg_pkey_free(fromd);
        mdlg_pkey_free(k);
    }
}

static void test_pkey_ref_and_info(void **state)
{
    (void)state;
    mdlg_pkey *k = generate(MDLG_CRV_P384);
    assert_ptr_equal(mdlg_pkey_ref(k), k);
    mdlg_pkey_free(k);   /* one reference left */
    assert_int_equal(mdlg_pkey_curve(k), MDLG_CRV_P384);
    assert_int_equal(mdlg_pkey_default_alg(k), MDLG_ALG_ES384);
    mdlg_pkey_free(k);
    mdlg_pkey_free(NULL);
    assert_null(mdlg_pkey_ref(NULL));
    assert_int_equal(mdlg_pkey_curve(NULL), MDLG_CRV_NONE);
    assert_int_equal(mdlg_pkey_default_alg(NULL), 0);
    static const size_t sizes[][2] = {
        { MDLG_CRV_P256, 32 }, { MDLG_CRV_P384, 48 }, { MDLG_CRV_P521, 66 },
        { MDLG_CRV_X25519, 32 }, { MDLG_CRV_ED25519, 32 }, { MDLG_CRV_NONE, 0 }, { 5, 0 },
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        assert_int_equal(mdlg_curve_size((enum mdlg_curve)sizes[i][0]), sizes[i][1]);
}

/* --- hashes, HMAC, HKDF known answers --- */

struct hash_case {
    enum mdlg_hash_alg h;
    const char *msg;
    const char *digest;
};

static const struct hash_case hash_cases[] = {
    { MDLG_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { MDLG_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { MDLG_SHA384, "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                          "8086072ba1e7cc2358baeca134c825a7" },
    { MDLG_SHA512, "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};

static void test_hash_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hash_cases / sizeof hash_cases[0]; i++) {
        const struct hash_case *tc = &hash_cases[i];
        uint8_t want[64], got[MDLG_HASH_MAX];
        size_t n = mdlg_hash_len(tc->h);
        unhex_exact(tc->digest, want, n);
        assert_err(mdlg_hash(tc->h, (const uint8_t *)tc->msg, strlen(tc->msg), got), MDLG_E_OK);
        assert_memory_equal(got, want, n);
        if (tc->h == MDLG_SHA256) {
            assert_err(mdlg_sha256((const uint8_t *)tc->msg, strlen(tc->msg), got), MDLG_E_OK);
            assert_memory_equal(got, want, 32);
        }
    }
    uint8_t out[MDLG_HASH_MAX];
    assert_int_equal(mdlg_hash_len((enum mdlg_hash_alg)9), 0);
    assert_err(mdlg_hash((enum mdlg_hash_alg)9, out, 0, out), MDLG_E_USAGE);
}

/* RFC 4231 test case 2 and RFC 5869 test case 1, plus the HKDF size limits. */
static void test_hmac_hkdf_known_answers(void **state)
{
    (void)state;
    uint8_t mac[32], want[42], ikm[22], salt[13], info[10], okm[8161];
    unhex_exact("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    assert_err(mdlg_hmac_sha256((const uint8_t *)"Jefe", 4,
                                (const uint8_t *)"what do ya want for nothing?", 28, mac), MDLG_E_OK);
    assert_memory_equal(mac, want, 32);
    memset(ikm, 0x0b, sizeof ikm);
    unhex_exact("000102030405060708090a0b0c", salt, sizeof salt);
    unhex_exact("f0f1f2f3f4f5f6f7f8f9", info, sizeof info);
    unhex_exact("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                "34007208d5b887185865", want, 42);
    assert_err(mdlg_hkdf_sha256(ikm, 22, salt, 13, info, 10, okm, 42), MDLG_E_OK);
    assert_memory_equal(okm, want, 42);
    assert_err(mdlg_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 255 * 32), MDLG_E_OK);
    assert_err(mdlg_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 255 * 32 + 1), MDLG_E_USAGE);
    assert_err(mdlg_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 0), MDLG_E_USAGE);
}

static void test_ct_equal_and_random(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    mdlg_random(a, sizeof a);
    memcpy(b, a, sizeof a);
    assert_true(mdlg_ct_equal(a, b, sizeof a));
    assert_true(mdlg_ct_equal(a, b, 0));
    for (size_t i = 0; i < sizeof a; i += 21) {
        b[i] ^= 0x80;
        assert_false(mdlg_ct_equal(a, b, sizeof a));
        b[i] ^= 0x80;
    }
    mdlg_random(b, sizeof b);
    assert_false(mdlg_ct_equal(a, b, sizeof a));   /* 2^-512 chance of a false failure */
}

/* --- ECDH --- */

static void test_ecdh_symmetry(void **state)
{
    (void)state;
    static const enum mdlg_curve curves[] = {
        MDLG_CRV_P256, MDLG_CRV_P384, MDLG_CRV_P521, MDLG_CRV_X25519,
    };
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        mdlg_pkey *a = generate(curves[i]), *b = generate(curves[i]);
        mdlg_pkey *b_pub = public_half(b);
        uint8_t z1[66], z2[66];
        size_t n1 = 0, n2 = 0;
        assert_err(mdlg_ecdh(a, b_pub, z1, &n1), MDLG_E_OK);
        assert_err(mdlg_ecdh(b, a, z2, &n2), MDLG_E_OK);
        assert_int_equal(n1, mdlg_curve_size(curves[i]));
        assert_int_equal(n1, n2);
        assert_memory_equal(z1, z2, n1);
        assert_err(mdlg_ecdh(b_pub, a, z2, &n2), MDLG_E_USAGE);   /* no private part */
        mdlg_pkey_free(a);
        mdlg_pkey_free(b);
        mdlg_pkey_free(b_pub);
    }
    mdlg_pkey *p256 = generate(MDLG_CRV_P256), *p384 = generate(MDLG_CRV_P384);
    mdlg_pkey *ed = generate(MDLG_CRV_ED25519);
    uint8_t z[66];
    size_t n;
    assert_err(mdlg_ecdh(p256, p384, z, &n), MDLG_E_COSE_KEY_ALG_MISMATCH);
    assert_err(mdlg_ecdh(ed, ed, z, &n), MDLG_E_COSE_KEY_UNSUPPORTED);
    mdlg_pkey_free(p256);
    mdlg_pkey_free(p384);
    mdlg_pkey_free(ed);
}

/* X25519 with a small-order peer (the all-zero point) gives an all-zero secret: refused. */
static void test_x25519_small_order(void **state)
{
    (void)state;
    uint8_t zero[32] = { 0 }, z[66];
    size_t n;
    mdlg_pkey *me = generate(MDLG_CRV_X25519), *peer = NULL;
    assert_err(mdlg_pkey_from_okp(MDLG_CRV_X25519, zero, 32, &peer), MDLG_E_OK);
    assert_err(mdlg_ecdh(me, peer, z, &n), MDLG_E_COSE_KEY_MALFORMED);
    mdlg_pkey_free(me);
    mdlg_pkey_free(peer);
}

/* Appends a CBOR byte-string head (major type 2) for n bytes. */
static size_t cbor_bstr_head(uint8_t *out, size_t n)
{
    if (n < 24) {
        out[0] = (uint8_t)(0x40 | n);
        return 1;
    }
    if (n < 256) {
        out[0] = 0x58;
        out[1] = (uint8_t)n;
        return 2;
    }
    out[0] = 0x59;
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    return 3;
}

/*
 * ISO 18013-5 Annex D deviceMac, end to end through this API:
 *   Z = ECDH(EReaderKey.d, deviceKey), EMacKey = HKDF(Z, SHA-256(SessionTranscriptBytes), "EMacKey"),
 *   tag = HMAC(EMacKey, ["MAC0", h'a10105', h'', DeviceAuthenticationBytes]).
 * Z and EMacKey were computed independently with Python `cryptography`.
 */
static void test_annex_d_device_mac(void **state)
{
    (void)state;
    size_t stlen, rlen;
    uint8_t *sthex = shared_file(ANNEX_D "session_transcript_bytes.hex", &stlen);
    uint8_t *rhex = shared_file(ANNEX_D "device_response.hex", &rlen);
    static struct buf st, resp;
    static uint8_t da[4096], mac0[4096];
    unhex((char *)sthex, &st);
    unhex((char *)rhex, &resp);
    free(sthex);
    free(rhex);
    mdlg_pkey *reader = key_from_pem_file(ANNEX_D "ephemeral_reader_key.pem");
    mdlg_pkey *device = key_from_pem_file(ANNEX_D "static_device_key.pem");
    mdlg_pkey *device_pub = public_half(device);

    uint8_t z[66], salt[32], key[32], tag[32], want[32];
    size_t zlen = 0;
    assert_err(mdlg_ecdh(reader, device_pub, z, &zlen), MDLG_E_OK);
    unhex_exact("78d98a86fbbb82895874bfafcc161ba69f9b77662172c74b3b0d4643276cf991", want, 32);
    assert_int_equal(zlen, 32);
    assert_memory_equal(z, want, 32);
    assert_err(mdlg_sha256(st.b, st.n, salt), MDLG_E_OK);
    assert_err(mdlg_hkdf_sha256(z, zlen, salt, 32, (const uint8_t *)"EMacKey", 7, key, 32), MDLG_E_OK);
    unhex_exact("dc2b9566fdaaae3c06baa40993cd0451aeba15e7677ef5305f6531f3533c35dd", want, 32);
    assert_memory_equal(key, want, 32);

    /* DeviceAuthentication = ["DeviceAuthentication", SessionTranscript, docType, 24(h'a0')] */
    static const char doctype[] = "org.iso.18013.5.1.mDL";
    assert_memory_equal(st.b, "\xd8\x18\x59\x02\x41", 5);   /* 24(bstr of 577 bytes) */
    size_t n = 0;
    da[n++] = 0x84;
    da[n++] = 0x60 | 20;
    memcpy(da + n, "DeviceAuthentication", 20), n += 20;
    memcpy(da + n, st.b + 5, st.n - 5), n += st.n - 5;
    da[n++] = (uint8_t)(0x60 | (sizeof doctype - 1));
    memcpy(da + n, doctype, sizeof doctype - 1), n += sizeof doctype - 1;
    memcpy(da + n, "\xd8\x18\x41\xa0", 4), n += 4;
    /* MAC_structure = ["MAC0", h'a10105', h'', bstr(24(bstr(DeviceAuthentication)))] */
    uint8_t inner[3];
    size_t ilen = cbor_bstr_head(inner, n), m = 0;
    memcpy(mac0, "\x84\x64MAC0\x43\xa1\x01\x05\x40", 11), m += 11;
    m += cbor_bstr_head(mac0 + m, 2 + ilen + n);
    memcpy(mac0 + m, "\xd8\x18", 2), m += 2;
    memcpy(mac0 + m, inner, ilen), m += ilen;
    memcpy(mac0 + m, da, n), m += n;
    assert_err(mdlg_hmac_sha256(key, 32, mac0, m, tag), MDLG_E_OK);

    /* deviceMac = [h'a10105', {}, null, h'<32-byte tag>'] inside the DeviceResponse */
    static const uint8_t head[] = { 0x84, 0x43, 0xa1, 0x01, 0x05, 0xa0, 0xf6, 0x58, 0x20 };
    const uint8_t *at = memmem(resp.b, resp.n, head, sizeof head);
    assert_non_null(at);
    assert_true(mdlg_ct_equal(tag, at + sizeof head, 32));
    mdlg_pkey_free(reader);
    mdlg_pkey_free(device);
    mdlg_pkey_free(device_pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        { "wycheproof_ecdsa_p256", test_wycheproof_ecdsa, NULL, NULL, (void *)&ecdsa_files[0] },
        { "wycheproof_ecdsa_p384", test_wycheproof_ecdsa, NULL, NULL, (void *)&ecdsa_files[1] },
        { "wycheproof_ecdsa_p521", test_wycheproof_ecdsa, NULL, NULL, (void *)&ecdsa_files[2] },
        cmocka_unit_test(test_wycheproof_hmac),
        cmocka_unit_test(test_wycheproof_hkdf),
        cmocka_unit_test(test_wycheproof_ecdh),
        cmocka_unit_test(test_sign_verify_roundtrip),
        cmocka_unit_test(test_verify_shared_key_threads),
        cmocka_unit_test(test_keys_in_turn),
        cmocka_unit_test(test_ecdsa_high_s_and_range),
        cmocka_unit_test(test_signature_shape_and_alg),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_pkey_from_ec_xy),
        cmocka_unit_test(test_pkey_from_okp_and_private),
        cmocka_unit_test(test_pem_pairs),
        cmocka_unit_test(test_pem_rejects),
        cmocka_unit_test(test_pem_roundtrip),
        cmocka_unit_test(test_compressed_point_key),
        cmocka_unit_test(test_annex_d_keys),
        cmocka_unit_test(test_pkey_ref_and_info),
        cmocka_unit_test(test_hash_known_answers),
        cmocka_unit_test(test_hmac_hkdf_known_answers),
        cmocka_unit_test(test_ct_equal_and_random),
        cmocka_unit_test(test_ecdh_symmetry),
        cmocka_unit_test(test_x25519_small_order),
        cmocka_unit_test(test_annex_d_device_mac),
    };
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
