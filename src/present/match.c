/*
 * match.c - a verified DeviceResponse checked against the request it
 * answers: doctype, over-disclosure, withheld elements.
 * see mdlg/present.h
 */
#include <string.h>

#include "mdlg/mdoc.h"
#include "mdlg/present.h"

static bool same(const struct mdlg_element *x, const struct mdlg_present_element *e)
{
    return mdlg_bytes_eq_str(x->ns, e->ns) && mdlg_bytes_eq_str(x->id, e->id);
}

static bool requested(const struct mdlg_element *x, const struct mdlg_present_element *el,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (same(x, &el[i]))
            return true;
    return false;
}

static void fail(struct mdlg_doc_result *d, mdlg_err code, struct mdlg_bytes ns,
                 struct mdlg_bytes id, const char *detail)
{
    d->valid = false;
    if (d->n_errors >= MDLG_MAX_DOC_ERRORS) {
        d->n_errors_dropped++;
        return;
    }
    d->errors[d->n_errors++] = (struct mdlg_doc_error){ code, ns, id, 0, detail };
}

static void match_doc(struct mdlg_doc_result *d, const char *doctype,
                      const struct mdlg_present_element *el, size_t n)
{
    struct mdlg_bytes none = { NULL, 0 };
    if (!mdlg_bytes_eq_str(d->doctype, doctype)) {
        fail(d, MDLG_E_RESPONSE_DOCTYPE_UNEXPECTED, none, none,
             "the request asked for another doctype");
        return;
    }
    for (size_t i = 0; i < d->n_elements; i++)
        if (!requested(&d->elements[i], el, n))
            fail(d, MDLG_E_ELEMENT_NOT_REQUESTED, d->elements[i].ns, d->elements[i].id,
                 "disclosed but not requested");
}

void mdlg_present_match(struct mdlg_result *res, const char *doctype,
                        const struct mdlg_present_element *el, size_t n)
{
    for (size_t i = 0; i < res->n_docs; i++) {
        match_doc(&res->docs[i], doctype, el, n);
        if (!res->docs[i].valid)
            res->valid = false;
    }
}

bool mdlg_present_disclosed(const struct mdlg_doc_result *d, const struct mdlg_present_element *e)
{
    for (size_t i = 0; i < d->n_elements; i++)
        if (same(&d->elements[i], e))
            return true;
    return false;
}
