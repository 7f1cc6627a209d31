/*
 * cbor_walk.c - bounded CBOR reader over libcbor's cbor_stream_decode().
 * see mdlg/cbor.h
 *
 * cbor_stream_decode() decodes one head (or one definite string) per call and
 * reports it through callbacks; it never allocates. This file keeps the
 * structure: an explicit stack of open containers (depth <= MDLG_MAX_DEPTH),
 * one mdlg_cbor_item per data item, counts checked against the bytes left
 * before they drive anything, and duplicate keys checked when a map closes.
 */
#include <cbor.h>
#include <string.h>

#include "mdlg/cbor.h"
#include "mdlg/limits.h"

/* What the last callback reported. */
enum head_kind { H_NONE, H_LEAF, H_CONTAINER, H_INDEF, H_BREAK };

struct head {
    enum head_kind kind;
    uint8_t type;
    uint64_t value;    /* container count, tag number, uint, simple value */
    double f;
    struct mdlg_bytes s;
};

/* An open container on the stack (its type copied here: read for every child). */
struct frame {
    uint32_t idx;        /* its item */
    uint64_t remaining;  /* children still expected (definite) */
    uint32_t children;   /* children seen */
    uint8_t type;        /* the container's mdlg_cbor_type */
    bool indefinite;
};

struct walker {
    struct mdlg_cbor_doc *doc;
    size_t pos;
    struct frame stack[MDLG_MAX_DEPTH + 1];
    unsigned depth;
    struct head h;
    mdlg_err err;
    size_t err_off;
};

/* ---- libcbor callbacks: record the head, nothing else ---- */

static void set_leaf(void *ctx, uint8_t type, uint64_t v)
{
    struct head *h = &((struct walker *)ctx)->h;
    h->kind = H_LEAF;
    h->type = type;
    h->value = v;
}

static void cb_u8(void *c, uint8_t v) { set_leaf(c, MDLG_CBOR_UINT, v); }
static void cb_u16(void *c, uint16_t v) { set_leaf(c, MDLG_CBOR_UINT, v); }
static void cb_u32(void *c, uint32_t v) { set_leaf(c, MDLG_CBOR_UINT, v); }
static void cb_u64(void *c, uint64_t v) { set_leaf(c, MDLG_CBOR_UINT, v); }
static void cb_n8(void *c, uint8_t v) { set_leaf(c, MDLG_CBOR_NEGINT, v); }
static void cb_n16(void *c, uint16_t v) { set_leaf(c, MDLG_CBOR_NEGINT, v); }
static void cb_n32(void *c, uint32_t v) { set_leaf(c, MDLG_CBOR_NEGINT, v); }
static void cb_n64(void *c, uint64_t v) { set_leaf(c, MDLG_CBOR_NEGINT, v); }

static void set_string(void *ctx, uint8_t type, cbor_data p, size_t n)
{
    set_leaf(ctx, type, 0);
    ((struct walker *)ctx)->h.s = mdlg_bytes_make(p, n);
}

static void cb_bstr(void *c, cbor_data p, size_t n) { set_string(c, MDLG_CBOR_BSTR, p, n); }
static void cb_tstr(void *c, cbor_data p, size_t n) { set_string(c, MDLG_CBOR_TSTR, p, n); }

static void set_container(void *ctx, enum head_kind kind, uint8_t type, uint64_t n)
{
    struct head *h = &((struct walker *)ctx)->h;
    h->kind = kind;
    h->type = type;
    h->value = n;
}

static void cb_bstr_indef(void *c) { set_container(c, H_INDEF, MDLG_CBOR_BSTR, 0); }
static void cb_tstr_indef(void *c) { set_container(c, H_INDEF, MDLG_CBOR_TSTR, 0); }
static void cb_array(void *c, size_t n) { set_container(c, H_CONTAINER, MDLG_CBOR_ARRAY, n); }
static void cb_array_indef(void *c) { set_container(c, H_INDEF, MDLG_CBOR_ARRAY, 0); }
static void cb_map(void *c, size_t n) { set_container(c, H_CONTAINER, MDLG_CBOR_MAP, n); }
static void cb_map_indef(void *c) { set_container(c, H_INDEF, MDLG_CBOR_MAP, 0); }
static void cb_tag(void *c, uint64_t t) { set_container(c, H_CONTAINER, MDLG_CBOR_TAG, t); }

static void set_float(void *ctx, double f)
{
    set_leaf(ctx, MDLG_CBOR_FLOAT, 0);
    ((struct walker *)ctx)->h.f = f;
}

static void cb_f2(void *c, float f) { set_float(c, f); }
static void cb_f4(void *c, float f) { set_float(c, f); }
static void cb_f8(void *c, double f) { set_float(c, f); }
static void cb_undef(void *c) { set_leaf(c, MDLG_CBOR_SIMPLE, MDLG_CBOR_UNDEFINED); }
static void cb_null(void *c) { set_leaf(c, MDLG_CBOR_SIMPLE, MDLG_CBOR_NULL); }
static void cb_bool(void *c, bool v) { set_leaf(c, MDLG_CBOR_SIMPLE, v ? MDLG_CBOR_TRUE : MDLG_CBOR_FALSE); }
static void cb_break(void *c) { ((struct walker *)c)->h.kind = H_BREAK; }

/* Field names in libcbor 0.8 are misleadingly documented; these are by role. */
static const struct cbor_callbacks walk_callbacks = {
    .uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
    .negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32, .negint64 = cb_n64,
    .byte_string = cb_bstr, .byte_string_start = cb_bstr_indef,
    .string = cb_tstr, .string_start = cb_tstr_indef,
    .array_start = cb_array, .indef_array_start = cb_array_indef,
    .map_start = cb_map, .indef_map_start = cb_map_indef,
    .tag = cb_tag,
    .float2 = cb_f2, .float4 = cb_f4, .float8 = cb_f8,
    .undefined = cb_undef, .null = cb_null, .boolean = cb_bool,
    .indef_break = cb_break,
};

/* ---- small helpers ---- */

static mdlg_err fail(struct walker *w, mdlg_err e, size_t off)
{
    if (w->err == MDLG_E_OK) {
        w->err = e;
        w->err_off = off;
    }
    return e;
}

/* Size of the head that starts with initial byte ib (1 + argument bytes). */
static size_t head_size(uint8_t ib)
{
    uint8_t ai = ib & 0x1f;
    if (ai < 24 || ai == 31)
        return 1;
    if (ai <= 27)
        return 1 + ((size_t)1 << (ai - 24));
    return 1;
}

/*
 * Heads libcbor 0.8's streaming decoder rejects although RFC 8949 allows
 * them: tags 6..20 in the initial byte (c6..d4) and simple values other than
 * false/true/null/undefined (e0..f3, f8 xx). Read them here.
 * Returns the head size consumed, 0 if `ib` is not such a head, or sets err.
 */
static size_t read_other_simple(struct walker *w, const uint8_t *p, size_t left)
{
    if (p[0] >= 0xc6 && p[0] <= 0xd4) {    /* tags 6..20 (e.g. COSE 17, 18): libcbor 0.8 errs */
        set_container(w, H_CONTAINER, MDLG_CBOR_TAG, p[0] & 0x1f);
        return 1;
    }
    if (p[0] >= 0xe0 && p[0] <= 0xf3) {
        set_leaf(w, MDLG_CBOR_SIMPLE, p[0] & 0x1f);
        return 1;
    }
    if (p[0] != 0xf8)
        return 0;
    if (left < 2) {
        fail(w, MDLG_E_CBOR_TRUNCATED, w->pos);
        return 0;
    }
    if (p[1] < 32) {   /* RFC 8949 3.3: not well-formed */
        fail(w, MDLG_E_CBOR_MALFORMED, w->pos);
        return 0;
    }
    set_leaf(w, MDLG_CBOR_SIMPLE, p[1]);
    return 2;
}

/* Decodes the next head at w->pos into w->h; returns bytes consumed or 0 on error. */
static size_t next_head(struct walker *w)
{
    size_t left = w->doc->len - w->pos;
    w->h.kind = H_NONE;
    if (left == 0) {
        fail(w, MDLG_E_CBOR_TRUNCATED, w->pos);
        return 0;
    }
    const uint8_t *p = w->doc->buf + w->pos;   /* buf may be NULL when len is 0 */
    size_t n = read_other_simple(w, p, left);
    if (n > 0 || w->err != MDLG_E_OK)
        return n;
    struct cbor_decoder_result r = cbor_stream_decode(p, left, &walk_callbacks, w);
    if (r.status == CBOR_DECODER_NEDATA) {
        bool string = (p[0] >> 5) == 2 || (p[0] >> 5) == 3;
        mdlg_err e = (string && left >= head_size(p[0])) ? MDLG_E_CBOR_LENGTH_EXCEEDS_INPUT
                                                          : MDLG_E_CBOR_TRUNCATED;
        fail(w, e, w->pos);
        return 0;
    }
    if (r.status != CBOR_DECODER_FINISHED || w->h.kind == H_NONE || r.read == 0) {
        fail(w, MDLG_E_CBOR_MALFORMED, w->pos);
        return 0;
    }
    return r.read;
}

/* ---- duplicate keys: equality in the CBOR data model (RFC 8949 2, 5.6) ---- */

/* The content of a text or byte string, definite or chunked, as segments. */
struct seg_iter {
    const struct mdlg_cbor_item *items;
    uint32_t next, end;      /* chunk items still to read */
    struct mdlg_bytes cur;   /* unread part of the current segment */
};

static void seg_init(struct seg_iter *s, const struct mdlg_cbor_doc *d, uint32_t i)
{
    s->items = d->items;
    if (d->items[i].indefinite) {
        s->next = i + 1;                 /* chunks are leaves i+1 .. end-1 */
        s->end = d->items[i].end;
        s->cur = mdlg_bytes_make(NULL, 0);
    } else {
        s->next = s->end = 0;
        s->cur = d->items[i].v.s;
    }
}

/* Makes s->cur non-empty; false at the end of the string. */
static bool seg_fill(struct seg_iter *s)
{
    while (s->cur.len == 0) {
        if (s->next >= s->end)
            return false;
        s->cur = s->items[s->next++].v.s;
    }
    return true;
}

/* Same content, whatever the chunking ((_ "a", "b") equals "ab"). */
static bool strings_equal(const struct mdlg_cbor_doc *d, uint32_t a, uint32_t b)
{
    if (!d->items[a].indefinite && !d->items[b].indefinite)
        return mdlg_bytes_eq(d->items[a].v.s, d->items[b].v.s);
    struct seg_iter x, y;
    seg_init(&x, d, a);
    seg_init(&y, d, b);
    for (;;) {
        bool more_x = seg_fill(&x), more_y = seg_fill(&y);
        if (!more_x || !more_y)
            return more_x == more_y;
        size_t n = x.cur.len < y.cur.len ? x.cur.len : y.cur.len;
        if (memcmp(x.cur.ptr, y.cur.ptr, n) != 0)
            return false;
        x.cur = mdlg_bytes_make(x.cur.ptr + n, x.cur.len - n);
        y.cur = mdlg_bytes_make(y.cur.ptr + n, y.cur.len - n);
    }
}

/*
 * Data-model equality of the subtrees at a and b, so that a key cannot be
 * repeated under another encoding: integers by value whatever their head
 * width (01 == 18 01), floats by value whatever their width (f16 1.0 == f64
 * 1.0; compared bitwise on the widened double, so 0.0 != -0.0 and a NaN
 * equals the same NaN), strings by content whatever their chunking, tags and
 * arrays item by item, definite or not. Maps used as keys compare pair by
 * pair in encoded order (mdoc and COSE never use them). Both subtrees are
 * walked in pre-order; with equal counts at every container, equal sequences
 * mean equal trees.
 */
static bool items_equal(const struct mdlg_cbor_doc *d, uint32_t a, uint32_t b)
{
    uint32_t end_a = d->items[a].end, end_b = d->items[b].end;
    while (a < end_a && b < end_b) {
        const struct mdlg_cbor_item *x = &d->items[a], *y = &d->items[b];
        if (x->type != y->type)
            return false;
        switch (x->type) {
        case MDLG_CBOR_UINT:
        case MDLG_CBOR_NEGINT:
        case MDLG_CBOR_SIMPLE:
        case MDLG_CBOR_TAG:
            if (x->v.u != y->v.u)
                return false;
            break;
        case MDLG_CBOR_FLOAT:
            if (memcmp(&x->v.f, &y->v.f, sizeof x->v.f) != 0)
                return false;
            break;
        case MDLG_CBOR_BSTR:
        case MDLG_CBOR_TSTR:
            if (!strings_equal(d, a, b))
                return false;
            a = x->end;   /* skip the chunks */
            b = y->end;
            continue;
        default:          /* array, map: same count, then the children */
            if (x->count != y->count)
                return false;
            break;
        }
        a++;
        b++;
    }
    return a == end_a && b == end_b;
}

/* Checks the map at index m (complete) for repeated keys. */
static mdlg_err check_duplicates(struct walker *w, uint32_t m)
{
    const struct mdlg_cbor_doc *d = w->doc;
    for (uint32_t k = mdlg_cbor_first(d, m); k != MDLG_CBOR_NONE;) {
        uint32_t v = d->items[k].end;
        for (uint32_t j = d->items[v].end; j < d->items[m].end;) {
            if (items_equal(d, k, j))
                return fail(w, MDLG_E_CBOR_DUPLICATE_KEY, d->items[j].off);
            j = d->items[d->items[j].end].end;   /* skip value */
        }
        k = d->items[v].end < d->items[m].end ? d->items[v].end : MDLG_CBOR_NONE;
    }
    return MDLG_E_OK;
}

/* ---- structure ---- */

/* Checks a new child against its parent frame (chunk rules, size limits). */
static mdlg_err check_child(struct walker *w, const struct head *h, size_t off)
{
    if (w->depth == 0)
        return MDLG_E_OK;
    const struct frame *f = &w->stack[w->depth - 1];
    if ((f->type == MDLG_CBOR_BSTR || f->type == MDLG_CBOR_TSTR) &&
        (h->kind != H_LEAF || h->type != f->type))
        return fail(w, MDLG_E_CBOR_MALFORMED, off);   /* chunk of another kind */
    if (f->indefinite) {
        uint32_t limit = f->type == MDLG_CBOR_MAP ? 2 * MDLG_MAX_MAP_ENTRIES
                                                   : MDLG_MAX_ARRAY_ITEMS;
        if (f->children + 1 > limit)
            return fail(w, f->type == MDLG_CBOR_MAP ? MDLG_E_LIMIT_MAP_ENTRIES
                                                    : MDLG_E_LIMIT_ARRAY_ITEMS, off);
    }
    return MDLG_E_OK;
}

/*
 * Checks a declared container count before it is trusted. `off` is the
 * head's offset (where errors are reported), `after` the offset just past it.
 * The capacity check counts the container's own item too.
 */
static mdlg_err check_count(struct walker *w, const struct head *h, size_t off, size_t after)
{
    uint64_t n = h->value;
    size_t left = w->doc->len - after;
    if (h->type == MDLG_CBOR_MAP) {
        if (n > MDLG_MAX_MAP_ENTRIES)
            return fail(w, MDLG_E_LIMIT_MAP_ENTRIES, off);
        n *= 2;
    } else if (h->type == MDLG_CBOR_ARRAY && n > MDLG_MAX_ARRAY_ITEMS) {
        return fail(w, MDLG_E_LIMIT_ARRAY_ITEMS, off);
    } else if (h->type == MDLG_CBOR_TAG) {
        n = 1;
    }
    if (n > left)
        return fail(w, MDLG_E_CBOR_LENGTH_EXCEEDS_INPUT, off);
    if (n + 1 > (uint64_t)(w->doc->cap - w->doc->n))
        return fail(w, MDLG_E_CBOR_TOO_MANY_ITEMS, off);
    return MDLG_E_OK;
}

/* Records a new item for head h at offset off (each field written once); returns its index. */
static uint32_t add_item(struct walker *w, const struct head *h, size_t off)
{
    struct mdlg_cbor_doc *d = w->doc;
    uint32_t i = d->n++;
    struct mdlg_cbor_item *it = &d->items[i];
    it->type = h->type;
    it->indefinite = h->kind == H_INDEF;
    it->depth = (uint16_t)w->depth;
    it->count = h->kind != H_CONTAINER ? 0 : h->type == MDLG_CBOR_TAG ? 1 : (uint32_t)h->value;
    it->end = i + 1;
    it->off = off;
    it->len = 0;
    it->v.s = mdlg_bytes_make(NULL, 0);   /* the whole union zero, then one member */
    if (h->type == MDLG_CBOR_FLOAT)
        it->v.f = h->f;
    else if (h->kind == H_LEAF && (h->type == MDLG_CBOR_BSTR || h->type == MDLG_CBOR_TSTR))
        it->v.s = h->s;
    else
        it->v.u = h->value;
    return i;
}

/* Closes finished containers after an item ended at w->pos. */
static mdlg_err close_frames(struct walker *w)
{
    while (w->depth > 0) {
        struct frame *f = &w->stack[w->depth - 1];
        f->children++;
        if (f->indefinite || --f->remaining > 0)
            return MDLG_E_OK;
        struct mdlg_cbor_item *it = &w->doc->items[f->idx];
        it->end = w->doc->n;
        it->len = w->pos - it->off;
        w->depth--;
        if (it->type == MDLG_CBOR_MAP && check_duplicates(w, f->idx) != MDLG_E_OK)
            return w->err;
    }
    return MDLG_E_OK;
}

/* An item ended: close_frames, with its common case (the parent expects more) inline. */
static inline mdlg_err item_done(struct walker *w)
{
    struct frame *f = &w->stack[w->depth > 0 ? w->depth - 1 : 0];
    if (w->depth == 0 || (!f->indefinite && f->remaining <= 1))
        return close_frames(w);
    f->children++;
    f->remaining -= !f->indefinite;
    return MDLG_E_OK;
}

/* Handles a break: closes the innermost indefinite container. */
static mdlg_err on_break(struct walker *w, size_t off)
{
    if (w->depth == 0 || !w->stack[w->depth - 1].indefinite)
        return fail(w, MDLG_E_CBOR_MALFORMED, off);
    struct frame *f = &w->stack[w->depth - 1];
    struct mdlg_cbor_item *it = &w->doc->items[f->idx];
    if (it->type == MDLG_CBOR_MAP && f->children % 2 != 0)
        return fail(w, MDLG_E_CBOR_MALFORMED, off);   /* key without value */
    it->count = it->type == MDLG_CBOR_MAP ? f->children / 2 : f->children;
    it->end = w->doc->n;
    it->len = w->pos - it->off;
    w->depth--;
    if (it->type == MDLG_CBOR_MAP && check_duplicates(w, f->idx) != MDLG_E_OK)
        return w->err;
    return close_frames(w);
}

/* Opens a container (definite with count > 0, indefinite, or a tag). */
static mdlg_err open_frame(struct walker *w, uint32_t idx, const struct head *h)
{
    if (w->depth >= MDLG_MAX_DEPTH)
        return fail(w, MDLG_E_CBOR_TOO_DEEP, w->doc->items[idx].off);
    struct frame *f = &w->stack[w->depth++];
    f->idx = idx;
    f->children = 0;
    f->type = h->type;
    f->indefinite = h->kind == H_INDEF;
    f->remaining = h->type == MDLG_CBOR_TAG ? 1
                 : h->type == MDLG_CBOR_MAP ? 2 * h->value : h->value;
    return MDLG_E_OK;
}

/*
 * One step: read a head at w->pos and update the structure. The head is
 * used in place: copying w->h as a whole right after the callbacks wrote
 * its fields one by one made the CPU wait on store forwarding (about a
 * quarter of this function's time in perf).
 */
static mdlg_err step(struct walker *w)
{
    size_t off = w->pos;
    size_t n = next_head(w);
    if (n == 0)
        return w->err;
    w->pos += n;
    const struct head *h = &w->h;
    if (h->kind == H_BREAK)
        return on_break(w, off);
    if (check_child(w, h, off) != MDLG_E_OK)
        return w->err;
    if (h->kind == H_CONTAINER && check_count(w, h, off, w->pos) != MDLG_E_OK)
        return w->err;
    if (w->doc->n >= w->doc->cap)
        return fail(w, MDLG_E_CBOR_TOO_MANY_ITEMS, off);
    if (h->kind == H_LEAF && h->type == MDLG_CBOR_TSTR && !mdlg_utf8_valid(h->s.ptr, h->s.len))
        return fail(w, MDLG_E_CBOR_INVALID_UTF8, off);
    uint32_t idx = add_item(w, h, off);
    bool opens = h->kind == H_INDEF ||
                 (h->kind == H_CONTAINER && (h->value > 0 || h->type == MDLG_CBOR_TAG));
    if (opens)
        return open_frame(w, idx, h);
    w->doc->items[idx].len = w->pos - off;
    return item_done(w);
}

mdlg_err mdlg_cbor_parse(struct mdlg_cbor_doc *doc, const uint8_t *buf, size_t len,
                         struct mdlg_cbor_item *items, uint32_t cap, struct mdlg_diag *diag)
{
    struct walker w;   /* stack[] is written before it is read: not cleared */
    w.pos = 0;
    w.depth = 0;
    w.h.kind = H_NONE;
    w.err = MDLG_E_OK;
    w.err_off = 0;
    *doc = (struct mdlg_cbor_doc){ buf, len, items, cap, 0 };
    w.doc = doc;
    if ((buf == NULL && len > 0) || items == NULL || cap == 0)
        fail(&w, MDLG_E_USAGE, 0);
    else if (len > MDLG_MAX_BODY * 4u)
        fail(&w, MDLG_E_LIMIT_BODY_SIZE, 0);
    while (w.err == MDLG_E_OK) {
        if (step(&w) != MDLG_E_OK)
            break;
        if (w.depth == 0)
            break;
    }
    if (w.err == MDLG_E_OK && w.pos != len)
        fail(&w, MDLG_E_CBOR_TRAILING_BYTES, w.pos);
    if (w.err != MDLG_E_OK && diag != NULL) {
        diag->code = w.err;
        diag->offset = w.err_off;
    }
    return w.err;
}
