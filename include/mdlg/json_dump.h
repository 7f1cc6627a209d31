/*
 * json_dump.h - compact JSON text of a jansson value, byte for byte what
 * json_dumps(j, JSON_COMPACT) writes, at a fraction of its cost.
 *
 * jansson's dumper calls a callback per run of characters and decodes every
 * UTF-8 character of every string; for a verdict (several KB, mostly a
 * base64url portrait) that cost as much as a sixth of the verification.
 * This writer checks each non-ASCII character (mdlg_utf8_valid, the same rules as
 * jansson: no overlong forms, no surrogates, nothing above U+10FFFF) and
 * copies runs that need no escape with memcpy. Output rules, as jansson's:
 * no whitespace; object members in insertion order; strings escape '"',
 * '\\', \b \f \n \r \t and other controls as \u00XX (upper-case hex); '/'
 * and non-ASCII are written as they are; integers in decimal; reals are
 * handed to jansson itself (none occur in verdicts). Unlike json_dumps
 * without JSON_ENCODE_ANY, any value is accepted at the top.
 */
#ifndef MDLG_JSON_DUMP_H
#define MDLG_JSON_DUMP_H

#include <stdbool.h>
#include <stddef.h>

struct json_t;

/*
 * The compact text of j, NUL-terminated, malloc'd (the caller frees it);
 * *len (if not NULL) gets its length. NULL on allocation failure or where
 * json_dumps fails too (a string that is not valid UTF-8). Nesting deeper
 * than 2048 levels is also refused (jansson would recurse on).
 */
char *mdlg_json_dump_compact(const struct json_t *j, size_t *len);

/*
 * The same writer for text built piece by piece (mdlg_verdict_text writes a
 * verdict from its struct with it, without a jansson tree). A growing
 * malloc'd buffer; `ok` turns false for good on the first failure (no
 * memory, a string that is not UTF-8), and every later call does nothing.
 * Start from MDLG_JSON_OUT_INIT; end with mdlg_json_out_finish (which also
 * frees on failure).
 */
struct mdlg_json_out {
    char *p;
    size_t len, cap;
    bool ok;
};
#define MDLG_JSON_OUT_INIT { NULL, 0, 0, true }

/* Room for n more bytes at the end (write them, then add n to len); NULL on failure. */
char *mdlg_json_out_reserve(struct mdlg_json_out *o, size_t n);
/* n bytes as they are (punctuation, numbers, text known to need no escape). */
void mdlg_json_out_raw(struct mdlg_json_out *o, const char *s, size_t n);
/* A quoted JSON string of s[0..n), escaped as json_dumps does; not UTF-8: ok = false. */
void mdlg_json_out_string(struct mdlg_json_out *o, const char *s, size_t n);
/* The compact text of j (as mdlg_json_dump_compact); NULL: ok = false. */
void mdlg_json_out_value(struct mdlg_json_out *o, const struct json_t *j);
/* The text, NUL-terminated, malloc'd; *len (if not NULL) its length. NULL if !ok. */
char *mdlg_json_out_finish(struct mdlg_json_out *o, size_t *len);

#endif
