/*
 * cbor_enc.c - a small CBOR encoder with a sticky error.
 * see mdlg/cbor.h
 *
 * Used for the structures mdlgate builds itself (Sig_structure,
 * DeviceAuthentication, SessionTranscripts, test issuer output). Always
 * writes preferred (shortest) heads and definite lengths.
 */
#include <stdlib.h>
#include <string.h>

#include "mdlg/cbor.h"
#include "mdlg/limits.h"

void mdlg_cbor_buf_init(struct mdlg_cbor_buf *b, uint8_t *storage, size_t cap)
{
    b->ptr = storage;
    b->initial = storage;
    b->cap = storage ? cap : 0;
    b->initial_cap = b->cap;
    b->len = 0;
    b->max = 0;
    b->err = MDLG_E_OK;
}

void mdlg_cbor_buf_free(struct mdlg_cbor_buf *b)
{
    if (b->ptr != b->initial)
        free(b->ptr);
    b->ptr = b->initial;
    b->cap = b->initial_cap;   /* not the heap capacity: storage is smaller */
    b->len = 0;
    b->err = MDLG_E_OK;
}

/* Makes room for n more bytes; false (and sticky error) if impossible. */
static bool reserve(struct mdlg_cbor_buf *b, size_t n)
{
    size_t max = b->max ? b->max : (size_t)MDLG_MAX_BODY * 4u;
    if (b->err != MDLG_E_OK)
        return false;
    if (n > max || b->len > max - n) {
        b->err = MDLG_E_LIMIT_BODY_SIZE;
        return false;
    }
    if (b->len + n <= b->cap)
        return true;
    size_t need = b->len + n;   /* <= max, checked above */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;   /* a caller max near SIZE_MAX */
    uint8_t *p = b->ptr == b->initial ? malloc(cap) : realloc(b->ptr, cap);
    if (p == NULL) {
        b->err = MDLG_E_NO_MEMORY;
        return false;
    }
    if (b->ptr == b->initial && b->len > 0)
        memcpy(p, b->initial, b->len);
    b->ptr = p;
    b->cap = cap;
    return true;
}

void mdlg_cbor_put_raw(struct mdlg_cbor_buf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n > 0)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
}

size_t mdlg_cbor_head_len(uint64_t v)
{
    return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

void mdlg_cbor_put_head(struct mdlg_cbor_buf *b, unsigned major, uint64_t v)
{
    uint8_t h[9];
    size_t n = mdlg_cbor_head_len(v);
    static const uint8_t ai[10] = { 0, 0, 24, 25, 0, 26, 0, 0, 0, 27 };
    h[0] = (uint8_t)((major << 5) | (n == 1 ? v : ai[n]));
    for (size_t i = 1; i < n; i++)
        h[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    mdlg_cbor_put_raw(b, h, n);
}

void mdlg_cbor_put_uint(struct mdlg_cbor_buf *b, uint64_t v) { mdlg_cbor_put_head(b, 0, v); }

void mdlg_cbor_put_int(struct mdlg_cbor_buf *b, int64_t v)
{
    if (v >= 0)
        mdlg_cbor_put_head(b, 0, (uint64_t)v);
    else
        mdlg_cbor_put_head(b, 1, (uint64_t)(-1 - v));
}

void mdlg_cbor_put_bstr(struct mdlg_cbor_buf *b, const void *p, size_t n)
{
    mdlg_cbor_put_head(b, 2, n);
    mdlg_cbor_put_raw(b, p, n);
}

void mdlg_cbor_put_tstr(struct mdlg_cbor_buf *b, const void *p, size_t n)
{
    mdlg_cbor_put_head(b, 3, n);
    mdlg_cbor_put_raw(b, p, n);
}

void mdlg_cbor_put_cstr(struct mdlg_cbor_buf *b, const char *s) { mdlg_cbor_put_tstr(b, s, strlen(s)); }
void mdlg_cbor_put_array(struct mdlg_cbor_buf *b, uint64_t n) { mdlg_cbor_put_head(b, 4, n); }
void mdlg_cbor_put_map(struct mdlg_cbor_buf *b, uint64_t n) { mdlg_cbor_put_head(b, 5, n); }
void mdlg_cbor_put_tag(struct mdlg_cbor_buf *b, uint64_t tag) { mdlg_cbor_put_head(b, 6, tag); }

void mdlg_cbor_put_bool(struct mdlg_cbor_buf *b, bool v)
{
    uint8_t x = v ? 0xf5 : 0xf4;
    mdlg_cbor_put_raw(b, &x, 1);
}

void mdlg_cbor_put_null(struct mdlg_cbor_buf *b)
{
    uint8_t x = 0xf6;
    mdlg_cbor_put_raw(b, &x, 1);
}
