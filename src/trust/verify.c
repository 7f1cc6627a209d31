/*
 * verify.c - Document Signer chain validation: limits, cache, OpenSSL path
 * validation at `now`, then the Annex B profile and jurisdiction checks.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/crypto_internal.h"
#include "mdlg/limits.h"
#include "trust/trust_internal.h"

static mdlg_err check_input(const struct mdlg_bytes *x5chain, size_t n)
{
    if (x5chain == NULL || n == 0)
        return MDLG_E_CERT_MALFORMED;
    if (n > MDLG_MAX_X5CHAIN)
        return MDLG_E_LIMIT_X5CHAIN;
    for (size_t i = 0; i < n; i++) {
        if (x5chain[i].ptr == NULL || x5chain[i].len == 0)
            return MDLG_E_CERT_MALFORMED;
        if (x5chain[i].len > MDLG_MAX_CERT_SIZE)
            return MDLG_E_LIMIT_CERT_SIZE;
    }
    return MDLG_E_OK;
}

/* SHA-256(DS) alone, or SHA-256 over the SHA-256 of every x5chain entry. */
static bool cache_key(const struct mdlg_bytes *x5chain, size_t n, const uint8_t ds[32],
                      uint8_t key[32])
{
    uint8_t h[MDLG_MAX_X5CHAIN][32];
    if (n == 1) {
        memcpy(key, ds, 32);
        return true;
    }
    memcpy(h[0], ds, 32);
    for (size_t i = 1; i < n; i++)
        if (!mdlg__sha256(x5chain[i].ptr, x5chain[i].len, h[i]))
            return false;
    return mdlg__sha256(&h[0][0], n * 32, key);
}

/*
 * The validity rule of OpenSSL's path validation (X509_cmp_time), so a cached
 * answer never differs from a fresh one: valid from notBefore on, expired
 * from the notAfter second on.
 */
static mdlg_err window_check(int64_t now, int64_t nb, int64_t na)
{
    if (now < nb)
        return MDLG_E_CERT_NOT_YET_VALID;
    return now >= na ? MDLG_E_CERT_EXPIRED : MDLG_E_OK;
}

/*
 * A cached success still valid at `now`. A hit whose validity check fails is
 * treated as a miss: the full validation then reports the error, and may
 * find a path through another (renewed) anchor that the cached one lacks.
 */
static bool from_cache(mdlg_trust *t, const uint8_t key[32], enum mdlg_policy policy,
                       int64_t now, struct mdlg_chain_result *out)
{
    struct mdlg_cache_entry e;
    if (!mdlg__cache_get(&t->cache, key, policy, &e))
        return false;
    if (window_check(now, e.r.ds_not_before, e.r.ds_not_after) != MDLG_E_OK ||
        window_check(now, e.ca_not_before, e.ca_not_after) != MDLG_E_OK) {
        mdlg_pkey_free(e.r.ds_key);
        return false;
    }
    *out = e.r;
    out->err = MDLG_E_OK;
    out->err_detail = NULL;
    out->cached = true;
    mdlg__crl_recheck(&e, now, out);
    return true;
}

/* The DS's own description (cached with its parse) into the result. */
static void describe_ds(const struct mdlg_ds_info *d, struct mdlg_chain_result *r)
{
    mdlg__strlcpy(r->ds_subject, d->subject, sizeof r->ds_subject);
    mdlg__strlcpy(r->ds_country, d->c, sizeof r->ds_country);
    mdlg__strlcpy(r->ds_state, d->st, sizeof r->ds_state);
    mdlg__strlcpy(r->ds_state_code, d->st_code, sizeof r->ds_state_code);
    r->ds_not_before = d->not_before;
    r->ds_not_after = d->not_after;
}

/* x5chain[1..] as untrusted intermediates; copies of anchors are skipped. */
static mdlg_err parse_untrusted(const mdlg_trust *t, const struct mdlg_bytes *v, size_t n,
                                STACK_OF(X509) **out)
{
    *out = NULL;
    if (n == 0)
        return MDLG_E_OK;
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL)
        return MDLG_E_NO_MEMORY;
    *out = sk;
    for (size_t i = 0; i < n; i++) {
        uint8_t fp[32];
        if (!mdlg__sha256(v[i].ptr, v[i].len, fp))
            return MDLG_E_CRYPTO_INTERNAL;
        if (mdlg__trust_find(t, fp) != NULL)
            continue;   /* a copy of an anchor: already trusted */
        X509 *x = mdlg__cert_parse(v[i].ptr, v[i].len);
        if (x == NULL)
            return MDLG_E_CERT_MALFORMED;
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            return MDLG_E_NO_MEMORY;
        }
    }
    return MDLG_E_OK;
}

/*
 * OpenSSL rejects an anchor that is not a CA (or lacks keyCertSign) as an
 * invalid CA; report the IACA profile finding precomputed for that anchor.
 */
static mdlg_err anchor_ca_error(const mdlg_trust *t, X509_STORE_CTX *ctx, mdlg_err fallback)
{
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    uint8_t fp[32];
    const struct mdlg_anchor *a = NULL;
    if (cur != NULL && mdlg__cert_sha256(cur, fp))
        a = mdlg__trust_find(t, fp);
    if (a == NULL)
        return MDLG_E_CHAIN_INVALID;
    return a->iaca.hard != MDLG_E_OK ? a->iaca.hard : fallback;
}

static mdlg_err map_verify_error(const mdlg_trust *t, X509_STORE_CTX *ctx, int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return MDLG_E_CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return MDLG_E_CERT_NOT_YET_VALID;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_UNTRUSTED:
        return MDLG_E_CHAIN_UNTRUSTED;
    case X509_V_ERR_INVALID_CA:
        return anchor_ca_error(t, ctx, MDLG_E_IACA_PROFILE_NOT_CA);
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
        return anchor_ca_error(t, ctx, MDLG_E_IACA_PROFILE_KEY_USAGE);
    case X509_V_OK:
        return MDLG_E_INTERNAL;
    default:
        return MDLG_E_CHAIN_INVALID;
    }
}

/*
 * RFC 5280 path validation at `now`; on success *out holds the chain.
 * leaf_der (the bytes leaf was parsed from, or NULL) enables fastverify.c.
 */
static mdlg_err path_validate(const mdlg_trust *t, X509 *leaf, const struct mdlg_bytes *leaf_der,
                              STACK_OF(X509) *untrusted, int64_t now, X509_STORE_CTX **out,
                              const char **detail)
{
    struct mdlg__fast_verify fv;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL || !X509_STORE_CTX_init(ctx, t->store, leaf, untrusted)) {
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
        return MDLG_E_NO_MEMORY;
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    if (leaf_der != NULL)
        (void)mdlg__fast_verify_install(ctx, &fv, leaf_der->ptr, leaf_der->len);
    if (X509_verify_cert(ctx) == 1) {
        *out = ctx;
        return MDLG_E_OK;
    }
    int err = X509_STORE_CTX_get_error(ctx);
    *detail = X509_verify_cert_error_string(err);
    mdlg_err e = map_verify_error(t, ctx, err);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return e;
}

/* Intersection of the validity windows of chain[1..]. */
static void ca_window(STACK_OF(X509) *chain, struct mdlg_cache_entry *ce)
{
    ce->ca_not_before = INT64_MIN;
    ce->ca_not_after = INT64_MAX;
    for (int i = sk_X509_num(chain) > 1 ? 1 : 0; i < sk_X509_num(chain); i++) {
        int64_t nb, na;
        if (!mdlg__cert_window(sk_X509_value(chain, i), &nb, &na))
            continue;
        ce->ca_not_before = nb > ce->ca_not_before ? nb : ce->ca_not_before;
        ce->ca_not_after = na < ce->ca_not_after ? na : ce->ca_not_after;
    }
}

/* Profile and jurisdiction findings for a validated chain ending at a. */
static void chain_findings(const struct mdlg_ds_info *ds, int len, const struct mdlg_anchor *a,
                           enum mdlg_policy policy, struct mdlg_chain_result *r,
                           struct mdlg_prof *p)
{
    if (len == 1 && policy == MDLG_POLICY_LENIENT) {
        r->leniencies |= MDLG_LENIENT_ANCHOR_IS_SIGNER;   /* profile not enforced */
    } else {
        if (len > 2)
            mdlg__prof_dev(p, MDLG_E_CHAIN_INVALID, MDLG_LENIENT_CERT_PROFILE,
                           "x5chain has an intermediate CA (18013-5 defines none)");
        mdlg__prof_merge(p, &ds->prof);
        if (len > 1) {
            mdlg__prof_merge(p, &a->iaca);
            mdlg__prof_binding(r->ds_country, r->ds_state, a, p);
        }
    }
    mdlg__prof_jurisdiction(r->ds_country, r->ds_state_code, a->jurisdiction, p);
}

static mdlg_err after_path(const mdlg_trust *t, const struct mdlg_ds_info *ds,
                           X509_STORE_CTX *ctx, enum mdlg_policy policy, int64_t now,
                           struct mdlg_cache_entry *ce)
{
    struct mdlg_chain_result *r = &ce->r;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int len = sk_X509_num(chain);
    X509 *top = len > 0 ? sk_X509_value(chain, len - 1) : NULL;
    const struct mdlg_anchor *a = top ? X509_get_ex_data(top, mdlg__anchor_ex_index()) : NULL;
    if (a == NULL || a->cert != top || mdlg__trust_find(t, a->sha256) != a)
        return MDLG_E_INTERNAL;     /* a path must end at one of this set's anchors */
    mdlg__strlcpy(r->jurisdiction, a->jurisdiction, sizeof r->jurisdiction);
    memcpy(r->anchor_sha256, a->sha256, 32);
    ca_window(chain, ce);
    struct mdlg_prof p = { 0 };
    chain_findings(ds, len, a, policy, r, &p);
    mdlg_err e = mdlg__prof_verdict(&p, policy, &r->leniencies, &r->err_detail);
    if (e != MDLG_E_OK)
        return e;
    mdlg__crl_check(a, ds->x, len, now, ce);
    if (r->crl == MDLG_CRL_REVOKED) {
        r->err_detail = "the IACA's CRL lists the DS certificate's serial number";
        return MDLG_E_CERT_REVOKED;
    }
    if (ds->key == NULL) {
        r->err_detail = "DS public key unreadable";
        return MDLG_E_CERT_MALFORMED;
    }
    r->ds_key = mdlg_pkey_ref(ds->key);
    return MDLG_E_OK;
}

static mdlg_err verify_full(mdlg_trust *t, const struct mdlg_bytes *x5chain, size_t n,
                            int64_t now, enum mdlg_policy policy, struct mdlg_cache_entry *ce)
{
    struct mdlg_ds_info ds;
    if (!mdlg__certcache_ds(&t->certs, ce->r.ds_sha256, x5chain[0].ptr, x5chain[0].len, &ds)) {
        ce->r.err_detail = "DS certificate is not a DER X.509 certificate";
        return MDLG_E_CERT_MALFORMED;
    }
    describe_ds(&ds, &ce->r);
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *ctx = NULL;
    mdlg_err e = parse_untrusted(t, x5chain + 1, n - 1, &untrusted);
    if (e == MDLG_E_CERT_MALFORMED)
        ce->r.err_detail = "x5chain entry is not a DER X.509 certificate";
    if (e == MDLG_E_OK)
        e = path_validate(t, ds.x, &x5chain[0], untrusted, now, &ctx, &ce->r.err_detail);
    if (e == MDLG_E_OK)
        e = after_path(t, &ds, ctx, policy, now, ce);
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    mdlg__ds_info_clear(&ds);
    return e;
}

mdlg_err mdlg_trust_verify_ds(mdlg_trust *t, const struct mdlg_bytes *x5chain, size_t n,
                              int64_t now, enum mdlg_policy policy, bool use_cache,
                              struct mdlg_chain_result *out)
{
    if (out == NULL)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    mdlg_err e = t == NULL ? MDLG_E_USAGE : check_input(x5chain, n);
    if (e == MDLG_E_OK && t->n == 0)
        e = MDLG_E_NO_ANCHORS;
    if (e == MDLG_E_OK && !mdlg__sha256(x5chain[0].ptr, x5chain[0].len, out->ds_sha256))
        e = MDLG_E_CRYPTO_INTERNAL;
    if (e != MDLG_E_OK)
        return out->err = e;
    uint8_t key[32];
    bool keyed = use_cache && cache_key(x5chain, n, out->ds_sha256, key);
    if (keyed && from_cache(t, key, policy, now, out))
        return MDLG_E_OK;
    struct mdlg_cache_entry ce;
    memset(&ce, 0, sizeof ce);
    memcpy(ce.r.ds_sha256, out->ds_sha256, 32);
    ce.r.err = verify_full(t, x5chain, n, now, policy, &ce);
    if (ce.r.err == MDLG_E_OK)
        ce.r.err_detail = NULL;
    else
        ce.r.leniencies = 0;
    if (ce.r.err == MDLG_E_OK && keyed) {
        memcpy(ce.key, key, 32);
        ce.policy = (uint8_t)policy;
        mdlg__cache_put(&t->cache, &ce);
    }
    *out = ce.r;
    return out->err;
}

void mdlg_chain_result_clear(struct mdlg_chain_result *r)
{
    if (r == NULL)
        return;
    mdlg_pkey_free(r->ds_key);
    r->ds_key = NULL;
}

/* The anchor ending a validated path is the one wanted (or a "_status" one). */
static bool signer_anchor_ok(X509_STORE_CTX *ctx, const uint8_t want[32])
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int len = sk_X509_num(chain);
    X509 *top = len > 0 ? sk_X509_value(chain, len - 1) : NULL;
    const struct mdlg_anchor *a = top ? X509_get_ex_data(top, mdlg__anchor_ex_index()) : NULL;
    if (a == NULL)
        return false;
    return (want != NULL && memcmp(a->sha256, want, 32) == 0) ||
           strcmp(a->jurisdiction, "_status") == 0;
}

mdlg_err mdlg_trust_verify_signer(mdlg_trust *t, const struct mdlg_bytes *x5chain, size_t n,
                                  int64_t now, const uint8_t anchor_sha256[32], mdlg_pkey **key)
{
    const char *detail = NULL;
    if (t == NULL || key == NULL)
        return MDLG_E_USAGE;
    *key = NULL;
    mdlg_err e = check_input(x5chain, n);
    if (e != MDLG_E_OK)
        return e;
    X509 *leaf = mdlg__cert_parse(x5chain[0].ptr, x5chain[0].len);
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *ctx = NULL;
    e = leaf == NULL ? MDLG_E_CERT_MALFORMED : parse_untrusted(t, x5chain + 1, n - 1, &untrusted);
    if (e == MDLG_E_OK)
        e = path_validate(t, leaf, NULL, untrusted, now, &ctx, &detail);
    if (e == MDLG_E_OK && !signer_anchor_ok(ctx, anchor_sha256))
        e = MDLG_E_CHAIN_UNTRUSTED;
    EVP_PKEY *pub = e == MDLG_E_OK ? X509_get_pubkey(leaf) : NULL;
    if (e == MDLG_E_OK && pub == NULL)
        e = MDLG_E_CERT_MALFORMED;
    if (e == MDLG_E_OK && (*key = mdlg__pkey_wrap(pub)) == NULL)
        e = MDLG_E_NO_MEMORY;
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    ERR_clear_error();
    return e;
}
