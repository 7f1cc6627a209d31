/* see mdlg/bytes.h */
#include "mdlg/bytes.h"

#include <string.h>

/* True if the 8 bytes at p are all ASCII (checked at once). */
static bool ascii8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (v & 0x8080808080808080u) == 0;
}

bool mdlg_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8 && ascii8(p + i)) {
            i += 8;
            continue;
        }
        uint8_t c = p[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}
