/*
 * transcript_json.h - a SessionTranscript from a JSON profile description
 * (`mdlgate verify --transcript FILE.json`, the "transcript" member of
 * POST /v1/verify). Builders: mdlg/transcript.h.
 *
 * One JSON object with "profile" and that profile's fields, all strings:
 *   openid4vp-1.0            client_id, nonce, response_uri, [jwk_thumbprint]
 *   openid4vp-1.0-dcapi      origin, nonce, [jwk_thumbprint]
 *   iso18013-7-annex-b       client_id, response_uri, nonce, mdoc_generated_nonce
 *   iso18013-7-annex-c       encryption_info (base64url as sent), origin
 *   openid4vp-draft24-dcapi  origin, client_id, nonce
 *   raw                      hex (SessionTranscript, or tag-24 SessionTranscriptBytes)
 * jwk_thumbprint: 64 hex digits, null (the default when absent), or an EC
 * JWK object {"kty":"EC","crv":..,"x":..,"y":..} (other members ignored)
 * whose RFC 7638 thumbprint is used. Duplicate keys and unknown fields are
 * rejected.
 *
 * Results: MDLG_E_OK (the untagged SessionTranscript array appended to out);
 * MDLG_E_TRANSCRIPT_PROFILE_UNKNOWN; MDLG_E_TRANSCRIPT_MALFORMED (bad JSON,
 * missing, mistyped, unknown or invalid field); MDLG_E_LIMIT_BODY_SIZE (more
 * than MDLG_MAX_BODY bytes of JSON); buffer/crypto errors as in transcript.h.
 * On failure errbuf (may be NULL) receives a one-line message naming the
 * field; on success it is set to "".
 *
 * Only src/json, src/cli and src/api may use jansson; this header only
 * forward-declares its json_t.
 */
#ifndef MDLG_TRANSCRIPT_JSON_H
#define MDLG_TRANSCRIPT_JSON_H

#include <stddef.h>

#include "mdlg/cbor.h"
#include "mdlg/err.h"

struct json_t;   /* jansson's json_t */

/* Parses json[0..len) (UTF-8, not NUL-terminated necessarily) and builds the transcript. */
mdlg_err mdlg_transcript_from_json(const char *json, size_t len, struct mdlg_cbor_buf *out,
                                   char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

/* The same for an already parsed JSON object (e.g. a member of a request body). */
mdlg_err mdlg_transcript_from_jansson(const struct json_t *obj, struct mdlg_cbor_buf *out,
                                      char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

#endif
