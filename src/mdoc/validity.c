/*
 * validity.c - tdate parsing, MSO validity and jurisdiction binding.
 * see mdlg/mdoc.h
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mdoc_internal.h"

#define MDL_NS "org.iso.18013.5.1"

/* ---- RFC 3339 ---- */

static bool digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

mdlg_err mdlg_parse_rfc3339(struct mdlg_bytes s, bool allow_fraction, int64_t *t,
                            bool *had_fraction)
{
    const uint8_t *p = s.ptr;
    int Y, M, D, h, mi, se;
    size_t i = 19;
    *had_fraction = false;
    if (s.len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') ||
        p[13] != ':' || p[16] != ':' || !digits(p, 4, &Y) || !digits(p + 5, 2, &M) ||
        !digits(p + 8, 2, &D) || !digits(p + 11, 2, &h) || !digits(p + 14, 2, &mi) ||
        !digits(p + 17, 2, &se))
        return MDLG_E_TDATE_MALFORMED;
    if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 || se > 60)
        return MDLG_E_TDATE_MALFORMED;
    if (p[i] == '.') {
        size_t j = ++i;
        while (i < s.len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == j || i - j > 9)
            return MDLG_E_TDATE_MALFORMED;
        if (!allow_fraction)
            return MDLG_E_TDATE_MALFORMED;
        *had_fraction = true;
    }
    if (i + 1 != s.len || (p[i] != 'Z' && p[i] != 'z'))
        return MDLG_E_TDATE_MALFORMED;     /* UTC only (18013-5) */
    *t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + (se == 60 ? 59 : se);
    return MDLG_E_OK;
}

void mdlg_format_rfc3339(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 21, "invalid");
}

/* ---- validity ---- */

/* Reads validityInfo[key] as tdate (#6.0(tstr)). */
static mdlg_err read_tdate(struct doc_ctx *c, uint32_t vi, const char *key, bool required,
                           struct mdlg_tdate *out)
{
    const struct mdlg_cbor_doc *m = &c->mso;
    uint32_t i = mdlg_cbor_map_get_str(m, vi, key);
    bool frac;
    if (i == MDLG_CBOR_NONE)
        return required ? MDLG_E_MSO_VALIDITY_MALFORMED : MDLG_E_OK;
    if (!mdlg_cbor_is_type(m, i, MDLG_CBOR_TAG) || m->items[i].v.u != 0 ||
        !mdlg_cbor_get_tstr(m, i + 1, &out->text))
        return MDLG_E_TDATE_MALFORMED;
    mdlg_err e = mdlg_parse_rfc3339(out->text, c->o->policy == MDLG_POLICY_LENIENT, &out->t,
                                    &frac);
    if (frac)
        c->r->leniencies |= MDLG_LENIENT_TDATE_FRACTION;
    return e;
}

static mdlg_err read_validity(struct doc_ctx *c)
{
    struct mdlg_doc_result *r = c->r;
    uint32_t vi = mdlg_cbor_map_get_str(&c->mso, 0, "validityInfo");
    mdlg_err e;
    if ((e = read_tdate(c, vi, "signed", true, &r->signed_at)) != MDLG_E_OK ||
        (e = read_tdate(c, vi, "validFrom", true, &r->valid_from)) != MDLG_E_OK ||
        (e = read_tdate(c, vi, "validUntil", true, &r->valid_until)) != MDLG_E_OK ||
        (e = read_tdate(c, vi, "expectedUpdate", false, &r->expected_update)) != MDLG_E_OK)
        return e;
    return r->valid_from.t > r->valid_until.t ? MDLG_E_MSO_VALIDITY_MALFORMED : MDLG_E_OK;
}

void mdlg__step_validity(struct doc_ctx *c)
{
    struct mdlg_doc_result *r = c->r;
    int64_t now = c->o->now, skew = c->o->clock_skew > 0 ? c->o->clock_skew : 0;
    size_t off = c->issuer_auth.offset;
    mdlg_err e = read_validity(c);
    if (e != MDLG_E_OK) {
        mdlg__doc_fail0(c, MDLG_CHECK_VALIDITY, e, off, "MSO validityInfo");
        return;
    }
    if (now + skew < r->valid_from.t)
        mdlg__doc_fail0(c, MDLG_CHECK_VALIDITY, MDLG_E_MSO_NOT_YET_VALID, off, NULL);
    if (now - skew > r->valid_until.t)
        mdlg__doc_fail0(c, MDLG_CHECK_VALIDITY, MDLG_E_MSO_EXPIRED, off, NULL);
    if (r->chain.ds_not_after != 0 &&
        (r->signed_at.t < r->chain.ds_not_before || r->signed_at.t > r->chain.ds_not_after))
        mdlg__doc_fail0(c, MDLG_CHECK_VALIDITY, MDLG_E_MSO_SIGNED_OUTSIDE_DS_VALIDITY, off,
                        "MSO signed outside the DS certificate's validity");
    mdlg__doc_pass(c, MDLG_CHECK_VALIDITY);
}

/* ---- jurisdiction ---- */

enum text_state { TEXT_ABSENT, TEXT_OK, TEXT_UNUSABLE };

/*
 * Copies the disclosed mDL text element `id` into out. An element that is
 * present but not text, or too long for out, is TEXT_UNUSABLE: it cannot
 * match a certificate's value, and must not pass as absent.
 */
static enum text_state mdl_text(struct doc_ctx *c, const char *id, char *out, size_t cap)
{
    for (size_t i = 0; i < c->r->n_elements; i++) {
        const struct mdlg_element *el = &c->r->elements[i];
        struct mdlg_cbor_item items[2];
        struct mdlg_cbor_doc d;
        struct mdlg_bytes s;
        if (el->device_signed || !mdlg_bytes_eq_str(el->ns, MDL_NS) || !mdlg_bytes_eq_str(el->id, id))
            continue;
        if (mdlg_cbor_parse(&d, el->value.ptr, el->value.len, items, 2, NULL) != MDLG_E_OK ||
            !mdlg_cbor_get_tstr(&d, 0, &s) || s.len >= cap || memchr(s.ptr, '\0', s.len))
            return TEXT_UNUSABLE;
        memcpy(out, s.ptr, s.len);
        out[s.len] = '\0';
        return TEXT_OK;
    }
    return TEXT_ABSENT;
}

/* The anchor's jurisdiction must be the one the document claims. */
static mdlg_err anchor_binding(const struct mdlg_chain_result *ch, const char *country,
                               const char *claimed_sub)
{
    const char *j = ch->jurisdiction;
    size_t clen = strlen(country);
    if (j[0] == '_')
        return MDLG_E_OK;          /* a named non-state issuer class */
    if (strncmp(j, country, clen) != 0 || (j[clen] != '\0' && j[clen] != '-'))
        return MDLG_E_JURISDICTION_ANCHOR_MISMATCH;
    if (claimed_sub[0] == '\0')
        return MDLG_E_OK;
    if (j[clen] == '-')
        return strcmp(j, claimed_sub) == 0 ? MDLG_E_OK : MDLG_E_JURISDICTION_ANCHOR_MISMATCH;
    /* A country-level US anchor cannot vouch for a state's document. */
    return strcmp(country, "US") == 0 ? MDLG_E_JURISDICTION_ANCHOR_MISMATCH : MDLG_E_OK;
}

void mdlg__step_jurisdiction(struct doc_ctx *c)
{
    const struct mdlg_chain_result *ch = &c->r->chain;
    char country[8] = "", juris[64] = "", sub[64] = "";
    size_t off = c->issuer_auth.offset;
    if (c->r->checks[MDLG_CHECK_ISSUER_CERTIFICATE] != MDLG_CHECK_OK)
        return;     /* nothing trustworthy to bind to */
    enum text_state cs = mdl_text(c, "issuing_country", country, sizeof country);
    enum text_state js = mdl_text(c, "issuing_jurisdiction", juris, sizeof juris);
    bool has_c = cs == TEXT_OK, has_j = js == TEXT_OK;
    if (cs == TEXT_UNUSABLE || js == TEXT_UNUSABLE)
        mdlg__doc_fail0(c, MDLG_CHECK_JURISDICTION, MDLG_E_JURISDICTION_DATA_MISMATCH, off,
                        "issuing_country or issuing_jurisdiction is not a usable text value");
    if (has_c && strcmp(country, ch->ds_country) != 0)
        mdlg__doc_fail0(c, MDLG_CHECK_JURISDICTION, MDLG_E_JURISDICTION_DATA_MISMATCH, off,
                        "issuing_country differs from the DS certificate's countryName");
    if (!has_c)
        snprintf(country, sizeof country, "%.3s", ch->ds_country);
    if (has_j) {
        mdlg_jurisdiction_normalize(country, juris, sub);
        if (sub[0] == '\0')
            snprintf(sub, sizeof sub, "%s", juris);
        if (ch->ds_state[0] != '\0' && strcmp(sub, ch->ds_state_code) != 0 &&
            strcmp(juris, ch->ds_state) != 0)
            mdlg__doc_fail0(c, MDLG_CHECK_JURISDICTION, MDLG_E_JURISDICTION_DATA_MISMATCH, off,
                            "issuing_jurisdiction differs from the DS certificate's ST");
    }
    mdlg_err e = anchor_binding(ch, country, sub);
    if (e != MDLG_E_OK)
        mdlg__doc_fail0(c, MDLG_CHECK_JURISDICTION, e, off,
                        "the trust anchor belongs to another jurisdiction");
    mdlg__doc_pass(c, MDLG_CHECK_JURISDICTION);
}
