/*
 * screen_setup.c - opening the ledger and the screener from configuration,
 * shared by `mdlgate screen` and `mdlgate serve` (see screen_setup.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "screen_setup.h"

const char *mdlg_cli_screen_config_path(const char *given, const char *data_dir, char *buf,
                                        size_t len)
{
    struct stat st;
    if (given != NULL && *given)
        return given;
    if (getenv("MDLGATE_SCREENING_CONFIG") && *getenv("MDLGATE_SCREENING_CONFIG"))
        return getenv("MDLGATE_SCREENING_CONFIG");
    snprintf(buf, len, "%s/screening.json", data_dir);
    return stat(buf, &st) == 0 ? buf : NULL;
}

/* A file path is named; a URL never is (it may hold a password). */
static void ledger_error(const char *url, mdlg_err e, char *err, size_t errlen)
{
    if (strstr(url, "://") != NULL)
        snprintf(err, errlen, "ledger (%.*s URL): %s", (int)(strstr(url, "://") - url), url,
                 mdlg_err_name(e));
    else
        snprintf(err, errlen, "ledger %s: %s", url, mdlg_err_name(e));
}

/* defaults < file < environment, with a key and the ledger URL filled in (c allocated). */
static mdlg_err build_config(const char *config, const char *data_dir,
                             struct mdlg_screen_config *c, char *err, size_t errlen)
{
    mdlg_err e = MDLG_E_OK;
    mdlg_screen_config_defaults(c);
    if (config != NULL)
        e = mdlg_screen_config_load(c, config, err, errlen);
    if (e == MDLG_E_OK)
        e = mdlg_screen_config_apply_env(c, err, errlen);
    if (e == MDLG_E_OK && c->n_keys == 0) {
        snprintf(err, errlen, "no ledger key: set \"keys\" in the screening configuration or "
                              "MDLGATE_LEDGER_KEY=ID:HEX64 (there is no default key)");
        e = MDLG_E_LEDGER_KEY_MISSING;
    }
    if (e == MDLG_E_OK && c->ledger_url[0] == '\0')
        snprintf(c->ledger_url, sizeof c->ledger_url, "%s/ledger.db", data_dir);
    return e;
}

mdlg_err mdlg_cli_screen_reload(const char *config, const char *data_dir,
                                const struct mdlg_cli_screen *cur, mdlg_screener **out,
                                char *err, size_t errlen)
{
    struct mdlg_screen_config *c = calloc(1, sizeof *c);
    mdlg_err e = c ? build_config(config, data_dir, c, err, errlen) : MDLG_E_NO_MEMORY;
    *out = NULL;
    if (e == MDLG_E_OK && strcmp(c->ledger_url, cur->ledger_url) != 0) {
        snprintf(err, errlen, "the ledger cannot change on reload (restart to use another)");
        e = MDLG_E_SCREEN_CONFIG_INVALID;
    }
    if (e == MDLG_E_OK && (e = mdlg_screener_new(c, cur->ledger, out)))
        snprintf(err, errlen, "screener: %s", mdlg_err_name(e));
    if (c != NULL) {
        sodium_memzero_cfg(c);
        free(c);
    }
    return e;
}

mdlg_err mdlg_cli_screen_open(const char *config, const char *data_dir, int64_t now,
                              struct mdlg_cli_screen *out, char *err, size_t errlen)
{
    struct mdlg_screen_config *c = calloc(1, sizeof *c);
    memset(out, 0, sizeof *out);
    mdlg_err e = c ? build_config(config, data_dir, c, err, errlen) : MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK)
        snprintf(out->ledger_url, sizeof out->ledger_url, "%s", c->ledger_url);
    if (e == MDLG_E_OK && (e = mdlg_ledger_open(c->ledger_url, NULL, now, &out->ledger)))
        ledger_error(c->ledger_url, e, err, errlen);
    if (e == MDLG_E_OK && (e = mdlg_screener_new(c, out->ledger, &out->screener)))
        snprintf(err, errlen, "screener: %s", mdlg_err_name(e));
    if (c != NULL) {
        sodium_memzero_cfg(c);
        free(c);
    }
    if (e != MDLG_E_OK)
        mdlg_cli_screen_close(out);
    return e;
}

void mdlg_cli_screen_close(struct mdlg_cli_screen *s)
{
    mdlg_screener_free(s->screener);
    mdlg_ledger_close(s->ledger);
    s->screener = NULL;
    s->ledger = NULL;
}
