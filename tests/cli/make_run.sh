#!/usr/bin/env bash
# `make run` (src/cli/run-demo.sh) end to end, as the README walks a new user through it: the
# first start creates the demo configuration and prints a demo API key once, the URL and a curl
# command; that command, run as printed, verifies the demo presentation (valid); SIGTERM stops
# the service (exit 0); a second start reuses the configuration (the key is not printed again
# and still works); a demo reader certificate or Document Signer that has expired is made
# again on start.
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/check_lib.bash"
clean_env
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }
command -v openssl >/dev/null || { echo "skip: the openssl tool is not installed"; exit 77; }
TMP=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -KILL $PID 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MDLGATE_DATA_DIR=$TMP/var MDLGATE_LISTEN=127.0.0.1:$PORT

# start N: runs the demo in the background, output in $TMP/N.out; waits until it listens
start() {
    local out=$TMP/$1.out
    (cd "$TMP" && exec bash "$ROOT/src/cli/run-demo.sh" "$BUILD") >"$out" 2>"$TMP/$1.err" &
    PID=$!
    wait_for 30 'grep -q "listening on" "$out" || ! kill -0 $PID 2>/dev/null'
    grep -q "listening on" "$out"
}
stop() { kill -TERM "$PID"; wait "$PID"; RC=$?; PID=; }
# curl_cmd N: the printed curl command, with its continuation lines joined
curl_cmd() { sed -n '/^  curl /,/transcript_hex/p' "$TMP/$1.out" | sed 's/\\$//' | tr -d '\n'; }

check "first start: the demo listens" 'start first'
KEY=$(sed -n 's/^  demo API key (printed once, only its SHA-256 is stored): //p' "$TMP/first.out")
check "the demo API key is printed once, and only its SHA-256 is in config.json" \
    '[ -n "$KEY" ] && ! grep -q "$KEY" $TMP/var/config.json && grep -q "$(printf %s "$KEY" | sha256sum | cut -c1-64)" $TMP/var/config.json'
check "the URL is printed" 'grep -q "service:  http://127.0.0.1:$PORT/" $TMP/first.out'
(cd "$TMP" && eval "$(curl_cmd first)") >"$TMP/first.json" 2>"$TMP/first.curl"
check "the printed curl command verifies the demo presentation: valid" \
    '[ "$(q $TMP/first.json "j[\"valid\"]")" = True ]'
stop
check "SIGTERM stops it (exit 0)" '[ "$RC" = 0 ]'

"$M" issue reader --out "$TMP/var/demo/reader" --dns localhost --days 1 \
    --at "$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null || bad "issue reader (expired)"
check "second start: the demo listens (with an expired demo reader certificate)" 'start second'
check "... it makes the reader certificate again, and says so" \
    'grep -q "demo reader certificate expires within a day: making a new one" $TMP/second.out && openssl x509 -checkend 86400 -noout -in $TMP/var/demo/reader/reader-auth.pem >/dev/null'
check "... the key is not printed again" '! grep -q "demo API key" $TMP/second.out'
(cd "$TMP" && eval "$(curl_cmd second | sed "s/<your API key>/$KEY/")") >"$TMP/second.json" 2>/dev/null
check "... the first key still verifies the (newly issued) demo presentation" \
    '[ "$(q $TMP/second.json "j[\"valid\"]")" = True ]'
stop

rm -rf "$TMP/var/demo/pki"
"$M" issue -q --pki "$TMP/var/demo/pki" --country ZZ --state "" --at "$(date -u -d "-2 years" +%Y-%m-%dT%H:%M:%SZ)" --device-auth none \
    --out "$TMP/old.cbor" 2>/dev/null && [ -f "$TMP/var/demo/pki/ds.pem" ] || bad "issue --pki (expired Document Signer)"
check "third start: the demo listens (with an expired demo Document Signer)" 'start third'
check "... it makes a new demo PKI, and says so" 'grep -q "demo Document Signer expires within a day: making a new demo PKI" $TMP/third.out'
(cd "$TMP" && eval "$(curl_cmd third | sed "s/<your API key>/$KEY/")") >"$TMP/third.json" 2>/dev/null
check "... and the demo presentation verifies against the new IACA" '[ "$(q $TMP/third.json "j[\"valid\"]")" = True ]'
stop
finish
