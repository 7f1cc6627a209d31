/*
 * present_internal.h - shared by the files of src/present.
 */
#ifndef MDLG_PRESENT_INTERNAL_H
#define MDLG_PRESENT_INTERNAL_H

#include "mdlg/cbor.h"

/* Appends ReaderAuthenticationBytes for the transcript and the ItemsRequestBytes (tag 24). */
void mdlg__annexc_reader_auth_bytes(struct mdlg_cbor_buf *out, struct mdlg_bytes transcript,
                                    struct mdlg_bytes items_request_bytes);

#endif
