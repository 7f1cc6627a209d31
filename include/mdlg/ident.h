/*
 * ident.h - claimant identifiers for the fraud ledger: normalisers and keyed
 * hashes (src/fraud).
 *
 * An identifier is first normalised to one canonical text (so that two ways
 * of writing the same SSN, phone or address give the same bytes), then
 * hashed with keyed BLAKE2b-256 (libsodium crypto_generichash_blake2b_salt_
 * personal), one personalisation string per identifier type ("mdlg.ssn.v1",
 * ...), under a 32-byte key that comes from configuration. A hash of one type
 * can never equal a hash of another type, even under one key. Only hashes
 * reach the ledger; the canonical text lives on the caller's stack and is
 * wiped (sodium_memzero) by the screening code after hashing.
 *
 * Normalisers are total: any bytes in, MDLG_E_OK and the canonical text, or
 * MDLG_E_IDENT_INVALID and a static snake_case reason ("ssn_area_000"). They
 * read at most MDLG_IDENT_INPUT_MAX bytes (longer input is invalid,
 * "too_long") and never write more than MDLG_IDENT_MAX bytes (NUL included).
 * Reasons never contain the value.
 */
#ifndef MDLG_IDENT_H
#define MDLG_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

#define MDLG_IDENT_INPUT_MAX 512   /* longest raw value accepted (bytes) */
#define MDLG_IDENT_MAX 640         /* canonical text buffer (bytes, NUL included) */
#define MDLG_IDENT_HASH_SIZE 32    /* BLAKE2b-256 */
#define MDLG_IDENT_KEY_SIZE 32

/*
 * Identifier types. The numbers are stored in the ledger: never renumber.
 * The personalisation of each is "mdlg.<name>.v1" (at most 16 bytes).
 */
enum mdlg_ident_type {
    MDLG_IDENT_SSN = 1,          /* 9 digits */
    MDLG_IDENT_BANK = 2,         /* "routing:account" (ABA-checked routing, account sans leading 0s) */
    MDLG_IDENT_PHONE = 3,        /* E.164 "+15551234567" */
    MDLG_IDENT_ADDRESS = 4,      /* "123 MAIN ST #4B|12345" (USPS-style abbreviations) */
    MDLG_IDENT_IP = 5,           /* canonical text of the address (v4-mapped v6 -> v4) */
    MDLG_IDENT_IP_PREFIX = 6,    /* "198.51.100.0/24" or "2001:db8:1::/48" */
    MDLG_IDENT_DEVICE = 7,       /* vendor device id, trimmed */
    MDLG_IDENT_EMAIL = 8,        /* e-mail mailbox_key (include/mdlg/email.h) */
    MDLG_IDENT_MDL_DOC = 9,      /* "US-CA:D1234567" issuing jurisdiction + document number */
    MDLG_IDENT_MDL_DEVICE_KEY = 10, /* mDL device-key thumbprint, 64 lowercase hex */
    MDLG_IDENT_PERSON = 11,      /* "GIVEN FAMILY|YYYY-MM-DD" (name + date of birth) */
    MDLG_IDENT_EMAIL_EXACT = 12, /* e-mail exact_key: the address as written */
};
#define MDLG_IDENT_TYPE_MAX 12

/* Stable snake_case name ("ssn", "bank_account", ...), or NULL. */
const char *mdlg_ident_type_name(enum mdlg_ident_type t);
/* The type of a name, or 0. */
enum mdlg_ident_type mdlg_ident_type_from_name(const char *name);

/* ---- normalisers: (in, len) -> out[MDLG_IDENT_MAX]; *reason set on IDENT_INVALID ---- */

/* SSN: digits with optional '-' or ' '; area not 000/666/9xx, group not 00, serial not 0000. */
mdlg_err mdlg_ident_ssn(const char *in, size_t len, char out[MDLG_IDENT_MAX], const char **reason);

/* Bank: ABA routing number (9 digits, checksum) and account number (4..17 digits). */
mdlg_err mdlg_ident_bank(const char *routing, size_t rlen, const char *account, size_t alen,
                         char out[MDLG_IDENT_MAX], const char **reason);

/*
 * Phone to E.164. With a leading '+': 8..15 digits, first digit not 0. Without:
 * a North American number (10 digits, or 11 starting with 1), area code and
 * exchange starting 2-9. Separators " -.()" are ignored.
 */
mdlg_err mdlg_ident_phone(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                          const char **reason);

/*
 * Mailing address: street line, unit (may be empty) and ZIP (5 digits or
 * ZIP+4; the key keeps 5). ASCII upper case, punctuation dropped, spaces
 * collapsed, street suffixes, directionals and unit designators abbreviated
 * (STREET -> ST, NORTH -> N, APARTMENT/APT/UNIT/SUITE/# -> #). Non-ASCII bytes
 * are kept as they are.
 */
mdlg_err mdlg_ident_address(const char *line, size_t llen, const char *unit, size_t ulen,
                            const char *zip, size_t zlen, char out[MDLG_IDENT_MAX],
                            const char **reason);

/* IP address (v4 or v6) -> canonical address and its /24 (v4) or /48 (v6) prefix. */
mdlg_err mdlg_ident_ip(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                       char prefix[MDLG_IDENT_MAX], const char **reason);

/* Device id: trimmed, 1..256 printable ASCII bytes, case kept. */
mdlg_err mdlg_ident_device(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                           const char **reason);

/*
 * mDL document: jurisdiction ("US-CA", or "CA" read as US-CA) and document
 * number (upper case, spaces and dashes removed, 1..32 letters/digits).
 */
mdlg_err mdlg_ident_mdl_doc(const char *jur, size_t jlen, const char *num, size_t nlen,
                            char out[MDLG_IDENT_MAX], const char **reason);

/* Jurisdiction alone: "US-CA" / "ca" -> "US-CA" (2-letter subdivision). */
mdlg_err mdlg_ident_jurisdiction(const char *in, size_t len, char out[8], const char **reason);

/* Device-key thumbprint: 32 bytes as hex (64 digits) or base64url (43 chars) -> lowercase hex. */
mdlg_err mdlg_ident_thumbprint(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                               const char **reason);

/*
 * Name: ASCII letters upper-cased; spaces, '-', '\'', '.', ',' dropped; other
 * ASCII rejected; non-ASCII UTF-8 bytes kept as they are. At least one letter.
 */
mdlg_err mdlg_ident_name(const char *in, size_t len, char out[MDLG_IDENT_MAX],
                         const char **reason);

/* Date of birth: "YYYY-MM-DD" or "MM/DD/YYYY", a real calendar date, year 1850..2100. */
mdlg_err mdlg_ident_date(const char *in, size_t len, char out[11], const char **reason);

/* Person: name(given) " " name(family) "|" date. */
mdlg_err mdlg_ident_person(const char *given, size_t glen, const char *family, size_t flen,
                           const char *dob, size_t dlen, char out[MDLG_IDENT_MAX],
                           const char **reason);

/* ---- keyed hashes ---- */

/* A hashing key and its id (1..255, stored with every hash so keys can rotate). */
struct mdlg_ident_key {
    uint8_t id;
    uint8_t key[MDLG_IDENT_KEY_SIZE];
};

/*
 * out = BLAKE2b-256(key, personal = "mdlg.<type>.v1", canonical text).
 * USAGE for an unknown type; CRYPTO_INTERNAL if libsodium fails.
 */
mdlg_err mdlg_ident_hash(const struct mdlg_ident_key *k, enum mdlg_ident_type t,
                         const char *canonical, uint8_t out[MDLG_IDENT_HASH_SIZE]) MDLG_WARN_UNUSED;

/*
 * Parses a key: 64 hex digits (surrounding whitespace ignored) or exactly 32
 * raw bytes. LEDGER_KEY_INVALID otherwise.
 */
mdlg_err mdlg_ident_key_parse(const uint8_t *in, size_t len, uint8_t id,
                              struct mdlg_ident_key *out) MDLG_WARN_UNUSED;

#endif
