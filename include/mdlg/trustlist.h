/*
 * trustlist.h - pinned trust-list manifests, `trust sync`, and AAMVA VICAL
 * import. The format of trust-lists/<JURISDICTION>/manifest is documented
 * in trust-lists/README.md.
 *
 * A trust directory written here is a symbolic link (e.g. var/trust) to one
 * complete generation directory next to it (var/.trust.gen-<time>-<rand>).
 * A new set is always written in full into a fresh generation, fsync'ed,
 * and swapped in by renaming a new link over the old one, so a reader that
 * resolves the link once (mdlg_trust_load_dir does) sees either the old set
 * or the new one, never a mix. The previous generation is kept until the
 * next swap, so a reader still walking it is not cut short.
 *
 * Layout of a generation (loadable by mdlg_trust_load_dir):
 *   <J>/<root-id>.pem        roots accepted by sync (SHA-256 = the manifest pin)
 *   <J>/vical-<sha16>.pem    IACAs imported from a verified VICAL
 *   .vical/<root-id>.pem     VICAL signing anchors (use: vical-anchor); the
 *                            leading dot keeps them out of IACA trust
 *   .vical-state             "issue_id date" of the last imported VICAL
 *
 *   <J>/<root-id>.crl        the root's CRL (DER), fetched by sync from the
 *                            mirror (<mirror>/<root-id>.crl), the manifest's
 *                            `crl` URL, or the certificate's CRL distribution
 *                            point, and kept only if the root's key verifies
 *                            it; mdlg_trust_load_dir attaches it to the root
 *   .status/<name>.cwt       Status List Tokens (IETF Token Status List, CWT),
 *                            <name> = first 16 hex digits of SHA-256(uri)
 *                            (mdlg_status_cache_name), fetched by sync from
 *                            the mirror (<mirror>/<name>.cwt) or the URI, and
 *                            kept only if they verify at `now` against the
 *                            roots of their jurisdiction (or _status anchors)
 *   .status/index.tsv        one line per token: name, jurisdiction, uri,
 *                            iat, expiry (unix seconds; 0 = none)
 */
#ifndef MDLG_TRUSTLIST_H
#define MDLG_TRUSTLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

/* ---- manifests ---- */

enum mdlg_root_status {
    MDLG_ROOT_PRODUCTION = 0,  /* installed */
    MDLG_ROOT_TEST,            /* installed only with the `with_test` option */
    MDLG_ROOT_RETIRED,         /* recorded, never installed */
    MDLG_ROOT_UNVERIFIED,      /* recorded, never installed (provenance unclear) */
};

enum mdlg_root_vical { MDLG_IN_VICAL_UNKNOWN = 0, MDLG_IN_VICAL_YES, MDLG_IN_VICAL_NO };

enum mdlg_root_use {
    MDLG_USE_IACA = 0,          /* an IACA: trust anchor for Document Signers */
    MDLG_USE_VICAL_ANCHOR,      /* pins a VICAL signer chain; not an IACA */
};

#define MDLG_MANIFEST_URL_MAX 512

/* One pinned root. Strings are NUL-terminated ("" when absent). */
struct mdlg_manifest_root {
    char id[64];                /* unique; file stem in the trust directory */
    uint8_t sha256[32];         /* SHA-256 of the certificate DER */
    char subject[256];          /* as the certificate states it (for people) */
    int64_t not_before, not_after;  /* unix seconds */
    enum mdlg_root_status status;
    enum mdlg_root_vical vical;
    enum mdlg_root_use use;
    char source[MDLG_MANIFEST_URL_MAX];  /* official publisher (page or file) */
    char fetch[MDLG_MANIFEST_URL_MAX];   /* URL serving the certificate (PEM/DER), or "" */
    char crl[MDLG_MANIFEST_URL_MAX];     /* the root's CRL distribution point, or "" */
    char mirror[128];           /* file name in a mirror directory ("<id>.pem") */
    char note[512];
};

struct mdlg_manifest {
    char jurisdiction[32];      /* "US-AZ", "_wallet-issued", "_test" */
    struct mdlg_manifest_root *roots;  /* heap */
    size_t n;
    /* `status_list: URI` lines (before the first root): the IETF Token Status
     * Lists that `trust sync` fetches for this jurisdiction (heap, unique). */
    char (*status_lists)[MDLG_MANIFEST_URL_MAX];
    size_t n_status_lists;
};

/* Most roots and status lists in one manifest, and the largest manifest file. */
#define MDLG_MANIFEST_MAX_ROOTS 256u
#define MDLG_MANIFEST_MAX_STATUS_LISTS 64u
#define MDLG_MANIFEST_MAX_BYTES (256u * 1024u)

/*
 * Parses manifest text. On failure returns TRUST_MANIFEST_MALFORMED (or
 * NO_MEMORY / LIMIT_BODY_SIZE) and, if diag is non-NULL, sets diag->offset to
 * the 1-based line number and diag->path to a static reason. Free with
 * mdlg_manifest_free() (also after a failure).
 */
mdlg_err mdlg_manifest_parse(const char *text, size_t len, struct mdlg_manifest *out,
                             struct mdlg_diag *diag) MDLG_WARN_UNUSED;
/* Reads and parses a file (IO if unreadable). */
mdlg_err mdlg_manifest_load(const char *path, struct mdlg_manifest *out,
                            struct mdlg_diag *diag) MDLG_WARN_UNUSED;
void mdlg_manifest_free(struct mdlg_manifest *m);

/* Stable names: "production", "yes", "iaca", ... */
const char *mdlg_root_status_name(enum mdlg_root_status s);
const char *mdlg_root_vical_name(enum mdlg_root_vical v);

/*
 * Loads every <lists_dir>/<J>/manifest, in name order, into a malloc'd array
 * (*out, *n). The manifest's `jurisdiction` must equal its directory name.
 * On failure *bad_path (if non-NULL) names the file (malloc'd).
 */
mdlg_err mdlg_manifest_load_all(const char *lists_dir, struct mdlg_manifest **out, size_t *n,
                                char **bad_path, struct mdlg_diag *diag) MDLG_WARN_UNUSED;
void mdlg_manifest_free_all(struct mdlg_manifest *m, size_t n);

/* ---- sync ---- */

enum mdlg_sync_status {
    MDLG_SYNC_ADDED = 0,        /* fetched, pin matched, new in the trust directory */
    MDLG_SYNC_UNCHANGED,        /* pin matched and the same file was already in force */
    MDLG_SYNC_MISMATCHED,       /* got certificate data, but not the pinned certificate */
    MDLG_SYNC_EXPIRED,          /* pin matched, but the certificate expired at `now` */
    MDLG_SYNC_UNREACHABLE,      /* nothing fetched (network, HTTP, no mirror file) */
    MDLG_SYNC_SKIPPED,          /* status retired/unverified, or test without with_test */
};
#define MDLG_SYNC_STATUS_COUNT 6

const char *mdlg_sync_status_name(enum mdlg_sync_status s);

/* What sync did about a root's CRL (only for roots installed as IACAs). */
enum mdlg_sync_crl {
    MDLG_SYNC_CRL_NONE = 0,     /* no CRL source: no `crl` URL, no CRL DP, no mirror file */
    MDLG_SYNC_CRL_FETCHED,      /* fetched, verified with the root's key, written */
    MDLG_SYNC_CRL_KEPT,         /* fetch failed; the CRL already in force was kept */
    MDLG_SYNC_CRL_FAILED,       /* fetch failed or the CRL did not verify; none written */
};
#define MDLG_SYNC_CRL_COUNT 4

/* "none", "fetched", "kept", "failed". */
const char *mdlg_sync_crl_name(enum mdlg_sync_crl s);

struct mdlg_sync_root {
    char jurisdiction[32];
    char id[64];
    enum mdlg_sync_status status;
    const char *detail;         /* static text, or NULL */
    bool kept_previous;         /* failed, but the copy already in force was kept */
    enum mdlg_sync_crl crl;     /* the root's CRL */
    const char *crl_detail;     /* static text, or NULL */
};

/* What sync did about one Status List Token. */
enum mdlg_sync_list_status {
    MDLG_SYNC_LIST_ADDED = 0,   /* fetched, verified, new or changed in .status/ */
    MDLG_SYNC_LIST_UNCHANGED,   /* fetched, verified, the same bytes were in force */
    MDLG_SYNC_LIST_REFUSED,     /* fetched, but did not verify or was too large */
    MDLG_SYNC_LIST_UNREACHABLE, /* nothing fetched (network, HTTP, no mirror file) */
};
#define MDLG_SYNC_LIST_STATUS_COUNT 4

/* "added", "unchanged", "refused", "unreachable". */
const char *mdlg_sync_list_status_name(enum mdlg_sync_list_status s);

struct mdlg_sync_list {
    char jurisdiction[32];      /* the manifest's; "" for a list named in the options */
    char uri[MDLG_MANIFEST_URL_MAX];
    char file[21];              /* name in .status/ (mdlg_status_cache_name) */
    enum mdlg_sync_list_status status;
    mdlg_err err;               /* REFUSED: why (STATUS_LIST_*, CHAIN_*, COSE_*, LIMIT_BODY_SIZE) */
    const char *detail;         /* static text, or NULL */
    bool kept_previous;         /* failed, but the token in force still verifies and was kept */
    int64_t iat, expires;       /* of the token now in force (expires: exp or iat+ttl; 0 none) */
};

struct mdlg_sync_opts {
    const char *lists_dir;      /* trust-lists */
    const char *mirror_dir;     /* local mirror; NULL = fetch from the URLs */
    const char *trust_dir;      /* output (a symlink this module manages) */
    int64_t now;                /* unix seconds */
    bool with_test;             /* also install status-test roots */
    long connect_timeout_ms;    /* 0: 3000 */
    long total_timeout_ms;      /* 0: 15000 */
    const char *const *status_lists;  /* extra status list URIs (http/https), checked */
    size_t n_status_lists;            /* against every anchor of the new set */
};

struct mdlg_sync_report {
    struct mdlg_sync_root *roots;  /* heap, manifest order */
    size_t n;
    struct mdlg_sync_list *lists;  /* heap: manifest lists in manifest order, then the options' */
    size_t n_lists;
    char generation[256];       /* directory now in force (basename) */
};

/*
 * Fetches every manifest root (mirror file or URL), accepts it only if its
 * SHA-256 equals the pin, fetches the CRL of each IACA root kept (see the
 * layout above; a failed fetch keeps the CRL already in force), and swaps a complete new set into trust_dir.
 * A root that fails (mismatched, unreachable) keeps the copy already in
 * force, if there is one whose SHA-256 still equals the pin. IACA-imported
 * files (vical-*) are carried over unchanged. Then every status list (the
 * manifests' `status_list` lines and o->status_lists) is fetched (at most
 * MDLG_MAX_STATUS_TOKEN bytes) and kept only if mdlg_status_list_verify
 * accepts it at `now` against the new set's roots of its jurisdiction and
 * its _status anchors (any anchor for o->status_lists); a list that fails
 * keeps the token in force if that one still verifies. Lists named nowhere
 * are dropped. Returns OK when the new set was
 * swapped in (see the report for per-root outcomes), or the error that
 * stopped it (the old set then stays in force): TRUST_MANIFEST_MALFORMED,
 * IO, NO_MEMORY, USAGE.
 */
mdlg_err mdlg_trust_sync(const struct mdlg_sync_opts *o,
                         struct mdlg_sync_report *out) MDLG_WARN_UNUSED;
void mdlg_sync_report_free(struct mdlg_sync_report *r);

/* ---- VICAL (ISO 18013-5 Annex C) ---- */

/* Largest VICAL file accepted. */
#define MDLG_VICAL_MAX_BYTES (4u * 1024u * 1024u)

struct mdlg_vical_entry {
    char jurisdiction[32];      /* normalised: issuingCountry + stateOrProvinceName */
    char subject[256];
    uint8_t sha256[32];
    int64_t not_after;
    bool ski_der_wrapped;       /* `ski` was the 24-byte DER OCTET STRING form */
    uint8_t *der;               /* heap copy of the certificate */
    size_t der_len;
};

struct mdlg_vical {
    char provider[64];
    char signer_subject[256];
    int64_t date, next_update;  /* next_update 0 if absent */
    int64_t signer_not_after;
    uint64_t issue_id;
    bool has_issue_id;
    bool stale;                 /* now > nextUpdate: a warning, not an error */
    struct mdlg_vical_entry *entries;
    size_t n;
};

/*
 * Verifies a signed VICAL at `now`: COSE_Sign1 with an attached payload,
 * x5chain leaf = VICAL signer, path to the pinned anchor(s) in anchor_pem
 * (OpenSSL X509_STORE at `now`), signer EKU 1.0.18013.5.1.8, signature,
 * `date` <= now. Then every certificateInfo: the certificate parses, its
 * recomputed SKI equals `ski` (bare 20 bytes or the 24-byte DER-wrapped
 * form), and it is filed under its jurisdiction (issuingCountry plus
 * stateOrProvinceName; "AK" with country US is "US-AK"). Capitalised key
 * spellings ("Extensions", "CertificateProfile") are tolerated.
 *
 * Errors: LIMIT_BODY_SIZE, CBOR_*, COSE_*, VICAL_MALFORMED,
 * CERT_EXPIRED (the signer, or another chain certificate, has expired),
 * CERT_NOT_YET_VALID, CHAIN_UNTRUSTED, CHAIN_INVALID, VICAL_SIGNER_PROFILE,
 * VICAL_NOT_YET_VALID, VICAL_SKI_MISMATCH, CERT_MALFORMED. On failure
 * diag->path (if diag) names the check. Free with mdlg_vical_free().
 */
mdlg_err mdlg_vical_verify(const uint8_t *buf, size_t len, const char *anchor_pem,
                           size_t anchor_len, int64_t now, struct mdlg_vical *out,
                           struct mdlg_diag *diag) MDLG_WARN_UNUSED;
void mdlg_vical_free(struct mdlg_vical *v);

/*
 * True if `ski` names the certificate's subject key identifier: equal to the
 * SHA-1 of its subjectPublicKey (RFC 5280 method 1) or to its SKI extension,
 * given bare (20 bytes) or DER-wrapped (04 len keyId).
 */
bool mdlg_vical_ski_matches(const uint8_t *ski, size_t ski_len, const uint8_t *der,
                            size_t der_len);

/*
 * Swaps a new set into trust_dir: everything in force except earlier
 * vical-* files, plus one vical-<sha16>.pem per entry. Refuses a VICAL whose
 * vicalIssueID is lower than the last one imported (VICAL_ROLLBACK).
 */
mdlg_err mdlg_vical_install(const struct mdlg_vical *v, const char *trust_dir) MDLG_WARN_UNUSED;

#endif
