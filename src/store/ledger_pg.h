/*
 * ledger_pg.h - the ledger's PostgreSQL backend, shared by its files.
 *
 * ledger_pg.c         open (pool + migrations, component "ledger"), get,
 *                     clusters, purge, the ops table
 * ledger_pg_record.c  mdlg_ledger_record(): one transaction per batch under
 *                     an advisory transaction lock
 *
 * It reuses the store's PostgreSQL layer (store/pg_internal.h): the pool,
 * the query helpers and the migration runner. Two round trips per entry:
 * one statement looks every key of the entry up, one inserts the entry and
 * its keys; the keys travel as array parameters (see ledger_pg_record.c).
 */
#ifndef MDLG_LEDGER_PG_H
#define MDLG_LEDGER_PG_H

#include "store/ledger_internal.h"
#include "store/pg_internal.h"

/* identity, person and aux are stored as 16-byte prefixes, as on SQLite. */
#define MDLG__LP_SIDE 16

/*
 * The advisory lock every ledger writer holds for its transaction
 * (pg_advisory_xact_lock, bigint space: 'ldgr'); the migrations use another.
 */
#define MDLG__LP_WRITE_LOCK "1818519410"

/* Prepared-statement slots (mdlg__pg_query_prepared) of the ledger's connections. */
enum { MDLG__LP_SLOT_LOOKUP, MDLG__LP_SLOT_INSERT, MDLG__LP_SLOT_CLAIM, MDLG__LP_SLOT_GET };

/* The ledger's migrations (component "ledger" in mdlg_migrations). */
extern const struct mdlg__pg_schema mdlg__lp_schema;

/* mdlg__ledger_ops.record for PostgreSQL (impl is the struct pg_pool). */
mdlg_err mdlg__lp_record(void *impl, struct mdlg_ledger_entry *e, size_t n,
                         mdlg_ledger_decide_fn decide, void *arg);

/* Splits "id1,id2,..." (a query's array_to_string) into related ids, at most `cap`. */
mdlg_err mdlg__lp_ids(const char *list, char (*out)[MDLG_LEDGER_ID_LEN + 1], size_t cap,
                      size_t *n);

#endif
