/*
 * email_internal.h - shared between the src/fraud/email*.c files only.
 *
 *   email_rules.c       the compiled-in rules file, its parser and the domain lookup
 *   email_unicode.c     UTF-8 decoding, ICU NFC / NFKC_Casefold / UTS #39 skeleton
 *   email_parse.c       addr-spec extraction and syntax (-> struct email_parts)
 *   email_canon.c       the three keys and the flags (mdlg_email_keys)
 *   email_disposable.c  the disposable-domain list (generated at build time) + libpsl
 */
#ifndef MDLG_FRAUD_EMAIL_INTERNAL_H
#define MDLG_FRAUD_EMAIL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>

#include "mdlg/email.h"

enum rule_kind { RULE_EXACT, RULE_SUBTREE, RULE_ANY_SUFFIX };
enum rule_class { RULE_FREE, RULE_RELAY, RULE_OTHER, RULE_TYPO };
enum rule_tagkey { TAGKEY_NONE, TAGKEY_CUT, TAGKEY_DEA };

/* One line of the rules file. */
struct email_rule {
    enum rule_kind kind;
    char match[MDLG_EMAIL_NAME_MAX];     /* domain; for ANY_SUFFIX the label before ".*" */
    char canonical[MDLG_EMAIL_NAME_MAX]; /* "" = the address's own domain */
    enum rule_class cls;
    bool fold;                           /* ASCII-lowercase the local part */
    char drop[16];                       /* characters removed from the local part */
    char map_from, map_to;               /* 0 = no mapping */
    char tag;                            /* subaddress separator, 0 = none */
    enum rule_tagkey tagkey;
    bool any_chars;
    uint8_t chars[32];                   /* allowed username bytes (bitmap) */
    bool subdomain;                      /* Fastmail subdomain addressing */
    uint32_t fold_flag;                  /* set when drop/map changed something */
    bool watch;                          /* lookalike / typo target */
    char skeleton[MDLG_EMAIL_NAME_MAX * 2]; /* similarity form of `match` (EXACT rows) */
};

/*
 * The results of parse_domain() for recent domains, keyed by the exact bytes
 * after the `@` (a pure function of them: the same bytes give the same
 * A-label, U-label, spoof flags and disposable verdict, or reason), so
 * libidn2, the spoof checker and the disposable list run once per domain
 * instead of once per address. Direct-mapped: a colliding domain replaces the slot. Domains
 * and results longer than DCACHE_NAME - 1 bytes are not cached. Guarded by mu
 * (copies in and out only).
 */
#define DCACHE_SLOTS 512
#define DCACHE_NAME 64
struct email_dcache {
    pthread_mutex_t mu;
    struct {
        uint8_t len;                   /* of in; 0 = empty slot */
        char in[DCACHE_NAME];
        char domain[DCACHE_NAME], udomain[DCACHE_NAME];
        uint32_t udomain_spoof;
        bool disposable;
        const char *why;               /* static reason, or NULL */
    } slot[DCACHE_SLOTS];
};

struct mdlg_email_ctx {
    struct email_rule *rules;   /* sorted by (kind, match) */
    size_t n_rules;
    const UNormalizer2 *nfc;
    const UNormalizer2 *nfkc_cf;
    const UNormalizer2 *nfkc;
    USpoofChecker *spoof;       /* skeletons and the restriction-level check */
    struct email_dcache *dcache;  /* the one mutable part (internally locked) */
};

/* ---- email_rules.c ---- */

/* Parses the rules text into ctx->rules (sorted); MDLG_E_USAGE with *bad_line. */
mdlg_err email_rules_parse(mdlg_email_ctx *ctx, const char *text, size_t len,
                           size_t *bad_line);

/* The built-in rules file (NUL-terminated) and its length. */
const char *email_rules_builtin(size_t *len);

/* Finds the rule for `domain` (lowercase A-label). Exact rows first, then
 * subdomain addressing (`x@user.fastmail.com`: *sub_label_len = strlen("user")),
 * then `*.d` rows, then `name.*` rows at the registrable domain. NULL if none. */
const struct email_rule *email_rule_find(const mdlg_email_ctx *ctx, const char *domain,
                                         size_t *sub_label_len);

/* Canonical domain of a rule for an address at `domain`. */
const char *email_rule_domain(const struct email_rule *r, const char *domain);

/* Damerau-Levenshtein distance capped at 2 (bounded strings). */
unsigned email_edit_distance(const char *a, const char *b);

/* ---- email_unicode.c ---- */

/* Decodes one UTF-8 scalar at s[*i] (strict: no overlongs, surrogates or
 * values above U+10FFFF); advances *i. Returns -1 on a bad sequence. */
int32_t email_u8_next(const uint8_t *s, size_t len, size_t *i);

/* Whole buffer is strict UTF-8. */
bool email_u8_valid(const uint8_t *s, size_t len);

/* Unicode White_Space or U+FEFF (trimmed around an address). */
bool email_is_space(int32_t cp);

/* Default-ignorable code point or bidi control (invisible in rendering). */
bool email_is_invisible(int32_t cp);

/* NFC of a NUL-terminated UTF-8 string into out[cap]; false on overflow/ICU error. */
bool email_nfc(const mdlg_email_ctx *ctx, const char *in, char *out, size_t cap);

/* lower(skeleton(NFKC_Casefold(in))) into out[cap]; false on overflow/ICU error. */
bool email_simform(const mdlg_email_ctx *ctx, const char *in, char *out, size_t cap);

/* Spoof findings for a UTF-8 string: MDLG_EMAIL_MIXED_SCRIPT when it fails the
 * highly-restrictive level, MDLG_EMAIL_CONFUSABLE when it is non-ASCII but its
 * skeleton(NFKC) is pure ASCII (it imitates an ASCII name). */
uint32_t email_spoof_flags(const mdlg_email_ctx *ctx, const char *s);

/* ---- email_parse.c ---- */

struct email_parts {
    char local[MDLG_EMAIL_KEY_MAX];   /* NFC; re-quoted when `quoted` */
    bool quoted;                      /* local part is a quoted string kept literal */
    char domain[MDLG_EMAIL_KEY_MAX];  /* lowercase A-label, or [literal] */
    char udomain[MDLG_EMAIL_KEY_MAX]; /* U-label form (for skeletons) */
    bool literal;                     /* domain literal [1.2.3.4] */
    uint32_t udomain_spoof;           /* email_spoof_flags(udomain) */
    bool disposable;                  /* not literal and mdlg_email_is_disposable(domain) */
    uint32_t flags;                   /* INVISIBLE, NON_ASCII found while parsing */
};

/* Parses one address. Returns NULL, or a static reason when it is unusable. */
const char *email_parse(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                        struct email_parts *p);

/* RFC 5322 dot-atom (RFC 6532: UTF-8 allowed): non-empty atoms split by single dots. */
bool email_is_dot_atom(const char *s, size_t len);

/* ---- email_disposable.c ---- */
/* (public: mdlg_email_is_disposable, mdlg_email_disposable_source/_count) */

#endif
