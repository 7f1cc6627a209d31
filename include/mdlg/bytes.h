/*
 * bytes.h - a view into bytes someone else owns.
 *
 * Decoded values are views into the received buffer; they stay valid while
 * that buffer lives. Nothing here allocates.
 */
#ifndef MDLG_BYTES_H
#define MDLG_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

struct mdlg_bytes {
    const uint8_t *ptr;
    size_t len;
};

static inline struct mdlg_bytes mdlg_bytes_make(const void *p, size_t n)
{
    struct mdlg_bytes b = { (const uint8_t *)p, n };
    return b;
}

static inline bool mdlg_bytes_eq(struct mdlg_bytes a, struct mdlg_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* True if the view holds exactly the NUL-terminated string s. */
static inline bool mdlg_bytes_eq_str(struct mdlg_bytes a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* True if p[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
bool mdlg_utf8_valid(const uint8_t *p, size_t n);

#endif
