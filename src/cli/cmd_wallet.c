/*
 * cmd_wallet.c - `mdlgate wallet respond`: a test wallet for the
 * presentation-request API (README "Presentation requests"). It reads the
 * 201 body of POST /v1/requests, rebuilds the SessionTranscript the way the
 * service rebuilds it, issues a DeviceResponse with the test issuer
 * (mdlg/issuer.h) and the PKI of `mdlgate issue --pki DIR`, encrypts it
 * (JWE ECDH-ES for OpenID4VP, HPKE for org-iso-mdoc) and prints the body to
 * POST to the request's response URL.
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "issue_claims.h"
#include "mdlg/issuer.h"
#include "mdlg/jwe.h"
#include "mdlg/jws.h"
#include "mdlg/reader.h"
#include "mdlg/limits.h"
#include "mdlg/present.h"
#include "mdlg/transcript.h"
#include "mdlg/trust.h"
#include "wallet_signed.h"

#define CMD "wallet"
#define DAY 86400
#define VALID_DAYS 90
#define MAX_PEM 65536
#define DCQL_ID "mdl"

static const char wallet_help[] =
"usage: mdlgate wallet respond --request FILE.json --pki DIR [--protocol P]\n"
"                              [--origin ORIGIN] [--tamper NAME]... [--bind-to OTHER.json]\n"
"                              [--at RFC3339] [--doctype DT] [--disclose NAME]...\n"
"                              [--withhold NAME]...\n"
"\n"
"Test wallet: answers a presentation request of `mdlgate serve`. FILE.json is the 201\n"
"body of POST /v1/requests. The answer is printed to stdout, ready to POST to the\n"
"request's response_url:\n"
"  openid4vp-v1-unsigned  JSON {\"protocol\", \"data\": {\"response\": \"<compact JWE>\"}}\n"
"                         (dc_api.jwt, ECDH-ES to client_metadata.jwks; payload\n"
"                         {\"vp_token\": {\"mdl\": [\"<b64url DeviceResponse>\"]}})\n"
"  org-iso-mdoc           JSON {\"protocol\", \"data\": {\"response\": \"<b64url\n"
"                         EncryptedResponse>\"}} (HPKE to encryptionInfo, info = transcript)\n"
"  openid4vp-v1-signed    as openid4vp-v1-unsigned, after checking the signed request\n"
"                         object (JWS ES256, x5c, client_id, expected_origins)\n"
"  openid4vp-v1-redirect  form data response=<compact JWE> (direct_post.jwt), POST it as\n"
"                         application/x-www-form-urlencoded to redirect.response_uri\n"
"\n"
"Signed requests are checked before answering, and refused (exit 2) if anything is off:\n"
"the readerAuth of an org-iso-mdoc deviceRequest (over this origin's transcript), the\n"
"request object of openid4vp-v1-signed and of a signed redirect request (signature,\n"
"reader certificate EKU 1.0.18013.5.1.6, client_id x509_san_dns:/x509_hash: against the\n"
"certificate, expected_origins against --origin).\n"
"\n"
"  --request FILE     the 201 body of POST /v1/requests (\"-\" = stdin), or just its\n"
"                     \"digital\" member (what the page hands navigator.credentials.get)\n"
"  --pki DIR          ds.pem, ds.key.pem, device.key.pem (and iaca.pem) as made by\n"
"                     `mdlgate issue --pki DIR`\n"
"  --protocol P       one of the protocols above (the request must offer it); default:\n"
"                     the first DC API protocol of digital.requests, as a wallet picks\n"
"  --origin ORIGIN    the web origin the browser reports (required for the DC API\n"
"                     protocols; it enters the transcript)\n"
"  --at RFC3339       issuance instant of the MSO (default: now)\n"
"  --reader-ca PEM    also validate the reader certificate chain to this CA\n"
"  --bind-to OTHER    the device signs over OTHER's transcript (for org-iso-mdoc also\n"
"                     the HPKE info) while encrypting to FILE's key: an answer made\n"
"                     for another request\n"
"  --tamper NAME      repeatable: \"ciphertext\" flips an encrypted byte (the service\n"
"                     answers 400 DECRYPT_FAILED); any name of `mdlgate issue --tamper`\n"
"                     (digest, device-signature, ...) builds that defect into the\n"
"                     DeviceResponse\n"
"  --doctype DT       issue the document as DT, not the doctype asked for (the service\n"
"                     answers invalid, RESPONSE_DOCTYPE_UNEXPECTED)\n"
"  --disclose NAME    repeatable: also disclose element NAME of the standard claims\n"
"                     though it was not asked for (ELEMENT_NOT_REQUESTED)\n"
"  --withhold NAME    repeatable: do not disclose requested element NAME (the verdict\n"
"                     lists it in missing_elements)\n"
"\n"
"The document is the standard presentation of `mdlgate issue`; the requested elements\n"
"it holds are disclosed, the others only digested in the MSO.\n"
"\n"
"Example:\n"
"  curl -s -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' \\\n"
"       -d '{\"origin\": \"https://app.example\"}' $URL/v1/requests >req.json\n"
"  mdlgate wallet respond --request req.json --pki pki --protocol org-iso-mdoc \\\n"
"       --origin https://app.example >answer.json\n"
"  curl -s -H 'Content-Type: application/json' --data-binary @answer.json \\\n"
"       $URL$(jq -r .response_url req.json)\n"
"\n"
"Exit status: 0 written, 2 usage or error.\n";

enum wallet_proto { W_DCAPI = 1, W_ANNEXC, W_REDIRECT, W_SIGNED };

static const char *const proto_names[] = { NULL, "openid4vp-v1-unsigned", "org-iso-mdoc",
                                           "openid4vp-v1-redirect", "openid4vp-v1-signed" };

#define MAX_NAMES 16

/* Element names given to --disclose / --withhold (any namespace). */
struct names {
    const char *v[MAX_NAMES];
    size_t n;
};

struct wallet_args {
    const char *request, *pki, *origin, *protocol, *bind_to, *at, *doctype, *reader_ca;
    struct names disclose, withhold;
    enum wallet_proto proto;
    uint32_t tamper;
    bool tamper_ciphertext;
};

/* One request as the wallet sees it. */
struct session {
    json_t *body;                   /* the 201 body (owned) */
    json_t *params;                 /* borrowed: the protocol's data / redirect.request, or
                                       the verified request object's payload (owned below) */
    json_t *signed_params;          /* owned: a verified request object's payload */
    struct mdlg_cbor_buf transcript;
    mdlg_pkey *key;                 /* the reader's encryption key */
};

/* The requested elements: [[ns, id], ...] and the doctype. */
struct wanted {
    json_t *els;
    char *doctype;
};

/* ---- arguments ---- */

enum { OPT_REQUEST = 1, OPT_PKI, OPT_ORIGIN, OPT_PROTOCOL, OPT_BIND, OPT_AT, OPT_TAMPER,
       OPT_DOCTYPE, OPT_DISCLOSE, OPT_WITHHOLD, OPT_READER_CA, OPT_HELP };

static const struct option wallet_options[] = {
    { "request", required_argument, NULL, OPT_REQUEST },
    { "pki", required_argument, NULL, OPT_PKI },
    { "origin", required_argument, NULL, OPT_ORIGIN },
    { "protocol", required_argument, NULL, OPT_PROTOCOL },
    { "bind-to", required_argument, NULL, OPT_BIND },
    { "at", required_argument, NULL, OPT_AT },
    { "tamper", required_argument, NULL, OPT_TAMPER },
    { "doctype", required_argument, NULL, OPT_DOCTYPE },
    { "disclose", required_argument, NULL, OPT_DISCLOSE },
    { "withhold", required_argument, NULL, OPT_WITHHOLD },
    { "reader-ca", required_argument, NULL, OPT_READER_CA },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

static int add_name(struct names *l, const char *opt)
{
    if (l->n == MAX_NAMES)
        return mdlg_cli_error(CMD, "--%s: at most %d names", opt, MAX_NAMES), 2;
    l->v[l->n++] = optarg;
    return -1;
}

static bool has_name(const struct names *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], id) == 0)
            return true;
    return false;
}

static int parse_opt(int c, struct wallet_args *a)
{
    uint32_t bit;
    switch (c) {
    case OPT_REQUEST: a->request = optarg; break;
    case OPT_PKI: a->pki = optarg; break;
    case OPT_ORIGIN: a->origin = optarg; break;
    case OPT_PROTOCOL: a->protocol = optarg; break;
    case OPT_BIND: a->bind_to = optarg; break;
    case OPT_AT: a->at = optarg; break;
    case OPT_DOCTYPE: a->doctype = optarg; break;
    case OPT_READER_CA: a->reader_ca = optarg; break;
    case OPT_DISCLOSE: return add_name(&a->disclose, "disclose");
    case OPT_WITHHOLD: return add_name(&a->withhold, "withhold");
    case OPT_TAMPER:
        if (strcmp(optarg, "ciphertext") == 0)
            a->tamper_ciphertext = true;
        else if (mdlg_tamper_from_name(optarg, &bit))
            a->tamper |= bit;
        else
            return mdlg_cli_error(CMD, "unknown --tamper '%s' (see --help)", optarg), 2;
        break;
    case OPT_HELP: fputs(wallet_help, stdout); return 0;
    default: fputs("usage: mdlgate wallet respond --request FILE.json --pki DIR --protocol P "
                   "[--origin ORIGIN] ... (mdlgate wallet --help)\n", stderr);
        return 2;
    }
    return -1;
}

/* Returns -1 to continue, else an exit status. */
static int parse_args(int argc, char **argv, struct wallet_args *a)
{
    int c, rc;
    optind = 1;
    if (argc >= 2 && strcmp(argv[1], "--help") == 0)
        return fputs(wallet_help, stdout), 0;
    if (argc < 2 || strcmp(argv[1], "respond") != 0)
        return mdlg_cli_error(CMD, "usage: mdlgate wallet respond ... (see --help)"), 2;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", wallet_options, NULL)) != -1)
        if ((rc = parse_opt(c, a)) >= 0)
            return rc;
    if (optind != argc)
        return mdlg_cli_error(CMD, "unexpected argument '%s' (see --help)", argv[optind]), 2;
    if (!a->request || !a->pki)
        return mdlg_cli_error(CMD, "--request and --pki are required"), 2;
    for (int p = W_DCAPI; a->protocol && p <= W_SIGNED; p++)
        if (strcmp(a->protocol, proto_names[p]) == 0)
            a->proto = (enum wallet_proto)p;
    if (a->protocol && a->proto == 0)
        return mdlg_cli_error(CMD, "--protocol must be openid4vp-v1-unsigned, "
                                   "openid4vp-v1-signed, org-iso-mdoc or openid4vp-v1-redirect"), 2;
    if (a->proto != W_REDIRECT && !a->origin)
        return mdlg_cli_error(CMD, "--origin is required for %s",
                              a->protocol ? a->protocol : "the DC API protocols"), 2;
    return -1;
}

/* ---- the request ---- */

static json_t *load_json(const char *path)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    json_error_t err;
    if (mdlg_cli_read_file(path, MDLG_MAX_BODY, &buf, &n) != MDLG_E_OK || n > MDLG_MAX_BODY) {
        free(buf);
        return mdlg_cli_error(CMD, "cannot read %s", path), NULL;
    }
    json_t *j = json_loadb((const char *)buf, n, 0, &err);
    free(buf);
    if (!json_is_object(j))
        mdlg_cli_error(CMD, "%s: not a JSON object (%s)", path, j ? "wrong type" : err.text);
    if (!json_is_object(j))
        json_decref(j), j = NULL;
    return j;
}

/*
 * The protocol's parameters: digital.requests[protocol == P].data (body may
 * be the 201 body or its "digital" member), or redirect.request. *p == 0
 * picks the first DC API protocol offered.
 */
static json_t *proto_params(json_t *body, enum wallet_proto *p)
{
    json_t *e, *digital = json_object_get(body, "digital");
    size_t i;
    if (*p == W_REDIRECT)
        return json_object_get(json_object_get(body, "redirect"), "request");
    json_array_foreach(json_object_get(digital ? digital : body, "requests"), i, e) {
        const char *name = json_string_value(json_object_get(e, "protocol"));
        for (enum wallet_proto q = W_DCAPI; name && q <= W_SIGNED; q++)
            if (q != W_REDIRECT && (*p == 0 || *p == q) && strcmp(name, proto_names[q]) == 0) {
                *p = q;
                return json_object_get(e, "data");
            }
    }
    return NULL;
}

static const char *str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool same_str(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* client_metadata.jwks.keys[0]: the EC key and its RFC 7638 thumbprint. */
static mdlg_err jwk_key(const json_t *params, mdlg_pkey **key, uint8_t th[MDLG_JWK_THUMBPRINT_LEN])
{
    json_t *jwk = json_array_get(
        json_object_get(json_object_get(json_object_get(params, "client_metadata"), "jwks"),
                        "keys"), 0);
    const char *crv = str_at(jwk, "crv"), *x = str_at(jwk, "x"), *y = str_at(jwk, "y");
    if (!crv || !x || !y)
        return MDLG_E_USAGE;
    enum mdlg_curve c = mdlg_jwe_crv_from_name(mdlg_bytes_make(crv, strlen(crv)));
    size_t xl = 0, yl = 0;
    uint8_t *xb = mdlg_cli_b64_decode(x, strlen(x), &xl), *yb = mdlg_cli_b64_decode(y, strlen(y), &yl);
    mdlg_err e = c == MDLG_CRV_NONE || !xb || !yb ? MDLG_E_USAGE
                                                   : mdlg_jwk_thumbprint_ec(crv, x, y, th);
    if (e == MDLG_E_OK)
        e = mdlg_pkey_from_ec_xy(c, xb, xl, yb, yl, key);
    free(xb);
    free(yb);
    return e;
}

/* org-iso-mdoc: transcript over the encryptionInfo string and origin; the HPKE key. */
static mdlg_err annexc_session(struct session *s, const char *origin)
{
    const char *ei = str_at(s->params, "encryptionInfo");
    size_t n = 0;
    uint8_t *raw = ei ? mdlg_cli_b64_decode(ei, strlen(ei), &n) : NULL;
    mdlg_err e = raw ? mdlg_annexc_encryption_info_parse(raw, n, &s->key) : MDLG_E_USAGE;
    if (e == MDLG_E_OK)
        e = mdlg_transcript_iso7_annex_c(&s->transcript, ei, origin);
    free(raw);
    return e;
}

static mdlg_err oid4vp_session(struct session *s, enum wallet_proto p, const char *origin)
{
    uint8_t th[MDLG_JWK_THUMBPRINT_LEN];
    const char *nonce = str_at(s->params, "nonce");
    json_t *redirect = json_object_get(s->body, "redirect");
    mdlg_err e = nonce ? jwk_key(s->params, &s->key, th) : MDLG_E_USAGE;
    if (e != MDLG_E_OK)
        return e;
    if (p == W_DCAPI || p == W_SIGNED)   /* the DC API handover: origin, not client_id */
        return mdlg_transcript_oid4vp_dcapi_1_0(&s->transcript, origin, nonce, th);
    const char *ci = str_at(redirect, "client_id"), *ru = str_at(redirect, "response_uri");
    if (!ci || !ru)
        return MDLG_E_USAGE;
    if (s->signed_params && (!same_str(ci, str_at(s->params, "client_id")) ||
                             !same_str(ru, str_at(s->params, "response_uri"))))
        return mdlg_cli_error(CMD, "refusing the request: request object: "
                                   "REQUEST_OBJECT_INVALID (its client_id or response_uri "
                                   "differs from the redirect's)"), MDLG_E_REQUEST_OBJECT_INVALID;
    return mdlg_transcript_oid4vp_1_0(&s->transcript, ci, nonce, th, ru);
}

/* Signed requests: a verified request object (openid4vp-v1-signed, a signed redirect)
   replaces the parameters. */
static mdlg_err request_signature(struct session *s, const struct wallet_args *a,
                                  enum wallet_proto p, const char *origin)
{
    const char *jws = p == W_SIGNED ? str_at(s->params, "request")
                    : p == W_REDIRECT ? str_at(json_object_get(s->body, "redirect"),
                                               "request_object")
                                      : NULL;
    if (jws == NULL && p == W_SIGNED)
        return mdlg_cli_error(CMD, "openid4vp-v1-signed data has no request"), MDLG_E_USAGE;
    if (jws == NULL)
        return MDLG_E_OK;
    mdlg_err e = wallet_request_object(jws, a->reader_ca, p == W_SIGNED ? origin : NULL,
                                       time(NULL), &s->signed_params);
    if (e == MDLG_E_OK)
        s->params = s->signed_params;
    return e;
}

/* org-iso-mdoc: the deviceRequest's readerAuth (if any) over this origin's transcript. */
static mdlg_err annexc_reader_auth(struct session *s, const struct wallet_args *a)
{
    return wallet_reader_auth(str_at(s->params, "deviceRequest"),
                              mdlg_cbor_buf_bytes(&s->transcript), a->reader_ca, time(NULL));
}

/* Loads path and builds its transcript and key for protocol *p (0: chosen here). */
static mdlg_err session_load(struct session *s, const struct wallet_args *a, const char *path,
                             enum wallet_proto *p, const char *origin)
{
    if ((s->body = load_json(path)) == NULL)
        return MDLG_E_USAGE;
    if (!json_is_object(s->params = proto_params(s->body, p))) {
        mdlg_cli_error(CMD, "%s offers no %s request", path,
                       *p ? proto_names[*p] : "openid4vp-v1-unsigned or org-iso-mdoc");
        return MDLG_E_USAGE;
    }
    mdlg_err e = request_signature(s, a, *p, origin);
    if (e != MDLG_E_OK)
        return e;
    e = *p == W_ANNEXC ? annexc_session(s, origin) : oid4vp_session(s, *p, origin);
    if (e == MDLG_E_OK && *p == W_ANNEXC)
        e = annexc_reader_auth(s, a);
    if (e != MDLG_E_OK && e != MDLG_E_READER_AUTH_INVALID && e != MDLG_E_READER_CERT_INVALID &&
        e != MDLG_E_REQUEST_OBJECT_INVALID && e != MDLG_E_CERT_MALFORMED)
        mdlg_cli_error(CMD, "%s: cannot build the %s session (%s): is it a POST /v1/requests "
                            "answer, and the origin valid?", path, proto_names[*p],
                       mdlg_err_name(e));
    return e;
}

static void session_free(struct session *s)
{
    json_decref(s->body);
    json_decref(s->signed_params);
    mdlg_cbor_buf_free(&s->transcript);
    mdlg_pkey_free(s->key);
}

/* ---- what is asked for ---- */

/* OpenID4VP: the DCQL query's first credential: meta.doctype_value, claims[].path. */
static mdlg_err wanted_dcql(const json_t *params, struct wanted *w)
{
    json_t *cred = json_array_get(json_object_get(json_object_get(params, "dcql_query"),
                                                  "credentials"), 0), *cl;
    const char *dt = str_at(json_object_get(cred, "meta"), "doctype_value");
    size_t i;
    if (dt == NULL || (w->doctype = strdup(dt)) == NULL)
        return MDLG_E_USAGE;
    json_array_foreach(json_object_get(cred, "claims"), i, cl) {
        json_t *path = json_object_get(cl, "path");
        if (json_array_size(path) == 2)
            json_array_append(w->els, path);
    }
    return MDLG_E_OK;
}

static char *dup_view(struct mdlg_bytes v)
{
    char *s = malloc(v.len + 1);
    if (s) {
        memcpy(s, v.ptr, v.len);
        s[v.len] = '\0';
    }
    return s;
}

/* org-iso-mdoc: the DeviceRequest's ItemsRequest. */
static mdlg_err wanted_annexc(const json_t *params, struct wanted *w)
{
    struct mdlg_present_element_view el[MDLG_PRESENT_MAX_ELEMENTS];
    struct mdlg_bytes dt;
    size_t n = 0, len = 0;
    const char *dr = str_at(params, "deviceRequest");
    uint8_t *raw = dr ? mdlg_cli_b64_decode(dr, strlen(dr), &len) : NULL;
    mdlg_err e = raw ? mdlg_annexc_device_request_parse(raw, len, &dt, el,
                                                        MDLG_PRESENT_MAX_ELEMENTS, &n)
                     : MDLG_E_USAGE;
    if (e == MDLG_E_OK && (w->doctype = dup_view(dt)) == NULL)
        e = MDLG_E_NO_MEMORY;
    for (size_t i = 0; e == MDLG_E_OK && i < n; i++) {
        char *ns = dup_view(el[i].ns), *id = dup_view(el[i].id);
        if (!ns || !id || json_array_append_new(w->els, json_pack("[s,s]", ns, id)) != 0)
            e = MDLG_E_NO_MEMORY;
        free(ns);
        free(id);
    }
    free(raw);
    return e;
}

static bool is_wanted(const struct wanted *w, const char *ns, const char *id)
{
    json_t *p;
    size_t i;
    json_array_foreach(w->els, i, p) {
        const char *a = json_string_value(json_array_get(p, 0));
        const char *b = json_string_value(json_array_get(p, 1));
        if (a && b && !strcmp(a, ns) && !strcmp(b, id))
            return true;
    }
    return false;
}

/* ---- the PKI and the document ---- */

struct pki {
    char *iaca_pem, *ds_pem;
    size_t iaca_len, ds_len;
    uint8_t *ds_der;
    size_t ds_der_len;
    mdlg_pkey *ds_key, *device;
};

static mdlg_err read_pem(const char *dir, const char *name, char **text, size_t *len)
{
    char path[4096];
    uint8_t *buf = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mdlg_err e = mdlg_cli_read_file(path, MAX_PEM, &buf, len);
    if (e == MDLG_E_OK && *len > MAX_PEM)
        e = MDLG_E_LIMIT_BODY_SIZE;
    if (e != MDLG_E_OK) {
        free(buf);
        return mdlg_cli_error(CMD, "cannot read %s (make the PKI with mdlgate issue --pki %s)",
                              path, dir), e;
    }
    *text = (char *)buf;
    return MDLG_E_OK;
}

static mdlg_err read_key(const char *dir, const char *name, mdlg_pkey **k)
{
    char *pem = NULL;
    size_t n = 0;
    mdlg_err e = read_pem(dir, name, &pem, &n);
    if (e == MDLG_E_OK && (e = mdlg_pkey_from_pem(pem, n, k)) != MDLG_E_OK)
        mdlg_cli_error(CMD, "%s/%s: not a usable key (%s)", dir, name, mdlg_err_name(e));
    free(pem);
    return e;
}

static mdlg_err pki_load(struct pki *p, const char *dir)
{
    mdlg_err e;
    if ((e = read_pem(dir, "iaca.pem", &p->iaca_pem, &p->iaca_len)) != MDLG_E_OK ||
        (e = read_pem(dir, "ds.pem", &p->ds_pem, &p->ds_len)) != MDLG_E_OK ||
        (e = read_key(dir, "ds.key.pem", &p->ds_key)) != MDLG_E_OK ||
        (e = read_key(dir, "device.key.pem", &p->device)) != MDLG_E_OK)
        return e;
    if ((p->ds_der = mdlg_cli_pem_cert_der(p->ds_pem, p->ds_len, &p->ds_der_len)) == NULL)
        return mdlg_cli_error(CMD, "%s/ds.pem holds no certificate", dir), MDLG_E_CERT_MALFORMED;
    return MDLG_E_OK;
}

static void pki_free(struct pki *p)
{
    free(p->iaca_pem);
    free(p->ds_pem);
    free(p->ds_der);
    mdlg_pkey_free(p->ds_key);
    mdlg_pkey_free(p->device);
}

/*
 * The standard claims for the DS's country and jurisdiction; unrequested ones
 * withheld, except those of --disclose; those of --withhold withheld too.
 */
static mdlg_err claims_for(const struct wallet_args *a, const struct pki *p,
                           const struct wanted *w, int64_t at, struct mdlg_issue_claims *c)
{
    mdlg_trust *t = mdlg_trust_new();
    struct mdlg_chain_result cr = { 0 };
    struct mdlg_bytes ds = { p->ds_der, p->ds_der_len };
    char country[4] = "US", juris[64] = "";
    if (t && mdlg_trust_add_pem(t, p->iaca_pem, p->iaca_len, NULL) == MDLG_E_OK &&
        mdlg_trust_verify_ds(t, &ds, 1, at, MDLG_POLICY_STRICT, false, &cr) == MDLG_E_OK) {
        snprintf(country, sizeof country, "%s", cr.ds_country[0] ? cr.ds_country : "US");
        snprintf(juris, sizeof juris, "%s", cr.ds_state_code[0] ? cr.ds_state_code : cr.ds_state);
    } else {
        fprintf(stderr, "mdlgate wallet: warning: the DS does not validate against the IACA\n");
    }
    mdlg_chain_result_clear(&cr);
    mdlg_trust_free(t);
    mdlg_err e = mdlg_issue_standard_claims(c, country, juris, at);
    for (size_t i = 0; e == MDLG_E_OK && i < c->n_items; i++)
        c->items[i].withheld = has_name(&a->withhold, c->items[i].id) ||
                               (!is_wanted(w, c->items[i].ns, c->items[i].id) &&
                                !has_name(&a->disclose, c->items[i].id));
    return e;
}

/* Issues the DeviceResponse over `transcript` into out. */
static mdlg_err issue(const struct wallet_args *a, const struct pki *p, const struct wanted *w,
                      struct mdlg_bytes transcript, int64_t at, struct mdlg_cbor_buf *out)
{
    struct mdlg_issue_claims c;
    mdlg_issue_claims_init(&c);
    mdlg_err e = claims_for(a, p, w, at, &c);
    struct mdlg_bytes chain = { p->ds_der, p->ds_der_len };
    struct mdlg_issue_opts o = {
        .doctype = a->doctype ? a->doctype : w->doctype, .items = c.items, .n_items = c.n_items, .decoys = 2,
        .ds_key = p->ds_key, .x5chain = &chain, .x5chain_n = 1, .signed_at = at,
        .valid_from = at, .valid_until = at + (int64_t)VALID_DAYS * DAY,
        .device_key = p->device, .device_auth = MDLG_ISSUE_DEVICE_SIGNATURE,
        .transcript = transcript, .tamper = a->tamper,
    };
    if (e == MDLG_E_OK && (e = mdlg_issue_device_response(&o, out)) != MDLG_E_OK)
        mdlg_cli_error(CMD, "cannot issue: %s%s", mdlg_err_name(e),
                       e == MDLG_E_USAGE ? " (e.g. a --tamper with nothing to act on: are any "
                                           "requested elements in the standard claims?)" : "");
    else if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "cannot build the claims: %s", mdlg_err_name(e));
    mdlg_issue_claims_free(&c);
    return e;
}

/* ---- encryption and output ---- */

static char *b64url(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    if (s)
        sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

/* Changes one character in the middle of the JWE's ciphertext part (GCM then fails). */
static void tamper_jwe(char *jwe)
{
    char *p = jwe;
    for (int dots = 0; p && dots < 3; dots++)
        p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL;
    char *end = p ? strchr(p, '.') : NULL;
    if (end && end > p) {
        char *c = p + (end - p) / 2;
        *c = *c == 'A' ? 'B' : 'A';
    }
}

/* OpenID4VP: the compact JWE of {"vp_token": {"mdl": ["<b64url DeviceResponse>"]}}. */
static char *oid4vp_seal(const struct wallet_args *a, const struct session *s,
                         struct mdlg_bytes dr)
{
    char *drs = b64url(dr.ptr, dr.len), *pt = NULL, *jwe = NULL;
    size_t jlen = 0;
    json_t *jwk = json_array_get(json_object_get(json_object_get(
        json_object_get(s->params, "client_metadata"), "jwks"), "keys"), 0);
    json_t *payload = drs ? json_pack("{s:{s:[s]}}", "vp_token", DCQL_ID, drs) : NULL;
    struct mdlg_jwe_encrypt_opts o = { .kid = str_at(jwk, "kid") };
    if (payload && (pt = json_dumps(payload, JSON_COMPACT)) != NULL &&
        mdlg_jwe_encrypt_compact(s->key, &o, (const uint8_t *)pt, strlen(pt), &jwe, &jlen) !=
            MDLG_E_OK)
        jwe = NULL;
    if (jwe && a->tamper_ciphertext)
        tamper_jwe(jwe);
    free(drs);
    free(pt);
    json_decref(payload);
    return jwe;
}

/* org-iso-mdoc: base64url of the EncryptedResponse (HPKE, info = transcript). */
static char *annexc_seal(const struct wallet_args *a, const struct session *s,
                         struct mdlg_bytes transcript, struct mdlg_bytes dr)
{
    struct mdlg_cbor_buf b;
    char *out = NULL;
    mdlg_cbor_buf_init(&b, NULL, 0);
    if (mdlg_annexc_seal(s->key, transcript, dr, &b) == MDLG_E_OK && b.len > 0) {
        if (a->tamper_ciphertext)
            b.ptr[b.len - 1] ^= 0x01;   /* the last byte of cipherText (the GCM tag) */
        out = b64url(b.ptr, b.len);
    }
    mdlg_cbor_buf_free(&b);
    return out;
}

static int print_answer(const struct wallet_args *a, const char *sealed)
{
    if (a->proto == W_REDIRECT)   /* exactly the body: base64url and '.', no newline */
        return printf("response=%s", sealed) > 0 && fflush(stdout) == 0 ? 0 : 2;
    json_t *j = json_pack("{s:s, s:{s:s}}", "protocol", proto_names[a->proto], "data",
                          "response", sealed);
    int rc = j && json_dumpf(j, stdout, JSON_COMPACT) == 0 ? 0 : 2;
    fputc('\n', stdout);
    json_decref(j);
    return rc;
}

/* ---- the command ---- */

static int respond(struct wallet_args *a, struct session *s, struct session *bound,
                   struct pki *p, struct wanted *w)
{
    struct mdlg_cbor_buf dr;
    int64_t at = time(NULL);
    char *sealed = NULL;
    if (a->at && !mdlg_cli_parse_time(a->at, &at))
        return mdlg_cli_error(CMD, "--at must be RFC 3339, e.g. 2026-01-01T00:00:00Z"), 2;
    if (session_load(s, a, a->request, &a->proto, a->origin) != MDLG_E_OK ||
        (a->bind_to && session_load(bound, a, a->bind_to, &a->proto, a->origin) != MDLG_E_OK) ||
        pki_load(p, a->pki) != MDLG_E_OK)
        return 2;
    if ((a->proto == W_ANNEXC ? wanted_annexc(s->params, w) : wanted_dcql(s->params, w)) !=
        MDLG_E_OK)
        return mdlg_cli_error(CMD, "%s: cannot read the requested elements", a->request), 2;
    struct mdlg_bytes tx = mdlg_cbor_buf_bytes(a->bind_to ? &bound->transcript : &s->transcript);
    mdlg_cbor_buf_init(&dr, NULL, 0);
    if (issue(a, p, w, tx, at, &dr) == MDLG_E_OK)
        sealed = a->proto == W_ANNEXC ? annexc_seal(a, s, tx, mdlg_cbor_buf_bytes(&dr))
                                      : oid4vp_seal(a, s, mdlg_cbor_buf_bytes(&dr));
    mdlg_cbor_buf_free(&dr);
    int rc = sealed ? print_answer(a, sealed) : 2;
    if (sealed == NULL)
        mdlg_cli_error(CMD, "cannot issue or encrypt the answer");
    free(sealed);
    return rc;
}

int mdlg_cmd_wallet(int argc, char **argv)
{
    struct wallet_args a = { 0 };
    struct session s = { 0 }, bound = { 0 };
    struct pki p = { 0 };
    struct wanted w = { json_array(), NULL };
    mdlg_cbor_buf_init(&s.transcript, NULL, 0);
    mdlg_cbor_buf_init(&bound.transcript, NULL, 0);
    int rc = parse_args(argc, argv, &a);
    if (rc < 0)
        rc = w.els ? respond(&a, &s, &bound, &p, &w) : 2;
    session_free(&s);
    session_free(&bound);
    pki_free(&p);
    json_decref(w.els);
    free(w.doctype);
    return rc;
}
