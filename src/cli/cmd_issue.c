/*
 * cmd_issue.c - `mdlgate issue`: a test PKI (IACA, DS, device key) and a
 * DeviceResponse signed with it, optionally with a named defect. The
 * library part is mdlg/issuer.h; certificates come from mdlg/testpki.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "issue_claims.h"
#include "mdlg/issuer.h"
#include "mdlg/limits.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/transcript.h"
#include "mdlg/transcript_json.h"
#include "mdlg/trust.h"

#define DAY 86400
#define IACA_DAYS 3650
#define DS_DAYS 365
#define MAX_PEM 65536
#define CMD "issue"

static const char issue_help[] =
"usage: mdlgate issue [--pki DIR] [--state XX] [--country CC] [--curve CURVE]\n"
"                     [--claims FILE.json] [--doctype DT] [--digest-alg ALG] [--decoys N]\n"
"                     [--transcript-hex HEX | --transcript FILE.json] [--at RFC3339]\n"
"                     [--valid-days N] [--device-auth signature|mac|none] [--reader-pub PEM]\n"
"                     [--status-uri URI --status-idx N] [--tamper NAME]... [--out FILE|-]\n"
"                     [-q|--quiet]\n"
"\n"
"Test issuer: writes one ISO 18013-5 DeviceResponse (raw CBOR) holding one document\n"
"signed by a test Document Signer, for tests, benchmarks, fuzz seeds and demos.\n"
"\n"
"PKI\n"
"  --pki DIR          use DIR/iaca.pem, iaca.key.pem, ds.pem, ds.key.pem, device.key.pem\n"
"                     if they all exist; if none exists, generate them there (IACA =\n"
"                     self-signed root, DS under it, both per ISO 18013-5 Annex B,\n"
"                     valid from --at minus 1 day for 10 years / 1 year). A partial set\n"
"                     is an error. Without --pki the keys are ephemeral and the IACA is\n"
"                     discarded, so nothing can verify the output against an anchor.\n"
"  --country CC       subject C of generated certificates (default US)\n"
"  --state XX         subject ST of generated certificates: a code XX is written as CC-XX\n"
"                     (ISO 3166-2, e.g. US-CA; default CA), a longer value (US-NY,\n"
"                     California) as given, \"\" for none. issuing_jurisdiction of the\n"
"                     standard claims follows it.\n"
"  --curve CURVE      P-256 (default), P-384, P-521 or Ed25519: DS and device keys\n"
"                     (the IACA uses the same curve, P-256 for Ed25519)\n"
"  (--country, --state and --curve apply only when generating.)\n"
"\n"
"Document\n"
"  --claims FILE      elements as JSON (default: the standard presentation, 14 mDL\n"
"                     elements incl. a 2 KB portrait, plus 2 withheld ones), format:\n"
"                       {\"doctype\": \"org.iso.18013.5.1.mDL\",\n"
"                        \"namespaces\": {\"org.iso.18013.5.1\": {\"family_name\": \"Doe\",\n"
"                            \"birth_date\": {\"full-date\": \"1990-01-01\"},\n"
"                            \"portrait\": {\"bstr\": \"<base64url>\"}, \"age_over_21\": true}},\n"
"                        \"withheld\": {\"org.iso.18013.5.1\": {\"sex\": 2}}}\n"
"                     JSON strings, numbers, booleans, null, arrays and objects map to\n"
"                     CBOR naturally; an object with the single member \"tdate\"\n"
"                     (RFC 3339, tag 0), \"full-date\" (YYYY-MM-DD, tag 1004) or \"bstr\"\n"
"                     (base64url) is that typed value. \"withheld\" elements are in the\n"
"                     MSO but not disclosed.\n"
"  --doctype DT       docType (default: the claims' doctype, else org.iso.18013.5.1.mDL)\n"
"  --digest-alg ALG   SHA-256 (default), SHA-384 or SHA-512\n"
"  --decoys N         random extra digests per namespace in the MSO (default 2, max 64)\n"
"  --at RFC3339       issuance instant: MSO signed = validFrom = AT (default: now)\n"
"  --valid-days N     MSO validUntil = AT + N days (default 90)\n"
"  --status-uri URI   MSO status {\"status_list\": {\"idx\": N, \"uri\": URI}} (IETF Token\n"
"  --status-idx N     Status List; make the list with `mdlgate issue status-list`)\n"
"\n"
"Device authentication\n"
"  --transcript-hex HEX   SessionTranscript CBOR array (untagged, or #6.24 wrapped)\n"
"  --transcript FILE      SessionTranscript from a JSON profile (as for mdlgate verify)\n"
"                         One of the two is required unless --device-auth none.\n"
"  --device-auth MODE     signature (default: deviceSignature, COSE_Sign1 detached),\n"
"                         mac (deviceMac, HMAC 256/256 with a key from ECDH with the\n"
"                         reader's key) or none (no deviceSigned part)\n"
"  --reader-pub PEM       reader ephemeral public (or private) key for mac; default with\n"
"                         --pki: DIR/reader.key.pem, generated if absent (give it to\n"
"                         mdlgate verify --reader-key)\n"
"\n"
"Defects (--tamper NAME, repeatable; verify's expected error in brackets)\n"
"  digest                   a disclosed value changed after hashing [MSO_DIGEST_MISMATCH]\n"
"  issuer-signature         issuerAuth signature byte flipped [COSE_SIGNATURE_INVALID]\n"
"  device-signature         device signature/MAC byte flipped [DEVICE_SIGNATURE_INVALID,\n"
"                           DEVICE_MAC_INVALID]\n"
"  doctype                  MSO docType differs from the document's [MSO_DOCTYPE_MISMATCH]\n"
"  mso-untagged             MSO payload not #6.24 [MSO_NOT_TAGGED]\n"
"  duplicate-digest-id      two disclosed items share a digestID [MSO_DIGEST_ID_DUPLICATE]\n"
"  attached-device-payload  deviceSignature carries its payload [DEVICE_AUTH_MALFORMED;\n"
"                           valid under --policy lenient]\n"
"  wrong-transcript         device signs another transcript [DEVICE_SIGNATURE_INVALID]\n"
"  drop-device-signed       no deviceSigned part [DEVICE_AUTH_MISSING]\n"
"\n"
"Output\n"
"  --out FILE|-       where the CBOR goes (default: stdout, refused if it is a terminal)\n"
"  -q, --quiet        no summary line on stderr\n"
"\n"
"Example:\n"
"  mdlgate issue --pki pki --transcript-hex 83f6f68261784100 --out resp.cbor\n"
"  mdlgate verify --anchor pki/iaca.pem --transcript-hex 83f6f68261784100 resp.cbor\n"
"\n"
"Exit status: 0 written, 2 usage or I/O error.\n"
"\n"
"mdlgate issue crl --pki DIR --out FILE [--revoke CERT.pem]...: a CRL signed by DIR's IACA\n"
"(see `mdlgate issue crl --help`).\n"
"mdlgate issue status-list --pki DIR --uri URI --out FILE [--revoke IDX]...: a Status List\n"
"Token signed by DIR's DS (see `mdlgate issue status-list --help`).\n"
"mdlgate issue reader --out DIR [--dns NAME]: a demo reader CA and reader-auth certificate\n"
"for signed requests (see `mdlgate issue reader --help`).\n";

/* Length of the synopsis at the top of issue_help (up to the first blank line). */
static int usage_len(void)
{
    const char *p = strstr(issue_help, "\n\n");
    return p ? (int)(p - issue_help) + 1 : (int)strlen(issue_help);
}

struct issue_args {
    const char *pki, *state, *country, *curve, *claims, *doctype, *digest_alg;
    const char *thex, *tfile, *at, *device_auth, *reader_pub, *out, *status_uri;
    long valid_days, decoys, status_idx;
    uint32_t tamper;
    bool quiet;
};

enum { OPT_PKI = 1, OPT_STATE, OPT_COUNTRY, OPT_CURVE, OPT_CLAIMS, OPT_DOCTYPE, OPT_DIGEST,
       OPT_DECOYS, OPT_THEX, OPT_TFILE, OPT_AT, OPT_DAYS, OPT_DEVAUTH, OPT_READER, OPT_TAMPER,
       OPT_OUT, OPT_QUIET, OPT_STATUS_URI, OPT_STATUS_IDX, OPT_HELP };

static const struct option issue_options[] = {
    { "pki", required_argument, NULL, OPT_PKI },
    { "state", required_argument, NULL, OPT_STATE },
    { "country", required_argument, NULL, OPT_COUNTRY },
    { "curve", required_argument, NULL, OPT_CURVE },
    { "claims", required_argument, NULL, OPT_CLAIMS },
    { "doctype", required_argument, NULL, OPT_DOCTYPE },
    { "digest-alg", required_argument, NULL, OPT_DIGEST },
    { "decoys", required_argument, NULL, OPT_DECOYS },
    { "transcript-hex", required_argument, NULL, OPT_THEX },
    { "transcript", required_argument, NULL, OPT_TFILE },
    { "at", required_argument, NULL, OPT_AT },
    { "valid-days", required_argument, NULL, OPT_DAYS },
    { "device-auth", required_argument, NULL, OPT_DEVAUTH },
    { "reader-pub", required_argument, NULL, OPT_READER },
    { "tamper", required_argument, NULL, OPT_TAMPER },
    { "out", required_argument, NULL, OPT_OUT },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "status-uri", required_argument, NULL, OPT_STATUS_URI },
    { "status-idx", required_argument, NULL, OPT_STATUS_IDX },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

/* Everything one run holds; released by state_free(). */
struct issue_state {
    struct issue_args a;
    int64_t at;
    enum mdlg_curve curve;
    enum mdlg_hash_alg digest;
    enum mdlg_issue_device_auth mode;
    struct mdlg_testpki_cert iaca, ds;   /* generated (pem/der/key) or loaded (pem only + key) */
    uint8_t *ds_der;                     /* DS DER (loaded from PEM, or a copy) */
    size_t ds_der_len;
    mdlg_pkey *device, *reader;
    char country[4], juris[64];          /* for the standard claims, from the DS subject */
    struct mdlg_cbor_buf transcript, out;
    struct mdlg_issue_claims claims;
};

static int parse_opt(int c, struct issue_args *a)
{
    uint32_t bit;
    switch (c) {
    case OPT_PKI: a->pki = optarg; break;
    case OPT_STATE: a->state = optarg; break;
    case OPT_COUNTRY: a->country = optarg; break;
    case OPT_CURVE: a->curve = optarg; break;
    case OPT_CLAIMS: a->claims = optarg; break;
    case OPT_DOCTYPE: a->doctype = optarg; break;
    case OPT_DIGEST: a->digest_alg = optarg; break;
    case OPT_THEX: a->thex = optarg; break;
    case OPT_TFILE: a->tfile = optarg; break;
    case OPT_AT: a->at = optarg; break;
    case OPT_DEVAUTH: a->device_auth = optarg; break;
    case OPT_READER: a->reader_pub = optarg; break;
    case OPT_OUT: a->out = optarg; break;
    case OPT_STATUS_URI: a->status_uri = optarg; break;
    case OPT_STATUS_IDX:
        if (!mdlg_cli_parse_long(optarg, 0, 1L << 30, &a->status_idx))
            return mdlg_cli_error(CMD, "--status-idx must be 0..2^30"), 2;
        break;
    case 'q':
    case OPT_QUIET: a->quiet = true; break;
    case OPT_DECOYS:
        if (!mdlg_cli_parse_long(optarg, 0, 64, &a->decoys))
            return mdlg_cli_error(CMD, "--decoys must be 0..64"), 2;
        break;
    case OPT_DAYS:
        if (!mdlg_cli_parse_long(optarg, 1, 36500, &a->valid_days))
            return mdlg_cli_error(CMD, "--valid-days must be 1..36500"), 2;
        break;
    case OPT_TAMPER:
        if (!mdlg_tamper_from_name(optarg, &bit))
            return mdlg_cli_error(CMD, "unknown --tamper '%s' (see --help)", optarg), 2;
        a->tamper |= bit;
        break;
    case OPT_HELP: fputs(issue_help, stdout); return 0;
    default: fprintf(stderr, "%.*s(mdlgate issue --help for details)\n", usage_len(), issue_help);
        return 2;
    }
    return -1;
}

/* Parses argv into s->a and the derived enums. Returns -1 to continue, else an exit status. */
static int parse_args(int argc, char **argv, struct issue_state *s)
{
    struct issue_args *a = &s->a;
    int c, rc;
    optind = 1;
    a->valid_days = 90;
    a->decoys = 2;
    a->status_idx = -1;
    while ((c = getopt_long(argc, argv, "q", issue_options, NULL)) != -1)
        if ((rc = parse_opt(c, a)) >= 0)
            return rc;
    if (optind != argc)
        return mdlg_cli_error(CMD, "unexpected argument '%s' (see --help)", argv[optind]), 2;
    if (a->thex && a->tfile)
        return mdlg_cli_error(CMD, "give --transcript-hex or --transcript, not both"), 2;
    if (a->status_idx >= 0 && !a->status_uri)
        return mdlg_cli_error(CMD, "--status-idx needs --status-uri"), 2;
    const char *m = a->device_auth ? a->device_auth : "signature";
    s->mode = !strcmp(m, "mac") ? MDLG_ISSUE_DEVICE_MAC
            : !strcmp(m, "none") ? MDLG_ISSUE_DEVICE_NONE : MDLG_ISSUE_DEVICE_SIGNATURE;
    if (strcmp(m, "mac") && strcmp(m, "none") && strcmp(m, "signature"))
        return mdlg_cli_error(CMD, "--device-auth must be signature, mac or none"), 2;
    const char *cv = a->curve ? a->curve : "P-256";
    s->curve = !strcmp(cv, "P-256") ? MDLG_CRV_P256 : !strcmp(cv, "P-384") ? MDLG_CRV_P384
             : !strcmp(cv, "P-521") ? MDLG_CRV_P521 : !strcmp(cv, "Ed25519") ? MDLG_CRV_ED25519
             : MDLG_CRV_NONE;
    if (s->curve == MDLG_CRV_NONE)
        return mdlg_cli_error(CMD, "--curve must be P-256, P-384, P-521 or Ed25519"), 2;
    const char *d = a->digest_alg ? a->digest_alg : "SHA-256";
    s->digest = !strcmp(d, "SHA-256") ? MDLG_SHA256 : !strcmp(d, "SHA-384") ? MDLG_SHA384
              : !strcmp(d, "SHA-512") ? MDLG_SHA512 : 0;
    if (s->digest == 0)
        return mdlg_cli_error(CMD, "--digest-alg must be SHA-256, SHA-384 or SHA-512"), 2;
    bool device = s->mode != MDLG_ISSUE_DEVICE_NONE && !(a->tamper & MDLG_TAMPER_DROP_DEVICE_SIGNED);
    if (device && !a->thex && !a->tfile)
        return mdlg_cli_error(CMD, "a session transcript is required (--transcript-hex or "
                                   "--transcript), unless --device-auth none"), 2;
    if (s->mode == MDLG_ISSUE_DEVICE_MAC && !a->reader_pub && !a->pki)
        return mdlg_cli_error(CMD, "--device-auth mac needs --reader-pub PEM (or --pki DIR)"), 2;
    s->at = time(NULL);
    if (a->at && !mdlg_cli_parse_time(a->at, &s->at))
        return mdlg_cli_error(CMD, "--at must be RFC 3339, e.g. 2026-01-01T00:00:00Z"), 2;
    return -1;
}

/* ---- files ---- */

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool exists_in(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    bool ok = p != NULL && access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* Creates dir/name (must not exist) with mode, holding data. */
static mdlg_err write_new(const char *dir, const char *name, const void *data, size_t len,
                          mode_t mode)
{
    char *p = path_in(dir, name);
    int fd = p ? open(p, O_WRONLY | O_CREAT | O_EXCL, mode) : -1;
    bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok)
        mdlg_cli_error(CMD, "cannot write %s: %s", p ? p : name, strerror(errno));
    free(p);
    return ok ? MDLG_E_OK : MDLG_E_IO;
}

static mdlg_err read_in(const char *dir, const char *name, char **text, size_t *len)
{
    char *p = dir ? path_in(dir, name) : strdup(name);
    uint8_t *buf = NULL;
    mdlg_err e = p ? mdlg_cli_read_file(p, MAX_PEM, &buf, len) : MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK && *len > MAX_PEM)
        e = MDLG_E_LIMIT_BODY_SIZE;
    if (e != MDLG_E_OK) {
        mdlg_cli_error(CMD, "cannot read %s", p ? p : name);
        free(buf);
    } else {
        *text = (char *)buf;
    }
    free(p);
    return e;
}

static mdlg_err load_key(const char *dir, const char *name, mdlg_pkey **out)
{
    char *pem;
    size_t n;
    mdlg_err e = read_in(dir, name, &pem, &n);
    if (e != MDLG_E_OK)
        return e;
    if ((e = mdlg_pkey_from_pem(pem, n, out)) != MDLG_E_OK)
        mdlg_cli_error(CMD, "%s%s%s is not a usable key: %s", dir ? dir : "", dir ? "/" : "",
                       name, mdlg_err_name(e));
    free(pem);
    return e;
}

/* ---- PKI ---- */

static const char *const pki_files[] = { "iaca.pem", "iaca.key.pem", "ds.pem", "ds.key.pem",
                                         "device.key.pem" };
#define N_PKI_FILES (sizeof pki_files / sizeof pki_files[0])

static mdlg_err generate_pki(struct issue_state *s)
{
    char st[64] = "";
    const char *c = s->a.country ? s->a.country : "US";
    const char *state = s->a.state ? s->a.state : "CA";
    if (strlen(state) > 3)      /* "US-NY", "California": as given */
        snprintf(st, sizeof st, "%s", state);
    else if (state[0] != '\0') /* "CA" -> "US-CA" (ISO 3166-2) */
        snprintf(st, sizeof st, "%s-%s", c, state);
    struct mdlg_testpki_iaca_opts io = {
        .country = c, .state = st[0] ? st : NULL,
        .curve = s->curve == MDLG_CRV_ED25519 ? MDLG_CRV_P256 : s->curve,
        .not_before = s->at - DAY, .not_after = s->at + (int64_t)IACA_DAYS * DAY,
    };
    mdlg_err e = mdlg_testpki_iaca(&io, &s->iaca);
    struct mdlg_testpki_ds_opts dso = { .iaca = &s->iaca, .curve = s->curve,
                                        .not_before = s->at - DAY,
                                        .not_after = s->at + (int64_t)DS_DAYS * DAY };
    if (e == MDLG_E_OK)
        e = mdlg_testpki_ds(&dso, &s->ds);
    if (e == MDLG_E_OK)
        e = mdlg_pkey_generate(s->curve, &s->device);
    if (e == MDLG_E_OK && (s->ds_der = malloc(s->ds.der_len)) == NULL)
        e = MDLG_E_NO_MEMORY;
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "cannot generate the test PKI: %s", mdlg_err_name(e)), e;
    memcpy(s->ds_der, s->ds.der, s->ds.der_len);
    s->ds_der_len = s->ds.der_len;
    return MDLG_E_OK;
}

static mdlg_err write_key(const char *dir, const char *name, const mdlg_pkey *k)
{
    char *pem;
    size_t n;
    mdlg_err e = mdlg_pkey_to_pem(k, true, &pem, &n);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "cannot encode %s: %s", name, mdlg_err_name(e)), e;
    e = write_new(dir, name, pem, n, 0600);
    free(pem);
    return e;
}

static mdlg_err write_pki(const struct issue_state *s, const char *dir)
{
    mdlg_err e;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return mdlg_cli_error(CMD, "cannot create %s: %s", dir, strerror(errno)), MDLG_E_IO;
    if ((e = write_new(dir, "iaca.pem", s->iaca.pem, s->iaca.pem_len, 0644)) != MDLG_E_OK ||
        (e = write_key(dir, "iaca.key.pem", s->iaca.key)) != MDLG_E_OK ||
        (e = write_new(dir, "ds.pem", s->ds.pem, s->ds.pem_len, 0644)) != MDLG_E_OK ||
        (e = write_key(dir, "ds.key.pem", s->ds.key)) != MDLG_E_OK)
        return e;
    return write_key(dir, "device.key.pem", s->device);
}

static mdlg_err load_pki(struct issue_state *s, const char *dir)
{
    size_t n;
    mdlg_err e;
    if ((e = read_in(dir, "iaca.pem", &s->iaca.pem, &s->iaca.pem_len)) != MDLG_E_OK ||
        (e = read_in(dir, "ds.pem", &s->ds.pem, &n)) != MDLG_E_OK ||
        (e = load_key(dir, "ds.key.pem", &s->ds.key)) != MDLG_E_OK ||
        (e = load_key(dir, "device.key.pem", &s->device)) != MDLG_E_OK)
        return e;
    s->ds.pem_len = n;
    if ((s->ds_der = mdlg_cli_pem_cert_der(s->ds.pem, n, &s->ds_der_len)) == NULL)
        return mdlg_cli_error(CMD, "%s/ds.pem holds no certificate", dir), MDLG_E_CERT_MALFORMED;
    if (s->a.country || s->a.state || s->a.curve)
        fprintf(stderr, "mdlgate issue: note: using the PKI in %s; --country, --state and "
                        "--curve apply only when generating\n", dir);
    return MDLG_E_OK;
}

/* Loads DIR's PKI, or generates it (and writes it when DIR is given). */
static mdlg_err obtain_pki(struct issue_state *s)
{
    const char *dir = s->a.pki;
    size_t present = 0;
    for (size_t i = 0; dir && i < N_PKI_FILES; i++)
        present += exists_in(dir, pki_files[i]);
    if (present == N_PKI_FILES)
        return load_pki(s, dir);
    if (present > 0) {
        mdlg_cli_error(CMD, "%s holds only part of a PKI (needs iaca.pem, iaca.key.pem, ds.pem, "
                            "ds.key.pem, device.key.pem); refusing to overwrite", dir);
        return MDLG_E_USAGE;
    }
    mdlg_err e = generate_pki(s);
    if (e == MDLG_E_OK && dir)
        e = write_pki(s, dir);
    if (e == MDLG_E_OK && !dir)
        fprintf(stderr, "mdlgate issue: warning: no --pki: the IACA, DS and device keys are "
                        "ephemeral and discarded, so no trust anchor can verify this response "
                        "(use --pki DIR)\n");
    return e;
}

/*
 * Checks the DS against the IACA at --at (a warning only: expired or broken
 * PKIs make useful negative test data) and takes C and ST for the claims.
 */
static void check_pki(struct issue_state *s)
{
    mdlg_trust *t = mdlg_trust_new();
    struct mdlg_chain_result cr = { 0 };
    struct mdlg_bytes ds = { s->ds_der, s->ds_der_len };
    mdlg_err e = t ? mdlg_trust_add_pem(t, s->iaca.pem, s->iaca.pem_len, NULL) : MDLG_E_NO_MEMORY;
    if (e == MDLG_E_OK)
        e = mdlg_trust_verify_ds(t, &ds, 1, s->at, MDLG_POLICY_STRICT, false, &cr);
    if (e != MDLG_E_OK)
        fprintf(stderr, "mdlgate issue: warning: the DS certificate does not validate against "
                        "the IACA at --at (%s%s%s); the response will not verify\n",
                mdlg_err_name(e), cr.err_detail ? ": " : "", cr.err_detail ? cr.err_detail : "");
    snprintf(s->country, sizeof s->country, "%s", cr.ds_country);
    snprintf(s->juris, sizeof s->juris, "%s", cr.ds_state_code[0] ? cr.ds_state_code : cr.ds_state);
    if (s->country[0] == '\0')
        snprintf(s->country, sizeof s->country, "%s", s->a.country ? s->a.country : "US");
    mdlg_chain_result_clear(&cr);
    mdlg_trust_free(t);
}

/* ---- inputs ---- */

static mdlg_err load_transcript(struct issue_state *s)
{
    const struct issue_args *a = &s->a;
    uint8_t *raw = NULL;
    size_t n = 0;
    char err[256] = "";
    mdlg_err e = MDLG_E_OK;
    if (a->thex) {
        if ((e = mdlg_cli_hex_decode(a->thex, &raw, &n)) != MDLG_E_OK)
            mdlg_cli_error(CMD, "--transcript-hex is not hex");
        else if ((e = mdlg_transcript_raw(&s->transcript, raw, n, NULL)) != MDLG_E_OK)
            mdlg_cli_error(CMD, "--transcript-hex is not a SessionTranscript: %s", mdlg_err_name(e));
    } else if (a->tfile) {
        if ((e = mdlg_cli_read_file(a->tfile, MAX_PEM, &raw, &n)) != MDLG_E_OK)
            mdlg_cli_error(CMD, "cannot read %s", a->tfile);
        else if ((e = mdlg_transcript_from_json((const char *)raw, n, &s->transcript, err,
                                                sizeof err)) != MDLG_E_OK)
            mdlg_cli_error(CMD, "%s: %s (%s)", a->tfile, err, mdlg_err_name(e));
    }
    free(raw);
    return e;
}

static mdlg_err load_claims(struct issue_state *s)
{
    uint8_t *json;
    size_t n;
    char err[300] = "";
    if (!s->a.claims) {
        mdlg_err e = mdlg_issue_standard_claims(&s->claims, s->country, s->juris, s->at);
        if (e != MDLG_E_OK)
            mdlg_cli_error(CMD, "cannot build the standard claims: %s", mdlg_err_name(e));
        return e;
    }
    mdlg_err e = mdlg_cli_read_file(s->a.claims, MDLG_MAX_BODY, &json, &n);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "cannot read %s", s->a.claims), e;
    if (n > MDLG_MAX_BODY)
        e = MDLG_E_LIMIT_BODY_SIZE;
    else
        e = mdlg_cli_claims_from_json((const char *)json, n, &s->claims, err, sizeof err);
    if (e != MDLG_E_OK)
        mdlg_cli_error(CMD, "%s: %s", s->a.claims, err[0] ? err : mdlg_err_name(e));
    free(json);
    return e;
}

/* The reader key for deviceMac: --reader-pub, or DIR/reader.key.pem (generated if absent). */
static mdlg_err load_reader(struct issue_state *s)
{
    if (s->mode != MDLG_ISSUE_DEVICE_MAC)
        return MDLG_E_OK;
    if (s->a.reader_pub)
        return load_key(NULL, s->a.reader_pub, &s->reader);
    if (exists_in(s->a.pki, "reader.key.pem"))
        return load_key(s->a.pki, "reader.key.pem", &s->reader);
    enum mdlg_curve crv = mdlg_pkey_curve(s->device);
    if (crv != MDLG_CRV_P256 && crv != MDLG_CRV_P384 && crv != MDLG_CRV_P521)
        return mdlg_cli_error(CMD, "deviceMac needs an EC (P-256/384/521) device key"), MDLG_E_USAGE;
    mdlg_err e = mdlg_pkey_generate(crv, &s->reader);
    if (e == MDLG_E_OK && (e = write_key(s->a.pki, "reader.key.pem", s->reader)) == MDLG_E_OK &&
        !s->a.quiet)
        fprintf(stderr, "mdlgate issue: generated %s/reader.key.pem (mdlgate verify "
                        "--reader-key)\n", s->a.pki);
    return e;
}

/* ---- output ---- */

static mdlg_err write_output(const struct issue_state *s)
{
    const char *path = s->a.out ? s->a.out : "-";
    bool to_stdout = strcmp(path, "-") == 0;
    if (to_stdout && isatty(STDOUT_FILENO))
        return mdlg_cli_error(CMD, "refusing to write binary CBOR to a terminal: use --out FILE "
                                   "or redirect stdout"), MDLG_E_USAGE;
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    bool ok = f != NULL && fwrite(s->out.ptr, 1, s->out.len, f) == s->out.len;
    if (f != NULL && (to_stdout ? fflush(f) : fclose(f)) != 0)
        ok = false;
    if (!ok)
        return mdlg_cli_error(CMD, "cannot write %s: %s", path, strerror(errno)), MDLG_E_IO;
    return MDLG_E_OK;
}

static void summary(const struct issue_state *s, const struct mdlg_issue_opts *o)
{
    size_t disclosed = 0;
    char at[21];
    for (size_t i = 0; i < o->n_items; i++)
        disclosed += !o->items[i].withheld;
    mdlg_format_rfc3339(s->at, at);
    fprintf(stderr, "mdlgate issue: %zu bytes to %s: %s, %zu disclosed + %zu withheld elements, "
                    "device auth %s, signed %s, valid %ld days",
            s->out.len, s->a.out ? s->a.out : "stdout", o->doctype ? o->doctype : MDLG_MDL_DOCTYPE,
            disclosed, o->n_items - disclosed,
            s->mode == MDLG_ISSUE_DEVICE_MAC ? "mac" : s->mode == MDLG_ISSUE_DEVICE_NONE ? "none"
                                                                                     : "signature",
            at, s->a.valid_days);
    for (unsigned i = 0; i < MDLG_TAMPER_COUNT; i++)
        if (s->a.tamper & (1u << i))
            fprintf(stderr, ", tamper %s", mdlg_tamper_name(1u << i));
    fputc('\n', stderr);
}

static int run_issue(struct issue_state *s)
{
    if (obtain_pki(s) != MDLG_E_OK)
        return 2;
    check_pki(s);
    if (load_transcript(s) != MDLG_E_OK || load_claims(s) != MDLG_E_OK || load_reader(s) != MDLG_E_OK)
        return 2;
    struct mdlg_bytes chain = { s->ds_der, s->ds_der_len };
    struct mdlg_issue_opts o = {
        .doctype = s->a.doctype ? s->a.doctype : s->claims.doctype,
        .items = s->claims.items, .n_items = s->claims.n_items, .decoys = (unsigned)s->a.decoys,
        .digest_alg = s->digest, .ds_key = s->ds.key, .x5chain = &chain, .x5chain_n = 1,
        .signed_at = s->at, .valid_from = s->at,
        .valid_until = s->at + (int64_t)s->a.valid_days * DAY,
        .device_key = s->device, .device_auth = s->mode,
        .transcript = mdlg_cbor_buf_bytes(&s->transcript), .reader_key = s->reader,
        .tamper = s->a.tamper, .status_list_uri = s->a.status_uri,
        .status_list_idx = s->a.status_idx > 0 ? (uint64_t)s->a.status_idx : 0,
    };
    mdlg_err e = mdlg_issue_device_response(&o, &s->out);
    if (e != MDLG_E_OK) {
        mdlg_cli_error(CMD, "cannot issue: %s%s", mdlg_err_name(e),
                       e == MDLG_E_USAGE ? " (inconsistent options: e.g. a --tamper with nothing "
                                           "to act on, or the reader key's curve)" : "");
        return 2;
    }
    if (write_output(s) != MDLG_E_OK)
        return 2;
    if (!s->a.quiet)
        summary(s, &o);
    return 0;
}

static void state_free(struct issue_state *s)
{
    mdlg_testpki_cert_free(&s->iaca);
    mdlg_testpki_cert_free(&s->ds);
    free(s->ds_der);
    mdlg_pkey_free(s->device);
    mdlg_pkey_free(s->reader);
    mdlg_cbor_buf_free(&s->transcript);
    mdlg_cbor_buf_free(&s->out);
    mdlg_issue_claims_free(&s->claims);
}

int mdlg_cmd_issue(int argc, char **argv)
{
    struct issue_state s;
    if (argc > 1 && strcmp(argv[1], "reader") == 0)
        return mdlg_cmd_issue_reader(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "crl") == 0)
        return mdlg_cmd_issue_crl(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "status-list") == 0)
        return mdlg_cmd_issue_status_list(argc - 1, argv + 1);
    memset(&s, 0, sizeof s);
    mdlg_cbor_buf_init(&s.transcript, NULL, 0);
    mdlg_cbor_buf_init(&s.out, NULL, 0);
    mdlg_issue_claims_init(&s.claims);
    int rc = parse_args(argc, argv, &s);
    if (rc < 0)
        rc = run_issue(&s);
    state_free(&s);
    return rc;
}
