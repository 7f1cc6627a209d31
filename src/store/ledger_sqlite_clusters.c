/*
 * ledger_sqlite_clusters.c - the largest clusters of the SQLite ledger, from
 * the in-memory key index (ledger_sqlite_index.c) instead of a GROUP BY.
 * see mdlg/ledger.h (mdlg_ledger_clusters) and store/ledger_sqlite.h
 *
 * Why: ledger_rows is append-ordered with no index on hash (random B-tree
 * writes were the screening bottleneck), so grouping it in SQL sorts every
 * key row: 20-87 s on a ledger of 1M claims.
 *
 * The answer is exactly that of the SQL it replaces:
 *   SELECT type, key_id, hash, count(*) c, count(DISTINCT identity) i
 *   FROM ledger_rows WHERE expires_at > now AND (type filter)
 *   GROUP BY type, key_id, hash HAVING c >= min_claims
 *   ORDER BY c DESC, i DESC, type, hash LIMIT cap
 * (key_id breaks the remaining ties, which the SQL leaves unspecified).
 *
 * 1. Under write_mu, the index is caught up and its non-empty slots
 *    (fingerprint << 32 | seq) copied out; the lock is then released.
 * 2. The copy is radix-sorted on the fingerprint, so the rows of one key are
 *    adjacent. Runs of at least min_claims entries are the candidates, taken
 *    longest first.
 * 3. Each candidate's rows are read by seq (a purged row is skipped),
 *    filtered (expires_at > now, type) and grouped by the exact key, since
 *    different keys may share a fingerprint; each exact key with at least
 *    min_claims rows competes for the best `cap`, kept in out[] in order.
 * 4. Upper bound: every row of a key carries the key's fingerprint, so all
 *    of them are in one run, and a key's count is at most its run's length.
 *    Once out[] holds cap clusters and the next run is strictly shorter
 *    than the claims of the cap-th, no later run (none is longer) can enter
 *    or reorder out[]; a run of equal length still can (identities, type,
 *    hash break the tie), so it is read.
 * Rows appended after the copy are not counted (as if the query ran just
 * before them); the caller then fills the samples under write_mu.
 */
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

/* One row of a candidate run, as far as the clusters need it. */
struct crow {
    uint16_t type;
    uint8_t key_id;
    uint8_t hash[MDLG_LEDGER_HASH];
    uint8_t identity[LQ_SIDE];
};

/* A run of equal fingerprints in the sorted copy. */
struct run {
    size_t start;
    size_t len;
};

/* What one clusters query works with. */
struct cq {
    struct lq_conn *c;
    int64_t now;
    uint16_t type;
    uint32_t min_claims;
    struct mdlg_ledger_cluster *out;
    size_t cap, n;
    struct crow *rows;     /* of the current run */
    size_t n_rows, cap_rows;
};

/* Copies the index's non-empty slots (the caller holds write_mu). */
static mdlg_err snapshot(const struct lq_index *ix, uint64_t **out, size_t *n)
{
    size_t cap = ix->bits ? (size_t)1 << ix->bits : 0;
    *n = 0;
    *out = malloc((ix->used ? ix->used : 1) * sizeof **out);
    if (*out == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < cap && *n < ix->used; i++)
        if (ix->slot[i] != 0)
            (*out)[(*n)++] = ix->slot[i];
    return MDLG_E_OK;
}

/* LSD radix sort of v[0..n) on the upper 32 bits (the fingerprint), 8 bits a pass. */
static mdlg_err sort_fp(uint64_t *v, size_t n)
{
    uint64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (tmp == NULL)
        return MDLG_E_NO_MEMORY;
    uint64_t *src = v, *dst = tmp;
    for (unsigned shift = 32; shift < 64; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 0xff) + 1]++;
        for (unsigned b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst, dst = t;
    }
    free(tmp);   /* four passes: the result is back in v */
    return MDLG_E_OK;
}

static int cmp_run(const void *a, const void *b)
{
    const struct run *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? 1 : -1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The runs of at least min_len equal fingerprints, longest first. */
static mdlg_err find_runs(const uint64_t *v, size_t n, size_t min_len, struct run **out,
                          size_t *n_runs)
{
    size_t cap = 0;
    *out = NULL, *n_runs = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && v[j] >> 32 == v[i] >> 32; j++)
            ;
        if (j - i < min_len)
            continue;
        if (*n_runs == cap) {
            cap = cap ? cap * 2 : 256;
            struct run *p = realloc(*out, cap * sizeof *p);
            if (p == NULL)
                return MDLG_E_NO_MEMORY;
            *out = p;
        }
        (*out)[(*n_runs)++] = (struct run){ .start = i, .len = j - i };
    }
    if (*n_runs > 1)   /* qsort(NULL, 0, ...) is undefined: no runs, no array */
        qsort(*out, *n_runs, sizeof **out, cmp_run);
    return MDLG_E_OK;
}

/* Keeps row `seq` in q->rows if present, unexpired and of the type asked for. */
static mdlg_err read_row(struct cq *q, sqlite3_stmt *st, int64_t seq)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return MDLG_E_OK;   /* purged or rolled back since: a stale slot */
    if (rc != SQLITE_ROW)
        return mdlg__sq_err(rc);
    int type = sqlite3_column_int(st, 0);
    if (sqlite3_column_int64(st, 4) <= q->now || (q->type != 0 && type != q->type) ||
        sqlite3_column_bytes(st, 2) != MDLG_LEDGER_HASH)
        return MDLG_E_OK;
    struct crow *r = &q->rows[q->n_rows++];   /* room: cap_rows >= the run's length */
    memset(r, 0, sizeof *r);
    r->type = (uint16_t)type;
    r->key_id = (uint8_t)sqlite3_column_int(st, 1);
    memcpy(r->hash, sqlite3_column_blob(st, 2), MDLG_LEDGER_HASH);
    int n = sqlite3_column_bytes(st, 6);
    if (n > 0)
        memcpy(r->identity, sqlite3_column_blob(st, 6), (size_t)(n < LQ_SIDE ? n : LQ_SIDE));
    return MDLG_E_OK;
}

static int cmp_key(const struct crow *x, const struct crow *y)
{
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->key_id != y->key_id)
        return x->key_id < y->key_id ? -1 : 1;
    return memcmp(x->hash, y->hash, MDLG_LEDGER_HASH);
}

static int cmp_crow(const void *a, const void *b)
{
    int d = cmp_key(a, b);
    return d ? d : memcmp(((const struct crow *)a)->identity,
                          ((const struct crow *)b)->identity, LQ_SIDE);
}

/* Negative if x ranks before y: claims desc, identities desc, type, hash, key_id. */
static int rank(const struct mdlg_ledger_cluster *x, const struct mdlg_ledger_cluster *y)
{
    if (x->claims != y->claims)
        return x->claims > y->claims ? -1 : 1;
    if (x->identities != y->identities)
        return x->identities > y->identities ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    int d = memcmp(x->hash, y->hash, MDLG_LEDGER_HASH);
    return d ? d : (x->key_id > y->key_id) - (x->key_id < y->key_id);
}

/* Inserts cl into the ordered out[0..n) if it ranks among the best cap. */
static void offer(struct cq *q, const struct mdlg_ledger_cluster *cl)
{
    if (q->n == q->cap && rank(cl, &q->out[q->n - 1]) >= 0)
        return;
    size_t i = q->n < q->cap ? q->n++ : q->cap - 1;
    for (; i > 0 && rank(cl, &q->out[i - 1]) < 0; i--)
        q->out[i] = q->out[i - 1];
    q->out[i] = *cl;
}

/* Offers each exact key of the sorted rows r[0..n) (identities are sorted within one). */
static void offer_groups(struct cq *q, const struct crow *r, size_t n)
{
    for (size_t i = 0, j; i < n; i = j) {
        struct mdlg_ledger_cluster cl;
        memset(&cl, 0, sizeof cl);
        cl.identities = 1;
        for (j = i + 1; j < n && cmp_key(&r[i], &r[j]) == 0; j++)
            cl.identities += memcmp(r[j].identity, r[j - 1].identity, LQ_SIDE) != 0;
        cl.claims = (uint32_t)(j - i);
        if (cl.claims < q->min_claims)
            continue;
        cl.type = r[i].type;
        cl.key_id = r[i].key_id;
        memcpy(cl.hash, r[i].hash, MDLG_LEDGER_HASH);
        offer(q, &cl);
    }
}

/* Reads the rows of one run, groups them by exact key and offers each. */
static mdlg_err do_run(struct cq *q, const uint64_t *v, const struct run *ru)
{
    mdlg_err err = MDLG_E_OK;
    if (ru->len > q->cap_rows) {
        free(q->rows);
        q->cap_rows = 0;
        if ((q->rows = malloc(ru->len * sizeof *q->rows)) == NULL)
            return MDLG_E_NO_MEMORY;
        q->cap_rows = ru->len;
    }
    sqlite3_stmt *st = mdlg__lq_stmt(q->c, LQ_ROW_GET, &err);
    if (st == NULL)
        return err;
    q->n_rows = 0;
    for (size_t i = 0; err == MDLG_E_OK && i < ru->len; i++)
        err = read_row(q, st, (int64_t)(uint32_t)v[ru->start + i]);
    sqlite3_reset(st);
    if (err != MDLG_E_OK)
        return err;
    if (q->n_rows > 1)
        qsort(q->rows, q->n_rows, sizeof *q->rows, cmp_crow);
    offer_groups(q, q->rows, q->n_rows);
    return MDLG_E_OK;
}

/* The candidate runs of the sorted copy v, longest first, until none can enter. */
static mdlg_err scan(struct cq *q, const uint64_t *v, size_t n)
{
    struct run *runs;
    size_t n_runs;
    mdlg_err err = find_runs(v, n, q->min_claims ? q->min_claims : 1, &runs, &n_runs);
    for (size_t i = 0; err == MDLG_E_OK && i < n_runs; i++) {
        if (q->n == q->cap && runs[i].len < q->out[q->cap - 1].claims)
            break;   /* the upper bound: see the file comment */
        err = do_run(q, v, &runs[i]);
    }
    free(runs);
    free(q->rows);
    return err;
}

mdlg_err mdlg__lq_clusters_top(struct lq_conn *c, struct lq_store *ls, int64_t now,
                               uint16_t type, uint32_t min_claims,
                               struct mdlg_ledger_cluster *out, size_t cap, size_t *n)
{
    uint64_t *v = NULL;
    size_t nv = 0;
    *n = 0;
    if (cap == 0)
        return MDLG_E_OK;
    pthread_mutex_lock(&ls->write_mu);
    mdlg_err err = mdlg__lq_index_catch_up(c, &ls->index);
    if (err == MDLG_E_OK)
        err = snapshot(&ls->index, &v, &nv);
    pthread_mutex_unlock(&ls->write_mu);
    if (err == MDLG_E_OK)
        err = sort_fp(v, nv);
    struct cq q = { .c = c, .now = now, .type = type, .min_claims = min_claims,
                    .out = out, .cap = cap };
    if (err == MDLG_E_OK)
        err = scan(&q, v, nv);
    free(v);
    *n = err == MDLG_E_OK ? q.n : 0;
    return err;
}
