/*
 * transcript_json.c - JSON transcript profiles -> SessionTranscript.
 * see mdlg/transcript_json.h
 *
 * A profile is a table row: its fields in builder order and their kinds.
 * The generic part checks keys and types and fills `struct vals`; a short
 * per-profile function calls the builder from mdlg/transcript.h.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/limits.h"
#include "mdlg/transcript.h"
#include "mdlg/transcript_json.h"

#define MAX_FIELDS 4

enum fkind {
    F_TEXT,     /* any string */
    F_ORIGIN,   /* mdlg_transcript_origin_valid */
    F_B64URL,   /* mdlg_transcript_b64url_valid */
    F_THUMB,    /* optional: hex, null or EC JWK object */
    F_HEX,      /* raw CBOR in hex */
};

struct fspec {
    const char *name;
    enum fkind kind;
};

/* Field values, index-aligned with the profile's fields. */
struct vals {
    const char *s[MAX_FIELDS];
    const uint8_t *thumb;            /* NULL = CBOR null */
    uint8_t thumb_buf[MDLG_JWK_THUMBPRINT_LEN];
    uint8_t *raw;                    /* F_HEX, malloc'd */
    size_t raw_len;
};

struct profile {
    const char *name;
    struct fspec f[MAX_FIELDS];
    mdlg_err (*build)(struct mdlg_cbor_buf *out, const struct vals *v);
};

/* ---- builders, one per profile ---- */

static mdlg_err b_oid4vp(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_oid4vp_1_0(out, v->s[0], v->s[1], v->thumb, v->s[3]);
}

static mdlg_err b_oid4vp_dcapi(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_oid4vp_dcapi_1_0(out, v->s[0], v->s[1], v->thumb);
}

static mdlg_err b_annex_b(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_iso7_annex_b(out, v->s[0], v->s[1], v->s[2], v->s[3]);
}

static mdlg_err b_annex_c(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_iso7_annex_c(out, v->s[0], v->s[1]);
}

static mdlg_err b_draft24(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_oid4vp_dcapi_draft24(out, v->s[0], v->s[1], v->s[2]);
}

static mdlg_err b_raw(struct mdlg_cbor_buf *out, const struct vals *v)
{
    return mdlg_transcript_raw(out, v->raw, v->raw_len, NULL);
}

static const struct profile profiles[] = {
    { "openid4vp-1.0",
      { { "client_id", F_TEXT }, { "nonce", F_TEXT }, { "jwk_thumbprint", F_THUMB },
        { "response_uri", F_TEXT } }, b_oid4vp },
    { "openid4vp-1.0-dcapi",
      { { "origin", F_ORIGIN }, { "nonce", F_TEXT }, { "jwk_thumbprint", F_THUMB } },
      b_oid4vp_dcapi },
    { "iso18013-7-annex-b",
      { { "client_id", F_TEXT }, { "response_uri", F_TEXT }, { "nonce", F_TEXT },
        { "mdoc_generated_nonce", F_TEXT } }, b_annex_b },
    { "iso18013-7-annex-c",
      { { "encryption_info", F_B64URL }, { "origin", F_ORIGIN } }, b_annex_c },
    { "openid4vp-draft24-dcapi",
      { { "origin", F_ORIGIN }, { "client_id", F_TEXT }, { "nonce", F_TEXT } }, b_draft24 },
    { "raw", { { "hex", F_HEX } }, b_raw },
};

#define NPROFILES (sizeof profiles / sizeof profiles[0])

/* ---- helpers ---- */

/* Writes a message into errbuf (if any) and returns e. */
__attribute__((format(printf, 4, 5)))
static mdlg_err fail(char *errbuf, size_t errlen, mdlg_err e, const char *fmt, ...)
{
    if (errbuf != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return e;
}

static const struct profile *find_profile(const char *name)
{
    for (size_t i = 0; i < NPROFILES; i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

static const struct fspec *find_field(const struct profile *p, const char *name)
{
    for (size_t i = 0; i < MAX_FIELDS && p->f[i].name != NULL; i++)
        if (strcmp(p->f[i].name, name) == 0)
            return &p->f[i];
    return NULL;
}

/* Decodes exactly n = strlen(hex) / 2 bytes; false on odd length or a non-hex digit. */
static bool unhex(const char *hex, size_t hexlen, uint8_t *out)
{
    size_t n = 0;
    const char *end = NULL;
    return hexlen % 2 == 0 &&
           sodium_hex2bin(out, hexlen / 2, hex, hexlen, NULL, &n, &end) == 0 &&
           n == hexlen / 2 && end == hex + hexlen;
}

/* A string value without embedded NUL, or NULL. */
static const char *get_str(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    return strlen(s) == json_string_length(v) ? s : NULL;
}

/* ---- field kinds ---- */

/* jwk_thumbprint given as an EC JWK object. */
static mdlg_err thumb_from_jwk(const json_t *jwk, struct vals *v, char *errbuf, size_t errlen)
{
    const char *kty = get_str(json_object_get(jwk, "kty"));
    const char *crv = get_str(json_object_get(jwk, "crv"));
    const char *x = get_str(json_object_get(jwk, "x"));
    const char *y = get_str(json_object_get(jwk, "y"));
    if (kty == NULL || strcmp(kty, "EC") != 0)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"jwk_thumbprint\": JWK \"kty\" must be \"EC\"");
    if (crv == NULL || x == NULL || y == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"jwk_thumbprint\": JWK needs string members \"crv\", \"x\", \"y\"");
    mdlg_err e = mdlg_jwk_thumbprint_ec(crv, x, y, v->thumb_buf);
    if (e != MDLG_E_OK)
        return fail(errbuf, errlen, e,
                    "field \"jwk_thumbprint\": JWK needs crv P-256/P-384/P-521 and base64url "
                    "x, y of the curve's size");
    v->thumb = v->thumb_buf;
    return MDLG_E_OK;
}

static mdlg_err get_thumb(const json_t *val, struct vals *v, char *errbuf, size_t errlen)
{
    v->thumb = NULL;
    if (val == NULL || json_is_null(val))
        return MDLG_E_OK;
    if (json_is_object(val))
        return thumb_from_jwk(val, v, errbuf, errlen);
    const char *s = get_str(val);
    if (s == NULL || strlen(s) != 2 * MDLG_JWK_THUMBPRINT_LEN ||
        !unhex(s, strlen(s), v->thumb_buf))
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"jwk_thumbprint\" must be 64 hex digits, null or an EC JWK object");
    v->thumb = v->thumb_buf;
    return MDLG_E_OK;
}

static mdlg_err get_hex(const char *s, struct vals *v, char *errbuf, size_t errlen)
{
    size_t n = strlen(s);
    v->raw = malloc(n / 2 + 1);
    if (v->raw == NULL)
        return fail(errbuf, errlen, MDLG_E_NO_MEMORY, "out of memory");
    v->raw_len = n / 2;
    if (n == 0 || !unhex(s, n, v->raw))
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"hex\" must be a non-empty, even number of hex digits");
    return MDLG_E_OK;
}

/* Checks and stores field f (value val, NULL if absent) at index i. */
static mdlg_err get_field(const struct fspec *f, size_t i, const json_t *val, struct vals *v,
                          const char *profile, char *errbuf, size_t errlen)
{
    if (f->kind == F_THUMB)
        return get_thumb(val, v, errbuf, errlen);
    if (val == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "missing field \"%s\" (profile \"%s\")", f->name, profile);
    const char *s = get_str(val);
    if (s == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"%s\" must be a string without NUL characters", f->name);
    v->s[i] = s;
    if (f->kind == F_ORIGIN && !mdlg_transcript_origin_valid(s))
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"%s\" must be a serialized origin such as \"https://example.com\" "
                    "(no path, no trailing slash)", f->name);
    if (f->kind == F_B64URL && !mdlg_transcript_b64url_valid(s))
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"%s\" must be the non-empty base64url string sent "
                    "(A-Z a-z 0-9 - _, no padding)", f->name);
    if (f->kind == F_HEX)
        return get_hex(s, v, errbuf, errlen);
    return MDLG_E_OK;
}

/* Rejects members that are neither "profile" nor a field of p. */
static mdlg_err check_keys(const json_t *obj, const struct profile *p, char *errbuf,
                           size_t errlen)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        if (strcmp(key, "profile") != 0 && find_field(p, key) == NULL)
            return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                        "unknown field \"%s\" for profile \"%s\"", key, p->name);
    }
    return MDLG_E_OK;
}

/* The profile named by obj["profile"]. */
static mdlg_err get_profile(const json_t *obj, const struct profile **out, char *errbuf,
                            size_t errlen)
{
    if (!json_is_object(obj))
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "transcript must be a JSON object");
    const json_t *pv = json_object_get(obj, "profile");
    if (pv == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED, "missing field \"profile\"");
    const char *name = get_str(pv);
    if (name == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "field \"profile\" must be a string");
    *out = find_profile(name);
    if (*out == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_PROFILE_UNKNOWN,
                    "unknown profile \"%.64s\" (known: openid4vp-1.0, openid4vp-1.0-dcapi, "
                    "iso18013-7-annex-b, iso18013-7-annex-c, openid4vp-draft24-dcapi, raw)",
                    name);
    return MDLG_E_OK;
}

/* ---- entry points ---- */

static mdlg_err build(const struct profile *p, const json_t *obj, struct vals *v,
                      struct mdlg_cbor_buf *out, char *errbuf, size_t errlen)
{
    mdlg_err e = check_keys(obj, p, errbuf, errlen);
    for (size_t i = 0; e == MDLG_E_OK && i < MAX_FIELDS && p->f[i].name != NULL; i++)
        e = get_field(&p->f[i], i, json_object_get(obj, p->f[i].name), v, p->name, errbuf,
                      errlen);
    if (e != MDLG_E_OK)
        return e;
    e = p->build(out, v);
    if (e == MDLG_E_TRANSCRIPT_MALFORMED && v->raw != NULL)
        return fail(errbuf, errlen, e,
                    "field \"hex\" is not a SessionTranscript: one CBOR array "
                    "[DeviceEngagementBytes / null, EReaderKeyBytes / null, Handover], "
                    "optionally tag-24 wrapped, and nothing after it");
    if (e != MDLG_E_OK)
        return fail(errbuf, errlen, e, "profile \"%s\": could not build the transcript (%s)",
                    p->name, mdlg_err_name(e));
    return MDLG_E_OK;
}

/* see mdlg/transcript_json.h */
mdlg_err mdlg_transcript_from_jansson(const struct json_t *obj, struct mdlg_cbor_buf *out,
                                      char *errbuf, size_t errlen)
{
    const struct profile *p = NULL;
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (out == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED, "no output buffer");
    mdlg_err e = get_profile(obj, &p, errbuf, errlen);
    if (e != MDLG_E_OK)
        return e;
    struct vals v = { 0 };
    e = build(p, obj, &v, out, errbuf, errlen);
    free(v.raw);
    return e;
}

/* see mdlg/transcript_json.h */
mdlg_err mdlg_transcript_from_json(const char *json, size_t len, struct mdlg_cbor_buf *out,
                                   char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (json == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED, "no transcript JSON");
    if (len > MDLG_MAX_BODY)
        return fail(errbuf, errlen, MDLG_E_LIMIT_BODY_SIZE,
                    "transcript JSON larger than %u bytes", MDLG_MAX_BODY);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(errbuf, errlen, MDLG_E_TRANSCRIPT_MALFORMED,
                    "invalid transcript JSON at line %d, column %d: %s", jerr.line,
                    jerr.column, jerr.text);
    mdlg_err e = mdlg_transcript_from_jansson(root, out, errbuf, errlen);
    json_decref(root);
    return e;
}
