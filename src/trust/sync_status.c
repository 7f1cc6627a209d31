/*
 * sync_status.c - `trust sync` fetches the IETF Token Status Lists named by
 * the manifests (`status_list:` lines) and by the caller, verifies each one
 * as the verifier will, and writes it into the new generation's .status/
 * (see trustlist.h for the layout), with an index for `trust list`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mdlg/limits.h"
#include "mdlg/statuslist.h"
#include "mdlg/statussource.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

#define STATUS_SUB ".status"
#define INDEX_NAME "index.tsv"
#define INDEX_LINE_MAX (MDLG_MANIFEST_URL_MAX + 128)

struct status_ctx {
    const struct mdlg_sync_opts *o;
    struct mdlg__set *set;
    struct mdlg_sync_report *out;
    char *index;                /* index.tsv being built (heap) */
    size_t index_len;
};

const char *mdlg_sync_list_status_name(enum mdlg_sync_list_status s)
{
    static const char *const n[] = { "added", "unchanged", "refused", "unreachable" };
    return (unsigned)s < MDLG_SYNC_LIST_STATUS_COUNT ? n[s] : "unknown";
}

static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Every *.pem of <gen>/<sub>/ into t as a "_status" anchor (a missing dir adds nothing). */
static mdlg_err add_dir(mdlg_trust *t, const char *gen, const char *sub)
{
    char dir[PATH_MAX];
    struct dirent **list = NULL;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", gen, sub) >= sizeof dir)
        return MDLG_E_USAGE;
    int n = scandir(dir, &list, visible, alphasort);
    mdlg_err e = MDLG_E_OK;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        size_t len = strlen(list[i]->d_name);
        if (e == MDLG_E_OK && len > 4 && strcasecmp(list[i]->d_name + len - 4, ".pem") == 0 &&
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name) < sizeof path)
            e = mdlg_trust_add_file(t, path, "_status");
        free(list[i]);
    }
    free(list);
    return e;
}

/* Anchors a list may chain to: j's roots and _status anchors; every root for j == "". */
static mdlg_err anchors_for(const struct mdlg__set *set, const char *j, mdlg_trust **out)
{
    mdlg_trust *t = mdlg_trust_new();
    struct dirent **list = NULL;
    mdlg_err e = t == NULL ? MDLG_E_NO_MEMORY : MDLG_E_OK;
    if (e == MDLG_E_OK && j[0] != '\0') {
        e = add_dir(t, set->gen, j);
        if (e == MDLG_E_OK && strcmp(j, "_status") != 0)
            e = add_dir(t, set->gen, "_status");
    } else if (e == MDLG_E_OK) {
        int n = scandir(set->gen, &list, visible, alphasort);
        for (int i = 0; i < n; i++) {
            if (e == MDLG_E_OK)
                e = add_dir(t, set->gen, list[i]->d_name);
            free(list[i]);
        }
        free(list);
    }
    if (e != MDLG_E_OK)
        mdlg_trust_free(t), t = NULL;
    *out = t;
    return e;
}

/* The token bytes from the mirror or the URI; the outcome if that failed, else ADDED. */
static enum mdlg_sync_list_status obtain(const struct mdlg_sync_opts *o, struct mdlg_sync_list *r,
                                         uint8_t **buf, size_t *len)
{
    mdlg_err e;
    if (o->mirror_dir != NULL) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", o->mirror_dir, r->file) >= sizeof path)
            return r->detail = "mirror path too long", MDLG_SYNC_LIST_UNREACHABLE;
        e = mdlg__read_file(path, MDLG_MAX_STATUS_TOKEN, buf, len);
        r->detail = e == MDLG_E_OK ? NULL : "not in the mirror directory";
    } else {
        long cms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000;
        long tms = o->total_timeout_ms > 0 ? o->total_timeout_ms : 15000;
        e = mdlg__fetch_url(r->uri, MDLG_MAX_STATUS_TOKEN, cms, tms, buf, len, &r->detail);
    }
    if (e == MDLG_E_LIMIT_BODY_SIZE) {
        r->err = MDLG_E_STATUS_LIST_TOO_LARGE;
        r->detail = "token larger than the limit (1 MiB)";
        return MDLG_SYNC_LIST_REFUSED;
    }
    return e == MDLG_E_OK ? MDLG_SYNC_LIST_ADDED : MDLG_SYNC_LIST_UNREACHABLE;
}

/* Verifies a token for r->uri at now; on OK sets r->iat and r->expires. */
static mdlg_err check_token(mdlg_trust *t, const uint8_t *buf, size_t len, int64_t now,
                            struct mdlg_sync_list *r, const char **why)
{
    struct mdlg_status_list l;
    struct mdlg_bytes uri = mdlg_bytes_make(r->uri, strlen(r->uri));
    mdlg_err e = mdlg_status_list_verify(buf, len, uri, t, NULL, now, &l, why);
    if (e == MDLG_E_OK) {
        int64_t by_ttl = l.ttl != 0 ? l.iat + l.ttl : 0;
        r->iat = l.iat;
        r->expires = l.exp != 0 && (by_ttl == 0 || l.exp < by_ttl) ? l.exp : by_ttl;
    }
    mdlg_status_list_free(&l);
    return e;
}

/* Writes the token into .status/ and its line into the index. */
static mdlg_err keep(struct status_ctx *c, const struct mdlg_sync_list *r, const uint8_t *buf,
                     size_t len)
{
    mdlg_err e = mdlg__set_put_raw(c->set, STATUS_SUB, r->file, buf, len);
    if (e != MDLG_E_OK)
        return e;
    char *a = realloc(c->index, c->index_len + INDEX_LINE_MAX);
    if (a == NULL)
        return MDLG_E_NO_MEMORY;
    c->index = a;
    int n = snprintf(a + c->index_len, INDEX_LINE_MAX, "%s\t%s\t%s\t%lld\t%lld\n", r->file,
                     r->jurisdiction[0] ? r->jurisdiction : "-", r->uri, (long long)r->iat,
                     (long long)r->expires);
    c->index_len += n > 0 && n < INDEX_LINE_MAX ? (size_t)n : 0;
    return MDLG_E_OK;
}

/* After a failure: the token in force is kept if it still verifies at now. */
static mdlg_err keep_previous(struct status_ctx *c, mdlg_trust *t, struct mdlg_sync_list *r)
{
    size_t len = 0;
    const char *why = NULL;
    struct mdlg_sync_list tmp = *r;
    uint8_t *buf = mdlg__set_read_cur(c->set, STATUS_SUB, r->file, &len);
    mdlg_err e = MDLG_E_OK;
    if (buf != NULL && check_token(t, buf, len, c->o->now, &tmp, &why) == MDLG_E_OK) {
        r->kept_previous = true;
        r->iat = tmp.iat;
        r->expires = tmp.expires;
        e = keep(c, r, buf, len);
    }
    free(buf);
    return e;
}

/* A fetched token: verified, compared with the one in force, kept. */
static mdlg_err accept(struct status_ctx *c, mdlg_trust *t, struct mdlg_sync_list *r,
                       const uint8_t *buf, size_t len)
{
    mdlg_err e = check_token(t, buf, len, c->o->now, r, &r->detail);
    if (e != MDLG_E_OK) {
        r->status = MDLG_SYNC_LIST_REFUSED;
        r->err = e;
        if (r->detail != NULL && strncmp(r->detail, "signer does not chain", 21) == 0)
            r->detail = r->jurisdiction[0] ? "signer does not chain to a root of this "
                                             "jurisdiction or a _status anchor"
                                           : "signer does not chain to any root of the set";
        return keep_previous(c, t, r);
    }
    size_t clen = 0;
    uint8_t *cur = mdlg__set_read_cur(c->set, STATUS_SUB, r->file, &clen);
    r->status = cur != NULL && clen == len && memcmp(cur, buf, len) == 0
                    ? MDLG_SYNC_LIST_UNCHANGED : MDLG_SYNC_LIST_ADDED;
    free(cur);
    return keep(c, r, buf, len);
}

static bool already_listed(const struct mdlg_sync_report *out, const char *file)
{
    for (size_t i = 0; i < out->n_lists; i++)
        if (strcmp(out->lists[i].file, file) == 0)
            return true;
    return false;
}

/* One list of jurisdiction j ("" for the caller's). A name seen before is skipped. */
static mdlg_err sync_list(struct status_ctx *c, const char *j, const char *uri)
{
    char file[21];
    mdlg_status_cache_name(uri, strlen(uri), file);
    if (already_listed(c->out, file))
        return MDLG_E_OK;
    struct mdlg_sync_list *r = &c->out->lists[c->out->n_lists];
    memset(r, 0, sizeof *r);
    if (!mdlg__strlcpy(r->uri, uri, sizeof r->uri))
        return MDLG_E_USAGE;
    mdlg__strlcpy(r->jurisdiction, j, sizeof r->jurisdiction);
    memcpy(r->file, file, sizeof r->file);
    c->out->n_lists++;
    mdlg_trust *t = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    mdlg_err e = anchors_for(c->set, j, &t);
    if (e == MDLG_E_OK && (r->status = obtain(c->o, r, &buf, &len)) == MDLG_SYNC_LIST_ADDED)
        e = accept(c, t, r, buf, len);
    else if (e == MDLG_E_OK)
        e = keep_previous(c, t, r);
    free(buf);
    mdlg_trust_free(t);
    return e;
}

static bool is_http_url(const char *v)
{
    return strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0;
}

mdlg_err mdlg__sync_status_lists(const struct mdlg_sync_opts *o, struct mdlg__set *set,
                                 const struct mdlg_manifest *m, size_t nm,
                                 struct mdlg_sync_report *out)
{
    size_t total = o->n_status_lists;
    for (size_t i = 0; i < nm; i++)
        total += m[i].n_status_lists;
    for (size_t i = 0; i < o->n_status_lists; i++)
        if (o->status_lists[i] == NULL || !is_http_url(o->status_lists[i]))
            return MDLG_E_USAGE;
    if (total == 0)
        return MDLG_E_OK;
    if ((out->lists = calloc(total, sizeof *out->lists)) == NULL)
        return MDLG_E_NO_MEMORY;
    struct status_ctx c = { .o = o, .set = set, .out = out };
    mdlg_err e = MDLG_E_OK;
    for (size_t i = 0; i < nm && e == MDLG_E_OK; i++)
        for (size_t k = 0; k < m[i].n_status_lists && e == MDLG_E_OK; k++)
            e = sync_list(&c, m[i].jurisdiction, m[i].status_lists[k]);
    for (size_t i = 0; i < o->n_status_lists && e == MDLG_E_OK; i++)
        e = sync_list(&c, "", o->status_lists[i]);
    if (e == MDLG_E_OK && c.index_len > 0)
        e = mdlg__set_put_raw(set, STATUS_SUB, INDEX_NAME, (const uint8_t *)c.index, c.index_len);
    free(c.index);
    return e;
}
