/*
 * email_unicode.c - UTF-8 decoding and the ICU side of e-mail canonicalisation:
 * NFC for local parts (RFC 6532 §3.1), and the similarity form
 * lower(skeleton(NFKC_Casefold(x))) of UTS #39. The skeleton is taken after
 * NFKC_Casefold and lowercased after, because ICU's skeleton is case-sensitive
 * (GMAIL -> GMAlL, 0 -> O) and keeps U+200B (research/fraud-signals.md §1a).
 */
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "email_internal.h"

/* UTF-16 work buffers: inputs are at most MDLG_EMAIL_MAX_INPUT bytes, and
 * NFKC / skeleton expansion stays far below this for any real text. */
#define UBUF 4096

int32_t email_u8_next(const uint8_t *s, size_t len, size_t *i)
{
    static const int32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
    size_t k = *i;
    uint8_t b = s[k];
    int n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2
          : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0 || len - k <= (size_t)n)
        return -1;
    int32_t cp = n == 0 ? b : b & (0x3f >> n);
    for (int j = 1; j <= n; j++) {
        uint8_t c = s[k + (size_t)j];
        if ((c & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i = k + (size_t)n + 1;
    return cp;
}

bool email_u8_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;)
        if (email_u8_next(s, len, &i) < 0)
            return false;
    return true;
}

bool email_is_space(int32_t cp)
{
    return cp == 0xfeff || u_isUWhiteSpace(cp);
}

bool email_is_invisible(int32_t cp)
{
    return u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
           u_hasBinaryProperty(cp, UCHAR_BIDI_CONTROL);
}

static bool to_u16(const char *in, UChar *out, int32_t *n)
{
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8(out, UBUF, n, in, -1, &e);
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING;
}

static bool to_u8(const UChar *in, int32_t n, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0;
    u_strToUTF8(out, (int32_t)cap, &len, in, n, &e);
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING && (size_t)len < cap;
}

static bool normalize(const UNormalizer2 *nz, const char *in, UChar *out, int32_t *n)
{
    UChar src[UBUF];
    int32_t sn = 0;
    if (!to_u16(in, src, &sn))
        return false;
    UErrorCode e = U_ZERO_ERROR;
    *n = unorm2_normalize(nz, src, sn, out, UBUF, &e);
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING;
}

bool email_nfc(const mdlg_email_ctx *ctx, const char *in, char *out, size_t cap)
{
    UChar buf[UBUF];
    int32_t n = 0;
    return normalize(ctx->nfc, in, buf, &n) && to_u8(buf, n, out, cap);
}

/* skeleton(x) then full lowercase (root locale), UTF-16 in and out. */
static bool skeleton_lower(const mdlg_email_ctx *ctx, const UChar *in, int32_t n,
                           UChar *out, int32_t *on)
{
    UChar sk[UBUF];
    UErrorCode e = U_ZERO_ERROR;
    int32_t sn = uspoof_getSkeleton(ctx->spoof, 0, in, n, sk, UBUF, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
        return false;
    e = U_ZERO_ERROR;
    *on = u_strToLower(out, UBUF, sk, sn, "", &e);
    return U_SUCCESS(e) && e != U_STRING_NOT_TERMINATED_WARNING;
}

bool email_simform(const mdlg_email_ctx *ctx, const char *in, char *out, size_t cap)
{
    UChar cf[UBUF], low[UBUF];
    int32_t n = 0, ln = 0;
    return normalize(ctx->nfkc_cf, in, cf, &n) && skeleton_lower(ctx, cf, n, low, &ln) &&
           to_u8(low, ln, out, cap);
}

static bool ascii_only(const UChar *s, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return false;
    return true;
}

uint32_t email_spoof_flags(const mdlg_email_ctx *ctx, const char *s)
{
    uint32_t flags = 0;
    UChar nk[UBUF], sk[UBUF];
    int32_t n = 0;
    if (!normalize(ctx->nfkc, s, nk, &n))
        return 0;
    bool non_ascii = false;
    for (const char *c = s; *c != '\0'; c++)
        non_ascii |= (unsigned char)*c >= 0x80;
    if (non_ascii) {
        int32_t skn = 0;
        if (skeleton_lower(ctx, nk, n, sk, &skn) && ascii_only(sk, skn))
            flags |= MDLG_EMAIL_CONFUSABLE;
    }
    UErrorCode e = U_ZERO_ERROR;
    int32_t r = uspoof_checkUTF8(ctx->spoof, s, -1, NULL, &e);
    if (U_SUCCESS(e) && (r & USPOOF_RESTRICTION_LEVEL))
        flags |= MDLG_EMAIL_MIXED_SCRIPT | MDLG_EMAIL_CONFUSABLE;
    return flags;
}
