/*
 * ledger_group.c - group commit for mdlg_ledger_record() (see mdlg/ledger.h
 * and store/ledger_internal.h), the same for every backend.
 *
 * A durable commit costs one fsync (about 2 ms on the development machine),
 * so screenings committed one by one top out at a few hundred per second
 * however many threads call. Here concurrent callers of one handle queue; the
 * first becomes the leader and records every queued batch, its own included,
 * in ONE backend transaction, in arrival order, then wakes them. Callers that
 * arrive meanwhile form the next group, whose first caller alone is woken to
 * lead it (each caller waits on a condition of its own: no herd of wake-ups
 * that mostly go back to sleep). Nothing changes for a caller:
 *   - its call returns after the transaction holding its entries committed
 *     (acknowledged = durable);
 *   - its entries see every earlier screening, including the other callers'
 *     entries ahead of it in the group (one transaction, in order);
 *   - its decide callback gets a pointer into its own entries array (the
 *     leader's thread runs it).
 * If a group transaction fails, each batch of the group is retried alone, so
 * one caller's failing decide (or a bad entry) costs the others only time.
 */
#include <stdlib.h>
#include <string.h>

#include "store/ledger_internal.h"

/* One caller's batch in the queue. */
struct gc_req {
    struct mdlg_ledger_entry *e;
    size_t n;
    mdlg_ledger_decide_fn decide;
    void *arg;
    mdlg_err err;
    bool done;
    pthread_cond_t cv;          /* this caller waits here (woken alone, not with everyone) */
    struct gc_req *next;
};

/* The combined batch: entry i belongs to owner[i], its entry at[i]. */
struct gc_run {
    struct mdlg_ledger_entry *all;
    struct gc_req **owner;
    size_t *at;
};

void mdlg__ledger_group_init(struct mdlg__ledger_group *g)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
}

void mdlg__ledger_group_destroy(struct mdlg__ledger_group *g)
{
    pthread_mutex_destroy(&g->mu);
}

/* decide of a combined entry: the owner's callback on the owner's own entry. */
static mdlg_err trampoline(void *arg, struct mdlg_ledger_entry *ce,
                           const struct mdlg_ledger_stats *stats)
{
    struct gc_run *run = arg;
    size_t i = (size_t)(ce - run->all);
    struct gc_req *r = run->owner[i];
    struct mdlg_ledger_entry *oe = &r->e[run->at[i]];
    *oe = *ce;
    mdlg_err err = r->decide(r->arg, oe, stats);
    ce->result = oe->result;
    return err;
}

/* Records the group's batches in one transaction; false if it could not be tried. */
static bool record_combined(const struct mdlg__ledger_ops *ops, void *impl,
                            struct gc_req *list, size_t total, mdlg_err *err)
{
    struct gc_run run = { calloc(total, sizeof *run.all), calloc(total, sizeof *run.owner),
                          calloc(total, sizeof *run.at) };
    bool tried = run.all != NULL && run.owner != NULL && run.at != NULL;
    size_t k = 0;
    for (struct gc_req *r = list; tried && r != NULL; r = r->next)
        for (size_t j = 0; j < r->n; j++, k++)
            run.all[k] = r->e[j], run.owner[k] = r, run.at[k] = j;
    if (tried)
        *err = ops->record(impl, run.all, total, trampoline, &run);
    for (size_t i = 0; tried && i < total; i++) {
        if (*err != MDLG_E_OK)
            free(run.all[i].result), run.all[i].result = NULL;
        run.owner[i]->e[run.at[i]] = run.all[i];
    }
    free(run.all), free(run.owner), free(run.at);
    return tried;
}

/* The leader's work: the whole list in one transaction, else batch by batch. */
static void record_list(const struct mdlg__ledger_ops *ops, void *impl, struct gc_req *list)
{
    size_t total = 0, batches = 0;
    mdlg_err err = MDLG_E_NO_MEMORY;
    for (struct gc_req *r = list; r != NULL; r = r->next)
        total += r->n, batches++;
    if (batches > 1 && record_combined(ops, impl, list, total, &err) && err == MDLG_E_OK) {
        for (struct gc_req *r = list; r != NULL; r = r->next)
            r->err = MDLG_E_OK;
        return;
    }
    for (struct gc_req *r = list; r != NULL; r = r->next)
        r->err = ops->record(impl, r->e, r->n, r->decide, r->arg);
}

mdlg_err mdlg__ledger_group_record(struct mdlg__ledger_group *g,
                                   const struct mdlg__ledger_ops *ops, void *impl,
                                   struct mdlg_ledger_entry *e, size_t n,
                                   mdlg_ledger_decide_fn decide, void *arg)
{
    struct gc_req me = { .e = e, .n = n, .decide = decide, .arg = arg };
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&g->mu);
    if (g->tail != NULL)
        g->tail->next = &me;
    else
        g->head = &me;
    g->tail = &me;
    while (!me.done && (g->busy || g->head != &me))   /* (done, or first in line) */
        pthread_cond_wait(&me.cv, &g->mu);
    if (!me.done) {                       /* the leader of the queue as it stands */
        struct gc_req *list = g->head;
        g->head = g->tail = NULL;
        g->busy = true;
        pthread_mutex_unlock(&g->mu);
        record_list(ops, impl, list);
        pthread_mutex_lock(&g->mu);
        for (struct gc_req *r = list, *next; r != NULL; r = next)
            next = r->next, r->done = true, pthread_cond_signal(&r->cv);
        g->busy = false;
        if (g->head != NULL)              /* the next leader: the first of those queued since */
            pthread_cond_signal(&g->head->cv);
    }
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&me.cv);
    return me.err;
}
