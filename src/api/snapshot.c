/*
 * snapshot.c - immutable, reference-counted configuration + trust set.
 * see api/api.h and api_internal.h
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "mdlg/crypto.h"
#include "mdlg/screen.h"
#include "mdlg/statussource.h"

static mdlg_err load_trust(const struct mdlg_api_config *c, mdlg_trust *t, char *errbuf,
                           size_t errlen)
{
    mdlg_err e;
    for (size_t i = 0; i < c->n_anchors; i++)
        if ((e = mdlg_trust_add_file(t, c->anchors[i], NULL)) != MDLG_E_OK) {
            snprintf(errbuf, errlen, "anchor %s: %s", c->anchors[i], mdlg_err_name(e));
            return e;
        }
    if (c->trust_dir[0] && (e = mdlg_trust_load_dir(t, c->trust_dir)) != MDLG_E_OK) {
        snprintf(errbuf, errlen, "trust dir %s: %s", c->trust_dir, mdlg_err_name(e));
        return e;
    }
    return MDLG_E_OK;
}

mdlg_err mdlg_api_snapshot_new(const struct mdlg_api_config *c, mdlg_api_snapshot **out,
                               char *errbuf, size_t errlen)
{
    mdlg_api_snapshot *s = calloc(1, sizeof *s);
    if (s == NULL || (s->trust = mdlg_trust_new()) == NULL) {
        free(s);
        snprintf(errbuf, errlen, "out of memory");
        return MDLG_E_NO_MEMORY;
    }
    atomic_init(&s->refs, 1);
    s->cfg = *c;
    mdlg_err e = load_trust(c, s->trust, errbuf, errlen);
    if (e == MDLG_E_OK)
        e = mdlg_api_snapshot_reader(s, c, errbuf, errlen);
    if (e == MDLG_E_OK && (s->status = mdlg_status_files_new()) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK && c->trust_dir[0] &&
        (e = mdlg_status_files_set_dir(s->status, c->trust_dir)) != MDLG_E_OK)
        snprintf(errbuf, errlen, "out of memory");
    if (e != MDLG_E_OK) {
        mdlg_api_snapshot_release(s);
        return e;
    }
    *out = s;
    return MDLG_E_OK;
}

void mdlg_api_snapshot_set_screener(mdlg_api_snapshot *s, struct mdlg_screener *scr)
{
    mdlg_screener_free(s->screener);
    s->screener = scr;
}

mdlg_api_snapshot *mdlg_api_snapshot_ref(mdlg_api_snapshot *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void mdlg_api_snapshot_release(mdlg_api_snapshot *s)
{
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    mdlg_screener_free(s->screener);
    mdlg_trust_free(s->trust);
    mdlg_status_files_free(s->status);
    mdlg_api_snapshot_reader_free(s);
    sodium_memzero(s->cfg.key_hashes, sizeof s->cfg.key_hashes);
    free(s);
}

void mdlg_api_verify_opts(const mdlg_api_snapshot *s, struct mdlg_verify_opts *o,
                          struct mdlg_status_source *status)
{
    *status = mdlg_status_files_source(s->status);
    *o = (struct mdlg_verify_opts){
        .now = time(NULL),
        .policy = s->cfg.policy,
        .use_chain_cache = true,
        .clock_skew = s->cfg.clock_skew,
        .trust = s->trust,
        .revocation = s->cfg.revocation,
        .status_source = status,
    };
}

const struct mdlg_api_config *mdlg_api_snapshot_config(const mdlg_api_snapshot *s)
{
    return &s->cfg;
}

size_t mdlg_api_snapshot_anchor_count(const mdlg_api_snapshot *s)
{
    return mdlg_trust_count(s->trust);
}

bool mdlg_api_snapshot_key_ok(const mdlg_api_snapshot *s, const char *key, size_t len)
{
    uint8_t h[32];
    int found = 0;
    if (mdlg_sha256((const uint8_t *)key, len, h) != MDLG_E_OK)
        return false;
    /* every configured hash is compared, so timing does not tell which one matched */
    for (size_t i = 0; i < s->cfg.n_keys; i++)
        found |= sodium_memcmp(h, s->cfg.key_hashes[i], sizeof h) == 0;
    sodium_memzero(h, sizeof h);
    return found != 0;
}

bool mdlg_api_snapshot_origin_ok(const mdlg_api_snapshot *s, const char *origin)
{
    for (size_t i = 0; i < s->cfg.n_origins; i++)
        if (strcmp(s->cfg.origins[i], origin) == 0 || strcmp(s->cfg.origins[i], "*") == 0)
            return true;
    return false;
}
