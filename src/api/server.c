/*
 * server.c - the libmicrohttpd daemon: request lifecycle, limits, auth,
 * CORS, replies, logs. see api/api.h and api_internal.h
 *
 * Lifecycle of one request:
 *   first call (headers in)  -> context, snapshot reference, route match,
 *                               pre-checks (405/404, CORS preflight, API
 *                               key, Content-Length) - a failure is answered
 *                               at once, before any byte of the body is read;
 *   upload calls             -> the body is counted and kept up to max_body;
 *   last call                -> 413 if it was too large, else the handler;
 *   completed (also aborts)  -> metrics, one log line, snapshot released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"
#include "api_internal.h"
#include "mdlg/json_dump.h"
#include "mdlg/mdoc.h"
#include "mdlg/store.h"

/* Bytes of an oversized chunked body read (and dropped) before the connection is cut. */
#define DISCARD_SLACK (1024u * 1024u)

struct mdlg_api_server {
    struct MHD_Daemon *d;
    struct mdlg_api_acceptor acc;  /* the listening socket and its thread (acceptor.c) */
    pthread_mutex_t lock;          /* guards snap */
    mdlg_api_snapshot *snap;
    atomic_long in_flight;
    bool log_started;              /* mdlg_api_log_start was called (stop calls log_stop) */
    uint16_t port;
    mdlg_store *store;             /* NULL if it could not be opened (readiness says so) */
    struct mdlg_api_services svc;  /* borrowed; fixed before the daemon starts */
};

const struct mdlg_api_services *mdlg_api_services(const struct mdlg_api_req *r)
{
    return &r->srv->svc;
}

struct mdlg_screener *mdlg_api_screener(const struct mdlg_api_req *r)
{
    return r->snap->screener != NULL ? r->snap->screener : r->srv->svc.screener;
}

mdlg_store *mdlg_api_store(const struct mdlg_api_req *r)
{
    return r->srv->store;
}

static mdlg_api_snapshot *snapshot_acquire(struct mdlg_api_server *s)
{
    pthread_mutex_lock(&s->lock);
    mdlg_api_snapshot *snap = mdlg_api_snapshot_ref(s->snap);
    pthread_mutex_unlock(&s->lock);
    return snap;
}

long mdlg_api_server_in_flight(const struct mdlg_api_server *s)
{
    return atomic_load(&s->in_flight);
}

/* ---- request accessors ---- */

const char *mdlg_api_header(const struct mdlg_api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *mdlg_api_query(const struct mdlg_api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool mdlg_api_content_type_is(const struct mdlg_api_req *r, const char *type)
{
    const char *ct = mdlg_api_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen(type);
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

unsigned mdlg_api_status_for(mdlg_err e)
{
    switch (e) {
    case MDLG_E_LIMIT_BODY_SIZE: return MHD_HTTP_CONTENT_TOO_LARGE;
    case MDLG_E_AUTH_REQUIRED: return MHD_HTTP_UNAUTHORIZED;
    case MDLG_E_ORIGIN_NOT_ALLOWED: return MHD_HTTP_FORBIDDEN;
    case MDLG_E_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case MDLG_E_METHOD_NOT_ALLOWED: return MHD_HTTP_METHOD_NOT_ALLOWED;
    case MDLG_E_UNSUPPORTED_MEDIA_TYPE: return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
    case MDLG_E_NOT_READY: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case MDLG_E_NO_MEMORY: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case MDLG_E_STORE_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case MDLG_E_STORE_CONFLICT: return MHD_HTTP_CONFLICT;
    case MDLG_E_STORE_EXPIRED: return MHD_HTTP_GONE;
    case MDLG_E_STORE_UNAVAILABLE: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case MDLG_E_STORE_SCHEMA_TOO_NEW: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case MDLG_E_SCREENING_DISABLED: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case MDLG_E_CLAIM_ID_CONFLICT: return MHD_HTTP_CONFLICT;
    case MDLG_E_READER_CERT_INVALID: return MHD_HTTP_SERVICE_UNAVAILABLE;   /* ours, not the caller's */
    default: return mdlg_err_is_internal(e) ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_BAD_REQUEST;
    }
}

/* ---- replies ---- */

/*
 * CORS: a configured origin, or one the matched route accepts for this
 * request (the wallet-response route accepts the origin its request was
 * created for).
 */
static bool origin_allowed(const struct mdlg_api_req *r, const struct mdlg_api_match *m,
                           const char *origin)
{
    if (mdlg_api_snapshot_origin_ok(r->snap, origin))
        return true;
    return m->route && m->route->origin_ok && m->route->origin_ok(r, m, origin);
}

static void add_common_headers(struct mdlg_api_req *r, struct MHD_Response *resp, bool cacheable)
{
    const char *origin = mdlg_api_header(r, "Origin");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (!cacheable)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (origin && origin_allowed(r, &r->match, origin)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    }
    if (r->status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED || strcmp(r->method, "OPTIONS") == 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->match.allow);
    if (r->body_too_large)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
}

/* Queues resp (destroyed here); the first reply of a request wins. */
static void queue(struct mdlg_api_req *r, unsigned status, struct MHD_Response *resp,
                  const char *content_type, bool cacheable)
{
    if (resp == NULL || r->replied) {
        if (resp)
            MHD_destroy_response(resp);
        return;
    }
    r->replied = true;
    r->status = status;
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    add_common_headers(r, resp, cacheable);
    if (MHD_queue_response(r->conn, status, resp) != MHD_YES)
        r->status = 0;
    MHD_destroy_response(resp);
}

void mdlg_api_reply_buf(struct mdlg_api_req *r, unsigned status, const char *content_type,
                        char *buf, size_t len)
{
    struct MHD_Response *resp = NULL;
    if (!r->replied)
        resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        free(buf);
    queue(r, status, resp, content_type, false);
}

void mdlg_api_reply_fd(struct mdlg_api_req *r, unsigned status, const char *content_type,
                       int fd, uint64_t size)
{
    struct MHD_Response *resp = NULL;
    if (!r->replied)
        resp = MHD_create_response_from_fd64(size, fd);
    if (resp == NULL)
        close(fd);
    queue(r, status, resp, content_type, true);
}

void mdlg_api_reply_static(struct mdlg_api_req *r, unsigned status, const char *content_type,
                           const char *buf, size_t len)
{
    struct MHD_Response *resp = NULL;
    if (!r->replied)
        resp = MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_PERSISTENT);
    queue(r, status, resp, content_type, true);
}

void mdlg_api_reply_json_text(struct mdlg_api_req *r, unsigned status, char *text, size_t len)
{
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"NO_MEMORY\",\"detail\":\"out of memory\"}";
        queue(r, MHD_HTTP_SERVICE_UNAVAILABLE,
              MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT),
              "application/json", false);
        return;
    }
    mdlg_api_reply_buf(r, status, "application/json", text, len);
}

/* Compact text as json_dumps writes it, by mdlg_json_dump_compact (several times faster). */
void mdlg_api_reply_json(struct mdlg_api_req *r, unsigned status, json_t *body)
{
    size_t len = 0;
    char *text = body ? mdlg_json_dump_compact(body, &len) : NULL;
    json_decref(body);
    mdlg_api_reply_json_text(r, status, text, len);
}

void mdlg_api_reply_error(struct mdlg_api_req *r, mdlg_err code, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (r->error == NULL)
        r->error = mdlg_err_name(code);
    mdlg_api_reply_json(r, mdlg_api_status_for(code),
                        json_pack("{s:s, s:s}", "error", mdlg_err_name(code), "detail", detail));
}

/* ---- pre-checks (first call) ---- */

static void preflight(struct mdlg_api_req *r)
{
    const char *origin = mdlg_api_header(r, "Origin");
    const char *want = mdlg_api_header(r, "Access-Control-Request-Method");
    struct mdlg_api_match m;
    if (r->match.pattern_index < 0) {
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such path");
        return;
    }
    mdlg_api_route_match(want && strlen(want) < 16 ? want : "POST", r->path, &m);
    if (origin && !origin_allowed(r, &m, origin)) {
        mdlg_api_reply_error(r, MDLG_E_ORIGIN_NOT_ALLOWED, "origin not allowed");
        return;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp && origin && !mdlg_api_snapshot_origin_ok(r->snap, origin)) {
        /* allowed by the route (its request's origin): add_common_headers only sees the
           OPTIONS match, which has no route, so it would leave this header out */
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    }
    if (resp && origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", r->match.allow);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, X-Transcript-Hex");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    queue(r, MHD_HTTP_NO_CONTENT, resp, NULL, false);
}

static bool authorized(const struct mdlg_api_req *r)
{
    const char *h = mdlg_api_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    return n > 0 && n <= 512 && mdlg_api_snapshot_key_ok(r->snap, h, n);
}

/* Body bytes this request may send: 0 without MDLG_ROUTE_BODY, else max_body or the route's own
   smaller limit. */
static size_t body_limit(const struct mdlg_api_req *r)
{
    const struct mdlg_api_route *rt = r->match.route;
    size_t max = (rt->flags & MDLG_ROUTE_BODY) ? r->snap->cfg.max_body : 0;
    return rt->max_body && rt->max_body < max ? rt->max_body : max;
}

/* Content-Length against the limit; sizes the body buffer. */
static void check_length(struct mdlg_api_req *r)
{
    size_t max = body_limit(r);
    const char *cl = mdlg_api_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;
    if (n > max) {
        mdlg_api_reply_error(r, MDLG_E_LIMIT_BODY_SIZE, "request body larger than %zu bytes", max);
        return;
    }
    if (n > 0 && (r->body = malloc((size_t)n)) != NULL)
        r->body_cap = (size_t)n;
}

static void precheck(struct mdlg_api_req *r)
{
    if (strcmp(r->method, "OPTIONS") == 0) {
        preflight(r);
    } else if (r->match.route == NULL) {
        if (r->match.pattern_index >= 0)
            mdlg_api_reply_error(r, MDLG_E_METHOD_NOT_ALLOWED, "allowed: %s", r->match.allow);
        else
            mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such path");
    } else if (mdlg_api_route_needs_key(r->match.route) && !authorized(r)) {
        mdlg_api_reply_error(r, MDLG_E_AUTH_REQUIRED, "a valid API key is required");
    } else {
        check_length(r);
    }
}

/* ---- body ---- */

/* Keeps data up to the limit; returns false to cut the connection. */
static bool body_append(struct mdlg_api_req *r, const char *data, size_t n)
{
    size_t max = body_limit(r);
    r->body_seen += n;
    if (r->body_seen > max) {
        r->body_too_large = true;
        return r->body_seen - max <= DISCARD_SLACK;
    }
    if (r->body_len + n > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n)
            cap *= 2;
        cap = cap < max ? cap : max;
        uint8_t *p = realloc(r->body, cap);
        if (p == NULL)
            return false;
        r->body = p;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    return true;
}

static void run_handler(struct mdlg_api_req *r)
{
    if (r->body_too_large) {
        mdlg_api_reply_error(r, MDLG_E_LIMIT_BODY_SIZE, "request body larger than %zu bytes",
                             body_limit(r));
        return;
    }
    r->match.route->handler(r);
    if (!r->replied)
        mdlg_api_reply_error(r, MDLG_E_INTERNAL, "the handler gave no answer");
}

/* ---- MHD callbacks ---- */

static void copy_method(char out[16], const char *m)
{
    size_t n = strlen(m);
    bool ok = n > 0 && n < 16 && strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
    memcpy(out, ok ? m : "OTHER", ok ? n + 1 : 6);
}

static struct mdlg_api_req *req_new(struct mdlg_api_server *s, struct MHD_Connection *c,
                                    const char *url, const char *method)
{
    struct mdlg_api_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->srv = s;
    r->conn = c;
    r->path = url;
    r->t_start_ns = mdlg_api_now_ns();
    r->verify_ms = -1;
    copy_method(r->method, method);
    r->snap = snapshot_acquire(s);
    atomic_fetch_add(&s->in_flight, 1);
    mdlg_api_route_match(r->method, url, &r->match);
    return r;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct mdlg_api_req *r = *con_cls;
    (void)version;
    if (r == NULL) {
        if ((r = req_new(cls, c, url, method)) == NULL)
            return MHD_NO;
        *con_cls = r;
        precheck(r);
        return MHD_YES;
    }
    if (*upload_size != 0) {
        bool keep = r->replied || body_append(r, upload_data, *upload_size);
        *upload_size = 0;
        return keep ? MHD_YES : MHD_NO;
    }
    if (!r->replied)
        run_handler(r);
    return MHD_YES;
}

/* "2026-01-01T00:00:00" of the second `sec`, formatted once per second and thread. */
static const char *log_second(time_t sec)
{
    static __thread time_t last = -1;
    static __thread char text[32];
    if (sec != last) {
        struct tm tm;
        gmtime_r(&sec, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
        last = sec;
    }
    return text;
}

/* One JSON line per request: route pattern, status, latency, verdict or error code. */
static void log_request(const struct mdlg_api_req *r, int64_t latency_ns, bool aborted)
{
    char line[512], verdict[96] = "", error[96] = "";
    struct timespec now;
    long long us = (long long)((latency_ns + 500) / 1000);
    clock_gettime(CLOCK_REALTIME, &now);
    if (r->verdict)
        snprintf(verdict, sizeof verdict, ",\"verdict\":\"%s\"", r->verdict);
    if (r->error)
        snprintf(error, sizeof error, ",\"error\":\"%s\"", r->error);
    int n = snprintf(line, sizeof line,
                     "{\"time\":\"%s.%03ldZ\",\"method\":\"%s\",\"route\":\"%s\",\"status\":%u,"
                     "\"latency_ms\":%lld.%03lld%s%s%s}\n",
                     log_second(now.tv_sec), now.tv_nsec / 1000000, r->method,
                     r->match.pattern_index >= 0 ? mdlg_api_pattern_at((size_t)r->match.pattern_index)
                                                 : "unmatched",
                     r->status, us / 1000, us % 1000, verdict, error,
                     aborted ? ",\"aborted\":true" : "");
    if (n > 0 && (size_t)n < sizeof line)
        mdlg_api_log_line(line, (size_t)n, false);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct mdlg_api_server *s = cls;
    struct mdlg_api_req *r = *con_cls;
    (void)c;
    if (r == NULL)
        return;
    int64_t latency_ns = mdlg_api_now_ns() - r->t_start_ns;
    bool aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;
    mdlg_api_metrics_request(r->match.pattern_index, r->method, r->status);
    if (r->snap->cfg.log_requests)
        log_request(r, latency_ns, aborted);
    mdlg_api_snapshot_release(r->snap);
    free(r->body);
    free(r);
    *con_cls = NULL;
    if (atomic_fetch_sub(&s->in_flight, 1) == 1)
        mdlg_api_log_flush();   /* the last one in flight: nothing waits in the log buffer */
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls, (void)c, (void)socket_ctx;
    mdlg_api_metrics_connections(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    mdlg_api_log_event("mhd", msg);
}

/* ---- daemon ---- */

/* Events go through the request log's buffer (so lines keep their order) and out at once. */
void mdlg_api_log_event(const char *event, const char *detail)
{
    json_t *j = json_pack("{s:s, s:s}", "event", event, "detail", detail ? detail : "");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL, *line = NULL;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = text ? asprintf(&line, "{\"time\":\"%s\",%s\n", ts, text + 1) : -1;
    if (n > 0)
        mdlg_api_log_line(line, (size_t)n, true);
    free(line);
    free(text);
    json_decref(j);
}

/* "host:port" or "[v6]:port" -> address; false if it does not parse. */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof host || colon[1] == '\0')
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return false;
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
    if (strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
        getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return false;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

static unsigned pool_size(const struct mdlg_api_config *c)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (c->threads > 0)
        return c->threads;
    return n > 0 && n < 256 ? (unsigned)n : 1;
}

/* The workers; connections come from the acceptor (acceptor.c), not a socket of their own. */
static struct MHD_Daemon *start_daemon(struct mdlg_api_server *s, const struct mdlg_api_config *c)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_USE_NO_LISTEN_SOCKET;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,     /* must come first */
        MHD_OPTION_THREAD_POOL_SIZE, pool_size(c),
        MHD_OPTION_CONNECTION_LIMIT, c->conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, c->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->conn_memory,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_END);
}

mdlg_err mdlg_api_server_start(mdlg_api_snapshot *snap, mdlg_api_server **out, char *errbuf,
                               size_t errlen)
{
    return mdlg_api_server_start_with(snap, NULL, out, errbuf, errlen);
}

mdlg_err mdlg_api_server_start_with(mdlg_api_snapshot *snap, const struct mdlg_api_services *svc,
                                    mdlg_api_server **out, char *errbuf, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    const struct mdlg_api_config *c = &snap->cfg;
    if (!parse_listen(c->listen, &ss, &sl)) {
        snprintf(errbuf, errlen, "listen address '%s' is not HOST:PORT", c->listen);
        mdlg_api_snapshot_release(snap);
        return MDLG_E_USAGE;
    }
    struct mdlg_api_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        mdlg_api_snapshot_release(snap);
        return MDLG_E_NO_MEMORY;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->acc = (struct mdlg_api_acceptor)MDLG_API_ACCEPTOR_INIT;
    s->snap = snap;
    if (svc != NULL)
        s->svc = *svc;
    char serr[MDLG_API_PATH_MAX + 128] = "";
    if (mdlg_api_store_open(c, time(NULL), &s->store, serr, sizeof serr) != MDLG_E_OK) {
        s->store = NULL;
        mdlg_api_log_event("store_unavailable", serr);
    }
    mdlg_api_log_start();
    s->log_started = true;
    if (mdlg_api_acceptor_listen(&s->acc, &ss, sl, &s->port) != MDLG_E_OK) {
        snprintf(errbuf, errlen, "cannot listen on %s: %s", c->listen, strerror(errno));
        mdlg_api_server_stop(s);
        return MDLG_E_IO;
    }
    if ((s->d = start_daemon(s, c)) == NULL ||
        mdlg_api_acceptor_start(&s->acc, s->d, pool_size(c)) != MDLG_E_OK) {
        snprintf(errbuf, errlen, "cannot start the server threads: %s", strerror(errno));
        mdlg_api_server_stop(s);
        return MDLG_E_IO;
    }
    *out = s;
    return MDLG_E_OK;
}

uint16_t mdlg_api_server_port(const mdlg_api_server *s)
{
    return s->port;
}

void mdlg_api_server_swap(mdlg_api_server *s, mdlg_api_snapshot *snap)
{
    pthread_mutex_lock(&s->lock);
    mdlg_api_snapshot *old = s->snap;
    s->snap = snap;
    pthread_mutex_unlock(&s->lock);
    mdlg_api_snapshot_release(old);
    mdlg_api_metrics_reload(true);
}

void mdlg_api_server_reload_failed(mdlg_api_server *s)
{
    (void)s;
    mdlg_api_metrics_reload(false);
}

bool mdlg_api_server_drain(mdlg_api_server *s, unsigned timeout_s)
{
    mdlg_api_acceptor_stop(&s->acc);   /* new connections are refused from here */
    int64_t deadline = mdlg_api_now_ns() + (int64_t)timeout_s * 1000000000;
    while (atomic_load(&s->in_flight) > 0 && mdlg_api_now_ns() < deadline) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return atomic_load(&s->in_flight) == 0;
}

void mdlg_api_server_stop(mdlg_api_server *s)
{
    if (s == NULL)
        return;
    mdlg_api_acceptor_stop(&s->acc);   /* before the daemon: nothing is added to it after */
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->log_started)
        mdlg_api_log_stop();   /* after the workers: every request's line is written */
    mdlg_store_close(s->store);
    mdlg_api_snapshot_release(s->snap);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
