#!/usr/bin/env bash
# ledger_postgres.sh - two `mdlgate serve` instances share one PostgreSQL screening ledger
# (MDLGATE_LEDGER_URL=postgres://...): one SSN under two names posted to A then B fires
# ssn_multiple_identities on B; three aliases of one Gmail mailbox posted A, B, A give
# email_mailbox_shared count 3; each instance reads the other's screenings and clusters; a
# parallel burst of claims sharing one bank account, split over both, sees exact counts
# 1..N (writers serialised across instances); `mdlgate screen --config` (the CLI path, ledger
# URL in the config file) joins the same ledger and `screen purge` empties it; no SQLite
# ledger file is created, and a pg_dump of the schema holds no raw identifier; an unreachable
# ledger URL stops serve without echoing the URL (it may hold a password).
# Needs MDLG_TEST_PG_URL (make test starts a throwaway server). Exit 0 pass, 77 skip.
set -u
if [ -z "${MDLG_TEST_PG_URL:-}" ]; then
    echo "skip: ${MDLG_TEST_PG_SKIP:-MDLG_TEST_PG_URL is not set (make test starts a server)}"
    exit 77
fi
command -v psql >/dev/null || { echo "skip: psql not installed"; exit 77; }
. "$(dirname "$0")/../support/server_lib.bash"

schema=mdlg_ledger_$$
psql -q "$MDLG_TEST_PG_URL" -c "CREATE SCHEMA $schema" || { echo "cannot create schema"; exit 1; }
drop_schema() { psql -q "$MDLG_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; }
trap 'cleanup; drop_schema' EXIT
sep='?'; case $MDLG_TEST_PG_URL in *\?*) sep='&' ;; esac
ledger_url="$MDLG_TEST_PG_URL${sep}options=-csearch_path%3D$schema"
sql() { psql -tA "$ledger_url" -c "$1"; }

LKEY=3:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')   # one key for every instance
AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_LEDGER_KEY="$LKEY" MDLGATE_LEDGER_URL="$ledger_url")
env MDLGATE_LEDGER_KEY="$LKEY" MDLGATE_LEDGER_URL="postgresql://mdlgate:s3cretpw@/x?host=$TMP/none" \
    "$M" serve --listen 127.0.0.1:0 --data-dir "$TMP/var-bad" >"$TMP/bad.out" 2>"$TMP/bad.err"
check "an unreachable ledger: serve exits 2, STORE_UNAVAILABLE, the URL (password) not echoed" '[ $? = 2 ] && grep -q STORE_UNAVAILABLE "$TMP/bad.err" && ! grep -q s3cretpw "$TMP/bad.err"'
start_server a || finish
A=$URL
start_server b || finish
B=$URL

# post NAME BASE JSON: POST /v1/screenings on one instance
post() { URL=$2 req "$1" /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$3"; }
claim() {   # claim ID GIVEN DOB [MEMBER VALUE]...
    local s="{\"claim_id\": \"$1\", \"given_name\": \"$2\", \"family_name\": \"Quill\", \"birth_date\": \"$3\""
    shift 3
    while [ $# -ge 2 ]; do s+=", \"$1\": \"$2\""; shift 2; done
    printf '%s}' "$s"
}
# sig FILE SIGNAL: the signal's count, or "-" when absent
sig() { json_get "$1" "next((s['count'] for s in j['signals'] if s['signal'] == '$2'), '-')"; }

post s1 "$A" "$(claim p1 Annabel 1980-01-01 ssn 321-54-9876 claim_state CA)"
check "A screens the first claim (201, no SSN signal)" '[ "$STATUS" = 201 ] && [ "$(sig "$TMP/s1.body" ssn_multiple_identities)" = - ]'
ID1=$(json_get "$TMP/s1.body" 'j["id"]')
post s2 "$B" "$(claim p2 Bertrand 1981-02-02 ssn 321-54-9876 claim_state NV)"
check "B sees A's claim: ssn_multiple_identities count 2, review" '[ "$(sig "$TMP/s2.body" ssn_multiple_identities)" = 2 ] && [ "$(json_get "$TMP/s2.body" "j[\"recommendation\"]")" = review ]'
check "B's signal names A's screening as related" 'grep -qF -- "$ID1" "$TMP/s2.body"'
ID2=$(json_get "$TMP/s2.body" 'j["id"]')

i=0
for m in A:Ulysses.Quill+ui@gmail.com B:ulyssesquill@googlemail.com A:u.l.y.s.s.e.s.quill@gmail.com; do
    i=$((i + 1)); base=${m%%:*}; [ "$base" = A ] && base=$A || base=$B
    post m$i "$base" "$(claim m$i Mabel$i 1970-0$i-01 email "${m#*:}")"
done
check "aliases posted A, B, A: email_mailbox_shared count 3 on the third" '[ "$(sig "$TMP/m3.body" email_mailbox_shared)" = 3 ]'
check "the second alias (on B) counted the first (on A)" '[ "$(sig "$TMP/m2.body" email_mailbox_shared)" = 2 ]'

URL=$A req g1 "/v1/screenings/{id}" GET "/v1/screenings/$ID2" "${AUTH[@]}"
check "A reads B's screening by id" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/g1.body" "j[\"claim_id\"]")" = p2 ]'
URL=$B req cl /v1/clusters GET "/v1/clusters?type=ssn" "${AUTH[@]}"
check "B's clusters hold the SSN group of both instances" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/cl.body" "[c[\"claims\"] for c in j[\"clusters\"]]")" = "[2]" ] && grep -qF -- "$ID1" "$TMP/cl.body" && grep -qF -- "$ID2" "$TMP/cl.body"'

# A parallel burst over both instances, one bank account: each count 1..N exactly once.
N=12
burst=()
for n in $(seq $N); do
    [ $((n % 2)) = 0 ] && base=$A || base=$B
    curl -s --max-time 20 "${AUTH[@]}" "${JSONH[@]}" -o "$TMP/burst$n.json" \
        -d "$(claim f$n Fanny$n 1990-01-$((10 + n)) bank_routing 011000015 bank_account 99001122)" \
        "$base/v1/screenings" >/dev/null &
    burst+=($!)
done
wait "${burst[@]}"   # not the servers
counts=$(python3 - "$TMP" "$N" <<'PY'
import json, sys
c = []
for n in range(1, int(sys.argv[2]) + 1):
    j = json.load(open(f"{sys.argv[1]}/burst{n}.json"))
    c.append(next((s["count"] for s in j["signals"] if s["signal"] == "bank_account_fanout"), 1))
print(" ".join(map(str, sorted(c))))
PY
)
check "a burst of $N over both instances: fan-out counts exactly 1..$N ($counts)" '[ "$counts" = "$(seq -s " " $N)" ]'

# The CLI path: mdlgate screen --config with the PostgreSQL URL in the config file.
printf '{"ledger": "%s"}\n' "$ledger_url" >"$TMP/screening.json"
printf 'claim_id,given_name,family_name,birth_date,ssn\nq1,Cornelius,Quill,1982-03-03,321-54-9876\n' >"$TMP/claims.csv"
env MDLGATE_LEDGER_KEY="$LKEY" "$M" screen --config "$TMP/screening.json" --input "$TMP/claims.csv" \
    --output "$TMP/cli.jsonl" 2>"$TMP/cli.err"
rc=$?
check "mdlgate screen --config (postgres ledger): exit 0" '[ $rc = 0 ] || { cat "$TMP/cli.err"; false; }'
check "the CLI screening counts both servers' claims: ssn_multiple_identities 3" '[ "$(sig "$TMP/cli.jsonl" ssn_multiple_identities)" = 3 ]'
post s3 "$A" "$(claim p4 Dorothea 1983-04-04 ssn 321-54-9876)"
check "and A counts the CLI's: 4" '[ "$(sig "$TMP/s3.body" ssn_multiple_identities)" = 4 ]'

check "the ledger is in PostgreSQL" '[ "$(sql "SELECT count(*) FROM ledger_screenings")" = $((7 + N)) ]'
check "migrations recorded once for all instances (component ledger, each version once)" '[ "$(sql "SELECT count(*) = count(DISTINCT version) AND count(*) >= 2 FROM mdlg_migrations WHERE component = '"'"'ledger'"'"'")" = t ]'
check "no SQLite ledger file was created" '[ ! -e "$TMP/var-a/ledger.db" ] && [ ! -e "$TMP/var-b/ledger.db" ]'

pg_dump=$(ls /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null | sort -V | tail -1)
"${pg_dump:-pg_dump}" --dbname="$MDLG_TEST_PG_URL" --schema="$schema" --no-owner -f "$TMP/dump.sql" 2>"$TMP/dump.err"
check "pg_dump of the ledger schema works and the grep can hit (ids, claim ids)" 'grep -q ledger_keys "$TMP/dump.sql" && grep -qF -- "$ID2" "$TMP/dump.sql" && grep -qP "\tp2\t" "$TMP/dump.sql"'
leak=0
for r in 321-54-9876 321549876 Ulysses ulyssesquill u.l.y.s.s.e.s googlemail Annabel Bertrand Cornelius Dorothea Quill QUILL 99001122 011000015 1980-01-01; do
    grep -qiF "$r" "$TMP/dump.sql" && { echo "raw $r in the dump"; leak=1; }
done
check "no raw SSN, e-mail, name, account or date of birth in the dump" '[ $leak = 0 ]'

env MDLGATE_LEDGER_KEY="$LKEY" "$M" screen purge --config "$TMP/screening.json" \
    --at 2099-01-01T00:00:00Z >"$TMP/purge.out" 2>&1
check "mdlgate screen purge on PostgreSQL empties the expired ledger" '[ $? = 0 ] && [ "$(sql "SELECT count(*) FROM ledger_keys") $(sql "SELECT count(*) FROM ledger_screenings")" = "0 0" ]'
post s5 "$B" "$(claim p5 Eustace 1984-05-05 ssn 321-54-9876)"
check "after the purge B finds no earlier claim" '[ "$STATUS" = 201 ] && [ "$(sig "$TMP/s5.body" ssn_multiple_identities)" = - ]'
finish
