# check_lib.bash - the preamble the shell tests under tests/cli share. Source it first; it
# defines ROOT (the repository), BUILD (absolute), M (the mdlgate binary; the test skips with
# exit 77 when it is not built or python3 is missing), the ok/bad/check counters, finish
# (prints "N passed, N failed" and exits with the verdict), q FILE EXPR (a Python
# expression over the JSON in FILE, bound to j), SHARED (the reference tree: $MDLG_SHARED,
# else ../shared next to the repository; a test that needs it skips when it is absent) and
# clean_env (unsets every MDLGATE_* variable, so the caller's environment does not leak in)
# and manifest_root (a trust-lists manifest root record pinning a test IACA).

here_check_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$here_check_lib/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
M=$BUILD/mdlgate
SHARED=${MDLG_SHARED:-$ROOT/../shared}

[ -x "$M" ] || { echo "skip: $M not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1 [$2]"; fi; }
# wait_for SECONDS 'condition': polls every 50 ms until the condition holds (status 0) or the
# time is up (status 1). For events a loaded machine may deliver late: never a fixed sleep.
wait_for() {
    local i
    for ((i = 0; i < $1 * 20; i++)); do eval "$2" && return 0; sleep 0.05; done
    eval "$2"
}
# manifest_root ID IACA_PEM: a root record of a trust-lists manifest (a blank line first)
# pinning that test IACA by its SHA-256, for `trust sync --lists` tests.
manifest_root() {
    cat <<R

root: $1
sha256: $(openssl x509 -in "$2" -outform DER | sha256sum | cut -c1-64)
subject: C = US, ST = US-CA, CN = mdlgate test IACA
not_before: 2000-01-01T00:00:00Z
not_after: 2099-01-01T00:00:00Z
status: production
vical: no
source: https://iaca.test/
R
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
q() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
clean_env() {
    local v
    for v in $(env | sed -n 's/^\(MDLGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
}
