/*
 * cmd_serve.c - `mdlgate serve`: the HTTP service (src/api).
 *
 * Configuration: defaults < config file < environment < command line,
 * rebuilt the same way on SIGHUP, and when the trust directory's generation
 * changes (`trust sync`, `trust import-vical`; checked every trust_watch
 * seconds). SIGTERM/SIGINT drain the requests in flight and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cli.h"
#include "screen_setup.h"

#define CMD "serve"

static const char serve_help[] =
"usage: mdlgate serve [--listen ADDR:PORT] [--config FILE] [--anchor PEM]... [--trust-dir DIR]\n"
"                     [--data-dir DIR] [--web-dir DIR] [--revocation P] [--trust-watch S]\n"
"                     [--check]\n"
"\n"
"Runs the HTTP service (see web/openapi.yaml, served at /openapi.yaml):\n"
"  GET /healthz, GET /readyz, GET /metrics, POST /v1/verify, GET /openapi.yaml, GET / (web/),\n"
"  POST /v1/screenings, GET /v1/screenings/{id}, GET /v1/clusters (when screening is on).\n"
"Every /v1/ call needs an API key: Authorization: Bearer <key>.\n"
"\n"
"Options (each overrides the config file and the environment)\n"
"  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080; [::1]:8080 for IPv6;\n"
"                      port 0 picks a free port, printed on start)\n"
"  --config FILE       JSON config file (default: DATA_DIR/config.json if it exists)\n"
"  --anchor PEM        trust anchor (IACA) file, repeatable; added to the configured ones\n"
"  --trust-dir DIR     anchors in DIR/<jurisdiction>/*.pem\n"
"  --data-dir DIR      where state lives (default ./var)\n"
"  --web-dir DIR       static files served at / (default web)\n"
"  --revocation P      when a CRL or status list is unavailable (README \"Revocation\"):\n"
"                      fail-open (default: valid, with a warning) or fail-closed (invalid,\n"
"                      REVOCATION_UNAVAILABLE); applies to every verification. CRLs come\n"
"                      from the trust dir, status lists from <trust-dir>/.status/\n"
"  --trust-watch S     every S seconds, check whether the trust dir now names another\n"
"                      generation (after `mdlgate trust sync` or `trust import-vical`) and\n"
"                      if so reload, as on SIGHUP (default 5; 0: only on SIGHUP)\n"
"  --check             load the configuration and trust anchors, report, and exit\n"
"\n"
"Config file (JSON object; every member optional; relative paths are relative to the file)\n"
"  \"listen\": \"127.0.0.1:8080\"       \"anchors\": [\"iaca.pem\"]     \"trust_dir\": \"trust\"\n"
"  \"data_dir\": \"var\"                \"web_dir\": \"web\"\n"
"  \"store_url\": \"postgresql://...\"  request store shared by several instances (default:\n"
"                                   SQLite DATA_DIR/mdlgate.db); they also need the same\n"
"  \"store_key_file\": \"store.key\"    server key (default DATA_DIR/store.key)\n"
"  \"api_key_sha256\": [\"<64 hex>\"]   accepted API keys, as SHA-256 of the key (hex)\n"
"  \"cors_origins\": [\"https://app.example\"]   origins allowed to call from a browser\n"
"  \"policy\": \"strict\"|\"lenient\"     default verification policy (default strict)\n"
"  \"clock_skew\": 0                  seconds tolerated on MSO validity\n"
"  \"revocation\": \"fail-open\"        or \"fail-closed\" (as --revocation)\n"
"  \"max_body\": 1048576              request body limit in bytes (larger: 413)\n"
"  \"connection_memory_limit\": 36864 per-connection buffer (headers) in bytes\n"
"  \"threads\": 0                     worker threads (0: one per core)\n"
"  \"connection_limit\": 1024         open connections in total\n"
"  \"per_ip_connection_limit\": 64    open connections per client address (0: no limit)\n"
"  \"connection_timeout\": 15         seconds before an idle or slow connection is dropped\n"
"  \"drain_timeout\": 30              seconds SIGTERM waits for requests in flight\n"
"  \"trust_watch\": 5                 seconds between trust dir checks (as --trust-watch)\n"
"  \"log_requests\": true             one JSON line per request on stderr\n"
"  \"screening_config\": \"screening.json\"  claim screening (README \"Screening claims\"); it\n"
"                                   is on when this file, MDLGATE_SCREENING_CONFIG,\n"
"                                   DATA_DIR/screening.json, MDLGATE_LEDGER_KEY or\n"
"                                   MDLGATE_LEDGER_URL is present; then a ledger key is\n"
"                                   required (no key: serve does not start)\n"
"  \"reader_key_file\": \"reader-auth.key.pem\", \"reader_cert_file\": \"reader-auth.pem\"\n"
"                                   reader authentication (README \"Signed requests\"): the\n"
"                                   key and chain (PEM, leaf first, EKU 1.0.18013.5.1.6) that\n"
"                                   sign readerAuth and request objects; unsigned without\n"
"                                   (`mdlgate issue reader` makes a demo pair)\n"
"  \"reader_client_id_prefix\": \"x509_san_dns\"|\"x509_hash\"  OpenID4VP client_id (default\n"
"                                   x509_san_dns:<the certificate's dNSName> if it has one)\n"
"\n"
"Environment\n"
"  MDLGATE_CONFIG        config file (instead of DATA_DIR/config.json)\n"
"  MDLGATE_DATA_DIR      data directory (default ./var)\n"
"  MDLGATE_LISTEN        as --listen\n"
"  MDLGATE_API_KEYS      comma-separated API keys accepted besides the configured ones\n"
"  MDLGATE_ANCHORS       comma-separated anchor files (added)\n"
"  MDLGATE_TRUST_DIR     as --trust-dir\n"
"  MDLGATE_STORE_URL     as store_url (keeps a password out of the config file)\n"
"  MDLGATE_STORE_KEY_FILE  as store_key_file\n"
"  MDLGATE_SCREENING_CONFIG  as screening_config\n"
"  MDLGATE_READER_KEY_FILE, MDLGATE_READER_CERT_FILE, MDLGATE_READER_CLIENT_ID_PREFIX\n"
"                        as reader_key_file, reader_cert_file, reader_client_id_prefix\n"
"  MDLGATE_LEDGER_KEY    ID:HEX64[,ID:HEX64] ledger hashing keys (turns screening on)\n"
"  MDLGATE_LEDGER_URL    the screening ledger (default DATA_DIR/ledger.db; a\n"
"                        postgres:// URL shares it between instances)\n"
"  MDLGATE_CORS_ORIGINS  comma-separated origins (added)\n"
"  MDLGATE_REVOCATION    fail-open or fail-closed (as --revocation)\n"
"  MDLGATE_TRUST_WATCH   seconds (as --trust-watch)\n"
"  MDLGATE_POLICY, MDLGATE_MAX_BODY, MDLGATE_THREADS, MDLGATE_WEB_DIR, MDLGATE_LOG (0/1)\n"
"\n"
"Signals\n"
"  SIGHUP   reload the config file, trust anchors and the screening configuration (weights,\n"
"           thresholds, ledger keys) atomically: requests in flight finish on the old ones;\n"
"           if any part fails to load, all of the old one stays (log: reload_failed).\n"
"           Listen address, threads, connection limits, the ledger itself and turning\n"
"           screening on or off need a restart.\n"
"           A new trust generation does the same by itself (--trust-watch); the log says\n"
"           \"trust_changed\" then \"reloaded\" (or \"reload_failed\": the old set stays).\n"
"  SIGTERM  stop accepting, let requests in flight finish (drain_timeout), exit 0\n"
"\n"
"Logs: one JSON line per request on stderr (time, method, route pattern, status,\n"
"latency_ms, verdict code); never element values, keys or tokens.\n";

#define MAX_CLI_ANCHORS 64

struct serve_args {
    const char *listen, *config, *trust_dir, *data_dir, *web_dir, *revocation;
    long trust_watch;                   /* -1: not given */
    const char *anchors[MAX_CLI_ANCHORS];
    size_t n_anchors;
    bool check;
};

enum { OPT_LISTEN = 1, OPT_CONFIG, OPT_ANCHOR, OPT_TRUST_DIR, OPT_DATA_DIR, OPT_WEB_DIR,
       OPT_REVOCATION, OPT_TRUST_WATCH, OPT_CHECK, OPT_HELP };

static const struct option serve_options[] = {
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "anchor", required_argument, NULL, OPT_ANCHOR },
    { "trust-dir", required_argument, NULL, OPT_TRUST_DIR },
    { "data-dir", required_argument, NULL, OPT_DATA_DIR },
    { "web-dir", required_argument, NULL, OPT_WEB_DIR },
    { "revocation", required_argument, NULL, OPT_REVOCATION },
    { "trust-watch", required_argument, NULL, OPT_TRUST_WATCH },
    { "check", no_argument, NULL, OPT_CHECK },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

/* Returns -1 to continue, else an exit status. */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", serve_options, NULL)) != -1) {
        switch (c) {
        case OPT_LISTEN: a->listen = optarg; break;
        case OPT_CONFIG: a->config = optarg; break;
        case OPT_TRUST_DIR: a->trust_dir = optarg; break;
        case OPT_DATA_DIR: a->data_dir = optarg; break;
        case OPT_WEB_DIR: a->web_dir = optarg; break;
        case OPT_REVOCATION:
            if (strcmp(optarg, "fail-open") && strcmp(optarg, "fail-closed"))
                return mdlg_cli_error(CMD, "--revocation must be fail-open or fail-closed"), 2;
            a->revocation = optarg;
            break;
        case OPT_TRUST_WATCH: {
            char *end;
            a->trust_watch = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || a->trust_watch > 3600)
                return mdlg_cli_error(CMD, "--trust-watch must be 0..3600 seconds"), 2;
            break;
        }
        case OPT_CHECK: a->check = true; break;
        case OPT_ANCHOR:
            if (a->n_anchors == MAX_CLI_ANCHORS)
                return mdlg_cli_error(CMD, "too many --anchor options"), 2;
            a->anchors[a->n_anchors++] = optarg;
            break;
        case OPT_HELP: fputs(serve_help, stdout); return 0;
        default: fputs(serve_help, stderr); return 2;
        }
    }
    if (optind != argc)
        return mdlg_cli_error(CMD, "unexpected argument '%s' (see --help)", argv[optind]), 2;
    return -1;
}

/* The config file to read: --config, MDLGATE_CONFIG, else DATA_DIR/config.json if present. */
static const char *config_path(const struct serve_args *a, char *buf, size_t len)
{
    const char *dir = a->data_dir ? a->data_dir : getenv("MDLGATE_DATA_DIR");
    struct stat st;
    if (a->config)
        return a->config;
    if (getenv("MDLGATE_CONFIG"))
        return getenv("MDLGATE_CONFIG");
    snprintf(buf, len, "%s/config.json", dir ? dir : "./var");
    return stat(buf, &st) == 0 ? buf : NULL;
}

static mdlg_err apply_args(const struct serve_args *a, struct mdlg_api_config *c, char *err,
                           size_t errlen)
{
    mdlg_err e = MDLG_E_OK;
    if (a->listen && (e = mdlg_api_config_set(c->listen, sizeof c->listen, a->listen)))
        return snprintf(err, errlen, "--listen is too long"), e;
    if (a->trust_dir && (e = mdlg_api_config_set(c->trust_dir, sizeof c->trust_dir, a->trust_dir)))
        return snprintf(err, errlen, "--trust-dir is too long"), e;
    if (a->data_dir && (e = mdlg_api_config_set(c->data_dir, sizeof c->data_dir, a->data_dir)))
        return snprintf(err, errlen, "--data-dir is too long"), e;
    if (a->web_dir && (e = mdlg_api_config_set(c->web_dir, sizeof c->web_dir, a->web_dir)))
        return snprintf(err, errlen, "--web-dir is too long"), e;
    if (a->trust_watch >= 0)
        c->trust_watch_s = (unsigned)a->trust_watch;
    if (a->revocation)
        c->revocation = strcmp(a->revocation, "fail-closed") == 0 ? MDLG_REVOCATION_FAIL_CLOSED
                                                                  : MDLG_REVOCATION_FAIL_OPEN;
    for (size_t i = 0; i < a->n_anchors; i++)
        if ((e = mdlg_api_config_add_anchor(c, a->anchors[i])) != MDLG_E_OK)
            return snprintf(err, errlen, "too many anchors"), e;
    return MDLG_E_OK;
}

/* defaults < file < environment < command line */
static mdlg_err build_config(const struct serve_args *a, struct mdlg_api_config *c, char *err,
                             size_t errlen)
{
    char buf[MDLG_API_PATH_MAX + 16];
    const char *path = config_path(a, buf, sizeof buf);
    mdlg_err e = MDLG_E_OK;
    mdlg_api_config_defaults(c);
    if (path && (e = mdlg_api_config_load_file(c, path, err, errlen)) != MDLG_E_OK)
        return e;
    if ((e = mdlg_api_config_apply_env(c, err, errlen)) != MDLG_E_OK)
        return e;
    return apply_args(a, c, err, errlen);
}

/* Which trust generation a trust dir names: the resolved path, its inode and mtime. */
struct trust_ident {
    bool ok;                    /* false: no trust dir, or it does not resolve */
    char path[PATH_MAX];
    dev_t dev;
    ino_t ino;
    struct timespec mtime;      /* a plain directory changes this when entries come or go */
};

/* What the trust watch compares against (main thread only). */
struct trust_watch {
    char dir[MDLG_API_PATH_MAX];    /* the configured trust dir ("" = none) */
    unsigned every_s;               /* 0 = off */
    struct trust_ident seen;        /* taken just before the snapshot in force was loaded */
};

static void trust_ident_get(const char *dir, struct trust_ident *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (dir[0] == '\0' || realpath(dir, id->path) == NULL || stat(id->path, &st) != 0)
        return;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->mtime = st.st_mtim;
    id->ok = true;
}

static bool trust_ident_same(const struct trust_ident *x, const struct trust_ident *y)
{
    if (!x->ok || !y->ok)
        return x->ok == y->ok;
    return strcmp(x->path, y->path) == 0 && x->dev == y->dev && x->ino == y->ino &&
           x->mtime.tv_sec == y->mtime.tv_sec && x->mtime.tv_nsec == y->mtime.tv_nsec;
}

/*
 * Builds the config, then the snapshot. The trust dir's identity is taken
 * before loading, so a swap during the load is seen by the next check. w (if
 * given) records it with the watch settings, also when the load fails, so a
 * broken generation is retried on the next change or SIGHUP, not every tick.
 */
static mdlg_err build_snapshot(const struct serve_args *a, mdlg_api_snapshot **out,
                               struct trust_watch *w, char *err, size_t errlen)
{
    static struct mdlg_api_config c;    /* large; only the main thread builds configs */
    struct trust_ident before;
    mdlg_err e = build_config(a, &c, err, errlen);
    if (e != MDLG_E_OK)
        return e;
    trust_ident_get(c.trust_dir, &before);
    e = mdlg_api_snapshot_new(&c, out, err, errlen);
    if (w != NULL) {
        snprintf(w->dir, sizeof w->dir, "%s", c.trust_dir);
        w->every_s = c.trust_watch_s;
        w->seen = before;
    }
    return e;
}

/* True (and the event logged) when the trust dir names another generation than w->seen. */
static bool trust_changed(const struct trust_watch *w)
{
    struct trust_ident now;
    char msg[PATH_MAX + MDLG_API_PATH_MAX + 8];
    trust_ident_get(w->dir, &now);
    if (trust_ident_same(&now, &w->seen))
        return false;
    const char *slash = strrchr(now.path, '/');
    snprintf(msg, sizeof msg, "%s -> %s", w->dir,
             now.ok ? (slash ? slash + 1 : now.path) : "(does not resolve)");
    mdlg_api_log_event("trust_changed", msg);
    return true;
}

static void report_start(const mdlg_api_snapshot *snap, uint16_t port)
{
    const struct mdlg_api_config *c = mdlg_api_snapshot_config(snap);
    char url[200], host[128];
    snprintf(host, sizeof host, "%s", c->listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    snprintf(url, sizeof url, "http://%s:%u", strcmp(host, "0.0.0.0") ? host : "127.0.0.1", port);
    if (c->n_keys == 0)
        mdlg_api_log_event("warning", "no API keys configured: every /v1/ call gets 401 "
                                      "(set MDLGATE_API_KEYS or api_key_sha256)");
    if (mdlg_api_snapshot_anchor_count(snap) == 0)
        mdlg_api_log_event("warning", "no trust anchors: /readyz answers 503, nothing verifies");
    mdlg_api_log_event("listening", url);
    printf("mdlgate serve: listening on %s\n", url);
    fflush(stdout);
}

/*
 * A new screener for a reloaded snapshot (screening on since the start): the
 * screening configuration as it is now, over the ledger already open.
 * Screening cannot be turned on by a reload (a warning says so).
 */
static mdlg_err reload_screening(mdlg_api_snapshot *snap, const struct mdlg_cli_screen *scr,
                                 char *err, size_t errlen)
{
    const struct mdlg_api_config *c = mdlg_api_snapshot_config(snap);
    char buf[MDLG_API_PATH_MAX + 32], why[400] = "";
    const char *path = mdlg_cli_screen_config_path(
        c->screening_config[0] ? c->screening_config : NULL, c->data_dir, buf, sizeof buf);
    mdlg_screener *s = NULL;
    if (scr->ledger == NULL) {
        if (path != NULL)
            mdlg_api_log_event("warning", "a screening configuration appeared: restart to turn "
                                          "screening on (it stays off)");
        return MDLG_E_OK;
    }
    mdlg_err e = mdlg_cli_screen_reload(path, c->data_dir, scr, &s, why, sizeof why);
    if (e != MDLG_E_OK) {
        snprintf(err, errlen, "screening configuration%s%s: %s: %s (the old one stays)",
                 path ? " " : "", path ? path : "", mdlg_err_name(e), why);
        return e;
    }
    mdlg_api_snapshot_set_screener(snap, s);
    return MDLG_E_OK;
}

/* SIGHUP: everything is rebuilt first; only a complete new snapshot is swapped in. */
static void reload(const struct serve_args *a, mdlg_api_server *srv,
                   const struct mdlg_cli_screen *scr, struct trust_watch *w)
{
    char err[1024] = "", msg[128];
    mdlg_api_snapshot *snap = NULL;
    mdlg_err e = build_snapshot(a, &snap, w, err, sizeof err);
    if (e == MDLG_E_OK && (e = reload_screening(snap, scr, err, sizeof err)) != MDLG_E_OK)
        mdlg_api_snapshot_release(snap);
    if (e != MDLG_E_OK) {   /* counted first: a reader who saw the log line sees the count */
        mdlg_api_server_reload_failed(srv);
        mdlg_api_log_event("reload_failed", err);
        return;
    }
    snprintf(msg, sizeof msg, "%zu trust anchors, %zu API keys, screening %s",
             mdlg_api_snapshot_anchor_count(snap), mdlg_api_snapshot_config(snap)->n_keys,
             scr->ledger != NULL ? "reloaded" : "off");
    mdlg_api_server_swap(srv, snap);
    mdlg_api_log_event("reloaded", msg);
}

/* The next signal of set; 0 when every_s seconds passed first (every_s 0: no limit). */
static int next_signal(const sigset_t *set, unsigned every_s)
{
    int sig = 0;
    if (every_s == 0)
        return sigwait(set, &sig) == 0 ? sig : -1;
    struct timespec ts = { (time_t)every_s, 0 };
    sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 ? sig : errno == EAGAIN ? 0 : -1;
}

/* Waits for signals (and watches the trust dir) until SIGTERM/SIGINT; returns the exit status. */
static int signal_loop(const struct serve_args *a, mdlg_api_server *srv,
                       const struct mdlg_cli_screen *scr, const sigset_t *set, unsigned drain_s,
                       struct trust_watch *w)
{
    for (;;) {
        int sig = next_signal(set, w->every_s);
        if (sig < 0)
            continue;
        if (sig == 0) {
            if (trust_changed(w))
                reload(a, srv, scr, w);
            continue;
        }
        if (sig == SIGHUP) {
            reload(a, srv, scr, w);
            continue;
        }
        mdlg_api_log_event("draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        bool drained = mdlg_api_server_drain(srv, drain_s);
        mdlg_api_server_stop(srv);
        mdlg_api_log_event("stopped", drained ? "all requests completed"
                                              : "drain timeout: requests were cut");
        return drained ? 0 : 1;
    }
}

/*
 * Opens the screener when screening is configured (README "Screening claims"):
 * a screening config file, MDLGATE_LEDGER_KEY or MDLGATE_LEDGER_URL. Then a
 * missing or bad key is an error. *on says whether it is configured.
 */
static mdlg_err open_screening(const struct mdlg_api_config *c, struct mdlg_cli_screen *out,
                               bool *on, char *err, size_t errlen)
{
    char buf[MDLG_API_PATH_MAX + 32];
    const char *path = mdlg_cli_screen_config_path(
        c->screening_config[0] ? c->screening_config : NULL, c->data_dir, buf, sizeof buf);
    const char *key = getenv("MDLGATE_LEDGER_KEY"), *url = getenv("MDLGATE_LEDGER_URL");
    memset(out, 0, sizeof *out);
    *on = path != NULL || (key && *key) || (url && *url);
    if (!*on)
        return MDLG_E_OK;
    char why[400] = "";
    mdlg_err e = mdlg_cli_screen_open(path, c->data_dir, (int64_t)time(NULL), out, why,
                                      sizeof why);
    if (e != MDLG_E_OK)
        snprintf(err, errlen, "screening is configured (%s) but cannot start: %s: %s",
                 path ? path : key && *key ? "MDLGATE_LEDGER_KEY" : "MDLGATE_LEDGER_URL",
                 mdlg_err_name(e), why);
    return e;
}

static int check_only(mdlg_api_snapshot *snap, bool screening)
{
    const struct mdlg_api_config *c = mdlg_api_snapshot_config(snap);
    printf("config: %s\nlisten: %s\ntrust anchors: %zu\nAPI keys: %zu\nCORS origins: %zu\n"
           "screening: %s\ntrust watch: %u s%s\n",
           c->config_file[0] ? c->config_file : "(none)", c->listen,
           mdlg_api_snapshot_anchor_count(snap), c->n_keys, c->n_origins,
           screening ? "on" : "off", c->trust_watch_s, c->trust_watch_s ? "" : " (off)");
    mdlg_api_snapshot_release(snap);
    return 0;
}

/* Starts the daemon and waits for SIGTERM; returns the exit status. */
static int run(const struct serve_args *a, mdlg_api_snapshot *snap, struct mdlg_cli_screen *scr,
               struct trust_watch *w)
{
    char err[512] = "";
    mdlg_api_server *srv = NULL;
    sigset_t set;
    struct mdlg_api_services svc = { NULL, scr->ledger };
    bool screening = scr->screener != NULL;
    /* the snapshot owns the screener, so SIGHUP can replace both together */
    mdlg_api_snapshot_set_screener(snap, scr->screener);
    scr->screener = NULL;
    unsigned drain_s = mdlg_api_snapshot_config(snap)->drain_s;
    /* block the signals in every thread (the pool inherits the mask); sigwait takes them */
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    mdlg_api_snapshot *first = snap;
    if (mdlg_api_server_start_with(snap, &svc, &srv, err, sizeof err) != MDLG_E_OK)
        return mdlg_cli_error(CMD, "%s", err), 2;
    report_start(first, mdlg_api_server_port(srv));
    if (w->dir[0] != '\0') {
        char msg[MDLG_API_PATH_MAX + 64];
        snprintf(msg, sizeof msg, w->every_s ? "%s: checked every %u s" : "%s: off (SIGHUP only)",
                 w->dir, w->every_s);
        mdlg_api_log_event("trust_watch", msg);
    }
    if (!screening)
        mdlg_api_log_event("screening_off", "the screening routes answer 503 "
                                            "SCREENING_DISABLED (see README \"Screening claims\")");
    return signal_loop(a, srv, scr, &set, drain_s, w);
}

int mdlg_cmd_serve(int argc, char **argv)
{
    struct serve_args a = { .trust_watch = -1 };
    static struct trust_watch w;
    struct mdlg_cli_screen scr;
    char err[1024] = "";
    mdlg_api_snapshot *snap = NULL;
    bool screening = false;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (build_snapshot(&a, &snap, &w, err, sizeof err) != MDLG_E_OK)
        return mdlg_cli_error(CMD, "%s", err), 2;
    if (open_screening(mdlg_api_snapshot_config(snap), &scr, &screening, err, sizeof err)) {
        mdlg_api_snapshot_release(snap);
        return mdlg_cli_error(CMD, "%s", err), 2;
    }
    rc = a.check ? check_only(snap, screening) : run(&a, snap, &scr, &w);
    mdlg_cli_screen_close(&scr);
    return rc;
}
