/*
 * cbor.h - a bounded, allocation-free CBOR reader and a small encoder.
 *
 * Reader: mdlg_cbor_parse() walks untrusted bytes with libcbor's
 * cbor_stream_decode() (never cbor_load(), which allocates by declared
 * lengths) and records one mdlg_cbor_item per data item, in pre-order, into
 * an array the caller owns. Every item keeps its exact byte span in the input,
 * so callers hash and sign what was received, never a re-encoding.
 *
 * The walk enforces: MDLG_MAX_DEPTH, the caller's item capacity, declared
 * lengths and counts no larger than the bytes remaining, map/array size
 * limits, no duplicate map keys, valid UTF-8 in text strings, and exactly one
 * top-level item (trailing bytes are an error). Non-preferred encodings
 * (e.g. a map head b9 00 03) and indefinite lengths are accepted.
 *
 * Duplicate keys are found by value in the CBOR data model, not by encoded
 * bytes, so one key cannot be sent twice under two encodings: 01 and 18 01
 * are the same key, a chunked text key (_ "a", "b") equals "ab", f16 1.0
 * equals f64 1.0 (but 0.0 and -0.0 differ), tags and arrays compare item by
 * item. (Map-valued keys compare pair by pair in encoded order.)
 *
 * Errors, with diag->offset: TRUNCATED where the input ends (also for empty
 * input); LENGTH_EXCEEDS_INPUT, LIMIT_MAP_ENTRIES, LIMIT_ARRAY_ITEMS and
 * TOO_MANY_ITEMS at the head whose declared length or count is too large (a
 * tag counts as declaring one item, so a lone c0 is LENGTH_EXCEEDS_INPUT;
 * limits are checked before lengths); TOO_DEEP at the container that would
 * be the (MDLG_MAX_DEPTH+1)-th open one (arrays, maps, tags, indefinite
 * strings; an empty definite array or map is not opened); DUPLICATE_KEY at
 * the later key; MALFORMED at the offending head (reserved additional info,
 * f8 00..1f, a stray or misplaced break, a bad chunk); INVALID_UTF8 at the
 * text string (for a chunk, the chunk); TRAILING_BYTES at the first byte
 * after the item. Chunks of an indefinite string count against
 * MDLG_MAX_ARRAY_ITEMS.
 *
 * Items are addressed by index. A subtree is items[i .. items[i].end); the
 * first child of a container is i + 1 and a child's next sibling is
 * items[child].end. A tag item has exactly one child (the tagged item).
 *
 * Encoder: mdlg_cbor_buf appends CBOR heads and raw spans into a buffer that
 * starts in caller storage and grows on the heap only when needed.
 */
#ifndef MDLG_CBOR_H
#define MDLG_CBOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/bytes.h"
#include "mdlg/err.h"

#define MDLG_CBOR_NONE UINT32_MAX

enum mdlg_cbor_type {
    MDLG_CBOR_UINT = 0,   /* v.u */
    MDLG_CBOR_NEGINT,     /* value is -1 - v.u */
    MDLG_CBOR_BSTR,       /* v.s (definite); indefinite: children are chunks */
    MDLG_CBOR_TSTR,       /* v.s (definite); indefinite: children are chunks */
    MDLG_CBOR_ARRAY,      /* count items follow */
    MDLG_CBOR_MAP,        /* count pairs (2*count items) follow */
    MDLG_CBOR_TAG,        /* v.u = tag number; one child */
    MDLG_CBOR_SIMPLE,     /* v.u = simple value (20 false, 21 true, 22 null, 23 undefined, ...) */
    MDLG_CBOR_FLOAT       /* v.f (half, single and double all widened) */
};

#define MDLG_CBOR_FALSE 20
#define MDLG_CBOR_TRUE 21
#define MDLG_CBOR_NULL 22
#define MDLG_CBOR_UNDEFINED 23

struct mdlg_cbor_item {
    uint8_t type;        /* enum mdlg_cbor_type */
    uint8_t indefinite;  /* 1 for indefinite-length strings, arrays, maps */
    uint16_t depth;      /* 0 for the top-level item */
    uint32_t count;      /* array items, map pairs, string chunks, 1 for a tag */
    uint32_t end;        /* index one past the last item of this subtree */
    size_t off;          /* offset of the item's first byte (its head) */
    size_t len;          /* encoded length of the whole item, children included */
    union {
        uint64_t u;
        double f;
        struct mdlg_bytes s;
    } v;
};

/* A parsed buffer: the input plus the items array the caller provided. */
struct mdlg_cbor_doc {
    const uint8_t *buf;
    size_t len;
    struct mdlg_cbor_item *items;
    uint32_t cap;
    uint32_t n;
};

/*
 * Parses buf[0..len) as exactly one CBOR item into items[0..cap).
 * On failure returns the error and, if diag is non-NULL, fills diag->offset
 * with the byte offset where the problem was found. `doc` is valid only on
 * success. Never allocates. Empty input (len 0, buf may then be NULL) is
 * CBOR_TRUNCATED; a NULL buf with len > 0, NULL items or cap 0 is USAGE.
 */
mdlg_err mdlg_cbor_parse(struct mdlg_cbor_doc *doc, const uint8_t *buf, size_t len,
                         struct mdlg_cbor_item *items, uint32_t cap,
                         struct mdlg_diag *diag) MDLG_WARN_UNUSED;

/* The item at index i (i must be < doc->n). */
static inline const struct mdlg_cbor_item *mdlg_cbor_at(const struct mdlg_cbor_doc *d, uint32_t i)
{
    return &d->items[i];
}

/* Exact encoded bytes of item i (head and content); empty if i >= doc->n. */
struct mdlg_bytes mdlg_cbor_span(const struct mdlg_cbor_doc *d, uint32_t i);

/* First child of container/tag i, or MDLG_CBOR_NONE if it has none. */
uint32_t mdlg_cbor_first(const struct mdlg_cbor_doc *d, uint32_t i);
/* Next sibling of `child` inside `parent`, or MDLG_CBOR_NONE (also if child is
 * not inside parent). */
uint32_t mdlg_cbor_next(const struct mdlg_cbor_doc *d, uint32_t parent, uint32_t child);
/* k-th child (0-based) of array i, or MDLG_CBOR_NONE. */
uint32_t mdlg_cbor_array_get(const struct mdlg_cbor_doc *d, uint32_t i, uint32_t k);

/* Value for text key `key` in map i, or MDLG_CBOR_NONE (also if i is not a map).
 * A chunked text key matches by content, as in duplicate detection. */
uint32_t mdlg_cbor_map_get_str(const struct mdlg_cbor_doc *d, uint32_t i, const char *key);
/* Value for integer key `key` in map i, or MDLG_CBOR_NONE. */
uint32_t mdlg_cbor_map_get_int(const struct mdlg_cbor_doc *d, uint32_t i, int64_t key);

/* Skips tag `tag` wrappers: if item i is that tag, returns its child, else i. */
uint32_t mdlg_cbor_untag(const struct mdlg_cbor_doc *d, uint32_t i, uint64_t tag);

/* Typed accessors: true and *out set if item i has that type. */
bool mdlg_cbor_get_uint(const struct mdlg_cbor_doc *d, uint32_t i, uint64_t *out);
bool mdlg_cbor_get_int(const struct mdlg_cbor_doc *d, uint32_t i, int64_t *out); /* in int64 range */
bool mdlg_cbor_get_bstr(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *out); /* definite only */
bool mdlg_cbor_get_tstr(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *out); /* definite only */
bool mdlg_cbor_get_bool(const struct mdlg_cbor_doc *d, uint32_t i, bool *out);
bool mdlg_cbor_is_null(const struct mdlg_cbor_doc *d, uint32_t i);
bool mdlg_cbor_is_type(const struct mdlg_cbor_doc *d, uint32_t i, enum mdlg_cbor_type t);
/* True if item i is a text or byte string, definite or chunked, whose content
 * is exactly p[0..n). */
bool mdlg_cbor_str_eq(const struct mdlg_cbor_doc *d, uint32_t i, const void *p, size_t n);

/*
 * If item i is #6.24(bstr), sets *inner to the bstr content (the embedded
 * encoding) and returns true.
 */
bool mdlg_cbor_get_tag24(const struct mdlg_cbor_doc *d, uint32_t i, struct mdlg_bytes *inner);

/* Length of the CBOR head for a major type carrying value v (1, 2, 3, 5 or 9). */
size_t mdlg_cbor_head_len(uint64_t v);

/* ----------------------------------------------------------------------------
 * Encoder. A sticky error: after a failed append every later call is a no-op
 * and mdlg_cbor_buf_err() reports MDLG_E_NO_MEMORY (or LIMIT_BODY_SIZE when a
 * fixed buffer overflows).
 */
struct mdlg_cbor_buf {
    uint8_t *ptr;
    size_t len;
    size_t cap;
    uint8_t *initial;   /* caller storage used until the first growth */
    size_t initial_cap; /* its size */
    size_t max;         /* hard cap on len (0: MDLG_MAX_BODY * 4) */
    mdlg_err err;
};

/* Starts with caller storage (may be NULL/0: heap from the first byte). */
void mdlg_cbor_buf_init(struct mdlg_cbor_buf *b, uint8_t *storage, size_t cap);
/* Frees heap storage, if any, and returns b to its state after init (caller
 * storage, len 0, no error; b->max is kept), so it can be used again. */
void mdlg_cbor_buf_free(struct mdlg_cbor_buf *b);
static inline mdlg_err mdlg_cbor_buf_err(const struct mdlg_cbor_buf *b) { return b->err; }
static inline struct mdlg_bytes mdlg_cbor_buf_bytes(const struct mdlg_cbor_buf *b)
{
    return mdlg_bytes_make(b->ptr, b->len);
}

void mdlg_cbor_put_head(struct mdlg_cbor_buf *b, unsigned major, uint64_t v);
void mdlg_cbor_put_uint(struct mdlg_cbor_buf *b, uint64_t v);
void mdlg_cbor_put_int(struct mdlg_cbor_buf *b, int64_t v);
void mdlg_cbor_put_bstr(struct mdlg_cbor_buf *b, const void *p, size_t n);
void mdlg_cbor_put_tstr(struct mdlg_cbor_buf *b, const void *p, size_t n);
void mdlg_cbor_put_cstr(struct mdlg_cbor_buf *b, const char *s); /* tstr of a C string */
void mdlg_cbor_put_array(struct mdlg_cbor_buf *b, uint64_t n);
void mdlg_cbor_put_map(struct mdlg_cbor_buf *b, uint64_t n);
void mdlg_cbor_put_tag(struct mdlg_cbor_buf *b, uint64_t tag);
void mdlg_cbor_put_bool(struct mdlg_cbor_buf *b, bool v);
void mdlg_cbor_put_null(struct mdlg_cbor_buf *b);
/* Appends already-encoded CBOR (a received span) as is. */
void mdlg_cbor_put_raw(struct mdlg_cbor_buf *b, const void *p, size_t n);

#endif
