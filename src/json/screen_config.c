/* see mdlg/screen.h - the screening configuration file (JSON) and environment */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mdlg/screen.h"

#define KEY_FILE_MAX 256

struct cfg_ctx {
    struct mdlg_screen_config *c;
    char dir[MDLG_SCREEN_URL_MAX];    /* the file's directory, "" for the cwd */
    char *err;
    size_t errlen;
};

static mdlg_err fail(struct cfg_ctx *x, mdlg_err e, const char *what, const char *why)
{
    snprintf(x->err, x->errlen, "%s: %s", what, why);
    return e;
}

/* dir/rel unless rel is absolute. */
static void resolve(const struct cfg_ctx *x, const char *rel, char *out, size_t n)
{
    if (rel[0] == '/' || x->dir[0] == '\0')
        snprintf(out, n, "%s", rel);
    else
        if (snprintf(out, n, "%s/%s", x->dir, rel) >= (int)n)
            out[0] = '\0';   /* too long: opening "" fails */
}

static mdlg_err read_key_file(struct cfg_ctx *x, const char *path, uint8_t id,
                              struct mdlg_ident_key *out)
{
    uint8_t buf[KEY_FILE_MAX];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fail(x, MDLG_E_LEDGER_KEY_INVALID, "keys", "a key file cannot be read");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    mdlg_err e = mdlg_ident_key_parse(buf, n, id, out);
    sodium_memzero(buf, sizeof buf);
    return e == MDLG_E_OK ? e : fail(x, e, "keys", "a key file does not hold 32 bytes or 64 hex");
}

static mdlg_err load_keys(struct cfg_ctx *x, json_t *v)
{
    size_t i;
    json_t *k;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MDLG_SCREEN_MAX_KEYS)
        return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, "keys", "an array of 1..4 {id, file}");
    x->c->n_keys = 0;
    json_array_foreach(v, i, k) {
        json_t *id = json_object_get(k, "id"), *file = json_object_get(k, "file");
        char path[MDLG_SCREEN_URL_MAX + 64];
        if (!json_is_integer(id) || json_integer_value(id) < 1 || json_integer_value(id) > 255 ||
            !json_is_string(file) || json_object_size(k) != 2)
            return fail(x, MDLG_E_LEDGER_KEY_INVALID, "keys", "each is {\"id\": 1..255, \"file\"}");
        resolve(x, json_string_value(file), path, sizeof path);
        mdlg_err e = read_key_file(x, path, (uint8_t)json_integer_value(id), &x->c->keys[i]);
        if (e != MDLG_E_OK)
            return e;
        x->c->n_keys = i + 1;
    }
    return MDLG_E_OK;
}

/* A positive integer member in [lo, hi]. */
static bool uint_in(json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return false;
    *out = json_integer_value(v);
    return true;
}

static mdlg_err load_signal(struct cfg_ctx *x, const char *name, json_t *v)
{
    int s = mdlg_signal_from_name(name);
    const char *key;
    json_t *m;
    if (s < 0 || !json_is_object(v))
        return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, name, "unknown signal or not an object");
    struct mdlg_signal_cfg *c = &x->c->sig[s];
    json_object_foreach(v, key, m) {
        int64_t n = 0;
        if (strcmp(key, "hard") == 0 && json_is_boolean(m))
            c->hard = json_is_true(m);
        else if (strcmp(key, "weight") == 0 && uint_in(m, 0, 100, &n))
            c->weight = (uint32_t)n;
        else if (strcmp(key, "threshold") == 0 && uint_in(m, 1, 1000000, &n))
            c->threshold = (uint32_t)n;
        else if (strcmp(key, "window_days") == 0 && uint_in(m, 1, 3650, &n))
            c->window_s = n * 86400;
        else if (strcmp(key, "window_hours") == 0 && uint_in(m, 1, 87600, &n))
            c->window_s = n * 3600;
        else
            return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, name, "unknown member or out of range");
    }
    return MDLG_E_OK;
}

static mdlg_err load_retention_by_type(struct cfg_ctx *x, json_t *v)
{
    const char *key;
    json_t *m;
    if (!json_is_object(v))
        return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, "retention_days_by_type", "an object");
    json_object_foreach(v, key, m) {
        int t = (int)mdlg_ident_type_from_name(key);
        int64_t d = 0;
        if (t == 0 || !uint_in(m, 1, 36500, &d))
            return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, "retention_days_by_type", key);
        x->c->retention_by_type_s[t] = d * 86400;
    }
    return MDLG_E_OK;
}

static mdlg_err load_member(struct cfg_ctx *x, const char *key, json_t *v)
{
    int64_t n = 0;
    if (strcmp(key, "keys") == 0)
        return load_keys(x, v);
    if (strcmp(key, "ledger") == 0 && json_is_string(v)) {
        const char *u = json_string_value(v);
        if (strstr(u, "://") != NULL || strncmp(u, "sqlite:", 7) == 0 || u[0] == '/')
            snprintf(x->c->ledger_url, sizeof x->c->ledger_url, "%s", u);
        else
            resolve(x, u, x->c->ledger_url, sizeof x->c->ledger_url);
        return MDLG_E_OK;
    }
    if (strcmp(key, "retention_days") == 0 && uint_in(v, 1, 36500, &n))
        return x->c->retention_s = n * 86400, MDLG_E_OK;
    if (strcmp(key, "review_threshold") == 0 && uint_in(v, 1, 100, &n))
        return x->c->review_threshold = (uint32_t)n, MDLG_E_OK;
    if (strcmp(key, "retention_days_by_type") == 0)
        return load_retention_by_type(x, v);
    if (strcmp(key, "signals") == 0 && json_is_object(v)) {
        const char *name;
        json_t *m;
        json_object_foreach(v, name, m) {
            mdlg_err e = load_signal(x, name, m);
            if (e != MDLG_E_OK)
                return e;
        }
        return MDLG_E_OK;
    }
    return fail(x, MDLG_E_SCREEN_CONFIG_INVALID, key, "unknown member, wrong type or out of range");
}

mdlg_err mdlg_screen_config_load(struct mdlg_screen_config *c, const char *path, char *errbuf,
                                 size_t errlen)
{
    json_error_t je;
    struct cfg_ctx x = { .c = c, .err = errbuf, .errlen = errlen };
    const char *slash = strrchr(path, '/');
    if (slash != NULL)
        snprintf(x.dir, sizeof x.dir, "%.*s", (int)(slash - path), path);
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return fail(&x, je.line <= 0 ? MDLG_E_IO : MDLG_E_SCREEN_CONFIG_INVALID, path, je.text);
    mdlg_err e = json_is_object(root) ? MDLG_E_OK
               : fail(&x, MDLG_E_SCREEN_CONFIG_INVALID, path, "not a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (e == MDLG_E_OK)
            e = load_member(&x, key, v);
    }
    json_decref(root);
    return e;
}

/* One "ID:HEX" entry of MDLGATE_LEDGER_KEY. */
static mdlg_err env_key(const char *s, size_t n, struct mdlg_ident_key *out)
{
    const char *colon = memchr(s, ':', n);
    char idbuf[8];
    if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof idbuf)
        return MDLG_E_LEDGER_KEY_INVALID;
    memcpy(idbuf, s, (size_t)(colon - s));
    idbuf[colon - s] = '\0';
    char *end;
    long id = strtol(idbuf, &end, 10);
    if (*end != '\0' || id < 1 || id > 255)
        return MDLG_E_LEDGER_KEY_INVALID;
    return mdlg_ident_key_parse((const uint8_t *)colon + 1, n - (size_t)(colon + 1 - s),
                                (uint8_t)id, out);
}

mdlg_err mdlg_screen_config_apply_env(struct mdlg_screen_config *c, char *errbuf, size_t errlen)
{
    const char *url = getenv("MDLGATE_LEDGER_URL"), *keys = getenv("MDLGATE_LEDGER_KEY");
    if (url != NULL && *url)
        snprintf(c->ledger_url, sizeof c->ledger_url, "%s", url);
    if (keys == NULL || *keys == '\0')
        return MDLG_E_OK;
    c->n_keys = 0;
    while (*keys) {
        size_t n = strcspn(keys, ",");
        if (c->n_keys == MDLG_SCREEN_MAX_KEYS || env_key(keys, n, &c->keys[c->n_keys]) != MDLG_E_OK) {
            snprintf(errbuf, errlen, "MDLGATE_LEDGER_KEY: expected ID:HEX64[,ID:HEX64...] "
                                     "(at most %d)", MDLG_SCREEN_MAX_KEYS);
            return MDLG_E_LEDGER_KEY_INVALID;
        }
        c->n_keys++;
        keys += n + (keys[n] == ',');
    }
    return MDLG_E_OK;
}
