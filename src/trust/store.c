/*
 * store.c - building a trust set: anchors in an X509_STORE plus a
 * fingerprint-keyed metadata table.
 *
 * X509_STORE_add_cert() checks for duplicates with a sorted-stack search,
 * and every insert unsorts the stack, so n adds cost O(n^2 log n) (10,000
 * anchors: seconds). We deduplicate by SHA-256 in our own table and push the
 * X509_OBJECT onto the store's object stack directly; OpenSSL sorts that
 * stack once, under the store lock, on the first lookup.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "trust/trust_internal.h"

mdlg_trust *mdlg_trust_new(void)
{
    mdlg_trust *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->store = X509_STORE_new();
    if (t->store == NULL || mdlg__cache_init(&t->cache) != 0) {
        X509_STORE_free(t->store);
        free(t);
        return NULL;
    }
    if (mdlg__certcache_init(&t->certs) != 0) {
        mdlg__cache_destroy(&t->cache);
        X509_STORE_free(t->store);
        free(t);
        return NULL;
    }
    /* A pinned anchor need not be self-signed; no X509_V_FLAG_X509_STRICT. */
    X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
    return t;
}

void mdlg_trust_free(mdlg_trust *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        X509_free(t->anchors[i]->cert);
        X509_CRL_free(t->anchors[i]->crl);
        mdlg_pkey_free(t->anchors[i]->key);
        free(t->anchors[i]);
    }
    free(t->anchors);
    free(t->slots);
    mdlg__cache_destroy(&t->cache);
    mdlg__certcache_destroy(&t->certs);
    X509_STORE_free(t->store);
    free(t);
}

size_t mdlg_trust_count(const mdlg_trust *t)
{
    return t == NULL ? 0 : t->n;
}

static size_t slot_of(const uint8_t sha256[32], size_t nslots)
{
    uint64_t h;
    memcpy(&h, sha256, sizeof h);
    return (size_t)h & (nslots - 1);
}

const struct mdlg_anchor *mdlg__trust_find(const mdlg_trust *t, const uint8_t sha256[32])
{
    if (t->nslots == 0)
        return NULL;
    for (size_t i = slot_of(sha256, t->nslots);; i = (i + 1) & (t->nslots - 1)) {
        size_t v = t->slots[i];
        if (v == 0)
            return NULL;
        if (memcmp(t->anchors[v - 1]->sha256, sha256, 32) == 0)
            return t->anchors[v - 1];
    }
}

static void slot_insert(size_t *slots, size_t nslots, const uint8_t sha256[32], size_t v)
{
    size_t i = slot_of(sha256, nslots);
    while (slots[i] != 0)
        i = (i + 1) & (nslots - 1);
    slots[i] = v;
}

/* Makes room for one more anchor (array and table at most half full). */
static mdlg_err reserve(mdlg_trust *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct mdlg_anchor **a = realloc(t->anchors, cap * sizeof *a);
        if (a == NULL)
            return MDLG_E_NO_MEMORY;
        t->anchors = a;
        t->cap = cap;
    }
    if (2 * (t->n + 1) <= t->nslots)
        return MDLG_E_OK;
    size_t nslots = t->nslots ? t->nslots * 2 : 32;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < t->n; i++)
        slot_insert(slots, nslots, t->anchors[i]->sha256, i + 1);
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return MDLG_E_OK;
}

/* Jurisdiction from the subject: "US-CA", "US", "NL", or "_unknown". */
static void derive_jurisdiction(const struct mdlg_anchor *a, char out[32])
{
    char code[16];
    mdlg_jurisdiction_normalize(a->c, a->st, code);
    if (code[0] != '\0')
        mdlg__strlcpy(out, code, 32);
    else if (a->c[0] != '\0')
        mdlg__strlcpy(out, a->c, 32);
    else
        mdlg__strlcpy(out, "_unknown", 32);
}

static mdlg_err anchor_fill(struct mdlg_anchor *a, X509 *x, const char *jurisdiction)
{
    if (!mdlg__cert_sha256(x, a->sha256) || !mdlg__cert_window(x, &a->not_before, &a->not_after))
        return MDLG_E_CERT_MALFORMED;
    const X509_NAME *subj = X509_get_subject_name(x);
    mdlg__name_attr(subj, NID_countryName, a->c, sizeof a->c);
    mdlg__name_attr(subj, NID_stateOrProvinceName, a->st, sizeof a->st);
    if (jurisdiction == NULL)
        derive_jurisdiction(a, a->jurisdiction);
    else if (!mdlg__strlcpy(a->jurisdiction, jurisdiction, sizeof a->jurisdiction))
        return MDLG_E_USAGE;
    mdlg__prof_iaca(x, &a->iaca);
    return MDLG_E_OK;
}

static mdlg_err store_push(X509_STORE *store, X509 *x)
{
    X509_OBJECT *obj = X509_OBJECT_new();
    if (obj == NULL || !X509_OBJECT_set1_X509(obj, x) ||
        !sk_X509_OBJECT_push(X509_STORE_get0_objects(store), obj)) {
        X509_OBJECT_free(obj);
        return MDLG_E_NO_MEMORY;
    }
    return MDLG_E_OK;
}

/* Adds x (borrowed) unless its fingerprint is already present. */
static mdlg_err add_x509(mdlg_trust *t, X509 *x, const char *jurisdiction)
{
    struct mdlg_anchor *a = calloc(1, sizeof *a);
    if (a == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = anchor_fill(a, x, jurisdiction);
    if (e == MDLG_E_OK && mdlg__trust_find(t, a->sha256) != NULL) {
        free(a);   /* duplicate: ignored */
        return MDLG_E_OK;
    }
    if (e == MDLG_E_OK)
        e = reserve(t);
    if (e == MDLG_E_OK)
        e = store_push(t->store, x);
    if (e != MDLG_E_OK) {
        free(a);
        ERR_clear_error();
        return e;
    }
    X509_up_ref(x);
    a->cert = x;
    EVP_PKEY *pub = X509_get_pubkey(x);
    a->key = pub != NULL ? mdlg__pkey_wrap(pub) : NULL;   /* wrap takes pub; NULL is fine */
    ERR_clear_error();
    X509_set_ex_data(x, mdlg__anchor_ex_index(), a);
    t->anchors[t->n++] = a;
    slot_insert(t->slots, t->nslots, a->sha256, t->n);
    mdlg__cache_clear(&t->cache);
    return MDLG_E_OK;
}

mdlg_err mdlg_trust_add_der(mdlg_trust *t, const uint8_t *der, size_t len,
                            const char *jurisdiction)
{
    if (t == NULL || der == NULL)
        return MDLG_E_USAGE;
    X509 *x = mdlg__cert_parse(der, len);
    if (x == NULL)
        return MDLG_E_CERT_MALFORMED;
    mdlg_err e = add_x509(t, x, jurisdiction);
    X509_free(x);
    return e;
}

/* Next certificate in b: OK, or CERT_MALFORMED; *x NULL at the end. */
static mdlg_err pem_next(BIO *b, X509 **x)
{
    *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (*x != NULL)
        return MDLG_E_OK;
    unsigned long err = ERR_peek_last_error();
    ERR_clear_error();
    bool end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    return end ? MDLG_E_OK : MDLG_E_CERT_MALFORMED;
}

mdlg_err mdlg_trust_add_pem(mdlg_trust *t, const char *pem, size_t len,
                            const char *jurisdiction)
{
    if (t == NULL || pem == NULL || len > INT_MAX)
        return MDLG_E_USAGE;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (b == NULL)
        return MDLG_E_NO_MEMORY;
    size_t found = 0;
    mdlg_err e;
    X509 *x;
    while ((e = pem_next(b, &x)) == MDLG_E_OK && x != NULL) {
        found++;
        e = add_x509(t, x, jurisdiction);
        X509_free(x);
        if (e != MDLG_E_OK)
            break;
    }
    BIO_free(b);
    if (e == MDLG_E_OK && found == 0)
        e = MDLG_E_CERT_MALFORMED;
    return e;
}

mdlg_err mdlg_trust_anchor_info(const mdlg_trust *t, size_t i, struct mdlg_anchor_info *out)
{
    if (t == NULL || out == NULL || i >= t->n)
        return MDLG_E_USAGE;
    const struct mdlg_anchor *a = t->anchors[i];
    memset(out, 0, sizeof *out);
    mdlg__strlcpy(out->jurisdiction, a->jurisdiction, sizeof out->jurisdiction);
    mdlg__name_oneline(X509_get_subject_name(a->cert), out->subject, sizeof out->subject);
    mdlg__strlcpy(out->country, a->c, sizeof out->country);
    mdlg__strlcpy(out->state, a->st, sizeof out->state);
    memcpy(out->sha256, a->sha256, 32);
    out->not_before = a->not_before;
    out->not_after = a->not_after;
    return MDLG_E_OK;
}
