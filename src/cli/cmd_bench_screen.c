/*
 * cmd_bench_screen.c - `mdlgate bench screen gen|run`: the screening figures
 * of `make bench` (tests/bench/screen.sh drives them).
 *
 *   gen  writes --rows synthetic claims (bench_claims.h) as CSV to stdout, for
 *        `mdlgate screen --input` (the batch figure, which also fills the ledger);
 *   run  screens further claims of the same population one at a time on
 *        --threads threads, each call mdlg_screen_batch(.., 1, ..) - the call
 *        POST /v1/screenings makes - against the configured ledger, and reports
 *        screenings per second and the latency of each call (p50, p99, p99.9, max).
 *        Its claims are rows --rows, --rows+1, ... of the sequence: their pooled
 *        identifiers hit the clusters already in the ledger.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_claims.h"
#include "cli.h"
#include "screen_setup.h"

#define CMD "bench screen"
#define MAX_THREADS 256
#define LAT_CAP (1u << 22)      /* latencies kept per run */

static const char help[] =
"usage: mdlgate bench screen gen --rows N [--seed S] [--at RFC3339] [--span-days D]\n"
"       mdlgate bench screen run --rows N [--seed S] [--at RFC3339] [--span-days D]\n"
"                          [--config FILE] [--data-dir DIR] [--threads T] [--seconds S]\n"
"                          [--claims M] [--skip K] [--json] [--json-out FILE]\n"
"\n"
"gen: N synthetic claims as CSV on stdout (deterministic for a seed; filed over\n"
"     --span-days days, default 300, ending at --at, default 2026-12-01T00:00:00Z).\n"
"run: screens claims N, N+1, ... of the same sequence one per call on T threads\n"
"     (default 16) for S seconds (default 10) or M claims, against the ledger of\n"
"     the screening configuration, at --at; prints screenings/s and latency.\n"
"     A claim already in the ledger would be an idempotent retry, not a\n"
"     screening: the run fails if it meets one. For a second run against the\n"
"     same ledger, --skip K starts at claim N+K (beyond the earlier runs' claims).\n";

struct opts {
    struct bench_gen g;
    const char *config, *data_dir, *json_out;
    unsigned threads;
    double seconds;
    uint64_t claims;
    uint64_t skip;               /* first claim: rows + skip */
    bool json;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "rows", 1, NULL, 'r' },    { "seed", 1, NULL, 's' },     { "at", 1, NULL, 'a' },
        { "span-days", 1, NULL, 'p' }, { "config", 1, NULL, 'c' }, { "data-dir", 1, NULL, 'd' },
        { "threads", 1, NULL, 't' }, { "seconds", 1, NULL, 'S' },  { "claims", 1, NULL, 'm' },
        { "json", 0, NULL, 'j' },    { "json-out", 1, NULL, 'o' }, { "help", 0, NULL, 'h' },
        { "skip", 1, NULL, 'k' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t v = 0;
    int c;
    bool ok = true;
    while (ok && (c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'r': ok = parse_u64(optarg, UINT64_C(100000000), &o->g.rows); break;
        case 's': ok = parse_u64(optarg, UINT64_MAX, &o->g.seed); break;
        case 'a': ok = mdlg_cli_parse_time(optarg, &o->g.end); break;
        case 'p': ok = parse_u64(optarg, 36500, &v) && v > 0, o->g.span_s = (int64_t)v * 86400;
                  break;
        case 'c': o->config = optarg; break;
        case 'd': o->data_dir = optarg; break;
        case 't': ok = parse_u64(optarg, MAX_THREADS, &v) && v > 0, o->threads = (unsigned)v;
                  break;
        case 'S': ok = (o->seconds = atof(optarg)) > 0 && o->seconds <= 3600; break;
        case 'm': ok = parse_u64(optarg, LAT_CAP, &o->claims); break;
        case 'k': ok = parse_u64(optarg, UINT64_C(1000000000), &o->skip); break;
        case 'j': o->json = true; break;
        case 'o': o->json_out = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: ok = false;
        }
    }
    if (!ok || optind != argc || o->g.rows == 0)
        return fputs(help, stderr), 2;
    return -1;
}

static int do_gen(const struct opts *o)
{
    struct bench_claim b;
    mdlg_bench_csv_header(stdout);
    for (uint64_t i = 0; i < o->g.rows; i++) {
        mdlg_bench_claim(&o->g, i, &b);
        mdlg_bench_csv_row(stdout, &b);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return mdlg_cli_error(CMD, "cannot write the CSV"), 2;
    return 0;
}

/* ---- run ---- */

struct run {
    const struct opts *o;
    mdlg_screener *s;
    atomic_uint_fast64_t next;   /* claims taken */
    atomic_uint_fast64_t failed;
    atomic_uint_fast64_t review;
    atomic_uint_fast64_t repeated; /* claims the ledger already held (retries) */
    double deadline;
    uint64_t limit;              /* claims to take (LAT_CAP at most) */
    double *lat;                 /* [limit] seconds, by claim number */
};

static void *worker(void *arg)
{
    struct run *r = arg;
    struct bench_claim *b = malloc(sizeof *b);
    struct mdlg_claim c;
    for (uint64_t k; b != NULL && mono() < r->deadline &&
                     (k = atomic_fetch_add(&r->next, 1)) < r->limit;) {
        mdlg_bench_claim(&r->o->g, r->o->g.rows + r->o->skip + k, b);
        b->f[MDLG_CF_FILED_AT][0] = '\0';       /* filed now */
        mdlg_bench_claim_view(b, &c);
        struct mdlg_screen_item it = { .claim = &c };
        double t0 = mono();
        mdlg_err e = mdlg_screen_batch(r->s, &it, 1, r->o->g.end);
        r->lat[k] = mono() - t0;
        if (e != MDLG_E_OK || it.err != MDLG_E_OK || it.json == NULL)
            atomic_fetch_add(&r->failed, 1);
        else if (it.claim_seen != MDLG_LEDGER_CLAIM_NEW)
            atomic_fetch_add(&r->repeated, 1);
        else if (it.review)
            atomic_fetch_add(&r->review, 1);
        mdlg_screen_items_free(&it, 1);
    }
    free(b);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, uint64_t n, double p)
{
    uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);
    return n ? v[i < n ? i : n - 1] : 0;
}

static void report(const struct run *r, uint64_t n, double secs, FILE *f, bool json)
{
    double *v = r->lat;
    qsort(v, n, sizeof *v, cmp_double);
    double rate = secs > 0 ? (double)n / secs : 0;
    unsigned long long fails = (unsigned long long)atomic_load(&r->failed);
    if (json) {
        fprintf(f, "{\"screen_single_per_sec\": %.0f, \"screen_single_p50_ms\": %.3f, "
                "\"screen_single_p99_ms\": %.3f, \"screen_single_p999_ms\": %.3f, "
                "\"screen_single_max_ms\": %.3f, \"screen_single_claims\": %llu, "
                "\"screen_single_threads\": %u, \"screen_single_seconds\": %.2f, "
                "\"screen_single_review\": %llu, \"screen_single_failed\": %llu}\n", rate,
                pct(v, n, .5) * 1e3, pct(v, n, .99) * 1e3, pct(v, n, .999) * 1e3,
                n ? v[n - 1] * 1e3 : 0, (unsigned long long)n, r->o->threads, secs,
                (unsigned long long)atomic_load(&r->review), fails);
        return;
    }
    fprintf(f, "single screenings: %llu claims on %u threads in %.2f s: %.0f /s; latency p50 "
            "%.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; %llu review, %llu failed\n",
            (unsigned long long)n, r->o->threads, secs, rate, pct(v, n, .5) * 1e3,
            pct(v, n, .99) * 1e3, pct(v, n, .999) * 1e3, n ? v[n - 1] * 1e3 : 0,
            (unsigned long long)atomic_load(&r->review), fails);
}

static int run_threads(struct run *r)
{
    pthread_t th[MAX_THREADS];
    unsigned started = 0;
    double t0 = mono();
    r->deadline = t0 + r->o->seconds;
    for (; started < r->o->threads; started++)
        if (pthread_create(&th[started], NULL, worker, r) != 0)
            break;
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double secs = mono() - t0;
    uint64_t n = atomic_load(&r->next);
    n = n < r->limit ? n : r->limit;
    report(r, n, secs, stdout, r->o->json);
    FILE *f = r->o->json_out ? fopen(r->o->json_out, "w") : NULL;
    if (f != NULL)
        report(r, n, secs, f, true), fclose(f);
    uint64_t rep = atomic_load(&r->repeated);
    if (rep > 0)
        return mdlg_cli_error(CMD, "%llu of the claims were already in the ledger, so the run "
                              "measured retries, not screenings: use --skip %llu or a fresh "
                              "ledger", (unsigned long long)rep,
                              (unsigned long long)(r->o->skip + n)), 2;
    if (started < r->o->threads || atomic_load(&r->failed) > 0 || n == 0)
        return mdlg_cli_error(CMD, "%s", n ? "some screenings failed" : "nothing screened"), 2;
    return 0;
}

static int do_run(const struct opts *o)
{
    char buf[1100], err[512] = "";
    struct mdlg_cli_screen sc;
    const char *dd = o->data_dir ? o->data_dir : "./var";
    const char *cfg = mdlg_cli_screen_config_path(o->config, dd, buf, sizeof buf);
    mdlg_err e = mdlg_cli_screen_open(cfg, dd, o->g.end, &sc, err, sizeof err);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "%s: %s", mdlg_err_name(e), err), 2;
    struct run *r = calloc(1, sizeof *r);
    int rc = 2;
    if (r != NULL) {
        r->o = o, r->s = sc.screener;
        r->limit = o->claims ? o->claims : LAT_CAP;
        r->lat = calloc(r->limit, sizeof *r->lat);
        rc = r->lat ? run_threads(r) : (mdlg_cli_error(CMD, "out of memory"), 2);
        free(r->lat);
        free(r);
    }
    mdlg_cli_screen_close(&sc);
    return rc;
}

int mdlg_cmd_bench_screen(int argc, char **argv)
{
    struct opts o = { .g = { .seed = 1, .end = 1796083200 /* 2026-12-01 */,
                             .span_s = 300 * 86400 },
                      .threads = 16, .seconds = 10 };
    bool gen = argc > 1 && strcmp(argv[1], "gen") == 0;
    if (argc < 2 || (!gen && strcmp(argv[1], "run") != 0))
        return fputs(help, argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr),
               argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    optind = 1;
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc >= 0)
        return rc;
    return gen ? do_gen(&o) : do_run(&o);
}
