/*
 * api_internal.h - shared by the files of src/api: the request context
 * handlers see, the route table, replies, metrics and the snapshot.
 *
 * Adding endpoints: write src/api/routes_<group>.c defining a
 * `const struct mdlg_api_route_group mdlg_api_routes_<group>` and add one
 * line to the group list in router.c. Handlers never touch libmicrohttpd
 * directly: they read the request through the accessors below and answer
 * with one mdlg_api_reply_*() call.
 */
#ifndef MDLG_API_INTERNAL_H
#define MDLG_API_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "mdlg/err.h"
#include "mdlg/trust.h"

struct json_t;
struct MHD_Connection;

/* ---- snapshot (snapshot.c) ---- */

struct mdlg_status_files;

struct mdlg_api_snapshot {
    atomic_uint refs;
    struct mdlg_api_config cfg;
    mdlg_trust *trust;
    struct mdlg_status_files *status;       /* <trust_dir>/.status/ (read-only once built) */
    struct mdlg_reader_id *reader;          /* reader_key_file + reader_cert_file; NULL: requests
                                               are not signed (reader_snapshot.c) */
    char reader_client_id[300];             /* "x509_san_dns:<dNSName>" or "x509_hash:<hash>" */
    struct mdlg_screener *screener;         /* owned; NULL: the server's (services) */
};

/*
 * Loads the reader identity of c into s (reader_snapshot.c): nothing when
 * neither file is set; USAGE when only one is; READER_CERT_INVALID /
 * CERT_MALFORMED / IO with errbuf set otherwise, including a certificate
 * outside its validity at the time of loading.
 */
mdlg_err mdlg_api_snapshot_reader(mdlg_api_snapshot *s, const struct mdlg_api_config *c,
                                  char *errbuf, size_t errlen) MDLG_WARN_UNUSED;
void mdlg_api_snapshot_reader_free(mdlg_api_snapshot *s);

/*
 * Fills *o for a verification under snapshot s: now = time(NULL), the
 * default policy, clock skew, revocation policy, trust set, chain cache and
 * the status-list cache of the trust directory. *status receives the
 * source o->status_source points to (it must live as long as o is used).
 * Callers then set what the request brings (transcript, at, policy).
 */
void mdlg_api_verify_opts(const mdlg_api_snapshot *s, struct mdlg_verify_opts *o,
                          struct mdlg_status_source *status);

/* Takes one more reference. */
mdlg_api_snapshot *mdlg_api_snapshot_ref(mdlg_api_snapshot *s);

/* True if the SHA-256 of key[0..len) is an accepted key (constant time over all keys). */
bool mdlg_api_snapshot_key_ok(const mdlg_api_snapshot *s, const char *key, size_t len);

/* True if origin is on the CORS allow-list. */
bool mdlg_api_snapshot_origin_ok(const mdlg_api_snapshot *s, const char *origin);

/* ---- routes (router.c) ---- */

struct mdlg_api_req;
struct mdlg_api_match;
typedef void (*mdlg_api_handler)(struct mdlg_api_req *r);
/* Extra CORS origins a route accepts for one request (m: the match, with its {params}). */
typedef bool (*mdlg_api_origin_fn)(const struct mdlg_api_req *r, const struct mdlg_api_match *m,
                                   const char *origin);

enum mdlg_api_route_flag {
    MDLG_ROUTE_PUBLIC = 1u << 0,   /* no API key even under /v1/ (the wallet's response) */
    MDLG_ROUTE_BODY = 1u << 1,     /* accepts a request body (others get 413 for one) */
    MDLG_ROUTE_PREFIX = 1u << 2,   /* "/static/" + "*": every path below "/static/" */
};

struct mdlg_api_route {
    const char *method;            /* "GET", "POST", ... */
    const char *pattern;           /* "/v1/verify", "/v1/requests/{id}", "/" + "*" */
    unsigned flags;                /* enum mdlg_api_route_flag */
    mdlg_api_handler handler;
    mdlg_api_origin_fn origin_ok;  /* NULL: only the configured cors_origins */
    size_t max_body;               /* 0: max_body of the config; else the smaller of the two */
};

struct mdlg_api_route_group {
    const char *name;
    const struct mdlg_api_route *routes;
    size_t n;
};

extern const struct mdlg_api_route_group mdlg_api_routes_core;
extern const struct mdlg_api_route_group mdlg_api_routes_verify;
extern const struct mdlg_api_route_group mdlg_api_routes_requests;
extern const struct mdlg_api_route_group mdlg_api_routes_coverage;
extern const struct mdlg_api_route_group mdlg_api_routes_screenings;

#define MDLG_API_MAX_ROUTES 64
#define MDLG_API_MAX_PARAMS 4
#define MDLG_API_PARAM_MAX 128

/* Matching outcome. */
struct mdlg_api_match {
    const struct mdlg_api_route *route;   /* NULL: no route for this method */
    int route_index;                      /* index in mdlg_api_route_at(); -1 if none */
    int pattern_index;                    /* pattern of any method matching the path; -1 */
    char allow[64];                       /* methods for this path ("GET, POST") */
    char params[MDLG_API_MAX_PARAMS][MDLG_API_PARAM_MAX];   /* {name} values, in order */
    size_t n_params;
};

/* Matches method + path (no query) against the table. */
void mdlg_api_route_match(const char *method, const char *path, struct mdlg_api_match *m);

/* Number of distinct patterns and the i-th one (metrics labels). */
size_t mdlg_api_pattern_count(void);
const char *mdlg_api_pattern_at(size_t i);

/* True if a route under this pattern needs an API key. */
bool mdlg_api_route_needs_key(const struct mdlg_api_route *r);

/* ---- request (server.c) ---- */

struct mdlg_api_req {
    struct mdlg_api_server *srv;
    struct MHD_Connection *conn;
    mdlg_api_snapshot *snap;              /* the snapshot this request started with */
    char method[16];
    const char *path;                     /* owned by MHD, valid for the request */
    struct mdlg_api_match match;
    int64_t t_start_ns;                   /* monotonic */

    uint8_t *body;                        /* the uploaded body (heap, max_body bounded) */
    size_t body_len, body_cap;
    size_t body_seen;                     /* all bytes received, kept or not */
    bool body_too_large;
    bool started;                         /* pre-checks passed, waiting for the body */

    /* answer */
    bool replied;
    unsigned status;
    const char *verdict;                  /* static: "valid" or the verdict's first error code */
    const char *error;                    /* static: the error code of an error reply */
    double verify_ms;                     /* < 0: no verification ran */
    char location[128];                   /* "" or the Location header of the answer */
};

/* A request header or query argument (NULL if absent). */
const char *mdlg_api_header(const struct mdlg_api_req *r, const char *name);
const char *mdlg_api_query(const struct mdlg_api_req *r, const char *name);

/* Media type of Content-Type matches `type` (parameters and case ignored). */
bool mdlg_api_content_type_is(const struct mdlg_api_req *r, const char *type);

/*
 * Replies. Each takes over what it is given (json reference, malloc'd buffer,
 * fd) also on failure. Only the first reply of a request counts.
 */
void mdlg_api_reply_json(struct mdlg_api_req *r, unsigned status, struct json_t *body);
/* JSON text already written (malloc'd, len bytes); NULL: 503 NO_MEMORY. */
void mdlg_api_reply_json_text(struct mdlg_api_req *r, unsigned status, char *text, size_t len);
void mdlg_api_reply_error(struct mdlg_api_req *r, mdlg_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mdlg_api_reply_buf(struct mdlg_api_req *r, unsigned status, const char *content_type,
                        char *buf, size_t len);
void mdlg_api_reply_fd(struct mdlg_api_req *r, unsigned status, const char *content_type,
                       int fd, uint64_t size);
/* A reply from static storage (never freed), cacheable like a static file. */
void mdlg_api_reply_static(struct mdlg_api_req *r, unsigned status, const char *content_type,
                           const char *buf, size_t len);

/*
 * The coverage page's map of the 56 jurisdictions (JSON, usmap.c), len bytes; NULL when
 * this build has none (npm us-atlas was unavailable when it was built).
 */
const char *mdlg_api_usmap(size_t *len);

/* ---- the request store (store_open.c, server.c) ---- */

struct mdlg_store;
/*
 * Opens DATA_DIR/mdlgate.db with the server key of store_key_file (created
 * 0600 with a random key if absent). err receives a one-line reason.
 */
mdlg_err mdlg_api_store_open(const struct mdlg_api_config *c, int64_t now,
                             struct mdlg_store **out, char *err, size_t errlen) MDLG_WARN_UNUSED;
/* The server's store, NULL if it could not be opened. */
struct mdlg_store *mdlg_api_store(const struct mdlg_api_req *r);

/* The server's services (screener, ledger); members NULL when not configured. */
const struct mdlg_api_services *mdlg_api_services(const struct mdlg_api_req *r);

/* The screener for this request (NULL: screening is off). */
struct mdlg_screener *mdlg_api_screener(const struct mdlg_api_req *r);

struct mdlg_result;
/*
 * requests_screening.c: when screening is on and the verdict of request `id`
 * is valid and holds an mDL, stores the sealed screening record beside it.
 */
void mdlg_api_request_seal_screening(struct mdlg_api_req *r, const char *id,
                                     const struct json_t *verdict, const struct mdlg_result *res);

/* HTTP status for an error code. */
unsigned mdlg_api_status_for(mdlg_err e);

/* Readiness: every check must pass for /readyz. */
typedef bool (*mdlg_api_ready_fn)(const struct mdlg_api_req *r, char *detail, size_t len);
bool mdlg_api_ready(const struct mdlg_api_req *r, char *detail, size_t len);

/* ---- metrics (metrics.c) ---- */

void mdlg_api_metrics_request(int pattern_index, const char *method, unsigned status);
void mdlg_api_metrics_verify(double ms, bool valid, const mdlg_err *codes, size_t n);
void mdlg_api_metrics_connections(int delta);
void mdlg_api_metrics_reload(bool ok);
/*
 * Prometheus text exposition (malloc'd, NUL-terminated); NULL on allocation
 * failure. reader_not_after: the reader certificate's notAfter (Unix time),
 * 0 when the service has none.
 */
char *mdlg_api_metrics_render(size_t anchors, long in_flight, int64_t reader_not_after,
                              size_t *len);

/* ---- the log on stderr (reqlog.c) ---- */

/*
 * Adds one whole line (n bytes, ending in '\n') to the log buffer; `now`
 * writes the buffer out at once (events). Lines never interleave.
 */
void mdlg_api_log_line(const char *line, size_t n, bool now);
/* Writes out what is buffered (the last request in flight completed). */
void mdlg_api_log_flush(void);
/* The flusher thread (lines at most 100 ms in the buffer): each server starts and stops it. */
void mdlg_api_log_start(void);
/* Stops it when the last server stops, and writes out everything. */
void mdlg_api_log_stop(void);

/* ---- small helpers (util.c) ---- */

int64_t mdlg_api_now_ns(void);   /* CLOCK_MONOTONIC */
/* Decodes base64url (padding '=' tolerated at the end). Returns false if invalid. */
bool mdlg_api_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen);
/* base64url without padding of p[0..n), malloc'd and NUL-terminated; NULL on allocation failure. */
char *mdlg_api_b64url_encode(const uint8_t *p, size_t n);
/* Decodes hex (no whitespace). Returns false if invalid or empty. */
bool mdlg_api_hex_decode(const char *s, uint8_t **out, size_t *outlen);
/* Number of requests in flight on the server. */
long mdlg_api_server_in_flight(const struct mdlg_api_server *s);

#endif
