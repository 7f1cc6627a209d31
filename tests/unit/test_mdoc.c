/*
 * test_mdoc.c - every check of the mdoc verifier (mdlg_verify), with a
 * positive and a negative case and the exact error codes, for the defects
 * the test issuer's tamper flags cannot produce.
 *
 * The DeviceResponse is built here with the CBOR encoder from a `struct
 * spec` (one well-formed, strictly valid mDL by default). Each row names a
 * mutator that changes exactly one thing in the spec (relative to the
 * default, or to the positive row it pairs with), the policy, and the
 * expected outcome: validity, the response-level codes, the checks that
 * fail (by stable name) and that document's codes, in order. Each row is
 * its own cmocka test.
 *
 * Everything is generated here (testpki, fresh keys); no shared files needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdlg/cbor.h"
#include "mdlg/cose.h"
#include "mdlg/crypto.h"
#include "mdlg/issuer.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/trust.h"

#define DAY 86400
#define T0 1767225600                  /* 2026-01-01T00:00:00Z: verification instant */
#define DS_NOT_BEFORE (T0 - 100 * DAY)
#define DS_NOT_AFTER (T0 + 730 * DAY)
#define MDL MDLG_MDL_NAMESPACE
#define AAMVA "org.iso.18013.5.1.aamva"
#define DEV_NS "org.example.device"
#define MAX_ITEMS 300
#define MAX_EXPECT 3
#define E(x) MDLG_E_##x
#define CB(s) { (const uint8_t *)(s), sizeof(s) - 1 }   /* encoded CBOR literal */

/* ---- the response model ---- */

/* One IssuerSignedItem and how the MSO covers it. */
struct item {
    const char *ns, *id;
    struct mdlg_bytes value;      /* encoded elementValue */
    uint64_t digest_id;
    bool withheld;                /* digest in the MSO, item not disclosed */
    bool no_digest;               /* no valueDigests entry */
    const char *digest_ns;        /* valueDigests namespace of its digest; NULL: ns */
    size_t digest_len;            /* 0: the full digest, else truncated to this */
    bool untagged;                /* IssuerSignedItemBytes as a bare bstr */
    bool no_random, int_id;       /* IssuerSignedItem defects */
    bool junk;                    /* a byte after the IssuerSignedItem inside the bstr */
};

enum docs_kind { DOCS_ARRAY, DOCS_ABSENT, DOCS_MAP };
enum dev_auth { DA_SIGNATURE, DA_MAC, DA_BOTH, DA_NEITHER, DA_ABSENT };
enum dev_key { DK_OK, DK_KTY3, DK_OFF_CURVE };
enum pki_id { PKI_CA, PKI_US, PKI_NL, PKI_COUNT };

struct spec {
    /* DeviceResponse */
    const char *version;          /* NULL: absent */
    int64_t status;               /* -1: absent */
    enum docs_kind docs;
    unsigned n_docs;              /* copies of the Document */
    bool second_doc_bad;          /* the second copy's issuer signature flipped */
    int document_errors;          /* -1: absent; 0: []; 1: [{docType: 0}]; 2: {} */
    bool top_array, top_dup_key, trailing;
    bool version_int, status_text;  /* version as uint 1, status as tstr "0" */
    /* Document */
    const char *doctype;          /* NULL: absent */
    bool doc_not_map, int_doctype, no_issuer_signed, no_issuer_auth, no_x5chain, no_namespaces;
    bool namespaces_array;        /* issuerSigned.nameSpaces = [] */
    bool bad_namespace;           /* issuerSigned.nameSpaces also has "org.example.bad": 0 */
    bool payload_nil;             /* issuerAuth payload null */
    /* MSO */
    bool mso_untagged, mso_dup_key, no_value_digests, no_device_key_info, no_validity_info;
    const char *mso_version, *digest_alg, *mso_doctype;
    unsigned extra_digest_ns;     /* further valueDigests namespaces */
    unsigned decoys;              /* further digests in the mDL namespace of valueDigests */
    bool bad_digest_ns;           /* valueDigests also has "org.example.bad": 0 */
    /* validityInfo */
    int64_t signed_at, valid_from, valid_until;
    const char *valid_from_text;  /* replaces the formatted validFrom */
    bool valid_from_untagged, no_signed;
    /* IssuerSigned items */
    struct item items[MAX_ITEMS];
    size_t n_items;
    /* DeviceSigned */
    enum dev_auth dev_auth;
    int dev_alg;                  /* deviceSignature alg (header only; signed with ES256) */
    bool dns_untagged;
    enum dev_key dev_key;
    const char *dev_item_ns;      /* one device-signed element (dev_item_ns, "fresh": true) */
    unsigned extra_dev_ns;        /* further DeviceNameSpaces "org.example.devN": {"fresh": true} */
    bool dns_array, dns_value_not_map;   /* DeviceNameSpaces = [] / {DEV_NS: 1} */
    const char *ka_namespace;     /* keyAuthorizations.nameSpaces: [this] */
    const char *ka_element;       /* keyAuthorizations.dataElements: {DEV_NS: [this]} */
    /* verification */
    enum pki_id pki;
    int64_t now, clock_skew;
    bool allow_no_device_auth, no_transcript, no_reader_key;
};

static const struct item default_items[] = {
    { MDL, "family_name", CB("\x63" "Doe"), 7 },
    { MDL, "given_name", CB("\x64" "Jane"), 3 },
    { MDL, "issuing_country", CB("\x62" "US"), 12 },
    { MDL, "issuing_jurisdiction", CB("\x65" "US-CA"), 5 },
    { MDL, "age_over_18", CB("\xf5"), 9 },
    { AAMVA, "DHS_compliance", CB("\x61" "F"), 4 },
};

static struct spec default_spec(void)
{
    struct spec s = {
        .version = "1.0", .status = 0, .docs = DOCS_ARRAY, .n_docs = 1, .document_errors = -1,
        .doctype = MDLG_MDL_DOCTYPE, .mso_version = "1.0", .digest_alg = "SHA-256",
        .mso_doctype = MDLG_MDL_DOCTYPE, .signed_at = T0 - 10 * DAY,
        .valid_from = T0 - 10 * DAY, .valid_until = T0 + 365 * DAY,
        .dev_auth = DA_SIGNATURE, .dev_alg = MDLG_ALG_ES256, .pki = PKI_CA, .now = T0,
    };
    s.n_items = sizeof default_items / sizeof default_items[0];
    memcpy(s.items, default_items, sizeof default_items);
    return s;
}

/* The item with element identifier `id` (the test fails if absent). */
static struct item *item(struct spec *s, const char *id)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (strcmp(s->items[i].id, id) == 0)
            return &s->items[i];
    fail_msg("no item %s", id);
    return NULL;
}

static struct item *add_item(struct spec *s, const char *ns, const char *id,
                             struct mdlg_bytes value, uint64_t digest_id)
{
    assert_true(s->n_items < MAX_ITEMS);
    struct item *it = &s->items[s->n_items++];
    *it = (struct item){ ns, id, value, digest_id };
    return it;
}

/* ---- fixture: three PKIs in one trust set, device and reader keys, a transcript ---- */

struct env {
    struct mdlg_testpki_cert iaca[PKI_COUNT], ds[PKI_COUNT];
    mdlg_trust *trust;
    mdlg_pkey *device, *reader;
    struct mdlg_cbor_buf transcript;
};

static struct env *g;

static void make_pki(enum pki_id id, const char *country, const char *state, const char *cn)
{
    struct mdlg_testpki_iaca_opts io = { .country = country, .state = state, .common_name = cn,
                                         .not_before = T0 - 365 * DAY,
                                         .not_after = T0 + 3650 * DAY };
    assert_int_equal(mdlg_testpki_iaca(&io, &g->iaca[id]), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &g->iaca[id], .not_before = DS_NOT_BEFORE,
                                        .not_after = DS_NOT_AFTER };
    assert_int_equal(mdlg_testpki_ds(&dso, &g->ds[id]), MDLG_E_OK);
    assert_int_equal(mdlg_trust_add_der(g->trust, g->iaca[id].der, g->iaca[id].der_len, NULL),
                     MDLG_E_OK);
}

static int setup(void **state)
{
    (void)state;
    static uint8_t nonce[32];
    g = calloc(1, sizeof *g);
    assert_non_null(g);
    assert_non_null(g->trust = mdlg_trust_new());
    make_pki(PKI_CA, "US", "California", "mdoc test IACA California");
    make_pki(PKI_US, "US", NULL, "mdoc test IACA US");
    make_pki(PKI_NL, "NL", NULL, "mdoc test IACA NL");
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &g->device), MDLG_E_OK);
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &g->reader), MDLG_E_OK);
    /* [null, null, ["OpenID4VPHandover", h'11..11']] */
    memset(nonce, 0x11, sizeof nonce);
    mdlg_cbor_buf_init(&g->transcript, NULL, 0);
    mdlg_cbor_put_array(&g->transcript, 3);
    mdlg_cbor_put_null(&g->transcript);
    mdlg_cbor_put_null(&g->transcript);
    mdlg_cbor_put_array(&g->transcript, 2);
    mdlg_cbor_put_cstr(&g->transcript, "OpenID4VPHandover");
    mdlg_cbor_put_bstr(&g->transcript, nonce, sizeof nonce);
    assert_int_equal(mdlg_cbor_buf_err(&g->transcript), MDLG_E_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < PKI_COUNT; i++) {
        mdlg_testpki_cert_free(&g->iaca[i]);
        mdlg_testpki_cert_free(&g->ds[i]);
    }
    mdlg_trust_free(g->trust);
    mdlg_pkey_free(g->device);
    mdlg_pkey_free(g->reader);
    mdlg_cbor_buf_free(&g->transcript);
    free(g);
    return 0;
}

/* ---- builder ---- */

static struct mdlg_cbor_buf buf_new(void)
{
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    return b;
}

static void put_buf(struct mdlg_cbor_buf *out, const struct mdlg_cbor_buf *b)
{
    mdlg_cbor_put_raw(out, b->ptr, b->len);
}

/* #6.24(bstr .cbor inner) */
static void put_tag24(struct mdlg_cbor_buf *out, const struct mdlg_cbor_buf *inner)
{
    mdlg_cbor_put_tag(out, 24);
    mdlg_cbor_put_bstr(out, inner->ptr, inner->len);
}

static enum mdlg_hash_alg hash_of(const char *name)
{
    return strcmp(name, "SHA-384") == 0 ? MDLG_SHA384
         : strcmp(name, "SHA-512") == 0 ? MDLG_SHA512 : MDLG_SHA256;
}

/* IssuerSignedItemBytes of `it` into out. */
static void put_item(struct mdlg_cbor_buf *out, const struct item *it)
{
    static const uint8_t rnd[16] = { 0xa5, 0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                     0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e };
    struct mdlg_cbor_buf in = buf_new();
    mdlg_cbor_put_map(&in, it->no_random ? 3 : 4);
    mdlg_cbor_put_cstr(&in, "digestID");
    mdlg_cbor_put_uint(&in, it->digest_id);
    if (!it->no_random) {
        mdlg_cbor_put_cstr(&in, "random");
        mdlg_cbor_put_bstr(&in, rnd, sizeof rnd);
    }
    mdlg_cbor_put_cstr(&in, "elementIdentifier");
    if (it->int_id)
        mdlg_cbor_put_uint(&in, 7);
    else
        mdlg_cbor_put_cstr(&in, it->id);
    mdlg_cbor_put_cstr(&in, "elementValue");
    mdlg_cbor_put_raw(&in, it->value.ptr, it->value.len);
    if (it->junk)
        mdlg_cbor_put_uint(&in, 0);
    if (it->untagged)
        mdlg_cbor_put_bstr(out, in.ptr, in.len);
    else
        put_tag24(out, &in);
    assert_int_equal(mdlg_cbor_buf_err(&in), MDLG_E_OK);
    mdlg_cbor_buf_free(&in);
}

/* The namespaces of the disclosed items (digests false) or of the valueDigests entries
 * (digests true), in order of first use. */
static size_t distinct_ns(const struct spec *s, bool digests, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_items; i++) {
        const struct item *it = &s->items[i];
        if (digests ? it->no_digest : it->withheld)
            continue;
        const char *ns = digests && it->digest_ns ? it->digest_ns : it->ns;
        size_t j = 0;
        while (j < n && strcmp(out[j], ns) != 0)
            j++;
        if (j == n)
            out[n++] = ns;
    }
    return n;
}

static const char *digest_ns_of(const struct item *it)
{
    return it->digest_ns ? it->digest_ns : it->ns;
}

/* valueDigests: {ns: {digestID: H(IssuerSignedItemBytes)}}; a repeated (ns, digestID) is
 * written once (its first item), so the MSO itself never repeats a key. */
static void put_value_digests(struct mdlg_cbor_buf *b, const struct spec *s)
{
    const char *nss[MAX_ITEMS];
    size_t n = distinct_ns(s, true, nss);
    enum mdlg_hash_alg h = hash_of(s->digest_alg);
    mdlg_cbor_put_map(b, n + s->extra_digest_ns + s->bad_digest_ns);
    for (size_t k = 0; k < n; k++) {
        unsigned decoys = strcmp(nss[k], MDL) == 0 ? s->decoys : 0;
        const struct item *use[MAX_ITEMS];
        size_t m = 0;
        for (size_t i = 0; i < s->n_items; i++) {
            const struct item *it = &s->items[i];
            bool dup = false;
            if (it->no_digest || strcmp(digest_ns_of(it), nss[k]) != 0)
                continue;
            for (size_t j = 0; j < m; j++)
                dup = dup || use[j]->digest_id == it->digest_id;
            if (!dup)
                use[m++] = it;
        }
        mdlg_cbor_put_cstr(b, nss[k]);
        mdlg_cbor_put_map(b, m + decoys);
        for (unsigned j = 0; j < decoys; j++) {
            uint8_t d[MDLG_HASH_MAX];
            mdlg_random(d, sizeof d);
            mdlg_cbor_put_uint(b, 1000 + j);
            mdlg_cbor_put_bstr(b, d, mdlg_hash_len(h));
        }
        for (size_t j = 0; j < m; j++) {
            struct mdlg_cbor_buf ib = buf_new();
            uint8_t d[MDLG_HASH_MAX];
            put_item(&ib, use[j]);
            assert_int_equal(mdlg_hash(h, ib.ptr, ib.len, d), MDLG_E_OK);
            mdlg_cbor_put_uint(b, use[j]->digest_id);
            mdlg_cbor_put_bstr(b, d, use[j]->digest_len ? use[j]->digest_len : mdlg_hash_len(h));
            mdlg_cbor_buf_free(&ib);
        }
    }
    for (unsigned k = 0; k < s->extra_digest_ns; k++) {
        static const uint8_t zero[32];
        char ns[32];
        snprintf(ns, sizeof ns, "org.example.ns%u", k);
        mdlg_cbor_put_cstr(b, ns);
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_uint(b, 1);
        mdlg_cbor_put_bstr(b, zero, sizeof zero);
    }
    if (s->bad_digest_ns) {
        mdlg_cbor_put_cstr(b, "org.example.bad");
        mdlg_cbor_put_uint(b, 0);
    }
}

static void put_device_key(struct mdlg_cbor_buf *b, const struct spec *s)
{
    uint8_t x[32], y[32];
    if (s->dev_key == DK_OK) {
        assert_int_equal(mdlg_cose_key_encode(b, g->device), MDLG_E_OK);
        return;
    }
    assert_int_equal(mdlg_pkey_get_xy(g->device, x, y), MDLG_E_OK);
    if (s->dev_key == DK_OFF_CURVE)
        y[31] ^= 0x01;
    mdlg_cbor_put_map(b, 4);
    mdlg_cbor_put_int(b, 1);
    mdlg_cbor_put_int(b, s->dev_key == DK_KTY3 ? 3 : 2);   /* kty: 3 is RSA */
    mdlg_cbor_put_int(b, -1);
    mdlg_cbor_put_int(b, 1);                               /* crv P-256 */
    mdlg_cbor_put_int(b, -2);
    mdlg_cbor_put_bstr(b, x, sizeof x);
    mdlg_cbor_put_int(b, -3);
    mdlg_cbor_put_bstr(b, y, sizeof y);
}

static void put_device_key_info(struct mdlg_cbor_buf *b, const struct spec *s)
{
    unsigned ka = (s->ka_namespace != NULL) + (s->ka_element != NULL);
    mdlg_cbor_put_map(b, ka ? 2 : 1);
    mdlg_cbor_put_cstr(b, "deviceKey");
    put_device_key(b, s);
    if (!ka)
        return;
    mdlg_cbor_put_cstr(b, "keyAuthorizations");
    mdlg_cbor_put_map(b, ka);
    if (s->ka_namespace) {
        mdlg_cbor_put_cstr(b, "nameSpaces");
        mdlg_cbor_put_array(b, 1);
        mdlg_cbor_put_cstr(b, s->ka_namespace);
    }
    if (s->ka_element) {
        mdlg_cbor_put_cstr(b, "dataElements");
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_cstr(b, DEV_NS);
        mdlg_cbor_put_array(b, 1);
        mdlg_cbor_put_cstr(b, s->ka_element);
    }
}

static void put_tdate(struct mdlg_cbor_buf *b, const char *key, int64_t t, const char *text,
                      bool untagged)
{
    char txt[21];
    mdlg_format_rfc3339(t, txt);
    mdlg_cbor_put_cstr(b, key);
    if (!untagged)
        mdlg_cbor_put_tag(b, 0);
    mdlg_cbor_put_cstr(b, text ? text : txt);
}

static void put_validity_info(struct mdlg_cbor_buf *b, const struct spec *s)
{
    mdlg_cbor_put_map(b, s->no_signed ? 2 : 3);
    if (!s->no_signed)
        put_tdate(b, "signed", s->signed_at, NULL, false);
    put_tdate(b, "validFrom", s->valid_from, s->valid_from_text, s->valid_from_untagged);
    put_tdate(b, "validUntil", s->valid_until, NULL, false);
}

static void put_mso(struct mdlg_cbor_buf *b, const struct spec *s)
{
    mdlg_cbor_put_map(b, 6 + s->mso_dup_key - s->no_value_digests - s->no_device_key_info -
                             s->no_validity_info);
    mdlg_cbor_put_cstr(b, "version");
    mdlg_cbor_put_cstr(b, s->mso_version);
    mdlg_cbor_put_cstr(b, "digestAlgorithm");
    mdlg_cbor_put_cstr(b, s->digest_alg);
    if (!s->no_value_digests) {
        mdlg_cbor_put_cstr(b, "valueDigests");
        put_value_digests(b, s);
    }
    if (!s->no_device_key_info) {
        mdlg_cbor_put_cstr(b, "deviceKeyInfo");
        put_device_key_info(b, s);
    }
    mdlg_cbor_put_cstr(b, "docType");
    mdlg_cbor_put_cstr(b, s->mso_doctype);
    if (!s->no_validity_info) {
        mdlg_cbor_put_cstr(b, "validityInfo");
        put_validity_info(b, s);
    }
    if (s->mso_dup_key) {
        mdlg_cbor_put_cstr(b, "version");
        mdlg_cbor_put_cstr(b, s->mso_version);
    }
}

/* Raw r||s signature (or MAC tag) over tbs into out (64 bytes for P-256). */
static void sign(const mdlg_pkey *key, const struct mdlg_cbor_buf *tbs, uint8_t sig[64])
{
    size_t n = 64;
    assert_int_equal(mdlg_sig_sign(key, MDLG_ALG_ES256, tbs->ptr, tbs->len, sig, &n), MDLG_E_OK);
    assert_int_equal(n, 64);
}

/* issuerAuth = [h'a10126', {33: DS}, MobileSecurityObjectBytes, signature]. */
static void put_issuer_auth(struct mdlg_cbor_buf *b, const struct spec *s, bool flip)
{
    static const uint8_t prot[] = { 0xa1, 0x01, 0x26 };
    const struct mdlg_testpki_cert *ds = &g->ds[s->pki];
    struct mdlg_cbor_buf mso = buf_new(), payload = buf_new(), tbs = buf_new();
    uint8_t sig[64];
    put_mso(&mso, s);
    if (s->mso_untagged)
        put_buf(&payload, &mso);
    else
        put_tag24(&payload, &mso);
    mdlg_cose_tbs(&tbs, false, mdlg_bytes_make(prot, sizeof prot), mdlg_bytes_make(NULL, 0),
                  mdlg_cbor_buf_bytes(&payload));
    sign(ds->key, &tbs, sig);
    if (flip)
        sig[63] ^= 0x01;
    mdlg_cbor_put_array(b, 4);
    mdlg_cbor_put_bstr(b, prot, sizeof prot);
    mdlg_cbor_put_map(b, s->no_x5chain ? 0 : 1);
    if (!s->no_x5chain) {
        mdlg_cbor_put_int(b, 33);
        mdlg_cbor_put_bstr(b, ds->der, ds->der_len);
    }
    if (s->payload_nil)
        mdlg_cbor_put_null(b);
    else
        mdlg_cbor_put_bstr(b, payload.ptr, payload.len);
    mdlg_cbor_put_bstr(b, sig, sizeof sig);
    mdlg_cbor_buf_free(&mso);
    mdlg_cbor_buf_free(&payload);
    mdlg_cbor_buf_free(&tbs);
}

static void put_issuer_signed(struct mdlg_cbor_buf *b, const struct spec *s, bool flip)
{
    const char *nss[MAX_ITEMS];
    size_t n = distinct_ns(s, false, nss);
    mdlg_cbor_put_map(b, 2u - s->no_namespaces - s->no_issuer_auth);
    if (!s->no_namespaces) {
        mdlg_cbor_put_cstr(b, "nameSpaces");
        if (s->namespaces_array) {
            mdlg_cbor_put_array(b, 0);
            n = 0;
        } else {
            mdlg_cbor_put_map(b, n + s->bad_namespace);
        }
        for (size_t k = 0; k < n; k++) {
            size_t m = 0;
            for (size_t i = 0; i < s->n_items; i++)
                m += !s->items[i].withheld && strcmp(s->items[i].ns, nss[k]) == 0;
            mdlg_cbor_put_cstr(b, nss[k]);
            mdlg_cbor_put_array(b, m);
            for (size_t i = 0; i < s->n_items; i++)
                if (!s->items[i].withheld && strcmp(s->items[i].ns, nss[k]) == 0)
                    put_item(b, &s->items[i]);
        }
        if (s->bad_namespace && !s->namespaces_array) {
            mdlg_cbor_put_cstr(b, "org.example.bad");
            mdlg_cbor_put_uint(b, 0);
        }
    }
    if (!s->no_issuer_auth) {
        mdlg_cbor_put_cstr(b, "issuerAuth");
        put_issuer_auth(b, s, flip);
    }
}

/* EMacKey = HKDF-SHA-256(ECDH(device, reader), SHA-256(#6.24(bstr transcript)), "EMacKey"). */
static void emac_key(uint8_t key[32])
{
    uint8_t z[66], salt[32];
    size_t zlen;
    struct mdlg_cbor_buf st = buf_new();
    put_tag24(&st, &g->transcript);
    assert_int_equal(mdlg_ecdh(g->device, g->reader, z, &zlen), MDLG_E_OK);
    assert_int_equal(mdlg_sha256(st.ptr, st.len, salt), MDLG_E_OK);
    assert_int_equal(mdlg_hkdf_sha256(z, zlen, salt, 32, (const uint8_t *)"EMacKey", 7, key, 32),
                     MDLG_E_OK);
    mdlg_cbor_buf_free(&st);
}

/* [protected, {}, null, tag]: deviceSignature (ES256-signed; header alg s->dev_alg) or
 * deviceMac (HMAC 256/256) over DeviceAuthenticationBytes. */
static void put_device_cose(struct mdlg_cbor_buf *b, const struct spec *s, bool mac,
                            const struct mdlg_cbor_buf *dab)
{
    struct mdlg_cbor_buf prot = buf_new(), tbs = buf_new();
    uint8_t tag[64], key[32];
    size_t tag_len = mac ? 32 : 64;
    mdlg_cbor_put_map(&prot, 1);
    mdlg_cbor_put_int(&prot, 1);
    mdlg_cbor_put_int(&prot, mac ? MDLG_ALG_HMAC256 : s->dev_alg);
    mdlg_cose_tbs(&tbs, mac, mdlg_cbor_buf_bytes(&prot), mdlg_bytes_make(NULL, 0),
                  mdlg_cbor_buf_bytes(dab));
    if (mac) {
        emac_key(key);
        assert_int_equal(mdlg_hmac_sha256(key, 32, tbs.ptr, tbs.len, tag), MDLG_E_OK);
    } else {
        sign(g->device, &tbs, tag);
    }
    mdlg_cbor_put_array(b, 4);
    mdlg_cbor_put_bstr(b, prot.ptr, prot.len);
    mdlg_cbor_put_map(b, 0);
    mdlg_cbor_put_null(b);
    mdlg_cbor_put_bstr(b, tag, tag_len);
    mdlg_cbor_buf_free(&prot);
    mdlg_cbor_buf_free(&tbs);
}

/* deviceSigned = {"nameSpaces": DeviceNameSpacesBytes, "deviceAuth": {...}}. */
static void put_device_signed(struct mdlg_cbor_buf *b, const struct spec *s)
{
    struct mdlg_cbor_buf dns = buf_new(), dnsb = buf_new(), da = buf_new(), dab = buf_new();
    if (s->dns_array) {
        mdlg_cbor_put_array(&dns, 0);
    } else {
        mdlg_cbor_put_map(&dns, (s->dev_item_ns != NULL) + s->extra_dev_ns);
        for (unsigned k = 0; k < (s->dev_item_ns != NULL) + s->extra_dev_ns; k++) {
            char ns[32];
            snprintf(ns, sizeof ns, "org.example.dev%u", k);
            mdlg_cbor_put_cstr(&dns, k == 0 && s->dev_item_ns ? s->dev_item_ns : ns);
            if (s->dns_value_not_map) {
                mdlg_cbor_put_uint(&dns, 1);
                continue;
            }
            mdlg_cbor_put_map(&dns, 1);
            mdlg_cbor_put_cstr(&dns, "fresh");
            mdlg_cbor_put_bool(&dns, true);
        }
    }
    if (s->dns_untagged)
        mdlg_cbor_put_bstr(&dnsb, dns.ptr, dns.len);
    else
        put_tag24(&dnsb, &dns);
    /* DeviceAuthenticationBytes */
    mdlg_cbor_put_array(&da, 4);
    mdlg_cbor_put_cstr(&da, "DeviceAuthentication");
    put_buf(&da, &g->transcript);
    mdlg_cbor_put_cstr(&da, s->doctype ? s->doctype : "");
    put_buf(&da, &dnsb);
    put_tag24(&dab, &da);

    bool sig = s->dev_auth == DA_SIGNATURE || s->dev_auth == DA_BOTH;
    bool mac = s->dev_auth == DA_MAC || s->dev_auth == DA_BOTH;
    mdlg_cbor_put_map(b, 2);
    mdlg_cbor_put_cstr(b, "nameSpaces");
    put_buf(b, &dnsb);
    mdlg_cbor_put_cstr(b, "deviceAuth");
    mdlg_cbor_put_map(b, sig + mac);
    if (sig) {
        mdlg_cbor_put_cstr(b, "deviceSignature");
        put_device_cose(b, s, false, &dab);
    }
    if (mac) {
        mdlg_cbor_put_cstr(b, "deviceMac");
        put_device_cose(b, s, true, &dab);
    }
    mdlg_cbor_buf_free(&dns);
    mdlg_cbor_buf_free(&dnsb);
    mdlg_cbor_buf_free(&da);
    mdlg_cbor_buf_free(&dab);
}

static void put_document(struct mdlg_cbor_buf *b, const struct spec *s, bool flip)
{
    if (s->doc_not_map) {
        mdlg_cbor_put_array(b, 0);
        return;
    }
    bool dev = s->dev_auth != DA_ABSENT;
    mdlg_cbor_put_map(b, (s->doctype != NULL) + !s->no_issuer_signed + dev);
    if (s->doctype) {
        mdlg_cbor_put_cstr(b, "docType");
        if (s->int_doctype)
            mdlg_cbor_put_uint(b, 1);
        else
            mdlg_cbor_put_cstr(b, s->doctype);
    }
    if (!s->no_issuer_signed) {
        mdlg_cbor_put_cstr(b, "issuerSigned");
        put_issuer_signed(b, s, flip);
    }
    if (dev) {
        mdlg_cbor_put_cstr(b, "deviceSigned");
        put_device_signed(b, s);
    }
}

static void put_documents(struct mdlg_cbor_buf *b, const struct spec *s)
{
    struct mdlg_cbor_buf doc = buf_new();
    put_document(&doc, s, false);
    if (s->docs == DOCS_MAP) {            /* the Document itself, not in an array */
        put_buf(b, &doc);
    } else {
        mdlg_cbor_put_array(b, s->n_docs);
        for (unsigned i = 0; i < s->n_docs; i++) {
            if (i == 1 && s->second_doc_bad)
                put_document(b, s, true);
            else
                put_buf(b, &doc);
        }
    }
    mdlg_cbor_buf_free(&doc);
}

/* The DeviceResponse for s. */
static void build(const struct spec *s, struct mdlg_cbor_buf *b)
{
    if (s->top_array)
        mdlg_cbor_put_array(b, 1);
    mdlg_cbor_put_map(b, (s->version != NULL) + (s->status >= 0) + (s->docs != DOCS_ABSENT) +
                             (s->document_errors >= 0) + s->top_dup_key);
    if (s->version) {
        mdlg_cbor_put_cstr(b, "version");
        if (s->version_int)
            mdlg_cbor_put_uint(b, 1);
        else
            mdlg_cbor_put_cstr(b, s->version);
    }
    if (s->docs != DOCS_ABSENT) {
        mdlg_cbor_put_cstr(b, "documents");
        put_documents(b, s);
    }
    if (s->document_errors >= 0) {
        mdlg_cbor_put_cstr(b, "documentErrors");
        if (s->document_errors == 2) {
            mdlg_cbor_put_map(b, 0);
        } else {
            mdlg_cbor_put_array(b, s->document_errors);
            if (s->document_errors == 1) {     /* [{"org.example.other": 0}] */
                mdlg_cbor_put_map(b, 1);
                mdlg_cbor_put_cstr(b, "org.example.other");
                mdlg_cbor_put_uint(b, 0);
            }
        }
    }
    if (s->status >= 0) {
        mdlg_cbor_put_cstr(b, "status");
        if (s->status_text)
            mdlg_cbor_put_cstr(b, "0");
        else
            mdlg_cbor_put_uint(b, (uint64_t)s->status);
    }
    if (s->top_dup_key) {
        mdlg_cbor_put_cstr(b, "status");
        mdlg_cbor_put_uint(b, 0);
    }
    if (s->trailing)
        mdlg_cbor_put_uint(b, 0);
    assert_int_equal(mdlg_cbor_buf_err(b), MDLG_E_OK);
}

/* ---- mutators: each changes one thing ---- */

static void m_none(struct spec *s) { (void)s; }
/* response */
static void m_version_2(struct spec *s) { s->version = "2.0"; }
static void m_version_1_1(struct spec *s) { s->version = "1.1"; }
static void m_no_version(struct spec *s) { s->version = NULL; }
static void m_no_status(struct spec *s) { s->status = -1; }
static void m_version_int(struct spec *s) { s->version_int = true; }
static void m_status_text(struct spec *s) { s->status_text = true; }
static void m_status_10(struct spec *s) { s->status = 10; }
static void m_no_documents(struct spec *s) { s->docs = DOCS_ABSENT; }
static void m_empty_documents(struct spec *s) { s->n_docs = 0; }
static void m_documents_map(struct spec *s) { s->docs = DOCS_MAP; }
static void m_16_docs(struct spec *s) { s->n_docs = 16; }
static void m_17_docs(struct spec *s) { s->n_docs = 17; }
static void m_2_docs(struct spec *s) { s->n_docs = 2; }
static void m_2_docs_bad(struct spec *s) { s->n_docs = 2; s->second_doc_bad = true; }
static void m_doc_errors_empty(struct spec *s) { s->document_errors = 0; }
static void m_doc_errors_one(struct spec *s) { s->document_errors = 1; }
static void m_doc_errors_map(struct spec *s) { s->document_errors = 2; }
static void m_top_array(struct spec *s) { s->top_array = true; }
static void m_top_dup(struct spec *s) { s->top_dup_key = true; }
static void m_trailing(struct spec *s) { s->trailing = true; }
static void m_big(struct spec *s)      /* a 1 MiB portrait: body > MDLG_MAX_BODY */
{
    static uint8_t big[5 + MDLG_MAX_BODY];
    big[0] = 0x5a;                      /* bstr, 4-byte length */
    big[1] = (uint8_t)(MDLG_MAX_BODY >> 24);
    big[2] = (uint8_t)(MDLG_MAX_BODY >> 16);
    big[3] = (uint8_t)(MDLG_MAX_BODY >> 8);
    big[4] = (uint8_t)MDLG_MAX_BODY;
    add_item(s, MDL, "portrait", mdlg_bytes_make(big, sizeof big), 30);
}
/* document */
static void m_doc_not_map(struct spec *s) { s->doc_not_map = true; }
static void m_no_doctype(struct spec *s) { s->doctype = NULL; }
static void m_int_doctype(struct spec *s) { s->int_doctype = true; }
static void m_no_issuer_signed(struct spec *s) { s->no_issuer_signed = true; }
static void m_no_issuer_auth(struct spec *s) { s->no_issuer_auth = true; }
static void m_no_x5chain(struct spec *s) { s->no_x5chain = true; }
/* MSO */
static void m_mso_untagged(struct spec *s) { s->mso_untagged = true; }
static void m_mso_version(struct spec *s) { s->mso_version = "1.1"; }
static void m_sha1(struct spec *s) { s->digest_alg = "SHA-1"; }
static void m_sha256_lower(struct spec *s) { s->digest_alg = "sha256"; }
static void m_sha384(struct spec *s) { s->digest_alg = "SHA-384"; }
static void m_sha512(struct spec *s) { s->digest_alg = "SHA-512"; }
static void m_no_vd(struct spec *s) { s->no_value_digests = true; }
static void m_no_dki(struct spec *s) { s->no_device_key_info = true; }
static void m_no_vi(struct spec *s) { s->no_validity_info = true; }
static void m_mso_doctype(struct spec *s) { s->mso_doctype = "org.iso.18013.5.1.mDLx"; }
static void m_16_ns(struct spec *s) { s->extra_digest_ns = MDLG_MAX_NAMESPACES - 2; }
static void m_17_ns(struct spec *s) { s->extra_digest_ns = MDLG_MAX_NAMESPACES - 1; }
static void m_mso_dup(struct spec *s) { s->mso_dup_key = true; }
static void m_512_digests(struct spec *s) { s->decoys = MDLG_MAX_DIGESTS - 5; }
static void m_513_digests(struct spec *s) { s->decoys = MDLG_MAX_DIGESTS - 4; }
static void m_bad_digest_ns(struct spec *s) { s->bad_digest_ns = true; }
static void m_payload_nil(struct spec *s) { s->payload_nil = true; }
/* digests */
static void m_item_untagged(struct spec *s) { item(s, "given_name")->untagged = true; }
static void m_item_no_random(struct spec *s) { item(s, "given_name")->no_random = true; }
static void m_item_int_id(struct spec *s) { item(s, "given_name")->int_id = true; }
static void m_ns_no_digests(struct spec *s) { item(s, "DHS_compliance")->no_digest = true; }
static void m_id_no_digest(struct spec *s) { item(s, "given_name")->no_digest = true; }
static void m_digest_short(struct spec *s) { item(s, "given_name")->digest_len = 31; }
static void m_digest_other_ns(struct spec *s) { item(s, "given_name")->digest_ns = AAMVA; }
static void m_dup_digest_id(struct spec *s) { item(s, "given_name")->digest_id = 7; }
static void m_dup_element(struct spec *s) { item(s, "given_name")->id = "family_name"; }
static void m_withheld(struct spec *s) { item(s, "given_name")->withheld = true; }
static void m_no_namespaces(struct spec *s) { s->no_namespaces = true; }
static void m_item_junk(struct spec *s) { item(s, "given_name")->junk = true; }
static void m_namespaces_array(struct spec *s) { s->namespaces_array = true; }
static void m_bad_namespace(struct spec *s) { s->bad_namespace = true; }
/* n disclosed namespaces in all: the default two plus "org.example.nsK" with one item each
 * (covered by valueDigests up to MDLG_MAX_NAMESPACES) */
static void issuer_namespaces(struct spec *s, unsigned n)
{
    static char names[MDLG_MAX_NAMESPACES + 1][32];
    for (unsigned k = 0; k + 2 < n; k++) {
        snprintf(names[k], sizeof names[k], "org.example.ns%u", k);
        add_item(s, names[k], "x", (struct mdlg_bytes)CB("\x01"), 100 + k);
    }
    if (n > MDLG_MAX_NAMESPACES)   /* keep valueDigests within its own limit */
        s->items[s->n_items - 1].no_digest = true;
}
static void m_16_issuer_ns(struct spec *s) { issuer_namespaces(s, MDLG_MAX_NAMESPACES); }
static void m_17_issuer_ns(struct spec *s) { issuer_namespaces(s, MDLG_MAX_NAMESPACES + 1); }
/* n disclosed elements in the mDL namespace (the default five plus "eK") */
static void mdl_elements(struct spec *s, unsigned n)
{
    static char ids[MDLG_MAX_ELEMENTS + 1][16];
    for (unsigned k = 0; k + 5 < n; k++) {
        snprintf(ids[k], sizeof ids[k], "e%u", k);
        add_item(s, MDL, ids[k], (struct mdlg_bytes)CB("\x01"), 100 + k);
    }
}
static void m_256_elements(struct spec *s) { mdl_elements(s, MDLG_MAX_ELEMENTS); }
static void m_257_elements(struct spec *s) { mdl_elements(s, MDLG_MAX_ELEMENTS + 1); }
/* validity */
static void m_from_after_until(struct spec *s) { s->valid_from = s->valid_until + 1; }
static void m_from_untagged(struct spec *s) { s->valid_from_untagged = true; }
static void m_from_offset(struct spec *s) { s->valid_from_text = "2025-12-22T01:00:00+01:00"; }
static void m_from_fraction(struct spec *s) { s->valid_from_text = "2025-12-22T00:00:00.5Z"; }
static void m_no_signed(struct spec *s) { s->no_signed = true; }
static void m_signed_early(struct spec *s) { s->signed_at = DS_NOT_BEFORE - 1; }
static void m_signed_late(struct spec *s) { s->signed_at = DS_NOT_AFTER + 1; }
static void m_not_yet(struct spec *s) { s->valid_from = T0 + 3600; }
static void m_expired(struct spec *s) { s->valid_until = T0 - 1; }
static void m_early_30(struct spec *s) { s->valid_from = T0 + 30; }
static void m_early_30_skew_30(struct spec *s) { m_early_30(s); s->clock_skew = 30; }
static void m_early_30_skew_29(struct spec *s) { m_early_30(s); s->clock_skew = 29; }
static void m_late_30_skew_30(struct spec *s) { s->valid_until = T0 - 30; s->clock_skew = 30; }
/* jurisdiction */
static void m_country_ca(struct spec *s) { item(s, "issuing_country")->value = (struct mdlg_bytes)CB("\x62" "CA"); }
static void m_juris_ny(struct spec *s) { item(s, "issuing_jurisdiction")->value = (struct mdlg_bytes)CB("\x65" "US-NY"); }
static void m_juris_name(struct spec *s) { item(s, "issuing_jurisdiction")->value = (struct mdlg_bytes)CB("\x6a" "California"); }
static void m_us_anchor(struct spec *s) { s->pki = PKI_US; }
static void m_us_anchor_no_juris(struct spec *s) { m_us_anchor(s); item(s, "issuing_jurisdiction")->withheld = true; }
static void m_nl(struct spec *s)
{
    s->pki = PKI_NL;
    item(s, "issuing_country")->value = (struct mdlg_bytes)CB("\x62" "NL");
    item(s, "issuing_jurisdiction")->value = (struct mdlg_bytes)CB("\x65" "NL-NH");
}
static void m_country_long(struct spec *s) { item(s, "issuing_country")->value = (struct mdlg_bytes)CB("\x6d" "United States"); }
static void m_country_int(struct spec *s) { item(s, "issuing_country")->value = (struct mdlg_bytes)CB("\x19\x03\x48"); }
static void m_juris_long(struct spec *s)   /* "US-CA" and 65 more bytes */
{
    item(s, "issuing_jurisdiction")->value = (struct mdlg_bytes)CB(
        "\x78\x46" "US-CA-0123456789012345678901234567890123456789012345678901234567890123");
}
/* device auth */
static void m_no_device_signed(struct spec *s) { s->dev_auth = DA_ABSENT; }
static void m_no_device_signed_ok(struct spec *s) { m_no_device_signed(s); s->allow_no_device_auth = true; }
static void m_both(struct spec *s) { s->dev_auth = DA_BOTH; }
static void m_neither(struct spec *s) { s->dev_auth = DA_NEITHER; }
static void m_dns_untagged(struct spec *s) { s->dns_untagged = true; }
static void m_no_transcript(struct spec *s) { s->no_transcript = true; }
static void m_kty3(struct spec *s) { s->dev_key = DK_KTY3; }
static void m_off_curve(struct spec *s) { s->dev_key = DK_OFF_CURVE; }
static void m_es384(struct spec *s) { s->dev_alg = MDLG_ALG_ES384; }
static void m_dev_unauth(struct spec *s) { s->dev_item_ns = DEV_NS; }
static void m_dev_by_ns(struct spec *s) { m_dev_unauth(s); s->ka_namespace = DEV_NS; }
static void m_dev_by_ns_bad_sig(struct spec *s) { m_dev_by_ns(s); m_es384(s); }
static void m_dev_by_element(struct spec *s) { m_dev_unauth(s); s->ka_element = "fresh"; }
static void m_dev_other_element(struct spec *s) { m_dev_unauth(s); s->ka_element = "stale"; }
static void m_dns_array(struct spec *s) { s->dns_array = true; }
static void m_dns_value_not_map(struct spec *s) { m_dev_by_ns(s); s->dns_value_not_map = true; }
static void m_17_dev_ns(struct spec *s) { s->extra_dev_ns = MDLG_MAX_NAMESPACES + 1; }
static void m_mac(struct spec *s) { s->dev_auth = DA_MAC; }
static void m_mac_no_reader(struct spec *s) { m_mac(s); s->no_reader_key = true; }

/* ---- extra assertions for some rows ---- */

static const struct mdlg_element *find_element(const struct mdlg_doc_result *d, const char *ns,
                                               const char *id)
{
    for (size_t i = 0; i < d->n_elements; i++)
        if (mdlg_bytes_eq_str(d->elements[i].ns, ns) && mdlg_bytes_eq_str(d->elements[i].id, id))
            return &d->elements[i];
    return NULL;
}

static void x_all_elements(const struct mdlg_result *r)
{
    assert_int_equal(r->docs[0].n_elements, sizeof default_items / sizeof default_items[0]);
    assert_int_equal(r->docs[0].device_auth, MDLG_DEVAUTH_SIGNATURE);
    assert_string_equal(r->docs[0].chain.jurisdiction, "US-CA");
}

static void x_no_given_name(const struct mdlg_result *r)
{
    assert_int_equal(r->docs[0].n_elements, sizeof default_items / sizeof default_items[0] - 1);
    assert_null(find_element(&r->docs[0], MDL, "given_name"));
}

static void x_zero_elements(const struct mdlg_result *r)
{
    assert_int_equal(r->docs[0].n_elements, 0);
}

static void x_device_signed(const struct mdlg_result *r)
{
    const struct mdlg_element *el = find_element(&r->docs[0], DEV_NS, "fresh");
    assert_non_null(el);
    assert_true(el->device_signed);
    assert_true(mdlg_bytes_eq(el->value, mdlg_bytes_make("\xf5", 1)));
    assert_false(find_element(&r->docs[0], MDL, "family_name")->device_signed);
}

/* A device-signed element is not reported when device authentication failed. */
static void x_device_signed_dropped(const struct mdlg_result *r)
{
    assert_null(find_element(&r->docs[0], DEV_NS, "fresh"));
    assert_non_null(find_element(&r->docs[0], MDL, "family_name"));
}

static void x_one_document_error(const struct mdlg_result *r)
{
    assert_int_equal(r->n_document_errors, 1);
}

static void x_no_device_auth(const struct mdlg_result *r)
{
    assert_int_equal(r->docs[0].device_auth, MDLG_DEVAUTH_NONE);
}

static void x_mac(const struct mdlg_result *r)
{
    assert_int_equal(r->docs[0].device_auth, MDLG_DEVAUTH_MAC);
}

static void x_status_10(const struct mdlg_result *r)
{
    assert_int_equal(r->status, 10);
    assert_true(r->docs[0].valid);
}

static void x_jurisdiction_us(const struct mdlg_result *r)
{
    assert_string_equal(r->docs[0].chain.jurisdiction, "US");
}

static void x_jurisdiction_nl(const struct mdlg_result *r)
{
    assert_string_equal(r->docs[0].chain.jurisdiction, "NL");
}

/* ---- the table ---- */

struct row {
    const char *name;
    void (*mutate)(struct spec *);
    enum mdlg_policy policy;
    bool valid;
    mdlg_err resp[MAX_EXPECT];    /* response-level codes, in order */
    int docs;                     /* documents verified; 0: 1 (or 0 with response errors) */
    int doc;                      /* the document `check`/`codes` belong to */
    const char *check;            /* the checks that fail (space-separated), NULL: none */
    mdlg_err codes[MAX_EXPECT];   /* that document's codes, in order */
    const char *ns, *el;          /* namespace and element of codes[0], if given */
    uint32_t leniencies;          /* that document's leniencies, exactly */
    void (*extra)(const struct mdlg_result *);
};

#define STRICT MDLG_POLICY_STRICT
#define LENIENT MDLG_POLICY_LENIENT

static const struct row rows[] = {
    /* --- baseline --- */
    { "default response (strict)", m_none, STRICT, true, .extra = x_all_elements },
    { "default response (lenient)", m_none, LENIENT, true, .extra = x_all_elements },

    /* --- response level --- */
    { "version 2.0", m_version_2, STRICT, false, { E(RESPONSE_VERSION_UNSUPPORTED) }, .docs = 1 },
    { "version 1.1 (minor version)", m_version_1_1, STRICT, true },
    { "version missing", m_no_version, STRICT, false, { E(CBOR_MISSING_FIELD) }, .docs = 1 },
    { "status missing", m_no_status, STRICT, false, { E(CBOR_MISSING_FIELD) }, .docs = 1 },
    { "version not a tstr", m_version_int, STRICT, false, { E(CBOR_UNEXPECTED_TYPE) }, .docs = 1 },
    { "status not a uint", m_status_text, STRICT, false, { E(CBOR_UNEXPECTED_TYPE) }, .docs = 1 },
    { "status 10", m_status_10, STRICT, false, { E(RESPONSE_STATUS_ERROR) }, .docs = 1,
      .extra = x_status_10 },
    { "documents missing", m_no_documents, STRICT, false, { E(RESPONSE_NO_DOCUMENTS) } },
    { "documents empty", m_empty_documents, STRICT, false, { E(RESPONSE_NO_DOCUMENTS) } },
    { "documents not an array", m_documents_map, STRICT, false, { E(CBOR_UNEXPECTED_TYPE) } },
    { "16 documents", m_16_docs, STRICT, true, .docs = 16 },
    { "17 documents", m_17_docs, STRICT, false, { E(LIMIT_DOCUMENTS) } },
    { "two valid documents", m_2_docs, STRICT, true, .docs = 2 },
    { "two documents, the second with a bad issuer signature", m_2_docs_bad, STRICT, false,
      .docs = 2, .doc = 1, .check = "issuer_signature", .codes = { E(COSE_SIGNATURE_INVALID) } },
    { "documentErrors [] (strict)", m_doc_errors_empty, STRICT, true },
    { "documentErrors [] (lenient)", m_doc_errors_empty, LENIENT, true },
    { "documentErrors with one entry", m_doc_errors_one, STRICT, true,
      .extra = x_one_document_error },
    { "documentErrors not an array", m_doc_errors_map, STRICT, false,
      { E(CBOR_UNEXPECTED_TYPE) }, .docs = 1 },
    { "top level not a map", m_top_array, STRICT, false, { E(CBOR_UNEXPECTED_TYPE) } },
    { "body over MDLG_MAX_BODY", m_big, STRICT, false, { E(LIMIT_BODY_SIZE) } },
    { "duplicate key at the top", m_top_dup, STRICT, false, { E(CBOR_DUPLICATE_KEY) } },
    { "trailing byte", m_trailing, STRICT, false, { E(CBOR_TRAILING_BYTES) } },

    /* --- document structure --- */
    { "document not a map", m_doc_not_map, STRICT, false, .check = "structure",
      .codes = { E(DOC_MALFORMED) } },
    { "docType missing", m_no_doctype, STRICT, false, .check = "structure",
      .codes = { E(DOC_MALFORMED) } },
    { "docType not tstr", m_int_doctype, STRICT, false, .check = "structure",
      .codes = { E(DOC_MALFORMED) } },
    { "issuerSigned missing", m_no_issuer_signed, STRICT, false, .check = "structure",
      .codes = { E(DOC_MALFORMED) } },
    { "issuerAuth missing", m_no_issuer_auth, STRICT, false, .check = "structure",
      .codes = { E(CBOR_MISSING_FIELD) } },
    { "issuerAuth without x5chain", m_no_x5chain, STRICT, false, .check = "structure",
      .codes = { E(COSE_X5CHAIN_MISSING) } },

    /* --- MSO --- */
    { "MSO payload not tag 24", m_mso_untagged, STRICT, false, .check = "mso",
      .codes = { E(MSO_NOT_TAGGED) } },
    { "MSO version 1.1", m_mso_version, STRICT, false, .check = "mso",
      .codes = { E(MSO_VERSION_UNSUPPORTED) } },
    { "digestAlgorithm SHA-1", m_sha1, STRICT, false, .check = "mso",
      .codes = { E(MSO_DIGEST_ALG_UNSUPPORTED) } },
    { "digestAlgorithm sha256 (lenient too)", m_sha256_lower, LENIENT, false, .check = "mso",
      .codes = { E(MSO_DIGEST_ALG_UNSUPPORTED) } },
    { "digestAlgorithm SHA-384", m_sha384, STRICT, true },
    { "digestAlgorithm SHA-512", m_sha512, STRICT, true },
    { "MSO without valueDigests", m_no_vd, STRICT, false, .check = "mso",
      .codes = { E(MSO_MALFORMED) } },
    { "MSO without deviceKeyInfo", m_no_dki, STRICT, false, .check = "mso",
      .codes = { E(MSO_MALFORMED) } },
    { "MSO without validityInfo", m_no_vi, STRICT, false, .check = "mso",
      .codes = { E(MSO_MALFORMED) } },
    { "MSO docType differs", m_mso_doctype, STRICT, false, .check = "doctype",
      .codes = { E(MSO_DOCTYPE_MISMATCH) } },
    { "16 namespaces in valueDigests", m_16_ns, STRICT, true },
    { "17 namespaces in valueDigests", m_17_ns, STRICT, false, .check = "mso",
      .codes = { E(LIMIT_NAMESPACES) } },
    { "MSO with a duplicate key", m_mso_dup, STRICT, false, .check = "mso",
      .codes = { E(CBOR_DUPLICATE_KEY) } },
    { "valueDigests namespace not a map", m_bad_digest_ns, STRICT, false, .check = "mso",
      .codes = { E(MSO_MALFORMED) } },
    { "512 digests in one namespace", m_512_digests, STRICT, true },
    /* MDLG_MAX_DIGESTS == MDLG_MAX_MAP_ENTRIES: the CBOR reader stops it first */
    { "513 digests in one namespace", m_513_digests, STRICT, false, .check = "mso",
      .codes = { E(LIMIT_MAP_ENTRIES) } },
    { "issuerAuth payload nil", m_payload_nil, STRICT, false, .check = "issuer_signature mso",
      .codes = { E(COSE_PAYLOAD_MISSING), E(COSE_PAYLOAD_MISSING) } },

    /* --- digests --- */
    { "item not tag 24", m_item_untagged, STRICT, false, .check = "digests",
      .codes = { E(ITEM_NOT_TAGGED) }, .ns = MDL },
    { "item without random", m_item_no_random, STRICT, false, .check = "digests",
      .codes = { E(ITEM_MALFORMED) }, .ns = MDL },
    { "elementIdentifier not tstr", m_item_int_id, STRICT, false, .check = "digests",
      .codes = { E(ITEM_MALFORMED) }, .ns = MDL },
    { "namespace without valueDigests entry", m_ns_no_digests, STRICT, false, .check = "digests",
      .codes = { E(MSO_DIGEST_MISSING) }, .ns = AAMVA, .el = "DHS_compliance" },
    { "digestID not in the MSO", m_id_no_digest, STRICT, false, .check = "digests",
      .codes = { E(MSO_DIGEST_MISSING) }, .ns = MDL, .el = "given_name" },
    { "digest of the wrong length", m_digest_short, STRICT, false, .check = "digests",
      .codes = { E(MSO_DIGEST_MISMATCH) }, .ns = MDL, .el = "given_name" },
    { "digest only under another namespace", m_digest_other_ns, STRICT, false,
      .check = "digests", .codes = { E(MSO_DIGEST_MISSING) }, .ns = MDL, .el = "given_name" },
    { "repeated digestID", m_dup_digest_id, STRICT, false, .check = "digests",
      .codes = { E(MSO_DIGEST_ID_DUPLICATE) }, .ns = MDL, .el = "given_name" },
    { "repeated elementIdentifier", m_dup_element, STRICT, false, .check = "digests",
      .codes = { E(ITEM_ELEMENT_DUPLICATE) }, .ns = MDL, .el = "family_name" },
    { "digests for undisclosed elements", m_withheld, STRICT, true, .extra = x_no_given_name },
    { "no nameSpaces (issuerAuth only)", m_no_namespaces, STRICT, true,
      .extra = x_zero_elements },
    { "item bstr with a trailing byte", m_item_junk, STRICT, false, .check = "digests",
      .codes = { E(CBOR_TRAILING_BYTES) }, .ns = MDL },
    { "issuerSigned.nameSpaces not a map", m_namespaces_array, STRICT, false,
      .check = "digests", .codes = { E(DOC_MALFORMED) } },
    { "a namespace not an array", m_bad_namespace, STRICT, false, .check = "digests",
      .codes = { E(DOC_MALFORMED) } },
    { "16 disclosed namespaces", m_16_issuer_ns, STRICT, true },
    { "17 disclosed namespaces", m_17_issuer_ns, STRICT, false, .check = "digests",
      .codes = { E(LIMIT_NAMESPACES) } },
    { "256 elements in a namespace", m_256_elements, STRICT, true },
    { "257 elements in a namespace", m_257_elements, STRICT, false, .check = "digests",
      .codes = { E(LIMIT_ELEMENTS) }, .ns = MDL },

    /* --- validity --- */
    { "validFrom after validUntil", m_from_after_until, STRICT, false, .check = "validity",
      .codes = { E(MSO_VALIDITY_MALFORMED) } },
    { "signed missing", m_no_signed, STRICT, false, .check = "validity",
      .codes = { E(MSO_VALIDITY_MALFORMED) } },
    { "validFrom untagged tstr", m_from_untagged, STRICT, false, .check = "validity",
      .codes = { E(TDATE_MALFORMED) } },
    { "validFrom with +01:00 offset", m_from_offset, LENIENT, false, .check = "validity",
      .codes = { E(TDATE_MALFORMED) } },
    { "validFrom fractional (strict)", m_from_fraction, STRICT, false, .check = "validity",
      .codes = { E(TDATE_MALFORMED) } },
    { "validFrom fractional (lenient)", m_from_fraction, LENIENT, true,
      .leniencies = MDLG_LENIENT_TDATE_FRACTION },
    { "signed before the DS notBefore", m_signed_early, STRICT, false, .check = "validity",
      .codes = { E(MSO_SIGNED_OUTSIDE_DS_VALIDITY) } },
    { "signed after the DS notAfter", m_signed_late, STRICT, false, .check = "validity",
      .codes = { E(MSO_SIGNED_OUTSIDE_DS_VALIDITY) } },
    { "now before validFrom", m_not_yet, STRICT, false, .check = "validity",
      .codes = { E(MSO_NOT_YET_VALID) } },
    { "now after validUntil", m_expired, STRICT, false, .check = "validity",
      .codes = { E(MSO_EXPIRED) } },
    { "30 s early, no skew", m_early_30, STRICT, false, .check = "validity",
      .codes = { E(MSO_NOT_YET_VALID) } },
    { "30 s early, skew 29 s", m_early_30_skew_29, STRICT, false, .check = "validity",
      .codes = { E(MSO_NOT_YET_VALID) } },
    { "30 s early, skew 30 s", m_early_30_skew_30, STRICT, true },
    { "30 s late, skew 30 s", m_late_30_skew_30, STRICT, true },

    /* --- jurisdiction (a wrong claim also contradicts the US-CA anchor: both codes) --- */
    { "issuing_country CA, US DS", m_country_ca, STRICT, false, .check = "jurisdiction",
      .codes = { E(JURISDICTION_DATA_MISMATCH), E(JURISDICTION_ANCHOR_MISMATCH) } },
    { "issuing_jurisdiction US-NY, California DS", m_juris_ny, STRICT, false,
      .check = "jurisdiction",
      .codes = { E(JURISDICTION_DATA_MISMATCH), E(JURISDICTION_ANCHOR_MISMATCH) } },
    { "issuing_jurisdiction California, ST=California", m_juris_name, STRICT, true },
    { "country-level US anchor, issuing_jurisdiction US-CA", m_us_anchor, STRICT, false,
      .check = "jurisdiction", .codes = { E(JURISDICTION_ANCHOR_MISMATCH) } },
    { "country-level US anchor, no issuing_jurisdiction", m_us_anchor_no_juris, STRICT, true,
      .extra = x_jurisdiction_us },
    { "NL anchor, issuing_jurisdiction NL-NH", m_nl, STRICT, true, .extra = x_jurisdiction_nl },
    /* present but unusable values (long, not text) must not pass as absent */
    { "issuing_country longer than 7 bytes", m_country_long, STRICT, false,
      .check = "jurisdiction", .codes = { E(JURISDICTION_DATA_MISMATCH) } },
    { "issuing_country not tstr", m_country_int, STRICT, false, .check = "jurisdiction",
      .codes = { E(JURISDICTION_DATA_MISMATCH) } },
    { "issuing_jurisdiction of 70 bytes", m_juris_long, STRICT, false, .check = "jurisdiction",
      .codes = { E(JURISDICTION_DATA_MISMATCH) } },

    /* --- device authentication --- */
    { "deviceSigned missing", m_no_device_signed, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_AUTH_MISSING) } },
    { "deviceSigned missing, allowed", m_no_device_signed_ok, STRICT, true,
      .extra = x_no_device_auth },
    { "deviceSignature and deviceMac", m_both, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_AUTH_MALFORMED) } },
    { "neither deviceSignature nor deviceMac", m_neither, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_AUTH_MALFORMED) } },
    { "deviceSigned.nameSpaces not tag 24", m_dns_untagged, STRICT, false,
      .check = "device_auth", .codes = { E(DEVICE_AUTH_MALFORMED) } },
    { "no transcript given", m_no_transcript, STRICT, false, .check = "device_auth",
      .codes = { E(TRANSCRIPT_MISSING) } },
    { "deviceKey kty 3", m_kty3, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_KEY_INVALID) } },
    { "deviceKey off the curve", m_off_curve, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_KEY_INVALID) } },
    { "deviceSignature ES384 with a P-256 key", m_es384, STRICT, false, .check = "device_auth",
      .codes = { E(COSE_KEY_ALG_MISMATCH) } },
    { "device-signed element, namespace authorised", m_dev_by_ns, STRICT, true,
      .extra = x_device_signed },
    { "device-signed element, device signature failed", m_dev_by_ns_bad_sig, STRICT, false,
      .check = "device_auth", .codes = { E(COSE_KEY_ALG_MISMATCH) },
      .extra = x_device_signed_dropped },
    { "device-signed element, element authorised", m_dev_by_element, STRICT, true,
      .extra = x_device_signed },
    { "device-signed element, not authorised", m_dev_unauth, STRICT, false,
      .check = "device_auth", .codes = { E(DEVICE_ELEMENT_UNAUTHORIZED) }, .ns = DEV_NS,
      .el = "fresh" },
    { "device-signed element, another element authorised", m_dev_other_element, STRICT, false,
      .check = "device_auth", .codes = { E(DEVICE_ELEMENT_UNAUTHORIZED) }, .ns = DEV_NS,
      .el = "fresh" },
    { "DeviceNameSpaces not a map", m_dns_array, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_AUTH_MALFORMED) } },
    { "DeviceNameSpaces value not a map", m_dns_value_not_map, STRICT, false,
      .check = "device_auth", .codes = { E(DEVICE_AUTH_MALFORMED) } },
    { "17 device-signed namespaces", m_17_dev_ns, STRICT, false, .check = "device_auth",
      .codes = { E(LIMIT_NAMESPACES) } },
    { "deviceMac with the reader key", m_mac, STRICT, true, .extra = x_mac },
    { "deviceMac without the reader key", m_mac_no_reader, STRICT, false, .check = "device_auth",
      .codes = { E(DEVICE_MAC_NO_READER_KEY) }, .extra = x_mac },
};

/* ---- runner ---- */

static void print_result(const struct mdlg_result *r)
{
    print_message("  valid %d, %zu docs\n", r->valid, r->n_docs);
    for (size_t i = 0; i < r->n_errors; i++)
        print_message("  response error %s\n", mdlg_err_name(r->errors[i].code));
    for (size_t d = 0; d < r->n_docs; d++) {
        for (size_t i = 0; i < r->docs[d].n_errors; i++)
            print_message("  doc %zu error %s (%s)\n", d, mdlg_err_name(r->docs[d].errors[i].code),
                          r->docs[d].errors[i].detail ? r->docs[d].errors[i].detail : "");
        for (int c = 0; c < MDLG_CHECK_COUNT; c++)
            if (r->docs[d].checks[c] == MDLG_CHECK_FAILED)
                print_message("  doc %zu check %s failed\n", d, mdlg_check_name(c));
    }
}

/* got[0..n) must be exactly want[] (0-terminated). */
static void expect_codes(const struct mdlg_doc_error *got, size_t n, const mdlg_err *want,
                         const char *what)
{
    size_t w = 0;
    while (w < MAX_EXPECT && want[w] != MDLG_E_OK)
        w++;
    for (size_t i = 0; i < n || i < w; i++) {
        const char *gn = i < n ? mdlg_err_name(got[i].code) : "(none)";
        const char *wn = i < w ? mdlg_err_name(want[i]) : "(none)";
        if (strcmp(gn, wn) != 0)
            fail_msg("%s error %zu is %s, expected %s", what, i, gn, wn);
    }
}

static void expect_view(struct mdlg_bytes got, const char *want, const char *what)
{
    if (want != NULL && !mdlg_bytes_eq_str(got, want))
        fail_msg("error %s is '%.*s', expected '%s'", what, (int)got.len,
                 got.ptr ? (const char *)got.ptr : "", want);
}

/* True if the space-separated list `list` contains `word`. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return true;
    return false;
}

/* Document d: exactly `codes`, the failed checks exactly `check`, else every check OK. */
static void expect_doc(const struct mdlg_doc_result *d, const struct row *r, bool is_target)
{
    static const mdlg_err no_codes[MAX_EXPECT];
    const char *check = is_target ? r->check : NULL;
    expect_codes(d->errors, d->n_errors, is_target ? r->codes : no_codes, "document");
    assert_int_equal(d->n_errors_dropped, 0);
    for (int c = 0; c < MDLG_CHECK_COUNT; c++) {
        bool failed = d->checks[c] == MDLG_CHECK_FAILED;
        bool want_failed = check != NULL && has_word(check, mdlg_check_name(c));
        if (failed != want_failed)
            fail_msg("check %s %s", mdlg_check_name(c), failed ? "failed" : "did not fail");
        if (check == NULL && d->checks[c] != MDLG_CHECK_OK)
            fail_msg("check %s did not run", mdlg_check_name(c));
    }
    assert_int_equal(d->valid, check == NULL);
    if (is_target && d->n_errors > 0) {
        expect_view(d->errors[0].ns, r->ns, "namespace");
        expect_view(d->errors[0].element, r->el, "element");
    }
    if (is_target)
        assert_int_equal(d->leniencies, r->leniencies);
}

/* The current row's response and result, released by free_row even when the row fails. */
static struct mdlg_cbor_buf resp;
static struct mdlg_result res;

static int free_row(void **state)
{
    (void)state;
    mdlg_result_free(&res);
    mdlg_cbor_buf_free(&resp);
    return 0;
}

static void run_row(void **state)
{
    const struct row *r = *state;
    struct spec s = default_spec();
    r->mutate(&s);
    build(&s, &resp);
    struct mdlg_verify_opts o = {
        .now = s.now, .policy = r->policy, .allow_no_device_auth = s.allow_no_device_auth,
        .clock_skew = s.clock_skew, .trust = g->trust,
        .transcript = s.no_transcript ? mdlg_bytes_make(NULL, 0)
                                      : mdlg_cbor_buf_bytes(&g->transcript),
        .reader_key = s.no_reader_key ? NULL : g->reader,
    };
    assert_int_equal(mdlg_verify(resp.ptr, resp.len, &o, &res), MDLG_E_OK);
    if (res.valid != r->valid)
        print_result(&res);
    assert_int_equal(res.valid, r->valid);
    expect_codes(res.errors, res.n_errors, r->resp, "response");
    size_t want_docs = r->docs ? (size_t)r->docs : r->resp[0] != MDLG_E_OK ? 0 : 1;
    assert_int_equal(res.n_docs, want_docs);
    for (size_t i = 0; i < res.n_docs; i++)
        expect_doc(&res.docs[i], r, (int)i == r->doc);
    if (r->extra)
        r->extra(&res);
}

int main(void)
{
    mdlg_cbor_buf_init(&resp, NULL, 0);
    enum { N = sizeof rows / sizeof rows[0] };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){ rows[i].name, run_row, NULL, free_row, (void *)&rows[i] };
    return cmocka_run_group_tests_name("mdoc", tests, setup, teardown);
}
