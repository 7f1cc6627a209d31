#!/usr/bin/env bash
# The verdict's document carries the coverage entry of its jurisdiction (issue 4): a US-CA
# presentation gets California's entry (mdl_status as the data says: live), a presentation
# from a jurisdiction without a program gets its own entry, and a document from a non-US
# jurisdiction (ZZ) or a "_class" anchor (_test) gets null. The expected entries come from
# `mdlgate coverage`, never typed in. BUILD=<build dir>; exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)
AT=2026-01-01T00:00:00Z

# verdict NAME ISSUE-ARGS...: a PKI and presentation in $tmp/NAME, verified against its IACA
verdict() {
    local name=$1
    shift
    "$M" issue -q --pki "$tmp/$name" --at "$AT" --transcript-hex "$TH" --out "$tmp/$name.cbor" \
        "$@" 2>"$tmp/$name.err" || { bad "issue $name: $(cat "$tmp/$name.err")"; return 1; }
    "$M" verify --anchor "$tmp/$name/iaca.pem" --at "$AT" --transcript-hex "$TH" \
        "$tmp/$name.cbor" >"$tmp/$name.json" 2>"$tmp/$name.err"
}
# q FILE EXPR: a Python expression on the parsed JSON file (as j)

"$M" coverage >"$tmp/cov.json" || { bad "mdlgate coverage exited $?"; exit 1; }
# The brief form a verdict carries: these members of the data's entry, nothing else.
BRIEF='["code", "name", "mdl_status", "apple_wallet", "google_wallet", "samsung_wallet", "tsa_accepted", "online_18013_7", "fallback", "as_of"]'
entry() { python3 -c 'import json,sys; e=[e for e in json.load(open(sys.argv[1]))["jurisdictions"] if e["code"] == sys.argv[2]][0]; print(json.dumps({k: e[k] for k in json.loads(sys.argv[3])}, sort_keys=True))' "$tmp/cov.json" "$1" "$BRIEF"; }
doc_cov() { q "$1" 'json.dumps(j["documents"][0]["coverage"], sort_keys=True)'; }

# California: the data says live, and the verdict carries the brief form of the data's entry
verdict ca --state CA
check "US-CA presentation verifies" '[ "$(q $tmp/ca.json "j[\"valid\"], j[\"documents\"][0][\"jurisdiction\"]")" = "(True, '"'"'US-CA'"'"')" ]'
check "the data says US-CA is live" '[ "$(entry US-CA | q /dev/stdin "j[\"mdl_status\"]")" = live ]'
check "US-CA verdict: coverage.mdl_status live" '[ "$(q $tmp/ca.json "j[\"documents\"][0][\"coverage\"][\"mdl_status\"]")" = live ]'
check "US-CA verdict: coverage is the brief form of the data's US-CA entry" '[ "$(doc_cov $tmp/ca.json)" = "$(entry US-CA)" ]'

# a jurisdiction without a program (the first with mdl_status none in the data)
none=$(q "$tmp/cov.json" '[e["code"] for e in j["jurisdictions"] if e["mdl_status"] == "none" and e["kind"] == "state"][0]')
verdict none --state "$none"
check "$none presentation: coverage is the data's $none entry (mdl_status none, its fallback)" '[ -n "$none" ] && [ "$(doc_cov $tmp/none.json)" = "$(entry "$none")" ] && [ "$(q $tmp/none.json "j[\"documents\"][0][\"coverage\"][\"fallback\"][\"action\"]")" = alternative-verification ]'

# not a US jurisdiction: null
verdict zz --country ZZ --state ""
check "ZZ presentation verifies with jurisdiction ZZ" '[ "$(q $tmp/zz.json "j[\"valid\"], j[\"documents\"][0][\"jurisdiction\"]")" = "(True, '"'"'ZZ'"'"')" ]'
check "ZZ verdict: coverage null" '[ "$(q $tmp/zz.json "\"coverage\" in j[\"documents\"][0] and j[\"documents\"][0][\"coverage\"] is None")" = True ]'

# a "_class" anchor (trust dir _test/): null, even for a California-subject certificate
mkdir -p "$tmp/tdir/_test" && cp "$tmp/ca/iaca.pem" "$tmp/tdir/_test/"
"$M" verify --trust-dir "$tmp/tdir" --at "$AT" --transcript-hex "$TH" "$tmp/ca.cbor" >"$tmp/cls.json" 2>"$tmp/cls.err"
check "_test anchor: jurisdiction _test, coverage null" '[ "$(q $tmp/cls.json "j[\"documents\"][0][\"jurisdiction\"], j[\"documents\"][0][\"coverage\"]")" = "('"'"'_test'"'"', None)" ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
