#!/usr/bin/env bash
# Runs every test executable and script; prints one summary line
#   "tests: N passed, N failed, N skipped"
# counted from cmocka's own summaries. Exits non-zero if anything failed.
set -u
build=$1; shift
passed=0 failed=0 skipped=0 bad_bins=()
log=$(mktemp)
for bin in "$@"; do
    name=$(basename "$bin")
    "$bin" >"$log" 2>&1
    rc=$?
    # summed over the groups a binary runs (test_store: one per backend)
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{n+=$1} END{print n+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{n+=$1} END{print n+0}')
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{n+=$1} END{print n+0}')
    p=${p:-0} f=${f:-0} s=${s:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or aborted
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    printf '%-28s %4d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
    if [ "$f" -ne 0 ]; then
        bad_bins+=("$name"); grep -E '^\[  (FAILED|ERROR) |error|Assert|ERROR|runtime error' "$log" | head -40
    fi
    grep -E '^\[  SKIPPED \] ' "$log" | grep -v 'test(s)' | sed 's/^/    /' | head -20
done
# Script tests: tests/cli/*.sh and tests/interop/*.sh. Exit 0 pass, 77 skip.
for t in tests/cli/*.sh tests/interop/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t")
    BUILD=$build bash "$t" >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); st=passed
    elif [ $rc -eq 77 ]; then skipped=$((skipped + 1)); st="skipped ($(tail -1 "$log"))"
    else failed=$((failed + 1)); st=failed; bad_bins+=("$name"); tail -30 "$log"; fi
    printf '%-28s %s\n' "$name" "$st"
    # a script that passed but skipped a part says so on a line starting with "skip "
    [ $rc -eq 0 ] && grep -E '^skip ' "$log" | sed 's/^/    /' | head -5
done
rm -f "$log"
echo
[ ${#bad_bins[@]} -eq 0 ] || echo "failing: ${bad_bins[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
