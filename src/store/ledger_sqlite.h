/*
 * ledger_sqlite.h - the ledger's SQLite backend, shared by its files.
 *
 * ledger_sqlite.c      pool, schema migrations, SQL text
 * ledger_sqlite_ops.c  record, get, clusters, purge (struct mdlg__ledger_ops)
 */
#ifndef MDLG_LEDGER_SQLITE_H
#define MDLG_LEDGER_SQLITE_H

#include "store/ledger_internal.h"
#include "store/pool.h"
#include "store/sqlite_internal.h"

enum lq_stmt {
    LQ_BEGIN,
    LQ_COMMIT,
    LQ_ROLLBACK,
    LQ_STATS,
    LQ_RELATED,
    LQ_KEY_INSERT,
    LQ_SCREENING_INSERT,
    LQ_CLAIM,
    LQ_GET,
    LQ_CLUSTERS,
    LQ_PURGE_KEYS,
    LQ_PURGE_SCREENINGS,
    LQ_COUNT
};

struct lq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[LQ_COUNT];
};

struct lq_store {
    struct mdlg__pool pool;      /* lends out conns (store/pool.h, as the store's) */
    unsigned n;                  /* connections opened */
    struct lq_conn *conns;       /* [n] */
};

extern const char *const mdlg__lq_sql[LQ_COUNT];
extern const struct mdlg__ledger_ops mdlg__lq_ops;

/* The prepared statement `id`, reset and unbound, or NULL (error in *err). */
sqlite3_stmt *mdlg__lq_stmt(struct lq_conn *c, enum lq_stmt id, mdlg_err *err);
/* Runs a statement without parameters (BEGIN, COMMIT, ROLLBACK). */
mdlg_err mdlg__lq_exec(struct lq_conn *c, enum lq_stmt id);
/* COMMIT if err is OK (returning its result), else ROLLBACK and return err. */
mdlg_err mdlg__lq_end(struct lq_conn *c, mdlg_err err);

mdlg_err mdlg__lq_acquire(struct lq_store *st, struct lq_conn **out);
void mdlg__lq_release(struct lq_store *st, struct lq_conn *c);
void mdlg__lq_close(void *impl);

#endif
