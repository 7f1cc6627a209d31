#!/usr/bin/env bash
# Presentation requests end to end: `mdlgate serve` on an ephemeral loopback port with a test
# PKI as its trust anchor, `mdlgate wallet respond` as the wallet. For each protocol
# (openid4vp-v1-unsigned, org-iso-mdoc, openid4vp-v1-redirect): create -> answer -> 200 valid
# verdict; single use (409), expiry (410), unknown id (404); answers made for another request
# or origin, a changed ciphertext byte and a changed element value are refused with the right
# code; GET pending / completed (values on the first read only) / expired; API keys; and every
# answer checked against web/openapi.yaml (tests/support/openapi_check.py --only /v1/requests).
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3-yaml not installed"; exit 77; }
"$M" wallet --help >/dev/null 2>&1 || { echo "skip: mdlgate wallet not built"; exit 77; }

ORIGIN=https://app.example
issue good || exit 1       # creates the test PKI in $TMP/pki
mkdir -p "$TMP/conf"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
echo '{"anchors": ["iaca.pem"]}' >"$TMP/conf/config.json"
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server main --config "$TMP/conf/config.json" || finish
MAIN=$PID
AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
FORMH=(-H "Content-Type: application/x-www-form-urlencoded")
RESP_OP=/v1/requests/{id}/response
GET_OP=/v1/requests/{id}

# create NAME PROTOCOL [EXPIRES_IN]: POST /v1/requests for one protocol -> $TMP/NAME.body, ID
create() {
    local body="{\"protocols\": [\"$2\"], \"expires_in\": ${3:-300}"
    [ "$2" = openid4vp-v1-redirect ] || body="$body, \"origin\": \"$ORIGIN\""
    req "$1" /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "$body}"
    ID=$(sed -n 's/^{"id": *"\([^"]*\)".*/\1/p' "$TMP/$1.body")
    [ "$STATUS" = 201 ] && [ -n "$ID" ] || bad "create $1 ($2): $STATUS $(cat "$TMP/$1.body")"
}

# answer NAME REQUEST PROTOCOL [wallet args...]: the wallet's answer to REQUEST -> $TMP/NAME.ans
answer() {
    local name=$1 request=$2 proto=$3
    shift 3
    "$M" wallet respond --request "$TMP/$request.body" --pki "$TMP/pki" --protocol "$proto" \
        --origin "$ORIGIN" "$@" >"$TMP/$name.ans" 2>"$TMP/$name.wallet.err" ||
        bad "wallet $name: $(cat "$TMP/$name.wallet.err")"
}

# post NAME REQUEST PROTOCOL [ANSWER]: POSTs $TMP/ANSWER.ans (default NAME) to REQUEST's
# response URL, without an API key; S = summ of the answer
post() {
    local url ans=${4:-$1} h=("${JSONH[@]}")
    url=$(sed -n 's/.*"response_url": *"\([^"]*\)".*/\1/p' "$TMP/$2.body")
    [ "$3" = openid4vp-v1-redirect ] && h=("${FORMH[@]}")
    req "$1" "$RESP_OP" POST "$url" "${h[@]}" --data-binary "@$TMP/$ans.ans"
    S=$(summ "$TMP/$1.body")
}

# get NAME ID: GET /v1/requests/ID with the API key; S = summ of the answer
get() {
    req "$1" "$GET_OP" GET "/v1/requests/$2" "${AUTH[@]}"
    S=$(summ "$TMP/$1.body")
}

# summ FILE: one line " key=value ... " about an answer (one python start per answer): valid,
# request_id, state, verdict (null/set), vvalid and redacted (of the stored verdict, or of the
# answer itself), fam (family_name), els (disclosed names), codes (every "code" and "error",
# comma-framed)
summ() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
codes = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("code", "error") and isinstance(x, str): codes.append(x)
            walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(j)
v = j["verdict"] if isinstance(j.get("verdict"), dict) else j
docs = v.get("documents") or [{}]
els = docs[0].get("elements", {}).get("org.iso.18013.5.1", {})
print(" valid=%s request_id=%s state=%s verdict=%s vvalid=%s redacted=%s fam=%s els=%s codes=,%s, "
      % (j.get("valid"), j.get("request_id"), j.get("state"),
         "null" if "verdict" in j and j["verdict"] is None else "set", v.get("valid"),
         v.get("redacted"), els.get("family_name"), ",".join(sorted(els)), ",".join(codes)))
' "$1" 2>/dev/null
}
has() { [[ $S == *" $1 "* ]]; }
code() { [[ $S == *codes=*",$1,"* ]]; }

ELS=age_over_21,birth_date,family_name,given_name,portrait
echo '{"response_url": "/v1/requests/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/response"}' >"$TMP/unknown.body"
for P in openid4vp-v1-unsigned org-iso-mdoc openid4vp-v1-redirect; do
    p=${P//-/_}
    # --- the happy path, single use, GET pending and completed (values once) ---
    create "$p-a" "$P"
    A=$ID
    get "$p-pend" "$A"
    check "$P: GET a new request: pending, no verdict" '[ "$STATUS" = 200 ] && has state=pending && has verdict=null'
    answer "$p-ok" "$p-a" "$P"
    post "$p-ok" "$p-a" "$P"
    check "$P: valid answer -> 200 valid verdict with request_id" '[ "$STATUS" = 200 ] && has valid=True && has request_id=$A'
    check "$P: the requested elements are disclosed, the others not" 'has els=$ELS'
    post "$p-again" "$p-a" "$P" "$p-ok"
    check "$P: the same answer again -> 409 STORE_CONFLICT" '[ "$STATUS" = 409 ] && code STORE_CONFLICT'
    get "$p-get1" "$A"
    check "$P: first GET: completed, valid verdict with element values" '[ "$STATUS" = 200 ] && has state=completed && has vvalid=True && has redacted=None && ! has fam=None && has els=$ELS'
    get "$p-get2" "$A"
    check "$P: second GET: redacted (names kept, values null)" '[ "$STATUS" = 200 ] && has redacted=True && has fam=None && has els=$ELS'

    # --- answers that must not verify ---
    create "$p-b" "$P"
    B=$ID
    create "$p-c" "$P"
    answer "$p-bound" "$p-b" "$P" --bind-to "$TMP/$p-c.body"
    post "$p-bound" "$p-b" "$P"
    if [ "$P" = org-iso-mdoc ]; then
        check "$P: answer made for another request -> 400 DECRYPT_FAILED (transcript = HPKE info)" '[ "$STATUS" = 400 ] && has codes=,DECRYPT_FAILED,'
    else
        check "$P: answer made for another request -> invalid, DEVICE_SIGNATURE_INVALID" '[ "$STATUS" = 200 ] && has valid=False && code DEVICE_SIGNATURE_INVALID'
    fi
    get "$p-boundget" "$B"
    check "$P: GET tells why that answer failed" 'has state=completed && has vvalid=False && { code DECRYPT_FAILED || code DEVICE_SIGNATURE_INVALID; }'
    if [ "$P" != openid4vp-v1-redirect ]; then
        answer "$p-origin" "$p-c" "$P" --origin https://evil.example
        post "$p-origin" "$p-c" "$P"
        if [ "$P" = org-iso-mdoc ]; then
            check "$P: answer made for another origin -> 400 DECRYPT_FAILED" '[ "$STATUS" = 400 ] && has codes=,DECRYPT_FAILED,'
        else
            check "$P: answer made for another origin -> invalid, DEVICE_SIGNATURE_INVALID" '[ "$STATUS" = 200 ] && has valid=False && code DEVICE_SIGNATURE_INVALID'
        fi
    fi
    create "$p-d" "$P"
    answer "$p-ct" "$p-d" "$P" --tamper ciphertext
    post "$p-ct" "$p-d" "$P"
    check "$P: a changed ciphertext byte -> 400 DECRYPT_*" '[ "$STATUS" = 400 ] && [[ $S == *codes=,DECRYPT_* ]]'
    create "$p-e" "$P"
    answer "$p-dig" "$p-e" "$P" --tamper digest
    post "$p-dig" "$p-e" "$P"
    check "$P: a changed element value -> invalid, MSO_DIGEST_MISMATCH" '[ "$STATUS" = 200 ] && has valid=False && code MSO_DIGEST_MISMATCH'
    post "$p-unknown" unknown "$P" "$p-ok"
    check "$P: unknown id -> 404 NOT_FOUND" '[ "$STATUS" = 404 ] && code NOT_FOUND'
    create "$p-x" "$P" 1
done

# --- as the web page calls it: both DC API protocols, only "digital", no --protocol ---
req both /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\"}"
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["digital"], open(sys.argv[2], "w"))' "$TMP/both.body" "$TMP/digital.body"
"$M" wallet respond --request "$TMP/digital.body" --pki "$TMP/pki" --origin "$ORIGIN" >"$TMP/both.ans" 2>"$TMP/both.err"
check "wallet: digital only, no --protocol: answers with the first protocol offered" '[ $? = 0 ] && grep -q "^{\"protocol\":\"openid4vp-v1-unsigned\"" $TMP/both.ans'
post both-ans both openid4vp-v1-unsigned both
check "... and that answer verifies" '[ "$STATUS" = 200 ] && has valid=True'

# --- CORS for the request's origin; answers the route refuses before or after consuming ---
create cors openid4vp-v1-unsigned
C=$ID
req pre1 "$RESP_OP" OPTIONS "/v1/requests/$C/response" -H "Origin: $ORIGIN" -H "Access-Control-Request-Method: POST"
check "preflight from the request's origin (not in cors_origins): 204 with Access-Control-Allow-Origin" '[ "$STATUS" = 204 ] && grep -qi "^Access-Control-Allow-Origin: $ORIGIN" $TMP/pre1.hdr && grep -qi "^Access-Control-Allow-Headers:.*Content-Type" $TMP/pre1.hdr'
req pre2 "$RESP_OP" OPTIONS "/v1/requests/$C/response" -H "Origin: https://evil.example" -H "Access-Control-Request-Method: POST"
check "preflight from another origin: 403, no CORS headers" '[ "$STATUS" = 403 ] && ! grep -qi "^Access-Control-Allow-Origin" $TMP/pre2.hdr'
req media "$RESP_OP" POST "/v1/requests/$C/response" -H "Content-Type: text/plain" -d x
check "answer as text/plain -> 415, request not used up" '[ "$STATUS" = 415 ] && grep -q UNSUPPORTED_MEDIA_TYPE $TMP/media.body'
req plain "$RESP_OP" POST "/v1/requests/$C/response" "${JSONH[@]}" -d '{"protocol": "openid4vp-v1-unsigned", "data": {"vp_token": {"mdl": ["oWF4AQ"]}}}'
S=$(summ "$TMP/plain.body")
check "plaintext vp_token -> 400 RESPONSE_NOT_ENCRYPTED" '[ "$STATUS" = 400 ] && code RESPONSE_NOT_ENCRYPTED'
create mism openid4vp-v1-unsigned
answer mism-ans mism openid4vp-v1-unsigned
sed 's/"openid4vp-v1-unsigned"/"org-iso-mdoc"/' "$TMP/mism-ans.ans" >"$TMP/mism-post.ans"
post mism-post mism openid4vp-v1-unsigned
check "an answer for a protocol the request did not offer -> 400 RESPONSE_PROTOCOL_MISMATCH" '[ "$STATUS" = 400 ] && code RESPONSE_PROTOCOL_MISMATCH'
create cors2 openid4vp-v1-unsigned
answer cors2-ans cors2 openid4vp-v1-unsigned
req cors2-post "$RESP_OP" POST "$(sed -n 's/.*"response_url": *"\([^"]*\)".*/\1/p' "$TMP/cors2.body")" "${JSONH[@]}" -H "Origin: $ORIGIN" --data-binary "@$TMP/cors2-ans.ans"
check "the answer from the request's origin carries Access-Control-Allow-Origin" '[ "$STATUS" = 200 ] && grep -qi "^Access-Control-Allow-Origin: $ORIGIN" $TMP/cors2-post.hdr'

# --- expiry (the three requests above were created with expires_in 1) ---
sleep 2
for P in openid4vp-v1-unsigned org-iso-mdoc openid4vp-v1-redirect; do
    p=${P//-/_}
    answer "$p-late" "$p-x" "$P"
    post "$p-late" "$p-x" "$P"
    check "$P: answer after expiry -> 410 STORE_EXPIRED" '[ "$STATUS" = 410 ] && code STORE_EXPIRED'
    get "$p-xget" "$(sed -n 's/^{"id": *"\([^"]*\)".*/\1/p' "$TMP/$p-x.body")"
    check "$P: GET an expired request: expired, no verdict" '[ "$STATUS" = 200 ] && has state=expired && has verdict=null'
done

# --- API keys: the response route needs none (every answer above was posted without one) ---
req noauth1 /v1/requests POST /v1/requests "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\"}"
check "POST /v1/requests without an API key -> 401" '[ "$STATUS" = 401 ] && grep -q AUTH_REQUIRED $TMP/noauth1.body'
req noauth2 "$GET_OP" GET "/v1/requests/$A" -H "Authorization: Bearer wrong"
check "GET /v1/requests/{id} with a wrong API key -> 401" '[ "$STATUS" = 401 ] && grep -q AUTH_REQUIRED $TMP/noauth2.body'
req badjson /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d '{"origin": '
check "POST /v1/requests with broken JSON -> 400 JSON_MALFORMED" '[ "$STATUS" = 400 ] && grep -q JSON_MALFORMED $TMP/badjson.body'
req noorigin /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d '{}'
check "POST /v1/requests without origin for the DC API -> 400 REQUEST_INVALID" '[ "$STATUS" = 400 ] && grep -q REQUEST_INVALID $TMP/noorigin.body'
# --- jurisdictions: one without a usable mDL gets the fallback instead of a request ---
req jur_tx /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\", \"jurisdiction\": \"TX\"}"
check "jurisdiction TX (no program) -> 200 mdl_available false with the fallback" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/jur_tx.body "(j[\"mdl_available\"], j[\"jurisdiction\"], j[\"fallback\"][\"action\"], \"id\" in j)")" = "(False, '"'"'US-TX'"'"', '"'"'alternative-verification'"'"', False)" ]'
req jur_ca /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\", \"jurisdiction\": \"California\"}"
check "jurisdiction California (live) -> 201, a request" '[ "$STATUS" = 201 ] && grep -q "\"id\"" $TMP/jur_ca.body'
req jur_bad /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\", \"jurisdiction\": \"Atlantis\"}"
check "jurisdiction Atlantis -> 400 REQUEST_INVALID" '[ "$STATUS" = 400 ] && grep -q REQUEST_INVALID $TMP/jur_bad.body'
get getunknown AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
check "GET an unknown request -> 404 NOT_FOUND" '[ "$STATUS" = 404 ] && code NOT_FOUND'

# --- answers checked against what was asked: doctype, over-disclosure, withheld elements ---
MISSING='[(m["namespace"], m["element"]) for m in j["documents"][0]["missing_elements"]]'
for P in openid4vp-v1-unsigned org-iso-mdoc openid4vp-v1-redirect; do
    p=${P//-/_}
    check "$P: a complete answer lists no missing_elements" '[ "$(json_get $TMP/$p-ok.body "$MISSING")" = "[]" ]'
    create "$p-dtq" "$P"
    answer "$p-dt" "$p-dtq" "$P" --doctype org.iso.23220.photoid.1
    post "$p-dt" "$p-dtq" "$P"
    check "$P: a document of another doctype -> invalid, RESPONSE_DOCTYPE_UNEXPECTED" '[ "$STATUS" = 200 ] && has valid=False && code RESPONSE_DOCTYPE_UNEXPECTED'
    create "$p-overq" "$P"
    answer "$p-over" "$p-overq" "$P" --disclose document_number
    post "$p-over" "$p-overq" "$P"
    check "$P: an element not asked for -> invalid, ELEMENT_NOT_REQUESTED naming it" '[ "$STATUS" = 200 ] && has valid=False && [ "$(json_get $TMP/$p-over.body "[(e[\"code\"], e.get(\"namespace\"), e.get(\"element\")) for e in j[\"documents\"][0][\"errors\"]]")" = "[('"'"'ELEMENT_NOT_REQUESTED'"'"', '"'"'org.iso.18013.5.1'"'"', '"'"'document_number'"'"')]" ]'
    check "$P: ... and the error does not carry the value" '[ "$(json_get $TMP/$p-over.body "\"D1234567\" in json.dumps(j[\"documents\"][0][\"errors\"])")" = False ]'
    create "$p-whq" "$P"
    answer "$p-wh" "$p-whq" "$P" --withhold portrait --withhold age_over_21
    post "$p-wh" "$p-whq" "$P"
    check "$P: requested elements withheld -> valid, listed in missing_elements" '[ "$STATUS" = 200 ] && has valid=True && has els=birth_date,family_name,given_name && [ "$(json_get $TMP/$p-wh.body "$MISSING")" = "[('"'"'org.iso.18013.5.1'"'"', '"'"'portrait'"'"'), ('"'"'org.iso.18013.5.1'"'"', '"'"'age_over_21'"'"')]" ]'
done

# --- body limits: 16 KiB to create a request, the configured max_body (1 MiB) for answers ---
python3 -c 'import json; print(json.dumps({"origin": "https://app.example", "client_id": "x" * 17000}))' >"$TMP/big-create.json"
req bigcreate /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" --data-binary "@$TMP/big-create.json"
check "POST /v1/requests with a 17 KB body -> 413 LIMIT_BODY_SIZE" '[ "$STATUS" = 413 ] && grep -q LIMIT_BODY_SIZE $TMP/bigcreate.body'
create bigans org-iso-mdoc
python3 -c 'print("{\"protocol\": \"org-iso-mdoc\", \"data\": {\"response\": \"" + "A" * 200000 + "\"}}")' >"$TMP/bigans-post.ans"
post bigans-post bigans org-iso-mdoc
check "a 200 KB answer is read whole (400 DECRYPT_MALFORMED, not 413)" '[ "$STATUS" = 400 ] && code DECRYPT_MALFORMED'

# --- the wallet refuses what it cannot answer ---
"$M" wallet respond --request "$TMP/openid4vp_v1_unsigned-a.body" --pki "$TMP/pki" --protocol org-iso-mdoc --origin "$ORIGIN" >/dev/null 2>"$TMP/w.err"
check "wallet: a protocol the request does not offer -> exit 2" '[ $? = 2 ] && grep -q "offers no org-iso-mdoc" $TMP/w.err'

stop_server "$MAIN"
check "SIGTERM: exit 0" '[ "$RC" = 0 ]'

# --- OpenAPI: every answer on these paths matches the document, every documented one seen ---
python3 "$ROOT/tests/support/openapi_check.py" --only /v1/requests "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
rc=$?
cat "$TMP/oa.txt"
check "responses match web/openapi.yaml" '[ $rc = 0 ]'
finish
