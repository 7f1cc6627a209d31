/*
 * wallet_signed.h - the test wallet's checks of signed requests (reader
 * authentication): Annex C readerAuth and OpenID4VP request objects.
 * Each prints why on stderr when it refuses.
 */
#ifndef MDLG_CLI_WALLET_SIGNED_H
#define MDLG_CLI_WALLET_SIGNED_H

#include <jansson.h>
#include <stdbool.h>

#include "mdlg/bytes.h"
#include "mdlg/err.h"

/*
 * Verifies the request object jws: typ oauth-authz-req+jwt, ES256 over the
 * x5c leaf, the leaf a reader certificate (validated to ca_path's PEM if
 * non-NULL), client_id x509_san_dns:<a dNSName of the leaf> or
 * x509_hash:<base64url SHA-256 of the leaf>. With origin (DC API): origin
 * must be one of expected_origins. Redirect (origin NULL): for x509_san_dns
 * the host of response_uri must be that name. On OK *payload is the
 * payload object (new reference).
 */
mdlg_err wallet_request_object(const char *jws, const char *ca_path, const char *origin,
                               int64_t now, json_t **payload);

/*
 * Checks the readerAuth of the base64url deviceRequest, if it has one,
 * against transcript (the request's, for this origin).
 */
mdlg_err wallet_reader_auth(const char *device_request_b64, struct mdlg_bytes transcript,
                            const char *ca_path, int64_t now);

#endif
