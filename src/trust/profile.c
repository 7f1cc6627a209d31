/*
 * profile.c - ISO 18013-5 Annex B certificate profile checks (see
 * research/mdl-verification.md §7). OpenSSL has already done RFC 5280 path
 * validation when these run; they only look at fields.
 *
 * A finding is either hard (fails under every policy) or a deviation (fails
 * under strict, becomes a named leniency under lenient).
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "trust/trust_internal.h"

/* DER contents of OID 1.0.18013.5.1.2 (id-mdl-kp-mdlDS). */
static const unsigned char OID_MDL_DS[] = { 0x28, 0x81, 0x8c, 0x5d, 0x05, 0x01, 0x02 };

void mdlg__prof_hard(struct mdlg_prof *p, mdlg_err e, const char *detail)
{
    if (p->hard == MDLG_E_OK) {
        p->hard = e;
        p->hard_detail = detail;
    }
}

void mdlg__prof_dev(struct mdlg_prof *p, mdlg_err e, uint32_t bit, const char *detail)
{
    if (p->strict == MDLG_E_OK) {
        p->strict = e;
        p->strict_detail = detail;
    }
    p->bits |= bit;
}

void mdlg__prof_merge(struct mdlg_prof *a, const struct mdlg_prof *b)
{
    if (b->hard != MDLG_E_OK)
        mdlg__prof_hard(a, b->hard, b->hard_detail);
    if (b->strict != MDLG_E_OK)
        mdlg__prof_dev(a, b->strict, 0, b->strict_detail);
    a->bits |= b->bits;
}

mdlg_err mdlg__prof_verdict(const struct mdlg_prof *p, enum mdlg_policy policy,
                            uint32_t *bits, const char **detail)
{
    if (p->hard != MDLG_E_OK) {
        *detail = p->hard_detail;
        return p->hard;
    }
    if (policy == MDLG_POLICY_STRICT) {
        *detail = p->strict_detail;
        return p->strict;
    }
    *bits |= p->bits;
    return MDLG_E_OK;
}

/* -1 absent, 0 non-critical, 1 critical. */
static int ext_crit(const X509 *x, int nid)
{
    int i = X509_get_ext_by_NID(x, nid, -1);
    return i < 0 ? -1 : X509_EXTENSION_get_critical(X509_get_ext(x, i)) ? 1 : 0;
}

static void check_serial(X509 *x, struct mdlg_prof *p)
{
    const ASN1_INTEGER *s = X509_get0_serialNumber(x);
    int der = i2d_ASN1_INTEGER(s, NULL);   /* tag + length + content */
    bool zero = true;
    for (int i = 0; i < ASN1_STRING_length(s); i++)
        zero = zero && ASN1_STRING_get0_data(s)[i] == 0;
    if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER || zero || der < 0 || der - 2 > 20)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_SERIAL,
                       "serial number negative, zero or longer than 20 octets");
}

/* True if every distribution point is a fullName made only of URIs. */
static bool crl_dp_all_uri(const STACK_OF(DIST_POINT) *dps, bool *extra_fields)
{
    bool ok = sk_DIST_POINT_num(dps) > 0;
    for (int i = 0; i < sk_DIST_POINT_num(dps); i++) {
        const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->reasons != NULL || dp->CRLissuer != NULL)
            *extra_fields = true;
        if (dp->distpoint == NULL || dp->distpoint->type != 0) {
            ok = false;
            continue;
        }
        const GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++)
            ok = ok && sk_GENERAL_NAME_value(names, j)->type == GEN_URI;
    }
    return ok;
}

static void check_crl_dp(X509 *x, struct mdlg_prof *p)
{
    int crit = 0;
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, &crit, NULL);
    if (dps == NULL) {
        ERR_clear_error();
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       crit == -1 ? "cRLDistributionPoints missing"
                                  : "cRLDistributionPoints unreadable");
        return;
    }
    bool extra = false;
    if (!crl_dp_all_uri(dps, &extra))
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CRL_DP_NOT_URI,
                       "cRLDistributionPoints name is not a URI");
    if (extra)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "cRLDistributionPoints has reasons or cRLIssuer");
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
}

static void check_forbidden(X509 *x, struct mdlg_prof *p)
{
    static const int forbidden[] = { NID_policy_mappings, NID_name_constraints,
                                     NID_policy_constraints, NID_inhibit_any_policy,
                                     NID_freshest_crl };
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (ext_crit(x, forbidden[i]) >= 0)
            mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                           "forbidden extension present");
}

void mdlg__prof_common(X509 *x, struct mdlg_prof *p)
{
    if (X509_get_version(x) != X509_VERSION_3)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "not an X.509 v3 certificate");
    check_serial(x, p);
    if (X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_countryName, -1) < 0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "subject countryName missing");
    if (ext_crit(x, NID_subject_key_identifier) < 0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "subjectKeyIdentifier missing");
    if (ext_crit(x, NID_issuer_alt_name) < 0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "issuerAltName missing");
    check_crl_dp(x, p);
    check_forbidden(x, p);
}

/* basicConstraints cA flag; *pathlen0 = pathLenConstraint present and 0. */
static bool is_ca(X509 *x, bool *pathlen0)
{
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    if (bc == NULL) {
        ERR_clear_error();
        *pathlen0 = false;
        return false;
    }
    bool ca = bc->ca != 0;
    *pathlen0 = bc->pathlen != NULL && ASN1_INTEGER_get(bc->pathlen) == 0;
    BASIC_CONSTRAINTS_free(bc);
    return ca;
}

static void iaca_key_usage(X509 *x, struct mdlg_prof *p)
{
    uint32_t ku = X509_get_key_usage(x);
    if (ext_crit(x, NID_key_usage) < 0)
        mdlg__prof_dev(p, MDLG_E_IACA_PROFILE_KEY_USAGE, MDLG_LENIENT_CERT_PROFILE,
                       "IACA keyUsage missing");
    else if (!(ku & KU_KEY_CERT_SIGN))
        mdlg__prof_hard(p, MDLG_E_IACA_PROFILE_KEY_USAGE, "IACA keyUsage lacks keyCertSign");
    else if (ku != (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        mdlg__prof_dev(p, MDLG_E_IACA_PROFILE_KEY_USAGE, MDLG_LENIENT_CERT_PROFILE,
                       "IACA keyUsage is not exactly keyCertSign and cRLSign");
    else if (ext_crit(x, NID_key_usage) == 0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "IACA keyUsage not critical");
}

void mdlg__prof_iaca(X509 *x, struct mdlg_prof *p)
{
    bool pathlen0 = false;
    if (!is_ca(x, &pathlen0))
        mdlg__prof_hard(p, MDLG_E_IACA_PROFILE_NOT_CA, "IACA basicConstraints lacks CA:TRUE");
    else if (ext_crit(x, NID_basic_constraints) == 0 || !pathlen0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "IACA basicConstraints not critical or pathLenConstraint not 0");
    iaca_key_usage(x, p);
    mdlg__prof_common(x, p);
}

static void ds_eku(X509 *x, struct mdlg_prof *p)
{
    int crit = 0;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
    if (eku == NULL)
        ERR_clear_error();
    bool found = false, other = false;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        bool is_ds = OBJ_length(o) == sizeof OID_MDL_DS &&
                     memcmp(OBJ_get0_data(o), OID_MDL_DS, sizeof OID_MDL_DS) == 0;
        found = found || is_ds;
        other = other || !is_ds;
    }
    EXTENDED_KEY_USAGE_free(eku);
    if (!found)
        mdlg__prof_hard(p, MDLG_E_DS_PROFILE_EKU, "DS extKeyUsage lacks 1.0.18013.5.1.2");
    else if (other || crit != 1)
        mdlg__prof_dev(p, MDLG_E_DS_PROFILE_EKU, MDLG_LENIENT_CERT_PROFILE,
                       "DS extKeyUsage not critical or not exactly 1.0.18013.5.1.2");
}

static void ds_key_usage(X509 *x, struct mdlg_prof *p)
{
    uint32_t ku = X509_get_key_usage(x);
    int crit = ext_crit(x, NID_key_usage);
    if (crit < 0)
        mdlg__prof_dev(p, MDLG_E_DS_PROFILE_KEY_USAGE, MDLG_LENIENT_CERT_PROFILE,
                       "DS keyUsage missing");
    else if (!(ku & KU_DIGITAL_SIGNATURE))
        mdlg__prof_hard(p, MDLG_E_DS_PROFILE_KEY_USAGE, "DS keyUsage lacks digitalSignature");
    else if (ku != KU_DIGITAL_SIGNATURE || crit == 0)
        mdlg__prof_dev(p, MDLG_E_DS_PROFILE_KEY_USAGE, MDLG_LENIENT_CERT_PROFILE,
                       "DS keyUsage not critical or not exactly digitalSignature");
}

void mdlg__prof_ds(X509 *x, struct mdlg_prof *p)
{
    ds_eku(x, p);
    ds_key_usage(x, p);
    bool pathlen0 = false;
    if (is_ca(x, &pathlen0))
        mdlg__prof_hard(p, MDLG_E_DS_PROFILE_IS_CA, "DS basicConstraints has CA:TRUE");
    if (ext_crit(x, NID_authority_key_identifier) < 0)
        mdlg__prof_dev(p, MDLG_E_CERT_PROFILE, MDLG_LENIENT_CERT_PROFILE,
                       "DS authorityKeyIdentifier missing");
    mdlg__prof_common(x, p);
}

void mdlg__prof_binding(const char *ds_c, const char *ds_st, const struct mdlg_anchor *a,
                        struct mdlg_prof *p)
{
    if (strcmp(ds_c, a->c) != 0)
        mdlg__prof_hard(p, MDLG_E_DS_PROFILE_COUNTRY, "DS countryName differs from the IACA's");
    if (a->st[0] == '\0' || strcmp(ds_st, a->st) == 0)
        return;
    char ds_code[16], a_code[16];
    mdlg_jurisdiction_normalize(ds_c, ds_st, ds_code);
    mdlg_jurisdiction_normalize(a->c, a->st, a_code);
    if (ds_code[0] != '\0' && strcmp(ds_code, a_code) == 0)
        mdlg__prof_dev(p, MDLG_E_DS_PROFILE_STATE, MDLG_LENIENT_CERT_PROFILE,
                       "DS stateOrProvinceName written differently from the IACA's");
    else
        mdlg__prof_hard(p, MDLG_E_DS_PROFILE_STATE,
                        "DS stateOrProvinceName differs from the IACA's");
}

void mdlg__prof_jurisdiction(const char *ds_c, const char *ds_state_code,
                             const char *jurisdiction, struct mdlg_prof *p)
{
    /* Only country ("US") and subdivision ("US-CA") jurisdictions bind. */
    size_t n = strlen(jurisdiction);
    if (n < 2 || jurisdiction[0] == '_' || (n > 2 && jurisdiction[2] != '-'))
        return;
    if (strncmp(ds_c, jurisdiction, 2) != 0 || ds_c[2] != '\0')
        mdlg__prof_hard(p, MDLG_E_JURISDICTION_ANCHOR_MISMATCH,
                        "DS countryName differs from the anchor's jurisdiction");
    else if (n > 2 && ds_state_code[0] != '\0' && strcmp(ds_state_code, jurisdiction) != 0)
        mdlg__prof_hard(p, MDLG_E_JURISDICTION_ANCHOR_MISMATCH,
                        "DS stateOrProvinceName differs from the anchor's jurisdiction");
}
