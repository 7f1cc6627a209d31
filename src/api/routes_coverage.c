/*
 * routes_coverage.c - the state coverage table (mdlg/coverage.h) over HTTP:
 *
 *   GET /v1/coverage          {"jurisdictions": [...56 entries...], "summary": {...}}
 *   GET /v1/coverage/{code}   one entry; {code} is "CA", "US-CA" or "California"
 *                             (any case; an alias of the data also works)
 *
 * The JSON is the one of `mdlgate coverage --format json` (mdlg/coverage_json.h,
 * state-coverage/schema.json), built from the embedded table, which is
 * immutable and shared by every request.
 */
#include <jansson.h>

#include "api_internal.h"
#include "mdlg/coverage.h"
#include "mdlg/coverage_json.h"

/* The built-in table, or NULL after replying with the error. */
static const struct mdlg_coverage *table(struct mdlg_api_req *r)
{
    const struct mdlg_coverage *t = NULL;
    mdlg_err e = mdlg_coverage_builtin(&t);
    if (e != MDLG_E_OK) {
        mdlg_api_reply_error(r, e, "the built-in coverage table is unusable");
        return NULL;
    }
    return t;
}

static void get_coverage(struct mdlg_api_req *r)
{
    const struct mdlg_coverage *t = table(r);
    if (t != NULL)
        mdlg_api_reply_json(r, 200, mdlg_coverage_json(t, NULL));
}

static void get_coverage_one(struct mdlg_api_req *r)
{
    const struct mdlg_coverage *t = table(r);
    const char *q = r->match.params[0];
    if (t == NULL)
        return;
    const struct mdlg_cov_entry *e = mdlg_coverage_find(t, q);
    if (e == NULL) {
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND,
                             "unknown jurisdiction '%s': give a US state, district or territory "
                             "by code (CA, US-CA) or name (California); GET /v1/coverage lists "
                             "all %zu", q, mdlg_coverage_count(t));
        return;
    }
    mdlg_api_reply_json(r, 200, mdlg_coverage_entry_json(e));
}

static const struct mdlg_api_route routes[] = {
    { "GET", "/v1/coverage", 0, get_coverage },
    { "GET", "/v1/coverage/{code}", 0, get_coverage_one },
};

const struct mdlg_api_route_group mdlg_api_routes_coverage = {
    "coverage", routes, sizeof routes / sizeof routes[0],
};
