/*
 * ledger_sqlite_index.c - the in-memory key index of the SQLite ledger.
 * see store/ledger_sqlite.h
 *
 * Why: ledger rows are appended in commit order (ledger_rows, keyed by an
 * AUTOINCREMENT seq), so a batch dirties a handful of pages at the end of the
 * table instead of one random B-tree leaf per hashed identifier (about 4 KB
 * of WAL and of checkpoint per key). Finding the rows of one key is this
 * index's job: an open-addressing table of 64-bit slots, each the 32-bit
 * fingerprint of (type, key_id, hash) above the row's 32-bit seq; 0 = empty.
 * A fingerprint match is only a candidate: the caller reads the row by seq
 * and compares the whole hash, so collisions and stale slots (rows purged,
 * a rolled-back insert) cost a read, never a wrong count.
 *
 * The index holds every row up to `last_seq`. Before its lookups, each write
 * transaction (under SQLite's write lock, so no other writer in any process
 * is appending) reads the rows with seq > last_seq - other processes' and
 * other handles' commits - and adds them; its own inserts are added as they
 * are made, so later entries of the same batch see earlier ones. A rollback
 * or a purge marks it stale, and the next transaction rebuilds it from the
 * table. Memory: 16 bytes per row at most (load <= 1/2).
 */
#include <stdlib.h>
#include <string.h>

#include "store/ledger_sqlite.h"

#define MIN_CAP 1024u

static uint32_t fingerprint(unsigned type, unsigned key_id, const uint8_t *hash)
{
    uint32_t v;
    memcpy(&v, hash, sizeof v);   /* a keyed BLAKE2b hash: already uniform */
    v ^= (uint32_t)type * 0x9e3779b1u ^ (uint32_t)key_id * 0x85ebca6bu;
    return v ? v : 1;
}

static size_t slot_of(const struct lq_index *ix, uint32_t fp)
{
    return (size_t)(((uint64_t)fp * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - ix->bits));
}

static void put(struct lq_index *ix, uint64_t v)
{
    size_t mask = ((size_t)1 << ix->bits) - 1;
    for (size_t i = slot_of(ix, (uint32_t)(v >> 32));; i = (i + 1) & mask)
        if (ix->slot[i] == 0) {
            ix->slot[i] = v;
            ix->used++;
            return;
        }
}

static mdlg_err grow(struct lq_index *ix)
{
    unsigned bits = ix->bits ? ix->bits + 1 : 10;
    uint64_t *old = ix->slot;
    size_t old_cap = ix->bits ? (size_t)1 << ix->bits : 0;
    uint64_t *s = calloc((size_t)1 << bits, sizeof *s);
    if (s == NULL)
        return MDLG_E_NO_MEMORY;
    ix->slot = s, ix->bits = bits, ix->used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] != 0)
            put(ix, old[i]);
    free(old);
    return MDLG_E_OK;
}

mdlg_err mdlg__lq_index_add(struct lq_index *ix, int64_t seq, unsigned type, unsigned key_id,
                            const uint8_t *hash)
{
    if (seq <= 0 || seq > (int64_t)UINT32_MAX)
        return MDLG_E_STORE_UNAVAILABLE;   /* 4,294,967,295 rows ever appended: the limit */
    if ((ix->used + 1) * 2 > ((size_t)1 << ix->bits) || ix->bits == 0) {
        mdlg_err err = grow(ix);
        if (err != MDLG_E_OK)
            return err;
    }
    put(ix, (uint64_t)fingerprint(type, key_id, hash) << 32 | (uint64_t)seq);
    if (seq > ix->last_seq)
        ix->last_seq = seq;
    return MDLG_E_OK;
}

mdlg_err mdlg__lq_index_find(const struct lq_index *ix, unsigned type, unsigned key_id,
                             const uint8_t *hash, int64_t **seqs, size_t *n, size_t *cap)
{
    *n = 0;
    if (ix->bits == 0)
        return MDLG_E_OK;
    uint32_t fp = fingerprint(type, key_id, hash);
    size_t mask = ((size_t)1 << ix->bits) - 1;
    for (size_t i = slot_of(ix, fp); ix->slot[i] != 0; i = (i + 1) & mask) {
        if ((uint32_t)(ix->slot[i] >> 32) != fp)
            continue;
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            int64_t *p = realloc(*seqs, c * sizeof *p);
            if (p == NULL)
                return MDLG_E_NO_MEMORY;
            *seqs = p, *cap = c;
        }
        (*seqs)[(*n)++] = (int64_t)(uint32_t)ix->slot[i];
    }
    return MDLG_E_OK;
}

void mdlg__lq_index_clear(struct lq_index *ix)
{
    free(ix->slot);
    ix->slot = NULL;
    ix->bits = 0;
    ix->used = 0;
    ix->last_seq = 0;
    ix->stale = false;
}

/* Adds the rows committed since last_seq (all of them after a clear). */
mdlg_err mdlg__lq_index_catch_up(struct lq_conn *c, struct lq_index *ix)
{
    mdlg_err err = MDLG_E_OK;
    if (ix->stale)
        mdlg__lq_index_clear(ix);
    sqlite3_stmt *st = mdlg__lq_stmt(c, LQ_ROWS_SINCE, &err);
    if (st == NULL)
        return err;
    sqlite3_bind_int64(st, 1, ix->last_seq);
    int rc = SQLITE_DONE;
    while (err == MDLG_E_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 3) == MDLG_LEDGER_HASH)   /* else it can match nothing */
            err = mdlg__lq_index_add(ix, seq, (unsigned)sqlite3_column_int(st, 1),
                                     (unsigned)sqlite3_column_int(st, 2),
                                     sqlite3_column_blob(st, 3));
        ix->last_seq = seq > ix->last_seq ? seq : ix->last_seq;
    }
    sqlite3_reset(st);
    if (err == MDLG_E_OK && rc != SQLITE_DONE)
        err = mdlg__sq_err(rc);
    if (err != MDLG_E_OK)
        ix->stale = true;
    return err;
}
