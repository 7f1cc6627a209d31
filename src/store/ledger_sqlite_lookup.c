/*
 * ledger_sqlite_lookup.c - the statistics of one key: its candidate rows from
 * the in-memory index (ledger_sqlite_index.c), each read by seq and checked
 * against the whole key, then counted here.
 * see mdlg/ledger.h (struct mdlg_ledger_stats) and store/ledger_sqlite.h
 *
 * The counts are those of the SQL they replace: unexpired rows of the same
 * (type, key_id, hash) created after created_at - window_s, plus the current
 * screening; distinct identity/person/state/aux values ignore absent ones;
 * related ids are the newest first (created_at, then screening id, both
 * descending).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

enum { V_IDENTITY, V_PERSON, V_AUX, V_STATE, V_COUNT };

/* One row of a key, as far as the statistics need it. */
struct lq_row {
    int64_t created_at;
    uint8_t v[V_COUNT][LQ_SIDE];     /* state: two letters, zero-padded */
    bool has[V_COUNT];
    char id[MDLG_LEDGER_ID_LEN + 1];
};

void mdlg__lq_scratch_free(struct lq_scratch *sc)
{
    free(sc->seqs);
    free(sc->rows);
    free(sc->vals);
    memset(sc, 0, sizeof *sc);
}

static bool grow_rows(struct lq_scratch *sc)
{
    if (sc->n_rows < sc->cap_rows)
        return true;
    size_t cap = sc->cap_rows ? sc->cap_rows * 2 : 64;
    struct lq_row *r = realloc(sc->rows, cap * sizeof *r);
    uint8_t (*v)[LQ_SIDE] = realloc(sc->vals, (cap + 1) * sizeof *v);
    if (r != NULL)
        sc->rows = r;
    if (v != NULL)
        sc->vals = v;
    if (r == NULL || v == NULL)
        return false;
    sc->cap_rows = cap;
    return true;
}

static void take_blob(sqlite3_stmt *st, int col, struct lq_row *r, int v)
{
    int n = sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    memset(r->v[v], 0, LQ_SIDE);
    if ((r->has[v] = p != NULL && n > 0))
        memcpy(r->v[v], p, (size_t)(n < LQ_SIDE ? n : LQ_SIDE));
}

/* Reads row `seq` into the scratch if it is the key's, unexpired and after `since`. */
static mdlg_err read_row(struct lq_conn *c, struct lq_scratch *sc, int64_t seq,
                         const struct mdlg_ledger_key *k, int64_t since, int64_t now)
{
    mdlg_err err = MDLG_E_OK;
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_ROW_GET, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_int(st, 0) == k->type &&
        sqlite3_column_int(st, 1) == k->key_id &&
        sqlite3_column_bytes(st, 2) == MDLG_LEDGER_HASH &&
        memcmp(sqlite3_column_blob(st, 2), k->hash, MDLG_LEDGER_HASH) == 0 &&
        sqlite3_column_int64(st, 3) > since && sqlite3_column_int64(st, 4) > now) {
        if (!grow_rows(sc))
            err = MDLG_E_NO_MEMORY;
        else {
            struct lq_row *r = &sc->rows[sc->n_rows++];
            const unsigned char *id = sqlite3_column_text(st, 9);
            r->created_at = sqlite3_column_int64(st, 3);
            take_blob(st, 5, r, V_STATE);
            take_blob(st, 6, r, V_IDENTITY);
            take_blob(st, 7, r, V_PERSON);
            take_blob(st, 8, r, V_AUX);
            snprintf(r->id, sizeof r->id, "%s", id ? (const char *)id : "");
        }
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = mdlg__sq_err(rc);   /* DONE: purged or rolled back, a stale candidate */
    }
    sqlite3_reset(st);
    return err;
}

/* The key's rows after `since`, unexpired at `now`, into sc->rows. */
static mdlg_err key_rows(struct lq_conn *c, const struct lq_index *ix, struct lq_scratch *sc,
                         const struct mdlg_ledger_key *k, int64_t since, int64_t now)
{
    size_t n = 0;
    sc->n_rows = 0;
    mdlg_err err = mdlg__lq_index_find(ix, k->type, k->key_id, k->hash, &sc->seqs, &n,
                                       &sc->cap_seqs);
    for (size_t i = 0; err == MDLG_E_OK && i < n; i++)
        err = read_row(c, sc, sc->seqs[i], k, since, now);
    return err;
}

static int cmp_side(const void *a, const void *b) { return memcmp(a, b, LQ_SIDE); }

/* Distinct present values of field v over the rows, plus `cur` (NULL: absent). */
static uint32_t distinct(struct lq_scratch *sc, int v, const uint8_t *cur, size_t cur_len)
{
    size_t m = 0;
    for (size_t i = 0; i < sc->n_rows; i++)
        if (sc->rows[i].has[v])
            memcpy(sc->vals[m++], sc->rows[i].v[v], LQ_SIDE);
    if (cur != NULL) {
        memset(sc->vals[m], 0, LQ_SIDE);
        memcpy(sc->vals[m++], cur, cur_len < LQ_SIDE ? cur_len : LQ_SIDE);
    }
    if (m > 1)
        qsort(sc->vals, m, LQ_SIDE, cmp_side);
    uint32_t d = m > 0;
    for (size_t i = 1; i < m; i++)
        d += memcmp(sc->vals[i], sc->vals[i - 1], LQ_SIDE) != 0;
    return d;
}

static int cmp_newest(const void *a, const void *b)
{
    const struct lq_row *x = a, *y = b;
    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? 1 : -1;
    return -strcmp(x->id, y->id);
}

/* The newest MDLG_LEDGER_RELATED_MAX screening ids of sc->rows into s. */
static void newest(struct lq_scratch *sc, struct mdlg_ledger_stats *s)
{
    qsort(sc->rows, sc->n_rows, sizeof *sc->rows, cmp_newest);
    s->n_related = 0;
    for (size_t i = 0; i < sc->n_rows && s->n_related < MDLG_LEDGER_RELATED_MAX; i++)
        memcpy(s->related[s->n_related++], sc->rows[i].id, MDLG_LEDGER_ID_LEN + 1);
}

mdlg_err mdlg__lq_key_stats(struct lq_conn *c, const struct lq_index *ix,
                            struct lq_scratch *sc, const struct mdlg_ledger_key *k, int64_t now,
                            struct mdlg_ledger_stats *s)
{
    mdlg_err err = key_rows(c, ix, sc, k, now - k->window_s, now);
    if (err != MDLG_E_OK || (sc->cap_rows == 0 && !grow_rows(sc)))
        return err != MDLG_E_OK ? err : MDLG_E_NO_MEMORY;
    s->claims = (uint32_t)sc->n_rows + 1;
    s->recent = 1;
    for (size_t i = 0; i < sc->n_rows; i++)
        s->recent += sc->rows[i].created_at > now - k->velocity_s;
    s->identities = distinct(sc, V_IDENTITY, k->identity, MDLG_LEDGER_HASH);
    s->persons = distinct(sc, V_PERSON, k->has_person ? k->person : NULL, MDLG_LEDGER_HASH);
    s->auxes = distinct(sc, V_AUX, k->has_aux ? k->aux : NULL, MDLG_LEDGER_HASH);
    s->states = distinct(sc, V_STATE, k->state[0] ? (const uint8_t *)k->state : NULL,
                         strlen(k->state));
    newest(sc, s);
    return MDLG_E_OK;
}

mdlg_err mdlg__lq_newest(struct lq_conn *c, const struct lq_index *ix, struct lq_scratch *sc,
                         const struct mdlg_ledger_key *k, int64_t now,
                         struct mdlg_ledger_stats *s)
{
    mdlg_err err = key_rows(c, ix, sc, k, INT64_MIN, now);
    if (err == MDLG_E_OK)
        newest(sc, s);
    return err;
}
