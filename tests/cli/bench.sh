#!/usr/bin/env bash
# make bench, shrunk to seconds: `mdlgate bench --json` keeps its documented keys and adds the
# many-anchors figure (a positive ratio, fillers counted), bad arguments exit 2, and
# tests/bench/http.sh runs end to end (server up, wrk, every answer valid, figures written,
# server stopped). The numbers themselves are not judged here: the machine may be busy.
# BUILD=<build dir>; exit 0 pass, 77 skip (reason on the last line), else fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$M" bench --json --seconds 0.05 --anchors 200 >"$tmp/b.json" 2>"$tmp/b.err"
check "bench --json --anchors 200 exits 0" '[ $? = 0 ]'
check "the documented keys are there and positive" '[ "$(q $tmp/b.json "all(j[k] > 0 for k in (\"verify_per_sec_core_cold\", \"verify_per_sec_core_cached\", \"openssl_p256_verify_per_sec\"))")" = True ]'
check "many anchors: 201 loaded, a rate, a positive ratio, load times, the method" '[ "$(q $tmp/b.json "j[\"anchors_loaded_many\"] == 201 and j[\"verify_per_sec_core_cold_many_anchors\"] > 0 and j[\"many_anchors_cold_ratio\"] > 0 and j[\"many_anchors_add_seconds\"] > 0 and \"filler\" in j[\"many_anchors_method\"]")" = True ]'
check "CPU time per call for each figure, shares of the bound by CPU time in (0, 1.5)" '[ "$(q $tmp/b.json "all(j[k] > 0 for k in (\"cpu_us_per_openssl_verify\", \"cpu_us_per_verify_cold\", \"cpu_us_per_verify_cached\")) and all(0 < j[k] < 1.5 for k in (\"cpu_share_of_bound_cold\", \"cpu_share_of_bound_cached\"))")" = True ]'
"$M" bench --json --seconds 0.05 --anchors 0 >"$tmp/b0.json" 2>/dev/null
check "--anchors 0 skips the figure" '[ "$(q $tmp/b0.json "\"anchors_loaded_many\" in j")" = False ]'
"$M" bench --seconds 0.05 --anchors 50 --json-out "$tmp/o.json" >"$tmp/o.txt" 2>/dev/null
check "text mode prints the figure and its method; --json-out writes the JSON" 'grep -q "51 anchors loaded" $tmp/o.txt && grep -q "method: 50 filler IACAs" $tmp/o.txt && [ "$(q $tmp/o.json "j[\"anchors_loaded_many\"]")" = 51 ]'
check "text mode prints CPU per call, both shares and the openssl speed reference" 'grep -q "cached DS chain result .* CPU .* us per call" $tmp/o.txt && grep -q "share of the bound, cached (2 verifies): .* by rate, .* by CPU time" $tmp/o.txt && grep -q "openssl speed ecdsap256" $tmp/o.txt'
for a in "--anchors -1" "--anchors x" "--anchors 2000000" "--seconds 0" "extra"; do
    "$M" bench $a >/dev/null 2>&1
    check "bench $a: exit 2" '[ $? = 2 ]'
done

if command -v wrk >/dev/null && command -v curl >/dev/null; then
    BENCH_SECONDS=0.05 BENCH_ANCHORS=50 BENCH_HTTP_SECONDS=1 BENCH_ONE_SECONDS=1 \
        BENCH_CALLGRIND_REQUESTS=20 \
        BENCH_JSON="$tmp/http.json" "$ROOT/tests/bench/http.sh" "$BUILD" >"$tmp/http.txt" 2>&1
    rc=$?
    check "tests/bench/http.sh runs end to end (exit 0)" '[ $rc = 0 ] || { tail -5 $tmp/http.txt; false; }'
    check "it prints the method, the figures and the verdict on the target" 'grep -q "keep-alive, wrk 1 thread on loopback" $tmp/http.txt && grep -q "p99 .* ms" $tmp/http.txt && grep -q "60% of in-process.*-> \(met\|NOT met\)" $tmp/http.txt'
    check "CPU per request of the server and of wrk in the maximum run, and the derived figure" 'grep -q "mdlgate serve .* us (in-process cached verification, CPU time" $tmp/http.txt && grep -q "derived, not measured" $tmp/http.txt && [ "$(q $tmp/http.json "j[\"http_max_server_cpu_us_per_req\"] > 0 and j[\"http_max_wrk_cpu_us_per_req\"] >= 0 and j[\"http_server_alone_share_by_cpu_derived\"] > 0")" = True ]'
    check "every answer was checked valid; figures in the JSON" '[ "$(q $tmp/http.json "j[\"http_max_req_per_sec\"] > 0 and j[\"http_half_req_per_sec\"] > 0 and j[\"http_max_p99_ms\"] > 0 and j[\"verify_per_sec_core_cached\"] > 0")" = True ] && grep -q "every answer 200 with \"valid\": true" $tmp/http.txt'
    if command -v valgrind >/dev/null && ! grep -qa __asan_init "$M"; then
        # (20 requests are too few for the figure itself: start-up work varies by a few M)
        check "instructions per request (callgrind): printed, and in the JSON (a verification > 1M)" 'grep -q "instructions per request (callgrind" $tmp/http.txt && [ "$(q $tmp/http.json "j[\"http_callgrind_instr_per_req\"] > 0 and j[\"http_callgrind_verify_instr_per_req\"] > 1e6")" = True ]'
    else
        check "instructions per request: reported as skipped (no valgrind, or a sanitizer build)" 'grep -q "instructions per request: skipped" $tmp/http.txt'
    fi
    spid=$(sed -n 's/^mdlgate serve (pid \([0-9]*\)) stopped (SIGTERM, exit 0)$/\1/p' "$tmp/http.txt")
    check "the server was stopped (pid $spid gone)" '[ -n "$spid" ] && ! kill -0 "$spid" 2>/dev/null'
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
echo "skip: wrk not installed (the HTTP part of make bench not run)"
exit 77
