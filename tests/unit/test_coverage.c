/*
 * test_coverage.c - the state coverage table: its data and its code.
 *
 * Data tests run on the table embedded in libmdlgate (state-coverage/
 * coverage.rec): every jurisdiction once, valid enums, sources and as_of,
 * populations against the census total, summary figures against their
 * definitions. Cross-checks read, when present:
 *   $MDLG_SHARED/research/state-coverage.csv  the research the data is written from;
 *   $MDLG_SHARED/iaca/README.md               public IACA roots per jurisdiction;
 *   trust-lists/US-XX/                        the pinned trust-list manifests;
 * and skip() with the reason when they are absent. Parser tests use small
 * texts built from one valid record, each with one defect.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "mdlg/coverage.h"
#include "testutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct mdlg_coverage *table(void)
{
    const struct mdlg_coverage *t = NULL;
    size_t len;
    struct mdlg_cov_diag d;
    struct mdlg_coverage *own = NULL;
    const char *text = mdlg_coverage_builtin_text(&len);
    mdlg_err e = mdlg_coverage_parse(text, len, &own, &d);
    if (e != MDLG_E_OK)
        fail_msg("state-coverage/coverage.rec:%u: %s (%s)", d.line, d.message, mdlg_err_name(e));
    mdlg_coverage_free(own);
    assert_int_equal(mdlg_coverage_builtin(&t), MDLG_E_OK);
    return t;
}

/* ---- every jurisdiction once, valid codes and enums ---- */

static const char *const states[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY",
};
static const char *const territories[] = { "PR", "GU", "VI", "AS", "MP" };

static size_t count_code(const struct mdlg_coverage *t, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < mdlg_coverage_count(t); i++)
        n += strcmp(mdlg_coverage_at(t, i)->code, code) == 0;
    return n;
}

static void expect_once(const struct mdlg_coverage *t, const char *two, enum mdlg_cov_kind kind)
{
    char code[8];
    snprintf(code, sizeof code, "US-%s", two);
    if (count_code(t, code) != 1)
        fail_msg("%s appears %zu times", code, count_code(t, code));
    assert_int_equal(mdlg_coverage_find(t, code)->kind, kind);
}

static void test_each_jurisdiction_once(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    assert_int_equal(mdlg_coverage_count(t), COUNT(states) + 1 + COUNT(territories));
    for (size_t i = 0; i < COUNT(states); i++)
        expect_once(t, states[i], MDLG_COV_STATE);
    expect_once(t, "DC", MDLG_COV_DISTRICT);
    for (size_t i = 0; i < COUNT(territories); i++)
        expect_once(t, territories[i], MDLG_COV_TERRITORY);
}

static bool has_program(const struct mdlg_cov_entry *e)
{
    return e->status == MDLG_COV_LIVE || e->status == MDLG_COV_PILOT;
}

/* Facts that only make sense together. */
static void check_consistent(const struct mdlg_cov_entry *e)
{
    const struct mdlg_cov_fact *yes_needs_program[] = {
        &e->apple_wallet, &e->google_wallet, &e->samsung_wallet, &e->tsa_accepted,
        &e->iso_18013_5, &e->online_18013_7,
    };
    assert_true(e->status < MDLG_COV_STATUS_COUNT && e->kind < MDLG_COV_KIND_COUNT);
    for (size_t i = 0; i < COUNT(yes_needs_program); i++)
        if (yes_needs_program[i]->value == MDLG_COV_YES && !has_program(e))
            fail_msg("%s: a 'yes' without a live or pilot program", e->code);
    if ((e->iso_18013_5.value == MDLG_COV_NOT_APPLICABLE) == has_program(e))
        fail_msg("%s: iso_18013_5 is not-applicable exactly when there is no program", e->code);
    if (e->tsa_accepted.value == MDLG_COV_YES && e->iso_18013_5.value != MDLG_COV_YES)
        fail_msg("%s: TSA accepts only ISO 18013-5 mDLs", e->code);
    if (e->n_roots > 0 && !has_program(e))
        fail_msg("%s: IACA roots without a program", e->code);
    if (e->launch_year != 0 && (e->launch_year < 2015 || e->launch_year > 2026))
        fail_msg("%s: launch_year %d out of range", e->code, e->launch_year);
}

static void test_enums_and_consistency(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    for (size_t i = 0; i < mdlg_coverage_count(t); i++)
        check_consistent(mdlg_coverage_at(t, i));
}

/* ---- sources, as_of ---- */

static bool date_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return (n == 4 || n == 7 || n == 10) && strncmp(s, "2010", 4) >= 0 &&
           strncmp(s, "2026-12-04", n) <= 0;
}

static void test_sources_and_as_of(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        if (e->n_sources == 0)
            fail_msg("%s has no source", e->code);
        for (size_t j = 0; j < e->n_sources; j++)
            assert_true(e->sources[j].url != NULL || e->sources[j].title != NULL);
        if (!date_ok(e->as_of))
            fail_msg("%s: as_of '%s' is not a date between 2010 and the research date",
                     e->code, e->as_of ? e->as_of : "(none)");
        const struct mdlg_cov_fact *f[] = { &e->apple_wallet, &e->google_wallet,
                                            &e->samsung_wallet };
        for (size_t j = 0; j < COUNT(f); j++)
            if (f[j]->since != NULL && strncmp(f[j]->since, e->as_of, strlen(e->as_of)) > 0)
                fail_msg("%s: a _since date after as_of", e->code);
    }
}

/* ---- populations ---- */

static double absd(double x)
{
    return x < 0 ? -x : x;
}

static void test_population_matches_census(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    const struct mdlg_cov_census *c = mdlg_coverage_census(t);
    assert_non_null(c);
    assert_string_equal(c->scope, "states-and-district");
    uint64_t sum = 0;
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        assert_true(e->population > 0);
        sum += e->kind != MDLG_COV_TERRITORY ? e->population : 0;
    }
    double off = absd((double)sum - (double)c->population) / (double)c->population;
    print_message("states + DC: %llu, census total %llu (%.4f%% apart)\n",
                  (unsigned long long)sum, (unsigned long long)c->population, 100 * off);
    assert_true(off < 0.01);
    assert_true(c->source.url != NULL || c->source.title != NULL);
}

/* ---- summary: recomputed here from its documented definition ---- */

static void test_summary_follows_definitions(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    struct mdlg_cov_summary s;
    mdlg_coverage_summary(t, &s);
    uint64_t all = 0, in[4] = { 0 };
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        all += e->population;
        in[0] += e->status == MDLG_COV_LIVE ? e->population : 0;
        in[1] += e->apple_wallet.value == MDLG_COV_YES ? e->population : 0;
        in[2] += e->google_wallet.value == MDLG_COV_YES ? e->population : 0;
        in[3] += e->tsa_accepted.value == MDLG_COV_YES ? e->population : 0;
    }
    assert_int_equal(s.population[MDLG_COV_SCOPE_ALL], all);
    assert_int_equal(s.n_jurisdictions, mdlg_coverage_count(t));
    for (int m = 0; m < MDLG_COV_MEASURE_COUNT; m++) {
        assert_int_equal(s.measure_population[m][MDLG_COV_SCOPE_ALL], in[m]);
        assert_true(absd(s.share[m][MDLG_COV_SCOPE_ALL] - (double)in[m] / (double)all) < 1e-12);
        assert_true(s.share[m][MDLG_COV_SCOPE_STATES_DC] > 0 &&
                    s.share[m][MDLG_COV_SCOPE_STATES_DC] < 1);
        print_message("%-14s %6.2f%% of all, %6.2f%% of 50 states + DC\n",
                      mdlg_cov_measure_name(m), 100 * s.share[m][MDLG_COV_SCOPE_ALL],
                      100 * s.share[m][MDLG_COV_SCOPE_STATES_DC]);
    }
    size_t by_status = 0;
    for (int i = 0; i < MDLG_COV_STATUS_COUNT; i++)
        by_status += s.by_status[i];
    assert_int_equal(by_status, s.n_jurisdictions);
}

/* ---- lookup ---- */

static void test_find(void **state)
{
    (void)state;
    static const struct { const char *q, *code; } cases[] = {
        { "CA", "US-CA" }, { "US-CA", "US-CA" }, { "California", "US-CA" },
        { "california", "US-CA" }, { "us-ca", "US-CA" }, { "ca", "US-CA" },
        { "District of Columbia", "US-DC" }, { "DC", "US-DC" }, { "Virgin Islands", "US-VI" },
        { "U.S. Virgin Islands", "US-VI" }, { "PR", "US-PR" }, { "new york", "US-NY" },
        { "XX", NULL }, { "US-XX", NULL }, { "", NULL }, { "US-", NULL }, { "Calif", NULL },
        { "United States", NULL }, { "US", NULL },
    };
    const struct mdlg_coverage *t = table();
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_find(t, cases[i].q);
        if ((e == NULL) != (cases[i].code == NULL) ||
            (e != NULL && strcmp(e->code, cases[i].code) != 0))
            fail_msg("find('%s') = %s, expected %s", cases[i].q, e ? e->code : "NULL",
                     cases[i].code ? cases[i].code : "NULL");
    }
    assert_null(mdlg_coverage_find(t, NULL));
}

/* No name or alias of one entry may be another entry's code or name. */
static void test_names_unambiguous(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        assert_ptr_equal(mdlg_coverage_find(t, e->name), e);
        assert_ptr_equal(mdlg_coverage_find(t, e->code + 3), e);
        for (size_t j = 0; j < e->n_aliases; j++)
            assert_ptr_equal(mdlg_coverage_find(t, e->aliases[j]), e);
    }
}

/* ---- fallbacks are data keyed by status ---- */

static void test_fallbacks(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    static const struct { const char *id, *action; } want[] = {
        { "live", "use-mdl" }, { "pilot", "offer-mdl-keep-existing" },
        { "legislated-not-live", "alternative-verification" },
        { "none", "alternative-verification" },
    };
    for (size_t i = 0; i < COUNT(want); i++) {
        const struct mdlg_cov_fallback *f = mdlg_coverage_fallback(t, want[i].id);
        assert_non_null(f);
        assert_string_equal(f->action, want[i].action);
        assert_true(strlen(f->summary) > 20 && strlen(f->rationale) > 20);
    }
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        assert_non_null(e->fallback);
        bool own = strcmp(e->fallback->id, mdlg_cov_status_name(e->status)) == 0;
        bool not_iso = e->status == MDLG_COV_LIVE && e->iso_18013_5.value == MDLG_COV_NO;
        if (own == not_iso)
            fail_msg("%s: fallback '%s' for status %s", e->code, e->fallback->id,
                     mdlg_cov_status_name(e->status));
    }
}

/* ---- the parser ---- */

#define PRELUDE \
    "%rec: reference\n\nid: R1\ntitle: A reference\nurl: https://example.org/r1\n\n" \
    "%rec: fallback\n\nid: live\naction: use-mdl\nsummary: s\nrationale: r\n\n" \
    "id: none\naction: alternative-verification\nsummary: s\nrationale: r\n\n" \
    "%rec: jurisdiction\n\n"
/* in a full text, "code: US-ZZ" is line 21 and the tail starts at line 43 */
#define RECORD \
    "code: US-ZZ\nname: Zedland\nkind: state\nmdl_status: live\nlaunch_year: 2024\n" \
    "state_app: none\napp_vendor: none\napple_wallet: yes\napple_wallet_since: 2024-05\n" \
    "google_wallet: no\nsamsung_wallet: unknown\ntsa_accepted: yes\niso_18013_5: yes\n" \
    "online_18013_7: unknown\naamva_vical: no\npopulation: 1000\n" \
    "population_basis: census-v2024\nnotes: n\n" \
    "iaca_root: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef Z-1 root\n" \
    "source: https://example.org/a (a note)\nsource: ref:R1\nas_of: 2026-09-02\n"

/* PRELUDE + RECORD with the first `from` replaced by `to`, + tail. */
static char *variant(const char *from, const char *to, const char *tail)
{
    static char buf[4096];
    const char *base = RECORD;
    const char *at = from != NULL ? strstr(base, from) : NULL;
    if (from != NULL && at == NULL)
        fail_msg("bad test case: '%s' not in the record", from);
    int n = at ? snprintf(buf, sizeof buf, "%s%.*s%s%s%s", PRELUDE, (int)(at - base), base, to,
                          at + strlen(from), tail)
               : snprintf(buf, sizeof buf, "%s%s%s", PRELUDE, base, tail);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    return buf;
}

static void test_parse_valid_record(void **state)
{
    (void)state;
    struct mdlg_coverage *t = NULL;
    struct mdlg_cov_diag d;
    char *text = variant("notes: n\n", "notes: first\n# a comment\n+ second\n", "");
    assert_int_equal(mdlg_coverage_parse(text, strlen(text), &t, &d), MDLG_E_OK);
    const struct mdlg_cov_entry *e = mdlg_coverage_find(t, "zz");
    assert_non_null(e);
    assert_string_equal(e->notes, "first\nsecond");
    assert_int_equal(e->apple_wallet.value, MDLG_COV_YES);
    assert_string_equal(e->apple_wallet.since, "2024-05");
    assert_int_equal(e->samsung_wallet.value, MDLG_COV_UNKNOWN);
    assert_int_equal(e->n_roots, 1);
    assert_string_equal(e->roots[0].label, "Z-1 root");
    assert_int_equal(e->n_sources, 2);
    assert_string_equal(e->sources[0].url, "https://example.org/a");
    assert_string_equal(e->sources[0].note, "a note");
    assert_string_equal(e->sources[1].ref, "R1");
    assert_string_equal(e->sources[1].url, "https://example.org/r1");
    assert_string_equal(e->fallback->id, "live");
    assert_null(mdlg_coverage_census(t));
    mdlg_coverage_free(t);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct { const char *what, *from, *to, *tail; unsigned line; } cases[] = {
        { "unknown field", "notes: n\n", "notes: n\ncolour: red\n", "", 39 },
        { "bad status", "mdl_status: live", "mdl_status: alive", "", 24 },
        { "bad answer", "google_wallet: no", "google_wallet: maybe", "", 30 },
        { "n/a on a yes/no/unknown field", "aamva_vical: no", "aamva_vical: not-applicable",
          "", 35 },
        { "missing mandatory", "as_of: 2026-09-02\n", "", "", 21 },
        { "repeated single field", "kind: state\n", "kind: state\nkind: state\n", "", 24 },
        { "code not US-XX", "code: US-ZZ", "code: ZZ", "", 21 },
        { "bad date", "as_of: 2026-09-02", "as_of: 2026-13-02", "", 42 },
        { "bad year", "launch_year: 2024", "launch_year: 24", "", 25 },
        { "population not a number", "population: 1000", "population: 1e3", "", 36 },
        { "population zero", "population: 1000", "population: 0", "", 36 },
        { "since on a no", "google_wallet: no", "google_wallet: no\ngoogle_wallet_since: 2024",
          "", 21 },
        { "unknown reference", "ref:R1", "ref:R2", "", 41 },
        { "source not a URL", "https://example.org/a (a note)", "example.org", "", 40 },
        { "root not hex", "0123456789abcdef0123", "0123456789ABCDEF0123", "", 39 },
        { "root without label", " Z-1 root", "", "", 39 },
        { "unknown fallback", "kind: state\n", "kind: state\nfallback: maybe\n", "", 24 },
        { "no fallback for status", "mdl_status: live", "mdl_status: pilot", "", 21 },
        { "listed twice", NULL, NULL, "\n" RECORD, 44 },
        { "unknown record type", NULL, NULL, "\n%rec: planet\n\nname: x\n", 46 },
        { "continuation without field", NULL, NULL, "\n+ dangling\n", 44 },
        { "not name: value", "notes: n", "notes n", "", 38 },
        { "descriptor field in data", "notes: n", "%key: n", "", 38 },
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct mdlg_coverage *t = NULL;
        struct mdlg_cov_diag d;
        char *text = variant(cases[i].from, cases[i].to, cases[i].tail);
        mdlg_err e = mdlg_coverage_parse(text, strlen(text), &t, &d);
        if (e != MDLG_E_COVERAGE_DATA_INVALID || d.line != cases[i].line)
            fail_msg("%s: got %s at line %u (%s), expected COVERAGE_DATA_INVALID at %u",
                     cases[i].what, mdlg_err_name(e), d.line, d.message, cases[i].line);
        assert_null(t);
    }
}

static void test_parse_bounds(void **state)
{
    (void)state;
    struct mdlg_coverage *t = NULL;
    char with_nul[] = "%rec: reference\n\nid: R\0title: x\n";
    assert_int_equal(mdlg_coverage_parse(with_nul, sizeof with_nul - 1, &t, NULL),
                     MDLG_E_COVERAGE_DATA_INVALID);
    assert_int_equal(mdlg_coverage_parse("", MDLG_COVERAGE_MAX_BYTES + 1, &t, NULL),
                     MDLG_E_LIMIT_BODY_SIZE);
    assert_int_equal(mdlg_coverage_parse("", 0, &t, NULL), MDLG_E_OK);   /* an empty table */
    assert_int_equal(mdlg_coverage_count(t), 0);
    mdlg_coverage_free(t);
}

/* ---- cross-checks with the research, the IACA list and the trust lists ---- */

/* Splits one CSV record (RFC 4180, quotes) from *p into cells; returns the count. */
static size_t csv_row(char **p, char **cells, size_t max)
{
    size_t n = 0;
    char *s = *p, *o = s;
    while (*s && n < max) {
        cells[n++] = o;
        bool q = *s == '"';
        s += q;
        for (; *s; s++) {
            if (q && s[0] == '"' && s[1] == '"')
                *o++ = *s++;
            else if (q && *s == '"')
                q = false;
            else if (!q && (*s == ',' || *s == '\n'))
                break;
            else
                *o++ = *s;
        }
        char end = *s;
        *o++ = '\0';
        s += end != '\0';
        o = s;
        if (end != ',')
            break;
    }
    *p = s;
    return n;
}

static char *shared_text(const char *rel)
{
    if (mdlg_test_shared() == NULL) {
        print_message("shared directory absent (set MDLG_SHARED): skipping %s\n", rel);
        skip();
    }
    char *path = mdlg_test_shared_path(rel);
    if (path == NULL)
        fail_msg("shared file missing: %s", rel);
    size_t n;
    char *text = (char *)mdlg_test_read_file(path, &n);
    free(path);
    assert_non_null(text);
    return text;
}

/* The research's "yes (2022-03)" or "n/a" against our enum. */
static void same_answer(const char *code, const char *col, const char *research,
                        enum mdlg_cov_answer ours)
{
    const char *w = mdlg_cov_answer_name(ours);
    size_t n = strcspn(research, " ");
    bool na = strncmp(research, "n/a", 3) == 0 && ours == MDLG_COV_NOT_APPLICABLE;
    if (!na && (strlen(w) != n || strncmp(w, research, n) != 0))
        fail_msg("%s %s: research says '%s', the table says '%s'", code, col, research, w);
}

static void compare_row(const struct mdlg_coverage *t, char **c)
{
    char code[8];
    snprintf(code, sizeof code, "US-%s", c[0]);
    const struct mdlg_cov_entry *e = mdlg_coverage_find(t, code);
    if (e == NULL)
        fail_msg("%s is in the research but not in the table", code);
    assert_string_equal(e->name, c[1]);
    assert_string_equal(mdlg_cov_status_name(e->status), c[2]);
    assert_int_equal(e->launch_year, atoi(c[3]));
    const struct mdlg_cov_fact *f[] = { &e->apple_wallet, &e->google_wallet, &e->samsung_wallet,
                                        &e->tsa_accepted, &e->iso_18013_5, &e->online_18013_7,
                                        &e->aamva_vical };
    for (size_t i = 0; i < COUNT(f); i++)
        same_answer(code, "fact", c[5 + i], f[i]->value);
    assert_int_equal(e->population, strtoull(c[12], NULL, 10));
    assert_string_equal(e->as_of, c[16]);
    assert_true((e->ui_fraud_loss != NULL) == (c[13][0] != '\0'));
}

static void test_agrees_with_research(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    char *text = shared_text("research/state-coverage.csv"), *p = text, *cells[32];
    assert_int_equal(csv_row(&p, cells, COUNT(cells)), 17);
    assert_string_equal(cells[12], "population");
    size_t rows = 0;
    while (*p) {
        size_t n = csv_row(&p, cells, COUNT(cells));
        if (n == 1 && cells[0][0] == '\0')
            continue;
        assert_int_equal(n, 17);
        compare_row(t, cells);
        rows++;
    }
    assert_int_equal(rows, mdlg_coverage_count(t));
    free(text);
}

/* Does entry e list this fingerprint (64 hex digits, any case)? */
static bool lists_root(const struct mdlg_cov_entry *e, const char *hex)
{
    for (size_t i = 0; i < e->n_roots; i++)
        if (strncasecmp(e->roots[i].sha256, hex, 64) == 0)
            return true;
    return false;
}

/* One row of the IACA README: "| XX-n | subject | ... | AA:BB:.. | ...". */
static void check_iaca_row(const struct mdlg_coverage *t, char *line, size_t *n_roots)
{
    char file[32], hex[65] = { 0 }, code[8];
    if (sscanf(line, "| %31[A-Z0-9-] |", file) != 1 || !isupper((unsigned char)file[0]) ||
        !isupper((unsigned char)file[1]) || file[2] != '-' || !isdigit((unsigned char)file[3]))
        return;
    char *cell = line;
    for (int i = 0; i < 4 && cell != NULL; i++)
        cell = strchr(cell + 1, '|');
    assert_non_null(cell);
    for (size_t j = 0; *cell && *cell != '\n' && j < 64; cell++)
        if (isxdigit((unsigned char)*cell))
            hex[j++] = *cell;
    snprintf(code, sizeof code, "US-%.2s", file);
    const struct mdlg_cov_entry *e = mdlg_coverage_find(t, code);
    if (e == NULL || e->status != MDLG_COV_LIVE || !lists_root(e, hex))
        fail_msg("%s (%s): public root %s is not listed in the table's live entry", file, code,
                 hex);
    (*n_roots)++;
}

static void test_public_roots_listed(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    char *text = shared_text("iaca/README.md");
    size_t readme_roots = 0, ours = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
        check_iaca_row(t, line, &readme_roots);
    for (size_t i = 0; i < mdlg_coverage_count(t); i++)
        ours += mdlg_coverage_at(t, i)->n_roots;
    print_message("%zu public state roots in iaca/README.md, %zu in the table\n", readme_roots,
                  ours);
    assert_true(readme_roots > 0);
    assert_int_equal(ours, readme_roots);   /* nothing listed that the README lacks */
    free(text);
}

/* Counts the 64-hex-digit fingerprints of every file in dir that e lists;
 * fails on one it does not. Returns the number found. */
static size_t manifest_roots(const char *dir, const struct mdlg_cov_entry *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t found = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        char path[600];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *text = de->d_name[0] == '.' ? NULL : (char *)mdlg_test_read_file(path, &len);
        for (char *s = text; s != NULL && *s; s++) {
            size_t n = strspn(s, "0123456789abcdefABCDEF");
            if (n == 64 && (s == text || !isalnum((unsigned char)s[-1]))) {
                if (!lists_root(e, s))
                    fail_msg("%s pins %.64s, which the coverage entry does not list", path, s);
                found++;
            }
            s += n ? n - 1 : 0;
        }
        free(text);
    }
    closedir(d);
    return found;
}

static void test_trust_lists_agree(void **state)
{
    (void)state;
    const struct mdlg_coverage *t = table();
    DIR *d = opendir("trust-lists");
    struct dirent *de;
    size_t dirs = 0;
    while (d != NULL && (de = readdir(d)) != NULL) {
        char dir[300];
        if (strncmp(de->d_name, "US-", 3) != 0)
            continue;
        const struct mdlg_cov_entry *e = mdlg_coverage_find(t, de->d_name);
        if (e == NULL || e->status != MDLG_COV_LIVE)
            fail_msg("trust-lists/%s: not a live jurisdiction in the coverage table", de->d_name);
        snprintf(dir, sizeof dir, "trust-lists/%s", de->d_name);
        if (manifest_roots(dir, e) != e->n_roots)
            fail_msg("%s does not pin all %zu roots the coverage table lists", dir, e->n_roots);
        dirs++;
    }
    if (d != NULL)
        closedir(d);
    if (dirs == 0) {
        print_message("trust-lists/ has no US-XX manifests yet: skipping the cross-check\n");
        skip();
    }
    for (size_t i = 0; i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        char dir[32];
        snprintf(dir, sizeof dir, "trust-lists/%s", e->code);
        DIR *x = e->n_roots > 0 ? opendir(dir) : NULL;
        if (e->n_roots > 0 && x == NULL)
            fail_msg("%s is live with %zu public roots but has no %s/", e->code, e->n_roots, dir);
        if (x != NULL)
            closedir(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_jurisdiction_once),
        cmocka_unit_test(test_enums_and_consistency),
        cmocka_unit_test(test_sources_and_as_of),
        cmocka_unit_test(test_population_matches_census),
        cmocka_unit_test(test_summary_follows_definitions),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_names_unambiguous),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_parse_valid_record),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_agrees_with_research),
        cmocka_unit_test(test_public_roots_listed),
        cmocka_unit_test(test_trust_lists_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
