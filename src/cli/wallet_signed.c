/*
 * wallet_signed.c - `mdlgate wallet respond` checks signed requests before
 * it answers. see wallet_signed.h
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "issue_claims.h"
#include "mdlg/crypto.h"
#include "mdlg/jws.h"
#include "mdlg/present.h"
#include "mdlg/reader.h"
#include "wallet_signed.h"

#define CMD "wallet"
#define MAX_CA_PEM 65536
#define DNS_CAP 1024

static mdlg_err refuse(mdlg_err e, const char *what, const char *why)
{
    mdlg_cli_error(CMD, "refusing the request: %s: %s (%s)", what, mdlg_err_name(e), why);
    return e;
}

/* The CA file (malloc'd) or NULL when none is given; *bad set if it cannot be read. */
static char *ca_load(const char *path, size_t *len, bool *bad)
{
    uint8_t *buf = NULL;
    *bad = false;
    if (path == NULL)
        return NULL;
    if (mdlg_cli_read_file(path, MAX_CA_PEM, &buf, len) != MDLG_E_OK || *len > MAX_CA_PEM) {
        free(buf);
        *bad = true;
        return mdlg_cli_error(CMD, "cannot read --reader-ca %s", path), NULL;
    }
    return (char *)buf;
}

/* client_id against the leaf: x509_san_dns:<dNSName> or x509_hash:<b64url SHA-256(DER)>. */
static bool client_id_ok(const char *ci, const char *dns, struct mdlg_bytes leaf)
{
    uint8_t h[32];
    char b64[48];
    if (ci && strncmp(ci, "x509_san_dns:", 13) == 0)
        return mdlg_reader_dns_has(dns, ci + 13);
    if (!ci || strncmp(ci, "x509_hash:", 10) != 0 ||
        mdlg_sha256(leaf.ptr, leaf.len, h) != MDLG_E_OK)
        return false;
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strcmp(ci + 10, b64) == 0;
}

/* DC API: origin in expected_origins; redirect: response_uri's host is the dNSName. */
static bool audience_ok(json_t *pl, const char *origin)
{
    json_t *v;
    size_t i;
    if (origin) {
        json_array_foreach(json_object_get(pl, "expected_origins"), i, v)
            if (json_is_string(v) && strcmp(json_string_value(v), origin) == 0)
                return true;
        return false;
    }
    const char *ci = json_string_value(json_object_get(pl, "client_id"));
    const char *ru = json_string_value(json_object_get(pl, "response_uri"));
    if (!ci || !ru || strncmp(ci, "x509_san_dns:", 13) != 0)
        return ru != NULL;
    const char *host = strstr(ru, "://");
    size_t n = strlen(ci + 13);
    char after = host && strncmp(host + 3, ci + 13, n) == 0 ? host[3 + n] : '.';
    return after == ':' || after == '/' || after == '\0';
}

static mdlg_err check_payload(const struct mdlg_jws *j, const char *dns, const char *origin,
                              json_t **payload)
{
    json_t *pl = json_loadb(j->payload, j->payload_len, JSON_REJECT_DUPLICATES, NULL);
    const char *ci = json_string_value(json_object_get(pl, "client_id"));
    mdlg_err e = MDLG_E_REQUEST_OBJECT_INVALID;
    if (!json_is_object(pl))
        refuse(e, "request object", "the payload is not a JSON object");
    else if (!client_id_ok(ci, dns, j->x5c[0]))
        refuse(e, "request object", "client_id does not name the signing certificate");
    else if (!audience_ok(pl, origin))
        refuse(e, "request object", origin ? "this origin is not in expected_origins"
                                           : "response_uri is not on the client_id's host");
    else
        e = MDLG_E_OK;
    if (e == MDLG_E_OK)
        *payload = pl;
    else
        json_decref(pl);
    return e;
}

mdlg_err wallet_request_object(const char *jws, const char *ca_path, const char *origin,
                               int64_t now, json_t **payload)
{
    struct mdlg_jws j;
    mdlg_pkey *key = NULL;
    char dns[DNS_CAP] = "";
    const char *why = "";
    size_t calen = 0;
    bool bad;
    char *ca = ca_load(ca_path, &calen, &bad);
    mdlg_err e = bad ? MDLG_E_IO : mdlg_jws_parse(jws, strlen(jws), &j);
    if (e == MDLG_E_OK && strcmp(j.typ, MDLG_JWS_TYP_REQUEST) != 0)
        e = refuse(MDLG_E_REQUEST_OBJECT_INVALID, "request object", "typ is not oauth-authz-req+jwt");
    else if (e == MDLG_E_OK && (e = mdlg_reader_chain_check(j.x5c, j.n_x5c, ca, calen, now, &key,
                                                           dns, sizeof dns, &why)) != MDLG_E_OK)
        refuse(e, "request object certificate", why);
    else if (e == MDLG_E_OK && (e = mdlg_jws_verify(&j, key)) != MDLG_E_OK)
        refuse(e, "request object", "the signature does not verify");
    else if (e == MDLG_E_OK)
        e = check_payload(&j, dns, origin, payload);
    else if (!bad)
        refuse(e, "request object", "not a compact JWS with alg, typ and x5c");
    if (e == MDLG_E_OK || !bad)
        mdlg_jws_clear(&j);
    mdlg_pkey_free(key);
    free(ca);
    return e;
}

mdlg_err wallet_reader_auth(const char *dr_b64, struct mdlg_bytes transcript, const char *ca_path,
                            int64_t now)
{
    size_t n = 0, calen = 0;
    bool present = false, bad;
    char dns[DNS_CAP] = "";
    const char *why = "";
    char *ca = ca_load(ca_path, &calen, &bad);
    uint8_t *dr = dr_b64 ? mdlg_cli_b64_decode(dr_b64, strlen(dr_b64), &n) : NULL;
    mdlg_err e = bad ? MDLG_E_IO : dr == NULL ? MDLG_E_USAGE
               : mdlg_annexc_reader_auth_check(dr, n, transcript, ca, calen, now, &present, dns,
                                               sizeof dns, &why);
    if (e != MDLG_E_OK && !bad)
        refuse(e, "readerAuth", why);
    else if (present)
        fprintf(stderr, "mdlgate wallet: readerAuth verified (reader %s)\n",
                dns[0] ? dns : "without a dNSName");
    free(dr);
    free(ca);
    return e;
}
