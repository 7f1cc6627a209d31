/*
 * cmd_issue_crl.c - `mdlgate issue crl`: a CRL signed by the test IACA of
 * `mdlgate issue --pki DIR`, listing the given certificates (mdlg_testpki_crl).
 * For tests and demos of revocation (README "Test issuer").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mdlg/crypto.h"
#include "mdlg/testpki.h"

#define CMD "issue crl"
#define DAY 86400
#define MAX_PEM 65536
#define MAX_REVOKED 64

static const char crl_help[] =
"usage: mdlgate issue crl --pki DIR --out FILE [--revoke CERT.pem]... [--at RFC3339]\n"
"                         [--next-update-days N]\n"
"\n"
"Writes a DER CRL issued and signed by DIR/iaca.pem + DIR/iaca.key.pem (a PKI made by\n"
"`mdlgate issue --pki DIR`), listing the serial of each --revoke certificate.\n"
"  --at RFC3339           thisUpdate (and each revocationDate; default now)\n"
"  --next-update-days N   nextUpdate = thisUpdate + N days (default 30; 0: none)\n";

struct crl_args {
    const char *pki, *out, *at;
    const char *revoke[MAX_REVOKED];
    size_t n_revoke;
    long next_days;
};

static int parse_args(int argc, char **argv, struct crl_args *a)
{
    static const struct option opts[] = {
        { "pki", required_argument, NULL, 'p' }, { "out", required_argument, NULL, 'o' },
        { "revoke", required_argument, NULL, 'r' }, { "at", required_argument, NULL, 'a' },
        { "next-update-days", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': a->pki = optarg; break;
        case 'o': a->out = optarg; break;
        case 'a': a->at = optarg; break;
        case 'r':
            if (a->n_revoke == MAX_REVOKED)
                return mdlg_cli_error(CMD, "at most %d --revoke", MAX_REVOKED), 2;
            a->revoke[a->n_revoke++] = optarg;
            break;
        case 'n':
            if (!mdlg_cli_parse_long(optarg, 0, 36500, &a->next_days))
                return mdlg_cli_error(CMD, "--next-update-days must be 0..36500"), 2;
            break;
        case 'h': fputs(crl_help, stdout); return 0;
        default: fputs(crl_help, stderr); return 2;
        }
    }
    if (optind != argc || a->pki == NULL || a->out == NULL)
        return fputs(crl_help, stderr), 2;
    return -1;
}

/* A certificate PEM file -> c->der (c->key untouched). */
static mdlg_err load_cert(const char *path, struct mdlg_testpki_cert *c)
{
    uint8_t *pem = NULL;
    size_t n = 0;
    mdlg_err e = mdlg_cli_read_file(path, MAX_PEM, &pem, &n);
    if (e == MDLG_E_OK && (c->der = mdlg_cli_pem_cert_der((char *)pem, n, &c->der_len)) == NULL)
        e = MDLG_E_CERT_MALFORMED;
    if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "%s: no usable certificate (%s)", path, mdlg_err_name(e));
    free(pem);
    return e;
}

static mdlg_err load_iaca(const char *dir, struct mdlg_testpki_cert *iaca)
{
    char path[4096];
    uint8_t *pem = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/iaca.pem", dir);
    mdlg_err e = load_cert(path, iaca);
    snprintf(path, sizeof path, "%s/iaca.key.pem", dir);
    if (e == MDLG_E_OK && (e = mdlg_cli_read_file(path, MAX_PEM, &pem, &n)) == MDLG_E_OK)
        e = mdlg_pkey_from_pem((char *)pem, n, &iaca->key);
    if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "cannot load the IACA of %s: %s", dir, mdlg_err_name(e));
    free(pem);
    return e;
}

static int write_crl(const char *path, const uint8_t *der, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(der, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        return mdlg_cli_error(CMD, "cannot write %s", path), 2;
    return 0;
}

static int run(const struct crl_args *a, struct mdlg_testpki_cert *iaca,
               struct mdlg_testpki_cert *rev)
{
    const struct mdlg_testpki_cert *list[MAX_REVOKED];
    struct mdlg_testpki_crl_opts o = { .iaca = iaca, .revoked = list, .n_revoked = a->n_revoke,
                                       .this_update = time(NULL) };
    uint8_t *der = NULL;
    size_t len = 0;
    if (a->at && !mdlg_cli_parse_time(a->at, &o.this_update))
        return mdlg_cli_error(CMD, "--at must be RFC 3339, e.g. 2021-01-01T00:00:00Z"), 2;
    o.next_update = a->next_days ? o.this_update + a->next_days * DAY : 0;
    if (load_iaca(a->pki, iaca) != MDLG_E_OK)
        return 2;
    for (size_t i = 0; i < a->n_revoke; i++) {
        if (load_cert(a->revoke[i], &rev[i]) != MDLG_E_OK)
            return 2;
        list[i] = &rev[i];
    }
    mdlg_err e = mdlg_testpki_crl(&o, &der, &len);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "cannot issue the CRL: %s", mdlg_err_name(e)), 2;
    int rc = write_crl(a->out, der, len);
    free(der);
    return rc;
}

int mdlg_cmd_issue_crl(int argc, char **argv)
{
    struct crl_args a = { .next_days = 30 };
    struct mdlg_testpki_cert iaca = { 0 }, rev[MAX_REVOKED] = { { 0 } };
    int rc = parse_args(argc, argv, &a);
    if (rc < 0)
        rc = run(&a, &iaca, rev);
    mdlg_testpki_cert_free(&iaca);
    for (size_t i = 0; i < MAX_REVOKED; i++)
        mdlg_testpki_cert_free(&rev[i]);
    return rc;
}
