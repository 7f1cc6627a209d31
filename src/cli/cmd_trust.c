/*
 * cmd_trust.c - `mdlgate trust sync|list|import-vical`.
 *
 *   sync          pinned roots from trust-lists/ (URLs, or --from-dir MIRROR), their CRLs
 *                 and the status lists into a trust directory, swapped in atomically;
 *                 per-jurisdiction report
 *   list          anchors and status lists in force, with expiry warnings
 *   import-vical  verify a signed AAMVA VICAL and file its IACAs per jurisdiction
 *
 * Exit status: 0 done; 1 a negative answer (a root mismatched its pin, a
 * status list was refused, an anchor in force has expired, the VICAL did not
 * verify); 2 usage or I/O.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mdlg/mdoc.h"
#include "mdlg/trust.h"
#include "mdlg/trustlist.h"

#define DAY 86400
#define EXPIRY_WARN_DAYS 90

static const char trust_help[] =
"usage: mdlgate trust sync [--from-dir DIR] [--trust-dir OUT] [--lists DIR] [--at RFC3339]\n"
"                          [--with-test] [--status-list URI]... [--json]\n"
"       mdlgate trust list [--trust-dir DIR] [--lists DIR] [--at RFC3339] [--json]\n"
"       mdlgate trust import-vical FILE --vical-anchor PEM [--at RFC3339] [--trust-dir OUT]\n"
"                          [--json]\n"
"\n"
"sync          fetch every root pinned in trust-lists/<J>/manifest from its fetch URL, or\n"
"              from a mirror directory (--from-dir), accept it only if its SHA-256 equals\n"
"              the pin, and swap the complete new set into OUT atomically. Reports per\n"
"              jurisdiction: added, unchanged, mismatched, expired, unreachable, skipped.\n"
"              Also fetches each root's CRL, and each status list (the manifests'\n"
"              status_list lines, and --status-list) into OUT/.status/, kept only if its\n"
"              signature chains to the jurisdiction's roots; per list: added, unchanged,\n"
"              refused, unreachable. With --from-dir a list is read from\n"
"              DIR/<16 hex of SHA-256(URI)>.cwt.\n"
"list          the anchors in force per jurisdiction and the status lists, with expiry\n"
"              warnings.\n"
"import-vical  verify an AAMVA VICAL (COSE_Sign1, x5chain to the pinned AAMVA root,\n"
"              signer EKU, date/nextUpdate) and file its IACAs under OUT/<J>/vical-*.pem.\n"
"  --trust-dir DIR   default $MDLGATE_DATA_DIR/trust, else var/trust\n"
"  --lists DIR       manifests (default trust-lists)\n"
"  --at RFC3339      the instant for expiry and freshness checks (default now)\n"
"  --with-test       sync: also install roots with status test (trust-lists/_test)\n"
"  --status-list URI sync: also this status list (http/https; repeatable), checked against\n"
"                    every root of the new set; name it at every sync, or in a manifest\n"
"  --json            machine output\n"
"Exit status: 0 done, 1 negative (pin mismatch, status list refused, expired anchor,\n"
"VICAL invalid), 2 error.\n";

#define MAX_STATUS_ARGS 64

struct trust_args {
    const char *from_dir, *trust_dir, *lists, *at, *anchor, *file;
    const char *status_lists[MAX_STATUS_ARGS];
    size_t n_status_lists;
    bool with_test, json;
    int64_t now;
};

enum { OPT_FROM = 1, OPT_TRUST_DIR, OPT_LISTS, OPT_AT, OPT_TEST, OPT_JSON, OPT_ANCHOR,
       OPT_STATUS_LIST, OPT_HELP };

static int parse_args(int argc, char **argv, struct trust_args *a)
{
    static const struct option opts[] = {
        { "from-dir", required_argument, NULL, OPT_FROM },
        { "trust-dir", required_argument, NULL, OPT_TRUST_DIR },
        { "lists", required_argument, NULL, OPT_LISTS },
        { "at", required_argument, NULL, OPT_AT },
        { "with-test", no_argument, NULL, OPT_TEST },
        { "json", no_argument, NULL, OPT_JSON },
        { "vical-anchor", required_argument, NULL, OPT_ANCHOR },
        { "status-list", required_argument, NULL, OPT_STATUS_LIST },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 } };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FROM: a->from_dir = optarg; break;
        case OPT_TRUST_DIR: a->trust_dir = optarg; break;
        case OPT_LISTS: a->lists = optarg; break;
        case OPT_AT: a->at = optarg; break;
        case OPT_TEST: a->with_test = true; break;
        case OPT_JSON: a->json = true; break;
        case OPT_ANCHOR: a->anchor = optarg; break;
        case OPT_STATUS_LIST:
            if (a->n_status_lists == MAX_STATUS_ARGS || (strncmp(optarg, "https://", 8) &&
                                                         strncmp(optarg, "http://", 7)))
                return mdlg_cli_error("trust", "--status-list wants an http(s) URI (at most "
                                               "%d)", MAX_STATUS_ARGS), 2;
            a->status_lists[a->n_status_lists++] = optarg;
            break;
        case OPT_HELP: fputs(trust_help, stdout); return 0;
        default: fputs(trust_help, stderr); return 2;
        }
    }
    a->file = optind < argc ? argv[optind++] : NULL;
    if (optind < argc)
        return mdlg_cli_error("trust", "unexpected argument '%s'", argv[optind]), 2;
    a->now = (int64_t)time(NULL);
    if (a->at != NULL && !mdlg_cli_parse_time(a->at, &a->now))
        return mdlg_cli_error("trust", "--at: not an RFC 3339 instant: %s", a->at), 2;
    return -1;
}

static const char *default_trust_dir(char *buf, size_t cap)
{
    const char *d = getenv("MDLGATE_DATA_DIR");
    if (d == NULL || d[0] == '\0')
        return "var/trust";
    snprintf(buf, cap, "%s/trust", d);
    return buf;
}

/* ---- sync ---- */

struct jcount {
    char j[32];
    size_t n[MDLG_SYNC_STATUS_COUNT];
    size_t kept;
};

/* Per-jurisdiction counts (report order); *nj entries. */
static struct jcount *count_by_j(const struct mdlg_sync_report *r, size_t *nj)
{
    struct jcount *c = calloc(r->n ? r->n : 1, sizeof *c);
    *nj = 0;
    for (size_t i = 0; c != NULL && i < r->n; i++) {
        if (*nj == 0 || strcmp(c[*nj - 1].j, r->roots[i].jurisdiction) != 0)
            snprintf(c[(*nj)++].j, sizeof c->j, "%s", r->roots[i].jurisdiction);
        c[*nj - 1].n[r->roots[i].status]++;
        c[*nj - 1].kept += r->roots[i].kept_previous;
    }
    return c;
}

/* RFC 3339 of t into buf[21], or "-" for 0. */
static const char *time_or_dash(int64_t t, char buf[21])
{
    if (t == 0)
        return "-";
    mdlg_format_rfc3339(t, buf);
    return buf;
}

/* One line of CRL counts over the roots in the new set, then each failed CRL. */
static void crls_text(const struct mdlg_sync_report *r)
{
    size_t n[MDLG_SYNC_CRL_COUNT] = { 0 };
    for (size_t i = 0; i < r->n; i++)
        if (r->roots[i].status <= MDLG_SYNC_UNCHANGED || r->roots[i].kept_previous)
            n[r->roots[i].crl]++;
    printf("CRLs: %zu fetched, %zu kept from the set in force, %zu failed, %zu roots without a "
           "CRL source\n", n[MDLG_SYNC_CRL_FETCHED], n[MDLG_SYNC_CRL_KEPT],
           n[MDLG_SYNC_CRL_FAILED], n[MDLG_SYNC_CRL_NONE]);
    for (size_t i = 0; i < r->n; i++)
        if (r->roots[i].crl == MDLG_SYNC_CRL_FAILED ||
            (r->roots[i].crl == MDLG_SYNC_CRL_KEPT && r->roots[i].crl_detail != NULL))
            printf("  %s %s: CRL %s (%s)\n", r->roots[i].jurisdiction, r->roots[i].id,
                   mdlg_sync_crl_name(r->roots[i].crl),
                   r->roots[i].crl_detail ? r->roots[i].crl_detail : "");
}

static void lists_text(const struct mdlg_sync_report *r)
{
    if (r->n_lists > 0)
        printf("status lists\n");
    for (size_t i = 0; i < r->n_lists; i++) {
        const struct mdlg_sync_list *l = &r->lists[i];
        char ex[21];
        printf("  %-16s %-11s %s", l->jurisdiction[0] ? l->jurisdiction : "(--status-list)",
               mdlg_sync_list_status_name(l->status), l->uri);
        if (l->status == MDLG_SYNC_LIST_REFUSED)
            printf(": %s", mdlg_err_name(l->err));
        if (l->detail != NULL && l->status >= MDLG_SYNC_LIST_REFUSED)
            printf(" (%s)", l->detail);
        if (l->kept_previous)
            printf("; the token in force was kept");
        if (l->status <= MDLG_SYNC_LIST_UNCHANGED || l->kept_previous)
            printf(", expires %s", time_or_dash(l->expires, ex));
        printf("\n");
    }
}

static void sync_text(const struct mdlg_sync_report *r, const struct jcount *c, size_t nj,
                      const char *out)
{
    size_t tot[MDLG_SYNC_STATUS_COUNT] = { 0 };
    printf("%-16s %5s %9s %10s %7s %11s %7s\n", "jurisdiction", "added", "unchanged",
           "mismatched", "expired", "unreachable", "skipped");
    for (size_t k = 0; k < nj; k++) {
        printf("%-16s", c[k].j);
        for (int s = 0; s < MDLG_SYNC_STATUS_COUNT; s++) {
            static const int w[] = { 6, 10, 11, 8, 12, 8 };
            printf("%*zu", w[s], c[k].n[s]);
            tot[s] += c[k].n[s];
        }
        printf("\n");
    }
    printf("%-16s%6zu%10zu%11zu%8zu%12zu%8zu\n", "total", tot[0], tot[1], tot[2], tot[3], tot[4],
           tot[5]);
    for (size_t i = 0; i < r->n; i++)
        if (r->roots[i].status >= MDLG_SYNC_MISMATCHED && r->roots[i].status <= MDLG_SYNC_UNREACHABLE)
            printf("  %s %s: %s (%s)%s\n", r->roots[i].jurisdiction, r->roots[i].id,
                   mdlg_sync_status_name(r->roots[i].status),
                   r->roots[i].detail ? r->roots[i].detail : "",
                   r->roots[i].kept_previous ? "; the copy in force was kept" : "");
    crls_text(r);
    lists_text(r);
    printf("trust set in force: %s -> %s\n", out, r->generation);
}

static json_t *lists_json(const struct mdlg_sync_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_lists; i++) {
        const struct mdlg_sync_list *l = &r->lists[i];
        char iat[21], ex[21];
        bool have = l->status <= MDLG_SYNC_LIST_UNCHANGED || l->kept_previous;
        mdlg_format_rfc3339(l->iat, iat);
        mdlg_format_rfc3339(l->expires, ex);
        json_array_append_new(arr, json_pack("{s:s?,s:s,s:s,s:s,s:s?,s:s?,s:b,s:s?,s:s?}",
            "jurisdiction", l->jurisdiction[0] ? l->jurisdiction : NULL, "uri", l->uri,
            "file", l->file, "status", mdlg_sync_list_status_name(l->status),
            "error", l->status == MDLG_SYNC_LIST_REFUSED ? mdlg_err_name(l->err) : NULL,
            "detail", l->detail, "kept_previous", l->kept_previous,
            "iat", have ? iat : NULL, "expires", have && l->expires ? ex : NULL));
    }
    return arr;
}

static void sync_json(const struct mdlg_sync_report *r, const struct jcount *c, size_t nj,
                      const char *out)
{
    json_t *js = json_object(), *jj = json_object(), *roots = json_array();
    for (size_t k = 0; k < nj; k++) {
        json_t *o = json_object();
        for (int s = 0; s < MDLG_SYNC_STATUS_COUNT; s++)
            json_object_set_new(o, mdlg_sync_status_name(s), json_integer((json_int_t)c[k].n[s]));
        json_object_set_new(jj, c[k].j, o);
    }
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(roots, json_pack("{s:s,s:s,s:s,s:s?,s:b,s:s,s:s?}", "jurisdiction",
            r->roots[i].jurisdiction, "root", r->roots[i].id, "status",
            mdlg_sync_status_name(r->roots[i].status), "detail", r->roots[i].detail,
            "kept_previous", r->roots[i].kept_previous, "crl", mdlg_sync_crl_name(r->roots[i].crl),
            "crl_detail", r->roots[i].crl_detail));
    json_object_set_new(js, "trust_dir", json_string(out));
    json_object_set_new(js, "generation", json_string(r->generation));
    json_object_set_new(js, "jurisdictions", jj);
    json_object_set_new(js, "roots", roots);
    json_object_set_new(js, "status_lists", lists_json(r));
    json_dumpf(js, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(js);
}

static int cmd_sync(const struct trust_args *a, const char *out)
{
    struct mdlg_sync_opts o = { .lists_dir = a->lists, .mirror_dir = a->from_dir,
                                .trust_dir = out, .now = a->now, .with_test = a->with_test,
                                .status_lists = a->status_lists,
                                .n_status_lists = a->n_status_lists };
    struct mdlg_sync_report r;
    mdlg_err e = mdlg_trust_sync(&o, &r);
    if (e != MDLG_E_OK) {
        mdlg_cli_error("trust sync", "%s; the trust set in force is unchanged", mdlg_err_name(e));
        mdlg_sync_report_free(&r);
        return 2;
    }
    size_t nj = 0;
    struct jcount *c = count_by_j(&r, &nj);
    bool mismatch = false;
    for (size_t i = 0; i < r.n; i++)
        mismatch |= r.roots[i].status == MDLG_SYNC_MISMATCHED;
    for (size_t i = 0; i < r.n_lists; i++)
        mismatch |= r.lists[i].status == MDLG_SYNC_LIST_REFUSED;
    if (c != NULL)
        (a->json ? sync_json : sync_text)(&r, c, nj, out);
    free(c);
    mdlg_sync_report_free(&r);
    return c == NULL ? 2 : mismatch ? 1 : 0;
}

/* ---- list ---- */

/* Manifest root with this fingerprint (for status/vical columns), or NULL. */
static const struct mdlg_manifest_root *find_pin(const struct mdlg_manifest *m, size_t nm,
                                                 const uint8_t sha[32])
{
    for (size_t i = 0; i < nm; i++)
        for (size_t k = 0; k < m[i].n; k++)
            if (memcmp(m[i].roots[k].sha256, sha, 32) == 0)
                return &m[i].roots[k];
    return NULL;
}

static const char *expiry_warning(const struct mdlg_anchor_info *ai, int64_t now, char *buf,
                                  size_t cap)
{
    char d[21];
    mdlg_format_rfc3339(ai->not_after, d);
    if (now > ai->not_after)
        snprintf(buf, cap, "EXPIRED %.10s", d);
    else if (now < ai->not_before)
        snprintf(buf, cap, "not yet valid");
    else if (ai->not_after - now < (int64_t)EXPIRY_WARN_DAYS * DAY)
        snprintf(buf, cap, "expires in %lld days", (long long)((ai->not_after - now) / DAY));
    else
        return NULL;
    return buf;
}

static void list_one(const struct mdlg_anchor_info *ai, const struct mdlg_manifest_root *pin,
                     const char *warn, json_t *arr)
{
    char hex[17], nb[21], na[21];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", ai->sha256[i]);
    mdlg_format_rfc3339(ai->not_before, nb);
    mdlg_format_rfc3339(ai->not_after, na);
    if (arr != NULL) {
        char full[65];
        for (int i = 0; i < 32; i++)
            snprintf(full + 2 * i, 3, "%02x", ai->sha256[i]);
        json_array_append_new(arr, json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?}",
            "jurisdiction", ai->jurisdiction, "root", pin ? pin->id : NULL, "subject",
            ai->subject, "sha256", full, "not_before", nb, "not_after", na, "status",
            pin ? mdlg_root_status_name(pin->status) : NULL, "vical",
            pin ? mdlg_root_vical_name(pin->vical) : NULL, "warning", warn));
        return;
    }
    printf("  %s  %.10s  %-10s %-7s %s%s%s\n", hex, na,
           pin ? mdlg_root_status_name(pin->status) : "-",
           pin ? mdlg_root_vical_name(pin->vical) : "-", ai->subject, warn ? "  WARNING: " : "",
           warn ? warn : "");
}

/* One line of .status/index.tsv ("file\tJ\turi\tiat\texpires"), printed or appended to arr. */
static void list_status_line(char *line, int64_t now, json_t *arr)
{
    char *f[5], *save = NULL, nb[21], na[21];
    int n = 0;
    for (char *p = strtok_r(line, "\t", &save); p != NULL && n < 5; p = strtok_r(NULL, "\t", &save))
        f[n++] = p;
    if (n != 5)
        return;
    int64_t iat = strtoll(f[3], NULL, 10), exp = strtoll(f[4], NULL, 10);
    const char *warn = exp != 0 && now > exp ? "EXPIRED: this list counts as unavailable" : NULL;
    time_or_dash(iat, nb);
    time_or_dash(exp, na);
    if (arr != NULL) {
        json_array_append_new(arr, json_pack("{s:s,s:s?,s:s,s:s,s:s?,s:s?}", "file", f[0],
            "jurisdiction", strcmp(f[1], "-") ? f[1] : NULL, "uri", f[2], "iat", nb,
            "expires", exp ? na : NULL, "warning", warn));
        return;
    }
    printf("  %-16s %s  issued %.10s  expires %s%s%s\n", f[1], f[2], nb, exp ? na : "-",
           warn ? "  WARNING: " : "", warn ? warn : "");
}

/* The status lists in force (<dir>/.status/index.tsv, written by sync); their count. */
static size_t list_status(const char *dir, int64_t now, json_t *arr)
{
    char path[4096];
    uint8_t *buf = NULL;
    size_t len = 0, n = 0;
    snprintf(path, sizeof path, "%s/.status/index.tsv", dir);
    if (mdlg_cli_read_file(path, 1u << 20, &buf, &len) != MDLG_E_OK)
        return 0;
    char *text = len <= 1u << 20 ? malloc(len + 1) : NULL, *save = NULL;
    if (text != NULL) {     /* mdlg_cli_read_file does not NUL-terminate */
        memcpy(text, buf, len);
        text[len] = '\0';
    }
    free(buf);
    if (text != NULL && arr == NULL)
        printf("status lists (%s/.status)\n", dir);
    for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l != NULL;
         l = strtok_r(NULL, "\n", &save), n++)
        list_status_line(l, now, arr);
    free(text);
    return n;
}

static int cmd_list(const struct trust_args *a, const char *dir)
{
    mdlg_trust *t = mdlg_trust_new();
    struct mdlg_manifest *m = NULL;
    size_t nm = 0, expired = 0;
    if (t == NULL || mdlg_trust_load_dir(t, dir) != MDLG_E_OK) {
        mdlg_trust_free(t);
        return mdlg_cli_error("trust list", "cannot load %s", dir), 2;
    }
    if (mdlg_manifest_load_all(a->lists, &m, &nm, NULL, NULL) != MDLG_E_OK)
        nm = 0;   /* without manifests the status columns read "-" */
    json_t *arr = a->json ? json_array() : NULL;
    char prev[32] = "";
    if (arr == NULL && mdlg_trust_count(t) > 0)
        printf("  %-16s  %-10s  %-10s %-7s %s\n", "sha256 (start)", "not after", "status",
               "vical", "subject");
    for (size_t i = 0; i < mdlg_trust_count(t); i++) {
        struct mdlg_anchor_info ai;
        char wbuf[64];
        if (mdlg_trust_anchor_info(t, i, &ai) != MDLG_E_OK)
            continue;
        const char *warn = expiry_warning(&ai, a->now, wbuf, sizeof wbuf);
        expired += a->now > ai.not_after;
        if (arr == NULL && strcmp(prev, ai.jurisdiction) != 0)
            printf("%s\n", ai.jurisdiction);
        list_one(&ai, find_pin(m, nm, ai.sha256), warn, arr);
        snprintf(prev, sizeof prev, "%s", ai.jurisdiction);
    }
    if (arr != NULL) {
        json_t *sl = json_array();
        list_status(dir, a->now, sl);
        json_t *js = json_pack("{s:s,s:I,s:I,s:o,s:o}", "trust_dir", dir, "anchors",
                               (json_int_t)mdlg_trust_count(t), "expired", (json_int_t)expired,
                               "list", arr, "status_lists", sl);
        json_dumpf(js, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(js);
    } else {
        size_t nsl = list_status(dir, a->now, NULL);
        printf("%zu anchors in force, %zu expired; %zu status lists\n", mdlg_trust_count(t),
               expired, nsl);
    }
    mdlg_manifest_free_all(m, nm);
    mdlg_trust_free(t);
    return expired ? 1 : 0;
}

/* ---- import-vical ---- */

static void vical_text(const struct mdlg_vical *v, int64_t now, const char *out)
{
    char d[21], nu[21], sn[21];
    mdlg_format_rfc3339(v->date, d);
    mdlg_format_rfc3339(v->next_update, nu);
    mdlg_format_rfc3339(v->signer_not_after, sn);
    printf("VICAL from %s, date %s, vicalIssueID %llu, nextUpdate %s\n", v->provider, d,
           (unsigned long long)v->issue_id, v->next_update ? nu : "-");
    printf("signed by %s (valid until %s): signature and chain verified\n", v->signer_subject, sn);
    if (v->stale)
        printf("WARNING: stale VICAL: nextUpdate %s has passed; fetch a fresh one\n", nu);
    for (size_t i = 0; i < v->n; i++) {
        const struct mdlg_vical_entry *e = &v->entries[i];
        printf("  %-8s %02x%02x%02x%02x%02x%02x%02x%02x  %s%s%s\n", e->jurisdiction, e->sha256[0],
               e->sha256[1], e->sha256[2], e->sha256[3], e->sha256[4], e->sha256[5], e->sha256[6],
               e->sha256[7], e->subject, e->ski_der_wrapped ? "  (ski DER-wrapped)" : "",
               now > e->not_after ? "  WARNING: expired" : "");
    }
    printf("%zu IACAs imported into %s\n", v->n, out);
}

static void vical_json(const struct mdlg_vical *v, const char *out)
{
    char d[21], nu[21], sn[21];
    mdlg_format_rfc3339(v->date, d);
    mdlg_format_rfc3339(v->next_update, nu);
    mdlg_format_rfc3339(v->signer_not_after, sn);
    json_t *arr = json_array();
    for (size_t i = 0; i < v->n; i++) {
        char hex[65];
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", v->entries[i].sha256[k]);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:b}", "jurisdiction",
            v->entries[i].jurisdiction, "subject", v->entries[i].subject, "sha256", hex,
            "ski_der_wrapped", v->entries[i].ski_der_wrapped));
    }
    json_t *js = json_pack("{s:b,s:s,s:s,s:s?,s:I,s:s,s:s,s:b,s:s,s:o}", "valid", 1, "provider",
        v->provider, "date", d, "next_update", v->next_update ? nu : NULL, "vical_issue_id",
        (json_int_t)v->issue_id, "signer", v->signer_subject, "signer_not_after", sn, "stale",
        v->stale, "trust_dir", out, "imported", arr);
    json_dumpf(js, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(js);
}

static void vical_failed(const struct trust_args *a, mdlg_err e, const struct mdlg_diag *diag)
{
    if (a->json) {
        json_t *js = json_pack("{s:b,s:[{s:s,s:s?}]}", "valid", 0, "errors", "code",
                               mdlg_err_name(e), "path", diag->path);
        json_dumpf(js, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(js);
    }
    mdlg_cli_error("trust import-vical", "%s%s%s: the VICAL was not imported", mdlg_err_name(e),
                   diag->path ? " at " : "", diag->path ? diag->path : "");
}

static int cmd_import_vical(const struct trust_args *a, const char *out)
{
    if (a->file == NULL || a->anchor == NULL)
        return mdlg_cli_error("trust import-vical", "need FILE and --vical-anchor PEM"), 2;
    uint8_t *buf = NULL, *pem = NULL;
    size_t len = 0, plen = 0;
    if (mdlg_cli_read_file(a->file, MDLG_VICAL_MAX_BYTES, &buf, &len) != MDLG_E_OK ||
        mdlg_cli_read_file(a->anchor, 1u << 20, &pem, &plen) != MDLG_E_OK) {
        free(buf);
        return mdlg_cli_error("trust import-vical", "cannot read %s or %s", a->file, a->anchor), 2;
    }
    struct mdlg_vical v;
    struct mdlg_diag diag = { 0 };
    mdlg_err e = mdlg_vical_verify(buf, len, (const char *)pem, plen, a->now, &v, &diag);
    free(buf);
    free(pem);
    if (e == MDLG_E_OK && (e = mdlg_vical_install(&v, out)) != MDLG_E_OK)
        diag.path = "installing into the trust directory";
    if (e != MDLG_E_OK) {
        vical_failed(a, e, &diag);
        mdlg_vical_free(&v);
        return mdlg_err_is_internal(e) ? 2 : 1;
    }
    if (a->json)
        vical_json(&v, out);
    else
        vical_text(&v, a->now, out);
    if (v.stale)
        fprintf(stderr, "mdlgate trust import-vical: warning: stale VICAL (now > nextUpdate)\n");
    mdlg_vical_free(&v);
    return 0;
}

int mdlg_cmd_trust(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(trust_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct trust_args a = { .lists = "trust-lists" };
    int rc = parse_args(argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    char buf[4096];
    const char *dir = a.trust_dir ? a.trust_dir : default_trust_dir(buf, sizeof buf);
    const char *sub = argv[1];
    if (strcmp(sub, "import-vical") != 0 && a.file != NULL)
        return mdlg_cli_error("trust", "unexpected argument '%s'", a.file), 2;
    if (strcmp(sub, "sync") == 0)
        return cmd_sync(&a, dir);
    if (strcmp(sub, "list") == 0)
        return cmd_list(&a, dir);
    if (strcmp(sub, "import-vical") == 0)
        return cmd_import_vical(&a, dir);
    mdlg_cli_error("trust", "unknown subcommand '%s' (sync, list, import-vical)", sub);
    return 2;
}
