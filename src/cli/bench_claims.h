/*
 * bench_claims.h - deterministic synthetic benefit claims for the screening
 * benchmark (`mdlgate bench screen`, tests/bench/screen.sh) and its smoke test.
 *
 * Row i of a seed is always the same claim. The mix is meant to look like a
 * claims file, not like a worst or best case:
 *   - every claim has a person (name + date of birth), an SSN, an e-mail, a
 *     phone, an address, a bank account, an IP and a device id; about a third
 *     carry a verified mDL (jurisdiction, document number, device key);
 *   - most identifier values are unique; a per-type share of the rows takes
 *     its value from a pool instead, which forms clusters of 2 to 50 claims
 *     sharing it (households at one address, a shared bank account, one
 *     mailbox behind several Gmail spellings, an SSN behind several names...);
 *   - claims are filed one after another over `span_s` seconds ending at `end`.
 * Nothing here is anyone's data: names come from short made-up lists.
 */
#ifndef MDLG_CLI_BENCH_CLAIMS_H
#define MDLG_CLI_BENCH_CLAIMS_H

#include <stdint.h>
#include <stdio.h>

#include "mdlg/screen.h"

struct bench_gen {
    uint64_t seed;
    uint64_t rows;             /* the size of the population (sets the pool sizes) */
    int64_t end;               /* the last claim is filed at `end` */
    int64_t span_s;            /* the first at end - span_s */
};

#define BENCH_FIELD_MAX 96

/* One synthetic claim: text per claim field ("" = absent). */
struct bench_claim {
    char f[MDLG_CF_COUNT][BENCH_FIELD_MAX];
};

/* Fills claim number i (0-based) of the generator's sequence. */
void mdlg_bench_claim(const struct bench_gen *g, uint64_t i, struct bench_claim *out);

/* Points a claim's fields at a bench_claim (borrowed). */
void mdlg_bench_claim_view(const struct bench_claim *b, struct mdlg_claim *c);

/* Writes the CSV header row (every claim column) to f. */
void mdlg_bench_csv_header(FILE *f);

/* Writes one claim as a CSV row (no field needs quoting). */
void mdlg_bench_csv_row(FILE *f, const struct bench_claim *b);

#endif
