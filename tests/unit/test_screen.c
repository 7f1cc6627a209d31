/*
 * test_screen.c - the identifier ledger and claim screening, on both
 * backends: signals (one Gmail mailbox behind three aliases, one SSN behind
 * several identities and states, one bank account fanning out, velocity,
 * mDL reuse and mismatch), score and recommendation, key rotation,
 * retention (expired rows not counted, purge), clusters, concurrency
 * (threads on separate handles see each other), and no plaintext identifier
 * at rest (the SQLite files; a pg_dump of the PostgreSQL schema).
 *
 * main() runs every common case on SQLite, then again on PostgreSQL at
 * $MDLG_TEST_PG_URL (`make test` starts a throwaway server, see
 * tests/support/with-postgres.sh); without it the PostgreSQL group is one
 * skipped case that prints why. On PostgreSQL each case works in its own
 * schema (the ledger's URL sets search_path to it; dropped at the end).
 */
#define _GNU_SOURCE   /* memmem */
#include <glob.h>
#include <pthread.h>
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
#include "mdlg/store.h"
#include "testutil.h"

#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */
#define DAY 86400

enum backend { SQLITE, POSTGRES };
static enum backend bk;          /* the group being run */
static const char *pg_url;       /* $MDLG_TEST_PG_URL */

struct fx {
    char dir[64];
    char db[96];                 /* SQLite: the ledger file */
    char schema[48];             /* PostgreSQL: this case's schema */
    char url[1024];              /* what the ledger opens */
    PGconn *pg;                  /* PostgreSQL: the test's own connection */
    mdlg_ledger *l;
    mdlg_screener *s;
    struct mdlg_screen_config cfg;
};

static void pg_must(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
}

/* One integer from the test's own connection (in the case's schema). */
static long long pg_int(const struct fx *f, const char *sql)
{
    PGresult *r = PQexec(f->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(f->pg));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void pg_setup(struct fx *f)
{
    static unsigned seq;
    char sql[160];
    snprintf(f->schema, sizeof f->schema, "mdlg_s%ld_%u", (long)getpid(), ++seq);
    f->pg = PQconnectdb(pg_url);
    if (PQstatus(f->pg) != CONNECTION_OK)
        fail_msg("connect %s: %s", pg_url, PQerrorMessage(f->pg));
    pg_must(f->pg, "SET client_min_messages TO warning");
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
    pg_must(f->pg, sql);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    pg_must(f->pg, sql);
    snprintf(sql, sizeof sql, "SET search_path TO %s", f->schema);
    pg_must(f->pg, sql);
    snprintf(f->url, sizeof f->url, "%s%coptions=-csearch_path%%3D%s&application_name=%s",
             pg_url, strchr(pg_url, '?') != NULL ? '&' : '?', f->schema, f->schema);
}

static void key_of(struct mdlg_ident_key *k, uint8_t id, uint8_t fill)
{
    k->id = id;
    memset(k->key, fill, sizeof k->key);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mdlg-screen-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/ledger.db", f->dir);
    snprintf(f->url, sizeof f->url, "%s", f->db);
    if (bk == POSTGRES)
        pg_setup(f);
    mdlg_screen_config_defaults(&f->cfg);
    key_of(&f->cfg.keys[0], 1, 0x42);
    f->cfg.n_keys = 1;
    assert_int_equal(mdlg_ledger_open(f->url, NULL, T0, &f->l), MDLG_E_OK);
    assert_string_equal(mdlg_ledger_backend(f->l), bk == SQLITE ? "sqlite" : "postgres");
    assert_int_equal(mdlg_screener_new(&f->cfg, f->l, &f->s), MDLG_E_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    mdlg_screener_free(f->s);
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

/* Screens one claim; returns its result JSON (caller frees). */
static char *screen1(struct fx *f, int64_t now, struct mdlg_screen_item *it, const char *const *kv)
{
    struct mdlg_claim c;
    mdlg_test_claim_set(&c, kv);
    memset(it, 0, sizeof *it);
    it->claim = &c;
    assert_int_equal(mdlg_screen_batch(f->s, it, 1, now), MDLG_E_OK);
    assert_int_equal(it->err, MDLG_E_OK);
    assert_non_null(it->json);
    return it->json;
}

/* The "count" of signal `name` (on key `key` if not NULL) in a result, or -1 if absent. */
static int signal_count(const char *json, const char *name, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "{\"signal\":\"%s\",", name);
    for (const char *p = strstr(json, pat); p != NULL; p = strstr(p + 1, pat)) {
        const char *end = strchr(p, '}');
        char kp[64];
        snprintf(kp, sizeof kp, "\"key\":\"%s\"", key ? key : "");
        if (key != NULL && (memmem(p, (size_t)(end - p), kp, strlen(kp)) == NULL))
            continue;
        const char *c = strstr(p, "\"count\":");
        return c != NULL && c < end ? atoi(c + 8) : -1;
    }
    return -1;
}

static void test_gmail_aliases(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *mails[] = { "John.Smith+ui@gmail.com", "johnsmith@googlemail.com",
                            "j.o.h.n.smith@gmail.com" };
    const char *names[] = { "Ann", "Bob", "Cid" };
    char *last = NULL;
    for (int i = 0; i < 3; i++) {
        char id[32], mail[64], given[32];
        snprintf(id, sizeof id, "claim_id=C%d", i);
        snprintf(mail, sizeof mail, "email=%s", mails[i]);
        snprintf(given, sizeof given, "given_name=%s", names[i]);
        const char *kv[] = { id, mail, given, "family_name=Smith", "birth_date=1980-01-0" "1",
                             NULL };
        free(last);
        last = screen1(f, T0 + i * 60, &it, kv);
        if (i < 2)
            assert_int_equal(signal_count(last, "email_mailbox_shared", NULL), i == 1 ? 2 : -1);
    }
    /* one mailbox signal, count 3, with the two earlier screenings related */
    assert_int_equal(signal_count(last, "email_mailbox_shared", NULL), 3);
    assert_non_null(strstr(last, "written as 3 different addresses, by 3 different identities"));
    const char *first = strstr(last, "email_mailbox_shared");
    assert_null(strstr(first + 1, "email_mailbox_shared"));
    assert_true(it.review || it.score >= 40);
    free(last);
    /* a different Gmail mailbox (john-smith is not johnsmith) does not join */
    const char *kv[] = { "claim_id=C9", "email=john-smith@gmail.com", NULL };
    last = screen1(f, T0 + 600, &it, kv);
    assert_int_equal(signal_count(last, "email_mailbox_shared", NULL), -1);
    free(last);
}

static void test_ssn_identities_and_states(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *who[][3] = { { "Ann", "Lee", "CA" }, { "Bob", "Ray", "NV" }, { "Cid", "Moe", "CA" },
                             { "Ann", "Lee", "CA" } };
    int want_ids[] = { -1, 2, 3, 3 }, want_states[] = { -1, 2, 2, 2 };
    for (int i = 0; i < 4; i++) {
        char id[32], g[32], fam[32], st[32];
        snprintf(id, sizeof id, "claim_id=S%d", i);
        snprintf(g, sizeof g, "given_name=%s", who[i][0]);
        snprintf(fam, sizeof fam, "family_name=%s", who[i][1]);
        snprintf(st, sizeof st, "claim_state=%s", who[i][2]);
        const char *kv[] = { id, g, fam, st, "birth_date=1970-05-05", "ssn=123-45-6789", NULL };
        char *j = screen1(f, T0 + i, &it, kv);
        assert_int_equal(signal_count(j, "ssn_multiple_identities", "ssn"), want_ids[i]);
        assert_int_equal(signal_count(j, "ssn_multiple_states", "ssn"), want_states[i]);
        if (i > 0)
            assert_string_equal(mdlg_signal_name(MDLG_SIG_SSN_MULTIPLE_IDENTITIES),
                                "ssn_multiple_identities");
        if (i > 0) {   /* hard signal: review whatever the score */
            assert_true(it.review);
            assert_null(strstr(j, "123456789"));
            assert_null(strstr(j, "123-45-6789"));
        }
        free(j);
    }
}

static void test_bank_fanout_and_velocity(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    for (int i = 0; i < 6; i++) {
        char id[32], ssn[32];
        snprintf(id, sizeof id, "claim_id=B%d", i);
        snprintf(ssn, sizeof ssn, "ssn=123-45-67%02d", 10 + i);
        const char *kv[] = { id, ssn, "bank_routing=011000015", "bank_account=00099887766",
                             NULL };
        char *j = screen1(f, T0 + i * 3600, &it, kv);
        assert_int_equal(signal_count(j, "bank_account_fanout", "bank_account"), i >= 1 ? i + 1 : -1);
        /* velocity: >= 5 claims on one key within 24 h */
        assert_int_equal(signal_count(j, "velocity", "bank_account"), i >= 4 ? i + 1 : -1);
        free(j);
    }
    /* outside the velocity window the burst no longer counts, the fan-out still does */
    const char *kv[] = { "claim_id=B9", "ssn=123-45-6799", "bank_routing=011000015",
                         "bank_account=99887766", NULL };
    char *j = screen1(f, T0 + 10 * DAY, &it, kv);
    assert_int_equal(signal_count(j, "velocity", "bank_account"), -1);
    assert_int_equal(signal_count(j, "bank_account_fanout", "bank_account"), 7);
    free(j);
}

static void test_score_and_recommendation(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *clean[] = { "claim_id=K1", "given_name=Zoe", "family_name=Ng",
                            "birth_date=1991-01-01", "ssn=219-09-9999", "email=zoe.ng@example.org",
                            NULL };
    char *j = screen1(f, T0, &it, clean);
    assert_int_equal(it.score, 0);
    assert_false(it.review);
    assert_non_null(strstr(j, "\"recommendation\":\"clear\""));
    assert_null(strstr(j, "deny"));
    free(j);
    /* verified mDL whose name and DOB disagree, issued out of state, invalid phone */
    const char *bad[] = { "claim_id=K2", "given_name=Zoe", "family_name=Ng",
                          "birth_date=1991-01-01", "claim_state=ny", "mdl_verified=true",
                          "mdl_jurisdiction=US-CA", "mdl_document_number=D1234567",
                          "mdl_given_name=Zoey", "mdl_family_name=Ng",
                          "mdl_birth_date=1991-01-02", "phone=12", NULL };
    j = screen1(f, T0, &it, bad);
    assert_int_equal(signal_count(j, "mdl_name_mismatch", NULL), 1);
    assert_int_equal(signal_count(j, "mdl_birth_date_mismatch", NULL), 1);
    assert_int_equal(signal_count(j, "mdl_out_of_state", "mdl_document"), 1);
    assert_int_equal(signal_count(j, "invalid_identifier", NULL), 1);
    assert_int_equal(it.score, 100);   /* 50 + 50 + 10 + 10, capped */
    assert_true(it.review);
    assert_non_null(strstr(j, "{\"field\":\"phone\",\"reason\":\"phone_not_nanp_no_country_code\"}"));
    free(j);
    /* weights come from the configuration: a zero weight silences a signal */
    f->cfg.sig[MDLG_SIG_MDL_NAME_MISMATCH].weight = 0;
    f->cfg.sig[MDLG_SIG_MDL_BIRTH_DATE_MISMATCH].hard = false;
    f->cfg.review_threshold = 90;
    mdlg_screener *s2;
    assert_int_equal(mdlg_screener_new(&f->cfg, f->l, &s2), MDLG_E_OK);
    mdlg_screener *keep = f->s;
    f->s = s2;
    const char *bad2[] = { "claim_id=K3", "given_name=Zoe", "family_name=Ng",
                           "birth_date=1991-01-01", "mdl_verified=true",
                           "mdl_given_name=Zoey", "mdl_family_name=Ng",
                           "mdl_birth_date=1991-01-02", NULL };
    j = screen1(f, T0, &it, bad2);
    assert_int_equal(signal_count(j, "mdl_name_mismatch", NULL), -1);
    assert_int_equal(it.score, 50);
    assert_false(it.review);
    free(j);
    f->s = keep;
    mdlg_screener_free(s2);
}

static void test_mdl_reuse(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *tp = "mdl_device_key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const char *a[] = { "claim_id=M1", "ssn=234-56-7890", "mdl_jurisdiction=CA",
                        "mdl_document_number=D1", tp, NULL };
    const char *b[] = { "claim_id=M2", "ssn=234-56-7891", "mdl_jurisdiction=US-CA",
                        "mdl_document_number=d-1", NULL };
    const char *c[] = { "claim_id=M3", "ssn=234-56-7890", "mdl_jurisdiction=US-CA",
                        "mdl_document_number=D2", tp, NULL };
    free(screen1(f, T0, &it, a));
    char *j = screen1(f, T0 + 1, &it, b);
    assert_int_equal(signal_count(j, "mdl_document_reuse", "mdl_document"), 2);
    free(j);
    j = screen1(f, T0 + 2, &it, c);   /* same device key, another document */
    assert_int_equal(signal_count(j, "mdl_device_key_reuse", "mdl_device_key"), 2);
    free(j);
}

static void test_bad_claims(void **state)
{
    struct fx *f = *state;
    struct mdlg_claim c[3];
    struct mdlg_screen_item it[3];
    const char *ok[] = { "claim_id=G1", NULL };
    const char *noid[] = { "ssn=123-45-6789", NULL };
    const char *future[] = { "claim_id=G3", "filed_at=2099-01-01T00:00:00Z", NULL };
    mdlg_test_claim_set(&c[0], noid);
    mdlg_test_claim_set(&c[1], ok);
    mdlg_test_claim_set(&c[2], future);
    memset(it, 0, sizeof it);
    for (int i = 0; i < 3; i++)
        it[i].claim = &c[i];
    assert_int_equal(mdlg_screen_batch(f->s, it, 3, T0), MDLG_E_OK);
    assert_int_equal(it[0].err, MDLG_E_CLAIM_INVALID);
    assert_string_equal(it[0].bad_reason, "claim_id_missing");
    assert_int_equal(it[1].err, MDLG_E_OK);
    assert_non_null(it[1].json);
    assert_int_equal(it[2].err, MDLG_E_CLAIM_INVALID);
    assert_string_equal(it[2].bad_field, "filed_at");
    char *res = NULL, cid[MDLG_LEDGER_CLAIM_ID_MAX + 1];
    assert_int_equal(mdlg_ledger_get(f->l, it[1].id, T0, &res, cid), MDLG_E_OK);
    assert_string_equal(res, it[1].json);
    assert_string_equal(cid, "G1");
    free(res);
    assert_int_equal(mdlg_ledger_get(f->l, "nope", T0, &res, cid), MDLG_E_STORE_NOT_FOUND);
    mdlg_screen_items_free(it, 3);
}

static void test_key_missing_and_rotation(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_config cfg = f->cfg;
    mdlg_screener *s = NULL;
    cfg.n_keys = 0;
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &s), MDLG_E_LEDGER_KEY_MISSING);
    cfg.n_keys = 2;
    cfg.keys[1] = cfg.keys[0];
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &s), MDLG_E_LEDGER_KEY_INVALID);
    /* key 1 has history; rotate to [2, 1]: old history still counts, writes go under both */
    struct mdlg_screen_item it;
    const char *a[] = { "claim_id=R1", "given_name=Al", "family_name=X", "birth_date=1960-01-01",
                        "ssn=345-67-8901", NULL };
    const char *b[] = { "claim_id=R2", "given_name=Bo", "family_name=Y", "birth_date=1961-01-01",
                        "ssn=345-67-8901", NULL };
    const char *c[] = { "claim_id=R3", "given_name=Cy", "family_name=Z", "birth_date=1962-01-01",
                        "ssn=345-67-8901", NULL };
    free(screen1(f, T0, &it, a));
    key_of(&cfg.keys[0], 2, 0x77);
    key_of(&cfg.keys[1], 1, 0x42);
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &s), MDLG_E_OK);
    mdlg_screener *old = f->s;
    f->s = s;
    char *j = screen1(f, T0 + 1, &it, b);
    assert_int_equal(signal_count(j, "ssn_multiple_identities", "ssn"), 2);
    assert_non_null(strstr(j, "\"key_id\":2"));
    free(j);
    mdlg_screener_free(s);
    /* key 1 retired: key 2 alone knows R2 (dual-written), not R1 */
    cfg.n_keys = 1;
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &s), MDLG_E_OK);
    f->s = s;
    j = screen1(f, T0 + 2, &it, c);
    assert_int_equal(signal_count(j, "ssn_multiple_identities", "ssn"), 2);
    free(j);
    f->s = old;
    mdlg_screener_free(s);
}

static void test_purge(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *a[] = { "claim_id=P1", "ip=198.51.100.7", "ssn=456-78-9012", NULL };
    char *j = screen1(f, T0, &it, a);
    char id[MDLG_LEDGER_ID_LEN + 1];
    memcpy(id, it.id, sizeof id);
    free(j);
    struct mdlg_ledger_purge_stats ps;
    assert_int_equal(mdlg_ledger_purge(f->l, T0 + 179 * DAY, &ps), MDLG_E_OK);
    assert_int_equal(ps.keys_deleted, 0);
    assert_int_equal(mdlg_ledger_purge(f->l, T0 + 181 * DAY, &ps), MDLG_E_OK);
    assert_int_equal(ps.keys_deleted, 2);     /* ip and ip_prefix: 180 days */
    assert_int_equal(ps.screenings_deleted, 0);
    char *res, cid[MDLG_LEDGER_CLAIM_ID_MAX + 1];
    assert_int_equal(mdlg_ledger_get(f->l, id, T0 + 399 * DAY, &res, cid), MDLG_E_OK);
    free(res);
    assert_int_equal(mdlg_ledger_get(f->l, id, T0 + 400 * DAY, &res, cid), MDLG_E_STORE_NOT_FOUND);
    assert_int_equal(mdlg_ledger_purge(f->l, T0 + 400 * DAY, &ps), MDLG_E_OK);
    assert_int_equal(ps.keys_deleted, 1);
    assert_int_equal(ps.screenings_deleted, 1);
    struct mdlg_ledger_cluster cl[4];
    size_t n = 9;
    assert_int_equal(mdlg_ledger_clusters(f->l, T0, 0, 1, cl, 4, &n), MDLG_E_OK);
    assert_int_equal(n, 0);
}

static void test_clusters(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    for (int i = 0; i < 4; i++) {
        char id[32], ssn[32];
        snprintf(id, sizeof id, "claim_id=L%d", i);
        snprintf(ssn, sizeof ssn, "ssn=567-89-%04d", 1000 + i);
        const char *kv[] = { id, ssn, "phone=415-555-2671", i < 2 ? "device_id=dev-1" : NULL, NULL };
        free(screen1(f, T0 + i, &it, kv));
    }
    struct mdlg_ledger_cluster cl[8];
    size_t n = 0;
    assert_int_equal(mdlg_ledger_clusters(f->l, T0 + 10, 0, 2, cl, 8, &n), MDLG_E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(cl[0].type, MDLG_IDENT_PHONE);
    assert_int_equal(cl[0].claims, 4);
    assert_int_equal(cl[0].identities, 4);
    assert_int_equal(cl[0].n_sample, 4);
    assert_int_equal(cl[1].type, MDLG_IDENT_DEVICE);
    assert_int_equal(cl[1].claims, 2);
    assert_int_equal(mdlg_ledger_clusters(f->l, T0 + 10, MDLG_IDENT_DEVICE, 2, cl, 8, &n), MDLG_E_OK);
    assert_int_equal(n, 1);
}

/* ---- concurrency: threads with their own handles (two "instances") ---- */

#define THREADS 4
#define PER_THREAD 8

struct worker {
    struct fx *f;
    int idx;
    int counts[PER_THREAD];
    mdlg_err err;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    mdlg_ledger *l = NULL;
    mdlg_screener *s = NULL;
    w->err = mdlg_ledger_open(w->f->url, NULL, T0, &l);
    if (w->err == MDLG_E_OK)
        w->err = mdlg_screener_new(&w->f->cfg, l, &s);
    for (int i = 0; w->err == MDLG_E_OK && i < PER_THREAD; i++) {
        char id[32], ssn[32];
        struct mdlg_claim c;
        snprintf(id, sizeof id, "claim_id=T%d-%d", w->idx, i);
        snprintf(ssn, sizeof ssn, "ssn=678-90-%04d", w->idx * 100 + i + 1);
        const char *kv[] = { id, ssn, "device_id=shared-device", NULL };
        mdlg_test_claim_set(&c, kv);
        struct mdlg_screen_item it = { .claim = &c };
        w->err = mdlg_screen_batch(s, &it, 1, T0 + 5);
        w->counts[i] = w->err == MDLG_E_OK ? signal_count(it.json, "device_fanout", "device") : -2;
        free(it.json);
    }
    mdlg_screener_free(s);
    mdlg_ledger_close(l);
    return NULL;
}

static void test_concurrent_same_key(void **state)
{
    struct fx *f = *state;
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){ .f = f, .idx = i };
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    /* every screening saw all those committed before it: counts are exactly 1..N */
    int seen[THREADS * PER_THREAD + 1] = { 0 };
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].err, MDLG_E_OK);
        for (int j = 0; j < PER_THREAD; j++) {
            int c = w[i].counts[j] < 0 ? 1 : w[i].counts[j];
            assert_true(c >= 1 && c <= THREADS * PER_THREAD);
            seen[c]++;
        }
    }
    for (int c = 1; c <= THREADS * PER_THREAD; c++)
        assert_int_equal(seen[c], 1);
}

/* ---- no plaintext at rest ---- */

static bool file_has(const char *path, const char *needle)
{
    size_t n = 0;
    uint8_t *buf = mdlg_test_read_file(path, &n);
    bool hit = buf != NULL && memmem(buf, n, needle, strlen(needle)) != NULL;
    free(buf);
    return hit;
}

/* pg_dump of the server's version (the newest installed), else the one on PATH. */
static void pg_dump_schema(const struct fx *f, const char *out)
{
    glob_t g;
    char bin[256] = "pg_dump", cmd[2048];
    if (glob("/usr/lib/postgresql/*/bin/pg_dump", 0, NULL, &g) == 0 && g.gl_pathc > 0)
        snprintf(bin, sizeof bin, "%s", g.gl_pathv[g.gl_pathc - 1]);
    globfree(&g);
    snprintf(cmd, sizeof cmd, "'%s' --dbname='%s' --schema=%s --no-owner -f '%s' 2>/dev/null",
             bin, pg_url, f->schema, out);
    if (system(cmd) != 0) {
        print_message("[  SKIPPED ] no working pg_dump (%s)\n", bin);
        skip();
    }
    assert_true(file_has(out, "ledger_keys"));   /* the dump holds the tables */
}

static void test_no_plaintext(void **state)
{
    struct fx *f = *state;
    struct mdlg_screen_item it;
    const char *kv[] = { "claim_id=Z1", "ssn=789-01-2345", "email=Plain.Text+x@gmail.com",
                         "phone=+1 (212) 555-0147", "bank_routing=011000015",
                         "bank_account=55501234", "address_line=77 Sunset Boulevard",
                         "address_zip=90028", "ip=203.0.113.77", "device_id=dev-secret-77",
                         "given_name=Quincy", "family_name=Plainview", "birth_date=1955-05-05",
                         NULL };
    free(screen1(f, T0, &it, kv));
    const char *needles[] = { "789012345", "789-01-2345", "plaintext@gmail.com", "Plain.Text",
                              "PLAINTEXT", "2125550147", "55501234", "SUNSET", "Sunset",
                              "203.0.113.77", "dev-secret-77", "QUINCY", "Quincy", "Plainview",
                              "PLAINVIEW", "1955-05-05" };
    char a[128], b[128];
    if (bk == SQLITE) {   /* the database file and its log */
        snprintf(a, sizeof a, "%s", f->db);
        snprintf(b, sizeof b, "%s-wal", f->db);
    } else {              /* everything pg_dump can see of the case's schema */
        snprintf(a, sizeof a, "%s/dump.sql", f->dir);
        snprintf(b, sizeof b, "%s", a);
        pg_dump_schema(f, a);
    }
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        assert_false(file_has(a, needles[i]));
        assert_false(file_has(b, needles[i]));
    }
    assert_true(file_has(a, "Z1") || file_has(b, "Z1"));   /* the search can hit */
}

/* ---- the ledger API directly ---- */

static mdlg_err decide_copy(void *arg, struct mdlg_ledger_entry *e,
                            const struct mdlg_ledger_stats *stats)
{
    struct mdlg_ledger_stats *out = arg;
    memcpy(out, stats, e->n_keys * sizeof *stats);
    e->result = strdup("{}");
    return e->result != NULL ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

static void key_fill(struct mdlg_ledger_key *k, uint8_t hash, uint8_t identity, int64_t expires)
{
    memset(k, 0, sizeof *k);
    k->type = MDLG_IDENT_SSN;
    k->key_id = 1;
    memset(k->hash, hash, sizeof k->hash);
    memset(k->identity, identity, sizeof k->identity);
    memcpy(k->state, "CA", 3);
    k->window_s = 30 * DAY;
    k->velocity_s = DAY;
    k->expires_at = expires;
}

/* Records one entry with one key at `now`; returns the key's stats. */
static struct mdlg_ledger_stats record1(struct fx *f, const char *claim, int64_t now,
                                        const struct mdlg_ledger_key *k)
{
    struct mdlg_ledger_stats st[1];
    struct mdlg_ledger_entry e = { .claim_id = claim, .created_at = now,
                                   .expires_at = now + 400 * DAY, .keys = k, .n_keys = 1 };
    memset(st, 0, sizeof st);
    assert_int_equal(mdlg_ledger_record(f->l, &e, 1, decide_copy, st), MDLG_E_OK);
    free(e.result);
    return st[0];
}

/* Reads honour expires_at before any purge; windows and velocity count as documented. */
static void test_ledger_windows_and_expiry(void **state)
{
    struct fx *f = *state;
    struct mdlg_ledger_key k;
    key_fill(&k, 0x11, 0xa1, T0 + 10 * DAY);           /* kept 10 days only */
    struct mdlg_ledger_stats s = record1(f, "W1", T0, &k);
    assert_int_equal(s.claims, 1);
    assert_int_equal(s.n_related, 0);
    key_fill(&k, 0x11, 0xa2, T0 + 100 * DAY);
    s = record1(f, "W2", T0 + 2 * DAY, &k);
    assert_int_equal(s.claims, 2);
    assert_int_equal(s.identities, 2);
    assert_int_equal(s.states, 1);
    assert_int_equal(s.recent, 1);                      /* W1 is older than a day */
    assert_int_equal(s.n_related, 1);
    key_fill(&k, 0x11, 0xa2, T0 + 100 * DAY);
    s = record1(f, "W3", T0 + 11 * DAY, &k);            /* W1 expired, not purged */
    assert_int_equal(s.claims, 2);
    assert_int_equal(s.identities, 1);
    key_fill(&k, 0x11, 0xa3, T0 + 100 * DAY);
    k.window_s = 5 * DAY;                               /* W2 outside the window */
    s = record1(f, "W4", T0 + 12 * DAY, &k);
    assert_int_equal(s.claims, 2);
    assert_int_equal(s.n_related, 1);
    /* a batch: the second entry counts the first; a failing decide stores nothing */
    struct mdlg_ledger_key k2[2];
    key_fill(&k2[0], 0x22, 0xb1, T0 + 100 * DAY);
    key_fill(&k2[1], 0x22, 0xb2, T0 + 100 * DAY);
    struct mdlg_ledger_entry e[2] = {
        { .claim_id = "B1", .created_at = T0, .expires_at = T0 + DAY, .keys = &k2[0], .n_keys = 1 },
        { .claim_id = "B2", .created_at = T0, .expires_at = T0 + DAY, .keys = &k2[1], .n_keys = 1 },
    };
    struct mdlg_ledger_stats st[1];
    assert_int_equal(mdlg_ledger_record(f->l, e, 2, decide_copy, st), MDLG_E_OK);
    assert_int_equal(st[0].claims, 2);
    assert_string_equal(st[0].related[0], e[0].id);
    free(e[0].result);
    free(e[1].result);
}

/* ---- clusters against an answer computed here ---- */

/* One key row the test recorded (for the expected clusters). */
struct xrow {
    uint16_t type;
    uint8_t hash, identity;
    int64_t expires;
};

/* A key of the generated ledgers: hash and identity are one repeated byte. */
static void xkey(struct mdlg_ledger_key *k, const struct xrow *x)
{
    key_fill(k, x->hash, x->identity, x->expires);
    k->type = x->type;
}

/* Records rows[0..n) as claims of one key each; claim ids "<tag><i>". */
static void record_rows(struct fx *f, const char *tag, const struct xrow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct mdlg_ledger_key k;
        char claim[32];
        xkey(&k, &rows[i]);
        snprintf(claim, sizeof claim, "%s%zu", tag, i);
        (void)record1(f, claim, T0 + (int64_t)i, &k);
    }
}

/* The expected clusters of rows[0..n): the old SQL, computed by brute force. */
static size_t expect_clusters(const struct xrow *rows, size_t n, int64_t now, uint16_t type,
                              uint32_t min_claims, struct mdlg_ledger_cluster *out, size_t cap)
{
    size_t m = 0;
    for (unsigned t = 1; t <= 8; t++)   /* the types used */
        for (unsigned h = 0; h < 256; h++) {
            uint32_t c = 0;
            bool id[256] = { false };
            for (size_t i = 0; i < n; i++)
                if (rows[i].type == t && rows[i].hash == h && rows[i].expires > now &&
                    (type == 0 || type == t))
                    c++, id[rows[i].identity] = true;
            uint32_t d = 0;
            for (int i = 0; i < 256; i++)
                d += id[i];
            if (c == 0 || c < min_claims)
                continue;
            /* insert in (claims desc, identities desc, type, hash) order */
            struct mdlg_ledger_cluster cl;
            memset(&cl, 0, sizeof cl);
            cl.type = (uint16_t)t, cl.key_id = 1, cl.claims = c, cl.identities = d;
            memset(cl.hash, (int)h, sizeof cl.hash);
            size_t j = m < cap ? m++ : cap;
            while (j > 0 && (out[j - 1].claims < c ||
                             (out[j - 1].claims == c && (out[j - 1].identities < d ||
                                                         (out[j - 1].identities == d &&
                                                          out[j - 1].type > t))))) {
                if (j < cap)
                    out[j] = out[j - 1];
                j--;
            }
            if (j < cap)
                out[j] = cl;
        }
    return m;
}

static void check_clusters(struct fx *f, const struct xrow *rows, size_t n, int64_t now,
                           uint16_t type, uint32_t min_claims, size_t cap)
{
    struct mdlg_ledger_cluster want[64], got[64];
    assert_true(cap <= 64);
    size_t nw = expect_clusters(rows, n, now, type, min_claims ? min_claims : 2, want, cap);
    size_t ng = 99;   /* min_claims 0 means 2 (mdlg_ledger_clusters) */
    assert_int_equal(mdlg_ledger_clusters(f->l, now, type, min_claims, got, cap, &ng),
                     MDLG_E_OK);
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < ng; i++) {
        if (got[i].type != want[i].type || got[i].claims != want[i].claims ||
            got[i].identities != want[i].identities ||
            memcmp(got[i].hash, want[i].hash, sizeof got[i].hash) != 0)
            fail_msg("type %u min %u cap %zu: cluster %zu is type %u hash %02x %u/%u, want "
                     "type %u hash %02x %u/%u", type, min_claims, cap, i, got[i].type,
                     got[i].hash[0], got[i].claims, got[i].identities, want[i].type,
                     want[i].hash[0], want[i].claims, want[i].identities);
        assert_int_equal(got[i].key_id, 1);
        assert_int_equal(got[i].n_sample, got[i].claims < MDLG_LEDGER_RELATED_MAX
                                              ? got[i].claims : MDLG_LEDGER_RELATED_MAX);
    }
}

/*
 * Keys of several sizes, with ties broken by identities, then type, then hash;
 * an expired row; a type filter; min_claims; cap below the number of groups.
 */
static void test_clusters_order(void **state)
{
    struct fx *f = *state;
    const int64_t L = T0 + 400 * DAY, E = T0 + 5 * DAY;   /* long-lived, expired at T0+10d */
    const uint16_t S = MDLG_IDENT_SSN, P = MDLG_IDENT_PHONE;
    const struct xrow rows[] = {
        { S, 0x50, 1, L }, { S, 0x50, 2, L }, { S, 0x50, 3, L }, { S, 0x50, 4, E },   /* 3 live */
        { P, 0x50, 1, L }, { P, 0x50, 1, L }, { P, 0x50, 2, L },                      /* 3, 2 ids */
        { S, 0x30, 1, L }, { S, 0x30, 2, L }, { S, 0x30, 3, L },                      /* 3, 3 ids */
        { S, 0x20, 1, L }, { S, 0x20, 2, L }, { S, 0x20, 3, L }, { S, 0x20, 4, L },   /* 4 */
        { P, 0x10, 7, L }, { P, 0x10, 7, L },                                         /* 2, 1 id */
        { S, 0x10, 7, L }, { S, 0x10, 8, L },                                         /* 2, 2 ids */
        { S, 0x60, 1, E }, { S, 0x60, 2, E }, { S, 0x60, 3, E },                      /* all expired */
        { S, 0x70, 9, L },                                                            /* alone */
    };
    const size_t n = sizeof rows / sizeof rows[0];
    record_rows(f, "O", rows, n);
    struct mdlg_ledger_cluster cl[8];
    size_t m = 0;
    int64_t now = T0 + 10 * DAY;
    assert_int_equal(mdlg_ledger_clusters(f->l, now, 0, 2, cl, 8, &m), MDLG_E_OK);
    const uint8_t order[][3] = {   /* type, hash, claims */
        { S, 0x20, 4 }, { S, 0x30, 3 }, { S, 0x50, 3 }, { P, 0x50, 3 }, { S, 0x10, 2 },
        { P, 0x10, 2 },
    };
    assert_int_equal(m, 6);
    for (size_t i = 0; i < m; i++) {
        assert_int_equal(cl[i].type, order[i][0]);
        assert_int_equal(cl[i].hash[0], order[i][1]);
        assert_int_equal(cl[i].claims, order[i][2]);
    }
    assert_int_equal(cl[3].identities, 2);
    for (uint32_t min = 0; min <= 5; min++)
        for (size_t cap = 1; cap <= 8; cap++) {
            check_clusters(f, rows, n, now, 0, min, cap);
            check_clusters(f, rows, n, now, S, min, cap);
            check_clusters(f, rows, n, now, P, min, cap);
            check_clusters(f, rows, n, T0, 0, min, cap);   /* nothing expired yet */
        }
}

/* A generated ledger: many keys of random sizes, compared with the brute-force answer. */
static void test_clusters_generated(void **state)
{
    struct fx *f = *state;
    enum { N = 1500 };
    static struct xrow rows[N];
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = x >> 8;
        rows[i].type = (uint16_t)(1 + r % 3);
        rows[i].hash = (uint8_t)((r >> 2) % 97 * ((r >> 9) % 4 == 0 ? 1 : 2) % 160);
        rows[i].identity = (uint8_t)((r >> 12) % 6);
        rows[i].expires = T0 + (int64_t)(1 + (r >> 16) % 40) * DAY;
    }
    record_rows(f, "G", rows, N);
    for (int64_t d = 0; d <= 40; d += 8)
        for (size_t cap = 1; cap <= 64; cap += cap < 12 ? 1 : 13) {
            check_clusters(f, rows, N, T0 + d * DAY, 0, 2, cap);
            check_clusters(f, rows, N, T0 + d * DAY, 2, 3, cap);
            check_clusters(f, rows, N, T0 + d * DAY, 3, 12, cap);
        }
}

/* ---- PostgreSQL only ---- */

/* The migrations are the ledger's own component, recorded once; a newer one is refused. */
static void test_pg_migrations(void **state)
{
    struct fx *f = *state;
    mdlg_ledger *l2 = NULL;
    assert_int_equal(mdlg_ledger_open(f->url, NULL, T0, &l2), MDLG_E_OK);
    mdlg_ledger_close(l2);
    assert_int_equal(pg_int(f, "SELECT count(*) FROM mdlg_migrations WHERE component = 'ledger'"), 2);
    assert_int_equal(pg_int(f, "SELECT count(*) FROM mdlg_migrations WHERE component <> 'ledger'"), 0);
    /* the store opens beside it on the same URL */
    mdlg_store *st = NULL;
    assert_int_equal(mdlg_store_open(f->url, NULL, T0, &st), MDLG_E_OK);
    mdlg_store_close(st);
    assert_true(pg_int(f, "SELECT count(*) FROM mdlg_migrations WHERE component = 'store'") >= 1);
    pg_must(f->pg, "INSERT INTO mdlg_migrations VALUES ('ledger', 99, 'future', 0)");
    assert_int_equal(mdlg_ledger_open(f->url, NULL, T0, &l2), MDLG_E_STORE_SCHEMA_TOO_NEW);
    assert_null(l2);
}

/* A writer waits for the advisory lock another instance holds, up to busy_timeout_ms. */
static void test_pg_writer_lock(void **state)
{
    struct fx *f = *state;
    struct mdlg_ledger_options o = { .pool_size = 1, .busy_timeout_ms = 300 };
    mdlg_ledger *l2 = NULL;
    assert_int_equal(mdlg_ledger_open(f->url, &o, T0, &l2), MDLG_E_OK);
    pg_must(f->pg, "BEGIN");
    pg_must(f->pg, "SELECT pg_advisory_xact_lock(1818519410)");   /* ledger_pg.h's lock */
    struct mdlg_ledger_key k;
    key_fill(&k, 0x33, 0xc1, T0 + DAY);
    struct mdlg_ledger_entry e = { .claim_id = "X1", .created_at = T0, .expires_at = T0 + DAY,
                                   .keys = &k, .n_keys = 1 };
    struct mdlg_ledger_stats st[1];
    assert_int_equal(mdlg_ledger_record(l2, &e, 1, decide_copy, st), MDLG_E_STORE_UNAVAILABLE);
    assert_null(e.result);
    pg_must(f->pg, "COMMIT");
    assert_int_equal(pg_int(f, "SELECT count(*) FROM ledger_screenings"), 0);
    assert_int_equal(mdlg_ledger_record(l2, &e, 1, decide_copy, st), MDLG_E_OK);
    free(e.result);
    assert_int_equal(pg_int(f, "SELECT count(*) FROM ledger_keys"), 1);
    assert_int_equal(pg_int(f, "SELECT octet_length(identity) FROM ledger_keys"), 16);
    mdlg_ledger_close(l2);
}

/* A session the server dropped fails one call and is re-opened, its statements prepared again. */
static void test_pg_reconnect(void **state)
{
    struct fx *f = *state;
    struct mdlg_ledger_options o = { .pool_size = 1 };
    mdlg_ledger *l2 = NULL;
    assert_int_equal(mdlg_ledger_open(f->url, &o, T0, &l2), MDLG_E_OK);
    struct mdlg_ledger_key k;
    struct mdlg_ledger_stats st[1];
    key_fill(&k, 0x44, 0xd1, T0 + DAY);
    struct mdlg_ledger_entry e = { .claim_id = "Y1", .created_at = T0, .expires_at = T0 + DAY,
                                   .keys = &k, .n_keys = 1 };
    assert_int_equal(mdlg_ledger_record(l2, &e, 1, decide_copy, st), MDLG_E_OK);   /* prepares */
    free(e.result);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE application_name = '%s' AND pid <> pg_backend_pid()", f->schema);
    assert_true(pg_int(f, sql) >= 1);
    key_fill(&k, 0x44, 0xd2, T0 + DAY);
    e.claim_id = "Y2";
    mdlg_err first = mdlg_ledger_record(l2, &e, 1, decide_copy, st);
    free(e.result);
    if (first != MDLG_E_OK && first != MDLG_E_STORE_UNAVAILABLE)
        fail_msg("first call after the drop: %s", mdlg_err_name(first));
    e.claim_id = "Y3";
    assert_int_equal(mdlg_ledger_record(l2, &e, 1, decide_copy, st), MDLG_E_OK);
    assert_int_equal(st[0].claims, first == MDLG_E_OK ? 3 : 2);
    free(e.result);
    mdlg_ledger_close(l2);
}

static void test_open_urls(void **state)
{
    (void)state;
    const struct { const char *url; mdlg_err want; } rows[] = {
        { "mysql://db/x", MDLG_E_STORE_UNSUPPORTED },
        { "sqlite:", MDLG_E_USAGE },
        { "postgres:///mdlgate?host=/nonexistent-mdlg", MDLG_E_STORE_UNAVAILABLE },
        { "postgresql://[::1", MDLG_E_STORE_UNAVAILABLE },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        mdlg_ledger *l = NULL;
        mdlg_err err = mdlg_ledger_open(rows[i].url, NULL, T0, &l);
        if (err != rows[i].want)
            fail_msg("%s: %s", rows[i].url, mdlg_err_name(err));
        assert_null(l);
    }
}

#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)

/* The cases both backends run. */
#define COMMON_CASES                                                                  \
    T(test_gmail_aliases), T(test_ssn_identities_and_states),                         \
        T(test_bank_fanout_and_velocity), T(test_score_and_recommendation),           \
        T(test_mdl_reuse), T(test_bad_claims), T(test_key_missing_and_rotation),      \
        T(test_purge), T(test_clusters), T(test_concurrent_same_key),                 \
        T(test_no_plaintext), T(test_ledger_windows_and_expiry), T(test_clusters_order), \
        T(test_clusters_generated)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = { COMMON_CASES, cmocka_unit_test(test_open_urls) };
    const struct CMUnitTest pg_tests[] = { COMMON_CASES, T(test_pg_migrations),
                                           T(test_pg_writer_lock),
                                           T(test_pg_reconnect) };
    bk = SQLITE;
    int failed = cmocka_run_group_tests_name("screening on SQLite", sqlite_tests, NULL, NULL);
    bk = POSTGRES;
    return failed + mdlg_test_run_pg_group("screening on PostgreSQL", pg_tests,
                                           sizeof pg_tests / sizeof pg_tests[0], &pg_url);
}
