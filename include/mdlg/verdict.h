/*
 * verdict.h - the verdict JSON of design/interfaces.md, built from a
 * struct mdlg_result. JSON lives at the edges: this is used by the CLI and
 * the HTTP API, never by the verification core.
 */
#ifndef MDLG_VERDICT_H
#define MDLG_VERDICT_H

#include "mdlg/mdoc.h"

struct json_t;

/*
 * Builds the verdict object (new reference; NULL on allocation failure).
 * Element values are typed: tdate and full-date as strings, bstr as
 * base64url without padding, integers, booleans, arrays and maps as JSON.
 * Each document carries "coverage": the entry of its jurisdiction in the
 * built-in coverage table (mdlg/coverage_json.h), or null when that is not
 * a US state, district or territory. That object is shared between
 * verdicts (built once): read it, never modify it in place.
 */
struct json_t *mdlg_verdict_json(const struct mdlg_result *r);

/*
 * The verdict as compact JSON text, malloc'd and NUL-terminated (*len, if
 * not NULL, gets its length): byte for byte
 * mdlg_json_dump_compact(mdlg_verdict_json(r)), written from r without
 * building the tree (about a fifth of the instructions; the HTTP API
 * answers with it). Cases the tree treats unusually (text that is not
 * UTF-8, repeated element names, element-value maps with non-text keys)
 * are handed to the tree. NULL on allocation failure. A change to the
 * verdict's members goes into both writers; test_verdict_text and the
 * verify fuzzer compare them.
 */
char *mdlg_verdict_text(const struct mdlg_result *r, size_t *len);

/*
 * Converts one encoded CBOR value (an element value) to JSON with the same
 * typing rules. Returns NULL if the bytes do not parse.
 */
struct json_t *mdlg_cbor_value_json(struct mdlg_bytes value);

#endif
