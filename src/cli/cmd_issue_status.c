/*
 * cmd_issue_status.c - `mdlgate issue status-list`: an IETF Token Status List
 * (CWT) signed by the test Document Signer of `mdlgate issue --pki DIR`
 * (x5chain [DS], which chains to DIR's IACA), built with
 * mdlg_status_token_build. For tests and demos of revocation by status list
 * (README "Test issuer"); pairs with `mdlgate issue --status-uri/--status-idx`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mdlg/cbor.h"
#include "mdlg/crypto.h"
#include "mdlg/statuslist.h"

#define CMD "issue status-list"
#define DAY 86400
#define MAX_PEM 65536
#define MAX_MARKS 64
#define MAX_SIZE 1000000L

static const char status_help[] =
"usage: mdlgate issue status-list --pki DIR --uri URI --out FILE [--size N] [--bits 1|2|4|8]\n"
"                                 [--revoke IDX]... [--suspend IDX]... [--at RFC3339]\n"
"                                 [--valid-days N] [--ttl SECONDS]\n"
"\n"
"Writes a Status List Token (COSE_Sign1 CWT, typ application/statuslist+cwt) for URI,\n"
"signed by DIR/ds.key.pem with x5chain [DIR/ds.pem] (a PKI made by `mdlgate issue --pki\n"
"DIR`), so it chains to DIR/iaca.pem. Every entry is 0 (valid) except the marked ones.\n"
"  --uri URI          the list's sub (the uri in the MSO: mdlgate issue --status-uri)\n"
"  --size N           number of entries (default 1024, at most 1000000)\n"
"  --bits B           bits per entry: 1 (default), 2, 4 or 8\n"
"  --revoke IDX       entry IDX is 1 (invalid; repeatable)\n"
"  --suspend IDX      entry IDX is 2 (suspended; needs --bits 2 or more; repeatable)\n"
"  --at RFC3339       iat (default now)\n"
"  --valid-days N     exp = iat + N days (default 1; 0: no exp)\n"
"  --ttl SECONDS      ttl claim (default none)\n";

struct status_args {
    const char *pki, *uri, *out, *at;
    long size, bits, valid_days, ttl;
    long marks[MAX_MARKS];
    uint8_t mark_value[MAX_MARKS];
    size_t n_marks;
};

/* One option; -1 to continue, else an exit status. */
static int parse_opt(int c, struct status_args *a)
{
    long v = 0;
    switch (c) {
    case 'p': a->pki = optarg; return -1;
    case 'u': a->uri = optarg; return -1;
    case 'o': a->out = optarg; return -1;
    case 'a': a->at = optarg; return -1;
    case 's': return mdlg_cli_parse_long(optarg, 1, MAX_SIZE, &a->size) ? -1
                   : (mdlg_cli_error(CMD, "--size must be 1..%ld", MAX_SIZE), 2);
    case 'b': return mdlg_cli_parse_long(optarg, 1, 8, &a->bits) && (a->bits & (a->bits - 1)) == 0 ? -1
                   : (mdlg_cli_error(CMD, "--bits must be 1, 2, 4 or 8"), 2);
    case 'd': return mdlg_cli_parse_long(optarg, 0, 36500, &a->valid_days) ? -1
                   : (mdlg_cli_error(CMD, "--valid-days must be 0..36500"), 2);
    case 't': return mdlg_cli_parse_long(optarg, 1, 100L * 365 * DAY, &a->ttl) ? -1
                   : (mdlg_cli_error(CMD, "--ttl must be a positive number of seconds"), 2);
    case 'r':
    case 'S':
        if (a->n_marks == MAX_MARKS || !mdlg_cli_parse_long(optarg, 0, MAX_SIZE - 1, &v))
            return mdlg_cli_error(CMD, "--revoke/--suspend IDX: 0..%ld, at most %d", MAX_SIZE - 1,
                                  MAX_MARKS), 2;
        a->marks[a->n_marks] = v;
        a->mark_value[a->n_marks++] = c == 'r' ? 1 : 2;
        return -1;
    case 'h': fputs(status_help, stdout); return 0;
    default: fputs(status_help, stderr); return 2;
    }
}

static int parse_args(int argc, char **argv, struct status_args *a)
{
    static const struct option opts[] = {
        { "pki", required_argument, NULL, 'p' }, { "uri", required_argument, NULL, 'u' },
        { "out", required_argument, NULL, 'o' }, { "at", required_argument, NULL, 'a' },
        { "size", required_argument, NULL, 's' }, { "bits", required_argument, NULL, 'b' },
        { "valid-days", required_argument, NULL, 'd' }, { "ttl", required_argument, NULL, 't' },
        { "revoke", required_argument, NULL, 'r' }, { "suspend", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if ((rc = parse_opt(c, a)) >= 0)
            return rc;
    if (optind != argc || a->pki == NULL || a->uri == NULL || a->out == NULL)
        return fputs(status_help, stderr), 2;
    for (size_t i = 0; i < a->n_marks; i++) {
        if (a->marks[i] >= a->size)
            return mdlg_cli_error(CMD, "entry %ld is beyond --size %ld", a->marks[i], a->size), 2;
        if (a->mark_value[i] == 2 && a->bits < 2)
            return mdlg_cli_error(CMD, "--suspend needs --bits 2 or more"), 2;
    }
    return -1;
}

/* DIR/ds.pem (DER into *der) and DIR/ds.key.pem. */
static mdlg_err load_signer(const char *dir, uint8_t **der, size_t *der_len, mdlg_pkey **key)
{
    char path[4096];
    uint8_t *pem = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/ds.pem", dir);
    mdlg_err e = mdlg_cli_read_file(path, MAX_PEM, &pem, &n);
    if (e == MDLG_E_OK && (*der = mdlg_cli_pem_cert_der((char *)pem, n, der_len)) == NULL)
        e = MDLG_E_CERT_MALFORMED;
    free(pem);
    pem = NULL;
    snprintf(path, sizeof path, "%s/ds.key.pem", dir);
    if (e == MDLG_E_OK && (e = mdlg_cli_read_file(path, MAX_PEM, &pem, &n)) == MDLG_E_OK)
        e = mdlg_pkey_from_pem((char *)pem, n, key);
    if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "cannot load the Document Signer of %s: %s", dir, mdlg_err_name(e));
    free(pem);
    return e;
}

static int write_token(const char *path, const struct mdlg_cbor_buf *b)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b->ptr, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        return mdlg_cli_error(CMD, "cannot write %s", path), 2;
    return 0;
}

static int run(const struct status_args *a, uint8_t *values, struct mdlg_cbor_buf *out)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    mdlg_pkey *key = NULL;
    int64_t iat = (int64_t)time(NULL);
    if (a->at && !mdlg_cli_parse_time(a->at, &iat))
        return mdlg_cli_error(CMD, "--at must be RFC 3339, e.g. 2026-01-01T00:00:00Z"), 2;
    if (load_signer(a->pki, &der, &der_len, &key) != MDLG_E_OK)
        return free(der), mdlg_pkey_free(key), 2;
    for (size_t i = 0; i < a->n_marks; i++)
        values[a->marks[i]] = a->mark_value[i];
    struct mdlg_bytes chain = { der, der_len };
    struct mdlg_status_token_opts o = {
        .key = key, .x5chain = &chain, .x5chain_n = 1, .uri = a->uri, .iat = iat,
        .exp = a->valid_days ? iat + a->valid_days * DAY : 0, .ttl = a->ttl,
        .bits = (unsigned)a->bits, .values = values, .n_values = (size_t)a->size };
    mdlg_err e = mdlg_status_token_build(&o, out);
    int rc = e == MDLG_E_OK ? write_token(a->out, out)
                            : (mdlg_cli_error(CMD, "cannot build: %s", mdlg_err_name(e)), 2);
    free(der);
    mdlg_pkey_free(key);
    return rc;
}

int mdlg_cmd_issue_status_list(int argc, char **argv)
{
    struct status_args a = { .size = 1024, .bits = 1, .valid_days = 1 };
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    uint8_t *values = calloc((size_t)a.size, 1);
    struct mdlg_cbor_buf out;
    mdlg_cbor_buf_init(&out, NULL, 0);
    rc = values ? run(&a, values, &out) : (mdlg_cli_error(CMD, "out of memory"), 2);
    mdlg_cbor_buf_free(&out);
    free(values);
    return rc;
}
