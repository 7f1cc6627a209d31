/*
 * pg_internal.h - the PostgreSQL backend (libpq), shared between its files.
 *
 * pg_conn.c    connections (lent out by store/pool.h), session settings, queries, errors
 * pg_schema.c  the migration runner (reusable) and the store's migrations
 * pg_ops.c     requests, verdicts, purge, info (struct mdlg__store_ops)
 *
 * The pool, the query helpers and the migration runner know nothing about
 * requests: another module in src/store (the fraud ledger) can open its own
 * pool on the same URL and run its own migration list (another component
 * name) through the same runner. Only src/store includes libpq-fe.h
 * (tests/check-includes.sh).
 *
 * Every value reaches the server as a query parameter (PQexecParams); SQL
 * text is always a constant.
 */
#ifndef MDLG_PG_INTERNAL_H
#define MDLG_PG_INTERNAL_H

#include <libpq-fe.h>

#include "store/pool.h"
#include "store/store_internal.h"

#define MDLG__PG_MAX_PARAMS 16

struct pg_conn {
    PGconn *db;
    uint32_t prepared;           /* bit i: statement slot i is prepared in this session */
};

/* Statement slots of mdlg__pg_query_prepared(), one per SQL text, below 32. */
#define MDLG__PG_SLOTS 32

/*
 * A pool of connections to one database. A call borrows one connection,
 * uses it alone and gives it back; a connection found broken is reset (and
 * its session settings applied again) when it is next borrowed.
 */
struct pg_pool {
    struct mdlg__pool pool;      /* lends out conns (store/pool.h, as on SQLite) */
    unsigned n;                  /* connections opened */
    unsigned lock_timeout_ms;
    struct pg_conn *conns;       /* [n] */
};

/* Query parameters: text, int64 (as text) or bytes (binary). */
struct pg_params {
    int n;
    const char *val[MDLG__PG_MAX_PARAMS];
    int len[MDLG__PG_MAX_PARAMS];
    int fmt[MDLG__PG_MAX_PARAMS];
    char num[MDLG__PG_MAX_PARAMS][24];
};

void mdlg__pg_text(struct pg_params *p, const char *s);   /* NULL: SQL NULL */
void mdlg__pg_int(struct pg_params *p, int64_t v);
void mdlg__pg_bytes(struct pg_params *p, struct mdlg_bytes b);   /* len 0: SQL NULL */

/*
 * Opens `n` connections to `url` (a libpq URI or key=value string) with
 * synchronous_commit=on, lock_timeout=lock_timeout_ms, client_encoding UTF8.
 * Errors: STORE_UNAVAILABLE (cannot connect), NO_MEMORY.
 */
mdlg_err mdlg__pg_pool_open(const char *url, unsigned n, unsigned lock_timeout_ms,
                            struct pg_pool **out);
/* Closes every connection (in a forked child: frees memory only). NULL is a no-op. */
void mdlg__pg_pool_close(struct pg_pool *p);

/* Borrows an idle connection (waits for one, resets it if broken); gives it back. */
mdlg_err mdlg__pg_acquire(struct pg_pool *p, struct pg_conn **out);
void mdlg__pg_release(struct pg_pool *p, struct pg_conn *c);

/* Reconnects a broken connection (a new session: its settings applied again). */
mdlg_err mdlg__pg_reset(struct pg_pool *p, struct pg_conn *c);

/* Borrows every connection at once (info, tests); gives them all back. */
void mdlg__pg_acquire_all(struct pg_pool *p);
void mdlg__pg_release_all(struct pg_pool *p);

/*
 * Runs one statement. Returns its result (PQclear it) if the server accepted
 * it; otherwise NULL with *err set from the SQLSTATE (mdlg__pg_err_state).
 * `p` may be NULL (no parameters). Results are in text format.
 */
PGresult *mdlg__pg_query(struct pg_conn *c, const char *sql, const struct pg_params *p,
                         mdlg_err *err);
/*
 * The same as a named prepared statement ("mdlg_<slot>") of this session:
 * prepared on first use, so a hot statement is parsed and planned once per
 * connection. `slot` identifies `sql` for every connection of the process
 * (a constant per SQL text, < MDLG__PG_SLOTS). A reset session prepares
 * again. Needs session-level pooling if a pooler sits in between.
 */
PGresult *mdlg__pg_query_prepared(struct pg_conn *c, unsigned slot, const char *sql,
                                  const struct pg_params *p, mdlg_err *err);
/*
 * mdlg__pg_query on a connection borrowed from `pool` for that one
 * statement (given back before returning): NULL with *err set also when no
 * connection could be had.
 */
PGresult *mdlg__pg_query_pooled(struct pg_pool *pool, const char *sql, const struct pg_params *p,
                                mdlg_err *err);
/* The same, for statements whose result is not needed. */
mdlg_err mdlg__pg_exec(struct pg_conn *c, const char *sql, const struct pg_params *p);
/* Rows affected by an INSERT/UPDATE/DELETE result. */
uint64_t mdlg__pg_affected(const PGresult *r);
/* Runs `sql` with $1 = t (a purge step); the rows it affected into *count unless NULL. */
mdlg_err mdlg__pg_exec_at(struct pg_conn *c, const char *sql, int64_t t, uint64_t *count);

/* SQLSTATE -> store error: 23xxx CONFLICT, 42xxx CORRUPT, 22xxx USAGE, else UNAVAILABLE. */
mdlg_err mdlg__pg_err_state(const char *sqlstate);

/* BEGIN; and COMMIT if err is OK (returning the commit's result), else ROLLBACK. */
mdlg_err mdlg__pg_begin(struct pg_conn *c);
mdlg_err mdlg__pg_end(struct pg_conn *c, mdlg_err err);

/* Copies column `col` of row `row` (text) into dst; CORRUPT if it does not fit. */
mdlg_err mdlg__pg_col_text(const PGresult *r, int row, int col, char *dst, size_t cap);
/* Column as int64 (CORRUPT if NULL or not a number). */
mdlg_err mdlg__pg_col_int(const PGresult *r, int row, int col, int64_t *out);
/* Column as a malloc'd string; NULL for SQL NULL (and *err NO_MEMORY if malloc failed). */
char *mdlg__pg_col_dup(const PGresult *r, int row, int col, mdlg_err *err);

/* ---- migrations (pg_schema.c) ---- */

struct mdlg__pg_migration {
    unsigned version;
    const char *name;
    const char *sql;             /* may hold several statements; no parameters */
};

/*
 * A component's migrations, recorded in the shared table
 * mdlg_migrations(component, version, name, applied_at). Versions ascend.
 */
struct mdlg__pg_schema {
    const char *component;       /* "store", later "ledger" */
    const struct mdlg__pg_migration *list;
    size_t count;
};

/*
 * Brings `schema` to `max_version` (0: latest) at time `now`, holding a
 * session advisory lock (pg_advisory_lock, waited for up to the pool's
 * lock_timeout) so that instances starting at once migrate one after the
 * other; each migration runs in its own transaction with its record.
 * Errors: STORE_SCHEMA_TOO_NEW, STORE_CORRUPT (a migration failed; it left
 * nothing behind), STORE_UNAVAILABLE.
 */
mdlg_err mdlg__pg_migrate(struct pg_conn *c, const struct mdlg__pg_schema *schema,
                          unsigned max_version, int64_t now);
/* Highest applied version of the component (0 if none). */
mdlg_err mdlg__pg_schema_version(struct pg_conn *c, const char *component, unsigned *out);
unsigned mdlg__pg_latest_version(const struct mdlg__pg_schema *schema);

/* The presentation-request store's migrations (component "store"). */
extern const struct mdlg__pg_schema mdlg__pg_store_schema;

extern const struct mdlg__store_ops mdlg__pg_ops;

#endif
