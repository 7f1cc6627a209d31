/*
 * coverage_internal.h - shared by the files of src/coverage only.
 */
#ifndef MDLG_COVERAGE_INTERNAL_H
#define MDLG_COVERAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mdlg/coverage.h"

/* The embedded coverage.rec (coverage_data.c): [start, end), then a NUL. */
extern const char mdlg__coverage_rec[];
extern const char mdlg__coverage_rec_end[];

/* One "name: value" line of a record; name and value are NUL-terminated
 * strings inside the table's copy of the text. */
struct mdlg__rec_field {
    const char *name;
    char *value;         /* writable: the parser may split it further */
    unsigned line;
};

/* One record: fields[first .. first + n) of the parse, and its type (the
 * last "%rec:" seen before it). */
struct mdlg__rec {
    const char *type;
    size_t first, n;
    unsigned line;
};

/* The records of a recutils text: fills *fields / *recs (malloc'd arrays
 * that the caller frees) from buf, which it modifies in place (NULs, joined
 * "+" continuation lines). Descriptor records ("%rec:" ...) are consumed,
 * not returned. */
mdlg_err mdlg__rec_split(char *buf, struct mdlg__rec_field **fields, size_t *n_fields,
                         struct mdlg__rec **recs, size_t *n_recs, struct mdlg_cov_diag *diag);

/* The parsed table. Every string points into buf; the arrays are sized
 * exactly by a counting pass before they are filled. */
struct mdlg_coverage {
    char *buf;
    struct mdlg__rec_field *fields;
    struct mdlg__rec *recs;
    size_t n_fields, n_recs;
    struct mdlg_cov_source *refs;          /* reference records */
    struct mdlg_cov_fallback *fallbacks;
    struct mdlg_cov_entry *entries;
    size_t n_refs, n_fallbacks, n_entries;
    struct mdlg_cov_census census;
    bool has_census;
    const char **aliases;                  /* all entries' repeatable fields, in order */
    struct mdlg_cov_root *roots;
    struct mdlg_cov_source *sources;
    size_t n_aliases, n_roots, n_sources;  /* used so far */
};

/* Record readers (coverage_parse.c): check r against its type's field table
 * and fill *out. Jurisdictions' repeatable fields go to the table's arrays. */
mdlg_err mdlg__cov_reference(struct mdlg_coverage *t, const struct mdlg__rec *r,
                             struct mdlg_cov_source *out, struct mdlg_cov_diag *d);
mdlg_err mdlg__cov_fallback_rec(struct mdlg_coverage *t, const struct mdlg__rec *r,
                                struct mdlg_cov_fallback *out, struct mdlg_cov_diag *d);
mdlg_err mdlg__cov_census_rec(struct mdlg_coverage *t, const struct mdlg__rec *r,
                              struct mdlg_cov_census *out, struct mdlg_cov_diag *d);
mdlg_err mdlg__cov_jurisdiction(struct mdlg_coverage *t, const struct mdlg__rec *r,
                                struct mdlg_cov_entry *out, struct mdlg_cov_diag *d);

/* Repeatable jurisdiction fields (coverage.c): _begin points the entry's
 * arrays at the next free slots; _multi appends one value: kind 'a' alias,
 * 'r' iaca_root, 's' source. */
mdlg_err mdlg__cov_multi_begin(struct mdlg_coverage *t, struct mdlg_cov_entry *e);
mdlg_err mdlg__cov_multi(struct mdlg_coverage *t, char kind, const struct mdlg__rec_field *f,
                         void *entry, struct mdlg_cov_diag *d);

/* The reference record with this id, or NULL. */
const struct mdlg_cov_source *mdlg__cov_find_ref(const struct mdlg_coverage *t, const char *id);

/* One "source:" value: "ref:ID" (a reference record) or "URL [note]". */
mdlg_err mdlg__cov_source(const struct mdlg_coverage *t, const struct mdlg__rec_field *f,
                          struct mdlg_cov_source *out, struct mdlg_cov_diag *d);

/* Sets diag (may be NULL) and returns MDLG_E_COVERAGE_DATA_INVALID. */
mdlg_err mdlg__cov_fail(struct mdlg_cov_diag *diag, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
