/*
 * requests_response.c - POST /v1/requests/{id}/response: the wallet's
 * answer (public route: the unguessable id and single use protect it).
 *
 *   1. the body's shape is checked (nothing is consumed for a malformed one):
 *      application/json {"protocol": P, "data": {"response": S} | {"vp_token": {...}}}
 *      application/x-www-form-urlencoded response=JWE | vp_token=JSON (redirect flow)
 *   2. the request is consumed atomically: 404 NOT_FOUND, 409 STORE_CONFLICT,
 *      410 STORE_EXPIRED;
 *   3. the SessionTranscript is rebuilt from what was stored (never from the
 *      wallet), the answer decrypted (HPKE for org-iso-mdoc with info = the
 *      transcript; JWE ECDH-ES for dc_api.jwt / direct_post.jwt), the
 *      DeviceResponse taken from vp_token and verified with the current
 *      snapshot's trust at the current time;
 *   4. the verdict is checked against the request (mdlg_present_match: a
 *      document of another doctype, elements not asked for) and gets
 *      "missing_elements" (asked for, withheld) per document;
 *   5. the verdict (+ "request_id") is stored, full and redacted, and
 *      returned with 200, valid or not. An answer that cannot be decrypted
 *      or decoded gets 400 with its code; a verdict naming that code is
 *      stored too, so GET /v1/requests/{id} tells why.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdlg/jwe.h"
#include "mdlg/mdoc.h"
#include "mdlg/verdict.h"
#include "requests_internal.h"

/* The parts of a wallet answer (all owned). */
struct resp_in {
    unsigned proto;
    char *response;          /* compact JWE, or base64url EncryptedResponse */
    json_t *vp_token;        /* plaintext vp_token (refused: mdlgate asks for encryption) */
};

static void resp_in_free(struct resp_in *in)
{
    free(in->response);
    json_decref(in->vp_token);
}

/* ---- step 1: the body ---- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decoded value of form field `name` (malloc'd), NULL if absent or badly encoded. */
static char *form_field(const char *body, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        if (end - i > nl && memcmp(body + i, name, nl) == 0 && body[i + nl] == '=') {
            char *out = malloc(end - i), *o = out;
            for (size_t k = i + nl + 1; out && k < end; k++) {
                int h = 0, l = 0;
                if (body[k] == '%' && (k + 2 >= end || (h = hexval(body[k + 1])) < 0 ||
                                       (l = hexval(body[k + 2])) < 0 || (h == 0 && l == 0))) {
                    free(out);
                    return NULL;
                }
                *o++ = body[k] == '+' ? ' ' : body[k] == '%' ? (char)(h * 16 + l) : body[k];
                k += body[k] == '%' ? 2 : 0;
            }
            if (out)
                *o = '\0';
            return out;
        }
        i = end + 1;
    }
    return NULL;
}

static mdlg_err form_in(struct mdlg_api_req *r, struct resp_in *in)
{
    char *vp = form_field((const char *)r->body, r->body_len, "vp_token");
    in->proto = RQ_PROTO_OID4VP_REDIRECT;
    in->response = form_field((const char *)r->body, r->body_len, "response");
    if (vp)
        in->vp_token = json_loads(vp, JSON_REJECT_DUPLICATES, NULL);
    free(vp);
    return in->response || in->vp_token ? MDLG_E_OK : MDLG_E_RESPONSE_MALFORMED;
}

static mdlg_err json_in(struct mdlg_api_req *r, struct resp_in *in)
{
    json_t *root = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    json_t *data = json_object_get(root, "data");
    json_t *resp = json_object_get(data, "response"), *vp = json_object_get(data, "vp_token");
    mdlg_err e = MDLG_E_OK;
    if (root == NULL)
        e = MDLG_E_JSON_MALFORMED;
    else if ((in->proto = rq_protocol_bit(json_string_value(json_object_get(root, "protocol")))) ==
                 0 || !json_is_object(data) || (resp && !json_is_string(resp)) ||
             (vp && !json_is_object(vp)) || (!resp && !vp))
        e = MDLG_E_RESPONSE_MALFORMED;
    else {
        in->response = resp ? strdup(json_string_value(resp)) : NULL;
        in->vp_token = json_incref(vp);
    }
    json_decref(root);
    return e;
}

/* ---- step 3: transcript, decryption, DeviceResponse ---- */

/* The flow's reader key and the SessionTranscript rebuilt from the stored request. */
static mdlg_err transcript_for(const struct mdlg_request *req, const json_t *rec, unsigned proto,
                               struct mdlg_cbor_buf *t, mdlg_pkey **k)
{
    uint8_t th[MDLG_JWK_THUMBPRINT_LEN];
    char ru[RQ_URL_MAX], ci[RQ_URL_MAX];
    enum mdlg_reader_slot slot = proto == RQ_PROTO_ANNEXC ? MDLG_READER_SLOT_ANNEXC_HPKE
                               : proto == RQ_PROTO_OID4VP_REDIRECT ? MDLG_READER_SLOT_REDIRECT_JWE
                                                                   : MDLG_READER_SLOT_DCAPI_JWE;
    if (req->reader_key_len != MDLG_READER_SEED_LEN || rec == NULL)
        return MDLG_E_STORE_CORRUPT;
    mdlg_err e = mdlg_reader_key_derive(req->reader_key, slot, k);
    if (e == MDLG_E_OK && proto != RQ_PROTO_ANNEXC)
        e = rq_thumbprint(*k, th);
    if (e != MDLG_E_OK)
        return e;
    if (proto == RQ_PROTO_OID4VP_DCAPI || proto == RQ_PROTO_OID4VP_SIGNED)   /* origin, not client_id */
        return mdlg_transcript_oid4vp_dcapi_1_0(t, req->origin, req->nonce, th);
    if (proto == RQ_PROTO_ANNEXC) {
        const char *ei = json_string_value(json_object_get(rec, "encryption_info"));
        return ei ? mdlg_transcript_iso7_annex_c(t, ei, req->origin) : MDLG_E_STORE_CORRUPT;
    }
    rq_redirect_ids(req->id, req->response_uri, req->client_id,
                    json_string_value(json_object_get(rec, "response_uri_base")), ru, ci);
    return mdlg_transcript_oid4vp_1_0(t, ci, req->nonce, th, ru);
}

/* vp_token {"mdl": ["<b64url DeviceResponse>"]} -> the bytes (malloc'd). */
static mdlg_err vp_token_bytes(const json_t *vp, uint8_t **dr, size_t *len)
{
    json_t *v = json_object_get(vp, RQ_DCQL_ID);
    if (json_is_array(v) && json_array_size(v) == 1)
        v = json_array_get(v, 0);
    const char *s = json_string_value(v);
    if (s == NULL || !mdlg_api_b64url_decode(s, strlen(s), dr, len))
        return MDLG_E_RESPONSE_MALFORMED;
    return MDLG_E_OK;
}

/* OpenID4VP: the JWE's payload {"vp_token": {...}} -> DeviceResponse bytes. */
static mdlg_err oid4vp_open(const struct resp_in *in, const mdlg_pkey *k, uint8_t **dr,
                            size_t *len)
{
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    if (in->response == NULL)
        return in->vp_token ? MDLG_E_RESPONSE_NOT_ENCRYPTED : MDLG_E_RESPONSE_MALFORMED;
    mdlg_err e = mdlg_jwe_decrypt_compact(k, in->response, strlen(in->response), &pt, &ptlen,
                                          NULL, NULL);
    if (e != MDLG_E_OK)
        return e;
    json_t *payload = json_loadb((const char *)pt, ptlen, JSON_REJECT_DUPLICATES, NULL);
    e = payload ? vp_token_bytes(json_object_get(payload, "vp_token"), dr, len)
                : MDLG_E_RESPONSE_MALFORMED;
    json_decref(payload);
    free(pt);
    return e;
}

static mdlg_err annexc_open(const struct resp_in *in, const mdlg_pkey *k, struct mdlg_bytes t,
                            uint8_t **dr, size_t *len)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    if (in->response == NULL)
        return MDLG_E_RESPONSE_MALFORMED;
    if (!mdlg_api_b64url_decode(in->response, strlen(in->response), &raw, &n))
        return MDLG_E_DECRYPT_MALFORMED;
    mdlg_err e = mdlg_annexc_open(k, (struct mdlg_bytes){ raw, n }, t, dr, len);
    free(raw);
    return e;
}

/* ---- step 4: verdicts ---- */

/* The verdict without element values: names kept, values null; "redacted": true. */
static char *redacted_text(const json_t *verdict)
{
    json_t *v = json_deep_copy(verdict), *doc, *els, *ns;
    const char *nsname, *el;
    void *tmp;
    size_t i;
    json_array_foreach(json_object_get(v, "documents"), i, doc) {
        els = json_object_get(doc, "elements");
        json_object_foreach(els, nsname, ns) {
            json_object_foreach_safe(ns, tmp, el, (json_t *){ NULL })
                json_object_set_new(ns, el, json_null());
        }
    }
    if (v)
        json_object_set_new(v, "redacted", json_true());
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return text;
}

static void store_verdict(mdlg_store *st, const char *id, json_t *verdict)
{
    char *full = json_dumps(verdict, JSON_COMPACT), *red = redacted_text(verdict);
    if (full == NULL || red == NULL ||
        mdlg_store_verdict_put(st, id, full, red, time(NULL)) != MDLG_E_OK)
        mdlg_api_log_event("verdict_not_stored", id);
    free(full);
    free(red);
}

/* A verdict for an answer that never reached verification (stored; the reply is 400). */
static void fail_after_consume(struct mdlg_api_req *r, const char *id, mdlg_err e,
                               const char *what)
{
    char at[21];
    mdlg_format_rfc3339(time(NULL), at);
    json_t *v = json_pack("{s:b, s:s, s:s, s:[{s:s, s:s}], s:[], s:s}", "valid", 0,
                          "verified_at", at, "policy",
                          r->snap->cfg.policy == MDLG_POLICY_LENIENT ? "lenient" : "strict",
                          "errors", "code", mdlg_err_name(e), "detail", what, "documents",
                          "request_id", id);
    if (v)
        store_verdict(mdlg_api_store(r), id, v);
    json_decref(v);
    r->verdict = mdlg_err_name(e);
    mdlg_api_reply_error(r, e, "%s", what);
}

/* First error code of a verdict (static name) for the log and metrics. */
static mdlg_err first_code(const struct mdlg_result *res)
{
    if (res->n_errors)
        return res->errors[0].code;
    for (size_t d = 0; d < res->n_docs; d++)
        if (res->docs[d].n_errors)
            return res->docs[d].errors[0].code;
    return MDLG_E_OK;
}

/* The stored request's elements {ns: [id, ...]} as views into rec. */
static size_t requested_elements(const json_t *rec, struct mdlg_present_element *el, size_t cap)
{
    const char *ns;
    json_t *ids, *id;
    size_t i, n = 0;
    json_object_foreach(json_object_get(rec, "elements"), ns, ids) {
        json_array_foreach(ids, i, id)
            if (n < cap && json_is_string(id))
                el[n++] = (struct mdlg_present_element){ ns, json_string_value(id) };
    }
    return n;
}

/*
 * "missing_elements": [{"namespace", "element"}] on each document of the
 * requested doctype: what was asked for and withheld (not an error).
 */
static void add_missing(json_t *v, const struct mdlg_result *res, const char *doctype,
                        const struct mdlg_present_element *el, size_t n)
{
    json_t *docs = json_object_get(v, "documents");
    for (size_t d = 0; d < res->n_docs && d < json_array_size(docs); d++) {
        json_t *miss = json_array();
        if (miss == NULL || !mdlg_bytes_eq_str(res->docs[d].doctype, doctype)) {
            json_decref(miss);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (!mdlg_present_disclosed(&res->docs[d], &el[i]))
                json_array_append_new(miss, json_pack("{s:s, s:s}", "namespace", el[i].ns,
                                                      "element", el[i].id));
        json_object_set_new(json_array_get(docs, d), "missing_elements", miss);
    }
}

static void verdict_reply(struct mdlg_api_req *r, const struct mdlg_request *req,
                          const struct mdlg_result *res, mdlg_err code,
                          const struct mdlg_present_element *el, size_t n)
{
    json_t *v = mdlg_verdict_json(res);
    r->verdict = res->valid ? "valid" : code != MDLG_E_OK ? mdlg_err_name(code) : "invalid";
    if (v)
        add_missing(v, res, req->doctype, el, n);
    if (v && json_object_set_new(v, "request_id", json_string(req->id)) == 0) {
        store_verdict(mdlg_api_store(r), req->id, v);
        mdlg_api_request_seal_screening(r, req->id, v, res);
    }
    mdlg_api_reply_json(r, 200, v);
}

/* Verifies dr, checks it against the request (doctype, elements) and answers. */
static void verify_and_answer(struct mdlg_api_req *r, const struct mdlg_request *req,
                              const json_t *rec, const uint8_t *dr, size_t len,
                              struct mdlg_bytes transcript)
{
    struct mdlg_present_element el[MDLG_PRESENT_MAX_ELEMENTS];
    size_t n = requested_elements(rec, el, MDLG_PRESENT_MAX_ELEMENTS);
    struct mdlg_result res;
    struct mdlg_verify_opts o;
    struct mdlg_status_source status;
    mdlg_api_verify_opts(r->snap, &o, &status);
    o.transcript = transcript;
    int64_t t0 = mdlg_api_now_ns();
    mdlg_err e = mdlg_verify(dr, len, &o, &res);
    r->verify_ms = (double)(mdlg_api_now_ns() - t0) / 1e6;
    if (e != MDLG_E_OK) {
        fail_after_consume(r, req->id, e, "could not verify");
        return;
    }
    mdlg_present_match(&res, req->doctype, el, n);
    mdlg_err code = first_code(&res);
    mdlg_api_metrics_verify(r->verify_ms, res.valid, &code, code != MDLG_E_OK);
    if (res.n_docs == 0 && res.n_errors > 0 && mdlg_err_is_malformed(code))
        fail_after_consume(r, req->id, code, "the DeviceResponse is not well-formed CBOR");
    else
        verdict_reply(r, req, &res, code, el, n);
    mdlg_result_free(&res);
}

/* ---- the handler ---- */

static void answer_consumed(struct mdlg_api_req *r, const struct mdlg_request *req,
                            const struct resp_in *in)
{
    struct mdlg_cbor_buf t;
    mdlg_pkey *k = NULL;
    uint8_t *dr = NULL;
    size_t len = 0;
    json_t *rec = rq_record(req);
    mdlg_err e = MDLG_E_RESPONSE_PROTOCOL_MISMATCH;
    mdlg_cbor_buf_init(&t, NULL, 0);
    if (rq_protocols_of(req->protocol) & in->proto)
        e = transcript_for(req, rec, in->proto, &t, &k);
    if (e == MDLG_E_OK && in->proto == RQ_PROTO_ANNEXC)
        e = annexc_open(in, k, mdlg_cbor_buf_bytes(&t), &dr, &len);
    else if (e == MDLG_E_OK)
        e = oid4vp_open(in, k, &dr, &len);
    if (e == MDLG_E_OK)
        verify_and_answer(r, req, rec, dr, len, mdlg_cbor_buf_bytes(&t));
    else
        fail_after_consume(r, req->id, e,
                           e == MDLG_E_RESPONSE_PROTOCOL_MISMATCH
                               ? "this request did not offer that protocol"
                               : "the answer could not be decrypted or decoded");
    free(dr);
    mdlg_pkey_free(k);
    mdlg_cbor_buf_free(&t);
    json_decref(rec);
}

void mdlg_api_post_response(struct mdlg_api_req *r)
{
    struct resp_in in = { 0 };
    struct mdlg_request *req = malloc(sizeof *req);
    mdlg_store *st = mdlg_api_store(r);
    mdlg_err e = mdlg_api_content_type_is(r, "application/x-www-form-urlencoded") ? form_in(r, &in)
               : mdlg_api_content_type_is(r, "application/json") ? json_in(r, &in)
                                                                  : MDLG_E_UNSUPPORTED_MEDIA_TYPE;
    if (e == MDLG_E_OK)
        e = st == NULL ? MDLG_E_STORE_UNAVAILABLE : req == NULL ? MDLG_E_NO_MEMORY
          : mdlg_store_request_consume(st, r->match.params[0], time(NULL), req);
    if (e == MDLG_E_OK)
        answer_consumed(r, req, &in);
    else if (e == MDLG_E_STORE_NOT_FOUND)
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such request");
    else
        mdlg_api_reply_error(r, e, "%s",
                             e == MDLG_E_STORE_CONFLICT ? "this request was already answered"
                             : e == MDLG_E_STORE_EXPIRED ? "this request has expired"
                             : e == MDLG_E_UNSUPPORTED_MEDIA_TYPE
                                 ? "send application/json or application/x-www-form-urlencoded"
                                 : "the answer is not usable");
    if (req)
        mdlg_request_wipe(req);
    free(req);
    resp_in_free(&in);
}
