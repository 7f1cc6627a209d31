/*
 * trustset.c - writing a complete trust set as a new generation directory
 * and swapping it in atomically (see trustlist.h for the layout).
 *
 *   parent/.<base>.lock             flock: one writer at a time
 *   parent/.<base>.gen-<t>-<rand>/  generations; the link names one of them
 *   parent/<base> -> .<base>.gen-…  the managed link, replaced by rename(2)
 *
 * If <base> is a plain directory (made by hand), the first swap exchanges it
 * for the link with renameat2(RENAME_EXCHANGE), which is just as atomic, and
 * keeps the old directory as the previous generation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mdlg/limits.h"
#include "trust/trust_internal.h"
#include "trust/trustlist_internal.h"

/* snprintf into a PATH_MAX buffer; false (and "") if it does not fit. */
static bool fmt_path(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fmt_path(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return false;
    }
    return true;
}

static mdlg_err mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    if (!mdlg__strlcpy(tmp, path, sizeof tmp))
        return MDLG_E_USAGE;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return MDLG_E_IO;
        *p = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? MDLG_E_OK : MDLG_E_IO;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
    if (path[0] != '\0')
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static mdlg_err split_target(struct mdlg__set *s, const char *target)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!mdlg__strlcpy(s->target, target, sizeof s->target))
        return MDLG_E_USAGE;
    size_t n = strlen(s->target);
    while (n > 1 && s->target[n - 1] == '/')
        s->target[--n] = '\0';
    mdlg__strlcpy(a, s->target, sizeof a);
    mdlg__strlcpy(b, s->target, sizeof b);
    const char *base = basename(b);
    if (base[0] == '\0' || base[0] == '.' || strcmp(base, "/") == 0)
        return MDLG_E_USAGE;
    mdlg__strlcpy(s->base, base, sizeof s->base);
    mdlg__strlcpy(s->parent, dirname(a), sizeof s->parent);
    return MDLG_E_OK;
}

mdlg_err mdlg__set_begin(struct mdlg__set *s, const char *target)
{
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    mdlg_err e = split_target(s, target);
    if (e == MDLG_E_OK)
        e = mkdir_p(s->parent);
    if (e != MDLG_E_OK)
        return e;
    char path[PATH_MAX];
    fmt_path(path, sizeof path, "%s/.%s.lock", s->parent, s->base);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX) != 0) {
        mdlg__set_abort(s);
        return MDLG_E_IO;
    }
    struct stat st;
    if (stat(s->target, &st) == 0 && S_ISDIR(st.st_mode) && realpath(s->target, path) != NULL)
        mdlg__strlcpy(s->cur, path, sizeof s->cur);
    fmt_path(s->gen, sizeof s->gen, "%s/.%s.gen-%lld-XXXXXX", s->parent, s->base,
             (long long)time(NULL));
    if (mkdtemp(s->gen) == NULL || chmod(s->gen, 0755) != 0) {
        s->gen[0] = '\0';
        mdlg__set_abort(s);
        return MDLG_E_IO;
    }
    return MDLG_E_OK;
}

static mdlg_err fsync_path(const char *path, bool dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return MDLG_E_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? MDLG_E_OK : MDLG_E_IO;
}

/* Writes bytes to path, flushed and fsync'ed. */
static mdlg_err write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wbx");
    if (f == NULL)
        return MDLG_E_IO;
    bool ok = fwrite(p, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    return fclose(f) == 0 && ok ? MDLG_E_OK : MDLG_E_IO;
}

static mdlg_err sub_path(const struct mdlg__set *s, const char *sub, const char *name,
                         char out[PATH_MAX])
{
    char dir[PATH_MAX];
    if (strchr(sub, '/') || strchr(name, '/') || name[0] == '.' || strcmp(sub, "..") == 0 ||
        strcmp(sub, ".") == 0)
        return MDLG_E_USAGE;
    if (!fmt_path(dir, sizeof dir, "%s/%s", s->gen, sub) ||
        !fmt_path(out, PATH_MAX, "%s/%s", dir, name))
        return MDLG_E_USAGE;
    return mkdir(dir, 0755) == 0 || errno == EEXIST ? MDLG_E_OK : MDLG_E_IO;
}

mdlg_err mdlg__set_put(struct mdlg__set *s, const char *sub, const char *name,
                       const uint8_t *der, size_t len)
{
    char path[PATH_MAX];
    mdlg_err e = sub_path(s, sub, name, path);
    if (e != MDLG_E_OK)
        return e;
    X509 *x = mdlg__cert_parse(der, len);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    if (x == NULL || b == NULL || !PEM_write_bio_X509(b, x) || (n = BIO_get_mem_data(b, &pem)) <= 0)
        e = x == NULL ? MDLG_E_CERT_MALFORMED : MDLG_E_NO_MEMORY;
    else
        e = write_file(path, pem, (size_t)n);
    BIO_free(b);
    X509_free(x);
    return e;
}

mdlg_err mdlg__set_put_raw(struct mdlg__set *s, const char *sub, const char *name,
                           const uint8_t *buf, size_t len)
{
    char path[PATH_MAX];
    mdlg_err e = sub_path(s, sub, name, path);
    return e == MDLG_E_OK ? write_file(path, buf, len) : e;
}

mdlg_err mdlg__set_put_text(struct mdlg__set *s, const char *name, const char *text)
{
    char path[PATH_MAX];
    if (!fmt_path(path, sizeof path, "%s/%s", s->gen, name))
        return MDLG_E_USAGE;
    return write_file(path, text, strlen(text));
}

uint8_t *mdlg__set_read_cur(const struct mdlg__set *s, const char *sub, const char *name,
                            size_t *len)
{
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    if (s->cur[0] == '\0' ||
        !fmt_path(path, sizeof path, "%s/%s/%s", s->cur, sub, name))
        return NULL;
    if (mdlg__read_file(path, MDLG_MAX_CRL_SIZE, &buf, len) != MDLG_E_OK)
        return NULL;
    return buf;
}

static int not_dots(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Copies the kept regular files of cur/j into the new generation. */
static mdlg_err carry_dir(struct mdlg__set *s, const char *j,
                          bool (*keep)(const char *j, const char *name))
{
    char dir[PATH_MAX];
    struct dirent **list = NULL;
    fmt_path(dir, sizeof dir, "%s/%s", s->cur, j);
    int n = scandir(dir, &list, not_dots, alphasort);
    if (n < 0)
        return MDLG_E_OK;   /* a file, not a jurisdiction directory */
    mdlg_err e = MDLG_E_OK;
    for (int i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *buf = NULL;
        char path[PATH_MAX];
        if (e == MDLG_E_OK && keep(j, list[i]->d_name) &&
            (buf = mdlg__set_read_cur(s, j, list[i]->d_name, &len)) != NULL &&
            (e = sub_path(s, j, list[i]->d_name, path)) == MDLG_E_OK)
            e = write_file(path, buf, len);
        free(buf);
        free(list[i]);
    }
    free(list);
    return e;
}

mdlg_err mdlg__set_carry(struct mdlg__set *s, bool (*keep)(const char *j, const char *name))
{
    if (s->cur[0] == '\0')
        return MDLG_E_OK;
    struct dirent **list = NULL;
    int n = scandir(s->cur, &list, not_dots, alphasort);
    if (n < 0)
        return MDLG_E_IO;
    mdlg_err e = MDLG_E_OK;
    for (int i = 0; i < n; i++) {
        if (e == MDLG_E_OK && strlen(list[i]->d_name) < 32)
            e = carry_dir(s, list[i]->d_name, keep);
        free(list[i]);
    }
    free(list);
    return e;
}

static mdlg_err fsync_tree(const char *gen)
{
    struct dirent **list = NULL;
    int n = scandir(gen, &list, not_dots, alphasort);
    if (n < 0)
        return MDLG_E_IO;
    mdlg_err e = MDLG_E_OK;
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        fmt_path(p, sizeof p, "%s/%s", gen, list[i]->d_name);
        if (e == MDLG_E_OK && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            e = fsync_path(p, true);
        free(list[i]);
    }
    free(list);
    return e == MDLG_E_OK ? fsync_path(gen, true) : e;
}

/* Deletes generations other than the new one and the one it replaced. */
static void prune(const struct mdlg__set *s, const char *prev)
{
    char prefix[NAME_MAX + 16];
    fmt_path(prefix, sizeof prefix, ".%s.gen-", s->base);
    DIR *d = opendir(s->parent);
    struct dirent *de;
    char gen_base[PATH_MAX], path[PATH_MAX];
    mdlg__strlcpy(gen_base, s->gen, sizeof gen_base);
    const char *keep_new = basename(gen_base);
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
            strcmp(de->d_name, keep_new) == 0 || strcmp(de->d_name, prev) == 0)
            continue;
        fmt_path(path, sizeof path, "%s/%s", s->parent, de->d_name);
        rm_tree(path);
    }
    if (d != NULL)
        closedir(d);
}

/* Puts the link in place; a plain directory there is exchanged and kept as prev. */
static mdlg_err swap_in(struct mdlg__set *s, const char *link, char prev[NAME_MAX + 1])
{
    struct stat st;
    if (lstat(s->target, &st) != 0 || !S_ISDIR(st.st_mode))
        return rename(link, s->target) == 0 ? MDLG_E_OK : MDLG_E_IO;
    if (renameat2(AT_FDCWD, link, AT_FDCWD, s->target, RENAME_EXCHANGE) != 0)
        return MDLG_E_IO;
    char old[PATH_MAX];   /* the old directory now sits at `link` */
    fmt_path(prev, NAME_MAX + 1, ".%s.gen-0-plain%lld", s->base, (long long)time(NULL));
    fmt_path(old, sizeof old, "%s/%s", s->parent, prev);
    return rename(link, old) == 0 ? MDLG_E_OK : MDLG_E_IO;
}

mdlg_err mdlg__set_commit(struct mdlg__set *s)
{
    char link[PATH_MAX], gen_base[PATH_MAX], prev[NAME_MAX + 1] = "", cur_base[PATH_MAX];
    mdlg_err e = fsync_tree(s->gen);
    mdlg__strlcpy(gen_base, s->gen, sizeof gen_base);
    fmt_path(link, sizeof link, "%s/.%s.link-%d", s->parent, s->base, (int)getpid());
    unlink(link);
    if (e == MDLG_E_OK && symlink(basename(gen_base), link) != 0)
        e = MDLG_E_IO;
    if (e == MDLG_E_OK && (e = swap_in(s, link, prev)) != MDLG_E_OK)
        unlink(link);
    if (e != MDLG_E_OK) {
        mdlg__set_abort(s);
        return e;
    }
    fsync_path(s->parent, true);
    mdlg__strlcpy(cur_base, s->cur, sizeof cur_base);
    prune(s, prev[0] ? prev : basename(cur_base));
    s->gen[0] = '\0';
    mdlg__set_abort(s);   /* releases the lock; nothing left to remove */
    return MDLG_E_OK;
}

void mdlg__set_abort(struct mdlg__set *s)
{
    rm_tree(s->gen);
    s->gen[0] = '\0';
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    s->lock_fd = -1;
}
