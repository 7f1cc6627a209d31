/*
 * statussource.h - where Status List Tokens come from at verify time
 * (struct mdlg_status_source, mdlg/mdoc.h), tried in this order:
 *   1. a map URI -> local file (`mdlgate verify --status-list URI=FILE`);
 *   2. a cache directory: <dir>/.status/<first 16 hex digits of SHA-256(URI)>.cwt
 *      (what `mdlgate trust sync --status-list URI` would write);
 *   3. if enabled, an HTTP(S) GET of the URI with libcurl (at most
 *      MDLG_MAX_STATUS_TOKEN bytes, 2 s connect, 5 s total).
 * Every token read is bounded by MDLG_MAX_STATUS_TOKEN.
 */
#ifndef MDLG_STATUSSOURCE_H
#define MDLG_STATUSSOURCE_H

#include <stdbool.h>

#include "mdlg/mdoc.h"

typedef struct mdlg_status_files mdlg_status_files;

mdlg_status_files *mdlg_status_files_new(void);
void mdlg_status_files_free(mdlg_status_files *m);

/* Maps uri to a file (both copied). USAGE if either is empty, NO_MEMORY. */
mdlg_err mdlg_status_files_add(mdlg_status_files *m, const char *uri,
                               const char *path) MDLG_WARN_UNUSED;
/* Looks in <dir>/.status/ too (dir copied; NULL turns it off). */
mdlg_err mdlg_status_files_set_dir(mdlg_status_files *m, const char *dir) MDLG_WARN_UNUSED;
/* Allows fetching http/https URIs at verify time. */
void mdlg_status_files_set_fetch(mdlg_status_files *m, bool fetch);

/* The source reading from m (m must outlive it). */
struct mdlg_status_source mdlg_status_files_source(mdlg_status_files *m);

/* Cache file name for uri: 16 hex digits + ".cwt" into out[21]. */
void mdlg_status_cache_name(const char *uri, size_t len, char out[21]);

#endif
