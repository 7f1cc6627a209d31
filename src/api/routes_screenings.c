/*
 * routes_screenings.c - claim screening over HTTP (mdlg/screen.h, README
 * "Screening claims"):
 *
 *   POST /v1/screenings        (API key)  a claim as a JSON object whose members
 *                                         are the CSV columns -> 201 the result;
 *                                         a retry (same claim_id and content) ->
 *                                         200 the stored one; same claim_id, other
 *                                         content -> 409 CLAIM_ID_CONFLICT
 *   GET  /v1/screenings/{id}   (API key)  the stored result (404 unknown/expired)
 *   GET  /v1/clusters          (API key)  ?limit=N&min_claims=N&type=NAME: the
 *                                         largest groups of screenings sharing a
 *                                         hashed key (hashes, ids and counts only)
 *
 * Without a screener (screening not configured) every route answers 503
 * SCREENING_DISABLED. Nothing here logs, and no error detail carries a value
 * of the claim: only member names and static reasons.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "mdlg/ident.h"
#include "mdlg/screen.h"
#include "mdlg/store.h"

#define SCREENING_BODY_MAX (64u * 1024u)   /* one claim; the CSV record bound */
#define CLUSTERS_MAX 100
#define NAME_ECHO_MAX 32                  /* longest unknown member name quoted back */

/* The screener and ledger, or NULL after replying 503. */
static const struct mdlg_api_services *services(struct mdlg_api_req *r)
{
    const struct mdlg_api_services *s = mdlg_api_services(r);
    if (mdlg_api_screener(r) != NULL && s->ledger != NULL)
        return s;
    mdlg_api_reply_error(r, MDLG_E_SCREENING_DISABLED,
                         "screening is not configured on this server: set MDLGATE_LEDGER_KEY="
                         "ID:HEX64 or give a screening configuration with \"keys\" "
                         "(screening_config, MDLGATE_SCREENING_CONFIG or DATA_DIR/screening.json) "
                         "and restart");
    return NULL;
}

/* True if name is safe to quote in a detail (a short snake_case word). */
static bool quotable(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n <= NAME_ECHO_MAX && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* One member into the claim; false after replying 400. */
static bool claim_member(struct mdlg_api_req *r, const char *name, json_t *v,
                         struct mdlg_claim *c)
{
    int f = mdlg_claim_field_from_name(name, strlen(name));
    if (f < 0) {
        mdlg_api_reply_error(r, MDLG_E_CLAIM_INVALID, "unknown member %s%s%s (see README "
                             "\"Screening claims\" for the fields)", quotable(name) ? "'" : "",
                             quotable(name) ? name : "(not shown)", quotable(name) ? "'" : "");
        return false;
    }
    if (f == MDLG_CF_MDL_VERIFIED && json_is_boolean(v)) {
        c->f[f] = json_is_true(v) ? "true" : "false";
        c->len[f] = strlen(c->f[f]);
        return true;
    }
    if (json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        mdlg_api_reply_error(r, MDLG_E_CLAIM_INVALID, "member '%s' must be a string", name);
        return false;
    }
    c->f[f] = json_string_value(v);
    c->len[f] = json_string_length(v);
    return true;
}

/* The body as a claim whose texts point into *root; false after replying. */
static bool parse_claim(struct mdlg_api_req *r, json_t **root, struct mdlg_claim *c)
{
    json_error_t jerr;
    const char *name;
    json_t *v;
    if (!mdlg_api_content_type_is(r, "application/json")) {
        mdlg_api_reply_error(r, MDLG_E_UNSUPPORTED_MEDIA_TYPE, "send the claim as application/json");
        return false;
    }
    *root = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL) {
        mdlg_api_reply_error(r, MDLG_E_JSON_MALFORMED, "line %d column %d", jerr.line,
                             jerr.column);
        return false;
    }
    if (!json_is_object(*root)) {
        mdlg_api_reply_error(r, MDLG_E_CLAIM_INVALID, "the claim must be a JSON object");
        return false;
    }
    memset(c, 0, sizeof *c);
    json_object_foreach(*root, name, v)
        if (!claim_member(r, name, v, c))
            return false;
    return true;
}

/*
 * Replies to a screened item: 201 with its result, 200 with the stored one if
 * the claim id was screened before with the same content (a retry), 409
 * CLAIM_ID_CONFLICT if with other content, 400 for a bad claim. The first
 * three carry Location: /v1/screenings/{id}.
 */
static void reply_item(struct mdlg_api_req *r, const struct mdlg_screen_item *it)
{
    if (it->id[0] && (it->err == MDLG_E_OK || it->err == MDLG_E_CLAIM_ID_CONFLICT))
        snprintf(r->location, sizeof r->location, "/v1/screenings/%s", it->id);
    if (it->err == MDLG_E_CLAIM_ID_CONFLICT) {
        mdlg_api_reply_error(r, it->err, "claim_id was screened before (screening %s) with "
                             "other content; send a new claim_id for a new claim", it->id);
        return;
    }
    if (it->err != MDLG_E_OK) {
        mdlg_api_reply_error(r, it->err, "%s: %s", it->bad_field ? it->bad_field : "claim",
                             it->bad_reason ? it->bad_reason : "not screened");
        return;
    }
    json_t *j = json_loads(it->json, 0, NULL);
    if (j == NULL)
        mdlg_api_reply_error(r, MDLG_E_INTERNAL, "the screening result is not JSON");
    else
        mdlg_api_reply_json(r, it->claim_seen == MDLG_LEDGER_CLAIM_SAME ? 200 : 201, j);
}

/* Why a request id cannot be used (400 detail), by its state. */
static const char *request_refusal(mdlg_err e, enum mdlg_request_state st)
{
    if (e == MDLG_E_STORE_NOT_FOUND)
        return "no such presentation request (unknown, or removed after its retention)";
    if (st == MDLG_REQUEST_PENDING)
        return "the presentation request has not been answered yet";
    if (st == MDLG_REQUEST_EXPIRED)
        return "the presentation request expired without an answer";
    return "the presentation request's answer holds no mDL data for screening (not a valid "
           "mDL, or answered while screening was off)";
}

/*
 * mdl_request_id: resolves it to the sealed mDL record of that request
 * (claim->mdl_request points into rec); false after replying 400/503.
 */
static bool resolve_request(struct mdlg_api_req *r, struct mdlg_claim *c,
                            uint8_t rec[MDLG_STORE_SCREENING_MAX])
{
    enum mdlg_request_state st = MDLG_REQUEST_PENDING;
    size_t len = 0;
    char id[MDLG_STORE_ID_LEN + 1] = "";
    if (c->f[MDLG_CF_MDL_REQUEST_ID] == NULL || c->len[MDLG_CF_MDL_REQUEST_ID] == 0)
        return true;
    for (int f = MDLG_CF_MDL_VERIFIED; f <= MDLG_CF_MDL_BIRTH_DATE; f++)
        if (c->f[f] != NULL && c->len[f] > 0) {
            mdlg_api_reply_error(r, MDLG_E_CLAIM_INVALID, "mdl_request_id: send either "
                                 "mdl_request_id or the inline mdl_* members, not both");
            return false;
        }
    if (mdlg_api_store(r) == NULL) {
        mdlg_api_reply_error(r, MDLG_E_STORE_UNAVAILABLE, "the request store is not available");
        return false;
    }
    if (c->len[MDLG_CF_MDL_REQUEST_ID] < sizeof id)
        memcpy(id, c->f[MDLG_CF_MDL_REQUEST_ID], c->len[MDLG_CF_MDL_REQUEST_ID]);
    mdlg_err e = mdlg_store_screening_get(mdlg_api_store(r), id, (int64_t)time(NULL), &st, rec,
                                          &len);
    if (e != MDLG_E_OK && e != MDLG_E_STORE_NOT_FOUND) {
        mdlg_api_reply_error(r, e, "the request store could not be read");
        return false;
    }
    if (e != MDLG_E_OK || len == 0) {
        mdlg_api_reply_error(r, MDLG_E_CLAIM_INVALID, "mdl_request_id: %s",
                             request_refusal(e, st));
        return false;
    }
    c->mdl_request = rec;
    c->mdl_request_len = len;
    return true;
}

static void post_screening(struct mdlg_api_req *r)
{
    const struct mdlg_api_services *s = services(r);
    json_t *root = NULL;
    struct mdlg_claim claim;
    struct mdlg_screen_item it = { .claim = &claim };
    uint8_t rec[MDLG_STORE_SCREENING_MAX];
    if (s != NULL && parse_claim(r, &root, &claim) && resolve_request(r, &claim, rec)) {
        mdlg_err e = mdlg_screen_batch(mdlg_api_screener(r), &it, 1, (int64_t)time(NULL));
        if (e != MDLG_E_OK)
            mdlg_api_reply_error(r, e, "the claim could not be screened");
        else
            reply_item(r, &it);
        mdlg_screen_items_free(&it, 1);
    }
    json_decref(root);
    if (r->body != NULL)
        sodium_memzero(r->body, r->body_len);   /* the raw identifiers */
}

static void get_screening(struct mdlg_api_req *r)
{
    const struct mdlg_api_services *s = services(r);
    char claim_id[MDLG_LEDGER_CLAIM_ID_MAX + 1];
    char *result = NULL;
    if (s == NULL)
        return;
    mdlg_err e = mdlg_ledger_get(s->ledger, r->match.params[0], (int64_t)time(NULL), &result,
                                 claim_id);
    if (e == MDLG_E_STORE_NOT_FOUND) {
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such screening (unknown or past its "
                             "retention)");
        return;
    }
    if (e != MDLG_E_OK) {
        mdlg_api_reply_error(r, e, "the ledger could not be read");
        return;
    }
    json_t *j = json_loads(result, 0, NULL);
    free(result);
    if (j == NULL)
        mdlg_api_reply_error(r, MDLG_E_STORE_CORRUPT, "the stored result is not JSON");
    else
        mdlg_api_reply_json(r, 200, j);
}

/* Query argument `name` as an integer in lo..hi (def if absent); false after replying 400. */
static bool query_uint(struct mdlg_api_req *r, const char *name, unsigned lo, unsigned hi,
                       unsigned def, unsigned *out)
{
    const char *q = mdlg_api_query(r, name);
    char *end = NULL;
    unsigned long v = q ? strtoul(q, &end, 10) : def;
    if (q && (*q < '0' || *q > '9' || *end != '\0' || v < lo || v > hi)) {
        mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "%s must be an integer from %u to %u",
                             name, lo, hi);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static json_t *cluster_json(const struct mdlg_ledger_cluster *c)
{
    char hex[2 * MDLG_LEDGER_HASH + 1];
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < c->n_sample; i++)
        json_array_append_new(ids, json_string(c->sample[i]));
    sodium_bin2hex(hex, sizeof hex, c->hash, sizeof c->hash);
    const char *type = mdlg_ident_type_name((enum mdlg_ident_type)c->type);
    return json_pack("{s:s, s:i, s:s, s:I, s:I, s:o*}", "type", type ? type : "unknown",
                     "key_id", (int)c->key_id, "hash", hex, "claims", (json_int_t)c->claims,
                     "identities", (json_int_t)c->identities, "screenings", ids);
}

/* The type= filter (0 = every type); false after replying 400. */
static bool query_type(struct mdlg_api_req *r, uint16_t *type)
{
    const char *q = mdlg_api_query(r, "type");
    *type = q ? (uint16_t)mdlg_ident_type_from_name(q) : 0;
    if (q && *type == 0) {
        mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "type must be an identifier type "
                             "(ssn, bank_account, email_mailbox, ...)");
        return false;
    }
    return true;
}

static void get_clusters(struct mdlg_api_req *r)
{
    const struct mdlg_api_services *s = services(r);
    unsigned limit, min_claims;
    uint16_t type;
    size_t n = 0;
    if (s == NULL || !query_uint(r, "limit", 1, CLUSTERS_MAX, 10, &limit) ||
        !query_uint(r, "min_claims", 2, 1000000, 2, &min_claims) || !query_type(r, &type))
        return;
    struct mdlg_ledger_cluster *cl = calloc(limit, sizeof *cl);
    mdlg_err e = cl ? mdlg_ledger_clusters(s->ledger, (int64_t)time(NULL), type, min_claims, cl,
                                           limit, &n)
                    : MDLG_E_NO_MEMORY;
    json_t *arr = e == MDLG_E_OK ? json_array() : NULL;
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, cluster_json(&cl[i]));
    free(cl);
    if (e != MDLG_E_OK)
        mdlg_api_reply_error(r, e, "the ledger could not be read");
    else
        mdlg_api_reply_json(r, 200, json_pack("{s:o*}", "clusters", arr));
}

static const struct mdlg_api_route routes[] = {
    { "POST", "/v1/screenings", MDLG_ROUTE_BODY, post_screening, NULL, SCREENING_BODY_MAX },
    { "GET", "/v1/screenings/{id}", 0, get_screening, NULL, 0 },
    { "GET", "/v1/clusters", 0, get_clusters, NULL, 0 },
};

const struct mdlg_api_route_group mdlg_api_routes_screenings = {
    "screenings", routes, sizeof routes / sizeof routes[0],
};
