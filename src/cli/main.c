/*
 * main.c - `mdlgate` subcommand dispatch. Nothing else lives here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "verify", mdlg_cmd_verify, "verify an ISO 18013-5 DeviceResponse" },
    { "issue", mdlg_cmd_issue, "test issuer: keys, certificates and DeviceResponses" },
    { "serve", mdlg_cmd_serve, "the HTTP service (verify API, web page)" },
    { "bench", mdlg_cmd_bench, "measure verifications per second per core" },
    { "email", mdlg_cmd_email, "e-mail keys: exact, mailbox (identity), similarity" },
    { "trust", mdlg_cmd_trust, "trust lists: sync pinned roots, list anchors, import a VICAL" },
    { "coverage", mdlg_cmd_coverage, "mDL coverage of the 56 US jurisdictions, fallbacks" },
    { "wallet", mdlg_cmd_wallet, "test wallet: answer a presentation request (wallet respond)" },
    { "screen", mdlg_cmd_screen, "screen claims (CSV) against the identifier ledger; purge" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: mdlgate <command> [options]   (mdlgate <command> --help)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nExit status: 0 success/valid, 1 negative answer (invalid), 2 usage or error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mdlgate: unknown command '%s' (serve, coverage, trust, email and screen "
                    "are not built yet)\n", argv[1]);
    usage(stderr);
    return 2;
}
