/*
 * metrics.c - process-wide counters, rendered in the Prometheus text format.
 * see api_internal.h
 *
 * Everything is a relaxed atomic in fixed arrays: no lock on the request
 * path, no allocation except when rendering.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
                                       "OPTIONS", "OTHER" };
#define N_METHODS (sizeof methods / sizeof methods[0])
static const unsigned statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405, 409, 410, 413,
                                     415, 429, 500, 503, 0 /* other */ };
#define N_STATUSES (sizeof statuses / sizeof statuses[0])
/* pattern slots: the route patterns, then one for requests that matched none */
#define N_PATTERNS (MDLG_API_MAX_ROUTES + 1)

static atomic_ulong g_requests[N_PATTERNS][N_METHODS][N_STATUSES];

/* verification latency buckets, seconds */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                  0.5, 1, 2.5 };
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])
static atomic_ulong g_latency[N_BUCKETS + 1];
static atomic_ulong g_latency_us_sum;
static atomic_ulong g_verdicts[2];            /* invalid, valid */
static atomic_ulong g_codes[1000];            /* by error number */
static atomic_long g_connections;
static atomic_ulong g_reloads[2];             /* failed, ok */

static size_t method_slot(const char *m)
{
    for (size_t i = 0; i + 1 < N_METHODS; i++)
        if (strcmp(methods[i], m) == 0)
            return i;
    return N_METHODS - 1;
}

static size_t status_slot(unsigned s)
{
    for (size_t i = 0; i + 1 < N_STATUSES; i++)
        if (statuses[i] == s)
            return i;
    return N_STATUSES - 1;
}

void mdlg_api_metrics_request(int pattern_index, const char *method, unsigned status)
{
    size_t p = pattern_index < 0 || pattern_index >= MDLG_API_MAX_ROUTES
                   ? MDLG_API_MAX_ROUTES : (size_t)pattern_index;
    atomic_fetch_add_explicit(&g_requests[p][method_slot(method)][status_slot(status)], 1,
                              memory_order_relaxed);
}

void mdlg_api_metrics_verify(double ms, bool valid, const mdlg_err *codes, size_t n)
{
    size_t b = 0;
    while (b < N_BUCKETS && ms / 1000.0 > buckets[b])
        b++;
    atomic_fetch_add_explicit(&g_latency[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_latency_us_sum, (unsigned long)(ms * 1000.0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&g_verdicts[valid], 1, memory_order_relaxed);
    for (size_t i = 0; i < n; i++)
        if ((unsigned)codes[i] < 1000)
            atomic_fetch_add_explicit(&g_codes[codes[i]], 1, memory_order_relaxed);
}

void mdlg_api_metrics_connections(int delta)
{
    atomic_fetch_add_explicit(&g_connections, delta, memory_order_relaxed);
}

void mdlg_api_metrics_reload(bool ok)
{
    atomic_fetch_add_explicit(&g_reloads[ok], 1, memory_order_relaxed);
}

/* ---- rendering ---- */

struct out {
    char *buf;
    size_t len, cap;
    bool oom;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2 && !o->oom; tries++) {
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)(n > 0 ? n : 0) + 1;
        char *p = realloc(o->buf, cap);
        if (p == NULL) {
            o->oom = true;
            return;
        }
        o->buf = p;
        o->cap = cap;
    }
}

static void render_requests(struct out *o)
{
    put(o, "# HELP mdlgate_http_requests_total HTTP requests by route pattern, method and "
           "status.\n# TYPE mdlgate_http_requests_total counter\n");
    size_t np = mdlg_api_pattern_count();
    for (size_t p = 0; p < N_PATTERNS; p++) {
        if (p >= np && p != MDLG_API_MAX_ROUTES)
            continue;
        const char *label = p == MDLG_API_MAX_ROUTES ? "unmatched" : mdlg_api_pattern_at(p);
        for (size_t m = 0; m < N_METHODS; m++)
            for (size_t s = 0; s < N_STATUSES; s++) {
                unsigned long v = atomic_load_explicit(&g_requests[p][m][s],
                                                       memory_order_relaxed);
                if (v == 0)
                    continue;
                char st[8];
                snprintf(st, sizeof st, "%u", statuses[s]);
                put(o, "mdlgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %lu\n",
                    label, methods[m], statuses[s] ? st : "other", v);
            }
    }
}

static void render_latency(struct out *o)
{
    unsigned long cum = 0;
    put(o, "# HELP mdlgate_verify_duration_seconds Time to verify one presentation "
           "(POST /v1/verify).\n# TYPE mdlgate_verify_duration_seconds histogram\n");
    for (size_t b = 0; b <= N_BUCKETS; b++) {
        cum += atomic_load_explicit(&g_latency[b], memory_order_relaxed);
        if (b < N_BUCKETS)
            put(o, "mdlgate_verify_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b], cum);
        else
            put(o, "mdlgate_verify_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    }
    put(o, "mdlgate_verify_duration_seconds_sum %.6f\n",
        (double)atomic_load_explicit(&g_latency_us_sum, memory_order_relaxed) / 1e6);
    put(o, "mdlgate_verify_duration_seconds_count %lu\n", cum);
}

static void render_verdicts(struct out *o)
{
    put(o, "# HELP mdlgate_verdicts_total Verdicts reached, by outcome.\n"
           "# TYPE mdlgate_verdicts_total counter\n");
    put(o, "mdlgate_verdicts_total{valid=\"true\"} %lu\n", atomic_load(&g_verdicts[1]));
    put(o, "mdlgate_verdicts_total{valid=\"false\"} %lu\n", atomic_load(&g_verdicts[0]));
    put(o, "# HELP mdlgate_verdict_errors_total Error codes found in verdicts.\n"
           "# TYPE mdlgate_verdict_errors_total counter\n");
    for (size_t i = 0; i < mdlg_err_count(); i++) {
        mdlg_err e = mdlg_err_at(i);
        unsigned long v = (unsigned)e < 1000 ? atomic_load(&g_codes[e]) : 0;
        if (v)
            put(o, "mdlgate_verdict_errors_total{code=\"%s\"} %lu\n", mdlg_err_name(e), v);
    }
}

char *mdlg_api_metrics_render(size_t anchors, long in_flight, int64_t reader_not_after,
                              size_t *len)
{
    struct out o = { .cap = 4096 };
    if ((o.buf = malloc(o.cap)) == NULL)
        return NULL;
    render_requests(&o);
    render_latency(&o);
    render_verdicts(&o);
    put(&o, "# HELP mdlgate_http_active_connections Open client connections.\n"
            "# TYPE mdlgate_http_active_connections gauge\n"
            "mdlgate_http_active_connections %ld\n", atomic_load(&g_connections));
    put(&o, "# HELP mdlgate_http_requests_in_flight Requests being received or processed.\n"
            "# TYPE mdlgate_http_requests_in_flight gauge\n"
            "mdlgate_http_requests_in_flight %ld\n", in_flight);
    put(&o, "# HELP mdlgate_trust_anchors Trust anchors in the current snapshot.\n"
            "# TYPE mdlgate_trust_anchors gauge\nmdlgate_trust_anchors %zu\n", anchors);
    if (reader_not_after != 0)   /* alert on it: signed requests stop when it passes */
        put(&o, "# HELP mdlgate_reader_cert_expiry_timestamp_seconds When the reader "
                "certificate (reader_cert_file) expires, Unix time.\n"
                "# TYPE mdlgate_reader_cert_expiry_timestamp_seconds gauge\n"
                "mdlgate_reader_cert_expiry_timestamp_seconds %lld\n",
            (long long)reader_not_after);
    put(&o, "# HELP mdlgate_config_reloads_total Configuration reloads (SIGHUP or a new trust generation) by outcome.\n"
            "# TYPE mdlgate_config_reloads_total counter\n"
            "mdlgate_config_reloads_total{result=\"ok\"} %lu\n"
            "mdlgate_config_reloads_total{result=\"failed\"} %lu\n",
        atomic_load(&g_reloads[1]), atomic_load(&g_reloads[0]));
    if (o.oom) {
        free(o.buf);
        return NULL;
    }
    *len = o.len;
    return o.buf;
}
