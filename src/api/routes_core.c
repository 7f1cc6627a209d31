/*
 * routes_core.c - liveness, readiness, metrics, the OpenAPI document, the
 * coverage page's map and the static files of web/.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "mdlg/reader.h"
#include "mdlg/store.h"

/* ---- readiness: every check must pass ---- */

static bool ready_trust(const struct mdlg_api_req *r, char *detail, size_t len)
{
    if (mdlg_trust_count(r->snap->trust) > 0)
        return true;
    snprintf(detail, len, "no trust anchors loaded");
    return false;
}

/* The request store answers a live round trip. */
static bool ready_store(const struct mdlg_api_req *r, char *detail, size_t len)
{
    struct mdlg_store_info info;
    mdlg_store *st = mdlg_api_store(r);
    mdlg_err e = st ? mdlg_store_info(st, &info) : MDLG_E_STORE_UNAVAILABLE;
    if (e == MDLG_E_OK)
        return true;
    snprintf(detail, len, "request store: %s", mdlg_err_name(e));
    return false;
}

static const mdlg_api_ready_fn ready_checks[] = { ready_trust, ready_store };

bool mdlg_api_ready(const struct mdlg_api_req *r, char *detail, size_t len)
{
    for (size_t i = 0; i < sizeof ready_checks / sizeof ready_checks[0]; i++)
        if (!ready_checks[i](r, detail, len))
            return false;
    return true;
}

static void get_healthz(struct mdlg_api_req *r)
{
    mdlg_api_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void get_readyz(struct mdlg_api_req *r)
{
    char detail[256] = "";
    if (!mdlg_api_ready(r, detail, sizeof detail)) {
        mdlg_api_reply_error(r, MDLG_E_NOT_READY, "%s", detail);
        return;
    }
    mdlg_api_reply_json(r, 200, json_pack("{s:s, s:I}", "status", "ready", "trust_anchors",
                                          (json_int_t)mdlg_trust_count(r->snap->trust)));
}

static void get_metrics(struct mdlg_api_req *r)
{
    size_t len = 0;
    char *text = mdlg_api_metrics_render(mdlg_trust_count(r->snap->trust),
                                         mdlg_api_server_in_flight(r->srv),
                                         r->snap->reader ? r->snap->reader->not_after : 0, &len);
    if (text == NULL) {
        mdlg_api_reply_error(r, MDLG_E_NO_MEMORY, "out of memory");
        return;
    }
    mdlg_api_reply_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

/* ---- static files ---- */

static const struct { const char *ext, *type; } content_types[] = {
    { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" }, { ".yaml", "application/yaml; charset=utf-8" },
    { ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
    { ".webp", "image/webp" }, { ".ico", "image/x-icon" }, { ".txt", "text/plain; charset=utf-8" },
    { ".woff2", "font/woff2" }, { ".map", "application/json" }, { ".cbor", "application/cbor" },
};

static const char *content_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof content_types / sizeof content_types[0]; i++)
        if (strcmp(dot, content_types[i].ext) == 0)
            return content_types[i].type;
    return NULL;
}

/*
 * A servable relative path: segments of [A-Za-z0-9._-], none empty or
 * starting with '.', at most 200 bytes, with a known extension.
 */
static bool safe_path(const char *rel)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/";
    if (strlen(rel) > 200 || strspn(rel, ok) != strlen(rel) || content_type_of(rel) == NULL)
        return false;
    for (const char *p = rel; *p; p += strcspn(p, "/"), p += *p == '/') {
        if (*p == '/' || *p == '.' || *p == '\0')
            return false;
    }
    return true;
}

static void serve_file(struct mdlg_api_req *r, const char *rel)
{
    char path[MDLG_API_PATH_MAX + 256];
    struct stat st;
    if (!safe_path(rel)) {
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such file");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", r->snap->cfg.web_dir, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "no such file");
        return;
    }
    mdlg_api_reply_fd(r, 200, content_type_of(rel), fd, (uint64_t)st.st_size);
}

static void get_static(struct mdlg_api_req *r)
{
    const char *rel = r->path + 1;
    if (*rel == '\0')
        rel = "index.html";
    serve_file(r, rel);
}

static void get_openapi(struct mdlg_api_req *r)
{
    serve_file(r, "openapi.yaml");
}

/* The coverage page's map, compiled in (usmap.c); 404 when this build has none. */
static void get_usmap(struct mdlg_api_req *r)
{
    size_t len;
    const char *map = mdlg_api_usmap(&len);
    if (map == NULL) {
        mdlg_api_reply_error(r, MDLG_E_NOT_FOUND, "this build has no map (npm us-atlas was "
                             "unavailable when it was built)");
        return;
    }
    mdlg_api_reply_static(r, 200, "application/json", map, len);
}

static const struct mdlg_api_route routes[] = {
    { "GET", "/healthz", 0, get_healthz },
    { "GET", "/readyz", 0, get_readyz },
    { "GET", "/metrics", 0, get_metrics },
    { "GET", "/openapi.yaml", 0, get_openapi },
    { "GET", "/us-map.json", 0, get_usmap },
    { "GET", "/*", MDLG_ROUTE_PREFIX, get_static },   /* web/ - keep last */
};

const struct mdlg_api_route_group mdlg_api_routes_core = {
    "core", routes, sizeof routes / sizeof routes[0],
};
