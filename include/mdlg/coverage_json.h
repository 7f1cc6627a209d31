/*
 * coverage_json.h - the JSON form of the coverage table (mdlg/coverage.h),
 * for `mdlgate coverage --format json`, GET /v1/coverage[/{code}] and the
 * "coverage" member of a verdict's document. state-coverage/schema.json
 * describes it; state-coverage/README.md explains every field.
 *
 * Each function returns a new reference (the caller json_decref()s it), or
 * NULL when memory runs out. Only src/json, src/cli and src/api may use
 * jansson; this header only forward-declares its json_t.
 */
#ifndef MDLG_COVERAGE_JSON_H
#define MDLG_COVERAGE_JSON_H

#include "mdlg/coverage.h"

struct json_t;   /* jansson's json_t */

/* One jurisdiction: every field of the data (null where the data has none),
 * "iaca_roots", "sources" and the "fallback" that applies. */
struct json_t *mdlg_coverage_entry_json(const struct mdlg_cov_entry *e);

/* The summary figures of the whole table (mdlg_coverage_summary), with
 * their definitions and the census reference total. */
struct json_t *mdlg_coverage_summary_json(const struct mdlg_coverage *t);

/* {"jurisdictions": [...], "summary": {...}}: every entry, or only `only`
 * when it is not NULL (the summary always covers the whole table). */
struct json_t *mdlg_coverage_json(const struct mdlg_coverage *t,
                                  const struct mdlg_cov_entry *only);

#endif
