/*
 * requests_screening.c - what claim screening keeps of a presentation
 * request's verdict (README "Verdicts attached by request id").
 *
 * When screening is configured, a completed request whose verdict is valid
 * and holds an mDL gets a sealed record beside its verdict: the keyed hashes
 * mdlg_screen_mdl_seal() makes of the document number + jurisdiction, the
 * device-key thumbprint, the name and the date of birth, under the ledger
 * keys, and the jurisdiction code. No element value is stored for screening;
 * the verdict's own values follow the store's retention (deleted on read).
 * POST /v1/screenings with "mdl_request_id" reads the record back.
 */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "api_internal.h"
#include "mdlg/screen.h"
#include "mdlg/store.h"

#define MDL_DOCTYPE "org.iso.18013.5.1.mDL"
#define MDL_NS "org.iso.18013.5.1"

static const char *text_of(const json_t *els, const char *name)
{
    return json_string_value(json_object_get(els, name));   /* NULL unless a string */
}

/* The first valid mDL document of the verdict (index in res and in the JSON), or -1. */
static int mdl_doc(const json_t *verdict, const struct mdlg_result *res)
{
    for (size_t d = 0; d < res->n_docs; d++)
        if (res->docs[d].valid && mdlg_bytes_eq_str(res->docs[d].doctype, MDL_DOCTYPE) &&
            json_array_get(json_object_get(verdict, "documents"), d) != NULL)
            return (int)d;
    return -1;
}

void mdlg_api_request_seal_screening(struct mdlg_api_req *r, const char *id,
                                     const json_t *verdict, const struct mdlg_result *res)
{
    struct mdlg_screener *s = mdlg_api_screener(r);
    mdlg_store *st = mdlg_api_store(r);
    int d = s != NULL && st != NULL && res->valid ? mdl_doc(verdict, res) : -1;
    if (d < 0)
        return;
    const json_t *doc = json_array_get(json_object_get(verdict, "documents"), (size_t)d);
    const json_t *els = json_object_get(json_object_get(doc, "elements"), MDL_NS);
    const struct mdlg_doc_result *dr = &res->docs[d];
    struct mdlg_mdl_elements in = {
        .verified = true,
        .jurisdiction = json_string_value(json_object_get(doc, "jurisdiction")),
        .document_number = text_of(els, "document_number"),
        .device_key_thumbprint = dr->has_device_key_thumbprint ? dr->device_key_thumbprint : NULL,
        .given_name = text_of(els, "given_name"),
        .family_name = text_of(els, "family_name"),
        .birth_date = text_of(els, "birth_date"),
    };
    uint8_t rec[MDLG_SCREEN_MDL_SEALED_MAX];
    size_t len = 0;
    mdlg_err e = mdlg_screen_mdl_seal(s, &in, rec, sizeof rec, &len);
    if (e == MDLG_E_OK)
        e = mdlg_store_screening_put(st, id, mdlg_bytes_make(rec, len));
    if (e != MDLG_E_OK)
        mdlg_api_log_event("screening_record_not_stored", mdlg_err_name(e));
    sodium_memzero(rec, sizeof rec);
}
