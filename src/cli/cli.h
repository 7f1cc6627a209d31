/*
 * cli.h - the `mdlgate` subcommands and small helpers they share.
 * Each command takes argv with argv[0] = the subcommand name and returns
 * the process exit status: 0 success/valid, 1 negative answer, 2 error.
 */
#ifndef MDLG_CLI_H
#define MDLG_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mdlg/err.h"

int mdlg_cmd_verify(int argc, char **argv);
int mdlg_cmd_issue(int argc, char **argv);
int mdlg_cmd_issue_crl(int argc, char **argv);   /* `mdlgate issue crl` */
int mdlg_cmd_issue_status_list(int argc, char **argv);   /* `mdlgate issue status-list` */
int mdlg_cmd_issue_reader(int argc, char **argv);   /* `mdlgate issue reader` */
int mdlg_cmd_bench(int argc, char **argv);
int mdlg_cmd_bench_screen(int argc, char **argv);   /* `mdlgate bench screen` */
int mdlg_cmd_email(int argc, char **argv);
int mdlg_cmd_serve(int argc, char **argv);
int mdlg_cmd_trust(int argc, char **argv);
int mdlg_cmd_coverage(int argc, char **argv);
int mdlg_cmd_wallet(int argc, char **argv);
int mdlg_cmd_screen(int argc, char **argv);

/* Reads a whole file ("-" = stdin), at most `max` bytes (+1 to detect overflow). */
mdlg_err mdlg_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* Decodes hex (whitespace ignored) into a malloc'd buffer. */
mdlg_err mdlg_cli_hex_decode(const char *hex, uint8_t **out, size_t *len);

/* A whole decimal number in lo..hi (the whole string, no overflow) into *out. */
bool mdlg_cli_parse_long(const char *s, long lo, long hi, long *out);

/* Parses an RFC 3339 instant (UTC, optional fraction) to unix seconds. */
bool mdlg_cli_parse_time(const char *s, int64_t *t);

/* DER of the first CERTIFICATE block of PEM text (malloc'd), NULL if none. */
uint8_t *mdlg_cli_pem_cert_der(const char *pem, size_t len, size_t *der_len);

/* Prints "mdlgate <cmd>: <message>" to stderr. */
void mdlg_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
