# npm-pinned.bash - sourced by the build-time generators that take their input from an npm
# package pinned in the repository (src/fraud/gen-disposable.sh, src/api/gen-usmap.sh).
#
# npm_pinned SRC WORK: installs what SRC/package.json and SRC/package-lock.json pin into
# WORK/node_modules with `npm ci` (no install scripts, one retry, prefers the npm cache).
# On any failure it calls the caller's degrade function with the reason; degrade prints the
# caller's WARNING and exits 0, so that mdlgate builds without that input and the next
# `make` tries again.
npm_pinned() {
    local src=$1 work=$2 log=$2/npm-ci.log
    command -v node >/dev/null 2>&1 || degrade "node is not installed"
    command -v npm >/dev/null 2>&1 || degrade "npm is not installed"
    mkdir -p "$work" || degrade "cannot create $work"
    cp "$src/package.json" "$src/package-lock.json" "$work/" || degrade "cannot copy $src"
    if ! (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline \
            --fetch-retries=1 --fetch-timeout=30000) >"$log" 2>&1; then
        degrade "npm ci failed in $work ($(grep -m1 -i 'err' "$log" || tail -1 "$log"))"
    fi
}
