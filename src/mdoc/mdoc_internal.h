/*
 * mdoc_internal.h - state shared by the steps of one document's verification.
 * Not part of the public API.
 */
#ifndef MDLG_MDOC_INTERNAL_H
#define MDLG_MDOC_INTERNAL_H

#include "mdlg/cbor.h"
#include "mdlg/cose.h"
#include "mdlg/mdoc.h"

/* Everything one Document's steps read and write. */
struct doc_ctx {
    const struct mdlg_verify_opts *o;
    const struct mdlg_cbor_doc *rd;   /* the DeviceResponse */
    uint32_t doc;                     /* index of the Document map in rd */
    struct mdlg_doc_result *r;
    struct mdlg_cose_msg issuer_auth;
    struct mdlg_cbor_doc mso;         /* the MSO (inner of the tag-24 payload) */
    struct mdlg_cbor_item *mso_items;
    enum mdlg_hash_alg halg;
    mdlg_pkey *device_key;
    size_t elements_cap;
};

/* Records a failure of `check` with `code` (ns/el may be empty views). */
void mdlg__doc_fail(struct doc_ctx *c, enum mdlg_check check, mdlg_err code,
                    struct mdlg_bytes ns, struct mdlg_bytes el, size_t offset, const char *detail);

/* Shorthand without element context. */
void mdlg__doc_fail0(struct doc_ctx *c, enum mdlg_check check, mdlg_err code, size_t offset,
                     const char *detail);

/* Marks `check` OK unless it already failed. */
void mdlg__doc_pass(struct doc_ctx *c, enum mdlg_check check);

/*
 * Parses b into a malloc'd items array sized for it (*items; the caller frees
 * it, also on failure). Starts from a typical size and retries once with the
 * worst case (one item per byte) if that was too small.
 */
mdlg_err mdlg__parse_alloc(struct mdlg_cbor_doc *d, struct mdlg_bytes b,
                           struct mdlg_cbor_item **items, struct mdlg_diag *diag);

/* Appends a disclosed element to the result. */
void mdlg__doc_add_element(struct doc_ctx *c, struct mdlg_bytes ns, struct mdlg_bytes id,
                           struct mdlg_bytes value, bool device_signed);

/* Steps (each records its own failures; false = stop this document). */
bool mdlg__step_mso(struct doc_ctx *c);
void mdlg__step_digests(struct doc_ctx *c);
void mdlg__step_validity(struct doc_ctx *c);
void mdlg__step_jurisdiction(struct doc_ctx *c);
void mdlg__step_device_auth(struct doc_ctx *c);
void mdlg__step_revocation(struct doc_ctx *c);

#endif
