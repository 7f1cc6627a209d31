/*
 * reader_snapshot.c - the service's reader identity (reader_key_file,
 * reader_cert_file) in the configuration snapshot: loaded at start and on
 * SIGHUP with the rest, so a new certificate applies to new requests only.
 * see api_internal.h and mdlg/reader.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api_internal.h"
#include "mdlg/mdoc.h"
#include "mdlg/reader.h"

#define READER_PEM_MAX (64u * 1024u)

/* Whole file (bounded) into a malloc'd NUL-terminated buffer. */
static char *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(READER_PEM_MAX + 1) : NULL;
    *len = buf ? fread(buf, 1, READER_PEM_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (buf && (*len == 0 || *len > READER_PEM_MAX)) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static mdlg_err client_id(mdlg_api_snapshot *s, const char *prefix, char *errbuf, size_t errlen)
{
    const struct mdlg_reader_id *r = s->reader;
    if (prefix[0] == '\0')
        prefix = r->dns_name[0] ? "x509_san_dns" : "x509_hash";
    if (strcmp(prefix, "x509_san_dns") == 0 && r->dns_name[0] == '\0')
        return snprintf(errbuf, errlen, "reader_client_id_prefix x509_san_dns: the reader "
                                        "certificate has no dNSName"), MDLG_E_USAGE;
    if (strcmp(prefix, "x509_san_dns") && strcmp(prefix, "x509_hash"))
        return snprintf(errbuf, errlen, "reader_client_id_prefix must be x509_san_dns or "
                                        "x509_hash"), MDLG_E_USAGE;
    snprintf(s->reader_client_id, sizeof s->reader_client_id, "%s:%s", prefix,
             prefix[5] == 's' ? r->dns_name : r->x509_hash);
    return MDLG_E_OK;
}

/* A reader certificate outside its validity now cannot sign: refused at load like a bad one. */
static mdlg_err check_window(const struct mdlg_api_config *c, const struct mdlg_reader_id *r,
                             char *errbuf, size_t errlen)
{
    const char *why;
    char a[21], b[21];
    mdlg_err e = mdlg_reader_id_check_time(r, time(NULL), &why);
    if (e != MDLG_E_OK) {
        mdlg_format_rfc3339(r->not_before, a);
        mdlg_format_rfc3339(r->not_after, b);
        snprintf(errbuf, errlen, "reader certificate %s: %s (%s: valid from %s to %s)",
                 c->reader_cert_file, mdlg_err_name(e), why, a, b);
    }
    return e;
}

static mdlg_err load(mdlg_api_snapshot *s, const struct mdlg_api_config *c, char *errbuf,
                     size_t errlen)
{
    size_t klen = 0, clen = 0;
    const char *why = "";
    char *key = read_small(c->reader_key_file, &klen);
    char *chain = read_small(c->reader_cert_file, &clen);
    mdlg_err e = MDLG_E_IO;
    if (key == NULL || chain == NULL)
        snprintf(errbuf, errlen, "cannot read %s (at most 64 KiB)",
                 key == NULL ? c->reader_key_file : c->reader_cert_file);
    else if ((s->reader = calloc(1, sizeof *s->reader)) == NULL)
        e = MDLG_E_NO_MEMORY;
    else if ((e = mdlg_reader_id_load(key, klen, chain, clen, s->reader, &why)) != MDLG_E_OK)
        snprintf(errbuf, errlen, "reader certificate %s: %s (%s)", c->reader_cert_file,
                 mdlg_err_name(e), why);
    else
        e = check_window(c, s->reader, errbuf, errlen);
    if (key)
        sodium_memzero(key, klen);
    free(key);
    free(chain);
    return e;
}

mdlg_err mdlg_api_snapshot_reader(mdlg_api_snapshot *s, const struct mdlg_api_config *c,
                                  char *errbuf, size_t errlen)
{
    if (!c->reader_key_file[0] && !c->reader_cert_file[0])
        return MDLG_E_OK;
    if (!c->reader_key_file[0] || !c->reader_cert_file[0])
        return snprintf(errbuf, errlen, "reader_key_file and reader_cert_file go together"),
               MDLG_E_USAGE;
    mdlg_err e = load(s, c, errbuf, errlen);
    if (e == MDLG_E_OK)
        e = client_id(s, c->reader_client_id_prefix, errbuf, errlen);
    return e;
}

void mdlg_api_snapshot_reader_free(mdlg_api_snapshot *s)
{
    if (s->reader)
        mdlg_reader_id_clear(s->reader);
    free(s->reader);
    s->reader = NULL;
}
