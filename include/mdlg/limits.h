/*
 * limits.h - every bound mdlgate applies to untrusted input.
 *
 * Each limit has its own error code (LIMIT_* or CBOR_*), so a rejection says
 * which bound was hit. The values are generous for real wallets (an mDL has
 * ~40 elements, one portrait of tens of KiB) and small enough that no input
 * can make mdlgate allocate or loop more than a few times its own size.
 */
#ifndef MDLG_LIMITS_H
#define MDLG_LIMITS_H

/* Largest DeviceResponse / request body accepted (bytes). */
#define MDLG_MAX_BODY (1024u * 1024u)
/* Deepest CBOR nesting (arrays, maps, tags each count one level). */
#define MDLG_MAX_DEPTH 24
/* Most CBOR items decoded from one buffer (each item needs >= 1 byte). */
#define MDLG_MAX_ITEMS 65536u
/* Most entries in one CBOR map; duplicate-key checks are quadratic in this. */
#define MDLG_MAX_MAP_ENTRIES 512u
/* Most items in one CBOR array. */
#define MDLG_MAX_ARRAY_ITEMS 4096u
/* Documents in one DeviceResponse. */
#define MDLG_MAX_DOCUMENTS 16u
/* Namespaces per document (issuer- or device-signed) and in valueDigests. */
#define MDLG_MAX_NAMESPACES 16u
/* Disclosed elements in one namespace. */
#define MDLG_MAX_ELEMENTS 256u
/* Digests in one MSO namespace. */
#define MDLG_MAX_DIGESTS 512u
/* Certificates in an x5chain. */
#define MDLG_MAX_X5CHAIN 8u
/* DER size of one certificate. */
#define MDLG_MAX_CERT_SIZE 16384u
/* Length of a docType, namespace or element identifier. */
#define MDLG_MAX_IDENT 256u

/* Largest CRL read from a trust directory or fetched by `trust sync`. */
#define MDLG_MAX_CRL_SIZE (4u * 1024u * 1024u)
/* Largest Status List Token (the CWT, compressed list included). */
#define MDLG_MAX_STATUS_TOKEN (1024u * 1024u)
/* Largest status list after decompression (2^23 entries at 8 bits). */
#define MDLG_MAX_STATUS_LIST_BYTES (8u * 1024u * 1024u)

#endif
