/*
 * coverage_fmt.h - CSV and table output of `mdlgate coverage`.
 */
#ifndef MDLG_CLI_COVERAGE_FMT_H
#define MDLG_CLI_COVERAGE_FMT_H

#include <stdio.h>

#include "mdlg/coverage.h"

/*
 * CSV (RFC 4180, header row, CRLF-free "\n" lines): one row per entry, or
 * only `only` when not NULL. Multi-valued columns join with " ; ".
 */
void mdlg_cli_coverage_csv(FILE *f, const struct mdlg_coverage *t,
                           const struct mdlg_cov_entry *only);

/*
 * Aligned text for people: the table (or, for `only`, every field of that
 * entry), the fallback legend, then the summary figures of the whole table.
 */
void mdlg_cli_coverage_table(FILE *f, const struct mdlg_coverage *t,
                             const struct mdlg_cov_entry *only);

#endif
