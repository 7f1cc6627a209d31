/* see mdlg/ident.h - normalisers: SSN, bank, phone, device, mDL document, names, dates */
#include <stdio.h>
#include <string.h>

#include "mdlg/ident.h"

#define INVALID(r) (*reason = (r), MDLG_E_IDENT_INVALID)

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Trims ASCII whitespace from both ends of (*in, *len). */
static void trim(const char **in, size_t *len)
{
    while (*len > 0 && is_space((*in)[0]))
        (*in)++, (*len)--;
    while (*len > 0 && is_space((*in)[*len - 1]))
        (*len)--;
}

/*
 * Copies the digits of in[0..len) to out (at most max), skipping the
 * separator characters in `seps`. Returns the digit count, or -1 if another
 * character or more than max digits.
 */
static int digits_only(const char *in, size_t len, const char *seps, char *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(in[i])) {
            if (n == max)
                return -1;
            out[n++] = in[i];
        } else if (strchr(seps, in[i]) == NULL || in[i] == '\0') {
            return -1;
        }
    }
    out[n] = '\0';
    return n;
}

mdlg_err mdlg_ident_ssn(const char *in, size_t len, char out[MDLG_IDENT_MAX], const char **reason)
{
    if (len > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&in, &len);
    char d[16];
    if (digits_only(in, len, "- ", d, 9) != 9)
        return INVALID("ssn_not_9_digits");
    if (memcmp(d, "000", 3) == 0 || memcmp(d, "666", 3) == 0 || d[0] == '9')
        return INVALID("ssn_area_invalid");
    if (memcmp(d + 3, "00", 2) == 0)
        return INVALID("ssn_group_00");
    if (memcmp(d + 5, "0000", 4) == 0)
        return INVALID("ssn_serial_0000");
    memcpy(out, d, 10);
    return MDLG_E_OK;
}

/* ABA routing checksum: 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) = 0 mod 10. */
static bool aba_ok(const char d[9])
{
    static const int w[3] = { 3, 7, 1 };
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += w[i % 3] * (d[i] - '0');
    return sum % 10 == 0 && memcmp(d, "000000000", 9) != 0;
}

mdlg_err mdlg_ident_bank(const char *routing, size_t rlen, const char *account, size_t alen,
                         char out[MDLG_IDENT_MAX], const char **reason)
{
    if (rlen > MDLG_IDENT_INPUT_MAX || alen > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&routing, &rlen);
    trim(&account, &alen);
    char r[16], a[32];
    if (digits_only(routing, rlen, "- ", r, 9) != 9)
        return INVALID("routing_not_9_digits");
    if (!aba_ok(r))
        return INVALID("routing_checksum");
    int n = digits_only(account, alen, "- ", a, 17);
    if (n < 4)
        return INVALID(n < 0 ? "account_not_digits" : "account_too_short");
    const char *acc = a;
    while (acc[0] == '0' && acc[1] != '\0')
        acc++;
    snprintf(out, MDLG_IDENT_MAX, "%s:%s", r, acc);
    return MDLG_E_OK;
}

/* NANP: area code and exchange code start with 2-9. */
static bool nanp_ok(const char *d10) { return d10[0] >= '2' && d10[3] >= '2'; }

mdlg_err mdlg_ident_phone(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                          const char **reason)
{
    if (len > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&in, &len);
    bool plus = len > 0 && in[0] == '+';
    char d[24];
    int n = digits_only(in + plus, len - plus, " -.()", d, 15);
    if (n < 0)
        return INVALID("phone_not_digits");
    if (plus) {
        if (n < 8 || d[0] == '0')
            return INVALID("phone_e164_length");
        if (d[0] == '1' && (n != 11 || !nanp_ok(d + 1)))
            return INVALID("phone_nanp_invalid");
        snprintf(out, MDLG_IDENT_MAX, "+%s", d);
        return MDLG_E_OK;
    }
    const char *nat = n == 11 && d[0] == '1' ? d + 1 : n == 10 ? d : NULL;
    if (nat == NULL)
        return INVALID("phone_not_nanp_no_country_code");
    if (!nanp_ok(nat))
        return INVALID("phone_nanp_invalid");
    snprintf(out, MDLG_IDENT_MAX, "+1%s", nat);
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_device(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                           const char **reason)
{
    if (len > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&in, &len);
    if (len == 0)
        return INVALID("empty");
    if (len > 256)
        return INVALID("too_long");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)in[i] < 0x21 || (unsigned char)in[i] > 0x7e)
            return INVALID("device_not_printable_ascii");
    memcpy(out, in, len);
    out[len] = '\0';
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_jurisdiction(const char *in, size_t len, char out[8], const char **reason)
{
    if (len > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&in, &len);
    if (len == 5 && upper(in[0]) == 'U' && upper(in[1]) == 'S' && in[2] == '-')
        in += 3, len -= 3;
    if (len != 2 || !is_alpha(in[0]) || !is_alpha(in[1]))
        return INVALID("jurisdiction_not_us_subdivision");
    snprintf(out, 8, "US-%c%c", upper(in[0]), upper(in[1]));
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_mdl_doc(const char *jur, size_t jlen, const char *num, size_t nlen,
                            char out[MDLG_IDENT_MAX], const char **reason)
{
    char j[8], n[40];
    size_t k = 0;
    mdlg_err e = mdlg_ident_jurisdiction(jur, jlen, j, reason);
    if (e != MDLG_E_OK)
        return e;
    if (nlen > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    for (size_t i = 0; i < nlen; i++) {
        if (num[i] == ' ' || num[i] == '-')
            continue;
        if (!is_digit(num[i]) && !is_alpha(num[i]))
            return INVALID("document_number_not_alphanumeric");
        if (k == 32)
            return INVALID("document_number_too_long");
        n[k++] = upper(num[i]);
    }
    if (k == 0)
        return INVALID("document_number_empty");
    n[k] = '\0';
    snprintf(out, MDLG_IDENT_MAX, "%s:%s", j, n);
    return MDLG_E_OK;
}

static int hexval(char c)
{
    return is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int b64val(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : is_digit(c) ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* 43 base64url characters (no padding) -> 32 bytes; false if invalid or non-canonical. */
static bool b64url32(const char *in, uint8_t out[32])
{
    uint32_t acc = 0;
    int bits = 0, o = 0;
    for (int i = 0; i < 43; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v, bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < 32)
                out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o == 32 && (acc & ((1u << bits) - 1)) == 0;
}

mdlg_err mdlg_ident_thumbprint(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                               const char **reason)
{
    uint8_t b[32];
    if (len > MDLG_IDENT_INPUT_MAX)
        return INVALID("too_long");
    trim(&in, &len);
    if (len == 64) {
        for (int i = 0; i < 64; i++)
            if (hexval(in[i]) < 0)
                return INVALID("thumbprint_not_hex");
        for (int i = 0; i < 32; i++)
            b[i] = (uint8_t)(hexval(in[2 * i]) << 4 | hexval(in[2 * i + 1]));
    } else if (len != 43 || !b64url32(in, b)) {
        return INVALID("thumbprint_not_32_bytes");
    }
    for (int i = 0; i < 32; i++) {   /* lower-case hex, by table (not one snprintf per byte) */
        out[2 * i] = "0123456789abcdef"[b[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
    }
    out[64] = '\0';
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_name(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                         const char **reason)
{
    size_t k = 0;
    bool letter = false;
    if (len > 256)
        return INVALID("too_long");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x80 || is_alpha((char)c)) {
            out[k++] = c >= 0x80 ? (char)c : upper((char)c);
            letter = true;
        } else if (!is_space((char)c) && !strchr("-'.,", c)) {
            return INVALID("name_has_digits_or_symbols");
        }
    }
    if (!letter)
        return INVALID("name_empty");
    out[k] = '\0';
    return MDLG_E_OK;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Reads exactly n digits at s into *v. */
static bool num_at(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

mdlg_err mdlg_ident_date(const char *in, size_t len, char out[11], const char **reason)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d;
    trim(&in, &len);
    bool iso = len == 10 && in[4] == '-' && in[7] == '-' && num_at(in, 4, &y) &&
               num_at(in + 5, 2, &m) && num_at(in + 8, 2, &d);
    bool us = !iso && len == 10 && in[2] == '/' && in[5] == '/' && num_at(in, 2, &m) &&
              num_at(in + 3, 2, &d) && num_at(in + 6, 4, &y);
    if (!iso && !us)
        return INVALID("date_not_yyyy_mm_dd");
    if (y < 1850 || y > 2100 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap(y)))
        return INVALID("date_out_of_range");
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);   /* ranges checked above */
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_person(const char *given, size_t glen, const char *family, size_t flen,
                           const char *dob, size_t dlen, char out[MDLG_IDENT_MAX],
                           const char **reason)
{
    char g[MDLG_IDENT_MAX], f[MDLG_IDENT_MAX], d[11];
    mdlg_err e = mdlg_ident_name(given, glen, g, reason);
    if (e == MDLG_E_OK)
        e = mdlg_ident_name(family, flen, f, reason);
    if (e == MDLG_E_OK)
        e = mdlg_ident_date(dob, dlen, d, reason);
    if (e == MDLG_E_OK && snprintf(out, MDLG_IDENT_MAX, "%s %s|%s", g, f, d) >= MDLG_IDENT_MAX)
        e = INVALID("too_long");
    return e;
}
