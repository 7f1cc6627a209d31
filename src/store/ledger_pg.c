/*
 * ledger_pg.c - the ledger on PostgreSQL: schema, open, get, clusters, purge.
 * see mdlg/ledger.h and store/ledger_pg.h
 *
 * The tables mirror the SQLite ledger (ledger_sqlite.c): ledger_screenings
 * (one row per screening, with the caller's result text) and ledger_keys
 * (one row per hashed key, clustered by its primary key so that a lookup is
 * one index range scan; identity/person/aux are 16-byte prefixes). They may
 * share a database (and a URL) with the request store: the names differ and
 * the migrations are recorded under their own component.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/ledger_pg.h"

static const struct mdlg__pg_migration migrations[] = {
    { 1, "screenings and keys",
      "CREATE TABLE ledger_screenings ("
      " id TEXT PRIMARY KEY,"
      " claim_id TEXT NOT NULL,"
      " created_at BIGINT NOT NULL,"
      " expires_at BIGINT NOT NULL,"
      " result TEXT NOT NULL);"
      "CREATE INDEX ledger_screenings_expires ON ledger_screenings(expires_at);"
      "CREATE TABLE ledger_keys ("
      " type SMALLINT NOT NULL,"
      " key_id SMALLINT NOT NULL,"
      " hash BYTEA NOT NULL,"
      " created_at BIGINT NOT NULL,"
      " screening_id TEXT NOT NULL,"
      " identity BYTEA NOT NULL,"
      " person BYTEA,"
      " aux BYTEA,"
      " state TEXT,"
      " expires_at BIGINT NOT NULL,"
      " PRIMARY KEY (type, key_id, hash, created_at, screening_id))" },
    /* claim ids are idempotency keys (mdlg/ledger.h): the claim's content hash, and an
     * index to find a claim id's screenings (as SQLite's schema 2) */
    { 2, "claim content hashes",
      "ALTER TABLE ledger_screenings ADD COLUMN content_key_id SMALLINT,"
      " ADD COLUMN content_hash BYTEA;"
      "CREATE INDEX ledger_screenings_claim ON ledger_screenings(claim_id, created_at)" },
};

const struct mdlg__pg_schema mdlg__lp_schema = {
    "ledger", migrations, sizeof migrations / sizeof migrations[0],
};

mdlg_err mdlg__lp_ids(const char *list, char (*out)[MDLG_LEDGER_ID_LEN + 1], size_t cap,
                      size_t *n)
{
    *n = 0;
    while (*list != '\0' && *n < cap) {
        size_t len = strcspn(list, ",");
        if (len != MDLG_LEDGER_ID_LEN)
            return MDLG_E_STORE_CORRUPT;
        memcpy(out[*n], list, len);
        out[(*n)++][len] = '\0';
        list += len + (list[len] == ',');
    }
    return MDLG_E_OK;
}

static mdlg_err lp_get(void *impl, const char *id, int64_t now, char **result,
                       char claim_id[MDLG_LEDGER_CLAIM_ID_MAX + 1])
{
    mdlg_err err;
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg__pg_int(&p, now);
    PGresult *r = mdlg__pg_query_pooled(impl, "SELECT claim_id, result FROM ledger_screenings"
                                              " WHERE id = $1 AND expires_at > $2", &p, &err);
    if (r != NULL && PQntuples(r) != 1)
        err = MDLG_E_STORE_NOT_FOUND;
    else if (r != NULL)
        err = mdlg__pg_col_text(r, 0, 0, claim_id, MDLG_LEDGER_CLAIM_ID_MAX + 1);
    if (r != NULL && err == MDLG_E_OK) {
        *result = mdlg__pg_col_dup(r, 0, 1, &err);
        if (*result == NULL && err == MDLG_E_OK)
            err = MDLG_E_STORE_CORRUPT;
    }
    PQclear(r);
    return err;
}

/* The largest groups, each with its newest screening ids, in one statement. */
static const char clusters_sql[] =
    "SELECT g.type, g.key_id, encode(g.hash, 'hex'), g.c, g.i,"
    " array_to_string(ARRAY(SELECT l.screening_id FROM ledger_keys l"
    "  WHERE l.type = g.type AND l.key_id = g.key_id AND l.hash = g.hash"
    "  AND l.expires_at > $1 ORDER BY l.created_at DESC, l.screening_id DESC LIMIT $5), ',')"
    " FROM (SELECT type, key_id, hash, count(*) AS c, count(DISTINCT identity) AS i"
    "  FROM ledger_keys WHERE expires_at > $1 AND ($2 = 0 OR type = $2)"
    "  GROUP BY type, key_id, hash HAVING count(*) >= $3"
    "  ORDER BY c DESC, i DESC, type, hash LIMIT $4) g"
    " ORDER BY g.c DESC, g.i DESC, g.type, g.hash";

static mdlg_err cluster_row(const PGresult *r, int row, struct mdlg_ledger_cluster *cl)
{
    int64_t v[4];
    char hex[2 * MDLG_LEDGER_HASH + 1];
    const int cols[4] = { 0, 1, 3, 4 };
    memset(cl, 0, sizeof *cl);
    mdlg_err err = MDLG_E_OK;
    for (int i = 0; err == MDLG_E_OK && i < 4; i++)
        err = mdlg__pg_col_int(r, row, cols[i], &v[i]);
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_text(r, row, 2, hex, sizeof hex);
    if (err == MDLG_E_OK && strlen(hex) != 2 * MDLG_LEDGER_HASH)
        err = MDLG_E_STORE_CORRUPT;
    for (size_t i = 0; err == MDLG_E_OK && i < MDLG_LEDGER_HASH; i++) {
        unsigned b = 0;
        err = sscanf(hex + 2 * i, "%2x", &b) == 1 ? MDLG_E_OK : MDLG_E_STORE_CORRUPT;
        cl->hash[i] = (uint8_t)b;
    }
    if (err != MDLG_E_OK)
        return err;
    cl->type = (uint16_t)v[0];
    cl->key_id = (uint8_t)v[1];
    cl->claims = (uint32_t)v[2];
    cl->identities = (uint32_t)v[3];
    return mdlg__lp_ids(PQgetvalue(r, row, 5), cl->sample, MDLG_LEDGER_RELATED_MAX,
                        &cl->n_sample);
}

static mdlg_err lp_clusters(void *impl, int64_t now, uint16_t type, uint32_t min_claims,
                            struct mdlg_ledger_cluster *out, size_t cap, size_t *n)
{
    mdlg_err err;
    struct pg_params p = { 0 };
    mdlg__pg_int(&p, now);
    mdlg__pg_int(&p, type);
    mdlg__pg_int(&p, min_claims);
    mdlg__pg_int(&p, (int64_t)cap);
    mdlg__pg_int(&p, MDLG_LEDGER_RELATED_MAX);
    PGresult *r = mdlg__pg_query_pooled(impl, clusters_sql, &p, &err);
    for (int i = 0; r != NULL && err == MDLG_E_OK && i < PQntuples(r) && *n < cap; i++)
        if ((err = cluster_row(r, i, &out[*n])) == MDLG_E_OK)
            (*n)++;
    PQclear(r);
    return err;
}

/* Dead rows leave the tables with (auto)vacuum; only hashes were in them. */
static mdlg_err lp_purge(void *impl, int64_t now, struct mdlg_ledger_purge_stats *stats)
{
    struct pg_conn *c;
    memset(stats, 0, sizeof *stats);
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__pg_begin(c);
    if (err == MDLG_E_OK)
        err = mdlg__pg_exec_at(c, "DELETE FROM ledger_keys WHERE expires_at <= $1", now,
                               &stats->keys_deleted);
    if (err == MDLG_E_OK)
        err = mdlg__pg_exec_at(c, "DELETE FROM ledger_screenings WHERE expires_at <= $1", now,
                               &stats->screenings_deleted);
    err = mdlg__pg_end(c, err);
    mdlg__pg_release(impl, c);
    if (err != MDLG_E_OK)
        memset(stats, 0, sizeof *stats);
    return err;
}

static void lp_close(void *impl) { mdlg__pg_pool_close(impl); }

static const struct mdlg__ledger_ops lp_ops = {
    .name = "postgres",
    .close = lp_close,
    .record = mdlg__lp_record,
    .get = lp_get,
    .clusters = lp_clusters,
    .purge = lp_purge,
};

mdlg_err mdlg__ledger_pg_open(const char *url, const struct mdlg_ledger_options *opt,
                              int64_t now, const struct mdlg__ledger_ops **ops, void **impl)
{
    struct pg_pool *p = NULL;
    mdlg_err err = mdlg__pg_pool_open(url, opt->pool_size, opt->busy_timeout_ms, &p);
    struct pg_conn *c = NULL;
    if (err == MDLG_E_OK)
        err = mdlg__pg_acquire(p, &c);
    if (err == MDLG_E_OK) {
        err = mdlg__pg_migrate(c, &mdlg__lp_schema, 0, now);
        mdlg__pg_release(p, c);
    }
    if (err != MDLG_E_OK) {
        mdlg__pg_pool_close(p);
        return err;
    }
    *ops = &lp_ops;
    *impl = p;
    return MDLG_E_OK;
}
