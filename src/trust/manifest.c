/*
 * manifest.c - trust-lists/<J>/manifest: a line format of "key: value"
 * records (trust-lists/README.md). '#' starts a comment line; `root:` opens
 * a root record; every other key belongs to the record above it, except
 * `status_list:` lines, which belong to the manifest and come before the
 * first root. Unknown keys and repeated keys are errors, so a typo never
 * drops a field.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mdlg/mdoc.h"
#include "mdlg/trustlist.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

struct mparse {
    struct mdlg_manifest *m;
    struct mdlg_manifest_root *cur;
    uint32_t seen;              /* keys seen in the current root (bit per key) */
    const char *why;
};

enum { K_SHA256, K_SUBJECT, K_NOT_BEFORE, K_NOT_AFTER, K_STATUS, K_VICAL, K_USE, K_SOURCE,
       K_FETCH, K_CRL, K_MIRROR, K_NOTE, K_COUNT };
static const char *const key_names[K_COUNT] = {
    "sha256", "subject", "not_before", "not_after", "status", "vical", "use", "source",
    "fetch", "crl", "mirror", "note",
};
#define REQUIRED ((1u << K_SHA256) | (1u << K_SUBJECT) | (1u << K_NOT_BEFORE) | \
                  (1u << K_NOT_AFTER) | (1u << K_STATUS) | (1u << K_VICAL) | (1u << K_SOURCE))

const char *mdlg_root_status_name(enum mdlg_root_status s)
{
    static const char *const n[] = { "production", "test", "retired", "unverified" };
    return (unsigned)s < 4 ? n[s] : "unknown";
}

const char *mdlg_root_vical_name(enum mdlg_root_vical v)
{
    static const char *const n[] = { "unknown", "yes", "no" };
    return (unsigned)v < 3 ? n[v] : "unknown";
}

static int lookup(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

/* 64 hex digits, optionally separated by ':' (as openssl prints them). */
static bool parse_sha256(const char *v, uint8_t out[32])
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = v; *p; p++) {
        if (*p == ':' && hi < 0)
            continue;
        if (!isxdigit((unsigned char)*p) || n == 32)
            return false;
        int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
        if (hi < 0) {
            hi = d;
        } else {
            out[n++] = (uint8_t)(hi << 4 | d);
            hi = -1;
        }
    }
    return n == 32 && hi < 0;
}

static bool parse_time(const char *v, int64_t *t)
{
    bool frac;
    return mdlg_parse_rfc3339(mdlg_bytes_make(v, strlen(v)), false, t, &frac) == MDLG_E_OK;
}

static bool is_url(const char *v)
{
    return strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0;
}

/* A file name without '/' and not starting with '.'. */
static bool is_file_name(const char *v)
{
    return v[0] != '\0' && v[0] != '.' && strchr(v, '/') == NULL;
}

static bool set_str(char *dst, size_t cap, const char *v)
{
    return mdlg__strlcpy(dst, v, cap);
}

/* Applies one "key: value" to the current root; false with p->why set. */
static bool root_field(struct mparse *p, int k, const char *v)
{
    static const char *const status[] = { "production", "test", "retired", "unverified" };
    static const char *const vical[] = { "unknown", "yes", "no" };
    static const char *const use[] = { "iaca", "vical-anchor" };
    struct mdlg_manifest_root *r = p->cur;
    int i = 0;
    bool ok = true;
    switch (k) {
    case K_SHA256: ok = parse_sha256(v, r->sha256); break;
    case K_SUBJECT: ok = v[0] && set_str(r->subject, sizeof r->subject, v); break;
    case K_NOT_BEFORE: ok = parse_time(v, &r->not_before); break;
    case K_NOT_AFTER: ok = parse_time(v, &r->not_after); break;
    case K_STATUS: ok = (i = lookup(v, status, 4)) >= 0; r->status = i; break;
    case K_VICAL: ok = (i = lookup(v, vical, 3)) >= 0; r->vical = i; break;
    case K_USE: ok = (i = lookup(v, use, 2)) >= 0; r->use = i; break;
    case K_SOURCE: ok = is_url(v) && set_str(r->source, sizeof r->source, v); break;
    case K_FETCH: ok = is_url(v) && set_str(r->fetch, sizeof r->fetch, v); break;
    case K_CRL: ok = is_url(v) && set_str(r->crl, sizeof r->crl, v); break;
    case K_MIRROR: ok = is_file_name(v) && set_str(r->mirror, sizeof r->mirror, v); break;
    case K_NOTE: ok = set_str(r->note, sizeof r->note, v); break;
    }
    if (!ok)
        p->why = "bad value";
    return ok;
}

/* True for [A-Za-z0-9._-]+ not starting with '.'. */
static bool is_id(const char *v, size_t cap)
{
    size_t n = strlen(v);
    if (n == 0 || n >= cap || v[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
            return false;
    return true;
}

/* Checks the record just finished: required keys, id unique, window sane. */
static bool root_close(struct mparse *p)
{
    if (p->cur == NULL)
        return true;
    struct mdlg_manifest_root *r = p->cur;
    if ((p->seen & REQUIRED) != REQUIRED)
        return p->why = "root lacks a required key", false;
    if (r->not_after <= r->not_before)
        return p->why = "not_after is not after not_before", false;
    for (size_t i = 0; i + 1 < p->m->n; i++)
        if (strcmp(p->m->roots[i].id, r->id) == 0 ||
            memcmp(p->m->roots[i].sha256, r->sha256, 32) == 0)
            return p->why = "root id or sha256 repeated", false;
    if (r->mirror[0] == '\0')
        snprintf(r->mirror, sizeof r->mirror, "%s.pem", r->id);
    p->cur = NULL;
    return true;
}

static bool root_open(struct mparse *p, const char *v)
{
    if (!root_close(p))
        return false;
    if (p->m->jurisdiction[0] == '\0')
        return p->why = "jurisdiction must come first", false;
    if (p->m->n == MDLG_MANIFEST_MAX_ROOTS)
        return p->why = "too many roots", false;
    if (!is_id(v, sizeof p->cur->id))
        return p->why = "bad root id", false;
    if (p->m->n % 16 == 0) {
        void *a = realloc(p->m->roots, (p->m->n + 16) * sizeof *p->m->roots);
        if (a == NULL)
            return p->why = "out of memory", false;
        p->m->roots = a;
    }
    p->cur = &p->m->roots[p->m->n++];
    memset(p->cur, 0, sizeof *p->cur);
    mdlg__strlcpy(p->cur->id, v, sizeof p->cur->id);
    p->seen = 0;
    return true;
}

/* `status_list: URI`: an http(s) URL, before the first root, not repeated. */
static bool status_list_add(struct mparse *p, const char *v)
{
    struct mdlg_manifest *m = p->m;
    if (m->jurisdiction[0] == '\0' || m->n > 0)
        return p->why = "status_list must come after jurisdiction and before the first root", false;
    if (!is_url(v) || strlen(v) >= MDLG_MANIFEST_URL_MAX)
        return p->why = "status_list is not an http(s) URL", false;
    if (m->n_status_lists == MDLG_MANIFEST_MAX_STATUS_LISTS)
        return p->why = "too many status lists", false;
    for (size_t i = 0; i < m->n_status_lists; i++)
        if (strcmp(m->status_lists[i], v) == 0)
            return p->why = "status_list repeated", false;
    if (m->n_status_lists % 8 == 0) {
        void *a = realloc(m->status_lists, (m->n_status_lists + 8) * sizeof *m->status_lists);
        if (a == NULL)
            return p->why = "out of memory", false;
        m->status_lists = a;
    }
    mdlg__strlcpy(m->status_lists[m->n_status_lists++], v, MDLG_MANIFEST_URL_MAX);
    return true;
}

static bool line_kv(struct mparse *p, const char *key, const char *v)
{
    if (strcmp(key, "jurisdiction") == 0) {
        if (p->m->jurisdiction[0] != '\0' || p->cur != NULL)
            return p->why = "jurisdiction repeated or after a root", false;
        if (!is_id(v, sizeof p->m->jurisdiction))
            return p->why = "bad jurisdiction", false;
        return mdlg__strlcpy(p->m->jurisdiction, v, sizeof p->m->jurisdiction);
    }
    if (strcmp(key, "root") == 0)
        return root_open(p, v);
    if (strcmp(key, "status_list") == 0)
        return status_list_add(p, v);
    int k = lookup(key, key_names, K_COUNT);
    if (k < 0)
        return p->why = "unknown key", false;
    if (p->cur == NULL)
        return p->why = "key outside a root record", false;
    if (p->seen & (1u << k))
        return p->why = "key repeated", false;
    p->seen |= 1u << k;
    return root_field(p, k, v);
}

/* One line (NUL-terminated, no newline). */
static bool parse_line(struct mparse *p, char *line)
{
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        line[--n] = '\0';
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0' || *s == '#')
        return true;
    char *colon = strchr(s, ':');
    if (colon == NULL || colon == s)
        return p->why = "expected 'key: value'", false;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return line_kv(p, s, v);
}

static mdlg_err fail(struct mdlg_diag *diag, size_t line, const char *why)
{
    if (diag != NULL) {
        diag->code = MDLG_E_TRUST_MANIFEST_MALFORMED;
        diag->offset = line;
        diag->path = why;
    }
    return MDLG_E_TRUST_MANIFEST_MALFORMED;
}

mdlg_err mdlg_manifest_parse(const char *text, size_t len, struct mdlg_manifest *out,
                             struct mdlg_diag *diag)
{
    if (out == NULL || (text == NULL && len > 0))
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    if (len > MDLG_MANIFEST_MAX_BYTES)
        return MDLG_E_LIMIT_BODY_SIZE;
    struct mparse p = { .m = out };
    char line[1024];
    size_t lineno = 0, i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        if (j - i >= sizeof line || memchr(text + i, '\0', j - i) != NULL)
            return fail(diag, lineno, "line too long or holds NUL");
        memcpy(line, text + i, j - i);
        line[j - i] = '\0';
        if (!parse_line(&p, line))
            return fail(diag, lineno, p.why);
        i = j + 1;
    }
    if (!root_close(&p))
        return fail(diag, lineno, p.why);
    if (out->jurisdiction[0] == '\0')
        return fail(diag, lineno, "no jurisdiction");
    return MDLG_E_OK;
}

void mdlg_manifest_free(struct mdlg_manifest *m)
{
    if (m == NULL)
        return;
    free(m->roots);
    m->roots = NULL;
    m->n = 0;
    free(m->status_lists);
    m->status_lists = NULL;
    m->n_status_lists = 0;
}

mdlg_err mdlg_manifest_load(const char *path, struct mdlg_manifest *out, struct mdlg_diag *diag)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    uint8_t *buf = NULL;
    mdlg_err e = mdlg__read_file(path, MDLG_MANIFEST_MAX_BYTES, &buf, &len);
    if (e == MDLG_E_OK)
        e = mdlg_manifest_parse((const char *)buf, len, out, diag);
    free(buf);
    return e;
}

static int manifest_dir(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Loads dir/name/manifest into *m; its jurisdiction must be `name`. */
static mdlg_err load_one(const char *dir, const char *name, struct mdlg_manifest *m,
                         char **bad_path, struct mdlg_diag *diag)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/manifest", dir, name);
    memset(m, 0, sizeof *m);
    mdlg_err e = stat(path, &st) == 0 ? mdlg_manifest_load(path, m, diag) : MDLG_E_IO;
    if (e == MDLG_E_OK && strcmp(m->jurisdiction, name) != 0)
        e = fail(diag, 1, "jurisdiction differs from the directory name");
    if (e != MDLG_E_OK && bad_path != NULL)
        *bad_path = strdup(path);
    return e;
}

mdlg_err mdlg_manifest_load_all(const char *lists_dir, struct mdlg_manifest **out, size_t *n,
                                char **bad_path, struct mdlg_diag *diag)
{
    struct dirent **list = NULL;
    *out = NULL;
    *n = 0;
    int k = scandir(lists_dir, &list, manifest_dir, alphasort);
    if (k < 0)
        return MDLG_E_IO;
    mdlg_err e = MDLG_E_OK;
    struct mdlg_manifest *m = calloc(k > 0 ? (size_t)k : 1, sizeof *m);
    if (m == NULL)
        e = MDLG_E_NO_MEMORY;
    for (int i = 0; i < k; i++) {
        char sub[4096];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", lists_dir, list[i]->d_name);
        if (e == MDLG_E_OK && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            e = load_one(lists_dir, list[i]->d_name, &m[(*n)++], bad_path, diag);
        free(list[i]);
    }
    free(list);
    if (e != MDLG_E_OK) {
        mdlg_manifest_free_all(m, *n);
        *n = 0;
        return e;
    }
    *out = m;
    return MDLG_E_OK;
}

void mdlg_manifest_free_all(struct mdlg_manifest *m, size_t n)
{
    for (size_t i = 0; m != NULL && i < n; i++)
        mdlg_manifest_free(&m[i]);
    free(m);
}
