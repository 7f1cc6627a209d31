/*
 * verdict.c - struct mdlg_result -> verdict JSON (design/interfaces.md).
 * see mdlg/verdict.h
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/cbor.h"
#include "mdlg/coverage.h"
#include "mdlg/coverage_json.h"
#include "mdlg/json_dump.h"
#include "mdlg/verdict.h"
#include "verdict_internal.h"

#define VALUE_STACK_ITEMS 256u

static json_t *bytes_string(struct mdlg_bytes b)
{
    return b.ptr ? json_stringn((const char *)b.ptr, b.len) : json_null();
}

/*
 * base64url without padding, by table: the portrait is most of a verdict,
 * and libsodium's constant-time encoder (meant for secrets; this is data
 * the caller receives anyway) cost several times more. The output is
 * ASCII, so jansson's UTF-8 check is skipped.
 */
size_t mdlg__b64url_put(char *out, struct mdlg_bytes b)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i = 0, n = 0;
    for (; i + 3 <= b.len; i += 3) {
        uint32_t v = (uint32_t)b.ptr[i] << 16 | (uint32_t)b.ptr[i + 1] << 8 | b.ptr[i + 2];
        out[n++] = tab[v >> 18];
        out[n++] = tab[(v >> 12) & 63];
        out[n++] = tab[(v >> 6) & 63];
        out[n++] = tab[v & 63];
    }
    if (i < b.len) {
        uint32_t v = (uint32_t)b.ptr[i] << 16 | (i + 1 < b.len ? (uint32_t)b.ptr[i + 1] << 8 : 0);
        out[n++] = tab[v >> 18];
        out[n++] = tab[(v >> 12) & 63];
        if (i + 1 < b.len)
            out[n++] = tab[(v >> 6) & 63];
    }
    return n;
}

/* As a JSON string: ASCII, so jansson's UTF-8 check is skipped. */
static json_t *base64url(struct mdlg_bytes b)
{
    char *s = malloc(b.len / 3 * 4 + 4);
    if (s == NULL)
        return NULL;
    size_t n = mdlg__b64url_put(s, b);
    json_t *j = json_stringn_nocheck(s, n);
    free(s);
    return j;
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    char s[2 * 64 + 1];
    if (n > 64)
        n = 64;
    sodium_bin2hex(s, sizeof s, p, n);
    return json_string(s);
}


static json_t *string_json(const struct mdlg_cbor_doc *d, uint32_t i)
{
    const struct mdlg_cbor_item *it = &d->items[i];
    if (!it->indefinite)
        return it->type == MDLG_CBOR_TSTR ? bytes_string(it->v.s) : base64url(it->v.s);
    size_t total = 0, off = 0;
    for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c))
        total += d->items[c].v.s.len;
    uint8_t *buf = malloc(total + 1);
    if (buf == NULL)
        return NULL;
    for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c)) {
        memcpy(buf + off, d->items[c].v.s.ptr, d->items[c].v.s.len);
        off += d->items[c].v.s.len;
    }
    struct mdlg_bytes b = { buf, total };
    json_t *j = it->type == MDLG_CBOR_TSTR ? bytes_string(b) : base64url(b);
    free(buf);
    return j;
}

/* Map keys: text as is, integers in decimal, anything else as its hex encoding. */
static char *key_string(const struct mdlg_cbor_doc *d, uint32_t k)
{
    struct mdlg_bytes s;
    int64_t v;
    char *out;
    if (mdlg_cbor_get_tstr(d, k, &s))
        return strndup((const char *)s.ptr, s.len);
    if (mdlg_cbor_get_int(d, k, &v)) {
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)v);
        return strdup(num);
    }
    s = mdlg_cbor_span(d, k);
    out = malloc(2 * s.len + 1);
    if (out)
        sodium_bin2hex(out, 2 * s.len + 1, s.ptr, s.len);
    return out;
}

static json_t *container_json(const struct mdlg_cbor_doc *d, uint32_t i)
{
    bool map = d->items[i].type == MDLG_CBOR_MAP;
    json_t *j = map ? json_object() : json_array();
    for (uint32_t c = mdlg_cbor_first(d, i); j && c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c)) {
        if (!map) {
            json_array_append_new(j, mdlg__cbor_item_json(d, c));
            continue;
        }
        uint32_t v = mdlg_cbor_next(d, i, c);
        char *key = key_string(d, c);
        if (key)
            json_object_set_new(j, key, mdlg__cbor_item_json(d, v));
        free(key);
        c = v;
    }
    return j;
}

static json_t *simple_json(const struct mdlg_cbor_item *it)
{
    if (it->v.u == MDLG_CBOR_TRUE || it->v.u == MDLG_CBOR_FALSE)
        return json_boolean(it->v.u == MDLG_CBOR_TRUE);
    return json_null();
}

json_t *mdlg__cbor_item_json(const struct mdlg_cbor_doc *d, uint32_t i)
{
    const struct mdlg_cbor_item *it = &d->items[i];
    int64_t v;
    switch (it->type) {
    case MDLG_CBOR_UINT:
    case MDLG_CBOR_NEGINT:
        if (mdlg_cbor_get_int(d, i, &v))
            return json_integer(v);
        return json_real(it->type == MDLG_CBOR_UINT ? (double)it->v.u : -1.0 - (double)it->v.u);
    case MDLG_CBOR_BSTR:
    case MDLG_CBOR_TSTR:
        return string_json(d, i);
    case MDLG_CBOR_ARRAY:
    case MDLG_CBOR_MAP:
        return container_json(d, i);
    case MDLG_CBOR_TAG:     /* tdate (0), full-date (1004), epoch (1), ...: the tagged value */
        return mdlg__cbor_item_json(d, i + 1);
    case MDLG_CBOR_FLOAT:
        return json_real(it->v.f);
    default:
        return simple_json(it);
    }
}

json_t *mdlg_cbor_value_json(struct mdlg_bytes value)
{
    struct mdlg_cbor_item stack_items[VALUE_STACK_ITEMS];
    struct mdlg_cbor_item *items = stack_items;
    struct mdlg_cbor_doc d;
    uint32_t cap = VALUE_STACK_ITEMS;
    json_t *j = NULL;
    if (value.len + 1 > cap) {
        cap = value.len + 1 < MDLG_MAX_ITEMS ? (uint32_t)value.len + 1 : MDLG_MAX_ITEMS;
        if ((items = malloc(cap * sizeof *items)) == NULL)
            return NULL;
    }
    if (mdlg_cbor_parse(&d, value.ptr, value.len, items, cap, NULL) == MDLG_E_OK)
        j = mdlg__cbor_item_json(&d, 0);
    if (items != stack_items)
        free(items);
    return j;
}

/* ---- verdict ---- */

static json_t *error_json(const struct mdlg_doc_error *e)
{
    json_t *j = json_pack("{s:s}", "code", mdlg_err_name(e->code));
    if (j == NULL)
        return NULL;
    if (e->ns.ptr)
        json_object_set_new(j, "namespace", bytes_string(e->ns));
    if (e->element.ptr)
        json_object_set_new(j, "element", bytes_string(e->element));
    if (e->offset)
        json_object_set_new(j, "offset", json_integer((json_int_t)e->offset));
    if (e->detail)
        json_object_set_new(j, "detail", json_string(e->detail));
    return j;
}

static json_t *errors_json(const struct mdlg_doc_error *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, error_json(&e[i]));
    return a;
}

static json_t *checks_json(const struct mdlg_doc_result *r)
{
    json_t *a = json_array();
    for (int i = 0; a && i < MDLG_CHECK_COUNT; i++) {
        json_t *c = json_pack("{s:s,s:b}", "name", mdlg_check_name((enum mdlg_check)i), "ok",
                              r->checks[i] == MDLG_CHECK_OK);
        if (c && r->checks[i] == MDLG_CHECK_NOT_RUN)
            json_object_set_new(c, "skipped", json_true());
        json_array_append_new(a, c);
    }
    return a;
}

json_t *mdlg__verdict_elements_json(const struct mdlg_doc_result *r)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < r->n_elements; i++) {
        const struct mdlg_element *el = &r->elements[i];
        char *ns = strndup((const char *)el->ns.ptr, el->ns.len);
        char *id = strndup((const char *)el->id.ptr, el->id.len);
        json_t *bucket = ns ? json_object_get(o, ns) : NULL;
        if (ns && bucket == NULL) {
            bucket = json_object();
            json_object_set_new(o, ns, bucket);
        }
        if (bucket && id)
            json_object_set_new(bucket, id, mdlg_cbor_value_json(el->value));
        free(ns);
        free(id);
    }
    return o;
}

static json_t *leniencies_json(uint32_t bits)
{
    json_t *a = json_array();
    for (int i = 0; a && i < MDLG_LENIENCY_COUNT; i++)
        if (bits & (1u << i))
            json_array_append_new(a, json_string(mdlg_leniency_name(1u << i)));
    return a;
}

static json_t *validity_json(const struct mdlg_doc_result *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "signed", bytes_string(r->signed_at.text));
    json_object_set_new(o, "valid_from", bytes_string(r->valid_from.text));
    json_object_set_new(o, "valid_until", bytes_string(r->valid_until.text));
    if (r->expected_update.text.ptr)
        json_object_set_new(o, "expected_update", bytes_string(r->expected_update.text));
    return o;
}

static json_t *issuer_json(const struct mdlg_chain_result *c)
{
    if (c->ds_subject[0] == '\0')
        return json_null();
    return json_pack("{s:s,s:o,s:o}", "subject", c->ds_subject, "anchor_sha256",
                     hex_string(c->anchor_sha256, 32), "ds_sha256", hex_string(c->ds_sha256, 32));
}

static const char *device_auth_name(enum mdlg_device_auth a)
{
    return a == MDLG_DEVAUTH_SIGNATURE ? "signature" : a == MDLG_DEVAUTH_MAC ? "mac" : "none";
}

/* {"crl", "status_list", "policy", ? "warnings"}: always present. */
static json_t *revocation_json(const struct mdlg_doc_result *r)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "crl", mdlg_crl_status_name(r->chain.crl),
                          "status_list", mdlg_status_outcome_name(r->status_list), "policy",
                          mdlg_revocation_policy_name(r->revocation));
    json_t *w = json_array();
    char msg[256];
    if (o == NULL || w == NULL)
        return json_decref(w), o;
    if (r->chain.crl == MDLG_CRL_UNAVAILABLE) {
        snprintf(msg, sizeof msg, "crl unavailable: %s",
                 r->chain.crl_detail ? r->chain.crl_detail : "no usable CRL");
        json_array_append_new(w, json_string(msg));
    }
    if (r->status_list == MDLG_SL_UNAVAILABLE) {
        snprintf(msg, sizeof msg, "status list unavailable (%s): %s",
                 mdlg_err_name(r->status_list_err),
                 r->status_list_detail ? r->status_list_detail : "no usable status list");
        json_array_append_new(w, json_string(msg));
    }
    if (r->chain.crl_next_update) {
        char nu[21];
        mdlg_format_rfc3339(r->chain.crl_next_update, nu);
        json_object_set_new(o, "crl_next_update", json_string(nu));
    }
    if (json_array_size(w) > 0 && r->revocation == MDLG_REVOCATION_FAIL_OPEN)
        json_object_set_new(o, "warnings", w);
    else
        json_decref(w);
    return o;
}

/*
 * The coverage entries as verdicts carry them (a brief form: status,
 * wallets, TSA, fallback), built once (the table is immutable) and shared by
 * every verdict: a verdict takes a reference, so it costs nothing per call
 * (jansson's reference counts are atomic and dumping only reads). Never
 * freed, like the built-in table.
 */
static pthread_once_t cov_once = PTHREAD_ONCE_INIT;
static const struct mdlg_coverage *cov_table;
static json_t **cov_json;
static char **cov_text;        /* the compact text of each, for mdlg_verdict_text */
static size_t *cov_text_len;

/* Members a verdict carries; the full entry (notes, sources) is GET /v1/coverage/{code}. */
static const char *const cov_brief_keys[] = {
    "code", "name", "mdl_status", "apple_wallet", "google_wallet", "samsung_wallet",
    "tsa_accepted", "online_18013_7", "fallback", "as_of",
};

static json_t *coverage_brief(const struct mdlg_cov_entry *e)
{
    json_t *full = mdlg_coverage_entry_json(e), *o = json_object();
    for (size_t i = 0; full && o && i < sizeof cov_brief_keys / sizeof cov_brief_keys[0]; i++) {
        json_t *v = json_object_get(full, cov_brief_keys[i]);
        if (v != NULL)
            json_object_set(o, cov_brief_keys[i], v);
    }
    json_decref(full);
    return o;
}

static void cov_build(void)
{
    const struct mdlg_coverage *t = NULL;
    if (mdlg_coverage_builtin(&t) != MDLG_E_OK)
        return;
    size_t n = mdlg_coverage_count(t);
    json_t **a = calloc(n ? n : 1, sizeof *a);
    char **text = calloc(n ? n : 1, sizeof *text);
    size_t *len = calloc(n ? n : 1, sizeof *len);
    for (size_t i = 0; a && i < n; i++) {
        a[i] = coverage_brief(mdlg_coverage_at(t, i));
        if (text && len && a[i])
            text[i] = mdlg_json_dump_compact(a[i], &len[i]);
    }
    cov_json = a;
    cov_text = text && len ? text : NULL;
    cov_text_len = text && len ? len : NULL;
    cov_table = a ? t : NULL;
}

/* Index of jurisdiction in the table; -1: its coverage is null (not a US code, not found). */
static long coverage_index(const char *jurisdiction)
{
    pthread_once(&cov_once, cov_build);
    if (cov_table == NULL || strncmp(jurisdiction, "US-", 3) != 0)
        return -1;
    for (size_t i = 0; i < mdlg_coverage_count(cov_table); i++)
        if (strcmp(mdlg_coverage_at(cov_table, i)->code, jurisdiction) == 0)
            return (long)i;
    return -1;
}

const char *mdlg__verdict_coverage_text(const char *jurisdiction, size_t *len)
{
    long i = coverage_index(jurisdiction);
    if (i < 0) {
        *len = 4;
        return "null";
    }
    if (cov_text == NULL || cov_text[i] == NULL)
        return NULL;
    *len = cov_text_len[i];
    return cov_text[i];
}

/*
 * The coverage entry of a US jurisdiction ("US-CA"); null for any other
 * (a foreign country, a "_class" such as "_test", none found). Only the
 * exact code counts: the anchor's jurisdiction is already normalised.
 */
static json_t *coverage_json(const char *jurisdiction)
{
    long i = coverage_index(jurisdiction);
    if (i < 0)
        return json_null();
    return cov_json[i] ? json_incref(cov_json[i]) : NULL;
}

static json_t *doc_json(const struct mdlg_doc_result *r)
{
    json_t *o = json_pack("{s:o,s:b,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o}",
        "doctype", bytes_string(r->doctype), "valid", r->valid,
        "jurisdiction", r->chain.jurisdiction[0] ? json_string(r->chain.jurisdiction) : json_null(),
        "issuer", issuer_json(&r->chain), "validity", validity_json(r),
        "device_auth", device_auth_name(r->device_auth), "checks", checks_json(r),
        "errors", errors_json(r->errors, r->n_errors), "elements", mdlg__verdict_elements_json(r),
        "leniencies", leniencies_json(r->leniencies));
    if (o)
        json_object_set_new(o, "revocation", revocation_json(r));
    if (o && r->n_errors_dropped)
        json_object_set_new(o, "errors_dropped", json_integer((json_int_t)r->n_errors_dropped));
    if (o)
        json_object_set_new(o, "coverage", coverage_json(r->chain.jurisdiction));
    if (o && r->status_list_uri.ptr)
        json_object_set_new(o, "status_list", json_pack("{s:o,s:I}", "uri",
                            bytes_string(r->status_list_uri), "idx", (json_int_t)r->status_list_idx));
    return o;
}

json_t *mdlg_verdict_json(const struct mdlg_result *r)
{
    char at[21];
    mdlg_format_rfc3339(r->verified_at, at);
    json_t *docs = json_array();
    for (size_t i = 0; docs && i < r->n_docs; i++)
        json_array_append_new(docs, doc_json(&r->docs[i]));
    json_t *o = json_pack("{s:b,s:s,s:s,s:o,s:o}", "valid", r->valid, "verified_at", at, "policy",
                          r->policy == MDLG_POLICY_LENIENT ? "lenient" : "strict", "errors",
                          errors_json(r->errors, r->n_errors), "documents", docs);
    if (o && r->n_document_errors)
        json_object_set_new(o, "document_errors", json_integer((json_int_t)r->n_document_errors));
    return o;
}
