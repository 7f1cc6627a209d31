/*
 * requests_internal.h - shared by routes_requests.c (routes, GET, CORS),
 * requests_create.c (POST /v1/requests), requests_response.c
 * (POST /v1/requests/{id}/response) and requests_object.c
 * (GET /v1/requests/{id}/request-object).
 *
 * What a request stores (include/mdlg/store.h):
 *   protocol      the offered protocols, comma-separated, in the caller's order
 *   doctype       the doctype asked for
 *   elements_json the "request record", JSON:
 *                   {"elements": {ns: [element, ...]},
 *                    "encryption_info": "<b64url>"   (org-iso-mdoc: the exact string sent),
 *                    "response_uri_base": "<url>"    (redirect without an explicit response_uri)}
 *   origin        the web origin (DC API protocols)
 *   client_id, response_uri   explicit values for the redirect flow, else ""
 *                 (then response_uri = base + "/v1/requests/<id>/response" and
 *                 client_id = "redirect_uri:" + response_uri)
 *   reader_key    a 32-byte seed; each flow's P-256 key is derived from it
 *                 (mdlg_reader_key_derive)
 */
#ifndef MDLG_API_REQUESTS_INTERNAL_H
#define MDLG_API_REQUESTS_INTERNAL_H

#include <jansson.h>

#include "api_internal.h"
#include "mdlg/present.h"
#include "mdlg/store.h"
#include "mdlg/transcript.h"

#define RQ_PROTO_OID4VP_DCAPI 1u     /* "openid4vp-v1-unsigned", response_mode dc_api.jwt */
#define RQ_PROTO_ANNEXC 2u           /* "org-iso-mdoc" */
#define RQ_PROTO_OID4VP_REDIRECT 4u  /* "openid4vp-v1-redirect", response_mode direct_post.jwt */
#define RQ_PROTO_OID4VP_SIGNED 8u    /* "openid4vp-v1-signed": dc_api.jwt, signed request object */
#define RQ_N_PROTOCOLS 4

/* The DCQL credential query id mdlgate uses. */
#define RQ_DCQL_ID "mdl"
#define RQ_DEFAULT_TTL 300
#define RQ_MAX_TTL 3600
#define RQ_URL_MAX (MDLG_STORE_RESPONSE_URI_MAX + 1)
/*
 * Body limit of POST /v1/requests (413 beyond, counted during upload): the
 * largest valid create (64 elements and 16 namespaces of 128 bytes, a
 * client_id and response_uri) is under 14 KiB.
 */
#define RQ_CREATE_BODY_MAX (16u * 1024u)

/* Protocol name <-> bit (0 if unknown). */
unsigned rq_protocol_bit(const char *name);
const char *rq_protocol_name(unsigned bit);
/* Bits of a stored comma-separated list. */
unsigned rq_protocols_of(const char *csv);

/*
 * The redirect flow's effective response_uri and client_id: the explicit
 * values when given ("" otherwise), else base + "/v1/requests/<id>/response"
 * and "redirect_uri:" + that response_uri.
 */
void rq_redirect_ids(const char *id, const char *explicit_uri, const char *explicit_client_id,
                     const char *base, char response_uri[RQ_URL_MAX], char client_id[RQ_URL_MAX]);

/* Public JWK {"kty","crv","x","y","use":"enc","alg":"ECDH-ES","kid"} of a P-256 key (new ref). */
json_t *rq_jwk(const mdlg_pkey *k);
/* RFC 7638 thumbprint of that JWK. */
mdlg_err rq_thumbprint(const mdlg_pkey *k, uint8_t out[MDLG_JWK_THUMBPRINT_LEN]) MDLG_WARN_UNUSED;

/* The OpenID4VP request parameters (DC API data / redirect request) (new ref). */
json_t *rq_oid4vp_params(const char *doctype, const char *nonce, const json_t *elements,
                         const mdlg_pkey *k, const char *response_mode);

/*
 * The redirect flow's parameters: rq_oid4vp_params (direct_post.jwt, the
 * response key derived from seed) plus client_id and response_uri (new ref).
 */
json_t *rq_redirect_params(const char *doctype, const char *nonce, const json_t *elements,
                           const uint8_t seed[MDLG_READER_SEED_LEN], const char *client_id,
                           const char *response_uri);

/*
 * The signed request object (JWS ES256, x5c, typ oauth-authz-req+jwt) of
 * params with the reader identity of s: client_id added (malloc'd; NULL if
 * s has no reader or on failure).
 */
char *rq_sign_request(const mdlg_api_snapshot *s, json_t *params);

/*
 * The request the route's {id} names, at now (malloc'd; free with rq_free),
 * or NULL after replying 404 NOT_FOUND / 503 STORE_UNAVAILABLE / the store's
 * error.
 */
struct mdlg_request *rq_load(struct mdlg_api_req *r, int64_t now);
/* Wipes (reader key included) and frees; NULL is fine. */
void rq_free(struct mdlg_request *req);

/* Request record parsed from req->elements_json (new ref), NULL if it does not parse. */
json_t *rq_record(const struct mdlg_request *req);

/* The handlers. */
void mdlg_api_post_requests(struct mdlg_api_req *r);
void mdlg_api_post_response(struct mdlg_api_req *r);
void mdlg_api_get_request_object(struct mdlg_api_req *r);   /* requests_object.c */

#endif
