/*
 * json_dump.c - compact JSON writer for jansson values. see mdlg/json_dump.h
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/bytes.h"
#include "mdlg/json_dump.h"

#define DUMP_MAX_DEPTH 2048
#define DUMP_FIRST_CAP 8192

static bool reserve(struct mdlg_json_out *o, size_t n)
{
    if (!o->ok)
        return false;
    if (o->cap - o->len > n)   /* keeps room for the final NUL */
        return true;
    size_t cap = o->cap ? o->cap : DUMP_FIRST_CAP;
    while (cap - o->len <= n)
        cap *= 2;
    char *p = realloc(o->p, cap);
    if (p == NULL)
        return o->ok = false;
    o->p = p;
    o->cap = cap;
    return true;
}

static void put(struct mdlg_json_out *o, const char *s, size_t n)
{
    if (reserve(o, n)) {
        memcpy(o->p + o->len, s, n);
        o->len += n;
    }
}

static void put_c(struct mdlg_json_out *o, char c)
{
    if (reserve(o, 1))
        o->p[o->len++] = c;
}

/* The escape for '"', '\\' or a control character c. */
static const char *escape(unsigned char c, char buf[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
        snprintf(buf, 8, "\\u%04X", c);
        return buf;
    }
}

/* Byte classes for strings: 0 copied as is, 1 escaped, 2 starts a multi-byte character. */
static const uint8_t g_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    [0x80] = 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Length of the valid UTF-8 character at s[0] (a byte >= 0x80), 0 if invalid. */
static size_t utf8_char(const char *s, size_t left)
{
    uint8_t c = (uint8_t)s[0];
    size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (k > left || !mdlg_utf8_valid((const uint8_t *)s, k))
        return 0;
    return k;
}

/* A JSON string in one pass: runs without escapes are copied whole. */
static void put_string(struct mdlg_json_out *o, const char *s, size_t n)
{
    size_t run = 0, i = 0;
    put_c(o, '"');
    while (i < n && o->ok) {
        uint8_t cls = g_class[(uint8_t)s[i]];
        if (cls == 0) {
            i++;
        } else if (cls == 2) {
            size_t k = utf8_char(s + i, n - i);
            if (k == 0)
                o->ok = false;
            i += k;
        } else {
            char buf[8];
            const char *e = escape((unsigned char)s[i], buf);
            put(o, s + run, i - run);
            put(o, e, strlen(e));
            run = ++i;
        }
    }
    put(o, s + run, n - run);
    put_c(o, '"');
}

/* jansson's own text for a real (its precision and formatting rules). */
static void put_real(struct mdlg_json_out *o, const json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        o->ok = false;
        return;
    }
    put(o, text, strlen(text));
    free(text);
}

static void put_value(struct mdlg_json_out *o, const json_t *j, int depth);

static void put_object(struct mdlg_json_out *o, const json_t *j, int depth)
{
    bool first = true;
    put_c(o, '{');
    for (void *it = json_object_iter((json_t *)j); it != NULL && o->ok;
         it = json_object_iter_next((json_t *)j, it)) {
        if (!first)
            put_c(o, ',');
        first = false;
        put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
        put_c(o, ':');
        put_value(o, json_object_iter_value(it), depth + 1);
    }
    put_c(o, '}');
}

static void put_array(struct mdlg_json_out *o, const json_t *j, int depth)
{
    put_c(o, '[');
    for (size_t i = 0; i < json_array_size(j) && o->ok; i++) {
        if (i > 0)
            put_c(o, ',');
        put_value(o, json_array_get(j, i), depth + 1);
    }
    put_c(o, ']');
}

static void put_value(struct mdlg_json_out *o, const json_t *j, int depth)
{
    char num[32];
    if (j == NULL || depth > DUMP_MAX_DEPTH) {
        o->ok = false;
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: put_object(o, j, depth); break;
    case JSON_ARRAY: put_array(o, j, depth); break;
    case JSON_STRING: put_string(o, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER:
        put(o, num, (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                                     json_integer_value(j)));
        break;
    case JSON_REAL: put_real(o, j); break;
    case JSON_TRUE: put(o, "true", 4); break;
    case JSON_FALSE: put(o, "false", 5); break;
    case JSON_NULL: put(o, "null", 4); break;
    }
}

char *mdlg_json_dump_compact(const json_t *j, size_t *len)
{
    struct mdlg_json_out o = MDLG_JSON_OUT_INIT;
    put_value(&o, j, 0);
    return mdlg_json_out_finish(&o, len);
}

/* ---- the writer, for direct writers such as mdlg_verdict_text ---- */

char *mdlg_json_out_reserve(struct mdlg_json_out *o, size_t n)
{
    return reserve(o, n) ? o->p + o->len : NULL;
}

void mdlg_json_out_raw(struct mdlg_json_out *o, const char *s, size_t n)
{
    put(o, s, n);
}

void mdlg_json_out_string(struct mdlg_json_out *o, const char *s, size_t n)
{
    put_string(o, s, n);
}

void mdlg_json_out_value(struct mdlg_json_out *o, const json_t *j)
{
    put_value(o, j, 0);
}

char *mdlg_json_out_finish(struct mdlg_json_out *o, size_t *len)
{
    if (!o->ok || !reserve(o, 0)) {
        free(o->p);
        *o = (struct mdlg_json_out)MDLG_JSON_OUT_INIT;
        return NULL;
    }
    char *p = o->p;
    p[o->len] = '\0';
    if (len != NULL)
        *len = o->len;
    *o = (struct mdlg_json_out)MDLG_JSON_OUT_INIT;
    return p;
}
