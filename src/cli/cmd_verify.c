/*
 * cmd_verify.c - `mdlgate verify`: one DeviceResponse in, the verdict JSON out.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mdlg/limits.h"
#include "mdlg/mdoc.h"
#include "mdlg/statussource.h"
#include "mdlg/transcript.h"
#include "mdlg/transcript_json.h"
#include "mdlg/verdict.h"

#define MAX_ANCHOR_ARGS 64

static const char verify_help[] =
"usage: mdlgate verify [--anchor PEM]... [--trust-dir DIR] [--at RFC3339]\n"
"                      (--transcript-hex HEX | --transcript FILE.json) [--reader-key PEM]\n"
"                      [--policy strict|lenient] [--allow-no-device-auth]\n"
"                      [--revocation fail-open|fail-closed] [--status-list URI=FILE]...\n"
"                      [--fetch-status-lists] FILE|-\n"
"\n"
"Verifies an ISO/IEC 18013-5 DeviceResponse (raw CBOR; '-' reads stdin) and prints\n"
"the verdict as JSON on stdout. Exit 0 if valid, 1 if invalid, 2 on usage/I/O error.\n"
"\n"
"  --anchor PEM          trust anchor (IACA) file, may hold several certificates; its\n"
"                        jurisdiction comes from the certificate (C + ST, e.g. US-CA)\n"
"  --trust-dir DIR       anchors in DIR/<jurisdiction>/*.pem\n"
"  --at RFC3339          verification instant (default: now), e.g. 2021-01-01T00:00:00Z\n"
"  --transcript-hex HEX  SessionTranscript CBOR array (untagged; a #6.24 wrapped one is\n"
"                        unwrapped) in hex\n"
"  --transcript FILE     JSON naming a transcript profile and its inputs (see README)\n"
"  --reader-key PEM      reader ephemeral private key (needed for deviceMac)\n"
"  --policy P            strict (default) or lenient (tolerates named deviations, each\n"
"                        reported under \"leniencies\")\n"
"  --allow-no-device-auth  accept documents without device authentication\n"
"  --revocation P        when a CRL or status list is unavailable: fail-open (default;\n"
"                        valid with a warning) or fail-closed (REVOCATION_UNAVAILABLE)\n"
"  --status-list URI=FILE  the Status List Token (CWT) for an MSO status_list uri\n"
"  --fetch-status-lists  fetch status lists over HTTP(S) at verify time (else only\n"
"                        --status-list files and <trust-dir>/.status/)\n";

struct verify_args {
    const char *anchors[MAX_ANCHOR_ARGS];
    size_t n_anchors;
    const char *trust_dir, *at, *transcript_hex, *transcript_file, *reader_key, *file;
    enum mdlg_policy policy;
    bool allow_no_device_auth;
    enum mdlg_revocation_policy revocation;
    const char *status_lists[MAX_ANCHOR_ARGS];
    size_t n_status_lists;
    bool fetch_status;
};

enum { OPT_ANCHOR = 1, OPT_TRUST_DIR, OPT_AT, OPT_THEX, OPT_TFILE, OPT_READER, OPT_POLICY,
       OPT_NODEV, OPT_HELP, OPT_REVOCATION, OPT_STATUS_LIST, OPT_FETCH_STATUS };

static const struct option verify_options[] = {
    { "anchor", required_argument, NULL, OPT_ANCHOR },
    { "trust-dir", required_argument, NULL, OPT_TRUST_DIR },
    { "at", required_argument, NULL, OPT_AT },
    { "transcript-hex", required_argument, NULL, OPT_THEX },
    { "transcript", required_argument, NULL, OPT_TFILE },
    { "reader-key", required_argument, NULL, OPT_READER },
    { "policy", required_argument, NULL, OPT_POLICY },
    { "allow-no-device-auth", no_argument, NULL, OPT_NODEV },
    { "help", no_argument, NULL, OPT_HELP },
    { "revocation", required_argument, NULL, OPT_REVOCATION },
    { "status-list", required_argument, NULL, OPT_STATUS_LIST },
    { "fetch-status-lists", no_argument, NULL, OPT_FETCH_STATUS },
    { NULL, 0, NULL, 0 },
};

/* Returns -1 to continue, else an exit status. */
static int parse_args(int argc, char **argv, struct verify_args *a)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", verify_options, NULL)) != -1) {
        switch (c) {
        case OPT_ANCHOR:
            if (a->n_anchors == MAX_ANCHOR_ARGS)
                return mdlg_cli_error("verify", "too many --anchor options"), 2;
            a->anchors[a->n_anchors++] = optarg;
            break;
        case OPT_TRUST_DIR: a->trust_dir = optarg; break;
        case OPT_AT: a->at = optarg; break;
        case OPT_THEX: a->transcript_hex = optarg; break;
        case OPT_TFILE: a->transcript_file = optarg; break;
        case OPT_READER: a->reader_key = optarg; break;
        case OPT_NODEV: a->allow_no_device_auth = true; break;
        case OPT_POLICY:
            if (strcmp(optarg, "strict") && strcmp(optarg, "lenient"))
                return mdlg_cli_error("verify", "--policy must be strict or lenient"), 2;
            a->policy = strcmp(optarg, "lenient") == 0 ? MDLG_POLICY_LENIENT : MDLG_POLICY_STRICT;
            break;
        case OPT_REVOCATION:
            if (strcmp(optarg, "fail-open") && strcmp(optarg, "fail-closed"))
                return mdlg_cli_error("verify", "--revocation must be fail-open or fail-closed"), 2;
            a->revocation = strcmp(optarg, "fail-closed") == 0 ? MDLG_REVOCATION_FAIL_CLOSED
                                                               : MDLG_REVOCATION_FAIL_OPEN;
            break;
        case OPT_STATUS_LIST:
            if (a->n_status_lists == MAX_ANCHOR_ARGS || strchr(optarg, '=') == NULL)
                return mdlg_cli_error("verify", "--status-list wants URI=FILE (at most 64)"), 2;
            a->status_lists[a->n_status_lists++] = optarg;
            break;
        case OPT_FETCH_STATUS: a->fetch_status = true; break;
        case OPT_HELP: fputs(verify_help, stdout); return 0;
        default: fputs(verify_help, stderr); return 2;
        }
    }
    if (optind != argc - 1)
        return mdlg_cli_error("verify", "expected one FILE argument (see --help)"), 2;
    a->file = argv[optind];
    if (a->n_anchors == 0 && a->trust_dir == NULL)
        return mdlg_cli_error("verify", "no trust anchors: give --anchor or --trust-dir"), 2;
    if (a->transcript_hex && a->transcript_file)
        return mdlg_cli_error("verify", "give --transcript-hex or --transcript, not both"), 2;
    if (!a->transcript_hex && !a->transcript_file && !a->allow_no_device_auth)
        return mdlg_cli_error("verify", "a session transcript is required (--transcript-hex or "
                              "--transcript), unless --allow-no-device-auth"), 2;
    return -1;
}

static mdlg_err load_trust(const struct verify_args *a, mdlg_trust **out)
{
    mdlg_trust *t = mdlg_trust_new();
    mdlg_err e = t ? MDLG_E_OK : MDLG_E_NO_MEMORY;
    for (size_t i = 0; e == MDLG_E_OK && i < a->n_anchors; i++)
        if ((e = mdlg_trust_add_file(t, a->anchors[i], NULL)) != MDLG_E_OK)
            mdlg_cli_error("verify", "cannot load anchor %s: %s", a->anchors[i], mdlg_err_name(e));
    if (e == MDLG_E_OK && a->trust_dir && (e = mdlg_trust_load_dir(t, a->trust_dir)) != MDLG_E_OK)
        mdlg_cli_error("verify", "cannot load trust dir %s: %s", a->trust_dir, mdlg_err_name(e));
    if (e != MDLG_E_OK) {
        mdlg_trust_free(t);
        return e;
    }
    *out = t;
    return MDLG_E_OK;
}

static mdlg_err load_transcript(const struct verify_args *a, struct mdlg_cbor_buf *tb)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    char err[256] = "";
    mdlg_err e = MDLG_E_OK;
    if (a->transcript_hex) {
        if ((e = mdlg_cli_hex_decode(a->transcript_hex, &raw, &n)) != MDLG_E_OK)
            mdlg_cli_error("verify", "--transcript-hex is not hex");
        else if ((e = mdlg_transcript_raw(tb, raw, n, NULL)) != MDLG_E_OK)
            mdlg_cli_error("verify", "--transcript-hex is not a SessionTranscript: %s",
                           mdlg_err_name(e));
    } else if (a->transcript_file) {
        if ((e = mdlg_cli_read_file(a->transcript_file, 65536, &raw, &n)) != MDLG_E_OK)
            mdlg_cli_error("verify", "cannot read %s", a->transcript_file);
        else if ((e = mdlg_transcript_from_json((const char *)raw, n, tb, err, sizeof err)) != MDLG_E_OK)
            mdlg_cli_error("verify", "%s: %s (%s)", a->transcript_file, err, mdlg_err_name(e));
    }
    free(raw);
    return e;
}

static mdlg_err load_reader_key(const char *path, mdlg_pkey **out)
{
    uint8_t *pem;
    size_t n;
    mdlg_err e = mdlg_cli_read_file(path, 65536, &pem, &n);
    if (e != MDLG_E_OK)
        return mdlg_cli_error("verify", "cannot read %s", path), e;
    e = mdlg_pkey_from_pem((const char *)pem, n, out);
    if (e != MDLG_E_OK)
        mdlg_cli_error("verify", "%s is not a usable private key: %s", path, mdlg_err_name(e));
    free(pem);
    return e;
}

static int print_verdict(const struct mdlg_result *r)
{
    json_t *j = mdlg_verdict_json(r);
    if (j == NULL || json_dumpf(j, stdout, JSON_INDENT(2)) != 0)
        return json_decref(j), mdlg_cli_error("verify", "cannot write the verdict"), 2;
    fputc('\n', stdout);
    json_decref(j);
    return r->valid ? 0 : 1;
}

/* --status-list URI=FILE (split at the last '='), the trust dir cache, fetching. */
static mdlg_status_files *status_files(const struct verify_args *a)
{
    mdlg_status_files *m = mdlg_status_files_new();
    mdlg_err e = m ? MDLG_E_OK : MDLG_E_NO_MEMORY;
    for (size_t i = 0; e == MDLG_E_OK && i < a->n_status_lists; i++) {
        char *uri = strdup(a->status_lists[i]);
        char *eq = uri ? strrchr(uri, '=') : NULL;
        if (eq != NULL)
            *eq = '\0';
        e = eq ? mdlg_status_files_add(m, uri, eq + 1) : MDLG_E_NO_MEMORY;
        free(uri);
    }
    if (e == MDLG_E_OK && a->trust_dir)
        e = mdlg_status_files_set_dir(m, a->trust_dir);
    mdlg_status_files_set_fetch(m, a->fetch_status);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("verify", "bad --status-list: %s", mdlg_err_name(e));
        mdlg_status_files_free(m);
        return NULL;
    }
    return m;
}

static int run_verify(const struct verify_args *a, struct mdlg_verify_opts *o)
{
    struct mdlg_cbor_buf tb;
    struct mdlg_result res;
    uint8_t *body = NULL;
    size_t len = 0;
    mdlg_pkey *rk = NULL;
    mdlg_status_files *sf = NULL;
    int rc = 2;
    mdlg_cbor_buf_init(&tb, NULL, 0);
    if (load_trust(a, &o->trust) != MDLG_E_OK)
        return 2;
    if (load_transcript(a, &tb) != MDLG_E_OK ||
        (a->reader_key && load_reader_key(a->reader_key, &rk) != MDLG_E_OK))
        goto done;
    if (mdlg_cli_read_file(a->file, MDLG_MAX_BODY, &body, &len) != MDLG_E_OK) {
        mdlg_cli_error("verify", "cannot read %s", a->file);
        goto done;
    }
    o->transcript = tb.len ? mdlg_cbor_buf_bytes(&tb) : (struct mdlg_bytes){ NULL, 0 };
    o->reader_key = rk;
    if ((sf = status_files(a)) == NULL)
        goto done;
    struct mdlg_status_source src = mdlg_status_files_source(sf);
    o->status_source = &src;
    mdlg_err e = mdlg_verify(body, len, o, &res);
    if (e != MDLG_E_OK)
        mdlg_cli_error("verify", "could not verify: %s", mdlg_err_name(e));
    else
        rc = print_verdict(&res);
    mdlg_result_free(&res);
done:
    mdlg_status_files_free(sf);
    free(body);
    mdlg_pkey_free(rk);
    mdlg_cbor_buf_free(&tb);
    mdlg_trust_free(o->trust);
    return rc;
}

int mdlg_cmd_verify(int argc, char **argv)
{
    struct verify_args a = { .policy = MDLG_POLICY_STRICT };
    struct mdlg_verify_opts o = { 0 };
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    o.now = time(NULL);
    if (a.at && !mdlg_cli_parse_time(a.at, &o.now))
        return mdlg_cli_error("verify", "--at must be RFC 3339, e.g. 2021-01-01T00:00:00Z"), 2;
    o.policy = a.policy;
    o.allow_no_device_auth = a.allow_no_device_auth;
    o.revocation = a.revocation;
    o.use_chain_cache = false;
    return run_verify(&a, &o);
}
