/*
 * email_parse.c - one address from raw bytes to (local part, domain):
 *   - at most MDLG_EMAIL_MAX_INPUT bytes of strict UTF-8;
 *   - leading/trailing White_Space (NBSP, U+3000...) and a BOM trimmed;
 *   - `Name <addr>` reduced to addr, (comments) and the space around them dropped;
 *   - split at the last `@` outside quotes;
 *   - local part: RFC 5322 dot-atom (RFC 6532 UTF-8) or quoted string; a quoted
 *     string whose text is a dot-atom is unquoted (RFC 5322 §3.2.4), any other is
 *     kept quoted and literal; NFC (RFC 6532 §3.1);
 *   - domain: UTS #46 non-transitional (libidn2), one root dot removed, then LDH
 *     hostname syntax on the A-label; or a [domain literal].
 */
#include <string.h>

#include <idn2.h>

#include "email_internal.h"

#define SPEC_MAX (MDLG_EMAIL_MAX_INPUT + 1)

static bool is_atext(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool email_is_dot_atom(const char *s, size_t len)
{
    if (len == 0 || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* Trims White_Space at both ends; scans for controls, invisibles, non-ASCII. */
static const char *trim(const uint8_t *in, size_t len, size_t *b, size_t *e, uint32_t *flags)
{
    size_t i = 0, end = 0, start = len;
    bool seen = false;
    while (i < len) {
        size_t at = i;
        int32_t cp = email_u8_next(in, len, &i);
        if (cp < 0)
            return "bad_utf8";
        if (email_is_space(cp))
            continue;
        if (!seen)
            start = at, seen = true;
        end = i;
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return "control_character";
        if (email_is_invisible(cp))
            *flags |= MDLG_EMAIL_INVISIBLE | MDLG_EMAIL_CONFUSABLE;
    }
    if (!seen)
        return "empty";
    *b = start, *e = end;
    return NULL;
}

/* `display name <addr-spec>` -> addr-spec; brackets elsewhere are an error. */
static const char *angle(const char *s, size_t n, size_t *b, size_t *e)
{
    bool q = false;
    size_t lt = n;
    for (size_t i = 0; i < n; i++) {
        if (q && s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '"')
            q = !q;
        else if (!q && s[i] == '<' && lt == n)
            lt = i;
        else if (!q && (s[i] == '<' || (s[i] == '>' && (lt == n || i != n - 1))))
            return "angle_brackets";
    }
    if (lt == n) {
        *b = 0, *e = n;
        return NULL;
    }
    if (s[n - 1] != '>')
        return "angle_brackets";
    *b = lt + 1, *e = n - 1;
    return NULL;
}

static size_t skip_comment(const char *s, size_t n, size_t i, bool *ok)
{
    int depth = 0;
    for (; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i + 1;
    }
    *ok = false;
    return n;
}

/* Copies s without (comments) and the blanks next to them. */
static const char *strip_comments(const char *s, size_t n, char *out, size_t *on)
{
    bool q = false, ok = true;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (!q && s[i] == '(') {
            while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                o--;
            i = skip_comment(s, n, i, &ok);
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            continue;
        }
        if (!q && s[i] == ')')
            return "comment";
        if (q && s[i] == '\\' && i + 1 < n)
            out[o++] = s[i++];
        else if (s[i] == '"')
            q = !q;
        out[o++] = s[i++];
    }
    *on = o;
    return !ok ? "comment" : q ? "quote" : NULL;
}

/* Index of the last `@` outside quotes, or n. */
static size_t last_at(const char *s, size_t n)
{
    bool q = false;
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        if (q && s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '"')
            q = !q;
        else if (!q && s[i] == '@')
            at = i;
    }
    return at;
}

/* "..." -> its text (quoted-pairs resolved). */
static const char *unquote(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (n < 2 || s[n - 1] != '"')
        return "quote";
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return "quote";
        if (i + 1 >= n || o + 1 >= cap)
            return "quote";
        out[o++] = s[i];
    }
    out[o] = '\0';
    return o == 0 ? "empty_local" : NULL;
}

/* Text -> "text" with `"` and `\` escaped. */
static bool requote(const char *t, char *out, size_t cap)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *t != '\0'; t++) {
        if (o + 3 >= cap)
            return false;
        if (*t == '"' || *t == '\\')
            out[o++] = '\\';
        out[o++] = *t;
    }
    out[o++] = '"';
    out[o] = '\0';
    return true;
}

/* Why an unquoted local part is not a dot-atom; internal White_Space of any
 * script (NBSP, U+3000...) counts as whitespace. */
static const char *dot_atom_reason(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t at = i;
        int32_t cp = email_u8_next((const uint8_t *)s, n, &i);
        if (cp < 0)
            return "bad_utf8";
        if (email_is_space(cp))
            return "whitespace";
        if (s[at] != '.' && !is_atext((unsigned char)s[at]))
            return "local_character";
    }
    return email_is_dot_atom(s, n) ? NULL : "dots";
}

static const char *parse_local(const mdlg_email_ctx *ctx, const char *s, size_t n,
                               struct email_parts *p)
{
    char text[SPEC_MAX], norm[MDLG_EMAIL_KEY_MAX];
    const char *why;
    if (n == 0)
        return "empty_local";
    if (s[0] == '"') {
        if ((why = unquote(s, n, text, sizeof text)) != NULL)
            return why;
    } else {
        if ((why = dot_atom_reason(s, n)) != NULL)
            return why;
        memcpy(text, s, n);
        text[n] = '\0';
    }
    if (!email_nfc(ctx, text, norm, sizeof norm))
        return "local_too_long";
    p->quoted = !email_is_dot_atom(norm, strlen(norm));
    if (p->quoted) {
        if (!requote(norm, p->local, sizeof p->local))
            return "local_too_long";
        p->flags |= MDLG_EMAIL_QUOTED;
    } else {
        strcpy(p->local, norm);
    }
    return strlen(p->local) > MDLG_EMAIL_MAX_LOCAL ? "local_too_long" : NULL;
}

static const char *parse_literal(const char *s, size_t n, struct email_parts *p)
{
    if (n < 3 || s[n - 1] != ']' || n > MDLG_EMAIL_MAX_DOMAIN)
        return "domain_literal";
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (i == 0 || i == n - 1) || (c >= '0' && c <= '9') || c == '.' || c == ':' ||
                  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!ok)
            return "domain_literal";
        p->domain[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    p->domain[n] = '\0';
    strcpy(p->udomain, p->domain);
    p->literal = true;
    return NULL;
}

static bool is_ldh_label(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* LDH hostname with at least two labels and a TLD that is not all digits. */
static const char *hostname_reason(const char *d)
{
    size_t n = strlen(d), labels = 0, b = 0;
    if (n > MDLG_EMAIL_MAX_DOMAIN)
        return "domain_too_long";
    for (size_t i = 0; i <= n; i++) {
        if (i < n && d[i] != '.')
            continue;
        if (!is_ldh_label(d + b, i - b))
            return "domain_syntax";
        labels++;
        b = i + 1;
    }
    if (labels < 2)
        return "single_label_domain";
    return strspn(strrchr(d, '.') + 1, "0123456789") == strlen(strrchr(d, '.') + 1)
               ? "numeric_tld" : NULL;
}

/* The cache slot of domain bytes s[0..n) (FNV-1a). */
static size_t dcache_slot(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h % DCACHE_SLOTS;
}

/* A cached parse_domain() result for s[0..n) into p; false if none. */
static bool dcache_get(struct email_dcache *c, const char *s, size_t n, struct email_parts *p,
                       const char **why)
{
    bool hit = false;
    if (c == NULL || n >= DCACHE_NAME)
        return false;
    size_t i = dcache_slot(s, n);
    pthread_mutex_lock(&c->mu);
    if (c->slot[i].len == n && memcmp(c->slot[i].in, s, n) == 0) {
        hit = true;
        *why = c->slot[i].why;
        if (*why == NULL) {
            strcpy(p->domain, c->slot[i].domain), strcpy(p->udomain, c->slot[i].udomain);
            p->udomain_spoof = c->slot[i].udomain_spoof;
            p->disposable = c->slot[i].disposable;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void dcache_put(struct email_dcache *c, const char *s, size_t n,
                       const struct email_parts *p, const char *why)
{
    if (c == NULL || n >= DCACHE_NAME || n == 0 ||
        (why == NULL && (strlen(p->domain) >= DCACHE_NAME || strlen(p->udomain) >= DCACHE_NAME)))
        return;
    size_t i = dcache_slot(s, n);
    pthread_mutex_lock(&c->mu);
    c->slot[i].len = (uint8_t)n;
    memcpy(c->slot[i].in, s, n);
    c->slot[i].why = why;
    strcpy(c->slot[i].domain, why == NULL ? p->domain : "");
    strcpy(c->slot[i].udomain, why == NULL ? p->udomain : "");
    c->slot[i].udomain_spoof = p->udomain_spoof;
    c->slot[i].disposable = p->disposable;
    pthread_mutex_unlock(&c->mu);
}

/* UTS #46 and hostname syntax of a domain without forbidden characters (uncached). */
static const char *idna_domain(const char *s, size_t n, struct email_parts *p)
{
    char in[SPEC_MAX];
    char *ascii = NULL, *uni = NULL;
    memcpy(in, s, n);
    in[n] = '\0';
    if (idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&ascii,
                       IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
        return "idna";
    size_t an = strlen(ascii);
    if (an > 0 && ascii[an - 1] == '.')
        ascii[--an] = '\0';
    const char *why = an >= sizeof p->domain ? "domain_too_long" : hostname_reason(ascii);
    if (why == NULL) {
        strcpy(p->domain, ascii);
        bool u = idn2_to_unicode_8z8z(ascii, &uni, 0) == IDN2_OK && strlen(uni) < sizeof p->udomain;
        strcpy(p->udomain, u ? uni : ascii);
    }
    idn2_free(ascii);
    idn2_free(uni);
    return why;
}

static const char *parse_domain(const mdlg_email_ctx *ctx, const char *s, size_t n,
                                struct email_parts *p)
{
    const char *why = NULL;
    if (n == 0)
        return "empty_domain";
    if (s[0] == '[') {
        why = parse_literal(s, n, p);
        if (why == NULL)
            p->udomain_spoof = email_spoof_flags(ctx, p->udomain);
        return why;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || strchr("()<>[]:;@\\,\"", s[i]) != NULL)
            return s[i] == ' ' || s[i] == '\t' ? "whitespace" : "domain_character";
    if (dcache_get(ctx->dcache, s, n, p, &why))
        return why;
    why = idna_domain(s, n, p);
    if (why == NULL) {
        p->udomain_spoof = email_spoof_flags(ctx, p->udomain);
        p->disposable = mdlg_email_is_disposable(p->domain);
    }
    dcache_put(ctx->dcache, s, n, p, why);
    return why;
}

static bool has_non_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

const char *email_parse(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                        struct email_parts *p)
{
    char spec[SPEC_MAX];
    size_t b = 0, e = 0, ab = 0, ae = 0, sn = 0;
    const char *why;
    memset(p, 0, sizeof *p);
    if (len > MDLG_EMAIL_MAX_INPUT)
        return "too_long";
    if ((why = trim(in, len, &b, &e, &p->flags)) != NULL)
        return why;
    const char *s = (const char *)in + b;
    if ((why = angle(s, e - b, &ab, &ae)) != NULL ||
        (why = strip_comments(s + ab, ae - ab, spec, &sn)) != NULL)
        return why;
    size_t lo = 0;                  /* blanks inside <...> */
    while (lo < sn && (spec[lo] == ' ' || spec[lo] == '\t'))
        lo++;
    while (sn > lo && (spec[sn - 1] == ' ' || spec[sn - 1] == '\t'))
        sn--;
    size_t at = last_at(spec + lo, sn - lo);
    if (at == sn - lo)
        return "no_at";
    if ((why = parse_local(ctx, spec + lo, at, p)) != NULL ||
        (why = parse_domain(ctx, spec + lo + at + 1, sn - lo - at - 1, p)) != NULL)
        return why;
    if (has_non_ascii(p->local) || has_non_ascii(p->udomain))
        p->flags |= MDLG_EMAIL_NON_ASCII;
    return NULL;
}
