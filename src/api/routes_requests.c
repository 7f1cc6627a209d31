/*
 * routes_requests.c - presentation requests (issue 3, "Presentation
 * requests"): the route table, GET /v1/requests/{id}, CORS for the wallet's
 * response route, and the helpers the create and response handlers share.
 * see requests_internal.h
 *
 *   POST /v1/requests                 (API key)  requests_create.c
 *   GET  /v1/requests/{id}            (API key)  state + verdict (element values on the
 *                                                first read only)
 *   POST /v1/requests/{id}/response   (public)   requests_response.c
 *   GET  /v1/requests/{id}/request-object  (public)  requests_object.c (signed redirect
 *                                                request by reference)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdlg/jws.h"
#include "mdlg/mdoc.h"
#include "mdlg/reader.h"
#include "requests_internal.h"

static const struct { unsigned bit; const char *name; } protocols[] = {
    { RQ_PROTO_OID4VP_DCAPI, "openid4vp-v1-unsigned" },
    { RQ_PROTO_ANNEXC, "org-iso-mdoc" },
    { RQ_PROTO_OID4VP_REDIRECT, "openid4vp-v1-redirect" },
    { RQ_PROTO_OID4VP_SIGNED, "openid4vp-v1-signed" },
};
#define N_PROTOCOLS (sizeof protocols / sizeof protocols[0])

unsigned rq_protocol_bit(const char *name)
{
    for (size_t i = 0; name && i < N_PROTOCOLS; i++)
        if (strcmp(name, protocols[i].name) == 0)
            return protocols[i].bit;
    return 0;
}

const char *rq_protocol_name(unsigned bit)
{
    for (size_t i = 0; i < N_PROTOCOLS; i++)
        if (protocols[i].bit == bit)
            return protocols[i].name;
    return NULL;
}

unsigned rq_protocols_of(const char *csv)
{
    unsigned bits = 0;
    char part[MDLG_STORE_PROTOCOL_MAX + 1];
    while (*csv) {
        size_t n = strcspn(csv, ",");
        if (n < sizeof part) {
            memcpy(part, csv, n);
            part[n] = '\0';
            bits |= rq_protocol_bit(part);
        }
        csv += n + (csv[n] == ',');
    }
    return bits;
}

void rq_redirect_ids(const char *id, const char *explicit_uri, const char *explicit_client_id,
                     const char *base, char response_uri[RQ_URL_MAX], char client_id[RQ_URL_MAX])
{
    if (explicit_uri && explicit_uri[0])
        snprintf(response_uri, RQ_URL_MAX, "%s", explicit_uri);
    else
        snprintf(response_uri, RQ_URL_MAX, "%s/v1/requests/%s/response", base ? base : "", id);
    if (explicit_client_id && explicit_client_id[0])
        snprintf(client_id, RQ_URL_MAX, "%s", explicit_client_id);
    else
        snprintf(client_id, RQ_URL_MAX, "redirect_uri:%s", response_uri);
}

char *rq_sign_request(const mdlg_api_snapshot *s, json_t *params)
{
    char *payload, *jws = NULL;
    if (s->reader == NULL ||
        json_object_set_new(params, "client_id", json_string(s->reader_client_id)) != 0 ||
        (payload = json_dumps(params, JSON_COMPACT)) == NULL)
        return NULL;
    if (mdlg_jws_sign(s->reader->key, s->reader->chain, s->reader->n_chain, MDLG_JWS_TYP_REQUEST,
                      payload, &jws) != MDLG_E_OK)
        jws = NULL;
    free(payload);
    return jws;
}

json_t *rq_record(const struct mdlg_request *req)
{
    json_t *j = json_loads(req->elements_json, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(json_object_get(j, "elements"))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* x and y of a P-256 key, base64url (43 characters each). */
static bool jwk_xy(const mdlg_pkey *k, char x64[48], char y64[48])
{
    uint8_t x[66], y[66];
    if (mdlg_pkey_curve(k) != MDLG_CRV_P256 || mdlg_pkey_get_xy(k, x, y) != MDLG_E_OK)
        return false;
    char *a = mdlg_api_b64url_encode(x, 32), *b = mdlg_api_b64url_encode(y, 32);
    bool ok = a && b && strlen(a) < 48 && strlen(b) < 48;
    if (ok) {
        strcpy(x64, a);
        strcpy(y64, b);
    }
    free(a);
    free(b);
    return ok;
}

json_t *rq_jwk(const mdlg_pkey *k)
{
    char x[48], y[48];
    if (!jwk_xy(k, x, y))
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", x,
                     "y", y, "use", "enc", "alg", "ECDH-ES", "kid", "1");
}

mdlg_err rq_thumbprint(const mdlg_pkey *k, uint8_t out[MDLG_JWK_THUMBPRINT_LEN])
{
    char x[48], y[48];
    if (!jwk_xy(k, x, y))
        return MDLG_E_CRYPTO_INTERNAL;
    return mdlg_jwk_thumbprint_ec("P-256", x, y, out);
}

/* DCQL: one mso_mdoc credential query for the doctype, one claim per element. */
static json_t *dcql(const char *doctype, const json_t *elements)
{
    json_t *claims = json_array(), *ids;
    const char *ns;
    size_t i;
    json_t *id;
    json_object_foreach((json_t *)elements, ns, ids) {
        json_array_foreach(ids, i, id)
            json_array_append_new(claims, json_pack("{s:[s,O], s:b}", "path", ns, id,
                                                    "intent_to_retain", 0));
    }
    return json_pack("{s:[{s:s, s:s, s:{s:s}, s:o}]}", "credentials", "id", RQ_DCQL_ID,
                     "format", "mso_mdoc", "meta", "doctype_value", doctype, "claims", claims);
}

static json_t *client_metadata(const mdlg_pkey *k)
{
    json_t *jwk = rq_jwk(k);
    if (jwk == NULL)
        return NULL;
    return json_pack("{s:{s:[o]}, s:[s,s], s:{s:{s:[i,i,i,i], s:[i,i,i,i]}}}",
                     "jwks", "keys", jwk,
                     "encrypted_response_enc_values_supported", "A128GCM", "A256GCM",
                     "vp_formats_supported", "mso_mdoc", "issuerauth_alg_values", -7, -35, -36, -8,
                     "deviceauth_alg_values", -7, -35, -36, -8);
}

json_t *rq_oid4vp_params(const char *doctype, const char *nonce, const json_t *elements,
                         const mdlg_pkey *k, const char *response_mode)
{
    json_t *q = dcql(doctype, elements), *cm = client_metadata(k);
    if (q == NULL || cm == NULL) {
        json_decref(q);
        json_decref(cm);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "response_type", "vp_token", "response_mode",
                     response_mode, "nonce", nonce, "dcql_query", q, "client_metadata", cm);
}

json_t *rq_redirect_params(const char *doctype, const char *nonce, const json_t *elements,
                           const uint8_t seed[MDLG_READER_SEED_LEN], const char *client_id,
                           const char *response_uri)
{
    mdlg_pkey *k = NULL;
    json_t *params = NULL;
    if (mdlg_reader_key_derive(seed, MDLG_READER_SLOT_REDIRECT_JWE, &k) == MDLG_E_OK)
        params = rq_oid4vp_params(doctype, nonce, elements, k, "direct_post.jwt");
    mdlg_pkey_free(k);
    if (params && (json_object_set_new(params, "client_id", json_string(client_id)) != 0 ||
                   json_object_set_new(params, "response_uri", json_string(response_uri)) != 0)) {
        json_decref(params);
        params = NULL;
    }
    return params;
}

/* ---- GET /v1/requests/{id} ---- */

/* The stored verdict as JSON, or JSON null (none yet). */
static json_t *stored_verdict(mdlg_store *st, const char *id, int64_t now)
{
    char *text = NULL;
    bool redacted = false;
    if (mdlg_store_verdict_get(st, id, now, &text, &redacted) != MDLG_E_OK)
        return json_null();
    json_t *v = json_loads(text, 0, NULL);
    free(text);
    return v ? v : json_null();
}

struct mdlg_request *rq_load(struct mdlg_api_req *r, int64_t now)
{
    mdlg_store *st = mdlg_api_store(r);
    struct mdlg_request *req = malloc(sizeof *req);
    mdlg_err e = st == NULL ? MDLG_E_STORE_UNAVAILABLE : req == NULL ? MDLG_E_NO_MEMORY
               : mdlg_store_request_get(st, r->match.params[0], now, req);
    if (e == MDLG_E_OK)
        return req;
    if (e == MDLG_E_STORE_NOT_FOUND)
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such request");
    else
        mdlg_api_reply_error(r, e, "the request store failed");
    rq_free(req);
    return NULL;
}

void rq_free(struct mdlg_request *req)
{
    if (req)
        mdlg_request_wipe(req);
    free(req);
}

static void get_request(struct mdlg_api_req *r)
{
    int64_t now = time(NULL);
    struct mdlg_request *req = rq_load(r, now);
    char exp[21];
    if (req == NULL)
        return;
    mdlg_format_rfc3339(req->expires_at, exp);
    json_t *v = req->state == MDLG_REQUEST_COMPLETED
                    ? stored_verdict(mdlg_api_store(r), req->id, now) : json_null();
    mdlg_api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "id", req->id, "state",
                                          mdlg_request_state_name(req->state), "expires_at",
                                          exp, "verdict", v));
    rq_free(req);
}

/* CORS on the response route: the origin the request was created for. */
static bool response_origin_ok(const struct mdlg_api_req *r, const struct mdlg_api_match *m,
                               const char *origin)
{
    mdlg_store *st = mdlg_api_store(r);
    struct mdlg_request *req = malloc(sizeof *req);
    bool ok = st && req && m->n_params == 1 &&
              mdlg_store_request_get(st, m->params[0], time(NULL), req) == MDLG_E_OK &&
              req->origin[0] && strcmp(req->origin, origin) == 0;
    if (req)
        mdlg_request_wipe(req);
    free(req);
    return ok;
}

static const struct mdlg_api_route routes[] = {
    { "POST", "/v1/requests", MDLG_ROUTE_BODY, mdlg_api_post_requests, NULL, RQ_CREATE_BODY_MAX },
    { "GET", "/v1/requests/{id}", 0, get_request, NULL, 0 },
    /* the wallet's answer (a DeviceResponse with a portrait): the configured max_body */
    { "POST", "/v1/requests/{id}/response", MDLG_ROUTE_BODY | MDLG_ROUTE_PUBLIC,
      mdlg_api_post_response, response_origin_ok, 0 },
    /* the signed redirect request by reference (request_uri), fetched by the wallet */
    { "GET", "/v1/requests/{id}/request-object", MDLG_ROUTE_PUBLIC, mdlg_api_get_request_object,
      NULL, 0 },
};

const struct mdlg_api_route_group mdlg_api_routes_requests = {
    "requests", routes, sizeof routes / sizeof routes[0],
};
