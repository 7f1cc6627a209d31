/*
 * issue_claims.c - JSON claims for `mdlgate issue` (see issue_claims.h).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "issue_claims.h"
#include "mdlg/cbor.h"
#include "mdlg/limits.h"

#define MAX_JSON_DEPTH 16

struct jctx {
    char *err;
    size_t errlen;
    const char *where;     /* "ns/element" being encoded */
};

static mdlg_err bad(struct jctx *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static mdlg_err bad(struct jctx *j, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (j->err != NULL && j->errlen > 0)
        snprintf(j->err, j->errlen, "%s%s%s", j->where ? j->where : "", j->where ? ": " : "", msg);
    return MDLG_E_USAGE;
}

uint8_t *mdlg_cli_b64_decode(const char *s, size_t n, size_t *out_len)
{
    /* Both alphabets and optional padding: map to base64url without '=' for libsodium. */
    char *u = malloc(n + 1);
    uint8_t *out = malloc(n * 3 / 4 + 1);
    size_t m = 0, len = 0;
    bool ok = u != NULL && out != NULL;
    for (size_t i = 0; ok && i < n && s[i] != '='; i++)
        u[m++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    ok = ok && sodium_base642bin(out, n * 3 / 4 + 1, u, m, NULL, &len, NULL,
                                 sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0;
    free(u);
    if (!ok) {
        free(out);
        return NULL;
    }
    *out_len = len;
    return out;
}

static bool full_date_ok(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
           sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
           d <= 31;
}

static void put_double(struct mdlg_cbor_buf *b, double v)
{
    uint64_t bits;
    uint8_t out[9];
    memcpy(&bits, &v, sizeof bits);
    out[0] = 0xfb;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    mdlg_cbor_put_raw(b, out, sizeof out);
}

/* {"tdate"|"full-date"|"bstr": "..."}: true if v is one (encoded or an error in *e). */
static bool typed_value(struct jctx *j, json_t *v, struct mdlg_cbor_buf *b, mdlg_err *e)
{
    const char *key = json_object_size(v) == 1 ? json_object_iter_key(json_object_iter(v)) : NULL;
    json_t *s = key ? json_object_get(v, key) : NULL;
    if (key == NULL || (strcmp(key, "tdate") && strcmp(key, "full-date") && strcmp(key, "bstr")))
        return false;
    *e = MDLG_E_OK;
    if (!json_is_string(s)) {
        *e = bad(j, "\"%s\" needs a string value", key);
    } else if (strcmp(key, "tdate") == 0) {
        int64_t t;
        if (!mdlg_cli_parse_time(json_string_value(s), &t))
            return *e = bad(j, "tdate \"%s\" is not RFC 3339 UTC", json_string_value(s)), true;
        mdlg_cbor_put_tag(b, 0);
        mdlg_cbor_put_tstr(b, json_string_value(s), json_string_length(s));
    } else if (strcmp(key, "full-date") == 0) {
        if (!full_date_ok(json_string_value(s)))
            return *e = bad(j, "full-date \"%s\" is not YYYY-MM-DD", json_string_value(s)), true;
        mdlg_cbor_put_tag(b, 1004);
        mdlg_cbor_put_tstr(b, json_string_value(s), json_string_length(s));
    } else {
        size_t n;
        uint8_t *raw = mdlg_cli_b64_decode(json_string_value(s), json_string_length(s), &n);
        if (raw == NULL)
            return *e = bad(j, "bstr value is not base64url"), true;
        mdlg_cbor_put_bstr(b, raw, n);
        free(raw);
    }
    return true;
}

static mdlg_err encode(struct jctx *j, json_t *v, struct mdlg_cbor_buf *b, int depth)
{
    mdlg_err e = MDLG_E_OK;
    if (depth > MAX_JSON_DEPTH)
        return bad(j, "nested deeper than %d", MAX_JSON_DEPTH);
    switch (json_typeof(v)) {
    case JSON_STRING: mdlg_cbor_put_tstr(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: mdlg_cbor_put_int(b, (int64_t)json_integer_value(v)); break;
    case JSON_REAL: put_double(b, json_real_value(v)); break;
    case JSON_TRUE: mdlg_cbor_put_bool(b, true); break;
    case JSON_FALSE: mdlg_cbor_put_bool(b, false); break;
    case JSON_NULL: mdlg_cbor_put_null(b); break;
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        mdlg_cbor_put_array(b, json_array_size(v));
        json_array_foreach(v, i, x) {
            if ((e = encode(j, x, b, depth + 1)) != MDLG_E_OK)
                return e;
        }
        break;
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        if (typed_value(j, v, b, &e))
            return e;
        mdlg_cbor_put_map(b, json_object_size(v));
        json_object_foreach(v, k, x) {
            mdlg_cbor_put_cstr(b, k);
            if ((e = encode(j, x, b, depth + 1)) != MDLG_E_OK)
                return e;
        }
        break;
    }
    }
    return mdlg_cbor_buf_err(b);
}

/* {"ns": {"id": value, ...}, ...} -> claims. */
static mdlg_err add_namespaces(struct jctx *j, json_t *nss, bool withheld,
                               struct mdlg_issue_claims *c)
{
    const char *ns, *id;
    json_t *elems, *v;
    char where[MDLG_MAX_IDENT * 2 + 2];
    if (!json_is_object(nss))
        return bad(j, "\"%s\" must be an object of namespaces", withheld ? "withheld" : "namespaces");
    json_object_foreach(nss, ns, elems) {
        if (!json_is_object(elems))
            return bad(j, "namespace \"%s\" must be an object of elements", ns);
        json_object_foreach(elems, id, v) {
            struct mdlg_cbor_buf b;
            snprintf(where, sizeof where, "%s/%s", ns, id);
            j->where = where;
            mdlg_cbor_buf_init(&b, NULL, 0);
            mdlg_err e = encode(j, v, &b, 0);
            if (e == MDLG_E_OK &&
                (e = mdlg_issue_claims_add(c, ns, id, b.ptr, b.len, withheld)) != MDLG_E_OK)
                bad(j, "cannot add the element (%s)", mdlg_err_name(e));
            mdlg_cbor_buf_free(&b);
            j->where = NULL;
            if (e != MDLG_E_OK)
                return e;
        }
    }
    return MDLG_E_OK;
}

mdlg_err mdlg_cli_claims_from_json(const char *json, size_t len, struct mdlg_issue_claims *c,
                                   char *err, size_t errlen)
{
    struct jctx j = { err, errlen, NULL };
    json_error_t je;
    const char *k;
    json_t *v;
    mdlg_err e = MDLG_E_OK;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return bad(&j, "line %d column %d: %s", je.line, je.column, je.text);
    if (!json_is_object(root) || json_object_get(root, "namespaces") == NULL)
        e = bad(&j, "expected an object with \"namespaces\"");
    json_object_foreach(root, k, v) {
        if (e != MDLG_E_OK)
            break;
        if (strcmp(k, "doctype") == 0)
            e = json_is_string(v) ? mdlg_issue_claims_set_doctype(c, json_string_value(v))
                                  : bad(&j, "\"doctype\" must be a string");
        else if (strcmp(k, "namespaces") == 0 || strcmp(k, "withheld") == 0)
            e = add_namespaces(&j, v, strcmp(k, "withheld") == 0, c);
        else
            e = bad(&j, "unknown member \"%s\" (doctype, namespaces, withheld)", k);
    }
    if (e == MDLG_E_OK && c->n_items == 0)
        e = bad(&j, "no elements");
    json_decref(root);
    return e;
}
