/*
 * router.c - the route table: groups of routes, matched in order.
 * see api_internal.h
 *
 * A pattern is a path whose segments are literal or "{name}" (one
 * non-empty segment, captured in order). With MDLG_ROUTE_PREFIX the
 * pattern ends in "*" and matches every path starting with what precedes
 * it; such a route only matches its own method, and only paths no other
 * pattern matched (so an unknown path is a 404 for every method). The first route whose pattern and method match
 * wins; if only the pattern matches, the request gets 405 with the
 * methods that would have matched.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"

/* Route groups, most specific first; the static-file catch-all (core) last. */
static const struct mdlg_api_route_group *const groups[] = {
    &mdlg_api_routes_verify,
    &mdlg_api_routes_requests,
    &mdlg_api_routes_coverage,
    &mdlg_api_routes_screenings,
    &mdlg_api_routes_core,
};

static const struct mdlg_api_route *g_routes[MDLG_API_MAX_ROUTES];
static int g_route_pattern[MDLG_API_MAX_ROUTES];
static size_t g_n_routes;
static const char *g_patterns[MDLG_API_MAX_ROUTES];
static size_t g_n_patterns;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int pattern_index(const char *p)
{
    for (size_t i = 0; i < g_n_patterns; i++)
        if (strcmp(g_patterns[i], p) == 0)
            return (int)i;
    g_patterns[g_n_patterns] = p;
    return (int)g_n_patterns++;
}

static void build_table(void)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; i < groups[g]->n && g_n_routes < MDLG_API_MAX_ROUTES; i++) {
            g_routes[g_n_routes] = &groups[g]->routes[i];
            g_route_pattern[g_n_routes++] = pattern_index(groups[g]->routes[i].pattern);
        }
}

size_t mdlg_api_pattern_count(void)
{
    pthread_once(&g_once, build_table);
    return g_n_patterns;
}

const char *mdlg_api_pattern_at(size_t i)
{
    pthread_once(&g_once, build_table);
    return i < g_n_patterns ? g_patterns[i] : "unmatched";
}

bool mdlg_api_route_needs_key(const struct mdlg_api_route *r)
{
    return strncmp(r->pattern, "/v1/", 4) == 0 && !(r->flags & MDLG_ROUTE_PUBLIC);
}

/* Matches one segment pattern[0..plen) against path[0..len); captures {name}. */
static bool segment_match(const char *pat, size_t plen, const char *seg, size_t len,
                          struct mdlg_api_match *m)
{
    if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
        if (len == 0 || len >= MDLG_API_PARAM_MAX || m->n_params == MDLG_API_MAX_PARAMS)
            return false;
        memcpy(m->params[m->n_params], seg, len);
        m->params[m->n_params++][len] = '\0';
        return true;
    }
    return plen == len && memcmp(pat, seg, len) == 0;
}

static bool path_match(const struct mdlg_api_route *r, const char *path, struct mdlg_api_match *m)
{
    const char *p = r->pattern;
    size_t plen = strlen(p);
    m->n_params = 0;
    if (r->flags & MDLG_ROUTE_PREFIX)
        return plen > 0 && strncmp(path, p, plen - 1) == 0;
    while (*p == '/' && *path == '/') {
        p++, path++;
        size_t a = strcspn(p, "/"), b = strcspn(path, "/");
        if (!segment_match(p, a, path, b, m))
            return false;
        p += a, path += b;
    }
    return *p == '\0' && *path == '\0';
}

static void allow_add(struct mdlg_api_match *m, const char *method)
{
    if (strstr(m->allow, method))
        return;
    size_t n = strlen(m->allow);
    snprintf(m->allow + n, sizeof m->allow - n, "%s%s", n ? ", " : "", method);
}

void mdlg_api_route_match(const char *method, const char *path, struct mdlg_api_match *m)
{
    struct mdlg_api_match tmp;
    pthread_once(&g_once, build_table);
    memset(m, 0, sizeof *m);
    m->route_index = m->pattern_index = -1;
    for (size_t i = 0; i < g_n_routes; i++) {
        bool same = strcmp(g_routes[i]->method, method) == 0 ||
                    (strcmp(method, "HEAD") == 0 && strcmp(g_routes[i]->method, "GET") == 0);
        if (((g_routes[i]->flags & MDLG_ROUTE_PREFIX) && (!same || m->pattern_index >= 0)) ||
            !path_match(g_routes[i], path, &tmp))
            continue;
        if (m->pattern_index < 0)
            m->pattern_index = g_route_pattern[i];
        if (m->route == NULL && same) {
            m->route = g_routes[i];
            m->route_index = (int)i;
            m->pattern_index = g_route_pattern[i];
            memcpy(m->params, tmp.params, tmp.n_params * sizeof tmp.params[0]);
            m->n_params = tmp.n_params;
        }
        allow_add(m, g_routes[i]->method);
        if (strcmp(g_routes[i]->method, "GET") == 0)
            allow_add(m, "HEAD");
    }
}
