/* see mdlg/ledger.h - the backend-neutral half: checks, ids, backend choice */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/ledger_internal.h"
#include "store/url.h"

struct mdlg_ledger {
    const struct mdlg__ledger_ops *ops;
    void *impl;
    struct mdlg__ledger_group group;
};

mdlg_err mdlg_ledger_open(const char *url, const struct mdlg_ledger_options *opt, int64_t now,
                          mdlg_ledger **out)
{
    struct mdlg_ledger_options o = { 0 };
    if (url == NULL || out == NULL || (opt != NULL && opt->pool_size > 64))
        return MDLG_E_USAGE;
    *out = NULL;
    if (opt != NULL)
        o = *opt;
    o.pool_size = o.pool_size ? o.pool_size : 4;
    o.busy_timeout_ms = o.busy_timeout_ms ? o.busy_timeout_ms : 5000;
    const char *path = mdlg__url_sqlite_path(url);
    if (path == NULL && !mdlg__url_is_postgres(url))
        return MDLG_E_STORE_UNSUPPORTED;
    if (path != NULL && *path == '\0')
        return MDLG_E_USAGE;
    if (sodium_init() < 0)
        return MDLG_E_CRYPTO_INTERNAL;
    mdlg_ledger *l = calloc(1, sizeof *l);
    if (l == NULL)
        return MDLG_E_NO_MEMORY;
    mdlg_err err = path != NULL ? mdlg__ledger_sqlite_open(path, &o, now, &l->ops, &l->impl)
                                : mdlg__ledger_pg_open(url, &o, now, &l->ops, &l->impl);
    if (err != MDLG_E_OK) {
        free(l);
        return err;
    }
    mdlg__ledger_group_init(&l->group);
    *out = l;
    return MDLG_E_OK;
}

void mdlg_ledger_close(mdlg_ledger *l)
{
    if (l == NULL)
        return;
    l->ops->close(l->impl);
    mdlg__ledger_group_destroy(&l->group);
    free(l);
}

const char *mdlg_ledger_backend(const mdlg_ledger *l) { return l->ops->name; }

static bool entry_ok(const struct mdlg_ledger_entry *e)
{
    size_t n = e->claim_id != NULL ? strlen(e->claim_id) : 0;
    if (n == 0 || n > MDLG_LEDGER_CLAIM_ID_MAX || e->n_keys > MDLG_LEDGER_MAX_KEYS ||
        (e->n_keys > 0 && e->keys == NULL) || e->expires_at <= e->created_at ||
        e->n_content > MDLG_LEDGER_CONTENT_MAX)
        return false;
    for (size_t i = 0; i < e->n_keys; i++)
        if (e->keys[i].window_s <= 0 || e->keys[i].velocity_s <= 0)
            return false;
    return true;
}

/*
 * A screening id: 8 base-62 digits of the creation time (ms since 1970; the
 * digits 0-9A-Za-z in ASCII order, so the first is '0' until about 2080 and
 * an id never starts with '-'), then 14 random base64url characters (84
 * bits). Ids sort by creation time, so a new screening row lands at the end
 * of the id index instead of on a random page. The clock only orders rows;
 * no decision reads it.
 */
static void new_id(char out[MDLG_LEDGER_ID_LEN + 1])
{
    static const char base62[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static const char url64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct timespec ts;
    uint8_t r[MDLG_LEDGER_ID_LEN - 8];
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 7; i >= 0; i--, ms /= 62)
        out[i] = base62[ms % 62];
    randombytes_buf(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++)
        out[8 + i] = url64[r[i] & 63];
    out[MDLG_LEDGER_ID_LEN] = '\0';
    sodium_memzero(r, sizeof r);
}

mdlg_err mdlg_ledger_record(mdlg_ledger *l, struct mdlg_ledger_entry *entries, size_t n,
                            mdlg_ledger_decide_fn decide, void *arg)
{
    if (l == NULL || entries == NULL || n == 0 || decide == NULL)
        return MDLG_E_USAGE;
    for (size_t i = 0; i < n; i++) {
        entries[i].result = NULL;
        entries[i].claim = MDLG_LEDGER_CLAIM_NEW;
        if (!entry_ok(&entries[i]))
            return MDLG_E_USAGE;
        new_id(entries[i].id);
    }
    mdlg_err err = mdlg__ledger_group_record(&l->group, l->ops, l->impl, entries, n, decide, arg);
    if (err != MDLG_E_OK)
        for (size_t i = 0; i < n; i++) {
            free(entries[i].result);
            entries[i].result = NULL;
        }
    return err;
}

enum mdlg_ledger_claim mdlg__ledger_claim_compare(const struct mdlg_ledger_entry *e,
                                                  bool stored, unsigned key_id,
                                                  const uint8_t *hash, size_t len)
{
    if (!stored || hash == NULL || len != MDLG_LEDGER_HASH)
        return MDLG_LEDGER_CLAIM_SAME;   /* recorded before content hashes: cannot tell */
    for (size_t i = 0; i < e->n_content; i++)
        if (e->content[i].key_id == key_id)
            return sodium_memcmp(e->content[i].hash, hash, MDLG_LEDGER_HASH) == 0
                       ? MDLG_LEDGER_CLAIM_SAME : MDLG_LEDGER_CLAIM_CONFLICT;
    return MDLG_LEDGER_CLAIM_SAME;       /* hashed under a key no longer configured */
}

/* A well-formed id: MDLG_LEDGER_ID_LEN base64url characters. */
static bool id_ok(const char *id)
{
    if (id == NULL || strlen(id) != MDLG_LEDGER_ID_LEN)
        return false;
    return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           MDLG_LEDGER_ID_LEN;
}

mdlg_err mdlg_ledger_get(mdlg_ledger *l, const char *id, int64_t now, char **result_out,
                         char claim_id_out[MDLG_LEDGER_CLAIM_ID_MAX + 1])
{
    if (l == NULL || result_out == NULL || claim_id_out == NULL)
        return MDLG_E_USAGE;
    *result_out = NULL;
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    return l->ops->get(l->impl, id, now, result_out, claim_id_out);
}

mdlg_err mdlg_ledger_clusters(mdlg_ledger *l, int64_t now, uint16_t type, uint32_t min_claims,
                              struct mdlg_ledger_cluster *out, size_t cap, size_t *n)
{
    if (l == NULL || out == NULL || n == NULL || cap == 0 || cap > 1000)
        return MDLG_E_USAGE;
    *n = 0;
    return l->ops->clusters(l->impl, now, type, min_claims ? min_claims : 2, out, cap, n);
}

mdlg_err mdlg_ledger_purge(mdlg_ledger *l, int64_t now, struct mdlg_ledger_purge_stats *stats)
{
    struct mdlg_ledger_purge_stats none;
    if (l == NULL)
        return MDLG_E_USAGE;
    return l->ops->purge(l->impl, now, stats != NULL ? stats : &none);
}
