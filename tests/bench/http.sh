#!/usr/bin/env bash
# http.sh BUILD - `make bench`: the in-process figures (mdlgate bench) and, from the same run,
# the HTTP figure: wrk on loopback, keep-alive, POST /v1/verify with the standard
# presentation (CBOR body, transcript_hex in the query), throughput and p50/p99 latency.
#
# Method (printed with the numbers):
#   - server: `mdlgate serve` on 127.0.0.1:<ephemeral> with a temporary config (the test IACA
#     of the presentation as the only anchor, request log on, written to a file), a random
#     API key, default worker threads (one per core), chain cache on as in production;
#   - client: wrk, 1 thread, on the same machine (it shares the cores with the server; the CPU
#     it and the server use per request in the maximum run are printed, and from the server's
#     the rate it would reach with the cores to itself, labelled as derived);
#     tests/bench/verify_post.lua sends the request and counts any answer that is not
#     200 with "valid": true (the run fails if there is one);
#   - maximum rate: closed loop, BENCH_CONNECTIONS connections (default 4 per core);
#   - half the maximum rate: wrk2 (open loop at a fixed rate) is not in Debian, so each
#     connection waits a random 0..2P ms (mean P = BENCH_PACE_MS, default 2) before each
#     request (wrk's delay() hook), with enough connections to offer half the maximum rate;
#     the achieved rate is printed beside it. Latency is wrk's own (request sent -> answer
#     complete); pacing below saturation keeps queueing visible, but coordinated omission is
#     not corrected as wrk2 would;
#   - instructions per request (callgrind; when valgrind is installed): mdlgate serve with one
#     worker under callgrind, curl sending 20 and then 20 + N requests on one keep-alive
#     connection in two runs; the difference / N, in total and in mdlg_verify. Unlike the
#     rates and CPU times it does not move with the machine's load, but it counts user space
#     only (not the kernel's TCP work) and no cache effects;
#   - target (issue 3): HTTP maximum >= 60% of the in-process cached rate times the cores
#     (the service reuses DS chain results), and p99 < 5 ms at half the maximum rate.
#     Reported as met or not met; only a broken run (server down, a wrong answer, a socket
#     error) makes this script fail.
# Environment: BENCH_SECONDS (in-process, per figure; 3), BENCH_HTTP_SECONDS (per wrk run; 5),
# BENCH_ONE_SECONDS (the one-connection run; 2), BENCH_CONNECTIONS, BENCH_PACE_MS,
# BENCH_ANCHORS (filler anchors of mdlgate bench; 10000), BENCH_CALLGRIND_REQUESTS (N above;
# 200, 0 skips it), BENCH_JSON (where to write every figure as JSON; BUILD/bench.json).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${1:-build}
M=$BUILD/mdlgate
SECS=${BENCH_SECONDS:-3}
WSECS=${BENCH_HTTP_SECONDS:-5}
PACE=${BENCH_PACE_MS:-2}
ONE_SECS=${BENCH_ONE_SECONDS:-2}
OUT=${BENCH_JSON:-$BUILD/bench.json}
CORES=$(nproc)
CONNS=${BENCH_CONNECTIONS:-$((4 * CORES))}
LUA=$here/verify_post.lua
TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)

die() { echo "http bench: $*" >&2; exit 1; }
[ -x "$M" ] || die "$M not built"
command -v wrk >/dev/null || die "wrk not installed (make deps installs the Debian package)"
command -v curl >/dev/null || die "curl not installed"
for v in $(env | sed -n 's/^\(MDLGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

TMP=$(mktemp -d)
SERVER=
cleanup() {
    [ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
# listen_url OUT PID TENTHS: the URL `mdlgate serve` (PID, stdout in OUT) prints once it
# listens; "" if it exits first or takes more than TENTHS tenths of a second
listen_url() {
    local u=
    for _ in $(seq "$3"); do
        u=$(sed -n 's|^mdlgate serve: listening on \(http://127.0.0.1:[0-9]*\)$|\1|p' "$1")
        [ -n "$u" ] && break
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    printf '%s' "$u"
}

# --- 1. in-process figures, same run ---
echo "== in-process: mdlgate bench (load average before: $(load))"
"$M" bench --seconds "$SECS" --anchors "${BENCH_ANCHORS:-10000}" --json-out "$TMP/inproc.json" ||
    die "mdlgate bench failed"
# the external reference for the baseline: OpenSSL's own tool, the verify column
if command -v openssl >/dev/null; then
    echo "  external reference, same run: $(openssl speed -seconds 1 ecdsap256 2>/dev/null |
        awk '/ecdsa \(nistp256\)/ { printf "openssl speed ecdsap256: %.0f verify/s", $NF }')"
fi

# --- 2. the server ---
"$M" issue -q --pki "$TMP/pki" --transcript-hex "$TH" --out "$TMP/standard.cbor" || die "issue failed"
cp "$TMP/pki/iaca.pem" "$TMP/iaca.pem"
echo '{"anchors": ["iaca.pem"], "per_ip_connection_limit": 0}' >"$TMP/config.json"
KEY=bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
env MDLGATE_API_KEYS="$KEY" MDLGATE_DATA_DIR="$TMP/var" \
    "$M" serve --listen 127.0.0.1:0 --config "$TMP/config.json" >"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVER=$!
URL=$(listen_url "$TMP/serve.out" "$SERVER" 50)
[ -n "$URL" ] || die "server did not start: $(cat "$TMP/serve.log")"
curl -s --max-time 10 -H "Authorization: Bearer $KEY" -H "Content-Type: application/cbor" \
    --data-binary @"$TMP/standard.cbor" "$URL/v1/verify?transcript_hex=$TH" >"$TMP/first.json"
grep -q '^{"valid":true' "$TMP/first.json" || die "the standard presentation is not valid over HTTP: $(head -c 300 "$TMP/first.json")"

# --- 3. wrk runs ---
export MDLG_BENCH_BODY=$TMP/standard.cbor MDLG_BENCH_TH=$TH MDLG_BENCH_KEY=$KEY
# CPU seconds (user + system) the server has used so far
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SERVER/stat"; }
# CPU seconds of this shell's finished children from the output of the `times` builtin
# (its second line), which must run in this shell, not in a $(...) subshell
children_cpu() { sed -n 2p "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); n += a[1] * 60 + a[2] } printf "%.2f", n }'; }
# run NAME CONNECTIONS SECONDS PACE: wrk output in $TMP/NAME.wrk, the CPU seconds the server
# and wrk used during it in $TMP/NAME.cpu; fails on a wrong answer
run() {
    local s0 s1
    s0=$(server_cpu)
    times >"$TMP/times0"
    MDLG_BENCH_PACE=$4 wrk -t1 -c"$2" -d"$3"s --timeout 10s -s "$LUA" "$URL" >"$TMP/$1.wrk" 2>&1 ||
        die "wrk failed: $(cat "$TMP/$1.wrk")"
    times >"$TMP/times1"
    s1=$(server_cpu)
    echo "$s0 $s1 $(children_cpu "$TMP/times0") $(children_cpu "$TMP/times1")" >"$TMP/$1.cpu"
    grep -q '^MDLG requests=[1-9][0-9]* invalid=0 .*socket_errors=0$' "$TMP/$1.wrk" ||
        die "$1: wrong answers or socket errors: $(cat "$TMP/$1.wrk")"
    kill -0 "$SERVER" 2>/dev/null || die "the server died during $1"
}
# field NAME KEY: a value of the MDLG line of run NAME
field() { sed -n "s/^MDLG.* $2=\([0-9]*\).*/\1/p" "$TMP/$1.wrk"; }
rate() { awk -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }

LOAD_BEFORE=$(load)
echo "== HTTP: wrk on loopback (load average before: $LOAD_BEFORE)"
run warmup "$CONNS" 1 0
run one 1 "$ONE_SECS" 0
run max "$CONNS" "$WSECS" 0
MAX=$(rate max)
ONE_P50=$(field one p50_us)
# connections that offer half the maximum: each cycles every PACE ms + its latency
HALF_CONNS=$(awk -v r="$MAX" -v p="$PACE" -v l="$ONE_P50" 'BEGIN { c = int(r / 2 * (p / 1000 + l / 1e6) + 0.5); print c < 1 ? 1 : c }')
run half "$HALF_CONNS" "$WSECS" "$PACE"
HALF=$(rate half)
# one correction if the achieved rate is more than 15% off the target
near() { awk -v a="$1" -v t="$((MAX / 2))" 'BEGIN { exit !(a / t > 0.85 && a / t < 1.15) }'; }
if ! near "$HALF"; then
    HALF_CONNS=$(awk -v c="$HALF_CONNS" -v a="$HALF" -v t="$((MAX / 2))" 'BEGIN { n = int(c * t / a + 0.5); print n < 1 ? 1 : n }')
    run half "$HALF_CONNS" "$WSECS" "$PACE"
    HALF=$(rate half)
fi
LOAD_AFTER=$(load)
kill -TERM "$SERVER" 2>/dev/null
wait "$SERVER"
RC=$?
[ "$RC" = 0 ] || die "mdlgate serve (pid $SERVER) exited $RC on SIGTERM: $(tail -3 "$TMP/serve.log")"
echo "mdlgate serve (pid $SERVER) stopped (SIGTERM, exit 0)"
SERVER=

# --- 4. instructions per request (callgrind): a figure the machine's load does not move ---
# serve under callgrind with one worker thread; curl sends CG_BASE, then (a second run)
# CG_BASE + CG_N POSTs on one keep-alive connection; the difference of the two runs' totals,
# divided by CG_N, is one request without the start-up; the same for mdlg_verify (inclusive).
# User space only: the kernel's TCP work is not counted.
CG_N=${BENCH_CALLGRIND_REQUESTS:-200}
CG_BASE=20
cg_run() { # N OUT: total instructions and mdlg_verify's (inclusive) of a run of N requests
    local n=$1 out=$2 url= i args=()
    env MDLGATE_API_KEYS="$KEY" MDLGATE_DATA_DIR="$TMP/var-cg" MDLGATE_THREADS=1 \
        valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$M" serve --listen 127.0.0.1:0 --config "$TMP/config.json" >"$TMP/cg.out" 2>"$TMP/cg.log" &
    SERVER=$!
    url=$(listen_url "$TMP/cg.out" "$SERVER" 600)
    [ -n "$url" ] || die "server under callgrind did not start: $(tail -3 "$TMP/cg.log")"
    for ((i = 0; i < n; i++)); do args+=("$url/v1/verify?transcript_hex=$TH"); done
    curl -s --max-time 300 -H "Authorization: Bearer $KEY" -H "Content-Type: application/cbor" \
        --data-binary @"$TMP/standard.cbor" "${args[@]}" >"$TMP/cg.body"
    [ "$(grep -o '{"valid":true' "$TMP/cg.body" | wc -l)" = "$n" ] ||
        die "callgrind run: not $n valid answers"
    kill -TERM "$SERVER" 2>/dev/null
    wait "$SERVER" || die "mdlgate serve under callgrind exited $? on SIGTERM"
    SERVER=
    callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null | awk '
        / PROGRAM TOTALS/ { gsub(",", "", $1); t = $1 }
        /:mdlg_verify \[/ { gsub(",", "", $1); v = $1 }
        END { print t + 0, v + 0 }' >"$out.sum"
    read -r CG_T CG_V <"$out.sum"
    [ "${CG_T:-0}" -gt 0 ] && [ "${CG_V:-0}" -gt 0 ] || die "no instruction counts in $out"
}
if [ "$CG_N" -le 0 ]; then
    echo "== instructions per request: skipped (BENCH_CALLGRIND_REQUESTS=0)"
elif ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    echo "== instructions per request: skipped (valgrind not installed)"
elif grep -qa __asan_init "$M"; then
    echo "== instructions per request: skipped (a sanitizer build; valgrind cannot run it)"
else
    echo "== instructions per request: mdlgate serve under callgrind ($CG_BASE and $((CG_BASE + CG_N)) requests)"
    cg_run "$CG_BASE" "$TMP/cg1.out"
    T1=$CG_T V1=$CG_V
    cg_run $((CG_BASE + CG_N)) "$TMP/cg2.out"
    echo "{\"n\": $CG_N, \"total\": $((CG_T - T1)), \"verify\": $((CG_V - V1))}" >"$TMP/cg.json"
fi

# --- 5. report ---
python3 - "$TMP" "$OUT" <<PY
import json, sys
tmp, out = sys.argv[1], sys.argv[2]
inp = json.load(open(f"{tmp}/inproc.json"))
def mdlg(name):
    line = [l for l in open(f"{tmp}/{name}.wrk") if l.startswith("MDLG ")][0]
    d = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    d["rate"] = d["requests"] / (d["duration_us"] / 1e6)
    return d
one, mx, half = mdlg("one"), mdlg("max"), mdlg("half")
cores = $CORES
both = inp["verify_per_sec_core_cached"] * cores
share = mx["rate"] / both
ms = lambda us: us / 1000
# CPU per request in the maximum run: the server's (user + system, kernel network work
# included) and wrk's, against one in-process cached verification (1 / its rate)
s0, s1, w0, w1 = (float(x) for x in open(f"{tmp}/max.cpu").read().split())
srv_us = (s1 - s0) / mx["requests"] * 1e6
wrk_us = (w1 - w0) / mx["requests"] * 1e6
wrk_core = (w1 - w0) / (mx["duration_us"] / 1e6)
ver_us = inp["cpu_us_per_verify_cached"]      # CPU time, like the server's figure
alone = cores / (srv_us / 1e6) if srv_us > 0 else 0
alone_share = ver_us / srv_us if srv_us > 0 else 0
print(f"""
mdlgate bench, HTTP: POST /v1/verify, standard presentation ({inp['presentation_bytes']} bytes CBOR,
transcript_hex in the query), keep-alive, wrk 1 thread on loopback sharing the {cores} cores with
mdlgate serve ({cores} worker threads, request log on, chain cache on)
  one connection, closed loop     {one['rate']:8.0f} req/s   p50 {ms(one['p50_us']):6.2f} ms   p99 {ms(one['p99_us']):6.2f} ms
  maximum: $CONNS connections, closed loop
                                  {mx['rate']:8.0f} req/s   p50 {ms(mx['p50_us']):6.2f} ms   p99 {ms(mx['p99_us']):6.2f} ms
  half the maximum: $HALF_CONNS connections, each pausing 0..{2 * $PACE} ms (mean $PACE) between requests
                                  {half['rate']:8.0f} req/s   p50 {ms(half['p50_us']):6.2f} ms   p99 {ms(half['p99_us']):6.2f} ms
                                  ({100 * half['rate'] / mx['rate']:.0f}% of the maximum)
  every answer 200 with "valid": true ({one['requests'] + mx['requests'] + half['requests']} checked)
CPU per request in the maximum run (user + system, from /proc and the shell's times builtin):
  mdlgate serve {srv_us:6.0f} us (in-process cached verification, CPU time: {ver_us:.0f} us; HTTP adds {srv_us - ver_us:.0f} us)
  wrk           {wrk_us:6.0f} us ({100 * wrk_core:.0f}% of one core, taken from the {cores} cores the server runs on)
  derived, not measured: with the {cores} cores to itself the server would serve {alone:.0f} req/s,
  {100 * alone_share:.0f}% of in-process on all cores by CPU time (the target's ratio without wrk and other load)
in-process, same run: cached {inp['verify_per_sec_core_cached']}/s per core x {cores} cores = {both}/s; cold {inp['verify_per_sec_core_cold']}/s per core
target (issue 3):
  HTTP maximum >= 60% of in-process on all cores: {100 * share:.0f}% -> {'met' if share >= 0.6 else 'NOT met'}
  p99 < 5 ms at half the maximum rate: {ms(half['p99_us']):.2f} ms -> {'met' if half['p99_us'] < 5000 else 'NOT met'}
load average before the HTTP runs / after: $LOAD_BEFORE / $LOAD_AFTER (other work on the machine skews every figure)
""".rstrip())
cg = None
try:
    cg = json.load(open(f"{tmp}/cg.json"))
except OSError:
    pass
if cg and cg["n"] > 0:
    tot, ver = cg["total"] / cg["n"], cg["verify"] / cg["n"]
    print(f"""instructions per request (callgrind: mdlgate serve with 1 worker thread, curl on one keep-alive
connection, runs of {$CG_BASE} and {$CG_BASE} + {cg['n']} requests, difference / {cg['n']}; user space only):
  {tot / 1e6:.3f}M per POST /v1/verify, of which mdlg_verify {ver / 1e6:.3f}M: HTTP adds {(tot - ver) / 1e3:.0f}k""")
    inp.update({"http_callgrind_requests": cg["n"], "http_callgrind_instr_per_req": round(tot),
                "http_callgrind_verify_instr_per_req": round(ver),
                "http_callgrind_http_instr_per_req": round(tot - ver)})
inp.update({"http_cores": cores, "http_connections_max": $CONNS,
            "http_max_req_per_sec": round(mx["rate"]), "http_max_p50_ms": ms(mx["p50_us"]),
            "http_max_p99_ms": ms(mx["p99_us"]), "http_one_conn_req_per_sec": round(one["rate"]),
            "http_one_conn_p50_ms": ms(one["p50_us"]), "http_one_conn_p99_ms": ms(one["p99_us"]),
            "http_half_req_per_sec": round(half["rate"]), "http_half_connections": $HALF_CONNS,
            "http_half_pace_ms_mean": $PACE, "http_half_p50_ms": ms(half["p50_us"]),
            "http_half_p99_ms": ms(half["p99_us"]),
            "http_max_share_of_inprocess_cached_all_cores": share,
            "http_target_share_met": share >= 0.6, "http_target_p99_met": half["p99_us"] < 5000,
            "http_max_server_cpu_us_per_req": round(srv_us, 1),
            "http_max_wrk_cpu_us_per_req": round(wrk_us, 1),
            "http_max_wrk_core_share": round(wrk_core, 3),
            "http_server_alone_req_per_sec_derived": round(alone),
            "http_server_alone_share_by_cpu_derived": round(alone_share, 3)})
json.dump(inp, open(out, "w"), indent=2)
PY
echo "(every figure: $OUT)"
