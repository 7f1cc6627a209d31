# server_lib.bash - helpers for tests/cli/server_*.sh: start the real `mdlgate serve` on an
# ephemeral loopback port, issue test presentations, make requests and record what came back.
# Source it after setting nothing; it defines M (the binary), TMP (a temp dir removed on exit;
# KEEP_TMP=1 keeps it for a look after a failure),
# TH (a transcript), and the functions below. Loopback only; every wait is bounded.

. "$(dirname "${BASH_SOURCE[0]}")/check_lib.bash"
"$M" serve --help >/dev/null 2>&1 || { echo "skip: mdlgate serve not available"; exit 77; }
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }

# Nothing from the caller's environment leaks into the server under test.
clean_env

TMP=$(mktemp -d)
SERVER_PIDS=()
cleanup() {
    for p in "${SERVER_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT


# OpenID4VP-shaped transcript: [null, null, ["OpenID4VPHandover", h'00..00']]
TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)
KEY=test-key-$RANDOM$RANDOM

# issue NAME [ARGS...]: a presentation from the test PKI in $TMP/pki -> $TMP/NAME.cbor
issue() {
    local name=$1
    shift
    "$M" issue -q --pki "$TMP/${PKI:-pki}" --transcript-hex "$TH" --out "$TMP/$name.cbor" "$@" \
        2>"$TMP/$name.issue.err" || { bad "issue $name: $(cat "$TMP/$name.issue.err")"; return 1; }
}

# start_server NAME [serve args...]: starts mdlgate serve on 127.0.0.1:0 with MDLGATE_DATA_DIR
# in $TMP; sets PID and URL. Extra environment can be given via SERVER_ENV (array of VAR=val).
start_server() {
    local name=$1 i
    shift
    mkdir -p "$TMP/var-$name"
    env MDLGATE_DATA_DIR="$TMP/var-$name" "${SERVER_ENV[@]}" \
        "$M" serve --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PID=$!
    SERVER_PIDS+=("$PID")
    URL=
    for i in $(seq 100); do
        URL=$(sed -n 's|^mdlgate serve: listening on \(http://127.0.0.1:[0-9]*\)$|\1|p' "$TMP/$name.out")
        [ -n "$URL" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    bad "server $name did not start: $(cat "$TMP/$name.log")"
    return 1
}

# stop_server PID: SIGTERM, wait (bounded) for exit; sets RC to the exit status (124 = hung).
stop_server() {
    local p=$1 i
    kill -TERM "$p" 2>/dev/null
    for i in $(seq 200); do
        kill -0 "$p" 2>/dev/null || { wait "$p"; RC=$?; return 0; }
        sleep 0.05
    done
    kill -KILL "$p" 2>/dev/null
    RC=124
}

# req NAME OP METHOD PATH [curl args...]: one request; body in $TMP/NAME.body, headers in
# $TMP/NAME.hdr; sets STATUS and CTYPE; records an observation for the OpenAPI check
# (OP = the documented path, "" for none).
req() {
    local name=$1 op=$2 method=$3 path=$4 out
    shift 4
    out=$(curl -s -S --max-time 20 -X "$method" -o "$TMP/$name.body" -D "$TMP/$name.hdr" \
          -w '%{http_code} %{content_type}' "$@" "$URL$path" 2>"$TMP/$name.curl")
    STATUS=${out%% *}
    CTYPE=${out#* }
    if [ -n "$op" ]; then
        printf '{"op":"%s","method":"%s","status":%s,"content_type":"%s","body":"%s"}\n' \
            "$op" "$method" "${STATUS:-0}" "$CTYPE" "$TMP/$name.body" >>"$TMP/observations.jsonl"
    fi
}

# json_get FILE EXPR: q (check_lib.bash) with Python's errors silenced.
json_get() { q "$1" "$2" 2>/dev/null; }

# rss PID: VmRSS in kB
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# b64url FILE
b64url() { base64 -w0 "$1" | tr '+/' '-_' | tr -d '='; }
