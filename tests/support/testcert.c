/* see testcert.h */
#include "testcert.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int b64(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Standard base64 of [p, end) with white space ignored; '=' ends the data. */
static uint8_t *b64_decode(const char *p, const char *end, size_t *len)
{
    uint8_t *out = malloc((size_t)(end - p) * 3 / 4 + 1);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (; out != NULL && p < end && *p != '='; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        int v = b64(*p);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *len = n;
    return out;
}

uint8_t *mdlg_test_pem_to_der(const char *pem, size_t idx, size_t *len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    const char *p = pem;
    for (size_t i = 0;; i++) {
        p = strstr(p, begin);
        if (p == NULL)
            return NULL;
        p += sizeof begin - 1;
        if (i == idx)
            break;
    }
    const char *e = strstr(p, end);
    return e == NULL ? NULL : b64_decode(p, e, len);
}

uint8_t *mdlg_test_pem_file_der(const char *path, size_t idx, size_t *len)
{
    size_t n = 0;
    uint8_t *pem = mdlg_test_read_file(path, &n);
    if (pem == NULL)
        return NULL;
    uint8_t *der = mdlg_test_pem_to_der((const char *)pem, idx, len);
    free(pem);
    return der;
}
