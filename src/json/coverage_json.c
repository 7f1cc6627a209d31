/*
 * coverage_json.c - coverage entries and summary as JSON.
 * see mdlg/coverage_json.h
 *
 * Member names are the data file's field names, so a reader of
 * state-coverage/README.md can read the JSON too. Absent optional fields
 * are null, never left out: every entry has the same members.
 */
#include <jansson.h>
#include <stdbool.h>

#include "mdlg/coverage_json.h"

#define SHARE_DEFINITION \
    "population-weighted share: the summed population of the jurisdictions in the measure " \
    "divided by the summed population of all listed jurisdictions (the *_states_and_dc " \
    "figures use only the 50 states and DC, kind state or district, on both sides)"

static json_t *str(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

/* Sets o[k] = v (stealing v); false if v is NULL or the set fails. */
static bool put(json_t *o, const char *k, json_t *v)
{
    return v != NULL && json_object_set_new(o, k, v) == 0;
}

static json_t *done(json_t *o, bool ok)
{
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

/* "<name>": value, "<name>_since": ..., "<name>_note": ... */
static bool put_fact(json_t *o, const char *name, const struct mdlg_cov_fact *f, bool since)
{
    char k[64];
    bool ok = put(o, name, json_string(mdlg_cov_answer_name(f->value)));
    if (since) {
        snprintf(k, sizeof k, "%s_since", name);
        ok = ok && put(o, k, str(f->since));
    }
    snprintf(k, sizeof k, "%s_note", name);
    return ok && put(o, k, str(f->note));
}

static json_t *source_json(const struct mdlg_cov_source *s)
{
    json_t *o = json_object();
    bool ok = o && put(o, "url", str(s->url)) && put(o, "title", str(s->title)) &&
              put(o, "note", str(s->note)) && put(o, "ref", str(s->ref));
    return done(o, ok);
}

/* Fills the entry's arrays, already inserted in o. */
static bool fill_lists(const struct mdlg_cov_entry *e, json_t *al, json_t *roots, json_t *src)
{
    bool ok = true;
    for (size_t i = 0; ok && i < e->n_aliases; i++)
        ok = json_array_append_new(al, json_string(e->aliases[i])) == 0;
    for (size_t i = 0; ok && i < e->n_roots; i++)
        ok = json_array_append_new(roots, json_pack("{s:s, s:s}", "sha256", e->roots[i].sha256,
                                                    "label", e->roots[i].label)) == 0;
    for (size_t i = 0; ok && i < e->n_sources; i++)
        ok = json_array_append_new(src, source_json(&e->sources[i])) == 0;
    return ok;
}

static bool put_program(json_t *o, const struct mdlg_cov_entry *e)
{
    return put(o, "mdl_status", json_string(mdlg_cov_status_name(e->status))) &&
           put(o, "launch_year", e->launch_year ? json_integer(e->launch_year) : json_null()) &&
           put(o, "launch_note", str(e->launch_note)) &&
           put(o, "state_app", str(e->state_app)) && put(o, "app_vendor", str(e->app_vendor)) &&
           put(o, "state_app_note", str(e->state_app_note)) &&
           put_fact(o, "apple_wallet", &e->apple_wallet, true) &&
           put_fact(o, "google_wallet", &e->google_wallet, true) &&
           put_fact(o, "samsung_wallet", &e->samsung_wallet, true) &&
           put_fact(o, "tsa_accepted", &e->tsa_accepted, false) &&
           put_fact(o, "iso_18013_5", &e->iso_18013_5, false) &&
           put_fact(o, "online_18013_7", &e->online_18013_7, false) &&
           put_fact(o, "aamva_vical", &e->aamva_vical, false);
}

static json_t *fallback_json(const struct mdlg_cov_fallback *f)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "id", f->id, "action", f->action,
                     "summary", f->summary, "rationale", f->rationale);
}

json_t *mdlg_coverage_entry_json(const struct mdlg_cov_entry *e)
{
    json_t *o = json_object(), *al = json_array(), *roots = json_array(), *src = json_array();
    bool ok = o && put(o, "code", json_string(e->code)) && put(o, "name", json_string(e->name)) &&
              put(o, "kind", json_string(mdlg_cov_kind_name(e->kind)));
    ok = ok && json_object_set(o, "aliases", al) == 0;
    ok = ok && put_program(o, e) &&
         put(o, "population", json_integer((json_int_t)e->population)) &&
         put(o, "population_basis", str(e->population_basis)) &&
         put(o, "ui_fraud_loss", str(e->ui_fraud_loss)) &&
         put(o, "confidence", str(e->confidence)) && put(o, "notes", str(e->notes));
    ok = ok && json_object_set(o, "iaca_roots", roots) == 0 &&
         json_object_set(o, "sources", src) == 0 &&
         put(o, "fallback", fallback_json(e->fallback)) && put(o, "as_of", str(e->as_of)) &&
         fill_lists(e, al, roots, src);
    json_decref(al);
    json_decref(roots);
    json_decref(src);
    return done(o, ok);
}

/* ---- summary ---- */

static json_t *measure_json(const struct mdlg_cov_summary *s, enum mdlg_cov_measure m)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:f, s:I, s:f}", "name", mdlg_cov_measure_name(m),
                     "definition", mdlg_cov_measure_definition(m),
                     "jurisdictions", (json_int_t)s->measure_count[m],
                     "population", (json_int_t)s->measure_population[m][MDLG_COV_SCOPE_ALL],
                     "share", s->share[m][MDLG_COV_SCOPE_ALL],
                     "population_states_and_dc",
                     (json_int_t)s->measure_population[m][MDLG_COV_SCOPE_STATES_DC],
                     "share_states_and_dc", s->share[m][MDLG_COV_SCOPE_STATES_DC]);
}

static bool put_measures(json_t *o, const struct mdlg_cov_summary *s)
{
    json_t *list = json_array();
    bool ok = put(o, "measures", list);
    for (int m = 0; ok && m < MDLG_COV_MEASURE_COUNT; m++) {
        char k[64];
        snprintf(k, sizeof k, "%s_share", mdlg_cov_measure_name(m));
        ok = put(o, k, json_real(s->share[m][MDLG_COV_SCOPE_ALL])) &&
             json_array_append_new(list, measure_json(s, m)) == 0;
    }
    return ok;
}

static json_t *census_json(const struct mdlg_coverage *t)
{
    const struct mdlg_cov_census *c = mdlg_coverage_census(t);
    if (c == NULL)
        return json_null();
    json_t *o = json_object();
    bool ok = o && put(o, "scope", str(c->scope)) &&
              put(o, "population", json_integer((json_int_t)c->population)) &&
              put(o, "note", str(c->note)) && put(o, "source", source_json(&c->source));
    return done(o, ok);
}

static json_t *counts_json(const struct mdlg_cov_summary *s)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    for (int i = 0; ok && i < MDLG_COV_STATUS_COUNT; i++)
        ok = put(o, mdlg_cov_status_name(i), json_integer((json_int_t)s->by_status[i]));
    return done(o, ok);
}

json_t *mdlg_coverage_summary_json(const struct mdlg_coverage *t)
{
    struct mdlg_cov_summary s;
    mdlg_coverage_summary(t, &s);
    json_t *o = json_object();
    bool ok = o && put(o, "jurisdictions", json_integer((json_int_t)s.n_jurisdictions)) &&
              put(o, "status_counts", counts_json(&s)) &&
              put(o, "population", json_integer((json_int_t)s.population[MDLG_COV_SCOPE_ALL])) &&
              put(o, "population_states_and_dc",
                  json_integer((json_int_t)s.population[MDLG_COV_SCOPE_STATES_DC])) &&
              put_measures(o, &s) && put(o, "share_definition", json_string(SHARE_DEFINITION)) &&
              put(o, "census_total", census_json(t)) &&
              put(o, "as_of", json_pack("{s:s?, s:s?}", "oldest", s.as_of_min,
                                        "newest", s.as_of_max));
    return done(o, ok);
}

json_t *mdlg_coverage_json(const struct mdlg_coverage *t, const struct mdlg_cov_entry *only)
{
    json_t *o = json_object(), *list = json_array();
    bool ok = o && put(o, "jurisdictions", list);
    for (size_t i = 0; ok && i < mdlg_coverage_count(t); i++) {
        const struct mdlg_cov_entry *e = mdlg_coverage_at(t, i);
        if (only == NULL || only == e)
            ok = json_array_append_new(list, mdlg_coverage_entry_json(e)) == 0;
    }
    return done(o, ok && put(o, "summary", mdlg_coverage_summary_json(t)));
}
