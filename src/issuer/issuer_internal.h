/*
 * issuer_internal.h - helpers shared by the test issuer's files.
 * Not part of the public API.
 */
#ifndef MDLG_ISSUER_INTERNAL_H
#define MDLG_ISSUER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/issuer.h"

/* True if p[0..len) is exactly one well-formed CBOR item (mdlg_cbor_parse rules). */
bool mdlg__issue_one_item(const uint8_t *p, size_t len);

#endif
