/*
 * screen_json.c - the stored and returned result of a screening, as JSON
 * text (a small writer: src/fraud does not link jansson). The only caller
 * text in it is the claim id (escaped); identifiers appear as keyed hashes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fraud/screen_internal.h"
#include "mdlg/mdoc.h"

struct jb {
    char *p;
    size_t len, cap;
    bool oom;
};

static void jb_put(struct jb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
        char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->oom = true;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void jb_printf(struct jb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jb_printf(struct jb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        jb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string; control characters and non-UTF-8-safe bytes as \u00XX. */
static void jb_str(struct jb *b, const char *s)
{
    jb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            jb_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            jb_printf(b, "\\u%04x", c);
        else
            jb_put(b, s, 1);
    }
    jb_put(b, "\"", 1);
}

static void jb_hex(struct jb *b, const uint8_t *h, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char out[2 * MDLG_LEDGER_HASH + 2];
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n && i < MDLG_LEDGER_HASH; i++) {
        out[k++] = digits[h[i] >> 4];
        out[k++] = digits[h[i] & 15];
    }
    out[k++] = '"';
    jb_put(b, out, k);
}

/* "365 days", "24 hours", "90 minutes". */
static void span(int64_t s, char *out, size_t n)
{
    if (s % 86400 == 0)
        snprintf(out, n, "%lld day%s", (long long)(s / 86400), s == 86400 ? "" : "s");
    else if (s % 3600 == 0)
        snprintf(out, n, "%lld hours", (long long)(s / 3600));
    else
        snprintf(out, n, "%lld seconds", (long long)s);
}

static const char *key_words(enum mdlg_ident_type t)
{
    switch (t) {
    case MDLG_IDENT_SSN: return "SSN";
    case MDLG_IDENT_BANK: return "bank account";
    case MDLG_IDENT_PHONE: return "phone number";
    case MDLG_IDENT_ADDRESS: return "mailing address";
    case MDLG_IDENT_IP: return "IP address";
    case MDLG_IDENT_IP_PREFIX: return "IP network (/24 or /48)";
    case MDLG_IDENT_DEVICE: return "device";
    case MDLG_IDENT_EMAIL: return "e-mail mailbox";
    case MDLG_IDENT_MDL_DOC: return "mDL document";
    case MDLG_IDENT_MDL_DEVICE_KEY: return "mDL device key";
    default: return "identifier";
    }
}

/* The plain-language reason of a fired signal (no raw value). */
static void reason(const struct prep *p, const struct fired *f, char *out, size_t n)
{
    char w[32];
    span(f->window_s, w, sizeof w);
    switch (f->sig) {
    case MDLG_SIG_EMAIL_MAILBOX_SHARED:
        snprintf(out, n, "One e-mail mailbox is behind %u claims in the last %s, written as %u "
                 "different addresses, by %u different identities.", f->count, w, f->extra[0],
                 f->extra[1]);
        break;
    case MDLG_SIG_SSN_MULTIPLE_IDENTITIES:
        snprintf(out, n, "This SSN was claimed by %u different identities (name and date of "
                 "birth) in the last %s.", f->count, w);
        break;
    case MDLG_SIG_SSN_MULTIPLE_STATES:
        snprintf(out, n, "This SSN was claimed in %u different states in the last %s.",
                 f->count, w);
        break;
    case MDLG_SIG_MDL_DOCUMENT_REUSE:
        snprintf(out, n, "This mDL (jurisdiction and document number) was used by %u different "
                 "identities in the last %s.", f->count, w);
        break;
    case MDLG_SIG_MDL_DEVICE_KEY_REUSE:
        snprintf(out, n, "This mDL device key was used with %u different documents and %u "
                 "different identities in the last %s.", f->extra[0], f->extra[1], w);
        break;
    case MDLG_SIG_VELOCITY:
        snprintf(out, n, "%u claims used this %s in the last %s.", f->count, key_words(f->key),
                 w);
        break;
    default:
        if (f->st != NULL) {   /* the fan-out signals */
            snprintf(out, n, "This %s is shared by %u different identities (%u claims) in the "
                     "last %s.", key_words(f->key), f->count, f->extra[0], w);
            break;
        }
        snprintf(out, n, "%s", "");
    }
    (void)p;
}

static void local_reason(const struct prep *p, const struct fired *f, char *out, size_t n)
{
    switch (f->sig) {
    case MDLG_SIG_EMAIL_DISPOSABLE:
        snprintf(out, n, "The e-mail address is at a disposable-mail domain.");
        break;
    case MDLG_SIG_EMAIL_CONFUSABLE:
        snprintf(out, n, "The e-mail address uses lookalike characters or imitates a major "
                 "provider's domain.");
        break;
    case MDLG_SIG_EMAIL_RELAY:
        snprintf(out, n, "The e-mail address is a privacy relay: it cannot be linked to a "
                 "mailbox, so the identity needs another check.");
        break;
    case MDLG_SIG_MDL_OUT_OF_STATE:
        snprintf(out, n, "The mDL was issued by %s; the claim is filed in %s.", p->mdl_jur,
                 p->state);
        break;
    case MDLG_SIG_MDL_NAME_MISMATCH:
        snprintf(out, n, "The claimant's name differs from the name on the verified mDL.");
        break;
    case MDLG_SIG_MDL_BIRTH_DATE_MISMATCH:
        snprintf(out, n, "The claimant's date of birth differs from the one on the verified "
                 "mDL.");
        break;
    case MDLG_SIG_INVALID_IDENTIFIER:
        snprintf(out, n, "%u identifier%s could not be read (see invalid_fields).", f->count,
                 f->count == 1 ? "" : "s");
        break;
    default:
        reason(p, f, out, n);
    }
}

static void signal_json(struct jb *b, const mdlg_screener *s, const struct prep *p,
                        const struct fired *f)
{
    char why[400];
    local_reason(p, f, why, sizeof why);
    jb_printf(b, "{\"signal\":\"%s\",", mdlg_signal_name(f->sig));
    if (f->key != 0)
        jb_printf(b, "\"key\":\"%s\",", mdlg_ident_type_name(f->key));
    jb_printf(b, "\"count\":%u,\"window_seconds\":%lld,\"weight\":%u,\"hard\":%s,\"related\":[",
              f->count, (long long)f->window_s, s->cfg.sig[f->sig].weight,
              s->cfg.sig[f->sig].hard ? "true" : "false");
    for (size_t i = 0; f->st != NULL && i < f->st->n_related; i++)
        jb_printf(b, "%s\"%s\"", i ? "," : "", f->st->related[i]);
    jb_put(b, "],\"reason\":", 11);
    jb_str(b, why);
    jb_put(b, "}", 1);
}

/* An unsigned number in decimal. */
static void jb_uint(struct jb *b, uint64_t v)
{
    char d[20];
    size_t n = sizeof d;
    do
        d[--n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    jb_put(b, d + n, sizeof d - n);
}

static void jb_cstr(struct jb *b, const char *s) { jb_put(b, s, strlen(s)); }

static void keys_json(struct jb *b, const mdlg_screener *s, const struct prep *p)
{
    bool first = true;
    jb_put(b, "\"keys\":[", 8);
    for (int t = 1; t <= MDLG_IDENT_TYPE_MAX; t++) {
        if (!p->has[t])
            continue;
        jb_cstr(b, first ? "{\"type\":\"" : ",{\"type\":\"");
        jb_cstr(b, mdlg_ident_type_name((enum mdlg_ident_type)t));
        jb_cstr(b, "\",\"key_id\":");
        jb_uint(b, s->cfg.keys[0].id);
        jb_cstr(b, ",\"hash\":");
        jb_hex(b, p->hash[t], MDLG_LEDGER_HASH);
        jb_put(b, "}", 1);
        first = false;
    }
    jb_put(b, "],\"invalid_fields\":[", 20);
    for (size_t i = 0; i < p->n_invalid; i++)
        jb_printf(b, "%s{\"field\":\"%s\",\"reason\":\"%s\"}", i ? "," : "", p->invalid[i].field,
                  p->invalid[i].reason);
    jb_put(b, "]", 1);
}

static const char *tri(int v) { return v < 0 ? "null" : v ? "true" : "false"; }

bool mdlg__screen_json_tail(const mdlg_screener *s, struct prep *p)
{
    struct jb b = { 0 };
    keys_json(&b, s, p);
    if (p->mdl_attached)
        jb_printf(&b, ",\"mdl\":{\"verified\":%s,\"jurisdiction\":%s%s%s,\"name_match\":%s,"
                  "\"birth_date_match\":%s}", p->mdl_verified ? "true" : "false",
                  p->mdl_jur[0] ? "\"" : "", p->mdl_jur[0] ? p->mdl_jur : "null",
                  p->mdl_jur[0] ? "\"" : "", tri(p->name_match), tri(p->dob_match));
    jb_put(&b, "}", 1);
    if (b.oom) {
        free(b.p);
        return false;
    }
    p->tail = b.p, p->tail_len = b.len;
    return true;
}

char *mdlg__screen_json(const mdlg_screener *s, const struct prep *p, const char *id,
                        int64_t now, const struct fired *f, size_t n, uint32_t score,
                        bool review)
{
    struct jb b = { .p = p->tail ? malloc(p->tail_len + 512) : NULL, .cap = p->tail_len + 512 };
    char t1[21], t2[21];
    if (b.p == NULL)
        return NULL;
    mdlg_format_rfc3339(now, t1);
    mdlg_format_rfc3339(p->filed_at, t2);
    jb_cstr(&b, "{\"id\":\"");
    jb_cstr(&b, id);
    jb_cstr(&b, "\",\"claim_id\":");
    jb_str(&b, p->claim_id);
    jb_cstr(&b, ",\"screened_at\":\"");
    jb_cstr(&b, t1);
    jb_cstr(&b, "\",\"filed_at\":\"");
    jb_cstr(&b, t2);
    jb_cstr(&b, "\",\"score\":");
    jb_uint(&b, score);
    jb_cstr(&b, review ? ",\"recommendation\":\"review\",\"signals\":["
                       : ",\"recommendation\":\"clear\",\"signals\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_put(&b, ",", 1);
        signal_json(&b, s, p, &f[i]);
    }
    jb_put(&b, "],", 2);
    jb_put(&b, p->tail, p->tail_len);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
