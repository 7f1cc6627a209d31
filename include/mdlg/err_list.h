/*
 * err_list.h - every mdlgate error code, defined once.
 *
 * X(ENUM_SUFFIX, number). The stable string name of MDLG_E_FOO is "FOO";
 * the CLI, the HTTP API, metrics and tests all use that name.
 *
 * Rules: never renumber, never rename, never reuse a number. Append new codes
 * inside their range. Ranges are classes (see err.h predicates):
 *   1xx malformed input (CBOR structure, limits)     -> HTTP 400 on raw endpoints
 *   2xx COSE structure or signature                   -> verdict "invalid"
 *   3xx mdoc / MSO content                            -> verdict "invalid"
 *   4xx certificates and trust                        -> verdict "invalid"
 *   5xx device authentication                         -> verdict "invalid"
 *   6xx session transcript / request binding          -> verdict "invalid" or 400
 *   7xx HTTP API: request-level problems              -> HTTP 4xx / 503
 *   8xx decrypting a wallet response (HPKE, JWE)      -> verdict "invalid" or 400
 *   85x-89x store (requests, verdicts)             -> HTTP 404/409/410/503/500
 *   87x identifier ledger and screening            -> startup error / HTTP 400
 *   9xx could not verify: usage, I/O, internal        -> exit 2 / HTTP 500
 *
 * This file has no include guard on purpose: it is expanded several times.
 */

X(OK, 0)

/* --- 1xx: CBOR and input limits --- */
X(CBOR_TRUNCATED, 101)            /* input ends inside an item */
X(CBOR_MALFORMED, 102)            /* reserved head, stray break, bad indefinite chunk */
X(CBOR_TRAILING_BYTES, 103)       /* bytes after the top-level item */
X(CBOR_TOO_DEEP, 104)             /* nesting deeper than MDLG_MAX_DEPTH */
X(CBOR_TOO_MANY_ITEMS, 105)       /* more items than MDLG_MAX_ITEMS */
X(CBOR_DUPLICATE_KEY, 106)        /* a map repeats a key */
X(CBOR_LENGTH_EXCEEDS_INPUT, 107) /* declared length/count larger than bytes left */
X(CBOR_UNSUPPORTED, 108)          /* valid CBOR that mdlgate does not accept here */
X(CBOR_UNEXPECTED_TYPE, 109)      /* a field has the wrong CBOR type */
X(CBOR_MISSING_FIELD, 110)        /* a mandatory field is absent */
X(CBOR_INVALID_UTF8, 111)         /* a text string is not UTF-8 */
X(LIMIT_BODY_SIZE, 120)           /* input larger than MDLG_MAX_BODY */
X(LIMIT_MAP_ENTRIES, 121)         /* map larger than MDLG_MAX_MAP_ENTRIES */
X(LIMIT_ARRAY_ITEMS, 122)         /* array larger than MDLG_MAX_ARRAY_ITEMS */
X(LIMIT_DOCUMENTS, 123)           /* more than MDLG_MAX_DOCUMENTS */
X(LIMIT_NAMESPACES, 124)          /* more than MDLG_MAX_NAMESPACES */
X(LIMIT_ELEMENTS, 125)            /* more than MDLG_MAX_ELEMENTS in a namespace */
X(LIMIT_DIGESTS, 126)             /* more than MDLG_MAX_DIGESTS in the MSO */
X(LIMIT_X5CHAIN, 127)             /* x5chain longer than MDLG_MAX_X5CHAIN */
X(LIMIT_CERT_SIZE, 128)           /* certificate larger than MDLG_MAX_CERT_SIZE */
X(LIMIT_STRING_SIZE, 129)         /* text/byte string larger than allowed here */

/* --- 2xx: COSE --- */
X(COSE_MALFORMED, 201)            /* not a 4-element COSE array */
X(COSE_TAG_UNEXPECTED, 202)       /* tagged with something other than 18/17 */
X(COSE_PROTECTED_NOT_BSTR, 203)
X(COSE_PROTECTED_NOT_MAP, 204)    /* protected bstr does not hold a map */
X(COSE_HEADER_MALFORMED, 205)     /* a known header has the wrong type */
X(COSE_ALG_MISSING, 206)
X(COSE_ALG_NOT_PROTECTED, 207)    /* alg only in the unprotected header */
X(COSE_ALG_UNSUPPORTED, 208)
X(COSE_CRIT_UNKNOWN, 209)         /* crit names a label we do not understand */
X(COSE_HEADER_DUPLICATE, 210)     /* a label in both headers (other than identical x5chain) */
X(COSE_X5CHAIN_MISSING, 211)
X(COSE_X5CHAIN_MALFORMED, 212)
X(COSE_X5CHAIN_CONFLICT, 213)     /* x5chain in both headers and different */
X(COSE_PAYLOAD_MISSING, 214)      /* nil payload where one is required */
X(COSE_PAYLOAD_MISMATCH, 215)     /* attached payload differs from the detached one */
X(COSE_SIGNATURE_MALFORMED, 216)  /* wrong length (e.g. DER instead of raw r||s) */
X(COSE_SIGNATURE_INVALID, 217)    /* did not verify */
X(COSE_KEY_MALFORMED, 218)
X(COSE_KEY_UNSUPPORTED, 219)      /* kty/crv not supported */
X(COSE_KEY_NOT_ON_CURVE, 220)
X(COSE_KEY_ALG_MISMATCH, 221)     /* alg does not fit the key's curve/type */
X(COSE_MAC_INVALID, 222)          /* MAC did not verify */

/* --- 3xx: mdoc, MSO, elements --- */
X(RESPONSE_VERSION_UNSUPPORTED, 301)
X(RESPONSE_STATUS_ERROR, 302)     /* DeviceResponse.status != 0 */
X(RESPONSE_NO_DOCUMENTS, 303)
X(DOC_MALFORMED, 304)             /* Document structure wrong (see path) */
X(MSO_NOT_TAGGED, 310)            /* payload not #6.24(bstr) */
X(MSO_MALFORMED, 311)
X(MSO_VERSION_UNSUPPORTED, 312)
X(MSO_DIGEST_ALG_UNSUPPORTED, 313)
X(MSO_DOCTYPE_MISMATCH, 314)
X(MSO_DIGEST_MISSING, 315)        /* no digest for a disclosed element */
X(MSO_DIGEST_MISMATCH, 316)
X(MSO_DIGEST_ID_DUPLICATE, 317)   /* digestID repeated among disclosed items */
X(ITEM_MALFORMED, 318)            /* IssuerSignedItem structure wrong */
X(ITEM_NOT_TAGGED, 319)           /* IssuerSignedItemBytes not #6.24(bstr) */
X(ITEM_ELEMENT_DUPLICATE, 320)    /* elementIdentifier repeated in a namespace */
X(MSO_NOT_YET_VALID, 330)
X(MSO_EXPIRED, 331)
X(MSO_SIGNED_OUTSIDE_DS_VALIDITY, 332)
X(MSO_VALIDITY_MALFORMED, 333)    /* validFrom > validUntil, missing field */
X(TDATE_MALFORMED, 334)           /* not #6.0 RFC 3339, or fractional in strict mode */
X(JURISDICTION_DATA_MISMATCH, 340) /* issuing_country/jurisdiction vs DS subject */
X(JURISDICTION_ANCHOR_MISMATCH, 341) /* anchor belongs to another jurisdiction */

/* --- 4xx: certificates and trust --- */
X(CERT_MALFORMED, 401)
X(CHAIN_UNTRUSTED, 402)           /* no anchor issued this DS */
X(CERT_EXPIRED, 403)              /* DS (or chain) expired at `now` */
X(CERT_NOT_YET_VALID, 404)
X(CHAIN_INVALID, 405)             /* path validation failed for another reason */
X(DS_PROFILE_KEY_USAGE, 410)      /* DS keyUsage not digitalSignature */
X(DS_PROFILE_EKU, 411)            /* DS lacks EKU 1.0.18013.5.1.2 */
X(DS_PROFILE_IS_CA, 412)          /* DS has basicConstraints CA:TRUE */
X(IACA_PROFILE_NOT_CA, 413)
X(IACA_PROFILE_KEY_USAGE, 414)    /* IACA lacks keyCertSign */
X(DS_PROFILE_COUNTRY, 415)        /* DS C differs from IACA C */
X(DS_PROFILE_STATE, 416)          /* DS ST differs from IACA ST */
X(CERT_PROFILE, 417)              /* another Annex B profile rule (see detail) */
X(CERT_REVOKED, 420)
X(NO_ANCHORS, 421)                /* no trust anchors configured */
X(VICAL_MALFORMED, 422)           /* a VICAL field is missing or mistyped (see detail) */
X(VICAL_SIGNER_PROFILE, 423)      /* VICAL signer lacks EKU 1.0.18013.5.1.8 */
X(VICAL_NOT_YET_VALID, 424)       /* VICAL date is after the verification instant */
X(VICAL_SKI_MISMATCH, 425)        /* certificateInfo ski differs from the certificate's key */
X(VICAL_ROLLBACK, 426)            /* vicalIssueID lower than the last one imported */
X(TRUST_MANIFEST_MALFORMED, 427)  /* a trust-lists manifest does not parse (see line) */
/* 44x: revocation (CRLs, IETF Token Status List) */
X(STATUS_REVOKED, 440)            /* the MSO status list entry is 1 (INVALID) */
X(STATUS_SUSPENDED, 441)          /* the MSO status list entry is 2 (SUSPENDED) */
X(REVOCATION_UNAVAILABLE, 442)    /* no usable CRL or status list, under --revocation fail-closed */
X(STATUS_LIST_INVALID, 443)       /* a Status List Token is malformed, unsigned by a trusted key, or expired */
X(STATUS_LIST_TOO_LARGE, 444)     /* a status list inflates beyond MDLG_MAX_STATUS_LIST_BYTES */
X(CRL_INVALID, 445)               /* a CRL does not parse or is not signed by its IACA */

/* --- 5xx: device authentication --- */
X(DEVICE_AUTH_MISSING, 501)
X(DEVICE_AUTH_MALFORMED, 502)
X(DEVICE_SIGNATURE_INVALID, 503)
X(DEVICE_MAC_INVALID, 504)
X(DEVICE_MAC_NO_READER_KEY, 505)  /* deviceMac but no --reader-key */
X(DEVICE_KEY_INVALID, 506)        /* MSO deviceKey unusable */
X(DEVICE_ELEMENT_UNAUTHORIZED, 507) /* device-signed element without keyAuthorizations */

/* --- 6xx: session transcript --- */
X(TRANSCRIPT_MALFORMED, 601)
X(TRANSCRIPT_PROFILE_UNKNOWN, 602)
X(TRANSCRIPT_MISSING, 603)
/* 61x: a wallet's answer to a presentation request (POST /v1/requests/{id}/response) */
X(RESPONSE_MALFORMED, 610)        /* the answer lacks or mistypes protocol, vp_token or response (HTTP 400) */
X(RESPONSE_PROTOCOL_MISMATCH, 611) /* answered with a protocol the request did not offer (HTTP 400) */
X(RESPONSE_NOT_ENCRYPTED, 612)    /* a plaintext answer where the request asked for an encrypted one (HTTP 400) */
X(RESPONSE_DOCTYPE_UNEXPECTED, 613) /* a document of another doctype than the request asked for */
X(ELEMENT_NOT_REQUESTED, 614)     /* an element disclosed that the request did not ask for (over-disclosure) */
X(READER_AUTH_INVALID, 615)       /* a readerAuth (Annex C) that is malformed or does not verify for this request */
X(REQUEST_OBJECT_INVALID, 616)    /* a signed request object (JWS) that is malformed, of another typ, or does not verify */

/* --- 7xx: HTTP API (src/api) --- */
X(AUTH_REQUIRED, 701)             /* missing or wrong API key (HTTP 401) */
X(NOT_FOUND, 702)                 /* no such route or file (HTTP 404) */
X(METHOD_NOT_ALLOWED, 703)        /* the route exists, not with this method (HTTP 405) */
X(UNSUPPORTED_MEDIA_TYPE, 704)    /* request Content-Type not accepted here (HTTP 415) */
X(JSON_MALFORMED, 705)            /* request body is not JSON, or repeats a key (HTTP 400) */
X(REQUEST_INVALID, 706)           /* a request field is missing, mistyped or unknown (HTTP 400) */
X(ORIGIN_NOT_ALLOWED, 707)        /* CORS preflight from an origin not configured (HTTP 403) */
X(NOT_READY, 708)                 /* the service is not ready: no trust anchors, store down (HTTP 503) */
X(READER_CERT_INVALID, 720)       /* a reader certificate without EKU 1.0.18013.5.1.6, a CA, another key, not validating, or outside its validity */

/* --- 8xx: decryption (HPKE, JWE); "could not decrypt" (801) vs "bad input" (802-805) --- */
X(DECRYPT_FAILED, 801)            /* AEAD tag did not verify: wrong key, or ct/aad/info/enc/header changed */
X(DECRYPT_MALFORMED, 802)         /* not a well-formed HPKE/JWE message (lengths, parts, base64url, JSON) */
X(DECRYPT_KEY_INVALID, 803)       /* enc / epk is not a valid public key on the expected curve */
X(DECRYPT_UNSUPPORTED, 804)       /* alg, enc, kty, crv, zip or crit that mdlgate does not implement */
X(DECRYPT_HEADER_INVALID, 805)    /* JWE protected header lacks or mistypes alg, enc, epk, apu, apv */

/* --- 85x-89x: store (src/store); the HTTP status each maps to in the comment --- */
X(STORE_UNAVAILABLE, 850)         /* cannot open, I/O error, lock wait timed out, WAL refused (HTTP 503) */
X(STORE_NOT_FOUND, 851)           /* no such request or verdict (HTTP 404) */
X(STORE_CONFLICT, 852)            /* request already completed, verdict already stored (HTTP 409) */
X(STORE_EXPIRED, 853)             /* request expired before it was answered (HTTP 410) */
X(STORE_KEY, 854)                 /* a sealed reader key does not open with this server key (HTTP 500) */
X(STORE_SCHEMA_TOO_NEW, 855)      /* the database was migrated by a newer mdlgate (HTTP 503) */
X(STORE_CORRUPT, 856)             /* unexpected schema or row content, failed migration (HTTP 500) */
X(STORE_UNSUPPORTED, 857)         /* store URL names a backend this build lacks */

/* --- 87x: identifier ledger and claim screening (src/fraud, src/store/ledger_*) --- */
X(LEDGER_KEY_MISSING, 870)        /* no ledger hashing key configured: a startup error, never a default */
X(LEDGER_KEY_INVALID, 871)        /* a ledger key is not 32 bytes (64 hex), or its id is not 1..255 */
X(IDENT_INVALID, 872)             /* an identifier does not normalise (the detail names the field, not the value) */
X(CLAIM_INVALID, 873)             /* a claim lacks claim_id, or a CSV row is malformed (HTTP 400) */
X(SCREEN_CONFIG_INVALID, 874)     /* the screening configuration does not parse or is out of range */
X(SCREENING_DISABLED, 875)        /* screening is not configured on this server (HTTP 503) */
X(CLAIM_ID_CONFLICT, 876)         /* a claim id already screened with other content (HTTP 409) */

/* --- 9xx: could not verify --- */
X(NO_MEMORY, 901)
X(CRYPTO_INTERNAL, 902)           /* the crypto library failed (not "invalid") */
X(IO, 903)
X(USAGE, 904)
X(COVERAGE_DATA_INVALID, 905)     /* state-coverage data does not parse or breaks its schema */
X(INTERNAL, 999)
