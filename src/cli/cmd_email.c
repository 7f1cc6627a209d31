/*
 * cmd_email.c - `mdlgate email key ADDRESS...`: the e-mail keys of each address
 * (include/mdlg/email.h), one JSON object per line. Without ADDRESS, reads one
 * address per line from stdin, bytes kept as given (only the "\n" is removed);
 * each line is read with a bound (MDLG_EMAIL_MAX_INPUT), the rest of an
 * over-long line is skipped and the line is reported invalid ("too_long").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mdlg/email.h"

static const char email_help[] =
"usage: mdlgate email key [ADDRESS...]\n"
"\n"
"Prints the canonical keys of each e-mail address as one JSON object per line:\n"
"  {\"input\", \"exact_key\", \"mailbox_key\", \"similarity_key\", \"flags\": [...],\n"
"   \"provider_class\", \"provider\", \"typo_of\", \"confusable_of\", \"invalid_reason\"}\n"
"Two addresses reach the same mailbox iff their mailbox_keys are equal; the\n"
"similarity key is a soft link only. Without ADDRESS, reads one address per\n"
"line from stdin. Exit status: 0 all valid, 1 some address invalid, 2 error.\n";

/* Valid UTF-8 length of the sequence at s[i], 0 if invalid (for "input"). */
static size_t u8_len(const unsigned char *s, size_t n, size_t i)
{
    unsigned char b = s[i];
    size_t k = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3
             : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (k == 0 || n - i < k)
        return 0;
    for (size_t j = 1; j < k; j++)
        if ((s[i + j] & 0xc0) != 0x80)
            return 0;
    if ((b == 0xe0 && s[i + 1] < 0xa0) || (b == 0xed && s[i + 1] >= 0xa0) ||
        (b == 0xf0 && s[i + 1] < 0x90) || (b == 0xf4 && s[i + 1] >= 0x90))
        return 0;
    return k;
}

/* The input as a JSON string: invalid UTF-8 bytes become U+FFFD (and *lossy). */
static json_t *input_string(const unsigned char *s, size_t n, bool *lossy)
{
    char *buf = malloc(n * 3 + 1);
    size_t o = 0;
    if (buf == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = u8_len(s, n, i);
        if (k == 0) {
            memcpy(buf + o, "\xef\xbf\xbd", 3), o += 3, i++, *lossy = true;
            continue;
        }
        memcpy(buf + o, s + i, k), o += k, i += k;
    }
    json_t *j = json_stringn(buf, o);
    free(buf);
    return j;
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *flags_array(uint32_t flags)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < MDLG_EMAIL_FLAG_COUNT; i++)
        if (flags & (1u << i))
            json_array_append_new(a, json_string(mdlg_email_flag_name(1u << i)));
    return a;
}

static char *hex(const unsigned char *s, size_t n)
{
    char *h = malloc(n * 2 + 1);
    for (size_t i = 0; h != NULL && i < n; i++)
        sprintf(h + 2 * i, "%02x", s[i]);
    if (h != NULL)
        h[n * 2] = '\0';
    return h;
}

static json_t *keys_json(const unsigned char *in, size_t n, bool truncated,
                         const struct mdlg_email_keys *k)
{
    bool lossy = false;
    json_t *o = json_object();
    json_object_set_new(o, "input", input_string(in, n, &lossy));
    if (lossy) {
        char *h = hex(in, n);
        json_object_set_new(o, "input_hex", str_or_null(h));
        free(h);
    }
    if (truncated)
        json_object_set_new(o, "input_truncated", json_true());
    json_object_set_new(o, "exact_key", str_or_null(k->exact_key));
    json_object_set_new(o, "mailbox_key", str_or_null(k->mailbox_key));
    json_object_set_new(o, "similarity_key", str_or_null(k->similarity_key));
    json_object_set_new(o, "flags", flags_array(k->flags));
    json_object_set_new(o, "provider_class", json_string(mdlg_email_class_name(k->provider_class)));
    json_object_set_new(o, "provider", str_or_null(k->provider));
    json_object_set_new(o, "typo_of", str_or_null(k->typo_of));
    json_object_set_new(o, "confusable_of", str_or_null(k->confusable_of));
    json_object_set_new(o, "invalid_reason", str_or_null(k->invalid_reason));
    return o;
}

/* Computes and prints one line; returns 0 valid, 1 invalid, 2 error. An
 * over-long stdin line arrives with its first MDLG_EMAIL_MAX_INPUT + 1 bytes. */
static int one(const mdlg_email_ctx *ctx, const unsigned char *in, size_t n, bool truncated)
{
    struct mdlg_email_keys *k = malloc(sizeof *k);
    if (k == NULL)
        return 2;
    mdlg_err e = mdlg_email_keys(ctx, in, n, k);
    json_t *o = keys_json(in, truncated && n > MDLG_EMAIL_MAX_INPUT ? MDLG_EMAIL_MAX_INPUT : n,
                          truncated, k);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    int rc = s == NULL || e != MDLG_E_OK ? 2 : (k->flags & MDLG_EMAIL_INVALID) ? 1 : 0;
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    json_decref(o);
    free(k);
    return rc;
}

/* Reads stdin line by line with a bounded buffer. */
static int from_stdin(const mdlg_email_ctx *ctx)
{
    unsigned char buf[MDLG_EMAIL_MAX_INPUT + 1];
    int rc = 0, c = 0;
    while (c != EOF) {
        size_t n = 0;
        bool over = false;
        while ((c = getchar()) != EOF && c != '\n') {
            if (n < sizeof buf)
                buf[n++] = (unsigned char)c;
            else
                over = true;
        }
        if (c == EOF && n == 0 && !over)
            break;
        int r = one(ctx, buf, n, over);
        rc = r > rc ? r : rc;
    }
    if (ferror(stdin)) {
        mdlg_cli_error("email", "error reading stdin");
        return 2;
    }
    return rc;
}

int mdlg_cmd_email(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(email_help, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "key") != 0) {
        fputs(email_help, stderr);
        return 2;
    }
    mdlg_email_ctx *ctx = NULL;
    size_t bad = 0;
    mdlg_err e = mdlg_email_ctx_new(&ctx, NULL, 0, &bad);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("email", "cannot load the e-mail rules (%s, line %zu)", mdlg_err_name(e), bad);
        return 2;
    }
    if (mdlg_email_disposable_source() == NULL)
        mdlg_cli_error("email", "warning: built without the disposable-domain list (npm was "
                       "unavailable at build time); the disposable flag is never set");
    int rc = 0;
    if (argc == 2) {
        rc = from_stdin(ctx);
    } else {
        for (int i = 2; i < argc; i++) {
            int r = one(ctx, (const unsigned char *)argv[i], strlen(argv[i]), false);
            rc = r > rc ? r : rc;
        }
    }
    if (fflush(stdout) != 0)
        rc = 2;
    mdlg_email_ctx_free(ctx);
    return rc;
}
