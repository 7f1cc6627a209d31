/*
 * pg_ops.c - requests, verdicts, purge and info on PostgreSQL.
 *
 * Each state change that decides a winner is one statement: the server's
 * row lock and its re-check of the WHERE clause on the newest row version
 * (READ COMMITTED) make it exactly-once across connections, processes and
 * hosts. An acknowledged write is a committed transaction with
 * synchronous_commit=on: its WAL record was flushed to disk before COMMIT
 * returned. States: 0 pending, 1 completed, 2 expired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_internal.h"

#define REQUEST_COLS                                                                        \
    "nonce, protocol, doctype, elements_json, origin, client_id, response_uri, reader_key," \
    " created_at, expires_at, state, completed_at"

/* ---- reading rows ---- */

static mdlg_err read_key(const PGresult *r, int col, struct mdlg__sealed *key)
{
    key->len = 0;
    if (PQgetisnull(r, 0, col))
        return MDLG_E_OK;
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, col), &n);
    if (raw == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err err = n <= sizeof key->buf ? MDLG_E_OK : MDLG_E_STORE_CORRUPT;
    if (err == MDLG_E_OK) {
        memcpy(key->buf, raw, n);
        key->len = n;
    }
    PQfreemem(raw);
    return err;
}

/* Copies row 0 of a REQUEST_COLS result into out and key. */
static mdlg_err read_request(const PGresult *r, const char *id, struct mdlg_request *out,
                             struct mdlg__sealed *key)
{
    struct { char *dst; size_t cap; } cols[] = {
        { out->nonce, sizeof out->nonce },         { out->protocol, sizeof out->protocol },
        { out->doctype, sizeof out->doctype },     { out->elements_json, sizeof out->elements_json },
        { out->origin, sizeof out->origin },       { out->client_id, sizeof out->client_id },
        { out->response_uri, sizeof out->response_uri },
    };
    mdlg_err err = PQnfields(r) == 12 ? MDLG_E_OK : MDLG_E_STORE_CORRUPT;
    for (int i = 0; err == MDLG_E_OK && i < (int)(sizeof cols / sizeof cols[0]); i++)
        err = mdlg__pg_col_text(r, 0, i, cols[i].dst, cols[i].cap);
    int64_t state = -1;
    if (err == MDLG_E_OK)
        err = read_key(r, 7, key);
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 8, &out->created_at);
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 9, &out->expires_at);
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 10, &state);
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 11, &out->completed_at);
    if (err == MDLG_E_OK && (state < MDLG_REQUEST_PENDING || state > MDLG_REQUEST_EXPIRED))
        err = MDLG_E_STORE_CORRUPT;
    out->state = (enum mdlg_request_state)state;
    snprintf(out->id, sizeof out->id, "%s", id);
    return err;
}

/* Runs a one-id statement (plus `now` if now_p) and reads the request it returns. */
static mdlg_err request_query(struct pg_conn *c, const char *sql, const char *id,
                              const int64_t *now_p, struct mdlg_request *out,
                              struct mdlg__sealed *key)
{
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    if (now_p != NULL)
        mdlg__pg_int(&p, *now_p);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, sql, &p, &err);
    if (r == NULL)
        return err;
    err = PQntuples(r) == 1 ? read_request(r, id, out, key) : MDLG_E_STORE_NOT_FOUND;
    PQclear(r);
    return err;
}

/* ---- requests ---- */

static mdlg_err pg_request_insert(void *impl, const struct mdlg__request_row *row)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    struct pg_params p = { 0 };
    const char *txt[] = { row->id, row->nonce, row->protocol, row->doctype, row->elements_json,
                          row->origin, row->client_id, row->response_uri };
    for (int i = 0; i < 8; i++)
        mdlg__pg_text(&p, txt[i]);
    mdlg__pg_bytes(&p, row->sealed_key);
    mdlg__pg_int(&p, row->created_at);
    mdlg__pg_int(&p, row->expires_at);
    /* autocommit: committed, and flushed, when it returns; a duplicate id is 23505 */
    err = mdlg__pg_exec(c,
                        "INSERT INTO requests (id, nonce, protocol, doctype, elements_json,"
                        " origin, client_id, response_uri, reader_key, created_at, expires_at)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        &p);
    mdlg__pg_release(impl, c);
    return err;
}

static mdlg_err pg_request_get(void *impl, const char *id, struct mdlg_request *out,
                               struct mdlg__sealed *key)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = request_query(c, "SELECT " REQUEST_COLS " FROM requests WHERE id = $1", id, NULL, out,
                        key);
    mdlg__pg_release(impl, c);
    return err;
}

/* Why a consume changed nothing. States only move forward, so a later read tells. */
static mdlg_err consume_refusal(struct pg_conn *c, const char *id, int64_t now)
{
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, "SELECT state, expires_at FROM requests WHERE id = $1", &p,
                                 &err);
    if (r == NULL)
        return err;
    int64_t state = 0, expires = 0;
    if (PQntuples(r) != 1)
        err = MDLG_E_STORE_NOT_FOUND;
    else if ((err = mdlg__pg_col_int(r, 0, 0, &state)) == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 1, &expires);
    PQclear(r);
    if (err != MDLG_E_OK)
        return err;
    if (state == MDLG_REQUEST_COMPLETED)
        return MDLG_E_STORE_CONFLICT;
    if (state == MDLG_REQUEST_EXPIRED || expires <= now)
        return MDLG_E_STORE_EXPIRED;
    return MDLG_E_INTERNAL;   /* pending and fresh, yet the UPDATE missed it */
}

/*
 * The single transition pending -> completed. The FROM subquery locks the
 * row and hands back the sealed key as it was before this statement
 * cleared it; a concurrent consumer waits for the lock, re-checks
 * state = 0 on the committed row and returns nothing.
 */
static const char consume_sql[] =
    "UPDATE requests r SET state = 1, completed_at = $2, reader_key = NULL"
    " FROM (SELECT id, reader_key FROM requests WHERE id = $1 FOR UPDATE) old"
    " WHERE r.id = old.id AND r.state = 0 AND r.expires_at > $2"
    " RETURNING r.nonce, r.protocol, r.doctype, r.elements_json, r.origin, r.client_id,"
    " r.response_uri, old.reader_key, r.created_at, r.expires_at, r.state, r.completed_at";

static mdlg_err pg_request_consume(void *impl, const char *id, int64_t now,
                                   struct mdlg_request *out, struct mdlg__sealed *key)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = request_query(c, consume_sql, id, &now, out, key);
    if (err == MDLG_E_STORE_NOT_FOUND)   /* no row changed: find out why */
        err = consume_refusal(c, id, now);
    mdlg__pg_release(impl, c);
    return err;
}

/* ---- verdicts ---- */

/* Why a verdict insert added no row: no request, or not completed. */
static mdlg_err verdict_refusal(struct pg_conn *c, const char *id)
{
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, "SELECT state FROM requests WHERE id = $1", &p, &err);
    if (r == NULL)
        return err;
    err = PQntuples(r) == 1 ? MDLG_E_STORE_CONFLICT : MDLG_E_STORE_NOT_FOUND;
    PQclear(r);
    return err;
}

static mdlg_err pg_verdict_put(void *impl, const char *id, const char *full,
                               const char *redacted, int64_t stored_at, int64_t full_until)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg__pg_text(&p, full);
    mdlg__pg_text(&p, redacted);
    mdlg__pg_int(&p, stored_at);
    mdlg__pg_int(&p, full_until);
    /* Only for a completed request; a second verdict violates the key (23505). */
    PGresult *r = mdlg__pg_query(
        c,
        "INSERT INTO verdicts (request_id, full_json, redacted_json, stored_at, full_until)"
        " SELECT id, $2::text, $3::text, $4::bigint, $5::bigint FROM requests"
        " WHERE id = $1 AND state = 1",
        &p, &err);
    if (r != NULL && mdlg__pg_affected(r) != 1)
        err = verdict_refusal(c, id);
    PQclear(r);
    mdlg__pg_release(impl, c);
    return err;
}

/*
 * Read-once: one statement clears the retained values and returns them as
 * they were. Concurrent readers wait for the row lock, find full_json NULL
 * on the committed row, and return nothing.
 */
static const char take_sql[] =
    "UPDATE verdicts v SET full_json = NULL"
    " FROM (SELECT request_id, full_json FROM verdicts WHERE request_id = $1"
    "       AND full_json IS NOT NULL AND full_until > $2 FOR UPDATE) old"
    " WHERE v.request_id = old.request_id RETURNING old.full_json";

static const char read_sql[] =
    "SELECT CASE WHEN full_json IS NOT NULL AND full_until > $2 THEN full_json END,"
    " redacted_json FROM verdicts WHERE request_id = $1";

static mdlg_err verdict_read(struct pg_conn *c, const char *sql, const char *id, int64_t now,
                             bool full_only, struct mdlg__verdict *out)
{
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg__pg_int(&p, now);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, sql, &p, &err);
    if (r == NULL)
        return err;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return MDLG_E_STORE_NOT_FOUND;
    }
    out->full = mdlg__pg_col_dup(r, 0, 0, &err);
    if (!full_only && out->full == NULL && err == MDLG_E_OK)
        out->redacted = mdlg__pg_col_dup(r, 0, 1, &err);
    PQclear(r);
    return err;
}

static mdlg_err pg_verdict_get(void *impl, const char *id, int64_t now, bool take,
                               struct mdlg__verdict *out)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    if (take)
        err = verdict_read(c, take_sql, id, now, true, out);
    if (!take || err == MDLG_E_STORE_NOT_FOUND)   /* nothing (left) to take */
        err = verdict_read(c, read_sql, id, now, false, out);
    mdlg__pg_release(impl, c);
    if (err == MDLG_E_OK && out->full == NULL && out->redacted == NULL)
        err = MDLG_E_STORE_CORRUPT;
    if (err != MDLG_E_OK) {
        free(out->full);
        free(out->redacted);
        out->full = out->redacted = NULL;
    }
    return err;
}

/* ---- purge ---- */

static mdlg_err purge_in_tx(struct pg_conn *c, int64_t now, int64_t delete_before,
                            struct mdlg_store_purge_stats *s)
{
    mdlg_err err = mdlg__pg_exec_at(c,
                                    "UPDATE requests SET state = 2, reader_key = NULL"
                                    " WHERE state = 0 AND expires_at <= $1",
                                    now, &s->requests_expired);
    if (err == MDLG_E_OK)
        err = mdlg__pg_exec_at(c,
                               "UPDATE verdicts SET full_json = NULL"
                               " WHERE full_json IS NOT NULL AND full_until <= $1",
                               now, &s->elements_deleted);
    if (err == MDLG_E_OK)   /* verdicts go with their request (ON DELETE CASCADE) */
        err = mdlg__pg_exec_at(c, "DELETE FROM requests WHERE expires_at <= $1",
                               delete_before, &s->requests_deleted);
    return err;
}

static mdlg_err pg_purge(void *impl, int64_t now, int64_t delete_before,
                         struct mdlg_store_purge_stats *stats)
{
    struct pg_conn *c;
    mdlg_err err = mdlg__pg_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__pg_begin(c);
    if (err == MDLG_E_OK)
        err = mdlg__pg_end(c, purge_in_tx(c, now, delete_before, stats));
    mdlg__pg_release(impl, c);
    return err;
}

/* ---- info ---- */

/* Asks one connection; keeps the weakest answer seen so far in `out`. */
static mdlg_err info_conn(struct pg_conn *c, bool first, struct mdlg_store_info *out)
{
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c,
                                 "SELECT current_setting('synchronous_commit'),"
                                 " (SELECT setting FROM pg_settings WHERE name = 'lock_timeout')",
                                 NULL, &err);
    if (r == NULL)
        return err;
    char sync[sizeof out->synchronous_commit] = "";
    int64_t lock_ms = 0;
    err = PQntuples(r) == 1 ? mdlg__pg_col_text(r, 0, 0, sync, sizeof sync)
                            : MDLG_E_STORE_CORRUPT;
    if (err == MDLG_E_OK)
        err = mdlg__pg_col_int(r, 0, 1, &lock_ms);
    PQclear(r);
    if (err != MDLG_E_OK)
        return err;
    if (first || strcmp(sync, "on") != 0)
        memcpy(out->synchronous_commit, sync, sizeof sync);
    if (first || lock_ms < out->busy_timeout_ms)
        out->busy_timeout_ms = (int)lock_ms;
    return MDLG_E_OK;
}

/* Every connection is asked (all borrowed at once), so one left unset shows. */
static mdlg_err pg_info(void *impl, struct mdlg_store_info *out)
{
    struct pg_pool *p = impl;
    if (!mdlg__pool_owned(&p->pool))
        return MDLG_E_STORE_UNAVAILABLE;
    out->latest_version = mdlg__pg_latest_version(&mdlg__pg_store_schema);
    mdlg__pg_acquire_all(p);
    mdlg_err err = MDLG_E_OK;
    for (unsigned i = 0; err == MDLG_E_OK && i < p->n; i++) {
        struct pg_conn *c = &p->conns[i];
        if (PQstatus(c->db) != CONNECTION_OK)
            err = mdlg__pg_reset(p, c);   /* a broken one is reset, as acquire would */
        if (err == MDLG_E_OK)
            err = info_conn(c, i == 0, out);
        if (err == MDLG_E_OK && i == 0)
            err = mdlg__pg_schema_version(c, mdlg__pg_store_schema.component,
                                          &out->schema_version);
    }
    mdlg__pg_release_all(p);
    return err;
}

/* ---- open ---- */

static void pg_close(void *impl) { mdlg__pg_pool_close(impl); }

/* ---- screening records ---- */

static mdlg_err pg_screening_put(void *impl, const char *id, struct mdlg_bytes rec)
{
    mdlg_err err;
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, id);
    mdlg__pg_bytes(&p, rec);
    PGresult *r = mdlg__pg_query_pooled(
        impl, "UPDATE verdicts SET screening = $2 WHERE request_id = $1", &p, &err);
    if (r != NULL && mdlg__pg_affected(r) != 1)
        err = MDLG_E_STORE_NOT_FOUND;
    PQclear(r);
    return err;
}

static mdlg_err pg_screening_get(void *impl, const char *id, enum mdlg_request_state *state,
                                 int64_t *expires_at, uint8_t *out, size_t cap, size_t *len)
{
    mdlg_err err;
    struct pg_params p = { 0 };
    int64_t st = 0;
    char hex[2 * MDLG_STORE_SCREENING_MAX + 1] = "";
    mdlg__pg_text(&p, id);
    PGresult *r = mdlg__pg_query_pooled(
        impl, "SELECT r.state, r.expires_at, encode(v.screening, 'hex')"
              " FROM requests r LEFT JOIN verdicts v ON v.request_id = r.id WHERE r.id = $1",
        &p, &err);
    if (r != NULL && PQntuples(r) != 1)
        err = MDLG_E_STORE_NOT_FOUND;
    else if (r != NULL && ((err = mdlg__pg_col_int(r, 0, 0, &st)) != MDLG_E_OK ||
                           (err = mdlg__pg_col_int(r, 0, 1, expires_at)) != MDLG_E_OK))
        err = MDLG_E_STORE_CORRUPT;
    else if (r != NULL && !PQgetisnull(r, 0, 2) &&
             mdlg__pg_col_text(r, 0, 2, hex, sizeof hex) != MDLG_E_OK)
        err = MDLG_E_LIMIT_STRING_SIZE;
    *state = (enum mdlg_request_state)st;
    *len = 0;
    if (err == MDLG_E_OK && sodium_hex2bin(out, cap, hex, strlen(hex), NULL, len, NULL) != 0)
        err = MDLG_E_STORE_CORRUPT;
    PQclear(r);
    return err;
}

const struct mdlg__store_ops mdlg__pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .request_insert = pg_request_insert,
    .request_get = pg_request_get,
    .request_consume = pg_request_consume,
    .verdict_put = pg_verdict_put,
    .verdict_get = pg_verdict_get,
    .purge = pg_purge,
    .info = pg_info,
    .screening_put = pg_screening_put,
    .screening_get = pg_screening_get,
};

mdlg_err mdlg__pg_open(const char *url, const struct mdlg__store_cfg *cfg, int64_t now,
                       const struct mdlg__store_ops **ops, void **impl)
{
    struct pg_pool *p = NULL;
    mdlg_err err = mdlg__pg_pool_open(url, cfg->pool_size, cfg->busy_timeout_ms, &p);
    struct pg_conn *c = NULL;
    if (err == MDLG_E_OK)
        err = mdlg__pg_acquire(p, &c);
    if (err == MDLG_E_OK) {
        err = mdlg__pg_migrate(c, &mdlg__pg_store_schema, cfg->max_schema_version, now);
        mdlg__pg_release(p, c);
    }
    if (err != MDLG_E_OK) {
        mdlg__pg_pool_close(p);
        return err;
    }
    *ops = &mdlg__pg_ops;
    *impl = p;
    return MDLG_E_OK;
}
