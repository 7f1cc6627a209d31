#!/usr/bin/env bash
# A running `mdlgate serve` picks up a `trust sync` by itself (README "Running the service",
# --trust-watch), without failing a request:
#  - serve --trust-dir (a generation made by trust sync) --trust-watch 1: a presentation from
#    PKI B is not valid (its root is not in the set), one from PKI A is;
#  - while a curl loop posts A's presentation back to back, the manifest gains B's root and
#    trust sync swaps in a new generation; within a bounded wait B's presentation is valid,
#    the log has "trust_changed" and "reloaded", and every request of the loop answered 200
#    with "valid": true;
#  - with --trust-watch 0 the same sync is not picked up (only SIGHUP reloads);
#  - serve --check reports the watch interval; a bad --trust-watch stops serve (2).
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
command -v openssl >/dev/null || { echo "skip: openssl missing"; exit 77; }

PKI=pkiA issue a || finish
PKI=pkiB issue b || finish
mkdir -p "$TMP/mirror" "$TMP/lists/US-CA"
cp "$TMP/pkiA/iaca.pem" "$TMP/mirror/A.pem"
cp "$TMP/pkiB/iaca.pem" "$TMP/mirror/B.pem"
root() { manifest_root "$1" "$TMP/$2/iaca.pem"; }   # root ID PKI: pins PKI's IACA
{ echo "jurisdiction: US-CA"; root A pkiA; } >"$TMP/lists/US-CA/manifest"
TRUST=$TMP/var/trust
sync() { "$M" trust sync --from-dir "$TMP/mirror" --lists "$TMP/lists" --trust-dir "$TRUST" >"$TMP/sync.out" 2>&1; }
sync || { bad "first sync: $(cat "$TMP/sync.out")"; finish; }
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
AUTH=(-H "Authorization: Bearer $KEY")

valid() { # valid NAME FILE: "status valid" of POST /v1/verify
    req "$1" "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" -H "Content-Type: application/cbor" \
        --data-binary @"$2"
    echo "$STATUS $(json_get "$TMP/$1.body" 'j["valid"]')"
}

"$M" serve --check --trust-dir "$TRUST" --trust-watch 1 >"$TMP/check.out" 2>&1
check "serve --check reports the watch" 'grep -q "^trust watch: 1 s$" $TMP/check.out'
"$M" serve --check --trust-watch soon >/dev/null 2>&1; rc=$?
check "--trust-watch soon: exit 2" '[ $rc = 2 ]'

start_server watch --trust-dir "$TRUST" --trust-watch 1 || finish
check "the log announces the watch" 'grep -q "\"event\":\"trust_watch\"" $TMP/watch.log'
v=$(valid a0 "$TMP/a.cbor")
check "A before the sync: 200 valid ($v)" '[ "$v" = "200 True" ]'
v=$(valid b0 "$TMP/b.cbor")
check "B before the sync: 200 not valid ($v)" '[ "$v" = "200 False" ]'

# A curl loop, back to back, until told to stop (at most 2000 requests).
loop() {
    local i
    for i in $(seq 2000); do
        [ -e "$TMP/stop" ] && break
        curl -s --max-time 10 -o "$TMP/loop.body" -w '%{http_code} ' "${AUTH[@]}" \
            -H "Content-Type: application/cbor" --data-binary @"$TMP/a.cbor" \
            "$URL/v1/verify?transcript_hex=$TH" >>"$TMP/loop.codes"
        if grep -q '"valid": *true' "$TMP/loop.body"; then echo ok; else echo NOT-VALID; fi >>"$TMP/loop.codes"
    done
}
loop &
LOOP=$!
sleep 0.5
{ echo "jurisdiction: US-CA"; root A pkiA; root B pkiB; } >"$TMP/lists/US-CA/manifest"
sync; rc=$?
check "trust sync with B's root added: exit 0" '[ $rc = 0 ] && grep -q "US-CA *1 *1" $TMP/sync.out'
t0=$(date +%s%N)
v=
for i in $(seq 100); do
    v=$(valid "b$i" "$TMP/b.cbor")
    [ "$v" = "200 True" ] && break
    sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "B after the sync: valid within the bounded wait (${ms} ms)" '[ "$v" = "200 True" ]'
sleep 0.3
touch "$TMP/stop"
wait "$LOOP"
n=$(grep -c . "$TMP/loop.codes")
good=$(grep -c '^200 ok$' "$TMP/loop.codes")
check "the curl loop: every one of $n requests answered 200 valid ($good)" '[ "$n" -gt 0 ] && [ "$n" = "$good" ]'
check "the log: trust_changed then reloaded" \
    'grep -q "\"event\":\"trust_changed\"" $TMP/watch.log && grep -q "\"event\":\"reloaded\"" $TMP/watch.log'
stop_server "$PID"
check "the server stopped cleanly" '[ "$RC" = 0 ]'

# --trust-watch 0: the sync is not picked up.
{ echo "jurisdiction: US-CA"; root A pkiA; } >"$TMP/lists/US-CA/manifest"
sync || bad "sync back to A only"
start_server off --trust-dir "$TRUST" --trust-watch 0 || finish
{ echo "jurisdiction: US-CA"; root A pkiA; root B pkiB; } >"$TMP/lists/US-CA/manifest"
sync || bad "sync with B again"
sleep 1.5
v=$(valid off-b "$TMP/b.cbor")
check "--trust-watch 0: B still not valid after the sync ($v)" '[ "$v" = "200 False" ]'
check "--trust-watch 0: no trust_changed in the log" '! grep -q "\"event\":\"trust_changed\"" $TMP/off.log'
kill -HUP "$PID"
for i in $(seq 100); do grep -q '"event":"reloaded"' "$TMP/off.log" && break; sleep 0.05; done
v=$(valid off-hup "$TMP/b.cbor")
check "--trust-watch 0: SIGHUP still reloads, B valid ($v)" '[ "$v" = "200 True" ]'
stop_server "$PID"
finish
