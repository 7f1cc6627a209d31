/*
 * screen_mdl.c - the mDL data of a presentation request, sealed for screening
 * (see mdlg_screen_mdl_seal in mdlg/screen.h).
 *
 * Record, version 1 (little room for surprises: fixed sizes, checked length):
 *   [0]      version (1)
 *   [1]      flags: bit 0 verified
 *   [2..9]   jurisdiction code, NUL padded ("US-CA")
 *   [10]     n keys (1..MDLG_SCREEN_MAX_KEYS)
 *   n times: key id, presence bits (doc, device key, name, dob), 4 x 32-byte hashes
 */
#include <string.h>

#include <sodium.h>

#include "fraud/screen_internal.h"

#define VERSION 1
#define HEAD 11
#define PER_KEY (2 + MDLREQ_N * MDLG_IDENT_HASH_SIZE)

static mdlg_err keyed(const struct mdlg_ident_key *k, const char *personal, const char *text,
                      uint8_t out[MDLG_IDENT_HASH_SIZE])
{
    uint8_t pers[crypto_generichash_blake2b_PERSONALBYTES] = { 0 };
    memcpy(pers, personal, strlen(personal));
    return crypto_generichash_blake2b_salt_personal(out, MDLG_IDENT_HASH_SIZE,
                                                    (const uint8_t *)text, strlen(text), k->key,
                                                    sizeof k->key, NULL, pers) == 0
               ? MDLG_E_OK : MDLG_E_CRYPTO_INTERNAL;
}

void mdlg__mdl_person_hashes(const struct mdlg_ident_key *k, const char *given, size_t glen,
                             const char *family, size_t flen, const char *dob, size_t dlen,
                             uint8_t name[MDLG_IDENT_HASH_SIZE], bool *has_name,
                             uint8_t date[MDLG_IDENT_HASH_SIZE], bool *has_date)
{
    char a[MDLG_IDENT_MAX], b[MDLG_IDENT_MAX], both[2 * MDLG_IDENT_MAX + 2];
    const char *r;
    *has_name = given && family && glen && flen &&
                mdlg_ident_name(given, glen, a, &r) == MDLG_E_OK &&
                mdlg_ident_name(family, flen, b, &r) == MDLG_E_OK;
    if (*has_name) {
        snprintf(both, sizeof both, "%s|%s", a, b);
        *has_name = keyed(k, "mdlg.mdl.name.v1", both, name) == MDLG_E_OK;
    }
    *has_date = dob && dlen && mdlg_ident_date(dob, dlen, a, &r) == MDLG_E_OK &&
                keyed(k, "mdlg.mdl.dob.v1", a, date) == MDLG_E_OK;
    sodium_memzero(a, sizeof a), sodium_memzero(b, sizeof b), sodium_memzero(both, sizeof both);
}

static size_t len_of(const char *s) { return s ? strlen(s) : 0; }

/* The four hashes of one key into rec (presence bits in rec[1]). */
static mdlg_err seal_key(const struct mdlg_ident_key *k, const struct mdlg_mdl_elements *in,
                         uint8_t *rec)
{
    char t[MDLG_IDENT_MAX];
    const char *r;
    bool hn, hd;
    uint8_t *h = rec + 2;
    mdlg_err e = MDLG_E_OK;
    rec[0] = k->id, rec[1] = 0;
    if (in->document_number && in->jurisdiction &&
        mdlg_ident_mdl_doc(in->jurisdiction, strlen(in->jurisdiction), in->document_number,
                           strlen(in->document_number), t, &r) == MDLG_E_OK &&
        (e = mdlg_ident_hash(k, MDLG_IDENT_MDL_DOC, t, h)) == MDLG_E_OK)
        rec[1] |= 1u << MDLREQ_DOC;
    if (e == MDLG_E_OK && in->device_key_thumbprint) {
        sodium_bin2hex(t, sizeof t, in->device_key_thumbprint, 32);
        if ((e = mdlg_ident_hash(k, MDLG_IDENT_MDL_DEVICE_KEY, t, h + MDLG_IDENT_HASH_SIZE)) ==
            MDLG_E_OK)
            rec[1] |= 1u << MDLREQ_DKEY;
    }
    mdlg__mdl_person_hashes(k, in->given_name, len_of(in->given_name), in->family_name,
                            len_of(in->family_name), in->birth_date, len_of(in->birth_date),
                            h + 2 * MDLG_IDENT_HASH_SIZE, &hn, h + 3 * MDLG_IDENT_HASH_SIZE, &hd);
    rec[1] |= (uint8_t)((hn << MDLREQ_NAME) | (hd << MDLREQ_DOB));
    sodium_memzero(t, sizeof t);
    return e;
}

mdlg_err mdlg_screen_mdl_seal(const mdlg_screener *s, const struct mdlg_mdl_elements *in,
                              uint8_t *out, size_t cap, size_t *len)
{
    char jur[8] = "";
    const char *r;
    if (s == NULL || in == NULL || out == NULL || len == NULL)
        return MDLG_E_USAGE;
    size_t need = HEAD + s->cfg.n_keys * PER_KEY;
    if (need > cap || need > MDLG_SCREEN_MDL_SEALED_MAX)
        return MDLG_E_LIMIT_STRING_SIZE;
    if (in->jurisdiction &&
        mdlg_ident_jurisdiction(in->jurisdiction, strlen(in->jurisdiction), jur, &r) != MDLG_E_OK)
        jur[0] = '\0';
    memset(out, 0, need);
    out[0] = VERSION;
    out[1] = in->verified ? 1 : 0;
    memcpy(out + 2, jur, sizeof jur);
    out[10] = (uint8_t)s->cfg.n_keys;
    mdlg_err e = MDLG_E_OK;
    for (size_t i = 0; e == MDLG_E_OK && i < s->cfg.n_keys; i++)
        e = seal_key(&s->cfg.keys[i], in, out + HEAD + i * PER_KEY);
    *len = e == MDLG_E_OK ? need : 0;
    return e;
}

bool mdlg__mdl_req_parse(const uint8_t *b, size_t n, struct mdl_req *out)
{
    memset(out, 0, sizeof *out);
    if (b == NULL || n < HEAD || b[0] != VERSION || b[10] == 0 ||
        b[10] > MDLG_SCREEN_MAX_KEYS || n != HEAD + (size_t)b[10] * PER_KEY || b[9] != '\0')
        return false;
    out->verified = (b[1] & 1) != 0;
    memcpy(out->jur, b + 2, sizeof out->jur);
    out->n = b[10];
    for (size_t i = 0; i < out->n; i++) {
        const uint8_t *k = b + HEAD + i * PER_KEY;
        out->k[i].key_id = k[0];
        out->k[i].has = k[1];
        memcpy(out->k[i].hash, k + 2, sizeof out->k[i].hash);
    }
    return out->ok = true;
}

bool mdlg__mdl_req_hash(const struct mdl_req *r, uint8_t key_id, int which,
                        uint8_t out[MDLG_IDENT_HASH_SIZE])
{
    for (size_t i = 0; r->ok && i < r->n; i++)
        if (r->k[i].key_id == key_id && (r->k[i].has & (1u << which))) {
            memcpy(out, r->k[i].hash[which], MDLG_IDENT_HASH_SIZE);
            return true;
        }
    return false;
}
