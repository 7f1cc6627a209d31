/*
 * verdict_internal.h - shared by verdict.c (the jansson tree) and
 * verdict_text.c (the same verdict written directly as text), so that the
 * text writer can hand the rare odd cases to the tree and stay byte for
 * byte identical to it.
 */
#ifndef MDLG_VERDICT_INTERNAL_H
#define MDLG_VERDICT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/cbor.h"
#include "mdlg/mdoc.h"

struct json_t;

/* Item i of d as JSON with the element value rules of mdlg_cbor_value_json; NULL: none. */
struct json_t *mdlg__cbor_item_json(const struct mdlg_cbor_doc *d, uint32_t i);

/* The "elements" object of one document (namespaces in order of first appearance). */
struct json_t *mdlg__verdict_elements_json(const struct mdlg_doc_result *r);

/*
 * The compact text of a document's "coverage" member for this jurisdiction
 * ("null" when it has none), *len its length; static, built once. NULL
 * where the tree would leave the member out (allocation failure at build).
 */
const char *mdlg__verdict_coverage_text(const char *jurisdiction, size_t *len);

/*
 * base64url of b without padding into out, which holds at least
 * b.len / 3 * 4 + 3 bytes (no NUL); returns the characters written.
 */
size_t mdlg__b64url_put(char *out, struct mdlg_bytes b);

#endif
