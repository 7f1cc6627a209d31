#!/usr/bin/env bash
# mdlgate serve and signals:
#  - SIGHUP reloads config and anchors atomically: 400 verifications run while the server is
#    sent SIGHUP every 20 ms, switching a second IACA in and out; none fails, and afterwards the
#    new anchor is in force; a broken config on SIGHUP keeps the old snapshot.
#  - SIGTERM drains: a slow upload in flight when SIGTERM arrives completes with its verdict,
#    new connections are refused meanwhile, and the process exits 0.
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"

issue good || exit 1
PKI=pkiB issue goodB --state NY || exit 1
config() { # anchors...
    local a list=""
    for a in "$@"; do list="$list${list:+, }\"$TMP/$a/iaca.pem\""; done
    # written aside and renamed, so a reload never reads a half-written file
    printf '{"anchors": [%s], "per_ip_connection_limit": 0}\n' "$list" >"$TMP/config.json.new"
    mv "$TMP/config.json.new" "$TMP/config.json"
}
config pki
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server main --config "$TMP/config.json" || finish
AUTH=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/cbor")

verdict_of() { # FILE -> prints valid true/false of a verification
    curl -s --max-time 10 "${AUTH[@]}" --data-binary @"$1" "$URL/v1/verify?transcript_hex=$TH" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["valid"])' 2>/dev/null
}
check "before reload: the NY presentation is not trusted" '[ "$(verdict_of $TMP/goodB.cbor)" = False ]'

# --- SIGHUP during a burst ---
mkdir -p "$TMP/burst"
curl -s -Z --parallel-max 8 --max-time 60 "${AUTH[@]}" --data-binary @"$TMP/good.cbor" \
    -w '%{http_code}\n' -o "$TMP/burst/r_#1.json" "$URL/v1/verify?transcript_hex=$TH&n=[1-400]" \
    >"$TMP/burst.codes" 2>"$TMP/burst.err" &
CURL=$!
n=0
while kill -0 "$CURL" 2>/dev/null && [ "$n" -lt 60 ]; do   # reload while the burst runs
    if [ $((n % 2)) = 0 ]; then config pki pkiB; else config pki; fi
    kill -HUP "$PID"
    n=$((n + 1))
    sleep 0.02
done
wait "$CURL"
during=$n
config pki pkiB
kill -HUP "$PID"
n=$((n + 1))
check "burst: $during reloads while it ran" '[ "$during" -ge 4 ]'
check "burst: 400 answers, all 200" '[ "$(grep -c "^200$" $TMP/burst.codes)" = 400 ]'
check "burst: all 400 verdicts valid" '[ "$(grep -l "\"valid\":true" $TMP/burst/r_*.json | wc -l)" = 400 ]'
check "after reload: the NY anchor is in force" 'wait_for 10 "[ \"\$(verdict_of $TMP/goodB.cbor)\" = True ]"'

# a broken config keeps the snapshot in place
echo '{"anchors": ["/nonexistent/iaca.pem"]}' >"$TMP/config.json.new"
mv "$TMP/config.json.new" "$TMP/config.json"
kill -HUP "$PID"
check "broken config on SIGHUP: reload_failed logged" 'wait_for 10 "grep -q reload_failed $TMP/main.log"'
# Signals are handled in order, so every earlier reload is logged by now. SIGHUPs sent 20 ms
# apart may merge into one pending signal: count 1..n reloads.
reloads=$(grep -c "\"event\":\"reloaded\"" $TMP/main.log)
check "$reloads reloads logged for $n SIGHUPs (close signals may merge)" \
    '[ "$reloads" -ge 1 ] && [ "$reloads" -le $n ]'
check "broken config on SIGHUP: the previous anchors stay" '[ "$(verdict_of $TMP/goodB.cbor)" = True ] && [ "$(verdict_of $TMP/good.cbor)" = True ]'
curl -s "$URL/metrics" >"$TMP/metrics.txt"
check "metrics count the reloads that were logged" 'grep -q "^mdlgate_config_reloads_total{result=\"ok\"} $reloads" $TMP/metrics.txt && grep -q "^mdlgate_config_reloads_total{result=\"failed\"} 1" $TMP/metrics.txt'

# --- SIGTERM drains a slow request ---
size=$(stat -c %s "$TMP/good.cbor")
curl -s --max-time 30 --limit-rate 1500 "${AUTH[@]}" -H "Expect:" --data-binary @"$TMP/good.cbor" \
    -w '%{http_code}' -o "$TMP/slow.json" "$URL/v1/verify?transcript_hex=$TH" >"$TMP/slow.code" &
SLOW=$!
sleep 0.7
t0=$(date +%s%N)
kill -TERM "$PID"
refused() { curl -s --max-time 2 -o /dev/null "$URL/healthz" 2>/dev/null; [ $? = 7 ]; }
check "SIGTERM: new connections refused while draining" 'wait_for 5 refused'
check "SIGTERM with a request in flight: still running" 'kill -0 $PID 2>/dev/null'
wait "$SLOW"
check "the slow request ($size bytes at 1500 B/s) completed: 200 valid" '[ "$(cat $TMP/slow.code)" = 200 ] && grep -q "\"valid\":true" $TMP/slow.json'
RC=124
for i in $(seq 100); do
    kill -0 "$PID" 2>/dev/null || { wait "$PID"; RC=$?; break; }
    sleep 0.05
done
t1=$(date +%s%N)
check "the process exited 0 after draining" '[ "$RC" = 0 ] && grep -q "all requests completed" $TMP/main.log'
check "drain waited for the request (>= 0.5 s after SIGTERM)" '[ $(( (t1 - t0) / 1000000 )) -ge 500 ]'
finish
