#!/usr/bin/env bash
# Claim screening over HTTP: `mdlgate serve` with a ledger key screens three aliases of one
# Gmail mailbox posted as three claims (the third: email_mailbox_shared, count 3, review; 201 with
# Location), answers a retry of a claim_id with 200 and the original result and other content
# under that claim_id with 409 CLAIM_ID_CONFLICT (no ledger row added), reads a result back by id, lists the group in /v1/clusters (hashes and ids only), refuses a call
# without an API key (401), a bad claim (400 CLAIM_INVALID, no value echoed), an oversized body
# (413); without screening configured the routes answer 503 SCREENING_DISABLED; with screening
# configured and no key (or a bad one) serve does not start; the request log holds no raw SSN or
# e-mail address; every answer matches web/openapi.yaml (openapi_check.py --only /v1/screenings
# --only /v1/clusters). Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3-yaml not installed"; exit 77; }

AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
LKEY=7:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$TMP/conf"
cat >"$TMP/conf/screening.json" <<JSON
{"ledger": "ledger.db"}
JSON

# --- screening configured, key missing or malformed: serve refuses to start ---
"$M" serve --listen 127.0.0.1:0 --data-dir "$TMP/nokey" --check >/dev/null 2>&1
env MDLGATE_SCREENING_CONFIG="$TMP/conf/screening.json" "$M" serve --listen 127.0.0.1:0 \
    --data-dir "$TMP/nokey" >"$TMP/nokey.out" 2>"$TMP/nokey.err" &
p=$!
SERVER_PIDS+=("$p")
for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
wait "$p"
rc=$?
check "configured without a ledger key: serve exits 2 with LEDGER_KEY_MISSING" '[ $rc = 2 ] && grep -q LEDGER_KEY_MISSING "$TMP/nokey.err" && ! grep -q listening "$TMP/nokey.out"'
env MDLGATE_LEDGER_KEY=1:abcd "$M" serve --listen 127.0.0.1:0 --data-dir "$TMP/badkey" --check \
    >"$TMP/badkey.out" 2>"$TMP/badkey.err"
check "a malformed MDLGATE_LEDGER_KEY: exit 2, LEDGER_KEY_INVALID, key not echoed" '[ $? = 2 ] && grep -q LEDGER_KEY_INVALID "$TMP/badkey.err" && ! grep -q abcd "$TMP/badkey.err"'

# --- not configured: 503 with a stable code and how to turn it on ---
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server off || finish
req off1 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": "x"}'
check "not configured: POST /v1/screenings -> 503 SCREENING_DISABLED, says how to enable" '[ "$STATUS" = 503 ] && grep -q SCREENING_DISABLED "$TMP/off1.body" && grep -q MDLGATE_LEDGER_KEY "$TMP/off1.body"'
req off2 /v1/clusters GET /v1/clusters "${AUTH[@]}"
check "not configured: GET /v1/clusters -> 503" '[ "$STATUS" = 503 ] && grep -q SCREENING_DISABLED "$TMP/off2.body"'
req off3 "/v1/screenings/{id}" GET /v1/screenings/AAAAAAAAAAAAAAAAAAAAAA "${AUTH[@]}"
check "not configured: GET /v1/screenings/{id} -> 503" '[ "$STATUS" = 503 ]'
stop_server "$PID"

# --- configured: key from the environment, the rest from the config file ---
SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_LEDGER_KEY="$LKEY"
            MDLGATE_SCREENING_CONFIG="$TMP/conf/screening.json")
start_server on || finish
claim() {   # claim N GIVEN SSN EMAIL
    printf '{"claim_id": "c%s", "given_name": "%s", "family_name": "Lee", "birth_date": "1980-0%s-01", "ssn": "%s", "email": "%s", "claim_state": "CA", "mdl_verified": false}' \
        "$1" "$2" "$1" "$3" "$4"
}
req s1 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$(claim 1 Ann 123-45-6789 John.Smith+ui@gmail.com)"
check "first claim -> 201, clear" '[ "$STATUS" = 201 ] && [ "$(json_get "$TMP/s1.body" "j[\"recommendation\"]")" = clear ]'
req s2 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$(claim 2 Bob 234-56-7890 johnsmith@googlemail.com)"
req s3 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$(claim 3 Cid 345-67-8901 j.o.h.n.smith@gmail.com)"
check "third alias -> 201" '[ "$STATUS" = 201 ]'
sig=$(json_get "$TMP/s3.body" '[(s["count"], len(s["related"]), s["window_seconds"] > 0, bool(s["reason"])) for s in j["signals"] if s["signal"] == "email_mailbox_shared"]')
check "third alias: email_mailbox_shared, count 3, 2 related, window and reason" '[ "$sig" = "[(3, 2, True, True)]" ]'
check "third alias: recommendation review, score >= 50" '[ "$(json_get "$TMP/s3.body" "\"%s %s\" % (j[\"recommendation\"], j[\"score\"] >= 50)")" = "review True" ]'
ID3=$(json_get "$TMP/s3.body" 'j["id"]')
ID1=$(json_get "$TMP/s1.body" 'j["id"]')
rel=$(json_get "$TMP/s3.body" '[s["related"] for s in j["signals"] if s["signal"] == "email_mailbox_shared"][0]')
check "the related ids are the earlier screenings" 'echo "$rel" | grep -qF -- "$ID1"'

loc() { tr -d '\r' <"$TMP/$1.hdr" | sed -n 's/^[Ll]ocation: //p'; }
check "201 carries Location: /v1/screenings/{id}" '[ "$(loc s3)" = "/v1/screenings/$ID3" ] && [ "$(loc s1)" = "/v1/screenings/$ID1" ]'

# --- claim_id is an idempotency key: retry -> 200 the original, other content -> 409 ---
req cl0 "" GET "/v1/clusters?type=email_mailbox" "${AUTH[@]}"
req r3 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$(claim 3 Cid 345-67-8901 j.o.h.n.smith@gmail.com)"
check "a retry (same claim_id, same content) -> 200, the original result, same Location" '[ "$STATUS" = 200 ] && cmp -s "$TMP/s3.body" "$TMP/r3.body" && [ "$(loc r3)" = "/v1/screenings/$ID3" ]'
req r3b /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"mdl_verified": false, "claim_state": "CA", "email": "j.o.h.n.smith@gmail.com", "ssn": "345-67-8901", "birth_date": "1980-03-01", "family_name": "Lee", "given_name": "Cid", "phone": null, "claim_id": "c3"}'
check "a retry with members in another order (and a null member) -> 200, same id" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/r3b.body" "j[\"id\"]")" = "$ID3" ]'
req x3 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "$(claim 3 Cid 345-67-8901 someone.else@gmail.com)"
check "same claim_id, other content -> 409 CLAIM_ID_CONFLICT naming the earlier screening, no value echoed" '[ "$STATUS" = 409 ] && grep -q CLAIM_ID_CONFLICT "$TMP/x3.body" && grep -qF -- "$ID3" "$TMP/x3.body" && [ "$(loc x3)" = "/v1/screenings/$ID3" ] && ! grep -q someone "$TMP/x3.body"'
req cl2 "" GET "/v1/clusters?type=email_mailbox" "${AUTH[@]}"
check "the retries added no ledger row (the mailbox still counts 3 claims)" '[ "$(json_get "$TMP/cl0.body" "j[\"clusters\"][0][\"claims\"]")" = 3 ] && cmp -s "$TMP/cl0.body" "$TMP/cl2.body"'

req g3 "/v1/screenings/{id}" GET "/v1/screenings/$ID3" "${AUTH[@]}"
check "GET /v1/screenings/{id} -> 200, the stored result" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/g3.body" "(j[\"id\"], j[\"claim_id\"], j[\"score\"])")" = "$(json_get "$TMP/s3.body" "(j[\"id\"], j[\"claim_id\"], j[\"score\"])")" ]'
req g404 "/v1/screenings/{id}" GET /v1/screenings/AAAAAAAAAAAAAAAAAAAAAA "${AUTH[@]}"
check "GET an unknown screening -> 404 NOT_FOUND" '[ "$STATUS" = 404 ] && grep -q NOT_FOUND "$TMP/g404.body"'

req cl /v1/clusters GET "/v1/clusters?limit=5" "${AUTH[@]}"
grp=$(json_get "$TMP/cl.body" '[(c["claims"], c["identities"], len(c["hash"]), len(c["screenings"])) for c in j["clusters"] if c["type"] == "email_mailbox"]')
check "GET /v1/clusters: the mailbox group, 3 claims, 3 identities, a 64-hex hash, 3 ids" '[ "$STATUS" = 200 ] && [ "$grp" = "[(3, 3, 64, 3)]" ] && grep -qF -- "$ID1" "$TMP/cl.body" && grep -qF -- "$ID3" "$TMP/cl.body"'
req cl1 /v1/clusters GET "/v1/clusters?limit=1&type=email_mailbox" "${AUTH[@]}"
check "clusters: limit and type filter" '[ "$STATUS" = 200 ] && [ "$(json_get "$TMP/cl1.body" "\",\".join(c[\"type\"] for c in j[\"clusters\"])")" = email_mailbox ]'
req clbad /v1/clusters GET "/v1/clusters?limit=0" "${AUTH[@]}"
check "clusters: limit=0 -> 400 REQUEST_INVALID" '[ "$STATUS" = 400 ] && grep -q REQUEST_INVALID "$TMP/clbad.body"'

# --- refusals ---
req na /v1/screenings POST /v1/screenings "${JSONH[@]}" -d "$(claim 4 Dee 456-78-9012 dee@example.org)"
check "POST without an API key -> 401 AUTH_REQUIRED" '[ "$STATUS" = 401 ] && grep -q AUTH_REQUIRED "$TMP/na.body"'
req na2 "/v1/screenings/{id}" GET "/v1/screenings/$ID3"
check "GET by id without an API key -> 401" '[ "$STATUS" = 401 ]'
req na3 /v1/clusters GET /v1/clusters -H "Authorization: Bearer wrong"
check "clusters with a wrong API key -> 401" '[ "$STATUS" = 401 ]'
req b1 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"given_name": "Eve", "ssn": "567-89-0123", "email": "eve.secret@gmail.com"}'
check "no claim_id -> 400 CLAIM_INVALID, values not echoed" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/b1.body" && grep -q claim_id "$TMP/b1.body" && ! grep -Eq "567-89|eve.secret|Eve" "$TMP/b1.body"'
req b2 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": "b2", "ssn": 567890123}'
check "a number for ssn -> 400 CLAIM_INVALID naming the member" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/b2.body" && grep -q "ssn" "$TMP/b2.body" && ! grep -q 567890123 "$TMP/b2.body"'
req b3 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": "b3", "678-90-1234": "x"}'
check "an unknown member -> 400 CLAIM_INVALID, odd names not echoed" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/b3.body" && ! grep -q 678-90 "$TMP/b3.body"'
req b4 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '["c"]'
check "not an object -> 400 CLAIM_INVALID" '[ "$STATUS" = 400 ] && grep -q CLAIM_INVALID "$TMP/b4.body"'
req b5 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": '
check "broken JSON -> 400 JSON_MALFORMED" '[ "$STATUS" = 400 ] && grep -q JSON_MALFORMED "$TMP/b5.body"'
req b6 /v1/screenings POST /v1/screenings "${AUTH[@]}" -H "Content-Type: text/plain" -d '{"claim_id": "b6"}'
check "text/plain -> 415" '[ "$STATUS" = 415 ]'
req b7 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": "b7", "filed_at": "yesterday"}'
check "bad filed_at -> 400 CLAIM_INVALID naming filed_at" '[ "$STATUS" = 400 ] && grep -q filed_at "$TMP/b7.body"'
python3 -c 'print("{\"claim_id\": \"big\", \"device_id\": \"" + "x" * 70000 + "\"}")' >"$TMP/big.json"
req big /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" --data-binary "@$TMP/big.json"
check "a body over 64 KiB -> 413 (below the 1 MiB max_body)" '[ "$STATUS" = 413 ]'
req v1 /v1/screenings POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d '{"claim_id": "v1", "ssn": "666-12-3456", "phone": "12"}'
check "bad identifiers: 201 with invalid_fields (field and reason only)" '[ "$STATUS" = 201 ] && [ "$(json_get "$TMP/v1.body" "\",\".join(sorted(f[\"field\"] for f in j[\"invalid_fields\"]))")" = phone,ssn ] && ! grep -q 666 "$TMP/v1.body"'

stop_server "$PID"
check "SIGTERM: exit 0" '[ "$RC" = 0 ]'

# --- the request log: one line per request, and no identifier ---
check "the request log has the screening requests" '[ "$(grep -c "\"route\":\"/v1/screenings\"" "$TMP/on.log")" -ge 10 ]'
leak=0
for r in 123-45-6789 123456789 234-56-7890 345-67-8901 567-89-0123 666-12-3456 John.Smith johnsmith j.o.h.n.smith googlemail eve.secret dee@example.org Ann Bob Cid; do
    grep -qF "$r" "$TMP/on.log" "$TMP/on.out" && { echo "raw $r in the log"; leak=1; }
done
check "no raw SSN, e-mail or name in the log" '[ $leak = 0 ]'
check "the leak grep can fail (the claim ids would be found in the ledger)" 'grep -aqF c3 "$TMP/conf/ledger.db"*'
leak=0
for r in 123-45-6789 123456789 John.Smith johnsmith j.o.h.n.smith; do
    grep -aqF "$r" "$TMP/conf/ledger.db"* && { echo "raw $r in the ledger"; leak=1; }
done
check "no raw SSN or e-mail in the ledger files" '[ $leak = 0 ]'

python3 "$ROOT/tests/support/openapi_check.py" --only /v1/screenings --only /v1/clusters \
    "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
rc=$?
cat "$TMP/oa.txt"
check "responses match web/openapi.yaml" '[ $rc = 0 ]'
finish
