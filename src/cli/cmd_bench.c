/*
 * cmd_bench.c - `mdlgate bench`: verifications per second per core.
 *
 * Method: the standard presentation (14 disclosed mDL elements, 2 KB
 * portrait, ES256 issuer and device keys, deviceSignature over an OpenID4VP
 * 1.0 SessionTranscript, DS under a US-CA test IACA) is issued once, then
 * mdlg_verify() runs on the calling thread in a loop for --seconds:
 *   cold   - the DS chain is validated on every call (no cache);
 *   cached - the DS chain result is reused (time still checked per call).
 * Every iteration must return a valid verdict, or the bench fails.
 *
 * Many anchors: --anchors N (default 10,000) filler IACAs are generated
 * (one shared P-256 key, distinct subjects "CN=mdlgate bench filler IACA
 * #i" spread over a few US states including California, so the real
 * anchor's own jurisdiction is crowded too) and loaded into a second trust
 * set with the real IACA added last; the cold figure is measured again
 * against that set, in BENCH_PAIR_SLICES slices alternating with slices
 * against the 1-anchor set (seconds / slices each), so that drift of the
 * machine's speed (other load, frequency) hits both sides alike; each side
 * is the mean of its slices. Anchor lookups are indexed, so the ratio
 * should be ~1.
 * The time to generate and to add the fillers is reported separately; it is
 * not part of any rate.
 *
 * The OpenSSL baseline is EVP_PKEY_verify of one P-256 signature over a fixed
 * digest; a full verification needs 3 of them cold (DS chain, issuer,
 * device) and 2 cached, which gives the bounds printed beside the numbers.
 * Each figure also gets the measuring thread's CPU time per call, and the
 * shares of the bound are given both ways (rates, and CPU times, which other
 * load on the machine disturbs far less).
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
#define BENCH_FILLERS 10000
#define BENCH_MAX_FILLERS 1000000

static const char bench_help[] =
"usage: mdlgate bench [--json] [--json-out FILE] [--seconds N] [--anchors N]\n"
"\n"
"Verifies the standard presentation (14 elements, 2 KB portrait, ES256,\n"
"deviceSignature) in a loop on one thread and prints verifications per second\n"
"per core, cold (chain validated every call) and cached (DS chain result\n"
"reused), next to OpenSSL's own P-256 verify rate and the bound it implies,\n"
"and the cold rate again with N filler IACAs loaded besides the real one.\n"
"  --seconds N   time per measurement (default 3)\n"
"  --anchors N   filler anchors for the many-anchors figure (default 10000;\n"
"                0 skips it)\n"
"  --json        machine output\n"
"  --json-out F  also write the machine output to file F\n";

struct bench_fixture {
    struct mdlg_testpki_cert iaca, ds;
    mdlg_pkey *device;
    struct mdlg_cbor_buf transcript, response;
    mdlg_trust *trust;
    mdlg_trust *many;          /* fillers + the real IACA (last); NULL if skipped */
    size_t n_fillers;
    double gen_seconds;        /* generating the filler certificates */
    double add_seconds;        /* adding them to the trust set */
};

/*
 * The figures of one run. cold_one/cold_many: the interleaved pair. cpu_*:
 * the measuring thread's CPU time per call in microseconds (other load on
 * the machine stretches wall time, far less CPU time).
 */
struct bench_figures {
    double ossl, cold, cached, cold_one, cold_many;
    double cpu_ossl, cpu_cold, cpu_cached;
};

#define BENCH_PAIR_SLICES 10

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

/* Filler i: CN "mdlgate bench filler IACA #i", C=US, ST cycling over a few states. */
static mdlg_err make_filler(mdlg_pkey *key, size_t i, struct mdlg_testpki_cert *out)
{
    static const char *const states[] = { "California", "New York", "Texas", "Ohio", "Utah",
                                          "Georgia", "Maryland", "Colorado" };
    char cn[64];
    snprintf(cn, sizeof cn, "mdlgate bench filler IACA #%zu", i);
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = states[i % 8],
                                         .common_name = cn, .key = key,
                                         .not_before = BENCH_NOW - 86400 * 365,
                                         .not_after = BENCH_NOW + 86400 * 3650 };
    return mdlg_testpki_iaca(&io, out);
}

/* f->many: n filler IACAs sharing one key, then the real IACA; timed. */
static mdlg_err make_many(struct bench_fixture *f, size_t n)
{
    mdlg_pkey *key = NULL;
    mdlg_err e = mdlg_pkey_generate(MDLG_CRV_P256, &key);
    if (e == MDLG_E_OK && (f->many = mdlg_trust_new()) == NULL)
        e = MDLG_E_NO_MEMORY;
    for (size_t i = 0; e == MDLG_E_OK && i < n; i++) {
        struct mdlg_testpki_cert c = { 0 };
        double t0 = mdlg_bench_now();
        e = make_filler(key, i, &c);
        double t1 = mdlg_bench_now();
        if (e == MDLG_E_OK)
            e = mdlg_trust_add_der(f->many, c.der, c.der_len, NULL);
        f->add_seconds += mdlg_bench_now() - t1;
        f->gen_seconds += t1 - t0;
        mdlg_testpki_cert_free(&c);
    }
    if (e == MDLG_E_OK)
        e = mdlg_trust_add_der(f->many, f->iaca.der, f->iaca.der_len, NULL);
    if (e == MDLG_E_OK && mdlg_trust_count(f->many) != n + 1)
        e = MDLG_E_INTERNAL;   /* a filler was taken for a duplicate: not n distinct */
    f->n_fillers = n;
    mdlg_pkey_free(key);
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
    mdlg_trust_free(f->many);
}

/*
 * Verifications per second for `seconds` against `trust`; -1 if any verdict
 * was not valid. *cpu_us (if not NULL): this thread's CPU time per call.
 */
static double measure(struct bench_fixture *f, mdlg_trust *trust, bool cached, double seconds,
                      double *cpu_us)
{
    struct mdlg_verify_opts o = { .now = BENCH_NOW, .policy = MDLG_POLICY_STRICT,
                                  .use_chain_cache = cached, .trust = trust,
                                  .transcript = mdlg_cbor_buf_bytes(&f->transcript) };
    struct mdlg_result r;
    double start = mdlg_bench_now(), now = start, cpu0 = mdlg_bench_cpu_now();
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
    if (cpu_us != NULL)
        *cpu_us = (mdlg_bench_cpu_now() - cpu0) / (double)n * 1e6;
    return (double)n / (now - start);
}

static void print_many_text(const struct bench_fixture *f, const struct bench_figures *g,
                            double secs)
{
    if (f->many == NULL)
        return;
    printf("  mdlgate verify, cold, %6zu anchors loaded         %9.0f /s per core\n"
           "  mdlgate verify, cold,      1 anchor  loaded         %9.0f /s per core"
           "   ratio %.3f (%zu anchors / 1)\n", f->n_fillers + 1, g->cold_many, g->cold_one,
           g->cold_many / g->cold_one, f->n_fillers + 1);
    printf("    method: %zu filler IACAs (one shared P-256 key, distinct subjects over 8 US\n"
           "    states incl. California) + the real IACA added last; the cold loop, %d slices\n"
           "    of %.2f s alternating between the two trust sets. Generating the fillers took\n"
           "    %.2f s and adding them to the trust set %.2f s (%.0f us per anchor), outside\n"
           "    every rate.\n", f->n_fillers, BENCH_PAIR_SLICES, secs / BENCH_PAIR_SLICES,
           f->gen_seconds, f->add_seconds, 1e6 * f->add_seconds / (double)f->n_fillers);
}

static void print_text(const struct bench_fixture *f, const struct bench_figures *g, double secs)
{
    printf("mdlgate bench: standard presentation (%zu bytes: 14 elements, 2 KB portrait, ES256, "
           "deviceSignature), strict policy, one thread, %.1f s per figure\n",
           f->response.len, secs);
    printf("  openssl P-256 verify (EVP_PKEY_verify, fixed digest)  %9.0f /s"
           "            CPU %5.1f us per call\n", g->ossl, g->cpu_ossl);
    printf("  mdlgate verify, cold (chain validated each call)     %9.0f /s per core"
           "   CPU %5.1f us per call\n", g->cold, g->cpu_cold);
    printf("  mdlgate verify, cached DS chain result                %9.0f /s per core"
           "   CPU %5.1f us per call\n", g->cached, g->cpu_cached);
    printf("  share of the bound, cold (3 verifies):   %3.0f%% of %.0f/s by rate, %3.0f%% by CPU time\n"
           "  share of the bound, cached (2 verifies): %3.0f%% of %.0f/s by rate, %3.0f%% by CPU time\n",
           100 * g->cold * 3 / g->ossl, g->ossl / 3, 100 * 3 * g->cpu_ossl / g->cpu_cold,
           100 * g->cached * 2 / g->ossl, g->ossl / 2, 100 * 2 * g->cpu_ossl / g->cpu_cached);
    printf("    method: the baseline is the verify column of `openssl speed ecdsap256` (the same\n"
           "    EVP_PKEY_verify call on one context, no hashing); CPU time is the measuring\n"
           "    thread's (CLOCK_THREAD_CPUTIME_ID), which other load on the machine disturbs far\n"
           "    less than the rates.\n");
    print_many_text(f, g, secs);
}

static void add_many_json(json_t *j, const struct bench_fixture *f,
                          const struct bench_figures *g)
{
    if (f->many == NULL)
        return;
    json_object_set_new(j, "anchors_loaded_many", json_integer((json_int_t)f->n_fillers + 1));
    json_object_set_new(j, "verify_per_sec_core_cold_many_anchors",
                        json_integer((json_int_t)g->cold_many));
    json_object_set_new(j, "verify_per_sec_core_cold_one_anchor_interleaved",
                        json_integer((json_int_t)g->cold_one));
    json_object_set_new(j, "many_anchors_cold_ratio", json_real(g->cold_many / g->cold_one));
    json_object_set_new(j, "many_anchors_generate_seconds", json_real(f->gen_seconds));
    json_object_set_new(j, "many_anchors_add_seconds", json_real(f->add_seconds));
    json_object_set_new(j, "many_anchors_method", json_string(
        "filler IACAs sharing one P-256 key with distinct subjects over 8 US states incl. "
        "California, plus the real IACA added last; cold loop as verify_per_sec_core_cold, in "
        "10 slices alternating with the 1-anchor set; ratio = many / one (interleaved)"));
}

static void add_cpu_json(json_t *j, const struct bench_figures *g)
{
    json_object_set_new(j, "cpu_us_per_openssl_verify", json_real(g->cpu_ossl));
    json_object_set_new(j, "cpu_us_per_verify_cold", json_real(g->cpu_cold));
    json_object_set_new(j, "cpu_us_per_verify_cached", json_real(g->cpu_cached));
    json_object_set_new(j, "cpu_share_of_bound_cold", json_real(3 * g->cpu_ossl / g->cpu_cold));
    json_object_set_new(j, "cpu_share_of_bound_cached",
                        json_real(2 * g->cpu_ossl / g->cpu_cached));
}

/* The JSON form to `out`; false if it could not be written. */
static bool print_json(const struct bench_fixture *f, const struct bench_figures *g, double secs,
                       FILE *out)
{
    json_t *j = json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:I,s:s}",
        "verify_per_sec_core_cold", (int)g->cold, "verify_per_sec_core_cached", (int)g->cached,
        "openssl_p256_verify_per_sec", (int)g->ossl, "bound_cold_per_sec", (int)(g->ossl / 3),
        "bound_cached_per_sec", (int)(g->ossl / 2), "seconds_per_figure", secs,
        "presentation_bytes", (json_int_t)f->response.len,
        "method", "mdlg_verify() in a loop on one thread, strict policy; cold = chain validated "
                  "every call, cached = DS chain result reused; baseline = EVP_PKEY_verify P-256 on one "
                  "context, as the verify column of `openssl speed ecdsap256`; cpu_* = the "
                  "thread's CPU time per call");
    if (j)
        add_cpu_json(j, g);
    if (j)
        add_many_json(j, f, g);
    bool ok = j != NULL && json_dumpf(j, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF;
    json_decref(j);
    return ok;
}

/* --json-out FILE: the JSON form besides the text (for tests/bench/http.sh). */
static int write_json_file(const char *path, const struct bench_fixture *f,
                           const struct bench_figures *g, double secs)
{
    FILE *out = fopen(path, "w");
    bool ok = out != NULL && print_json(f, g, secs, out);
    if (out != NULL && fclose(out) != 0)
        ok = false;
    if (!ok)
        mdlg_cli_error("bench", "cannot write %s", path);
    return ok ? 0 : 2;
}

/* Cold rates against 1 anchor and against f->many, interleaved; false on a failure. */
static bool measure_pair(struct bench_fixture *f, double secs, struct bench_figures *g)
{
    double slice = secs / BENCH_PAIR_SLICES, one = 0, many = 0;
    for (int i = 0; i < BENCH_PAIR_SLICES; i++) {
        double a = measure(f, f->trust, false, slice, NULL);
        double b = measure(f, f->many, false, slice, NULL);
        if (a <= 0 || b <= 0)
            return false;
        one += a, many += b;
    }
    g->cold_one = one / BENCH_PAIR_SLICES;
    g->cold_many = many / BENCH_PAIR_SLICES;
    return true;
}

/* The figures; false if a verification failed or OpenSSL errored. */
static bool run_figures(struct bench_fixture *f, double secs, struct bench_figures *g)
{
    g->ossl = mdlg_bench_openssl_p256_verify(secs, &g->cpu_ossl);
    g->cold = measure(f, f->trust, false, secs, &g->cpu_cold);
    g->cached = measure(f, f->trust, true, secs, &g->cpu_cached);
    if (g->ossl <= 0 || g->cold <= 0 || g->cached <= 0)
        return false;
    return f->many == NULL || measure_pair(f, secs, g);
}

static mdlg_err fixture_make(struct bench_fixture *f, size_t fillers)
{
    mdlg_cbor_buf_init(&f->transcript, NULL, 0);
    mdlg_cbor_buf_init(&f->response, NULL, 0);
    mdlg_err e = make_pki(f);
    if (e == MDLG_E_OK)
        e = make_response(f);
    if (e == MDLG_E_OK && fillers > 0)
        e = make_many(f, fillers);
    return e;
}

static bool parse_count(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v > BENCH_MAX_FILLERS)
        return false;
    *out = (size_t)v;
    return true;
}

int mdlg_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
                                           { "seconds", required_argument, NULL, 's' },
                                           { "anchors", required_argument, NULL, 'a' },
                                           { "json-out", required_argument, NULL, 'o' },
                                           { "help", no_argument, NULL, 'h' },
                                           { NULL, 0, NULL, 0 } };
    bool json = false;
    const char *json_out = NULL;
    double secs = 3;
    size_t fillers = BENCH_FILLERS;
    int c;
    if (argc > 1 && strcmp(argv[1], "screen") == 0)
        return mdlg_cmd_bench_screen(argc - 1, argv + 1);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 's' && (secs = atof(optarg)) > 0 && secs <= 600)
            continue;
        else if (c == 'a' && parse_count(optarg, &fillers))
            continue;
        else if (c == 'o')
            json_out = optarg;
        else if (c == 'h')
            return fputs(bench_help, stdout), 0;
        else
            return fputs(bench_help, stderr), 2;
    }
    if (optind < argc)
        return fputs(bench_help, stderr), 2;
    if (!json)
        fprintf(stderr, "mdlgate bench: building the fixture (%zu filler anchors)...\n", fillers);
    struct bench_fixture f = { 0 };
    struct bench_figures g = { 0 };
    mdlg_err e = fixture_make(&f, fillers);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("bench", "cannot build the standard presentation: %s", mdlg_err_name(e));
        fixture_free(&f);
        return 2;
    }
    if (!json)
        fprintf(stderr, "mdlgate bench: measuring (%d x %.1f s)...\n", f.many ? 5 : 3, secs);
    int rc = 0;
    if (!run_figures(&f, secs, &g)) {
        mdlg_cli_error("bench", "a verification failed or OpenSSL errored; no numbers");
        rc = 2;
    } else {
        if (json && !print_json(&f, &g, secs, stdout))
            rc = 2;
        if (!json)
            print_text(&f, &g, secs);
        if (json_out != NULL && rc == 0)
            rc = write_json_file(json_out, &f, &g, secs);
    }
    fixture_free(&f);
    return rc;
}
