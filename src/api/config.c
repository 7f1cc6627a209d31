/*
 * config.c - defaults, the JSON config file and environment overrides.
 * see api/api.h
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "mdlg/crypto.h"
#include "mdlg/limits.h"

void mdlg_api_config_defaults(struct mdlg_api_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->listen, "127.0.0.1:8080");
    strcpy(c->data_dir, "./var");
    strcpy(c->web_dir, "web");
    c->policy = MDLG_POLICY_STRICT;
    c->revocation = MDLG_REVOCATION_FAIL_OPEN;
    c->max_body = MDLG_MAX_BODY;
    /* libmicrohttpd zeroes the whole pool for every request (keep it small), and pools of
       32 KiB or less come from malloc (the heap grows under many connections): 36 KiB */
    c->conn_memory = 36 * 1024;
    c->conn_limit = 1024;
    c->per_ip_limit = 64;
    c->timeout_s = 15;
    c->drain_s = 30;
    c->trust_watch_s = 5;
    c->log_requests = true;
}

mdlg_err mdlg_api_config_set(char *field, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        return MDLG_E_USAGE;
    memcpy(field, s, n + 1);
    return MDLG_E_OK;
}

mdlg_err mdlg_api_config_add_key(struct mdlg_api_config *c, const char *key)
{
    if (key[0] == '\0' || c->n_keys == MDLG_API_MAX_KEYS)
        return MDLG_E_USAGE;
    mdlg_err e = mdlg_sha256((const uint8_t *)key, strlen(key), c->key_hashes[c->n_keys]);
    if (e == MDLG_E_OK)
        c->n_keys++;
    return e;
}

mdlg_err mdlg_api_config_add_anchor(struct mdlg_api_config *c, const char *path)
{
    if (path[0] == '\0' || c->n_anchors == MDLG_API_MAX_ANCHORS)
        return MDLG_E_USAGE;
    mdlg_err e = mdlg_api_config_set(c->anchors[c->n_anchors], MDLG_API_PATH_MAX, path);
    if (e == MDLG_E_OK)
        c->n_anchors++;
    return e;
}

mdlg_err mdlg_api_config_add_origin(struct mdlg_api_config *c, const char *origin)
{
    if (origin[0] == '\0' || c->n_origins == MDLG_API_MAX_ORIGINS)
        return MDLG_E_USAGE;
    mdlg_err e = mdlg_api_config_set(c->origins[c->n_origins], MDLG_API_ORIGIN_MAX, origin);
    if (e == MDLG_E_OK)
        c->n_origins++;
    return e;
}

/* ---- config file ---- */

struct file_ctx {
    struct mdlg_api_config *c;
    char dir[MDLG_API_PATH_MAX];   /* directory of the file, with a trailing '/', or "" */
    char *err;
    size_t errlen;
};

static mdlg_err fail(struct file_ctx *f, const char *key, const char *why)
{
    snprintf(f->err, f->errlen, "%s: %s", key, why);
    return MDLG_E_USAGE;
}

/* Copies a path member, resolved against the file's directory when relative. */
static mdlg_err set_path(struct file_ctx *f, const char *key, const char *v, char *field)
{
    char buf[MDLG_API_PATH_MAX * 2];
    snprintf(buf, sizeof buf, "%s%s", v[0] == '/' ? "" : f->dir, v);
    if (v[0] == '\0' || mdlg_api_config_set(field, MDLG_API_PATH_MAX, buf) != MDLG_E_OK)
        return fail(f, key, "empty or too long");
    return MDLG_E_OK;
}

static mdlg_err get_uint(struct file_ctx *f, const char *key, json_t *v, uint64_t lo,
                         uint64_t hi, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
        (uint64_t)json_integer_value(v) > hi) {
        char why[96];
        snprintf(why, sizeof why, "must be an integer in [%llu, %llu]", (unsigned long long)lo,
                 (unsigned long long)hi);
        return fail(f, key, why);
    }
    *out = (uint64_t)json_integer_value(v);
    return MDLG_E_OK;
}

static mdlg_err hex32(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64)
        return MDLG_E_USAGE;
    for (size_t i = 0; i < 32; i++) {
        unsigned b;
        if (sscanf(s + 2 * i, "%2x", &b) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
            return MDLG_E_USAGE;
        out[i] = (uint8_t)b;
    }
    return MDLG_E_OK;
}

/* An array of strings, each handed to `add`. */
static mdlg_err each_string(struct file_ctx *f, const char *key, json_t *v,
                            mdlg_err (*add)(struct file_ctx *, const char *, const char *))
{
    size_t i;
    json_t *s;
    if (!json_is_array(v))
        return fail(f, key, "must be an array of strings");
    json_array_foreach(v, i, s) {
        if (!json_is_string(s))
            return fail(f, key, "must be an array of strings");
        mdlg_err e = add(f, key, json_string_value(s));
        if (e != MDLG_E_OK)
            return e;
    }
    return MDLG_E_OK;
}

static mdlg_err add_anchor(struct file_ctx *f, const char *key, const char *s)
{
    struct mdlg_api_config *c = f->c;
    if (c->n_anchors == MDLG_API_MAX_ANCHORS)
        return fail(f, key, "too many entries");
    mdlg_err e = set_path(f, key, s, c->anchors[c->n_anchors]);
    if (e == MDLG_E_OK)
        c->n_anchors++;
    return e;
}

static mdlg_err add_key_hash(struct file_ctx *f, const char *key, const char *s)
{
    struct mdlg_api_config *c = f->c;
    if (c->n_keys == MDLG_API_MAX_KEYS)
        return fail(f, key, "too many entries");
    if (hex32(s, c->key_hashes[c->n_keys]) != MDLG_E_OK)
        return fail(f, key, "each entry must be 64 hex digits (SHA-256 of a key)");
    c->n_keys++;
    return MDLG_E_OK;
}

static mdlg_err add_origin(struct file_ctx *f, const char *key, const char *s)
{
    if (mdlg_api_config_add_origin(f->c, s) != MDLG_E_OK)
        return fail(f, key, "empty, too long or too many entries");
    return MDLG_E_OK;
}

static mdlg_err set_policy(enum mdlg_policy *p, const char *s)
{
    if (strcmp(s, "strict") == 0)
        *p = MDLG_POLICY_STRICT;
    else if (strcmp(s, "lenient") == 0)
        *p = MDLG_POLICY_LENIENT;
    else
        return MDLG_E_USAGE;
    return MDLG_E_OK;
}

/* "fail-open" | "fail-closed" */
static mdlg_err set_revocation(enum mdlg_revocation_policy *p, const char *s)
{
    if (strcmp(s, "fail-open") == 0)
        *p = MDLG_REVOCATION_FAIL_OPEN;
    else if (strcmp(s, "fail-closed") == 0)
        *p = MDLG_REVOCATION_FAIL_CLOSED;
    else
        return MDLG_E_USAGE;
    return MDLG_E_OK;
}

static mdlg_err file_string(struct file_ctx *f, const char *key, json_t *v)
{
    struct mdlg_api_config *c = f->c;
    const char *s = json_string_value(v);
    if (s == NULL)
        return fail(f, key, "must be a string");
    if (strcmp(key, "listen") == 0)
        return mdlg_api_config_set(c->listen, sizeof c->listen, s) ? fail(f, key, "too long")
                                                                    : MDLG_E_OK;
    if (strcmp(key, "policy") == 0)
        return set_policy(&c->policy, s) ? fail(f, key, "must be strict or lenient") : MDLG_E_OK;
    if (strcmp(key, "revocation") == 0)
        return set_revocation(&c->revocation, s) ? fail(f, key, "must be fail-open or fail-closed")
                                                 : MDLG_E_OK;
    if (strcmp(key, "trust_dir") == 0)
        return set_path(f, key, s, c->trust_dir);
    if (strcmp(key, "data_dir") == 0)
        return set_path(f, key, s, c->data_dir);
    if (strcmp(key, "store_key_file") == 0)
        return set_path(f, key, s, c->store_key_file);
    if (strcmp(key, "screening_config") == 0)
        return set_path(f, key, s, c->screening_config);
    if (strcmp(key, "reader_key_file") == 0)
        return set_path(f, key, s, c->reader_key_file);
    if (strcmp(key, "reader_cert_file") == 0)
        return set_path(f, key, s, c->reader_cert_file);
    if (strcmp(key, "reader_client_id_prefix") == 0)
        return strcmp(s, "x509_san_dns") && strcmp(s, "x509_hash")
                   ? fail(f, key, "must be x509_san_dns or x509_hash")
                   : mdlg_api_config_set(c->reader_client_id_prefix,
                                         sizeof c->reader_client_id_prefix, s);
    if (strcmp(key, "store_url") == 0)   /* a URL, taken as it is */
        return mdlg_api_config_set(c->store_url, sizeof c->store_url, s) || s[0] == '\0'
                   ? fail(f, key, "must be a non-empty store URL of at most 1023 bytes")
                   : MDLG_E_OK;
    if (strcmp(key, "public_url") == 0)
        return mdlg_api_config_set(c->public_url, sizeof c->public_url, s) ||
                       (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
                   ? fail(f, key, "must be an http(s) URL of at most 511 bytes")
                   : MDLG_E_OK;
    return set_path(f, key, s, c->web_dir);
}

struct uint_member {
    const char *key;
    uint64_t lo, hi;
    size_t off;          /* offsetof in the config */
    bool is_size;        /* size_t, else unsigned (or int64_t for clock_skew) */
};

#define UM(k, lo, hi, field, sz) { k, lo, hi, offsetof(struct mdlg_api_config, field), sz }
static const struct uint_member uint_members[] = {
    UM("max_body", 1024, 64u * 1024 * 1024, max_body, true),
    UM("connection_memory_limit", 8192, 16u * 1024 * 1024, conn_memory, true),
    UM("threads", 0, 256, threads, false),
    UM("connection_limit", 1, 65536, conn_limit, false),
    UM("per_ip_connection_limit", 0, 65536, per_ip_limit, false),
    UM("connection_timeout", 1, 3600, timeout_s, false),
    UM("drain_timeout", 0, 3600, drain_s, false),
    UM("trust_watch", 0, 3600, trust_watch_s, false),
};

static mdlg_err file_member(struct file_ctx *f, const char *key, json_t *v)
{
    struct mdlg_api_config *c = f->c;
    uint64_t u;
    for (size_t i = 0; i < sizeof uint_members / sizeof uint_members[0]; i++) {
        const struct uint_member *m = &uint_members[i];
        if (strcmp(key, m->key) != 0)
            continue;
        if (get_uint(f, key, v, m->lo, m->hi, &u) != MDLG_E_OK)
            return MDLG_E_USAGE;
        if (m->is_size)
            *(size_t *)((char *)c + m->off) = (size_t)u;
        else
            *(unsigned *)((char *)c + m->off) = (unsigned)u;
        return MDLG_E_OK;
    }
    if (strcmp(key, "clock_skew") == 0) {
        mdlg_err e = get_uint(f, key, v, 0, 86400, &u);
        c->clock_skew = (int64_t)u;
        return e;
    }
    if (strcmp(key, "log_requests") == 0) {
        if (!json_is_boolean(v))
            return fail(f, key, "must be true or false");
        c->log_requests = json_is_true(v);
        return MDLG_E_OK;
    }
    if (strcmp(key, "anchors") == 0)
        return each_string(f, key, v, add_anchor);
    if (strcmp(key, "api_key_sha256") == 0)
        return each_string(f, key, v, add_key_hash);
    if (strcmp(key, "cors_origins") == 0)
        return each_string(f, key, v, add_origin);
    static const char *const strings[] = { "listen", "policy", "revocation", "trust_dir",
                                           "data_dir", "web_dir", "public_url",
                                           "store_key_file", "store_url", "screening_config",
                                           "reader_key_file", "reader_cert_file",
                                           "reader_client_id_prefix" };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strcmp(key, strings[i]) == 0)
            return file_string(f, key, v);
    return fail(f, key, "unknown setting");
}

mdlg_err mdlg_api_config_load_file(struct mdlg_api_config *c, const char *path, char *errbuf,
                                   size_t errlen)
{
    struct file_ctx f = { .c = c, .err = errbuf, .errlen = errlen };
    json_error_t jerr;
    const char *slash = strrchr(path, '/');
    if (slash && (size_t)(slash - path) + 2 < sizeof f.dir)
        memcpy(f.dir, path, (size_t)(slash - path) + 1);
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(errbuf, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return jerr.line < 0 ? MDLG_E_IO : MDLG_E_USAGE;
    }
    mdlg_err e = json_is_object(root) ? MDLG_E_OK : fail(&f, path, "must hold a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (e == MDLG_E_OK)
            e = file_member(&f, key, v);
    }
    json_decref(root);
    if (e == MDLG_E_OK)
        e = mdlg_api_config_set(c->config_file, sizeof c->config_file, path);
    return e;
}

/* ---- environment ---- */

/* Calls add() for each non-empty comma-separated part of s. */
static mdlg_err each_csv(struct mdlg_api_config *c, const char *s,
                         mdlg_err (*add)(struct mdlg_api_config *, const char *))
{
    char part[MDLG_API_PATH_MAX];
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n >= sizeof part)
            return MDLG_E_USAGE;
        memcpy(part, s, n);
        part[n] = '\0';
        if (n > 0 && add(c, part) != MDLG_E_OK)
            return MDLG_E_USAGE;
        s += n + (s[n] == ',');
    }
    return MDLG_E_OK;
}

static bool env_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static mdlg_err env_scalars(struct mdlg_api_config *c, char *errbuf, size_t errlen)
{
    const char *v;
    uint64_t u;
    if ((v = getenv("MDLGATE_POLICY")) && set_policy(&c->policy, v) != MDLG_E_OK)
        return snprintf(errbuf, errlen, "MDLGATE_POLICY must be strict or lenient"), MDLG_E_USAGE;
    if ((v = getenv("MDLGATE_REVOCATION")) && set_revocation(&c->revocation, v) != MDLG_E_OK)
        return snprintf(errbuf, errlen, "MDLGATE_REVOCATION must be fail-open or fail-closed"),
               MDLG_E_USAGE;
    if ((v = getenv("MDLGATE_MAX_BODY"))) {
        if (!env_uint(v, 1024, 64u * 1024 * 1024, &u))
            return snprintf(errbuf, errlen, "MDLGATE_MAX_BODY: 1024..67108864"), MDLG_E_USAGE;
        c->max_body = (size_t)u;
    }
    if ((v = getenv("MDLGATE_THREADS"))) {
        if (!env_uint(v, 0, 256, &u))
            return snprintf(errbuf, errlen, "MDLGATE_THREADS: 0..256"), MDLG_E_USAGE;
        c->threads = (unsigned)u;
    }
    if ((v = getenv("MDLGATE_TRUST_WATCH"))) {
        if (!env_uint(v, 0, 3600, &u))
            return snprintf(errbuf, errlen, "MDLGATE_TRUST_WATCH: 0..3600"), MDLG_E_USAGE;
        c->trust_watch_s = (unsigned)u;
    }
    if ((v = getenv("MDLGATE_LOG"))) {
        if (strcmp(v, "0") && strcmp(v, "1"))
            return snprintf(errbuf, errlen, "MDLGATE_LOG must be 0 or 1"), MDLG_E_USAGE;
        c->log_requests = v[0] == '1';
    }
    return MDLG_E_OK;
}

mdlg_err mdlg_api_config_apply_env(struct mdlg_api_config *c, char *errbuf, size_t errlen)
{
    static const struct { const char *name; size_t off, cap; } strs[] = {
        { "MDLGATE_LISTEN", offsetof(struct mdlg_api_config, listen), 128 },
        { "MDLGATE_DATA_DIR", offsetof(struct mdlg_api_config, data_dir), MDLG_API_PATH_MAX },
        { "MDLGATE_TRUST_DIR", offsetof(struct mdlg_api_config, trust_dir), MDLG_API_PATH_MAX },
        { "MDLGATE_WEB_DIR", offsetof(struct mdlg_api_config, web_dir), MDLG_API_PATH_MAX },
        { "MDLGATE_PUBLIC_URL", offsetof(struct mdlg_api_config, public_url), MDLG_API_PATH_MAX },
        { "MDLGATE_STORE_KEY_FILE", offsetof(struct mdlg_api_config, store_key_file),
          MDLG_API_PATH_MAX },
        { "MDLGATE_STORE_URL", offsetof(struct mdlg_api_config, store_url), MDLG_API_URL_MAX },
        { "MDLGATE_SCREENING_CONFIG", offsetof(struct mdlg_api_config, screening_config),
          MDLG_API_PATH_MAX },
        { "MDLGATE_READER_KEY_FILE", offsetof(struct mdlg_api_config, reader_key_file),
          MDLG_API_PATH_MAX },
        { "MDLGATE_READER_CERT_FILE", offsetof(struct mdlg_api_config, reader_cert_file),
          MDLG_API_PATH_MAX },
        { "MDLGATE_READER_CLIENT_ID_PREFIX",
          offsetof(struct mdlg_api_config, reader_client_id_prefix), 16 },
    };
    const char *v;
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if ((v = getenv(strs[i].name)) &&
            mdlg_api_config_set((char *)c + strs[i].off, strs[i].cap, v) != MDLG_E_OK)
            return snprintf(errbuf, errlen, "%s is too long", strs[i].name), MDLG_E_USAGE;
    if ((v = getenv("MDLGATE_API_KEYS")) && each_csv(c, v, mdlg_api_config_add_key) != MDLG_E_OK)
        return snprintf(errbuf, errlen, "MDLGATE_API_KEYS: too many keys"), MDLG_E_USAGE;
    if ((v = getenv("MDLGATE_ANCHORS")) && each_csv(c, v, mdlg_api_config_add_anchor) != MDLG_E_OK)
        return snprintf(errbuf, errlen, "MDLGATE_ANCHORS: too many or too long"), MDLG_E_USAGE;
    if ((v = getenv("MDLGATE_CORS_ORIGINS")) &&
        each_csv(c, v, mdlg_api_config_add_origin) != MDLG_E_OK)
        return snprintf(errbuf, errlen, "MDLGATE_CORS_ORIGINS: too many or too long"),
               MDLG_E_USAGE;
    return env_scalars(c, errbuf, errlen);
}
