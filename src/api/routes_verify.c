/*
 * routes_verify.c - POST /v1/verify: stateless verification of one
 * DeviceResponse against the transcript the caller built.
 *
 *   application/cbor  body = DeviceResponse; transcript in the query
 *                     (transcript_hex=) or the X-Transcript-Hex header;
 *                     optional query at=RFC3339, policy=strict|lenient
 *   application/json  {"device_response": base64url,
 *                      "transcript": {profile JSON} | "transcript_hex": hex,
 *                      "at": RFC3339, "policy": "strict"|"lenient",
 *                      "allow_no_device_auth": bool}
 *
 * 200 with the verdict (valid or not). 400 {"error", "detail"} when the
 * input cannot be verified at all: bad JSON, a missing/bad field or
 * transcript, or a DeviceResponse that is not well-formed CBOR.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "mdlg/mdoc.h"
#include "mdlg/transcript.h"
#include "mdlg/transcript_json.h"
#include "mdlg/verdict.h"

#define MAX_TRANSCRIPT_HEX 16384

/* What a verification needs, gathered from either body form. */
struct verify_in {
    const uint8_t *resp;           /* DeviceResponse bytes */
    size_t resp_len;
    uint8_t *resp_owned;           /* decoded from base64url (JSON form) */
    struct mdlg_cbor_buf transcript;
    struct mdlg_verify_opts o;     /* mdlg_api_verify_opts(), then the request's choices */
    struct mdlg_status_source status;
};

static bool parse_policy(const char *s, enum mdlg_policy *p)
{
    if (strcmp(s, "strict") == 0)
        *p = MDLG_POLICY_STRICT;
    else if (strcmp(s, "lenient") == 0)
        *p = MDLG_POLICY_LENIENT;
    else
        return false;
    return true;
}

static bool parse_at(const char *s, int64_t *t)
{
    bool frac;
    return mdlg_parse_rfc3339(mdlg_bytes_make(s, strlen(s)), true, t, &frac) == MDLG_E_OK &&
           *t > 0;
}

/* Hex transcript -> in->transcript. Replies and returns false on failure. */
static bool transcript_hex(struct mdlg_api_req *r, struct verify_in *in, const char *hex)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    if (strlen(hex) > MAX_TRANSCRIPT_HEX || !mdlg_api_hex_decode(hex, &raw, &n)) {
        mdlg_api_reply_error(r, MDLG_E_TRANSCRIPT_MALFORMED, "transcript_hex is not hex");
        return false;
    }
    mdlg_err e = mdlg_transcript_raw(&in->transcript, raw, n, NULL);
    free(raw);
    if (e != MDLG_E_OK) {
        mdlg_api_reply_error(r, e, "transcript_hex is not a SessionTranscript");
        return false;
    }
    return true;
}

/* Query/header options of the CBOR form. */
static bool cbor_form(struct mdlg_api_req *r, struct verify_in *in)
{
    const char *hex = mdlg_api_query(r, "transcript_hex");
    const char *at = mdlg_api_query(r, "at"), *policy = mdlg_api_query(r, "policy");
    if (hex == NULL)
        hex = mdlg_api_header(r, "X-Transcript-Hex");
    if (at && !parse_at(at, &in->o.now))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "at must be RFC 3339"), false;
    if (policy && !parse_policy(policy, &in->o.policy))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID,
                                    "policy must be strict or lenient"), false;
    if (hex == NULL)
        return mdlg_api_reply_error(r, MDLG_E_TRANSCRIPT_MISSING,
                                    "give transcript_hex in the query or X-Transcript-Hex"), false;
    in->resp = r->body;
    in->resp_len = r->body_len;
    return transcript_hex(r, in, hex);
}

static const char *const json_members[] = { "device_response", "transcript", "transcript_hex",
                                            "at", "policy", "allow_no_device_auth" };

static bool json_member_known(const char *key)
{
    for (size_t i = 0; i < sizeof json_members / sizeof json_members[0]; i++)
        if (strcmp(key, json_members[i]) == 0)
            return true;
    return false;
}

/* Checks member names and types. Replies and returns false on failure. */
static bool json_shape(struct mdlg_api_req *r, json_t *root)
{
    const char *key;
    json_t *v;
    if (!json_is_object(root))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "body must be a JSON object"),
               false;
    json_object_foreach(root, key, v) {
        bool ok = !json_member_known(key) ? false
                  : strcmp(key, "transcript") == 0 ? json_is_object(v)
                  : strcmp(key, "allow_no_device_auth") == 0 ? json_is_boolean(v)
                  : json_is_string(v);
        if (!ok)
            return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "%s: %s", key,
                                        json_member_known(key) ? "wrong type" : "unknown member"),
                   false;
    }
    return true;
}

static bool json_transcript(struct mdlg_api_req *r, struct verify_in *in, json_t *root)
{
    json_t *obj = json_object_get(root, "transcript");
    const char *hex = json_string_value(json_object_get(root, "transcript_hex"));
    char err[256] = "";
    if (obj && hex)
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID,
                                    "give transcript or transcript_hex, not both"), false;
    if (hex)
        return transcript_hex(r, in, hex);
    if (obj) {
        mdlg_err e = mdlg_transcript_from_jansson(obj, &in->transcript, err, sizeof err);
        if (e != MDLG_E_OK)
            return mdlg_api_reply_error(r, e, "transcript: %s", err), false;
        return true;
    }
    if (in->o.allow_no_device_auth)
        return true;
    return mdlg_api_reply_error(r, MDLG_E_TRANSCRIPT_MISSING,
                                "give transcript or transcript_hex"), false;
}

static bool json_options(struct mdlg_api_req *r, struct verify_in *in, json_t *root)
{
    const char *at = json_string_value(json_object_get(root, "at"));
    const char *policy = json_string_value(json_object_get(root, "policy"));
    const char *resp = json_string_value(json_object_get(root, "device_response"));
    in->o.allow_no_device_auth = json_is_true(json_object_get(root, "allow_no_device_auth"));
    if (at && !parse_at(at, &in->o.now))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "at must be RFC 3339"), false;
    if (policy && !parse_policy(policy, &in->o.policy))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID,
                                    "policy must be strict or lenient"), false;
    if (resp == NULL)
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "device_response is required"),
               false;
    if (!mdlg_api_b64url_decode(resp, strlen(resp), &in->resp_owned, &in->resp_len))
        return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID,
                                    "device_response is not base64url"), false;
    in->resp = in->resp_owned;
    return json_transcript(r, in, root);
}

static bool json_form(struct mdlg_api_req *r, struct verify_in *in)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return mdlg_api_reply_error(r, MDLG_E_JSON_MALFORMED, "line %d column %d: %s",
                                    jerr.line, jerr.column, jerr.text), false;
    bool ok = json_shape(r, root) && json_options(r, in, root);
    json_decref(root);
    return ok;
}

/* Error codes of a verdict, for metrics; the first one names it in the log. */
static size_t verdict_codes(const struct mdlg_result *res, mdlg_err *codes, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < res->n_errors && n < max; i++)
        codes[n++] = res->errors[i].code;
    for (size_t d = 0; d < res->n_docs; d++)
        for (size_t i = 0; i < res->docs[d].n_errors && n < max; i++)
            codes[n++] = res->docs[d].errors[i].code;
    return n;
}

static void answer(struct mdlg_api_req *r, const struct mdlg_result *res)
{
    mdlg_err codes[64];
    size_t n = verdict_codes(res, codes, 64);
    mdlg_api_metrics_verify(r->verify_ms, res->valid, codes, n);
    r->verdict = res->valid ? "valid" : n > 0 ? mdlg_err_name(codes[0]) : "invalid";
    /* a DeviceResponse that is not even well-formed CBOR: unusable input */
    if (res->n_docs == 0 && res->n_errors > 0 && mdlg_err_is_malformed(res->errors[0].code)) {
        mdlg_api_reply_error(r, res->errors[0].code, "DeviceResponse: %s at byte %zu",
                             res->errors[0].detail ? res->errors[0].detail : "not usable CBOR",
                             res->errors[0].offset);
        return;
    }
    size_t len = 0;
    char *text = mdlg_verdict_text(res, &len);   /* no jansson tree: the hot path */
    mdlg_api_reply_json_text(r, 200, text, len);
}

static void run(struct mdlg_api_req *r, struct verify_in *in)
{
    struct mdlg_result res;
    in->o.transcript = in->transcript.len ? mdlg_cbor_buf_bytes(&in->transcript)
                                          : (struct mdlg_bytes){ NULL, 0 };
    int64_t t0 = mdlg_api_now_ns();
    mdlg_err e = mdlg_verify(in->resp ? in->resp : (const uint8_t *)"", in->resp_len, &in->o, &res);
    r->verify_ms = (double)(mdlg_api_now_ns() - t0) / 1e6;
    if (e != MDLG_E_OK)
        mdlg_api_reply_error(r, e, "could not verify");
    else
        answer(r, &res);
    mdlg_result_free(&res);
}

static void post_verify(struct mdlg_api_req *r)
{
    struct verify_in in = { 0 };
    bool ok;
    mdlg_api_verify_opts(r->snap, &in.o, &in.status);
    mdlg_cbor_buf_init(&in.transcript, NULL, 0);
    if (mdlg_api_content_type_is(r, "application/cbor"))
        ok = cbor_form(r, &in);
    else if (mdlg_api_content_type_is(r, "application/json"))
        ok = json_form(r, &in);
    else
        ok = (mdlg_api_reply_error(r, MDLG_E_UNSUPPORTED_MEDIA_TYPE,
                                   "send application/cbor or application/json"), false);
    if (ok)
        run(r, &in);
    mdlg_cbor_buf_free(&in.transcript);
    free(in.resp_owned);
}

static const struct mdlg_api_route routes[] = {
    { "POST", "/v1/verify", MDLG_ROUTE_BODY, post_verify },
};

const struct mdlg_api_route_group mdlg_api_routes_verify = {
    "verify", routes, sizeof routes / sizeof routes[0],
};
