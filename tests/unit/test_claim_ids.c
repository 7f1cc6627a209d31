/*
 * test_claim_ids.c - claim ids as idempotency keys (mdlg/ledger.h, struct
 * mdlg_ledger_entry; mdlg/screen.h, mdlg_screen_batch), on SQLite and on
 * PostgreSQL ($MDLG_TEST_PG_URL, started by make test; skipped with the
 * reason without it), each case in its own file or schema:
 *
 *   ledger level (table-driven): an earlier unexpired screening of the claim
 *   id with the same content hash -> SAME (its id and stored result, no new
 *   row), other content -> CONFLICT, no content hash stored or a key no longer
 *   given -> SAME, an expired one -> NEW, a repeat inside one batch;
 *   screener level: member order does not matter, one changed field does,
 *   key rotation keeps recognising a claim, a conflict leaves no row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "mdlg/screen.h"
#include "testutil.h"

#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */
#define DAY 86400

static const char *pg_url;       /* NULL: the SQLite group; else $MDLG_TEST_PG_URL */

struct fx {
    char dir[64];
    char url[1024];              /* SQLite file, or the URL of this case's schema */
    char schema[48];
    PGconn *pg;
    mdlg_ledger *l;
};

static void pg_must(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
}

/* A schema of its own for the case (dropped in teardown). */
static void pg_setup(struct fx *f)
{
    static unsigned seq;
    char sql[160];
    snprintf(f->schema, sizeof f->schema, "mdlg_c%ld_%u", (long)getpid(), ++seq);
    f->pg = PQconnectdb(pg_url);
    if (PQstatus(f->pg) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(f->pg));
    pg_must(f->pg, "SET client_min_messages TO warning");
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    pg_must(f->pg, sql);
    snprintf(f->url, sizeof f->url, "%s%coptions=-csearch_path%%3D%s", pg_url,
             strchr(pg_url, '?') != NULL ? '&' : '?', f->schema);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mdlg-claimid-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->url, sizeof f->url, "%s/ledger.db", f->dir);
    if (pg_url != NULL)
        pg_setup(f);
    assert_int_equal(mdlg_ledger_open(f->url, NULL, T0, &f->l), MDLG_E_OK);
    assert_string_equal(mdlg_ledger_backend(f->l), pg_url ? "postgres" : "sqlite");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    mdlg_ledger_close(f->l);
    if (!mdlg_test_rm_tree(f->dir))
        return -1;
    if (f->pg != NULL) {
        snprintf(cmd, sizeof cmd, "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        PQclear(PQexec(f->pg, cmd));
        PQfinish(f->pg);
    }
    free(f);
    return 0;
}

/* ---- ledger level ---- */

static int decided;

static mdlg_err decide(void *arg, struct mdlg_ledger_entry *e, const struct mdlg_ledger_stats *st)
{
    (void)arg, (void)st;
    char buf[64];
    decided++;
    snprintf(buf, sizeof buf, "{\"id\":\"%s\"}", e->id);
    e->result = strdup(buf);
    return e->result ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

/* An entry for claim `cid` at time t with content (key_id, fill) pairs; fill 0 ends. */
static void entry(struct mdlg_ledger_entry *e, const char *cid, int64_t t, int64_t keep,
                  const uint8_t (*content)[2])
{
    memset(e, 0, sizeof *e);
    e->claim_id = cid;
    e->created_at = t;
    e->expires_at = t + keep;
    for (size_t i = 0; content != NULL && content[i][1] != 0; i++) {
        e->content[i].key_id = content[i][0];
        memset(e->content[i].hash, content[i][1], MDLG_LEDGER_HASH);
        e->n_content = i + 1;
    }
}

struct ledger_case {
    const char *name;
    uint8_t first[3][2];           /* content of the first screening ({key id, fill}) */
    int64_t first_keep;            /* its lifetime */
    uint8_t second[3][2];          /* content of the second, one day later */
    enum mdlg_ledger_claim want;
};

static const struct ledger_case ledger_cases[] = {
    { "same content", { { 1, 0xa1 } }, 30 * DAY, { { 1, 0xa1 } }, MDLG_LEDGER_CLAIM_SAME },
    { "other content", { { 1, 0xa1 } }, 30 * DAY, { { 1, 0xb2 } }, MDLG_LEDGER_CLAIM_CONFLICT },
    { "rotated: new key first, old key matches", { { 1, 0xa1 } }, 30 * DAY,
      { { 2, 0xc3 }, { 1, 0xa1 } }, MDLG_LEDGER_CLAIM_SAME },
    { "rotated: old key differs", { { 1, 0xa1 } }, 30 * DAY, { { 2, 0xc3 }, { 1, 0xb2 } },
      MDLG_LEDGER_CLAIM_CONFLICT },
    { "stored under a key no longer given", { { 1, 0xa1 } }, 30 * DAY, { { 2, 0xc3 } },
      MDLG_LEDGER_CLAIM_SAME },
    { "stored without a content hash", { { 0 } }, 30 * DAY, { { 1, 0xa1 } },
      MDLG_LEDGER_CLAIM_SAME },
    { "the earlier one expired", { { 1, 0xa1 } }, DAY / 2, { { 1, 0xb2 } },
      MDLG_LEDGER_CLAIM_NEW },
};

static void test_ledger_table(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof ledger_cases / sizeof ledger_cases[0]; i++) {
        const struct ledger_case *c = &ledger_cases[i];
        char cid[32], first_id[MDLG_LEDGER_ID_LEN + 1], *res = NULL, got[MDLG_LEDGER_CLAIM_ID_MAX + 1];
        struct mdlg_ledger_entry e;
        snprintf(cid, sizeof cid, "case-%zu", i);
        print_message("case: %s\n", c->name);
        entry(&e, cid, T0, c->first_keep, c->first[0][1] ? c->first : NULL);
        assert_int_equal(mdlg_ledger_record(f->l, &e, 1, decide, NULL), MDLG_E_OK);
        assert_int_equal(e.claim, MDLG_LEDGER_CLAIM_NEW);
        memcpy(first_id, e.id, sizeof first_id);
        free(e.result);
        decided = 0;
        entry(&e, cid, T0 + DAY, 30 * DAY, c->second);
        assert_int_equal(mdlg_ledger_record(f->l, &e, 1, decide, NULL), MDLG_E_OK);
        assert_int_equal(e.claim, c->want);
        assert_int_equal(decided, c->want == MDLG_LEDGER_CLAIM_NEW);
        assert_true((strcmp(e.id, first_id) == 0) == (c->want != MDLG_LEDGER_CLAIM_NEW));
        if (c->want == MDLG_LEDGER_CLAIM_SAME) {   /* the stored result comes back */
            assert_non_null(e.result);
            assert_non_null(strstr(e.result, first_id));
        } else if (c->want == MDLG_LEDGER_CLAIM_CONFLICT) {
            assert_null(e.result);
        }
        free(e.result);
        /* no row was added unless NEW: the first screening is still the only one readable */
        assert_int_equal(mdlg_ledger_get(f->l, first_id, T0 + 1, &res, got), MDLG_E_OK);
        assert_string_equal(got, cid);
        free(res);
    }
}

static void test_ledger_batch_repeat(void **state)
{
    struct fx *f = *state;
    static const uint8_t a[][2] = { { 1, 0x11 }, { 0, 0 } }, b[][2] = { { 1, 0x22 }, { 0, 0 } };
    struct mdlg_ledger_entry e[3];
    entry(&e[0], "batch-1", T0, 30 * DAY, a);
    entry(&e[1], "batch-1", T0 + 1, 30 * DAY, a);
    entry(&e[2], "batch-1", T0 + 2, 30 * DAY, b);
    decided = 0;
    assert_int_equal(mdlg_ledger_record(f->l, e, 3, decide, NULL), MDLG_E_OK);
    assert_int_equal(decided, 1);
    assert_int_equal(e[0].claim, MDLG_LEDGER_CLAIM_NEW);
    assert_int_equal(e[1].claim, MDLG_LEDGER_CLAIM_SAME);
    assert_int_equal(e[2].claim, MDLG_LEDGER_CLAIM_CONFLICT);
    assert_string_equal(e[1].id, e[0].id);
    assert_string_equal(e[2].id, e[0].id);
    assert_string_equal(e[1].result, e[0].result);
    for (int i = 0; i < 3; i++)
        free(e[i].result);
    /* too many content hashes: refused */
    entry(&e[0], "batch-2", T0, DAY, NULL);
    e[0].n_content = MDLG_LEDGER_CONTENT_MAX + 1;
    assert_int_equal(mdlg_ledger_record(f->l, e, 1, decide, NULL), MDLG_E_USAGE);
}

/* ---- screener level ---- */

static mdlg_screener *screener(struct fx *f, const uint8_t *ids, size_t n)
{
    struct mdlg_screen_config cfg;
    mdlg_screener *s = NULL;
    mdlg_screen_config_defaults(&cfg);
    for (size_t i = 0; i < n; i++) {
        cfg.keys[i].id = ids[i];
        memset(cfg.keys[i].key, 0x40 + ids[i], sizeof cfg.keys[i].key);
    }
    cfg.n_keys = n;
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &s), MDLG_E_OK);
    return s;
}

/* Screens one claim; returns the item (json freed, id kept). */
static struct mdlg_screen_item screen1(mdlg_screener *s, int64_t now, const char *const *kv)
{
    struct mdlg_claim c;
    struct mdlg_screen_item it = { .claim = &c };
    mdlg_test_claim_set(&c, kv);
    assert_int_equal(mdlg_screen_batch(s, &it, 1, now), MDLG_E_OK);
    mdlg_screen_items_free(&it, 1);
    it.claim = NULL;
    return it;
}

static void test_screener_retry_and_conflict(void **state)
{
    struct fx *f = *state;
    static const uint8_t k1[] = { 1 }, k21[] = { 2, 1 };
    mdlg_screener *s = screener(f, k1, 1);
    const char *orig[] = { "claim_id=R1", "ssn=123-45-6789", "email=a.b@gmail.com",
                           "given_name=Ann", "family_name=Lee", "birth_date=1980-01-01", NULL };
    const char *reordered[] = { "given_name=Ann", "birth_date=1980-01-01", "email=a.b@gmail.com",
                                "claim_id=R1", "family_name=Lee", "ssn=123-45-6789", NULL };
    const char *changed[] = { "claim_id=R1", "ssn=123-45-6789", "email=a.b@gmail.com",
                              "given_name=Anne", "family_name=Lee", "birth_date=1980-01-01", NULL };
    const char *moved[] = { "claim_id=R1", "ssn=123-45-6789", "email=a.b@gmail.com",
                            "given_name=Lee", "family_name=Ann", "birth_date=1980-01-01",
                            NULL };   /* same texts, other fields */
    struct mdlg_screen_item a = screen1(s, T0, orig);
    assert_int_equal(a.err, MDLG_E_OK);
    assert_int_equal(a.claim_seen, MDLG_LEDGER_CLAIM_NEW);
    struct mdlg_screen_item b = screen1(s, T0 + 60, reordered);
    assert_int_equal(b.err, MDLG_E_OK);
    assert_int_equal(b.claim_seen, MDLG_LEDGER_CLAIM_SAME);
    assert_string_equal(b.id, a.id);
    struct mdlg_screen_item c = screen1(s, T0 + 120, changed);
    assert_int_equal(c.err, MDLG_E_CLAIM_ID_CONFLICT);
    assert_string_equal(c.id, a.id);
    struct mdlg_screen_item d = screen1(s, T0 + 130, moved);
    assert_int_equal(d.err, MDLG_E_CLAIM_ID_CONFLICT);
    mdlg_screener_free(s);
    /* rotation: new key 2 first, old key 1 after it: the claim is still recognised */
    s = screener(f, k21, 2);
    struct mdlg_screen_item e = screen1(s, T0 + 180, orig);
    assert_int_equal(e.claim_seen, MDLG_LEDGER_CLAIM_SAME);
    assert_string_equal(e.id, a.id);
    /* nothing but the first screening was recorded: a new claim on the SSN counts 2 */
    const char *other[] = { "claim_id=R2", "ssn=123-45-6789", "given_name=Bob",
                            "family_name=Ray", "birth_date=1981-02-02", NULL };
    struct mdlg_claim cl;
    struct mdlg_screen_item it = { .claim = &cl };
    mdlg_test_claim_set(&cl, other);
    assert_int_equal(mdlg_screen_batch(s, &it, 1, T0 + 240), MDLG_E_OK);
    assert_non_null(strstr(it.json, "\"signal\":\"ssn_multiple_identities\",\"key\":\"ssn\","
                                    "\"count\":2,"));
    mdlg_screen_items_free(&it, 1);
    mdlg_screener_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ledger_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_batch_repeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_screener_retry_and_conflict, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("claim ids on SQLite", tests, NULL, NULL);
    return failed + mdlg_test_run_pg_group("claim ids on PostgreSQL", tests,
                                           sizeof tests / sizeof tests[0], &pg_url);
}
