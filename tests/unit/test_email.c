/*
 * test_email.c - e-mail canonicalisation (src/fraud, include/mdlg/email.h).
 *
 * Tables, one cmocka test per row:
 *   keys   one address -> the exact/mailbox/similarity keys expected, flags that
 *          must be set and flags that must not; one row per provider rule and per
 *          Unicode/syntax trap of shared research/fraud-signals.md §1a;
 *   pairs  two addresses -> same mailbox or not, same similarity key or not; the
 *          negatives the issue names (Outlook and Workspace dots, john-smith@gmail,
 *          Cyrillic lookalikes, rn/m, fullwidth) and every domain that must not fold.
 * Plus: the rules file as data (a custom rules text changes the result, malformed
 * lines are rejected with their line number, the built-in table is consistent),
 * the disposable list (skip() when it was not built in), random bytes, and the
 * domain cache and the no-similarity option (same keys, the table through both).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdlg/email.h"

#define F(x) MDLG_EMAIL_##x
#define ANY NULL            /* key not checked */

static mdlg_email_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    size_t bad = 0;
    return mdlg_email_ctx_new(&ctx, NULL, 0, &bad) == MDLG_E_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mdlg_email_ctx_free(ctx);
    return 0;
}

static struct mdlg_email_keys *keys_of(const char *addr, size_t len)
{
    struct mdlg_email_keys *k = malloc(sizeof *k);
    assert_non_null(k);
    assert_int_equal(mdlg_email_keys(ctx, (const uint8_t *)addr, len, k), MDLG_E_OK);
    return k;
}

static void print_flags(uint32_t f)
{
    for (unsigned i = 0; i < MDLG_EMAIL_FLAG_COUNT; i++)
        if (f & (1u << i))
            print_error(" %s", mdlg_email_flag_name(1u << i));
    print_error("\n");
}

/* ------------------------------------------------------------------------
 * keys table
 */

struct key_row {
    const char *name;
    const char *in;
    const char *exact, *mailbox, *similarity;  /* "" = must be empty; NULL = unchecked */
    uint32_t must, must_not;
    const char *reason;                        /* invalid_reason, NULL = valid */
    const char *of;                            /* typo_of or confusable_of, if set */
};

static const struct key_row key_rows[] = {
    /* Gmail */
    { "gmail dots, +tag, case", "John.Smith+ui@gmail.com", "John.Smith+ui@gmail.com",
      "johnsmith@gmail.com", "johnsrnith@gmail.com", F(GMAIL_DOTS) | F(PLUS_TAG), F(INVALID) },
    { "googlemail alias", "johnsmith@googlemail.com", ANY, "johnsmith@gmail.com", ANY,
      F(ALIAS_DOMAIN), F(GMAIL_DOTS) | F(PLUS_TAG) },
    { "gmail first + cuts", "a.b+c+d@gmail.com", ANY, "ab@gmail.com", ANY,
      F(PLUS_TAG) | F(GMAIL_DOTS), 0 },
    { "gmail empty username +x", "+x@gmail.com", ANY, ANY, ANY, F(INVALID), 0, "empty_username" },
    { "gmail consecutive dots", "a..b@gmail.com", "", "", "", F(INVALID), 0, "dots" },
    { "gmail hyphen cannot exist", "john-smith@gmail.com", ANY, "john-smith@gmail.com", ANY,
      F(INVALID), 0, "provider_charset" },
    { "gmail underscore cannot exist", "john_smith@gmail.com", ANY, "john_smith@gmail.com",
      ANY, F(INVALID), 0, "provider_charset" },
    { "gmail non-ASCII cannot exist", "jоhn@gmail.com", ANY, ANY, "john@gmail.com",
      F(INVALID) | F(CONFUSABLE), 0, "provider_charset" },
    { "google.com keeps dots, cuts +", "John.Smith+x@google.com", ANY, "john.smith@google.com",
      ANY, F(PLUS_TAG), F(GMAIL_DOTS) | F(ALIAS_DOMAIN) },
    /* Outlook family */
    { "outlook dots significant", "John.Smith+news@outlook.com", ANY, "john.smith@outlook.com",
      ANY, F(PLUS_TAG), F(GMAIL_DOTS) | F(ALIAS_DOMAIN) },
    { "hotmail.co.uk via hotmail.*", "a.b+x@hotmail.co.uk", ANY, "a.b@hotmail.co.uk", ANY,
      F(PLUS_TAG), F(ALIAS_DOMAIN) },
    { "live.com dots significant", "a.b@live.com", ANY, "a.b@live.com", ANY, 0, F(GMAIL_DOTS) },
    /* Yahoo */
    { "yahoo base-keyword", "Base-Shop@yahoo.com", ANY, "dea:base@yahoo.com", "base@yahoo.com",
      F(YAHOO_KEYWORD), F(PLUS_TAG) },
    { "yahoo first - splits", "a-b-c@yahoo.co.uk", ANY, "dea:a@yahoo.co.uk", ANY,
      F(YAHOO_KEYWORD), 0 },
    { "yahoo + is not a tag", "a+b@yahoo.com", ANY, "a+b@yahoo.com", ANY, 0,
      F(PLUS_TAG) | F(YAHOO_KEYWORD) },
    { "yahoo dots significant", "a.b@yahoo.com", ANY, "a.b@yahoo.com", ANY, 0, F(GMAIL_DOTS) },
    { "yahoo.co.jp is not Yahoo", "a-b@yahoo.co.jp", ANY, "a-b@yahoo.co.jp", ANY, 0,
      F(YAHOO_KEYWORD) },
    { "aol no + and no -", "a+b-c@aol.com", ANY, "a+b-c@aol.com", ANY, 0,
      F(PLUS_TAG) | F(YAHOO_KEYWORD) },
    /* Apple */
    { "me.com -> icloud.com", "Jane+x@me.com", ANY, "jane@icloud.com", ANY,
      F(ALIAS_DOMAIN) | F(PLUS_TAG), 0 },
    { "mac.com -> icloud.com", "jane.doe@mac.com", ANY, "jane.doe@icloud.com", ANY,
      F(ALIAS_DOMAIN), F(GMAIL_DOTS) },
    { "privaterelay.appleid.com relay", "abc123@privaterelay.appleid.com", ANY,
      "abc123@privaterelay.appleid.com", ANY, F(RELAY), 0 },
    /* Proton */
    { "proton . _ - transparent", "Fred.B_l-oggs+x@protonmail.com", ANY, "fredbloggs@proton.me",
      ANY, F(SEPARATORS) | F(PLUS_TAG) | F(ALIAS_DOMAIN), F(GMAIL_DOTS) },
    { "pm.me same namespace", "fredbloggs@pm.me", ANY, "fredbloggs@proton.me", ANY,
      F(ALIAS_DOMAIN), F(SEPARATORS) },
    /* Yandex */
    { "yandex - is .", "ivan-petrov@yandex.com", ANY, "ivan.petrov@yandex.ru", ANY,
      F(SEPARATORS) | F(ALIAS_DOMAIN), 0 },
    { "yandex dots kept", "ivan.petrov+x@ya.ru", ANY, "ivan.petrov@yandex.ru", ANY,
      F(PLUS_TAG) | F(ALIAS_DOMAIN), F(SEPARATORS) },
    /* Fastmail */
    { "fastmail + tag", "User+x@fastmail.com", ANY, "user@fastmail.com", ANY, F(PLUS_TAG), 0 },
    { "fastmail subdomain addressing", "anything@User.fastmail.com", "anything@user.fastmail.com",
      "user@fastmail.com", ANY, F(SUBDOMAIN_ADDRESSING), F(ALIAS_DOMAIN) },
    { "fastmail.fm not folded", "a@fastmail.fm", ANY, "a@fastmail.fm", ANY, 0, F(ALIAS_DOMAIN) },
    { "sent.com is Fastmail", "a+b@sent.com", ANY, "a@sent.com", ANY, F(PLUS_TAG), 0 },
    /* GMX */
    { "gmx + significant", "a+b@gmx.de", ANY, "a+b@gmx.de", ANY, 0, F(PLUS_TAG) },
    /* unknown hosts: case and + kept, + is a soft link */
    { "workspace dots significant", "John.Smith@company.com", ANY, "John.Smith@company.com",
      "john.srnith@cornpany.corn", 0, F(GMAIL_DOTS) },
    { "generic + soft", "john+claims@company.com", ANY, "john+claims@company.com",
      "john@cornpany.corn", F(PLUS_TAG), 0 },
    { "generic leading + not a tag", "+john@company.com", ANY, "+john@company.com", ANY, 0,
      F(PLUS_TAG) },
    /* syntax traps */
    { "whitespace and NBSP trimmed", " \t\xc2\xa0john@gmail.com\r\n ", "john@gmail.com",
      "john@gmail.com", ANY, 0, F(INVALID) },
    { "ideographic space trimmed", "\xe3\x80\x80john@gmail.com", "john@gmail.com", ANY, ANY, 0,
      F(INVALID) },
    { "internal space invalid", "john smith@gmail.com", "", "", "", F(INVALID), 0, "whitespace" },
    { "internal NBSP invalid", "john\xc2\xa0smith@example.com", "", "", "", F(INVALID), 0,
      "whitespace" },
    { "trailing root dot", "john@gmail.com.", "john@gmail.com", "john@gmail.com", ANY, 0,
      F(INVALID) },
    { "two trailing dots invalid", "john@gmail.com..", "", "", "", F(INVALID), 0,
      "domain_syntax" },
    { "display name", "\"Smith, John\" <John.Smith@Gmail.com>", "John.Smith@gmail.com",
      "johnsmith@gmail.com", ANY, F(GMAIL_DOTS), 0 },
    { "comments dropped", "(home) john@(x)example.com", "john@example.com", ANY, ANY, 0,
      F(INVALID) },
    { "quoted atom-safe unquoted", "\"john.smith\"@gmail.com", "john.smith@gmail.com",
      "johnsmith@gmail.com", ANY, F(GMAIL_DOTS), F(QUOTED) },
    { "quoted literal kept", "\"john smith\"@example.com", "\"john smith\"@example.com",
      "\"john smith\"@example.com", ANY, F(QUOTED), F(INVALID) },
    { "quoted: no rules inside", "\"j.s+x y\"@outlook.com", ANY, "\"j.s+x y\"@outlook.com", ANY,
      F(QUOTED), F(PLUS_TAG) },
    { "quoted pair", "\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com", ANY, ANY, F(QUOTED), 0 },
    { "no @", "john.gmail.com", "", "", "", F(INVALID), 0, "no_at" },
    { "empty", "", "", "", "", F(INVALID), 0, "empty" },
    { "only spaces", "   ", "", "", "", F(INVALID), 0, "empty" },
    { "leading dot", ".john@example.com", "", "", "", F(INVALID), 0, "dots" },
    { "single-label domain", "john@localhost", "", "", "", F(INVALID), 0, "single_label_domain" },
    { "underscore in domain", "john@my_host.com", "", "", "", F(INVALID), 0, "domain_syntax" },
    { "numeric TLD", "john@1.2.3.4", "", "", "", F(INVALID), 0, "numeric_tld" },
    { "domain literal", "john@[192.0.2.1]", "john@[192.0.2.1]", "john@[192.0.2.1]", ANY, 0,
      F(INVALID) },
    { "control character", "jo\x01hn@example.com", "", "", "", F(INVALID), 0,
      "control_character" },
    { "bad UTF-8", "jo\xc3hn@example.com", "", "", "", F(INVALID), 0, "bad_utf8" },
    { "overlong UTF-8", "\xc0\xafjohn@example.com", "", "", "", F(INVALID), 0, "bad_utf8" },
    { "local part 65 bytes", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
      "", "", "", F(INVALID), 0, "local_too_long" },
    { "bad punycode", "john@xn--zz.com", "", "", "", F(INVALID), 0, "idna" },
    /* IDNA */
    { "UTS46 nontransitional sharp s", "a@straße.de", "a@xn--strae-oqa.de", ANY, ANY,
      F(NON_ASCII), F(INVALID) },
    { "dotted capital I", "a@İstanbul.com", "a@xn--istanbul-o0e.com", ANY, ANY, 0, F(INVALID) },
    { "fullwidth domain, ideographic dot", "john@ｇｍａｉｌ。ｃｏｍ", "john@gmail.com",
      "john@gmail.com", ANY, 0, F(INVALID) },
    { "A-label input", "a@XN--STRAE-OQA.DE", "a@xn--strae-oqa.de", ANY, ANY, 0, F(INVALID) },
    { "NFC local part", "jose\xcc\x81@example.com", "jos\xc3\xa9@example.com", ANY, ANY,
      F(NON_ASCII), F(CONFUSABLE) },
    /* lookalikes */
    { "Cyrillic a in gmail.com", "john@gmаil.com", "john@xn--gmil-63d.com",
      "john@xn--gmil-63d.com", "john@gmail.com", F(CONFUSABLE) | F(MIXED_SCRIPT), F(INVALID),
      NULL, "gmail.com" },
    { "rn for m in gmail.com", "john@grnail.com", ANY, "john@grnail.com", "john@gmail.com",
      F(CONFUSABLE), F(TYPO_DOMAIN), NULL, "gmail.com" },
    { "digit 1 for l", "john@gmai1.com", ANY, ANY, "john@gmail.com", F(CONFUSABLE), 0, NULL,
      "gmail.com" },
    { "Cyrillic o in proton", "a@prоton.me", ANY, ANY, "a@proton.me", F(CONFUSABLE), 0, NULL,
      "proton.me" },
    { "Cyrillic local part", "jоhn@example.com", ANY, "jоhn@example.com", ANY,
      F(CONFUSABLE) | F(MIXED_SCRIPT) | F(NON_ASCII), 0 },
    { "fullwidth local part", "ｊｏｈｎ@example.com", ANY, "ｊｏｈｎ@example.com", ANY,
      F(CONFUSABLE), F(MIXED_SCRIPT) },
    { "zero-width space", "jo\xe2\x80\x8bhn@example.com", ANY, ANY, ANY,
      F(INVISIBLE) | F(CONFUSABLE), 0 },
    { "bidi override", "john\xe2\x80\xaeoc@example.com", ANY, ANY, ANY, F(INVISIBLE), 0 },
    { "plain non-Latin is not confusable", "иван@example.ru", ANY, "иван@example.ru", ANY,
      F(NON_ASCII), F(CONFUSABLE) | F(MIXED_SCRIPT) },
    /* typos */
    { "gmial.com listed typo", "John.Smith@gmial.com", ANY, "John.Smith@gmial.com",
      "johnsrnith@gmail.com", F(TYPO_DOMAIN), F(GMAIL_DOTS), NULL, "gmail.com" },
    { "one-edit typo gmqil.com", "a@gmqil.com", ANY, "a@gmqil.com", "a@gmail.com",
      F(TYPO_DOMAIN), 0, NULL, "gmail.com" },
    { "transposed hotmial.com", "a@hotmial.com", ANY, ANY, "a@hotmail.com", F(TYPO_DOMAIN), 0,
      NULL, "hotmail.com" },
    { "TLD typo gmail.con", "a@gmail.con", ANY, ANY, "a@gmail.com", F(TYPO_DOMAIN), 0, NULL,
      "gmail.com" },
    { "ymail.com is not a typo", "a@ymail.com", ANY, ANY, ANY, 0, F(TYPO_DOMAIN) },
    { "mail.com is not a typo", "a@mail.com", ANY, ANY, ANY, 0, F(TYPO_DOMAIN) | F(CONFUSABLE) },
    /* relays */
    { "duck.com relay", "abc@duck.com", ANY, "abc@duck.com", ANY, F(RELAY), F(DISPOSABLE) },
    { "mozmail subdomain relay", "x1@me.mozmail.com", ANY, ANY, ANY, F(RELAY), 0 },
    { "addy.io relay", "x@user.addy.io", ANY, ANY, ANY, F(RELAY), 0 },
    { "simplelogin relay", "x.y@simplelogin.com", ANY, ANY, ANY, F(RELAY), 0 },
};

static void assert_key(const char *what, const char *got, const char *want)
{
    if (want != NULL && strcmp(got, want) != 0) {
        print_error("%s: got \"%s\", want \"%s\"\n", what, got, want);
        fail();
    }
}

static void test_key_row(void **state)
{
    const struct key_row *r = *state;
    struct mdlg_email_keys *k = keys_of(r->in, strlen(r->in));
    if ((k->flags & r->must) != r->must || (k->flags & r->must_not) != 0) {
        print_error("%s: flags", r->in);
        print_flags(k->flags);
        free(k);
        fail();
    }
    assert_key("exact_key", k->exact_key, r->exact);
    assert_key("mailbox_key", k->mailbox_key, r->mailbox);
    assert_key("similarity_key", k->similarity_key, r->similarity);
    assert_key("invalid_reason", k->invalid_reason ? k->invalid_reason : "(valid)",
               r->reason ? r->reason : "(valid)");
    if (r->of != NULL)
        assert_key("typo_of/confusable_of", k->flags & F(TYPO_DOMAIN) ? k->typo_of
                   : k->confusable_of, r->of);
    assert_true((k->invalid_reason != NULL) == ((k->flags & F(INVALID)) != 0));
    free(k);
}

/* ------------------------------------------------------------------------
 * pairs table
 */

struct pair_row {
    const char *a, *b;
    bool same_mailbox, same_similarity;
};

static const struct pair_row pair_rows[] = {
    /* the issue's example: one mailbox, three claims */
    { "John.Smith+ui@gmail.com", "johnsmith@googlemail.com", true, true },
    { "John.Smith+ui@gmail.com", "j.o.h.n.smith@gmail.com", true, true },
    { "JOHNSMITH@GMAIL.COM", "johnsmith@gmail.com", true, true },
    { "johnsmith@gmail.com.", " johnsmith@gmail.com\xc2\xa0", true, true },
    { "\"johnsmith\"@gmail.com", "johnsmith@gmail.com", true, true },
    { "x@me.com", "X+shop@mac.com", true, true },
    { "x@icloud.com", "x@me.com", true, true },
    { "fred.bloggs@proton.me", "fred_bloggs@pm.me", true, true },
    { "fred-bloggs@protonmail.com", "fredbloggs+x@protonmail.ch", true, true },
    { "ivan-petrov@yandex.com", "ivan.petrov@ya.ru", true, true },
    { "user+x@fastmail.com", "x@user.fastmail.com", true, true },
    { "john.smith+a@outlook.com", "John.Smith@outlook.com", true, true },
    { "base-a@yahoo.com", "base-b@yahoo.com", true, true },
    { "a@ｇｍａｉｌ.ｃｏｍ", "a@gmail.com", true, true },
    /* negatives: dots significant outside Gmail/Proton */
    { "john.smith@outlook.com", "johnsmith@outlook.com", false, false },
    { "john.smith@hotmail.com", "johnsmith@hotmail.com", false, false },
    { "john.smith@live.com", "johnsmith@live.com", false, false },
    { "john.smith@company.com", "johnsmith@company.com", false, false },
    { "john.smith@google.com", "johnsmith@google.com", false, false },
    { "john.smith@yahoo.com", "johnsmith@yahoo.com", false, false },
    { "john.smith@icloud.com", "johnsmith@icloud.com", false, false },
    { "john.smith@fastmail.com", "johnsmith@fastmail.com", false, false },
    /* negatives: hyphens, Yandex dots not removable */
    { "john-smith@gmail.com", "johnsmith@gmail.com", false, false },
    { "john-smith@gmail.com", "john.smith@gmail.com", false, false },
    { "ivan.petrov@yandex.ru", "ivanpetrov@yandex.ru", false, false },
    /* negatives: domains that are separate namespaces */
    { "x@hotmail.com", "x@outlook.com", false, false },
    { "x@live.com", "x@outlook.com", false, false },
    { "x@yahoo.com", "x@ymail.com", false, false },
    { "x@yahoo.com", "x@yahoo.co.uk", false, false },
    { "x@fastmail.com", "x@fastmail.fm", false, false },
    { "x@gmx.de", "x@gmx.net", false, false },
    { "x@google.com", "x@gmail.com", false, false },
    /* negatives: Yahoo keyword base is not the Yahoo ID */
    { "base-kw@yahoo.com", "base@yahoo.com", false, true },
    /* soft links: same similarity, different mailbox */
    { "john+claims@company.com", "john@company.com", false, true },
    { "John@company.com", "john@company.com", false, true },
    { "a+b@aol.com", "a@aol.com", false, false },
    { "a+b@gmx.de", "a@gmx.de", false, false },
    { "john@gmаil.com", "john@gmail.com", false, true },
    { "john@grnail.com", "john@gmail.com", false, true },
    { "jom@example.com", "jorn@example.com", false, true },
    { "jоhn@example.com", "john@example.com", false, true },
    { "ｊｏｈｎ@example.com", "john@example.com", false, true },
    { "jo\xe2\x80\x8bhn@example.com", "john@example.com", false, true },
    { "John.Smith@gmial.com", "johnsmith@gmail.com", false, true },
    /* IDNA: nontransitional keeps sharp s */
    { "a@straße.de", "a@strasse.de", false, true },
    { "\"john smith\"@example.com", "johnsmith@example.com", false, false },
};

static void test_pair_row(void **state)
{
    const struct pair_row *r = *state;
    struct mdlg_email_keys *a = keys_of(r->a, strlen(r->a));
    struct mdlg_email_keys *b = keys_of(r->b, strlen(r->b));
    bool mb = strcmp(a->mailbox_key, b->mailbox_key) == 0;
    bool sim = strcmp(a->similarity_key, b->similarity_key) == 0;
    if (a->mailbox_key[0] == '\0' || b->mailbox_key[0] == '\0' || mb != r->same_mailbox ||
        sim != r->same_similarity) {
        print_error("%s | %s\n  mailbox %s | %s (want %s)\n  similarity %s | %s (want %s)\n",
                    r->a, r->b, a->mailbox_key, b->mailbox_key,
                    r->same_mailbox ? "same" : "different", a->similarity_key,
                    b->similarity_key, r->same_similarity ? "same" : "different");
        free(a), free(b);
        fail();
    }
    free(a), free(b);
}

/* ------------------------------------------------------------------------
 * rules as data, limits, disposable list, random input
 */

static void test_custom_rules(void **state)
{
    (void)state;
    static const char rules[] =
        "# a made-up provider that ignores dots and uses = as its tag\n"
        "example.org  =  free fold .  none  =  cut a-z0-9. no gmail_dots yes H\n"
        "alias.example.org example.org free fold . none = cut any no gmail_dots no H\n";
    mdlg_email_ctx *c = NULL;
    size_t bad = 99;
    assert_int_equal(mdlg_email_ctx_new(&c, rules, sizeof rules - 1, &bad), MDLG_E_OK);
    assert_int_equal(mdlg_email_rule_count(c), 2);
    struct mdlg_email_keys k;
    static const char in[] = "J.Doe=tag@alias.example.org";
    assert_int_equal(mdlg_email_keys(c, (const uint8_t *)in, strlen(in), &k), MDLG_E_OK);
    assert_string_equal(k.mailbox_key, "jdoe@example.org");
    assert_true(k.flags & F(ALIAS_DOMAIN));
    static const char in2[] = "J.Doe+x@gmail.com";   /* not in these rules: unknown host */
    assert_int_equal(mdlg_email_keys(c, (const uint8_t *)in2, strlen(in2), &k), MDLG_E_OK);
    assert_string_equal(k.mailbox_key, "J.Doe+x@gmail.com");
    mdlg_email_ctx_free(c);
}

static void test_bad_rules(void **state)
{
    (void)state;
    static const struct { const char *text; size_t line; } rows[] = {
        { "# ok\n\ngmail.com = free fold\n", 3 },                                   /* fields */
        { "a.com = nosuch fold none none + cut any no none no H\n", 1 },            /* class */
        { "a.com = free fold none none + cut any no badflag no H\n", 1 },           /* flag */
        { "a.com = free fold none none + none any no none no H\n", 1 },             /* tagkey */
        { "a.com = free fold none none none none any maybe none no H\n", 1 },       /* yes/no */
        { "A.com = free fold none none none none any no none no H\n", 1 },          /* case */
        { "a.com = free fold none x none none any no none no H\n", 1 },             /* map */
        { "a.com = free fold none none none none any no none no X\n", 1 },          /* conf */
        { "a.com = free fold none none none none any no none no H\n"
          "a.com = free keep none none none none any no none no H\n", 0 },          /* dup */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        mdlg_email_ctx *c = NULL;
        size_t bad = 99;
        mdlg_err e = mdlg_email_ctx_new(&c, rows[i].text, strlen(rows[i].text), &bad);
        if (e != MDLG_E_USAGE || bad != rows[i].line || c != NULL) {
            print_error("row %zu: %s line %zu\n", i, mdlg_err_name(e), bad);
            mdlg_email_ctx_free(c);
            fail();
        }
    }
}

static void test_builtin_table(void **state)
{
    (void)state;
    /* the research's providers, their domains, relays and named typo domains */
    assert_true(mdlg_email_rule_count(ctx) > 60);
    /* every fold target is itself a provider with the same rules: folding twice is stable */
    static const char *const addrs[] = { "a.b+c@googlemail.com", "a+b@me.com", "a_b@pm.me",
                                         "a-b@ya.ru" };
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        struct mdlg_email_keys *k1 = keys_of(addrs[i], strlen(addrs[i]));
        struct mdlg_email_keys *k2 = keys_of(k1->mailbox_key, strlen(k1->mailbox_key));
        assert_string_equal(k1->mailbox_key, k2->mailbox_key);
        assert_true(k1->provider[0] != '\0');
        free(k1), free(k2);
    }
}

static void test_length_bound(void **state)
{
    (void)state;
    char buf[MDLG_EMAIL_MAX_INPUT + 2];
    memset(buf, 'a', sizeof buf);
    memcpy(buf + 40, "@", 1);
    memcpy(buf + sizeof buf - 4, ".com", 4);
    struct mdlg_email_keys *k = keys_of(buf, MDLG_EMAIL_MAX_INPUT + 1);
    assert_true(k->flags & F(INVALID));
    assert_string_equal(k->invalid_reason, "too_long");
    free(k);
    /* 64-byte local part and a 253-byte domain fit */
    char ok[64 + 1 + 253 + 1];
    memset(ok, 'a', 64);
    ok[64] = '@';
    for (size_t i = 65; i < 65 + 253; i++)
        ok[i] = (i - 65) % 50 == 49 ? '.' : 'b';
    memcpy(ok + 65 + 253 - 4, ".com", 4);
    k = keys_of(ok, 64 + 1 + 253);
    if (k->flags & F(INVALID))
        print_error("reason %s\n", k->invalid_reason);
    assert_false(k->flags & F(INVALID));
    free(k);
}

static void test_disposable(void **state)
{
    (void)state;
    if (mdlg_email_disposable_source() == NULL)
        skip();     /* built without the list: npm was unavailable (the build warned) */
    assert_true(mdlg_email_disposable_count() > 1000);
    static const struct { const char *in; bool disposable; } rows[] = {
        { "x@mailinator.com", true },
        { "x@sub.mailinator.com", true },       /* matched at the registrable domain */
        { "x@MAILINATOR.COM.", true },
        { "x@gmail.com", false },
        { "x@outlook.com", false },
        { "x@duck.com", false },                /* a relay, not disposable */
        { "x@mailinator.com.example.org", false },  /* only parents are searched */
        { "x@example.com", false },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mdlg_email_keys *k = keys_of(rows[i].in, strlen(rows[i].in));
        bool d = (k->flags & F(DISPOSABLE)) != 0;
        if (d != rows[i].disposable ||
            (d && k->provider_class != MDLG_EMAIL_CLASS_DISPOSABLE)) {
            print_error("%s: disposable=%d class=%s\n", rows[i].in, d,
                        mdlg_email_class_name(k->provider_class));
            free(k);
            fail();
        }
        free(k);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    static const char alphabet[] = "aZ.+-_@\"\\() <>[]:\xc2\xa0\xd0\xb0\xe2\x80\x8b\xff\x00";
    uint32_t seed = 12345;
    struct mdlg_email_keys *k = malloc(sizeof *k);
    assert_non_null(k);
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t buf[400];
        size_t n = (seed = seed * 1103515245u + 12345u) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (seed >> 16) % 4 ? (uint8_t)alphabet[(seed >> 8) % (sizeof alphabet - 1)]
                                      : (uint8_t)(seed >> 8);
        }
        assert_int_equal(mdlg_email_keys(ctx, buf, n, k), MDLG_E_OK);
        bool invalid = (k->flags & F(INVALID)) != 0;
        assert_true(invalid || k->mailbox_key[0] != '\0');
        assert_true(invalid || k->similarity_key[0] != '\0');
        assert_true(invalid == (k->invalid_reason != NULL));
        assert_true(strlen(k->exact_key) <= MDLG_EMAIL_MAX_INPUT);
    }
    free(k);
}

static void test_flag_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < MDLG_EMAIL_FLAG_COUNT; i++)
        assert_non_null(mdlg_email_flag_name(1u << i));
    assert_null(mdlg_email_flag_name(1u << MDLG_EMAIL_FLAG_COUNT));
    assert_null(mdlg_email_flag_name(3));
    assert_string_equal(mdlg_email_flag_name(F(GMAIL_DOTS)), "gmail_dots");
    assert_string_equal(mdlg_email_flag_name(F(INVALID)), "invalid");
}

/*
 * The domain cache and MDLG_EMAIL_OPT_NO_SIMILARITY change nothing: every
 * address of the keys table on a fresh context gives the same keys the first
 * time (IDNA computed), the second (taken from the cache, after all the
 * other rows went through it) and without the similarity key (only that key
 * empty).
 */
static void test_cache_and_options(void **state)
{
    (void)state;
    size_t nk = sizeof key_rows / sizeof key_rows[0], bad = 0;
    mdlg_email_ctx *c;
    struct mdlg_email_keys *first = calloc(nk, sizeof *first), *k = malloc(sizeof *k);
    assert_true(first != NULL && k != NULL);
    assert_int_equal(mdlg_email_ctx_new(&c, NULL, 0, &bad), MDLG_E_OK);
    for (size_t i = 0; i < nk; i++)
        assert_int_equal(mdlg_email_keys(c, (const uint8_t *)key_rows[i].in,
                                         strlen(key_rows[i].in), &first[i]), MDLG_E_OK);
    for (size_t i = 0; i < nk; i++) {
        const uint8_t *in = (const uint8_t *)key_rows[i].in;
        assert_int_equal(mdlg_email_keys(c, in, strlen(key_rows[i].in), k), MDLG_E_OK);
        if (memcmp(k, &first[i], sizeof *k) != 0)
            fail_msg("%s: keys differ the second time (cache)", key_rows[i].in);
        assert_int_equal(mdlg_email_keys_opt(c, in, strlen(key_rows[i].in),
                                             MDLG_EMAIL_OPT_NO_SIMILARITY, k), MDLG_E_OK);
        assert_string_equal(k->similarity_key, "");
        memcpy(k->similarity_key, first[i].similarity_key, sizeof k->similarity_key);
        if (memcmp(k, &first[i], sizeof *k) != 0)
            fail_msg("%s: keys differ without the similarity key", key_rows[i].in);
    }
    mdlg_email_ctx_free(c);
    free(first);
    free(k);
}

int main(void)
{
    size_t nk = sizeof key_rows / sizeof key_rows[0];
    size_t np = sizeof pair_rows / sizeof pair_rows[0];
    struct CMUnitTest *t = calloc(nk + np + 8, sizeof *t);
    char (*names)[160] = calloc(nk + np, sizeof *names);
    size_t n = 0;
    if (t == NULL || names == NULL)
        return 1;
    for (size_t i = 0; i < nk; i++, n++) {
        snprintf(names[n], sizeof names[n], "keys: %s", key_rows[i].name);
        t[n] = (struct CMUnitTest){ names[n], test_key_row, NULL, NULL, (void *)&key_rows[i] };
    }
    for (size_t i = 0; i < np; i++, n++) {
        snprintf(names[n], sizeof names[n], "pair: %s %s %s", pair_rows[i].a,
                 pair_rows[i].same_mailbox ? "==" : "!=", pair_rows[i].b);
        t[n] = (struct CMUnitTest){ names[n], test_pair_row, NULL, NULL, (void *)&pair_rows[i] };
    }
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_custom_rules);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_rules);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_builtin_table);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_length_bound);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_disposable);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_random_bytes);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_flag_names);
    t[n++] = (struct CMUnitTest)cmocka_unit_test(test_cache_and_options);
    int rc = _cmocka_run_group_tests("email", t, n, setup, teardown);
    free(t);
    free(names);
    return rc;
}
