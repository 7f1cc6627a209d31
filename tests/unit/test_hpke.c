/*
 * test_hpke.c - RFC 9180 HPKE, DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 /
 * AES-128-GCM (include/mdlg/hpke.h).
 *
 * The RFC 9180 A.3.1 (base) and A.3.2 (psk) vectors come from $MDLG_SHARED
 * and are skip()ped when it is absent; round trips, tampering and usage
 * errors need no files.
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

#include "mdlg/hpke.h"
#include "testutil.h"

#define HPKE_VECTORS "vectors/ext/hpke/rfc9180-a3-p256-sha256-aes128gcm.json"

#define B(p, n) mdlg_bytes_make((p), (n))
#define NONE mdlg_bytes_make(NULL, 0)

static void assert_err_at(mdlg_err got, mdlg_err want, const char *file, int line)
{
    if (got != want)
        fail_msg("%s:%d: got %s (%d), want %s (%d)", file, line, mdlg_err_name(got), got,
                 mdlg_err_name(want), want);
}
#define assert_err(got, want) assert_err_at((got), (want), __FILE__, __LINE__)

/* A decoded hex field. */
struct buf {
    uint8_t b[1024];
    size_t n;
};

static struct mdlg_bytes bb(const struct buf *x)
{
    return mdlg_bytes_make(x->b, x->n);
}

static void jhex(json_t *obj, const char *key, struct buf *out)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s == NULL)
        fail_msg("vector lacks %s", key);
    out->n = mdlg_test_hex_decode(s, out->b, sizeof out->b);
    assert_true(out->n != (size_t)-1);
}

static void assert_hex_eq(const uint8_t *got, size_t n, json_t *obj, const char *key)
{
    struct buf want;
    jhex(obj, key, &want);
    assert_int_equal(n, want.n);
    if (memcmp(got, want.b, n) != 0) {
        char *h = mdlg_test_hex_encode(got, n);
        fail_msg("%s: got %s, want %s", key, h, json_string_value(json_object_get(obj, key)));
    }
}

/* The vector file; skip()s when the shared directory is absent. */
static json_t *load_vectors(void)
{
    if (mdlg_test_shared() == NULL)
        skip();
    char *path = mdlg_test_shared_path(HPKE_VECTORS);
    if (path == NULL)
        fail_msg("missing shared file %s", HPKE_VECTORS);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    free(path);
    assert_non_null(root);
    assert_int_equal(json_array_size(root), 2);
    return root;
}

/* The keys of one vector: DeriveKeyPair checked against skXm / pkXm. */
struct keys {
    mdlg_pkey *skE, *skR, *pkR;
};

static mdlg_pkey *derive_checked(json_t *v, const char *ikm, const char *sk, const char *pk)
{
    struct buf in;
    uint8_t skb[MDLG_HPKE_SK_LEN], pkb[MDLG_HPKE_ENC_LEN] = { 0x04 };
    mdlg_pkey *k = NULL;
    jhex(v, ikm, &in);
    assert_err(mdlg_hpke_derive_keypair(bb(&in), skb, &k), MDLG_E_OK);
    assert_hex_eq(skb, sizeof skb, v, sk);
    assert_err(mdlg_pkey_get_xy(k, pkb + 1, pkb + 33), MDLG_E_OK);
    assert_hex_eq(pkb, sizeof pkb, v, pk);
    return k;
}

static void load_keys(json_t *v, struct keys *k)
{
    k->skE = derive_checked(v, "ikmE", "skEm", "pkEm");
    k->skR = derive_checked(v, "ikmR", "skRm", "pkRm");
    struct buf pk;
    jhex(v, "pkRm", &pk);
    assert_int_equal(pk.n, 65);
    assert_err(mdlg_pkey_from_ec_xy(MDLG_CRV_P256, pk.b + 1, 32, pk.b + 33, 32, &k->pkR),
               MDLG_E_OK);
}

static void free_keys(struct keys *k)
{
    mdlg_pkey_free(k->skE);
    mdlg_pkey_free(k->skR);
    mdlg_pkey_free(k->pkR);
}

/* psk for mode 1, NULL for mode 0. */
static const struct mdlg_hpke_psk *vector_psk(json_t *v, struct mdlg_hpke_psk *p,
                                              struct buf *psk, struct buf *id)
{
    if (json_integer_value(json_object_get(v, "mode")) == 0)
        return NULL;
    jhex(v, "psk", psk);
    jhex(v, "psk_id", id);
    p->psk = bb(psk);
    p->psk_id = bb(id);
    return p;
}

static void assert_ctx_matches(const struct mdlg_hpke_ctx *ctx, json_t *v)
{
    assert_hex_eq(ctx->key, sizeof ctx->key, v, "key");
    assert_hex_eq(ctx->base_nonce, sizeof ctx->base_nonce, v, "base_nonce");
    assert_hex_eq(ctx->exporter_secret, sizeof ctx->exporter_secret, v, "exporter_secret");
    assert_int_equal(ctx->seq, 0);
}

/* key_schedule_context and secret from the labeled primitives. */
static void check_schedule_parts(json_t *v, const uint8_t ss[32], const struct mdlg_hpke_psk *p)
{
    struct buf info;
    jhex(v, "info", &info);
    uint8_t ksc[65], secret[32];
    ksc[0] = (uint8_t)json_integer_value(json_object_get(v, "mode"));
    assert_err(mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE, NONE, "psk_id_hash",
                                         p ? p->psk_id : NONE, ksc + 1), MDLG_E_OK);
    assert_err(mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE, NONE, "info_hash", bb(&info),
                                         ksc + 33), MDLG_E_OK);
    assert_hex_eq(ksc, sizeof ksc, v, "key_schedule_context");
    assert_err(mdlg_hpke_labeled_extract(MDLG_HPKE_LABEL_HPKE, B(ss, 32), "secret",
                                         p ? p->psk : NONE, secret), MDLG_E_OK);
    assert_hex_eq(secret, sizeof secret, v, "secret");
}

/* KEM, key schedule and both setups for one vector. */
static void check_kem_and_schedule(json_t *v, const struct keys *k, const struct mdlg_hpke_psk *p)
{
    struct buf info, enc;
    jhex(v, "info", &info);
    jhex(v, "enc", &enc);
    uint8_t ss[32], ss2[32], encb[MDLG_HPKE_ENC_LEN];
    assert_err(mdlg_hpke_encap(k->pkR, k->skE, ss, encb), MDLG_E_OK);
    assert_hex_eq(encb, sizeof encb, v, "enc");
    assert_hex_eq(ss, sizeof ss, v, "shared_secret");
    assert_err(mdlg_hpke_decap(k->skR, bb(&enc), ss2), MDLG_E_OK);
    assert_hex_eq(ss2, sizeof ss2, v, "shared_secret");
    check_schedule_parts(v, ss, p);

    enum mdlg_hpke_mode mode = p ? MDLG_HPKE_MODE_PSK : MDLG_HPKE_MODE_BASE;
    struct mdlg_hpke_ctx ctx;
    assert_err(mdlg_hpke_key_schedule(&ctx, mode, ss, bb(&info), p), MDLG_E_OK);
    assert_ctx_matches(&ctx, v);
    memset(encb, 0, sizeof encb);
    assert_err(mdlg_hpke_setup_s(&ctx, k->pkR, k->skE, bb(&info), p, encb), MDLG_E_OK);
    assert_hex_eq(encb, sizeof encb, v, "enc");
    assert_ctx_matches(&ctx, v);
    assert_err(mdlg_hpke_setup_r(&ctx, k->skR, bb(&enc), bb(&info), p), MDLG_E_OK);
    assert_ctx_matches(&ctx, v);
}

/* Every encryption at its own seq: Seal gives ct, Open gives pt, seq advances. */
static void check_encryptions(json_t *v, struct mdlg_hpke_ctx *ctx)
{
    json_t *list = json_object_get(v, "encryptions"), *e;
    size_t i;
    assert_int_equal(json_array_size(list), 6);
    json_array_foreach(list, i, e) {
        struct buf aad, pt, ct;
        uint8_t out[256];
        size_t n = 0;
        uint64_t seq = (uint64_t)json_integer_value(json_object_get(e, "seq"));
        jhex(e, "aad", &aad);
        jhex(e, "pt", &pt);
        jhex(e, "ct", &ct);
        ctx->seq = seq;
        assert_err(mdlg_hpke_ctx_seal(ctx, bb(&aad), bb(&pt), out, sizeof out, &n), MDLG_E_OK);
        assert_hex_eq(out, n, e, "ct");
        assert_int_equal(ctx->seq, seq + 1);
        ctx->seq = seq;
        assert_err(mdlg_hpke_ctx_open(ctx, bb(&aad), bb(&ct), out, sizeof out, &n), MDLG_E_OK);
        assert_hex_eq(out, n, e, "pt");
        assert_int_equal(ctx->seq, seq + 1);
        /* the same ciphertext at the next seq: another nonce, tag fails, seq stays */
        assert_err(mdlg_hpke_ctx_open(ctx, bb(&aad), bb(&ct), out, sizeof out, &n),
                   MDLG_E_DECRYPT_FAILED);
        assert_int_equal(ctx->seq, seq + 1);
    }
}

static void check_exports(json_t *v, const struct mdlg_hpke_ctx *ctx)
{
    json_t *list = json_object_get(v, "exports"), *e;
    size_t i;
    assert_int_equal(json_array_size(list), 3);
    json_array_foreach(list, i, e) {
        struct buf c;
        uint8_t out[64];
        size_t L = (size_t)json_integer_value(json_object_get(e, "L"));
        jhex(e, "exporter_context", &c);
        assert_true(L > 0 && L <= sizeof out);
        assert_err(mdlg_hpke_export(ctx, bb(&c), out, L), MDLG_E_OK);
        assert_hex_eq(out, L, e, "exported_value");
    }
}

/* state: index of the vector (0 = A.3.1 base, 1 = A.3.2 psk). */
static void test_rfc9180_vector(void **state)
{
    size_t idx = *(const size_t *)*state;
    json_t *root = load_vectors();
    json_t *v = json_array_get(root, idx);
    assert_int_equal(json_integer_value(json_object_get(v, "mode")), (json_int_t)idx);
    assert_int_equal(json_integer_value(json_object_get(v, "kem_id")), MDLG_HPKE_KEM_ID);
    assert_int_equal(json_integer_value(json_object_get(v, "kdf_id")), MDLG_HPKE_KDF_ID);
    assert_int_equal(json_integer_value(json_object_get(v, "aead_id")), MDLG_HPKE_AEAD_ID);
    struct keys k;
    struct mdlg_hpke_psk pskv;
    struct buf psk, id, info, enc;
    const struct mdlg_hpke_psk *p = vector_psk(v, &pskv, &psk, &id);
    load_keys(v, &k);
    check_kem_and_schedule(v, &k, p);
    jhex(v, "info", &info);
    jhex(v, "enc", &enc);
    struct mdlg_hpke_ctx ctx;
    assert_err(mdlg_hpke_setup_r(&ctx, k.skR, bb(&enc), bb(&info), p), MDLG_E_OK);
    check_encryptions(v, &ctx);
    check_exports(v, &ctx);
    free_keys(&k);
    json_decref(root);
}

/* A.3.1 base mode through the single-shot open (seq 0), and a counting context. */
static void test_rfc9180_single_shot_and_sequence(void **state)
{
    (void)state;
    json_t *root = load_vectors();
    json_t *v = json_array_get(root, 0), *list = json_object_get(v, "encryptions");
    struct keys k;
    load_keys(v, &k);
    struct buf info, enc, aad, ct, pt;
    jhex(v, "info", &info);
    jhex(v, "enc", &enc);
    json_t *e0 = json_array_get(list, 0);
    jhex(e0, "aad", &aad);
    jhex(e0, "ct", &ct);
    uint8_t out[256];
    size_t n = 0;
    assert_err(mdlg_hpke_open(k.skR, bb(&enc), bb(&info), bb(&aad), bb(&ct), out, sizeof out, &n),
               MDLG_E_OK);
    assert_hex_eq(out, n, e0, "pt");
    /* the first three entries are seq 0, 1, 2: one context sealing in order reproduces them */
    uint8_t encb[MDLG_HPKE_ENC_LEN];
    struct mdlg_hpke_ctx ctx;
    assert_err(mdlg_hpke_setup_s(&ctx, k.pkR, k.skE, bb(&info), NULL, encb), MDLG_E_OK);
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(list, i);
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), (json_int_t)i);
        jhex(e, "aad", &aad);
        jhex(e, "pt", &pt);
        assert_err(mdlg_hpke_ctx_seal(&ctx, bb(&aad), bb(&pt), out, sizeof out, &n), MDLG_E_OK);
        assert_hex_eq(out, n, e, "ct");
    }
    mdlg_hpke_ctx_wipe(&ctx);
    assert_int_equal(ctx.seq, 0);
    free_keys(&k);
    json_decref(root);
}

/* --- without files --- */

struct pair {
    mdlg_pkey *sk, *pk;
};

static void fresh_pair(struct pair *p)
{
    uint8_t x[32], y[32];
    assert_err(mdlg_pkey_generate(MDLG_CRV_P256, &p->sk), MDLG_E_OK);
    assert_err(mdlg_pkey_get_xy(p->sk, x, y), MDLG_E_OK);
    assert_err(mdlg_pkey_from_ec_xy(MDLG_CRV_P256, x, 32, y, 32, &p->pk), MDLG_E_OK);
}

static void free_pair(struct pair *p)
{
    mdlg_pkey_free(p->sk);
    mdlg_pkey_free(p->pk);
}

static void test_seal_open_roundtrip(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 15, 16, 17, 1000, 70000 };
    static const uint8_t info[] = "SessionTranscript bytes";
    struct pair r;
    fresh_pair(&r);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i], ctlen = 0, ptlen = 1;
        uint8_t *pt = malloc(n + 1), *ct = malloc(n + 16), *back = malloc(n + 1);
        uint8_t enc[MDLG_HPKE_ENC_LEN], enc2[MDLG_HPKE_ENC_LEN];
        mdlg_random(pt, n + 1);
        assert_err(mdlg_hpke_seal(r.pk, B(info, sizeof info), NONE, B(pt, n), enc, ct, n + 16,
                                  &ctlen), MDLG_E_OK);
        assert_int_equal(ctlen, n + 16);
        assert_int_equal(enc[0], 0x04);
        assert_err(mdlg_hpke_open(r.sk, B(enc, sizeof enc), B(info, sizeof info), NONE,
                                  B(ct, ctlen), back, n, &ptlen), MDLG_E_OK);
        assert_int_equal(ptlen, n);
        assert_true(n == 0 || memcmp(pt, back, n) == 0);
        /* a fresh ephemeral key each time: enc differs */
        assert_err(mdlg_hpke_seal(r.pk, B(info, sizeof info), NONE, B(pt, n), enc2, ct, n + 16,
                                  &ctlen), MDLG_E_OK);
        assert_memory_not_equal(enc, enc2, sizeof enc);
        free(pt);
        free(ct);
        free(back);
    }
    free_pair(&r);
}

/* One sealed message and its inputs, changed one way per negative case. */
struct msg {
    uint8_t enc[MDLG_HPKE_ENC_LEN + 1];
    size_t enclen;
    uint8_t info[32], aad[8], ct[64];
    size_t infolen, aadlen, ctlen;
};

enum mutation {
    M_NONE, M_CT_FIRST, M_CT_TAG, M_AAD, M_AAD_EMPTY, M_INFO, M_INFO_EMPTY, M_ENC_OTHER_POINT,
    M_ENC_Y, M_ENC_PREFIX, M_ENC_SHORT, M_ENC_LONG, M_ENC_EMPTY, M_ENC_X_EQ_P, M_ENC_ZERO,
    M_CT_SHORT, M_CT_TAG_ONLY, M_WRONG_KEY,
};

static const struct {
    enum mutation m;
    mdlg_err want;
    const char *what;
} g_mutations[] = {
    { M_NONE, MDLG_E_OK, "unchanged" },
    { M_CT_FIRST, MDLG_E_DECRYPT_FAILED, "ciphertext byte flipped" },
    { M_CT_TAG, MDLG_E_DECRYPT_FAILED, "tag byte flipped" },
    { M_AAD, MDLG_E_DECRYPT_FAILED, "aad changed" },
    { M_AAD_EMPTY, MDLG_E_DECRYPT_FAILED, "aad dropped" },
    { M_INFO, MDLG_E_DECRYPT_FAILED, "info changed" },
    { M_INFO_EMPTY, MDLG_E_DECRYPT_FAILED, "info dropped" },
    { M_ENC_OTHER_POINT, MDLG_E_DECRYPT_FAILED, "enc another valid point" },
    { M_ENC_Y, MDLG_E_DECRYPT_KEY_INVALID, "enc y changed (off the curve)" },
    { M_ENC_PREFIX, MDLG_E_DECRYPT_KEY_INVALID, "enc prefix 02" },
    { M_ENC_SHORT, MDLG_E_DECRYPT_MALFORMED, "enc 64 bytes" },
    { M_ENC_LONG, MDLG_E_DECRYPT_MALFORMED, "enc 66 bytes" },
    { M_ENC_EMPTY, MDLG_E_DECRYPT_MALFORMED, "enc empty" },
    { M_ENC_X_EQ_P, MDLG_E_DECRYPT_KEY_INVALID, "enc x = p" },
    { M_ENC_ZERO, MDLG_E_DECRYPT_KEY_INVALID, "enc (0, 0)" },
    { M_CT_SHORT, MDLG_E_DECRYPT_MALFORMED, "ct shorter than a tag" },
    { M_CT_TAG_ONLY, MDLG_E_DECRYPT_FAILED, "ct cut to its last 16 bytes" },
    { M_WRONG_KEY, MDLG_E_DECRYPT_FAILED, "wrong recipient key" },
};

static const uint8_t g_p256_p[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static void mutate_enc(struct msg *m, enum mutation mu, const mdlg_pkey *other)
{
    switch (mu) {
    case M_ENC_OTHER_POINT:
        assert_err(mdlg_pkey_get_xy(other, m->enc + 1, m->enc + 33), MDLG_E_OK);
        break;
    case M_ENC_Y: m->enc[64] ^= 0x01; break;
    case M_ENC_PREFIX: m->enc[0] = 0x02; break;
    case M_ENC_SHORT: m->enclen = 64; break;
    case M_ENC_LONG: m->enclen = 66; break;
    case M_ENC_EMPTY: m->enclen = 0; break;
    case M_ENC_X_EQ_P: memcpy(m->enc + 1, g_p256_p, 32); break;
    case M_ENC_ZERO: memset(m->enc + 1, 0, 64); break;
    default: break;
    }
}

static void mutate(struct msg *m, enum mutation mu, const mdlg_pkey *other)
{
    switch (mu) {
    case M_CT_FIRST: m->ct[0] ^= 0x80; break;
    case M_CT_TAG: m->ct[m->ctlen - 1] ^= 0x01; break;
    case M_AAD: m->aad[0] ^= 0x01; break;
    case M_AAD_EMPTY: m->aadlen = 0; break;
    case M_INFO: m->info[3] ^= 0x20; break;
    case M_INFO_EMPTY: m->infolen = 0; break;
    case M_CT_SHORT: m->ctlen = 15; break;
    case M_CT_TAG_ONLY: memmove(m->ct, m->ct + m->ctlen - 16, 16); m->ctlen = 16; break;
    default: mutate_enc(m, mu, other); break;
    }
}

static void test_open_rejects(void **state)
{
    (void)state;
    struct pair r, other;
    fresh_pair(&r);
    fresh_pair(&other);
    for (size_t i = 0; i < sizeof g_mutations / sizeof g_mutations[0]; i++) {
        struct msg m = { .enclen = MDLG_HPKE_ENC_LEN, .infolen = 20, .aadlen = 8 };
        memcpy(m.info, "info: the transcript", 20);
        memcpy(m.aad, "aad-aad!", 8);
        static const uint8_t pt[] = "a DeviceResponse";
        assert_err(mdlg_hpke_seal(r.pk, B(m.info, m.infolen), B(m.aad, m.aadlen),
                                  B(pt, sizeof pt), m.enc, m.ct, sizeof m.ct, &m.ctlen), MDLG_E_OK);
        mutate(&m, g_mutations[i].m, other.pk);
        const mdlg_pkey *sk = g_mutations[i].m == M_WRONG_KEY ? other.sk : r.sk;
        uint8_t out[64];
        memset(out, 0xaa, sizeof out);
        size_t n = 0;
        mdlg_err got = mdlg_hpke_open(sk, B(m.enc, m.enclen), B(m.info, m.infolen),
                                      B(m.aad, m.aadlen), B(m.ct, m.ctlen), out, sizeof out, &n);
        if (got != g_mutations[i].want)
            fail_msg("%s: got %s, want %s", g_mutations[i].what, mdlg_err_name(got),
                     mdlg_err_name(g_mutations[i].want));
        if (got == MDLG_E_OK)
            assert_memory_equal(out, pt, sizeof pt);
        else if (got == MDLG_E_DECRYPT_FAILED)   /* no unauthenticated plaintext left behind */
            for (size_t j = 0; j + 16 < m.ctlen; j++)
                assert_int_equal(out[j], 0);
    }
    free_pair(&r);
    free_pair(&other);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct pair r;
    mdlg_pkey *p384 = NULL, *x25519 = NULL;
    fresh_pair(&r);
    assert_err(mdlg_pkey_generate(MDLG_CRV_P384, &p384), MDLG_E_OK);
    assert_err(mdlg_pkey_generate(MDLG_CRV_X25519, &x25519), MDLG_E_OK);
    uint8_t enc[MDLG_HPKE_ENC_LEN], ct[64], ss[32], out[8200];
    size_t n = 0;
    static const uint8_t pt[] = "hello";
    /* keys on other curves */
    assert_err(mdlg_hpke_seal(p384, NONE, NONE, B(pt, 5), enc, ct, sizeof ct, &n), MDLG_E_USAGE);
    assert_err(mdlg_hpke_encap(x25519, NULL, ss, enc), MDLG_E_USAGE);
    assert_err(mdlg_hpke_encap(r.pk, p384, ss, enc), MDLG_E_USAGE);
    assert_err(mdlg_hpke_seal(NULL, NONE, NONE, B(pt, 5), enc, ct, sizeof ct, &n), MDLG_E_USAGE);
    /* ct buffer too small for pt + tag; pt buffer too small */
    assert_err(mdlg_hpke_seal(r.pk, NONE, NONE, B(pt, 5), enc, ct, 20, &n), MDLG_E_USAGE);
    assert_err(mdlg_hpke_seal(r.pk, NONE, NONE, B(pt, 5), enc, ct, 21, &n), MDLG_E_OK);
    assert_err(mdlg_hpke_open(r.sk, B(enc, 65), NONE, NONE, B(ct, 21), out, 4, &n), MDLG_E_USAGE);
    assert_err(mdlg_hpke_open(r.sk, B(enc, 65), NONE, NONE, B(ct, 21), out, 5, &n), MDLG_E_OK);
    /* decap needs the private key */
    assert_err(mdlg_hpke_decap(r.pk, B(enc, 65), ss), MDLG_E_USAGE);
    /* psk rules (RFC 9180 5.1 VerifyPSKInputs) */
    struct mdlg_hpke_ctx ctx;
    uint8_t zero[32] = { 0 };
    struct mdlg_hpke_psk both = { B("psk-psk-psk", 11), B("id", 2) };
    struct mdlg_hpke_psk no_id = { B("psk-psk-psk", 11), NONE };
    struct mdlg_hpke_psk empty = { NONE, NONE };
    assert_err(mdlg_hpke_key_schedule(&ctx, MDLG_HPKE_MODE_BASE, zero, NONE, &both), MDLG_E_USAGE);
    assert_err(mdlg_hpke_key_schedule(&ctx, MDLG_HPKE_MODE_BASE, zero, NONE, &empty), MDLG_E_OK);
    assert_err(mdlg_hpke_key_schedule(&ctx, MDLG_HPKE_MODE_PSK, zero, NONE, &no_id), MDLG_E_USAGE);
    assert_err(mdlg_hpke_key_schedule(&ctx, MDLG_HPKE_MODE_PSK, zero, NONE, NULL), MDLG_E_USAGE);
    assert_err(mdlg_hpke_key_schedule(&ctx, MDLG_HPKE_MODE_PSK, zero, NONE, &both), MDLG_E_OK);
    assert_err(mdlg_hpke_key_schedule(&ctx, (enum mdlg_hpke_mode)2, zero, NONE, &both),
               MDLG_E_USAGE);
    /* Export length bounds, and context bound */
    assert_err(mdlg_hpke_export(&ctx, NONE, out, 0), MDLG_E_USAGE);
    assert_err(mdlg_hpke_export(&ctx, NONE, out, 255 * 32), MDLG_E_OK);
    assert_err(mdlg_hpke_export(&ctx, NONE, out, 255 * 32 + 1), MDLG_E_USAGE);
    assert_err(mdlg_hpke_export(&ctx, B(out, MDLG_HPKE_MAX_EXPORT_CONTEXT), out, 32), MDLG_E_OK);
    assert_err(mdlg_hpke_export(&ctx, B(out, MDLG_HPKE_MAX_EXPORT_CONTEXT + 1), out, 32),
               MDLG_E_USAGE);
    /* the sequence number's end */
    ctx.seq = UINT64_MAX;
    assert_err(mdlg_hpke_ctx_seal(&ctx, NONE, B(pt, 5), ct, sizeof ct, &n), MDLG_E_USAGE);
    mdlg_pkey_free(p384);
    mdlg_pkey_free(x25519);
    free_pair(&r);
}

/* Large info goes through LabeledExtract (no OpenSSL 3.0 info-buffer bound); above the cap: USAGE. */
static void test_info_sizes(void **state)
{
    (void)state;
    struct pair r;
    fresh_pair(&r);
    uint8_t *info = calloc(1, MDLG_HPKE_MAX_INPUT + 1);
    uint8_t enc[MDLG_HPKE_ENC_LEN], ct[32], pt[16];
    size_t n = 0;
    assert_err(mdlg_hpke_seal(r.pk, B(info, MDLG_HPKE_MAX_INPUT), NONE, B("x", 1), enc, ct,
                              sizeof ct, &n), MDLG_E_OK);
    assert_err(mdlg_hpke_open(r.sk, B(enc, 65), B(info, MDLG_HPKE_MAX_INPUT), NONE, B(ct, n), pt,
                              sizeof pt, &n), MDLG_E_OK);
    assert_err(mdlg_hpke_seal(r.pk, B(info, MDLG_HPKE_MAX_INPUT + 1), NONE, B("x", 1), enc, ct,
                              sizeof ct, &n), MDLG_E_USAGE);
    free(info);
    free_pair(&r);
}

/* DeriveKeyPair is a function of ikm; the key it makes works for Open. */
static void test_derive_keypair(void **state)
{
    (void)state;
    uint8_t sk1[32], sk2[32], sk3[32];
    mdlg_pkey *k1 = NULL, *k2 = NULL, *k3 = NULL;
    uint8_t ikm[32] = { 1, 2, 3 };
    assert_err(mdlg_hpke_derive_keypair(B(ikm, 32), sk1, &k1), MDLG_E_OK);
    assert_err(mdlg_hpke_derive_keypair(B(ikm, 32), sk2, &k2), MDLG_E_OK);
    ikm[31] = 1;
    assert_err(mdlg_hpke_derive_keypair(B(ikm, 32), sk3, &k3), MDLG_E_OK);
    assert_memory_equal(sk1, sk2, 32);
    assert_memory_not_equal(sk1, sk3, 32);
    assert_int_equal(mdlg_pkey_curve(k1), MDLG_CRV_P256);
    uint8_t enc[65], ct[32], pt[16];
    size_t n = 0;
    assert_err(mdlg_hpke_seal(k1, NONE, NONE, B("abc", 3), enc, ct, sizeof ct, &n), MDLG_E_OK);
    assert_err(mdlg_hpke_open(k2, B(enc, 65), NONE, NONE, B(ct, n), pt, sizeof pt, &n), MDLG_E_OK);
    assert_memory_equal(pt, "abc", 3);
    assert_err(mdlg_hpke_open(k3, B(enc, 65), NONE, NONE, B(ct, 19), pt, sizeof pt, &n),
               MDLG_E_DECRYPT_FAILED);
    assert_err(mdlg_hpke_derive_keypair(B(ikm, 32), NULL, &k1), MDLG_E_USAGE);
    mdlg_pkey_free(k1);
    mdlg_pkey_free(k2);
    mdlg_pkey_free(k3);
}

static void test_error_names(void **state)
{
    (void)state;
    static const struct {
        mdlg_err e;
        const char *name;
        int num;
    } t[] = {
        { MDLG_E_DECRYPT_FAILED, "DECRYPT_FAILED", 801 },
        { MDLG_E_DECRYPT_MALFORMED, "DECRYPT_MALFORMED", 802 },
        { MDLG_E_DECRYPT_KEY_INVALID, "DECRYPT_KEY_INVALID", 803 },
        { MDLG_E_DECRYPT_UNSUPPORTED, "DECRYPT_UNSUPPORTED", 804 },
        { MDLG_E_DECRYPT_HEADER_INVALID, "DECRYPT_HEADER_INVALID", 805 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal((int)t[i].e, t[i].num);
        assert_string_equal(mdlg_err_name(t[i].e), t[i].name);
        mdlg_err back;
        assert_true(mdlg_err_from_name(t[i].name, &back));
        assert_int_equal(back, t[i].e);
    }
}

static const size_t g_idx[] = { 0, 1 };

int main(void)
{
    const struct CMUnitTest tests[] = {
        { "rfc9180_a31_base", test_rfc9180_vector, NULL, NULL, (void *)&g_idx[0] },
        { "rfc9180_a32_psk", test_rfc9180_vector, NULL, NULL, (void *)&g_idx[1] },
        cmocka_unit_test(test_rfc9180_single_shot_and_sequence),
        cmocka_unit_test(test_seal_open_roundtrip),
        cmocka_unit_test(test_open_rejects),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_info_sizes),
        cmocka_unit_test(test_derive_keypair),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests_name("hpke", tests, NULL, NULL);
}
