#!/usr/bin/env bash
# mdlgate screen: a CSV batch with bad rows (reported by line number, the batch goes on), the
# mailbox signal across three Gmail aliases, the summary, a missing key refused, purge, and no
# plaintext identifier in the ledger files or on stderr. Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"
clean_env
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/ledger.key"
cat >"$TMP/screening.json" <<JSON
{"keys": [{"id": 1, "file": "ledger.key"}], "ledger": "ledger.db", "review_threshold": 50,
 "signals": {"email_mailbox_shared": {"weight": 45}}}
JSON
cat >"$TMP/claims.csv" <<'CSV'
claim_id,filed_at,given_name,family_name,birth_date,ssn,email,bank_routing,bank_account,claim_state
c1,2026-01-01T00:00:00Z,Ann,Lee,1980-01-01,123-45-6789,John.Smith+ui@gmail.com,011000015,44556677,CA
c2,2026-01-01T01:00:00Z,Bob,Ray,1981-02-02,123-45-6789,johnsmith@googlemail.com,011000015,44556677,NV
c3,2026-01-01T02:00:00Z,"Cid, Jr",Moe,1982-03-03,234-56-7890,j.o.h.n.smith@gmail.com,011000015,44556677,CA
c4,not-a-time,Dee,Kay,1983-01-01,,,,,
,2026-01-01T03:00:00Z,Eve,Kay,1983-01-01,,,,,
c6,2026-01-01T04:00:00Z,Fay,Moe
c7,2026-01-01T05:00:00Z,Gus,Lee,1984-04-04,666-12-3456,gus@example.org,,,CA
CSV
"$M" screen --config "$TMP/screening.json" --input "$TMP/claims.csv" --output "$TMP/out.jsonl" \
    --at 2026-01-02T00:00:00Z 2>"$TMP/err.txt"
rc=$?
cat "$TMP/err.txt"
check "exit 1: some rows were bad" '[ $rc = 1 ]'
check "four claims screened" '[ "$(wc -l <"$TMP/out.jsonl")" = 4 ]'
check "bad rows reported with their line numbers" 'grep -q "line 5: bad row: filed_at" "$TMP/err.txt" && grep -q "line 6: bad row: claim_id: claim_id_missing" "$TMP/err.txt" && grep -q "line 7: bad row: 4 fields, the header has 10" "$TMP/err.txt"'
check "summary with throughput" 'grep -Eq "7 rows: 4 screened \([0-9]+ review, [0-9]+ clear\), 0 already screened, 3 bad rows, 1 with invalid identifiers; [0-9.]+ s, [0-9]+ rows/s" "$TMP/err.txt"'
python3 - "$TMP/out.jsonl" >"$TMP/py.txt" 2>&1 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
c3 = next(r for r in rows if r["claim_id"] == "c3")
mbx = [s for s in c3["signals"] if s["signal"] == "email_mailbox_shared"]
assert len(mbx) == 1 and mbx[0]["count"] == 3 and mbx[0]["weight"] == 45 and len(mbx[0]["related"]) == 2, mbx
c2 = next(r for r in rows if r["claim_id"] == "c2")
assert any(s["signal"] == "ssn_multiple_identities" and s["count"] == 2 for s in c2["signals"]), c2
assert c2["recommendation"] == "review"
c7 = next(r for r in rows if r["claim_id"] == "c7")
assert c7["invalid_fields"] == [{"field": "ssn", "reason": "ssn_area_invalid"}], c7
assert all(r["recommendation"] in ("clear", "review") for r in rows)
print("ok")
PY
check "results: one mailbox signal (count 3), SSN signal, invalid SSN reported" 'grep -q ^ok "$TMP/py.txt" || { cat "$TMP/py.txt"; false; }'
raw=(123456789 123-45-6789 234567890 John.Smith johnsmith j.o.h.n.smith gus@example.org 44556677 Moe Ray 1981-02-02 666123456)
leak=0
for r in "${raw[@]}"; do
    for f in "$TMP"/ledger.db* "$TMP/err.txt"; do
        grep -aqF "$r" "$f" && { echo "plaintext $r in $f"; leak=1; }
    done
done
check "no raw SSN, e-mail, account or name in the ledger files or on stderr" '[ $leak = 0 ]'
check "the grep can find what is there (claim ids)" 'grep -aqF c3 "$TMP/ledger.db"* '

# --- claim ids are idempotency keys: a re-run resumes instead of counting twice ---
"$M" screen --config "$TMP/screening.json" --input "$TMP/claims.csv" --output "$TMP/again.jsonl" \
    --at 2026-01-02T00:10:00Z 2>"$TMP/again.txt"
rc=$?
check "re-run of the same CSV: nothing screened again, 4 already screened, the 3 bad rows still bad" '[ $rc = 1 ] && grep -Eq "7 rows: 0 screened \(0 review, 0 clear\), 4 already screened, 3 bad rows" "$TMP/again.txt"'
check "re-run: the stored results are written again, unchanged (same ids)" 'cmp -s "$TMP/out.jsonl" "$TMP/again.jsonl"'
cat >"$TMP/more.csv" <<'CSV'
claim_id,filed_at,given_name,family_name,birth_date,ssn,email,bank_routing,bank_account,claim_state
c1,2026-01-01T00:00:00Z,Ann,Lee,1980-01-01,123-45-6789,other.person@gmail.com,011000015,44556677,CA
c8,2026-01-01T06:00:00Z,Hal,Fox,1985-05-05,345-67-8901,j.ohnsmith@gmail.com,,,CA
c2,2026-01-01T01:00:00Z,Bob,Ray,1981-02-02,123-45-6789,johnsmith@googlemail.com,011000015,44556677,NV
c8,2026-01-01T06:00:00Z,Hal,Fox,1985-05-05,345-67-8901,j.ohnsmith@gmail.com,,,CA
CSV
"$M" screen --config "$TMP/screening.json" --input "$TMP/more.csv" --output "$TMP/more.jsonl" \
    --at 2026-01-02T00:20:00Z 2>"$TMP/more.txt"
rc=$?
cat "$TMP/more.txt"
check "same claim_id, other content: a bad row with its line number" '[ $rc = 1 ] && grep -q "line 2: bad row: claim_id: already screened with other content" "$TMP/more.txt"'
check "a new claim screened; a known one and a repeat within the batch are already screened" 'grep -Eq "4 rows: 1 screened \([0-9]+ review, [0-9]+ clear\), 2 already screened, 1 bad rows" "$TMP/more.txt"'
check "the new claim counts each earlier claim on the mailbox once (4, not 6)" '[ "$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print([s[\"count\"] for x in r if x[\"claim_id\"] == \"c8\" for s in x[\"signals\"] if s[\"signal\"] == \"email_mailbox_shared\"])" "$TMP/more.jsonl")" = "[4, 4]" ]'

MDLGATE_LEDGER_KEY= "$M" screen --input "$TMP/claims.csv" --data-dir "$TMP/nokey" 2>"$TMP/nokey.txt"
rc=$?
check "no key: exit 2, LEDGER_KEY_MISSING" '[ $rc = 2 ] && grep -q LEDGER_KEY_MISSING "$TMP/nokey.txt"'
echo 'claim_id' | MDLGATE_LEDGER_KEY="1:abcd" "$M" screen --input - --data-dir "$TMP/badkey" 2>"$TMP/badkey.txt"
check "malformed key: exit 2, LEDGER_KEY_INVALID" '[ $? = 2 ] && grep -q LEDGER_KEY_INVALID "$TMP/badkey.txt"'

out=$("$M" screen purge --config "$TMP/screening.json" --at 2026-06-01T00:00:00Z)
check "purge before retention: nothing deleted" '[ "$out" = "{\"keys_deleted\": 0, \"screenings_deleted\": 0}" ]'
out=$("$M" screen purge --config "$TMP/screening.json" --at 2028-01-01T00:00:00Z)
check "purge after retention: everything deleted (5 screenings: repeats added no row)" 'echo "$out" | grep -q "\"screenings_deleted\": 5"'

# a pipe (not a TTY): periodic progress lines, never a carriage-return bar
check "no progress bar when stderr is not a terminal" '! grep -q $'"'"'\r'"'"' "$TMP/err.txt"'
finish
