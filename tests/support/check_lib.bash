# check_lib.bash - the preamble the shell tests under tests/cli share. Source it first; it
# defines ROOT (the repository), BUILD (absolute), M (the mdlgate binary; the test skips with
# exit 77 when it is not built or python3 is missing), the ok/bad/check counters, finish
# (prints "N passed, N failed" and exits with the verdict) and q FILE EXPR (a Python
# expression over the JSON in FILE, bound to j).

here_check_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$here_check_lib/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
M=$BUILD/mdlgate

[ -x "$M" ] || { echo "skip: $M not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1 [$2]"; fi; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
q() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
