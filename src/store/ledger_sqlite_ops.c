/*
 * ledger_sqlite_ops.c - record, get, clusters and purge on SQLite.
 * see mdlg/ledger.h
 *
 * mdlg_ledger_record() runs its whole batch inside one BEGIN IMMEDIATE
 * transaction: SQLite's write lock serialises it against every other writer
 * (threads and processes), so each entry's lookups see every screening
 * committed before, and the entries of the batch before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

static void bind_hash(sqlite3_stmt *st, int i, const uint8_t *h, bool present)
{
    if (present)
        sqlite3_bind_blob(st, i, h, LQ_SIDE, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* What one record transaction works with. */
struct rec {
    struct lq_conn *c;
    struct lq_index *ix;
    struct lq_scratch sc;
    struct mdlg_ledger_stats *stats;   /* [MDLG_LEDGER_MAX_KEYS] */
};

/* Binds key row k of entry e as row i of a multi-row INSERT (mdlg__lq_rows_stmt). */
static void bind_key(sqlite3_stmt *st, int i, const struct mdlg_ledger_entry *e,
                     const struct mdlg_ledger_key *k)
{
    int b = 10 * i;
    sqlite3_bind_text(st, b + 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, b + 2, k->type);
    sqlite3_bind_int(st, b + 3, k->key_id);
    sqlite3_bind_blob(st, b + 4, k->hash, MDLG_LEDGER_HASH, SQLITE_STATIC);
    bind_hash(st, b + 5, k->identity, true);
    bind_hash(st, b + 6, k->person, k->has_person);
    bind_hash(st, b + 7, k->aux, k->has_aux);
    if (k->state[0])
        sqlite3_bind_text(st, b + 8, k->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, b + 9, e->created_at);
    sqlite3_bind_int64(st, b + 10, k->expires_at);
}

/*
 * Appends key rows k[0..m) in one statement and adds them to the index (later
 * entries of the batch see them). Their seqs: the index holds every row up to
 * last_seq, so if the last new seq is last_seq + m the rows took last_seq+1..
 * in order; otherwise (AUTOINCREMENT skipping seqs of purged rows) the index
 * reads them back from the table.
 */
static mdlg_err insert_keys(struct rec *r, const struct mdlg_ledger_entry *e,
                            const struct mdlg_ledger_key *k, unsigned m)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_rows_stmt(r->c, m, &err);
    if (st == NULL)
        return err;
    for (unsigned i = 0; i < m; i++)
        bind_key(st, (int)i, e, &k[i]);
    int64_t before = r->ix->last_seq;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return mdlg__sq_err(rc == SQLITE_ROW ? SQLITE_CORRUPT : rc);
    if (sqlite3_last_insert_rowid(r->c->db) != before + (int64_t)m)
        return mdlg__lq_index_catch_up(r->c, r->ix);
    for (unsigned i = 0; err == MDLG_E_OK && i < m; i++)
        err = mdlg__lq_index_add(r->ix, before + 1 + (int64_t)i, k[i].type, k[i].key_id,
                                 k[i].hash);
    return err;
}

static mdlg_err insert_screening(struct lq_conn *c, const struct mdlg_ledger_entry *e)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_SCREENING_INSERT, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->claim_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, e->created_at);
    sqlite3_bind_int64(st, 4, e->expires_at);
    sqlite3_bind_text(st, 5, e->result, -1, SQLITE_STATIC);
    if (e->n_content > 0) {
        sqlite3_bind_int(st, 6, e->content[0].key_id);
        sqlite3_bind_blob(st, 7, e->content[0].hash, MDLG_LEDGER_HASH, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return mdlg__sq_err(rc);
}

/* The newest (created_at, then id, descending) of the rows LQ_CLAIM returns. */
struct claim_row {
    bool found, stored;
    int64_t created_at;
    unsigned key_id;
    size_t len;
    uint8_t hash[MDLG_LEDGER_HASH];
    char id[MDLG_LEDGER_ID_LEN + 1];
};

static void claim_take(sqlite3_stmt *st, struct claim_row *best)
{
    const unsigned char *id = sqlite3_column_text(st, 0);
    int64_t at = sqlite3_column_int64(st, 3);
    const char *ids = id ? (const char *)id : "";
    if (best->found && (at < best->created_at ||
                        (at == best->created_at && strcmp(ids, best->id) <= 0)))
        return;
    best->found = true;
    best->created_at = at;
    snprintf(best->id, sizeof best->id, "%s", ids);
    best->key_id = (unsigned)sqlite3_column_int(st, 1);
    best->stored = sqlite3_column_type(st, 2) == SQLITE_BLOB;
    best->len = (size_t)sqlite3_column_bytes(st, 2);
    if (best->len == MDLG_LEDGER_HASH)
        memcpy(best->hash, sqlite3_column_blob(st, 2), MDLG_LEDGER_HASH);
}

/* The stored result of screening `id` (a retry returns it) into e->result. */
static mdlg_err claim_result(struct lq_conn *c, struct mdlg_ledger_entry *e, const char *id)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_GET, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, INT64_MIN);
    int rc = sqlite3_step(st);
    const unsigned char *res = rc == SQLITE_ROW ? sqlite3_column_text(st, 1) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = mdlg__sq_err(rc);
    else if ((e->result = strdup(res ? (const char *)res : "{}")) == NULL)
        err = MDLG_E_NO_MEMORY;
    sqlite3_reset(st);
    return err;
}

/* An earlier unexpired screening of e's claim id: sets e->claim (and id, result if SAME). */
static mdlg_err find_claim(struct lq_conn *c, struct mdlg_ledger_entry *e)
{
    mdlg_err err = MDLG_E_OK;
    struct claim_row best = { .found = false };
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_CLAIM, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_text(st, 1, e->claim_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->created_at);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        claim_take(st, &best);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return mdlg__sq_err(rc);
    if (!best.found)
        return MDLG_E_OK;
    e->claim = mdlg__ledger_claim_compare(e, best.stored, best.key_id,
                                          best.len == MDLG_LEDGER_HASH ? best.hash : NULL,
                                          best.len);
    snprintf(e->id, sizeof e->id, "%s", best.id);
    return e->claim == MDLG_LEDGER_CLAIM_SAME ? claim_result(c, e, best.id) : MDLG_E_OK;
}

/* Looks up, decides and inserts one entry on an open transaction. */
static mdlg_err record_one(struct rec *r, struct mdlg_ledger_entry *e,
                           mdlg_ledger_decide_fn decide, void *arg)
{
    mdlg_err err = find_claim(r->c, e);
    if (err != MDLG_E_OK || e->claim != MDLG_LEDGER_CLAIM_NEW)
        return err;
    struct mdlg_ledger_stats *stats = r->stats;
    memset(stats, 0, e->n_keys * sizeof *stats);
    for (size_t i = 0; err == MDLG_E_OK && i < e->n_keys; i++)
        err = mdlg__lq_key_stats(r->c, r->ix, &r->sc, &e->keys[i], e->created_at, &stats[i]);
    if (err == MDLG_E_OK)
        err = decide(arg, e, stats);
    if (err == MDLG_E_OK && (e->result == NULL || strlen(e->result) > MDLG_LEDGER_RESULT_MAX))
        err = e->result == NULL ? MDLG_E_INTERNAL : MDLG_E_LIMIT_STRING_SIZE;
    for (size_t i = 0; err == MDLG_E_OK && i < e->n_keys; i += LQ_ROWS_CHUNK)
        err = insert_keys(r, e, &e->keys[i], (unsigned)(e->n_keys - i < LQ_ROWS_CHUNK
                                                         ? e->n_keys - i : LQ_ROWS_CHUNK));
    return err == MDLG_E_OK ? insert_screening(r->c, e) : err;
}

/*
 * The batch under this handle's write mutex (one writer per handle, so its
 * threads queue here instead of in SQLite's busy handler) and SQLite's write
 * lock (other handles and processes); the index first takes in their commits.
 */
static mdlg_err lq_record(void *impl, struct mdlg_ledger_entry *e, size_t n,
                          mdlg_ledger_decide_fn decide, void *arg)
{
    struct lq_store *st = impl;
    struct rec r = { .ix = &st->index };
    r.stats = malloc(MDLG_LEDGER_MAX_KEYS * sizeof *r.stats);
    if (r.stats == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err err = mdlg__lq_acquire(st, &r.c);
    if (err != MDLG_E_OK) {
        free(r.stats);
        return err;
    }
    pthread_mutex_lock(&st->write_mu);
    err = mdlg__lq_exec(r.c, LQ_BEGIN);
    if (err == MDLG_E_OK)
        err = mdlg__lq_index_catch_up(r.c, r.ix);
    for (size_t i = 0; err == MDLG_E_OK && i < n; i++)
        err = record_one(&r, &e[i], decide, arg);
    err = mdlg__lq_end(r.c, err);
    if (err != MDLG_E_OK)
        r.ix->stale = true;     /* it may hold rows that were rolled back */
    pthread_mutex_unlock(&st->write_mu);
    mdlg__lq_release(st, r.c);
    mdlg__lq_scratch_free(&r.sc);
    free(r.stats);
    return err;
}

static mdlg_err lq_get(void *impl, const char *id, int64_t now, char **result,
                       char claim_id[MDLG_LEDGER_CLAIM_ID_MAX + 1])
{
    struct lq_conn *c;
    mdlg_err err = mdlg__lq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_GET, &err);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const unsigned char *cid = sqlite3_column_text(st, 0);
            const unsigned char *res = sqlite3_column_text(st, 1);
            snprintf(claim_id, MDLG_LEDGER_CLAIM_ID_MAX + 1, "%s", cid ? (const char *)cid : "");
            *result = strdup(res ? (const char *)res : "{}");
            err = *result ? MDLG_E_OK : MDLG_E_NO_MEMORY;
        } else {
            err = rc == SQLITE_DONE ? MDLG_E_STORE_NOT_FOUND : mdlg__sq_err(rc);
        }
        sqlite3_reset(st);
    }
    mdlg__lq_release(impl, c);
    return err;
}

/* Newest screening ids of one cluster (the index is current: see lq_clusters). */
static mdlg_err sample(struct rec *r, int64_t now, struct mdlg_ledger_cluster *cl)
{
    struct mdlg_ledger_key k = { .type = cl->type, .key_id = cl->key_id };
    struct mdlg_ledger_stats s = { 0 };
    memcpy(k.hash, cl->hash, sizeof k.hash);
    mdlg_err err = mdlg__lq_newest(r->c, r->ix, &r->sc, &k, now, &s);
    cl->n_sample = s.n_related;
    memcpy(cl->sample, s.related, sizeof cl->sample);
    return err;
}

/* The largest clusters from the index (ledger_sqlite_clusters.c), then their samples. */
static mdlg_err lq_clusters(void *impl, int64_t now, uint16_t type, uint32_t min_claims,
                            struct mdlg_ledger_cluster *out, size_t cap, size_t *n)
{
    struct lq_store *ls = impl;
    struct lq_conn *c;
    mdlg_err err = mdlg__lq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    err = mdlg__lq_clusters_top(c, ls, now, type, min_claims, out, cap, n);
    struct rec r = { .c = c, .ix = &ls->index };
    pthread_mutex_lock(&ls->write_mu);
    if (err == MDLG_E_OK && *n > 0)   /* rows committed since: a read, no write lock needed */
        err = mdlg__lq_index_catch_up(c, r.ix);
    for (size_t i = 0; err == MDLG_E_OK && i < *n; i++)
        err = sample(&r, now, &out[i]);
    pthread_mutex_unlock(&ls->write_mu);
    mdlg__lq_scratch_free(&r.sc);
    mdlg__lq_release(impl, c);
    return err;
}

static mdlg_err purge_one(struct lq_conn *c, enum lq_stmt id, int64_t now, uint64_t *count)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_stmt(c, id, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *count = (uint64_t)sqlite3_changes(c->db);
    return mdlg__sq_err(rc);
}

static mdlg_err lq_purge(void *impl, int64_t now, struct mdlg_ledger_purge_stats *stats)
{
    struct lq_store *ls = impl;
    struct lq_conn *c;
    memset(stats, 0, sizeof *stats);
    mdlg_err err = mdlg__lq_acquire(impl, &c);
    if (err != MDLG_E_OK)
        return err;
    pthread_mutex_lock(&ls->write_mu);
    ls->index.stale = true;   /* rebuilt without the deleted rows */
    pthread_mutex_unlock(&ls->write_mu);
    err = mdlg__lq_exec(c, LQ_BEGIN);
    if (err == MDLG_E_OK)
        err = purge_one(c, LQ_PURGE_KEYS, now, &stats->keys_deleted);
    if (err == MDLG_E_OK)
        err = purge_one(c, LQ_PURGE_SCREENINGS, now, &stats->screenings_deleted);
    err = mdlg__lq_end(c, err);
    if (err == MDLG_E_OK) {   /* deleted rows leave the WAL too (secure_delete zeroes pages) */
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY)   /* readers elsewhere: the next purge finishes it */
            err = mdlg__sq_err(rc);
    }
    mdlg__lq_release(impl, c);
    return err;
}

const struct mdlg__ledger_ops mdlg__lq_ops = {
    .name = "sqlite",
    .close = mdlg__lq_close,
    .record = lq_record,
    .get = lq_get,
    .clusters = lq_clusters,
    .purge = lq_purge,
};
