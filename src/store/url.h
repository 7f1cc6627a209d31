/*
 * url.h - how a store or ledger URL names its backend, shared by
 * store_api.c and ledger_api.c so both read URLs the same way.
 *
 *   "sqlite:PATH", "sqlite://PATH" or a plain PATH   SQLite at PATH
 *   "postgres://..." or "postgresql://..."           PostgreSQL
 *   anything else with "://"                          no backend
 */
#ifndef MDLG_STORE_URL_H
#define MDLG_STORE_URL_H

#include <stdbool.h>

/* The file path of a SQLite URL (a view into url), or NULL for another scheme. */
const char *mdlg__url_sqlite_path(const char *url);

/* Whether url names a PostgreSQL database. */
bool mdlg__url_is_postgres(const char *url);

#endif
