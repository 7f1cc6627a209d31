/*
 * email_canon.c - mdlg_email_keys(): exact, mailbox and similarity keys and
 * the flags, from the parsed address and the provider rule of its domain.
 * See email.h for what each key means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email_internal.h"

static const char *const flag_names[MDLG_EMAIL_FLAG_COUNT] = {
    "gmail_dots", "separators", "plus_tag", "yahoo_keyword", "alias_domain",
    "subdomain_addressing", "confusable", "mixed_script", "invisible", "typo_domain",
    "disposable", "relay", "non_ascii", "quoted", "invalid",
};

const char *mdlg_email_flag_name(uint32_t bit)
{
    for (unsigned i = 0; i < MDLG_EMAIL_FLAG_COUNT; i++)
        if (bit == 1u << i)
            return flag_names[i];
    return NULL;
}

const char *mdlg_email_class_name(enum mdlg_email_class c)
{
    static const char *const names[] = { "custom", "free", "relay", "disposable" };
    return (unsigned)c < 4 ? names[c] : "custom";
}

/* Copies a NUL-terminated string, truncating to cap - 1 bytes. */
static void scopy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A local part after one provider rule. */
struct applied {
    char local[MDLG_EMAIL_KEY_MAX];   /* mailbox form ("dea:base" for Yahoo keywords) */
    char base[MDLG_EMAIL_KEY_MAX];    /* the part before the tag, folded */
    uint32_t flags;
    const char *invalid;
};

static bool allowed(const struct email_rule *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !r->any_chars; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || !(r->chars[c / 8] & (1u << (c % 8))))
            return false;
    }
    return true;
}

/* Removes r->drop characters from base and applies r->map; sets the rule's flag. */
static void fold_base(const struct email_rule *r, char *base, struct applied *a)
{
    size_t o = 0, n = strlen(base);
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        if (r->drop[0] != '\0' && strchr(r->drop, c) != NULL) {
            changed = true;
            continue;
        }
        if (r->map_from != 0 && c == r->map_from)
            c = r->map_to, changed = true;
        base[o++] = c;
    }
    base[o] = '\0';
    if (o == 0) {
        if (a->invalid == NULL)
            a->invalid = "empty_username";
        return;
    }
    if (changed)
        a->flags |= r->fold_flag;
}

/* Applies rule r to an unquoted local part. */
static void apply_rule(const struct email_rule *r, const char *local, struct applied *a)
{
    char buf[MDLG_EMAIL_KEY_MAX];
    memset(a, 0, sizeof *a);
    scopy(buf, sizeof buf, local);
    for (char *c = buf; r->fold && *c != '\0'; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
    char *tag = r->tag != 0 ? strchr(buf, r->tag) : NULL;
    if (tag == buf) {
        a->invalid = "empty_username";
        tag = NULL;
    }
    size_t bn = tag != NULL ? (size_t)(tag - buf) : strlen(buf);
    if (!allowed(r, buf, bn) && a->invalid == NULL)
        a->invalid = "provider_charset";
    memcpy(a->base, buf, bn);
    a->base[bn] = '\0';
    fold_base(r, a->base, a);
    if (a->base[0] == '\0')     /* everything dropped: keep the original */
        memcpy(a->base, buf, bn + 1), a->base[bn] = '\0';
    if (tag != NULL)
        a->flags |= r->tagkey == TAGKEY_DEA ? MDLG_EMAIL_YAHOO_KEYWORD : MDLG_EMAIL_PLUS_TAG;
    size_t pn = tag != NULL && r->tagkey == TAGKEY_DEA ? 4 : 0;   /* "dea:" */
    memcpy(a->local, "dea:", pn);
    scopy(a->local + pn, sizeof a->local - pn, a->base);
}

static void set_invalid(struct mdlg_email_keys *out, const char *why)
{
    out->flags |= MDLG_EMAIL_INVALID;
    if (out->invalid_reason == NULL)
        out->invalid_reason = why;
}

static void join(char *dst, size_t cap, const char *local, const char *domain)
{
    if ((size_t)snprintf(dst, cap, "%s@%s", local, domain) >= cap)
        dst[0] = '\0';
}

static bool is_folding_rule(const struct email_rule *r)
{
    return r != NULL && (r->cls == RULE_FREE || r->cls == RULE_OTHER);
}

/* mailbox_key; *base gets the similarity starting point of the local part. */
static void mailbox(const struct email_parts *p, const struct email_rule *r, size_t sub,
                    struct mdlg_email_keys *out, char *base, size_t cap)
{
    if (!is_folding_rule(r)) {
        const char *plus = p->quoted ? NULL : strchr(p->local, '+');
        if (plus != NULL && plus != p->local)
            out->flags |= MDLG_EMAIL_PLUS_TAG;      /* soft: similarity only */
        size_t bn = plus != NULL && plus != p->local ? (size_t)(plus - p->local)
                                                     : strlen(p->local);
        snprintf(base, cap, "%.*s", (int)bn, p->local);
        scopy(out->mailbox_key, sizeof out->mailbox_key, out->exact_key);
        return;
    }
    const char *own = sub ? p->domain + sub + 1 : p->domain;
    const char *domain = email_rule_domain(r, own);
    struct applied a;
    if (sub) {                  /* x@user.fastmail.com -> user@fastmail.com */
        char label[64];
        snprintf(label, sizeof label, "%.*s", (int)sub, p->domain);
        apply_rule(r, label, &a);
        a.flags = (a.flags & ~MDLG_EMAIL_PLUS_TAG) | MDLG_EMAIL_SUBDOMAIN_ADDRESSING;
    } else if (p->quoted) {     /* no provider rules inside quotes */
        memset(&a, 0, sizeof a);
        scopy(a.local, sizeof a.local, p->local);
        scopy(a.base, sizeof a.base, p->local);
        a.invalid = r->any_chars ? NULL : "provider_charset";
    } else {
        apply_rule(r, p->local, &a);
    }
    out->flags |= a.flags | (strcmp(domain, own) != 0 ? MDLG_EMAIL_ALIAS_DOMAIN : 0);
    if (a.invalid != NULL)
        set_invalid(out, a.invalid);
    join(out->mailbox_key, sizeof out->mailbox_key, a.local, domain);
    scopy(base, cap, a.base);
}

static const struct email_rule *find_exact(const mdlg_email_ctx *ctx, const char *domain)
{
    for (size_t i = 0; i < ctx->n_rules; i++)
        if (ctx->rules[i].kind == RULE_EXACT && strcmp(ctx->rules[i].match, domain) == 0)
            return &ctx->rules[i];
    return NULL;
}

/* Typo rows, lookalike domains (equal skeletons) and one-edit typos of watched
 * providers. Returns the imitated provider's rule (for the similarity key). */
static const struct email_rule *lookalike(const mdlg_email_ctx *ctx, const struct email_parts *p,
                                          const struct email_rule *r,
                                          struct mdlg_email_keys *out)
{
    char sk[MDLG_EMAIL_NAME_MAX * 2];
    if (r != NULL && r->cls == RULE_TYPO) {
        out->flags |= MDLG_EMAIL_TYPO_DOMAIN;
        scopy(out->typo_of, sizeof out->typo_of, r->canonical);
        return find_exact(ctx, r->canonical);
    }
    if (r != NULL || !email_simform(ctx, p->udomain, sk, sizeof sk))
        return NULL;
    for (size_t i = 0; i < ctx->n_rules; i++) {
        const struct email_rule *c = &ctx->rules[i];
        if (c->kind == RULE_EXACT && c->cls != RULE_TYPO && strcmp(c->skeleton, sk) == 0) {
            out->flags |= MDLG_EMAIL_CONFUSABLE;
            snprintf(out->confusable_of, sizeof out->confusable_of, "%s",
                     email_rule_domain(c, c->match));
            return c;
        }
    }
    for (size_t i = 0; i < ctx->n_rules; i++) {
        const struct email_rule *c = &ctx->rules[i];
        if (c->kind == RULE_EXACT && c->watch && email_edit_distance(p->domain, c->match) == 1) {
            out->flags |= MDLG_EMAIL_TYPO_DOMAIN;
            scopy(out->typo_of, sizeof out->typo_of, email_rule_domain(c, c->match));
            return c;
        }
    }
    return NULL;
}

/* similarity_key = simform(local) "@" provider domain or simform(domain). */
static void similarity(const mdlg_email_ctx *ctx, const struct email_parts *p,
                       const struct email_rule *r, const struct email_rule *target,
                       const char *base, struct mdlg_email_keys *out)
{
    char local[MDLG_EMAIL_SIM_MAX], dom[MDLG_EMAIL_SIM_MAX];
    const char *src = base;
    struct applied a;
    if (!is_folding_rule(r) && is_folding_rule(target) && !p->quoted) {
        apply_rule(target, p->local, &a);   /* gmial.com: read it with Gmail's rules */
        src = a.base;
    }
    const char *at = strchr(out->mailbox_key, '@');
    bool ok = email_simform(ctx, src, local, sizeof local);
    if (is_folding_rule(r) && at != NULL)
        scopy(dom, sizeof dom, at + 1);
    else if (target != NULL)
        scopy(dom, sizeof dom, email_rule_domain(target, target->match));
    else
        ok = ok && email_simform(ctx, p->udomain, dom, sizeof dom);
    if (ok)
        join(out->similarity_key, sizeof out->similarity_key, local, dom);
}

static void classify(const struct email_parts *p, const struct email_rule *r,
                     struct mdlg_email_keys *out)
{
    if (r != NULL && r->cls == RULE_RELAY) {
        out->flags |= MDLG_EMAIL_RELAY;
        out->provider_class = MDLG_EMAIL_CLASS_RELAY;
    } else if (r != NULL && r->cls == RULE_FREE) {
        out->provider_class = MDLG_EMAIL_CLASS_FREE;
    }
    if (r != NULL && r->cls != RULE_TYPO) {
        const char *at = strchr(out->mailbox_key, '@');
        scopy(out->provider, sizeof out->provider,
              r->kind == RULE_SUBTREE ? r->match : at != NULL ? at + 1 : p->domain);
    }
    if (p->disposable) {
        out->flags |= MDLG_EMAIL_DISPOSABLE;
        if (out->provider_class == MDLG_EMAIL_CLASS_CUSTOM)
            out->provider_class = MDLG_EMAIL_CLASS_DISPOSABLE;
    }
}

mdlg_err mdlg_email_keys(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                         struct mdlg_email_keys *out)
{
    return mdlg_email_keys_opt(ctx, in, len, 0, out);
}

mdlg_err mdlg_email_keys_opt(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                             unsigned opts, struct mdlg_email_keys *out)
{
    struct email_parts *p = malloc(sizeof *p);
    char base[MDLG_EMAIL_KEY_MAX];
    size_t sub = 0;
    memset(out, 0, sizeof *out);
    if (p == NULL) {
        set_invalid(out, "no_memory");
        return MDLG_E_NO_MEMORY;
    }
    const char *why = email_parse(ctx, in, len, p);
    out->flags = p->flags;
    if (why != NULL) {
        set_invalid(out, why);
        free(p);
        return MDLG_E_OK;
    }
    join(out->exact_key, sizeof out->exact_key, p->local, p->domain);
    out->flags |= email_spoof_flags(ctx, p->local) | p->udomain_spoof;
    const struct email_rule *r = p->literal ? NULL : email_rule_find(ctx, p->domain, &sub);
    mailbox(p, r, sub, out, base, sizeof base);
    const struct email_rule *target = p->literal ? NULL : lookalike(ctx, p, r, out);
    if (!(opts & MDLG_EMAIL_OPT_NO_SIMILARITY))
        similarity(ctx, p, r, target, base, out);
    classify(p, r, out);
    free(p);
    return MDLG_E_OK;
}

mdlg_err mdlg_email_ctx_new(mdlg_email_ctx **out, const char *rules, size_t rules_len,
                            size_t *bad_line)
{
    UErrorCode e = U_ZERO_ERROR;
    mdlg_email_ctx *ctx = calloc(1, sizeof *ctx);
    *out = NULL;
    if (ctx == NULL)
        return MDLG_E_NO_MEMORY;
    if (rules == NULL)
        rules = email_rules_builtin(&rules_len);
    mdlg_err err = email_rules_parse(ctx, rules, rules_len, bad_line);
    if (err == MDLG_E_OK && (ctx->dcache = calloc(1, sizeof *ctx->dcache)) == NULL)
        err = MDLG_E_NO_MEMORY;
    else if (err == MDLG_E_OK)
        pthread_mutex_init(&ctx->dcache->mu, NULL);
    ctx->nfc = unorm2_getNFCInstance(&e);
    ctx->nfkc = unorm2_getNFKCInstance(&e);
    ctx->nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    ctx->spoof = uspoof_open(&e);
    if (U_SUCCESS(e)) {
        uspoof_setRestrictionLevel(ctx->spoof, USPOOF_HIGHLY_RESTRICTIVE);
        uspoof_setChecks(ctx->spoof, USPOOF_RESTRICTION_LEVEL, &e);
    }
    if (err == MDLG_E_OK && U_FAILURE(e))
        err = MDLG_E_INTERNAL;
    for (size_t i = 0; err == MDLG_E_OK && i < ctx->n_rules; i++)
        if (!email_simform(ctx, ctx->rules[i].match, ctx->rules[i].skeleton,
                           sizeof ctx->rules[i].skeleton))
            err = MDLG_E_INTERNAL;
    if (err != MDLG_E_OK) {
        mdlg_email_ctx_free(ctx);
        return err;
    }
    *out = ctx;
    return MDLG_E_OK;
}

void mdlg_email_ctx_free(mdlg_email_ctx *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->spoof != NULL)
        uspoof_close(ctx->spoof);
    if (ctx->dcache != NULL)
        pthread_mutex_destroy(&ctx->dcache->mu);
    free(ctx->dcache);
    free(ctx->rules);
    free(ctx);
}

size_t mdlg_email_rule_count(const mdlg_email_ctx *ctx)
{
    return ctx->n_rules;
}
