/* trustdir.c - loading anchors from files and trust directories. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mdlg/limits.h"
#include "trust/trust_internal.h"

/* Largest anchor file read (a bundle of many PEM certificates). */
#define MAX_ANCHOR_FILE (64u * 1024u * 1024u)

/* Whole file into a malloc'd buffer (NUL appended); NULL if unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= MAX_ANCHOR_FILE)
        buf = malloc((size_t)st.st_size + 1);
    if (buf != NULL) {
        *len = fread(buf, 1, (size_t)st.st_size, f);
        buf[*len] = '\0';
        if (ferror(f)) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

mdlg_err mdlg_trust_add_file(mdlg_trust *t, const char *path, const char *jurisdiction)
{
    if (t == NULL || path == NULL)
        return MDLG_E_USAGE;
    size_t len = 0;
    char *buf = slurp(path, &len);
    if (buf == NULL)
        return MDLG_E_IO;
    mdlg_err e;
    if (strstr(buf, "-----BEGIN") != NULL || len == 0)
        e = mdlg_trust_add_pem(t, buf, len, jurisdiction);
    else   /* a .crt/.cer in DER */
        e = mdlg_trust_add_der(t, (const uint8_t *)buf, len, jurisdiction);
    free(buf);
    return e;
}

static bool has_cert_ext(const char *name)
{
    static const char *const exts[] = { ".pem", ".crt", ".cer", ".der" };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && strcasecmp(name + n - m, exts[i]) == 0)
            return true;
    }
    return false;
}

static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static mdlg_err load_entries(mdlg_trust *t, const char *dir, const char *jurisdiction);

/* One directory entry: a certificate file, or (top level only) a jurisdiction. */
static mdlg_err load_entry(mdlg_trust *t, const char *dir, const char *name,
                           const char *jurisdiction)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path == NULL)
        return MDLG_E_NO_MEMORY;
    snprintf(path, n, "%s/%s", dir, name);
    struct stat st;
    mdlg_err e = MDLG_E_OK;
    if (stat(path, &st) != 0)
        e = MDLG_E_IO;
    else if (S_ISDIR(st.st_mode) && jurisdiction == NULL)
        e = strlen(name) < 32 ? load_entries(t, path, name) : MDLG_E_USAGE;
    else if (S_ISREG(st.st_mode) && has_cert_ext(name))
        e = mdlg_trust_add_file(t, path, jurisdiction);
    free(path);
    return e;
}

/* Entries of dir in name order; jurisdiction NULL at the top level. */
static mdlg_err load_entries(mdlg_trust *t, const char *dir, const char *jurisdiction)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, visible, alphasort);
    if (n < 0)
        return MDLG_E_IO;
    mdlg_err e = MDLG_E_OK;
    for (int i = 0; i < n; i++) {
        if (e == MDLG_E_OK)
            e = load_entry(t, dir, list[i]->d_name, jurisdiction);
        free(list[i]);
    }
    free(list);
    return e;
}

static bool has_crl_ext(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".crl") == 0;
}

/* A *.crl file: added if it parses and matches an anchor, else skipped. */
static void load_crl_file(mdlg_trust *t, const char *path)
{
    size_t len = 0;
    char *buf = slurp(path, &len);
    if (buf != NULL && len > 0 && len <= MDLG_MAX_CRL_SIZE)
        (void)!mdlg_trust_add_crl(t, (const uint8_t *)buf, len);
    free(buf);
}

/* Every *.crl in dir, and (top level) in its jurisdiction subdirectories. */
static void load_crls(mdlg_trust *t, const char *dir, bool top)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, visible, alphasort);
    for (int i = 0; i < n; i++) {
        size_t m = strlen(dir) + strlen(list[i]->d_name) + 2;
        char *path = malloc(m);
        struct stat st;
        if (path != NULL) {
            snprintf(path, m, "%s/%s", dir, list[i]->d_name);
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && top)
                load_crls(t, path, false);
            else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && has_crl_ext(path))
                load_crl_file(t, path);
        }
        free(path);
        free(list[i]);
    }
    free(list);
}

mdlg_err mdlg_trust_load_dir(mdlg_trust *t, const char *dir)
{
    if (t == NULL || dir == NULL)
        return MDLG_E_USAGE;
    /* Resolve a managed link (var/trust -> generation) once, so a swap by
     * `trust sync` mid-load cannot mix two sets. */
    char *real = realpath(dir, NULL);
    mdlg_err e = load_entries(t, real != NULL ? real : dir, NULL);
    if (e == MDLG_E_OK)
        load_crls(t, real != NULL ? real : dir, true);
    free(real);
    return e;
}
