/*
 * cmd_bench.c - `mdlgate bench`: verifications per second per core.
 *
 * Method: the standard presentation (14 disclosed mDL elements, 2 KB
 * portrait, ES256 issuer and device keys, deviceSignature over an OpenID4VP
 * 1.0 SessionTranscript, DS under a US-CA test IACA) is issued once, then
 * mdlg_verify() runs on the calling thread in a loop for --seconds:
 *   cold   - the DS chain is validated on every call (no cache);
 *   cached - the DS chain result is reused (time still checked per call).
 * Every iteration must return a valid verdict, or the bench fails. The
 * OpenSSL baseline is EVP_PKEY_verify of one P-256 signature over a fixed
 * digest; a full verification needs 3 of them cold (DS chain, issuer,
 * device) and 2 cached, which gives the bounds printed beside the numbers.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mdlg/bench.h"
#include "mdlg/issuer.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/transcript.h"

#define BENCH_NOW 1767225600   /* 2026-01-01T00:00:00Z */

static const char bench_help[] =
"usage: mdlgate bench [--json] [--seconds N]\n"
"\n"
"Verifies the standard presentation (14 elements, 2 KB portrait, ES256,\n"
"deviceSignature) in a loop on one thread and prints verifications per second\n"
"per core, cold (chain validated every call) and cached (DS chain result\n"
"reused), next to OpenSSL's own P-256 verify rate and the bound it implies.\n"
"  --seconds N   time per measurement (default 3)\n"
"  --json        machine output\n";

struct bench_fixture {
    struct mdlg_testpki_cert iaca, ds;
    mdlg_pkey *device;
    struct mdlg_cbor_buf transcript, response;
    mdlg_trust *trust;
};

static mdlg_err make_pki(struct bench_fixture *f)
{
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "California",
                                         .not_before = BENCH_NOW - 86400 * 365,
                                         .not_after = BENCH_NOW + 86400 * 3650 };
    mdlg_err e = mdlg_testpki_iaca(&io, &f->iaca);
    if (e != MDLG_E_OK)
        return e;
    struct mdlg_testpki_ds_opts dso = { .iaca = &f->iaca, .not_before = BENCH_NOW - 86400 * 30,
                                        .not_after = BENCH_NOW + 86400 * 365 };
    if ((e = mdlg_testpki_ds(&dso, &f->ds)) != MDLG_E_OK)
        return e;
    if ((f->trust = mdlg_trust_new()) == NULL)
        return MDLG_E_NO_MEMORY;
    return mdlg_trust_add_der(f->trust, f->iaca.der, f->iaca.der_len, NULL);
}

static mdlg_err make_response(struct bench_fixture *f)
{
    struct mdlg_issue_claims claims;
    struct mdlg_bytes chain = { f->ds.der, f->ds.der_len };
    mdlg_err e = mdlg_pkey_generate(MDLG_CRV_P256, &f->device);
    if (e == MDLG_E_OK)
        e = mdlg_transcript_oid4vp_1_0(&f->transcript, "x509_san_dns:verifier.example",
                                       "bench-nonce-0123456789abcdef", NULL,
                                       "https://verifier.example/response");
    mdlg_issue_claims_init(&claims);
    if (e == MDLG_E_OK && (e = mdlg_issue_standard_claims(&claims, NULL, NULL, BENCH_NOW)) ==
                              MDLG_E_OK) {
        struct mdlg_issue_opts o = {
            .items = claims.items, .n_items = claims.n_items, .ds_key = f->ds.key,
            .x5chain = &chain, .x5chain_n = 1, .signed_at = BENCH_NOW - 3600,
            .valid_from = BENCH_NOW - 3600, .valid_until = BENCH_NOW + 86400 * 30,
            .device_key = f->device, .device_auth = MDLG_ISSUE_DEVICE_SIGNATURE,
            .transcript = mdlg_cbor_buf_bytes(&f->transcript),
        };
        e = mdlg_issue_device_response(&o, &f->response);
    }
    mdlg_issue_claims_free(&claims);
    return e;
}

static void fixture_free(struct bench_fixture *f)
{
    mdlg_testpki_cert_free(&f->iaca);
    mdlg_testpki_cert_free(&f->ds);
    mdlg_pkey_free(f->device);
    mdlg_cbor_buf_free(&f->transcript);
    mdlg_cbor_buf_free(&f->response);
    mdlg_trust_free(f->trust);
}

/* Verifications per second for `seconds`; -1 if any verdict was not valid. */
static double measure(struct bench_fixture *f, bool cached, double seconds)
{
    struct mdlg_verify_opts o = { .now = BENCH_NOW, .policy = MDLG_POLICY_STRICT,
                                  .use_chain_cache = cached, .trust = f->trust,
                                  .transcript = mdlg_cbor_buf_bytes(&f->transcript) };
    struct mdlg_result r;
    double start = mdlg_bench_now(), now = start;
    long n = 0;
    while (now - start < seconds) {
        for (int i = 0; i < 16; i++, n++) {
            bool ok = mdlg_verify(f->response.ptr, f->response.len, &o, &r) == MDLG_E_OK && r.valid;
            mdlg_result_free(&r);
            if (!ok)
                return -1;
        }
        now = mdlg_bench_now();
    }
    return (double)n / (now - start);
}

static void print_text(double ossl, double cold, double cached, size_t bytes, double secs)
{
    printf("mdlgate bench: standard presentation (%zu bytes: 14 elements, 2 KB portrait, ES256, "
           "deviceSignature), strict policy, one thread, %.1f s per figure\n", bytes, secs);
    printf("  openssl P-256 verify (EVP_PKEY_verify, fixed digest)  %9.0f /s\n", ossl);
    printf("  mdlgate verify, cold (chain validated each call)     %9.0f /s per core"
           "   bound %0.f/s (3 verifies), %.0f%% of it\n", cold, ossl / 3, 100 * cold * 3 / ossl);
    printf("  mdlgate verify, cached DS chain result                %9.0f /s per core"
           "   bound %0.f/s (2 verifies), %.0f%% of it\n", cached, ossl / 2,
           100 * cached * 2 / ossl);
}

static void print_json(double ossl, double cold, double cached, size_t bytes, double secs)
{
    json_t *j = json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:I,s:s}",
        "verify_per_sec_core_cold", (int)cold, "verify_per_sec_core_cached", (int)cached,
        "openssl_p256_verify_per_sec", (int)ossl, "bound_cold_per_sec", (int)(ossl / 3),
        "bound_cached_per_sec", (int)(ossl / 2), "seconds_per_figure", secs,
        "presentation_bytes", (json_int_t)bytes,
        "method", "mdlg_verify() in a loop on one thread, strict policy; cold = chain validated "
                  "every call, cached = DS chain result reused; baseline = EVP_PKEY_verify P-256");
    if (j)
        json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
}

int mdlg_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
                                           { "seconds", required_argument, NULL, 's' },
                                           { "help", no_argument, NULL, 'h' },
                                           { NULL, 0, NULL, 0 } };
    bool json = false;
    double secs = 3;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 's' && (secs = atof(optarg)) > 0 && secs <= 600)
            continue;
        else if (c == 'h')
            return fputs(bench_help, stdout), 0;
        else
            return fputs(bench_help, stderr), 2;
    }
    struct bench_fixture f = { 0 };
    mdlg_cbor_buf_init(&f.transcript, NULL, 0);
    mdlg_cbor_buf_init(&f.response, NULL, 0);
    mdlg_err e = make_pki(&f);
    if (e == MDLG_E_OK)
        e = make_response(&f);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("bench", "cannot build the standard presentation: %s", mdlg_err_name(e));
        fixture_free(&f);
        return 2;
    }
    if (!json)
        fprintf(stderr, "mdlgate bench: measuring (3 x %.1f s)...\n", secs);
    double ossl = mdlg_bench_openssl_p256_verify(secs);
    double cold = measure(&f, false, secs);
    double cached = measure(&f, true, secs);
    int rc = 0;
    if (ossl <= 0 || cold < 0 || cached < 0) {
        mdlg_cli_error("bench", "a verification failed or OpenSSL errored; no numbers");
        rc = 2;
    } else if (json) {
        print_json(ossl, cold, cached, f.response.len, secs);
    } else {
        print_text(ossl, cold, cached, f.response.len, secs);
    }
    fixture_free(&f);
    return rc;
}
