/*
 * coverage_fmt.c - CSV and table output of `mdlgate coverage`.
 * see coverage_fmt.h
 *
 * Both are driven by one column table: a header and a function that writes
 * an entry's cell into a buffer.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "coverage_fmt.h"

#define CELL 4096

typedef void (*cell_fn)(const struct mdlg_cov_entry *e, char *out, size_t n);

static const char *ans(enum mdlg_cov_answer a)
{
    return a == MDLG_COV_NOT_APPLICABLE ? "n/a" : mdlg_cov_answer_name(a);
}

static const char *opt(const char *s)
{
    return s != NULL ? s : "";
}

/* A cell that is one string. */
#define TEXT_CELL(fn, expr) \
    static void fn(const struct mdlg_cov_entry *e, char *o, size_t n) \
    {                                                                  \
        snprintf(o, n, "%s", (expr));                                  \
    }

TEXT_CELL(c_code, e->code)
TEXT_CELL(c_name, e->name)
TEXT_CELL(c_kind, mdlg_cov_kind_name(e->kind))
TEXT_CELL(c_status, mdlg_cov_status_name(e->status))
TEXT_CELL(c_app, e->state_app)
TEXT_CELL(c_vendor, e->app_vendor)
TEXT_CELL(c_apple, ans(e->apple_wallet.value))
TEXT_CELL(c_apple_s, opt(e->apple_wallet.since))
TEXT_CELL(c_google, ans(e->google_wallet.value))
TEXT_CELL(c_google_s, opt(e->google_wallet.since))
TEXT_CELL(c_samsung, ans(e->samsung_wallet.value))
TEXT_CELL(c_samsung_s, opt(e->samsung_wallet.since))
TEXT_CELL(c_tsa, ans(e->tsa_accepted.value))
TEXT_CELL(c_iso, ans(e->iso_18013_5.value))
TEXT_CELL(c_online, ans(e->online_18013_7.value))
TEXT_CELL(c_vical, ans(e->aamva_vical.value))
TEXT_CELL(c_basis, e->population_basis)
TEXT_CELL(c_fraud, opt(e->ui_fraud_loss))
TEXT_CELL(c_conf, opt(e->confidence))
TEXT_CELL(c_action, e->fallback->action)
TEXT_CELL(c_fsum, e->fallback->summary)
TEXT_CELL(c_asof, e->as_of)
TEXT_CELL(c_notes, e->notes)

static void c_year(const struct mdlg_cov_entry *e, char *o, size_t n)
{
    if (e->launch_year)
        snprintf(o, n, "%d", e->launch_year);
    else
        snprintf(o, n, "none");
}

static void c_pop(const struct mdlg_cov_entry *e, char *o, size_t n)
{
    snprintf(o, n, "%" PRIu64, e->population);
}

/* 12345678 -> "12,345,678" */
static void group(uint64_t v, char *o, size_t n)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%" PRIu64, v);
    size_t j = 0;
    for (int i = 0; i < len && j + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            o[j++] = ',';
        o[j++] = d[i];
    }
    o[j] = '\0';
}

static void c_pop_grouped(const struct mdlg_cov_entry *e, char *o, size_t n)
{
    group(e->population, o, n);
}

static void c_roots(const struct mdlg_cov_entry *e, char *o, size_t n)
{
    size_t used = 0;
    o[0] = '\0';
    for (size_t i = 0; i < e->n_roots && used < n; i++)
        used += (size_t)snprintf(o + used, n - used, "%s%s", i ? " " : "", e->roots[i].sha256);
}

static void c_sources(const struct mdlg_cov_entry *e, char *o, size_t n)
{
    size_t used = 0;
    o[0] = '\0';
    for (size_t i = 0; i < e->n_sources && used < n; i++) {
        const struct mdlg_cov_source *s = &e->sources[i];
        used += (size_t)snprintf(o + used, n - used, "%s%s", i ? " ; " : "",
                                 s->url != NULL ? s->url : s->title);
    }
}

struct column {
    const char *head;
    cell_fn cell;
};

static const struct column csv_cols[] = {
    { "code", c_code }, { "name", c_name }, { "kind", c_kind }, { "mdl_status", c_status },
    { "launch_year", c_year }, { "state_app", c_app }, { "app_vendor", c_vendor },
    { "apple_wallet", c_apple }, { "apple_wallet_since", c_apple_s },
    { "google_wallet", c_google }, { "google_wallet_since", c_google_s },
    { "samsung_wallet", c_samsung }, { "samsung_wallet_since", c_samsung_s },
    { "tsa_accepted", c_tsa }, { "iso_18013_5", c_iso }, { "online_18013_7", c_online },
    { "aamva_vical", c_vical }, { "population", c_pop }, { "population_basis", c_basis },
    { "ui_fraud_loss", c_fraud }, { "confidence", c_conf }, { "fallback_action", c_action },
    { "fallback_summary", c_fsum }, { "iaca_roots", c_roots }, { "sources", c_sources },
    { "as_of", c_asof }, { "notes", c_notes },
};

static const struct column table_cols[] = {
    { "CODE", c_code }, { "NAME", c_name }, { "STATUS", c_status }, { "LAUNCH", c_year },
    { "APPLE", c_apple }, { "GOOGLE", c_google }, { "SAMSUNG", c_samsung }, { "TSA", c_tsa },
    { "ISO", c_iso }, { "ONLINE", c_online }, { "VICAL", c_vical },
    { "POPULATION", c_pop_grouped }, { "FALLBACK", c_action },
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- CSV ---- */

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void mdlg_cli_coverage_csv(FILE *f, const struct mdlg_coverage *t,
                           const struct mdlg_cov_entry *only)
{
    char cell[CELL];
    for (size_t c = 0; c < NCOLS(csv_cols); c++)
        fprintf(f, "%s%s", c ? "," : "", csv_cols[c].head);
    fputc('\n', f);
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        if (only != NULL && e != only)
            continue;
        for (size_t c = 0; c < NCOLS(csv_cols); c++) {
            csv_cols[c].cell(e, cell, sizeof cell);
            if (c)
                fputc(',', f);
            csv_field(f, cell);
        }
        fputc('\n', f);
    }
}

/* ---- table ---- */

static void table_rows(FILE *f, const struct mdlg_coverage *t)
{
    size_t w[NCOLS(table_cols)];
    char cell[CELL];
    for (size_t c = 0; c < NCOLS(table_cols); c++)
        w[c] = strlen(table_cols[c].head);
    for (size_t i = 0; i < mdlg_coverage_count(t); i++)
        for (size_t c = 0; c < NCOLS(table_cols); c++) {
            table_cols[c].cell(mdlg_coverage_at(t, i), cell, sizeof cell);
            w[c] = strlen(cell) > w[c] ? strlen(cell) : w[c];
        }
    for (size_t i = 0; i <= mdlg_coverage_count(t); i++) {
        for (size_t c = 0; c < NCOLS(table_cols); c++) {
            const char *s = table_cols[c].head;
            if (i > 0)
                table_cols[c].cell(mdlg_coverage_at(t, i - 1), cell, sizeof cell), s = cell;
            bool last = c + 1 == NCOLS(table_cols);
            bool right = table_cols[c].cell == c_pop_grouped;
            fprintf(f, right ? "%*s%s" : "%-*s%s", last ? 0 : (int)w[c], s,
                    last ? "\n" : "  ");
        }
    }
}

static void fact_line(FILE *f, const char *name, const struct mdlg_cov_fact *x)
{
    fprintf(f, "  %-16s %s", name, ans(x->value));
    if (x->since != NULL)
        fprintf(f, " (since %s)", x->since);
    if (x->note != NULL)
        fprintf(f, " - %s", x->note);
    fputc('\n', f);
}

static void card_sources(FILE *f, const struct mdlg_cov_entry *e)
{
    for (size_t i = 0; i < e->n_roots; i++)
        fprintf(f, "  %-16s %s %s\n", i ? "" : "iaca_roots", e->roots[i].sha256,
                e->roots[i].label);
    for (size_t i = 0; i < e->n_sources; i++) {
        const struct mdlg_cov_source *s = &e->sources[i];
        fprintf(f, "  %-16s %s", i ? "" : "sources", s->url != NULL ? s->url : s->title);
        if (s->url != NULL && s->title != NULL)
            fprintf(f, " - %s", s->title);
        if (s->note != NULL)
            fprintf(f, " (%s)", s->note);
        fputc('\n', f);
    }
}

/* Every field of one entry. */
static void card(FILE *f, const struct mdlg_cov_entry *e)
{
    char pop[32], year[8];
    group(e->population, pop, sizeof pop);
    c_year(e, year, sizeof year);
    fprintf(f, "%s  %s (%s)\n", e->code, e->name, mdlg_cov_kind_name(e->kind));
    fprintf(f, "  %-16s %s\n  %-16s %s%s%s\n", "mdl_status", mdlg_cov_status_name(e->status),
            "launch_year", year, e->launch_note ? " - " : "", opt(e->launch_note));
    fprintf(f, "  %-16s %s (vendor: %s)%s%s\n", "state_app", e->state_app, e->app_vendor,
            e->state_app_note ? " - " : "", opt(e->state_app_note));
    fact_line(f, "apple_wallet", &e->apple_wallet);
    fact_line(f, "google_wallet", &e->google_wallet);
    fact_line(f, "samsung_wallet", &e->samsung_wallet);
    fact_line(f, "tsa_accepted", &e->tsa_accepted);
    fact_line(f, "iso_18013_5", &e->iso_18013_5);
    fact_line(f, "online_18013_7", &e->online_18013_7);
    fact_line(f, "aamva_vical", &e->aamva_vical);
    fprintf(f, "  %-16s %s (%s)\n", "population", pop, e->population_basis);
    if (e->ui_fraud_loss != NULL)
        fprintf(f, "  %-16s %s\n", "ui_fraud_loss", e->ui_fraud_loss);
    fprintf(f, "  %-16s %s%s%s\n", "notes", e->notes, e->confidence ? " Confidence: " : "",
            opt(e->confidence));
    fprintf(f, "  %-16s %s: %s\n  %-16s %s\n", "fallback", e->fallback->action,
            e->fallback->summary, "", e->fallback->rationale);
    card_sources(f, e);
    fprintf(f, "  %-16s %s\n", "as_of", e->as_of);
}

static void legend(FILE *f, const struct mdlg_coverage *t)
{
    static const char *const ids[] = { "live", "live-not-iso", "pilot", "legislated-not-live",
                                       "none" };
    fprintf(f, "\nFallback by status (FALLBACK column):\n");
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const struct mdlg_cov_fallback *b = mdlg_coverage_fallback(t, ids[i]);
        if (b != NULL)
            fprintf(f, "  %-20s %s: %s\n", b->id, b->action, b->summary);
    }
}

static void summary(FILE *f, const struct mdlg_coverage *t)
{
    struct mdlg_cov_summary s;
    char pop[32], mp[32];
    mdlg_coverage_summary(t, &s);
    group(s.population[MDLG_COV_SCOPE_ALL], pop, sizeof pop);
    fprintf(f, "\nSummary: %zu jurisdictions, %s residents; as_of %s to %s\n", s.n_jurisdictions,
            pop, opt(s.as_of_min), opt(s.as_of_max));
    fprintf(f, "  status: live %zu, pilot %zu, legislated-not-live %zu, none %zu\n",
            s.by_status[MDLG_COV_LIVE], s.by_status[MDLG_COV_PILOT],
            s.by_status[MDLG_COV_LEGISLATED_NOT_LIVE], s.by_status[MDLG_COV_NONE]);
    fprintf(f, "  %-24s %5s %13s %8s %14s\n", "share of residents where", "jur.", "population",
            "all", "50 states+DC");
    for (int m = 0; m < MDLG_COV_MEASURE_COUNT; m++) {
        group(s.measure_population[m][MDLG_COV_SCOPE_ALL], mp, sizeof mp);
        fprintf(f, "  %-24s %5zu %13s %7.2f%% %13.2f%%\n", mdlg_cov_measure_definition(m),
                s.measure_count[m], mp, 100 * s.share[m][MDLG_COV_SCOPE_ALL],
                100 * s.share[m][MDLG_COV_SCOPE_STATES_DC]);
    }
    fprintf(f, "  (population-weighted: residents of the jurisdictions in the row / residents "
               "of all listed jurisdictions)\n");
}

void mdlg_cli_coverage_table(FILE *f, const struct mdlg_coverage *t,
                             const struct mdlg_cov_entry *only)
{
    if (only != NULL)
        card(f, only);
    else {
        table_rows(f, t);
        legend(f, t);
    }
    summary(f, t);
}
