/* see mdlg/screen.h - claims -> normalised identifiers -> keyed hashes -> ledger batch */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fraud/screen_internal.h"
#include "mdlg/mdoc.h"

static const char *const field_names[MDLG_CF_COUNT] = {
    "claim_id", "filed_at", "given_name", "family_name", "birth_date", "ssn", "email", "phone",
    "address_line", "address_unit", "address_zip", "claim_state", "bank_routing",
    "bank_account", "ip", "device_id", "mdl_verified", "mdl_jurisdiction",
    "mdl_document_number", "mdl_device_key", "mdl_given_name", "mdl_family_name",
    "mdl_birth_date", "mdl_request_id",
};

const char *mdlg_claim_field_name(enum mdlg_claim_field f)
{
    return (int)f >= 0 && f < MDLG_CF_COUNT ? field_names[f] : NULL;
}

int mdlg_claim_field_from_name(const char *name, size_t len)
{
    for (int i = 0; i < MDLG_CF_COUNT; i++)
        if (strlen(field_names[i]) == len && memcmp(field_names[i], name, len) == 0)
            return i;
    return -1;
}

mdlg_err mdlg_screener_new(const struct mdlg_screen_config *cfg, mdlg_ledger *ledger,
                           mdlg_screener **out)
{
    if (cfg == NULL || ledger == NULL || out == NULL)
        return MDLG_E_USAGE;
    *out = NULL;
    if (cfg->n_keys == 0)
        return MDLG_E_LEDGER_KEY_MISSING;
    if (cfg->n_keys > MDLG_SCREEN_MAX_KEYS)
        return MDLG_E_LEDGER_KEY_INVALID;
    for (size_t i = 0; i < cfg->n_keys; i++)
        for (size_t j = 0; j < i; j++)
            if (cfg->keys[i].id == 0 || cfg->keys[i].id == cfg->keys[j].id)
                return MDLG_E_LEDGER_KEY_INVALID;
    if (cfg->review_threshold == 0 || cfg->review_threshold > 100 || cfg->retention_s <= 0)
        return MDLG_E_SCREEN_CONFIG_INVALID;
    if (sodium_init() < 0)
        return MDLG_E_CRYPTO_INTERNAL;
    mdlg_screener *s = sodium_malloc(sizeof *s);   /* guarded pages: it holds the keys */
    if (s == NULL)
        return MDLG_E_NO_MEMORY;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->ledger = ledger;
    mdlg_err e = mdlg_email_ctx_new(&s->email, NULL, 0, NULL);
    if (e != MDLG_E_OK) {
        sodium_free(s);
        return e;
    }
    *out = s;
    return MDLG_E_OK;
}

void mdlg_screener_free(mdlg_screener *s)
{
    if (s == NULL)
        return;
    mdlg_email_ctx_free(s->email);
    sodium_free(s);   /* zeroes the keys */
}

/* ---- one claim ---- */

/* Canonical texts of one claim (wiped after hashing). */
struct canon {
    bool has[MDLG_IDENT_TYPE_MAX + 1];
    char text[MDLG_IDENT_TYPE_MAX + 1][MDLG_IDENT_MAX];
    char identity_text[MDLG_IDENT_MAX + 8];
    enum mdlg_ident_type identity_type;
};

#define F(c, x) (c)->f[MDLG_CF_##x], (c)->len[MDLG_CF_##x]
static bool present(const struct mdlg_claim *c, enum mdlg_claim_field f)
{
    return c->f[f] != NULL && c->len[f] > 0;
}

static void invalid(struct prep *p, const char *field, const char *reason)
{
    if (p->n_invalid < PREP_MAX_INVALID) {
        p->invalid[p->n_invalid].field = field;
        p->invalid[p->n_invalid++].reason = reason;
    }
}

/* Runs a normaliser result: records the text or the invalid field. */
/* (`reason` is read here, after the normaliser ran: argument order is unspecified.) */
static void take(struct prep *p, struct canon *cn, enum mdlg_ident_type t, mdlg_err e,
                 const char *field, const char *const *reason)
{
    if (e == MDLG_E_OK)
        cn->has[t] = true;
    else
        invalid(p, field, *reason ? *reason : "invalid");
}

/* Fields given in pairs/triples must come together. */
static bool any(const struct mdlg_claim *c, enum mdlg_claim_field a, enum mdlg_claim_field b)
{
    return present(c, a) || present(c, b);
}

static void normalise_ids(struct prep *p, const struct mdlg_claim *c, struct canon *cn)
{
    const char *r = NULL;
    char pfx[MDLG_IDENT_MAX];
    if (present(c, MDLG_CF_SSN))
        take(p, cn, MDLG_IDENT_SSN, mdlg_ident_ssn(F(c, SSN), cn->text[MDLG_IDENT_SSN], &r),
             "ssn", &r);
    if (any(c, MDLG_CF_BANK_ROUTING, MDLG_CF_BANK_ACCOUNT))
        take(p, cn, MDLG_IDENT_BANK, mdlg_ident_bank(F(c, BANK_ROUTING), F(c, BANK_ACCOUNT),
             cn->text[MDLG_IDENT_BANK], &r), "bank_account", &r);
    if (present(c, MDLG_CF_PHONE))
        take(p, cn, MDLG_IDENT_PHONE, mdlg_ident_phone(F(c, PHONE), cn->text[MDLG_IDENT_PHONE],
             &r), "phone", &r);
    if (any(c, MDLG_CF_ADDRESS_LINE, MDLG_CF_ADDRESS_ZIP))
        take(p, cn, MDLG_IDENT_ADDRESS, mdlg_ident_address(F(c, ADDRESS_LINE),
             F(c, ADDRESS_UNIT), F(c, ADDRESS_ZIP), cn->text[MDLG_IDENT_ADDRESS], &r),
             "address", &r);
    if (present(c, MDLG_CF_IP)) {
        mdlg_err e = mdlg_ident_ip(F(c, IP), cn->text[MDLG_IDENT_IP], pfx, &r);
        take(p, cn, MDLG_IDENT_IP, e, "ip", &r);
        if (e == MDLG_E_OK) {
            memcpy(cn->text[MDLG_IDENT_IP_PREFIX], pfx, sizeof pfx);
            cn->has[MDLG_IDENT_IP_PREFIX] = true;
        }
        sodium_memzero(pfx, sizeof pfx);
    }
    if (present(c, MDLG_CF_DEVICE_ID))
        take(p, cn, MDLG_IDENT_DEVICE, mdlg_ident_device(F(c, DEVICE_ID),
             cn->text[MDLG_IDENT_DEVICE], &r), "device_id", &r);
}

static void normalise_email(const mdlg_screener *s, struct prep *p, const struct mdlg_claim *c,
                            struct canon *cn)
{
    struct mdlg_email_keys *k;
    if (!present(c, MDLG_CF_EMAIL) || (k = malloc(sizeof *k)) == NULL)
        return;
    (void)mdlg_email_keys_opt(s->email, (const uint8_t *)c->f[MDLG_CF_EMAIL],
                              c->len[MDLG_CF_EMAIL], MDLG_EMAIL_OPT_NO_SIMILARITY, k);
    p->email_flags = k->flags;
    if ((k->flags & MDLG_EMAIL_INVALID) || k->mailbox_key[0] == '\0' ||
        strlen(k->mailbox_key) >= MDLG_IDENT_MAX || strlen(k->exact_key) >= MDLG_IDENT_MAX) {
        invalid(p, "email", k->invalid_reason ? k->invalid_reason : "email_invalid");
    } else {
        snprintf(cn->text[MDLG_IDENT_EMAIL], MDLG_IDENT_MAX, "%s", k->mailbox_key);
        snprintf(cn->text[MDLG_IDENT_EMAIL_EXACT], MDLG_IDENT_MAX, "%s", k->exact_key);
        cn->has[MDLG_IDENT_EMAIL] = cn->has[MDLG_IDENT_EMAIL_EXACT] = true;
    }
    sodium_memzero(k, sizeof *k);
    free(k);
}

/* Compares the claim's person with the verified mDL's elements. */
static void compare_mdl(struct prep *p, const struct mdlg_claim *c)
{
    char a[MDLG_IDENT_MAX], b[MDLG_IDENT_MAX], x[MDLG_IDENT_MAX], y[MDLG_IDENT_MAX];
    const char *r;
    p->name_match = p->dob_match = -1;
    if (!p->mdl_verified)
        return;
    if (mdlg_ident_name(F(c, GIVEN_NAME), a, &r) == MDLG_E_OK &&
        mdlg_ident_name(F(c, FAMILY_NAME), b, &r) == MDLG_E_OK &&
        mdlg_ident_name(F(c, MDL_GIVEN_NAME), x, &r) == MDLG_E_OK &&
        mdlg_ident_name(F(c, MDL_FAMILY_NAME), y, &r) == MDLG_E_OK)
        p->name_match = strcmp(a, x) == 0 && strcmp(b, y) == 0;
    if (mdlg_ident_date(F(c, BIRTH_DATE), a, &r) == MDLG_E_OK &&
        mdlg_ident_date(F(c, MDL_BIRTH_DATE), x, &r) == MDLG_E_OK)
        p->dob_match = strcmp(a, x) == 0;
    sodium_memzero(a, sizeof a), sodium_memzero(b, sizeof b);
    sodium_memzero(x, sizeof x), sodium_memzero(y, sizeof y);
}

/* The claim's name and date of birth against the request's, under keys[0]. */
static void compare_mdl_req(const mdlg_screener *s, struct prep *p, const struct mdlg_claim *c)
{
    uint8_t name[MDLG_IDENT_HASH_SIZE], date[MDLG_IDENT_HASH_SIZE], want[MDLG_IDENT_HASH_SIZE];
    bool has_name, has_date;
    const struct mdlg_ident_key *k = &s->cfg.keys[0];
    p->name_match = p->dob_match = -1;
    if (!p->mdl_verified)
        return;
    mdlg__mdl_person_hashes(k, F(c, GIVEN_NAME), F(c, FAMILY_NAME), F(c, BIRTH_DATE), name,
                            &has_name, date, &has_date);
    if (has_name && mdlg__mdl_req_hash(&p->req, k->id, MDLREQ_NAME, want))
        p->name_match = sodium_memcmp(name, want, sizeof want) == 0;
    if (has_date && mdlg__mdl_req_hash(&p->req, k->id, MDLREQ_DOB, want))
        p->dob_match = sodium_memcmp(date, want, sizeof want) == 0;
    sodium_memzero(name, sizeof name), sodium_memzero(date, sizeof date);
}

/* The mDL of a presentation request: hashes sealed with it, used like inline fields. */
static void normalise_mdl_req(const mdlg_screener *s, struct prep *p, const struct mdlg_claim *c,
                              struct canon *cn)
{
    p->mdl_verified = p->req.verified;
    p->mdl_attached = true;
    memcpy(p->mdl_jur, p->req.jur, sizeof p->mdl_jur);
    for (size_t i = 0; i < p->req.n; i++) {
        cn->has[MDLG_IDENT_MDL_DOC] |= (p->req.k[i].has & (1u << MDLREQ_DOC)) != 0;
        cn->has[MDLG_IDENT_MDL_DEVICE_KEY] |= (p->req.k[i].has & (1u << MDLREQ_DKEY)) != 0;
    }
    compare_mdl_req(s, p, c);
}

static void normalise_mdl(struct prep *p, const struct mdlg_claim *c, struct canon *cn)
{
    const char *r = NULL;
    p->mdl_verified = present(c, MDLG_CF_MDL_VERIFIED) && c->len[MDLG_CF_MDL_VERIFIED] == 4 &&
                      memcmp(c->f[MDLG_CF_MDL_VERIFIED], "true", 4) == 0;
    p->mdl_attached = p->mdl_verified || present(c, MDLG_CF_MDL_DOCUMENT_NUMBER) ||
                      present(c, MDLG_CF_MDL_DEVICE_KEY);
    if (present(c, MDLG_CF_MDL_JURISDICTION) &&
        mdlg_ident_jurisdiction(F(c, MDL_JURISDICTION), p->mdl_jur, &r) != MDLG_E_OK)
        invalid(p, "mdl_jurisdiction", r), p->mdl_jur[0] = '\0';
    if (present(c, MDLG_CF_MDL_DOCUMENT_NUMBER))
        take(p, cn, MDLG_IDENT_MDL_DOC, mdlg_ident_mdl_doc(F(c, MDL_JURISDICTION),
             F(c, MDL_DOCUMENT_NUMBER), cn->text[MDLG_IDENT_MDL_DOC], &r),
             "mdl_document_number", &r);
    if (present(c, MDLG_CF_MDL_DEVICE_KEY))
        take(p, cn, MDLG_IDENT_MDL_DEVICE_KEY, mdlg_ident_thumbprint(F(c, MDL_DEVICE_KEY),
             cn->text[MDLG_IDENT_MDL_DEVICE_KEY], &r), "mdl_device_key", &r);
    compare_mdl(p, c);
}

/* Person and identity (see screen.h). */
static void normalise_person(struct prep *p, const struct mdlg_claim *c, struct canon *cn)
{
    const char *r = NULL;
    if (present(c, MDLG_CF_GIVEN_NAME) || present(c, MDLG_CF_FAMILY_NAME) ||
        present(c, MDLG_CF_BIRTH_DATE))
        take(p, cn, MDLG_IDENT_PERSON, mdlg_ident_person(F(c, GIVEN_NAME), F(c, FAMILY_NAME),
             F(c, BIRTH_DATE), cn->text[MDLG_IDENT_PERSON], &r), "person", &r);
    cn->identity_type = cn->has[MDLG_IDENT_SSN] ? MDLG_IDENT_SSN : MDLG_IDENT_PERSON;
    if (cn->has[MDLG_IDENT_SSN] || cn->has[MDLG_IDENT_PERSON])
        snprintf(cn->identity_text, sizeof cn->identity_text, "%s",
                 cn->text[cn->identity_type]);
    else   /* neither: the claim is its own identity (never merges) */
        snprintf(cn->identity_text, sizeof cn->identity_text, "claim|%s", p->claim_id);
}

/* mdl_request_id: alone (no inline mdl_*) and resolved; false (reason set) if not. */
static bool mdl_request(struct prep *p, const struct mdlg_claim *c)
{
    p->item->bad_field = "mdl_request_id";
    for (int f = MDLG_CF_MDL_VERIFIED; f <= MDLG_CF_MDL_BIRTH_DATE; f++)
        if (present(c, (enum mdlg_claim_field)f))
            return p->item->bad_reason = "mdl_request_id_with_inline_mdl_fields", false;
    if (!mdlg__mdl_req_parse(c->mdl_request, c->mdl_request_len, &p->req))
        return p->item->bad_reason = "mdl_request_not_resolved", false;
    return true;
}

/* Claim-level fields; false (item->err set) if the claim cannot be screened. */
static bool claim_fields(struct prep *p, const struct mdlg_claim *c, int64_t now)
{
    struct mdlg_screen_item *it = p->item;
    size_t n = c->len[MDLG_CF_CLAIM_ID];
    bool frac;
    it->err = MDLG_E_CLAIM_INVALID;
    it->bad_field = "claim_id";
    if (!present(c, MDLG_CF_CLAIM_ID) || n > MDLG_LEDGER_CLAIM_ID_MAX ||
        memchr(c->f[MDLG_CF_CLAIM_ID], '\0', n) != NULL)
        return it->bad_reason = n ? "claim_id_too_long" : "claim_id_missing", false;
    memcpy(p->claim_id, c->f[MDLG_CF_CLAIM_ID], n);
    p->claim_id[n] = '\0';
    p->filed_at = now;
    it->bad_field = "filed_at";
    if (present(c, MDLG_CF_FILED_AT) &&
        (mdlg_parse_rfc3339(mdlg_bytes_make(F(c, FILED_AT)), true, &p->filed_at, &frac) !=
             MDLG_E_OK || p->filed_at > now + 300))
        return it->bad_reason = "filed_at_not_rfc3339_or_future", false;
    it->bad_field = "claim_state";
    const char *st = c->f[MDLG_CF_CLAIM_STATE];
    char j[8];
    if (present(c, MDLG_CF_CLAIM_STATE) &&
        mdlg_ident_jurisdiction(st, c->len[MDLG_CF_CLAIM_STATE], j, &it->bad_reason) != MDLG_E_OK)
        return false;
    if (present(c, MDLG_CF_CLAIM_STATE))
        memcpy(p->state, j + 3, 3);
    if (present(c, MDLG_CF_MDL_REQUEST_ID) && !mdl_request(p, c))
        return false;
    it->err = MDLG_E_OK, it->bad_field = it->bad_reason = NULL;
    return true;
}

/* Per-type signal whose window the type's key uses. */
static const enum mdlg_signal type_signal[MDLG_IDENT_TYPE_MAX + 1] = {
    [MDLG_IDENT_SSN] = MDLG_SIG_SSN_MULTIPLE_IDENTITIES,
    [MDLG_IDENT_BANK] = MDLG_SIG_BANK_ACCOUNT_FANOUT,
    [MDLG_IDENT_PHONE] = MDLG_SIG_PHONE_FANOUT,
    [MDLG_IDENT_ADDRESS] = MDLG_SIG_ADDRESS_FANOUT,
    [MDLG_IDENT_IP] = MDLG_SIG_IP_FANOUT,
    [MDLG_IDENT_IP_PREFIX] = MDLG_SIG_IP_PREFIX_FANOUT,
    [MDLG_IDENT_DEVICE] = MDLG_SIG_DEVICE_FANOUT,
    [MDLG_IDENT_EMAIL] = MDLG_SIG_EMAIL_MAILBOX_SHARED,
    [MDLG_IDENT_MDL_DOC] = MDLG_SIG_MDL_DOCUMENT_REUSE,
    [MDLG_IDENT_MDL_DEVICE_KEY] = MDLG_SIG_MDL_DEVICE_KEY_REUSE,
};

/* The aux value of a type's rows: the raw address behind a mailbox, the document behind a key. */
static enum mdlg_ident_type aux_of(enum mdlg_ident_type t)
{
    return t == MDLG_IDENT_EMAIL ? MDLG_IDENT_EMAIL_EXACT
         : t == MDLG_IDENT_MDL_DEVICE_KEY ? MDLG_IDENT_MDL_DOC : (enum mdlg_ident_type)0;
}

/* Appends the rows of one hashing key (one per identifier type present). */
/*
 * Hashes every identifier of the claim under one key; have[t] says which
 * exist. The mDL ones of a request come hashed already (under the keys that
 * existed when it was sealed).
 */
static mdlg_err hash_all(const struct mdlg_ident_key *key, const struct prep *p,
                         const struct canon *cn, uint8_t (*h)[MDLG_IDENT_HASH_SIZE], bool *have)
{
    mdlg_err e = MDLG_E_OK;
    for (int t = 1; e == MDLG_E_OK && t <= MDLG_IDENT_TYPE_MAX; t++) {
        have[t] = cn->has[t];
        if (have[t] && p->req.ok && (t == MDLG_IDENT_MDL_DOC || t == MDLG_IDENT_MDL_DEVICE_KEY))
            have[t] = mdlg__mdl_req_hash(&p->req, key->id,
                                         t == MDLG_IDENT_MDL_DOC ? MDLREQ_DOC : MDLREQ_DKEY, h[t]);
        else if (have[t])
            e = mdlg_ident_hash(key, (enum mdlg_ident_type)t, cn->text[t], h[t]);
    }
    return e;
}

static mdlg_err rows_for_key(const mdlg_screener *s, size_t ki, struct prep *p,
                             const struct canon *cn)
{
    const struct mdlg_ident_key *key = &s->cfg.keys[ki];
    uint8_t h[MDLG_IDENT_TYPE_MAX + 1][MDLG_IDENT_HASH_SIZE], identity[MDLG_IDENT_HASH_SIZE];
    bool have[MDLG_IDENT_TYPE_MAX + 1] = { false };
    mdlg_err e = mdlg_ident_hash(key, cn->identity_type, cn->identity_text, identity);
    if (e == MDLG_E_OK)
        e = hash_all(key, p, cn, h, have);
    for (int t = 1; e == MDLG_E_OK && t <= MDLG_IDENT_TYPE_MAX; t++) {
        if (!have[t] || t == MDLG_IDENT_PERSON || t == MDLG_IDENT_EMAIL_EXACT)
            continue;
        if (ki == 0)
            memcpy(p->hash[t], h[t], sizeof h[t]), p->has[t] = true;
        if (p->n_keys == MDLG_LEDGER_MAX_KEYS)
            return MDLG_E_INTERNAL;
        struct mdlg_ledger_key *k = &p->keys[p->n_keys++];
        enum mdlg_ident_type aux = aux_of((enum mdlg_ident_type)t);
        int64_t keep = s->cfg.retention_by_type_s[t] ? s->cfg.retention_by_type_s[t]
                                                     : s->cfg.retention_s;
        memset(k, 0, sizeof *k);
        k->type = (uint16_t)t, k->key_id = key->id;
        memcpy(k->hash, h[t], sizeof k->hash);
        memcpy(k->identity, identity, sizeof identity);
        if ((k->has_person = cn->has[MDLG_IDENT_PERSON]))
            memcpy(k->person, h[MDLG_IDENT_PERSON], sizeof k->person);
        if ((k->has_aux = aux != 0 && have[aux]))
            memcpy(k->aux, h[aux], sizeof k->aux);
        memcpy(k->state, p->state, sizeof k->state);
        k->window_s = s->cfg.sig[type_signal[t]].window_s;
        k->velocity_s = s->cfg.sig[MDLG_SIG_VELOCITY].window_s;
        k->expires_at = p->filed_at + keep;
    }
    sodium_memzero(h, sizeof h);
    return e;
}

/*
 * The claim's content hash under every key: keyed BLAKE2b-256 (personal
 * "mdlg.claim.v1") over each present field as (field number, 4-byte length,
 * text) in field order, so member order and absent-vs-empty do not matter.
 */
static mdlg_err content_hashes(const mdlg_screener *s, struct prep *p, const struct mdlg_claim *c)
{
    uint8_t pers[crypto_generichash_blake2b_PERSONALBYTES] = "mdlg.claim.v1";
    crypto_generichash_blake2b_state st;
    for (size_t k = 0; k < s->cfg.n_keys && k < MDLG_LEDGER_CONTENT_MAX; k++) {
        if (crypto_generichash_blake2b_init_salt_personal(&st, s->cfg.keys[k].key,
                sizeof s->cfg.keys[k].key, MDLG_LEDGER_HASH, NULL, pers) != 0)
            return MDLG_E_CRYPTO_INTERNAL;
        for (int f = 0; f < MDLG_CF_COUNT; f++) {
            uint8_t head[5] = { (uint8_t)f, (uint8_t)(c->len[f] >> 24), (uint8_t)(c->len[f] >> 16),
                                (uint8_t)(c->len[f] >> 8), (uint8_t)c->len[f] };
            if (!present(c, (enum mdlg_claim_field)f))
                continue;
            crypto_generichash_blake2b_update(&st, head, sizeof head);
            crypto_generichash_blake2b_update(&st, (const uint8_t *)c->f[f], c->len[f]);
        }
        p->content[k].key_id = s->cfg.keys[k].id;
        crypto_generichash_blake2b_final(&st, p->content[k].hash, MDLG_LEDGER_HASH);
        p->n_content = k + 1;
    }
    sodium_memzero(&st, sizeof st);
    return MDLG_E_OK;
}

/* Normalises, hashes and builds the ledger rows of one claim. */
static mdlg_err prepare(const mdlg_screener *s, struct prep *p, int64_t now)
{
    const struct mdlg_claim *c = p->item->claim;
    if (!claim_fields(p, c, now))
        return MDLG_E_OK;
    struct canon *cn = calloc(1, sizeof *cn);
    if (cn == NULL)
        return MDLG_E_NO_MEMORY;
    normalise_ids(p, c, cn);
    normalise_email(s, p, c, cn);
    if (p->req.ok)
        normalise_mdl_req(s, p, c, cn);
    else
        normalise_mdl(p, c, cn);
    normalise_person(p, c, cn);
    mdlg_err e = content_hashes(s, p, c);
    for (size_t k = 0; e == MDLG_E_OK && k < s->cfg.n_keys; k++)
        e = rows_for_key(s, k, p, cn);
    if (e == MDLG_E_OK && !mdlg__screen_json_tail(s, p))
        e = MDLG_E_NO_MEMORY;
    sodium_memzero(cn, sizeof *cn);
    free(cn);
    return e;
}

/* ---- the batch ---- */

struct batch {
    const mdlg_screener *s;
    struct prep **preps;              /* [n], parallel to entries */
    struct mdlg_ledger_entry *entries;
    int64_t now;
};

static mdlg_err decide(void *arg, struct mdlg_ledger_entry *e,
                       const struct mdlg_ledger_stats *stats)
{
    struct batch *b = arg;
    struct prep *p = b->preps[e - b->entries];
    struct fired *f = malloc(MAX_FIRED * sizeof *f);
    if (f == NULL)
        return MDLG_E_NO_MEMORY;
    size_t n = mdlg__screen_signals(b->s, p, stats, f);
    struct mdlg_screen_item *it = p->item;
    mdlg__screen_score(b->s, f, n, &it->score, &it->review);
    it->n_signals = (uint32_t)n;
    it->n_invalid = (uint32_t)p->n_invalid;
    e->result = mdlg__screen_json(b->s, p, e->id, b->now, f, n, it->score, it->review);
    free(f);
    return e->result != NULL ? MDLG_E_OK : MDLG_E_NO_MEMORY;
}

/* Entries for the screenable claims; returns how many. */
static size_t build_entries(struct batch *b, struct mdlg_screen_item *items, size_t n,
                            struct prep *all)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].err != MDLG_E_OK)
            continue;
        b->preps[m] = &all[i];
        struct mdlg_ledger_entry *e = &b->entries[m++];
        memset(e, 0, sizeof *e);
        e->claim_id = all[i].claim_id;
        e->created_at = all[i].filed_at;
        e->expires_at = e->created_at + b->s->cfg.retention_s;
        memcpy(e->content, all[i].content, sizeof e->content);
        e->n_content = all[i].n_content;
        e->keys = all[i].keys;
        e->n_keys = all[i].n_keys;
        for (size_t k = 0; k < all[i].n_keys; k++)
            if (all[i].keys[k].expires_at > e->expires_at)
                e->expires_at = all[i].keys[k].expires_at;
    }
    return m;
}

static mdlg_err run_batch(mdlg_screener *s, struct mdlg_screen_item *items, size_t n,
                          int64_t now, struct prep *all, struct batch *b)
{
    mdlg_err e = MDLG_E_OK;
    for (size_t i = 0; i < n; i++) {   /* every prep initialised: the caller wipes them */
        memset(&all[i], 0, offsetof(struct prep, keys));
        all[i].item = &items[i];
    }
    for (size_t i = 0; e == MDLG_E_OK && i < n; i++)
        e = prepare(s, &all[i], now);
    size_t m = e == MDLG_E_OK ? build_entries(b, items, n, all) : 0;
    if (e == MDLG_E_OK && m > 0)
        e = mdlg_ledger_record(s->ledger, b->entries, m, decide, b);
    for (size_t i = 0; i < m; i++) {
        struct mdlg_screen_item *it = b->preps[i]->item;
        memcpy(it->id, b->entries[i].id, sizeof it->id);
        it->json = e == MDLG_E_OK ? b->entries[i].result : NULL;
        it->claim_seen = b->entries[i].claim;
        if (e != MDLG_E_OK)
            it->err = e;
        else if (it->claim_seen == MDLG_LEDGER_CLAIM_CONFLICT)
            it->err = MDLG_E_CLAIM_ID_CONFLICT, it->bad_field = "claim_id",
            it->bad_reason = "already screened with other content";
    }
    return e;
}

mdlg_err mdlg_screen_batch(mdlg_screener *s, struct mdlg_screen_item *items, size_t n,
                           int64_t now)
{
    if (s == NULL || (items == NULL && n > 0))
        return MDLG_E_USAGE;
    for (size_t i = 0; i < n; i++)
        items[i].json = NULL, items[i].err = MDLG_E_OK, items[i].id[0] = '\0',
        items[i].claim_seen = MDLG_LEDGER_CLAIM_NEW;
    if (n == 0)
        return MDLG_E_OK;
    /* not zeroed: run_batch clears what a prep uses (11 KB each, mostly spare key slots) */
    struct prep *all = malloc(n * sizeof *all), **pp = calloc(n, sizeof *pp);
    struct mdlg_ledger_entry *entries = calloc(n, sizeof *entries);
    mdlg_err e = MDLG_E_NO_MEMORY;
    if (all != NULL && pp != NULL && entries != NULL) {
        struct batch b = { .s = s, .preps = pp, .entries = entries, .now = now };
        e = run_batch(s, items, n, now, all, &b);
        for (size_t i = 0; i < n; i++) {
            free(all[i].tail);
            sodium_memzero(&all[i], PREP_USED(&all[i]));
        }
    }
    free(all), free(pp), free(entries);
    return e;
}

void mdlg_screen_items_free(struct mdlg_screen_item *items, size_t n)
{
    for (size_t i = 0; items != NULL && i < n; i++) {
        free(items[i].json);
        items[i].json = NULL;
    }
}
