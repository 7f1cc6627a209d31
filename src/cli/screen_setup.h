/*
 * screen_setup.h - the ledger and screener of `mdlgate screen` and
 * `mdlgate serve`: defaults < screening config file < environment.
 */
#ifndef MDLG_CLI_SCREEN_SETUP_H
#define MDLG_CLI_SCREEN_SETUP_H

#include <sodium.h>

#include "mdlg/screen.h"

struct mdlg_cli_screen {
    mdlg_ledger *ledger;
    mdlg_screener *screener;
    char ledger_url[MDLG_SCREEN_URL_MAX];   /* what the ledger was opened on */
};

/* Wipes a configuration (it holds the hashing keys). */
static inline void sodium_memzero_cfg(struct mdlg_screen_config *c)
{
    sodium_memzero(c, sizeof *c);
}

/*
 * The screening config file: `given`, else $MDLGATE_SCREENING_CONFIG, else
 * DATA_DIR/screening.json if it exists, else NULL (defaults + environment).
 */
const char *mdlg_cli_screen_config_path(const char *given, const char *data_dir, char *buf,
                                        size_t len);

/*
 * Loads the configuration (`config` may be NULL), applies MDLGATE_LEDGER_KEY
 * and MDLGATE_LEDGER_URL, opens the ledger (default DATA_DIR/ledger.db) and
 * the screener. LEDGER_KEY_MISSING when no key is configured. err gets a
 * one-line reason.
 */
mdlg_err mdlg_cli_screen_open(const char *config, const char *data_dir, int64_t now,
                              struct mdlg_cli_screen *out, char *err, size_t errlen);

void mdlg_cli_screen_close(struct mdlg_cli_screen *s);

/*
 * SIGHUP: builds a new screener (weights, thresholds, keys, retention) from
 * the configuration as it is now, over the ledger already open in `cur`.
 * The ledger itself cannot change (SCREEN_CONFIG_INVALID: restart); any
 * error leaves nothing allocated and err says why.
 */
mdlg_err mdlg_cli_screen_reload(const char *config, const char *data_dir,
                                const struct mdlg_cli_screen *cur, mdlg_screener **out,
                                char *err, size_t errlen);

#endif
