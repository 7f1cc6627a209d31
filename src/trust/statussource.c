/* statussource.c - Status List Tokens from files, a cache directory or HTTP(S). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/limits.h"
#include "mdlg/statussource.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

struct status_map_entry {
    char *uri;
    char *path;
};

struct mdlg_status_files {
    struct status_map_entry *e;
    size_t n;
    char *dir;
    bool fetch;
};

mdlg_status_files *mdlg_status_files_new(void)
{
    return calloc(1, sizeof(mdlg_status_files));
}

void mdlg_status_files_free(mdlg_status_files *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].uri);
        free(m->e[i].path);
    }
    free(m->e);
    free(m->dir);
    free(m);
}

mdlg_err mdlg_status_files_add(mdlg_status_files *m, const char *uri, const char *path)
{
    if (m == NULL || uri == NULL || path == NULL || !uri[0] || !path[0])
        return MDLG_E_USAGE;
    struct status_map_entry *e = realloc(m->e, (m->n + 1) * sizeof *e);
    if (e == NULL)
        return MDLG_E_NO_MEMORY;
    m->e = e;
    e[m->n].uri = strdup(uri);
    e[m->n].path = strdup(path);
    if (e[m->n].uri == NULL || e[m->n].path == NULL) {
        free(e[m->n].uri);
        free(e[m->n].path);
        return MDLG_E_NO_MEMORY;
    }
    m->n++;
    return MDLG_E_OK;
}

mdlg_err mdlg_status_files_set_dir(mdlg_status_files *m, const char *dir)
{
    if (m == NULL)
        return MDLG_E_USAGE;
    free(m->dir);
    m->dir = dir ? strdup(dir) : NULL;
    return dir && !m->dir ? MDLG_E_NO_MEMORY : MDLG_E_OK;
}

void mdlg_status_files_set_fetch(mdlg_status_files *m, bool fetch)
{
    if (m != NULL)
        m->fetch = fetch;
}

void mdlg_status_cache_name(const char *uri, size_t len, char out[21])
{
    uint8_t h[32] = { 0 };
    (void)mdlg__sha256((const uint8_t *)uri, len, h);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    memcpy(out + 16, ".cwt", 5);
}

static mdlg_err from_cache_dir(const mdlg_status_files *m, struct mdlg_bytes uri, uint8_t **buf,
                               size_t *len)
{
    char name[21], path[PATH_MAX];
    mdlg_status_cache_name((const char *)uri.ptr, uri.len, name);
    if ((size_t)snprintf(path, sizeof path, "%s/.status/%s", m->dir, name) >= sizeof path)
        return MDLG_E_IO;
    return mdlg__read_file(path, MDLG_MAX_STATUS_TOKEN, buf, len);
}

static mdlg_err files_get(void *ud, struct mdlg_bytes uri, uint8_t **buf, size_t *len)
{
    const mdlg_status_files *m = ud;
    *buf = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->e[i].uri) == uri.len && memcmp(m->e[i].uri, uri.ptr, uri.len) == 0)
            return mdlg__read_file(m->e[i].path, MDLG_MAX_STATUS_TOKEN, buf, len);
    if (m->dir != NULL && from_cache_dir(m, uri, buf, len) == MDLG_E_OK)
        return MDLG_E_OK;
    if (!m->fetch || uri.len >= 2048)
        return MDLG_E_IO;
    char url[2048];
    const char *why = NULL;
    memcpy(url, uri.ptr, uri.len);
    url[uri.len] = '\0';
    if (strlen(url) != uri.len)
        return MDLG_E_IO;   /* an embedded NUL */
    return mdlg__fetch_url(url, MDLG_MAX_STATUS_TOKEN, 2000, 5000, buf, len, &why);
}

struct mdlg_status_source mdlg_status_files_source(mdlg_status_files *m)
{
    return (struct mdlg_status_source){ .get = files_get, .ud = m };
}
