/*
 * transcript.h - SessionTranscript builders (18013-5 §9.1.5.1, 18013-7,
 * OpenID4VP 1.0 Appendix B.2.6). Layouts: shared research/mdl-verification.md §6.
 *
 *   SessionTranscript      = [DeviceEngagementBytes / null, EReaderKeyBytes / null, Handover]
 *   SessionTranscriptBytes = #6.24(bstr .cbor SessionTranscript)
 *
 * Every builder APPENDS the untagged SessionTranscript array to `buf` (a
 * caller-initialised mdlg_cbor_buf) in preferred, definite-length encoding.
 * DeviceAuthentication and the Annex C HPKE info use these bytes as they are;
 * wrap them with mdlg_transcript_tagged_bytes() for the deviceMac/session-key
 * HKDF salt.
 *
 * Strings are NUL-terminated UTF-8 C strings, used byte for byte (no
 * normalisation, no trimming); empty strings are allowed unless stated.
 * Results:
 *   MDLG_E_OK
 *   MDLG_E_TRANSCRIPT_MALFORMED  a NULL argument, invalid UTF-8, or a value
 *                                failing the stated check; nothing is appended
 *   MDLG_E_NO_MEMORY / MDLG_E_LIMIT_BODY_SIZE  from the buffer (sticky; a
 *                                buffer already in error returns its error)
 *   MDLG_E_CRYPTO_INTERNAL       SHA-256 failed
 */
#ifndef MDLG_TRANSCRIPT_H
#define MDLG_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/cbor.h"
#include "mdlg/err.h"

/* Size of an RFC 7638 SHA-256 JWK thumbprint. */
#define MDLG_JWK_THUMBPRINT_LEN 32

/*
 * OpenID4VP 1.0 redirect / direct_post (Appendix B.2.6.1):
 *   [null, null, ["OpenID4VPHandover",
 *                 SHA-256(CBOR([client_id, nonce, jwk_thumbprint / null, response_uri]))]]
 * client_id includes its prefix ("x509_san_dns:example.com"). jwk_thumbprint
 * is the 32-byte thumbprint of the verifier's response-encryption JWK
 * (direct_post.jwt), or NULL (encoded as CBOR null) for unencrypted responses.
 */
mdlg_err mdlg_transcript_oid4vp_1_0(struct mdlg_cbor_buf *buf, const char *client_id,
                                    const char *nonce, const uint8_t *jwk_thumbprint,
                                    const char *response_uri) MDLG_WARN_UNUSED;

/*
 * OpenID4VP 1.0 over the W3C Digital Credentials API (Appendix B.2.6.2):
 *   [null, null, ["OpenID4VPDCAPIHandover",
 *                 SHA-256(CBOR([origin, nonce, jwk_thumbprint / null]))]]
 * origin is the platform-reported origin without an "origin:" prefix and must
 * pass mdlg_transcript_origin_valid(). jwk_thumbprint: 32 bytes (dc_api.jwt)
 * or NULL (dc_api).
 */
mdlg_err mdlg_transcript_oid4vp_dcapi_1_0(struct mdlg_cbor_buf *buf, const char *origin,
                                          const char *nonce,
                                          const uint8_t *jwk_thumbprint) MDLG_WARN_UNUSED;

/*
 * ISO/IEC TS 18013-7:2024 Annex B (OpenID4VP "draft 18" era):
 *   [null, null, [SHA-256(CBOR([client_id, mdoc_generated_nonce])),
 *                 SHA-256(CBOR([response_uri, mdoc_generated_nonce])), nonce]]
 * mdoc_generated_nonce is the wallet's string (JWE apu, decoded); may be "".
 */
mdlg_err mdlg_transcript_iso7_annex_b(struct mdlg_cbor_buf *buf, const char *client_id,
                                      const char *response_uri, const char *nonce,
                                      const char *mdoc_generated_nonce) MDLG_WARN_UNUSED;

/*
 * ISO/IEC 18013-7 Annex C (DC API, protocol "org-iso-mdoc"):
 *   [null, null, ["dcapi", SHA-256(CBOR([encryption_info_b64url, origin]))]]
 * encryption_info_b64url is exactly the base64url string sent to the browser
 * (non-empty, alphabet A-Z a-z 0-9 - _ only, no padding). origin as above.
 */
mdlg_err mdlg_transcript_iso7_annex_c(struct mdlg_cbor_buf *buf,
                                      const char *encryption_info_b64url,
                                      const char *origin) MDLG_WARN_UNUSED;

/*
 * OpenID4VP draft 24 over the DC API (Google Wallet, 2025):
 *   [null, null, ["OpenID4VPDCAPIHandover", SHA-256(CBOR([origin, client_id, nonce]))]]
 * For unsigned requests client_id is "web-origin:" + origin (pass it explicitly).
 */
mdlg_err mdlg_transcript_oid4vp_dcapi_draft24(struct mdlg_cbor_buf *buf, const char *origin,
                                              const char *client_id,
                                              const char *nonce) MDLG_WARN_UNUSED;

/*
 * A transcript given as bytes (e.g. a proximity transcript). Accepts either
 * the SessionTranscript array itself or SessionTranscriptBytes (#6.24 bstr
 * around it, "d8 18 ..."), which is unwrapped; *was_tagged (may be NULL) says
 * which. The array must be exactly one well-formed CBOR item (no trailing
 * bytes) with 3 elements, the first two each null or #6.24(bstr). The untagged
 * array bytes are appended unchanged (never re-encoded).
 */
mdlg_err mdlg_transcript_raw(struct mdlg_cbor_buf *buf, const uint8_t *bytes, size_t len,
                             bool *was_tagged) MDLG_WARN_UNUSED;

/*
 * Appends SessionTranscriptBytes = #6.24(bstr .cbor transcript) for the
 * untagged array bytes `transcript` (the HKDF salt input is its SHA-256).
 * No validation beyond a non-empty input.
 */
mdlg_err mdlg_transcript_tagged_bytes(struct mdlg_cbor_buf *buf, const uint8_t *transcript,
                                      size_t len) MDLG_WARN_UNUSED;

/*
 * RFC 7638 thumbprint of an EC public JWK: SHA-256 of exactly
 *   {"crv":"<crv>","kty":"EC","x":"<x>","y":"<y>"}
 * crv is "P-256", "P-384" or "P-521"; x and y are the JWK's base64url strings
 * (no padding) of the curve's field size (43, 64 or 88 characters), hashed
 * as given. TRANSCRIPT_MALFORMED otherwise.
 */
mdlg_err mdlg_jwk_thumbprint_ec(const char *crv, const char *x_b64url, const char *y_b64url,
                                uint8_t out[MDLG_JWK_THUMBPRINT_LEN]) MDLG_WARN_UNUSED;

/*
 * The origin check used above: no spaces or control characters, a scheme
 * (RFC 3986) and ':', then either "//" and a non-empty host[:port] with no
 * path, query or fragment ("https://example.com" passes,
 * "https://example.com/" and "origin:https://example.com" do not), or a
 * non-empty opaque part such as "android:apk-key-hash:..." (not for http/https,
 * and without "://": "web-origin:https://..." is a prefixed origin, rejected).
 */
bool mdlg_transcript_origin_valid(const char *origin);

/* True if s is non-empty and only base64url characters (no '=' padding). */
bool mdlg_transcript_b64url_valid(const char *s);

#endif
