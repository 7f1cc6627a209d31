/*
 * sync.c - `mdlgate trust sync`: every manifest root from a mirror
 * directory or its fetch URL, accepted only when its SHA-256 equals the pin,
 * written as one complete new generation and swapped in (trustset.c).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mdlg/limits.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

/* Largest file read from a mirror or a URL. */
#define MAX_FETCH (1024u * 1024u)

struct sync_ctx {
    const struct mdlg_sync_opts *o;
    struct mdlg__certs mirror;  /* every certificate found in the mirror directory */
    struct mdlg__set set;
};

const char *mdlg_sync_status_name(enum mdlg_sync_status s)
{
    static const char *const n[] = { "added", "unchanged", "mismatched", "expired",
                                      "unreachable", "skipped" };
    return (unsigned)s < MDLG_SYNC_STATUS_COUNT ? n[s] : "unknown";
}

static bool cert_file_name(const char *name)
{
    static const char *const exts[] = { ".pem", ".crt", ".cer", ".der" };
    size_t n = strlen(name);
    for (size_t i = 0; i < 4; i++)
        if (n > 4 && strcasecmp(name + n - 4, exts[i]) == 0)
            return true;
    return false;
}

/* Reads every certificate file of the mirror directory into ctx->mirror. */
static mdlg_err index_mirror(struct sync_ctx *c)
{
    DIR *d = opendir(c->o->mirror_dir);
    if (d == NULL)
        return MDLG_E_IO;
    struct dirent *de;
    mdlg_err e = MDLG_E_OK;
    while (e == MDLG_E_OK && (de = readdir(d)) != NULL) {
        char path[PATH_MAX];
        uint8_t *buf = NULL;
        size_t len = 0;
        struct mdlg__certs one;
        if (de->d_name[0] == '.' || !cert_file_name(de->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", c->o->mirror_dir, de->d_name);
        if (mdlg__read_file(path, MAX_FETCH, &buf, &len) != MDLG_E_OK)
            continue;
        e = mdlg__certs_from_blob(buf, len, &one);
        for (size_t i = 0; e == MDLG_E_OK && i < one.n; i++) {
            void *a = realloc(c->mirror.c, (c->mirror.n + 1) * sizeof *c->mirror.c);
            if (a == NULL) {
                e = MDLG_E_NO_MEMORY;
                break;
            }
            c->mirror.c = a;
            c->mirror.c[c->mirror.n++] = one.c[i];
            one.c[i].der = NULL;
        }
        mdlg__certs_free(&one);
        free(buf);
    }
    closedir(d);
    return e;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Certificates offered for root r: from the mirror or its fetch URL. */
static enum mdlg_sync_status obtain(struct sync_ctx *c, const struct mdlg_manifest_root *r,
                                    struct mdlg__certs *got, const char **why)
{
    memset(got, 0, sizeof *got);
    if (c->o->mirror_dir != NULL) {
        long i = mdlg__certs_find(&c->mirror, r->sha256);
        if (i >= 0)
            return MDLG_SYNC_ADDED;   /* found; the caller reads it from the index */
        if (file_exists(c->o->mirror_dir, r->mirror))
            return *why = "mirror file does not hold the pinned certificate", MDLG_SYNC_MISMATCHED;
        return *why = "not in the mirror directory", MDLG_SYNC_UNREACHABLE;
    }
    if (r->fetch[0] == '\0')
        return *why = "no fetch URL (published on a page or in the VICAL)", MDLG_SYNC_UNREACHABLE;
    uint8_t *buf = NULL;
    size_t len = 0;
    long cms = c->o->connect_timeout_ms > 0 ? c->o->connect_timeout_ms : 3000;
    long tms = c->o->total_timeout_ms > 0 ? c->o->total_timeout_ms : 15000;
    if (mdlg__fetch_url(r->fetch, MAX_FETCH, cms, tms, &buf, &len, why) != MDLG_E_OK)
        return MDLG_SYNC_UNREACHABLE;
    mdlg_err e = mdlg__certs_from_blob(buf, len, got);
    free(buf);
    if (e != MDLG_E_OK || got->n == 0)
        return *why = "response holds no certificate", MDLG_SYNC_MISMATCHED;
    if (mdlg__certs_find(got, r->sha256) < 0)
        return *why = "response does not hold the pinned certificate", MDLG_SYNC_MISMATCHED;
    return MDLG_SYNC_ADDED;
}

/* Is `name` in the generation in force, holding exactly the pinned certificate? */
static bool in_force(const struct sync_ctx *c, const char *sub, const char *name,
                     const uint8_t pin[32])
{
    size_t len = 0;
    struct mdlg__certs cur;
    uint8_t *buf = mdlg__set_read_cur(&c->set, sub, name, &len);
    bool same = false;
    if (buf != NULL && mdlg__certs_from_blob(buf, len, &cur) == MDLG_E_OK) {
        same = cur.n == 1 && memcmp(cur.c[0].sha256, pin, 32) == 0;
        mdlg__certs_free(&cur);
    }
    free(buf);
    return same;
}

static const char *skip_reason(const struct sync_ctx *c, const struct mdlg_manifest_root *r)
{
    if (r->status == MDLG_ROOT_RETIRED)
        return "status retired";
    if (r->status == MDLG_ROOT_UNVERIFIED)
        return "status unverified";
    if (r->status == MDLG_ROOT_TEST && !c->o->with_test)
        return "test root (install with --with-test)";
    return NULL;
}

/* The DER to install for r (from the mirror index or the fetched set). */
static const struct mdlg__certs *source_of(struct sync_ctx *c, struct mdlg__certs *got)
{
    return c->o->mirror_dir != NULL ? &c->mirror : got;
}

static mdlg_err install(struct sync_ctx *c, const struct mdlg_manifest *m,
                        const struct mdlg_manifest_root *r, const struct mdlg__certs *src,
                        struct mdlg_sync_root *res)
{
    const char *sub = r->use == MDLG_USE_VICAL_ANCHOR ? ".vical" : m->jurisdiction;
    char name[80];
    snprintf(name, sizeof name, "%s.pem", r->id);
    long i = mdlg__certs_find(src, r->sha256);
    int64_t nb = 0, na = 0;
    if (i < 0 || !mdlg__der_info(src->c[i].der, src->c[i].len, &nb, &na))
        return MDLG_E_INTERNAL;
    if (c->o->now > na) {
        res->status = MDLG_SYNC_EXPIRED;
        res->detail = "certificate expired";
        return MDLG_E_OK;
    }
    res->status = in_force(c, sub, name, r->sha256) ? MDLG_SYNC_UNCHANGED : MDLG_SYNC_ADDED;
    mdlg_err e = mdlg__set_put(&c->set, sub, name, src->c[i].der, src->c[i].len);
    if (e == MDLG_E_OK && r->use == MDLG_USE_IACA)
        e = mdlg__sync_crl(c->o, &c->set, sub, r, src->c[i].der, src->c[i].len, res);
    return e;
}

/* The CRL in force for a root whose certificate was kept. */
static mdlg_err carry_crl(struct sync_ctx *c, const char *sub, const struct mdlg_manifest_root *r,
                          struct mdlg_sync_root *res)
{
    char name[80];
    size_t len = 0;
    snprintf(name, sizeof name, "%s.crl", r->id);
    uint8_t *buf = mdlg__set_read_cur(&c->set, sub, name, &len);
    mdlg_err e = buf != NULL ? mdlg__set_put_raw(&c->set, sub, name, buf, len) : MDLG_E_OK;
    res->crl = buf != NULL ? MDLG_SYNC_CRL_KEPT : MDLG_SYNC_CRL_NONE;
    free(buf);
    return e;
}

/* A failed root keeps the copy in force if that copy still matches the pin. */
static mdlg_err keep_previous(struct sync_ctx *c, const struct mdlg_manifest *m,
                              const struct mdlg_manifest_root *r, struct mdlg_sync_root *res)
{
    const char *sub = r->use == MDLG_USE_VICAL_ANCHOR ? ".vical" : m->jurisdiction;
    char name[80];
    size_t len = 0;
    struct mdlg__certs cur;
    snprintf(name, sizeof name, "%s.pem", r->id);
    if (!in_force(c, sub, name, r->sha256))
        return MDLG_E_OK;
    uint8_t *buf = mdlg__set_read_cur(&c->set, sub, name, &len);
    mdlg_err e = buf ? mdlg__certs_from_blob(buf, len, &cur) : MDLG_E_IO;
    free(buf);
    if (e != MDLG_E_OK)
        return e;
    int64_t nb = 0, na = 0;
    if (cur.n == 1 && mdlg__der_info(cur.c[0].der, cur.c[0].len, &nb, &na) && c->o->now <= na) {
        e = mdlg__set_put(&c->set, sub, name, cur.c[0].der, cur.c[0].len);
        res->kept_previous = e == MDLG_E_OK;
        if (e == MDLG_E_OK && r->use == MDLG_USE_IACA)
            e = carry_crl(c, sub, r, res);
    }
    mdlg__certs_free(&cur);
    return e;
}

static mdlg_err sync_root(struct sync_ctx *c, const struct mdlg_manifest *m,
                          const struct mdlg_manifest_root *r, struct mdlg_sync_root *res)
{
    memset(res, 0, sizeof *res);
    mdlg__strlcpy(res->jurisdiction, m->jurisdiction, sizeof res->jurisdiction);
    mdlg__strlcpy(res->id, r->id, sizeof res->id);
    if ((res->detail = skip_reason(c, r)) != NULL) {
        res->status = MDLG_SYNC_SKIPPED;
        return MDLG_E_OK;
    }
    struct mdlg__certs got;
    res->status = obtain(c, r, &got, &res->detail);
    mdlg_err e = res->status == MDLG_SYNC_ADDED ? install(c, m, r, source_of(c, &got), res)
                                                 : keep_previous(c, m, r, res);
    mdlg__certs_free(&got);
    return e;
}

static bool keep_vical_imports(const char *j, const char *name)
{
    return j[0] != '.' && strncmp(name, "vical-", 6) == 0;
}

/* Carries the VICAL imports (and their state file) into the new generation. */
static mdlg_err carry_vical(struct sync_ctx *c)
{
    mdlg_err e = mdlg__set_carry(&c->set, keep_vical_imports);
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (e != MDLG_E_OK || c->set.cur[0] == '\0')
        return e;
    if ((size_t)snprintf(path, sizeof path, "%s/.vical-state", c->set.cur) >= sizeof path)
        return MDLG_E_USAGE;
    if (mdlg__read_file(path, 256, &buf, &len) == MDLG_E_OK)
        e = mdlg__set_put_text(&c->set, ".vical-state", (const char *)buf);
    free(buf);
    return e;
}

static mdlg_err sync_all(struct sync_ctx *c, const struct mdlg_manifest *m, size_t nm,
                         struct mdlg_sync_report *out)
{
    size_t total = 0;
    for (size_t i = 0; i < nm; i++)
        total += m[i].n;
    out->roots = calloc(total ? total : 1, sizeof *out->roots);
    if (out->roots == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err e = MDLG_E_OK;
    for (size_t i = 0; i < nm && e == MDLG_E_OK; i++)
        for (size_t k = 0; k < m[i].n && e == MDLG_E_OK; k++)
            e = sync_root(c, &m[i], &m[i].roots[k], &out->roots[out->n++]);
    if (e == MDLG_E_OK)
        e = carry_vical(c);
    return e == MDLG_E_OK ? mdlg__sync_status_lists(c->o, &c->set, m, nm, out) : e;
}

mdlg_err mdlg_trust_sync(const struct mdlg_sync_opts *o, struct mdlg_sync_report *out)
{
    if (o == NULL || out == NULL || o->lists_dir == NULL || o->trust_dir == NULL ||
        (o->n_status_lists > 0 && o->status_lists == NULL))
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    struct sync_ctx c = { .o = o };
    struct mdlg_manifest *m = NULL;
    size_t nm = 0;
    mdlg_err e = mdlg_manifest_load_all(o->lists_dir, &m, &nm, NULL, NULL);
    if (e == MDLG_E_OK && o->mirror_dir != NULL)
        e = index_mirror(&c);
    if (e == MDLG_E_OK)
        e = mdlg__set_begin(&c.set, o->trust_dir);
    if (e == MDLG_E_OK) {
        char gen[PATH_MAX];
        mdlg__strlcpy(gen, c.set.gen, sizeof gen);
        e = sync_all(&c, m, nm, out);
        e = e == MDLG_E_OK ? mdlg__set_commit(&c.set) : (mdlg__set_abort(&c.set), e);
        const char *slash = strrchr(gen, '/');
        mdlg__strlcpy(out->generation, slash ? slash + 1 : gen, sizeof out->generation);
    }
    mdlg__certs_free(&c.mirror);
    mdlg_manifest_free_all(m, nm);
    return e;
}

void mdlg_sync_report_free(struct mdlg_sync_report *r)
{
    if (r == NULL)
        return;
    free(r->roots);
    r->roots = NULL;
    r->n = 0;
    free(r->lists);
    r->lists = NULL;
    r->n_lists = 0;
}
