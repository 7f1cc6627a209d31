/*
 * transcript.c - SessionTranscript builders.
 * see mdlg/transcript.h; layouts in shared research/mdl-verification.md §6.
 *
 * Each handover hashes a small CBOR "info" array built in a local buffer
 * (stack first, heap if a caller passes long strings), then appends
 * [null, null, Handover] to the caller's buffer. Inputs are checked before
 * anything is appended.
 */
#include <stdio.h>
#include <string.h>

#include "mdlg/crypto.h"
#include "mdlg/transcript.h"

#define INFO_STACK 512        /* typical info arrays are < 300 bytes */
#define RAW_MAX_ITEMS 64      /* Annex D transcript: 8 items */

/* ---- input checks ---- */

/* A NUL-terminated string that is well-formed UTF-8. */
static bool utf8_ok(const char *s)
{
    return mdlg_utf8_valid((const uint8_t *)s, strlen(s));
}

static bool str_ok(const char *s)
{
    return s != NULL && utf8_ok(s);
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* see mdlg/transcript.h */
bool mdlg_transcript_b64url_valid(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++)
        if (!b64url_char(*s))
            return false;
    return true;
}

/* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), over [p, end). */
static bool scheme_ok(const char *p, const char *end)
{
    if (p == end || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    for (; p < end; p++)
        if (*p == '_' || !(b64url_char(*p) || *p == '+' || *p == '.'))
            return false;
    return true;
}

/* see mdlg/transcript.h */
bool mdlg_transcript_origin_valid(const char *origin)
{
    if (origin == NULL || !utf8_ok(origin))
        return false;
    for (const uint8_t *p = (const uint8_t *)origin; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    const char *colon = strchr(origin, ':');
    if (colon == NULL || !scheme_ok(origin, colon))
        return false;
    bool web = strncmp(origin, "http:", 5) == 0 || strncmp(origin, "https:", 6) == 0;
    if (strncmp(colon, "://", 3) != 0)   /* opaque, e.g. android:apk-key-hash:... */
        return !web && colon[1] != '\0' && strstr(colon, "://") == NULL;
    const char *host = colon + 3;
    return *host != '\0' && strpbrk(host, "/?#") == NULL;
}

/* ---- building ---- */

/* SHA-256 of the info array in `info`, then frees it. */
static mdlg_err hash_info(struct mdlg_cbor_buf *info, uint8_t out[32])
{
    mdlg_err err = mdlg_cbor_buf_err(info);
    if (err == MDLG_E_OK)
        err = mdlg_sha256(info->ptr, info->len, out);
    mdlg_cbor_buf_free(info);
    return err;
}

static void put_thumbprint(struct mdlg_cbor_buf *b, const uint8_t *thumb)
{
    if (thumb != NULL)
        mdlg_cbor_put_bstr(b, thumb, MDLG_JWK_THUMBPRINT_LEN);
    else
        mdlg_cbor_put_null(b);
}

/* Appends [null, null, handover-array-of-n] head; the caller appends n items. */
static void put_prefix(struct mdlg_cbor_buf *b, uint64_t n)
{
    mdlg_cbor_put_array(b, 3);
    mdlg_cbor_put_null(b);
    mdlg_cbor_put_null(b);
    mdlg_cbor_put_array(b, n);
}

/* Appends [null, null, [name, h'hash']]. */
static mdlg_err put_named(struct mdlg_cbor_buf *b, const char *name, const uint8_t hash[32])
{
    put_prefix(b, 2);
    mdlg_cbor_put_cstr(b, name);
    mdlg_cbor_put_bstr(b, hash, 32);
    return mdlg_cbor_buf_err(b);
}

/* SHA-256(CBOR([a, b])) for two text strings. */
static mdlg_err hash_pair(const char *a, const char *b, uint8_t out[32])
{
    uint8_t st[INFO_STACK];
    struct mdlg_cbor_buf info;
    mdlg_cbor_buf_init(&info, st, sizeof st);
    mdlg_cbor_put_array(&info, 2);
    mdlg_cbor_put_cstr(&info, a);
    mdlg_cbor_put_cstr(&info, b);
    return hash_info(&info, out);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_oid4vp_1_0(struct mdlg_cbor_buf *buf, const char *client_id,
                                    const char *nonce, const uint8_t *jwk_thumbprint,
                                    const char *response_uri)
{
    if (buf == NULL || !str_ok(client_id) || !str_ok(nonce) || !str_ok(response_uri))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    uint8_t st[INFO_STACK], h[32];
    struct mdlg_cbor_buf info;
    mdlg_cbor_buf_init(&info, st, sizeof st);
    mdlg_cbor_put_array(&info, 4);
    mdlg_cbor_put_cstr(&info, client_id);
    mdlg_cbor_put_cstr(&info, nonce);
    put_thumbprint(&info, jwk_thumbprint);
    mdlg_cbor_put_cstr(&info, response_uri);
    mdlg_err err = hash_info(&info, h);
    return err != MDLG_E_OK ? err : put_named(buf, "OpenID4VPHandover", h);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_oid4vp_dcapi_1_0(struct mdlg_cbor_buf *buf, const char *origin,
                                          const char *nonce, const uint8_t *jwk_thumbprint)
{
    if (buf == NULL || !mdlg_transcript_origin_valid(origin) || !str_ok(nonce))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    uint8_t st[INFO_STACK], h[32];
    struct mdlg_cbor_buf info;
    mdlg_cbor_buf_init(&info, st, sizeof st);
    mdlg_cbor_put_array(&info, 3);
    mdlg_cbor_put_cstr(&info, origin);
    mdlg_cbor_put_cstr(&info, nonce);
    put_thumbprint(&info, jwk_thumbprint);
    mdlg_err err = hash_info(&info, h);
    return err != MDLG_E_OK ? err : put_named(buf, "OpenID4VPDCAPIHandover", h);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_iso7_annex_b(struct mdlg_cbor_buf *buf, const char *client_id,
                                      const char *response_uri, const char *nonce,
                                      const char *mdoc_generated_nonce)
{
    if (buf == NULL || !str_ok(client_id) || !str_ok(response_uri) || !str_ok(nonce) ||
        !str_ok(mdoc_generated_nonce))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    uint8_t client_hash[32], uri_hash[32];
    mdlg_err err = hash_pair(client_id, mdoc_generated_nonce, client_hash);
    if (err == MDLG_E_OK)
        err = hash_pair(response_uri, mdoc_generated_nonce, uri_hash);
    if (err != MDLG_E_OK)
        return err;
    put_prefix(buf, 3);
    mdlg_cbor_put_bstr(buf, client_hash, 32);
    mdlg_cbor_put_bstr(buf, uri_hash, 32);
    mdlg_cbor_put_cstr(buf, nonce);
    return mdlg_cbor_buf_err(buf);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_iso7_annex_c(struct mdlg_cbor_buf *buf,
                                      const char *encryption_info_b64url, const char *origin)
{
    if (buf == NULL || !mdlg_transcript_b64url_valid(encryption_info_b64url) ||
        !mdlg_transcript_origin_valid(origin))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    uint8_t h[32];
    mdlg_err err = hash_pair(encryption_info_b64url, origin, h);
    return err != MDLG_E_OK ? err : put_named(buf, "dcapi", h);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_oid4vp_dcapi_draft24(struct mdlg_cbor_buf *buf, const char *origin,
                                              const char *client_id, const char *nonce)
{
    if (buf == NULL || !mdlg_transcript_origin_valid(origin) || !str_ok(client_id) ||
        !str_ok(nonce))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    uint8_t st[INFO_STACK], h[32];
    struct mdlg_cbor_buf info;
    mdlg_cbor_buf_init(&info, st, sizeof st);
    mdlg_cbor_put_array(&info, 3);
    mdlg_cbor_put_cstr(&info, origin);
    mdlg_cbor_put_cstr(&info, client_id);
    mdlg_cbor_put_cstr(&info, nonce);
    mdlg_err err = hash_info(&info, h);
    return err != MDLG_E_OK ? err : put_named(buf, "OpenID4VPDCAPIHandover", h);
}

/* ---- raw transcripts ---- */

/* Item i is null or #6.24(bstr). */
static bool null_or_tag24(const struct mdlg_cbor_doc *d, uint32_t i)
{
    struct mdlg_bytes inner;
    return i != MDLG_CBOR_NONE && (mdlg_cbor_is_null(d, i) || mdlg_cbor_get_tag24(d, i, &inner));
}

/* doc (parsed) is [null / 24(bstr), null / 24(bstr), any]. */
static bool shape_ok(const struct mdlg_cbor_doc *d)
{
    return mdlg_cbor_is_type(d, 0, MDLG_CBOR_ARRAY) &&
           mdlg_cbor_array_get(d, 0, 2) != MDLG_CBOR_NONE &&
           mdlg_cbor_array_get(d, 0, 3) == MDLG_CBOR_NONE &&
           null_or_tag24(d, mdlg_cbor_array_get(d, 0, 0)) &&
           null_or_tag24(d, mdlg_cbor_array_get(d, 0, 1));
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_raw(struct mdlg_cbor_buf *buf, const uint8_t *bytes, size_t len,
                             bool *was_tagged)
{
    struct mdlg_cbor_item items[RAW_MAX_ITEMS];
    struct mdlg_cbor_doc doc;
    if (buf == NULL || bytes == NULL ||
        mdlg_cbor_parse(&doc, bytes, len, items, RAW_MAX_ITEMS, NULL) != MDLG_E_OK)
        return MDLG_E_TRANSCRIPT_MALFORMED;
    struct mdlg_bytes arr = mdlg_bytes_make(bytes, len);
    bool tagged = mdlg_cbor_get_tag24(&doc, 0, &arr);
    if (tagged && mdlg_cbor_parse(&doc, arr.ptr, arr.len, items, RAW_MAX_ITEMS, NULL) != MDLG_E_OK)
        return MDLG_E_TRANSCRIPT_MALFORMED;
    if (!shape_ok(&doc))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    if (was_tagged != NULL)
        *was_tagged = tagged;
    mdlg_cbor_put_raw(buf, arr.ptr, arr.len);
    return mdlg_cbor_buf_err(buf);
}

/* see mdlg/transcript.h */
mdlg_err mdlg_transcript_tagged_bytes(struct mdlg_cbor_buf *buf, const uint8_t *transcript,
                                      size_t len)
{
    if (buf == NULL || transcript == NULL || len == 0)
        return MDLG_E_TRANSCRIPT_MALFORMED;
    mdlg_cbor_put_tag(buf, 24);
    mdlg_cbor_put_bstr(buf, transcript, len);
    return mdlg_cbor_buf_err(buf);
}

/* ---- RFC 7638 ---- */

/* base64url length of one coordinate on crv, 0 if the curve is unknown. */
static size_t coord_b64_len(const char *crv)
{
    if (strcmp(crv, "P-256") == 0)
        return 43;   /* 32 bytes */
    if (strcmp(crv, "P-384") == 0)
        return 64;   /* 48 bytes */
    if (strcmp(crv, "P-521") == 0)
        return 88;   /* 66 bytes */
    return 0;
}

/* see mdlg/transcript.h */
mdlg_err mdlg_jwk_thumbprint_ec(const char *crv, const char *x_b64url, const char *y_b64url,
                                uint8_t out[MDLG_JWK_THUMBPRINT_LEN])
{
    if (crv == NULL || out == NULL || !mdlg_transcript_b64url_valid(x_b64url) ||
        !mdlg_transcript_b64url_valid(y_b64url))
        return MDLG_E_TRANSCRIPT_MALFORMED;
    size_t n = coord_b64_len(crv);
    if (n == 0 || strlen(x_b64url) != n || strlen(y_b64url) != n)
        return MDLG_E_TRANSCRIPT_MALFORMED;
    char json[256];   /* 38 fixed + 5 + 2 * 88 */
    int k = snprintf(json, sizeof json, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                     crv, x_b64url, y_b64url);
    if (k < 0 || (size_t)k >= sizeof json)
        return MDLG_E_INTERNAL;
    return mdlg_sha256((const uint8_t *)json, (size_t)k, out);
}
