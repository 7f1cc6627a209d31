/*
 * ledger_sqlite.c - the ledger on SQLite: connection pool, schema, statements.
 * see mdlg/ledger.h and store/ledger_internal.h
 *
 * Connections come from mdlg__sq_open_file() (the store's pragmas: WAL,
 * synchronous=FULL, busy_timeout, secure_delete). A call borrows one idle
 * connection, uses it alone and gives it back. The schema has its own
 * migration table (ledger_migrations), so the ledger may share a file with
 * the store or live in its own (the default, ledger.db).
 */
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE ledger_screenings ("
    " id TEXT PRIMARY KEY,"
    " claim_id TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " result TEXT NOT NULL);"
    "CREATE INDEX ledger_screenings_expires ON ledger_screenings(expires_at);"
    /* Clustered by key: a lookup is one range scan; identity/person/aux are
     * 16-byte prefixes of their keyed hashes (only distinct counts use them). */
    "CREATE TABLE ledger_keys ("
    " type INTEGER NOT NULL,"
    " key_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " screening_id TEXT NOT NULL,"
    " identity BLOB NOT NULL,"
    " person BLOB,"
    " aux BLOB,"
    " state TEXT,"
    " expires_at INTEGER NOT NULL,"
    " PRIMARY KEY (type, key_id, hash, created_at, screening_id)) WITHOUT ROWID;",
    /* 2: claim ids are idempotency keys (mdlg/ledger.h): a keyed hash of the
     * claim's content, and an index to find a claim id's screenings. */
    "ALTER TABLE ledger_screenings ADD COLUMN content_key_id INTEGER;"
    "ALTER TABLE ledger_screenings ADD COLUMN content_hash BLOB;"
    "CREATE INDEX ledger_screenings_claim ON ledger_screenings(claim_id, created_at);",
    /* 3: rows appended in commit order (a batch dirties the last pages, not one random
     * B-tree leaf per key); the key -> rows index lives in memory (ledger_sqlite_index.c).
     * AUTOINCREMENT: a seq is never reused, so "rows after seq N" is exact. */
    "CREATE TABLE ledger_rows ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " type INTEGER NOT NULL,"
    " key_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " state TEXT,"
    " identity BLOB NOT NULL,"
    " person BLOB,"
    " aux BLOB,"
    " screening_id TEXT NOT NULL);"
    "INSERT INTO ledger_rows (type, key_id, hash, created_at, expires_at, state, identity,"
    " person, aux, screening_id) SELECT type, key_id, hash, created_at, expires_at, state,"
    " identity, person, aux, screening_id FROM ledger_keys ORDER BY created_at, screening_id;"
    "DROP TABLE ledger_keys;",
};
#define LATEST ((int)(sizeof migrations / sizeof migrations[0]))

const char *const mdlg__lq_sql[LQ_COUNT] = {
    [LQ_BEGIN] = "BEGIN IMMEDIATE",
    [LQ_COMMIT] = "COMMIT",
    [LQ_ROLLBACK] = "ROLLBACK",
    [LQ_ROWS_SINCE] = "SELECT seq, type, key_id, hash FROM ledger_rows WHERE seq > ?1 ORDER BY seq",
    [LQ_ROW_GET] =
        "SELECT type, key_id, hash, created_at, expires_at, state, identity, person, aux,"
        " screening_id FROM ledger_rows WHERE seq = ?1",
    [LQ_SCREENING_INSERT] =
        "INSERT INTO ledger_screenings (id, claim_id, created_at, expires_at, result,"
        " content_key_id, content_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* every unexpired screening of a claim id (rarely more than one): the caller picks the
     * newest, which spares SQLite a temporary sort B-tree per screening */
    [LQ_CLAIM] =
        "SELECT id, content_key_id, content_hash, created_at FROM ledger_screenings"
        " WHERE claim_id = ?1 AND expires_at > ?2",
    [LQ_GET] = "SELECT claim_id, result FROM ledger_screenings WHERE id = ?1 AND expires_at > ?2",
    [LQ_PURGE_KEYS] = "DELETE FROM ledger_rows WHERE expires_at <= ?1",
    [LQ_PURGE_SCREENINGS] = "DELETE FROM ledger_screenings WHERE expires_at <= ?1",
};

sqlite3_stmt *mdlg__lq_stmt(struct lq_conn *c, enum lq_stmt id, mdlg_err *err)
{
    if (c->stmt[id] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, mdlg__lq_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
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

sqlite3_stmt *mdlg__lq_rows_stmt(struct lq_conn *c, unsigned m, mdlg_err *err)
{
    static const char head[] = "INSERT INTO ledger_rows (screening_id, type, key_id, hash,"
                               " identity, person, aux, state, created_at, expires_at) VALUES ";
    static const char row[] = "(?,?,?,?,?,?,?,?,?,?)";
    char sql[sizeof head + LQ_ROWS_CHUNK * sizeof row];
    if (m == 0 || m > LQ_ROWS_CHUNK) {
        *err = MDLG_E_INTERNAL;
        return NULL;
    }
    if (c->rows_stmt[m] == NULL) {
        size_t n = sizeof head - 1;
        memcpy(sql, head, n);
        for (unsigned i = 0; i < m; i++, n += sizeof row)   /* row + ',' (its NUL's place) */
            memcpy(sql + n, row, sizeof row - 1), sql[n + sizeof row - 1] = ',';
        sql[n - 1] = '\0';
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->rows_stmt[m], NULL);
        if (rc != SQLITE_OK) {
            *err = mdlg__sq_err(rc);
            return NULL;
        }
    }
    sqlite3_reset(c->rows_stmt[m]);
    sqlite3_clear_bindings(c->rows_stmt[m]);
    return c->rows_stmt[m];
}

mdlg_err mdlg__lq_exec(struct lq_conn *c, enum lq_stmt id)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_stmt(c, id, &err);
    if (st == NULL)
        return err;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? MDLG_E_OK : mdlg__sq_err(rc);
}

mdlg_err mdlg__lq_end(struct lq_conn *c, mdlg_err err)
{
    if (err == MDLG_E_OK && (err = mdlg__lq_exec(c, LQ_COMMIT)) == MDLG_E_OK)
        return MDLG_E_OK;
    if (!sqlite3_get_autocommit(c->db))
        (void)mdlg__lq_exec(c, LQ_ROLLBACK);
    return err;
}

/* ---- pool ---- */

mdlg_err mdlg__lq_acquire(struct lq_store *st, struct lq_conn **out)
{
    void *c = NULL;
    mdlg_err err = mdlg__pool_acquire(&st->pool, &c);
    *out = c;
    return err;
}

void mdlg__lq_release(struct lq_store *st, struct lq_conn *c) { mdlg__pool_release(&st->pool, c); }

static void lq_close(void *impl)
{
    struct lq_store *st = impl;
    if (st == NULL)
        return;
    if (mdlg__pool_owned(&st->pool)) {   /* (a forked child has neither thread nor conns) */
        mdlg__lq_ckpt_stop(&st->ckpt);   /* before the connections: the last close checkpoints */
        for (unsigned i = 0; i < st->n; i++) {
            for (int j = 0; j < LQ_COUNT; j++)
                sqlite3_finalize(st->conns[i].stmt[j]);
            for (int j = 0; j <= LQ_ROWS_CHUNK; j++)
                sqlite3_finalize(st->conns[i].rows_stmt[j]);
            sqlite3_close(st->conns[i].db);
        }
    }
    mdlg__pool_destroy(&st->pool);
    pthread_mutex_destroy(&st->write_mu);
    mdlg__lq_index_clear(&st->index);
    free(st->conns);
    free(st);
}

/* ---- migrations (same scheme as sqlite_schema.c, own table) ---- */

static int schema_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM ledger_migrations", -1,
                           &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Applies migration `v` (1-based) unless present, under the write lock. */
static mdlg_err apply(sqlite3 *db, int v, int64_t now)
{
    mdlg_err err = mdlg__sq_err(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL));
    if (err != MDLG_E_OK)
        return err;
    int cur = schema_version(db);
    if (cur < 0)
        err = MDLG_E_STORE_CORRUPT;
    if (err == MDLG_E_OK && cur < v) {
        err = mdlg__sq_err(sqlite3_exec(db, migrations[v - 1], NULL, NULL, NULL));
        sqlite3_stmt *st = NULL;
        if (err == MDLG_E_OK &&
            (err = mdlg__sq_err(sqlite3_prepare_v2(db, "INSERT INTO ledger_migrations"
                                " (version, applied_at) VALUES (?1, ?2)", -1, &st, NULL))) ==
                MDLG_E_OK) {
            sqlite3_bind_int(st, 1, v);
            sqlite3_bind_int64(st, 2, now);
            err = mdlg__sq_err(sqlite3_step(st));
        }
        sqlite3_finalize(st);
    }
    if (err == MDLG_E_OK)
        err = mdlg__sq_err(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL));
    if (err != MDLG_E_OK && !sqlite3_get_autocommit(db))
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static mdlg_err migrate(sqlite3 *db, int64_t now)
{
    mdlg_err err = mdlg__sq_err(sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS ledger_migrations"
                                             " (version INTEGER PRIMARY KEY,"
                                             " applied_at INTEGER NOT NULL)", NULL, NULL, NULL));
    int cur = err == MDLG_E_OK ? schema_version(db) : 0;
    if (err == MDLG_E_OK && cur < 0)
        return MDLG_E_STORE_CORRUPT;
    if (cur > LATEST)
        return MDLG_E_STORE_SCHEMA_TOO_NEW;
    for (int v = cur + 1; err == MDLG_E_OK && v <= LATEST; v++)
        err = apply(db, v, now);
    return err;
}

static struct lq_store *store_alloc(unsigned n)
{
    struct lq_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->conns = calloc(n, sizeof *st->conns);
    if (st->conns == NULL || mdlg__pool_init(&st->pool, n) != MDLG_E_OK) {
        free(st->conns);
        free(st);
        return NULL;
    }
    pthread_mutex_init(&st->write_mu, NULL);
    return st;
}

mdlg_err mdlg__ledger_sqlite_open(const char *path, const struct mdlg_ledger_options *opt,
                                  int64_t now, const struct mdlg__ledger_ops **ops,
                                  void **impl)
{
    struct lq_store *st = store_alloc(opt->pool_size);
    mdlg_err err = MDLG_E_OK;
    if (st == NULL)
        return MDLG_E_NO_MEMORY;
    for (unsigned i = 0; err == MDLG_E_OK && i < opt->pool_size; i++) {
        err = mdlg__sq_open_file(path, opt->busy_timeout_ms, &st->conns[i].db);
        if (err == MDLG_E_OK) {   /* the lookups are random reads: a larger page cache */
            st->n = i + 1;
            err = mdlg__sq_err(sqlite3_exec(st->conns[i].db, "PRAGMA cache_size=-65536",
                                            NULL, NULL, NULL));
        }
        if (err == MDLG_E_OK && i == 0)
            err = migrate(st->conns[0].db, now);
    }
    if (err == MDLG_E_OK)   /* the index now, so that the first screening does not wait for it */
        err = mdlg__lq_index_catch_up(&st->conns[0], &st->index);
    if (err == MDLG_E_OK)
        err = mdlg__lq_ckpt_start(&st->ckpt, path, opt->busy_timeout_ms);
    for (unsigned i = 0; err == MDLG_E_OK && i < st->n; i++)
        mdlg__lq_ckpt_hook(&st->ckpt, st->conns[i].db);
    if (err != MDLG_E_OK) {
        lq_close(st);
        return err;
    }
    for (unsigned i = 0; i < st->n; i++)
        mdlg__pool_add(&st->pool, &st->conns[i]);
    *ops = &mdlg__lq_ops;
    *impl = st;
    return MDLG_E_OK;
}

void mdlg__lq_close(void *impl) { lq_close(impl); }
