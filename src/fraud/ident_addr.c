/* see mdlg/ident.h - mailing addresses and IP addresses */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "mdlg/ident.h"

#define INVALID(r) (*reason = (r), MDLG_E_IDENT_INVALID)

/*
 * Word abbreviations applied to the street line: the common street suffixes,
 * directionals and unit designators of USPS Publication 28 (Appendices C1,
 * B, C2), written here from the publication's table headings; words not listed
 * stay as written.
 */
static const struct { const char *word, *abbr; } abbrevs[] = {
    { "STREET", "ST" },    { "STR", "ST" },       { "AVENUE", "AVE" },  { "AV", "AVE" },
    { "AVEN", "AVE" },     { "ROAD", "RD" },      { "DRIVE", "DR" },    { "DRV", "DR" },
    { "BOULEVARD", "BLVD" }, { "BOUL", "BLVD" },  { "LANE", "LN" },     { "COURT", "CT" },
    { "PLACE", "PL" },     { "TERRACE", "TER" },  { "CIRCLE", "CIR" },  { "HIGHWAY", "HWY" },
    { "PARKWAY", "PKWY" }, { "SQUARE", "SQ" },    { "TRAIL", "TRL" },   { "WAY", "WAY" },
    { "NORTH", "N" },      { "SOUTH", "S" },      { "EAST", "E" },      { "WEST", "W" },
    { "NORTHEAST", "NE" }, { "NORTHWEST", "NW" }, { "SOUTHEAST", "SE" }, { "SOUTHWEST", "SW" },
    { "APARTMENT", "#" },  { "APT", "#" },        { "UNIT", "#" },      { "SUITE", "#" },
    { "STE", "#" },        { "ROOM", "#" },       { "RM", "#" },
};

static const char *abbrev(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (strlen(abbrevs[i].word) == n && memcmp(abbrevs[i].word, w, n) == 0)
            return abbrevs[i].abbr;
    return NULL;
}

/* Appends s[0..n) to out at *k (with a space before unless at the start); false if full. */
static bool put_word(char *out, size_t cap, size_t *k, const char *s, size_t n)
{
    if (*k + n + 2 > cap)
        return false;
    if (n == 1 && s[0] == '#' && *k > 0 && out[*k - 1] == '#')
        return true;                             /* "APT #4" -> one "#" */
    if (*k > 0 && !(out[*k - 1] == '#'))
        out[(*k)++] = ' ';
    memcpy(out + *k, s, n);
    *k += n;
    out[*k] = '\0';
    return true;
}

/*
 * Upper-cases, splits on anything that is not a letter, digit, '#', '/' or a
 * non-ASCII byte, abbreviates each word and joins with single spaces ("#"
 * sticks to the word after it). Returns false if it does not fit.
 */
static bool words(const char *in, size_t len, char *out, size_t cap, size_t *k)
{
    char w[128];
    size_t n = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)in[i] : ' ';
        bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                    (c >= 'a' && c <= 'z') || c == '/';
        if (keep && n < sizeof w) {
            w[n++] = c >= 'a' && c <= 'z' ? (char)(c - 32) : (char)c;
            continue;
        }
        if (keep)
            return false;                        /* one word longer than 128 bytes */
        if (n > 0) {
            const char *a = abbrev(w, n);
            if (!put_word(out, cap, k, a ? a : w, a ? strlen(a) : n))
                return false;
            n = 0;
        }
        if (c == '#' && !put_word(out, cap, k, "#", 1))
            return false;
    }
    return true;
}

mdlg_err mdlg_ident_address(const char *line, size_t llen, const char *unit, size_t ulen,
                            const char *zip, size_t zlen, char out[MDLG_IDENT_MAX],
                            const char **reason)
{
    size_t k = 0;
    char z[6];
    if (llen > 256 || ulen > 64 || zlen > 16)
        return INVALID("too_long");
    out[0] = '\0';
    if (!words(line, llen, out, 300, &k) || k == 0)
        return INVALID(k == 0 ? "address_line_empty" : "too_long");
    if (ulen > 0 && out[k - 1] != '#' && strchr(out, '#') == NULL && !put_word(out, 400, &k, "#", 1))
        return INVALID("too_long");
    if (ulen > 0 && !words(unit, ulen, out, 400, &k))
        return INVALID("too_long");
    while (zlen > 0 && (*zip == ' ' || *zip == '\t'))
        zip++, zlen--;
    while (zlen > 0 && (zip[zlen - 1] == ' ' || zip[zlen - 1] == '\t'))
        zlen--;
    bool ok = (zlen == 5 || (zlen == 10 && zip[5] == '-') || zlen == 9);
    for (size_t i = 0; ok && i < zlen; i++)
        ok = (i == 5 && zlen == 10) || (zip[i] >= '0' && zip[i] <= '9');
    if (!ok)
        return INVALID("zip_not_5_or_9_digits");
    memcpy(z, zip, 5);
    z[5] = '\0';
    snprintf(out + k, MDLG_IDENT_MAX - k, "|%s", z);
    return MDLG_E_OK;
}

/* Canonical text and prefix of a v4 address. */
static void ip4_out(const uint8_t a[4], char *out, char *prefix)
{
    snprintf(out, MDLG_IDENT_MAX, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    snprintf(prefix, MDLG_IDENT_MAX, "%u.%u.%u.0/24", a[0], a[1], a[2]);
}

mdlg_err mdlg_ident_ip(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                       char prefix[MDLG_IDENT_MAX], const char **reason)
{
    char buf[64];
    uint8_t a[16];
    while (len > 0 && (in[0] == ' ' || in[0] == '\t'))
        in++, len--;
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf || memchr(in, '\0', len) != NULL)
        return INVALID(len == 0 ? "empty" : "ip_invalid");
    memcpy(buf, in, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, a) == 1) {
        ip4_out(a, out, prefix);
        return MDLG_E_OK;
    }
    if (inet_pton(AF_INET6, buf, a) != 1)
        return INVALID("ip_invalid");
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (memcmp(a, mapped, 12) == 0) {
        ip4_out(a + 12, out, prefix);
        return MDLG_E_OK;
    }
    inet_ntop(AF_INET6, a, out, MDLG_IDENT_MAX);
    memset(a + 6, 0, 10);
    inet_ntop(AF_INET6, a, buf, sizeof buf);
    snprintf(prefix, MDLG_IDENT_MAX, "%s/48", buf);
    return MDLG_E_OK;
}
