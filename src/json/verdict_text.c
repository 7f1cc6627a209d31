/*
 * verdict_text.c - the verdict JSON written straight from struct
 * mdlg_result, without a jansson tree. see mdlg/verdict.h
 *
 * The text must be byte for byte what mdlg_json_dump_compact(mdlg_verdict_json(r))
 * writes (tests/unit/test_verdict_text.c and the verify fuzzer compare the two).
 * Members are written in the order verdict.c packs them. Where the tree
 * would do something unusual, this writer does not imitate it:
 *   - a string that is not UTF-8 (jansson refuses it and the member, the
 *     array entry or the whole document silently goes): the whole verdict
 *     is made by the tree instead (w->odd);
 *   - element lists with repeated or NUL-bearing names, or more than
 *     FAST_ELEMENTS entries: that "elements" object comes from the tree;
 *   - element-value maps whose keys are not all distinct definite text
 *     strings without NUL (keys the tree turns into decimal or hex, or
 *     truncates), or more than FAST_MAP_KEYS pairs, and reals: that value
 *     comes from the tree.
 * A value the tree cannot build (it would leave the member or array entry
 * out) is rolled back here the same way.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/bytes.h"
#include "mdlg/cbor.h"
#include "mdlg/json_dump.h"
#include "mdlg/verdict.h"
#include "verdict_internal.h"

#define FAST_ELEMENTS 64u
#define FAST_MAP_KEYS 16u
#define VALUE_STACK_ITEMS 256u

struct vw {
    struct mdlg_json_out o;
    bool odd;                      /* the tree must write this verdict */
};

static void lit(struct vw *w, const char *s)
{
    mdlg_json_out_raw(&w->o, s, strlen(s));
}

static void integer(struct vw *w, json_int_t v)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, v);
    mdlg_json_out_raw(&w->o, num, (size_t)n);
}

/* A string the tree makes with json_stringn (NUL kept, escaped); odd if not UTF-8. */
static void str(struct vw *w, const void *p, size_t n)
{
    if (!mdlg_utf8_valid(p, n)) {
        w->odd = true;
        return;
    }
    mdlg_json_out_string(&w->o, p, n);
}

/* A C string as json_string / json_pack "s" take it (NULL: the tree has none). */
static void cstr(struct vw *w, const char *s)
{
    if (s == NULL)
        w->odd = true;
    else
        str(w, s, strlen(s));
}

/* bytes_string of verdict.c: null without a pointer. */
static void bytes(struct vw *w, struct mdlg_bytes b)
{
    if (b.ptr == NULL)
        lit(w, "null");
    else
        str(w, b.ptr, b.len);
}

static void hex32(struct vw *w, const uint8_t *p)
{
    static const char digits[] = "0123456789abcdef";
    char *s = mdlg_json_out_reserve(&w->o, 66);
    if (s == NULL)
        return;
    s[0] = '"';
    for (size_t i = 0; i < 32; i++) {
        s[1 + 2 * i] = digits[p[i] >> 4];
        s[2 + 2 * i] = digits[p[i] & 15];
    }
    s[65] = '"';
    w->o.len += 66;
}

/* "..." base64url without padding, as verdict.c's base64url. */
static void base64url(struct vw *w, struct mdlg_bytes b)
{
    char *s = mdlg_json_out_reserve(&w->o, b.len / 3 * 4 + 6);
    if (s == NULL)
        return;
    s[0] = '"';
    size_t n = 1 + mdlg__b64url_put(s + 1, b);
    s[n++] = '"';
    w->o.len += n;
}

/* ---- element values (CBOR -> JSON, the rules of mdlg_cbor_value_json) ---- */

static bool item(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i);

/* The tree's own JSON for item i; false (nothing written) where it has none. */
static bool via_tree(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i)
{
    json_t *j = mdlg__cbor_item_json(d, i);
    if (j == NULL)
        return false;
    mdlg_json_out_value(&w->o, j);
    json_decref(j);
    return true;
}

/* A text or byte string, definite or in chunks. */
static bool string_item(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i)
{
    const struct mdlg_cbor_item *it = &d->items[i];
    if (it->indefinite)
        return via_tree(w, d, i);
    if (it->type == MDLG_CBOR_BSTR) {
        base64url(w, it->v.s);
        return true;
    }
    if (it->v.s.ptr == NULL) {
        lit(w, "null");
        return true;
    }
    if (!mdlg_utf8_valid(it->v.s.ptr, it->v.s.len))
        return false;   /* json_stringn refuses it */
    mdlg_json_out_string(&w->o, (const char *)it->v.s.ptr, it->v.s.len);
    return true;
}

static bool array_item(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i)
{
    bool first = true;
    lit(w, "[");
    for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c)) {
        size_t mark = w->o.len;
        if (!first)
            lit(w, ",");
        if (item(w, d, c))
            first = false;
        else
            w->o.len = mark;   /* json_array_append_new(NULL) leaves it out */
    }
    lit(w, "]");
    return true;
}

/* True if the map's keys are at most FAST_MAP_KEYS distinct definite text strings without NUL. */
static bool plain_keys(const struct mdlg_cbor_doc *d, uint32_t m)
{
    struct mdlg_bytes k[FAST_MAP_KEYS];
    size_t n = 0;
    for (uint32_t c = mdlg_cbor_first(d, m); c != MDLG_CBOR_NONE;
         c = mdlg_cbor_next(d, m, mdlg_cbor_next(d, m, c))) {
        if (n == FAST_MAP_KEYS || !mdlg_cbor_get_tstr(d, c, &k[n]) || k[n].ptr == NULL ||
            memchr(k[n].ptr, 0, k[n].len) != NULL || !mdlg_utf8_valid(k[n].ptr, k[n].len))
            return false;
        for (size_t j = 0; j < n; j++)
            if (k[j].len == k[n].len && memcmp(k[j].ptr, k[n].ptr, k[n].len) == 0)
                return false;
        n++;
    }
    return true;
}

static bool map_item(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i)
{
    bool first = true;
    if (!plain_keys(d, i))
        return via_tree(w, d, i);
    lit(w, "{");
    for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c)) {
        uint32_t v = mdlg_cbor_next(d, i, c);
        size_t mark = w->o.len;
        if (!first)
            lit(w, ",");
        mdlg_json_out_string(&w->o, (const char *)d->items[c].v.s.ptr, d->items[c].v.s.len);
        lit(w, ":");
        if (item(w, d, v))
            first = false;
        else
            w->o.len = mark;   /* json_object_set_new(NULL) leaves it out */
        c = v;
    }
    lit(w, "}");
    return true;
}

/* Item i; false where the tree has no value (the caller leaves the member out). */
static bool item(struct vw *w, const struct mdlg_cbor_doc *d, uint32_t i)
{
    const struct mdlg_cbor_item *it = &d->items[i];
    int64_t v;
    switch (it->type) {
    case MDLG_CBOR_UINT:
    case MDLG_CBOR_NEGINT:
        if (!mdlg_cbor_get_int(d, i, &v))
            return via_tree(w, d, i);   /* beyond int64: a real */
        integer(w, (json_int_t)v);
        return true;
    case MDLG_CBOR_BSTR:
    case MDLG_CBOR_TSTR: return string_item(w, d, i);
    case MDLG_CBOR_ARRAY: return array_item(w, d, i);
    case MDLG_CBOR_MAP: return map_item(w, d, i);
    case MDLG_CBOR_TAG: return item(w, d, i + 1);
    case MDLG_CBOR_FLOAT: return via_tree(w, d, i);
    default:
        lit(w, it->v.u == MDLG_CBOR_TRUE ? "true" : it->v.u == MDLG_CBOR_FALSE ? "false" : "null");
        return true;
    }
}

/* One element value (encoded CBOR); false if it does not parse (the tree leaves it out). */
static bool value(struct vw *w, struct mdlg_bytes enc)
{
    struct mdlg_cbor_item stack_items[VALUE_STACK_ITEMS];
    struct mdlg_cbor_item *items = stack_items;
    struct mdlg_cbor_doc d;
    uint32_t cap = VALUE_STACK_ITEMS;
    bool ok = false;
    if (enc.len + 1 > cap) {
        cap = enc.len + 1 < MDLG_MAX_ITEMS ? (uint32_t)enc.len + 1 : MDLG_MAX_ITEMS;
        if ((items = malloc(cap * sizeof *items)) == NULL)
            return w->o.ok = false;
    }
    if (mdlg_cbor_parse(&d, enc.ptr, enc.len, items, cap, NULL) == MDLG_E_OK)
        ok = item(w, &d, 0);
    if (items != stack_items)
        free(items);
    return ok;
}

/* ---- elements ---- */

static bool same(struct mdlg_bytes a, struct mdlg_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool plain_name(struct mdlg_bytes b)
{
    return b.ptr != NULL && memchr(b.ptr, 0, b.len) == NULL && mdlg_utf8_valid(b.ptr, b.len);
}

/* True if this writer can group the elements itself: few, plain names, no repeats. */
static bool plain_elements(const struct mdlg_doc_result *r)
{
    if (r->n_elements > FAST_ELEMENTS)
        return false;
    for (size_t i = 0; i < r->n_elements; i++) {
        const struct mdlg_element *e = &r->elements[i];
        if (!plain_name(e->ns) || !plain_name(e->id))
            return false;
        for (size_t j = 0; j < i; j++)
            if (same(r->elements[j].ns, e->ns) && same(r->elements[j].id, e->id))
                return false;
    }
    return true;
}

/* The namespace of element i and every later element in it, in order. */
static void bucket(struct vw *w, const struct mdlg_doc_result *r, size_t i)
{
    bool first = true;
    str(w, r->elements[i].ns.ptr, r->elements[i].ns.len);
    lit(w, ":{");
    for (size_t k = i; k < r->n_elements; k++) {
        const struct mdlg_element *e = &r->elements[k];
        size_t mark = w->o.len;
        if (!same(e->ns, r->elements[i].ns))
            continue;
        if (!first)
            lit(w, ",");
        str(w, e->id.ptr, e->id.len);
        lit(w, ":");
        if (value(w, e->value))
            first = false;
        else
            w->o.len = mark;
    }
    lit(w, "}");
}

static void elements(struct vw *w, const struct mdlg_doc_result *r)
{
    if (!plain_elements(r)) {
        json_t *j = mdlg__verdict_elements_json(r);
        mdlg_json_out_value(&w->o, j);
        json_decref(j);
        return;
    }
    lit(w, "{");
    for (size_t i = 0, n = 0; i < r->n_elements; i++) {
        size_t j = 0;
        while (j < i && !same(r->elements[j].ns, r->elements[i].ns))
            j++;
        if (j < i)
            continue;   /* its namespace is written already */
        if (n++ > 0)
            lit(w, ",");
        bucket(w, r, i);
    }
    lit(w, "}");
}

/* ---- the verdict ---- */

static void errors(struct vw *w, const struct mdlg_doc_error *e, size_t n)
{
    lit(w, "[");
    for (size_t i = 0; i < n; i++) {
        lit(w, i ? ",{\"code\":" : "{\"code\":");
        cstr(w, mdlg_err_name(e[i].code));
        if (e[i].ns.ptr) {
            lit(w, ",\"namespace\":");
            str(w, e[i].ns.ptr, e[i].ns.len);
        }
        if (e[i].element.ptr) {
            lit(w, ",\"element\":");
            str(w, e[i].element.ptr, e[i].element.len);
        }
        if (e[i].offset) {
            lit(w, ",\"offset\":");
            integer(w, (json_int_t)e[i].offset);
        }
        if (e[i].detail) {
            lit(w, ",\"detail\":");
            cstr(w, e[i].detail);
        }
        lit(w, "}");
    }
    lit(w, "]");
}

static void checks(struct vw *w, const struct mdlg_doc_result *r)
{
    lit(w, "[");
    for (int i = 0; i < MDLG_CHECK_COUNT; i++) {
        lit(w, i ? ",{\"name\":" : "{\"name\":");
        cstr(w, mdlg_check_name((enum mdlg_check)i));
        lit(w, r->checks[i] == MDLG_CHECK_OK ? ",\"ok\":true" : ",\"ok\":false");
        lit(w, r->checks[i] == MDLG_CHECK_NOT_RUN ? ",\"skipped\":true}" : "}");
    }
    lit(w, "]");
}

static void leniencies(struct vw *w, uint32_t bits)
{
    bool first = true;
    lit(w, "[");
    for (int i = 0; i < MDLG_LENIENCY_COUNT; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (!first)
            lit(w, ",");
        first = false;
        cstr(w, mdlg_leniency_name(1u << i));
    }
    lit(w, "]");
}

static void validity(struct vw *w, const struct mdlg_doc_result *r)
{
    lit(w, "{\"signed\":");
    bytes(w, r->signed_at.text);
    lit(w, ",\"valid_from\":");
    bytes(w, r->valid_from.text);
    lit(w, ",\"valid_until\":");
    bytes(w, r->valid_until.text);
    if (r->expected_update.text.ptr) {
        lit(w, ",\"expected_update\":");
        bytes(w, r->expected_update.text);
    }
    lit(w, "}");
}

static void issuer(struct vw *w, const struct mdlg_chain_result *c)
{
    if (c->ds_subject[0] == '\0') {
        lit(w, "null");
        return;
    }
    lit(w, "{\"subject\":");
    cstr(w, c->ds_subject);
    lit(w, ",\"anchor_sha256\":");
    hex32(w, c->anchor_sha256);
    lit(w, ",\"ds_sha256\":");
    hex32(w, c->ds_sha256);
    lit(w, "}");
}

/* The warnings array of revocation_json (in verdict.c), when it has entries and fail-open. */
static void warnings(struct vw *w, const struct mdlg_doc_result *r)
{
    char msg[2][256];
    int n = 0;
    if (r->chain.crl == MDLG_CRL_UNAVAILABLE)
        snprintf(msg[n++], sizeof msg[0], "crl unavailable: %s",
                 r->chain.crl_detail ? r->chain.crl_detail : "no usable CRL");
    if (r->status_list == MDLG_SL_UNAVAILABLE)
        snprintf(msg[n++], sizeof msg[0], "status list unavailable (%s): %s",
                 mdlg_err_name(r->status_list_err),
                 r->status_list_detail ? r->status_list_detail : "no usable status list");
    if (n == 0 || r->revocation != MDLG_REVOCATION_FAIL_OPEN)
        return;
    lit(w, ",\"warnings\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            lit(w, ",");
        cstr(w, msg[i]);
    }
    lit(w, "]");
}

static void revocation(struct vw *w, const struct mdlg_doc_result *r)
{
    lit(w, "{\"crl\":");
    cstr(w, mdlg_crl_status_name(r->chain.crl));
    lit(w, ",\"status_list\":");
    cstr(w, mdlg_status_outcome_name(r->status_list));
    lit(w, ",\"policy\":");
    cstr(w, mdlg_revocation_policy_name(r->revocation));
    if (r->chain.crl_next_update) {
        char nu[21];
        mdlg_format_rfc3339(r->chain.crl_next_update, nu);
        lit(w, ",\"crl_next_update\":");
        cstr(w, nu);
    }
    warnings(w, r);
    lit(w, "}");
}

static void coverage(struct vw *w, const char *jurisdiction)
{
    size_t len = 0;
    const char *text = mdlg__verdict_coverage_text(jurisdiction, &len);
    if (text == NULL)
        w->odd = true;
    else
        mdlg_json_out_raw(&w->o, text, len);
}

/* The members of doc_json (verdict.c) after "valid". */
static void doc_tail(struct vw *w, const struct mdlg_doc_result *r)
{
    lit(w, ",\"revocation\":");
    revocation(w, r);
    if (r->n_errors_dropped) {
        lit(w, ",\"errors_dropped\":");
        integer(w, (json_int_t)r->n_errors_dropped);
    }
    lit(w, ",\"coverage\":");
    coverage(w, r->chain.jurisdiction);
    if (r->status_list_uri.ptr) {
        lit(w, ",\"status_list\":{\"uri\":");
        bytes(w, r->status_list_uri);
        lit(w, ",\"idx\":");
        integer(w, (json_int_t)r->status_list_idx);
        lit(w, "}");
    }
    lit(w, "}");
}

static void doc(struct vw *w, const struct mdlg_doc_result *r)
{
    lit(w, "{\"doctype\":");
    bytes(w, r->doctype);
    lit(w, r->valid ? ",\"valid\":true,\"jurisdiction\":" : ",\"valid\":false,\"jurisdiction\":");
    if (r->chain.jurisdiction[0])
        cstr(w, r->chain.jurisdiction);
    else
        lit(w, "null");
    lit(w, ",\"issuer\":");
    issuer(w, &r->chain);
    lit(w, ",\"validity\":");
    validity(w, r);
    lit(w, ",\"device_auth\":\"");
    lit(w, r->device_auth == MDLG_DEVAUTH_SIGNATURE ? "signature"
           : r->device_auth == MDLG_DEVAUTH_MAC ? "mac" : "none");
    lit(w, "\",\"checks\":");
    checks(w, r);
    lit(w, ",\"errors\":");
    errors(w, r->errors, r->n_errors);
    lit(w, ",\"elements\":");
    elements(w, r);
    lit(w, ",\"leniencies\":");
    leniencies(w, r->leniencies);
    doc_tail(w, r);
}

static void verdict(struct vw *w, const struct mdlg_result *r)
{
    char at[21];
    mdlg_format_rfc3339(r->verified_at, at);
    lit(w, r->valid ? "{\"valid\":true,\"verified_at\":\"" : "{\"valid\":false,\"verified_at\":\"");
    lit(w, at);
    lit(w, r->policy == MDLG_POLICY_LENIENT ? "\",\"policy\":\"lenient\",\"errors\":"
                                             : "\",\"policy\":\"strict\",\"errors\":");
    errors(w, r->errors, r->n_errors);
    lit(w, ",\"documents\":[");
    for (size_t i = 0; i < r->n_docs; i++) {
        if (i)
            lit(w, ",");
        doc(w, &r->docs[i]);
    }
    lit(w, "]");
    if (r->n_document_errors) {
        lit(w, ",\"document_errors\":");
        integer(w, (json_int_t)r->n_document_errors);
    }
    lit(w, "}");
}

char *mdlg_verdict_text(const struct mdlg_result *r, size_t *len)
{
    struct vw w = { MDLG_JSON_OUT_INIT, false };
    verdict(&w, r);
    if (w.odd) {
        free(w.o.p);
        json_t *j = mdlg_verdict_json(r);
        char *text = j ? mdlg_json_dump_compact(j, len) : NULL;
        json_decref(j);
        return text;
    }
    return mdlg_json_out_finish(&w.o, len);
}
