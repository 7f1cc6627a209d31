/*
 * coverage.c - the coverage table: loading, lookup, summary figures.
 * see mdlg/coverage.h
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coverage_internal.h"

/* ---- loading ---- */

static bool is_type(const struct mdlg__rec *r, const char *type)
{
    return strcmp(r->type, type) == 0;
}

/* Counts records per type and repeatable fields, then sizes the arrays. */
static mdlg_err size_arrays(struct mdlg_coverage *t, struct mdlg_cov_diag *d)
{
    size_t n[3] = { 0 }, multi[3] = { 0 };   /* ref/fallback/jurisdiction; alias/root/source */
    for (size_t i = 0; i < t->n_recs; i++) {
        const struct mdlg__rec *r = &t->recs[i];
        if (is_type(r, "census_total"))
            continue;
        int k = is_type(r, "reference") ? 0 : is_type(r, "fallback") ? 1
                : is_type(r, "jurisdiction") ? 2 : -1;
        if (k < 0)
            return mdlg__cov_fail(d, r->line, "unknown record type '%s'", r->type);
        n[k]++;
        for (size_t j = 0; k == 2 && j < r->n; j++) {
            const char *name = t->fields[r->first + j].name;
            multi[0] += strcmp(name, "alias") == 0;
            multi[1] += strcmp(name, "iaca_root") == 0;
            multi[2] += strcmp(name, "source") == 0;
        }
    }
    t->refs = calloc(n[0] + 1, sizeof *t->refs);
    t->fallbacks = calloc(n[1] + 1, sizeof *t->fallbacks);
    t->entries = calloc(n[2] + 1, sizeof *t->entries);
    t->aliases = calloc(multi[0] + 1, sizeof *t->aliases);
    t->roots = calloc(multi[1] + 1, sizeof *t->roots);
    t->sources = calloc(multi[2] + 1, sizeof *t->sources);
    bool ok = t->refs && t->fallbacks && t->entries && t->aliases && t->roots && t->sources;
    return ok ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

static mdlg_err read_ref(struct mdlg_coverage *t, const struct mdlg__rec *r,
                         struct mdlg_cov_diag *d)
{
    struct mdlg_cov_source *s = &t->refs[t->n_refs];
    mdlg_err e = mdlg__cov_reference(t, r, s, d);
    if (e == MDLG_E_OK && mdlg__cov_find_ref(t, s->ref) != NULL)
        return mdlg__cov_fail(d, r->line, "reference '%s' defined twice", s->ref);
    t->n_refs += e == MDLG_E_OK;
    return e;
}

static mdlg_err read_fallback(struct mdlg_coverage *t, const struct mdlg__rec *r,
                              struct mdlg_cov_diag *d)
{
    struct mdlg_cov_fallback *f = &t->fallbacks[t->n_fallbacks];
    mdlg_err e = mdlg__cov_fallback_rec(t, r, f, d);
    if (e == MDLG_E_OK && mdlg_coverage_fallback(t, f->id) != NULL)
        return mdlg__cov_fail(d, r->line, "fallback '%s' defined twice", f->id);
    t->n_fallbacks += e == MDLG_E_OK;
    return e;
}

static mdlg_err read_one(struct mdlg_coverage *t, const struct mdlg__rec *r,
                         struct mdlg_cov_diag *d)
{
    if (is_type(r, "reference"))
        return read_ref(t, r, d);
    if (is_type(r, "fallback"))
        return read_fallback(t, r, d);
    if (is_type(r, "census_total")) {
        if (t->has_census)
            return mdlg__cov_fail(d, r->line, "more than one census_total record");
        t->has_census = true;
        return mdlg__cov_census_rec(t, r, &t->census, d);
    }
    struct mdlg_cov_entry *e = &t->entries[t->n_entries];
    mdlg_err err = mdlg__cov_jurisdiction(t, r, e, d);
    if (err == MDLG_E_OK && mdlg_coverage_find(t, e->code) != NULL)
        return mdlg__cov_fail(d, r->line, "%s listed twice", e->code);
    t->n_entries += err == MDLG_E_OK;
    return err;
}

/* References and fallbacks first: jurisdictions and the census refer to them. */
static mdlg_err read_all(struct mdlg_coverage *t, struct mdlg_cov_diag *d)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->n_recs; i++) {
            const struct mdlg__rec *r = &t->recs[i];
            bool early = is_type(r, "reference") || is_type(r, "fallback");
            if (early != (pass == 0))
                continue;
            mdlg_err e = read_one(t, r, d);
            if (e != MDLG_E_OK)
                return e;
        }
    return MDLG_E_OK;
}

mdlg_err mdlg_coverage_parse(const char *text, size_t len, struct mdlg_coverage **out,
                             struct mdlg_cov_diag *diag)
{
    if (diag != NULL)
        *diag = (struct mdlg_cov_diag){ 0 };
    if (len > MDLG_COVERAGE_MAX_BYTES)
        return MDLG_E_LIMIT_BODY_SIZE;
    if (memchr(text, '\0', len) != NULL)
        return mdlg__cov_fail(diag, 0, "NUL byte in the text");
    struct mdlg_coverage *t = calloc(1, sizeof *t);
    if (t == NULL || (t->buf = malloc(len + 1)) == NULL) {
        free(t);
        return MDLG_E_NO_MEMORY;
    }
    memcpy(t->buf, text, len);
    t->buf[len] = '\0';
    mdlg_err e = mdlg__rec_split(t->buf, &t->fields, &t->n_fields, &t->recs, &t->n_recs, diag);
    if (e == MDLG_E_OK)
        e = size_arrays(t, diag);
    if (e == MDLG_E_OK)
        e = read_all(t, diag);
    if (e != MDLG_E_OK) {
        mdlg_coverage_free(t);
        return e;
    }
    *out = t;
    return MDLG_E_OK;
}

void mdlg_coverage_free(struct mdlg_coverage *t)
{
    if (t == NULL)
        return;
    free(t->buf);
    free(t->fields);
    free(t->recs);
    free(t->refs);
    free(t->fallbacks);
    free(t->entries);
    free(t->aliases);
    free(t->roots);
    free(t->sources);
    free(t);
}

/* ---- repeatable fields and sources ---- */

const struct mdlg_cov_source *mdlg__cov_find_ref(const struct mdlg_coverage *t, const char *id)
{
    for (size_t i = 0; i < t->n_refs; i++)
        if (strcmp(t->refs[i].ref, id) == 0)
            return &t->refs[i];
    return NULL;
}

mdlg_err mdlg__cov_source(const struct mdlg_coverage *t, const struct mdlg__rec_field *f,
                          struct mdlg_cov_source *out, struct mdlg_cov_diag *d)
{
    char *v = f->value;
    if (strncmp(v, "ref:", 4) == 0) {
        const struct mdlg_cov_source *r = mdlg__cov_find_ref(t, v + 4);
        if (r == NULL)
            return mdlg__cov_fail(d, f->line, "source: no reference record '%s'", v + 4);
        *out = *r;
        return MDLG_E_OK;
    }
    if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
        return mdlg__cov_fail(d, f->line, "source: neither an http(s) URL nor ref:ID");
    *out = (struct mdlg_cov_source){ .url = v };
    char *sp = strchr(v, ' ');
    if (sp == NULL)
        return MDLG_E_OK;
    *sp++ = '\0';
    size_t n = strlen(sp);
    if (n >= 2 && sp[0] == '(' && sp[n - 1] == ')') {   /* "URL (note)" */
        sp[n - 1] = '\0';
        sp++;
    }
    out->note = sp;
    return MDLG_E_OK;
}

/* "<64 lower-case hex> <label>" */
static mdlg_err root_field(const struct mdlg__rec_field *f, struct mdlg_cov_root *out,
                           struct mdlg_cov_diag *d)
{
    char *v = f->value;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)v[i]) || isupper((unsigned char)v[i]))
            return mdlg__cov_fail(d, f->line, "iaca_root: expected 64 lower-case hex digits");
    if (v[64] != ' ' || v[65] == '\0')
        return mdlg__cov_fail(d, f->line, "iaca_root: expected a label after the SHA-256");
    v[64] = '\0';
    *out = (struct mdlg_cov_root){ .sha256 = v, .label = v + 65 };
    return MDLG_E_OK;
}

mdlg_err mdlg__cov_multi_begin(struct mdlg_coverage *t, struct mdlg_cov_entry *e)
{
    e->aliases = &t->aliases[t->n_aliases];
    e->roots = &t->roots[t->n_roots];
    e->sources = &t->sources[t->n_sources];
    return MDLG_E_OK;
}

mdlg_err mdlg__cov_multi(struct mdlg_coverage *t, char kind, const struct mdlg__rec_field *f,
                         void *entry, struct mdlg_cov_diag *d)
{
    struct mdlg_cov_entry *e = entry;
    mdlg_err err = MDLG_E_OK;
    if (f->value[0] == '\0')
        return mdlg__cov_fail(d, f->line, "%s: empty value", f->name);
    if (kind == 'a') {
        t->aliases[t->n_aliases++] = f->value;
        e->n_aliases++;
    } else if (kind == 'r') {
        if ((err = root_field(f, &t->roots[t->n_roots], d)) == MDLG_E_OK) {
            t->n_roots++;
            e->n_roots++;
        }
    } else if ((err = mdlg__cov_source(t, f, &t->sources[t->n_sources], d)) == MDLG_E_OK) {
        t->n_sources++;
        e->n_sources++;
    }
    return err;
}

/* ---- queries ---- */

size_t mdlg_coverage_count(const struct mdlg_coverage *t)
{
    return t->n_entries;
}

const struct mdlg_cov_entry *mdlg_coverage_at(const struct mdlg_coverage *t, size_t i)
{
    return i < t->n_entries ? &t->entries[i] : NULL;
}

static bool matches(const struct mdlg_cov_entry *e, const char *q)
{
    if (strcasecmp(e->code, q) == 0 || strcasecmp(e->code + 3, q) == 0 ||
        strcasecmp(e->name, q) == 0)
        return true;
    for (size_t i = 0; i < e->n_aliases; i++)
        if (strcasecmp(e->aliases[i], q) == 0)
            return true;
    return false;
}

const struct mdlg_cov_entry *mdlg_coverage_find(const struct mdlg_coverage *t, const char *query)
{
    for (size_t i = 0; query != NULL && i < t->n_entries; i++)
        if (matches(&t->entries[i], query))
            return &t->entries[i];
    return NULL;
}

const struct mdlg_cov_fallback *mdlg_coverage_fallback(const struct mdlg_coverage *t,
                                                       const char *id)
{
    for (size_t i = 0; i < t->n_fallbacks; i++)
        if (strcmp(t->fallbacks[i].id, id) == 0)
            return &t->fallbacks[i];
    return NULL;
}

const struct mdlg_cov_census *mdlg_coverage_census(const struct mdlg_coverage *t)
{
    return t->has_census ? &t->census : NULL;
}

/* ---- the built-in table ---- */

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static struct mdlg_coverage *builtin;
static mdlg_err builtin_err;

const char *mdlg_coverage_builtin_text(size_t *len)
{
    *len = (size_t)(mdlg__coverage_rec_end - mdlg__coverage_rec);
    return mdlg__coverage_rec;
}

static void builtin_load(void)
{
    size_t len;
    const char *text = mdlg_coverage_builtin_text(&len);
    builtin_err = mdlg_coverage_parse(text, len, &builtin, NULL);
}

mdlg_err mdlg_coverage_builtin(const struct mdlg_coverage **out)
{
    pthread_once(&builtin_once, builtin_load);
    if (builtin_err == MDLG_E_OK)
        *out = builtin;
    return builtin_err;
}

/* ---- summary ---- */

static const struct {
    const char *name, *definition;
} measures[MDLG_COV_MEASURE_COUNT] = {
    [MDLG_COV_M_LIVE] = { "live", "mdl_status is live" },
    [MDLG_COV_M_APPLE_WALLET] = { "apple_wallet", "apple_wallet is yes" },
    [MDLG_COV_M_GOOGLE_WALLET] = { "google_wallet", "google_wallet is yes" },
    [MDLG_COV_M_TSA_ACCEPTED] = { "tsa_accepted", "tsa_accepted is yes" },
};

bool mdlg_cov_in_measure(const struct mdlg_cov_entry *e, enum mdlg_cov_measure m)
{
    switch (m) {
    case MDLG_COV_M_LIVE: return e->status == MDLG_COV_LIVE;
    case MDLG_COV_M_APPLE_WALLET: return e->apple_wallet.value == MDLG_COV_YES;
    case MDLG_COV_M_GOOGLE_WALLET: return e->google_wallet.value == MDLG_COV_YES;
    case MDLG_COV_M_TSA_ACCEPTED: return e->tsa_accepted.value == MDLG_COV_YES;
    default: return false;
    }
}

const char *mdlg_cov_measure_name(enum mdlg_cov_measure m)
{
    return (unsigned)m < MDLG_COV_MEASURE_COUNT ? measures[m].name : "?";
}

const char *mdlg_cov_measure_definition(enum mdlg_cov_measure m)
{
    return (unsigned)m < MDLG_COV_MEASURE_COUNT ? measures[m].definition : "?";
}

const char *mdlg_cov_scope_name(enum mdlg_cov_scope s)
{
    return s == MDLG_COV_SCOPE_ALL ? "all" : s == MDLG_COV_SCOPE_STATES_DC ? "states_and_dc" : "?";
}

static void add_entry(struct mdlg_cov_summary *s, const struct mdlg_cov_entry *e)
{
    bool sdc = e->kind == MDLG_COV_STATE || e->kind == MDLG_COV_DISTRICT;
    s->n_jurisdictions++;
    s->by_status[e->status]++;
    s->population[MDLG_COV_SCOPE_ALL] += e->population;
    s->population[MDLG_COV_SCOPE_STATES_DC] += sdc ? e->population : 0;
    for (int m = 0; m < MDLG_COV_MEASURE_COUNT; m++) {
        if (!mdlg_cov_in_measure(e, m))
            continue;
        s->measure_count[m]++;
        s->measure_population[m][MDLG_COV_SCOPE_ALL] += e->population;
        s->measure_population[m][MDLG_COV_SCOPE_STATES_DC] += sdc ? e->population : 0;
    }
    if (s->as_of_min == NULL || strcmp(e->as_of, s->as_of_min) < 0)
        s->as_of_min = e->as_of;
    if (s->as_of_max == NULL || strcmp(e->as_of, s->as_of_max) > 0)
        s->as_of_max = e->as_of;
}

void mdlg_coverage_summary(const struct mdlg_coverage *t, struct mdlg_cov_summary *out)
{
    *out = (struct mdlg_cov_summary){ 0 };
    for (size_t i = 0; i < t->n_entries; i++)
        add_entry(out, &t->entries[i]);
    for (int m = 0; m < MDLG_COV_MEASURE_COUNT; m++)
        for (int sc = 0; sc < MDLG_COV_SCOPE_COUNT; sc++)
            out->share[m][sc] = out->population[sc] == 0 ? 0.0
                                : (double)out->measure_population[m][sc] /
                                  (double)out->population[sc];
}
