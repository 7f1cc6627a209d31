/*
 * screen.h - claim screening: identifiers -> keyed hashes -> ledger ->
 * signals, a score and a recommendation (src/fraud).
 *
 * A claim is a set of text fields (enum mdlg_claim_field; the CSV columns and
 * JSON members have the same names). The screener normalises each identifier
 * (mdlg/ident.h), hashes it under every configured key, and records the
 * screening in the ledger (mdlg/ledger.h), which returns, for every key, how
 * many earlier screenings share it and with how many distinct identities.
 *
 * Identities. "person" = normalised given name + family name + date of birth.
 * "identity" = the SSN when the claim has a valid one, else the person, else
 * the claim itself (a claim with neither never merges with another). Fan-out
 * signals count distinct identities; "an SSN behind several identities"
 * counts distinct persons on that SSN.
 *
 * Signals (names are stable; each has a count, a window, related screening
 * ids and a plain-language reason without any raw value):
 *   email_mailbox_shared     one mailbox_key on >= threshold claims written as
 *                            several raw addresses or by several identities
 *   ssn_multiple_identities  one SSN, >= threshold distinct persons
 *   ssn_multiple_states      one SSN, claims in >= threshold states
 *   bank_account_fanout, phone_fanout, address_fanout, ip_fanout,
 *   ip_prefix_fanout, device_fanout   >= threshold distinct identities
 *   velocity                 >= threshold claims on one key within its window
 *   email_disposable, email_confusable (lookalike, typo, mixed script,
 *   invisible characters), email_relay        from the e-mail flags
 *   mdl_document_reuse       one mDL document, >= threshold identities
 *   mdl_device_key_reuse     one device key, >= threshold documents or identities
 *   mdl_out_of_state         mDL jurisdiction differs from the claim state
 *   mdl_name_mismatch, mdl_birth_date_mismatch   claim vs verified mDL elements
 *   invalid_identifier       a supplied identifier did not normalise
 *
 * Score = min(100, sum of the weights of the distinct signals that fired).
 * Recommendation = "review" if score >= review_threshold or a "hard" signal
 * fired, else "clear". Never "deny": hits go to a person.
 *
 * Nothing here logs. Raw identifier text lives only on the stack of one call
 * and is wiped (sodium_memzero) before it returns.
 */
#ifndef MDLG_SCREEN_H
#define MDLG_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"
#include "mdlg/ident.h"
#include "mdlg/ledger.h"

/* Claim fields: CSV columns and JSON members carry these names. */
enum mdlg_claim_field {
    MDLG_CF_CLAIM_ID,
    MDLG_CF_FILED_AT,          /* RFC 3339; default: the screening time */
    MDLG_CF_GIVEN_NAME,
    MDLG_CF_FAMILY_NAME,
    MDLG_CF_BIRTH_DATE,
    MDLG_CF_SSN,
    MDLG_CF_EMAIL,
    MDLG_CF_PHONE,
    MDLG_CF_ADDRESS_LINE,
    MDLG_CF_ADDRESS_UNIT,
    MDLG_CF_ADDRESS_ZIP,
    MDLG_CF_CLAIM_STATE,       /* two letters, the state the claim is filed in */
    MDLG_CF_BANK_ROUTING,
    MDLG_CF_BANK_ACCOUNT,
    MDLG_CF_IP,
    MDLG_CF_DEVICE_ID,
    MDLG_CF_MDL_VERIFIED,      /* "true": the mdl_* elements come from a valid verdict */
    MDLG_CF_MDL_JURISDICTION,
    MDLG_CF_MDL_DOCUMENT_NUMBER,
    MDLG_CF_MDL_DEVICE_KEY,    /* device-key thumbprint (RFC 9679), hex or base64url */
    MDLG_CF_MDL_GIVEN_NAME,
    MDLG_CF_MDL_FAMILY_NAME,
    MDLG_CF_MDL_BIRTH_DATE,
    MDLG_CF_MDL_REQUEST_ID,    /* a completed presentation request whose mDL data to use
                                  (instead of the inline mdl_* fields; see mdl_request) */
    MDLG_CF_COUNT
};

/*
 * A claim: field texts (NULL or length 0 = absent), borrowed, not NUL-terminated.
 * mdl_request: when the claim names a request (MDLG_CF_MDL_REQUEST_ID), the
 * caller resolves it to the sealed mDL hashes stored with that request
 * (mdlg_screen_mdl_seal) and passes them here, borrowed.
 */
struct mdlg_claim {
    const char *f[MDLG_CF_COUNT];
    size_t len[MDLG_CF_COUNT];
    const uint8_t *mdl_request;
    size_t mdl_request_len;
};

/* "claim_id", "ssn", ...; NULL out of range. */
const char *mdlg_claim_field_name(enum mdlg_claim_field f);
/* The field of a name, or -1. */
int mdlg_claim_field_from_name(const char *name, size_t len);

enum mdlg_signal {
    MDLG_SIG_EMAIL_MAILBOX_SHARED,
    MDLG_SIG_SSN_MULTIPLE_IDENTITIES,
    MDLG_SIG_SSN_MULTIPLE_STATES,
    MDLG_SIG_BANK_ACCOUNT_FANOUT,
    MDLG_SIG_PHONE_FANOUT,
    MDLG_SIG_ADDRESS_FANOUT,
    MDLG_SIG_IP_FANOUT,
    MDLG_SIG_IP_PREFIX_FANOUT,
    MDLG_SIG_DEVICE_FANOUT,
    MDLG_SIG_VELOCITY,
    MDLG_SIG_EMAIL_DISPOSABLE,
    MDLG_SIG_EMAIL_CONFUSABLE,
    MDLG_SIG_EMAIL_RELAY,
    MDLG_SIG_MDL_DOCUMENT_REUSE,
    MDLG_SIG_MDL_DEVICE_KEY_REUSE,
    MDLG_SIG_MDL_OUT_OF_STATE,
    MDLG_SIG_MDL_NAME_MISMATCH,
    MDLG_SIG_MDL_BIRTH_DATE_MISMATCH,
    MDLG_SIG_INVALID_IDENTIFIER,
    MDLG_SIG_COUNT
};

const char *mdlg_signal_name(enum mdlg_signal s);
int mdlg_signal_from_name(const char *name);

struct mdlg_signal_cfg {
    uint32_t weight;           /* 0..100 */
    uint32_t threshold;        /* count at which it fires (>= 1) */
    int64_t window_s;          /* look-back window of its key (> 0) */
    bool hard;                 /* fires -> "review" whatever the score */
};

#define MDLG_SCREEN_MAX_KEYS 4
#define MDLG_SCREEN_URL_MAX 1024

struct mdlg_screen_config {
    char ledger_url[MDLG_SCREEN_URL_MAX];   /* "" = $MDLGATE_DATA_DIR/ledger.db */
    struct mdlg_ident_key keys[MDLG_SCREEN_MAX_KEYS]; /* keys[0] is current; all are written */
    size_t n_keys;
    int64_t retention_s;                    /* default row lifetime */
    int64_t retention_by_type_s[MDLG_IDENT_TYPE_MAX + 1];   /* 0: retention_s */
    uint32_t review_threshold;              /* 1..100 */
    struct mdlg_signal_cfg sig[MDLG_SIG_COUNT];
};

/* Fills the documented defaults (README "Screening claims"); no keys. */
void mdlg_screen_config_defaults(struct mdlg_screen_config *c);

/*
 * Reads a screening configuration file (JSON, src/json/screen_config.c) over
 * *c. Members, all optional: ledger, keys [{"id": 1..255, "file": PATH}]
 * (first = current), retention_days, retention_days_by_type {type: days},
 * review_threshold, signals {name: {weight, threshold, window_days |
 * window_hours, hard}}. Relative paths are relative to the file. Errors:
 * IO, SCREEN_CONFIG_INVALID, LEDGER_KEY_INVALID; errbuf says why (never a key).
 */
mdlg_err mdlg_screen_config_load(struct mdlg_screen_config *c, const char *path,
                                 char *errbuf, size_t errlen) MDLG_WARN_UNUSED;

/*
 * MDLGATE_LEDGER_KEY="ID:HEX64" (comma-separated for several; replaces the
 * file's keys) and MDLGATE_LEDGER_URL. LEDGER_KEY_INVALID on a bad value.
 */
mdlg_err mdlg_screen_config_apply_env(struct mdlg_screen_config *c, char *errbuf,
                                      size_t errlen) MDLG_WARN_UNUSED;

typedef struct mdlg_screener mdlg_screener;

/*
 * A screener over an open ledger (borrowed; close it after the screener).
 * Errors: LEDGER_KEY_MISSING (no key: never a default), LEDGER_KEY_INVALID
 * (duplicate ids), SCREEN_CONFIG_INVALID, NO_MEMORY, INTERNAL (ICU).
 * Thread-safe: any number of threads may screen at once.
 */
mdlg_err mdlg_screener_new(const struct mdlg_screen_config *cfg, mdlg_ledger *ledger,
                           mdlg_screener **out) MDLG_WARN_UNUSED;
void mdlg_screener_free(mdlg_screener *s);

/* One claim to screen and what became of it. */
struct mdlg_screen_item {
    const struct mdlg_claim *claim;          /* in */
    mdlg_err err;                            /* CLAIM_INVALID: not screened (see field);
                                                CLAIM_ID_CONFLICT: claim id screened before
                                                with other content (id = that screening) */
    enum mdlg_ledger_claim claim_seen;       /* SAME: screened before with this content; id
                                                and json are that screening's, nothing new
                                                recorded, score/review/n_* not set */
    const char *bad_field;                   /* static field name, or NULL */
    const char *bad_reason;                  /* static reason */
    char id[MDLG_LEDGER_ID_LEN + 1];         /* screening id */
    uint32_t score;
    bool review;
    uint32_t n_signals;
    uint32_t n_invalid;                      /* identifiers reported invalid */
    char *json;                              /* the result (malloc'd; mdlg_screen_items_free) */
};

/*
 * Screens n claims at `now` (unix seconds) in one ledger transaction (each
 * sees the ones before it). A claim id is an idempotency key: the claim's
 * content (every present field, raw, in field order) is hashed under each
 * ledger key (BLAKE2b, personal "mdlg.claim.v1") and a claim id screened
 * before (unexpired) is not screened again - claim_seen SAME with the
 * stored result, or err CLAIM_ID_CONFLICT if the content differs. A claim without claim_id, or with a bad filed_at
 * or claim_state, gets err = CLAIM_INVALID and is skipped; an identifier that
 * does not normalise is reported inside the result (invalid_fields and the
 * invalid_identifier signal). Returns the ledger's error if the batch could
 * not be stored (then no item has a result).
 */
mdlg_err mdlg_screen_batch(mdlg_screener *s, struct mdlg_screen_item *items, size_t n,
                           int64_t now) MDLG_WARN_UNUSED;

/* Frees the json of each item. */
void mdlg_screen_items_free(struct mdlg_screen_item *items, size_t n);

/* ---- mDL data of a presentation request (src/fraud/screen_mdl.c) ---- */

/*
 * What a verdict of a presentation request yields for screening, taken from
 * its first mDL document. Texts are NUL-terminated (NULL = absent).
 */
struct mdlg_mdl_elements {
    bool verified;                          /* the verdict is valid */
    const char *jurisdiction;               /* "US-CA" */
    const char *document_number;
    const uint8_t *device_key_thumbprint;   /* 32 bytes (RFC 9679), or NULL */
    const char *given_name, *family_name, *birth_date;
};

#define MDLG_SCREEN_MDL_SEALED_MAX 600      /* bytes of a sealed mDL record */

/*
 * Turns mDL elements into what screening needs and nothing more, so no
 * element value is kept: under every ledger key of the screener, the keyed
 * hashes of the document (jurisdiction + number), the device-key thumbprint,
 * the normalised name (personal "mdlg.mdl.name.v1") and the date of birth
 * ("mdlg.mdl.dob.v1"); plus the jurisdiction code and `verified`. A value
 * that does not normalise is left out. Writes at most `cap` bytes
 * (a versioned binary record) and sets *len. Errors: USAGE, LIMIT_STRING_SIZE,
 * CRYPTO_INTERNAL.
 *
 * A claim carrying mdl_request_id and this record (struct mdlg_claim) is
 * screened as if its mdl_* fields were given inline: mdl_document_reuse,
 * mdl_device_key_reuse and mdl_out_of_state from the hashes and the code,
 * mdl_name_mismatch / mdl_birth_date_mismatch by comparing the claim's own
 * name and date of birth hashed the same way (only when verified). Inline
 * mdl_* fields beside mdl_request_id make the claim CLAIM_INVALID. Ledger
 * keys added after the record was sealed get no mDL rows for it.
 */
mdlg_err mdlg_screen_mdl_seal(const mdlg_screener *s, const struct mdlg_mdl_elements *in,
                              uint8_t *out, size_t cap, size_t *len) MDLG_WARN_UNUSED;

/* ---- CSV input (src/fraud/claim_csv.c) ---- */

#define MDLG_CSV_RECORD_MAX (64u * 1024u)  /* bytes of one record, quotes included */

struct mdlg_csv;
/* A streaming RFC 4180 reader over a FILE* (comma, "..." with "" escapes, CRLF or LF). */
struct mdlg_csv *mdlg_csv_new(void *file /* FILE* */);
void mdlg_csv_free(struct mdlg_csv *c);

/*
 * Reads the next record. Returns 1 with fields in fields[0..*n) (valid until
 * the next call; at most `cap` fields), 0 at end of input, -1 for a bad
 * record (unterminated quote, stray quote, too long, too many fields) with
 * *reason set; the reader then continues at the next line. *line is the
 * 1-based line where the record starts.
 */
int mdlg_csv_next(struct mdlg_csv *c, const char **fields, size_t *lens, size_t cap, size_t *n,
                  size_t *line, const char **reason);

/* Bytes consumed so far (progress). */
uint64_t mdlg_csv_offset(const struct mdlg_csv *c);

#endif
