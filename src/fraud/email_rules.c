/*
 * email_rules.c - the provider rules file (src/fraud/email-rules.tsv; its
 * header documents the format), compiled in with .incbin, parsed into a
 * sorted table, and the domain -> rule lookup.
 */
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "email_internal.h"

/* The assembler reads the file relative to the compiler's working directory,
 * the repository root (the Makefile and tests/fuzz/fuzz.mk both run there);
 * src/fraud/fraud.mk makes the object depend on it. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        "mdlg_email_rules_start:\n"
        ".incbin \"src/fraud/email-rules.tsv\"\n"
        "mdlg_email_rules_end:\n"
        ".byte 0\n"
        ".previous\n");
extern const char mdlg_email_rules_start[] __asm__("mdlg_email_rules_start");
extern const char mdlg_email_rules_end[] __asm__("mdlg_email_rules_end");

#define N_FIELDS 13

const char *email_rules_builtin(size_t *len)
{
    *len = (size_t)(mdlg_email_rules_end - mdlg_email_rules_start);
    return mdlg_email_rules_start;
}

static bool copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* `a-z0-9.` -> bitmap; a '-' between two characters is a range. */
static bool parse_chars(struct email_rule *r, const char *f)
{
    if (strcmp(f, "any") == 0) {
        r->any_chars = true;
        return true;
    }
    for (size_t i = 0; f[i] != '\0'; i++) {
        unsigned lo = (unsigned char)f[i], hi = lo;
        if (f[i + 1] == '-' && f[i + 2] != '\0') {
            hi = (unsigned char)f[i + 2];
            i += 2;
        }
        if (lo > hi || hi >= 0x80)
            return false;
        for (unsigned c = lo; c <= hi; c++)
            r->chars[c / 8] |= (uint8_t)(1u << (c % 8));
    }
    return true;
}

static bool parse_match(struct email_rule *r, const char *f)
{
    size_t n = strlen(f);
    r->kind = RULE_EXACT;
    if (n > 2 && strncmp(f, "*.", 2) == 0) {
        r->kind = RULE_SUBTREE;
        f += 2, n -= 2;
    } else if (n > 2 && strcmp(f + n - 2, ".*") == 0) {
        r->kind = RULE_ANY_SUFFIX;
        n -= 2;
    }
    for (size_t i = 0; i < n; i++)
        if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '-' ||
              f[i] == '.'))
            return false;
    return copy_field(r->match, sizeof r->match, f, n);
}

static bool parse_enum(const char *f, const char *const *names, int count, int *out)
{
    for (int i = 0; i < count; i++)
        if (strcmp(f, names[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

static bool parse_flag(const char *f, uint32_t *out)
{
    *out = 0;
    if (strcmp(f, "none") == 0)
        return true;
    for (uint32_t b = 1; b != 0 && b < (1u << MDLG_EMAIL_FLAG_COUNT); b <<= 1)
        if (strcmp(f, mdlg_email_flag_name(b)) == 0) {
            *out = b;
            return true;
        }
    return false;
}

static bool parse_small(const char *f, char *dst, size_t cap)
{
    return strcmp(f, "none") == 0 ? (dst[0] = '\0', true) : copy_field(dst, cap, f, strlen(f));
}

static bool parse_fields_a(struct email_rule *r, char f[N_FIELDS][MDLG_EMAIL_NAME_MAX])
{
    static const char *const classes[] = { "free", "relay", "other", "typo" };
    static const char *const cases[] = { "keep", "fold" };
    int cls = 0, fold = 0;
    if (!parse_match(r, f[0]) || !parse_enum(f[2], classes, 4, &cls) ||
        !parse_enum(f[3], cases, 2, &fold) || !parse_small(f[4], r->drop, sizeof r->drop))
        return false;
    r->cls = (enum rule_class)cls;
    r->fold = fold == 1;
    if (strcmp(f[1], "=") == 0)
        r->canonical[0] = '\0';
    else if (!copy_field(r->canonical, sizeof r->canonical, f[1], strlen(f[1])))
        return false;
    return true;
}

static bool parse_fields_b(struct email_rule *r, char f[N_FIELDS][MDLG_EMAIL_NAME_MAX])
{
    static const char *const keys[] = { "none", "cut", "dea" };
    static const char *const yesno[] = { "no", "yes" };
    int key = 0, sub = 0, watch = 0;
    if (strcmp(f[5], "none") != 0) {
        if (strlen(f[5]) != 3 || f[5][1] != '>')
            return false;
        r->map_from = f[5][0], r->map_to = f[5][2];
    }
    if (strcmp(f[6], "none") != 0 && strlen(f[6]) != 1)
        return false;
    r->tag = strcmp(f[6], "none") == 0 ? 0 : f[6][0];
    if (!parse_enum(f[7], keys, 3, &key) || (key == TAGKEY_NONE) != (r->tag == 0) ||
        !parse_chars(r, f[8]) || !parse_enum(f[9], yesno, 2, &sub) ||
        !parse_flag(f[10], &r->fold_flag) || !parse_enum(f[11], yesno, 2, &watch))
        return false;
    r->tagkey = (enum rule_tagkey)key;
    r->subdomain = sub == 1;
    r->watch = watch == 1;
    return strchr("HML", f[12][0]) != NULL && f[12][0] != '\0' && f[12][1] == '\0';
}

/* Splits one line (comment removed) into fields; 0 = blank, -1 = malformed. */
static int split_line(const char *s, size_t n, char f[N_FIELDS][MDLG_EMAIL_NAME_MAX])
{
    int count = 0;
    size_t i = 0;
    while (i < n && s[i] != '#') {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
            i++;
        if (i == b)
            continue;
        if (count == N_FIELDS || !copy_field(f[count], MDLG_EMAIL_NAME_MAX, s + b, i - b))
            return -1;
        count++;
    }
    return count == 0 ? 0 : count == N_FIELDS ? 1 : -1;
}

static int rule_cmp(const void *a, const void *b)
{
    const struct email_rule *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->match, y->match);
}

static bool rules_push(mdlg_email_ctx *ctx, size_t *cap, const struct email_rule *r)
{
    if (ctx->n_rules == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct email_rule *p = realloc(ctx->rules, nc * sizeof *p);
        if (p == NULL)
            return false;
        ctx->rules = p, *cap = nc;
    }
    ctx->rules[ctx->n_rules++] = *r;
    return true;
}

/* Rejects a second row with the same (kind, match): the table must be unambiguous. */
static bool rules_unique(const mdlg_email_ctx *ctx, size_t *dup)
{
    for (size_t i = 1; i < ctx->n_rules; i++)
        if (rule_cmp(&ctx->rules[i - 1], &ctx->rules[i]) == 0) {
            *dup = i;
            return false;
        }
    return true;
}

mdlg_err email_rules_parse(mdlg_email_ctx *ctx, const char *text, size_t len, size_t *bad_line)
{
    char (*fields)[MDLG_EMAIL_NAME_MAX] = malloc(N_FIELDS * MDLG_EMAIL_NAME_MAX);
    size_t cap = 0, line = 0, dup = 0;
    if (fields == NULL)
        return MDLG_E_NO_MEMORY;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        struct email_rule r = { 0 };
        line++;
        int k = split_line(text + i, n, fields);
        i += n + 1;
        if (k == 0)
            continue;
        if (k < 0 || !parse_fields_a(&r, fields) || !parse_fields_b(&r, fields)) {
            free(fields);
            if (bad_line)
                *bad_line = line;
            return MDLG_E_USAGE;
        }
        if (!rules_push(ctx, &cap, &r)) {
            free(fields);
            return MDLG_E_NO_MEMORY;
        }
    }
    free(fields);
    qsort(ctx->rules, ctx->n_rules, sizeof *ctx->rules, rule_cmp);
    if (!rules_unique(ctx, &dup)) {
        if (bad_line)
            *bad_line = 0;      /* a duplicate row: no single line to blame */
        return MDLG_E_USAGE;
    }
    return MDLG_E_OK;
}

static const struct email_rule *find(const mdlg_email_ctx *ctx, enum rule_kind kind,
                                     const char *name)
{
    struct email_rule key;
    key.kind = kind;
    if (strlen(name) >= sizeof key.match)
        return NULL;
    strcpy(key.match, name);
    return bsearch(&key, ctx->rules, ctx->n_rules, sizeof key, rule_cmp);
}

/* `*.d` rows: the domain itself or any parent. */
static const struct email_rule *find_subtree(const mdlg_email_ctx *ctx, const char *domain)
{
    for (const char *d = domain; d != NULL; d = strchr(d, '.'), d = d ? d + 1 : NULL) {
        const struct email_rule *r = find(ctx, RULE_SUBTREE, d);
        if (r != NULL)
            return r;
    }
    return NULL;
}

/* `name.*` rows: the domain is exactly name.<public suffix>. */
static const struct email_rule *find_any_suffix(const mdlg_email_ctx *ctx, const char *domain)
{
    const char *reg = psl_registrable_domain(psl_builtin(), domain);
    const char *dot = strchr(domain, '.');
    if (reg == NULL || reg != domain || dot == NULL || (size_t)(dot - domain) >= 64)
        return NULL;
    char label[64];
    memcpy(label, domain, (size_t)(dot - domain));
    label[dot - domain] = '\0';
    return find(ctx, RULE_ANY_SUFFIX, label);
}

const struct email_rule *email_rule_find(const mdlg_email_ctx *ctx, const char *domain,
                                         size_t *sub_label_len)
{
    *sub_label_len = 0;
    const struct email_rule *r = find(ctx, RULE_EXACT, domain);
    if (r != NULL)
        return r;
    const char *dot = strchr(domain, '.');
    if (dot != NULL && dot > domain) {
        r = find(ctx, RULE_EXACT, dot + 1);
        if (r != NULL && r->subdomain) {
            *sub_label_len = (size_t)(dot - domain);
            return r;
        }
    }
    r = find_subtree(ctx, domain);
    return r != NULL ? r : find_any_suffix(ctx, domain);
}

const char *email_rule_domain(const struct email_rule *r, const char *domain)
{
    return r->canonical[0] != '\0' && r->cls != RULE_TYPO ? r->canonical : domain;
}

unsigned email_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 253 || m > 253 || (n > m ? n - m : m - n) > 1)
        return 2;
    size_t i = 0;
    while (i < n && i < m && a[i] == b[i])
        i++;
    if (i == n && i == m)
        return 0;
    /* one edit: substitution, insertion, deletion, or adjacent transposition */
    if (n == m && strcmp(a + i + 1, b + i + 1) == 0)
        return 1;
    if (n == m && i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
        strcmp(a + i + 2, b + i + 2) == 0)
        return 1;
    if (n + 1 == m && strcmp(a + i, b + i + 1) == 0)
        return 1;
    if (n == m + 1 && strcmp(a + i + 1, b + i) == 0)
        return 1;
    return 2;
}
