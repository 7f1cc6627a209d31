/*
 * util.c - small helpers of the HTTP edge: clock, base64url, hex.
 * see api_internal.h
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"

int64_t mdlg_api_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool mdlg_api_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    size_t cap = n / 4 * 3 + 3;
    uint8_t *buf = malloc(cap);
    const char *end = NULL;
    if (buf == NULL)
        return false;
    if (n == 0 || sodium_base642bin(buf, cap, s, n, NULL, outlen, &end,
                                    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != s + n) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

bool mdlg_api_hex_decode(const char *s, uint8_t **out, size_t *outlen)
{
    size_t n = strlen(s);
    uint8_t *buf = malloc(n / 2 + 1);
    const char *end = NULL;
    if (buf == NULL)
        return false;
    if (n == 0 || n % 2 != 0 ||
        sodium_hex2bin(buf, n / 2 + 1, s, n, NULL, outlen, &end) != 0 || end != s + n) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

char *mdlg_api_b64url_encode(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}
