/*
 * store.h - where presentation requests and their verdicts live.
 *
 * A small backend-neutral interface: the HTTP layer (and later the fraud
 * ledger) sees an opaque mdlg_store and these functions, never SQL. The
 * backend is chosen by the URL given to mdlg_store_open():
 *
 *   "sqlite:PATH" or a plain PATH   SQLite, one file (the service uses
 *                                   $MDLGATE_DATA_DIR/mdlgate.db, default
 *                                   var/mdlgate.db)
 *   "postgres://...", "postgresql://..."   PostgreSQL, a libpq connection URI
 *                                   (several instances may share one database)
 *
 * SQLite backend:
 *   - journal_mode=WAL and synchronous=FULL on every connection: a write that
 *     returned OK is on disk (fsync'd) and survives a crash or kill -9.
 *     Opening fails with STORE_UNAVAILABLE if WAL cannot be set (":memory:").
 *   - busy_timeout: writers from other threads or processes are waited for,
 *     up to the configured time; write transactions are BEGIN IMMEDIATE, so
 *     they never fail on a stale WAL snapshot.
 *   - secure_delete=ON, foreign_keys=ON; the file is created with mode 0600.
 *   - Threads: a handle owns a small pool of connections (default 4). Each
 *     call borrows one connection, runs its prepared statements and gives it
 *     back; a connection is used by one thread at a time and never crosses a
 *     fork(). Readers run in parallel (WAL); writers are serialised by SQLite
 *     itself. A handle is therefore safe to share between threads, but NOT
 *     across fork(): a child process opens its own handle.
 *   - Schema migrations are versioned in code. Table schema_migrations
 *     records each applied version; each migration runs once, in its own
 *     BEGIN IMMEDIATE transaction that re-checks the version, so two
 *     processes opening one file at once apply it once. A database newer
 *     than this build is refused (STORE_SCHEMA_TOO_NEW).
 *
 * PostgreSQL backend:
 *   - Every connection sets synchronous_commit=on: a write that returned OK
 *     is a committed transaction whose WAL was flushed on the server.
 *   - busy_timeout_ms becomes the session's lock_timeout (and the connect
 *     timeout, at least 2 s); pool_size connections per handle, shared by
 *     threads as in SQLite, never across fork(). A connection found broken
 *     is reset when next borrowed.
 *   - Single-use transitions (consume, read-once element values) are each
 *     one UPDATE ... RETURNING whose row lock makes them exactly-once across
 *     instances.
 *   - Migrations are recorded in mdlg_migrations (component "store") and run
 *     under pg_advisory_lock, so instances starting at once migrate once.
 *     Tables live in the first schema of the connection's search_path (set
 *     it with options=-csearch_path%3DNAME in the URL).
 *   - Deleted element values leave rows at once but may stay in dead tuples
 *     and WAL segments until vacuum and checkpoints reclaim them.
 *
 * Secrets and personal data:
 *   - The reader's ephemeral private key (HPKE / JWE) is stored sealed with
 *     XChaCha20-Poly1305 (libsodium) under a 32-byte server key, with the
 *     request id as associated data (a sealed key cannot be moved to another
 *     row). It is deleted from the row when the request is consumed or
 *     expires (mdlg_store_purge). Without a configured key, mdlg_store_open()
 *     draws a random one that lives only in that handle: requests then cannot
 *     be completed by another process or after a restart (STORE_KEY).
 *   - A verdict is stored twice: the full JSON (with disclosed element
 *     values) and a redacted JSON (without them) that the caller builds.
 *     The full one is kept at most `elements_retention_s` after it was
 *     stored and, by default, is deleted by the first read. Later reads get
 *     the redacted one.
 *   - Nothing here logs. Error codes carry no data.
 *
 * Time is a parameter (unix seconds) everywhere; the store never reads the
 * clock.
 */
#ifndef MDLG_STORE_H
#define MDLG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/err.h"

typedef struct mdlg_store mdlg_store;

/* Request ids: 24 random bytes (192 bits), base64url without padding. */
#define MDLG_STORE_ID_LEN 32
/* Nonces: 32 random bytes (256 bits), base64url without padding. */
#define MDLG_STORE_NONCE_LEN 43
/* Server key that seals reader private keys at rest. */
#define MDLG_STORE_KEY_SIZE 32

/* Largest accepted field (bytes, without the NUL); longer is LIMIT_STRING_SIZE. */
#define MDLG_STORE_PROTOCOL_MAX 64
#define MDLG_STORE_DOCTYPE_MAX 256
#define MDLG_STORE_ELEMENTS_MAX 8192      /* requested elements, JSON text */
#define MDLG_STORE_ORIGIN_MAX 512
#define MDLG_STORE_CLIENT_ID_MAX 1024
#define MDLG_STORE_RESPONSE_URI_MAX 2048
#define MDLG_STORE_READER_KEY_MAX 512     /* reader private key, any encoding */
#define MDLG_STORE_VERDICT_MAX (4u * 1024u * 1024u)

/* Defaults for a zeroed struct mdlg_store_options. */
#define MDLG_STORE_DEFAULT_POOL 4
#define MDLG_STORE_DEFAULT_BUSY_MS 5000
#define MDLG_STORE_DEFAULT_ELEMENTS_RETENTION 600     /* 10 minutes */
#define MDLG_STORE_DEFAULT_RECORD_RETENTION 86400     /* 1 day after expiry */

/* Where the service keeps its SQLite file, under the data directory. */
#define MDLG_STORE_DEFAULT_FILE "mdlgate.db"

/* Store errors occupy 850..899 of err_list.h; HTTP meaning in each comment there. */
static inline bool mdlg_err_is_store(mdlg_err e) { return e >= 850 && e < 900; }

/* All fields optional: a zeroed struct gives the defaults above. */
struct mdlg_store_options {
    const uint8_t *secret_key;     /* MDLG_STORE_KEY_SIZE bytes, or NULL (see top) */
    unsigned pool_size;            /* connections per handle, at most 64; 0: default */
    unsigned busy_timeout_ms;      /* wait for other writers; 0: default */
    int64_t elements_retention_s;  /* max age of stored element values; 0: default */
    bool keep_elements_after_read; /* false: the first read deletes element values */
    int64_t record_retention_s;    /* rows kept this long after expiry; 0: default */
    unsigned max_schema_version;   /* migrate only up to this version; 0: latest */
};

enum mdlg_request_state {
    MDLG_REQUEST_PENDING = 0,      /* waiting for the wallet's answer */
    MDLG_REQUEST_COMPLETED = 1,    /* consumed: an answer was accepted once */
    MDLG_REQUEST_EXPIRED = 2,      /* not answered before expires_at */
};

/* "pending", "completed", "expired" (the API's names), or NULL. */
const char *mdlg_request_state_name(enum mdlg_request_state s);

/* What mdlg_store_request_create() stores. Strings are NUL-terminated, borrowed. */
struct mdlg_request_params {
    const char *protocol;          /* required, e.g. "openid4vp-v1-unsigned", "org-iso-mdoc" */
    const char *doctype;           /* required, e.g. "org.iso.18013.5.1.mDL" */
    const char *elements_json;     /* required: requested elements as JSON text */
    const char *origin;            /* NULL or "" if the flow has none */
    const char *client_id;         /* NULL or "" if the flow has none */
    const char *response_uri;      /* NULL or "" if the flow has none */
    struct mdlg_bytes reader_key;  /* ephemeral private key; len 0 if none */
    int64_t created_at;            /* unix seconds */
    int64_t expires_at;            /* > created_at */
};

/*
 * A stored request, caller-owned (about 12 KiB: allocate it if your stack is
 * small). Absent strings are "". The reader key is plaintext here: call
 * mdlg_request_wipe() when done with it.
 */
struct mdlg_request {
    char id[MDLG_STORE_ID_LEN + 1];
    char nonce[MDLG_STORE_NONCE_LEN + 1];
    char protocol[MDLG_STORE_PROTOCOL_MAX + 1];
    char doctype[MDLG_STORE_DOCTYPE_MAX + 1];
    char elements_json[MDLG_STORE_ELEMENTS_MAX + 1];
    char origin[MDLG_STORE_ORIGIN_MAX + 1];
    char client_id[MDLG_STORE_CLIENT_ID_MAX + 1];
    char response_uri[MDLG_STORE_RESPONSE_URI_MAX + 1];
    uint8_t reader_key[MDLG_STORE_READER_KEY_MAX];
    size_t reader_key_len;         /* 0 once consumed or expired */
    int64_t created_at;
    int64_t expires_at;
    int64_t completed_at;          /* 0 unless completed */
    enum mdlg_request_state state; /* at the `now` given to the call */
};

/* Zeroes the whole record (sodium_memzero), reader key included. */
void mdlg_request_wipe(struct mdlg_request *r);

/*
 * Opens (creating if needed) the store at `url` and migrates its schema up to
 * the latest version (or opt->max_schema_version). `opt` may be NULL. `now`
 * is recorded as the time each migration was applied.
 * Errors: USAGE (bad arguments), STORE_UNSUPPORTED (unknown or not built
 * backend), STORE_UNAVAILABLE (cannot open, lock timeout, WAL refused),
 * STORE_SCHEMA_TOO_NEW, STORE_CORRUPT, NO_MEMORY.
 */
mdlg_err mdlg_store_open(const char *url, const struct mdlg_store_options *opt, int64_t now,
                         mdlg_store **out) MDLG_WARN_UNUSED;

/* Closes every connection and wipes the server key. NULL is a no-op. */
void mdlg_store_close(mdlg_store *s);

/*
 * Creates a pending request with a fresh random id and nonce (libsodium),
 * written to `id_out` and `nonce_out` (NUL-terminated). The reader key is
 * sealed before it reaches the backend.
 * Errors: USAGE (missing field, expires_at <= created_at), LIMIT_STRING_SIZE,
 * STORE_UNAVAILABLE.
 */
mdlg_err mdlg_store_request_create(mdlg_store *s, const struct mdlg_request_params *p,
                                   char id_out[MDLG_STORE_ID_LEN + 1],
                                   char nonce_out[MDLG_STORE_NONCE_LEN + 1]) MDLG_WARN_UNUSED;

/*
 * Reads a request. `out->state` is as of `now`: a pending request whose
 * expires_at <= now reads as EXPIRED (and its reader key is not returned).
 * Errors: STORE_NOT_FOUND (also for any id that is not a well-formed id),
 * STORE_KEY (sealed key does not open with this server key), STORE_UNAVAILABLE.
 */
mdlg_err mdlg_store_request_get(mdlg_store *s, const char *id, int64_t now,
                                struct mdlg_request *out) MDLG_WARN_UNUSED;

/*
 * Atomically moves a request from pending to completed, exactly once across
 * threads and processes: one UPDATE ... WHERE state = pending AND
 * expires_at > now inside a BEGIN IMMEDIATE transaction, and success only if
 * it changed one row. On success `out` holds the request as it was (with the
 * reader key, which is deleted from the store in the same transaction).
 * Errors, with the HTTP status the service answers:
 *   STORE_NOT_FOUND 404, STORE_CONFLICT 409 (already completed),
 *   STORE_EXPIRED 410 (expires_at <= now), STORE_UNAVAILABLE 503 (nothing
 *   changed). STORE_KEY 500: the request WAS consumed, but its sealed key
 *   does not open under this server key (a configuration error).
 */
mdlg_err mdlg_store_request_consume(mdlg_store *s, const char *id, int64_t now,
                                    struct mdlg_request *out) MDLG_WARN_UNUSED;

/*
 * Stores the verdict of a completed request (once; a second put is
 * STORE_CONFLICT). `full_json` carries the disclosed element values and may
 * be NULL (nothing to retain, e.g. the caller already returned it);
 * `redacted_json` is the same verdict without element values (required).
 * The store does not parse either text.
 * Errors: STORE_NOT_FOUND (no such request), STORE_CONFLICT (request not
 * completed, or verdict already stored), USAGE, LIMIT_STRING_SIZE,
 * STORE_UNAVAILABLE.
 */
mdlg_err mdlg_store_verdict_put(mdlg_store *s, const char *id, const char *full_json,
                                const char *redacted_json, int64_t now) MDLG_WARN_UNUSED;

/*
 * Reads a verdict into a malloc'd NUL-terminated string (*json_out, free()
 * it). If element values are still retained at `now` it is the full verdict
 * (*redacted_out = false) and, unless keep_elements_after_read, this read
 * deletes them in the same transaction, so exactly one reader ever gets them.
 * Otherwise it is the redacted verdict (*redacted_out = true).
 * Errors: STORE_NOT_FOUND (no verdict for this id), STORE_UNAVAILABLE,
 * NO_MEMORY.
 */
mdlg_err mdlg_store_verdict_get(mdlg_store *s, const char *id, int64_t now, char **json_out,
                                bool *redacted_out) MDLG_WARN_UNUSED;

/*
 * Screening records. When claim screening is configured, the service keeps
 * with a completed request's verdict what screening needs of it: an opaque
 * record of keyed hashes (src/fraud: mdlg_screen_mdl_seal), never an element
 * value. It lives in the verdict's row and goes with it (purge).
 *
 * screening_put: sets it (once per verdict; a second put replaces it).
 * Errors: STORE_NOT_FOUND (no verdict for this id), USAGE, LIMIT_STRING_SIZE
 * (longer than MDLG_STORE_SCREENING_MAX), STORE_UNAVAILABLE.
 *
 * screening_get: the request's state at `now` (a pending request past its
 * expiry reads EXPIRED) and the record (*len 0 if none: the request is not
 * completed, or its verdict has no record). Errors: STORE_NOT_FOUND (no such
 * request, or not a well-formed id), STORE_UNAVAILABLE.
 */
#define MDLG_STORE_SCREENING_MAX 1024

mdlg_err mdlg_store_screening_put(mdlg_store *s, const char *id, struct mdlg_bytes rec)
    MDLG_WARN_UNUSED;
mdlg_err mdlg_store_screening_get(mdlg_store *s, const char *id, int64_t now,
                                  enum mdlg_request_state *state,
                                  uint8_t out[MDLG_STORE_SCREENING_MAX], size_t *len)
    MDLG_WARN_UNUSED;

struct mdlg_store_purge_stats {
    uint64_t requests_expired;   /* pending -> expired (reader key deleted) */
    uint64_t elements_deleted;   /* verdicts whose element values were dropped */
    uint64_t requests_deleted;   /* rows past expiry + record retention (with verdicts) */
};

/*
 * Housekeeping at `now`, in one transaction: marks pending requests past
 * expiry as expired and deletes their reader keys; drops element values
 * older than the retention; deletes requests (and their verdicts) whose
 * expires_at + record_retention_s <= now. SQLite then checkpoints the WAL so
 * that deleted values leave the log. `stats` may be NULL.
 */
mdlg_err mdlg_store_purge(mdlg_store *s, int64_t now,
                          struct mdlg_store_purge_stats *stats) MDLG_WARN_UNUSED;

/* What a backend reports about itself (readiness checks, tests). */
struct mdlg_store_info {
    const char *backend;         /* "sqlite" or "postgres" */
    unsigned schema_version;     /* highest applied migration */
    unsigned latest_version;     /* highest migration this build knows */
    char journal_mode[16];       /* SQLite: "wal" */
    int synchronous;             /* SQLite: 2 = FULL */
    char synchronous_commit[16]; /* PostgreSQL: "on" */
    int busy_timeout_ms;         /* SQLite busy_timeout, PostgreSQL lock_timeout */
    unsigned pool_size;
};

/* Fills `out` by asking the backend (a live round trip: usable as readiness). */
mdlg_err mdlg_store_info(mdlg_store *s, struct mdlg_store_info *out) MDLG_WARN_UNUSED;

#endif
