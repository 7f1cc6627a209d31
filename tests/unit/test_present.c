/*
 * test_present.c - the online-presentation pieces of include/mdlg/present.h
 * that need no vectors: answers checked against the request
 * (mdlg_present_match, mdlg_present_disclosed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdlg/mdoc.h"
#include "mdlg/present.h"

#define S(s) mdlg_bytes_make((s), strlen(s))
#define NS "org.iso.18013.5.1"
#define MDL "org.iso.18013.5.1.mDL"

/* ---- mdlg_present_match ---- */

static const struct mdlg_present_element asked[] = {
    { NS, "family_name" }, { NS, "portrait" }, { "org.iso.18013.5.1.aamva", "DHS_compliance" },
};
#define N_ASKED (sizeof asked / sizeof asked[0])

struct match_case {
    const char *name;
    const char *doctype;             /* of the document */
    const char *disclosed[4];        /* element ids in NS, NULL-terminated */
    bool valid;                      /* after the match */
    mdlg_err code;                   /* the error added, OK if none */
    const char *element;             /* the element it names, NULL if none */
    size_t n_missing;                /* requested elements not disclosed */
};

static const struct match_case match_cases[] = {
    { "all asked for, all given", MDL, { "family_name", "portrait" }, true, MDLG_E_OK, NULL, 1 },
    { "withheld: no error", MDL, { "family_name" }, true, MDLG_E_OK, NULL, 2 },
    { "nothing disclosed", MDL, { NULL }, true, MDLG_E_OK, NULL, 3 },
    { "over-disclosure", MDL, { "family_name", "birth_date" }, false,
      MDLG_E_ELEMENT_NOT_REQUESTED, "birth_date", 2 },
    { "another doctype", "org.iso.23220.photoid.1", { "family_name" }, false,
      MDLG_E_RESPONSE_DOCTYPE_UNEXPECTED, NULL, 2 },
    { "doctype prefix only", "org.iso.18013.5.1.mDLx", { NULL }, false,
      MDLG_E_RESPONSE_DOCTYPE_UNEXPECTED, NULL, 3 },
};

static void run_match(const struct match_case *c)
{
    struct mdlg_element els[4];
    struct mdlg_result *res = calloc(1, sizeof *res);
    assert_non_null(res);
    size_t n = 0;
    for (; n < 4 && c->disclosed[n]; n++)
        els[n] = (struct mdlg_element){ S(NS), S(c->disclosed[n]), S("\xf5"), false };
    res->valid = true;
    res->n_docs = 1;
    res->docs[0] = (struct mdlg_doc_result){ .valid = true, .doctype = S(c->doctype),
                                             .elements = els, .n_elements = n };
    mdlg_present_match(res, MDL, asked, N_ASKED);
    print_message("%s\n", c->name);
    assert_int_equal(res->valid, c->valid);
    assert_int_equal(res->docs[0].valid, c->valid);
    assert_int_equal(res->docs[0].n_errors, c->code != MDLG_E_OK);
    if (c->code != MDLG_E_OK)
        assert_int_equal(res->docs[0].errors[0].code, c->code);
    if (c->element) {
        assert_true(mdlg_bytes_eq_str(res->docs[0].errors[0].ns, NS));
        assert_true(mdlg_bytes_eq_str(res->docs[0].errors[0].element, c->element));
    }
    size_t missing = 0;
    for (size_t i = 0; i < N_ASKED; i++)
        missing += !mdlg_present_disclosed(&res->docs[0], &asked[i]);
    assert_int_equal(missing, c->n_missing);
    free(res);
}

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++)
        run_match(&match_cases[i]);
}

/* Many unrequested elements: the first 32 listed, the rest counted. */
static void test_match_error_cap(void **state)
{
    (void)state;
    static char ids[40][8];
    struct mdlg_element els[40];
    struct mdlg_result *res = calloc(1, sizeof *res);
    assert_non_null(res);
    for (int i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "x%d", i);
        els[i] = (struct mdlg_element){ S(NS), S(ids[i]), S("\xf5"), false };
    }
    res->valid = true;
    res->n_docs = 1;
    res->docs[0] = (struct mdlg_doc_result){ .valid = true, .doctype = S(MDL), .elements = els,
                                             .n_elements = 40 };
    mdlg_present_match(res, MDL, asked, N_ASKED);
    assert_false(res->valid);
    assert_int_equal(res->docs[0].n_errors, MDLG_MAX_DOC_ERRORS);
    assert_int_equal(res->docs[0].n_errors_dropped, 40 - MDLG_MAX_DOC_ERRORS);
    free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_match_error_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
