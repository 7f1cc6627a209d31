/*
 * store_open.c - the service's request store: store_url if set (e.g. a
 * postgres:// URL shared by several instances), else DATA_DIR/mdlgate.db
 * (SQLite), with the server key that seals reader keys, read from store_key_file
 * (default DATA_DIR/store.key) or created there, mode 0600, with 32 random
 * bytes (64 hex digits) on first start. see api_internal.h
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "mdlg/store.h"

static mdlg_err key_create(const char *path, uint8_t key[MDLG_STORE_KEY_SIZE], char *err,
                           size_t errlen)
{
    char hex[2 * MDLG_STORE_KEY_SIZE + 2];
    randombytes_buf(key, MDLG_STORE_KEY_SIZE);
    sodium_bin2hex(hex, sizeof hex, key, MDLG_STORE_KEY_SIZE);
    hex[2 * MDLG_STORE_KEY_SIZE] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, hex, sizeof hex - 1) == (ssize_t)(sizeof hex - 1) &&
              fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    sodium_memzero(hex, sizeof hex);
    if (!ok)
        return snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno)), MDLG_E_IO;
    mdlg_api_log_event("store_key_created", path);
    return MDLG_E_OK;
}

static mdlg_err key_read(const char *path, uint8_t key[MDLG_STORE_KEY_SIZE], char *err,
                         size_t errlen)
{
    char hex[2 * MDLG_STORE_KEY_SIZE + 8];
    size_t bin_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, hex, sizeof hex - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno)), MDLG_E_IO;
    hex[n] = '\0';
    hex[strcspn(hex, "\r\n")] = '\0';
    bool ok = strlen(hex) == 2 * MDLG_STORE_KEY_SIZE &&
              sodium_hex2bin(key, MDLG_STORE_KEY_SIZE, hex, strlen(hex), NULL, &bin_len, NULL) == 0 &&
              bin_len == MDLG_STORE_KEY_SIZE;
    sodium_memzero(hex, sizeof hex);
    if (!ok)
        return snprintf(err, errlen, "%s must hold 64 hex digits", path), MDLG_E_USAGE;
    return MDLG_E_OK;
}

mdlg_err mdlg_api_store_open(const struct mdlg_api_config *c, int64_t now, mdlg_store **out,
                             char *err, size_t errlen)
{
    char key_path[MDLG_API_PATH_MAX + 32], db[MDLG_API_URL_MAX + MDLG_API_PATH_MAX];
    uint8_t key[MDLG_STORE_KEY_SIZE];
    struct stat st;
    if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST)
        return snprintf(err, errlen, "cannot create %s: %s", c->data_dir, strerror(errno)),
               MDLG_E_IO;
    snprintf(key_path, sizeof key_path, "%s", c->store_key_file);
    if (key_path[0] == '\0')
        snprintf(key_path, sizeof key_path, "%s/store.key", c->data_dir);
    if (c->store_url[0] != '\0')
        snprintf(db, sizeof db, "%s", c->store_url);
    else
        snprintf(db, sizeof db, "sqlite:%s/%s", c->data_dir, MDLG_STORE_DEFAULT_FILE);
    mdlg_err e = stat(key_path, &st) == 0 ? key_read(key_path, key, err, errlen)
                                          : key_create(key_path, key, err, errlen);
    if (e != MDLG_E_OK)
        return e;
    struct mdlg_store_options o = { .secret_key = key };
    e = mdlg_store_open(db, &o, now, out);
    sodium_memzero(key, sizeof key);
    if (e != MDLG_E_OK && c->store_url[0] != '\0')   /* never echo a URL: it may hold a password */
        snprintf(err, errlen, "store (store_url): %s", mdlg_err_name(e));
    else if (e != MDLG_E_OK)
        snprintf(err, errlen, "store %s: %s", db + 7, mdlg_err_name(e));
    return e;
}
