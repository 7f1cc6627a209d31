/*
 * pool.h - a fixed set of connections borrowed one at a time, shared by the
 * store's SQLite and PostgreSQL backends and the ledger's SQLite backend.
 *
 * A call borrows one idle connection (waiting for one), uses it alone and
 * gives it back, so a connection and its prepared statements are only ever
 * used by one thread at a time. The pool holds opaque pointers: each backend
 * keeps its own connection array and adds its entries once they are open.
 * A pool belongs to the process that made it: connections never cross
 * fork(), and a forked child's acquire fails with STORE_UNAVAILABLE.
 */
#ifndef MDLG_STORE_POOL_H
#define MDLG_STORE_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mdlg/err.h"

struct mdlg__pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pid_t owner;
    unsigned cap;
    unsigned n;                  /* connections added */
    unsigned nfree;
    void **free_list;            /* [cap], the first nfree are idle */
};

/* Prepares an empty pool for up to `cap` connections (NO_MEMORY). */
mdlg_err mdlg__pool_init(struct mdlg__pool *p, unsigned cap);

/* Frees the pool's own memory (its mutex too, in the owner); NULL list: no-op.
 * The backend closes its connections itself. */
void mdlg__pool_destroy(struct mdlg__pool *p);

/* Adds an open, idle connection (while opening, before anyone borrows). */
void mdlg__pool_add(struct mdlg__pool *p, void *conn);

/* True in the process that made the pool (never in a forked child). */
bool mdlg__pool_owned(const struct mdlg__pool *p);

/* Borrows an idle connection, waiting for one; gives it back. */
mdlg_err mdlg__pool_acquire(struct mdlg__pool *p, void **out) MDLG_WARN_UNUSED;
void mdlg__pool_release(struct mdlg__pool *p, void *conn);

/* Borrows every connection at once (info, tests: waits until all are idle);
 * gives them all back. */
void mdlg__pool_acquire_all(struct mdlg__pool *p);
void mdlg__pool_release_all(struct mdlg__pool *p);

#endif
