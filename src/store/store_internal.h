/*
 * store_internal.h - what a storage backend implements.
 *
 * store_api.c does everything that does not depend on the backend: argument
 * checks, id and nonce generation, sealing reader keys, retention policy.
 * A backend (sqlite_*.c, pg_*.c) only moves rows. It sees reader
 * keys sealed, never in clear, and never parses JSON.
 */
#ifndef MDLG_STORE_INTERNAL_H
#define MDLG_STORE_INTERNAL_H

#include <sodium.h>

#include "mdlg/store.h"

/* A sealed reader key: 24-byte nonce || XChaCha20-Poly1305 ciphertext || 16-byte tag. */
#define MDLG__SEAL_OVERHEAD \
    (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define MDLG__SEALED_MAX (MDLG_STORE_READER_KEY_MAX + MDLG__SEAL_OVERHEAD)

struct mdlg__sealed {
    uint8_t buf[MDLG__SEALED_MAX];
    size_t len;                     /* 0: no key stored */
};

/* Options with every default filled in. */
struct mdlg__store_cfg {
    unsigned pool_size;
    unsigned busy_timeout_ms;
    int64_t elements_retention_s;
    bool keep_elements_after_read;
    int64_t record_retention_s;
    unsigned max_schema_version;    /* 0: latest */
};

/* A request row as the backend stores it (strings borrowed, key sealed). */
struct mdlg__request_row {
    const char *id, *nonce, *protocol, *doctype, *elements_json;
    const char *origin, *client_id, *response_uri;
    struct mdlg_bytes sealed_key;
    int64_t created_at, expires_at;
};

/* A verdict as read: malloc'd texts, either may be NULL. */
struct mdlg__verdict {
    char *full;
    char *redacted;
};

/*
 * Backend operations. Each returns MDLG_E_OK or a store error. `impl` is the
 * backend's own state. Reads fill `out` with the stored state (pending stays
 * pending; store_api.c applies `now`), and the sealed key in `key`.
 */
struct mdlg__store_ops {
    const char *name;
    void (*close)(void *impl);
    /* STORE_CONFLICT if the id exists. */
    mdlg_err (*request_insert)(void *impl, const struct mdlg__request_row *row);
    mdlg_err (*request_get)(void *impl, const char *id, struct mdlg_request *out,
                            struct mdlg__sealed *key);
    /* The pending -> completed transition; deletes the stored key; returns the row before. */
    mdlg_err (*request_consume)(void *impl, const char *id, int64_t now,
                                struct mdlg_request *out, struct mdlg__sealed *key);
    mdlg_err (*verdict_put)(void *impl, const char *id, const char *full, const char *redacted,
                            int64_t stored_at, int64_t full_until);
    /*
     * Returns the full text if retained and full_until > now, else the
     * redacted one; if `take` and the full text was returned, deletes it in
     * the same transaction.
     */
    mdlg_err (*verdict_get)(void *impl, const char *id, int64_t now, bool take,
                            struct mdlg__verdict *out);
    mdlg_err (*purge)(void *impl, int64_t now, int64_t delete_before,
                      struct mdlg_store_purge_stats *stats);
    /* Sets the verdict's screening record; STORE_NOT_FOUND if no verdict. */
    mdlg_err (*screening_put)(void *impl, const char *id, struct mdlg_bytes rec);
    /*
     * The request's stored state and expiry, and its verdict's screening record
     * (*len 0 if none); STORE_NOT_FOUND if no such request, LIMIT_STRING_SIZE if
     * the record exceeds cap.
     */
    mdlg_err (*screening_get)(void *impl, const char *id, enum mdlg_request_state *state,
                              int64_t *expires_at, uint8_t *out, size_t cap, size_t *len);
    mdlg_err (*info)(void *impl, struct mdlg_store_info *out);
};

/* Opens the SQLite backend on a file path. */
mdlg_err mdlg__sqlite_open(const char *path, const struct mdlg__store_cfg *cfg, int64_t now,
                           const struct mdlg__store_ops **ops, void **impl);

/* Opens the PostgreSQL backend on a libpq URL (postgres://, postgresql://). */
mdlg_err mdlg__pg_open(const char *url, const struct mdlg__store_cfg *cfg, int64_t now,
                       const struct mdlg__store_ops **ops, void **impl);

#endif
