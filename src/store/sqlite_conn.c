/*
 * sqlite_conn.c - SQLite connections: the pool, per-connection pragmas,
 * transactions and error mapping.
 *
 * Thread model: a handle owns `pool_size` connections opened with
 * SQLITE_OPEN_NOMUTEX. A call borrows one idle connection under the pool
 * mutex, uses it alone and gives it back, so each connection (and its
 * prepared statements) is used by one thread at a time. WAL lets the
 * borrowed connections read in parallel; SQLite serialises writers with its
 * file locks, which also serialise writers in other processes. Every write
 * transaction is BEGIN IMMEDIATE: it takes the write lock first (waiting up
 * to busy_timeout), so it cannot fail later on a stale WAL snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_internal.h"

mdlg_err mdlg__sq_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return MDLG_E_OK;
    case SQLITE_CONSTRAINT:
        return MDLG_E_STORE_CONFLICT;
    case SQLITE_NOMEM:
        return MDLG_E_NO_MEMORY;
    case SQLITE_ERROR:      /* a statement does not fit the schema */
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_SCHEMA:
    case SQLITE_MISMATCH:
    case SQLITE_FORMAT:
        return MDLG_E_STORE_CORRUPT;
    default:                /* BUSY, LOCKED, IOERR, FULL, CANTOPEN, READONLY, PERM, ... */
        return MDLG_E_STORE_UNAVAILABLE;
    }
}

/* ---- statements and transactions ---- */

sqlite3_stmt *mdlg__sq_stmt(struct sq_conn *c, enum sq_stmt id, mdlg_err *err)
{
    if (c->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, mdlg__sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->stmt[id], NULL);
        if (rc != SQLITE_OK) {
            *err = mdlg__sq_err(rc);
            return NULL;
        }
    }
    sqlite3_reset(c->stmt[id]);
    sqlite3_clear_bindings(c->stmt[id]);
    return c->stmt[id];
}

mdlg_err mdlg__sq_run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? MDLG_E_OK : mdlg__sq_err(rc);
}

mdlg_err mdlg__sq_begin(struct sq_conn *c)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_BEGIN_IMMEDIATE, &err);
    return st != NULL ? mdlg__sq_run(st) : err;
}

mdlg_err mdlg__sq_end(struct sq_conn *c, mdlg_err err)
{
    mdlg_err e = MDLG_E_OK;
    if (err == MDLG_E_OK) {
        sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_COMMIT, &e);
        if (st != NULL)
            e = mdlg__sq_run(st);
        if (e == MDLG_E_OK)
            return MDLG_E_OK;
        err = e;
    }
    if (!sqlite3_get_autocommit(c->db)) {   /* a transaction is still open */
        sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_ROLLBACK, &e);
        if (st != NULL)
            (void)mdlg__sq_run(st);
    }
    return err;
}

/* ---- the pool ---- */

mdlg_err mdlg__sq_acquire(struct sq_store *st, struct sq_conn **out)
{
    void *c = NULL;
    mdlg_err err = mdlg__pool_acquire(&st->pool, &c);
    *out = c;
    return err;
}

void mdlg__sq_release(struct sq_store *st, struct sq_conn *c) { mdlg__pool_release(&st->pool, c); }

/* ---- opening ---- */

/* Creates the file 0600 (and its directory 0700, one level) before SQLite does. */
static mdlg_err precreate(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        if (slash != NULL && slash != path && (size_t)(slash - path) < sizeof dir) {
            memcpy(dir, path, (size_t)(slash - path));
            dir[slash - path] = '\0';
            (void)mkdir(dir, 0700);
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        }
    }
    if (fd < 0)
        return MDLG_E_STORE_UNAVAILABLE;
    close(fd);
    return MDLG_E_OK;
}

/* Runs a one-row PRAGMA query; copies its text (if txt) or its integer (if num). */
static mdlg_err pragma_query(sqlite3 *db, const char *sql, char *txt, size_t cap, int *num)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (txt != NULL)
            snprintf(txt, cap, "%s", t != NULL ? (const char *)t : "");
        if (num != NULL)
            *num = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_CORRUPT;
    }
    sqlite3_finalize(st);
    return mdlg__sq_err(rc);
}

/*
 * Switches a database to WAL. A new file starts in rollback mode, where two
 * connections upgrading their locks at once make SQLite answer BUSY at once
 * (deadlock avoidance, no busy handler): retry for up to busy_ms. Once the
 * file is in WAL mode (persistent) this is a plain read.
 */
static mdlg_err set_wal(sqlite3 *db, unsigned busy_ms, char *mode, size_t cap)
{
    mdlg_err err = MDLG_E_OK;
    for (unsigned waited = 0;; waited += 5) {
        int rc = SQLITE_OK;
        sqlite3_stmt *st = NULL;
        if ((rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL)) == SQLITE_OK &&
            (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            snprintf(mode, cap, "%s", t != NULL ? (const char *)t : "");
        }
        sqlite3_finalize(st);
        err = mdlg__sq_err(rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_ms)
            return err;
        sqlite3_sleep(5);
    }
}

/* Opens one connection: busy timeout, WAL (verified), synchronous=FULL. */
static mdlg_err conn_open(const char *path, unsigned busy_ms, struct sq_conn *c)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK)
        return MDLG_E_STORE_UNAVAILABLE;
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, (int)busy_ms);
    char mode[16] = "";
    mdlg_err err = set_wal(c->db, busy_ms, mode, sizeof mode);
    if (err == MDLG_E_OK && strcmp(mode, "wal") != 0)
        err = MDLG_E_STORE_UNAVAILABLE;    /* e.g. ":memory:": no durability promise */
    if (err == MDLG_E_OK)
        err = mdlg__sq_err(sqlite3_exec(c->db,
                                        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                        "PRAGMA secure_delete=ON; PRAGMA trusted_schema=OFF;",
                                        NULL, NULL, NULL));
    return err;
}

static void conn_close(struct sq_conn *c)
{
    for (int i = 0; i < SQ_STMT_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);   /* the last connection checkpoints and removes the WAL */
    memset(c, 0, sizeof *c);
}

void mdlg__sq_close(void *impl)
{
    struct sq_store *st = impl;
    if (st == NULL)
        return;
    if (mdlg__pool_owned(&st->pool))   /* a forked child leaves the parent's connections alone */
        for (unsigned i = 0; i < st->n; i++)
            conn_close(&st->conns[i]);
    mdlg__pool_destroy(&st->pool);
    free(st->conns);
    free(st);
}

static struct sq_store *store_alloc(unsigned n)
{
    struct sq_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->conns = calloc(n, sizeof *st->conns);
    if (st->conns == NULL || mdlg__pool_init(&st->pool, n) != MDLG_E_OK) {
        free(st->conns);
        free(st);
        return NULL;
    }
    return st;
}

mdlg_err mdlg__sqlite_open(const char *path, const struct mdlg__store_cfg *cfg, int64_t now,
                           const struct mdlg__store_ops **ops, void **impl)
{
    if (strcmp(path, ":memory:") == 0)
        return MDLG_E_STORE_UNAVAILABLE;   /* not durable, and one database per connection */
    mdlg_err err = precreate(path);
    if (err != MDLG_E_OK)
        return err;
    struct sq_store *st = store_alloc(cfg->pool_size);
    if (st == NULL)
        return MDLG_E_NO_MEMORY;
    for (unsigned i = 0; err == MDLG_E_OK && i < cfg->pool_size; i++) {
        st->n = i + 1;   /* conn_close() also cleans up a half-opened one */
        err = conn_open(path, cfg->busy_timeout_ms, &st->conns[i]);
        if (err == MDLG_E_OK && i == 0)
            err = mdlg__sq_migrate(st->conns[0].db, cfg->max_schema_version, now);
    }
    if (err != MDLG_E_OK) {
        mdlg__sq_close(st);
        return err;
    }
    for (unsigned i = 0; i < st->n; i++)
        mdlg__pool_add(&st->pool, &st->conns[i]);
    *ops = &mdlg__sq_ops;
    *impl = st;
    return MDLG_E_OK;
}

/* One connection with the store's pragmas, for other SQLite users (the ledger). */
mdlg_err mdlg__sq_open_file(const char *path, unsigned busy_ms, sqlite3 **out)
{
    struct sq_conn c = { 0 };
    *out = NULL;
    if (strcmp(path, ":memory:") == 0)
        return MDLG_E_STORE_UNAVAILABLE;
    mdlg_err err = precreate(path);
    if (err == MDLG_E_OK)
        err = conn_open(path, busy_ms, &c);
    if (err != MDLG_E_OK) {
        conn_close(&c);
        return err;
    }
    *out = c.db;
    return MDLG_E_OK;
}

/* ---- info ---- */

/* Asks one connection; keeps the weakest answer seen so far in `out`. */
static mdlg_err info_conn(struct sq_conn *c, bool first, struct mdlg_store_info *out)
{
    char mode[sizeof out->journal_mode] = "";
    int sync = 0, busy = 0;
    mdlg_err err = pragma_query(c->db, "PRAGMA journal_mode", mode, sizeof mode, NULL);
    if (err == MDLG_E_OK)
        err = pragma_query(c->db, "PRAGMA synchronous", NULL, 0, &sync);
    if (err == MDLG_E_OK)
        err = pragma_query(c->db, "PRAGMA busy_timeout", NULL, 0, &busy);
    if (err != MDLG_E_OK)
        return err;
    if (first || strcmp(mode, "wal") != 0)
        memcpy(out->journal_mode, mode, sizeof mode);
    if (first || sync < out->synchronous)
        out->synchronous = sync;
    if (first || busy < out->busy_timeout_ms)
        out->busy_timeout_ms = busy;
    return MDLG_E_OK;
}

/* Every connection is asked (all borrowed at once), so one left unset shows. */
mdlg_err mdlg__sq_info(void *impl, struct mdlg_store_info *out)
{
    struct sq_store *st = impl;
    if (!mdlg__pool_owned(&st->pool))
        return MDLG_E_STORE_UNAVAILABLE;
    mdlg__pool_acquire_all(&st->pool);

    out->latest_version = mdlg__sq_latest_version();
    mdlg_err err = mdlg__sq_schema_version(st->conns[0].db, &out->schema_version);
    for (unsigned i = 0; err == MDLG_E_OK && i < st->n; i++)
        err = info_conn(&st->conns[i], i == 0, out);
    mdlg__pool_release_all(&st->pool);
    return err;
}
