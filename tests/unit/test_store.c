/*
 * test_store.c - the store (include/mdlg/store.h), the same cases on both
 * backends.
 *
 * main() runs every common case on SQLite, then again on PostgreSQL at
 * $MDLG_TEST_PG_URL (`make test` starts a throwaway server and sets it, see
 * tests/support/with-postgres.sh); without it the PostgreSQL group is one
 * skipped case that prints why. Backend-specific checks (WAL and the file on
 * SQLite; synchronous_commit, reconnects on PostgreSQL) sit in their own
 * cases or behind `bk`.
 *
 * Every case works in its own temporary directory (SQLite) or its own
 * schema (PostgreSQL: the store's URL sets search_path to it, and the case
 * drops it at the end). The test reads the database with its own connection
 * where it must check what is stored. Multi-process cases fork children that
 * open their own handles (a connection never crosses fork) and report
 * through their exit status; children never call cmocka.
 */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "mdlg/store.h"
#include "testutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */
#define TTL 300

static const uint8_t server_key[MDLG_STORE_KEY_SIZE] = "0123456789abcdef0123456789abcdef";
static const uint8_t reader_key[] = "-----BEGIN PRIVATE KEY-----reader-ephemeral-P256";

/* ---- fixture: a temporary directory with var/mdlgate.db, or a schema ---- */

enum backend { SQLITE, POSTGRES };
static enum backend bk;          /* the group being run */
static const char *pg_url;       /* $MDLG_TEST_PG_URL */

struct fx {
    char dir[64];
    char path[128];              /* SQLite: the database file */
    char schema[48];             /* PostgreSQL: this case's schema */
    char url[1024];              /* what the store opens */
    PGconn *pg;                  /* PostgreSQL: the test's own connection */
};

/* The migrations table of each backend. */
static const char *mig_table(void) { return bk == SQLITE ? "schema_migrations" : "mdlg_migrations"; }

static void pg_must(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
}

/* Drops and creates the case's schema: an empty database for the store. */
static void pg_fresh_schema(struct fx *f)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
    pg_must(f->pg, sql);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    pg_must(f->pg, sql);
    snprintf(sql, sizeof sql, "SET search_path TO %s", f->schema);
    pg_must(f->pg, sql);
}

static void pg_setup(struct fx *f)
{
    static unsigned seq;
    snprintf(f->schema, sizeof f->schema, "mdlg_t%ld_%u", (long)getpid(), ++seq);
    f->pg = PQconnectdb(pg_url);
    if (PQstatus(f->pg) != CONNECTION_OK)
        fail_msg("connect %s: %s", pg_url, PQerrorMessage(f->pg));
    pg_must(f->pg, "SET client_min_messages TO warning");
    pg_fresh_schema(f);
    /* application_name marks the store's own sessions (test_pg_reconnect) */
    snprintf(f->url, sizeof f->url, "%s%coptions=-csearch_path%%3D%s&application_name=%s",
             pg_url, strchr(pg_url, '?') != NULL ? '&' : '?', f->schema, f->schema);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mdlg-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    /* var/ does not exist yet: open creates it (one level). */
    snprintf(f->path, sizeof f->path, "%s/var/" MDLG_STORE_DEFAULT_FILE, f->dir);
    if (bk == POSTGRES)
        pg_setup(f);
    else
        snprintf(f->url, sizeof f->url, "%s", f->path);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    char p[160];
    const char *suffix[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < COUNT(suffix); i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/var", f->dir);
    rmdir(p);
    rmdir(f->dir);
    if (f->pg != NULL) {
        snprintf(p, sizeof p, "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        PQclear(PQexec(f->pg, p));
        PQfinish(f->pg);
    }
    free(f);
    return 0;
}

static struct mdlg_store_options opts(void)
{
    struct mdlg_store_options o = { .secret_key = server_key, .busy_timeout_ms = 10000 };
    return o;
}

static mdlg_store *open_ok(const struct fx *f, const struct mdlg_store_options *o, int64_t now)
{
    mdlg_store *s = NULL;
    mdlg_err err = mdlg_store_open(f->url, o, now, &s);
    if (err != MDLG_E_OK)
        fail_msg("open: %s", mdlg_err_name(err));
    return s;
}

static void assert_err(mdlg_err got, mdlg_err want)
{
    if (got != want)
        fail_msg("got %s, want %s", mdlg_err_name(got), mdlg_err_name(want));
}

static struct mdlg_request_params params(int64_t created, int64_t expires)
{
    struct mdlg_request_params p = {
        .protocol = "org-iso-mdoc",
        .doctype = "org.iso.18013.5.1.mDL",
        .elements_json = "{\"org.iso.18013.5.1\":[\"family_name\",\"age_over_21\"]}",
        .origin = "https://verifier.example",
        .client_id = "x509_san_dns:verifier.example",
        .response_uri = "https://verifier.example/v1/requests/x/response",
        .reader_key = { reader_key, sizeof reader_key },
        .created_at = created,
        .expires_at = expires,
    };
    return p;
}

/* Creates a request valid for TTL seconds from `now`; returns its id in id. */
static void create_at(mdlg_store *s, int64_t now, char id[MDLG_STORE_ID_LEN + 1])
{
    struct mdlg_request_params p = params(now, now + TTL);
    char nonce[MDLG_STORE_NONCE_LEN + 1];
    assert_err(mdlg_store_request_create(s, &p, id, nonce), MDLG_E_OK);
}

static int64_t pg_int(const struct fx *f, const char *sql)
{
    PGresult *r = PQexec(f->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(f->pg));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* One integer from the database, read with a separate connection. */
static int64_t db_int(const struct fx *f, const char *sql)
{
    if (bk == POSTGRES)
        return pg_int(f, sql);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void db_exec(const struct fx *f, const char *sql)
{
    if (bk == POSTGRES) {
        pg_must(f->pg, sql);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* 1 if a table or index of that name exists (in the case's schema), else 0. */
static int64_t relation_exists(const struct fx *f, const char *name)
{
    char sql[200];
    if (bk == POSTGRES)
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_class WHERE relname = '%s'"
                 " AND relnamespace = '%s'::regnamespace", name, f->schema);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);
    return db_int(f, sql);
}

/* Empties the database: a new file, or a new schema. */
static void fx_reset(struct fx *f)
{
    if (bk == POSTGRES)
        pg_fresh_schema(f);
    else
        assert_int_equal(unlink(f->path), 0);
}

/* True if `needle` occurs in the file at path (absent file: false). */
static bool file_contains(const char *path, const char *needle)
{
    size_t n = 0;
    uint8_t *b = mdlg_test_read_file(path, &n);
    if (b == NULL)
        return false;
    bool hit = memmem(b, n, needle, strlen(needle)) != NULL;
    free(b);
    return hit;
}

/* ---- migrations ---- */

static void test_migrate_from_empty(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    o.pool_size = 3;
    o.busy_timeout_ms = 1234;
    mdlg_store *s = open_ok(f, &o, T0);
    struct mdlg_store_info info;
    assert_err(mdlg_store_info(s, &info), MDLG_E_OK);
    assert_string_equal(info.backend, bk == SQLITE ? "sqlite" : "postgres");
    assert_true(info.latest_version >= 2);
    assert_int_equal(info.schema_version, info.latest_version);
    /* the store's own connections, every one of the pool */
    if (bk == SQLITE) {
        assert_string_equal(info.journal_mode, "wal");
        assert_int_equal(info.synchronous, 2);   /* FULL */
    } else {
        assert_string_equal(info.synchronous_commit, "on");   /* COMMIT waits for the flush */
    }
    assert_int_equal(info.busy_timeout_ms, 1234);
    assert_int_equal(info.pool_size, 3);
    mdlg_store_close(s);

    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE applied_at = %lld", mig_table(),
             (long long)T0);
    assert_int_equal(db_int(f, sql), info.latest_version);
    if (bk == POSTGRES)
        return;
    /* WAL is a property of the file too */
    assert_int_equal(db_int(f, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_migrate_from_v1(void **state)
{
    struct fx *f = *state;
    char sql[128];
    struct mdlg_store_options o = opts();
    o.max_schema_version = 1;
    mdlg_store *s = open_ok(f, &o, T0);
    struct mdlg_store_info info;
    assert_err(mdlg_store_info(s, &info), MDLG_E_OK);
    assert_int_equal(info.schema_version, 1);
    char id[MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, id);   /* a row written by the v1 schema */
    mdlg_store_close(s);
    assert_int_equal(relation_exists(f, "verdicts"), 0);

    o.max_schema_version = 0;
    s = open_ok(f, &o, T0 + 10);
    assert_err(mdlg_store_info(s, &info), MDLG_E_OK);
    assert_int_equal(info.schema_version, info.latest_version);
    struct mdlg_request r;
    assert_err(mdlg_store_request_consume(s, id, T0 + 20, &r), MDLG_E_OK);
    assert_memory_equal(r.reader_key, reader_key, sizeof reader_key);
    assert_err(mdlg_store_verdict_put(s, id, "{\"full\":1}", "{\"redacted\":1}", T0 + 21),
               MDLG_E_OK);
    mdlg_store_close(s);

    s = open_ok(f, &o, T0 + 99);   /* nothing left to apply */
    mdlg_store_close(s);
    snprintf(sql, sizeof sql, "SELECT applied_at FROM %s WHERE version = 1", mig_table());
    assert_int_equal(db_int(f, sql), T0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", mig_table());
    assert_int_equal(db_int(f, sql), info.latest_version);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE applied_at = %lld AND version > 1",
             mig_table(), (long long)(T0 + 10));
    assert_int_equal(db_int(f, sql), info.latest_version - 1);
}

/* A migration that fails leaves nothing behind: its transaction rolls back. */
static void test_migrate_failure_rolls_back(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    o.max_schema_version = 1;
    mdlg_store_close(open_ok(f, &o, T0));
    db_exec(f, "CREATE TABLE verdicts (x INTEGER)");   /* migration 2 will collide */

    mdlg_store *s = NULL;
    assert_err(mdlg_store_open(f->url, NULL, T0, &s), MDLG_E_STORE_CORRUPT);
    assert_null(s);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT max(version) FROM %s", mig_table());
    assert_int_equal(db_int(f, sql), 1);
    assert_int_equal(relation_exists(f, "requests_expires_at"), 0);
}

static void test_schema_too_new(void **state)
{
    struct fx *f = *state;
    mdlg_store_close(open_ok(f, NULL, T0));
    db_exec(f, bk == SQLITE
                   ? "INSERT INTO schema_migrations VALUES (9999, 'from the future', 0)"
                   : "INSERT INTO mdlg_migrations VALUES ('store', 9999, 'from the future', 0)");
    mdlg_store *s = NULL;
    assert_err(mdlg_store_open(f->url, NULL, T0, &s), MDLG_E_STORE_SCHEMA_TOO_NEW);
}

struct opener {
    const char *path;
    pthread_barrier_t *go;
    mdlg_err err;
};

static void *race_open(void *arg)
{
    struct opener *o = arg;
    mdlg_store *s = NULL;
    pthread_barrier_wait(o->go);
    o->err = mdlg_store_open(o->path, NULL, T0, &s);
    mdlg_store_close(s);
    return NULL;
}

/* Handles opening one new file at once apply each migration exactly once. */
static void test_migrate_concurrent_open(void **state)
{
    struct fx *f = *state;
    enum { N = 8 };
    for (int round = 0; round < 5; round++) {
        pthread_t th[N];
        struct opener o[N];
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, N);
        for (int i = 0; i < N; i++) {
            o[i] = (struct opener){ f->url, &go, MDLG_E_INTERNAL };
            assert_int_equal(pthread_create(&th[i], NULL, race_open, &o[i]), 0);
        }
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            assert_err(o[i].err, MDLG_E_OK);
        }
        pthread_barrier_destroy(&go);
        mdlg_store *s = open_ok(f, NULL, T0);
        struct mdlg_store_info info;
        assert_err(mdlg_store_info(s, &info), MDLG_E_OK);
        mdlg_store_close(s);
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", mig_table());
        assert_int_equal(db_int(f, sql), info.latest_version);
        fx_reset(f);   /* an empty database for the next round */
    }
}

/* ---- open: URLs and paths ---- */

static void test_open_urls(void **state)
{
    struct fx *f = *state;
    char plain[160], prefixed[160], slashes[160], notdb[160], deep[160];
    snprintf(plain, sizeof plain, "%s/a.db", f->dir);
    snprintf(prefixed, sizeof prefixed, "sqlite:%s/b.db", f->dir);
    snprintf(slashes, sizeof slashes, "sqlite://%s/c.db", f->dir);
    snprintf(notdb, sizeof notdb, "%s/not.db", f->dir);
    snprintf(deep, sizeof deep, "%s/no/such/dir/d.db", f->dir);
    FILE *fp = fopen(notdb, "w");
    assert_non_null(fp);
    fputs("this is not a database file, it is long enough to have a header......", fp);
    fclose(fp);
    const struct { const char *url; mdlg_err want; } rows[] = {
        { plain, MDLG_E_OK },
        { prefixed, MDLG_E_OK },
        { slashes, MDLG_E_OK },
        /* PostgreSQL URLs reach libpq: no server behind this socket directory */
        { "postgres:///mdlgate?host=/nonexistent-mdlg", MDLG_E_STORE_UNAVAILABLE },
        { "postgresql:///mdlgate?host=/nonexistent-mdlg", MDLG_E_STORE_UNAVAILABLE },
        { "mysql://db.example/mdlgate", MDLG_E_STORE_UNSUPPORTED },
        { ":memory:", MDLG_E_STORE_UNAVAILABLE },   /* no WAL, no durability */
        { "sqlite:", MDLG_E_USAGE },
        { "", MDLG_E_USAGE },
        { notdb, MDLG_E_STORE_CORRUPT },
        { deep, MDLG_E_STORE_UNAVAILABLE },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        mdlg_store *s = NULL;
        mdlg_err err = mdlg_store_open(rows[i].url, NULL, T0, &s);
        if (err != rows[i].want)
            fail_msg("row %zu (%s): got %s, want %s", i, rows[i].url, mdlg_err_name(err),
                     mdlg_err_name(rows[i].want));
        assert_true((s != NULL) == (err == MDLG_E_OK));
        mdlg_store_close(s);
    }
    const char *files[] = { "a.db", "b.db", "c.db", "not.db" };
    for (size_t i = 0; i < COUNT(files); i++) {
        snprintf(plain, sizeof plain, "%s/%s", f->dir, files[i]);
        unlink(plain);
    }
}

/* ---- requests ---- */

static void test_create_get(void **state)
{
    struct fx *f = *state;
    mdlg_store *s = open_ok(f, NULL, T0);   /* no server key: an ephemeral one */
    struct mdlg_request_params p = params(T0, T0 + TTL);
    char id[MDLG_STORE_ID_LEN + 1], id2[MDLG_STORE_ID_LEN + 1];
    char nonce[MDLG_STORE_NONCE_LEN + 1], nonce2[MDLG_STORE_NONCE_LEN + 1];
    assert_err(mdlg_store_request_create(s, &p, id, nonce), MDLG_E_OK);
    assert_err(mdlg_store_request_create(s, &p, id2, nonce2), MDLG_E_OK);
    assert_int_equal(strlen(id), MDLG_STORE_ID_LEN);
    assert_int_equal(strlen(nonce), MDLG_STORE_NONCE_LEN);
    assert_int_equal(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789-_"), MDLG_STORE_ID_LEN);
    assert_string_not_equal(id, id2);
    assert_string_not_equal(nonce, nonce2);

    struct mdlg_request *r = malloc(sizeof *r);
    assert_non_null(r);
    assert_err(mdlg_store_request_get(s, id, T0 + 1, r), MDLG_E_OK);
    assert_string_equal(r->id, id);
    assert_string_equal(r->nonce, nonce);
    assert_string_equal(r->protocol, p.protocol);
    assert_string_equal(r->doctype, p.doctype);
    assert_string_equal(r->elements_json, p.elements_json);
    assert_string_equal(r->origin, p.origin);
    assert_string_equal(r->client_id, p.client_id);
    assert_string_equal(r->response_uri, p.response_uri);
    assert_int_equal(r->reader_key_len, sizeof reader_key);
    assert_memory_equal(r->reader_key, reader_key, sizeof reader_key);
    assert_int_equal(r->created_at, T0);
    assert_int_equal(r->expires_at, T0 + TTL);
    assert_int_equal(r->state, MDLG_REQUEST_PENDING);
    assert_string_equal(mdlg_request_state_name(r->state), "pending");
    mdlg_request_wipe(r);
    free(r);
    mdlg_store_close(s);
    /* the reader key is sealed at rest: nonce (24) || ciphertext || tag (16) */
    if (bk == SQLITE) {
        assert_true(file_contains(f->path, nonce));
        assert_false(file_contains(f->path, (const char *)reader_key));
    } else {
        assert_int_equal(db_int(f, "SELECT count(*) FROM requests WHERE"
                                   " position(convert_to('PRIVATE KEY', 'UTF8') in reader_key) > 0"
                                   " OR reader_key IS NULL"), 0);
    }
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM requests WHERE length(reader_key) = %zu",
             24 + sizeof reader_key + 16);
    assert_int_equal(db_int(f, sql), 2);
}

static void test_create_rejects(void **state)
{
    struct fx *f = *state;
    mdlg_store *s = open_ok(f, NULL, T0);
    static char longtxt[MDLG_STORE_RESPONSE_URI_MAX + 2];
    memset(longtxt, 'a', sizeof longtxt - 1);
    static const uint8_t bigkey[MDLG_STORE_READER_KEY_MAX + 1];
    const struct { const char *name; int field; const char *value; mdlg_err want; } rows[] = {
        { "no protocol", 0, NULL, MDLG_E_USAGE },
        { "empty doctype", 1, "", MDLG_E_USAGE },
        { "no elements", 2, NULL, MDLG_E_USAGE },
        { "origin too long", 3, longtxt, MDLG_E_LIMIT_STRING_SIZE },
        { "response_uri too long", 4, longtxt, MDLG_E_LIMIT_STRING_SIZE },
        { "no origin is fine", 3, NULL, MDLG_E_OK },
        { "expires == created", 5, NULL, MDLG_E_USAGE },
        { "reader key too long", 6, NULL, MDLG_E_LIMIT_STRING_SIZE },
        { "no reader key is fine", 7, NULL, MDLG_E_OK },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        struct mdlg_request_params p = params(T0, T0 + TTL);
        switch (rows[i].field) {
        case 0: p.protocol = rows[i].value; break;
        case 1: p.doctype = rows[i].value; break;
        case 2: p.elements_json = rows[i].value; break;
        case 3: p.origin = rows[i].value; break;
        case 4: p.response_uri = rows[i].value; break;
        case 5: p.expires_at = p.created_at; break;
        case 6: p.reader_key = mdlg_bytes_make(bigkey, sizeof bigkey); break;
        case 7: p.reader_key = mdlg_bytes_make(NULL, 0); break;
        }
        char id[MDLG_STORE_ID_LEN + 1], nonce[MDLG_STORE_NONCE_LEN + 1];
        mdlg_err err = mdlg_store_request_create(s, &p, id, nonce);
        if (err != rows[i].want)
            fail_msg("%s: got %s", rows[i].name, mdlg_err_name(err));
    }
    mdlg_store_close(s);
}

enum op { GET, CONSUME };

/* One step of a request's life: operation, time after creation, expected result. */
struct step {
    const char *name;
    int which;            /* 0: request A, 1: request B, 2: unknown id, 3: malformed id */
    enum op op;
    int64_t dt;
    mdlg_err want;
    enum mdlg_request_state state;   /* for GET / successful CONSUME */
    bool key;                        /* reader key returned */
};

static const struct step lifecycle[] = {
    { "get pending", 0, GET, 1, MDLG_E_OK, MDLG_REQUEST_PENDING, true },
    { "consume", 0, CONSUME, 2, MDLG_E_OK, MDLG_REQUEST_COMPLETED, true },
    { "consume twice", 0, CONSUME, 3, MDLG_E_STORE_CONFLICT, 0, false },
    { "get completed", 0, GET, 4, MDLG_E_OK, MDLG_REQUEST_COMPLETED, false },
    { "consume completed after expiry", 0, CONSUME, TTL + 5, MDLG_E_STORE_CONFLICT, 0, false },
    { "consume at expires_at", 1, CONSUME, TTL, MDLG_E_STORE_EXPIRED, 0, false },
    { "consume after expiry", 1, CONSUME, TTL + 1, MDLG_E_STORE_EXPIRED, 0, false },
    { "get expired", 1, GET, TTL + 1, MDLG_E_OK, MDLG_REQUEST_EXPIRED, false },
    { "get before expiry still pending", 1, GET, TTL - 1, MDLG_E_OK, MDLG_REQUEST_PENDING, true },
    { "consume unknown", 2, CONSUME, 1, MDLG_E_STORE_NOT_FOUND, 0, false },
    { "get unknown", 2, GET, 1, MDLG_E_STORE_NOT_FOUND, 0, false },
    { "consume malformed id", 3, CONSUME, 1, MDLG_E_STORE_NOT_FOUND, 0, false },
    { "get malformed id", 3, GET, 1, MDLG_E_STORE_NOT_FOUND, 0, false },
};

static void test_lifecycle(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    mdlg_store *s = open_ok(f, &o, T0);
    char ids[4][MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, ids[0]);
    create_at(s, T0, ids[1]);
    snprintf(ids[2], sizeof ids[2], "%s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    snprintf(ids[3], sizeof ids[3], "%s", "../../etc/passwd' OR 1=1 --");
    struct mdlg_request *r = malloc(sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < COUNT(lifecycle); i++) {
        const struct step *t = &lifecycle[i];
        mdlg_err err = t->op == GET ? mdlg_store_request_get(s, ids[t->which], T0 + t->dt, r)
                                    : mdlg_store_request_consume(s, ids[t->which], T0 + t->dt, r);
        if (err != t->want)
            fail_msg("%s: got %s, want %s", t->name, mdlg_err_name(err), mdlg_err_name(t->want));
        if (err != MDLG_E_OK)
            continue;
        if (r->state != t->state)
            fail_msg("%s: state %s", t->name, mdlg_request_state_name(r->state));
        assert_int_equal(r->reader_key_len, t->key ? sizeof reader_key : 0);
        if (t->key)
            assert_memory_equal(r->reader_key, reader_key, sizeof reader_key);
        if (r->state == MDLG_REQUEST_COMPLETED)
            assert_int_equal(r->completed_at, T0 + 2);
    }
    assert_err(mdlg_store_request_consume(s, NULL, T0, r), MDLG_E_STORE_NOT_FOUND);
    free(r);
    mdlg_store_close(s);
}

/* A sealed key opens only under the server key that sealed it. */
static void test_server_key(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    mdlg_store *s = open_ok(f, &o, T0);
    char id[MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, id);
    mdlg_store_close(s);

    static const uint8_t other[MDLG_STORE_KEY_SIZE] = "another key, another key, anothe";
    const struct { const uint8_t *key; mdlg_err want; } rows[] = {
        { other, MDLG_E_STORE_KEY },
        { NULL, MDLG_E_STORE_KEY },       /* ephemeral key of a new handle */
        { server_key, MDLG_E_OK },
    };
    struct mdlg_request r;
    for (size_t i = 0; i < COUNT(rows); i++) {
        o.secret_key = rows[i].key;
        s = open_ok(f, &o, T0);
        assert_err(mdlg_store_request_get(s, id, T0 + 1, &r), rows[i].want);
        mdlg_store_close(s);
    }

    /* the id is bound to the sealed key: a key moved to another row does not open */
    s = open_ok(f, &o, T0);
    char other_id[MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, other_id);
    mdlg_store_close(s);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE requests SET reader_key = (SELECT reader_key FROM requests"
             " WHERE id = '%s') WHERE id = '%s'", id, other_id);
    db_exec(f, sql);
    s = open_ok(f, &o, T0);
    assert_err(mdlg_store_request_get(s, id, T0 + 1, &r), MDLG_E_OK);
    assert_err(mdlg_store_request_get(s, other_id, T0 + 1, &r), MDLG_E_STORE_KEY);
    mdlg_store_close(s);
}

/* ---- concurrency: threads ---- */

#define NTHREADS 8
#define ROUNDS 10

struct racer {
    mdlg_store *s;
    const char *id;
    pthread_barrier_t *go;
    mdlg_err result;
};

static void *race_consume(void *arg)
{
    struct racer *r = arg;
    struct mdlg_request *req = malloc(sizeof *req);
    pthread_barrier_wait(r->go);
    r->result = req != NULL ? mdlg_store_request_consume(r->s, r->id, T0 + 1, req)
                            : MDLG_E_NO_MEMORY;
    free(req);
    return NULL;
}

/* Runs NTHREADS consumers of one id; each uses handles[i % nhandles]. */
static void race_round(mdlg_store **handles, size_t nhandles, const char *id)
{
    pthread_t th[NTHREADS];
    struct racer r[NTHREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        r[i] = (struct racer){ handles[(size_t)i % nhandles], id, &go, MDLG_E_INTERNAL };
        assert_int_equal(pthread_create(&th[i], NULL, race_consume, &r[i]), 0);
    }
    int won = 0, conflict = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        won += r[i].result == MDLG_E_OK;
        conflict += r[i].result == MDLG_E_STORE_CONFLICT;
        if (r[i].result != MDLG_E_OK && r[i].result != MDLG_E_STORE_CONFLICT)
            fail_msg("thread %d: %s", i, mdlg_err_name(r[i].result));
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(won, 1);
    assert_int_equal(conflict, NTHREADS - 1);
}

static void test_threads_consume_once(void **state)
{
    struct fx *f = *state;
    /* one shared handle (its pool), and one handle per thread */
    const struct { size_t handles; unsigned pool; } rows[] = { { 1, 4 }, { NTHREADS, 1 } };
    for (size_t k = 0; k < COUNT(rows); k++) {
        struct mdlg_store_options o = opts();
        o.pool_size = rows[k].pool;
        mdlg_store *h[NTHREADS];
        for (size_t i = 0; i < rows[k].handles; i++)
            h[i] = open_ok(f, &o, T0);
        for (int round = 0; round < ROUNDS; round++) {
            char id[MDLG_STORE_ID_LEN + 1];
            create_at(h[0], T0, id);
            race_round(h, rows[k].handles, id);
        }
        for (size_t i = 0; i < rows[k].handles; i++)
            mdlg_store_close(h[i]);
    }
}

/* ---- concurrency and durability: processes ---- */

/* Child: opens its own handle, waits for the go byte, consumes, exits with the result. */
static void child_consume(const struct fx *f, const char *id, int go_fd)
{
    struct mdlg_store_options o = opts();
    mdlg_store *s = NULL;
    struct mdlg_request r;
    if (mdlg_store_open(f->url, &o, T0, &s) != MDLG_E_OK)
        _exit(100);
    char c;
    if (read(go_fd, &c, 1) != 0)   /* EOF when the parent closes its end */
        _exit(101);
    mdlg_err err = mdlg_store_request_consume(s, id, T0 + 1, &r);
    _exit(err == MDLG_E_OK ? 0 : err == MDLG_E_STORE_CONFLICT ? 1 : 102);
}

static int wait_child(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_processes_consume_once(void **state)
{
    struct fx *f = *state;
    for (int round = 0; round < 5; round++) {
        char id[MDLG_STORE_ID_LEN + 1];
        struct mdlg_store_options o = opts();
        mdlg_store *s = open_ok(f, &o, T0);
        create_at(s, T0, id);
        mdlg_store_close(s);   /* no connection crosses the fork */
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t kids[2];
        for (int i = 0; i < 2; i++) {
            kids[i] = fork();
            assert_true(kids[i] >= 0);
            if (kids[i] == 0) {
                close(pfd[1]);
                child_consume(f, id, pfd[0]);
            }
        }
        close(pfd[0]);
        usleep(50 * 1000);     /* let both open their handles */
        close(pfd[1]);         /* go */
        int a = wait_child(kids[0]), b = wait_child(kids[1]);
        if (!((a == 0 && b == 1) || (a == 1 && b == 0)))
            fail_msg("round %d: child results %d and %d", round, a, b);
    }
}

/*
 * Child: writes, acknowledges each write on the pipe, then waits to be
 * killed. It never closes its handle.
 */
static void child_write_then_hang(const struct fx *f, const char *pending_id, int ack_fd)
{
    struct mdlg_store_options o = opts();
    mdlg_store *s = NULL;
    struct mdlg_request r;
    char id[MDLG_STORE_ID_LEN + 1], nonce[MDLG_STORE_NONCE_LEN + 1];
    struct mdlg_request_params p = params(T0, T0 + TTL);
    if (mdlg_store_open(f->url, &o, T0, &s) != MDLG_E_OK ||
        mdlg_store_request_create(s, &p, id, nonce) != MDLG_E_OK ||
        mdlg_store_request_consume(s, pending_id, T0 + 1, &r) != MDLG_E_OK ||
        mdlg_store_verdict_put(s, pending_id, "{\"full\":true}", "{}", T0 + 2) != MDLG_E_OK)
        _exit(1);
    if (write(ack_fd, id, MDLG_STORE_ID_LEN) != MDLG_STORE_ID_LEN)   /* acknowledged */
        _exit(1);
    for (;;)
        pause();
}

static void test_durable_after_kill(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    mdlg_store *s = open_ok(f, &o, T0);
    char pending[MDLG_STORE_ID_LEN + 1], written[MDLG_STORE_ID_LEN + 1] = "";
    create_at(s, T0, pending);
    mdlg_store_close(s);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        child_write_then_hang(f, pending, pfd[1]);
    }
    close(pfd[1]);
    assert_int_equal(read(pfd[0], written, MDLG_STORE_ID_LEN), MDLG_STORE_ID_LEN);
    close(pfd[0]);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));

    if (bk == SQLITE) {   /* the writes sit in the WAL: nobody checkpointed them */
        char wal[160];
        snprintf(wal, sizeof wal, "%s-wal", f->path);
        struct stat sb;
        assert_int_equal(stat(wal, &sb), 0);
        assert_true(sb.st_size > 0);
    }

    s = open_ok(f, &o, T0 + 3);
    struct mdlg_request r;
    assert_err(mdlg_store_request_get(s, written, T0 + 3, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_PENDING);
    assert_err(mdlg_store_request_get(s, pending, T0 + 3, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_COMPLETED);
    assert_err(mdlg_store_request_consume(s, pending, T0 + 3, &r), MDLG_E_STORE_CONFLICT);
    char *json = NULL;
    bool redacted = true;
    assert_err(mdlg_store_verdict_get(s, pending, T0 + 3, &json, &redacted), MDLG_E_OK);
    assert_string_equal(json, "{\"full\":true}");
    free(json);
    mdlg_store_close(s);
}

/* ---- verdicts and retention ---- */

/* A completed request with a verdict stored at T0 + 2. */
static void completed_with_verdict(mdlg_store *s, char id[MDLG_STORE_ID_LEN + 1],
                                   const char *full)
{
    struct mdlg_request r;
    create_at(s, T0, id);
    assert_err(mdlg_store_request_consume(s, id, T0 + 1, &r), MDLG_E_OK);
    assert_err(mdlg_store_verdict_put(s, id, full, "{\"valid\":true}", T0 + 2), MDLG_E_OK);
}

struct read_row {
    int64_t dt;          /* since T0 */
    bool want_full;      /* else redacted */
};

struct retention_case {
    const char *name;
    bool keep_after_read;
    int64_t retention;   /* 0: default */
    bool store_full;
    struct read_row reads[4];
    size_t nreads;
};

static const struct retention_case retention_cases[] = {
    { "default: first read takes the values", false, 0, true,
      { { 3, true }, { 4, false }, { 5, false } }, 3 },
    { "keep after read, until retention", true, 60, true,
      { { 3, true }, { 4, true }, { 61, true }, { 62, false } }, 4 },
    { "retention passes before any read", false, 60, true, { { 62, false }, { 63, false } }, 2 },
    { "retention edge: full_until is exclusive", false, 60, true, { { 61, true } }, 1 },
    { "nothing to retain", false, 0, false, { { 3, false } }, 1 },
};

static void test_retention(void **state)
{
    struct fx *f = *state;
    const char *full = "{\"valid\":true,\"elements\":{\"family_name\":\"Doe\"}}";
    for (size_t i = 0; i < COUNT(retention_cases); i++) {
        const struct retention_case *c = &retention_cases[i];
        struct mdlg_store_options o = opts();
        o.keep_elements_after_read = c->keep_after_read;
        o.elements_retention_s = c->retention;
        mdlg_store *s = open_ok(f, &o, T0);
        char id[MDLG_STORE_ID_LEN + 1];
        completed_with_verdict(s, id, c->store_full ? full : NULL);
        for (size_t k = 0; k < c->nreads; k++) {
            char *json = NULL;
            bool redacted = false;
            assert_err(mdlg_store_verdict_get(s, id, T0 + c->reads[k].dt, &json, &redacted),
                       MDLG_E_OK);
            if (redacted == c->reads[k].want_full)
                fail_msg("%s, read %zu: got the %s verdict", c->name, k,
                         redacted ? "redacted" : "full");
            assert_string_equal(json, redacted ? "{\"valid\":true}" : full);
            free(json);
        }
        mdlg_store_close(s);
    }
}

static void test_verdict_put_rules(void **state)
{
    struct fx *f = *state;
    mdlg_store *s = open_ok(f, NULL, T0);
    char pending[MDLG_STORE_ID_LEN + 1], done[MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, pending);
    completed_with_verdict(s, done, "{}");
    const struct { const char *id; const char *redacted; mdlg_err want; } rows[] = {
        { pending, "{}", MDLG_E_STORE_CONFLICT },                          /* not completed */
        { done, "{}", MDLG_E_STORE_CONFLICT },                             /* already stored */
        { "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "{}", MDLG_E_STORE_NOT_FOUND },
        { "short", "{}", MDLG_E_STORE_NOT_FOUND },
        { done, NULL, MDLG_E_USAGE },
    };
    for (size_t i = 0; i < COUNT(rows); i++)
        assert_err(mdlg_store_verdict_put(s, rows[i].id, "{}", rows[i].redacted, T0 + 5),
                   rows[i].want);
    char *json = NULL;
    bool redacted;
    assert_err(mdlg_store_verdict_get(s, pending, T0 + 5, &json, &redacted),
               MDLG_E_STORE_NOT_FOUND);
    assert_null(json);
    mdlg_store_close(s);
}

/*
 * Screening records beside a verdict: put needs a verdict, get reports the
 * request's state (pending, expired, completed) and the record only when
 * completed; the bytes come back as stored; purge removes them with the row.
 */
static void test_screening_records(void **state)
{
    struct fx *f = *state;
    mdlg_store *s = open_ok(f, NULL, T0);
    char pending[MDLG_STORE_ID_LEN + 1], done[MDLG_STORE_ID_LEN + 1], bare[MDLG_STORE_ID_LEN + 1];
    uint8_t rec[300], out[MDLG_STORE_SCREENING_MAX];
    size_t len = 7;
    enum mdlg_request_state st;
    struct mdlg_request r;
    for (size_t i = 0; i < sizeof rec; i++)
        rec[i] = (uint8_t)(i * 7 + 1);
    create_at(s, T0, pending);
    completed_with_verdict(s, done, "{}");
    create_at(s, T0, bare);
    assert_err(mdlg_store_request_consume(s, bare, T0 + 1, &r), MDLG_E_OK);
    const struct { const char *id; size_t n; mdlg_err want; } puts[] = {
        { pending, sizeof rec, MDLG_E_STORE_NOT_FOUND },                 /* no verdict yet */
        { bare, sizeof rec, MDLG_E_STORE_NOT_FOUND },                    /* completed, no verdict */
        { "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", sizeof rec, MDLG_E_STORE_NOT_FOUND },
        { done, 0, MDLG_E_USAGE },
        { done, sizeof rec, MDLG_E_OK },
    };
    for (size_t i = 0; i < COUNT(puts); i++)
        assert_err(mdlg_store_screening_put(s, puts[i].id, mdlg_bytes_make(rec, puts[i].n)),
                   puts[i].want);
    const struct { const char *id; int64_t at; mdlg_err want; enum mdlg_request_state st;
                   size_t len; } gets[] = {
        { pending, T0 + 5, MDLG_E_OK, MDLG_REQUEST_PENDING, 0 },
        { pending, T0 + TTL, MDLG_E_OK, MDLG_REQUEST_EXPIRED, 0 },
        { bare, T0 + 5, MDLG_E_OK, MDLG_REQUEST_COMPLETED, 0 },
        { done, T0 + 5, MDLG_E_OK, MDLG_REQUEST_COMPLETED, sizeof rec },
        { done, T0 + 10 * TTL, MDLG_E_OK, MDLG_REQUEST_COMPLETED, sizeof rec },
        { "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", T0 + 5, MDLG_E_STORE_NOT_FOUND, 0, 0 },
        { "short", T0 + 5, MDLG_E_STORE_NOT_FOUND, 0, 0 },
    };
    for (size_t i = 0; i < COUNT(gets); i++) {
        memset(out, 0, sizeof out);
        assert_err(mdlg_store_screening_get(s, gets[i].id, gets[i].at, &st, out, &len),
                   gets[i].want);
        assert_int_equal(len, gets[i].len);
        if (gets[i].want == MDLG_E_OK)
            assert_int_equal(st, gets[i].st);
        if (len > 0)
            assert_memory_equal(out, rec, sizeof rec);
    }
    /* the record goes with the row */
    assert_err(mdlg_store_purge(s, T0 + TTL + 2 * 86400, NULL), MDLG_E_OK);
    assert_err(mdlg_store_screening_get(s, done, T0 + TTL + 2 * 86400, &st, out, &len),
               MDLG_E_STORE_NOT_FOUND);
    mdlg_store_close(s);
}

struct reader {
    mdlg_store *s;
    const char *id;
    pthread_barrier_t *go;
    mdlg_err err;
    bool redacted;
};

static void *race_read(void *arg)
{
    struct reader *r = arg;
    char *json = NULL;
    pthread_barrier_wait(r->go);
    r->err = mdlg_store_verdict_get(r->s, r->id, T0 + 3, &json, &r->redacted);
    free(json);
    return NULL;
}

/* Under the default policy exactly one of many concurrent readers gets the values. */
static void test_verdict_read_once_threads(void **state)
{
    struct fx *f = *state;
    mdlg_store *s = open_ok(f, NULL, T0);
    char id[MDLG_STORE_ID_LEN + 1];
    completed_with_verdict(s, id, "{\"elements\":1}");
    pthread_t th[NTHREADS];
    struct reader r[NTHREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        r[i] = (struct reader){ s, id, &go, MDLG_E_INTERNAL, true };
        assert_int_equal(pthread_create(&th[i], NULL, race_read, &r[i]), 0);
    }
    int full = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        assert_err(r[i].err, MDLG_E_OK);
        full += !r[i].redacted;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(full, 1);
    mdlg_store_close(s);
}

static void test_purge(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    o.elements_retention_s = 60;
    o.record_retention_s = 1000;
    mdlg_store *s = open_ok(f, &o, T0);
    char stale[MDLG_STORE_ID_LEN + 1], done[MDLG_STORE_ID_LEN + 1], fresh[MDLG_STORE_ID_LEN + 1];
    create_at(s, T0, stale);                                   /* never answered */
    /* the marker sits at the end of a long value, where a shorter rewrite of the row
     * would not overwrite it by chance */
    char full[1024];
    snprintf(full, sizeof full, "{\"portrait\":\"%0600d\",\"family_name\":\"Zyxwvutsrq-PII\"}", 0);
    completed_with_verdict(s, done, full);
    create_at(s, T0 + TTL, fresh);                             /* expires at T0 + 2 TTL */

    struct mdlg_store_purge_stats st;
    assert_err(mdlg_store_purge(s, T0 + 10, &st), MDLG_E_OK);   /* nothing due yet */
    assert_int_equal(st.requests_expired + st.elements_deleted + st.requests_deleted, 0);

    assert_err(mdlg_store_purge(s, T0 + TTL, &st), MDLG_E_OK);
    assert_int_equal(st.requests_expired, 1);      /* stale; `done` is completed */
    assert_int_equal(st.elements_deleted, 1);      /* T0 + 2 + 60 <= T0 + TTL */
    assert_int_equal(st.requests_deleted, 0);
    assert_int_equal(db_int(f, "SELECT count(*) FROM requests WHERE reader_key IS NOT NULL"), 1);
    if (bk == SQLITE) {   /* secure_delete and the WAL checkpoint: gone from the files */
        char wal[160];
        snprintf(wal, sizeof wal, "%s-wal", f->path);
        assert_false(file_contains(f->path, "Zyxwvutsrq-PII"));
        assert_false(file_contains(wal, "Zyxwvutsrq-PII"));
    }
    assert_int_equal(db_int(f, "SELECT count(*) FROM verdicts WHERE full_json IS NOT NULL"), 0);

    char *json = NULL;
    bool redacted = false;
    assert_err(mdlg_store_verdict_get(s, done, T0 + TTL, &json, &redacted), MDLG_E_OK);
    assert_true(redacted);
    free(json);
    struct mdlg_request r;
    assert_err(mdlg_store_request_get(s, stale, T0 + TTL, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_EXPIRED);

    /* expires_at + record retention: stale and done go, fresh stays */
    assert_err(mdlg_store_purge(s, T0 + TTL + 1000, &st), MDLG_E_OK);
    assert_int_equal(st.requests_deleted, 2);
    assert_err(mdlg_store_request_get(s, stale, T0, &r), MDLG_E_STORE_NOT_FOUND);
    assert_err(mdlg_store_request_get(s, done, T0, &r), MDLG_E_STORE_NOT_FOUND);
    assert_err(mdlg_store_verdict_get(s, done, T0, &json, &redacted), MDLG_E_STORE_NOT_FOUND);
    assert_err(mdlg_store_request_get(s, fresh, T0 + TTL + 1000, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_EXPIRED);
    mdlg_store_close(s);
    assert_int_equal(db_int(f, "SELECT count(*) FROM verdicts"), 0);
}

static void test_state_names_and_codes(void **state)
{
    (void)state;
    assert_string_equal(mdlg_request_state_name(MDLG_REQUEST_COMPLETED), "completed");
    assert_string_equal(mdlg_request_state_name(MDLG_REQUEST_EXPIRED), "expired");
    assert_null(mdlg_request_state_name((enum mdlg_request_state)7));
    const struct { mdlg_err e; const char *name; } rows[] = {
        { MDLG_E_STORE_UNAVAILABLE, "STORE_UNAVAILABLE" },
        { MDLG_E_STORE_NOT_FOUND, "STORE_NOT_FOUND" },
        { MDLG_E_STORE_CONFLICT, "STORE_CONFLICT" },
        { MDLG_E_STORE_EXPIRED, "STORE_EXPIRED" },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        assert_string_equal(mdlg_err_name(rows[i].e), rows[i].name);
        assert_true(mdlg_err_is_store(rows[i].e));
    }
    assert_false(mdlg_err_is_store(MDLG_E_IO));
}

/* ---- PostgreSQL only ---- */

/* Two handles are two instances: each sees what the other wrote, at once. */
static void test_pg_two_instances(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    mdlg_store *a = open_ok(f, &o, T0), *b = open_ok(f, &o, T0);
    char id[MDLG_STORE_ID_LEN + 1];
    struct mdlg_request r;
    create_at(a, T0, id);
    assert_err(mdlg_store_request_get(b, id, T0 + 1, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_PENDING);
    assert_memory_equal(r.reader_key, reader_key, sizeof reader_key);
    assert_err(mdlg_store_request_consume(b, id, T0 + 1, &r), MDLG_E_OK);
    assert_err(mdlg_store_request_consume(a, id, T0 + 1, &r), MDLG_E_STORE_CONFLICT);
    assert_err(mdlg_store_request_get(a, id, T0 + 2, &r), MDLG_E_OK);
    assert_int_equal(r.state, MDLG_REQUEST_COMPLETED);
    assert_err(mdlg_store_verdict_put(a, id, "{\"full\":1}", "{\"redacted\":1}", T0 + 2),
               MDLG_E_OK);
    char *json = NULL;
    bool redacted = true;
    assert_err(mdlg_store_verdict_get(b, id, T0 + 3, &json, &redacted), MDLG_E_OK);
    assert_false(redacted);   /* b takes the values... */
    free(json);
    assert_err(mdlg_store_verdict_get(a, id, T0 + 3, &json, &redacted), MDLG_E_OK);
    assert_true(redacted);    /* ...and a sees that they are gone */
    assert_string_equal(json, "{\"redacted\":1}");
    free(json);
    mdlg_store_close(a);
    mdlg_store_close(b);
}

/* Migrations wait for the advisory lock, up to busy_timeout_ms (lock_timeout). */
static void test_pg_migration_lock(void **state)
{
    struct fx *f = *state;
    pg_must(f->pg, "SELECT pg_advisory_lock(1835297895)");   /* pg_schema.c's MIGRATION_LOCK */
    struct mdlg_store_options o = opts();
    o.busy_timeout_ms = 300;
    mdlg_store *s = NULL;
    assert_err(mdlg_store_open(f->url, &o, T0, &s), MDLG_E_STORE_UNAVAILABLE);
    assert_null(s);
    assert_int_equal(relation_exists(f, "requests"), 0);
    pg_must(f->pg, "SELECT pg_advisory_unlock(1835297895)");
    s = open_ok(f, &o, T0);
    mdlg_store_close(s);
    assert_int_equal(relation_exists(f, "requests"), 1);
}

/* A connection the server dropped fails one call (503) and is reset on the next. */
static void test_pg_reconnect(void **state)
{
    struct fx *f = *state;
    struct mdlg_store_options o = opts();
    o.pool_size = 1;
    mdlg_store *s = open_ok(f, &o, T0);
    char id[MDLG_STORE_ID_LEN + 1], sql[200];
    create_at(s, T0, id);
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE application_name = '%s'", f->schema);
    assert_int_equal(db_int(f, sql), 1);
    struct mdlg_request r;
    mdlg_err first = mdlg_store_request_get(s, id, T0 + 1, &r);
    if (first != MDLG_E_OK && first != MDLG_E_STORE_UNAVAILABLE)
        fail_msg("first call after the drop: %s", mdlg_err_name(first));
    assert_err(mdlg_store_request_get(s, id, T0 + 1, &r), MDLG_E_OK);
    assert_memory_equal(r.reader_key, reader_key, sizeof reader_key);
    struct mdlg_store_info info;   /* the new session has the settings again */
    assert_err(mdlg_store_info(s, &info), MDLG_E_OK);
    assert_string_equal(info.synchronous_commit, "on");
    assert_int_equal(info.busy_timeout_ms, 10000);
    mdlg_store_close(s);
}

static void test_pg_open_errors(void **state)
{
    struct fx *f = *state;
    char nodb[1100], nouser[1100];
    snprintf(nodb, sizeof nodb, "%s&dbname=mdlg_no_such_db", f->url);
    snprintf(nouser, sizeof nouser, "%s&user=mdlg_no_such_role", f->url);
    const char *rows[] = { nodb, nouser, "postgresql://[::1", "postgres://%zz/x" };
    for (size_t i = 0; i < COUNT(rows); i++) {
        mdlg_store *s = NULL;
        mdlg_err err = mdlg_store_open(rows[i], NULL, T0, &s);
        if (err != MDLG_E_STORE_UNAVAILABLE)
            fail_msg("%s: %s", rows[i], mdlg_err_name(err));
        assert_null(s);
    }
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

/* The cases both backends run. */
#define COMMON_CASES                                                                      \
    FX(test_migrate_from_empty), FX(test_migrate_from_v1),                                \
        FX(test_migrate_failure_rolls_back), FX(test_schema_too_new),                     \
        FX(test_migrate_concurrent_open), FX(test_create_get), FX(test_create_rejects),   \
        FX(test_lifecycle), FX(test_server_key), FX(test_threads_consume_once),           \
        FX(test_processes_consume_once), FX(test_durable_after_kill), FX(test_retention), \
        FX(test_verdict_put_rules), FX(test_verdict_read_once_threads), FX(test_purge), \
        FX(test_screening_records)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {
        COMMON_CASES,
        FX(test_open_urls),
        cmocka_unit_test(test_state_names_and_codes),
    };
    const struct CMUnitTest pg_tests[] = {
        COMMON_CASES,
        FX(test_pg_two_instances),
        FX(test_pg_migration_lock),
        FX(test_pg_reconnect),
        FX(test_pg_open_errors),
    };
    bk = SQLITE;
    int failed = cmocka_run_group_tests_name("store on SQLite", sqlite_tests, NULL, NULL);
    bk = POSTGRES;
    return failed + mdlg_test_run_pg_group("store on PostgreSQL", pg_tests, COUNT(pg_tests),
                                           &pg_url);
}
