/* see cli.h */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "issue_claims.h"
#include "mdlg/mdoc.h"

void mdlg_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mdlgate %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

mdlg_err mdlg_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (f == NULL || buf == NULL) {
        free(buf);
        return f == NULL ? MDLG_E_IO : MDLG_E_NO_MEMORY;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *p = cap > max ? NULL : realloc(buf, cap * 2);
            if (p == NULL)
                break;          /* over the limit: return what we have (max + 1 bytes) */
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    bool err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (err) {
        free(buf);
        return MDLG_E_IO;
    }
    *out = buf;
    *len = n;
    return MDLG_E_OK;
}

mdlg_err mdlg_cli_hex_decode(const char *hex, uint8_t **out, size_t *len)
{
    size_t n = strlen(hex);
    const char *end = NULL;
    uint8_t *buf = malloc(n / 2 + 1);
    if (buf == NULL)
        return MDLG_E_NO_MEMORY;
    if (sodium_hex2bin(buf, n / 2 + 1, hex, n, " \t\r\n", len, &end) != 0 || *end != '\0') {
        free(buf);
        return MDLG_E_USAGE;
    }
    *out = buf;
    return MDLG_E_OK;
}

bool mdlg_cli_parse_time(const char *s, int64_t *t)
{
    bool frac;
    return mdlg_parse_rfc3339(mdlg_bytes_make(s, strlen(s)), true, t, &frac) == MDLG_E_OK;
}

uint8_t *mdlg_cli_pem_cert_der(const char *pem, size_t len, size_t *der_len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    const char *b = memmem(pem, len, begin, sizeof begin - 1);
    const char *e = b ? memmem(b, len - (size_t)(b - pem), end, sizeof end - 1) : NULL;
    if (e == NULL)
        return NULL;
    b += sizeof begin - 1;
    char *clean = malloc((size_t)(e - b) + 1);
    size_t n = 0;
    if (clean == NULL)
        return NULL;
    for (const char *p = b; p < e; p++)
        if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
            clean[n++] = *p;
    uint8_t *der = mdlg_cli_b64_decode(clean, n, der_len);
    free(clean);
    return der;
}

bool mdlg_cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}
