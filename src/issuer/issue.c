/*
 * issue.c - the test issuer: IssuerSignedItems, MSO, issuerAuth, device
 * authentication and the DeviceResponse around them, with named defects.
 * see mdlg/issuer.h; layouts in shared research/mdl-verification.md §2-§5.
 */
#include <stdlib.h>
#include <string.h>

#include "issuer_internal.h"
#include "mdlg/cose.h"
#include "mdlg/limits.h"
#include "mdlg/mdoc.h"

#define RANDOM_LEN 16          /* IssuerSignedItem.random */
#define DIGEST_ID_SPACE 65536u /* digestIDs are drawn below this */
#define MAX_DECOYS 64u
#define MAX_PER_NAMESPACE 4096u
#define MAX_SIG 132            /* ES512: 2 * 66 */

static const char *const tamper_names[MDLG_TAMPER_COUNT] = {
    "digest", "issuer-signature", "device-signature", "doctype", "mso-untagged",
    "duplicate-digest-id", "attached-device-payload", "wrong-transcript", "drop-device-signed",
};

const char *mdlg_tamper_name(uint32_t bit)
{
    for (unsigned i = 0; i < MDLG_TAMPER_COUNT; i++)
        if (bit == 1u << i)
            return tamper_names[i];
    return NULL;
}

bool mdlg_tamper_from_name(const char *name, uint32_t *bit)
{
    for (unsigned i = 0; name != NULL && i < MDLG_TAMPER_COUNT; i++)
        if (strcmp(name, tamper_names[i]) == 0) {
            *bit = 1u << i;
            return true;
        }
    return false;
}

bool mdlg__issue_one_item(const uint8_t *p, size_t len)
{
    struct mdlg_cbor_doc d;
    if (p == NULL || len == 0 || len > MDLG_MAX_BODY)
        return false;
    uint32_t cap = len + 1 < MDLG_MAX_ITEMS ? (uint32_t)len + 1 : MDLG_MAX_ITEMS;
    struct mdlg_cbor_item *items = malloc(cap * sizeof *items);
    bool ok = items != NULL && mdlg_cbor_parse(&d, p, len, items, cap, NULL) == MDLG_E_OK;
    free(items);
    return ok;
}

/* ---- state ---- */

/* One issuer-signed item as encoded. */
struct enc_item {
    size_t ns;                   /* index into issue_ctx.ns */
    uint64_t item_id;            /* digestID written inside the item */
    uint64_t mso_id;             /* key of its digest in valueDigests */
    struct mdlg_cbor_buf bytes;  /* IssuerSignedItemBytes: #6.24(bstr .cbor item) */
    size_t value_off;            /* elementValue's offset in bytes */
    uint8_t digest[MDLG_HASH_MAX];
};

struct issue_ctx {
    const struct mdlg_issue_opts *o;
    const char *doctype;
    enum mdlg_hash_alg halg;
    const char *ns[MDLG_MAX_NAMESPACES];   /* issuer namespaces, first-appearance order */
    size_t n_ns;
    struct enc_item *it;                   /* o->n_items entries */
    uint64_t *decoy_ids;                   /* n_ns * o->decoys */
    struct mdlg_cbor_buf mso, issuer_auth, dns, device_auth;
};

/* A (digestID, digest) entry of one valueDigests namespace, for sorting. */
struct digest_ref {
    uint64_t id;
    const uint8_t *digest;       /* NULL: a random decoy */
};

static const struct mdlg_bytes no_bytes = { NULL, 0 };

static bool device_part(const struct mdlg_issue_opts *o)
{
    return o->device_auth != MDLG_ISSUE_DEVICE_NONE &&
           !(o->tamper & MDLG_TAMPER_DROP_DEVICE_SIGNED);
}

/* ---- option checks ---- */

static bool items_ok(const struct mdlg_issue_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].ns == NULL || items[i].id == NULL ||
            !mdlg__issue_one_item(items[i].value.ptr, items[i].value.len))
            return false;
    return true;
}

static bool device_opts_ok(const struct mdlg_issue_opts *o)
{
    const uint32_t dev_tampers = MDLG_TAMPER_DEVICE_SIGNATURE | MDLG_TAMPER_WRONG_TRANSCRIPT |
                                 MDLG_TAMPER_ATTACHED_DEVICE_PAYLOAD;
    if (!device_part(o))
        return (o->tamper & dev_tampers) == 0;
    if ((o->tamper & MDLG_TAMPER_ATTACHED_DEVICE_PAYLOAD) &&
        o->device_auth != MDLG_ISSUE_DEVICE_SIGNATURE)
        return false;
    if (o->device_auth == MDLG_ISSUE_DEVICE_MAC && o->reader_key == NULL)
        return false;
    if (o->transcript.len == 0 || (o->transcript.ptr[0] >> 5) != 4 ||
        !mdlg__issue_one_item(o->transcript.ptr, o->transcript.len))
        return false;
    if (!items_ok(o->device_items, o->n_device_items))
        return false;
    for (size_t i = 0; i < o->n_key_auth_namespaces; i++)
        if (o->key_auth_namespaces[i] == NULL)
            return false;
    for (size_t i = 0; i < o->n_key_auth_elements; i++)
        if (o->key_auth_elements[i].ns == NULL || o->key_auth_elements[i].id == NULL)
            return false;
    return true;
}

static bool opts_ok(const struct mdlg_issue_opts *o)
{
    if (o->ds_key == NULL || o->device_key == NULL || o->x5chain == NULL ||
        o->x5chain_n == 0 || o->x5chain_n > MDLG_MAX_X5CHAIN || o->n_items == 0 ||
        o->items == NULL || o->decoys > MAX_DECOYS || o->valid_from > o->valid_until ||
        (o->tamper >> MDLG_TAMPER_COUNT) != 0)
        return false;
    if (o->digest_alg != 0 && mdlg_hash_len(o->digest_alg) == 0)
        return false;
    for (size_t i = 0; i < o->x5chain_n; i++)
        if (o->x5chain[i].ptr == NULL || o->x5chain[i].len == 0)
            return false;
    return items_ok(o->items, o->n_items) && device_opts_ok(o);
}

/* ---- digestIDs ---- */

static size_t ns_index(struct issue_ctx *c, const char *ns)
{
    for (size_t i = 0; i < c->n_ns; i++)
        if (strcmp(c->ns[i], ns) == 0)
            return i;
    if (c->n_ns == MDLG_MAX_NAMESPACES)
        return SIZE_MAX;
    c->ns[c->n_ns] = ns;
    return c->n_ns++;
}

/* A random digestID not yet used in namespace `ns`. */
static uint64_t fresh_id(const struct issue_ctx *c, size_t ns, size_t n_items_done,
                         size_t n_decoys_done)
{
    for (;;) {
        uint32_t r;
        bool used = false;
        mdlg_random((uint8_t *)&r, sizeof r);
        r %= DIGEST_ID_SPACE;
        for (size_t i = 0; i < n_items_done && !used; i++)
            used = c->it[i].ns == ns && c->it[i].mso_id == r;
        for (size_t i = 0; i < n_decoys_done && !used; i++)
            used = c->decoy_ids[i] == r && i / c->o->decoys == ns;
        if (!used)
            return r;
    }
}

/* Namespaces, random distinct digestIDs, and the duplicate-digest-id defect. */
static mdlg_err assign_ids(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    size_t per_ns[MDLG_MAX_NAMESPACES] = { 0 };
    for (size_t i = 0; i < o->n_items; i++) {
        size_t ns = ns_index(c, o->items[i].ns);
        if (ns == SIZE_MAX || ++per_ns[ns] + o->decoys > MAX_PER_NAMESPACE)
            return MDLG_E_USAGE;
        c->it[i].ns = ns;
        c->it[i].mso_id = fresh_id(c, ns, i, 0);
        c->it[i].item_id = c->it[i].mso_id;
    }
    if (o->decoys > 0 && (c->decoy_ids = calloc(c->n_ns * o->decoys, sizeof(uint64_t))) == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t k = 0; k < c->n_ns * o->decoys; k++)
        c->decoy_ids[k] = fresh_id(c, k / o->decoys, o->n_items, k);
    if (!(o->tamper & MDLG_TAMPER_DUPLICATE_DIGEST_ID))
        return MDLG_E_OK;
    /* The second disclosed item of a namespace takes the first one's digestID. */
    for (size_t j = 0; j < o->n_items; j++)
        for (size_t i = 0; i < j && !o->items[j].withheld; i++)
            if (!o->items[i].withheld && c->it[i].ns == c->it[j].ns) {
                c->it[j].item_id = c->it[i].mso_id;
                return MDLG_E_OK;
            }
    return MDLG_E_USAGE;    /* no namespace discloses two items */
}

/* ---- IssuerSignedItemBytes ---- */

static mdlg_err encode_item(struct issue_ctx *c, size_t i)
{
    const struct mdlg_issue_item *src = &c->o->items[i];
    struct enc_item *it = &c->it[i];
    struct mdlg_cbor_buf inner;
    uint8_t rnd[RANDOM_LEN];
    mdlg_random(rnd, sizeof rnd);
    mdlg_cbor_buf_init(&inner, NULL, 0);
    mdlg_cbor_put_map(&inner, 4);
    mdlg_cbor_put_cstr(&inner, "digestID");
    mdlg_cbor_put_uint(&inner, it->item_id);
    mdlg_cbor_put_cstr(&inner, "random");
    mdlg_cbor_put_bstr(&inner, rnd, sizeof rnd);
    mdlg_cbor_put_cstr(&inner, "elementIdentifier");
    mdlg_cbor_put_cstr(&inner, src->id);
    mdlg_cbor_put_cstr(&inner, "elementValue");
    size_t value_off = inner.len;
    mdlg_cbor_put_raw(&inner, src->value.ptr, src->value.len);
    mdlg_cbor_put_tag(&it->bytes, 24);
    mdlg_cbor_put_head(&it->bytes, 2, inner.len);
    it->value_off = it->bytes.len + value_off;
    mdlg_cbor_put_raw(&it->bytes, inner.ptr, inner.len);
    mdlg_err e = mdlg_cbor_buf_err(&inner);
    mdlg_cbor_buf_free(&inner);
    if (e == MDLG_E_OK)
        e = mdlg_cbor_buf_err(&it->bytes);
    if (e == MDLG_E_OK)
        e = mdlg_hash(c->halg, it->bytes.ptr, it->bytes.len, it->digest);
    return e;
}

/* Length of the head of a definite string whose initial byte is b. */
static size_t str_head_len(uint8_t b)
{
    unsigned ai = b & 0x1f;
    return ai < 24 ? 1 : ai == 24 ? 2 : ai == 25 ? 3 : ai == 26 ? 5 : 9;
}

/* A value whose last byte can be flipped and stay well-formed (see MDLG_TAMPER_DIGEST). */
static bool flippable(struct mdlg_bytes v, bool strings_only)
{
    unsigned major = v.ptr[0] >> 5;
    if ((major == 2 || major == 3) && (v.ptr[0] & 0x1f) != 31)
        return v.len > str_head_len(v.ptr[0]);
    if (strings_only || v.len != 1)
        return false;
    return v.ptr[0] <= 0x17 || (v.ptr[0] >= 0x20 && v.ptr[0] <= 0x37) ||
           (v.ptr[0] >= 0xf4 && v.ptr[0] <= 0xf7);
}

/* The digest defect: one byte of a disclosed elementValue changes after hashing. */
static mdlg_err tamper_digest(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < o->n_items; i++)
            if (!o->items[i].withheld && flippable(o->items[i].value, pass == 0)) {
                c->it[i].bytes.ptr[c->it[i].value_off + o->items[i].value.len - 1] ^= 0x01;
                return MDLG_E_OK;
            }
    return MDLG_E_USAGE;
}

/* ---- MobileSecurityObject ---- */

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = ((const struct digest_ref *)a)->id, y = ((const struct digest_ref *)b)->id;
    return x < y ? -1 : x > y;
}

/* valueDigests[ns]: items and decoys, by ascending digestID. */
static mdlg_err put_ns_digests(struct issue_ctx *c, size_t ns)
{
    const struct mdlg_issue_opts *o = c->o;
    size_t hl = mdlg_hash_len(c->halg), n = 0;
    struct digest_ref *refs = malloc((o->n_items + o->decoys) * sizeof *refs);
    if (refs == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < o->n_items; i++)
        if (c->it[i].ns == ns)
            refs[n++] = (struct digest_ref){ c->it[i].mso_id, c->it[i].digest };
    for (size_t k = 0; k < o->decoys; k++)
        refs[n++] = (struct digest_ref){ c->decoy_ids[ns * o->decoys + k], NULL };
    qsort(refs, n, sizeof *refs, cmp_ref);
    mdlg_cbor_put_map(&c->mso, n);
    for (size_t k = 0; k < n; k++) {
        uint8_t rnd[MDLG_HASH_MAX];
        if (refs[k].digest == NULL)
            mdlg_random(rnd, hl);
        mdlg_cbor_put_uint(&c->mso, refs[k].id);
        mdlg_cbor_put_bstr(&c->mso, refs[k].digest ? refs[k].digest : rnd, hl);
    }
    free(refs);
    return mdlg_cbor_buf_err(&c->mso);
}

static void put_tdate(struct mdlg_cbor_buf *b, const char *key, int64_t t)
{
    char s[21];
    mdlg_format_rfc3339(t, s);
    mdlg_cbor_put_cstr(b, key);
    mdlg_cbor_put_tag(b, 0);
    mdlg_cbor_put_cstr(b, s);
}

/* keyAuthorizations: {? "nameSpaces": [+ ns], ? "dataElements": {+ ns => [+ id]}}. */
static void put_key_auth(struct mdlg_cbor_buf *b, const struct mdlg_issue_opts *o)
{
    const struct mdlg_issue_element_ref *el = o->key_auth_elements;
    size_t n_el_ns = 0;
    for (size_t i = 0; i < o->n_key_auth_elements; i++) {
        size_t j = 0;
        while (j < i && strcmp(el[j].ns, el[i].ns) != 0)
            j++;
        n_el_ns += j == i;
    }
    mdlg_cbor_put_cstr(b, "keyAuthorizations");
    mdlg_cbor_put_map(b, (o->n_key_auth_namespaces > 0) + (n_el_ns > 0));
    if (o->n_key_auth_namespaces > 0) {
        mdlg_cbor_put_cstr(b, "nameSpaces");
        mdlg_cbor_put_array(b, o->n_key_auth_namespaces);
        for (size_t i = 0; i < o->n_key_auth_namespaces; i++)
            mdlg_cbor_put_cstr(b, o->key_auth_namespaces[i]);
    }
    if (n_el_ns == 0)
        return;
    mdlg_cbor_put_cstr(b, "dataElements");
    mdlg_cbor_put_map(b, n_el_ns);
    for (size_t i = 0; i < o->n_key_auth_elements; i++) {
        size_t j = 0, n = 0;
        while (j < i && strcmp(el[j].ns, el[i].ns) != 0)
            j++;
        if (j < i)
            continue;     /* namespace already written */
        for (size_t k = i; k < o->n_key_auth_elements; k++)
            n += strcmp(el[k].ns, el[i].ns) == 0;
        mdlg_cbor_put_cstr(b, el[i].ns);
        mdlg_cbor_put_array(b, n);
        for (size_t k = i; k < o->n_key_auth_elements; k++)
            if (strcmp(el[k].ns, el[i].ns) == 0)
                mdlg_cbor_put_cstr(b, el[k].id);
    }
}

static const char *digest_alg_name(enum mdlg_hash_alg h)
{
    return h == MDLG_SHA384 ? "SHA-384" : h == MDLG_SHA512 ? "SHA-512" : "SHA-256";
}

static mdlg_err build_mso(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    struct mdlg_cbor_buf *b = &c->mso;
    bool key_auth = o->n_key_auth_namespaces > 0 || o->n_key_auth_elements > 0;
    mdlg_err e = MDLG_E_OK;
    mdlg_cbor_put_map(b, o->status_list_uri ? 7 : 6);
    mdlg_cbor_put_cstr(b, "version");
    mdlg_cbor_put_cstr(b, "1.0");
    mdlg_cbor_put_cstr(b, "digestAlgorithm");
    mdlg_cbor_put_cstr(b, digest_alg_name(c->halg));
    mdlg_cbor_put_cstr(b, "valueDigests");
    mdlg_cbor_put_map(b, c->n_ns);
    for (size_t ns = 0; ns < c->n_ns && e == MDLG_E_OK; ns++) {
        mdlg_cbor_put_cstr(b, c->ns[ns]);
        e = put_ns_digests(c, ns);
    }
    mdlg_cbor_put_cstr(b, "deviceKeyInfo");
    mdlg_cbor_put_map(b, key_auth ? 2 : 1);
    mdlg_cbor_put_cstr(b, "deviceKey");
    if (e == MDLG_E_OK)
        e = mdlg_cose_key_encode(b, o->device_key);
    if (key_auth)
        put_key_auth(b, o);
    mdlg_cbor_put_cstr(b, "docType");
    if (o->tamper & MDLG_TAMPER_DOCTYPE) {
        mdlg_cbor_put_head(b, 3, strlen(c->doctype) + 9);
        mdlg_cbor_put_raw(b, c->doctype, strlen(c->doctype));
        mdlg_cbor_put_raw(b, ".tampered", 9);
    } else {
        mdlg_cbor_put_cstr(b, c->doctype);
    }
    mdlg_cbor_put_cstr(b, "validityInfo");
    mdlg_cbor_put_map(b, o->expected_update ? 4 : 3);
    put_tdate(b, "signed", o->signed_at);
    put_tdate(b, "validFrom", o->valid_from);
    put_tdate(b, "validUntil", o->valid_until);
    if (o->expected_update)
        put_tdate(b, "expectedUpdate", o->expected_update);
    if (o->status_list_uri) {
        mdlg_cbor_put_cstr(b, "status");
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_cstr(b, "status_list");
        mdlg_cbor_put_map(b, 2);
        mdlg_cbor_put_cstr(b, "idx");
        mdlg_cbor_put_uint(b, o->status_list_idx);
        mdlg_cbor_put_cstr(b, "uri");
        mdlg_cbor_put_cstr(b, o->status_list_uri);
    }
    return e != MDLG_E_OK ? e : mdlg_cbor_buf_err(b);
}

/* ---- COSE ---- */

/* Protected header bytes {1: alg} into p (at most 4 bytes); returns the length. */
static size_t protected_alg(int alg, uint8_t p[4])
{
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, p, 4);
    b.max = 4;
    mdlg_cbor_put_map(&b, 1);
    mdlg_cbor_put_uint(&b, 1);
    mdlg_cbor_put_int(&b, alg);
    return b.err == MDLG_E_OK ? b.len : 0;
}

/* Raw signature over Sig_structure(prot, h'', payload); flips a byte if asked. */
static mdlg_err sign_tbs(const mdlg_pkey *key, int alg, struct mdlg_bytes prot,
                         struct mdlg_bytes payload, bool flip, uint8_t sig[MAX_SIG],
                         size_t *siglen)
{
    struct mdlg_cbor_buf tbs;
    mdlg_cbor_buf_init(&tbs, NULL, 0);
    mdlg_cose_tbs(&tbs, false, prot, no_bytes, payload);
    mdlg_err e = mdlg_cbor_buf_err(&tbs);
    *siglen = MAX_SIG;
    if (e == MDLG_E_OK)
        e = mdlg_sig_sign(key, alg, tbs.ptr, tbs.len, sig, siglen);
    if (e == MDLG_E_OK && flip)
        sig[*siglen / 4] ^= 0x01;   /* inside r (or Ed25519 R): still well-formed, wrong */
    mdlg_cbor_buf_free(&tbs);
    return e;
}

/* issuerAuth = [h'a1 01 alg', {33: x5chain}, MobileSecurityObjectBytes, signature]. */
static mdlg_err build_issuer_auth(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    struct mdlg_cbor_buf payload, *b = &c->issuer_auth;
    uint8_t prot[4], sig[MAX_SIG];
    size_t siglen;
    int alg = mdlg_pkey_default_alg(o->ds_key);
    size_t plen = protected_alg(alg, prot);
    if (alg == 0 || plen == 0)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    mdlg_cbor_buf_init(&payload, NULL, 0);
    if (o->tamper & MDLG_TAMPER_MSO_UNTAGGED) {
        mdlg_cbor_put_raw(&payload, c->mso.ptr, c->mso.len);
    } else {
        mdlg_cbor_put_tag(&payload, 24);
        mdlg_cbor_put_bstr(&payload, c->mso.ptr, c->mso.len);
    }
    mdlg_err e = mdlg_cbor_buf_err(&payload);
    if (e == MDLG_E_OK)
        e = sign_tbs(o->ds_key, alg, mdlg_bytes_make(prot, plen), mdlg_cbor_buf_bytes(&payload),
                     (o->tamper & MDLG_TAMPER_ISSUER_SIGNATURE) != 0, sig, &siglen);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_array(b, 4);
        mdlg_cbor_put_bstr(b, prot, plen);
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_uint(b, 33);
        if (o->x5chain_n > 1)
            mdlg_cbor_put_array(b, o->x5chain_n);
        for (size_t i = 0; i < o->x5chain_n; i++)
            mdlg_cbor_put_bstr(b, o->x5chain[i].ptr, o->x5chain[i].len);
        mdlg_cbor_put_bstr(b, payload.ptr, payload.len);
        mdlg_cbor_put_bstr(b, sig, siglen);
        e = mdlg_cbor_buf_err(b);
    }
    mdlg_cbor_buf_free(&payload);
    return e;
}

/* ---- device authentication ---- */

/* DeviceNameSpacesBytes = #6.24(bstr .cbor {ns => {id => value}}). */
static mdlg_err build_device_namespaces(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    const struct mdlg_issue_item *d = o->device_items;
    struct mdlg_cbor_buf inner;
    size_t n_ns = 0;
    mdlg_cbor_buf_init(&inner, NULL, 0);
    for (size_t i = 0; i < o->n_device_items; i++) {
        size_t j = 0;
        while (j < i && strcmp(d[j].ns, d[i].ns) != 0)
            j++;
        n_ns += j == i;
    }
    mdlg_cbor_put_map(&inner, n_ns);
    for (size_t i = 0; i < o->n_device_items; i++) {
        size_t j = 0, n = 0;
        while (j < i && strcmp(d[j].ns, d[i].ns) != 0)
            j++;
        if (j < i)
            continue;
        for (size_t k = i; k < o->n_device_items; k++)
            n += strcmp(d[k].ns, d[i].ns) == 0;
        mdlg_cbor_put_cstr(&inner, d[i].ns);
        mdlg_cbor_put_map(&inner, n);
        for (size_t k = i; k < o->n_device_items; k++)
            if (strcmp(d[k].ns, d[i].ns) == 0) {
                mdlg_cbor_put_cstr(&inner, d[k].id);
                mdlg_cbor_put_raw(&inner, d[k].value.ptr, d[k].value.len);
            }
    }
    mdlg_cbor_put_tag(&c->dns, 24);
    mdlg_cbor_put_bstr(&c->dns, inner.ptr, inner.len);
    mdlg_err e = mdlg_cbor_buf_err(&inner);
    mdlg_cbor_buf_free(&inner);
    return e != MDLG_E_OK ? e : mdlg_cbor_buf_err(&c->dns);
}

/* The transcript the device signs: the given one, or another for wrong-transcript. */
static void device_transcript(const struct issue_ctx *c, struct mdlg_cbor_buf *t)
{
    uint8_t h[32];
    if (!(c->o->tamper & MDLG_TAMPER_WRONG_TRANSCRIPT)) {
        mdlg_cbor_put_raw(t, c->o->transcript.ptr, c->o->transcript.len);
        return;
    }
    mdlg_random(h, sizeof h);    /* [null, null, ["OpenID4VPHandover", h'<random>']] */
    mdlg_cbor_put_array(t, 3);
    mdlg_cbor_put_null(t);
    mdlg_cbor_put_null(t);
    mdlg_cbor_put_array(t, 2);
    mdlg_cbor_put_cstr(t, "OpenID4VPHandover");
    mdlg_cbor_put_bstr(t, h, sizeof h);
}

/* DeviceAuthenticationBytes = #6.24(bstr .cbor ["DeviceAuthentication", ST, DT, DNSBytes]). */
static mdlg_err device_auth_bytes(const struct issue_ctx *c, struct mdlg_bytes transcript,
                                  struct mdlg_cbor_buf *out)
{
    struct mdlg_cbor_buf inner;
    mdlg_cbor_buf_init(&inner, NULL, 0);
    mdlg_cbor_put_array(&inner, 4);
    mdlg_cbor_put_cstr(&inner, "DeviceAuthentication");
    mdlg_cbor_put_raw(&inner, transcript.ptr, transcript.len);
    mdlg_cbor_put_cstr(&inner, c->doctype);
    mdlg_cbor_put_raw(&inner, c->dns.ptr, c->dns.len);
    mdlg_cbor_put_tag(out, 24);
    mdlg_cbor_put_bstr(out, inner.ptr, inner.len);
    mdlg_err e = mdlg_cbor_buf_err(&inner);
    mdlg_cbor_buf_free(&inner);
    return e != MDLG_E_OK ? e : mdlg_cbor_buf_err(out);
}

/* EMacKey = HKDF-SHA-256(ECDH(device, reader), SHA-256(#6.24(bstr transcript)), "EMacKey"). */
static mdlg_err emac_key(const struct issue_ctx *c, struct mdlg_bytes transcript,
                         uint8_t key[32])
{
    uint8_t z[66], salt[32];
    size_t zlen;
    struct mdlg_cbor_buf stb;
    if (mdlg_pkey_curve(c->o->reader_key) != mdlg_pkey_curve(c->o->device_key))
        return MDLG_E_USAGE;
    mdlg_err e = mdlg_ecdh(c->o->device_key, c->o->reader_key, z, &zlen);
    if (e != MDLG_E_OK)
        return e;
    mdlg_cbor_buf_init(&stb, NULL, 0);
    mdlg_cbor_put_tag(&stb, 24);
    mdlg_cbor_put_bstr(&stb, transcript.ptr, transcript.len);
    if ((e = mdlg_cbor_buf_err(&stb)) == MDLG_E_OK &&
        (e = mdlg_sha256(stb.ptr, stb.len, salt)) == MDLG_E_OK)
        e = mdlg_hkdf_sha256(z, zlen, salt, sizeof salt, (const uint8_t *)"EMacKey", 7, key, 32);
    mdlg_cbor_buf_free(&stb);
    explicit_bzero(z, sizeof z);
    return e;
}

/* MAC tag over MAC_structure(prot, h'', dab); flips a byte if asked. */
static mdlg_err mac_tbs(const struct issue_ctx *c, struct mdlg_bytes transcript,
                        struct mdlg_bytes prot, struct mdlg_bytes dab, uint8_t tag[32])
{
    uint8_t key[32];
    struct mdlg_cbor_buf tbs;
    mdlg_err e = emac_key(c, transcript, key);
    if (e != MDLG_E_OK)
        return e;
    mdlg_cbor_buf_init(&tbs, NULL, 0);
    mdlg_cose_tbs(&tbs, true, prot, no_bytes, dab);
    if ((e = mdlg_cbor_buf_err(&tbs)) == MDLG_E_OK)
        e = mdlg_hmac_sha256(key, sizeof key, tbs.ptr, tbs.len, tag);
    if (e == MDLG_E_OK && (c->o->tamper & MDLG_TAMPER_DEVICE_SIGNATURE))
        tag[7] ^= 0x01;
    mdlg_cbor_buf_free(&tbs);
    explicit_bzero(key, sizeof key);
    return e;
}

/* deviceAuth = {"deviceSignature" | "deviceMac": [prot, {}, null / DAB, sig / tag]}. */
static mdlg_err build_device_auth(struct issue_ctx *c)
{
    const struct mdlg_issue_opts *o = c->o;
    bool mac = o->device_auth == MDLG_ISSUE_DEVICE_MAC;
    struct mdlg_cbor_buf t, dab, *b = &c->device_auth;
    uint8_t prot[4], sig[MAX_SIG];
    size_t siglen = 32;
    int alg = mac ? MDLG_ALG_HMAC256 : mdlg_pkey_default_alg(o->device_key);
    size_t plen = protected_alg(alg, prot);
    if (alg == 0 || plen == 0)
        return MDLG_E_COSE_KEY_UNSUPPORTED;
    mdlg_cbor_buf_init(&t, NULL, 0);
    mdlg_cbor_buf_init(&dab, NULL, 0);
    device_transcript(c, &t);
    mdlg_err e = mdlg_cbor_buf_err(&t);
    if (e == MDLG_E_OK)
        e = device_auth_bytes(c, mdlg_cbor_buf_bytes(&t), &dab);
    if (e == MDLG_E_OK && mac)
        e = mac_tbs(c, mdlg_cbor_buf_bytes(&t), mdlg_bytes_make(prot, plen),
                    mdlg_cbor_buf_bytes(&dab), sig);
    else if (e == MDLG_E_OK)
        e = sign_tbs(o->device_key, alg, mdlg_bytes_make(prot, plen), mdlg_cbor_buf_bytes(&dab),
                     (o->tamper & MDLG_TAMPER_DEVICE_SIGNATURE) != 0, sig, &siglen);
    if (e == MDLG_E_OK) {
        mdlg_cbor_put_map(b, 1);
        mdlg_cbor_put_cstr(b, mac ? "deviceMac" : "deviceSignature");
        mdlg_cbor_put_array(b, 4);
        mdlg_cbor_put_bstr(b, prot, plen);
        mdlg_cbor_put_map(b, 0);
        if (o->tamper & MDLG_TAMPER_ATTACHED_DEVICE_PAYLOAD)
            mdlg_cbor_put_bstr(b, dab.ptr, dab.len);
        else
            mdlg_cbor_put_null(b);
        mdlg_cbor_put_bstr(b, sig, siglen);
        e = mdlg_cbor_buf_err(b);
    }
    mdlg_cbor_buf_free(&t);
    mdlg_cbor_buf_free(&dab);
    return e;
}

/* ---- DeviceResponse ---- */

static void put_issuer_namespaces(struct issue_ctx *c, struct mdlg_cbor_buf *b)
{
    const struct mdlg_issue_opts *o = c->o;
    size_t count[MDLG_MAX_NAMESPACES] = { 0 }, n_ns = 0;
    for (size_t i = 0; i < o->n_items; i++)
        if (!o->items[i].withheld && count[c->it[i].ns]++ == 0)
            n_ns++;
    mdlg_cbor_put_cstr(b, "nameSpaces");
    mdlg_cbor_put_map(b, n_ns);
    for (size_t ns = 0; ns < c->n_ns; ns++) {
        if (count[ns] == 0)
            continue;
        mdlg_cbor_put_cstr(b, c->ns[ns]);
        mdlg_cbor_put_array(b, count[ns]);
        for (size_t i = 0; i < o->n_items; i++)
            if (!o->items[i].withheld && c->it[i].ns == ns)
                mdlg_cbor_put_raw(b, c->it[i].bytes.ptr, c->it[i].bytes.len);
    }
}

static bool any_disclosed(const struct mdlg_issue_opts *o)
{
    for (size_t i = 0; i < o->n_items; i++)
        if (!o->items[i].withheld)
            return true;
    return false;
}

static mdlg_err put_response(struct issue_ctx *c, struct mdlg_cbor_buf *b)
{
    bool dev = device_part(c->o), disclosed = any_disclosed(c->o);
    mdlg_cbor_put_map(b, 3);
    mdlg_cbor_put_cstr(b, "version");
    mdlg_cbor_put_cstr(b, "1.0");
    mdlg_cbor_put_cstr(b, "documents");
    mdlg_cbor_put_array(b, 1);
    mdlg_cbor_put_map(b, dev ? 3 : 2);
    mdlg_cbor_put_cstr(b, "docType");
    mdlg_cbor_put_cstr(b, c->doctype);
    mdlg_cbor_put_cstr(b, "issuerSigned");
    mdlg_cbor_put_map(b, disclosed ? 2 : 1);
    if (disclosed)
        put_issuer_namespaces(c, b);
    mdlg_cbor_put_cstr(b, "issuerAuth");
    mdlg_cbor_put_raw(b, c->issuer_auth.ptr, c->issuer_auth.len);
    if (dev) {
        mdlg_cbor_put_cstr(b, "deviceSigned");
        mdlg_cbor_put_map(b, 2);
        mdlg_cbor_put_cstr(b, "nameSpaces");
        mdlg_cbor_put_raw(b, c->dns.ptr, c->dns.len);
        mdlg_cbor_put_cstr(b, "deviceAuth");
        mdlg_cbor_put_raw(b, c->device_auth.ptr, c->device_auth.len);
    }
    mdlg_cbor_put_cstr(b, "status");
    mdlg_cbor_put_uint(b, 0);
    return mdlg_cbor_buf_err(b);
}

static mdlg_err issue(struct issue_ctx *c, struct mdlg_cbor_buf *out)
{
    const struct mdlg_issue_opts *o = c->o;
    mdlg_err e = assign_ids(c);
    for (size_t i = 0; e == MDLG_E_OK && i < o->n_items; i++)
        e = encode_item(c, i);
    if (e == MDLG_E_OK && (o->tamper & MDLG_TAMPER_DIGEST))
        e = tamper_digest(c);
    if (e == MDLG_E_OK)
        e = build_mso(c);
    if (e == MDLG_E_OK)
        e = build_issuer_auth(c);
    if (e == MDLG_E_OK && device_part(o) && (e = build_device_namespaces(c)) == MDLG_E_OK)
        e = build_device_auth(c);
    if (e == MDLG_E_OK) {
        size_t start = out->len;
        e = put_response(c, out);
        if (e != MDLG_E_OK && out->err == MDLG_E_OK)
            out->len = start;
    }
    return e;
}

mdlg_err mdlg_issue_device_response(const struct mdlg_issue_opts *o, struct mdlg_cbor_buf *out)
{
    struct issue_ctx c = { .o = o };
    if (o == NULL || out == NULL || !opts_ok(o))
        return MDLG_E_USAGE;
    c.doctype = o->doctype ? o->doctype : MDLG_MDL_DOCTYPE;
    c.halg = o->digest_alg ? o->digest_alg : MDLG_SHA256;
    c.it = calloc(o->n_items, sizeof *c.it);
    if (c.it == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < o->n_items; i++)
        mdlg_cbor_buf_init(&c.it[i].bytes, NULL, 0);
    mdlg_cbor_buf_init(&c.mso, NULL, 0);
    mdlg_cbor_buf_init(&c.issuer_auth, NULL, 0);
    mdlg_cbor_buf_init(&c.dns, NULL, 0);
    mdlg_cbor_buf_init(&c.device_auth, NULL, 0);
    mdlg_err e = issue(&c, out);
    for (size_t i = 0; i < o->n_items; i++)
        mdlg_cbor_buf_free(&c.it[i].bytes);
    free(c.it);
    free(c.decoy_ids);
    mdlg_cbor_buf_free(&c.mso);
    mdlg_cbor_buf_free(&c.issuer_auth);
    mdlg_cbor_buf_free(&c.dns);
    mdlg_cbor_buf_free(&c.device_auth);
    return e;
}
