/*
 * test_trustlist.c - trust-lists manifests, `trust sync` from a mirror, VICAL
 * import, and jurisdiction binding through a synced trust directory.
 *
 * The mirror is $MDLG_SHARED/iaca and the VICAL $MDLG_SHARED/vectors/mdoc/
 * aamva-vical; cases that need them skip() when the shared directory is
 * absent. Manifests are read from trust-lists/ in the repository.
 */
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

#include "mdlg/issuer.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/transcript.h"
#include "mdlg/trust.h"
#include "mdlg/trustlist.h"
#include "testutil.h"

#define LISTS "trust-lists"
#define NOW 1796428800          /* 2026-12-05T00:00:00Z */
#define DAY 86400

/* ---- manifest parsing ---- */

#define ROOT "root: X-1\nsha256: " \
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n" \
    "subject: CN = x\nnot_before: 2024-01-01T00:00:00Z\nnot_after: 2034-01-01T00:00:00Z\n" \
    "status: production\nvical: no\nsource: https://example.gov/\n"

struct mcase {
    const char *text;
    mdlg_err want;
    size_t line;    /* expected diag line on failure */
};

static const struct mcase mcases[] = {
    { "jurisdiction: US-XX\n\n" ROOT, MDLG_E_OK, 0 },
    { "# c\njurisdiction: US-XX\n" ROOT "crl: http://x/crl\nmirror: X-1.pem\nuse: iaca\n", MDLG_E_OK, 0 },
    { ROOT, MDLG_E_TRUST_MANIFEST_MALFORMED, 1 },                         /* no jurisdiction first */
    { "jurisdiction: US-XX\n" ROOT "status: test\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 10 }, /* repeated */
    { "jurisdiction: US-XX\n" ROOT "colour: red\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 10 },  /* unknown */
    { "jurisdiction: US-XX\nroot: X-1\nsha256: 0011\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 3 },
    { "jurisdiction: US-XX\n" ROOT "\n" ROOT, MDLG_E_TRUST_MANIFEST_MALFORMED, 18 }, /* dup id, at its end */
    { "jurisdiction: US-XX\nroot: X-1\nsubject: x\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 3 }, /* missing keys */
    { "jurisdiction: US-XX\n" ROOT "fetch: ftp://x\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 10 },
    { "jurisdiction: US-XX\n" ROOT "mirror: ../x.pem\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 10 },
    { "jurisdiction: ../etc\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 1 },
    { "jurisdiction: US-XX\nno colon here\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 2 },
};

static void test_manifest_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        struct mdlg_manifest m;
        struct mdlg_diag d = { 0 };
        mdlg_err e = mdlg_manifest_parse(mcases[i].text, strlen(mcases[i].text), &m, &d);
        if (e != mcases[i].want || (e != MDLG_E_OK && d.offset != mcases[i].line))
            print_message("case %zu: got %s line %zu (%s)\n", i, mdlg_err_name(e), d.offset,
                          d.path ? d.path : "");
        assert_int_equal(e, mcases[i].want);
        if (e == MDLG_E_OK) {
            assert_int_equal(m.n, 1);
            assert_string_equal(m.roots[0].mirror, "X-1.pem");
            assert_int_equal(m.roots[0].sha256[1], 0x11);
        } else {
            assert_int_equal(d.offset, mcases[i].line);
        }
        mdlg_manifest_free(&m);
    }
}

/* `status_list:` lines: manifest-level, before the first root, http(s), unique. */
struct slcase {
    const char *text;
    mdlg_err want;
    size_t lists;   /* on OK: how many */
    size_t line;    /* on failure: the diag line */
};

static const struct slcase slcases[] = {
    { "jurisdiction: US-XX\nstatus_list: https://s.example/1\n\n" ROOT, MDLG_E_OK, 1, 0 },
    { "jurisdiction: US-XX\nstatus_list: https://s.example/1\nstatus_list: http://s.example/2\n"
      ROOT, MDLG_E_OK, 2, 0 },
    { "jurisdiction: US-XX\n" ROOT, MDLG_E_OK, 0, 0 },
    { "status_list: https://s.example/1\njurisdiction: US-XX\n", MDLG_E_TRUST_MANIFEST_MALFORMED,
      0, 1 },                                                         /* before jurisdiction */
    { "jurisdiction: US-XX\n" ROOT "status_list: https://s.example/1\n",
      MDLG_E_TRUST_MANIFEST_MALFORMED, 0, 10 },                       /* after a root */
    { "jurisdiction: US-XX\nstatus_list: ftp://s.example/1\n", MDLG_E_TRUST_MANIFEST_MALFORMED, 0, 2 },
    { "jurisdiction: US-XX\nstatus_list: https://s.example/1\nstatus_list: https://s.example/1\n",
      MDLG_E_TRUST_MANIFEST_MALFORMED, 0, 3 },                        /* repeated */
};

static void test_manifest_status_lists(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof slcases / sizeof slcases[0]; i++) {
        struct mdlg_manifest m;
        struct mdlg_diag d = { 0 };
        mdlg_err e = mdlg_manifest_parse(slcases[i].text, strlen(slcases[i].text), &m, &d);
        if (e != slcases[i].want)
            print_message("case %zu: got %s line %zu (%s)\n", i, mdlg_err_name(e), d.offset,
                          d.path ? d.path : "");
        assert_int_equal(e, slcases[i].want);
        if (e == MDLG_E_OK) {
            assert_int_equal(m.n_status_lists, slcases[i].lists);
            if (m.n_status_lists > 0)
                assert_string_equal(m.status_lists[0], "https://s.example/1");
        } else {
            assert_int_equal(d.offset, slcases[i].line);
        }
        mdlg_manifest_free(&m);
    }
}

/* Every committed manifest root matches its certificate in the mirror:
 * fingerprint, validity and (for IACAs) jurisdiction. */
static void test_manifests_match_mirror(void **state)
{
    (void)state;
    char *mirror = mdlg_test_shared_path("iaca");
    if (mirror == NULL)
        skip();
    struct mdlg_manifest *m = NULL;
    size_t nm = 0, roots = 0;
    assert_int_equal(mdlg_manifest_load_all(LISTS, &m, &nm, NULL, NULL), MDLG_E_OK);
    assert_true(nm >= 20);
    for (size_t i = 0; i < nm; i++) {
        for (size_t k = 0; k < m[i].n; k++, roots++) {
            const struct mdlg_manifest_root *r = &m[i].roots[k];
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", mirror, r->mirror);
            mdlg_trust *t = mdlg_trust_new();
            struct mdlg_anchor_info ai;
            assert_int_equal(mdlg_trust_add_file(t, path, NULL), MDLG_E_OK);
            assert_int_equal(mdlg_trust_anchor_info(t, 0, &ai), MDLG_E_OK);
            if (memcmp(ai.sha256, r->sha256, 32) != 0)
                print_message("%s: fingerprint differs\n", r->id);
            assert_memory_equal(ai.sha256, r->sha256, 32);
            assert_int_equal(ai.not_before, r->not_before);
            assert_int_equal(ai.not_after, r->not_after);
            if (strncmp(m[i].jurisdiction, "US-", 3) == 0)
                assert_string_equal(ai.jurisdiction, m[i].jurisdiction);
            mdlg_trust_free(t);
        }
    }
    assert_true(roots >= 45);
    mdlg_manifest_free_all(m, nm);
    free(mirror);
}

/* ---- sync ---- */

static void count(const struct mdlg_sync_report *r, size_t n[MDLG_SYNC_STATUS_COUNT])
{
    memset(n, 0, sizeof(size_t) * MDLG_SYNC_STATUS_COUNT);
    for (size_t i = 0; i < r->n; i++)
        n[r->roots[i].status]++;
}

static const struct mdlg_sync_root *find_root(const struct mdlg_sync_report *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->roots[i].id, id) == 0)
            return &r->roots[i];
    return NULL;
}

static char *mktemp_dir(void)
{
    char *d = strdup("/tmp/mdlg-trustlist-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

/* Loads dir; returns the anchor count; *az counts US-AZ anchors. */
static size_t load_count(const char *dir, size_t *az, bool *has_az3)
{
    static const uint8_t az3[4] = { 0x93, 0xf7, 0x58, 0x67 };
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_load_dir(t, dir), MDLG_E_OK);
    size_t n = mdlg_trust_count(t);
    *az = 0;
    *has_az3 = false;
    for (size_t i = 0; i < n; i++) {
        struct mdlg_anchor_info ai;
        assert_int_equal(mdlg_trust_anchor_info(t, i, &ai), MDLG_E_OK);
        *az += strcmp(ai.jurisdiction, "US-AZ") == 0;
        *has_az3 |= memcmp(ai.sha256, az3, 4) == 0;
    }
    mdlg_trust_free(t);
    return n;
}

static void test_sync_mirror(void **state)
{
    (void)state;
    char *mirror = mdlg_test_shared_path("iaca");
    if (mirror == NULL)
        skip();
    char *tmp = mktemp_dir(), out[4096], tampered[4096], cmd[20000];
    snprintf(out, sizeof out, "%s/var/trust", tmp);
    struct mdlg_sync_opts o = { .lists_dir = LISTS, .mirror_dir = mirror, .trust_dir = out,
                                .now = NOW };
    struct mdlg_sync_report r;
    size_t n[MDLG_SYNC_STATUS_COUNT], az;
    bool az3;

    /* First sync: everything production is added; VA-1 has expired; the unverified
     * CO-2 and the five test roots are skipped. */
    assert_int_equal(mdlg_trust_sync(&o, &r), MDLG_E_OK);
    count(&r, n);
    assert_int_equal(n[MDLG_SYNC_ADDED], 38);
    assert_int_equal(n[MDLG_SYNC_EXPIRED], 1);
    assert_int_equal(find_root(&r, "VA-1")->status, MDLG_SYNC_EXPIRED);
    assert_int_equal(n[MDLG_SYNC_SKIPPED], 6);
    assert_int_equal(n[MDLG_SYNC_MISMATCHED] + n[MDLG_SYNC_UNREACHABLE], 0);
    mdlg_sync_report_free(&r);
    /* 38 added minus the AAMVA root (under .vical, not an IACA). */
    assert_int_equal(load_count(out, &az, &az3), 37);
    assert_int_equal(az, 10);
    assert_true(az3);

    /* Second sync: unchanged. */
    assert_int_equal(mdlg_trust_sync(&o, &r), MDLG_E_OK);
    count(&r, n);
    assert_int_equal(n[MDLG_SYNC_UNCHANGED], 38);
    assert_int_equal(n[MDLG_SYNC_ADDED], 0);
    mdlg_sync_report_free(&r);

    /* A tampered mirror: AZ-3.pem with one byte flipped. Refused as mismatched,
     * and the copy already in force stays. */
    snprintf(tampered, sizeof tampered, "%s/mirror", tmp);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s' && chmod -R u+w '%s' && "
             "python3 -c \"import sys;p=sys.argv[1];b=bytearray(open(p,'rb').read());"
             "b[200]^=1;open(p,'wb').write(b)\" '%s/AZ-3.pem'", mirror, tampered, tampered,
             tampered);
    assert_int_equal(system(cmd), 0);
    o.mirror_dir = tampered;
    assert_int_equal(mdlg_trust_sync(&o, &r), MDLG_E_OK);
    const struct mdlg_sync_root *z = find_root(&r, "AZ-3");
    assert_int_equal(z->status, MDLG_SYNC_MISMATCHED);
    assert_true(z->kept_previous);
    count(&r, n);
    assert_int_equal(n[MDLG_SYNC_MISMATCHED], 1);
    assert_int_equal(n[MDLG_SYNC_UNCHANGED], 37);
    mdlg_sync_report_free(&r);
    assert_int_equal(load_count(out, &az, &az3), 37);
    assert_true(az3);

    /* Into a fresh directory the tampered root is simply absent. */
    snprintf(out, sizeof out, "%s/fresh/trust", tmp);
    assert_int_equal(mdlg_trust_sync(&o, &r), MDLG_E_OK);
    assert_false(find_root(&r, "AZ-3")->kept_previous);
    mdlg_sync_report_free(&r);
    assert_int_equal(load_count(out, &az, &az3), 36);
    assert_false(az3);
    assert_int_equal(az, 9);

    assert_true(mdlg_test_rm_tree(tmp));
    free(tmp);
    free(mirror);
}

/* ---- VICAL ---- */

struct vcase {
    const char *at;
    mdlg_err want;
    bool stale;
};

static const struct vcase vcases[] = {
    { "2025-11-18T20:00:00Z", MDLG_E_OK, false },
    { "2025-12-01T00:00:00Z", MDLG_E_OK, true },
    { "2026-05-01T00:00:00Z", MDLG_E_CERT_EXPIRED, false },    /* signer expired 2026-04-18 */
    { "2025-11-18T18:00:00Z", MDLG_E_VICAL_NOT_YET_VALID, false },
};

static void test_vical(void **state)
{
    (void)state;
    char *vp = mdlg_test_shared_path("vectors/mdoc/aamva-vical/aamva-vical-2025-11-18.cbor");
    char *ap = mdlg_test_shared_path("vectors/mdoc/aamva-vical/aamva_dts_root_ca.pem");
    char *wrong = mdlg_test_shared_path("iaca/CA-1.pem");
    if (vp == NULL || ap == NULL || wrong == NULL)
        skip();
    size_t vlen, alen, wlen;
    uint8_t *v = mdlg_test_read_file(vp, &vlen), *a = mdlg_test_read_file(ap, &alen);
    uint8_t *w = mdlg_test_read_file(wrong, &wlen);
    for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
        int64_t now;
        bool frac;
        struct mdlg_vical out;
        assert_int_equal(mdlg_parse_rfc3339(mdlg_bytes_make(vcases[i].at, 20), false, &now,
                                            &frac), MDLG_E_OK);
        mdlg_err e = mdlg_vical_verify(v, vlen, (char *)a, alen, now, &out, NULL);
        assert_int_equal(e, vcases[i].want);
        if (e == MDLG_E_OK) {
            assert_int_equal(out.stale, vcases[i].stale);
            assert_int_equal(out.n, 14);
            assert_int_equal(out.issue_id, 227602);
            size_t ak = 0, wrapped = 0;
            for (size_t k = 0; k < out.n; k++) {
                ak += strcmp(out.entries[k].jurisdiction, "US-AK") == 0;
                wrapped += out.entries[k].ski_der_wrapped;
                assert_int_equal(strncmp(out.entries[k].jurisdiction, "US-", 3), 0);
            }
            assert_int_equal(ak, 1);
            assert_int_equal(wrapped, 14);
        }
        mdlg_vical_free(&out);
    }
    /* The wrong pinned root; a flipped payload byte. */
    struct mdlg_vical out;
    assert_int_equal(mdlg_vical_verify(v, vlen, (char *)w, wlen, 1763500000, &out, NULL),
                     MDLG_E_CHAIN_UNTRUSTED);
    v[vlen - 100] ^= 1;
    assert_int_not_equal(mdlg_vical_verify(v, vlen, (char *)a, alen, 1763500000, &out, NULL),
                         MDLG_E_OK);
    free(v);
    free(a);
    free(w);
    free(vp);
    free(ap);
    free(wrong);
}

static void test_vical_install(void **state)
{
    (void)state;
    char *vp = mdlg_test_shared_path("vectors/mdoc/aamva-vical/aamva-vical-2025-11-18.cbor");
    char *ap = mdlg_test_shared_path("vectors/mdoc/aamva-vical/aamva_dts_root_ca.pem");
    if (vp == NULL || ap == NULL)
        skip();
    size_t vlen, alen, az;
    bool az3;
    uint8_t *v = mdlg_test_read_file(vp, &vlen), *a = mdlg_test_read_file(ap, &alen);
    struct mdlg_vical out;
    assert_int_equal(mdlg_vical_verify(v, vlen, (char *)a, alen, 1763500000, &out, NULL),
                     MDLG_E_OK);
    char *tmp = mktemp_dir(), dir[4096];
    snprintf(dir, sizeof dir, "%s/trust", tmp);
    assert_int_equal(mdlg_vical_install(&out, dir), MDLG_E_OK);
    assert_int_equal(load_count(dir, &az, &az3), 14);
    assert_int_equal(az, 3);
    assert_true(az3);
    /* A lower vicalIssueID is refused; the set in force stays. */
    out.issue_id -= 1;
    assert_int_equal(mdlg_vical_install(&out, dir), MDLG_E_VICAL_ROLLBACK);
    assert_int_equal(load_count(dir, &az, &az3), 14);
    mdlg_vical_free(&out);
    assert_true(mdlg_test_rm_tree(tmp));
    free(tmp);
    free(v);
    free(a);
    free(vp);
    free(ap);
}

static void test_ski(void **state)
{
    (void)state;
    char *p = mdlg_test_shared_path("iaca/AK-1.pem");
    if (p == NULL)
        skip();
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_add_file(t, p, NULL), MDLG_E_OK);
    mdlg_trust_free(t);
    free(p);
    /* Synthetic: a DER-wrapped SKI must unwrap to the key's SHA-1; random bytes never match. */
    uint8_t junk[24] = { 0x04, 0x16, 0x04, 0x14 };
    assert_false(mdlg_vical_ski_matches(junk, sizeof junk, junk, sizeof junk));
}

/* ---- a DS of jurisdiction A presented as B, through a trust directory ---- */

static void write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    fclose(f);
}

static void test_cross_jurisdiction(void **state)
{
    (void)state;
    int64_t at = 1767225600;
    struct mdlg_testpki_cert ca, ds, ny, nyds;
    struct mdlg_testpki_iaca_opts io = { .country = "US", .state = "US-CA",
                                         .not_before = at - 30 * DAY, .not_after = at + 900 * DAY };
    assert_int_equal(mdlg_testpki_iaca(&io, &ca), MDLG_E_OK);
    io.state = "US-NY";
    assert_int_equal(mdlg_testpki_iaca(&io, &ny), MDLG_E_OK);
    struct mdlg_testpki_ds_opts dso = { .iaca = &ca, .not_before = at - DAY, .not_after = at + 300 * DAY };
    assert_int_equal(mdlg_testpki_ds(&dso, &ds), MDLG_E_OK);
    dso.iaca = &ny;
    assert_int_equal(mdlg_testpki_ds(&dso, &nyds), MDLG_E_OK);

    /* Trust directory: US-CA/ca.pem, US-NY/ny.pem, and the CA root misfiled under US-NY too. */
    char *tmp = mktemp_dir(), p[4096];
    const char *subs[] = { "US-CA", "US-NY" };
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, subs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p, sizeof p, "%s/US-CA/ca.pem", tmp);
    write_file(p, ca.pem, ca.pem_len);
    snprintf(p, sizeof p, "%s/US-NY/ny.pem", tmp);
    write_file(p, ny.pem, ny.pem_len);
    mdlg_trust *t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_load_dir(t, tmp), MDLG_E_OK);

    /* A California DS claiming New York data: JURISDICTION_DATA_MISMATCH. */
    mdlg_pkey *dev;
    struct mdlg_cbor_buf tr, resp;
    struct mdlg_issue_claims claims;
    struct mdlg_result res;
    assert_int_equal(mdlg_pkey_generate(MDLG_CRV_P256, &dev), MDLG_E_OK);
    mdlg_cbor_buf_init(&tr, NULL, 0);
    mdlg_cbor_buf_init(&resp, NULL, 0);
    assert_int_equal(mdlg_transcript_oid4vp_1_0(&tr, "x509_san_dns:rp.example", "n-123456789",
                                                 NULL, "https://rp.example/r"), MDLG_E_OK);
    mdlg_issue_claims_init(&claims);
    assert_int_equal(mdlg_issue_standard_claims(&claims, "US", "US-NY", at), MDLG_E_OK);
    struct mdlg_bytes chain = { ds.der, ds.der_len };
    struct mdlg_issue_opts o = {
        .items = claims.items, .n_items = claims.n_items, .ds_key = ds.key, .x5chain = &chain,
        .x5chain_n = 1, .signed_at = at, .valid_from = at, .valid_until = at + 30 * DAY,
        .device_key = dev, .device_auth = MDLG_ISSUE_DEVICE_SIGNATURE,
        .transcript = mdlg_cbor_buf_bytes(&tr) };
    assert_int_equal(mdlg_issue_device_response(&o, &resp), MDLG_E_OK);
    struct mdlg_verify_opts vo = { .now = at + 3600, .policy = MDLG_POLICY_STRICT, .trust = t,
                                   .transcript = mdlg_cbor_buf_bytes(&tr) };
    assert_int_equal(mdlg_verify(resp.ptr, resp.len, &vo, &res), MDLG_E_OK);
    assert_false(res.valid);
    bool data_mismatch = false;
    for (size_t i = 0; i < res.docs[0].n_errors; i++)
        data_mismatch |= res.docs[0].errors[i].code == MDLG_E_JURISDICTION_DATA_MISMATCH;
    assert_true(data_mismatch);
    mdlg_result_free(&res);

    /* The genuine NY DS chains to the NY anchor; the CA DS with the CA root misfiled
     * under US-NY (and no US-CA directory) is refused as an anchor mismatch. */
    struct mdlg_chain_result cr;
    struct mdlg_bytes nyc = { nyds.der, nyds.der_len };
    assert_int_equal(mdlg_trust_verify_ds(t, &nyc, 1, at, MDLG_POLICY_STRICT, false, &cr), MDLG_E_OK);
    assert_string_equal(cr.jurisdiction, "US-NY");
    mdlg_chain_result_clear(&cr);
    mdlg_trust_free(t);
    snprintf(p, sizeof p, "%s/US-CA/ca.pem", tmp);
    assert_int_equal(unlink(p), 0);
    snprintf(p, sizeof p, "%s/US-NY/ca.pem", tmp);
    write_file(p, ca.pem, ca.pem_len);
    t = mdlg_trust_new();
    assert_int_equal(mdlg_trust_load_dir(t, tmp), MDLG_E_OK);
    assert_int_equal(mdlg_trust_verify_ds(t, &chain, 1, at, MDLG_POLICY_STRICT, false, &cr),
                     MDLG_E_JURISDICTION_ANCHOR_MISMATCH);
    mdlg_chain_result_clear(&cr);

    mdlg_trust_free(t);
    mdlg_issue_claims_free(&claims);
    mdlg_cbor_buf_free(&tr);
    mdlg_cbor_buf_free(&resp);
    mdlg_pkey_free(dev);
    mdlg_testpki_cert_free(&ca);
    mdlg_testpki_cert_free(&ds);
    mdlg_testpki_cert_free(&ny);
    mdlg_testpki_cert_free(&nyds);
    assert_true(mdlg_test_rm_tree(tmp));
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_parse),
        cmocka_unit_test(test_manifest_status_lists),
        cmocka_unit_test(test_manifests_match_mirror),
        cmocka_unit_test(test_sync_mirror),
        cmocka_unit_test(test_vical),
        cmocka_unit_test(test_vical_install),
        cmocka_unit_test(test_ski),
        cmocka_unit_test(test_cross_jurisdiction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
