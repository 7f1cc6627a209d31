/*
 * email.h - e-mail address canonicalisation for the fraud signals (src/fraud).
 *
 * One address in, three keys out (shared research/fraud-signals.md §1a):
 *
 *   exact_key       the addr-spec as written: whitespace trimmed, display name
 *                   and comments dropped, quotes removed when the quoted text
 *                   is a plain dot-atom, local part NFC, domain UTS #46
 *                   non-transitional A-label without the root dot.
 *   mailbox_key     identity: exact_key plus the documented provider rules
 *                   (dots, tags, domain aliases) from the rules file. Two
 *                   addresses reach the same mailbox iff their mailbox_keys
 *                   are equal. Unknown hosts keep case and `+` (RFC 5321 §2.4).
 *   similarity_key  soft links only, never identity:
 *                   lower(skeleton(NFKC_Casefold(x))) of the local part after
 *                   the provider rules (or a generic first-`+` cut on unknown
 *                   hosts), `@`, and the provider's canonical domain (also for
 *                   typo and lookalike domains of a known provider) or the
 *                   domain's own skeleton.
 *
 * The provider rules are data (src/fraud/email-rules.tsv, compiled in; the
 * format is described at its top). The disposable-domain list is the CC0 list
 * of npm disposable-email-domains-js, converted at build time; when it could
 * not be fetched mdlg_email_disposable_source() returns NULL and the
 * `disposable` flag is never set.
 *
 * Inputs are bytes (not necessarily UTF-8 or NUL-terminated). Nothing about
 * an input is an error of the function: a bad address yields MDLG_EMAIL_INVALID
 * with a static reason. Syntactically unusable input has empty keys; an
 * address that parses but cannot exist at its provider (john-smith@gmail.com)
 * keeps its keys, with the offending characters left in, and is flagged.
 *
 * Thread safety: any number of threads may call mdlg_email_keys() on one
 * context at once. A context's rules are immutable after mdlg_email_ctx_new();
 * its one mutable part, a cache of recent domains' IDNA results (the same
 * bytes always give the same result), is locked internally.
 */
#ifndef MDLG_EMAIL_H
#define MDLG_EMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdlg/err.h"

/* Longest input accepted, in bytes (RFC 3696 errata: 64 + 1 + 255). */
#define MDLG_EMAIL_MAX_INPUT 320
/* Longest local part (RFC 5321 §4.5.3.1.1) and domain (A-label, no root dot). */
#define MDLG_EMAIL_MAX_LOCAL 64
#define MDLG_EMAIL_MAX_DOMAIN 253
/* Buffer sizes of the keys in struct mdlg_email_keys (NUL included). */
#define MDLG_EMAIL_KEY_MAX 512
#define MDLG_EMAIL_SIM_MAX 4096
#define MDLG_EMAIL_NAME_MAX 256

/* Flags: what was folded or is suspicious. Names: mdlg_email_flag_name(). */
enum mdlg_email_flag {
    MDLG_EMAIL_GMAIL_DOTS = 1u << 0,        /* Gmail dots removed */
    MDLG_EMAIL_SEPARATORS = 1u << 1,        /* Proton ._- removed, Yandex - read as . */
    MDLG_EMAIL_PLUS_TAG = 1u << 2,          /* a +tag (folded at known hosts, soft elsewhere) */
    MDLG_EMAIL_YAHOO_KEYWORD = 1u << 3,     /* Yahoo base-keyword address */
    MDLG_EMAIL_ALIAS_DOMAIN = 1u << 4,      /* domain folded (googlemail, me.com, pm.me...) */
    MDLG_EMAIL_SUBDOMAIN_ADDRESSING = 1u << 5, /* x@user.fastmail.com = user+x@fastmail.com */
    MDLG_EMAIL_CONFUSABLE = 1u << 6,        /* lookalike characters or lookalike provider domain */
    MDLG_EMAIL_MIXED_SCRIPT = 1u << 7,      /* fails UTS #39 highly-restrictive level */
    MDLG_EMAIL_INVISIBLE = 1u << 8,         /* default-ignorable or bidi control characters */
    MDLG_EMAIL_TYPO_DOMAIN = 1u << 9,       /* a typo of a major provider (gmial.com) */
    MDLG_EMAIL_DISPOSABLE = 1u << 10,       /* registrable domain on the disposable list */
    MDLG_EMAIL_RELAY = 1u << 11,            /* privacy relay (duck.com, mozmail.com...) */
    MDLG_EMAIL_NON_ASCII = 1u << 12,        /* non-ASCII local part or domain */
    MDLG_EMAIL_QUOTED = 1u << 13,           /* quoted local part kept literal */
    MDLG_EMAIL_INVALID = 1u << 14,          /* not a deliverable address (see reason) */
};
#define MDLG_EMAIL_FLAG_COUNT 15

/* Provider class of the domain. */
enum mdlg_email_class {
    MDLG_EMAIL_CLASS_CUSTOM = 0,   /* any other domain (workspace, company, ISP...) */
    MDLG_EMAIL_CLASS_FREE,         /* a consumer provider from the rules file */
    MDLG_EMAIL_CLASS_RELAY,        /* a privacy relay from the rules file */
    MDLG_EMAIL_CLASS_DISPOSABLE,   /* on the disposable-domain list */
};

/* The result. Strings are NUL-terminated UTF-8; "" means absent. */
struct mdlg_email_keys {
    char exact_key[MDLG_EMAIL_KEY_MAX];
    char mailbox_key[MDLG_EMAIL_KEY_MAX];
    char similarity_key[MDLG_EMAIL_SIM_MAX];
    uint32_t flags;                          /* enum mdlg_email_flag bits */
    enum mdlg_email_class provider_class;
    char provider[MDLG_EMAIL_NAME_MAX];      /* canonical provider domain from the rules */
    char typo_of[MDLG_EMAIL_NAME_MAX];       /* provider domain a typo domain imitates */
    char confusable_of[MDLG_EMAIL_NAME_MAX]; /* provider domain a lookalike imitates */
    const char *invalid_reason;              /* static snake_case reason, NULL if valid */
};

typedef struct mdlg_email_ctx mdlg_email_ctx;

/*
 * Builds a context: parses the rules (NULL = the built-in rules file; else
 * `rules_len` bytes of the same TSV format) and opens the ICU normaliser and
 * spoof checker. On MDLG_E_USAGE (a malformed rules line) *bad_line, if not
 * NULL, is set to its 1-based number. Other results: MDLG_E_NO_MEMORY,
 * MDLG_E_INTERNAL (ICU failed).
 */
mdlg_err mdlg_email_ctx_new(mdlg_email_ctx **out, const char *rules, size_t rules_len,
                            size_t *bad_line) MDLG_WARN_UNUSED;

void mdlg_email_ctx_free(mdlg_email_ctx *ctx);

/* Number of provider rules in the context (the table size). */
size_t mdlg_email_rule_count(const mdlg_email_ctx *ctx);

/*
 * Computes the keys of one address of `len` bytes. Always fills *out.
 * Returns MDLG_E_OK (the address may still be flagged invalid), or
 * MDLG_E_INTERNAL if ICU failed unexpectedly (then *out is flagged invalid).
 */
mdlg_err mdlg_email_keys(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                         struct mdlg_email_keys *out);

/* Options of mdlg_email_keys_opt(). */
enum {
    MDLG_EMAIL_OPT_NO_SIMILARITY = 1u << 0,   /* leave similarity_key empty (saves its ICU
                                                 skeletons; every other field is the same) */
};

/* mdlg_email_keys() with options (MDLG_EMAIL_OPT_* bits; 0 = mdlg_email_keys). */
mdlg_err mdlg_email_keys_opt(const mdlg_email_ctx *ctx, const uint8_t *in, size_t len,
                             unsigned opts, struct mdlg_email_keys *out);

/* Stable snake_case name of one flag bit ("gmail_dots"), or NULL. */
const char *mdlg_email_flag_name(uint32_t bit);

/* Name of a provider class ("free", "relay", "disposable", "custom"). */
const char *mdlg_email_class_name(enum mdlg_email_class c);

/*
 * "disposable-email-domains-js <version> (CC0-1.0), <n> domains" when the list
 * was built in, NULL when it was not (npm unavailable at build time).
 */
const char *mdlg_email_disposable_source(void);
size_t mdlg_email_disposable_count(void);

/* Whether `domain` (lowercase A-label) or a parent up to its registrable
 * domain (Public Suffix List, libpsl builtin) is on the disposable list. */
bool mdlg_email_is_disposable(const char *domain);

#endif
