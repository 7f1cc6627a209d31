/* see mdlg/ident.h - type names, keyed BLAKE2b hashes, key parsing */
#include <string.h>

#include <sodium.h>

#include "mdlg/ident.h"

static const char *const type_names[MDLG_IDENT_TYPE_MAX + 1] = {
    [MDLG_IDENT_SSN] = "ssn",
    [MDLG_IDENT_BANK] = "bank_account",
    [MDLG_IDENT_PHONE] = "phone",
    [MDLG_IDENT_ADDRESS] = "address",
    [MDLG_IDENT_IP] = "ip",
    [MDLG_IDENT_IP_PREFIX] = "ip_prefix",
    [MDLG_IDENT_DEVICE] = "device",
    [MDLG_IDENT_EMAIL] = "email_mailbox",
    [MDLG_IDENT_MDL_DOC] = "mdl_document",
    [MDLG_IDENT_MDL_DEVICE_KEY] = "mdl_device_key",
    [MDLG_IDENT_PERSON] = "person",
    [MDLG_IDENT_EMAIL_EXACT] = "email_address",
};

/* Personalisation strings: 16 bytes, zero padded. Versioned with the normalisers. */
static const char *const personal[MDLG_IDENT_TYPE_MAX + 1] = {
    [MDLG_IDENT_SSN] = "mdlg.ssn.v1",
    [MDLG_IDENT_BANK] = "mdlg.bank.v1",
    [MDLG_IDENT_PHONE] = "mdlg.phone.v1",
    [MDLG_IDENT_ADDRESS] = "mdlg.addr.v1",
    [MDLG_IDENT_IP] = "mdlg.ip.v1",
    [MDLG_IDENT_IP_PREFIX] = "mdlg.ippfx.v1",
    [MDLG_IDENT_DEVICE] = "mdlg.device.v1",
    [MDLG_IDENT_EMAIL] = "mdlg.email.mbx.1",
    [MDLG_IDENT_MDL_DOC] = "mdlg.mdl.doc.v1",
    [MDLG_IDENT_MDL_DEVICE_KEY] = "mdlg.mdl.dkey.v1",
    [MDLG_IDENT_PERSON] = "mdlg.person.v1",
    [MDLG_IDENT_EMAIL_EXACT] = "mdlg.email.ex.v1",
};

const char *mdlg_ident_type_name(enum mdlg_ident_type t)
{
    return (int)t >= 1 && (int)t <= MDLG_IDENT_TYPE_MAX ? type_names[t] : NULL;
}

enum mdlg_ident_type mdlg_ident_type_from_name(const char *name)
{
    for (int t = 1; t <= MDLG_IDENT_TYPE_MAX; t++)
        if (strcmp(type_names[t], name) == 0)
            return (enum mdlg_ident_type)t;
    return (enum mdlg_ident_type)0;
}

mdlg_err mdlg_ident_hash(const struct mdlg_ident_key *k, enum mdlg_ident_type t,
                         const char *canonical, uint8_t out[MDLG_IDENT_HASH_SIZE])
{
    uint8_t pers[crypto_generichash_blake2b_PERSONALBYTES] = { 0 };
    if (mdlg_ident_type_name(t) == NULL || k == NULL || canonical == NULL)
        return MDLG_E_USAGE;
    memcpy(pers, personal[t], strlen(personal[t]));
    if (crypto_generichash_blake2b_salt_personal(out, MDLG_IDENT_HASH_SIZE,
                                                 (const uint8_t *)canonical, strlen(canonical),
                                                 k->key, sizeof k->key, NULL, pers) != 0)
        return MDLG_E_CRYPTO_INTERNAL;
    return MDLG_E_OK;
}

mdlg_err mdlg_ident_key_parse(const uint8_t *in, size_t len, uint8_t id,
                              struct mdlg_ident_key *out)
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (id == 0)
        return MDLG_E_LEDGER_KEY_INVALID;
    out->id = id;
    if (len == MDLG_IDENT_KEY_SIZE) {
        memcpy(out->key, in, len);
        return MDLG_E_OK;
    }
    while (len > 0 && (in[len - 1] == '\n' || in[len - 1] == '\r' || in[len - 1] == ' '))
        len--;
    while (len > 0 && (in[0] == ' ' || in[0] == '\n'))
        in++, len--;
    if (len != 2 * MDLG_IDENT_KEY_SIZE ||
        sodium_hex2bin(out->key, sizeof out->key, (const char *)in, len, NULL, &bin_len,
                       &end) != 0 || bin_len != MDLG_IDENT_KEY_SIZE) {
        sodium_memzero(out->key, sizeof out->key);
        return MDLG_E_LEDGER_KEY_INVALID;
    }
    return MDLG_E_OK;
}
