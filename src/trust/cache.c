/*
 * cache.c - bounded cache of validated chains, MDLG_CACHE_SETS sets of
 * MDLG_CACHE_WAYS entries indexed by the first key byte (the key is a
 * SHA-256, so uniform), round-robin replacement within a set. Readers share
 * a rwlock; only successes are stored (see verify.c).
 */
#include <stdlib.h>
#include <string.h>

#include "trust/trust_internal.h"

int mdlg__cache_init(struct mdlg_cache *c)
{
    memset(c, 0, sizeof *c);
    return pthread_rwlock_init(&c->lock, NULL);
}

static void entry_drop(struct mdlg_cache_entry *e)
{
    if (e->used)
        mdlg_pkey_free(e->r.ds_key);
    memset(e, 0, sizeof *e);
}

void mdlg__cache_clear(struct mdlg_cache *c)
{
    pthread_rwlock_wrlock(&c->lock);
    if (c->e != NULL)
        for (size_t i = 0; i < MDLG_CACHE_SETS * MDLG_CACHE_WAYS; i++)
            entry_drop(&c->e[i]);
    pthread_rwlock_unlock(&c->lock);
}

void mdlg__cache_destroy(struct mdlg_cache *c)
{
    mdlg__cache_clear(c);
    free(c->e);
    c->e = NULL;
    pthread_rwlock_destroy(&c->lock);
}

static struct mdlg_cache_entry *set_of(struct mdlg_cache *c, const uint8_t key[32])
{
    return &c->e[((size_t)key[0] % MDLG_CACHE_SETS) * MDLG_CACHE_WAYS];
}

static bool same_key(const struct mdlg_cache_entry *e, const uint8_t key[32], int policy)
{
    return e->used && e->policy == policy && memcmp(e->key, key, 32) == 0;
}

bool mdlg__cache_get(struct mdlg_cache *c, const uint8_t key[32], enum mdlg_policy policy,
                     struct mdlg_cache_entry *out)
{
    bool hit = false;
    pthread_rwlock_rdlock(&c->lock);
    if (c->e != NULL) {
        struct mdlg_cache_entry *set = set_of(c, key);
        for (size_t w = 0; w < MDLG_CACHE_WAYS && !hit; w++) {
            if (!same_key(&set[w], key, (int)policy))
                continue;
            *out = set[w];
            out->r.ds_key = mdlg_pkey_ref(set[w].r.ds_key);
            hit = true;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    return hit;
}

/* Way to overwrite in set: the same key, else a free way, else round robin. */
static size_t victim(struct mdlg_cache *c, struct mdlg_cache_entry *set, const uint8_t key[32],
                     int policy)
{
    for (size_t w = 0; w < MDLG_CACHE_WAYS; w++)
        if (same_key(&set[w], key, policy))
            return w;
    for (size_t w = 0; w < MDLG_CACHE_WAYS; w++)
        if (!set[w].used)
            return w;
    uint8_t *next = &c->next[key[0] % MDLG_CACHE_SETS];
    size_t w = *next % MDLG_CACHE_WAYS;
    *next = (uint8_t)((w + 1) % MDLG_CACHE_WAYS);
    return w;
}

void mdlg__cache_put(struct mdlg_cache *c, const struct mdlg_cache_entry *e)
{
    if (e->r.ds_key == NULL)
        return;
    pthread_rwlock_wrlock(&c->lock);
    if (c->e == NULL)
        c->e = calloc(MDLG_CACHE_SETS * MDLG_CACHE_WAYS, sizeof *c->e);
    if (c->e != NULL) {
        struct mdlg_cache_entry *set = set_of(c, e->key);
        struct mdlg_cache_entry *slot = &set[victim(c, set, e->key, e->policy)];
        entry_drop(slot);
        *slot = *e;
        slot->used = true;
        slot->r.ds_key = mdlg_pkey_ref(e->r.ds_key);
    }
    pthread_rwlock_unlock(&c->lock);
}
