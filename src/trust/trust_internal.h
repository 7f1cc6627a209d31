/*
 * trust_internal.h - shared between the files of src/trust only.
 *
 * Layout of a trust set: an X509_STORE holding every anchor (OpenSSL's own
 * issuer lookup, by subject name, binary search), an open-addressing hash
 * table of anchor metadata keyed by SHA-256 fingerprint, and a bounded cache
 * of validated chains.
 */
#ifndef MDLG_TRUST_INTERNAL_H
#define MDLG_TRUST_INTERNAL_H

#include <pthread.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "mdlg/trust.h"

/*
 * Annex B profile findings for one certificate (or a DS/IACA pair).
 * `hard` fails under every policy; `strict` fails only under the strict
 * policy, and `bits` are the leniencies that stand in for it under the
 * lenient one. The first finding of each kind wins.
 */
struct mdlg_prof {
    mdlg_err hard;
    const char *hard_detail;
    mdlg_err strict;
    const char *strict_detail;
    uint32_t bits;
};

/* Records a finding that fails under every policy (first one wins). */
void mdlg__prof_hard(struct mdlg_prof *p, mdlg_err e, const char *detail);
/* Records a deviation: `e` under strict, leniency `bit` under lenient. */
void mdlg__prof_dev(struct mdlg_prof *p, mdlg_err e, uint32_t bit, const char *detail);
/* Merges b into a (a's earlier findings keep precedence). */
void mdlg__prof_merge(struct mdlg_prof *a, const struct mdlg_prof *b);
/*
 * The verdict of p under `policy`: OK or the error (with *detail set).
 * Under the lenient policy, *bits receives p->bits.
 */
mdlg_err mdlg__prof_verdict(const struct mdlg_prof *p, enum mdlg_policy policy,
                            uint32_t *bits, const char **detail);

/* IACA checks (Tables B.1/B.2): CA, keyCertSign, common rules. */
void mdlg__prof_iaca(X509 *iaca, struct mdlg_prof *p);
/* DS checks (Tables B.3/B.4): EKU, keyUsage, not a CA, common rules. */
void mdlg__prof_ds(X509 *ds, struct mdlg_prof *p);
/* Rules common to both (B.1.1): serial, CRL DP, IAN, forbidden extensions. */
void mdlg__prof_common(X509 *x, struct mdlg_prof *p);

struct mdlg_anchor;
/*
 * DS subject C must equal the anchor's (hard); if the anchor has ST, the
 * DS ST must equal it (hard; a different spelling of the same ISO 3166-2
 * code is a deviation).
 */
void mdlg__prof_binding(const char *ds_c, const char *ds_st, const struct mdlg_anchor *a,
                        struct mdlg_prof *p);
/*
 * The anchor's configured jurisdiction ("US" or "US-CA") must agree with the
 * DS subject (C, and ST when its code is known): JURISDICTION_ANCHOR_MISMATCH.
 * Non-geographic classes ("_test") do not bind.
 */
void mdlg__prof_jurisdiction(const char *ds_c, const char *ds_state_code,
                             const char *jurisdiction, struct mdlg_prof *p);

/* One trust anchor and what we know about it. */
struct mdlg_anchor {
    X509 *cert;
    uint8_t sha256[32];
    char jurisdiction[32];
    char c[4];                  /* subject C ("" if absent) */
    char st[64];                /* subject ST as written ("" if absent) */
    int64_t not_before, not_after;
    struct mdlg_prof iaca;      /* IACA profile findings, computed once */
    X509_CRL *crl;              /* its CRL (signature verified when added), or NULL */
    mdlg_pkey *key;             /* its public key (for fastverify.c), or NULL */
    int64_t crl_this, crl_next; /* thisUpdate, nextUpdate (INT64_MAX if absent) */
};

#define MDLG_CACHE_SETS 256u
#define MDLG_CACHE_WAYS 4u

/* One cached chain result. */
struct mdlg_cache_entry {
    bool used;
    uint8_t policy;
    uint8_t key[32];
    int64_t ca_not_before;      /* intersection of the validity of every */
    int64_t ca_not_after;       /* certificate above the DS in the chain */
    bool crl_windowed;          /* r.crl depends on now: the issuer's CRL window below */
    int64_t crl_this, crl_next;
    struct mdlg_chain_result r; /* r.ds_key holds one reference */
};

/* Bounded set-associative cache (MDLG_CACHE_SETS x MDLG_CACHE_WAYS). */
struct mdlg_cache {
    pthread_rwlock_t lock;
    struct mdlg_cache_entry *e; /* allocated on first insert */
    uint8_t next[MDLG_CACHE_SETS]; /* round-robin victim per set */
};

/*
 * What a DS certificate says about itself: a pure function of its DER,
 * computed once per certificate (certcache.c). Holds no verdict: time,
 * anchor and policy are applied on every verification.
 */
struct mdlg_ds_info {
    X509 *x;                    /* one reference */
    mdlg_pkey *key;             /* its public key, one reference; NULL if unreadable */
    char subject[256];          /* RFC 2253 one-line */
    char c[4], st[64], st_code[16];
    int64_t not_before, not_after;  /* 0, 0 if unparsable */
    struct mdlg_prof prof;      /* Annex B DS profile findings (mdlg__prof_ds) */
};

/* Parsed certificates by DER SHA-256; x NULL = empty. */
struct mdlg_certcache_entry {
    uint8_t key[32];
    struct mdlg_ds_info info;
};

struct mdlg_certcache {
    pthread_rwlock_t lock;
    struct mdlg_certcache_entry *e; /* allocated on first insert */
    uint8_t next[MDLG_CACHE_SETS];
};

struct mdlg_trust {
    X509_STORE *store;
    struct mdlg_anchor **anchors; /* insertion order */
    size_t n, cap;
    size_t *slots;               /* fingerprint table: anchor index + 1, 0 = empty */
    size_t nslots;               /* power of two, load <= 1/2 */
    struct mdlg_cache cache;
    struct mdlg_certcache certs;
};

/* Anchor whose DER has this SHA-256, or NULL. O(1). */
const struct mdlg_anchor *mdlg__trust_find(const mdlg_trust *t, const uint8_t sha256[32]);

/* Cache (cache.c). */
int mdlg__cache_init(struct mdlg_cache *c);
void mdlg__cache_destroy(struct mdlg_cache *c);
void mdlg__cache_clear(struct mdlg_cache *c);
/* Copies a hit into *e (taking a ds_key reference). False on a miss. */
bool mdlg__cache_get(struct mdlg_cache *c, const uint8_t key[32], enum mdlg_policy policy,
                     struct mdlg_cache_entry *e);
/* Inserts a copy of *e (taking a ds_key reference); replaces an old one. */
void mdlg__cache_put(struct mdlg_cache *c, const struct mdlg_cache_entry *e);

/* Parsed-certificate cache (certcache.c). */
int mdlg__certcache_init(struct mdlg_certcache *c);
void mdlg__certcache_destroy(struct mdlg_certcache *c);
/*
 * The DS certificate whose DER (der, len) has SHA-256 `key`, parsed and
 * described once and shared: fills *out (out->x and out->key are new
 * references: release them with mdlg__ds_info_clear) and returns true, or
 * false if the bytes are not a certificate.
 */
bool mdlg__certcache_ds(struct mdlg_certcache *c, const uint8_t key[32], const uint8_t *der,
                        size_t len, struct mdlg_ds_info *out);

/* Drops the references a mdlg_ds_info holds (x, key) and sets them NULL. */
void mdlg__ds_info_clear(struct mdlg_ds_info *d);

/* CRLs (crl.c). */
/*
 * Revocation status of DS `ds` whose validated chain has `len` entries and
 * ends at anchor `a`: fills r->crl, r->crl_detail, r->crl_next_update and
 * the cache window fields of ce.
 */
void mdlg__crl_check(const struct mdlg_anchor *a, X509 *ds, int len, int64_t now,
                     struct mdlg_cache_entry *ce);
/* CRL status of a cached (unrevoked) entry at `now`. */
void mdlg__crl_recheck(const struct mdlg_cache_entry *ce, int64_t now,
                       struct mdlg_chain_result *r);

/* Path validation's signature and time step (fastverify.c). */
struct mdlg__fast_verify {
    const uint8_t *der;             /* the leaf certificate as received */
    size_t len;
    X509_STORE_CTX_verify_fn orig;  /* OpenSSL's own step */
    bool used;                      /* out: the fast path ran (for tests) */
};
/*
 * Makes X509_verify_cert on ctx (initialised, not yet run) do its signature
 * and time step through fastverify.c, which gives OpenSSL's outcome for a DS
 * directly under an anchor at a fraction of the cost and hands every other
 * chain to OpenSSL's own step. leaf_der must be the bytes the leaf was
 * parsed from; fv must outlive the verification. False if it could not be
 * installed (the verification then simply runs as OpenSSL's).
 */
bool mdlg__fast_verify_install(X509_STORE_CTX *ctx, struct mdlg__fast_verify *fv,
                               const uint8_t *leaf_der, size_t leaf_len);

/* X.509 helpers (x509util.c). */
/* SHA-256 of bytes via OpenSSL; false on failure. */
bool mdlg__sha256(const uint8_t *p, size_t n, uint8_t out[32]);
/* SHA-256 of the certificate's DER. */
bool mdlg__cert_sha256(X509 *x, uint8_t out[32]);
/* DER certificate occupying exactly [der, der+len), or NULL. */
X509 *mdlg__cert_parse(const uint8_t *der, size_t len);
/* First value of attribute nid in name, as UTF-8 into out ("" if absent). */
void mdlg__name_attr(const X509_NAME *name, int nid, char *out, size_t cap);
/* RFC 2253 one-line form of name into out (truncated, NUL-terminated). */
void mdlg__name_oneline(const X509_NAME *name, char *out, size_t cap);
/* ASN1_TIME as unix seconds; false if unparsable. */
bool mdlg__asn1_time(const ASN1_TIME *t, int64_t *out);
/* notBefore/notAfter of x as unix seconds. */
bool mdlg__cert_window(X509 *x, int64_t *nb, int64_t *na);
/*
 * X509 ex_data index under which each anchor certificate points back to its
 * struct mdlg_anchor, so the anchor that ended a validated path is found
 * without re-encoding and hashing it.
 */
int mdlg__anchor_ex_index(void);
/* Bounded copy with NUL termination; false if truncated. */
bool mdlg__strlcpy(char *dst, const char *src, size_t cap);

#endif
