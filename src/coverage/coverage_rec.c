/*
 * coverage_rec.c - splits a GNU recutils text into records of fields.
 * see coverage_internal.h
 *
 * The subset read: "#" comment lines; "name: value" lines; "+ text" lines
 * that continue the previous value on a new line; blank lines between
 * records; "%rec: TYPE" opening a descriptor record whose other "%" fields
 * (%key, %type, %doc, ...) are for recfix and skipped here. Trailing blanks
 * are dropped. Field names are [A-Za-z%][A-Za-z0-9_]*.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_internal.h"

mdlg_err mdlg__cov_fail(struct mdlg_cov_diag *diag, unsigned line, const char *fmt, ...)
{
    if (diag != NULL) {
        va_list ap;
        diag->line = line;
        va_start(ap, fmt);
        vsnprintf(diag->message, sizeof diag->message, fmt, ap);
        va_end(ap);
    }
    return MDLG_E_COVERAGE_DATA_INVALID;
}

struct splitter {
    struct mdlg__rec_field *f;
    size_t nf, capf;
    struct mdlg__rec *r;
    size_t nr, capr;
    const char *type;         /* the current "%rec:" type */
    bool in_rec, in_desc;     /* inside a record; that record is a descriptor */
    char *last_end;           /* NUL ending the previous value, for "+" lines */
    unsigned line;
    struct mdlg_cov_diag *diag;
};

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '%'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

/* "+ text": appends "\n" + text to the previous value, moving it back in place. */
static mdlg_err continuation(struct splitter *s, char *line)
{
    if (s->last_end == NULL)
        return mdlg__cov_fail(s->diag, s->line, "'+' continuation line without a field");
    char *text = line + 1 + (line[1] == ' ');
    size_t n = strlen(text);
    char *dst = s->last_end;
    *dst++ = '\n';
    memmove(dst, text, n + 1);
    s->last_end = dst + n;
    return MDLG_E_OK;
}

static mdlg_err add_field(struct splitter *s, const char *name, char *value)
{
    if (!s->in_rec) {
        if (s->type == NULL)
            return mdlg__cov_fail(s->diag, s->line, "record before any %%rec descriptor");
        if (!grow((void **)&s->r, &s->capr, s->nr, sizeof *s->r))
            return MDLG_E_NO_MEMORY;
        s->r[s->nr++] = (struct mdlg__rec){ .type = s->type, .first = s->nf, .line = s->line };
        s->in_rec = true;
    }
    if (!grow((void **)&s->f, &s->capf, s->nf, sizeof *s->f))
        return MDLG_E_NO_MEMORY;
    s->f[s->nf++] = (struct mdlg__rec_field){ .name = name, .value = value, .line = s->line };
    s->r[s->nr - 1].n++;
    return MDLG_E_OK;
}

/* A "name: value" line. */
static mdlg_err field_line(struct splitter *s, char *line)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || !valid_name(line, (size_t)(colon - line)))
        return mdlg__cov_fail(s->diag, s->line, "expected 'name: value'");
    *colon = '\0';
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    s->last_end = value + strlen(value);
    if (strcmp(line, "%rec") == 0) {
        if (s->in_rec)
            return mdlg__cov_fail(s->diag, s->line, "%%rec inside a record");
        s->type = value;
        s->in_rec = s->in_desc = true;
        return MDLG_E_OK;
    }
    if ((line[0] == '%') != s->in_desc)
        return mdlg__cov_fail(s->diag, s->line, s->in_desc ? "data field '%s' in a descriptor"
                                                           : "descriptor field '%s' outside a "
                                                             "descriptor", line);
    return s->in_desc ? MDLG_E_OK : add_field(s, line, value);
}

static mdlg_err one_line(struct splitter *s, char *line)
{
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        line[--n] = '\0';
    if (line[0] == '#')
        return MDLG_E_OK;
    if (n == 0) {
        s->in_rec = s->in_desc = false;
        s->last_end = NULL;
        return MDLG_E_OK;
    }
    return line[0] == '+' ? continuation(s, line) : field_line(s, line);
}

mdlg_err mdlg__rec_split(char *buf, struct mdlg__rec_field **fields, size_t *n_fields,
                         struct mdlg__rec **recs, size_t *n_recs, struct mdlg_cov_diag *diag)
{
    struct splitter s = { .diag = diag };
    mdlg_err e = MDLG_E_OK;
    for (char *p = buf; *p != '\0' && e == MDLG_E_OK;) {
        char *nl = strchr(p, '\n');
        char *next = nl != NULL ? nl + 1 : p + strlen(p);
        if (nl != NULL)
            *nl = '\0';
        s.line++;
        e = one_line(&s, p);
        p = next;
    }
    if (e != MDLG_E_OK) {
        free(s.f);
        free(s.r);
        return e;
    }
    *fields = s.f;
    *n_fields = s.nf;
    *recs = s.r;
    *n_recs = s.nr;
    return MDLG_E_OK;
}
