#!/usr/bin/env bash
# The screening part of make bench, shrunk to seconds: `mdlgate bench screen gen` is
# deterministic (same seed, same bytes; another seed, other claims), its claims all screen
# without bad rows or invalid identifiers, they share identifiers in clusters of 2..50 (some
# claims go to review), bad arguments exit 2, and tests/bench/screen.sh runs end to end (batch
# and single figures, method, targets judged or not, JSON written). The numbers are not
# judged: the machine may be busy. BUILD=<build dir>; exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"
clean_env

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$M" bench screen gen --rows 3000 >"$tmp/a.csv"
check "gen --rows 3000 exits 0 with a header and 3000 rows" '[ $? = 0 ] && [ "$(wc -l <"$tmp/a.csv")" = 3001 ] && head -1 "$tmp/a.csv" | grep -q "^claim_id,filed_at,"'
"$M" bench screen gen --rows 3000 >"$tmp/b.csv"
"$M" bench screen gen --rows 3000 --seed 2 >"$tmp/c.csv"
check "deterministic: same seed same bytes, another seed other claims" 'cmp -s "$tmp/a.csv" "$tmp/b.csv" && ! cmp -s "$tmp/a.csv" "$tmp/c.csv"'
python3 - "$tmp/a.csv" >"$tmp/mix.txt" 2>&1 <<'PY'
import csv, collections, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for col in ("ssn", "email", "address_line", "bank_account", "ip", "device_id", "phone"):
    c = collections.Counter(r[col] for r in rows)
    shared = [n for n in c.values() if n > 1]
    unique = sum(1 for n in c.values() if n == 1)
    assert unique > len(rows) * 0.7, (col, "most values unique", unique)
    assert shared and max(shared) <= 60, (col, "clusters of 2..50", sorted(shared)[-5:])
mdl = sum(1 for r in rows if r["mdl_verified"] == "true")
assert 0.2 * len(rows) < mdl < 0.45 * len(rows), ("a third with an mDL", mdl)
print("ok")
PY
check "the mix: most values unique, clusters of 2..50 per type, a third with an mDL" 'grep -q ^ok "$tmp/mix.txt" || { cat "$tmp/mix.txt"; false; }'

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/ledger.key"
echo '{"keys": [{"id": 1, "file": "ledger.key"}], "ledger": "ledger.db"}' >"$tmp/screening.json"
head -1001 "$tmp/a.csv" >"$tmp/k.csv"
"$M" screen --config "$tmp/screening.json" --input "$tmp/k.csv" --output "$tmp/out.jsonl" \
    --at 2026-12-01T00:00:00Z 2>"$tmp/err.txt"
check "1000 generated claims screen with exit 0: no bad row, no invalid identifier, some review" '[ $? = 0 ] && grep -Eq "1000 rows: 1000 screened \([1-9][0-9]* review, [0-9]+ clear\),( 0 already screened,)? 0 bad rows, 0 with invalid" "$tmp/err.txt"'
"$M" bench screen run --config "$tmp/screening.json" --rows 1000 --at 2026-12-01T00:00:00Z \
    --threads 3 --claims 60 --seconds 5 --json >"$tmp/run.json" 2>"$tmp/run.err"
check "run: 60 single screenings on 3 threads, none failed, latencies ordered" '[ "$(q "$tmp/run.json" "j[\"screen_single_claims\"] == 60 and j[\"screen_single_failed\"] == 0 and 0 < j[\"screen_single_p50_ms\"] <= j[\"screen_single_p99_ms\"] <= j[\"screen_single_max_ms\"]")" = True ]'
"$M" bench screen run --config "$tmp/screening.json" --rows 1000 --at 2026-12-01T00:00:00Z \
    --threads 2 --claims 20 --seconds 5 >"$tmp/again.txt" 2>"$tmp/again.err"
check "a second run over the same claims is refused: retries are not screenings" '[ $? = 2 ] && grep -q "already in the ledger" "$tmp/again.err"'
"$M" bench screen run --config "$tmp/screening.json" --rows 1000 --skip 60 \
    --at 2026-12-01T00:00:00Z --threads 2 --claims 20 --seconds 5 >"$tmp/skip.txt" 2>&1
check "--skip 60 starts beyond them: 20 new screenings" '[ $? = 0 ] && grep -q "^single screenings: 20 claims" "$tmp/skip.txt"'
"$M" screen purge --config "$tmp/screening.json" --at 2030-01-01T00:00:00Z >"$tmp/purge.json"
check "the ledger held the 1000 batch and 80 single screenings (purge after retention counts them)" '[ "$(q "$tmp/purge.json" "j[\"screenings_deleted\"]")" = 1080 ]'
for a in "gen" "gen --rows 0" "gen --rows x" "run --rows 10 --threads 0" "frob --rows 1"; do
    "$M" bench screen $a >/dev/null 2>&1
    check "bench screen $a: exit 2" '[ $? = 2 ]'
done

SCREEN_ROWS=1500 SCREEN_THREADS=2 SCREEN_SECONDS=0.5 SCREEN_JSON="$tmp/bench.json" \
    "$ROOT/tests/bench/screen.sh" "$BUILD" >"$tmp/bench.txt" 2>&1
check "tests/bench/screen.sh runs end to end" '[ $? = 0 ] || { tail -5 "$tmp/bench.txt"; false; }'
check "it prints the method and both figures, and does not judge 1500 rows" 'grep -q "synchronous=FULL" "$tmp/bench.txt" && grep -q "1500 rows in .* rows/s" "$tmp/bench.txt" && grep -q "screenings in .* /s" "$tmp/bench.txt" && grep -q "p99 .* ms" "$tmp/bench.txt" && [ "$(grep -c "not judged" "$tmp/bench.txt")" = 2 ]'
check "figures in the JSON" '[ "$(q "$tmp/bench.json" "j[\"screen_rows\"] == 1500 and j[\"screen_batch_rows_per_sec\"] > 0 and j[\"screen_single_per_sec\"] > 0 and j[\"screen_ledger_bytes_per_claim\"] > 0")" = True ]'
finish
