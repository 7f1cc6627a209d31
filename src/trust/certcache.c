/*
 * certcache.c - parsed certificates by the SHA-256 of their DER.
 *
 * Parsing a certificate costs more than verifying its signature under
 * OpenSSL 3.0 (~170 us against ~75 us for P-256 here). A parsed X509, its
 * subject fields and its own Annex B profile findings are pure functions of
 * its bytes, so DS certificates are parsed and described once and shared.
 * Path validation at `now` against the anchors still runs on every
 * uncached verification: this cache holds no verdicts. Same shape as the chain cache: MDLG_CACHE_SETS sets of
 * MDLG_CACHE_WAYS entries, round-robin replacement, one rwlock.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"

#include "trust/trust_internal.h"

int mdlg__certcache_init(struct mdlg_certcache *c)
{
    memset(c, 0, sizeof *c);
    return pthread_rwlock_init(&c->lock, NULL);
}

void mdlg__certcache_destroy(struct mdlg_certcache *c)
{
    if (c->e != NULL)
        for (size_t i = 0; i < MDLG_CACHE_SETS * MDLG_CACHE_WAYS; i++)
            mdlg__ds_info_clear(&c->e[i].info);
    free(c->e);
    c->e = NULL;
    pthread_rwlock_destroy(&c->lock);
}

static struct mdlg_certcache_entry *cset(struct mdlg_certcache *c, const uint8_t key[32])
{
    return &c->e[((size_t)key[0] % MDLG_CACHE_SETS) * MDLG_CACHE_WAYS];
}

static bool lookup(struct mdlg_certcache *c, const uint8_t key[32], struct mdlg_ds_info *out)
{
    bool hit = false;
    pthread_rwlock_rdlock(&c->lock);
    if (c->e != NULL) {
        struct mdlg_certcache_entry *set = cset(c, key);
        for (size_t w = 0; w < MDLG_CACHE_WAYS && !hit; w++)
            if (set[w].info.x != NULL && memcmp(set[w].key, key, 32) == 0 &&
                X509_up_ref(set[w].info.x)) {
                *out = set[w].info;
                mdlg_pkey_ref(out->key);
                hit = true;
            }
    }
    pthread_rwlock_unlock(&c->lock);
    return hit;
}

static void insert(struct mdlg_certcache *c, const uint8_t key[32], const struct mdlg_ds_info *in)
{
    pthread_rwlock_wrlock(&c->lock);
    if (c->e == NULL)
        c->e = calloc(MDLG_CACHE_SETS * MDLG_CACHE_WAYS, sizeof *c->e);
    if (c->e != NULL && X509_up_ref(in->x)) {
        struct mdlg_certcache_entry *set = cset(c, key);
        size_t w = c->next[key[0] % MDLG_CACHE_SETS]++ % MDLG_CACHE_WAYS;
        for (size_t i = 0; i < MDLG_CACHE_WAYS; i++)
            if (set[i].info.x == NULL || memcmp(set[i].key, key, 32) == 0) {
                w = i;
                break;
            }
        mdlg__ds_info_clear(&set[w].info);
        set[w].info = *in;
        mdlg_pkey_ref(in->key);
        memcpy(set[w].key, key, 32);
    }
    pthread_rwlock_unlock(&c->lock);
}

void mdlg__ds_info_clear(struct mdlg_ds_info *d)
{
    X509_free(d->x);
    mdlg_pkey_free(d->key);
    d->x = NULL;
    d->key = NULL;
}

/*
 * Subject fields, validity, the DS's own profile findings and its public key
 * (wrapped once, so its EC_KEY form for ECDSA outlives one verification).
 */
static void describe(X509 *x, struct mdlg_ds_info *d)
{
    EVP_PKEY *pub = X509_get_pubkey(x);
    d->key = pub != NULL ? mdlg__pkey_wrap(pub) : NULL;   /* wrap takes pub */
    ERR_clear_error();
    const X509_NAME *subj = X509_get_subject_name(x);
    mdlg__name_oneline(subj, d->subject, sizeof d->subject);
    mdlg__name_attr(subj, NID_countryName, d->c, sizeof d->c);
    mdlg__name_attr(subj, NID_stateOrProvinceName, d->st, sizeof d->st);
    mdlg_jurisdiction_normalize(d->c, d->st, d->st_code);
    if (!mdlg__cert_window(x, &d->not_before, &d->not_after))
        d->not_before = d->not_after = 0;
    mdlg__prof_ds(x, &d->prof);
}

bool mdlg__certcache_ds(struct mdlg_certcache *c, const uint8_t key[32], const uint8_t *der,
                        size_t len, struct mdlg_ds_info *out)
{
    if (lookup(c, key, out))
        return true;
    memset(out, 0, sizeof *out);
    if ((out->x = mdlg__cert_parse(der, len)) == NULL)
        return false;
    /* Compute the extension cache now, so shared readers only read it. */
    X509_check_purpose(out->x, -1, 0);
    describe(out->x, out);
    insert(c, key, out);
    return true;
}
