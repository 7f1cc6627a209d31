/*
 * screen_internal.h - shared by screen.c (claims -> hashed keys, batches),
 * screen_signals.c (stats -> signals, score) and screen_json.c (result text).
 */
#ifndef MDLG_SCREEN_INTERNAL_H
#define MDLG_SCREEN_INTERNAL_H

#include <stddef.h>

#include "mdlg/email.h"
#include "mdlg/screen.h"

struct mdlg_screener {
    struct mdlg_screen_config cfg;
    mdlg_ledger *ledger;
    mdlg_email_ctx *email;
};

#define PREP_MAX_INVALID 16

/* A sealed mDL record of a presentation request, parsed (screen_mdl.c). */
enum { MDLREQ_DOC, MDLREQ_DKEY, MDLREQ_NAME, MDLREQ_DOB, MDLREQ_N };
struct mdl_req {
    bool ok;                        /* a record was given and parsed */
    bool verified;
    char jur[8];                    /* "US-CA" or "" */
    size_t n;
    struct {
        uint8_t key_id;
        uint8_t has;                /* bit i: hash[i] present */
        uint8_t hash[MDLREQ_N][MDLG_IDENT_HASH_SIZE];
    } k[MDLG_SCREEN_MAX_KEYS];
};

/* Parses a sealed record; false if malformed. */
bool mdlg__mdl_req_parse(const uint8_t *b, size_t n, struct mdl_req *out);
/* hash `which` under key `key_id`; false if the record has none. */
bool mdlg__mdl_req_hash(const struct mdl_req *r, uint8_t key_id, int which,
                        uint8_t out[MDLG_IDENT_HASH_SIZE]);
/* Keyed name / date-of-birth hashes of texts (*has_* false if they do not normalise). */
void mdlg__mdl_person_hashes(const struct mdlg_ident_key *k, const char *given, size_t glen,
                             const char *family, size_t flen, const char *dob, size_t dlen,
                             uint8_t name[MDLG_IDENT_HASH_SIZE], bool *has_name,
                             uint8_t date[MDLG_IDENT_HASH_SIZE], bool *has_date);

/* Everything a claim contributes, computed before the ledger transaction. */
struct prep {
    struct mdlg_screen_item *item;
    char claim_id[MDLG_LEDGER_CLAIM_ID_MAX + 1];
    int64_t filed_at;
    char state[3];                  /* claim state or "" */
    char mdl_jur[8];                /* "US-CA" or "" */
    bool has[MDLG_IDENT_TYPE_MAX + 1];
    uint8_t hash[MDLG_IDENT_TYPE_MAX + 1][MDLG_IDENT_HASH_SIZE];   /* under keys[0] */
    uint32_t email_flags;
    int name_match, dob_match;      /* -1: not compared; 0/1 */
    bool mdl_attached, mdl_verified;
    struct { const char *field, *reason; } invalid[PREP_MAX_INVALID];
    size_t n_invalid;
    struct mdl_req req;             /* mdl_request_id's sealed record, if any */
    char *tail;                     /* the result text after "signals" (malloc'd, screen_json.c) */
    size_t tail_len;
    struct mdlg_ledger_content content[MDLG_LEDGER_CONTENT_MAX];   /* claim content hash per key */
    size_t n_content;
    size_t n_keys;
    struct mdlg_ledger_key keys[MDLG_LEDGER_MAX_KEYS];   /* last: only [0, n_keys) is set */
};

/* The bytes of p in use: everything before keys, and keys[0, n_keys). */
#define PREP_USED(p) (offsetof(struct prep, keys) + (p)->n_keys * sizeof (p)->keys[0])

_Static_assert(MDLG_SCREEN_MAX_KEYS <= MDLG_LEDGER_CONTENT_MAX, "a content hash per key");

/* A fired signal. */
struct fired {
    enum mdlg_signal sig;
    enum mdlg_ident_type key;       /* the key it is about, or 0 */
    uint32_t count;
    int64_t window_s;               /* 0: not windowed */
    const struct mdlg_ledger_stats *st;   /* related ids, or NULL */
    uint32_t extra[2];              /* signal-specific numbers for the reason */
};

#define MAX_FIRED 48

/* screen_signals.c: evaluates the signals of one entry; returns how many fired. */
size_t mdlg__screen_signals(const struct mdlg_screener *s, const struct prep *p,
                            const struct mdlg_ledger_stats *stats, struct fired *out);

/* Score and recommendation of a set of fired signals. */
void mdlg__screen_score(const struct mdlg_screener *s, const struct fired *f, size_t n,
                        uint32_t *score, bool *review);

/*
 * screen_json.c: the part of the result text that the ledger lookups do not
 * change (keys, invalid fields, mDL; everything after the signals) into
 * p->tail, built in prepare() so that the ledger transaction only writes the
 * head; false on allocation failure.
 */
bool mdlg__screen_json_tail(const struct mdlg_screener *s, struct prep *p);

/* screen_json.c: the result text (malloc'd; p->tail built), or NULL on allocation failure. */
char *mdlg__screen_json(const struct mdlg_screener *s, const struct prep *p, const char *id,
                        int64_t now, const struct fired *f, size_t n, uint32_t score,
                        bool review);

#endif
