#!/usr/bin/env bash
# mdlgate serve's request log, which gathers lines in a buffer (src/api/reqlog.c):
#  - 300 verifications on 30 parallel connections: once they are done, every one has its
#    line, each line is one whole JSON object (none cut or interleaved), events included;
#  - while a slow upload keeps a request in flight (so the buffer is not written on idle),
#    a quick request's line still appears within a second (the flusher thread);
#  - SIGTERM with that slow request in flight: after the drain and exit 0, its line is there;
#  - the default connection memory holds a transcript_hex of the largest size accepted in
#    the query (answered 400 TRANSCRIPT_MALFORMED, not 414).
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"

issue good || exit 1
echo '{"per_ip_connection_limit": 0}' >"$TMP/config.json"
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server main --config "$TMP/config.json" --anchor "$TMP/pki/iaca.pem" || finish
AUTH=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/cbor")
LOG=$TMP/main.log

# lines NAME: checks every line of the log is a JSON object; prints how many /v1/verify
# requests with status 200 and verdict "valid" it holds (or "bad" on a broken line)
lines() {
    python3 - "$LOG" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    try:
        j = json.loads(line)
    except ValueError:
        print("bad"); sys.exit(0)
    if not isinstance(j, dict):
        print("bad"); sys.exit(0)
    if j.get("route") == "/v1/verify" and j.get("status") == 200 and j.get("verdict") == "valid":
        n += 1
print(n)
EOF
}

# --- a burst: every line, whole ---
curl -s -Z --parallel-max 30 --parallel-immediate --max-time 60 "${AUTH[@]}" \
    --data-binary @"$TMP/good.cbor" -w '%{http_code}\n' -o /dev/null \
    "$URL/v1/verify?transcript_hex=$TH&n=[1-300]" >"$TMP/burst.codes" 2>/dev/null
check "burst: 300 answers 200" '[ "$(grep -c "^200$" $TMP/burst.codes)" = 300 ]'
wait_for 5 '[ "$(lines)" = 300 ]'
check "burst: 300 whole JSON lines for it once done" '[ "$(lines)" = 300 ]'

# --- a request in flight: the flusher still writes the others' lines ---
curl -s --max-time 30 --limit-rate 1000 "${AUTH[@]}" -H "Expect:" --data-binary @"$TMP/good.cbor" \
    -w '%{http_code}' -o "$TMP/slow.json" "$URL/v1/verify?transcript_hex=$TH" >"$TMP/slow.code" &
SLOW=$!
# in flight: the slow one and the /metrics request itself
wait_for 5 'curl -s --max-time 5 "$URL/metrics" | grep -q "^mdlgate_http_requests_in_flight 2$"'
req quick "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" --data-binary @"$TMP/good.cbor"
check "quick request during the slow one: 200" '[ "$STATUS" = 200 ]'
wait_for 1 '[ "$(lines)" = 301 ]'
check "its line is written within a second while the slow one is in flight" \
    '[ "$(lines)" = 301 ] && kill -0 $SLOW 2>/dev/null'

# --- SIGTERM while it is in flight: the drain writes its line ---
stop_server "$PID"
wait "$SLOW"
check "SIGTERM with the slow request in flight: exit 0, the slow request answered 200" \
    '[ "$RC" = 0 ] && [ "$(cat $TMP/slow.code)" = 200 ]'
check "after the drain the slow request's line is there (302 lines)" '[ "$(lines)" = 302 ]'
check "the events are whole lines too (draining, stopped)" \
    'grep -q "\"event\":\"draining\"" $LOG && grep -q "\"event\":\"stopped\"" $LOG'

# --- the default connection memory holds the longest transcript_hex the query may carry ---
start_server second --anchor "$TMP/pki/iaca.pem" || finish
long=$(head -c 16384 /dev/zero | tr '\0' 'z')
req long "" POST "/v1/verify?transcript_hex=$long" "${AUTH[@]}" --data-binary @"$TMP/good.cbor"
check "a 16384-character transcript_hex in the query: 400 TRANSCRIPT_MALFORMED (not 414)" \
    '[ "$STATUS" = 400 ] && [ "$(json_get $TMP/long.body "j[\"error\"]")" = TRANSCRIPT_MALFORMED ]'
stop_server "$PID"
finish
