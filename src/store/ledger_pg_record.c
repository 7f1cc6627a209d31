/*
 * ledger_pg_record.c - mdlg_ledger_record() on PostgreSQL.
 * see mdlg/ledger.h and store/ledger_pg.h
 *
 * A batch is one READ COMMITTED transaction that first takes the ledger's
 * advisory transaction lock (pg_advisory_xact_lock): writers of every
 * instance sharing the database queue on it, and because each later
 * statement of a READ COMMITTED transaction takes a fresh snapshot, the
 * lookups after the lock see every batch committed before it, and the
 * entries of this batch before them. Of two concurrent screenings sharing a
 * key, the later always counts the earlier. The isolation level is spelled
 * out: under a server default of REPEATABLE READ the snapshot would be
 * taken before the lock wait. The lock is released by COMMIT (acknowledged
 * only once flushed: synchronous_commit=on) or ROLLBACK; waiting for it is
 * bounded by lock_timeout (busy_timeout_ms), then STORE_UNAVAILABLE.
 *
 * Per entry: a lookup of its claim id (an earlier screening of it is not
 * screened again, see mdlg/ledger.h), then two statements: a lookup of all
 * its keys (unnest of array parameters, a LATERAL count per key plus its
 * newest related ids), then decide, then one insert of the screening and
 * its keys. The arrays are text literals of digits, hex and quoted state
 * codes, so no value needs more escaping than the state's. All three are
 * prepared once per connection (mdlg__pg_query_prepared).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/ledger_pg.h"

/* ---- array parameters ---- */

enum lp_arr { A_TYPE, A_KEY_ID, A_HASH, A_IDENTITY, A_PERSON, A_AUX, A_STATE, A_SINCE,
              A_VSINCE, A_EXPIRES, A_COUNT };

/* One element is at most 64 hex digits (+ a comma); two braces and a NUL. */
#define ARR_CAP (MDLG_LEDGER_MAX_KEYS * (2 * MDLG_LEDGER_HASH + 1) + 3)

struct lp_arrays {
    char a[A_COUNT][ARR_CAP];
    size_t len[A_COUNT];
};

/* Appends one element (already safe in an array literal; NULL: SQL NULL). */
static void arr_add(struct lp_arrays *x, enum lp_arr w, const char *elem)
{
    char *b = x->a[w];
    size_t *len = &x->len[w];
    int n = snprintf(b + *len, ARR_CAP - *len, "%s%s", *len > 1 ? "," : "",
                     elem != NULL ? elem : "NULL");
    if (n > 0)
        *len += (size_t)n < ARR_CAP - *len ? (size_t)n : 0;
}

static void arr_int(struct lp_arrays *x, enum lp_arr w, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    arr_add(x, w, num);
}

static void arr_hex(struct lp_arrays *x, enum lp_arr w, const uint8_t *h, size_t n, bool present)
{
    char hex[2 * MDLG_LEDGER_HASH + 1];
    if (present)
        sodium_bin2hex(hex, sizeof hex, h, n);
    arr_add(x, w, present ? hex : NULL);
}

/* A state code: letters and digits only, quoted; anything else is stored as NULL. */
static void arr_state(struct lp_arrays *x, const char state[3])
{
    char q[8];
    size_t n = strnlen(state, 2);
    bool ok = n > 0;
    for (size_t i = 0; i < n; i++)
        ok = ok && ((state[i] >= 'A' && state[i] <= 'Z') || (state[i] >= 'a' && state[i] <= 'z') ||
                    (state[i] >= '0' && state[i] <= '9'));
    snprintf(q, sizeof q, "\"%.2s\"", state);
    arr_add(x, A_STATE, ok ? q : NULL);
}

/* The arrays of one entry's keys, as of the entry's time. */
static void arrays_build(struct lp_arrays *x, const struct mdlg_ledger_entry *e)
{
    for (int w = 0; w < A_COUNT; w++) {
        memcpy(x->a[w], "{", 2);
        x->len[w] = 1;
    }
    for (size_t i = 0; i < e->n_keys; i++) {
        const struct mdlg_ledger_key *k = &e->keys[i];
        arr_int(x, A_TYPE, k->type);
        arr_int(x, A_KEY_ID, k->key_id);
        arr_hex(x, A_HASH, k->hash, MDLG_LEDGER_HASH, true);
        arr_hex(x, A_IDENTITY, k->identity, MDLG__LP_SIDE, true);
        arr_hex(x, A_PERSON, k->person, MDLG__LP_SIDE, k->has_person);
        arr_hex(x, A_AUX, k->aux, MDLG__LP_SIDE, k->has_aux);
        arr_state(x, k->state);
        arr_int(x, A_SINCE, e->created_at - k->window_s);
        arr_int(x, A_VSINCE, e->created_at - k->velocity_s);
        arr_int(x, A_EXPIRES, k->expires_at);
    }
    for (int w = 0; w < A_COUNT; w++)
        memcpy(x->a[w] + x->len[w], "}", 2);
}

/* ---- lookup ---- */

/*
 * Per key (in order): the unexpired rows of (type, key_id, hash) created
 * after since, plus the entry itself (the UNION ALL row, created now), as in
 * ledger_sqlite.c; and the newest earlier screening ids.
 */
static const char lookup_sql[] =
    "WITH k AS (SELECT ord, t::smallint AS type, kid::smallint AS key_id,"
    "  decode(h, 'hex') AS hash, since, vsince, decode(i, 'hex') AS identity,"
    "  decode(p, 'hex') AS person, st AS state, decode(a, 'hex') AS aux"
    " FROM unnest($2::int[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::text[],"
    "  $8::text[], $9::text[], $10::text[])"
    "  WITH ORDINALITY AS u(t, kid, h, since, vsince, i, p, st, a, ord))"
    " SELECT k.ord, s.c, s.i, s.p, s.st, s.a, s.r,"
    "  array_to_string(ARRAY(SELECT l.screening_id FROM ledger_keys l"
    "   WHERE l.type = k.type AND l.key_id = k.key_id AND l.hash = k.hash"
    "   AND l.created_at > k.since AND l.expires_at > $1"
    "   ORDER BY l.created_at DESC, l.screening_id DESC LIMIT $11), ',')"
    " FROM k CROSS JOIN LATERAL (SELECT count(*) AS c, count(DISTINCT x.identity) AS i,"
    "  count(DISTINCT x.person) AS p, count(DISTINCT x.state) AS st,"
    "  count(DISTINCT x.aux) AS a, count(*) FILTER (WHERE x.created_at > k.vsince) AS r"
    "  FROM (SELECT l.identity, l.person, l.state, l.aux, l.created_at FROM ledger_keys l"
    "   WHERE l.type = k.type AND l.key_id = k.key_id AND l.hash = k.hash"
    "   AND l.created_at > k.since AND l.expires_at > $1"
    "   UNION ALL SELECT k.identity, k.person, k.state, k.aux, $1) x) s"
    " ORDER BY k.ord";

static mdlg_err stats_row(const PGresult *r, int row, size_t n_keys,
                          struct mdlg_ledger_stats *stats)
{
    int64_t v[7];
    mdlg_err err = MDLG_E_OK;
    for (int i = 0; err == MDLG_E_OK && i < 7; i++)
        err = mdlg__pg_col_int(r, row, i, &v[i]);
    if (err != MDLG_E_OK || v[0] < 1 || (uint64_t)v[0] > n_keys)
        return MDLG_E_STORE_CORRUPT;
    struct mdlg_ledger_stats *s = &stats[v[0] - 1];
    uint32_t *f[] = { &s->claims, &s->identities, &s->persons, &s->states, &s->auxes,
                      &s->recent };
    for (int i = 0; i < 6; i++)
        *f[i] = (uint32_t)v[i + 1];
    return mdlg__lp_ids(PQgetvalue(r, row, 7), s->related, MDLG_LEDGER_RELATED_MAX,
                        &s->n_related);
}

static mdlg_err lookup(struct pg_conn *c, const struct mdlg_ledger_entry *e,
                       const struct lp_arrays *x, struct mdlg_ledger_stats *stats)
{
    static const enum lp_arr cols[] = { A_TYPE, A_KEY_ID, A_HASH, A_SINCE, A_VSINCE,
                                        A_IDENTITY, A_PERSON, A_STATE, A_AUX };
    struct pg_params p = { 0 };
    mdlg__pg_int(&p, e->created_at);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        mdlg__pg_text(&p, x->a[cols[i]]);
    mdlg__pg_int(&p, MDLG_LEDGER_RELATED_MAX);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query_prepared(c, MDLG__LP_SLOT_LOOKUP, lookup_sql, &p, &err);
    if (r != NULL && (size_t)PQntuples(r) != e->n_keys)
        err = MDLG_E_STORE_CORRUPT;
    for (int i = 0; r != NULL && err == MDLG_E_OK && i < PQntuples(r); i++)
        err = stats_row(r, i, e->n_keys, stats);
    PQclear(r);
    return err;
}

/* ---- insert ---- */

static const char insert_sql[] =
    "WITH s AS (INSERT INTO ledger_screenings (id, claim_id, created_at, expires_at, result,"
    "  content_key_id, content_hash) VALUES ($1, $2, $3, $4, $5, $14, $15))"
    " INSERT INTO ledger_keys (screening_id, type, key_id, hash, identity, person, aux, state,"
    "  created_at, expires_at)"
    " SELECT $1, t, kid, decode(h, 'hex'), decode(i, 'hex'), decode(p, 'hex'), decode(a, 'hex'),"
    "  st, $3, e"
    " FROM unnest($6::int[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[],"
    "  $12::text[], $13::bigint[]) AS u(t, kid, h, i, p, a, st, e)";

static mdlg_err insert(struct pg_conn *c, const struct mdlg_ledger_entry *e,
                       const struct lp_arrays *x)
{
    static const enum lp_arr cols[] = { A_TYPE, A_KEY_ID, A_HASH, A_IDENTITY, A_PERSON, A_AUX,
                                        A_STATE, A_EXPIRES };
    struct pg_params p = { 0 };
    mdlg__pg_text(&p, e->id);
    mdlg__pg_text(&p, e->claim_id);
    mdlg__pg_int(&p, e->created_at);
    mdlg__pg_int(&p, e->expires_at);
    mdlg__pg_text(&p, e->result);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        mdlg__pg_text(&p, x->a[cols[i]]);
    if (e->n_content > 0)
        mdlg__pg_int(&p, e->content[0].key_id);
    else
        mdlg__pg_text(&p, NULL);
    mdlg__pg_bytes(&p, mdlg_bytes_make(e->content[0].hash,
                                       e->n_content > 0 ? MDLG_LEDGER_HASH : 0));
    mdlg_err err = MDLG_E_OK;
    PQclear(mdlg__pg_query_prepared(c, MDLG__LP_SLOT_INSERT, insert_sql, &p, &err));
    return err;
}

/* ---- claim ids ---- */

static const char claim_sql[] =
    "SELECT id, content_key_id, encode(content_hash, 'hex'), result FROM ledger_screenings"
    " WHERE claim_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id DESC LIMIT 1";

/* An earlier unexpired screening of e's claim id: sets e->claim (and id, result if SAME). */
static mdlg_err find_claim(struct pg_conn *c, struct mdlg_ledger_entry *e)
{
    struct pg_params p = { 0 };
    char hex[2 * MDLG_LEDGER_HASH + 1] = "";
    uint8_t hash[MDLG_LEDGER_HASH];
    size_t len = 0;
    int64_t kid = 0;
    mdlg__pg_text(&p, e->claim_id);
    mdlg__pg_int(&p, e->created_at);
    mdlg_err err = MDLG_E_OK;
    PGresult *r = mdlg__pg_query_prepared(c, MDLG__LP_SLOT_CLAIM, claim_sql, &p, &err);
    if (r == NULL || PQntuples(r) == 0) {
        PQclear(r);
        return err;
    }
    bool stored = !PQgetisnull(r, 0, 1) && !PQgetisnull(r, 0, 2);
    err = mdlg__pg_col_text(r, 0, 0, e->id, sizeof e->id);
    if (err == MDLG_E_OK && stored && (mdlg__pg_col_int(r, 0, 1, &kid) != MDLG_E_OK ||
        mdlg__pg_col_text(r, 0, 2, hex, sizeof hex) != MDLG_E_OK ||
        sodium_hex2bin(hash, sizeof hash, hex, strlen(hex), NULL, &len, NULL) != 0))
        err = MDLG_E_STORE_CORRUPT;
    if (err == MDLG_E_OK)
        e->claim = mdlg__ledger_claim_compare(e, stored, (unsigned)kid, hash, len);
    if (err == MDLG_E_OK && e->claim == MDLG_LEDGER_CLAIM_SAME &&
        (e->result = mdlg__pg_col_dup(r, 0, 3, &err)) == NULL && err == MDLG_E_OK)
        err = MDLG_E_STORE_CORRUPT;
    PQclear(r);
    return err;
}

/* ---- record ---- */

/* Looks up, decides and inserts one entry on the open transaction. */
static mdlg_err record_one(struct pg_conn *c, struct mdlg_ledger_entry *e, struct lp_arrays *x,
                           struct mdlg_ledger_stats *stats, mdlg_ledger_decide_fn decide,
                           void *arg)
{
    mdlg_err err = find_claim(c, e);
    if (err != MDLG_E_OK || e->claim != MDLG_LEDGER_CLAIM_NEW)
        return err;
    memset(stats, 0, e->n_keys * sizeof *stats);
    arrays_build(x, e);
    if (e->n_keys > 0)
        err = lookup(c, e, x, stats);
    if (err == MDLG_E_OK)
        err = decide(arg, e, stats);
    if (err == MDLG_E_OK && (e->result == NULL || strlen(e->result) > MDLG_LEDGER_RESULT_MAX))
        err = e->result == NULL ? MDLG_E_INTERNAL : MDLG_E_LIMIT_STRING_SIZE;
    return err == MDLG_E_OK ? insert(c, e, x) : err;
}

mdlg_err mdlg__lp_record(void *impl, struct mdlg_ledger_entry *e, size_t n,
                         mdlg_ledger_decide_fn decide, void *arg)
{
    struct pg_conn *c;
    struct lp_arrays *x = malloc(sizeof *x);
    struct mdlg_ledger_stats *stats = malloc(MDLG_LEDGER_MAX_KEYS * sizeof *stats);
    mdlg_err err = x != NULL && stats != NULL ? mdlg__pg_acquire(impl, &c) : MDLG_E_NO_MEMORY;
    if (err == MDLG_E_OK) {
        err = mdlg__pg_exec(c, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL);
        if (err == MDLG_E_OK)
            err = mdlg__pg_exec(c, "SELECT pg_advisory_xact_lock(" MDLG__LP_WRITE_LOCK ")", NULL);
        for (size_t i = 0; err == MDLG_E_OK && i < n; i++)
            err = record_one(c, &e[i], x, stats, decide, arg);
        err = mdlg__pg_end(c, err);
        mdlg__pg_release(impl, c);
    }
    free(x);
    free(stats);
    return err;
}
