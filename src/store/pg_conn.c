/*
 * pg_conn.c - PostgreSQL connections: the pool, session settings, queries,
 * transactions and error mapping. see store/pg_internal.h
 *
 * Thread model: libpq is thread-safe as long as one PGconn is used by one
 * thread at a time, which the pool guarantees (the same borrow/give-back
 * scheme as the SQLite backend). Connections never cross fork(): a child
 * neither uses nor closes its parent's connections (closing would end the
 * parent's sessions).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_internal.h"

/* ---- parameters ---- */

void mdlg__pg_text(struct pg_params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

void mdlg__pg_int(struct pg_params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, v);
    mdlg__pg_text(p, p->num[p->n]);
}

void mdlg__pg_bytes(struct pg_params *p, struct mdlg_bytes b)
{
    p->val[p->n] = b.len > 0 ? (const char *)b.ptr : NULL;
    p->len[p->n] = (int)b.len;
    p->fmt[p->n] = 1;
    p->n++;
}

/* ---- errors and queries ---- */

mdlg_err mdlg__pg_err_state(const char *sqlstate)
{
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return MDLG_E_STORE_UNAVAILABLE;   /* no answer from the server: connection lost */
    if (strncmp(sqlstate, "23", 2) == 0)   /* integrity constraint violation */
        return MDLG_E_STORE_CONFLICT;
    if (strncmp(sqlstate, "42", 2) == 0)   /* a statement does not fit the schema */
        return MDLG_E_STORE_CORRUPT;
    if (strncmp(sqlstate, "22", 2) == 0)   /* data exception, e.g. text that is not UTF-8 */
        return MDLG_E_USAGE;
    if (strcmp(sqlstate, "53200") == 0)    /* out_of_memory */
        return MDLG_E_NO_MEMORY;
    return MDLG_E_STORE_UNAVAILABLE;       /* 08 connection, 53 resources, 55P03 lock, 57 ... */
}

/* A result that succeeded, or NULL with *err from its SQLSTATE (r is cleared). */
static PGresult *result_check(PGresult *r, mdlg_err *err)
{
    ExecStatusType st = PQresultStatus(r);   /* PGRES_FATAL_ERROR for r == NULL */
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        *err = MDLG_E_OK;
        return r;
    }
    *err = r == NULL ? MDLG_E_NO_MEMORY
                     : mdlg__pg_err_state(PQresultErrorField(r, PG_DIAG_SQLSTATE));
    PQclear(r);
    return NULL;
}

PGresult *mdlg__pg_query(struct pg_conn *c, const char *sql, const struct pg_params *p,
                         mdlg_err *err)
{
    return result_check(PQexecParams(c->db, sql, p != NULL ? p->n : 0, NULL,
                                     p != NULL ? p->val : NULL, p != NULL ? p->len : NULL,
                                     p != NULL ? p->fmt : NULL, 0),
                        err);
}

PGresult *mdlg__pg_query_prepared(struct pg_conn *c, unsigned slot, const char *sql,
                                  const struct pg_params *p, mdlg_err *err)
{
    char name[16];
    if (slot >= MDLG__PG_SLOTS) {
        *err = MDLG_E_INTERNAL;
        return NULL;
    }
    snprintf(name, sizeof name, "mdlg_%u", slot);
    if (!(c->prepared & (UINT32_C(1) << slot))) {
        PQclear(result_check(PQprepare(c->db, name, sql, p != NULL ? p->n : 0, NULL), err));
        if (*err != MDLG_E_OK)
            return NULL;
        c->prepared |= UINT32_C(1) << slot;
    }
    return result_check(PQexecPrepared(c->db, name, p != NULL ? p->n : 0,
                                       p != NULL ? p->val : NULL, p != NULL ? p->len : NULL,
                                       p != NULL ? p->fmt : NULL, 0),
                        err);
}

mdlg_err mdlg__pg_exec(struct pg_conn *c, const char *sql, const struct pg_params *p)
{
    mdlg_err err = MDLG_E_OK;
    PQclear(mdlg__pg_query(c, sql, p, &err));
    return err;
}

uint64_t mdlg__pg_affected(const PGresult *r)
{
    const char *t = PQcmdTuples((PGresult *)r);
    return t != NULL && *t != '\0' ? strtoull(t, NULL, 10) : 0;
}

mdlg_err mdlg__pg_exec_at(struct pg_conn *c, const char *sql, int64_t t, uint64_t *count)
{
    struct pg_params p = { 0 };
    mdlg__pg_int(&p, t);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query(c, sql, &p, &err);
    if (r != NULL && count != NULL)
        *count = mdlg__pg_affected(r);
    PQclear(r);
    return err;
}

mdlg_err mdlg__pg_begin(struct pg_conn *c) { return mdlg__pg_exec(c, "BEGIN", NULL); }

mdlg_err mdlg__pg_end(struct pg_conn *c, mdlg_err err)
{
    if (err == MDLG_E_OK)
        err = mdlg__pg_exec(c, "COMMIT", NULL);   /* synchronous_commit=on: flushed when OK */
    if (err != MDLG_E_OK && PQtransactionStatus(c->db) != PQTRANS_IDLE)
        (void)mdlg__pg_exec(c, "ROLLBACK", NULL);
    return err;
}

/* ---- columns ---- */

mdlg_err mdlg__pg_col_text(const PGresult *r, int row, int col, char *dst, size_t cap)
{
    size_t n = (size_t)PQgetlength(r, row, col);
    if (n >= cap)
        return MDLG_E_STORE_CORRUPT;
    memcpy(dst, PQgetvalue(r, row, col), n);
    dst[n] = '\0';
    return MDLG_E_OK;
}

mdlg_err mdlg__pg_col_int(const PGresult *r, int row, int col, int64_t *out)
{
    if (PQgetisnull(r, row, col))
        return MDLG_E_STORE_CORRUPT;
    const char *t = PQgetvalue(r, row, col);
    char *end = NULL;
    long long v = strtoll(t, &end, 10);
    if (end == t || *end != '\0')
        return MDLG_E_STORE_CORRUPT;
    *out = (int64_t)v;
    return MDLG_E_OK;
}

char *mdlg__pg_col_dup(const PGresult *r, int row, int col, mdlg_err *err)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    size_t n = (size_t)PQgetlength(r, row, col);
    char *s = malloc(n + 1);
    if (s == NULL) {
        *err = MDLG_E_NO_MEMORY;
        return NULL;
    }
    memcpy(s, PQgetvalue(r, row, col), n);
    s[n] = '\0';
    return s;
}

/* ---- connections ---- */

/* Session settings every connection runs with (again after a reset). */
static mdlg_err session_setup(struct pg_conn *c, unsigned lock_timeout_ms)
{
    struct pg_params p = { 0 };
    char lt[32];
    snprintf(lt, sizeof lt, "%ums", lock_timeout_ms);
    mdlg__pg_text(&p, lt);
    return mdlg__pg_exec(c,
                         "SELECT set_config('synchronous_commit', 'on', false),"
                         " set_config('lock_timeout', $1, false),"
                         " set_config('idle_in_transaction_session_timeout', '60s', false)",
                         &p);
}

/* Our settings come first so that the URL overrides them; the encoding comes last. */
static PGconn *connect_url(const char *url, unsigned lock_timeout_ms)
{
    char timeout[16];
    unsigned s = lock_timeout_ms / 1000;
    snprintf(timeout, sizeof timeout, "%u", s < 2 ? 2 : s);
    const char *const keys[] = { "fallback_application_name", "connect_timeout", "dbname",
                                 "client_encoding", NULL };
    const char *const vals[] = { "mdlgate", timeout, url, "UTF8", NULL };
    return PQconnectdbParams(keys, vals, 1);
}

/* The store never logs: server notices (e.g. "already exists, skipping") are dropped. */
static void no_notices(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static mdlg_err conn_open(const char *url, unsigned lock_timeout_ms, struct pg_conn *c)
{
    c->db = connect_url(url, lock_timeout_ms);
    if (c->db == NULL)
        return MDLG_E_NO_MEMORY;
    PQsetNoticeProcessor(c->db, no_notices, NULL);   /* kept across PQreset */
    if (PQstatus(c->db) != CONNECTION_OK)
        return MDLG_E_STORE_UNAVAILABLE;
    return session_setup(c, lock_timeout_ms);
}

mdlg_err mdlg__pg_reset(struct pg_pool *p, struct pg_conn *c)
{
    PQreset(c->db);
    c->prepared = 0;   /* a new session: nothing prepared, settings to apply */
    if (PQstatus(c->db) != CONNECTION_OK)
        return MDLG_E_STORE_UNAVAILABLE;
    return session_setup(c, p->lock_timeout_ms);
}

/* A connection is usable if it is up and not inside a transaction. */
static mdlg_err conn_check(struct pg_pool *p, struct pg_conn *c)
{
    if (PQstatus(c->db) == CONNECTION_OK && PQtransactionStatus(c->db) == PQTRANS_IDLE)
        return MDLG_E_OK;
    if (PQstatus(c->db) == CONNECTION_OK &&
        mdlg__pg_exec(c, "ROLLBACK", NULL) == MDLG_E_OK &&
        PQtransactionStatus(c->db) == PQTRANS_IDLE)
        return MDLG_E_OK;
    return mdlg__pg_reset(p, c);
}

/* ---- the pool ---- */

mdlg_err mdlg__pg_acquire(struct pg_pool *p, struct pg_conn **out)
{
    void *v = NULL;
    mdlg_err err = mdlg__pool_acquire(&p->pool, &v);   /* a forked child: UNAVAILABLE */
    if (err != MDLG_E_OK)
        return err;
    struct pg_conn *c = v;
    err = conn_check(p, c);
    if (err != MDLG_E_OK) {
        mdlg__pg_release(p, c);
        return err;
    }
    *out = c;
    return MDLG_E_OK;
}

void mdlg__pg_release(struct pg_pool *p, struct pg_conn *c) { mdlg__pool_release(&p->pool, c); }

PGresult *mdlg__pg_query_pooled(struct pg_pool *pool, const char *sql, const struct pg_params *p,
                                mdlg_err *err)
{
    struct pg_conn *c;
    if ((*err = mdlg__pg_acquire(pool, &c)) != MDLG_E_OK)
        return NULL;
    PGresult *r = mdlg__pg_query(c, sql, p, err);
    mdlg__pg_release(pool, c);
    return r;
}

void mdlg__pg_acquire_all(struct pg_pool *p) { mdlg__pool_acquire_all(&p->pool); }

void mdlg__pg_release_all(struct pg_pool *p) { mdlg__pool_release_all(&p->pool); }

void mdlg__pg_pool_close(struct pg_pool *p)
{
    if (p == NULL)
        return;
    if (mdlg__pool_owned(&p->pool))   /* in a forked child, leave the parent's sessions alone */
        for (unsigned i = 0; i < p->n; i++)
            PQfinish(p->conns[i].db);
    mdlg__pool_destroy(&p->pool);
    free(p->conns);
    free(p);
}

static struct pg_pool *pool_alloc(unsigned n, unsigned lock_timeout_ms)
{
    struct pg_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->conns = calloc(n, sizeof *p->conns);
    if (p->conns == NULL || mdlg__pool_init(&p->pool, n) != MDLG_E_OK) {
        free(p->conns);
        free(p);
        return NULL;
    }
    p->lock_timeout_ms = lock_timeout_ms;
    return p;
}

mdlg_err mdlg__pg_pool_open(const char *url, unsigned n, unsigned lock_timeout_ms,
                            struct pg_pool **out)
{
    if (!PQisthreadsafe())
        return MDLG_E_STORE_UNSUPPORTED;
    struct pg_pool *p = pool_alloc(n, lock_timeout_ms);
    if (p == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err err = MDLG_E_OK;
    for (unsigned i = 0; err == MDLG_E_OK && i < n; i++) {
        p->n = i + 1;   /* pool_close() also finishes a half-opened one */
        err = conn_open(url, lock_timeout_ms, &p->conns[i]);
    }
    if (err != MDLG_E_OK) {
        mdlg__pg_pool_close(p);
        return err;
    }
    for (unsigned i = 0; i < p->n; i++)
        mdlg__pool_add(&p->pool, &p->conns[i]);
    *out = p;
    return MDLG_E_OK;
}
