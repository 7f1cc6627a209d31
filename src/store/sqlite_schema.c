/*
 * sqlite_schema.c - schema migrations, versioned in code.
 *
 * schema_migrations(version, name, applied_at) lists what was applied.
 * Migrations are append-only: never edit one that has shipped, add the next
 * version. Each runs in its own BEGIN IMMEDIATE transaction that first
 * checks (under the write lock) that its version is still absent, so
 * concurrent openers apply it exactly once and a failed one leaves nothing
 * behind.
 */
#include "store/sqlite_internal.h"

struct migration {
    unsigned version;
    const char *name;
    const char *sql;
};

static const struct migration migrations[] = {
    { 1, "requests",
      "CREATE TABLE requests ("
      " id TEXT PRIMARY KEY,"
      " nonce TEXT NOT NULL,"
      " protocol TEXT NOT NULL,"
      " doctype TEXT NOT NULL,"
      " elements_json TEXT NOT NULL,"
      " origin TEXT NOT NULL DEFAULT '',"
      " client_id TEXT NOT NULL DEFAULT '',"
      " response_uri TEXT NOT NULL DEFAULT '',"
      " reader_key BLOB,"                    /* sealed; NULL once consumed or expired */
      " created_at INTEGER NOT NULL,"
      " expires_at INTEGER NOT NULL,"
      " state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
      " completed_at INTEGER NOT NULL DEFAULT 0);" },
    { 2, "verdicts and expiry index",
      "CREATE TABLE verdicts ("
      " request_id TEXT PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,"
      " full_json TEXT,"                     /* with element values; NULL once dropped */
      " redacted_json TEXT NOT NULL,"
      " stored_at INTEGER NOT NULL,"
      " full_until INTEGER NOT NULL);"
      "CREATE INDEX requests_expires_at ON requests(expires_at);"
      "CREATE INDEX verdicts_full_until ON verdicts(full_until) WHERE full_json IS NOT NULL;" },
    /* what claim screening keeps of a verdict: keyed hashes only (mdlg_store_screening_put) */
    { 3, "screening record of a verdict",
      "ALTER TABLE verdicts ADD COLUMN screening BLOB;" },
};

#define MIGRATION_COUNT (sizeof migrations / sizeof migrations[0])

unsigned mdlg__sq_latest_version(void) { return migrations[MIGRATION_COUNT - 1].version; }

static mdlg_err exec(sqlite3 *db, const char *sql)
{
    return mdlg__sq_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Runs a query whose first column of the first row is an integer (0 if no row). */
static mdlg_err query_int(sqlite3 *db, const char *sql, int64_t arg, bool bind, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && bind)
        rc = sqlite3_bind_int64(st, 1, arg);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    }
    sqlite3_finalize(st);
    return mdlg__sq_err(rc);
}

mdlg_err mdlg__sq_schema_version(sqlite3 *db, unsigned *out)
{
    int64_t v = 0;
    mdlg_err err = query_int(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                             false, &v);
    *out = err == MDLG_E_OK && v > 0 ? (unsigned)v : 0;
    return err;
}

static mdlg_err record(sqlite3 *db, const struct migration *m, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO schema_migrations (version, name, applied_at)"
                                " VALUES (?1, ?2, ?3)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(st, 1, (int)m->version);
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return mdlg__sq_err(rc);
}

/* Applies one migration unless it is already recorded. */
static mdlg_err apply(sqlite3 *db, const struct migration *m, int64_t now)
{
    mdlg_err err = exec(db, "BEGIN IMMEDIATE");
    if (err != MDLG_E_OK)
        return err;
    int64_t done = 0;
    err = query_int(db, "SELECT count(*) FROM schema_migrations WHERE version = ?1",
                    m->version, true, &done);
    if (err == MDLG_E_OK && done == 0) {
        err = exec(db, m->sql);
        if (err == MDLG_E_OK)
            err = record(db, m, now);
    }
    if (err == MDLG_E_OK)
        err = exec(db, "COMMIT");
    if (err != MDLG_E_OK && !sqlite3_get_autocommit(db))
        (void)exec(db, "ROLLBACK");
    return err;
}

mdlg_err mdlg__sq_migrate(sqlite3 *db, unsigned max_version, int64_t now)
{
    mdlg_err err = exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " version INTEGER PRIMARY KEY,"
                            " name TEXT NOT NULL,"
                            " applied_at INTEGER NOT NULL)");
    unsigned current = 0;
    if (err == MDLG_E_OK)
        err = mdlg__sq_schema_version(db, &current);
    if (err == MDLG_E_OK && current > mdlg__sq_latest_version())
        return MDLG_E_STORE_SCHEMA_TOO_NEW;
    for (size_t i = 0; err == MDLG_E_OK && i < MIGRATION_COUNT; i++) {
        if (max_version != 0 && migrations[i].version > max_version)
            break;
        if (migrations[i].version > current)
            err = apply(db, &migrations[i], now);
    }
    return err;
}
