/*
 * cmd_coverage.c - `mdlgate coverage`: the state coverage table.
 *
 * Reads the table embedded at build time (state-coverage/coverage.rec), or
 * --data FILE in the same format, and prints it as JSON (the default, as in
 * the fixed interfaces), CSV or an aligned table with the summary.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "coverage_fmt.h"
#include "mdlg/coverage.h"
#include "mdlg/coverage_json.h"

static const char coverage_help[] =
"usage: mdlgate coverage [--jurisdiction XX] [--format json|csv|table] [--data FILE]\n"
"\n"
"mDL coverage of the 56 US jurisdictions (50 states, DC, PR, GU, VI, AS, MP):\n"
"status, wallets, TSA, ISO 18013-5, public IACA roots, population, sources,\n"
"and the fallback to use where residents cannot present an mDL.\n"
"  --jurisdiction XX  one jurisdiction: CA, US-CA or California (any case)\n"
"  --format F         json (default): {\"jurisdictions\": [...], \"summary\": {...}};\n"
"                     csv: one row per jurisdiction; table: aligned text + summary\n"
"  --data FILE        read this coverage.rec instead of the built-in table\n"
"The summary always covers the whole table. Exit 0, or 2 on an unknown\n"
"jurisdiction, bad option or bad data.\n";

enum { OPT_JUR = 1, OPT_FORMAT, OPT_DATA, OPT_HELP };

static const struct option coverage_options[] = {
    { "jurisdiction", required_argument, NULL, OPT_JUR },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "data", required_argument, NULL, OPT_DATA },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

struct coverage_args {
    const char *jurisdiction, *format, *data;
};

/* Returns -1 to continue, else an exit status. */
static int parse_args(int argc, char **argv, struct coverage_args *a)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", coverage_options, NULL)) != -1) {
        switch (c) {
        case OPT_JUR: a->jurisdiction = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case OPT_DATA: a->data = optarg; break;
        case OPT_HELP: fputs(coverage_help, stdout); return 0;
        default: fputs(coverage_help, stderr); return 2;
        }
    }
    if (optind != argc) {
        mdlg_cli_error("coverage", "unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (strcmp(a->format, "json") && strcmp(a->format, "csv") && strcmp(a->format, "table")) {
        mdlg_cli_error("coverage", "--format must be json, csv or table, not '%s'", a->format);
        return 2;
    }
    return -1;
}

/* The table from --data, or the built-in one. *owned is set when the caller frees it. */
static mdlg_err load(const char *path, const struct mdlg_coverage **t,
                     struct mdlg_coverage **owned)
{
    if (path == NULL)
        return mdlg_coverage_builtin(t);
    uint8_t *buf;
    size_t len;
    struct mdlg_cov_diag d;
    mdlg_err e = mdlg_cli_read_file(path, MDLG_COVERAGE_MAX_BYTES, &buf, &len);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("coverage", "cannot read %s: %s", path, mdlg_err_name(e));
        return e;
    }
    e = mdlg_coverage_parse((const char *)buf, len, owned, &d);
    free(buf);
    if (e == MDLG_E_COVERAGE_DATA_INVALID)
        mdlg_cli_error("coverage", "%s:%u: %s", path, d.line, d.message);
    else if (e != MDLG_E_OK)
        mdlg_cli_error("coverage", "%s: %s", path, mdlg_err_name(e));
    *t = *owned;
    return e;
}

static int print_json(const struct mdlg_coverage *t, const struct mdlg_cov_entry *only)
{
    json_t *doc = mdlg_coverage_json(t, only);
    int rc = doc != NULL && json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 ? 0 : 2;
    json_decref(doc);
    if (rc != 0)
        mdlg_cli_error("coverage", "cannot write JSON");
    else
        fputc('\n', stdout);
    return rc;
}

static int run(const struct coverage_args *a, const struct mdlg_coverage *t)
{
    const struct mdlg_cov_entry *only = NULL;
    if (a->jurisdiction != NULL && (only = mdlg_coverage_find(t, a->jurisdiction)) == NULL) {
        mdlg_cli_error("coverage", "unknown jurisdiction '%s': give a code (CA, US-CA) or a name "
                       "(California); `mdlgate coverage --format table` lists all %zu",
                       a->jurisdiction, mdlg_coverage_count(t));
        return 2;
    }
    if (strcmp(a->format, "json") == 0)
        return print_json(t, only);
    if (strcmp(a->format, "csv") == 0)
        mdlg_cli_coverage_csv(stdout, t, only);
    else
        mdlg_cli_coverage_table(stdout, t, only);
    return 0;
}

int mdlg_cmd_coverage(int argc, char **argv)
{
    struct coverage_args a = { .format = "json" };
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    const struct mdlg_coverage *t = NULL;
    struct mdlg_coverage *owned = NULL;
    mdlg_err e = load(a.data, &t, &owned);
    if (e != MDLG_E_OK) {
        if (a.data == NULL)
            mdlg_cli_error("coverage", "built-in table: %s (run the coverage unit test for the "
                           "line)", mdlg_err_name(e));
        return 2;
    }
    rc = run(&a, t);
    mdlg_coverage_free(owned);
    return fflush(stdout) == 0 && rc == 0 ? 0 : 2;
}
