/*
 * reader.c - the reader-auth certificate (ISO/IEC 18013-5 Annex B, EKU
 * 1.0.18013.5.1.6): loading the service's signing identity, and the
 * wallet-side check of a reader chain. see mdlg/reader.h
 */
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_internal.h"
#include "mdlg/reader.h"
#include "trust/trust_internal.h"

#define READER_EKU "1.0.18013.5.1.6"

static mdlg_err malformed(const char **why, const char *reason)
{
    ERR_clear_error();
    if (why)
        *why = reason;
    return MDLG_E_CERT_MALFORMED;
}

static mdlg_err bad(const char **why, const char *reason)
{
    ERR_clear_error();
    if (why)
        *why = reason;
    return MDLG_E_READER_CERT_INVALID;
}

static bool has_reader_eku(X509 *x)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    bool found = false;
    char oid[64];
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
        if (OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1) > 0 &&
            strcmp(oid, READER_EKU) == 0)
            found = true;
    EXTENDED_KEY_USAGE_free(eku);
    return found;
}

/* The leaf rules: reader EKU, not a CA, digitalSignature if keyUsage is present. */
static mdlg_err leaf_profile(X509 *x, const char **why)
{
    if (!has_reader_eku(x))
        return bad(why, "the certificate lacks extKeyUsage 1.0.18013.5.1.6 (mdlReaderAuth)");
    if (X509_check_ca(x) != 0)
        return bad(why, "the reader certificate is a CA");
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE))
        return bad(why, "the reader certificate's keyUsage lacks digitalSignature");
    return MDLG_E_OK;
}

/* dNSName SANs of x, space-separated, into out (cap > 0). */
static void dns_names(X509 *x, char *out, size_t cap)
{
    GENERAL_NAMES *gs = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    out[0] = '\0';
    for (int i = 0; gs && i < sk_GENERAL_NAME_num(gs); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gs, i);
        if (g->type != GEN_DNS)
            continue;
        const unsigned char *p = ASN1_STRING_get0_data(g->d.dNSName);
        size_t n = (size_t)ASN1_STRING_length(g->d.dNSName), used = strlen(out);
        if (n == 0 || n > MDLG_READER_DNS_MAX || memchr(p, ' ', n) || memchr(p, '\0', n) ||
            used + n + 2 > cap)
            continue;
        if (used)
            out[used++] = ' ';
        memcpy(out + used, p, n);
        out[used + n] = '\0';
    }
    GENERAL_NAMES_free(gs);
    ERR_clear_error();
}

bool mdlg_reader_dns_has(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = names; n && p && *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && memcmp(p, name, n) == 0)
            return true;
        p += k + (p[k] == ' ');
    }
    return false;
}

/* Reads every certificate of pem into the stack (caller frees). */
static STACK_OF(X509) *pem_certs(const char *pem, size_t len)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *b = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    X509 *x;
    while (sk && b && sk_X509_num(sk) <= MDLG_READER_CHAIN_MAX &&
           (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        if (sk_X509_push(sk, x) <= 0)
            X509_free(x);
    BIO_free(b);
    ERR_clear_error();
    return sk;
}

static mdlg_err chain_copy(STACK_OF(X509) *sk, struct mdlg_reader_id *r)
{
    for (int i = 0; i < sk_X509_num(sk); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(sk_X509_value(sk, i), &der);
        uint8_t *copy = n > 0 ? malloc((size_t)n) : NULL;
        if (copy)
            memcpy(copy, der, (size_t)n);
        OPENSSL_free(der);
        if (copy == NULL)
            return MDLG_E_NO_MEMORY;
        r->chain[r->n_chain++] = mdlg_bytes_make(copy, (size_t)n);
    }
    return MDLG_E_OK;
}

static void leaf_hash(struct mdlg_reader_id *r)
{
    uint8_t h[32];
    if (mdlg__sha256(r->chain[0].ptr, r->chain[0].len, h))
        sodium_bin2base64(r->x509_hash, sizeof r->x509_hash, h, sizeof h,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static mdlg_err load_parts(STACK_OF(X509) *sk, struct mdlg_reader_id *out, const char **why)
{
    X509 *leaf = sk_X509_value(sk, 0);
    mdlg_err e = leaf_profile(leaf, why);
    if (e == MDLG_E_OK && !mdlg__cert_window(leaf, &out->not_before, &out->not_after))
        e = malformed(why, "the reader certificate's validity does not parse");
    if (e == MDLG_E_OK && X509_check_private_key(leaf, mdlg__pkey_evp(out->key)) != 1)
        e = bad(why, "the reader key is not the reader certificate's key");
    if (e == MDLG_E_OK)
        e = chain_copy(sk, out);
    if (e == MDLG_E_OK) {
        dns_names(leaf, out->dns_name, sizeof out->dns_name);
        out->dns_name[strcspn(out->dns_name, " ")] = '\0';   /* the first one */
        leaf_hash(out);
    }
    return e;
}

mdlg_err mdlg_reader_id_load(const char *key_pem, size_t key_len, const char *chain_pem,
                             size_t chain_len, struct mdlg_reader_id *out, const char **why)
{
    memset(out, 0, sizeof *out);
    STACK_OF(X509) *sk = pem_certs(chain_pem, chain_len);
    mdlg_err e = MDLG_E_OK;
    if (sk == NULL || sk_X509_num(sk) == 0)
        e = malformed(why, "no certificate in the reader chain");
    else if (sk_X509_num(sk) > MDLG_READER_CHAIN_MAX)
        e = bad(why, "the reader chain has more than 4 certificates");
    else if (mdlg_pkey_from_pem(key_pem, key_len, &out->key) != MDLG_E_OK)
        e = malformed(why, "the reader key does not parse");
    else
        e = load_parts(sk, out, why);
    sk_X509_pop_free(sk, X509_free);
    if (e != MDLG_E_OK)
        mdlg_reader_id_clear(out);
    ERR_clear_error();
    return e;
}

mdlg_err mdlg_reader_id_check_time(const struct mdlg_reader_id *r, int64_t now,
                                   const char **why)
{
    if (now < r->not_before)
        return bad(why, "the reader certificate is not valid yet");
    if (now > r->not_after)
        return bad(why, "the reader certificate has expired");
    return MDLG_E_OK;
}

void mdlg_reader_id_clear(struct mdlg_reader_id *r)
{
    if (r == NULL)
        return;
    mdlg_pkey_free(r->key);
    for (size_t i = 0; i < r->n_chain; i++)
        free((void *)r->chain[i].ptr);
    memset(r, 0, sizeof *r);
}

/* ---- wallet side ---- */

/* RFC 5280 path validation of sk (leaf first) to the certificates of ca_pem at now. */
static mdlg_err path_ok(STACK_OF(X509) *sk, const char *ca_pem, size_t ca_len, int64_t now,
                        const char **why)
{
    STACK_OF(X509) *cas = pem_certs(ca_pem, ca_len);
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *rest = sk_X509_dup(sk);
    bool ok = cas && st && ctx && rest && sk_X509_num(cas) > 0;
    for (int i = 0; ok && i < sk_X509_num(cas); i++)
        ok = X509_STORE_add_cert(st, sk_X509_value(cas, i)) == 1;
    if (ok && rest)
        (void)sk_X509_shift(rest);
    ok = ok && X509_STORE_CTX_init(ctx, st, sk_X509_value(sk, 0), rest) == 1;
    if (ok) {
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
        ok = X509_verify_cert(ctx) == 1;
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    sk_X509_free(rest);
    sk_X509_pop_free(cas, X509_free);
    return ok ? MDLG_E_OK : bad(why, "the reader chain does not validate to the reader CA");
}

static STACK_OF(X509) *der_certs(const struct mdlg_bytes *x5chain, size_t n)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    for (size_t i = 0; sk && i < n; i++) {
        X509 *x = mdlg__cert_parse(x5chain[i].ptr, x5chain[i].len);
        if (x == NULL || sk_X509_push(sk, x) <= 0) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return NULL;
        }
    }
    return sk;
}

mdlg_err mdlg_reader_chain_check(const struct mdlg_bytes *x5chain, size_t n, const char *ca_pem,
                                 size_t ca_len, int64_t now, mdlg_pkey **leaf_key,
                                 char *dns, size_t dns_cap, const char **why)
{
    *leaf_key = NULL;
    if (n == 0 || n > MDLG_READER_CHAIN_MAX)
        return bad(why, "the reader chain is empty or longer than 4");
    STACK_OF(X509) *sk = der_certs(x5chain, n);
    if (sk == NULL)
        return malformed(why, "a reader certificate does not parse");
    X509 *leaf = sk_X509_value(sk, 0);
    mdlg_err e = leaf_profile(leaf, why);
    if (e == MDLG_E_OK && ca_pem)
        e = path_ok(sk, ca_pem, ca_len, now, why);
    if (e == MDLG_E_OK && (*leaf_key = mdlg__pkey_wrap(X509_get_pubkey(leaf))) == NULL)
        e = bad(why, "the reader certificate's key is not supported");
    if (e == MDLG_E_OK && dns && dns_cap)
        dns_names(leaf, dns, dns_cap);
    sk_X509_pop_free(sk, X509_free);
    ERR_clear_error();
    return e;
}
