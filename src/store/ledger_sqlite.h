/*
 * ledger_sqlite.h - the ledger's SQLite backend, shared by its files.
 *
 * ledger_sqlite.c      pool, schema migrations, SQL text
 * ledger_sqlite_ops.c  record, get, clusters, purge (struct mdlg__ledger_ops)
 * ledger_sqlite_index.c  the in-memory key index over the append-only ledger_rows
 * ledger_sqlite_clusters.c  the largest clusters, from that index
 * ledger_sqlite_ckpt.c  WAL checkpoints on a thread of their own
 */
#ifndef MDLG_LEDGER_SQLITE_H
#define MDLG_LEDGER_SQLITE_H

#include "store/ledger_internal.h"
#include "store/pool.h"
#include "store/sqlite_internal.h"

enum lq_stmt {
    LQ_BEGIN,
    LQ_COMMIT,
    LQ_ROLLBACK,
    LQ_ROWS_SINCE,
    LQ_ROW_GET,
    LQ_SCREENING_INSERT,
    LQ_CLAIM,
    LQ_GET,
    LQ_PURGE_KEYS,
    LQ_PURGE_SCREENINGS,
    LQ_COUNT
};

/* Key rows inserted per INSERT statement at most (ledger_sqlite_ops.c). */
#define LQ_ROWS_CHUNK 16

struct lq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[LQ_COUNT];
    sqlite3_stmt *rows_stmt[LQ_ROWS_CHUNK + 1];   /* [m]: INSERT of m key rows */
};

/* identity, person and aux are stored as 16-byte prefixes (distinct counts only). */
#define LQ_SIDE 16

/* Reusable buffers of the lookups (ledger_sqlite_lookup.c). */
struct lq_scratch {
    int64_t *seqs;
    size_t cap_seqs;
    struct lq_row *rows;
    size_t n_rows, cap_rows;
    uint8_t (*vals)[LQ_SIDE];  /* cap_rows + 1 */
};

/* Key -> row seqs of ledger_rows (ledger_sqlite_index.c). */
struct lq_index {
    uint64_t *slot;            /* fingerprint << 32 | seq; 0 = empty; 2^bits slots */
    unsigned bits;             /* 0: no table yet */
    size_t used;
    int64_t last_seq;          /* every row up to this seq is in */
    bool stale;                /* rebuild before the next use */
};

/* The checkpointer thread (ledger_sqlite_ckpt.c). */
struct lq_ckpt {
    sqlite3 *db;                 /* its own connection (synchronous=FULL) */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* wakes the thread */
    pthread_cond_t done_cv;      /* its checkpoint ended */
    bool want, stop, running;
    bool active;                 /* its checkpoint is running */
    unsigned step;               /* WAL pages / LQ_CKPT_PAGES at the last commit */
};

struct lq_store {
    pthread_mutex_t write_mu;    /* one record/purge of this handle at a time; guards index */
    struct lq_ckpt ckpt;
    struct lq_index index;
    struct mdlg__pool pool;      /* lends out conns (store/pool.h, as the store's) */
    unsigned n;                  /* connections opened */
    struct lq_conn *conns;       /* [n] */
};

extern const char *const mdlg__lq_sql[LQ_COUNT];
extern const struct mdlg__ledger_ops mdlg__lq_ops;

/* The prepared statement `id`, reset and unbound, or NULL (error in *err). */
sqlite3_stmt *mdlg__lq_stmt(struct lq_conn *c, enum lq_stmt id, mdlg_err *err);
/*
 * The prepared INSERT of m (1..LQ_ROWS_CHUNK) ledger_rows at once, reset and
 * unbound: row i's ten values are parameters 10*i+1..10*i+10 (screening_id,
 * type, key_id, hash, identity, person, aux, state, created_at, expires_at).
 * One statement instead of m saves m - 1 statement runs and updates of the
 * AUTOINCREMENT counter. NULL on error (in *err).
 */
sqlite3_stmt *mdlg__lq_rows_stmt(struct lq_conn *c, unsigned m, mdlg_err *err);
/* Runs a statement without parameters (BEGIN, COMMIT, ROLLBACK). */
mdlg_err mdlg__lq_exec(struct lq_conn *c, enum lq_stmt id);
/* COMMIT if err is OK (returning its result), else ROLLBACK and return err. */
mdlg_err mdlg__lq_end(struct lq_conn *c, mdlg_err err);

/* Adds row `seq` of key (type, key_id, hash). */
mdlg_err mdlg__lq_index_add(struct lq_index *ix, int64_t seq, unsigned type, unsigned key_id,
                            const uint8_t *hash);
/* The seqs whose fingerprint matches the key (candidates) into a growing *seqs. */
mdlg_err mdlg__lq_index_find(const struct lq_index *ix, unsigned type, unsigned key_id,
                             const uint8_t *hash, int64_t **seqs, size_t *n, size_t *cap);
/* Adds the rows appended since last_seq (every row if stale); call inside the write lock. */
mdlg_err mdlg__lq_index_catch_up(struct lq_conn *c, struct lq_index *ix);
void mdlg__lq_index_clear(struct lq_index *ix);

/*
 * Statistics of key k as of `now`, counting the current screening (see
 * struct mdlg_ledger_stats); the index must be current.
 */
mdlg_err mdlg__lq_key_stats(struct lq_conn *c, const struct lq_index *ix,
                            struct lq_scratch *sc, const struct mdlg_ledger_key *k, int64_t now,
                            struct mdlg_ledger_stats *s);
/* The newest screening ids of k's unexpired rows (any age) into s->related. */
mdlg_err mdlg__lq_newest(struct lq_conn *c, const struct lq_index *ix, struct lq_scratch *sc,
                         const struct mdlg_ledger_key *k, int64_t now,
                         struct mdlg_ledger_stats *s);
void mdlg__lq_scratch_free(struct lq_scratch *sc);

/*
 * The best `cap` clusters (see mdlg_ledger_clusters) into out[0..*n), samples
 * left empty; takes write_mu to catch the index up and copy it.
 */
mdlg_err mdlg__lq_clusters_top(struct lq_conn *c, struct lq_store *ls, int64_t now,
                               uint16_t type, uint32_t min_claims,
                               struct mdlg_ledger_cluster *out, size_t cap, size_t *n);

/*
 * Starts the checkpointer on its own connection to `path`; then
 * mdlg__lq_ckpt_hook() hands it each write connection's checkpoints.
 * mdlg__lq_ckpt_stop() joins it and closes its connection (also after a
 * failed or no start: a zeroed lq_ckpt is stopped).
 */
mdlg_err mdlg__lq_ckpt_start(struct lq_ckpt *k, const char *path, unsigned busy_ms);
void mdlg__lq_ckpt_hook(struct lq_ckpt *k, sqlite3 *db);
void mdlg__lq_ckpt_stop(struct lq_ckpt *k);

mdlg_err mdlg__lq_acquire(struct lq_store *st, struct lq_conn **out);
void mdlg__lq_release(struct lq_store *st, struct lq_conn *c);
void mdlg__lq_close(void *impl);

#endif
