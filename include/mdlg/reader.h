/*
 * reader.h - reader authentication: the relying party's signing identity
 * (ISO/IEC 18013-5 Annex B reader-auth certificate, EKU 1.0.18013.5.1.6),
 * used to sign Annex C readerAuth and OpenID4VP request objects, and the
 * wallet-side check of a reader certificate chain.
 */
#ifndef MDLG_READER_H
#define MDLG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

/* Certificates in a reader chain (leaf first). */
#define MDLG_READER_CHAIN_MAX 4
/* Longest dNSName kept. */
#define MDLG_READER_DNS_MAX 253

/* A loaded reader identity (caller-owned; release with mdlg_reader_id_clear). */
struct mdlg_reader_id {
    mdlg_pkey *key;                                  /* private key of the leaf */
    struct mdlg_bytes chain[MDLG_READER_CHAIN_MAX];  /* DER, malloc'd, leaf first */
    size_t n_chain;
    char dns_name[MDLG_READER_DNS_MAX + 1];          /* first dNSName SAN of the leaf, or "" */
    char x509_hash[48];                              /* base64url(SHA-256(leaf DER)), no padding */
    int64_t not_before, not_after;                   /* the leaf's validity (Unix seconds) */
};

/*
 * Loads a reader identity: key_pem (a private key) and chain_pem (the leaf
 * certificate first, then intermediates; the root may be left out). Checks
 * that the leaf has extKeyUsage 1.0.18013.5.1.6, keyUsage digitalSignature
 * if keyUsage is present, is not a CA, and that its public key is the
 * private key's. READER_CERT_INVALID with a static reason in *why (may be
 * NULL) otherwise; CERT_MALFORMED for PEM that does not parse. The validity
 * window is recorded, not checked (mdlg_reader_id_check_time).
 */
mdlg_err mdlg_reader_id_load(const char *key_pem, size_t key_len, const char *chain_pem,
                             size_t chain_len, struct mdlg_reader_id *out,
                             const char **why) MDLG_WARN_UNUSED;

/*
 * OK if now lies inside the leaf certificate's validity window (inclusive),
 * else READER_CERT_INVALID with a static reason in *why (may be NULL): a
 * wallet refuses requests signed with a certificate that is not yet valid or
 * has expired, so the service checks its own before it signs.
 */
mdlg_err mdlg_reader_id_check_time(const struct mdlg_reader_id *r, int64_t now,
                                   const char **why) MDLG_WARN_UNUSED;

/* Frees what mdlg_reader_id_load allocated; zeroes *r. NULL is fine. */
void mdlg_reader_id_clear(struct mdlg_reader_id *r);

/*
 * Wallet side: checks a reader certificate chain x5chain[0..n) (DER, leaf
 * first): the leaf profile as above and, if ca_pem is non-NULL, RFC 5280
 * path validation at `now` to one of the certificates in ca_pem. On OK,
 * *leaf_key receives the leaf's public key (caller frees) and dns_name (if
 * non-NULL) every dNSName SAN of the leaf, separated by ' '.
 * READER_CERT_INVALID (why says which rule) or CERT_MALFORMED.
 */
mdlg_err mdlg_reader_chain_check(const struct mdlg_bytes *x5chain, size_t n, const char *ca_pem,
                                 size_t ca_len, int64_t now, mdlg_pkey **leaf_key,
                                 char *dns_names, size_t dns_cap,
                                 const char **why) MDLG_WARN_UNUSED;

/* True if name is one of the space-separated names of mdlg_reader_chain_check. */
bool mdlg_reader_dns_has(const char *dns_names, const char *name);

#endif
