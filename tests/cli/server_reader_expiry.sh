#!/usr/bin/env bash
# The service's own reader certificate outside its validity (README "Signed requests"):
# `mdlgate serve` refuses to start with an expired or not-yet-valid one (the message names the
# window), and when the certificate expires while the service runs, POST /v1/requests for a
# signed protocol answers 503 READER_CERT_INVALID instead of requests no wallet would accept,
# while openid4vp-v1-unsigned still works. A renewed certificate and SIGHUP bring it back.
# /metrics reports the certificate's expiry. The answers are checked against web/openapi.yaml.
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"

DAY=86400
utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(date +%s)
LIFE=8   # seconds the short-lived certificate has left once made
"$M" issue reader --out "$TMP/old" --dns rp.example --days 1 --at "$(utc $((now - 2 * DAY)))" \
    2>"$TMP/old.err" || bad "issue reader (expired): $(cat "$TMP/old.err")"
"$M" issue reader --out "$TMP/future" --dns rp.example --days 1 --at "$(utc $((now + 2 * DAY)))" \
    2>/dev/null || bad "issue reader (not yet valid)"
"$M" issue reader --out "$TMP/new" --dns rp.example 2>/dev/null || bad "issue reader (fresh)"

# conf NAME DIR: a config with DIR's reader key and certificate
conf() {
    printf '{"reader_key_file": "%s/reader-auth.key.pem", "reader_cert_file": "%s/reader-auth.pem"}\n' \
        "$2" "$2" >"$TMP/$1.json.tmp" && mv "$TMP/$1.json.tmp" "$TMP/$1.json"
}
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")

# --- refused at start ---
for c in old future; do
    conf "$c" "$TMP/$c"
    env MDLGATE_DATA_DIR="$TMP/var-$c" "${SERVER_ENV[@]}" timeout 20 \
        "$M" serve --listen 127.0.0.1:0 --config "$TMP/$c.json" >"$TMP/$c.out" 2>"$TMP/$c.log"
    RC=$?
    check "a reader certificate $c: serve refuses to start (exit 2)" '[ $RC = 2 ]'
done
check "the message says expired, names READER_CERT_INVALID and the window" \
    'grep -q "READER_CERT_INVALID (the reader certificate has expired: valid from $(utc $((now - 3 * DAY)) | cut -c1-10)" $TMP/old.log'
check "a not-yet-valid one is named as such" 'grep -q "the reader certificate is not valid yet" $TMP/future.log'

# --- expires while running ---
t=$(date +%s)
"$M" issue reader --out "$TMP/short" --dns rp.example --days 1 --at "$(utc $((t - DAY + LIFE)))" \
    2>/dev/null || bad "issue reader (short-lived)"
conf live "$TMP/short"
start_server live --config "$TMP/live.json" || finish
AUTH=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
# create NAME PROTOCOLS [OP]: POST /v1/requests (recorded for the OpenAPI check unless OP is "")
create() { req "$1" "${3-/v1/requests}" POST /v1/requests "${AUTH[@]}" -d "{\"origin\": \"https://app.example\", \"protocols\": $2}"; }
create before '["openid4vp-v1-signed", "openid4vp-v1-redirect"]'
if [ $(($(date +%s) - t)) -ge "$LIFE" ]; then   # too slow to see the certificate valid
    stop_server "$PID"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ] || exit 1
    echo "skip: the machine took over $LIFE s to start the server and make one request"
    exit 77
fi
check "while the certificate is valid a signed request is made (201)" '[ "$STATUS" = 201 ]'
req metrics "" GET /metrics
NA=$(openssl x509 -enddate -noout -in "$TMP/short/reader-auth.pem" 2>/dev/null | cut -d= -f2)
check "/metrics: mdlgate_reader_cert_expiry_timestamp_seconds is the certificate's notAfter" \
    'grep -qx "mdlgate_reader_cert_expiry_timestamp_seconds $(date -u -d "$NA" +%s)" $TMP/metrics.body'
expired() { create probe '["openid4vp-v1-signed"]' ""; [ "$STATUS" = 503 ]; }
wait_for $((LIFE + 20)) expired
create after '["openid4vp-v1-signed"]'
check "after it expires: 503" '[ "$STATUS" = 503 ]'
check "with code READER_CERT_INVALID and the reason" \
    '[ "$(json_get $TMP/after.body "j[\"error\"]")" = READER_CERT_INVALID ] && grep -q "has expired" $TMP/after.body'
for P in org-iso-mdoc openid4vp-v1-redirect; do
    create "p-$P" "[\"$P\"]"
    check "$P (signed with a reader key): 503 too" '[ "$STATUS" = 503 ]'
done
req ro-after /v1/requests/{id}/request-object GET "/v1/requests/$(json_get $TMP/before.body 'j["id"]')/request-object"
check "the redirect request object made before: 503 READER_CERT_INVALID when fetched after" \
    '[ "$STATUS" = 503 ] && grep -q READER_CERT_INVALID $TMP/ro-after.body'
create unsigned '["openid4vp-v1-unsigned"]'
check "openid4vp-v1-unsigned needs no certificate: still 201" '[ "$STATUS" = 201 ]'

# --- renewed ---
conf live "$TMP/new"
kill -HUP "$PID"
renewed() { create probe '["openid4vp-v1-signed"]' ""; [ "$STATUS" = 201 ]; }
wait_for 20 renewed
create renewed '["openid4vp-v1-signed"]'
check "a renewed certificate and SIGHUP: signed requests again (201)" '[ "$STATUS" = 201 ]'
stop_server "$PID"
python3 "$ROOT/tests/support/openapi_check.py" --only /v1/requests --observed-only \
    --observer tests/cli/server_reader_expiry.sh \
    "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
rc=$?
check "the answers (201, 503) match web/openapi.yaml" '[ $rc = 0 ] || { cat $TMP/oa.txt; false; }'
finish
