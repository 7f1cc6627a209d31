/*
 * requests_object.c - GET /v1/requests/{id}/request-object: the signed
 * request object of an openid4vp-v1-redirect request, by reference
 * (OpenID4VP 1.0 §5.10 `request_uri`, method GET). Public like the response
 * route: the unguessable id is the capability, and it answers only while the
 * request is pending. The object is rebuilt from what the store holds (the
 * same parameters as the one returned at creation) and signed again.
 * see requests_internal.h
 */
#include <string.h>
#include <time.h>

#include "mdlg/reader.h"
#include "requests_internal.h"

/* Rebuilds and signs the redirect request object of req (malloc'd JWS, NULL on failure). */
static char *rebuild(const mdlg_api_snapshot *s, const struct mdlg_request *req)
{
    char ru[RQ_URL_MAX], ci[RQ_URL_MAX], *jws = NULL;
    json_t *rec = rq_record(req), *params = NULL;
    if (rec == NULL || req->reader_key_len != MDLG_READER_SEED_LEN)
        goto done;
    rq_redirect_ids(req->id, req->response_uri, req->client_id,
                    json_string_value(json_object_get(rec, "response_uri_base")), ru, ci);
    params = rq_redirect_params(req->doctype, req->nonce, json_object_get(rec, "elements"),
                                req->reader_key, ci, ru);
    if (params)
        jws = rq_sign_request(s, params);
done:
    json_decref(params);
    json_decref(rec);
    return jws;
}

/*
 * 404 unless the request exists, offers the redirect flow and is signed;
 * 409 / 410 once answered / expired (as the response route); 410 too when
 * the reader certificate was replaced since (its client_id would differ from
 * the one the answer is bound to); 503 when the certificate is outside its
 * validity.
 */
static void reply_object(struct mdlg_api_req *r, const struct mdlg_request *req, int64_t now)
{
    const mdlg_api_snapshot *s = r->snap;
    const char *why;
    char *jws;
    if (!(rq_protocols_of(req->protocol) & RQ_PROTO_OID4VP_REDIRECT) || s->reader == NULL ||
        strncmp(req->client_id, "x509_", 5) != 0)
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "this request has no signed request object");
    else if (req->state == MDLG_REQUEST_COMPLETED)
        mdlg_api_reply_error(r, MDLG_E_STORE_CONFLICT, "this request was already answered");
    else if (req->state == MDLG_REQUEST_EXPIRED)
        mdlg_api_reply_error(r, MDLG_E_STORE_EXPIRED, "this request has expired");
    else if (strcmp(req->client_id, s->reader_client_id) != 0)
        mdlg_api_reply_error(r, MDLG_E_STORE_EXPIRED, "the reader certificate was replaced "
                                                      "since this request was made");
    else if (mdlg_reader_id_check_time(s->reader, now, &why) != MDLG_E_OK)
        mdlg_api_reply_error(r, MDLG_E_READER_CERT_INVALID, "%s", why);
    else if ((jws = rebuild(s, req)) == NULL)
        mdlg_api_reply_error(r, MDLG_E_NO_MEMORY, "cannot build the request object");
    else
        mdlg_api_reply_buf(r, 200, "application/oauth-authz-req+jwt", jws, strlen(jws));
}

void mdlg_api_get_request_object(struct mdlg_api_req *r)
{
    int64_t now = time(NULL);
    struct mdlg_request *req = rq_load(r, now);
    if (req)
        reply_object(r, req, now);
    rq_free(req);
}
