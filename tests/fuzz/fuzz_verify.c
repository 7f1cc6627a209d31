/*
 * fuzz_verify.c - libFuzzer target for the verification entry point.
 *
 * Feeds arbitrary bytes to mdlg_verify() (the one path the CLI, the server
 * and the tests use) with a fixed trust anchor, transcript, reader key and
 * instant, then renders the verdict JSON, so parsing, COSE, digests, device
 * authentication and the JSON edge all see hostile input. Any crash, leak,
 * sanitizer report or timeout is a bug, and so is a verdict whose direct
 * text (mdlg_verdict_text, what the server sends) differs from the compact
 * dump of its jansson tree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mdlg/json_dump.h"
#include "mdlg/mdoc.h"
#include "mdlg/testpki.h"
#include "mdlg/verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static mdlg_trust *trust;
static mdlg_pkey *reader_key;
/* [null, null, ["OpenID4VPHandover", h'00..']] is enough: the bytes are what matter. */
static const uint8_t transcript[] = { 0x83, 0xf6, 0xf6, 0x82, 0x61, 0x78, 0x41, 0x00 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct mdlg_testpki_cert iaca;
    struct mdlg_testpki_iaca_opts o = { .country = "US", .state = "California",
                                        .not_before = 1600000000, .not_after = 2000000000 };
    (void)argc;
    (void)argv;
    trust = mdlg_trust_new();
    if (trust == NULL || mdlg_testpki_iaca(&o, &iaca) != MDLG_E_OK ||
        mdlg_trust_add_der(trust, iaca.der, iaca.der_len, NULL) != MDLG_E_OK ||
        mdlg_pkey_generate(MDLG_CRV_P256, &reader_key) != MDLG_E_OK)
        abort();
    mdlg_testpki_cert_free(&iaca);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mdlg_result r;
    struct mdlg_verify_opts o = {
        .now = 1700000000,
        .policy = (size & 1) ? MDLG_POLICY_LENIENT : MDLG_POLICY_STRICT,
        .use_chain_cache = true,
        .transcript = { transcript, sizeof transcript },
        .reader_key = reader_key,
        .trust = trust,
    };
    if (mdlg_verify(data, size, &o, &r) == MDLG_E_OK) {
        json_t *tree = mdlg_verdict_json(&r);
        size_t want_len = 0, got_len = 0;
        char *want = tree ? mdlg_json_dump_compact(tree, &want_len) : NULL;
        char *got = mdlg_verdict_text(&r, &got_len);
        if ((want == NULL) != (got == NULL) ||
            (want && (want_len != got_len || memcmp(want, got, want_len) != 0)))
            abort();   /* the two writers of the verdict disagree */
        free(want);
        free(got);
        json_decref(tree);
    }
    mdlg_result_free(&r);
    return 0;
}
