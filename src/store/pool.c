/* see store/pool.h */
#include <stdlib.h>
#include <unistd.h>

#include "store/pool.h"

mdlg_err mdlg__pool_init(struct mdlg__pool *p, unsigned cap)
{
    p->free_list = calloc(cap ? cap : 1, sizeof *p->free_list);
    if (p->free_list == NULL)
        return MDLG_E_NO_MEMORY;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->owner = getpid();
    p->cap = cap;
    p->n = p->nfree = 0;
    return MDLG_E_OK;
}

void mdlg__pool_destroy(struct mdlg__pool *p)
{
    if (p->free_list == NULL)
        return;
    if (mdlg__pool_owned(p)) {   /* a forked child's copy may be locked by a parent thread */
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    free(p->free_list);
    p->free_list = NULL;
}

void mdlg__pool_add(struct mdlg__pool *p, void *conn)
{
    pthread_mutex_lock(&p->mu);
    if (p->n < p->cap) {
        p->n++;
        p->free_list[p->nfree++] = conn;
    }
    pthread_mutex_unlock(&p->mu);
}

bool mdlg__pool_owned(const struct mdlg__pool *p) { return getpid() == p->owner; }

mdlg_err mdlg__pool_acquire(struct mdlg__pool *p, void **out)
{
    if (!mdlg__pool_owned(p) || p->n == 0)
        return MDLG_E_STORE_UNAVAILABLE;   /* a forked child must open its own handle */
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    *out = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return MDLG_E_OK;
}

void mdlg__pool_release(struct mdlg__pool *p, void *conn)
{
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = conn;
    pthread_cond_broadcast(&p->cv);   /* acquire_all() waits for all, acquire() for one */
    pthread_mutex_unlock(&p->mu);
}

void mdlg__pool_acquire_all(struct mdlg__pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree != p->n)
        pthread_cond_wait(&p->cv, &p->mu);
    p->nfree = 0;
    pthread_mutex_unlock(&p->mu);
}

void mdlg__pool_release_all(struct mdlg__pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->nfree = p->n;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
