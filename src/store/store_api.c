/* see mdlg/store.h - the backend-neutral half: checks, ids, sealing, retention */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/store_internal.h"
#include "store/url.h"

struct mdlg_store {
    const struct mdlg__store_ops *ops;
    void *impl;
    struct mdlg__store_cfg cfg;
    uint8_t key[MDLG_STORE_KEY_SIZE];   /* seals reader keys */
};

#define ID_BYTES 24
#define NONCE_BYTES 32
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

const char *mdlg_request_state_name(enum mdlg_request_state s)
{
    switch (s) {
    case MDLG_REQUEST_PENDING: return "pending";
    case MDLG_REQUEST_COMPLETED: return "completed";
    case MDLG_REQUEST_EXPIRED: return "expired";
    }
    return NULL;
}

void mdlg_request_wipe(struct mdlg_request *r)
{
    if (r != NULL)
        sodium_memzero(r, sizeof *r);
}

/* ---- open / close ---- */

static struct mdlg__store_cfg resolve_cfg(const struct mdlg_store_options *o)
{
    static const struct mdlg_store_options none;
    if (o == NULL)
        o = &none;
    struct mdlg__store_cfg c = {
        .pool_size = o->pool_size ? o->pool_size : MDLG_STORE_DEFAULT_POOL,
        .busy_timeout_ms = o->busy_timeout_ms ? o->busy_timeout_ms : MDLG_STORE_DEFAULT_BUSY_MS,
        .elements_retention_s = o->elements_retention_s > 0
                                    ? o->elements_retention_s
                                    : MDLG_STORE_DEFAULT_ELEMENTS_RETENTION,
        .keep_elements_after_read = o->keep_elements_after_read,
        .record_retention_s = o->record_retention_s > 0 ? o->record_retention_s
                                                        : MDLG_STORE_DEFAULT_RECORD_RETENTION,
        .max_schema_version = o->max_schema_version,
    };
    return c;
}

/* Chooses the backend by the URL's scheme. */
static mdlg_err backend_open(const char *url, const struct mdlg__store_cfg *cfg, int64_t now,
                             const struct mdlg__store_ops **ops, void **impl)
{
    if (mdlg__url_is_postgres(url))
        return mdlg__pg_open(url, cfg, now, ops, impl);
    const char *path = mdlg__url_sqlite_path(url);
    if (path == NULL)
        return MDLG_E_STORE_UNSUPPORTED;
    return mdlg__sqlite_open(path, cfg, now, ops, impl);
}

mdlg_err mdlg_store_open(const char *url, const struct mdlg_store_options *opt, int64_t now,
                         mdlg_store **out)
{
    if (url == NULL || out == NULL || (opt != NULL && opt->pool_size > 64))
        return MDLG_E_USAGE;
    *out = NULL;
    const char *path = mdlg__url_sqlite_path(url);
    if (path != NULL && *path == '\0')
        return MDLG_E_USAGE;
    if (sodium_init() < 0)
        return MDLG_E_CRYPTO_INTERNAL;
    mdlg_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MDLG_E_NO_MEMORY;
    s->cfg = resolve_cfg(opt);
    if (opt != NULL && opt->secret_key != NULL)
        memcpy(s->key, opt->secret_key, sizeof s->key);
    else
        randombytes_buf(s->key, sizeof s->key);
    mdlg_err err = backend_open(url, &s->cfg, now, &s->ops, &s->impl);
    if (err != MDLG_E_OK) {
        sodium_memzero(s->key, sizeof s->key);
        free(s);
        return err;
    }
    *out = s;
    return MDLG_E_OK;
}

void mdlg_store_close(mdlg_store *s)
{
    if (s == NULL)
        return;
    s->ops->close(s->impl);
    sodium_memzero(s->key, sizeof s->key);
    free(s);
}

/* ---- reader keys, sealed under the server key with the id as AD ---- */

static mdlg_err seal_key(const mdlg_store *s, const char *id, struct mdlg_bytes key,
                         struct mdlg__sealed *out)
{
    out->len = 0;
    if (key.len == 0)
        return MDLG_E_OK;
    uint8_t *npub = out->buf;
    randombytes_buf(npub, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    uint8_t *c = out->buf + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, key.ptr, key.len,
                                                   (const uint8_t *)id, strlen(id), NULL,
                                                   npub, s->key) != 0)
        return MDLG_E_CRYPTO_INTERNAL;
    out->len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    return MDLG_E_OK;
}

static mdlg_err open_key(const mdlg_store *s, const char *id, const struct mdlg__sealed *in,
                         struct mdlg_request *out)
{
    out->reader_key_len = 0;
    if (in->len == 0)
        return MDLG_E_OK;
    if (in->len < MDLG__SEAL_OVERHEAD || in->len > MDLG__SEALED_MAX)
        return MDLG_E_STORE_CORRUPT;
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out->reader_key, &mlen, NULL, in->buf + nb,
                                                   in->len - nb, (const uint8_t *)id,
                                                   strlen(id), in->buf, s->key) != 0)
        return MDLG_E_STORE_KEY;
    out->reader_key_len = (size_t)mlen;
    return MDLG_E_OK;
}

/* ---- requests ---- */

static void random_b64(char *out, size_t out_size, size_t nbytes)
{
    uint8_t raw[NONCE_BYTES];
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, out_size, raw, nbytes, B64);
    sodium_memzero(raw, sizeof raw);
}

/* Optional strings are NULL or text up to max bytes; required ones non-empty. */
static mdlg_err check_str(const char *v, size_t max, bool required)
{
    if (v == NULL || *v == '\0')
        return required ? MDLG_E_USAGE : MDLG_E_OK;
    return strnlen(v, max + 1) > max ? MDLG_E_LIMIT_STRING_SIZE : MDLG_E_OK;
}

static mdlg_err check_params(const struct mdlg_request_params *p)
{
    const struct { const char *v; size_t max; bool req; } f[] = {
        { p->protocol, MDLG_STORE_PROTOCOL_MAX, true },
        { p->doctype, MDLG_STORE_DOCTYPE_MAX, true },
        { p->elements_json, MDLG_STORE_ELEMENTS_MAX, true },
        { p->origin, MDLG_STORE_ORIGIN_MAX, false },
        { p->client_id, MDLG_STORE_CLIENT_ID_MAX, false },
        { p->response_uri, MDLG_STORE_RESPONSE_URI_MAX, false },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        mdlg_err e = check_str(f[i].v, f[i].max, f[i].req);
        if (e != MDLG_E_OK)
            return e;
    }
    if (p->reader_key.len > MDLG_STORE_READER_KEY_MAX)
        return MDLG_E_LIMIT_STRING_SIZE;
    if (p->reader_key.len > 0 && p->reader_key.ptr == NULL)
        return MDLG_E_USAGE;
    return p->expires_at > p->created_at ? MDLG_E_OK : MDLG_E_USAGE;
}

static const char *or_empty(const char *s) { return s != NULL ? s : ""; }

mdlg_err mdlg_store_request_create(mdlg_store *s, const struct mdlg_request_params *p,
                                   char id_out[MDLG_STORE_ID_LEN + 1],
                                   char nonce_out[MDLG_STORE_NONCE_LEN + 1])
{
    if (s == NULL || p == NULL || id_out == NULL || nonce_out == NULL)
        return MDLG_E_USAGE;
    mdlg_err err = check_params(p);
    struct mdlg__sealed key;
    /* 192 random bits: a collision is not expected; retry a couple of times anyway. */
    for (int attempt = 0; err == MDLG_E_OK && attempt < 3; attempt++) {
        random_b64(id_out, MDLG_STORE_ID_LEN + 1, ID_BYTES);
        random_b64(nonce_out, MDLG_STORE_NONCE_LEN + 1, NONCE_BYTES);
        err = seal_key(s, id_out, p->reader_key, &key);
        if (err != MDLG_E_OK)
            break;
        struct mdlg__request_row row = {
            id_out, nonce_out, p->protocol, p->doctype, p->elements_json,
            or_empty(p->origin), or_empty(p->client_id), or_empty(p->response_uri),
            mdlg_bytes_make(key.buf, key.len), p->created_at, p->expires_at,
        };
        err = s->ops->request_insert(s->impl, &row);
        if (err != MDLG_E_STORE_CONFLICT)
            break;
    }
    sodium_memzero(&key, sizeof key);
    return err;
}

/* A well-formed id has exactly the length and alphabet create() produces. */
static bool id_ok(const char *id)
{
    if (id == NULL || strnlen(id, MDLG_STORE_ID_LEN + 1) != MDLG_STORE_ID_LEN)
        return false;
    for (const char *c = id; *c; c++) {
        bool ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* Applies `now` to a stored row and opens its key (only while it is usable). */
static mdlg_err finish_read(const mdlg_store *s, const char *id, int64_t now,
                            const struct mdlg__sealed *key, struct mdlg_request *out)
{
    if (out->state == MDLG_REQUEST_PENDING && out->expires_at <= now)
        out->state = MDLG_REQUEST_EXPIRED;
    if (out->state != MDLG_REQUEST_PENDING) {
        out->reader_key_len = 0;
        return MDLG_E_OK;
    }
    return open_key(s, id, key, out);
}

mdlg_err mdlg_store_request_get(mdlg_store *s, const char *id, int64_t now,
                                struct mdlg_request *out)
{
    if (s == NULL || out == NULL)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    struct mdlg__sealed key = { .len = 0 };
    mdlg_err err = s->ops->request_get(s->impl, id, out, &key);
    if (err == MDLG_E_OK)
        err = finish_read(s, id, now, &key, out);
    sodium_memzero(&key, sizeof key);
    if (err != MDLG_E_OK)
        mdlg_request_wipe(out);
    return err;
}

mdlg_err mdlg_store_request_consume(mdlg_store *s, const char *id, int64_t now,
                                    struct mdlg_request *out)
{
    if (s == NULL || out == NULL)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    struct mdlg__sealed key = { .len = 0 };
    mdlg_err err = s->ops->request_consume(s->impl, id, now, out, &key);
    if (err == MDLG_E_OK)
        err = open_key(s, id, &key, out);   /* the row as it was: pending */
    sodium_memzero(&key, sizeof key);
    if (err != MDLG_E_OK) {
        mdlg_request_wipe(out);
        return err;
    }
    out->state = MDLG_REQUEST_COMPLETED;
    out->completed_at = now;
    return MDLG_E_OK;
}

/* ---- verdicts ---- */

mdlg_err mdlg_store_verdict_put(mdlg_store *s, const char *id, const char *full_json,
                                const char *redacted_json, int64_t now)
{
    if (s == NULL || redacted_json == NULL)
        return MDLG_E_USAGE;
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    if (strnlen(redacted_json, MDLG_STORE_VERDICT_MAX + 1) > MDLG_STORE_VERDICT_MAX ||
        (full_json != NULL &&
         strnlen(full_json, MDLG_STORE_VERDICT_MAX + 1) > MDLG_STORE_VERDICT_MAX))
        return MDLG_E_LIMIT_STRING_SIZE;
    int64_t until = full_json != NULL ? now + s->cfg.elements_retention_s : now;
    return s->ops->verdict_put(s->impl, id, full_json, redacted_json, now, until);
}

mdlg_err mdlg_store_verdict_get(mdlg_store *s, const char *id, int64_t now, char **json_out,
                                bool *redacted_out)
{
    if (s == NULL || json_out == NULL || redacted_out == NULL)
        return MDLG_E_USAGE;
    *json_out = NULL;
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    struct mdlg__verdict v = { NULL, NULL };
    bool take = !s->cfg.keep_elements_after_read;
    mdlg_err err = s->ops->verdict_get(s->impl, id, now, take, &v);
    if (err != MDLG_E_OK)
        return err;
    *redacted_out = v.full == NULL;
    *json_out = v.full != NULL ? v.full : v.redacted;
    if (v.full != NULL)
        free(v.redacted);
    return *json_out != NULL ? MDLG_E_OK : MDLG_E_STORE_CORRUPT;
}

/* ---- housekeeping ---- */

mdlg_err mdlg_store_purge(mdlg_store *s, int64_t now, struct mdlg_store_purge_stats *stats)
{
    if (s == NULL)
        return MDLG_E_USAGE;
    struct mdlg_store_purge_stats local;
    memset(&local, 0, sizeof local);
    mdlg_err err = s->ops->purge(s->impl, now, now - s->cfg.record_retention_s, &local);
    if (stats != NULL)
        *stats = local;
    return err;
}

mdlg_err mdlg_store_info(mdlg_store *s, struct mdlg_store_info *out)
{
    if (s == NULL || out == NULL)
        return MDLG_E_USAGE;
    memset(out, 0, sizeof *out);
    out->backend = s->ops->name;
    out->pool_size = s->cfg.pool_size;
    return s->ops->info(s->impl, out);
}

mdlg_err mdlg_store_screening_put(mdlg_store *s, const char *id, struct mdlg_bytes rec)
{
    if (s == NULL || rec.ptr == NULL || rec.len == 0)
        return MDLG_E_USAGE;
    if (rec.len > MDLG_STORE_SCREENING_MAX)
        return MDLG_E_LIMIT_STRING_SIZE;
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    return s->ops->screening_put(s->impl, id, rec);
}

mdlg_err mdlg_store_screening_get(mdlg_store *s, const char *id, int64_t now,
                                  enum mdlg_request_state *state,
                                  uint8_t out[MDLG_STORE_SCREENING_MAX], size_t *len)
{
    int64_t expires_at = 0;
    if (s == NULL || state == NULL || out == NULL || len == NULL)
        return MDLG_E_USAGE;
    *len = 0;
    if (!id_ok(id))
        return MDLG_E_STORE_NOT_FOUND;
    mdlg_err err = s->ops->screening_get(s->impl, id, state, &expires_at, out,
                                         MDLG_STORE_SCREENING_MAX, len);
    if (err == MDLG_E_OK && *state == MDLG_REQUEST_PENDING && expires_at <= now)
        *state = MDLG_REQUEST_EXPIRED;
    if (err != MDLG_E_OK || *state != MDLG_REQUEST_COMPLETED)
        *len = 0;
    return err;
}
