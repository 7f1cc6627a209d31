/*
 * cbor_access.c - navigation and typed accessors over a parsed mdlg_cbor_doc.
 * see mdlg/cbor.h
 */
#include <string.h>

#include "mdlg/cbor.h"

struct mdlg_bytes mdlg_cbor_span(const struct mdlg_cbor_doc *d, uint32_t i)
{
    if (i >= d->n)
        return mdlg_bytes_make(NULL, 0);
    return mdlg_bytes_make(d->buf + d->items[i].off, d->items[i].len);
}

uint32_t mdlg_cbor_first(const struct mdlg_cbor_doc *d, uint32_t i)
{
    if (i >= d->n || d->items[i].end == i + 1)
        return MDLG_CBOR_NONE;
    return i + 1;
}

uint32_t mdlg_cbor_next(const struct mdlg_cbor_doc *d, uint32_t parent, uint32_t child)
{
    if (parent >= d->n || child <= parent || child >= d->items[parent].end)
        return MDLG_CBOR_NONE;   /* also child == MDLG_CBOR_NONE */
    uint32_t n = d->items[child].end;
    return n < d->items[parent].end ? n : MDLG_CBOR_NONE;
}

uint32_t mdlg_cbor_array_get(const struct mdlg_cbor_doc *d, uint32_t i, uint32_t k)
{
    if (!mdlg_cbor_is_type(d, i, MDLG_CBOR_ARRAY) || k >= d->items[i].count)
        return MDLG_CBOR_NONE;
    uint32_t c = mdlg_cbor_first(d, i);
    while (k-- > 0 && c != MDLG_CBOR_NONE)
        c = mdlg_cbor_next(d, i, c);
    return c;
}

/* Walks the pairs of map i; returns the value whose key matches. */
static uint32_t map_find(const struct mdlg_cbor_doc *d, uint32_t m,
                         bool (*match)(const struct mdlg_cbor_doc *, uint32_t, const void *),
                         const void *want)
{
    if (!mdlg_cbor_is_type(d, m, MDLG_CBOR_MAP))
        return MDLG_CBOR_NONE;
    for (uint32_t k = mdlg_cbor_first(d, m); k != MDLG_CBOR_NONE;) {
        uint32_t v = mdlg_cbor_next(d, m, k);
        if (v == MDLG_CBOR_NONE)
            break;
        if (match(d, k, want))
            return v;
        k = mdlg_cbor_next(d, m, v);
    }
    return MDLG_CBOR_NONE;
}

bool mdlg_cbor_str_eq(const struct mdlg_cbor_doc *d, uint32_t i, const void *p, size_t n)
{
    if (i >= d->n || (d->items[i].type != MDLG_CBOR_TSTR && d->items[i].type != MDLG_CBOR_BSTR))
        return false;
    const struct mdlg_cbor_item *it = &d->items[i];
    if (!it->indefinite)
        return mdlg_bytes_eq(it->v.s, mdlg_bytes_make(p, n));
    const uint8_t *want = p;
    size_t done = 0;
    for (uint32_t c = i + 1; c < it->end; c++) {   /* chunks are leaves i+1 .. end-1 */
        struct mdlg_bytes ch = d->items[c].v.s;
        if (ch.len > n - done || (ch.len > 0 && memcmp(ch.ptr, want + done, ch.len) != 0))
            return false;
        done += ch.len;
    }
    return done == n;
}

/* Text keys match whether sent definite or chunked, like duplicate detection. */
static bool match_str(const struct mdlg_cbor_doc *d, uint32_t k, const void *want)
{
    const struct mdlg_bytes *w = want;
    return mdlg_cbor_is_type(d, k, MDLG_CBOR_TSTR) && mdlg_cbor_str_eq(d, k, w->ptr, w->len);
}

static bool match_int(const struct mdlg_cbor_doc *d, uint32_t k, const void *want)
{
    int64_t v;
    return mdlg_cbor_get_int(d, k, &v) && v == *(const int64_t *)want;
}

/*
 * Text keys are looked up on every step of a verification: definite ones
 * (all that mdoc producers send) are compared here directly; a chunked key
 * goes through match_str like any other.
 */
uint32_t mdlg_cbor_map_get_str(const struct mdlg_cbor_doc *d, uint32_t i, const char *key)
{
    struct mdlg_bytes want = mdlg_bytes_make(key, strlen(key));
    if (!mdlg_cbor_is_type(d, i, MDLG_CBOR_MAP))
        return MDLG_CBOR_NONE;
    uint32_t end = d->items[i].end;
    for (uint32_t k = i + 1; k < end;) {
        uint32_t v = d->items[k].end;
        if (v >= end)
            break;
        const struct mdlg_cbor_item *it = &d->items[k];
        if (it->type == MDLG_CBOR_TSTR &&
            (it->indefinite ? match_str(d, k, &want)
                            : it->v.s.len == want.len &&
                                  (want.len == 0 || memcmp(it->v.s.ptr, key, want.len) == 0)))
            return v;
        k = d->items[v].end;
    }
    return MDLG_CBOR_NONE;
}

uint32_t mdlg_cbor_map_get_int(const struct mdlg_cbor_doc *d, uint32_t i, int64_t key)
{
    return map_find(d, i, match_int, &key);
}

uint32_t mdlg_cbor_untag(const struct mdlg_cbor_doc *d, uint32_t i, uint64_t tag)
{
    if (i < d->n && d->items[i].type == MDLG_CBOR_TAG && d->items[i].v.u == tag)
        return i + 1;
    return i;
}

bool mdlg_cbor_is_type(const struct mdlg_cbor_doc *d, uint32_t i, enum mdlg_cbor_type t)
{
    return i < d->n && d->items[i].type == t;
}

bool mdlg_cbor_get_uint(const struct mdlg_cbor_doc *d, uint32_t i, uint64_t *out)
{
    if (!mdlg_cbor_is_type(d, i, MDLG_CBOR_UINT))
        return false;
    *out = d->items[i].v.u;
    return true;
}

bool mdlg_cbor_get_int(const struct mdlg_cbor_doc *d, uint32_t i, int64_t *out)
{
    if (i >= d->n || d->items[i].v.u > (uint64_t)INT64_MAX)
        return false;
    if (d->items[i].type == MDLG_CBOR_UINT)
        *out = (int64_t)d->items[i].v.u;
    else if (d->items[i].type == MDLG_CBOR_NEGINT)
        *out = -1 - (int64_t)d->items[i].v.u;
    else
        return false;
    return true;
}

static bool get_string(const struct mdlg_cbor_doc *d, uint32_t i, enum mdlg_cbor_type t,
                       struct mdlg_bytes *out)
{
    if (!mdlg_cbor_is_type(d, i, t) || d->items[i].indefinite)
        return false;
    *out = d->items[i].v.s;
    return true;
}

bool mdlg_cbor_get_bstr(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *out)
{
    return get_string(d, i, MDLG_CBOR_BSTR, out);
}

bool mdlg_cbor_get_tstr(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *out)
{
    return get_string(d, i, MDLG_CBOR_TSTR, out);
}

bool mdlg_cbor_get_bool(const struct mdlg_cbor_doc *d, uint32_t i, bool *out)
{
    if (!mdlg_cbor_is_type(d, i, MDLG_CBOR_SIMPLE))
        return false;
    if (d->items[i].v.u != MDLG_CBOR_TRUE && d->items[i].v.u != MDLG_CBOR_FALSE)
        return false;
    *out = d->items[i].v.u == MDLG_CBOR_TRUE;
    return true;
}

bool mdlg_cbor_is_null(const struct mdlg_cbor_doc *d, uint32_t i)
{
    return mdlg_cbor_is_type(d, i, MDLG_CBOR_SIMPLE) && d->items[i].v.u == MDLG_CBOR_NULL;
}

bool mdlg_cbor_get_tag24(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *inner)
{
    if (!mdlg_cbor_is_type(d, i, MDLG_CBOR_TAG) || d->items[i].v.u != 24)
        return false;
    return mdlg_cbor_get_bstr(d, i + 1, inner);
}
