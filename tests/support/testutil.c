/* see testutil.h */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mdlg/screen.h"

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex_skip(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':';
}

size_t mdlg_test_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (hex_skip(*p)) {
            if (hi >= 0)
                return (size_t)-1;   /* separator inside a byte */
            continue;
        }
        int v = hex_nibble(*p);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return (size_t)-1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi >= 0 ? (size_t)-1 : n;
}

uint8_t *mdlg_test_unhex(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t n = mdlg_test_hex_decode(hex, out, cap);
    if (n == (size_t)-1) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

char *mdlg_test_hex_encode(const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

uint8_t *mdlg_test_b64url_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return NULL;
    uint8_t *out = malloc(n * 3 / 4 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0) {   /* non-zero padding bits */
        free(out);
        return NULL;
    }
    *len = o;
    return out;
}

uint8_t *mdlg_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (n + 1 >= cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (p == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

const char *mdlg_test_shared(void)
{
    const char *dir = getenv("MDLG_SHARED");
    if (dir == NULL || *dir == '\0')
        dir = "../shared";
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return dir;
}

char *mdlg_test_shared_path(const char *rel)
{
    const char *dir = mdlg_test_shared();
    if (dir == NULL)
        return NULL;
    size_t n = strlen(dir) + 1 + strlen(rel) + 1;
    char *path = malloc(n);
    if (path == NULL)
        return NULL;
    snprintf(path, n, "%s/%s", dir, rel);
    struct stat st;
    if (stat(path, &st) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

void mdlg_test_postgres_unavailable(void **state)
{
    (void)state;
    const char *why = getenv("MDLG_TEST_PG_SKIP");
    print_message("[  SKIPPED ] postgres: %s\n",
                  why != NULL ? why
                              : "MDLG_TEST_PG_URL is not set (make test starts a server)");
    skip();
}

int mdlg_test_run_pg_group(const char *name, const struct CMUnitTest *tests, size_t n,
                           const char **url)
{
    static const struct CMUnitTest missing[] = {
        cmocka_unit_test(mdlg_test_postgres_unavailable),
    };
    const char *u = getenv("MDLG_TEST_PG_URL");
    if (u == NULL || *u == '\0')
        return _cmocka_run_group_tests(name, missing, 1, NULL, NULL);
    *url = u;
    return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

void mdlg_test_claim_set(struct mdlg_claim *c, const char *const *kv)
{
    memset(c, 0, sizeof *c);
    for (; *kv != NULL; kv++) {
        const char *eq = strchr(*kv, '=');
        assert_non_null(eq);
        int fld = mdlg_claim_field_from_name(*kv, (size_t)(eq - *kv));
        assert_true(fld >= 0);
        c->f[fld] = eq + 1;
        c->len[fld] = strlen(eq + 1);
    }
}

bool mdlg_test_rm_tree(const char *dir)
{
    size_t n = strlen(dir) + 16;
    char *cmd = malloc(n);
    bool ok = cmd != NULL && strchr(dir, '\'') == NULL;
    if (ok) {
        snprintf(cmd, n, "rm -rf '%s'", dir);
        ok = system(cmd) == 0;
    }
    free(cmd);
    return ok;
}
