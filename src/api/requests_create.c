/*
 * requests_create.c - POST /v1/requests: validates the caller's JSON, draws
 * the reader-key seed and (for org-iso-mdoc) the EncryptionInfo, stores the
 * request (the store draws the id and the 256-bit nonce) and answers 201
 * with what the browser (digital.requests) or wallet (redirect) needs.
 * see requests_internal.h
 */
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdlg/coverage.h"
#include "mdlg/coverage_json.h"
#include "mdlg/issuer.h"
#include "mdlg/mdoc.h"
#include "mdlg/reader.h"
#include "requests_internal.h"

#define NAME_MAX_LEN 128
#define MAX_NAMESPACES 16
#define PURGE_EVERY_S 60

struct create_in {
    const char *doctype, *origin, *client_id, *response_uri;
    json_t *elements;                 /* owned reference */
    unsigned order[RQ_N_PROTOCOLS], bits;   /* protocols in the caller's order */
    size_t n_proto;
    json_int_t expires_in;
    struct mdlg_present_element el[MDLG_PRESENT_MAX_ELEMENTS];
    size_t n_el;
};

/* A create failure: replies REQUEST_INVALID; returns false. */
static bool invalid(struct mdlg_api_req *r, const char *what)
{
    mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "%s", what);
    return false;
}

static bool name_ok(const json_t *s)
{
    size_t n = json_string_length(s);
    return json_is_string(s) && n > 0 && n <= NAME_MAX_LEN && strlen(json_string_value(s)) == n;
}

/* {ns: [element, ...]}: 1..16 namespaces, 1..64 distinct elements in all. */
static bool elements_in(struct mdlg_api_req *r, struct create_in *in)
{
    const char *ns;
    json_t *ids, *id;
    size_t i;
    if (!json_is_object(in->elements) || json_object_size(in->elements) == 0 ||
        json_object_size(in->elements) > MAX_NAMESPACES)
        return invalid(r, "elements must map 1 to 16 namespaces to arrays of element names");
    json_object_foreach(in->elements, ns, ids) {
        if (ns[0] == '\0' || strlen(ns) > NAME_MAX_LEN || !json_is_array(ids) ||
            json_array_size(ids) == 0)
            return invalid(r, "elements: each namespace needs a non-empty array of names");
        json_array_foreach(ids, i, id) {
            if (!name_ok(id) || in->n_el == MDLG_PRESENT_MAX_ELEMENTS)
                return invalid(r, "elements: names are 1-128 byte strings, at most 64 in all");
            in->el[in->n_el++] = (struct mdlg_present_element){ ns, json_string_value(id) };
        }
    }
    for (size_t a = 0; a < in->n_el; a++)
        for (size_t b = 0; b < a; b++)
            if (!strcmp(in->el[a].ns, in->el[b].ns) && !strcmp(in->el[a].id, in->el[b].id))
                return invalid(r, "elements: a name is repeated");
    return true;
}

static bool protocols_in(struct mdlg_api_req *r, struct create_in *in, const json_t *v)
{
    size_t i;
    json_t *p;
    unsigned oid4vp = r->snap->reader ? RQ_PROTO_OID4VP_SIGNED : RQ_PROTO_OID4VP_DCAPI;
    if (v == NULL) {   /* signed when a reader key is configured */
        in->order[0] = oid4vp, in->order[1] = RQ_PROTO_ANNEXC;
        in->n_proto = 2, in->bits = oid4vp | RQ_PROTO_ANNEXC;
        return true;
    }
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > RQ_N_PROTOCOLS)
        return invalid(r, "protocols must be a non-empty array");
    json_array_foreach(v, i, p) {
        unsigned bit = rq_protocol_bit(json_string_value(p));
        if (bit == 0 || (in->bits & bit))
            return invalid(r, "protocols: each one of openid4vp-v1-unsigned, openid4vp-v1-signed, "
                              "org-iso-mdoc, openid4vp-v1-redirect, at most once");
        in->order[in->n_proto++] = bit;
        in->bits |= bit;
    }
    if ((in->bits & RQ_PROTO_OID4VP_SIGNED) && r->snap->reader == NULL)
        return invalid(r, "openid4vp-v1-signed needs a reader key: set reader_key_file and "
                          "reader_cert_file");
    return true;
}

static const char *const members[] = { "doctype", "elements", "protocols", "origin", "client_id",
                                       "response_uri", "expires_in", "jurisdiction" };

static bool members_known(struct mdlg_api_req *r, json_t *root)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
            known |= strcmp(key, members[i]) == 0;
        if (!known)
            return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "%s: unknown member", key),
                   false;
        if (strcmp(key, "elements") && strcmp(key, "protocols") && strcmp(key, "expires_in") &&
            !json_is_string(v))
            return mdlg_api_reply_error(r, MDLG_E_REQUEST_INVALID, "%s must be a string", key),
                   false;
    }
    return true;
}

static bool http_url(const char *s)
{
    return (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) &&
           strlen(s) <= MDLG_STORE_RESPONSE_URI_MAX - 64 && !strpbrk(s, " \"<>\\^`{|}");
}

/* Strings: doctype, origin, client_id, response_uri, jurisdiction; expires_in. */
static bool scalars_in(struct mdlg_api_req *r, struct create_in *in, json_t *root)
{
    json_t *ttl = json_object_get(root, "expires_in");
    const char *jur = json_string_value(json_object_get(root, "jurisdiction"));
    in->doctype = json_string_value(json_object_get(root, "doctype"));
    in->origin = json_string_value(json_object_get(root, "origin"));
    in->client_id = json_string_value(json_object_get(root, "client_id"));
    in->response_uri = json_string_value(json_object_get(root, "response_uri"));
    in->expires_in = ttl ? json_integer_value(ttl) : RQ_DEFAULT_TTL;
    if (in->doctype == NULL)
        in->doctype = MDLG_MDL_DOCTYPE;
    if (in->doctype[0] == '\0' || strlen(in->doctype) > MDLG_STORE_DOCTYPE_MAX)
        return invalid(r, "doctype must be 1-256 bytes");
    if (ttl && (!json_is_integer(ttl) || in->expires_in < 1 || in->expires_in > RQ_MAX_TTL))
        return invalid(r, "expires_in must be an integer from 1 to 3600 (seconds)");
    if (jur && (jur[0] == '\0' || strlen(jur) > 64))
        return invalid(r, "jurisdiction must be 1-64 bytes");
    if ((in->bits & (RQ_PROTO_OID4VP_DCAPI | RQ_PROTO_OID4VP_SIGNED | RQ_PROTO_ANNEXC)) &&
        (in->origin == NULL || strlen(in->origin) > MDLG_STORE_ORIGIN_MAX ||
         !mdlg_transcript_origin_valid(in->origin)))
        return invalid(r, "origin is required for the DC API protocols: a web origin such as "
                          "https://app.example (scheme, host, optional port; no path)");
    if ((in->client_id || in->response_uri) && !(in->bits & RQ_PROTO_OID4VP_REDIRECT))
        return invalid(r, "client_id and response_uri apply to openid4vp-v1-redirect only");
    if (in->client_id && (in->client_id[0] == '\0' || strlen(in->client_id) > 512))
        return invalid(r, "client_id must be 1-512 bytes");
    if (in->client_id && r->snap->reader && strcmp(in->client_id, r->snap->reader_client_id))
        return invalid(r, "client_id: with a reader key the redirect request is signed and its "
                          "client_id is the reader certificate's (x509_san_dns: or x509_hash:)");
    if ((in->bits & RQ_PROTO_OID4VP_REDIRECT) && r->snap->reader)
        in->client_id = r->snap->reader_client_id;
    if (in->response_uri && !http_url(in->response_uri))
        return invalid(r, "response_uri must be an http(s) URL");
    return true;
}

static json_t *default_elements(void)
{
    return json_pack("{s:[s,s,s,s,s]}", MDLG_MDL_NAMESPACE, "family_name", "given_name",
                     "birth_date", "portrait", "age_over_21");
}

static bool parse_in(struct mdlg_api_req *r, struct create_in *in, json_t **root)
{
    json_error_t jerr;
    if (!mdlg_api_content_type_is(r, "application/json"))
        return mdlg_api_reply_error(r, MDLG_E_UNSUPPORTED_MEDIA_TYPE, "send application/json"),
               false;
    *root = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL)
        return mdlg_api_reply_error(r, MDLG_E_JSON_MALFORMED, "line %d column %d: %s",
                                    jerr.line, jerr.column, jerr.text), false;
    if (!json_is_object(*root))
        return invalid(r, "body must be a JSON object");
    if (!members_known(r, *root) || !protocols_in(r, in, json_object_get(*root, "protocols")))
        return false;
    in->elements = json_object_get(*root, "elements");
    in->elements = in->elements ? json_incref(in->elements) : default_elements();
    return elements_in(r, in) && scalars_in(r, in, *root);
}

/* ---- building ---- */

/* The base URL wallets reach: public_url, else http:// + Host, else http:// + listen. */
static void base_url(const struct mdlg_api_req *r, char *out, size_t len)
{
    const char *host = mdlg_api_header(r, "Host");
    const struct mdlg_api_config *c = &r->snap->cfg;
    if (c->public_url[0])
        snprintf(out, len, "%s", c->public_url);
    else if (host && host[0] && strlen(host) < 256 &&
             strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
                 strlen(host))
        snprintf(out, len, "http://%s", host);
    else
        snprintf(out, len, "http://%s", c->listen);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

/* base64url(CBOR) of an Annex C piece (malloc'd). */
static char *b64_of(struct mdlg_cbor_buf *b)
{
    return mdlg_cbor_buf_err(b) ? NULL : mdlg_api_b64url_encode(b->ptr, b->len);
}

/* org-iso-mdoc: the EncryptionInfo string (stored; it enters the transcript). */
static char *encryption_info(const uint8_t seed[MDLG_READER_SEED_LEN])
{
    uint8_t nonce[MDLG_PRESENT_EI_NONCE_LEN];
    mdlg_pkey *k = NULL;
    struct mdlg_cbor_buf b;
    char *s = NULL;
    mdlg_cbor_buf_init(&b, NULL, 0);
    randombytes_buf(nonce, sizeof nonce);
    if (mdlg_reader_key_derive(seed, MDLG_READER_SLOT_ANNEXC_HPKE, &k) == MDLG_E_OK &&
        mdlg_annexc_encryption_info(&b, nonce, sizeof nonce, k) == MDLG_E_OK)
        s = b64_of(&b);
    mdlg_pkey_free(k);
    mdlg_cbor_buf_free(&b);
    return s;
}

/* The request record (elements_json column): see requests_internal.h. */
static char *record_text(const struct create_in *in, const char *ei, const char *base)
{
    json_t *rec = json_pack("{s:O}", "elements", in->elements);
    if (rec && ei)
        json_object_set_new(rec, "encryption_info", json_string(ei));
    if (rec && (in->bits & RQ_PROTO_OID4VP_REDIRECT) && !in->response_uri)
        json_object_set_new(rec, "response_uri_base", json_string(base));
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    return text;
}

static char *protocols_csv(const struct create_in *in, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < in->n_proto; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "",
                 rq_protocol_name(in->order[i]));
    return out;
}

/* Expires stale requests and drops old element values, at most once a minute. */
static void maybe_purge(mdlg_store *st, int64_t now)
{
    static _Atomic int64_t last;
    int64_t prev = atomic_load(&last);
    if (now - prev >= PURGE_EVERY_S && atomic_compare_exchange_strong(&last, &prev, now) &&
        mdlg_store_purge(st, now, NULL) != MDLG_E_OK)
        mdlg_api_log_event("store_purge_failed", "");
}

/* org-iso-mdoc: deviceRequest (with readerAuth over the request's transcript when the
   snapshot has a reader key) and encryptionInfo. */
static json_t *annexc_data(const mdlg_api_snapshot *s, const struct create_in *in,
                           const char *ei)
{
    struct mdlg_cbor_buf b, t;
    struct mdlg_annexc_reader rd = { 0 };
    json_t *j = NULL;
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_buf_init(&t, NULL, 0);
    mdlg_err e = MDLG_E_OK;
    if (s->reader && (e = mdlg_transcript_iso7_annex_c(&t, ei, in->origin)) == MDLG_E_OK)
        rd = (struct mdlg_annexc_reader){ s->reader->key, s->reader->chain, s->reader->n_chain,
                                          mdlg_cbor_buf_bytes(&t) };
    if (e == MDLG_E_OK && mdlg_annexc_device_request_auth(&b, in->doctype, in->el, in->n_el,
                                                          s->reader ? &rd : NULL) == MDLG_E_OK) {
        char *dr = b64_of(&b);
        if (dr)
            j = json_pack("{s:s, s:s}", "deviceRequest", dr, "encryptionInfo", ei);
        free(dr);
    }
    mdlg_cbor_buf_free(&b);
    mdlg_cbor_buf_free(&t);
    return j;
}

/* Appends s to *buf (realloc'd), percent-encoded (RFC 3986 unreserved kept) if `encode`. */
static bool url_append(char **buf, size_t *len, const char *s, bool encode)
{
    static const char keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    size_t n = strlen(s);
    char *p = realloc(*buf, *len + 3 * n + 1);
    if (p == NULL)
        return false;
    *buf = p;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (!encode || strchr(keep, *c))
            p[(*len)++] = (char)*c;
        else
            *len += (size_t)sprintf(p + *len, "%%%02X", *c);
    }
    p[*len] = '\0';
    return true;
}

/* "openid4vp://?k=v&..." with each parameter (objects as compact JSON) percent-encoded. */
static char *openid4vp_url(const json_t *params)
{
    char *buf = NULL;
    size_t len = 0;
    const char *key;
    json_t *v;
    bool ok = url_append(&buf, &len, "openid4vp://?", false), first = true;
    json_object_foreach((json_t *)params, key, v) {
        char *val = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT);
        ok = ok && val && (first || url_append(&buf, &len, "&", false)) &&
             url_append(&buf, &len, key, true) && url_append(&buf, &len, "=", false) &&
             url_append(&buf, &len, val, true);
        first = false;
        free(val);
    }
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

/*
 * A signed redirect request also goes by reference (OpenID4VP 1.0 §5.10): a
 * QR code holds `request_uri`, which the wallet fetches (GET, no API key,
 * like the response URL) while the request is pending. 0 on success.
 */
static int by_reference(json_t *out, const char *jws, const char *ci, const char *base,
                        const char *id)
{
    char uri[RQ_URL_MAX + 64];
    snprintf(uri, sizeof uri, "%s/v1/requests/%s/request-object", base, id);
    json_t *p = json_pack("{s:s, s:s}", "client_id", ci, "request_uri", uri);
    char *url = p ? openid4vp_url(p) : NULL;
    int rc = url == NULL ||
             json_object_set_new(out, "request_object", json_string(jws)) != 0 ||
             json_object_set_new(out, "request_uri", json_string(uri)) != 0 ||
             json_object_set_new(out, "url_by_reference", json_string(url)) != 0;
    free(url);
    json_decref(p);
    return rc ? -1 : 0;
}

/* The redirect flow: the unsigned request's parameters, and the same as an openid4vp:// URL. */
static json_t *redirect_obj(const mdlg_api_snapshot *s, const struct create_in *in,
                            const char *id, const char *nonce,
                            const uint8_t seed[MDLG_READER_SEED_LEN], const char *base)
{
    char ru[RQ_URL_MAX], ci[RQ_URL_MAX];
    json_t *out = NULL;
    char *jws = NULL;
    rq_redirect_ids(id, in->response_uri, in->client_id, base, ru, ci);
    json_t *params = rq_redirect_params(in->doctype, nonce, in->elements, seed, ci, ru);
    if (params == NULL)
        return NULL;
    if (s->reader)   /* signed: the URL carries client_id and the request object by value */
        jws = rq_sign_request(s, params);
    json_t *url_params = jws ? json_pack("{s:s, s:s}", "client_id", ci, "request", jws)
                             : json_incref(params);
    char *url = url_params && (jws || !s->reader) ? openid4vp_url(url_params) : NULL;
    if (url)
        out = json_pack("{s:s, s:s, s:O, s:s}", "client_id", ci, "response_uri", ru, "request",
                        params, "url", url);
    if (out && jws && by_reference(out, jws, ci, base, id) != 0) {
        json_decref(out);
        out = NULL;
    }
    free(url);
    free(jws);
    json_decref(url_params);
    json_decref(params);
    return out;
}

/* One entry of digital.requests, or NULL. */
/* openid4vp-v1-signed: {"request": JWS} over the parameters + client_id, expected_origins. */
static json_t *signed_data(const mdlg_api_snapshot *s, const struct create_in *in, json_t *params)
{
    char *jws = NULL;
    json_t *out = NULL;
    if (params && json_object_set_new(params, "expected_origins",
                                      json_pack("[s]", in->origin)) == 0)
        jws = rq_sign_request(s, params);
    if (jws)
        out = json_pack("{s:s}", "request", jws);
    free(jws);
    json_decref(params);
    return out;
}

static json_t *digital_entry(const mdlg_api_snapshot *s, const struct create_in *in, unsigned bit,
                             const char *nonce, const uint8_t seed[MDLG_READER_SEED_LEN],
                             const char *ei)
{
    mdlg_pkey *k = NULL;
    json_t *data = NULL;
    if (bit == RQ_PROTO_ANNEXC)
        data = annexc_data(s, in, ei);
    else if (mdlg_reader_key_derive(seed, MDLG_READER_SLOT_DCAPI_JWE, &k) == MDLG_E_OK)
        data = rq_oid4vp_params(in->doctype, nonce, in->elements, k, "dc_api.jwt");
    if (bit == RQ_PROTO_OID4VP_SIGNED)
        data = signed_data(s, in, data);
    mdlg_pkey_free(k);
    return data ? json_pack("{s:s, s:o}", "protocol", rq_protocol_name(bit), "data", data) : NULL;
}

static void answer(struct mdlg_api_req *r, const struct create_in *in, const char *id,
                   const char *nonce, const uint8_t seed[MDLG_READER_SEED_LEN], const char *ei,
                   const char *base, int64_t expires_at)
{
    char exp[21], url[96];
    json_t *reqs = json_array(), *e;
    bool ok = reqs != NULL;
    for (size_t i = 0; ok && i < in->n_proto; i++)
        if (in->order[i] != RQ_PROTO_OID4VP_REDIRECT)
            ok = (e = digital_entry(r->snap, in, in->order[i], nonce, seed, ei)) != NULL &&
                 json_array_append_new(reqs, e) == 0;
    mdlg_format_rfc3339(expires_at, exp);
    snprintf(url, sizeof url, "/v1/requests/%s/response", id);
    json_t *body = ok ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:O}}", "id", id, "nonce", nonce,
                                  "state", "pending", "expires_at", exp, "response_url", url,
                                  "digital", "requests", reqs)
                      : NULL;
    if (body && (in->bits & RQ_PROTO_OID4VP_REDIRECT) &&
        json_object_set_new(body, "redirect", redirect_obj(r->snap, in, id, nonce, seed, base)) !=
            0) {
        json_decref(body);
        body = NULL;
    }
    json_decref(reqs);
    if (body == NULL)
        mdlg_api_reply_error(r, MDLG_E_NO_MEMORY, "cannot build the answer");
    else
        mdlg_api_reply_json(r, 201, body);
}

/*
 * With a reader key every protocol but openid4vp-v1-unsigned is signed, and a
 * wallet refuses a request signed by a certificate outside its validity. The
 * certificate was valid when loaded but may have expired since: answer 503
 * READER_CERT_INVALID rather than hand out requests no wallet will accept.
 */
static bool reader_valid(struct mdlg_api_req *r, const struct create_in *in, int64_t now)
{
    const char *why;
    if (r->snap->reader == NULL || (in->bits & ~RQ_PROTO_OID4VP_DCAPI) == 0 ||
        mdlg_reader_id_check_time(r->snap->reader, now, &why) == MDLG_E_OK)
        return true;
    mdlg_api_reply_error(r, MDLG_E_READER_CERT_INVALID,
                         "%s: renew reader_cert_file and reload the service (SIGHUP)", why);
    return false;
}

static void create(struct mdlg_api_req *r, mdlg_store *st, struct create_in *in)
{
    uint8_t seed[MDLG_READER_SEED_LEN];
    char base[RQ_URL_MAX], csv[MDLG_STORE_PROTOCOL_MAX + 1];
    char id[MDLG_STORE_ID_LEN + 1], nonce[MDLG_STORE_NONCE_LEN + 1];
    int64_t now = time(NULL);
    if (!reader_valid(r, in, now))
        return;
    randombytes_buf(seed, sizeof seed);
    base_url(r, base, sizeof base);
    char *ei = (in->bits & RQ_PROTO_ANNEXC) ? encryption_info(seed) : NULL;
    char *rec = record_text(in, ei, base);
    struct mdlg_request_params p = {
        .protocol = protocols_csv(in, csv, sizeof csv), .doctype = in->doctype,
        .elements_json = rec, .origin = in->origin, .client_id = in->client_id,
        .response_uri = in->response_uri, .reader_key = { seed, sizeof seed },
        .created_at = now, .expires_at = now + in->expires_in,
    };
    mdlg_err e = rec == NULL || ((in->bits & RQ_PROTO_ANNEXC) && ei == NULL)
                     ? MDLG_E_NO_MEMORY
                     : mdlg_store_request_create(st, &p, id, nonce);
    if (e == MDLG_E_OK)
        answer(r, in, id, nonce, seed, ei, base, p.expires_at);
    else
        mdlg_api_reply_error(r, e, "cannot create the request");
    maybe_purge(st, now);
    sodium_memzero(seed, sizeof seed);
    free(ei);
    free(rec);
}

/*
 * Issue 4: when the caller names a jurisdiction whose residents cannot present
 * an ISO 18013-5 mDL (its fallback is not to use one), answer 200 with
 * mdl_available false and the fallback instead of a request nobody can answer.
 * Returns true if it answered (also for an unknown jurisdiction: 400).
 */
static bool early_answer(struct mdlg_api_req *r, json_t *root)
{
    const char *jur = json_string_value(json_object_get(root, "jurisdiction"));
    const struct mdlg_coverage *t = NULL;
    const struct mdlg_cov_entry *e;
    if (jur == NULL)
        return false;
    if (mdlg_coverage_builtin(&t) != MDLG_E_OK || (e = mdlg_coverage_find(t, jur)) == NULL)
        return invalid(r, "jurisdiction: not a US state, DC or territory (e.g. US-CA, CA or "
                          "California)"), true;
    const char *action = e->fallback ? e->fallback->action : "";
    if (strcmp(action, "use-mdl") == 0 || strcmp(action, "offer-mdl-keep-existing") == 0)
        return false;
    json_t *entry = mdlg_coverage_entry_json(e);
    json_t *body = json_pack("{s:b,s:s,s:O?,s:O?,s:o?}", "mdl_available", 0,
                             "jurisdiction", e->code,
                             "mdl_status", entry ? json_object_get(entry, "mdl_status") : NULL,
                             "fallback", entry ? json_object_get(entry, "fallback") : NULL,
                             "coverage", entry);
    mdlg_api_reply_json(r, 200, body);
    return true;
}

void mdlg_api_post_requests(struct mdlg_api_req *r)
{
    struct create_in in = { 0 };
    json_t *root = NULL;
    mdlg_store *st = mdlg_api_store(r);
    if (st == NULL)
        mdlg_api_reply_error(r, MDLG_E_STORE_UNAVAILABLE, "the request store is not available");
    else if (parse_in(r, &in, &root) && !early_answer(r, root))
        create(r, st, &in);
    json_decref(in.elements);
    json_decref(root);
}
