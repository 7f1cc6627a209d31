/*
 * ledger.h - the identifier ledger: which hashed identifiers which claim
 * screenings carried, for fan-out, reuse and velocity signals.
 *
 * Backend-neutral, like mdlg/store.h: callers see an opaque mdlg_ledger and
 * these functions, never SQL. The URL picks the backend:
 *
 *   "sqlite:PATH" or a plain PATH   SQLite (default $MDLGATE_DATA_DIR/ledger.db);
 *                                   the same durability rules as the store:
 *                                   WAL, synchronous=FULL, BEGIN IMMEDIATE
 *                                   writes, busy_timeout, a connection pool,
 *                                   file mode 0600, secure_delete, migrations
 *                                   in code (table ledger_migrations)
 *   "postgres://..." or             PostgreSQL (libpq URL), shared by several
 *   "postgresql://..."              instances: the store's connection pool and
 *                                   session settings (synchronous_commit=on,
 *                                   lock_timeout = busy_timeout), migrations in
 *                                   code (component "ledger" of mdlg_migrations,
 *                                   under an advisory lock); may share the
 *                                   store's database
 *   anything else with "://"        STORE_UNSUPPORTED
 *
 * The ledger stores only what it is given: 32-byte keyed hashes (mdlg/ident.h),
 * key ids, two-letter state codes, the caller's claim id, times, and a result
 * text the caller built (the screening code puts no raw identifier in it).
 *
 * One screening = one entry with its keys. mdlg_ledger_record() handles a
 * batch of entries in ONE write transaction: for each entry in order it
 * looks its claim id up (an earlier screening of the same claim id is not
 * screened again, see struct mdlg_ledger_entry), then looks every key up (rows of earlier screenings, including earlier entries
 * of the same batch), hands the statistics to the caller's `decide` callback
 * (which fills the entry's result text), then inserts the entry. Writers are
 * serialised (SQLite's write lock; on PostgreSQL a READ COMMITTED transaction
 * holding an advisory transaction lock), so
 * of two concurrent screenings sharing a key the later one always counts the
 * earlier one: screenings never miss each other, also across processes.
 * A batch amortises the fsync of the commit (the CSV path uses hundreds).
 *
 * Time is a parameter everywhere. Every row carries expires_at; reads ignore
 * expired rows, and mdlg_ledger_purge() deletes them.
 */
#ifndef MDLG_LEDGER_H
#define MDLG_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

typedef struct mdlg_ledger mdlg_ledger;

#define MDLG_LEDGER_HASH 32
#define MDLG_LEDGER_ID_LEN 22          /* screening ids: base64url characters, 8 of creation
                                          time (sortable) + 14 random (84 bits) */
#define MDLG_LEDGER_CLAIM_ID_MAX 128
#define MDLG_LEDGER_RELATED_MAX 10     /* related screening ids reported per key */
#define MDLG_LEDGER_MAX_KEYS 64        /* keys per entry */
#define MDLG_LEDGER_RESULT_MAX (256u * 1024u)

struct mdlg_ledger_options {
    unsigned pool_size;                /* connections (SQLite), at most 64; 0: 4 */
    unsigned busy_timeout_ms;          /* 0: 5000 */
};

/* One hashed identifier of a screening, under one hashing key. */
struct mdlg_ledger_key {
    uint16_t type;                     /* enum mdlg_ident_type */
    uint8_t key_id;                    /* the hashing key's id */
    uint8_t hash[MDLG_LEDGER_HASH];
    uint8_t identity[MDLG_LEDGER_HASH];  /* claimant identity under the same key */
    uint8_t person[MDLG_LEDGER_HASH];    /* name + date of birth under the same key */
    bool has_person;
    uint8_t aux[MDLG_LEDGER_HASH];       /* a second value whose distinct count matters */
    bool has_aux;                        /* (the raw address behind a mailbox, ...) */
    char state[3];                       /* claim state "CA", or "" */
    int64_t window_s;                    /* look back this far (> 0) */
    int64_t velocity_s;                  /* and count claims this recent (> 0) */
    int64_t expires_at;                  /* this row is kept until then */
};

/*
 * What the ledger holds for one key, counting the current screening too
 * (so claims >= 1 and distinct counts >= 1 when the current value is set):
 * unexpired rows of the same (type, key_id, hash) created after
 * created_at - window_s.
 */
struct mdlg_ledger_stats {
    uint32_t claims;                   /* screenings with this key */
    uint32_t identities;               /* distinct identity hashes */
    uint32_t persons;                  /* distinct person hashes (rows without one ignored) */
    uint32_t states;                   /* distinct claim states ("" ignored) */
    uint32_t auxes;                    /* distinct aux hashes (rows without one ignored) */
    uint32_t recent;                   /* screenings after created_at - velocity_s */
    size_t n_related;                  /* earlier screening ids, newest first */
    char related[MDLG_LEDGER_RELATED_MAX][MDLG_LEDGER_ID_LEN + 1];
};

/*
 * A keyed hash of a claim's canonical content under one hashing key (the
 * screener makes it; the ledger only stores and compares the bytes).
 */
struct mdlg_ledger_content {
    uint8_t key_id;
    uint8_t hash[MDLG_LEDGER_HASH];
};

#define MDLG_LEDGER_CONTENT_MAX 4      /* content hashes per entry (one per hashing key) */

/*
 * What mdlg_ledger_record() found for an entry's claim id (see below):
 *   NEW       no unexpired screening has this claim id: screened and inserted
 *   SAME      one has, with the same content: nothing inserted, decide not
 *             called; id and result are the earlier screening's
 *   CONFLICT  one has, with other content: nothing inserted, decide not
 *             called; id is the earlier screening's, result NULL
 */
enum mdlg_ledger_claim {
    MDLG_LEDGER_CLAIM_NEW,
    MDLG_LEDGER_CLAIM_SAME,
    MDLG_LEDGER_CLAIM_CONFLICT,
};

/*
 * One screening to record.
 *
 * Claim ids are idempotency keys. Inside the write transaction, before its
 * lookups, each entry's claim_id is looked up among unexpired screenings
 * (expires_at > created_at; the newest if several): the stored content hash
 * is compared with the entry's content[] hash of the same key_id. Equal ->
 * SAME; different -> CONFLICT; the stored row has no content hash (recorded
 * before the column existed) or none of content[] has its key id -> SAME (it
 * cannot be told apart, and counting a claim twice is the worse error).
 * Entries of one batch see each other, so a repeated claim id within a batch
 * is SAME/CONFLICT too. The new row stores content[0] (the current key).
 * Backends keep an index on claim_id (SQLite: ledger_screenings_claim).
 */
struct mdlg_ledger_entry {
    char id[MDLG_LEDGER_ID_LEN + 1];   /* set by mdlg_ledger_record() (the earlier one's unless NEW) */
    const char *claim_id;              /* caller's id, 1..MDLG_LEDGER_CLAIM_ID_MAX bytes */
    int64_t created_at;
    int64_t expires_at;                /* the screening record is kept until then */
    const struct mdlg_ledger_key *keys;
    size_t n_keys;
    struct mdlg_ledger_content content[MDLG_LEDGER_CONTENT_MAX];
    size_t n_content;                  /* 0: no content hash (every earlier one is SAME) */
    enum mdlg_ledger_claim claim;      /* out */
    char *result;                      /* filled by decide, or the stored one if SAME
                                          (malloc'd); the ledger frees it on error */
};

/*
 * Called once per entry inside the transaction, with stats[i] for keys[i].
 * Must set e->result (malloc'd NUL-terminated text, at most
 * MDLG_LEDGER_RESULT_MAX). A non-OK return aborts the whole batch.
 */
typedef mdlg_err (*mdlg_ledger_decide_fn)(void *arg, struct mdlg_ledger_entry *e,
                                          const struct mdlg_ledger_stats *stats);

/*
 * Opens (creating and migrating) the ledger at `url`. Errors: USAGE,
 * STORE_UNSUPPORTED, STORE_UNAVAILABLE, STORE_SCHEMA_TOO_NEW, STORE_CORRUPT,
 * NO_MEMORY. Safe to share between threads, not across fork().
 */
mdlg_err mdlg_ledger_open(const char *url, const struct mdlg_ledger_options *opt, int64_t now,
                          mdlg_ledger **out) MDLG_WARN_UNUSED;

void mdlg_ledger_close(mdlg_ledger *l);

/*
 * Records `n` entries in one transaction (see top); gives each new one a
 * fresh random id and sets e->claim. On error nothing of the batch is
 * stored, and every e->result is freed and NULL. Errors: USAGE (missing
 * claim id, too many keys or content hashes, n == 0), LIMIT_STRING_SIZE,
 * STORE_UNAVAILABLE, and whatever decide returned.
 */
mdlg_err mdlg_ledger_record(mdlg_ledger *l, struct mdlg_ledger_entry *entries, size_t n,
                            mdlg_ledger_decide_fn decide, void *arg) MDLG_WARN_UNUSED;

/*
 * The stored result text of a screening (malloc'd, free() it) and its claim
 * id. STORE_NOT_FOUND if absent, expired at `now`, or not a well-formed id.
 */
mdlg_err mdlg_ledger_get(mdlg_ledger *l, const char *id, int64_t now, char **result_out,
                         char claim_id_out[MDLG_LEDGER_CLAIM_ID_MAX + 1]) MDLG_WARN_UNUSED;

/* One group of screenings sharing a hashed key. */
struct mdlg_ledger_cluster {
    uint16_t type;
    uint8_t key_id;
    uint8_t hash[MDLG_LEDGER_HASH];
    uint32_t claims;
    uint32_t identities;
    size_t n_sample;
    char sample[MDLG_LEDGER_RELATED_MAX][MDLG_LEDGER_ID_LEN + 1];  /* newest first */
};

/*
 * The largest groups (by claims, then identities) of unexpired rows sharing
 * (type, key_id, hash) with at least `min_claims` claims; type 0 = every
 * type. Fills out[0..cap), sets *n. No raw identifier exists to return.
 */
mdlg_err mdlg_ledger_clusters(mdlg_ledger *l, int64_t now, uint16_t type, uint32_t min_claims,
                              struct mdlg_ledger_cluster *out, size_t cap,
                              size_t *n) MDLG_WARN_UNUSED;

struct mdlg_ledger_purge_stats {
    uint64_t keys_deleted;
    uint64_t screenings_deleted;
};

/*
 * Deletes rows with expires_at <= now (keys, then screenings), in one
 * transaction; on SQLite it then checkpoints the WAL so deleted hashes leave
 * the log (on PostgreSQL dead rows go with autovacuum).
 */
mdlg_err mdlg_ledger_purge(mdlg_ledger *l, int64_t now,
                           struct mdlg_ledger_purge_stats *stats) MDLG_WARN_UNUSED;

/* "sqlite" or "postgres" (backend name), for readiness and tests. */
const char *mdlg_ledger_backend(const mdlg_ledger *l);

#endif
