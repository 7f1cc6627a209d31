/*
 * cmd_screen.c - `mdlgate screen --input claims.csv [--output results.jsonl]`
 * and `mdlgate screen purge`: batch screening against the identifier ledger.
 *
 * The CSV is streamed (one bounded record at a time) and screened in batches
 * of --batch claims, each batch one ledger transaction (one fsync). Results
 * are JSON lines; progress and the summary go to stderr (a bar when stderr is
 * a terminal, else a line every 5 seconds). A bad row is reported with its
 * line number and reason - never its content - and the batch goes on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mdlg/mdoc.h"
#include "screen_setup.h"

#define CMD "screen"
#define MAX_COLS 64
#define DEFAULT_BATCH 500

static const char screen_help[] =
"usage: mdlgate screen --input claims.csv [--output results.jsonl] [--config FILE]\n"
"                      [--data-dir DIR] [--at RFC3339] [--batch N]\n"
"       mdlgate screen purge [--config FILE] [--data-dir DIR] [--at RFC3339]\n"
"\n"
"Screens every claim of a CSV file (header row = column names, see README\n"
"\"Screening claims\") against the identifier ledger and writes one JSON result\n"
"per claim (stdout unless --output). Bad rows are reported on stderr with their\n"
"line number and skipped. A claim_id the ledger already has with the same content\n"
"is not screened again (its stored result is written, counted as \"already screened\"),\n"
"so re-running a batch resumes it; with other content it is a bad row.\n"
"`purge` deletes ledger entries past their retention.\n"
"The ledger key comes from the screening config (--config, MDLGATE_SCREENING_CONFIG\n"
"or DATA_DIR/screening.json) or MDLGATE_LEDGER_KEY=ID:HEX64; there is no default.\n"
"Exit status: 0 all rows screened, 1 some rows bad, 2 usage or error.\n";

struct args {
    const char *input, *output, *config, *data_dir, *at;
    size_t batch;
    bool purge;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        { "input", required_argument, NULL, 'i' },  { "output", required_argument, NULL, 'o' },
        { "config", required_argument, NULL, 'c' }, { "data-dir", required_argument, NULL, 'd' },
        { "at", required_argument, NULL, 'a' },     { "batch", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
    };
    int ch;
    long v;
    a->batch = DEFAULT_BATCH;
    a->data_dir = getenv("MDLGATE_DATA_DIR") ? getenv("MDLGATE_DATA_DIR") : "./var";
    if (argc > 1 && strcmp(argv[1], "purge") == 0)
        a->purge = true, argc--, argv++;
    while ((ch = getopt_long(argc, argv, "i:o:c:d:a:b:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': a->input = optarg; break;
        case 'o': a->output = optarg; break;
        case 'c': a->config = optarg; break;
        case 'd': a->data_dir = optarg; break;
        case 'a': a->at = optarg; break;
        case 'b':
            if (!mdlg_cli_parse_long(optarg, 1, 10000, &v))
                return mdlg_cli_error(CMD, "--batch must be 1..10000"), 2;
            a->batch = (size_t)v;
            break;
        case 'h': fputs(screen_help, stdout); return 0;
        default: fputs(screen_help, stderr); return 2;
        }
    }
    if (optind != argc || (!a->purge && a->input == NULL) || a->batch == 0 || a->batch > 10000) {
        fputs(screen_help, stderr);
        return 2;
    }
    return -1;
}

/* ---- progress ---- */

struct progress {
    bool tty;
    double t0, last;
    uint64_t total_bytes;     /* 0: unknown (a pipe) */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(struct progress *p, uint64_t rows, uint64_t bytes, bool final)
{
    double t = now_s(), el = t - p->t0;
    if (!final && t - p->last < (p->tty ? 0.2 : 5.0))
        return;
    p->last = t;
    double rate = el > 0 ? (double)rows / el : 0;
    if (p->tty) {
        int pct = p->total_bytes ? (int)(100.0 * (double)bytes / (double)p->total_bytes) : -1;
        char bar[31];
        int fill = pct < 0 ? 0 : pct * 30 / 100;
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(30 - fill));
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %3d%%  %llu rows  %.0f rows/s%s", bar, pct < 0 ? 0 : pct,
                (unsigned long long)rows, rate, final ? "\n" : "");
    } else if (!final) {
        fprintf(stderr, "mdlgate screen: %llu rows, %.0f rows/s\n", (unsigned long long)rows,
                rate);
    }
}

/* ---- the batch loop ---- */

struct run {
    mdlg_screener *s;
    FILE *out;
    int64_t now;
    int cols[MAX_COLS];         /* column -> claim field, -1 ignored */
    size_t ncols;
    size_t batch;
    struct mdlg_claim *claims;
    struct mdlg_screen_item *items;
    char **rowbuf;
    size_t *lines;
    size_t n;
    uint64_t rows, screened, already, bad, review, with_invalid;
};

static void report_bad(struct run *r, size_t line, const char *field, const char *reason)
{
    r->bad++;
    fprintf(stderr, "mdlgate screen: line %zu: bad row: %s%s%s\n", line, field ? field : "",
            field ? ": " : "", reason);
}

static mdlg_err flush_batch(struct run *r)
{
    if (r->n == 0)
        return MDLG_E_OK;
    for (size_t i = 0; i < r->n; i++)
        r->items[i] = (struct mdlg_screen_item){ .claim = &r->claims[i] };
    mdlg_err e = mdlg_screen_batch(r->s, r->items, r->n, r->now);
    for (size_t i = 0; e == MDLG_E_OK && i < r->n; i++) {
        struct mdlg_screen_item *it = &r->items[i];
        if (it->err != MDLG_E_OK) {
            report_bad(r, r->lines[i], it->bad_field, it->bad_reason);
            continue;
        }
        fprintf(r->out, "%s\n", it->json);
        if (it->claim_seen == MDLG_LEDGER_CLAIM_SAME) {   /* a resumed batch: not counted twice */
            r->already++;
            continue;
        }
        r->screened++;
        r->review += it->review;
        r->with_invalid += it->n_invalid > 0;
    }
    mdlg_screen_items_free(r->items, r->n);
    for (size_t i = 0; i < r->n; i++) {
        free(r->rowbuf[i]);
        r->rowbuf[i] = NULL;
    }
    r->n = 0;
    return e;
}

/* Copies one record into the batch (its fields point into the CSV buffer). */
static bool add_row(struct run *r, const char **f, const size_t *len, size_t line)
{
    size_t total = 0, off = 0;
    for (size_t i = 0; i < r->ncols; i++)
        total += len[i] + 1;
    char *buf = malloc(total ? total : 1);
    if (buf == NULL)
        return false;
    struct mdlg_claim *c = &r->claims[r->n];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < r->ncols; i++) {
        memcpy(buf + off, f[i], len[i] + 1);
        if (r->cols[i] >= 0)
            c->f[r->cols[i]] = buf + off, c->len[r->cols[i]] = len[i];
        off += len[i] + 1;
    }
    r->rowbuf[r->n] = buf;
    r->lines[r->n++] = line;
    return true;
}

static int read_header(struct run *r, struct mdlg_csv *csv)
{
    const char *f[MAX_COLS];
    size_t len[MAX_COLS], line;
    const char *why = NULL;
    bool has_id = false;
    if (mdlg_csv_next(csv, f, len, MAX_COLS, &r->ncols, &line, &why) != 1)
        return mdlg_cli_error(CMD, "no header row (%s)", why ? why : "empty input"), 2;
    for (size_t i = 0; i < r->ncols; i++) {
        r->cols[i] = mdlg_claim_field_from_name(f[i], len[i]);
        if (r->cols[i] < 0)
            fprintf(stderr, "mdlgate screen: ignoring unknown column %zu ('%.*s')\n", i + 1,
                    (int)(len[i] > 40 ? 40 : len[i]), f[i]);
        has_id |= r->cols[i] == MDLG_CF_CLAIM_ID;
    }
    if (!has_id)
        return mdlg_cli_error(CMD, "the header has no claim_id column"), 2;
    return 0;
}

static int screen_rows(struct run *r, struct mdlg_csv *csv, struct progress *pg)
{
    const char *f[MAX_COLS];
    size_t len[MAX_COLS], n, line;
    const char *why;
    int rc;
    while ((rc = mdlg_csv_next(csv, f, len, MAX_COLS, &n, &line, &why)) != 0) {
        if (rc > 0 && n == 1 && len[0] == 0)
            continue;                               /* blank line */
        r->rows++;
        if (rc < 0) {
            report_bad(r, line, NULL, why);
        } else if (n != r->ncols) {
            char msg[64];
            snprintf(msg, sizeof msg, "%zu fields, the header has %zu", n, r->ncols);
            report_bad(r, line, NULL, msg);
        } else if (!add_row(r, f, len, line)) {
            return mdlg_cli_error(CMD, "out of memory"), 2;
        }
        mdlg_err e = r->n == r->batch ? flush_batch(r) : MDLG_E_OK;
        if (e != MDLG_E_OK)
            return mdlg_cli_error(CMD, "ledger: %s", mdlg_err_name(e)), 2;
        progress(pg, r->rows, mdlg_csv_offset(csv), false);
    }
    mdlg_err e = flush_batch(r);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "ledger: %s", mdlg_err_name(e)), 2;
    return 0;
}

static void summary(const struct run *r, const struct progress *pg)
{
    double el = now_s() - pg->t0;
    fprintf(stderr, "mdlgate screen: %llu rows: %llu screened (%llu review, %llu clear), "
            "%llu already screened, %llu bad rows, %llu with invalid identifiers; %.2f s, "
            "%.0f rows/s\n",
            (unsigned long long)r->rows, (unsigned long long)r->screened,
            (unsigned long long)r->review, (unsigned long long)(r->screened - r->review),
            (unsigned long long)r->already, (unsigned long long)r->bad, (unsigned long long)r->with_invalid, el,
            el > 0 ? (double)r->rows / el : 0.0);
}

static int run_file(struct run *r, FILE *in)
{
    struct progress pg = { .tty = isatty(STDERR_FILENO) == 1, .t0 = now_s() };
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        pg.total_bytes = (uint64_t)st.st_size;
    pg.last = pg.t0;
    struct mdlg_csv *csv = mdlg_csv_new(in);
    r->claims = calloc(r->batch, sizeof *r->claims);
    r->items = calloc(r->batch, sizeof *r->items);
    r->rowbuf = calloc(r->batch, sizeof *r->rowbuf);
    r->lines = calloc(r->batch, sizeof *r->lines);
    int rc = 2;
    if (csv && r->claims && r->items && r->rowbuf && r->lines)
        rc = read_header(r, csv);
    if (rc == 0)
        rc = screen_rows(r, csv, &pg);
    if (rc == 0) {
        progress(&pg, r->rows, mdlg_csv_offset(csv), true);
        summary(r, &pg);
        rc = r->bad > 0 ? 1 : 0;
    }
    for (size_t i = 0; r->rowbuf && i < r->n; i++)
        free(r->rowbuf[i]);
    free(r->claims), free(r->items), free(r->rowbuf), free(r->lines);
    mdlg_csv_free(csv);
    return rc;
}

static int do_purge(struct mdlg_cli_screen *sc, int64_t now)
{
    struct mdlg_ledger_purge_stats ps;
    mdlg_err e = mdlg_ledger_purge(sc->ledger, now, &ps);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "purge: %s", mdlg_err_name(e)), 2;
    printf("{\"keys_deleted\": %llu, \"screenings_deleted\": %llu}\n",
           (unsigned long long)ps.keys_deleted, (unsigned long long)ps.screenings_deleted);
    return 0;
}

static int with_files(const struct args *a, struct mdlg_cli_screen *sc, int64_t now)
{
    FILE *in = strcmp(a->input, "-") == 0 ? stdin : fopen(a->input, "r");
    FILE *out = a->output ? fopen(a->output, "w") : stdout;
    int rc = 2;
    if (in == NULL || out == NULL) {
        mdlg_cli_error(CMD, "cannot open %s", in == NULL ? a->input : a->output);
    } else {
        struct run *r = calloc(1, sizeof *r);
        if (r != NULL) {
            *r = (struct run){ .s = sc->screener, .out = out, .now = now, .batch = a->batch };
            rc = run_file(r, in);
            free(r);
        }
        if (fflush(out) != 0 || ferror(out))
            rc = 2, mdlg_cli_error(CMD, "cannot write the results");
    }
    if (in != NULL && in != stdin)
        fclose(in);
    if (out != NULL && out != stdout)
        fclose(out);
    return rc;
}

int mdlg_cmd_screen(int argc, char **argv)
{
    struct args a = { 0 };
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    int64_t now = (int64_t)time(NULL);
    if (a.at != NULL && !mdlg_cli_parse_time(a.at, &now))
        return mdlg_cli_error(CMD, "--at: not an RFC 3339 time"), 2;
    char buf[1100], err[512] = "";
    struct mdlg_cli_screen sc;
    const char *cfg = mdlg_cli_screen_config_path(a.config, a.data_dir, buf, sizeof buf);
    mdlg_err e = mdlg_cli_screen_open(cfg, a.data_dir, now, &sc, err, sizeof err);
    if (e != MDLG_E_OK)
        return mdlg_cli_error(CMD, "%s: %s", mdlg_err_name(e), err), 2;
    rc = a.purge ? do_purge(&sc, now) : with_files(&a, &sc, now);
    mdlg_cli_screen_close(&sc);
    return rc;
}
