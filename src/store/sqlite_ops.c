/*
 * sqlite_ops.c - requests, verdicts and purge on SQLite.
 *
 * Each operation borrows a connection, runs prepared statements and resets
 * them before giving the connection back (a statement left stepping would
 * hold a read snapshot open). States: 0 pending, 1 completed, 2 expired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_internal.h"

const char *const mdlg__sq_sql[SQ_STMT_COUNT] = {
    [SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_REQ_INSERT] =
        "INSERT INTO requests (id, nonce, protocol, doctype, elements_json, origin, client_id,"
        " response_uri, reader_key, created_at, expires_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQ_REQ_GET] =
        "SELECT nonce, protocol, doctype, elements_json, origin, client_id, response_uri,"
        " reader_key, created_at, expires_at, state, completed_at FROM requests WHERE id = ?1",
    /* The single transition pending -> completed; changes() == 1 means we won. */
    [SQ_REQ_CONSUME] =
        "UPDATE requests SET state = 1, completed_at = ?2, reader_key = NULL"
        " WHERE id = ?1 AND state = 0 AND expires_at > ?2",
    [SQ_REQ_STATE] = "SELECT state FROM requests WHERE id = ?1",
    [SQ_VERDICT_INSERT] =
        "INSERT INTO verdicts (request_id, full_json, redacted_json, stored_at, full_until)"
        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_VERDICT_GET] =
        "SELECT full_json, redacted_json, full_until FROM verdicts WHERE request_id = ?1",
    [SQ_VERDICT_DROP_FULL] = "UPDATE verdicts SET full_json = NULL WHERE request_id = ?1",
    [SQ_PURGE_EXPIRE] =
        "UPDATE requests SET state = 2, reader_key = NULL WHERE state = 0 AND expires_at <= ?1",
    [SQ_PURGE_ELEMENTS] =
        "UPDATE verdicts SET full_json = NULL WHERE full_json IS NOT NULL AND full_until <= ?1",
    [SQ_PURGE_VERDICTS] =
        "DELETE FROM verdicts WHERE request_id IN"
        " (SELECT id FROM requests WHERE expires_at <= ?1)",
    [SQ_PURGE_REQUESTS] = "DELETE FROM requests WHERE expires_at <= ?1",
    [SQ_SCREENING_PUT] = "UPDATE verdicts SET screening = ?2 WHERE request_id = ?1",
    [SQ_SCREENING_GET] =
        "SELECT r.state, r.expires_at, v.screening FROM requests r"
        " LEFT JOIN verdicts v ON v.request_id = r.id WHERE r.id = ?1",
};

/* ---- reading rows ---- */

static mdlg_err col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (t == NULL)
        n = 0;
    if (n >= cap)
        return MDLG_E_STORE_CORRUPT;
    memcpy(dst, t != NULL ? (const char *)t : "", n);
    dst[n] = '\0';
    return MDLG_E_OK;
}

/* Copies a SQ_REQ_GET row (the statement is on it) into out and key. */
static mdlg_err read_request(sqlite3_stmt *st, struct mdlg_request *out,
                             struct mdlg__sealed *key)
{
    struct { char *dst; size_t cap; } cols[] = {
        { out->nonce, sizeof out->nonce },         { out->protocol, sizeof out->protocol },
        { out->doctype, sizeof out->doctype },     { out->elements_json, sizeof out->elements_json },
        { out->origin, sizeof out->origin },       { out->client_id, sizeof out->client_id },
        { out->response_uri, sizeof out->response_uri },
    };
    for (int i = 0; i < (int)(sizeof cols / sizeof cols[0]); i++) {
        mdlg_err err = col_text(st, i, cols[i].dst, cols[i].cap);
        if (err != MDLG_E_OK)
            return err;
    }
    const void *blob = sqlite3_column_blob(st, 7);
    key->len = (size_t)sqlite3_column_bytes(st, 7);
    if (key->len > sizeof key->buf)
        return MDLG_E_STORE_CORRUPT;
    if (key->len > 0)
        memcpy(key->buf, blob, key->len);
    out->created_at = sqlite3_column_int64(st, 8);
    out->expires_at = sqlite3_column_int64(st, 9);
    int state = sqlite3_column_int(st, 10);
    if (state < MDLG_REQUEST_PENDING || state > MDLG_REQUEST_EXPIRED)
        return MDLG_E_STORE_CORRUPT;
    out->state = (enum mdlg_request_state)state;
    out->completed_at = sqlite3_column_int64(st, 11);
    return MDLG_E_OK;
}

/* Looks a request up on a borrowed connection: NOT_FOUND if absent. */
static mdlg_err find_request(struct sq_conn *c, const char *id, struct mdlg_request *out,
                             struct mdlg__sealed *key)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_REQ_GET, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", id);
        err = read_request(st, out, key);
    } else {
        err = rc == SQLITE_DONE ? MDLG_E_STORE_NOT_FOUND : mdlg__sq_err(rc);
    }
    sqlite3_reset(st);
    return err;
}

/* ---- requests ---- */

static mdlg_err sq_request_insert(void *impl, const struct mdlg__request_row *r)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_REQ_INSERT, &err);
    if (st != NULL) {
        const char *txt[] = { r->id, r->nonce, r->protocol, r->doctype, r->elements_json,
                              r->origin, r->client_id, r->response_uri };
        for (int i = 0; i < 8; i++)
            sqlite3_bind_text(st, i + 1, txt[i], -1, SQLITE_STATIC);
        if (r->sealed_key.len > 0)
            sqlite3_bind_blob(st, 9, r->sealed_key.ptr, (int)r->sealed_key.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, r->created_at);
        sqlite3_bind_int64(st, 11, r->expires_at);
        err = mdlg__sq_run(st);   /* autocommit: durable when it returns */
    }
    mdlg__sq_release(impl, c);
    return err;
}

static mdlg_err sq_request_get(void *impl, const char *id, struct mdlg_request *out,
                               struct mdlg__sealed *key)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = find_request(c, id, out, key);
    mdlg__sq_release(impl, c);
    return err;
}

/* Why a consume changed nothing, from the row read in the same transaction. */
static mdlg_err consume_refusal(const struct mdlg_request *r, int64_t now)
{
    if (r->state == MDLG_REQUEST_COMPLETED)
        return MDLG_E_STORE_CONFLICT;
    if (r->state == MDLG_REQUEST_EXPIRED || r->expires_at <= now)
        return MDLG_E_STORE_EXPIRED;
    return MDLG_E_INTERNAL;   /* pending and fresh, yet the UPDATE missed it */
}

static mdlg_err consume_in_tx(struct sq_conn *c, const char *id, int64_t now,
                              struct mdlg_request *out, struct mdlg__sealed *key)
{
    mdlg_err err = find_request(c, id, out, key);
    sqlite3_stmt *st = err == MDLG_E_OK ? mdlg__sq_stmt(c, SQ_REQ_CONSUME, &err) : NULL;
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    err = mdlg__sq_run(st);
    if (err == MDLG_E_OK && sqlite3_changes(c->db) != 1)
        err = consume_refusal(out, now);
    return err;
}

static mdlg_err sq_request_consume(void *impl, const char *id, int64_t now,
                                   struct mdlg_request *out, struct mdlg__sealed *key)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__sq_begin(c);
    if (err == MDLG_E_OK)
        err = mdlg__sq_end(c, consume_in_tx(c, id, now, out, key));
    mdlg__sq_release(impl, c);
    return err;
}

/* ---- verdicts ---- */

static mdlg_err verdict_put_in_tx(struct sq_conn *c, const char *id, const char *full,
                                  const char *redacted, int64_t stored_at, int64_t full_until)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_REQ_STATE, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int state = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? MDLG_E_STORE_NOT_FOUND : mdlg__sq_err(rc);
    if (state != MDLG_REQUEST_COMPLETED)
        return MDLG_E_STORE_CONFLICT;
    if ((st = mdlg__sq_stmt(c, SQ_VERDICT_INSERT, &err)) == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (full != NULL)
        sqlite3_bind_text(st, 2, full, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, redacted, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, stored_at);
    sqlite3_bind_int64(st, 5, full_until);
    return mdlg__sq_run(st);   /* a second verdict violates the key: STORE_CONFLICT */
}

static mdlg_err sq_verdict_put(void *impl, const char *id, const char *full,
                               const char *redacted, int64_t stored_at, int64_t full_until)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__sq_begin(c);
    if (err == MDLG_E_OK)
        err = mdlg__sq_end(c, verdict_put_in_tx(c, id, full, redacted, stored_at, full_until));
    mdlg__sq_release(impl, c);
    return err;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (t == NULL)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, t, n);
        s[n] = '\0';
    }
    return s;
}

/* Reads the verdict row; keeps the full text only while retained. */
static mdlg_err verdict_read(struct sq_conn *c, const char *id, int64_t now,
                             struct mdlg__verdict *out)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_VERDICT_GET, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bool retained = sqlite3_column_type(st, 0) != SQLITE_NULL &&
                        sqlite3_column_int64(st, 2) > now;
        out->full = retained ? col_dup(st, 0) : NULL;
        out->redacted = retained ? NULL : col_dup(st, 1);
        err = out->full == NULL && out->redacted == NULL ? MDLG_E_NO_MEMORY : MDLG_E_OK;
    } else {
        err = rc == SQLITE_DONE ? MDLG_E_STORE_NOT_FOUND : mdlg__sq_err(rc);
    }
    sqlite3_reset(st);
    return err;
}

static mdlg_err verdict_take_in_tx(struct sq_conn *c, const char *id, int64_t now,
                                   struct mdlg__verdict *out)
{
    mdlg_err err = verdict_read(c, id, now, out);
    if (err != MDLG_E_OK || out->full == NULL)
        return err;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_VERDICT_DROP_FULL, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return mdlg__sq_run(st);
}

static mdlg_err sq_verdict_get(void *impl, const char *id, int64_t now, bool take,
                               struct mdlg__verdict *out)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    if (!take) {
        err = verdict_read(c, id, now, out);
    } else if ((err = mdlg__sq_begin(c)) == MDLG_E_OK) {
        err = mdlg__sq_end(c, verdict_take_in_tx(c, id, now, out));
    }
    mdlg__sq_release(impl, c);
    if (err != MDLG_E_OK) {   /* e.g. the commit failed: nobody got the values */
        free(out->full);
        free(out->redacted);
        out->full = out->redacted = NULL;
    }
    return err;
}

/* ---- purge ---- */

static mdlg_err purge_step(struct sq_conn *c, enum sq_stmt id, int64_t t, uint64_t *count)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__sq_stmt(c, id, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_int64(st, 1, t);
    err = mdlg__sq_run(st);
    if (err == MDLG_E_OK && count != NULL)
        *count = (uint64_t)sqlite3_changes(c->db);
    return err;
}

static mdlg_err purge_in_tx(struct sq_conn *c, int64_t now, int64_t delete_before,
                            struct mdlg_store_purge_stats *s)
{
    mdlg_err err = purge_step(c, SQ_PURGE_EXPIRE, now, &s->requests_expired);
    if (err == MDLG_E_OK)
        err = purge_step(c, SQ_PURGE_ELEMENTS, now, &s->elements_deleted);
    if (err == MDLG_E_OK)
        err = purge_step(c, SQ_PURGE_VERDICTS, delete_before, NULL);
    if (err == MDLG_E_OK)
        err = purge_step(c, SQ_PURGE_REQUESTS, delete_before, &s->requests_deleted);
    return err;
}

static mdlg_err sq_purge(void *impl, int64_t now, int64_t delete_before,
                         struct mdlg_store_purge_stats *stats)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__sq_begin(c);
    if (err == MDLG_E_OK)
        err = mdlg__sq_end(c, purge_in_tx(c, now, delete_before, stats));
    /* Old page images (with deleted values) stay in the WAL until it restarts:
     * checkpoint and truncate it. Best effort: busy readers only delay it. */
    if (err == MDLG_E_OK)
        (void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    mdlg__sq_release(impl, c);
    return err;
}

/* ---- screening records ---- */

static mdlg_err sq_screening_put(void *impl, const char *id, struct mdlg_bytes rec)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_SCREENING_PUT, &err);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, rec.ptr, (int)rec.len, SQLITE_STATIC);
        err = mdlg__sq_run(st);
        if (err == MDLG_E_OK && sqlite3_changes(c->db) != 1)
            err = MDLG_E_STORE_NOT_FOUND;
    }
    mdlg__sq_release(impl, c);
    return err;
}

static mdlg_err sq_screening_get(void *impl, const char *id, enum mdlg_request_state *state,
                                 int64_t *expires_at, uint8_t *out, size_t cap, size_t *len)
{
    struct sq_conn *c;
    mdlg_err err = mdlg__sq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    sqlite3_stmt *st = mdlg__sq_stmt(c, SQ_SCREENING_GET, &err);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 2);
            *state = (enum mdlg_request_state)sqlite3_column_int(st, 0);
            *expires_at = sqlite3_column_int64(st, 1);
            *len = n <= cap ? n : 0;
            if (n > cap)
                err = MDLG_E_LIMIT_STRING_SIZE;
            else if (n > 0)
                memcpy(out, sqlite3_column_blob(st, 2), n);
        } else {
            err = rc == SQLITE_DONE ? MDLG_E_STORE_NOT_FOUND : mdlg__sq_err(rc);
        }
        sqlite3_reset(st);
    }
    mdlg__sq_release(impl, c);
    return err;
}

const struct mdlg__store_ops mdlg__sq_ops = {
    .name = "sqlite",
    .close = mdlg__sq_close,
    .request_insert = sq_request_insert,
    .request_get = sq_request_get,
    .request_consume = sq_request_consume,
    .verdict_put = sq_verdict_put,
    .verdict_get = sq_verdict_get,
    .purge = sq_purge,
    .info = mdlg__sq_info,
    .screening_put = sq_screening_put,
    .screening_get = sq_screening_get,
};
