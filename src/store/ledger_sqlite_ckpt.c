/*
 * ledger_sqlite_ckpt.c - WAL checkpoints of the SQLite ledger on a thread of
 * their own. see store/ledger_sqlite.h
 *
 * Why: SQLite's automatic checkpoint runs inside the COMMIT that pushes the
 * WAL past 1000 pages, so the thread holding the write lock copies those
 * pages into the database file and fsyncs it (several ms on a busy disk)
 * while every other screening waits; under load that stall is the p99. Here
 * the write connections have a WAL hook instead: each time the WAL grows past
 * another LQ_CKPT_PAGES it wakes this thread, which runs a PASSIVE checkpoint
 * on its own connection (it waits for no reader or writer: writers append
 * meanwhile; a checkpoint per commit would re-sort the WAL index each time). The
 * checkpointer's connection is synchronous=FULL, so a checkpoint syncs the
 * WAL before it copies and the database before the WAL may be reused, as the
 * automatic one did. A PASSIVE checkpoint cannot start the WAL over while
 * writers keep appending, so a commit that finds LQ_CKPT_HARD_PAGES in the WAL
 * checkpoints itself, as SQLite's would (copying only what the thread has not
 * copied yet; if the thread's checkpoint is running, it waits for that one
 * first, with no commit meanwhile), and the next transaction starts the WAL
 * over: it stays bounded
 * and a commit pays for a checkpoint 4 times less often. Durability of commits
 * is unchanged: they are in the WAL.
 */
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

#define LQ_CKPT_PAGES 1000        /* SQLite's default wal_autocheckpoint */
#define LQ_CKPT_HARD_PAGES 4000   /* about 16 MB of WAL: checkpoint in the commit */

static void *ckpt_main(void *arg)
{
    struct lq_ckpt *k = arg;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->stop && !k->want)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop)
            break;
        k->want = false;
        k->active = true;
        pthread_mutex_unlock(&k->mu);
        /* BUSY (another checkpoint runs) or an I/O error: the next commit asks again */
        (void)sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&k->mu);
        k->active = false;
        pthread_cond_broadcast(&k->done_cv);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

/* sqlite3_wal_hook of the write connections: after each commit, with the WAL's size. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct lq_ckpt *k = arg;
    if (pages >= LQ_CKPT_HARD_PAGES) {
        int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if ((rc & 0xff) == SQLITE_BUSY) {   /* the thread's checkpoint: wait, then the rest */
            pthread_mutex_lock(&k->mu);
            while (k->active)
                pthread_cond_wait(&k->done_cv, &k->mu);
            pthread_mutex_unlock(&k->mu);
            (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        }
        return SQLITE_OK;
    }
    unsigned step = (unsigned)pages / LQ_CKPT_PAGES;   /* 0 after the WAL started over */
    pthread_mutex_lock(&k->mu);
    if (step > k->step)
        k->want = true, pthread_cond_signal(&k->cv);
    k->step = step;
    pthread_mutex_unlock(&k->mu);
    return SQLITE_OK;
}

mdlg_err mdlg__lq_ckpt_start(struct lq_ckpt *k, const char *path, unsigned busy_ms)
{
    memset(k, 0, sizeof *k);
    mdlg_err err = mdlg__sq_open_file(path, busy_ms, &k->db);
    if (err != MDLG_E_OK)
        return err;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    pthread_cond_init(&k->done_cv, NULL);
    if (pthread_create(&k->th, NULL, ckpt_main, k) != 0) {
        mdlg__lq_ckpt_stop(k);
        return MDLG_E_NO_MEMORY;
    }
    k->running = true;
    return MDLG_E_OK;
}

void mdlg__lq_ckpt_hook(struct lq_ckpt *k, sqlite3 *db)
{
    sqlite3_wal_hook(db, wal_hook, k);   /* replaces the automatic checkpoint */
}

void mdlg__lq_ckpt_stop(struct lq_ckpt *k)
{
    if (k->db == NULL)
        return;
    if (k->running) {
        pthread_mutex_lock(&k->mu);
        k->stop = true;
        pthread_cond_signal(&k->cv);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->th, NULL);
        k->running = false;
    }
    pthread_cond_destroy(&k->done_cv);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    sqlite3_close(k->db);
    k->db = NULL;
}
