#!/usr/bin/env bash
# mdlgate serve, end to end on an ephemeral loopback port: every endpoint, the error answers
# (401, 404, 405, 413, 415, 400 for bad JSON/CBOR/transcript), /v1/verify valid and tampered
# in both body forms, /v1/coverage[/{code}] and the verdict's coverage entry, CORS, static
# files without traversal, the request log (JSON lines, no element values or keys), and every
# answer checked against web/openapi.yaml (tests/support/openapi_check.py; /v1/requests is
# server_requests.sh's part, /v1/screenings and /v1/clusters
# server_screenings.sh's). Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3-yaml not installed"; exit 77; }

# --- fixtures: PKI, presentations, config, web dir ---
issue good || exit 1
issue tampered --tamper digest || exit 1
issue wrongtx --tamper wrong-transcript || exit 1
cat >"$TMP/tx.json" <<'EOF'
{"profile": "openid4vp-1.0-dcapi", "origin": "https://app.example", "nonce": "n-0123456789"}
EOF
"$M" issue -q --pki "$TMP/pki" --transcript "$TMP/tx.json" --out "$TMP/dcapi.cbor" || bad "issue dcapi"
mkdir -p "$TMP/web" "$TMP/conf"
cp "$ROOT/web/openapi.yaml" "$TMP/web/"
echo '<!doctype html><title>t</title>' >"$TMP/web/index.html"
echo 'secret' >"$TMP/web/.hidden.txt"
echo 'outside' >"$TMP/outside.txt"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
FILEKEY=file-key-$RANDOM$RANDOM
cat >"$TMP/conf/config.json" <<EOF
{"anchors": ["iaca.pem"], "web_dir": "$TMP/web", "cors_origins": ["https://app.example"],
 "api_key_sha256": ["$(printf %s "$FILEKEY" | sha256sum | cut -c1-64)"]}
EOF

SERVER_ENV=(MDLGATE_API_KEYS="other-key,$KEY")
start_server main --config "$TMP/conf/config.json" || finish
MAIN=$PID MAIN_URL=$URL
AUTH=(-H "Authorization: Bearer $KEY")
CBOR=(-H "Content-Type: application/cbor")
JSONH=(-H "Content-Type: application/json")

# --- liveness, readiness, metrics, OpenAPI, static files ---
req health /healthz GET /healthz
check "GET /healthz 200" '[ "$STATUS" = 200 ] && grep -q "\"ok\"" $TMP/health.body'
req ready /readyz GET /readyz
check "GET /readyz 200 with one anchor" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/ready.body "j[\"trust_anchors\"]")" = 1 ]'
req openapi /openapi.yaml GET /openapi.yaml
check "GET /openapi.yaml is web/openapi.yaml" '[ "$STATUS" = 200 ] && cmp -s $TMP/openapi.body $ROOT/web/openapi.yaml'
# the coverage page's map: compiled in when the build made build/gen/us_map.inc (npm us-atlas)
OA_MAP=()
if [ -f "$ROOT/build/gen/us_map.inc" ]; then
    req usmap /us-map.json GET /us-map.json
    check "GET /us-map.json: the compiled-in map, 56 shapes, cacheable" \
        '[ "$STATUS" = 200 ] && [ "$CTYPE" = application/json ] && [ "$(json_get $TMP/usmap.body "len({s[\"code\"] for s in j[\"shapes\"]})")" = 56 ] && ! grep -qi "cache-control: no-store" $TMP/usmap.hdr'
else
    OA_MAP=(--skip /us-map.json)
    req usmap "" GET /us-map.json
    check "GET /us-map.json 404 NOT_FOUND: this build has no map" '[ "$STATUS" = 404 ] && grep -q NOT_FOUND $TMP/usmap.body'
fi
req index / GET /
check "GET / serves index.html as text/html" '[ "$STATUS" = 200 ] && [[ $CTYPE == text/html* ]] && grep -q doctype $TMP/index.body'
req index2 "" GET /index.html
check "GET /index.html 200" '[ "$STATUS" = 200 ]'
req missing / GET /missing.html
check "GET /missing.html 404 NOT_FOUND" '[ "$STATUS" = 404 ] && grep -q NOT_FOUND $TMP/missing.body'
for p in /../outside.txt /%2e%2e/outside.txt /.hidden.txt /web/../../outside.txt //etc/passwd /index.html/ /a%00.html; do
    req trav "" GET "$p" --path-as-is
    check "GET $p is 404 (no traversal, no hidden files)" '[ "$STATUS" = 404 ] && ! grep -q -e secret -e outside -e root: $TMP/trav.body'
done

# --- routing and auth ---
req nf "" GET /v1/nothing-here "${AUTH[@]}"
check "GET /v1/nothing-here 404" '[ "$STATUS" = 404 ] && grep -q NOT_FOUND $TMP/nf.body'
req nf2 "" POST /nothing "${AUTH[@]}"
check "POST /nothing 404" '[ "$STATUS" = 404 ]'
req m405 /v1/verify GET /v1/verify "${AUTH[@]}"
check "GET /v1/verify 405 with Allow: POST" '[ "$STATUS" = 405 ] && grep -qi "^Allow: POST" $TMP/m405.hdr && grep -q METHOD_NOT_ALLOWED $TMP/m405.body'
req m405b "" DELETE /healthz
check "DELETE /healthz 405" '[ "$STATUS" = 405 ]'
req noauth /v1/verify POST /v1/verify "${CBOR[@]}" --data-binary @"$TMP/good.cbor"
check "no API key: 401 AUTH_REQUIRED" '[ "$STATUS" = 401 ] && grep -q AUTH_REQUIRED $TMP/noauth.body && grep -qi "^WWW-Authenticate: Bearer" $TMP/noauth.hdr'
req wrongauth /v1/verify POST /v1/verify "${CBOR[@]}" -H "Authorization: Bearer $KEY-x" --data-binary @"$TMP/good.cbor"
check "wrong API key: 401, same body as no key (no hint)" '[ "$STATUS" = 401 ] && cmp -s $TMP/noauth.body $TMP/wrongauth.body'
req basic "" POST /v1/verify "${CBOR[@]}" -H "Authorization: Basic $KEY" --data-binary @"$TMP/good.cbor"
check "non-Bearer scheme: 401" '[ "$STATUS" = 401 ]'
req filekey "" POST "/v1/verify?transcript_hex=$TH" "${CBOR[@]}" -H "Authorization: Bearer $FILEKEY" --data-binary @"$TMP/good.cbor"
check "key from the config file (stored as SHA-256) accepted" '[ "$STATUS" = 200 ]'

# --- /v1/verify ---
req v1 /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/good.cbor"
check "CBOR body, transcript in query: 200 valid" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/v1.body "j[\"valid\"]")" = True ]'
req v2 /v1/verify POST /v1/verify "${AUTH[@]}" "${CBOR[@]}" -H "X-Transcript-Hex: $TH" --data-binary @"$TMP/good.cbor"
check "CBOR body, X-Transcript-Hex: 200 valid" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/v2.body "j[\"valid\"]")" = True ]'
req v3 /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/tampered.cbor"
check "tampered: 200, valid false, MSO_DIGEST_MISMATCH" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/v3.body "j[\"valid\"]")" = False ] && grep -q MSO_DIGEST_MISMATCH $TMP/v3.body'
req v4 /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/wrongtx.cbor"
check "signed over another transcript: invalid, DEVICE_SIGNATURE_INVALID" '[ "$STATUS" = 200 ] && grep -q DEVICE_SIGNATURE_INVALID $TMP/v4.body'
printf '{"device_response": "%s", "transcript_hex": "%s"}' "$(b64url "$TMP/good.cbor")" "$TH" >"$TMP/j1.json"
req j1 /v1/verify POST /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary @"$TMP/j1.json"
check "JSON body with transcript_hex: 200 valid" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/j1.body "j[\"valid\"]")" = True ]'
printf '{"device_response": "%s", "transcript": %s, "policy": "lenient"}' "$(b64url "$TMP/dcapi.cbor")" "$(cat "$TMP/tx.json")" >"$TMP/j2.json"
req j2 /v1/verify POST /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary @"$TMP/j2.json"
check "JSON body with a transcript profile: 200 valid, policy lenient" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/j2.body "j[\"valid\"], j[\"policy\"]")" = "(True, '"'"'lenient'"'"')" ]'
sed 's/n-0123456789/n-other-nonce/' "$TMP/j2.json" >"$TMP/j3.json"
req j3 /v1/verify POST /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary @"$TMP/j3.json"
check "JSON body, another nonce: 200 invalid" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/j3.body "j[\"valid\"]")" = False ]'
printf '{"device_response": "%s", "transcript_hex": "%s", "at": "2040-01-01T00:00:00Z"}' "$(b64url "$TMP/good.cbor")" "$TH" >"$TMP/j4.json"
req j4 /v1/verify POST /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary @"$TMP/j4.json"
check "JSON body, at 2040: invalid (expired)" '[ "$STATUS" = 200 ] && grep -q -e EXPIRED $TMP/j4.body && [ "$(json_get $TMP/j4.body "j[\"verified_at\"]")" = 2040-01-01T00:00:00Z ]'

# --- 400 / 413 / 415 ---
bad400() { # NAME CODE DESCRIPTION curl-args...
    local name=$1 code=$2 what=$3
    shift 3
    req "$name" /v1/verify POST "$@"
    check "$what: 400 $code" '[ "$STATUS" = 400 ] && [ "$(json_get $TMP/$name.body "j[\"error\"]")" = '"$code"' ]'
}
bad400 e1 JSON_MALFORMED "truncated JSON" /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary '{"device_response": '
bad400 e2 JSON_MALFORMED "JSON with a repeated key" /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary '{"at": "x", "at": "y"}'
bad400 e3 REQUEST_INVALID "JSON with an unknown member" /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary '{"device_response": "oA", "ssn": "1"}'
bad400 e4 REQUEST_INVALID "device_response not base64url" /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary "{\"device_response\": \"***\", \"transcript_hex\": \"$TH\"}"
bad400 e5 TRANSCRIPT_MISSING "no transcript" /v1/verify "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/good.cbor"
bad400 e6 TRANSCRIPT_MALFORMED "transcript_hex not hex" "/v1/verify?transcript_hex=zz" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/good.cbor"
bad400 e7 TRANSCRIPT_PROFILE_UNKNOWN "unknown transcript profile" /v1/verify "${AUTH[@]}" "${JSONH[@]}" --data-binary '{"device_response": "oA", "transcript": {"profile": "nope"}}'
head -c 100 "$TMP/good.cbor" >"$TMP/trunc.cbor"
req e8 /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/trunc.cbor"
check "truncated CBOR: 400 with a CBOR_ code" '[ "$STATUS" = 400 ] && grep -q "\"CBOR_" $TMP/e8.body'
bad400 e8b CBOR_TRUNCATED "empty CBOR body" "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary ''
printf '\xff\xff\xff' >"$TMP/junk.cbor"
req e9 /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/junk.cbor"
check "junk CBOR: 400 with a CBOR_ code" '[ "$STATUS" = 400 ] && grep -q "\"CBOR_" $TMP/e9.body'
bad400 e10 REQUEST_INVALID "bad at" "/v1/verify?transcript_hex=$TH&at=yesterday" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/good.cbor"
req e11 /v1/verify POST /v1/verify "${AUTH[@]}" -H "Content-Type: text/plain" --data-binary 'hello'
check "text/plain body: 415 UNSUPPORTED_MEDIA_TYPE" '[ "$STATUS" = 415 ] && grep -q UNSUPPORTED_MEDIA_TYPE $TMP/e11.body'
head -c $((1024 * 1024 + 1)) /dev/zero >"$TMP/big.bin"
req big /v1/verify POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" --data-binary @"$TMP/big.bin"
check "1 MiB + 1 body (Content-Length): 413 LIMIT_BODY_SIZE" '[ "$STATUS" = 413 ] && grep -q LIMIT_BODY_SIZE $TMP/big.body'
req bigc "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" -H "Transfer-Encoding: chunked" --data-binary @"$TMP/big.bin"
check "1 MiB + 1 body (chunked, counted during upload): 413" '[ "$STATUS" = 413 ] && grep -q LIMIT_BODY_SIZE $TMP/bigc.body'
req bigget "" GET /healthz --data-binary 'x' -X GET
check "a body on a route that takes none: 413" '[ "$STATUS" = 413 ]'

# --- CORS ---
req pre /v1/verify OPTIONS /v1/verify -H "Origin: https://app.example" -H "Access-Control-Request-Method: POST"
check "preflight from a configured origin: 204 with CORS headers" '[ "$STATUS" = 204 ] && grep -qi "^Access-Control-Allow-Origin: https://app.example" $TMP/pre.hdr && grep -qi "^Access-Control-Allow-Methods: POST" $TMP/pre.hdr && grep -qi "Access-Control-Allow-Headers:.*Authorization" $TMP/pre.hdr'
req pre2 /v1/verify OPTIONS /v1/verify -H "Origin: https://evil.example" -H "Access-Control-Request-Method: POST"
check "preflight from another origin: 403 ORIGIN_NOT_ALLOWED, no CORS headers" '[ "$STATUS" = 403 ] && ! grep -qi "^Access-Control-Allow-Origin" $TMP/pre2.hdr'
req cors1 "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" -H "Origin: https://app.example" --data-binary @"$TMP/good.cbor"
check "POST from a configured origin carries Access-Control-Allow-Origin" '[ "$STATUS" = 200 ] && grep -qi "^Access-Control-Allow-Origin: https://app.example" $TMP/cors1.hdr'
req cors2 "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" "${CBOR[@]}" -H "Origin: https://evil.example" --data-binary @"$TMP/good.cbor"
check "POST from another origin has no Access-Control-Allow-Origin" '! grep -qi "^Access-Control-Allow-Origin" $TMP/cors2.hdr'

# --- /v1/coverage: the table and one jurisdiction, the same JSON as `mdlgate coverage` ---
"$M" coverage >"$TMP/cov-cli.json" || bad "mdlgate coverage"
req cov0 /v1/coverage GET /v1/coverage
check "GET /v1/coverage without a key: 401" '[ "$STATUS" = 401 ] && grep -q AUTH_REQUIRED $TMP/cov0.body'
req cov /v1/coverage GET /v1/coverage "${AUTH[@]}"
check "GET /v1/coverage: 200, 56 jurisdictions, the same JSON as mdlgate coverage" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/cov.body "len(j[\"jurisdictions\"]), j == json.load(open(\"$TMP/cov-cli.json\"))")" = "(56, True)" ]'
for q in CA US-CA California us-ca california; do
    req "cov-$q" "/v1/coverage/{code}" GET "/v1/coverage/$q" "${AUTH[@]}"
    check "GET /v1/coverage/$q: 200, the US-CA entry of mdlgate coverage" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/cov-$q.body "j == [e for e in json.load(open(\"$TMP/cov-cli.json\"))[\"jurisdictions\"] if e[\"code\"] == \"US-CA\"][0]")" = True ]'
done
req cov-ny "/v1/coverage/{code}" GET "/v1/coverage/New%20York" "${AUTH[@]}"
check "GET /v1/coverage/New%20York: the US-NY entry" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/cov-ny.body "j[\"code\"]")" = US-NY ]'
req cov-pr "/v1/coverage/{code}" GET "/v1/coverage/PR" "${AUTH[@]}"
check "GET /v1/coverage/PR: a territory" '[ "$STATUS" = 200 ] && [ "$(json_get $TMP/cov-pr.body "j[\"code\"] + \" \" + j[\"kind\"]")" = "US-PR territory" ]'
for q in XX ZZ US-XX Atlantis US; do
    req cov-bad "/v1/coverage/{code}" GET "/v1/coverage/$q" "${AUTH[@]}"
    check "GET /v1/coverage/$q: 404 NOT_FOUND naming it and what is accepted" '[ "$STATUS" = 404 ] && [ "$(json_get $TMP/cov-bad.body "j[\"error\"]")" = NOT_FOUND ] && grep -q "unknown jurisdiction .$q.*US-CA" $TMP/cov-bad.body'
done
req cov-auth "/v1/coverage/{code}" GET /v1/coverage/CA
check "GET /v1/coverage/CA without a key: 401" '[ "$STATUS" = 401 ]'
req cov-405 "" POST /v1/coverage "${AUTH[@]}"
check "POST /v1/coverage: 405, Allow: GET, HEAD" '[ "$STATUS" = 405 ] && grep -qi "^Allow: GET, HEAD" $TMP/cov-405.hdr'
req cov-deep "" GET /v1/coverage/CA/x "${AUTH[@]}"
check "GET /v1/coverage/CA/x: 404" '[ "$STATUS" = 404 ]'
check "the US-CA verdict carries the brief form of the US-CA coverage entry" '[ "$(json_get $TMP/v1.body "j[\"documents\"][0][\"jurisdiction\"] + \" \" + str(all(json.load(open(\"$TMP/cov-CA.body\"))[k] == v for k, v in j[\"documents\"][0][\"coverage\"].items()) and j[\"documents\"][0][\"coverage\"][\"mdl_status\"] == \"live\")")" = "US-CA True" ]'

# --- keep-alive: two requests on one connection ---
out=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$URL/healthz" "$URL/healthz")
check "keep-alive: the second request reuses the connection" '[ "$out" = "1 0 " ]'

# --- metrics ---
req met /metrics GET /metrics
check "metrics: requests by route and status" 'grep -q "^mdlgate_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"401\"} [1-9]" $TMP/met.body && grep -q "^mdlgate_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} [1-9]" $TMP/met.body'
check "metrics: verification latency histogram" 'grep -q "^mdlgate_verify_duration_seconds_bucket{le=\"+Inf\"} [1-9]" $TMP/met.body && grep -q "^mdlgate_verify_duration_seconds_count [1-9]" $TMP/met.body'
check "metrics: verdicts by error code" 'grep -q "^mdlgate_verdict_errors_total{code=\"MSO_DIGEST_MISMATCH\"} [1-9]" $TMP/met.body && grep -q "^mdlgate_verdicts_total{valid=\"true\"} [1-9]" $TMP/met.body'
check "metrics: active connections gauge" 'grep -q "^mdlgate_http_active_connections [0-9]" $TMP/met.body'

# --- a server without anchors is not ready ---
start_server empty || finish
req notready /readyz GET /readyz
check "GET /readyz without anchors: 503 NOT_READY" '[ "$STATUS" = 503 ] && grep -q NOT_READY $TMP/notready.body'
stop_server "$PID"
URL=$MAIN_URL

# --- the request log ---
python3 - "$TMP/main.log" >"$TMP/logcheck" 2>&1 <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    j = json.loads(line)                   # every line is one JSON object
    if "event" in j:
        continue
    missing = {"time", "method", "route", "status", "latency_ms"} - set(j)
    assert not missing, (missing, line)
    n += 1
assert n >= 40, n
print("requests logged:", n)
EOF
check "log: one JSON line per request with time, method, route, status, latency_ms" '[ $? = 0 ]'
check "log: routes are patterns (/*), not raw paths" 'grep -q "\"route\":\"/\*\"" $TMP/main.log && ! grep -q -e outside -e missing.html $TMP/main.log'
check "log: verdict codes logged" 'grep -q "\"verdict\":\"MSO_DIGEST_MISMATCH\"" $TMP/main.log && grep -q "\"verdict\":\"valid\"" $TMP/main.log'
fam=$(json_get "$TMP/v1.body" 'j["documents"][0]["elements"]["org.iso.18013.5.1"]["family_name"]')
num=$(json_get "$TMP/v1.body" 'j["documents"][0]["elements"]["org.iso.18013.5.1"]["document_number"]')
check "log: no element values ($fam, $num), no API keys" '[ -n "$fam" ] && [ -n "$num" ] && ! grep -q -e "$fam" -e "$num" -e "$KEY" -e "$FILEKEY" $TMP/main.log'

stop_server "$MAIN"
check "SIGTERM: exit 0" '[ "$RC" = 0 ]'

# --- OpenAPI: every answer matches the document, every documented answer was seen ---
python3 "$ROOT/tests/support/openapi_check.py" --skip /v1/requests --skip /v1/screenings --skip /v1/clusters "${OA_MAP[@]}" "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
rc=$?
cat "$TMP/oa.txt"
check "responses match web/openapi.yaml" '[ $rc = 0 ]'
# the check must be able to fail: a coverage entry with an undocumented status is refused
python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); j["mdl_status"] = "alive"; json.dump(j, open(sys.argv[2], "w"))' "$TMP/cov-CA.body" "$TMP/cov-alive.json"
printf '{"op":"/v1/coverage/{code}","method":"GET","status":200,"content_type":"application/json","body":"%s"}\n' "$TMP/cov-alive.json" >"$TMP/obs-bad.jsonl"
python3 "$ROOT/tests/support/openapi_check.py" "$ROOT/web/openapi.yaml" "$TMP/obs-bad.jsonl" >"$TMP/oa-bad.txt" 2>&1
rc=$?
check "the OpenAPI check refuses a coverage entry with mdl_status 'alive'" '[ $rc = 1 ] && grep -q "mdl_status: .alive. not in" $TMP/oa-bad.txt'
finish
