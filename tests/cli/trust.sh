#!/usr/bin/env bash
# mdlgate trust sync|list|import-vical through the CLI. Run by tests/run-tests.sh with
# BUILD=<build dir>; exit 0 pass, 77 skip (reason on the last line), anything else fail.
#  - sync from the $MDLG_SHARED/iaca mirror: text and --json counts, a second sync unchanged;
#  - a tampered mirror: exit 1, AZ-3 mismatched, the copy in force kept;
#  - list: anchors per jurisdiction, Virginia's expired root flagged (exit 1 while one is in force);
#  - import-vical: fresh (exit 0), stale (warning, exit 0), expired signer and wrong anchor (exit 1);
#  - a fetch URL that cannot be reached is reported unreachable quickly.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"
[ -d "$SHARED/iaca" ] || { echo "skip: no shared iaca mirror at $SHARED"; exit 77; }
cd "$ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

OUT=$tmp/var/trust
AT=2026-12-05T00:00:00Z
"$M" trust sync --from-dir "$SHARED/iaca" --trust-dir "$OUT" --at $AT >"$tmp/s1.txt"; rc=$?
check "sync exit 0" "[ $rc -eq 0 ]"
check "sync table total" "grep -Eq '^total +38 +0 +0 +1 +0 +6$' '$tmp/s1.txt'"
check "trust dir is a link to a generation" "[ -L '$OUT' ] && [ -f '$OUT/US-CA/CA-1.pem' ]"
"$M" trust sync --from-dir "$SHARED/iaca" --trust-dir "$OUT" --at $AT --json >"$tmp/s2.json"
check "second sync unchanged (json)" \
    "[ \"\$(q $tmp/s2.json \"sum(x['unchanged'] for x in j['jurisdictions'].values())\")\" = 38 ]"
check "json per jurisdiction" "[ \"\$(q $tmp/s2.json \"j['jurisdictions']['US-AZ']['unchanged']\")\" = 10 ]"

cp -r "$SHARED/iaca" "$tmp/mirror" && chmod -R u+w "$tmp/mirror"
python3 -c "import sys;p=sys.argv[1];b=bytearray(open(p,'rb').read());b[300]^=4;open(p,'wb').write(b)" \
    "$tmp/mirror/AZ-3.pem"
"$M" trust sync --from-dir "$tmp/mirror" --trust-dir "$OUT" --at $AT >"$tmp/s3.txt"; rc=$?
check "tampered mirror: exit 1" "[ $rc -eq 1 ]"
check "tampered mirror: AZ-3 mismatched, kept" \
    "grep -q 'US-AZ AZ-3: mismatched (mirror file does not hold the pinned certificate); the copy in force was kept' '$tmp/s3.txt'"
check "tampered mirror: pinned AZ-3 still in force" \
    "cmp -s <(openssl x509 -in '$OUT/US-AZ/AZ-3.pem' -outform DER) <(openssl x509 -in '$SHARED/iaca/AZ-3.pem' -outform DER)"

# list: sync as of 2025-12-01 (Virginia's first root still valid), list as of now
"$M" trust sync --from-dir "$SHARED/iaca" --trust-dir "$tmp/old/trust" --at 2025-12-01T00:00:00Z >/dev/null
"$M" trust list --trust-dir "$tmp/old/trust" --at $AT >"$tmp/l.txt"; rc=$?
check "list: exit 1 with an expired anchor" "[ $rc -eq 1 ]"
check "list: Virginia root flagged" "grep -A3 '^US-VA' '$tmp/l.txt' | grep -q 'VA mID IACA  WARNING: EXPIRED 2026-01-10'"
check "list: summary" "grep -q '^38 anchors in force, 1 expired' '$tmp/l.txt'"
"$M" trust list --trust-dir "$OUT" --at $AT --json >"$tmp/l.json"; rc=$?
check "list json: nothing expired in the fresh set" "[ $rc -eq 0 ] && [ \"\$(q $tmp/l.json \"j['expired']\")\" = 0 ]"

V=$SHARED/vectors/mdoc/aamva-vical
if [ -f "$V/aamva-vical-2025-11-18.cbor" ]; then
    iv() { "$M" trust import-vical "$V/aamva-vical-2025-11-18.cbor" --trust-dir "$tmp/v/trust" "$@"; }
    iv --vical-anchor "$V/aamva_dts_root_ca.pem" --at 2025-11-18T20:00:00Z >"$tmp/v1.txt" 2>&1; rc=$?
    check "vical fresh: exit 0, 14 imported" "[ $rc -eq 0 ] && grep -q '^14 IACAs imported' '$tmp/v1.txt'"
    check "vical: Alaska filed as US-AK" "[ -f '$tmp/v/trust/US-AK/vical-f0da3dbe4305223e.pem' ]"
    iv --vical-anchor "$V/aamva_dts_root_ca.pem" --at 2025-12-01T00:00:00Z --json >"$tmp/v2.json" 2>"$tmp/v2.err"; rc=$?
    check "vical stale: exit 0 with a warning" "[ $rc -eq 0 ] && grep -q stale '$tmp/v2.err' && [ \"\$(q $tmp/v2.json \"j['stale']\")\" = True ]"
    iv --vical-anchor "$V/aamva_dts_root_ca.pem" --at 2026-05-01T00:00:00Z >/dev/null 2>"$tmp/v3.err"; rc=$?
    check "vical expired signer: exit 1 CERT_EXPIRED" "[ $rc -eq 1 ] && grep -q CERT_EXPIRED '$tmp/v3.err'"
    iv --vical-anchor "$SHARED/iaca/CA-1.pem" --at 2025-11-18T20:00:00Z >/dev/null 2>"$tmp/v4.err"; rc=$?
    check "vical wrong anchor: exit 1 CHAIN_UNTRUSTED" "[ $rc -eq 1 ] && grep -q CHAIN_UNTRUSTED '$tmp/v4.err'"
else
    echo "note: no VICAL vector; import-vical cases not run"
fi

# An unreachable fetch URL (a closed local port) is reported quickly, not fatal.
mkdir -p "$tmp/lists/US-XX"
sed -n '/^root: LA-1/,/^note:/p' trust-lists/US-LA/manifest | sed 's|^fetch: .*|fetch: http://127.0.0.1:9/la.cer|' \
    | { echo 'jurisdiction: US-XX'; cat; } >"$tmp/lists/US-XX/manifest"
start=$(date +%s)
"$M" trust sync --lists "$tmp/lists" --trust-dir "$tmp/net/trust" --at $AT >"$tmp/n.txt"; rc=$?
took=$(( $(date +%s) - start ))
check "unreachable URL: exit 0, reported, fast" \
    "[ $rc -eq 0 ] && grep -q 'LA-1: unreachable (could not connect)' '$tmp/n.txt' && [ $took -le 5 ]"

finish
