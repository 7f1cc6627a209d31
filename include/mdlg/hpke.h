/*
 * hpke.h - Hybrid Public Key Encryption (RFC 9180) for ISO/IEC 18013-7
 * Annex C and the Digital Credentials API "org-iso-mdoc" protocol.
 *
 * One suite: DHKEM(P-256, HKDF-SHA256) 0x0010, HKDF-SHA256 0x0001,
 * AES-128-GCM 0x0001. Modes base (0) and psk (1); no auth modes.
 * Built on OpenSSL 3.0's ECDH, HKDF (extract-only / expand-only) and
 * AES-GCM: OpenSSL 3.0 has no HPKE of its own.
 *
 * Errors ("could not decrypt" vs "bad input"):
 *   DECRYPT_FAILED       the AEAD tag did not verify: wrong key, or the
 *                        ciphertext, aad, info or enc was changed
 *   DECRYPT_MALFORMED    wrong length (enc not 65 bytes, ct shorter than a tag)
 *   DECRYPT_KEY_INVALID  enc is not an uncompressed point on P-256
 *   USAGE                a caller error (NULL, wrong key curve, psk rules,
 *                        buffer too small, input over MDLG_HPKE_MAX_INPUT)
 *   NO_MEMORY, CRYPTO_INTERNAL  could not decrypt at all
 */
#ifndef MDLG_HPKE_H
#define MDLG_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "mdlg/bytes.h"
#include "mdlg/crypto.h"
#include "mdlg/err.h"

#define MDLG_HPKE_KEM_ID 0x0010     /* DHKEM(P-256, HKDF-SHA256) */
#define MDLG_HPKE_KDF_ID 0x0001     /* HKDF-SHA256 */
#define MDLG_HPKE_AEAD_ID 0x0001    /* AES-128-GCM */

#define MDLG_HPKE_ENC_LEN 65        /* Nenc: SEC1 uncompressed point 04 || X || Y */
#define MDLG_HPKE_SK_LEN 32         /* Nsk: big-endian scalar */
#define MDLG_HPKE_SECRET_LEN 32     /* Nsecret = Nh */
#define MDLG_HPKE_KEY_LEN 16        /* Nk */
#define MDLG_HPKE_NONCE_LEN 12      /* Nn */
#define MDLG_HPKE_TAG_LEN 16        /* Nt */
/* Largest info, psk or psk_id accepted (the Annex C info is a SessionTranscript). */
#define MDLG_HPKE_MAX_INPUT 65536u
/* Largest exporter_context (it goes into HKDF-Expand's info, bounded by OpenSSL 3.0). */
#define MDLG_HPKE_MAX_EXPORT_CONTEXT 512u

enum mdlg_hpke_mode {
    MDLG_HPKE_MODE_BASE = 0,
    MDLG_HPKE_MODE_PSK = 1,
};

/* Which suite_id a labeled KDF call uses: "KEM" || kem_id, or "HPKE" || kem || kdf || aead. */
enum mdlg_hpke_label_suite {
    MDLG_HPKE_LABEL_KEM = 0,
    MDLG_HPKE_LABEL_HPKE = 1,
};

/* Pre-shared key for mode_psk; both parts non-empty. */
struct mdlg_hpke_psk {
    struct mdlg_bytes psk;
    struct mdlg_bytes psk_id;
};

/*
 * An encryption context (RFC 9180 5.1), caller-owned. Seal and Open use
 * nonce = base_nonce XOR I2OSP(seq, 12) and increment seq only on success;
 * callers may set seq to open a message out of order.
 */
struct mdlg_hpke_ctx {
    uint8_t key[MDLG_HPKE_KEY_LEN];
    uint8_t base_nonce[MDLG_HPKE_NONCE_LEN];
    uint8_t exporter_secret[MDLG_HPKE_SECRET_LEN];
    uint64_t seq;
};

/* --- single shot (what Annex C needs) --- */

/*
 * SetupBaseR(enc, skR, info) then Open(aad, ct) with seq 0. pt must hold
 * ct.len - 16 bytes (ptcap); *ptlen receives that length. skR is a P-256
 * private key.
 */
mdlg_err mdlg_hpke_open(const mdlg_pkey *skR, struct mdlg_bytes enc, struct mdlg_bytes info,
                        struct mdlg_bytes aad, struct mdlg_bytes ct, uint8_t *pt, size_t ptcap,
                        size_t *ptlen) MDLG_WARN_UNUSED;

/*
 * SetupBaseS(pkR, info) with a fresh ephemeral key, then Seal(aad, pt) with
 * seq 0: enc receives the 65-byte encapsulated key, ct (ctcap >= pt.len + 16)
 * the ciphertext and tag, *ctlen its length. For tests and the test wallet.
 */
mdlg_err mdlg_hpke_seal(const mdlg_pkey *pkR, struct mdlg_bytes info, struct mdlg_bytes aad,
                        struct mdlg_bytes pt, uint8_t enc[MDLG_HPKE_ENC_LEN], uint8_t *ct,
                        size_t ctcap, size_t *ctlen) MDLG_WARN_UNUSED;

/* --- contexts --- */

/*
 * SetupBaseS / SetupPSKS (psk NULL = base mode). skE is the ephemeral
 * private key, NULL for a fresh one (a fixed skE reproduces test vectors).
 */
mdlg_err mdlg_hpke_setup_s(struct mdlg_hpke_ctx *ctx, const mdlg_pkey *pkR, const mdlg_pkey *skE,
                           struct mdlg_bytes info, const struct mdlg_hpke_psk *psk,
                           uint8_t enc[MDLG_HPKE_ENC_LEN]) MDLG_WARN_UNUSED;

/* SetupBaseR / SetupPSKR (psk NULL = base mode). */
mdlg_err mdlg_hpke_setup_r(struct mdlg_hpke_ctx *ctx, const mdlg_pkey *skR, struct mdlg_bytes enc,
                           struct mdlg_bytes info,
                           const struct mdlg_hpke_psk *psk) MDLG_WARN_UNUSED;

/* ContextS.Seal: ct (ctcap >= pt.len + 16) receives ciphertext || tag. */
mdlg_err mdlg_hpke_ctx_seal(struct mdlg_hpke_ctx *ctx, struct mdlg_bytes aad, struct mdlg_bytes pt,
                            uint8_t *ct, size_t ctcap, size_t *ctlen) MDLG_WARN_UNUSED;

/* ContextR.Open: pt (ptcap >= ct.len - 16) receives the plaintext. */
mdlg_err mdlg_hpke_ctx_open(struct mdlg_hpke_ctx *ctx, struct mdlg_bytes aad, struct mdlg_bytes ct,
                            uint8_t *pt, size_t ptcap, size_t *ptlen) MDLG_WARN_UNUSED;

/* Context.Export(exporter_context, L): L bytes, 1 <= L <= 255 * 32. */
mdlg_err mdlg_hpke_export(const struct mdlg_hpke_ctx *ctx, struct mdlg_bytes exporter_context,
                          uint8_t *out, size_t L) MDLG_WARN_UNUSED;

/* Zeroes the context's secrets. */
void mdlg_hpke_ctx_wipe(struct mdlg_hpke_ctx *ctx);

/* --- building blocks (exposed for test vectors and debugging) --- */

/*
 * DeriveKeyPair(ikm) for P-256 (RFC 9180 7.1.3): sk receives the 32-byte
 * scalar, *out the key pair (caller frees). ikm.len >= 32 is advised, not
 * enforced.
 */
mdlg_err mdlg_hpke_derive_keypair(struct mdlg_bytes ikm, uint8_t sk[MDLG_HPKE_SK_LEN],
                                  mdlg_pkey **out) MDLG_WARN_UNUSED;

/* Encap(pkR) with ephemeral skE (NULL = fresh): the KEM shared secret and enc. */
mdlg_err mdlg_hpke_encap(const mdlg_pkey *pkR, const mdlg_pkey *skE,
                         uint8_t shared_secret[MDLG_HPKE_SECRET_LEN],
                         uint8_t enc[MDLG_HPKE_ENC_LEN]) MDLG_WARN_UNUSED;

/* Decap(enc, skR). */
mdlg_err mdlg_hpke_decap(const mdlg_pkey *skR, struct mdlg_bytes enc,
                         uint8_t shared_secret[MDLG_HPKE_SECRET_LEN]) MDLG_WARN_UNUSED;

/* KeySchedule(mode, shared_secret, info, psk, psk_id); seq starts at 0. */
mdlg_err mdlg_hpke_key_schedule(struct mdlg_hpke_ctx *ctx, enum mdlg_hpke_mode mode,
                                const uint8_t shared_secret[MDLG_HPKE_SECRET_LEN],
                                struct mdlg_bytes info,
                                const struct mdlg_hpke_psk *psk) MDLG_WARN_UNUSED;

/* LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" || suite_id || label || ikm). */
mdlg_err mdlg_hpke_labeled_extract(enum mdlg_hpke_label_suite s, struct mdlg_bytes salt,
                                   const char *label, struct mdlg_bytes ikm,
                                   uint8_t prk[MDLG_HPKE_SECRET_LEN]) MDLG_WARN_UNUSED;

/*
 * LabeledExpand(prk, label, info, L) = HKDF-Expand(prk,
 * I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L); info.len <= 512.
 */
mdlg_err mdlg_hpke_labeled_expand(enum mdlg_hpke_label_suite s,
                                  const uint8_t prk[MDLG_HPKE_SECRET_LEN], const char *label,
                                  struct mdlg_bytes info, uint8_t *out,
                                  size_t L) MDLG_WARN_UNUSED;

#endif
