/*
 * test_ident.c - identifier normalisers (table-driven: valid forms that must
 * meet, invalid forms with their reason) and keyed hashes (type separation,
 * key separation, key parsing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mdlg/ident.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct row {
    const char *in;
    const char *want;     /* canonical text, or NULL when invalid */
    const char *reason;   /* expected reason when invalid */
};

typedef mdlg_err (*norm1)(const char *, size_t, char *, const char **);

static void run_table(norm1 fn, const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[MDLG_IDENT_MAX] = "";
        const char *reason = NULL;
        mdlg_err e = fn(rows[i].in, strlen(rows[i].in), out, &reason);
        if (rows[i].want != NULL) {
            if (e != MDLG_E_OK)
                fail_msg("'%s': %s", rows[i].in, reason);
            assert_string_equal(out, rows[i].want);
        } else {
            if (e != MDLG_E_IDENT_INVALID)
                fail_msg("'%s' accepted as '%s'", rows[i].in, out);
            assert_string_equal(reason, rows[i].reason);
        }
    }
}

static void test_ssn(void **state)
{
    (void)state;
    static const struct row rows[] = {
        { "123-45-6789", "123456789", NULL },    { " 123 45 6789 ", "123456789", NULL },
        { "123456789", "123456789", NULL },      { "000-12-3456", NULL, "ssn_area_invalid" },
        { "666-12-3456", NULL, "ssn_area_invalid" }, { "912-12-3456", NULL, "ssn_area_invalid" },
        { "123-00-4567", NULL, "ssn_group_00" }, { "123-45-0000", NULL, "ssn_serial_0000" },
        { "12345678", NULL, "ssn_not_9_digits" }, { "1234567890", NULL, "ssn_not_9_digits" },
        { "123x45x6789", NULL, "ssn_not_9_digits" }, { "", NULL, "ssn_not_9_digits" },
    };
    run_table(mdlg_ident_ssn, rows, COUNT(rows));
}

static void test_phone(void **state)
{
    (void)state;
    static const struct row rows[] = {
        { "(415) 555-2671", "+14155552671", NULL }, { "415.555.2671", "+14155552671", NULL },
        { "1-415-555-2671", "+14155552671", NULL }, { "+1 415 555 2671", "+14155552671", NULL },
        { "+44 20 7946 0958", "+442079460958", NULL },
        { "015-555-2671", NULL, "phone_nanp_invalid" }, { "+1 415 155 2671", NULL, "phone_nanp_invalid" },
        { "555-2671", NULL, "phone_not_nanp_no_country_code" },
        { "+0123456789", NULL, "phone_e164_length" }, { "+1234567", NULL, "phone_e164_length" },
        { "+1234567890123456", NULL, "phone_not_digits" }, { "call me", NULL, "phone_not_digits" },
    };
    run_table(mdlg_ident_phone, rows, COUNT(rows));
}

static void test_device_name_thumbprint(void **state)
{
    (void)state;
    static const struct row dev[] = {
        { "  dev-ABC_123 ", "dev-ABC_123", NULL }, { "", NULL, "empty" },
        { "a b", NULL, "device_not_printable_ascii" },
    };
    run_table(mdlg_ident_device, dev, COUNT(dev));
    static const struct row names[] = {
        { "Mary-Jane", "MARYJANE", NULL }, { "o'brien", "OBRIEN", NULL },
        { "De La Cruz", "DELACRUZ", NULL }, { "J0hn", NULL, "name_has_digits_or_symbols" },
        { " - ", NULL, "name_empty" }, { "Jos\xc3\xa9", "JOS\xc3\xa9", NULL },
    };
    run_table(mdlg_ident_name, names, COUNT(names));
    static const struct row tp[] = {
        { "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL },
        /* base64url of the same 32 bytes */
        { "ABEiM0RVZneImaq7zN3u_wARIjNEVWZ3iJmqu8zd7v8",
          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL },
        { "ABEiM0RVZneImaq7zN3u_wARIjNEVWZ3iJmqu8zd7v9", NULL, "thumbprint_not_32_bytes" },
        { "xyz", NULL, "thumbprint_not_32_bytes" },
        { "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL,
          "thumbprint_not_hex" },
    };
    run_table(mdlg_ident_thumbprint, tp, COUNT(tp));
}

static mdlg_err date_adapter(const char *in, size_t len, char *out, const char **reason)
{
    return mdlg_ident_date(in, len, out, reason);
}

static void test_date(void **state)
{
    (void)state;
    static const struct row rows[] = {
        { "1990-02-28", "1990-02-28", NULL }, { "02/29/2000", "2000-02-29", NULL },
        { "1900-02-29", NULL, "date_out_of_range" }, { "1990-13-01", NULL, "date_out_of_range" },
        { "1800-01-01", NULL, "date_out_of_range" }, { "1990-1-1", NULL, "date_not_yyyy_mm_dd" },
    };
    run_table(date_adapter, rows, COUNT(rows));
}

static void test_bank(void **state)
{
    (void)state;
    static const struct { const char *r, *a, *want, *reason; } rows[] = {
        { "011000015", "000123456789", "011000015:123456789", NULL },   /* valid ABA */
        { "0110-00015", "123 456 789", "011000015:123456789", NULL },
        { "011000016", "123456789", NULL, "routing_checksum" },
        { "000000000", "123456789", NULL, "routing_checksum" },
        { "01100001", "123456789", NULL, "routing_not_9_digits" },
        { "011000015", "123", NULL, "account_too_short" },
        { "011000015", "12a456", NULL, "account_not_digits" },
        { "011000015", "123456789012345678", NULL, "account_not_digits" },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        char out[MDLG_IDENT_MAX];
        const char *reason = NULL;
        mdlg_err e = mdlg_ident_bank(rows[i].r, strlen(rows[i].r), rows[i].a, strlen(rows[i].a),
                                     out, &reason);
        if (rows[i].want) {
            assert_int_equal(e, MDLG_E_OK);
            assert_string_equal(out, rows[i].want);
        } else {
            assert_int_equal(e, MDLG_E_IDENT_INVALID);
            assert_string_equal(reason, rows[i].reason);
        }
    }
}

static void test_address(void **state)
{
    (void)state;
    static const struct { const char *line, *unit, *zip, *want; } rows[] = {
        { "123 North Main Street", "Apt 4B", "94105", "123 N MAIN ST #4B|94105" },
        { "123 N. Main St.", "#4b", "94105-1234", "123 N MAIN ST #4B|94105" },
        { "123 n main st apt 4b", "", "941051234", "123 N MAIN ST #4B|94105" },
        { "500 Elm Avenue", "", "10001", "500 ELM AVE|10001" },
        { "500 Elm Ave", "Suite 100", " 10001 ", "500 ELM AVE #100|10001" },
        { "500 Elm Ave", "", "1000", NULL },
        { "", "", "10001", NULL },
        { "500 Elm Ave", "", "10001-12", NULL },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        char out[MDLG_IDENT_MAX];
        const char *reason = NULL;
        mdlg_err e = mdlg_ident_address(rows[i].line, strlen(rows[i].line), rows[i].unit,
                                        strlen(rows[i].unit), rows[i].zip, strlen(rows[i].zip),
                                        out, &reason);
        if (rows[i].want) {
            if (e != MDLG_E_OK)
                fail_msg("row %zu: %s", i, reason);
            assert_string_equal(out, rows[i].want);
        } else {
            assert_int_equal(e, MDLG_E_IDENT_INVALID);
            assert_non_null(reason);
        }
    }
}

static void test_ip_mdl(void **state)
{
    (void)state;
    static const struct { const char *in, *addr, *prefix; } rows[] = {
        { "198.51.100.7", "198.51.100.7", "198.51.100.0/24" },
        { " ::ffff:198.51.100.9 ", "198.51.100.9", "198.51.100.0/24" },
        { "2001:DB8:0001:0002::0001", "2001:db8:1:2::1", "2001:db8:1::/48" },
        { "198.51.100", NULL, NULL }, { "::g", NULL, NULL }, { "", NULL, NULL },
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        char a[MDLG_IDENT_MAX], p[MDLG_IDENT_MAX];
        const char *reason = NULL;
        mdlg_err e = mdlg_ident_ip(rows[i].in, strlen(rows[i].in), a, p, &reason);
        if (rows[i].addr) {
            assert_int_equal(e, MDLG_E_OK);
            assert_string_equal(a, rows[i].addr);
            assert_string_equal(p, rows[i].prefix);
        } else {
            assert_int_equal(e, MDLG_E_IDENT_INVALID);
        }
    }
    static const struct { const char *j, *n, *want; } docs[] = {
        { "US-CA", "D123-4567", "US-CA:D1234567" }, { "ca", "d 123 4567", "US-CA:D1234567" },
        { "USA", "D1234567", NULL }, { "US-CA", "D12#4567", NULL }, { "US-CA", " - ", NULL },
    };
    for (size_t i = 0; i < COUNT(docs); i++) {
        char out[MDLG_IDENT_MAX];
        const char *reason = NULL;
        mdlg_err e = mdlg_ident_mdl_doc(docs[i].j, strlen(docs[i].j), docs[i].n,
                                        strlen(docs[i].n), out, &reason);
        assert_int_equal(e, docs[i].want ? MDLG_E_OK : MDLG_E_IDENT_INVALID);
        if (docs[i].want)
            assert_string_equal(out, docs[i].want);
    }
}

/* Bounded: a huge input is invalid, never read past MDLG_IDENT_INPUT_MAX. */
static void test_too_long(void **state)
{
    (void)state;
    static char big[4096];
    memset(big, '1', sizeof big);
    char out[MDLG_IDENT_MAX], p[MDLG_IDENT_MAX];
    const char *reason = NULL;
    assert_int_equal(mdlg_ident_ssn(big, sizeof big, out, &reason), MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_phone(big, sizeof big, out, &reason), MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_device(big, sizeof big, out, &reason), MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_ip(big, sizeof big, out, p, &reason), MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_name(big, sizeof big, out, &reason), MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_address(big, sizeof big, "", 0, "12345", 5, out, &reason),
                     MDLG_E_IDENT_INVALID);
    assert_int_equal(mdlg_ident_thumbprint(big, sizeof big, out, &reason), MDLG_E_IDENT_INVALID);
}

static void test_hash(void **state)
{
    (void)state;
    struct mdlg_ident_key k1, k2;
    const char *hex1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    assert_int_equal(mdlg_ident_key_parse((const uint8_t *)hex1, strlen(hex1), 1, &k1), MDLG_E_OK);
    assert_int_equal(k1.key[31], 0x1f);
    assert_int_equal(mdlg_ident_key_parse((const uint8_t *)"abcd", 4, 1, &k2),
                     MDLG_E_LEDGER_KEY_INVALID);
    assert_int_equal(mdlg_ident_key_parse((const uint8_t *)hex1, strlen(hex1), 0, &k2),
                     MDLG_E_LEDGER_KEY_INVALID);
    k2 = k1;
    k2.key[0] ^= 1;
    uint8_t a[32], b[32], c[32], d[32];
    assert_int_equal(mdlg_ident_hash(&k1, MDLG_IDENT_SSN, "123456789", a), MDLG_E_OK);
    assert_int_equal(mdlg_ident_hash(&k1, MDLG_IDENT_SSN, "123456789", b), MDLG_E_OK);
    assert_memory_equal(a, b, 32);                        /* deterministic */
    assert_int_equal(mdlg_ident_hash(&k1, MDLG_IDENT_PHONE, "123456789", c), MDLG_E_OK);
    assert_memory_not_equal(a, c, 32);                    /* type-separated */
    assert_int_equal(mdlg_ident_hash(&k2, MDLG_IDENT_SSN, "123456789", d), MDLG_E_OK);
    assert_memory_not_equal(a, d, 32);                    /* keyed */
    assert_int_equal(mdlg_ident_hash(&k1, (enum mdlg_ident_type)99, "x", d), MDLG_E_USAGE);
    for (int t = 1; t <= MDLG_IDENT_TYPE_MAX; t++)
        assert_int_equal(mdlg_ident_type_from_name(mdlg_ident_type_name((enum mdlg_ident_type)t)), t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssn),     cmocka_unit_test(test_phone),
        cmocka_unit_test(test_device_name_thumbprint),
        cmocka_unit_test(test_date),    cmocka_unit_test(test_bank),
        cmocka_unit_test(test_address), cmocka_unit_test(test_ip_mdl),
        cmocka_unit_test(test_too_long), cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
