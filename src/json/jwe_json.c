/*
 * jwe_json.c - JWE compact serialization: split and base64url-decode the
 * five parts, parse the protected header (jansson), and hand the fields to
 * the crypto core in src/crypto/jwe.c.
 * see mdlg/jwe.h
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/jwe.h"
#include "mdlg/limits.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

enum { P_HEADER, P_KEY, P_IV, P_CT, P_TAG, PARTS };

/* Everything one decryption owns. */
struct doc {
    struct mdlg_bytes seg[PARTS];   /* base64url text of each part */
    uint8_t *bin[PARTS];            /* decoded parts, each NUL-terminated */
    size_t binlen[PARTS];
    json_t *hdr;
    uint8_t *x, *y, *apu, *apv;     /* decoded header values */
    struct mdlg_jwe_parts p;
};

static mdlg_err fail(struct mdlg_diag *diag, mdlg_err e, const char *path)
{
    if (diag != NULL) {
        diag->code = e;
        diag->offset = 0;
        diag->path = path;
    }
    return e;
}

/* The five dot-separated parts; false for any other count. */
static bool split(const char *s, size_t len, struct mdlg_bytes seg[PARTS])
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        if (k == PARTS)
            return false;
        seg[k++] = mdlg_bytes_make(s + start, i - start);
        start = i + 1;
    }
    return k == PARTS;
}

/*
 * Strict base64url (no padding, no stray characters, zero trailing bits)
 * into a malloc'd buffer with a NUL after the decoded bytes.
 * DECRYPT_MALFORMED if the text is not base64url.
 */
static mdlg_err b64url_decode(struct mdlg_bytes in, uint8_t **out, size_t *outlen)
{
    size_t cap = in.len / 4 * 3 + 3;
    uint8_t *buf = malloc(cap + 1);
    if (buf == NULL)
        return MDLG_E_NO_MEMORY;
    size_t n = 0;
    if (in.len > 0 &&
        sodium_base642bin(buf, cap, (const char *)in.ptr, in.len, NULL, &n, NULL, B64) != 0) {
        free(buf);
        return MDLG_E_DECRYPT_MALFORMED;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return MDLG_E_OK;
}

static void doc_free(struct doc *d)
{
    for (size_t i = 0; i < PARTS; i++)
        free(d->bin[i]);
    free(d->x);
    free(d->y);
    free(d->apu);
    free(d->apv);
    json_decref(d->hdr);
}

/* Splits and decodes the parts; the header must also be a JSON object. */
static mdlg_err decode_parts(struct doc *d, const char *jwe, size_t len, struct mdlg_diag *diag)
{
    static const char *const names[PARTS] = { "protected", "encrypted_key", "iv", "ciphertext",
                                              "tag" };
    if (len > MDLG_MAX_BODY)
        return fail(diag, MDLG_E_LIMIT_BODY_SIZE, "jwe");
    if (!split(jwe, len, d->seg))
        return fail(diag, MDLG_E_DECRYPT_MALFORMED, "jwe");
    if (d->seg[P_HEADER].len > MDLG_JWE_MAX_HEADER / 3 * 4 + 4)
        return fail(diag, MDLG_E_LIMIT_STRING_SIZE, "protected");
    for (size_t i = 0; i < PARTS; i++) {
        mdlg_err err = b64url_decode(d->seg[i], &d->bin[i], &d->binlen[i]);
        if (err != MDLG_E_OK)
            return fail(diag, err, names[i]);
    }
    json_error_t jerr;
    d->hdr = json_loadb((const char *)d->bin[P_HEADER], d->binlen[P_HEADER],
                        JSON_REJECT_DUPLICATES, &jerr);
    if (d->hdr == NULL || !json_is_object(d->hdr))
        return fail(diag, MDLG_E_DECRYPT_MALFORMED, "protected");
    return MDLG_E_OK;
}

/* An optional string parameter as a view (ptr NULL when absent). */
static bool opt_text(json_t *obj, const char *key, struct mdlg_bytes *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *out = mdlg_bytes_make(NULL, 0);
    if (v == NULL)
        return true;
    if (!json_is_string(v))
        return false;
    *out = mdlg_bytes_make(json_string_value(v), json_string_length(v));
    return true;
}

/* An optional base64url string parameter, decoded into *buf (ptr NULL when absent). */
static mdlg_err opt_b64(json_t *obj, const char *key, uint8_t **buf, struct mdlg_bytes *out)
{
    struct mdlg_bytes text;
    if (!opt_text(obj, key, &text))
        return MDLG_E_DECRYPT_HEADER_INVALID;
    *out = text;
    if (text.ptr == NULL)
        return MDLG_E_OK;
    if (text.len > MDLG_JWE_MAX_PARTY_INFO / 3 * 4 + 4)
        return MDLG_E_LIMIT_STRING_SIZE;
    size_t n = 0;
    mdlg_err err = b64url_decode(text, buf, &n);
    if (err != MDLG_E_OK)
        return err == MDLG_E_DECRYPT_MALFORMED ? MDLG_E_DECRYPT_HEADER_INVALID : err;
    *out = mdlg_bytes_make(*buf, n);
    return n > MDLG_JWE_MAX_PARTY_INFO ? MDLG_E_LIMIT_STRING_SIZE : MDLG_E_OK;
}

/* The header parameters we understand; what they mean is the core's business. */
static mdlg_err read_header(struct doc *d, struct mdlg_diag *diag)
{
    json_t *h = d->hdr, *epk = json_object_get(h, "epk");
    struct mdlg_jwe_parts *p = &d->p;
    if (json_object_get(h, "zip") != NULL)
        return fail(diag, MDLG_E_DECRYPT_UNSUPPORTED, "protected.zip");
    if (json_object_get(h, "crit") != NULL)
        return fail(diag, MDLG_E_DECRYPT_UNSUPPORTED, "protected.crit");
    if (!opt_text(h, "alg", &p->alg) || !opt_text(h, "enc", &p->enc))
        return fail(diag, MDLG_E_DECRYPT_HEADER_INVALID, "protected.alg/enc");
    if (epk != NULL && !json_is_object(epk))
        return fail(diag, MDLG_E_DECRYPT_HEADER_INVALID, "protected.epk");
    if (!opt_text(epk, "kty", &p->kty) || !opt_text(epk, "crv", &p->crv))
        return fail(diag, MDLG_E_DECRYPT_HEADER_INVALID, "protected.epk.kty/crv");
    mdlg_err err = opt_b64(epk, "x", &d->x, &p->epk_x);
    if (err == MDLG_E_OK)
        err = opt_b64(epk, "y", &d->y, &p->epk_y);
    if (err != MDLG_E_OK)
        return fail(diag, err, "protected.epk.x/y");
    err = opt_b64(h, "apu", &d->apu, &p->apu);
    if (err == MDLG_E_OK)
        err = opt_b64(h, "apv", &d->apv, &p->apv);
    if (err != MDLG_E_OK)
        return fail(diag, err, "protected.apu/apv");
    json_t *kid = json_object_get(h, "kid");
    if (kid != NULL && !json_is_string(kid))
        return fail(diag, MDLG_E_DECRYPT_HEADER_INVALID, "protected.kid");
    if (kid != NULL && json_string_length(kid) > MDLG_JWE_MAX_KID)
        return fail(diag, MDLG_E_LIMIT_STRING_SIZE, "protected.kid");
    return MDLG_E_OK;
}

/* Where the core's error points, for the diagnostic. */
static const char *core_path(mdlg_err e, const struct mdlg_jwe_parts *p)
{
    switch (e) {
    case MDLG_E_DECRYPT_FAILED: return "tag";
    case MDLG_E_DECRYPT_KEY_INVALID: return "protected.epk";
    case MDLG_E_DECRYPT_MALFORMED: return p->encrypted_key.len ? "encrypted_key" : "iv/tag";
    case MDLG_E_DECRYPT_UNSUPPORTED:
    case MDLG_E_DECRYPT_HEADER_INVALID:
        if (p->alg.ptr == NULL || !mdlg_bytes_eq_str(p->alg, "ECDH-ES"))
            return "protected.alg";
        return mdlg_jwe_enc_from_name(p->enc) ? "protected.epk" : "protected.enc";
    default: return NULL;
    }
}

static void fill_info(const struct doc *d, struct mdlg_jwe_info *info)
{
    const struct mdlg_jwe_parts *p = &d->p;
    json_t *kid = json_object_get(d->hdr, "kid");
    memset(info, 0, sizeof *info);
    info->enc = mdlg_jwe_enc_from_name(p->enc);
    info->crv = mdlg_jwe_crv_from_name(p->crv);
    info->has_kid = kid != NULL;
    if (kid != NULL)
        memcpy(info->kid, json_string_value(kid), json_string_length(kid));
    info->has_apu = p->apu.ptr != NULL;
    info->has_apv = p->apv.ptr != NULL;
    info->apu_len = p->apu.len;
    info->apv_len = p->apv.len;
    if (p->apu.len)
        memcpy(info->apu, p->apu.ptr, p->apu.len);
    if (p->apv.len)
        memcpy(info->apv, p->apv.ptr, p->apv.len);
}

/* see mdlg/jwe.h */
mdlg_err mdlg_jwe_decrypt_compact(const mdlg_pkey *recipient, const char *jwe, size_t len,
                                  uint8_t **pt, size_t *ptlen, struct mdlg_jwe_info *info,
                                  struct mdlg_diag *diag)
{
    if (recipient == NULL || (jwe == NULL && len) || pt == NULL || ptlen == NULL)
        return fail(diag, MDLG_E_USAGE, NULL);
    struct doc d = { 0 };
    mdlg_err err = decode_parts(&d, jwe ? jwe : "", len, diag);
    if (err == MDLG_E_OK)
        err = read_header(&d, diag);
    if (err == MDLG_E_OK) {
        d.p.aad = d.seg[P_HEADER];
        d.p.encrypted_key = mdlg_bytes_make(d.bin[P_KEY], d.binlen[P_KEY]);
        d.p.iv = mdlg_bytes_make(d.bin[P_IV], d.binlen[P_IV]);
        d.p.ciphertext = mdlg_bytes_make(d.bin[P_CT], d.binlen[P_CT]);
        d.p.tag = mdlg_bytes_make(d.bin[P_TAG], d.binlen[P_TAG]);
        err = mdlg_jwe_ecdh_es_decrypt(recipient, &d.p, d.bin[P_CT]);   /* in place */
        if (err != MDLG_E_OK)
            fail(diag, err, core_path(err, &d.p));
    }
    if (err == MDLG_E_OK) {
        if (info != NULL)
            fill_info(&d, info);
        *pt = d.bin[P_CT];
        *ptlen = d.binlen[P_CT];
        d.bin[P_CT] = NULL;
    }
    doc_free(&d);
    return err;
}

/* --- encryption (tests, test wallet) --- */

/* malloc'd base64url text without padding, or NULL. */
static char *b64url_encode(const uint8_t *p, size_t n)
{
    size_t m = sodium_base64_ENCODED_LEN(n, B64);
    char *s = malloc(m);
    if (s != NULL)
        sodium_bin2base64(s, m, n ? p : (const uint8_t *)"", n, B64);
    return s;
}

/* Sets key to the base64url text of b; false on allocation failure. */
static bool set_b64(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
    char *s = b64url_encode(p, n);
    bool ok = s != NULL && json_object_set_new(obj, key, json_string(s)) == 0;
    free(s);
    return ok;
}

/* {"alg","enc","epk":{kty,crv,x,y},["apu"],["apv"],["kid"]} as compact JSON text. */
static char *header_text(const mdlg_pkey *eph, enum mdlg_jwe_enc enc,
                         const struct mdlg_jwe_encrypt_opts *o)
{
    enum mdlg_curve crv = mdlg_pkey_curve(eph);
    size_t n = mdlg_curve_size(crv);
    uint8_t x[66], y[66];
    if (mdlg_pkey_get_xy(eph, x, y) != MDLG_E_OK)
        return NULL;
    json_t *epk = json_pack("{s:s, s:s}", "kty", "EC", "crv", mdlg_jwe_crv_name(crv));
    json_t *h = json_pack("{s:s, s:s}", "alg", "ECDH-ES", "enc", mdlg_jwe_enc_name(enc));
    bool ok = epk != NULL && h != NULL && set_b64(epk, "x", x, n) && set_b64(epk, "y", y, n) &&
              json_object_set(h, "epk", epk) == 0 &&
              (o->apu.len == 0 || set_b64(h, "apu", o->apu.ptr, o->apu.len)) &&
              (o->apv.len == 0 || set_b64(h, "apv", o->apv.ptr, o->apv.len)) &&
              (o->kid == NULL || json_object_set_new(h, "kid", json_string(o->kid)) == 0);
    char *text = ok ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(epk);
    json_decref(h);
    return text;
}

/* protected "." "" "." iv "." ct "." tag, malloc'd. */
static char *join(const char *hdr, const uint8_t *iv, const uint8_t *ct, size_t ctlen,
                  const uint8_t *tag)
{
    char *i = b64url_encode(iv, MDLG_JWE_IV_LEN), *c = b64url_encode(ct, ctlen);
    char *t = b64url_encode(tag, MDLG_JWE_TAG_LEN);
    char *out = NULL;
    if (i != NULL && c != NULL && t != NULL) {
        size_t n = strlen(hdr) + strlen(i) + strlen(c) + strlen(t) + 5;
        out = malloc(n);
        if (out != NULL)
            snprintf(out, n, "%s..%s.%s.%s", hdr, i, c, t);
    }
    free(i);
    free(c);
    free(t);
    return out;
}

/* Header, IV, then the core's encryption; *out gets the compact text. */
static mdlg_err encrypt_with(const mdlg_pkey *recipient, const mdlg_pkey *eph,
                             const struct mdlg_jwe_encrypt_opts *o, enum mdlg_jwe_enc enc,
                             const uint8_t *pt, size_t ptlen, char **out)
{
    uint8_t iv[MDLG_JWE_IV_LEN], tag[MDLG_JWE_TAG_LEN];
    char *hjson = header_text(eph, enc, o);
    char *hb64 = hjson ? b64url_encode((const uint8_t *)hjson, strlen(hjson)) : NULL;
    uint8_t *ct = malloc(ptlen + 1);
    mdlg_err err = hb64 != NULL && ct != NULL ? MDLG_E_OK : MDLG_E_NO_MEMORY;
    if (o->iv != NULL)
        memcpy(iv, o->iv, sizeof iv);
    else
        mdlg_random(iv, sizeof iv);
    struct mdlg_jwe_parts p = { .enc = mdlg_bytes_make(mdlg_jwe_enc_name(enc),
                                                       strlen(mdlg_jwe_enc_name(enc))),
                                .apu = o->apu, .apv = o->apv,
                                .aad = mdlg_bytes_make(hb64, hb64 ? strlen(hb64) : 0),
                                .iv = mdlg_bytes_make(iv, sizeof iv) };
    if (err == MDLG_E_OK)
        err = mdlg_jwe_ecdh_es_encrypt(eph, recipient, &p, pt, ptlen, ct, tag);
    if (err == MDLG_E_OK && (*out = join(hb64, iv, ct, ptlen, tag)) == NULL)
        err = MDLG_E_NO_MEMORY;
    free(hjson);
    free(hb64);
    free(ct);
    return err;
}

/* see mdlg/jwe.h */
mdlg_err mdlg_jwe_encrypt_compact(const mdlg_pkey *recipient,
                                  const struct mdlg_jwe_encrypt_opts *opts, const uint8_t *pt,
                                  size_t ptlen, char **out, size_t *outlen)
{
    static const struct mdlg_jwe_encrypt_opts defaults;
    const struct mdlg_jwe_encrypt_opts *o = opts ? opts : &defaults;
    enum mdlg_jwe_enc enc = o->enc ? o->enc : MDLG_JWE_A128GCM;
    enum mdlg_curve crv = recipient ? mdlg_pkey_curve(recipient) : MDLG_CRV_NONE;
    if (recipient == NULL || (pt == NULL && ptlen) || out == NULL || outlen == NULL ||
        mdlg_jwe_crv_name(crv) == NULL || mdlg_jwe_enc_name(enc) == NULL ||
        (o->eph != NULL && mdlg_pkey_curve(o->eph) != crv) || ptlen > MDLG_MAX_BODY ||
        (o->apu.ptr == NULL && o->apu.len) || (o->apv.ptr == NULL && o->apv.len))
        return MDLG_E_USAGE;
    mdlg_pkey *fresh = NULL;
    mdlg_err err = o->eph ? MDLG_E_OK : mdlg_pkey_generate(crv, &fresh);
    if (err == MDLG_E_OK)
        err = encrypt_with(recipient, o->eph ? o->eph : fresh, o, enc, pt, ptlen, out);
    if (err == MDLG_E_OK)
        *outlen = strlen(*out);
    mdlg_pkey_free(fresh);
    return err;
}
