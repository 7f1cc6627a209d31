#!/usr/bin/env bash
# Interop test against an independent implementation: @auth0/mdl (npm), through
# tests/interop/auth0_verify.mjs. Run by tests/run-tests.sh with BUILD=<build dir>.
# Exit 0 = pass, 77 = skip (reason on the last line), anything else = fail.
#
#  1. installs tests/interop/node_modules with `npm ci` from the committed package-lock.json
#     when it is missing or stale (skip if node/npm are absent or the registry is unreachable);
#  2. checks the harness on shared vectors (skip this part if $MDLG_SHARED is absent):
#       auth0-mdl example1 -> valid, example3 -> invalid (family_name digest),
#       ISO 18013-5 Annex D (deviceMac, pinned clock 2021-01-01) -> valid;
#  3. if "$BUILD/mdlgate issue" exists: responses it issues (ES256 deviceSignature, deviceMac,
#     P-384, Ed25519) -> valid; tampered ones (digest, issuer and device signature, wrong
#     transcript) -> invalid, each for the reason expected.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
BUILD=${BUILD:-build}
SHARED=${MDLG_SHARED:-$root/../shared}
HARNESS=$here/auth0_verify.mjs

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# ---- 1. node, npm and the pinned packages ----------------------------------------------------
command -v node >/dev/null 2>&1 || skip "node not installed (make deps installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm not installed (make deps installs npm)"

want=$(node -p 'require(process.argv[1]).dependencies["@auth0/mdl"]' "$here/package.json") ||
    fail "cannot read tests/interop/package.json"
have=$(node -p 'require(process.argv[1]).version' "$here/node_modules/@auth0/mdl/package.json" 2>/dev/null)
if [ "$have" != "$want" ]; then
    echo "npm ci in tests/interop (@auth0/mdl installed: ${have:-none}, wanted: $want)"
    npmlog=$(mktemp)
    if ! (cd "$here" && npm ci --no-audit --no-fund) >"$npmlog" 2>&1; then
        cat "$npmlog"
        if grep -Eqi 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up|fetch failed' "$npmlog"; then
            rm -f "$npmlog"
            skip "npm registry unreachable: cannot install @auth0/mdl@$want"
        fi
        rm -f "$npmlog"
        fail "npm ci failed in tests/interop"
    fi
    rm -f "$npmlog"
fi
node "$HARNESS" --help >/dev/null || fail "harness does not start"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0

# hex file (one line of lowercase hex) -> raw CBOR file
hex2bin() { node -e 'process.stdout.write(Buffer.from(require("fs").readFileSync(process.argv[1], "utf8").replace(/\s+/g, ""), "hex"))' "$1" >"$2"; }

# SessionTranscriptBytes hex file (#6.24(bstr .cbor SessionTranscript)) -> plain array hex.
# The header is d8 18 then a bstr head: 58 LL, 59 LLLL or 5a LLLLLLLL (auth0's file uses 58).
untag24() {
    local h len off
    h=$(tr -d ' \t\r\n' <"$1")
    case ${h:0:6} in
        d81858) len=$((16#${h:6:2})); off=8 ;;
        d81859) len=$((16#${h:6:4})); off=10 ;;
        d8185a) len=$((16#${h:6:8})); off=14 ;;
        *) echo "$h"; return 0 ;;
    esac
    [ $(( ${#h} - off )) -eq $((len * 2)) ] || { echo "untag24: bad length in $1" >&2; return 1; }
    echo "${h:off}"
}

# expect NAME WANT_RC [GREP] -- harness args...
expect() {
    local name=$1 want=$2 pat=$3 out rc
    shift 4
    out=$(node "$HARNESS" "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && { [ -z "$pat" ] || grep -q -- "$pat" <<<"$out"; }; then
        echo "ok   $name: $out"
        passed=$((passed + 1))
    else
        echo "FAIL $name: exit $rc (want $want${pat:+, output matching '$pat'}): $out"
        failed=$((failed + 1))
    fi
}

# ---- 2. the harness on shared vectors --------------------------------------------------------
A=$SHARED/vectors/mdoc/auth0-mdl
D=$SHARED/vectors/mdoc/iso18013-5-annex-d
shared_ran=0
if [ -d "$A" ] && [ -d "$D" ]; then
    shared_ran=1
    t_auth0=$(untag24 "$A/session_transcript_bytes.hex") || fail "bad auth0 transcript"
    t_annexd=$(untag24 "$D/session_transcript_bytes.hex") || fail "bad Annex D transcript"
    hex2bin "$A/example1_device_response.hex" "$tmp/example1.cbor"
    hex2bin "$A/example3_device_response.hex" "$tmp/example3.cbor"
    hex2bin "$D/device_response.hex" "$tmp/annexd.cbor"

    expect "auth0 example1 (valid)" 0 '"valid":true' -- \
        --response "$tmp/example1.cbor" --anchor "$A/nydmv_issuer_cert.pem" \
        --transcript-hex "$t_auth0" --at 2024-01-01T00:00:00Z
    expect "auth0 example3 (family_name digest)" 1 'family_name' -- \
        --response "$tmp/example3.cbor" --anchor "$A/nydmv_issuer_cert.pem" \
        --transcript-hex "$t_auth0" --at 2024-01-01T00:00:00Z
    # Valid only at the pinned instant (the DS expired 2021-10-01): also proves the clock pin.
    expect "annex-d deviceMac (valid at 2021-01-01)" 0 '"valid":true' -- \
        --response "$tmp/annexd.cbor" --anchor "$D/iaca_root.pem" \
        --transcript-hex "$t_annexd" --reader-key "$D/ephemeral_reader_key.pem" \
        --at 2021-01-01T00:00:00Z
    expect "annex-d after DS expiry (invalid)" 1 'ISSUER_CERTIFICATE_VALIDITY' -- \
        --response "$tmp/annexd.cbor" --anchor "$D/iaca_root.pem" \
        --transcript-hex "$t_annexd" --reader-key "$D/ephemeral_reader_key.pem" \
        --at 2021-10-01T12:00:00Z
else
    echo "shared vectors not found under $SHARED: skipping the vector checks"
fi

# ---- 3. mdlgate's own issuer output, verified by @auth0/mdl ----------------------------------
# Issues with "$BUILD/mdlgate issue" into "$tmp" (PKIs generated there) and checks each response
# with @auth0/mdl at a pinned instant. Returns 0 when the checks ran (each counted by `expect`),
# 1 when mdlgate issue itself failed.
verify_mdlgate_issue() {
    local mdlgate=$1 th at=2026-01-01T00:00:00Z later=2026-01-02T00:00:00Z
    # [null, null, ["OpenID4VPHandover", h'00' * 32]]: an OpenID4VP 1.0 shaped transcript
    th=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)
    issue() { # NAME ARGS... -> $tmp/NAME.cbor
        local name=$1
        shift
        "$mdlgate" issue -q --transcript-hex "$th" --at "$at" --out "$tmp/$name.cbor" "$@" ||
            { echo "FAIL mdlgate issue $name ($*)"; return 1; }
    }
    issue issued --pki "$tmp/pki" &&
        issue t-digest --pki "$tmp/pki" --tamper digest &&
        issue t-issuer-sig --pki "$tmp/pki" --tamper issuer-signature &&
        issue t-device-sig --pki "$tmp/pki" --tamper device-signature &&
        issue t-transcript --pki "$tmp/pki" --tamper wrong-transcript &&
        issue mac --pki "$tmp/pki" --device-auth mac &&
        issue p384 --pki "$tmp/pki-p384" --curve P-384 &&
        issue ed25519 --pki "$tmp/pki-ed25519" --curve Ed25519 || return 1
    local a=(--anchor "$tmp/pki/iaca.pem" --transcript-hex "$th" --at "$later")
    expect "mdlgate issue: valid (ES256, deviceSignature)" 0 '"valid":true' -- \
        --response "$tmp/issued.cbor" "${a[@]}"
    expect "mdlgate issue --tamper digest" 1 'family_name' -- --response "$tmp/t-digest.cbor" "${a[@]}"
    expect "mdlgate issue --tamper issuer-signature" 1 'ISSUER_SIGNATURE_VALIDITY' -- \
        --response "$tmp/t-issuer-sig.cbor" "${a[@]}"
    expect "mdlgate issue --tamper device-signature" 1 'DEVICE_SIGNATURE_VALIDITY' -- \
        --response "$tmp/t-device-sig.cbor" "${a[@]}"
    expect "mdlgate issue --tamper wrong-transcript" 1 'DEVICE_SIGNATURE_VALIDITY' -- \
        --response "$tmp/t-transcript.cbor" "${a[@]}"
    expect "mdlgate issue: valid (deviceMac)" 0 '"valid":true' -- \
        --response "$tmp/mac.cbor" "${a[@]}" --reader-key "$tmp/pki/reader.key.pem"
    expect "mdlgate issue: valid (P-384)" 0 '"valid":true' -- --response "$tmp/p384.cbor" \
        --anchor "$tmp/pki-p384/iaca.pem" --transcript-hex "$th" --at "$later"
    expect "mdlgate issue: valid (Ed25519)" 0 '"valid":true' -- --response "$tmp/ed25519.cbor" \
        --anchor "$tmp/pki-ed25519/iaca.pem" --transcript-hex "$th" --at "$later"
    # The same valid response against another IACA: untrusted.
    expect "mdlgate issue: wrong anchor" 1 'ISSUER_CERTIFICATE_VALIDITY' -- \
        --response "$tmp/issued.cbor" --anchor "$tmp/pki-p384/iaca.pem" --transcript-hex "$th" \
        --at "$later"
    return 0
}

issuer_ran=0
if [ -x "$BUILD/mdlgate" ] && timeout 20 "$BUILD/mdlgate" issue --help >/dev/null 2>&1; then
    verify_mdlgate_issue "$BUILD/mdlgate"
    rc=$?
    case $rc in
        0) issuer_ran=1 ;;
        77) ;;
        *) failed=$((failed + 1)) ;;
    esac
else
    echo "$BUILD/mdlgate issue: not available, issuer round-trip not run"
fi

echo "auth0 interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
if [ "$shared_ran" -eq 0 ] && [ "$issuer_ran" -eq 0 ]; then
    skip "nothing verified: no shared vectors at $SHARED, mdlgate issue check not run"
fi
exit 0
