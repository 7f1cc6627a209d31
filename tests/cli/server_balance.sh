#!/usr/bin/env bash
# Connections are spread over the worker threads (src/api/acceptor.c): in each of 4 rounds a new
# client opens 2 keep-alive connections at once (beside an idle one, with closed ones around
# it) and sends 1500 verifications over them; both
# MHD-worker threads of a 2-thread server must do a fair share of the work (>= 20% of the CPU
# the two used in that round). libmicrohttpd's own accept let one worker take a burst of new
# connections, leaving the other core idle for as long as they stayed open.
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
[ -r /proc/self/stat ] || { echo "skip: no /proc"; exit 77; }
ROUNDS=4 N=1500

issue good || exit 1
echo '{"threads": 2, "log_requests": false}' >"$TMP/config.json"
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server main --config "$TMP/config.json" --anchor "$TMP/pki/iaca.pem" || finish
WORKERS=$(grep -l '^MHD-worker$' /proc/"$PID"/task/*/comm | sed 's|/comm$||')
check "the server runs 2 worker threads" '[ "$(echo "$WORKERS" | wc -l)" = 2 ]'
# cpu: utime + stime (clock ticks) of each worker, space-separated
cpu() { local t; for t in $WORKERS; do awk '{ printf "%d ", $14 + $15 }' "$t/stat"; done; }
PORT=${URL##*:}
active() { curl -s --max-time 5 "$URL/metrics" | sed -n 's/^mdlgate_http_active_connections //p'; }
for r in $(seq "$ROUNDS"); do
    # Three idle connections, then the first and third closed: the server's descriptors now
    # have a hole on each side of the one kept open, the pattern that sent two new
    # connections to one worker when the worker was picked by descriptor number alone.
    exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT" 7<>"/dev/tcp/127.0.0.1/$PORT"
    wait_for 10 '[ "$(active)" = 4 ]'
    exec 5>&- 7>&-
    wait_for 10 '[ "$(active)" = 2 ]'
    before=($(cpu))
    curl -s -Z --parallel-max 2 --parallel-immediate --max-time 60 \
        -H "Authorization: Bearer $KEY" -H "Content-Type: application/cbor" \
        --data-binary @"$TMP/good.cbor" -o /dev/null -w '%{http_code}\n' \
        "$URL/v1/verify?transcript_hex=$TH&n=[1-$N]" >"$TMP/codes" 2>/dev/null
    after=($(cpu))
    a=$((after[0] - before[0])) b=$((after[1] - before[1]))
    check "round $r: $N answers 200, both workers busy (CPU ticks $a and $b)" \
        '[ "$(grep -c "^200$" $TMP/codes)" = $N ] && [ $((a + b)) -gt 0 ] && [ $((5 * a)) -ge $((a + b)) ] && [ $((5 * b)) -ge $((a + b)) ]'
    exec 6>&-
done
stop_server "$PID"
finish
