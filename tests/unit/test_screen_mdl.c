/*
 * test_screen_mdl.c - claims that name a presentation request
 * (mdl_request_id) instead of carrying the mDL elements inline
 * (mdlg_screen_mdl_seal, struct mdlg_claim.mdl_request):
 *
 *   - the ledger keys (mdl_document, mdl_device_key) are the very hashes the
 *     inline fields give, so both kinds of claims count each other;
 *   - table: reuse, out-of-state, name and birth-date mismatch, unverified;
 *   - refusals: inline mdl_* beside mdl_request_id, no or a broken record;
 *   - the record holds no element text.
 */
#define _GNU_SOURCE   /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mdlg/screen.h"
#include "testutil.h"

#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */

static const uint8_t thumb[32] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
#define THUMB_HEX "deadbeef0102030405060708090a" "000000000000000000000000000000000000"

struct fx {
    char dir[64], db[96];
    mdlg_ledger *l;
    mdlg_screener *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct mdlg_screen_config cfg;
    snprintf(f->dir, sizeof f->dir, "/tmp/mdlg-smdl-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/ledger.db", f->dir);
    mdlg_screen_config_defaults(&cfg);
    cfg.keys[0].id = 5;
    memset(cfg.keys[0].key, 0x55, sizeof cfg.keys[0].key);
    cfg.n_keys = 1;
    assert_int_equal(mdlg_ledger_open(f->db, NULL, T0, &f->l), MDLG_E_OK);
    assert_int_equal(mdlg_screener_new(&cfg, f->l, &f->s), MDLG_E_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mdlg_screener_free(f->s);
    mdlg_ledger_close(f->l);
    bool ok = mdlg_test_rm_tree(f->dir);
    free(f);
    return ok ? 0 : -1;
}

/* A sealed record of an mDL: CA document D1234567 of Ann Lee, 1980-01-01. */
static size_t seal(struct fx *f, uint8_t *rec, bool verified, const char *doc)
{
    struct mdlg_mdl_elements in = {
        .verified = verified, .jurisdiction = "US-CA", .document_number = doc,
        .device_key_thumbprint = thumb, .given_name = "Ann", .family_name = "Lee",
        .birth_date = "1980-01-01",
    };
    size_t len = 0;
    assert_int_equal(mdlg_screen_mdl_seal(f->s, &in, rec, MDLG_SCREEN_MDL_SEALED_MAX, &len),
                     MDLG_E_OK);
    assert_true(len > 0 && len <= MDLG_SCREEN_MDL_SEALED_MAX);
    return len;
}

/* Screens one claim (with a record if rec != NULL); returns its result (caller frees). */
static char *screen1(struct fx *f, const char *const *kv, const uint8_t *rec, size_t len,
                     mdlg_err want)
{
    struct mdlg_claim c;
    struct mdlg_screen_item it = { .claim = &c };
    mdlg_test_claim_set(&c, kv);
    c.mdl_request = rec;
    c.mdl_request_len = len;
    assert_int_equal(mdlg_screen_batch(f->s, &it, 1, T0), MDLG_E_OK);
    assert_int_equal(it.err, want);
    return it.json;
}

/* The hash of key type `type` in a result's "keys", or "" (static buffer). */
static const char *key_hash(const char *json, const char *type)
{
    static char out[65];
    char pat[64];
    snprintf(pat, sizeof pat, "{\"type\":\"%s\",\"key_id\":5,\"hash\":\"", type);
    const char *p = json ? strstr(json, pat) : NULL;
    snprintf(out, sizeof out, "%.64s", p ? p + strlen(pat) : "");
    return out;
}

static bool fired(const char *json, const char *sig)
{
    char pat[64];
    snprintf(pat, sizeof pat, "{\"signal\":\"%s\",", sig);
    return json != NULL && strstr(json, pat) != NULL;
}

static void test_same_keys_as_inline(void **state)
{
    struct fx *f = *state;
    uint8_t rec[MDLG_SCREEN_MDL_SEALED_MAX];
    size_t len = seal(f, rec, true, "D1234567");
    const char *inl[] = { "claim_id=I1", "given_name=Ann", "family_name=Lee",
                          "birth_date=1980-01-01", "claim_state=CA", "mdl_verified=true",
                          "mdl_jurisdiction=US-CA", "mdl_document_number=D1234567",
                          "mdl_device_key=" THUMB_HEX, "mdl_given_name=Ann",
                          "mdl_family_name=Lee", "mdl_birth_date=1980-01-01", NULL };
    const char *byreq[] = { "claim_id=R1", "given_name=Bob", "family_name=Ray",
                            "birth_date=1981-02-02", "claim_state=CA",
                            "mdl_request_id=req-1", NULL };
    char *a = screen1(f, inl, NULL, 0, MDLG_E_OK), *b = screen1(f, byreq, rec, len, MDLG_E_OK);
    char ha[65];
    snprintf(ha, sizeof ha, "%s", key_hash(a, "mdl_document"));
    assert_int_equal(strlen(ha), 64);
    assert_string_equal(key_hash(b, "mdl_document"), ha);
    snprintf(ha, sizeof ha, "%s", key_hash(a, "mdl_device_key"));
    assert_int_equal(strlen(ha), 64);
    assert_string_equal(key_hash(b, "mdl_device_key"), ha);
    /* so the second (another identity, same document) is a reuse of the first */
    assert_false(fired(a, "mdl_document_reuse"));
    assert_true(fired(b, "mdl_document_reuse"));
    assert_true(fired(b, "mdl_name_mismatch") && fired(b, "mdl_birth_date_mismatch"));
    free(a), free(b);
}

struct mdl_case {
    const char *name;
    bool verified;
    const char *given, *dob, *state;
    bool name_mismatch, dob_mismatch, out_of_state;
};

static const struct mdl_case cases[] = {
    { "matches", true, "Ann", "1980-01-01", "CA", false, false, false },
    { "name spelled differently but normalises equal", true, "A-NN", "01/01/1980", "CA",
      false, false, false },
    { "other name", true, "Anna", "1980-01-01", "CA", true, false, false },
    { "other birth date", true, "Ann", "1980-01-02", "CA", false, true, false },
    { "out of state", true, "Ann", "1980-01-01", "NV", false, false, true },
    { "not verified: no comparison", false, "Zed", "1999-09-09", "CA", false, false, false },
};

static void test_signals_table(void **state)
{
    struct fx *f = *state;
    uint8_t rec[MDLG_SCREEN_MDL_SEALED_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mdl_case *c = &cases[i];
        char id[32], g[64], d[64], st[32], doc[32];
        print_message("case: %s\n", c->name);
        snprintf(doc, sizeof doc, "X%zu", i);   /* a document of its own: no reuse */
        size_t len = seal(f, rec, c->verified, doc);
        snprintf(id, sizeof id, "claim_id=T%zu", i);
        snprintf(g, sizeof g, "given_name=%s", c->given);
        snprintf(d, sizeof d, "birth_date=%s", c->dob);
        snprintf(st, sizeof st, "claim_state=%s", c->state);
        const char *kv[] = { id, g, "family_name=Lee", d, st, "mdl_request_id=r", NULL };
        char *j = screen1(f, kv, rec, len, MDLG_E_OK);
        assert_int_equal(fired(j, "mdl_name_mismatch"), c->name_mismatch);
        assert_int_equal(fired(j, "mdl_birth_date_mismatch"), c->dob_mismatch);
        assert_int_equal(fired(j, "mdl_out_of_state"), c->out_of_state);
        assert_false(fired(j, "mdl_document_reuse"));
        free(j);
    }
}

static void test_refusals_and_no_text(void **state)
{
    struct fx *f = *state;
    uint8_t rec[MDLG_SCREEN_MDL_SEALED_MAX];
    size_t len = seal(f, rec, true, "D7654321");
    const char *both[] = { "claim_id=B1", "mdl_request_id=r", "mdl_document_number=D1", NULL };
    const char *req[] = { "claim_id=B2", "mdl_request_id=r", NULL };
    assert_null(screen1(f, both, rec, len, MDLG_E_CLAIM_INVALID));
    assert_null(screen1(f, req, NULL, 0, MDLG_E_CLAIM_INVALID));      /* not resolved */
    rec[0] = 9;                                                        /* unknown version */
    assert_null(screen1(f, req, rec, len, MDLG_E_CLAIM_INVALID));
    rec[0] = 1;
    assert_null(screen1(f, req, rec, len - 1, MDLG_E_CLAIM_INVALID)); /* truncated */
    /* the record carries the code in clear, and no element text */
    assert_non_null(memmem(rec, len, "US-CA", 5));
    static const char *const texts[] = { "D7654321", "7654321", "Ann", "ANN", "Lee", "LEE",
                                         "1980-01-01", "19800101" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_null(memmem(rec, len, texts[i], strlen(texts[i])));
    assert_null(memmem(rec, len, thumb, 8));
    char *j = screen1(f, req, rec, len, MDLG_E_OK);
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_keys_as_inline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_no_text, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
