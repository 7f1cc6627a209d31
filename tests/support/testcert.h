/*
 * testcert.h - PEM certificate helpers for the unit tests (no OpenSSL: only
 * src/crypto and src/trust may include it).
 */
#ifndef MDLG_TESTCERT_H
#define MDLG_TESTCERT_H

#include <stddef.h>
#include <stdint.h>

/*
 * DER of the idx-th (0-based) "-----BEGIN CERTIFICATE-----" block of PEM
 * text, malloc'd; NULL if there is no such block or its base64 is bad.
 */
uint8_t *mdlg_test_pem_to_der(const char *pem, size_t idx, size_t *len);

/* The same for a file; NULL if unreadable. */
uint8_t *mdlg_test_pem_file_der(const char *path, size_t idx, size_t *len);

#endif
