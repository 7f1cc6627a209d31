/*
 * certcache.c - parsed certificates by the SHA-256 of their DER.
 *
 * Parsing a certificate costs more than verifying its signature under
 * OpenSSL 3.0 (~170 us against ~75 us for P-256 here), and a parsed X509 is a
 * pure function of its bytes, so DS certificates are parsed once and shared.
 * Path validation still runs on every uncached verification: this cache
 * holds no verdicts. Same shape as the chain cache: MDLG_CACHE_SETS sets of
 * MDLG_CACHE_WAYS entries, round-robin replacement, one rwlock.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

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
            X509_free(c->e[i].x);
    free(c->e);
    c->e = NULL;
    pthread_rwlock_destroy(&c->lock);
}

static struct mdlg_certcache_entry *cset(struct mdlg_certcache *c, const uint8_t key[32])
{
    return &c->e[((size_t)key[0] % MDLG_CACHE_SETS) * MDLG_CACHE_WAYS];
}

static X509 *lookup(struct mdlg_certcache *c, const uint8_t key[32])
{
    X509 *x = NULL;
    pthread_rwlock_rdlock(&c->lock);
    if (c->e != NULL) {
        struct mdlg_certcache_entry *set = cset(c, key);
        for (size_t w = 0; w < MDLG_CACHE_WAYS && x == NULL; w++)
            if (set[w].x != NULL && memcmp(set[w].key, key, 32) == 0 && X509_up_ref(set[w].x))
                x = set[w].x;
    }
    pthread_rwlock_unlock(&c->lock);
    return x;
}

static void insert(struct mdlg_certcache *c, const uint8_t key[32], X509 *x)
{
    pthread_rwlock_wrlock(&c->lock);
    if (c->e == NULL)
        c->e = calloc(MDLG_CACHE_SETS * MDLG_CACHE_WAYS, sizeof *c->e);
    if (c->e != NULL && X509_up_ref(x)) {
        struct mdlg_certcache_entry *set = cset(c, key);
        size_t w = c->next[key[0] % MDLG_CACHE_SETS]++ % MDLG_CACHE_WAYS;
        for (size_t i = 0; i < MDLG_CACHE_WAYS; i++)
            if (set[i].x == NULL || memcmp(set[i].key, key, 32) == 0) {
                w = i;
                break;
            }
        X509_free(set[w].x);
        set[w].x = x;
        memcpy(set[w].key, key, 32);
    }
    pthread_rwlock_unlock(&c->lock);
}

X509 *mdlg__certcache_parse(struct mdlg_certcache *c, const uint8_t key[32], const uint8_t *der,
                            size_t len)
{
    X509 *x = lookup(c, key);
    if (x != NULL)
        return x;
    if ((x = mdlg__cert_parse(der, len)) == NULL)
        return NULL;
    /* Compute the extension cache now, so shared readers only read it. */
    X509_check_purpose(x, -1, 0);
    insert(c, key, x);
    return x;
}
