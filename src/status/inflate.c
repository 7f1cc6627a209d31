/*
 * inflate.c - zlib (RFC 1950) inflate with a hard cap on the output, so a
 * small "zip bomb" list cannot make mdlgate allocate more than the cap.
 */
#include <stdlib.h>
#include <zlib.h>

#include "mdlg/statuslist.h"

/* Output grows in steps of at most this, up to the cap. */
#define STEP (64u * 1024u)

static mdlg_err grow(uint8_t **buf, size_t *cap, size_t limit)
{
    size_t n = *cap == 0 ? STEP : *cap * 2;
    if (n > limit)
        n = limit;
    uint8_t *b = realloc(*buf, n ? n : 1);
    if (b == NULL)
        return MDLG_E_NO_MEMORY;
    *buf = b;
    *cap = n;
    return MDLG_E_OK;
}

/* Runs inflate until the stream ends, input is exhausted, or output hits limit. */
static mdlg_err run(z_stream *z, size_t limit, uint8_t **buf, size_t *cap)
{
    for (;;) {
        if (z->total_out == *cap) {
            if (*cap == limit) {
                uint8_t probe;   /* one more byte would exceed the cap? */
                z->next_out = &probe;
                z->avail_out = 1;
                int rc = inflate(z, Z_NO_FLUSH);
                return rc == Z_STREAM_END && z->avail_out == 1 ? MDLG_E_OK
                       : z->avail_out == 0 ? MDLG_E_STATUS_LIST_TOO_LARGE
                                           : MDLG_E_STATUS_LIST_INVALID;
            }
            if (grow(buf, cap, limit) != MDLG_E_OK)
                return MDLG_E_NO_MEMORY;
        }
        z->next_out = *buf + z->total_out;
        z->avail_out = (uInt)(*cap - z->total_out);
        int rc = inflate(z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            return MDLG_E_OK;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return MDLG_E_STATUS_LIST_INVALID;
        if (z->avail_in == 0 && z->avail_out != 0)
            return MDLG_E_STATUS_LIST_INVALID;   /* truncated stream */
    }
}

mdlg_err mdlg_zlib_inflate_bounded(const uint8_t *in, size_t len, size_t cap, uint8_t **out,
                                   size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (in == NULL || len > UINT32_MAX || cap == 0 || cap > UINT32_MAX)
        return MDLG_E_USAGE;
    z_stream z = { 0 };
    if (inflateInit(&z) != Z_OK)
        return MDLG_E_NO_MEMORY;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    uint8_t *buf = NULL;
    size_t have = 0;
    mdlg_err e = run(&z, cap, &buf, &have);
    size_t n = z.total_out;
    inflateEnd(&z);
    if (e != MDLG_E_OK) {
        free(buf);
        return e;
    }
    *out = buf;
    *out_len = n;
    return MDLG_E_OK;
}
