/*
 * pg_schema.c - schema migrations on PostgreSQL, versioned in code.
 *
 * One table, mdlg_migrations(component, version, name, applied_at), records
 * what each component (the store; later the fraud ledger) has applied.
 * Migrations are append-only: never edit one that has shipped, add the next
 * version. Instances starting at once take a session advisory lock
 * (pg_advisory_lock, bounded by lock_timeout) before they even look at the
 * table, so one migrates and the others then find nothing left to do. Each
 * migration and its record commit in one transaction (PostgreSQL DDL is
 * transactional): a failed one leaves nothing behind.
 */
#include <stdio.h>

#include "store/pg_internal.h"

/* Every mdlgate component migrates under this one lock ('mdlg'). */
#define MIGRATION_LOCK "1835297895"

static const struct mdlg__pg_migration store_migrations[] = {
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
      " reader_key BYTEA,"                   /* sealed; NULL once consumed or expired */
      " created_at BIGINT NOT NULL,"
      " expires_at BIGINT NOT NULL,"
      " state SMALLINT NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
      " completed_at BIGINT NOT NULL DEFAULT 0)" },
    { 2, "verdicts and expiry index",
      "CREATE TABLE verdicts ("
      " request_id TEXT PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,"
      " full_json TEXT,"                     /* with element values; NULL once dropped */
      " redacted_json TEXT NOT NULL,"
      " stored_at BIGINT NOT NULL,"
      " full_until BIGINT NOT NULL);"
      "CREATE INDEX requests_expires_at ON requests(expires_at);"
      "CREATE INDEX verdicts_full_until ON verdicts(full_until) WHERE full_json IS NOT NULL" },
    /* what claim screening keeps of a verdict: keyed hashes only (mdlg_store_screening_put) */
    { 3, "screening record of a verdict",
      "ALTER TABLE verdicts ADD COLUMN screening BYTEA" },
};

const struct mdlg__pg_schema mdlg__pg_store_schema = {
    "store", store_migrations, sizeof store_migrations / sizeof store_migrations[0],
};

unsigned mdlg__pg_latest_version(const struct mdlg__pg_schema *schema)
{
    return schema->count > 0 ? schema->list[schema->count - 1].version : 0;
}

mdlg_err mdlg__pg_schema_version(struct pg_conn *c, const char *component, unsigned *out)
{
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, component);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, "SELECT coalesce(max(version), 0) FROM mdlg_migrations"
                                    " WHERE component = $1", &p, &err);
    int64_t v = 0;
    if (r != NULL && PQntuples(r) == 1)
        err = mdlg__pg_col_int(r, 0, 0, &v);
    PQclear(r);
    *out = err == MDLG_E_OK && v > 0 ? (unsigned)v : 0;
    return err;
}

/* Runs a migration's SQL text (several statements: the simple query protocol). */
static mdlg_err exec_script(struct pg_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->db, sql);
    ExecStatusType st = PQresultStatus(r);
    mdlg_err err = MDLG_E_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = r == NULL ? MDLG_E_NO_MEMORY
                        : mdlg__pg_err_state(PQresultErrorField(r, PG_DIAG_SQLSTATE));
    PQclear(r);
    /* a migration that does not fit what is there is a corrupt schema, not an outage */
    return err == MDLG_E_STORE_CONFLICT || err == MDLG_E_USAGE ? MDLG_E_STORE_CORRUPT : err;
}

/* Applies one migration and records it, in one transaction. */
static mdlg_err apply(struct pg_conn *c, const char *component,
                      const struct mdlg__pg_migration *m, int64_t now)
{
    mdlg_err err = mdlg__pg_begin(c);
    if (err != MDLG_E_OK)
        return err;
    err = exec_script(c, m->sql);
    if (err == MDLG_E_OK) {
        struct pg_params p = { 0 };
        mdlg__pg_text(&p, component);
        mdlg__pg_int(&p, m->version);
        mdlg__pg_text(&p, m->name);
        mdlg__pg_int(&p, now);
        err = mdlg__pg_exec(c, "INSERT INTO mdlg_migrations (component, version, name, applied_at)"
                               " VALUES ($1, $2, $3, $4)", &p);
    }
    return mdlg__pg_end(c, err);
}

static mdlg_err migrate_locked(struct pg_conn *c, const struct mdlg__pg_schema *schema,
                               unsigned max_version, int64_t now)
{
    mdlg_err err = mdlg__pg_exec(c, "CREATE TABLE IF NOT EXISTS mdlg_migrations ("
                                    " component TEXT NOT NULL,"
                                    " version INTEGER NOT NULL,"
                                    " name TEXT NOT NULL,"
                                    " applied_at BIGINT NOT NULL,"
                                    " PRIMARY KEY (component, version))", NULL);
    unsigned current = 0;
    if (err == MDLG_E_OK)
        err = mdlg__pg_schema_version(c, schema->component, &current);
    if (err == MDLG_E_OK && current > mdlg__pg_latest_version(schema))
        return MDLG_E_STORE_SCHEMA_TOO_NEW;
    for (size_t i = 0; err == MDLG_E_OK && i < schema->count; i++) {
        const struct mdlg__pg_migration *m = &schema->list[i];
        if (max_version != 0 && m->version > max_version)
            break;
        if (m->version > current)
            err = apply(c, schema->component, m, now);
    }
    return err;
}

mdlg_err mdlg__pg_migrate(struct pg_conn *c, const struct mdlg__pg_schema *schema,
                          unsigned max_version, int64_t now)
{
    mdlg_err err = mdlg__pg_exec(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", NULL);
    if (err != MDLG_E_OK)
        return err;   /* lock_timeout: 55P03, STORE_UNAVAILABLE */
    err = migrate_locked(c, schema, max_version, now);
    /* If this fails the connection is broken, and the lock went with its session. */
    (void)mdlg__pg_exec(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", NULL);
    return err;
}
