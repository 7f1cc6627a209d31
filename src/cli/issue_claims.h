/*
 * issue_claims.h - `mdlgate issue --claims FILE.json`: claims from JSON.
 *
 *   {"doctype": "org.iso.18013.5.1.mDL",                      (optional)
 *    "namespaces": {"org.iso.18013.5.1": {"family_name": "Doe", ...}, ...},
 *    "withheld":   {"org.iso.18013.5.1": {"sex": 2}}}         (optional: in the MSO only)
 *
 * Values: string -> tstr, integer -> int, real -> float64, true/false,
 * null, array -> array, object -> map with text keys; except an object with
 * exactly one member "tdate" (-> #6.0(tstr), RFC 3339), "full-date"
 * (-> #6.1004(tstr), YYYY-MM-DD) or "bstr" (base64url, padding optional ->
 * bstr), whose value is a string. Duplicate keys and unknown top-level
 * members are rejected; member order is kept.
 */
#ifndef MDLG_CLI_ISSUE_CLAIMS_H
#define MDLG_CLI_ISSUE_CLAIMS_H

#include <stddef.h>

#include "mdlg/err.h"
#include "mdlg/issuer.h"

/*
 * Appends the claims in json[0..len) to c (and sets its doctype if given).
 * USAGE with a one-line message in err on bad input; NO_MEMORY.
 */
mdlg_err mdlg_cli_claims_from_json(const char *json, size_t len, struct mdlg_issue_claims *c,
                                   char *err, size_t errlen);

/* Base64url (or standard base64; padding optional) into a malloc'd buffer; NULL if bad. */
uint8_t *mdlg_cli_b64_decode(const char *s, size_t n, size_t *out_len);

#endif
