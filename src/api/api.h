/*
 * api.h - the HTTP service behind `mdlgate serve` (libmicrohttpd).
 *
 * Three pieces, used in this order by src/cli/cmd_serve.c:
 *
 *   1. struct mdlg_api_config: every setting, caller-owned, fixed size.
 *      Defaults < config file (JSON) < environment < command line.
 *   2. mdlg_api_snapshot: an immutable, reference-counted view built from a
 *      config (the config itself, the trust set, API key hashes, CORS
 *      origins). A request holds the snapshot it started with until it
 *      completes; SIGHUP builds a new one and swaps it in.
 *   3. mdlg_api_server: the daemon (thread pool sized to the cores, epoll,
 *      keep-alive, limits enforced before any parsing).
 *
 * Only src/api includes microhttpd.h; this header does not.
 */
#ifndef MDLG_API_H
#define MDLG_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/err.h"
#include "mdlg/mdoc.h"
#include "mdlg/trust.h"

#define MDLG_API_MAX_ANCHORS 64
#define MDLG_API_MAX_KEYS 64
#define MDLG_API_MAX_ORIGINS 32
#define MDLG_API_PATH_MAX 512
#define MDLG_API_ORIGIN_MAX 256
#define MDLG_API_URL_MAX 1024

struct mdlg_api_config {
    char listen[128];                       /* "127.0.0.1:8080", "[::1]:8080"; port 0 = any */
    char anchors[MDLG_API_MAX_ANCHORS][MDLG_API_PATH_MAX];   /* IACA PEM files */
    size_t n_anchors;
    char trust_dir[MDLG_API_PATH_MAX];      /* "" = none; DIR/<jurisdiction>/NAME.pem */
    char data_dir[MDLG_API_PATH_MAX];       /* default "./var" */
    char web_dir[MDLG_API_PATH_MAX];        /* static files; default "web" */
    char config_file[MDLG_API_PATH_MAX];    /* the file this came from, "" if none */
    char public_url[MDLG_API_PATH_MAX];     /* base URL wallets reach ("https://rp.example");
                                               "" = http:// + the request's Host */
    char store_key_file[MDLG_API_PATH_MAX]; /* server key sealing reader keys; "" = DATA_DIR/store.key
                                               (created 0600 with a random key on first start) */
    char store_url[MDLG_API_URL_MAX];       /* request store (mdlg/store.h URL); "" =
                                               sqlite:DATA_DIR/mdlgate.db. postgres://...
                                               lets several instances share one database */
    char screening_config[MDLG_API_PATH_MAX]; /* screening config file (mdlg/screen.h); "" =
                                               MDLGATE_SCREENING_CONFIG or DATA_DIR/screening.json */
    char reader_key_file[MDLG_API_PATH_MAX];  /* reader-auth private key (PEM); "" = requests
                                               are not signed */
    char reader_cert_file[MDLG_API_PATH_MAX]; /* its certificate chain (PEM, leaf first; EKU
                                               1.0.18013.5.1.6) */
    char reader_client_id_prefix[16];       /* "x509_san_dns" or "x509_hash"; "" = x509_san_dns
                                               when the leaf has a dNSName, else x509_hash */
    uint8_t key_hashes[MDLG_API_MAX_KEYS][32];   /* SHA-256 of each accepted API key */
    size_t n_keys;
    char origins[MDLG_API_MAX_ORIGINS][MDLG_API_ORIGIN_MAX];  /* CORS allow-list */
    size_t n_origins;
    enum mdlg_policy policy;                /* default for /v1/verify */
    int64_t clock_skew;                     /* seconds tolerated on MSO validity */
    enum mdlg_revocation_policy revocation; /* no CRL / status list: fail-open (default) or
                                               fail-closed, for every verification */
    size_t max_body;                        /* request body bytes (413 beyond) */
    size_t conn_memory;                     /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
    unsigned threads;                       /* 0: one per online core */
    unsigned conn_limit;                    /* total connections */
    unsigned per_ip_limit;                  /* connections per client address */
    unsigned timeout_s;                     /* idle/slow connection timeout */
    unsigned drain_s;                       /* SIGTERM: longest wait for requests in flight */
    unsigned trust_watch_s;                 /* seconds between checks of the trust dir's
                                               generation (reload when it changes); 0 = off */
    bool log_requests;                      /* one JSON line per request on stderr */
};

/* Fills the defaults (a config that runs as it is). */
void mdlg_api_config_defaults(struct mdlg_api_config *c);

/*
 * Reads a JSON config file over *c. Members (all optional): listen, anchors
 * [paths], trust_dir, data_dir, web_dir, public_url, store_key_file, store_url,
 * screening_config, reader_key_file, reader_cert_file, reader_client_id_prefix,
 * api_key_sha256 [64-hex strings],
 * cors_origins [origins], policy, revocation ("fail-open"|"fail-closed"), clock_skew, max_body, connection_memory_limit,
 * threads, connection_limit, per_ip_connection_limit, connection_timeout,
 * drain_timeout, trust_watch, log_requests. Relative paths are taken relative to the
 * file's directory. Unknown members, wrong types or values out of range are
 * USAGE; an unreadable file IO. errbuf receives a one-line reason.
 */
mdlg_err mdlg_api_config_load_file(struct mdlg_api_config *c, const char *path,
                                   char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

/*
 * Applies the environment: MDLGATE_LISTEN, MDLGATE_API_KEYS (comma-separated
 * keys, hashed here; added to the configured ones), MDLGATE_DATA_DIR,
 * MDLGATE_TRUST_DIR, MDLGATE_ANCHORS (comma-separated files, added),
 * MDLGATE_PUBLIC_URL, MDLGATE_STORE_KEY_FILE, MDLGATE_SCREENING_CONFIG,
 * MDLGATE_READER_KEY_FILE, MDLGATE_READER_CERT_FILE, MDLGATE_READER_CLIENT_ID_PREFIX,
 * MDLGATE_CORS_ORIGINS (comma-separated, added), MDLGATE_POLICY, MDLGATE_REVOCATION,
 * MDLGATE_MAX_BODY, MDLGATE_THREADS, MDLGATE_TRUST_WATCH, MDLGATE_WEB_DIR, MDLGATE_LOG (0/1).
 * USAGE with errbuf set for a bad value.
 */
mdlg_err mdlg_api_config_apply_env(struct mdlg_api_config *c, char *errbuf,
                                   size_t errlen) MDLG_WARN_UNUSED;

/* Adds one accepted API key (stored as its SHA-256 only). USAGE if empty or too many. */
mdlg_err mdlg_api_config_add_key(struct mdlg_api_config *c, const char *key) MDLG_WARN_UNUSED;

/* Adds an anchor file / a CORS origin. USAGE if too long or too many. */
mdlg_err mdlg_api_config_add_anchor(struct mdlg_api_config *c, const char *path) MDLG_WARN_UNUSED;
mdlg_err mdlg_api_config_add_origin(struct mdlg_api_config *c, const char *origin) MDLG_WARN_UNUSED;

/* Copies s into a fixed field; USAGE if it does not fit. */
mdlg_err mdlg_api_config_set(char *field, size_t cap, const char *s) MDLG_WARN_UNUSED;

/* ------------------------------------------------------------------------- */

typedef struct mdlg_api_snapshot mdlg_api_snapshot;

/*
 * Builds a snapshot from *c (copied): loads the anchors and the trust
 * directory. A failing anchor is an error (the old snapshot stays in place
 * on reload); no anchors at all is allowed (/readyz then reports 503).
 * The new snapshot has one reference, owned by the caller.
 */
mdlg_err mdlg_api_snapshot_new(const struct mdlg_api_config *c, mdlg_api_snapshot **out,
                               char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

/* Drops one reference; the last one frees the trust set. NULL is fine. */
void mdlg_api_snapshot_release(mdlg_api_snapshot *s);

struct mdlg_screener;

/*
 * Attaches a screener (claim screening: weights, thresholds, ledger keys) to
 * a snapshot that has not been handed to the server yet; the snapshot owns
 * it and frees it with its last reference, so a screening in flight keeps
 * the screener it started with across a reload. Its ledger must outlive
 * every snapshot (close it after mdlg_api_server_stop). Requests use the
 * snapshot's screener, else the one of the services.
 */
void mdlg_api_snapshot_set_screener(mdlg_api_snapshot *s, struct mdlg_screener *scr);

/* The snapshot's config and trust set (read-only, valid while referenced). */
const struct mdlg_api_config *mdlg_api_snapshot_config(const mdlg_api_snapshot *s);
size_t mdlg_api_snapshot_anchor_count(const mdlg_api_snapshot *s);

/* ------------------------------------------------------------------------- */

typedef struct mdlg_api_server mdlg_api_server;

/*
 * Starts the daemon with `snap` (the reference is taken over). Listening
 * address, thread count and connection limits come from this first
 * snapshot and stay for the process's life. USAGE for a bad listen
 * address, IO if the socket cannot be bound (errbuf says why).
 */
mdlg_err mdlg_api_server_start(mdlg_api_snapshot *snap, mdlg_api_server **out,
                               char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

struct mdlg_screener;
struct mdlg_ledger;

/* What the server uses besides its snapshot and its request store (borrowed). */
struct mdlg_api_services {
    struct mdlg_screener *screener;   /* used when the snapshot has none (mdlg_api_snapshot_
                                         set_screener); neither: screening is off (503) */
    struct mdlg_ledger *ledger;       /* the screener's ledger (lookups, clusters) */
};

/*
 * As mdlg_api_server_start, with services (NULL = none). They must outlive
 * the server (close them after mdlg_api_server_stop).
 */
mdlg_err mdlg_api_server_start_with(mdlg_api_snapshot *snap, const struct mdlg_api_services *svc,
                                    mdlg_api_server **out, char *errbuf,
                                    size_t errlen) MDLG_WARN_UNUSED;

/* The bound port (useful with port 0). */
uint16_t mdlg_api_server_port(const mdlg_api_server *s);

/*
 * Swaps in a new snapshot (reference taken over). Requests already running
 * keep theirs; new requests see the new one. Never fails.
 */
void mdlg_api_server_swap(mdlg_api_server *s, mdlg_api_snapshot *snap);

/* Counts a reload that failed (the old snapshot stays), for /metrics. */
void mdlg_api_server_reload_failed(mdlg_api_server *s);

/*
 * Stops accepting connections and waits up to timeout_s seconds until no
 * request is in flight. Returns true if all requests completed.
 */
bool mdlg_api_server_drain(mdlg_api_server *s, unsigned timeout_s);

/* Stops the daemon (closing idle keep-alive connections) and frees it. */
void mdlg_api_server_stop(mdlg_api_server *s);

/* Writes one JSON log line {"time":..,"event":event,"detail":detail} to stderr. */
void mdlg_api_log_event(const char *event, const char *detail);

#endif
