/*
 * jws.c - compact JWS, ES256, x5c header (the OpenID4VP request object).
 * see mdlg/jws.h
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/jws.h"
#include "mdlg/limits.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define ES256 (-7)

static char *b64(const void *p, size_t n, int variant)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, variant);
    char *s = malloc(cap);
    if (s)
        sodium_bin2base64(s, cap, p, n, variant);
    return s;
}

static json_t *x5c_json(const struct mdlg_bytes *x5c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char *s = b64(x5c[i].ptr, x5c[i].len, sodium_base64_VARIANT_ORIGINAL);
        if (s == NULL || json_array_append_new(a, json_string(s)) != 0) {
            free(s);
            json_decref(a);
            return NULL;
        }
        free(s);
    }
    return a;
}

/* "<b64url header>.<b64url payload>" (malloc'd). */
static char *signing_input(const char *header, const char *payload)
{
    char *h = b64(header, strlen(header), B64URL), *p = b64(payload, strlen(payload), B64URL);
    char *out = h && p ? malloc(strlen(h) + strlen(p) + 2) : NULL;
    if (out) {
        strcpy(out, h);
        strcat(out, ".");
        strcat(out, p);
    }
    free(h);
    free(p);
    return out;
}

static char *append_sig(char *in, const uint8_t *sig, size_t n)
{
    char *s = b64(sig, n, B64URL);
    char *out = s ? realloc(in, strlen(in) + strlen(s) + 2) : NULL;
    if (out) {
        strcat(out, ".");
        strcat(out, s);
    } else {
        free(in);
    }
    free(s);
    return out;
}

mdlg_err mdlg_jws_sign(const mdlg_pkey *key, const struct mdlg_bytes *x5c, size_t n_x5c,
                       const char *typ, const char *payload, char **out)
{
    uint8_t sig[64];
    size_t siglen = sizeof sig;
    *out = NULL;
    if (mdlg_pkey_curve(key) != MDLG_CRV_P256 || n_x5c == 0 || !typ || !payload)
        return MDLG_E_USAGE;
    json_t *h = json_pack("{s:s, s:s, s:o}", "alg", "ES256", "typ", typ, "x5c",
                          x5c_json(x5c, n_x5c));
    char *htext = h ? json_dumps(h, JSON_COMPACT) : NULL;
    char *in = htext ? signing_input(htext, payload) : NULL;
    json_decref(h);
    free(htext);
    if (in == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = mdlg_sig_sign(key, ES256, (const uint8_t *)in, strlen(in), sig, &siglen);
    if (e != MDLG_E_OK) {
        free(in);
        return e;
    }
    *out = append_sig(in, sig, siglen);
    return *out ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

/* ---- parsing ---- */

/* Strict base64url (or standard base64 for x5c) of p[0..n) into a malloc'd buffer + NUL. */
static uint8_t *unb64(const char *p, size_t n, int variant, size_t *outlen)
{
    uint8_t *buf = malloc(n + 1);
    const char *end = NULL;
    if (buf == NULL || sodium_base642bin(buf, n + 1, p, n, NULL, outlen, &end, variant) != 0 ||
        end != p + n) {
        free(buf);
        return NULL;
    }
    buf[*outlen] = '\0';
    return buf;
}

static mdlg_err header_in(struct mdlg_jws *j, const uint8_t *text, size_t len)
{
    json_t *h = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, NULL), *v;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *typ = json_string_value(json_object_get(h, "typ"));
    json_t *x5c = json_object_get(h, "x5c");
    size_t i;
    mdlg_err e = MDLG_E_OK;
    if (!alg || !typ || strlen(alg) >= sizeof j->alg || strlen(typ) >= sizeof j->typ ||
        !json_is_array(x5c) || json_array_size(x5c) == 0 ||
        json_array_size(x5c) > MDLG_READER_CHAIN_MAX || json_object_get(h, "crit"))
        e = MDLG_E_REQUEST_OBJECT_INVALID;
    json_array_foreach(x5c, i, v) {
        const char *s = json_string_value(v);
        size_t n = 0;
        uint8_t *der = e == MDLG_E_OK && s && strlen(s) <= 2 * MDLG_MAX_CERT_SIZE
                           ? unb64(s, strlen(s), sodium_base64_VARIANT_ORIGINAL, &n) : NULL;
        if (der == NULL)
            e = MDLG_E_REQUEST_OBJECT_INVALID;
        else
            j->x5c[j->n_x5c++] = mdlg_bytes_make(der, n);
    }
    if (e == MDLG_E_OK) {
        strcpy(j->alg, alg);
        strcpy(j->typ, typ);
    }
    json_decref(h);
    return e;
}

static mdlg_err parts_in(struct mdlg_jws *j, const char *jws, size_t len, const char *d1,
                         const char *d2)
{
    size_t hl = 0, sl = 0;
    uint8_t *h = unb64(jws, (size_t)(d1 - jws), B64URL, &hl);
    uint8_t *sig = unb64(d2 + 1, (size_t)(jws + len - d2 - 1), B64URL, &sl);
    j->payload = (char *)unb64(d1 + 1, (size_t)(d2 - d1 - 1), B64URL, &j->payload_len);
    mdlg_err e = h && sig && j->payload && sl == sizeof j->sig ? header_in(j, h, hl)
                                                               : MDLG_E_REQUEST_OBJECT_INVALID;
    if (e == MDLG_E_OK) {
        memcpy(j->sig, sig, sl);
        j->sig_len = sl;
        j->signing_input = mdlg_bytes_make(jws, (size_t)(d2 - jws));
    }
    free(h);
    free(sig);
    return e;
}

mdlg_err mdlg_jws_parse(const char *jws, size_t len, struct mdlg_jws *out)
{
    memset(out, 0, sizeof *out);
    if (len > MDLG_JWS_MAX)
        return MDLG_E_LIMIT_BODY_SIZE;
    const char *d1 = memchr(jws, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    mdlg_err e = MDLG_E_REQUEST_OBJECT_INVALID;
    if (d1 && d2 && d1 > jws && d2 > d1 + 1 && !memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws)))
        e = parts_in(out, jws, len, d1, d2);
    if (e != MDLG_E_OK)
        mdlg_jws_clear(out);
    return e;
}

mdlg_err mdlg_jws_verify(const struct mdlg_jws *j, const mdlg_pkey *key)
{
    if (strcmp(j->alg, "ES256") != 0 || j->sig_len != sizeof j->sig ||
        mdlg_sig_verify(key, ES256, j->signing_input.ptr, j->signing_input.len, j->sig,
                        j->sig_len) != MDLG_E_OK)
        return MDLG_E_REQUEST_OBJECT_INVALID;
    return MDLG_E_OK;
}

void mdlg_jws_clear(struct mdlg_jws *j)
{
    for (size_t i = 0; i < j->n_x5c; i++)
        free((void *)j->x5c[i].ptr);
    free(j->payload);
    memset(j, 0, sizeof *j);
}
