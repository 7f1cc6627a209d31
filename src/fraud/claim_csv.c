/*
 * claim_csv.c - a streaming RFC 4180 record reader (see mdlg/screen.h).
 *
 * Reads byte by byte through stdio's buffer into one bounded record buffer;
 * fields are split in place (quotes removed, "" unescaped) and NUL-ended.
 * A bad record is skipped to the end of its physical line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdlg/screen.h"

struct mdlg_csv {
    FILE *f;
    char *buf;              /* MDLG_CSV_RECORD_MAX + 1 */
    size_t line;            /* lines consumed so far */
    uint64_t offset;
};

struct mdlg_csv *mdlg_csv_new(void *file)
{
    struct mdlg_csv *c = calloc(1, sizeof *c);
    if (c == NULL || (c->buf = malloc(MDLG_CSV_RECORD_MAX + 1)) == NULL) {
        free(c);
        return NULL;
    }
    c->f = file;
    return c;
}

void mdlg_csv_free(struct mdlg_csv *c)
{
    if (c != NULL)
        free(c->buf);
    free(c);
}

uint64_t mdlg_csv_offset(const struct mdlg_csv *c) { return c->offset; }

static int next_byte(struct mdlg_csv *c)
{
    int ch = getc_unlocked(c->f);
    if (ch != EOF)
        c->offset++;
    if (ch == '\n')
        c->line++;
    return ch;
}

static void skip_line(struct mdlg_csv *c, int ch)
{
    while (ch != EOF && ch != '\n')
        ch = next_byte(c);
}

/* Parser state for one record. */
struct rec {
    const char **fields;
    size_t *lens;
    size_t cap, n, len, start;
    bool quoted, after_quote;
};

static bool end_field(struct mdlg_csv *c, struct rec *r)
{
    if (r->n == r->cap)
        return false;
    c->buf[r->len] = '\0';
    r->fields[r->n] = c->buf + r->start;
    r->lens[r->n++] = r->len - r->start;
    r->start = ++r->len;
    r->quoted = r->after_quote = false;
    return true;
}

/* Feeds one byte; returns 1 at the end of the record, 0 to go on, -1 on error. */
static int feed(struct mdlg_csv *c, struct rec *r, int ch, const char **reason)
{
    if (r->quoted && !r->after_quote) {
        if (ch == EOF)
            return *reason = "unterminated_quote", -1;
        if (ch == '"')
            return r->after_quote = true, 0;
    } else if (ch == '"') {
        if (r->after_quote)                    /* "" inside quotes */
            return r->after_quote = false, c->buf[r->len++] = '"', 0;
        if (r->len != r->start)
            return *reason = "quote_inside_unquoted_field", -1;
        return r->quoted = true, 0;
    } else if (ch == ',' || ch == '\n' || ch == EOF) {
        if (r->len > r->start && ch == '\n' && c->buf[r->len - 1] == '\r' && !r->after_quote)
            r->len--;                          /* CRLF */
        if (!end_field(c, r))
            return *reason = "too_many_fields", -1;
        return ch == ',' ? 0 : 1;
    } else if (r->after_quote && ch != '\r') {
        return *reason = "text_after_closing_quote", -1;
    } else if (r->after_quote) {
        return 0;                              /* "x"\r\n */
    }
    if (r->len + 1 >= MDLG_CSV_RECORD_MAX)
        return *reason = "record_too_long", -1;
    c->buf[r->len++] = (char)ch;
    return 0;
}

int mdlg_csv_next(struct mdlg_csv *c, const char **fields, size_t *lens, size_t cap, size_t *n,
                  size_t *line, const char **reason)
{
    struct rec r = { .fields = fields, .lens = lens, .cap = cap };
    int ch = next_byte(c);
    *n = 0;
    *line = c->line + 1 - (ch == '\n');
    if (ch == EOF)
        return 0;
    for (;;) {
        int done = feed(c, &r, ch, reason);
        if (done < 0) {
            skip_line(c, ch == '\n' ? EOF : ch);
            return -1;
        }
        if (done > 0) {
            *n = r.n;
            return 1;
        }
        ch = next_byte(c);
    }
}
