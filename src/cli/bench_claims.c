/* see bench_claims.h - deterministic synthetic claims for the screening benchmark */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "bench_claims.h"

/* splitmix64 finaliser: a well-mixed 64-bit value of (seed, stream, i). */
static uint64_t mix(uint64_t seed, uint64_t stream, uint64_t i)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15u + stream * 0xbf58476d1ce4e5b9u + i + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* What is shared, per identifier stream: permille of rows drawn from a pool, mean cluster. */
enum stream { S_PERSON, S_SSN, S_EMAIL, S_PHONE, S_ADDRESS, S_BANK, S_IP, S_DEVICE, S_MDL,
              S_COUNT };
static const struct { unsigned permille, mean; } share[S_COUNT] = {
    [S_PERSON] = { 20, 2 },   /* the same person filing again */
    [S_SSN] = { 15, 3 },      [S_EMAIL] = { 40, 4 },  [S_PHONE] = { 40, 4 },
    [S_ADDRESS] = { 120, 3 }, [S_BANK] = { 50, 6 },   [S_IP] = { 60, 8 },
    [S_DEVICE] = { 30, 4 },   [S_MDL] = { 0, 1 },
};
#define BIG_MEAN 35           /* one pooled row in 16 joins a big cluster (about 20..50) */
#define POOL_BASE (UINT64_C(1) << 40)
#define BIG_BASE (UINT64_C(1) << 41)

/* The value number of stream s for row i: i itself (unique) or a pool member. */
static uint64_t value_of(const struct bench_gen *g, enum stream s, uint64_t i)
{
    uint64_t u = mix(g->seed, s, i);
    if (u % 1000 >= share[s].permille)
        return i;
    uint64_t pooled = g->rows * share[s].permille / 1000 + 1;
    uint64_t r = mix(g->seed, s + 100, i);
    if (r % 16 == 0)
        return BIG_BASE + (r >> 8) % (pooled / 16 / BIG_MEAN + 1);
    return POOL_BASE + (r >> 8) % (pooled / share[s].mean + 1);
}

static const char *const given[] = {
    "Ann", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kira", "Luis", "Maya", "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tamar",
    "Umar", "Vera", "Wen", "Xavier", "Yara", "Zeke", "Abel", "Bree", "Cyrus", "Dana",
    "Emil", "Fern",
};
static const char *const family[] = {
    "Alder", "Brook", "Castillo", "Dunmore", "Ekwueme", "Fairfax", "Gallo", "Hargreave",
    "Ivanova", "Jorgensen", "Kowal", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pereira",
    "Quist", "Rahman", "Santoro", "Tanaka", "Underwood", "Vasquez", "Whitlock", "Xu",
    "Yilmaz", "Zielinski", "Abbott", "Bergstrom", "Chowdhury", "Delacroix", "Eastman",
    "Fontaine",
};
static const char *const streets[] = {
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
    "Sunset", "River", "Church", "Mill", "Spring", "Willow",
};
static const char *const suffixes[] = { "Street", "Avenue", "Road", "Drive", "Lane", "Court" };
static const char *const states[] = { "CA", "NY", "TX", "FL", "WA", "IL", "PA", "OH", "GA",
                                      "AZ", "CO", "MD" };
static const char *const domains[] = { "gmail.com", "gmail.com", "gmail.com", "outlook.com",
                                       "yahoo.com", "icloud.com", "proton.me", "example.org" };
#define N(a) (sizeof a / sizeof a[0])

static void person(const struct bench_gen *g, uint64_t i, struct bench_claim *b)
{
    uint64_t h = mix(g->seed, 200, value_of(g, S_PERSON, i));
    snprintf(b->f[MDLG_CF_GIVEN_NAME], BENCH_FIELD_MAX, "%s", given[h % N(given)]);
    snprintf(b->f[MDLG_CF_FAMILY_NAME], BENCH_FIELD_MAX, "%s", family[(h >> 8) % N(family)]);
    snprintf(b->f[MDLG_CF_BIRTH_DATE], BENCH_FIELD_MAX, "%04u-%02u-%02u",
             1940u + (unsigned)((h >> 16) % 66), 1u + (unsigned)((h >> 24) % 12),
             1u + (unsigned)((h >> 32) % 28));
    snprintf(b->f[MDLG_CF_CLAIM_STATE], BENCH_FIELD_MAX, "%s", states[(h >> 40) % N(states)]);
}

/* A valid SSN (area 001..665, group 01..99, serial 0001..9999) numbered v. */
static void ssn(uint64_t v, char *out)
{
    uint64_t x = v % (UINT64_C(665) * 99 * 9999);
    snprintf(out, BENCH_FIELD_MAX, "%03u-%02u-%04u", 1u + (unsigned)(x % 665),
             1u + (unsigned)(x / 665 % 99), 1u + (unsigned)(x / 665 / 99 % 9999));
}

/* Mailbox v, spelled as row i spells it (Gmail dots and tags, googlemail). */
static void email(const struct bench_gen *g, uint64_t v, uint64_t i, char *out)
{
    uint64_t h = mix(g->seed, 300, v), r = mix(g->seed, 301, i);
    const char *dom = domains[h % N(domains)];
    const char *gv = given[(h >> 8) % N(given)], *fm = family[(h >> 16) % N(family)];
    unsigned n = (unsigned)(v % 1000000007u);
    bool gmail = strcmp(dom, "gmail.com") == 0, alias = v >= POOL_BASE && r % 3 == 0;
    snprintf(out, BENCH_FIELD_MAX, "%s%s%s%u%s@%s", gv, alias && gmail ? "" : ".", fm, n,
             alias && r % 2 ? "+claims" : "",
             alias && gmail && r % 5 == 0 ? "googlemail.com" : dom);
}

static void address(uint64_t v, struct bench_claim *b)
{
    uint64_t x = v;
    unsigned num = 1 + (unsigned)(x % 9899);
    x /= 9899;
    const char *st = streets[x % N(streets)];
    x /= N(streets);
    const char *sx = suffixes[x % N(suffixes)];
    x /= N(suffixes);
    snprintf(b->f[MDLG_CF_ADDRESS_LINE], BENCH_FIELD_MAX, "%u %s %s", num, st, sx);
    snprintf(b->f[MDLG_CF_ADDRESS_ZIP], BENCH_FIELD_MAX, "%05u",
             10001u + (unsigned)(x % 89000));
}

/* An ABA routing number (checksum 3-7-1) of bank v % 64, and account v. */
static void bank(uint64_t v, struct bench_claim *b)
{
    unsigned d[9], base = 2100000u + 7919u * (unsigned)(v % 64);
    for (int k = 7; k >= 0; k--, base /= 10)
        d[k] = base % 10;
    unsigned s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5]);
    d[8] = (10 - s % 10) % 10;
    for (int k = 0; k < 9; k++)
        b->f[MDLG_CF_BANK_ROUTING][k] = (char)('0' + d[k]);
    b->f[MDLG_CF_BANK_ROUTING][9] = '\0';
    snprintf(b->f[MDLG_CF_BANK_ACCOUNT], BENCH_FIELD_MAX, "%" PRIu64,
             UINT64_C(100000000) + v % UINT64_C(900000000000));
}

static void mdl(const struct bench_gen *g, uint64_t i, struct bench_claim *b)
{
    if (mix(g->seed, S_MDL, i) % 3 != 0)
        return;
    uint64_t p = value_of(g, S_PERSON, i), h = mix(g->seed, 400, p);
    snprintf(b->f[MDLG_CF_MDL_VERIFIED], BENCH_FIELD_MAX, "true");
    snprintf(b->f[MDLG_CF_MDL_JURISDICTION], BENCH_FIELD_MAX, "US-%.2s",
             b->f[MDLG_CF_CLAIM_STATE]);
    snprintf(b->f[MDLG_CF_MDL_DOCUMENT_NUMBER], BENCH_FIELD_MAX, "D%09" PRIu64, h % 1000000000u);
    snprintf(b->f[MDLG_CF_MDL_DEVICE_KEY], BENCH_FIELD_MAX, "%016" PRIx64 "%016" PRIx64
             "%016" PRIx64 "%016" PRIx64, h, mix(g->seed, 401, p), mix(g->seed, 402, p),
             mix(g->seed, 403, p));
    memcpy(b->f[MDLG_CF_MDL_GIVEN_NAME], b->f[MDLG_CF_GIVEN_NAME], BENCH_FIELD_MAX);
    memcpy(b->f[MDLG_CF_MDL_FAMILY_NAME], b->f[MDLG_CF_FAMILY_NAME], BENCH_FIELD_MAX);
    memcpy(b->f[MDLG_CF_MDL_BIRTH_DATE], b->f[MDLG_CF_BIRTH_DATE], BENCH_FIELD_MAX);
}

static void filed_at(const struct bench_gen *g, uint64_t i, char *out)
{
    time_t t = (time_t)(g->end - g->span_s);
    if (g->rows > 0)
        t += (time_t)((i < g->rows ? i : g->rows) * (uint64_t)g->span_s / g->rows);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, BENCH_FIELD_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void mdlg_bench_claim(const struct bench_gen *g, uint64_t i, struct bench_claim *b)
{
    memset(b, 0, sizeof *b);
    snprintf(b->f[MDLG_CF_CLAIM_ID], BENCH_FIELD_MAX, "bench-%" PRIu64 "-%" PRIu64, g->seed, i);
    filed_at(g, i, b->f[MDLG_CF_FILED_AT]);
    person(g, i, b);
    ssn(value_of(g, S_SSN, i), b->f[MDLG_CF_SSN]);
    email(g, value_of(g, S_EMAIL, i), i, b->f[MDLG_CF_EMAIL]);
    uint64_t ph = value_of(g, S_PHONE, i);
    snprintf(b->f[MDLG_CF_PHONE], BENCH_FIELD_MAX, "+1 %03u %03u %04u", 201u + (unsigned)(ph % 798),
             201u + (unsigned)(ph / 798 % 798), (unsigned)(ph / 798 / 798 % 10000));
    address(value_of(g, S_ADDRESS, i), b);
    bank(value_of(g, S_BANK, i), b);
    uint64_t ip = mix(g->seed, 500, value_of(g, S_IP, i));
    snprintf(b->f[MDLG_CF_IP], BENCH_FIELD_MAX, "%u.%u.%u.%u", 11u + (unsigned)(ip % 200),
             (unsigned)(ip >> 8 & 255), (unsigned)(ip >> 16 & 255), 1u + (unsigned)(ip >> 24) % 254);
    snprintf(b->f[MDLG_CF_DEVICE_ID], BENCH_FIELD_MAX, "dev-%016" PRIx64,
             mix(g->seed, 600, value_of(g, S_DEVICE, i)));
    mdl(g, i, b);
}

void mdlg_bench_claim_view(const struct bench_claim *b, struct mdlg_claim *c)
{
    for (int k = 0; k < MDLG_CF_COUNT; k++) {
        c->f[k] = b->f[k];
        c->len[k] = strlen(b->f[k]);
    }
}

void mdlg_bench_csv_header(FILE *f)
{
    for (int k = 0; k < MDLG_CF_COUNT; k++)
        fprintf(f, "%s%s", k ? "," : "", mdlg_claim_field_name((enum mdlg_claim_field)k));
    fputc('\n', f);
}

void mdlg_bench_csv_row(FILE *f, const struct bench_claim *b)
{
    for (int k = 0; k < MDLG_CF_COUNT; k++) {
        if (k)
            fputc(',', f);
        fputs(b->f[k], f);
    }
    fputc('\n', f);
}
