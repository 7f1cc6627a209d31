/*
 * sqlite_internal.h - the SQLite backend, shared between its files.
 *
 * sqlite_conn.c    connections (lent out by store/pool.h), pragmas, transactions, errors
 * sqlite_schema.c  migrations
 * sqlite_ops.c     requests, verdicts, purge (struct mdlg__store_ops)
 *
 * Only these files include sqlite3.h (tests/check-includes.sh).
 */
#ifndef MDLG_SQLITE_INTERNAL_H
#define MDLG_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/pool.h"
#include "store/store_internal.h"

/* Every statement the backend runs, prepared once per connection on first use. */
enum sq_stmt {
    SQ_BEGIN_IMMEDIATE,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_REQ_INSERT,
    SQ_REQ_GET,
    SQ_REQ_CONSUME,
    SQ_REQ_STATE,
    SQ_VERDICT_INSERT,
    SQ_VERDICT_GET,
    SQ_VERDICT_DROP_FULL,
    SQ_PURGE_EXPIRE,
    SQ_PURGE_ELEMENTS,
    SQ_PURGE_VERDICTS,
    SQ_PURGE_REQUESTS,
    SQ_SCREENING_PUT,
    SQ_SCREENING_GET,
    SQ_STMT_COUNT
};

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_STMT_COUNT];
};

struct sq_store {
    struct mdlg__pool pool;      /* lends out conns (store/pool.h) */
    unsigned n;                  /* connections opened */
    struct sq_conn *conns;       /* [n] */
};

/* The SQL of each statement (sqlite_ops.c). */
extern const char *const mdlg__sq_sql[SQ_STMT_COUNT];

/* Maps a SQLite result code to a store error (SQLITE_OK/DONE/ROW -> OK). */
mdlg_err mdlg__sq_err(int rc);

/* Borrows an idle connection (waits for one); gives it back. */
mdlg_err mdlg__sq_acquire(struct sq_store *st, struct sq_conn **out);
void mdlg__sq_release(struct sq_store *st, struct sq_conn *c);

/* The prepared statement `id`, reset and unbound, or NULL (error in *err). */
sqlite3_stmt *mdlg__sq_stmt(struct sq_conn *c, enum sq_stmt id, mdlg_err *err);

/* BEGIN IMMEDIATE; and COMMIT if err is OK (returning the commit's result), else ROLLBACK. */
mdlg_err mdlg__sq_begin(struct sq_conn *c);
mdlg_err mdlg__sq_end(struct sq_conn *c, mdlg_err err);

/* Runs a statement with no result rows to completion; resets it. */
mdlg_err mdlg__sq_run(sqlite3_stmt *st);

/* Opens one connection to `path` with the pragmas above (created 0600 if absent). */
mdlg_err mdlg__sq_open_file(const char *path, unsigned busy_ms, sqlite3 **out);

/* Migrations: brings the schema to `max_version` (0: latest) at time `now`. */
mdlg_err mdlg__sq_migrate(sqlite3 *db, unsigned max_version, int64_t now);
unsigned mdlg__sq_latest_version(void);
mdlg_err mdlg__sq_schema_version(sqlite3 *db, unsigned *out);

/* The backend's close and info operations (sqlite_conn.c). */
void mdlg__sq_close(void *impl);
mdlg_err mdlg__sq_info(void *impl, struct mdlg_store_info *out);

extern const struct mdlg__store_ops mdlg__sq_ops;

#endif
