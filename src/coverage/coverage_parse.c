/*
 * coverage_parse.c - records of coverage.rec -> struct mdlg_coverage.
 * see mdlg/coverage.h
 *
 * Each record type has a table of its fields: name, kind (how the value is
 * checked and stored), where it goes, whether it is mandatory. One generic
 * loop applies a table to a record; the schema lives in the tables, not in
 * code paths. state-coverage/README.md documents the same fields.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_internal.h"

enum fkind {
    F_TEXT,      /* any non-empty text */
    F_URL,       /* http(s)://, no blanks */
    F_CODE,      /* US-XX */
    F_KIND, F_STATUS, F_ANS3, F_ANS4, F_ACTION, F_CONF, F_BASIS,
    F_YEAR,      /* YYYY or "none" */
    F_DATE,      /* YYYY[-MM[-DD]] */
    F_POP,       /* positive integer */
    F_FALLBACK,  /* id of a fallback record */
    F_SOURCE1,   /* one source (census_total) */
    F_ALIAS, F_ROOT, F_SOURCE,   /* repeatable, jurisdiction only */
};

#define REQ 1u
#define MULTI 2u

struct fspec {
    const char *name;
    enum fkind kind;
    size_t off;
    unsigned flags;
};

static const char *const kind_names[] = { "state", "district", "territory" };
static const char *const status_names[] = { "live", "pilot", "legislated-not-live", "none" };
static const char *const answer_names[] = { "unknown", "yes", "no", "not-applicable" };
static const char *const action_names[] = { "use-mdl", "offer-mdl-keep-existing",
                                            "alternative-verification" };
static const char *const conf_names[] = { "low", "medium-low", "medium", "medium-high", "high" };
static const char *const basis_names[] = { "census-v2024", "census-2020" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the schema: one table per record type ---- */

#define R(f) offsetof(struct mdlg_cov_source, f)
static const struct fspec ref_fields[] = {
    { "id", F_TEXT, R(ref), REQ },
    { "title", F_TEXT, R(title), REQ },
    { "url", F_URL, R(url), 0 },
    { "note", F_TEXT, R(note), 0 },
};

#define B(f) offsetof(struct mdlg_cov_fallback, f)
static const struct fspec fallback_fields[] = {
    { "id", F_TEXT, B(id), REQ },
    { "action", F_ACTION, B(action), REQ },
    { "summary", F_TEXT, B(summary), REQ },
    { "rationale", F_TEXT, B(rationale), REQ },
};

#define C(f) offsetof(struct mdlg_cov_census, f)
static const struct fspec census_fields[] = {
    { "scope", F_TEXT, C(scope), REQ },
    { "population", F_POP, C(population), REQ },
    { "note", F_TEXT, C(note), 0 },
    { "source", F_SOURCE1, C(source), REQ },
};

#define E(f) offsetof(struct mdlg_cov_entry, f)
#define FACT(f) { #f, F_ANS3, E(f.value), REQ }, { #f "_since", F_DATE, E(f.since), 0 }, \
                { #f "_note", F_TEXT, E(f.note), 0 }
#define FACT4(f) { #f, F_ANS4, E(f.value), REQ }, { #f "_note", F_TEXT, E(f.note), 0 }
static const struct fspec jur_fields[] = {
    { "code", F_CODE, E(code), REQ },
    { "name", F_TEXT, E(name), REQ },
    { "kind", F_KIND, E(kind), REQ },
    { "alias", F_ALIAS, 0, MULTI },
    { "mdl_status", F_STATUS, E(status), REQ },
    { "fallback", F_FALLBACK, E(fallback), 0 },
    { "launch_year", F_YEAR, E(launch_year), REQ },
    { "launch_note", F_TEXT, E(launch_note), 0 },
    { "state_app", F_TEXT, E(state_app), REQ },
    { "app_vendor", F_TEXT, E(app_vendor), REQ },
    { "state_app_note", F_TEXT, E(state_app_note), 0 },
    FACT(apple_wallet), FACT(google_wallet), FACT(samsung_wallet),
    { "tsa_accepted", F_ANS3, E(tsa_accepted.value), REQ },
    { "tsa_accepted_note", F_TEXT, E(tsa_accepted.note), 0 },
    FACT4(iso_18013_5), FACT4(online_18013_7),
    { "aamva_vical", F_ANS3, E(aamva_vical.value), REQ },
    { "aamva_vical_note", F_TEXT, E(aamva_vical.note), 0 },
    { "population", F_POP, E(population), REQ },
    { "population_basis", F_BASIS, E(population_basis), REQ },
    { "ui_fraud_loss", F_TEXT, E(ui_fraud_loss), 0 },
    { "confidence", F_CONF, E(confidence), 0 },
    { "notes", F_TEXT, E(notes), REQ },
    { "iaca_root", F_ROOT, 0, MULTI },
    { "source", F_SOURCE, 0, REQ | MULTI },
    { "as_of", F_DATE, E(as_of), REQ },
};

/* ---- value checks ---- */

static int name_index(const char *const *names, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], v) == 0)
            return (int)i;
    return -1;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool valid_date(const char *s)
{
    size_t n = strlen(s);
    if ((n != 4 && n != 7 && n != 10) || !digits(s, 4))
        return false;
    if (n >= 7 && (s[4] != '-' || !digits(s + 5, 2) || atoi(s + 5) < 1 || atoi(s + 5) > 12))
        return false;
    return n < 10 || (s[7] == '-' && digits(s + 8, 2) && atoi(s + 8) >= 1 && atoi(s + 8) <= 31);
}

static bool valid_url(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        return false;
    for (; *s; s++)
        if (isspace((unsigned char)*s))
            return false;
    return true;
}

static bool valid_code(const char *s)
{
    return strlen(s) == 5 && strncmp(s, "US-", 3) == 0 && isupper((unsigned char)s[3]) &&
           isupper((unsigned char)s[4]);
}

static bool parse_pop(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 12 || !digits(s, n) || s[0] == '0')
        return false;
    *out = strtoull(s, NULL, 10);
    return true;
}

/* ---- storing one field ---- */

static mdlg_err enum_field(const struct mdlg__rec_field *f, const char *const *names, size_t n,
                           int *dst, struct mdlg_cov_diag *diag)
{
    int i = name_index(names, n, f->value);
    if (i < 0)
        return mdlg__cov_fail(diag, f->line, "%s: '%s' is not one of the allowed values",
                              f->name, f->value);
    *dst = i;
    return MDLG_E_OK;
}

/* Enum-valued text fields store the static name, not the copy in the text. */
static mdlg_err name_field(const struct mdlg__rec_field *f, const char *const *names, size_t n,
                           const char **dst, struct mdlg_cov_diag *diag)
{
    int i;
    mdlg_err e = enum_field(f, names, n, &i, diag);
    if (e == MDLG_E_OK)
        *dst = names[i];
    return e;
}

static mdlg_err check_text(const struct mdlg__rec_field *f, enum fkind k, struct mdlg_cov_diag *d)
{
    const char *v = f->value;
    if (v[0] == '\0')
        return mdlg__cov_fail(d, f->line, "%s: empty value", f->name);
    if (k == F_URL && !valid_url(v))
        return mdlg__cov_fail(d, f->line, "%s: not an http(s) URL", f->name);
    if (k == F_CODE && !valid_code(v))
        return mdlg__cov_fail(d, f->line, "code: '%s' is not US-XX", v);
    if (k == F_DATE && !valid_date(v))
        return mdlg__cov_fail(d, f->line, "%s: '%s' is not YYYY[-MM[-DD]]", f->name, v);
    return MDLG_E_OK;
}

static mdlg_err store_scalar(struct mdlg_coverage *t, const struct fspec *sp,
                             const struct mdlg__rec_field *f, char *base, struct mdlg_cov_diag *d)
{
    void *dst = base + sp->off;
    switch (sp->kind) {
    case F_KIND: return enum_field(f, kind_names, N(kind_names), (int *)dst, d);
    case F_STATUS: return enum_field(f, status_names, N(status_names), (int *)dst, d);
    case F_ANS3: return enum_field(f, answer_names, 3, (int *)dst, d);
    case F_ANS4: return enum_field(f, answer_names, 4, (int *)dst, d);
    case F_ACTION: return name_field(f, action_names, N(action_names), (const char **)dst, d);
    case F_CONF: return name_field(f, conf_names, N(conf_names), (const char **)dst, d);
    case F_BASIS: return name_field(f, basis_names, N(basis_names), (const char **)dst, d);
    case F_POP:
        return parse_pop(f->value, (uint64_t *)dst) ? MDLG_E_OK
               : mdlg__cov_fail(d, f->line, "%s: not a positive integer", f->name);
    case F_YEAR:
        if (strcmp(f->value, "none") == 0)
            return MDLG_E_OK;
        if (strlen(f->value) != 4 || !digits(f->value, 4))
            return mdlg__cov_fail(d, f->line, "launch_year: '%s' is not YYYY or none", f->value);
        *(int *)dst = atoi(f->value);
        return MDLG_E_OK;
    case F_FALLBACK:
        *(const struct mdlg_cov_fallback **)dst = mdlg_coverage_fallback(t, f->value);
        return *(const void **)dst ? MDLG_E_OK
               : mdlg__cov_fail(d, f->line, "fallback: no fallback record '%s'", f->value);
    case F_SOURCE1: return mdlg__cov_source(t, f, (struct mdlg_cov_source *)dst, d);
    default: break;
    }
    mdlg_err e = check_text(f, sp->kind, d);
    if (e == MDLG_E_OK)
        *(const char **)dst = f->value;
    return e;
}

/* ---- one record ---- */

static const struct fspec *find_spec(const struct fspec *specs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

/* Applies specs to record r, writing scalars into base and repeatable fields
 * through mdlg__cov_multi(). Checks unknown, repeated and missing fields. */
static mdlg_err apply(struct mdlg_coverage *t, const struct fspec *specs, size_t n,
                      const struct mdlg__rec *r, void *base, struct mdlg_cov_diag *d)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct mdlg__rec_field *f = &t->fields[r->first + i];
        const struct fspec *sp = find_spec(specs, n, f->name);
        if (sp == NULL)
            return mdlg__cov_fail(d, f->line, "unknown field '%s' in a %s record", f->name,
                                  r->type);
        uint64_t bit = UINT64_C(1) << (sp - specs);
        if ((seen & bit) && !(sp->flags & MULTI))
            return mdlg__cov_fail(d, f->line, "field '%s' repeated", f->name);
        seen |= bit;
        mdlg_err e = (sp->flags & MULTI) ? mdlg__cov_multi(t, sp->kind == F_ALIAS ? 'a'
                                                             : sp->kind == F_ROOT ? 'r' : 's',
                                                             f, base, d)
                                         : store_scalar(t, sp, f, base, d);
        if (e != MDLG_E_OK)
            return e;
    }
    for (size_t i = 0; i < n; i++)
        if ((specs[i].flags & REQ) && !(seen & (UINT64_C(1) << i)))
            return mdlg__cov_fail(d, r->line, "%s record lacks '%s'", r->type, specs[i].name);
    return MDLG_E_OK;
}

mdlg_err mdlg__cov_reference(struct mdlg_coverage *t, const struct mdlg__rec *r,
                             struct mdlg_cov_source *out, struct mdlg_cov_diag *d)
{
    return apply(t, ref_fields, N(ref_fields), r, out, d);
}

mdlg_err mdlg__cov_fallback_rec(struct mdlg_coverage *t, const struct mdlg__rec *r,
                                struct mdlg_cov_fallback *out, struct mdlg_cov_diag *d)
{
    return apply(t, fallback_fields, N(fallback_fields), r, out, d);
}

mdlg_err mdlg__cov_census_rec(struct mdlg_coverage *t, const struct mdlg__rec *r,
                              struct mdlg_cov_census *out, struct mdlg_cov_diag *d)
{
    return apply(t, census_fields, N(census_fields), r, out, d);
}

/* A "_since" date says when a "yes" began; it makes no sense beside anything else. */
static mdlg_err check_since(const struct mdlg_cov_entry *e, unsigned line,
                            struct mdlg_cov_diag *d)
{
    const struct mdlg_cov_fact *facts[] = { &e->apple_wallet, &e->google_wallet,
                                            &e->samsung_wallet };
    for (size_t i = 0; i < N(facts); i++)
        if (facts[i]->since != NULL && facts[i]->value != MDLG_COV_YES)
            return mdlg__cov_fail(d, line, "%s: a _since date on a value other than yes",
                                  e->code);
    return MDLG_E_OK;
}

mdlg_err mdlg__cov_jurisdiction(struct mdlg_coverage *t, const struct mdlg__rec *r,
                                struct mdlg_cov_entry *out, struct mdlg_cov_diag *d)
{
    mdlg_err e = mdlg__cov_multi_begin(t, out);
    if (e == MDLG_E_OK)
        e = apply(t, jur_fields, N(jur_fields), r, out, d);
    if (e == MDLG_E_OK)
        e = check_since(out, r->line, d);
    if (e == MDLG_E_OK && out->fallback == NULL &&
        (out->fallback = mdlg_coverage_fallback(t, status_names[out->status])) == NULL)
        e = mdlg__cov_fail(d, r->line, "no fallback record for status '%s'",
                           status_names[out->status]);
    return e;
}

const char *mdlg_cov_status_name(enum mdlg_cov_status s)
{
    return (unsigned)s < N(status_names) ? status_names[s] : "?";
}

const char *mdlg_cov_answer_name(enum mdlg_cov_answer a)
{
    return (unsigned)a < N(answer_names) ? answer_names[a] : "?";
}

const char *mdlg_cov_kind_name(enum mdlg_cov_kind k)
{
    return (unsigned)k < N(kind_names) ? kind_names[k] : "?";
}
