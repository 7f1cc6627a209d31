/*
 * ledger_internal.h - what a ledger backend implements (see mdlg/ledger.h).
 *
 * ledger_api.c checks arguments, draws screening ids and picks the backend
 * from the URL; a backend (ledger_sqlite*.c, ledger_pg*.c) moves rows
 * and runs mdlg_ledger_record()'s lookups and inserts in one transaction.
 */
#ifndef MDLG_LEDGER_INTERNAL_H
#define MDLG_LEDGER_INTERNAL_H

#include <pthread.h>

#include "mdlg/ledger.h"

struct mdlg__ledger_ops {
    const char *name;
    void (*close)(void *impl);
    /* Entries arrive with ids set and arguments checked. */
    mdlg_err (*record)(void *impl, struct mdlg_ledger_entry *e, size_t n,
                       mdlg_ledger_decide_fn decide, void *arg);
    mdlg_err (*get)(void *impl, const char *id, int64_t now, char **result,
                    char claim_id[MDLG_LEDGER_CLAIM_ID_MAX + 1]);
    mdlg_err (*clusters)(void *impl, int64_t now, uint16_t type, uint32_t min_claims,
                         struct mdlg_ledger_cluster *out, size_t cap, size_t *n);
    mdlg_err (*purge)(void *impl, int64_t now, struct mdlg_ledger_purge_stats *stats);
};

/*
 * The outcome for entry e whose claim id an earlier screening has: `stored`
 * says whether that row has a content hash (key_id, hash[len]). See
 * struct mdlg_ledger_entry. Backends call it inside the record transaction.
 */
enum mdlg_ledger_claim mdlg__ledger_claim_compare(const struct mdlg_ledger_entry *e,
                                                  bool stored, unsigned key_id,
                                                  const uint8_t *hash, size_t len);

/* Group commit of one handle (ledger_group.c): concurrent record calls share a transaction. */
struct mdlg__ledger_group {
    pthread_mutex_t mu;
    bool busy;                         /* a leader is recording */
    struct gc_req *head, *tail;        /* waiting batches, in arrival order */
};

void mdlg__ledger_group_init(struct mdlg__ledger_group *g);
void mdlg__ledger_group_destroy(struct mdlg__ledger_group *g);
/* ops->record for this batch, in one transaction with the batches queued beside it. */
mdlg_err mdlg__ledger_group_record(struct mdlg__ledger_group *g,
                                   const struct mdlg__ledger_ops *ops, void *impl,
                                   struct mdlg_ledger_entry *e, size_t n,
                                   mdlg_ledger_decide_fn decide, void *arg);

/* Opens the SQLite backend on a file path (options with defaults filled in). */
mdlg_err mdlg__ledger_sqlite_open(const char *path, const struct mdlg_ledger_options *opt,
                                  int64_t now, const struct mdlg__ledger_ops **ops,
                                  void **impl);

/* Opens the PostgreSQL backend on a libpq URL (postgres:// or postgresql://). */
mdlg_err mdlg__ledger_pg_open(const char *url, const struct mdlg_ledger_options *opt,
                              int64_t now, const struct mdlg__ledger_ops **ops, void **impl);

#endif
