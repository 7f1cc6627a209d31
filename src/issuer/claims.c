/*
 * claims.c - owned claim lists and the standard presentation.
 * see mdlg/issuer.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "issuer_internal.h"

#define PORTRAIT_LEN 2048
#define DAY 86400
#define DEFAULT_AT 1735689600   /* 2025-01-01T00:00:00Z */

void mdlg_issue_claims_init(struct mdlg_issue_claims *c)
{
    memset(c, 0, sizeof *c);
}

void mdlg_issue_claims_free(struct mdlg_issue_claims *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_items; i++) {
        free((char *)c->items[i].ns);
        free((char *)c->items[i].id);
        free((uint8_t *)c->items[i].value.ptr);
    }
    free(c->items);
    free(c->doctype);
    memset(c, 0, sizeof *c);
}

mdlg_err mdlg_issue_claims_set_doctype(struct mdlg_issue_claims *c, const char *dt)
{
    char *s = dt ? strdup(dt) : NULL;
    if (dt != NULL && s == NULL)
        return MDLG_E_NO_MEMORY;
    free(c->doctype);
    c->doctype = s;
    return MDLG_E_OK;
}

mdlg_err mdlg_issue_claims_add(struct mdlg_issue_claims *c, const char *ns, const char *id,
                               const uint8_t *value, size_t len, bool withheld)
{
    if (ns == NULL || id == NULL || value == NULL || !mdlg__issue_one_item(value, len))
        return MDLG_E_USAGE;
    if (c->n_items == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct mdlg_issue_item *p = realloc(c->items, cap * sizeof *p);
        if (p == NULL)
            return MDLG_E_NO_MEMORY;
        c->items = p;
        c->cap = cap;
    }
    char *n = strdup(ns), *i = strdup(id);
    uint8_t *v = malloc(len);
    if (n == NULL || i == NULL || v == NULL) {
        free(n);
        free(i);
        free(v);
        return MDLG_E_NO_MEMORY;
    }
    memcpy(v, value, len);
    c->items[c->n_items++] = (struct mdlg_issue_item){ n, i, mdlg_bytes_make(v, len), withheld };
    return MDLG_E_OK;
}

/* ---- the standard presentation ---- */

/* "YYYY-MM-DD" of unix time t (UTC). */
static void date_of(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 11, "2025-01-01");
}

/* The same date `years` later (29 February becomes 28 February). */
static void add_years(const char in[11], int years, char out[32])
{
    int y = 0, m = 1, d = 1;
    if (sscanf(in, "%4d-%2d-%2d", &y, &m, &d) != 3)
        y = 2025, m = 1, d = 1;
    if (m == 2 && d == 29)
        d = 28;
    snprintf(out, 32, "%04d-%02d-%02d", (y + years) % 10000, m, d);
}

static void put_full_date(struct mdlg_cbor_buf *b, const char *date)
{
    mdlg_cbor_put_tag(b, 1004);
    mdlg_cbor_put_cstr(b, date);
}

/* Deterministic JPEG-looking bytes: SOI + APP0/JFIF header, filler, EOI. */
static void portrait(uint8_t out[PORTRAIT_LEN])
{
    static const uint8_t head[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
                                    0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00 };
    uint32_t x = 0x6d646c67;  /* "mdlg" */
    memcpy(out, head, sizeof head);
    for (size_t i = sizeof head; i < PORTRAIT_LEN - 2; i++) {
        x = x * 1103515245u + 12345u;
        out[i] = (uint8_t)(x >> 16);
        if (out[i] == 0xff)
            out[i] = 0xfe;    /* no stray markers */
    }
    out[PORTRAIT_LEN - 2] = 0xff;
    out[PORTRAIT_LEN - 1] = 0xd9;
}

/* Encodes one value with `fill` and adds it to the mDL namespace. */
struct std_ctx {
    struct mdlg_issue_claims *c;
    struct mdlg_cbor_buf b;
    mdlg_err e;
};

static void add_encoded(struct std_ctx *s, const char *id, bool withheld)
{
    if (s->e == MDLG_E_OK)
        s->e = mdlg_cbor_buf_err(&s->b);
    if (s->e == MDLG_E_OK)
        s->e = mdlg_issue_claims_add(s->c, MDLG_MDL_NAMESPACE, id, s->b.ptr, s->b.len, withheld);
    s->b.len = 0;
}

static void add_text(struct std_ctx *s, const char *id, const char *v)
{
    mdlg_cbor_put_cstr(&s->b, v);
    add_encoded(s, id, false);
}

static void add_date(struct std_ctx *s, const char *id, const char *date)
{
    put_full_date(&s->b, date);
    add_encoded(s, id, false);
}

static void add_bool(struct std_ctx *s, const char *id, bool v)
{
    mdlg_cbor_put_bool(&s->b, v);
    add_encoded(s, id, false);
}

static void add_privileges(struct std_ctx *s, const char *issue, const char *expiry)
{
    mdlg_cbor_put_array(&s->b, 1);
    mdlg_cbor_put_map(&s->b, 3);
    mdlg_cbor_put_cstr(&s->b, "vehicle_category_code");
    mdlg_cbor_put_cstr(&s->b, "C");
    mdlg_cbor_put_cstr(&s->b, "issue_date");
    put_full_date(&s->b, issue);
    mdlg_cbor_put_cstr(&s->b, "expiry_date");
    put_full_date(&s->b, expiry);
    add_encoded(s, "driving_privileges", false);
}

mdlg_err mdlg_issue_standard_claims(struct mdlg_issue_claims *c, const char *country,
                                    const char *jurisdiction, int64_t at)
{
    struct std_ctx s = { .c = c, .e = MDLG_E_OK };
    uint8_t img[PORTRAIT_LEN];
    char issue[11], expiry[32];
    country = country ? country : "US";
    jurisdiction = jurisdiction ? jurisdiction : "US-CA";
    date_of((at ? at : DEFAULT_AT) - 180 * DAY, issue);
    add_years(issue, 8, expiry);
    portrait(img);
    mdlg_cbor_buf_init(&s.b, NULL, 0);

    add_text(&s, "family_name", "Doe");
    add_text(&s, "given_name", "Jane");
    add_date(&s, "birth_date", "1990-01-01");
    add_date(&s, "issue_date", issue);
    add_date(&s, "expiry_date", expiry);
    add_text(&s, "issuing_country", country);
    add_text(&s, "issuing_authority", "mdlgate test DMV");
    if (jurisdiction[0] != '\0')
        add_text(&s, "issuing_jurisdiction", jurisdiction);
    add_text(&s, "document_number", "D1234567");
    mdlg_cbor_put_bstr(&s.b, img, sizeof img);
    add_encoded(&s, "portrait", false);
    add_privileges(&s, issue, expiry);
    add_text(&s, "un_distinguishing_sign", strcmp(country, "US") == 0 ? "USA" : country);
    add_bool(&s, "age_over_18", true);
    add_bool(&s, "age_over_21", true);
    /* Withheld: in the MSO, not disclosed. */
    mdlg_cbor_put_uint(&s.b, 2);
    add_encoded(&s, "sex", true);
    mdlg_cbor_put_uint(&s.b, 170);
    add_encoded(&s, "height", true);

    mdlg_cbor_buf_free(&s.b);
    return s.e;
}
