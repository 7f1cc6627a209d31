#!/usr/bin/env bash
# A verdict attached by request id (README "Screening over HTTP"): `mdlgate serve` with
# screening on completes a presentation request (the test wallet answers with the test PKI's
# mDL, document D1234567 of Jane Doe, US-CA); POST /v1/screenings with "mdl_request_id" uses the
# keyed hashes stored with that request exactly like the inline mdl_* members: the document and
# device-key keys are the same hashes (an inline claim of the same document counts as reuse),
# name and birth date are compared, out-of-state fires; it still works after the verdict's
# element values were read (and deleted). Unknown, pending, expired, invalid-answer request ids
# and inline members beside mdl_request_id get 400 CLAIM_INVALID with a clear detail; the
# ledger holds no document number or name; responses match web/openapi.yaml. Exit 0 pass,
# 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3-yaml not installed"; exit 77; }
"$M" wallet --help >/dev/null 2>&1 || { echo "skip: mdlgate wallet not built"; exit 77; }

ORIGIN=https://app.example
AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
issue good || finish
mkdir -p "$TMP/conf"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
echo '{"anchors": ["iaca.pem"]}' >"$TMP/conf/config.json"
echo '{"ledger": "ledger.db"}' >"$TMP/conf/screening.json"
SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_SCREENING_CONFIG="$TMP/conf/screening.json"
            MDLGATE_LEDGER_KEY=4:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'))
start_server main --config "$TMP/conf/config.json" || finish

# request NAME [EXPIRES_IN]: a request for the mDL with its document number -> RID
request() {
    req "$1" "" POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\", \
\"protocols\": [\"openid4vp-v1-unsigned\"], \"expires_in\": ${2:-300}, \"elements\": \
{\"org.iso.18013.5.1\": [\"family_name\", \"given_name\", \"birth_date\", \"document_number\"]}}"
    RID=$(json_get "$TMP/$1.body" 'j["id"]')
    [ "$STATUS" = 201 ] && [ -n "$RID" ] || bad "create $1: $STATUS $(cat "$TMP/$1.body")"
}
# answer NAME [wallet args]: the test wallet answers request NAME; the verdict in NAME.verdict
answer() {
    local name=$1 url
    shift
    "$M" wallet respond --request "$TMP/$name.body" --pki "$TMP/pki" --origin "$ORIGIN" "$@" \
        >"$TMP/$name.ans" 2>"$TMP/$name.werr" || bad "wallet $name: $(cat "$TMP/$name.werr")"
    url=$(json_get "$TMP/$name.body" 'j["response_url"]')
    req "$name.v" "" POST "$url" "${JSONH[@]}" --data-binary "@$TMP/$name.ans"
}
# screen NAME JSON: POST /v1/screenings -> $TMP/NAME.body, STATUS
screen() { req "$1" /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$2"; }
sigs() { json_get "$TMP/$1.body" '",".join(sorted(s["signal"] + ":" + str(s["count"]) for s in j["signals"]))'; }

request r1
R1=$RID
answer r1
check "the wallet's answer verifies (valid verdict)" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/r1.v.body" "j[\"valid\"]")" = True ]'

screen s1 "{\"claim_id\": \"q1\", \"given_name\": \"Jane\", \"family_name\": \"Doe\", \"birth_date\": \"1990-01-01\", \"claim_state\": \"CA\", \"mdl_request_id\": \"$R1\"}"
check "claim with mdl_request_id -> 201, mDL verified, name and birth date match" '[ "$STATUS" = 201 ] && [ "$(json_get "$TMP/s1.body" "(j[\"mdl\"][\"verified\"], j[\"mdl\"][\"jurisdiction\"], j[\"mdl\"][\"name_match\"], j[\"mdl\"][\"birth_date_match\"])")" = "(True, '"'US-CA'"', True, True)" ]'
check "its ledger keys are the mDL document and the device key" '[ "$(json_get "$TMP/s1.body" "\",\".join(sorted(k[\"type\"] for k in j[\"keys\"]))")" = mdl_device_key,mdl_document ]'
check "no mDL signal for the first claim" '[ -z "$(sigs s1)" ]'

# the verdict's element values are read (and deleted); the hashes stay with the request
req g1 "" GET "/v1/requests/$R1" "${AUTH[@]}"
req g2 "" GET "/v1/requests/$R1" "${AUTH[@]}"
check "the verdict's values were handed out once (second read redacted)" '[ "$(json_get "$TMP/g2.body" "j[\"verdict\"][\"redacted\"]")" = True ]'
screen s2 "{\"claim_id\": \"q2\", \"given_name\": \"John\", \"family_name\": \"Roe\", \"birth_date\": \"1990-01-01\", \"claim_state\": \"NV\", \"mdl_request_id\": \"$R1\"}"
check "another person on the same request after the read -> reuse 2, name mismatch, out of state" '[ "$STATUS" = 201 ] && [ "$(sigs s2)" = "mdl_device_key_reuse:2,mdl_document_reuse:2,mdl_name_mismatch:1,mdl_out_of_state:1" ]'
screen s3 '{"claim_id": "q3", "given_name": "Max", "family_name": "Poe", "birth_date": "1970-05-05", "mdl_jurisdiction": "US-CA", "mdl_document_number": "D1234567"}'
check "an inline claim of the same document counts both earlier ones (same keyed hash)" '[ "$STATUS" = 201 ] && [[ "$(sigs s3)" == *mdl_document_reuse:3* ]]'

# The device key's RFC 9679 thumbprint computed here from the test PKI's device key: an inline
# claim that gives it counts as the same device key (the verdict side computed the same one).
pub=$(openssl pkey -in "$TMP/pki/device.key.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | od -An -tx1 | tr -d ' \n')
TP=$(python3 -c 'import hashlib,sys; p=bytes.fromhex(sys.argv[1]); x,y=p[1:33],p[33:65]
print(hashlib.sha256(bytes.fromhex("a4010220012158 20".replace(" ",""))+x+b"\x22\x58\x20"+y).hexdigest())' "$pub")
screen s4 "{\"claim_id\": \"q4\", \"given_name\": \"Ida\", \"family_name\": \"Loe\", \"birth_date\": \"1960-06-06\", \"mdl_device_key\": \"$TP\"}"
check "an inline claim with the device key's RFC 9679 thumbprint counts as the same device key" '[ "${#pub}" = 130 ] && [ "$STATUS" = 201 ] && [[ "$(sigs s4)" == *mdl_device_key_reuse:3* ]]'

# --- refusals ---
screen u1 '{"claim_id": "u1", "mdl_request_id": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
check "unknown request id -> 400 CLAIM_INVALID, says so" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/u1.body" && grep -q "no such presentation request" "$TMP/u1.body"'
request p1
screen u2 "{\"claim_id\": \"u2\", \"mdl_request_id\": \"$RID\"}"
check "pending request -> 400, not answered yet" '[ "$STATUS" = 400 ] && grep -q "not been answered" "$TMP/u2.body"'
request e1 1
E1=$RID
screen u4 "{\"claim_id\": \"u4\", \"mdl_request_id\": \"$R1\", \"mdl_document_number\": \"D1\"}"
check "mdl_request_id beside inline mdl_* -> 400, not both" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/u4.body" && grep -q "not both" "$TMP/u4.body"'
request t1
answer t1 --tamper digest
check "a tampered answer gives an invalid verdict" '[ "$(json_get "$TMP/t1.v.body" "j[\"valid\"]")" = False ]'
screen u5 "{\"claim_id\": \"u5\", \"mdl_request_id\": \"$RID\"}"
check "request with an invalid answer -> 400, no mDL data" '[ "$STATUS" = 400 ] && grep -q "no mDL data" "$TMP/u5.body"'
for i in $(seq 40); do [ "$(( $(date +%s) ))" -ge "$(( $(json_get "$TMP/e1.body" 'int(__import__("calendar").timegm(__import__("time").strptime(j["expires_at"], "%Y-%m-%dT%H:%M:%SZ")))') + 1 ))" ] && break; sleep 0.1; done
screen u3 "{\"claim_id\": \"u3\", \"mdl_request_id\": \"$E1\"}"
check "expired request -> 400, expired without an answer" '[ "$STATUS" = 400 ] && grep -q "expired without an answer" "$TMP/u3.body"'
stop_server "$PID"

leak=0
for r in D1234567 Jane Doe JANE 1990-01-01 19900101; do
    grep -aqF "$r" "$TMP/conf/ledger.db"* && { echo "raw $r in the ledger"; leak=1; }
done
check "no document number, name or birth date in the ledger files" '[ $leak = 0 ]'
check "the grep can hit (claim ids are in the ledger)" 'grep -aqF q2 "$TMP/conf/ledger.db"*'

python3 "$ROOT/tests/support/openapi_check.py" --only /v1/screenings --skip /v1/screenings/ \
    "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
grep -v "documented, never observed" "$TMP/oa.txt" | grep -v "^openapi_check:" >"$TMP/oa.bad"
cat "$TMP/oa.bad"
check "responses match web/openapi.yaml" '[ ! -s "$TMP/oa.bad" ]'
finish
