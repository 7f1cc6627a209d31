/*
 * cmd_issue_reader.c - `mdlgate issue reader`: a demo reader-authentication
 * PKI (README "Signed requests"): a reader CA and a reader certificate
 * under it with the ISO 18013-5 Annex B reader-auth profile (extKeyUsage
 * 1.0.18013.5.1.6, keyUsage digitalSignature) and a dNSName, for
 * `mdlgate serve` (reader_key_file, reader_cert_file) and the test wallet
 * (--reader-ca). Certificates come from mdlg/testpki.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mdlg/crypto.h"
#include "mdlg/testpki.h"

#define CMD "issue reader"
#define DAY 86400
#define READER_EKU "1.0.18013.5.1.6"

static const char reader_help[] =
"usage: mdlgate issue reader --out DIR [--dns NAME] [--days N] [--at RFC3339]\n"
"\n"
"Writes a demo reader-authentication PKI into DIR (created if needed):\n"
"  reader-ca.pem, reader-ca.key.pem      the reader CA (give reader-ca.pem to wallets)\n"
"  reader-auth.pem, reader-auth.key.pem  the reader certificate (EKU 1.0.18013.5.1.6,\n"
"                                        subjectAltName DNS:NAME) and its key, for\n"
"                                        mdlgate serve's reader_cert_file / reader_key_file\n"
"  --dns NAME   the reader's DNS name (default rp.example); OpenID4VP client_id\n"
"               x509_san_dns:NAME\n"
"  --days N     validity from now (default 365)\n"
"  --at RFC3339 make the certificates as if now were that instant (default: now),\n"
"               e.g. to see what an expired reader certificate does\n";

struct reader_args {
    const char *out, *dns;
    long days;
    int64_t now;
};

static int parse_args(int argc, char **argv, struct reader_args *a)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' }, { "dns", required_argument, NULL, 'd' },
        { "days", required_argument, NULL, 'n' }, { "at", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'd': a->dns = optarg; break;
        case 'n':
            if (!mdlg_cli_parse_long(optarg, 1, 36500, &a->days))
                return mdlg_cli_error(CMD, "--days must be 1..36500"), 2;
            break;
        case 'a':
            if (!mdlg_cli_parse_time(optarg, &a->now))
                return mdlg_cli_error(CMD, "--at: not an RFC 3339 instant"), 2;
            break;
        case 'h': fputs(reader_help, stdout); return 0;
        default: fputs(reader_help, stderr); return 2;
        }
    }
    if (optind != argc || a->out == NULL || a->dns[0] == '\0' || strlen(a->dns) > 253 ||
        strpbrk(a->dns, " ,/:"))
        return fputs(reader_help, stderr), 2;
    return -1;
}

static bool write_text(const char *dir, const char *name, const char *text, size_t len,
                       bool secret)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    bool ok = f && (!secret || chmod(path, 0600) == 0) && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        mdlg_cli_error(CMD, "cannot write %s", path);
    return ok;
}

static bool write_pair(const char *dir, const char *base, const struct mdlg_testpki_cert *c)
{
    char name[64], *pem = NULL;
    size_t n = 0;
    bool ok = mdlg_pkey_to_pem(c->key, true, &pem, &n) == MDLG_E_OK;
    snprintf(name, sizeof name, "%s.pem", base);
    ok = ok && write_text(dir, name, c->pem, c->pem_len, false);
    snprintf(name, sizeof name, "%s.key.pem", base);
    ok = ok && write_text(dir, name, pem, n, true);
    free(pem);
    return ok;
}

static int run(const struct reader_args *a)
{
    struct mdlg_testpki_cert ca, leaf;
    int64_t now = a->now;
    struct mdlg_testpki_iaca_opts co = { .country = "US", .common_name = "mdlgate demo reader CA",
                                         .uri = "https://reader-ca.test", .not_before = now - DAY,
                                         .not_after = now + a->days * DAY };
    mdlg_err e = mdlg_testpki_iaca(&co, &ca);
    struct mdlg_testpki_ds_opts lo = { .iaca = &ca, .common_name = a->dns, .state = "",
                                       .uri = "https://reader-ca.test", .not_before = now - DAY,
                                       .not_after = now + a->days * DAY, .eku = READER_EKU,
                                       .dns_name = a->dns };
    if (e == MDLG_E_OK)
        e = mdlg_testpki_ds(&lo, &leaf);
    int rc = e == MDLG_E_OK ? 0 : 2;
    if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "cannot make the certificates: %s", mdlg_err_name(e));
    else if ((mkdir(a->out, 0700) != 0 && access(a->out, W_OK) != 0) ||
             !write_pair(a->out, "reader-ca", &ca) || !write_pair(a->out, "reader-auth", &leaf))
        rc = 2;
    if (e == MDLG_E_OK)
        mdlg_testpki_cert_free(&leaf);
    mdlg_testpki_cert_free(&ca);
    return rc;
}

int mdlg_cmd_issue_reader(int argc, char **argv)
{
    struct reader_args a = { .dns = "rp.example", .days = 365, .now = time(NULL) };
    int rc = parse_args(argc, argv, &a);
    return rc >= 0 ? rc : run(&a);
}
