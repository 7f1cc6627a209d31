/* see mdlg/screen.h - signal catalogue, defaults, evaluation and score */
#include <string.h>

#include "fraud/screen_internal.h"

#define DAY INT64_C(86400)

static const struct {
    const char *name;
    struct mdlg_signal_cfg def;   /* weight, threshold, window, hard */
} catalogue[MDLG_SIG_COUNT] = {
    [MDLG_SIG_EMAIL_MAILBOX_SHARED] = { "email_mailbox_shared", { 50, 2, 365 * DAY, false } },
    [MDLG_SIG_SSN_MULTIPLE_IDENTITIES] = { "ssn_multiple_identities", { 60, 2, 365 * DAY, true } },
    [MDLG_SIG_SSN_MULTIPLE_STATES] = { "ssn_multiple_states", { 50, 2, 365 * DAY, true } },
    [MDLG_SIG_BANK_ACCOUNT_FANOUT] = { "bank_account_fanout", { 40, 2, 365 * DAY, false } },
    [MDLG_SIG_PHONE_FANOUT] = { "phone_fanout", { 20, 3, 365 * DAY, false } },
    [MDLG_SIG_ADDRESS_FANOUT] = { "address_fanout", { 25, 3, 365 * DAY, false } },
    [MDLG_SIG_IP_FANOUT] = { "ip_fanout", { 20, 3, DAY, false } },
    [MDLG_SIG_IP_PREFIX_FANOUT] = { "ip_prefix_fanout", { 10, 10, DAY, false } },
    [MDLG_SIG_DEVICE_FANOUT] = { "device_fanout", { 30, 2, 30 * DAY, false } },
    [MDLG_SIG_VELOCITY] = { "velocity", { 20, 5, DAY, false } },
    [MDLG_SIG_EMAIL_DISPOSABLE] = { "email_disposable", { 20, 1, 0, false } },
    [MDLG_SIG_EMAIL_CONFUSABLE] = { "email_confusable", { 40, 1, 0, false } },
    [MDLG_SIG_EMAIL_RELAY] = { "email_relay", { 10, 1, 0, false } },
    [MDLG_SIG_MDL_DOCUMENT_REUSE] = { "mdl_document_reuse", { 60, 2, 365 * DAY, true } },
    [MDLG_SIG_MDL_DEVICE_KEY_REUSE] = { "mdl_device_key_reuse", { 60, 2, 365 * DAY, true } },
    [MDLG_SIG_MDL_OUT_OF_STATE] = { "mdl_out_of_state", { 10, 1, 0, false } },
    [MDLG_SIG_MDL_NAME_MISMATCH] = { "mdl_name_mismatch", { 50, 1, 0, true } },
    [MDLG_SIG_MDL_BIRTH_DATE_MISMATCH] = { "mdl_birth_date_mismatch", { 50, 1, 0, true } },
    [MDLG_SIG_INVALID_IDENTIFIER] = { "invalid_identifier", { 10, 1, 0, false } },
};

const char *mdlg_signal_name(enum mdlg_signal s)
{
    return (int)s >= 0 && s < MDLG_SIG_COUNT ? catalogue[s].name : NULL;
}

int mdlg_signal_from_name(const char *name)
{
    for (int i = 0; i < MDLG_SIG_COUNT; i++)
        if (strcmp(catalogue[i].name, name) == 0)
            return i;
    return -1;
}

void mdlg_screen_config_defaults(struct mdlg_screen_config *c)
{
    memset(c, 0, sizeof *c);
    c->retention_s = 400 * DAY;   /* a benefit year and a margin */
    c->retention_by_type_s[MDLG_IDENT_IP] = 180 * DAY;
    c->retention_by_type_s[MDLG_IDENT_IP_PREFIX] = 180 * DAY;
    c->retention_by_type_s[MDLG_IDENT_DEVICE] = 180 * DAY;
    c->review_threshold = 50;
    for (int i = 0; i < MDLG_SIG_COUNT; i++)
        c->sig[i] = catalogue[i].def;
}

/* ---- evaluation ---- */

struct eval {
    const struct mdlg_screener *s;
    const struct prep *p;
    const struct mdlg_ledger_stats *best[MDLG_IDENT_TYPE_MAX + 1];
    struct fired *out;
    size_t n;
};

static void fire(struct eval *ev, enum mdlg_signal sig, enum mdlg_ident_type key,
                 uint32_t count, const struct mdlg_ledger_stats *st, uint32_t x0, uint32_t x1)
{
    const struct mdlg_signal_cfg *c = &ev->s->cfg.sig[sig];
    if (count < c->threshold || c->weight == 0 || ev->n == MAX_FIRED)
        return;
    struct fired *f = &ev->out[ev->n++];
    f->sig = sig, f->key = key, f->count = count, f->st = st;
    f->window_s = 0;
    for (size_t i = 0; st != NULL && i < ev->p->n_keys; i++)
        if (ev->p->keys[i].type == key) {   /* the window the ledger looked through */
            f->window_s = sig == MDLG_SIG_VELOCITY ? ev->p->keys[i].velocity_s
                                                   : ev->p->keys[i].window_s;
            break;
        }
    f->extra[0] = x0, f->extra[1] = x1;
}

/* For each type, the stats under the hashing key that has seen the most (rotation). */
static void pick_best(struct eval *ev, const struct mdlg_ledger_stats *stats)
{
    for (size_t i = 0; i < ev->p->n_keys; i++) {
        uint16_t t = ev->p->keys[i].type;
        if (ev->best[t] == NULL || stats[i].claims > ev->best[t]->claims)
            ev->best[t] = &stats[i];
    }
}

static uint32_t max_u(uint32_t a, uint32_t b) { return a > b ? a : b; }

static void fanouts(struct eval *ev)
{
    static const struct { enum mdlg_ident_type t; enum mdlg_signal sig; } fan[] = {
        { MDLG_IDENT_BANK, MDLG_SIG_BANK_ACCOUNT_FANOUT },
        { MDLG_IDENT_PHONE, MDLG_SIG_PHONE_FANOUT },
        { MDLG_IDENT_ADDRESS, MDLG_SIG_ADDRESS_FANOUT },
        { MDLG_IDENT_IP, MDLG_SIG_IP_FANOUT },
        { MDLG_IDENT_IP_PREFIX, MDLG_SIG_IP_PREFIX_FANOUT },
        { MDLG_IDENT_DEVICE, MDLG_SIG_DEVICE_FANOUT },
        { MDLG_IDENT_MDL_DOC, MDLG_SIG_MDL_DOCUMENT_REUSE },
    };
    for (size_t i = 0; i < sizeof fan / sizeof fan[0]; i++) {
        const struct mdlg_ledger_stats *st = ev->best[fan[i].t];
        if (st != NULL)
            fire(ev, fan[i].sig, fan[i].t, st->identities, st, st->claims, 0);
    }
    const struct mdlg_ledger_stats *st = ev->best[MDLG_IDENT_MDL_DEVICE_KEY];
    if (st != NULL)
        fire(ev, MDLG_SIG_MDL_DEVICE_KEY_REUSE, MDLG_IDENT_MDL_DEVICE_KEY,
             max_u(st->auxes, st->identities), st, st->auxes, st->identities);
}

static void identity_signals(struct eval *ev)
{
    const struct mdlg_ledger_stats *st = ev->best[MDLG_IDENT_SSN];
    if (st != NULL) {
        fire(ev, MDLG_SIG_SSN_MULTIPLE_IDENTITIES, MDLG_IDENT_SSN, st->persons, st, st->claims, 0);
        fire(ev, MDLG_SIG_SSN_MULTIPLE_STATES, MDLG_IDENT_SSN, st->states, st, st->claims, 0);
    }
    st = ev->best[MDLG_IDENT_EMAIL];
    uint32_t th = ev->s->cfg.sig[MDLG_SIG_EMAIL_MAILBOX_SHARED].threshold;
    if (st != NULL && (st->auxes >= th || st->identities >= th))
        fire(ev, MDLG_SIG_EMAIL_MAILBOX_SHARED, MDLG_IDENT_EMAIL, st->claims, st, st->auxes,
             st->identities);
}

static void velocity(struct eval *ev)
{
    for (int t = 1; t <= MDLG_IDENT_TYPE_MAX; t++)
        if (ev->best[t] != NULL && t != MDLG_IDENT_IP_PREFIX)
            fire(ev, MDLG_SIG_VELOCITY, (enum mdlg_ident_type)t, ev->best[t]->recent,
                 ev->best[t], 0, 0);
}

static void local_signals(struct eval *ev)
{
    const struct prep *p = ev->p;
    uint32_t lookalike = MDLG_EMAIL_CONFUSABLE | MDLG_EMAIL_TYPO_DOMAIN |
                         MDLG_EMAIL_MIXED_SCRIPT | MDLG_EMAIL_INVISIBLE;
    if (p->email_flags & MDLG_EMAIL_DISPOSABLE)
        fire(ev, MDLG_SIG_EMAIL_DISPOSABLE, MDLG_IDENT_EMAIL, 1, NULL, 0, 0);
    if (p->email_flags & lookalike)
        fire(ev, MDLG_SIG_EMAIL_CONFUSABLE, MDLG_IDENT_EMAIL, 1, NULL, 0, 0);
    if (p->email_flags & MDLG_EMAIL_RELAY)
        fire(ev, MDLG_SIG_EMAIL_RELAY, MDLG_IDENT_EMAIL, 1, NULL, 0, 0);
    if (p->mdl_jur[0] && p->state[0] && strcmp(p->mdl_jur + 3, p->state) != 0)
        fire(ev, MDLG_SIG_MDL_OUT_OF_STATE, MDLG_IDENT_MDL_DOC, 1, NULL, 0, 0);
    if (p->name_match == 0)
        fire(ev, MDLG_SIG_MDL_NAME_MISMATCH, 0, 1, NULL, 0, 0);
    if (p->dob_match == 0)
        fire(ev, MDLG_SIG_MDL_BIRTH_DATE_MISMATCH, 0, 1, NULL, 0, 0);
    if (p->n_invalid > 0)
        fire(ev, MDLG_SIG_INVALID_IDENTIFIER, 0, (uint32_t)p->n_invalid, NULL, 0, 0);
}

size_t mdlg__screen_signals(const struct mdlg_screener *s, const struct prep *p,
                            const struct mdlg_ledger_stats *stats, struct fired *out)
{
    struct eval ev = { .s = s, .p = p, .out = out };
    pick_best(&ev, stats);
    identity_signals(&ev);
    fanouts(&ev);
    velocity(&ev);
    local_signals(&ev);
    return ev.n;
}

void mdlg__screen_score(const struct mdlg_screener *s, const struct fired *f, size_t n,
                        uint32_t *score, bool *review)
{
    bool seen[MDLG_SIG_COUNT] = { false };
    uint32_t sum = 0;
    *review = false;
    for (size_t i = 0; i < n; i++) {
        if (seen[f[i].sig])
            continue;   /* a signal counts once, however many keys it fired on */
        seen[f[i].sig] = true;
        sum += s->cfg.sig[f[i].sig].weight;
        *review |= s->cfg.sig[f[i].sig].hard;
    }
    *score = sum > 100 ? 100 : sum;
    *review |= *score >= s->cfg.review_threshold;
}
