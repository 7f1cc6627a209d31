/*
 * coverage.h - which US jurisdictions issue mDLs, through which wallets, with
 * which public trust roots, and what an integrator should do elsewhere.
 *
 * The data is state-coverage/coverage.rec (a GNU recutils file; every field
 * is documented in state-coverage/README.md). It is embedded in libmdlgate
 * at build time, so mdlg_coverage_builtin() needs no file at run time;
 * mdlg_coverage_parse() reads the same format from any buffer.
 *
 * A table is immutable once parsed: every pointer below points into it and
 * stays valid until mdlg_coverage_free(). The built-in table is parsed once,
 * on first use, and is never freed; it is safe to share between threads.
 * No JSON here: mdlg/coverage_json.h builds the JSON form.
 */
#ifndef MDLG_COVERAGE_H
#define MDLG_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

/* mdl_status. Names: "live", "pilot", "legislated-not-live", "none". */
enum mdlg_cov_status {
    MDLG_COV_LIVE,
    MDLG_COV_PILOT,
    MDLG_COV_LEGISLATED_NOT_LIVE,
    MDLG_COV_NONE,
    MDLG_COV_STATUS_COUNT
};

/* A yes/no fact. Names: "unknown", "yes", "no", "not-applicable". */
enum mdlg_cov_answer {
    MDLG_COV_UNKNOWN,
    MDLG_COV_YES,
    MDLG_COV_NO,
    MDLG_COV_NOT_APPLICABLE,   /* iso_18013_5 and online_18013_7 where there is no program */
    MDLG_COV_ANSWER_COUNT
};

/* Names: "state", "district", "territory". */
enum mdlg_cov_kind { MDLG_COV_STATE, MDLG_COV_DISTRICT, MDLG_COV_TERRITORY, MDLG_COV_KIND_COUNT };

/* One yes/no field with its optional "_since" date (YYYY[-MM[-DD]], only
 * when value is YES) and "_note"; absent parts are NULL. */
struct mdlg_cov_fact {
    enum mdlg_cov_answer value;
    const char *since;
    const char *note;
};

/* A source: a URL with an optional note, or a shared reference record
 * (title, and url when it has one). At least one of url and title is set. */
struct mdlg_cov_source {
    const char *url;
    const char *title;
    const char *note;
    const char *ref;     /* the reference id ("NOTEA"), NULL for a plain URL */
};

/* A public IACA root of the jurisdiction: SHA-256 of its DER in lower-case
 * hex, and a label (where it was found, its status). */
struct mdlg_cov_root {
    const char *sha256;
    const char *label;
};

/* What to do for a resident: action is "use-mdl", "offer-mdl-keep-existing"
 * or "alternative-verification"; summary and rationale are one sentence each. */
struct mdlg_cov_fallback {
    const char *id;
    const char *action;
    const char *summary;
    const char *rationale;
};

struct mdlg_cov_entry {
    const char *code;                 /* "US-CA" */
    const char *name;                 /* "California" */
    enum mdlg_cov_kind kind;
    const char *const *aliases;       /* other accepted names */
    size_t n_aliases;
    enum mdlg_cov_status status;
    int launch_year;                  /* 0 = no public availability found */
    const char *launch_note;
    const char *state_app;            /* "none" if there is none */
    const char *app_vendor;           /* "unknown", "none", or a name with its basis */
    const char *state_app_note;
    struct mdlg_cov_fact apple_wallet, google_wallet, samsung_wallet, tsa_accepted;
    struct mdlg_cov_fact iso_18013_5, online_18013_7, aamva_vical;
    uint64_t population;
    const char *population_basis;     /* "census-v2024" or "census-2020" */
    const char *ui_fraud_loss;        /* NULL where no source gives one */
    const char *confidence;           /* the research's own rating, or NULL */
    const char *notes;
    const struct mdlg_cov_root *roots;
    size_t n_roots;
    const struct mdlg_cov_source *sources;
    size_t n_sources;                 /* >= 1 */
    const struct mdlg_cov_fallback *fallback;
    const char *as_of;                /* YYYY[-MM[-DD]] */
};

/* The reference population the table is checked against. */
struct mdlg_cov_census {
    const char *scope;                /* "states-and-district" */
    uint64_t population;
    const char *note;
    struct mdlg_cov_source source;
};

/* Where a parse failed: 1-based line (0 = not tied to a line) and a message. */
struct mdlg_cov_diag {
    unsigned line;
    char message[160];
};

struct mdlg_coverage;

/*
 * Parses text[0..len) (not necessarily NUL-terminated; at most
 * MDLG_COVERAGE_MAX_BYTES) into a new table. Checks every field against the
 * schema: known names, enums, dates, codes, one value per single field,
 * mandatory fields, unique codes, existing references and fallbacks.
 * Results: MDLG_E_OK; MDLG_E_COVERAGE_DATA_INVALID (diag says where);
 * MDLG_E_LIMIT_BODY_SIZE; MDLG_E_NO_MEMORY. diag may be NULL.
 */
#define MDLG_COVERAGE_MAX_BYTES (4u << 20)
mdlg_err mdlg_coverage_parse(const char *text, size_t len, struct mdlg_coverage **out,
                             struct mdlg_cov_diag *diag) MDLG_WARN_UNUSED;

void mdlg_coverage_free(struct mdlg_coverage *t);

/* The embedded state-coverage/coverage.rec, parsed on first call. */
mdlg_err mdlg_coverage_builtin(const struct mdlg_coverage **out) MDLG_WARN_UNUSED;

/* The embedded text itself (not NUL-terminated) and its length. */
const char *mdlg_coverage_builtin_text(size_t *len);

size_t mdlg_coverage_count(const struct mdlg_coverage *t);
const struct mdlg_cov_entry *mdlg_coverage_at(const struct mdlg_coverage *t, size_t i);

/*
 * The entry a user means by `query`, or NULL: its code ("US-CA"), the code
 * without "US-" ("CA"), its name ("California") or an alias, compared
 * without regard to ASCII case.
 */
const struct mdlg_cov_entry *mdlg_coverage_find(const struct mdlg_coverage *t,
                                                const char *query);

/* The fallback record with this id ("live", "none", ...), or NULL. */
const struct mdlg_cov_fallback *mdlg_coverage_fallback(const struct mdlg_coverage *t,
                                                       const char *id);

/* The census reference total, or NULL if the data has none. */
const struct mdlg_cov_census *mdlg_coverage_census(const struct mdlg_coverage *t);

/*
 * Summary figures, computed from the entries every time (never stored).
 * A measure is a set of jurisdictions; its share is the sum of their
 * populations divided by the population of the scope:
 *   live           mdl_status = live
 *   apple_wallet   apple_wallet = yes
 *   google_wallet  google_wallet = yes
 *   tsa_accepted   tsa_accepted = yes
 * Scopes: ALL = every listed jurisdiction (the 56); STATES_DC = kind state
 * or district (the 50 states and DC). mdlg_cov_measure_definition() gives
 * the same definitions as text.
 */
enum mdlg_cov_measure {
    MDLG_COV_M_LIVE,
    MDLG_COV_M_APPLE_WALLET,
    MDLG_COV_M_GOOGLE_WALLET,
    MDLG_COV_M_TSA_ACCEPTED,
    MDLG_COV_MEASURE_COUNT
};
enum mdlg_cov_scope { MDLG_COV_SCOPE_ALL, MDLG_COV_SCOPE_STATES_DC, MDLG_COV_SCOPE_COUNT };

struct mdlg_cov_summary {
    size_t n_jurisdictions;
    size_t by_status[MDLG_COV_STATUS_COUNT];
    size_t measure_count[MDLG_COV_MEASURE_COUNT];                 /* jurisdictions, ALL */
    uint64_t population[MDLG_COV_SCOPE_COUNT];
    uint64_t measure_population[MDLG_COV_MEASURE_COUNT][MDLG_COV_SCOPE_COUNT];
    double share[MDLG_COV_MEASURE_COUNT][MDLG_COV_SCOPE_COUNT];   /* 0..1; 0 if empty */
    const char *as_of_min, *as_of_max;                            /* oldest and newest as_of */
};

void mdlg_coverage_summary(const struct mdlg_coverage *t, struct mdlg_cov_summary *out);

/* Does entry e belong to measure m (the definitions above)? */
bool mdlg_cov_in_measure(const struct mdlg_cov_entry *e, enum mdlg_cov_measure m);

/* Names and definitions ("live", "apple_wallet", ...; "states_and_dc", ...). */
const char *mdlg_cov_measure_name(enum mdlg_cov_measure m);
const char *mdlg_cov_measure_definition(enum mdlg_cov_measure m);
const char *mdlg_cov_scope_name(enum mdlg_cov_scope s);
const char *mdlg_cov_status_name(enum mdlg_cov_status s);
const char *mdlg_cov_answer_name(enum mdlg_cov_answer a);
const char *mdlg_cov_kind_name(enum mdlg_cov_kind k);

#endif
