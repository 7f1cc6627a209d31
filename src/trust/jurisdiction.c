/*
 * jurisdiction.c - ISO 3166-2 codes for US states and territories, and the
 * stable names of the leniency bits.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "trust/trust_internal.h"

struct subdivision {
    const char *code;   /* ISO 3166-2 suffix ("CA") */
    const char *name;   /* as usually written in certificates */
};

static const struct subdivision US[] = {
    { "AL", "Alabama" }, { "AK", "Alaska" }, { "AZ", "Arizona" }, { "AR", "Arkansas" },
    { "CA", "California" }, { "CO", "Colorado" }, { "CT", "Connecticut" },
    { "DE", "Delaware" }, { "FL", "Florida" }, { "GA", "Georgia" }, { "HI", "Hawaii" },
    { "ID", "Idaho" }, { "IL", "Illinois" }, { "IN", "Indiana" }, { "IA", "Iowa" },
    { "KS", "Kansas" }, { "KY", "Kentucky" }, { "LA", "Louisiana" }, { "ME", "Maine" },
    { "MD", "Maryland" }, { "MA", "Massachusetts" }, { "MI", "Michigan" },
    { "MN", "Minnesota" }, { "MS", "Mississippi" }, { "MO", "Missouri" },
    { "MT", "Montana" }, { "NE", "Nebraska" }, { "NV", "Nevada" },
    { "NH", "New Hampshire" }, { "NJ", "New Jersey" }, { "NM", "New Mexico" },
    { "NY", "New York" }, { "NC", "North Carolina" }, { "ND", "North Dakota" },
    { "OH", "Ohio" }, { "OK", "Oklahoma" }, { "OR", "Oregon" }, { "PA", "Pennsylvania" },
    { "RI", "Rhode Island" }, { "SC", "South Carolina" }, { "SD", "South Dakota" },
    { "TN", "Tennessee" }, { "TX", "Texas" }, { "UT", "Utah" }, { "VT", "Vermont" },
    { "VA", "Virginia" }, { "WA", "Washington" }, { "WV", "West Virginia" },
    { "WI", "Wisconsin" }, { "WY", "Wyoming" },
    { "DC", "District of Columbia" }, { "DC", "Washington, D.C." }, { "DC", "Washington DC" },
    { "PR", "Puerto Rico" }, { "GU", "Guam" },
    { "VI", "U.S. Virgin Islands" }, { "VI", "US Virgin Islands" },
    { "VI", "Virgin Islands" }, { "VI", "Virgin Islands, U.S." },
    { "AS", "American Samoa" }, { "MP", "Northern Mariana Islands" },
    { "UM", "United States Minor Outlying Islands" },
};

/* Copies s without leading/trailing white space into buf (false if too long). */
static bool trimmed(const char *s, char *buf, size_t cap)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

/* US table lookup by 2-letter code or by name, case-insensitive. */
static const char *us_code(const char *st)
{
    for (size_t i = 0; i < sizeof US / sizeof US[0]; i++)
        if (strcasecmp(st, US[i].code) == 0 || strcasecmp(st, US[i].name) == 0)
            return US[i].code;
    return NULL;
}

/* 1-3 ASCII letters/digits: the shape of an ISO 3166-2 subdivision suffix. */
static bool looks_like_code(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return false;
    return true;
}

static void write_code(const char *c, const char *sub, char out[16])
{
    size_t n = 0;
    for (const char *p = c; *p && n < 2; p++)
        out[n++] = (char)toupper((unsigned char)*p);
    out[n++] = '-';
    for (const char *p = sub; *p && n < 15; p++)
        out[n++] = (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

/* Strips a "CC-" prefix from st; false if it names another country. */
static bool strip_prefix(char *country, const char **st)
{
    const char *s = *st;
    if (strlen(s) < 4 || s[2] != '-' || !isalpha((unsigned char)s[0]) ||
        !isalpha((unsigned char)s[1]))
        return true;
    if (country[0] == '\0') {
        country[0] = (char)toupper((unsigned char)s[0]);
        country[1] = (char)toupper((unsigned char)s[1]);
        country[2] = '\0';
    } else if (strncasecmp(s, country, 2) != 0) {
        return false;
    }
    *st = s + 3;
    return true;
}

void mdlg_jurisdiction_normalize(const char *c, const char *st, char out[16])
{
    char country[4] = "", sub[64];
    out[0] = '\0';
    if (c != NULL && !trimmed(c, country, sizeof country))
        return;
    if (st == NULL || !trimmed(st, sub, sizeof sub) || sub[0] == '\0')
        return;
    if (country[0] != '\0' && strlen(country) != 2)
        return;
    const char *s = sub;
    bool had_prefix = strlen(s) >= 4 && s[2] == '-';
    if (!strip_prefix(country, &s) || country[0] == '\0')
        return;
    if (strcasecmp(country, "US") == 0) {
        const char *code = us_code(s);
        if (code != NULL && (!had_prefix || strlen(s) == 2))
            write_code("US", code, out);
        return;
    }
    if (looks_like_code(s))
        write_code(country, s, out);
}

const char *mdlg_leniency_name(uint32_t bit)
{
    switch (bit) {
    case MDLG_LENIENT_CRL_DP_NOT_URI: return "crl_dp_not_uri";
    case MDLG_LENIENT_ANCHOR_IS_SIGNER: return "anchor_is_signer";
    case MDLG_LENIENT_CERT_PROFILE: return "cert_profile_deviation";
    case MDLG_LENIENT_TDATE_FRACTION: return "tdate_fractional_seconds";
    case MDLG_LENIENT_DEVICE_PAYLOAD_ATTACHED: return "device_payload_attached";
    case MDLG_LENIENT_CERT_SERIAL: return "cert_serial_nonconformant";
    case MDLG_LENIENT_EMPTY_DOCUMENT_ERRORS: return "empty_document_errors";
    default: return NULL;
    }
}
