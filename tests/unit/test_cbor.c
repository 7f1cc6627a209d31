/*
 * test_cbor.c - the bounded CBOR reader (cbor_walk.c), its navigation API
 * (cbor_access.c) and the encoder (cbor_enc.c). See mdlg/cbor.h.
 *
 * Parts:
 *   1. RFC 8949 Appendix A (shared/vectors/ext/cbor-test-vectors), compared
 *      through jansson or through diagnostic notation, and re-encoded.
 *   2. Table of hostile and malformed inputs, each with its exact error name
 *      and byte offset; RFC 8949 Appendix F (all 94 not-well-formed examples)
 *      is in the table. Then a table of well-formed edge cases.
 *   3. Navigation, typed getters and spans on nested structures.
 *   4. Encoder: heads at every boundary, growth, free and reuse, sticky errors.
 *   5. Properties with a fixed seed: random nested CBOR built with the encoder
 *      parses to the generated structure and every item's span re-parses to
 *      the same subtree; mutated and random inputs never crash (run this file
 *      under SANITIZE=1 too).
 *
 * Semantics these tests pin (decided here, documented in mdlg/cbor.h):
 *   - Duplicate map keys are compared in the CBOR data model (RFC 8949 2,
 *     5.6): 0x01 and 0x18 0x01 are the same key; a chunked text key
 *     (_ "a", "b") equals the definite "ab"; floats compare by value
 *     whatever their width (f16 1.0 == f64 1.0), with 0.0 != -0.0; tags and
 *     arrays compare element-wise. Map-valued keys compare pair by pair in
 *     encoded order (mdoc never uses them).
 *   - f8 00..f8 1f are not well-formed (RFC 8949 3.3 and Appendix F), so the
 *     Appendix A entry f818 "simple(24)" (kept from RFC 7049, removed in RFC
 *     8949) is expected to fail with CBOR_MALFORMED.
 *   - A declared count (array items, 2 x map pairs, 1 for a tag) larger than
 *     the bytes left is CBOR_LENGTH_EXCEEDS_INPUT at the head's offset, so
 *     "c0" and "a1 ff" report that rather than TRUNCATED / MALFORMED.
 *     Limits are checked before lengths (9b ff.. -> LIMIT_ARRAY_ITEMS).
 *   - Nesting: at most MDLG_MAX_DEPTH open containers (arrays, maps, tags and
 *     indefinite strings); an empty definite array or map is not opened.
 *   - Chunks of an indefinite string count against MDLG_MAX_ARRAY_ITEMS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mdlg/cbor.h"
#include "mdlg/limits.h"
#include "testutil.h"

/*
 * test_enc_sticky_error asks malloc for SIZE_MAX / 2 bytes and expects
 * NO_MEMORY; ASan would abort on such a request unless told to return NULL.
 * Only used when linked with ASan (SANITIZE=1).
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static struct mdlg_cbor_item g_items[MDLG_MAX_ITEMS];
static struct mdlg_cbor_item g_items2[MDLG_MAX_ITEMS];

/* ------------------------------------------------------------------------
 * Helpers
 */

/*
 * Hex with repetition: whitespace-separated tokens, each "HEX" or "HEX*N"
 * (HEX repeated N times). Returns a malloc'd buffer of exactly *len bytes
 * (1 byte when empty, so the pointer is never NULL), so ASan sees overreads.
 */
static uint8_t *xhex(const char *spec, size_t *len)
{
    size_t cap = 64, n = 0;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    const char *p = spec;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        const char *t = p;
        while (*p && *p != ' ' && *p != '\n' && *p != '*')
            p++;
        size_t tl = (size_t)(p - t);
        unsigned long rep = 1;
        if (*p == '*') {
            char *e;
            rep = strtoul(p + 1, &e, 10);
            p = e;
        }
        char tok[128];
        assert_true(tl < sizeof tok);
        memcpy(tok, t, tl);
        tok[tl] = '\0';
        uint8_t bytes[64];
        size_t bl = mdlg_test_hex_decode(tok, bytes, sizeof bytes);
        assert_true(bl != (size_t)-1);
        for (unsigned long r = 0; r < rep; r++) {
            if (n + bl > cap) {
                while (n + bl > cap)
                    cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            memcpy(out + n, bytes, bl);
            n += bl;
        }
    }
    *len = n;
    uint8_t *exact = malloc(n ? n : 1);
    assert_non_null(exact);
    memcpy(exact, out, n);
    free(out);
    return exact;
}

static mdlg_err parse(struct mdlg_cbor_doc *doc, const uint8_t *buf, size_t len, size_t *off)
{
    struct mdlg_diag diag = { MDLG_E_OK, (size_t)-1, NULL };
    mdlg_err e = mdlg_cbor_parse(doc, buf, len, g_items, MDLG_MAX_ITEMS, &diag);
    if (e != MDLG_E_OK)
        assert_int_equal(diag.code, e);
    if (off)
        *off = diag.offset;
    return e;
}

/* A growable string for diagnostic notation. */
struct sb {
    char *p;
    size_t n, cap;
};

static void sb_add(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *s, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(s->p ? s->p + s->n : NULL, s->p ? s->cap - s->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (s->p && s->n + (size_t)k < s->cap) {
            s->n += (size_t)k;
            return;
        }
        s->cap = (s->cap + (size_t)k + 64) * 2;
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
}

/*
 * Exact decimal of a big-endian magnitude, or of -(1 + magnitude) when
 * neg_minus_one (CBOR negative integers and tag-3 bignums).
 */
static char *big_decimal(const uint8_t *be, size_t n, bool neg_minus_one)
{
    uint8_t *w = calloc(n + 1, 1);
    assert_non_null(w);
    memcpy(w + 1, be, n);
    size_t wl = n + 1;
    if (neg_minus_one) {
        for (size_t i = wl; i-- > 0;)
            if (++w[i] != 0)
                break;
    }
    char *digits = calloc(wl * 3 + 3, 1);
    assert_non_null(digits);
    size_t nd = 0;
    for (;;) {
        bool zero = true;
        unsigned rem = 0;
        for (size_t i = 0; i < wl; i++) {
            unsigned cur = rem * 256 + w[i];
            w[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            if (w[i])
                zero = false;
        }
        digits[nd++] = (char)('0' + rem);
        if (zero)
            break;
    }
    char *out = calloc(nd + 2, 1);
    assert_non_null(out);
    size_t k = 0;
    if (neg_minus_one)
        out[k++] = '-';
    while (nd > 0)
        out[k++] = digits[--nd];
    free(digits);
    free(w);
    return out;
}

static void be64(uint64_t v, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/*
 * A JSON number if the value fits jansson's int64 json_int_t, else its
 * exact decimal as a JSON string (the vector loader quotes those literals
 * the same way, see load_vectors()).
 */
static json_t *json_bigint(const uint8_t *be, size_t n, bool neg)
{
    char *dec = big_decimal(be, n, neg);
    errno = 0;
    char *end;
    long long v = strtoll(dec, &end, 10);
    json_t *j = (errno == 0 && *end == '\0') ? json_integer(v) : json_string(dec);
    free(dec);
    return j;
}

/* Concatenated content of a text or byte string (definite or chunked). */
static char *string_content(const struct mdlg_cbor_doc *d, uint32_t i, size_t *len)
{
    const struct mdlg_cbor_item *it = mdlg_cbor_at(d, i);
    size_t total = 0;
    if (!it->indefinite)
        total = it->v.s.len;
    else
        for (uint32_t c = i + 1; c < it->end; c++)
            total += d->items[c].v.s.len;
    char *s = malloc(total + 1);
    assert_non_null(s);
    if (!it->indefinite) {
        if (total)
            memcpy(s, it->v.s.ptr, total);
    } else {
        size_t k = 0;
        for (uint32_t c = i + 1; c < it->end; c++) {
            if (d->items[c].v.s.len)
                memcpy(s + k, d->items[c].v.s.ptr, d->items[c].v.s.len);
            k += d->items[c].v.s.len;
        }
    }
    s[total] = '\0';
    *len = total;
    return s;
}

/*
 * Our item tree as JSON: ints -> integer (or exact decimal string beyond
 * int64), bignum tags 2/3 -> the same, floats -> real, text -> string
 * (chunks joined), arrays -> array, maps with text keys -> object,
 * false/true/null. Anything else (bstr, other tags, undefined, other simple
 * values, non-text keys, NaN/Inf) returns NULL: those entries carry
 * `diagnostic`, not `decoded`, and are checked by to_diag().
 */
static json_t *to_json(const struct mdlg_cbor_doc *d, uint32_t i)
{
    const struct mdlg_cbor_item *it = mdlg_cbor_at(d, i);
    uint8_t b[8];
    switch (it->type) {
    case MDLG_CBOR_UINT:
    case MDLG_CBOR_NEGINT:
        be64(it->v.u, b);
        return json_bigint(b, 8, it->type == MDLG_CBOR_NEGINT);
    case MDLG_CBOR_FLOAT:
        return json_real(it->v.f);   /* NULL for NaN and infinities */
    case MDLG_CBOR_TSTR: {
        size_t n;
        char *s = string_content(d, i, &n);
        json_t *j = json_stringn(s, n);
        free(s);
        return j;
    }
    case MDLG_CBOR_TAG: {
        struct mdlg_bytes big;
        if ((it->v.u == 2 || it->v.u == 3) && mdlg_cbor_get_bstr(d, i + 1, &big))
            return json_bigint(big.ptr, big.len, it->v.u == 3);
        return NULL;
    }
    case MDLG_CBOR_SIMPLE:
        if (it->v.u == MDLG_CBOR_FALSE)
            return json_false();
        if (it->v.u == MDLG_CBOR_TRUE)
            return json_true();
        if (it->v.u == MDLG_CBOR_NULL)
            return json_null();
        return NULL;
    case MDLG_CBOR_ARRAY: {
        json_t *a = json_array();
        for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c)) {
            json_t *v = to_json(d, c);
            if (v == NULL) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        return a;
    }
    case MDLG_CBOR_MAP: {
        json_t *o = json_object();
        for (uint32_t k = mdlg_cbor_first(d, i); k != MDLG_CBOR_NONE;) {
            uint32_t v = mdlg_cbor_next(d, i, k);
            assert_int_not_equal(v, MDLG_CBOR_NONE);
            json_t *jv = mdlg_cbor_is_type(d, k, MDLG_CBOR_TSTR) ? to_json(d, v) : NULL;
            if (jv == NULL) {
                json_decref(o);
                return NULL;
            }
            size_t n;
            char *key = string_content(d, k, &n);
            json_object_setn_new(o, key, n, jv);
            free(key);
            k = mdlg_cbor_next(d, i, v);
        }
        return o;
    }
    default:
        return NULL;
    }
}

static void diag_float(struct sb *s, double f)
{
    if (isnan(f)) {
        sb_add(s, "NaN");
        return;
    }
    if (isinf(f)) {
        sb_add(s, f > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char buf[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    sb_add(s, "%s%s", buf, strpbrk(buf, ".e") ? "" : ".0");
}

/* RFC 8949 section 8 diagnostic notation of item i. */
static void to_diag(const struct mdlg_cbor_doc *d, uint32_t i, struct sb *s)
{
    const struct mdlg_cbor_item *it = mdlg_cbor_at(d, i);
    uint8_t b[8];
    const char *sep = "";
    switch (it->type) {
    case MDLG_CBOR_UINT:
    case MDLG_CBOR_NEGINT: {
        be64(it->v.u, b);
        char *dec = big_decimal(b, 8, it->type == MDLG_CBOR_NEGINT);
        sb_add(s, "%s", dec);
        free(dec);
        return;
    }
    case MDLG_CBOR_FLOAT:
        diag_float(s, it->v.f);
        return;
    case MDLG_CBOR_BSTR:
    case MDLG_CBOR_TSTR:
        if (it->indefinite) {
            sb_add(s, "(_ ");
            for (uint32_t c = i + 1; c < it->end; c++) {
                sb_add(s, "%s", sep);
                to_diag(d, c, s);
                sep = ", ";
            }
            sb_add(s, ")");
        } else if (it->type == MDLG_CBOR_BSTR) {
            char *hex = mdlg_test_hex_encode(it->v.s.ptr, it->v.s.len);
            sb_add(s, "h'%s'", hex);
            free(hex);
        } else {
            sb_add(s, "\"");
            for (size_t k = 0; k < it->v.s.len; k++) {
                char c = (char)it->v.s.ptr[k];
                sb_add(s, (c == '"' || c == '\\') ? "\\%c" : "%c", c);
            }
            sb_add(s, "\"");
        }
        return;
    case MDLG_CBOR_ARRAY:
    case MDLG_CBOR_MAP: {
        bool map = it->type == MDLG_CBOR_MAP;
        sb_add(s, "%s%s", map ? "{" : "[", it->indefinite ? "_ " : "");
        unsigned k = 0;
        for (uint32_t c = mdlg_cbor_first(d, i); c != MDLG_CBOR_NONE; c = mdlg_cbor_next(d, i, c), k++) {
            sb_add(s, "%s", k == 0 ? "" : (map && k % 2) ? ": " : ", ");
            to_diag(d, c, s);
        }
        sb_add(s, "%s", map ? "}" : "]");
        return;
    }
    case MDLG_CBOR_TAG:
        sb_add(s, "%" PRIu64 "(", it->v.u);
        to_diag(d, i + 1, s);
        sb_add(s, ")");
        return;
    case MDLG_CBOR_SIMPLE:
        switch (it->v.u) {
        case MDLG_CBOR_FALSE: sb_add(s, "false"); return;
        case MDLG_CBOR_TRUE: sb_add(s, "true"); return;
        case MDLG_CBOR_NULL: sb_add(s, "null"); return;
        case MDLG_CBOR_UNDEFINED: sb_add(s, "undefined"); return;
        default: sb_add(s, "simple(%" PRIu64 ")", it->v.u); return;
        }
    default:
        fail_msg("unknown item type %u", it->type);
    }
}

/*
 * Re-encodes the parsed tree with the encoder (preferred heads, definite
 * lengths). Returns false for what the encoder has no call for (floats,
 * undefined and other simple values, indefinite lengths).
 */
static bool reencode(const struct mdlg_cbor_doc *d, struct mdlg_cbor_buf *b)
{
    for (uint32_t i = 0; i < d->n; i++) {
        const struct mdlg_cbor_item *it = mdlg_cbor_at(d, i);
        if (it->indefinite)
            return false;
        switch (it->type) {
        case MDLG_CBOR_UINT: mdlg_cbor_put_uint(b, it->v.u); break;
        case MDLG_CBOR_NEGINT: mdlg_cbor_put_head(b, 1, it->v.u); break;
        case MDLG_CBOR_BSTR: mdlg_cbor_put_bstr(b, it->v.s.ptr, it->v.s.len); break;
        case MDLG_CBOR_TSTR: mdlg_cbor_put_tstr(b, it->v.s.ptr, it->v.s.len); break;
        case MDLG_CBOR_ARRAY: mdlg_cbor_put_array(b, it->count); break;
        case MDLG_CBOR_MAP: mdlg_cbor_put_map(b, it->count); break;
        case MDLG_CBOR_TAG: mdlg_cbor_put_tag(b, it->v.u); break;
        case MDLG_CBOR_SIMPLE:
            if (it->v.u == MDLG_CBOR_NULL)
                mdlg_cbor_put_null(b);
            else if (it->v.u == MDLG_CBOR_TRUE || it->v.u == MDLG_CBOR_FALSE)
                mdlg_cbor_put_bool(b, it->v.u == MDLG_CBOR_TRUE);
            else
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

/*
 * Every item's span re-parses on its own to the same subtree: same types,
 * values (string views point at the same bytes), counts, relative offsets,
 * lengths, depths and end indexes. This is what makes hashing a received
 * span (a tag-24 item, a protected header) safe.
 */
static void check_spans(const struct mdlg_cbor_doc *d)
{
    for (uint32_t i = 0; i < d->n; i++) {
        const struct mdlg_cbor_item *it = mdlg_cbor_at(d, i);
        struct mdlg_bytes sp = mdlg_cbor_span(d, i);
        assert_ptr_equal(sp.ptr, d->buf + it->off);
        assert_true(it->off + it->len <= d->len);
        assert_true(it->end > i && it->end <= d->n);
        struct mdlg_cbor_doc sub;
        mdlg_err e = mdlg_cbor_parse(&sub, sp.ptr, sp.len, g_items2, MDLG_MAX_ITEMS, NULL);
        assert_string_equal(mdlg_err_name(e), "OK");
        assert_int_equal(sub.n, it->end - i);
        for (uint32_t k = 0; k < sub.n; k++) {
            const struct mdlg_cbor_item *a = &d->items[i + k], *b = &sub.items[k];
            assert_int_equal(a->type, b->type);
            assert_int_equal(a->indefinite, b->indefinite);
            assert_int_equal(a->depth - it->depth, b->depth);
            assert_int_equal(a->count, b->count);
            assert_int_equal(a->end - i, b->end);
            assert_int_equal(a->off - it->off, b->off);
            assert_int_equal(a->len, b->len);
            if ((a->type == MDLG_CBOR_BSTR || a->type == MDLG_CBOR_TSTR) && !a->indefinite) {
                assert_ptr_equal(a->v.s.ptr, b->v.s.ptr);
                assert_int_equal(a->v.s.len, b->v.s.len);
            } else if (a->type == MDLG_CBOR_FLOAT) {
                assert_memory_equal(&a->v.f, &b->v.f, sizeof a->v.f);
            } else if (!(a->type == MDLG_CBOR_BSTR || a->type == MDLG_CBOR_TSTR)) {
                assert_true(a->v.u == b->v.u);
            }
        }
    }
}

/* ------------------------------------------------------------------------
 * 1. RFC 8949 Appendix A
 */

/*
 * jansson's json_int_t is int64 and json_loads() rejects the four Appendix A
 * values outside it (2^64-1, 2^64, -2^64, -2^64-1). Integer literals that
 * overflow int64 are turned into JSON strings holding the same decimal text;
 * to_json() renders out-of-range integers and bignums the same way, so those
 * four compare exactly (as decimal strings), not approximately as reals.
 */
static char *quote_big_ints(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(2 * n + 1);
    assert_non_null(out);
    size_t k = 0;
    bool in_str = false;
    for (size_t i = 0; i < n;) {
        char c = text[i];
        if (in_str) {
            out[k++] = c;
            i++;
            if (c == '\\' && i < n)
                out[k++] = text[i++];
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
            out[k++] = text[i++];
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + 1;
            bool integer = true;
            while (j < n && strchr("0123456789.eE+-", text[j])) {
                if (strchr(".eE", text[j]))
                    integer = false;
                j++;
            }
            bool big = false;
            if (integer) {
                errno = 0;
                (void)strtoll(text + i, NULL, 10);
                big = errno == ERANGE;
            }
            if (big)
                out[k++] = '"';
            memcpy(out + k, text + i, j - i);
            k += j - i;
            if (big)
                out[k++] = '"';
            i = j;
            continue;
        }
        out[k++] = text[i++];
    }
    out[k] = '\0';
    return out;
}

static json_t *load_vectors(void)
{
    char *path = mdlg_test_shared_path("vectors/ext/cbor-test-vectors/appendix_a.json");
    if (path == NULL)
        return NULL;
    size_t len;
    char *text = (char *)mdlg_test_read_file(path, &len);
    assert_non_null(text);
    char *quoted = quote_big_ints(text);
    json_error_t jerr;
    json_t *root = json_loads(quoted, 0, &jerr);
    if (root == NULL)
        fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    free(quoted);
    free(text);
    free(path);
    return root;
}

static void test_appendix_a(void **state)
{
    (void)state;
    json_t *root = load_vectors();
    if (root == NULL) {
        print_message("MDLG_SHARED/vectors/ext/cbor-test-vectors/appendix_a.json absent\n");
        skip();
    }
    assert_true(json_is_array(root));
    assert_int_equal(json_array_size(root), 82);
    unsigned by_json = 0, by_diag = 0, reencoded = 0, rejected = 0;
    size_t idx;
    json_t *v;
    json_array_foreach(root, idx, v) {
        const char *hex = json_string_value(json_object_get(v, "hex"));
        json_t *decoded = json_object_get(v, "decoded");
        const char *diagnostic = json_string_value(json_object_get(v, "diagnostic"));
        bool roundtrip = json_is_true(json_object_get(v, "roundtrip"));
        assert_non_null(hex);
        assert_true(decoded != NULL || diagnostic != NULL);
        size_t len;
        uint8_t *buf = xhex(hex, &len);
        struct mdlg_cbor_doc doc;
        size_t off;
        mdlg_err e = parse(&doc, buf, len, &off);
        if (strcmp(hex, "f818") == 0) {
            /* RFC 7049 "simple(24)"; not well-formed under RFC 8949 3.3. */
            assert_string_equal(mdlg_err_name(e), "CBOR_MALFORMED");
            assert_int_equal(off, 0);
            rejected++;
            free(buf);
            continue;
        }
        if (e != MDLG_E_OK)
            fail_msg("appendix A %s: %s at %zu", hex, mdlg_err_name(e), off);
        assert_int_equal(doc.items[0].off, 0);
        assert_int_equal(doc.items[0].len, len);
        assert_int_equal(doc.items[0].end, doc.n);
        check_spans(&doc);
        if (decoded != NULL) {
            json_t *ours = to_json(&doc, 0);
            if (ours == NULL || !json_equal(decoded, ours)) {
                char *a = json_dumps(decoded, JSON_ENCODE_ANY);
                char *b = ours ? json_dumps(ours, JSON_ENCODE_ANY) : strdup("(none)");
                fail_msg("appendix A %s: expected %s, got %s", hex, a, b);
            }
            /* json_equal() treats 0.0 and -0.0 as equal; the sign matters. */
            if (json_is_real(decoded))
                assert_int_equal(!!signbit(json_real_value(decoded)), !!signbit(doc.items[0].v.f));
            json_decref(ours);
            by_json++;
        } else {
            struct sb s = { 0 };
            to_diag(&doc, 0, &s);
            if (strcmp(s.p, diagnostic) != 0)
                fail_msg("appendix A %s: expected %s, got %s", hex, diagnostic, s.p);
            free(s.p);
            by_diag++;
        }
        if (roundtrip) {
            struct mdlg_cbor_buf b;
            mdlg_cbor_buf_init(&b, NULL, 0);
            if (reencode(&doc, &b)) {
                assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
                struct mdlg_bytes got = mdlg_cbor_buf_bytes(&b);
                assert_int_equal(got.len, len);
                assert_memory_equal(got.ptr, buf, len);
                reencoded++;
            }
            mdlg_cbor_buf_free(&b);
        }
        free(buf);
    }
    print_message("appendix A: %u compared as JSON, %u as diagnostic notation, "
                  "%u re-encoded byte for byte, %u rejected as RFC 8949 requires (f818)\n",
                  by_json, by_diag, reencoded, rejected);
    assert_int_equal(by_json + by_diag + rejected, 82);
    assert_int_equal(by_json, 59);
    assert_int_equal(rejected, 1);
    json_decref(root);
}

/* ------------------------------------------------------------------------
 * 2. Hostile, malformed and edge-case inputs
 */

struct row {
    const char *desc;
    const char *hex;     /* xhex() syntax */
    const char *err;     /* mdlg_err_name() */
    long off;            /* diag offset; -1: not checked (only for OK rows) */
    uint32_t cap;        /* item capacity; 0: MDLG_MAX_ITEMS */
};

static const struct row bad_rows[] = {
    /* --- empty and truncated heads --- */
    { "empty input", "", "CBOR_TRUNCATED", 0 },
    { "uint8 head without its byte", "18", "CBOR_TRUNCATED", 0 },
    { "uint16 head with 1 of 2 bytes", "19 00", "CBOR_TRUNCATED", 0 },
    { "uint32 head with 3 of 4 bytes", "1a 00 00 00", "CBOR_TRUNCATED", 0 },
    { "uint64 head with 7 of 8 bytes", "1b 00 00 00 00 00 00 00", "CBOR_TRUNCATED", 0 },
    { "bstr length32 head with 2 of 4 bytes", "5a 00 00", "CBOR_TRUNCATED", 0 },
    { "tstr length64 head cut", "7b 00 00 00", "CBOR_TRUNCATED", 0 },
    { "half float cut", "f9 00", "CBOR_TRUNCATED", 0 },
    { "double cut", "fb 3f f0", "CBOR_TRUNCATED", 0 },
    { "truncated head inside array", "82 00 19 01", "CBOR_TRUNCATED", 2 },
    { "indefinite array never closed", "9f 01", "CBOR_TRUNCATED", 2 },
    { "indefinite bstr never closed", "5f 41 00", "CBOR_TRUNCATED", 3 },
    { "tag head cut", "d9 01", "CBOR_TRUNCATED", 0 },
    { "array element missing after a valid count check", "83 01 02 19", "CBOR_TRUNCATED", 3 },

    /* --- declared lengths beyond the input (no allocation may follow) --- */
    { "bstr of 2^32 bytes, 5 present", "5b 00 00 00 01 00 00 00 00 01 02 03 04 05",
      "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "bstr of 2^64-1 bytes, 5 present (libcbor cbor_load bomb)",
      "5b ff ff ff ff ff ff ff ff 01 02 03 04 05", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "bstr of 2^32-1 bytes, 5 present", "5a ff ff ff ff 01 02 03 04 05",
      "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "tstr of 2^64-1 bytes", "7b ff ff ff ff ff ff ff ff 61 61 61", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "bstr bomb nested in a map value", "a1 01 5b ff ff ff ff ff ff ff ff 00",
      "CBOR_LENGTH_EXCEEDS_INPUT", 2 },
    { "chunk bomb inside an indefinite bstr", "5f 5b 00 00 00 01 00 00 00 00 00 ff",
      "CBOR_LENGTH_EXCEEDS_INPUT", 1 },
    { "tstr one byte short", "63 61 62", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "array of 2^32 items", "9b 00 00 00 01 00 00 00 00 00", "LIMIT_ARRAY_ITEMS", 0 },
    { "array of 2^64-1 items", "9b ff ff ff ff ff ff ff ff 00", "LIMIT_ARRAY_ITEMS", 0 },
    { "array of 2^32-1 items nested", "82 00 9a ff ff ff ff 00", "LIMIT_ARRAY_ITEMS", 2 },
    { "array of MDLG_MAX_ARRAY_ITEMS+1 items", "99 10 01", "LIMIT_ARRAY_ITEMS", 0 },
    { "array of MDLG_MAX_ARRAY_ITEMS items, 1 byte", "99 10 00 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "array of 3 items, 2 bytes", "83 01 02", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "map of 5 pairs, 2 bytes", "a5 01 02", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "map of 200 pairs, 20 bytes", "b8 c8 00*20", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "map of 2^64-1 pairs", "bb ff ff ff ff ff ff ff ff 00 00", "LIMIT_MAP_ENTRIES", 0 },
    { "map of 2^31 pairs (2 x count overflows 32 bits)", "ba 80 00 00 00 00 00",
      "LIMIT_MAP_ENTRIES", 0 },
    { "map of MDLG_MAX_MAP_ENTRIES+1 pairs", "b9 02 01 00*2000", "LIMIT_MAP_ENTRIES", 0 },
    { "indefinite array of MDLG_MAX_ARRAY_ITEMS+1 items", "9f 00*4097 ff", "LIMIT_ARRAY_ITEMS", 4097 },
    { "indefinite map of MDLG_MAX_MAP_ENTRIES+1 pairs", "bf 00*1026 ff", "LIMIT_MAP_ENTRIES", 1025 },
    { "indefinite bstr of MDLG_MAX_ARRAY_ITEMS+1 chunks", "5f 40*4097 ff", "LIMIT_ARRAY_ITEMS", 4097 },

    /* --- nesting --- */
    { "101 nested arrays", "81*100 00", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "25 nested arrays", "81*25 00", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "25 nested indefinite arrays", "9f*25 ff*25", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "25 nested maps", "a100*25 00", "CBOR_TOO_DEEP", 2 * MDLG_MAX_DEPTH },
    { "100 nested tags", "c1*100 00", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "100 nested 3-byte tags 55799", "d9d9f7*100 00", "CBOR_TOO_DEEP", 3 * MDLG_MAX_DEPTH },
    { "tag at depth 24", "81*24 c1 00", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "indefinite bstr at depth 24", "81*24 5f ff", "CBOR_TOO_DEEP", MDLG_MAX_DEPTH },
    { "depth bomb inside a map value", "a1 00 81*30 00", "CBOR_TOO_DEEP", 2 + MDLG_MAX_DEPTH - 1 },

    /* --- trailing bytes --- */
    { "two top-level items", "00 00", "CBOR_TRAILING_BYTES", 1 },
    { "empty array then a byte", "80 00", "CBOR_TRAILING_BYTES", 1 },
    { "break after a complete item", "a0 ff", "CBOR_TRAILING_BYTES", 1 },
    { "byte after indefinite array", "9f ff 00", "CBOR_TRAILING_BYTES", 2 },
    { "byte after non-preferred uint", "18 01 00", "CBOR_TRAILING_BYTES", 2 },
    { "byte after tag 24", "d8 18 41 00 00", "CBOR_TRAILING_BYTES", 4 },
    { "second break after indefinite bstr", "5f ff ff", "CBOR_TRAILING_BYTES", 2 },
    { "garbage after nested map", "a1 61 61 81 01 de ad", "CBOR_TRAILING_BYTES", 5 },

    /* --- duplicate keys (offset: the repeated key) --- */
    { "duplicate text key", "a2 61 61 01 61 61 02", "CBOR_DUPLICATE_KEY", 4 },
    { "duplicate int key", "a2 01 00 01 00", "CBOR_DUPLICATE_KEY", 3 },
    { "duplicate int key, 0x01 vs 0x18 0x01", "a2 01 00 18 01 00", "CBOR_DUPLICATE_KEY", 3 },
    { "duplicate int key, 0x18 0x01 vs 0x1b ..01", "a2 18 01 00 1b 00 00 00 00 00 00 00 01 00",
      "CBOR_DUPLICATE_KEY", 4 },
    { "duplicate negative key -1, 0x20 vs 0x38 0x00", "a2 20 00 38 00 00", "CBOR_DUPLICATE_KEY", 3 },
    { "duplicate key, not adjacent", "a3 01 00 02 00 01 00", "CBOR_DUPLICATE_KEY", 5 },
    { "duplicate key in indefinite map", "bf 01 00 01 00 ff", "CBOR_DUPLICATE_KEY", 3 },
    { "duplicate key in nested map", "a1 00 a2 01 00 01 00", "CBOR_DUPLICATE_KEY", 5 },
    { "duplicate text key, chunked vs definite", "a2 7f 61 61 ff 00 61 61 00",
      "CBOR_DUPLICATE_KEY", 6 },
    { "duplicate text key, definite vs chunked differently", "a2 62 61 62 00 7f 61 61 61 62 ff 00",
      "CBOR_DUPLICATE_KEY", 5 },
    { "duplicate text key, both chunked differently", "a2 7f 62 61 62 ff 00 7f 61 61 60 61 62 ff 00",
      "CBOR_DUPLICATE_KEY", 7 },
    { "duplicate bstr key, 0x41 vs 0x58 0x01", "a2 41 00 00 58 01 00 00", "CBOR_DUPLICATE_KEY", 4 },
    { "duplicate simple key", "a2 f4 00 f4 00", "CBOR_DUPLICATE_KEY", 3 },
    { "duplicate float key, f16 vs f64 1.0", "a2 f9 3c 00 00 fb 3f f0 00 00 00 00 00 00 00",
      "CBOR_DUPLICATE_KEY", 5 },
    { "duplicate tagged key, 1(1) vs 1(0x18 0x01)", "a2 c1 01 00 c1 18 01 00", "CBOR_DUPLICATE_KEY", 4 },
    { "duplicate array key, [1] vs [_ 1]", "a2 81 01 00 9f 01 ff 00", "CBOR_DUPLICATE_KEY", 4 },
    { "duplicate map key {1:2}", "a2 a1 01 02 00 a1 01 02 00", "CBOR_DUPLICATE_KEY", 5 },
    { "duplicate in a map that is itself a key", "a1 a2 01 00 01 00 00", "CBOR_DUPLICATE_KEY", 4 },

    /* --- breaks --- */
    { "stray break", "ff", "CBOR_MALFORMED", 0 },
    { "break inside definite array", "82 01 ff", "CBOR_MALFORMED", 2 },
    { "break inside definite array in indefinite array", "9f 82 01 ff ff", "CBOR_MALFORMED", 3 },
    { "break as tag content", "9f c1 ff ff", "CBOR_MALFORMED", 2 },
    { "break as map value in definite map", "a1 00 ff", "CBOR_MALFORMED", 2 },

    /* --- reserved and unassigned heads --- */
    { "additional info 28, major 0", "1c", "CBOR_MALFORMED", 0 },
    { "additional info 29, major 0", "1d", "CBOR_MALFORMED", 0 },
    { "additional info 30, major 0", "1e", "CBOR_MALFORMED", 0 },
    { "additional info 28 inside array", "82 00 5c", "CBOR_MALFORMED", 2 },
    { "additional info 30, major 7", "fe", "CBOR_MALFORMED", 0 },

    /* --- indefinite strings --- */
    { "bstr chunk of type uint", "5f 01 ff", "CBOR_MALFORMED", 1 },
    { "bstr chunk of type tstr", "5f 61 61 ff", "CBOR_MALFORMED", 1 },
    { "tstr chunk of type bstr", "7f 41 61 ff", "CBOR_MALFORMED", 1 },
    { "nested indefinite bstr chunk", "5f 5f ff ff", "CBOR_MALFORMED", 1 },
    { "nested indefinite tstr chunk", "7f 61 61 7f ff ff", "CBOR_MALFORMED", 3 },
    { "tagged chunk", "7f c1 61 61 ff", "CBOR_MALFORMED", 1 },
    { "simple value chunk", "5f f6 ff", "CBOR_MALFORMED", 1 },
    { "float chunk", "5f f9 00 00 ff", "CBOR_MALFORMED", 1 },

    /* --- indefinite maps with a key and no value --- */
    { "indefinite map, one item", "bf 01 ff", "CBOR_MALFORMED", 2 },
    { "indefinite map, three items", "bf 01 02 03 ff", "CBOR_MALFORMED", 4 },

    /* --- UTF-8 --- */
    { "overlong NUL c0 80", "62 c0 80", "CBOR_INVALID_UTF8", 0 },
    { "overlong c1 bf", "62 c1 bf", "CBOR_INVALID_UTF8", 0 },
    { "overlong 3-byte e0 80 80", "63 e0 80 80", "CBOR_INVALID_UTF8", 0 },
    { "overlong 3-byte e0 9f bf (U+07FF)", "63 e0 9f bf", "CBOR_INVALID_UTF8", 0 },
    { "overlong 4-byte f0 8f bf bf (U+FFFF)", "64 f0 8f bf bf", "CBOR_INVALID_UTF8", 0 },
    { "surrogate U+D800", "63 ed a0 80", "CBOR_INVALID_UTF8", 0 },
    { "surrogate U+DFFF", "63 ed bf bf", "CBOR_INVALID_UTF8", 0 },
    { "above U+10FFFF", "64 f4 90 80 80", "CBOR_INVALID_UTF8", 0 },
    { "lead byte f5", "64 f5 80 80 80", "CBOR_INVALID_UTF8", 0 },
    { "lead byte f8 (5-byte form)", "65 f8 88 80 80 80", "CBOR_INVALID_UTF8", 0 },
    { "lone continuation byte", "61 80", "CBOR_INVALID_UTF8", 0 },
    { "byte ff", "61 ff", "CBOR_INVALID_UTF8", 0 },
    { "truncated 2-byte sequence", "61 c3", "CBOR_INVALID_UTF8", 0 },
    { "truncated 3-byte sequence", "62 e6 b0", "CBOR_INVALID_UTF8", 0 },
    { "truncated 4-byte sequence at end", "64 61 f0 90 85", "CBOR_INVALID_UTF8", 0 },
    { "bad continuation", "62 c3 28", "CBOR_INVALID_UTF8", 0 },
    { "code point split across chunks", "7f 61 c3 61 bc ff", "CBOR_INVALID_UTF8", 1 },
    { "invalid text nested in array", "82 00 61 80", "CBOR_INVALID_UTF8", 2 },
    { "invalid text as map key", "a1 61 80 00", "CBOR_INVALID_UTF8", 1 },
    /* around the eight-ASCII-bytes-at-once step of the validator */
    { "ff after 9 ASCII bytes", "6a 61 62 63 64 65 66 67 68 69 ff", "CBOR_INVALID_UTF8", 0 },
    { "ff as the 8th of 16 bytes", "70 61 62 63 64 65 66 67 ff 61 62 63 64 65 66 67 68",
      "CBOR_INVALID_UTF8", 0 },
    { "ff as the 9th of 16 bytes", "70 61 62 63 64 65 66 67 68 ff 62 63 64 65 66 67 68",
      "CBOR_INVALID_UTF8", 0 },
    { "truncated 2-byte sequence after 8 ASCII", "69 61 62 63 64 65 66 67 68 c3",
      "CBOR_INVALID_UTF8", 0 },
    { "surrogate after 8 ASCII", "6b 61 62 63 64 65 66 67 68 ed a0 80", "CBOR_INVALID_UTF8", 0 },

    /* --- item capacity --- */
    { "3 items, capacity 3 for 4", "83 01 02 03", "CBOR_TOO_MANY_ITEMS", 0, 3 },
    { "nested arrays, capacity 3", "81 81 81 00", "CBOR_TOO_MANY_ITEMS", 2, 3 },
    { "indefinite array, capacity 3", "9f 01 02 03 ff", "CBOR_TOO_MANY_ITEMS", 3, 3 },
    { "tag, capacity 1", "c1 00", "CBOR_TOO_MANY_ITEMS", 0, 1 },
    { "chunks, capacity 2", "5f 41 00 41 00 ff", "CBOR_TOO_MANY_ITEMS", 3, 2 },
    { "map, capacity 4 for 5", "a2 01 02 03 04", "CBOR_TOO_MANY_ITEMS", 0, 4 },

    /* --- RFC 8949 Appendix F.1: all 94 not-well-formed examples --- */
    /* kind 2: end of input in a head */
    { "F.1 18", "18", "CBOR_TRUNCATED", 0 },
    { "F.1 19", "19", "CBOR_TRUNCATED", 0 },
    { "F.1 1a", "1a", "CBOR_TRUNCATED", 0 },
    { "F.1 1b", "1b", "CBOR_TRUNCATED", 0 },
    { "F.1 19 01", "19 01", "CBOR_TRUNCATED", 0 },
    { "F.1 1a 01 02", "1a 01 02", "CBOR_TRUNCATED", 0 },
    { "F.1 1b 01..07", "1b 01 02 03 04 05 06 07", "CBOR_TRUNCATED", 0 },
    { "F.1 38", "38", "CBOR_TRUNCATED", 0 },
    { "F.1 58", "58", "CBOR_TRUNCATED", 0 },
    { "F.1 78", "78", "CBOR_TRUNCATED", 0 },
    { "F.1 98", "98", "CBOR_TRUNCATED", 0 },
    { "F.1 9a 01 ff 00", "9a 01 ff 00", "CBOR_TRUNCATED", 0 },
    { "F.1 b8", "b8", "CBOR_TRUNCATED", 0 },
    { "F.1 d8", "d8", "CBOR_TRUNCATED", 0 },
    { "F.1 f8", "f8", "CBOR_TRUNCATED", 0 },
    { "F.1 f9 00", "f9 00", "CBOR_TRUNCATED", 0 },
    { "F.1 fa 00 00", "fa 00 00", "CBOR_TRUNCATED", 0 },
    { "F.1 fb 00 00 00", "fb 00 00 00", "CBOR_TRUNCATED", 0 },
    /* kind 2: definite-length strings with short data */
    { "F.1 41", "41", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 61", "61", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 5a ffffffff 00", "5a ff ff ff ff 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 5b ff..ff 010203", "5b ff ff ff ff ff ff ff ff 01 02 03", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 7a ffffffff 00", "7a ff ff ff ff 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 7b 7f..ff 010203", "7b 7f ff ff ff ff ff ff ff 01 02 03", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    /* kind 2: definite-length maps and arrays not closed with enough items */
    { "F.1 81", "81", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 81 x9", "81*9", "CBOR_LENGTH_EXCEEDS_INPUT", 8 },
    { "F.1 82 00", "82 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 a1", "a1", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 a2 01 02", "a2 01 02", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 a1 00", "a1 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 a2 00 00 00", "a2 00 00 00", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    /* kind 2: tag number not followed by tag content */
    { "F.1 c0", "c0", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    /* kind 2: indefinite-length strings not closed by a break */
    { "F.1 5f 41 00", "5f 41 00", "CBOR_TRUNCATED", 3 },
    { "F.1 7f 61 00", "7f 61 00", "CBOR_TRUNCATED", 3 },
    /* kind 2: indefinite-length maps and arrays not closed by a break */
    { "F.1 9f", "9f", "CBOR_TRUNCATED", 1 },
    { "F.1 9f 01 02", "9f 01 02", "CBOR_TRUNCATED", 3 },
    { "F.1 bf", "bf", "CBOR_TRUNCATED", 1 },
    { "F.1 bf 01 02 01 02", "bf 01 02 01 02", "CBOR_TRUNCATED", 5 },
    { "F.1 81 9f", "81 9f", "CBOR_TRUNCATED", 2 },
    { "F.1 9f 80 00", "9f 80 00", "CBOR_TRUNCATED", 3 },
    { "F.1 9f 9f 9f 9f 9f ff ff ff ff", "9f*5 ff*4", "CBOR_TRUNCATED", 9 },
    { "F.1 9f 81 9f 81 9f 9f ff ff ff", "9f 81 9f 81 9f 9f ff ff ff", "CBOR_TRUNCATED", 9 },
    /* kind 3.1: reserved additional information values */
    { "F.1 1c", "1c", "CBOR_MALFORMED", 0 },
    { "F.1 1d", "1d", "CBOR_MALFORMED", 0 },
    { "F.1 1e", "1e", "CBOR_MALFORMED", 0 },
    { "F.1 3c", "3c", "CBOR_MALFORMED", 0 },
    { "F.1 3d", "3d", "CBOR_MALFORMED", 0 },
    { "F.1 3e", "3e", "CBOR_MALFORMED", 0 },
    { "F.1 5c", "5c", "CBOR_MALFORMED", 0 },
    { "F.1 5d", "5d", "CBOR_MALFORMED", 0 },
    { "F.1 5e", "5e", "CBOR_MALFORMED", 0 },
    { "F.1 7c", "7c", "CBOR_MALFORMED", 0 },
    { "F.1 7d", "7d", "CBOR_MALFORMED", 0 },
    { "F.1 7e", "7e", "CBOR_MALFORMED", 0 },
    { "F.1 9c", "9c", "CBOR_MALFORMED", 0 },
    { "F.1 9d", "9d", "CBOR_MALFORMED", 0 },
    { "F.1 9e", "9e", "CBOR_MALFORMED", 0 },
    { "F.1 bc", "bc", "CBOR_MALFORMED", 0 },
    { "F.1 bd", "bd", "CBOR_MALFORMED", 0 },
    { "F.1 be", "be", "CBOR_MALFORMED", 0 },
    { "F.1 dc", "dc", "CBOR_MALFORMED", 0 },
    { "F.1 dd", "dd", "CBOR_MALFORMED", 0 },
    { "F.1 de", "de", "CBOR_MALFORMED", 0 },
    { "F.1 fc", "fc", "CBOR_MALFORMED", 0 },
    { "F.1 fd", "fd", "CBOR_MALFORMED", 0 },
    { "F.1 fe", "fe", "CBOR_MALFORMED", 0 },
    /* kind 3.2: reserved two-byte encodings of simple values */
    { "F.1 f8 00", "f8 00", "CBOR_MALFORMED", 0 },
    { "F.1 f8 01", "f8 01", "CBOR_MALFORMED", 0 },
    { "F.1 f8 18", "f8 18", "CBOR_MALFORMED", 0 },
    { "F.1 f8 1f", "f8 1f", "CBOR_MALFORMED", 0 },
    /* kind 3.3: indefinite-length string chunks not of the correct type */
    { "F.1 5f 00 ff", "5f 00 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f 21 ff", "5f 21 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f 61 00 ff", "5f 61 00 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f 80 ff", "5f 80 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f a0 ff", "5f a0 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f c0 00 ff", "5f c0 00 ff", "CBOR_MALFORMED", 1 },
    { "F.1 5f e0 ff", "5f e0 ff", "CBOR_MALFORMED", 1 },
    { "F.1 7f 41 00 ff", "7f 41 00 ff", "CBOR_MALFORMED", 1 },
    /* kind 3.3: chunks not of definite length */
    { "F.1 5f 5f 41 00 ff ff", "5f 5f 41 00 ff ff", "CBOR_MALFORMED", 1 },
    { "F.1 7f 7f 61 00 ff ff", "7f 7f 61 00 ff ff", "CBOR_MALFORMED", 1 },
    /* kind 3.4: break on its own, in a definite container or a tag */
    { "F.1 ff", "ff", "CBOR_MALFORMED", 0 },
    { "F.1 81 ff", "81 ff", "CBOR_MALFORMED", 1 },
    { "F.1 82 00 ff", "82 00 ff", "CBOR_MALFORMED", 2 },
    { "F.1 a1 ff (count check first)", "a1 ff", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 a1 ff 00", "a1 ff 00", "CBOR_MALFORMED", 1 },
    { "F.1 a1 00 ff", "a1 00 ff", "CBOR_MALFORMED", 2 },
    { "F.1 a2 00 00 ff (count check first)", "a2 00 00 ff", "CBOR_LENGTH_EXCEEDS_INPUT", 0 },
    { "F.1 9f 81 ff", "9f 81 ff", "CBOR_MALFORMED", 2 },
    { "F.1 9f 82 9f 81 9f 9f ff ff ff ff", "9f 82 9f 81 9f 9f ff ff ff ff", "CBOR_MALFORMED", 9 },
    /* kind 3.4: break in a value position of an indefinite map */
    { "F.1 bf 00 ff", "bf 00 ff", "CBOR_MALFORMED", 2 },
    { "F.1 bf 00 00 00 ff", "bf 00 00 00 ff", "CBOR_MALFORMED", 4 },
    /* kind 3.5: additional information 31 with major type 0, 1, 6 */
    { "F.1 1f", "1f", "CBOR_MALFORMED", 0 },
    { "F.1 3f", "3f", "CBOR_MALFORMED", 0 },
    { "F.1 df", "df", "CBOR_MALFORMED", 0 },
};

static void run_rows(const struct row *rows, size_t n)
{
    unsigned failed = 0;
    for (size_t r = 0; r < n; r++) {
        const struct row *row = &rows[r];
        size_t len;
        uint8_t *buf = xhex(row->hex, &len);
        struct mdlg_cbor_doc doc;
        struct mdlg_diag diag = { MDLG_E_OK, (size_t)-1, NULL };
        uint32_t cap = row->cap ? row->cap : MDLG_MAX_ITEMS;
        mdlg_err e = mdlg_cbor_parse(&doc, buf, len, g_items, cap, &diag);
        long want_off = row->off;
        if (strcmp(row->err, "OK") != 0)
            assert_true(want_off >= 0);   /* every error row pins its offset */
        if (strcmp(mdlg_err_name(e), row->err) != 0 ||
            (e != MDLG_E_OK && (diag.code != e || (want_off >= 0 && diag.offset != (size_t)want_off))))
        {
            print_error("row \"%s\" [%s]: want %s at %ld, got %s at %zu\n", row->desc, row->hex,
                        row->err, want_off, mdlg_err_name(e), diag.offset);
            failed++;
        } else if (e == MDLG_E_OK) {
            assert_int_equal(doc.items[0].len, len);
            check_spans(&doc);
        }
        free(buf);
    }
    if (failed)
        fail_msg("%u of %zu rows failed", failed, n);
}

static void test_malformed(void **state)
{
    (void)state;
    run_rows(bad_rows, sizeof bad_rows / sizeof bad_rows[0]);
    print_message("%zu malformed/hostile rows\n", sizeof bad_rows / sizeof bad_rows[0]);
}

static const struct row good_rows[] = {
    { "non-preferred map head b9 00 03", "b9 00 03 01 00 02 00 03 00", "OK", -1 },
    { "non-preferred 1 as 18 01", "18 01", "OK", -1 },
    { "non-preferred 1 as 19 00 01", "19 00 01", "OK", -1 },
    { "non-preferred 1 as 1b ..01", "1b 00 00 00 00 00 00 00 01", "OK", -1 },
    { "non-preferred -1 as 38 00", "38 00", "OK", -1 },
    { "non-preferred bstr head", "58 01 61", "OK", -1 },
    { "non-preferred tstr head", "79 00 01 61", "OK", -1 },
    { "non-preferred array head", "98 01 00", "OK", -1 },
    { "non-preferred tag head", "d9 00 01 00", "OK", -1 },
    { "f32 1.0 (non-preferred float)", "fa 3f 80 00 00", "OK", -1 },
    { "empty indefinite containers", "84 9f ff bf ff 5f ff 7f ff", "OK", -1 },
    { "indefinite string with empty chunks", "7f 60 61 61 60 ff", "OK", -1 },
    { "24 nested arrays", "81*24 00", "OK", -1 },
    { "24 nested arrays, empty innermost", "81*24 80", "OK", -1 },
    { "24 nested tags", "c1*24 00", "OK", -1 },
    { "24 nested maps", "a100*24 00", "OK", -1 },
    { "24 nested indefinite arrays", "9f*24 ff*24", "OK", -1 },
    { "distinct keys 0 and -1", "a2 00 00 20 00", "OK", -1 },
    { "distinct keys tstr and bstr", "a2 61 61 00 41 61 00", "OK", -1 },
    { "distinct keys 0.0 and -0.0", "a2 f9 00 00 00 f9 80 00 00", "OK", -1 },
    { "distinct keys 1 and 1.0", "a2 01 00 f9 3c 00 00", "OK", -1 },
    { "distinct keys 1(1) and 2(1)", "a2 c1 01 00 c2 01 00", "OK", -1 },
    { "distinct keys [1] and [1, 2]", "a2 81 01 00 82 01 02 00", "OK", -1 },
    { "distinct keys \"ab\" and (_ \"a\", \"c\")", "a2 62 61 62 00 7f 61 61 61 63 ff 00", "OK", -1 },
    { "distinct keys \"a\" and \"ab\"", "a2 61 61 00 62 61 62 00", "OK", -1 },
    { "same keys in sibling maps", "a2 00 a1 00 00 01 a1 00 00", "OK", -1 },
    { "same value twice", "a2 00 61 61 01 61 61", "OK", -1 },
    { "valid UTF-8 edges", "8a 62 c2 80 62 df bf 63 e0 a0 80 63 ed 9f bf 63 ee 80 80 "
                           "63 ef bf bf 64 f0 90 80 80 64 f4 8f bf bf 63 ef bb bf 61 7f", "OK", -1 },
    { "invalid UTF-8 in a bstr", "43 c0 80 ff", "OK", -1 },
    { "valid UTF-8 across 8-byte steps", "72 61 62 63 64 65 66 67 c3 bc 68 69 6a 6b 6c 6d 6e 6f 70",
      "OK", -1 },
    { "2-byte character across the 8-byte step", "6a 61 62 63 64 65 66 67 c3 bc 68", "OK", -1 },
    { "4-byte character after 8 ASCII", "6c 61 62 63 64 65 66 67 68 f0 9f 98 80", "OK", -1 },
    { "simple(32), simple(255)", "82 f8 20 f8 ff", "OK", -1 },
    { "MDLG_MAX_ARRAY_ITEMS items", "99 10 00 00*4096", "OK", -1 },
    { "indefinite: MDLG_MAX_ARRAY_ITEMS items", "9f 00*4096 ff", "OK", -1 },
    { "exact capacity", "83 01 02 03", "OK", -1, 4 },
    { "exact capacity, indefinite", "9f 01 02 03 ff", "OK", -1, 4 },
    { "exact capacity, 1 item", "00", "OK", -1, 1 },
};

static void test_wellformed_edges(void **state)
{
    (void)state;
    run_rows(good_rows, sizeof good_rows / sizeof good_rows[0]);
}

static void test_simple_values(void **state)
{
    (void)state;
    struct mdlg_cbor_doc doc;
    size_t off;
    for (unsigned b = 0xe0; b <= 0xf7; b++) {
        uint8_t in[1] = { (uint8_t)b };
        assert_int_equal(parse(&doc, in, 1, &off), MDLG_E_OK);
        assert_int_equal(doc.items[0].type, MDLG_CBOR_SIMPLE);
        assert_int_equal(doc.items[0].v.u, b & 0x1f);
        assert_int_equal(doc.items[0].len, 1);
    }
    for (unsigned v = 0; v < 256; v++) {
        uint8_t in[2] = { 0xf8, (uint8_t)v };
        mdlg_err e = parse(&doc, in, 2, &off);
        if (v < 32) {
            assert_string_equal(mdlg_err_name(e), "CBOR_MALFORMED");
            assert_int_equal(off, 0);
        } else {
            assert_int_equal(e, MDLG_E_OK);
            assert_int_equal(doc.items[0].type, MDLG_CBOR_SIMPLE);
            assert_int_equal(doc.items[0].v.u, v);
            assert_int_equal(doc.items[0].len, 2);
        }
    }
    bool bv;
    uint8_t t[1] = { 0xf5 }, f[1] = { 0xf4 }, n[1] = { 0xf6 }, u[1] = { 0xf7 };
    assert_int_equal(parse(&doc, t, 1, NULL), MDLG_E_OK);
    assert_true(mdlg_cbor_get_bool(&doc, 0, &bv) && bv);
    assert_false(mdlg_cbor_is_null(&doc, 0));
    assert_int_equal(parse(&doc, f, 1, NULL), MDLG_E_OK);
    assert_true(mdlg_cbor_get_bool(&doc, 0, &bv) && !bv);
    assert_int_equal(parse(&doc, n, 1, NULL), MDLG_E_OK);
    assert_true(mdlg_cbor_is_null(&doc, 0));
    assert_false(mdlg_cbor_get_bool(&doc, 0, &bv));
    assert_int_equal(parse(&doc, u, 1, NULL), MDLG_E_OK);
    assert_int_equal(doc.items[0].v.u, MDLG_CBOR_UNDEFINED);
    assert_false(mdlg_cbor_is_null(&doc, 0));
    /* e0..f3 are not booleans even where the low bits would say so */
    uint8_t s20[2] = { 0xf8, 0x20 };
    assert_int_equal(parse(&doc, s20, 2, NULL), MDLG_E_OK);
    assert_false(mdlg_cbor_get_bool(&doc, 0, &bv));
}

/*
 * Every one-byte tag head c0..d7 is a tag (libcbor 0.8's streaming decoder
 * rejects c6..d4, e.g. COSE_Mac0 17 and COSE_Sign1 18; the walker reads them
 * itself), as are the same numbers with 1-, 2-, 4- and 8-byte arguments.
 */
static void test_tag_heads(void **state)
{
    (void)state;
    struct mdlg_cbor_doc doc;
    for (unsigned t = 0; t < 24; t++) {
        uint8_t in[11] = { (uint8_t)(0xc0 + t), 0x01 };
        size_t off;
        mdlg_err e = parse(&doc, in, 2, &off);
        if (e != MDLG_E_OK)
            fail_msg("tag head %02x: %s", in[0], mdlg_err_name(e));
        assert_int_equal(doc.n, 2);
        assert_int_equal(doc.items[0].type, MDLG_CBOR_TAG);
        assert_int_equal(doc.items[0].v.u, t);
        assert_int_equal(doc.items[0].len, 2);
        assert_int_equal(mdlg_cbor_untag(&doc, 0, t), 1);
        static const uint8_t ai[] = { 24, 25, 26, 27 };
        for (unsigned w = 0; w < 4; w++) {
            size_t hl = (size_t)1 << w;
            memset(in, 0, sizeof in);
            in[0] = (uint8_t)(0xc0 | ai[w]);
            in[hl] = (uint8_t)t;
            in[hl + 1] = 0xf6;
            assert_int_equal(parse(&doc, in, hl + 2, NULL), MDLG_E_OK);
            assert_int_equal(doc.items[0].v.u, t);
            assert_true(mdlg_cbor_is_null(&doc, mdlg_cbor_untag(&doc, 0, t)));
        }
    }
    /* truncated after a one-byte tag head read by the walker itself */
    uint8_t lone[1] = { 0xd2 };
    size_t off;
    assert_string_equal(mdlg_err_name(parse(&doc, lone, 1, &off)), "CBOR_LENGTH_EXCEEDS_INPUT");
    assert_int_equal(off, 0);
}

/* Limits at and just over their bounds, with inputs built by the encoder. */
static void test_limits_generated(void **state)
{
    (void)state;
    struct mdlg_cbor_buf b;
    struct mdlg_cbor_doc doc;
    size_t off;
    for (unsigned extra = 0; extra <= 1; extra++) {
        unsigned n = MDLG_MAX_MAP_ENTRIES + extra;
        for (unsigned indef = 0; indef <= 1; indef++) {
            mdlg_cbor_buf_init(&b, NULL, 0);
            if (indef)
                mdlg_cbor_put_raw(&b, "\xbf", 1);
            else
                mdlg_cbor_put_map(&b, n);
            for (unsigned k = 0; k < n; k++) {
                mdlg_cbor_put_uint(&b, k);
                mdlg_cbor_put_int(&b, -(int64_t)k);
            }
            if (indef)
                mdlg_cbor_put_raw(&b, "\xff", 1);
            assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
            mdlg_err e = parse(&doc, b.ptr, b.len, &off);
            if (extra) {
                assert_string_equal(mdlg_err_name(e), "LIMIT_MAP_ENTRIES");
                if (indef) /* the key of pair 513 */
                    assert_int_equal(off, b.len - 1 - 3 - 3);
                else
                    assert_int_equal(off, 0);
            } else {
                assert_int_equal(e, MDLG_E_OK);
                assert_int_equal(doc.items[0].count, n);
                assert_int_equal(doc.n, 1 + 2 * n);
                assert_int_equal(mdlg_cbor_map_get_int(&doc, 0, 511), doc.n - 1);
                int64_t v;
                assert_true(mdlg_cbor_get_int(&doc, mdlg_cbor_map_get_int(&doc, 0, 300), &v));
                assert_int_equal(v, -300);
            }
            mdlg_cbor_buf_free(&b);
        }
    }
    /* the same map with one duplicate key at the very end */
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_map(&b, MDLG_MAX_MAP_ENTRIES);
    for (unsigned k = 0; k < MDLG_MAX_MAP_ENTRIES - 1; k++) {
        mdlg_cbor_put_uint(&b, k);
        mdlg_cbor_put_null(&b);
    }
    size_t dup_off = b.len;
    mdlg_cbor_put_uint(&b, 0);
    mdlg_cbor_put_null(&b);
    assert_string_equal(mdlg_err_name(parse(&doc, b.ptr, b.len, &off)), "CBOR_DUPLICATE_KEY");
    assert_int_equal(off, dup_off);
    mdlg_cbor_buf_free(&b);

    /* 4096 text keys would exceed the map limit; 4096 strings in an array do not */
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_array(&b, MDLG_MAX_ARRAY_ITEMS);
    for (unsigned k = 0; k < MDLG_MAX_ARRAY_ITEMS; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%u", k);
        mdlg_cbor_put_cstr(&b, key);
    }
    assert_int_equal(parse(&doc, b.ptr, b.len, &off), MDLG_E_OK);
    assert_int_equal(doc.n, 1 + MDLG_MAX_ARRAY_ITEMS);
    struct mdlg_bytes s;
    assert_true(mdlg_cbor_get_tstr(&doc, mdlg_cbor_array_get(&doc, 0, 4095), &s));
    assert_true(mdlg_bytes_eq_str(s, "k4095"));
    assert_int_equal(mdlg_cbor_array_get(&doc, 0, 4096), MDLG_CBOR_NONE);
    mdlg_cbor_buf_free(&b);
}

static void test_usage_and_body_limit(void **state)
{
    (void)state;
    struct mdlg_cbor_doc doc;
    struct mdlg_diag diag = { 0 };
    uint8_t one = 0;
    assert_string_equal(mdlg_err_name(mdlg_cbor_parse(&doc, &one, 1, g_items, 0, &diag)), "USAGE");
    assert_string_equal(mdlg_err_name(mdlg_cbor_parse(&doc, NULL, 1, g_items, 4, &diag)), "USAGE");
    /* no bytes at all is truncated input, whatever the pointer */
    assert_string_equal(mdlg_err_name(mdlg_cbor_parse(&doc, NULL, 0, g_items, 4, &diag)),
                        "CBOR_TRUNCATED");
    assert_string_equal(mdlg_err_name(mdlg_cbor_parse(&doc, &one, 0, g_items, 4, NULL)),
                        "CBOR_TRUNCATED");
    /* larger than MDLG_MAX_BODY * 4: refused before reading a byte */
    size_t big = (size_t)MDLG_MAX_BODY * 4 + 1;
    uint8_t *buf = calloc(big, 1);
    assert_non_null(buf);
    buf[0] = 0x5a;   /* a bstr head that would otherwise be fine */
    assert_string_equal(mdlg_err_name(mdlg_cbor_parse(&doc, buf, big, g_items, 4, &diag)),
                        "LIMIT_BODY_SIZE");
    /* exactly the limit: a single bstr of 4 MiB - 5 bytes parses */
    size_t max = big - 1, content = max - 5;
    buf[1] = (uint8_t)(content >> 24);
    buf[2] = (uint8_t)(content >> 16);
    buf[3] = (uint8_t)(content >> 8);
    buf[4] = (uint8_t)content;
    assert_int_equal(mdlg_cbor_parse(&doc, buf, max, g_items, 4, &diag), MDLG_E_OK);
    assert_int_equal(doc.items[0].v.s.len, content);
    free(buf);
}

/* The walker must not allocate, whatever length a head declares. */
static void test_no_allocation(void **state)
{
    (void)state;
    static const char *bombs[] = {
        "5b ff ff ff ff ff ff ff ff 01 02 03 04 05",
        "9b ff ff ff ff ff ff ff ff 00",
        "bb 00 00 00 01 00 00 00 00 00",
        "a1 01 5b 00 00 00 01 00 00 00 00 00",
        "9f 81*40 00",
    };
    for (size_t i = 0; i < sizeof bombs / sizeof bombs[0]; i++) {
        size_t len;
        uint8_t *buf = xhex(bombs[i], &len);
        struct mdlg_cbor_doc doc;
        struct mallinfo2 before = mallinfo2();
        mdlg_err e = mdlg_cbor_parse(&doc, buf, len, g_items, MDLG_MAX_ITEMS, NULL);
        struct mallinfo2 after = mallinfo2();
        assert_int_not_equal(e, MDLG_E_OK);
        /* (under ASan mallinfo2 is not intercepted and this is trivially equal) */
        assert_int_equal(before.uordblks, after.uordblks);
        assert_int_equal(before.hblkhd, after.hblkhd);
        free(buf);
    }
}

/* ------------------------------------------------------------------------
 * 3. Navigation, typed getters, spans
 */

/*
 * {
 *   "nameSpaces": {"org.iso.18013.5.1": [24(<<{"digestID": 7, "elementValue": "Doe"}>>)]},
 *   1: -7,                      key written as 18 01, value as 38 06
 *   -1: h'0102',
 *   "arr": [_ 1, [2, 3], "x"],
 *   (_ "ch", "unk"): null,      chunked text key
 *   "big": 18446744073709551615,
 *   "min": -9223372036854775808,
 *   "t": 1(2)
 * }
 * The tag-24 content uses non-preferred heads (b9 00 02, 58 1e) so that a
 * re-encoding could not reproduce the span.
 */
static const char nav_hex[] =
    "a8"
    "6a 6e616d65537061636573"                        /* "nameSpaces" */
    "a1 71 6f72672e69736f2e31383031332e352e31"       /* {"org.iso.18013.5.1": */
    "81 d8 18 58 1e"                                 /* [24(bstr len 30 */
    "b9 0002 68 6469676573744944 07 6c 656c656d656e7456616c7565 63 446f65" /* ) ] } */
    "18 01 38 06"
    "20 42 0102"
    "63 617272 9f 01 82 02 03 61 78 ff"
    "7f 62 6368 63 756e6b ff f6"
    "63 626967 1b ffffffffffffffff"
    "63 6d696e 3b 7fffffffffffffff"
    "61 74 c1 02";

static void test_navigation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = xhex(nav_hex, &len);
    struct mdlg_cbor_doc doc;
    size_t off;
    mdlg_err e = parse(&doc, buf, len, &off);
    if (e != MDLG_E_OK)
        fail_msg("nav doc: %s at %zu", mdlg_err_name(e), off);
    check_spans(&doc);
    assert_int_equal(doc.items[0].type, MDLG_CBOR_MAP);
    assert_int_equal(doc.items[0].count, 8);
    assert_int_equal(doc.items[0].end, doc.n);

    /* map_get_str and the tag-24 span */
    uint32_t ns = mdlg_cbor_map_get_str(&doc, 0, "nameSpaces");
    assert_true(mdlg_cbor_is_type(&doc, ns, MDLG_CBOR_MAP));
    assert_int_equal(doc.items[ns].depth, 1);
    uint32_t arr = mdlg_cbor_map_get_str(&doc, ns, "org.iso.18013.5.1");
    assert_true(mdlg_cbor_is_type(&doc, arr, MDLG_CBOR_ARRAY));
    uint32_t t24 = mdlg_cbor_array_get(&doc, arr, 0);
    assert_int_equal(t24, arr + 1);
    assert_int_equal(mdlg_cbor_array_get(&doc, arr, 1), MDLG_CBOR_NONE);
    assert_int_equal(doc.items[t24].type, MDLG_CBOR_TAG);
    assert_int_equal(doc.items[t24].v.u, 24);
    assert_int_equal(doc.items[t24].depth, 3);
    /* the span of the tag-24 item is exactly the received bytes d8 18 58 1b ... */
    size_t t24_off = 1 + 11 + 1 + 18 + 1;
    struct mdlg_bytes sp = mdlg_cbor_span(&doc, t24);
    assert_ptr_equal(sp.ptr, buf + t24_off);
    assert_int_equal(sp.len, 4 + 30);
    assert_memory_equal(sp.ptr, "\xd8\x18\x58\x1e\xb9\x00\x02", 7);
    struct mdlg_bytes inner;
    assert_true(mdlg_cbor_get_tag24(&doc, t24, &inner));
    assert_ptr_equal(inner.ptr, buf + t24_off + 4);
    assert_int_equal(inner.len, 30);
    assert_int_equal(mdlg_cbor_untag(&doc, t24, 24), t24 + 1);
    assert_int_equal(mdlg_cbor_untag(&doc, t24, 1), t24);
    assert_int_equal(mdlg_cbor_untag(&doc, ns, 24), ns);
    assert_false(mdlg_cbor_get_tag24(&doc, ns, &inner));
    assert_int_equal(mdlg_cbor_first(&doc, t24), t24 + 1);
    assert_int_equal(mdlg_cbor_next(&doc, t24, t24 + 1), MDLG_CBOR_NONE);
    /* the span of the bstr inside it, and of the whole nameSpaces value */
    sp = mdlg_cbor_span(&doc, t24 + 1);
    assert_ptr_equal(sp.ptr, buf + t24_off + 2);
    assert_int_equal(sp.len, 2 + 30);
    sp = mdlg_cbor_span(&doc, ns);
    assert_ptr_equal(sp.ptr, buf + 12);
    assert_int_equal(sp.len, 1 + 18 + 1 + 4 + 30);

    /* the embedded item parses on its own, its spans relative to inner */
    {
        struct mdlg_cbor_doc in;
        assert_int_equal(mdlg_cbor_parse(&in, inner.ptr, inner.len, g_items2, MDLG_MAX_ITEMS, NULL),
                         MDLG_E_OK);
        uint64_t id;
        struct mdlg_bytes val;
        assert_int_equal(in.items[0].count, 2);
        assert_true(mdlg_cbor_get_uint(&in, mdlg_cbor_map_get_str(&in, 0, "digestID"), &id));
        assert_int_equal(id, 7);
        assert_true(mdlg_cbor_get_tstr(&in, mdlg_cbor_map_get_str(&in, 0, "elementValue"), &val));
        assert_true(mdlg_bytes_eq_str(val, "Doe"));
        assert_ptr_equal(val.ptr, inner.ptr + inner.len - 3);
    }

    /* integer keys, whatever their encoding */
    int64_t iv;
    uint64_t uv;
    uint32_t v1 = mdlg_cbor_map_get_int(&doc, 0, 1);
    assert_true(mdlg_cbor_get_int(&doc, v1, &iv));
    assert_int_equal(iv, -7);
    assert_false(mdlg_cbor_get_uint(&doc, v1, &uv));
    sp = mdlg_cbor_span(&doc, v1);
    assert_int_equal(sp.len, 2);
    assert_memory_equal(sp.ptr, "\x38\x06", 2);
    struct mdlg_bytes bs;
    assert_true(mdlg_cbor_get_bstr(&doc, mdlg_cbor_map_get_int(&doc, 0, -1), &bs));
    assert_int_equal(bs.len, 2);
    assert_memory_equal(bs.ptr, "\x01\x02", 2);
    assert_int_equal(mdlg_cbor_map_get_int(&doc, 0, 2), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_int(&doc, 0, -7), MDLG_CBOR_NONE);   /* a value, not a key */
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, "Doe"), MDLG_CBOR_NONE); /* nested, not here */
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, "nameSpace"), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, "nameSpacesX"), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, ""), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_str(&doc, ns + 1, "x"), MDLG_CBOR_NONE);   /* not a map */
    assert_int_equal(mdlg_cbor_map_get_int(&doc, arr, 0), MDLG_CBOR_NONE);        /* not a map */

    /* indefinite array: first / next / array_get */
    uint32_t ia = mdlg_cbor_map_get_str(&doc, 0, "arr");
    assert_true(mdlg_cbor_is_type(&doc, ia, MDLG_CBOR_ARRAY));
    assert_int_equal(doc.items[ia].indefinite, 1);
    assert_int_equal(doc.items[ia].count, 3);
    uint32_t c0 = mdlg_cbor_first(&doc, ia), c1 = mdlg_cbor_next(&doc, ia, c0);
    uint32_t c2 = mdlg_cbor_next(&doc, ia, c1);
    assert_int_equal(mdlg_cbor_next(&doc, ia, c2), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_next(&doc, ia, MDLG_CBOR_NONE), MDLG_CBOR_NONE);
    assert_int_equal(c0, mdlg_cbor_array_get(&doc, ia, 0));
    assert_int_equal(c1, mdlg_cbor_array_get(&doc, ia, 1));
    assert_int_equal(c2, mdlg_cbor_array_get(&doc, ia, 2));
    assert_int_equal(mdlg_cbor_array_get(&doc, ia, 3), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_array_get(&doc, ia, UINT32_MAX), MDLG_CBOR_NONE);
    assert_int_equal(doc.items[c1].count, 2);
    assert_int_equal(mdlg_cbor_array_get(&doc, c1, 1), c1 + 2);
    assert_true(mdlg_cbor_get_uint(&doc, mdlg_cbor_array_get(&doc, c1, 1), &uv));
    assert_int_equal(uv, 3);
    assert_int_equal(mdlg_cbor_first(&doc, c0), MDLG_CBOR_NONE);   /* leaf */
    sp = mdlg_cbor_span(&doc, ia);
    assert_int_equal(sp.len, 8);
    assert_int_equal(sp.ptr[0], 0x9f);
    assert_int_equal(sp.ptr[7], 0xff);
    assert_int_equal(mdlg_cbor_array_get(&doc, 0, 0), MDLG_CBOR_NONE);   /* map is not an array */

    /* chunked text key */
    uint32_t chv = mdlg_cbor_map_get_str(&doc, 0, "chunk");
    assert_int_not_equal(chv, MDLG_CBOR_NONE);
    assert_true(mdlg_cbor_is_null(&doc, chv));
    uint32_t chk = chv - 3;
    assert_int_equal(doc.items[chk].type, MDLG_CBOR_TSTR);
    assert_int_equal(doc.items[chk].indefinite, 1);
    assert_int_equal(doc.items[chk].count, 2);
    struct mdlg_bytes ts;
    assert_false(mdlg_cbor_get_tstr(&doc, chk, &ts));                  /* definite only */
    assert_true(mdlg_cbor_get_tstr(&doc, mdlg_cbor_first(&doc, chk), &ts));
    assert_true(mdlg_bytes_eq_str(ts, "ch"));
    assert_true(mdlg_cbor_str_eq(&doc, chk, "chunk", 5));
    assert_false(mdlg_cbor_str_eq(&doc, chk, "chun", 4));
    assert_false(mdlg_cbor_str_eq(&doc, chk, "chunks", 6));
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, "ch"), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_str(&doc, 0, "chun"), MDLG_CBOR_NONE);

    /* integer ranges */
    uint32_t big = mdlg_cbor_map_get_str(&doc, 0, "big");
    assert_true(mdlg_cbor_get_uint(&doc, big, &uv));
    assert_true(uv == UINT64_MAX);
    assert_false(mdlg_cbor_get_int(&doc, big, &iv));
    uint32_t min = mdlg_cbor_map_get_str(&doc, 0, "min");
    assert_true(mdlg_cbor_get_int(&doc, min, &iv));
    assert_true(iv == INT64_MIN);
    assert_false(mdlg_cbor_get_uint(&doc, min, &uv));

    /* tag other than 24 */
    uint32_t t = mdlg_cbor_map_get_str(&doc, 0, "t");
    assert_false(mdlg_cbor_get_tag24(&doc, t, &inner));
    assert_int_equal(mdlg_cbor_untag(&doc, t, 1), t + 1);
    assert_true(mdlg_cbor_get_uint(&doc, mdlg_cbor_untag(&doc, t, 1), &uv));
    assert_int_equal(uv, 2);

    /* typed getters refuse other types and out-of-range indexes */
    bool bv;
    assert_false(mdlg_cbor_get_uint(&doc, ns, &uv));
    assert_false(mdlg_cbor_get_int(&doc, ns, &iv));
    assert_false(mdlg_cbor_get_bstr(&doc, 1, &bs));    /* tstr key */
    assert_false(mdlg_cbor_get_tstr(&doc, t24 + 1, &ts)); /* bstr */
    assert_false(mdlg_cbor_get_bool(&doc, big, &bv));
    assert_false(mdlg_cbor_is_null(&doc, big));
    uint32_t out = doc.n;
    assert_false(mdlg_cbor_get_uint(&doc, out, &uv));
    assert_false(mdlg_cbor_get_int(&doc, out, &iv));
    assert_false(mdlg_cbor_get_bstr(&doc, out, &bs));
    assert_false(mdlg_cbor_get_tstr(&doc, out, &ts));
    assert_false(mdlg_cbor_get_bool(&doc, out, &bv));
    assert_false(mdlg_cbor_is_null(&doc, out));
    assert_false(mdlg_cbor_is_type(&doc, out, MDLG_CBOR_UINT));
    assert_false(mdlg_cbor_get_tag24(&doc, out, &inner));
    assert_int_equal(mdlg_cbor_first(&doc, out), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_next(&doc, 0, out), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_next(&doc, out, 1), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_array_get(&doc, out, 0), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_str(&doc, out, "t"), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_map_get_int(&doc, MDLG_CBOR_NONE, 1), MDLG_CBOR_NONE);
    assert_int_equal(mdlg_cbor_untag(&doc, out, 24), out);
    sp = mdlg_cbor_span(&doc, out);
    assert_int_equal(sp.len, 0);
    /* next() with a child outside the parent */
    assert_int_equal(mdlg_cbor_next(&doc, c1, c0), MDLG_CBOR_NONE);
    free(buf);
}

static void test_int_getter_edges(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        bool ok;
        int64_t v;
    } cases[] = {
        { "1b 7f ff ff ff ff ff ff ff", true, INT64_MAX },
        { "1b 80 00 00 00 00 00 00 00", false, 0 },
        { "3b 7f ff ff ff ff ff ff ff", true, INT64_MIN },
        { "3b 80 00 00 00 00 00 00 00", false, 0 },
        { "3b ff ff ff ff ff ff ff ff", false, 0 },
        { "20", true, -1 },
        { "38 ff", true, -256 },
        { "39 01 00", true, -257 },
        { "00", true, 0 },
        { "f9 3c 00", false, 0 },     /* 1.0 is not an integer */
        { "fb bf f0 00 00 00 00 00 00", false, 0 },
        { "c2 41 01", false, 0 },     /* bignums are not integers here */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *buf = xhex(cases[i].hex, &len);
        struct mdlg_cbor_doc doc;
        assert_int_equal(parse(&doc, buf, len, NULL), MDLG_E_OK);
        int64_t v = 12345;
        bool ok = mdlg_cbor_get_int(&doc, 0, &v);
        if (ok != cases[i].ok || (ok && v != cases[i].v))
            fail_msg("get_int %s: %d %" PRId64, cases[i].hex, ok, v);
        free(buf);
    }
}

/* Floats of every width, through the typed item. */
static void test_floats(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        double v;
    } cases[] = {
        { "f9 00 01", 5.960464477539063e-08 },
        { "f9 03 ff", 6.097555160522461e-05 },   /* largest half subnormal */
        { "f9 7b ff", 65504.0 },
        { "f9 c4 00", -4.0 },
        { "fa 00 00 00 01", 1.401298464324817e-45 },
        { "fa 47 c3 50 00", 100000.0 },
        { "fb 00 00 00 00 00 00 00 01", 4.9406564584124654e-324 },
        { "fb 7f ef ff ff ff ff ff ff", 1.7976931348623157e308 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *buf = xhex(cases[i].hex, &len);
        struct mdlg_cbor_doc doc;
        assert_int_equal(parse(&doc, buf, len, NULL), MDLG_E_OK);
        assert_int_equal(doc.items[0].type, MDLG_CBOR_FLOAT);
        if (doc.items[0].v.f != cases[i].v)
            fail_msg("%s: %.17g", cases[i].hex, doc.items[0].v.f);
        free(buf);
    }
}

/* ------------------------------------------------------------------------
 * 4. Encoder
 */

static void test_enc_heads(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *hex;   /* major type 0 */
    } heads[] = {
        { 0, "00" },
        { 23, "17" },
        { 24, "18 18" },
        { 255, "18 ff" },
        { 256, "19 01 00" },
        { 65535, "19 ff ff" },
        { 65536, "1a 00 01 00 00" },
        { 0xffffffffu, "1a ff ff ff ff" },
        { 0x100000000u, "1b 00 00 00 01 00 00 00 00" },
        { UINT64_MAX, "1b ff ff ff ff ff ff ff ff" },
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t want_len;
        uint8_t *want = xhex(heads[i].hex, &want_len);
        assert_int_equal(mdlg_cbor_head_len(heads[i].v), want_len);
        for (unsigned major = 0; major < 7; major++) {
            uint8_t storage[16];
            struct mdlg_cbor_buf b;
            mdlg_cbor_buf_init(&b, storage, sizeof storage);
            mdlg_cbor_put_head(&b, major, heads[i].v);
            assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
            assert_ptr_equal(b.ptr, storage);
            assert_int_equal(b.len, want_len);
            assert_int_equal(b.ptr[0], want[0] | (major << 5));
            assert_memory_equal(b.ptr + 1, want + 1, want_len - 1);
            if (major <= 1) {   /* round trip through the reader */
                struct mdlg_cbor_doc doc;
                assert_int_equal(parse(&doc, b.ptr, b.len, NULL), MDLG_E_OK);
                assert_int_equal(doc.items[0].type, major == 0 ? MDLG_CBOR_UINT : MDLG_CBOR_NEGINT);
                assert_true(doc.items[0].v.u == heads[i].v);
            }
            mdlg_cbor_buf_free(&b);
        }
        free(want);
    }
    /* the helpers use the right major types */
    uint8_t storage[64];
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, storage, sizeof storage);
    mdlg_cbor_put_uint(&b, 24);
    mdlg_cbor_put_array(&b, 24);
    mdlg_cbor_put_map(&b, 1);
    mdlg_cbor_put_tag(&b, 24);
    mdlg_cbor_put_bool(&b, true);
    mdlg_cbor_put_bool(&b, false);
    mdlg_cbor_put_null(&b);
    size_t len;
    uint8_t *want = xhex("18 18 98 18 a1 d8 18 f5 f4 f6", &len);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.ptr, want, len);
    free(want);
    mdlg_cbor_buf_free(&b);
}

static void test_enc_ints(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *hex;
    } ints[] = {
        { 0, "00" },
        { -1, "20" },
        { -24, "37" },
        { -25, "38 18" },
        { -256, "38 ff" },
        { -257, "39 01 00" },
        { -65536, "39 ff ff" },
        { -65537, "3a 00 01 00 00" },
        { -4294967296LL, "3a ff ff ff ff" },
        { -4294967297LL, "3b 00 00 00 01 00 00 00 00" },
        { INT64_MIN, "3b 7f ff ff ff ff ff ff ff" },
        { INT64_MAX, "1b 7f ff ff ff ff ff ff ff" },
        { 1000000, "1a 00 0f 42 40" },
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct mdlg_cbor_buf b;
        mdlg_cbor_buf_init(&b, NULL, 0);
        mdlg_cbor_put_int(&b, ints[i].v);
        size_t len;
        uint8_t *want = xhex(ints[i].hex, &len);
        assert_int_equal(b.len, len);
        assert_memory_equal(b.ptr, want, len);
        struct mdlg_cbor_doc doc;
        assert_int_equal(parse(&doc, b.ptr, b.len, NULL), MDLG_E_OK);
        int64_t v;
        assert_true(mdlg_cbor_get_int(&doc, 0, &v));
        assert_true(v == ints[i].v);
        free(want);
        mdlg_cbor_buf_free(&b);
    }
}

static void test_enc_strings_and_raw(void **state)
{
    (void)state;
    static const size_t lens[] = { 0, 1, 23, 24, 255, 256, 65535, 65536 };
    uint8_t *data = malloc(65536);
    assert_non_null(data);
    for (size_t i = 0; i < 65536; i++)
        data[i] = (uint8_t)('a' + i % 26);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct mdlg_cbor_buf b;
        mdlg_cbor_buf_init(&b, NULL, 0);
        mdlg_cbor_put_array(&b, 2);
        mdlg_cbor_put_bstr(&b, data, lens[i]);
        mdlg_cbor_put_tstr(&b, data, lens[i]);
        assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
        assert_int_equal(b.len, 1 + 2 * (mdlg_cbor_head_len(lens[i]) + lens[i]));
        struct mdlg_cbor_doc doc;
        assert_int_equal(parse(&doc, b.ptr, b.len, NULL), MDLG_E_OK);
        struct mdlg_bytes s;
        assert_true(mdlg_cbor_get_bstr(&doc, 1, &s));
        assert_int_equal(s.len, lens[i]);
        assert_true(lens[i] == 0 || memcmp(s.ptr, data, lens[i]) == 0);
        assert_true(mdlg_cbor_get_tstr(&doc, 2, &s));
        assert_int_equal(s.len, lens[i]);
        mdlg_cbor_buf_free(&b);
    }
    free(data);

    /* put_cstr; NULL with 0 bytes */
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_cstr(&b, "IETF");
    mdlg_cbor_put_bstr(&b, NULL, 0);
    mdlg_cbor_put_raw(&b, NULL, 0);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.ptr, "\x64IETF\x40", 6);
    mdlg_cbor_buf_free(&b);

    /* put_raw of received spans: a Sig_structure-like array built from spans */
    size_t len;
    uint8_t *in = xhex(nav_hex, &len);
    struct mdlg_cbor_doc doc;
    assert_int_equal(parse(&doc, in, len, NULL), MDLG_E_OK);
    uint32_t ns = mdlg_cbor_map_get_str(&doc, 0, "nameSpaces");
    uint32_t t24 = mdlg_cbor_array_get(&doc, mdlg_cbor_first(&doc, ns) + 1, 0);
    struct mdlg_bytes s1 = mdlg_cbor_span(&doc, t24), s2 = mdlg_cbor_span(&doc, 0);
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_array(&b, 3);
    mdlg_cbor_put_cstr(&b, "Signature1");
    mdlg_cbor_put_raw(&b, s1.ptr, s1.len);
    mdlg_cbor_put_raw(&b, s2.ptr, s2.len);
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    assert_int_equal(b.len, 1 + 11 + s1.len + s2.len);
    struct mdlg_cbor_doc out;
    assert_int_equal(mdlg_cbor_parse(&out, b.ptr, b.len, g_items2, MDLG_MAX_ITEMS, NULL), MDLG_E_OK);
    struct mdlg_bytes o1 = mdlg_cbor_span(&out, mdlg_cbor_array_get(&out, 0, 1));
    struct mdlg_bytes o2 = mdlg_cbor_span(&out, mdlg_cbor_array_get(&out, 0, 2));
    assert_true(mdlg_bytes_eq(o1, s1));
    assert_true(mdlg_bytes_eq(o2, s2));
    mdlg_cbor_buf_free(&b);
    free(in);
}

/* Caller storage with guard bytes on both sides. */
struct guarded {
    uint8_t before[16];
    uint8_t storage[8];
    uint8_t after[16];
};

static void check_guard(const struct guarded *g)
{
    for (size_t i = 0; i < sizeof g->before; i++) {
        assert_int_equal(g->before[i], 0xa5);
        assert_int_equal(g->after[i], 0xa5);
    }
}

static void test_enc_growth_and_free(void **state)
{
    (void)state;
    struct guarded g;
    memset(&g, 0xa5, sizeof g);
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, g.storage, sizeof g.storage);
    /* fits: stays in caller storage */
    mdlg_cbor_put_array(&b, 3);
    mdlg_cbor_put_uint(&b, 1);
    mdlg_cbor_put_uint(&b, 100);    /* 4 bytes so far */
    assert_ptr_equal(b.ptr, g.storage);
    mdlg_cbor_put_cstr(&b, "abc");  /* 8 bytes: exactly full */
    assert_ptr_equal(b.ptr, g.storage);
    assert_int_equal(b.len, 8);
    /* one more byte moves to the heap, keeping the content */
    mdlg_cbor_put_null(&b);
    assert_ptr_not_equal(b.ptr, g.storage);
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.ptr, "\x83\x01\x18\x64\x63" "abc\xf6", 9);
    /* keep growing through several reallocations */
    for (unsigned i = 0; i < 10000; i++)
        mdlg_cbor_put_uint(&b, i);
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    assert_true(b.cap >= b.len);
    assert_memory_equal(b.ptr, "\x83\x01\x18\x64\x63" "abc\xf6", 9);
    check_guard(&g);
    /* free returns to caller storage with its original capacity */
    mdlg_cbor_buf_free(&b);
    assert_ptr_equal(b.ptr, g.storage);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, sizeof g.storage);
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    /* and the buffer can be used again: small stays in storage ... */
    mdlg_cbor_put_cstr(&b, "hi");
    assert_ptr_equal(b.ptr, g.storage);
    /* ... and large grows again without writing past the storage */
    for (unsigned i = 0; i < 100; i++)
        mdlg_cbor_put_uint(&b, 0x12345678u);
    assert_ptr_not_equal(b.ptr, g.storage);
    assert_int_equal(b.len, 3 + 500);
    check_guard(&g);
    mdlg_cbor_buf_free(&b);
    mdlg_cbor_buf_free(&b);   /* idempotent */
    assert_ptr_equal(b.ptr, g.storage);

    /* heap from the first byte */
    mdlg_cbor_buf_init(&b, NULL, 0);
    assert_int_equal(b.len, 0);
    mdlg_cbor_put_uint(&b, 0);
    assert_non_null(b.ptr);
    assert_int_equal(b.len, 1);
    mdlg_cbor_buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    mdlg_cbor_put_uint(&b, 1);   /* reusable after free */
    assert_int_equal(b.len, 1);
    mdlg_cbor_buf_free(&b);
}

static void test_enc_sticky_error(void **state)
{
    (void)state;
    uint8_t storage[32];
    struct mdlg_cbor_buf b;
    mdlg_cbor_buf_init(&b, storage, sizeof storage);
    b.max = 10;
    mdlg_cbor_put_cstr(&b, "1234567");   /* 8 bytes */
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    mdlg_cbor_put_uint(&b, 1);
    mdlg_cbor_put_uint(&b, 2);           /* exactly 10 */
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    assert_int_equal(b.len, 10);
    mdlg_cbor_put_uint(&b, 3);           /* 11 > max */
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "LIMIT_BODY_SIZE");
    assert_int_equal(b.len, 10);
    /* sticky: nothing is appended any more, not even what would fit */
    b.max = 1000;
    mdlg_cbor_put_uint(&b, 4);
    mdlg_cbor_put_raw(&b, "x", 1);
    mdlg_cbor_put_null(&b);
    assert_int_equal(b.len, 10);
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "LIMIT_BODY_SIZE");
    /* a large append is refused whole, not partly written */
    mdlg_cbor_buf_free(&b);
    b.max = 100;
    mdlg_cbor_put_uint(&b, 1);
    uint8_t big[200] = { 0 };
    mdlg_cbor_put_bstr(&b, big, sizeof big);
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "LIMIT_BODY_SIZE");
    assert_true(b.len <= 100);
    mdlg_cbor_buf_free(&b);

    /* default max (MDLG_MAX_BODY * 4), with sizes that would overflow */
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_uint(&b, 1);
    mdlg_cbor_put_raw(&b, big, SIZE_MAX);   /* must not read big[] */
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "LIMIT_BODY_SIZE");
    assert_int_equal(b.len, 1);
    mdlg_cbor_buf_free(&b);
    mdlg_cbor_buf_init(&b, NULL, 0);
    mdlg_cbor_put_head(&b, 2, (uint64_t)MDLG_MAX_BODY * 4);   /* head alone is fine */
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    mdlg_cbor_put_raw(&b, big, (size_t)MDLG_MAX_BODY * 4);    /* head + content > max */
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "LIMIT_BODY_SIZE");
    mdlg_cbor_buf_free(&b);

    /* a caller-set max beyond SIZE_MAX / 2 must not make growth loop or wrap */
    mdlg_cbor_buf_init(&b, NULL, 0);
    b.max = SIZE_MAX;
    for (unsigned i = 0; i < 1000; i++)
        mdlg_cbor_put_uint(&b, i);
    assert_int_equal(mdlg_cbor_buf_err(&b), MDLG_E_OK);
    mdlg_cbor_put_raw(&b, big, SIZE_MAX / 2);   /* fails to allocate, cleanly */
    assert_string_equal(mdlg_err_name(mdlg_cbor_buf_err(&b)), "NO_MEMORY");
    mdlg_cbor_buf_free(&b);
}

/* ------------------------------------------------------------------------
 * 5. Properties
 */

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static uint64_t rnd_below(struct rng *r, uint64_t n) { return rnd(r) % n; }

/* Expected item, recorded in pre-order while generating. */
struct expect {
    uint8_t type, indefinite;
    uint32_t count;
    uint64_t u;        /* ints, tags, simple values */
    size_t slen;       /* definite strings */
};

struct gen {
    struct rng r;
    struct mdlg_cbor_buf b;
    struct expect ex[4096];
    uint32_t n;
};

static uint32_t gen_push(struct gen *g, uint8_t type, uint8_t indef, uint32_t count, uint64_t u, size_t slen)
{
    assert_true(g->n < sizeof g->ex / sizeof g->ex[0]);
    g->ex[g->n] = (struct expect){ type, indef, count, u, slen };
    return g->n++;
}

static uint64_t gen_uint(struct rng *r)
{
    static const uint64_t edges[] = { 0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffffu,
                                      0x100000000u, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX };
    if (rnd_below(r, 2))
        return edges[rnd_below(r, sizeof edges / sizeof edges[0])];
    uint64_t v = rnd(r);   /* two statements: operand order of >> is unspecified */
    return v >> rnd_below(r, 64);
}

/* A head with a possibly non-preferred (longer) argument. */
static void gen_head(struct gen *g, unsigned major, uint64_t v)
{
    size_t min = mdlg_cbor_head_len(v);
    if (rnd_below(&g->r, 4) != 0 || min == 9) {
        mdlg_cbor_put_head(&g->b, major, v);
        return;
    }
    static const size_t widths[] = { 2, 3, 5, 9 };
    size_t w;
    do
        w = widths[rnd_below(&g->r, 4)];
    while (w < min);
    uint8_t h[9];
    h[0] = (uint8_t)(major << 5 | (w == 2 ? 24 : w == 3 ? 25 : w == 5 ? 26 : 27));
    for (size_t i = 1; i < w; i++)
        h[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
    mdlg_cbor_put_raw(&g->b, h, w);
}

static const char *const utf8_pieces[] = { "a", "Z", "\xc3\xbc", "\xe6\xb0\xb4", "\xf0\x90\x85\x91",
                                           "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "" };

static void gen_string_content(struct gen *g, unsigned major, char *out, size_t *len)
{
    size_t n = 0, want = rnd_below(&g->r, 30);
    while (n < want) {
        if (major == 2) {
            out[n++] = (char)rnd(&g->r);
        } else {
            const char *p = utf8_pieces[rnd_below(&g->r, 9)];
            memcpy(out + n, p, strlen(p));
            n += strlen(p);
        }
    }
    *len = n;
}

static void gen_item(struct gen *g, unsigned depth);

static void gen_key(struct gen *g, unsigned k)
{
    /* keys unique by construction: integer k, or text "k<k>" */
    if (rnd_below(&g->r, 2)) {
        gen_head(g, 0, k);
        gen_push(g, MDLG_CBOR_UINT, 0, 0, k, 0);
    } else {
        char key[16];
        int n = snprintf(key, sizeof key, "k%u", k);
        gen_head(g, 3, (uint64_t)n);
        mdlg_cbor_put_raw(&g->b, key, (size_t)n);
        gen_push(g, MDLG_CBOR_TSTR, 0, 0, 0, (size_t)n);
    }
}

static void gen_item(struct gen *g, unsigned depth)
{
    unsigned kind = (unsigned)rnd_below(&g->r, depth >= 6 || g->n > 3000 ? 6 : 11);
    char s[160];
    size_t sl;
    switch (kind) {
    case 0: {
        uint64_t v = gen_uint(&g->r);
        gen_head(g, 0, v);
        gen_push(g, MDLG_CBOR_UINT, 0, 0, v, 0);
        break;
    }
    case 1: {
        uint64_t v = gen_uint(&g->r);
        gen_head(g, 1, v);
        gen_push(g, MDLG_CBOR_NEGINT, 0, 0, v, 0);
        break;
    }
    case 2:
    case 3: {
        unsigned major = kind;
        gen_string_content(g, major, s, &sl);
        gen_head(g, major, sl);
        mdlg_cbor_put_raw(&g->b, s, sl);
        gen_push(g, major == 2 ? MDLG_CBOR_BSTR : MDLG_CBOR_TSTR, 0, 0, 0, sl);
        break;
    }
    case 4: {
        static const uint8_t simple[] = { 0xf4, 0xf5, 0xf6, 0xf7, 0xe0, 0xf3 };
        uint8_t b = simple[rnd_below(&g->r, sizeof simple)];
        mdlg_cbor_put_raw(&g->b, &b, 1);
        gen_push(g, MDLG_CBOR_SIMPLE, 0, 0, b & 0x1f, 0);
        break;
    }
    case 5: {   /* indefinite string of chunks */
        unsigned major = 2 + (unsigned)rnd_below(&g->r, 2);
        uint32_t chunks = (uint32_t)rnd_below(&g->r, 4);
        uint8_t h = (uint8_t)(major << 5 | 31);
        mdlg_cbor_put_raw(&g->b, &h, 1);
        uint8_t type = major == 2 ? MDLG_CBOR_BSTR : MDLG_CBOR_TSTR;
        gen_push(g, type, 1, chunks, 0, 0);
        for (uint32_t c = 0; c < chunks; c++) {
            gen_string_content(g, major, s, &sl);
            gen_head(g, major, sl);
            mdlg_cbor_put_raw(&g->b, s, sl);
            gen_push(g, type, 0, 0, 0, sl);
        }
        mdlg_cbor_put_raw(&g->b, "\xff", 1);
        break;
    }
    case 6:
    case 7: {   /* array, definite or not */
        uint32_t n = (uint32_t)rnd_below(&g->r, 8);
        bool indef = rnd_below(&g->r, 3) == 0;
        if (indef)
            mdlg_cbor_put_raw(&g->b, "\x9f", 1);
        else
            gen_head(g, 4, n);
        gen_push(g, MDLG_CBOR_ARRAY, indef, n, n, 0);
        for (uint32_t i = 0; i < n; i++)
            gen_item(g, depth + 1);
        if (indef)
            mdlg_cbor_put_raw(&g->b, "\xff", 1);
        break;
    }
    case 8: {   /* map with unique keys */
        uint32_t n = (uint32_t)rnd_below(&g->r, 7);
        bool indef = rnd_below(&g->r, 3) == 0;
        if (indef)
            mdlg_cbor_put_raw(&g->b, "\xbf", 1);
        else
            gen_head(g, 5, n);
        gen_push(g, MDLG_CBOR_MAP, indef, n, n, 0);
        unsigned base = (unsigned)rnd_below(&g->r, 1000);
        for (uint32_t i = 0; i < n; i++) {
            gen_key(g, base + i);
            gen_item(g, depth + 1);
        }
        if (indef)
            mdlg_cbor_put_raw(&g->b, "\xff", 1);
        break;
    }
    case 9: {   /* a tag */
        uint64_t t = rnd_below(&g->r, 2) ? rnd_below(&g->r, 40) : gen_uint(&g->r);
        if (t == 24)   /* tag 24 always wraps an embedded encoding here (case 10) */
            t = 25;
        gen_head(g, 6, t);
        gen_push(g, MDLG_CBOR_TAG, 0, 1, t, 0);
        gen_item(g, depth + 1);
        break;
    }
    case 10: {   /* tag 24 around an embedded encoding made by a nested generator */
        struct gen *inner = malloc(sizeof *inner);
        assert_non_null(inner);
        inner->r.s = rnd(&g->r) | 1;
        inner->n = 0;
        mdlg_cbor_buf_init(&inner->b, NULL, 0);
        gen_item(inner, depth + 2);
        mdlg_cbor_put_tag(&g->b, 24);
        gen_push(g, MDLG_CBOR_TAG, 0, 1, 24, 0);
        gen_head(g, 2, inner->b.len);
        mdlg_cbor_put_raw(&g->b, inner->b.ptr, inner->b.len);
        gen_push(g, MDLG_CBOR_BSTR, 0, 0, 0, inner->b.len);
        mdlg_cbor_buf_free(&inner->b);
        free(inner);
        break;
    }
    }
}

/* Random documents used by both property tests. */
#define PROP_DOCS 1000

static void test_prop_roundtrip(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    g->r.s = 0x9e3779b97f4a7c15ull;
    uint64_t total_items = 0;
    for (unsigned d = 0; d < PROP_DOCS; d++) {
        g->n = 0;
        mdlg_cbor_buf_init(&g->b, NULL, 0);
        /* a top-level container most of the time */
        mdlg_cbor_put_array(&g->b, 3);
        gen_push(g, MDLG_CBOR_ARRAY, 0, 3, 3, 0);
        for (int i = 0; i < 3; i++)
            gen_item(g, 1);
        assert_int_equal(mdlg_cbor_buf_err(&g->b), MDLG_E_OK);
        uint8_t *buf = malloc(g->b.len);
        memcpy(buf, g->b.ptr, g->b.len);
        struct mdlg_cbor_doc doc;
        size_t off;
        mdlg_err e = parse(&doc, buf, g->b.len, &off);
        if (e != MDLG_E_OK)
            fail_msg("doc %u: %s at %zu", d, mdlg_err_name(e), off);
        assert_int_equal(doc.n, g->n);
        for (uint32_t i = 0; i < doc.n; i++) {
            const struct mdlg_cbor_item *it = &doc.items[i];
            const struct expect *x = &g->ex[i];
            assert_int_equal(it->type, x->type);
            assert_int_equal(it->indefinite, x->indefinite);
            switch (it->type) {
            case MDLG_CBOR_UINT:
            case MDLG_CBOR_NEGINT:
            case MDLG_CBOR_SIMPLE:
            case MDLG_CBOR_TAG:
                assert_true(it->v.u == x->u);
                break;
            case MDLG_CBOR_BSTR:
            case MDLG_CBOR_TSTR:
                if (it->indefinite)
                    assert_int_equal(it->count, x->count);
                else
                    assert_int_equal(it->v.s.len, x->slen);
                break;
            default:
                assert_int_equal(it->count, x->count);
            }
            /* a tag-24 bstr parses on its own */
            if (it->type == MDLG_CBOR_TAG && it->v.u == 24) {
                struct mdlg_bytes inner;
                assert_true(mdlg_cbor_get_tag24(&doc, i, &inner));
                struct mdlg_cbor_doc in;
                assert_int_equal(mdlg_cbor_parse(&in, inner.ptr, inner.len, g_items2,
                                                 MDLG_MAX_ITEMS, NULL), MDLG_E_OK);
            }
        }
        check_spans(&doc);
        total_items += doc.n;
        free(buf);
        mdlg_cbor_buf_free(&g->b);
    }
    print_message("property: %u random documents, %" PRIu64 " items, every span re-parsed\n",
                  PROP_DOCS, total_items);
    free(g);
}

/* Parses a mutated input; whatever the result, the doc must be consistent. */
static void parse_any(const uint8_t *in, size_t len, uint32_t cap, unsigned *ok, unsigned *bad)
{
    uint8_t *buf = malloc(len ? len : 1);   /* exact size: ASan catches overreads */
    assert_non_null(buf);
    if (len)
        memcpy(buf, in, len);
    struct mdlg_cbor_doc doc;
    struct mdlg_diag diag = { MDLG_E_OK, (size_t)-1, NULL };
    mdlg_err e = mdlg_cbor_parse(&doc, buf, len, g_items, cap, &diag);
    if (e == MDLG_E_OK) {
        assert_int_equal(doc.items[0].len, len);
        assert_true(doc.n <= cap);
        check_spans(&doc);
        (*ok)++;
    } else {
        assert_true(mdlg_err_is_malformed(e));
        assert_int_equal(diag.code, e);
        assert_true(diag.offset <= len);
        (*bad)++;
    }
    free(buf);
}

static void test_prop_mutations(void **state)
{
    (void)state;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    g->r.s = 0x243f6a8885a308d3ull;
    struct rng r = { 0xb7e151628aed2a6bull };
    unsigned ok = 0, bad = 0;
    static const uint8_t interesting[] = { 0x00, 0x17, 0x18, 0x1b, 0x1c, 0x1f, 0x3b, 0x40, 0x5b,
                                           0x5f, 0x7b, 0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xbb, 0xbf,
                                           0xc0, 0xd8, 0xdb, 0xf8, 0xf9, 0xfb, 0xff };
    uint8_t *m = malloc(1 << 16);
    assert_non_null(m);
    for (unsigned d = 0; d < PROP_DOCS; d++) {
        g->n = 0;
        mdlg_cbor_buf_init(&g->b, NULL, 0);
        gen_item(g, 0);
        size_t len = g->b.len;
        if (len > (1 << 15))
            len = 1 << 15;
        for (unsigned k = 0; k < 40; k++) {
            size_t n = len;
            memcpy(m, g->b.ptr, n);
            unsigned muts = 1 + (unsigned)rnd_below(&r, 3);
            for (unsigned j = 0; j < muts && n > 0; j++) {
                size_t at = rnd_below(&r, n);
                switch (rnd_below(&r, 6)) {
                case 0: m[at] ^= (uint8_t)(1u << rnd_below(&r, 8)); break;
                case 1: m[at] = (uint8_t)rnd(&r); break;
                case 2: m[at] = interesting[rnd_below(&r, sizeof interesting)]; break;
                case 3: n = at; break;                                   /* truncate */
                case 4:                                                  /* delete a byte */
                    memmove(m + at, m + at + 1, n - at - 1);
                    n--;
                    break;
                case 5:                                                  /* insert a byte */
                    memmove(m + at + 1, m + at, n - at);
                    m[at] = interesting[rnd_below(&r, sizeof interesting)];
                    n++;
                    break;
                }
            }
            uint32_t cap = rnd_below(&r, 4) == 0 ? 1 + (uint32_t)rnd_below(&r, 64) : MDLG_MAX_ITEMS;
            parse_any(m, n, cap, &ok, &bad);
        }
        mdlg_cbor_buf_free(&g->b);
    }
    /* short random byte strings */
    for (unsigned k = 0; k < 20000; k++) {
        size_t n = rnd_below(&r, 24);
        for (size_t i = 0; i < n; i++)
            m[i] = rnd_below(&r, 3) ? interesting[rnd_below(&r, sizeof interesting)] : (uint8_t)rnd(&r);
        parse_any(m, n, MDLG_MAX_ITEMS, &ok, &bad);
    }
    print_message("mutations: %u parsed, %u rejected, no crash\n", ok, bad);
    assert_true(ok > 100 && bad > 1000);
    free(m);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_a),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_wellformed_edges),
        cmocka_unit_test(test_simple_values),
        cmocka_unit_test(test_tag_heads),
        cmocka_unit_test(test_limits_generated),
        cmocka_unit_test(test_usage_and_body_limit),
        cmocka_unit_test(test_no_allocation),
        cmocka_unit_test(test_navigation),
        cmocka_unit_test(test_int_getter_edges),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_enc_heads),
        cmocka_unit_test(test_enc_ints),
        cmocka_unit_test(test_enc_strings_and_raw),
        cmocka_unit_test(test_enc_growth_and_free),
        cmocka_unit_test(test_enc_sticky_error),
        cmocka_unit_test(test_prop_roundtrip),
        cmocka_unit_test(test_prop_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
