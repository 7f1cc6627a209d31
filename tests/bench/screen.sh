#!/usr/bin/env bash
# screen.sh BUILD - the screening figures of `make bench` (issue 5, Speed):
#   (a) batch: `mdlgate screen --input` over SCREEN_ROWS synthetic claims into an empty
#       ledger, which leaves a ledger of SCREEN_ROWS prior claims;
#   (b) single: `mdlgate bench screen run` against that ledger: SCREEN_THREADS threads, each
#       screening one claim per call through mdlg_screen_batch(.., 1, ..), the call
#       POST /v1/screenings makes (one acknowledged, durable screening per call), for
#       SCREEN_SECONDS; screenings/s and the latency of each call (p50, p99).
# Claims come from `mdlgate bench screen gen` (src/cli/bench_claims.c: deterministic, every
# claim with a person, SSN, e-mail, phone, address, bank account, IP, device id and a third
# with an mDL; most values unique, a share per type in clusters of 2..50).
# Durability as in production: WAL, synchronous=FULL, one fsync per committed transaction.
# Targets (issue 5): (b) >= 5,000 screenings/s with p99 < 10 ms on SQLite, (a) 1,000,000 rows
# in under 5 minutes. Reported as met or NOT met; only a broken run fails this script.
# Environment: SCREEN_ROWS (1000000), SCREEN_THREADS (8), SCREEN_SECONDS (10), SCREEN_BATCH
# (the --batch of mdlgate screen; its default when unset), SCREEN_DIR (where the CSV and the
# ledger go; a temporary directory, removed at the end), SCREEN_JSON (BUILD/bench_screen.json),
# SCREEN_LEDGER_URL (a postgres:// ledger instead of SQLite; it must be empty),
# SCREEN_POSTGRES=1 (the same on a throwaway local server: tests/support/with-postgres.sh).
set -u
BUILD=${1:-build}
M=$BUILD/mdlgate
ROWS=${SCREEN_ROWS:-1000000}
THREADS=${SCREEN_THREADS:-8}
SECS=${SCREEN_SECONDS:-10}
OUT=${SCREEN_JSON:-$BUILD/bench_screen.json}
AT=2026-12-01T00:00:00Z

die() { echo "screen bench: $*" >&2; exit 1; }
[ -x "$M" ] || die "$M not built"
if [ "${SCREEN_POSTGRES:-}" = 1 ] && [ -z "${MDLG_TEST_PG_URL:-}" ]; then
    exec "$(dirname "${BASH_SOURCE[0]}")/../support/with-postgres.sh" env SCREEN_POSTGRES=1 "$0" "$@"
fi
if [ "${SCREEN_POSTGRES:-}" = 1 ]; then
    [ -z "${MDLG_TEST_PG_SKIP:-}" ] || die "no PostgreSQL server: $MDLG_TEST_PG_SKIP"
    SCREEN_LEDGER_URL=$MDLG_TEST_PG_URL
fi
LEDGER=${SCREEN_LEDGER_URL:-ledger.db}
case $LEDGER in postgres://*|postgresql://*) BACKEND=PostgreSQL ;; *) BACKEND=SQLite ;; esac
for v in $(env | sed -n 's/^\(MDLGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
if [ -n "${SCREEN_DIR:-}" ]; then
    TMP=$SCREEN_DIR
    mkdir -p "$TMP" && rm -f "$TMP"/ledger.db* || die "cannot use $TMP"
else
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/ledger.key"
printf '{"keys": [{"id": 1, "file": "ledger.key"}], "ledger": "%s"}\n' "$LEDGER" >"$TMP/screening.json"

echo "== screening: $ROWS synthetic claims (load average before: $(load))"
t0=$(now)
"$M" bench screen gen --rows "$ROWS" --at "$AT" >"$TMP/claims.csv" || die "gen failed"
GEN_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
CSV_BYTES=$(stat -c %s "$TMP/claims.csv")

LOAD_A=$(load)
batch_opt=()
[ -n "${SCREEN_BATCH:-}" ] && batch_opt=(--batch "$SCREEN_BATCH")
t0=$(now)
"$M" screen --config "$TMP/screening.json" --input "$TMP/claims.csv" --output "$TMP/results.jsonl" \
    --at "$AT" "${batch_opt[@]}" 2>"$TMP/screen.err"
RC=$?
BATCH_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
[ "$RC" = 0 ] || die "mdlgate screen exited $RC: $(tail -3 "$TMP/screen.err")"
SUMMARY=$(tail -1 "$TMP/screen.err")
if [ "$BACKEND" = SQLite ]; then
    LEDGER_BYTES=$(du -cb "$TMP"/ledger.db* | tail -1 | cut -f1)
else
    LEDGER_BYTES=$(psql -tA "$LEDGER" -c "SELECT pg_database_size(current_database())" 2>/dev/null || echo 0)
fi
RESULT_BYTES=$(stat -c %s "$TMP/results.jsonl")
rm -f "$TMP/results.jsonl" "$TMP/claims.csv"

LOAD_B=$(load)
"$M" bench screen run --config "$TMP/screening.json" --rows "$ROWS" --at "$AT" \
    --threads "$THREADS" --seconds "$SECS" --json-out "$TMP/single.json" >"$TMP/single.txt" ||
    die "bench screen run failed: $(cat "$TMP/single.txt")"
LOAD_C=$(load)

python3 - "$TMP" "$OUT" <<PY
import json, re, sys
tmp, out = sys.argv[1], sys.argv[2]
single = json.load(open(f"{tmp}/single.json"))
rows, secs = $ROWS, $BATCH_S
summary = """$SUMMARY"""
m = re.search(r"(\d+) review", summary)
review = int(m.group(1)) if m else -1
batch = "${SCREEN_BATCH:-}" or "default (500)"
rate = single["screen_single_per_sec"]
p99 = single["screen_single_p99_ms"]
cpu = open("/proc/cpuinfo").read()
model = (re.findall(r"model name\s*:\s*(.*)", cpu) or ["?"])[0]
mem = int(re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read()).group(1)) // 1024
print(f"""
mdlgate screening, {"$BACKEND"} ledger ({"WAL, synchronous=FULL" if "$BACKEND" == "SQLite" else "local server, synchronous_commit=on"}: every acknowledged screening is
durable; one transaction per batch / per group of concurrent single screenings)
machine: $(nproc) cores ({model}), {mem} MiB RAM; other work on the machine skews every figure
claims: {rows} synthetic rows ({$CSV_BYTES / 1e6:.0f} MB CSV, generated in ${GEN_S} s)
(a) batch: mdlgate screen --input claims.csv --output results.jsonl, batch {batch}, empty ledger
      {rows} rows in {secs:.1f} s = {rows / secs:.0f} rows/s; {review} review
      ledger after: {$LEDGER_BYTES / 1e6:.0f} MB{"" if "$BACKEND" == "SQLite" else " (the whole database)"} = {$LEDGER_BYTES / rows:.0f} bytes per claim; results {$RESULT_BYTES / 1e6:.0f} MB
      load average before: $LOAD_A
      target (1,000,000 rows in under 5 minutes): {'not judged (PostgreSQL)' if "$BACKEND" != "SQLite" else 'met' if rows >= 1000000 and secs < 300 else ('NOT met' if rows >= 1000000 else f'not judged ({rows} rows; at this rate 1M rows would take {1e6 / (rows / secs):.0f} s)')}
(b) single: {single['screen_single_threads']} threads, one claim per call (the POST /v1/screenings path), against the ledger of {rows} claims
      {single['screen_single_claims']} screenings in {single['screen_single_seconds']:.1f} s = {rate:.0f} /s
      latency p50 {single['screen_single_p50_ms']:.2f} ms, p99 {p99:.2f} ms, p99.9 {single['screen_single_p999_ms']:.2f} ms, max {single['screen_single_max_ms']:.2f} ms
      load average before / after: $LOAD_B / $LOAD_C
      target (>= 5,000 /s with p99 < 10 ms against 1,000,000 prior claims, SQLite): {'not judged (PostgreSQL)' if "$BACKEND" != "SQLite" else 'met' if rows >= 1000000 and rate >= 5000 and p99 < 10 else ('NOT met' if rows >= 1000000 else f'not judged ({rows} prior claims)')}
""".rstrip())
single.update({"screen_backend": "$BACKEND", "screen_rows": rows, "screen_batch_seconds": secs,
               "screen_batch_rows_per_sec": round(rows / secs), "screen_batch_review": review,
               "screen_ledger_bytes": $LEDGER_BYTES, "screen_ledger_bytes_per_claim": round($LEDGER_BYTES / rows),
               "screen_gen_seconds": $GEN_S, "screen_load_before_batch": "$LOAD_A",
               "screen_load_before_single": "$LOAD_B"})
json.dump(single, open(out, "w"), indent=2)
PY
echo "(every figure: $OUT)"
