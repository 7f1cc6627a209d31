/*
 * test_ledger_rows.c - the SQLite ledger's append-only rows and in-memory key
 * index (src/store/ledger_sqlite_index.c, ledger_sqlite_lookup.c), through
 * mdlg/ledger.h only: handles see each other's commits (the index catches
 * up), a rolled-back batch leaves nothing behind (not even in the index of
 * the handle that rolled back, when another handle reuses its row numbers),
 * expired and purged rows are not counted, windows and distinct counts match
 * their definitions, a large cluster reports its 10 newest ids, and the ids
 * sort by creation time. A ledger of schema 2 (keys clustered by hash) is
 * migrated with its rows. An entry with 40 keys (several multi-row INSERTs)
 * is found under each key, also after a purge emptied the table. The WAL stays
 * bounded while checkpoints run on the ledger's thread. Group commit: threads sharing one handle are
 * recorded in shared transactions yet each sees every earlier screening
 * (counts exactly 1..N), and one caller whose decide fails gets its error
 * while the others of its group are stored.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "mdlg/ledger.h"
#include "testutil.h"

#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */
#define DAY 86400

struct fx {
    char dir[64], db[96];
    mdlg_ledger *a, *b;          /* two handles on one file */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mdlg-rows-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/ledger.db", f->dir);
    assert_int_equal(mdlg_ledger_open(f->db, NULL, T0, &f->a), MDLG_E_OK);
    assert_int_equal(mdlg_ledger_open(f->db, NULL, T0, &f->b), MDLG_E_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mdlg_ledger_close(f->a);
    mdlg_ledger_close(f->b);
    bool ok = mdlg_test_rm_tree(f->dir);
    free(f);
    return ok ? 0 : -1;
}

/* What decide saw for key 0 of the last entry; fail_at: the call that fails (-2: all). */
struct seen {
    struct mdlg_ledger_stats st;
    size_t calls;
    long fail_at;
};

static mdlg_err decide(void *arg, struct mdlg_ledger_entry *e, const struct mdlg_ledger_stats *s)
{
    struct seen *sn = arg;
    if ((long)sn->calls++ == sn->fail_at || sn->fail_at == -2)
        return MDLG_E_NO_MEMORY;
    sn->st = s[0];
    e->result = strdup("{}");
    return e->result ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

/* One key: hash byte h, identity byte id, person byte p (0: none), state st. */
static struct mdlg_ledger_key key(uint8_t h, uint8_t id, uint8_t p, const char *st,
                                  int64_t created)
{
    struct mdlg_ledger_key k = { .type = 1, .key_id = 1, .window_s = 30 * DAY,
                                 .velocity_s = DAY, .expires_at = created + 100 * DAY };
    memset(k.hash, h, sizeof k.hash);
    memset(k.identity, id, sizeof k.identity);
    if ((k.has_person = p != 0))
        memset(k.person, p, sizeof k.person);
    snprintf(k.state, sizeof k.state, "%s", st);
    return k;
}

/* A fresh claim id (claim ids are idempotency keys: a repeated one is not recorded). */
static const char *claim_id(char buf[32])
{
    static int n;
    snprintf(buf, 32, "claim-%d", ++n);
    return buf;
}

/* Records one entry with one key on handle l at `at`; returns decide's stats. */
static struct mdlg_ledger_stats rec(mdlg_ledger *l, struct mdlg_ledger_key k, int64_t at,
                                    char id_out[MDLG_LEDGER_ID_LEN + 1])
{
    char cid[32];
    struct seen sn = { .fail_at = -1 };
    struct mdlg_ledger_entry e = { .claim_id = claim_id(cid), .created_at = at,
                                   .expires_at = at + 100 * DAY, .keys = &k, .n_keys = 1 };
    assert_int_equal(mdlg_ledger_record(l, &e, 1, decide, &sn), MDLG_E_OK);
    if (id_out != NULL)
        memcpy(id_out, e.id, MDLG_LEDGER_ID_LEN + 1);
    free(e.result);
    return sn.st;
}

static void test_handles_see_each_other(void **state)
{
    struct fx *f = *state;
    mdlg_ledger *order[] = { f->a, f->b, f->a, f->a, f->b };
    for (uint32_t i = 0; i < 5; i++) {
        struct mdlg_ledger_stats s = rec(order[i], key(7, (uint8_t)(1 + i % 2), 0, "", T0 + i),
                                         T0 + i, NULL);
        assert_int_equal(s.claims, i + 1);
        assert_int_equal(s.identities, i == 0 ? 1 : 2);
        assert_int_equal(s.n_related, i);
    }
    assert_int_equal(rec(f->b, key(8, 1, 0, "", T0), T0 + 9, NULL).claims, 1);  /* another key */
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fx *f = *state;
    struct mdlg_ledger_key k[3] = { key(9, 1, 0, "", T0), key(9, 2, 0, "", T0),
                                    key(9, 3, 0, "", T0) };
    struct mdlg_ledger_entry e[3];
    char cid[3][32];
    for (int i = 0; i < 3; i++)
        e[i] = (struct mdlg_ledger_entry){ .claim_id = claim_id(cid[i]), .created_at = T0,
                                           .expires_at = T0 + DAY, .keys = &k[i], .n_keys = 1 };
    struct seen sn = { .fail_at = 2 };   /* two entries appended, then the batch fails */
    assert_int_equal(mdlg_ledger_record(f->a, e, 3, decide, &sn), MDLG_E_NO_MEMORY);
    assert_int_equal(sn.st.claims, 2);   /* the second saw the first inside the batch */
    /* b appends rows with the seqs a's rollback gave back, on another key */
    assert_int_equal(rec(f->b, key(10, 1, 0, "", T0), T0 + 1, NULL).claims, 1);
    assert_int_equal(rec(f->b, key(10, 2, 0, "", T0), T0 + 2, NULL).claims, 2);
    /* a must count b's rows (not skip them as already seen) and none of its own */
    assert_int_equal(rec(f->a, key(10, 3, 0, "", T0), T0 + 3, NULL).claims, 3);
    assert_int_equal(rec(f->a, key(9, 4, 0, "", T0), T0 + 4, NULL).claims, 1);
}

static void test_window_distinct_expiry(void **state)
{
    struct fx *f = *state;
    static const struct { int64_t at; uint8_t id, person; const char *st; } rows[] = {
        { -40 * DAY, 1, 1, "CA" },       /* outside the 30-day window */
        { -20 * DAY, 1, 1, "CA" },
        { -10 * DAY, 2, 0, "NV" },       /* no person: not a distinct person */
        { -2 * 3600, 3, 2, "" },         /* within the 1-day velocity window; no state */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        rec(f->a, key(11, rows[i].id, rows[i].person, rows[i].st, T0 + rows[i].at),
            T0 + rows[i].at, NULL);
    struct mdlg_ledger_stats s = rec(f->b, key(11, 2, 3, "CA", T0), T0, NULL);
    assert_int_equal(s.claims, 4);       /* 3 in the window + this one */
    assert_int_equal(s.identities, 3);   /* 1, 2, 3 (this one is 2) */
    assert_int_equal(s.persons, 3);      /* 1, 2, 3 */
    assert_int_equal(s.states, 2);       /* CA, NV */
    assert_int_equal(s.recent, 2);
    assert_int_equal(s.n_related, 3);
    /* a row past its own expires_at is not counted */
    struct mdlg_ledger_key k = key(12, 1, 0, "", T0 - DAY);
    k.expires_at = T0 - 1;
    rec(f->a, k, T0 - DAY, NULL);
    assert_int_equal(rec(f->b, key(12, 2, 0, "", T0), T0, NULL).claims, 1);
}

static void test_purge_then_count(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 3; i++)
        rec(f->a, key(13, (uint8_t)(1 + i), 0, "", T0 + i), T0 + i, NULL);
    struct mdlg_ledger_purge_stats ps;
    assert_int_equal(mdlg_ledger_purge(f->a, T0 + 200 * DAY, &ps), MDLG_E_OK);
    assert_int_equal(ps.keys_deleted, 3);
    int64_t later = T0 + 201 * DAY;
    assert_int_equal(rec(f->a, key(13, 9, 0, "", later), later, NULL).claims, 1);
    assert_int_equal(rec(f->b, key(13, 8, 0, "", later), later + 1, NULL).claims, 2);
    assert_int_equal(rec(f->a, key(13, 7, 0, "", later), later + 2, NULL).claims, 3);
}

static void test_large_cluster_newest(void **state)
{
    struct fx *f = *state;
    char ids[300][MDLG_LEDGER_ID_LEN + 1];
    for (int i = 0; i < 300; i++)
        rec(i % 3 ? f->a : f->b, key(14, (uint8_t)i, 0, "", T0 + i), T0 + i, ids[i]);
    for (int i = 1; i < 300; i++)   /* ids sort by creation time */
        assert_true(strcmp(ids[i - 1], ids[i]) <= 0 || memcmp(ids[i - 1], ids[i], 8) == 0);
    struct mdlg_ledger_stats s = rec(f->a, key(14, 255, 0, "", T0 + 400), T0 + 400, NULL);
    assert_int_equal(s.claims, 301);
    assert_int_equal(s.identities, 256);
    assert_int_equal(s.n_related, MDLG_LEDGER_RELATED_MAX);
    for (int i = 0; i < MDLG_LEDGER_RELATED_MAX; i++)
        assert_string_equal(s.related[i], ids[299 - i]);
    struct mdlg_ledger_cluster cl[2];
    size_t n = 0;
    assert_int_equal(mdlg_ledger_clusters(f->b, T0 + 400, 0, 2, cl, 2, &n), MDLG_E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(cl[0].claims, 301);
    assert_int_equal(cl[0].n_sample, MDLG_LEDGER_RELATED_MAX);
}

/* Many keys per entry: their rows go in several multi-row INSERTs (16 rows each at most). */
#define MANY 40

struct seen_all {
    uint32_t claims[MANY], identities[MANY];
};

static mdlg_err decide_all(void *arg, struct mdlg_ledger_entry *e,
                           const struct mdlg_ledger_stats *s)
{
    struct seen_all *sa = arg;
    for (size_t i = 0; i < e->n_keys && i < MANY; i++)
        sa->claims[i] = s[i].claims, sa->identities[i] = s[i].identities;
    e->result = strdup("{}");
    return e->result ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

/*
 * Records n entries in one batch on l, each with MANY keys (hash bytes 100..,
 * type 2), identities id, id + 1, ...; decide's stats of the last into sa.
 */
static void rec_many(mdlg_ledger *l, size_t n, uint8_t id, int64_t at, struct seen_all *sa)
{
    struct mdlg_ledger_key k[2][MANY];
    struct mdlg_ledger_entry e[2];
    char cid[2][32];
    for (size_t j = 0; j < n && j < 2; j++) {
        for (int i = 0; i < MANY; i++)
            k[j][i] = key((uint8_t)(100 + i), (uint8_t)(id + j), 0, "", at), k[j][i].type = 2;
        e[j] = (struct mdlg_ledger_entry){ .claim_id = claim_id(cid[j]), .created_at = at,
                                           .expires_at = at + 100 * DAY, .keys = k[j],
                                           .n_keys = MANY };
    }
    assert_int_equal(mdlg_ledger_record(l, e, n, decide_all, sa), MDLG_E_OK);
    for (size_t j = 0; j < n; j++)
        free(e[j].result);
}

/*
 * Every row of a many-key entry is found under its own key by the next entry
 * of its batch (rows numbered from the index) and by another handle (rows
 * read from the table),
 * also after a purge emptied the table (AUTOINCREMENT then skips the purged
 * numbers, and the handle must notice).
 */
static void test_many_keys_one_entry(void **state)
{
    struct fx *f = *state;
    struct seen_all sa;
    for (int round = 0; round < 2; round++) {
        int64_t at = T0 + round * 300 * DAY;
        if (round == 1) {
            struct mdlg_ledger_purge_stats ps;
            assert_int_equal(mdlg_ledger_purge(f->a, at, &ps), MDLG_E_OK);
            assert_int_equal(ps.keys_deleted, 3 * MANY);
        }
        rec_many(f->a, 2, 1, at, &sa);      /* the second entry sees the first's rows */
        for (int i = 0; i < MANY; i++)
            assert_true(sa.claims[i] == 2 && sa.identities[i] == 2);
        rec_many(f->b, 1, 3, at + 2, &sa);
        for (int i = 0; i < MANY; i++)
            assert_true(sa.claims[i] == 3 && sa.identities[i] == 3);
    }
}

/* decide with a result of 16 KB: the WAL grows by about 5 pages per entry. */
static mdlg_err decide_big(void *arg, struct mdlg_ledger_entry *e,
                           const struct mdlg_ledger_stats *s)
{
    (void)arg, (void)s;
    e->result = malloc(16384);
    if (e->result == NULL)
        return MDLG_E_NO_MEMORY;
    memset(e->result, 'x', 16383);
    e->result[16383] = '\0';
    return MDLG_E_OK;
}

/*
 * Checkpoints run on the ledger's own thread, and a commit that finds 4000
 * pages in the WAL checkpoints itself: 400 batches writing about 80 MB leave
 * the WAL below 24 MB after every commit (without checkpoints it would grow
 * to the whole 80 MB), and the last entry is found from the other handle.
 */
static void test_wal_bounded(void **state)
{
    struct fx *f = *state;
    char wal[128], cid[20][32];
    struct stat sb;
    off_t most = 0;
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    for (int b = 0; b < 400; b++) {
        struct mdlg_ledger_key k[20];
        struct mdlg_ledger_entry e[20];
        for (int i = 0; i < 20; i++) {
            uint32_t n = (uint32_t)(b * 20 + i);   /* a key of its own: no cluster to read */
            k[i] = key(16, (uint8_t)i, 0, "", T0);
            memcpy(k[i].hash, &n, sizeof n);
            e[i] = (struct mdlg_ledger_entry){ .claim_id = claim_id(cid[i]), .created_at = T0,
                                               .expires_at = T0 + DAY, .keys = &k[i],
                                               .n_keys = 1 };
        }
        assert_int_equal(mdlg_ledger_record(f->a, e, 20, decide_big, NULL), MDLG_E_OK);
        for (int i = 0; i < 20; i++)
            free(e[i].result);
        assert_int_equal(stat(wal, &sb), 0);
        most = sb.st_size > most ? sb.st_size : most;
    }
    print_message("largest WAL: %lld bytes\n", (long long)most);
    assert_true(most < 24 * 1024 * 1024);
    struct mdlg_ledger_key last = key(16, 99, 0, "", T0);
    uint32_t n = 400 * 20 - 1;
    memcpy(last.hash, &n, sizeof n);
    assert_int_equal(rec(f->b, last, T0, NULL).claims, 2);   /* the last entry is there */
}

/* Group commit: THREADS threads x PER calls on handle a, one key; thread 0 fails every call. */
#define THREADS 8
#define PER 25

struct gthread {
    mdlg_ledger *l;
    int index;
    uint32_t seen[PER];
    int failed;
};

static void *group_worker(void *arg)
{
    struct gthread *t = arg;
    for (int i = 0; i < PER; i++) {
        struct mdlg_ledger_key k = key(15, (uint8_t)t->index, 0, "", T0);
        struct seen sn = { .fail_at = t->index == 0 ? -2 : -1 };
        char cid[32];
        snprintf(cid, sizeof cid, "g-%d-%d", t->index, i);
        struct mdlg_ledger_entry e = { .claim_id = cid, .created_at = T0, .expires_at = T0 + DAY,
                                       .keys = &k, .n_keys = 1 };
        mdlg_err err = mdlg_ledger_record(t->l, &e, 1, decide, &sn);
        if (err != MDLG_E_OK) {
            t->failed += err == MDLG_E_NO_MEMORY && e.result == NULL;
            continue;
        }
        t->seen[i] = sn.st.claims;
        free(e.result);
    }
    return NULL;
}

static void test_group_commit(void **state)
{
    struct fx *f = *state;
    struct gthread t[THREADS];
    pthread_t th[THREADS];
    bool got[THREADS * PER + 1] = { false };
    for (int i = 0; i < THREADS; i++) {
        t[i] = (struct gthread){ .l = f->a, .index = i };
        assert_int_equal(pthread_create(&th[i], NULL, group_worker, &t[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(t[0].failed, PER);           /* the failing caller got its error */
    for (int i = 1; i < THREADS; i++)
        for (int j = 0; j < PER; j++) {
            uint32_t c = t[i].seen[j];
            assert_true(c >= 1 && c <= (THREADS - 1) * PER && !got[c]);
            got[c] = true;                      /* every count once: none missed another */
        }
    assert_int_equal(rec(f->b, key(15, 99, 0, "", T0), T0, NULL).claims, (THREADS - 1) * PER + 1);
}

/* Schema 2 as it was (ledger_keys clustered by key), with rows of one key; then opened. */
static void test_migrate_from_clustered(void **state)
{
    struct fx *f = *state;
    char path[128];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/old.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[2048];
    int n = snprintf(sql, sizeof sql, "%s",
        "CREATE TABLE ledger_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);"
        "INSERT INTO ledger_migrations VALUES (1, 0), (2, 0);"
        "CREATE TABLE ledger_screenings (id TEXT PRIMARY KEY, claim_id TEXT NOT NULL,"
        " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, result TEXT NOT NULL,"
        " content_key_id INTEGER, content_hash BLOB);"
        "CREATE TABLE ledger_keys (type INTEGER NOT NULL, key_id INTEGER NOT NULL,"
        " hash BLOB NOT NULL, created_at INTEGER NOT NULL, screening_id TEXT NOT NULL,"
        " identity BLOB NOT NULL, person BLOB, aux BLOB, state TEXT, expires_at INTEGER NOT NULL,"
        " PRIMARY KEY (type, key_id, hash, created_at, screening_id)) WITHOUT ROWID;");
    for (int i = 0; i < 3; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      "INSERT INTO ledger_keys VALUES (1, 1, zeroblob(32), %lld, 'old%d',"
                      " zeroblob(15) || x'0%d', NULL, NULL, 'CA', %lld);",
                      (long long)(T0 - 10 + i), i, i, (long long)(T0 + DAY));
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    mdlg_ledger *l;
    assert_int_equal(mdlg_ledger_open(path, NULL, T0, &l), MDLG_E_OK);
    struct mdlg_ledger_stats s = rec(l, key(0, 7, 0, "NV", T0), T0, NULL);
    assert_int_equal(s.claims, 4);
    assert_int_equal(s.identities, 4);
    assert_int_equal(s.states, 2);
    assert_string_equal(s.related[0], "old2");
    mdlg_ledger_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handles_see_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_distinct_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_then_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_cluster_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_keys_one_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_clustered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
