/*
 * trustlist_internal.h - shared between the trust-list files of src/trust
 * (manifest.c, trustset.c, fetch.c, sync.c, vical.c). Not public.
 */
#ifndef MDLG_TRUSTLIST_INTERNAL_H
#define MDLG_TRUSTLIST_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"
#include "mdlg/trustlist.h"

/* Whole regular file, at most max bytes (LIMIT_BODY_SIZE beyond), NUL appended. IO if unreadable. */
mdlg_err mdlg__read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* ---- certificates found in a blob (PEM bundle or one DER certificate) ---- */
struct mdlg__certs {
    struct { uint8_t sha256[32]; uint8_t *der; size_t len; } *c;
    size_t n;
};
/* Every certificate in buf (PEM blocks, else a single DER); n may be 0. */
mdlg_err mdlg__certs_from_blob(const uint8_t *buf, size_t len, struct mdlg__certs *out);
void mdlg__certs_free(struct mdlg__certs *c);
/* Index of the certificate with this SHA-256, or -1. */
long mdlg__certs_find(const struct mdlg__certs *c, const uint8_t sha256[32]);
/* notBefore/notAfter and SHA-256 of a DER certificate; false if it does not parse. */
bool mdlg__der_info(const uint8_t *der, size_t len, int64_t *nb, int64_t *na);

/* ---- a generation being written (trustset.c) ---- */
struct mdlg__set {
    char target[PATH_MAX];      /* the managed link, e.g. var/trust */
    char parent[PATH_MAX];      /* its directory */
    char base[NAME_MAX + 1];    /* its name */
    char gen[PATH_MAX];         /* new generation directory (full path) */
    char cur[PATH_MAX];         /* generation in force (resolved), "" if none */
    int lock_fd;
};
/* Locks target (one writer at a time) and creates a fresh generation next to it. */
mdlg_err mdlg__set_begin(struct mdlg__set *s, const char *target);
/* Writes DER as PEM to <gen>/<sub>/<name> (sub may be ".vical"), fsync'ed. */
mdlg_err mdlg__set_put(struct mdlg__set *s, const char *sub, const char *name,
                       const uint8_t *der, size_t len);
/* Writes bytes as they are to <gen>/<sub>/<name>, fsync'ed. */
mdlg_err mdlg__set_put_raw(struct mdlg__set *s, const char *sub, const char *name,
                           const uint8_t *buf, size_t len);
/* Writes a small text file <gen>/<name>. */
mdlg_err mdlg__set_put_text(struct mdlg__set *s, const char *name, const char *text);
/* Reads <cur>/<sub>/<name> if it exists; NULL otherwise. */
uint8_t *mdlg__set_read_cur(const struct mdlg__set *s, const char *sub, const char *name,
                            size_t *len);
/* Copies every file <cur>/<J>/<name> for which keep(J, name) is true. */
mdlg_err mdlg__set_carry(struct mdlg__set *s, bool (*keep)(const char *j, const char *name));
/* fsyncs, swaps the new generation in, prunes all but the previous one. */
mdlg_err mdlg__set_commit(struct mdlg__set *s);
/* Removes the unfinished generation and unlocks. */
void mdlg__set_abort(struct mdlg__set *s);

/* ---- a root's CRL during sync (sync_crl.c) ---- */
/*
 * Gets the CRL of IACA root r (DER root_der) into <gen>/<j>/<id>.crl: from
 * <mirror_dir>/<id>.crl when syncing from a mirror, else from r->crl or the
 * certificate's CRL distribution point URI. Kept only if it parses and the
 * root's key verifies it; otherwise the CRL in force (if any) is carried.
 * Sets res->crl / res->crl_detail. Errors only for I/O on the new generation.
 */
mdlg_err mdlg__sync_crl(const struct mdlg_sync_opts *o, struct mdlg__set *set, const char *j,
                        const struct mdlg_manifest_root *r, const uint8_t *root_der,
                        size_t root_len, struct mdlg_sync_root *res);

/* ---- status lists during sync (sync_status.c) ---- */
/*
 * Fetches every status list of the manifests m[0..nm) and of o->status_lists
 * into <gen>/.status/ once the roots are in the new generation (set), and
 * writes .status/index.tsv; fills out->lists. Errors only for I/O on the new
 * generation, NO_MEMORY, and USAGE for an option URI that is not http(s).
 */
mdlg_err mdlg__sync_status_lists(const struct mdlg_sync_opts *o, struct mdlg__set *set,
                                 const struct mdlg_manifest *m, size_t nm,
                                 struct mdlg_sync_report *out);

/* ---- fetching a URL (fetch.c) ---- */
/*
 * GET url (http/https only, redirects within those, at most max bytes).
 * OK with the body; LIMIT_BODY_SIZE when the body (or its announced length)
 * exceeds max; else IO. On failure *why is set to a static reason.
 */
mdlg_err mdlg__fetch_url(const char *url, size_t max, long connect_ms, long total_ms,
                         uint8_t **out, size_t *len, const char **why);

#endif
