/*
 * jwe.h - JWE (RFC 7516) with ECDH-ES direct key agreement (RFC 7518 4.6)
 * for encrypted OpenID4VP responses (direct_post.jwt, dc_api.jwt).
 *
 * Supported: alg "ECDH-ES" (the Concat KDF output is the CEK; no key wrap),
 * enc "A128GCM" / "A256GCM", epk kty "EC" on P-256, P-384 or P-521,
 * compact serialization. Everything else (ECDH-ES+A128KW, A128CBC-HS256,
 * OKP keys, zip, crit) is DECRYPT_UNSUPPORTED.
 *
 * Two layers:
 *   - the crypto core (src/crypto/jwe.c) takes the header fields already
 *     parsed, as views, and does ECDH, the Concat KDF and AES-GCM;
 *   - the compact layer (src/json/jwe_json.c) splits and base64url-decodes
 *     the five parts and parses the protected header (jansson).
 *
 * Errors ("could not decrypt" vs "bad input"):
 *   DECRYPT_FAILED          the GCM tag did not verify: wrong key, or the
 *                           ciphertext, tag, iv or protected header changed
 *   DECRYPT_MALFORMED       not five parts, bad base64url, header not a JSON
 *                           object, iv not 12 bytes, tag not 16, encrypted_key
 *                           not empty
 *   DECRYPT_HEADER_INVALID  alg, enc or epk (kty, crv, x, y) missing, or a
 *                           header parameter of the wrong type
 *   DECRYPT_UNSUPPORTED     another alg, enc, kty or crv, or zip / crit
 *   DECRYPT_KEY_INVALID     epk not a point on its curve, or on another curve
 *                           than the recipient key
 *   LIMIT_BODY_SIZE, LIMIT_STRING_SIZE  input over a bound below
 */
#ifndef MDLG_JWE_H
#define MDLG_JWE_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

#define MDLG_JWE_IV_LEN 12
#define MDLG_JWE_TAG_LEN 16
/* Largest decoded protected header (JSON text). */
#define MDLG_JWE_MAX_HEADER 8192u
/* Largest decoded apu / apv, and kid length. */
#define MDLG_JWE_MAX_PARTY_INFO 256u
#define MDLG_JWE_MAX_KID 256u

/* Content encryption ("enc"). The value is the CEK length in bytes. */
enum mdlg_jwe_enc {
    MDLG_JWE_ENC_UNKNOWN = 0,
    MDLG_JWE_A128GCM = 16,
    MDLG_JWE_A256GCM = 32,
};

/*
 * The fields of one JWE, parsed but not interpreted. Text fields are the
 * header strings (ptr NULL when the parameter is absent); the others are
 * decoded bytes (empty when absent). `aad` is the protected header's
 * base64url text exactly as received: it is the GCM AAD and is never
 * re-encoded.
 */
struct mdlg_jwe_parts {
    struct mdlg_bytes alg, enc;        /* header "alg", "enc" */
    struct mdlg_bytes kty, crv;        /* epk "kty", "crv" */
    struct mdlg_bytes epk_x, epk_y;    /* epk coordinates, decoded */
    struct mdlg_bytes apu, apv;        /* decoded PartyUInfo / PartyVInfo */
    struct mdlg_bytes aad;
    struct mdlg_bytes encrypted_key;   /* must be empty for ECDH-ES */
    struct mdlg_bytes iv, ciphertext, tag;
};

/* --- crypto core (src/crypto/jwe.c) --- */

/* "A128GCM" / "A256GCM" -> enum; MDLG_JWE_ENC_UNKNOWN otherwise. */
enum mdlg_jwe_enc mdlg_jwe_enc_from_name(struct mdlg_bytes name);

/* "A128GCM", "A256GCM", NULL for anything else. */
const char *mdlg_jwe_enc_name(enum mdlg_jwe_enc enc);

/* JWK "crv" "P-256" / "P-384" / "P-521" -> curve; MDLG_CRV_NONE otherwise. */
enum mdlg_curve mdlg_jwe_crv_from_name(struct mdlg_bytes name);

/* The JWK "crv" name of an EC curve, NULL for others. */
const char *mdlg_jwe_crv_name(enum mdlg_curve crv);

/*
 * Concat KDF (RFC 7518 4.6.2, NIST SP 800-56A 5.8.1) with SHA-256:
 * keylen bytes (1..64) from Z and OtherInfo = AlgorithmID || PartyUInfo ||
 * PartyVInfo || SuppPubInfo, each of the first three with a 32-bit
 * big-endian length prefix, SuppPubInfo = keylen * 8 as 32 bits.
 */
mdlg_err mdlg_jwe_concat_kdf(struct mdlg_bytes z, struct mdlg_bytes algorithm_id,
                             struct mdlg_bytes apu, struct mdlg_bytes apv, uint8_t *out,
                             size_t keylen) MDLG_WARN_UNUSED;

/*
 * Decrypts p with the recipient's private key. pt receives
 * p->ciphertext.len bytes and may be the ciphertext buffer itself (in-place
 * decryption). On any error pt holds no plaintext.
 */
mdlg_err mdlg_jwe_ecdh_es_decrypt(const mdlg_pkey *recipient, const struct mdlg_jwe_parts *p,
                                  uint8_t *pt) MDLG_WARN_UNUSED;

/*
 * The sender side, for tests and the test wallet: eph is the sender's
 * ephemeral private key (on the recipient's curve; the caller puts its
 * public part into the header as epk), p gives enc, apu, apv, aad and iv
 * (alg is implied). ct receives len bytes (may equal pt), tag 16.
 */
mdlg_err mdlg_jwe_ecdh_es_encrypt(const mdlg_pkey *eph, const mdlg_pkey *recipient,
                                  const struct mdlg_jwe_parts *p, const uint8_t *pt, size_t len,
                                  uint8_t *ct, uint8_t tag[MDLG_JWE_TAG_LEN]) MDLG_WARN_UNUSED;

/* --- compact serialization (src/json/jwe_json.c) --- */

/* Header values a caller may need after decryption (copied out). */
struct mdlg_jwe_info {
    enum mdlg_jwe_enc enc;
    enum mdlg_curve crv;
    bool has_kid, has_apu, has_apv;
    char kid[MDLG_JWE_MAX_KID + 1];
    uint8_t apu[MDLG_JWE_MAX_PARTY_INFO];
    uint8_t apv[MDLG_JWE_MAX_PARTY_INFO];
    size_t apu_len, apv_len;
};

/*
 * Decrypts a compact JWE (len <= MDLG_MAX_BODY). On success *pt is a
 * malloc'd plaintext of *ptlen bytes with a NUL after them (not counted);
 * the caller frees it. info (may be NULL) receives enc, crv, kid, apu, apv.
 * diag (may be NULL) receives the code and a static path such as
 * "header.epk.x" naming what was wrong.
 */
mdlg_err mdlg_jwe_decrypt_compact(const mdlg_pkey *recipient, const char *jwe, size_t len,
                                  uint8_t **pt, size_t *ptlen, struct mdlg_jwe_info *info,
                                  struct mdlg_diag *diag) MDLG_WARN_UNUSED;

/* Options for mdlg_jwe_encrypt_compact; zero means the default. */
struct mdlg_jwe_encrypt_opts {
    enum mdlg_jwe_enc enc;        /* default A128GCM (the OpenID4VP 1.0 default) */
    struct mdlg_bytes apu, apv;   /* put into the header when non-empty */
    const char *kid;              /* put into the header when non-NULL */
    const mdlg_pkey *eph;         /* ephemeral private key; NULL = fresh */
    const uint8_t *iv;            /* 12 bytes; NULL = random */
};

/*
 * Encrypts pt to the recipient's EC public key as a compact JWE with alg
 * ECDH-ES: *out is a malloc'd NUL-terminated string of *outlen characters.
 * For tests and the test wallet.
 */
mdlg_err mdlg_jwe_encrypt_compact(const mdlg_pkey *recipient,
                                  const struct mdlg_jwe_encrypt_opts *opts, const uint8_t *pt,
                                  size_t ptlen, char **out, size_t *outlen) MDLG_WARN_UNUSED;

#endif
