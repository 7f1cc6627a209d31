/*
 * testutil.h - small helpers shared by the unit tests (not part of libmdlgate).
 *
 * Reference data lives in the shared directory named by $MDLG_SHARED
 * (default ../shared). Tests read it at run time and skip() the cases that
 * need it when it is absent; they never pass silently without it.
 */
#ifndef MDLG_TESTUTIL_H
#define MDLG_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/*
 * Decodes hex (upper or lower case; spaces, tabs, newlines and ':' between
 * bytes are ignored) into out[0..cap). Returns the number of bytes written,
 * or (size_t)-1 on an odd digit count, a non-hex character or overflow.
 */
size_t mdlg_test_hex_decode(const char *hex, uint8_t *out, size_t cap);

/*
 * The same, into a malloc'd buffer (at least 1 byte, so never NULL for valid
 * input, even when *len is 0). Returns NULL on bad hex. Caller frees.
 */
uint8_t *mdlg_test_unhex(const char *hex, size_t *len);

/* Writes lower-case hex of p[0..n) into a malloc'd NUL-terminated string. */
char *mdlg_test_hex_encode(const void *p, size_t n);

/*
 * Decodes base64url (RFC 4648 section 5, as in JWK; padding '=' optional)
 * into a malloc'd buffer (at least 1 byte). Also accepts the standard '+'
 * and '/' alphabet. Returns NULL on a bad character or length. Caller frees.
 */
uint8_t *mdlg_test_b64url_decode(const char *s, size_t *len);

/*
 * Reads a whole file into a malloc'd buffer with a NUL appended (not counted
 * in *len). Returns NULL if it cannot be read.
 */
uint8_t *mdlg_test_read_file(const char *path, size_t *len);

/*
 * The shared reference directory: $MDLG_SHARED if set, else "../shared".
 * Returns NULL if that directory does not exist.
 */
const char *mdlg_test_shared(void);

/*
 * malloc'd "<shared>/<rel>", or NULL if the shared directory or the file is
 * absent. Caller frees.
 */
char *mdlg_test_shared_path(const char *rel);

/*
 * A cmocka test that stands for a PostgreSQL group when no server is
 * available: prints why ($MDLG_TEST_PG_SKIP, or that MDLG_TEST_PG_URL is not
 * set) and skips, so the group is reported as skipped, never as passed.
 */
void mdlg_test_postgres_unavailable(void **state);

struct mdlg_claim;
/*
 * Fills *c from "field=value" strings (NULL-terminated; field names as in
 * mdlg_claim_field_from_name). The values are borrowed; an unknown field
 * fails the test.
 */
void mdlg_test_claim_set(struct mdlg_claim *c, const char *const *kv);

/* Removes dir and everything below it (rm -rf). True on success. */
bool mdlg_test_rm_tree(const char *dir);

struct CMUnitTest;
/*
 * Runs the cmocka group `name` against PostgreSQL when MDLG_TEST_PG_URL is
 * set (storing it in *url first, for the group's setup), else a group of
 * mdlg_test_postgres_unavailable alone. Returns the failures.
 */
int mdlg_test_run_pg_group(const char *name, const struct CMUnitTest *tests, size_t n,
                           const char **url);

#endif
