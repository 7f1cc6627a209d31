/*
 * err.h - mdlgate's error codes and diagnostics.
 *
 * Every fallible function returns mdlg_err. 0 (MDLG_E_OK) is success.
 * The list lives in err_list.h; each code has a stable UPPER_SNAKE name
 * returned by mdlg_err_name(). Codes are grouped by numeric class.
 */
#ifndef MDLG_ERR_H
#define MDLG_ERR_H

#include <stddef.h>
#include <stdbool.h>

typedef enum mdlg_err {
#define X(name, num) MDLG_E_##name = num,
#include "mdlg/err_list.h"
#undef X
} mdlg_err;

/* Stable name ("CBOR_TRAILING_BYTES"), or "UNKNOWN" for a number not in the list. */
const char *mdlg_err_name(mdlg_err e);

/* Parses a stable name back into its code; returns false if unknown. */
bool mdlg_err_from_name(const char *name, mdlg_err *out);

/* Number of codes and the i-th code, for listing them (README, tests). */
size_t mdlg_err_count(void);
mdlg_err mdlg_err_at(size_t i);

/* Class predicates (see err_list.h for the ranges). */
static inline bool mdlg_err_is_malformed(mdlg_err e) { return e >= 100 && e < 200; }
static inline bool mdlg_err_is_internal(mdlg_err e) { return e >= 900; }

/* Where a failure happened: caller-owned, fixed size, no allocation.
 * `path` is a static string such as "documents[].issuerSigned.issuerAuth". */
struct mdlg_diag {
    mdlg_err code;
    size_t offset;      /* byte offset in the buffer being read, if known */
    const char *path;   /* static string or NULL */
};

#define MDLG_WARN_UNUSED __attribute__((warn_unused_result))

#endif
